"""Restore: refused while another process has the file open, allowed once it
has gone (closed or killed). Real processes."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from tests.township_files import township_file

ROOT = Path(__file__).resolve().parent.parent
CHILD = ROOT / "tests" / "storage_child.py"


@pytest.fixture
def saved_db(tmp_path):
    return township_file(tmp_path, with_backup=True)


def _holder(path) -> subprocess.Popen:
    proc = subprocess.Popen([sys.executable, str(CHILD), "hold", str(path)], stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, encoding="utf-8",
                            cwd=str(ROOT))
    assert proc.stdout.readline().strip() == "ready", proc.stderr.read()
    return proc


def _cli(*args):
    from tests.cli_helpers import FIXTURE_LOGIN, run_cli

    return run_cli(*args, login=FIXTURE_LOGIN, timeout=120, encoding="utf-8", cwd=str(ROOT))


def _names(path):
    import sqlite3

    conn = sqlite3.connect(path)
    try:
        return sorted(r[0] for r in conn.execute("SELECT name FROM villages WHERE deleted = 0"))
    finally:
        conn.close()


def test_restore_is_refused_while_another_process_has_the_file_open(saved_db):
    path, backup = saved_db
    holder = _holder(path)
    try:
        before = path.read_bytes()
        out = _cli("restore", backup, "--db", path)
        assert out.returncode == 1
        assert "现在不能恢复" in out.stderr and f"进程 {holder.pid}" in out.stderr, out.stderr
        assert "Traceback" not in out.stderr
        assert path.read_bytes() == before
        assert _names(path) == ["备份后的村", "备份里的村"]
        holder.stdin.write("close\n")
        holder.stdin.flush()
        assert holder.stdout.readline().strip() == "closed"
        holder.wait(timeout=30)
    finally:
        if holder.poll() is None:
            holder.kill()
    out = _cli("restore", backup, "--db", path)
    assert out.returncode == 0, out.stderr
    assert _names(path) == ["备份里的村"]


@pytest.mark.skipif(sys.platform == "win32", reason="SIGKILL is POSIX")
def test_a_killed_process_never_blocks_a_restore(saved_db):
    path, backup = saved_db
    holder = _holder(path)
    os.kill(holder.pid, signal.SIGKILL)
    holder.wait(timeout=30)
    out = _cli("restore", backup, "--db", path)
    assert out.returncode == 0, out.stderr
    assert _names(path) == ["备份里的村"]


def test_in_process_connections_do_not_block_their_own_restore(saved_db):
    from models.core import presence
    from models.core.db import open_database, restore_backup

    path, backup = saved_db
    worker = open_database(path, daily_backup=False)
    assert presence.others(path) == []
    restore_backup(backup, path)
    assert [r[0] for r in worker.execute("SELECT name FROM villages WHERE deleted = 0")] == ["备份里的村"]
    worker.conn.close()
    assert not presence.holds(path)
