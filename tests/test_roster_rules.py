"""Every rule check of the leadership team, from the demo's compliant team."""

import datetime as dt
import shutil

import pytest

from models.core import records

from models.roster import team as roster

from models.roster import rules as roster_rules

from models.core import settings
from tests.roster_fixtures import roster_db_template


@pytest.fixture(scope="session")
def template(tmp_path_factory):
    return roster_db_template(tmp_path_factory)


@pytest.fixture
def admin():
    from models.core.users import ADMIN, Actor

    return Actor("admin", ADMIN, "管理员")


@pytest.fixture
def team_db(template, tmp_path):
    from models.core.db import close_database, open_database

    path = tmp_path / "team.db"
    shutil.copy(template, path)
    database = open_database(path, daily_backup=False)
    yield database
    close_database(database)


def codes(db):
    return [f["code"] for f in roster_rules.check(db)]


def member(db, role):
    return next(m for m in roster.current_team(db) if role in m["roles"])


def test_demo_has_exactly_one_deliberate_warning(team_db):
    findings = roster_rules.check(team_db)
    assert [f["code"] for f in findings] == ["overload"]
    assert findings[0]["text"].endswith("（依据《党政交叉任职调研报告》）")
    assert "4 项分工" in findings[0]["message"]


def test_check_hook_prints_source(team_db):
    out = roster_rules.check_findings(team_db)
    assert out == [("warning", out[0][1])] and "《党政交叉任职调研报告》" in out[0][1]


def test_overload_threshold_is_a_setting(team_db, admin):
    settings.set_value(team_db, "roster.max_duties", 4, admin)
    assert codes(team_db) == []


def test_team_size_against_quota(team_db, admin):
    settings.set_value(team_db, "roster.team_quota", 9, admin)
    found = roster_rules.check(team_db)
    assert any(f["code"] == "team_size" and "超过职数 9" in f["message"] for f in found)
    assert any(f["code"] == "committee_mix" for f in found)


def test_team_vacancy(team_db, admin):
    roster.leave_service(team_db, admin, member(team_db, "armed")["uuid"])
    found = roster_rules.check(team_db)
    assert any(f["code"] == "team_size" and "空缺 1" in f["message"] for f in found)


def test_composition_needs_deputy_secretary_as_npc_chair(team_db, admin):
    chair = member(team_db, "npc_chair")
    appt = next(a for a in roster.current_appointments(team_db, chair["uuid"]) if a["role"] == "deputy_secretary")
    roster.end_appointment(team_db, admin, appt["uuid"])
    found = roster_rules.check(team_db)
    assert any(f["code"] == "composition" and "副书记应为 3 人，现有 2 人" in f["message"] for f in found)
    assert any(f["code"] == "composition" and "人大主席团主席" in f["message"] for f in found)


def test_discipline_secretary_after_new_term_is_a_setting(team_db, admin):
    assert "discipline" not in codes(team_db)
    settings.set_value(team_db, "roster.new_term_discipline_separate", True, admin)
    found = roster_rules.check(team_db)
    assert any(f["code"] == "discipline" and "纪委书记仍兼任党委副书记" in f["message"] for f in found)


def test_duty_gap_and_overlap(team_db, admin):
    area = roster.add_duty_area(team_db, admin, "乡村振兴")
    assert any(f["code"] == "duty_gap" and "没有分管领导" in f["message"] for f in roster_rules.check(team_db))
    roster.assign_duty(team_db, admin, area, member(team_db, "deputy_head")["uuid"])
    roster.assign_duty(team_db, admin, area, member(team_db, "armed")["uuid"])
    assert any(f["code"] == "duty_gap" and "分工重叠" in f["message"] for f in roster_rules.check(team_db))


def test_top_leader_not_in_charge_of_finance(team_db, admin):
    finance = next(a for a in roster.duty_areas(team_db) if a["kind"] == "财政金融")
    top = member(team_db, "party_secretary")
    roster.set_duty(team_db, admin, finance["uuid"], finance["leaders"][0]["cadre_uuid"], None)
    roster.set_duty(team_db, admin, finance["uuid"], top["uuid"], "分管")
    found = roster_rules.check(team_db)
    assert any(f["code"] == "finance" and f["source"] == "001" for f in found)


def test_finance_areas_are_known_by_kind_not_a_flag(team_db, admin):
    # an area named freely but of a finance kind is caught; the kinds that count are a setting
    area = roster.add_duty_area(team_db, admin, "资金监管", kind="财政金融")
    roster.assign_duty(team_db, admin, area, member(team_db, "party_secretary")["uuid"])
    assert "finance" in codes(team_db)
    settings.set_value(team_db, "roster.finance_area_kinds", "经济发展", admin)
    assert "finance" not in codes(team_db)
    settings.set_value(team_db, "roster.finance_area_kinds", "钱", admin)
    assert any(f["code"] == "settings" and f["level"] == "error" for f in roster_rules.check(team_db))


def test_finance_rule_both_principal_leaders_is_a_setting(team_db, admin):
    # the demo's secretary is also 镇长 (一肩挑): give 镇长 to someone else, then let 镇长 hold finance
    secretary = member(team_db, "party_secretary")
    head_appt = next(a for a in roster.current_appointments(team_db, secretary["uuid"]) if a["role"] == "head")
    roster.end_appointment(team_db, admin, head_appt["uuid"])
    deputy = member(team_db, "exec_deputy_head")
    roster.appoint(team_db, admin, deputy["uuid"], head_appt["post_uuid"], "2024-01")
    finance = next(a for a in roster.duty_areas(team_db) if a["kind"] == "财政金融")
    assert finance["leaders"][0]["cadre_uuid"] == deputy["uuid"]  # 常务副镇长 in charge, now also 镇长
    assert "finance" not in codes(team_db)
    settings.set_value(team_db, "roster.finance_rule", "principals", admin)
    found = [f for f in roster_rules.check(team_db) if f["code"] == "finance"]
    assert found and "镇长" in found[0]["message"]


def test_every_village_covered(team_db, admin):
    village = roster.village_coverage(team_db)[0]
    for link in village["liaisons"]:
        roster.remove_liaison(team_db, admin, link["uuid"])
    found = roster_rules.check(team_db)
    assert any(f["code"] == "villages" and village["name"] in f["message"] for f in found)


def test_at_least_one_woman(team_db, admin):
    for m in roster.current_team(team_db):
        if m["sex"] == "女":
            records.update(team_db, "cadres", m["uuid"], {"sex": "男"}, admin)  # bypass ID check on purpose
    assert "women" in codes(team_db)


@pytest.mark.parametrize("sex,nomination,age,flagged", [
    ("男", "继续提名", 57, False), ("男", "继续提名", 58, True), ("女", "继续提名", 53, True),
    ("男", "新提名", 55, False), ("男", "新提名", 56, True), ("女", "新提名", 50, False), ("女", "新提名", 51, True),
])
def test_nominee_age_limits(team_db, admin, sex, nomination, age, flagged):
    ref = dt.date(2026, 6, 30)
    settings.set_value(team_db, "roster.age_reference_date", ref.isoformat(), admin)
    birth = dt.date(ref.year - age, 1, 1).isoformat()
    roster.add_cadre(team_db, admin, {"name": "测试人", "sex": sex, "birth_date": birth, "nomination": nomination,
                                      "proposed_post": "副镇长"})
    assert ("age" in codes(team_db)) is flagged


def test_vacancy_and_over_establishment(team_db, admin):
    office = records.rows(team_db, "SELECT uuid, name FROM offices WHERE name = '财政所'")[0]
    roster.add_cadre(team_db, admin, {"name": "新来人", "staffing": "在编", "office_uuid": office["uuid"]})
    assert any(f["code"] == "vacancy" and "超编 1" in f["message"] for f in roster_rules.check(team_db))
    staff = [c for c in roster.list_cadres(team_db) if c["office_uuid"] == office["uuid"] and c["staffing"] == "在编"]
    roster.leave_service(team_db, admin, staff[0]["uuid"])
    roster.leave_service(team_db, admin, staff[1]["uuid"])
    assert any(f["code"] == "vacancy" and "缺编 1" in f["message"] for f in roster_rules.check(team_db))


def _team_of_002(db, admin):
    """Seed 002's 9 seats: 书记兼镇长; 副书记兼人大主席团主席和纪委书记, 副书记兼常务副镇长,
    副书记兼政协工作; 3 委员兼副镇长; 2 委员 (one 武装部长, one 妇联)."""
    posts = roster.create_standard_structure(db, admin)
    shape = [["党委书记", "镇长"], ["党委副书记", "人大主席团主席", "纪委书记"], ["党委副书记", "常务副镇长"],
             ["党委副书记", "政协联络员"], ["党委委员", "副镇长"], ["党委委员", "副镇长"], ["党委委员", "副镇长"],
             ["党委委员", "人武部部长"], ["党委委员", "妇联主席"]]
    for i, titles in enumerate(shape):
        cadre = roster.add_cadre(db, admin, {"name": f"干部{'一二三四五六七八九'[i]}", "sex": "女" if i == 8 else "男",
                                             "birth_date": "1980-05"})
        for title in titles:
            roster.appoint(db, admin, cadre, posts[title], "2021-06")


def test_seed_002_team_passes_its_preset(db, admin):
    _team_of_002(db, admin)
    assert "committee_mix" in codes(db)  # under [000]'s 11-seat default: the old permanent warning
    roster_rules.apply_preset(db, admin, "002")
    assert roster_rules.check(db) == []
    assert settings.get(db, "roster.rule_preset") == "002"


def test_seed_002_preset_catches_a_missing_combination(db, admin):
    _team_of_002(db, admin)
    roster_rules.apply_preset(db, admin, "002")
    cppcc = member(db, "cppcc")
    appt = next(a for a in roster.current_appointments(db, cppcc["uuid"]) if a["role"] == "cppcc")
    roster.end_appointment(db, admin, appt["uuid"])
    assert any(f["code"] == "composition" and "政协联络员" in f["message"] for f in roster_rules.check(db))


def test_quota_ten_is_not_flagged_within_the_county_range(team_db, admin):
    settings.set_value(team_db, "roster.team_quota", 10, admin)
    found = roster_rules.check(team_db)
    assert not any(f["code"] == "team_size" and "不是" in f["message"] for f in found)
    assert not any(f["code"] == "team_size" and "不在" in f["message"] for f in found)
    settings.set_value(team_db, "roster.team_seats_range", "9-11", admin)
    settings.set_value(team_db, "roster.team_quota", 8, admin)
    assert any(f["code"] == "team_size" and "不在县定范围 9–11" in f["message"] for f in roster_rules.check(team_db))


def test_committee_mix_is_a_setting(team_db, admin):
    settings.set_value(team_db, "roster.committee_deputy_heads", "3-4", admin)
    settings.set_value(team_db, "roster.committee_plain", "余", admin)
    assert "committee_mix" not in codes(team_db)
    settings.set_value(team_db, "roster.committee_deputy_heads", "三", admin)
    assert any(f["code"] == "settings" and "委员兼副镇长人数" in f["message"] for f in roster_rules.check(team_db))


def test_preset_refuses_a_quota_outside_its_range(db, admin):
    import pytest as _pytest

    from models.core.errors import ValidationError

    with _pytest.raises(ValidationError, match="不在"):
        roster_rules.apply_preset(db, admin, "002", quota=7)
    with _pytest.raises(ValidationError, match="没有"):
        roster_rules.apply_preset(db, admin, "999")


def test_county_rule_set_travels_in_the_reference_package(tmp_path, monkeypatch):
    """One rule set per county: the county sends it, the township adopts it."""
    import pytest as _pytest

    from models import handoff
    from models.core.errors import ValidationError
    from models.core.users import CLI_ACTOR
    from models.handoff import package as pkgfmt
    from tests.handoff_helpers import PASSWORD, close, make_county, make_township

    monkeypatch.setattr(pkgfmt, "SCRYPT_N", 2**10)
    town = make_township(tmp_path / "town.db", "330106001", "甲镇")
    county = make_county(tmp_path / "county.db")
    try:
        handoff.import_package(county, handoff.export_package(town, tmp_path / "t.xzpkg", PASSWORD, CLI_ACTOR).path,
                               PASSWORD, CLI_ACTOR)
        roster_rules.apply_preset(county, CLI_ACTOR, "002", quota=10)
        settings.set_value(county, "roster.max_duties", 5, CLI_ACTOR)  # not part of the county's rule set
        with _pytest.raises(ValidationError, match="县级汇总库"):
            roster_rules.send_county_rules(town, CLI_ACTOR)
        assert roster_rules.send_county_rules(county, CLI_ACTOR) == len(roster_rules.RULE_SET_KEYS)
        ref = handoff.export_package(county, tmp_path / "ref.xzpkg", PASSWORD, CLI_ACTOR)
        assert ref.row_counts["county_rules"] == len(roster_rules.RULE_SET_KEYS)
        summary = handoff.import_package(town, ref.path, PASSWORD, CLI_ACTOR)
        assert any("县里下发" in n for n in summary.notes)
        assert settings.get(town, "roster.team_quota") == 10
        assert settings.get(town, "roster.age_new_male") == 35 and settings.get(town, "roster.secretary_is_head")
        assert settings.get(town, "roster.rule_preset") == "县定"
        assert settings.get(town, "roster.max_duties") == 3
        # the election reads the same configuration
        from models.election import term as el

        assert el.age_limits(town)["new"]["男"] == 35 and el.age_limits(town)["incumbent"]["男"] is None
    finally:
        close(town)
        close(county)
