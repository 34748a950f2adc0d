"""Schema migrations of the election domain (see models/schema/__init__.py)."""

from sqlite_utils import Migrations

migrations = Migrations("election")
