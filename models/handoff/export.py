"""Exporting a package: a township's data for the county, or (in county
mode) the county's reference data for its townships.

The payload is an SQLite image holding one table per travelling table, with
the columns the exporting database has (no local integer ids). It is built in
an attached in-memory database from one read snapshot, so the change_seq
high-water mark in the manifest is exactly what the package holds.
"""

from __future__ import annotations

import datetime as dt
import json
import uuid as uuidlib
from dataclasses import dataclass, field
from pathlib import Path

from models import __version__

from models.core import audit

from models.core import records

from models.core import generation, settings
from models.core.db import applied_migrations, schema_version
from models.handoff import package as pkgfmt
from models.handoff import reference
from models.core.users import require
from models.core import travel

from typing import TYPE_CHECKING

if TYPE_CHECKING:  # annotations only
    from models.core.users import Actor
    from sqlite_utils import Database

PKG_SCHEMA = "pkg"
FILE_SUFFIX = ".xzpkg"


@dataclass
class ExportResult:
    """What was written: the file, its manifest and the rows per table."""

    path: Path
    manifest: dict
    row_counts: dict = field(default_factory=dict)

    def describe(self) -> str:
        """A short Chinese description for a message box or the console."""
        m = self.manifest
        kind = "参考数据包" if m["kind"] == "reference" else ("全部数据" if m["full"] else "增量数据")
        total = sum(self.row_counts.values())
        return (f"已导出{kind}（第 {m['sequence']} 号，{total} 条记录）到：{self.path}\n"
                f"数据包编号：{m['package_id']}")


def is_county(db: Database) -> bool:
    """True when this database collects many townships (county mode)."""
    return settings.get(db, "database_mode") == "county"


def suggested_file_name(db: Database, full: bool = False) -> str:
    """A file name that says whose package it is and when it was made."""
    code = records.local_township_code(db)
    name = settings.get(db, "township_name") or settings.get(db, "county_name") or code
    stamp = dt.datetime.now().strftime("%Y%m%d-%H%M")
    kind = "参考数据" if is_county(db) else ("全部" if full else "增量")
    safe = "".join(ch for ch in name if ch not in '\\/:*?"<>|').strip() or code
    return f"{safe}-{code}-{kind}-{stamp}{FILE_SUFFIX}"


def table_columns(db: Database, table: str, schema: str = "main") -> list[tuple[str, str]]:
    """(name, declared type) of each column, in table order."""
    return [(r[1], r[2] or "") for r in db.execute(f"PRAGMA [{schema}].table_info([{table}])").fetchall()]


def acked_through(db: Database, township_code: str) -> int:
    """The change_seq up to which the county confirmed holding our data."""
    row = db.execute("SELECT acked_through FROM handoff_acks WHERE township_code = ?", [township_code]).fetchone()
    return int(row[0]) if row else 0


def county_acks(db: Database) -> dict[str, int]:
    """Per township, the highest change_seq such that every change up to it
    arrived here (the union of imported packages' ranges, from 0, without gaps)."""
    acks = {}
    ranges: dict[str, list[tuple[int, int]]] = {}
    for code, since, top in db.execute(
            "SELECT township_code, since_seq, max_seq FROM handoff_packages "
            "WHERE direction = 'import' AND kind = 'data' ORDER BY township_code, since_seq, max_seq"):
        ranges.setdefault(code, []).append((since, top))
    for code, spans in ranges.items():
        covered = 0
        for since, top in spans:
            if since > covered:
                break
            covered = max(covered, top)
        acks[code] = covered
    return acks


def changed_rows_where(township_code: str, since_seq: int) -> tuple[str, list]:
    """The rows of a data package: the township's own, changed since the last
    package. `+township_code` keeps SQLite from walking the township index (in
    a township's file: every row) instead of change_seq's, which holds only
    the rows changed since (issue 22, bench/index_map.py)."""
    return "WHERE +township_code = ? AND change_seq > ?", [township_code, since_seq]


def _copy_table(db: Database, table: str, where: str, params: list) -> int:
    cols = [(n, t) for n, t in table_columns(db, table) if n != "id"]
    col_defs = ", ".join(f"[{n}] {t}" for n, t in cols)
    names = ", ".join(f"[{n}]" for n, _ in cols)
    db.execute(f"CREATE TABLE {PKG_SCHEMA}.[{table}] ({col_defs})")
    cur = db.execute(f"INSERT INTO {PKG_SCHEMA}.[{table}] ({names}) SELECT {names} FROM main.[{table}] {where}",
                     params)
    return cur.rowcount


def _build_payload(db: Database, kind: str, township_code: str, since_seq: int, progress=None) -> tuple[bytes, dict, int]:
    """The SQLite image of the package, its row counts and the change_seq mark."""
    conn = db.conn
    conn.execute(f"ATTACH DATABASE ':memory:' AS {PKG_SCHEMA}")
    try:
        conn.execute("BEGIN")  # one read snapshot for every table
        try:
            max_seq = conn.execute("SELECT seq FROM change_counter WHERE id = 1").fetchone()[0]
            counts = {}
            if kind == "data":
                tables = [t for t in travel.TRAVEL_TABLES if reference.table_exists(db, t)]
            else:
                tables = reference.reference_tables(db)
            for i, table in enumerate(tables):
                if progress:
                    progress(i, len(tables) + 1, f"正在读取 {table}…")
                is_travel = any(n == "uuid" for n, _ in table_columns(db, table))
                if kind == "data":
                    where, params = changed_rows_where(township_code, since_seq)
                elif is_travel:
                    # The county's own reference rows (imported township rows stay home).
                    where, params = "WHERE township_code = ?", [township_code]
                else:
                    where, params = "", []
                counts[table] = _copy_table(db, table, where, params)
            conn.execute(f"CREATE TABLE {PKG_SCHEMA}._package_tables (name TEXT PRIMARY KEY, row_count INTEGER)")
            conn.executemany(f"INSERT INTO {PKG_SCHEMA}._package_tables VALUES (?, ?)", list(counts.items()))
        finally:
            conn.execute("COMMIT")
        payload = conn.serialize(name=PKG_SCHEMA)
    finally:
        conn.execute(f"DETACH DATABASE {PKG_SCHEMA}")
    return payload, counts, max_seq


def export_package(db: Database, out_path, password: str, actor: Actor, full: bool = False, progress=None) -> ExportResult:
    """Write a package to `out_path` (a file, or a folder to put it in).

    In a township database: the township's records changed since the last
    package the county acknowledged (or all of them with `full`). In a county
    database: the reference data, with the county's acknowledgements.
    """
    require(actor, "handoff.export")
    pkgfmt.check_password(password)
    kind = "reference" if is_county(db) else "data"
    code = records.local_township_code(db)
    # After a restore the county's acknowledgements are void: the next package is full.
    full = full or (kind == "data" and generation.full_export_due(db))
    since_seq = 0 if (full or kind == "reference") else acked_through(db, code)
    out_path = Path(out_path)
    if out_path.is_dir():
        out_path = out_path / suggested_file_name(db, since_seq == 0)
    if not out_path.parent.is_dir():
        from models.core.errors import ValidationError

        raise ValidationError("保存位置", f"文件夹“{out_path.parent}”不存在。")
    payload, counts, max_seq = _build_payload(db, kind, code, since_seq, progress)
    sequence = db.execute("SELECT coalesce(max(sequence), 0) + 1 FROM handoff_packages "
                          "WHERE direction = 'export' AND kind = ?", [kind]).fetchone()[0]
    manifest = {
        "kind": kind,
        "package_id": str(uuidlib.uuid4()),
        "sequence": sequence,
        "township_code": code,
        "township_name": settings.get(db, "township_name") or "",
        "county_name": settings.get(db, "county_name") or "",
        "created_at": records.now_iso(),
        "exporter": getattr(actor, "username", str(actor)),
        "app_version": __version__,
        "schema_version": schema_version(db.conn),
        "migrations": [f"{s}/{n}" for s, n in applied_migrations(db.conn)],
        "full": since_seq == 0,
        "since_seq": since_seq,
        "max_seq": max_seq,
        "row_counts": counts,
        "generation": generation.current(db),
    }
    if kind == "reference":
        manifest["acks"] = county_acks(db)
    # Issue 20: the audit chain's head and its hashes at the heads sent before
    # (the county witnesses the chain), signed with this database's own key.
    from models.core import signing

    signer = signing.own_key(db, actor)  # made (and audited) before the head is read
    manifest["audit_head"] = audit.head(db)
    manifest["audit_checkpoints"] = audit.checkpoints(db)
    manifest = pkgfmt.write_package(out_path, manifest, payload, password, progress, signer=signer)
    with db.atomic():
        db.execute(
            "INSERT INTO handoff_packages (package_id, direction, kind, township_code, township_name, sequence, full, "
            "since_seq, max_seq, created_at, handled_at, actor, file_name, payload_sha256, summary) "
            "VALUES (?, 'export', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [manifest["package_id"], kind, code, manifest["township_name"], sequence, int(manifest["full"]),
             since_seq, max_seq, manifest["created_at"], records.now_iso(), manifest["exporter"], out_path.name,
             manifest["payload_sha256"], json.dumps(counts, ensure_ascii=False)],
        )
        if kind == "data" and since_seq == 0:
            generation.full_export_written(db, max_seq)
        audit.remember_sent(db, manifest["package_id"], manifest["audit_head"])
        audit.record(db, actor, "handoff-export", "handoff_packages", manifest["package_id"], None,
                     {"file": out_path.name, "kind": kind, "sequence": sequence, "full": manifest["full"],
                      "since_seq": since_seq, "max_seq": max_seq, "row_counts": counts})
    return ExportResult(out_path, manifest, counts)
