"""Issue 22: the window's start paints its login (or first-run) dialog first and
opens the file behind it. Every way an open can go is driven here in a real
process started through cli.main, as main.py starts it, on real files: the
dialog's 登录 button waits (正在打开数据库…) and the dialog does not move when
the file is open; a damaged file's restore offer, a refused file, a newer
schema, another window having the file come over the dialog; cancelling ends
the program with exit code 1. The boxes are answered by clicking their buttons
while they are on screen, the login by typing into the dialog."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from tests.township_files import township_file

ROOT = Path(__file__).resolve().parent.parent
HOLDER = ROOT / "tests" / "storage_child.py"

DRIVER = r"""
import json, sys
sys.path.insert(0, sys.argv[3])
import cli
import ui.app as uiapp

plan = json.loads(sys.argv[2])
events = []


def snapshot(dialog):
    return {"class": type(dialog).__name__, "enabled": dialog.ok_button.isEnabled(),
            "message": dialog.error.text(), "title": getattr(getattr(dialog, "title", None), "text", lambda: "")(),
            "size": [dialog.width(), dialog.height()],
            "fields": [[w.x(), w.y(), w.width(), w.height()] for w in (dialog.username, dialog.password)]}


qt_application = uiapp._application


def application_with_driver():
    from PySide6.QtCore import QEvent, QObject, QTimer
    from PySide6.QtWidgets import QApplication, QMainWindow, QMessageBox
    from ui.core.login import FirstRunDialog, LoginDialog

    app, created = qt_application()
    painted = set()
    typed = {}

    class FirstPaint(QObject):
        def eventFilter(self, obj, event):
            if (event.type() == QEvent.Type.Paint and isinstance(obj, (LoginDialog, FirstRunDialog))
                    and id(obj) not in painted):
                painted.add(id(obj))
                events.append(["painted", snapshot(obj), "sqlite_utils" in sys.modules])
            return False

    def step():
        for widget in QApplication.topLevelWidgets():
            if not widget.isVisible():
                continue
            if isinstance(widget, QMessageBox):
                parent = widget.parentWidget()
                events.append(["box", widget.windowTitle(), widget.text(), type(parent).__name__ if parent else None])
                wanted = plan.get("boxes", {}).get(widget.windowTitle())
                buttons = [b for b in widget.buttons() if wanted is None or b.text() == wanted]
                (buttons[0] if buttons else widget.buttons()[0]).click()
                return
            if isinstance(widget, (LoginDialog, FirstRunDialog)) and widget.ok_button.isEnabled() \
                    and not widget.busy:
                done = typed.setdefault(id(widget), [])
                events.append(["ready", snapshot(widget)])
                attempts = plan.get("attempts", [])
                if len(done) >= len(attempts):
                    widget.reject()  # 退出
                    return
                for name, value in attempts[len(done)].items():
                    getattr(widget, name).setText(value)
                done.append(True)
                widget.ok_button.click()
                return
            if isinstance(widget, QMainWindow):
                from PySide6.QtWidgets import QTableView

                equipped = [getattr(v, "_office_table", None) is not None
                            for v in widget.findChildren(QTableView) if v.isVisible()]
                events.append(["window", widget.ctx.actor.role, bool(widget.ctx.db.read_only_reason),
                               bool(equipped) and all(equipped)])
                widget.close_without_saving_state()
                app.quit()
                return

    app._driver_filter = FirstPaint()
    app.installEventFilter(app._driver_filter)
    timer = QTimer(app)
    timer.timeout.connect(step)
    timer.start(40)
    QTimer.singleShot(60000, app.quit)  # never hang the test
    return app, created


uiapp._application = application_with_driver
code = cli.main(["--db", sys.argv[1]])
print("EVENTS " + json.dumps(events), flush=True)
sys.exit(code)
"""

LOGIN = {"attempts": [{"username": "admin", "password": "secret123"}]}


def _start(path: Path, plan: dict, tmp_path: Path) -> tuple[int, list]:
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", XDG_CONFIG_HOME=str(tmp_path / "config"),
               XDG_DATA_HOME=str(tmp_path / "data"))
    done = subprocess.run([sys.executable, "-c", DRIVER, str(path), json.dumps(plan), str(ROOT)], cwd=ROOT, env=env,
                          capture_output=True, text=True, encoding="utf-8", timeout=180)
    lines = [line for line in done.stdout.splitlines() if line.startswith("EVENTS ")]
    assert lines, f"the program did not finish its start (exit {done.returncode}): {done.stderr[-3000:]}"
    return done.returncode, json.loads(lines[0][len("EVENTS "):])


def _kinds(events: list) -> list[str]:
    return [e[0] for e in events]


def test_the_login_dialog_waits_for_the_file_and_does_not_move(tmp_path):
    path = township_file(tmp_path)
    code, events = _start(path, LOGIN, tmp_path)
    assert code == 0 and _kinds(events) == ["painted", "ready", "window"], events
    painted, ready = events[0][1], events[1][1]
    assert events[0][2] is False, "sqlite-utils was imported before the login dialog's first paint"
    assert painted["class"] == "LoginDialog" and "测试镇" in painted["title"]
    assert not painted["enabled"] and painted["message"] == "正在打开数据库…"
    assert ready["enabled"] and ready["message"] == ""
    assert ready["size"] == painted["size"] and ready["fields"] == painted["fields"], "the dialog moved"
    # The main window's tables got the office tables' equipment (installed behind the dialog).
    assert events[2][1:] == ["admin", False, True]


def test_a_wrong_password_is_refused_in_the_dialog_painted_first(tmp_path):
    path = township_file(tmp_path)
    plan = {"attempts": [{"username": "admin", "password": "wrong-one"}, {"password": "secret123"}]}
    code, events = _start(path, plan, tmp_path)
    assert code == 0 and _kinds(events) == ["painted", "ready", "ready", "window"], events
    assert "错误" in events[2][1]["message"]


def test_no_file_yet_paints_the_first_run_dialog_and_creates_the_administrator(tmp_path):
    path = tmp_path / "new" / "township.db"
    plan = {"attempts": [{"township_name": "新安镇", "township_code": "330106002", "password": "secret123",
                          "password2": "secret123"}]}
    code, events = _start(path, plan, tmp_path)
    assert code == 0 and _kinds(events) == ["painted", "ready", "window"], events
    assert events[0][1]["class"] == "FirstRunDialog" and not events[0][1]["enabled"]
    assert events[0][1]["message"] == "正在打开数据库…"
    assert events[2][1] == "admin"
    assert path.exists()


def test_a_damaged_file_is_offered_its_backup_over_the_login_dialog(tmp_path):
    path, _backup = township_file(tmp_path, with_backup=True)
    with open(path, "r+b") as f:
        f.write(b"\x00" * 16)  # the header: no longer recognisable as SQLite
    code, events = _start(path, {**LOGIN, "boxes": {"数据库已损坏": "用最新备份恢复"}}, tmp_path)
    assert code == 0, events
    assert _kinds(events) == ["painted", "box", "box", "ready", "window"], events
    assert events[1][1] == "数据库已损坏" and events[1][3] == "LoginDialog"
    assert events[2][1] == "已恢复"
    # The first look could not read the damaged file: the name comes once the restored file is open.
    assert "测试镇" not in events[0][1]["title"] and "测试镇" in events[3][1]["title"]


def test_declining_the_restore_ends_the_program(tmp_path):
    path, _backup = township_file(tmp_path, with_backup=True)
    with open(path, "r+b") as f:
        f.write(b"\x00" * 16)
    damaged = path.read_bytes()
    code, events = _start(path, {**LOGIN, "boxes": {"数据库已损坏": "取消"}}, tmp_path)
    assert code == 1 and _kinds(events) == ["painted", "box"], events
    assert path.read_bytes() == damaged


def test_a_file_that_is_not_ours_is_refused_and_left_alone(tmp_path):
    path = tmp_path / "report.db"
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE sales (x)")
    conn.commit()
    conn.close()
    before = path.read_bytes()
    code, events = _start(path, LOGIN, tmp_path)
    assert code == 1 and _kinds(events) == ["painted", "box"], events
    assert events[1][1] == "无法打开数据库" and "不是本程序的数据库" in events[1][2]
    assert events[1][3] == "LoginDialog"
    assert path.read_bytes() == before


def test_a_file_from_a_newer_program_is_refused(tmp_path):
    path = township_file(tmp_path)
    conn = sqlite3.connect(path)
    conn.execute("INSERT INTO _sqlite_migrations (migration_set, name, applied_at) VALUES ('core', 'm999_future', '')")
    conn.commit()
    conn.close()
    code, events = _start(path, LOGIN, tmp_path)
    assert code == 1 and _kinds(events) == ["painted", "box"], events
    assert "更新版本" in events[1][2]


@pytest.fixture
def holder(tmp_path):
    path = township_file(tmp_path)
    proc = subprocess.Popen([sys.executable, str(HOLDER), "hold", str(path), "window"], stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, encoding="utf-8",
                            cwd=str(ROOT))
    assert proc.stdout.readline().strip() == "ready", proc.stderr.read()
    yield path
    proc.kill()
    proc.wait(timeout=30)


def test_another_window_having_the_file_is_asked_over_the_dialog(holder, tmp_path):
    code, events = _start(holder, {**LOGIN, "boxes": {"数据库已在别处打开": "只读打开"}}, tmp_path)
    assert code == 0 and _kinds(events) == ["painted", "box", "ready", "window"], events
    assert events[1][3] == "LoginDialog"
    assert events[3][1:3] == ["readonly", True]


def test_cancelling_the_other_window_question_ends_the_program(holder, tmp_path):
    code, events = _start(holder, {**LOGIN, "boxes": {"数据库已在别处打开": "取消"}}, tmp_path)
    assert code == 1 and _kinds(events) == ["painted", "box"], events


def test_quitting_at_the_login_dialog_closes_the_file(tmp_path):
    path = township_file(tmp_path)
    code, events = _start(path, {"attempts": []}, tmp_path)
    assert code == 1 and _kinds(events) == ["painted", "ready"], events
    # Closed cleanly: no -wal left, nobody holds the lock.
    assert not Path(str(path) + "-wal").exists()


def test_a_file_of_the_first_release_is_migrated_behind_the_dialog_with_its_backup(tmp_path):
    from models.core.db import close_database, known_migrations, list_backups, open_database, schema_version
    from tests.test_reliability_migrations import _unpack

    path, expected = _unpack("schema_v1", tmp_path)
    assert len(expected["migrations"]) < len(known_migrations())  # something to migrate
    code, events = _start(path, {"attempts": []}, tmp_path)  # 退出 once the dialog takes the password
    assert code == 1 and _kinds(events) == ["painted", "ready"], events
    assert not events[0][1]["enabled"] and events[1][1]["enabled"]
    assert any("before-migration" in b.name for b in list_backups(path))
    db = open_database(path, daily_backup=False)
    try:
        assert schema_version(db.conn) == len(known_migrations())
    finally:
        close_database(db)


def test_a_full_disk_opens_read_only_and_says_so(tmp_path):
    """The login runs on a worker connection; on a full disk it could not create the -shm
    that the window's immutable connection never needed ('disk I/O error', 意外错误)."""
    from tests.test_storage_disk import _fill, _mount, _office

    if os.geteuid() != 0:
        pytest.skip("mounting a tmpfs needs root")
    disk = tmp_path / "disk"
    _mount(disk)
    try:
        path = disk / "township.db"
        _office(path, villages=20)
        filler = _fill(disk)
        code, events = _start(path, LOGIN, tmp_path)
        assert code == 0 and _kinds(events) == ["painted", "ready", "box", "window"], events
        assert events[2][1] == "只读打开" and "磁盘已满" in events[2][2]
        assert events[3][1:3] == ["readonly", True]
        filler.unlink()
    finally:
        subprocess.run(["umount", "-l", str(disk)], check=False)
