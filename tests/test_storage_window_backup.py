"""The window's hourly daily-backup task says visibly (a red status-bar line
and a message box, in Chinese), not in a log line, when the disk cannot hold
the next backup — after making today's, when today's was made already, and
when the daily backup itself fails. On a real small filesystem (a tmpfs of
8 MB mounted for the test; needs root), with an offscreen window."""

from __future__ import annotations

import os
import shutil
import subprocess

import pytest
from PySide6.QtWidgets import QMessageBox


@pytest.fixture
def small_disk(tmp_path):
    if os.geteuid() != 0:
        pytest.skip("mounting a tmpfs needs root")
    disk = tmp_path / "disk"
    disk.mkdir()
    out = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=8m", "tmpfs", str(disk)], capture_output=True)
    if out.returncode != 0:
        pytest.skip(f"cannot mount a small filesystem here: {out.stderr.decode(errors='replace')}")
    yield disk
    subprocess.run(["umount", "-l", str(disk)], check=False)


def _office(path):
    from models.core import township, users
    from models.core.db import open_database

    db = open_database(path, daily_backup=False)
    admin = users.create_user(db, "admin", "secret123", users.ADMIN, "管理员")
    township.set_identity(db, admin, name="测试镇", code="330106001", county="测试县")
    for i in range(300):
        township.add_village(db, admin, f"第{i}村" + "甲" * 20, i)
    db.execute("PRAGMA wal_checkpoint(TRUNCATE)")  # the 8 MB disk holds the file, not its WAL too
    return db, admin


def _leave_free(disk, free: int):
    filler = disk / "filler.bin"
    have = shutil.disk_usage(disk).free + (filler.stat().st_size if filler.exists() else 0)
    fd = os.open(filler, os.O_WRONLY | os.O_CREAT)
    try:
        os.ftruncate(fd, 0)
        os.posix_fallocate(fd, 0, have - free)
    finally:
        os.close(fd)
    return filler


def _window(qtbot, db, path, admin):
    from ui.common.context import AppContext
    from ui.main_window import MainWindow

    window = MainWindow(AppContext(db, path, admin))
    qtbot.addWidget(window)
    window.show()
    return window


def _boxes(window) -> list[str]:
    return [b.text() for b in window.findChildren(QMessageBox) if b.isVisible()]


def test_the_daily_backup_warns_in_the_window_when_the_next_will_not_fit(qtbot, small_disk, monkeypatch):
    from models.core import db as dbmod
    from models.core.db import backup_bytes_needed, close_database, list_backups
    from models.core.paths import backup_dir_for

    monkeypatch.setattr(dbmod, "BACKUP_MARGIN_BYTES", 256 * 1024)  # the real 20 MB exceeds this 8 MB disk
    path = small_disk / "township.db"
    db, admin = _office(path)
    need = backup_bytes_needed(db, backup_dir_for(path))
    filler = _leave_free(small_disk, need + need // 2)  # today's fits, tomorrow's will not
    window = _window(qtbot, db, path, admin)
    try:
        assert list_backups(path) == []
        window._daily_backup_if_due()
        qtbot.waitUntil(lambda: bool(list_backups(path)) and bool(_boxes(window)), timeout=20000)
        assert any("下一次备份将放不下" in t and "磁盘空间不足" in t for t in _boxes(window)), _boxes(window)
        label = window.storage_warning_label
        assert label.isVisible() and "备份空间不足" in label.text() and "下一次备份将放不下" in label.toolTip()

        # An hour later: today's backup exists; the warning stays, no second box for the same text.
        window.storage_warning_box.close()
        window._daily_backup_if_due()
        qtbot.wait(1500)
        assert len(list_backups(path)) == 1 and label.isVisible() and not _boxes(window)

        # The disk is cleaned up: the warning goes away at the next check.
        filler.unlink()
        window._daily_backup_if_due()
        qtbot.waitUntil(lambda: not label.isVisible(), timeout=20000)
    finally:
        window.close_without_saving_state()
        close_database(db)


def test_a_failed_daily_backup_is_shown_not_only_logged(qtbot, small_disk, monkeypatch):
    from models.core import db as dbmod
    from models.core.db import close_database, list_backups

    monkeypatch.setattr(dbmod, "BACKUP_MARGIN_BYTES", 256 * 1024)
    path = small_disk / "township.db"
    db, admin = _office(path)
    filler = _leave_free(small_disk, 64 * 1024)
    window = _window(qtbot, db, path, admin)
    try:
        window._daily_backup_if_due()
        qtbot.waitUntil(lambda: bool(_boxes(window)), timeout=20000)
        text = _boxes(window)[0]
        assert text.startswith("每日备份失败：") and "磁盘空间不足" in text, text
        assert "每日备份失败" in window.storage_warning_label.text()
        assert list_backups(path) == []
        left = [p.name for p in small_disk.rglob("*") if ".part" in p.name or "-daily" in p.name]
        assert left == [], "a partial file was left"
    finally:
        window.close_without_saving_state()
        close_database(db)
        filler.unlink()
