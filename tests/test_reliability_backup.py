"""Backups are taken daily and before migrations, restore works from the
command line and from the window, and a damaged file at start-up leads to the
restore offer instead of a crash."""

from __future__ import annotations

import datetime as dt
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from PySide6.QtWidgets import QMessageBox

from models.core import township

from models.core import users
from models.core.db import (backup_database, close_database, ensure_daily_backup, list_backups, open_database,
                       quick_check)
from models.core.errors import CorruptDatabaseError, DatabaseOpenError

from tests.cli_helpers import FIXTURE_LOGIN, run_cli

ROOT = Path(__file__).resolve().parent.parent
ADMIN = users.Actor("admin", users.ADMIN, "管理员")


@pytest.fixture
def office(tmp_path):
    """A township database on disk (closed) with one village."""
    path = tmp_path / "office.db"
    db = open_database(path)
    admin = users.create_user(db, "admin", "secret123", users.ADMIN, "管理员")
    township.set_identity(db, admin, name="青石镇", code="330106001", county="临安区")
    township.add_village(db, admin, "甲村", 100)
    close_database(db)
    return path


def _village_names(path: Path) -> list[str]:
    conn = sqlite3.connect(str(path))
    try:
        return [r[0] for r in conn.execute("SELECT name FROM villages WHERE deleted = 0 ORDER BY id")]
    finally:
        conn.close()


def _main(*args) -> subprocess.CompletedProcess:
    """main.py ARGS logged in as the office's administrator."""
    return run_cli(*args, login=FIXTURE_LOGIN, encoding="utf-8", cwd=str(ROOT), timeout=120)


def _corrupt(path: Path) -> None:
    """Overwrite the middle pages with garbage, header intact (a torn write)."""
    size = path.stat().st_size
    page = 4096
    with open(path, "r+b") as f:
        for start in range(page * 2, size - page, page * 2):
            f.seek(start + 100)
            f.write(b"\xde\xad\xbe\xef" * 200)


# ---- daily and before-migration backups --------------------------------------

def test_daily_backup_once_per_day_and_sound(office):
    assert list_backups(office) == []
    db = open_database(office)  # an existing file opened: today's backup is taken
    close_database(db)
    first = list_backups(office)
    assert len(first) == 1 and "-daily" in first[0].name
    assert quick_check(first[0]) == "ok"
    assert _village_names(first[0]) == ["甲村"]
    db = open_database(office)
    assert ensure_daily_backup(db) is None, "one daily backup per day"
    close_database(db)
    assert list_backups(office) == first


def test_backups_are_pruned_to_the_setting(office):
    from models.core import settings

    db = open_database(office)
    settings.set_value(db, "backup_keep", 3, ADMIN)
    for _ in range(6):
        backup_database(db, reason="manual")
    close_database(db)
    assert len(list_backups(office)) == 3


def test_backup_before_migration_holds_the_old_schema(office, monkeypatch):
    from sqlite_utils import Migrations

    from models.core import migrations as schema

    extra = Migrations("reliability_extra")

    @extra()
    def m001_add_table(db):
        db.execute("CREATE TABLE reliability_extra (id INTEGER PRIMARY KEY)")
        db.execute("UPDATE villages SET note = 'after'")

    monkeypatch.setattr(schema, "MIGRATION_SETS", [*schema.MIGRATION_SETS, extra])
    db = open_database(office, daily_backup=False)
    close_database(db)
    before = [b for b in list_backups(office) if "before-migration" in b.name]
    assert len(before) == 1
    conn = sqlite3.connect(str(before[0]))
    assert conn.execute("SELECT 1 FROM sqlite_master WHERE name='reliability_extra'").fetchone() is None
    assert conn.execute("SELECT note FROM villages").fetchall() == [(None,)]
    conn.close()


def test_new_database_takes_no_backup(tmp_path):
    db = open_database(tmp_path / "fresh.db")
    close_database(db)
    assert list_backups(tmp_path / "fresh.db") == []


# ---- restore from the command line --------------------------------------------

def test_cli_restore_brings_back_the_backup_and_keeps_the_current_file(office):
    db = open_database(office, daily_backup=False)
    backup = backup_database(db, reason="manual")
    township.add_village(db, ADMIN, "乙村", 50)
    close_database(db)
    assert _village_names(office) == ["甲村", "乙村"]

    listed = _main("restore", "--db", office)
    assert listed.returncode == 0 and backup.name in listed.stdout

    done = _main("restore", backup, "--db", office)
    assert done.returncode == 0, done.stderr
    assert _village_names(office) == ["甲村"]
    kept = [p for p in backup.parent.iterdir() if p.name.endswith("before-restore.db")]  # a backup like the others
    assert len(kept) == 1 and _village_names(kept[0]) == ["甲村", "乙村"], "the replaced file is kept"
    check = _main("check", "--db", office)
    assert check.returncode == 0, check.stdout + check.stderr


def test_cli_restore_refuses_a_damaged_backup_and_changes_nothing(office, tmp_path):
    db = open_database(office, daily_backup=False)
    backup = backup_database(db, reason="manual")
    for i in range(300):
        township.add_village(db, ADMIN, f"填充村{i}", i)
    big = backup_database(db, reason="manual")
    close_database(db)
    _corrupt(big)
    before = office.read_bytes()
    for bad in (big, tmp_path / "missing.db", ROOT / "README.md"):
        result = _main("restore", bad, "--db", office)
        assert result.returncode == 1
        assert result.stderr.startswith("错误："), result.stderr
        assert "Traceback" not in result.stderr
    assert office.read_bytes() == before
    assert quick_check(backup) == "ok"


def test_cli_restore_without_backups_says_so(tmp_path):
    result = _main("restore", "--db", tmp_path / "none.db")
    assert result.returncode == 1 and "没有可用的备份" in result.stdout


# ---- a damaged database at start-up --------------------------------------------

def _big_office(office) -> list[Path]:
    """Grow the file so corruption hits table pages; return its backups."""
    db = open_database(office, daily_backup=False)
    for i in range(300):
        township.add_village(db, ADMIN, f"填充村{i}", i)
    backup_database(db, reason="manual")
    close_database(db)
    return list_backups(office)


def test_corrupt_database_is_detected_read_only(office):
    backups = _big_office(office)
    _corrupt(office)
    damaged = office.read_bytes()
    with pytest.raises(CorruptDatabaseError) as info:
        open_database(office)
    assert info.value.backups == backups
    assert "已损坏" in info.value.message
    assert office.read_bytes() == damaged, "a damaged file is left exactly as it was"


class _Boxes:
    """Records every QMessageBox shown, and answers the restore offer."""

    def __init__(self, monkeypatch, choose_restore: bool):
        self.shown = []
        boxes = self

        def fake_exec(box):
            boxes.shown.append(("dialog", box.windowTitle(), box.text()))
            for button in box.buttons():
                if choose_restore and button.text() == "用最新备份恢复":
                    button.click()
                    return 0
            for button in box.buttons():
                if button.text() == "取消":
                    button.click()
            return 0

        monkeypatch.setattr(QMessageBox, "exec", fake_exec)
        for name in ("information", "warning", "critical"):
            monkeypatch.setattr(QMessageBox, name, staticmethod(
                lambda parent, title, text, *a, _n=name, **k: boxes.shown.append((_n, title, text))))


def test_corrupt_database_at_start_up_offers_restore(qtbot, office, monkeypatch):
    from ui.app import open_database_interactive

    backups = _big_office(office)
    _corrupt(office)
    boxes = _Boxes(monkeypatch, choose_restore=True)
    db = open_database_interactive(None, office)
    assert db is not None, boxes.shown
    try:
        kind, title, text = boxes.shown[0]
        assert title == "数据库已损坏" and backups[0].name in text
        assert boxes.shown[1][0] == "information" and "已恢复" in boxes.shown[1][1]
        assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        assert township.villages(db)[0]["name"] == "甲村"
        kept = [p for p in backups[0].parent.iterdir() if p.name.endswith("before-restore.kept")]
        assert len(kept) == 1, "the damaged file is kept aside"
    finally:
        close_database(db)


def test_corrupt_database_cancelled_or_without_backup_never_crashes(qtbot, office, monkeypatch):
    from ui.app import open_database_interactive

    _big_office(office)
    for b in list_backups(office):
        b.unlink()
    _corrupt(office)
    damaged = office.read_bytes()
    boxes = _Boxes(monkeypatch, choose_restore=True)
    assert open_database_interactive(None, office) is None
    assert "没有找到可用的备份" in boxes.shown[0][2]
    assert office.read_bytes() == damaged


@pytest.mark.parametrize("content", [b"", b"PK\x03\x04 not a database", b"SQLite format 3\x00" + b"\x00" * 50])
def test_odd_files_at_start_up_give_a_message(qtbot, tmp_path, monkeypatch, content):
    from ui.app import open_database_interactive

    path = tmp_path / "odd.db"
    path.write_bytes(content)
    boxes = _Boxes(monkeypatch, choose_restore=True)
    db = open_database_interactive(None, path)
    if content == b"":
        assert db is not None  # an empty file becomes a new database
        close_database(db)
    else:
        assert db is None and boxes.shown, "a message, not a crash"


def test_damaged_header_with_backups_offers_restore(office):
    backups = _big_office(office)
    with open(office, "r+b") as f:
        f.write(b"\x00" * 16)
    with pytest.raises(CorruptDatabaseError) as info:
        open_database(office)
    assert info.value.backups == backups


# ---- restore from the window -----------------------------------------------------

def test_restore_from_the_window(qtbot, office, monkeypatch):
    from PySide6.QtWidgets import QInputDialog

    import ui.app
    from ui.app import Controller

    db = open_database(office, daily_backup=False)
    backup = backup_database(db, reason="manual")
    township.add_village(db, ADMIN, "乙村", 50)
    close_database(db)

    monkeypatch.setattr(ui.app, "login_interactive", lambda parent, db, **kw: ADMIN)
    controller = Controller()
    assert controller.open(office)
    window = controller.window
    qtbot.addWidget(window)
    monkeypatch.setattr(QInputDialog, "getItem", staticmethod(lambda *a, **k: (backup.name, True)))
    monkeypatch.setattr(QMessageBox, "question", staticmethod(lambda *a, **k: QMessageBox.Yes))
    window.restore_from_backup()
    try:
        assert [v["name"] for v in township.villages(controller.db)] == ["甲村"]
    finally:
        controller.window.close_without_saving_state()
        controller.close()


def test_cli_on_bad_files_prints_a_message_not_a_traceback(office, tmp_path):
    _big_office(office)
    _corrupt(office)
    foreign = tmp_path / "notes.db"
    foreign.write_text("这不是数据库", encoding="utf-8")
    folder = tmp_path / "folder.db"
    folder.mkdir()
    for path in (office, foreign, folder):
        for command in (["check"], ["backup"], ["user", "list"]):
            result = _main(*command, "--db", path)
            assert result.returncode == 1, (command, path, result.stdout)
            # (after the line a command prints before the day's quick_check, when one is due)
            said = "".join(line for line in result.stderr.splitlines(keepends=True) if "正在做今天的数据库快速检查" not in line)
            assert said.startswith("错误："), result.stderr
            assert "Traceback" not in result.stderr


def test_readonly_user_cannot_restore_from_the_window(qtbot, office, monkeypatch):
    from PySide6.QtWidgets import QInputDialog

    import ui.app
    from ui.app import Controller

    db = open_database(office, daily_backup=False)
    backup = backup_database(db, reason="manual")
    township.add_village(db, ADMIN, "乙村", 50)
    close_database(db)
    guest = users.Actor("guest", users.READONLY, "只读用户")
    monkeypatch.setattr(ui.app, "login_interactive", lambda parent, db, **kw: guest)
    controller = Controller()
    assert controller.open(office)
    window = controller.window
    qtbot.addWidget(window)
    assert not window.findChild(type(window.backup_action), "act_restore").isEnabled()
    monkeypatch.setattr(QInputDialog, "getItem", staticmethod(lambda *a, **k: (backup.name, True)))
    monkeypatch.setattr(QMessageBox, "question", staticmethod(lambda *a, **k: QMessageBox.Yes))
    for name in ("information", "warning", "critical"):
        monkeypatch.setattr(QMessageBox, name, staticmethod(lambda *a, **k: None))
    try:
        window.restore_from_backup()
    except Exception:  # noqa: BLE001 - a refusal may surface as an error; only the data matters
        pass
    try:
        assert _village_names(office) == ["甲村", "乙村"], "a 只读 user replaced the database"
    finally:
        if controller.window is not None:
            controller.window.close_without_saving_state()
        controller.close()


def test_window_left_open_takes_the_next_daily_backup(qtbot, office, monkeypatch):
    """The program may stay open for days: the hourly timer takes the daily
    backup once the day has none."""
    import ui.app
    from ui.app import Controller

    monkeypatch.setattr(ui.app, "login_interactive", lambda parent, db, **kw: ADMIN)
    controller = Controller()
    assert controller.open(office)
    window = controller.window
    qtbot.addWidget(window)
    try:
        assert window.daily_backup_timer.isActive()
        for b in list_backups(office):
            b.unlink()  # as if the day changed since the program started
        window._daily_backup_if_due()
        qtbot.waitUntil(lambda: any("-daily" in b.name for b in list_backups(office)), timeout=15000)
        daily = [b for b in list_backups(office) if "-daily" in b.name]
        assert len(daily) == 1 and quick_check(daily[0]) == "ok"
        window._daily_backup_if_due()  # already done today: no second one
        qtbot.wait(300)
        assert len([b for b in list_backups(office) if "-daily" in b.name]) == 1
    finally:
        controller.window.close_without_saving_state()
        controller.close()
