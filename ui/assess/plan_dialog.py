"""The plan form of the 考核 tab: year and name of a new plan, and the plan's
own rule for indicators without data (issue 16, point 3). Editing an
existing plan changes its name and rule; a changed rule recomputes the plan."""

from __future__ import annotations

import datetime as dt

from PySide6.QtWidgets import QComboBox, QDialog, QDialogButtonBox, QFormLayout, QLabel, QLineEdit, QSpinBox

from models.assess import scorecard as assess
from models.core import settings


class PlanDialog(QDialog):
    """New plan (plan=None: year, name, rule starting from the office default) or 方案设置 of one plan."""

    def __init__(self, ctx, plan: dict | None = None, parent=None):
        super().__init__(parent)
        self.plan = plan
        self.setWindowTitle("方案设置" if plan else "新建考核方案")
        self.setMinimumWidth(460)  # a plan's full name fits (“青石镇2026年度干部综合考核方案”)
        form = QFormLayout(self)
        self.year = QSpinBox()
        self.year.setRange(2000, 2100)
        self.year.setValue(plan["year"] if plan else dt.date.today().year)
        self.year.setEnabled(plan is None)  # a plan's year is fixed: copy the plan to another year instead
        self.name = QLineEdit(plan["name"] if plan else "")
        self.name.setPlaceholderText("空 = “某年度干部考核方案”")
        self.missing_rule = QComboBox()
        for code, label in assess.MISSING_RULES.items():
            self.missing_rule.addItem(label, code)
        current = plan["missing_rule"] if plan else settings.get(ctx.db, "assess.missing_rule")
        self.missing_rule.setCurrentIndex(max(0, self.missing_rule.findData(current)))
        self.missing_rule.setToolTip("某项指标没有数据（如无人评价、无办件）时怎样计分；只管本方案。"
                                     "新建方案默认取 设置 → 参数 中的做法。")
        form.addRow("年度", self.year)
        form.addRow("方案名称", self.name)
        form.addRow("指标无数据时", self.missing_rule)
        if plan is None:
            hint = QLabel("将带出六类考核对象和德能勤绩廉千分制指标。")
        else:
            hint = QLabel("改变无数据时的做法后，本方案的考核结果立即按新做法重新计算。")
        hint.setWordWrap(True)
        form.addRow(hint)
        buttons = QDialogButtonBox(QDialogButtonBox.Ok | QDialogButtonBox.Cancel)
        buttons.button(QDialogButtonBox.Ok).setText("确定")
        buttons.button(QDialogButtonBox.Cancel).setText("取消")
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        form.addRow(buttons)

    def values(self) -> dict:
        return {"year": self.year.value(), "name": self.name.text().strip(),
                "missing_rule": self.missing_rule.currentData()}
