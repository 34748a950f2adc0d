"""Export and import of a township package (the township database, every
record), against copying the database file and against SQLite's backup API.
Also re-importing a package already imported (nothing changes)."""

from __future__ import annotations

import shutil
import sqlite3
import statistics
import time

from bench import databases
from bench.harness import Figure, guarded, require_attr

PASSWORD = "bench-package-password-2026"


def _copy_floors(src, runs: int) -> tuple[float, float, list, list]:
    """Median seconds of a plain file copy and of the sqlite3 backup API."""
    dest = databases.CACHE / "scratch" / "floor-copy.db"
    copies, backups = [], []
    for _ in range(runs):
        dest.unlink(missing_ok=True)
        t0 = time.perf_counter()
        shutil.copyfile(src, dest)
        copies.append(time.perf_counter() - t0)
        dest.unlink(missing_ok=True)
        t0 = time.perf_counter()
        source = sqlite3.connect(str(src))
        target = sqlite3.connect(str(dest))
        source.backup(target)
        target.close()
        source.close()
        backups.append(time.perf_counter() - t0)
    dest.unlink(missing_ok=True)
    return statistics.median(copies), statistics.median(backups), copies, backups


def _fresh_county() -> object:
    from models.core.db import open_database

    path = databases.CACHE / "scratch" / "import-target.db"
    databases._remove_db(path)
    return open_database(path, daily_backup=False)


def figures(ctx) -> list[Figure]:
    from models.core.db import close_database, open_database
    from models.core.users import ADMIN, Actor

    actor = Actor("bench", ADMIN, "基准测试")
    out = []
    package = databases.CACHE / "scratch" / "township.xzpkg"
    state = {}

    def floors():
        if "copy" not in state:
            c, b, cs, bs = _copy_floors(ctx.township, ctx.runs)
            state.update(copy=c, backup=b, copy_samples=cs, backup_samples=bs)
        return state

    def export(fig):
        export_package = require_attr("models.handoff.export", "export_package")
        samples = []
        for _ in range(ctx.runs):
            work = databases.scratch_copy(ctx.township, "export-source.db")  # export records its log row
            db = open_database(work, migrate=False, daily_backup=False)
            package.unlink(missing_ok=True)
            try:
                t0 = time.perf_counter()
                export_package(db, package, PASSWORD, actor, full=True)
                samples.append(time.perf_counter() - t0)
            finally:
                close_database(db)
        f = floors()
        fig.value, fig.floor, fig.runs = statistics.median(samples), f["copy"], ctx.runs
        fig.samples, fig.floor_samples = [round(s, 3) for s in samples], [round(s, 3) for s in f["copy_samples"]]
        fig.floor_label = f"file copy; backup API {f['backup']:.3f} s"
        fig.target_ok = fig.value <= 2 * fig.floor
        size = ctx.township.stat().st_size / 1e6
        fig.note = f"full package of the township database ({size:.0f} MB, {package.stat().st_size / 1e6:.1f} MB package)"

    out.append(guarded(Figure("export", "导出数据包 export (township, full)", "s", target="≤ 2× copy"), export))

    def import_(fig):
        import_package = require_attr("models.handoff.merge", "import_package")
        if not package.exists():
            fig.status, fig.note = "missing", "no package (export failed)"
            return
        samples, again = [], []
        for _ in range(ctx.runs):
            db = _fresh_county()
            try:
                t0 = time.perf_counter()
                import_package(db, package, PASSWORD, actor)
                samples.append(time.perf_counter() - t0)
                t0 = time.perf_counter()
                import_package(db, package, PASSWORD, actor)
                again.append(time.perf_counter() - t0)
            finally:
                close_database(db)
        f = floors()
        fig.value, fig.floor, fig.runs = statistics.median(samples), f["backup"], ctx.runs
        fig.samples, fig.floor_samples = [round(s, 3) for s in samples], [round(s, 3) for s in f["backup_samples"]]
        fig.floor_label = f"backup API; file copy {f['copy']:.3f} s"
        state["again"] = again
        # 20 packages like this one into one county must take ≤ 60 s in all.
        fig.target = "≤ 3 s each (20 in ≤ 60 s)"
        fig.target_ok = fig.value <= 3.0
        fig.note = "into a fresh county database"

    out.append(guarded(Figure("import", "导入数据包 import (into county)", "s"), import_))

    def reimport(fig):
        if not state.get("again"):
            fig.status, fig.note = "missing", "import did not run"
            return
        f = floors()
        fig.samples = [round(s, 3) for s in state["again"]]
        fig.value, fig.floor, fig.runs = statistics.median(state["again"]), f["backup"], len(state["again"])
        fig.floor_label = "backup API"
        fig.target_ok = fig.value <= 2.0

    out.append(guarded(Figure("reimport", "再次导入 re-import same package", "s", target="≤ 2 s"), reimport))
    return out
