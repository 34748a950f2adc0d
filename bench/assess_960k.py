"""Issue 16, scale: the assessment recompute at the size of the scorecard
issue — a county of 20 townships, 4,000 people, 60 scored items, four
quarters: 960,000 scores. Part of `python -m bench` (group `assess960k`,
bench/fig_assess960k.py: the figure in the README's table); also on its own:

    python -m bench.assess_960k                 # builds bench/cache/assess_960k.db once (~3 min)
    python -m bench.assess_960k --db PATH       # measure on an existing copy

Prints the median wall-clock and CPU time of `recompute()` over every plan
and period (each run rolled back), next to the bare SQL floor of grouping
the same scores per person and period.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import time
import uuid
from pathlib import Path

CACHE = Path(__file__).resolve().parent / "cache" / "assess_960k.db"


def build(path: Path, townships: int = 20, people: int = 200) -> None:
    """20 townships × 200 people × (58 normal + 1 bonus + 1 deduction items) × 4 quarters = 960,000 scores."""
    from models.assess import scorecard as assess
    from models.core import township, users
    from models.core.db import close_database, open_database

    db = open_database(path, daily_backup=False)
    admin = users.create_user(db, "admin", "secret123", users.ADMIN)
    township.set_identity(db, admin, name="县级汇总", code="330106000")
    rng = random.Random(16)
    for t in range(townships):
        code = f"3301060{t + 1:02d}"
        plan = assess.create_plan(db, admin, 2026, f"方案{t + 1}", standard=False, township_code=code)
        cat = assess.add_category(db, admin, plan, "干部", standard=False)
        items = [assess.add_item(db, admin, cat, f"指标{i}", "normal", 16) for i in range(58)]
        items += [assess.add_item(db, admin, cat, "表彰", "bonus", 30), assess.add_item(db, admin, cat, "失误", "deduction", 30)]
        subjects = [str(uuid.uuid4()) for _ in range(people)]
        with db.atomic():
            db.conn.executemany(
                "INSERT INTO assess_subjects (uuid, township_code, version, updated_at, updated_by, deleted, change_seq, "
                "plan_uuid, category_uuid, person_name, kind, role, sort_order) "
                "VALUES (?, ?, 1, '', 'bench', 0, 0, ?, ?, ?, 'cadre', '', ?)",
                [(s, code, plan, cat, f"干部{i}", i) for i, s in enumerate(subjects)])
            db.conn.executemany(
                "INSERT INTO assess_scores (uuid, township_code, version, updated_at, updated_by, deleted, change_seq, "
                "plan_uuid, period, subject_uuid, item_uuid, points, reason, source) "
                "VALUES (?, ?, 1, '', 'bench', 0, 0, ?, ?, ?, ?, ?, '', '')",
                [(str(uuid.uuid4()), code, plan, q, s, it, float(rng.randint(8, 16)))
                 for s in subjects for q in assess.QUARTERS for it in items])
        print(f"  township {t + 1}/{townships}", flush=True)
    db.execute("ANALYZE")
    # A county that has computed its results before (the figure is a recompute,
    # as after an edit); the first computation into an empty results table is
    # the `first` figure of measure().
    from models.assess import results

    results.recompute(db)
    close_database(db)


def measure(path: Path, runs: int) -> dict:
    """Wall and CPU samples (seconds) of recompute() over everything, each run
    rolled back, and of the floor: the bare GROUP BY of the same scores."""
    import sqlite3

    from models.assess import results
    from models.core.db import close_database, open_database

    db = open_database(path, daily_backup=False)
    scores = db.execute("SELECT count(*) FROM assess_scores WHERE deleted = 0").fetchone()[0]
    if db.execute("SELECT 1 FROM assess_results LIMIT 1").fetchone() is None:
        results.recompute(db)  # a database built before build() computed its results once
    # the first computation: every result row written into an empty table (rolled back too)
    first_wall, first_cpu = [], []
    for _ in range(max(1, runs // 2)):
        db.execute("BEGIN")
        try:
            db.execute("DELETE FROM assess_results")
            c0, t0 = time.process_time(), time.perf_counter()
            results.recompute(db)
            first_wall.append(time.perf_counter() - t0)
            first_cpu.append(time.process_time() - c0)
        finally:
            db.execute("ROLLBACK")
    wall, cpu = [], []
    for _ in range(runs):
        db.execute("BEGIN")
        try:
            c0, t0 = time.process_time(), time.perf_counter()
            out = results.recompute(db)
            wall.append(time.perf_counter() - t0)
            cpu.append(time.process_time() - c0)
        finally:
            db.execute("ROLLBACK")
    close_database(db)
    bare = sqlite3.connect(str(path))
    floor_wall, floor_cpu = [], []
    for _ in range(runs):
        c0, t0 = time.process_time(), time.perf_counter()
        bare.execute(FLOOR_SQL).fetchall()
        floor_wall.append(time.perf_counter() - t0)
        floor_cpu.append(time.process_time() - c0)
    bare.close()
    return {"scores": scores, "results": out["count"], "wall": wall, "cpu": cpu, "first_wall": first_wall,
            "first_cpu": first_cpu,
            "floor_wall": floor_wall, "floor_cpu": floor_cpu}


# The cheapest way to get a total per person and period from the same scores.
FLOOR_SQL = ("SELECT plan_uuid, period, subject_uuid, sum(points) FROM assess_scores WHERE deleted = 0 "
             "GROUP BY plan_uuid, period, subject_uuid")


def report(m: dict) -> None:
    def ms(samples):
        return statistics.median(samples) * 1000

    print(f"{m['scores']:,} scores, {m['results']:,} results")
    print(f"recompute: median wall {ms(m['wall']):.0f} ms, CPU {ms(m['cpu']):.0f} ms "
          f"(runs: {', '.join(f'{w * 1000:.0f}' for w in m['wall'])} ms); target ≤ 1000 ms")
    print(f"first computation (empty results table): median wall {ms(m['first_wall']):.0f} ms, "
          f"CPU {ms(m['first_cpu']):.0f} ms")
    print(f"floor (bare GROUP BY of the scores): wall {ms(m['floor_wall']):.0f} ms, CPU {ms(m['floor_cpu']):.0f} ms")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.assess_960k")
    parser.add_argument("--db", type=Path, help="an existing database to measure (else the cached one)")
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args(argv)
    path = args.db or CACHE
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        print(f"building {path} …", flush=True)
        build(path)
    report(measure(path, args.runs))
    return 0


if __name__ == "__main__":
    sys.exit(main())
