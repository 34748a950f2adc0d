"""ui/common/action.run_op: the function runs off the GUI thread on its own
connection (opened and closed by the helper), the result or a Chinese error
comes back, and the declared changes reach every tab."""

import sqlite3
import threading

import pytest

from models.core import settings
from models.core.errors import ValidationError
from models.startup import register_all_settings

register_all_settings()


@pytest.fixture
def ctx(db, admin, db_path):
    from ui.common.context import AppContext

    return AppContext(db, db_path, admin)


def test_the_action_runs_on_its_own_connection_and_reports_its_changes(qtbot, ctx, db, admin):
    from ui.common.action import run_op

    seen = {}
    areas = []
    ctx.data_changed.connect(areas.append)

    def op(worker_db, _progress):
        seen["db"], seen["thread"] = worker_db, threading.current_thread()
        return settings.set_many(worker_db, {"backup_keep": 4}, admin)

    run_op(None, ctx, op, changes={"settings"}, on_done=lambda result, changes: seen.update(result=result,
                                                                                             changes=changes))
    qtbot.waitUntil(lambda: "changes" in seen, timeout=10000)
    assert seen["result"] == ["backup_keep"] and seen["changes"].touches("settings")
    assert areas == ["settings"]
    assert seen["thread"] is not threading.main_thread() and seen["db"] is not db
    with pytest.raises(sqlite3.ProgrammingError):  # the helper closed the worker's connection
        seen["db"].conn.execute("SELECT 1")
    assert settings.get(db, "backup_keep") == 4  # the window's connection sees the commit


def test_a_refused_action_brings_back_the_chinese_message_and_changes_nothing(qtbot, ctx, db, admin):
    from ui.common.action import run_op

    errors, areas = [], []
    ctx.data_changed.connect(areas.append)
    run_op(None, ctx, lambda worker_db, _p: settings.set_many(worker_db, {"backup_keep": "十"}, admin),
           changes={"settings"}, on_error=errors.append)
    qtbot.waitUntil(lambda: bool(errors), timeout=10000)
    assert isinstance(errors[0], ValidationError) and "必须是整数" in errors[0].message
    assert areas == [] and settings.get(db, "backup_keep") == 10


def test_a_ledger_action_saves_through_the_helper_and_tells_the_tabs(qtbot, ctx, db, admin):
    from PySide6.QtWidgets import QDialog

    from models.service import catalogue, tickets
    from ui.service.ledger import FieldsDialog

    item = catalogue.add_item(db, admin, {"department": "民政", "name": "最低生活保障申请", "time_limit_days": 5})
    t = tickets.create_ticket(db, admin, {"applicant_name": "张三", "applicant_phone": "13800138000",
                                          "applicant_village": "青石村", "item_uuid": item, "request_text": "申请低保"})
    areas = []
    ctx.data_changed.connect(areas.append)
    refused = FieldsDialog(None, "办结", [("result", "办理结果*", "text", "")],
                           lambda worker_db, v: tickets.finish(worker_db, admin, t["uuid"], v["result"]),
                           ctx=ctx, changes={"tickets"})
    qtbot.addWidget(refused)
    refused.ok_button.click()
    qtbot.waitUntil(lambda: bool(refused.error.text()), timeout=10000)
    assert "办理结果" in refused.error.text() and refused.result() != QDialog.Accepted and areas == []

    dialog = FieldsDialog(None, "转为办理中", [("note", "备注", "text", "")],
                          lambda worker_db, v: tickets.start_handling(worker_db, admin, t["uuid"], v["note"]),
                          ctx=ctx, changes={"tickets"})
    qtbot.addWidget(dialog)
    dialog.ok_button.click()
    qtbot.waitUntil(lambda: dialog.result() == QDialog.Accepted, timeout=10000)
    assert tickets.get_ticket(db, t["uuid"])["status"] == tickets.HANDLING and areas == ["tickets"]


def _audit_rows(db, action: str) -> int:
    return db.execute("SELECT count(*) FROM audit_log WHERE action = ?", [action]).fetchone()[0]


def test_a_query_runs_read_only_and_a_write_in_it_is_refused_in_chinese(qtbot, ctx, db, admin):
    from models.core.errors import AppError
    from ui.common.action import run_query

    results, errors = [], []
    run_query(None, ctx, lambda worker_db, _p: settings.get(worker_db, "backup_keep"), on_done=results.append)
    qtbot.waitUntil(lambda: bool(results), timeout=10000)
    assert results == [10]
    run_query(None, ctx, lambda worker_db, _p: settings.set_many(worker_db, {"backup_keep": 3}, admin),
              on_done=results.append, on_error=errors.append)
    qtbot.waitUntil(lambda: bool(errors), timeout=10000)
    assert isinstance(errors[0], AppError) and "只读" in errors[0].message
    assert results == [10] and settings.get(db, "backup_keep") == 10


def test_a_window_opened_read_only_writes_nothing_through_the_helper(qtbot, db, db_path, admin):
    """“只读打开” (a second window that only looks): the action's worker connection is read-only too."""
    from models.core.db import close_database, open_database
    from ui.common.action import run_op
    from ui.common.context import AppContext

    looking = open_database(db_path, readonly=True)
    try:
        errors = []
        run_op(None, AppContext(looking, db_path, admin),
               lambda worker_db, _p: settings.set_many(worker_db, {"backup_keep": 3}, admin),
               changes={"settings"}, on_error=errors.append)
        qtbot.waitUntil(lambda: bool(errors), timeout=10000)
        assert "只读" in errors[0].message and settings.get(db, "backup_keep") == 10
    finally:
        close_database(looking)


def test_login_and_first_run_write_on_a_worker_connection(qtbot, db, tmp_path):
    """Before the window exists the login dialog's audit rows, and the first
    administrator, are written by run_op (FileContext), not on the dialog's connection."""
    from models.core import township, users
    from models.core.db import close_database, open_database
    from tests.qt_helpers import wait_for_actions
    from ui.core.login import FirstRunDialog, LoginDialog

    dialog = LoginDialog(db, "青石镇", "admin")
    qtbot.addWidget(dialog)
    before, written_here = _audit_rows(db, "login-failed"), db.conn.total_changes
    dialog.password.setText("wrong-password")
    dialog.try_login()
    assert not dialog.ok_button.isEnabled(), "the password is checked off the GUI thread"
    dialog.try_login()  # a second press while checking is ignored
    wait_for_actions(qtbot)
    assert "错误" in dialog.error.text()
    assert _audit_rows(db, "login-failed") == before + 1 and db.conn.total_changes == written_here
    assert dialog.ok_button.isEnabled() and dialog.actor is None

    fresh = open_database(tmp_path / "新.db")
    try:
        first = FirstRunDialog(fresh)
        qtbot.addWidget(first)
        first.township_name.setText("新安镇")
        first.township_code.setText("330106002")
        first.password.setText("secret123")
        first.password2.setText("secret123")
        written_here = fresh.conn.total_changes
        first.create()
        wait_for_actions(qtbot)
        assert first.actor is not None and first.actor.role == users.ADMIN
        assert township.identity(fresh)["township_name"] == "新安镇"
        assert fresh.conn.total_changes == written_here, "written on the worker's connection"
    finally:
        close_database(fresh)


def test_exports_write_their_audit_row_on_a_worker_connection(qtbot, ctx, db, admin, tmp_path):
    from PySide6.QtWidgets import QTableWidget, QTableWidgetItem

    from tests.qt_helpers import wait_for_actions
    from ui.common.tables import OfficeTable

    table = QTableWidget(1, 1)
    table.setHorizontalHeaderLabels(["姓名"])
    table.setItem(0, 0, QTableWidgetItem("王芳"))
    table.ctx = ctx
    qtbot.addWidget(table)
    before, written_here = _audit_rows(db, "export"), db.conn.total_changes
    path = OfficeTable(table).export_xlsx(str(tmp_path / "表"))
    wait_for_actions(qtbot)
    assert path.is_file() and _audit_rows(db, "export") == before + 1
    assert db.conn.total_changes == written_here, "the audit row was written on the worker's connection"


def test_a_query_whose_widget_was_deleted_meanwhile_brings_its_result_nowhere(qtbot, ctx):
    """A tab or window thrown away while its read runs (the window prepared behind the login for
    another account, a user switch): the result is dropped, not put into deleted widgets."""
    import shiboken6
    from PySide6.QtWidgets import QLabel

    from tests.qt_helpers import wait_for_actions
    from ui.common.action import run_query

    release = threading.Event()
    label = QLabel()
    shown = []

    def read(worker_db, _progress):
        release.wait(10)
        return worker_db.execute("SELECT count(*) FROM users").fetchone()[0]

    run_query(label, ctx, read, label="正在统计…", on_done=lambda n: (shown.append(n), label.setText(str(n))))
    qtbot.wait(50)
    label.deleteLater()
    qtbot.waitUntil(lambda: not shiboken6.isValid(label), timeout=5000)
    release.set()
    wait_for_actions(qtbot)
    assert shown == []


def test_a_failure_whose_widget_was_deleted_is_still_told(qtbot, ctx, monkeypatch):
    import shiboken6
    from PySide6.QtWidgets import QLabel, QMessageBox

    from tests.qt_helpers import wait_for_actions
    from ui.common.action import run_query

    told = []
    monkeypatch.setattr(QMessageBox, "warning", staticmethod(lambda parent, title, text, *a, **k: told.append(
        (parent, title, text))))
    release = threading.Event()
    label = QLabel()

    def read(_worker_db, _progress):
        release.wait(10)
        raise ValidationError("文件", "读不到这个文件。")

    run_query(label, ctx, read, on_error=lambda e: label.setText(e.message))
    qtbot.wait(50)
    label.deleteLater()
    qtbot.waitUntil(lambda: not shiboken6.isValid(label), timeout=5000)
    release.set()
    wait_for_actions(qtbot)
    assert told == [(None, "无法完成", "文件：读不到这个文件。")]
