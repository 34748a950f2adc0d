"""Issue 20: proof of what was done.

Each test is one attack from the issue, run against real database files with
SQLite itself (the tool a careless or hostile user has), then `main.py check`
or the county's import. Before issue 20 every one of them went unnoticed:
`check` said 完整 / 正常 and the county imported the package.
"""

from __future__ import annotations

import hashlib
import shutil
import sqlite3

import pytest

from models import handoff
from models.core import audit, signing, township
from models.core.db import close_database, open_database
from models.core.users import CLI_ACTOR
from models.handoff import package as pkgfmt
from models.handoff.package import PackageError
from tests.cli_helpers import run_cli
from tests.handoff_helpers import PASSWORD, make_county, make_township, village_uuid


@pytest.fixture(scope="module")
def demo_template(tmp_path_factory):
    from models.demo.township import DemoOptions, build_demo

    path = tmp_path_factory.mktemp("proof") / "template.db"
    db = open_database(path, daily_backup=False)
    build_demo(db, DemoOptions(seed=11, tickets=80))
    close_database(db)
    return path


@pytest.fixture
def demo_path(demo_template, tmp_path):
    path = tmp_path / "office.db"
    shutil.copyfile(demo_template, path)
    return path


def _sqlite(path, *statements):
    """What a user with the SQLite command-line tool does: no program involved."""
    conn = sqlite3.connect(str(path))
    try:
        for sql in statements:
            conn.execute(sql)
        conn.commit()
    finally:
        conn.close()


def _check(path):
    return run_cli("check", "--db", path, login=None)


def test_the_demo_database_checks_clean(demo_path):
    done = _check(demo_path)
    assert done.returncode == 0, done.stdout
    assert "数据记录：与审计日志一致" in done.stdout


@pytest.mark.parametrize("label,statements,expected", [
    ("score edited", ["UPDATE assess_scores SET points = points + 5 WHERE rowid = (SELECT min(rowid) FROM assess_scores)"],
     "被直接修改"),
    ("ticket status edited", ["UPDATE tickets SET status = '办结' WHERE rowid = (SELECT min(rowid) FROM tickets "
                              "WHERE status != '办结')"], "被直接修改"),
    ("rating edited", ["UPDATE tickets SET rating = coalesce(rating, 0) + 1 WHERE rowid = (SELECT max(rowid) FROM tickets)"],
     "被直接修改"),
    ("row deleted", ["DELETE FROM villages WHERE rowid = (SELECT max(rowid) FROM villages)"], "被删除"),
    ("row inserted", ["INSERT INTO villages (uuid, township_code, updated_at, name) "
                      "VALUES ('ghost-village', '330106001', '2026-01-01', '幽灵村')"], "没有经过程序写入"),
])
def test_check_finds_rows_changed_outside_the_program(demo_path, label, statements, expected):
    _sqlite(demo_path, *statements)
    done = _check(demo_path)
    assert done.returncode == 1, f"{label}: {done.stdout}"
    assert expected in done.stdout and "结论：有问题" in done.stdout, label


def test_check_finds_the_newest_audit_rows_deleted_with_the_head_copied(demo_path):
    conn = sqlite3.connect(str(demo_path))
    top = conn.execute("SELECT max(id) FROM audit_log").fetchone()[0]
    conn.close()
    # Cut the last rows and make audit_head agree, as the attacker did.
    _sqlite(demo_path, f"DELETE FROM audit_log WHERE id > {top - 30}",
            "UPDATE audit_head SET last_id = (SELECT max(id) FROM audit_log), "
            "last_hash = (SELECT hash FROM audit_log ORDER BY id DESC LIMIT 1), "
            "row_count = (SELECT count(*) FROM audit_log)")
    done = _check(demo_path)
    assert done.returncode == 1, done.stdout
    assert "审计日志被截断或清空" in done.stdout


def test_check_finds_an_emptied_audit_log(demo_path):
    _sqlite(demo_path, "DELETE FROM audit_log", "UPDATE audit_head SET last_id = 0, last_hash = '" + "0" * 64 +
            "', row_count = 0")
    done = _check(demo_path)
    assert done.returncode == 1, done.stdout
    assert "被清空" in done.stdout


# ---- the county witnesses the chain -------------------------------------------------

def _rewrite_chain(path, from_id: int, edit_sql: str) -> None:
    """The issue's 'short script': edit an old audit row, then recompute every
    hash after it and the head, so the PC's own chain is consistent again."""
    conn = sqlite3.connect(str(path))
    conn.execute(edit_sql)
    rows = conn.execute("SELECT id, at, actor, action, table_name, row_key, before, after, row_hash FROM audit_log "
                        "WHERE id >= ? ORDER BY id", [from_id]).fetchall()
    prev = conn.execute("SELECT hash FROM audit_log WHERE id < ? ORDER BY id DESC LIMIT 1", [from_id]).fetchone()
    prev = prev[0] if prev else audit.GENESIS
    for rid, at, actor, action, table_name, row_key, before, after, row_hash in rows:
        h = audit._digest(prev, at, actor, action, table_name, row_key, before, after, row_hash)
        conn.execute("UPDATE audit_log SET prev_hash = ?, hash = ? WHERE id = ?", [prev, h, rid])
        prev = h
    conn.execute("UPDATE audit_head SET last_id = (SELECT max(id) FROM audit_log), last_hash = ?, "
                 "row_count = (SELECT count(*) FROM audit_log)", [prev])
    conn.commit()
    conn.close()


def _county_with_first_package(tmp_path):
    town_path = tmp_path / "town.db"
    town = make_township(town_path, "330106001", "甲镇")
    county = make_county(tmp_path / "county.db")
    first = handoff.export_package(town, tmp_path / "1.xzpkg", PASSWORD, CLI_ACTOR)
    summary = handoff.import_package(county, first.path, PASSWORD, CLI_ACTOR)
    assert not [n for n in summary.notes if n.startswith("警告")]
    close_database(town)
    return town_path, county


def test_a_rewritten_history_is_reported_at_the_next_import(tmp_path):
    town_path, county = _county_with_first_package(tmp_path)
    _rewrite_chain(town_path, 3, "UPDATE audit_log SET actor = 'someone-else' WHERE id = 3")
    assert _check(town_path).returncode == 0, "the PC alone cannot see a consistent rewrite"
    town = open_database(town_path)
    township.add_village(town, CLI_ACTOR, "新村", 9)
    second = handoff.export_package(town, tmp_path / "2.xzpkg", PASSWORD, CLI_ACTOR)
    close_database(town)
    summary = handoff.import_package(county, second.path, PASSWORD, CLI_ACTOR)
    assert any("历史记录被改写" in n for n in summary.notes), summary.notes
    logged = county.execute("SELECT count(*) FROM audit_log WHERE action = 'audit-witness-warning'").fetchone()[0]
    assert logged == 1


def test_a_truncated_history_is_reported_at_the_next_import(tmp_path):
    town_path, county = _county_with_first_package(tmp_path)
    conn = sqlite3.connect(str(town_path))
    top = conn.execute("SELECT max(id) FROM audit_log").fetchone()[0]
    conn.close()
    _sqlite(town_path, f"DELETE FROM audit_log WHERE id > {top - 3}",
            "UPDATE audit_head SET last_id = (SELECT max(id) FROM audit_log), "
            "last_hash = (SELECT hash FROM audit_log ORDER BY id DESC LIMIT 1), row_count = (SELECT count(*) FROM audit_log)")
    town = open_database(town_path)
    second = handoff.export_package(town, tmp_path / "2.xzpkg", PASSWORD, CLI_ACTOR)
    close_database(town)
    summary = handoff.import_package(county, second.path, PASSWORD, CLI_ACTOR)
    assert any("比县里上次见到的短" in n or "被改写" in n for n in summary.notes), summary.notes


# ---- packages prove their township -------------------------------------------------

def test_a_package_signed_by_another_database_is_refused(tmp_path):
    town = make_township(tmp_path / "a.db", "330106001", "甲镇")
    county = make_county(tmp_path / "county.db")
    handoff.import_package(county, handoff.export_package(town, tmp_path / "1.xzpkg", PASSWORD, CLI_ACTOR).path,
                           PASSWORD, CLI_ACTOR)
    # Someone who knows the (shared) password builds a database claiming 甲镇.
    forger = make_township(tmp_path / "forger.db", "330106001", "甲镇")
    forged = handoff.export_package(forger, tmp_path / "forged.xzpkg", PASSWORD, CLI_ACTOR, full=True)
    before = county.execute("SELECT count(*) FROM villages").fetchone()[0]
    with pytest.raises(signing.SignatureError, match="不是该乡镇登记的公钥"):
        handoff.import_package(county, forged.path, PASSWORD, CLI_ACTOR)
    assert county.execute("SELECT count(*) FROM villages").fetchone()[0] == before


def test_an_unsigned_or_resigned_package_is_refused(tmp_path):
    town = make_township(tmp_path / "a.db", "330106001", "甲镇")
    county = make_county(tmp_path / "county.db")
    good = handoff.export_package(town, tmp_path / "1.xzpkg", PASSWORD, CLI_ACTOR)
    opened = pkgfmt.open_package(good.path, PASSWORD)
    manifest = {k: v for k, v in opened.manifest.items() if k != "signature"}
    pkgfmt.write_package(tmp_path / "unsigned.xzpkg", manifest, opened.payload, PASSWORD)
    with pytest.raises(signing.SignatureError, match="没有乡镇签名"):
        handoff.import_package(county, tmp_path / "unsigned.xzpkg", PASSWORD, CLI_ACTOR)
    # A changed payload under the old signature.
    tampered = dict(opened.manifest)
    pkgfmt.write_package(tmp_path / "stale.xzpkg", {k: v for k, v in tampered.items() if k not in (
        "format_version", "payload_sha256", "payload_size", "cipher", "kdf", "chunk_size", "chunk_count",
        "nonce_prefix", "key_check")}, opened.payload + b"", PASSWORD)
    with pytest.raises(signing.SignatureError, match="签名无效"):
        handoff.import_package(county, tmp_path / "stale.xzpkg", PASSWORD, CLI_ACTOR)


def test_a_second_township_with_an_existing_code_is_refused_naming_both(tmp_path):
    county = make_county(tmp_path / "county.db")
    first = make_township(tmp_path / "a.db", "330106001", "甲镇")
    handoff.import_package(county, handoff.export_package(first, tmp_path / "a.xzpkg", PASSWORD, CLI_ACTOR).path,
                           PASSWORD, CLI_ACTOR)
    second = make_township(tmp_path / "b.db", "330106001", "乙镇")
    with pytest.raises(PackageError) as refused:
        handoff.import_package(county, handoff.export_package(second, tmp_path / "b.xzpkg", PASSWORD,
                                                              CLI_ACTOR).path, PASSWORD, CLI_ACTOR)
    assert "甲镇" in refused.value.message and "乙镇" in refused.value.message


def test_a_package_touching_another_townships_rows_is_refused(tmp_path):
    county = make_county(tmp_path / "county.db")
    a = make_township(tmp_path / "a.db", "330106001", "甲镇")
    handoff.import_package(county, handoff.export_package(a, tmp_path / "a.xzpkg", PASSWORD, CLI_ACTOR).path,
                           PASSWORD, CLI_ACTOR)
    victim = village_uuid(a, "甲镇第1村")
    b = make_township(tmp_path / "b.db", "330106002", "乙镇")
    # 乙镇's database gets a row carrying 甲镇's village uuid (written with SQLite).
    b.execute("UPDATE villages SET uuid = ?, deleted = 1, version = 99 WHERE rowid = (SELECT min(rowid) FROM villages)",
              [victim])
    b.conn.commit()
    package = handoff.export_package(b, tmp_path / "b.xzpkg", PASSWORD, CLI_ACTOR, full=True)
    with pytest.raises(PackageError, match="属于另一个乡镇"):
        handoff.import_package(county, package.path, PASSWORD, CLI_ACTOR)
    assert county.execute("SELECT deleted FROM villages WHERE uuid = ?", [victim]).fetchone() == (0,)


def test_a_ghost_township_needs_the_clerks_confirmation(tmp_path):
    ghost = make_township(tmp_path / "ghost.db", "330199999", "幽灵镇")
    package = handoff.export_package(ghost, tmp_path / "g.xzpkg", PASSWORD, CLI_ACTOR)
    fingerprint = signing.fingerprint(signing.own_public_key(ghost))
    county = make_county(tmp_path / "county.db")
    with pytest.raises(signing.UnconfirmedKeyError) as refused:
        handoff.import_package(county, package.path, PASSWORD, CLI_ACTOR, confirm_new_key=True)
    assert fingerprint in refused.value.message
    assert county.execute("SELECT count(*) FROM townships WHERE code = '330199999'").fetchone() == (0,)
    with pytest.raises(signing.UnconfirmedKeyError):
        handoff.import_package(county, package.path, PASSWORD, CLI_ACTOR, confirm_new_key=True,
                               accept_key="0000 1111 2222 3333 4444 5555 6666 7777")
    summary = handoff.import_package(county, package.path, PASSWORD, CLI_ACTOR, confirm_new_key=True,
                                     accept_key=fingerprint.lower().replace(" ", ""))
    assert any(fingerprint in n for n in summary.notes)
    assert signing.registered_key(county, "330199999")["fingerprint"] == fingerprint


def test_a_key_file_registers_the_township_before_its_first_package(tmp_path):
    town = make_township(tmp_path / "a.db", "330106001", "甲镇")
    (tmp_path / "key.json").write_text(signing.key_file_text(town, "330106001", "甲镇"), encoding="utf-8")
    county = make_county(tmp_path / "county.db")
    data = signing.read_key_file(tmp_path / "key.json")
    signing.register_key(county, data["township_code"], data["public_key"], CLI_ACTOR, "key file")
    package = handoff.export_package(town, tmp_path / "1.xzpkg", PASSWORD, CLI_ACTOR)
    summary = handoff.import_package(county, package.path, PASSWORD, CLI_ACTOR, confirm_new_key=True)
    assert summary.tables["villages"]["added"] == 3


def test_acknowledgements_beyond_what_the_township_sent_are_refused(tmp_path):
    town = make_township(tmp_path / "a.db", "330106001", "甲镇")
    county = make_county(tmp_path / "county.db")
    handoff.import_package(county, handoff.export_package(town, tmp_path / "1.xzpkg", PASSWORD, CLI_ACTOR).path,
                           PASSWORD, CLI_ACTOR)
    reference = handoff.export_package(county, tmp_path / "ref.xzpkg", PASSWORD, CLI_ACTOR)
    opened = pkgfmt.open_package(reference.path, PASSWORD)
    manifest = {k: v for k, v in opened.manifest.items() if k not in (
        "format_version", "payload_sha256", "payload_size", "cipher", "kdf", "chunk_size", "chunk_count",
        "nonce_prefix", "key_check", "signature")}
    manifest["acks"] = {"330106001": 10**9}
    # Signed with the county's own key: even the county cannot over-acknowledge.
    pkgfmt.write_package(tmp_path / "evil-ref.xzpkg", manifest, opened.payload, PASSWORD,
                         signer=signing.own_key(county))
    with pytest.raises(PackageError, match="确认超出了实际发出的数据"):
        handoff.import_package(town, tmp_path / "evil-ref.xzpkg", PASSWORD, CLI_ACTOR)
    assert town.execute("SELECT count(*) FROM handoff_acks").fetchone() == (0,)
    # The genuine one goes in, and the next export still carries new changes.
    handoff.import_package(town, reference.path, PASSWORD, CLI_ACTOR)
    township.add_village(town, CLI_ACTOR, "新村", 5)
    nxt = handoff.export_package(town, tmp_path / "2.xzpkg", PASSWORD, CLI_ACTOR)
    assert nxt.row_counts["villages"] == 1


def test_the_signature_covers_the_payload(tmp_path):
    town = make_township(tmp_path / "a.db", "330106001", "甲镇")
    result = handoff.export_package(town, tmp_path / "1.xzpkg", PASSWORD, CLI_ACTOR)
    manifest = pkgfmt.read_manifest(result.path)
    assert signing.verify_manifest(manifest) == signing.own_public_key(town)
    assert manifest["payload_sha256"] == hashlib.sha256(pkgfmt.open_package(result.path, PASSWORD).payload).hexdigest()
    forged = dict(manifest, payload_sha256="0" * 64)
    with pytest.raises(signing.SignatureError):
        signing.verify_manifest(forged)


def test_merged_rows_are_audited_per_row_and_the_county_checks_clean(tmp_path):
    town = make_township(tmp_path / "a.db", "330106001", "甲镇")
    county = make_county(tmp_path / "county.db")
    handoff.import_package(county, handoff.export_package(town, tmp_path / "1.xzpkg", PASSWORD, CLI_ACTOR).path,
                           PASSWORD, CLI_ACTOR)
    # Added rows: one bulk-seal audit row naming the package seals each of them (issue 22).
    merged = county.execute("SELECT id, after FROM audit_log WHERE action = 'bulk-seal' AND table_name = 'villages'"
                            ).fetchall()
    assert len(merged) == 1 and '"merge":"add"' in merged[0][1] and '"rows":3' in merged[0][1]
    assert county.execute("SELECT count(*) FROM row_seals WHERE table_name = 'villages' AND audit_id = ?",
                          [merged[0][0]]).fetchone() == (3,)
    assert audit.verify_rows(county) == []
    close_database(county)
    assert _check(tmp_path / "county.db").returncode == 0
