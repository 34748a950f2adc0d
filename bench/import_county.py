"""`python -m bench.import_county COUNTY_COPY [--packages DIR] [--out JSON]`
`python -m bench.import_county COPY_PATH --fresh-copy-of ORIGINAL --runs N [...]`

The `import_county` figure on its own (issue 22 point 4): the 20 township
packages of bench/fig_handoff.township_packages, one after another, into a
WRITABLE COPY of the 1M county, each with its wall and CPU time; then the
first package into an empty county (the floor). `python -m bench --reuse`
upgrades the cached county in place and rebuilds the packages when the
generator's code changed; this runs on a copy you made and on the packages you
name, and leaves both as they are except the copy, which holds the imports
afterwards (run `python main.py check --db COPY [--full]` on it).

With --fresh-copy-of, each of the N runs copies ORIGINAL to COPY_PATH
(`cp --reflink=auto`; the original is only read), imports the 20, and
deletes the copy (--keep-last keeps the last one for `check`); it refuses to
copy when that would leave less than 8 GB free. The result holds every run
and the medians of the runs' totals.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))


def _load() -> float:
    return os.getloadavg()[0]


class Phases:
    """CPU and wall seconds of an import's parts, summed per package, by wrapping the functions
    import_package calls (a few calls a package: nothing measurable added). `rest` of a package is
    its total minus the top-level parts: attaching and quick_check of the payload, the commit (the
    WAL written and checkpointed into the county), the audit rows of the import itself."""

    TOP = ("decrypt", "payload checks", "text checks", "form rules", "merge", "refresh results")

    def __init__(self):
        self.now: dict[str, list[float]] = {}
        self._undo: list = []

    def _add(self, name: str, cpu: float, wall: float) -> None:
        spent = self.now.setdefault(name, [0.0, 0.0])
        spent[0] += cpu
        spent[1] += wall

    def wrap(self, module, attr: str, name: str) -> None:
        inner = getattr(module, attr)

        def timed(*args, **kwargs):
            c0, t0 = time.process_time(), time.perf_counter()
            try:
                return inner(*args, **kwargs)
            finally:
                self._add(name, time.process_time() - c0, time.perf_counter() - t0)

        setattr(module, attr, timed)
        self._undo.append((module, attr, inner))

    def install(self) -> None:
        from contextlib import contextmanager

        from models.core import audit
        from models.handoff import merge, row_checks
        from models.handoff import package as pkgfmt

        self.wrap(pkgfmt, "open_package_to_file", "decrypt")
        self.wrap(merge, "_check_payload", "payload checks")
        self.wrap(row_checks, "check_text_and_numbers", "text checks")
        self.wrap(row_checks, "check_form_rules", "form rules")
        self.wrap(merge, "_merge_tables", "merge")
        self.wrap(merge, "_refresh_derived", "refresh results")
        self.wrap(audit, "seal_new_rows", "merge: seals of added rows")
        self.wrap(audit, "record_stored_rows", "merge: audit of changed rows")
        tickets_in_bulk = merge._tickets_in_bulk

        @contextmanager
        def timed_bulk(db, table):
            with tickets_in_bulk(db, table):
                c0, t0 = time.process_time(), time.perf_counter()
                yield
                if table == "tickets":
                    self._add("merge: INSERT of the tickets", time.process_time() - c0, time.perf_counter() - t0)
                c0, t0 = time.process_time(), time.perf_counter()
            if table == "tickets":
                self._add("merge: tickets' search index + summaries", time.process_time() - c0,
                          time.perf_counter() - t0)

        merge._tickets_in_bulk = timed_bulk
        self._undo.append((merge, "_tickets_in_bulk", tickets_in_bulk))

    def uninstall(self) -> None:
        for module, attr, inner in reversed(self._undo):
            setattr(module, attr, inner)
        self._undo.clear()

    def take(self, cpu: float, wall: float) -> dict:
        """This package's parts (rounded), with `rest` and `merge: rest`; starts the next package."""
        now, self.now = self.now, {}
        top = [now.get(name, [0.0, 0.0]) for name in self.TOP]
        now["rest"] = [cpu - sum(t[0] for t in top), wall - sum(t[1] for t in top)]
        inside = [v for k, v in now.items() if k.startswith("merge: ")]
        merged = now.get("merge", [0.0, 0.0])
        now["merge: rest (other tables' INSERTs, decisions)"] = [merged[0] - sum(v[0] for v in inside),
                                                                 merged[1] - sum(v[1] for v in inside)]
        return {k: {"cpu": round(v[0], 3), "wall": round(v[1], 3)} for k, v in now.items()}


def _phase_medians(samples: list[dict]) -> dict:
    names = sorted({k for s in samples for k in s["phases"]})
    return {k: {"cpu": round(statistics.median(s["phases"].get(k, {"cpu": 0})["cpu"] for s in samples), 3),
                "wall": round(statistics.median(s["phases"].get(k, {"wall": 0})["wall"] for s in samples), 3)}
            for k in names}


KEEP_FREE = 8 * 1024**3  # bytes the shared disk keeps free for the others
GROWTH = 2 * 1024**3  # what 20 packages add to the copy (1.0 GB measured) plus its -wal


def _one_run(county: Path, paths: list[Path]) -> dict:
    """The 20 imports into the writable `county`, then one package into an empty county (the floor)."""
    from bench import databases
    from bench.fig_handoff import PASSWORD
    from models.core.db import close_database, open_database, record_quick_check
    from models.core.users import ADMIN, Actor
    from models.handoff.merge import import_package

    actor = Actor("bench", ADMIN, "基准测试")
    size_before = county.stat().st_size
    described = _describe(county)
    # The copy is byte for byte the checked county: its first open need not read 10 GB again.
    record_quick_check(county)
    db = open_database(county, migrate=False, daily_backup=False)
    samples = []
    phases = Phases()
    phases.install()
    try:
        for path in paths:
            load = _load()
            c0, t0 = time.process_time(), time.perf_counter()
            summary = import_package(db, path, PASSWORD, actor)
            wall, cpu = time.perf_counter() - t0, time.process_time() - c0
            rows = sum(summary.totals().values())
            samples.append({"package": path.name, "wall": round(wall, 2), "cpu": round(cpu, 2), "rows": rows,
                            "load_before": round(load, 1), "phases": phases.take(cpu, wall)})
            print(f"{path.name}: {wall:6.2f} s wall {cpu:6.2f} s CPU, {rows} rows, load {load:.1f}", flush=True)
    finally:
        phases.uninstall()
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
    return {
        "county": str(county), **described, "county_gb_before": round(size_before / 1e9, 2),
        "county_gb_after": round(county.stat().st_size / 1e9, 2),
        "total_wall": round(sum(walls), 1), "total_cpu": round(sum(cpus), 1),
        "median_wall": statistics.median(walls), "median_cpu": statistics.median(cpus),
        "first_half_cpu": round(sum(cpus[:len(cpus) // 2]), 1), "second_half_cpu": round(sum(cpus[len(cpus) // 2:]), 1),
        "load_min": min(s["load_before"] for s in samples), "load_max": max(s["load_before"] for s in samples),
        "floor_one_package_empty_county": floor, "phase_medians_per_package": _phase_medians(samples),
        "samples": samples,
        "when": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
    }


def _describe(county: Path) -> dict:
    """What the figure was measured on: the code's commit, the county's migrations and ticket indexes
    (each index costs every inserted ticket; service m011 dropped some)."""
    import sqlite3

    from models.core.db import applied_migrations

    conn = sqlite3.connect(f"file:{county}?mode=ro", uri=True)
    try:
        migrations = [f"{s}/{n}" for s, n in applied_migrations(conn)]
        indexes = [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'index' "
                                              "AND tbl_name = 'tickets' ORDER BY name")]
    finally:
        conn.close()
    commit = subprocess.run(["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"], capture_output=True,
                            text=True).stdout.strip()
    service = [m for m in migrations if m.startswith("service/")]
    return {"code_commit": commit, "county_last_service_migration": service[-1] if service else None,
            "county_ticket_indexes": len(indexes)}


def _fresh_copy(original: Path, copy: Path) -> float:
    """Copy the county for one run (seconds taken); refuse when the disk would keep < 8 GB free."""
    from bench import databases

    databases._remove_db(copy)
    free = shutil.disk_usage(copy.parent).free
    need = original.stat().st_size + GROWTH
    if free - need < KEEP_FREE:
        raise SystemExit(f"not copying: {free / 1e9:.1f} GB free, a run needs {need / 1e9:.1f} GB and "
                         f"{KEEP_FREE / 1e9:.0f} GB must stay free")
    t0 = time.perf_counter()
    subprocess.run(["cp", "--reflink=auto", str(original), str(copy)], check=True)
    return round(time.perf_counter() - t0, 1)


def _write(out: Path, folder: Path, runs: list[dict]) -> None:
    result = {
        "figure": "import_county", "packages": str(folder), "runs": len(runs),
        "median_total_wall": statistics.median(r["total_wall"] for r in runs),
        "median_total_cpu": statistics.median(r["total_cpu"] for r in runs),
        **(runs[0] if len(runs) == 1 else {"each_run": runs}),
    }
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, ensure_ascii=False, indent=1), encoding="utf-8")


def main(argv=None) -> int:
    import models.core.migrations  # noqa: F401  (fills the travelling tables)
    from bench import databases

    parser = argparse.ArgumentParser(prog="python -m bench.import_county")
    parser.add_argument("county", type=Path, help="a writable copy of the county database (with --fresh-copy-of: "
                                                  "where each run's copy goes)")
    parser.add_argument("--packages", type=Path, help="folder of township-NN.xzpkg (default: the newest cached)")
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "results" / "import_county.json")
    parser.add_argument("--fresh-copy-of", type=Path, help="the county to copy before each run (only read)")
    parser.add_argument("--runs", type=int, default=1, help="runs, each on a fresh copy (with --fresh-copy-of)")
    parser.add_argument("--keep-last", action="store_true", help="keep the last run's copy (to run check on it)")
    parser.add_argument("--first", type=int, help="import only the first N packages (a quick look, not the figure)")
    args = parser.parse_args(argv)
    folder = args.packages or max(databases.CACHE.glob("packages-full-*"), key=lambda p: p.stat().st_mtime)
    paths = sorted(folder.glob("township-*.xzpkg"))[:args.first]
    if not paths:
        raise SystemExit(f"no packages in {folder}")
    if args.fresh_copy_of and args.fresh_copy_of.resolve() == args.county.resolve():
        raise SystemExit("the copy must not be the original")
    runs = []
    for i in range(args.runs if args.fresh_copy_of else 1):
        copy_seconds = _fresh_copy(args.fresh_copy_of, args.county) if args.fresh_copy_of else None
        print(f"run {i + 1}" + (f" (copied in {copy_seconds} s)" if copy_seconds is not None else ""), flush=True)
        try:
            run = _one_run(args.county, paths)
        finally:
            if args.fresh_copy_of and not (args.keep_last and i == args.runs - 1):
                databases._remove_db(args.county)
        runs.append(run)
        print(f"run {i + 1}: total {run['total_wall']} s wall / {run['total_cpu']} s CPU (load "
              f"{run['load_min']}–{run['load_max']}); floor (empty county, one package) "
              f"{run['floor_one_package_empty_county']['wall']} s wall / "
              f"{run['floor_one_package_empty_county']['cpu']} s CPU", flush=True)
        _write(args.out, folder, runs)  # after each run: a run cut short keeps the ones before
    print(f"median of {len(runs)} run(s): {statistics.median(r['total_wall'] for r in runs)} s wall / "
          f"{statistics.median(r['total_cpu'] for r in runs)} s CPU; written to {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
