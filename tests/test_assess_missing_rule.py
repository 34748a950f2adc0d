"""Issue 16, point 3: missing data is handled by a PLAN setting. Each plan
carries its own rule (rescale / default / manual / zero); the setting
assess.missing_rule is only the office default a new plan starts with.
Expectations computed by hand in the comments."""

from __future__ import annotations

import gzip
import json
import shutil
import sqlite3
from pathlib import Path

import pytest

from models.assess import results as assess_results
from models.assess import scorecard as assess
from models.core import settings
from models.core.errors import ValidationError

FIXTURES = Path(__file__).resolve().parent / "fixtures"


def plan_with_unrated_person(db, admin, year, rule=None, name=None):
    """A 1000-point category: 工作 900, 群众满意率 100 (default 80 when it has
    no data). 甲 has 工作 810 in Q1 and no 满意率 (nobody rated him)."""
    plan = assess.create_plan(db, admin, year, name or f"{year}年度方案", standard=False, missing_rule=rule)
    cat = assess.add_category(db, admin, plan, "服务中心干部", standard=False)
    work = assess.add_item(db, admin, cat, "工作", "normal", 900)
    assess.add_item(db, admin, cat, "群众满意率", "normal", 100, source="service.satisfaction", default_points=80)
    person = assess.add_subject(db, admin, cat, "甲")
    assess.set_score(db, admin, "Q1", person, work, 810)
    return plan, person


def test_two_plans_with_different_rules_in_one_database(db, admin):
    assert settings.get(db, "assess.missing_rule") == "rescale"
    rescale, p1 = plan_with_unrated_person(db, admin, 2024)  # takes the office default
    default, p2 = plan_with_unrated_person(db, admin, 2025, "default")
    manual, p3 = plan_with_unrated_person(db, admin, 2026, "manual")
    assert [p["missing_rule"] for p in sorted(assess.plans(db), key=lambda p: p["year"])] == \
        ["rescale", "default", "manual"]
    summary = assess_results.recompute(db, period="Q1")  # every plan in one pass
    r1 = assess_results.result_of(db, rescale, "Q1", p1)
    r2 = assess_results.result_of(db, default, "Q1", p2)
    r3 = assess_results.result_of(db, manual, "Q1", p3)
    # rescale: 810 × 1000 / 900 = 900
    assert r1["total"] == 900 and r1["missing"] == "无数据 1 项（100 分），其余指标按 1000/900 折算"
    # default: 810 + the item's default 80 = 890
    assert r2["total"] == 890 and r2["missing"] == "无数据 1 项，按默认分计 80 分"
    # manual: waits for a score, shown as 待定
    assert r3["grade"] == "待定" and r3["missing"] == "无数据 1 项，须手工评分"
    assert any("1 人有指标无数据" in w for w in summary["warnings"])
    # the per-person detail (结果与本人见面) names the person's own plan's rule
    assert assess_results.result_detail(db, rescale, "Q1", p1)["missing_rule_label"] == "其余指标按比例折算到满分"
    assert assess_results.result_detail(db, default, "Q1", p2)["missing_rule_label"] == "给该指标的默认分"
    assert dict(assess_results.settings_summary(db, default))["指标无数据（本方案设定）"] == "给该指标的默认分"

    # changing one plan's rule recomputes that plan at once and leaves the others alone
    assert assess_results.change_plan(db, admin, rescale, missing_rule="zero") == {"missing_rule": "zero"}
    r1 = assess_results.result_of(db, rescale, "Q1", p1)
    assert r1["total"] == 810 and r1["missing"] == "无数据 1 项，计 0 分"  # 810 + 0, said
    assert assess_results.result_of(db, default, "Q1", p2)["total"] == 890
    assert assess_results.change_plan(db, admin, rescale, missing_rule="zero") == {}  # no change, no write

    # the office default only decides for plans created after it changes
    settings.set_value(db, "assess.missing_rule", "default", admin)
    later, p4 = plan_with_unrated_person(db, admin, 2027)
    copied = assess.copy_plan(db, admin, manual, 2028)
    assessed = assess_results.recompute(db, period="Q1")
    assert assessed["count"] == 4  # the copy has the people but no scores yet
    assert assess_results.result_of(db, later, "Q1", p4)["total"] == 890
    assert assess_results.result_of(db, rescale, "Q1", p1)["total"] == 810  # still its own 'zero'
    plans = {p["uuid"]: p for p in assess.plans(db)}
    assert plans[copied]["missing_rule"] == "manual"  # a copy keeps the source plan's rule


def test_a_bad_rule_is_refused_by_name_and_nothing_is_saved(db, admin):
    plan, _person = plan_with_unrated_person(db, admin, 2026, "default")
    with pytest.raises(ValidationError, match="指标无数据时"):
        assess_results.change_plan(db, admin, plan, name="改了名", missing_rule="half")
    row = db.execute("SELECT name, missing_rule, version FROM assess_plans WHERE uuid = ?", [plan]).fetchone()
    assert row == ("2026年度方案", "default", 1)
    with pytest.raises(ValidationError, match="指标无数据时"):
        assess.create_plan(db, admin, 2027, missing_rule="bogus")
    assert len(assess.plans(db)) == 1
    # the Chinese label and the short name are accepted, stored as the code
    assert assess.update_plan(db, admin, plan, missing_rule="计零") == {"missing_rule": "zero"}
    assert assess.update_plan(db, admin, plan, missing_rule="其余指标按比例折算到满分") == {"missing_rule": "rescale"}
    # a value written outside the program is refused at recompute, naming the plan (never guessed)
    with db.atomic():
        db.execute("UPDATE assess_plans SET missing_rule = 'half' WHERE uuid = ?", [plan])
    with pytest.raises(ValidationError, match="2026年度方案"):
        assess_results.recompute(db, plan)


def test_results_notice_shows_the_no_data_note_and_the_plans_rule(db, admin):
    from pypdf import PdfReader
    import io

    from models.core.users import ADMIN, Actor
    from models.notices import registry as notices

    plan, _person = plan_with_unrated_person(db, admin, 2026, "default")
    assess_results.recompute(db, plan)
    data = assess_results.results_for_notice(db, plan, "Q1")
    assert data["rows"][0]["missing"] == "无数据 1 项，按默认分计 80 分"
    assert data["missing_rule_label"] == "给该指标的默认分"
    result = notices.publish(db, Actor("admin", ADMIN, "管理员"), "assessment_results",
                             notices.NoticeParams(period="2026Q1"))
    text = "".join(p.extract_text() or "" for p in PdfReader(io.BytesIO(result.pdf)).pages)
    text = text.replace("\n", "").replace(" ", "")  # a cell's text wraps inside the 备注 column
    for expected in ("无数据1项，按默认分计80分", "按本方案规定处理：给该指标的默认分", "890"):
        assert expected in text, text


def test_migration_gives_existing_plans_the_office_setting(tmp_path):
    """A database of the first release (plans without a rule), where the office
    had chosen 'default': after the upgrade its plan has 'default', and a new
    plan takes whatever the setting says then."""
    from models.core import users
    from models.core.db import close_database, open_database

    path = tmp_path / "township.db"
    with gzip.open(FIXTURES / "schema_v1" / "township.db.gz", "rb") as src, open(path, "wb") as out:
        shutil.copyfileobj(src, out)
    raw = sqlite3.connect(path)
    assert "missing_rule" not in {r[1] for r in raw.execute("PRAGMA table_info(assess_plans)")}
    raw.execute("INSERT INTO settings (key, value) VALUES ('assess.missing_rule', ?)", [json.dumps("default")])
    raw.commit()
    raw.close()
    db = open_database(path, daily_backup=False)
    try:
        assert [p["missing_rule"] for p in assess.plans(db)] == ["default"]
        admin = users.Actor("admin", users.ADMIN, "管理员")
        settings.set_value(db, "assess.missing_rule", "manual", admin)
        new = assess.create_plan(db, admin, 2030, standard=False)
        assert {p["uuid"]: p["missing_rule"] for p in assess.plans(db)}[new] == "manual"
        assert [p["missing_rule"] for p in assess.plans(db) if p["uuid"] != new] == ["default"]
    finally:
        close_database(db)


def test_the_rule_travels_with_the_plan_to_the_county(tmp_path, monkeypatch):
    """A real package: the township's two plans reach the county with their
    own rules, and the county's recompute gives the township's totals."""
    from handoff_helpers import PASSWORD, make_county, make_township
    from models import handoff
    from models.core.db import close_database
    from models.core.users import CLI_ACTOR
    from models.handoff import package as pkgfmt

    monkeypatch.setattr(pkgfmt, "SCRYPT_N", 2**10)  # cheap key derivation in tests
    town = make_township(tmp_path / "town.db", "330106001", "甲镇")
    county = make_county(tmp_path / "county.db")
    try:
        settings.set_value(county, "assess.missing_rule", "zero", CLI_ACTOR)  # the county's own default differs
        a, pa = plan_with_unrated_person(town, CLI_ACTOR, 2025)  # township default: rescale
        b, pb = plan_with_unrated_person(town, CLI_ACTOR, 2026, "default")
        first = handoff.export_package(town, tmp_path / "1.xzpkg", PASSWORD, CLI_ACTOR)
        handoff.import_package(county, first.path, PASSWORD, CLI_ACTOR)
        rules = dict(county.execute("SELECT uuid, missing_rule FROM assess_plans").fetchall())
        assert rules == {a: "rescale", b: "default"}
        # the import recomputed the township's results in the county, each plan by its own rule
        assert assess_results.result_of(county, a, "Q1", pa)["total"] == 900
        assert assess_results.result_of(county, b, "Q1", pb)["total"] == 890
        # an edit of the rule at the township reaches the county with the next package
        assess_results.change_plan(town, CLI_ACTOR, b, missing_rule="manual")
        second = handoff.export_package(town, tmp_path / "2.xzpkg", PASSWORD, CLI_ACTOR)
        handoff.import_package(county, second.path, PASSWORD, CLI_ACTOR)
        assert county.execute("SELECT missing_rule FROM assess_plans WHERE uuid = ?", [b]).fetchone()[0] == "manual"
        assess_results.recompute(county, b)
        assert assess_results.result_of(county, b, "Q1", pb)["grade"] == "待定"
    finally:
        close_database(town)
        close_database(county)


def test_command_line_creates_and_edits_the_plans_rule(db_path, db, cli_login, capsys):
    from cli import main as cli_main

    cli_login("admin", "secret123")
    assert cli_main(["assess", "new-plan", "--db", str(db_path), "--year", "2026", "--missing-rule", "默认分"]) == 0
    assert "指标无数据时：给该指标的默认分" in capsys.readouterr().out
    assert cli_main(["assess", "plans", "--db", str(db_path)]) == 0
    assert "无数据时：给该指标的默认分" in capsys.readouterr().out
    assert cli_main(["assess", "edit-plan", "--db", str(db_path), "--plan", "2026", "--missing-rule", "手工评分"]) == 0
    assert "指标无数据时改为：须手工评分（之前为待定）" in capsys.readouterr().out
    assert assess.plans(db)[0]["missing_rule"] == "manual"
    assert cli_main(["assess", "edit-plan", "--db", str(db_path), "--plan", "2026", "--missing-rule", "半分"]) != 0
    assert "指标无数据时" in capsys.readouterr().err
    assert assess.plans(db)[0]["missing_rule"] == "manual"


def test_a_package_with_an_unknown_rule_is_refused_whole(tmp_path, monkeypatch):
    """A plan row whose rule was edited with an SQLite tool before the export:
    the county refuses the whole package, naming the table, the row and the field."""
    from handoff_helpers import PASSWORD, make_county, make_township
    from models import handoff
    from models.core.db import close_database
    from models.core.users import CLI_ACTOR
    from models.handoff import package as pkgfmt
    from models.handoff.row_checks import BadPackageRow

    monkeypatch.setattr(pkgfmt, "SCRYPT_N", 2**10)
    town = make_township(tmp_path / "town.db", "330106001", "甲镇")
    county = make_county(tmp_path / "county.db")
    try:
        plan, _person = plan_with_unrated_person(town, CLI_ACTOR, 2026)
        with town.atomic():
            town.execute("UPDATE assess_plans SET missing_rule = 'half' WHERE uuid = ?", [plan])
        package = handoff.export_package(town, tmp_path / "bad.xzpkg", PASSWORD, CLI_ACTOR)
        with pytest.raises(BadPackageRow) as refused:
            handoff.import_package(county, package.path, PASSWORD, CLI_ACTOR)
        message = refused.value.message
        assert "assess_plans" in message or "考核方案" in message, message
        assert plan in message and "指标无数据时" in message, message
        for table in ("assess_plans", "assess_items", "assess_scores"):  # nothing of the package merged
            assert county.execute(f"SELECT count(*) FROM {table}").fetchone()[0] == 0, table
    finally:
        close_database(town)
        close_database(county)
