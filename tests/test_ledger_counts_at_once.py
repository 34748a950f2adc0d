"""The ledger's list at county size (issue 22): a list longer than COUNT_AT_ONCE
shows that many rows at once and is counted to the end on a worker thread; the
rows the view paints are worked out once per row and read again after a reload."""

import pytest
from PySide6.QtCore import Qt

from models.core.users import Actor, WINDOW
from models.service import tickets


@pytest.fixture
def ledger(qtbot, demo_db, tmp_path):
    from ui.common.context import AppContext
    from ui.service.ledger import TicketListPage

    page = TicketListPage(AppContext(demo_db, tmp_path / "demo.db", Actor("window", WINDOW, "窗口 王丽")))
    qtbot.addWidget(page)
    page.resize(1300, 800)
    page.show()
    yield page
    page._search_timer.stop()
    page.close()


def test_a_long_list_shows_its_first_rows_and_is_counted_in_the_background(qtbot, ledger, demo_db):
    everything = tickets.count_tickets(demo_db, tickets.TicketFilter())
    ledger.model.COUNT_AT_ONCE = 20
    ledger.model.PAGE = 7  # pages end inside the first COUNT_AT_ONCE rows and after them
    assert everything > 40
    ledger.apply_filter()
    assert ledger.model.counting and ledger.model.rowCount() == 20
    assert ledger.count_label.text() == "已显示前 20 件，正在统计总数…"
    assert ledger.model.row_at(0) is not None and "办理经过" in ledger.detail.toHtml()
    qtbot.waitUntil(lambda: not ledger.model.counting, timeout=10000)
    assert ledger.model.rowCount() == everything
    assert ledger.count_label.text() == f"共 {everything:,} 件"
    shown = [ledger.model.row_at(r)["id"] for r in range(everything)]
    assert shown == sorted(shown, reverse=True) and len(set(shown)) == everything  # newest first, none twice
    last = ledger.model.index(everything - 1, 0)
    assert ledger.model.data(last) == ledger.model.row_at(everything - 1)["ticket_no"]


def test_a_common_search_word_is_counted_the_same_way(qtbot, ledger, demo_db):
    word = "申请"
    exact = tickets.count_tickets(demo_db, tickets.TicketFilter(search=word))
    assert exact > 10
    assert tickets.count_tickets(demo_db, tickets.TicketFilter(search=word), at_most=10) == 11
    assert tickets.count_tickets(demo_db, tickets.TicketFilter(search=word), at_most=exact) == exact
    ledger.model.COUNT_AT_ONCE = 10
    ledger.search.setText(word)
    ledger.apply_filter()
    assert ledger.model.counting and ledger.model.rowCount() == 10
    qtbot.waitUntil(lambda: not ledger.model.counting, timeout=10000)
    assert ledger.model.rowCount() == exact
    assert ledger.count_label.text() == f"共 {exact:,} 件"


def test_reload_keeps_a_row_past_the_first_ones_selected(qtbot, ledger, demo_db):
    ledger.model.COUNT_AT_ONCE = 20
    ledger.apply_filter()
    qtbot.waitUntil(lambda: not ledger.model.counting, timeout=10000)
    ledger.table.selectRow(30)
    uuid = ledger.model.row_at(30)["uuid"]
    assert ledger.current_uuid == uuid
    ledger.refresh(keep_uuid=uuid)
    assert ledger.model.counting  # counted again in the background
    qtbot.waitUntil(lambda: not ledger.model.counting, timeout=10000)
    assert ledger.table.currentIndex().row() == 30
    assert ledger.model.row_at(30)["uuid"] == uuid and ledger.current_uuid == uuid


def test_painted_rows_are_read_again_after_a_reload(qtbot, ledger, demo_db):
    model = ledger.model
    ledger.table.viewport().grab()  # the view paints: the rows' texts are worked out and kept
    first = model.index(0, 1)
    row = model.row_at(0)
    assert model.data(first) == row["applicant_name"]
    assert model.data(first, Qt.ItemDataRole.UserRole) == row["uuid"]
    # Roles the view asks of every cell but the list does not use answer nothing.
    for role in (Qt.ItemDataRole.FontRole, Qt.ItemDataRole.DecorationRole, Qt.ItemDataRole.CheckStateRole,
                 Qt.ItemDataRole.TextAlignmentRole, Qt.ItemDataRole.ForegroundRole, Qt.ItemDataRole.SizeHintRole):
        assert model.data(first, role) is None
    demo_db.execute("UPDATE tickets SET applicant_name = '新名字' WHERE uuid = ?", [row["uuid"]])
    assert model.data(first) == row["applicant_name"]  # the page is kept until the list is read again
    ledger.refresh(keep_uuid=row["uuid"])
    assert model.data(model.index(0, 1)) == "新名字"
