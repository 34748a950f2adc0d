"""The 考核 tab with pytest-qt: grid typing, Enter, paste (all or nothing),
Delete, ballots, recompute, and a read-only operator."""

import pytest
from PySide6.QtCore import QItemSelectionModel, Qt
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QLineEdit, QMessageBox, QTableWidget

from models.assess import scorecard as assess

from models.assess import results as assess_results
from models.core.users import Actor
from tests.qt_helpers import wait_for_actions


@pytest.fixture
def tab_for(qtbot, db, admin, monkeypatch):
    warnings = []
    monkeypatch.setattr(QMessageBox, "warning", lambda *a, **k: warnings.append(a[2]))
    monkeypatch.setattr(QMessageBox, "information", lambda *a, **k: None)
    plan = assess.create_plan(db, admin, 2026)
    cat = assess.categories(db, plan)[4]
    for name in ("张三", "李四", "王五"):
        assess.add_subject(db, admin, cat["uuid"], name)

    def make(role="assess"):
        from ui.common.context import AppContext
        from ui.assess.tab import AssessTab

        ctx = AppContext(db, db.path, Actor("u", role, "用户"))
        tab = AssessTab(ctx)
        qtbot.addWidget(tab)
        tab.category_box.setCurrentIndex(4)
        tab.period_box.setCurrentIndex(tab.period_box.findData("Q1"))
        tab.pages.setCurrentWidget(tab.score_page)
        tab.show()
        qtbot.waitExposed(tab)
        return tab

    make.warnings = warnings
    make.plan, make.cat = plan, cat
    return make


def column_of(model, name):
    return next(i + 1 for i, it in enumerate(model.items) if it["name"] == name)


def test_type_enter_moves_down_and_saves(qtbot, db, tab_for):
    tab = tab_for()
    view, model = tab.score_page.view, tab.score_page.model
    col = column_of(model, "政治素质")
    view.setCurrentIndex(model.index(0, col))
    view.setFocus()
    qtbot.keyClick(view, "4")  # typing starts editing, as in Excel
    assert view.state() == view.State.EditingState
    editor = view.viewport().findChild(QLineEdit)
    qtbot.keyClicks(editor, "5")
    assert editor.text() == "45"
    qtbot.keyClick(editor, Qt.Key_Return)
    qtbot.waitUntil(lambda: view.currentIndex().row() == 1)  # the delegate commits on a queued call
    wait_for_actions(qtbot)  # saved on a worker connection (ui/common/action.OpQueue)
    grid = assess.score_grid(db, tab_for.cat["uuid"], "Q1")
    assert grid["cells"][(model.subjects[0]["uuid"], model.items[col - 1]["uuid"])]["points"] == 45
    assert model.index(0, col).data() == "45"


def test_paste_block_from_excel_all_or_nothing(qtbot, db, tab_for):
    tab = tab_for()
    view, model = tab.score_page.view, tab.score_page.model
    col = column_of(model, "政治素质")  # followed by 职业道德 (50)
    view.setCurrentIndex(model.index(0, col))
    assert view.paste_text("45\t48\r\n40\t44\r\n")
    wait_for_actions(qtbot)
    cells = assess.score_grid(db, tab_for.cat["uuid"], "Q1")["cells"]
    assert len(cells) == 4
    view.setCurrentIndex(model.index(0, col))
    QGuiApplication.clipboard().setText("30\t30\n60\t30\n")
    qtbot.keyClick(view, Qt.Key_V, Qt.ControlModifier)
    assert tab_for.warnings and "第 2 行（李四）" in tab_for.warnings[-1] and "超过该项满分 50" in tab_for.warnings[-1]
    cells = assess.score_grid(db, tab_for.cat["uuid"], "Q1")["cells"]
    assert cells[(model.subjects[0]["uuid"], model.items[col - 1]["uuid"])]["points"] == 45  # unchanged


def test_delete_clears_and_copy(qtbot, db, tab_for):
    tab = tab_for()
    view, model = tab.score_page.view, tab.score_page.model
    col = column_of(model, "政治素质")
    view.setCurrentIndex(model.index(0, col))
    view.paste_text("45\t48")
    wait_for_actions(qtbot)
    view.selectionModel().select(model.index(0, col), QItemSelectionModel.SelectionFlag.ClearAndSelect)
    assert view.selection_text() == "45"
    qtbot.keyClick(view, Qt.Key_Delete)
    wait_for_actions(qtbot)
    cells = assess.score_grid(db, tab_for.cat["uuid"], "Q1")["cells"]
    assert len(cells) == 1


def test_ballot_entry_refuses_too_many(qtbot, db, tab_for):
    tab = tab_for()
    tab.pages.setCurrentWidget(tab.ballot_page)
    model = tab.ballot_page.model
    # Typed quickly one after another: saved in that order, each on a worker connection.
    assert model.setData(model.index(0, 11), "10")  # 群众代表 参评
    assert model.setData(model.index(0, 12), "7")  # 优秀
    model.setData(model.index(0, 13), "5")  # 称职: 7 + 5 > 10
    wait_for_actions(qtbot)
    assert "超过参评人数" in tab_for.warnings[-1]
    assert model.index(0, model.columnCount() - 1).data() == "70.0"


def test_results_page_recompute_and_chart(qtbot, db, admin, tab_for):
    items = {it["name"]: it for it in assess.leaf_items(db, tab_for.cat["uuid"])}
    people = assess.subjects(db, tab_for.cat["uuid"])
    assess.set_scores(db, admin, "Q1", [(people[0]["uuid"], items["目标任务完成"]["uuid"], 200, ""),
                                        (people[1]["uuid"], items["安全生产"]["uuid"], "是", "")])
    tab = tab_for()
    tab.pages.setCurrentWidget(tab.results_page)
    tab.results_page.recompute()
    wait_for_actions(qtbot)
    rows = tab.results_page.model.rows
    assert [r["person_name"] for r in rows][0] == "张三"
    assert any("一票否决" in r["note"] for r in rows)
    # 张三: 200 of the 250 points that have data, rescaled to 800 → 称职; 李四: vetoed → 不称职;
    # 王五: nothing entered → 待定 (not 0 points and 不称职)
    counts = tab.results_page.chart.counts
    assert (counts["称职"], counts["不称职"], counts["待定"]) == (1, 1, 1)
    assert "本地设定" in tab.results_page.local_choices.text()
    tab.results_page.chart.grab()  # paints without error


def test_window_staff_sees_read_only(qtbot, db, tab_for):
    tab = tab_for("window")
    model = tab.score_page.model
    col = column_of(model, "政治素质")
    assert not (model.flags(model.index(0, col)) & Qt.ItemIsEditable)
    assert not tab.new_plan.isEnabled()
    assert not tab.score_page.view.paste_text("10")
    assert assess.score_grid(db, tab_for.cat["uuid"], "Q1")["cells"] == {}


def test_plan_page_shows_sum_problem(qtbot, db, admin, tab_for):
    group = next(i for i in assess.items(db, tab_for.cat["uuid"]) if i["name"] == "德")
    assess.add_item(db, admin, tab_for.cat["uuid"], "新增", "normal", 5, parent_uuid=group["uuid"])
    tab = tab_for()
    tab.pages.setCurrentWidget(tab.plan_page)
    assert "“德”下级指标合计 105 分" in tab.plan_page.status.text()
    assert assess_results.recompute(db)["count"] == 0


def test_result_detail_dialog(qtbot, db, admin, tab_for):
    from ui.assess.pages import ResultDetailDialog

    items = {it["name"]: it for it in assess.leaf_items(db, tab_for.cat["uuid"])}
    people = assess.subjects(db, tab_for.cat["uuid"])
    assess.set_score(db, admin, "Q1", people[0]["uuid"], items["目标任务完成"]["uuid"], 200, "完成招商任务")
    assess_results.recompute(db)
    dialog = ResultDetailDialog(tab_for_ctx(db), tab_for.plan, "Y", people[0]["uuid"])
    qtbot.addWidget(dialog)
    table = dialog.findChild(QTableWidget)
    assert table.columnCount() == 3 + 5 + 2  # the year's own entries, its quarters, the year value and how
    row = next(r for r in range(table.rowCount()) if table.item(r, 0).text() == "目标任务完成")
    assert table.item(row, 4).text() == "200"
    assert "完成招商任务" in table.item(row, 4).toolTip()
    assert table.item(row, 8).text() == "200" and table.item(row, 9).text() == "季度平均（一季 200）= 200"


def tab_for_ctx(db):
    from ui.common.context import AppContext

    return AppContext(db, db.path, Actor("u", "assess", "用户"))


def test_rewards_page_shows_seed_001_rewards_and_saves_the_prize(qtbot, db, admin, tab_for):
    from models.assess import rewards

    items = {it["name"]: it for it in assess.leaf_items(db, tab_for.cat["uuid"])}
    people = assess.subjects(db, tab_for.cat["uuid"])
    assess.update_item(db, admin, items["目标任务完成"]["uuid"], "目标任务完成", "normal", 250, year_rule="period")
    assess.set_score(db, admin, "Y", people[0]["uuid"], items["目标任务完成"]["uuid"], 250)
    assess_results.recompute(db)
    tab = tab_for()
    tab.period_box.setCurrentIndex(tab.period_box.findData("Y"))
    tab.pages.setCurrentWidget(tab.rewards_page)
    page = tab.rewards_page
    page.prize.setCurrentIndex(page.prize.findData("一等奖"))
    page.set_prize()
    wait_for_actions(qtbot)
    assert assess.plans(db)[0]["township_prize"] == "一等奖"
    assert "每人奖励 4000 元" in page.rules.text()
    names = [page.honour_table.item(r, 1).text() for r in range(page.honour_table.rowCount())]
    assert sorted(names) == ["张三", "李四", "王五"]
    assert all(page.honour_table.item(r, 3).text() == "4000" for r in range(page.honour_table.rowCount()))
    assert rewards.honours(db, tab_for.plan)[0]["prize_amount"] == 4000


def test_tie_dialog_records_the_decision(qtbot, db, admin, tab_for, monkeypatch):
    """Two people with all their (one) item full are both rescaled to 1000, tied for the one place."""
    from PySide6.QtWidgets import QDialog

    from ui.assess import pages

    items = {it["name"]: it for it in assess.leaf_items(db, tab_for.cat["uuid"])}
    people = assess.subjects(db, tab_for.cat["uuid"])
    assess.update_item(db, admin, items["目标任务完成"]["uuid"], "目标任务完成", "normal", 250, year_rule="period")
    for p in people[:2]:  # two tied at 1000 (rescaled) for 3 × 20 % = 1 place
        assess.set_score(db, admin, "Y", p["uuid"], items["目标任务完成"]["uuid"], 250)
    tab = tab_for()
    tab.period_box.setCurrentIndex(tab.period_box.findData("Y"))
    tab.pages.setCurrentWidget(tab.results_page)
    tab.results_page.recompute()
    wait_for_actions(qtbot)

    def choose_first(dialog):
        dialog.people.item(0).setCheckState(Qt.Checked)
        dialog.reason.setText("委员会表决")
        return QDialog.Accepted

    monkeypatch.setattr(pages.TieBreakDialog, "exec", choose_first)
    tab.results_page.decide_ties()
    wait_for_actions(qtbot)
    grades = {r["person_name"]: r["grade"] for r in assess_results.results(db, tab_for.plan, "Y")}
    assert grades["张三"] == "优秀" and grades["李四"] == "称职"


def test_item_dialog_sets_year_rule_and_default(qtbot, db, admin, tab_for):
    from ui.assess.pages import ItemDialog

    dialog = ItemDialog()
    qtbot.addWidget(dialog)
    dialog.name.setText("年终述职")
    dialog.year_rule.setCurrentIndex(dialog.year_rule.findData("period"))
    dialog.default_points.setText("8")
    v = dialog.values()
    key = assess.add_item(db, admin, tab_for.cat["uuid"], v["name"], v["kind"], v["max_points"], None, v["standard"],
                          v["source"], v["year_rule"], v["default_points"])
    row = next(i for i in assess.items(db, tab_for.cat["uuid"]) if i["uuid"] == key)
    assert (row["year_rule"], row["default_points"]) == ("period", 8)


def test_county_balance_dialog_tries_and_keeps_a_curve(qtbot, db, admin, tab_for):
    from models.core import settings, township
    from ui.assess.pages import CountyBalanceDialog

    village = township.add_village(db, admin, "甲村", 90)
    cat = assess.add_category(db, admin, tab_for.plan, "村干部", standard=False)
    item = assess.add_item(db, admin, cat, "年终综合", "normal", 1000, year_rule="period")
    subject = assess.add_subject(db, admin, cat, "赵书记", kind="village_cadre", village_uuid=village,
                                 role="secretary")
    assess.set_score(db, admin, "Y", subject, item, 900)
    assess_results.recompute(db)
    from ui.common.context import AppContext

    dialog = CountyBalanceDialog(AppContext(db, db.path, admin), 2026)
    qtbot.addWidget(dialog)
    assert dialog.table.rowCount() == 1 and dialog.table.item(0, 5).text() == "1050"  # 900 on 600:0,800:700,1000:1400
    dialog.curve.setText("600:0,1000:1000")
    dialog.reload()
    assert dialog.table.item(0, 5).text() == "750"
    dialog.save_curve()
    wait_for_actions(qtbot)
    assert settings.get(db, "assess.county_reward_curve") == "600:0,1000:1000"


def test_score_sheet_exported_filled_in_excel_and_imported_from_the_window(qtbot, db, admin, tab_for, tmp_path,
                                                                           monkeypatch):
    """导出得分表… writes the category's sheet for the period (blank before any
    score); filled in and 导入得分表… saves it on a worker and the grid shows it;
    a window clerk may export but not import."""
    import openpyxl
    from PySide6.QtWidgets import QFileDialog

    shown = []
    monkeypatch.setattr(QMessageBox, "information", lambda *a, **k: shown.append(a[2]))
    tab = tab_for()
    page = tab.score_page
    sheet = tmp_path / "得分表.xlsx"
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a, **k: (str(sheet), ""))
    assert page.export_sheet.isEnabled() and page.import_sheet.isEnabled()
    page.export_sheet.click()
    wait_for_actions(qtbot)
    assert "已导出 3 人的得分" in shown[-1]
    wb = openpyxl.load_workbook(sheet)
    ws = wb["得分"]
    header = [c.value for c in ws[2]]
    assert [ws.cell(r, 2).value for r in (3, 4, 5)] == ["张三", "李四", "王五"]
    ws.cell(4, header.index("政治素质") + 1).value = "42"  # typed as text, as offices do
    wb.save(sheet)
    monkeypatch.setattr(QFileDialog, "getOpenFileName", lambda *a, **k: (str(sheet), ""))
    page.import_sheet.click()
    wait_for_actions(qtbot)
    assert "其中 1 项有改动" in shown[-1], tab_for.warnings
    col = column_of(page.model, "政治素质")
    assert page.model.index(1, col).data() == "42"
    li = next(s for s in assess.subjects(db, tab_for.cat["uuid"]) if s["person_name"] == "李四")
    cells = assess.score_grid(db, tab_for.cat["uuid"], "Q1")["cells"]
    assert [(k, v["points"]) for k, v in cells.items()] == [((li["uuid"], page.model.items[col - 1]["uuid"]), 42)]

    clerk = tab_for("window")
    assert clerk.score_page.export_sheet.isEnabled() and not clerk.score_page.import_sheet.isEnabled()


def test_the_file_menu_offers_the_score_sheet_of_the_chosen_category(qtbot, demo_db, tmp_path, monkeypatch):
    """文件 → 下载导入模板 → 考核得分表… opens 考核 → 评分 and exports the chosen
    category's sheet (its columns are that category's indicators)."""
    from PySide6.QtWidgets import QFileDialog

    from models.core import users, xlsx_read
    from ui.common.context import AppContext
    from ui.main_window import MainWindow

    shown = []
    monkeypatch.setattr(QMessageBox, "information", lambda *a, **k: shown.append(a[2]))
    sheet = tmp_path / "模板.xlsx"
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a, **k: (str(sheet), ""))
    window = MainWindow(AppContext(demo_db, tmp_path / "demo.db", users.Actor("admin", users.ADMIN, "管理员")))
    qtbot.addWidget(window)
    window.show()
    window.findChild(type(window.menuBar().actions()[0]), "act_template_scores").trigger()
    wait_for_actions(qtbot)
    assert window.tabs.tabText(window.tabs.currentIndex()) == "考核"
    tab = window.tab_content("考核")
    assert tab.pages.currentWidget() is tab.score_page
    assert "已导出" in shown[-1], shown
    header = dict(xlsx_read.iter_rows(sheet))[2]
    assert header[:2] == ["序号", "姓名"] and [it["name"] for it in tab.score_page.model.items
                                                 if it["source"] != "ballot"] == header[3:]
    window.close_without_saving_state()
