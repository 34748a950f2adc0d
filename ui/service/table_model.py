"""The ticket list's table model: a thin adapter over models.service.tickets that loads
windows of rows (pages) on demand, so a million tickets cost a count and a few
pages, never all rows."""

from __future__ import annotations

import datetime as dt
import sys
from collections import OrderedDict

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QObject, QRunnable, Qt, QThreadPool, Signal
from PySide6.QtGui import QBrush, QColor
from shiboken6 import isValid

from models.core import errorlog
from models.service import sorting, tickets
from models.core.personal import mask_phone

COLUMNS = [
    # What window staff look for first comes first: at 1366×768 these fit without scrolling.
    ("ticket_no", "办件编号"), ("applicant_name", "申请人"), ("status", "状态"), ("due_date", "承诺办结"),
    ("item_name", "服务事项"), ("received_date", "受理日期"), ("kind", "类型"), ("applicant_phone", "电话"),
    ("applicant_village", "村（社区）"), ("finished_date", "办结日期"), ("rating", "满意度"), ("handler_name", "承办人"),
]
COLUMN_KEYS = tuple(key for key, _ in COLUMNS)
STATE_COLOURS = {
    "overdue": QColor("#f8d0d0"),  # past due, still open
    "due_soon": QColor("#fff1b8"),
    "late": QColor("#f9e0c7"),  # finished, but late
    "paused": QColor("#dbe9f7"),  # 补正: clock stopped
}
PROVISIONAL_TIP = "承诺办结日期按法定节假日预估，如遇调休以正式安排为准；正式工作日历到后由值班长核对。"
STATE_TIPS = {"overdue": "已超期", "due_soon": "即将到期", "late": "超期办结", "paused": "补正中，时限暂停"}


# Role constants looked up once, as the plain ints Qt passes to data(): PySide6
# attribute lookups cost microseconds and data() is called thousands of times per paint.
DISPLAY, BACKGROUND, TOOLTIP, USER = (int(Qt.ItemDataRole.DisplayRole.value), int(Qt.ItemDataRole.BackgroundRole.value),
                                      int(Qt.ItemDataRole.ToolTipRole.value), int(Qt.ItemDataRole.UserRole.value))
INITIAL_SORT_ORDER = int(Qt.ItemDataRole.InitialSortOrderRole.value)
HORIZONTAL = Qt.Orientation.Horizontal
ROOT = QModelIndex()  # the table's (invisible) parent index
BRUSHES = {state: QBrush(colour) for state, colour in STATE_COLOURS.items()}


class _CountSignals(QObject):
    counted = Signal(int, int)  # generation, total
    failed = Signal(int, str)  # generation, the log file that holds the traceback


class _CountJob(QRunnable):
    def __init__(self, db_path, f, today, generation, signals):
        super().__init__()
        self.db_path, self.f, self.today, self.generation, self.signals = db_path, f, today, generation, signals

    def run(self) -> None:
        try:
            reader = tickets.open_reader(self.db_path)
            try:
                n = tickets.count_tickets(reader, self.f, self.today)
            finally:
                reader.conn.close()
        except Exception:  # noqa: BLE001 - a bug in counting: logged, and the window says so (not a stalled count)
            log_file = str(errorlog.log_exception(*sys.exc_info(), "办件计数"))
            if isValid(self.signals):
                self.signals.failed.emit(self.generation, log_file)
            return
        if isValid(self.signals):  # gone when the program quit while this count ran: nobody to tell
            self.signals.counted.emit(self.generation, n)


class TicketTableModel(QAbstractTableModel):
    """Rows of the filtered ticket list, fetched PAGE at a time and cached (LRU).

    The count is taken once per filter; a filter whose count looks rows up
    (a search with other filters) shows its first page at once, and one
    matching more than COUNT_AT_ONCE tickets its first COUNT_AT_ONCE; either
    is counted on a worker thread, after which the rows are appended."""

    PAGE = 100  # rows read at a time: a maximised list shows about 30, and a page costs ~15 µs a row
    MAX_PAGES = 60
    COUNT_AT_ONCE = 10_000  # a larger list shows these at once and is counted to the end in the background
    # Header sorting sorts the whole ledger in the database (models/service/sorting.py);
    # ui/common/tables.py calls sort() for these columns and names the reason for the others.
    SORTABLE_COLUMNS = frozenset(i for i, (key, _) in enumerate(COLUMNS) if key in sorting.SORTABLE)

    def __init__(self, db, parent=None, db_path=None):
        super().__init__(parent)
        self.db = db
        self.db_path = db_path
        self.counting = False
        self._generation = 0
        self._signals = _CountSignals()
        self._signals.counted.connect(self._counted)
        self._signals.failed.connect(self._count_failed)
        self.count_error = ""  # the log file when counting in the background failed
        self.filter = tickets.TicketFilter()
        self.ledger_sort: sorting.LedgerSort | None = None  # None: newest first
        self.total = 0
        self._pages: OrderedDict[int, _Page] = OrderedDict()
        self._forget_hot()
        self._today = dt.date.today()
        self._soon = self._today

    def _forget_hot(self) -> None:
        """Drop the shortcuts to the page and row painted last (the pages were dropped or re-read)."""
        self._hot_number, self._hot = -1, None
        self._last_row, self._last_shown = -1, None

    # -- loading --
    def set_filter(self, f: tickets.TicketFilter) -> None:
        """Apply a filter: count once, drop cached pages."""
        self.beginResetModel()
        self._generation += 1
        self.filter = f
        self._pages.clear()
        self._forget_hot()
        self._today = dt.date.today()
        self._soon = tickets.due_soon_limit(self.db, self._today)
        self.counting = False
        self.count_error = ""
        background = tickets.is_slow_filter(f) and self.db_path is not None
        if background:
            first = self._fetch(0, None)
            self._pages[0] = _Page(first)
            self.total = len(first)
            if len(first) == self.PAGE:
                self.counting = True
                QThreadPool.globalInstance().start(
                    _CountJob(self.db_path, f, self._today, self._generation, self._signals))
        elif self.db_path is not None:
            # Counting a common word or a whole county (100,000s of matches) takes longer than
            # the rest of the search: count the first COUNT_AT_ONCE, show them, count the rest
            # on a worker, which appends the rows (issue 22: ≤ 20 ms for the first page and the count).
            total = tickets.count_tickets(self.db, f, self._today, at_most=self.COUNT_AT_ONCE)
            self.total = min(total, self.COUNT_AT_ONCE)
            if total > self.COUNT_AT_ONCE:
                self.counting = True
                QThreadPool.globalInstance().start(
                    _CountJob(self.db_path, f, self._today, self._generation, self._signals))
        else:
            self.total = tickets.count_tickets(self.db, f, self._today)
        self.endResetModel()

    def _count_failed(self, generation: int, log_file: str) -> None:
        if generation != self._generation:
            return
        self.counting = False
        self.count_error = log_file
        self.layoutChanged.emit()
        from ui.common.crash import show_unexpected

        show_unexpected(log_file)

    def _counted(self, generation: int, total: int) -> None:
        if generation != self._generation:
            return  # a newer filter replaced this one
        self.counting = False
        self._forget_hot()  # rows past the first page now exist
        if total > self.total:
            self.beginInsertRows(ROOT, self.total, total - 1)
            self.total = total
            self.endInsertRows()
        elif total < self.total:  # tickets deleted meanwhile
            self.beginRemoveRows(ROOT, total, self.total - 1)
            self.total = total
            self.endRemoveRows()
        self.layoutChanged.emit()

    def reload(self) -> None:
        self.set_filter(self.filter)

    def sort(self, column: int, order=Qt.AscendingOrder) -> None:
        """Sort the whole filtered ledger by a column (Qt's name; the header calls it)."""
        if column not in self.SORTABLE_COLUMNS:
            return
        direction = sorting.DESCENDING if order == Qt.DescendingOrder else sorting.ASCENDING
        self.set_sort(sorting.LedgerSort(COLUMNS[column][0], direction))

    def set_sort(self, ledger_sort: sorting.LedgerSort | None) -> None:
        """Show the same tickets in another order: the count stays, the pages are read again."""
        self.beginResetModel()
        self.ledger_sort = ledger_sort
        self._pages.clear()
        self._forget_hot()
        self.endResetModel()

    def sort_indicator(self) -> tuple[int, Qt.SortOrder] | None:
        """(column, order) the list is sorted by, for the header's arrow; None when newest first."""
        if self.ledger_sort is None:
            return None
        column = next(i for i, (key, _) in enumerate(COLUMNS) if key == self.ledger_sort.column)
        return column, (Qt.DescendingOrder if self.ledger_sort.direction == sorting.DESCENDING else Qt.AscendingOrder)

    def _fetch(self, offset: int, total: int | None) -> list[dict]:
        return sorting.fetch_window(self.db, self.filter, offset, self.PAGE, total, self._today, sort=self.ledger_sort)

    def _page(self, number: int) -> _Page:
        if number == self._hot_number and self._hot is not None:
            return self._hot  # the page being painted: no LRU bookkeeping per cell
        page = self._pages.get(number)
        if page is None:
            # While counting in the background the total is only the first page's length: no bound.
            page = _Page(self._fetch(number * self.PAGE, None if self.counting else self.total))
            self._pages[number] = page
            while len(self._pages) > self.MAX_PAGES:
                self._pages.popitem(last=False)
        else:
            self._pages.move_to_end(number)
        self._hot_number, self._hot = number, page
        return page

    def row_at(self, row: int) -> dict | None:
        """The ticket dict shown at a row (loads its page if needed)."""
        if row < 0 or row >= self.total:
            return None
        rows = self._page(row // self.PAGE).rows
        i = row % self.PAGE
        return rows[i] if i < len(rows) else None

    def _shown(self, row: int) -> _Shown | None:
        """What a row shows (its cells' texts and its colour), worked out once per row and kept with its page."""
        if row < 0 or row >= self.total:
            return None
        page = self._page(row // self.PAGE)
        i = row % self.PAGE
        if i >= len(page.rows):
            return None
        shown = page.shown[i]
        if shown is None:
            shown = page.shown[i] = _shown_row(page.rows[i], self._today, self._soon)
        return shown

    # -- Qt API --
    def rowCount(self, parent=ROOT) -> int:  # noqa: N802 - Qt name
        return 0 if parent.isValid() else self.total

    def columnCount(self, parent=ROOT) -> int:  # noqa: N802
        return 0 if parent.isValid() else len(COLUMNS)

    def headerData(self, section, orientation, role=DISPLAY):  # noqa: N802
        # The row numbers are asked for every visible row at each paint of the header, like data().
        if role == DISPLAY:
            if orientation == HORIZONTAL:
                return COLUMNS[section][1]
            return str(section + 1)
        if orientation == HORIZONTAL and 0 <= section < len(COLUMNS):
            key = COLUMNS[section][0]
            if role == TOOLTIP:
                return sorting.tooltip(key)
            if role == INITIAL_SORT_ORDER and key in sorting.SORTABLE:
                return Qt.DescendingOrder if sorting.SORTABLE[key].first_descending else Qt.AscendingOrder
        return None

    def data(self, index, role=DISPLAY):
        # Qt asks seven roles of every visible cell at each paint (~2,100 calls for a
        # screenful): the two it paints are two list look-ups, the others return at once.
        if role == DISPLAY or role == BACKGROUND:
            row = index.row()
            if row == self._last_row:
                shown = self._last_shown
            else:
                shown = self._shown(row)
                self._last_row, self._last_shown = row, shown
            if shown is None:
                return None
            return shown.cells[index.column()] if role == DISPLAY else shown.brush
        if role == TOOLTIP or role == USER:
            r = self.row_at(index.row()) if index.isValid() else None
            if r is None:
                return None
            if role == USER:
                return r["uuid"]
            tip = STATE_TIPS.get(tickets.deadline_state(r, self._today, self._soon), "")
            if COLUMNS[index.column()][0] == "due_date" and _provisional(r):
                tip = (tip + "\n" if tip else "") + PROVISIONAL_TIP
            return (tip + "\n" if tip else "") + (r.get("request_text") or "")
        return None


class _Shown:
    """A row as the list paints it: the twelve cells' texts and the row's colour."""

    __slots__ = ("cells", "brush")

    def __init__(self, cells: tuple[str, ...], brush: QBrush | None):
        self.cells, self.brush = cells, brush


class _Page:
    """PAGE rows of the list as read, and what each shows once it has been painted."""

    __slots__ = ("rows", "shown")

    def __init__(self, rows: list[dict]):
        self.rows = rows
        self.shown: list[_Shown | None] = [None] * len(rows)


def _provisional(r: dict) -> bool:
    """A due date counted over a year without the official calendar, on a ticket still open."""
    return bool(r.get("due_provisional")) and r.get("status") in tickets.OPEN_STATUSES


def _cell_text(r: dict, key: str) -> str:
    v = r.get(key)
    if key == "applicant_phone":
        return mask_phone(v)
    if key == "rating":
        return tickets.RATINGS.get(v, "") if v else ""
    if key == "item_name":
        return v or r.get("department", "")
    if key == "status" and v == tickets.FINISHED and (r.get("days_late") or 0) > 0:
        return f"办结（超期{r['days_late']}天）"
    if key == "due_date" and _provisional(r):
        return f"{v}（预估）"  # counted over a year without the official calendar
    return "" if v is None else str(v)


def _shown_row(r: dict, today: dt.date, soon: dt.date) -> _Shown:
    return _Shown(tuple(_cell_text(r, key) for key in COLUMN_KEYS),
                  BRUSHES.get(tickets.deadline_state(r, today, soon)))
