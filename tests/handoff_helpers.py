"""Shared helpers of the hand-off tests (township and county databases)."""

from __future__ import annotations

import hashlib
import shutil
import tempfile
from pathlib import Path

from models.core import travel

from models.core import settings

from models.core import township

from models.core import users
from models.core.db import close_database, open_database
from models.core.users import CLI_ACTOR

PASSWORD = "correct horse 1"
_TEMPLATE: list[Path] = []


def fresh_database(path: Path):
    """A migrated empty database at `path`, copied from a template made once
    (creating and seeding one from scratch takes over a second)."""
    if not _TEMPLATE:
        folder = Path(tempfile.mkdtemp(prefix="handoff-template-"))
        db = open_database(folder / "empty.db")
        close_database(db)
        _TEMPLATE.append(folder / "empty.db")
    shutil.copyfile(_TEMPLATE[0], path)
    db = open_database(path, daily_backup=False)
    db.execute("PRAGMA synchronous=OFF")  # test speed only; the program keeps FULL
    return db


def make_township(path: Path, code: str, name: str, villages: int = 3):
    """A small township database: identity, an admin, a few villages and an office."""
    db = fresh_database(path)
    if not users.has_users(db):
        users.create_user(db, "admin", "secret123", users.ADMIN, "管理员")
    township.set_identity(db, CLI_ACTOR, name=name, code=code, county="测试县")
    for i in range(villages):
        township.add_village(db, CLI_ACTOR, f"{name}第{i + 1}村", 100 + i)
    township.add_office(db, CLI_ACTOR, "党政综合办公室", "党政办", establishment=5)
    return db


def make_county(path: Path):
    """An empty county database (with an admin, admin / secret123, so the command line can log in)."""
    db = fresh_database(path)
    if not users.has_users(db):
        users.create_user(db, "admin", "secret123", users.ADMIN, "管理员")
    settings.set_value(db, "database_mode", "county", CLI_ACTOR)
    settings.set_value(db, "county_name", "测试县", CLI_ACTOR)
    return db


def file_hash(path: Path) -> str:
    """SHA-256 of the database file and its WAL (if any)."""
    h = hashlib.sha256(Path(path).read_bytes())
    wal = Path(str(path) + "-wal")
    if wal.exists():
        h.update(wal.read_bytes())
    return h.hexdigest()


def travel_state(db, tables=None) -> dict:
    """Every travelling row, without local ids and counters, sorted by uuid."""
    out = {}
    for table in tables or travel.TRAVEL_TABLES:
        if not db.execute("SELECT 1 FROM sqlite_master WHERE type='table' AND name=?", [table]).fetchone():
            continue
        cols = [r[1] for r in db.execute(f"PRAGMA table_info([{table}])") if r[1] not in ("id", "change_seq")]
        names = ", ".join(f"[{c}]" for c in cols)
        out[table] = db.execute(f"SELECT {names} FROM [{table}] ORDER BY uuid").fetchall()
    return out


def village_uuid(db, name: str) -> str:
    return db.execute("SELECT uuid FROM villages WHERE name = ?", [name]).fetchone()[0]


def close(db) -> None:
    close_database(db)
