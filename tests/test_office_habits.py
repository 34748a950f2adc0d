"""The window as township staff already know it (issue 21): Chinese texts of Qt itself,
each role landing on its own work, tables that behave like WPS."""

import pytest
from PySide6.QtCore import QPoint, Qt, QTimer
from PySide6.QtWidgets import QApplication, QDialogButtonBox

from models.core import township, users
from models.core.db import close_database, open_database
from tests.qt_helpers import wait_for_actions


@pytest.fixture
def office_db(tmp_path):
    path = tmp_path / "office.db"
    db = open_database(path)
    admin = users.create_user(db, "admin", "secret123", users.ADMIN, "管理员")
    township.set_identity(db, admin, name="青石镇", code="330106001", county="临安区")
    users.create_user(db, "chuangkou", "secret123", users.WINDOW, "王窗口", actor=admin)
    users.create_user(db, "kaohe", "secret123", users.ASSESS, "李考核", actor=admin)
    close_database(db)
    return path


def test_qt_dialog_buttons_are_chinese(qapp):
    from ui.app import install_chinese_translations

    install_chinese_translations(qapp)
    box = QDialogButtonBox(QDialogButtonBox.Ok | QDialogButtonBox.Cancel | QDialogButtonBox.Yes | QDialogButtonBox.No)
    texts = sorted(b.text() for b in box.buttons())
    assert texts == sorted(["确定", "取消", "是(&Y)", "否(&N)"])
    assert QApplication.translate("QLineEdit", "&Copy") == "复制(&C)"


def _window(qtbot, path, username):
    from ui.common.context import AppContext
    from ui.main_window import MainWindow

    db = open_database(path)
    user = next(u for u in users.list_users(db) if u["username"] == username)
    actor = users.Actor(username, user["role"], user["display_name"])
    window = MainWindow(AppContext(db, path, actor))
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window)
    return window, db


@pytest.mark.parametrize("username,expected", [("admin", "领导班子"), ("chuangkou", "便民服务"), ("kaohe", "考核")])
def test_each_role_lands_on_its_work(qtbot, office_db, username, expected):
    window, db = _window(qtbot, office_db, username)
    try:
        assert window.tabs.tabText(window.tabs.currentIndex()) == expected
    finally:
        window.close_without_saving_state()
        close_database(db)


def test_window_staff_start_typing_the_applicant(qtbot, office_db):
    window, db = _window(qtbot, office_db, "chuangkou")
    try:
        tab = window.tab_content("便民服务")
        qtbot.waitUntil(lambda: QApplication.focusWidget() is tab.intake.name, timeout=2000)
        assert tab.pages.currentWidget() is tab.intake
    finally:
        window.close_without_saving_state()
        close_database(db)


def test_the_last_tab_is_remembered_per_user(qtbot, office_db):
    window, db = _window(qtbot, office_db, "kaohe")
    window.tabs.setCurrentIndex(window.tab_titles().index("领导班子"))
    window.close_without_saving_state()
    close_database(db)
    again, db = _window(qtbot, office_db, "kaohe")
    other, db2 = _window(qtbot, office_db, "chuangkou")
    try:
        assert again.tabs.tabText(again.tabs.currentIndex()) == "领导班子"
        assert other.tabs.tabText(other.tabs.currentIndex()) == "便民服务", "another user's choice is not shared"
    finally:
        for w in (again, other):
            w.close_without_saving_state()
        close_database(db)
        close_database(db2)


def test_each_badge_counts_what_its_filter_lists(qtbot, demo_db, tmp_path, admin):
    """The 待回访 badge said 87 while its list showed 116: a badge and its list are one definition."""
    from ui.common.context import AppContext
    from ui.service.tab import ServiceTab

    tab = ServiceTab(AppContext(demo_db, tmp_path / "demo.db", admin))
    qtbot.addWidget(tab)
    tab.refresh_counts()
    wait_for_actions(qtbot)  # the counts are read on a worker (issue 22)
    checked = 0
    for key, button in tab.counters.items():
        if key == "rectify":
            continue
        shown = int(button.text().split()[-1].replace(",", ""))
        button.click()
        qtbot.waitUntil(lambda: not tab.list_page.model.counting, timeout=5000)
        assert tab.list_page.model.total == shown, f"{button.text()} but the list shows {tab.list_page.model.total}"
        checked += shown
    assert checked > 0, "the demo has open, overdue and unrated tickets to count"


def test_callback_rating_starts_unselected(qtbot):
    from ui.service.ledger import FieldsDialog

    chosen = []
    dialog = FieldsDialog(None, "回访评价", [("rating", "满意度", ("choice", [(5, "非常满意"), (1, "非常不满意")]), None)],
                          lambda v: chosen.append(v["rating"]))
    qtbot.addWidget(dialog)
    combo = dialog.widgets["rating"]
    assert combo.currentData() is None and combo.currentText() == "（请选择）"


@pytest.fixture
def office_tables(qapp):
    from ui.common.tables import install_office_tables

    tables = install_office_tables(qapp)
    yield
    tables.uninstall()


def _people_table(qtbot, rows, width=420):
    from PySide6.QtWidgets import QTableWidget, QTableWidgetItem

    table = QTableWidget(len(rows), 8)
    table.setObjectName("people_test")
    table.setHorizontalHeaderLabels(["姓名", "性别", "职务", "电话", "村", "备注", "年龄", "编制"])
    for r, row in enumerate(rows):
        for c, value in enumerate(row):
            table.setItem(r, c, QTableWidgetItem(value))
    qtbot.addWidget(table)
    table.resize(width, 300)
    table.show()
    qtbot.waitExposed(table)
    return table


ROWS = [["王芳", "女", "镇长", "139****5678", "东村", "=HYPERLINK(\"http://x\",\"点我\")", "45", "行政"],
        ["李强", "男", "书记", "138****1234", "西村", "", "51", "行政"],
        ["张伟", "男", "委员", "137****0000", "南村", "+1", "38", "事业"]]


def test_tables_sort_on_header_click_and_remember_it(qtbot, office_tables):
    table = _people_table(qtbot, ROWS, width=1400)
    header = table.horizontalHeader()
    qtbot.mouseClick(header.viewport(), Qt.LeftButton, pos=QPoint(header.sectionViewportPosition(6) + 5, 5))
    ages = [table.item(r, 6).text() for r in range(3)]
    assert ages in (["38", "45", "51"], ["51", "45", "38"])
    qtbot.mouseClick(header.viewport(), Qt.LeftButton, pos=QPoint(header.sectionViewportPosition(6) + 5, 5))
    assert [table.item(r, 6).text() for r in range(3)] == list(reversed(ages)), "a second click reverses"
    table.setColumnWidth(0, 150)
    table._office_table.save_state()
    again = _people_table(qtbot, ROWS, width=1400)
    assert again.columnWidth(0) == 150, "column widths are remembered per table"


def test_a_header_remembered_for_other_columns_is_not_applied(qtbot, office_tables):
    """A newer version adds columns to a table: the state saved for the old columns laid
    the header out for them and the new columns stayed unpainted (seen in 换届 → 资格)."""
    from PySide6.QtWidgets import QHeaderView, QTableWidget, QTableWidgetItem

    def table(headers):
        t = QTableWidget(2, len(headers))
        t.setObjectName("grown_test")
        t.setHorizontalHeaderLabels(headers)
        t.horizontalHeader().setStretchLastSection(True)
        for r in range(2):
            for c in range(len(headers)):
                t.setItem(r, c, QTableWidgetItem(f"{headers[c]}{r}"))
        qtbot.addWidget(t)
        t.resize(900, 200)
        t.show()
        qtbot.waitExposed(t)
        return t

    old = table(["姓名", "性别", "职务"])
    old.setColumnWidth(0, 150)
    old._office_table.save_state()
    grown = table(["姓名", "性别", "职务", "资格", "说明"])
    header = grown.horizontalHeader()
    sizes = [header.sectionSize(c) for c in range(5)]
    assert header.length() == sum(sizes), "every column is laid out (and painted)"
    assert all(header.sectionResizeMode(c) != QHeaderView.Stretch for c in range(4))
    assert grown.visualRect(grown.model().index(0, 4)).right() <= grown.viewport().width() + 1


def test_tables_copy_export_and_print_what_is_shown(qtbot, office_tables, tmp_path, db, admin):
    from openpyxl import load_workbook

    from ui.common.context import AppContext

    table = _people_table(qtbot, ROWS)
    table.ctx = AppContext(db, db.path, admin)  # exports are audited under the window's user
    table.setRangeSelected(__import__("PySide6.QtWidgets", fromlist=["x"]).QTableWidgetSelectionRange(0, 0, 1, 1), True)
    table._office_table.copy()
    assert QApplication.clipboard().text() == "王芳\t女\n李强\t男"
    path = table._office_table.export_xlsx(str(tmp_path / "干部"))
    wait_for_actions(qtbot)  # written, with its audit row, by run_op on a worker connection
    sheet = load_workbook(path).active
    values = [[c.value for c in row] for row in sheet.iter_rows()]
    assert values[1][:3] == ["姓名", "性别", "职务"]
    assert values[2][5] == "=HYPERLINK(\"http://x\",\"点我\")" and values[4][5] == "+1"
    assert sheet.cell(3, 6).data_type == "s", "text typed as a formula stays text: the sheet cannot run it"
    html = table._office_table.print_html()
    assert "王芳" in html and "<th>姓名</th>" in html and "&quot;点我&quot;" in html


def test_right_click_offers_copy_export_print(qtbot, office_tables):
    from PySide6.QtWidgets import QMenu

    table = _people_table(qtbot, ROWS)
    seen = []

    def look():
        menu = QApplication.activePopupWidget()
        if isinstance(menu, QMenu):
            seen.extend(a.text() for a in menu.actions() if a.text())
            menu.close()

    QTimer.singleShot(200, look)
    table.customContextMenuRequested.emit(QPoint(10, 10))
    assert {"复制", "导出 Excel…", "打印…", "查找…"} <= set(seen)


def test_wide_table_keeps_the_name_column_when_scrolled_right(qtbot, office_tables):
    table = _people_table(qtbot, ROWS)
    frozen = table._office_table.frozen
    assert frozen is not None and not frozen.isVisible()
    table.horizontalScrollBar().setValue(table.horizontalScrollBar().maximum())
    qtbot.waitUntil(frozen.isVisible, timeout=1000)
    assert frozen.geometry().left() <= table.verticalHeader().width() + table.frameWidth()
    assert frozen.model().index(0, 0).data() == "王芳" and not frozen.isColumnHidden(0)


def test_a_page_search_shortcut_is_not_made_ambiguous(qtbot, office_tables):
    """The ledger's own Ctrl+F focuses its search box; the table must not claim Ctrl+F too."""
    from PySide6.QtGui import QKeySequence, QShortcut
    from PySide6.QtWidgets import QLineEdit, QTableWidget, QVBoxLayout, QWidget

    page = QWidget()
    layout = QVBoxLayout(page)
    search = QLineEdit()
    table = QTableWidget(2, 2)
    layout.addWidget(search)
    layout.addWidget(table)
    found = []
    QShortcut(QKeySequence("Ctrl+F"), page, activated=lambda: found.append("page"))
    qtbot.addWidget(page)
    page.show()
    qtbot.waitExposed(page)
    keys = {s.key().toString() for s in table.findChildren(QShortcut)}
    assert "Ctrl+F" not in keys and "Ctrl+P" in keys and "Ctrl+C" in keys


def test_settings_are_chosen_not_typed_as_code_words(qtbot, office_db, monkeypatch):
    """参数设置 asked for township/county, given/middle, a4/a4-landscape/a3 typed as free text."""
    import re

    from PySide6.QtWidgets import QComboBox, QDoubleSpinBox

    from models.core import settings
    from models.startup import register_all_settings
    from ui.common.context import AppContext
    from ui.core.settings_dialog import SettingsDialog

    register_all_settings()
    db = open_database(office_db)
    admin = users.Actor("admin", users.ADMIN, "管理员")
    try:
        dialog = SettingsDialog(AppContext(db, office_db, admin), None, 4)
        qtbot.addWidget(dialog)
        widgets = {k: w for k, (w, _kind) in dialog.param_widgets.items()}
        for key in ("database_mode", "notice_name_mask", "notice_paper", "assess.quota_mode"):
            assert isinstance(widgets[key], QComboBox), key
            texts = [widgets[key].itemText(i) for i in range(widgets[key].count())]
            assert not any(re.search(r"[a-z]{3,}", t) for t in texts), texts
        assert isinstance(widgets["assess.excellent_quota"], QDoubleSpinBox)
        for key, (default, label, kind) in settings.DEFAULTS.items():
            assert not re.search(r"[a-z]{3,}", label), f"an English code word in the label of {key}: {label}"
        told = []
        monkeypatch.setattr("ui.core.settings_dialog.QMessageBox.information", lambda *a, **k: told.append(a))
        paper = widgets["notice_paper"]
        paper.setCurrentIndex(paper.findData("a3"))
        dialog._save_params()  # saved on a worker connection (ui/common/action.run_op)
        qtbot.waitUntil(lambda: bool(told), timeout=10000)
        assert settings.get(db, "notice_paper") == "a3"
    finally:
        close_database(db)


def test_a_choice_setting_refuses_other_values(db, admin):
    from models.core import settings
    from models.core.errors import ValidationError
    from models.startup import register_all_settings

    register_all_settings()
    with pytest.raises(ValidationError) as e:
        settings.set_value(db, "notice_paper", "letter", admin)
    assert "A4 纵向" in e.value.message


def test_no_internal_names_in_the_audit_page_or_import_summary(demo_db):
    """Raw table names, UUIDs and ISO timestamps were what a person read."""
    import re

    from models.core import audit, labels, users
    from models.core.errors import LoginError

    with pytest.raises(LoginError):
        users.login(demo_db, "nobody", "demo1234")  # a name nobody has: its audit row names what was typed
    rows = audit.recent(demo_db, limit=2000) + audit.recent(demo_db, limit=50, table_name="cadres")
    shown = labels.audit_rows_for_people(demo_db, rows)
    uuid = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-")
    for row in shown:
        text = " ".join(row)
        assert not uuid.search(text), text
        assert "T" not in row[0] and re.fullmatch(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}", row[0]), row[0]
        assert "其他（" not in row[3], f"table without a Chinese name: {row[3]}"
        assert not re.search(r"[a-z_]{4,}", row[2] + row[3]), row
    tickets_named = [r for r in shown if r[3] == "办件" and r[4]]
    cadres_named = [r for r in shown if r[3] == "干部" and r[4] and not r[4].startswith("（")]
    assert cadres_named, "a cadre's audit row names the cadre"
    assert all(re.match(r"\d{4}-\d{6} ", r[4]) for r in tickets_named)
    # Scores, votes, whereabouts … have no name column: they are named by their person, item, village.
    unnamed = {r[3] for r in shown if r[4] == "（已删除或无名称的记录）"}
    assert unnamed == set(), f"records the audit page cannot name: {unnamed}"
    assert ["登录失败", "用户", "nobody（没有这个用户名）"] in [r[2:] for r in shown]


def test_every_table_has_a_chinese_name(db):
    """A new table must get its label in models/core/labels.py, or the audit page would show its code name."""
    from models.core.labels import TABLE_LABELS

    internal = ("sqlite_", "_sqlite", "tickets_fts")
    tables = [n for (n,) in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
              if not n.startswith(internal) or n == "tickets_fts_pending"]
    assert [t for t in tables if t not in TABLE_LABELS] == []


def test_a_county_collection_is_created_from_the_window(qtbot, tmp_path):
    """新建数据库 forced a township; the county reached its mode by typing "county" into a parameter."""
    from models.core import settings
    from ui.core.login import FirstRunDialog

    db = open_database(tmp_path / "县级汇总.db")
    try:
        dialog = FirstRunDialog(db, county=True)
        qtbot.addWidget(dialog)
        assert not dialog.township_code.isVisibleTo(dialog), "a county collection has no township of its own"
        dialog.county.setText("临安区")
        dialog.password.setText("county-secret-9")
        dialog.password2.setText("county-secret-9")
        dialog.create()
        wait_for_actions(qtbot)  # created on a worker connection (ui/common/action.run_op)
        assert dialog.error.text() == "" and dialog.actor is not None and dialog.actor.role == users.ADMIN
        assert settings.get(db, "database_mode") == "county" and settings.get(db, "county_name") == "临安区"
        assert township.title_of(db) == "临安区县级汇总库"
        assert not settings.get(db, "township_code")
    finally:
        close_database(db)


def test_switching_to_county_mode_rebuilds_the_window_without_restart(qtbot, office_db):
    from models.core import settings
    from ui.app import Controller

    controller = Controller()
    db = open_database(office_db)
    admin = users.Actor("admin", users.ADMIN, "管理员")
    controller.db = db
    controller._show(db, office_db, admin)
    first = controller.window
    qtbot.addWidget(first)
    assert "横向比较" not in first.tab_titles()
    settings.set_value(db, "database_mode", "county", admin)
    first.ctx.notify("settings")
    qtbot.waitUntil(lambda: controller.window is not first, timeout=3000)
    qtbot.addWidget(controller.window)
    assert "横向比较" in controller.window.tab_titles()
    assert controller.window.status_township.text().startswith("县级汇总库")
    controller.window.close_without_saving_state()
    controller.close()


def test_help_menu_opens_the_guide_with_its_pictures(qtbot, office_db):
    """帮助 had only 关于: the first real day is now described inside the program."""
    import re

    from ui.core.guide import GuideDialog, guide_pdf, guide_source

    text = guide_source().read_text(encoding="utf-8")
    for step in ("首次使用", "建立标准机构", "下载导入模板", "工作日历", "用户和权限", "受理登记", "考核", "导出数据包",
                 "新建县级汇总库"):
        assert step in text, step
    pictures = re.findall(r"\]\((shots/[^)]+)\)", text)
    assert len(pictures) >= 8
    for picture in pictures:
        assert (guide_source().parent / picture).is_file(), f"run python -m tools.make_guide: {picture} is missing"
    assert guide_pdf().is_file() and guide_pdf().read_bytes().startswith(b"%PDF")
    dialog = GuideDialog()
    qtbot.addWidget(dialog)
    assert "第一天" in dialog.browser.toPlainText()
    assert dialog.width() <= 1366 and dialog.height() <= 768


def test_guide_names_only_menus_that_exist(qtbot, office_db):
    """Every “菜单 → 项” the guide tells a clerk to click is a real menu item."""
    import re

    from ui.common.context import AppContext
    from ui.core.guide import guide_source
    from ui.main_window import MainWindow

    db = open_database(office_db)
    try:
        window = MainWindow(AppContext(db, office_db, users.Actor("admin", users.ADMIN, "管理员")))
        qtbot.addWidget(window)
        items = set()
        for menu_action in window.menuBar().actions():
            menu = menu_action.menu()
            title = re.sub(r"\(&\w\)", "", menu_action.text())
            for a in menu.actions():
                items.add(f"{title} → {a.text()}")
                for b in a.menu().actions() if a.menu() else ():  # a submenu (下载导入模板 → …)
                    items.add(f"{title} → {a.text()} → {b.text()}")
        named = set(re.findall(r"“((?:文件|设置|帮助|公示|换届) → [^”]+)”", guide_source().read_text(encoding="utf-8")))
        assert named and named <= items, named - items
        window.close_without_saving_state()
    finally:
        close_database(db)


def test_roster_template_is_one_click_from_the_import(qtbot, office_db, tmp_path, monkeypatch):
    from openpyxl import load_workbook

    from ui.common.context import AppContext
    from ui.roster.tab import RosterTab

    db = open_database(office_db)
    try:
        tab = RosterTab(AppContext(db, office_db, users.Actor("admin", users.ADMIN, "管理员")))
        qtbot.addWidget(tab)
        page = tab.list_page
        target = tmp_path / "模板.xlsx"
        monkeypatch.setattr("ui.roster.tab.QFileDialog.getSaveFileName", lambda *a, **k: (str(target), ""))
        monkeypatch.setattr("ui.roster.tab.QMessageBox.information", lambda *a, **k: None)
        page.template_btn.click()
        headers = [c.value for row in load_workbook(target).active.iter_rows(max_row=3) for c in row]
        assert "姓名" in headers and "身份证号" in headers
    finally:
        close_database(db)


READ_ONLY_BUTTONS = {"下载导入模板…", "导出…", "导出台帐 .xlsx…", "统计", "各期对比", "乡镇对比", "导出 Excel…", "导出得分表…"}


def test_a_readonly_user_sees_no_button_that_would_refuse(qtbot, demo_db, tmp_path):
    """Buttons stayed enabled for 只读 and then refused; now only reading and navigating buttons are live."""
    import re

    from PySide6.QtWidgets import QPushButton

    from ui.common.context import AppContext
    from ui.main_window import MainWindow

    window = MainWindow(AppContext(demo_db, tmp_path / "demo.db", users.Actor("guest", users.READONLY, "只读")))
    qtbot.addWidget(window)
    window.show()
    for title in window.tab_titles():
        tab = window.tab_content(title)
        wait_for_actions(qtbot)  # 便民服务's counters read their numbers on a worker
        live = {b.text() for b in tab.findChildren(QPushButton) if b.isEnabled() and b.text()}
        counters = {t for t in live if re.fullmatch(r"\S+ [\d,]+", t)}
        assert live - counters <= READ_ONLY_BUTTONS, f"{title}: {sorted(live - counters - READ_ONLY_BUTTONS)}"
        refused = [b for b in tab.findChildren(QPushButton) if not b.isEnabled() and "没有" in b.toolTip()]
        assert refused, f"{title}: the disabled buttons say why"
    window.close_without_saving_state()


def test_a_button_without_the_right_stays_disabled_when_code_enables_it(qtbot):
    from PySide6.QtWidgets import QPushButton, QVBoxLayout, QWidget

    from ui.common.rights import guard_buttons

    page = QWidget()
    QVBoxLayout(page).addWidget(save := QPushButton("保存"))
    qtbot.addWidget(page)
    assert guard_buttons(page, users.Actor("guest", users.READONLY, "只读"), "roster.write") == 1
    save.setEnabled(True)  # what a selection handler does
    assert not save.isEnabled() and "修改领导班子" in save.toolTip()


def test_dialogs_fit_a_1366_by_768_screen(qtbot, demo_db, tmp_path):
    """The 任职 dialog was about 1,420 px wide: wider than the common township screen."""
    from ui.common.context import AppContext
    from ui.core.settings_dialog import SettingsDialog
    from ui.handoff.dialogs import ExportPackageDialog, ImportPackageDialog
    from ui.roster.dialogs import AppointDialog, FamilyDialog

    ctx = AppContext(demo_db, tmp_path / "demo.db", users.Actor("admin", users.ADMIN, "管理员"))
    cadre = demo_db.execute("SELECT uuid FROM cadres WHERE deleted = 0 LIMIT 1").fetchone()[0]
    dialogs = [AppointDialog(ctx, cadre, "测试"), FamilyDialog(ctx, cadre), ExportPackageDialog(ctx), ImportPackageDialog(ctx)]
    dialogs += [SettingsDialog(ctx, None, page) for page in range(6)]
    for dialog in dialogs:
        qtbot.addWidget(dialog)
        dialog.show()
        qtbot.waitExposed(dialog)
        assert dialog.width() <= 1366 and dialog.height() <= 740, (type(dialog).__name__, dialog.size())
