"""While the password is typed, the program builds the main window for the account
named in the login dialog (issue 22: the window appears right after 登录). It is
hidden and not begun until that account's login succeeds; another account, a
cancelled login or a stale build get a window as before. The real start path
(Controller.start) on a real file, with the password typed into the dialog."""

from __future__ import annotations

import pytest

from tests.township_files import township_file


@pytest.fixture
def office(tmp_path):
    from models.core import users
    from models.core.db import close_database, open_database

    path = township_file(tmp_path)
    db = open_database(path)
    users.create_user(db, "clerk", "window123", users.WINDOW, "窗口", actor=users.login(db, "admin", "secret123"))
    close_database(db)
    return path


def _start(qtbot, path, last_user="admin"):
    import ui.app
    from ui.app import Controller

    ui.app.qsettings().setValue("last_user", last_user)
    controller = Controller()
    controller.start(path, equip_tables=False)
    qtbot.waitUntil(lambda: controller.starting is not None and controller.starting.ok_button.isEnabled(),
                    timeout=20000)
    return controller


def _prepared(qtbot, controller):
    qtbot.waitUntil(lambda: controller.prepared_window is not None, timeout=20000)
    return controller.prepared_window


def _log_in(qtbot, controller, username, password):
    dialog = controller.starting
    dialog.username.setText(username)
    dialog.password.setText(password)
    dialog.ok_button.click()
    qtbot.waitUntil(lambda: controller.window is not None and controller.window.isVisible(), timeout=20000)


def _audit_actions(db) -> list[str]:
    return [r[0] for r in db.execute("SELECT action FROM audit_log ORDER BY id")]


def _audit_actions_in_file(path) -> list[str]:
    import sqlite3

    with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as conn:
        return [r[0] for r in conn.execute("SELECT action FROM audit_log ORDER BY id")]


def _close(controller):
    if controller.window is not None:
        controller.window.close_without_saving_state()
    controller.close()


def test_the_window_is_built_behind_the_dialog_and_shown_after_the_login(qtbot, office):
    controller = _start(qtbot, office)
    try:
        prepared = _prepared(qtbot, controller)
        db = controller.starting.db
        # Built, but not the user's yet: hidden, no idle lock or timers, nothing written.
        assert not prepared.isVisible() and prepared.session is None
        assert prepared.tab_titles()[prepared.tabs.currentIndex()] == "领导班子"
        before = _audit_actions(db)
        assert before == _audit_actions_in_file(office), "something was written before the login"
        _log_in(qtbot, controller, "admin", "secret123")
        assert controller.window is prepared and controller.prepared_window is None
        assert prepared.session is not None and prepared.daily_backup_timer.isActive()
        assert _audit_actions(db)[len(before):] == ["login"]
        assert prepared.ctx.actor.username == "admin"
    finally:
        _close(controller)


def test_a_wrong_password_shows_nothing_and_the_right_one_the_prepared_window(qtbot, office):
    controller = _start(qtbot, office)
    try:
        prepared = _prepared(qtbot, controller)
        dialog = controller.starting
        dialog.password.setText("wrong-one")
        dialog.ok_button.click()
        qtbot.waitUntil(lambda: "错误" in dialog.error.text(), timeout=20000)
        assert controller.window is None and not prepared.isVisible() and prepared.session is None
        _log_in(qtbot, controller, "admin", "secret123")
        assert controller.window is prepared
    finally:
        _close(controller)


def test_another_account_gets_its_own_window(qtbot, office):
    import shiboken6
    from PySide6.QtCore import QCoreApplication, QEvent

    from models.core.users import WINDOW

    controller = _start(qtbot, office)
    try:
        prepared = _prepared(qtbot, controller)
        _log_in(qtbot, controller, "clerk", "window123")
        window = controller.window
        assert window is not prepared
        assert window.ctx.actor.username == "clerk" and window.ctx.actor.role == WINDOW
        assert window.tab_titles()[window.tabs.currentIndex()] == "便民服务"
        QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
        assert not shiboken6.isValid(prepared), "the window built for admin was kept"
    finally:
        _close(controller)


def test_a_name_typed_by_hand_is_prepared_when_the_user_moves_on(qtbot, office):
    controller = _start(qtbot, office, last_user="")
    try:
        qtbot.wait(200)
        assert controller.prepared_window is None  # no name in the dialog: nothing to build for
        dialog = controller.starting
        dialog.username.setText("clerk")
        dialog.username.editingFinished.emit()  # what leaving the field (Tab to the password) sends
        prepared = _prepared(qtbot, controller)
        assert prepared.tab_titles()[prepared.tabs.currentIndex()] == "便民服务"
        _log_in(qtbot, controller, "clerk", "window123")
        assert controller.window is prepared
    finally:
        _close(controller)


def test_a_window_prepared_too_long_ago_is_built_again(qtbot, office, monkeypatch):
    import ui.app

    controller = _start(qtbot, office)
    try:
        prepared = _prepared(qtbot, controller)
        monkeypatch.setattr(ui.app, "PREBUILT_WINDOW_FRESH_S", 0.0)
        _log_in(qtbot, controller, "admin", "secret123")
        assert controller.window is not prepared and controller.window.session is not None
    finally:
        _close(controller)


def test_quitting_at_the_dialog_throws_the_prepared_window_away(qtbot, office, monkeypatch):
    import shiboken6
    from PySide6.QtCore import QCoreApplication, QEvent
    from PySide6.QtWidgets import QApplication

    # The program would end here (exit code 1); the test process must not leave its event loop state behind.
    exits = []
    monkeypatch.setattr(QApplication, "exit", staticmethod(lambda code=0: exits.append(code)))
    controller = _start(qtbot, office)
    prepared = _prepared(qtbot, controller)
    controller.starting.reject()  # 退出
    QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
    assert controller.window is None and controller.prepared_window is None
    assert not shiboken6.isValid(prepared)
    assert exits == [1]
    controller.close()
