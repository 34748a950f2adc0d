"""The command line: --version, demo, check, backup/restore, selftest."""

from pathlib import Path

from tests.cli_helpers import DEMO_LOGIN, run_cli

ROOT = Path(__file__).resolve().parent.parent


def run(*args, login=DEMO_LOGIN, **kw):
    """main.py ARGS as the demo administrator (the command line needs a login)."""
    return run_cli(*args, login=login, timeout=600, cwd=ROOT, **kw)


def test_version():
    from models import __version__

    r = run("--version")
    assert r.returncode == 0 and __version__ in r.stdout


def test_demo_then_check(tmp_path):
    db = tmp_path / "demo.db"
    r = run("demo", "--db", str(db), "--tickets", "200")
    assert r.returncode == 0, r.stderr
    r = run("check", "--db", str(db))
    assert r.returncode == 0, r.stdout + r.stderr
    assert "完整性：ok" in r.stdout and "villages: 20" in r.stdout


def test_check_refuses_non_database(tmp_path):
    bad = tmp_path / "x.db"
    bad.write_bytes(b"not a database at all")
    r = run("check", "--db", str(bad))
    assert r.returncode == 1 and "不是 SQLite" in r.stderr
    assert bad.read_bytes() == b"not a database at all"
    r = run("check", "--db", str(tmp_path / "missing.db"))
    assert r.returncode == 1 and "不存在" in r.stderr


def test_check_detects_audit_tampering(tmp_path):
    from models.core.db import close_database, open_database

    db_path = tmp_path / "demo.db"
    assert run("demo", "--db", str(db_path), "--tickets", "50").returncode == 0
    db = open_database(db_path)
    db.execute("UPDATE audit_log SET actor = 'someone' WHERE id = 3")
    close_database(db)
    r = run("check", "--db", str(db_path))
    assert r.returncode == 1 and "被篡改" in r.stdout


def test_backup_and_restore(tmp_path):
    from models.core import township
    from models.core.db import close_database, open_database
    from models.core.users import CLI_ACTOR

    db_path = tmp_path / "office.db"
    assert run("demo", "--db", str(db_path), "--tickets", "50").returncode == 0
    r = run("backup", "--db", str(db_path))
    assert r.returncode == 0
    backup = r.stdout.split("：", 1)[1].strip()
    db = open_database(db_path)
    township.add_village(db, CLI_ACTOR, "后加村", 5)
    close_database(db)
    r = run("restore", backup, "--db", str(db_path))
    assert r.returncode == 0, r.stderr
    db = open_database(db_path)
    assert "后加村" not in [v["name"] for v in township.villages(db)]
    close_database(db)


def test_selftest():
    r = run("selftest", env={**__import__("os").environ, "QT_QPA_PLATFORM": "offscreen"})
    assert r.returncode == 0, r.stdout + r.stderr
    assert "自检通过" in r.stdout
