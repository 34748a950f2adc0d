"""One ticket state table (models/service/states.py): the model's actions, the
ledger's buttons and the status queries all follow it."""

import datetime as dt

import pytest

from models.core.errors import ValidationError
from models.service import catalogue, states, tickets
from models.core.users import Actor, WINDOW

TODAY = dt.date(2026, 11, 20)
# Each action as the model takes it, on a ticket key.
ACTIONS = {
    "start": lambda db, a, k: tickets.start_handling(db, a, k),
    "correction": lambda db, a, k: tickets.request_correction(db, a, k, "缺收入证明", "2026-02-13", today=TODAY),
    "resume": lambda db, a, k: tickets.resume(db, a, k, "2026-02-16", today=TODAY),
    "finish": lambda db, a, k: tickets.finish(db, a, k, "已办好", "2026-02-16", today=TODAY),
    "reject": lambda db, a, k: tickets.reject(db, a, k, "不属于本镇职权", "2026-02-16", today=TODAY),
    "return": lambda db, a, k: tickets.return_ticket(db, a, k, "申请人撤回", "2026-02-16", today=TODAY),
    "assign": lambda db, a, k: tickets.assign_handler(db, a, k, None, "李明"),
    "rate": lambda db, a, k: tickets.rate(db, a, k, 5, "", "2026-02-17", today=TODAY),
    "confirm": lambda db, a, k: tickets.confirm(db, a, k, True, "2026-02-17", today=TODAY),
}
# How to bring a fresh ticket into each status.
PATHS = {
    states.ACCEPTED: [], states.HANDLING: ["start"], states.CORRECTION: ["start", "correction"],
    states.FINISHED: ["finish"], states.REJECTED: ["reject"], states.RETURNED: ["return"],
}


@pytest.fixture
def clerk():
    return Actor("wl", WINDOW, "王丽")


@pytest.fixture
def item(db, admin):
    return catalogue.add_item(db, admin, {"department": "民政", "name": "最低生活保障申请", "time_limit_days": 5,
                                          "conditions": "低收入", "materials": "身份证"})


def _ticket_in(db, clerk, item, status) -> str:
    t = tickets.create_ticket(db, clerk, {"applicant_name": "张三", "applicant_phone": "13800138000",
                                          "applicant_village": "青石村", "item_uuid": item, "request_text": "申请低保",
                                          "received_date": "2026-02-12"}, today=TODAY)
    for action in PATHS[status]:
        ACTIONS[action](db, clerk, t["uuid"])
    assert tickets.get_ticket(db, t["uuid"])["status"] == status
    return t["uuid"]


def test_every_status_and_action_is_in_the_table():
    assert set(PATHS) == set(states.STATUSES)
    assert set(ACTIONS) == set(states.TRANSITIONS)
    assert states.OPEN_STATUSES == (states.ACCEPTED, states.HANDLING, states.CORRECTION)
    assert states.RUNNING_STATUSES == (states.ACCEPTED, states.HANDLING)


@pytest.mark.parametrize("status", states.STATUSES)
@pytest.mark.parametrize("action", list(states.TRANSITIONS))
def test_the_model_allows_exactly_what_the_table_says(db, clerk, item, status, action):
    key = _ticket_in(db, clerk, item, status)
    if states.allowed(action, status):
        after = ACTIONS[action](db, clerk, key)
        target = states.TRANSITIONS[action].target
        assert after["status"] == (target or status)
    else:
        with pytest.raises(ValidationError, match="当前为|尚未办结|等待补正"):
            ACTIONS[action](db, clerk, key)
        assert tickets.get_ticket(db, key)["status"] == status


def test_a_ticket_waiting_for_materials_is_returned_not_refused(db, clerk, item):
    key = _ticket_in(db, clerk, item, states.CORRECTION)
    with pytest.raises(ValidationError, match="不能不予受理"):
        tickets.reject(db, clerk, key, "材料一直没有补齐", "2026-02-16", today=TODAY)
    assert tickets.return_ticket(db, clerk, key, "逾期未补正", "2026-02-16", today=TODAY)["status"] == "退回"


def test_ledger_buttons_follow_the_table(qtbot, db, admin, clerk, item, tmp_path):
    from ui.common.context import AppContext
    from ui.service.ledger import TicketListPage

    ctx = AppContext(db, tmp_path / "t.db", admin)
    page = TicketListPage(ctx)
    qtbot.addWidget(page)
    for status in states.STATUSES:
        t = tickets.get_ticket(db, _ticket_in(db, clerk, item, status))
        page._update_buttons(t)
        enabled = {k for k, b in page.actions.items() if b.isEnabled()}
        expected = {k for k in page.actions if states.allowed(k, status)}
        assert enabled == expected, status
    assert "reject" not in {k for k in page.actions if states.allowed(k, states.CORRECTION)}
