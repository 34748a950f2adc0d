"""Starting the window: open the database (with clear dialogs when it cannot
be opened), log in or create the first administrator, show the main window.

At the program's start (Controller.start) the login dialog is the first paint:
it is shown before sqlite-utils and the models are imported and before the
file is opened, checked and migrated; those run in the next turns of the event
loop while the user types (issue 22). So this module imports nothing of the
database layer at the top (models.core.db without sqlite-utils is light)."""

from __future__ import annotations

import sys
import time
from pathlib import Path

# The models this start needs before its first paint come before Qt: PySide's import hook reads
# the source of every module imported after PySide6 (~0.5 ms each).
from models import APP_ID
from models.core import errorlog, presence  # noqa: F401  (ui.common.crash; run_gui)
from models.core.db import close_database, open_database, restore_backup
from models.core.errors import CorruptDatabaseError, DatabaseOpenError
from models.core.paths import default_db_path
from models.startup import first_look

from PySide6.QtCore import QEvent, QLibraryInfo, QLocale, QObject, QSettings, QTimer, QTranslator
from PySide6.QtWidgets import QApplication, QMessageBox

from ui.common.fonts import register_fonts


QUICK_CHECK_AT_START_MAX_BYTES = 64 * 1024 * 1024
# The main window built while the password is typed is shown when the login gives the actor it
# was built for within this many seconds; older, a fresh one is built (it shows the file as it
# was read then, as a window open that long does).
PREBUILT_WINDOW_FRESH_S = 60.0


def qsettings() -> QSettings:
    return QSettings(APP_ID, APP_ID)


def ensure_app() -> QApplication:
    app, created = _application()
    if created:
        _equip_office_tables(app)
    return app


def _application() -> tuple[QApplication, bool]:
    """The QApplication (made here if there is none yet, with Qt's Chinese texts and the
    bundled font), and whether it was made now."""
    app = QApplication.instance()
    created = app is None
    if app is None:
        app = QApplication(sys.argv[:1])
        app.setApplicationName(APP_ID)
        app.setOrganizationName(APP_ID)
        install_chinese_translations(app)
    register_fonts(app)
    return app, created


def _equip_office_tables(app: QApplication) -> None:
    # Every table of the program gets copy/export/print and the frozen first column.
    from ui.common.tables import install_office_tables

    install_office_tables(app)


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


def open_with_questions(parent, path) -> tuple[object, bool] | None:
    """Open the database at path for the window: (db, opened read-only at the user's choice),
    or None when the user cancelled or was told why it cannot be opened."""
    readonly = False
    others = presence.others(path) if Path(path).is_file() else []
    # Only another window is worth a question: a command (or a script) holding the
    # file for a moment must not stop an unattended start at a modal dialog.
    others = [s for s in (others or []) if s.program == presence.PROGRAM_WINDOW]
    if others:
        choice = ask_second_window(parent, Path(path), others)
        if choice is None:
            return None
        readonly = choice == "readonly"
    db = open_database_interactive(parent, path, readonly=readonly)
    return None if db is None else (db, readonly)


def _after_first_paint(widget, then) -> None:
    """Run `then` in the event loop's turn after widget's first paint (a filter on that one
    widget, not on the application: see ui/common/tables.py on application-wide filters)."""

    class FirstPaint(QObject):
        def eventFilter(self, obj, event):
            if event.type() == QEvent.Type.Paint:
                widget.removeEventFilter(self)
                QTimer.singleShot(0, run_once)
            return False

    def run_once() -> None:
        if not done:
            done.append(True)
            then()

    done: list[bool] = []
    watcher = FirstPaint(widget)
    widget.installEventFilter(watcher)
    # A window that is never exposed (a platform without a compositor's paint) must still open.
    QTimer.singleShot(1000, run_once)


def _remember(values: dict) -> None:
    settings = qsettings()
    for key, value in values.items():
        settings.setValue(key, value)


def login_interactive(parent, db, county: bool = False) -> object | None:
    """First-run administrator creation (of a township, or of a county collection) or the login
    dialog. Returns an Actor."""
    from models.core import township, users
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
        self.starting = None  # the first dialog while the program starts (see start)
        self._start_opened = None
        self._equip_tables = False
        self._prebuilt = None  # (monotonic time built, actor, MainWindow not yet begun)

    def open(self, path, actor=None, county: bool = False) -> bool:
        """Open the database at path (from the menu, or after a restore) and show its window:
        questions and messages first, then the login dialog."""
        parent = self.window
        opened = open_with_questions(parent, path)
        if opened is None:
            return False
        db, readonly = opened
        actor = actor or login_interactive(parent, db, county=county)
        if actor is None:
            close_database(db)
            return False
        self._enter(parent, db, Path(path), actor, readonly)
        return True

    @staticmethod
    def _window_actor(db, actor):
        """The actor the window runs as: on a file that cannot be saved, with 只读 rights."""
        from models.core.users import READONLY, Actor

        return Actor(actor.username, READONLY, actor.display_name) if db.read_only_reason else actor

    def _enter(self, parent, db, path: Path, actor, readonly: bool) -> None:
        """Logged in: what the user must know about the open file, then the main window."""
        actor = self._window_actor(db, actor)
        if db.read_only_reason:
            # Nothing can be saved: the window shows and enforces 只读 rights.
            if not readonly:
                QMessageBox.information(parent, "只读打开", db.read_only_reason)
        if db.storage_warning:
            QMessageBox.warning(parent, "备份失败", db.storage_warning)
        self._show(db, path, actor)

    def start(self, path, equip_tables: bool = True) -> None:
        """The program's first window (run_gui): the login dialog at once, the file behind it.

        The dialog that fits the file (models.startup.first_look: login, or first run when there is
        no file or no user yet) is shown with its fields taking input and its button waiting. Once
        it has been painted, the next turns of the event loop register the settings (importing
        sqlite-utils and the models), then ask about another window having the file, open it
        (damaged → the restore offer, refused files, newer schema, migrations and their backup,
        read-only disk, the daily quick_check) with every message over the dialog, and hand it the
        open file. Cancelling a question, a file that cannot be opened, or 退出 ends the program
        (run_gui returns 1). `self.starting` is the dialog until the main window is shown."""
        from ui.core.login import FirstRunDialog, LoginDialog

        path = Path(path)
        self._equip_tables = equip_tables
        look = first_look(path)
        if look.first_run:
            dialog = FirstRunDialog(None)
        else:
            dialog = LoginDialog(None, look.township_name, str(qsettings().value("last_user", "") or ""),
                                 demo=look.demo)
        self._starting(dialog, path, None)
        _after_first_paint(dialog, lambda: self._start_step(self._register_behind, dialog, path))

    def _starting(self, dialog, path: Path, opened) -> None:
        self.starting = dialog
        self._start_opened = opened  # (db, readonly) once open
        dialog.finished.connect(lambda _result: self._start_step(self._start_dialog_done, dialog, path))
        dialog.show()

    def _start_step(self, step, *args) -> None:
        try:
            step(*args)
        except BaseException:
            # A bug while starting: the program ends (no window would ever show) once the crash
            # handler (ui/common/crash.py) has logged it and told the user.
            if self.window is None:
                if self._start_opened is not None:
                    close_database(self._start_opened[0])
                    self._start_opened = None
                self._give_up()
            raise

    def _register_behind(self, dialog, path: Path) -> None:
        if self.starting is not dialog:
            return  # 退出 was clicked first
        from models.startup import start

        start()  # every setting and notice kind (imports sqlite-utils with the models)
        QTimer.singleShot(0, lambda: self._start_step(self._open_behind, dialog, path))

    def _open_behind(self, dialog, path: Path) -> None:
        if self.starting is not dialog:
            return
        opened = open_with_questions(dialog, path)
        if self.starting is not dialog:  # closed while a question was up
            if opened is not None:
                close_database(opened[0])
            return
        if opened is None:
            self._give_up()
            return
        self._start_opened = opened
        db = opened[0]
        from models.core import township, users
        from ui.core.login import FirstRunDialog, LoginDialog

        first_run = not users.has_users(db)
        if first_run != isinstance(dialog, FirstRunDialog):
            # The first look could not read the file (a damaged one, restored just now): the other dialog.
            self.starting = None  # its finished signal must not end the start
            dialog.close()
            fresh = (FirstRunDialog(db) if first_run else
                     LoginDialog(db, township.identity(db)["township_name"],
                                 str(qsettings().value("last_user", "") or "")))
            self._starting(fresh, path, opened)
            dialog = fresh
        elif isinstance(dialog, LoginDialog):
            name = township.identity(db)["township_name"]
            dialog.set_database(db, township_name=name if name not in dialog.title.text() else None)
        else:
            dialog.set_database(db)
        # While the password is typed: the main window's modules and the office tables' equipment,
        # then the modules of the tab the user will most likely land on, so the window appears
        # sooner after the login.
        QTimer.singleShot(0, self._prepare_main_window)
        QTimer.singleShot(0, lambda: self._start_step(self._preload_landing_tab, dialog, db, path))

    def _prepare_main_window(self) -> None:
        """Once, before the first main window: the office tables' equipment (if this start made
        the QApplication) and the main window's modules."""
        if self._equip_tables:
            self._equip_tables = False
            _equip_office_tables(QApplication.instance())
        import ui.main_window  # noqa: F401

    def _preload_landing_tab(self, dialog, db, path: Path) -> None:
        if self.starting is not dialog or not dialog.isVisible():
            return  # logged in already (or gone): the window imports what it builds
        from ui.main_window import preload_landing_tab

        username = getattr(dialog, "username", None)
        preload_landing_tab(db, username.text().strip() if username is not None else "")
        if username is None:
            return  # the first-run dialog: its administrator does not exist yet

        def prebuild() -> None:
            QTimer.singleShot(0, lambda: self._start_step(self._prebuild_window, dialog, db, path))

        # For the remembered name now; for a name typed by hand, once the user moves on to the password.
        username.editingFinished.connect(prebuild)
        prebuild()

    def _prebuild_window(self, dialog, db, path: Path) -> None:
        """While the password is typed: the main window for the account named in the dialog,
        hidden and not begun (no timers, no idle lock). _show uses it if the login gives that
        actor; the password is checked as always, and nothing is written before it is."""
        if self.starting is not dialog or not dialog.isVisible() or self._start_opened is None:
            return
        from models.core.users import actor_if_logged_in
        from ui.common.context import AppContext
        from ui.main_window import MainWindow

        actor = actor_if_logged_in(db, dialog.username.text())
        if actor is None:
            return  # no such active account: the window is built after the login, as before
        actor = self._window_actor(db, actor)
        if self._prebuilt is not None and self._prebuilt[1] == actor:
            return  # built for this account already
        self._discard_prebuilt()
        self._prebuilt = (time.monotonic(), actor, MainWindow(AppContext(db, path, actor), self, begin=False))

    @property
    def prepared_window(self):
        """The main window built while the password is typed (hidden, not begun), or None."""
        return self._prebuilt[2] if self._prebuilt is not None else None

    def _take_prebuilt(self, db, path, actor):
        """The window built for this login while the password was typed, else None (and
        any other prebuilt window is thrown away)."""
        if self._prebuilt is not None:
            built_at, built_for, window = self._prebuilt
            if (window.ctx.db is db and Path(window.ctx.db_path) == Path(path) and built_for == actor
                    and time.monotonic() - built_at <= PREBUILT_WINDOW_FRESH_S):
                self._prebuilt = None
                return window
        self._discard_prebuilt()
        return None

    def _discard_prebuilt(self) -> None:
        prebuilt, self._prebuilt = self._prebuilt, None
        if prebuilt is not None:
            prebuilt[2].deleteLater()

    def _start_dialog_done(self, dialog, path: Path) -> None:
        if self.starting is not dialog:
            return
        self.starting = None
        opened, self._start_opened = self._start_opened, None
        actor = dialog.actor if dialog.result() else None
        if actor is None or opened is None:
            if opened is not None:
                close_database(opened[0])
            self._give_up()
            return
        db, readonly = opened  # last_user is remembered once the window is painted (_show)
        self._prepare_main_window()  # done already unless the login came at once
        self._enter(None, db, path, actor, readonly)
        QApplication.instance().setQuitOnLastWindowClosed(True)

    def _give_up(self) -> None:
        self._discard_prebuilt()
        dialog, self.starting = self.starting, None
        if dialog is not None:
            dialog.close()  # the file could not be opened (the user was told why) or a question was cancelled
        QApplication.instance().exit(1)

    def _show(self, db, path, actor) -> None:
        from ui.common.context import AppContext
        from ui.main_window import MainWindow

        old_window, old_db = self.window, self.db
        self.db = db
        window = self._take_prebuilt(db, path, actor)
        if window is None:
            window = MainWindow(AppContext(db, path, actor), self)
        else:
            window.begin()
        self.window = window
        window.show()
        # Remembered after the window's first paint, in one write: each QSettings write syncs its
        # file to disk (two fdatasync, 10-15 ms wall here) while the user waits for the window.
        _after_first_paint(self.window, lambda: _remember({"last_db": str(path), "last_user": actor.username}))
        if old_window is not None:
            old_window.close_without_saving_state()
        if old_db is not None and old_db is not db:
            close_database(old_db)

    def switch_actor(self, actor) -> None:
        """Another user logged in at the lock: a fresh window for them on the same database
        (remembered as the last user by _show)."""
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
    presence.set_program(presence.PROGRAM_WINDOW)  # a second window is told "open in a window"
    app, created = _application()
    from ui.common import crash

    crash.install()  # an unexpected error: to the log file, and a short message with its path
    path = db_path or qsettings().value("last_db") or default_db_path()
    controller = Controller()
    # Between the login dialog closing and the main window showing no window is visible.
    app.setQuitOnLastWindowClosed(False)
    controller.start(path, equip_tables=created)
    code = app.exec()
    controller.close()
    return code if controller.window is not None else 1
