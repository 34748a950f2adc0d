"""Dialogs of the 领导班子 tab: appoint to a post, map .xlsx columns on import,
show an import's result."""

from __future__ import annotations

from PySide6.QtCore import QDate, Qt
from PySide6.QtWidgets import (QComboBox, QDateEdit, QDialog, QDialogButtonBox, QFormLayout, QHBoxLayout, QLabel,
                               QLineEdit,
                               QListWidget, QListWidgetItem, QMessageBox, QPlainTextEdit, QPushButton, QTableWidget,
                               QTableWidgetItem, QVBoxLayout)

from models.roster import team as roster

from models.roster import io as roster_io
from models.core.errors import AppError


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


class LiaisonDialog(QDialog):
    """Link a cadre with a village (驻村 / 联村), or add a village 两委 member."""

    def __init__(self, ctx, village: dict, parent=None):
        super().__init__(parent)
        self.ctx = ctx
        self.village = village
        self.setWindowTitle(self.tr("驻村联村：") + village["name"])
        form = QFormLayout(self)
        self.cadre = QComboBox()
        self.cadre.setEditable(True)  # type to filter by name
        for c in roster.list_cadres(ctx.db, ctx.township_filter or None):
            self.cadre.addItem(f"{c['name']}（{c['posts'] or '无职务'}）", c["uuid"])
        self.kind = QComboBox()
        self.kind.addItems(roster.LIAISON_KINDS)
        form.addRow(self.tr("干部"), self.cadre)
        form.addRow(self.tr("方式"), self.kind)
        self.current = QListWidget()
        for link in village["liaisons"]:
            item = QListWidgetItem(f"{link['kind']}：{link['name']}")
            item.setData(Qt.UserRole, link["uuid"])
            self.current.addItem(item)
        form.addRow(self.tr("现有联系干部"), self.current)
        self.remove_btn = QPushButton(self.tr("移除选中的联系干部"))
        self.remove_btn.clicked.connect(self.remove)
        form.addRow("", self.remove_btn)
        self.official_name = QLineEdit()
        self.official_roles = QLineEdit()
        self.official_roles.setPlaceholderText(self.tr("如：书记,主任（一肩挑）"))
        form.addRow(self.tr("村两委成员姓名"), self.official_name)
        form.addRow(self.tr("村两委职务"), self.official_roles)
        self.add_official_btn = QPushButton(self.tr("添加村两委成员"))
        self.add_official_btn.clicked.connect(self.add_official)
        form.addRow("", self.add_official_btn)
        self.error = QLabel()
        self.error.setStyleSheet("color: #b00020;")
        self.error.setWordWrap(True)
        form.addRow(self.error)
        buttons = QDialogButtonBox(QDialogButtonBox.Ok | QDialogButtonBox.Close)
        buttons.button(QDialogButtonBox.Ok).setText(self.tr("添加联系干部"))
        buttons.button(QDialogButtonBox.Close).setText(self.tr("关闭"))
        buttons.accepted.connect(self.add)
        buttons.rejected.connect(self.accept)
        form.addRow(buttons)
        self.changed = False

    def add(self) -> None:
        try:
            roster.add_liaison(self.ctx.db, self.ctx.actor, self.village["uuid"], self.cadre.currentData(),
                               self.kind.currentText())
        except AppError as e:
            self.error.setText(e.message)
            return
        self.changed = True
        self.accept()

    def remove(self) -> None:
        item = self.current.currentItem()
        if item is None:
            self.error.setText(self.tr("请先选中要移除的联系干部。"))
            return
        try:
            roster.remove_liaison(self.ctx.db, self.ctx.actor, item.data(Qt.UserRole))
        except AppError as e:
            self.error.setText(e.message)
            return
        self.current.takeItem(self.current.row(item))
        self.changed = True

    def add_official(self) -> None:
        roles = self.official_roles.text().replace("，", ",").replace("、", ",")
        try:
            roster.add_village_official(self.ctx.db, self.ctx.actor, self.village["uuid"], self.official_name.text(),
                                        roles)
        except AppError as e:
            self.error.setText(e.message)
            return
        self.official_name.clear()
        self.official_roles.clear()
        self.error.setText(self.tr("已添加。"))
        self.changed = True


class FamilyDialog(QDialog):
    """家庭主要成员及重要社会关系 of one cadre (printed on the 任免审批表): a row
    per member; saved in one action through roster.update_cadre."""

    COLUMNS = [("relation", "称谓"), ("name", "姓名"), ("birth", "出生年月（如 1984.05）"),
               ("political_status", "政治面貌"), ("work", "工作单位及职务")]

    def __init__(self, ctx, cadre_uuid: str, parent=None):
        super().__init__(parent)
        self.ctx = ctx
        self.cadre_uuid = cadre_uuid
        self.changed = False
        cadre = roster.get_cadre(ctx.db, cadre_uuid)
        if cadre is None:
            raise AppError("这名干部已不存在。")
        self.setWindowTitle(self.tr("家庭成员：") + cadre["name"])
        self.resize(760, 360)
        layout = QVBoxLayout(self)
        self.table = QTableWidget(0, len(self.COLUMNS))
        self.table.setObjectName("family_table")
        self.table.setHorizontalHeaderLabels([label for _, label in self.COLUMNS])
        self.table.horizontalHeader().setStretchLastSection(True)
        for member in cadre["family"]:
            self._add_row(member)
        layout.addWidget(self.table)
        row = QHBoxLayout()
        add = QPushButton(self.tr("添加一人"))
        add.clicked.connect(lambda: self._add_row({}))
        remove = QPushButton(self.tr("删除选中"))
        remove.clicked.connect(self._remove_row)
        row.addWidget(add)
        row.addWidget(remove)
        row.addStretch(1)
        layout.addLayout(row)
        self.error = QLabel()
        self.error.setStyleSheet("color: #b00020;")
        self.error.setWordWrap(True)
        layout.addWidget(self.error)
        buttons = QDialogButtonBox(QDialogButtonBox.Save | QDialogButtonBox.Cancel)
        buttons.button(QDialogButtonBox.Save).setText(self.tr("保存"))
        buttons.button(QDialogButtonBox.Cancel).setText(self.tr("取消"))
        buttons.button(QDialogButtonBox.Save).setEnabled(ctx.actor.can("roster.write"))
        buttons.accepted.connect(self.save)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)

    def _add_row(self, member: dict) -> None:
        r = self.table.rowCount()
        self.table.insertRow(r)
        for c, (key, _) in enumerate(self.COLUMNS):
            self.table.setItem(r, c, QTableWidgetItem(member.get(key) or ""))

    def _remove_row(self) -> None:
        if self.table.currentRow() >= 0:
            self.table.removeRow(self.table.currentRow())

    def members(self) -> list[dict]:
        """The rows as typed; an entirely empty row is left out."""
        out = []
        for r in range(self.table.rowCount()):
            member = {key: (self.table.item(r, c).text().strip() if self.table.item(r, c) else "")
                      for c, (key, _) in enumerate(self.COLUMNS)}
            if any(member.values()):
                out.append(member)
        return out

    def save(self) -> None:
        members = self.members()
        for i, m in enumerate(members, 1):
            if not m["relation"] or not m["name"]:
                self.error.setText(self.tr(f"第 {i} 人：称谓和姓名不能为空。"))
                return
        try:
            roster.update_cadre(self.ctx.db, self.ctx.actor, self.cadre_uuid, {"family": members})
        except AppError as e:
            self.error.setText(e.message)
            return
        self.changed = True
        self.ctx.notify("roster")
        self.accept()
