"""公示: the menu, parameter dialog and preview."""
