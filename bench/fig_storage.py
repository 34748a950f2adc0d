"""Backups and restore of the county database (issue 14 §7): the compressed
backup (VACUUM INTO + zstd, what `backup` and the daily backup make for a
large file), its size, and restoring it — each next to its floor:

- backup: compressing the file as it lies with the same codec (no VACUUM,
  no copy: the cheapest way to a compressed copy); SQLite's backup API to
  an uncompressed file (`sqlite3 .backup`) is given in the note;
- size: the database file itself;
- restore: unpacking the backup and moving it into place (no check, no
  kept-aside copy, no new generation).

Medians of ctx.runs runs, CPU time of this process beside the wall time.
Everything is written to a scratch folder (bench/cache/scratch or
--scratch); the county file itself is only read.

Stand-alone on any county file (the 1M county or a copy of the 550k one):

    python -m bench.fig_storage --county COPY.db --runs 5 --out bench/results/storage-550k.json

runs these figures and bench/fig_check's (check, check --full) on that file.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sqlite3
import sys
import time
from pathlib import Path
from types import SimpleNamespace

from bench.harness import Figure, guarded, median_run


def _scratch(ctx) -> Path:
    folder = Path(getattr(ctx, "scratch", None) or Path(__file__).resolve().parent / "cache" / "scratch" / "storage")
    folder.mkdir(parents=True, exist_ok=True)
    return folder


# What a restore figure leaves free on a shared disk.
LEAVE_FREE_BYTES = 8 * 10**9


def _mb(n: int) -> float:
    return n / 1024 / 1024


def figures(ctx) -> list[Figure]:
    from models.core import backup_codec
    from models.core.db import backup_database, close_database, open_database, restore_backup

    county = Path(ctx.county)
    scratch = _scratch(ctx)
    packed = scratch / "county-bench-backup.db.zst"
    state: dict = {}
    out = []
    # --immutable: the county is only read (a backup only reads its file), through SQLite's
    # immutable flag; the restore then goes over a copy of --restore-over (default: the county).
    immutable = bool(getattr(ctx, "immutable", False))
    floor_runs = getattr(ctx, "floor_runs", None) or ctx.runs

    def _source():
        if not immutable:
            return open_database(county, migrate=False, daily_backup=False)
        from sqlite_utils import Database

        db = Database(sqlite3.connect(f"file:{county.resolve()}?mode=ro&immutable=1", uri=True))
        db.path = county
        return db

    def backup(fig):
        db = _source()
        try:
            def once(_):
                return backup_database(db, reason="bench", dest=packed)

            def fresh():
                packed.unlink(missing_ok=True)

            timing = median_run(once, ctx.runs, setup=fresh)
            api = scratch / "county-bench-api.db"

            def api_copy(_):
                target = sqlite3.connect(str(api))
                try:
                    db.conn.backup(target)
                finally:
                    target.close()

            api_timing = None
            if not getattr(ctx, "no_api", False):
                api_timing = median_run(api_copy, max(1, ctx.runs // 2), setup=lambda: api.unlink(missing_ok=True))
                api.unlink(missing_ok=True)
        finally:
            if immutable:
                db.conn.close()
            else:
                close_database(db)
        # No connection is open now: the floor may read the file with Python.
        raw = scratch / "county-bench-raw.zst"
        floor = median_run(lambda _: backup_codec.compress_file(county, raw), floor_runs,
                           setup=lambda: raw.unlink(missing_ok=True))
        state["raw_size"] = raw.stat().st_size
        raw.unlink(missing_ok=True)
        fig.value, fig.samples, fig.runs, fig.cpu = timing[0], [round(s, 2) for s in timing[1]], ctx.runs, timing.cpu
        fig.floor, fig.floor_samples, fig.floor_cpu = floor[0], [round(s, 2) for s in floor[1]], floor.cpu
        fig.floor_label = "zstd of the file as it lies"
        fig.note = (f"VACUUM INTO a temporary file + zstd level {backup_codec.LEVEL}; county file "
                    f"{_mb(county.stat().st_size):,.0f} MB; "
                    + (f"SQLite backup API (sqlite3 .backup, uncompressed) {api_timing[0]:.1f} s wall / "
                       f"{api_timing.cpu:.1f} s CPU" if api_timing else "backup API copy not measured (disk)")
                    + (f"; floor runs {floor_runs}" if floor_runs != ctx.runs else ""))

    out.append(guarded(Figure("backup_compressed", "备份 backup (compressed, county db)", "s"), backup))

    def size(fig):
        if not packed.exists():
            raise RuntimeError("the backup figure did not run")
        inside = backup_codec.content_size(packed) or 0
        fig.value, fig.runs = _mb(packed.stat().st_size), 1
        fig.floor, fig.floor_label = _mb(county.stat().st_size), "the database file"
        fig.note = (f"VACUUM INTO copy {_mb(inside):,.0f} MB compressed to {packed.stat().st_size / inside:.0%}"
                    + (f"; zstd of the file as it lies {_mb(state['raw_size']):,.0f} MB" if "raw_size" in state else ""))

    out.append(guarded(Figure("backup_size", "备份大小 backup size (compressed)", "MB"), size))

    def restore(fig):
        if not packed.exists():
            raise RuntimeError("the backup figure did not run")
        target = scratch / "county-bench-restore-target.db"
        # The restore holds the unpacked backup and the rewritten file at once; leave the others room.
        need = 2 * (backup_codec.content_size(packed) or county.stat().st_size) + LEAVE_FREE_BYTES
        if shutil.disk_usage(scratch).free < need:
            raise RuntimeError(f"not measured: the restore needs {need / 1e9:.1f} GB free (with "
                               f"{LEAVE_FREE_BYTES / 1e9:.0f} GB left for others), the disk has "
                               f"{shutil.disk_usage(scratch).free / 1e9:.1f} GB")
        for suffix in ("", "-wal", "-shm"):
            Path(str(target) + suffix).unlink(missing_ok=True)
        over = Path(getattr(ctx, "restore_over", None) or county)
        shutil.copyfile(over, target)  # no connection on either file in this process
        kept_folder = target.parent / f"{target.stem}-backups"

        def once(_):
            restore_backup(packed, target)

        def clean():
            # The kept-aside copy of the replaced file (as large as the county) would fill the disk.
            for pattern in ("*-before-restore.db", "*.kept"):
                for leftover in kept_folder.glob(pattern):
                    leftover.unlink()

        timing = median_run(once, ctx.runs, setup=clean)
        clean()
        restored = open_database(target, migrate=False, daily_backup=False)
        try:
            assert restored.execute("SELECT count(*) FROM tickets").fetchone()[0] > 0
        finally:
            close_database(restored)
        for leftover in [target, *target.parent.glob(target.name + "*"), *kept_folder.glob("*")]:
            leftover.unlink(missing_ok=True)  # as large as the county: gone before the floor writes its own copy
        placed = scratch / "county-bench-floor.db"

        def floor_once(_):
            unpacked = scratch / "county-bench-floor.part"
            backup_codec.decompress_file(packed, unpacked)
            os.replace(unpacked, placed)

        floor = median_run(floor_once, floor_runs, setup=lambda: placed.unlink(missing_ok=True))
        placed.unlink(missing_ok=True)
        fig.value, fig.samples, fig.runs, fig.cpu = timing[0], [round(s, 2) for s in timing[1]], ctx.runs, timing.cpu
        fig.floor, fig.floor_samples, fig.floor_cpu = floor[0], [round(s, 2) for s in floor[1]], floor.cpu
        fig.floor_label = "unpack + move into place"
        fig.note = ("restore_backup: unpack with checksum, quick_check, copy the replaced file aside, "
                    "new generation, write through the backup API"
                    + (f"; restored over a copy of {over.name} ({_mb(over.stat().st_size):,.0f} MB), not over a "
                       "county-size file (disk): the replaced file's kept-aside copy and the generation's "
                       "comparison with it are that small" if over != county else ""))

    if not getattr(ctx, "no_restore", False):
        out.append(guarded(Figure("restore_compressed", "恢复 restore (compressed backup, county db)", "s"), restore))
    return out


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.fig_storage", description=__doc__.split("\n\n")[0])
    parser.add_argument("--county", required=True, help="a county database (a copy: it is opened and checked)")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--heavy-runs", type=int, default=0, help="runs of check --full (default: --runs)")
    parser.add_argument("--only", default="check,storage", help="check and/or storage")
    parser.add_argument("--scratch", help="folder for backups and the restore target (default bench/cache/scratch)")
    parser.add_argument("--out", required=True, help="JSON file")
    parser.add_argument("--immutable", action="store_true",
                        help="read the county only (SQLite immutable flag); check figures are not run")
    parser.add_argument("--restore-over", help="the file the restore replaces (a copy of it; default the county)")
    parser.add_argument("--no-api", action="store_true", help="skip the uncompressed backup-API copy (disk)")
    parser.add_argument("--floor-runs", type=int, default=0, help="runs of the floors (default --runs)")
    parser.add_argument("--no-restore", action="store_true", help="backup and size only (a restore needs ~3x the file free)")
    args = parser.parse_args(argv)
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

    from bench import fig_check
    from bench.harness import print_table, write_county_results

    county = Path(args.county)
    ctx = SimpleNamespace(county=county, runs=args.runs, heavy_runs=args.heavy_runs or args.runs, scratch=args.scratch,
                          immutable=args.immutable, restore_over=args.restore_over, no_api=args.no_api,
                          floor_runs=args.floor_runs, no_restore=args.no_restore)
    if args.immutable:
        import models.core.migrations  # noqa: F401 - every domain's tables, as opening would register them
        import models.startup

        models.startup.start()
    conn = sqlite3.connect(f"file:{county.resolve()}?mode=ro&immutable=1", uri=True)
    tickets = conn.execute("SELECT count(*) FROM tickets").fetchone()[0]
    townships = conn.execute("SELECT count(DISTINCT township_code) FROM tickets").fetchone()[0]
    conn.close()
    t0 = time.perf_counter()
    figs: list[Figure] = []
    groups = args.only.split(",")
    if "check" in groups and not args.immutable:
        figs += fig_check.figures(ctx)
    if "storage" in groups:
        figs += figures(ctx)
    print_table(figs)
    write_county_results(Path(args.out), figs, county, t0, args.runs, tickets=tickets, townships=townships)
    print(f"\n结果已写入 {args.out}")
    return 0


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    sys.exit(main())
