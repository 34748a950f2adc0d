"""Compressed backups of large databases (VACUUM INTO + zstd, issue 14 §7):
made, listed, verified and restored through the real command line next to
the plain backups older versions made; a damaged or truncated one is refused
in Chinese with the live file untouched; count and total-size pruning count
the compressed sizes; a killed or cancelled backup leaves no partial file; a
backup that runs out of room (a real small filesystem, a real `ulimit -f`)
leaves nothing behind."""

from __future__ import annotations

import hashlib
import os
import resource
import shutil
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.cli_helpers import FIXTURE_LOGIN, login_env, run_cli

ROOT = Path(__file__).resolve().parent.parent


def _office(path: Path, villages: int = 200, compress: bool = True) -> list[str]:
    from models.core import settings, township, users
    from models.core.db import close_database, open_database

    db = open_database(path)
    admin = users.create_user(db, "admin", "secret123", users.ADMIN, "管理员")
    township.set_identity(db, admin, name="测试镇", code="330106001", county="测试县")
    for i in range(villages):
        township.add_village(db, admin, f"第{i}村" + "甲" * 20, i)
    if compress:
        settings.set_value(db, "backup_compress_from_mb", 0, admin)
    names = [v["name"] for v in township.villages(db)]
    close_database(db)
    return names


def _add_villages(path: Path, first: int, n: int) -> None:
    from models.core import township, users
    from models.core.db import close_database, open_database

    db = open_database(path, daily_backup=False)
    admin = users.login(db, "admin", "secret123")
    for i in range(first, first + n):
        township.add_village(db, admin, f"后来的第{i}村", i)
    close_database(db)


def _names(path: Path) -> list[str]:
    conn = sqlite3.connect(path.as_uri() + "?mode=ro", uri=True)
    try:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        return [r[0] for r in conn.execute("SELECT name FROM villages WHERE deleted = 0 ORDER BY id")]
    finally:
        conn.close()


def _cli(*args, login=FIXTURE_LOGIN):
    return run_cli(*args, login=login, timeout=180, cwd=str(ROOT), encoding="utf-8")


def _files(folder: Path) -> list[str]:
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*") if p.is_file())


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _backup(path: Path, reason: str = "manual") -> Path:
    from models.core.db import backup_database, close_database, open_database

    db = open_database(path, daily_backup=False)
    try:
        return backup_database(db, reason=reason)
    finally:
        close_database(db)


def test_compressed_and_plain_backups_are_listed_verified_and_restored(tmp_path):
    from models.core import backup_codec, settings, users
    from models.core.db import close_database, list_backups, open_database

    path = tmp_path / "township.db"
    first = _office(path, compress=False)
    plain = _backup(path)  # what every earlier version made: a SQLite file
    assert plain.suffix == ".db" and not backup_codec.is_compressed(plain)
    db = open_database(path, daily_backup=False)
    settings.set_value(db, "backup_compress_from_mb", 0, users.login(db, "admin", "secret123"))
    close_database(db)
    _add_villages(path, 1000, 30)
    second = _names(path)
    out = _cli("backup", "--db", path)
    assert out.returncode == 0, out.stderr
    packed = Path(out.stdout.strip().split("：", 1)[1])
    assert packed.name.endswith(".db.zst") and backup_codec.is_compressed(packed)
    assert packed.stat().st_size < backup_codec.content_size(packed) / 2
    assert set(list_backups(path)) >= {plain, packed}

    out = _cli("backup", "list", "--db", path, login=None)
    assert out.returncode == 0, out.stderr
    assert "未压缩" in out.stdout and "压缩（原" in out.stdout and packed.name in out.stdout and plain.name in out.stdout
    out = _cli("backup", "verify", "--db", path, login=None)
    assert out.returncode == 0 and "全部可以用于恢复" in out.stdout, out.stdout + out.stderr

    _add_villages(path, 2000, 5)
    out = _cli("restore", str(packed), "--db", path)
    assert out.returncode == 0, out.stderr
    assert _names(path) == second
    out = _cli("restore", str(plain), "--db", path)
    assert out.returncode == 0, out.stderr
    assert _names(path) == first
    out = _cli("check", "--db", path)
    assert out.returncode == 0 and "结论：正常" in out.stdout, out.stdout + out.stderr
    folder = packed.parent
    assert not [f for f in _files(folder) if ".part" in f], _files(folder)


def _damaged_copies(packed: Path, folder: Path) -> dict[str, Path]:
    data = packed.read_bytes()
    flipped = bytearray(data)
    flipped[len(data) // 2] ^= 0x5A
    copies = {"flipped": bytes(flipped), "truncated": data[: len(data) * 2 // 3], "no-checksum": data[:-2],
              "header": b"\x28\xb5\x2f\xfd" + b"\0" * 40}
    out = {}
    for kind, blob in copies.items():
        target = folder / f"township-20990101-000000-000000-{kind}.db.zst"
        target.write_bytes(blob)
        out[kind] = target
    return out


def test_a_damaged_or_truncated_compressed_backup_is_refused_and_the_live_file_untouched(tmp_path):
    from models.core.db import restore_backup, verify_backup
    from models.core.errors import DatabaseOpenError

    path = tmp_path / "township.db"
    names = _office(path, villages=400)
    packed = _backup(path)
    damaged = _damaged_copies(packed, tmp_path)
    before, listing = _sha(path), _files(tmp_path)
    for kind, bad in damaged.items():
        with pytest.raises(DatabaseOpenError) as info:
            restore_backup(bad, path)  # no connection on the live file: its bytes must not change
        assert "损坏" in info.value.message and "不能用于恢复" in info.value.message, (kind, info.value.message)
        assert _sha(path) == before, kind
        assert _files(tmp_path) == listing, f"{kind}: a scratch or kept-aside file was left"
        assert verify_backup(bad) != "ok"
    # The command line: Chinese, no traceback, the data as it was.
    for kind in ("flipped", "truncated"):
        out = _cli("restore", str(damaged[kind]), "--db", path)
        assert out.returncode == 1 and "本身已损坏" in out.stderr and "Traceback" not in out.stderr, out.stderr
        out = _cli("backup", "verify", str(damaged[kind]), "--db", path, login=None)
        assert out.returncode == 1 and "不能用于恢复" in out.stdout, out.stdout
    assert _names(path) == names
    assert verify_backup(packed) == "ok"


def test_pruning_counts_compressed_sizes(tmp_path):
    from models.core import settings, users
    from models.core.db import backup_database, close_database, list_backups, open_database

    path = tmp_path / "township.db"
    _office(path, villages=1500)
    db = open_database(path, daily_backup=False)
    admin = users.login(db, "admin", "secret123")
    settings.set_value(db, "backup_max_total_mb", 2, admin)
    settings.set_value(db, "backup_keep", 4, admin)
    made = [backup_database(db, reason="manual") for _ in range(7)]
    plain_size = db.execute("PRAGMA page_count").fetchone()[0] * 4096
    close_database(db)
    kept = list_backups(path)
    sizes = [b.stat().st_size for b in kept]
    assert kept[0] == made[-1], "the newest is always kept"
    assert sum(sizes) <= 2 * 1024 * 1024 and len(kept) <= 4
    # Uncompressed, not even two would fit in 2 MB: the setting counts what the disk holds.
    assert plain_size > 1024 * 1024 and len(kept) == 4, (plain_size, sizes)


def test_a_killed_backups_leftovers_are_removed_by_the_next_and_a_cancel_leaves_none(tmp_path):
    from models.core.db import backup_database, close_database, open_database
    from models.core.paths import backup_dir_for

    path = tmp_path / "township.db"
    _office(path, villages=300)
    folder = backup_dir_for(path)
    folder.mkdir(exist_ok=True)
    stale = folder / "township-20000101-000000-000000-daily.db.zst.vacuum.part"
    stale.write_bytes(b"x" * 4096)
    old = time.time() - 2 * 3600
    os.utime(stale, (old, old))
    fresh = folder / "township-20000101-000001-000000-manual.db.zst.part"  # another process's, still being written
    fresh.write_bytes(b"y")
    db = open_database(path, daily_backup=False)
    try:
        listing = [f for f in _files(folder) if f != stale.name]  # the next backup removes the stale one

        class Cancelled(Exception):
            """What a cancelled window task raises from its progress callback."""

        def cancel(done, total):
            raise Cancelled

        with pytest.raises(Cancelled):
            backup_database(db, reason="manual", progress=cancel)
        assert _files(folder) == listing, "the cancelled backup left a file"
        made = backup_database(db, reason="manual")
    finally:
        close_database(db)
    assert not stale.exists() and fresh.exists() and made.exists()


def test_backup_under_ulimit_f_fails_in_chinese_and_leaves_nothing(tmp_path):
    path = tmp_path / "township.db"
    names = _office(path, villages=300)
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE padding (b BLOB)")
    conn.executemany("INSERT INTO padding VALUES (?)", [(os.urandom(64 * 1024),) for _ in range(160)])  # ~10 MB
    conn.commit()
    conn.close()
    listing = _files(tmp_path)
    limit = 4 * 1024 * 1024  # the db itself is never grown past it; its VACUUM INTO copy is

    def small_files():
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))

    out = subprocess.run([sys.executable, str(ROOT / "main.py"), "backup", "--db", str(path)], cwd=str(ROOT),
                         capture_output=True, encoding="utf-8", timeout=180, preexec_fn=small_files,
                         env=login_env("admin", "secret123"))
    assert out.returncode == 1, out.stdout + out.stderr
    assert "备份失败" in out.stderr and "未留下不完整的备份文件" in out.stderr and "Traceback" not in out.stderr, out.stderr
    after = [f for f in _files(tmp_path) if f not in listing]
    assert not [f for f in after if ".part" in f or f.endswith((".db", ".zst"))], after
    assert _names(path) == names


# ---- a real small filesystem ----------------------------------------------------

@pytest.fixture
def small_disk(tmp_path):
    if os.geteuid() != 0:
        pytest.skip("mounting a tmpfs needs root")
    disk = tmp_path / "disk"
    disk.mkdir()
    out = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=256m", "tmpfs", str(disk)], capture_output=True)
    if out.returncode != 0:
        pytest.skip(f"cannot mount a small filesystem here: {out.stderr.decode(errors='replace')}")
    yield disk
    subprocess.run(["umount", "-l", str(disk)], check=False)


def test_compressing_runs_out_of_room_on_a_real_small_disk_and_leaves_nothing(small_disk):
    """The free-space check expects half the size for the compressed file when
    no earlier one says better; incompressible data needs the whole size, so
    the disk fills while compressing, after VACUUM INTO succeeded."""
    from models.core.db import backup_bytes_needed, close_database, open_database
    from models.core.paths import backup_dir_for

    path = small_disk / "township.db"
    names = _office(path, villages=100)
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE padding (b BLOB)")
    conn.executemany("INSERT INTO padding VALUES (?)", [(os.urandom(64 * 1024),) for _ in range(960)])  # ~60 MB
    conn.commit()
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.close()
    db = open_database(path, daily_backup=False)
    need = backup_bytes_needed(db, backup_dir_for(path))
    close_database(db)
    filler = small_disk / "filler.bin"
    free = shutil.disk_usage(small_disk).free
    fd = os.open(filler, os.O_WRONLY | os.O_CREAT)
    try:
        os.posix_fallocate(fd, 0, free - need - 2 * 1024 * 1024)  # the check passes with 2 MB to spare
    finally:
        os.close(fd)
    listing = _files(small_disk)
    out = _cli("backup", "--db", path)
    assert out.returncode == 1, out.stdout + out.stderr
    assert "磁盘已满" in out.stderr and "未留下不完整的备份文件" in out.stderr and "Traceback" not in out.stderr, out.stderr
    assert _files(small_disk) == listing, "a partial file was left"
    filler.unlink()
    assert _names(path) == names
