"""Header sorting of the ticket ledger: the WHOLE filtered ledger in the database's order
(models/service/sorting.py), an index behind every sortable column, a reason on the others."""

import pytest
from PySide6.QtCore import QPoint, Qt

from models.service import sorting, tickets
from models.service.sorting import LedgerSort
from models.core.users import Actor, WINDOW

F = tickets.TicketFilter
FILTERS = {"none": F(), "status": F(status="办结"), "open": F(status=tickets.OPEN_LABEL), "search": F(search="申请"),
           "search+status": F(search="申请", status="办结")}


def _key(value):
    return (value is not None, value)  # SQL puts NULL first in ascending order


def _expected(db, f, sort):
    """Every matching ticket, sorted in Python by the same columns and then id."""
    rows = tickets.fetch_window(db, f, 0, 10**6)
    columns = sorting.SORTABLE[sort.column].order_by
    rows.sort(key=lambda r: ([_key(r[c]) for c in columns], r["id"]), reverse=sort.direction == sorting.DESCENDING)
    return [r["id"] for r in rows]


def test_every_sortable_column_orders_the_whole_filtered_ledger(demo_db, monkeypatch):
    # Both ways of reading a sorted page (walking the column's index, sorting the few matches) give one order.
    for limit in (0, sorting.SORT_IN_MEMORY_LIMIT):
        monkeypatch.setattr(sorting, "SORT_IN_MEMORY_LIMIT", limit)
        for filter_name, f in FILTERS.items():
            total = tickets.count_tickets(demo_db, f)
            assert total > 5, f"the demo has tickets for the filter {filter_name}"
            for column in sorting.SORTABLE:
                for direction in (sorting.ASCENDING, sorting.DESCENDING):
                    sort = LedgerSort(column, direction)
                    expected = _expected(demo_db, f, sort)
                    # Pages of 7 as the table model reads them, the back half read from the end.
                    got = []
                    for offset in range(0, total, 7):
                        got += [r["id"] for r in sorting.fetch_window(demo_db, f, offset, 7, total, sort=sort)]
                    assert got == expected, (limit, filter_name, column, direction)
                    first = sorting.fetch_window(demo_db, f, 0, 7, None, sort=sort)  # before the count is known
                    assert [r["id"] for r in first] == expected[:7]


def test_every_column_is_sortable_or_says_why():
    from ui.service.table_model import COLUMNS

    keys = {key for key, _ in COLUMNS}
    assert keys == set(sorting.SORTABLE) | set(sorting.NOT_SORTABLE)
    assert not set(sorting.SORTABLE) & set(sorting.NOT_SORTABLE)
    for key in sorting.NOT_SORTABLE:
        assert "排序" in sorting.tooltip(key) and "筛选" in sorting.tooltip(key) or "搜索" in sorting.tooltip(key)


def test_each_sort_index_exists_in_a_new_database(db):
    indexes = {name for (name,) in db.execute("SELECT name FROM sqlite_master WHERE type = 'index'")}
    for column, spec in sorting.SORTABLE.items():
        assert spec.index in indexes, column


PLAN_FILTERS = {"none": F(), "township": F(township_code="330106001"), "status": F(status="办结"),
                "open": F(status=tickets.OPEN_LABEL), "village": F(village="东村"), "search": F(search="申请"),
                "search+status": F(search="申请", status="办结"), "dates": F(date_from="2026-01-01", date_to="2026-06-30")}


def test_the_first_page_of_each_sort_walks_its_index(demo_db):
    """With many matches (the case where sorting them all would be slow) the first page is read
    from the column's index: no temporary B-tree sorts the ledger."""
    many = sorting.SORT_IN_MEMORY_LIMIT + 1
    for filter_name, f in PLAN_FILTERS.items():
        for column, spec in sorting.SORTABLE.items():
            for direction in (sorting.ASCENDING, sorting.DESCENDING):
                for reverse in (False, True):  # the back half of the list is read from the end
                    sql, params = sorting.first_page_sql(demo_db, f, LedgerSort(column, direction), many,
                                                         reverse=reverse)
                    plan = "\n".join(row[-1] for row in demo_db.execute(f"EXPLAIN QUERY PLAN {sql} LIMIT 200 OFFSET 0",
                                                                         params))
                    where = (filter_name, column, direction, plan)
                    assert f"INDEX {spec.index}" in plan, where
                    assert "TEMP B-TREE FOR ORDER BY" not in plan and "RIGHT PART OF ORDER BY" not in plan, where


@pytest.fixture
def ledger(qtbot, demo_db, tmp_path):
    from ui.common.context import AppContext
    from ui.common.tables import install_office_tables
    from ui.service.ledger import TicketListPage
    from PySide6.QtWidgets import QApplication

    tables = install_office_tables(QApplication.instance())
    ctx = AppContext(demo_db, tmp_path / "demo.db", Actor("window", WINDOW, "窗口 王丽"))
    page = TicketListPage(ctx)
    qtbot.addWidget(page)
    page.resize(1360, 700)
    page.show()
    qtbot.waitExposed(page)
    page.apply_filter()
    yield page
    page._search_timer.stop()
    page.close()
    tables.uninstall()


def _click_header(qtbot, table, column):
    header = table.horizontalHeader()
    qtbot.mouseClick(header.viewport(), Qt.LeftButton, pos=QPoint(header.sectionViewportPosition(column) + 5, 5))


def _column(key):
    from ui.service.table_model import COLUMNS

    return next(i for i, (k, _) in enumerate(COLUMNS) if k == key)


def test_header_click_sorts_the_whole_ledger_and_keeps_the_filter(qtbot, ledger, demo_db):
    ledger.model.PAGE = 10  # the demo's tickets span many pages
    ledger.status.setCurrentIndex(ledger.status.findData("办结"))
    ledger.apply_filter()
    f = ledger.current_filter()
    total = ledger.model.rowCount()
    name = _column("applicant_name")
    _click_header(qtbot, ledger.table, name)
    assert ledger.model.ledger_sort == LedgerSort("applicant_name", sorting.ASCENDING)
    assert ledger.model.rowCount() == total, "sorting keeps the filter"
    shown = [ledger.model.row_at(r)["id"] for r in range(total)]
    assert shown == _expected(demo_db, f, LedgerSort("applicant_name"))
    assert ledger.table.horizontalHeader().sortIndicatorSection() == name
    _click_header(qtbot, ledger.table, name)
    assert ledger.model.ledger_sort.direction == sorting.DESCENDING
    assert [ledger.model.row_at(r)["id"] for r in range(total)] == list(reversed(shown))
    # A new search keeps the sort.
    ledger.search.setText("申请")
    ledger.apply_filter()
    f = ledger.current_filter()
    qtbot.waitUntil(lambda: not ledger.model.counting, timeout=5000)  # search + status: counted in the background
    assert [ledger.model.row_at(r)["id"] for r in range(ledger.model.rowCount())] == \
        _expected(demo_db, f, LedgerSort("applicant_name", sorting.DESCENDING))
    # Dates start with the newest.
    _click_header(qtbot, ledger.table, _column("received_date"))
    assert ledger.model.ledger_sort == LedgerSort("received_date", sorting.DESCENDING)


def test_a_column_without_an_index_says_so_and_leaves_the_order(qtbot, ledger):
    model = ledger.model
    phone = _column("applicant_phone")
    assert phone not in model.SORTABLE_COLUMNS
    assert "不按此列排序" in model.headerData(phone, Qt.Horizontal, Qt.ToolTipRole)
    assert "排序整个台帐" in model.headerData(_column("status"), Qt.Horizontal, Qt.ToolTipRole)
    before = [model.row_at(r)["id"] for r in range(10)]
    _click_header(qtbot, ledger.table, phone)
    assert model.ledger_sort is None and [model.row_at(r)["id"] for r in range(10)] == before
    assert ledger.table.horizontalHeader().sortIndicatorSection() != phone, "no arrow on a column that did not sort"
    _click_header(qtbot, ledger.table, _column("status"))
    _click_header(qtbot, ledger.table, phone)
    assert model.ledger_sort.column == "status"
    assert ledger.table.horizontalHeader().sortIndicatorSection() == _column("status")


def test_the_sort_is_remembered(qtbot, ledger, demo_db, tmp_path):
    from ui.common.context import AppContext
    from ui.service.ledger import TicketListPage

    _click_header(qtbot, ledger.table, _column("due_date"))
    ledger.table._office_table.save_state()
    ctx = AppContext(demo_db, tmp_path / "demo.db", Actor("window", WINDOW, "窗口 王丽"))
    again = TicketListPage(ctx)
    qtbot.addWidget(again)
    again.show()
    qtbot.waitExposed(again)
    try:
        assert again.model.ledger_sort == LedgerSort("due_date", sorting.ASCENDING)
    finally:
        again._search_timer.stop()


def test_a_list_still_being_counted_is_sorted_without_counting_it_again(demo_db, monkeypatch):
    """A county-wide list (1,000,000 tickets) is counted on a worker; a header click meanwhile
    reads the sorted first page on the GUI thread, and needs only to know the list is long."""
    monkeypatch.setattr(sorting, "SORT_IN_MEMORY_LIMIT", 4)
    for filter_name, f in FILTERS.items():
        assert tickets.count_tickets(demo_db, f) > 5, filter_name
        assert sorting.match_bound(demo_db, f) == 5, filter_name  # stops past the limit
        statements: list[str] = []
        demo_db.conn.set_trace_callback(statements.append)
        try:
            sort = LedgerSort("received_date", sorting.DESCENDING)
            got = [r["id"] for r in sorting.fetch_window(demo_db, f, 0, 7, None, sort=sort)]
        finally:
            demo_db.conn.set_trace_callback(None)
        assert got == _expected(demo_db, f, sort)[:7], filter_name
        counts = [s for s in statements if "count(*)" in s]
        assert counts and all("LIMIT 5" in s for s in counts), (filter_name, counts)
