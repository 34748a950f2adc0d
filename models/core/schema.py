"""Foundation tables: settings, users, audit log, change counter, townships,
villages and offices."""

from __future__ import annotations

from sqlite_utils import Migrations

from models.core.records import create_travel_table
from models.core.travel import register_travel_table

from typing import TYPE_CHECKING

if TYPE_CHECKING:  # annotations only
    from sqlite_utils import Database

migrations = Migrations("core")

register_travel_table("villages")
register_travel_table("offices")


@migrations()
def m001_foundation(db: Database):
    db.execute("CREATE TABLE settings (key TEXT PRIMARY KEY, value TEXT NOT NULL)")
    db.execute(
        "CREATE TABLE users (username TEXT PRIMARY KEY, display_name TEXT, role TEXT NOT NULL, "
        "pw_hash TEXT NOT NULL, active INTEGER NOT NULL DEFAULT 1, failed_count INTEGER NOT NULL DEFAULT 0, "
        "locked_until TEXT, created_at TEXT NOT NULL)"
    )
    db.execute(
        "CREATE TABLE audit_log (id INTEGER PRIMARY KEY, at TEXT NOT NULL, actor TEXT NOT NULL, "
        "action TEXT NOT NULL, table_name TEXT, row_key TEXT, before TEXT, after TEXT, "
        "prev_hash TEXT NOT NULL, hash TEXT NOT NULL)"
    )
    db.execute("CREATE INDEX idx_audit_table ON audit_log(table_name, row_key)")
    db.execute("CREATE TABLE change_counter (id INTEGER PRIMARY KEY CHECK (id = 1), seq INTEGER NOT NULL)")
    db.execute("INSERT INTO change_counter (id, seq) VALUES (1, 0)")
    # Every township whose data this file holds (one, or many in county mode).
    db.execute(
        "CREATE TABLE townships (code TEXT PRIMARY KEY, name TEXT NOT NULL, county TEXT, "
        "is_local INTEGER NOT NULL DEFAULT 0)"
    )
    create_travel_table(
        db, "villages",
        "name TEXT NOT NULL, households INTEGER NOT NULL DEFAULT 0, population INTEGER, note TEXT",
    )
    create_travel_table(
        db, "offices",
        "name TEXT NOT NULL, kind TEXT, description TEXT, phone TEXT, "
        "establishment INTEGER NOT NULL DEFAULT 0",
    )


@migrations()
def m002_audit_head(db: Database):
    # The newest audit row's id and hash, kept outside the chain, so that
    # cutting rows off the end of the chain is detected too.
    db.execute("CREATE TABLE audit_head (id INTEGER PRIMARY KEY CHECK (id = 1), last_id INTEGER NOT NULL, "
               "last_hash TEXT NOT NULL, row_count INTEGER NOT NULL)")
    last = db.execute("SELECT id, hash FROM audit_log ORDER BY id DESC LIMIT 1").fetchone()
    count = db.execute("SELECT count(*) FROM audit_log").fetchone()[0]
    db.execute("INSERT INTO audit_head (id, last_id, last_hash, row_count) VALUES (1, ?, ?, ?)",
               [last[0] if last else 0, last[1] if last else "0" * 64, count])


@migrations()
def m003_access(db: Database):
    # Issue 20. The township's own Ed25519 signing key (packages prove their
    # township), and in a county database the public key registered per township.
    db.execute("CREATE TABLE signing_key (id INTEGER PRIMARY KEY CHECK (id = 1), private_key TEXT NOT NULL, "
               "public_key TEXT NOT NULL, created_at TEXT NOT NULL)")
    db.execute("CREATE TABLE township_keys (township_code TEXT PRIMARY KEY, public_key TEXT NOT NULL, "
               "fingerprint TEXT NOT NULL, registered_at TEXT NOT NULL, registered_by TEXT, source TEXT)")
    # Tamper evidence: the hash of each audited row's state as the audit saw
    # it (row_seals), chained into the audit log through audit_log.row_hash.
    db.execute("ALTER TABLE audit_log ADD COLUMN row_hash TEXT")
    db.execute("CREATE TABLE row_seals (table_name TEXT NOT NULL, row_key TEXT NOT NULL, row_hash TEXT NOT NULL, "
               "audit_id INTEGER NOT NULL, PRIMARY KEY (table_name, row_key)) WITHOUT ROWID")
    # The heads of the audit chain this township sent in its packages: the
    # next package tells the county the chain's current hash at each of them.
    db.execute("CREATE TABLE audit_sent (package_id TEXT PRIMARY KEY, last_id INTEGER NOT NULL, "
               "last_hash TEXT NOT NULL, row_count INTEGER NOT NULL, sent_at TEXT NOT NULL)")
    # The county witnesses each township's audit chain: the newest head seen.
    db.execute("CREATE TABLE audit_witness (township_code TEXT PRIMARY KEY, last_id INTEGER NOT NULL, "
               "last_hash TEXT NOT NULL, row_count INTEGER NOT NULL, package_id TEXT, sequence INTEGER NOT NULL, "
               "seen_at TEXT NOT NULL)")


@migrations()
def m004_audit_lookup_index_dropped(db: Database):
    # Issue 22: no query of the program looks audit rows up by table and key
    # (the log is read newest first, checks read it whole); the index cost
    # about a tenth of the audit log's size.
    db.execute("DROP INDEX IF EXISTS idx_audit_table")
