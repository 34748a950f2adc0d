"""The 领导班子 tab: the cadre list with search-as-you-type (name, pinyin
initials, post, village) and a detail editor, plus the team, duties and
villages, whereabouts board, statistics and rule checks (ui/roster/pages.py).

Reads and writes only through models.roster.team*; honours ctx.township_filter."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QAbstractTableModel, QModelIndex, Qt, QTimer
from PySide6.QtWidgets import (QAbstractItemView, QCheckBox, QComboBox, QFileDialog, QFormLayout, QHBoxLayout,
                               QHeaderView, QLabel, QLineEdit, QListWidget, QListWidgetItem, QMessageBox,
                               QPlainTextEdit, QPushButton, QScrollArea, QSplitter, QTableView,
                               QVBoxLayout, QWidget)

from models.roster import team as roster

from models.roster import io as roster_io
from models.roster import vocab

from models.core import exports, township
from models.core.errors import AppError, ValidationError
from models.core.personal import mask_id
from ui.common.action import run_op
from ui.common.files import start_in
from ui.common.rights import reads_only
from ui.common.lazy_pages import LazyTabWidget, PageSlot, guard_later, lazy_class, page_of

PAGE = 200
# The roles data()/headerData() compare with, looked up once: Qt's short spellings (Qt.DisplayRole)
# are resolved by a slow compatibility path (~6 µs each), and Qt asks ~1,000 times before the
# cadre list's first paint.
DISPLAY, TOOLTIP, USER = Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole, Qt.ItemDataRole.UserRole
HORIZONTAL = Qt.Orientation.Horizontal


class CadreTableModel(QAbstractTableModel):
    """A window over roster.search_cadres: counts once, fetches PAGE rows at a
    time as the view scrolls (never all rows)."""

    COLUMNS = [("name", "姓名"), ("sex", "性别"), ("birth_date", "出生年月"), ("posts", "现任职务"),
               ("office", "科室"), ("rank", "职级"), ("staffing", "编制")]

    def __init__(self, db, parent=None):
        super().__init__(parent)
        self.db = db
        self.text = ""
        self.township_code = None
        self.include_left = False
        self.rows: list[dict] = []
        self.total = 0

    def reload(self, text: str | None = None, township_code=None, include_left: bool | None = None) -> None:
        self.beginResetModel()
        if text is not None:
            self.text = text
        self.township_code = township_code
        if include_left is not None:
            self.include_left = include_left
        self.total = roster.count_cadres(self.db, self.text, self.township_code, self.include_left)
        self.rows = roster.search_cadres(self.db, self.text, self.township_code, self.include_left, PAGE, 0)
        self.endResetModel()

    def rowCount(self, parent=QModelIndex()) -> int:  # noqa: N802
        return 0 if parent.isValid() else len(self.rows)

    def columnCount(self, parent=QModelIndex()) -> int:  # noqa: N802
        return len(self.COLUMNS)

    def canFetchMore(self, parent=QModelIndex()) -> bool:  # noqa: N802
        return not parent.isValid() and len(self.rows) < self.total

    def fetchMore(self, parent=QModelIndex()) -> None:  # noqa: N802
        more = roster.search_cadres(self.db, self.text, self.township_code, self.include_left, PAGE, len(self.rows))
        if not more:
            self.total = len(self.rows)
            return
        self.beginInsertRows(QModelIndex(), len(self.rows), len(self.rows) + len(more) - 1)
        self.rows.extend(more)
        self.endInsertRows()

    def data(self, index, role=DISPLAY):
        if role != DISPLAY and role != TOOLTIP and role != USER:
            return None  # most of what the view asks (font, colours, alignment…): the defaults
        if not index.isValid():
            return None
        row = self.rows[index.row()]
        key = self.COLUMNS[index.column()][0]
        if role == DISPLAY:
            value = row.get(key) or ""
            if key == "birth_date":
                value = value[:7]
            if key == "name" and row.get("status") == "离任":
                value += "（离任）"
            return value
        if role == TOOLTIP:
            return (row.get("posts") or "") if key == "posts" else None
        return row["uuid"]

    def headerData(self, section, orientation, role=DISPLAY):  # noqa: N802
        if role == DISPLAY and orientation == HORIZONTAL:
            return self.COLUMNS[section][1]
        return None


class CadreEditor(QWidget):
    """The detail editor of one cadre (or a new one). Validation comes from
    models.roster.team.validate_cadre; its message is shown under the form and the
    field named in it is highlighted."""

    TEXT = [("name", "姓名"), ("ethnicity", "民族"), ("birth_date", "出生日期"), ("id_number", "身份证号"),
            ("phone", "电话（手机，不公开）"), ("native_place", "籍贯"), ("party_join_date", "入党时间"),
            ("work_start_date", "参加工作时间"), ("degree_fulltime", "全日制学位"), ("school_fulltime", "毕业院校及专业"),
            ("edu_inservice", "在职学历"), ("specialty", "专业技术职务"), ("current_post_text", "现任职务（表述）"),
            ("proposed_post", "拟任职务"), ("removed_post", "拟免职务"),
            ("office_phone", "办公电话（可公开）"), ("public_phone", "公开联系电话（连心卡）"),
            ("birth_place", "出生地"), ("health", "健康状况"), ("expertise", "熟悉专业有何专长")]
    COMBOS = [("sex", "性别", [""] + roster.SEXES), ("political_status", "政治面貌", [""] + roster.POLITICAL),
              ("edu_fulltime", "全日制学历", [""] + roster.EDUCATIONS), ("rank", "职级", [""] + roster.RANKS),
              ("staffing", "编制性质", [""] + roster.STAFFING), ("nomination", "提名类别", ["", "继续提名", "新提名"])]
    LONG = [("resume", "简历（每行：YYYY.MM--YYYY.MM 经历）"), ("rewards", "奖惩情况"),
            ("annual_assessments", "年度考核结果"), ("appointment_reason", "任免理由"), ("note", "备注")]

    def __init__(self, ctx, on_saved, parent=None):
        super().__init__(parent)
        self.ctx = ctx
        self.on_saved = on_saved
        self.cadre_uuid = None
        self.widgets: dict[str, QWidget] = {}
        self.labels: dict[str, str] = {}
        outer = QVBoxLayout(self)
        self.title = QLabel()
        self.title.setStyleSheet("font-size: 15px; font-weight: bold;")
        outer.addWidget(self.title)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        inner = QWidget()
        form = QFormLayout(inner)
        photo_row = QHBoxLayout()
        self.photo = QLabel("无照片")
        self.photo.setObjectName("photo")
        self.photo.setFixedSize(90, 120)
        self.photo.setAlignment(Qt.AlignCenter)
        self.photo.setStyleSheet("border: 1px solid #ccc; color: #999;")
        self.photo_btn = QPushButton("选择照片…")
        self.photo_btn.clicked.connect(self.choose_photo)
        photo_row.addWidget(self.photo)
        photo_row.addWidget(self.photo_btn, 0, Qt.AlignBottom)
        photo_row.addStretch(1)
        form.addRow("照片", photo_row)
        self._photo_bytes = None
        for key, label in self.TEXT[:4]:
            self._add_line(form, key, label)
        for key, label, options in self.COMBOS[:2]:
            self._add_combo(form, key, label, options, editable=key == "political_status")
        for key, label in self.TEXT[4:8]:
            self._add_line(form, key, label)
        for key, label, options in self.COMBOS[2:]:
            self._add_combo(form, key, label, options, editable=key == "edu_fulltime")
        self.office = QComboBox()
        self.office.setObjectName("field_office_uuid")
        form.addRow("所在科室", self.office)
        self.labels["office_uuid"] = "所在科室"
        for key, label in self.TEXT[8:]:
            self._add_line(form, key, label)
        self.publish_mobile = QCheckBox("本人同意在连心卡上公开手机号")
        self.publish_mobile.setObjectName("field_publish_mobile")
        form.addRow("", self.publish_mobile)
        for key, label in self.LONG:
            edit = QPlainTextEdit()
            edit.setObjectName(f"field_{key}")
            edit.setFixedHeight(70 if key == "resume" else 46)
            form.addRow(label, edit)
            self.widgets[key] = edit
            self.labels[key] = label
        self.appointments = QListWidget()
        self.appointments.setObjectName("appointments")
        self.appointments.setFixedHeight(90)
        form.addRow("现任职务（任职记录）", self.appointments)
        appoint_row = QHBoxLayout()
        self.appoint_btn = QPushButton("任职…")
        self.appoint_btn.clicked.connect(self.appoint)
        self.end_btn = QPushButton("免职")
        self.end_btn.clicked.connect(self.end_appointment)
        appoint_row.addWidget(self.appoint_btn)
        appoint_row.addWidget(self.end_btn)
        appoint_row.addStretch(1)
        form.addRow("", appoint_row)
        self.contacts = QListWidget()
        self.contacts.setObjectName("contact_points")
        self.contacts.setFixedHeight(60)
        form.addRow("联系点（企业、学校、项目）", self.contacts)
        contact_row = QHBoxLayout()
        self.contact_name = QLineEdit()
        self.contact_name.setPlaceholderText("联系点名称")
        self.contact_kind = QComboBox()
        self.contact_kind.addItems(["企业", "学校", "项目", "部门", "其他"])
        self.contact_add = QPushButton("添加")
        self.contact_add.clicked.connect(self.add_contact)
        contact_row.addWidget(self.contact_name, 1)
        contact_row.addWidget(self.contact_kind)
        contact_row.addWidget(self.contact_add)
        form.addRow("", contact_row)
        scroll.setWidget(inner)
        outer.addWidget(scroll, 1)
        self.error = QLabel()
        self.error.setObjectName("editor_error")
        self.error.setStyleSheet("color: #b00020;")
        self.error.setWordWrap(True)
        outer.addWidget(self.error)
        buttons = QHBoxLayout()
        self.save_btn = QPushButton("保存")
        self.save_btn.setObjectName("save_cadre")
        self.save_btn.clicked.connect(self.save)
        self.leave_btn = QPushButton("离任")
        self.leave_btn.clicked.connect(self.leave)
        self.delete_btn = QPushButton("删除")
        self.delete_btn.clicked.connect(self.delete)
        buttons.addWidget(self.save_btn)
        self.family_btn = QPushButton("家庭成员…")
        self.family_btn.setObjectName("edit_family")
        self.family_btn.clicked.connect(self.edit_family)
        self.form_btn = QPushButton("任免审批表…")
        self.form_btn.setObjectName("print_form")
        self.form_btn.setToolTip("打印干部任免审批表（两页，组织部门格式）")
        self.form_btn.clicked.connect(self.print_form)
        buttons.addWidget(self.family_btn)
        buttons.addWidget(self.form_btn)
        buttons.addStretch(1)
        buttons.addWidget(self.leave_btn)
        buttons.addWidget(self.delete_btn)
        outer.addLayout(buttons)
        self.load(None)

    def _add_line(self, form, key, label):
        edit = QLineEdit()
        edit.setObjectName(f"field_{key}")
        if key in ("birth_date", "party_join_date", "work_start_date"):
            edit.setPlaceholderText("如 1980-05 或 1980-05-12")
        form.addRow(label, edit)
        self.widgets[key] = edit
        self.labels[key] = label

    def _add_combo(self, form, key, label, options, editable=False):
        combo = QComboBox()
        combo.setObjectName(f"field_{key}")
        combo.addItems(options)
        combo.setEditable(editable)
        form.addRow(label, combo)
        self.widgets[key] = combo
        self.labels[key] = label

    # The 职级 and 编制 lists as the office has them: the starting list, what it
    # added, and values its cadres already carry (an imported 花名册 keeps
    # values outside the list); read again whenever a cadre is shown.
    def _fill_lists(self) -> None:
        for key in ("rank", "staffing"):
            combo = self.widgets[key]
            options = [""] + vocab.offered(self.ctx.db, key)
            if [combo.itemText(i) for i in range(combo.count())] != options:
                combo.clear()
                combo.addItems(options)

    def _fill_offices(self, selected=None):
        self.office.clear()
        self.office.addItem("（无）", None)
        for o in township.offices(self.ctx.db, self.ctx.township_filter or None):
            self.office.addItem(o["name"], o["uuid"])
        i = self.office.findData(selected) if selected else 0
        self.office.setCurrentIndex(max(i, 0))

    def load(self, cadre_uuid: str | None) -> None:
        """Show one cadre (None: an empty form for a new cadre)."""
        self.cadre_uuid = cadre_uuid
        cadre = roster.get_cadre(self.ctx.db, cadre_uuid) if cadre_uuid else None
        cadre = cadre or {}
        self._fill_lists()
        self.title.setText(cadre.get("name", "") + ("（离任）" if cadre.get("status") == "离任" else "")
                           if cadre else "新增干部")
        for key, w in self.widgets.items():
            value = cadre.get(key) or ""
            w.setStyleSheet("")
            if isinstance(w, QLineEdit):
                w.setText(str(value))
            elif isinstance(w, QComboBox):
                if w.findText(str(value)) < 0 and value:
                    w.addItem(str(value))
                w.setCurrentText(str(value))
            else:
                w.setPlainText(str(value))
        # The ID number is private: shown masked until the clerk edits it.
        self._id_masked = bool(cadre.get("id_number"))
        if self._id_masked:
            self.widgets["id_number"].setText(mask_id(cadre["id_number"]))
            self.widgets["id_number"].setToolTip("为保护个人信息已部分隐藏；要修改请整号重新输入。")
        self.publish_mobile.setChecked(bool(cadre.get("publish_mobile")))
        self._fill_offices(cadre.get("office_uuid"))
        self._show_photo(cadre.get("photo"))
        self._photo_changed = False
        self.error.clear()
        self._load_appointments()
        writable = self.ctx.actor.can("roster.write")
        self.save_btn.setEnabled(writable)
        self.photo_btn.setEnabled(writable)
        for b in (self.leave_btn, self.delete_btn, self.appoint_btn, self.end_btn, self.contact_add, self.family_btn):
            b.setEnabled(writable and bool(cadre_uuid))
        self.publish_mobile.setEnabled(writable)
        self.form_btn.setEnabled(bool(cadre_uuid))

    def _load_appointments(self):
        self.appointments.clear()
        self.contacts.clear()
        if not self.cadre_uuid:
            return
        for k in roster.contact_points(self.ctx.db, self.cadre_uuid):
            self.contacts.addItem(f"{k['kind'] or ''}：{k['name']}")
        for a in roster.current_appointments(self.ctx.db, self.cadre_uuid):
            item = QListWidgetItem(f"{a['organ']} · {a['title']}  {a['start_date'] or ''} 起  {a['method'] or ''}"
                                   f"{'  ' + a['term'] if a['term'] else ''}")
            item.setData(Qt.UserRole, a["uuid"])
            self.appointments.addItem(item)

    def values(self) -> dict:
        out = {}
        for key, w in self.widgets.items():
            if isinstance(w, QLineEdit):
                out[key] = w.text()
            elif isinstance(w, QComboBox):
                out[key] = w.currentText()
            else:
                out[key] = w.toPlainText()
        if self._id_masked and "*" in out["id_number"]:
            del out["id_number"]  # unchanged
        out["office_uuid"] = self.office.currentData()
        out["publish_mobile"] = self.publish_mobile.isChecked()
        if self._photo_changed:
            out["photo"] = self._photo_bytes
        return out

    def _show_photo(self, data) -> None:
        from PySide6.QtGui import QPixmap

        self._photo_bytes = data
        pixmap = QPixmap()
        if data and pixmap.loadFromData(data):
            self.photo.setPixmap(pixmap.scaled(self.photo.size(), Qt.KeepAspectRatio, Qt.SmoothTransformation))
        else:
            self.photo.setPixmap(QPixmap())
            self.photo.setText("无照片" if not data else "照片无法显示")

    def choose_photo(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "选择照片", start_in(), "图片 (*.jpg *.jpeg *.png *.bmp)")
        if path:
            self.set_photo_file(path)

    def set_photo_file(self, path) -> None:
        """Load a photo file into the form (saved with 保存)."""
        data = Path(path).read_bytes()
        if len(data) > 2_000_000:
            self.error.setText("照片：不能超过 2 MB。")
            return
        self._show_photo(data)
        if self.photo.pixmap().isNull():
            self.error.setText("照片：不是可识别的图片文件。")
            self._photo_bytes = None
            return
        self._photo_changed = True

    def _write(self, op, after=None, finished=None) -> None:
        """op(db, actor) through ui/common/action.run_op (a worker connection, the
        'roster' change told to every tab); a refusal shows in the form's error
        line, a ValidationError also marks its field. Then after(result), by
        default on_saved for this cadre."""
        actor = self.ctx.actor

        def refused(e: AppError) -> None:
            self._show_error(e) if isinstance(e, ValidationError) else self.error.setText(e.message)

        run_op(self, self.ctx, lambda db, _progress: op(db, actor), changes={"roster"},
               on_done=lambda result, _changes: (after or (lambda _r: self.on_saved(self.cadre_uuid)))(result),
               on_error=refused, on_finished=finished)

    def save(self) -> None:
        for w in self.widgets.values():
            w.setStyleSheet("")
        values, key = self.values(), self.cadre_uuid

        def saved(result) -> None:
            if not key:
                self.cadre_uuid = result
            self.on_saved(self.cadre_uuid)

        def write(db, actor):
            return roster.update_cadre(db, actor, key, values) if key else roster.add_cadre(db, actor, values)

        self.save_btn.setEnabled(False)  # one save per click (a second click must not add the cadre twice)
        self._write(write, saved, finished=lambda: self.save_btn.setEnabled(self.ctx.actor.can("roster.write")))

    def _show_error(self, e: ValidationError) -> None:
        self.error.setText(e.message)
        for key, label in self.labels.items():
            if e.field and (e.field == label or label.startswith(e.field) or e.field in label):
                w = self.widgets.get(key)
                if w is not None:
                    w.setStyleSheet("border: 1px solid #b00020;")
                    w.setFocus()
                break

    def edit_family(self) -> None:
        from ui.roster.dialogs import FamilyDialog

        if not self.cadre_uuid:
            return
        dialog = FamilyDialog(self.ctx, self.cadre_uuid, self)
        if dialog.exec() and dialog.changed:
            self.on_saved(self.cadre_uuid)

    def print_form(self) -> None:
        """The 干部任免审批表 of this cadre, in the preview (print or save as PDF)."""
        from ui.notices.preview import NoticePreviewDialog
        from reports.notices.roster import render_appointment_form

        if not self.cadre_uuid:
            return
        try:
            form = roster.appointment_form(self.ctx.db, self.cadre_uuid)
            pdf = render_appointment_form([form])
        except AppError as e:
            QMessageBox.warning(self, "无法生成", e.message)
            return
        dialog = NoticePreviewDialog(pdf, title=f"干部任免审批表（{form['name']}）",
                                     suggested_name=f"干部任免审批表_{form['name']}.pdf", parent=self)
        dialog.exec()

    def add_contact(self) -> None:
        key, name, kind = self.cadre_uuid, self.contact_name.text(), self.contact_kind.currentText()

        def added(_result) -> None:
            self.contact_name.clear()
            self.on_saved(self.cadre_uuid)

        self._write(lambda db, actor: roster.add_contact_point(db, actor, key, name, kind), added)

    def appoint(self) -> None:
        from ui.roster.dialogs import AppointDialog  # the dialogs' module waits for the first click

        if AppointDialog(self.ctx, self.cadre_uuid, self.title.text(), self).exec():
            self.on_saved(self.cadre_uuid)

    def end_appointment(self) -> None:
        from ui.roster.dialogs import confirm

        item = self.appointments.currentItem()
        if item is None:
            self.error.setText("请先在“现任职务”中选中要免去的职务。")
            return
        if not confirm(self, "免职", f"免去“{item.text().split('  ')[0]}”？（免职时间为今天）"):
            return
        appointment_uuid = item.data(Qt.UserRole)
        self._write(lambda db, actor: roster.end_appointment(db, actor, appointment_uuid))

    def leave(self) -> None:
        from ui.roster.dialogs import confirm

        if not confirm(self, "离任", f"“{self.title.text()}”离任？其现任职务和驻村联村将在今天结束。"):
            return
        key = self.cadre_uuid
        self._write(lambda db, actor: roster.leave_service(db, actor, key))

    def delete(self) -> None:
        from ui.roster.dialogs import confirm

        if not confirm(self, "删除", f"删除“{self.title.text()}”的全部记录？一般情况请用“离任”。"):
            return
        key = self.cadre_uuid
        self._write(lambda db, actor: roster.delete_cadre(db, actor, key), lambda _r: self.on_saved(None))


class CadreListPage(QWidget):
    """Search box + windowed list on the left, editor on the right."""

    def __init__(self, ctx, parent=None):
        super().__init__(parent)
        self.ctx = ctx
        layout = QVBoxLayout(self)
        bar = QHBoxLayout()
        self.search = QLineEdit()
        self.search.setObjectName("cadre_search")
        self.search.setPlaceholderText("搜索：姓名、拼音首字母（如 zs）、职务、联系村")
        self.search.setClearButtonEnabled(True)
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(120)
        self._timer.timeout.connect(self.reload)
        self.search.textChanged.connect(lambda _: self._timer.start())
        bar.addWidget(self.search, 1)
        self.include_left = QCheckBox("含离任")
        self.include_left.toggled.connect(lambda _: self.reload())
        bar.addWidget(self.include_left)
        self.count = QLabel()
        bar.addWidget(self.count)
        self.new_btn = QPushButton("新增干部")
        self.new_btn.clicked.connect(lambda: self.editor.load(None))
        self.structure_btn = QPushButton("建立标准机构")
        self.structure_btn.setToolTip("创建党委、政府、人大、纪委、政协、人武部、群团的常用职务，便于任职")
        self.structure_btn.clicked.connect(self.create_structure)
        self.template_btn = QPushButton("下载导入模板…")
        self.template_btn.setToolTip("名册导入模板：表头、示例行、下拉选项和填写说明")
        self.template_btn.clicked.connect(self.save_template)
        self.import_btn = QPushButton("导入…")
        self.import_btn.clicked.connect(self.import_files)
        self.export_btn = QPushButton("导出…")
        self.export_btn.clicked.connect(self.export)
        reads_only(self.template_btn, self.export_btn)
        for b in (self.new_btn, self.structure_btn, self.template_btn, self.import_btn, self.export_btn):
            bar.addWidget(b)
        layout.addLayout(bar)
        split = QSplitter()
        self.model = CadreTableModel(ctx.db, self)
        self.view = QTableView()
        self.view.setObjectName("cadre_table")
        self.view.setModel(self.model)
        self.view.setSelectionBehavior(QAbstractItemView.SelectRows)
        self.view.setSelectionMode(QAbstractItemView.SingleSelection)
        self.view.verticalHeader().setVisible(False)
        self.view.verticalHeader().setDefaultSectionSize(24)
        header = self.view.horizontalHeader()
        for col, width in enumerate((70, 40, 70, 200, 110, 80, 50)):
            header.resizeSection(col, width)
        header.setSectionResizeMode(3, QHeaderView.Stretch)
        self.view.selectionModel().currentRowChanged.connect(self._row_changed)
        split.addWidget(self.view)
        self.editor = CadreEditor(ctx, self._saved)
        split.addWidget(self.editor)
        split.setSizes([560, 440])
        layout.addWidget(split)

    def reload(self, keep: str | None = None) -> None:
        self.model.reload(self.search.text(), self.ctx.township_filter or None, self.include_left.isChecked())
        self.count.setText(f"共 {self.model.total} 人")
        writable = self.ctx.actor.can("roster.write")
        for b in (self.new_btn, self.import_btn, self.structure_btn):
            b.setEnabled(writable)
        self.structure_btn.setVisible(not roster.organs(self.ctx.db, self.ctx.township_filter or None))
        if keep:
            for r, row in enumerate(self.model.rows):
                if row["uuid"] == keep:
                    self.view.selectRow(r)
                    break

    def _row_changed(self, current, _previous) -> None:
        if current.isValid():
            self.editor.load(self.model.rows[current.row()]["uuid"])

    def _saved(self, cadre_uuid) -> None:
        # The save itself told every tab (run_op, 'roster'); here the list keeps this cadre selected.
        self.reload(keep=cadre_uuid)
        self.editor.load(cadre_uuid)

    def create_structure(self) -> None:
        def create(db, _progress) -> None:
            roster.create_standard_structure(db, actor)
            roster_io.link_imported_posts(db, actor)  # 职务 text imported before the posts existed

        actor = self.ctx.actor
        run_op(self, self.ctx, create, changes={"roster"}, on_done=lambda _r, _c: self.reload(),
               on_error=lambda e: QMessageBox.warning(self, "无法完成", e.message))

    def save_template(self) -> None:
        from models.roster import io as roster_io

        path, _ = QFileDialog.getSaveFileName(self, "保存名册导入模板", start_in("干部名册导入模板.xlsx"), "Excel (*.xlsx)")
        if not path:
            return
        try:
            saved = roster_io.write_template(self.ctx.db, path)
        except OSError as e:
            QMessageBox.warning(self, "下载导入模板", f"无法写入“{path}”：{e.strerror or e}。请换一个文件夹。")
            return
        QMessageBox.information(self, "下载导入模板", f"模板已保存到：\n{saved}\n填好后用“导入…”导入。")

    def import_files(self) -> None:
        files, _ = QFileDialog.getOpenFileNames(self, "导入名册", start_in(), "名册 (*.xlsx *.lrmx);;所有文件 (*)")
        if not files:
            return

        from ui.roster.dialogs import run_roster_import

        run_roster_import(self, self.ctx, files, self.reload)  # the import tells every tab ('roster')

    def export(self) -> None:
        path, chosen = QFileDialog.getSaveFileName(self, "导出名册", start_in("干部名册.xlsx"),
                                                   "Excel 表格 (*.xlsx);;干部任免审批表 .lrmx（每人一份，存入文件夹）(*.lrmx)")
        if not path:
            return
        ctx = self.ctx
        code = ctx.township_filter or None
        as_lrmx = "lrmx" in chosen
        actor = ctx.actor
        masked_note = "" if exports.full_numbers_allowed(actor) else "（身份证号和手机号已遮挡：完整号码须有导出个人信息的权限）"

        def work(db, progress):
            if as_lrmx:
                n, folder = roster_io.export_roster(db, actor, Path(path).with_suffix(""), "lrmx", code, include_left=False,
                                                   progress=progress)
                return f"已导出 {n} 份 .lrmx 到 {folder}{masked_note}"
            target = Path(path) if path.lower().endswith(".xlsx") else Path(path + ".xlsx")
            n, target = roster_io.export_roster(db, actor, target, "xlsx", code, progress=progress)
            return f"已导出 {n} 人到 {target}{masked_note}"

        # The export writes its audit row: run_op (no tab shows what changed).
        run_op(self, ctx, work, changes=(), label="正在导出名册…", cancellable=True,
               on_done=lambda msg, _changes: QMessageBox.information(self, "导出完成", msg))


class RosterTab(QWidget):
    """The 领导班子 tab. Pages are built and load when first shown, and reload after changes."""

    # The other pages' module (ui/roster/pages.py) is imported when one of them is first built.
    PAGES = (("list_page", CadreListPage, "干部名册"), ("team_page", lazy_class("ui.roster.pages:TeamPage"), "领导班子"),
             ("duties_page", lazy_class("ui.roster.pages:DutiesPage"), "分工与联村"),
             ("whereabouts_page", lazy_class("ui.roster.pages:WhereaboutsPage"), "干部流向"),
             ("leave_page", lazy_class("ui.roster.pages:LeavePage"), "请销假"),
             ("stats_page", lazy_class("ui.roster.pages:StatsPage"), "结构统计"),
             ("rules_page", lazy_class("ui.roster.pages:RulesPage"), "规则检查"),
             ("posts_page", lazy_class("ui.roster.pages:PostsPage"), "机构与职务"))

    def __init__(self, ctx, parent=None):
        super().__init__(parent)
        self.ctx = ctx
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        self.pages = LazyTabWidget()
        self.pages.setObjectName("roster_pages")
        # Issue 22: only the first page is built before the first paint; the others when first
        # shown or named (self.team_page …, see __getattr__).
        guard = guard_later(ctx, "领导班子")
        self._slots: dict[str, PageSlot] = {}
        for name, page_class, title in self.PAGES:
            slot = PageSlot(lambda page_class=page_class: page_class(ctx), guard)
            self._slots[name] = slot
            self.pages.addTab(slot, title)
        self.list_page = self._slots["list_page"].page()
        from ui.notices.menu import notice_menu_button

        self.notice_button = notice_menu_button(ctx, "roster", self, "公示")
        self.pages.setCornerWidget(self.notice_button, Qt.TopRightCorner)
        layout.addWidget(self.pages)
        self._stale = set(range(self.pages.count()))
        self.pages.currentChanged.connect(self._refresh_current)
        ctx.data_changed.connect(self._on_data_changed)
        ctx.township_filter_changed.connect(lambda _: self._on_data_changed("all"))
        self._refresh_current()

    def _refresh_current(self, *_):
        i = self.pages.currentIndex()
        if i in self._stale:
            self._stale.discard(i)
            page = page_of(self.pages.widget(i))
            page.reload() if page is self.list_page else page.refresh()

    def __getattr__(self, name: str):
        # A page not built yet, named by code (a notice, a test): build it now.
        slots = self.__dict__.get("_slots") or {}
        if name in slots:
            return slots[name].page()
        raise AttributeError(f"{type(self).__name__!s} has no attribute {name!r}")

    def _on_data_changed(self, area: str) -> None:
        if area not in ("roster", "all", "settings"):
            return
        self._stale = set(range(self.pages.count()))
        self._refresh_current()
