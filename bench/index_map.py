"""Which index answers each query the program runs on the big tables (issue 22).

Runs the window's real query functions (every ledger filter alone and with a
township, the desk badges, the statistics, the sorts, look-ups by number, the
hand-off export's read) with SQLite's trace on, EXPLAINs every statement they
ran, and prints for each index of tickets / ticket_events the queries whose
plan uses it — an index no query uses is listed as unused.

    python -m bench.index_map DB [-v] [--read-only] [--sizes]

--read-only opens DB immutable (the shared 1M county: nothing is written
beside it); --sizes adds each index's bytes per ticket (SQLite's dbstat reads
the whole file: a minute at 1M). A query naming an index the file lacks (an
older schema) is listed as failed instead of stopping the map.
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


def _traced_or_failed(db, work) -> list[str]:
    """traced(), or ["FAILED: <why>"] when the file lacks an index a query names (an older schema)."""
    import sqlite3

    try:
        return traced(db, work)
    except sqlite3.OperationalError as e:
        if "no such index" not in str(e):
            raise
        return [f"FAILED: {e}"]


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
    out["统计 跨月 乡镇 一年"] = traced(db, lambda: stats.statistics(db, f"{year - 1}-03-10", f"{year}-03-09", code))
    out["统计 跨月 全县 一年"] = traced(db, lambda: stats.statistics(db, f"{year - 1}-03-10", f"{year}-03-09"))
    out["人员绩效"] = traced(db, lambda: stats.staff_performance(db, f"{year}-01-01", f"{year}-12-31"))
    out["问责记录"] = traced(db, lambda: stats.accountability_records(db, f"{year}-01-01", f"{year}-12-31"))
    out["办结清单"] = traced(db, lambda: stats.finished_tickets(db, f"{year}-01-01", f"{year}-12-31"))
    # The assessment (models/assess/scorecard.py), the 办件结果公示 and the county comparison ask per township.
    out["人员绩效 乡镇"] = traced(db, lambda: stats.staff_performance(db, f"{year}-01-01", f"{year}-12-31", code))
    out["问责记录 乡镇"] = traced(db, lambda: stats.accountability_records(db, f"{year}-01-01", f"{year}-12-31", code))
    out["办结清单 乡镇"] = traced(db, lambda: stats.finished_tickets(db, f"{year}-01-01", f"{year}-12-31", code))
    from models.assess import scorecard

    out["考核 驻村联系村办件"] = traced(db, lambda: scorecard._village_needs(
        db, dt.date(year, 1, 1), dt.date(year, 12, 31), code))
    from models.service import io as ledger_io

    def export_one_month(township_code):
        import tempfile
        from pathlib import Path

        with tempfile.TemporaryDirectory() as tmp:
            ledger_io.export_ledger(db, Path(tmp) / "台帐.xlsx", f"{year}-01-01", f"{year}-01-31", township_code)

    out["台帐导出 全县"] = traced(db, lambda: export_one_month(None))
    out["台帐导出 乡镇"] = traced(db, lambda: export_one_month(code))
    out["台帐导入 查重编号"] = traced(db, lambda: ledger_io._existing_numbers(db, code))
    no = db.execute("SELECT ticket_no, uuid FROM tickets LIMIT 1").fetchone()
    out["按编号查"] = traced(db, lambda: tickets.get_by_no(db, no[0], code))
    out["办件详情"] = traced(db, lambda: tickets.ticket_detail(db, no[1]))
    # Every write and the hand-off merge find a row by its uuid (records.get / update).
    event_uuid = db.execute("SELECT uuid FROM ticket_events LIMIT 1").fetchone()
    out["按 uuid 取办件记录"] = traced(db, lambda: records.get(db, "ticket_events", event_uuid[0] if event_uuid else ""))
    out["新编号"] = traced(db, lambda: tickets.next_ticket_no(db, code, year))
    out["最近申请人"] = traced(db, lambda: tickets.recent_applicants(db))
    out["在用村名"] = traced(db, lambda: tickets.villages_in_use(db, code))
    out["整改"] = traced(db, lambda: tickets.rectifications(db))
    from models.service import reconcile, workdays

    out["日历提示 预估件数"] = _traced_or_failed(db, lambda: workdays.provisional_dependents(db, code))
    out["日历提示 待核对"] = _traced_or_failed(db, lambda: reconcile.pending(db))
    seq = db.execute("SELECT max(change_seq) FROM tickets").fetchone()[0] or 0
    for table in BIG_TABLES:
        where, _params = export.changed_rows_where(code, seq - 50)
        out[f"数据包 增量 {table}"] = [f"SELECT * FROM {table} "
                                     + where.replace("= ?", f"= '{code}'").replace("> ?", f"> {seq - 50}")]
    return out


def plan_shape(lines: list[str]) -> tuple[str, ...]:
    """What a test pins of a plan: each index it uses (COVERING or not), each full scan of a big table,
    each temporary sort — in plan order, without the constraints (which change with the parameters)."""
    shape = []
    for line in lines:
        m = re.search(r"\b(SEARCH|SCAN) (\w+) USING (COVERING )?INDEX (\w+)", line)
        if m:
            shape.append(f"{m[3] or ''}{m[4]}")
        elif re.search(r"\bSCAN (tickets|ticket_events|t)\b(?! VIRTUAL)", line) and "PRIMARY KEY" not in line:
            shape.append("FULL SCAN")
        elif "TEMP B-TREE" in line:
            shape.append(line.replace("USE ", ""))
    return tuple(shape)


def index_map(db) -> tuple[dict[str, list[str]], dict[str, list[str]]]:
    """(index -> labels of the queries using it, label -> plan lines)."""
    indexes = {name: table for name, table in db.execute(
        "SELECT name, tbl_name FROM sqlite_master WHERE type = 'index' AND tbl_name IN (%s)"
        % ",".join("?" * len(BIG_TABLES)), BIG_TABLES)}
    used: dict[str, list[str]] = defaultdict(list)
    plans: dict[str, list[str]] = {}
    for label, statements in program_queries(db).items():
        lines = [line for sql in statements for line in
                 ([sql] if sql.startswith("FAILED: ") else plan(db, sql))]
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


def open_read_only(path):
    """The file as it lies, immutable: nothing is created or written beside it."""
    import sqlite3

    import sqlite_utils

    import models.core.migrations  # noqa: F401 - fills TRAVEL_TABLES

    conn = sqlite3.connect(f"file:{path}?mode=ro&immutable=1", uri=True)
    return sqlite_utils.Database(conn)


def index_sizes(db) -> dict[str, int]:
    """Bytes of each index of the big tables (dbstat reads every page of them)."""
    names = [r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name IN (%s)"
                                      % ",".join("?" * len(BIG_TABLES)), BIG_TABLES)]
    return {name: db.execute("SELECT sum(pgsize) FROM dbstat WHERE name = ?", [name]).fetchone()[0] or 0
            for name in names}


def main(argv: list[str]) -> int:
    from models.core.db import close_database, open_database

    args = [a for a in argv if not a.startswith("-")]
    read_only = "--read-only" in argv
    db = open_read_only(args[0]) if read_only else open_database(args[0], daily_backup=False)
    try:
        used, plans = index_map(db)
        sizes = index_sizes(db) if "--sizes" in argv else {}
        n = db.execute("SELECT count(*) FROM tickets").fetchone()[0] or 1
        for name, labels in sorted(used.items(), key=lambda kv: (bool(kv[1]), kv[0])):
            size = sizes.get(name)
            print(f"{name:40s} {'' if size is None else f'{size / n:6.0f} B/ticket'}  "
                  f"{'; '.join(labels) if labels else 'UNUSED'}")
        if "-v" in argv:
            for label, lines in plans.items():
                print(label, lines)
        if "--pins" in argv:  # tests/test_ticket_indexes.PINNED_PLANS, regenerated
            import pprint

            for label, lines in plans.items():
                shape = pprint.pformat(plan_shape(lines), width=100).replace("\n", "\n" + " " * 8)
                print(f"    {label!r}:\n        {shape},")
    finally:
        if read_only:
            db.conn.close()
        else:
            close_database(db)
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
