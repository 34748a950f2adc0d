"""A restore's free-space check on a real small filesystem (issue 14 §6).

Restoring over a file in WAL mode writes the whole backup into the live file's
-wal first and checkpoints it into the file afterwards, so at its peak a
restore holds the staged backup, the kept-aside replaced file, that -wal, and
(when the backup is the larger) the live file grown to the backup's size:
about 3x the file's size. The check counted 2x the backup plus the replaced
file, which is right only while the two are alike; restoring a big backup over
a small file (r4-14's 1M restore over a township file) passed the check and
then filled the disk in the checkpoint. Here a 50 MB backup is restored over a
2 MB file on a 256 MB tmpfs filled so that the old sum fits and the real peak
does not: the restore is refused in Chinese before it touches anything; with
the room restore_bytes_needed asks for (and no more) it succeeds."""

from __future__ import annotations

import os
import shutil
import sqlite3
import threading
from pathlib import Path

from tests.test_storage_compressed import _add_villages, _backup, _cli, _files, _names, _office, _sha, small_disk  # noqa: F401  (small_disk: the fixture)

MB = 1024 * 1024


def _padded_office(path: Path, megabytes: int) -> None:
    _office(path, villages=10, compress=False)
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE padding (b BLOB)")
    conn.executemany("INSERT INTO padding VALUES (?)", [(os.urandom(64 * 1024),) for _ in range(megabytes * 16)])
    conn.commit()
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.close()


def _shrink(path: Path) -> None:
    conn = sqlite3.connect(path)
    conn.execute("DROP TABLE padding")
    conn.commit()
    conn.execute("VACUUM")
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.close()


def _lasting_of(listing: list[str]) -> list[str]:
    """The files that stay (not SQLite's -wal/-shm, which a clean close removes)."""
    return [f for f in listing if not f.endswith(("-wal", "-shm"))]


def _lasting(disk: Path) -> list[str]:
    return _lasting_of(_files(disk))


def _leave_free(disk: Path, filler: Path, free: int) -> None:
    """Grow (or shrink) `filler` so that exactly `free` bytes stay free on `disk`."""
    have = filler.stat().st_size if filler.exists() else 0
    filler.unlink(missing_ok=True)
    size = shutil.disk_usage(disk).free - free
    assert size > 0, (have, free)
    fd = os.open(filler, os.O_WRONLY | os.O_CREAT)
    try:
        os.posix_fallocate(fd, 0, size)
    finally:
        os.close(fd)


def test_a_big_backup_over_a_small_file_is_refused_before_anything_when_the_peak_does_not_fit(small_disk):  # noqa: F811
    from models.core.db import BACKUP_MARGIN_BYTES, StorageError, restore_backup, restore_bytes_needed
    from models.core.paths import backup_dir_for

    path = small_disk / "township.db"
    _padded_office(path, 50)
    backup = _backup(path)  # a plain 50 MB backup (below the 64 MB compression threshold)
    assert backup.suffix == ".db"
    restored_names = _names(backup)
    _shrink(path)
    _add_villages(path, 500, 1)  # the file holds something the backup does not
    size, live = backup.stat().st_size, path.stat().st_size
    assert size > 45 * MB and live < 5 * MB, (size, live)
    need = restore_bytes_needed(backup, path)
    # The old check: the replaced file, the staged copy and the backup-API write, and the margin.
    old_need = live + 2 * size + BACKUP_MARGIN_BYTES
    assert need - old_need == size - live  # the growth of the live file while the -wal holds the backup

    filler = small_disk / "filler.bin"
    _leave_free(small_disk, filler, old_need + 8 * MB)  # the old sum fits, the peak does not
    names = _names(path)  # (a read-only look may leave -shm/-wal of its own)
    listing, before = _files(small_disk), _sha(path)
    wal = Path(str(path) + "-wal")
    wal_size = wal.stat().st_size if wal.exists() else None
    health = backup_dir_for(path) / ".health.json"
    health_bytes = health.read_bytes() if health.exists() else None
    try:
        restore_backup(backup, path)
    except StorageError as e:
        message = e.message
    else:
        raise AssertionError("the restore went ahead without room for its peak")
    assert "磁盘空间不足，不能恢复" in message and "数据库未作改动" in message, message
    assert _sha(path) == before, "the live file was touched"
    assert _files(small_disk) == listing, "a staged, unpacked or kept-aside file was left"
    assert (wal.stat().st_size if wal.exists() else None) == wal_size, "the -wal grew"
    assert (health.read_bytes() if health.exists() else None) == health_bytes, "the check mark was forgotten"

    # The same through the command line (its login may write the file; nothing of the restore's is left).
    out = _cli("restore", str(backup), "--db", path)
    assert out.returncode == 1, out.stdout + out.stderr
    assert "磁盘空间不足，不能恢复" in out.stderr and "Traceback" not in out.stderr, out.stderr
    assert _lasting(small_disk) == _lasting_of(listing) and _names(path) == names

    # With what restore_bytes_needed asks for, the restore goes through, and its peak stayed inside.
    _leave_free(small_disk, filler, need + 2 * MB)
    lowest = [shutil.disk_usage(small_disk).free]
    done = threading.Event()

    def watch_free_space():
        while not done.is_set():
            lowest[0] = min(lowest[0], shutil.disk_usage(small_disk).free)

    watcher = threading.Thread(target=watch_free_space)
    watcher.start()
    try:
        out = _cli("restore", str(backup), "--db", path)
    finally:
        done.set()
        watcher.join()
    assert out.returncode == 0, out.stdout + out.stderr
    assert _names(path) == restored_names
    used_at_peak = need + 2 * MB - lowest[0]
    assert used_at_peak > old_need - BACKUP_MARGIN_BYTES + 10 * MB, "the peak was not above the old sum"
    assert used_at_peak <= need, (used_at_peak, need)
    filler.unlink()


def test_a_compressed_backup_of_a_file_its_size_needs_three_times_it(small_disk):  # noqa: F811
    """The brief's case: backup and file alike (~35 MB of incompressible data, so
    that 3x and both files fit in 256 MB; a compressed backup). With room for 2x and not 3x the restore is refused
    before unpacking; with 3x and the margin it succeeds."""
    from models.core import settings, users
    from models.core.db import BACKUP_MARGIN_BYTES, close_database, open_database, restore_bytes_needed

    path = small_disk / "township.db"
    _padded_office(path, 35)
    db = open_database(path, daily_backup=False)
    settings.set_value(db, "backup_compress_from_mb", 0, users.login(db, "admin", "secret123"))
    close_database(db)
    backup = _backup(path)
    assert backup.name.endswith(".db.zst")
    size = path.stat().st_size
    need = restore_bytes_needed(backup, path)
    assert 3 * size <= need <= 3 * size + BACKUP_MARGIN_BYTES + MB, (need, size)

    filler = small_disk / "filler.bin"
    _leave_free(small_disk, filler, int(2.5 * size))
    names = _names(path)
    listing = _files(small_disk)
    out = _cli("restore", str(backup), "--db", path)
    assert out.returncode == 1, out.stdout + out.stderr
    assert "磁盘空间不足，不能恢复" in out.stderr and "Traceback" not in out.stderr, out.stderr
    assert _lasting(small_disk) == _lasting_of(listing) and _names(path) == names

    _leave_free(small_disk, filler, need + 2 * MB)
    out = _cli("restore", str(backup), "--db", path)
    assert out.returncode == 0, out.stdout + out.stderr
    filler.unlink()
