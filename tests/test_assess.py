"""Assessment models against hand-computed examples (no Qt)."""

import pytest

from models.assess import scorecard as assess

from models.assess import results as assess_results

from models.core import records

from models.core import settings
from models.core.errors import PermissionDenied, ValidationError


@pytest.fixture
def small(db, admin):
    """A 100-point category:
        A (group 60) = a1 30 + a2 30;  b 30;  测评 10 (from ballots)
        bonus 表彰 15, 创新 15 (category cap 10); deduction 失误 30 (cap 20);
        veto 安全生产. Grade lines 90 / 75 / 60. Village-stationed.
    Only 甲 has ballots: the others' missing 测评 counts 0 here (missing rule
    'zero', said in the result), so the hand sums below stay simple."""
    for key, value in (("assess.grade_excellent", 90), ("assess.grade_competent", 75), ("assess.grade_basic", 60),
                       ("assess.missing_rule", "zero")):
        settings.set_value(db, key, value, admin)
    plan = assess.create_plan(db, admin, 2026, "测试方案", standard=False)
    cat = assess.add_category(db, admin, plan, "驻村干部", total_points=100, bonus_cap=10, deduction_cap=20,
                              village_stationed=True, standard=False)
    group = assess.add_item(db, admin, cat, "A", "group", 60)
    ids = {
        "a1": assess.add_item(db, admin, cat, "a1", "normal", 30, parent_uuid=group),
        "a2": assess.add_item(db, admin, cat, "a2", "normal", 30, parent_uuid=group),
        "b": assess.add_item(db, admin, cat, "b", "normal", 30),
        "ballot": assess.add_item(db, admin, cat, "测评", "normal", 10, source="ballot"),
        "bonus1": assess.add_item(db, admin, cat, "表彰", "bonus", 15),
        "bonus2": assess.add_item(db, admin, cat, "创新", "bonus", 15),
        "ded": assess.add_item(db, admin, cat, "失误", "deduction", 30),
        "veto": assess.add_item(db, admin, cat, "安全生产", "veto", 0),
    }
    ids["group"] = group
    people = {n: assess.add_subject(db, admin, cat, n) for n in ("甲", "乙", "丙", "丁", "戊")}
    return {"plan": plan, "cat": cat, "items": ids, "people": people}


def enter_example(db, admin, s, period="Q1"):
    i, p = s["items"], s["people"]
    cells = [
        (p["甲"], i["a1"], 30, ""), (p["甲"], i["a2"], 30, ""), (p["甲"], i["b"], 30, ""),
        (p["甲"], i["bonus1"], 12, "县级表彰"), (p["甲"], i["bonus2"], 8, ""),
        (p["乙"], i["a1"], 29, ""), (p["乙"], i["a2"], 29, ""), (p["乙"], i["b"], 30, ""), (p["乙"], i["bonus1"], 5, ""),
        (p["丙"], i["a1"], 30, ""), (p["丙"], i["a2"], 30, ""), (p["丙"], i["b"], 30, ""), (p["丙"], i["ded"], 25, ""),
        (p["丁"], i["a1"], 30, ""), (p["丁"], i["a2"], 30, ""), (p["丁"], i["b"], 30, ""),
        (p["丁"], i["veto"], "是", "发生安全事故"),
        (p["戊"], i["a1"], 28, ""), (p["戊"], i["a2"], 28, ""), (p["戊"], i["b"], 28, ""),
    ]
    assert assess.set_scores(db, admin, period, cells) == len(cells)
    # 甲's ballots: leaders 10/10 优秀 → 100; cadres 10 优秀 + 10 称职 of 20 → 90;
    # public 20/20/5/5 of 50 → (2000+1600+300)/50 = 78.  0.3·100 + 0.3·90 + 0.4·78 = 88.2
    assess.set_ballot(db, admin, period, p["甲"], "leaders", 10, excellent=10)
    assess.set_ballot(db, admin, period, p["甲"], "cadres", 20, excellent=10, competent=10)
    assess.set_ballot(db, admin, period, p["甲"], "public", 50, excellent=20, competent=20, basic=5, incompetent=5)


def by_name(rows):
    return {r["person_name"]: r for r in rows}


def test_standard_plan_adds_up(db, admin):
    plan = assess.create_plan(db, admin, 2026)
    assert assess.plan_problems(db, plan) == []
    cats = assess.categories(db, plan)
    assert [c["name"] for c in cats][:3] == ["班子主要领导", "分管领导", "驻村干部"]
    kinds = {it["kind"] for it in assess.items(db, cats[0]["uuid"])}
    assert kinds == {"group", "normal", "bonus", "deduction", "veto"}


def test_hand_computed_results_veto_cap_quota(db, admin, small):
    enter_example(db, admin, small)
    summary = assess_results.recompute(db, small["plan"], "Q1")
    rows = by_name(assess_results.results(db, small["plan"], "Q1"))
    # 甲: 90 + ballot 10 × 0.882 = 8.82 + bonus 12+8=20 capped at 10 → 108.82
    assert rows["甲"]["ballot_points"] == pytest.approx(8.82)
    assert rows["甲"]["bonus"] == 10
    assert rows["甲"]["total"] == pytest.approx(108.82)
    # 乙: 88 + 5 = 93 — 优秀 by the line, but 20 % of 5 people allows only 1 → cut to 称职
    assert rows["乙"]["total"] == pytest.approx(93)
    assert rows["乙"]["grade"] == "称职" and rows["乙"]["quota_cut"] == 1
    assert rows["甲"]["grade"] == "优秀"
    assert any("超过比例" in w for w in summary["warnings"])
    # 丙: 90 − deduction 25 capped at 20 → 70 → 基本称职
    assert rows["丙"]["deduction"] == 20 and rows["丙"]["total"] == pytest.approx(70)
    assert rows["丙"]["grade"] == "基本称职"
    # 丁: 90 but vetoed → 不称职, ranked last; 末位 is a year-end flag, not a quarterly one
    assert rows["丁"]["total"] == pytest.approx(90)
    assert rows["丁"]["vetoed"] == 1 and rows["丁"]["grade"] == "不称职"
    assert rows["丁"]["veto_items"] == "安全生产"
    assert rows["丁"]["rank"] == 5 and rows["丁"]["last_place"] == 0
    assert [rows[n]["rank"] for n in ("甲", "乙", "戊", "丙")] == [1, 2, 3, 4]
    assert rows["戊"]["grade"] == "称职" and rows["戊"]["last_place"] == 0
    assert assess_results.grade_counts(db, small["plan"], "Q1") == {"优秀": 1, "称职": 2, "基本称职": 1, "不称职": 1}


def test_quota_warn_mode_keeps_grade(db, admin, small):
    settings.set_value(db, "assess.quota_mode", "warn", admin)
    enter_example(db, admin, small)
    summary = assess_results.recompute(db, small["plan"], "Q1")
    rows = by_name(assess_results.results(db, small["plan"], "Q1"))
    assert rows["乙"]["grade"] == "优秀" and rows["乙"]["quota_cut"] == 0
    assert summary["warnings"] and "请调整" in summary["warnings"][0]
    assert assess_results.quota_warnings(db, small["plan"], "Q1")


def test_year_falls_back_on_quarter_average_and_veto_carries(db, admin, small):
    i, p = small["items"], small["people"]
    assess.set_scores(db, admin, "Q1", [(p["戊"], i["a1"], 20, ""), (p["戊"], i["b"], 30, "")])
    assess.set_scores(db, admin, "Q2", [(p["戊"], i["a1"], 30, ""), (p["戊"], i["b"], 30, ""),
                                        (p["戊"], i["veto"], "是", "")])
    assess_results.recompute(db, small["plan"])
    year = by_name(assess_results.results(db, small["plan"], "Y"))
    assert year["戊"]["total"] == pytest.approx((50 + 60) / 2)
    assert year["戊"]["vetoed"] == 1
    q1 = by_name(assess_results.results(db, small["plan"], "Q1"))
    assert q1["戊"]["vetoed"] == 0


def test_score_above_max_refuses_whole_batch(db, admin, small):
    i, p = small["items"], small["people"]
    with pytest.raises(ValidationError, match="超过该项满分 30"):
        assess.set_scores(db, admin, "Q1", [(p["甲"], i["a1"], 20, ""), (p["甲"], i["a2"], 31, "")])
    assert db.execute("SELECT count(*) FROM assess_scores").fetchone()[0] == 0
    with pytest.raises(ValidationError, match="第 2 行"):
        assess.set_scores(db, admin, "Q1", [(p["甲"], i["a1"], 20, ""), (p["甲"], i["a2"], "abc", "")])
    with pytest.raises(ValidationError, match="不能为负"):
        assess.set_score(db, admin, "Q1", p["甲"], i["a1"], -1)
    with pytest.raises(ValidationError, match="民主测评"):
        assess.set_score(db, admin, "Q1", p["甲"], i["ballot"], 5)
    with pytest.raises(ValidationError, match="分组不能"):
        assess.set_score(db, admin, "Q1", p["甲"], i["group"], 5)
    with pytest.raises(ValidationError, match="考核期"):
        assess.set_score(db, admin, "H2", p["甲"], i["a1"], 5)


def test_score_edit_and_clear_are_audited(db, admin, small):
    i, p = small["items"], small["people"]
    assess.set_score(db, admin, "Q1", p["甲"], i["a1"], 25, "初评")
    assess.set_score(db, admin, "Q1", p["甲"], i["a1"], "26.5", "复核")
    grid = assess.score_grid(db, small["cat"], "Q1")
    assert grid["cells"][(p["甲"], i["a1"])] == {"points": 26.5, "reason": "复核", "source": ""}
    assess.set_score(db, admin, "Q1", p["甲"], i["a1"], "")
    assert assess.score_grid(db, small["cat"], "Q1")["cells"] == {}
    actions = [r["action"] for r in db.execute("SELECT action FROM audit_log WHERE table_name = 'assess_scores'")
               .fetchall() for r in [{"action": r[0]}]]
    assert actions == ["insert", "update", "delete"]


def test_window_staff_cannot_score(db, small, actor_of):
    window = actor_of("window")
    with pytest.raises(PermissionDenied):
        assess.set_score(db, window, "Q1", small["people"]["甲"], small["items"]["a1"], 10)
    with pytest.raises(PermissionDenied):
        assess.set_ballot(db, window, "Q1", small["people"]["甲"], "public", 10, excellent=5)
    with pytest.raises(PermissionDenied):
        assess.create_plan(db, window, 2027)
    assess.set_score(db, actor_of("assess"), "Q1", small["people"]["甲"], small["items"]["a1"], 10)


def test_ballot_counts_checked(db, admin, small):
    p = small["people"]["甲"]
    with pytest.raises(ValidationError, match="超过参评人数"):
        assess.set_ballot(db, admin, "Y", p, "public", 10, excellent=11)
    with pytest.raises(ValidationError, match="不能为负"):
        assess.set_ballot(db, admin, "Y", p, "public", 10, basic=-1)
    with pytest.raises(ValidationError, match="合计 12 超过参评人数 10"):
        assess.set_ballot(db, admin, "Y", p, "public", 10, excellent=6, competent=6)
    with pytest.raises(ValidationError, match="测评组别"):
        assess.set_ballot(db, admin, "Y", p, "bosses", 10)
    assert db.execute("SELECT count(*) FROM assess_ballots").fetchone()[0] == 0
    assert assess.ballot_score({"public": {"voters": 4, "excellent": 2, "competent": 1, "basic": 0,
                                           "incompetent": 1}}, assess.ballot_weights(db)) == pytest.approx(70)


def test_tree_sums_named_and_replace_refused(db, admin, small):
    assert assess.tree_problems(db, small["cat"]) == []
    assess.add_item(db, admin, small["cat"], "a3", "normal", 10, parent_uuid=small["items"]["group"])
    problems = assess.tree_problems(db, small["cat"])
    assert any("“A”下级指标合计 70 分" in m for m in problems)
    bad = [{"name": "德", "kind": "group", "max_points": 50,
            "children": [{"name": "政治", "kind": "normal", "max_points": 30}]},
           {"name": "绩", "kind": "normal", "max_points": 50}]
    before = db.execute("SELECT count(*) FROM assess_items WHERE deleted = 0").fetchone()[0]
    with pytest.raises(ValidationError, match="“德”下级指标合计 30 分"):
        assess.replace_tree(db, admin, small["cat"], bad)
    assert db.execute("SELECT count(*) FROM assess_items WHERE deleted = 0").fetchone()[0] == before


def test_appeal_upheld_changes_score_and_logs(db, admin, small):
    enter_example(db, admin, small)
    assess_results.recompute(db, small["plan"], "Q1")
    p, i = small["people"], small["items"]
    appeal = assess.file_appeal(db, admin, p["戊"], "Q1", "a1 漏记一项完成的任务", filed_on="2026-04-10")
    done = assess_results.resolve_appeal(db, admin, appeal, True, "复核属实，补记 2 分", [(i["a1"], 30, "申诉复核")])
    assert done["status"] == "upheld"
    assert "a1：28 → 30" in done["change_log"] and "总分 84 → 86" in done["change_log"]
    assert assess_results.result_of(db, small["plan"], "Q1", p["戊"])["total"] == pytest.approx(86)
    with pytest.raises(ValidationError, match="已处理"):
        assess_results.resolve_appeal(db, admin, appeal, False, "再处理")


def test_targets_checks_and_supervision_notice(db, admin, small):
    t = assess.add_target(db, admin, small["plan"], "青石村", "新修村道 2 公里", "争取项目资金",
                          deadline="2026-09-30", quarters=("测量", "招标", "施工", "验收"), signed_on="2026-02-01",
                          owner_kind="village")
    with pytest.raises(ValidationError, match="复查日期"):
        assess.record_check(db, admin, t, "2026-10-08", "考核办 陈强", met=False, evidence="只修了 1.2 公里")
    assess.record_check(db, admin, t, "2026-10-08", "考核办 陈强", met=False, evidence="只修了 1.2 公里",
                        recheck_date="2026-11-08")
    notice = assess_results.supervision_notice(db, t)
    assert notice["notice_no"] == "2026-001"
    assert notice["owner"] == "青石村" and notice["recheck_date"] == "2026-11-08"
    assert notice["finding"] == "只修了 1.2 公里"
    assert assess.targets(db, small["plan"], status="unmet")[0]["last_result"] == "未达标"
    commitments = assess_results.commitments_for_notice(db, 2026)
    assert commitments["rows"][0]["quarters"] == ["测量", "招标", "施工", "验收"]


def test_results_for_notice_has_no_private_numbers(db, admin, small):
    enter_example(db, admin, small)
    assess_results.recompute(db, small["plan"])
    data = assess_results.results_for_notice(db, small["plan"], "Q1")
    assert data["title"].startswith("2026年第一季度")
    assert [r["name"] for r in data["rows"]][:2] == ["甲", "乙"]
    assert data["supervision_phone"] == "0571-12345678"


def test_copy_plan_keeps_tree_and_people(db, admin, small):
    new = assess.copy_plan(db, admin, small["plan"], 2027)
    cats = assess.categories(db, new)
    assert len(cats) == 1 and assess.tree_problems(db, cats[0]["uuid"]) == []
    assert len(assess.subjects(db, cats[0]["uuid"])) == 5
    assert records.get(db, "assess_plans", new)["origin"] == "copied"


def test_derived_scores_without_other_domains_say_so(db, admin):
    plan = assess.create_plan(db, admin, 2026)
    messages = assess.pull_derived_scores(db, admin, plan, "Q1")
    assert messages[0].startswith("已从其他模块取得")


def test_half_year_uses_quarters_plus_panel_ballots(db, admin, small):
    i, p = small["items"], small["people"]
    assess.set_scores(db, admin, "Q1", [(p["甲"], i["a1"], 20, ""), (p["甲"], i["b"], 30, "")])
    assess.set_scores(db, admin, "Q2", [(p["甲"], i["a1"], 30, ""), (p["甲"], i["b"], 30, "")])
    assess.set_scores(db, admin, "Q3", [(p["甲"], i["veto"], "是", "")])
    # 群众监评会 in H1: 10 voters, 5 优秀 5 称职 → 90 → 10 × 0.9 = 9 points
    assess.set_ballot(db, admin, "H1", p["甲"], "public", 10, excellent=5, competent=5)
    assess_results.recompute(db, small["plan"], "H1")
    h1 = assess_results.result_of(db, small["plan"], "H1", p["甲"])
    assert h1["total"] == pytest.approx((50 + 60) / 2 + 9)
    assert h1["vetoed"] == 0  # the Q3 veto belongs to the second half


def test_trigger_kept_sums_match_a_fresh_aggregate(db, admin, small):
    enter_example(db, admin, small)
    i, p = small["items"], small["people"]
    assess.set_score(db, admin, "Q1", p["甲"], i["a1"], 10)
    assess.set_score(db, admin, "Q1", p["乙"], i["a2"], "")
    assess.update_item(db, admin, i["bonus2"], "创新", "deduction", 15)  # moves 甲's 8 points to deductions
    assess.delete_item(db, admin, i["ded"])
    fresh = db.execute(
        "SELECT s.plan_uuid, s.period, s.subject_uuid, CASE WHEN it.source = 'ballot' THEN 'ballot' ELSE it.kind END, "
        "round(SUM(s.points), 6), COUNT(*) FROM assess_scores s JOIN assess_items it ON it.uuid = s.item_uuid "
        "WHERE s.deleted = 0 AND it.deleted = 0 GROUP BY 1, 2, 3, 4 ORDER BY 1, 2, 3, 4").fetchall()
    kept = db.execute("SELECT plan_uuid, period, subject_uuid, kind, round(total, 6), n FROM assess_score_sums "
                      "WHERE n > 0 ORDER BY 1, 2, 3, 4").fetchall()
    assert kept == fresh
    assess_results.recompute(db, small["plan"], "Q1")
    row = assess_results.result_of(db, small["plan"], "Q1", p["甲"])
    assert row["bonus"] == 10 and row["deduction"] == 8  # 表彰 12 capped at 10; 创新 now deducts 8


def test_result_detail_lists_items_reasons_and_quarters(db, admin, small):
    enter_example(db, admin, small)
    assess_results.recompute(db, small["plan"])
    detail = assess_results.result_detail(db, small["plan"], "Q1", small["people"]["甲"])
    by_name = {line["name"]: line for line in detail["items"]}
    assert by_name["表彰"]["points"] == {"Q1": 12} and by_name["表彰"]["reasons"] == "县级表彰"
    assert detail["result"]["total"] == pytest.approx(108.82)
    year = assess_results.result_detail(db, small["plan"], "Y", small["people"]["甲"])
    assert year["periods_shown"] == ["Y", "Q1", "Q2", "Q3", "Q4"]
    a1 = {line["name"]: line for line in year["items"]}["a1"]
    assert a1["points"] == {"Q1": 30} and a1["value"] == 30 and a1["how"] == "季度平均（一季 30）= 30"


def test_plan_received_from_county_is_adopted(db, admin):
    county_plan = assess.create_plan(db, admin, 2027, "县级考核方案模板", township_code="330106000")
    adopted = assess.copy_plan(db, admin, county_plan, 2027, "本镇2027年方案", with_subjects=False)
    row = records.get(db, "assess_plans", adopted)
    assert row["origin"] == "county" and row["township_code"] == "330106001"
    assert assess.plan_problems(db, adopted) == []


def test_village_cadres_imported_from_roster(db, admin):
    from models.roster import team as roster
    from models.core import township

    v = township.add_village(db, admin, "青石村", 260)
    roster.add_village_official(db, admin, v, "赵书记", ["书记", "主任"])  # 一肩挑: paid as secretary
    roster.add_village_official(db, admin, v, "钱会计", ["会计"])
    roster.add_village_official(db, admin, v, "孙委员", ["委员"])
    plan = assess.create_plan(db, admin, 2026)
    cat = next(c for c in assess.categories(db, plan) if c["name"] == "村两委")
    assert assess.add_village_cadres_from_roster(db, admin, cat["uuid"]) == 2
    assert assess.add_village_cadres_from_roster(db, admin, cat["uuid"]) == 0
    people = {s["person_name"]: s for s in assess.subjects(db, cat["uuid"])}
    assert people["赵书记"]["role"] == "secretary" and people["钱会计"]["role"] == "accountant"
    assert people["赵书记"]["village_name"] == "青石村"


def test_results_notice_names_each_cadres_village_or_office(db, admin, small):
    """所在村/单位 on the results notice comes from the roster for cadres added
    from it: a 驻村 category shows the village, another the cadre's office."""
    from models.core import township
    from models.roster import team as roster

    office = records.insert(db, "offices", {"name": "财政所", "kind": "站所"}, admin)
    village = township.add_village(db, admin, "青石村", 300)
    stationed = roster.add_cadre(db, admin, {"name": "驻村甲", "office_uuid": office})
    roster.add_liaison(db, admin, village, stationed, kind="驻村")
    clerk = roster.add_cadre(db, admin, {"name": "所里乙", "office_uuid": office})
    general = assess.add_category(db, admin, small["plan"], "一般干部", total_points=100, standard=False)
    work = assess.add_item(db, admin, general, "工作", "normal", 100)
    assess.add_subjects_from_roster(db, admin, small["cat"], [stationed])
    assess.add_subjects_from_roster(db, admin, general, [clerk])
    enter_example(db, admin, small)
    mine = {s["person_name"]: s["uuid"] for c in (small["cat"], general) for s in assess.subjects(db, c)}
    assess.set_scores(db, admin, "Q1", [(mine["驻村甲"], small["items"]["b"], 20, ""), (mine["所里乙"], work, 80, "")])
    assess_results.recompute(db, small["plan"])
    places = {r["name"]: r["village"] for r in assess_results.results_for_notice(db, small["plan"], "Q1")["rows"]}
    assert places["驻村甲"] == "青石村"
    assert places["所里乙"] == "财政所"
    assert places["甲"] == ""  # typed by hand, not from the roster: nothing to name
