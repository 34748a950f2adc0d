"""Dialogs of the working-day calendar page: a year shown as twelve month
grids, pasting the State Council's notice (parsed and shown before saving),
and the 值班长's confirmation of provisional promises when the official year
has arrived."""

from __future__ import annotations

import datetime as dt

from PySide6.QtCore import QDate, Qt
from PySide6.QtGui import QBrush, QColor, QTextCharFormat, QTextCursor
from PySide6.QtWidgets import (
    QAbstractItemView, QCalendarWidget, QCheckBox, QComboBox, QDialog, QDialogButtonBox, QGridLayout, QHBoxLayout,
    QHeaderView, QLabel, QPlainTextEdit, QPushButton, QSpinBox, QSplitter, QTableWidget,
    QTableWidgetItem, QVBoxLayout, QWidget,
)
from ui.common.screen import fit_on_screen

from models.core.errors import ValidationError
from models.service import holiday_notice, reconcile, workdays
from ui.common.action import run_op

HOLIDAY_COLOUR = QColor("#f19a9a")  # a holiday (a day off with a name, or a weekday off)
MAKE_UP_COLOUR = QColor("#8fbcf2")  # a weekend day worked (调休上班)


class YearView(QWidget):
    """Twelve small month calendars: holidays red, make-up working days blue."""

    def __init__(self, parent=None):
        super().__init__(parent)
        grid = QGridLayout(self)
        grid.setContentsMargins(0, 0, 0, 0)
        self.months: list[QCalendarWidget] = []
        self.titles: list[QLabel] = []
        for i in range(12):
            box = QVBoxLayout()
            title = QLabel(f"{i + 1} 月")
            title.setAlignment(Qt.AlignCenter)
            cal = QCalendarWidget()
            cal.setNavigationBarVisible(False)
            cal.setSelectionMode(QCalendarWidget.NoSelection)
            cal.setVerticalHeaderFormat(QCalendarWidget.NoVerticalHeader)
            cal.setHorizontalHeaderFormat(QCalendarWidget.SingleLetterDayNames)
            cal.setGridVisible(True)
            cal.setFirstDayOfWeek(Qt.Monday)
            cal.setMinimumSize(190, 150)
            box.addWidget(title)
            box.addWidget(cal)
            grid.addLayout(box, i // 4, i % 4)
            self.months.append(cal)
            self.titles.append(title)
        legend = QLabel("<table cellspacing='4'><tr><td bgcolor='#f19a9a'>　　</td><td>放假（节日）</td>"
                        "<td bgcolor='#8fbcf2'>　　</td><td>调休上班</td><td>　红字：周末</td></tr></table>")
        grid.addWidget(legend, 3, 0, 1, 4)
        self.shown: dict[str, tuple[int, str]] = {}

    def show_year(self, year: int, days) -> None:
        """days: rows of (iso date, is_workday, name)."""
        self.shown = {d: (w, n) for d, w, n in days}
        for i, cal in enumerate(self.months):
            first = QDate(year, i + 1, 1)
            cal.setDateTextFormat(QDate(), QTextCharFormat())  # clear earlier formats
            # the selected day is drawn over its colour: select one far off this month's grid
            cal.setDateRange(first.addDays(-40), first.addMonths(1).addDays(-1))
            cal.setSelectedDate(first.addDays(-40))
            cal.setCurrentPage(year, i + 1)
            self.titles[i].setText(f"{year} 年 {i + 1} 月")
        for iso, (work, name) in self.shown.items():
            d = dt.date.fromisoformat(iso)
            weekend = d.weekday() >= 5
            fmt = QTextCharFormat()
            if not work and not weekend:
                fmt.setBackground(QBrush(HOLIDAY_COLOUR))
            elif not work and name:
                fmt.setBackground(QBrush(HOLIDAY_COLOUR))
            elif work and weekend:
                fmt.setBackground(QBrush(MAKE_UP_COLOUR))
                fmt.setForeground(QBrush(QColor("black")))
                fmt.setFontWeight(700)
            else:
                continue
            if name:
                fmt.setToolTip(name)
            self.months[d.month - 1].setDateTextFormat(QDate(d.year, d.month, d.day), fmt)

    def colour_of(self, iso: str) -> QColor | None:
        """The background a day is shown with (for tests and checks)."""
        d = dt.date.fromisoformat(iso)
        brush = self.months[d.month - 1].dateTextFormat(QDate(d.year, d.month, d.day)).background()
        return brush.color() if brush.style() != Qt.NoBrush else None


class NoticeDialog(QDialog):
    """Paste the notice, see the parsed year, then save it (calendar.write)."""

    def __init__(self, ctx, year: int, parent=None):
        super().__init__(parent)
        self.ctx = ctx
        self.parsed: holiday_notice.ParsedNotice | None = None
        self.saved_years: list[int] = []
        self.setWindowTitle("粘贴国务院办公厅放假通知")
        fit_on_screen(self, 1100, 760)
        layout = QVBoxLayout(self)
        top = QHBoxLayout()
        self.year = QSpinBox()
        self.year.setRange(workdays.rule().first_year, workdays.rule().last_year)
        self.year.setValue(year)
        self.parse_button = QPushButton("解析(&P)")
        top.addWidget(QLabel("通知年份"))
        top.addWidget(self.year)
        top.addWidget(QLabel("把“国务院办公厅关于XXXX年部分节假日安排的通知”全文粘贴到下面，点“解析”核对后保存。"))
        top.addStretch(1)
        top.addWidget(self.parse_button)
        layout.addLayout(top)
        split = QSplitter(Qt.Horizontal)
        self.text = QPlainTextEdit()
        self.text.setPlaceholderText("一、元旦：1月1日（周五）至3日（周日）放假，共3天。\n二、春节：……")
        split.addWidget(self.text)
        right = QWidget()
        rl = QVBoxLayout(right)
        rl.setContentsMargins(0, 0, 0, 0)
        self.summary = QLabel()
        self.summary.setWordWrap(True)
        self.summary.setTextFormat(Qt.PlainText)
        self.view = YearView()
        rl.addWidget(self.summary)
        rl.addWidget(self.view, 1)
        split.addWidget(right)
        split.setSizes([360, 740])
        layout.addWidget(split, 1)
        self.replace = QCheckBox()
        self.replace.setVisible(False)
        layout.addWidget(self.replace)
        self.error = QLabel()
        self.error.setWordWrap(True)
        self.error.setStyleSheet("color: #c62828; font-weight: bold;")
        layout.addWidget(self.error)
        buttons = QDialogButtonBox(QDialogButtonBox.Save | QDialogButtonBox.Cancel)
        self.save_button = buttons.button(QDialogButtonBox.Save)
        self.save_button.setText("保存为正式日历(&S)")
        self.save_button.setEnabled(False)
        buttons.button(QDialogButtonBox.Cancel).setText("取消")
        buttons.accepted.connect(self.save)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        self.parse_button.clicked.connect(self.parse)
        self.text.textChanged.connect(self._invalidate)
        self.year.valueChanged.connect(lambda _v: self._invalidate())
        self.replace.toggled.connect(lambda _on: self._update_save())
        self.view.show_year(year, [(r["date"], r["is_workday"], r["name"]) for r in workdays.year_days(ctx.db, year)])

    def _invalidate(self) -> None:
        self.parsed = None
        self.save_button.setEnabled(False)

    def _update_save(self) -> None:
        can = self.ctx.actor.can("calendar.write")
        self.save_button.setEnabled(bool(self.parsed) and can and (not self.diff or self.replace.isChecked()))
        if not can:
            self.save_button.setToolTip("只有管理员可以修改工作日历")

    def parse(self) -> None:
        self.error.clear()
        self.replace.setVisible(False)
        self.replace.setChecked(False)
        self.diff: list[dict] = []
        try:
            self.parsed = holiday_notice.parse_notice(self.text.toPlainText(), self.year.value())
        except ValidationError as e:
            self.parsed = None
            self.error.setText(e.message)
            if e.row:  # put the cursor on the line named
                block = self.text.document().findBlockByNumber(e.row - 1)
                cursor = QTextCursor(block)
                cursor.select(QTextCursor.LineUnderCursor)
                self.text.setTextCursor(cursor)
            self._update_save()
            return
        p = self.parsed
        self.view.show_year(p.year, p.rows())
        lines = [f"{h.name}：{h.first.month}月{h.first.day}日至{h.last.month}月{h.last.day}日，{len(h.days)} 天"
                 for h in p.holidays]
        if p.make_up:
            lines.append("调休上班：" + "、".join(f"{d.month}月{d.day}日" for d, _n, _l in p.make_up))
        lines += ["注意：" + n for n in p.notes]
        self.diff = holiday_notice.differences(self.ctx.db, p)
        if self.diff:
            self.replace.setText(f"以通知为准：替换已有正式日历中不一致的 {len(self.diff)} 天（"
                                 + "；".join(f"{x['date']} {x['stored']}→{x['notice']}" for x in self.diff[:6])
                                 + ("……" if len(self.diff) > 6 else "") + "）")
            self.replace.setVisible(True)
        self.summary.setText(f"{p.year} 年：\n" + "\n".join(lines))
        self._update_save()

    def save(self) -> None:
        if not self.parsed:
            return
        parsed, replace, actor = self.parsed, self.replace.isChecked(), self.ctx.actor

        def saved(years, _changes) -> None:
            self.saved_years = years
            self.accept()

        run_op(self, self.ctx, lambda db, _progress: holiday_notice.save_notice(db, actor, parsed, replace=replace),
               changes={"calendar"}, on_done=saved, on_error=lambda e: self.error.setText(e.message))


DECISION_LABELS = {reconcile.MOVE: "调整为正式日期", reconcile.KEEP: "保留原承诺"}
CHANGE_LABELS = {"later": "推后", "earlier": "提前", "same": "不变"}


class ReconcileDialog(QDialog):
    """The open tickets whose provisional promise the official calendar changes;
    the 值班长 (or admin) chooses per ticket and confirms once."""

    def __init__(self, ctx, parent=None):
        super().__init__(parent)
        self.ctx = ctx
        self.result_counts: dict | None = None
        self.setWindowTitle("核对预估的承诺办结日期")
        self.resize(1000, 560)
        layout = QVBoxLayout(self)
        self.rows = reconcile.pending(ctx.db, ctx.township_filter or None)
        changed = sum(1 for r in self.rows if r["change"] != "same")
        head = QLabel(f"正式工作日历已到：{len(self.rows)} 件未办结办件的承诺办结日期原按法定节假日预估，"
                      f"其中 {changed} 件按正式日历会变化。已打印回执的办件不会被提前，除非在此选择调整。"
                      "确认后，每件办件的办理记录写明变化和原因。")
        head.setWordWrap(True)
        layout.addWidget(head)
        self.table = QTableWidget(len(self.rows), 8)
        self.table.setHorizontalHeaderLabels(["办件编号", "申请人", "服务事项", "原承诺日期", "按正式日历", "变化",
                                              "回执", "处理"])
        self.table.verticalHeader().setVisible(False)
        self.table.setEditTriggers(QAbstractItemView.NoEditTriggers)
        self.table.horizontalHeader().setSectionResizeMode(2, QHeaderView.Stretch)
        self.choices: dict[str, QComboBox] = {}
        for i, r in enumerate(self.rows):
            values = [r["ticket_no"], r["applicant_name"], r["item_name"], r["old_due"], r["new_due"],
                      CHANGE_LABELS[r["change"]], "已打印" if r["printed"] else "未打印"]
            for j, v in enumerate(values):
                item = QTableWidgetItem(str(v))
                if j == 5 and r["change"] == "earlier":
                    item.setForeground(QBrush(QColor("#c62828")))
                self.table.setItem(i, j, item)
            if r["change"] == "same":
                self.table.setItem(i, 7, QTableWidgetItem("（日期不变，确认即可）"))
                continue
            combo = QComboBox()
            for key, label in DECISION_LABELS.items():
                combo.addItem(label, key)
            combo.setCurrentIndex(combo.findData(r["default"]))
            self.table.setCellWidget(i, 7, combo)
            self.choices[r["uuid"]] = combo
        layout.addWidget(self.table, 1)
        self.error = QLabel()
        self.error.setWordWrap(True)
        self.error.setStyleSheet("color: #c62828;")
        layout.addWidget(self.error)
        buttons = QDialogButtonBox(QDialogButtonBox.Ok | QDialogButtonBox.Cancel)
        self.ok = buttons.button(QDialogButtonBox.Ok)
        self.ok.setText("确认(&C)")
        buttons.button(QDialogButtonBox.Cancel).setText("以后再核对")
        if not reconcile.may_confirm(ctx.db, ctx.actor):
            self.ok.setEnabled(False)
            self.error.setText("只有今日值班长或管理员可以确认（在“值班长与集中办理日”页排定今日值班长）。")
        buttons.accepted.connect(self.confirm)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)

    def decisions(self) -> dict[str, str]:
        return {key: combo.currentData() for key, combo in self.choices.items()}

    def confirm(self) -> None:
        decisions, township, actor = self.decisions(), self.ctx.township_filter or None, self.ctx.actor

        def confirmed(counts, _changes) -> None:
            self.result_counts = counts
            self.accept()

        run_op(self, self.ctx, lambda db, _progress: reconcile.reconcile(db, actor, decisions, township_code=township),
               changes={"tickets"}, on_done=confirmed, on_error=lambda e: self.error.setText(e.message))

    def result_text(self) -> str:
        c = self.result_counts or {}
        return f"已核对：调整 {c.get('moved', 0)} 件，保留原承诺 {c.get('kept', 0)} 件，日期不变 {c.get('unchanged', 0)} 件。"
