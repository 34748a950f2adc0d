"""The main window's 公示 menu, the dialog asking for a notice's parameters,
and a button tabs can add to generate their notices.

Generation runs off the GUI thread (ui.common.worker.run_task) on its own database
connection, with progress; the result opens in the preview dialog.
"""

from __future__ import annotations

import datetime as dt

from PySide6.QtCore import QDate, Qt
from PySide6.QtWidgets import (
    QComboBox,
    QDateEdit,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QLabel,
    QLineEdit,
    QMenu,
    QMessageBox,
    QPushButton,
    QVBoxLayout,
)

from models.notices import registry as notices
from models.core.errors import AppError
from models.core.users import CAPABILITY_LABELS
from ui.common.action import run_op
from ui.common.files import start_in
from ui.common.rights import needs

AREA_LABELS = {"roster": "领导班子", "service": "便民服务", "assess": "考核", "election": "换届选举"}
PAPER_CHOICES = [("", "按公示类型默认"), ("a4", "A4 纵向"), ("a4-landscape", "A4 横向"), ("a3", "A3（公开栏）")]
PERIOD_HINTS = {
    "case_results": "如 2026-10（月）、2026-Q3、2026-10-01..2026-10-31；空着为上个月",
    "assessment_results": "如 2026（最近一期）、2026-Q3、2026-H1、2026-Y",
    "rewards": "年度，如 2026",
    "commitments": "年度，如 2026",
    "supervision": "年度，如 2026",
}


class NoticeParamsDialog(QDialog):
    """Asks for what one notice kind needs: date, period, ticket number, paper."""

    def __init__(self, kind: notices.NoticeKind, parent=None, ticket: str = ""):
        super().__init__(parent)
        self.kind = kind
        self.setWindowTitle(self.tr("生成") + kind.label)
        form = QFormLayout()
        self.date_edit = QDateEdit(QDate.currentDate())
        self.date_edit.setCalendarPopup(True)
        self.date_edit.setDisplayFormat("yyyy-MM-dd")
        form.addRow(self.tr("公示日期"), self.date_edit)
        self.period_edit = QLineEdit()
        if "period" in kind.needs:
            self.period_edit.setPlaceholderText(PERIOD_HINTS.get(kind.key, "期间"))
            form.addRow(self.tr("期间"), self.period_edit)
        self.ticket_edit = QLineEdit(ticket)
        if "ticket" in kind.needs:
            self.ticket_edit.setPlaceholderText(self.tr("如 2026-000123"))
            form.addRow(self.tr("办件编号"), self.ticket_edit)
        self.paper_combo = QComboBox()
        for key, label in PAPER_CHOICES:
            self.paper_combo.addItem(label, key)
        form.addRow(self.tr("纸张"), self.paper_combo)
        self.error = QLabel()
        self.error.setStyleSheet("color: #b00020;")
        self.error.setWordWrap(True)
        self.error.hide()
        buttons = QDialogButtonBox(QDialogButtonBox.Ok | QDialogButtonBox.Cancel)
        buttons.button(QDialogButtonBox.Ok).setText(self.tr("生成并预览"))
        buttons.button(QDialogButtonBox.Cancel).setText(self.tr("取消"))
        buttons.accepted.connect(self._check)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(QLabel(self.tr("数据来源：") + kind.source.split("（")[0]))
        layout.addLayout(form)
        layout.addWidget(self.error)
        layout.addWidget(buttons)

    def params(self) -> notices.NoticeParams:
        d = self.date_edit.date()
        return notices.NoticeParams(
            date=dt.date(d.year(), d.month(), d.day()),
            period=self.period_edit.text().strip() or None,
            ticket=self.ticket_edit.text().strip() or None,
            paper=self.paper_combo.currentData() or None,
        )

    def _check(self) -> None:
        if "ticket" in self.kind.needs and not self.ticket_edit.text().strip():
            self.show_error("办件编号：请填写要打印回执的办件编号。")
            return
        if "period" in self.kind.needs and self.period_edit.text().strip():
            try:
                if self.kind.area == "assess":
                    notices.parse_assess_period(self.period_edit.text(), dt.date.today())
                else:
                    notices.parse_period(self.period_edit.text())
            except AppError as e:
                self.show_error(e.message)
                return
        self.accept()

    def show_error(self, message: str) -> None:
        self.error.setText(message)
        self.error.show()


def generate_notice(ctx, kind_key: str, parent, params: notices.NoticeParams | None = None, ask: bool = True,
                    on_done=None) -> None:
    """Ask for parameters (unless given), then: with `on_done`, publish on a
    worker thread and hand over the published notice; otherwise show a draft
    (no serial, nothing recorded) whose 发布 button publishes it."""
    kind = notices.get_kind(kind_key)
    if not ctx.actor.can(notices.CAPABILITY):
        QMessageBox.warning(parent, "无权操作", f"当前用户无权{CAPABILITY_LABELS[notices.CAPABILITY]}。")
        return
    if params is None or ask:
        dialog = NoticeParamsDialog(kind, parent, ticket=(params.ticket or "") if params else "")
        if dialog.exec() != QDialog.Accepted:
            return
        params = dialog.params()
    if getattr(ctx, "township_filter", ""):
        params.township_code = ctx.township_filter
    if kind.findings is not None:
        # The notice states what the check finds; the clerk sees it before printing.
        found = kind.findings(ctx.db, params)
        if found and QMessageBox.question(
                parent, "生成前请核对", "规则检查发现：\n" + "\n".join(found)
                + f"\n\n{kind.label}将如实写明上述情况。仍要生成吗？") != QMessageBox.Yes:
            return
    actor = ctx.actor
    from ui.common.action import run_query

    def publish_op(db, progress):
        return notices.publish(db, actor, kind.key, params, progress=lambda done, total: progress(done, total))

    if on_done is not None:
        # Publishing records the notice: an action (ui/common/action.run_op), 'notices' told to every tab.
        run_op(parent, ctx, publish_op, changes={"notices"}, label=f"正在生成{kind.label}…", cancellable=True,
               on_done=lambda result, _changes: on_done(result))
        return

    def show_draft(pdf):
        from ui.notices.preview import NoticePreviewDialog

        def publish(then):
            def failed(error):
                preview.publish_button.setEnabled(True)  # the draft stays; it may be published again
                QMessageBox.warning(preview, "无法完成", error.message)

            run_op(preview, ctx, publish_op, changes={"notices"}, label=f"正在发布{kind.label}…", cancellable=True,
                   on_done=lambda result, _changes: then(result), on_error=failed)

        preview = NoticePreviewDialog(pdf, f"{kind.label}（样稿）", "", f"{kind.label}.pdf", parent, publish=publish)
        preview.setAttribute(Qt.WA_DeleteOnClose, True)
        preview.show()

    # A draft records nothing: a read (ui/common/action.run_query, on a read-only connection).
    run_query(parent, ctx, lambda db, progress: notices.preview(db, actor, kind.key, params,
                                                                progress=lambda done, total: progress(done, total)),
              label=f"正在生成{kind.label}样稿…", on_done=show_draft)


def check_notice_file(ctx, parent) -> None:
    """Pick a PDF and say whether it matches a recorded notice."""
    path, _ = QFileDialog.getOpenFileName(parent, "核对公示文件", start_in(), "PDF 文件 (*.pdf)")
    if not path:
        return
    try:
        report = notices.verify_pdf(ctx.db, path)
    except AppError as e:
        QMessageBox.warning(parent, "无法核对", e.message)
        return
    if report["status"] == "match":
        QMessageBox.information(parent, "核对结果：一致", report["message"])
    else:
        QMessageBox.warning(parent, "核对结果：不一致", report["message"])


class PublishedNoticesDialog(QDialog):
    """The most recent published notices (serial, kind, title, who, when),
    read from models.notices.registry; the table of notices is small, and the dialog
    shows at most LIMIT rows, newest first."""

    LIMIT = 500

    def __init__(self, ctx, parent=None):
        from PySide6.QtWidgets import QAbstractItemView, QHeaderView, QTableWidget, QTableWidgetItem

        super().__init__(parent)
        self.ctx = ctx
        self.setWindowTitle(self.tr("已生成的公示"))
        self.resize(860, 480)
        rows = notices.list_notices(ctx.db, limit=self.LIMIT)
        labels = {k.key: k.label for k in notices.kinds()}
        self.rows = rows
        self.table = QTableWidget(len(rows), 7)
        self.table.setHorizontalHeaderLabels(["公示编号", "类型", "标题", "页数", "生成时间", "生成人", "状态"])
        self.table.setEditTriggers(QAbstractItemView.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectRows)
        self.table.verticalHeader().setVisible(False)
        for i, r in enumerate(rows):
            values = [r["serial"], labels.get(r["kind"], r["kind"]), r["title"], str(r["pages"] or ""),
                      (r["created_at"] or "")[:16].replace("T", " "), r["created_by"], _status(r)]
            for j, v in enumerate(values):
                self.table.setItem(i, j, QTableWidgetItem(v))
        header = self.table.horizontalHeader()
        for j, width in enumerate((150, 130, 260, 50, 130, 100)):
            self.table.setColumnWidth(j, width)
        header.setSectionResizeMode(2, QHeaderView.Stretch)
        self.empty = QLabel(self.tr("还没有生成过公示。可从“公示”菜单生成。"))
        self.empty.setVisible(not rows)
        buttons = QDialogButtonBox(QDialogButtonBox.Close)
        buttons.button(QDialogButtonBox.Close).setText(self.tr("关闭"))
        check = buttons.addButton(self.tr("核对公示文件…"), QDialogButtonBox.ActionRole)
        check.clicked.connect(lambda: check_notice_file(ctx, self))
        allowed = ctx.actor.can(notices.CAPABILITY)
        self.reprint_button = buttons.addButton(self.tr("原样重印…"), QDialogButtonBox.ActionRole)
        self.void_button = buttons.addButton(self.tr("作废…"), QDialogButtonBox.ActionRole)
        for b in (self.reprint_button, self.void_button):
            b.setEnabled(allowed and bool(rows))
        self.reprint_button.clicked.connect(self.reprint_selected)
        self.void_button.clicked.connect(self.void_selected)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.empty)
        layout.addWidget(self.table, 1)
        layout.addWidget(buttons)


    def _selected(self) -> dict | None:
        index = self.table.currentRow()
        if index < 0 or index >= len(self.rows):
            QMessageBox.information(self, "请选择", "请先在表中选择一份公示。")
            return None
        return self.rows[index]

    def reprint_selected(self) -> None:
        """The same sheet again from the data kept at publication."""
        row = self._selected()
        if row is None:
            return
        actor = self.ctx.actor
        run_op(self, self.ctx, lambda db, _progress: notices.reprint(db, actor, row["serial"]), changes={"notices"},
               label="正在重印…", on_done=lambda result, _changes: self._show_reprint(result),
               on_error=lambda e: QMessageBox.warning(self, "不能重印", e.message))

    def _show_reprint(self, result) -> None:
        from ui.notices.preview import NoticePreviewDialog

        preview = NoticePreviewDialog(result.pdf, result.title, result.serial, f"{result.title}-{result.serial}.pdf",
                                      self)
        preview.setAttribute(Qt.WA_DeleteOnClose, True)
        preview.show()

    def void_selected(self) -> None:
        """Withdraw a notice from the board, with the reason."""
        from PySide6.QtWidgets import QInputDialog, QTableWidgetItem

        row = self._selected()
        if row is None:
            return
        reason, ok = QInputDialog.getText(self, "作废公示", f"作废公示 {row['serial']}“{row['title']}”的原因：")
        if not ok:
            return
        def voided(done, _changes) -> None:
            index = self.rows.index(row)
            self.rows[index] = {**row, **{k: done[k] for k in ("voided_at", "void_reason")}}
            self.table.setItem(index, 6, QTableWidgetItem(_status(self.rows[index])))

        actor = self.ctx.actor
        run_op(self, self.ctx, lambda db, _progress: notices.void_notice(db, actor, row["serial"], reason),
               changes={"notices"}, on_done=voided, on_error=lambda e: QMessageBox.warning(self, "不能作废", e.message))


def _status(row: dict) -> str:
    if row.get("voided_at"):
        return f"已作废：{row.get('void_reason') or ''}"
    return "有效" + (f"（重印 {row['reprints']} 次）" if row.get("reprints") else "")


def build_notice_menu(menu: QMenu, ctx, parent) -> None:
    """Fill the 公示 menu: one entry per notice kind, grouped by tab, and 核对公示文件."""
    allowed = ctx.actor.can(notices.CAPABILITY)
    areas = dict(AREA_LABELS)
    for kind in notices.kinds():
        areas.setdefault(kind.area, kind.area or "其他")
    for area, label in areas.items():
        kinds = notices.kinds(area)
        if not kinds:
            continue
        menu.addSection(label)
        for kind in kinds:
            action = menu.addAction(kind.label + "…")
            action.setEnabled(allowed)
            if not allowed:
                action.setToolTip(f"当前用户无权{CAPABILITY_LABELS[notices.CAPABILITY]}")
            action.triggered.connect(lambda checked=False, k=kind.key: generate_notice(ctx, k, parent))
    menu.addSeparator()
    menu.addAction("已生成的公示…").triggered.connect(lambda checked=False: PublishedNoticesDialog(ctx, parent).exec())
    menu.addAction("核对公示文件…").triggered.connect(lambda checked=False: check_notice_file(ctx, parent))
    menu.setToolTipsVisible(True)


def notice_button(ctx, kind_key: str, parent, text: str | None = None) -> QPushButton:
    """A button a tab can place next to its data: generates that notice."""
    kind = notices.get_kind(kind_key)
    button = QPushButton(text or f"生成{kind.label}")
    button.setEnabled(ctx.actor.can(notices.CAPABILITY))
    button.clicked.connect(lambda: generate_notice(ctx, kind_key, parent))
    return button


def notice_menu_button(ctx, area: str, parent, text: str = "公示") -> QPushButton:
    """A button with a drop-down of every notice of one tab (roster, service, assess)."""
    button = QPushButton(text)
    menu = QMenu(button)
    for kind in notices.kinds(area):
        menu.addAction(kind.label + "…").triggered.connect(
            lambda checked=False, k=kind.key: generate_notice(ctx, k, parent))
    button.setMenu(menu)
    needs(notices.CAPABILITY, button)
    button.setEnabled(ctx.actor.can(notices.CAPABILITY))
    return button
