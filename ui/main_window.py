"""The main window: three tabs, the menus, the status bar."""

from __future__ import annotations

import importlib
import threading
from pathlib import Path

from PySide6.QtCore import QByteArray, Qt, QTimer
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (QComboBox, QFileDialog, QInputDialog, QLabel, QMainWindow, QMessageBox,
                               QTabWidget, QToolBar, QVBoxLayout, QWidget)

from models import APP_NAME, __version__

from models.core import township, users
from models.core.db import backup_database, list_backups, open_database
from ui.common.worker import run_task
from ui.common.files import start_in
from ui.common.rights import guard_buttons
from ui.common.screen import fit_on_screen


# Each tab's module is imported when the tab is first shown (start-up pays for one tab only).
def _roster_tab(ctx) -> QWidget:
    from ui.roster.tab import RosterTab
    return RosterTab(ctx)


def _service_tab(ctx) -> QWidget:
    from ui.service.tab import ServiceTab
    return ServiceTab(ctx)


def _assess_tab(ctx) -> QWidget:
    from ui.assess.tab import AssessTab
    return AssessTab(ctx)


def _county_view(ctx) -> QWidget:
    from ui.handoff.county_view import CountyView
    return CountyView(ctx)


# The main window's tabs in display order: (build(ctx) -> the tab's widget, title).
TABS = [
    (_roster_tab, "领导班子"),
    (_service_tab, "便民服务"),
    (_assess_tab, "考核"),
]

# The right a tab's buttons need unless a page or button says otherwise (ui/common/rights.py).
TAB_RIGHTS = {"领导班子": "roster.write", "便民服务": "tickets.write", "考核": "assess.write"}

# Where each role starts before the user has chosen a tab of their own.
LANDING_TAB_BY_ROLE = {users.WINDOW: "便民服务", users.ASSESS: "考核"}

# The module each tab's build imports first (the tab's other pages import theirs when first shown).
TAB_MODULES = {"领导班子": "ui.roster.tab", "便民服务": "ui.service.tab", "考核": "ui.assess.tab",
               "横向比较": "ui.handoff.county_view"}


def last_tab_key(username: str) -> str:
    """The setting that remembers the tab a user last worked in."""
    return f"last_tab/{username}"


def landing_title(username: str, role: str) -> str:
    """The tab this user last worked in, else the one of their role ('' : the first tab)."""
    from ui.app import qsettings

    return str(qsettings().value(last_tab_key(username), "") or "") or LANDING_TAB_BY_ROLE.get(role, "")


def preload_landing_tab(db, username: str) -> None:
    """While the password is typed (ui/app.py): import the modules of the tab this user will
    most likely land on, so the main window appears sooner after 登录. Only a guess from the
    name in the dialog: another user's tab is imported when it is built, as without this."""
    role = next((u["role"] for u in users.list_users(db) if u["username"] == username), "")
    title = landing_title(username, role) or TABS[0][1]
    importlib.import_module(TAB_MODULES.get(title, TAB_MODULES[TABS[0][1]]))


class LazyTab(QWidget):
    """Holds a tab's place and builds the real tab the first time it is shown,
    so start-up only pays for the tab the user sees first."""

    def __init__(self, ctx, build, title: str, parent=None):
        super().__init__(parent)
        self.ctx = ctx
        self.build, self.title = build, title
        self.content = None
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)

    def ensure_built(self):
        if self.content is None:
            # A tab that fails to build is a bug: it reaches the program's error
            # handler (log file + a short message), not a traceback in the tab.
            self.content = self.build(self.ctx)
            if self.title in TAB_RIGHTS:
                guard_buttons(self.content, self.ctx.actor, TAB_RIGHTS[self.title])
            self.layout().addWidget(self.content)
        return self.content


class MainWindow(QMainWindow):
    def __init__(self, ctx, controller=None, begin: bool = True):
        """begin=False: built while the password is typed (ui/app.py), not yet the user's
        session: its timers, idle lock and first focus start with begin(), when it is shown."""
        super().__init__()
        self.ctx = ctx
        self.controller = controller
        self._save_state = True
        self.setWindowTitle(f"{APP_NAME} — {township.title_of(ctx.db)}")
        self.built_for_county = ctx.county_mode
        self.setMinimumSize(900, 600)
        self.tabs = QTabWidget()
        self.tabs.setObjectName("main_tabs")
        self.tabs.setDocumentMode(True)
        self.setCentralWidget(self.tabs)
        self._build_tabs()
        self._build_menus()
        self._build_township_filter()
        self._build_status_bar()
        self._restore_state()
        ctx.data_changed.connect(self._on_data_changed)
        self._quick_check_stop = threading.Event()
        self.session = None
        if begin:
            self.begin()

    def begin(self) -> None:
        """The user's session in this window starts: called once, before it is shown."""
        ctx = self.ctx
        # The program may stay open for days: keep the daily backup going.
        self.daily_backup_timer = QTimer(self)
        self.daily_backup_timer.setInterval(60 * 60 * 1000)
        self.daily_backup_timer.timeout.connect(self._daily_backup_if_due)
        self.daily_backup_timer.start()
        QTimer.singleShot(15000, self._daily_backup_if_due)
        if getattr(ctx.db, "quick_check_deferred", False):
            QTimer.singleShot(500, self._background_quick_check)
        from ui.core import session  # 注销 / 切换用户, idle lock, demo mark (issue 20)

        self.session = session.install(self)
        if self.tabs.tabText(self.tabs.currentIndex()) == "便民服务" and ctx.actor.role == users.WINDOW:
            # Window staff start typing the applicant's name at once.
            QTimer.singleShot(0, lambda: self.tab_content("便民服务").show_intake())

    # ---- tabs ---------------------------------------------------------------

    def _build_tabs(self) -> None:
        for build, title in TABS:
            self.tabs.addTab(LazyTab(self.ctx, build, title), title)
        if self.ctx.county_mode:
            self.tabs.addTab(LazyTab(self.ctx, _county_view, "横向比较"), "横向比较")
        self._open_landing_tab()
        self.tabs.currentChanged.connect(self._build_current_tab)
        self.tabs.currentChanged.connect(self._remember_tab)
        self._build_current_tab()

    def _last_tab_key(self) -> str:
        return last_tab_key(self.ctx.actor.username)

    def _open_landing_tab(self) -> None:
        """The tab this user last worked in, else the one of their role."""
        actor = self.ctx.actor
        wanted = landing_title(actor.username, actor.role)
        titles = self.tab_titles()
        if wanted in titles:
            self.tabs.setCurrentIndex(titles.index(wanted))

    def _remember_tab(self, index: int) -> None:
        from ui.app import qsettings

        if index >= 0:
            qsettings().setValue(self._last_tab_key(), self.tabs.tabText(index))

    def _build_current_tab(self, *_args) -> None:
        widget = self.tabs.currentWidget()
        if isinstance(widget, LazyTab):
            widget.ensure_built()

    def tab_content(self, title: str):
        """The real widget of the tab with this title (built if needed)."""
        for i in range(self.tabs.count()):
            if self.tabs.tabText(i) == title:
                widget = self.tabs.widget(i)
                return widget.ensure_built() if isinstance(widget, LazyTab) else widget
        return None

    def tab_titles(self) -> list[str]:
        return [self.tabs.tabText(i) for i in range(self.tabs.count())]

    # ---- menus --------------------------------------------------------------

    def _action(self, menu, text, slot, shortcut=None, capability=None, name=None) -> QAction:
        action = QAction(text, self)
        if shortcut:
            action.setShortcut(QKeySequence(shortcut))
        action.triggered.connect(slot)
        if capability and not self.ctx.actor.can(capability):
            action.setEnabled(False)
            action.setToolTip("当前用户无此权限")
        if name:
            action.setObjectName(name)
        menu.addAction(action)
        return action

    def _build_menus(self) -> None:
        bar = self.menuBar()
        file_menu = bar.addMenu("文件(&F)")
        self._action(file_menu, "新建数据库…", self.new_database, name="act_new_db")
        self._action(file_menu, "新建县级汇总库…", lambda: self.new_database(county=True), name="act_new_county_db")
        self._action(file_menu, "打开数据库…", self.open_database_file, QKeySequence.Open, name="act_open_db")
        file_menu.addSeparator()
        self.backup_action = self._action(file_menu, "备份", self.backup_now, "Ctrl+B", "backup", name="act_backup")
        self._action(file_menu, "恢复…", self.restore_from_backup, capability="restore", name="act_restore")
        file_menu.addSeparator()
        self._action(file_menu, "导出数据包…", self.export_package, capability="handoff.export", name="act_export")
        self._action(file_menu, "导入数据包…", self.import_package, capability="handoff.import", name="act_import")
        templates = file_menu.addMenu("下载导入模板")
        self._action(templates, "干部名册导入模板…", lambda: self.save_import_template("roster"),
                     name="act_template_roster")
        self._action(templates, "办件导入模板…", lambda: self.save_import_template("tickets"),
                     name="act_template_tickets")
        self._action(templates, "考核得分表…", self.save_score_sheet_template, name="act_template_scores")
        file_menu.addSeparator()
        self._action(file_menu, "注销 / 切换用户…", lambda: self.session.lock("切换用户"), name="act_switch_user")
        self._action(file_menu, "锁定", lambda: self.session.lock("已锁定"), name="act_lock")
        self._action(file_menu, "退出", self.close, QKeySequence.Quit, name="act_quit")

        self.notice_menu = bar.addMenu("公示(&N)")
        from ui.notices.menu import build_notice_menu

        build_notice_menu(self.notice_menu, self.ctx, self)

        term_menu = bar.addMenu("换届(&E)")
        self._action(term_menu, "换届选举…", self.open_election)

        settings_menu = bar.addMenu("设置(&S)")
        self._action(settings_menu, "乡镇、村和机构…", lambda: self.open_settings(0), name="act_settings")
        self._action(settings_menu, "用户和权限…", lambda: self.open_settings(3))
        self._action(settings_menu, "参数设置…", lambda: self.open_settings(4))
        self._action(settings_menu, "审计日志…", lambda: self.open_settings(5))

        help_menu = bar.addMenu("帮助(&H)")
        self._action(help_menu, "使用说明", self.show_guide, QKeySequence.HelpContents, name="act_guide")
        self._action(help_menu, "关于", self.show_about, name="act_about")

    def _build_township_filter(self) -> None:
        """County databases hold many townships: every tab follows this filter."""
        self.township_filter = None
        if not self.ctx.county_mode:
            return
        toolbar = QToolBar("乡镇")
        toolbar.setMovable(False)
        toolbar.addWidget(QLabel(" 乡镇： "))
        combo = QComboBox()
        combo.addItem("全部乡镇", "")
        for t in township.townships(self.ctx.db):
            combo.addItem(f"{t['name']}（{t['code']}）", t["code"])
        combo.currentIndexChanged.connect(lambda _i: self.ctx.set_township_filter(combo.currentData()))
        toolbar.addWidget(combo)
        self.addToolBar(Qt.TopToolBarArea, toolbar)
        self.township_filter = combo

    def _build_status_bar(self) -> None:
        status = self.statusBar()
        self.status_db = QLabel()
        self.status_user = QLabel()
        self.status_township = QLabel()
        for w in (self.status_township, self.status_user, self.status_db):
            status.addPermanentWidget(w)
        self._refresh_status()

    def _refresh_status(self) -> None:
        ident = township.identity(self.ctx.db)
        actor = self.ctx.actor
        mode = "（县级汇总）" if self.ctx.county_mode else ""
        if self.ctx.county_mode:
            self.status_township.setText(f"县级汇总库：{ident['county_name'] or '未设置县名'}")
        else:
            self.status_township.setText(f"乡镇：{ident['township_name'] or '未设置'}{mode}")
        self.status_user.setText(f"操作员：{actor.display_name or actor.username}（{actor.role_label}）")
        self.status_db.setText(f"数据库：{self.ctx.db_path}")

    def _on_data_changed(self, area: str) -> None:
        if area in ("settings", "all", "handoff"):
            if self.ctx.county_mode != self.built_for_county and self.controller is not None:
                # 乡镇库 ↔ 县级汇总库: the tabs differ, so the window is rebuilt now, not after a restart.
                QTimer.singleShot(0, self.controller.rebuild_window)
                return
            self._refresh_status()

    # ---- state --------------------------------------------------------------

    def _restore_state(self) -> None:
        from ui.app import qsettings

        geometry = qsettings().value("main_geometry")
        if isinstance(geometry, QByteArray) and not geometry.isEmpty():
            self.restoreGeometry(geometry)
        else:
            fit_on_screen(self, 1200, 800)

    def close_without_saving_state(self) -> None:
        self._save_state = False
        self.close()

    def closeEvent(self, event) -> None:  # noqa: N802 - Qt naming
        # A county file's background quick_check takes minutes: closing must not leave
        # the program running unseen until it ends (the thread pool waits for it at exit).
        self._quick_check_stop.set()
        if self._save_state:
            from ui.app import qsettings

            qsettings().setValue("main_geometry", self.saveGeometry())
        super().closeEvent(event)

    # ---- file menu ----------------------------------------------------------

    def new_database(self, _checked=False, county: bool = False) -> None:
        title = "新建县级汇总库" if county else "新建数据库"
        suggested = "县级汇总.db" if county else "township.db"
        path, _ = QFileDialog.getSaveFileName(self, title, start_in(suggested), "数据库 (*.db)")
        if not path:
            return
        if not path.endswith(".db"):
            path += ".db"
        if Path(path).exists():
            QMessageBox.warning(self, "新建数据库", "该文件已存在。要打开它，请用“打开数据库”。")
            return
        self.controller.open(path, county=county)

    def open_database_file(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "打开数据库", str(Path(self.ctx.db_path).parent),
                                              "数据库 (*.db);;所有文件 (*)")
        if path:
            self.controller.open(path)

    def backup_now(self, _checked=False, on_done=None) -> None:
        db_path = self.ctx.db_path

        def work(progress):
            # The backup reads through its own connection: the GUI's stays free.
            worker_db = open_database(db_path, migrate=False, daily_backup=False)
            try:
                dest = backup_database(worker_db, reason="manual", progress=lambda d, t: progress(d, t))
                return dest, worker_db.storage_warning
            finally:
                worker_db.conn.close()

        def done(result):
            from ui.core import storage_warning

            dest, warning = result
            self.statusBar().showMessage(f"已备份到 {dest}", 10000)
            if warning:
                storage_warning.show(self, warning)
            else:
                storage_warning.clear(self)
            if on_done:
                on_done(dest)

        run_task(self, "正在备份数据库…", work, on_done=done)

    def _background_quick_check(self) -> None:
        from models.core.db import QuickCheckStopped, quick_check_notice, quick_check_reason, scheduled_quick_check
        from ui.common.worker import TaskCancelled

        if self._quick_check_stop.is_set():
            return  # closed before the check began: it runs at the next open
        db_path = self.ctx.db_path
        # Said at once (the progress box shows only after 10 s): minutes over a county's file.
        reason = quick_check_reason(db_path) or "今天第一次打开"
        self.statusBar().showMessage(quick_check_notice(db_path, reason).rstrip("…")
                                     + "，在后台进行，可以照常使用。")

        def done(result):
            if result == "ok":
                self.statusBar().showMessage("今天的数据库快速检查已通过。", 15000)
                return
            message = f"数据库“{Path(db_path).name}”已损坏（完整性检查：{result}）。"
            if self.controller is not None:
                self.controller.restore_after_failed_check(message, list_backups(db_path))
            else:
                QMessageBox.critical(self, "数据库已损坏", message)

        def check(progress):
            try:
                return scheduled_quick_check(db_path, stop=self._quick_check_stop.is_set)
            except QuickCheckStopped:
                raise TaskCancelled() from None  # the window closed: nobody to tell

        # scheduled_quick_check records the day: the next open today (a command too) skips it.
        run_task(self, "正在检查数据库完整性…", check, on_done=done,
                 cancellable=False, modal=False, show_after_ms=10000)

    def _daily_backup_if_due(self) -> None:
        """Hourly: make the day's backup if none yet; either way say (visibly,
        ui/core/storage_warning) when the disk cannot hold the next one."""
        from ui.core import storage_warning

        if not self.isVisible():
            return  # a closed window's timer: its file is no longer the one in use
        db_path = self.ctx.db_path

        def work(progress):
            from models.core.db import backup_space_problem, ensure_daily_backup
            from models.core.paths import backup_dir_for

            worker_db = open_database(db_path, create=False, migrate=False, daily_backup=False)
            try:
                made = ensure_daily_backup(worker_db)
                if made is not None:
                    return worker_db.storage_warning
                problem = backup_space_problem(worker_db, backup_dir_for(db_path))  # today's was made already
                return "下一次备份将放不下：" + problem if problem else None
            finally:
                worker_db.conn.close()

        def done(warning):
            if warning:
                storage_warning.show(self, warning)
            else:
                storage_warning.clear(self)

        def failed(e):
            from models.core.errors import AppError
            from ui.common.worker import default_error

            if isinstance(e, AppError):  # a full disk (StorageError), the file gone or unreadable
                storage_warning.show(self, "每日备份失败：" + e.message, "每日备份失败")
            else:
                default_error(self, e)

        run_task(self, "正在进行每日备份…", work, on_done=done, on_error=failed, cancellable=False, modal=False,
                 show_after_ms=5000)

    def restore_from_backup(self) -> None:
        from models.core.errors import PermissionDenied
        from models.core.users import require

        try:
            require(self.ctx.actor, "restore")
        except PermissionDenied as e:
            QMessageBox.warning(self, "恢复", e.message)
            return
        backups = list_backups(self.ctx.db_path)
        if not backups:
            QMessageBox.information(self, "恢复", "还没有备份。")
            return
        names = [b.name for b in backups] + ["从其他文件选择…"]
        choice, ok = QInputDialog.getItem(self, "恢复数据库", "选择要恢复的备份（最新的在最前）：", names, 0, False)
        if not ok:
            return
        if choice == names[-1]:
            path, _ = QFileDialog.getOpenFileName(self, "选择备份文件", start_in(), "备份 (*.db *.db.zst);;所有文件 (*)")
            if not path:
                return
            backup = Path(path)
        else:
            backup = backups[names.index(choice)]
        answer = QMessageBox.question(self, "恢复数据库",
                                      f"用“{backup.name}”替换当前数据库？\n当前文件会先另存为一份“恢复前”备份"
                                      "（用它恢复即可撤销；与其他备份一样按保留份数和总大小轮换）。")
        if answer != QMessageBox.Yes:
            return
        from models.core.db import close_database, restore_backup
        from models.core.errors import AppError

        db_path = Path(self.ctx.db_path)
        close_database(self.ctx.db)
        try:
            restore_backup(backup, db_path)
        except AppError as e:
            QMessageBox.critical(self, "恢复失败", e.message)
        self.controller.db = None
        self.controller.open(db_path)

    def save_import_template(self, kind: str) -> None:
        # The 领导班子 tab's dialogs module: imported at the click, not before the first paint.
        from ui.roster.dialogs import save_import_template

        save_import_template(self, self.ctx, kind)

    def save_score_sheet_template(self) -> None:
        """A score sheet's columns are the chosen category's indicators: the 考核 tab's 评分 page
        is shown with its plan, period and category, and its 导出得分表 (blank before any score) starts."""
        if "考核" not in self.tab_titles():
            QMessageBox.information(self, "考核得分表", "本库没有“考核”页。")
            return
        self.tabs.setCurrentIndex(self.tab_titles().index("考核"))
        tab = self.tab_content("考核")
        tab.pages.setCurrentWidget(tab.score_page)
        if not tab.score_page.export_sheet.isEnabled():
            QMessageBox.information(self, "考核得分表", "请先在“考核”页上方选定考核方案、考核期和类别，再点“导出得分表…”。"
                                    "没有得分时导出的就是该类别的空白得分表。")
            return
        tab.score_page.export_scores()

    def export_package(self) -> None:
        from ui.handoff.dialogs import export_package_dialog

        export_package_dialog(self, self.ctx)

    def import_package(self) -> None:
        from ui.handoff.dialogs import import_package_dialog

        import_package_dialog(self, self.ctx)

    def open_election(self) -> None:
        from ui.election.dialog import open_election_window

        open_election_window(self, self.ctx)

    # ---- settings and help ----------------------------------------------------

    def open_settings(self, page: int = 0) -> None:
        from ui.core.settings_dialog import SettingsDialog

        SettingsDialog(self.ctx, self, page).exec()
        self._refresh_status()

    def show_guide(self) -> None:
        from ui.core.guide import show_guide

        show_guide(self)

    def show_about(self) -> None:
        from ui.common.fonts import register_fonts

        QMessageBox.about(
            self, "关于",
            f"<h3>{APP_NAME}</h3><p>版本 {__version__}</p>"
            "<p>领导班子 · 便民服务 · 考核 · 公示 · 数据交换</p>"
            f"<p>界面字体：{register_fonts() or '系统字体'}（文泉驿微米黑，Apache-2.0）</p>"
            f"<p>数据库：{self.ctx.db_path}</p>",
        )
