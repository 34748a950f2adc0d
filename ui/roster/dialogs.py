"""Dialogs of the 领导班子 tab: appoint to a post, map .xlsx columns on import,
show an import's result."""

from __future__ import annotations

from PySide6.QtCore import QDate, Qt
from PySide6.QtWidgets import (QAbstractItemView, QCheckBox, QComboBox, QDateEdit, QDialog, QDialogButtonBox,
                               QFileDialog, QFormLayout, QHBoxLayout, QLabel, QLineEdit, QListWidget, QListWidgetItem,
                               QMessageBox, QPushButton, QSpinBox, QTableWidget, QTableWidgetItem, QVBoxLayout)

from models.roster import team as roster

from models.roster import io as roster_io
from models.core.errors import AppError
from ui.common.action import run_op
from ui.common.files import start_in


def save_from_dialog(dialog, op, then=None) -> None:
    """op(db, actor) through ui/common/action.run_op (a worker connection, the
    'roster' change told to every tab). A refusal shows in the dialog's error
    line and the dialog stays open; `then(result)` afterwards."""
    actor = dialog.ctx.actor
    run_op(dialog, dialog.ctx, lambda db, _progress: op(db, actor), changes={"roster"},
           on_done=lambda result, _changes: then(result) if then is not None else None,
           on_error=lambda e: dialog.error.setText(e.message))


class AppointDialog(QDialog):
    """Choose a post, a start date, method and term; calls roster.appoint."""

    def __init__(self, ctx, cadre_uuid: str, cadre_name: str, parent=None):
        super().__init__(parent)
        self.ctx = ctx
        self.cadre_uuid = cadre_uuid
        self.setWindowTitle(self.tr("任职：") + cadre_name)
        form = QFormLayout(self)
        self.post = QComboBox()
        # A post with several holders makes a long line: the list opens wide, the dialog stays narrow.
        self.post.setSizeAdjustPolicy(QComboBox.AdjustToMinimumContentsLengthWithIcon)
        self.post.setMinimumContentsLength(36)
        self.post.view().setMinimumWidth(700)
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
        post, start = self.post.currentData(), self.start.date().toString("yyyy-MM-dd")
        method, term = self.method.currentText(), self.term.text()
        save_from_dialog(self, lambda db, actor: roster.appoint(db, actor, self.cadre_uuid, post, start, method=method,
                                                                term=term),
                         lambda _r: self.accept())


class ColumnMappingDialog(QDialog):
    """The mapping step of an .xlsx import: which row is the header (found
    under title rows, or chosen here, with the first rows shown), then each
    column of the file → a field (or 不导入). Starts from the mapping
    remembered for this sheet layout, else roster_io.guess_mapping."""

    def __init__(self, db, path, parent=None, layout=None):
        super().__init__(parent)
        self.db = db
        self.path = path
        self.setWindowTitle(self.tr("导入名册：核对表头和列对应"))
        self.resize(760, 640)
        box = QVBoxLayout(self)
        self.layout_ = layout or roster_io.xlsx_layout(db, path)
        row = QHBoxLayout()
        row.addWidget(QLabel(self.tr("表头在第")))
        self.header_row = QSpinBox()
        self.header_row.setRange(1, max(n for n, _ in self.layout_.head_rows) if self.layout_.head_rows else 1)
        self.header_row.setValue(self.layout_.header_row)
        row.addWidget(self.header_row)
        row.addWidget(QLabel(self.tr("行（标题行、填表说明会自动跳过；不对时请改）")))
        row.addStretch(1)
        box.addLayout(row)
        self.preview = QTableWidget()
        self.preview.setEditTriggers(QAbstractItemView.NoEditTriggers)
        self.preview.setMaximumHeight(180)
        box.addWidget(QLabel(self.tr("表格的前几行：")))
        box.addWidget(self.preview)
        self.note = QLabel()
        self.note.setWordWrap(True)
        box.addWidget(self.note)
        self.table = QTableWidget(0, 2)
        self.table.setHorizontalHeaderLabels([self.tr("表格中的列"), self.tr("对应字段")])
        self.table.horizontalHeader().setStretchLastSection(True)
        self.table.verticalHeader().setVisible(False)
        self.table.setColumnWidth(0, 260)
        box.addWidget(self.table)
        self.error = QLabel()
        self.error.setStyleSheet("color: #b00020;")
        self.error.setWordWrap(True)
        box.addWidget(self.error)
        self.good_rows = QCheckBox(self.tr("有错的行跳过，只导入无误的行（默认：有一行错就都不导入）"))
        box.addWidget(self.good_rows)
        buttons = QDialogButtonBox(QDialogButtonBox.Ok | QDialogButtonBox.Cancel)
        buttons.button(QDialogButtonBox.Ok).setText(self.tr("导入"))
        buttons.button(QDialogButtonBox.Cancel).setText(self.tr("取消"))
        buttons.accepted.connect(self._check)
        buttons.rejected.connect(self.reject)
        box.addWidget(buttons)
        self.combos: list = []
        self._fill_preview()
        self._fill_mapping()
        self.header_row.valueChanged.connect(self._header_row_changed)

    def _fill_preview(self) -> None:
        rows = self.layout_.head_rows[:12]
        width = max([len(v) for _, v in rows] + [1])
        self.preview.setRowCount(len(rows))
        self.preview.setColumnCount(width)
        self.preview.setVerticalHeaderLabels([str(n) for n, _ in rows])
        for r, (n, values) in enumerate(rows):
            for c in range(width):
                item = QTableWidgetItem(roster_io.display_cell(values[c]) if c < len(values) else "")
                if n == self.layout_.header_row:
                    font = item.font()
                    font.setBold(True)
                    item.setFont(font)
                self.preview.setItem(r, c, item)

    def _fill_mapping(self) -> None:
        layout = self.layout_
        self.note.setText(self.tr(f"表头第 {layout.header_row} 行，数据从第 {layout.data_row} 行起。")
                          + (self.tr("已按上次导入同样格式表格时的对应填好。") if layout.remembered else ""))
        self.table.setRowCount(len(layout.headers))
        self.combos = []
        for i, header in enumerate(layout.headers):
            self.table.setItem(i, 0, QTableWidgetItem(header or f"（第 {i + 1} 列，无标题）"))
            combo = QComboBox()
            combo.addItem(self.tr("（不导入）"), "")
            for f, label in roster_io.XLSX_COLUMNS:
                combo.addItem(label, f)
            if i in layout.mapping:
                combo.setCurrentIndex(combo.findData(layout.mapping[i]))
            self.table.setCellWidget(i, 1, combo)
            self.combos.append(combo)

    def _header_row_changed(self, value: int) -> None:
        try:
            self.layout_ = roster_io.xlsx_layout(self.db, self.path, value)
        except AppError as e:
            self.error.setText(e.message)
            return
        self.error.setText("")
        self._fill_preview()
        self._fill_mapping()

    def mapping(self) -> dict[int, str]:
        return {i: c.currentData() for i, c in enumerate(self.combos) if c.currentData()}

    def chosen_header_row(self) -> int:
        return self.layout_.header_row

    def _check(self) -> None:
        chosen = list(self.mapping().values())
        if "name" not in chosen:
            self.error.setText(self.tr("请把某一列对应到“姓名”（或改表头行）。"))
            return
        dupes = {f for f in chosen if chosen.count(f) > 1}
        if dupes:
            self.error.setText(self.tr("同一字段对应了多列：") + "、".join(roster_io.FIELD_LABELS[f] for f in dupes))
            return
        self.accept()


class ImportResultDialog(QDialog):
    """The summary and every problem (行、列、值、原因); buttons to import the
    good rows, save the failed rows as .xlsx, and add new values to the
    reference lists."""

    def __init__(self, parent, ctx, result, can_retry: bool = False, export_failed=None):
        super().__init__(parent)
        self.ctx = ctx
        self.result = result
        # the ledger import passes its own writer of the failed rows
        self.export_failed = export_failed or (lambda path: roster_io.export_problems_xlsx(result, path))
        self.retry_requested = False
        self.setWindowTitle(self.tr("导入结果"))
        box = QVBoxLayout(self)
        self.summary = QLabel(result.summary())
        self.summary.setWordWrap(True)
        box.addWidget(self.summary)
        problems = getattr(result, "problems", [])
        self.table = QTableWidget(0, 4)
        self.table.setHorizontalHeaderLabels([self.tr("行"), self.tr("列"), self.tr("值"), self.tr("原因")])
        self.table.horizontalHeader().setStretchLastSection(True)
        self.table.setEditTriggers(QAbstractItemView.NoEditTriggers)
        rows = [(str(p.row), p.column, p.value, p.reason) for p in problems]
        known = {p.text() for p in problems}
        rows += [(where, "", "", message) for where, message in result.errors if message not in known]
        self.table.setRowCount(len(rows))
        for r, values in enumerate(rows):
            for c, text in enumerate(values):
                self.table.setItem(r, c, QTableWidgetItem(text))
        self.table.setColumnWidth(0, 60)
        self.table.setColumnWidth(1, 120)
        self.table.setColumnWidth(2, 180)
        if rows:
            box.addWidget(self.table)
            self.resize(820, 520)
        else:
            self.setMinimumWidth(520)  # one or two sentences: no room kept for a table
        buttons = QHBoxLayout()
        self.good_button = QPushButton(self.tr(f"只导入无误的 {result.good_rows} 行"))
        self.good_button.setVisible(bool(result.rolled_back and result.good_rows and can_retry))
        self.good_button.clicked.connect(self._good_rows)
        self.failed_button = QPushButton(self.tr("把有错的行另存为表格…"))
        self.failed_button.setVisible(bool(problems))
        self.failed_button.clicked.connect(lambda: self.save_failed())
        self.values_button = QPushButton(self.tr("把新的职级、编制值加入参考列表"))
        self.values_button.setVisible(bool(getattr(result, "new_values", None)))
        self.values_button.clicked.connect(self.add_values)
        close = QPushButton(self.tr("关闭"))
        close.clicked.connect(self.accept)
        for b in (self.good_button, self.failed_button, self.values_button):
            buttons.addWidget(b)
        buttons.addStretch(1)
        buttons.addWidget(close)
        box.addLayout(buttons)

    def _good_rows(self) -> None:
        self.retry_requested = True
        self.accept()

    def save_failed(self, path: str | None = None) -> None:
        if not path:
            path, _ = QFileDialog.getSaveFileName(self, self.tr("另存有错的行"), start_in("有错的行.xlsx"), "Excel (*.xlsx)")
        if not path:
            return
        try:
            n = self.export_failed(path)
        except AppError as e:
            QMessageBox.warning(self, self.tr("无法保存"), e.message)
            return
        except OSError as e:
            QMessageBox.warning(self, self.tr("无法保存"), f"无法写入“{path}”：{e.strerror or e}。请换一个文件夹。")
            return
        self.summary.setText(self.result.summary() + self.tr(f"\n有错的 {n} 行已另存到 {path}：按“错误原因”列改正后，"
                                                             f"直接导入这个文件即可。"))

    def add_values(self) -> None:
        from models.roster import vocab

        new_values = {f: list(counts) for f, counts in self.result.new_values.items()}
        actor = self.ctx.actor

        def add(db, _progress) -> list[str]:
            added: list[str] = []
            for f, values in new_values.items():
                added += vocab.add_values(db, actor, f, values)
            return added

        def added(names, _changes) -> None:
            self.values_button.setEnabled(False)
            self.summary.setText(self.summary.text() + self.tr(f"\n已加入参考列表：{'、'.join(names) or '（都已在列表中）'}。"))

        run_op(self, self.ctx, add, changes={"roster"}, on_done=added,
               on_error=lambda e: QMessageBox.warning(self, self.tr("无法加入"), e.message))


def show_import_result(parent, result, ctx=None, retry=None) -> None:
    """The summary, every refused row with its reason, and what can be done
    next; `retry` (when given) re-runs the import with the good rows only."""
    dialog = ImportResultDialog(parent, ctx, result, can_retry=retry is not None)
    dialog.exec()
    if dialog.retry_requested and retry:
        retry()


def run_roster_import(parent, ctx, files, on_changed) -> None:
    """The whole roster import from the tab: the mapping step for an .xlsx
    (header row and columns), the import off the GUI thread, the result with
    "import the good rows" and "save the failed rows"."""
    mapping = None
    header_row = None
    good_rows = False
    xlsx = [f for f in files if str(f).lower().endswith((".xlsx", ".xlsm"))]
    if xlsx:
        try:
            dialog = ColumnMappingDialog(ctx.db, xlsx[0], parent)
        except AppError as e:
            QMessageBox.warning(parent, "无法导入", e.message)
            return
        if not dialog.exec():
            return
        mapping, header_row, good_rows = dialog.mapping(), dialog.chosen_header_row(), dialog.good_rows.isChecked()

    actor = ctx.actor

    def start(only_good: bool) -> None:
        def work(db, progress):
            return roster_io.import_files(db, actor, files, mapping, progress, header_row=header_row,
                                          good_rows_only=only_good)

        def done(result, _changes):
            on_changed()
            show_import_result(parent, result, ctx, retry=None if only_good else (lambda: start(True)))

        run_op(parent, ctx, work, changes={"roster"}, label="正在导入名册…", cancellable=True, on_done=done)

    start(good_rows)


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
        village_uuid, cadre_uuid, kind = self.village["uuid"], self.cadre.currentData(), self.kind.currentText()

        def added(_result) -> None:
            self.changed = True
            self.accept()

        save_from_dialog(self, lambda db, actor: roster.add_liaison(db, actor, village_uuid, cadre_uuid, kind), added)

    def remove(self) -> None:
        item = self.current.currentItem()
        if item is None:
            self.error.setText(self.tr("请先选中要移除的联系干部。"))
            return
        link_uuid = item.data(Qt.UserRole)

        def removed(_result) -> None:
            self.current.takeItem(self.current.row(item))
            self.changed = True

        save_from_dialog(self, lambda db, actor: roster.remove_liaison(db, actor, link_uuid), removed)

    def add_official(self) -> None:
        roles = self.official_roles.text().replace("，", ",").replace("、", ",")
        village_uuid, name = self.village["uuid"], self.official_name.text()

        def added(_result) -> None:
            self.official_name.clear()
            self.official_roles.clear()
            self.error.setText(self.tr("已添加。"))
            self.changed = True

        save_from_dialog(self, lambda db, actor: roster.add_village_official(db, actor, village_uuid, name, roles), added)


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

        def saved(_result) -> None:
            self.changed = True
            self.accept()

        save_from_dialog(self, lambda db, actor: roster.update_cadre(db, actor, self.cadre_uuid, {"family": members}),
                         saved)


def save_import_template(parent, ctx, kind: str, path: str = "") -> str:
    """文件 → 下载导入模板: write the roster ("roster") or ticket ("tickets")
    import template where the clerk chooses. Returns the path written ('' if cancelled)."""
    from models.service import io as tickets_io

    writer, name = {"roster": (roster_io.write_template, "干部名册导入模板.xlsx"),
                    "tickets": (tickets_io.write_template, "办件导入模板.xlsx")}[kind]
    if not path:
        path, _ = QFileDialog.getSaveFileName(parent, "下载导入模板", start_in(name), "Excel (*.xlsx)")
    if not path:
        return ""
    try:
        written = writer(ctx.db, path)
    except AppError as e:
        QMessageBox.warning(parent, "无法保存", e.message)
        return ""
    except OSError as e:
        QMessageBox.warning(parent, "无法保存", f"无法写入“{path}”：{e.strerror or e}。请换一个文件夹。")
        return ""
    if parent is not None:
        QMessageBox.information(parent, "已保存", f"导入模板已保存到：\n{written}\n（表头、示例行、下拉选项和“说明”页）")
    return str(written)
