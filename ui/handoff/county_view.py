"""横向比较: the county's townships side by side (county mode tab).

The figures come from models.handoff.county.comparison (one row per township); the
chart under the table draws the selected figure with QPainter, best first.
"""

from __future__ import annotations

import datetime as dt

from PySide6.QtCore import QDate, QRectF, Qt
from PySide6.QtGui import QBrush, QColor, QFont, QPainter, QPen
from PySide6.QtWidgets import (QAbstractItemView, QComboBox, QDateEdit, QHBoxLayout, QHeaderView, QLabel,
                               QPushButton, QSpinBox, QSplitter, QTableWidget, QTableWidgetItem, QVBoxLayout, QWidget)

from models.handoff import county
from models.handoff.merge import open_conflict_count

PERIOD_CHOICES = [("Y", "全年"), ("H1", "上半年"), ("Q1", "第一季度"), ("Q2", "第二季度"), ("Q3", "第三季度"),
                  ("Q4", "第四季度")]
BAR = QColor("#c0392b")
BAR_HIGHLIGHT = QColor("#e67e22")


class BarChart(QWidget):
    """Horizontal bars, one per township, labelled with the value."""

    def __init__(self, parent=None):
        super().__init__(parent)
        self.setMinimumHeight(160)
        self.title = ""
        self.bars: list[tuple[str, float, str]] = []  # (label, value, shown text)
        self.highlight = ""

    def set_data(self, title: str, bars: list[tuple[str, float, str]], highlight: str = "") -> None:
        self.title, self.bars, self.highlight = title, bars, highlight
        self.update()

    def paintEvent(self, _event) -> None:  # noqa: N802 - Qt naming
        p = QPainter(self)
        p.setRenderHint(QPainter.Antialiasing)
        p.fillRect(self.rect(), QColor("#ffffff"))
        font = QFont(self.font())
        font.setBold(True)
        p.setFont(font)
        p.setPen(QColor("#333333"))
        p.drawText(QRectF(8, 4, self.width() - 16, 22), Qt.AlignLeft | Qt.AlignVCenter, self.title)
        p.setFont(self.font())
        if not self.bars:
            p.setPen(QColor("#888888"))
            p.drawText(self.rect(), Qt.AlignCenter, "没有可比较的数字（还没有导入乡镇数据包，或这一项没有数据）。")
            return
        top, left_label = 30, 130
        right_pad = 90
        rows = len(self.bars)
        row_h = max(14.0, min(28.0, (self.height() - top - 8) / rows))
        biggest = max((abs(v) for _, v, _ in self.bars), default=1) or 1
        span = max(10, self.width() - left_label - right_pad)
        for i, (label, value, text) in enumerate(self.bars):
            y = top + i * row_h
            p.setPen(QColor("#333333"))
            p.drawText(QRectF(4, y, left_label - 10, row_h), Qt.AlignRight | Qt.AlignVCenter, label)
            width = span * abs(value) / biggest
            color = BAR_HIGHLIGHT if label == self.highlight else BAR
            p.setPen(Qt.NoPen)
            p.setBrush(QBrush(color))
            p.drawRect(QRectF(left_label, y + row_h * 0.15, max(1.0, width), row_h * 0.7))
            p.setPen(QPen(QColor("#333333")))
            p.drawText(QRectF(left_label + width + 6, y, right_pad, row_h), Qt.AlignLeft | Qt.AlignVCenter, text)
        p.end()


class CountyView(QWidget):
    """The comparison tab: choose the period, read the table, chart one figure."""

    def __init__(self, ctx, parent=None):
        super().__init__(parent)
        self.ctx = ctx
        self.rows: list[dict] = []
        layout = QVBoxLayout(self)
        bar = QHBoxLayout()
        today = dt.date.today()
        self.date_from = QDateEdit(QDate(today.year, 1, 1))
        self.date_to = QDateEdit(QDate(today.year, today.month, today.day))
        for edit in (self.date_from, self.date_to):
            edit.setCalendarPopup(True)
            edit.setDisplayFormat("yyyy-MM-dd")
        self.year = QSpinBox()
        self.year.setRange(2000, 2100)
        self.year.setValue(today.year)
        self.period = QComboBox()
        for code, label in PERIOD_CHOICES:
            self.period.addItem(label, code)
        self.metric_choice = QComboBox()
        for m in county.METRICS:
            self.metric_choice.addItem(f"{m.group}：{m.label}", m.key)
        self.metric_choice.setCurrentIndex(next(i for i, m in enumerate(county.METRICS) if m.key == "on_time_rate"))
        self.metric_choice.currentIndexChanged.connect(self._draw_chart)
        refresh = QPushButton(self.tr("刷新"))
        refresh.clicked.connect(self.refresh)
        self.conflicts_button = QPushButton()
        self.conflicts_button.clicked.connect(self._open_conflicts)
        bar.addWidget(QLabel(self.tr("办件")))
        bar.addWidget(self.date_from)
        bar.addWidget(QLabel("—"))
        bar.addWidget(self.date_to)
        bar.addSpacing(12)
        bar.addWidget(QLabel(self.tr("考核")))
        bar.addWidget(self.year)
        bar.addWidget(self.period)
        bar.addSpacing(12)
        bar.addWidget(QLabel(self.tr("图示")))
        bar.addWidget(self.metric_choice, 1)
        bar.addWidget(refresh)
        bar.addWidget(self.conflicts_button)
        layout.addLayout(bar)
        splitter = QSplitter(Qt.Vertical)
        self.table = QTableWidget(0, 0)
        self.table.setEditTriggers(QAbstractItemView.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectRows)
        self.table.setAlternatingRowColors(True)
        self.table.verticalHeader().setVisible(False)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.Interactive)
        self.table.horizontalHeader().setDefaultSectionSize(96)
        splitter.addWidget(self.table)
        self.chart = BarChart()
        splitter.addWidget(self.chart)
        splitter.setSizes([320, 260])
        layout.addWidget(splitter, 1)
        self.status = QLabel()
        self.status.setStyleSheet("color: #666;")
        layout.addWidget(self.status)
        self._stale = True
        self._running = False
        ctx.data_changed.connect(self._data_changed)
        ctx.township_filter_changed.connect(lambda _code: self._draw_chart())
        self.status.setText(self.tr("打开本页时计算横向比较。"))

    def _data_changed(self, _area: str) -> None:
        self._stale = True
        if self.isVisible():
            self.refresh()

    def showEvent(self, event) -> None:  # noqa: N802 - Qt naming
        super().showEvent(event)
        if self._stale:
            self.refresh()

    # At county scale (20 townships, a million tickets) the comparison takes
    # seconds: it runs on a worker thread, and only when the page is shown.
    def refresh(self) -> None:
        """Recompute the comparison for the chosen period (in the background)."""
        from ui.common.action import run_query

        if self._running:
            return
        self._running = True
        self._stale = False
        d_from = self.date_from.date().toPython()
        d_to = self.date_to.date().toPython()
        year, period = self.year.value(), self.period.currentData()
        ctx = self.ctx
        self.status.setText(self.tr("正在计算横向比较…"))

        def work(db, _progress):
            return county.comparison(db, d_from, d_to, year, period)

        def done(rows):
            self._running = False
            self._show(rows)

        def failed(exc):
            from ui.common.worker import default_error

            self._running = False
            self.status.setText(self.tr("横向比较计算失败。"))
            default_error(self, exc)

        # A read (ui/common/action.run_query): its own read-only connection, off the GUI thread.
        run_query(self, ctx, work, label=self.tr("正在计算横向比较…"), on_done=done, on_error=failed, modal=False,
                  show_after_ms=1500, on_finished=lambda: setattr(self, "_running", False))

    def _show(self, rows: list[dict]) -> None:
        self.rows = rows
        self._fill_table()
        self._draw_chart()
        n = open_conflict_count(self.ctx.db)
        self.conflicts_button.setText(self.tr("处理冲突（%1）").replace("%1", str(n)))
        self.conflicts_button.setEnabled(n > 0)
        self.status.setText(f"共 {len(self.rows)} 个乡镇。“—”表示该乡镇还没有这一项数据。")

    def _fill_table(self) -> None:
        headers = ["乡镇", "最近数据包"] + [m.label for m in county.METRICS]
        self.table.setColumnCount(len(headers))
        self.table.setHorizontalHeaderLabels(headers)
        self.table.setRowCount(len(self.rows))
        for r, row in enumerate(self.rows):
            last = f"第 {row['last_sequence']} 号 {str(row['last_import'] or '')[:10]}" if row["last_sequence"] else "—"
            cells = [f"{row['name']}（{row['code']}）", last] + [county.format_value(m, row[m.key])
                                                                for m in county.METRICS]
            for c, text in enumerate(cells):
                item = QTableWidgetItem(text)
                if c >= 2:
                    item.setTextAlignment(Qt.AlignRight | Qt.AlignVCenter)
                self.table.setItem(r, c, item)
        self.table.setColumnWidth(0, 180)
        self.table.setColumnWidth(1, 150)

    def _draw_chart(self) -> None:
        key = self.metric_choice.currentData()
        metric = county.METRIC_BY_KEY[key]
        ranked = county.ranking(self.rows, key)
        bars = [(name, value, county.format_value(metric, value)) for name, value in ranked]
        highlight = next((r["name"] for r in self.rows if r["code"] == self.ctx.township_filter), "")
        order = "（高者在前）" if metric.higher_is_better is not False else "（低者在前）"
        self.chart.set_data(f"{metric.group}：{metric.label}{order}", bars, highlight)

    def _open_conflicts(self) -> None:
        from ui.handoff.conflicts import ConflictsDialog

        ConflictsDialog(self.ctx, self).exec()
        self.refresh()

    def import_package(self) -> None:
        """Shortcut to the 导入数据包 dialog."""
        from ui.handoff.dialogs import import_package_dialog

        import_package_dialog(self, self.ctx)

