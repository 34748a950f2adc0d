"""Smaller pages of the 便民服务 tab: the service catalogue (五公开), the duty
chief rota and weekly 集中办理日, the working-day calendar, and rectifications."""

from __future__ import annotations

import datetime as dt

from PySide6.QtCore import QDate, Qt
from PySide6.QtWidgets import (
    QAbstractItemView, QCheckBox, QComboBox, QDateEdit, QFileDialog, QFormLayout, QGroupBox, QHBoxLayout,
    QHeaderView, QLabel, QLineEdit, QMessageBox, QPlainTextEdit, QPushButton, QSpinBox, QTableWidget,
    QTableWidgetItem, QVBoxLayout, QWidget,
)

from models.service import catalogue

from models.service import tickets

from models.service import reconcile
from models.service import workdays
from models.core.errors import AppError
from ui.common.action import run_op
from ui.common.files import start_in


def _table(headers) -> QTableWidget:
    t = QTableWidget(0, len(headers))
    t.setHorizontalHeaderLabels(headers)
    t.setEditTriggers(QAbstractItemView.NoEditTriggers)
    t.setSelectionBehavior(QAbstractItemView.SelectRows)
    t.setSelectionMode(QAbstractItemView.SingleSelection)
    t.verticalHeader().setVisible(False)
    t.horizontalHeader().setStretchLastSection(True)
    return t


def _fill(table: QTableWidget, rows, keys, user_key="uuid") -> None:
    table.setRowCount(0)
    table.setRowCount(len(rows))
    for i, r in enumerate(rows):
        for j, k in enumerate(keys):
            v = k(r) if callable(k) else r.get(k)
            item = QTableWidgetItem("" if v is None else str(v))
            if j == 0:
                item.setData(Qt.UserRole, r.get(user_key))
            table.setItem(i, j, item)


def _error(parent, e: AppError) -> None:
    QMessageBox.warning(parent, "无法保存", e.message)


def _save(page, op, changes: set[str], then=None) -> None:
    """op(db, actor) through ui/common/action.run_op (a worker connection, off the
    GUI thread, `changes` told to every tab); a refusal shows as 无法保存 and
    changes nothing; then(result) afterwards on the GUI thread."""
    actor = page.ctx.actor
    run_op(page, page.ctx, lambda db, _progress: op(db, actor), changes=changes,
           on_done=lambda result, _changes: then(result) if then is not None else None,
           on_error=lambda e: _error(page, e))


def _qdate(d: dt.date) -> QDate:
    return QDate(d.year, d.month, d.day)


class CataloguePage(QWidget):
    """服务事项目录 with the 五公开 fields; editing needs catalogue.write."""

    def __init__(self, ctx, parent=None):
        super().__init__(parent)
        self.ctx = ctx
        self.key = None
        layout = QHBoxLayout(self)
        left = QVBoxLayout()
        self.search = QLineEdit()
        self.search.setPlaceholderText(self.tr("搜索事项、部门或岗位"))
        self.table = _table(["部门", "服务事项", "承诺时限", "类型", "收费", "责任岗位"])
        self.table.horizontalHeader().setSectionResizeMode(1, QHeaderView.Stretch)
        self.table.horizontalHeader().setStretchLastSection(False)
        left.addWidget(self.search)
        left.addWidget(self.table, 1)
        layout.addLayout(left, 3)

        box = QGroupBox(self.tr("事项（五公开）"))
        form = QFormLayout(box)
        self.department = QComboBox()
        self.department.setEditable(True)
        self.department.addItems(catalogue.DEPARTMENTS)
        self.name = QLineEdit()
        self.limit = QSpinBox()
        self.limit.setRange(0, catalogue.MAX_TIME_LIMIT)
        self.limit.setSuffix(self.tr(" 个工作日（0 = 即办）"))
        self.kind = QComboBox()
        self.kind.addItems(catalogue.KINDS)
        self.conditions = QPlainTextEdit()
        self.materials = QPlainTextEdit()
        self.procedure = QPlainTextEdit()
        for w in (self.conditions, self.materials, self.procedure):
            w.setTabChangesFocus(True)
            w.setMaximumHeight(70)
        self.fee_amount = QLineEdit()
        self.fee_basis = QLineEdit()
        self.post = QLineEdit()
        for label, w in (("部门/岗位*", self.department), ("事项名称*", self.name), ("承诺时限", self.limit),
                         ("办件类型", self.kind), ("办理条件", self.conditions), ("所需材料", self.materials),
                         ("办理程序", self.procedure), ("收费标准", self.fee_amount), ("收费依据", self.fee_basis),
                         ("责任岗位", self.post)):
            form.addRow(self.tr(label), w)
        buttons = QHBoxLayout()
        self.new_button = QPushButton(self.tr("新增"))
        self.save_button = QPushButton(self.tr("保存"))
        self.delete_button = QPushButton(self.tr("删除"))
        for b in (self.new_button, self.save_button, self.delete_button):
            buttons.addWidget(b)
        form.addRow(buttons)
        layout.addWidget(box, 2)
        can = ctx.actor.can("catalogue.write")
        for b in (self.new_button, self.save_button, self.delete_button):
            b.setEnabled(can)
        self.search.textChanged.connect(lambda _t: self.reload())
        self.table.itemSelectionChanged.connect(self._selected)
        self.new_button.clicked.connect(self._new)
        self.save_button.clicked.connect(self._save)
        self.delete_button.clicked.connect(self._delete)
        self.limit.valueChanged.connect(lambda v: self.kind.setCurrentText("即办件") if v == 0 else None)
        self.reload()

    def reload(self) -> None:
        self.items = catalogue.list_items(self.ctx.db, self.search.text())
        _fill(self.table, self.items, ["department", "name",
                                       lambda r: "即办" if r["time_limit_days"] == 0 else f"{r['time_limit_days']} 个工作日",
                                       "default_kind", "fee_amount", "responsible_post"])
        self.table.resizeColumnToContents(0)

    def _selected(self) -> None:
        rows = self.table.selectionModel().selectedRows()
        if not rows:
            return
        it = self.items[rows[0].row()]
        self.key = it["uuid"]
        self.department.setCurrentText(it["department"])
        self.name.setText(it["name"])
        self.limit.setValue(it["time_limit_days"])
        self.kind.setCurrentText(it["default_kind"])
        self.conditions.setPlainText(it["conditions"])
        self.materials.setPlainText(it["materials"])
        self.procedure.setPlainText(it["procedure"])
        self.fee_amount.setText(it["fee_amount"])
        self.fee_basis.setText(it["fee_basis"])
        self.post.setText(it["responsible_post"])

    def _values(self) -> dict:
        return {"department": self.department.currentText(), "name": self.name.text(),
                "time_limit_days": self.limit.value(), "default_kind": self.kind.currentText(),
                "conditions": self.conditions.toPlainText(), "materials": self.materials.toPlainText(),
                "procedure": self.procedure.toPlainText(), "fee_amount": self.fee_amount.text(),
                "fee_basis": self.fee_basis.text(), "responsible_post": self.post.text()}

    def _new(self) -> None:
        self.key = None
        self.table.clearSelection()
        for w in (self.name, self.fee_amount, self.fee_basis, self.post):
            w.clear()
        for w in (self.conditions, self.materials, self.procedure):
            w.clear()
        self.limit.setValue(0)
        self.name.setFocus()

    def _save(self) -> None:
        key, values = self.key, self._values()

        def saved(result) -> None:
            self.key = key or result
            self.reload()

        _save(self, lambda db, actor: catalogue.update_item(db, actor, key, values) if key
              else catalogue.add_item(db, actor, values), {"catalogue"}, saved)

    def _delete(self) -> None:
        if not self.key:
            return
        if QMessageBox.question(self, self.tr("删除事项"), self.tr("从目录中删除该事项？已登记的办件不受影响。")) != QMessageBox.Yes:
            return
        key = self.key

        def deleted(_result) -> None:
            self._new()
            self.reload()

        _save(self, lambda db, actor: catalogue.delete_item(db, actor, key), {"catalogue"}, deleted)


class DeskPage(QWidget):
    """值班长 rota (four weeks from this Monday) and the weekly 集中办理日."""

    def __init__(self, ctx, parent=None):
        super().__init__(parent)
        self.ctx = ctx
        layout = QHBoxLayout(self)
        rota = QGroupBox(self.tr("值班长轮值"))
        rl = QVBoxLayout(rota)
        self.table = _table(["日期", "星期", "值班长", "备注"])
        rl.addWidget(self.table, 1)
        row = QHBoxLayout()
        self.date = QDateEdit(QDate.currentDate())
        self.date.setCalendarPopup(True)
        self.date.setDisplayFormat("yyyy-MM-dd")
        self.chief = QComboBox()
        self.chief.setEditable(True)
        self.note = QLineEdit()
        self.note.setPlaceholderText(self.tr("备注"))
        self.set_button = QPushButton(self.tr("设置值班长"))
        self.del_button = QPushButton(self.tr("删除所选"))
        for w in (self.date, self.chief, self.note, self.set_button, self.del_button):
            row.addWidget(w)
        rl.addLayout(row)
        layout.addWidget(rota, 3)

        day_box = QGroupBox(self.tr("集中办理日（每周固定一天）"))
        form = QFormLayout(day_box)
        self.current = QLabel()
        self.current.setStyleSheet("font-size: 16px; font-weight: bold; color: #1f4e8c;")
        self.current.setWordWrap(True)
        self.weekday = QComboBox()
        self.weekday.addItems(tickets.WEEKDAYS)
        self.hours = QLineEdit()
        self.hours.setPlaceholderText("8:30-17:00")
        self.place = QLineEdit()
        self.place.setPlaceholderText(self.tr("便民服务中心大厅"))
        self.day_note = QLineEdit()
        self.day_button = QPushButton(self.tr("保存集中办理日"))
        form.addRow(self.current)
        for label, w in (("星期", self.weekday), ("时间", self.hours), ("地点", self.place), ("说明", self.day_note)):
            form.addRow(self.tr(label), w)
        form.addRow(self.day_button)
        layout.addWidget(day_box, 2)
        can = ctx.actor.can("tickets.write")
        for b in (self.set_button, self.del_button, self.day_button):
            b.setEnabled(can)
        self.set_button.clicked.connect(self._set)
        self.del_button.clicked.connect(self._delete)
        self.day_button.clicked.connect(self._save_day)
        self.reload()

    def reload(self) -> None:
        today = dt.date.today()
        monday = today - dt.timedelta(days=today.weekday())
        self.rows = tickets.duty_rota(self.ctx.db, monday.isoformat(), (monday + dt.timedelta(days=27)).isoformat())
        _fill(self.table, self.rows, ["duty_date",
                                      lambda r: tickets.WEEKDAYS[dt.date.fromisoformat(r["duty_date"]).weekday()],
                                      lambda r: r["chief_name"] + ("（今日）" if r["duty_date"] == today.isoformat() else ""),
                                      "note"])
        self.chief.clear()
        self.chief.addItem("", None)
        for uuid, name in tickets.cadre_choices(self.ctx.db):
            self.chief.addItem(name, uuid)
        d = tickets.service_day(self.ctx.db)
        self.current.setText(d["label"] if d else self.tr("尚未设置"))
        if d:
            self.weekday.setCurrentIndex(d["weekday"])
            self.hours.setText(d["hours"])
            self.place.setText(d["place"])
            self.day_note.setText(d["note"])

    def _set(self) -> None:
        name = self.chief.currentText()
        uuid = self.chief.currentData() if name == self.chief.itemText(self.chief.currentIndex()) else None
        day, note = self.date.date().toString("yyyy-MM-dd"), self.note.text()
        _save(self, lambda db, actor: tickets.set_duty(db, actor, day, name, uuid, note), {"tickets"},
              lambda _r: self.reload())

    def _delete(self) -> None:
        rows = self.table.selectionModel().selectedRows()
        if not rows:
            return
        duty_uuid = self.rows[rows[0].row()]["uuid"]
        _save(self, lambda db, actor: tickets.delete_duty(db, actor, duty_uuid), {"tickets"}, lambda _r: self.reload())

    def _save_day(self) -> None:
        day = (self.weekday.currentIndex(), self.hours.text(), self.place.text(), self.day_note.text())
        _save(self, lambda db, actor: tickets.set_service_day(db, actor, *day), {"tickets"}, lambda _r: self.reload())


SOURCE_LABELS = {"chinesecalendar": "内置", "manual": "手工修改", "county": "县里下发", "notice": "国务院通知",
                 "import": "导入", workdays.PROVISIONAL_SOURCE: "预估（放假办法）"}


class CalendarPage(QWidget):
    """The working-day calendar: official and provisional years, a year's
    holidays and make-up days, pasting the State Council's notice, importing the
    county's calendar, single-day edits (calendar.write), and confirming the
    provisional promises once the official year is here."""

    def __init__(self, ctx, parent=None):
        super().__init__(parent)
        self.ctx = ctx
        layout = QVBoxLayout(self)
        self.coverage = QLabel()
        self.coverage.setWordWrap(True)
        layout.addWidget(self.coverage)
        top = QHBoxLayout()
        self.year = QSpinBox()
        self.year.setRange(workdays.rule().first_year, workdays.rule().last_year)
        self.year.setValue(dt.date.today().year)
        self.notice_button = QPushButton(self.tr("粘贴国务院放假通知…"))
        self.import_button = QPushButton(self.tr("导入县里下发的日历（.xlsx/.csv）…"))
        self.seed_button = QPushButton(self.tr("用内置节假日数据补充"))
        self.reconcile_button = QPushButton(self.tr("核对预估的承诺日期…"))
        top.addWidget(QLabel(self.tr("年份")))
        top.addWidget(self.year)
        self.year_state = QLabel()
        top.addWidget(self.year_state)
        top.addStretch(1)
        for b in (self.reconcile_button, self.notice_button, self.seed_button, self.import_button):
            top.addWidget(b)
        layout.addLayout(top)
        self.table = _table(["日期", "星期", "上班/休息", "名称", "来源"])
        self.table.horizontalHeader().setStretchLastSection(False)
        self.table.horizontalHeader().setSectionResizeMode(3, QHeaderView.Stretch)
        layout.addWidget(self.table, 1)
        edit = QHBoxLayout()
        self.day = QDateEdit(QDate.currentDate())
        self.day.setCalendarPopup(True)
        self.day.setDisplayFormat("yyyy-MM-dd")
        self.is_work = QCheckBox(self.tr("工作日"))
        self.day_name = QLineEdit()
        self.day_name.setPlaceholderText(self.tr("名称，如“春节”“调休上班”"))
        self.day_button = QPushButton(self.tr("修改这一天"))
        for w in (QLabel(self.tr("修改：")), self.day, self.is_work, self.day_name, self.day_button):
            edit.addWidget(w)
        layout.addLayout(edit)
        can = ctx.actor.can("calendar.write")
        for b in (self.import_button, self.seed_button, self.day_button):
            b.setEnabled(can)
        self.year.valueChanged.connect(lambda _v: self.reload())
        self.day_button.clicked.connect(self._set_day)
        self.import_button.clicked.connect(self._import)
        self.seed_button.clicked.connect(self._seed)
        self.notice_button.clicked.connect(self._paste_notice)
        self.reconcile_button.clicked.connect(self.open_reconciliation)
        self.table.itemSelectionChanged.connect(self._selected)
        self.reload()

    def reload(self) -> None:
        db = self.ctx.db
        years = workdays.covered_years(db)
        missing = workdays.missing_years(db)
        depending = workdays.provisional_dependents(db, self.ctx.township_filter or None)
        waiting = len(reconcile.pending(db, self.ctx.township_filter or None))
        parts = [f"正式工作日历{workdays.years_label(years)}。"]
        if missing:
            parts.append(f"<span style='color:#8a4b00;font-weight:bold'>{workdays.provisional_label(missing)}尚无正式"
                         "日历：按《全国年节及纪念日放假办法》预估（法定节日和周末，不含调休），"
                         f"{sum(depending.values())} 件未办结办件的承诺日期是预估的。收到通知后请粘贴通知或导入县里的日历。</span>")
        if waiting:
            parts.append(f"<span style='color:#c62828;font-weight:bold'>{waiting} 件办件的预估承诺日期待核对。</span>")
        self.coverage.setText(" ".join(parts))
        self.reconcile_button.setText(self.tr("核对预估的承诺日期（{n} 件）…").replace("{n}", str(waiting)))
        self.reconcile_button.setEnabled(waiting > 0)
        self.notice_button.setEnabled(self.ctx.actor.can("calendar.write"))
        year = self.year.value()
        self.year_state.setText("正式" if year in years else "预估（放假办法，无调休）")
        self.rows = workdays.special_days(db, year)
        _fill(self.table, self.rows, ["date", "weekday", lambda r: "上班" if r["is_workday"] else "休息", "name",
                                      lambda r: SOURCE_LABELS.get(r["source"], r["source"])], user_key="date")

    def _selected(self) -> None:
        rows = self.table.selectionModel().selectedRows()
        if rows:
            r = self.rows[rows[0].row()]
            self.day.setDate(_qdate(dt.date.fromisoformat(r["date"])))
            self.is_work.setChecked(bool(r["is_workday"]))
            self.day_name.setText(r["name"])

    def _set_day(self) -> None:
        day, is_work, name = self.day.date().toString("yyyy-MM-dd"), self.is_work.isChecked(), self.day_name.text()
        _save(self, lambda db, actor: workdays.set_day(db, actor, day, is_work, name), {"calendar"},
              lambda _r: self._calendar_changed())

    def _import(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, self.tr("导入工作日历"), start_in(), "日历 (*.xlsx *.csv)")
        if not path:
            return
        def imported(years) -> None:
            QMessageBox.information(self, self.tr("导入完成"), "已导入：" + "、".join(f"{y} 年" for y in years))
            self._calendar_changed()

        _save(self, lambda db, actor: workdays.import_days(db, actor, workdays.read_calendar_file(path), "county"),
              {"calendar"}, imported)

    def _seed(self) -> None:
        def seeded(years) -> None:
            QMessageBox.information(self, self.tr("工作日历"), ("已补充：" + "、".join(map(str, years))) if years
                                    else self.tr("内置数据中的年份都已在日历中。"))
            self._calendar_changed()

        _save(self, workdays.seed_from_package, {"calendar"}, seeded)

    def notice_dialog(self):
        """The paste dialog for the first provisional year in use (tests drive it directly)."""
        from ui.service.calendar_dialogs import NoticeDialog

        missing = workdays.missing_years(self.ctx.db)
        return NoticeDialog(self.ctx, missing[0] if missing else self.year.value(), self)

    def _paste_notice(self) -> None:
        dialog = self.notice_dialog()
        if dialog.exec() and dialog.saved_years:
            self.year.setValue(dialog.saved_years[-1])
            self._calendar_changed()

    def _calendar_changed(self) -> None:
        """After any change (already told to every tab by the action): refresh, and
        offer the confirmation when promises wait."""
        self.reload()
        if reconcile.pending(self.ctx.db, self.ctx.township_filter or None):
            self.open_reconciliation()

    def open_reconciliation(self) -> None:
        from ui.service.calendar_dialogs import ReconcileDialog

        dialog = ReconcileDialog(self.ctx, self)
        if dialog.exec():  # the confirmation told every tab ('tickets')
            self.reload()
            self.coverage.setText(dialog.result_text() + " " + self.coverage.text())
        else:
            self.reload()


class RectificationPage(QWidget):
    """差评整改: items opened by bad ratings, with their deadlines."""

    def __init__(self, ctx, parent=None):
        super().__init__(parent)
        self.ctx = ctx
        layout = QVBoxLayout(self)
        top = QHBoxLayout()
        self.only_open = QCheckBox(self.tr("只看整改中"))
        self.only_open.setChecked(True)
        top.addWidget(self.only_open)
        top.addStretch(1)
        layout.addLayout(top)
        self.table = _table(["办件编号", "申请人", "服务事项", "承办人", "开始", "整改期限", "状态", "差评内容", "整改情况"])
        layout.addWidget(self.table, 1)
        row = QHBoxLayout()
        self.done_note = QLineEdit()
        self.done_note.setPlaceholderText(self.tr("整改情况（必填）"))
        self.done_button = QPushButton(self.tr("整改完成"))
        self.done_button.setEnabled(ctx.actor.can("tickets.write"))
        row.addWidget(self.done_note, 1)
        row.addWidget(self.done_button)
        layout.addLayout(row)
        self.only_open.toggled.connect(lambda _v: self.reload())
        self.done_button.clicked.connect(self._done)
        self.reload()

    def reload(self) -> None:
        self.rows = tickets.rectifications(self.ctx.db, tickets.RECT_OPEN if self.only_open.isChecked() else None,
                                           self.ctx.township_filter or None)
        today = dt.date.today().isoformat()
        _fill(self.table, self.rows, ["ticket_no", "applicant_name", "item_name", "handler_name", "opened_date",
                                      lambda r: r["deadline"] + ("（已过期）" if r["status"] == tickets.RECT_OPEN
                                                                 and r["deadline"] < today else ""),
                                      "status", "note", "done_note"])

    def _done(self) -> None:
        rows = self.table.selectionModel().selectedRows()
        if not rows:
            QMessageBox.information(self, self.tr("整改"), self.tr("请先选择一项整改。"))
            return
        rectification_uuid, note = self.rows[rows[0].row()]["uuid"], self.done_note.text()

        def done(_result) -> None:
            self.done_note.clear()
            self.reload()

        _save(self, lambda db, actor: tickets.finish_rectification(db, actor, rectification_uuid, note), {"tickets"},
              done)
