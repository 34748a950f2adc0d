"""Foundation: storage, migrations, backups, audit, users — no Qt."""

import hashlib
import json
import os
import sqlite3
import stat

import pytest

from models.core import audit

from models.core import records

from models.core import settings

from models.core import township

from models.core import users
from models.core.db import (backup_database, close_database, health_report, list_backups, open_database,
                       restore_backup, schema_version, known_migrations)
from models.core.errors import (CorruptDatabaseError, DatabaseOpenError, LoginError, NewerSchemaError,
                           PermissionDenied, ValidationError)


def file_hash(path):
    return hashlib.sha256(open(path, "rb").read()).hexdigest()


def test_pragmas_and_schema(db):
    assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert db.execute("PRAGMA synchronous").fetchone()[0] == 2  # FULL
    assert db.execute("PRAGMA foreign_keys").fetchone()[0] == 1
    assert schema_version(db.conn) == len(known_migrations())


def test_not_a_sqlite_file_left_untouched(tmp_path):
    p = tmp_path / "notes.db"
    p.write_bytes(b"hello, this is not a database" * 10)
    before = file_hash(p)
    with pytest.raises(DatabaseOpenError, match="不是 SQLite"):
        open_database(p)
    assert file_hash(p) == before


def test_newer_schema_refused_and_untouched(tmp_path):
    p = tmp_path / "new.db"
    db = open_database(p)
    db.execute("INSERT INTO _sqlite_migrations (migration_set, name, applied_at) VALUES ('core', 'm999_future', 'x')")
    close_database(db)
    before = file_hash(p)
    with pytest.raises(NewerSchemaError, match="更新版本"):
        open_database(p)
    assert file_hash(p) == before


def test_corrupt_database_offers_backups(tmp_path):
    p = tmp_path / "c.db"
    db = open_database(p)
    db.execute("CREATE TABLE filler (x TEXT)")
    for _ in range(200):
        db.execute("INSERT INTO filler VALUES (?)", ["x" * 500])
    backup_database(db, reason="manual")
    close_database(db)
    data = bytearray(p.read_bytes())
    for i in range(4096 * 3, 4096 * 6):
        data[i] = 0xFF
    p.write_bytes(bytes(data))
    with pytest.raises(CorruptDatabaseError) as info:
        open_database(p)
    assert info.value.backups, "the newest good backup is offered"
    restore_backup(info.value.backups[0], p)
    db = open_database(p)
    assert db.execute("SELECT count(*) FROM filler").fetchone()[0] == 200


@pytest.mark.skipif(os.geteuid() == 0 if hasattr(os, "geteuid") else False, reason="root ignores permissions")
def test_read_only_folder(tmp_path):
    folder = tmp_path / "ro"
    folder.mkdir()
    folder.chmod(stat.S_IRUSR | stat.S_IXUSR)
    try:
        with pytest.raises(DatabaseOpenError, match="只读"):
            open_database(folder / "x.db")
    finally:
        folder.chmod(stat.S_IRWXU)


def test_read_only_folder_message(tmp_path, monkeypatch):
    monkeypatch.setattr(os, "access", lambda *a, **k: False)
    with pytest.raises(DatabaseOpenError, match="只读"):
        open_database(tmp_path / "x.db")
    assert not (tmp_path / "x.db").exists()


def test_backup_before_migration_and_prune(tmp_path, monkeypatch):
    p = tmp_path / "m.db"
    db = open_database(p)
    admin = users.create_user(db, "admin", "secret123", users.ADMIN)
    settings.set_value(db, "backup_keep", 3, admin)
    for _ in range(5):
        backup_database(db)
    assert len(list_backups(p)) == 3
    # Pretend a migration is pending: forget the last applied one.
    from sqlite_utils import Migrations
    import models.core.migrations as schema

    extra = Migrations("zz_test")

    @extra()
    def m001(db):
        db.execute("CREATE TABLE zz (x)")

    close_database(db)
    monkeypatch.setattr(schema, "MIGRATION_SETS", schema.MIGRATION_SETS + [extra])
    before = {b.name for b in list_backups(p)}
    db = open_database(p)
    after = {b.name for b in list_backups(p)}
    assert any("before-migration" in n for n in after - before)
    assert "zz" in db.table_names()


def test_daily_backup_once(tmp_path):
    p = tmp_path / "d.db"
    close_database(open_database(p))
    close_database(open_database(p))
    close_database(open_database(p))
    daily = [b for b in list_backups(p) if "daily" in b.name]
    assert len(daily) == 1


def test_records_travel_and_audit(db, admin):
    key = township.add_village(db, admin, "东村", 120)
    row = records.get(db, "villages", key)
    assert row["version"] == 1 and row["township_code"] == "330106001" and len(row["uuid"]) == 36
    township.update_village(db, admin, key, "东村", 150)
    row2 = records.get(db, "villages", key)
    assert row2["version"] == 2 and row2["change_seq"] > row["change_seq"]
    township.delete_village(db, admin, key)
    assert records.get(db, "villages", key) is None
    assert records.get(db, "villages", key, include_deleted=True)["deleted"] == 1
    log = audit.recent(db, table_name="villages")
    assert [r["action"] for r in log] == ["delete", "update", "insert"]
    assert all(r["actor"] == "admin" for r in log)
    assert audit.changes(log[1]) == {"households": (120, 150)}
    # Issue 22: an update and a tombstone keep only what changed, an insert the row once.
    assert json.loads(log[1]["before"]) == {"households": 120} and json.loads(log[1]["after"]) == {"households": 150}
    assert json.loads(log[0]["before"]) == {"deleted": 0} and json.loads(log[0]["after"]) == {"deleted": 1}
    assert log[2]["before"] is None and json.loads(log[2]["after"])["name"] == "东村"
    assert audit.verify_chain(db) == []
    assert audit.verify_rows(db) == []


def test_audit_tamper_detected(db, admin):
    township.add_village(db, admin, "西村", 10)
    db.execute("UPDATE audit_log SET actor = 'mallory' WHERE id = 2")
    assert audit.verify_chain(db)
    db.execute("DELETE FROM audit_log WHERE id = 3")
    assert any("删除" in p for p in audit.verify_chain(db))


def test_validation_nothing_half_saved(db, admin):
    n = db.execute("SELECT count(*) FROM villages").fetchone()[0]
    with pytest.raises(ValidationError, match="户数"):
        township.add_village(db, admin, "坏村", "很多")
    with pytest.raises(ValidationError, match="村名"):
        township.add_village(db, admin, "", 3)
    assert db.execute("SELECT count(*) FROM villages").fetchone()[0] == n


def test_users_roles_and_login(db, admin):
    window = users.create_user(db, "wl", "pw123456", users.WINDOW, "王丽", actor=admin)
    with pytest.raises(PermissionDenied):
        users.create_user(db, "x", "pw123456", users.ADMIN, actor=window)
    with pytest.raises(PermissionDenied):
        township.add_village(db, window, "偷偷村", 1)
    assert users.login(db, "wl", "pw123456").role == users.WINDOW
    with pytest.raises(LoginError, match="错误"):
        users.login(db, "wl", "nope")
    stored = db.execute("SELECT pw_hash FROM users WHERE username='wl'").fetchone()[0]
    assert stored.startswith("scrypt$") and "pw123456" not in stored


def test_login_throttled(db, admin):
    import datetime as dt

    users.create_user(db, "u1", "right-pw", users.READONLY, actor=admin)
    t = dt.datetime(2026, 1, 1, 9, 0)
    for _ in range(users.MAX_FAILURES - 1):
        with pytest.raises(LoginError):
            users.login(db, "u1", "wrong", now=t)
    with pytest.raises(LoginError, match="锁定"):
        users.login(db, "u1", "wrong", now=t)
    # Locked: the right password gets the same message (issue 20: a lock does not reveal the account).
    with pytest.raises(LoginError, match="用户名或密码错误"):
        users.login(db, "u1", "right-pw", now=t + dt.timedelta(seconds=5))
    assert users.login(db, "u1", "right-pw", now=t + dt.timedelta(seconds=users.LOCK_SECONDS + 1))


def test_first_user_is_admin(tmp_path):
    db = open_database(tmp_path / "f.db")
    first = users.create_user(db, "boss", "secret123", users.READONLY)
    assert first.role == users.ADMIN


def test_last_admin_kept(db, admin):
    with pytest.raises(ValidationError, match="管理员"):
        users.set_role(db, "admin", users.READONLY, True, admin)


def test_health_report(db):
    report = health_report(db)
    assert report["integrity"] == "ok"
    assert report["counts"]["users"] == 1


def test_township_identity_validation(db, admin):
    with pytest.raises(ValidationError, match="乡镇代码"):
        township.set_identity(db, admin, name="某镇", code="abc")
    assert township.identity(db)["township_code"] == "330106001"
