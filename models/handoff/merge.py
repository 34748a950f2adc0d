"""Importing a package: check everything, then merge in one transaction.

Merge rule, per record keyed by (township_code, uuid). Each version of a
record is ranked by (deleted, version, updated_at, content); the higher rank
wins. That order is total, so merging is idempotent and commutative:
re-importing a package, or importing an older one, changes nothing, and
packages imported in any order end in the same state. Because `deleted`
ranks first, a tombstone sticks: no live copy of the record brings it back.

Rows written by a merge get change_seq = 0 ("as received"); a local edit
through models.core.records gives a row a positive change_seq. When an incoming
version would replace a row edited here (the county edited a record the
township also changed), the local row is kept and the incoming version goes
to handoff_conflicts for a person to decide.

After a restore (models/core/generation.py) the township starts a new
generation: every record the restore wound back is re-stamped with a version
above the one it had before the restore, so the restored state and every
change after it outrank the county's older copies by this same rule; the
county's acknowledgements from before are void (the next export is full, and
an acknowledgement below that full package's change_seq is ignored). A
tombstone still sticks: a record deleted before the restore stays deleted at
the county.

Every check (authentication, manifest, payload structure, row counts) runs
before the first write, so a rejected package leaves the database untouched.
"""

from __future__ import annotations

import hashlib
import json
import os
import sqlite3
import tempfile
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from models.core import audit

from models.core import records

from models.core import generation, settings
from models.core import signing
from models.core.db import known_migrations, schema_version
from models.core.errors import AppError, ValidationError
from models.core.labels import table_label
from models.handoff import package as pkgfmt
from models.handoff import reference
from models.handoff import row_checks
from models.roster.rules import adopt_county_rules
from models.handoff.export import PKG_SCHEMA, table_columns
from models.handoff.package import PackageError
from models.core.users import require
from models.core import travel

from typing import TYPE_CHECKING

if TYPE_CHECKING:  # annotations only
    from models.core.users import Actor
    from sqlite_utils import Database

REQUIRED_BOOKKEEPING = ("uuid", "township_code", "version", "updated_at", "deleted")
META_TABLE = "_package_tables"
# Page cache during an import: large enough that the uuid-index writes stay in memory for a township's
# package, small enough that a 200 MB package imports within 300 MB of memory (issue 20).
IMPORT_CACHE_KIB = 96 * 1024
ACTIONS = ("add", "update", "delete", "conflict", "foreign", "same")
COUNT_LABELS = {"added": "新增", "updated": "更新", "deleted": "删除", "conflicts": "冲突", "skipped": "跳过"}


@dataclass
class ImportSummary:
    """What an import did, per table: added, updated, deleted, conflicts, skipped."""

    package_id: str
    kind: str
    township_code: str
    township_name: str
    sequence: int
    already_imported: bool = False
    tables: dict = field(default_factory=dict)
    notes: list = field(default_factory=list)

    def totals(self) -> dict:
        """Sums over all tables."""
        out = {k: 0 for k in COUNT_LABELS}
        for counts in self.tables.values():
            for k in out:
                out[k] += counts.get(k, 0)
        return out

    def as_dict(self) -> dict:
        """Plain data for the audit log."""
        return {"package_id": self.package_id, "kind": self.kind, "township_code": self.township_code,
                "township_name": self.township_name, "sequence": self.sequence,
                "already_imported": self.already_imported, "tables": self.tables, "notes": self.notes}

    def describe(self) -> str:
        """A Chinese summary for a message box or the console."""
        who = f"{self.township_name or self.township_code}（{self.township_code}）"
        kind = "参考数据包" if self.kind == "reference" else "数据包"
        if self.already_imported:
            return f"{who}的{kind}第 {self.sequence} 号以前已经导入过，本次没有任何改动。"
        t = self.totals()
        lines = [f"已导入{who}的{kind}第 {self.sequence} 号：" +
                 "，".join(f"{label} {t[k]}" for k, label in COUNT_LABELS.items())]
        for table, counts in self.tables.items():
            if any(counts.get(k) for k in COUNT_LABELS):
                lines.append(f"  {table_label(table)}：" + "，".join(f"{label} {counts.get(k, 0)}"
                                                       for k, label in COUNT_LABELS.items() if counts.get(k)))
        if t["conflicts"]:
            lines.append(f"有 {t['conflicts']} 条记录双方都改过，已列入冲突清单，请在“处理冲突”中逐条决定。")
        lines.extend(self.notes)
        return "\n".join(lines)


# ---- checks before any write -------------------------------------------------

def _check_manifest(db: Database, m: dict) -> None:
    for key in ("kind", "package_id", "township_code", "sequence", "row_counts", "migrations", "schema_version"):
        if key not in m:
            raise PackageError(f"数据包清单缺少“{key}”，无法导入。")
    if m["kind"] not in ("data", "reference"):
        raise PackageError(f"未知的数据包类型“{m['kind']}”。")
    if not isinstance(m["row_counts"], dict) or not isinstance(m["migrations"], list):
        raise PackageError("数据包清单格式不对，无法导入。")
    known = {f"{s}/{n}" for s, n in known_migrations()}
    unknown = [x for x in m["migrations"] if x not in known]
    if unknown:
        raise PackageError(f"数据包由更新版本的程序导出（数据结构 {unknown[0]} 本程序不认识），请升级程序后再导入。")
    try:
        newer = int(m["schema_version"]) > len(known)
    except (TypeError, ValueError):
        raise PackageError("数据包清单中的结构版本无效。") from None
    if newer:
        raise PackageError(f"数据包的数据结构版本（{m['schema_version']}）比本程序新，请升级程序后再导入。")


def _is_fresh(db: Database) -> bool:
    """A database with no township identity yet: it may become a county database."""
    return not (settings.get(db, "township_code") or "")


def _check_mode(db: Database, m: dict) -> bool:
    """Whether this database may take the package. Returns True when the
    import should switch a fresh database to county mode."""
    county = settings.get(db, "database_mode") == "county"
    local = records.local_township_code(db)
    if m["kind"] == "reference":
        if county:
            raise PackageError("这是县里发出的参考数据包，应由乡镇导入；县级汇总数据库不能导入。")
        return False
    if county:
        if m["township_code"] == local:
            raise PackageError("这个数据包来自本数据库自己，不能导入。")
        return False
    if _is_fresh(db):
        return True
    if m["township_code"] == local:
        raise PackageError("这是本乡镇自己导出的数据包，应拿到县里的汇总数据库导入。")
    raise PackageError(f"本数据库是乡镇数据库（{local}），不能导入其他乡镇（{m['township_code']}）的数据包；"
                       "请在县级汇总库中导入（文件 → 新建县级汇总库）。")


def _check_township(db: Database, m: dict, actor: Actor, accept_key, confirm_new_key) -> str | None:
    """Issue 20: the signature must be the township's registered key, a code
    already held by another township is refused naming both, and a package
    claims no more than it holds. Returns a new township's public key to
    register, or None."""
    code = str(m["township_code"])
    name = str(m.get("township_name") or "")
    if m["kind"] == "data":
        known = db.execute("SELECT name FROM townships WHERE code = ?", [code]).fetchone()
        if known and name and known[0] and known[0] != name and known[0] != code:
            raise PackageError(f"乡镇代码 {code} 已属于“{known[0]}”，这个数据包却来自“{name}”：两个乡镇不能用同一个代码，"
                               "拒绝导入。请核对乡镇代码。")
        top = 0
        for table in m["row_counts"]:
            if "change_seq" in {c for c, _ in table_columns(db, table, PKG_SCHEMA)}:
                top = max(top, db.execute(f"SELECT coalesce(max(change_seq), 0) FROM {PKG_SCHEMA}.[{table}]").fetchone()[0] or 0)
        try:
            since, claimed = int(m.get("since_seq") or 0), int(m.get("max_seq") or 0)
        except (TypeError, ValueError):
            raise PackageError("数据包清单中的变更序号无效。") from None
        if claimed < top or claimed < since:
            raise PackageError(f"数据包清单声明的变更序号（{claimed}）小于其中记录的序号（{top}），文件被改动，拒绝导入。")
    public, new_fp = signing.check_package_key(db, m, accept_key, require_confirmation=confirm_new_key)
    return public if new_fp else None


def _attach_payload(db: Database, payload_file: Path) -> None:
    """Attach the decrypted payload (a file: a 200 MB package is never held in memory, issue 20)."""
    with open(payload_file, "rb") as f:
        if f.read(16) != b"SQLite format 3\x00":
            raise PackageError("数据包内容不是本程序的数据格式。")
    try:
        db.conn.execute(f"ATTACH DATABASE ? AS {PKG_SCHEMA}", [str(payload_file)])
    except sqlite3.DatabaseError as e:
        raise PackageError(f"数据包内容无法读取（{e}）。") from None


def _scratch_file(db: Database) -> Path:
    """A new empty file beside the database for the decrypted payload (the
    database's folder is writable; the system's temp folder may be small)."""
    db_path = getattr(db, "path", None)
    folder = Path(db_path).parent if db_path else Path(tempfile.gettempdir())
    try:
        fd, name = tempfile.mkstemp(prefix=".xzpkg-import-", suffix=".tmp", dir=folder)
    except OSError as e:
        raise PackageError(f"无法在“{folder}”建立导入用的临时文件（{e.strerror or e}），请检查磁盘空间和权限。") from None
    os.close(fd)
    return Path(name)


def _remove_scratch(path: Path) -> None:
    for extra in ("", "-journal", "-wal", "-shm"):
        try:
            Path(str(path) + extra).unlink()
        except FileNotFoundError:
            pass


def _detach(db: Database) -> None:
    try:
        db.conn.execute(f"DETACH DATABASE {PKG_SCHEMA}")
    except sqlite3.DatabaseError:
        pass


def _check_payload(db: Database, m: dict) -> list[str]:
    """Validate the attached package database; return its tables in merge order."""
    try:
        objects = db.execute(f"SELECT type, name, sql FROM {PKG_SCHEMA}.sqlite_master").fetchall()
    except sqlite3.DatabaseError as e:
        raise PackageError(f"数据包内容不是有效的数据库（{e}）。") from None
    tables = []
    for kind, name, sql in objects:
        if kind == "index" and sql is None:
            continue  # automatic index of a PRIMARY KEY
        if kind != "table" or (sql or "").upper().startswith("CREATE VIRTUAL"):
            raise PackageError(f"数据包含有不允许的数据库对象（{kind} {name}），拒绝导入。")
        if name != META_TABLE:
            tables.append(name)
    declared = {str(k): v for k, v in m["row_counts"].items()}
    if set(tables) != set(declared):
        raise PackageError("数据包中的表与清单不一致，文件已被改动。")
    allowed = travel.TRAVEL_TABLES if m["kind"] == "data" else reference.REFERENCE_TABLES
    for name in tables:
        if name not in allowed:
            raise PackageError(f"数据包含有本程序不认识的表“{name}”，请升级程序后再导入。")
        if not reference.table_exists(db, name):
            raise PackageError(f"本数据库没有表“{name}”，请升级程序后再导入。")
        actual = db.execute(f"SELECT count(*) FROM {PKG_SCHEMA}.[{name}]").fetchone()[0]
        if actual != declared[name]:
            raise PackageError(f"数据包中表“{name}”的行数（{actual}）与清单（{declared[name]}）不符。")
        cols = {c for c, _ in table_columns(db, name, PKG_SCHEMA)}
        if "uuid" in {c for c, _ in table_columns(db, name)}:
            missing = [c for c in REQUIRED_BOOKKEEPING if c not in cols]
            if missing:
                raise PackageError(f"数据包中表“{name}”缺少必需的列 {', '.join(missing)}。")
            bad = db.execute(
                f"SELECT count(*) FROM {PKG_SCHEMA}.[{name}] WHERE typeof(uuid) != 'text' "
                "OR typeof(version) != 'integer' OR deleted IS NULL OR deleted NOT IN (0, 1) "
                "OR typeof(updated_at) != 'text' OR typeof(township_code) != 'text'"
            ).fetchone()[0]
            if bad:
                raise PackageError(f"数据包中表“{name}”有 {bad} 行的记录标识或版本无效。")
            if m["kind"] == "data":
                other = db.execute(f"SELECT count(*) FROM {PKG_SCHEMA}.[{name}] WHERE township_code != ?",
                                   [m["township_code"]]).fetchone()[0]
                if other:
                    raise PackageError(f"数据包中表“{name}”有 {other} 行不属于乡镇 {m['township_code']}，拒绝导入。")
        elif not reference.primary_key(db, name):
            raise PackageError(f"表“{name}”没有主键，无法合并。")
    order = travel.TRAVEL_TABLES if m["kind"] == "data" else reference.REFERENCE_TABLES
    return [t for t in order if t in tables]


# ---- the merge ---------------------------------------------------------------

def _rank_key(value):
    if value is None:
        return (0, 0)
    if isinstance(value, (int, float)):
        return (1, value)
    if isinstance(value, str):
        return (2, value)
    return (3, bytes(value))


def _later(*values) -> int:
    """SQL function: 1 when the first half of the arguments outranks the second
    (the content tie-break when deleted, version and updated_at are equal)."""
    half = len(values) // 2
    return int([_rank_key(v) for v in values[:half]] > [_rank_key(v) for v in values[half:]])


def _merge_travel_table(db: Database, table: str, package_id: str, actor: Actor | None = None) -> dict:
    local_cols = [c for c, _ in table_columns(db, table)]
    pkg_cols = [c for c, _ in table_columns(db, table, PKG_SCHEMA)]
    common = [c for c in pkg_cols if c in local_cols and c not in ("id", "change_seq")]
    content = [c for c in common if c not in records.BOOKKEEPING or c == "updated_by"]
    differs = " OR ".join(f"p.[{c}] IS NOT m.[{c}]" for c in content) or "0"
    later = (f"handoff_later({', '.join(f'p.[{c}]' for c in content)}, {', '.join(f'm.[{c}]' for c in content)})"
             if content else "0")
    dominates = (
        "(p.deleted > m.deleted OR (p.deleted = m.deleted AND (p.version > m.version OR "
        "(p.version = m.version AND (p.updated_at > m.updated_at OR "
        f"(p.updated_at = m.updated_at AND ({differs}) AND {later}))))))"
    )
    content_only = [c for c in content if c != "updated_by"]
    content_differs = " OR ".join(f"p.[{c}] IS NOT m.[{c}]" for c in content_only + ["deleted"])
    db.execute("DROP TABLE IF EXISTS temp.handoff_decision")
    db.execute(
        "CREATE TEMP TABLE handoff_decision AS "
        "SELECT p.rowid AS prow, m.id AS mid, CASE "
        "WHEN m.id IS NULL THEN 'add' "
        "WHEN m.township_code IS NOT p.township_code THEN 'foreign' "
        f"WHEN NOT {dominates} THEN 'same' "
        f"WHEN m.change_seq > 0 AND ({content_differs}) THEN 'conflict' "
        "WHEN p.deleted = 1 AND m.deleted = 0 THEN 'delete' "
        "ELSE 'update' END AS action "
        f"FROM {PKG_SCHEMA}.[{table}] p LEFT JOIN main.[{table}] m ON m.uuid = p.uuid"
    )
    counts = dict(db.execute("SELECT action, count(*) FROM temp.handoff_decision GROUP BY action").fetchall())
    if counts.get("foreign"):
        # Issue 20: a package never touches another township's rows.
        owner = db.execute(f"SELECT m.township_code FROM temp.handoff_decision d JOIN main.[{table}] m ON m.id = d.mid "
                           "WHERE d.action = 'foreign' LIMIT 1").fetchone()[0]
        raise PackageError(f"数据包中表“{table}”有 {counts['foreign']} 条记录属于另一个乡镇（{owner}），"
                           "一个乡镇的数据包不能改动别的乡镇的记录，拒绝导入，数据库未改动。")
    # Duplicate uuids in a package: among new rows the UNIQUE index refuses them;
    # among rows that would change an existing one, they are caught here.
    if db.execute("SELECT count(*) - count(DISTINCT mid) FROM temp.handoff_decision "
                  "WHERE action IN ('update', 'delete', 'conflict')").fetchone()[0]:
        raise PackageError(f"数据包中表“{table}”有重复的记录标识，已全部撤销，数据库未改动。")
    names = ", ".join(f"[{c}]" for c in common)
    picked = ", ".join(f"p.[{c}]" for c in common)
    # The added rows get the ids after this one (one INSERT, nothing else writes in the transaction).
    last_id_before = db.execute(f"SELECT coalesce(max(id), 0) FROM main.[{table}]").fetchone()[0]
    if counts.get("add"):
        with _tickets_in_bulk(db, table):
            db.execute(
                f"INSERT INTO main.[{table}] ({names}, change_seq) SELECT {picked}, 0 "
                f"FROM temp.handoff_decision d JOIN {PKG_SCHEMA}.[{table}] p ON p.rowid = d.prow "
                "WHERE d.action = 'add' ORDER BY d.prow"
            )
    if counts.get("update") or counts.get("delete"):
        if actor is not None:  # the rows as they were, for the audit rows' changed columns
            db.execute("DROP TABLE IF EXISTS temp.handoff_before")
            db.execute(f"CREATE TEMP TABLE handoff_before AS SELECT d.prow AS _prow, d.action AS _action, m.* "
                       f"FROM temp.handoff_decision d JOIN main.[{table}] m ON m.id = d.mid "
                       "WHERE d.action IN ('update', 'delete') ORDER BY d.prow")
        sets = ", ".join(f"[{c}] = p.[{c}]" for c in common if c != "uuid")
        db.execute(
            f"UPDATE main.[{table}] AS m SET {sets}, change_seq = 0 "
            f"FROM temp.handoff_decision d JOIN {PKG_SCHEMA}.[{table}] p ON p.rowid = d.prow "
            "WHERE d.action IN ('update', 'delete') AND m.id = d.mid"
        )
    if counts.get("conflict"):
        cur = db.execute(
            f"SELECT m.version AS _local_version, p.* FROM temp.handoff_decision d "
            f"JOIN {PKG_SCHEMA}.[{table}] p ON p.rowid = d.prow JOIN main.[{table}] m ON m.id = d.mid "
            "WHERE d.action = 'conflict'"
        )
        cols = [c[0] for c in cur.description]
        now = records.now_iso()

        def conflicts():
            for values in cur:
                row = dict(zip(cols, values, strict=True))
                local_version = row.pop("_local_version")
                text = _row_json(row)
                yield (table, row["uuid"], row["township_code"], package_id, local_version, row["version"],
                       row["deleted"], text, hashlib.sha256(text.encode("utf-8")).hexdigest(), now)

        # One prepared statement for all of them, the rows streamed from the SELECT (a township that
        # edited what the county also edited can bring thousands).
        db.conn.executemany(
            "INSERT OR IGNORE INTO handoff_conflicts (table_name, row_uuid, township_code, package_id, "
            "local_version, incoming_version, incoming_deleted, incoming_row, incoming_digest, created_at) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", conflicts())
    if actor is not None and (counts.get("add") or counts.get("update") or counts.get("delete")):
        _audit_merged(db, actor, table, package_id, last_id_before, counts)
    db.execute("DROP TABLE IF EXISTS temp.handoff_decision")
    return {"added": counts.get("add", 0), "updated": counts.get("update", 0), "deleted": counts.get("delete", 0),
            "conflicts": counts.get("conflict", 0), "skipped": counts.get("foreign", 0)}


@contextmanager
def _tickets_in_bulk(db: Database, table: str):
    """Added tickets go into the monthly statistics and the search index by a
    few statements after the INSERT, not by per-row triggers (issue 22): the
    triggers cost seconds per township package, and the search queue they fill
    was worked off by the first search after the import, on the window's thread."""
    if table != "tickets":
        yield
        return
    from models.service import search, stats

    with stats.summaries_counted_in_bulk(db), search.indexed_in_bulk(db):
        yield


def _audit_merged(db: Database, actor: Actor, table: str, package_id: str, last_id_before: int, counts: dict) -> None:
    """Issue 20: every merged row is sealed as stored, so `check` tells merged
    rows from rows written with an SQLite tool. The rows a package adds are
    sealed in bulk under ONE audit row naming the package (as the spreadsheet
    import does: issue 22, a chained audit row per added row was a third of an
    import into the county), only the id range its INSERT made; each row the
    merge changed or deleted gets its own audit row with the columns that
    changed, old and new, and the package. Both read the merged rows once as
    stored: the added ones by id range, the changed ones through the decision
    table."""
    if counts.get("add"):
        # The id range names the rows the package brought for as long as they exist (ids never change).
        last_id = db.execute(f"SELECT max(id) FROM main.[{table}]").fetchone()[0]
        audit.seal_new_rows(db, actor, table, last_id_before + 1,
                            {"merge": "add", "package_id": package_id, "ids": [last_id_before + 1, last_id]})
    if counts.get("update") or counts.get("delete"):
        cols = [c for c, _ in table_columns(db, table)]
        images = {action: (None, {"merge": action, "package_id": package_id}) for action in ("update", "delete")}
        before = ", ".join(f"b.[{c}]" for c in cols)
        audit.record_stored_rows(db, actor, "merge", table, db.execute(
            f"SELECT m.*, b._action, {before} FROM temp.handoff_before b JOIN main.[{table}] m ON m.id = b.id "
            "ORDER BY b._prow"), images, with_before=True)
        db.execute("DROP TABLE IF EXISTS temp.handoff_before")


def _row_json(row: dict) -> str:
    def plain(v):
        if isinstance(v, (bytes, memoryview)):
            return {"$base64": __import__("base64").b64encode(bytes(v)).decode("ascii")}
        return v

    return json.dumps({k: plain(v) for k, v in row.items()}, ensure_ascii=False, sort_keys=True)


def _unjson(value):
    if isinstance(value, dict) and "$base64" in value:
        return __import__("base64").b64decode(value["$base64"])
    return value


def _merge_tables(db: Database, tables: list[str], m: dict, progress, actor: Actor | None = None) -> dict:
    out = {}
    for i, table in enumerate(tables):
        if progress:
            progress(i, len(tables), f"正在合并 {table}…")
        if "uuid" in {c for c, _ in table_columns(db, table)}:
            out[table] = _merge_travel_table(db, table, m["package_id"], actor)
        else:
            local = {c for c, _ in table_columns(db, table)}
            cols = [c for c, _ in table_columns(db, table, PKG_SCHEMA) if c in local]
            out[table] = reference.upsert_keyed_table(db, table, cols, reference.primary_key(db, table))
    return out


def _orphan_note(db: Database, tables: list[str]) -> list[str]:
    """Records whose parent has not arrived yet (an earlier package still to come).
    Only the rows the package brought are checked, each reference by an index
    look-up of its parent: foreign_key_check over whole tables took seconds per
    import into a full county database (issue 22)."""
    notes = []
    for table in tables:
        brought = {c for c, _ in table_columns(db, table, PKG_SCHEMA)}
        refs = [r for r in db.execute(f"PRAGMA main.foreign_key_list([{table}])").fetchall() if r[3] in brought]
        if not refs:
            continue
        if any(r[4] is None for r in refs):  # a reference to the parent's primary key: let SQLite check
            n = len(db.execute(f"PRAGMA main.foreign_key_check([{table}])").fetchall())
        else:
            missing = " OR ".join(f"(p.[{r[3]}] IS NOT NULL AND NOT EXISTS (SELECT 1 FROM main.[{r[2]}] x "
                                  f"WHERE x.[{r[4]}] = p.[{r[3]}]))" for r in refs)
            n = db.execute(f"SELECT count(*) FROM {PKG_SCHEMA}.[{table}] p WHERE {missing}").fetchone()[0]
        if n:
            notes.append(f"提示：{table} 有 {n} 条记录引用的上级记录尚未到达（可能还有更早的数据包没有导入）。")
    return notes


@dataclass(frozen=True)
class NewTownshipKey:
    """A package signed by a township whose key this database has not registered yet."""

    township_code: str
    township_name: str
    fingerprint: str


def new_township_key(db: Database, path) -> NewTownshipKey | None:
    """What the clerk must confirm by phone BEFORE the import (issue 20): the
    key fingerprint of a township seen for the first time, or None when its key
    is registered already (or the package was imported before). Reads only; the
    manifest's signature is checked here and everything again at the import.
    Raises PackageError for a package this database may not take at all."""
    m = pkgfmt.read_manifest(path)
    _check_manifest(db, m)
    _check_mode(db, m)
    if db.execute("SELECT 1 FROM handoff_packages WHERE package_id = ? AND direction = 'import'",
                  [str(m["package_id"])]).fetchone():
        return None
    public = signing.verify_manifest(m)
    code = str(m["township_code"])
    if signing.registered_key(db, code):
        return None
    return NewTownshipKey(code, str(m.get("township_name") or ""), signing.fingerprint(public))


def import_package(db: Database, path, password: str, actor: Actor, progress=None, accept_key: str | None = None,
                   confirm_new_key: bool = False) -> ImportSummary:
    """Authenticate, check and merge the package at `path` into `db`.

    Raises PackageError (wrong password, damaged, newer, not a package …)
    before anything is written; otherwise merges in one transaction and
    returns the summary, which is also kept in the audit log.

    The package must be signed by its township's registered key (issue 20);
    a township's first package registers its key, and with
    `confirm_new_key` only when `accept_key` is the fingerprint the clerk
    confirmed by phone (signing.UnconfirmedKeyError otherwise).
    """
    require(actor, "handoff.import")
    scratch = _scratch_file(db)
    try:
        return _import_decrypted(db, path, password, actor, progress, accept_key, confirm_new_key, scratch)
    finally:
        _remove_scratch(scratch)


def _import_decrypted(db: Database, path, password: str, actor: Actor, progress, accept_key, confirm_new_key,
                      scratch: Path) -> ImportSummary:
    try:
        m = pkgfmt.open_package_to_file(path, password, scratch, progress)
    except OSError as e:
        raise PackageError(f"读取数据包或写入解密用的临时文件时出错（{e.strerror or e}），请检查 U 盘和磁盘空间。数据库未改动。") from None
    _check_manifest(db, m)
    summary = ImportSummary(str(m["package_id"]), m["kind"], str(m["township_code"]),
                            str(m.get("township_name") or ""), int(m["sequence"]))
    become_county = _check_mode(db, m)
    if db.execute("SELECT 1 FROM handoff_packages WHERE package_id = ? AND direction = 'import'",
                  [summary.package_id]).fetchone():
        summary.already_imported = True
        return summary
    conn = db.conn
    # Read before attaching: with a damaged image attached, every statement fails.
    fk_before = conn.execute("PRAGMA foreign_keys").fetchone()[0]
    cache_before = conn.execute("PRAGMA main.cache_size").fetchone()[0]
    temp_before = conn.execute("PRAGMA temp_store").fetchone()[0]
    _attach_payload(db, scratch)
    try:
        # Authenticated is not the same as sound: a package sealed over a
        # damaged image must be refused, and the connection must survive it.
        try:
            check = conn.execute(f"PRAGMA {PKG_SCHEMA}.quick_check").fetchone()
        except sqlite3.DatabaseError as e:
            raise PackageError(f"数据包内容不是有效的数据库（{e}），已拒绝，数据库未改动。") from None
        if not check or check[0] != "ok":
            raise PackageError(f"数据包内容已损坏（{check[0] if check else '无结果'}），已拒绝，数据库未改动。")
        # Merging a large package inserts into every uuid index in random order:
        # a bigger page cache for the duration keeps those writes in memory.
        conn.execute(f"PRAGMA main.cache_size={-IMPORT_CACHE_KIB}")
        # The decision tables of a big package go to a temporary file past their cache, not all into memory.
        conn.execute("PRAGMA temp_store=FILE")
        tables = _check_payload(db, m)
        row_checks.check_rows(db, PKG_SCHEMA, tables)  # the forms' validators, before anything is written
        new_key = _check_township(db, m, actor, accept_key, confirm_new_key)
        conn.create_function("handoff_later", -1, _later, deterministic=True)
        # Incremental packages may arrive out of order: a child can come before
        # its parent. References are checked (and reported) after the merge.
        conn.execute("PRAGMA foreign_keys=OFF")
        with db.atomic():
            if become_county:
                settings.set_value(db, "database_mode", "county", actor)
            if new_key:
                fp = signing.register_key(db, summary.township_code, new_key, actor, f"首个数据包 {summary.package_id}")
                summary.notes.append(f"已登记“{summary.township_name or summary.township_code}”的签名公钥，指纹 {fp}"
                                     "（请与对方电话核对；以后只接受这个公钥签名的数据包）。")
            if m["kind"] == "data":
                warnings = audit.witness_package(db, summary.township_code, m, summary.package_id)
                for warning in warnings:
                    audit.record(db, actor, "audit-witness-warning", "audit_witness", summary.township_code, None,
                                 {"package_id": summary.package_id, "warning": warning})
                summary.notes.extend(warnings)
            summary.tables = _merge_tables(db, tables, m, progress, actor)
            if m["kind"] == "data" and not m.get("full"):
                summary.notes.extend(_orphan_note(db, tables))
            if m["kind"] == "data":
                db.execute(
                    "INSERT INTO townships (code, name, county, is_local) VALUES (?, ?, ?, 0) "
                    "ON CONFLICT(code) DO UPDATE SET name = coalesce(nullif(excluded.name, ''), townships.name), "
                    "county = coalesce(nullif(excluded.county, ''), townships.county)",
                    [summary.township_code, summary.township_name or summary.township_code,
                     str(m.get("county_name") or "")],
                )
            else:
                _record_acks(db, m)
                if "county_rules" in tables:  # the county's team shape and eligibility rules
                    summary.notes.extend(adopt_county_rules(db, actor))
            db.execute(
                "INSERT INTO handoff_packages (package_id, direction, kind, township_code, township_name, sequence, "
                "full, since_seq, max_seq, created_at, handled_at, actor, file_name, payload_sha256, summary) "
                "VALUES (?, 'import', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [summary.package_id, m["kind"], summary.township_code, summary.township_name, summary.sequence,
                 int(bool(m.get("full"))), int(m.get("since_seq") or 0), int(m.get("max_seq") or 0),
                 str(m.get("created_at") or ""), records.now_iso(), getattr(actor, "username", str(actor)),
                 Path(path).name, str(m.get("payload_sha256") or ""),
                 json.dumps(summary.tables, ensure_ascii=False)],
            )
            audit.record(db, actor, "handoff-import", "handoff_packages", summary.package_id, None, summary.as_dict())
    except sqlite3.IntegrityError as e:
        raise PackageError(f"合并时发现重复或冲突的记录，已全部撤销，数据库未改动（{e}）。") from None
    except sqlite3.DatabaseError as e:
        raise PackageError(f"数据包内容无法读取（{e}），已全部撤销，数据库未改动。") from None
    finally:
        _detach(db)
        conn.execute(f"PRAGMA foreign_keys={int(fk_before)}")
        conn.execute(f"PRAGMA main.cache_size={int(cache_before)}")
        conn.execute(f"PRAGMA temp_store={int(temp_before)}")
    _refresh_derived(db, summary)
    return summary


def _refresh_derived(db: Database, summary: ImportSummary) -> None:
    """Rebuild caches other domains derive from travelling rows (assessment
    results), so the comparison view shows the township's new figures.
    Best effort: the merged data is already committed either way."""
    if summary.kind != "data" or not summary.tables.get("assess_scores", {}).keys():
        return
    from models.assess import results as assess_results

    try:
        with db.atomic():
            assess_results.recompute(db, township_code=summary.township_code)
    except (AppError, sqlite3.Error) as e:  # a cache must not fail the import; a bug still does
        summary.notes.append(f"提示：考核结果未能重新计算（{getattr(e, 'message', e)}），可在考核页重新计算。")


def _record_acks(db: Database, m: dict) -> None:
    acks = m.get("acks") or {}
    local = records.local_township_code(db)
    if local in acks:
        try:
            through = int(acks[local])
        except (TypeError, ValueError):
            raise PackageError("参考数据包中的确认序号无效，拒绝导入。") from None
        if generation.full_export_due(db) or through < generation.ack_floor(db):
            # Made before the county saw this database's generation (a restore wound the exports back):
            # void, not refused — the next export is full anyway.
            return
        sent = db.execute("SELECT coalesce(max(max_seq), 0) FROM handoff_packages WHERE direction = 'export' "
                          "AND kind = 'data'").fetchone()[0]
        if through > sent or through < 0:
            # Issue 20: acknowledging more than was sent would empty every later export.
            raise PackageError(f"参考数据包确认县里已收到本乡镇第 {through} 号变更，但本乡镇只导出到第 {sent} 号："
                               "确认超出了实际发出的数据，拒绝导入。")
        db.execute(
            "INSERT INTO handoff_acks (township_code, acked_through, acked_at, source_package) VALUES (?, ?, ?, ?) "
            "ON CONFLICT(township_code) DO UPDATE SET acked_through = max(handoff_acks.acked_through, "
            "excluded.acked_through), acked_at = excluded.acked_at, source_package = excluded.source_package",
            [local, through, records.now_iso(), str(m["package_id"])],
        )


# ---- logs and conflicts --------------------------------------------------------

def list_packages(db: Database, direction: str | None = None, limit: int = 200) -> list[dict]:
    """Packages exported from / imported into this database, newest first."""
    sql = ("SELECT package_id, direction, kind, township_code, township_name, sequence, full, since_seq, max_seq, "
           "created_at, handled_at, actor, file_name, summary FROM handoff_packages")
    params: list[object] = []
    if direction:
        sql += " WHERE direction = ?"
        params.append(direction)
    sql += " ORDER BY handled_at DESC LIMIT ?"
    params.append(limit)
    return records.rows(db, sql, params)


def list_conflicts(db: Database, open_only: bool = True, township_code: str | None = None, limit: int = 1000) -> list[dict]:
    """Conflicts waiting for a decision (or all), oldest first."""
    sql = ("SELECT c.id, c.table_name, c.row_uuid, c.township_code, t.name AS township_name, c.package_id, "
           "c.local_version, c.incoming_version, c.incoming_deleted, c.created_at, c.resolved_at, c.resolved_by, "
           "c.resolution FROM handoff_conflicts c LEFT JOIN townships t ON t.code = c.township_code")
    where: list[str] = []
    params: list[object] = []
    if open_only:
        where.append("c.resolved_at IS NULL")
    if township_code:
        where.append("c.township_code = ?")
        params.append(township_code)
    if where:
        sql += " WHERE " + " AND ".join(where)
    sql += " ORDER BY c.id LIMIT ?"
    params.append(limit)
    return records.rows(db, sql, params)


def _conflict(db: Database, conflict_id: int) -> dict:
    found = records.rows(db, "SELECT * FROM handoff_conflicts WHERE id = ?", [conflict_id])
    if not found:
        raise ValidationError("冲突", f"第 {conflict_id} 号冲突不存在。")
    return found[0]


def conflict_detail(db: Database, conflict_id: int) -> dict:
    """The two versions side by side: {'fields': [(column, local, incoming, differs)], ...}."""
    c = _conflict(db, conflict_id)
    incoming = {k: _unjson(v) for k, v in json.loads(c["incoming_row"]).items()}
    local = records.get(db, c["table_name"], c["row_uuid"], include_deleted=True) or {}
    fields = []
    for col in [k for k in local if k not in ("id", "change_seq")] + [k for k in incoming if k not in local]:
        a, b = local.get(col), incoming.get(col)
        fields.append((col, a, b, a != b))
    return {"conflict": c, "fields": fields, "local": local, "incoming": incoming}


def resolve_conflict(db: Database, conflict_id: int, keep: str, actor: Actor) -> None:
    """Decide a conflict: keep='local' keeps this database's version (made newer
    than the incoming one), keep='incoming' takes the township's version."""
    require(actor, "handoff.import")
    if keep not in ("local", "incoming"):
        raise ValidationError("处理方式", "只能选择保留本地或采用来件。")
    with db.atomic():
        c = _conflict(db, conflict_id)
        if c["resolved_at"]:
            raise ValidationError("冲突", "这条冲突已经处理过了。")
        table = c["table_name"]
        local = records.get(db, table, c["row_uuid"], include_deleted=True)
        if local is None:
            raise ValidationError("冲突", "本地记录已不存在。")
        incoming = {k: _unjson(v) for k, v in json.loads(c["incoming_row"]).items()}
        version = max(int(local["version"]), int(incoming["version"]))
        if keep == "incoming":
            cols = {c2 for c2, _ in table_columns(db, table)}
            values = {k: v for k, v in incoming.items() if k in cols and k not in ("id", "uuid", "change_seq")}
            values["version"] = version
            values["change_seq"] = 0
        else:
            values = {"version": version + 1, "updated_at": records.now_iso(),
                      "updated_by": getattr(actor, "username", str(actor)),
                      "change_seq": records.next_change_seq(db)}
        sets = ", ".join(f"[{k}] = ?" for k in values)
        db.execute(f"UPDATE [{table}] SET {sets} WHERE uuid = ?", [*values.values(), c["row_uuid"]])
        db.execute("UPDATE handoff_conflicts SET resolved_at = ?, resolved_by = ?, resolution = ? WHERE id = ?",
                   [records.now_iso(), getattr(actor, "username", str(actor)), keep, conflict_id])
        after = records.get(db, table, c["row_uuid"], include_deleted=True)
        audit.record(db, actor, f"handoff-conflict-{keep}", table, c["row_uuid"], local, after)


def open_conflict_count(db: Database) -> int:
    """How many conflicts wait for a decision."""
    return db.execute("SELECT count(*) FROM handoff_conflicts WHERE resolved_at IS NULL").fetchone()[0]


__all__ = ["ImportSummary", "conflict_detail", "import_package", "list_conflicts", "list_packages",
           "open_conflict_count", "resolve_conflict", "schema_version"]
