"""A full disk and a read-only disk, on a real small filesystem (a tmpfs of
8 MB mounted for the test; needs root, skipped otherwise): the command line
and the window say so in Chinese and stay usable for reading, a backup that
does not fit is refused and one that fails half-way leaves no partial file,
and nothing already saved is damaged."""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
from pathlib import Path

import pytest
from PySide6.QtWidgets import QMessageBox

from tests.cli_helpers import FIXTURE_LOGIN, run_cli

ROOT = Path(__file__).resolve().parent.parent


def _mount(folder: Path, size: str = "8m") -> None:
    folder.mkdir()
    out = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(folder)], capture_output=True)
    if out.returncode != 0:
        pytest.skip(f"cannot mount a small filesystem here (needs root): {out.stderr.decode(errors='replace')}")


@pytest.fixture
def small_disk(tmp_path):
    if os.geteuid() != 0:
        pytest.skip("mounting a tmpfs needs root")
    disk = tmp_path / "disk"
    _mount(disk)
    yield disk
    subprocess.run(["umount", "-l", str(disk)], check=False)


def _office(path: Path, villages: int = 200) -> list[str]:
    from models.core import township, users
    from models.core.db import close_database, open_database

    db = open_database(path)
    admin = users.create_user(db, "admin", "secret123", users.ADMIN, "管理员")
    township.set_identity(db, admin, name="测试镇", code="330106001", county="测试县")
    for i in range(villages):
        township.add_village(db, admin, f"第{i}村" + "甲" * 20, i)
    names = [v["name"] for v in township.villages(db)]
    close_database(db)
    return names


def _fill(disk: Path) -> Path:
    filler = disk / "filler.bin"
    fd = os.open(filler, os.O_WRONLY | os.O_CREAT)
    try:
        while True:
            os.write(fd, b"\0" * 65536)
    except OSError:
        pass
    try:
        while True:
            os.write(fd, b"\0" * 512)
    except OSError:
        pass
    os.close(fd)
    assert shutil.disk_usage(disk).free < 4096
    return filler


def _files(folder: Path) -> list[str]:
    """Every file under folder (an empty backups folder is not a partial backup)."""
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*") if p.is_file())


def _cli(*args):
    return run_cli(*args, login=FIXTURE_LOGIN, timeout=120, cwd=str(ROOT), encoding="utf-8")


def _names(path: Path, immutable: bool = False) -> list[str]:
    conn = sqlite3.connect(path.as_uri() + "?mode=ro&immutable=1", uri=True) if immutable else sqlite3.connect(path)
    try:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        return [r[0] for r in conn.execute("SELECT name FROM villages WHERE deleted = 0 ORDER BY id")]
    finally:
        conn.close()


def test_full_disk_command_line_reads_refuses_writes_and_backups_in_chinese(small_disk, tmp_path):
    path = small_disk / "township.db"
    names = _office(path)
    filler = _fill(small_disk)
    backups_before = _files(small_disk)
    out = _cli("check", "--db", path)
    assert out.returncode == 0 and "结论：正常" in out.stdout, out.stdout + out.stderr
    out = _cli("user", "list", "--db", path)
    assert out.returncode == 0 and "admin" in out.stdout, out.stderr
    out = _cli("backup", "--db", path)
    assert out.returncode == 1 and "磁盘" in out.stderr and "Traceback" not in out.stderr, out.stderr
    pw = tmp_path / "pw"
    pw.write_text("newpass123\n", encoding="utf-8")
    out = _cli("user", "add", "clerk", "--role", "window", "--password-file", pw, "--db", path)
    assert out.returncode == 1 and "磁盘已满" in out.stderr and "Traceback" not in out.stderr, out.stderr
    assert _files(small_disk) == backups_before, "a partial backup was left"
    filler.unlink()
    assert _names(path) == names


def test_a_backup_that_fails_half_way_leaves_no_partial_file(small_disk, monkeypatch):
    from models.core import db as dbmod
    from models.core.db import StorageError, close_database, open_database

    path = small_disk / "township.db"
    _office(path, villages=600)
    db = open_database(path, daily_backup=False)
    filler = _fill(small_disk)
    filler_size = filler.stat().st_size
    os.truncate(filler, filler_size - 512 * 1024)  # room for half a backup: the copy runs out of space
    # As if another program filled the disk after the free-space check passed:
    monkeypatch.setattr(dbmod, "backup_space_problem", lambda *args, **kwargs: None)
    listing = _files(small_disk)
    with pytest.raises(StorageError) as info:
        dbmod.backup_database(db, reason="manual")
    assert "磁盘已满" in info.value.message and "未留下不完整的备份文件" in info.value.message
    assert _files(small_disk) == listing
    close_database(db)
    filler.unlink()
    assert len(_names(path)) == 600


def test_full_disk_window_logs_in_read_only(qtbot, small_disk, monkeypatch):
    import ui.app
    from models.core import users
    from models.core.users import READONLY

    path = small_disk / "township.db"
    _office(path)
    filler = _fill(small_disk)
    shown = []
    monkeypatch.setattr(QMessageBox, "information", staticmethod(lambda p, t, text, *a, **k: shown.append(text)))
    monkeypatch.setattr(QMessageBox, "warning", staticmethod(lambda p, t, text, *a, **k: shown.append(text)))
    monkeypatch.setattr(ui.app, "login_interactive", lambda parent, db, **kw: users.login(db, "admin", "secret123"))
    controller = ui.app.Controller()
    assert controller.open(path)
    try:
        assert controller.window.ctx.actor.role == READONLY
        assert any("磁盘已满" in t for t in shown), shown
        assert controller.window.ctx.db.execute("SELECT count(*) FROM villages").fetchone()[0] == 200
    finally:
        controller.window.close_without_saving_state()
        controller.close()
    filler.unlink()
    assert len(_names(path)) == 200


def test_read_only_disk_is_not_called_corrupt(small_disk, tmp_path):
    path = small_disk / "township.db"
    names = _office(path)
    subprocess.run(["mount", "-o", "remount,ro", str(small_disk)], check=True)
    out = _cli("check", "--db", path)
    assert out.returncode == 0 and "结论：正常" in out.stdout and "损坏" not in out.stderr, out.stdout + out.stderr
    out = _cli("user", "list", "--db", path)
    assert out.returncode == 0, out.stderr
    pw = tmp_path / "pw"
    pw.write_text("newpass123\n", encoding="utf-8")
    out = _cli("user", "add", "clerk", "--role", "window", "--password-file", pw, "--db", path)
    assert out.returncode == 1 and "只读" in out.stderr and "Traceback" not in out.stderr, out.stderr
    assert _names(path, immutable=True) == names



def test_a_backup_that_fits_warns_when_the_next_will_not(small_disk, monkeypatch):
    from models.core import db as dbmod
    from models.core.db import close_database, database_bytes, open_database

    path = small_disk / "township.db"
    _office(path, villages=300)
    db = open_database(path, daily_backup=False)
    monkeypatch.setattr(dbmod, "BACKUP_MARGIN_BYTES", 256 * 1024)  # the real 20 MB exceeds this 8 MB disk
    need = database_bytes(db) + dbmod.BACKUP_MARGIN_BYTES
    filler = _fill(small_disk)
    os.truncate(filler, filler.stat().st_size - (need + need // 2))
    dbmod.backup_database(db, reason="manual")
    assert db.storage_warning and "下一次备份将放不下" in db.storage_warning and "磁盘空间不足" in db.storage_warning
    close_database(db)
    filler.unlink()
