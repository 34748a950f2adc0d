"""Each tab of the main window opening on the county database (constructed
and shown offscreen, events processed), against an empty QWidget shown the
same way. Issue 3: the roster tab within 200 ms; issue 5: results within 200 ms."""

from __future__ import annotations

import statistics
import time

from bench.harness import Figure, guarded


def figures(ctx) -> list[Figure]:
    from models.core.db import close_database, open_database
    from models.core.users import ADMIN, Actor
    from PySide6.QtWidgets import QWidget

    from ui.app import ensure_app
    from ui.common.context import AppContext
    from ui.main_window import TABS

    app = ensure_app()
    db = open_database(ctx.county, migrate=False, daily_backup=False)
    app_ctx = AppContext(db, ctx.county, Actor("bench", ADMIN, "基准测试"))
    out = []

    def show_time(make) -> tuple[float, float]:
        c0 = time.process_time()
        t0 = time.perf_counter()
        widget = make()
        widget.resize(1200, 760)
        widget.show()
        app.processEvents()
        elapsed = time.perf_counter() - t0
        cpu = time.process_time() - c0
        widget.close()
        widget.deleteLater()
        app.processEvents()
        return elapsed, cpu

    try:
        floor_runs = [show_time(QWidget) for _ in range(ctx.runs)]
        floor_samples = [w for w, _ in floor_runs]
        floor = statistics.median(floor_samples) * 1000
        floor_cpu = statistics.median(c for _, c in floor_runs) * 1000
        for build, title in TABS:  # ui/main_window.py: (build(ctx) -> widget, title)
            def measure(fig, build=build):
                show_time(lambda: build(app_ctx))  # first: imports and caches
                tab_runs = [show_time(lambda: build(app_ctx)) for _ in range(ctx.runs)]
                samples = [w for w, _ in tab_runs]
                fig.value, fig.floor, fig.runs = statistics.median(samples) * 1000, floor, ctx.runs
                fig.cpu, fig.floor_cpu = statistics.median(c for _, c in tab_runs) * 1000, floor_cpu
                fig.samples = [round(s * 1000, 1) for s in samples]
                fig.floor_samples = [round(s * 1000, 2) for s in floor_samples]
                fig.target_ok = fig.value <= 200

            out.append(guarded(Figure(f"tab_{build.__name__.strip('_')}", f"{title} tab opens (county db)", "ms",
                                      floor_label="empty QWidget", target="≤ 200 ms"), measure))
    finally:
        close_database(db)
    return out
