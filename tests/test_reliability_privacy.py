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
