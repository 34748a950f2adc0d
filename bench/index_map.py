"""Which index answers each query the program runs on the big tables (issue 22).

Runs the window's real query functions (every ledger filter alone and with a
township, the desk badges, the statistics, the sorts, look-ups by number, the
hand-off export's read) with SQLite's trace on, EXPLAINs every statement they
ran, and prints for each index of tickets / ticket_events the queries whose
plan uses it — an index no query uses is listed as unused.

    python -m bench.index_map DB
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
import sys
from collections import defaultdict

BIG_TABLES = ("tickets", "ticket_events")


def ledger_filters(db, township_code: str) -> dict:
    """One TicketFilter per thing the ledger's filter bar can choose, each alone."""
    from models.service import tickets

    one = db.execute("SELECT kind, department, applicant_village, channel, handler_cadre_uuid, applicant_name "
                     "FROM tickets WHERE deleted = 0 AND handler_cadre_uuid IS NOT NULL LIMIT 1").fetchone() \
        or db.execute("SELECT kind, department, applicant_village, channel, handler_cadre_uuid, applicant_name "
                      "FROM tickets WHERE deleted = 0 LIMIT 1").fetchone()
    kind, department, village, channel, handler, name = one
    year = dt.date.today().year
    F = tickets.TicketFilter
    return {
        "状态 受理": F(status="受理"), "状态 未办结": F(status=tickets.OPEN_LABEL), "办件类型": F(kind=kind),
        "部门": F(department=department), "村": F(village=village), "渠道": F(channel=channel),
        "承办人": F(handler_cadre_uuid=handler or "x"), "受理日期起止": F(date_from=f"{year}-01-01", date_to=f"{year}-03-31"),
        "超期(含已办结超期)": F(deadline="overdue"), "超期未办结": F(deadline="overdue_open"), "临期": F(deadline="due_soon"),
        "待回访": F(deadline="callback"), "乡镇": F(township_code=township_code), "搜索 姓名": F(search=name[:2]),
    }


def traced(db, work) -> list[str]:
    statements: list[str] = []
    db.conn.set_trace_callback(statements.append)
    try:
        work()
    finally:
        db.conn.set_trace_callback(None)
    return [s for s in statements if re.match(r"\s*(SELECT|WITH)\b", s, re.I)
            and re.search(r"\b(" + "|".join(BIG_TABLES) + r")\b", s)]


def plan(db, sql: str) -> list[str]:
    return [row[3] for row in db.execute("EXPLAIN QUERY PLAN " + sql)]


def program_queries(db) -> dict[str, list[str]]:
    """label -> the SELECTs the program ran for it."""
    from models.handoff import export
    from models.service import sorting, stats, tickets

    code = db.execute("SELECT township_code FROM tickets LIMIT 1").fetchone()[0]
    out: dict[str, list[str]] = {}
    for label, f in ledger_filters(db, code).items():
        for variant, g in ((label, f), (label + " + 乡镇", dataclasses.replace(f, township_code=code))):
            def run(g=g):
                total = tickets.count_tickets(db, g)
                tickets.fetch_window(db, g, 0, 100, total)
                tickets.fetch_window(db, g, max(0, total - 100), 100, total)
            out["台账 " + variant] = traced(db, run)
    from models.core import records

    for column in sorting.SORTABLE:
        # A large ledger: the sort walks its column's index (the path of more than SORT_IN_MEMORY_LIMIT matches).
        sql, params = sorting.first_page_sql(db, tickets.TicketFilter(), sorting.LedgerSort(column),
                                             sorting.SORT_IN_MEMORY_LIMIT + 1)
        out[f"台账排序 {column}"] = traced(db, lambda sql=sql, params=params: records.rows(db, sql + " LIMIT 100", params))
    year = dt.date.today().year
    out["桌面计数"] = traced(db, lambda: tickets.desk_counts(db))
    out["桌面计数 乡镇"] = traced(db, lambda: tickets.desk_counts(db, code))
    out["统计 全年"] = traced(db, lambda: stats.statistics(db, f"{year}-01-01", f"{year}-12-31"))
    out["统计 跨月 乡镇"] = traced(db, lambda: stats.statistics(db, f"{year}-01-15", f"{year}-06-20", code))
    out["统计 跨月 全县"] = traced(db, lambda: stats.statistics(db, f"{year}-01-15", f"{year}-06-20"))
    out["人员绩效"] = traced(db, lambda: stats.staff_performance(db, f"{year}-01-01", f"{year}-12-31"))
    out["问责记录"] = traced(db, lambda: stats.accountability_records(db, f"{year}-01-01", f"{year}-12-31"))
    out["办结清单"] = traced(db, lambda: stats.finished_tickets(db, f"{year}-01-01", f"{year}-12-31"))
    no = db.execute("SELECT ticket_no, uuid FROM tickets LIMIT 1").fetchone()
    out["按编号查"] = traced(db, lambda: tickets.get_by_no(db, no[0], code))
    out["办件详情"] = traced(db, lambda: tickets.ticket_detail(db, no[1]))
    out["新编号"] = traced(db, lambda: tickets.next_ticket_no(db, code, year))
    out["最近申请人"] = traced(db, lambda: tickets.recent_applicants(db))
    out["在用村名"] = traced(db, lambda: tickets.villages_in_use(db, code))
    out["整改"] = traced(db, lambda: tickets.rectifications(db))
    from models.service import reconcile, workdays

    out["日历提示 预估件数"] = traced(db, lambda: workdays.provisional_dependents(db, code))
    out["日历提示 待核对"] = traced(db, lambda: reconcile.pending(db))
    seq = db.execute("SELECT max(change_seq) FROM tickets").fetchone()[0] or 0
    for table in BIG_TABLES:
        where, _params = export.changed_rows_where(code, seq - 50)
        out[f"数据包 增量 {table}"] = [f"SELECT * FROM {table} "
                                     + where.replace("= ?", f"= '{code}'").replace("> ?", f"> {seq - 50}")]
    return out


def index_map(db) -> tuple[dict[str, list[str]], dict[str, list[str]]]:
    """(index -> labels of the queries using it, label -> plan lines)."""
    indexes = {name: table for name, table in db.execute(
        "SELECT name, tbl_name FROM sqlite_master WHERE type = 'index' AND tbl_name IN (%s)"
        % ",".join("?" * len(BIG_TABLES)), BIG_TABLES)}
    used: dict[str, list[str]] = defaultdict(list)
    plans: dict[str, list[str]] = {}
    for label, statements in program_queries(db).items():
        lines = [line for sql in statements for line in plan(db, sql)]
        plans[label] = lines
        for line in lines:
            for name in indexes:
                if re.search(rf"\bINDEX {re.escape(name)}\b", line):
                    if label not in used[name]:
                        used[name].append(label)
            if re.search(r"\b(SEARCH|SCAN) (tickets|ticket_events|t)\b(?! USING)", line) and "PRIMARY KEY" not in line:
                used["(no index: " + line + ")"].append(label)
    for name in indexes:
        used.setdefault(name, [])
    return dict(used), plans


def main(argv: list[str]) -> int:
    from models.core.db import close_database, open_database

    db = open_database(argv[0], daily_backup=False)
    try:
        used, plans = index_map(db)
        sizes = dict(db.execute("SELECT name, sum(pgsize) FROM dbstat GROUP BY name"))
        n = db.execute("SELECT count(*) FROM tickets").fetchone()[0] or 1
        for name, labels in sorted(used.items(), key=lambda kv: (bool(kv[1]), kv[0])):
            size = sizes.get(name)
            print(f"{name:40s} {'' if size is None else f'{size / n:6.0f} B/ticket'}  "
                  f"{'; '.join(labels) if labels else 'UNUSED'}")
        if "-v" in argv:
            for label, lines in plans.items():
                print(label, lines)
    finally:
        close_database(db)
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
