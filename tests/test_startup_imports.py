"""Issue 22: nothing heavy is imported before the first paint.

A real process starts the program on a real database through cli.main, as
main.py does. What the user sees first is the login dialog: at its first paint
not even sqlite-utils (the database layer, with click, dateutil and pluggy) is
loaded; the file is opened behind the painted dialog. The login is then
answered in code (as bench/startup_child.py does) and at the main window's
first paint reading Excel, writing PDFs, signing packages, pinyin and the lunar
calendar are still each waiting until the user first needs them."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

# Module → why it must wait (what needs it).
HEAVY = {
    "reportlab": "PDF notices, only when a notice is made",
    "openpyxl": "Excel reading/writing of the assessment, only when used",
    "cryptography": "package signing and encryption, only at export/import",
    "pypinyin": "pinyin initials for search, only when a record is indexed",
    "lunar_python": "the provisional holiday calendar, only for years without the official one",
    "chinese_calendar": "the official holiday calendar, only when seeding years",
    "PIL": "photos and images, only when shown",
    "pypdfium2": "PDF preview, only when previewing",
    "models.handoff.merge": "the hand-off merge, only at import",
    "models.handoff.export": "the hand-off export, only at export",
    "logging.handlers": "the error log's file handler, only when an error is logged",
    "urllib.request": "(xml.sax.saxutils pulls in urllib/http/ssl)",
    "http.client": "(xml.sax.saxutils pulls in urllib/http/ssl)",
}
# Loaded behind the painted login dialog: the database layer (DESIGN.md keeps sqlite-utils;
# its import is 80-115 ms), the models the settings registration imports, the tables' helpers.
AFTER_THE_LOGIN_PAINT = {
    "sqlite_utils": "the database layer, imported when the file is opened",
    "click": "(sqlite-utils)",
    "dateutil": "(sqlite-utils)",
    "pluggy": "(sqlite-utils)",
    "models.core.database": "the program's Database class (sqlite-utils)",
    "models.service.tickets": "settings registration (models.startup.start)",
    "models.roster.team": "settings registration (models.startup.start)",
    "ui.common.tables": "the office tables' helpers, for the main window",
    "ui.main_window": "the main window, imported while the password is typed",
}

CHILD = r"""
import json, sys
sys.path.insert(0, sys.argv[3])
import cli
import ui.app as uiapp
from ui.core.login import LoginDialog

role = sys.argv[2]
seen = {}


def report(kind, widget):
    entry = {"modules": sorted(sys.modules), "class": type(widget).__name__}
    if kind == "window":
        entry["tab"] = widget.tabs.tabText(widget.tabs.currentIndex())
    seen[kind] = entry
    if kind == "window":
        print("MODULES " + json.dumps(seen), flush=True)
        uiapp.QApplication.instance().quit()


qt_application = uiapp._application


def application_with_watcher():
    # Paints are watched from the moment the QApplication exists (not through the program's
    # own first-paint helper, which this test checks).
    from PySide6.QtCore import QEvent, QObject, QTimer
    from PySide6.QtWidgets import QDialog, QMainWindow

    app, created = qt_application()

    class FirstPaint(QObject):
        def eventFilter(self, obj, event):
            if event.type() == QEvent.Type.Paint:
                kind = "dialog" if isinstance(obj, QDialog) else "window" if isinstance(obj, QMainWindow) else ""
                if kind and kind not in seen and obj.isWindow():
                    seen[kind] = None
                    QTimer.singleShot(0, lambda: report(kind, obj))
            return False

    app._first_paint_watcher = FirstPaint()
    app.installEventFilter(app._first_paint_watcher)
    QTimer.singleShot(60000, app.quit)  # never hang the test
    return app, created


uiapp._application = application_with_watcher
qt_set_database = LoginDialog.set_database


def answer(dialog, db, *args, **kwargs):
    qt_set_database(dialog, db, *args, **kwargs)
    from models.core.users import Actor

    dialog.actor = Actor("tester", role, "测试")
    dialog.accept()


LoginDialog.set_database = answer
sys.exit(cli.main(["--db", sys.argv[1]]))
"""


@pytest.fixture(scope="module")
def database(tmp_path_factory):
    """The demo township: cadres, tickets and every tab's data, as a user sees it."""
    from models.demo.township import DemoOptions, build_demo_file

    path = tmp_path_factory.mktemp("startup") / "township.db"
    build_demo_file(path, DemoOptions(tickets=300))
    return path


def _loaded_at_first_paint(path: Path, role: str, tmp_path: Path) -> dict:
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", XDG_CONFIG_HOME=str(tmp_path / "config"),
               XDG_DATA_HOME=str(tmp_path / "data"))
    done = subprocess.run([sys.executable, "-c", CHILD, str(path), role, str(ROOT)], cwd=ROOT, env=env,
                          capture_output=True, text=True, encoding="utf-8", timeout=120)
    lines = [line for line in done.stdout.splitlines() if line.startswith("MODULES ")]
    assert lines, f"the window did not paint (exit {done.returncode}): {done.stderr[-2000:]}"
    return json.loads(lines[0][len("MODULES "):])


@pytest.mark.parametrize("role, landing", [("admin", "领导班子"), ("window", "便民服务")])
def test_nothing_heavy_before_the_first_paint(database, tmp_path, role, landing):
    seen = _loaded_at_first_paint(database, role, tmp_path)
    assert seen["window"]["tab"] == landing
    loaded = set(seen["window"]["modules"])
    early = {name: why for name, why in HEAVY.items() if name in loaded}
    if _due_dates_reach_a_provisional_year(database):
        # Near the end of a year whose successor has no official calendar yet, the window clerk's
        # first page shows due dates in that year: the provisional calendar is needed at once.
        early.pop("lunar_python", None)
    assert not early, "imported before the first paint: " + "; ".join(f"{n} — {w}" for n, w in early.items())


def test_the_login_dialog_is_painted_before_the_database_layer_is_imported(database, tmp_path):
    seen = _loaded_at_first_paint(database, "admin", tmp_path)
    assert seen["dialog"]["class"] == "LoginDialog"
    loaded = set(seen["dialog"]["modules"])
    waiting = {**HEAVY, **AFTER_THE_LOGIN_PAINT}
    early = {name: why for name, why in waiting.items() if name in loaded}
    assert not early, ("imported before the login dialog's first paint: "
                       + "; ".join(f"{n} — {w}" for n, w in early.items()))
    # ...and the file was opened behind it: the window came after (with sqlite-utils by then).
    assert "sqlite_utils" in set(seen["window"]["modules"])


def _due_dates_reach_a_provisional_year(path: Path) -> bool:
    """Whether a ticket received today could be due in a year without the official calendar
    (a promise runs at most a few months ahead)."""
    import datetime as dt

    from models.core.db import close_database, open_database
    from models.service import workdays

    db = open_database(path, daily_backup=False)
    try:
        today = dt.date.today()
        return any(workdays.is_provisional(db, day) for day in (today, today + dt.timedelta(days=90)))
    finally:
        close_database(db)


@pytest.mark.parametrize("module, paint", [("reportlab", "window"), ("sqlite_utils", "dialog")])
def test_the_check_sees_a_heavy_import(database, tmp_path, monkeypatch, module, paint):
    # The check itself can fail: a program that imports reportlab (or sqlite-utils before the
    # login dialog is painted) at start is caught.
    sitecustomize = tmp_path / "site"
    sitecustomize.mkdir()
    (sitecustomize / "sitecustomize.py").write_text(f"import {module}\n", encoding="utf-8")
    monkeypatch.setenv("PYTHONPATH", str(sitecustomize))
    seen = _loaded_at_first_paint(database, "admin", tmp_path)
    assert module in seen[paint]["modules"]


# Issue 22: the main window builds only the tab it opens on (and of that tab only its first page);
# the other tabs' modules, and the modules of the landing tab's other pages, are imported when
# first chosen. Module prefix → what waits for it.
OTHER_TABS_BY_LANDING = {
    "领导班子": {
        "ui.service": "the 便民服务 tab",
        "ui.assess": "the 考核 tab",
        "ui.handoff": "the county's 横向比较 tab and the package dialogs",
        "ui.roster.pages": "领导班子's pages other than 干部名册",
        "ui.roster.dialogs": "the roster's dialogs (import, appointment), when first opened",
    },
    "便民服务": {
        "ui.roster": "the 领导班子 tab (and its import-template dialogs)",
        "ui.assess": "the 考核 tab",
        "ui.handoff": "the county's 横向比较 tab and the package dialogs",
        "ui.service.ledger": "the 办件台帐 page",
        "ui.service.table_model": "the 办件台帐 page's table",
        "ui.service.stats": "the 统计 page",
        "ui.service.admin": "the catalogue, desk, calendar and rectification pages",
    },
}
# Menus' dialogs: imported when the menu item is chosen.
MENU_DIALOGS = {
    "ui.core.settings_dialog": "设置", "ui.election": "换届", "ui.core.guide": "使用说明",
}


def _waiting_but_loaded(loaded: set[str], landing: str) -> dict[str, str]:
    waiting = {**OTHER_TABS_BY_LANDING[landing], **MENU_DIALOGS}
    return {prefix: why for prefix, why in waiting.items()
            if any(name == prefix or name.startswith(prefix + ".") for name in loaded)}


@pytest.mark.parametrize("role, landing", [("admin", "领导班子"), ("window", "便民服务")])
def test_only_the_landing_tab_is_imported_before_the_main_window_paints(database, tmp_path, role, landing):
    seen = _loaded_at_first_paint(database, role, tmp_path)
    assert seen["window"]["tab"] == landing
    early = _waiting_but_loaded(set(seen["window"]["modules"]), landing)
    assert not early, ("imported before the main window's first paint: "
                       + "; ".join(f"{n} — {w}" for n, w in early.items()))


def test_the_check_sees_another_tab_imported(database, tmp_path, monkeypatch):
    # The check can fail: a start that imports the 便民服务 tab's admin pages under 领导班子 is caught.
    sitecustomize = tmp_path / "site"
    sitecustomize.mkdir()
    (sitecustomize / "sitecustomize.py").write_text(
        f"import sys\nsys.path.insert(0, {str(ROOT)!r})\nimport ui.service.admin\n", encoding="utf-8")
    monkeypatch.setenv("PYTHONPATH", str(sitecustomize))
    seen = _loaded_at_first_paint(database, "admin", tmp_path)
    assert seen["window"]["tab"] == "领导班子"
    assert "ui.service" in _waiting_but_loaded(set(seen["window"]["modules"]), "领导班子")
