"""After an upgrade only the tables a migration could change are sealed again.

Before, every upgrade re-digested every row of every sealed table (about 200 s
at a 1M-ticket county, for an index-only migration), and in doing so sealed a
row edited outside the program as if the program had written it.
"""

from __future__ import annotations

import sqlite3

import pytest
from sqlite_utils import Migrations

from cli import main
from models.core import migrations as schema
from models.core.db import close_database, open_database, tables_written
from tests import test_reliability_proof as proof

# The proof tests' office file: a small demo copied per test.
demo_template = proof.demo_template
demo_path = proof.demo_path

_RESEAL = "结构升级后重新封记"


def _reseal_rows(path) -> list[str]:
    conn = sqlite3.connect(str(path))
    try:
        return [r[0] for r in conn.execute(
            "SELECT table_name FROM audit_log WHERE action = 'bulk-seal' AND after LIKE ?", [f"%{_RESEAL}%"])]
    finally:
        conn.close()


def _edit_outside(path, sql: str) -> None:
    conn = sqlite3.connect(str(path))
    conn.execute(sql)
    conn.commit()
    conn.close()


def _upgrade_with(monkeypatch, path, migration) -> None:
    extra = Migrations("test_extra")
    extra()(migration)
    monkeypatch.setattr(schema, "MIGRATION_SETS", [*schema.MIGRATION_SETS, extra])
    close_database(open_database(path))


def test_the_authorizer_names_each_table_a_statement_can_write(tmp_path):
    conn = sqlite3.connect(str(tmp_path / "t.db"), isolation_level=None)
    conn.executescript("CREATE TABLE a (x); CREATE TABLE b (y); CREATE TABLE log (z); "
                       "CREATE TRIGGER a_log AFTER UPDATE ON a BEGIN INSERT INTO log VALUES (NEW.x); END;")
    conn.execute("INSERT INTO a VALUES (1)")  # prepared (and cached) before the authorizer is set
    with tables_written(conn) as only_indexes:
        conn.execute("CREATE INDEX idx_a ON a(x)")
        conn.execute("DROP INDEX idx_a")
        conn.execute("SELECT * FROM a, b").fetchall()
    assert only_indexes == {"sqlite_master"}  # the schema itself, no table's rows
    with tables_written(conn) as written:
        conn.execute("INSERT INTO a VALUES (1)")
        conn.execute("UPDATE a SET x = 2")  # fires the trigger: log is written too
        conn.execute("ALTER TABLE b ADD COLUMN w")
    assert {"a", "log", "b"} <= written
    conn.close()


def test_an_index_only_upgrade_seals_nothing_and_a_row_edited_outside_is_still_found(demo_path, monkeypatch, capsys):
    _edit_outside(demo_path, "UPDATE tickets SET rating = coalesce(rating, 0) + 1 "
                             "WHERE rowid = (SELECT max(rowid) FROM tickets)")
    before = _reseal_rows(demo_path)

    def m001_an_index(db):
        db.execute("CREATE INDEX idx_test_only ON tickets(applicant_phone)")

    _upgrade_with(monkeypatch, demo_path, m001_an_index)
    assert _reseal_rows(demo_path) == before
    assert main(["check", "--full", "--db", str(demo_path)]) == 1
    assert "被直接修改" in capsys.readouterr().out


@pytest.mark.parametrize("change", [
    "UPDATE villages SET households = coalesce(households, 0) + 1",
    "ALTER TABLE villages ADD COLUMN test_note TEXT DEFAULT '新列'",
])
def test_a_migration_that_changes_rows_seals_exactly_that_table_again(demo_path, monkeypatch, capsys, change):
    before = _reseal_rows(demo_path)

    def m001_changes_villages(db):
        db.execute(change)

    _upgrade_with(monkeypatch, demo_path, m001_changes_villages)
    assert _reseal_rows(demo_path)[len(before):] == ["villages"]
    assert main(["check", "--full", "--db", str(demo_path)]) == 0, capsys.readouterr().out


def test_a_rebuilt_table_is_sealed_again(demo_path, monkeypatch, capsys):
    """sqlite-utils' transform copies the rows into a new table and renames it."""
    before = _reseal_rows(demo_path)

    def m001_rebuilds_villages(db):
        db["villages"].transform(drop={"note"})

    _upgrade_with(monkeypatch, demo_path, m001_rebuilds_villages)
    assert "villages" in _reseal_rows(demo_path)[len(before):]
    assert main(["check", "--full", "--db", str(demo_path)]) == 0, capsys.readouterr().out
