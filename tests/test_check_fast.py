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


# ---- the mark of the last clean check: the default goes on from there -------------------------
# The audit chain of a county holds millions of rows; the default check hashes only the rows after
# the last clean check's mark (kept in the backups folder's marker file, outside the database).
# "A window" below is a connection this test keeps open while SQLite edits the file, as a clerk's
# window would be: an edit made while no program of ours has the file open makes the next open forget
# the mark (the file changed behind our back), so the default check hashes everything again.

from contextlib import contextmanager  # noqa: E402

from models.core import records  # noqa: E402
from models.core.db import backup_database, check_mark, forget_check_mark, restore_backup  # noqa: E402
from models.core.users import CLI_ACTOR  # noqa: E402


def _check(path, capsys, *extra) -> tuple[int, str]:
    code = main(["check", *extra, "--db", str(path)])
    return code, capsys.readouterr().out


def _audit_line(out: str) -> str:
    return next(line for line in out.splitlines() if line.startswith("审计日志："))


def _rows_line(out: str) -> str:
    return next(line for line in out.splitlines() if line.startswith("数据记录："))


@contextmanager
def _window(path):
    db = open_database(path, daily_backup=False)
    try:
        yield db
    finally:
        close_database(db)


def _rename_a_village(path, name) -> str:
    """A change made by the program (audited and sealed): returns the village's key."""
    db = open_database(path, daily_backup=False)
    try:
        key = db.execute("SELECT uuid FROM villages ORDER BY id LIMIT 1").fetchone()[0]
        with db.atomic():
            records.update(db, "villages", key, {"name": name}, CLI_ACTOR)
        return key
    finally:
        close_database(db)


def test_the_first_check_hashes_everything_and_the_next_goes_on_from_its_mark(demo_path, capsys):
    code, out = _check(demo_path, capsys)
    assert code == 0, out
    assert "没有上次核对的记号" in _audit_line(out)
    mark = check_mark(demo_path)
    assert mark and mark["audit_id"] > 0 and mark["max_rowids"]["tickets"] > 0 and mark["full_at"], mark

    _rename_a_village(demo_path, "改名村")
    code, out = _check(demo_path, capsys)
    assert code == 0, out
    line = _audit_line(out)
    assert f"第 1–{mark['audit_id']} 条由此前的检查核对过" in line and "后新增的 1 条" in line, line
    assert "check --full" in line and "上次完整核对" in line
    assert check_mark(demo_path)["audit_id"] == mark["audit_id"] + 1


def test_an_edit_after_the_mark_is_found_by_the_default_check(demo_path, capsys, monkeypatch):
    monkeypatch.setattr(audit, "CONTENT_CHECK_MAX_ROWS", 10)  # county-sized: rows checked from the mark too
    assert _check(demo_path, capsys)[0] == 0
    key = _rename_a_village(demo_path, "改名村")
    assert _check(demo_path, capsys)[0] == 0
    assert "后新增的 0 条" in _audit_line(_check(demo_path, capsys)[1])
    mark = check_mark(demo_path)

    key = _rename_a_village(demo_path, "又改名村")
    with _window(demo_path):
        # The audit row of that change, the village itself, and a row slipped in: all after the mark.
        _sqlite(demo_path,
                "UPDATE audit_log SET actor = 'someone' WHERE id = (SELECT max(id) FROM audit_log)",
                f"UPDATE villages SET households = coalesce(households, 0) + 7 WHERE uuid = '{key}'",
                "INSERT INTO villages (uuid, township_code, updated_at, name) "
                "VALUES ('ghost-village', '330106001', '2026-01-01', '幽灵村')")
        code, out = _check(demo_path, capsys)
    assert code == 1, out
    assert "由此前的检查核对过" not in out  # a finding, not a coverage note
    assert f"审计日志第 {mark['audit_id'] + 1} 条内容被改动" in out
    assert f"villages 中的记录 {key} 与最后一次审计记录的内容不符" in out
    assert "ghost-village 没有经过程序写入" in out
    assert check_mark(demo_path) == mark, "a check that found problems leaves the mark where it was"


def test_an_edit_before_the_mark_is_found_by_full_and_the_default_says_what_it_skipped(demo_path, capsys,
                                                                                     monkeypatch):
    monkeypatch.setattr(audit, "CONTENT_CHECK_MAX_ROWS", 10)
    assert _check(demo_path, capsys)[0] == 0
    mark = check_mark(demo_path)
    with _window(demo_path):
        _sqlite(demo_path,
                "UPDATE audit_log SET actor = 'someone' WHERE id = 5",
                "UPDATE tickets SET rating = coalesce(rating, 0) + 1 WHERE rowid = (SELECT min(rowid) FROM tickets)")
        code, out = _check(demo_path, capsys)
        assert code == 0, out
        audit_line, rows_line = _audit_line(out), _rows_line(out)
        when = mark["checked_at"].replace("T", " ")
        assert f"上次核对（{when}）后新增的 0 条" in audit_line
        assert f"第 1–{mark['audit_id']} 条由此前的检查核对过" in audit_line
        assert "之后若被其他工具改动或删除，需用 check --full 才能发现" in audit_line
        assert "条记录的内容和封记本次未重新核对" in rows_line and "check --full" in rows_line

        code, out = _check(demo_path, capsys, "--full")
    assert code == 1, out
    assert "审计日志第 5 条内容被改动" in out and "tickets 中的记录" in out and "被直接修改" in out


def test_an_edit_made_while_no_program_had_the_file_open_makes_the_default_hash_everything(demo_path, capsys):
    assert _check(demo_path, capsys)[0] == 0
    assert check_mark(demo_path)
    _sqlite(demo_path, "UPDATE audit_log SET actor = 'someone' WHERE id = 5")  # no window open
    code, out = _check(demo_path, capsys)
    assert code == 1 and "审计日志第 5 条内容被改动" in out, out


def test_audit_rows_cut_at_the_end_are_found(demo_path, capsys):
    assert _check(demo_path, capsys)[0] == 0
    _rename_a_village(demo_path, "改名村")
    _rename_a_village(demo_path, "又改名村")
    with _window(demo_path):
        # After the mark: the head row still names the two rows that are gone.
        _sqlite(demo_path, "DELETE FROM audit_log WHERE id > (SELECT max(id) - 2 FROM audit_log)")
        code, out = _check(demo_path, capsys)
        assert code == 1 and "审计日志末尾的记录被删除或改动" in out, out

        # Cut back before the mark, head row made to agree: the chain alone looks whole, the mark does not.
        mark = check_mark(demo_path)
        _sqlite(demo_path, f"DELETE FROM audit_log WHERE id > {mark['audit_id'] - 3}",
                "UPDATE audit_head SET last_id = (SELECT max(id) FROM audit_log), row_count = (SELECT count(*) "
                "FROM audit_log), last_hash = (SELECT hash FROM audit_log ORDER BY id DESC LIMIT 1)")
        code, out = _check(demo_path, capsys)
    assert code == 1, out
    assert f"当时核对到第 {mark['audit_id']} 条" in out and "现在没有这一条" in out
    assert "审计日志被截断或改写" in out


def test_a_restored_older_file_is_checked_from_the_start(demo_path, capsys):
    """The mark was made before the backup, so the backup holds the marked row unchanged: a stale mark
    would pass the audit row someone edited in the backup. Restoring forgets the mark."""
    assert _check(demo_path, capsys)[0] == 0
    db = open_database(demo_path, daily_backup=False)
    try:
        backup = backup_database(db, reason="manual")
    finally:
        close_database(db)
    _rename_a_village(demo_path, "改名村")
    assert _check(demo_path, capsys)[0] == 0
    _sqlite(backup, "UPDATE audit_log SET actor = 'someone' WHERE id = 5")
    restore_backup(backup, demo_path)
    assert check_mark(demo_path) is None
    code, out = _check(demo_path, capsys)
    assert code == 1 and "审计日志第 5 条内容被改动" in out, out


@pytest.mark.parametrize("with_window", [False, True])
def test_an_older_copy_put_over_the_file_is_not_passed_on_a_stale_mark(demo_path, tmp_path, capsys, with_window):
    """An older copy of the file (edited) copied over it by hand. While nobody has it open, the next
    open sees the file changed and forgets the mark; with a window open the mark stays, but its row
    is not in the copy (or holds another hash) and check says so."""
    assert _check(demo_path, capsys)[0] == 0
    older = tmp_path / "older.db"
    shutil.copyfile(demo_path, older)
    _rename_a_village(demo_path, "改名村")
    assert _check(demo_path, capsys)[0] == 0
    _sqlite(older, "UPDATE audit_log SET actor = 'someone' WHERE id = 5")
    if with_window:
        with _window(demo_path) as db:
            # What a copy over a file in use amounts to: its contents replaced under the connection.
            source = sqlite3.connect(str(older))
            try:
                source.backup(db.conn)
            finally:
                source.close()
            code, out = _check(demo_path, capsys)
        assert "审计日志与上次核对" in out and "现在没有这一条" in out, out
    else:
        shutil.copyfile(older, demo_path)
        code, out = _check(demo_path, capsys)
        assert "没有上次核对的记号" not in out  # a finding was printed instead
    assert code == 1 and "审计日志第 5 条内容被改动" in out, out


def test_a_copy_elsewhere_has_no_mark(demo_path, tmp_path, capsys):
    assert _check(demo_path, capsys)[0] == 0
    copy = tmp_path / "elsewhere" / "office.db"
    copy.parent.mkdir()
    shutil.copyfile(demo_path, copy)
    assert check_mark(copy) is None
    code, out = _check(copy, capsys)
    assert code == 0 and "没有上次核对的记号" in _audit_line(out), out


def test_full_refreshes_the_mark_and_is_named_as_the_last_full_check(demo_path, capsys, monkeypatch):
    monkeypatch.setattr(audit, "CONTENT_CHECK_MAX_ROWS", 10)
    assert _check(demo_path, capsys)[0] == 0
    assert check_mark(demo_path)["full_at"] is None, "only the index-only sweep ran: never fully checked"
    _rename_a_village(demo_path, "改名村")
    assert _check(demo_path, capsys, "--full")[0] == 0
    mark = check_mark(demo_path)
    assert mark["full_at"] == mark["checked_at"]
    out = _check(demo_path, capsys)[1]
    when = mark["full_at"].replace("T", " ")
    assert f"上次完整核对：{when}" in _audit_line(out) and f"上次完整核对：{when}" in _rows_line(out)
    forget_check_mark(demo_path)
    assert check_mark(demo_path) is None
