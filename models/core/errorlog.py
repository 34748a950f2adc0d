"""The program's log of unexpected errors (no Qt here: the command line uses it too).

A bug must never pass silently and never show a Python traceback to a user:
the traceback goes to a rotating log file in the user's data folder, and the
user reads one Chinese sentence with the file's path (to hand to whoever
supports the office). ui/common/crash.py installs the window's handlers,
cli.main the command line's.
"""

from __future__ import annotations

import sys
import threading
from pathlib import Path
from typing import TYPE_CHECKING

from models.core.paths import user_data_dir

if TYPE_CHECKING:
    import logging

LOGGER_NAME = "township"
MAX_BYTES = 1_000_000
BACKUP_COUNT = 5

_lock = threading.Lock()


def log_path() -> Path:
    return user_data_dir() / "logs" / "township.log"


def logger() -> logging.Logger:
    """The program's logger, writing to the rotating file (set up on first use;
    logging is imported then, not at start-up: issue 22)."""
    import logging
    import logging.handlers

    log = logging.getLogger(LOGGER_NAME)
    with _lock:
        if not any(isinstance(h, logging.handlers.RotatingFileHandler) for h in log.handlers):
            path = log_path()
            path.parent.mkdir(parents=True, exist_ok=True)
            handler = logging.handlers.RotatingFileHandler(path, maxBytes=MAX_BYTES, backupCount=BACKUP_COUNT,
                                                           encoding="utf-8")
            handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s [%(threadName)s] %(message)s"))
            log.addHandler(handler)
            log.setLevel(logging.INFO)
            log.propagate = False
    return log


def log_exception(exc_type, exc, tb, where: str = "") -> Path:
    """Write an unexpected exception with its traceback to the log; returns the log's path."""
    logger().error("未预料的错误%s", f"（{where}）" if where else "", exc_info=(exc_type, exc, tb))
    for handler in logger().handlers:
        handler.flush()
    return log_path()


def user_message(path: Path | None = None) -> str:
    """The one sentence a user reads about an unexpected error."""
    return (f"程序出现意外错误，刚才的操作可能没有完成。详细情况已记入日志文件：{path or log_path()}"
            "。请把这个文件交给技术支持人员。")


def install_command_line_handlers() -> None:
    """sys.excepthook and threading.excepthook for the command line: log, then one Chinese line."""
    def on_exception(exc_type, exc, tb):
        if issubclass(exc_type, KeyboardInterrupt):
            print("已中断。", file=sys.stderr)
            return
        path = log_exception(exc_type, exc, tb, "命令行")
        print(f"错误：{user_message(path)}", file=sys.stderr)

    def on_thread_exception(args):
        if args.exc_type is SystemExit:
            return
        path = log_exception(args.exc_type, args.exc_value, args.exc_traceback,
                             f"线程 {args.thread.name if args.thread else ''}")
        print(f"错误：{user_message(path)}", file=sys.stderr)

    sys.excepthook = on_exception
    threading.excepthook = on_thread_exception
