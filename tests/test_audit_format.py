"""Issue 22: audit rows keep what changed, not whole rows twice; rows written
in the earlier format stay readable and verifiable next to the new ones."""

from __future__ import annotations

import datetime as dt
import json
import sqlite3

from models.core import audit, records, township
from models.core.db import close_database, open_database


def _old_style_row(db, table, key, before, after):
    """An audit row as the program wrote it before issue 22: whole images with
    spaces after separators, and the previous hash repeated in prev_hash."""
    def image(value):
        return None if value is None else json.dumps(value, ensure_ascii=False, sort_keys=True, default=str)
    prev = db.execute("SELECT hash FROM audit_log ORDER BY id DESC LIMIT 1").fetchone()[0]
    at = dt.datetime.now().isoformat(timespec="microseconds")
    b, a = image(before), image(after)
    h = audit._digest(prev, at, "admin", "update", table, key, b, a, None)
    db.execute("INSERT INTO audit_log (at, actor, action, table_name, row_key, before, after, prev_hash, hash) "
               "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", [at, "admin", "update", table, key, b, a, prev, h])
    db.execute("UPDATE audit_head SET last_id = last_insert_rowid(), last_hash = ?, row_count = row_count + 1", [h])


def test_update_and_tombstone_keep_only_what_changed(db, admin):
    key = township.add_village(db, admin, "东村", 120)
    township.update_village(db, admin, key, "东村", 150)
    township.delete_village(db, admin, key)
    insert, update, delete = reversed(audit.recent(db, 3, "villages"))
    full = json.loads(insert["after"])
    assert full["name"] == "东村" and full["households"] == 120 and full["uuid"] == key
    assert not audit.IMPLIED_COLUMNS & set(full)  # who/when are the audit row's own columns
    assert (json.loads(update["before"]), json.loads(update["after"])) == ({"households": 120}, {"households": 150})
    assert audit.changes(delete) == {"deleted": (0, 1)}
    assert update["after"] == '{"households":150}'  # compact JSON
    assert db.execute("SELECT count(*) FROM audit_log WHERE prev_hash = ?", [audit.CHAINED]).fetchone()[0] >= 3
    assert audit.verify_chain(db) == [] and audit.verify_rows(db) == []


def test_old_rows_stay_readable_and_checked_next_to_new_ones(db, admin, tmp_path):
    key = township.add_village(db, admin, "西村", 10)
    with db.atomic():
        before = records.get(db, "villages", key)
        db.execute("UPDATE villages SET households = 11 WHERE uuid = ?", [key])
        _old_style_row(db, "villages", key, before, records.get(db, "villages", key))
    township.update_village(db, admin, key, "西村", 12)
    assert audit.verify_chain(db) == []
    old, new = [r for r in reversed(audit.recent(db, 10, "villages")) if r["action"] == "update"]
    assert audit.changes(old) == {"households": (10, 11)}  # the whole images, read as a change
    assert audit.changes(new) == {"households": (11, 12)}
    path = db.path
    close_database(db)

    # Removing the old row, or editing a new one, is still detected.
    for sql in ("DELETE FROM audit_log WHERE before LIKE '%\"households\": 10%'",
                "UPDATE audit_log SET after = '{\"households\":13}' WHERE after = '{\"households\":12}'"):
        copy = tmp_path / f"copy{len(sql)}.db"
        src = sqlite3.connect(str(path))
        dst = sqlite3.connect(str(copy))
        src.backup(dst)
        src.close()
        dst.execute(sql)
        assert dst.total_changes == 1
        dst.commit()
        dst.close()
        reopened = open_database(copy)
        try:
            assert audit.verify_chain(reopened), sql
        finally:
            close_database(reopened)


def test_no_audit_lookup_index(db):
    assert not db.execute("SELECT 1 FROM sqlite_master WHERE name = 'idx_audit_table'").fetchone()
