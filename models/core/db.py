"""Opening the one database file: checks, pragmas, migrations, backups.

The file is inspected read-only first, so that a file that is not ours, is
corrupt or comes from a newer program is left exactly as it was.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import shutil
import sqlite3
import threading
import weakref
from pathlib import Path

import sqlite_utils

from models.core.errors import CorruptDatabaseError, DatabaseOpenError, NewerSchemaError
from models.core.paths import backup_dir_for

SQLITE_HEADER = b"SQLite format 3\x00"
MIGRATIONS_TABLE = "_sqlite_migrations"
DEFAULT_BACKUP_KEEP = 10


class Database(sqlite_utils.Database):
    """sqlite-utils' Database whose outermost transaction starts with
    BEGIN IMMEDIATE: the write lock is taken before the action reads, so a
    write from another connection (a second window, a command, a worker)
    between our read and our write makes us wait instead of failing with
    "database is locked"."""

    path: Path  # the file, remembered for backups
    quick_check_deferred: bool = False  # the window runs PRAGMA quick_check in the background

    @contextlib.contextmanager
    def atomic(self):
        if self.conn.in_transaction:
            with super().atomic():
                yield self
            return
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


class TrackedConnection(sqlite3.Connection):
    """A connection this process has open on a database file.

    On POSIX, closing *any* descriptor of a file drops every lock the process
    holds on it (sqlite.org, "How To Corrupt An SQLite Database File", §2.2):
    one Python open()/close() of the live file lets another process believe it
    is the last user, delete the -wal and lose our later commits. So the
    program remembers which files have a live connection and never touches
    them (or their -wal/-shm) with anything but SQLite while one exists."""

    tracked_key: str | None = None

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
    with _LIVE_LOCK:
        live = _LIVE.get(key)
        if live is not None:
            live.discard(conn)
            if not live:
                del _LIVE[key]


def has_live_connection(path) -> bool:
    """Whether this process has a connection open on the database at path."""
    with _LIVE_LOCK:
        return bool(_LIVE.get(file_key(path)))


def _connect(path: Path, readonly: bool = False) -> sqlite3.Connection:
    if readonly:
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


def known_migrations() -> list[tuple[str, str]]:
    """(set, name) of every migration this program knows, in apply order."""
    from models.core.migrations import MIGRATION_SETS

    return [(s.name, m.name) for s in MIGRATION_SETS for m in s._migrations]


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


def quick_check(path: Path) -> str:
    """'ok' or the first problem quick_check reports (or why it could not run)."""
    try:
        conn = _connect(path, readonly=True)
        try:
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
    conn = _connect(path, readonly=True)
    try:
        unknown = [m for m in applied_migrations(conn) if m not in set(known_migrations())]
    finally:
        conn.close()
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


def _check_writable(path: Path) -> None:
    folder = path.parent
    if not folder.exists():
        try:
            folder.mkdir(parents=True, exist_ok=True)
        except OSError as e:
            raise DatabaseOpenError(f"无法创建文件夹“{folder}”：{e.strerror or e}") from e
    if not os.access(folder, os.W_OK) or (path.exists() and not os.access(path, os.W_OK)):
        raise DatabaseOpenError(
            f"文件夹“{folder}”是只读的，无法在此保存数据库（数据库还需要在同一文件夹写日志文件）。"
            "请选择可写的位置。"
        )


def open_database(path, *, create: bool = True, migrate: bool = True, daily_backup: bool = True,
                  quick_check_max_bytes: int | None = None) -> sqlite_utils.Database:
    """Open (or create) the database at `path`, checked, configured and migrated.

    Raises DatabaseOpenError (or a subclass) with a Chinese message; in that
    case the file has not been changed. With quick_check_max_bytes set, a file
    larger than that skips quick_check here (the window runs it in the
    background after start-up, so a county database still opens fast);
    `db.quick_check_deferred` tells whether it was skipped.
    """
    path = Path(path)
    existed = path.exists() and path.stat().st_size > 0
    deferred = bool(quick_check_max_bytes is not None and existed and path.stat().st_size > quick_check_max_bytes)
    if path.exists():
        inspect_file(path, run_quick_check=not deferred)
    elif not create:
        raise DatabaseOpenError(f"数据库文件“{path}”不存在。")
    _check_writable(path)
    try:
        conn = _connect(path)
        _configure(conn)
    except sqlite3.DatabaseError as e:
        raise DatabaseOpenError(f"无法打开数据库“{path.name}”：{e}") from e
    # No plugin scan: the program uses none, and it costs 0.1-0.3 s at start-up.
    db = Database(conn, execute_plugins=False)
    db.path = path  # remembered for backups
    db.quick_check_deferred = deferred
    if migrate:
        from models.core.migrations import MIGRATION_SETS

        pending = any(s.pending(db) for s in MIGRATION_SETS)
        saved = backup_database(db, reason="before-migration") if pending and existed else None
        for s in MIGRATION_SETS:
            try:
                s.apply(db)
            except Exception as e:  # noqa: BLE001 - any failure becomes a message, not a traceback
                # Each migration runs in its own transaction: the failed one left nothing behind.
                conn.close()
                where = f"升级前的备份：{saved}" if saved else "文件未作改动"
                raise DatabaseOpenError(
                    f"数据库“{path.name}”的结构升级失败（{s.name}：{type(e).__name__}: {e}）。"
                    f"已停在失败之前的状态，{where}。请把此信息告知技术人员。"
                ) from e
    if daily_backup and existed:
        ensure_daily_backup(db)
    return db


def close_database(db: sqlite_utils.Database) -> None:
    try:
        db.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    except sqlite3.DatabaseError:
        pass
    db.conn.close()


# ---- backups ---------------------------------------------------------------

def backup_keep(db: sqlite_utils.Database) -> int:
    from models.core import settings

    return int(settings.get(db, "backup_keep", DEFAULT_BACKUP_KEEP))


def list_backups(db_path) -> list[Path]:
    """Backups of the database at db_path, newest first."""
    folder = backup_dir_for(db_path)
    if not folder.exists():
        return []
    return sorted(folder.glob("*.db"), key=lambda p: p.name, reverse=True)


def backup_database(db: Database, reason: str = "manual", dest: Path | None = None,
                    progress=None) -> Path:
    """Copy the database with SQLite's backup API; prune old ones. Returns the file."""
    src_path = Path(db.path)
    if dest is None:
        folder = backup_dir_for(src_path)
        folder.mkdir(parents=True, exist_ok=True)
        stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S-%f")
        dest = folder / f"{src_path.stem}-{stamp}-{reason}.db"
    tmp = Path(str(dest) + ".part")
    target = sqlite3.connect(str(tmp))
    try:
        def _progress(status, remaining, total):
            if progress:
                progress(total - remaining, total)

        db.conn.backup(target, pages=256, progress=_progress)
    finally:
        target.close()
    os.replace(tmp, dest)
    if dest.parent == backup_dir_for(src_path):
        prune_backups(src_path, backup_keep(db))
    return dest


def prune_backups(db_path, keep: int) -> None:
    for old in list_backups(db_path)[max(keep, 1):]:
        try:
            old.unlink()
        except OSError:
            pass


def ensure_daily_backup(db: Database) -> Path | None:
    today = dt.date.today().strftime("%Y%m%d")
    for b in list_backups(db.path):
        if f"-{today}-" in b.name:
            return None
    return backup_database(db, reason="daily")


def restore_backup(backup_path, db_path) -> Path | None:
    """Replace the database at db_path with a backup. The current file is kept
    aside first (as a backup named 'before-restore'), so a restore loses nothing.
    Returns the path of the kept-aside copy (or None if there was no database).

    A readable current file is copied aside and overwritten through SQLite's
    backup API (never with Python file calls: see TrackedConnection); only a
    file SQLite cannot read, with no connection on it in this process, is
    copied and replaced byte for byte."""
    backup_path, db_path = Path(backup_path), Path(db_path)
    if not backup_path.is_file() or not is_sqlite_file(backup_path):
        raise DatabaseOpenError(f"“{backup_path.name}”不是数据库备份文件。")
    result = quick_check(backup_path)
    if result != "ok":
        raise DatabaseOpenError(f"备份“{backup_path.name}”本身已损坏（{result}），不能用于恢复。")
    if not db_path.exists():
        _copy_file_in(backup_path, db_path)
        return None
    folder = backup_dir_for(db_path)
    folder.mkdir(parents=True, exist_ok=True)
    stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S-%f")
    kept = folder / f"{db_path.stem}-{stamp}-before-restore.kept"
    readable = quick_check(db_path) == "ok"
    if readable:
        live = _connect(db_path)
        try:
            live.execute("PRAGMA busy_timeout=10000")
            _sqlite_copy(live, kept)
            source = _connect(backup_path, readonly=True)
            try:
                source.backup(live)
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
            side.unlink()
    _copy_file_in(backup_path, db_path)
    return kept


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

def health_report(db: sqlite_utils.Database) -> dict:
    """What `check` prints: integrity, schema version, row counts."""
    integrity = db.execute("PRAGMA integrity_check").fetchone()[0]
    counts = {}
    for name in db.table_names():
        if name.startswith(("_", "sqlite_")) or "_fts" in name:
            continue
        counts[name] = db.execute(f"SELECT count(*) FROM [{name}]").fetchone()[0]
    return {
        "integrity": integrity,
        "schema_version": schema_version(db.conn),
        "schema_latest": len(known_migrations()),
        "counts": counts,
    }
