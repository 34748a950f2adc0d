"""Subcommands of the roster domain (see cli/__init__.py)."""


def register(sub, common) -> None:
    """Add this domain's subcommands to the parser."""
