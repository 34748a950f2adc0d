"""Issue 20: rows a package brings must pass each table's own form rules
(models/handoff/form_rules.py calls the forms' validators), not only the
checks by column name. A demo township edited with SQLite and then exported
(so the package is validly signed) is refused whole, naming table, uuid and
field; the unaltered demo township imports."""

from __future__ import annotations

import shutil

import pytest

from handoff_helpers import PASSWORD, make_county
from models import handoff
from models.core.db import close_database, open_database
from models.core.users import CLI_ACTOR
from models.handoff import package as pkgfmt
from models.handoff.row_checks import BadPackageRow


@pytest.fixture(autouse=True)
def fast_kdf(monkeypatch):
    monkeypatch.setattr(pkgfmt, "SCRYPT_N", 2**10)


@pytest.fixture(scope="module")
def demo_file(tmp_path_factory):
    from models.demo.township import DemoOptions, build_demo

    path = tmp_path_factory.mktemp("demo") / "demo.db"
    db = open_database(path)
    build_demo(db, DemoOptions(seed=11, tickets=400))
    close_database(db)
    return path


@pytest.fixture
def town(demo_file, tmp_path):
    path = tmp_path / "town.db"
    shutil.copyfile(demo_file, path)
    db = open_database(path, daily_backup=False)
    yield db
    close_database(db)


@pytest.fixture
def county(tmp_path):
    db = make_county(tmp_path / "county.db")
    yield db
    close_database(db)


def _one(db, sql):
    return db.execute(sql).fetchone()[0]


def _wrong_check_digit(db):
    uuid, number = db.execute("SELECT uuid, applicant_id_number FROM tickets WHERE applicant_id_number != '' "
                              "LIMIT 1").fetchone()
    last = "0" if number[-1] != "0" else "1"
    return uuid, "UPDATE tickets SET applicant_id_number = ? WHERE uuid = ?", [number[:-1] + last, uuid]


def _unknown_status(db):
    uuid = _one(db, "SELECT uuid FROM tickets LIMIT 1")
    return uuid, "UPDATE tickets SET status = '已作废' WHERE uuid = ?", [uuid]


def _finished_before_received(db):
    uuid = _one(db, "SELECT uuid FROM tickets WHERE finished_date IS NOT NULL LIMIT 1")
    return uuid, "UPDATE tickets SET finished_date = date(received_date, '-3 days') WHERE uuid = ?", [uuid]


def _due_before_received(db):
    uuid = _one(db, "SELECT uuid FROM tickets WHERE due_date IS NOT NULL LIMIT 1")
    return uuid, "UPDATE tickets SET due_date = date(received_date, '-1 days') WHERE uuid = ?", [uuid]


def _bad_phone(db):
    uuid = _one(db, "SELECT uuid FROM tickets LIMIT 1")
    return uuid, "UPDATE tickets SET applicant_phone = '12345' WHERE uuid = ?", [uuid]


def _unknown_channel(db):
    uuid = _one(db, "SELECT uuid FROM tickets LIMIT 1")
    return uuid, "UPDATE tickets SET channel = '托梦' WHERE uuid = ?", [uuid]


def _long_request(db):
    uuid = _one(db, "SELECT uuid FROM tickets LIMIT 1")
    return uuid, "UPDATE tickets SET request_text = ? WHERE uuid = ?", ["诉" * 2001, uuid]


def _event_status(db):
    uuid = _one(db, "SELECT uuid FROM ticket_events LIMIT 1")
    return uuid, "UPDATE ticket_events SET to_status = '销毁' WHERE uuid = ?", [uuid]


def _cadre_sex_against_id(db):
    uuid, sex = db.execute("SELECT uuid, sex FROM cadres WHERE id_number IS NOT NULL AND id_number != '' "
                           "LIMIT 1").fetchone()
    return uuid, "UPDATE cadres SET sex = ? WHERE uuid = ?", ["女" if sex == "男" else "男", uuid]


def _cadre_id_check_digit(db):
    uuid, number = db.execute("SELECT uuid, id_number FROM cadres WHERE id_number IS NOT NULL AND id_number != '' "
                              "LIMIT 1").fetchone()
    last = "0" if number[-1] != "0" else "1"
    return uuid, "UPDATE cadres SET id_number = ? WHERE uuid = ?", [number[:-1] + last, uuid]


def _score_above_full_marks(db):
    uuid = _one(db, "SELECT s.uuid FROM assess_scores s JOIN assess_items i ON i.uuid = s.item_uuid "
                    "WHERE i.kind = 'normal' LIMIT 1")
    return uuid, ("UPDATE assess_scores SET points = (SELECT max_points + 5 FROM assess_items i "
                  "WHERE i.uuid = assess_scores.item_uuid) WHERE uuid = ?"), [uuid]


def _village_households(db):
    uuid = _one(db, "SELECT uuid FROM villages LIMIT 1")
    return uuid, "UPDATE villages SET households = 2000000 WHERE uuid = ?", [uuid]


CASES = [
    ("id_check_digit", _wrong_check_digit, "tickets", "applicant_id_number", "校验码"),
    ("unknown_status", _unknown_status, "tickets", "status", "已作废"),
    ("finished_before_received", _finished_before_received, "tickets", "finished_date", "早于受理日期"),
    ("due_before_received", _due_before_received, "tickets", "due_date", "早于受理日期"),
    ("bad_phone", _bad_phone, "tickets", "applicant_phone", "格式不正确"),
    ("unknown_channel", _unknown_channel, "tickets", "channel", "托梦"),
    ("long_request", _long_request, "tickets", "request_text", "2000"),
    ("event_status", _event_status, "ticket_events", "to_status", "销毁"),
    ("cadre_sex", _cadre_sex_against_id, "cadres", "性别", "不一致"),
    ("cadre_id", _cadre_id_check_digit, "cadres", "id_number", "校验码"),
    ("score_above_max", _score_above_full_marks, "assess_scores", "得分", "超过该项满分"),
    ("village_households", _village_households, "villages", "households", "100000"),
]


def test_the_unaltered_demo_township_passes_every_form_rule(town, county, tmp_path):
    path = handoff.export_package(town, tmp_path / "good.xzpkg", PASSWORD, CLI_ACTOR, full=True).path
    summary = handoff.import_package(county, path, PASSWORD, CLI_ACTOR)
    assert summary.tables["tickets"]["added"] == _one(town, "SELECT count(*) FROM tickets")
    assert summary.tables["cadres"]["added"] > 0 and summary.tables["assess_scores"]["added"] > 0


@pytest.mark.parametrize("case,alter,table,field,expected", CASES, ids=[c[0] for c in CASES])
def test_a_row_its_form_would_refuse_refuses_the_package(town, county, tmp_path, case, alter, table, field,
                                                         expected):
    uuid, sql, params = alter(town)
    town.execute(sql, params)
    path = handoff.export_package(town, tmp_path / f"{case}.xzpkg", PASSWORD, CLI_ACTOR, full=True).path
    before = (_one(county, "SELECT count(*) FROM tickets"), _one(county, "SELECT count(*) FROM audit_log"))
    with pytest.raises(BadPackageRow) as refused:
        handoff.import_package(county, path, PASSWORD, CLI_ACTOR)
    message = refused.value.message
    assert f"表 {table}" in message and uuid in message and field in message and expected in message, message
    assert (_one(county, "SELECT count(*) FROM tickets"), _one(county, "SELECT count(*) FROM audit_log")) == before


def test_a_landline_and_an_empty_id_number_are_what_the_form_takes(town, county, tmp_path):
    """Rows SQL only suspects (a landline is not a mobile) but the form's validator accepts pass."""
    uuid = _one(town, "SELECT uuid FROM tickets LIMIT 1")
    town.execute("UPDATE tickets SET applicant_phone = '0571-87654321', applicant_id_number = '' WHERE uuid = ?", [uuid])
    path = handoff.export_package(town, tmp_path / "landline.xzpkg", PASSWORD, CLI_ACTOR, full=True).path
    handoff.import_package(county, path, PASSWORD, CLI_ACTOR)
    assert _one(county, f"SELECT applicant_phone FROM tickets WHERE uuid = '{uuid}'") == "0571-87654321"


def _package_file_with_scores(county, tmp_path, scores_sql, params, items_sql="SELECT * FROM main.assess_items WHERE 0"):
    """A package image (a real file) attached as pkg: its assess_scores from `scores_sql`, its
    assess_items from `items_sql` (none: an incremental package whose indicators arrived before)."""
    path = tmp_path / "scores-only.db"
    county.conn.execute("ATTACH DATABASE ? AS pkg", [str(path)])
    county.conn.execute(f"CREATE TABLE pkg.assess_items AS {items_sql}")
    county.conn.execute(f"CREATE TABLE pkg.assess_scores AS {scores_sql}", params)


def test_a_score_is_held_to_the_full_marks_of_an_indicator_already_at_the_county(town, county, tmp_path):
    """The score's indicator is looked up in the package and, when it came in an earlier package,
    in the county (issue 22 joins both instead of eight look-ups per score): above full marks is refused
    naming the score, within full marks passes, a veto item's score must be 0 or 1."""
    from models.handoff import row_checks

    path = handoff.export_package(town, tmp_path / "first.xzpkg", PASSWORD, CLI_ACTOR, full=True).path
    handoff.import_package(county, path, PASSWORD, CLI_ACTOR)
    uuid, top = county.execute("SELECT s.uuid, i.max_points FROM assess_scores s JOIN assess_items i "
                               "ON i.uuid = s.item_uuid WHERE i.kind = 'normal' LIMIT 1").fetchone()
    _package_file_with_scores(county, tmp_path, "SELECT * FROM main.assess_scores WHERE uuid = ?", [uuid])
    try:
        county.conn.execute("UPDATE pkg.assess_scores SET points = ?", [top])
        row_checks.check_form_rules(county, "pkg", ["assess_items", "assess_scores"])  # full marks: taken
        county.conn.execute("UPDATE pkg.assess_scores SET points = ?", [top + 0.5])
        with pytest.raises(BadPackageRow) as refused:
            row_checks.check_form_rules(county, "pkg", ["assess_items", "assess_scores"])
        assert "表 assess_scores" in refused.value.message and uuid in refused.value.message
        assert "超过该项满分" in refused.value.message, refused.value.message
        # The same indicator in the package as a veto item: its score must be 0 or 1.
        item = county.execute("SELECT item_uuid FROM pkg.assess_scores").fetchone()[0]
        county.conn.execute("INSERT INTO pkg.assess_items SELECT * FROM main.assess_items WHERE uuid = ?", [item])
        county.conn.execute("UPDATE pkg.assess_items SET kind = 'veto', max_points = 1")
        county.conn.execute("UPDATE pkg.assess_scores SET points = 1")
        row_checks.check_form_rules(county, "pkg", ["assess_items", "assess_scores"])
        county.conn.execute("UPDATE pkg.assess_scores SET points = 0.5")
        with pytest.raises(BadPackageRow) as refused:
            row_checks.check_form_rules(county, "pkg", ["assess_items", "assess_scores"])
        assert uuid in refused.value.message, refused.value.message
    finally:
        county.conn.execute("DETACH DATABASE pkg")
