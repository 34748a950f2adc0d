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
