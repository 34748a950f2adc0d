"""Schema migrations of the assess domain (see models/schema/__init__.py)."""

from sqlite_utils import Migrations

migrations = Migrations("assess")
