"""Tickets: intake validation, status flow, 补正 pauses, accountability, ratings, search, windows."""

import datetime as dt

import pytest

from models.service import catalogue

from models.core import records

from models.service import tickets
from models.core.errors import PermissionDenied, ValidationError
from models.core.users import Actor, READONLY, WINDOW

D = dt.date
TODAY = D(2026, 11, 20)
ID_OK = "11010519491231002X"


@pytest.fixture
def item(db, admin):
    return catalogue.add_item(db, admin, {"department": "民政", "name": "最低生活保障申请", "time_limit_days": 5,
                                          "conditions": "低收入", "materials": "身份证"})


@pytest.fixture
def clerk():
    return Actor("window", WINDOW, "窗口 王丽")


def new(db, clerk, item, today=TODAY, **kw):
    values = {"applicant_name": "张三", "applicant_phone": "13800138000", "applicant_village": "青石村",
              "item_uuid": item, "request_text": "申请低保", "received_date": "2026-02-12"}
    values.update(kw)
    return tickets.create_ticket(db, clerk, values, today=today)


def count(db):
    return db.execute("SELECT count(*) FROM tickets").fetchone()[0]


def test_intake_numbers_and_due_date_over_spring_festival(db, clerk, item):
    t = new(db, clerk, item)
    assert t["ticket_no"] == "2026-000001" and t["status"] == "受理"
    assert t["first_receiver"] == "窗口 王丽"
    # 5 working days from Thu 12 Feb 2026: 13, 14 (调休), 24, 25, 26 Feb.
    assert t["due_date"] == "2026-02-26"
    assert new(db, clerk, item)["ticket_no"] == "2026-000002"
    assert new(db, clerk, item, received_date="2025-12-01")["ticket_no"] == "2025-000001"
    events = tickets.ticket_detail(db, t["uuid"])["events"]
    assert [e["to_status"] for e in events] == ["受理"]


@pytest.mark.parametrize("field, value, message", [
    ("applicant_name", "  ", "申请人"),
    ("applicant_phone", "12345", "联系电话"),
    ("applicant_id_number", "110105194912310021", "身份证号"),
    ("request_text", "", "诉求内容"),
    ("received_date", "2030-01-05", "受理日期"),
    ("channel", "微信", "受理渠道"),
])
def test_bad_intake_saves_nothing(db, clerk, item, field, value, message):
    with pytest.raises(ValidationError, match=message):
        new(db, clerk, item, **{field: value})
    assert count(db) == 0


def test_due_date_past_the_official_calendar_is_provisional_not_refused(db, clerk, item):
    # 2027 has no official calendar: the law's rule counts it (see tests/test_provisional_tickets.py).
    t = new(db, clerk, item, received_date="2026-12-29", today=D(2026, 12, 30))
    assert t["due_date"] == "2027-01-06" and t["due_provisional"] == 1


def test_id_number_stored_and_masked(db, clerk, item):
    t = new(db, clerk, item, applicant_id_number=ID_OK.lower())
    assert t["applicant_id_number"] == ID_OK
    d = tickets.ticket_detail(db, t["uuid"])
    assert d["applicant_id_masked"] == "110105********002X"
    assert "13800138000" not in str(tickets.receipt_data(db, t["ticket_no"]))


def test_readonly_cannot_write(db, item):
    with pytest.raises(PermissionDenied):
        new(db, Actor("g", READONLY), item)


def test_finish_needs_result_and_not_before_acceptance(db, clerk, item):
    t = new(db, clerk, item)
    with pytest.raises(ValidationError, match="办理结果"):
        tickets.finish(db, clerk, t["uuid"], "  ", "2026-02-20", today=TODAY)
    with pytest.raises(ValidationError, match="早于受理日期"):
        tickets.finish(db, clerk, t["uuid"], "已办", "2026-02-10", today=TODAY)
    assert tickets.get_ticket(db, t["uuid"])["status"] == "受理"
    done = tickets.finish(db, clerk, t["uuid"], "已审批", "2026-02-25", today=TODAY)
    assert done["status"] == "办结" and done["days_late"] == 0 and done["work_days_used"] == 4
    with pytest.raises(ValidationError, match="不能办结"):
        tickets.finish(db, clerk, t["uuid"], "再办", "2026-02-25", today=TODAY)


def test_correction_pause_extends_due_date(db, clerk, item):
    t = new(db, clerk, item)
    tickets.start_handling(db, clerk, t["uuid"])
    # Paused from Wed 25 Feb to Tue 3 Mar: 26, 27, 28 (调休), 2, 3 → 5 working days.
    t = tickets.request_correction(db, clerk, t["uuid"], "缺收入证明", "2026-02-25", today=TODAY)
    assert t["status"] == "补正"
    with pytest.raises(ValidationError, match="补正"):
        tickets.finish(db, clerk, t["uuid"], "办好", "2026-03-01", today=TODAY)
    t = tickets.resume(db, clerk, t["uuid"], "2026-03-03", today=TODAY)
    assert t["paused_days"] == 5 and t["status"] == "办理中"
    # 5 + 5 working days from 12 Feb: ... 26 Feb is the 5th; +5: 27, 28, 2, 3, 4 Mar.
    assert t["due_date"] == "2026-03-04"
    t = tickets.finish(db, clerk, t["uuid"], "已审批", "2026-03-04", today=TODAY)
    assert t["days_late"] == 0
    history = [e["to_status"] for e in tickets.ticket_detail(db, t["uuid"])["events"]]
    assert history == ["受理", "办理中", "补正", "办理中", "办结"]
    assert all(e["actor"] == "窗口 王丽" for e in tickets.ticket_detail(db, t["uuid"])["events"])


def test_overdue_ticket_gives_accountability_record(db, clerk, item):
    late = new(db, clerk, item, handler_name="李四")
    # Due 26 Feb; finished Mon 2 Mar: 27, 28 (调休), 2 → 3 working days late.
    late = tickets.finish(db, clerk, late["uuid"], "已办", "2026-03-02", today=TODAY)
    assert late["days_late"] == 3
    still_open = new(db, clerk, item, received_date="2026-03-02")  # due 9 Mar
    on_time = new(db, clerk, item)
    tickets.finish(db, clerk, on_time["uuid"], "已办", "2026-02-24", today=TODAY)
    recs = tickets.accountability_records(db, "2026-01-01", "2026-03-12", today=D(2026, 3, 12))
    by_no = {r["ticket_no"]: r for r in recs}
    assert set(by_no) == {late["ticket_no"], still_open["ticket_no"]}
    assert by_no[late["ticket_no"]]["days_late"] == 3 and by_no[late["ticket_no"]]["name"] == "李四"
    assert by_no[still_open["ticket_no"]]["days_late"] == 3  # 10, 11, 12 Mar
    f = tickets.TicketFilter(deadline="overdue")
    assert tickets.count_tickets(db, f, today=D(2026, 3, 12)) == 2
    assert tickets.desk_counts(db, today=D(2026, 3, 12))["overdue"] == 1


def test_rating_only_when_finished_and_bad_rating_opens_rectification(db, clerk, item):
    t = new(db, clerk, item)
    with pytest.raises(ValidationError, match="尚未办结"):
        tickets.rate(db, clerk, t["uuid"], 5, today=TODAY)
    tickets.finish(db, clerk, t["uuid"], "已办", "2026-02-24", today=TODAY)
    with pytest.raises(ValidationError, match="满意度"):
        tickets.rate(db, clerk, t["uuid"], 7, today=TODAY)
    tickets.rate(db, clerk, t["uuid"], 1, "跑了三趟", "2026-02-26", today=TODAY)
    rects = tickets.rectifications(db)
    assert len(rects) == 1 and rects[0]["status"] == "整改中"
    assert rects[0]["deadline"] == "2026-03-04"  # 27, 28 (调休), 2, 3, 4 Mar
    tickets.finish_rectification(db, clerk, rects[0]["uuid"], "已向群众道歉并简化流程", "2026-03-01", today=TODAY)
    assert tickets.rectifications(db)[0]["status"] == "已整改"
    tickets.confirm(db, clerk, t["uuid"], True, "2026-02-26", today=TODAY)
    assert tickets.get_ticket(db, t["uuid"])["confirmed"] == 1


def test_reject_and_return_need_reasons(db, clerk, item):
    t = new(db, clerk, item)
    with pytest.raises(ValidationError, match="不予受理理由"):
        tickets.reject(db, clerk, t["uuid"], "", today=TODAY)
    t = tickets.reject(db, clerk, t["uuid"], "不属于本镇职权", "2026-02-12", today=TODAY)
    assert t["status"] == "不予受理"
    t2 = new(db, clerk, item)
    assert tickets.return_ticket(db, clerk, t2["uuid"], "申请人撤回", "2026-02-13", today=TODAY)["status"] == "退回"


def test_immediate_ticket_finished_on_the_spot(db, clerk, admin):
    quick = catalogue.add_item(db, admin, {"department": "农技", "name": "农业技术咨询", "time_limit_days": 0})
    t = tickets.create_ticket(db, clerk, {"applicant_name": "王五", "applicant_phone": "0571-63712345",
                                          "item_uuid": quick, "request_text": "问果树病虫害"},
                              finish_result="现场解答", today=TODAY)
    assert t["kind"] == "即办件" and t["status"] == "办结" and t["due_date"] == TODAY.isoformat()


def test_joint_and_escalated_need_their_departments(db, clerk, item):
    with pytest.raises(ValidationError, match="协办部门"):
        new(db, clerk, item, kind="联办件")
    with pytest.raises(ValidationError, match="上报县级部门"):
        new(db, clerk, item, kind="上报件")
    assert new(db, clerk, item, kind="上报件", county_office="县民政局")["county_office"] == "县民政局"


def test_handler_cadre_checked_when_roster_exists(db, clerk, item, admin):
    if not tickets._table_exists(db, "cadres"):
        db.execute("CREATE TABLE cadres (uuid TEXT PRIMARY KEY, name TEXT, deleted INTEGER DEFAULT 0)")
        db.execute("INSERT INTO cadres (uuid, name, deleted) VALUES ('c-1', '赵六', 0)")
    else:
        with db.atomic():
            records.insert(db, "cadres", {"uuid": "c-1", "name": "赵六"}, admin)
    with pytest.raises(ValidationError, match="承办人"):
        new(db, clerk, item, handler_cadre_uuid="nope")
    t = new(db, clerk, item, handler_cadre_uuid="c-1")
    assert t["handler_name"] == tickets.cadre_name(db, "c-1")
    tickets.finish(db, clerk, t["uuid"], "已办", "2026-02-24", today=TODAY)
    tickets.rate(db, clerk, t["uuid"], 4, today=TODAY)
    perf = tickets.staff_performance(db, "2026-01-01", "2026-12-31")
    assert perf["c-1"] == {"finished": 1, "on_time": 1, "on_time_rate": 1.0, "rated": 1, "satisfied": 1,
                           "satisfaction_rate": 1.0}


def test_search_fts_and_short_like(db, clerk, item):
    new(db, clerk, item, applicant_name="欧阳娜娜", request_text="申请低保，家中有重病老人")
    new(db, clerk, item, applicant_name="李明", request_text="咨询宅基地审批")
    count_of = lambda q: tickets.count_tickets(db, tickets.TicketFilter(search=q))  # noqa: E731
    assert count_of("欧阳娜娜") == 1
    assert count_of("重病老人") == 1
    assert count_of("宅基") == 1  # two characters: LIKE fallback
    assert count_of("李") == 1
    assert count_of("2026-000002") == 1
    assert count_of('"; DROP') == 0
    # Index follows edits (queued by triggers, applied before the search).
    t = tickets.get_by_no(db, "2026-000002")
    with db.atomic():
        records.update(db, "tickets", t["uuid"], {"request_text": "咨询林权证变更"}, clerk)
    assert count_of("宅基地审批") == 0 and count_of("林权证变更") == 1


def test_window_fetch_forward_and_backward_agree(db, clerk):
    import random

    from models.demo.service import generate_tickets

    generate_tickets(db, 500, random.Random(3), today=TODAY, date_from=D(2026, 1, 5), date_to=TODAY)
    f = tickets.TicketFilter()
    total = tickets.count_tickets(db, f)
    assert total == 500
    forward = [r["id"] for r in tickets.fetch_window(db, f, 440, 60)]
    backward = [r["id"] for r in tickets.fetch_window(db, f, 440, 60, total=total)]
    assert forward == backward and len(forward) == 60
    assert db.execute("SELECT count(*) FROM audit_log WHERE action = 'bulk-insert'").fetchone()[0] == 1
    assert tickets.count_tickets(db, tickets.TicketFilter(search=forward[0] and "申请办理")) > 0
    nos = [r[0] for r in db.execute("SELECT ticket_no FROM tickets")]
    assert len(set(nos)) == 500
    s = tickets.statistics(db, "2026-01-01", "2026-12-31")
    assert s["total"] == 500 and 0.5 < s["on_time_rate"] <= 1 and s["satisfaction_rate"] > 0.8
    assert dict(s["by_kind"])["即办件"] > 250
