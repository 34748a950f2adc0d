"""Ticket statistics and the figures other domains read (scorecard, notices).

Every query runs on an indexed date column (received_date or finished_date),
so a year of a million-ticket county database is grouped in SQL, not Python.
"""

from __future__ import annotations

import datetime as dt
from typing import TypedDict

from models.core import records

from models.service import workdays
from models.service.states import RUNNING_STATUSES, sql_in
from models.core.errors import ValidationError
from models.core.personal import mask_name, parse_date

RATING_LABELS = {5: "非常满意", 4: "满意", 3: "基本满意", 2: "不满意", 1: "非常不满意"}
SATISFIED_MIN = 3


def _range(date_from, date_to) -> tuple[str, str]:
    a = parse_date(date_from, "开始日期")
    b = parse_date(date_to, "结束日期")
    if a is None or b is None:
        raise ValidationError("日期范围", "请给出开始和结束日期。")
    if b < a:
        raise ValidationError("日期范围", "结束日期早于开始日期。")
    return a.isoformat(), b.isoformat()


def _township(township_code) -> tuple[str, list]:
    return (" AND township_code = ?", [township_code]) if township_code else ("", [])


def _rate(part: int, whole: int) -> float:
    return round(part / whole, 4) if whole else 0.0


def statistics(db, date_from, date_to, township_code: str | None = None) -> dict:
    """Volume by month, department, channel, village and kind (by received date);
    on-time rate, average working days to finish and satisfaction rate (of
    tickets finished in the range)."""
    a, b = _range(date_from, date_to)
    tw, tp = _township(township_code)
    # One pass over the covering index idx_tickets_received, grouped by all
    # dimensions at once (a few thousand groups), then summed per dimension:
    # six GROUP BY queries would each scan the same range again.
    from collections import Counter

    month, dept, channel, village, kind, status = (Counter[str]() for _ in range(6))
    for m, d, c, v, k, st, n in db.execute(
        "SELECT substr(received_date, 1, 7), department, channel, applicant_village, kind, status, count(*) "
        f"FROM tickets WHERE deleted = 0 AND received_date BETWEEN ? AND ?{tw} GROUP BY 1, 2, 3, 4, 5, 6",
        [a, b, *tp],
    ):
        month[m] += n
        dept[d] += n
        channel[c] += n
        village[v] += n
        kind[k] += n
        status[st] += n
    total = sum(month.values())

    def top(counter: Counter, limit: int) -> list[tuple[str, int]]:
        return [(k or "（未填）", n) for k, n in counter.most_common(limit)]

    by_month = sorted(month.items())
    finished = on_time = rated = satisfied = 0
    days_sum, days_n = 0, 0
    ratings: Counter[int] = Counter()
    # Index-only on idx_tickets_finished; '+status' keeps the planner off the status index.
    for rating, in_time, n, used_sum, used_n in db.execute(
        "SELECT rating, days_late = 0, count(*), sum(work_days_used), count(work_days_used) FROM tickets "
        f"WHERE deleted = 0 AND +status = '办结' AND finished_date BETWEEN ? AND ?{tw} GROUP BY 1, 2", [a, b, *tp]
    ):
        finished += n
        on_time += n if in_time else 0
        days_sum += used_sum or 0
        days_n += used_n
        if rating:
            rated += n
            satisfied += n if rating >= SATISFIED_MIN else 0
            ratings[rating] += n
    avg_days = days_sum / days_n if days_n else None
    by_rating = {RATING_LABELS[k]: ratings[k] for k in sorted(ratings, reverse=True)}
    return {
        "date_from": a, "date_to": b, "total": total,
        "by_month": by_month,
        "by_department": top(dept, 30),
        "by_channel": top(channel, 10),
        "by_village": top(village, 30),
        "by_kind": top(kind, 10),
        "by_status": top(status, 10),
        "by_rating": by_rating,
        "finished": finished, "on_time": on_time, "on_time_rate": _rate(on_time, finished),
        "avg_work_days": round(avg_days, 2) if avg_days is not None else None,
        "rated": rated, "satisfied": satisfied, "satisfaction_rate": _rate(satisfied, rated),
    }


def staff_performance(db, date_from, date_to, township_code: str | None = None) -> dict:
    """{cadre_uuid: {finished, on_time, on_time_rate, rated, satisfied, satisfaction_rate}}
    over tickets finished in the range that have a handler cadre. Satisfied =
    基本满意 or better."""
    a, b = _range(date_from, date_to)
    tw, tp = _township(township_code)
    out = {}
    for cadre, finished, on_time, rated, satisfied in db.execute(
        "SELECT handler_cadre_uuid, count(*), sum(days_late = 0), count(rating), sum(rating >= ?) FROM tickets "
        f"WHERE deleted = 0 AND +status = '办结' AND finished_date BETWEEN ? AND ? AND handler_cadre_uuid IS NOT NULL{tw} "
        "GROUP BY handler_cadre_uuid", [SATISFIED_MIN, a, b, *tp]
    ):
        on_time, satisfied = on_time or 0, satisfied or 0
        out[cadre] = {"finished": finished, "on_time": on_time, "on_time_rate": _rate(on_time, finished),
                      "rated": rated, "satisfied": satisfied, "satisfaction_rate": _rate(satisfied, rated)}
    return out


def accountability_records(db, date_from, date_to, township_code: str | None = None,
                           today: dt.date | None = None) -> list[dict]:
    """责任追究 records: tickets that missed their promised date within the range.

    Finished late (finished in the range, days_late > 0) and still open past
    the due date (due in the range, counted up to today or the range end).
    Each: cadre_uuid (may be None when no roster cadre was assigned), name
    (handler, else first receiver), ticket_no, ticket_uuid, due_date,
    finished_date, days_late (working days), status, township_code, item_name."""
    a, b = _range(date_from, date_to)
    tw, tp = _township(township_code)
    today = today or dt.date.today()
    cols = ("uuid, ticket_no, township_code, handler_cadre_uuid, handler_name, first_receiver, item_name, "
            "due_date, finished_date, days_late, status")
    late = records.rows(db, f"SELECT {cols} FROM tickets WHERE deleted = 0 AND days_late > 0 AND +status = '办结' "
                            f"AND finished_date BETWEEN ? AND ?{tw} ORDER BY finished_date, ticket_no", [a, b, *tp])
    as_of = min(today, dt.date.fromisoformat(b))
    open_late = records.rows(db, f"SELECT {cols} FROM tickets WHERE deleted = 0 AND {sql_in(RUNNING_STATUSES)} "
                                 f"AND due_date >= ? AND due_date < ?{tw} ORDER BY due_date, ticket_no",
                             [a, as_of.isoformat(), *tp])
    cal = workdays.calendar(db)
    out = []
    for r in late + open_late:
        days = r["days_late"]
        if r["status"] != "办结":
            days = cal.between(dt.date.fromisoformat(r["due_date"]), as_of)
            if days <= 0:
                continue
        out.append({
            "cadre_uuid": r["handler_cadre_uuid"], "name": r["handler_name"] or r["first_receiver"],
            "ticket_no": r["ticket_no"], "ticket_uuid": r["uuid"], "township_code": r["township_code"],
            "item_name": r["item_name"], "due_date": r["due_date"], "finished_date": r["finished_date"],
            "days_late": days, "status": r["status"],
        })
    return out


class FinishedTicket(TypedDict):
    """A finished ticket as the 办件结果公示 prints it: no phone, no ID number,
    the applicant's name masked."""

    ticket_no: str
    township_code: str
    item_name: str
    department: str
    kind: str
    applicant_name_masked: str
    applicant_village: str | None
    received_date: str
    due_date: str | None
    finished_date: str
    result: str | None
    days_late: int | None
    rating: int | None
    on_time: bool
    rating_label: str


def finished_tickets(db, date_from, date_to, township_code: str | None = None,
                     name_style: str = "given") -> list[FinishedTicket]:
    """Tickets finished in the range for the 办件结果公示, the applicant's name
    masked in `name_style` (personal.mask_name: 'given' 张* or 'middle' 张*丰)."""
    a, b = _range(date_from, date_to)
    tw, tp = _township(township_code)
    rows = records.rows(db, "SELECT ticket_no, township_code, item_name, department, kind, applicant_name, "
                            "applicant_village, received_date, due_date, finished_date, result, days_late, rating "
                            f"FROM tickets WHERE deleted = 0 AND +status = '办结' AND finished_date BETWEEN ? AND ?{tw} "
                            "ORDER BY finished_date, ticket_no", [a, b, *tp])
    return [FinishedTicket(
        ticket_no=r["ticket_no"], township_code=r["township_code"], item_name=r["item_name"],
        department=r["department"], kind=r["kind"], applicant_name_masked=mask_name(r["applicant_name"], name_style),
        applicant_village=r["applicant_village"], received_date=r["received_date"], due_date=r["due_date"],
        finished_date=r["finished_date"], result=r["result"], days_late=r["days_late"], rating=r["rating"],
        on_time=r["days_late"] == 0, rating_label=RATING_LABELS.get(r["rating"], "") if r["rating"] else "",
    ) for r in rows]
