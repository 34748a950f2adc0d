"""设置 → 审计日志 offers the full check itself (issue 14 §7): its 完整核对 runs
what `check --full` runs, off the GUI thread with progress and 取消, shows what
was checked, the findings naming table and row, and the time; it keeps the
mark and the time of this full check as the command line does. The page's
coverage line names the button, not the command line's flag. The file is the
proof tests' office, edited through SQLite as someone with the SQLite tool would."""

from __future__ import annotations

import sqlite3

import pytest

from models.core import audit, users
from models.core.db import check_mark, close_database, open_database, sqlite_progress
from tests import test_reliability_proof as proof
from tests.qt_helpers import wait_for_actions

demo_template = proof.demo_template
demo_path = proof.demo_path


def _value(path, sql):
    conn = sqlite3.connect(path)
    try:
        return conn.execute(sql).fetchone()[0]
    finally:
        conn.close()


@pytest.fixture
def audit_page(qtbot, demo_path):
    from cli import main
    from ui.common.context import AppContext
    from ui.core.settings_dialog import SettingsDialog

    assert main(["check", "--db", str(demo_path)]) == 0  # a clean check: the page goes on from its mark
    db = open_database(demo_path, daily_backup=False)
    dialog = SettingsDialog(AppContext(db, db.path, users.login(db, "admin", "demo1234")), page=5)
    qtbot.addWidget(dialog)
    wait_for_actions(qtbot)  # the page's audit line is verified off the GUI thread
    yield dialog, demo_path
    close_database(db)


def test_the_coverage_line_names_the_window_s_full_check(audit_page, monkeypatch):
    dialog, _path = audit_page
    text = dialog.audit_state.text()
    assert "由此前的检查核对过" in text and "需用下方的“完整核对”才能发现" in text, text
    assert "check --full" not in text and "--full" not in text
    assert dialog.full_check_button.text() == "完整核对"


def test_the_full_check_finds_a_row_edited_with_sqlite_before_the_mark_and_keeps_the_old_mark(audit_page, qtbot,
                                                                                             monkeypatch):
    dialog, path = audit_page
    monkeypatch.setattr(audit, "CONTENT_CHECK_MAX_ROWS", 10)  # county-sized: the default would not see these
    mark = check_mark(path)
    proof._sqlite(path,
                  "UPDATE audit_log SET actor = 'someone' WHERE id = 5",
                  "UPDATE tickets SET rating = coalesce(rating, 0) + 1 WHERE rowid = (SELECT min(rowid) FROM tickets)")
    ticket = _value(path, "SELECT uuid FROM tickets WHERE rowid = (SELECT min(rowid) FROM tickets)")
    dialog.full_check_button.click()
    wait_for_actions(qtbot, timeout=60000)
    summary = dialog.full_check_summary.text()
    assert summary.startswith("完整核对：发现 2 处问题"), summary
    assert "审计日志" in summary and "逐条重新核对" in summary and "完成，用时" in summary, summary
    lines = dialog.full_check_lines.toPlainText()
    assert dialog.full_check_lines.isVisibleTo(dialog)
    assert "审计日志第 5 条内容被改动" in lines, lines
    assert f"办件（tickets）中的记录 {ticket}" in lines and "被直接修改" in lines, lines
    assert "结论：有问题" in lines
    assert check_mark(path) == mark, "a check that found problems leaves the mark where it was"


def test_a_clean_full_check_keeps_the_mark_with_its_time_as_the_last_full_check(audit_page, qtbot):
    dialog, path = audit_page
    before = check_mark(path)
    dialog.full_check_button.click()
    wait_for_actions(qtbot, timeout=60000)
    summary = dialog.full_check_summary.text()
    assert summary.startswith("完整核对：未发现问题。数据库逐页核对（integrity_check），审计日志 "), summary
    mark = check_mark(path)
    assert mark["full_at"] == mark["checked_at"] and mark["checked_at"] >= before["checked_at"]
    lines = dialog.full_check_lines.toPlainText()
    assert "完整性：ok（完整检查 integrity_check）" in lines and "与审计日志一致（逐行核对内容）" in lines
    assert "结论：正常" in lines
    when = mark["full_at"].replace("T", " ")
    assert f"上次完整核对：{when}" in dialog.audit_state.text()  # the page's line refreshed from the new mark


def test_the_full_check_stops_when_its_progress_is_cancelled(demo_path):
    """What the window's 取消 does: the progress callback raises (TaskCancelled)
    during a long read; SQLite is interrupted and the callback's exception comes out."""
    import time

    class Cancelled(Exception):
        pass

    calls = []

    def progress(seconds):
        calls.append(seconds)
        raise Cancelled

    db = open_database(demo_path, daily_backup=False)
    try:
        started = time.monotonic()
        with pytest.raises(Cancelled):
            with sqlite_progress(db.conn, progress, started):
                # A read of many seconds (counting to 50 million).
                db.execute("WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 50000000) "
                           "SELECT count(*) FROM n").fetchone()
        assert len(calls) == 1 and 1.0 <= calls[0] < 2.5, calls
        assert time.monotonic() - started < 2.5, "the read went on after the cancel"
        assert db.execute("SELECT count(*) FROM villages").fetchone()[0] > 0  # the connection still works
    finally:
        close_database(db)
