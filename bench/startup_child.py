"""Run in a child process by the start-up and memory figures.

    python bench/startup_child.py app  DB  [--tabs] [--read-only]   the real program (main.py's path)
    python bench/startup_child.py floor DB [--read-only]             the realistic floor: Qt + sqlite3 + a
                                                       tabbed window whose first tab is a 200-row table
    python bench/startup_child.py login DB [--read-only]   the real program up to its first paint, the
                                                       login dialog (then cancelled)
    python bench/startup_child.py bare                 an empty QMainWindow (second reference)

--read-only (a database cache shared with others): the program opens the file as
the user's 只读打开 does when another window has it (read-only connection, no
migration or backup); the floor reads it through an immutable connection.

Prints "SHOWN <maxrss_kb>" once the main window is shown and the event loop
has run, then (with --tabs) visits every tab and prints "TABS <maxrss_kb>".
The parent times from starting this process to reading the SHOWN line.
"""

import os
import sys

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


def _report_and_quit(app, visit_tabs: bool) -> None:
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
    app.quit()


def _realistic_floor(db_path: str) -> int:
    """What any Qt + SQLite program of this kind pays before its first paint:
    the window with menus, a status bar and the program's tabs, the first
    tab a table of 200 tickets read with one bare query (issue 22)."""
    import sqlite3

    from PySide6.QtCore import QTimer
    from PySide6.QtGui import QStandardItem, QStandardItemModel
    from PySide6.QtWidgets import QApplication, QMainWindow, QTableView, QTabWidget, QWidget

    app = QApplication(sys.argv[:1])
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
    window.show()
    QTimer.singleShot(0, lambda: _report_and_quit(app, False))
    return app.exec()


def main() -> int:
    mode = sys.argv[1]
    visit_tabs = "--tabs" in sys.argv
    if mode == "bare":
        from PySide6.QtCore import QTimer
        from PySide6.QtWidgets import QApplication, QMainWindow

        app = QApplication(sys.argv[:1])
        window = QMainWindow()
        window.resize(1200, 800)
        window.show()
        QTimer.singleShot(0, lambda: _report_and_quit(app, False))
        return app.exec()

    db_path = sys.argv[2]
    if mode == "floor":
        return _realistic_floor(db_path)
    sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    # In main.py's order: cli.main runs models.startup.start() before anything imports Qt.
    # (Every module imported after PySide6 has its source read by PySide's __feature__ import
    # hook; starting with Qt here would charge the figure for that on every model module.)
    from models.startup import start

    start()
    from PySide6.QtCore import QTimer

    import cli
    import ui.app as uiapp
    from models.core.users import ADMIN, Actor

    if mode == "login":
        # What the user sees first: the login dialog, reported once shown, then cancelled.
        from ui.core.login import LoginDialog

        qt_exec = LoginDialog.exec

        def exec_and_report(dialog):
            app = uiapp.ensure_app()
            app._bench_wants_dialog = True
            QTimer.singleShot(0, lambda: (_report_and_quit(app, False), dialog.reject()))
            return qt_exec(dialog)

        LoginDialog.exec = exec_and_report
    else:
        # The login dialog is the only interactive step: log in as an administrator.
        uiapp.login_interactive = lambda parent, db, **kw: Actor("bench", ADMIN, "基准测试")
    if "--read-only" in sys.argv:
        # The path a user takes when another window has the file: "只读打开".
        from models.core import presence

        presence.others = lambda path: [presence.Session(0, "bench", "bench", presence.PROGRAM_WINDOW, "")]
        uiapp.ask_second_window = lambda parent, path, sessions: "readonly"
    app = uiapp.ensure_app()
    if mode != "login":
        QTimer.singleShot(0, lambda: _report_and_quit(app, visit_tabs))
    return cli.main(["--db", db_path])


if __name__ == "__main__":
    sys.exit(main())
