"""Opening the one database file: checks, pragmas, migrations, backups.

The file is inspected read-only first, so that a file that is not ours, is
corrupt or comes from a newer program is left exactly as it was.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import sqlite3
import threading
import weakref
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

from models.core import backup_codec, presence
from models.core.errors import AppError, CorruptDatabaseError, DatabaseOpenError, NewerSchemaError, StorageError
from models.core.paths import backup_dir_for

SQLITE_HEADER = b"SQLite format 3\x00"
MIGRATIONS_TABLE = "_sqlite_migrations"
DEFAULT_BACKUP_KEEP = 10

if TYPE_CHECKING:
    import sqlite_utils

    from models.core.database import Database


def __getattr__(name: str):
    # sqlite-utils is imported when a file is first opened, not with this module: the window
    # paints its login dialog before paying for it (issue 22). `db.Database` still works.
    if name == "Database":
        from models.core.database import Database

        return Database
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


class TrackedConnection(sqlite3.Connection):
    """A connection this process has open on a database file.

    On POSIX, closing *any* descriptor of a file drops every lock the process
    holds on it (sqlite.org, "How To Corrupt An SQLite Database File", §2.2):
    one Python open()/close() of the live file lets another process believe it
    is the last user, delete the -wal and lose our later commits. So the
    program remembers which files have a live connection and never touches
    them (or their -wal/-shm) with anything but SQLite while one exists."""

    tracked_key: str | None = None
    immutable = False  # opened with immutable=1: SQLite creates nothing beside the file

    def close(self) -> None:
        try:
            super().close()
        finally:
            _forget(self)


# file key -> the live connections on it (weak: a connection dropped without
# close() is closed by Python and disappears from here by itself).
_LIVE: dict[str, "weakref.WeakSet[TrackedConnection]"] = {}
_LIVE_LOCK = threading.Lock()


def file_key(path) -> str:
    return os.path.normcase(os.path.realpath(os.fspath(path)))


def _track(conn: TrackedConnection, path) -> None:
    conn.tracked_key = file_key(path)
    with _LIVE_LOCK:
        _LIVE.setdefault(conn.tracked_key, weakref.WeakSet()).add(conn)


def _forget(conn: TrackedConnection) -> None:
    key = conn.tracked_key or ""
    last = False
    with _LIVE_LOCK:
        live = _LIVE.get(key)
        if live is not None:
            live.discard(conn)
            if not live:
                del _LIVE[key]
                last = key in _JOINED
                _JOINED.discard(key)
    if last:
        # The last connection of this process is gone: others may restore now.
        presence.leave(key)


# Files whose presence lock this process holds (see models/core/presence.py).
_JOINED: set[str] = set()


def connect_readonly(path) -> sqlite3.Connection:
    """A read-only connection for a background reader (tracked like every other)."""
    return _connect(Path(path), readonly=True)


def has_live_connection(path) -> bool:
    """Whether this process has a connection open on the database at path."""
    with _LIVE_LOCK:
        return bool(_LIVE.get(file_key(path)))


def _quiet(path: Path) -> bool:
    """No process has the file open and nothing of it is outside the main
    file: no live connection here, no -wal (or an empty one left by a failed
    open) and, if a lock file exists, nobody holding it."""
    if has_live_connection(path):
        return False
    wal = Path(str(path) + "-wal")
    try:
        if wal.exists() and wal.stat().st_size > 0:
            return False
    except OSError:
        return False
    if presence.lock_path_for(path).exists():  # only our files have one; never create it here
        others = presence.others(path)
        if others is None:
            # The lock file cannot be opened for writing (read-only disk): on a
            # read-only mount nobody can be writing the file either.
            return not wal.exists() or _read_only_mount(Path(path).parent)
        return others == []
    return True


def _inspection_uri(path: Path) -> str:
    """URI for looking at a file this process has not accepted yet (or one on
    a full disk).

    Even a read-only connection creates -wal and -shm beside a WAL-mode file
    and leaves them there (and cannot open at all when the disk is full). A
    quiet WAL file (see _quiet) has nothing outside the main file, so it is
    read as immutable: nothing is created and the file stays byte for byte as
    it was."""
    uri = Path(path).resolve().as_uri() + "?mode=ro"
    if has_live_immutable_connection(path):
        return uri + "&immutable=1"  # this process already reads it so (a full disk): nothing can be created
    if not _quiet(path):
        return uri
    try:
        with open(path, "rb") as f:  # no connection on it in this process (checked in _quiet)
            header = f.read(20)
    except OSError:
        return uri
    if header[:16] == SQLITE_HEADER and header[18] == 2:
        return uri + "&immutable=1"
    return uri


def has_live_immutable_connection(path) -> bool:
    """Whether this process reads the file through an immutable connection (a
    full disk: nothing beside the file could be created)."""
    with _LIVE_LOCK:
        return any(c.immutable for c in _LIVE.get(file_key(path), ()))


def _connect(path: Path, readonly: bool = False, inspect: bool = False) -> TrackedConnection:
    if inspect:
        uri = _inspection_uri(path)
        conn = sqlite3.connect(uri, uri=True, isolation_level=None, check_same_thread=False,
                               factory=TrackedConnection)
        conn.immutable = uri.endswith("&immutable=1")
    elif readonly and has_live_immutable_connection(path):
        # The window reads this file immutable (it could not create the -shm): a
        # worker's read-only connection beside it could not either ('disk I/O error').
        conn = sqlite3.connect(Path(path).resolve().as_uri() + "?mode=ro&immutable=1", uri=True,
                               isolation_level=None, check_same_thread=False, factory=TrackedConnection)
        conn.immutable = True
    elif readonly:
        uri = Path(path).resolve().as_uri() + "?mode=ro"
        conn = sqlite3.connect(uri, uri=True, isolation_level=None, check_same_thread=False,
                               factory=TrackedConnection)
    else:
        conn = sqlite3.connect(str(path), isolation_level=None, check_same_thread=False, timeout=10,
                               factory=TrackedConnection)
    _track(conn, path)
    conn.execute("PRAGMA trusted_schema=OFF")
    return conn


def _configure(conn: sqlite3.Connection) -> None:
    conn.execute("PRAGMA journal_mode=WAL")
    # Township PCs lose power: every commit must reach the disk.
    conn.execute("PRAGMA synchronous=FULL")
    conn.execute("PRAGMA foreign_keys=ON")
    conn.execute("PRAGMA busy_timeout=10000")


def is_sqlite_file(path: Path) -> bool:
    """Whether the file starts with the SQLite header. While this process has
    a connection on the file, SQLite itself reads it (see TrackedConnection)."""
    if has_live_connection(path):
        return _sqlite_reads_header(path)
    try:
        with open(path, "rb") as f:
            return f.read(16) == SQLITE_HEADER
    except OSError:
        return False


def _sqlite_reads_header(path: Path) -> bool:
    try:
        conn = _connect(path, readonly=True)
    except sqlite3.DatabaseError:
        return False
    try:
        conn.execute("PRAGMA schema_version").fetchone()
        return True
    except sqlite3.DatabaseError as e:
        if getattr(e, "sqlite_errorname", "") == "SQLITE_NOTADB":
            return False
        raise
    finally:
        conn.close()


def peek(path, sql: str, params=()) -> list[tuple]:
    """Rows of one query against a file that must stay untouched (nothing is
    created beside it; see _inspection_uri). DatabaseError when unreadable."""
    conn = _connect(Path(path), inspect=True)
    try:
        return [tuple(r) for r in conn.execute(sql, params).fetchall()]
    finally:
        conn.close()


def known_migrations() -> list[tuple[str, str]]:
    """(set, name) of every migration this program knows, in apply order."""
    from models.core.migrations import MIGRATION_SETS

    return [(s.name, m.name) for s in MIGRATION_SETS for m in s._migrations]


# The authorizer's action codes that write a table's rows or its shape; for
# each, the argument holding the table's name (ALTER TABLE names it second).
_WRITES_TABLE = {sqlite3.SQLITE_INSERT: 0, sqlite3.SQLITE_UPDATE: 0, sqlite3.SQLITE_DELETE: 0,
                 sqlite3.SQLITE_CREATE_TABLE: 0, sqlite3.SQLITE_DROP_TABLE: 0, sqlite3.SQLITE_ALTER_TABLE: 1}


@contextmanager
def tables_written(conn: sqlite3.Connection) -> Iterator[set[str]]:
    """The tables whose rows or columns the statements run inside were able to
    change, as SQLite's authorizer names them when each statement (and each
    trigger it fires) is prepared. An index-only migration writes none, so the
    rows' seals need not be computed again (at a county, 200 s at every upgrade)."""
    written: set[str] = set()

    def authorize(action, first, second, _db_name, _trigger):
        at = _WRITES_TABLE.get(action)
        if at is not None:
            name = (first, second)[at]
            if name:
                written.add(name)
        return sqlite3.SQLITE_OK

    conn.set_authorizer(authorize)  # setting it expires cached statements: each is prepared again
    try:
        yield written
    finally:
        conn.set_authorizer(None)


def _has_table(conn: sqlite3.Connection, name: str) -> bool:
    return conn.execute("SELECT 1 FROM sqlite_master WHERE type='table' AND name=?", (name,)).fetchone() is not None


def applied_migrations(conn: sqlite3.Connection) -> list[tuple[str, str]]:
    exists = conn.execute(
        "SELECT 1 FROM sqlite_master WHERE type='table' AND name=?", (MIGRATIONS_TABLE,)
    ).fetchone()
    if not exists:
        return []
    return [tuple(r) for r in conn.execute(f"SELECT migration_set, name FROM {MIGRATIONS_TABLE} ORDER BY id")]


def schema_version(conn: sqlite3.Connection) -> int:
    """Number of this program's migrations applied to the file."""
    known = set(known_migrations())
    return sum(1 for m in applied_migrations(conn) if m in known)


@contextmanager
def sqlite_progress(conn, progress: Callable[[float], None] | None, started: float,
                    every_seconds: float = 1.0) -> Iterator[None]:
    """While a long read runs, call progress(seconds so far) about every
    `every_seconds` from SQLite's progress handler; an exception progress
    raises (the window's 取消, a closed window's stop) stops the read and is
    raised here."""
    import time

    if progress is None:
        yield
        return
    last = time.monotonic()
    stopped: list[BaseException] = []

    def tick() -> int:
        nonlocal last
        now = time.monotonic()
        if now - last >= every_seconds:
            last = now
            try:
                progress(now - started)
            except BaseException as e:  # the caller's cancel: interrupt SQLite, raise it below
                stopped.append(e)
                return 1
        return 0

    conn.set_progress_handler(tick, 100_000)
    try:
        yield
    except Exception:
        if stopped:
            raise stopped[0] from None
        raise
    finally:
        conn.set_progress_handler(None, 0)
    if stopped:
        raise stopped[0]


class QuickCheckStopped(Exception):
    """The check was stopped before it finished (the window closed): nothing was found or recorded."""


def _stopper(stop: Callable[[], bool]) -> Callable[[float], None]:
    def check(_seconds: float) -> None:
        if stop():
            raise QuickCheckStopped()  # interrupted, not a finding
    return check


def quick_check(path: Path, stop=None) -> str:
    """'ok' or the first problem quick_check reports (or why it could not run).
    `stop()`, polled while SQLite works, ends it early with QuickCheckStopped."""
    try:
        conn = _connect(path, inspect=True)
        try:
            with sqlite_progress(conn, _stopper(stop) if stop is not None else None, 0.0, every_seconds=0.0):
                row = conn.execute("PRAGMA quick_check").fetchone()
            return row[0] if row else "无结果"
        finally:
            conn.close()
    except sqlite3.DatabaseError as e:
        return str(e)


def inspect_file(path: Path, run_quick_check: bool = True) -> None:
    """Raise a DatabaseOpenError if the file at `path` must not be opened. Read-only."""
    path = Path(path)
    if path.is_dir():
        raise DatabaseOpenError(f"“{path}”是一个文件夹，不是数据库文件。")
    if path.stat().st_size == 0:
        return  # an empty file becomes a new database
    if not is_sqlite_file(path):
        backups = list_backups(path)
        if backups:
            # A file we have backed up before was ours: its header is damaged.
            raise CorruptDatabaseError(
                f"数据库“{path.name}”的文件头已损坏，已无法识别为数据库。", path, backups
            )
        raise DatabaseOpenError(f"“{path.name}”不是 SQLite 数据库文件，无法打开。文件未作任何改动。")
    if run_quick_check:
        raise_if_corrupt(path)
    try:
        conn = _connect(path, inspect=True)
        try:
            ours = _has_table(conn, MIGRATIONS_TABLE)
            unknown = [m for m in applied_migrations(conn) if m not in set(known_migrations())]
        finally:
            conn.close()
    except sqlite3.DatabaseError as e:
        raise CorruptDatabaseError(f"数据库“{path.name}”已损坏（无法读取：{e}）。", path, list_backups(path)) from e
    if not ours:
        if list_backups(path):
            raise CorruptDatabaseError(
                f"数据库“{path.name}”里没有本程序的数据表（可能只剩下文件的一部分）。", path, list_backups(path))
        raise DatabaseOpenError(
            f"“{path.name}”是 SQLite 数据库，但不是本程序的数据库（没有本程序的数据表）。"
            f"如果它是从别处复制来的，可能漏掉了同名的“{path.name}-wal”文件，请连同它一起复制。"
            "文件未作任何改动。")
    if unknown:
        raise NewerSchemaError(
            f"数据库“{path.name}”由更新版本的程序创建（未知的结构版本：{unknown[0][0]}/{unknown[0][1]}），"
            "请升级程序后再打开。文件未作任何改动。"
        )


def raise_if_corrupt(path: Path) -> None:
    """Run quick_check; raise CorruptDatabaseError offering backups when it fails."""
    result = quick_check(path)
    if result != "ok":
        raise CorruptDatabaseError(
            f"数据库“{Path(path).name}”已损坏（完整性检查：{result}）。", path, list_backups(path)
        )


def _folder_problem(path: Path) -> str | None:
    """Why the database cannot be written here (None when it can)."""
    folder = path.parent
    if not folder.exists():
        try:
            folder.mkdir(parents=True, exist_ok=True)
        except OSError as e:
            raise DatabaseOpenError(f"无法创建文件夹“{folder}”：{e.strerror or e}") from e
    if not os.access(folder, os.W_OK) or (path.exists() and not os.access(path, os.W_OK)) \
            or _read_only_mount(folder):
        return (f"文件夹“{folder}”是只读的（只读的磁盘、U盘或共享文件夹），无法在此保存数据库"
                "（数据库还需要在同一文件夹写日志文件）。")
    try:
        free = shutil.disk_usage(folder).free
    except OSError:
        free = None
    if free is not None and free < MIN_FREE_TO_WRITE_BYTES:
        return (f"数据库所在的磁盘已满（只剩 {_megabytes(free)}），无法保存修改。"
                "请清理磁盘（删除不用的文件、清空回收站）后重新打开程序。")
    return None


# Below this much free space a write would fail half-way (the WAL and its index
# grow): the file is opened read-only instead, with a message.
MIN_FREE_TO_WRITE_BYTES = 2 * 1024 * 1024


def _read_only_mount(folder: Path) -> bool:
    # os.access says "writable" to root on a read-only mount; statvfs knows.
    if not hasattr(os, "statvfs"):
        return False
    try:
        return bool(os.statvfs(folder).f_flag & os.ST_RDONLY)
    except OSError:
        return False


# ---- when to run quick_check ---------------------------------------------------
# A county file is gigabytes: quick_check on every command would cost seconds
# each time. It runs once a day per file, and at once when the file looks
# wrong: the header or size is odd (not a whole number of pages, much smaller
# than when last checked), or the file changed since this program last closed
# it (a crash, another program, a copy over it). The dates and sizes are kept
# in the backups folder, which is ours.

def _health_marker(path: Path) -> Path:
    return backup_dir_for(path) / ".health.json"


def _read_marker(path: Path) -> dict:
    try:
        data = json.loads(_health_marker(path).read_text(encoding="utf-8"))
        return data if isinstance(data, dict) else {}
    except (OSError, ValueError):
        return {}


def _write_marker(path: Path, data: dict) -> None:
    """Best effort: a full or read-only disk only means the next open checks again."""
    marker = _health_marker(path)
    tmp = marker.with_name(f"{marker.name}.{os.getpid()}.part")
    try:
        marker.parent.mkdir(exist_ok=True)
        tmp.write_text(json.dumps(data), encoding="utf-8")
        os.replace(tmp, marker)
    except OSError:
        try:
            tmp.unlink(missing_ok=True)
        except OSError:
            pass


def _file_state(path: Path) -> list[int]:
    st = path.stat()
    return [st.st_size, st.st_mtime_ns]


def _changed_while_closed(path: Path, marker: dict) -> bool:
    """The file changed while no program of ours had it open (a crash, another
    program, a copy over it), as far as size and time tell."""
    return not Path(str(path) + "-wal").exists() and marker.get("closed") != _file_state(path)


# ---- the mark of the last clean `check` (models/core/audit.py check_history) ----
# Kept in the same marker file, outside the database: a copy of the file
# elsewhere has none; restoring a backup or a change while no program of ours
# had the file open (the quick_check rule above) forgets it, so the next check
# hashes every audit row again. A mark that does not match the file is reported
# by the check itself.

def check_mark(path) -> dict | None:
    mark = _read_marker(Path(path)).get("verified")
    return mark if isinstance(mark, dict) else None


def remember_check_mark(path, mark: dict) -> None:
    """Best effort, like the quick_check date: without it the next check hashes everything."""
    path = Path(path)
    marker = _read_marker(path)
    marker["verified"] = mark
    _write_marker(path, marker)


def forget_check_mark(path) -> None:
    path = Path(path)
    marker = _read_marker(path)
    if "verified" in marker:
        del marker["verified"]
        _write_marker(path, marker)
        if check_mark(path) is not None:  # could not rewrite the marker: remove it
            try:
                _health_marker(path).unlink()
            except OSError:
                pass  # a read-only disk: check still refuses a mark its file no longer matches, and says what it skipped


# A backup made while the file had a clean check's mark holds the rows that mark
# verified (the mark is read before the copy starts, so it never names rows the
# backup lacks; rowids are INTEGER PRIMARY KEYs, which VACUUM INTO keeps). The
# backups folder's marker keeps, per backup, its sha256 and that mark; a restore
# of a backup that still has that sha256 keeps the mark instead of forgetting it,
# so the first check after the restore goes on from it (at 1M: ~2 s, not 198 s).
# A backup edited since (SQLite on the file, another copy under its name) has
# another sha256: the mark is forgotten and the check hashes everything. Like the
# live file's own mark, this trusts the marker file: someone who rewrites the
# marker too gets past the default check, never past 完整核对 / check --full.

def _file_sha256(path: Path) -> str:
    import hashlib

    digest = hashlib.sha256()
    with open(path, "rb") as f:  # a backup: no connection of ours is on it
        while chunk := f.read(1024 * 1024):
            digest.update(chunk)
    return digest.hexdigest()


def _remember_backup_mark(db_path: Path, backup: Path, mark: dict) -> None:
    """Best effort, like the mark itself: without it a restore of `backup` forgets the mark."""
    try:
        digest = _file_sha256(backup)
    except OSError:
        return
    marker = _read_marker(db_path)
    folder = backup.parent
    known = marker.get("backups")
    entries = {name: e for name, e in known.items() if (folder / name).exists()} if isinstance(known, dict) else {}
    # (the entries of pruned backups go)
    entries[backup.name] = {"sha256": digest, "mark": mark}
    marker["backups"] = entries
    _write_marker(db_path, marker)


def backup_check_mark(backup_path) -> dict | None:
    """The mark of the clean check its database had when this backup was made,
    if the backup still has the sha256 recorded then (else None)."""
    backup_path = Path(backup_path)
    try:
        data = json.loads((backup_path.parent / ".health.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    entries = data.get("backups") if isinstance(data, dict) else None
    entry = entries.get(backup_path.name) if isinstance(entries, dict) else None
    if not isinstance(entry, dict) or not isinstance(entry.get("mark"), dict):
        return None
    try:
        same = _file_sha256(backup_path) == entry.get("sha256")
    except OSError:
        return None
    return entry["mark"] if same else None


def quick_check_due(path: Path) -> bool:
    return quick_check_reason(path) is not None


def quick_check_reason(path: Path) -> str | None:
    """Why the file's quick_check is due now, in Chinese (None: it passed
    today and looks as it did): once a day, and again when it looks wrong."""
    path = Path(path)
    marker = _read_marker(path)
    try:
        checked_on, checked_size = marker["quick_check"], int(marker["size"])
    except (KeyError, TypeError, ValueError):
        return "这个文件在本机还没有检查记录"
    if checked_on != dt.date.today().isoformat():
        return f"今天第一次打开（上次检查：{checked_on}）"
    size = path.stat().st_size
    if size < checked_size // 2:
        return "文件比今天检查时小了一半以上"
    if _changed_while_closed(path, marker):
        return "文件在上次正常关闭之后被改动过（大小或修改时间不同）"
    if not has_live_connection(path):  # else SQLite has the file: never read it ourselves
        try:
            with open(path, "rb") as f:
                header = f.read(100)
        except OSError:
            return "读不出文件头"
        if len(header) < 100 or header[:16] != SQLITE_HEADER:
            return "文件头不对"
        page_size = int.from_bytes(header[16:18], "big")
        page_size = 65536 if page_size == 1 else page_size
        if page_size < 512 or page_size & (page_size - 1) or size % page_size:
            return "文件大小与页大小不符（可能被截断）"
    return None


# quick_check reads the whole file: about 90 MB/s here (110 s over the 10.2 GB county).
QUICK_CHECK_BYTES_PER_SECOND = 90 * 1024 * 1024


def quick_check_notice(path: Path, reason: str) -> str:
    """The one line a command prints before the day's quick_check: what, why, how long."""
    size = Path(path).stat().st_size
    seconds = size / QUICK_CHECK_BYTES_PER_SECOND
    took = (f"，约需 {seconds / 60:.0f} 分钟" if seconds >= 90 else f"，约需 {seconds:.0f} 秒" if seconds >= 5 else "")
    return (f"正在做今天的数据库快速检查（quick_check，每天一次）：{reason}；文件 {_megabytes(size)}{took}…")


def record_quick_check(path: Path) -> None:
    """Remember that the file passed quick_check today."""
    path = Path(path)
    marker = _read_marker(path)
    marker.update({"quick_check": dt.date.today().isoformat(), "size": path.stat().st_size,
                   "closed": _file_state(path)})
    _write_marker(path, marker)


def _record_clean_close(path: Path) -> None:
    if not path.exists() or Path(str(path) + "-wal").exists():
        return  # another process still has it open: its close records the state
    marker = _read_marker(path)
    if marker:
        marker["closed"] = _file_state(path)
        _write_marker(path, marker)


def scheduled_quick_check(path: Path, stop=None) -> str:
    """quick_check for the background: records the day when it passes; `stop`
    as for quick_check (a stopped check records nothing: it runs again next open)."""
    result = quick_check(path, stop)
    if result == "ok":
        record_quick_check(path)
    return result


def open_database(path, *, create: bool = True, migrate: bool = True, daily_backup: bool = True,
                  quick_check_max_bytes: int | None = None, readonly: bool = False) -> Database:
    """Open (or create) the database at `path`, checked, configured and migrated.

    Raises DatabaseOpenError (or a subclass) with a Chinese message; in that
    case the file has not been changed. quick_check runs once a day (see
    quick_check_due); with quick_check_max_bytes set, a larger file skips it
    here (the window runs it in the background after start-up, so a county
    database still opens fast); `db.quick_check_deferred` tells whether it was
    skipped.

    readonly=True (a second window that only looks), or a folder that cannot
    be written (a read-only disk), opens the file read-only: no migration, no
    backup; `db.read_only_reason` says why, in Chinese. A daily backup that
    fails (a full disk) does not stop the open: `db.storage_warning` says so.
    """
    path = Path(path)
    existed = path.exists() and path.stat().st_size > 0
    due = existed and quick_check_due(path)
    deferred = bool(due and quick_check_max_bytes is not None and path.stat().st_size > quick_check_max_bytes)
    if existed and check_mark(path) is not None and _changed_while_closed(path, _read_marker(path)):
        forget_check_mark(path)  # what the last check verified may not be what the file holds now
    if path.exists():
        inspect_file(path, run_quick_check=due and not deferred)
        if due and not deferred:
            record_quick_check(path)
    elif not create:
        raise DatabaseOpenError(f"数据库文件“{path}”不存在。")
    # Ran just now, or passed today on a file unchanged since (the once-a-day rule).
    quick_checked = bool(existed and not (due and deferred))
    problem = _folder_problem(path)
    if problem and not existed:
        raise DatabaseOpenError(problem + "请选择可写的位置。")
    read_only_reason = "以只读方式打开（仅供查看）。" if readonly else None
    if problem:
        read_only_reason = problem + "现以只读方式打开，可以查看和导出，不能保存修改。"
    try:
        if read_only_reason and problem and _quiet(path):
            # Nobody else has it open: read it without creating -shm (impossible on a full disk).
            conn = _connect(path, inspect=True)
        else:
            conn = _connect(path, readonly=bool(read_only_reason))
        if read_only_reason:
            conn.execute("PRAGMA busy_timeout=10000")
            conn.execute("PRAGMA foreign_keys=ON")
            conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
        else:
            _configure(conn)
    except sqlite3.DatabaseError as e:
        raise DatabaseOpenError(f"无法打开数据库“{path.name}”：{e}") from e
    if not problem and presence.join(path):
        with _LIVE_LOCK:
            _JOINED.add(file_key(path))
    from models.core.database import Database

    # No plugin scan: the program uses none, and it costs 0.1-0.3 s at start-up.
    db = Database(conn, execute_plugins=False)
    db.path = path  # remembered for backups
    db.quick_check_deferred = deferred
    db.quick_checked = quick_checked
    db.read_only_reason = read_only_reason
    db.storage_warning = None
    from models.core.migrations import MIGRATION_SETS

    if read_only_reason:
        if any(s.pending(db) for s in MIGRATION_SETS):
            conn.close()
            raise DatabaseOpenError(
                f"数据库“{path.name}”需要先升级数据结构，只读方式下无法升级。"
                + ("请把它复制到可写的位置再打开。" if problem else "请以正常方式打开一次。"))
        return db
    if migrate:
        pending = any(s.pending(db) for s in MIGRATION_SETS)
        saved = backup_database(db, reason="before-migration") if pending and existed else None
        failed: tuple[str, Exception] | None = None
        with tables_written(conn) as migrated_tables:
            for s in MIGRATION_SETS:
                try:
                    s.apply(db)
                except Exception as e:  # noqa: BLE001 - any failure becomes a message, not a traceback
                    failed = (s.name, e)
                    break
        if failed:
            # Each migration runs in its own transaction: the failed one left nothing behind.
            from models.core import errorlog

            name, error = failed
            errorlog.log_exception(type(error), error, error.__traceback__, f"数据结构升级 {name}")
            conn.close()
            where = f"升级前的备份：{saved}" if saved else "文件未作改动"
            raise DatabaseOpenError(
                f"数据库“{path.name}”的结构升级失败（{name}：{type(error).__name__}: {error}）。"
                f"已停在失败之前的状态，{where}。请把此信息告知技术人员。"
            ) from error
        if pending and existed:
            # A migration that changes a table changes its rows' seals (issue 20); one that
            # only adds or drops indexes changes none.
            from models.core import audit

            with db.atomic():
                audit.reseal_after_migration(db, "系统", migrated_tables)  # users.SYSTEM_ACTOR's name
    if daily_backup and existed:
        try:
            ensure_daily_backup(db)
        except StorageError as e:
            # Saved data is safe; the day's backup is not. Say so and go on.
            db.storage_warning = e.message
    return db


def close_database(db: sqlite_utils.Database) -> None:
    try:
        db.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    except sqlite3.DatabaseError:
        pass
    db.conn.close()
    path = getattr(db, "path", None)
    if path is not None and not has_live_connection(path) and not getattr(db, "read_only_reason", None):
        _record_clean_close(Path(path))


# ---- backups ---------------------------------------------------------------

# A backup needs the database's size plus this margin free on its disk.
BACKUP_MARGIN_BYTES = 20 * 1024 * 1024
DEFAULT_BACKUP_MAX_TOTAL_MB = 10240
# Databases of at least this size get compressed backups (VACUUM INTO + zstd).
DEFAULT_BACKUP_COMPRESS_FROM_MB = 64


def backup_keep(db: sqlite_utils.Database) -> int:
    from models.core import settings

    return int(settings.get(db, "backup_keep", DEFAULT_BACKUP_KEEP))


def backup_max_total_bytes(db: sqlite_utils.Database) -> int:
    from models.core import settings

    return int(settings.get(db, "backup_max_total_mb", DEFAULT_BACKUP_MAX_TOTAL_MB)) * 1024 * 1024


def compress_backups(db: sqlite_utils.Database) -> bool:
    """Whether this database's backups are compressed (setting
    backup_compress_from_mb: files of at least that many MB; 0 = always)."""
    from models.core import settings

    limit = int(settings.get(db, "backup_compress_from_mb", DEFAULT_BACKUP_COMPRESS_FROM_MB))
    return database_bytes(db) >= limit * 1024 * 1024


def database_bytes(db: sqlite_utils.Database) -> int:
    """Size of the data a backup copies (pages in use, WAL included), asked of SQLite."""
    pages = db.execute("PRAGMA page_count").fetchone()[0]
    free = db.execute("PRAGMA freelist_count").fetchone()[0]
    return (pages - free) * db.execute("PRAGMA page_size").fetchone()[0]


def _megabytes(n: int) -> str:
    return f"{n / 1024 / 1024:,.0f} MB" if n >= 1024 * 1024 else f"{n / 1024:,.0f} KB"


BACKUP_PATTERNS = ("*.db", "*.db" + backup_codec.SUFFIX)
# What a restore keeps of the file it replaced: a backup named …-before-restore.db,
# or, when SQLite could not read that file, its bytes as …-before-restore.kept.
BEFORE_RESTORE = "before-restore"
KEPT_SUFFIX = ".kept"


def damaged_originals(db_path) -> list[Path]:
    """Damaged files a restore replaced, kept byte for byte (newest first):
    not backups (they cannot be restored), never deleted by the program."""
    folder = backup_dir_for(db_path)
    if not folder.exists():
        return []
    return sorted(folder.glob("*" + KEPT_SUFFIX), key=lambda p: p.name, reverse=True)


def list_backups(db_path) -> list[Path]:
    """Backups of the database at db_path, newest first: plain SQLite copies
    (*.db, what every version made before) and compressed ones (*.db.zst)."""
    folder = backup_dir_for(db_path)
    if not folder.exists():
        return []
    found = {p for pattern in BACKUP_PATTERNS for p in folder.glob(pattern)}
    # The name starts with the time it was made: newest first whatever the kind.
    return sorted(found, key=lambda p: p.name.removesuffix(backup_codec.SUFFIX), reverse=True)


def _expected_ratio(folder: Path) -> float:
    """How small the next compressed backup will be, from the newest one (with
    a quarter on top); half when there is none to go by."""
    for b in sorted(folder.glob("*.db" + backup_codec.SUFFIX), key=lambda p: p.name, reverse=True):
        inside = backup_codec.content_size(b)
        if inside:
            return min(1.0, b.stat().st_size / inside * 1.25)
    return 0.5


def backup_bytes_needed(db: sqlite_utils.Database, folder: Path, compress: bool | None = None) -> int:
    """Free space the next backup needs on the disk of `folder`: a compressed
    backup holds the VACUUM INTO copy and the compressed file at once."""
    data = database_bytes(db)
    if compress is None:
        compress = compress_backups(db)
    if compress:
        data += int(data * _expected_ratio(folder))
    return data + BACKUP_MARGIN_BYTES


def backup_space_problem(db: sqlite_utils.Database, folder: Path, compress: bool | None = None) -> str | None:
    """Why the next backup would not fit (None when it fits)."""
    need = backup_bytes_needed(db, folder, compress)
    try:
        free = shutil.disk_usage(folder if folder.exists() else folder.parent).free
    except OSError as e:
        return f"无法查看备份文件夹“{folder}”所在磁盘的空间（{e.strerror or e}）。"
    if free < need:
        return (f"备份所在的磁盘空间不足：备份需要约 {_megabytes(need)}，磁盘只剩 {_megabytes(free)}。"
                "请清理磁盘（或在 设置 → 参数 中减少保留备份份数），再备份。已保存的数据没有受影响。")
    return None


# A .part file untouched for this long belongs to a backup or restore that was killed.
STALE_PART_SECONDS = 3600


def _remove_stale_parts(folder: Path) -> None:
    """Partial files a killed backup left behind would fill the disk over time."""
    import time

    now = time.time()
    for leftover in folder.glob("*.part*"):
        try:
            if now - leftover.stat().st_mtime > STALE_PART_SECONDS:
                leftover.unlink()
        except OSError:
            pass  # gone already, or another process is still writing it


_DISK_ERRORS = ("SQLITE_FULL", "SQLITE_READONLY", "SQLITE_IOERR", "SQLITE_CANTOPEN", "SQLITE_IOERR_WRITE")


def backup_database(db: Database, reason: str = "manual", dest: Path | None = None,
                    progress=None) -> Path:
    """Back the database up; prune old backups. Returns the file.

    A small file is copied with SQLite's backup API (`<name>-<time>-<reason>.db`,
    a SQLite file any tool opens). A large one (compress_backups) is written
    with VACUUM INTO to a temporary file in the backups folder and compressed
    into `….db.zst` (see backup_codec). Free space for both is checked first;
    a backup that fails half-way (a full or read-only disk, a cancelled task)
    leaves no partial file behind and raises StorageError (or the cancel).
    progress(done, total) is called as it goes."""
    src_path = Path(db.path)
    folder = backup_dir_for(src_path) if dest is None else Path(dest).parent
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as e:
        raise StorageError(_disk_message(e, folder)) from e
    _remove_stale_parts(folder)
    compress = compress_backups(db) if dest is None else Path(dest).name.endswith(backup_codec.SUFFIX)
    problem = backup_space_problem(db, folder, compress)
    if problem:
        raise StorageError(problem)
    if dest is None:
        stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S-%f")
        dest = folder / f"{src_path.stem}-{stamp}-{reason}.db{backup_codec.SUFFIX if compress else ''}"
    tmp = Path(str(dest) + ".part")
    vacuumed = Path(str(dest) + ".vacuum.part")
    # Read before the copy starts: a check finishing meanwhile may mark rows the copy lacks.
    mark = check_mark(src_path) if dest.parent == backup_dir_for(src_path) else None
    try:
        if compress:
            total = database_bytes(db) * 2  # VACUUM INTO, then compressing what it wrote
            _vacuum_into(db.conn, vacuumed, lambda done: progress and progress(done, total))
            half = vacuumed.stat().st_size
            total = half * 2
            backup_codec.compress_file(vacuumed, tmp, lambda done, _t: progress and progress(half + done, total))
            vacuumed.unlink()
        else:
            target = sqlite3.connect(str(tmp))
            try:
                def _progress(status, remaining, pages):
                    if progress:
                        progress(pages - remaining, pages)

                db.conn.backup(target, pages=256, progress=_progress)
            finally:
                target.close()
        os.replace(tmp, dest)
    except BaseException as e:
        for leftover in (tmp, Path(str(tmp) + "-journal"), vacuumed, Path(str(vacuumed) + "-journal")):
            try:
                leftover.unlink(missing_ok=True)
            except OSError:
                pass
        if isinstance(e, OSError) or (isinstance(e, sqlite3.DatabaseError)
                                      and getattr(e, "sqlite_errorname", "") in _DISK_ERRORS):
            raise StorageError(_disk_message(e, folder)) from e
        raise
    if mark is not None:
        _remember_backup_mark(src_path, dest, mark)
    if dest.parent == backup_dir_for(src_path):
        prune_backups(src_path, backup_keep(db), backup_max_total_bytes(db))
    ahead = backup_space_problem(db, folder, compress)
    from models.core.database import Database

    if ahead and isinstance(db, Database):
        # This one fitted, the next will not: say so now, not on the day it fails.
        db.storage_warning = "下一次备份将放不下：" + ahead
    return dest


def _vacuum_into(conn: sqlite3.Connection, target: Path, progress) -> None:
    """VACUUM INTO target: a compact copy, read in one transaction (others go
    on writing). progress(bytes written so far) about twice a second; an
    exception raised by progress (a cancelled task) stops it and is re-raised."""
    import time

    if conn.in_transaction:
        raise RuntimeError("VACUUM INTO cannot run inside a transaction")
    target.unlink(missing_ok=True)  # VACUUM INTO refuses an existing file
    stopped: list[BaseException] = []
    last = [time.monotonic()]

    def tick() -> int:
        now = time.monotonic()
        if now - last[0] < 0.5:
            return 0
        last[0] = now
        try:
            progress(target.stat().st_size if target.exists() else 0)
        except BaseException as e:  # noqa: BLE001 - kept and re-raised after SQLite has stopped
            stopped.append(e)
            return 1
        return 0

    conn.set_progress_handler(tick, 100_000)
    try:
        conn.execute("VACUUM INTO ?", [str(target)])
    except sqlite3.DatabaseError:
        if stopped:
            raise stopped[0] from None
        raise
    finally:
        conn.set_progress_handler(None, 0)


def _disk_message(e: Exception, folder: Path, action: str = "备份") -> str:
    text = str(getattr(e, "strerror", None) or e)
    if "full" in text.lower() or getattr(e, "errno", None) == 28 or getattr(e, "sqlite_errorname", "") == "SQLITE_FULL":
        why = "磁盘已满"
    elif getattr(e, "errno", None) == 27:  # EFBIG: a size limit on files (ulimit, FAT32's 4 GB)
        why = "文件超过了此磁盘或系统允许的大小"
    elif "read-only" in text.lower() or "readonly" in text.lower() or getattr(e, "errno", None) in (13, 30):
        why = "磁盘或文件夹是只读的"
    else:
        why = f"无法写入（{text}）"
    left = "备份文件" if action == "备份" else "文件"
    return (f"{action}失败：{why}（{folder}）。未留下不完整的{left}，已保存的数据没有受影响。"
            f"请清理磁盘或换一个可写的位置后再{action}。")


def prune_backups(db_path, keep: int, max_total_bytes: int | None = None) -> None:
    """Keep the newest `keep` backups and, of those, only as many as fit in
    max_total_bytes (the newest one is always kept). Sizes are the files'
    sizes on the disk: a compressed backup counts what it takes there."""
    backups = list_backups(db_path)
    total, kept = 0, 0
    for i, b in enumerate(backups):
        try:
            size = b.stat().st_size
        except OSError:
            continue
        if i == 0 or (kept < max(keep, 1) and (max_total_bytes is None or total + size <= max_total_bytes)):
            total += size
            kept += 1
            continue
        try:
            b.unlink()
        except OSError:
            pass


def ensure_daily_backup(db: Database) -> Path | None:
    today = dt.date.today().strftime("%Y%m%d")
    for b in list_backups(db.path):
        if f"-{today}-" in b.name:
            return None
    return backup_database(db, reason="daily")


def unpack_backup(backup_path, dest: Path, progress=None) -> None:
    """Write the SQLite file a backup holds to `dest`: a plain backup is
    copied, a compressed one unpacked and its checksum verified. Refuses a
    damaged or truncated backup with a Chinese DatabaseOpenError (and a full
    disk with StorageError); dest is removed on any failure."""
    backup_path, dest = Path(backup_path), Path(dest)
    compressed = backup_codec.is_compressed(backup_path)
    need = (backup_codec.content_size(backup_path) or 0) if compressed else backup_path.stat().st_size
    try:
        free = shutil.disk_usage(dest.parent).free
    except OSError as e:
        raise StorageError(_disk_message(e, dest.parent, "解压备份")) from e
    if free < need + BACKUP_MARGIN_BYTES:
        raise StorageError(f"磁盘空间不足，不能解压备份“{backup_path.name}”：需要约 {_megabytes(need + BACKUP_MARGIN_BYTES)}，"
                           f"只剩 {_megabytes(free)}。请清理磁盘后再试。数据库未作改动。")
    try:
        if compressed:
            backup_codec.decompress_file(backup_path, dest, progress)
        else:
            shutil.copyfile(backup_path, dest)
    except backup_codec.DamagedBackup as e:
        dest.unlink(missing_ok=True)
        raise DatabaseOpenError(f"备份“{backup_path.name}”本身已损坏（{e}），不能用于恢复。数据库未作改动。") from None
    except BaseException as e:
        dest.unlink(missing_ok=True)
        if isinstance(e, OSError):
            raise StorageError(_disk_message(e, dest.parent, "解压备份")) from e
        raise


def verify_backup(backup_path) -> str:
    """'ok' when the backup can be restored (unpacked whole, checksum and
    quick_check passed), else why not, in Chinese. Reads only; a compressed
    backup is unpacked to a scratch file beside it, removed afterwards."""
    backup_path = Path(backup_path)
    if not backup_path.is_file():
        return "文件不存在"
    if not backup_codec.is_compressed(backup_path):
        if not is_sqlite_file(backup_path):
            return "不是数据库备份文件"
        result = quick_check(backup_path)
        return "ok" if result == "ok" else f"已损坏（{result}）"
    scratch = backup_path.with_name(backup_path.name + ".verify.part")
    try:
        unpack_backup(backup_path, scratch)
        result = quick_check(scratch)
        return "ok" if result == "ok" else f"解压后的数据库已损坏（{result}）"
    except AppError as e:
        return e.message
    finally:
        scratch.unlink(missing_ok=True)


def restore_backup(backup_path, db_path) -> Path | None:
    """Replace the database at db_path with a backup (plain or compressed).
    The current file is kept aside first, as a backup named '…-before-restore.db'
    (restoring it undoes the restore; it is rotated with the other backups by
    count and total size, and the newest backup is never pruned), or, when SQLite
    cannot read it, byte for byte as '…-before-restore.kept' (damaged_originals),
    which the program never deletes. Returns the path of the kept-aside copy (or
    None if there was no database).

    A compressed backup is unpacked (checksum verified) beside the backups
    first: a damaged one is refused before the live file is touched. A
    readable current file is copied aside and overwritten through SQLite's
    backup API (never with Python file calls: see TrackedConnection); only a
    file SQLite cannot read, with no connection on it in this process, is
    copied and replaced byte for byte."""
    backup_path, db_path = Path(backup_path), Path(db_path)
    if not backup_path.is_file():
        raise DatabaseOpenError(f"“{backup_path.name}”不是数据库备份文件。")
    # Refused for room before anything is unpacked, staged, kept or forgotten.
    _refuse_restore_without_room(backup_path, db_path)
    carried = backup_check_mark(backup_path)  # the file as picked, before anything reads it further
    if not backup_codec.is_compressed(backup_path):
        return _restore_plain(backup_path, db_path, backup_path.name, consumable=False, carried=carried)
    folder = backup_dir_for(db_path)
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as e:
        raise StorageError(_disk_message(e, folder, "恢复")) from e
    stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S-%f")
    unpacked = folder / f"{db_path.stem}-{stamp}-unpacked.part"
    try:
        unpack_backup(backup_path, unpacked)
        return _restore_plain(unpacked, db_path, backup_path.name, consumable=True, carried=carried)
    finally:
        unpacked.unlink(missing_ok=True)


def restore_bytes_needed(backup_path, db_path) -> int:
    """Free space restoring `backup_path` over `db_path` needs at its peak.
    Measured on a tmpfs (tests/test_storage_restore_space.py): the backup's
    database staged beside the backups (for a compressed one, the unpacked
    copy, which is then moved into place), the replaced file kept aside, the
    -wal the backup API writes the whole backup into (the live file is in WAL
    mode: 7.8 GB seen at 1M), and, when the backup is the larger, the live
    file's growth to its size during the checkpoint, while that -wal still
    exists; plus the margin. About 3x the file's size when the two are alike."""
    backup_path, db_path = Path(backup_path), Path(db_path)
    if backup_codec.is_compressed(backup_path):
        size = backup_codec.content_size(backup_path) or 0
    else:
        size = backup_path.stat().st_size
    live_size = db_path.stat().st_size if db_path.exists() else 0
    if not live_size:
        return size + BACKUP_MARGIN_BYTES  # copied in: only the staged copy
    return _restore_over_needed(size, live_size, staged_exists=False)


def _restore_over_needed(size: int, live_size: int, staged_exists: bool) -> int:
    staged = 0 if staged_exists else size
    return live_size + staged + size + max(0, size - live_size) + BACKUP_MARGIN_BYTES


def _refuse_restore_without_room(backup_path: Path, db_path: Path, staged_exists: bool = False) -> None:
    folder = backup_dir_for(db_path)
    if staged_exists:
        need = _restore_over_needed(backup_path.stat().st_size, db_path.stat().st_size, staged_exists=True)
    else:
        need = restore_bytes_needed(backup_path, db_path)
    try:
        free = shutil.disk_usage(folder if folder.exists() else folder.parent).free
    except OSError as e:
        raise StorageError(_disk_message(e, folder, "恢复")) from e
    if free < need:
        raise StorageError(f"磁盘空间不足，不能恢复：需要约 {_megabytes(need)}，只剩 {_megabytes(free)}。"
                           "请清理磁盘后再恢复。数据库未作改动。")


def _restore_plain(backup_path: Path, db_path: Path, name: str, consumable: bool,
                   carried: dict | None = None) -> Path | None:
    """restore_backup from a plain SQLite file; `consumable`: it is our own
    unpacked scratch copy and may be moved instead of copied; `carried`: the
    backup's own mark (backup_check_mark), kept for the restored file."""
    if not is_sqlite_file(backup_path):
        raise DatabaseOpenError(f"“{name}”不是数据库备份文件。")
    result = quick_check(backup_path)
    if result != "ok":
        raise DatabaseOpenError(f"备份“{name}”本身已损坏（{result}），不能用于恢复。")
    if not db_path.exists():
        forget_check_mark(db_path)
        _copy_file_in(backup_path, db_path)
        _carry_mark(db_path, carried)
        return None
    try:
        with presence.exclusive(db_path):
            # The last check's mark is of the file being replaced: forgotten first (a restore
            # that stops half-way leaves none), the backup's own put in its place at the end.
            before = check_mark(db_path)
            forget_check_mark(db_path)
            kept = _restore_over(backup_path, db_path, name, consumable)
            if before is not None and kept.name.endswith(".db"):
                _remember_backup_mark(db_path, kept, before)  # restoring it undoes the restore, mark and all
            _carry_mark(db_path, carried)
            return kept
    except presence.BusyError as e:
        raise DatabaseOpenError(
            f"数据库“{db_path.name}”正被{e}打开，现在不能恢复：恢复会让那边之后保存的内容丢失。"
            "请先关闭那边的程序（或退出其登录），再恢复。数据库未作改动。") from None


def _carry_mark(db_path: Path, mark: dict | None) -> None:
    """After a restore: keep the backup's mark, and record the restored file as
    closed cleanly by us (else the next open would take the restore for a change
    made behind our back and forget the mark again)."""
    if mark is None:
        return
    remember_check_mark(db_path, mark)
    _record_clean_close(db_path)


def _restore_over(backup_path: Path, db_path: Path, name: str, consumable: bool) -> Path:
    folder = backup_dir_for(db_path)
    folder.mkdir(parents=True, exist_ok=True)
    # Checked again now that an unpacked copy (consumable) is on the disk: what
    # else the restore writes (restore_bytes_needed) must still fit.
    _refuse_restore_without_room(backup_path, db_path, staged_exists=consumable)
    stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S-%f")
    readable = quick_check(db_path) == "ok"
    # A readable file is kept as a backup like the others (listed, restorable to undo
    # the restore, counted and rotated by the count and size limits, never the only
    # one: the newest backup is never pruned). Only a damaged file's exact bytes are
    # kept apart (KEPT_SUFFIX) for a technician, outside the rotation.
    kept = folder / f"{db_path.stem}-{stamp}-{BEFORE_RESTORE}{'.db' if readable else KEPT_SUFFIX}"
    staged = folder / f"{db_path.stem}-{stamp}-restoring.part"
    try:
        if readable:
            live = _connect(db_path)
            try:
                live.execute("PRAGMA busy_timeout=10000")
                _sqlite_copy(live, kept)
                _stage(backup_path, staged, kept, name, consumable)
                source = sqlite3.connect(str(staged))
                try:
                    source.backup(live)  # one write transaction: other readers see old or new, never half
                finally:
                    source.close()
                live.execute("PRAGMA journal_mode=WAL")
            except sqlite3.DatabaseError as e:
                raise DatabaseOpenError(f"恢复失败（{e}），当前数据库未被替换。") from e
            finally:
                live.close()
            return kept
        if has_live_connection(db_path):
            raise DatabaseOpenError("数据库已损坏且仍在使用中，无法恢复。请关闭程序后重新打开，按提示恢复。")
        # Damaged beyond SQLite: keep the exact bytes (with -wal/-shm) aside for the technician.
        shutil.copy2(db_path, kept)
        for suffix in ("-wal", "-shm"):
            side = Path(str(db_path) + suffix)
            if side.exists():
                shutil.copy2(side, Path(str(kept) + suffix))
        _stage(backup_path, staged, None, name, consumable)
        for suffix in ("-wal", "-shm"):
            Path(str(db_path) + suffix).unlink(missing_ok=True)
        os.replace(staged, db_path)
        return kept
    finally:
        staged.unlink(missing_ok=True)


def _stage(backup_path: Path, staged: Path, previous: Path | None, name: str, consumable: bool) -> None:
    """Copy the backup to `staged` and start a new generation in it (see
    models/core/generation.py), before anything touches the live file."""
    from models.core import generation

    staged.unlink(missing_ok=True)
    if consumable:
        os.replace(backup_path, staged)
    else:
        source = _connect(backup_path, readonly=True)
        target = sqlite3.connect(str(staged), isolation_level=None)
        try:
            source.backup(target)
        finally:
            source.close()
            target.close()
    target = sqlite3.connect(str(staged), isolation_level=None)
    from models.core.database import Database

    db = Database(target, execute_plugins=False)
    db.path = staged
    try:
        generation.start_new_generation(db, previous, name)
    finally:
        target.close()


def _sqlite_copy(conn: sqlite3.Connection, dest: Path) -> None:
    tmp = Path(str(dest) + ".part")
    tmp.unlink(missing_ok=True)
    target = sqlite3.connect(str(tmp))
    try:
        conn.backup(target)
    finally:
        target.close()
    os.replace(tmp, dest)


def _copy_file_in(backup_path: Path, db_path: Path) -> None:
    tmp = Path(str(db_path) + ".restoring")
    shutil.copy2(backup_path, tmp)
    os.replace(tmp, db_path)


# ---- health ----------------------------------------------------------------

def health_report(db: sqlite_utils.Database, full: bool = False, progress=None) -> dict:
    """What `check` prints: integrity, schema version, row counts.

    The default is fast (PRAGMA quick_check: page structure, no index
    cross-check; reused when open_database ran it a moment ago); full=True
    runs PRAGMA integrity_check, which also checks every index against its
    table and takes minutes on a county file. `progress(seconds)` is called
    every second or so while it runs."""
    return {
        "integrity": integrity_of(db, full, progress),
        "mode": "integrity_check" if full else "quick_check",
        "schema_version": schema_version(db.conn),
        "schema_latest": len(known_migrations()),
        "counts": row_counts(db),
    }


def integrity_of(db: sqlite_utils.Database, full: bool = False, progress=None) -> str:
    """'ok' or what SQLite found (see health_report)."""
    if full:
        return _integrity_check_with_progress(db.conn, progress)
    if getattr(db, "quick_checked", False):
        return "ok"
    return db.execute("PRAGMA quick_check").fetchone()[0]


def row_counts(db: sqlite_utils.Database, counted: dict[str, int] | None = None) -> dict[str, int]:
    """Rows per table. `counted`: counts the caller already has (check has the
    audit log's from its chain check: counting 7M rows at county scale costs seconds)."""
    counts = {}
    for name in db.table_names():
        if name.startswith(("_", "sqlite_")) or "_fts" in name:
            continue
        known = (counted or {}).get(name)
        counts[name] = known if known is not None else db.execute(f"SELECT count(*) FROM [{name}]").fetchone()[0]
    return counts


def _integrity_check_with_progress(conn: sqlite3.Connection, progress) -> str:
    import time

    with sqlite_progress(conn, progress, time.monotonic()):
        rows = conn.execute("PRAGMA integrity_check(20)").fetchall()
    return "ok" if rows == [("ok",)] else "；".join(r[0] for r in rows)
