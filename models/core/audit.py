"""The audit log: who changed what, when, before and after.

Rows are hash-chained (each hash covers the previous one), so an edited or
deleted audit row is detected by `verify_chain`.

Tamper evidence beyond the log itself (issue 20): when an audited change
touches a travelling row, the hash of the row as stored right after the change
goes into the audit row (`row_hash`, part of its chained digest) and into
`row_seals`; `verify_rows` then finds a row edited, deleted or inserted with
an SQLite tool. The chain's head goes into every hand-off package and the
county keeps it per township (`witness_package`), so a history rewritten or
cut short on the township PC is reported at the county's next import.
Without a secret nobody else holds, a person who rewrites the whole chain
AND every seal with a script is not caught on the PC itself; the county's
copy of the head is what catches that.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import json
from dataclasses import dataclass
from functools import lru_cache
from itertools import chain, repeat

from models.core.snapshot import read_snapshot
from models.core.travel import TRAVEL_TABLES

from typing import TYPE_CHECKING

if TYPE_CHECKING:  # annotations only
    from models.core.users import Actor
    from sqlite_utils import Database

GENESIS = "0" * 64
# prev_hash of rows written since issue 22: the hash of the row before, not
# repeated (its digest still covers it, so a removed row breaks the chain).
CHAINED = ""

# Row format (issue 22): an insert stores the new row once (`after`), a hard
# delete the row as it was (`before`); an update, or a tombstone delete, stores
# only the columns that changed, old values in `before`, new ones in `after`.
# Bookkeeping the audit row already says (who = actor, when = at) or that only
# counts changes (version, change_seq) is left out; the row seal (row_hash)
# still covers the whole stored row. Rows written before keep their whole
# before/after images and their digests; `changes()` reads both forms.
IMPLIED_COLUMNS = frozenset({"version", "updated_at", "updated_by", "change_seq"})


def _json(value) -> str | None:
    if value is None:
        return None
    return json.dumps(value, ensure_ascii=False, sort_keys=True, default=str, separators=(",", ":"))


def _images(before, after) -> tuple:
    """What an audit row keeps of a change (see the row format above)."""
    def lean(image):
        return {k: v for k, v in image.items() if k not in IMPLIED_COLUMNS} if isinstance(image, dict) else image
    if not (isinstance(before, dict) and isinstance(after, dict)):
        return lean(before), lean(after)
    changed = [k for k in {**before, **after} if k not in IMPLIED_COLUMNS and before.get(k) != after.get(k)]
    return {k: before.get(k) for k in changed}, {k: after.get(k) for k in changed}


def changes(audit_row: dict) -> dict[str, tuple]:
    """The columns an audit row says changed: {column: (old, new)}. Works for
    the old whole-row images (unchanged columns dropped) and for the new rows."""
    def load(text):
        if text is None:
            return {}
        value = json.loads(text) if isinstance(text, str) else text
        return value if isinstance(value, dict) else {"value": value}
    before, after = load(audit_row.get("before")), load(audit_row.get("after"))
    return {k: (before.get(k), after.get(k)) for k in {**before, **after}
            if k not in IMPLIED_COLUMNS and before.get(k) != after.get(k)}


def _digest(prev_hash, at, actor, action, table_name, row_key, before, after, row_hash=None) -> str:
    fields: tuple = (prev_hash, at, actor, action, table_name, row_key, before, after)
    if row_hash is not None:  # rows written before row seals keep their digest
        fields += (row_hash,)
    payload = "\x1f".join(str(x) for x in fields)
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


def _plain(value):
    # Called by json for what it cannot write itself: only blobs are stored besides text and numbers.
    if isinstance(value, (bytes, memoryview)):
        return {"$base64": base64.b64encode(bytes(value)).decode("ascii")}
    raise TypeError(f"数据库中的值无法计算封记：{type(value).__name__}")


def _row_json_encoder():
    """json.dumps(value, ensure_ascii=False, default=_plain) as one C encoder
    made once: json.dumps builds a JSONEncoder and a C encoder on every call,
    which was a third of a row's digest (a 100,000-ticket import seals 300,000
    rows). The same bytes as json.dumps (tests/test_row_digest.py); without
    the C accelerator, json.dumps itself."""
    from json import encoder

    c_make_encoder = getattr(encoder, "c_make_encoder", None)  # not in the typeshed stubs
    if c_make_encoder is None:
        return lambda value: json.dumps(value, ensure_ascii=False, default=_plain)
    # (markers, default, encoder, indent, key_separator, item_separator, sort_keys, skipkeys, allow_nan)
    # as JSONEncoder.iterencode passes them for json.dumps' defaults (no circular check: rows are flat).
    make = c_make_encoder(None, _plain, encoder.encode_basestring, None, ": ", ", ", False, False, True)
    return lambda value: "".join(make(value, 0))


_row_json = _row_json_encoder()


def row_digest(columns, values) -> str:
    """The hash of one stored row (every column, by name). (column, value)
    pairs are written as JSON arrays; blobs as {"$base64": …} (json calls
    _plain only for them, so a row costs one C-encoded dump)."""
    text = _row_json(list(zip(columns, values, strict=True)))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _batch_encoder():
    """The C encoder of _row_json_encoder with a control character between
    items: JSON text never holds one raw (json escapes every character below
    U+0020 inside a string), so the values of many rows encoded as one flat
    list split back into each value's own JSON text, exactly as json.dumps
    writes it inside its [column, value] pair. None without the C accelerator."""
    from json import encoder

    c_make_encoder = getattr(encoder, "c_make_encoder", None)
    if c_make_encoder is None:
        return None
    make = c_make_encoder(None, _plain, encoder.encode_basestring, None, ": ", _VALUE_BREAK, False, False, True)
    return lambda values: "".join(make(values, 0))


_VALUE_BREAK, _ROW_BREAK = "\x1f", "\x1e"
# Rows encoded at a time: their text, values and formatted rows are held at
# once (about 2 MB for 1,000 tickets; 5,000 made an import's peak 20 MB higher).
_DIGEST_ROWS = 1000
_values_json = _batch_encoder()


@lru_cache(maxsize=64)
def _row_template(columns: tuple) -> bytes:
    """The JSON of a row of `columns` as row_digest writes it, with %s where each value's JSON goes."""
    pairs = ("[" + _row_json(c).replace("%", "%%") + ", %s]" for c in columns)
    return ("[" + ", ".join(pairs) + "]").encode("utf-8")


def row_digests(columns, rows) -> list[str]:
    """[row_digest(columns, r) for r in rows], the same hex digests, for many
    rows at once (bulk seals, check --full): the rows' values are encoded by
    one call of the C encoder and put into the row's JSON with one bytes
    formatting, instead of a (column, value) pair list and an encoder call per
    row. Where that cannot give json.dumps' exact text — a value that is
    itself a list or object of several items (never in a database row), no C
    accelerator — each row goes through row_digest."""
    if not rows:
        return []
    columns = tuple(columns)
    width = len(columns)
    if any(len(r) != width for r in rows):
        raise ValueError(f"每行应有 {width} 个值（{', '.join(columns)}）")
    if _values_json is None:
        return [row_digest(columns, r) for r in rows]
    if len(rows) > _DIGEST_ROWS:
        return [h for i in range(0, len(rows), _DIGEST_ROWS) for h in row_digests(columns, rows[i:i + _DIGEST_ROWS])]
    text = _values_json(list(chain.from_iterable(rows)))
    values = text.encode("utf-8")[1:-1].split(_VALUE_BREAK.encode())
    if len(values) != width * len(rows):  # a value encoded with separators of its own
        return [row_digest(columns, r) for r in rows]
    template = _row_template(columns)
    stored = (_ROW_BREAK.encode().join([template] * len(rows)) % tuple(values)).split(_ROW_BREAK.encode())
    sha256 = hashlib.sha256
    return [h.hexdigest() for h in map(sha256, stored)]


def sealed_tables(db: Database) -> list[str]:
    """The audited tables whose rows carry a seal: the travelling ones."""
    present = {r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    return [t for t in TRAVEL_TABLES if t in present]


def _current_row_hash(db: Database, table_name, row_key) -> str | None:
    if row_key is None or table_name not in TRAVEL_TABLES:
        return None
    cur = db.execute(f"SELECT * FROM [{table_name}] WHERE uuid = ?", [str(row_key)])
    row = cur.fetchone()
    if row is None:
        return None
    return row_digest([d[0] for d in cur.description], row)


def record(db: Database, actor: Actor, action: str, table_name: str, row_key, before: dict | None, after: dict | None) -> None:
    """Append one audit row. Call inside the transaction of the change itself,
    after the change (a travelling row is sealed as it is now stored)."""
    actor_name = getattr(actor, "username", None) or str(actor)
    at = dt.datetime.now().isoformat(timespec="microseconds")
    b, a = (_json(image) for image in _images(before, after))
    row_hash = _current_row_hash(db, table_name, row_key)
    audit_id = _append(db, at, actor_name, action, table_name, None if row_key is None else str(row_key), b, a,
                       row_hash)
    if row_hash is not None:
        db.execute("INSERT INTO row_seals (table_name, row_key, row_hash, audit_id) VALUES (?, ?, ?, ?) "
                   "ON CONFLICT(table_name, row_key) DO UPDATE SET row_hash = excluded.row_hash, "
                   "audit_id = excluded.audit_id", [table_name, str(row_key), row_hash, audit_id])


def _append(db: Database, at, actor_name, action, table_name, row_key, b, a, row_hash) -> int:
    last = db.execute("SELECT hash FROM audit_log ORDER BY id DESC LIMIT 1").fetchone()
    prev = last[0] if last else GENESIS
    h = _digest(prev, at, actor_name, action, table_name, row_key, b, a, row_hash)
    db.execute(
        "INSERT INTO audit_log (at, actor, action, table_name, row_key, before, after, prev_hash, hash, row_hash) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [at, actor_name, action, table_name, row_key, b, a, CHAINED, h, row_hash],
    )
    db.execute("UPDATE audit_head SET last_id = last_insert_rowid(), last_hash = ?, row_count = row_count + 1 "
               "WHERE id = 1", [h])
    return db.execute("SELECT last_id FROM audit_head WHERE id = 1").fetchone()[0]


def seal_unsealed(db: Database, sealed_by, tables: list[str] | None = None) -> int:
    """Seal travelling rows written in bulk without a per-row audit (the demo's
    generator): one audit row per table records how many rows and the digest
    of their seals. Returns the number of rows sealed."""
    total = 0
    for table in tables or sealed_tables(db):
        cur = db.execute(f"SELECT t.* FROM [{table}] t WHERE NOT EXISTS (SELECT 1 FROM row_seals s "
                         f"WHERE s.table_name = ? AND s.row_key = t.uuid) ORDER BY t.id", [table])
        total += _bulk_seal(db, sealed_by, table, cur, {})
    return total


def seal_new_rows(db: Database, sealed_by, table: str, first_id: int, about: dict) -> int:
    """Seal the rows of `table` with id >= first_id that a bulk writer inserted
    in this transaction (the spreadsheet import): one audit row (action
    bulk-seal) records how many rows, the digest of their seals and `about`
    (which import); every seal points at it. Only that id range is sealed, so
    a row slipped in with an SQLite tool stays unsealed and `check` names it."""
    cur = db.execute(f"SELECT * FROM [{table}] WHERE id >= ? ORDER BY id", [first_id])
    return _bulk_seal(db, sealed_by, table, cur, about)


SEAL_CHUNK_ROWS = 5000


class BulkSeal:
    """Seals for the rows of one table that a bulk writer inserted: one
    bulk-seal audit row (how many rows, the digest of their "key hash" lines,
    `about`) and a seal per row pointing at it. Rows come in chunks, each as
    stored (every column, in the table's order); the seals are written as they
    are made, under `audit_id`, the id the audit row will get when finish()
    appends it (the transaction holds the write lock; checked there), so
    300,000 of them are never held. A writer that knows exactly what it
    stored hashes its own tuples instead of reading them back."""

    def __init__(self, db: Database, sealed_by, table: str, about: dict, audit_id: int):
        self.db, self.sealed_by, self.table, self.about, self.audit_id = db, sealed_by, table, about, audit_id
        self.digest = hashlib.sha256()
        self.count = 0

    def add(self, columns, rows) -> None:
        """Seal `rows` (tuples of the stored values of `columns`, the table's every column)."""
        if not rows:
            return
        cols = list(columns)
        key_at = cols.index("uuid")
        keys = [str(r[key_at]) for r in rows]
        hashes = row_digests(cols, rows)  # 300,000 rows for a 100,000-ticket import
        lines = "\n".join(map(" ".join, zip(keys, hashes, strict=True)))
        self.digest.update((("\n" if self.count else "") + lines).encode("ascii"))
        self.count += len(keys)
        self.db.conn.executemany("INSERT INTO row_seals (table_name, row_key, row_hash, audit_id) VALUES (?, ?, ?, ?) "
                                 "ON CONFLICT(table_name, row_key) DO UPDATE SET row_hash = excluded.row_hash, "
                                 "audit_id = excluded.audit_id",
                                 zip(repeat(self.table), keys, hashes, repeat(self.audit_id)))

    def finish(self) -> int:
        """Append the bulk-seal audit row (none when no row was sealed); returns the rows sealed."""
        if not self.count:
            return 0
        at = dt.datetime.now().isoformat(timespec="microseconds")
        hex_digest = self.digest.hexdigest()
        written = _append(self.db, at, getattr(self.sealed_by, "username", None) or str(self.sealed_by), "bulk-seal",
                          self.table, None, None, _json({**self.about, "rows": self.count, "digest": hex_digest}),
                          hex_digest)
        if written != self.audit_id:  # cannot happen inside one write transaction; never leave seals pointing elsewhere
            raise RuntimeError(f"封记的审计记录编号应为 {self.audit_id}，实为 {written}")
        return self.count


def next_audit_id(db: Database) -> int:
    """The id the next audit row will get (inside a write transaction)."""
    return db.execute("SELECT coalesce(max(id), 0) + 1 FROM audit_log").fetchone()[0]


def _bulk_seal(db: Database, sealed_by, table: str, cur, about: dict) -> int:
    """Seal every row `cur` yields (BulkSeal), read in chunks."""
    cols = [d[0] for d in cur.description]
    seal = BulkSeal(db, sealed_by, table, about, next_audit_id(db))
    while chunk := cur.fetchmany(SEAL_CHUNK_ROWS):
        seal.add(cols, chunk)
    return seal.finish()


def verify_chain(db: Database) -> list[str]:
    """Problems found in the audit chain, every row hashed from the start (empty when intact)."""
    return check_chain(db, None).problems


@dataclass
class ChainCheck:
    """What check_chain found. Rows with id <= trusted_upto were hashed by an
    earlier check (the mark) and not again now; 0 means every row was hashed."""
    problems: list[str]
    last_id: int
    last_hash: str
    count: int
    hashed: int
    trusted_upto: int = 0
    mark_refused: bool = False  # a mark was given but did not match this file


def check_chain(db: Database, mark: dict | None) -> ChainCheck:
    """Verify the audit chain. With the mark of an earlier clean check
    (check_mark: id, hash and count of the last row it verified), only the rows
    after that row are hashed, chained from its remembered hash; the row must
    still be there with that hash, else the mark does not belong to this file
    as it is now (rows cut or rewritten, another copy of the file) — that is
    reported and every row is hashed."""
    problems: list[str] = []
    prev, count, start = GENESIS, 0, 0
    refused = False
    if mark and int(mark.get("audit_id") or 0) > 0:
        mark_id, mark_hash = int(mark["audit_id"]), str(mark.get("audit_hash"))
        row = db.execute("SELECT hash FROM audit_log WHERE id = ?", [mark_id]).fetchone()
        if row is not None and row[0] == mark_hash:
            prev, count, start = mark_hash, int(mark["audit_count"]), mark_id
        else:
            refused = True
            last = db.execute("SELECT max(id) FROM audit_log").fetchone()[0] or 0
            problems.append(_differs_from_mark(mark, row is None, last))
    hashed = 0
    last_id = start
    for row in db.execute(
        "SELECT id, at, actor, action, table_name, row_key, before, after, prev_hash, hash, row_hash "
        "FROM audit_log WHERE id > ? ORDER BY id", [start]
    ):
        rid, at, actor, action, table_name, row_key, before, after, prev_hash, h, row_hash = row
        if prev_hash == CHAINED:
            if _digest(prev, at, actor, action, table_name, row_key, before, after, row_hash) != h:
                problems.append(f"审计日志第 {rid} 条内容被改动，或它之前有记录被删除或改动")
        else:
            if prev_hash != prev:
                problems.append(f"审计日志第 {rid} 条之前有记录被删除或改动")
            if _digest(prev_hash, at, actor, action, table_name, row_key, before, after, row_hash) != h:
                problems.append(f"审计日志第 {rid} 条内容被改动")
        prev = h
        count += 1
        hashed += 1
        last_id = rid
    head = db.execute("SELECT last_id, last_hash, row_count FROM audit_head WHERE id = 1").fetchone()
    if head is None:
        problems.append("审计日志的结尾记录（audit_head）丢失")
    elif (head[0], head[1], head[2]) != (last_id, prev, count):
        problems.append(f"审计日志末尾的记录被删除或改动（应有 {head[2]} 条、最后一条为第 {head[0]} 条，"
                        f"现有 {count} 条、最后一条为第 {last_id} 条）")
    return ChainCheck(problems, last_id, prev, count, hashed, start, refused)


def _differs_from_mark(mark: dict, gone: bool, last_id: int) -> str:
    now = f"现在没有这一条（最后一条为第 {last_id} 条）" if gone else "现在这一条的内容与当时不同"
    return (f"审计日志与上次核对（{mark.get('checked_at', '?')}）时不同：当时核对到第 {mark['audit_id']} 条"
            f"（共 {mark.get('audit_count', '?')} 条），{now}。审计日志被截断或改写，或数据库文件被换成了另一个副本"
            "（用本程序恢复备份不会这样）。已从头核对全部审计记录")


def reseal_after_migration(db: Database, actor_name: str, written: set[str] | None = None) -> int:
    """After a schema upgrade: seal the rows whose stored form the upgrade
    changed (or that predate row seals). One audit row per table says how
    many; the backup taken before the upgrade keeps the old file. written:
    the tables the upgrade could change (db.tables_written); None, or an
    upgrade that made row seals themselves, looks at every sealed table."""
    total = 0
    only = None if written is None or "row_seals" in written else written
    for table in sealed_tables(db):
        if only is not None and table not in only:
            continue
        seals = dict(db.execute("SELECT row_key, row_hash FROM row_seals WHERE table_name = ?", [table]).fetchall())
        cur = db.execute(f"SELECT * FROM [{table}]")
        key_at = [d[0] for d in cur.description].index("uuid")
        changed = [(str(r[key_at]), h) for r, h in _with_digests(cur, len(cur.description))
                   if seals.get(str(r[key_at])) != h]
        if not changed:
            continue
        digest = hashlib.sha256("\n".join(f"{k} {h}" for k, h in changed).encode("ascii")).hexdigest()
        at = dt.datetime.now().isoformat(timespec="microseconds")
        audit_id = _append(db, at, actor_name, "bulk-seal", table, None, None,
                           _json({"rows": len(changed), "digest": digest, "reason": "结构升级后重新封记"}), digest)
        db.conn.executemany("INSERT INTO row_seals (table_name, row_key, row_hash, audit_id) VALUES (?, ?, ?, ?) "
                            "ON CONFLICT(table_name, row_key) DO UPDATE SET row_hash = excluded.row_hash, "
                            "audit_id = excluded.audit_id", [(table, k, h, audit_id) for k, h in changed])
        total += len(changed)
    return total


# What check says of a row, whichever sweep found it.
def _unaudited(table, key) -> str:
    return f"{table} 中的记录 {key} 没有经过程序写入（没有审计记录），可能是用其他工具直接插入的"


def _deleted(table, key) -> str:
    return f"{table} 中的记录 {key} 被删除了（审计日志中有它，表中没有），可能在程序之外被直接删除"


def _content_changed(table, key) -> str:
    return f"{table} 中的记录 {key} 与最后一次审计记录的内容不符，可能在程序之外被直接修改"


def _seal_mismatch(table, key, audit_id) -> str:
    return f"{table} 中记录 {key} 的封记与审计日志第 {audit_id} 条不符，封记被改动"


def _audit_cut(count, first_id) -> str:
    return f"有 {count} 条记录的审计记录已不在审计日志中（最早为第 {first_id} 条）：审计日志被截断或清空"


def verify_rows(db: Database, limit: int = 200) -> list[str]:
    """Travelling rows changed outside the program: a row whose content is not
    what its last audited change stored, a sealed row that is gone, a row
    nobody audited, and seals pointing at audit rows that no longer exist
    (the log was cut short or emptied). At most `limit` lines.

    Each row comes with its seal and the seal's audit row from one join, so
    memory stays flat however many rows a county holds (holding the seals and
    audit rows in dicts took 7 GB at 1.4M tickets)."""
    problems: list[str] = []
    missing_audit = 0
    first_missing = None
    for table in sealed_tables(db):
        cur = db.execute(
            f"SELECT t.*, s.row_hash, s.audit_id, a.id IS NOT NULL, a.table_name, CAST(a.row_key AS TEXT), "
            f"a.row_hash, a.action FROM [{table}] AS t "
            "LEFT JOIN row_seals AS s ON s.table_name = ? AND s.row_key = CAST(t.uuid AS TEXT) "
            "LEFT JOIN audit_log AS a ON a.id = s.audit_id AND a.row_hash IS NOT NULL", [table])
        cols = [d[0] for d in cur.description][:-7]
        width = len(cols)
        key_at = cols.index("uuid")
        for fetched, digest in _with_digests(cur, width):
            seal_hash, audit_id, anchored, a_table, a_key, a_hash, a_action = fetched[width:]
            key = str(fetched[key_at])
            if seal_hash is None:
                problems.append(_unaudited(table, key))
                continue
            if digest != seal_hash:
                problems.append(_content_changed(table, key))
            if not anchored:
                missing_audit += 1
                first_missing = audit_id if first_missing is None else min(first_missing, audit_id)
            elif a_table != table or (a_action != "bulk-seal" and (a_key != key or a_hash != seal_hash)):
                problems.append(_seal_mismatch(table, key, audit_id))
            if len(problems) >= limit:
                return problems
        problems += _gone_rows(db, table, limit - len(problems))
        if len(problems) >= limit:
            return problems
    if missing_audit:
        problems.append(_audit_cut(missing_audit, first_missing))
    return problems


def _with_digests(cur, width: int):
    """(fetched row, row_digest of its first `width` columns) for each row of `cur`, hashed chunk by chunk."""
    cols = [d[0] for d in cur.description][:width]
    while chunk := cur.fetchmany(SEAL_CHUNK_ROWS):
        yield from zip(chunk, row_digests(cols, [r[:width] for r in chunk]), strict=True)


# Above this many sealed rows the default `check` leaves the row-by-row content
# hashing (about 20 µs a row in Python) to `check --full`: a county of 1,000,000
# tickets holds over 4,000,000 sealed rows (1.5 minutes) and the default must stay fast.
CONTENT_CHECK_MAX_ROWS = 300_000


def sealed_row_count(db: Database) -> int:
    return db.execute("SELECT count(*) FROM row_seals").fetchone()[0]


def _gone_rows(db: Database, table: str, limit: int) -> list[str]:
    """Sealed rows of `table` that are no longer there (from the indexes)."""
    return [_deleted(table, key) for (key,) in db.execute(
        f"SELECT s.row_key FROM row_seals AS s WHERE s.table_name = ? AND NOT EXISTS "
        f"(SELECT 1 FROM [{table}] AS t WHERE t.uuid = s.row_key) LIMIT ?", [table, limit])]


def _presence_of_table(db: Database, table: str, limit: int, counts_differ: bool | None = None) -> list[str]:
    """Sealed rows of `table` that are gone and rows without a seal, from the
    indexes (no row hashed). counts_differ=False: the caller knows the table
    holds as many rows as seals, so only gone rows are looked for first."""
    problems = _gone_rows(db, table, limit)
    if counts_differ is None:
        rows = db.execute(f"SELECT count(*) FROM [{table}]").fetchone()[0]
        seals = db.execute("SELECT count(*) FROM row_seals WHERE table_name = ?", [table]).fetchone()[0]
        counts_differ = rows != seals
    # Every seal has its row (above) and keys are unique: equal counts mean every row has a seal.
    if counts_differ or problems:
        problems += [_unaudited(table, key) for (key,) in db.execute(
            f"SELECT t.uuid FROM [{table}] AS t WHERE NOT EXISTS (SELECT 1 FROM row_seals AS s "
            "WHERE s.table_name = ? AND s.row_key = CAST(t.uuid AS TEXT)) LIMIT ?", [table, limit])]
    return problems


def verify_row_presence(db: Database, limit: int = 200) -> list[str]:
    """The part of verify_rows SQLite answers from its indexes, without hashing
    any row: rows nobody audited, sealed rows that are gone, seals whose audit row
    is missing or names another row. Row contents are checked by verify_rows."""
    problems: list[str] = []
    missing = 0
    first_missing = None
    for table in sealed_tables(db):
        problems += _presence_of_table(db, table, limit)
        for key, audit_id, anchored in db.execute(
                "SELECT s.row_key, s.audit_id, a.id IS NOT NULL FROM row_seals AS s "
                "LEFT JOIN audit_log AS a ON a.id = s.audit_id AND a.row_hash IS NOT NULL "
                "WHERE s.table_name = ? AND (a.id IS NULL OR a.table_name IS NOT s.table_name OR "
                "(a.action != 'bulk-seal' AND (CAST(a.row_key AS TEXT) IS NOT s.row_key OR a.row_hash != s.row_hash)))",
                [table]):
            if not anchored:
                missing += 1
                first_missing = audit_id if first_missing is None else min(first_missing, audit_id)
            elif len(problems) < limit:
                problems.append(_seal_mismatch(table, key, audit_id))
        if len(problems) >= limit:
            return problems[:limit]
    if missing:
        problems.append(_audit_cut(missing, first_missing))
    return problems


def row_mark(db: Database) -> dict[str, int]:
    """The highest rowid of each sealed table: rows above it are new since."""
    return {t: db.execute(f"SELECT coalesce(max(rowid), 0) FROM [{t}]").fetchone()[0] for t in sealed_tables(db)}


def verify_rows_since(db: Database, mark: dict, limit: int = 200) -> tuple[list[str], int]:
    """The default check of a large database that an earlier clean check
    marked (check_mark): every table's row count against its seal count
    (from the indexes; where they differ, which rows), and, row by row with
    contents hashed, the rows added since the mark (rowid above the table's
    mark) and the rows an audit row after the mark changed: each must have
    its seal, hold what the seal says, and its seal must name the newest
    audit row of that row. Rows last changed before the mark are not hashed
    again (check --full does). Returns (problems, rows checked row by row)."""
    problems: list[str] = []
    tables = sealed_tables(db)
    rows_in = {t: db.execute(f"SELECT count(*) FROM [{t}]").fetchone()[0] for t in tables}
    if sum(rows_in.values()) != sealed_row_count(db):
        seals_in = dict(db.execute("SELECT table_name, count(*) FROM row_seals GROUP BY table_name").fetchall())
        for t in tables:
            if rows_in[t] != seals_in.get(t, 0):
                problems += _presence_of_table(db, t, limit, counts_differ=True)
    since = int(mark["audit_id"])
    newest: dict[str, dict[str, int]] = {}
    for table_name, row_key, audit_id in db.execute(
            "SELECT table_name, row_key, max(id) FROM audit_log WHERE id > ? AND row_hash IS NOT NULL "
            "AND row_key IS NOT NULL GROUP BY table_name, row_key", [since]):
        newest.setdefault(table_name, {})[str(row_key)] = audit_id
    high = mark.get("max_rowids") or {}
    checked = 0
    missing, first_missing = 0, None
    for table in tables:
        changed = newest.get(table, {})
        cur = db.execute(f"SELECT * FROM [{table}] WHERE rowid > ?", [int(high.get(table, 0))])
        cols = [d[0] for d in cur.description]
        key_at = cols.index("uuid")
        rows = {str(r[key_at]): r for r in cur}
        for key in changed.keys() - rows.keys():
            row = db.execute(f"SELECT * FROM [{table}] WHERE uuid = ?", [key]).fetchone()
            if row is not None:
                rows[key] = row
            elif db.execute("SELECT 1 FROM row_seals WHERE table_name = ? AND row_key = ?", [table, key]).fetchone():
                problems.append(_deleted(table, key))
        for key, values in rows.items():
            checked += 1
            seal = db.execute("SELECT row_hash, audit_id FROM row_seals WHERE table_name = ? AND row_key = ?",
                              [table, key]).fetchone()
            if seal is None:
                problems.append(_unaudited(table, key))
                continue
            if row_digest(cols, values) != seal[0]:
                problems.append(_content_changed(table, key))
            anchor = db.execute("SELECT table_name, row_key, row_hash, action FROM audit_log "
                                "WHERE id = ? AND row_hash IS NOT NULL", [seal[1]]).fetchone()
            if anchor is None:
                missing += 1
                first_missing = seal[1] if first_missing is None else min(first_missing, seal[1])
            elif (anchor[0] != table or (anchor[3] != "bulk-seal" and (str(anchor[1]) != key or anchor[2] != seal[0]))
                  or seal[1] < changed.get(key, 0)):
                # (The program moves a seal to each newer audit row of its row: an older one was put back.)
                problems.append(_seal_mismatch(table, key, max(seal[1], changed.get(key, 0))))
            if len(problems) >= limit:
                return problems[:limit], checked
    if missing:
        problems.append(_audit_cut(missing, first_missing))
    return problems, checked


@dataclass
class RowsCheck:
    """What verify_rows_for_check did. how: 'content' (every row hashed),
    'since_mark' (counts, and rows new or changed since the mark hashed),
    'presence' (the index-only sweep, no row hashed)."""
    problems: list[str]
    how: str
    sealed: int
    hashed: int = 0


def verify_rows_for_check(db: Database, full: bool, mark: dict | None = None) -> RowsCheck:
    """What `check` runs on the rows: every row's content when asked (--full)
    or when the database is small enough; otherwise, with the mark of an
    earlier clean check that still matches the file, the rows since the mark
    (verify_rows_since); without one, the index-only sweep."""
    sealed = sealed_row_count(db)
    if full or sealed <= CONTENT_CHECK_MAX_ROWS:
        return RowsCheck(verify_rows(db), "content", sealed, sealed)
    if mark and "max_rowids" in mark:
        problems, hashed = verify_rows_since(db, mark)
        return RowsCheck(problems, "since_mark", sealed, hashed)
    return RowsCheck(verify_row_presence(db), "presence", sealed)


# ---- the mark of the last clean check ---------------------------------------
# A county's audit log holds millions of rows (7.3M at 1,000,000 tickets: over
# a minute to hash in Python), so the default check goes on from where the last
# clean check stopped. The mark (kept by the caller outside the database: see
# models/core/db.py check_mark) names the last audit row verified, its hash and
# the row count, and each sealed table's highest rowid then. It only ever
# narrows what is hashed again, never what counts as fine: a mark whose row is
# gone or holds another hash is reported and everything is verified.

@dataclass
class HistoryCheck:
    chain: ChainCheck
    rows: RowsCheck
    mark: dict | None  # the mark to keep for the next check (None: keep none, problems were found)
    last_full: str | None  # when everything was last hashed (None: never)

    @property
    def problems(self) -> list[str]:
        return self.chain.problems + self.rows.problems


def check_history(db: Database, full: bool, mark: dict | None) -> HistoryCheck:
    """The audit chain and the sealed rows as `check` verifies them (full:
    every row of both, ignoring the mark), in one read snapshot, with the
    new mark to keep when nothing was wrong."""
    with read_snapshot(db):
        chain = check_chain(db, None if full else mark)
        usable = mark if chain.trusted_upto else None
        rows = verify_rows_for_check(db, full, usable)
        highest = row_mark(db)
    now = dt.datetime.now().isoformat(timespec="seconds")
    everything = chain.trusted_upto == 0 and rows.how == "content"
    last_full = now if everything else ((usable or {}).get("full_at") if usable else None)
    new_mark = None
    if not chain.problems and not rows.problems:
        new_mark = {"audit_id": chain.last_id, "audit_hash": chain.last_hash, "audit_count": chain.count,
                    "max_rowids": highest, "checked_at": now, "full_at": last_full}
    return HistoryCheck(chain, rows, new_mark, last_full)


# What check says of what it verified, in one place for every way it ran.
def _when(stamp: str | None) -> str:
    return stamp.replace("T", " ") if stamp else "从未"


def chain_coverage(chain: ChainCheck, mark: dict | None, full: bool, full_check: str = "check --full") -> str | None:
    """What the audit-chain line adds about how far it was hashed (None: nothing
    to add). full_check: how the reader starts the full check (the command
    line's flag, the window's button)."""
    if chain.trusted_upto:
        return (f"本次核对了上次核对（{_when((mark or {}).get('checked_at'))}）后新增的 {chain.hashed} 条；"
                f"第 1–{chain.trusted_upto} 条由此前的检查核对过，之后若被其他工具改动或删除，需用{_spaced(full_check)}才能发现；"
                f"上次完整核对：{_when((mark or {}).get('full_at'))}")
    if full or chain.mark_refused:
        return None  # --full hashes everything anyway; a refused mark is a finding of its own
    return (f"从头核对了全部 {chain.count} 条；没有上次核对的记号：第一次检查，"
            "或文件被恢复、复制、在程序之外改动过")


def _spaced(words: str) -> str:
    """A latin name between Chinese words gets spaces; a Chinese one (the button's “完整核对”) none."""
    return f" {words} " if words[:1].isascii() else words


def rows_coverage(result: HistoryCheck, full_check: str = "check --full") -> str:
    """The data-records line when no row was found changed (full_check: as for chain_coverage)."""
    rows = result.rows
    if rows.how == "content":
        return "与审计日志一致（逐行核对内容）"
    if rows.how == "since_mark":
        return (f"各表记录数与封记数相符，上次核对后新增或改动的 {rows.hashed} 条记录已逐行核对内容和封记；"
                f"其余 {max(rows.sealed - rows.hashed, 0)} 条记录的内容和封记本次未重新核对，"
                f"若被其他工具改动需用{_spaced(full_check)}才能发现（上次完整核对：{_when(result.last_full)}）")
    return (f"没有多出、缺少或封记不符的记录；{rows.sealed} 条记录的内容未逐行核对（数据较多），"
            f"请用{_spaced(full_check)}逐行核对")


def audit_log_is_emptied(db: Database) -> bool:
    """An empty log in a database that holds accounts or data: it was emptied."""
    if db.execute("SELECT 1 FROM audit_log LIMIT 1").fetchone():
        return False
    if db.execute("SELECT 1 FROM users LIMIT 1").fetchone():
        return True
    return any(db.execute(f"SELECT 1 FROM [{t}] LIMIT 1").fetchone() for t in sealed_tables(db))


def head(db: Database) -> dict:
    """The newest audit row's id and hash and the row count (what the county witnesses)."""
    row = db.execute("SELECT last_id, last_hash, row_count FROM audit_head WHERE id = 1").fetchone()
    last = db.execute("SELECT id, hash FROM audit_log ORDER BY id DESC LIMIT 1").fetchone()
    count = db.execute("SELECT count(*) FROM audit_log").fetchone()[0]
    # What the log really holds, not what the head row claims.
    return {"last_id": last[0] if last else 0, "last_hash": last[1] if last else GENESIS, "row_count": count,
            "head_row_matches": bool(row) and (row[0], row[1], row[2]) == (last[0] if last else 0,
                                                                          last[1] if last else GENESIS, count)}


def checkpoints(db: Database) -> dict[str, str | None]:
    """For each audit head sent in an earlier package: the log's hash at that
    id now (None when the row is gone). The county compares these with the
    heads it witnessed."""
    out = {}
    for (last_id,) in db.execute("SELECT DISTINCT last_id FROM audit_sent"):
        row = db.execute("SELECT hash FROM audit_log WHERE id = ?", [last_id]).fetchone()
        out[str(last_id)] = row[0] if row else None
    return out


def remember_sent(db: Database, package_id: str, sent_head: dict) -> None:
    db.execute("INSERT OR REPLACE INTO audit_sent (package_id, last_id, last_hash, row_count, sent_at) "
               "VALUES (?, ?, ?, ?, ?)", [package_id, int(sent_head["last_id"]), str(sent_head["last_hash"]),
                                          int(sent_head["row_count"]), dt.datetime.now().isoformat(timespec="seconds")])


def witness_package(db: Database, township_code: str, manifest: dict, package_id: str) -> list[str]:
    """At the county: compare a township package's audit head with the one
    witnessed before and keep the newer. Returns warnings (Chinese) when the
    township's history was rewritten or cut short since."""
    sent = manifest.get("audit_head")
    if not isinstance(sent, dict):
        return [f"提示：乡镇 {township_code} 的数据包没有附审计日志的结尾记录（旧版本程序导出），无法核对其历史是否被改写。"]
    try:
        last_id, last_hash, count = int(sent["last_id"]), str(sent["last_hash"]), int(sent["row_count"])
    except (KeyError, TypeError, ValueError):
        return [f"警告：乡镇 {township_code} 数据包中的审计日志结尾记录无效。"]
    warnings = []
    if sent.get("head_row_matches") is False:
        warnings.append(f"警告：乡镇 {township_code} 的审计日志与其结尾记录不一致（日志末尾有记录被删除或改动）。")
    try:
        sequence = int(manifest.get("sequence") or 0)
    except (TypeError, ValueError):
        sequence = 0
    before = db.execute("SELECT last_id, last_hash, row_count, sequence FROM audit_witness WHERE township_code = ?",
                        [township_code]).fetchone()
    if before and sequence < before[3]:
        return warnings  # an older package arriving late: the newer head stays the witness
    if before:
        seen_id, seen_hash, seen_count, _ = before
        now_there = (manifest.get("audit_checkpoints") or {}).get(str(seen_id))
        if last_id < seen_id or count < seen_count:
            warnings.append(f"警告：乡镇 {township_code} 的审计日志比县里上次见到的短（上次第 {seen_id} 条、共 {seen_count} 条，"
                            f"这次第 {last_id} 条、共 {count} 条）：历史记录被截断、清空，或用旧备份恢复过。")
        elif (seen_id == last_id and seen_hash != last_hash) or (seen_id != last_id and now_there != seen_hash):
            warnings.append(f"警告：乡镇 {township_code} 的审计日志在县里上次见到的第 {seen_id} 条处与当时不同：历史记录被改写。")
    db.execute("INSERT INTO audit_witness (township_code, last_id, last_hash, row_count, package_id, sequence, seen_at) "
               "VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT(township_code) DO UPDATE SET last_id = excluded.last_id, "
               "last_hash = excluded.last_hash, row_count = excluded.row_count, package_id = excluded.package_id, "
               "sequence = excluded.sequence, seen_at = excluded.seen_at",
               [township_code, last_id, last_hash, count, package_id, sequence,
                dt.datetime.now().isoformat(timespec="seconds")])
    return warnings


def recent(db: Database, limit: int = 200, table_name: str | None = None) -> list[dict]:
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


def record_many(db: Database, actor: Actor, action: str, table_name: str, items) -> int:
    """Append one audit row per (row_key, before, after[, row_hash]) of `items`, chained
    exactly as record() chains them, in one statement (bulk imports: 100,000
    rows one by one spent most of their time here). Call inside the
    transaction of the change. Returns the number of rows."""
    def entries():
        for item in items:
            row_key, before, after = item[:3]
            b, a = (_json(image) for image in _images(before, after))
            key = None if row_key is None else str(row_key)
            # The row seal, as record() makes it; a 4th element is the seal computed by the
            # caller (bulk writers that know the stored row: no look-up per row).
            yield key, b, a, item[3] if len(item) > 3 else _current_row_hash(db, table_name, key)
    return _append_many(db, actor, action, table_name, entries())


# Audit rows written per executemany by record_stored_rows: a 200 MB package's
# rows are never all in memory at once (issue 20).
STORED_ROWS_BATCH = 5000


def record_stored_rows(db: Database, actor: Actor, action: str, table_name: str, cur, images: dict,
                       with_before: bool = False) -> int:
    """One audit row per row of `cur`, sealed as stored: `cur` is a SELECT of
    `table_name`'s whole rows just written in this transaction (every column,
    as `SELECT *` gives them) followed by one column naming which of `images`
    ({label: (before, after)}) the row's audit row carries. The rows are read
    once, not looked up again by key (a hand-off merge of 90,000 rows spent
    half its time on that look-up); each image is encoded once.

    With `with_before`, the label is followed by the same columns again as
    they were before the change: the audit row then stores what changed (the
    row format above), with the label's images added to it (a merge names its
    package beside the columns it changed). Returns the number of rows."""
    names = [d[0] for d in cur.description]
    width = (len(names) - 1) // 2 if with_before else len(names) - 1
    cols = names[:width]
    if with_before and names[width + 1:] != cols:
        raise ValueError("record_stored_rows: the columns before the change must repeat the stored ones")
    key_at = cols.index("uuid")
    encoded = {label: tuple(_json(image) for image in _images(before, after))
               for label, (before, after) in images.items()}
    total = 0
    while batch := cur.fetchmany(STORED_ROWS_BATCH):
        entries = []
        digests = row_digests(cols, [values[:width] for values in batch])
        for values, digest in zip(batch, digests, strict=True):
            stored, label = values[:width], values[width]
            if with_before:
                extra_before, extra_after = images[label]
                b_image, a_image = _images(dict(zip(cols, values[width + 1:], strict=True)),
                                           dict(zip(cols, stored, strict=True)))
                b, a = _json({**b_image, **(extra_before or {})}), _json({**a_image, **(extra_after or {})})
            else:
                b, a = encoded[label]
            entries.append((str(stored[key_at]), b, a, digest))
        total += _append_many(db, actor, action, table_name, entries)
    return total


def _append_many(db: Database, actor: Actor, action: str, table_name: str, entries) -> int:
    """Append one chained audit row per (row_key, before_json, after_json, row_hash)
    and its row seal (when row_hash is given). Returns the number of rows."""
    actor_name = getattr(actor, "username", None) or str(actor)
    last = db.execute("SELECT id, hash FROM audit_log ORDER BY id DESC LIMIT 1").fetchone()
    prev = last[1] if last else GENESIS
    next_id = (last[0] if last else 0) + 1
    rows: list[tuple] = []
    seals: list[tuple] = []
    # One time for the rows of one call (one statement of one transaction). The
    # digest's payload is _digest's, with its constant middle joined once.
    at = dt.datetime.now().isoformat(timespec="microseconds")
    middle = f"\x1f{at}\x1f{actor_name}\x1f{action}\x1f{table_name}\x1f"
    for key, b, a, row_hash in entries:
        tail = "" if row_hash is None else f"\x1f{row_hash}"
        h = hashlib.sha256(f"{prev}{middle}{key}\x1f{b}\x1f{a}{tail}".encode("utf-8")).hexdigest()
        if row_hash is not None:
            seals.append((table_name, key, row_hash, next_id + len(rows)))
        rows.append((at, actor_name, action, table_name, key, b, a, CHAINED, h, row_hash))
        prev = h
    if not rows:
        return 0
    db.conn.executemany(
        "INSERT INTO audit_log (at, actor, action, table_name, row_key, before, after, prev_hash, hash, row_hash) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", rows)
    db.execute("UPDATE audit_head SET last_id = (SELECT max(id) FROM audit_log), last_hash = ?, "
               "row_count = row_count + ? WHERE id = 1", [prev, len(rows)])
    db.conn.executemany("INSERT INTO row_seals (table_name, row_key, row_hash, audit_id) VALUES (?, ?, ?, ?) "
                        "ON CONFLICT(table_name, row_key) DO UPDATE SET row_hash = excluded.row_hash, "
                        "audit_id = excluded.audit_id", seals)
    return len(rows)
