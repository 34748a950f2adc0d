"""Schema migrations of the roster domain (see models/schema/__init__.py)."""

from sqlite_utils import Migrations

migrations = Migrations("roster")
