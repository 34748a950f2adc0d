"""Schema migrations of the service domain (see models/schema/__init__.py)."""

from sqlite_utils import Migrations

migrations = Migrations("service")
