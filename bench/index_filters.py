"""The queries whose index service m011 changed, timed on a big file opened read-only (issue 22 point 5).

    python -m bench.index_filters DB [--runs 7] [--out JSON]

For each: the ledger's count as the window asks it (at most 10,000, then the rest on a worker: both
timed), the first page of 100 and the last page (the list read from its end), the desk badges, the
statistics of a range with partial months (the whole county and one township) and 责任追究.
The file is opened immutable (the shared 1M county: nothing is written beside it). CPU (thread) time
beside wall time, medians of --runs after one warm-up; the plan of each query is printed with it.
Run it with the code before and after a schema change on the file before and after it.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import statistics
import sys
import time
from pathlib import Path

from bench.index_map import plan, traced  # the statements a query ran on tickets/ticket_events, and their plans

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))


def open_read_only(path):
    """Immutable: nothing is created or written beside the file (bench.index_map's, repeated so that this
    file runs unchanged in a checkout of the code before a schema change)."""
    import sqlite3

    import sqlite_utils

    import models.core.migrations  # noqa: F401 - fills TRAVEL_TABLES

    return sqlite_utils.Database(sqlite3.connect(f"file:{path}?mode=ro&immutable=1", uri=True))


def timed(fn, runs: int) -> dict:
    fn()  # warm-up
    walls, cpus = [], []
    for _ in range(runs):
        w, c = time.perf_counter(), time.thread_time()
        fn()
        walls.append(time.perf_counter() - w)
        cpus.append(time.thread_time() - c)
    return {"wall_ms": round(statistics.median(walls) * 1000, 1), "cpu_ms": round(statistics.median(cpus) * 1000, 1)}


def cases(db) -> dict:
    from models.service import stats, tickets

    code = db.execute("SELECT township_code FROM tickets GROUP BY township_code ORDER BY count(*) DESC LIMIT 1"
                      ).fetchone()[0]
    last = db.execute("SELECT max(received_date) FROM tickets").fetchone()[0]
    today = dt.date.fromisoformat(last)
    year = today.year
    F = tickets.TicketFilter
    filters = {
        "待回访": F(deadline="callback"), "待回访 + 乡镇": F(deadline="callback", township_code=code),
        "超期(含已办结超期)": F(deadline="overdue"), "超期未办结": F(deadline="overdue_open"), "临期": F(deadline="due_soon"),
        "状态 受理": F(status="受理"), "状态 未办结": F(status=tickets.OPEN_LABEL),
        "受理日期起止 一月": F(date_from=f"{year}-03-01", date_to=f"{year}-03-31"),
    }
    out = {}
    for label, f in filters.items():
        def capped(f=f):
            return tickets.count_tickets(db, f, today, at_most=10_000)
        total = tickets.count_tickets(db, f, today)
        out[f"台账 {label}: 计数(≤10,000)"] = capped
        out[f"台账 {label}: 计数(全部)"] = lambda f=f: tickets.count_tickets(db, f, today)
        out[f"台账 {label}: 第一页"] = lambda f=f, total=total: tickets.fetch_window(db, f, 0, 100, total, today)
        out[f"台账 {label}: 最后一页"] = lambda f=f, total=total: tickets.fetch_window(
            db, f, max(0, total - 100), 100, total, today)
    out["桌面计数"] = lambda: tickets.desk_counts(db, "", today)
    out["桌面计数 乡镇"] = lambda: tickets.desk_counts(db, code, today)
    out["统计 跨月 全县"] = lambda: stats.statistics(db, f"{year}-01-15", f"{year}-06-20")
    out["统计 跨月 乡镇"] = lambda: stats.statistics(db, f"{year}-01-15", f"{year}-06-20", code)
    out["问责记录"] = lambda: stats.accountability_records(db, f"{year}-01-01", f"{year}-12-31", today=today)
    return out


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.index_filters", description=__doc__.splitlines()[0])
    parser.add_argument("db", type=Path)
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--out", type=Path)
    args = parser.parse_args(argv)
    db = open_read_only(args.db)
    results = {"db": str(args.db), "runs": args.runs, "load_before": round(os.getloadavg()[0], 2), "figures": {}}
    for label, fn in cases(db).items():
        figure = timed(fn, args.runs)
        figure["plans"] = [line for sql in traced(db, fn) for line in plan(db, sql)]
        results["figures"][label] = figure
        print(f"{label:36s} {figure['wall_ms']:8.1f} ms wall {figure['cpu_ms']:8.1f} ms cpu  "
              f"{' | '.join(figure['plans'])[:150]}", flush=True)
    results["load_after"] = round(os.getloadavg()[0], 2)
    db.conn.close()
    if args.out:
        args.out.write_text(json.dumps(results, ensure_ascii=False, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
