"""Two windows (two processes) on one file: every racing write path is one
BEGIN IMMEDIATE transaction, so nothing raises after the commit and no ticket
number repeats. Real processes, no mocks."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
CHILD = ROOT / "tests" / "storage_child.py"


@pytest.fixture
def saved_db(tmp_path):
    from models.core import township, users
    from models.core.db import close_database, open_database

    path = tmp_path / "township.db"
    db = open_database(path)
    admin = users.create_user(db, "admin", "secret123", users.ADMIN, "管理员")
    township.set_identity(db, admin, name="测试镇", code="330106001", county="测试县")
    close_database(db)
    return path


def test_two_processes_registering_tickets_never_fail_after_saving(saved_db):
    count = 150
    procs = [subprocess.Popen([sys.executable, str(CHILD), "tickets", str(saved_db), str(count)],
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, encoding="utf-8",
                              cwd=str(ROOT)) for _ in range(2)]
    outputs = [p.communicate(timeout=300) for p in procs]
    lines = [line for out, _ in outputs for line in out.splitlines() if line != "ready"]
    errors = [line for line in lines if not line.startswith("ok ")]
    assert errors == [], errors[:5]
    numbers = [line.split()[1] for line in lines]
    assert len(numbers) == 2 * count and len(set(numbers)) == len(numbers), "a ticket number repeats"
    conn = sqlite3.connect(saved_db)
    try:
        stored = [r[0] for r in conn.execute("SELECT ticket_no FROM tickets")]
        pending = conn.execute("SELECT count(*) FROM tickets_fts_pending").fetchone()[0]
        indexed = conn.execute("SELECT count(*) FROM tickets_fts_words WHERE tickets_fts_words MATCH ?",
                               ['bi : "件诉 诉求"']).fetchone()[0]
    finally:
        conn.close()
    assert sorted(stored) == sorted(numbers)
    assert pending == 0 and indexed == 2 * count, "the search index missed a ticket"
