"""SQLite's locks survive everything the program does in one process.

On POSIX, closing any descriptor of a file drops every lock the process holds
on it (sqlite.org, "How To Corrupt An SQLite Database File", §2.2). If the
program ever opened the live database with Python's open() while it had a
connection, a second process closing the file would think it was the last
one, delete the -wal under the window, and the window's later commits would
vanish on a kill -9. Real processes, a real SIGKILL, no mocks.
"""

from __future__ import annotations

import signal
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from tests.township_files import township_file

ROOT = Path(__file__).resolve().parent.parent
CHILD = ROOT / "tests" / "storage_child.py"

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="SIGKILL and POSIX locks")


def _run(*args, timeout=60) -> str:
    out = subprocess.run([sys.executable, str(CHILD), *map(str, args)], capture_output=True, text=True,
                         encoding="utf-8", cwd=str(ROOT), timeout=timeout)
    assert out.returncode == 0, out.stderr
    return out.stdout.strip()


@pytest.fixture
def saved_db(tmp_path):
    return township_file(tmp_path)


def test_a_background_task_and_a_second_copy_lose_nothing_on_kill_9(saved_db):
    window = subprocess.Popen([sys.executable, str(CHILD), "window", str(saved_db)], stdin=subprocess.PIPE,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, encoding="utf-8",
                              cwd=str(ROOT))
    try:
        assert window.stdout.readline().strip() == "ready", window.stderr.read()
        # A second copy of the program opens the same file and quits at its login.
        assert _run("open-close", saved_db) == "closed"
        keys = []
        for _ in range(3):
            window.stdin.write("write\n")
            window.stdin.flush()
            line = window.stdout.readline().strip()
            assert line.startswith("ok "), window.stderr.read()
            keys.append(line.split()[1])
            # Another process sees what the window reported as saved.
            assert _run("has", saved_db, keys[-1]) == "yes"
        assert Path(str(saved_db) + "-wal").exists(), "the -wal of an open database was deleted"
        window.send_signal(signal.SIGKILL)
        window.wait(timeout=30)
    finally:
        if window.poll() is None:
            window.kill()
    conn = sqlite3.connect(saved_db)
    try:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        found = {r[0] for r in conn.execute("SELECT uuid FROM villages")}
    finally:
        conn.close()
    assert set(keys) <= found, f"lost after kill -9: {set(keys) - found}"


def test_no_python_open_of_a_connected_database(saved_db):
    """Once this process has a connection, header checks go through SQLite."""
    import builtins

    from models.core.db import close_database, open_database

    db = open_database(saved_db, daily_backup=False)
    opened = []
    real_open = builtins.open
    watched = {str(saved_db), str(saved_db) + "-wal", str(saved_db) + "-shm"}

    def spy(file, *a, **k):
        if str(file) in watched or str(Path(str(file)).resolve()) in watched:
            opened.append(str(file))
        return real_open(file, *a, **k)

    builtins.open = spy
    try:
        worker = open_database(saved_db, migrate=False, daily_backup=False, quick_check_max_bytes=0)
        worker.conn.close()
        from models.core.db import backup_database, is_sqlite_file, list_backups, restore_backup

        assert is_sqlite_file(saved_db)
        backup = backup_database(db, reason="manual")
        assert backup in list_backups(saved_db)
    finally:
        builtins.open = real_open
        close_database(db)
    assert opened == []


def test_restore_with_a_live_connection_goes_through_sqlite(saved_db):
    """A restore while a background connection is still open overwrites the
    file through SQLite: the open connection sees the restored data, the file
    is sound, and the replaced data is kept aside."""
    import builtins

    from models.core import township
    from models.core.db import backup_database, close_database, open_database, restore_backup
    from models.core.users import ADMIN, Actor

    actor = Actor("admin", ADMIN, "管理员")
    db = open_database(saved_db, daily_backup=False)
    township.add_village(db, actor, "备份前村", 10)
    backup = backup_database(db, reason="manual")
    township.add_village(db, actor, "备份后村", 10)
    opened = []
    real_open = builtins.open
    watched = {str(saved_db), str(saved_db) + "-wal", str(saved_db) + "-shm"}

    def spy(file, *a, **k):
        if str(file) in watched:
            opened.append(str(file))
        return real_open(file, *a, **k)

    builtins.open = spy
    try:
        kept = restore_backup(backup, saved_db)
    finally:
        builtins.open = real_open
    assert opened == []
    names = [r[0] for r in db.execute("SELECT name FROM villages WHERE deleted = 0 ORDER BY name")]
    assert names == ["备份前村"]
    close_database(db)
    conn = sqlite3.connect(kept)
    assert {r[0] for r in conn.execute("SELECT name FROM villages")} == {"备份前村", "备份后村"}
    conn.close()
    conn = sqlite3.connect(saved_db)
    assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    conn.close()
