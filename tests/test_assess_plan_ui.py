"""Issue 16, point 3 in the window: the plan form (新建方案 / 方案设置) carries
the plan's rule for indicators without data; the results page and the
per-person detail show the plan's own rule."""

from __future__ import annotations

import pytest
from PySide6.QtWidgets import QDialog, QMessageBox, QTableWidget

from models.assess import results as assess_results
from models.assess import scorecard as assess
from models.core import settings
from models.core.users import Actor
from tests.qt_helpers import wait_for_actions


@pytest.fixture
def tab(qtbot, db, admin, monkeypatch):
    monkeypatch.setattr(QMessageBox, "information", lambda *a, **k: None)
    errors: list = []
    monkeypatch.setattr(QMessageBox, "warning", lambda *a, **k: errors.append(a[2]))
    monkeypatch.setattr(QMessageBox, "critical", lambda *a, **k: errors.append(a[2]))
    from ui.assess.tab import AssessTab
    from ui.common.context import AppContext

    widget = AssessTab(AppContext(db, db.path, Actor("u", "assess", "用户")))
    qtbot.addWidget(widget)
    widget.show()
    qtbot.waitExposed(widget)
    widget.errors = errors
    return widget


def answer_plan_dialog(monkeypatch, **values):
    """The next PlanDialog is filled with `values` and accepted; the dialog is kept for a look."""
    from ui.assess.plan_dialog import PlanDialog

    seen = []

    def fill(dialog):
        seen.append({"rule": dialog.missing_rule.currentData(), "year_enabled": dialog.year.isEnabled(),
                     "name": dialog.name.text()})
        if "year" in values:
            dialog.year.setValue(values["year"])
        if "name" in values:
            dialog.name.setText(values["name"])
        if "rule" in values:
            dialog.missing_rule.setCurrentIndex(dialog.missing_rule.findData(values["rule"]))
        return QDialog.Accepted

    monkeypatch.setattr(PlanDialog, "exec", fill)
    return seen


def test_new_plan_form_starts_from_the_office_default_and_keeps_the_choice(qtbot, db, admin, tab, monkeypatch):
    settings.set_value(db, "assess.missing_rule", "manual", admin)
    seen = answer_plan_dialog(monkeypatch, year=2027, rule="default")
    tab.create_plan()
    wait_for_actions(qtbot)
    assert seen == [{"rule": "manual", "year_enabled": True, "name": ""}]  # the office default is offered
    plan = assess.plans(db)[0]
    assert (plan["year"], plan["name"], plan["missing_rule"]) == (2027, "2027年度干部考核方案", "default")
    assert tab.plan_box.currentData()["uuid"] == plan["uuid"]


def test_plan_settings_change_the_rule_and_the_results_follow(qtbot, db, admin, tab, monkeypatch):
    from ui.assess.pages import ResultDetailDialog
    from ui.common.context import AppContext

    plan = assess.create_plan(db, admin, 2026, "测试方案", standard=False)
    cat = assess.add_category(db, admin, plan, "干部", standard=False)
    work = assess.add_item(db, admin, cat, "工作", "normal", 900)
    assess.add_item(db, admin, cat, "群众满意率", "normal", 100, source="service.satisfaction")
    person = assess.add_subject(db, admin, cat, "甲")
    assess.set_score(db, admin, "Q1", person, work, 810)
    assess_results.recompute(db, plan)
    assert assess_results.result_of(db, plan, "Q1", person)["total"] == 900  # rescaled: 810 × 1000 / 900
    tab.reload_plans(keep=plan)
    assert tab.edit_plan.isEnabled()

    seen = answer_plan_dialog(monkeypatch, rule="zero")
    tab.edit_current_plan()
    wait_for_actions(qtbot)
    assert tab.errors == []
    assert seen == [{"rule": "rescale", "year_enabled": False, "name": "测试方案"}]
    assert assess.plans(db)[0]["missing_rule"] == "zero"
    # recomputed at once: 810 + 0, said in the row
    q1 = assess_results.result_of(db, plan, "Q1", person)
    assert q1["total"] == 810 and q1["missing"] == "无数据 1 项，计 0 分"

    tab.period_box.setCurrentIndex(tab.period_box.findData("Q1"))
    tab.pages.setCurrentWidget(tab.results_page)
    tab.results_page.refresh()
    assert "指标无数据（本方案设定） 计 0 分并注明" in tab.results_page.local_choices.text()
    dialog = ResultDetailDialog(AppContext(db, db.path, Actor("u", "assess", "用户")), plan, "Q1", person)
    qtbot.addWidget(dialog)
    from PySide6.QtWidgets import QTextBrowser

    notes = dialog.findChild(QTextBrowser).toPlainText()
    assert "无数据 1 项，计 0 分（本方案无数据时的做法：计 0 分并注明）" in notes, notes
    table = dialog.findChild(QTableWidget)
    row = next(r for r in range(table.rowCount()) if table.item(r, 0).text() == "群众满意率")
    assert table.item(row, table.columnCount() - 2).text() == "无数据"


def test_an_empty_name_is_refused_and_nothing_changes(qtbot, db, admin, tab, monkeypatch):
    plan = assess.create_plan(db, admin, 2026, "测试方案", standard=False)
    tab.reload_plans(keep=plan)
    answer_plan_dialog(monkeypatch, name="", rule="manual")
    tab.edit_current_plan()
    wait_for_actions(qtbot)
    assert tab.errors and "方案名称" in str(tab.errors[0])
    row = assess.plans(db)[0]
    assert (row["name"], row["missing_rule"]) == ("测试方案", "rescale")
