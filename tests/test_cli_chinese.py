"""The command line speaks Chinese, names itself, and ends every error with a Chinese line and a
non-zero exit, never a traceback (issue 21). Real processes: what a clerk's terminal shows."""

import subprocess
import sys

from tests.cli_helpers import ROOT, no_login_env


def run(*args, stdin=subprocess.DEVNULL):
    return subprocess.run([sys.executable, str(ROOT / "main.py"), *args], capture_output=True, text=True,
                          env=no_login_env(), stdin=stdin, timeout=120)


def test_version_names_the_program():
    r = run("--version")
    assert r.returncode == 0 and r.stdout.strip() == "乡镇综合办公 0.1.0"


def test_help_frame_is_chinese():
    r = run("--help")
    assert r.returncode == 0
    assert r.stdout.startswith("用法：") and "显示本帮助并退出" in r.stdout and "选项" in r.stdout
    assert "usage:" not in r.stdout and "show this help" not in r.stdout
    sub = run("tickets", "--help")
    assert sub.stdout.startswith("用法：") and "usage" not in sub.stdout


def test_argument_errors_are_chinese_and_fail():
    r = run("tickets", "--bogus")
    assert r.returncode == 2
    assert "错误：无法识别的参数：--bogus" in r.stderr and "error" not in r.stderr
    r = run("demo", "--db", "x.db", "--tickets", "很多")
    assert r.returncode == 2 and "不是有效的整数" in r.stderr
    assert "Traceback" not in r.stderr


def test_read_command_never_creates_a_database(tmp_path):
    missing = tmp_path / "打错的路径" / "township.db"
    r = run("user", "list", "--db", str(missing))
    assert r.returncode == 1 and "不存在" in r.stderr and "Traceback" not in r.stderr
    assert not missing.exists() and not missing.parent.exists()


def test_check_into_a_closed_pipe_prints_no_traceback(tmp_path):
    """`main.py check | head`: the reader has gone before the report is written (`true` reads nothing)."""
    from models.core.db import close_database, open_database

    db = open_database(tmp_path / "t.db")
    close_database(db)
    shell = f"'{sys.executable}' '{ROOT / 'main.py'}' check --db '{tmp_path / 't.db'}' | true"
    r = subprocess.run(["bash", "-c", f"set -o pipefail; {shell}"], capture_output=True, text=True,
                       env=no_login_env(), timeout=120)
    assert "Traceback" not in r.stderr and "BrokenPipe" not in r.stderr, r.stderr


def test_an_unknown_period_fails_in_chinese():
    """`--period X` printed 先运行 recompute and exited 0."""
    r = run("assess", "results", "--plan", "2026", "--period", "X", "--db", "nowhere.db")
    assert r.returncode == 2 and "无效的选项值 'X'" in r.stderr and "Traceback" not in r.stderr


def test_no_terminal_and_no_password_file_is_a_message(tmp_path):
    """`user add` from a script (no terminal) failed inside getpass with a traceback."""
    r = run("user", "add", "boss", "--role", "admin", "--db", str(tmp_path / "new.db"))
    assert r.returncode == 1 and "--password-file" in r.stderr and "Traceback" not in r.stderr
    assert "意外错误" not in r.stderr
