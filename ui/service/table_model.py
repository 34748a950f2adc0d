"""The ticket list's table model: a thin adapter over models.service.tickets that loads
windows of rows (pages) on demand, so a million tickets cost a count and a few
pages, never all rows."""

from __future__ import annotations

import datetime as dt
import sys
from collections import OrderedDict

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QObject, QRunnable, Qt, QThreadPool, Signal
from PySide6.QtGui import QBrush, QColor

from models.core import errorlog
from models.service import sorting, tickets
from models.core.personal import mask_phone

COLUMNS = [
    # What window staff look for first comes first: at 1366×768 these fit without scrolling.
    ("ticket_no", "办件编号"), ("applicant_name", "申请人"), ("status", "状态"), ("due_date", "承诺办结"),
    ("item_name", "服务事项"), ("received_date", "受理日期"), ("kind", "类型"), ("applicant_phone", "电话"),
    ("applicant_village", "村（社区）"), ("finished_date", "办结日期"), ("rating", "满意度"), ("handler_name", "承办人"),
]
STATE_COLOURS = {
    "overdue": QColor("#f8d0d0"),  # past due, still open
    "due_soon": QColor("#fff1b8"),
    "late": QColor("#f9e0c7"),  # finished, but late
    "paused": QColor("#dbe9f7"),  # 补正: clock stopped
}
PROVISIONAL_TIP = "承诺办结日期按法定节假日预估，如遇调休以正式安排为准；正式工作日历到后由值班长核对。"
STATE_TIPS = {"overdue": "已超期", "due_soon": "即将到期", "late": "超期办结", "paused": "补正中，时限暂停"}


# Role constants looked up once: PySide6 attribute lookups cost microseconds and
# data() is called thousands of times per paint.
DISPLAY, BACKGROUND, TOOLTIP, USER = (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.BackgroundRole,
                                      Qt.ItemDataRole.ToolTipRole, Qt.ItemDataRole.UserRole)
HANDLED_ROLES = frozenset((DISPLAY, BACKGROUND, TOOLTIP, USER))
INITIAL_SORT_ORDER = Qt.ItemDataRole.InitialSortOrderRole
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
            self.signals.failed.emit(self.generation, str(errorlog.log_exception(*sys.exc_info(), "办件计数")))
            return
        self.signals.counted.emit(self.generation, n)


class TicketTableModel(QAbstractTableModel):
    """Rows of the filtered ticket list, fetched PAGE at a time and cached (LRU).

    The count is taken once per filter; a filter whose count may scan the
    whole table (short LIKE searches) shows its first page at once and is
    counted on a worker thread, after which the rows are appended."""

    PAGE = 200
    MAX_PAGES = 30
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
        self._pages: OrderedDict[int, list[dict]] = OrderedDict()
        self._today = dt.date.today()
        self._soon = self._today

    # -- loading --
    def set_filter(self, f: tickets.TicketFilter) -> None:
        """Apply a filter: count once, drop cached pages."""
        self.beginResetModel()
        self._generation += 1
        self.filter = f
        self._pages.clear()
        self._today = dt.date.today()
        self._soon = tickets.due_soon_limit(self.db, self._today)
        self.counting = False
        self.count_error = ""
        background = tickets.is_slow_filter(f) and self.db_path is not None
        if background:
            first = self._fetch(0, None)
            self._pages[0] = first
            self.total = len(first)
            if len(first) == self.PAGE:
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
        if total > self.total:
            self.beginInsertRows(QModelIndex(), self.total, total - 1)
            self.total = total
            self.endInsertRows()
        else:
            self.total = total
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
        self.endResetModel()

    def sort_indicator(self) -> tuple[int, Qt.SortOrder] | None:
        """(column, order) the list is sorted by, for the header's arrow; None when newest first."""
        if self.ledger_sort is None:
            return None
        column = next(i for i, (key, _) in enumerate(COLUMNS) if key == self.ledger_sort.column)
        return column, (Qt.DescendingOrder if self.ledger_sort.direction == sorting.DESCENDING else Qt.AscendingOrder)

    def _fetch(self, offset: int, total: int | None) -> list[dict]:
        return sorting.fetch_window(self.db, self.filter, offset, self.PAGE, total, self._today, sort=self.ledger_sort)

    def _page(self, number: int) -> list[dict]:
        page = self._pages.get(number)
        if page is None:
            # While counting in the background the total is only the first page's length: no bound.
            page = self._fetch(number * self.PAGE, None if self.counting else self.total)
            self._pages[number] = page
            while len(self._pages) > self.MAX_PAGES:
                self._pages.popitem(last=False)
        else:
            self._pages.move_to_end(number)
        return page

    def row_at(self, row: int) -> dict | None:
        """The ticket dict shown at a row (loads its page if needed)."""
        if row < 0 or row >= self.total:
            return None
        page = self._page(row // self.PAGE)
        i = row % self.PAGE
        return page[i] if i < len(page) else None

    # -- Qt API --
    def rowCount(self, parent=ROOT) -> int:  # noqa: N802 - Qt name
        return 0 if parent.isValid() else self.total

    def columnCount(self, parent=ROOT) -> int:  # noqa: N802
        return 0 if parent.isValid() else len(COLUMNS)

    def headerData(self, section, orientation, role=Qt.DisplayRole):  # noqa: N802
        if role == Qt.DisplayRole:
            if orientation == Qt.Horizontal:
                return COLUMNS[section][1]
            return str(section + 1)
        if orientation == Qt.Horizontal and 0 <= section < len(COLUMNS):
            key = COLUMNS[section][0]
            if role == TOOLTIP:
                return sorting.tooltip(key)
            if role == INITIAL_SORT_ORDER and key in sorting.SORTABLE:
                return Qt.DescendingOrder if sorting.SORTABLE[key].first_descending else Qt.AscendingOrder
        return None

    def data(self, index, role=DISPLAY):
        if role not in HANDLED_ROLES or not index.isValid():
            return None
        r = self.row_at(index.row())
        if r is None:
            return None
        key = COLUMNS[index.column()][0]
        if role == DISPLAY:
            v = r.get(key)
            if key == "applicant_phone":
                return mask_phone(v)
            if key == "rating":
                return tickets.RATINGS.get(v, "") if v else ""
            if key == "item_name":
                return v or r.get("department", "")
            if key == "status" and v == tickets.FINISHED and (r.get("days_late") or 0) > 0:
                return f"办结（超期{r['days_late']}天）"
            if key == "due_date" and r.get("due_provisional") and r.get("status") in tickets.OPEN_STATUSES:
                return f"{v}（预估）"  # counted over a year without the official calendar
            return "" if v is None else str(v)
        if role == BACKGROUND:
            return BRUSHES.get(tickets.deadline_state(r, self._today, self._soon))
        if role == TOOLTIP:
            state = tickets.deadline_state(r, self._today, self._soon)
            tip = STATE_TIPS.get(state, "")
            if key == "due_date" and r.get("due_provisional") and r.get("status") in tickets.OPEN_STATUSES:
                tip = (tip + "\n" if tip else "") + PROVISIONAL_TIP
            return (tip + "\n" if tip else "") + (r.get("request_text") or "")
        if role == USER:
            return r["uuid"]
        return None
