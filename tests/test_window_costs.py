"""Issue 22: what the window pays for at every event and every tab.

- No application-wide Python event filter stays installed: tables are equipped from
  QTableView.showEvent, and the idle lock watches the input only until it sees some.
  (A Python filter on the application brings every event of the program into Python:
  it was a third of the time a tab took to open.)
- The 便民服务 tab builds only the intake form when it opens; the other pages when first
  shown or named, and a change reloads only the pages already built.
"""

from __future__ import annotations

import time

import pytest
from PySide6.QtCore import QObject, Qt
from PySide6.QtWidgets import QApplication, QTableWidget, QTableWidgetItem

from models.core import users
from models.core.users import WINDOW, Actor


class _Counter(QObject):
    """An application filter of our own, counting the Python calls a filter costs."""

    def __init__(self):
        super().__init__()
        self.calls = 0

    def eventFilter(self, obj, event) -> bool:  # noqa: N802 - Qt naming
        self.calls += 1
        return False


def _table(rows: int = 3) -> QTableWidget:
    table = QTableWidget(rows, 2)
    for r in range(rows):
        for c in range(2):
            table.setItem(r, c, QTableWidgetItem(f"{r}-{c}"))
    return table


def test_tables_are_equipped_when_first_shown(qtbot, qapp):
    from ui.common.tables import OfficeTable, install_office_tables

    tables = install_office_tables(qapp)
    try:
        plain, opted_out = _table(), _table()
        opted_out.setProperty("office_table", False)
        for t in (plain, opted_out):
            qtbot.addWidget(t)
            t.show()
            qtbot.waitExposed(t)
        assert isinstance(plain._office_table, OfficeTable)
        assert getattr(opted_out, "_office_table", None) is None
        # Shown again (hidden and shown, as a tab page is): equipped once.
        first = plain._office_table
        plain.hide()
        plain.show()
        assert plain._office_table is first and len(plain.findChildren(OfficeTable)) <= 1
    finally:
        tables.uninstall()
    later = _table()
    qtbot.addWidget(later)
    later.show()
    qtbot.waitExposed(later)
    assert getattr(later, "_office_table", None) is None, "uninstalled: tables are left as they are"


def test_a_python_application_filter_is_called_for_every_event(qtbot, qapp):
    # Why the two filters went: the cost is per event of the whole program, not per table.
    counter = _Counter()
    qapp.installEventFilter(counter)
    try:
        table = _table(50)
        qtbot.addWidget(table)
        table.show()
        qtbot.waitExposed(table)
        table.viewport().repaint()
        QApplication.processEvents()
    finally:
        qapp.removeEventFilter(counter)
    assert counter.calls > 20


@pytest.fixture
def window(qtbot, demo_db, tmp_path):
    from ui.common.context import AppContext
    from ui.main_window import MainWindow

    w = MainWindow(AppContext(demo_db, tmp_path / "demo.db", users.login(demo_db, "window", "demo1234")))
    qtbot.addWidget(w)
    w.show()
    qtbot.waitExposed(w)
    return w


def test_the_idle_lock_watches_input_only_until_it_sees_some(qtbot, window, monkeypatch):
    from PySide6.QtTest import QTest

    from ui.core import session

    guard = window.session
    assert not guard.watching, "the window just opened: nothing watched before the first check"
    guard.check_idle()
    assert guard.watching
    before = guard.last_input
    time.sleep(0.01)
    QTest.keyClick(window, Qt.Key_Shift)
    assert not guard.watching and guard.last_input > before, "one input seen: the filter is gone"
    # The next check counts the interval as active up to now (late, never early) and watches again.
    locked = []
    monkeypatch.setattr(guard, "lock", lambda title: locked.append(title))
    guard.minutes = 1
    guard.last_input -= 3600
    guard.check_idle()
    assert guard.watching and locked == [] and time.monotonic() - guard.last_input < 5
    # A whole interval without input: locked.
    guard.last_input -= 61
    guard.check_idle()
    assert locked and "锁定" in locked[0]
    assert session.SessionGuard.CHECK_MS <= 60_000


@pytest.fixture
def service_tab(qtbot, demo_db, tmp_path):
    from ui.common.context import AppContext
    from ui.service.tab import ServiceTab

    ctx = AppContext(demo_db, tmp_path / "demo.db", Actor("window", WINDOW, "窗口 王丽"))
    tab = ServiceTab(ctx)
    qtbot.addWidget(tab)
    tab.resize(1300, 800)
    tab.show()
    qtbot.waitExposed(tab)
    yield tab
    ledger = tab.built_page("list_page")
    if ledger is not None:
        ledger._search_timer.stop()
    tab.close()


def _built(tab) -> list[str]:
    return [name for name, slot in tab._slots.items() if slot.built]


def test_the_service_tab_builds_only_the_intake_form_at_first(qtbot, service_tab):
    tab = service_tab
    assert _built(tab) == ["intake"]
    assert tab.pages.currentWidget() is tab.intake
    tab.ctx.notify("tickets")
    tab.ctx.notify("all")
    assert _built(tab) == ["intake"], "a change reloads only the pages already built"


def test_a_service_page_shows_its_content_when_clicked(qtbot, service_tab):
    tab = service_tab
    titles = [tab.pages.tabText(i) for i in range(tab.pages.count())]
    tab.pages.setCurrentIndex(titles.index("办件台帐 F3"))
    ledger = tab.built_page("list_page")
    assert ledger is not None and tab.pages.currentWidget() is ledger
    qtbot.waitUntil(lambda: ledger.model.rowCount() > 0, timeout=5000)
    tab.pages.setCurrentIndex(titles.index("服务事项"))
    catalogue = tab.built_page("catalogue_page")
    assert catalogue is not None
    qtbot.waitUntil(catalogue.isVisible, timeout=5000)  # Qt shows a child added to a shown page next turn
    # The page's own right (catalogue.write) guards its buttons once it exists.
    assert catalogue.property("needs") == "catalogue.write"
    assert "calendar_page" not in _built(tab)
    # Named by code (the banner's link, a counter): built then.
    tab.warning.linkActivated.emit("calendar")
    assert tab.pages.currentWidget() is tab.calendar_page


def test_a_ticket_saved_at_the_intake_does_not_build_the_ledger(qtbot, service_tab, demo_db):
    from tests.qt_helpers import wait_for_actions

    tab = service_tab
    tab._ticket_saved({})
    wait_for_actions(qtbot)
    assert "list_page" not in _built(tab)
    # Once built, the ledger follows a save.
    ledger = tab.list_page
    n = ledger.model.rowCount()
    tab._ticket_saved({})
    assert ledger.model.rowCount() == n
