"""The command line: `python main.py SUBCOMMAND ...`.

Each domain adds its subcommands in `cli/<domain>.py` through
`register(subparsers, common)`; `common` is a parent parser carrying --db.
A handler returns the exit code; an AppError prints its Chinese message and
exits 1.
"""

from __future__ import annotations

import argparse
import importlib
import sys

from models import __version__
from models.core.errors import AppError

DOMAIN_MODULES = ["cli.core", "cli.roster", "cli.tickets", "cli.assess", "cli.notices", "cli.handoff", "cli.election"]


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="main.py", description="乡镇综合办公：领导班子、便民服务、考核、公示、数据交换。"
                                     " 不带子命令时打开窗口。")
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    parser.add_argument("--db", help="数据库文件路径（默认在用户数据文件夹）")
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--db", default=argparse.SUPPRESS, help="数据库文件路径")
    sub = parser.add_subparsers(dest="command", metavar="子命令")
    for name in DOMAIN_MODULES:
        importlib.import_module(name).register(sub, common)
    return parser


def db_path_of(args):
    from models.core.paths import default_db_path

    return getattr(args, "db", None) or default_db_path()


def open_db(args, create: bool = False):
    """Open the --db database for a command (not created unless asked)."""
    from models.core.db import open_database

    return open_database(db_path_of(args), create=create)


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
    from models.startup import start

    start()
    # Opening the window skips building the whole command tree (it imports
    # every domain's command module): start-up stays fast.
    window_only, window_db = _window_db_arg(argv)
    if window_only:
        from ui.app import run_gui

        return run_gui(db_path=window_db)
    parser = build_parser()
    args = parser.parse_args(argv)
    if not args.command:
        from ui.app import run_gui

        return run_gui(db_path=args.db)
    try:
        return int(args.func(args) or 0)
    except AppError as e:
        print(f"错误：{e.message}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("已中断。", file=sys.stderr)
        return 130
