"""处理冲突: records changed both here (the county) and in the township.

A person looks at the two versions side by side and keeps one of them.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import (QAbstractItemView, QDialog, QHBoxLayout, QHeaderView, QLabel, QMessageBox,
                               QPushButton, QSplitter, QTableWidget, QTableWidgetItem, QVBoxLayout, QWidget)

from models.handoff import merge as handoff_merge

DIFF_BRUSH = QBrush(QColor("#fff3cd"))


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bytes):
        return f"（{len(value)} 字节的二进制数据）"
    return str(value)


class ConflictsDialog(QDialog):
    """Open conflicts on the left, the two versions of the selected one on the right."""

    def __init__(self, ctx, parent=None):
        super().__init__(parent)
        self.ctx = ctx
        self.setWindowTitle(self.tr("处理冲突"))
        self.resize(980, 560)
        layout = QVBoxLayout(self)
        note = QLabel(self.tr("下列记录在县里改过，乡镇也改过。请逐条比较，决定保留哪一份。"
                              "“保留本地”会把县里的版本定为最新；“采用来件”用乡镇发来的版本覆盖。"))
        note.setWordWrap(True)
        layout.addWidget(note)
        splitter = QSplitter(Qt.Horizontal)
        self.list = QTableWidget(0, 5)
        self.list.setHorizontalHeaderLabels([self.tr("乡镇"), self.tr("数据表"), self.tr("本地版本"),
                                             self.tr("来件版本"), self.tr("收到时间")])
        self.list.setSelectionBehavior(QAbstractItemView.SelectRows)
        self.list.setSelectionMode(QAbstractItemView.SingleSelection)
        self.list.setEditTriggers(QAbstractItemView.NoEditTriggers)
        self.list.horizontalHeader().setSectionResizeMode(QHeaderView.Stretch)
        self.list.itemSelectionChanged.connect(self._show_detail)
        splitter.addWidget(self.list)
        right = QWidget()
        right_layout = QVBoxLayout(right)
        right_layout.setContentsMargins(0, 0, 0, 0)
        self.detail = QTableWidget(0, 3)
        self.detail.setHorizontalHeaderLabels([self.tr("字段"), self.tr("本地（县里）"), self.tr("来件（乡镇）")])
        self.detail.setEditTriggers(QAbstractItemView.NoEditTriggers)
        self.detail.horizontalHeader().setSectionResizeMode(QHeaderView.Stretch)
        right_layout.addWidget(self.detail)
        buttons = QHBoxLayout()
        self.keep_local = QPushButton(self.tr("保留本地"))
        self.take_incoming = QPushButton(self.tr("采用来件"))
        self.keep_local.clicked.connect(lambda: self._resolve("local"))
        self.take_incoming.clicked.connect(lambda: self._resolve("incoming"))
        buttons.addStretch(1)
        buttons.addWidget(self.keep_local)
        buttons.addWidget(self.take_incoming)
        right_layout.addLayout(buttons)
        splitter.addWidget(right)
        splitter.setSizes([420, 560])
        layout.addWidget(splitter, 1)
        close = QPushButton(self.tr("关闭"))
        close.clicked.connect(self.accept)
        bottom = QHBoxLayout()
        self.count_label = QLabel()
        bottom.addWidget(self.count_label, 1)
        bottom.addWidget(close)
        layout.addLayout(bottom)
        self.conflicts: list[dict] = []
        self.reload()

    def reload(self) -> None:
        """Read the open conflicts again."""
        self.conflicts = handoff_merge.list_conflicts(self.ctx.db, township_code=self.ctx.township_filter or None)
        self.list.setRowCount(len(self.conflicts))
        for row, c in enumerate(self.conflicts):
            values = [f"{c['township_name'] or c['township_code']}", c["table_name"], str(c["local_version"]),
                      f"{c['incoming_version']}{'（删除）' if c['incoming_deleted'] else ''}", c["created_at"]]
            for col, value in enumerate(values):
                self.list.setItem(row, col, QTableWidgetItem(value))
        self.count_label.setText(f"待处理 {len(self.conflicts)} 条" if self.conflicts
                                 else self.tr("没有待处理的冲突。"))
        has = bool(self.conflicts)
        self.keep_local.setEnabled(has)
        self.take_incoming.setEnabled(has)
        if has:
            self.list.selectRow(0)
        else:
            self.detail.setRowCount(0)

    def current(self) -> dict | None:
        rows = self.list.selectionModel().selectedRows()
        return self.conflicts[rows[0].row()] if rows else None

    def _show_detail(self) -> None:
        c = self.current()
        if c is None:
            self.detail.setRowCount(0)
            return
        detail = handoff_merge.conflict_detail(self.ctx.db, c["id"])
        fields = detail["fields"]
        self.detail.setRowCount(len(fields))
        for row, (name, local, incoming, differs) in enumerate(fields):
            for col, value in enumerate([name, _text(local), _text(incoming)]):
                item = QTableWidgetItem(value)
                if differs:
                    item.setBackground(DIFF_BRUSH)
                self.detail.setItem(row, col, item)

    def _resolve(self, keep: str) -> None:
        c = self.current()
        if c is None:
            return
        from ui.common.action import run_op

        actor, conflict_id = self.ctx.actor, c["id"]
        run_op(self, self.ctx, lambda db, _progress: handoff_merge.resolve_conflict(db, conflict_id, keep, actor),
               changes={"all"}, on_done=lambda _result, _changes: self.reload(),
               on_error=lambda e: QMessageBox.warning(self, self.tr("无法处理"), e.message))
