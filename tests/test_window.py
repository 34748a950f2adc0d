"""The window as a user meets it: first run, login, tabs, backup, bad files."""

import pytest
from PySide6.QtWidgets import QMessageBox

from models.core import township

from models.core import users
from models.core.db import close_database, list_backups, open_database
from tests.qt_helpers import wait_for_actions


@pytest.fixture
def prepared_db(tmp_path):
    path = tmp_path / "office.db"
    db = open_database(path)
    admin = users.create_user(db, "admin", "secret123", users.ADMIN, "管理员")
    township.set_identity(db, admin, name="青石镇", code="330106001", county="临安区")
    close_database(db)
    return path


def test_first_run_creates_admin_and_township(qtbot, tmp_path):
    from ui.core.login import FirstRunDialog

    db = open_database(tmp_path / "new.db")
    dialog = FirstRunDialog(db)
    qtbot.addWidget(dialog)
    dialog.township_name.setText("新安镇")
    dialog.township_code.setText("12")  # bad code: nothing may be saved
    dialog.password.setText("secret123")
    dialog.password2.setText("secret123")
    dialog.create()
    wait_for_actions(qtbot)  # created on a worker connection (ui/common/action.run_op)
    assert "乡镇代码" in dialog.error.text()
    assert not users.has_users(db), "the admin is not half-saved without the township"
    dialog.township_code.setText("330106002")
    dialog.create()
    wait_for_actions(qtbot)
    assert dialog.actor is not None and dialog.actor.role == users.ADMIN
    assert township.identity(db)["township_name"] == "新安镇"


def test_login_switch_tabs_and_backup(qtbot, prepared_db, monkeypatch):
    from ui.app import Controller
    from ui.core.login import LoginDialog

    attempts = []

    def fake_exec(dialog):
        # A wrong password first: the dialog shows the error and stays open.
        dialog.username.setText("admin")
        dialog.password.setText("wrong-one")
        dialog.try_login()
        wait_for_actions(qtbot)  # the login runs on a worker connection (ui/common/action.run_op)
        attempts.append(dialog.error.text())
        dialog.password.setText("secret123")
        dialog.try_login()
        wait_for_actions(qtbot)
        return dialog.result()

    monkeypatch.setattr(LoginDialog, "exec", fake_exec)
    controller = Controller()
    assert controller.open(prepared_db)
    window = controller.window
    qtbot.addWidget(window)
    assert "错误" in attempts[0]
    assert window.tab_titles()[:3] == ["领导班子", "便民服务", "考核"]
    for i in range(window.tabs.count()):
        window.tabs.setCurrentIndex(i)
        assert window.tabs.currentIndex() == i
    assert "admin" in window.status_user.text() or "管理员" in window.status_user.text()
    assert "青石镇" in window.status_township.text()

    before = set(list_backups(prepared_db))
    done = []
    window.backup_now(on_done=done.append)
    qtbot.waitUntil(lambda: bool(done), timeout=10000)
    assert done[0].exists() and done[0] not in before
    controller.window.close_without_saving_state()
    controller.close()


def test_not_a_database_shows_message(qtbot, tmp_path, monkeypatch):
    from ui.app import Controller

    bad = tmp_path / "report.db"
    bad.write_text("这不是数据库", encoding="utf-8")
    before = bad.read_bytes()
    shown = []
    monkeypatch.setattr(QMessageBox, "warning", lambda parent, title, text, *a: shown.append(text))
    assert not Controller().open(bad)
    assert shown and "不是 SQLite" in shown[0]
    assert bad.read_bytes() == before


def test_readonly_user_cannot_backup_or_manage(qtbot, prepared_db):
    from ui.common.context import AppContext
    from ui.main_window import MainWindow

    db = open_database(prepared_db)
    window = MainWindow(AppContext(db, prepared_db, users.Actor("guest", users.READONLY, "访客")))
    qtbot.addWidget(window)
    assert not window.backup_action.isEnabled()
    window.close_without_saving_state()
    close_database(db)


def test_settings_dialog_saves_identity(qtbot, prepared_db):
    from ui.common.context import AppContext
    from tests.qt_helpers import wait_for_actions
    from ui.core.settings_dialog import SettingsDialog

    db = open_database(prepared_db)
    admin = users.Actor("admin", users.ADMIN, "管理员")
    dialog = SettingsDialog(AppContext(db, prepared_db, admin))
    qtbot.addWidget(dialog)
    dialog.f_phone.setText("abc")
    dialog._save_identity()
    wait_for_actions(qtbot)  # refused on a worker connection (ui/common/action.run_op)
    assert "监督电话" in dialog.identity_error.text()
    close_database(db)


def test_big_corrupt_database_checked_after_start_and_restored(qtbot, prepared_db, monkeypatch):
    """Large files get quick_check in the background; damage still leads to the restore offer."""
    import ui.app as app_module
    import ui.core.login as login_module
    from models.core.db import backup_database

    db = open_database(prepared_db)
    db.execute("CREATE TABLE filler (x TEXT)")
    for _ in range(300):
        db.execute("INSERT INTO filler VALUES (?)", ["x" * 500])
    backup_database(db, reason="manual")
    for _ in range(300):
        db.execute("INSERT INTO filler VALUES (?)", ["y" * 500])
    close_database(db)
    data = bytearray(prepared_db.read_bytes())
    page = 4096
    for i in range(len(data) - page * 8, len(data) - page * 2):
        data[i] = 0xFF
    prepared_db.write_bytes(bytes(data))

    monkeypatch.setattr(app_module, "QUICK_CHECK_AT_START_MAX_BYTES", 0)
    offered = []
    monkeypatch.setattr(login_module, "ask_restore",
                        lambda parent, message, backups: offered.append(message) or backups[0])
    monkeypatch.setattr(QMessageBox, "information", lambda *a, **k: None)
    controller = app_module.Controller()
    actor = users.Actor("admin", users.ADMIN, "管理员")
    opened = controller.open(prepared_db, actor=actor)
    if not opened:
        # The damage hit the schema itself: the synchronous path offered the backup.
        assert offered
        return
    qtbot.waitUntil(lambda: bool(offered), timeout=10000)
    assert "损坏" in offered[0]
    qtbot.waitUntil(lambda: controller.db is not None and
                    controller.db.execute("SELECT count(*) FROM filler").fetchone()[0] == 300, timeout=10000)
    controller.window.close_without_saving_state()
    controller.close()


def test_tabs_are_built_when_first_shown(qtbot, prepared_db):
    from ui.common.context import AppContext
    from ui.main_window import LazyTab, MainWindow

    db = open_database(prepared_db)
    window = MainWindow(AppContext(db, prepared_db, users.Actor("admin", users.ADMIN, "管理员")))
    qtbot.addWidget(window)
    lazy = [window.tabs.widget(i) for i in range(window.tabs.count())]
    assert all(isinstance(w, LazyTab) for w in lazy)
    assert lazy[0].content is not None and lazy[1].content is None and lazy[2].content is None
    window.tabs.setCurrentIndex(1)
    assert lazy[1].content is not None
    assert type(window.tab_content("考核")).__name__ == "AssessTab"
    window.close_without_saving_state()
    close_database(db)
