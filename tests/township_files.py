"""A small real township file for the storage tests (one admin, the office's identity)."""

from __future__ import annotations

from pathlib import Path


def township_file(folder: Path, with_backup: bool = False):
    """tmp folder → the closed file's path; with_backup: (path, backup) where the
    backup holds the village 备份里的村 and the file also 备份后的村."""
    from models.core import township, users
    from models.core.db import backup_database, close_database, open_database

    path = folder / "township.db"
    db = open_database(path)
    admin = users.create_user(db, "admin", "secret123", users.ADMIN, "管理员")
    township.set_identity(db, admin, name="测试镇", code="330106001", county="测试县")
    backup = None
    if with_backup:
        township.add_village(db, admin, "备份里的村", 10)
        backup = backup_database(db, reason="manual")
        township.add_village(db, admin, "备份后的村", 10)
    close_database(db)
    return (path, backup) if with_backup else path
