"""Scorecard recompute on the county database (every plan, every period),
against the bare SQL sum of the scores per person and period. Each run is
rolled back, so the cached database is left as it was."""

from __future__ import annotations

import sqlite3
import statistics
import time

from bench.harness import Figure, guarded, require_attr


def figures(ctx) -> list[Figure]:
    from models.core.db import close_database, open_database

    db = open_database(ctx.county, migrate=False, daily_backup=False)
    bare = sqlite3.connect(str(ctx.county))

    def recompute_all(fig):
        recompute = require_attr("models.assess.results", "recompute")
        scores = db.execute("SELECT count(*) FROM assess_scores WHERE deleted = 0").fetchone()[0]
        if not scores:
            fig.status, fig.note = "missing", "the demo generator made no assessment scores (models/demo/assess.py)"
            return
        samples, cpu = [], []
        for _ in range(ctx.runs):
            db.execute("BEGIN")
            try:
                c0, t0 = time.process_time(), time.perf_counter()
                result = recompute(db)
                samples.append(time.perf_counter() - t0)
                cpu.append(time.process_time() - c0)
            finally:
                db.execute("ROLLBACK")
        floor_samples = []
        for _ in range(ctx.runs):
            t0 = time.perf_counter()
            bare.execute("SELECT plan_uuid, period, subject_uuid, sum(points) FROM assess_scores WHERE deleted = 0 "
                         "GROUP BY plan_uuid, period, subject_uuid").fetchall()
            floor_samples.append(time.perf_counter() - t0)
        fig.value, fig.floor = statistics.median(samples) * 1000, statistics.median(floor_samples) * 1000
        fig.cpu = statistics.median(cpu) * 1000
        fig.samples = [round(s * 1000, 1) for s in samples]
        fig.floor_samples = [round(s * 1000, 1) for s in floor_samples]
        fig.runs = ctx.runs
        fig.target_ok = fig.value <= 1000
        subjects = db.execute("SELECT count(*) FROM assess_subjects WHERE deleted = 0").fetchone()[0]
        fig.note = f"{scores} scores, {subjects} people, {result.get('count', '?')} results"

    try:
        return [guarded(Figure("assess_recompute", "考核 scorecard recompute (all)", "ms",
                               floor_label="bare SQL sum per person/period", target="≤ 1000 ms"), recompute_all)]
    finally:
        bare.close()
        close_database(db)
