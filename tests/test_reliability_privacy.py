"""No full ID number or private mobile number leaves in anything public.

Every notice kind is published from the demo township and its PDF text is
scanned with models.core.personal.find_private_numbers, and also searched for
every ID number and mobile number the database actually holds (digits
joined across line breaks). The county's outputs are scanned the same way:
the reference package it sends back to every township, its comparison
figures and its ticket ledger (ID numbers masked there; the ledger keeps
applicants' phones on purpose, for callbacks).
"""

from __future__ import annotations

import datetime as dt
import re
import sqlite3

import pytest

from models.core import township

from models.core import users
from models.core.db import close_database, open_database
from models.core.errors import AppError
from models.core.personal import find_private_numbers
from models.core.users import CLI_ACTOR

notices = pytest.importorskip("models.notices.registry")
PASSWORD = "privacy-pass-123"
ID_RE = re.compile(r"\d{17}[0-9Xx]")
MOBILE_RE = re.compile(r"1[3-9]\d{9}")


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    from models.demo.township import DemoOptions, build_demo

    path = tmp_path_factory.mktemp("privacy") / "demo.db"
    db = open_database(path)
    build_demo(db, DemoOptions(seed=5, tickets=300))
    yield db
    close_database(db)


def _private_values(db) -> set[str]:
    """Every full ID number and mobile number stored anywhere in the database."""
    found = set()
    for (name,) in db.execute("SELECT name FROM sqlite_master WHERE type='table' AND name NOT LIKE 'sqlite_%' "
                              "AND name NOT LIKE '%_fts%' AND name != 'audit_log'").fetchall():
        cols = [r[1] for r in db.execute(f"PRAGMA table_info([{name}])")
                if r[2].upper() in ("TEXT", "") and r[1] not in ("uuid", "updated_at", "at", "hash")]
        for col in cols:
            for (value,) in db.execute(f"SELECT [{col}] FROM [{name}] WHERE [{col}] GLOB '*[0-9][0-9][0-9][0-9]*'"):
                if isinstance(value, str):
                    found.update(m for m in ID_RE.findall(value) if find_private_numbers(m))
                    found.update(MOBILE_RE.findall(value))
    return found


def _pdf_text(pdf: bytes) -> str:
    import io

    from pypdf import PdfReader

    return "\n".join(page.extract_text() or "" for page in PdfReader(io.BytesIO(pdf)).pages)


def _leaks(text: str, private: set[str]) -> list[str]:
    joined = re.sub(r"\s+", "", text)
    return sorted(set(find_private_numbers(text)) | {v for v in private if v in joined})


def _param_candidates(db, kind) -> list:
    today = dt.date.today()
    first_last = db.execute("SELECT min(received_date), max(received_date) FROM tickets").fetchone()
    ticket = db.execute("SELECT ticket_no FROM tickets WHERE deleted = 0 ORDER BY received_date DESC LIMIT 1").fetchone()
    periods = [f"{first_last[0]}..{first_last[1]}", str(today.year), f"{today.year}-{today.month:02d}",
               str(today.year - 1)]
    out = []
    if "ticket" in kind.needs:
        out.append(notices.NoticeParams(ticket=ticket[0]))
    elif "period" in kind.needs:
        out.extend(notices.NoticeParams(period=p) for p in periods)
    else:
        out.extend([notices.NoticeParams(date=today), notices.NoticeParams(date=dt.date(today.year, 1, 15))])
    return out


def test_demo_holds_private_numbers_to_look_for(demo):
    private = _private_values(demo)
    assert any(ID_RE.fullmatch(v) for v in private), "the scan needs ID numbers in the data"
    assert any(MOBILE_RE.fullmatch(v) for v in private), "the scan needs mobile numbers in the data"


def test_every_notice_is_free_of_private_numbers(demo):
    private = _private_values(demo)
    published, skipped, leaks = [], [], {}
    for kind in notices.kinds():
        result, why = None, ""
        for params in _param_candidates(demo, kind):
            try:
                result = notices.publish(demo, CLI_ACTOR, kind.key, params)
                break
            except AppError as e:
                why = e.message
        if result is None:
            skipped.append(f"{kind.key}（{why[:40]}）")
            continue
        text = _pdf_text(result.pdf)
        published.append(f"{kind.key}: {result.pages} 页, {len(text)} 字")
        found = _leaks(text, private)
        if found:
            leaks[kind.key] = found[:5]
    print(f"\nscanned {len(published)} notices against {len(private)} private numbers:")
    print("\n".join("  " + p for p in published))
    if skipped:
        print("not publishable from the demo data: " + "；".join(skipped))
    assert leaks == {}
    assert len(published) >= 8


@pytest.fixture(scope="module")
def county(demo, tmp_path_factory):
    """A county database holding the demo township's full package."""
    from models import handoff
    from models.core import settings

    folder = tmp_path_factory.mktemp("privacy-county")
    package = handoff.export_package(demo, folder, PASSWORD, CLI_ACTOR, full=True).path
    db = open_database(folder / "county.db")
    admin = users.create_user(db, "admin", "secret123", users.ADMIN, "管理员")
    township.set_identity(db, admin, name="临安区", code="330112", county="临安区")
    settings.set_value(db, "database_mode", "county", admin)
    handoff.import_package(db, package, PASSWORD, admin)
    yield db, folder
    close_database(db)


def test_county_reference_package_carries_no_township_personal_data(demo, county):
    from models import handoff
    from models.handoff.package import open_package

    db, folder = county
    private = _private_values(demo)
    assert private & _private_values(db), "the county holds the township's private numbers"
    result = handoff.export_package(db, folder / "reference.xzpkg", PASSWORD, CLI_ACTOR)
    payload = open_package(result.path, PASSWORD).payload
    conn = sqlite3.connect(":memory:")
    conn.deserialize(payload)
    text = []
    for (name,) in conn.execute("SELECT name FROM sqlite_master WHERE type='table'").fetchall():
        for row in conn.execute(f"SELECT * FROM [{name}]"):
            text.append(" ".join("" if v is None else str(v) for v in row))
    conn.close()
    print(f"\nreference package: {result.row_counts}")
    assert _leaks("\n".join(text), private) == []


def test_county_comparison_and_ledger_hide_id_numbers(demo, county, tmp_path):
    import openpyxl

    from models.handoff import county as county_mod
    from models.service import io as tickets_io

    db, _ = county
    private = _private_values(demo)
    rows = county_mod.comparison(db)
    assert _leaks(repr(rows), private) == []
    path = tmp_path / "ledger.xlsx"
    n = tickets_io.export_ledger(db, path, "2000-01-01", dt.date.today().isoformat())
    assert n > 0
    cells = []
    for row in openpyxl.load_workbook(path, read_only=True).active.iter_rows(values_only=True):
        cells.extend("" if v is None else str(v) for v in row)
    ids = [v for v in _leaks("\n".join(cells), private) if ID_RE.fullmatch(v)]
    assert ids == [], "the ledger masks ID numbers"


# ---- every shape of a private number, in every printed field ------------------------------

PRIVATE_FORMS = [
    "11010519491231002X",  # valid
    "330106199001011234",  # an area code python-stdnum rejects (the demo township's own)
    "110105194912310021",  # mistyped check digit
    "11010519491231002x", "110105491231002",  # lower-case x, the old 15-digit number
    "110105 19491231 002X", "１１０１０５１９４９１２３１００２Ｘ",  # grouped, full width
    "13812345678", "+86 13812345678", "+8613812345678", "0086-138-1234-5678", "138-1234-5678", "138 1234 5678",
    "１３８１２３４５６７８",
]
_STRUCTURAL = {"kind", "date", "start", "end", "received", "promised", "finished", "deadline", "check_date",
               "recheck_date", "signed_on", "birth_month", "party_join_date", "work_start_date", "uuid", "columns",
               "ticket_no", "notice_no", "period", "label"}


def _inject(value, forms, key=""):
    """Every printed string of a notice's data with the private forms appended."""
    if isinstance(value, dict):
        return {k: (v if k in _STRUCTURAL else _inject(v, forms, k)) for k, v in value.items()}
    if isinstance(value, list):
        return [_inject(v, forms, key) for v in value]
    if isinstance(value, str) and value:
        return value + "，联系" + "、".join(forms)
    return value


def _shape_leaks(text: str) -> list[str]:
    # not joined across white space: the digits of neighbouring table cells would make false 15-digit runs
    # (numbers are masked before lines are broken, so no whole number can hide across a line break)
    return sorted(set(find_private_numbers(text)))


def test_every_form_in_every_field_of_every_kind_is_masked(demo):
    """Whatever a clerk types into any field that a notice prints — an ID
    with a wrong check digit, a mobile with +86 or dashes, full-width digits
    — no notice kind prints it whole."""
    import datetime as dt_

    today = dt_.date.today()
    first, last = demo.execute("SELECT min(received_date), max(received_date) FROM tickets").fetchone()
    ticket = demo.execute("SELECT ticket_no FROM tickets WHERE deleted = 0 LIMIT 1").fetchone()[0]
    rendered, leaks = [], {}
    for kind in notices.kinds():
        if "ticket" in kind.needs:
            candidates = [notices.NoticeParams(ticket=ticket)]
        elif kind.area == "assess":
            candidates = [notices.NoticeParams(period=str(y)) for y in (today.year, today.year - 1)]
        elif "period" in kind.needs:
            candidates = [notices.NoticeParams(period=f"{first}..{last}")]
        else:
            candidates = [notices.NoticeParams()]
        data = None
        for params in candidates:
            try:
                data = notices.gather(demo, kind.key, params)
                break
            except AppError:
                continue
        if data is None:
            continue
        # a few forms per field keep the tables readable; every form reaches every kind
        for i in range(0, len(PRIVATE_FORMS), 7):
            pdf = notices.render(kind.key, _inject(data, PRIVATE_FORMS[i:i + 7]), "20261122-ABCDEF")
            found = _shape_leaks(_pdf_text(pdf))
            if found:
                leaks.setdefault(kind.key, []).extend(found[:3])
        rendered.append(kind.key)
    assert leaks == {}
    assert len(rendered) >= 12, rendered


def test_private_forms_typed_at_the_township_do_not_reach_the_county_reference(tmp_path):
    """Forms typed into a ticket's request text travel to the county with the
    township's data; the reference package the county sends back to every
    township, and its comparison figures, carry none of them."""
    from models import handoff
    from models.core import settings
    from models.demo.township import DemoOptions, build_demo
    from models.handoff import county as county_mod
    from models.handoff.package import open_package

    town = open_database(tmp_path / "town.db")
    build_demo(town, DemoOptions(seed=11, tickets=40))
    rows = town.execute("SELECT id FROM tickets ORDER BY id LIMIT ?", [len(PRIVATE_FORMS)]).fetchall()
    with town.atomic():
        for (row_id,), form in zip(rows, PRIVATE_FORMS, strict=False):
            town.execute("UPDATE tickets SET request_text = request_text || ? WHERE id = ?", [f" 联系电话{form}", row_id])
    package = handoff.export_package(town, tmp_path, PASSWORD, CLI_ACTOR, full=True).path
    close_database(town)
    county_db = open_database(tmp_path / "county.db")
    admin = users.create_user(county_db, "admin", "secret123", users.ADMIN, "管理员")
    township.set_identity(county_db, admin, name="临安区", code="330112", county="临安区")
    settings.set_value(county_db, "database_mode", "county", admin)
    handoff.import_package(county_db, package, PASSWORD, admin)
    try:
        held = " ".join(r[0] for r in county_db.execute("SELECT request_text FROM tickets"))
        assert _shape_leaks(held), "the county holds the township's records as typed"
        assert _shape_leaks(repr(county_mod.comparison(county_db))) == []
        result = handoff.export_package(county_db, tmp_path / "reference.xzpkg", PASSWORD, CLI_ACTOR)
        conn = sqlite3.connect(":memory:")
        conn.deserialize(open_package(result.path, PASSWORD).payload)
        text = []
        for (name,) in conn.execute("SELECT name FROM sqlite_master WHERE type='table'").fetchall():
            for row in conn.execute(f"SELECT * FROM [{name}]"):
                text.append(" ".join("" if v is None else str(v) for v in row))
        conn.close()
        assert _shape_leaks("\n".join(text)) == []
    finally:
        close_database(county_db)
