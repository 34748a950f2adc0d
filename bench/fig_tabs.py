"""Each tab of the main window opening on the county database (constructed
and shown offscreen, events processed). Issue 3: the roster tab within 200 ms;
issue 5: results within 200 ms.

The floor (issue 22) is the same kind of widget filled by a bare query: a tab
with as many sub-pages, its landing page a table of the first 200 rows of what
that page lists and the count it shows, read with one plain sqlite3 query each
(plus the service tab's five badge counts) — not an empty QWidget, against
which every ratio was 60-744x and meant little."""

from __future__ import annotations

import statistics
import time

from bench.harness import Figure, guarded


_OPEN = "('受理', '办理中', '补正', '挂起')"
# Tab title -> (sub-pages, header, rows query, count query, badge count queries).
TAB_FLOORS = {
    "领导班子": (8, ["姓名", "性别", "出生年月", "现任职务", "科室", "职级", "编制"],
             "SELECT c.name, c.sex, c.birth_date, c.current_post_text, o.name, c.rank, c.staffing FROM cadres c "
             "LEFT JOIN offices o ON o.uuid = c.office_uuid WHERE c.deleted = 0 ORDER BY c.name_pinyin LIMIT 200",
             "SELECT count(*) FROM cadres WHERE deleted = 0", []),
    "便民服务": (7, ["办件编号", "申请人", "状态", "承诺办结", "服务事项", "受理日期", "类型", "电话", "村（社区）",
                 "办结日期", "满意度", "承办人"],
             "SELECT ticket_no, applicant_name, status, due_date, item_name, received_date, kind, applicant_phone, "
             "applicant_village, finished_date, rating, handler_name FROM tickets WHERE deleted = 0 "
             "ORDER BY id DESC LIMIT 200",
             "SELECT count(*) FROM tickets WHERE deleted = 0",
             [f"SELECT count(*) FROM tickets WHERE deleted = 0 AND status IN {_OPEN}",
              f"SELECT count(*) FROM tickets WHERE deleted = 0 AND status IN {_OPEN} AND due_date < date('now')",
              f"SELECT count(*) FROM tickets WHERE deleted = 0 AND status IN {_OPEN} "
              "AND due_date BETWEEN date('now') AND date('now', '+3 days')",
              "SELECT count(*) FROM tickets WHERE deleted = 0 AND status = '办结' AND rating IS NULL",
              "SELECT count(*) FROM ticket_rectifications WHERE deleted = 0 AND status = '整改中'"]),
    "考核": (6, ["指标", "类别", "分值", "评分标准"],
           "SELECT i.name, i.kind, i.max_points, i.standard FROM assess_items i WHERE i.deleted = 0 AND i.plan_uuid = "
           "(SELECT uuid FROM assess_plans WHERE deleted = 0 ORDER BY year DESC, id DESC LIMIT 1) "
           "ORDER BY i.category_uuid, i.sort_order LIMIT 200",
           "SELECT count(*) FROM assess_items WHERE deleted = 0 AND plan_uuid = "
           "(SELECT uuid FROM assess_plans WHERE deleted = 0 ORDER BY year DESC, id DESC LIMIT 1)", []),
}


def bare_tab(conn, title: str):
    """The floor of one tab: the same kind of widgets, filled by bare queries."""
    from PySide6.QtGui import QStandardItem, QStandardItemModel
    from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QTableView, QTabWidget, QVBoxLayout, QWidget

    pages, header, rows_sql, count_sql, badges = TAB_FLOORS[title]
    widget = QWidget()
    layout = QVBoxLayout(widget)
    bar = QHBoxLayout()
    for sql in badges:
        bar.addWidget(QPushButton(str(conn.execute(sql).fetchone()[0])))
    bar.addWidget(QLabel(f"共 {conn.execute(count_sql).fetchone()[0]} 条"))
    layout.addLayout(bar)
    tabs = QTabWidget()
    rows = conn.execute(rows_sql).fetchall()
    model = QStandardItemModel(len(rows), len(header), widget)
    model.setHorizontalHeaderLabels(header)
    for r, row in enumerate(rows):
        for c, value in enumerate(row):
            model.setItem(r, c, QStandardItem("" if value is None else str(value)))
    view = QTableView()
    view.setModel(model)
    tabs.addTab(view, "1")
    for i in range(pages - 1):
        tabs.addTab(QWidget(), str(i + 2))
    layout.addWidget(tabs)
    return widget


def figures(ctx) -> list[Figure]:
    from bench.databases import bare_connection, open_for_figures
    from models.core.db import close_database
    from models.core.users import ADMIN, Actor
    from ui.app import ensure_app
    from ui.common.context import AppContext
    from ui.main_window import TABS

    app = ensure_app()
    db = open_for_figures(ctx.county, ctx.read_only)
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

    import sqlite3

    conn = bare_connection(ctx.county, ctx.read_only) if ctx.read_only else sqlite3.connect(f"file:{ctx.county}?mode=ro", uri=True)
    try:
        for build, title in TABS:  # ui/main_window.py: (build(ctx) -> widget, title)
            def measure(fig, build=build, title=title):
                show_time(lambda: bare_tab(conn, title))  # first: caches, as for the tab
                floor_runs = [show_time(lambda: bare_tab(conn, title)) for _ in range(ctx.runs)]
                show_time(lambda: build(app_ctx))  # first: imports and caches
                tab_runs = [show_time(lambda: build(app_ctx)) for _ in range(ctx.runs)]
                samples = [w for w, _ in tab_runs]
                fig.value, fig.runs = statistics.median(samples) * 1000, ctx.runs
                fig.floor = statistics.median(w for w, _ in floor_runs) * 1000
                fig.cpu, fig.floor_cpu = (statistics.median(c for _, c in tab_runs) * 1000,
                                          statistics.median(c for _, c in floor_runs) * 1000)
                fig.samples = [round(s * 1000, 1) for s in samples]
                fig.floor_samples = [round(w * 1000, 2) for w, _ in floor_runs]
                fig.target_ok = fig.value <= 200

            out.append(guarded(Figure(f"tab_{build.__name__.strip('_')}", f"{title} tab opens (county db)", "ms",
                                      floor_label="same widgets filled by bare queries", target="≤ 200 ms"), measure))
    finally:
        conn.close()
        close_database(db)
    return out
