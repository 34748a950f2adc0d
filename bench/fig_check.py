"""`check` on the county database: the fast default (quick_check, row counts,
audit chain, rule checks — what `python main.py check` runs) and `--full`
(integrity_check instead of quick_check), against a bare `PRAGMA
quick_check` on the same file. Also what opening for a command costs once
quick_check has run that day (the once-a-day rule)."""

from __future__ import annotations

import sqlite3
import statistics
import time

from bench import databases
from bench.harness import Figure, guarded, require_attr


def _bare_quick_check(path) -> float:
    conn = sqlite3.connect(path.resolve().as_uri() + "?mode=ro", uri=True)
    try:
        t0 = time.perf_counter()
        conn.execute("PRAGMA quick_check").fetchone()
        return time.perf_counter() - t0
    finally:
        conn.close()


def _check(path, full: bool) -> float:
    from cli.core import domain_checks
    from models.core import audit
    from models.core.db import close_database, open_database

    health_report = require_attr("models.core.db", "health_report")
    t0 = time.perf_counter()
    db = open_database(path, migrate=False, daily_backup=False)
    try:
        report = health_report(db, full=full)
        assert report["integrity"] == "ok", report["integrity"]
        # Everything cli.core.cmd_check runs, in its order.
        audit.verify_chain(db)
        audit.audit_log_is_emptied(db)
        audit.verify_rows_for_check(db, full)
        domain_checks(db)
    finally:
        close_database(db)
    return time.perf_counter() - t0


# Above this size each quick_check/integrity_check of the county takes minutes: one run each.
BIG_FILE = 2e9


def figures(ctx) -> list[Figure]:
    out = []
    state: dict = {}
    county = ctx.county
    big = county.stat().st_size > BIG_FILE
    runs = 1 if big else ctx.runs
    heavy_runs = 1 if big else max(1, ctx.heavy_runs)

    def floor():
        if "floor" not in state:
            state["floor_samples"] = [_bare_quick_check(county) for _ in range(runs)]
            state["floor"] = statistics.median(state["floor_samples"])
        return state

    def fast(fig):
        _check(county, full=False)  # the day's first check runs quick_check (= the floor)
        samples = [_check(county, full=False) for _ in range(runs)]
        f = floor()
        fig.value, fig.runs, fig.samples = statistics.median(samples), runs, [round(s, 3) for s in samples]
        fig.floor, fig.floor_samples = f["floor"], [round(s, 3) for s in f["floor_samples"]]
        fig.floor_label = "bare PRAGMA quick_check"
        fig.target_ok = fig.value <= 5.0
        fig.note = (f"county db {county.stat().st_size / 1e6:.0f} MB; samples after the day's first "
                    "check (which pays one quick_check, the floor)" + ("; one run (minutes each)" if big else ""))

    out.append(guarded(Figure("check_fast", "检查 check (fast default)", "s", target="≤ 5 s"), fast))

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

    def full(fig):
        samples = [_check(county, full=True) for _ in range(heavy_runs)]
        f = floor()
        fig.value, fig.runs, fig.samples = statistics.median(samples), len(samples), [round(s, 2) for s in samples]
        fig.floor, fig.floor_label = f["floor"], "bare PRAGMA quick_check"
        fig.note = "check --full (integrity_check)"

    out.append(guarded(Figure("check_full", "完整检查 check --full", "s"), full))
    return out


__all__ = ["figures", "databases"]
