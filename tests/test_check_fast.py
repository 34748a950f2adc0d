"""Issue 14 point 7: `check` has a fast default at county scale.

Hashing every sealed row costs about 20 µs a row in Python (over 1.5 minutes for
a county of 1,000,000 tickets), so above audit.CONTENT_CHECK_MAX_ROWS the default
`check` runs only the part SQLite answers from its indexes (rows nobody audited,
sealed rows that are gone, seals whose audit row is missing or names another row)
and says that contents need `check --full`. These tests tamper with a real file
through SQLite itself and compare both sweeps."""

from __future__ import annotations

import shutil
import sqlite3

import pytest

from cli import main
from models.core import audit
from models.core.db import close_database, open_database


@pytest.fixture(scope="module")
def template(tmp_path_factory):
    from models.demo.township import DemoOptions, build_demo

    path = tmp_path_factory.mktemp("checkfast") / "template.db"
    db = open_database(path, daily_backup=False)
    build_demo(db, DemoOptions(seed=5, tickets=60))
    close_database(db)
    return path


@pytest.fixture
def office(template, tmp_path):
    path = tmp_path / "office.db"
    shutil.copyfile(template, path)
    return path


def _sqlite(path, *statements):
    conn = sqlite3.connect(str(path))
    try:
        for sql in statements:
            conn.execute(sql)
        conn.commit()
    finally:
        conn.close()


def _sweeps(path):
    db = open_database(path, daily_backup=False)
    try:
        return audit.verify_row_presence(db), audit.verify_rows(db)
    finally:
        close_database(db)


def test_a_clean_database_passes_both_sweeps(office):
    assert _sweeps(office) == ([], [])


@pytest.mark.parametrize("statements,expected", [
    (["DELETE FROM villages WHERE rowid = (SELECT max(rowid) FROM villages)"], "被删除"),
    (["INSERT INTO villages (uuid, township_code, updated_at, name) "
      "VALUES ('ghost-village', '330106001', '2026-01-01', '幽灵村')"], "没有经过程序写入"),
    (["UPDATE row_seals SET audit_id = (SELECT min(id) FROM audit_log WHERE row_hash IS NOT NULL "
      "AND table_name != 'tickets') WHERE table_name = 'tickets' AND row_key = (SELECT min(row_key) FROM row_seals "
      "WHERE table_name = 'tickets')"], "封记被改动"),
    (["DELETE FROM audit_log WHERE id = (SELECT max(audit_id) FROM row_seals)"], "审计日志被截断或清空"),
])
def test_the_index_only_sweep_finds_what_the_full_sweep_finds_without_hashing(office, statements, expected):
    _sqlite(office, *statements)
    presence, rows = _sweeps(office)
    assert any(expected in p for p in presence), presence
    assert any(expected in p for p in rows), rows


def test_a_content_edit_needs_the_full_check_and_the_fast_one_says_so(office, monkeypatch, capsys):
    _sqlite(office, "UPDATE tickets SET rating = coalesce(rating, 0) + 1 WHERE rowid = (SELECT max(rowid) FROM tickets)")
    presence, rows = _sweeps(office)
    assert presence == [] and any("被直接修改" in p for p in rows)

    # A small database: the default check hashes every row and finds it.
    assert main(["check", "--db", str(office)]) == 1
    assert "被直接修改" in capsys.readouterr().out

    # A county-sized one (threshold lowered): the default says contents were not hashed …
    monkeypatch.setattr(audit, "CONTENT_CHECK_MAX_ROWS", 10)
    assert main(["check", "--db", str(office)]) == 0
    out = capsys.readouterr().out
    assert "内容未逐行核对" in out and "check --full" in out
    # … and --full does.
    assert main(["check", "--full", "--db", str(office)]) == 1
    assert "被直接修改" in capsys.readouterr().out
