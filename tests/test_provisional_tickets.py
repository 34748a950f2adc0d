"""Intake never refuses for the calendar: due dates over a year without the
official calendar are counted by the holiday law's rule and marked provisional."""

import datetime as dt

import pytest

from models.core.users import Actor, WINDOW
from models.service import catalogue, tickets, workdays

D = dt.date


@pytest.fixture
def clerk():
    return Actor("window", WINDOW, "窗口 王丽")


@pytest.fixture
def items(db, admin):
    def add(name, days):
        return catalogue.add_item(db, admin, {"department": "综治", "name": name, "time_limit_days": days,
                                              "default_kind": "承办件"})
    return {"xinfang": add("信访事项办理", 30), "dibao": add("最低生活保障申请", 20), "short": add("证明开具", 5)}


def register(db, clerk, item, received, today=None):
    return tickets.create_ticket(db, clerk, {
        "applicant_name": "李四", "applicant_phone": "13800138000", "item_uuid": item,
        "request_text": "申请办理", "received_date": received}, today=today or D.fromisoformat(received))


def test_thirty_day_case_registered_on_1_december_2026(db, clerk, items):
    t = register(db, clerk, items["xinfang"], "2026-12-01")
    assert t["due_date"] == "2027-01-13" and t["due_provisional"] == 1
    receipt = tickets.receipt_data(db, t["ticket_no"])
    assert receipt["due_provisional"] is True and receipt["promised_note"] == workdays.PROVISIONAL_NOTE


def test_twenty_day_case_on_28_december_skips_yuandan(db, clerk, items):
    t = register(db, clerk, items["dibao"], "2026-12-28")
    assert t["due_date"] == "2027-01-26" and t["due_provisional"] == 1


def test_the_issues_other_cases_register(db, clerk, items):
    assert register(db, clerk, items["dibao"], "2026-12-10")["due_date"] == "2027-01-08"
    assert register(db, clerk, items["short"], "2026-12-28")["due_date"] == "2027-01-05"


def test_a_due_date_inside_the_official_year_is_not_provisional(db, clerk, items):
    t = register(db, clerk, items["short"], "2026-12-01")
    assert t["due_date"] == "2026-12-08" and t["due_provisional"] == 0
    assert tickets.receipt_data(db, t["ticket_no"])["promised_note"] == ""


def test_correction_and_resume_across_the_year_keep_the_mark(db, clerk, items):
    t = register(db, clerk, items["short"], "2026-12-01", today=D(2026, 12, 1))
    assert t["due_provisional"] == 0
    tickets.request_correction(db, clerk, t["uuid"], "缺户口簿", date="2026-12-02", today=D(2026, 12, 2))
    t = tickets.resume(db, clerk, t["uuid"], date="2026-12-30", today=D(2026, 12, 30))
    # 20 working days paused (3–30 Dec): 5 + 20 = 25 working days from 1 Dec → 2027-01-06
    assert t["paused_days"] == 20 and t["due_date"] == "2027-01-06" and t["due_provisional"] == 1


def test_callback_and_rectification_use_the_same_calendar(db, clerk, items):
    t = register(db, clerk, items["short"], "2026-12-28")
    t = tickets.finish(db, clerk, t["uuid"], "已办结", date="2026-12-30", today=D(2026, 12, 30))
    # 3 working days after Wed 30 Dec: 31 Dec, (元旦, weekend), 4, 5 Jan
    assert t["callback_due"] == "2027-01-05"
    tickets.rate(db, clerk, t["uuid"], 1, "太慢", callback_date="2026-12-31", today=D(2026, 12, 31))
    rect = tickets.rectifications(db)[0]
    assert rect["deadline"] == "2027-01-08"  # 5 working days after 31 Dec: 4–8 Jan


def test_due_soon_and_days_late_count_into_a_provisional_year(db, clerk, items):
    assert tickets.due_soon_limit(db, D(2026, 12, 31)) == D(2027, 1, 4)
    t = register(db, clerk, items["short"], "2026-12-21")
    assert t["due_date"] == "2026-12-28"
    assert tickets.open_days_late(db, tickets.get_ticket(db, t["uuid"]), today=D(2027, 1, 5)) == 5


# ---- the official calendar arrives ---------------------------------------------

def _official_2027(make_up_saturday=None, extra_days_off=()):
    """2027 as the county would send it: the rule's days plus chosen 调休."""
    rows = []
    for d, w, n in workdays.provisional_year(2027):
        day = D.fromisoformat(d)
        if day == make_up_saturday:
            w, n = 1, "调休上班"
        if day in extra_days_off:
            w, n = 0, "春节"
        rows.append((d, w, n))
    return rows


def test_official_year_lists_changed_tickets_and_the_chief_confirms(db, admin, clerk, items):
    from models.core.errors import PermissionDenied
    from models.notices import registry as notices
    from models.service import reconcile

    later = register(db, clerk, items["dibao"], "2026-12-28")  # 2027-01-26
    earlier_printed = register(db, clerk, items["dibao"], "2026-12-28")
    earlier_unprinted = register(db, clerk, items["dibao"], "2026-12-28")
    same = register(db, clerk, items["short"], "2026-12-28")  # 2027-01-05
    inside = register(db, clerk, items["short"], "2026-12-01")  # 2026-12-08, official: never listed
    notices.publish(db, admin, "receipt", notices.NoticeParams(ticket=earlier_printed["ticket_no"]))
    assert reconcile.pending(db) == []  # 2027 still provisional

    # Official 2027 (as the county sends it): Sat 9 Jan is a make-up working day.
    workdays.import_days(db, admin, _official_2027(make_up_saturday=D(2027, 1, 9)), "county")
    listed = {r["uuid"]: r for r in reconcile.pending(db)}
    assert inside["uuid"] not in listed
    assert listed[later["uuid"]]["new_due"] == "2027-01-25"  # the Saturday worked: one day earlier
    assert listed[later["uuid"]]["change"] == "earlier"
    assert listed[earlier_printed["uuid"]]["printed"] is True
    assert listed[earlier_printed["uuid"]]["default"] == reconcile.KEEP
    assert listed[earlier_unprinted["uuid"]]["default"] == reconcile.MOVE
    assert listed[same["uuid"]]["change"] == "same"

    # a window worker who is not today's 值班长 may not confirm
    with pytest.raises(PermissionDenied, match="值班长"):
        reconcile.reconcile(db, clerk, today=D(2026, 12, 29))
    tickets.set_duty(db, admin, "2026-12-29", "窗口 王丽")
    counts = reconcile.reconcile(db, clerk, today=D(2026, 12, 29))
    assert counts == {"moved": 2, "kept": 1, "unchanged": 1}
    t = tickets.ticket_detail(db, earlier_printed["uuid"])
    assert t["due_date"] == "2027-01-26" and t["due_provisional"] == 0
    assert "已打印回执向群众承诺 2027-01-26" in t["events"][-1]["note"]
    t = tickets.ticket_detail(db, earlier_unprinted["uuid"])
    assert t["due_date"] == "2027-01-25" and "由 2027-01-26 调整为 2027-01-25" in t["events"][-1]["note"]
    assert tickets.get_ticket(db, same["uuid"])["due_provisional"] == 0
    assert reconcile.pending(db) == []
    assert db.execute("SELECT count(*) FROM audit_log WHERE action = 'reconcile'").fetchone()[0] == 1


def test_a_printed_promise_moves_earlier_only_when_asked(db, admin, clerk, items):
    from models.notices import registry as notices
    from models.service import reconcile

    t = register(db, clerk, items["dibao"], "2026-12-28")
    notices.publish(db, admin, "receipt", notices.NoticeParams(ticket=t["ticket_no"]))
    workdays.import_days(db, admin, _official_2027(make_up_saturday=D(2027, 1, 9)), "county")
    assert reconcile.reconcile(db, admin, {t["uuid"]: reconcile.MOVE}) == {"moved": 1, "kept": 0, "unchanged": 0}
    assert tickets.get_ticket(db, t["uuid"])["due_date"] == "2027-01-25"


def test_a_later_official_date_moves_the_promise_later(db, admin, clerk, items):
    from models.service import reconcile

    t = register(db, clerk, items["xinfang"], "2026-12-28")
    assert t["due_date"] == "2027-02-11"
    # the official 春节 2027 is longer: 9–10 Feb off as well
    workdays.import_days(db, admin, _official_2027(extra_days_off=(D(2027, 2, 9), D(2027, 2, 10))), "county")
    [row] = reconcile.pending(db)
    assert (row["change"], row["new_due"], row["default"]) == ("later", "2027-02-15", reconcile.MOVE)
    reconcile.reconcile(db, admin)
    assert tickets.get_ticket(db, t["uuid"])["due_date"] == "2027-02-15"
