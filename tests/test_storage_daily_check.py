"""The day's quick_check (issue 14 §7): it reads the whole file (about 110 s over
the 10 GB county), so whoever pays it says so. A command prints one line first
(what, why, how big); the window runs it in the background for a big file,
says so at once in the status bar and records the day, so the next open that
day — the window's or a command's — skips it. The date is faked through the
backups folder's health file (the day the file last passed), as a new day would
leave it; SQLite itself is not touched."""

from __future__ import annotations

import datetime as dt
import json

from models.core.db import close_database, open_database
from models.core.paths import backup_dir_for
from tests.cli_helpers import run_cli
from tests.qt_helpers import wait_for_actions
from tests.township_files import township_file

NOTICE = "正在做今天的数据库快速检查（quick_check，每天一次）"


def _health(path) -> dict:
    return json.loads((backup_dir_for(path) / ".health.json").read_text(encoding="utf-8"))


def _checked_yesterday(path) -> str:
    """What the health file holds the morning after: the day it last passed is yesterday."""
    marker = backup_dir_for(path) / ".health.json"
    data = json.loads(marker.read_text(encoding="utf-8"))
    yesterday = (dt.date.today() - dt.timedelta(days=1)).isoformat()
    data["quick_check"] = yesterday
    marker.write_text(json.dumps(data), encoding="utf-8")
    return yesterday


def _check(path):
    out = run_cli("check", "--db", path, login=None)
    assert out.returncode == 0, out.stdout + out.stderr
    return [line for line in out.stderr.splitlines() if NOTICE in line]


def test_a_command_says_it_runs_the_day_s_quick_check_once_a_day(tmp_path):
    path = township_file(tmp_path)  # made just now: never checked
    today = dt.date.today().isoformat()
    first = _check(path)
    assert len(first) == 1 and "这个文件在本机还没有检查记录" in first[0], first
    assert "文件 " in first[0] and first[0].endswith("…"), first
    assert _health(path)["quick_check"] == today

    assert _check(path) == [], "checked already today: no quick_check, no line"

    yesterday = _checked_yesterday(path)
    lines = _check(path)
    assert len(lines) == 1 and f"今天第一次打开（上次检查：{yesterday}）" in lines[0], lines
    assert _health(path)["quick_check"] == today
    assert _check(path) == []


def test_the_window_checks_a_big_file_in_the_background_says_so_and_records_the_day(qtbot, tmp_path):
    """A file above the window's start-up limit (ui/app.py, 64 MB; 0 here for a small
    file, as open_database_interactive passes it) is opened without quick_check."""
    from models.core import users
    from ui.common.context import AppContext
    from ui.main_window import MainWindow

    path = township_file(tmp_path)
    _check(path)  # checked once, …
    yesterday = _checked_yesterday(path)  # … and now it is the next morning
    db = open_database(path, daily_backup=False, quick_check_max_bytes=0)
    assert db.quick_check_deferred
    window = MainWindow(AppContext(db, path, users.login(db, "admin", "secret123")))
    qtbot.addWidget(window)
    shown: list[str] = []
    window.statusBar().messageChanged.connect(shown.append)
    window.show()
    try:
        qtbot.waitUntil(lambda: any("已通过" in m for m in shown), timeout=20000)
        wait_for_actions(qtbot)
        said = [m for m in shown if NOTICE in m]
        assert said and f"今天第一次打开（上次检查：{yesterday}）" in said[0] and "可以照常使用" in said[0], shown
        assert _health(path)["quick_check"] == dt.date.today().isoformat(), "the window's check records the day"
    finally:
        window.close_without_saving_state()
        close_database(db)

    again = open_database(path, daily_backup=False, quick_check_max_bytes=0)
    try:
        assert not again.quick_check_deferred and again.quick_checked, "once a day: passed today already"
    finally:
        close_database(again)
    assert _check(path) == [], "a command after the window's check pays none either"


def test_a_stopped_quick_check_is_no_finding_and_records_nothing(tmp_path):
    """Closing the window stops its background check (minutes over a county's file:
    the program stayed alive, unseen, until it ended); stopped is not 'damaged'."""
    import pytest

    from models.core.db import QuickCheckStopped, quick_check, scheduled_quick_check

    path = township_file(tmp_path)
    _check(path)
    yesterday = _checked_yesterday(path)
    polled: list[int] = []
    with pytest.raises(QuickCheckStopped):
        scheduled_quick_check(path, stop=lambda: polled.append(1) or True)
    assert polled, "SQLite polled the stop while it worked"
    assert _health(path)["quick_check"] == yesterday, "a stopped check records no day"
    assert quick_check(path, stop=lambda: False) == "ok"


def test_closing_the_window_stops_its_background_check(qtbot, tmp_path):
    from models.core import users
    from ui.common.context import AppContext
    from ui.main_window import MainWindow

    path = township_file(tmp_path)
    _check(path)
    yesterday = _checked_yesterday(path)
    db = open_database(path, daily_backup=False, quick_check_max_bytes=0)
    window = MainWindow(AppContext(db, path, users.login(db, "admin", "secret123")))
    qtbot.addWidget(window)
    window.show()
    try:
        window.close()  # before the check begins (it starts 0.5 s after the window)
        qtbot.wait(1500)
        wait_for_actions(qtbot)
        assert _health(path)["quick_check"] == yesterday, "no check ran after the window closed"
    finally:
        close_database(db)
