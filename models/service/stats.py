"""Ticket statistics and the figures other domains read (scorecard, notices).

statistics() reads the summaries the triggers keep (models/service/schema.py:
monthly for whole months, daily for the partial months at a range's ends); the
other figures run on an indexed date column (received_date or finished_date),
grouped in SQL, not Python.
"""

from __future__ import annotations

import datetime as dt
from contextlib import contextmanager
from typing import TYPE_CHECKING, TypedDict

from models.core import records

from models.service import schema, workdays
from models.service.states import FINISHED, RUNNING_STATUSES, sql_in
from models.core.errors import ValidationError
from models.core.personal import mask_name, parse_date

if TYPE_CHECKING:  # annotations only (models.core.db reaches this room through the migrations)
    from sqlite_utils import Database

RATING_LABELS = {5: "非常满意", 4: "满意", 3: "基本满意", 2: "不满意", 1: "非常不满意"}
SATISFIED_MIN = 3


@contextmanager
def summaries_counted_in_bulk(db: Database, progress=None):
    """Inside the caller's transaction: the tickets inserted in the block are
    added to the monthly and daily summaries by a few grouped statements at the
    end, not by the per-row insert trigger (9 of a 100,000-row import's seconds).
    The trigger is dropped and created again in the same transaction, so an error
    or a rollback leaves it as it was. Only inserts may happen in the block."""
    if not db.conn.in_transaction:
        raise RuntimeError("summaries_counted_in_bulk needs an open transaction")
    first_id = db.execute("SELECT coalesce(max(id), 0) FROM tickets").fetchone()[0] + 1
    trigger_sql = db.execute("SELECT sql FROM sqlite_master WHERE type = 'trigger' AND name = ?",
                             [schema.SUMMARY_INSERT_TRIGGER]).fetchone()[0]
    db.execute(f"DROP TRIGGER {schema.SUMMARY_INSERT_TRIGGER}")
    yield
    schema.count_into_summaries(db, first_id=first_id, progress=progress)
    db.execute(trigger_sql)


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


def _whole_months(a: str, b: str) -> tuple[tuple[str, str] | None, list[tuple[str, str]]]:
    """Split the day range a..b into the whole months inside it (first and last
    'YYYY-MM', read from the monthly summaries) and the partial months at its
    ends (day ranges, counted from the tickets)."""
    start, end = dt.date.fromisoformat(a), dt.date.fromisoformat(b)
    first = start if start.day == 1 else (start.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
    after = end + dt.timedelta(days=1)
    stop = after if after.day == 1 else end.replace(day=1)  # first day not covered by whole months
    if first >= stop:
        return None, [(a, b)]
    edges = []
    if start < first:
        edges.append((a, (first - dt.timedelta(days=1)).isoformat()))
    if stop <= end:
        edges.append((stop.isoformat(), b))
    last = stop - dt.timedelta(days=1)
    return (first.isoformat()[:7], last.isoformat()[:7]), edges


RECEIVED_DIMENSIONS = tuple(dimension for dimension, _ in schema.RECEIVED_DIMENSIONS)


def _received_groups(db: Database, a: str, b: str, tw: str, tp: list):
    """(month, dimension, value, n) rows for tickets received in a..b (a month may come more than once)."""
    months, edges = _whole_months(a, b)
    # Summed in the summaries' key order (no sort): a county's townships added up in SQL. The
    # partial months at the ends come from the daily summaries (service m013), a row per day.
    if months:
        yield from db.execute("SELECT month, dimension, value, sum(n) FROM ticket_month_received "
                              f"WHERE month BETWEEN ? AND ?{tw} GROUP BY month, dimension, value HAVING sum(n) > 0",
                              [*months, *tp])
    for lo, hi in edges:
        yield from db.execute("SELECT substr(day, 1, 7), dimension, value, sum(n) FROM ticket_day_received "
                              f"WHERE day BETWEEN ? AND ?{tw} GROUP BY day, dimension, value HAVING sum(n) > 0",
                              [lo, hi, *tp])


def _finished_groups(db: Database, a: str, b: str, tw: str, tp: list):
    """(rating or 0, on time, n, sum of working days used, how many have it) for tickets finished in a..b."""
    months, edges = _whole_months(a, b)
    sums = "rating, on_time, sum(n), sum(used_sum), sum(used_n)"
    if months:
        yield from db.execute(f"SELECT {sums} FROM ticket_month_finished WHERE month BETWEEN ? AND ?{tw} "
                              "GROUP BY month, rating, on_time HAVING sum(n) > 0", [*months, *tp])
    for lo, hi in edges:
        yield from db.execute(f"SELECT {sums} FROM ticket_day_finished WHERE day BETWEEN ? AND ?{tw} "
                              "GROUP BY day, rating, on_time HAVING sum(n) > 0", [lo, hi, *tp])


class Statistics(TypedDict):
    """The service desk's figures over a range (the 统计 page, the county comparison)."""

    date_from: str
    date_to: str
    total: int  # received in the range
    by_month: list[tuple[str, int]]
    by_department: list[tuple[str, int]]
    by_channel: list[tuple[str, int]]
    by_village: list[tuple[str, int]]
    by_kind: list[tuple[str, int]]
    by_status: list[tuple[str, int]]
    by_rating: dict[str, int]
    finished: int  # finished in the range
    on_time: int
    on_time_rate: float
    avg_work_days: float | None
    rated: int
    satisfied: int
    satisfaction_rate: float


def statistics(db: Database, date_from, date_to, township_code: str | None = None) -> Statistics:
    """Volume by month, department, channel, village and kind (by received date);
    on-time rate, average working days to finish and satisfaction rate (of
    tickets finished in the range). Whole months come from the monthly
    summaries the triggers keep (models/service/schema.py m007), the partial
    months at the ends from the daily ones (m013)."""
    a, b = _range(date_from, date_to)
    tw, tp = _township(township_code)
    from collections import Counter

    month = Counter[str]()
    by = {d: Counter[str]() for d in RECEIVED_DIMENSIONS}
    for m, dimension, value, n in _received_groups(db, a, b, tw, tp):
        by[dimension][value] += n
        if dimension == "status":  # every ticket has exactly one status
            month[m] += n
    dept, channel, village, kind, status = (by[d] for d in RECEIVED_DIMENSIONS)
    total = sum(month.values())

    def top(counter: Counter, limit: int) -> list[tuple[str, int]]:
        return [(k or "（未填）", n) for k, n in counter.most_common(limit)]

    by_month = sorted(month.items())
    finished = on_time = rated = satisfied = 0
    days_sum, days_n = 0, 0
    ratings: Counter[int] = Counter()
    for rating, in_time, n, used_sum, used_n in _finished_groups(db, a, b, tw, tp):
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


class StaffPerformance(TypedDict):
    """One handler's finished tickets in a range (the assessment reads it: 按时办结率, 群众满意率)."""

    finished: int
    on_time: int
    on_time_rate: float  # 0.0 when nothing was finished
    rated: int
    satisfied: int
    satisfaction_rate: float  # 0.0 when nothing was rated: read `rated` first


class AccountabilityRecord(TypedDict):
    """A ticket that missed its promised date (责任追究)."""

    cadre_uuid: str | None  # None when no roster cadre handled it
    name: str
    ticket_no: str
    ticket_uuid: str
    township_code: str
    item_name: str
    due_date: str | None
    finished_date: str | None
    days_late: int
    status: str


def staff_performance(db: Database, date_from, date_to, township_code: str | None = None) -> dict[str, StaffPerformance]:
    """{cadre_uuid: {finished, on_time, on_time_rate, rated, satisfied, satisfaction_rate}}
    over tickets finished in the range that have a handler cadre. Satisfied =
    基本满意 or better."""
    a, b = _range(date_from, date_to)
    tw, tp = _township(township_code)
    out: dict[str, StaffPerformance] = {}
    for cadre, finished, on_time, rated, satisfied in db.execute(
        "SELECT handler_cadre_uuid, count(*), sum(days_late = 0), count(rating), sum(rating >= ?) FROM tickets "
        f"WHERE deleted = 0 AND +status = '{FINISHED}' AND finished_date BETWEEN ? AND ? AND handler_cadre_uuid IS NOT NULL{tw} "
        "GROUP BY handler_cadre_uuid", [SATISFIED_MIN, a, b, *tp]
    ):
        on_time, satisfied = on_time or 0, satisfied or 0
        out[cadre] = {"finished": finished, "on_time": on_time, "on_time_rate": _rate(on_time, finished),
                      "rated": rated, "satisfied": satisfied, "satisfaction_rate": _rate(satisfied, rated)}
    return out


def accountability_records(db: Database, date_from, date_to, township_code: str | None = None,
                           today: dt.date | None = None) -> list[AccountabilityRecord]:
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
    late = records.rows(db, f"SELECT {cols} FROM tickets WHERE deleted = 0 AND days_late > 0 AND +status = '{FINISHED}' "
                            f"AND finished_date BETWEEN ? AND ?{tw} ORDER BY finished_date, ticket_no", [a, b, *tp])
    as_of = min(today, dt.date.fromisoformat(b))
    open_late = records.rows(db, f"SELECT {cols} FROM tickets WHERE deleted = 0 AND {sql_in(RUNNING_STATUSES)} "
                                 f"AND due_date >= ? AND due_date < ?{tw} ORDER BY due_date, ticket_no",
                             [a, as_of.isoformat(), *tp])
    cal = workdays.calendar(db)
    out: list[AccountabilityRecord] = []
    for r in late + open_late:
        days = r["days_late"]
        if r["status"] != FINISHED:
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


def finished_tickets(db: Database, date_from, date_to, township_code: str | None = None,
                     name_style: str = "given") -> list[FinishedTicket]:
    """Tickets finished in the range for the 办件结果公示, the applicant's name
    masked in `name_style` (personal.mask_name: 'given' 张* or 'middle' 张*丰)."""
    a, b = _range(date_from, date_to)
    tw, tp = _township(township_code)
    rows = records.rows(db, "SELECT ticket_no, township_code, item_name, department, kind, applicant_name, "
                            "applicant_village, received_date, due_date, finished_date, result, days_late, rating "
                            f"FROM tickets WHERE deleted = 0 AND +status = '{FINISHED}' AND finished_date BETWEEN ? AND ?{tw} "
                            "ORDER BY finished_date, ticket_no", [a, b, *tp])
    return [FinishedTicket(
        ticket_no=r["ticket_no"], township_code=r["township_code"], item_name=r["item_name"],
        department=r["department"], kind=r["kind"], applicant_name_masked=mask_name(r["applicant_name"], name_style),
        applicant_village=r["applicant_village"], received_date=r["received_date"], due_date=r["due_date"],
        finished_date=r["finished_date"], result=r["result"], days_late=r["days_late"], rating=r["rating"],
        on_time=r["days_late"] == 0, rating_label=RATING_LABELS.get(r["rating"], "") if r["rating"] else "",
    ) for r in rows]
