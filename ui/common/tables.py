"""Every table in the window behaves like a WPS sheet, from one place.

`install_office_tables(app)` equips each table as it is first shown and gives it:
header click sorts (a one-off sort of the rows shown, so code filling a table row by row is never
disturbed), a right-click menu 复制 / 导出 Excel / 打印, Ctrl+C, Ctrl+P, Ctrl+F, the first column
frozen when a wide table scrolls right, and column widths and sort remembered per table.
A table opts out with the property `office_table` set to False (e.g. the score grid, which has
its own keys).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from PySide6.QtCore import QEvent, QObject, QSortFilterProxyModel, Qt, QTimer
from PySide6.QtGui import QAction, QGuiApplication, QKeySequence, QShortcut, QTextDocument
from PySide6.QtWidgets import (QApplication, QFileDialog, QHeaderView, QInputDialog, QMenu,
                               QMessageBox, QTableView, QTableWidget, QWidget)

from shiboken6 import isValid

from ui.common.files import start_in
from models.core import exports
from models.core.errors import AppError

PRINT_ROW_LIMIT = 5000  # beyond this a printout is no use: export to Excel instead
FROZEN_MIN_COLUMNS = 6  # narrower tables fit on screen; freezing would only cost space


def table_key(view: QTableView) -> str:
    """A stable name for the table: the window it sits in and its place there."""
    names = []
    w: QWidget | None = view
    while w is not None:
        names.append(w.objectName() or type(w).__name__)
        w = w.parentWidget()
    return "tables/" + "/".join(reversed(names))


def visible_columns(view: QTableView) -> list[int]:
    header = view.horizontalHeader()
    model = view.model()
    return [header.logicalIndex(v) for v in range(header.count())
            if not header.isSectionHidden(header.logicalIndex(v))] if model is not None else []


def table_contents(view: QTableView, selected_only: bool = False, limit: int | None = None):
    """(headers, rows) as displayed: the text each cell shows, in the view's column order."""
    model = view.model()
    columns = visible_columns(view)
    headers = [str(model.headerData(c, Qt.Horizontal, Qt.DisplayRole) or "") for c in columns]
    if selected_only and view.selectionModel() is not None:
        indexes = view.selectionModel().selectedIndexes()
        rows_wanted = sorted({i.row() for i in indexes})
        cols_wanted = sorted({i.column() for i in indexes}, key=lambda c: columns.index(c) if c in columns else c)
        headers = [str(model.headerData(c, Qt.Horizontal, Qt.DisplayRole) or "") for c in cols_wanted]
        columns = cols_wanted
    else:
        count = model.rowCount()
        rows_wanted = list(range(count if limit is None else min(count, limit)))
    rows = []
    for r in rows_wanted:
        rows.append([_text(model.index(r, c).data(Qt.DisplayRole)) for c in columns])
    return headers, rows


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _title_of(view: QTableView) -> str:
    window = view.window()
    title = (window.windowTitle() or "").split(" — ")[0] if window is not None else ""
    return view.property("office_title") or title or "表格"


class OfficeTable(QObject):
    """The behaviour given to one table view."""

    def __init__(self, view: QTableView):
        super().__init__(view)
        self.view = view
        self.key = table_key(view)
        self.frozen: QTableView | None = None
        view.setContextMenuPolicy(Qt.CustomContextMenu)
        view.customContextMenuRequested.connect(self._menu)
        taken = _keys_taken(view)
        for keys, slot in ((QKeySequence.Copy, self.copy), (QKeySequence.Print, self.print_view),
                           (QKeySequence.Find, self.find)):
            # A page's own Ctrl+F (its search box) or a grid's own copy wins: two owners of one key would
            # leave Qt with an ambiguous shortcut that does nothing.
            if QKeySequence(keys).toString() in taken:
                continue
            shortcut = QShortcut(keys, view, activated=slot)
            shortcut.setContext(Qt.WidgetWithChildrenShortcut)
        header = view.horizontalHeader()
        header.setSectionsClickable(True)
        header.setSortIndicatorShown(self.sortable())
        header.sectionClicked.connect(self._header_clicked)
        header.sectionResized.connect(lambda *_: self._save_later())
        self._save_timer = QTimer(self, singleShot=True, interval=400, timeout=self.save_state)
        self._restored = False
        model = view.model()
        if model is not None:
            model.modelReset.connect(self._columns_known)
            model.columnsInserted.connect(self._columns_known)
            model.headerDataChanged.connect(self._columns_known)
        self._columns_known()

    # -- sorting --
    def sortable(self) -> bool:
        model = self.view.model()
        if isinstance(self.view, QTableWidget) or isinstance(model, QSortFilterProxyModel):
            return True
        return bool(model is not None and getattr(model, "SORTABLE_COLUMNS", None))

    def _header_clicked(self, column: int) -> None:
        if not self.sortable():
            return
        model = self.view.model()
        columns = getattr(model, "SORTABLE_COLUMNS", None)
        if columns is not None and column not in columns:
            reason = model.headerData(column, Qt.Horizontal, Qt.ToolTipRole)
            QToolTipLike.show(self.view, reason or "这一列不能排序（数据量大，只按有索引的列排序）。")
            self._show_model_sort()  # Qt already moved the arrow to the clicked column
            return
        header = self.view.horizontalHeader()
        order = header.sortIndicatorOrder()
        if isinstance(self.view, QTableWidget):
            self.view.sortItems(column, order)
        else:
            model.sort(column, order)
        self._save_later()

    def _show_model_sort(self) -> None:
        """The header's arrow where a self-sorting model (the ledger) says it is sorted."""
        model = self.view.model()
        indicator = model.sort_indicator() if hasattr(model, "sort_indicator") else None
        header = self.view.horizontalHeader()
        if indicator is None:
            header.setSortIndicator(-1, Qt.AscendingOrder)
        else:
            header.setSortIndicator(*indicator)

    def _restore_model_sort(self) -> None:
        """Sort a self-sorting model as remembered (a column it cannot sort is forgotten)."""
        model = self.view.model()
        if not hasattr(model, "sort_indicator"):
            return
        header = self.view.horizontalHeader()
        column = header.sortIndicatorSection()
        if column in getattr(model, "SORTABLE_COLUMNS", ()):
            model.sort(column, header.sortIndicatorOrder())
        self._show_model_sort()

    # -- remembered widths and sort --
    def _columns_known(self, *_args) -> None:
        if not isValid(self.view):
            return  # the table is being destroyed
        model = self.view.model()
        if model is None or model.columnCount() == 0:
            return
        if not self._restored:
            self._restored = True
            from ui.app import qsettings

            state = qsettings().value(self.key + "/header")
            # A state saved for other columns (a newer version added one) would
            # lay the header out for them: the new columns were left unpainted.
            if state is not None and qsettings().value(self.key + "/columns") != self._column_signature():
                state = None
            if state is not None:
                self.view.horizontalHeader().restoreState(state)
                self._restore_model_sort()
            elif hasattr(model, "sort_indicator"):
                self._show_model_sort()
            else:
                # Qt puts the arrow on the first column by default: nothing is sorted yet.
                self.view.horizontalHeader().setSortIndicator(-1, Qt.AscendingOrder)
        self._update_frozen()

    def _save_later(self) -> None:
        self._save_timer.start()

    def _column_signature(self) -> str:
        model = self.view.model()
        return "\t".join(str(model.headerData(c, Qt.Horizontal, Qt.DisplayRole)) for c in range(model.columnCount()))

    def save_state(self) -> None:
        from ui.app import qsettings

        qsettings().setValue(self.key + "/header", self.view.horizontalHeader().saveState())
        qsettings().setValue(self.key + "/columns", self._column_signature())

    # -- frozen first column --
    def _update_frozen(self) -> None:
        model = self.view.model()
        wide = model is not None and model.columnCount() >= FROZEN_MIN_COLUMNS
        if wide and self.frozen is None:
            self.frozen = FrozenFirstColumn(self.view)
        if self.frozen is not None:
            self.frozen._place() if wide else self.frozen.hide()

    # -- actions --
    def _menu(self, pos) -> None:
        menu = QMenu(self.view)
        menu.addAction("复制", self.copy)
        menu.addAction("全选", self.view.selectAll)
        menu.addSeparator()
        menu.addAction("查找…", self.find)
        menu.addAction("导出 Excel…", self.export_xlsx)
        menu.addAction("打印…", self.print_view)
        menu.exec(self.view.viewport().mapToGlobal(pos))

    def copy(self) -> None:
        headers, rows = table_contents(self.view, selected_only=True)
        if not rows:
            return
        text = "\n".join("\t".join(row) for row in rows)
        QGuiApplication.clipboard().setText(text)

    def find(self) -> None:
        text, ok = QInputDialog.getText(self.view, "查找", "查找内容：")
        if not ok or not text.strip():
            return
        model = self.view.model()
        current = self.view.currentIndex()
        start_row = current.row() + 1 if current.isValid() else 0
        columns = visible_columns(self.view)
        count = model.rowCount()
        for step in range(count):
            r = (start_row + step) % count
            for c in columns:
                if text.strip() in _text(model.index(r, c).data(Qt.DisplayRole)):
                    index = model.index(r, c)
                    self.view.setCurrentIndex(index)
                    self.view.scrollTo(index)
                    return
        QMessageBox.information(self.view, "查找", f"没有找到“{text.strip()}”。")

    def export_xlsx(self, path: str | None = None) -> Path | None:
        """Export the table as shown to an .xlsx (masked and audited by
        models.core.exports). The file and its audit row are written by
        ui/common/action.run_op on a worker connection; returns the file it
        writes (None when cancelled or refused at once)."""
        title = _title_of(self.view)
        if path is None:
            suggested = f"{title}_{dt.date.today().isoformat()}.xlsx"
            path, _ = QFileDialog.getSaveFileName(self.view, "导出 Excel", start_in(suggested), "Excel (*.xlsx)")
            if not path:
                return None
        if not path.lower().endswith(".xlsx"):
            path += ".xlsx"
        headers, rows = table_contents(self.view)
        ctx = getattr(self.view.window(), "ctx", None)
        if ctx is None:
            # Only the main window's tables may export: the export must be audited under someone.
            QMessageBox.warning(self.view, "导出 Excel", "这个表格不在主窗口中，无法确认操作人，不能导出。请在主窗口的表格中导出。")
            return None
        from ui.common.action import run_op

        actor, target = ctx.actor, path

        def export(db, _progress):
            try:
                return exports.export_table_xlsx(db, actor, target, title, headers, rows)
            except OSError as e:  # the folder or the file, not the program: say so in Chinese
                raise AppError(f"无法写入“{target}”：{e.strerror or e}。请换一个文件夹或文件名。") from e

        # An export writes its audit row: an action like any other, though no tab shows what changed.
        run_op(self.view, ctx, export, changes=(),
               on_error=lambda e: QMessageBox.warning(self.view, "导出 Excel", e.message))
        return Path(path)

    def print_html(self) -> str | None:
        model = self.view.model()
        if model.rowCount() > PRINT_ROW_LIMIT:
            return None
        headers, rows = table_contents(self.view)
        from reports.table_export import table_html  # only when printing (issue 22: not before the first paint)

        return table_html(_title_of(self.view), headers, rows)

    def print_view(self) -> None:
        from PySide6.QtPrintSupport import QPrintDialog, QPrinter

        content = self.print_html()
        if content is None:
            QMessageBox.information(self.view, "打印", f"表格超过 {PRINT_ROW_LIMIT:,} 行，打印没有意义：请先筛选，或导出 Excel。")
            return
        printer = QPrinter(QPrinter.HighResolution)
        dialog = QPrintDialog(printer, self.view)
        if dialog.exec() != QPrintDialog.Accepted:
            return
        document = QTextDocument()
        document.setHtml(content)
        document.print_(printer)


def _keys_taken(view: QTableView) -> set[str]:
    """Keys the table's window, or the table's own key handling, already uses."""
    taken = set()
    window = view.window()
    for shortcut in window.findChildren(QShortcut):
        taken.add(shortcut.key().toString())
    for action in window.findChildren(QAction):
        taken.update(k.toString() for k in action.shortcuts())
    if type(view).keyPressEvent is not QTableView.keyPressEvent and type(view).keyPressEvent is not \
            QTableWidget.keyPressEvent:
        taken.add(QKeySequence(QKeySequence.Copy).toString())  # the view handles its own keys (the score grid)
    taken.discard("")
    return taken


class QToolTipLike:
    @staticmethod
    def show(view: QTableView, text: str) -> None:
        from PySide6.QtGui import QCursor
        from PySide6.QtWidgets import QToolTip

        QToolTip.showText(QCursor.pos(), text, view)


class FrozenFirstColumn(QTableView):
    """Qt's frozen-column pattern: a second view over the same model shows only the first
    column, laid over the left edge, scrolling vertically with the table."""

    def __init__(self, table: QTableView):
        super().__init__(table)
        self.table = table
        self.setObjectName("frozen_first_column")
        self.setProperty("office_table", False)
        self.setModel(table.model())
        self.setSelectionModel(table.selectionModel())
        self.setFocusPolicy(Qt.NoFocus)
        self.verticalHeader().hide()
        self.verticalHeader().setDefaultSectionSize(table.verticalHeader().defaultSectionSize())
        self.verticalHeader().setMinimumSectionSize(table.verticalHeader().minimumSectionSize())
        self.horizontalHeader().setSectionResizeMode(QHeaderView.Fixed)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarAlwaysOff)
        self.setVerticalScrollBarPolicy(Qt.ScrollBarAlwaysOff)
        self.setVerticalScrollMode(table.verticalScrollMode())
        self.setStyleSheet("QTableView { border: none; border-right: 1px solid #9aa5b1; }")
        table.viewport().stackUnder(self)
        self.verticalScrollBar().valueChanged.connect(table.verticalScrollBar().setValue)
        table.verticalScrollBar().valueChanged.connect(self.verticalScrollBar().setValue)
        table.horizontalHeader().sectionResized.connect(self._resized)
        table.verticalHeader().sectionResized.connect(lambda i, _o, size: self.setRowHeight(i, size))
        table.model().modelReset.connect(self._columns)
        table.model().columnsInserted.connect(self._columns)
        table.installEventFilter(self)
        self.doubleClicked.connect(table.doubleClicked.emit)
        self.clicked.connect(table.clicked.emit)
        self._columns()

    def _columns(self, *_args) -> None:
        if not isValid(self.table) or not isValid(self):
            return  # the table is being destroyed
        model = self.table.model()
        for c in range(model.columnCount()):
            self.setColumnHidden(c, c != self._first_column())
        self.setColumnWidth(self._first_column(), self.table.columnWidth(self._first_column()))
        self._place()

    def _first_column(self) -> int:
        return self.table.horizontalHeader().logicalIndex(0)

    def _resized(self, index: int, _old: int, size: int) -> None:
        if index == self._first_column():
            self.setColumnWidth(index, size)
            self._place()

    def eventFilter(self, obj, event) -> bool:  # noqa: N802 - Qt naming
        if obj is self.table and event.type() in (QEvent.Resize, QEvent.Show, QEvent.LayoutRequest):
            self._place()
        return False

    def _place(self) -> None:
        t = self.table
        x = t.verticalHeader().width() + t.frameWidth()
        self.setGeometry(x, t.frameWidth(), t.columnWidth(self._first_column()),
                         t.viewport().height() + t.horizontalHeader().height())
        self.horizontalHeader().setFixedHeight(t.horizontalHeader().height())
        # Only shown once the table is scrolled right; before that it would cover the same column.
        self.setVisible(t.horizontalScrollBar().value() > 0)


class OfficeTables(QObject):
    """Equips each table the first time it is shown, while installed.

    Called from QTableView.showEvent (see install_office_tables), not from an
    application-wide event filter: such a filter brings every event of the
    program into Python (thousands for each page built, about 10 µs each —
    a third of the time a tab took to open, issue 22)."""

    def equip(self, obj: QTableView) -> None:
        if isinstance(obj, FrozenFirstColumn) or obj.property("office_table") is False:
            return
        if obj.findChild(OfficeTable) is None and getattr(obj, "_office_table", None) is None:
            obj._office_table = OfficeTable(obj)
            obj.horizontalScrollBar().valueChanged.connect(lambda _v, v=obj: _frozen_follow(v))

    def uninstall(self) -> None:
        global _INSTALLED
        if _INSTALLED is self:
            _INSTALLED = None


def _frozen_follow(view: QTableView) -> None:
    behaviour = getattr(view, "_office_table", None)
    if behaviour is not None and behaviour.frozen is not None:
        behaviour.frozen._place()


_INSTALLED: OfficeTables | None = None
_QT_SHOW_EVENT = QTableView.showEvent


def _table_show_event(view: QTableView, event) -> None:
    if _INSTALLED is not None:
        _INSTALLED.equip(view)
    _QT_SHOW_EVENT(view, event)


def install_office_tables(app: QApplication) -> OfficeTables:
    """Every table (and table widget, and subclass) made by the program is equipped when
    first shown: QTableView.showEvent is replaced once, for the whole process, by one
    that equips the view first. Tables Qt makes inside its own widgets (the calendar
    popup's grid) are not ours and stay as they are."""
    global _INSTALLED
    _INSTALLED = OfficeTables(app)
    QTableView.showEvent = _table_show_event
    return _INSTALLED
