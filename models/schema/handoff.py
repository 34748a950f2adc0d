"""Schema migrations of the handoff domain (see models/schema/__init__.py)."""

from sqlite_utils import Migrations

migrations = Migrations("handoff")
