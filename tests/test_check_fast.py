"""Issue 14 point 7: `check` has a fast default at county scale.

Hashing every sealed row costs about 20 µs a row in Python (over 1.5 minutes for
a county of 1,000,000 tickets), so above audit.CONTENT_CHECK_MAX_ROWS the default
`check` runs only the part SQLite answers from its indexes (rows nobody audited,
sealed rows that are gone, seals whose audit row is missing or names another row)
and says that contents need `check --full`. These tests tamper with a real file
through SQLite itself and compare both sweeps."""

from __future__ import annotations

import pytest

from cli import main
from models.core import audit
from models.core.db import close_database, open_database
from tests import test_reliability_proof as proof

# The proof tests' office file (a demo copied per test) and their SQLite-only edits.
demo_template = proof.demo_template
demo_path = proof.demo_path
_sqlite = proof._sqlite


def _sweeps(path):
    db = open_database(path, daily_backup=False)
    try:
        return audit.verify_row_presence(db), audit.verify_rows(db)
    finally:
        close_database(db)


def test_a_clean_database_passes_both_sweeps(demo_path):
    assert _sweeps(demo_path) == ([], [])


@pytest.mark.parametrize("statements,expected", [
    (["DELETE FROM villages WHERE rowid = (SELECT max(rowid) FROM villages)"], "被删除"),
    (["INSERT INTO villages (uuid, township_code, updated_at, name) "
      "VALUES ('ghost-village', '330106001', '2026-01-01', '幽灵村')"], "没有经过程序写入"),
    (["UPDATE row_seals SET audit_id = (SELECT min(id) FROM audit_log WHERE row_hash IS NOT NULL "
      "AND table_name != 'tickets') WHERE table_name = 'tickets' AND row_key = (SELECT min(row_key) FROM row_seals "
      "WHERE table_name = 'tickets')"], "封记被改动"),
    (["DELETE FROM audit_log WHERE id = (SELECT max(audit_id) FROM row_seals)"], "审计日志被截断或清空"),
])
def test_the_index_only_sweep_finds_what_the_full_sweep_finds_without_hashing(demo_path, statements, expected):
    _sqlite(demo_path, *statements)
    presence, rows = _sweeps(demo_path)
    assert any(expected in p for p in presence), presence
    assert any(expected in p for p in rows), rows


def test_a_content_edit_needs_the_full_check_and_the_fast_one_says_so(demo_path, monkeypatch, capsys):
    _sqlite(demo_path, "UPDATE tickets SET rating = coalesce(rating, 0) + 1 WHERE rowid = (SELECT max(rowid) FROM tickets)")
    presence, rows = _sweeps(demo_path)
    assert presence == [] and any("被直接修改" in p for p in rows)

    # A small database: the default check hashes every row and finds it.
    assert main(["check", "--db", str(demo_path)]) == 1
    assert "被直接修改" in capsys.readouterr().out

    # A county-sized one (threshold lowered): the default says contents were not hashed …
    monkeypatch.setattr(audit, "CONTENT_CHECK_MAX_ROWS", 10)
    assert main(["check", "--db", str(demo_path)]) == 0
    out = capsys.readouterr().out
    assert "内容未逐行核对" in out and "check --full" in out
    # … and --full does.
    assert main(["check", "--full", "--db", str(demo_path)]) == 1
    assert "被直接修改" in capsys.readouterr().out
