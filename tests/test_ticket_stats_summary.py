"""Statistics from the monthly summaries agree with counting the tickets
themselves, for any date range, after edits, status changes and deletes."""

import datetime as dt
import random
from collections import Counter

import pytest

from models.core import records
from models.core.users import Actor, WINDOW
from models.service import stats

D = dt.date
TODAY = D(2026, 11, 20)


def by_hand(db, a, b):
    rows = records.rows(db, "SELECT * FROM tickets WHERE deleted = 0")
    got = [r for r in rows if a <= r["received_date"] <= b]
    done = [r for r in rows if r["status"] == "办结" and r["finished_date"] and a <= r["finished_date"] <= b]
    return {
        "total": len(got),
        "by_month": sorted(Counter(r["received_date"][:7] for r in got).items()),
        "by_department": Counter(r["department"] for r in got),
        "by_village": Counter(r["applicant_village"] for r in got),
        "by_status": Counter(r["status"] for r in got),
        "finished": len(done), "on_time": sum(r["days_late"] == 0 for r in done),
        "rated": sum(r["rating"] is not None for r in done),
        "used": sum(r["work_days_used"] or 0 for r in done),
    }


def check(db, a, b):
    s, want = stats.statistics(db, a, b), by_hand(db, a, b)
    assert s["total"] == want["total"] and s["by_month"] == want["by_month"]
    for key in ("by_department", "by_village", "by_status"):
        assert dict(s[key]) == {k or "（未填）": n for k, n in want[key].most_common(30)}, key
    assert (s["finished"], s["on_time"], s["rated"]) == (want["finished"], want["on_time"], want["rated"])
    if want["finished"]:
        assert s["avg_work_days"] is not None


@pytest.fixture
def filled(db):
    from models.demo.service import generate_tickets

    generate_tickets(db, 400, random.Random(5), today=TODAY, date_from=D(2025, 11, 3), date_to=TODAY)
    return db


RANGES = [("2026-01-01", "2026-12-31"), ("2025-11-15", "2026-03-10"), ("2026-02-01", "2026-02-28"),
          ("2026-02-03", "2026-02-20"), ("2025-01-01", "2026-11-20"), ("2026-06-30", "2026-07-01")]


def test_summaries_agree_with_the_tickets(filled):
    for a, b in RANGES:
        check(filled, a, b)


def test_summaries_follow_changes_and_deletes(filled):
    clerk = Actor("window", WINDOW, "窗口 王丽")
    rows = records.rows(filled, "SELECT uuid, status FROM tickets ORDER BY id")
    with filled.atomic():
        for r in rows[:30]:
            records.delete(filled, "tickets", r["uuid"], clerk)
        for r in rows[30:60]:
            records.update(filled, "tickets", r["uuid"], {"department": "新部门", "applicant_village": "新村",
                                                         "received_date": "2026-02-10"}, clerk)
        for r in [r for r in rows[60:] if r["status"] == "办结"][:20]:
            records.update(filled, "tickets", r["uuid"], {"rating": 1, "days_late": 3, "work_days_used": 9}, clerk)
    for a, b in RANGES:
        check(filled, a, b)
    assert filled.execute("SELECT sum(n) FROM ticket_month_received WHERE dimension = 'kind'").fetchone()[0] == 370
    assert filled.execute("SELECT sum(n) FROM ticket_day_received WHERE dimension = 'kind'").fetchone()[0] == 370
    assert kept_by_day(filled) == counted_by_day(filled)


def counted_by_day(db):
    """The daily summaries as counted from the live tickets by hand (rows of n = 0 left out)."""
    rows = records.rows(db, "SELECT * FROM tickets WHERE deleted = 0")
    received = Counter()
    for r in rows:
        for dimension, column in (("department", "department"), ("channel", "channel"),
                                  ("village", "applicant_village"), ("kind", "kind"), ("status", "status")):
            received[(r["received_date"], r["township_code"], dimension, r[column])] += 1
    finished = Counter()
    for r in rows:
        if r["status"] == "办结" and r["finished_date"]:
            key = (r["township_code"], r["finished_date"], r["rating"] or 0, int(r["days_late"] == 0))
            n, used, used_n = finished.get(key, (0, 0, 0))
            finished[key] = (n + 1, used + (r["work_days_used"] or 0), used_n + (r["work_days_used"] is not None))
    return dict(received), dict(finished)


def kept_by_day(db):
    received = {tuple(r[:4]): r[4] for r in db.execute("SELECT * FROM ticket_day_received WHERE n != 0")}
    finished = {(r[0], r[1], r[2], r[3]): (r[4], r[5], r[6]) for r in db.execute(
        "SELECT township_code, day, rating, on_time, n, used_sum, used_n FROM ticket_day_finished WHERE n != 0")}
    return received, finished


def test_partial_months_come_from_the_daily_summaries(filled):
    """A range with partial months reads no ticket: with the daily summaries
    emptied, its partial months count nothing (whole months still do)."""
    assert kept_by_day(filled) == counted_by_day(filled)
    whole = stats.statistics(filled, "2026-02-01", "2026-02-28")["total"]
    assert whole and stats.statistics(filled, "2026-02-03", "2026-02-20")["total"]
    with filled.atomic():
        filled.execute("DELETE FROM ticket_day_received")
        filled.execute("DELETE FROM ticket_day_finished")
    assert stats.statistics(filled, "2026-02-03", "2026-02-20")["total"] == 0
    assert stats.statistics(filled, "2026-02-01", "2026-02-28")["total"] == whole


def test_the_daily_summaries_migration_counts_a_file_full_of_tickets(filled):
    """service m013 on a file that had only m007's monthly summaries: the daily
    ones are counted from its tickets, and the triggers keep both from then on."""
    from models.service import schema

    with filled.atomic():
        filled.execute("DROP TABLE ticket_day_received")
        filled.execute("DROP TABLE ticket_day_finished")
        for name in schema._SUMMARY_TRIGGERS:
            filled.execute(f"DROP TRIGGER {name}")
        schema._create_summary_triggers(filled, ("month",))  # as m007 left them
        schema.m013_statistics_daily_summaries(filled)
    assert kept_by_day(filled) == counted_by_day(filled)
    clerk = Actor("window", WINDOW, "窗口 王丽")
    uuid = filled.execute("SELECT uuid FROM tickets WHERE deleted = 0 ORDER BY id LIMIT 1").fetchone()[0]
    with filled.atomic():
        records.update(filled, "tickets", uuid, {"received_date": "2026-03-03", "applicant_village": "新村"}, clerk)
    assert kept_by_day(filled) == counted_by_day(filled)
    for a, b in RANGES:
        check(filled, a, b)


def test_a_bulk_writers_summary_count_reads_only_the_new_tickets(filled):
    """Past the first ticket, every statement that counts new tickets into the
    summaries walks the rowid range of the new tickets, never an index over
    every ticket (at 10M a covering-index scan was 952 ms a statement)."""
    from models.service import schema

    first = filled.execute("SELECT max(id) - 50 FROM tickets").fetchone()[0]
    statements = schema.summary_count_statements(tuple(schema.SUMMARY_GRAINS), first)
    assert len(statements) == 2  # day counts received (five dimensions) and finished; every grain sums those
    for sql in statements:
        plan = " / ".join(r[3] for r in filled.execute("EXPLAIN QUERY PLAN " + sql, [first]))
        assert "USING INTEGER PRIMARY KEY (rowid>?)" in plan and "INDEX" not in plan.replace("PRIMARY KEY", ""), plan
