"""Run in a child process by the start-up and memory figures.

    python bench/startup_child.py app  DB  [--tabs]   the real program (main.py's path)
    python bench/startup_child.py bare                 an empty QMainWindow (the floor)

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

    windows = [w for w in app.topLevelWidgets() if isinstance(w, QMainWindow) and w.isVisible()]
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
    sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    from PySide6.QtCore import QTimer

    import cli
    import ui.app as uiapp
    from models.core.users import ADMIN, Actor

    # The login dialog is the only interactive step: log in as an administrator.
    uiapp.login_interactive = lambda parent, db, **kw: Actor("bench", ADMIN, "基准测试")
    app = uiapp.ensure_app()
    QTimer.singleShot(0, lambda: _report_and_quit(app, visit_tabs))
    return cli.main(["--db", db_path])


if __name__ == "__main__":
    sys.exit(main())
