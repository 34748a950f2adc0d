"""The calendar page: provisional years shown, the notice pasted and seen as a
year before saving, bad text refused with the line named, and the 值班长's
confirmation of provisional promises."""

import datetime as dt

import pytest

from models.core.users import WINDOW, Actor
from models.service import catalogue, reconcile, tickets, workdays
from tests.qt_helpers import wait_for_actions
from tests.test_holiday_notice import _notice_2027, notice

D = dt.date


@pytest.fixture
def page(qtbot, db, admin, tmp_path):
    from ui.common.context import AppContext
    from ui.service.admin import CalendarPage

    ctx = AppContext(db, tmp_path / "test.db", admin)
    w = CalendarPage(ctx)
    qtbot.addWidget(w)
    w.show()
    return w


def test_page_shows_the_provisional_year(page):
    assert "尚无正式日历" in page.coverage.text() and "2027" in page.coverage.text()
    page.year.setValue(2027)
    assert page.year_state.text().startswith("预估")
    names = {r["date"]: (r["name"], r["source"]) for r in page.rows}
    assert names["2027-02-05"] == ("春节", workdays.PROVISIONAL_SOURCE)
    assert page.table.item(0, 4).text() == "预估（放假办法）"
    assert not page.reconcile_button.isEnabled()


def test_paste_notice_shows_the_year_then_saves(qtbot, page, db):
    from ui.service.calendar_dialogs import HOLIDAY_COLOUR, MAKE_UP_COLOUR

    dialog = page.notice_dialog()
    assert dialog.year.value() == 2027
    dialog.text.setPlainText(_notice_2027())
    dialog.parse()
    assert dialog.error.text() == "" and dialog.save_button.isEnabled()
    assert "春节：2月5日至2月12日，8 天" in dialog.summary.text()
    assert dialog.view.colour_of("2027-02-10") == HOLIDAY_COLOUR
    assert dialog.view.colour_of("2027-02-14") == MAKE_UP_COLOUR
    assert workdays.is_provisional(db, "2027-02-10")  # nothing saved by parsing
    dialog.save()
    wait_for_actions(qtbot)  # saved on a worker connection (ui/common/action.run_op)
    assert dialog.saved_years == [2027] and not workdays.is_provisional(db, "2027-02-10")
    page.reload()
    assert "2027" not in page.coverage.text().split("。", 1)[1]


def test_bad_paste_names_the_line_and_puts_the_cursor_there(page):
    dialog = page.notice_dialog()
    dialog.text.setPlainText(notice(2026))
    dialog.parse()
    assert "第 1 行" in dialog.error.text() and "这是 2026 年的通知，所选年份是 2027 年" in dialog.error.text()
    assert not dialog.save_button.isEnabled()
    dialog.year.setValue(2026)
    dialog.text.setPlainText(notice(2026).replace("5月9日（周六）上班", "5月8日上班"))
    dialog.parse()
    assert "第 7 行" in dialog.error.text()
    assert dialog.text.textCursor().blockNumber() == 6
    assert not dialog.save_button.isEnabled()


def test_contradicting_notice_needs_the_box_ticked(page, db):
    dialog = page.notice_dialog()
    dialog.year.setValue(2019)
    dialog.text.setPlainText(notice(2019))
    dialog.parse()
    assert not dialog.replace.isHidden() and "不一致的 4 天" in dialog.replace.text()
    assert not dialog.save_button.isEnabled()
    dialog.replace.setChecked(True)
    assert dialog.save_button.isEnabled()


def test_reconcile_dialog_lists_and_confirms(qtbot, page, db, admin):
    from ui.service.calendar_dialogs import ReconcileDialog

    item = catalogue.add_item(db, admin, {"department": "民政", "name": "信访事项办理", "time_limit_days": 30,
                                          "default_kind": "承办件"})
    clerk = Actor("window", WINDOW, "窗口 王丽")
    t = tickets.create_ticket(db, clerk, {"applicant_name": "赵六", "applicant_phone": "13800138000",
                                          "item_uuid": item, "request_text": "反映问题",
                                          "received_date": "2026-12-28"}, today=D(2026, 12, 28))
    assert t["due_date"] == "2027-02-11"
    from models.service import holiday_notice as hn

    hn.save_notice(db, admin, hn.parse_notice(_notice_2027(), 2027))
    page.reload()
    assert page.reconcile_button.isEnabled() and "（1 件）" in page.reconcile_button.text()
    dialog = ReconcileDialog(page.ctx, page)
    assert dialog.table.rowCount() == 1
    assert dialog.table.item(0, 3).text() == "2027-02-11" and dialog.table.item(0, 4).text() == "2027-02-16"
    assert dialog.table.item(0, 5).text() == "推后" and dialog.ok.isEnabled()
    dialog.confirm()
    wait_for_actions(qtbot)  # saved on a worker connection (ui/common/action.run_op)
    assert dialog.result_counts == {"moved": 1, "kept": 0, "unchanged": 0}
    assert dialog.result_text() == "已核对：调整 1 件，保留原承诺 0 件，日期不变 0 件。"
    assert tickets.get_ticket(db, t["uuid"])["due_date"] == "2027-02-16"
    assert reconcile.pending(db) == []


def test_a_clerk_who_is_not_the_chief_cannot_confirm(qtbot, db, admin, tmp_path):
    from ui.common.context import AppContext
    from ui.service.calendar_dialogs import ReconcileDialog

    ctx = AppContext(db, tmp_path / "test.db", Actor("window", WINDOW, "窗口 王丽"))
    dialog = ReconcileDialog(ctx)
    qtbot.addWidget(dialog)
    assert not dialog.ok.isEnabled() and "值班长" in dialog.error.text()
