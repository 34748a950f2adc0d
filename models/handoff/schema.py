"""Schema migrations of the handoff domain (see models/core/migrations.py).

The handoff tables are bookkeeping of this database only; they never travel:
- handoff_packages: every package exported from or imported into this file
  (its id makes a re-import a no-op, its change_seq range gives the county's
  acknowledgement);
- handoff_acks: what the county has confirmed holding, per township;
- handoff_conflicts: records both sides changed, waiting for a person.
"""

from __future__ import annotations

from sqlite_utils import Migrations

from typing import TYPE_CHECKING

if TYPE_CHECKING:  # annotations only
    from sqlite_utils import Database

migrations = Migrations("handoff")


@migrations()
def m001_handoff_log(db: Database):
    db.execute(
        "CREATE TABLE handoff_packages ("
        "package_id TEXT PRIMARY KEY, "
        "direction TEXT NOT NULL CHECK (direction IN ('export', 'import')), "
        "kind TEXT NOT NULL CHECK (kind IN ('data', 'reference')), "
        "township_code TEXT NOT NULL, "
        "township_name TEXT, "
        "sequence INTEGER NOT NULL, "
        "full INTEGER NOT NULL DEFAULT 0, "
        "since_seq INTEGER NOT NULL DEFAULT 0, "
        "max_seq INTEGER NOT NULL DEFAULT 0, "
        "created_at TEXT NOT NULL, "
        "handled_at TEXT NOT NULL, "
        "actor TEXT, "
        "file_name TEXT, "
        "payload_sha256 TEXT, "
        "summary TEXT)"
    )
    db.execute("CREATE INDEX idx_handoff_packages_town ON handoff_packages(township_code, direction, sequence)")
    db.execute("CREATE INDEX idx_handoff_packages_handled ON handoff_packages(handled_at)")
    db.execute(
        "CREATE TABLE handoff_acks ("
        "township_code TEXT PRIMARY KEY, "
        "acked_through INTEGER NOT NULL DEFAULT 0, "
        "acked_at TEXT NOT NULL, "
        "source_package TEXT)"
    )
    db.execute(
        "CREATE TABLE handoff_conflicts ("
        "id INTEGER PRIMARY KEY, "
        "table_name TEXT NOT NULL, "
        "row_uuid TEXT NOT NULL, "
        "township_code TEXT NOT NULL, "
        "package_id TEXT NOT NULL, "
        "local_version INTEGER, "
        "incoming_version INTEGER NOT NULL, "
        "incoming_deleted INTEGER NOT NULL DEFAULT 0, "
        "incoming_row TEXT NOT NULL, "
        "incoming_digest TEXT NOT NULL, "
        "created_at TEXT NOT NULL, "
        "resolved_at TEXT, "
        "resolved_by TEXT, "
        "resolution TEXT CHECK (resolution IN ('local', 'incoming')))"
    )
    # The same incoming version of a row is listed once, however often it arrives.
    db.execute(
        "CREATE UNIQUE INDEX idx_handoff_conflicts_unique "
        "ON handoff_conflicts(table_name, row_uuid, incoming_version, incoming_digest)"
    )
    db.execute("CREATE INDEX idx_handoff_conflicts_open ON handoff_conflicts(resolved_at, township_code, table_name)")
