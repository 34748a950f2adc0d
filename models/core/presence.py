"""Who else has the database open: a lock file beside it.

Every process that opens the database (a window, a command) holds a *shared*
lock on `<name>.db.lock` for as long as it has a connection, and writes one
line about itself (program, user, process id, computer, since when) into
`<name>.db.lock.json`. So
  - a second window on the same file can be told that the file is open
    elsewhere, and by whom;
  - a restore can refuse while any other process still has the file open
    (it tries the lock exclusively: the operating system answers, so a process
    killed with kill -9 never blocks a restore; its stale line is ignored).

The lock is on its own file, never on the database (see db.TrackedConnection
for why the database file itself must never be opened with Python). One lock
per file per process: POSIX record locks belong to the process, so a second
lock object on the same file in the same process would drop the first.
No Qt here: the dialogs are in ui/app.py.
"""

from __future__ import annotations

import datetime as dt
import getpass
import json
import os
import socket
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path

PROGRAM_WINDOW, PROGRAM_COMMAND = "window", "command"
PROGRAM_LABELS = {PROGRAM_WINDOW: "窗口", PROGRAM_COMMAND: "命令行"}


def lock_path_for(db_path) -> Path:
    return Path(str(db_path) + ".lock")


def info_path_for(db_path) -> Path:
    return Path(str(db_path) + ".lock.json")


@dataclass(frozen=True)
class Session:
    """One process that has (or had) the database open."""

    pid: int
    host: str
    user: str
    program: str
    since: str

    def describe(self) -> str:
        place = "本机" if self.host == socket.gethostname() else f"电脑“{self.host}”"
        return (f"{place}的{PROGRAM_LABELS.get(self.program, self.program)}"
                f"（系统用户 {self.user}，进程 {self.pid}，{self.since[11:16]} 起）")


class _LockFile:
    """One open descriptor of the lock file with a shared or exclusive lock on
    its first byte (fcntl.lockf on POSIX, LockFileEx on Windows). The
    descriptor stays open while the object lives: on POSIX closing it would
    drop the process's lock."""

    def __init__(self, path: Path):
        self.fd = os.open(str(path), os.O_RDWR | os.O_CREAT, 0o644)

    def try_lock(self, exclusive: bool) -> bool:
        if sys.platform == "win32":
            return _win_lock(self.fd, exclusive)
        import fcntl

        try:
            fcntl.lockf(self.fd, (fcntl.LOCK_EX if exclusive else fcntl.LOCK_SH) | fcntl.LOCK_NB, 1, 0)
        except (BlockingIOError, PermissionError):
            return False
        return True

    def unlock(self) -> None:
        if sys.platform == "win32":
            _win_unlock(self.fd)
        else:
            import fcntl

            fcntl.lockf(self.fd, fcntl.LOCK_UN, 1, 0)

    def close(self) -> None:
        os.close(self.fd)


if sys.platform == "win32":
    # LockFileEx, not msvcrt.locking: msvcrt.locking has no shared mode (its
    # LK_RLCK/LK_NBRLCK are the same exclusive lock as LK_LOCK/LK_NBLCK, per
    # Microsoft's _locking documentation). LockFileEx (fileapi.h) takes a
    # shared lock unless LOCKFILE_EXCLUSIVE_LOCK is given; with
    # LOCKFILE_FAIL_IMMEDIATELY a lock held elsewhere fails at once with
    # ERROR_LOCK_VIOLATION. Locks belong to the handle (a second handle of the
    # same process conflicts like another process: we keep one per file), a
    # range beyond the end of the file may be locked (our lock file is empty),
    # and the system drops the locks of a process that ends — "the time it
    # takes ... depends upon available system resources", so a restore just
    # after a kill may be refused once. The handle from os.open is not
    # inherited by child processes (Python's default).
    import ctypes
    import msvcrt
    from ctypes import wintypes

    _kernel32 = ctypes.WinDLL("kernel32", use_last_error=True)

    class _OVERLAPPED(ctypes.Structure):
        # Offset/OffsetHigh share a union with a PVOID: same size and place on 32 and 64 bits.
        _fields_ = [("Internal", ctypes.c_void_p), ("InternalHigh", ctypes.c_void_p),
                    ("Offset", ctypes.c_uint32), ("OffsetHigh", ctypes.c_uint32), ("hEvent", wintypes.HANDLE)]

    _kernel32.LockFileEx.argtypes = [wintypes.HANDLE, wintypes.DWORD, wintypes.DWORD, wintypes.DWORD,
                                     wintypes.DWORD, ctypes.POINTER(_OVERLAPPED)]
    _kernel32.LockFileEx.restype = wintypes.BOOL
    _kernel32.UnlockFileEx.argtypes = [wintypes.HANDLE, wintypes.DWORD, wintypes.DWORD, wintypes.DWORD,
                                       ctypes.POINTER(_OVERLAPPED)]
    _kernel32.UnlockFileEx.restype = wintypes.BOOL
    _kernel32.OpenProcess.argtypes = [wintypes.DWORD, wintypes.BOOL, wintypes.DWORD]
    _kernel32.OpenProcess.restype = wintypes.HANDLE
    _kernel32.CloseHandle.argtypes = [wintypes.HANDLE]
    _kernel32.CloseHandle.restype = wintypes.BOOL
    _LOCKFILE_FAIL_IMMEDIATELY, _LOCKFILE_EXCLUSIVE_LOCK = 0x1, 0x2
    _ERROR_ACCESS_DENIED, _ERROR_NOT_LOCKED, _ERROR_LOCK_VIOLATION = 5, 158, 33
    _PROCESS_QUERY_LIMITED_INFORMATION = 0x1000

    def _win_lock(fd: int, exclusive: bool) -> bool:
        """Lock byte 0 (offset from the OVERLAPPED, zeroed), length 1. False
        when another handle holds a conflicting lock; any other failure is a
        bug or a broken handle and is raised."""
        flags = _LOCKFILE_FAIL_IMMEDIATELY | (_LOCKFILE_EXCLUSIVE_LOCK if exclusive else 0)
        overlapped = _OVERLAPPED()
        if _kernel32.LockFileEx(msvcrt.get_osfhandle(fd), flags, 0, 1, 0, ctypes.byref(overlapped)):
            return True
        error = ctypes.get_last_error()
        if error == _ERROR_LOCK_VIOLATION:
            return False
        raise ctypes.WinError(error)

    def _win_unlock(fd: int) -> None:
        overlapped = _OVERLAPPED()
        if not _kernel32.UnlockFileEx(msvcrt.get_osfhandle(fd), 0, 1, 0, ctypes.byref(overlapped)):
            error = ctypes.get_last_error()
            if error != _ERROR_NOT_LOCKED:  # unlocking what is not locked is harmless here
                raise ctypes.WinError(error)

    def _win_alive(pid: int) -> bool:
        handle = _kernel32.OpenProcess(_PROCESS_QUERY_LIMITED_INFORMATION, False, pid)
        if not handle:
            # Another user's process may refuse to be opened: it is there.
            return ctypes.get_last_error() == _ERROR_ACCESS_DENIED
        _kernel32.CloseHandle(handle)
        return True
else:
    def _win_lock(fd: int, exclusive: bool) -> bool:
        raise OSError("LockFileEx is Windows only")

    def _win_unlock(fd: int) -> None:
        raise OSError("UnlockFileEx is Windows only")

    def _win_alive(pid: int) -> bool:
        raise OSError("OpenProcess is Windows only")


def _lock_with_retry(lock: _LockFile, exclusive: bool, seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while True:
        if lock.try_lock(exclusive):
            return True
        if time.monotonic() >= deadline:
            return False
        time.sleep(0.05)


_HELD: dict[str, _LockFile] = {}
_PROGRAM = {"name": PROGRAM_COMMAND}
_GUARD = threading.Lock()


def set_program(name: str) -> None:
    """The window calls this at start: sessions it opens say 'window'."""
    _PROGRAM["name"] = name


def _key(db_path) -> str:
    return os.path.normcase(os.path.realpath(os.fspath(db_path)))


def _me() -> Session:
    try:
        user = getpass.getuser()
    except (OSError, KeyError):  # no login name (a service account)
        user = "?"
    return Session(os.getpid(), socket.gethostname(), user, _PROGRAM["name"],
                   dt.datetime.now().isoformat(timespec="seconds"))


def join(db_path) -> bool:
    """Hold the shared lock for this process and note who we are. False when
    the folder cannot take the lock file (read-only media) or a restore holds
    it for longer than 10 s: the database then opens without it."""
    key = _key(db_path)
    with _GUARD:
        if key in _HELD:
            return True
        try:
            lock = _LockFile(lock_path_for(db_path))
        except OSError:
            return False
        if not _lock_with_retry(lock, exclusive=False, seconds=10):
            lock.close()
            return False
        _HELD[key] = lock
    _write_info(db_path, add=_me())
    return True


def holds(db_path) -> bool:
    with _GUARD:
        return _key(db_path) in _HELD


def leave(db_path) -> None:
    key = _key(db_path)
    with _GUARD:
        lock = _HELD.pop(key, None)
        if lock is None:
            return
        _write_info(db_path, remove_pid=os.getpid())
        lock.unlock()
        lock.close()


def others(db_path) -> list[Session] | None:
    """Other processes that have the database open right now: [] when none,
    a list (possibly of one unnamed session) when some. The lock decides; the
    info file only names them. None when the lock file cannot be used."""
    key = _key(db_path)
    with _GUARD:
        mine = _HELD.get(key)
        if mine is not None:
            # Probe with our own descriptor (a second one, closed, would drop our lock on POSIX).
            mine.unlock()
            alone = mine.try_lock(exclusive=True)
            if alone:
                mine.unlock()
            _lock_with_retry(mine, exclusive=False, seconds=10)
        else:
            try:
                probe = _LockFile(lock_path_for(db_path))
            except OSError:
                return None
            try:
                alone = probe.try_lock(exclusive=True)
                if alone:
                    probe.unlock()
            finally:
                probe.close()
    if alone:
        return []
    named = [s for s in _read_info(db_path) if s.pid != os.getpid() and _alive(s)]
    return named or [Session(0, "?", "?", "?", "0000-00-00T00:00:00")]


class exclusive:
    """Hold the lock file exclusively (a restore): other processes cannot open
    the database meanwhile (they wait up to 10 s, then open without it).
    Raises BusyError naming the others when the file is in use."""

    def __init__(self, db_path):
        self.db_path = db_path
        self.lock: _LockFile | None = None

    def __enter__(self):
        key = _key(self.db_path)
        with _GUARD:
            mine = _HELD.get(key)
            if mine is not None:
                mine.unlock()
                got = mine.try_lock(exclusive=True)
                if not got:
                    _lock_with_retry(mine, exclusive=False, seconds=10)
                    raise BusyError(self.db_path, self._named())
                self.lock, self.own = mine, True
                return self
            try:
                lock = _LockFile(lock_path_for(self.db_path))
            except OSError:
                self.lock = None
                return self  # no lock file possible here (read-only folder): nothing to coordinate
            if not lock.try_lock(exclusive=True):
                lock.close()
                raise BusyError(self.db_path, self._named())
            self.lock, self.own = lock, False
        return self

    def _named(self) -> list[Session]:
        named = [s for s in _read_info(self.db_path) if s.pid != os.getpid() and _alive(s)]
        return named or [Session(0, "?", "?", "?", "0000-00-00T00:00:00")]

    def __exit__(self, *exc):
        if self.lock is None:
            return False
        with _GUARD:
            self.lock.unlock()
            if self.own:
                _lock_with_retry(self.lock, exclusive=False, seconds=10)
            else:
                self.lock.close()
        return False


class BusyError(Exception):
    def __init__(self, db_path, sessions: list[Session]):
        super().__init__(describe_others(sessions))
        self.db_path = db_path
        self.sessions = sessions


def describe_others(sessions: list[Session]) -> str:
    named = [s for s in sessions if s.pid]
    if not named:
        return "另一个程序（无法得知是谁）"
    return "、".join(s.describe() for s in named)


def _alive(session: Session) -> bool:
    if session.host != socket.gethostname():
        return True  # another computer (a shared folder): cannot ask, keep the name
    if sys.platform == "win32":
        return _win_alive(session.pid)
    try:
        os.kill(session.pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _read_info(db_path) -> list[Session]:
    try:
        data = json.loads(info_path_for(db_path).read_text(encoding="utf-8"))
        return [Session(**entry) for entry in data]
    except (OSError, ValueError, TypeError):
        return []  # missing or half-written: it only names sessions, the lock decides


def _write_info(db_path, add: Session | None = None, remove_pid: int | None = None) -> None:
    """Rewrite the names file (stale lines of dead processes dropped). It is
    advisory: two processes writing at once may lose a name, never a lock."""
    sessions = [s for s in _read_info(db_path) if _alive(s) and s.pid not in (remove_pid, getattr(add, "pid", None))]
    if add is not None:
        sessions.append(add)
    target = info_path_for(db_path)
    tmp = target.with_name(f"{target.name}.{os.getpid()}.tmp")
    try:
        tmp.write_text(json.dumps([s.__dict__ for s in sessions], ensure_ascii=False), encoding="utf-8")
        os.replace(tmp, target)
    except OSError:
        tmp.unlink(missing_ok=True)
