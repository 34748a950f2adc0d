"""Issue 20: rows a package brings are validated with the forms' validators,
all or nothing, the bad row named (table, uuid, field). The packages are
validly signed by a real township database whose rows were altered with
SQLite before the export (what a clerk with a SQLite tool could do)."""

from __future__ import annotations

import datetime as dt

import pytest
from openpyxl import load_workbook

from handoff_helpers import PASSWORD, make_county, make_township
from models import handoff
from models.core.db import close_database
from models.core.users import CLI_ACTOR
from models.handoff import package as pkgfmt
from models.handoff.row_checks import BadPackageRow


@pytest.fixture(autouse=True)
def fast_kdf(monkeypatch):
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


def _county_state(db) -> tuple:
    return (db.execute("SELECT count(*) FROM villages").fetchone()[0],
            db.execute("SELECT count(*) FROM audit_log").fetchone()[0],
            db.execute("SELECT count(*) FROM handoff_packages").fetchone()[0])


def _village(db) -> str:
    return db.execute("SELECT uuid FROM villages ORDER BY id LIMIT 1").fetchone()[0]


HOSTILE = [
    ("nul", "name", "第一\x00村", "控制字符"),
    ("escape", "name", "第一\x1b[31m村", "控制字符"),
    ("bell_in_note", "note", "备注\x07", "控制字符"),
    ("long_name", "name", "长" * 200_000, "不能超过 100 个字"),
    ("long_note", "note", "备" * 50_001, "不能超过 50000 个字"),
    ("delete_in_note", "note", "备注\x7f", "控制字符"),
    ("negative_households", "households", -5, "不能是负数"),
]


@pytest.mark.parametrize("case,column,value,expected", HOSTILE, ids=[c[0] for c in HOSTILE])
def test_hostile_row_refuses_the_whole_package_naming_the_row(town, county, tmp_path, case, column, value, expected):
    uuid = _village(town)
    # A second, good village change travels in the same package: it must not land either.
    town.execute(f"UPDATE villages SET [{column}] = ? WHERE uuid = ?", [value, uuid])
    path = handoff.export_package(town, tmp_path / f"{case}.xzpkg", PASSWORD, CLI_ACTOR, full=True).path
    before = _county_state(county)
    with pytest.raises(BadPackageRow) as refused:
        handoff.import_package(county, path, PASSWORD, CLI_ACTOR)
    message = refused.value.message
    assert "villages" in message and uuid in message and column in message and expected in message, message
    assert _county_state(county) == before, "nothing of the package was merged"


def test_impossible_date_is_refused(town, county, tmp_path):
    uuid = _village(town)
    town.execute("UPDATE villages SET updated_at = '9999-99-99T00:00:00' WHERE uuid = ?", [uuid])
    path = handoff.export_package(town, tmp_path / "date.xzpkg", PASSWORD, CLI_ACTOR, full=True).path
    with pytest.raises(BadPackageRow) as refused:
        handoff.import_package(county, path, PASSWORD, CLI_ACTOR)
    assert uuid in refused.value.message and "updated_at" in refused.value.message


def test_the_same_package_without_the_bad_row_imports(town, county, tmp_path):
    path = handoff.export_package(town, tmp_path / "good.xzpkg", PASSWORD, CLI_ACTOR, full=True).path
    summary = handoff.import_package(county, path, PASSWORD, CLI_ACTOR)
    assert summary.totals()["added"] > 0


def test_county_ledger_export_survives_a_control_character(county, tmp_path):
    """A ticket stored before this check (or typed in by an older version)
    with an escape character: the county's ledger export writes it as text."""
    from models.core import township
    from models.service import io as tickets_io

    township.add_village(county, CLI_ACTOR, "某村", 10)
    today = dt.date.today().isoformat()
    county.execute("INSERT INTO tickets (uuid, township_code, ticket_no, year, seq, channel, kind, received_date, due_date, "
                   "applicant_name, applicant_phone, request_text, status, version, updated_at, deleted) "
                   "VALUES ('t-esc', '330106001', 'T1', 2026, 1, '窗口', '即办件', ?, ?, ?, '13812345678', ?, '受理', 1, ?, 0)",
                   [today, today, "王\x1b芳", "办\x00低保\x07", dt.datetime.now().isoformat()])
    out = tmp_path / "县台帐.xlsx"
    n = tickets_io.export_ledger(county, out, "2000-01-01", "2100-12-31", actor=CLI_ACTOR)
    assert n == 1
    cells = [c for row in load_workbook(out).active.iter_rows(values_only=True) for c in row if c]
    assert any(isinstance(c, str) and c.startswith("王") for c in cells)


def test_the_decrypted_payload_goes_to_a_scratch_file_that_never_stays(town, county, tmp_path):
    """Issue 20 (memory): the import decrypts chunk by chunk into a file beside the
    database, attaches it, and removes it whether the package was taken or refused."""
    import hashlib

    good = handoff.export_package(town, tmp_path / "good.xzpkg", PASSWORD, CLI_ACTOR, full=True).path
    out = tmp_path / "payload.db"
    manifest = pkgfmt.open_package_to_file(good, PASSWORD, out)
    assert hashlib.sha256(out.read_bytes()).hexdigest() == manifest["payload_sha256"]
    folder = county.path.parent
    town.execute("UPDATE villages SET households = -1 WHERE uuid = ?", [_village(town)])
    bad = handoff.export_package(town, tmp_path / "bad.xzpkg", PASSWORD, CLI_ACTOR, full=True).path
    with pytest.raises(BadPackageRow):
        handoff.import_package(county, bad, PASSWORD, CLI_ACTOR)
    with pytest.raises(pkgfmt.WrongPasswordError):
        handoff.import_package(county, good, "not the password", CLI_ACTOR)
    handoff.import_package(county, good, PASSWORD, CLI_ACTOR)
    assert not list(folder.glob(".xzpkg-import-*")), "no decrypted payload is left beside the database"


REFUSED_CHARACTERS = [chr(c) for c in range(0x20) if chr(c) not in "\t\n\r"] + ["\x7f"]


def _screened_table(county, tmp_path, rows):
    """A package image (a real file) attached as pkg, its one table of (uuid, name, note, count) rows."""
    county.conn.execute("ATTACH DATABASE ? AS pkg", [str(tmp_path / "screened.db")])
    county.conn.execute("CREATE TABLE pkg.villages_like (uuid TEXT, name TEXT, note TEXT, households INTEGER)")
    county.conn.executemany("INSERT INTO pkg.villages_like VALUES (?, ?, ?, ?)", rows)


def test_every_control_character_in_any_text_column_is_found_and_named(county, tmp_path):
    """The screen of a package table searches one JSON text per row (issue 22): each refused character,
    in a name or a note, at the start, middle or end, among hundreds of good rows, is found, the row and
    field named; tab, line feed, carriage return and a typed backslash sequence are not."""
    from models.handoff import row_checks

    good = [(f"u{i}", f"第{i}村", "备注\t第一行\r\n第二行", i) for i in range(400)]
    _screened_table(county, tmp_path, good)
    try:
        row_checks.check_text_and_numbers(county, "pkg", ["villages_like"])
        for i, character in enumerate(REFUSED_CHARACTERS):
            column = "name" if i % 2 else "note"
            value = [f"{character}开头", f"中{character}间", f"结尾{character}"][i % 3]
            county.conn.execute(f"UPDATE pkg.villages_like SET [{column}] = ? WHERE uuid = 'u170'", [value])
            with pytest.raises(BadPackageRow) as refused:
                row_checks.check_text_and_numbers(county, "pkg", ["villages_like"])
            message = refused.value.message
            assert "u170" in message and column in message and "控制字符" in message, (hex(ord(character)), message)
            county.conn.execute("UPDATE pkg.villages_like SET name = '第170村', note = '备注' WHERE uuid = 'u170'")
        # Limits: a name of 101 characters, a note of 50,001 (the screen measures a row's JSON for the latter).
        for column, value, expected in (("name", "长" * 101, "100"), ("note", "备" * 50_001, "50000")):
            county.conn.execute(f"UPDATE pkg.villages_like SET [{column}] = ? WHERE uuid = 'u9'", [value])
            with pytest.raises(BadPackageRow) as refused:
                row_checks.check_text_and_numbers(county, "pkg", ["villages_like"])
            assert "u9" in refused.value.message and expected in refused.value.message, refused.value.message
            county.conn.execute(f"UPDATE pkg.villages_like SET [{column}] = '好' WHERE uuid = 'u9'")
        # Two notes of 30,000 characters each are within the limit (their row's JSON is longer than 50,000).
        county.conn.execute("ALTER TABLE pkg.villages_like ADD COLUMN remark TEXT")
        county.conn.execute("UPDATE pkg.villages_like SET note = ?, remark = ? WHERE uuid = 'u3'", ["备" * 30_000, "注" * 30_000])
        row_checks.check_text_and_numbers(county, "pkg", ["villages_like"])
        # A typed backslash before u00, b or f looks like an escaped control character in the JSON: a false
        # alarm, which the per-column conditions clear.
        county.conn.execute("UPDATE pkg.villages_like SET note = ? WHERE uuid = 'u5'", ["C:\\u0001\\b\\f\\\\u00"])
        row_checks.check_text_and_numbers(county, "pkg", ["villages_like"])
        # A BLOB in a text column is not text: the checks by column name leave it alone, as they did.
        county.conn.execute("UPDATE pkg.villages_like SET note = x'00011b7f' WHERE uuid = 'u4'")
        row_checks.check_text_and_numbers(county, "pkg", ["villages_like"])
    finally:
        county.conn.execute("DETACH DATABASE pkg")
