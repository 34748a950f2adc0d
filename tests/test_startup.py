"""Every setting is registered at program start from one place (models/startup.py),
so 设置 → 参数 lists all of them whichever tabs were opened. Each check runs in a
fresh process: inside pytest every module is already imported and would hide a gap."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
IDENTITY_KEYS = {"township_name", "township_code", "county_name", "supervision_phone", "office_phone"}


def _run(code: str, *args: str) -> list[str]:
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", PYTHONPATH=str(ROOT))
    done = subprocess.run([sys.executable, "-c", code, *args], cwd=ROOT, env=env, capture_output=True,
                          text=True, encoding="utf-8", timeout=120)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.strip().splitlines()[-1])


EVERY_MODULE = """
import importlib, json, pkgutil
import models
for info in pkgutil.walk_packages(models.__path__, "models."):
    importlib.import_module(info.name)
from models.core import settings
from models.notices import registry
print(json.dumps([list(settings.DEFAULTS), list(registry.KINDS)]))
"""

COMMAND_LINE = """
import json, sys
import cli
try:
    cli.main(["--version"])  # the smallest command: imports no domain by itself
except SystemExit:
    pass
from models.core import settings
from models.notices import registry
print(json.dumps([list(settings.DEFAULTS), list(registry.KINDS)]))
"""

# Starts the real window through cli.main, logs in through the login dialog,
# opens 设置 and prints the keys its 参数 page shows.
WINDOW = """
import json, sys
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication
import cli

shown = []

def step():
    app = QApplication.instance()
    from ui.core.login import LoginDialog
    from ui.main_window import MainWindow
    for widget in app.topLevelWidgets():
        if isinstance(widget, LoginDialog) and widget.isVisible():
            widget.username.setText("admin")
            widget.password.setText("secret123")
            widget.try_login()
        elif isinstance(widget, MainWindow) and widget.isVisible() and not shown:
            from ui.core.settings_dialog import SettingsDialog
            dialog = SettingsDialog(widget.ctx, widget, page=4)
            shown.append(list(dialog.param_widgets))
            print(json.dumps(shown[0]), flush=True)
            widget.close_without_saving_state()
            app.quit()
            return
    QTimer.singleShot(50, step)

from ui.app import ensure_app
ensure_app()
QTimer.singleShot(50, step)
cli.main(["--db", sys.argv[1]])
"""


def _database(tmp_path) -> Path:
    from models.core import users
    from models.core.db import close_database, open_database

    path = tmp_path / "start.db"
    db = open_database(path)
    users.create_user(db, "admin", "secret123", users.ADMIN, "管理员")
    close_database(db)
    return path


def test_command_line_start_registers_every_declared_setting_and_notice_kind():
    declared, declared_kinds = _run(EVERY_MODULE)
    assert len(declared) > 40  # sanity: the domains' thresholds are there
    at_start, kinds_at_start = _run(COMMAND_LINE)
    assert sorted(at_start) == sorted(declared), set(declared) ^ set(at_start)
    assert len(declared_kinds) >= 14 and sorted(kinds_at_start) == sorted(declared_kinds)


def test_window_settings_page_lists_every_setting_in_a_fresh_process(tmp_path):
    declared, _ = _run(EVERY_MODULE)
    listed = _run(WINDOW, str(_database(tmp_path)))
    assert sorted(listed) == sorted(set(declared) - IDENTITY_KEYS)
