"""`python -m bench.stats_ranges COUNTY.db [--runs N]`

`stats.statistics` over ranges a clerk asks for, county-wide and for one
township, on a county file opened read-only (immutable): a year ending today
(two partial months), two half months, whole months, part of one month.
Medians of N runs, wall and CPU (ms). The bench's own figure is the year
(bench/fig_tickets.py, tickets_stats_year); this shows the other shapes.
"""

from __future__ import annotations

import argparse
import datetime as dt
import statistics as st
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))


def main(argv=None) -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("county", type=Path)
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args(argv)
    from bench.databases import open_for_figures
    from models.service import stats

    db = open_for_figures(args.county, True)
    today = dt.date.today()
    year = today.year
    ranges = [("a year ending today", today - dt.timedelta(days=365), today),
              ("two half months", dt.date(year, 3, 16), dt.date(year, 4, 15)),
              ("whole months", dt.date(year, 1, 1), dt.date(year, 11, 30)),
              ("part of one month", dt.date(year, 2, 3), dt.date(year, 2, 20))]
    township = db.execute("SELECT township_code FROM tickets ORDER BY id LIMIT 1").fetchone()[0]
    for label, a, b in ranges:
        for code in (None, township):
            walls, cpus = [], []
            for _ in range(args.runs):
                c0, t0 = time.process_time(), time.perf_counter()
                figures = stats.statistics(db, a, b, township_code=code)
                walls.append(time.perf_counter() - t0)
                cpus.append(time.process_time() - c0)
            print(f"{label:20} {a}…{b} {code or 'county':10} {st.median(walls) * 1000:7.1f} ms wall "
                  f"{st.median(cpus) * 1000:7.1f} ms CPU  received {figures['total']:,}, finished {figures['finished']:,}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
