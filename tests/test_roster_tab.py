"""The 领导班子 tab driven as a clerk would (pytest-qt, offscreen)."""

import datetime as dt
import shutil

import pytest
from PySide6.QtCore import QDate, Qt

from models.roster import team as roster
from models.core.users import ADMIN, READONLY, Actor
from tests.qt_helpers import wait_for_actions
from tests.roster_fixtures import roster_db_template


@pytest.fixture(scope="session")
def template(tmp_path_factory):
    return roster_db_template(tmp_path_factory)


@pytest.fixture
def make_tab(template, tmp_path, qtbot):
    from models.core.db import close_database, open_database
    from ui.common.context import AppContext
    from ui.roster.tab import RosterTab

    opened = []

    def make(role=ADMIN):
        path = tmp_path / "tab.db"
        if not path.exists():
            shutil.copy(template, path)
        db = open_database(path, daily_backup=False)
        opened.append(db)
        ctx = AppContext(db, path, Actor("admin", role, "管理员"))
        tab = RosterTab(ctx)
        qtbot.addWidget(tab)
        tab.resize(1200, 700)
        return tab

    yield make
    for db in opened:
        close_database(db)


def test_search_as_you_type_by_initials(make_tab, qtbot):
    tab = make_tab()
    page = tab.list_page
    someone = page.model.rows[5]
    initials = roster.get_cadre(tab.ctx.db, someone["uuid"])["name_initials"]
    page.search.setText(initials)
    qtbot.waitUntil(lambda: page.model.text == initials, timeout=2000)
    assert someone["name"] in [r["name"] for r in page.model.rows]
    assert page.count.text() == f"共 {page.model.total} 人"


def test_edit_cadre_shows_field_error_and_saves(make_tab, qtbot):
    tab = make_tab()
    page = tab.list_page
    page.view.selectRow(0)
    editor = page.editor
    uuid = editor.cadre_uuid
    editor.widgets["phone"].setText("12345")
    editor.save()
    wait_for_actions(qtbot)
    assert editor.error.text().startswith("电话：")
    assert "b00020" in editor.widgets["phone"].styleSheet()
    editor.widgets["phone"].setText("13900001111")
    editor.widgets["note"].setPlainText("测试备注")
    editor.save()
    wait_for_actions(qtbot)
    assert editor.error.text() == ""
    c = roster.get_cadre(tab.ctx.db, uuid)
    assert (c["phone"], c["note"]) == ("13900001111", "测试备注")
    assert c["id_number"] and "*" not in c["id_number"]  # the masked ID was not written back


def test_new_cadre_from_the_form(make_tab, qtbot):
    tab = make_tab()
    editor = tab.list_page.editor
    editor.load(None)
    editor.widgets["name"].setText("新同志")
    editor.widgets["birth_date"].setText("1995-07")
    editor.save()
    wait_for_actions(qtbot)
    assert editor.cadre_uuid and roster.get_cadre(tab.ctx.db, editor.cadre_uuid)["birth_date"] == "1995-07"
    assert "新同志" in [r["name"] for r in tab.list_page.model.rows]


def test_team_page_shows_cross_appointments_and_warning(make_tab):
    tab = make_tab()
    tab.pages.setCurrentWidget(tab.team_page)
    table = tab.team_page.table
    assert table.rowCount() == 11
    assert "一肩挑" in table.item(0, 0).text()
    assert table.item(0, 3).text() == "党委书记" and table.item(0, 4).text() == "镇长"
    assert tab.team_page.warnings.count() == 1 and "《党政交叉任职调研报告》" in tab.team_page.warnings.item(0).text()


def test_whereabouts_set_in_a_few_clicks(make_tab, qtbot):
    tab = make_tab()
    page = tab.whereabouts_page
    tab.pages.setCurrentWidget(page)
    page.date.setDate(QDate(2030, 1, 7))
    assert page.table.item(0, 2).text() == "未填"
    page.table.selectRow(0)
    page.place.setText("青石村")
    qtbot.mouseClick(page.findChild(type(page.unset_all), "status_下村"), Qt.LeftButton)
    wait_for_actions(qtbot)
    assert page.table.item(0, 2).text() == "下村" and page.table.item(0, 3).text() == "青石村"
    qtbot.mouseClick(page.unset_all, Qt.LeftButton)
    wait_for_actions(qtbot)
    statuses = [page.table.item(r, 2).text() for r in range(page.table.rowCount())]
    assert statuses[0] == "下村" and set(statuses[1:]) == {"在岗"}


def test_duty_matrix_click_cycles(make_tab, qtbot):
    tab = make_tab()
    page = tab.duties_page
    tab.pages.setCurrentWidget(page)
    col = next(c for c in range(page.matrix.columnCount()) if page.matrix.item(0, c).text() == "")
    page.cycle_cell(0, col)
    wait_for_actions(qtbot)
    assert page.matrix.item(0, col).text() == "分管"
    tab.pages.setCurrentWidget(tab.rules_page)
    assert any("分工重叠" in tab.rules_page.table.item(r, 1).text() for r in range(tab.rules_page.table.rowCount()))


def test_read_only_user_cannot_write(make_tab):
    tab = make_tab(READONLY)
    assert not tab.list_page.new_btn.isEnabled()
    assert not tab.list_page.editor.save_btn.isEnabled()
    tab.pages.setCurrentWidget(tab.whereabouts_page)
    assert not tab.whereabouts_page.unset_all.isEnabled()


def test_stats_page_and_pyramid(make_tab):
    tab = make_tab()
    tab.pages.setCurrentWidget(tab.stats_page)
    assert sum(r["male"] + r["female"] for r in tab.stats_page.pyramid.rows) == 58
    assert not tab.stats_page.pyramid.grab().isNull()


def test_village_liaison_dialog_adds_and_removes(make_tab, qtbot):
    from ui.roster.dialogs import LiaisonDialog

    tab = make_tab()
    page = tab.duties_page
    tab.pages.setCurrentWidget(page)
    village = page._coverage[0]
    before = len(village["liaisons"])
    dialog = LiaisonDialog(tab.ctx, village, page)
    dialog.cadre.setCurrentIndex(dialog.cadre.count() - 1)
    dialog.add()
    wait_for_actions(qtbot)
    assert dialog.changed and dialog.error.text() == ""
    after = roster.village_coverage(tab.ctx.db)[0]
    assert len(after["liaisons"]) == before + 1
    dialog = LiaisonDialog(tab.ctx, after, page)
    for _ in range(len(after["liaisons"])):
        dialog.current.setCurrentRow(0)
        dialog.remove()
        wait_for_actions(qtbot)
    dialog.official_name.setText("周村长")
    dialog.official_roles.setText("书记，主任")
    dialog.add_official()
    wait_for_actions(qtbot)
    assert dialog.error.text() == "已添加。"
    assert roster.village_coverage(tab.ctx.db)[0]["liaisons"] == []
    from models.roster import rules as roster_rules
    assert any(f["code"] == "villages" for f in roster_rules.check(tab.ctx.db))


def test_posts_page_adds_post_and_keeps_description(make_tab, qtbot):
    tab = make_tab()
    page = tab.posts_page
    tab.pages.setCurrentWidget(page)
    n = page.table.rowCount()
    page.title.setText("组织委员")
    page.role.setCurrentIndex(page.role.findData("committee"))
    page.add_post()
    wait_for_actions(qtbot)
    assert page.table.rowCount() == n + 1
    n = next(r for r in range(page.table.rowCount()) if page.table.item(r, 1).text() == "组织委员")
    page.table.selectRow(n)
    page.description.setPlainText("负责组织人事工作。")
    page.save_description()
    wait_for_actions(qtbot)
    post = next(p for p in roster.posts(tab.ctx.db) if p["title"] == "组织委员")
    assert post["description"] == "负责组织人事工作。" and page.table.item(n, 4).text() == "（空缺）"


def test_editor_adds_contact_point(make_tab, qtbot):
    tab = make_tab()
    tab.list_page.view.selectRow(0)
    editor = tab.list_page.editor
    editor.contact_name.setText("青石小学")
    editor.contact_kind.setCurrentText("学校")
    editor.add_contact()
    wait_for_actions(qtbot)
    assert "学校：青石小学" in [editor.contacts.item(i).text() for i in range(editor.contacts.count())]
    editor.contact_name.setText("")
    editor.add_contact()
    wait_for_actions(qtbot)
    assert editor.error.text().startswith("联系点名称")


def test_editor_photo_is_saved(make_tab, tmp_path, qtbot):
    from PySide6.QtGui import QColor, QImage

    image = QImage(30, 40, QImage.Format_RGB32)
    image.fill(QColor("#4a78c2"))
    path = tmp_path / "p.png"
    image.save(str(path))
    tab = make_tab()
    tab.list_page.view.selectRow(0)
    editor = tab.list_page.editor
    editor.set_photo_file(path)
    editor.save()
    wait_for_actions(qtbot)
    assert roster.get_cadre(tab.ctx.db, editor.cadre_uuid)["photo"] == path.read_bytes()
    bad = tmp_path / "x.png"
    bad.write_bytes(b"not an image")
    editor.set_photo_file(bad)
    assert editor.error.text().startswith("照片")


def test_whereabouts_history_of_a_cadre(make_tab, qtbot):
    tab = make_tab()
    page = tab.whereabouts_page
    tab.pages.setCurrentWidget(page)
    page.date.setDate(QDate(2030, 1, 8))
    page.table.selectRow(0)
    page.apply("出差")
    wait_for_actions(qtbot)
    text = page.history_text(0)
    assert text.startswith(page._rows[0]["name"]) and "2030-01-08  出差" in text


def test_overloaded_staff_duty_can_be_removed_from_the_matrix(make_tab, qtbot):
    from models.roster import rules as roster_rules

    tab = make_tab()
    page = tab.duties_page
    tab.pages.setCurrentWidget(page)
    overloaded = next(f for f in roster_rules.check(tab.ctx.db) if f["code"] == "overload")
    name = overloaded["message"].split("有")[0]
    row = next(r for r in range(len(page._areas)) if name in [a["name"] for a in page.staff_assignments(r)])
    assert name in page.matrix.item(row, page.matrix.columnCount() - 1).text()
    page.remove_staff_duty(row, name)
    wait_for_actions(qtbot)
    assert roster_rules.check(tab.ctx.db) == []


# ---- issue 18: family members, the 任免审批表, leave, rule presets, the duties print check ----

def test_family_dialog_edits_the_members_printed_on_the_form(make_tab, qtbot):
    from ui.roster.dialogs import FamilyDialog

    tab = make_tab()
    cadre = roster.current_team(tab.ctx.db)[0]
    dialog = FamilyDialog(tab.ctx, cadre["uuid"])
    qtbot.addWidget(dialog)
    before = dialog.table.rowCount()
    dialog._add_row({})
    r = dialog.table.rowCount() - 1
    for c, text in enumerate(["女儿", "杨小雨", "2012.03", "共青团员", "镇初级中学学生"]):
        dialog.table.item(r, c).setText(text)
    dialog.save()
    wait_for_actions(qtbot)
    assert dialog.changed
    family = roster.get_cadre(tab.ctx.db, cadre["uuid"])["family"]
    assert len(family) == before + 1 and family[-1]["name"] == "杨小雨"
    assert roster.appointment_form(tab.ctx.db, cadre["uuid"])["family"][-1]["relation"] == "女儿"
    # a row without a name is refused, nothing saved
    dialog = FamilyDialog(tab.ctx, cadre["uuid"])
    qtbot.addWidget(dialog)
    dialog._add_row({"relation": "儿子"})
    dialog.save()
    wait_for_actions(qtbot)
    assert "姓名不能为空" in dialog.error.text()
    assert len(roster.get_cadre(tab.ctx.db, cadre["uuid"])["family"]) == before + 1


def test_form_button_previews_the_appointment_form(make_tab, qtbot, monkeypatch):
    from ui.notices import preview

    shown = []
    monkeypatch.setattr(preview.NoticePreviewDialog, "exec", lambda self: shown.append(self) or 0)
    tab = make_tab()
    page = tab.list_page
    page.view.selectRow(0)
    page.editor.print_form()
    assert shown and shown[0].pdf.startswith(b"%PDF") and len(shown[0].pages) == 2
    assert page.editor.cadre_uuid and "干部任免审批表" in shown[0].windowTitle()


def test_leave_page_request_approve_and_stand_in(make_tab, qtbot):
    tab = make_tab()
    page = tab.leave_page
    tab.pages.setCurrentWidget(page)
    db = tab.ctx.db
    away = next(m for m in roster.current_team(db) if "deputy_head" in m["roles"]
                and not roster.stand_ins(db, dt.date.today()).get(m["uuid"]))
    page.cadre.setCurrentIndex(page.cadre.findData(away["uuid"]))
    assert "按规则" in page.approver.itemText(0) and "（按规则：" in page.stand_in.itemText(0)
    day = QDate.currentDate().addDays(14)
    while day.dayOfWeek() > 5:
        day = day.addDays(1)
    page.start.setDate(day)
    page.end.setDate(day)
    page.reason.setText("体检")
    page.request_btn.click()
    wait_for_actions(qtbot)
    row = next(r for r in range(page.table.rowCount()) if page.table.item(r, 0).text() == away["name"]
               and page.table.item(r, 7).text() == "待批")
    page.table.selectRow(row)
    page.note.setText("同意")
    page.approve_btn.click()
    wait_for_actions(qtbot)
    iso = day.toString("yyyy-MM-dd")
    assert {r["uuid"]: r for r in roster.whereabouts_board(db, iso)}[away["uuid"]]["status"] == "请假"
    assert roster.stand_ins(db, iso)[away["uuid"]]["stand_in"]


def test_rules_page_applies_a_preset(make_tab, qtbot, monkeypatch):
    from PySide6.QtWidgets import QMessageBox

    from models.core import settings

    monkeypatch.setattr(QMessageBox, "question", lambda *a, **k: QMessageBox.Yes)
    tab = make_tab()
    page = tab.rules_page
    tab.pages.setCurrentWidget(page)
    assert "《党政交叉任职调研报告》" in page.preset_label.text()
    page.preset_buttons["002"].click()
    wait_for_actions(qtbot)
    assert settings.get(tab.ctx.db, "roster.rule_preset") == "002"
    assert settings.get(tab.ctx.db, "roster.team_quota") == 11  # the demo's 11 seats are within 9–11
    assert "咸安区做法" in page.preset_label.text()


def test_duties_notice_asks_before_printing_a_gap(make_tab, qtbot, monkeypatch):
    from PySide6.QtWidgets import QMessageBox, QWidget

    from models.notices import registry as notices
    from ui.notices.menu import generate_notice

    asked = []
    monkeypatch.setattr(QMessageBox, "question", lambda parent, title, text, *a, **k: asked.append(text)
                        or QMessageBox.No)
    tab = make_tab()
    roster.add_duty_area(tab.ctx.db, tab.ctx.actor, "乡村振兴", "农业农村")
    parent = QWidget()
    qtbot.addWidget(parent)
    got = []
    generate_notice(tab.ctx, "duties", parent, notices.NoticeParams(), ask=False, on_done=got.append)
    assert asked and "乡村振兴" in asked[0] and not got


def test_cadre_form_offers_the_offices_own_ranks_and_staffing(make_tab, tmp_path, qtbot):
    """A 花名册 brought 职级/编制 values outside the starting lists (kept, not
    added): the form's drop-downs offer them, and what the office added."""
    from models.roster import io as roster_io
    from models.roster import vocab
    from tests.test_roster_import_offices import huamingce, make_id

    tab = make_tab()
    db, actor = tab.ctx.db, tab.ctx.actor
    path = huamingce(tmp_path / "hmc.xlsx", [
        ["钱 多", "男", "1986.03", make_id(birth="19860311", seq="517"), "人事代理", "见习期", "科员", "2008.08",
         "13900001234"]])
    result = roster_io.import_xlsx(db, actor, path)
    assert result.new_values == {"staffing": {"人事代理": 1}, "rank": {"见习期": 1}}
    vocab.add_values(db, actor, "rank", ["五级职员"])
    editor = tab.list_page.editor
    editor.load(None)
    ranks = [editor.widgets["rank"].itemText(i) for i in range(editor.widgets["rank"].count())]
    staffing = [editor.widgets["staffing"].itemText(i) for i in range(editor.widgets["staffing"].count())]
    assert ranks[:len(roster.RANKS) + 1] == [""] + roster.RANKS  # the starting list first, in its order
    assert "五级职员" in ranks and "见习期" in ranks
    assert "人事代理" in staffing and staffing[1:len(roster.STAFFING) + 1] == roster.STAFFING
    # a new cadre can be given the office's value from the drop-down
    editor.widgets["name"].setText("孙新")
    editor.widgets["birth_date"].setText("1996-02")
    editor.widgets["rank"].setCurrentText("见习期")
    editor.widgets["staffing"].setCurrentText("人事代理")
    assert editor.widgets["rank"].currentText() == "见习期"
    editor.save()
    wait_for_actions(qtbot)  # saved on a worker connection (ui/common/action.run_op)
    assert editor.error.text() == ""
    saved = roster.get_cadre(db, editor.cadre_uuid)
    assert (saved["rank"], saved["staffing"]) == ("见习期", "人事代理")
