"""Every released schema upgrades to the current one with nothing lost.

tests/fixtures/schema_v*/ hold a database made by that release (gzipped) and
expected.json: its row counts, applied migrations and sample rows
(tests/fixtures/make_fixtures.py). A copy is opened with the current program,
which backs it up and migrates it; then every count and sample is compared.
"""

from __future__ import annotations

import gzip
import json
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from models.core.db import close_database, known_migrations, list_backups, open_database, schema_version
from models.core.errors import NewerSchemaError

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "tests" / "fixtures"
VERSIONS = sorted(p.name for p in FIXTURES.glob("schema_v*") if (p / "expected.json").exists())
# Tables whose row count may grow while migrating (bookkeeping, not user data).
MAY_GROW = {"_sqlite_migrations", "settings", "audit_log"}
# The head of the audit log moves when an upgrade appends to the log (the
# row seals of issue 20 are recorded there).
MAY_CHANGE = {"audit_head"}


def _unpack(version: str, dest: Path) -> tuple[Path, dict]:
    folder = FIXTURES / version
    path = dest / "township.db"
    with gzip.open(folder / "township.db.gz", "rb") as src, open(path, "wb") as out:
        shutil.copyfileobj(src, out)
    return path, json.loads((folder / "expected.json").read_text(encoding="utf-8"))


def _decode(value):
    if isinstance(value, dict) and "hex" in value:
        return bytes.fromhex(value["hex"])
    return value


def test_there_is_a_fixture_for_the_first_release():
    assert "schema_v1" in VERSIONS
    size = (FIXTURES / "schema_v1" / "township.db.gz").stat().st_size
    assert size < 2_000_000


@pytest.mark.parametrize("version", VERSIONS)
def test_released_migrations_are_still_known(version):
    """A released migration may never be renamed or removed."""
    expected = json.loads((FIXTURES / version / "expected.json").read_text(encoding="utf-8"))
    known = {f"{s}/{n}" for s, n in known_migrations()}
    assert [m for m in expected["migrations"] if m not in known] == []


@pytest.mark.parametrize("version", VERSIONS)
def test_upgrade_loses_nothing(version, tmp_path):
    path, expected = _unpack(version, tmp_path)
    pending = len(known_migrations()) - len(expected["migrations"])
    db = open_database(path)
    try:
        assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        assert schema_version(db.conn) == len(known_migrations())
        lost = []
        for table, count in expected["counts"].items():
            if not db[table].exists():
                lost.append(f"{table}: table gone")
                continue
            now = db.execute(f"SELECT count(*) FROM [{table}]").fetchone()[0]
            if now < count or (now != count and table not in MAY_GROW):
                lost.append(f"{table}: {count} rows before, {now} after")
        compared = 0
        for table, sample in expected["samples"].items():
            if table in MAY_CHANGE:
                continue
            keys = sample["key"]
            columns = {r[1] for r in db.execute(f"PRAGMA table_info([{table}])")}
            for row in sample["rows"]:
                where = " AND ".join(f"{'rowid' if k == 'rowid' else f'[{k}]'} IS ?" for k in keys)
                params = [_decode(row["_rowid" if k == "rowid" else k]) for k in keys]
                cur = db.execute(f"SELECT * FROM [{table}] WHERE {where}", params)
                names = [d[0] for d in cur.description]
                found = cur.fetchone()
                if found is None:
                    lost.append(f"{table}: row {params} gone")
                    continue
                now = dict(zip(names, found))
                for col, value in row.items():
                    if col == "_rowid":
                        continue
                    if col not in columns:
                        lost.append(f"{table}.{col}: column gone")
                    elif now[col] != _decode(value):
                        lost.append(f"{table}.{col} {params}: {value!r} became {now[col]!r}")
                    compared += 1
        print(f"\n{version}: {len(expected['counts'])} tables, {compared} sample values compared, "
              f"{pending} migrations applied")
        assert lost == []
        from models.core import audit

        assert audit.verify_chain(db) == []
    finally:
        close_database(db)
    if pending:
        assert any("before-migration" in b.name for b in list_backups(path))
    # The upgraded file passes the program's own check, and opens again unchanged.
    result = subprocess.run([sys.executable, str(ROOT / "main.py"), "check", "--db", str(path)],
                            capture_output=True, text=True, encoding="utf-8", cwd=str(ROOT), timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr
    db = open_database(path)
    assert schema_version(db.conn) == len(known_migrations())
    close_database(db)


def test_file_from_a_newer_program_is_refused_untouched(tmp_path):
    path, _ = _unpack("schema_v1", tmp_path)
    db = open_database(path)
    db.execute("INSERT INTO _sqlite_migrations (migration_set, name, applied_at) "
                "VALUES ('core', 'm999_from_the_future', '2030-01-01')")
    close_database(db)
    before = path.read_bytes()
    backups = list_backups(path)
    with pytest.raises(NewerSchemaError) as info:
        open_database(path)
    assert "更新版本" in info.value.message
    assert path.read_bytes() == before and list_backups(path) == backups


def test_a_migration_that_fails_changes_nothing(tmp_path, monkeypatch):
    """A broken migration rolls back whole and is reported as an open error in
    Chinese (no traceback); the file keeps its data."""
    from sqlite_utils import Migrations

    from models.core import migrations as schema

    path, expected = _unpack("schema_v1", tmp_path)
    db = open_database(path)
    close_database(db)
    broken = Migrations("reliability_broken")

    @broken()
    def m001_breaks(db):
        db.execute("DELETE FROM villages")
        db.execute("CREATE TABLE half_done (id INTEGER)")
        raise RuntimeError("simulated failure half-way")

    monkeypatch.setattr(schema, "MIGRATION_SETS", [*schema.MIGRATION_SETS, broken])
    from models.core.errors import DatabaseOpenError

    with pytest.raises(DatabaseOpenError) as info:
        open_database(path)
    assert any("\u4e00" <= ch <= "\u9fff" for ch in info.value.message)
    conn = sqlite3.connect(str(path))
    assert conn.execute("SELECT count(*) FROM villages").fetchone()[0] == expected["counts"]["villages"]
    assert conn.execute("SELECT 1 FROM sqlite_master WHERE name='half_done'").fetchone() is None
    conn.close()



def test_a_migration_failing_on_real_data_is_an_open_error(tmp_path, monkeypatch):
    from sqlite_utils import Migrations

    from models.core import migrations as schema
    from models.core.errors import DatabaseOpenError

    path, _ = _unpack("schema_v1", tmp_path)
    broken = Migrations("reliability_broken")

    @broken()
    def m001_breaks(db):
        db.execute("CREATE UNIQUE INDEX idx_broken ON villages(households)")  # fails on real data

    db = open_database(path)
    db.execute("UPDATE villages SET households = 7")
    close_database(db)
    monkeypatch.setattr(schema, "MIGRATION_SETS", [*schema.MIGRATION_SETS, broken])
    with pytest.raises(DatabaseOpenError):
        open_database(path)
    conn = sqlite3.connect(str(path))
    assert conn.execute("SELECT 1 FROM sqlite_master WHERE name='idx_broken'").fetchone() is None
    conn.close()
