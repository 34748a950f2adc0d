"""An unexpected error is never silent and never shows a traceback: it goes to
the rotating log file in the data folder, and the user reads one Chinese
sentence with the log's path. Real processes: the command line, and the
window (offscreen) with an exception in a button handler, in a thread and a
Qt warning."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _env(tmp_path) -> dict:
    # platformdirs puts the data folder under XDG_DATA_HOME on Linux
    return dict(os.environ, QT_QPA_PLATFORM="offscreen", PYTHONPATH=str(ROOT), XDG_DATA_HOME=str(tmp_path / "data"),
                HOME=str(tmp_path))


def _log(tmp_path) -> Path:
    return tmp_path / "data" / "XiangzhenOffice" / "logs" / "township.log"


# A command whose handler hits a bug (the function is replaced before the parser is built).
COMMAND_WITH_A_BUG = """
import sys
import cli, cli.core

def broken(args):
    return {}["no such key"]

cli.core.cmd_selftest = broken
sys.exit(cli.main(["selftest"]))
"""


def test_command_line_bug_prints_one_chinese_line_and_exits_non_zero(tmp_path):
    done = subprocess.run([sys.executable, "-c", COMMAND_WITH_A_BUG], cwd=ROOT, env=_env(tmp_path),
                          capture_output=True, text=True, encoding="utf-8", timeout=120)
    assert done.returncode != 0
    assert "Traceback" not in done.stderr + done.stdout
    assert "意外错误" in done.stderr and str(_log(tmp_path)) in done.stderr
    log = _log(tmp_path).read_text(encoding="utf-8")
    assert "Traceback" in log and "KeyError: 'no such key'" in log and "broken" in log


# The window's handlers as run_gui installs them; a button whose handler raises,
# a thread that raises, a Qt warning. The message box is read and closed by a timer.
WINDOW_WITH_A_BUG = """
import sys, threading
from PySide6.QtCore import QTimer, qWarning
from PySide6.QtWidgets import QApplication, QMessageBox, QPushButton
from ui.app import ensure_app
from ui.common import crash

app = ensure_app()
crash.install()
seen = []

def read_box():
    for w in QApplication.topLevelWidgets():
        if isinstance(w, QMessageBox) and w.isVisible():
            seen.append(w.text())
            w.accept()
    if len(seen) >= 2:
        print("SEEN:" + "|".join(seen), flush=True)
        app.quit()
        return
    QTimer.singleShot(50, read_box)

def handler():
    raise ValueError("bug in a button handler")

button = QPushButton("保存")
button.clicked.connect(handler)
button.show()
qWarning("a Qt warning for the log")
QTimer.singleShot(0, button.click)
QTimer.singleShot(300, lambda: threading.Thread(target=lambda: 1 / 0, name="worker-x").start())
QTimer.singleShot(50, read_box)
QTimer.singleShot(20000, app.quit)
app.exec()
"""


def test_window_bug_is_logged_and_shown_without_a_traceback(tmp_path):
    done = subprocess.run([sys.executable, "-c", WINDOW_WITH_A_BUG], cwd=ROOT, env=_env(tmp_path),
                          capture_output=True, text=True, encoding="utf-8", timeout=120)
    assert done.returncode == 0, done.stderr
    assert "Traceback" not in done.stderr + done.stdout
    shown = [line for line in done.stdout.splitlines() if line.startswith("SEEN:")]
    assert shown, done.stdout + done.stderr
    assert "意外错误" in shown[0] and str(_log(tmp_path)) in shown[0] and "ValueError" not in shown[0]
    log = _log(tmp_path).read_text(encoding="utf-8")
    assert "ValueError: bug in a button handler" in log
    assert "ZeroDivisionError" in log and "worker-x" in log
    assert "Qt: a Qt warning for the log" in log
