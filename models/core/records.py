"""Records that travel between township and county.

Every such table has the same bookkeeping columns: a UUID key (other tables
refer to it), the township's code, a version that grows with each change, the
time and author of the last change, a tombstone flag instead of a hard delete,
and `change_seq`, a database-wide counter that lets an export pick the rows
changed since the last package. All writes go through here so each one is
audited, and callers wrap a user action in `db.atomic()`.
"""

from __future__ import annotations

import datetime as dt
from models.core import audit, ids
from sqlite_utils import Database
from models.core.errors import ValidationError

from typing import TYPE_CHECKING

if TYPE_CHECKING:  # annotations only
    from models.core.users import Actor

TRAVEL_COLUMNS = (
    "id INTEGER PRIMARY KEY, "
    "uuid TEXT NOT NULL UNIQUE, "
    "township_code TEXT NOT NULL, "
    "version INTEGER NOT NULL DEFAULT 1, "
    "updated_at TEXT NOT NULL, "
    "updated_by TEXT, "
    "deleted INTEGER NOT NULL DEFAULT 0, "
    "change_seq INTEGER NOT NULL DEFAULT 0"
)
BOOKKEEPING = ("id", "uuid", "township_code", "version", "updated_at", "updated_by", "deleted", "change_seq")

# Registered by each schema module: the tables whose rows travel, in an order
# that satisfies their references (parents first).


def create_travel_table(db: Database, name: str, columns_sql: str) -> None:
    """CREATE TABLE with the bookkeeping columns first, then `columns_sql`."""
    db.execute(f"CREATE TABLE [{name}] ({TRAVEL_COLUMNS}, {columns_sql})")
    db.execute(f"CREATE INDEX [idx_{name}_change_seq] ON [{name}](change_seq)")
    db.execute(f"CREATE INDEX [idx_{name}_township] ON [{name}](township_code, deleted)")


def now_iso() -> str:
    return dt.datetime.now().isoformat(timespec="seconds")


def next_change_seq(db: Database) -> int:
    return reserve_change_seqs(db, 1) + 1


def reserve_change_seqs(db: Database, count: int) -> int:
    """Take `count` change numbers at once for a bulk writer (inside its
    transaction); returns the one before the first: rows get base+1 … base+count."""
    db.execute("UPDATE change_counter SET seq = seq + ? WHERE id = 1", [count])
    return db.execute("SELECT seq FROM change_counter WHERE id = 1").fetchone()[0] - count


def local_township_code(db: Database) -> str:
    from models.core import settings

    return settings.get(db, "township_code", "") or "000000"


def _actor_name(actor: Actor) -> str:
    return getattr(actor, "username", None) or str(actor)


def insert(db: Database, table: str, values: dict, actor: Actor, township_code: str | None = None) -> str:
    """Insert a new travelling record; returns its uuid. Audited."""
    row = dict(values)
    row.setdefault("uuid", ids.new_uuid())
    row["township_code"] = township_code or row.get("township_code") or local_township_code(db)
    row["version"] = 1
    row["updated_at"] = now_iso()
    row["updated_by"] = _actor_name(actor)
    row["deleted"] = 0
    row["change_seq"] = next_change_seq(db)
    cols = ", ".join(f"[{c}]" for c in row)
    marks = ", ".join("?" for _ in row)
    db.execute(f"INSERT INTO [{table}] ({cols}) VALUES ({marks})", list(row.values()))
    audit.record(db, actor, "insert", table, row["uuid"], None, row)
    return row["uuid"]


def get(db: Database, table: str, key: str, include_deleted: bool = False) -> dict | None:
    cur = db.execute(f"SELECT * FROM [{table}] WHERE uuid = ?", [key])
    cols = [d[0] for d in cur.description]
    r = cur.fetchone()
    if r is None:
        return None
    row = dict(zip(cols, r, strict=True))
    if row["deleted"] and not include_deleted:
        return None
    return row


def get_existing(db: Database, table: str, key: str) -> dict:
    """A live record that must be there (just written, or named by the caller)."""
    row = get(db, table, key)
    if row is None:
        raise ValidationError("", f"记录不存在或已删除（{table}/{key}）。")
    return row


def update(db: Database, table: str, key: str, changes: dict, actor: Actor) -> dict:
    """Change fields of a live record; bumps its version. Returns the new row."""
    before = get(db, table, key)
    if before is None:
        raise ValidationError("", f"记录不存在或已删除（{table}/{key}）。")
    changes = {k: v for k, v in changes.items() if k not in BOOKKEEPING}
    changes["version"] = before["version"] + 1
    changes["updated_at"] = now_iso()
    changes["updated_by"] = _actor_name(actor)
    changes["change_seq"] = next_change_seq(db)
    sets = ", ".join(f"[{c}] = ?" for c in changes)
    db.execute(f"UPDATE [{table}] SET {sets} WHERE uuid = ?", [*changes.values(), key])
    after = get_existing(db, table, key)
    audit.record(db, actor, "update", table, key, before, after)
    return after


def delete(db: Database, table: str, key: str, actor: Actor) -> None:
    """Leave a tombstone: the row stays, marked deleted, so the deletion travels."""
    before = get(db, table, key)
    if before is None:
        raise ValidationError("", f"记录不存在或已删除（{table}/{key}）。")
    db.execute(
        f"UPDATE [{table}] SET deleted = 1, version = version + 1, updated_at = ?, updated_by = ?, "
        "change_seq = ? WHERE uuid = ?",
        [now_iso(), _actor_name(actor), next_change_seq(db), key],
    )
    # The tombstone stays in the table: the audit row keeps only what changed.
    audit.record(db, actor, "delete", table, key, before, get(db, table, key, include_deleted=True))


def rows(db: Database, sql: str, params=()) -> list[dict]:
    """Run a SELECT and return dicts."""
    cur = db.execute(sql, list(params))
    cols = [d[0] for d in cur.description]
    return [dict(zip(cols, r, strict=True)) for r in cur.fetchall()]
