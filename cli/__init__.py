"""The command line: `python main.py SUBCOMMAND ...`.

Each domain adds its subcommands in `cli/<domain>.py` through
`register(subparsers, common)`; `common` is a parent parser carrying --db.
A handler returns the exit code; an AppError prints its Chinese message and
exits 1.

Every command that opens the database logs in first (see `open_db`), with the
same accounts, roles and lockout as the window: `--user NAME` (or XZ_USER) and
the password typed in, read from `--login-password-file F`, or taken from
XZ_PASSWORD for scripts. Only `check`, `selftest`, `check-notice`, `--help`
and `--version` need none, and a database with no account yet accepts only
`user add` (the first administrator) and `demo`.
"""

from __future__ import annotations

import argparse
import os
import sys

from cli import chinese
from models import APP_NAME, __version__
from models.core.errors import AppError



def program_name() -> str:
    """What the user typed to start us: main.py, or township-office-cli in the built program."""
    from pathlib import Path

    return Path(sys.argv[0]).name if sys.argv and sys.argv[0] else "main.py"


def build_parser() -> argparse.ArgumentParser:
    chinese.install()
    parser = chinese.ChineseArgumentParser(prog=program_name(), description="乡镇综合办公：领导班子、便民服务、考核、公示、数据交换。"
                                           " 不带子命令时打开窗口。")
    parser.add_argument("--version", action="version", version=f"{APP_NAME} {__version__}")
    parser.add_argument("--db", help="数据库文件路径（默认在用户数据文件夹）")
    _add_login_options(parser, argparse.SUPPRESS)
    common = chinese.ChineseArgumentParser(add_help=False)
    common.add_argument("--db", default=argparse.SUPPRESS, help="数据库文件路径")
    _add_login_options(common, argparse.SUPPRESS)
    sub = parser.add_subparsers(dest="command", metavar="子命令")
    # Each domain's command module adds its subcommands, in this order in --help.
    from cli import assess, core, election, handoff, notices, roster, tickets

    for module in (core, roster, tickets, assess, notices, handoff, election):
        module.register(sub, common)
    return parser


def db_path_of(args):
    from models.core.paths import default_db_path

    return getattr(args, "db", None) or default_db_path()


def open_db(args, create: bool = False):
    """Open the --db database for a command (not created unless asked) and log
    in: the handler then acts as `actor_of(args)`."""
    from models.core.db import open_database

    _say_if_quick_check_is_due(db_path_of(args))
    db = open_database(db_path_of(args), create=create)
    _OPENED.append(db)
    if getattr(args, "command", None) not in LOGIN_FREE_COMMANDS and getattr(args, "actor", None) is None:
        args.actor = log_in(args, db)
    return db


def _say_if_quick_check_is_due(name) -> None:
    """The open below runs the day's quick_check (minutes over a county's file): say so first."""
    from pathlib import Path

    from models.core.db import quick_check_notice, quick_check_reason

    path = Path(name)
    if path.is_file() and path.stat().st_size > 0:
        reason = quick_check_reason(path)
        if reason:
            print(quick_check_notice(path, reason), file=sys.stderr, flush=True)


# What open_db opened, closed when the command ends (main): the close is recorded in the
# marker (models/core/db.py), so the next open can tell a file changed behind our back.
_OPENED: list = []


def _close_opened() -> None:
    import sqlite3

    from models.core.db import close_database

    while _OPENED:
        db = _OPENED.pop()
        try:
            db.conn.total_changes  # noqa: B018 - raises when the command closed it already
        except sqlite3.ProgrammingError:
            continue
        close_database(db)


# Commands that only read and verify, never write or export personal data.
LOGIN_FREE_COMMANDS = {"check", "selftest", "check-notice"}
USER_ENV, PASSWORD_ENV = "XZ_USER", "XZ_PASSWORD"


def _add_login_options(parser, default) -> None:
    parser.add_argument("--user", default=default, help=f"登录的用户名（脚本也可用环境变量 {USER_ENV}）")
    parser.add_argument("--login-password-file", default=default,
                        help=f"从文件读取登录密码（第一行）；省略时在终端输入（脚本也可用环境变量 {PASSWORD_ENV}）")


def _first_run_command(args) -> bool:
    """A database with no account yet: only creating the first administrator
    (or the demo township with its demo accounts) may run."""
    return args.command == "demo" or (args.command == "user" and getattr(args, "action", None) == "add")


def read_first_line(path: str, field: str) -> str:
    """The first line of a password file, refused with a message when unreadable or empty."""
    from pathlib import Path

    from models.core.errors import ValidationError

    try:
        lines = Path(path).read_text(encoding="utf-8").splitlines()
    except OSError as e:
        raise ValidationError(field, f"无法读取“{path}”：{e.strerror or e}") from None
    except UnicodeDecodeError:
        raise ValidationError(field, f"“{path}”不是 UTF-8 文本文件。") from None
    if not lines or not lines[0]:
        raise ValidationError(field, f"“{path}”第一行是空的。")
    return lines[0]


def ask_password(prompt: str, field: str, option: str, confirm: bool = False) -> str:
    """A password typed at the terminal; without a terminal (a script, a scheduled task) say which
    option gives it instead of failing inside getpass."""
    import getpass

    from models.core.errors import ValidationError

    if sys.stdin is None or not sys.stdin.isatty():
        raise ValidationError(field, f"没有可输入密码的终端：请用 {option} 文件 给出（文件第一行为密码）。")
    password = getpass.getpass(prompt)
    if confirm and getpass.getpass("再输入一次：") != password:
        raise ValidationError(field, "两次输入不一致。")
    return password


def log_in(args, db):
    """The Actor for this command: the account named by --user / XZ_USER,
    checked by `users.login` (same lockout and audit as the window). None only
    for a first-run command on a database that has no account yet."""
    from models.core import users
    from models.core.errors import LoginError

    if not users.has_users(db):
        if _first_run_command(args):
            return None
        raise LoginError("这个数据库还没有任何用户。请先创建管理员：main.py user add 用户名 --db 数据库文件。")
    interactive = sys.stdin is not None and sys.stdin.isatty()
    username = getattr(args, "user", None) or os.environ.get(USER_ENV, "")
    if not username and interactive:
        username = input("用户名：")
    if not username.strip():
        raise LoginError(f"此命令需要登录：请用 --user 用户名 给出账户（脚本可设置环境变量 {USER_ENV}）。")
    password_file = getattr(args, "login_password_file", None)
    if password_file:
        password = read_first_line(password_file, "--login-password-file")
    elif os.environ.get(PASSWORD_ENV):
        password = os.environ[PASSWORD_ENV]
    elif interactive:
        import getpass

        password = getpass.getpass(f"“{username}”的登录密码：")
    else:
        raise LoginError(f"此命令需要登录密码：请用 --login-password-file 文件 给出，或设置环境变量 {PASSWORD_ENV}。")
    actor = users.login(db, username, password, record_success=False)
    args.login_password = password  # `user passwd` of oneself: the old password, already checked
    return actor


def actor_of(args):
    """Who runs this command (set by `open_db`)."""
    return args.actor


def require_right(args, capability: str) -> None:
    """Refuse the command unless the logged-in user has the right."""
    from models.core.users import require

    require(actor_of(args), capability)


def _window_db_arg(argv: list[str]):
    """(True, path or None) when argv only opens the window: none, `--db P` or `--db=P`."""
    if not argv:
        return True, None
    if len(argv) == 2 and argv[0] == "--db":
        return True, argv[1]
    if len(argv) == 1 and argv[0].startswith("--db="):
        return True, argv[0][5:]
    return False, None


def main(argv=None) -> int:
    argv = sys.argv[1:] if argv is None else list(argv)
    # Opening the window skips building the whole command tree (it imports
    # every domain's command module): start-up stays fast. The window registers
    # the settings itself, after its login dialog's first paint (ui/app.py).
    window_only, window_db = _window_db_arg(argv)
    if window_only:
        from ui.app import run_gui

        return run_gui(db_path=window_db)
    from models.startup import start

    start()
    from models.core import errorlog

    errorlog.install_command_line_handlers()
    parser = build_parser()
    args = parser.parse_args(argv)
    if not args.command:
        from ui.app import run_gui

        return run_gui(db_path=args.db)
    try:
        code = int(args.func(args) or 0)
        sys.stdout.flush()  # inside the try: a closed pipe is reported here, not as a traceback at exit
        return code
    except AppError as e:
        print(f"错误：{e.message}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("已中断。", file=sys.stderr)
        return 130
    except BrokenPipeError:
        # `main.py check | head`: the reader has gone; say nothing more (Python's documented way).
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 1
    except Exception:  # noqa: BLE001 - a bug: logged with its traceback, the user reads one Chinese line
        path = errorlog.log_exception(*sys.exc_info(), f"命令 {args.command}")
        print(f"错误：{errorlog.user_message(path)}", file=sys.stderr)
        return 70  # EX_SOFTWARE
    finally:
        _close_opened()
