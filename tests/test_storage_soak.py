"""Soak: a window process (offscreen, with its background task connections),
command-style processes and a writer register tickets in the same file while
the parent SIGKILLs one of them at random and starts a new one. Afterwards
every ticket reported as saved is there with its number, integrity_check is
ok and no ticket number repeats. Real processes; about 30 s."""

from __future__ import annotations

import os
import random
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from tests.township_files import township_file

ROOT = Path(__file__).resolve().parent.parent
CHILD = ROOT / "tests" / "storage_child.py"
SOAK_SECONDS = float(os.environ.get("STORAGE_SOAK_SECONDS", "25"))
MODES = ("soak-window", "soak-command", "tickets")

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="SIGKILL is POSIX")


@pytest.fixture
def saved_db(tmp_path):
    return township_file(tmp_path)


class Child:
    def __init__(self, mode: str, db: Path, reported: list, lock: threading.Lock):
        args = [sys.executable, str(CHILD), mode, str(db)] + (["100000"] if mode == "tickets" else [])
        env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
        self.mode = mode
        self.proc = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                                     encoding="utf-8", cwd=str(ROOT), env=env)
        self.errors: list[str] = []

        def read():
            for line in self.proc.stdout:
                parts = line.split()
                if parts and parts[0] == "ok":
                    with lock:
                        reported.append((parts[1], parts[2] if len(parts) > 2 else None))
                elif parts and parts[0] == "error":
                    self.errors.append(line.strip())

        self.reader = threading.Thread(target=read, daemon=True)
        self.reader.start()

    def kill(self) -> None:
        if self.proc.poll() is None:
            os.kill(self.proc.pid, signal.SIGKILL)
        self.proc.wait(timeout=30)
        self.reader.join(timeout=30)


def test_random_kills_of_window_task_and_command_processes_lose_nothing(saved_db):
    rng = random.Random(int(os.environ.get("STORAGE_SOAK_SEED", "14")))
    reported: list = []
    lock = threading.Lock()
    children = [Child(mode, saved_db, reported, lock) for mode in MODES]
    kills = 0
    deadline = time.monotonic() + SOAK_SECONDS
    try:
        while time.monotonic() < deadline:
            time.sleep(rng.uniform(0.3, 1.5))
            victim = rng.randrange(len(children))
            dead = children[victim]
            dead.kill()
            crashed = [line for line in dead.proc.stderr.read().splitlines() if "Error" in line]
            assert not crashed, f"{dead.mode} failed before it was killed: {crashed[-3:]}"
            assert not dead.errors, dead.errors[:3]
            kills += 1
            children[victim] = Child(dead.mode, saved_db, reported, lock)
    finally:
        for child in children:
            child.kill()
    assert kills >= 10 and len(reported) >= 50, (kills, len(reported))
    conn = sqlite3.connect(saved_db)
    try:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        stored = dict(conn.execute("SELECT ticket_no, uuid FROM tickets"))
        repeats = conn.execute("SELECT ticket_no, count(*) FROM tickets GROUP BY township_code, ticket_no "
                               "HAVING count(*) > 1").fetchall()
    finally:
        conn.close()
    assert repeats == []
    missing = [(no, key) for no, key in reported if no not in stored or (key and stored[no] != key)]
    assert missing == [], f"{len(missing)} of {len(reported)} reported tickets lost: {missing[:5]}"
    print(f"soak: {kills} kills, {len(reported)} reported tickets, {len(stored)} stored, none lost")
