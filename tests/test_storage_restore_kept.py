"""What a restore keeps of the file it replaced (issue 14): a readable file becomes a
backup like the others (…-before-restore.db): listed by `backup list`, restorable
(restoring it undoes the restore), counted and rotated by the count and size limits,
and never pruned while it is the newest backup. Only a damaged file's exact bytes are
kept apart (….kept), outside the rotation, never deleted by the program.
Real files, the real command line."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from tests.township_files import township_file

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def saved_db(tmp_path):
    return township_file(tmp_path, with_backup=True)


def _cli(*args):
    from tests.cli_helpers import FIXTURE_LOGIN, run_cli

    return run_cli(*args, login=FIXTURE_LOGIN, timeout=120, encoding="utf-8", cwd=str(ROOT))


def _names(path):
    conn = sqlite3.connect(path)
    try:
        return sorted(r[0] for r in conn.execute("SELECT name FROM villages WHERE deleted = 0"))
    finally:
        conn.close()


def _set_keep(path, keep: int) -> None:
    from models.core import settings, users
    from models.core.db import close_database, open_database

    db = open_database(path, daily_backup=False)
    try:
        settings.set_value(db, "backup_keep", keep, users.Actor("admin", users.ADMIN, "管理员"))
    finally:
        close_database(db)


def test_the_replaced_file_is_a_backup_that_undoes_the_restore(saved_db):
    from models.core.db import damaged_originals, list_backups

    path, backup = saved_db
    out = _cli("restore", backup, "--db", path)
    assert out.returncode == 0, out.stderr
    assert _names(path) == ["备份里的村"]
    kept = [b for b in list_backups(path) if "-before-restore." in b.name]
    assert len(kept) == 1 and kept[0].suffix == ".db", list_backups(path)
    assert "另存为一份备份" in out.stdout and str(kept[0]) in out.stdout
    assert damaged_originals(path) == [] and not list(kept[0].parent.glob("*.kept"))

    listed = _cli("backup", "list", "--db", path)
    assert listed.returncode == 0, listed.stderr
    line = next(x for x in listed.stdout.splitlines() if str(kept[0]) in x)
    assert "恢复前自动留存" in line and "撤销" in line

    # Restoring it undoes the restore: the village added after the backup is back.
    out = _cli("restore", kept[0], "--db", path)
    assert out.returncode == 0, out.stderr
    assert _names(path) == ["备份后的村", "备份里的村"]


def test_kept_copies_are_rotated_with_the_backups_and_the_newest_is_never_pruned(saved_db):
    from models.core.db import backup_database, close_database, list_backups, open_database, prune_backups

    path, backup = saved_db
    assert _cli("restore", backup, "--db", path).returncode == 0
    _set_keep(path, 2)  # in the restored file (its settings are the backup's)
    kept = next(b for b in list_backups(path) if "-before-restore." in b.name)
    assert list_backups(path)[0] == kept, "the newest backup: what the file held before the restore"

    db = open_database(path, daily_backup=False)
    try:
        first = backup_database(db, reason="manual")
        assert kept in list_backups(path), "two may be kept: the new one and the kept copy"
        second = backup_database(db, reason="manual")
    finally:
        close_database(db)
    assert list_backups(path) == [second, first], "counted like any backup: rotated out after two newer ones"

    # Right after a restore the kept copy is the newest backup: the tightest limits keep it
    # (what the file held before the restore is never left without a copy).
    restored_from = path.parent / "elsewhere.db"
    db = open_database(path, daily_backup=False)
    try:
        backup_database(db, reason="manual", dest=restored_from)
    finally:
        close_database(db)
    assert _cli("restore", restored_from, "--db", path).returncode == 0
    newest = list_backups(path)[0]
    assert "-before-restore." in newest.name
    prune_backups(path, keep=1, max_total_bytes=1)
    assert list_backups(path) == [newest]


def test_a_damaged_file_is_kept_byte_for_byte_outside_the_rotation(saved_db):
    from models.core.db import damaged_originals, list_backups, prune_backups

    path, backup = saved_db
    data = bytearray(path.read_bytes())
    page = int.from_bytes(data[16:18], "big")
    for at in range(page, len(data), page):  # every page after the first: SQLite cannot read it
        data[at:at + 64] = b"\xff" * 64
    path.write_bytes(bytes(data))
    from models.core.db import restore_backup

    kept = restore_backup(backup, path)
    assert kept is not None and kept.suffix == ".kept" and kept.read_bytes() == bytes(data)
    assert kept not in list_backups(path) and damaged_originals(path) == [kept]
    prune_backups(path, keep=1, max_total_bytes=1)
    assert kept.exists(), "the program never deletes a damaged original"
    listed = _cli("backup", "list", "--db", path)
    assert "损坏原文件" in listed.stdout and str(kept) in listed.stdout, listed.stdout
