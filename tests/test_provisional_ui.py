"""Provisional dates as the window shows them: the intake form before saving,
the ledger's column, the banner with its link to the calendar page."""

import datetime as dt

import pytest

from models.core.users import Actor, WINDOW
from models.service import catalogue, tickets, workdays


@pytest.fixture
def tab(qtbot, db, admin, tmp_path):
    from ui.common.context import AppContext
    from ui.service.tab import ServiceTab

    catalogue.add_item(db, admin, {"department": "综治", "name": "信访事项办理", "time_limit_days": 30,
                                   "default_kind": "承办件"})
    ctx = AppContext(db, tmp_path / "test.db", Actor("window", WINDOW, "窗口 王丽"))
    w = ServiceTab(ctx)
    qtbot.addWidget(w)
    w.resize(1300, 800)
    w.show()
    yield w
    w.list_page._search_timer.stop()
    w.close()


def test_intake_shows_the_provisional_date_before_saving(qtbot, tab, db):
    form = tab.intake
    item = next(i for i in catalogue.list_items(db, active_only=True) if i["name"] == "信访事项办理")
    label = next(k for k, v in form._items.items() if v["uuid"] == item["uuid"])
    form._set_item(item, label)
    form.kind.setCurrentText("承办件")
    due, provisional = workdays.add_workdays_marked(db, dt.date.today(), 30)
    assert provisional  # the bundled calendar ends with 2026: 30 working days from today reach 2027
    assert form.promise_info.text() == (f"30 个工作日，{due.year}年{due.month}月{due.day}日前办结"
                                        + workdays.PROVISIONAL_NOTE)
    assert form.promise_info.property("provisional") is True


def test_ledger_marks_open_provisional_dates(qtbot, tab, db):
    item = next(i for i in catalogue.list_items(db, active_only=True) if i["name"] == "信访事项办理")
    t = tickets.create_ticket(db, tab.ctx.actor, {"applicant_name": "李四", "applicant_phone": "13800138000",
                                                  "item_uuid": item["uuid"], "request_text": "反映问题",
                                                  "received_date": "2026-12-01"}, today=dt.date(2026, 12, 1))
    page = tab.list_page
    page.apply_filter()
    qtbot.waitUntil(lambda: page.model.rowCount() == 1, timeout=5000)
    from ui.service.table_model import COLUMNS, PROVISIONAL_TIP
    from PySide6.QtCore import Qt

    col = [k for k, _ in COLUMNS].index("due_date")
    index = page.model.index(0, col)
    assert page.model.data(index) == f"{t['due_date']}（预估）"
    assert PROVISIONAL_TIP in page.model.data(index, Qt.ItemDataRole.ToolTipRole)
    # The column shows the whole text: at 90 px it read '2027-01-0…' and the （预估） was lost.
    text_width = page.table.fontMetrics().horizontalAdvance(page.model.data(index))
    assert page.table.columnWidth(col) >= text_width + 8


def test_banner_says_what_to_do_and_links_to_the_calendar_page(qtbot, tab, db):
    from ui.service.tab import calendar_banner

    text = calendar_banner(db, dt.date(2026, 12, 1))
    assert text.startswith("2027 年尚无正式工作日历，承诺办结日期按法定节假日预估（0 件）")
    assert '<a href="calendar">' in text and "\n" not in text
    tab.refresh_counts()
    from tests.qt_helpers import wait_for_actions

    wait_for_actions(qtbot)  # the banner is read on a worker (issue 22)
    assert tab.warning.isVisible()
    tab.warning.linkActivated.emit("calendar")
    assert tab.pages.currentWidget() is tab.calendar_page
