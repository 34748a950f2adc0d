"""`check` on the county database (issue 14 §7): what `python main.py check`
runs (cli.core.gather_check: integrity, the audit chain and sealed rows,
row counts, rule checks), the fast default and `--full`.

The fast default goes on from the mark of the last clean check (see
models/core/audit.py check_history): the first check of a file (no mark)
hashes every audit row; the figure is the checks that follow, median of
ctx.runs, CPU beside wall. Also what opening for a command costs once
quick_check has run that day (the once-a-day rule).

Stand-alone, read-only on any county file (the file is opened with
SQLite's immutable flag, never written; the mark goes to a scratch file):

    python -m bench.fig_check --county /work/benchcache/r22b/county-full-….db \\
        --mark /tmp/check-mark.json --runs 5 --out bench/results/check-1m.json

Read-only there means the day's quick_check (once a day per file, ~110 s
over 10 GB) is not part of these figures: it is given by the floor
`bare PRAGMA quick_check` in the harness run, and in the README.
"""

from __future__ import annotations

import argparse
import json
import sqlite3
import statistics
import sys
import time
from pathlib import Path

from bench import databases
from bench.harness import Figure, guarded, median_run, require_attr


def _bare_quick_check(path) -> float:
    conn = sqlite3.connect(path.resolve().as_uri() + "?mode=ro", uri=True)
    try:
        t0 = time.perf_counter()
        conn.execute("PRAGMA quick_check").fetchone()
        return time.perf_counter() - t0
    finally:
        conn.close()


class _Marks:
    """Where the check's mark lives: beside the file as `check` keeps it, or
    (read-only runs) in a scratch JSON file."""

    def __init__(self, path: Path, mark_file: Path | None):
        self.path, self.file = path, mark_file

    def read(self) -> dict | None:
        if self.file is None:
            from models.core.db import check_mark

            return check_mark(self.path)
        return json.loads(self.file.read_text(encoding="utf-8")) if self.file.exists() else None

    def write(self, mark: dict | None) -> None:
        if mark is None:
            return
        if self.file is None:
            from models.core.db import remember_check_mark

            remember_check_mark(self.path, mark)
        else:
            self.file.write_text(json.dumps(mark), encoding="utf-8")

    def forget(self) -> None:
        if self.file is None:
            from models.core.db import forget_check_mark

            forget_check_mark(self.path)
        else:
            self.file.unlink(missing_ok=True)


def _open(path: Path, immutable: bool):
    if not immutable:
        from models.core.db import open_database

        return open_database(path, migrate=False, daily_backup=False)
    from sqlite_utils import Database

    db = Database(sqlite3.connect(f"file:{path.resolve()}?mode=ro&immutable=1", uri=True))
    db.quick_checked = True  # today's quick_check is taken as done (the once-a-day rule): see the module doc
    return db


def _close(db, immutable: bool) -> None:
    if immutable:
        db.conn.close()
    else:
        from models.core.db import close_database

        close_database(db)


def _check(path: Path, full: bool, marks: _Marks, immutable: bool = False) -> dict:
    """What cmd_check runs, timed from opening the file to closing it."""
    gather_check = require_attr("cli.core", "gather_check")
    db = _open(path, immutable)
    try:
        found = gather_check(db, full, None if full else marks.read())
        assert found["integrity"] == "ok", found["integrity"]
        assert not found["history"].problems, found["history"].problems[:5]
        marks.write(found["history"].mark)
        return found
    finally:
        _close(db, immutable)


def _counts_only(path: Path, immutable: bool) -> None:
    from models.core.db import row_counts

    db = _open(path, immutable)
    try:
        row_counts(db, {"audit_log": db.execute("SELECT row_count FROM audit_head").fetchone()[0]})
    finally:
        _close(db, immutable)


# A busy day at a county: this many audit rows since the last check (a merge of packages writes more).
DAY_OF_WORK = 10_000

# Above this size each quick_check/integrity_check of the county takes minutes: one run each.
BIG_FILE = 2e9


def figures(ctx) -> list[Figure]:
    out = []
    state: dict = {}
    county = Path(ctx.county)
    immutable = bool(getattr(ctx, "immutable", False))
    marks = _Marks(county, Path(ctx.mark_file) if getattr(ctx, "mark_file", None) else None)
    big = county.stat().st_size > BIG_FILE
    heavy_runs = 1 if big else max(1, ctx.heavy_runs)
    with_full = getattr(ctx, "with_full", True)

    def floor():
        if "floor" not in state:
            runs = 1 if big else ctx.runs
            state["floor_samples"] = [_bare_quick_check(county) for _ in range(runs)]
            state["floor"] = statistics.median(state["floor_samples"])
        return state

    def first(fig):
        marks.forget()
        if not immutable:
            from models.core.db import close_database, open_database

            close_database(open_database(county, migrate=False, daily_backup=False))  # today's quick_check
        timing = median_run(lambda: _check(county, False, marks, immutable), 1)
        fig.value, fig.runs, fig.samples, fig.cpu = timing[0], 1, [round(timing[0], 2)], timing.cpu
        fig.note = (f"county db {county.stat().st_size / 1e6:.0f} MB; no mark yet (first check, or after a "
                    "restore / a change while closed): every audit row hashed, rows by the index-only sweep"
                    + ("; read-only (immutable), quick_check of the day not included" if immutable else
                       "; after the day's quick_check"))

    out.append(guarded(Figure("check_fast_first", "检查 check, first run (no mark)", "s"), first))

    def fast(fig):
        if marks.read() is None:
            _check(county, False, marks, immutable)
        found: dict = {}

        def once():
            found.update(_check(county, False, marks, immutable))

        timing = median_run(once, ctx.runs)
        counts = median_run(lambda: _counts_only(county, immutable), ctx.runs)
        fig.value, fig.runs, fig.samples, fig.cpu = timing[0], ctx.runs, [round(s, 3) for s in timing[1]], timing.cpu
        fig.floor, fig.floor_samples, fig.floor_cpu = counts[0], [round(s, 3) for s in counts[1]], counts.cpu
        fig.floor_label = "open + row counts only (what check prints, nothing verified)"
        fig.target_ok = fig.value <= 5.0
        history = found["history"]
        fig.note = (f"from the mark of the check before: audit rows hashed {history.chain.hashed}, "
                    f"rows checked row by row {history.rows.hashed} of {history.rows.sealed} sealed ({history.rows.how})"
                    + ("; read-only (immutable), quick_check of the day not included" if immutable else
                       "; after the day's quick_check"))

    out.append(guarded(Figure("check_fast", "检查 check (fast default)", "s", target="≤ 5 s"), fast))

    def after_a_day(fig):
        """The same, with the mark set back DAY_OF_WORK audit rows: what a check
        after that much work hashes (those rows, and every row they changed)."""
        if marks.read() is None:
            _check(county, False, marks, immutable)
        head = marks.read()
        db = _open(county, immutable)
        try:
            # A file with fewer audit rows (the demo, a small scale) is set back to its first row.
            back_id, back_hash = db.execute("SELECT id, hash FROM audit_log WHERE id <= max(?, 1) ORDER BY id DESC "
                                            "LIMIT 1", [head["audit_id"] - DAY_OF_WORK]).fetchone()
            behind = db.execute("SELECT count(*) FROM audit_log WHERE id > ?", [back_id]).fetchone()[0]
        finally:
            _close(db, immutable)
        rewound = {**head, "audit_id": back_id, "audit_hash": back_hash, "audit_count": head["audit_count"] - behind}
        found: dict = {}

        def once(_):
            found.update(_check(county, False, marks, immutable))

        timing = median_run(once, ctx.runs, setup=lambda: marks.write(rewound))
        fig.value, fig.runs, fig.samples, fig.cpu = timing[0], ctx.runs, [round(s, 3) for s in timing[1]], timing.cpu
        fig.target_ok = fig.value <= 5.0
        history = found["history"]
        fig.note = (f"mark set back {behind} audit rows: audit rows hashed {history.chain.hashed}, "
                    f"rows checked row by row {history.rows.hashed} ({history.rows.how})")

    out.append(guarded(Figure("check_fast_day", f"检查 check (fast, {DAY_OF_WORK:,} audit rows since the last)", "s",
                              target="≤ 5 s"), after_a_day))

    if not immutable:
        def open_again(fig):
            from models.core.db import close_database, open_database, quick_check_due

            db = open_database(county, migrate=False, daily_backup=False)  # runs today's check if due
            close_database(db)
            assert not quick_check_due(county)
            samples = []
            for _ in range(ctx.runs):
                t0 = time.perf_counter()
                db = open_database(county, migrate=False, daily_backup=False)
                samples.append(time.perf_counter() - t0)
                close_database(db)
            f = floor()
            fig.value, fig.runs, fig.samples = statistics.median(samples) * 1000, ctx.runs, [round(s * 1000, 1) for s in samples]
            fig.floor, fig.floor_label = f["floor"] * 1000, "bare PRAGMA quick_check (paid once a day)"
            fig.target_ok = fig.value <= 200
            fig.note = "open for a command after today's quick_check"

        out.append(guarded(Figure("open_checked", "打开（当天已检查）open, already checked today", "ms",
                                  target="≤ 200 ms"), open_again))

    if with_full:
        def full(fig):
            timing = median_run(lambda: _check(county, True, marks, immutable), heavy_runs)
            fig.value, fig.runs, fig.samples, fig.cpu = timing[0], heavy_runs, [round(s, 2) for s in timing[1]], timing.cpu
            if not immutable:
                f = floor()
                fig.floor, fig.floor_label = f["floor"], "bare PRAGMA quick_check"
            fig.note = "check --full (integrity_check, every audit row and every sealed row hashed)"

        out.append(guarded(Figure("check_full", "完整检查 check --full", "s"), full))
    return out


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.fig_check", description=__doc__.split("\n\n")[0])
    parser.add_argument("--county", required=True, help="a county database, opened read-only (immutable)")
    parser.add_argument("--mark", required=True, help="scratch JSON file for the check's mark")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--full", action="store_true", help="also check --full (minutes at county scale)")
    parser.add_argument("--out", required=True, help="JSON file")
    args = parser.parse_args(argv)
    import os
    from types import SimpleNamespace

    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    import models.core.migrations  # noqa: F401 - registers every domain's tables (TRAVEL_TABLES) as opening would
    import models.startup
    from bench.harness import print_table, write_county_results

    models.startup.start()
    county = Path(args.county)
    ctx = SimpleNamespace(county=county, runs=args.runs, heavy_runs=1, immutable=True, mark_file=args.mark,
                          with_full=args.full)
    t0 = time.perf_counter()
    figs = figures(ctx)
    print_table(figs)
    conn = sqlite3.connect(f"file:{county.resolve()}?mode=ro&immutable=1", uri=True)
    tickets = conn.execute("SELECT count(*) FROM tickets").fetchone()[0]
    conn.close()
    write_county_results(Path(args.out), figs, county, t0, args.runs, tickets=tickets)
    print(f"\n结果已写入 {args.out}")
    return 0


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    sys.exit(main())


__all__ = ["figures", "databases"]
