"""The ticket list (办件台帐): filters, search, the windowed table, the
selected ticket's detail with its whole history, and the actions on it."""

from __future__ import annotations

import datetime as dt
import html

from PySide6.QtCore import QDate, Qt, QTimer
from PySide6.QtWidgets import (
    QAbstractItemView, QCheckBox, QComboBox, QDateEdit, QDialog, QDialogButtonBox, QFileDialog, QFormLayout, QGridLayout,
    QHBoxLayout, QHeaderView, QLabel, QLineEdit, QMessageBox, QPushButton, QSplitter, QTableView, QTextBrowser,
    QVBoxLayout, QWidget,
)

from models.service import catalogue

from models.service import states, tickets
from models.service import workdays
from models.core.errors import AppError, ValidationError
from ui.service.table_model import COLUMNS, TicketTableModel
from ui.common.files import start_in
from ui.common.rights import needs, reads_only

DEADLINE_CHOICES = [("", "全部时限"), ("overdue_open", "超期未办结"), ("overdue", "超期（含超期办结）"), ("due_soon", "临期"),
                    ("callback", "待回访")]
PROVISIONAL_SAMPLE = "0000-00-00（预估）"  # the widest due date the list shows
COLUMN_WIDTHS = {"ticket_no": 110, "received_date": 90, "applicant_name": 80, "applicant_phone": 105,
                 "applicant_village": 80, "item_name": 190, "kind": 60, "status": 110, "due_date": 90,
                 "finished_date": 90, "rating": 80, "handler_name": 70}


class FieldsDialog(QDialog):
    """A small form: fields = [(key, label, kind, default)] with kind 'text',
    'date' or ('choice', [(value, label)]). On OK, `action(db, values)` runs
    through ui/common/action.run_op (a worker connection, off the GUI thread,
    `changes` told to every tab); a ValidationError is shown in the dialog and
    the dialog stays open. Without `ctx`, `action(values)` is only collected."""

    def __init__(self, parent, title: str, fields, action, ctx=None, changes=()):
        super().__init__(parent)
        self.setWindowTitle(title)
        self.action, self.ctx, self.changes = action, ctx, set(changes)
        self.widgets = {}
        form = QFormLayout(self)
        for key, label, kind, default in fields:
            if kind == "date":
                w = QDateEdit()
                w.setCalendarPopup(True)
                w.setDisplayFormat("yyyy-MM-dd")
                w.setDate(QDate(default.year, default.month, default.day) if default else QDate.currentDate())
            elif isinstance(kind, tuple):
                w = QComboBox()
                if default is None:
                    # Nothing chosen until the person says so (a call-back must not default to 非常满意).
                    w.addItem("（请选择）", None)
                for value, text in kind[1]:
                    w.addItem(text, value)
                if default is not None:
                    w.setCurrentIndex(max(0, w.findData(default)))
            elif kind == "check":
                w = QCheckBox()
                w.setChecked(bool(default))
            else:
                w = QLineEdit(default or "")
            self.widgets[key] = w
            form.addRow(label, w)
        self.error = QLabel()
        self.error.setStyleSheet("color: #c62828;")
        self.error.setWordWrap(True)
        form.addRow(self.error)
        buttons = QDialogButtonBox(QDialogButtonBox.Ok | QDialogButtonBox.Cancel)
        buttons.button(QDialogButtonBox.Ok).setText("确定")
        buttons.button(QDialogButtonBox.Cancel).setText("取消")
        buttons.accepted.connect(self._ok)
        buttons.rejected.connect(self.reject)
        self.ok_button = buttons.button(QDialogButtonBox.Ok)
        form.addRow(buttons)

    def values(self) -> dict:
        out = {}
        for key, w in self.widgets.items():
            if isinstance(w, QDateEdit):
                out[key] = w.date().toString("yyyy-MM-dd")
            elif isinstance(w, QComboBox):
                out[key] = w.currentData()
            elif isinstance(w, QCheckBox):
                out[key] = w.isChecked()
            else:
                out[key] = w.text()
        return out

    def _ok(self) -> None:
        from ui.common.action import run_op

        values = self.values()
        if self.ctx is None:
            self.action(values)
            self.accept()
            return

        def refused(e: AppError) -> None:
            self.ok_button.setEnabled(True)
            self.error.setText(e.message)

        self.ok_button.setEnabled(False)  # one save per click
        self.error.setText("")
        run_op(self, self.ctx, lambda db, _progress: self.action(db, values), changes=self.changes,
               on_done=lambda _result, _changes: self.accept(), on_error=refused)


class TicketListPage(QWidget):
    """Filters + table + detail. Every filter has an index in the database."""

    def __init__(self, ctx, parent=None):
        super().__init__(parent)
        self.ctx = ctx
        layout = QVBoxLayout(self)

        bar = QHBoxLayout()
        self.search = QLineEdit()
        self.search.setPlaceholderText(self.tr("姓名、拼音首字母、电话或尾号、身份证号或尾号、编号、村、诉求"))
        self.search.setToolTip(self.tr("例：戴建国、戴、djg、5678（电话或身份证后四位）、2026-000123、上庄村。"
                                       "空格分开的几个词须同时符合。"))
        self.search.setClearButtonEnabled(True)
        self.status = QComboBox()
        self.status.addItem(self.tr("全部状态"), "")
        self.status.addItem(tickets.OPEN_LABEL, tickets.OPEN_LABEL)
        for s in tickets.STATUSES:
            self.status.addItem(s, s)
        self.kind = QComboBox()
        self.kind.addItem(self.tr("全部类型"), "")
        for k in tickets.KINDS:
            self.kind.addItem(k, k)
        self.department = QComboBox()
        self.village = QComboBox()
        self.deadline = QComboBox()
        for value, label in DEADLINE_CHOICES:
            self.deadline.addItem(self.tr(label), value)
        self.use_dates = QCheckBox(self.tr("受理日期"))
        self.date_from = QDateEdit(QDate.currentDate().addMonths(-1))
        self.date_to = QDateEdit(QDate.currentDate())
        for d in (self.date_from, self.date_to):
            d.setCalendarPopup(True)
            d.setDisplayFormat("yyyy-MM-dd")
            d.setEnabled(False)
        for w in (self.search, self.status, self.kind, self.department, self.village, self.deadline):
            bar.addWidget(w)
        bar.addWidget(self.use_dates)
        bar.addWidget(self.date_from)
        bar.addWidget(QLabel("—"))
        bar.addWidget(self.date_to)
        self.search.setMinimumWidth(200)
        layout.addLayout(bar)

        tools = QHBoxLayout()
        self.count_label = QLabel()
        self.export_button = QPushButton(self.tr("导出台帐 .xlsx…"))
        reads_only(self.export_button)
        self.import_button = QPushButton(self.tr("从 .xlsx 导入…"))
        self.import_button.setEnabled(ctx.actor.can("tickets.write"))
        legend = QLabel(self.tr("<span style='background:#f8d0d0'>&nbsp;超期&nbsp;</span> "
                                "<span style='background:#fff1b8'>&nbsp;临期&nbsp;</span> "
                                "<span style='background:#f9e0c7'>&nbsp;超期办结&nbsp;</span> "
                                "<span style='background:#dbe9f7'>&nbsp;补正中&nbsp;</span>"))
        tools.addWidget(self.count_label)
        tools.addStretch(1)
        tools.addWidget(legend)
        tools.addWidget(self.import_button)
        tools.addWidget(self.export_button)
        layout.addLayout(tools)

        split = QSplitter(Qt.Horizontal)
        self.model = TicketTableModel(ctx.db, self, db_path=ctx.db_path)
        self._select_when_counted = -1  # refresh(): the row to select again once the background count is in
        self.model.layoutChanged.connect(self._update_count)
        self.table = QTableView()
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SingleSelection)
        self.table.setAlternatingRowColors(False)
        self.table.setWordWrap(False)
        vh = self.table.verticalHeader()
        vh.setSectionResizeMode(QHeaderView.Fixed)
        vh.setDefaultSectionSize(24)
        vh.setVisible(False)
        hh = self.table.horizontalHeader()
        hh.setSectionResizeMode(QHeaderView.Interactive)
        hh.setStretchLastSection(True)
        for i, (key, _) in enumerate(COLUMNS):
            width = COLUMN_WIDTHS.get(key, 90)
            if key == "due_date":  # a provisional date reads '2027-01-05（预估）': shown whole, not elided
                width = max(width, self.table.fontMetrics().horizontalAdvance(PROVISIONAL_SAMPLE) + 14)
            self.table.setColumnWidth(i, width)
        split.addWidget(self.table)

        right = QWidget()
        rl = QVBoxLayout(right)
        rl.setContentsMargins(0, 0, 0, 0)
        self.detail = QTextBrowser()
        self.detail.setOpenExternalLinks(False)
        rl.addWidget(self.detail, 1)
        self.actions = {}
        # Three buttons a row keep the detail narrow enough for the table's key columns at 1366×768.
        buttons = QGridLayout()
        # Alt+letter mnemonics: the ledger works from the keyboard too.
        # One button per action of the state table (tickets.TRANSITIONS), in its order.
        mnemonics = {"start": "B", "correction": "Z", "resume": "H", "finish": "J", "reject": "N", "return": "T",
                     "rate": "P", "confirm": "Q"}
        for i, key in enumerate(k for k in tickets.TRANSITIONS if k in mnemonics):
            b = QPushButton(self.tr(f"{tickets.TRANSITIONS[key].label}(&{mnemonics[key]})"))
            b.clicked.connect(lambda _=False, k=key: self.do_action(k))
            self.actions[key] = b
            buttons.addWidget(b, i // 3, i % 3)
        self.receipt_button = QPushButton(self.tr("打印受理回执(&R)"))
        needs("notice.publish", self.receipt_button)
        self.receipt_button.setToolTip(self.tr("为所选办件生成受理回执（半页），预览后打印"))
        self.receipt_button.clicked.connect(self.print_receipt)
        buttons.addWidget(self.receipt_button, 2, 2)
        rl.addLayout(buttons)
        split.addWidget(right)
        split.setStretchFactor(0, 3)
        split.setStretchFactor(1, 2)
        layout.addWidget(split, 1)

        from PySide6.QtGui import QKeySequence, QShortcut

        QShortcut(QKeySequence("Ctrl+F"), self, activated=lambda: (self.search.setFocus(), self.search.selectAll()))
        self._search_timer = QTimer(self)
        self._search_timer.setSingleShot(True)
        self._search_timer.setInterval(250)
        self._search_timer.timeout.connect(self.apply_filter)
        self.search.textChanged.connect(lambda _t: self._search_timer.start())
        for combo in (self.status, self.kind, self.department, self.village, self.deadline):
            combo.currentIndexChanged.connect(self.apply_filter)
        self.use_dates.toggled.connect(self._dates_toggled)
        self.date_from.dateChanged.connect(self.apply_filter)
        self.date_to.dateChanged.connect(self.apply_filter)
        self.table.selectionModel().currentRowChanged.connect(lambda cur, _prev: self.show_detail(cur.row()))
        self.export_button.clicked.connect(self.export_ledger)
        self.import_button.clicked.connect(self.import_file)
        self.current_uuid: str | None = None
        self.reload_choices()
        self.apply_filter()

    def _dates_toggled(self, on: bool) -> None:
        self.date_from.setEnabled(on)
        self.date_to.setEnabled(on)
        self.apply_filter()

    def reload_choices(self) -> None:
        """Refill the department and village filters (signals blocked)."""
        for combo, first, values in (
            (self.department, "全部部门", catalogue.departments(self.ctx.db)),
            (self.village, "全部村", tickets.villages_in_use(self.ctx.db, self.ctx.township_filter)),
        ):
            current = combo.currentData()
            combo.blockSignals(True)
            combo.clear()
            combo.addItem(self.tr(first), "")
            for v in values:
                combo.addItem(v, v)
            i = combo.findData(current)
            combo.setCurrentIndex(max(0, i))
            combo.blockSignals(False)

    def current_filter(self) -> tickets.TicketFilter:
        f = tickets.TicketFilter(
            status=self.status.currentData() or "", kind=self.kind.currentData() or "",
            department=self.department.currentData() or "", village=self.village.currentData() or "",
            deadline=self.deadline.currentData() or "", search=self.search.text().strip(),
            township_code=self.ctx.township_filter,
        )
        if self.use_dates.isChecked():
            f.date_from = self.date_from.date().toString("yyyy-MM-dd")
            f.date_to = self.date_to.date().toString("yyyy-MM-dd")
        return f

    def apply_filter(self) -> None:
        """Count and show the first window for the current filters."""
        try:
            self.model.set_filter(self.current_filter())
        except ValidationError as e:
            self.count_label.setText(e.message)
            return
        self._update_count()
        self._reselect()

    def _update_count(self) -> None:
        if self._select_when_counted >= 0 and not self.model.counting:
            row, self._select_when_counted = self._select_when_counted, -1
            if row < self.model.total:
                self.table.selectRow(row)
        if self.model.count_error:
            self.count_label.setText(f"已显示前 {self.model.total:,} 件；统计总数时出错，原因已记入 {self.model.count_error}")
        elif self.model.counting:
            self.count_label.setText(f"已显示前 {self.model.total:,} 件，正在统计总数…")
        else:
            self.count_label.setText(f"共 {self.model.total:,} 件")

    def set_deadline_filter(self, value: str) -> None:
        """Used by the tab's counters: show overdue / due soon / call-backs."""
        self.status.blockSignals(True)
        self.status.setCurrentIndex(0)
        self.status.blockSignals(False)
        i = self.deadline.findData(value)
        if i == self.deadline.currentIndex():
            self.apply_filter()
        self.deadline.setCurrentIndex(i)

    def _reselect(self) -> None:
        if self.model.total:
            self.table.selectRow(0)
            self.show_detail(0)
        else:
            self.current_uuid = None
            self.detail.setHtml(self.tr("<p style='color:#666'>没有符合条件的办件。</p>"))
            self._update_buttons(None)

    def refresh(self, keep_uuid: str | None = None) -> None:
        """Reload after a change, keeping the shown ticket's detail."""
        row = self.table.currentIndex().row()
        self.model.reload()
        self._update_count()
        if keep_uuid:
            self.current_uuid = keep_uuid
            self._render(keep_uuid)
            if 0 <= row < self.model.total:
                self.table.selectRow(row)
            elif row >= 0 and self.model.counting:
                self._select_when_counted = row  # a row past the first COUNT_AT_ONCE: selected when they are counted

    def print_receipt(self) -> None:
        """The acceptance receipt of the selected ticket, through the notice engine."""
        from models.notices import registry as notices
        from ui.notices.menu import generate_notice

        row = self.table.currentIndex().row() if self.table.currentIndex().isValid() else -1
        r = self.model.row_at(row) if row >= 0 else None
        if r is None:
            QMessageBox.information(self, self.tr("受理回执"), self.tr("请先在台帐中选中一件办件。"))
            return
        generate_notice(self.ctx, "receipt", self, notices.NoticeParams(ticket=r["ticket_no"]), ask=False)

    def show_detail(self, row: int) -> None:
        r = self.model.row_at(row)
        if r is None:
            return
        self.current_uuid = r["uuid"]
        self._render(r["uuid"])

    def _render(self, key: str) -> None:
        try:
            t = tickets.ticket_detail(self.ctx.db, key)
        except ValidationError:
            self.detail.setHtml("")
            self._update_buttons(None)
            return
        e = html.escape
        late_now = tickets.open_days_late(self.ctx.db, t)
        rows = [
            ("办件编号", t["ticket_no"]), ("状态", t["status"] + (f"（已超期 {late_now} 个工作日）" if late_now else "")),
            ("申请人", f"{t['applicant_name']}　{t['applicant_phone_masked']}　{t['applicant_village']}"),
            ("身份证号", t["applicant_id_masked"] or "—"), ("受理渠道", t["channel"]),
            ("服务事项", f"{t['item_name']}（{t['department']}）"), ("办件类型", t["kind"]),
            ("诉求内容", t["request_text"]), ("首问责任人", t["first_receiver"]), ("承办人", t["handler_name"] or "—"),
            ("受理日期", t["received_date"]),
            ("承诺办结", f"{t['due_date']}（{t['promised_days']} 个工作日"
             + (f"，补正顺延 {t['paused_days']} 天" if t["paused_days"] else "") + "）"
             + (workdays.PROVISIONAL_NOTE if t["due_provisional"] and t["status"] in tickets.OPEN_STATUSES else "")),
        ]
        if t["cooperating_departments"]:
            rows.append(("协办部门", t["cooperating_departments"]))
        if t["county_office"]:
            rows.append(("上报县级部门", t["county_office"]))
        flags = [x for x, on in (("全程代理", t["proxy_service"]), ("上门服务", t["home_service"])) if on]
        if flags:
            rows.append(("服务方式", "、".join(flags)))
        if t["finished_date"]:
            rows.append(("办结日期", t["finished_date"] + (f"（超期 {t['days_late']} 个工作日）" if t["days_late"] else "")))
        if t["result"]:
            rows.append(("办理结果", t["result"]))
        if t["close_reason"]:
            rows.append(("理由", t["close_reason"]))
        if t["status"] == tickets.FINISHED:
            rows.append(("回访", f"{t['callback_date']}：{t['rating_label']} {t['rating_comment']}" if t["rating"]
                         else f"待回访（应于 {t['callback_due']} 前）"))
            rows.append(("群众确认", f"已确认（{t['confirmed_at']}）" if t["confirmed"] else "未确认"))
        body = "".join(f"<tr><td style='color:#666;padding-right:8px' nowrap>{e(k)}</td><td>{e(str(v))}</td></tr>"
                       for k, v in rows)
        hist = "".join(
            f"<tr><td nowrap>{e(ev['event_date'] or ev['at'][:10])}</td><td nowrap>{e(ev['to_status'])}</td>"
            f"<td nowrap>{e(ev['actor'])}</td><td>{e(ev['note'])}</td></tr>" for ev in t["events"])
        rect = "".join(f"<li>{e(r['status'])}：{e(r['note'])}，期限 {e(r['deadline'])}"
                       + (f"，{e(r['done_date'])} {e(r['done_note'])}" if r["done_date"] else "") + "</li>"
                       for r in t["rectifications"])
        self.detail.setHtml(
            f"<h3>{e(t['ticket_no'])}　{e(t['applicant_name'])}</h3><table>{body}</table>"
            f"<h4>办理经过</h4><table cellspacing='4'><tr style='color:#666'><td>日期</td><td>状态</td><td>经办人</td>"
            f"<td>说明</td></tr>{hist}</table>" + (f"<h4>差评整改</h4><ul>{rect}</ul>" if rect else ""))
        self._update_buttons(t)

    def _update_buttons(self, t: dict | None) -> None:
        can = self.ctx.actor.can("tickets.write")
        status = t["status"] if t else None
        for key, b in self.actions.items():
            allowed = states.allowed(key, status) and not (key == "confirm" and t and t["confirmed"])
            b.setEnabled(can and allowed)

    def do_action(self, key: str) -> None:
        """Ask for what the action needs and run it in one models call."""
        uuid = self.current_uuid
        if not uuid:
            return
        actor = self.ctx.actor
        today = dt.date.today()
        ratings = [(k, v) for k, v in tickets.RATINGS.items()]
        specs = {
            "start": ("转为办理中", [("note", "备注", "text", "")],
                      lambda db, v: tickets.start_handling(db, actor, uuid, v["note"])),
            "correction": ("要求补正（时限暂停）", [("note", "需补正的材料*", "text", ""), ("date", "补正开始日期", "date", today)],
                           lambda db, v: tickets.request_correction(db, actor, uuid, v["note"], v["date"])),
            "resume": ("补正完成（恢复计时）", [("date", "材料补齐日期", "date", today), ("note", "备注", "text", "")],
                       lambda db, v: tickets.resume(db, actor, uuid, v["date"], v["note"])),
            "finish": ("办结", [("result", "办理结果*", "text", ""), ("date", "办结日期", "date", today)],
                       lambda db, v: tickets.finish(db, actor, uuid, v["result"], v["date"])),
            "reject": ("不予受理", [("reason", "理由*", "text", ""), ("date", "日期", "date", today)],
                       lambda db, v: tickets.reject(db, actor, uuid, v["reason"], v["date"])),
            "return": ("退回", [("reason", "理由*", "text", ""), ("date", "日期", "date", today)],
                       lambda db, v: tickets.return_ticket(db, actor, uuid, v["reason"], v["date"])),
            "rate": ("回访评价（好差评）", [("rating", "满意度", ("choice", ratings), None), ("comment", "意见", "text", ""),
                                       ("date", "回访日期", "date", today)],
                     lambda db, v: tickets.rate(db, actor, uuid, v["rating"], v["comment"], v["date"])),
            "confirm": ("群众确认", [("date", "确认日期", "date", today)],
                        lambda db, v: tickets.confirm(db, actor, uuid, True, v["date"])),
        }
        title, fields, action = specs[key]
        dialog = FieldsDialog(self, self.tr(title), fields, action, ctx=self.ctx, changes={"tickets"})
        if dialog.exec() == QDialog.Accepted:
            self.refresh(keep_uuid=uuid)

    # -- files --
    def export_ledger(self) -> None:
        from ui.common.action import run_op

        start = self.date_from.date().toString("yyyy-MM-dd") if self.use_dates.isChecked() else f"{dt.date.today().year}-01-01"
        end = self.date_to.date().toString("yyyy-MM-dd") if self.use_dates.isChecked() else dt.date.today().isoformat()
        path, _ = QFileDialog.getSaveFileName(self, self.tr("导出群众需求办理台帐"), start_in(f"群众需求办理台帐_{start}_{end}.xlsx"),
                                              "Excel (*.xlsx)")
        if not path:
            return
        if not path.lower().endswith(".xlsx"):
            path += ".xlsx"
        township = self.ctx.township_filter or None
        actor = self.ctx.actor  # read on the GUI thread, on the window's connection

        def work(db, progress):
            from models.service.io import export_ledger

            return export_ledger(db, path, start, end, township, progress=progress, actor=actor)

        # The export writes its audit row: run_op (no tab shows what changed).
        run_op(self, self.ctx, work, changes=(), label=self.tr("正在导出台帐…"), cancellable=True,
               on_done=lambda n, _changes: QMessageBox.information(self, self.tr("导出完成"),
                                                                  f"已导出 {start} 至 {end} 受理的 {n} 件办件到：\n{path}"))

    def import_file(self, path: str = "", good_rows_only: bool = False) -> None:
        from models.service.io import import_tickets
        from ui.common.action import run_op

        if not path:
            path, _ = QFileDialog.getOpenFileName(self, self.tr("导入办件"), start_in(), "Excel (*.xlsx)")
        if not path:
            return
        actor = self.ctx.actor

        def done(result, _changes):
            if result["imported"]:
                self.apply_filter()
            self.show_import_result(result, path, can_retry=not good_rows_only)

        run_op(self, self.ctx, lambda db, progress: import_tickets(db, actor, path, progress=progress,
                                                                   good_rows_only=good_rows_only),
               changes={"tickets"}, label=self.tr("正在导入办件…"), on_done=done, cancellable=True)

    def show_import_result(self, result: dict, path: str, can_retry: bool = True):
        """Every problem (行、列、值、原因), and buttons for the good rows and the failed rows."""
        from models.service import io as tickets_io
        from ui.roster.dialogs import ImportResultDialog

        dialog = ImportResultDialog(self, self.ctx, LedgerImportResult(result), can_retry=can_retry,
                                    export_failed=lambda out: tickets_io.export_problems_xlsx(result, out))
        dialog.setWindowTitle(self.tr("办件导入结果"))
        dialog.exec()
        if dialog.retry_requested:
            self.import_file(path, good_rows_only=True)
        return dialog


class LedgerImportResult:
    """The ledger import's result dict, shaped as the import result dialog reads it."""

    def __init__(self, result: dict):
        self.data = result
        self.problems = result["problems"]
        self.errors = [(f"第 {p.row} 行", p.text()) for p in result["problems"]]
        self.good_rows = result["good_rows"]
        self.rolled_back = result["rolled_back"]
        self.new_values: dict = {}

    def summary(self) -> str:
        from models.service import io as tickets_io

        return tickets_io.summary(self.data)
