"""The 便民服务 tab: keyboard intake, errors next to the field, the windowed list, actions."""

import pytest
from PySide6.QtCore import Qt

from models.service import tickets
from models.core.users import Actor, READONLY, WINDOW
from tests.qt_helpers import wait_for_actions


@pytest.fixture
def tab(qtbot, demo_db, tmp_path):
    from ui.common.context import AppContext
    from ui.service.tab import ServiceTab

    ctx = AppContext(demo_db, tmp_path / "demo.db", Actor("window", WINDOW, "窗口 王丽"))
    w = ServiceTab(ctx)
    qtbot.addWidget(w)
    w.resize(1300, 800)
    w.show()
    yield w
    # Before the database closes: no pending search timer may fire afterwards.
    w.list_page._search_timer.stop()
    w.close()


def _type(qtbot, widget, text):
    # QTest can only synthesise ASCII keys; Chinese goes in as an input method would.
    widget.setFocus()
    if text.isascii():
        qtbot.keyClicks(widget, text)
    else:
        widget.insert(text)


def test_keyboard_intake_saves_on_enter(qtbot, tab, demo_db):
    form = tab.intake
    before = tickets.count_tickets(demo_db, tickets.TicketFilter())
    _type(qtbot, form.name, "测试群众")
    _type(qtbot, form.phone, "13912345678")
    _type(qtbot, form.item, "农业技术")
    qtbot.keyClick(form.item, Qt.Key_Return)  # takes the first matching item
    assert form.item_uuid is not None and form.kind.currentText() == "即办件"
    _type(qtbot, form.request, "果树病虫害怎么防治")
    _type(qtbot, form.result, "现场讲解防治方法")
    qtbot.keyClick(form.result, Qt.Key_Return)
    wait_for_actions(qtbot)  # stored on a worker connection (ui/common/action.run_op)
    assert form.error.text() == ""
    assert "已受理" in form.message.text() and "当场办结" in form.message.text()
    assert tickets.count_tickets(demo_db, tickets.TicketFilter()) == before + 1
    assert form.name.text() == "" and form.name.hasFocus()
    t = tickets.fetch_window(demo_db, tickets.TicketFilter(search="果树病虫害"), 0, 5)[0]
    assert t["status"] == "办结" and t["first_receiver"] == "窗口 王丽"


def test_bad_phone_marked_and_nothing_saved(qtbot, tab, demo_db):
    form = tab.intake
    before = tickets.count_tickets(demo_db, tickets.TicketFilter())
    _type(qtbot, form.name, "测试群众")
    _type(qtbot, form.phone, "123")
    _type(qtbot, form.request, "咨询")
    qtbot.keyClick(form.request, Qt.Key_Return)
    wait_for_actions(qtbot)
    assert "联系电话" in form.error.text()
    assert form.phone.styleSheet() and form.phone.hasFocus()
    assert tickets.count_tickets(demo_db, tickets.TicketFilter()) == before
    assert form.name.text() == "测试群众"  # input kept


def test_list_filters_and_detail(qtbot, tab, demo_db):
    page = tab.list_page
    total = page.model.rowCount()
    assert total == tickets.count_tickets(demo_db, tickets.TicketFilter())
    page.status.setCurrentIndex(page.status.findData("办结"))
    assert 0 < page.model.rowCount() < total
    page.search.setText("申请办理")
    page.apply_filter()
    assert page.model.rowCount() > 0
    assert "办理经过" in page.detail.toHtml()
    # The last row loads without loading everything.
    last = page.model.index(page.model.rowCount() - 1, 0)
    assert page.model.data(last)
    assert len(page.model._pages) <= page.model.MAX_PAGES


def test_counters_open_overdue_filter(qtbot, tab):
    tab.counters["overdue"].click()
    assert tab.pages.currentWidget() is tab.list_page
    assert tab.list_page.deadline.currentData() == "overdue_open", "the 超期 badge counts open tickets past due, and lists the same"
    assert tab.list_page.model.rowCount() >= 0


def test_readonly_cannot_register(qtbot, demo_db, tmp_path):
    from ui.common.context import AppContext
    from ui.service.tab import ServiceTab

    w = ServiceTab(AppContext(demo_db, tmp_path / "demo.db", Actor("guest", READONLY, "只读")))
    qtbot.addWidget(w)
    assert not w.intake.isEnabled()
    assert not any(b.isEnabled() for b in w.list_page.actions.values())


def test_stats_page_draws(qtbot, tab):
    tab.pages.setCurrentWidget(tab.stats)
    tab.stats.refresh()  # on a worker thread
    qtbot.waitUntil(lambda: tab.stats.refresh_button.isEnabled(), timeout=20000)
    assert tab.stats.kpi["total"].text() != "—"
    assert tab.stats.charts["by_month"].data
    tab.stats.charts["by_month"].grab()


def test_search_counts_in_the_index_and_with_other_filters_in_background(qtbot, tab, demo_db):
    page = tab.list_page
    page.model.PAGE = 5  # so the first page is full
    page.search.setText("申请")
    page.apply_filter()
    expected = tickets.count_tickets(demo_db, tickets.TicketFilter(search="申请"))
    assert expected > 5
    # A search alone is counted in the search index at once (no row look-ups).
    assert not page.model.counting and page.model.rowCount() == expected
    assert f"共 {expected:,} 件" == page.count_label.text()
    # With another filter each match is looked up: counted on a worker thread.
    f = tickets.TicketFilter(search="申请", status="办结")
    combined = tickets.count_tickets(demo_db, f)
    assert combined > 5 and tickets.is_slow_filter(f)
    page.model.set_filter(f)
    assert page.model.counting
    qtbot.waitUntil(lambda: not page.model.counting, timeout=5000)
    assert page.model.rowCount() == combined
    assert page.model.data(page.model.index(combined - 1, 0))


def test_promised_date_shown_before_saving_and_receipt_one_key_after(qtbot, tab, demo_db):
    """The citizen hears the promised date while the item is chosen; after saving, Enter prints the receipt."""
    import datetime as dt

    from models.service import catalogue, workdays

    form = tab.intake
    item = next(i for i in catalogue.list_items(demo_db, active_only=True) if i["time_limit_days"] == 5)
    label = next(k for k, v in form._items.items() if v["uuid"] == item["uuid"])
    form._set_item(item, label)
    form.kind.setCurrentText("承办件")
    due = workdays.calendar(demo_db).add(dt.date.today(), 5, "受理日期")
    assert form.promise_info.text() == f"5 个工作日，{due.year}年{due.month}月{due.day}日前办结"
    _type(qtbot, form.name, "回执群众")
    _type(qtbot, form.phone, "13912345678")
    _type(qtbot, form.request, "申请材料已交")
    qtbot.keyClick(form.request, Qt.Key_Return)
    wait_for_actions(qtbot)
    assert form.error.text() == "" and form.pending_receipt
    number = form.pending_receipt
    # Only the signal is under test: the real receipt preview (a background render) must not outlive this test.
    form.receipt_requested.disconnect(tab.print_receipt)
    with qtbot.waitSignal(form.receipt_requested, timeout=1000) as printed:
        qtbot.keyClick(form.name, Qt.Key_Return)
    assert printed.args == [number]
    assert form.pending_receipt is None and "回车" not in form.message.text()


def test_escape_after_saving_goes_on_without_receipt(qtbot, tab):
    form = tab.intake
    tab.activateWindow()
    qtbot.waitUntil(tab.isActiveWindow, timeout=10000)  # shortcuts work in the active window
    form.name.setFocus()
    form.pending_receipt = "2026-000001"
    form.message.setText("已受理 2026-000001。　【回车】打印受理回执，【Esc】或直接输入下一位申请人继续")
    qtbot.keyClick(form.name, Qt.Key_Escape)
    assert form.pending_receipt is None and form.message.text() == "已受理 2026-000001。"
    with qtbot.assertNotEmitted(form.receipt_requested):
        qtbot.keyClick(form.name, Qt.Key_Return)
    wait_for_actions(qtbot)
    assert "申请人" in form.error.text(), "an empty form with no receipt pending is a save, refused by field"
