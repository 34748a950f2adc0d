"""Generations: what a restore does to the hand-off bookkeeping.

Restoring a backup winds the database back: its change counter and the
versions of its records go back to what they were on the day of the backup,
while the county still holds the newer copies it received before. Left alone,
the township's next incremental package would skip new changes (their
change_seq numbers were already acknowledged) and the county would ignore
corrections (it holds higher versions).

So a restore starts a new *generation* (a fresh id in the settings) and, in
the same transaction:

1. the change counter jumps to above the highest value it ever had (the
   replaced file's counter), so no change_seq is used twice;
2. every record that the restore wound back (it had a higher version, or the
   same version with other content, in the replaced file) gets
   version = (the replaced file's version) + 1 and a new change_seq: the
   restored state is a new change that outranks what the county holds, by
   the ordinary merge rule (deleted, version, updated_at, content). When the
   replaced file was unreadable, every record's version jumps by
   UNKNOWN_PAST_VERSION_JUMP instead;
3. the county's acknowledgements are void: handoff_acks is emptied, the next
   export is full, and an acknowledgement lower than that full package's
   change_seq (one the county made before it saw the new generation) is
   ignored when it arrives (models/handoff/merge.py).

What a restore cannot undo at the county (documented in RELIABILITY.md):
records deleted after the backup stay deleted there (a tombstone outranks
every live version, the merge rule), and records created after the backup
stay there (they were real; the replaced file keeps them too).
"""

from __future__ import annotations

import sqlite3
import uuid as uuidlib
from pathlib import Path

from models.core import audit, records, settings
from models.core.users import SYSTEM_ACTOR
from models.core import travel

from typing import TYPE_CHECKING

if TYPE_CHECKING:  # annotations only
    from sqlite_utils import Database

GENERATION_KEY = "handoff.generation"
FULL_EXPORT_DUE_KEY = "handoff.full_export_due"
ACK_FLOOR_KEY = "handoff.ack_floor"
PREVIOUS = "previous_generation"
UNKNOWN_PAST_VERSION_JUMP = 1000


def current(db: Database) -> str:
    """This database's generation id ('' before the first restore)."""
    return str(settings.get(db, GENERATION_KEY, "") or "")


def full_export_due(db: Database) -> bool:
    return bool(settings.get(db, FULL_EXPORT_DUE_KEY, False))


def ack_floor(db: Database) -> int:
    return int(settings.get(db, ACK_FLOOR_KEY, 0) or 0)


def full_export_written(db: Database, max_seq: int) -> None:
    """Called inside the export's transaction after a full package of the new
    generation was written: acknowledgements below its mark are stale."""
    if full_export_due(db):
        settings.set_value(db, FULL_EXPORT_DUE_KEY, False, SYSTEM_ACTOR)
        settings.set_value(db, ACK_FLOOR_KEY, int(max_seq), SYSTEM_ACTOR)


def _travel_tables(db: Database, schema: str) -> list[str]:
    names = {r[0] for r in db.execute(f"SELECT name FROM [{schema}].sqlite_master WHERE type = 'table'")}
    return [t for t in travel.TRAVEL_TABLES if t in names]


def _content_columns(db: Database, table: str, schema: str) -> list[str]:
    local = [r[1] for r in db.execute(f"PRAGMA main.table_info([{table}])")]
    other = {r[1] for r in db.execute(f"PRAGMA [{schema}].table_info([{table}])")}
    return [c for c in local if c in other and c not in records.BOOKKEEPING]


def _keep_signing_key(db: Database) -> bool:
    """The township's signing key is the identity the county registered, not data: a restore keeps
    the replaced file's key (a backup taken before the first export has none, and a new key would
    make the county refuse every later package as forged)."""
    def has_table(schema: str) -> bool:
        return db.execute(f"SELECT 1 FROM {schema}.sqlite_master WHERE type = 'table' AND name = 'signing_key'"
                          ).fetchone() is not None

    if not (has_table("main") and has_table(PREVIOUS)):
        return False
    if db.execute(f"SELECT 1 FROM {PREVIOUS}.signing_key WHERE id = 1").fetchone() is None:
        return False
    db.execute("DELETE FROM main.signing_key")
    db.execute(f"INSERT INTO main.signing_key SELECT * FROM {PREVIOUS}.signing_key")
    return True


def start_new_generation(db: Database, previous_path: Path | None, backup_name: str) -> dict:
    """Stamp the restored database `db` (not yet in place) as a new
    generation; `previous_path` is the replaced file kept aside (None when it
    could not be read). One transaction. Returns what was re-stamped."""
    from models.core.migrations import MIGRATION_SETS  # noqa: F401 - the travel tables are registered

    attached = False
    if previous_path is not None:
        try:
            db.execute(f"ATTACH DATABASE ? AS {PREVIOUS}", [str(previous_path)])
            db.execute(f"SELECT count(*) FROM {PREVIOUS}.sqlite_master").fetchone()
            attached = True
        except sqlite3.DatabaseError:
            if attached:
                db.execute(f"DETACH DATABASE {PREVIOUS}")
            attached = False
    restamped: dict[str, int] = {}
    try:
        with db.atomic():
            counter = db.execute("SELECT seq FROM change_counter WHERE id = 1").fetchone()[0]
            if attached and _travel_tables(db, PREVIOUS):
                before = db.execute(f"SELECT seq FROM {PREVIOUS}.change_counter WHERE id = 1").fetchone()
                counter = max(counter, before[0] if before else 0)
            seq = counter + 1
            db.execute("UPDATE change_counter SET seq = ? WHERE id = 1", [seq])
            now = records.now_iso()
            for table in _travel_tables(db, "main"):
                if attached and table in _travel_tables(db, PREVIOUS):
                    content = _content_columns(db, table, PREVIOUS)
                    differs = " OR ".join(f"m.[{c}] IS NOT p.[{c}]" for c in content + ["deleted"]) or "0"
                    cur = db.execute(
                        f"UPDATE main.[{table}] AS m SET version = p.version + 1, change_seq = ?, updated_at = ?, "
                        f"updated_by = ? FROM {PREVIOUS}.[{table}] AS p WHERE p.uuid = m.uuid AND "
                        f"(p.version > m.version OR (p.version = m.version AND ({differs}))) RETURNING uuid",
                        [seq, now, SYSTEM_ACTOR.username])
                else:
                    cur = db.execute(
                        f"UPDATE main.[{table}] SET version = version + ?, change_seq = ?, updated_at = ?, "
                        "updated_by = ? RETURNING uuid", [UNKNOWN_PAST_VERSION_JUMP, seq, now, SYSTEM_ACTOR.username])
                keys = [r[0] for r in cur.fetchall()]
                if keys:
                    restamped[table] = len(keys)
                    # Each re-stamped row is a change the restore made: its audit row seals it as
                    # stored now (else `check` reports the restored row as edited outside the program).
                    audit.record_many(db, SYSTEM_ACTOR, "restore", table, [(key, None, None) for key in keys])
            has_acks = db.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'handoff_acks'")
            if has_acks.fetchone():
                db.execute("DELETE FROM handoff_acks")
            kept_key = _keep_signing_key(db) if attached else False
            generation = str(uuidlib.uuid4())
            settings.set_value(db, GENERATION_KEY, generation, SYSTEM_ACTOR)
            settings.set_value(db, FULL_EXPORT_DUE_KEY, True, SYSTEM_ACTOR)
            settings.set_value(db, ACK_FLOOR_KEY, 0, SYSTEM_ACTOR)
            summary = {"backup": backup_name, "generation": generation, "change_seq": seq,
                       "restamped": restamped, "replaced_file_readable": attached,
                       "signing_key_kept": kept_key}
            audit.record(db, SYSTEM_ACTOR, "restore", "database", generation, None, summary)
    finally:
        if attached:
            db.execute(f"DETACH DATABASE {PREVIOUS}")
    return summary
