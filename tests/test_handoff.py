"""USB hand-off: export, import, idempotent merge, deletions, conflicts,
reference data back, and every bad package rejected with the database
byte-for-byte unchanged."""

from __future__ import annotations

import io
import json
import shutil
import sqlite3
import struct
import zipfile

import pytest

from cli import main as cli_main
from handoff_helpers import PASSWORD, close, file_hash, fresh_database, make_county, make_township, travel_state, village_uuid
from models import handoff
from models.core import records
from models.core import settings
from models.core import township
from models.core.db import close_database, open_database
from models.core.errors import PermissionDenied, ValidationError
from models.handoff import package as pkgfmt
from models.core.users import CLI_ACTOR, Actor


@pytest.fixture(autouse=True)
def fast_kdf(monkeypatch):
    """Cheap scrypt in tests; the parameters travel in the manifest anyway."""
    monkeypatch.setattr(pkgfmt, "SCRYPT_N", 2**10)


@pytest.fixture
def town(tmp_path):
    db = make_township(tmp_path / "town.db", "330106001", "甲镇")
    yield db
    close_database(db)


@pytest.fixture
def county(tmp_path):
    db = make_county(tmp_path / "county.db")
    yield db
    close_database(db)


def export(db, tmp_path, name="p.xzpkg", full=False):
    return handoff.export_package(db, tmp_path / name, PASSWORD, CLI_ACTOR, full=full)


def test_round_trip_township_to_county(town, county, tmp_path):
    result = export(town, tmp_path)
    assert result.path.exists() and not (tmp_path / "p.xzpkg.part").exists()
    assert result.manifest["township_code"] == "330106001"
    assert result.row_counts["villages"] == 3
    raw = result.path.read_bytes()
    assert "甲镇第1村".encode() not in raw  # names never in clear text on the stick
    summary = handoff.import_package(county, result.path, PASSWORD, CLI_ACTOR)
    assert summary.totals()["added"] == 4 and not summary.already_imported
    assert travel_state(county, ["villages", "offices"]) == travel_state(town, ["villages", "offices"])
    assert county.execute("SELECT name, is_local FROM townships WHERE code = '330106001'").fetchone() == ("甲镇", 0)
    # The summary is kept in the audit log.
    row = county.execute("SELECT after FROM audit_log WHERE action = 'handoff-import'").fetchone()
    assert json.loads(row[0])["tables"]["villages"]["added"] == 3


def test_reimport_is_a_no_op(town, county, tmp_path):
    result = export(town, tmp_path)
    handoff.import_package(county, result.path, PASSWORD, CLI_ACTOR)
    before = travel_state(county)
    audit_rows = county.execute("SELECT count(*) FROM audit_log").fetchone()[0]
    again = handoff.import_package(county, result.path, PASSWORD, CLI_ACTOR)
    assert again.already_imported
    assert travel_state(county) == before
    assert county.execute("SELECT count(*) FROM audit_log").fetchone()[0] == audit_rows
    # A new package with the same rows changes nothing either.
    second = export(town, tmp_path, "p2.xzpkg", full=True)
    summary = handoff.import_package(county, second.path, PASSWORD, CLI_ACTOR)
    assert summary.totals() == {"added": 0, "updated": 0, "deleted": 0, "conflicts": 0, "skipped": 0}
    assert travel_state(county) == before


def test_newer_version_wins_and_older_package_changes_nothing(town, county, tmp_path):
    old = export(town, tmp_path, "old.xzpkg")
    key = village_uuid(town, "甲镇第1村")
    township.update_village(town, CLI_ACTOR, key, "甲镇第1村", 999)
    new = export(town, tmp_path, "new.xzpkg")
    handoff.import_package(county, new.path, PASSWORD, CLI_ACTOR)
    summary = handoff.import_package(county, old.path, PASSWORD, CLI_ACTOR)
    assert summary.totals()["updated"] == 0
    assert county.execute("SELECT households, version FROM villages WHERE uuid = ?", [key]).fetchone() == (999, 2)


def test_deletion_sticks_in_any_order(town, county, tmp_path):
    old = export(town, tmp_path, "old.xzpkg")
    key = village_uuid(town, "甲镇第2村")
    township.delete_village(town, CLI_ACTOR, key)
    new = export(town, tmp_path, "new.xzpkg")
    handoff.import_package(county, old.path, PASSWORD, CLI_ACTOR)
    summary = handoff.import_package(county, new.path, PASSWORD, CLI_ACTOR)
    assert summary.tables["villages"]["deleted"] == 1
    assert county.execute("SELECT deleted FROM villages WHERE uuid = ?", [key]).fetchone() == (1,)
    # Another county receiving them the other way round ends the same.
    other = make_county(tmp_path / "other.db")
    handoff.import_package(other, new.path, PASSWORD, CLI_ACTOR)
    handoff.import_package(other, old.path, PASSWORD, CLI_ACTOR)
    assert other.execute("SELECT deleted FROM villages WHERE uuid = ?", [key]).fetchone() == (1,)
    assert travel_state(other) == travel_state(county)
    close(other)


def test_incremental_export_after_county_acknowledged(town, county, tmp_path):
    first = export(town, tmp_path, "1.xzpkg")
    assert first.manifest["full"]
    handoff.import_package(county, first.path, PASSWORD, CLI_ACTOR)
    # The county sends reference data back, carrying its acknowledgement.
    ref = handoff.export_package(county, tmp_path / "ref.xzpkg", PASSWORD, CLI_ACTOR)
    assert ref.manifest["kind"] == "reference"
    assert ref.manifest["acks"]["330106001"] == first.manifest["max_seq"]
    handoff.import_package(town, ref.path, PASSWORD, CLI_ACTOR)
    township.add_village(town, CLI_ACTOR, "新村", 50)
    second = export(town, tmp_path, "2.xzpkg")
    assert not second.manifest["full"] and second.manifest["since_seq"] == first.manifest["max_seq"]
    assert second.row_counts["villages"] == 1 and second.row_counts["offices"] == 0
    summary = handoff.import_package(county, second.path, PASSWORD, CLI_ACTOR)
    assert summary.tables["villages"]["added"] == 1
    assert travel_state(county, ["villages"]) == travel_state(town, ["villages"])
    # --full still sends everything.
    assert export(town, tmp_path, "3.xzpkg", full=True).row_counts["villages"] == 4


def test_reference_data_reaches_the_township(town, county, tmp_path):
    handoff.import_package(county, export(town, tmp_path).path, PASSWORD, CLI_ACTOR)
    with county.atomic():
        item = records.insert(county, "service_items", {"department": "民政", "name": "县定事项：低保申请"},
                              CLI_ACTOR)
        county.execute("INSERT INTO workdays (date, is_workday, name, source) VALUES ('2031-01-01', 0, '元旦', 'county') "
                       "ON CONFLICT(date) DO UPDATE SET is_workday = 0, name = '元旦', source = 'county'")
    ref = handoff.export_package(county, tmp_path / "ref.xzpkg", PASSWORD, CLI_ACTOR)
    # Township rows the county holds never go back out in a reference package.
    assert ref.row_counts["service_items"] == 1
    summary = handoff.import_package(town, ref.path, PASSWORD, CLI_ACTOR)
    assert summary.kind == "reference"
    assert town.execute("SELECT name FROM service_items WHERE uuid = ?", [item]).fetchone() == ("县定事项：低保申请",)
    assert town.execute("SELECT name FROM workdays WHERE date = '2031-01-01'").fetchone() == ("元旦",)
    # A county database refuses a reference package; a township refuses another township's data.
    with pytest.raises(handoff.PackageError, match="乡镇导入"):
        handoff.import_package(county, ref.path, PASSWORD, CLI_ACTOR)
    other = make_township(tmp_path / "b.db", "330106002", "乙镇")
    with pytest.raises(handoff.PackageError, match="乡镇数据库"):
        handoff.import_package(other, export(town, tmp_path, "again.xzpkg").path, PASSWORD, CLI_ACTOR)
    close(other)


def test_true_conflict_goes_to_the_list_and_is_resolved(town, county, tmp_path):
    handoff.import_package(county, export(town, tmp_path, "1.xzpkg").path, PASSWORD, CLI_ACTOR)
    key = village_uuid(town, "甲镇第3村")
    with county.atomic():
        records.update(county, "villages", key, {"households": 111, "note": "县里核定"}, CLI_ACTOR)
    township.update_village(town, CLI_ACTOR, key, "甲镇第3村", 222)
    pkg = export(town, tmp_path, "2.xzpkg")
    summary = handoff.import_package(county, pkg.path, PASSWORD, CLI_ACTOR)
    assert summary.tables["villages"]["conflicts"] == 1
    assert county.execute("SELECT households FROM villages WHERE uuid = ?", [key]).fetchone() == (111,)
    conflicts = handoff.list_conflicts(county)
    assert len(conflicts) == 1 and conflicts[0]["row_uuid"] == key and conflicts[0]["township_name"] == "甲镇"
    detail = handoff.conflict_detail(county, conflicts[0]["id"])
    changed = {f[0]: (f[1], f[2]) for f in detail["fields"] if f[3]}
    assert changed["households"] == (111, 222)
    # The same package again (as a new export) does not list it twice.
    handoff.import_package(county, export(town, tmp_path, "3.xzpkg", full=True).path, PASSWORD, CLI_ACTOR)
    assert len(handoff.list_conflicts(county)) == 1
    with pytest.raises(PermissionDenied):
        handoff.resolve_conflict(county, conflicts[0]["id"], "incoming", Actor("w", "window"))
    handoff.resolve_conflict(county, conflicts[0]["id"], "incoming", CLI_ACTOR)
    assert county.execute("SELECT households FROM villages WHERE uuid = ?", [key]).fetchone() == (222,)
    assert handoff.list_conflicts(county) == []
    with pytest.raises(ValidationError):
        handoff.resolve_conflict(county, conflicts[0]["id"], "local", CLI_ACTOR)


def test_every_conflict_of_a_package_is_listed_with_the_incoming_row(town, county, tmp_path):
    """Several rows edited on both sides in one package: each is listed once, with the township's
    version as it came and its digest (written by one prepared statement, issue 22), a good row of
    the same package merges, and the package again adds no second listing."""
    import hashlib

    handoff.import_package(county, export(town, tmp_path, "1.xzpkg").path, PASSWORD, CLI_ACTOR)
    names = ["甲镇第1村", "甲镇第2村", "甲镇第3村"]
    keys = [village_uuid(town, name) for name in names]
    with county.atomic():
        for key in keys[:2]:
            records.update(county, "villages", key, {"note": "县里核定"}, CLI_ACTOR)
    for i, (key, name) in enumerate(zip(keys, names, strict=True)):
        township.update_village(town, CLI_ACTOR, key, name, 300 + i)
    summary = handoff.import_package(county, export(town, tmp_path, "2.xzpkg").path, PASSWORD, CLI_ACTOR)
    assert summary.tables["villages"]["conflicts"] == 2 and summary.tables["villages"]["updated"] == 1
    listed = {c["row_uuid"]: c for c in handoff.list_conflicts(county)}
    assert set(listed) == set(keys[:2])
    for key in keys[:2]:
        row = county.execute("SELECT incoming_row, incoming_digest, incoming_version, local_version FROM "
                             "handoff_conflicts WHERE row_uuid = ?", [key]).fetchone()
        incoming = json.loads(row[0])
        assert incoming["uuid"] == key and incoming["households"] == 300 + keys.index(key)
        assert row[1] == hashlib.sha256(row[0].encode("utf-8")).hexdigest()
        assert row[2] == incoming["version"] and row[3] == county.execute(
            "SELECT version FROM villages WHERE uuid = ?", [key]).fetchone()[0]
    assert county.execute("SELECT households FROM villages WHERE uuid = ?", [keys[2]]).fetchone() == (302,)
    handoff.import_package(county, export(town, tmp_path, "3.xzpkg", full=True).path, PASSWORD, CLI_ACTOR)
    assert len(handoff.list_conflicts(county)) == 2


def test_conflict_resolved_keeping_local_stays_newer(town, county, tmp_path):
    handoff.import_package(county, export(town, tmp_path, "1.xzpkg").path, PASSWORD, CLI_ACTOR)
    key = village_uuid(town, "甲镇第1村")
    with county.atomic():
        records.update(county, "villages", key, {"households": 5}, CLI_ACTOR)
    township.update_village(town, CLI_ACTOR, key, "甲镇第1村", 6)
    handoff.import_package(county, export(town, tmp_path, "2.xzpkg").path, PASSWORD, CLI_ACTOR)
    (conflict,) = handoff.list_conflicts(county)
    handoff.resolve_conflict(county, conflict["id"], "local", CLI_ACTOR)
    assert county.execute("SELECT households, version FROM villages WHERE uuid = ?", [key]).fetchone() == (5, 3)
    handoff.import_package(county, export(town, tmp_path, "3.xzpkg", full=True).path, PASSWORD, CLI_ACTOR)
    assert county.execute("SELECT households FROM villages WHERE uuid = ?", [key]).fetchone() == (5,)


def test_rights_and_password_rules(town, tmp_path):
    with pytest.raises(PermissionDenied):
        handoff.export_package(town, tmp_path / "x.xzpkg", PASSWORD, Actor("w", "window"))
    with pytest.raises(ValidationError, match="至少"):
        handoff.export_package(town, tmp_path / "x.xzpkg", "short", CLI_ACTOR)
    assert not (tmp_path / "x.xzpkg").exists()


def test_export_into_a_folder_names_the_file(town, tmp_path):
    folder = tmp_path / "usb"
    folder.mkdir()
    result = handoff.export_package(town, folder, PASSWORD, CLI_ACTOR)
    assert result.path.parent == folder and result.path.name.startswith("甲镇-330106001-全部-")
    assert handoff.read_manifest(result.path)["package_id"] == result.manifest["package_id"]


def test_column_missing_on_one_side_is_tolerated(town, county, tmp_path):
    """A package from an older township program lacks a column; a newer one
    has an extra column: the merge uses the columns both sides have."""
    result = export(town, tmp_path)
    opened = pkgfmt.open_package(result.path, PASSWORD)
    src = sqlite3.connect(":memory:")
    src.deserialize(opened.payload)
    src.execute("ALTER TABLE villages DROP COLUMN note")
    src.commit()
    payload = src.serialize()
    manifest = {k: v for k, v in opened.manifest.items() if k in ("kind", "package_id", "sequence", "township_code",
                                                                    "township_name", "migrations", "schema_version",
                                                                    "row_counts", "full", "since_seq", "max_seq")}
    from models.core import signing

    pkgfmt.write_package(tmp_path / "old-program.xzpkg", manifest, payload, PASSWORD, signer=signing.own_key(town))
    summary = handoff.import_package(county, tmp_path / "old-program.xzpkg", PASSWORD, CLI_ACTOR)
    assert summary.tables["villages"]["added"] == 3
    assert county.execute("SELECT count(*) FROM villages WHERE note IS NULL").fetchone() == (3,)


# ---- bad packages: rejected, database byte-for-byte unchanged ------------------

def _rewrite(good: bytes, manifest_edit=None, payload=None, password=PASSWORD, tmp_path=None, name="x", signer=None):
    """A correctly encrypted package with an edited manifest or payload,
    re-signed with `signer` (an insider holding the township's key), so the
    checks behind the signature are what refuses it."""
    path = tmp_path / f"good-{name}.xzpkg"
    path.write_bytes(good)
    opened = pkgfmt.open_package(path, password)
    manifest = {k: v for k, v in opened.manifest.items()
                if k not in ("format_version", "payload_sha256", "payload_size", "cipher", "kdf", "chunk_size",
                             "chunk_count", "nonce_prefix", "key_check", "signature")}
    if manifest_edit:
        manifest_edit(manifest)
    out = tmp_path / f"{name}.xzpkg"
    pkgfmt.write_package(out, manifest, opened.payload if payload is None else payload, password, signer=signer)
    return out.read_bytes()


def _evil_payload(good_payload: bytes, sql: str) -> bytes:
    conn = sqlite3.connect(":memory:")
    conn.deserialize(good_payload)
    conn.executescript(sql)
    conn.commit()
    return conn.serialize()


def _header_with(good: bytes, edit) -> bytes:
    _magic, _version, mlen = pkgfmt.HEADER.unpack(good[:pkgfmt.HEADER.size])
    manifest = json.loads(good[pkgfmt.HEADER.size:pkgfmt.HEADER.size + mlen])
    edit(manifest)
    raw = json.dumps(manifest).encode()
    return pkgfmt.HEADER.pack(pkgfmt.MAGIC, 1, len(raw)) + raw + good[pkgfmt.HEADER.size + mlen:]


def _bad_packages(good: bytes, tmp_path, signer) -> dict:
    mlen = pkgfmt.HEADER.unpack(good[:pkgfmt.HEADER.size])[2]
    body = pkgfmt.HEADER.size + mlen
    flipped_payload = bytearray(good)
    flipped_payload[-40] ^= 0x01
    at = good.index(b'"sequence": ') + len(b'"sequence": ')
    flipped_manifest = good[:at] + b"7" + good[at + 1:]  # still valid JSON, no longer authentic
    assert flipped_manifest != good
    zip_buf = io.BytesIO()
    with zipfile.ZipFile(zip_buf, "w") as z:
        z.writestr("../../evil.txt", "x")
        z.writestr("/etc/passwd", "x")
    opened_payload = pkgfmt.open_package(tmp_path / "good.xzpkg", PASSWORD).payload
    huge_chunk = bytearray(good)
    huge_chunk[body:body + 4] = struct.pack(">I", 0xFFFFFFF0)
    return {
        "wrong password": (good, "wrong password", "密码错误"),
        "truncated half": (good[: len(good) // 2], PASSWORD, "不完整"),
        "truncated header": (good[:10], PASSWORD, "不完整"),
        "cut after manifest": (good[:body], PASSWORD, "不完整"),
        "bit-flipped payload": (bytes(flipped_payload), PASSWORD, "校验失败"),
        "bit-flipped manifest": (flipped_manifest, PASSWORD, "校验失败"),
        "extra bytes": (good + b"\x00", PASSWORD, "多余"),
        "newer format": (good[:8] + struct.pack(">H", 2) + good[10:], PASSWORD, "格式版本"),
        "newer schema": (_rewrite(good, lambda m: m["migrations"].append("future/m001_new"), tmp_path=tmp_path, signer=signer,
                                  name="schema"), PASSWORD, "更新版本"),
        "not a package": (b"hello, this is a text file\n" * 10, PASSWORD, "不是本程序"),
        "empty file": (b"", PASSWORD, "不是本程序"),
        "sqlite file": ((tmp_path / "county.db").read_bytes()[:4096], PASSWORD, "不是本程序"),
        "zip with ../ paths": (zip_buf.getvalue(), PASSWORD, "不是本程序"),
        "huge declared payload": (_header_with(good, lambda m: m.update(payload_size=10**15)), PASSWORD, "超出"),
        "huge chunk length": (bytes(huge_chunk), PASSWORD, "大小异常"),
        "huge kdf cost": (_header_with(good, lambda m: m["kdf"].update(n=2**30)), PASSWORD, "超出允许范围"),
        "payload not sqlite": (_rewrite(good, payload=b"PK\x03\x04" + b"\x00" * 100, tmp_path=tmp_path, signer=signer, name="np"),
                               PASSWORD, "数据格式"),
        "payload with trigger": (_rewrite(good, payload=_evil_payload(
            opened_payload, "CREATE TRIGGER t AFTER INSERT ON villages BEGIN SELECT 1; END;"),
            tmp_path=tmp_path, signer=signer, name="trig"), PASSWORD, "不允许"),
        "payload with view": (_rewrite(good, payload=_evil_payload(opened_payload, "CREATE VIEW v AS SELECT 1;"),
                                       tmp_path=tmp_path, signer=signer, name="view"), PASSWORD, "不允许"),
        "rows of another township": (_rewrite(good, payload=_evil_payload(
            opened_payload, "UPDATE villages SET township_code = '999999999' WHERE rowid = 1;"),
            tmp_path=tmp_path, signer=signer, name="other"), PASSWORD, "不属于"),
        "row counts lie": (_rewrite(good, lambda m: m["row_counts"].update(villages=99), tmp_path=tmp_path, signer=signer,
                                    name="counts"), PASSWORD, "行数"),
        "unknown table": (_rewrite(good, lambda m: m["row_counts"].update(evil=0), payload=_evil_payload(
            opened_payload, "CREATE TABLE evil (x);"), tmp_path=tmp_path, signer=signer, name="unk"), PASSWORD, "不认识"),
        "duplicate uuids": (_rewrite(good, lambda m: m["row_counts"].update(villages=4), payload=_evil_payload(
            opened_payload, "INSERT INTO villages SELECT * FROM villages LIMIT 1; "
                            "UPDATE villages SET version = 9, households = rowid "
                            "WHERE uuid = (SELECT uuid FROM villages LIMIT 1);"), tmp_path=tmp_path, signer=signer, name="dup"),
            PASSWORD, "重复"),
        "duplicate new uuids": (_rewrite(good, lambda m: m["row_counts"].update(offices=2), payload=_evil_payload(
            opened_payload, "INSERT INTO offices SELECT * FROM offices; UPDATE offices SET uuid = 'x-new';"),
            tmp_path=tmp_path, signer=signer, name="dupnew"), PASSWORD, "重复"),
        "payload changed, signature not renewed": (_rewrite(good, payload=_evil_payload(
            opened_payload, "UPDATE villages SET households = 1;"), tmp_path=tmp_path, name="unsigned"),
            PASSWORD, "签名"),
        "bad version column": (_rewrite(good, payload=_evil_payload(
            opened_payload, "UPDATE villages SET version = 'x' WHERE rowid = 1;"), tmp_path=tmp_path, signer=signer, name="ver"),
            PASSWORD, "版本无效"),
    }


def test_every_bad_package_is_rejected_and_the_database_unchanged(town, tmp_path, capsys, cli_login):
    cli_login("admin", "secret123")
    county_path = tmp_path / "county.db"
    county = make_county(county_path)
    # The county already holds one package, so "unchanged" means something.
    handoff.import_package(county, export(town, tmp_path, "first.xzpkg").path, PASSWORD, CLI_ACTOR)
    close_database(county)
    good = export(town, tmp_path, "good.xzpkg", full=True).path.read_bytes()
    (tmp_path / "good.xzpkg").write_bytes(good)
    from models.core import signing

    bad = _bad_packages(good, tmp_path, signing.own_key(town))
    (tmp_path / "pw").write_text(PASSWORD + "\n", encoding="utf-8")
    (tmp_path / "wrong").write_text("wrong password\n", encoding="utf-8")
    before = file_hash(county_path)
    for label, (data, password, reason) in bad.items():
        path = tmp_path / "bad.xzpkg"
        path.write_bytes(data)
        pw_file = tmp_path / ("pw" if password == PASSWORD else "wrong")
        capsys.readouterr()
        code = cli_main(["import", "--db", str(county_path), str(path), "--password-file", str(pw_file)])
        err = capsys.readouterr().err
        assert code == 1, label
        assert reason in err, f"{label}: {err}"
        assert file_hash(county_path) == before, label
    # And the good one still goes in (proving the checks are not over-eager).
    path = tmp_path / "bad.xzpkg"
    path.write_bytes(good)
    assert cli_main(["import", "--db", str(county_path), str(path), "--password-file", str(tmp_path / "pw")]) == 0


def test_cli_export_and_import(tmp_path, capsys, cli_login):
    cli_login("admin", "secret123")
    town = make_township(tmp_path / "t.db", "330106005", "戊镇")
    close_database(town)
    (tmp_path / "pw").write_text(PASSWORD, encoding="utf-8")
    out = tmp_path / "out.xzpkg"
    assert cli_main(["export", "--db", str(tmp_path / "t.db"), "--out", str(out), "--password-file",
                     str(tmp_path / "pw"), "--full"]) == 0
    assert "已导出全部数据" in capsys.readouterr().out
    # A new county database: its administrator first (the only command that
    # needs no login), then the first import sets it to county mode.
    county_path = tmp_path / "new-county.db"
    (tmp_path / "admin-pw").write_text("secret123", encoding="utf-8")
    assert cli_main(["user", "add", "admin", "--db", str(county_path), "--password-file",
                     str(tmp_path / "admin-pw")]) == 0
    # The township's first package: refused until the clerk confirms the key's
    # fingerprint read out by phone (issue 20).
    capsys.readouterr()
    assert cli_main(["import", "--db", str(county_path), str(out), "--password-file", str(tmp_path / "pw")]) == 1
    assert "第一次送来数据包" in capsys.readouterr().err
    from models.core import signing

    town = open_database(tmp_path / "t.db")
    fingerprint = signing.fingerprint(signing.own_public_key(town))
    close_database(town)
    assert cli_main(["import", "--db", str(county_path), str(out), "--password-file", str(tmp_path / "pw"),
                     "--accept-key", fingerprint]) == 0
    assert "新增 4" in capsys.readouterr().out
    assert cli_main(["import", "--db", str(county_path), str(out), "--password-file", str(tmp_path / "pw")]) == 0
    assert "没有任何改动" in capsys.readouterr().out
    db = open_database(county_path)
    assert settings.get(db, "database_mode") == "county"
    close_database(db)
    # A failed import into a database that did not exist leaves nothing behind.
    (tmp_path / "wrong").write_text("not the password", encoding="utf-8")
    assert cli_main(["import", "--db", str(tmp_path / "none.db"), str(out), "--password-file",
                     str(tmp_path / "wrong")]) == 1
    assert not (tmp_path / "none.db").exists()
    assert cli_main(["import", "--db", str(county_path), str(tmp_path / "missing.xzpkg")]) == 1
    assert "找不到" in capsys.readouterr().err


def test_pulled_stick_leaves_no_complete_looking_file(town, tmp_path, monkeypatch):
    target = tmp_path / "p.xzpkg"
    calls = {"n": 0}
    real_fsync = pkgfmt.os.fsync

    def failing_fsync(fd):
        calls["n"] += 1
        raise OSError(5, "Input/output error")

    monkeypatch.setattr(pkgfmt.os, "fsync", failing_fsync)
    with pytest.raises(OSError):
        handoff.export_package(town, target, PASSWORD, CLI_ACTOR)
    monkeypatch.setattr(pkgfmt.os, "fsync", real_fsync)
    assert calls["n"] == 1
    assert not target.exists() and not (tmp_path / "p.xzpkg.part").exists()
    # Nothing was logged as exported either.
    assert town.execute("SELECT count(*) FROM handoff_packages").fetchone() == (0,)


def test_demo_townships_round_trip(tmp_path):
    """Two demo townships (every domain's data) into one county database."""
    from models.demo.township import DemoOptions, build_demo

    county = make_county(tmp_path / "county.db")
    states = {}
    for seed, (code, name) in enumerate([("330106001", "甲镇"), ("330106002", "乙镇")], start=1):
        db = fresh_database(tmp_path / f"{code}.db")
        build_demo(db, DemoOptions(seed=seed, tickets=60, township_code=code, township_name=name))
        result = handoff.export_package(db, tmp_path / f"{code}.xzpkg", PASSWORD, CLI_ACTOR)
        summary = handoff.import_package(county, result.path, PASSWORD, CLI_ACTOR)
        assert summary.totals()["added"] == sum(result.row_counts.values())
        states[code] = travel_state(db)
        close_database(db)
    merged = travel_state(county)
    for table, rows in merged.items():
        expected = sorted(states["330106001"].get(table, []) + states["330106002"].get(table, []))
        assert sorted(rows) == expected, table
    shutil.copy(tmp_path / "county.db", tmp_path / "county-copy.db")
    close_database(county)
