"""公示: the registry of notice kinds, publishing, checking a posted sheet."""
