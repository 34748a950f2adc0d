"""The audit log: who changed what, when, before and after.

Rows are hash-chained (each hash covers the previous one), so an edited or
deleted audit row is detected by `verify_chain`.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json

GENESIS = "0" * 64


def _json(value) -> str | None:
    if value is None:
        return None
    return json.dumps(value, ensure_ascii=False, sort_keys=True, default=str)


def _digest(prev_hash, at, actor, action, table_name, row_key, before, after) -> str:
    payload = "\x1f".join(str(x) for x in (prev_hash, at, actor, action, table_name, row_key, before, after))
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


def record(db, actor, action: str, table_name: str, row_key, before: dict | None, after: dict | None) -> None:
    """Append one audit row. Call inside the transaction of the change itself."""
    actor_name = getattr(actor, "username", None) or str(actor)
    at = dt.datetime.now().isoformat(timespec="microseconds")
    b, a = _json(before), _json(after)
    last = db.execute("SELECT hash FROM audit_log ORDER BY id DESC LIMIT 1").fetchone()
    prev = last[0] if last else GENESIS
    h = _digest(prev, at, actor_name, action, table_name, row_key, b, a)
    db.execute(
        "INSERT INTO audit_log (at, actor, action, table_name, row_key, before, after, prev_hash, hash) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [at, actor_name, action, table_name, None if row_key is None else str(row_key), b, a, prev, h],
    )
    db.execute("UPDATE audit_head SET last_id = last_insert_rowid(), last_hash = ?, row_count = row_count + 1 "
               "WHERE id = 1", [h])


def verify_chain(db) -> list[str]:
    """Problems found in the audit chain (empty when intact)."""
    problems = []
    prev = GENESIS
    count = 0
    last_id = 0
    for row in db.execute(
        "SELECT id, at, actor, action, table_name, row_key, before, after, prev_hash, hash FROM audit_log ORDER BY id"
    ):
        rid, at, actor, action, table_name, row_key, before, after, prev_hash, h = row
        if prev_hash != prev:
            problems.append(f"审计日志第 {rid} 条之前有记录被删除或改动")
        if _digest(prev_hash, at, actor, action, table_name, row_key, before, after) != h:
            problems.append(f"审计日志第 {rid} 条内容被改动")
        prev = h
        count += 1
        last_id = rid
    head = db.execute("SELECT last_id, last_hash, row_count FROM audit_head WHERE id = 1").fetchone()
    if head is None:
        problems.append("审计日志的结尾记录（audit_head）丢失")
    elif (head[0], head[1], head[2]) != (last_id, prev, count):
        problems.append(f"审计日志末尾的记录被删除或改动（应有 {head[2]} 条、最后一条为第 {head[0]} 条，"
                        f"现有 {count} 条、最后一条为第 {last_id} 条）")
    return problems


def recent(db, limit: int = 200, table_name: str | None = None) -> list[dict]:
    sql = "SELECT id, at, actor, action, table_name, row_key, before, after FROM audit_log"
    params: list[object] = []
    if table_name:
        sql += " WHERE table_name = ?"
        params.append(table_name)
    sql += " ORDER BY id DESC LIMIT ?"
    params.append(limit)
    cur = db.execute(sql, params)
    cols = [d[0] for d in cur.description]
    return [dict(zip(cols, r, strict=True)) for r in cur.fetchall()]


def record_many(db, actor, action: str, table_name: str, items) -> int:
    """Append one audit row per (row_key, before, after) of `items`, chained
    exactly as record() chains them, in one statement (bulk imports: 100,000
    rows one by one spent most of their time here). Call inside the
    transaction of the change. Returns the number of rows."""
    actor_name = getattr(actor, "username", None) or str(actor)
    last = db.execute("SELECT hash FROM audit_log ORDER BY id DESC LIMIT 1").fetchone()
    prev = last[0] if last else GENESIS
    rows = []
    for row_key, before, after in items:
        at = dt.datetime.now().isoformat(timespec="microseconds")
        b, a = _json(before), _json(after)
        key = None if row_key is None else str(row_key)
        h = _digest(prev, at, actor_name, action, table_name, key, b, a)
        rows.append((at, actor_name, action, table_name, key, b, a, prev, h))
        prev = h
    if not rows:
        return 0
    db.conn.executemany(
        "INSERT INTO audit_log (at, actor, action, table_name, row_key, before, after, prev_hash, hash) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", rows)
    db.execute("UPDATE audit_head SET last_id = (SELECT max(id) FROM audit_log), last_hash = ?, "
               "row_count = row_count + ? WHERE id = 1", [prev, len(rows)])
    return len(rows)
