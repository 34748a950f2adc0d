"""Issue 20: the command line sits behind the same login as the window.

Before, `user add … --role admin`, `user passwd admin`, `assess score`,
`restore` and `tickets export --full-id` ran with no password at all and were
audited as 命令行. These tests run the real `cli.main` against real database
files and prove each now needs an account with the right, and that the audit
names the real user.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from cli import main
from models.core import users
from models.core.db import backup_database, close_database, open_database

DEMO_PASSWORD = "demo1234"


@pytest.fixture(scope="module")
def demo_template(tmp_path_factory):
    from models.demo.township import DemoOptions, build_demo

    path = tmp_path_factory.mktemp("cli-login") / "template.db"
    db = open_database(path, daily_backup=False)
    build_demo(db, DemoOptions(seed=5, tickets=60))
    close_database(db)
    return path


@pytest.fixture
def demo_path(demo_template, tmp_path):
    path = tmp_path / "office.db"
    shutil.copyfile(demo_template, path)
    return path


def _audit_rows(path: Path) -> list[tuple]:
    db = open_database(path, daily_backup=False)
    try:
        return db.execute("SELECT id, actor, action, table_name, row_key FROM audit_log ORDER BY id").fetchall()
    finally:
        close_database(db)


def _password_file(tmp_path, text, name="pw") -> str:
    path = tmp_path / name
    path.write_text(text + "\n", encoding="utf-8")
    return str(path)


def _issue_attacks(path: Path, tmp_path: Path) -> dict[str, list[str]]:
    """The commands the issue ran with no password."""
    db = open_database(path, daily_backup=False)
    backup = backup_database(db, reason="manual")
    close_database(db)
    new_pw = _password_file(tmp_path, "hacked-pass-99", "new")
    db = str(path)
    return {
        "user add admin": ["user", "add", "mole", "--role", "admin", "--db", db, "--password-file", new_pw],
        "user passwd admin": ["user", "passwd", "admin", "--db", db, "--password-file", new_pw],
        "user list": ["user", "list", "--db", db],
        "assess score": ["assess", "score", "--db", db, "--plan", "2026", "--period", "Q1", "--person", "无此人",
                         "--item", "x", "--points", "1"],
        "restore": ["restore", str(backup), "--db", db],
        "tickets export --full-id": ["tickets", "export", "--from", "2000-01-01", "--to", "2099-12-31", "--out",
                                     str(tmp_path / "ledger.xlsx"), "--full-id", "--db", db],
        "roster export": ["roster", "export", "--out", str(tmp_path / "roster.xlsx"), "--db", db],
        "backup": ["backup", "--db", db],
        "export package": ["export", "--out", str(tmp_path / "p.xzpkg"), "--password-file", new_pw, "--db", db],
        "notice": ["notice", "duties", "--out", str(tmp_path / "n.pdf"), "--db", db],
        "calendar seed": ["calendar", "seed", "--replace", "--db", db],
        "election create": ["election", "create", "--term", "9", "--date", "2031-06-01", "--db", db],
    }


def test_every_attack_of_the_issue_needs_a_login(demo_path, tmp_path, capsys, cli_login):
    attacks = _issue_attacks(demo_path, tmp_path)
    before = _audit_rows(demo_path)
    file_before = demo_path.read_bytes()
    for label, argv in attacks.items():
        capsys.readouterr()
        assert main(argv) == 1, label
        err = capsys.readouterr().err
        assert "需要登录" in err, f"{label}: {err}"
    assert _audit_rows(demo_path) == before
    assert demo_path.read_bytes() == file_before
    for name in ("ledger.xlsx", "roster.xlsx", "p.xzpkg", "n.pdf"):
        assert not (tmp_path / name).exists(), name


def test_a_wrong_password_is_refused_counted_and_locks_like_the_window(demo_path, tmp_path, capsys, cli_login):
    cli_login("admin", "not-the-password")
    argv = ["backup", "--db", str(demo_path)]
    for _ in range(users.MAX_FAILURES - 1):
        assert main(argv) == 1
        assert "用户名或密码错误" in capsys.readouterr().err
    assert main(argv) == 1
    assert "锁定" in capsys.readouterr().err
    # Locked: even the right password is refused, exactly as in the window,
    # with the same message (a lock does not confirm that the name exists).
    cli_login("admin", DEMO_PASSWORD)
    assert main(argv) == 1
    assert "用户名或密码错误" in capsys.readouterr().err
    failed = [r for r in _audit_rows(demo_path) if r[2] == "login-failed"]
    assert len(failed) == users.MAX_FAILURES + 1


def test_rights_are_the_window_roles(demo_path, tmp_path, capsys, cli_login):
    attacks = _issue_attacks(demo_path, tmp_path)
    cli_login("guest", DEMO_PASSWORD)  # 只读
    for label in ("user add admin", "user passwd admin", "user list", "restore", "tickets export --full-id",
                  "roster export", "backup", "export package", "calendar seed", "election create"):
        capsys.readouterr()
        assert main(attacks[label]) == 1, label
        assert "无权" in capsys.readouterr().err, label
    cli_login("window", DEMO_PASSWORD)  # 窗口工作人员: the masked ledger yes, full ID numbers no
    assert main(attacks["tickets export --full-id"]) == 1
    assert main(attacks["tickets export --full-id"][:-3] + ["--db", str(demo_path)]) == 0
    assert (tmp_path / "ledger.xlsx").exists()


def test_audit_rows_name_the_real_user(demo_path, tmp_path, cli_login):
    cli_login("admin", DEMO_PASSWORD)
    assert main(["user", "add", "clerk2", "--role", "window", "--db", str(demo_path), "--password-file",
                 _password_file(tmp_path, "clerk-pass-77")]) == 0
    cli_login("clerk2", "clerk-pass-77")
    assert main(["calendar", "years", "--db", str(demo_path)]) == 0
    rows = _audit_rows(demo_path)
    added = [r for r in rows if r[2] == "insert" and r[3] == "users" and r[4] == "clerk2"]
    assert added and added[0][1] == "admin"
    assert not [r for r in rows if r[1] == "命令行" and r[0] > added[0][0]]


def test_user_passwd_of_an_unknown_user_fails_and_writes_nothing(demo_path, tmp_path, capsys, cli_login):
    cli_login("admin", DEMO_PASSWORD)
    before = _audit_rows(demo_path)
    assert main(["user", "passwd", "nobody", "--db", str(demo_path), "--password-file",
                 _password_file(tmp_path, "whatever-pass-1")]) == 1
    assert "不存在" in capsys.readouterr().err
    assert _audit_rows(demo_path) == before


def test_the_first_admin_needs_no_login_and_only_it(tmp_path, capsys, cli_login):
    path = tmp_path / "new.db"
    pw = _password_file(tmp_path, "first-admin-pw")
    assert main(["user", "add", "boss", "--db", str(path), "--password-file", pw]) == 0
    db = open_database(path, daily_backup=False)
    assert [(u["username"], u["role"]) for u in users.list_users(db)] == [("boss", users.ADMIN)]
    close_database(db)
    assert main(["user", "add", "second", "--db", str(path), "--password-file", pw]) == 1
    assert "需要登录" in capsys.readouterr().err
    # A database with no account refuses every other command, naming the way out.
    empty = tmp_path / "empty.db"
    close_database(open_database(empty, daily_backup=False))
    assert main(["backup", "--db", str(empty)]) == 1
    assert "user add" in capsys.readouterr().err


def test_login_free_commands_still_run_without_one(demo_path, capsys, cli_login):
    assert main(["check", "--db", str(demo_path)]) == 0
    with pytest.raises(SystemExit) as done:
        main(["--version"])
    assert done.value.code == 0
    with pytest.raises(SystemExit) as done:
        main(["--help"])
    assert done.value.code == 0
    assert main(["notice", "--list"]) == 0


def test_login_password_file_and_user_option(demo_path, tmp_path, capsys, cli_login):
    pw = _password_file(tmp_path, DEMO_PASSWORD)
    assert main(["backup", "--db", str(demo_path), "--user", "kaohe", "--login-password-file", pw]) == 0
    assert main(["--user", "kaohe", "--login-password-file", pw, "backup", "--db", str(demo_path)]) == 0
    assert main(["backup", "--db", str(demo_path), "--user", "kaohe", "--login-password-file",
                 str(tmp_path / "missing")]) == 1
    assert "无法读取" in capsys.readouterr().err


def test_restore_of_a_damaged_database_checks_the_account_in_the_backup(demo_path, tmp_path, capsys, cli_login):
    db = open_database(demo_path, daily_backup=False)
    backup = backup_database(db, reason="manual")
    close_database(db)
    damaged = b"this file was overwritten" * 100
    demo_path.write_bytes(damaged)
    for suffix in ("-wal", "-shm"):
        Path(str(demo_path) + suffix).unlink(missing_ok=True)
    cli_login("admin", "wrong-password-1")
    assert main(["restore", str(backup), "--db", str(demo_path)]) == 1
    assert demo_path.read_bytes() == damaged
    cli_login("guest", DEMO_PASSWORD)
    assert main(["restore", str(backup), "--db", str(demo_path)]) == 1
    assert "无权" in capsys.readouterr().err
    backup_bytes = backup.read_bytes()
    cli_login("admin", DEMO_PASSWORD)
    assert main(["restore", str(backup), "--db", str(demo_path)]) == 0
    assert backup.read_bytes() == backup_bytes, "checking the password never writes into the backup"
    assert demo_path.read_bytes() != damaged


def test_no_command_module_acts_as_the_anonymous_command_line():
    root = Path(__file__).resolve().parent.parent / "cli"
    for module in root.glob("*.py"):
        assert "CLI_ACTOR" not in module.read_text(encoding="utf-8"), module.name


def test_a_roster_export_is_audited_with_who_what_and_the_file(demo_path, tmp_path, cli_login):
    cli_login("admin", DEMO_PASSWORD)
    assert main(["roster", "export", "--out", str(tmp_path / "名册.xlsx"), "--db", str(demo_path)]) == 0
    db = open_database(demo_path, daily_backup=False)
    row = db.execute("SELECT actor, after FROM audit_log WHERE action = 'export' ORDER BY id DESC LIMIT 1").fetchone()
    close_database(db)
    after = json.loads(row[1])
    assert row[0] == "admin" and "名册.xlsx" in after["file"] and after["rows"] == 58, after
