"""The ticket list on the county database: first rows, jump to the end,
search (3 and 2 Chinese characters), filter change — each against the bare
SQL that fetches the same visible window with nothing around it. Plus a
year's statistics.

When the service tab's table model exists it is measured (offscreen, through
rowCount/data as the view calls them); otherwise the figures go through
models.service.tickets (count + window), which that model calls, and say so.
"""

from __future__ import annotations

import datetime as dt
import importlib

from bench.harness import FeatureMissing, Figure, guarded, median_run, require_attr

WINDOW = 100  # rows visible in a maximised list, rounded up
TARGET_MS = 100
SEARCH_TARGET_MS = 20  # issue 22: every search, first page and count, at 1M
STATS_TARGET_MS = 50
TEN_MILLION_TARGET_MS = 100  # issue 22: the same search and statistics at 10M


def search_and_stats_targets(scale) -> tuple[int, int]:
    """(search, statistics) targets in ms at this scale: issue 22 gives 10M its own."""
    if scale.county_tickets >= 10_000_000:
        return TEN_MILLION_TARGET_MS, TEN_MILLION_TARGET_MS
    return SEARCH_TARGET_MS, STATS_TARGET_MS
SEARCHES = (("name1", "搜索 1 字姓"), ("name2", "搜索 2 字姓名"), ("name3", "搜索 3 字姓名"), ("phrase3", "搜索 3 字常见词"),
            ("phone_tail", "搜索电话尾号"), ("id_tail", "搜索身份证尾号"), ("initials", "搜索拼音首字母"))
# Where the service tab's table model may live, and its likely class names.
MODEL_MODULES = ("ui.service.table_model",)


def find_table_model():
    """The ticket list's QAbstractTableModel class, or None."""
    from PySide6.QtCore import QAbstractTableModel

    for name in MODEL_MODULES:
        try:
            module = importlib.import_module(name)
        except ImportError:
            continue
        for attr in dir(module):
            obj = getattr(module, attr)
            if (isinstance(obj, type) and issubclass(obj, QAbstractTableModel) and "icket" in attr
                    and obj.__module__ == module.__name__):
                return obj
    return None


def pick_terms(conn) -> dict:
    """Search terms taken from the data, so they exist at every scale: applicant
    names of 1, 2 and 3 characters, a common 3-character phrase of the request
    templates, a phone tail, an ID tail and pinyin initials (of the 3-character name)."""
    total = conn.execute("SELECT max(id) FROM tickets").fetchone()[0] or 0
    mid = total // 2
    row = conn.execute("SELECT applicant_name, applicant_phone FROM tickets WHERE id >= ? AND length(applicant_name) = 3 "
                       "ORDER BY id LIMIT 1", [mid]).fetchone()
    name3, phone = (row[0], row[1]) if row else ("王小明", "13800001234")
    name2 = conn.execute("SELECT applicant_name FROM tickets WHERE id >= ? AND length(applicant_name) = 2 "
                         "ORDER BY id LIMIT 1", [mid]).fetchone()
    id_row = conn.execute("SELECT applicant_id_number FROM tickets WHERE id >= ? AND applicant_id_number <> '' "
                          "ORDER BY id LIMIT 1", [mid]).fetchone()
    from models.service.search import _pinyin

    return {"name3": name3, "phrase3": "上门办", "name2": name2[0] if name2 else "王伟", "name1": name3[0],
            "phone_tail": (phone or "13800001234")[-4:], "id_tail": (id_row[0] if id_row else "110105194912310021")[-4:],
            "initials": _pinyin(name3)[1]}


class ModelLayer:
    """The list as the tab's table model sees it (models.service.tickets)."""

    label = "models.service.tickets count_tickets + fetch_window"

    def __init__(self, db):
        self.db = db
        self.TicketFilter, self.count, self.fetch = require_attr(
            "models.service.tickets", "TicketFilter", "count_tickets", "fetch_window")

    def first(self, **filter_fields) -> int:
        f = self.TicketFilter(**filter_fields)
        total = self.count(self.db, f)
        rows = self.fetch(self.db, f, 0, WINDOW, total)
        return len(rows)

    def last(self) -> int:
        f = self.TicketFilter()
        total = self.count(self.db, f)
        return len(self.fetch(self.db, f, max(0, total - WINDOW), WINDOW, total))

    def sorted_first(self, column: str, direction: str, **filter_fields) -> int:
        from models.service import sorting

        f = self.TicketFilter(**filter_fields)
        total = self.count(self.db, f)
        return len(sorting.fetch_window(self.db, f, 0, WINDOW, total, sort=sorting.LedgerSort(column, direction)))


class QtModelLayer:
    """The tab's own QAbstractTableModel in a QTableView (1200×760, offscreen),
    driven as the user does: set the filter, or scroll; then the view paints
    its visible rows, asking data() for every role it needs."""

    def __init__(self, cls, ctx):
        from PySide6.QtWidgets import QTableView

        self.cls, self.ctx = cls, ctx
        self.label = f"{cls.__module__}.{cls.__name__} in a QTableView"
        try:
            # With the database path the model may count slow filters on a worker thread, as in the tab.
            self.model = cls(ctx.db, db_path=ctx.db_path)
        except TypeError:
            try:
                self.model = cls(ctx.db)
            except TypeError:
                self.model = cls(ctx)
        self.view = QTableView()
        self.view.setModel(self.model)
        self.view.resize(1200, 760)
        self.view.show()

    def _paint(self) -> int:
        self.view.viewport().grab()  # paints synchronously: data() for every visible cell and role
        return self.model.rowCount()

    def first(self, **filter_fields) -> int:
        from models.service.tickets import TicketFilter

        self.model.set_filter(TicketFilter(**filter_fields))
        self.view.scrollToTop()
        return self._paint()

    def settle(self) -> None:
        """Untimed, between runs: let background counts of the previous run
        finish and deliver, so they do not compete with the next run."""
        from PySide6.QtCore import QThreadPool
        from PySide6.QtWidgets import QApplication

        QThreadPool.globalInstance().waitForDone()
        QApplication.processEvents()

    def reset_top(self) -> None:
        """Untimed set-up of the jump: the unfiltered list, shown at its top."""
        self.first()
        self.settle()

    def last(self) -> int:
        self.view.scrollToBottom()
        return self._paint()

    def sorted_first(self, column: str, direction: str, **filter_fields) -> int:
        """A header click: the whole ledger in another order (the count stays), first rows painted."""
        from models.service import sorting

        self.model.set_sort(sorting.LedgerSort(column, direction))
        self.view.scrollToTop()
        return self._paint()

    def unsorted(self, **filter_fields) -> None:
        """Untimed set-up of a sort figure: the filter counted, newest first."""
        from models.service.tickets import TicketFilter

        self.model.set_sort(None)
        self.model.set_filter(TicketFilter(**filter_fields))
        self.settle()


def qt_paint_floor(runs: int, bare, cols: str) -> str:
    """Milliseconds for the same QTableView to paint a trivial model holding the
    same first rows as plain strings (Qt's share of a figure)."""
    from PySide6.QtCore import QAbstractTableModel, QModelIndex, Qt
    from PySide6.QtWidgets import QTableView

    rows = [[("" if v is None else str(v)) for v in r] for r in
            bare.execute(f"SELECT {cols} FROM tickets ORDER BY id DESC LIMIT {WINDOW}").fetchall()]
    display = Qt.ItemDataRole.DisplayRole

    class Plain(QAbstractTableModel):
        def rowCount(self, parent=QModelIndex()):  # noqa: N802
            return len(rows)

        def columnCount(self, parent=QModelIndex()):  # noqa: N802
            return 12

        def data(self, index, role=display):
            return rows[index.row()][index.column()] if role == display else None

    view = QTableView()
    model = Plain()
    view.setModel(model)
    view.resize(1200, 760)
    view.show()
    timing = median_run(lambda: view.viewport().grab(), runs, warmup=1)
    view.close()
    return f"{timing[0] * 1000:.1f} ms (cpu {timing.cpu * 1000:.1f} ms)"


def counted_note(layer, fn, runs: int) -> str:
    """The GUI thread's own CPU for the figure (the process CPU also counts a background
    count running meanwhile) and the wall time until the exact count is in."""
    import statistics
    import time

    from PySide6.QtCore import QThreadPool
    from PySide6.QtWidgets import QApplication

    gui, counted = [], []
    for _ in range(max(1, runs)):
        layer.settle()
        t0, c0 = time.perf_counter(), time.thread_time()
        fn()
        gui.append(time.thread_time() - c0)
        QThreadPool.globalInstance().waitForDone()  # the worker's count, then its signal through the event loop
        QApplication.processEvents()
        counted.append(time.perf_counter() - t0)
    return (f"GUI thread cpu {statistics.median(gui) * 1000:.1f} ms; exact count in after "
            f"{statistics.median(counted) * 1000:.1f} ms wall")


def figures(ctx) -> list[Figure]:
    from bench.databases import bare_connection, open_for_figures
    from models.core.db import close_database

    out: list[Figure] = []
    db = open_for_figures(ctx.county, ctx.read_only)
    bare = bare_connection(ctx.county, ctx.read_only)
    try:
        if not db.execute("SELECT 1 FROM sqlite_master WHERE name = 'tickets'").fetchone():
            raise FeatureMissing("tickets table missing")
        terms = pick_terms(bare)
        cols = ", ".join(require_attr("models.service.tickets", "LIST_COLUMNS"))
        layer = None
        model_cls = find_table_model()
        if model_cls is not None:
            try:
                from ui.app import ensure_app
                from ui.common.context import AppContext
                from models.core.users import ADMIN, Actor

                ensure_app()
                layer = QtModelLayer(model_cls, AppContext(db, ctx.county, Actor("bench", ADMIN, "基准测试")))
                layer.set_filter_ok = hasattr(layer.model, "set_filter")
                if not layer.set_filter_ok:
                    layer = None
            except Exception as e:  # noqa: BLE001 - fall back to the model layer below, and say so
                from bench.databases import log

                log(f"ticket table model {model_cls.__name__} unusable ({type(e).__name__}: {e}); using models.service.tickets")
                layer = None
        if layer is None:
            layer = ModelLayer(db)

        paint_floor = qt_paint_floor(ctx.runs, bare, cols) if isinstance(layer, QtModelLayer) else None

        def floor_query(sql, params=()):
            return lambda: bare.execute(sql, list(params)).fetchall()

        def list_floor(where, params, order):
            # Issue 22: the list shows its count, so the floor counts too: the bare count + the visible window.
            def run():
                bare.execute(f"SELECT count(*) FROM tickets WHERE {where}", list(params)).fetchone()
                return bare.execute(f"SELECT {cols} FROM tickets WHERE {where} ORDER BY id {order} LIMIT {WINDOW}",
                                    list(params)).fetchall()
            return run

        from models.service import search

        def search_floor(q):
            # The bare index answering the same question: the count and the visible window.
            expression = search.match_expression(q)
            table = search.TABLE

            def run():
                bare.execute(f"SELECT count(*) FROM {table} WHERE {table} MATCH ?", [expression]).fetchone()
                return bare.execute(f"SELECT {', '.join('t.' + c for c in cols.split(', '))} FROM {table} s CROSS JOIN "
                                    f"tickets t ON t.id = s.rowid WHERE {table} MATCH ? ORDER BY s.rowid DESC "
                                    f"LIMIT {WINDOW}", [expression]).fetchall()
            return run

        cases = [
            ("tickets_first", "办件列表 first rows", lambda _=None: layer.first(), list_floor("deleted = 0", [], "DESC")),
            ("tickets_end", "办件列表 jump to end", lambda _=None: layer.last(), list_floor("deleted = 0", [], "ASC")),
            *[(f"tickets_search_{kind}", f"{label} “{terms[kind]}”", lambda _=None, q=terms[kind]: layer.first(search=q),
               search_floor(terms[kind])) for kind, label in SEARCHES],
            ("tickets_filter", "筛选 filter change (status 办结)", lambda _=None: layer.first(status="办结"),
             list_floor("deleted = 0 AND status = ?", ["办结"], "DESC")),
        ]
        wants = getattr(ctx, "wants", lambda _key: True)  # --keys
        search_target, stats_target = search_and_stats_targets(ctx.scale)
        for key, label, fn, floor_fn in cases:
            if not wants(key):
                continue
            limit = 200 if key == "tickets_filter" else search_target if key.startswith("tickets_search") else TARGET_MS
            target = f"≤ {limit} ms"

            def measure(fig, fn=fn, floor_fn=floor_fn, limit=limit, key=key):
                setup = getattr(layer, "reset_top" if key == "tickets_end" else "settle", None)
                timing = median_run(fn, ctx.runs, setup=setup, warmup=1)
                if hasattr(layer, "settle"):
                    layer.settle()  # no background count running while the floor is measured
                floor_timing = median_run(floor_fn, ctx.runs, warmup=1)
                (value, samples), (floor, floor_samples) = timing, floor_timing
                fig.value, fig.floor = value * 1000, floor * 1000
                fig.cpu, fig.floor_cpu = timing.cpu * 1000, floor_timing.cpu * 1000
                fig.samples = [round(s * 1000, 2) for s in samples]
                fig.floor_samples = [round(s * 1000, 2) for s in floor_samples]
                fig.runs = ctx.runs
                fig.target_ok = fig.value <= limit
                fig.note = f"through {layer.label}" + (f"; the same view painting plain strings: {paint_floor}" if paint_floor else "")
                if isinstance(layer, QtModelLayer) and key.startswith("tickets_search"):
                    fig.note += "; " + counted_note(layer, fn, ctx.runs)

            floor_label = ("bare index: count + visible window" if key.startswith("tickets_search")
                           else "bare SQL: count + visible window")
            out.append(guarded(Figure(key, label, "ms", floor_label=floor_label,
                                      target=target), measure))

        if wants("tickets_sort"):
            out += sort_figures(ctx, db, bare, layer, cols, paint_floor)

        def calendar_banner_figure(fig):
            # The 便民服务 banner on provisional due dates, asked at each refresh of the tab's counters.
            if not bare.execute("SELECT 1 FROM sqlite_master WHERE name = 'idx_tickets_provisional'").fetchone():
                raise FeatureMissing("the county database lacks idx_tickets_provisional (service m010): migrate a copy")
            from ui.service.tab import calendar_banner

            today = dt.date.today()
            timing = median_run(lambda: calendar_banner(db, today), ctx.runs, warmup=1)
            floor_timing = median_run(floor_query(
                "SELECT count(*) FROM tickets INDEXED BY idx_tickets_provisional WHERE due_provisional = 1 "
                "AND deleted = 0"), ctx.runs, warmup=1)
            fig.value, fig.floor = timing[0] * 1000, floor_timing[0] * 1000
            fig.cpu, fig.floor_cpu = timing.cpu * 1000, floor_timing.cpu * 1000
            fig.samples = [round(s * 1000, 2) for s in timing[1]]
            fig.floor_samples = [round(s * 1000, 2) for s in floor_timing[1]]
            fig.runs = ctx.runs
            fig.target_ok = fig.value <= TARGET_MS
            flagged = bare.execute("SELECT count(*) FROM tickets INDEXED BY idx_tickets_provisional "
                                   "WHERE due_provisional = 1 AND deleted = 0").fetchone()[0]
            fig.note = (f"ui.service.tab.calendar_banner: reconcile.pending + workdays.provisional_dependents over "
                        f"{flagged} flagged tickets (idx_tickets_provisional)")

        if wants("tickets_calendar_banner"):
            out.append(guarded(Figure("tickets_calendar_banner", "便民服务 日历提示 calendar banner", "ms",
                                      floor_label="bare count through the index", target=f"≤ {TARGET_MS} ms"),
                               calendar_banner_figure))

        def year_stats(fig):
            statistics = require_attr("models.service.stats", "statistics")
            year_to = dt.date.today()
            year_from = year_to - dt.timedelta(days=365)
            timing = median_run(lambda: statistics(db, year_from, year_to), ctx.runs, warmup=1)
            value, samples = timing
            fig.cpu = timing.cpu * 1000
            floor, fs = median_run(floor_query(
                "SELECT status, count(*) FROM tickets WHERE deleted = 0 AND received_date BETWEEN ? AND ? GROUP BY status",
                [year_from.isoformat(), year_to.isoformat()]), ctx.runs, warmup=1)
            fig.value, fig.floor, fig.runs = value * 1000, floor * 1000, ctx.runs
            fig.samples, fig.floor_samples = [round(s * 1000, 2) for s in samples], [round(s * 1000, 2) for s in fs]
            fig.target_ok = fig.value <= stats_target
            fig.note = "monthly summaries for whole months, daily summaries (service m013) for the partial months at both ends"

        if wants("tickets_stats_year"):
            out.append(guarded(Figure("tickets_stats_year", "办件统计 a year's statistics (all townships)", "ms",
                                  floor_label="one GROUP BY over the year", target=f"≤ {stats_target} ms"), year_stats))
    except FeatureMissing as e:
        out.append(Figure("tickets", "办件列表 ticket list", status="missing", note=str(e)))
    finally:
        bare.close()
        close_database(db)
    return out


SORT_TARGET_MS = 100  # a header click at 1M: the first rows of the whole ledger in the new order
SORT_FILTERS = (("", {}, "整个台帐"), ("_township", "township", "一个乡镇"), ("_handling", {"status": "办理中"}, "状态 办理中"))


def sort_figures(ctx, db, bare, layer, cols: str, paint_floor: str | None) -> list[Figure]:
    """Header sorting of the ledger: for each sortable column and direction, the first
    rows of the whole (filtered) ledger in that order, against the bare SQL walking the
    column's index for the same window."""
    from models.service import sorting

    out: list[Figure] = []
    indexes = {name for (name,) in bare.execute("SELECT name FROM sqlite_master WHERE type = 'index'")}
    missing = sorted({spec.index for spec in sorting.SORTABLE.values()} - indexes)
    if missing:
        return [Figure("tickets_sort", "办件列表 header sorting", status="missing",
                       note=f"the county database lacks the sort indexes {', '.join(missing)} (service m008): migrate it")]
    township = bare.execute("SELECT township_code FROM tickets WHERE deleted = 0 ORDER BY id DESC LIMIT 1").fetchone()
    for suffix, filter_spec, filter_label in SORT_FILTERS:
        if filter_spec == "township":
            filter_fields = {"township_code": township[0]} if township else {}
        else:
            filter_fields = dict(filter_spec)
        f = require_attr("models.service.tickets", "TicketFilter")(**filter_fields)
        total = require_attr("models.service.tickets", "count_tickets")(db, f)
        for column in sorting.SORTABLE:
            for direction in (sorting.ASCENDING, sorting.DESCENDING):
                order = sorting.order_clause(sorting.LedgerSort(column, direction))
                key = f"tickets_sort_{column}_{direction}{suffix}"
                label = f"表头排序 {column} {'升序' if direction == sorting.ASCENDING else '降序'}（{filter_label}）"

                def measure(fig, column=column, direction=direction, filter_fields=filter_fields, order=order, f=f,
                            total=total):
                    if hasattr(layer, "unsorted"):
                        setup = lambda: layer.unsorted(**filter_fields)  # noqa: E731 - untimed set-up
                        timing = median_run(lambda _=None: layer.sorted_first(column, direction), ctx.runs,
                                            setup=setup, warmup=1)
                        layer.unsorted()
                    else:
                        timing = median_run(lambda: layer.sorted_first(column, direction, **filter_fields), ctx.runs,
                                            warmup=1)
                    # The query the model chose (walk the index, or sort the few matches), alone.
                    sql, params = sorting.first_page_sql(db, f, sorting.LedgerSort(column, direction), total)
                    floor_sql = f"{sql} LIMIT {WINDOW}"
                    # The sorted list shows its count too (issue 22): the bare count of the same filter.
                    where, where_params = require_attr("models.service.tickets", "where_clause")(db, f)

                    def floor_run(floor_sql=floor_sql, params=params, where=where, where_params=where_params):
                        bare.execute(f"SELECT count(*) FROM tickets WHERE {where}", list(where_params)).fetchone()
                        return bare.execute(floor_sql, list(params)).fetchall()
                    floor_timing = median_run(floor_run, ctx.runs, warmup=1)
                    (value, samples), (floor, floor_samples) = timing, floor_timing
                    fig.value, fig.floor, fig.runs = value * 1000, floor * 1000, ctx.runs
                    fig.cpu, fig.floor_cpu = timing.cpu * 1000, floor_timing.cpu * 1000
                    fig.samples = [round(x * 1000, 2) for x in samples]
                    fig.floor_samples = [round(x * 1000, 2) for x in floor_samples]
                    fig.target_ok = fig.value <= SORT_TARGET_MS
                    how = "walks the index" if total > sorting.SORT_IN_MEMORY_LIMIT else "sorts the matches"
                    fig.note = (f"through {layer.label}; {total:,} matches ({how}), count kept, ORDER BY {order}"
                                + (f"; the same view painting plain strings: {paint_floor}" if paint_floor else ""))

                out.append(guarded(Figure(key, label, "ms", floor_label="bare SQL: count + the same sorted window",
                                          target=f"≤ {SORT_TARGET_MS} ms"), measure))
    return out
