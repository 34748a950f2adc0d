"""`demo` never touches a database that is not an unused demo database: it
needs --db, refuses real data (byte for byte untouched), and a build killed
half-way leaves the target as it was. Real command-line processes."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.cli_helpers import no_login_env, run_cli

ROOT = Path(__file__).resolve().parent.parent


def _demo(*args, env=None):
    return run_cli("demo", *args, login=None, timeout=600, cwd=str(ROOT), encoding="utf-8", env=env)


def test_demo_needs_db_and_never_writes_the_default_database(tmp_path):
    env = no_login_env()
    env["XDG_DATA_HOME"] = str(tmp_path / "data")  # where the user's real database would be
    env["HOME"] = str(tmp_path / "home")
    out = _demo("--tickets", "10", env=env)
    assert out.returncode == 1 and "--db" in out.stderr and "Traceback" not in out.stderr, out.stderr
    assert not (tmp_path / "data").exists() and not (tmp_path / "home").exists()


def test_demo_refuses_a_real_database_untouched(db, db_path):
    from models.core import township
    from models.core.db import close_database
    from models.core.users import CLI_ACTOR

    township.add_village(db, CLI_ACTOR, "真实的村", 300)
    close_database(db)
    before = db_path.read_bytes()
    listing = sorted(os.listdir(db_path.parent))
    out = _demo("--db", db_path, "--tickets", "10")
    assert out.returncode == 1 and "真实数据" in out.stderr and "Traceback" not in out.stderr, out.stderr
    assert db_path.read_bytes() == before
    assert sorted(os.listdir(db_path.parent)) == listing


def test_an_unused_demo_is_rebuilt_a_used_one_is_refused(tmp_path):
    from models.core import township
    from models.core.db import close_database, open_database
    from models.core.users import CLI_ACTOR

    path = tmp_path / "演示.db"
    assert _demo("--db", path, "--tickets", "20").returncode == 0
    out = _demo("--db", path, "--tickets", "20", "--seed", "2")
    assert out.returncode == 0, out.stderr
    db = open_database(path, daily_backup=False)
    township.add_village(db, CLI_ACTOR, "试用时录入的村", 5)
    close_database(db)
    before = path.read_bytes()
    out = _demo("--db", path, "--tickets", "20")
    assert out.returncode == 1 and "真实数据" in out.stderr
    assert path.read_bytes() == before


@pytest.mark.skipif(sys.platform == "win32", reason="SIGKILL is POSIX")
def test_a_demo_killed_half_way_leaves_the_target_as_it_was(tmp_path):
    path = tmp_path / "演示.db"
    assert _demo("--db", path, "--tickets", "20").returncode == 0
    before = path.read_bytes()
    fresh = tmp_path / "新.db"
    for target in (path, fresh):
        proc = subprocess.Popen([sys.executable, str(ROOT / "main.py"), "demo", "--db", str(target),
                                 "--tickets", "3000"], cwd=str(ROOT), env=no_login_env(),
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        building = target.with_name(f".{target.name}.demo-building")
        deadline = time.monotonic() + 120
        while not building.exists() and time.monotonic() < deadline:
            time.sleep(0.05)
        time.sleep(1.0)
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(timeout=30)
    assert path.read_bytes() == before
    assert not fresh.exists()
    out = _demo("--db", fresh, "--tickets", "20")  # the leftover of the killed build is cleaned up
    assert out.returncode == 0, out.stderr
    assert not fresh.with_name(f".{fresh.name}.demo-building").exists()
