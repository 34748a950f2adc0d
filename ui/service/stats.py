"""Ticket statistics with bar charts drawn by QPainter (no QtCharts)."""

from __future__ import annotations

import datetime as dt

from PySide6.QtCore import QDate, QRectF, Qt
from PySide6.QtGui import QColor, QFontMetrics, QPainter
from PySide6.QtWidgets import (
    QDateEdit, QGridLayout, QGroupBox, QHBoxLayout, QLabel, QPushButton, QScrollArea, QVBoxLayout, QWidget,
)

from models.service import tickets
from models.core.errors import ValidationError
from ui.common.rights import reads_only
from ui.common.action import run_query
from ui.common.worker import default_error


class BarChart(QWidget):
    """Horizontal bars with labels and values: [(label, value)]."""

    def __init__(self, title: str, colour: str = "#3b78c2", parent=None):
        super().__init__(parent)
        self.title = title
        self.colour = QColor(colour)
        self.data: list[tuple[str, float]] = []
        self.setMinimumHeight(160)

    def set_data(self, data) -> None:
        self.data = list(data)
        fm = QFontMetrics(self.font())
        self.setMinimumHeight(max(160, 36 + len(self.data) * (fm.height() + 6)))
        self.update()

    def paintEvent(self, event):  # noqa: N802 - Qt name
        p = QPainter(self)
        p.setRenderHint(QPainter.Antialiasing)
        p.fillRect(self.rect(), QColor("white"))
        fm = QFontMetrics(self.font())
        p.setPen(QColor("#222"))
        title_font = self.font()
        title_font.setBold(True)
        p.setFont(title_font)
        p.drawText(8, fm.ascent() + 6, self.title)
        p.setFont(self.font())
        if not self.data:
            p.setPen(QColor("#888"))
            p.drawText(self.rect(), Qt.AlignCenter, "无数据")
            return
        top = fm.height() + 14
        row_h = fm.height() + 6
        label_w = min(max(fm.horizontalAdvance(str(k)) for k, _ in self.data) + 12, self.width() // 3)
        value_w = max(fm.horizontalAdvance(f"{v:g}") for _, v in self.data) + 12
        bar_w = max(10, self.width() - label_w - value_w - 16)
        top_value = max(v for _, v in self.data) or 1
        for i, (label, value) in enumerate(self.data):
            y = top + i * row_h
            p.setPen(QColor("#333"))
            p.drawText(QRectF(4, y, label_w - 8, row_h), Qt.AlignRight | Qt.AlignVCenter,
                       fm.elidedText(str(label), Qt.ElideRight, label_w - 8))
            w = bar_w * value / top_value
            p.fillRect(QRectF(label_w, y + 3, max(1.0, w), row_h - 6), self.colour)
            p.drawText(QRectF(label_w + w + 4, y, value_w, row_h), Qt.AlignLeft | Qt.AlignVCenter, f"{value:g}")
        p.end()


class StatsPage(QWidget):
    """Volume by month, department, channel and village; on-time rate, average
    working days and satisfaction rate for a date range."""

    def __init__(self, ctx, parent=None):
        super().__init__(parent)
        self.ctx = ctx
        layout = QVBoxLayout(self)
        bar = QHBoxLayout()
        today = QDate.currentDate()
        self.date_from = QDateEdit(QDate(today.year(), 1, 1))
        self.date_to = QDateEdit(today)
        for d in (self.date_from, self.date_to):
            d.setCalendarPopup(True)
            d.setDisplayFormat("yyyy-MM-dd")
        self.refresh_button = QPushButton(self.tr("统计"))
        reads_only(self.refresh_button)
        bar.addWidget(QLabel(self.tr("日期范围")))
        bar.addWidget(self.date_from)
        bar.addWidget(QLabel("—"))
        bar.addWidget(self.date_to)
        bar.addWidget(self.refresh_button)
        bar.addStretch(1)
        layout.addLayout(bar)

        kpis = QHBoxLayout()
        self.kpi = {}
        for key, label in (("total", "受理"), ("finished", "办结"), ("on_time_rate", "按时办结率"),
                           ("avg_work_days", "平均办理（工作日）"), ("satisfaction_rate", "满意率")):
            box = QGroupBox(self.tr(label))
            bl = QVBoxLayout(box)
            value = QLabel("—")
            value.setStyleSheet("font-size: 22px; font-weight: bold; color: #1f4e8c;")
            value.setAlignment(Qt.AlignCenter)
            bl.addWidget(value)
            self.kpi[key] = value
            kpis.addWidget(box)
        layout.addLayout(kpis)

        grid_host = QWidget()
        grid = QGridLayout(grid_host)
        self.charts = {
            "by_month": BarChart(self.tr("按月受理量"), "#3b78c2"),
            "by_department": BarChart(self.tr("按部门"), "#2e8b57"),
            "by_channel": BarChart(self.tr("按受理渠道"), "#c27c3b"),
            "by_village": BarChart(self.tr("按村（前 30）"), "#7a5bb5"),
            "by_kind": BarChart(self.tr("按办件类型"), "#3b9bc2"),
            "by_rating": BarChart(self.tr("好差评"), "#c23b5b"),
        }
        for i, chart in enumerate(self.charts.values()):
            grid.addWidget(chart, i // 2, i % 2)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setWidget(grid_host)
        layout.addWidget(scroll, 1)
        self.note = QLabel()
        self.note.setStyleSheet("color: #666;")
        layout.addWidget(self.note)
        self.refresh_button.clicked.connect(self.refresh)

    def refresh(self) -> None:
        """Recompute on a worker thread with its own connection (monthly
        summaries make a county's year tens of milliseconds, but the window
        never waits for the database)."""
        date_from = self.date_from.date().toString("yyyy-MM-dd")
        date_to = self.date_to.date().toString("yyyy-MM-dd")
        township = self.ctx.township_filter or None
        self.refresh_button.setEnabled(False)
        self.note.setText(self.tr("正在统计…"))

        def compute(db, _progress):
            return tickets.statistics(db, date_from, date_to, township)

        def failed(exc) -> None:
            self.refresh_button.setEnabled(True)
            if isinstance(exc, ValidationError):
                self.note.setText(exc.message)
                return
            self.note.setText("")
            default_error(self, exc)

        # A read (ui/common/action.run_query): its own read-only connection, off the GUI thread.
        self.running = run_query(self, self.ctx, compute, label=self.tr("正在统计…"), on_done=self._show,
                                 on_error=failed, modal=False, show_after_ms=800,
                                 on_finished=lambda: self.refresh_button.setEnabled(True))

    def _show(self, s: dict) -> None:
        self.refresh_button.setEnabled(True)
        self.kpi["total"].setText(f"{s['total']:,}")
        self.kpi["finished"].setText(f"{s['finished']:,}")
        self.kpi["on_time_rate"].setText(f"{s['on_time_rate']:.1%}" if s["finished"] else "—")
        self.kpi["avg_work_days"].setText(f"{s['avg_work_days']:.1f}" if s["avg_work_days"] is not None else "—")
        self.kpi["satisfaction_rate"].setText(f"{s['satisfaction_rate']:.1%}" if s["rated"] else "—")
        for key, chart in self.charts.items():
            data = s[key]
            chart.set_data(list(data.items()) if isinstance(data, dict) else data)
        self.note.setText(self.tr("受理量按受理日期统计；按时办结率、平均办理工作日和满意率按办结日期统计。"
                                  "满意率 =（非常满意 + 满意 + 基本满意）÷ 已评价件数。") +
                          f"　（{dt.datetime.now():%H:%M} 更新）")
