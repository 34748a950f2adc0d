"""Schema migrations of the notices domain (see models/schema/__init__.py)."""

from sqlite_utils import Migrations

migrations = Migrations("notices")
