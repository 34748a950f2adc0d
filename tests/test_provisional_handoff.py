"""The county sends the official year in its reference package: the township
then lists its provisional promises for confirmation, and the county's 横向比较
shows which townships still run on a provisional year."""

import datetime as dt

import pytest

from handoff_helpers import PASSWORD, close, make_county, make_township
from models import handoff
from models.core.users import CLI_ACTOR, Actor, WINDOW
from models.handoff import county as county_view
from models.handoff import package as pkgfmt
from models.service import catalogue, holiday_notice, reconcile, tickets, workdays
from tests.test_holiday_notice import _notice_2027


@pytest.fixture(autouse=True)
def fast_kdf(monkeypatch):
    monkeypatch.setattr(pkgfmt, "SCRYPT_N", 2**10)


def test_reference_package_brings_the_official_year(tmp_path):
    town = make_township(tmp_path / "town.db", "330106001", "甲镇")
    county = make_county(tmp_path / "county.db")
    item = catalogue.add_item(town, CLI_ACTOR, {"department": "综治", "name": "信访事项办理", "time_limit_days": 30,
                                                "default_kind": "承办件"})
    t = tickets.create_ticket(town, Actor("window", WINDOW, "窗口 王丽"), {
        "applicant_name": "李四", "applicant_phone": "13800138000", "item_uuid": item, "request_text": "反映问题",
        "received_date": "2026-12-28"}, today=dt.date(2026, 12, 28))
    assert t["due_provisional"] == 1
    handoff.import_package(county, handoff.export_package(town, tmp_path / "1.xzpkg", PASSWORD, CLI_ACTOR).path,
                           PASSWORD, CLI_ACTOR)
    row = next(r for r in county_view.comparison(county, ref_date=dt.date(2026, 12, 29)) if r["code"] == "330106001")
    assert row["provisional_open"] == 1  # 甲镇 still promises on a provisional 2027

    # the county enters the State Council's notice and sends its reference package
    holiday_notice.save_notice(county, CLI_ACTOR, holiday_notice.parse_notice(_notice_2027(), 2027))
    ref = handoff.export_package(county, tmp_path / "ref.xzpkg", PASSWORD, CLI_ACTOR)
    handoff.import_package(town, ref.path, PASSWORD, CLI_ACTOR)
    assert 2027 in workdays.covered_years(town)
    [waiting] = reconcile.pending(town)
    assert (waiting["ticket_no"], waiting["old_due"], waiting["new_due"]) == (t["ticket_no"], "2027-02-11", "2027-02-16")
    reconcile.reconcile(town, CLI_ACTOR)

    # the next data package tells the county the township is on the official year now
    handoff.import_package(county, handoff.export_package(town, tmp_path / "2.xzpkg", PASSWORD, CLI_ACTOR).path,
                           PASSWORD, CLI_ACTOR)
    row = next(r for r in county_view.comparison(county, ref_date=dt.date(2026, 12, 29)) if r["code"] == "330106001")
    assert row["provisional_open"] == 0
    close(town)
    close(county)
