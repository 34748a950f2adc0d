"""The program's database object: sqlite-utils' Database (DESIGN.md) with one
change to how the outermost transaction starts.

Kept apart from models/core/db.py (opening, checks, backups) so that looking
at a file before it is opened does not import sqlite-utils: the window paints
its login dialog first and pays for sqlite-utils' import while the user types
(issue 22). open_database returns this class.
"""

from __future__ import annotations

import contextlib
import sqlite3
from pathlib import Path

import sqlite_utils

from models.core.errors import StorageError


def _write_failure_message(e: sqlite3.OperationalError, path: Path) -> str | None:
    name = getattr(e, "sqlite_errorname", "") or ""
    if name == "SQLITE_FULL":
        return (f"磁盘已满，本次操作没有保存（之前保存的数据都在）。请清理“{path.parent}”所在的磁盘后重试；"
                "在此之前仍可查看和导出。")
    if name.startswith("SQLITE_READONLY"):
        return (f"数据库所在的磁盘或文件夹是只读的，本次操作没有保存（之前保存的数据都在）。"
                f"请把“{path.name}”放到可写的位置再打开。")
    return None


class Database(sqlite_utils.Database):
    """sqlite-utils' Database whose outermost transaction starts with
    BEGIN IMMEDIATE: the write lock is taken before the action reads, so a
    write from another connection (a second window, a command, a worker)
    between our read and our write makes us wait instead of failing with
    "database is locked"."""

    path: Path  # the file, remembered for backups
    quick_check_deferred: bool = False  # the window runs PRAGMA quick_check in the background
    read_only_reason: str | None = None  # why the file was opened read-only (Chinese), or None
    quick_checked: bool = False  # open_database ran quick_check (ok) just now
    storage_warning: str | None = None  # e.g. the daily backup failed on a full disk (Chinese)

    @contextlib.contextmanager
    def atomic(self):
        if self.conn.in_transaction:
            with super().atomic():
                yield self
            return
        if self.read_only_reason:
            raise StorageError(f"数据库是只读打开的，不能保存修改。{self.read_only_reason}")
        try:
            self.conn.execute("BEGIN IMMEDIATE")
            try:
                yield self
            except BaseException:
                self.rollback()
                raise
            else:
                try:
                    self.conn.execute("COMMIT")
                except BaseException:
                    self.rollback()
                    raise
        except sqlite3.OperationalError as e:
            # A full or read-only disk: nothing of this action was saved, and
            # everything saved before is intact. Say so instead of a traceback.
            message = _write_failure_message(e, Path(self.path))
            if message is None:
                raise
            raise StorageError(message) from e
