"""`python -m bench.import_county COUNTY_COPY [--packages DIR] [--out JSON]`

The `import_county` figure on its own (issue 22 point 4): the 20 township
packages of bench/fig_handoff.township_packages, one after another, into a
WRITABLE COPY of the 1M county, each with its wall and CPU time; then the
first package into an empty county (the floor). `python -m bench --reuse`
upgrades the cached county in place and rebuilds the packages when the
generator's code changed; this runs on a copy you made and on the packages you
name, and leaves both as they are except the copy, which holds the imports
afterwards (run `python main.py check --db COPY [--full]` on it).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))


def _load() -> float:
    return os.getloadavg()[0]


def main(argv=None) -> int:
    import models.core.migrations  # noqa: F401  (fills the travelling tables)
    from bench import databases
    from bench.fig_handoff import PASSWORD
    from models.core.db import close_database, open_database, record_quick_check
    from models.core.users import ADMIN, Actor
    from models.handoff.merge import import_package

    parser = argparse.ArgumentParser(prog="python -m bench.import_county")
    parser.add_argument("county", type=Path, help="a writable copy of the county database")
    parser.add_argument("--packages", type=Path, help="folder of township-NN.xzpkg (default: the newest cached)")
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "results" / "import_county.json")
    args = parser.parse_args(argv)
    folder = args.packages or max(databases.CACHE.glob("packages-full-*"), key=lambda p: p.stat().st_mtime)
    paths = sorted(folder.glob("township-*.xzpkg"))
    if not paths:
        raise SystemExit(f"no packages in {folder}")
    actor = Actor("bench", ADMIN, "基准测试")
    size_before = args.county.stat().st_size
    # The copy is byte for byte the checked county: its first open need not read 10 GB again.
    record_quick_check(args.county)
    db = open_database(args.county, migrate=False, daily_backup=False)
    samples = []
    try:
        for path in paths:
            load = _load()
            c0, t0 = time.process_time(), time.perf_counter()
            summary = import_package(db, path, PASSWORD, actor)
            wall, cpu = time.perf_counter() - t0, time.process_time() - c0
            rows = sum(summary.totals().values())
            samples.append({"package": path.name, "wall": round(wall, 2), "cpu": round(cpu, 2), "rows": rows,
                            "load_before": round(load, 1)})
            print(f"{path.name}: {wall:6.2f} s wall {cpu:6.2f} s CPU, {rows} rows, load {load:.1f}", flush=True)
    finally:
        close_database(db)
    # Floor: the first package into an empty county.
    empty = databases.CACHE / "scratch" / "import-county-floor.db"
    empty.parent.mkdir(parents=True, exist_ok=True)
    databases._remove_db(empty)
    db = open_database(empty, daily_backup=False)
    try:
        c0, t0 = time.process_time(), time.perf_counter()
        import_package(db, paths[0], PASSWORD, actor)
        floor = {"wall": round(time.perf_counter() - t0, 2), "cpu": round(time.process_time() - c0, 2)}
    finally:
        close_database(db)
        databases._remove_db(empty)
    walls, cpus = [s["wall"] for s in samples], [s["cpu"] for s in samples]
    result = {
        "figure": "import_county", "county": str(args.county), "county_gb_before": round(size_before / 1e9, 2),
        "county_gb_after": round(args.county.stat().st_size / 1e9, 2), "packages": str(folder),
        "total_wall": round(sum(walls), 1), "total_cpu": round(sum(cpus), 1),
        "median_wall": statistics.median(walls), "median_cpu": statistics.median(cpus),
        "first_half_cpu": round(sum(cpus[:len(cpus) // 2]), 1), "second_half_cpu": round(sum(cpus[len(cpus) // 2:]), 1),
        "floor_one_package_empty_county": floor, "samples": samples,
        "when": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, ensure_ascii=False, indent=1), encoding="utf-8")
    print(f"total {result['total_wall']} s wall / {result['total_cpu']} s CPU; floor (empty county, one package) "
          f"{floor['wall']} s wall / {floor['cpu']} s CPU; written to {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
