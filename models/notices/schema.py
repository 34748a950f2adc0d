"""Schema migrations of the notices domain (see models/core/migrations.py).

`notices` records every published notice: its short serial (printed on each
page), kind, title, who made it and when, the parameters it was made with, and
the SHA-256 of the PDF file, so a posted sheet can be checked against the record.
"""

from __future__ import annotations

from sqlite_utils import Migrations

from models.core.records import create_travel_table
from models.core.travel import register_travel_table

from typing import TYPE_CHECKING

if TYPE_CHECKING:  # annotations only
    from sqlite_utils import Database

migrations = Migrations("notices")

register_travel_table("notices")


@migrations()
def m001_notices(db: Database):
    create_travel_table(
        db, "notices",
        "serial TEXT NOT NULL, kind TEXT NOT NULL, title TEXT NOT NULL, created_at TEXT NOT NULL, "
        "created_by TEXT NOT NULL, sha256 TEXT NOT NULL, params TEXT NOT NULL DEFAULT '{}', "
        "pages INTEGER, size INTEGER",
    )
    db.execute("CREATE UNIQUE INDEX idx_notices_serial ON notices(township_code, serial)")
    db.execute("CREATE INDEX idx_notices_sha256 ON notices(sha256)")
    db.execute("CREATE INDEX idx_notices_created ON notices(created_at)")
    db.execute("CREATE INDEX idx_notices_kind ON notices(kind, created_at)")


@migrations()
def m002_verifiable_from_paper(db: Database):
    """What a sheet is checked against: the digest of its text layer (a
    re-saved PDF keeps its text, not its bytes), the paper it was made on, a
    void mark with its reason, the count of reprints; and, in a local table
    that does not travel, the data each notice was rendered from, so a
    reprint is the same sheet."""
    db.execute("ALTER TABLE notices ADD COLUMN text_sha256 TEXT NOT NULL DEFAULT ''")
    db.execute("ALTER TABLE notices ADD COLUMN paper TEXT NOT NULL DEFAULT ''")
    db.execute("ALTER TABLE notices ADD COLUMN voided_at TEXT")
    db.execute("ALTER TABLE notices ADD COLUMN voided_by TEXT")
    db.execute("ALTER TABLE notices ADD COLUMN void_reason TEXT")
    db.execute("ALTER TABLE notices ADD COLUMN reprints INTEGER NOT NULL DEFAULT 0")
    db.execute("CREATE INDEX idx_notices_text ON notices(text_sha256)")
    db.execute(
        "CREATE TABLE notice_snapshots (township_code TEXT NOT NULL, serial TEXT NOT NULL, data TEXT NOT NULL, "
        "PRIMARY KEY (township_code, serial))")
