"""Starting the window: open the database (with clear dialogs when it cannot
be opened), log in or create the first administrator, show the main window."""

from __future__ import annotations

import sys
from pathlib import Path

from PySide6.QtCore import QLibraryInfo, QLocale, QSettings, QTranslator
from PySide6.QtWidgets import QApplication, QMessageBox

from models import APP_ID

from models.core import township

from models.core import users
from models.core.db import close_database, open_database, restore_backup
from models.core.errors import CorruptDatabaseError, DatabaseOpenError
from models.core.paths import default_db_path
from ui.common.fonts import register_fonts


QUICK_CHECK_AT_START_MAX_BYTES = 64 * 1024 * 1024


def qsettings() -> QSettings:
    return QSettings(APP_ID, APP_ID)


def ensure_app() -> QApplication:
    app = QApplication.instance()
    if app is None:
        app = QApplication(sys.argv[:1])
        app.setApplicationName(APP_ID)
        app.setOrganizationName(APP_ID)
        install_chinese_translations(app)
        from ui.common.tables import install_office_tables

        install_office_tables(app)
    register_fonts(app)
    return app


# Qt's own texts (OK/Cancel, file and print dialogs, the edit menu) in Chinese.
QT_TRANSLATIONS = ("qtbase_zh_CN",)


def install_chinese_translations(app: QApplication) -> list[QTranslator]:
    """Load Qt's bundled Chinese translations; the program's own texts are written in Chinese."""
    QLocale.setDefault(QLocale(QLocale.Language.Chinese, QLocale.Country.China))
    folder = QLibraryInfo.path(QLibraryInfo.LibraryPath.TranslationsPath)
    installed = []
    for name in QT_TRANSLATIONS:
        translator = QTranslator(app)
        if not translator.load(name, folder):
            raise RuntimeError(f"Qt 的中文翻译文件 {name}.qm 不在 {folder}：安装不完整，请重新安装程序。")
        app.installTranslator(translator)
        installed.append(translator)
    app._chinese_translators = installed  # keep them alive with the app
    return installed


def ask_second_window(parent, path: Path, sessions) -> str | None:
    """The file is open in another window or command: 'readonly', 'go' or None (cancel)."""
    from models.core.presence import describe_others

    box = QMessageBox(parent)
    box.setIcon(QMessageBox.Warning)
    box.setWindowTitle("数据库已在别处打开")
    box.setText(f"数据库“{path.name}”正被{describe_others(sessions)}使用。\n\n"
                "两处同时登记是安全的，但各自看到的列表不会自动刷新；如果只是查看，请选“只读打开”。")
    readonly = box.addButton("只读打开", QMessageBox.AcceptRole)
    go_on = box.addButton("继续打开", QMessageBox.DestructiveRole)
    box.addButton("取消", QMessageBox.RejectRole)
    box.setDefaultButton(readonly)
    box.exec()
    clicked = box.clickedButton()
    return "readonly" if clicked is readonly else ("go" if clicked is go_on else None)


def open_database_interactive(parent, path, readonly: bool = False) -> object | None:
    """Open the database at path; on failure explain in Chinese and, for a
    corrupt file, offer the newest good backup. Returns the db or None."""
    from ui.core.login import ask_restore

    path = Path(path)
    while True:
        try:
            # Big files are checked and backed up in the background once the
            # window is up, so start-up stays fast (see MainWindow).
            return open_database(path, daily_backup=False, quick_check_max_bytes=QUICK_CHECK_AT_START_MAX_BYTES,
                                 readonly=readonly)
        except CorruptDatabaseError as e:
            backup = ask_restore(parent, e.message, e.backups)
            if backup is None:
                return None
            try:
                kept = restore_backup(backup, path)
            except DatabaseOpenError as e2:
                QMessageBox.critical(parent, "恢复失败", e2.message)
                return None
            QMessageBox.information(parent, "已恢复", f"已用备份“{backup.name}”恢复。"
                                    + (f"\n损坏的文件另存为：{kept}" if kept else ""))
        except DatabaseOpenError as e:
            QMessageBox.warning(parent, "无法打开数据库", e.message)
            return None


def login_interactive(parent, db, county: bool = False) -> object | None:
    """First-run administrator creation (of a township, or of a county collection) or the login
    dialog. Returns an Actor."""
    from ui.core.login import FirstRunDialog, LoginDialog

    if not users.has_users(db):
        dialog = FirstRunDialog(db, parent, county=county)
    else:
        dialog = LoginDialog(db, township.identity(db)["township_name"],
                             str(qsettings().value("last_user", "") or ""), parent)
    if dialog.exec() and dialog.actor:
        qsettings().setValue("last_user", dialog.actor.username)
        return dialog.actor
    return None


class Controller:
    """Owns the open database and the main window; switches databases."""

    def __init__(self):
        self.window = None
        self.db = None

    def open(self, path, actor=None, county: bool = False) -> bool:
        from models.core import presence
        from models.core.users import READONLY, Actor

        parent = self.window
        readonly = False
        others = presence.others(path) if Path(path).is_file() else []
        # Only another window is worth a question: a command (or a script) holding the
        # file for a moment must not stop an unattended start at a modal dialog.
        others = [s for s in (others or []) if s.program == presence.PROGRAM_WINDOW]
        if others:
            choice = ask_second_window(parent, Path(path), others)
            if choice is None:
                return False
            readonly = choice == "readonly"
        db = open_database_interactive(parent, path, readonly=readonly)
        if db is None:
            return False
        actor = actor or login_interactive(parent, db, county=county)
        if actor is None:
            close_database(db)
            return False
        if db.read_only_reason:
            # Nothing can be saved: the window shows and enforces 只读 rights.
            actor = Actor(actor.username, READONLY, actor.display_name)
            if not readonly:
                QMessageBox.information(parent, "只读打开", db.read_only_reason)
        if db.storage_warning:
            QMessageBox.warning(parent, "备份失败", db.storage_warning)
        self._show(db, Path(path), actor)
        return True

    def _show(self, db, path, actor) -> None:
        from ui.common.context import AppContext
        from ui.main_window import MainWindow

        old_window, old_db = self.window, self.db
        ctx = AppContext(db, path, actor)
        self.db = db
        self.window = MainWindow(ctx, self)
        self.window.show()
        qsettings().setValue("last_db", str(path))
        if old_window is not None:
            old_window.close_without_saving_state()
        if old_db is not None and old_db is not db:
            close_database(old_db)

    def switch_actor(self, actor) -> None:
        """Another user logged in at the lock: a fresh window for them on the same database."""
        qsettings().setValue("last_user", actor.username)
        self._show(self.db, Path(self.window.ctx.db_path), actor)

    def restore_after_failed_check(self, message: str, backups) -> None:
        """The background quick_check found damage: offer the newest backup."""
        from ui.core.login import ask_restore

        backup = ask_restore(self.window, message, backups)
        if backup is None:
            return
        path, actor = Path(self.window.ctx.db_path), self.window.ctx.actor
        close_database(self.db)
        self.db = None
        try:
            restore_backup(backup, path)
        except DatabaseOpenError as e:
            QMessageBox.critical(self.window, "恢复失败", e.message)
        self.open(path, actor=actor)

    def rebuild_window(self) -> None:
        """The same database and user in a new main window: after the mode changed (乡镇库 ↔ 县级汇总库)."""
        if self.window is not None and self.db is not None:
            self._show(self.db, Path(self.window.ctx.db_path), self.window.ctx.actor)

    def close(self) -> None:
        if self.db is not None:
            close_database(self.db)
            self.db = None


def run_gui(db_path=None) -> int:
    from models.startup import start

    start()  # also when the window is started without cli.main
    from models.core import presence

    presence.set_program(presence.PROGRAM_WINDOW)  # a second window is told "open in a window"
    app = ensure_app()
    from ui.common import crash

    crash.install()  # an unexpected error: to the log file, and a short message with its path
    path = db_path or qsettings().value("last_db") or default_db_path()
    controller = Controller()
    if not controller.open(path):
        return 1
    code = app.exec()
    controller.close()
    return code
