"""A second window on a file that another process (a window or a command)
has open is told so, by whom, and may open it read-only or go on. The other
process is real; the dialog's button is clicked the way a clerk would."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from tests.township_files import township_file
from PySide6.QtWidgets import QMessageBox

ROOT = Path(__file__).resolve().parent.parent
CHILD = ROOT / "tests" / "storage_child.py"


@pytest.fixture
def saved_db(tmp_path):
    return township_file(tmp_path)


@pytest.fixture
def holder(saved_db):
    proc = subprocess.Popen([sys.executable, str(CHILD), "hold", str(saved_db), "window"], stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, encoding="utf-8",
                            cwd=str(ROOT))
    assert proc.stdout.readline().strip() == "ready", proc.stderr.read()
    yield proc
    proc.kill()
    proc.wait(timeout=30)


def _answer(monkeypatch, button_text: str) -> list:
    shown = []

    def fake_exec(box):
        shown.append((box.windowTitle(), box.text()))
        for button in box.buttons():
            if button.text() == button_text:
                button.click()
        return 0

    monkeypatch.setattr(QMessageBox, "exec", fake_exec)
    for name in ("information", "warning", "critical"):
        monkeypatch.setattr(QMessageBox, name, staticmethod(
            lambda parent, title, text, *a, **k: shown.append((title, text))))
    return shown


def _login_as_admin(monkeypatch):
    import ui.app
    from models.core import users

    monkeypatch.setattr(ui.app, "login_interactive", lambda parent, db, **kw: users.login(db, "admin", "secret123"))


def test_second_window_is_told_and_can_open_read_only(qtbot, saved_db, holder, monkeypatch):
    from models.core import township
    from models.core.db import StorageError
    from models.core.users import READONLY
    from ui.app import Controller

    shown = _answer(monkeypatch, "只读打开")
    _login_as_admin(monkeypatch)
    controller = Controller()
    assert controller.open(saved_db)
    try:
        title, text = shown[0]
        assert title == "数据库已在别处打开" and f"进程 {holder.pid}" in text and "窗口" in text
        ctx = controller.window.ctx
        assert ctx.actor.role == READONLY and ctx.db.read_only_reason
        with pytest.raises(StorageError) as info:
            township.add_village(ctx.db, ctx.actor.__class__("admin", "admin", "管理员"), "只读村", 1)
        assert "只读" in info.value.message
    finally:
        controller.window.close_without_saving_state()
        controller.close()


def test_second_window_may_go_on_and_both_write(qtbot, saved_db, holder, monkeypatch):
    from models.core import township
    from models.core.users import ADMIN
    from ui.app import Controller

    shown = _answer(monkeypatch, "继续打开")
    _login_as_admin(monkeypatch)
    controller = Controller()
    assert controller.open(saved_db)
    try:
        assert shown and shown[0][0] == "数据库已在别处打开"
        ctx = controller.window.ctx
        assert ctx.actor.role == ADMIN and not ctx.db.read_only_reason
        township.add_village(ctx.db, ctx.actor, "第二窗口村", 3)
    finally:
        controller.window.close_without_saving_state()
        controller.close()


def test_cancel_opens_nothing(qtbot, saved_db, holder, monkeypatch):
    from ui.app import Controller

    shown = _answer(monkeypatch, "取消")
    controller = Controller()
    assert not controller.open(saved_db)
    assert shown[0][0] == "数据库已在别处打开" and controller.db is None


def test_alone_no_question(qtbot, saved_db, monkeypatch):
    from ui.app import Controller

    shown = _answer(monkeypatch, "取消")
    _login_as_admin(monkeypatch)
    controller = Controller()
    assert controller.open(saved_db)
    try:
        assert shown == []
    finally:
        controller.window.close_without_saving_state()
        controller.close()


def test_a_command_holding_the_file_asks_nothing(qtbot, saved_db, monkeypatch):
    """Only another window is worth a question: an unattended start (a script,
    the benchmark) must not stop at a modal dialog while a command runs."""
    from ui.app import Controller

    proc = subprocess.Popen([sys.executable, str(CHILD), "hold", str(saved_db), "command"], stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, encoding="utf-8",
                            cwd=str(ROOT))
    try:
        assert proc.stdout.readline().strip() == "ready", proc.stderr.read()
        shown = _answer(monkeypatch, "取消")
        _login_as_admin(monkeypatch)
        controller = Controller()
        assert controller.open(saved_db)
        assert shown == []
        controller.window.close_without_saving_state()
        controller.close()
    finally:
        proc.kill()
        proc.wait(timeout=30)
