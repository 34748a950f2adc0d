"""Run in a child process by the start-up and memory figures.

    python bench/startup_child.py app  DB  [--tabs] [--read-only]   the real program (main.py's path)
    python bench/startup_child.py floor DB [--read-only]             the realistic floor: Qt + sqlite3 + a
                                                       tabbed window whose first tab is a 200-row table
    python bench/startup_child.py login DB [--read-only]   the real program up to its first paint, the
                                                       login dialog; then READY when the file is open
                                                       behind it and the dialog takes the password
                                                       (then 退出)
    python bench/startup_child.py typed DB [--read-only]   as app, but the login is answered TYPED_PAUSE_S
                                                       after READY (a user typing the password): prints
                                                       "OK <cpu_s>" at the login's OK, so the parent times
                                                       what the user waits after it
    (app/typed: --role ROLE logs in with that role, e.g. window: its first tab is 便民服务)
    python bench/startup_child.py bare                 an empty QMainWindow (second reference)

--read-only (a database cache shared with others): the program opens the file as
the user's 只读打开 does when another window has it (read-only connection, no
migration or backup); the floor reads it through an immutable connection.

The floor prints "APP <cpu_s>" once its QApplication exists (before it reads the rows and builds
its window). Prints "SHOWN <maxrss_kb> <windows> <cpu_s>" once the main window (login: the
login dialog) has been painted and the event loop has turned, then (with
--tabs) visits every tab and prints "TABS <maxrss_kb>". "READY <cpu_s>" when
the database is open and the login dialog can take the password. The parent
times from starting this process to reading the SHOWN (and READY) line.
"""

import os
import sys

# How long after the 登录 button is enabled the typed mode answers the login: a user types a
# password for longer than this, so what the program does while it waits is hidden from them.
TYPED_PAUSE_S = 1.5

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")


def _maxrss_kb() -> int:
    """Peak resident memory of this process in KiB. VmHWM, not getrusage's
    ru_maxrss: on Linux ru_maxrss survives fork+exec, so a child of a big
    benchmark process would report its parent's peak."""
    try:
        with open("/proc/self/status", encoding="ascii") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
    except OSError:
        pass
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def _report_and_quit(app, visit_tabs: bool, quit_after: bool = True) -> None:
    from PySide6.QtWidgets import QMainWindow

    from PySide6.QtWidgets import QDialog

    kind = QDialog if getattr(app, "_bench_wants_dialog", False) else QMainWindow
    windows = [w for w in app.topLevelWidgets() if isinstance(w, kind) and w.isVisible()]
    import time

    # CPU seconds of this process since it started (the machine may be shared).
    print(f"SHOWN {_maxrss_kb()} {len(windows)} {time.process_time():.4f}", flush=True)
    if visit_tabs and windows:
        tabs = getattr(windows[0], "tabs", None)
        if tabs is not None:
            for i in range(tabs.count()):
                tabs.setCurrentIndex(i)
                app.processEvents()
        print(f"TABS {_maxrss_kb()}", flush=True)
        # Visiting the tabs gives the window time to start its background quick_check of a big
        # file (ui/main_window.py, 0.5 s after it is built): minutes on the 1M county, and the
        # thread pool waits for it at exit. The figure has its line: end the process here.
        sys.stdout.flush()
        os._exit(0)
    if quit_after:
        app.quit()


def _report_after_first_paint(app, window) -> None:
    """Report in the event loop's turn after the window's first paint, as the program's
    figures are (ui.app._after_first_paint): a report at a zero timer after show() came
    before the paint, so the floors left out their own paint (19 ms of the floor's 34 here)."""
    from PySide6.QtCore import QEvent, QObject, QTimer

    class FirstPaint(QObject):
        def eventFilter(self, obj, event):  # noqa: N802 - Qt naming
            if event.type() == QEvent.Type.Paint:
                window.removeEventFilter(self)
                QTimer.singleShot(0, lambda: _report_and_quit(app, False))
            return False

    window.installEventFilter(FirstPaint(window))


def _realistic_floor(db_path: str) -> int:
    """What any Qt + SQLite program of this kind pays before its first paint:
    the window with menus, a status bar and the program's tabs, the first
    tab a table of 200 tickets read with one bare query (issue 22)."""
    import sqlite3

    from PySide6.QtGui import QStandardItem, QStandardItemModel
    from PySide6.QtWidgets import QApplication, QMainWindow, QTableView, QTabWidget, QWidget

    app = QApplication(sys.argv[:1])
    import time

    # From here the floor builds and paints its window: the part to set beside what the program
    # does after the login's OK (the typed figure).
    print(f"APP {time.process_time():.4f}", flush=True)
    immutable = "&immutable=1" if "--read-only" in sys.argv else ""
    conn = sqlite3.connect(f"file:{db_path}?mode=ro{immutable}", uri=True)
    columns = ["ticket_no", "applicant_name", "applicant_village", "item_name", "department", "status",
               "received_date", "due_date", "handler_name"]
    rows = conn.execute(f"SELECT {', '.join(columns)} FROM tickets WHERE deleted = 0 ORDER BY id DESC LIMIT 200").fetchall()
    window = QMainWindow()
    window.setWindowTitle("乡镇工作台")
    for title in ("文件(&F)", "公示(&N)", "设置(&S)", "帮助(&H)"):
        menu = window.menuBar().addMenu(title)
        menu.addAction("…")
    tabs = QTabWidget()
    tabs.setDocumentMode(True)
    model = QStandardItemModel(len(rows), len(columns))
    model.setHorizontalHeaderLabels(columns)
    for r, row in enumerate(rows):
        for c, value in enumerate(row):
            model.setItem(r, c, QStandardItem("" if value is None else str(value)))
    view = QTableView()
    view.setModel(model)
    view.setSortingEnabled(True)
    tabs.addTab(view, "便民服务")
    for title in ("领导班子", "考核"):
        tabs.addTab(QWidget(), title)
    window.setCentralWidget(tabs)
    window.statusBar().showMessage(f"{len(rows)} 条")
    window.resize(1200, 800)
    _report_after_first_paint(app, window)
    window.show()
    return app.exec()


def main() -> int:
    mode = sys.argv[1]
    visit_tabs = "--tabs" in sys.argv
    if mode == "bare":
        from PySide6.QtWidgets import QApplication, QMainWindow

        app = QApplication(sys.argv[:1])
        window = QMainWindow()
        window.resize(1200, 800)
        _report_after_first_paint(app, window)
        window.show()
        return app.exec()

    db_path = sys.argv[2]
    if mode == "floor":
        return _realistic_floor(db_path)
    sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    # In main.py's order: cli.main → ui.app → the login dialog painted first; the settings, the
    # models and sqlite-utils come after that paint. The hooks below import only what main.py's
    # path imports before its first paint (ui.app, ui.core.login).
    import cli
    import ui.app as uiapp
    from ui.core.login import FirstRunDialog, LoginDialog

    # Every run lands on its role's first tab: a --tabs run (the memory figure) visits every tab, and
    # the window remembers the last one per user in the benchmark's private settings.
    uiapp.qsettings().remove("last_tab")
    if "--read-only" in sys.argv:
        # The path a user takes when another window has the file: "只读打开".
        from models.core import presence

        presence.others = lambda path: [presence.Session(0, "bench", "bench", presence.PROGRAM_WINDOW, "")]
        uiapp.ask_second_window = lambda parent, path, sessions: "readonly"

    def report_when_painted(widget, app, kind) -> None:
        app._bench_wants_dialog = kind == "dialog"
        uiapp._after_first_paint(widget, lambda: _report_and_quit(app, visit_tabs, quit_after=mode != "login"))

    qt_start = uiapp.Controller.start

    def start_and_watch(controller, *args, **kwargs):
        qt_start(controller, *args, **kwargs)
        if mode == "login":
            # What the user sees first: the login dialog, reported at its first paint.
            report_when_painted(controller.starting, uiapp.QApplication.instance(), "dialog")

    uiapp.Controller.start = start_and_watch
    for dialog_class in (LoginDialog, FirstRunDialog):
        qt_set_database = dialog_class.set_database

        def set_database_and_answer(dialog, db, *args, _qt=qt_set_database, **kwargs):
            _qt(dialog, db, *args, **kwargs)
            import time

            # The file is open and the dialog ready for the password.
            print(f"READY {time.process_time():.4f}", flush=True)
            if mode == "login":
                dialog.reject()  # 退出: the program ends
                return
            from models.core.users import ADMIN, Actor

            # --role window: the window clerk, whose first tab is 便民服务 (the administrator's is 领导班子).
            role = sys.argv[sys.argv.index("--role") + 1] if "--role" in sys.argv else ADMIN

            username = "bench"
            if mode == "typed" and hasattr(dialog, "username"):
                # A user of that role types their own name: the program guesses their first tab from it.
                from models.core import users

                names = [u["username"] for u in users.list_users(db) if u["role"] == role and u["active"]]
                if names:
                    username = names[0]
                    dialog.username.setText(username)

            def answer() -> None:
                # The login dialog is the only interactive step: log in with that role (answered in
                # code: the figure does not time a password hash).
                # The actor the real login gives (its rights read from the database), so the
                # window built while the password was typed is the one shown, as for a user.
                from models.core.users import actor_if_logged_in

                dialog.actor = actor_if_logged_in(db, username) or Actor(username, role, "基准测试")
                print(f"OK {time.process_time():.4f}", flush=True)
                dialog.accept()

            if mode == "typed":
                uiapp.QTimer.singleShot(int(TYPED_PAUSE_S * 1000), answer)
            else:
                answer()

        dialog_class.set_database = set_database_and_answer
    if mode != "login":
        qt_show = uiapp.Controller._show

        def show_and_watch(controller, *args, **kwargs):
            qt_show(controller, *args, **kwargs)
            report_when_painted(controller.window, uiapp.QApplication.instance(), "window")

        uiapp.Controller._show = show_and_watch
    return cli.main(["--db", db_path])


if __name__ == "__main__":
    sys.exit(main())
