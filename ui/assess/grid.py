"""The score entry grid: works like a spreadsheet.

Rows are the people of one category, columns the scorable items. Type to
enter, Enter moves down, Tab moves right, Delete clears, Ctrl+C copies and
Ctrl+V pastes tab-separated text from Excel starting at the current cell.
A paste is checked cell by cell first and saved in one transaction, or not
at all. Scores from other tabs are tinted and say where they came from.
"""

from __future__ import annotations

from PySide6.QtCore import QAbstractTableModel, QModelIndex, Qt, Signal
from PySide6.QtGui import QColor, QGuiApplication, QKeySequence
from PySide6.QtWidgets import QAbstractItemDelegate, QAbstractItemView, QTableView

from models.assess import scorecard as assess
from models.core.errors import AppError
from ui.common.action import OpQueue

# Qt enum members cached once: looking them up on `Qt` costs microseconds,
# and data() runs for every visible cell on every paint.
DISPLAY, EDIT = Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.EditRole
ALIGN, BG, FG, TIP = (Qt.ItemDataRole.TextAlignmentRole, Qt.ItemDataRole.BackgroundRole,
                      Qt.ItemDataRole.ForegroundRole, Qt.ItemDataRole.ToolTipRole)
ENABLED, SELECTABLE, EDITABLE = Qt.ItemFlag.ItemIsEnabled, Qt.ItemFlag.ItemIsSelectable, Qt.ItemFlag.ItemIsEditable
HORIZONTAL, VERTICAL = Qt.Orientation.Horizontal, Qt.Orientation.Vertical


DERIVED_BG = QColor("#e8f1fb")
VETO_BG = QColor("#fdecea")
VETO_FG = QColor("#c62828")
RIGHT = int(Qt.AlignRight | Qt.AlignVCenter)
CENTER = int(Qt.AlignCenter)
GROUP_COLOURS = {"bonus": QColor("#2e7d32"), "deduction": QColor("#c62828"), "veto": QColor("#7a1f1f")}


class ScoreGridModel(QAbstractTableModel):
    """People × items of one category and period, backed by models.assess.scorecard."""

    failed = Signal(str)
    changed = Signal()

    def __init__(self, ctx, parent=None):
        super().__init__(parent)
        self.ctx = ctx
        self.category = None
        self.period = None
        self.subjects: list[dict] = []
        self.items: list[dict] = []
        self.cells: dict = {}
        self.caps = (0.0, 0.0)
        self._writable = False
        self._totals: list = []
        self.saving = OpQueue()  # cell saves, one after another

    # -- loading
    def load(self, category: dict | None, period: str | None) -> None:
        """Reload from the database for a category and period."""
        self.beginResetModel()
        self.category, self.period = category, period
        if category and period:
            grid = assess.score_grid(self.ctx.db, category["uuid"], period)
            self.subjects = grid["subjects"]
            self.items = [it for it in grid["items"] if it["source"] != "ballot"]
            self.cells = grid["cells"]
            self.caps = (category["bonus_cap"], category["deduction_cap"])
        else:
            self.subjects, self.items, self.cells = [], [], {}
        self._writable = self.ctx.actor.can("assess.write")
        self._compute_totals()
        self.endResetModel()

    def _compute_totals(self) -> None:
        """(subtotal, vetoed) per row, computed once per load/change rather than per paint."""
        self._totals = [(self._row_total(r), self._vetoed(r)) for r in range(len(self.subjects))]

    def can_write(self) -> bool:
        return self._writable

    # -- shape
    def rowCount(self, parent=QModelIndex()):
        return 0 if parent.isValid() else len(self.subjects)

    def columnCount(self, parent=QModelIndex()):
        return 0 if parent.isValid() else len(self.items) + 2

    def item_at(self, column: int) -> dict | None:
        return self.items[column - 1] if 1 <= column <= len(self.items) else None

    def row_total(self, row: int) -> float:
        """The row's subtotal as last computed."""
        return self._totals[row][0]

    def vetoed(self, row: int) -> bool:
        return self._totals[row][1]

    def _row_total(self, row: int) -> float:
        """Normal items + capped bonus − capped deductions (ballots excluded)."""
        subject = self.subjects[row]["uuid"]
        sums = {"normal": 0.0, "bonus": 0.0, "deduction": 0.0}
        for it in self.items:
            cell = self.cells.get((subject, it["uuid"]))
            if cell and it["kind"] in sums:
                sums[it["kind"]] += cell["points"]
        return sums["normal"] + min(sums["bonus"], self.caps[0]) - min(sums["deduction"], self.caps[1])

    def _vetoed(self, row: int) -> bool:
        subject = self.subjects[row]["uuid"]
        return any((self.cells.get((subject, it["uuid"])) or {}).get("points") for it in self.items
                   if it["kind"] == "veto")

    # -- display
    def data(self, index, role=DISPLAY):
        if not index.isValid():
            return None
        row, col = index.row(), index.column()
        subject = self.subjects[row]
        if col == 0:
            if role == DISPLAY:
                extra = subject["village_name"] and f"（{subject['village_name']}）" or ""
                return subject["person_name"] + extra
            return None
        if col == len(self.items) + 1:
            total, vetoed = self._totals[row]
            if role == DISPLAY:
                return f"{total:g}" + ("（否决）" if vetoed else "")
            if role == ALIGN:
                return RIGHT
            if role == FG and vetoed:
                return VETO_FG
            return None
        item = self.items[col - 1]
        cell = self.cells.get((subject["uuid"], item["uuid"]))
        if role in (DISPLAY, EDIT):
            if cell is None:
                return ""
            if item["kind"] == "veto":
                return "否决" if cell["points"] else "否"
            return f"{cell['points']:g}"
        if role == ALIGN:
            return CENTER if item["kind"] == "veto" else RIGHT
        if role == BG and cell:
            if item["kind"] == "veto" and cell["points"]:
                return VETO_BG
            if cell["source"]:
                return DERIVED_BG
        if role == TIP:
            lines = [f"{item['name']}（{assess.ITEM_KINDS[item['kind']]}，满分 {item['max_points']:g}）"]
            if item["standard"]:
                lines.append(f"评分标准：{item['standard']}")
            if cell and cell["source"]:
                lines.append(cell["source"])
            if cell and cell["reason"]:
                lines.append(f"理由：{cell['reason']}")
            return "\n".join(lines)
        return None

    def headerData(self, section, orientation, role=DISPLAY):
        if orientation == VERTICAL:
            return str(section + 1) if role == DISPLAY else None
        if section == 0:
            return "姓名" if role == DISPLAY else None
        if section == len(self.items) + 1:
            return "小计" if role == DISPLAY else None
        item = self.items[section - 1]
        if role == DISPLAY:
            suffix = {"bonus": "加", "deduction": "扣", "veto": "否决"}.get(item["kind"], "")
            points = "" if item["kind"] == "veto" else f"{item['max_points']:g}"
            return f"{item['name']}\n{suffix}{points}"
        if role == TIP:
            return (item["standard"] or item["name"]) + (
                f"\n数据来源：{assess.DERIVED_SOURCES[item['source']]}" if item["source"] else "")
        if role == FG:
            return GROUP_COLOURS.get(item["kind"])
        return None

    def flags(self, index):
        base = ENABLED | SELECTABLE
        if self.item_at(index.column()) is not None and self.can_write():
            return base | EDITABLE
        return base

    # -- editing
    def setData(self, index, value, role=EDIT):
        if role != EDIT or self.item_at(index.column()) is None:
            return False
        return self.write_cells([(index.row(), index.column(), value)])

    def write_cells(self, cells: list[tuple], reason: str | None = None) -> bool:
        """(row, column, text) cells: check all here, then save all in one
        transaction on a worker connection (after any save still running).
        Reports the first problem (naming the person) and saves nothing when
        one cell is wrong. True when the save was started."""
        batch = []
        for row, col, value in cells:
            item = self.item_at(col)
            if item is None or row >= len(self.subjects):
                continue
            subject = self.subjects[row]
            try:
                assess.check_cell(item, value)
            except AppError as e:
                self.failed.emit(f"第 {row + 1} 行（{subject['person_name']}）{e.message}")
                return False
            old = self.cells.get((subject["uuid"], item["uuid"]))
            keep_reason = old["reason"] if old else ""
            batch.append((subject["uuid"], item["uuid"], value, keep_reason if reason is None else reason))
        if not batch or self.category is None or self.period is None:
            return False
        actor, category_uuid, period = self.ctx.actor, self.category["uuid"], self.period

        def save(db, _progress):
            assess.set_scores(db, actor, period, batch)
            return assess.score_grid(db, category_uuid, period)["cells"]

        def saved(cells_now, _changes) -> None:
            if self.category and self.category["uuid"] == category_uuid and self.period == period:
                self._show_cells(cells_now)
            self.changed.emit()

        self.saving.run(None, self.ctx, save, changes={"assess"}, on_done=saved,
                        on_error=lambda e: self.failed.emit(e.message))
        return True

    def _show_cells(self, cells: dict) -> None:
        self.cells = cells
        self._compute_totals()
        if self.subjects:
            self.dataChanged.emit(self.index(0, 0), self.index(len(self.subjects) - 1, len(self.items) + 1))

    def reason_at(self, index) -> str:
        item = self.item_at(index.column())
        if item is None or not index.isValid():
            return ""
        cell = self.cells.get((self.subjects[index.row()]["uuid"], item["uuid"]))
        return cell["reason"] if cell else ""


class ScoreGridView(QTableView):
    """Spreadsheet keys on top of QTableView."""

    def __init__(self, parent=None):
        super().__init__(parent)
        self.setEditTriggers(QAbstractItemView.AnyKeyPressed | QAbstractItemView.DoubleClicked
                             | QAbstractItemView.EditKeyPressed)
        self.setSelectionMode(QAbstractItemView.ContiguousSelection)
        self.setAlternatingRowColors(True)
        self.horizontalHeader().setDefaultSectionSize(76)
        self.horizontalHeader().setMinimumHeight(44)
        self.verticalHeader().setDefaultSectionSize(24)

    def closeEditor(self, editor, hint):
        # Enter in a cell behaves like Excel: save and go down one row
        if hint == QAbstractItemDelegate.SubmitModelCache:
            super().closeEditor(editor, QAbstractItemDelegate.NoHint)
            current = self.currentIndex()
            below = current.sibling(current.row() + 1, current.column())
            if below.isValid():
                self.setCurrentIndex(below)
            return
        super().closeEditor(editor, hint)

    def keyPressEvent(self, event):
        model = self.model()
        if event.matches(QKeySequence.Paste):
            self.paste_text(QGuiApplication.clipboard().text())
            return
        if event.matches(QKeySequence.Copy):
            QGuiApplication.clipboard().setText(self.selection_text())
            return
        if event.key() in (Qt.Key_Delete, Qt.Key_Backspace) and self.state() != QAbstractItemView.EditingState:
            cells = [(i.row(), i.column(), "") for i in self.selectedIndexes() if model.item_at(i.column())]
            if cells and model.can_write():
                model.write_cells(cells)
            return
        if event.key() in (Qt.Key_Return, Qt.Key_Enter) and self.state() != QAbstractItemView.EditingState:
            current = self.currentIndex()
            below = current.sibling(current.row() + 1, current.column())
            if below.isValid():
                self.setCurrentIndex(below)
            return
        super().keyPressEvent(event)

    def selection_text(self) -> str:
        """The selected block as tab-separated text (what Excel pastes)."""
        indexes = self.selectedIndexes() or ([self.currentIndex()] if self.currentIndex().isValid() else [])
        if not indexes:
            return ""
        rows = sorted({i.row() for i in indexes})
        cols = sorted({i.column() for i in indexes})
        model = self.model()
        return "\n".join("\t".join(str(model.index(r, c).data() or "") for c in cols) for r in rows)

    def paste_text(self, text: str) -> bool:
        """Paste a tab-separated block at the current cell (one transaction)."""
        model = self.model()
        start = self.currentIndex()
        if not start.isValid() or not text or not model.can_write():
            return False
        lines = text.replace("\r\n", "\n").replace("\r", "\n").rstrip("\n").split("\n")
        cells = []
        for dr, line in enumerate(lines):
            for dc, value in enumerate(line.split("\t")):
                row, col = start.row() + dr, start.column() + dc
                if row < model.rowCount() and model.item_at(col) is not None:
                    cells.append((row, col, value))
        return model.write_cells(cells)
