"""Dialogs of the 领导班子 tab: appoint to a post, map .xlsx columns on import,
show an import's result."""

from __future__ import annotations

from PySide6.QtCore import QDate
from PySide6.QtWidgets import (QComboBox, QDateEdit, QDialog, QDialogButtonBox, QFormLayout, QLabel, QLineEdit,
                               QMessageBox, QPlainTextEdit, QTableWidget, QTableWidgetItem, QVBoxLayout)

from models import roster, roster_io
from models.errors import AppError


class AppointDialog(QDialog):
    """Choose a post, a start date, method and term; calls roster.appoint."""

    def __init__(self, ctx, cadre_uuid: str, cadre_name: str, parent=None):
        super().__init__(parent)
        self.ctx = ctx
        self.cadre_uuid = cadre_uuid
        self.setWindowTitle(self.tr("任职：") + cadre_name)
        form = QFormLayout(self)
        self.post = QComboBox()
        for p in roster.posts(ctx.db, ctx.township_filter or None):
            holders = f"（现任：{p['holders']}）" if p["holders"] else ""
            self.post.addItem(f"{p['organ']} · {p['title']}{holders}", p["uuid"])
        self.start = QDateEdit(QDate.currentDate())
        self.start.setCalendarPopup(True)
        self.start.setDisplayFormat("yyyy-MM-dd")
        self.method = QComboBox()
        self.method.addItems(roster.APPOINT_METHODS)
        self.method.setCurrentText("委任")
        self.term = QLineEdit()
        self.term.setPlaceholderText(self.tr("如：第十六届"))
        self.error = QLabel()
        self.error.setStyleSheet("color: #b00020;")
        self.error.setWordWrap(True)
        form.addRow(self.tr("职务"), self.post)
        form.addRow(self.tr("任职时间"), self.start)
        form.addRow(self.tr("任职方式"), self.method)
        form.addRow(self.tr("届次"), self.term)
        form.addRow(self.error)
        buttons = QDialogButtonBox(QDialogButtonBox.Ok | QDialogButtonBox.Cancel)
        buttons.button(QDialogButtonBox.Ok).setText(self.tr("任职"))
        buttons.button(QDialogButtonBox.Cancel).setText(self.tr("取消"))
        buttons.accepted.connect(self.save)
        buttons.rejected.connect(self.reject)
        form.addRow(buttons)

    def save(self) -> None:
        try:
            roster.appoint(self.ctx.db, self.ctx.actor, self.cadre_uuid, self.post.currentData(),
                           self.start.date().toString("yyyy-MM-dd"), method=self.method.currentText(),
                           term=self.term.text())
        except AppError as e:
            self.error.setText(e.message)
            return
        self.accept()


class ColumnMappingDialog(QDialog):
    """The mapping step of an .xlsx import: each column of the file → a field
    (or 不导入). Starts from roster_io.guess_mapping."""

    def __init__(self, headers: list[str], parent=None):
        super().__init__(parent)
        self.setWindowTitle(self.tr("导入名册：核对列对应"))
        self.resize(520, 520)
        layout = QVBoxLayout(self)
        layout.addWidget(QLabel(self.tr("请核对表格每一列对应的字段。没有对应的列不会导入。“姓名”必须对应。")))
        guess = roster_io.guess_mapping(headers)
        self.table = QTableWidget(len(headers), 2)
        self.table.setHorizontalHeaderLabels([self.tr("表格中的列"), self.tr("对应字段")])
        self.table.horizontalHeader().setStretchLastSection(True)
        self.table.verticalHeader().setVisible(False)
        self.combos = []
        for i, header in enumerate(headers):
            self.table.setItem(i, 0, QTableWidgetItem(header or f"（第 {i + 1} 列，无标题）"))
            combo = QComboBox()
            combo.addItem(self.tr("（不导入）"), "")
            for f, label in roster_io.XLSX_COLUMNS:
                combo.addItem(label, f)
            if i in guess:
                combo.setCurrentIndex(combo.findData(guess[i]))
            self.table.setCellWidget(i, 1, combo)
            self.combos.append(combo)
        self.table.setColumnWidth(0, 220)
        layout.addWidget(self.table)
        self.error = QLabel()
        self.error.setStyleSheet("color: #b00020;")
        layout.addWidget(self.error)
        buttons = QDialogButtonBox(QDialogButtonBox.Ok | QDialogButtonBox.Cancel)
        buttons.button(QDialogButtonBox.Ok).setText(self.tr("导入"))
        buttons.button(QDialogButtonBox.Cancel).setText(self.tr("取消"))
        buttons.accepted.connect(self._check)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)

    def mapping(self) -> dict[int, str]:
        return {i: c.currentData() for i, c in enumerate(self.combos) if c.currentData()}

    def _check(self) -> None:
        chosen = list(self.mapping().values())
        if "name" not in chosen:
            self.error.setText(self.tr("请把某一列对应到“姓名”。"))
            return
        dupes = {f for f in chosen if chosen.count(f) > 1}
        if dupes:
            self.error.setText(self.tr("同一字段对应了多列：") + "、".join(roster_io.FIELD_LABELS[f] for f in dupes))
            return
        self.accept()


def show_import_result(parent, result) -> None:
    """The summary, and every refused row with its reason."""
    box = QDialog(parent)
    box.setWindowTitle("导入结果")
    box.resize(640, 420)
    layout = QVBoxLayout(box)
    layout.addWidget(QLabel(result.summary()))
    if result.errors:
        layout.addWidget(QLabel("以下行（文件）有错，未导入，其余已导入："))
        text = QPlainTextEdit("\n".join(f"{where}：{message}" for where, message in result.errors))
        text.setReadOnly(True)
        layout.addWidget(text)
    buttons = QDialogButtonBox(QDialogButtonBox.Ok)
    buttons.accepted.connect(box.accept)
    layout.addWidget(buttons)
    box.exec()


def confirm(parent, title: str, text: str) -> bool:
    return QMessageBox.question(parent, title, text, QMessageBox.Yes | QMessageBox.No) == QMessageBox.Yes
