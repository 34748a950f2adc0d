"""Issue 16: results that hold at year end. Each test is one wrong result the
issue reports, with the expectation computed by hand in the comments."""

import datetime as dt

import pytest

from models.assess import results as assess_results
from models.assess import scorecard as assess
from models.core import settings
from models.core.errors import ValidationError


def by_name(rows):
    return {r["person_name"]: r for r in rows}


def one_item_plan(db, admin, names, stationed=False, categories=("干部",)):
    """A 1000-point category: 工作 1000 (normal, quarters averaged by default),
    bonus 上级表彰 (cap 30), veto 安全生产."""
    plan = assess.create_plan(db, admin, 2026, "测试方案", standard=False)
    out = {"plan": plan, "cats": {}, "items": {}, "people": {}}
    for cat_name in categories:
        cat = assess.add_category(db, admin, plan, cat_name, bonus_cap=30, deduction_cap=60,
                                  village_stationed=stationed, standard=False)
        out["cats"][cat_name] = cat
        out["items"][cat_name] = {
            "work": assess.add_item(db, admin, cat, "工作", "normal", 1000),
            "bonus": assess.add_item(db, admin, cat, "上级表彰", "bonus", 30),
            "veto": assess.add_item(db, admin, cat, "安全生产", "veto"),
        }
    for n in names:
        cat_name = categories[0] if isinstance(n, str) else n[1]
        name = n if isinstance(n, str) else n[0]
        out["people"][name] = assess.add_subject(db, admin, out["cats"][cat_name], name)
    return out


def quarters(db, admin, subject, item, values):
    for q, v in zip(assess.QUARTERS, values):
        assess.set_score(db, admin, q, subject, item, v)


# ---- 1. the year total is composed item by item ------------------------------------------

def test_year_end_bonus_adds_to_the_quarters_instead_of_replacing_them(db, admin):
    s = one_item_plan(db, admin, ["甲"])
    work, bonus = s["items"]["干部"]["work"], s["items"]["干部"]["bonus"]
    quarters(db, admin, s["people"]["甲"], work, [800, 820, 810, 810])  # average 810
    assess.set_score(db, admin, "Y", s["people"]["甲"], bonus, 10, "县级表彰")
    assess_results.recompute(db, s["plan"])
    year = assess_results.result_of(db, s["plan"], "Y", s["people"]["甲"])
    # before: the one Y entry replaced the year → 10, 不称职. Now 810 + 10 = 820, 称职.
    assert year["total"] == 820 and year["bonus"] == 10 and year["grade"] == "称职"
    detail = assess_results.result_detail(db, s["plan"], "Y", s["people"]["甲"])
    lines = {line["name"]: line for line in detail["items"]}
    assert lines["工作"]["value"] == 810
    assert lines["工作"]["how"] == "季度平均（一季 800、二季 820、三季 810、四季 810）= 810"
    assert lines["上级表彰"]["value"] == 10 and lines["上级表彰"]["how"] == "期末 10 = 10"


def test_year_end_entry_of_a_quarterly_item_does_not_replace_the_year(db, admin):
    """`assess pull --period Y` writes year values for items the plan scores by quarter."""
    plan = assess.create_plan(db, admin, 2026, "测试方案", standard=False)
    cat = assess.add_category(db, admin, plan, "干部", standard=False)
    work = assess.add_item(db, admin, cat, "工作", "normal", 900)
    attendance = assess.add_item(db, admin, cat, "出勤", "normal", 100, source="roster.attendance")
    p = assess.add_subject(db, admin, cat, "乙")
    quarters(db, admin, p, work, [430, 450, 440, 440])  # 440
    quarters(db, admin, p, attendance, [70, 75, 75, 72])  # 73
    assess.set_scores(db, admin, "Y", [(p, attendance, 95, "")], source="来自领导班子：出勤 95%")
    summary = assess_results.recompute(db, plan)
    # before: 95 (the pulled Y value alone). Now 440 + 73 = 513, and the ignored entry is named.
    assert assess_results.result_of(db, plan, "Y", p)["total"] == 513
    assert any("按方案不计入" in w for w in summary["warnings"])
    # an item the plan scores at year end takes the year-end entry
    assess.update_item(db, admin, attendance, "出勤", "normal", 100, source="roster.attendance", year_rule="period")
    assess_results.recompute(db, plan)
    assert assess_results.result_of(db, plan, "Y", p)["total"] == 440 + 95


def test_sum_rule_adds_quarters_capped_at_full_marks(db, admin):
    plan = assess.create_plan(db, admin, 2026, "测试方案", standard=False)
    cat = assess.add_category(db, admin, plan, "干部", standard=False)
    work = assess.add_item(db, admin, cat, "工作", "normal", 900)
    info = assess.add_item(db, admin, cat, "信息报送", "normal", 100, year_rule="sum")
    p = assess.add_subject(db, admin, cat, "丙")
    quarters(db, admin, p, work, [800, 800, 800, 800])
    quarters(db, admin, p, info, [30, 40, 20, 25])  # 115, capped at 100
    assess_results.recompute(db, plan)
    assert assess_results.result_of(db, plan, "Y", p)["total"] == 900
    with pytest.raises(ValidationError, match="年度计算方式"):
        assess.add_item(db, admin, cat, "错", "normal", 10, year_rule="median")


def test_upheld_year_appeal_moves_the_total_by_that_item_only(db, admin):
    plan = assess.create_plan(db, admin, 2026, "测试方案", standard=False)
    cat = assess.add_category(db, admin, plan, "驻村干部", village_stationed=True, standard=False)
    a = assess.add_item(db, admin, cat, "A", "normal", 500)
    b = assess.add_item(db, admin, cat, "B", "normal", 500)
    p = assess.add_subject(db, admin, cat, "丁")
    other = assess.add_subject(db, admin, cat, "戊")
    quarters(db, admin, p, a, [300, 300, 300, 300])
    quarters(db, admin, p, b, [299.99, 299.99, 299.99, 299.99])
    quarters(db, admin, other, a, [200, 200, 200, 200])
    quarters(db, admin, other, b, [200, 200, 200, 200])
    assess_results.recompute(db, plan)
    assert assess_results.result_of(db, plan, "Y", p)["total"] == pytest.approx(599.99)
    appeal = assess.file_appeal(db, admin, p, "Y", "A 项漏记一项完成的任务", filed_on="2027-01-10")
    done = assess_results.resolve_appeal(db, admin, appeal, True, "复核属实，A 项年度得分改为 310", [(a, 310, "")])
    # before: the Y entry replaced the year → 100-ish and 末位. Now 599.99 − 300 + 310 = 609.99.
    assert done["change_log"] == "A：300 → 310；总分 599.99 → 609.99；等次 不称职 → 基本称职"
    year = assess_results.result_of(db, plan, "Y", p)
    assert year["total"] == pytest.approx(609.99) and year["rank"] == 1 and year["last_place"] == 0
    assert assess_results.result_of(db, plan, "Y", other)["last_place"] == 1
    line = next(x for x in assess_results.result_detail(db, plan, "Y", p)["items"] if x["name"] == "A")
    assert line["how"] == "申诉复核后 310"


# ---- 2. the 优秀 quota ------------------------------------------------------------------

def test_small_category_can_have_excellent_under_the_plan_wide_quota(db, admin):
    names = [("一把手", "班子主要领导")] + [(f"干部{i}", "一般干部") for i in range(9)]
    s = one_item_plan(db, admin, names, categories=("班子主要领导", "一般干部"))
    quarters(db, admin, s["people"]["一把手"], s["items"]["班子主要领导"]["work"], [911] * 4)
    for i in range(9):
        quarters(db, admin, s["people"][f"干部{i}"], s["items"]["一般干部"]["work"], [880 - i * 10] * 4)
    assess_results.recompute(db, s["plan"])
    # 10 people × 20 % = 2 places over the whole plan; before, a category of 1 had 0 places.
    assert assess_results.result_of(db, s["plan"], "Y", s["people"]["一把手"])["grade"] == "优秀"
    # per category (a setting) the 0 places are reported, not silent
    settings.set_value(db, "assess.quota_scope", "category", admin)
    summary = assess_results.recompute(db, s["plan"], "Y")
    assert assess_results.result_of(db, s["plan"], "Y", s["people"]["一把手"])["grade"] == "称职"
    assert any("优秀名额为 0" in w and "一把手" in w for w in summary["warnings"])


def test_quota_rounding_is_a_setting(db, admin):
    assert assess_results.excellent_quota(13, 0.2) == 3  # 2.6 half up
    assert assess_results.excellent_quota(12, 0.2) == 2  # 2.4
    assert assess_results.excellent_quota(13, 0.2, "down") == 2
    assert assess_results.excellent_quota(11, 0.2, "up") == 3
    assert assess_results.excellent_quota(15, 0.2, "down") == 3  # 15 × 0.2 = 3.0000000000000004
    assert assess_results.excellent_quota(4, 0.2) == 1  # 0.8 → 1: a category of 4 may have one


def test_fifteen_tied_at_full_marks_wait_for_a_decision_then_three_are_excellent(db, admin):
    names = [f"人{i:02d}" for i in range(15)]
    s = one_item_plan(db, admin, names)
    for n in names:
        quarters(db, admin, s["people"][n], s["items"]["干部"]["work"], [1000] * 4)
    summary = assess_results.recompute(db, s["plan"], "Y")
    rows = by_name(assess_results.results(db, s["plan"], "Y"))
    # 20 % of 15 = 3 places, 15 tied: nobody is cut by entry order — all 待定 until decided
    assert {r["grade"] for r in rows.values()} == {"待定"}
    assert summary["ties"][0]["slots"] == 3 and len(summary["ties"][0]["tied"]) == 15
    chosen = [s["people"][n] for n in ("人03", "人07", "人11")]
    with pytest.raises(ValidationError, match="应选 3 人"):
        assess_results.record_tiebreak(db, admin, s["plan"], "Y", "plan", chosen[:2], "委员会表决")
    assess_results.record_tiebreak(db, admin, s["plan"], "Y", "plan", chosen, "考核委员会 2027-01-15 会议表决")
    rows = by_name(assess_results.results(db, s["plan"], "Y"))
    assert sorted(n for n, r in rows.items() if r["grade"] == "优秀") == ["人03", "人07", "人11"]
    assert sum(r["grade"] == "称职" for r in rows.values()) == 12
    assert rows["人03"]["note"] == "并列决定：考核委员会 2027-01-15 会议表决"
    # a later recompute keeps the decision
    assess_results.recompute(db, s["plan"])
    assert assess_results.grade_counts(db, s["plan"], "Y")["优秀"] == 3
    audited = db.execute("SELECT count(*) FROM audit_log WHERE table_name = 'assess_tiebreaks'").fetchone()[0]
    assert audited == 1


def test_three_tied_at_955_for_two_places_are_listed_not_split_by_entry_order(db, admin):
    names = ["甲", "乙", "丙"] + [f"干部{i}" for i in range(7)]
    s = one_item_plan(db, admin, names)
    work = s["items"]["干部"]["work"]
    for n in ("甲", "乙", "丙"):
        quarters(db, admin, s["people"][n], work, [955] * 4)
    for i in range(7):
        quarters(db, admin, s["people"][f"干部{i}"], work, [850] * 4)
    summary = assess_results.recompute(db, s["plan"], "Y")
    rows = by_name(assess_results.results(db, s["plan"], "Y"))
    # 10 people → 2 places; 甲 乙 丙 all rank 1st at 955 → all three 待定, and the tie is listed
    assert [rows[n]["rank"] for n in ("甲", "乙", "丙")] == [1, 1, 1]
    assert [rows[n]["grade"] for n in ("甲", "乙", "丙")] == ["待定"] * 3
    assert sorted(summary["ties"][0]["names"]) == sorted(["甲", "乙", "丙"])
    assert any("并列 955 分" in w for w in summary["warnings"])
    assess_results.record_tiebreak(db, admin, s["plan"], "Y", "plan", [s["people"]["丙"], s["people"]["甲"]],
                                   "丙、甲 获县级表彰")
    rows = by_name(assess_results.results(db, s["plan"], "Y"))
    assert [rows[n]["grade"] for n in ("甲", "乙", "丙")] == ["优秀", "称职", "优秀"]
    # the decision no longer applies once the tie changes
    quarters(db, admin, s["people"]["干部0"], work, [955] * 4)
    assess_results.recompute(db, s["plan"], "Y")
    rows = by_name(assess_results.results(db, s["plan"], "Y"))
    assert [rows[n]["grade"] for n in ("甲", "乙", "丙", "干部0")] == ["待定"] * 4


# ---- 3. missing data is not zero --------------------------------------------------------

def service_plan(db, admin):
    plan = assess.create_plan(db, admin, 2026, "测试方案", standard=False)
    cat = assess.add_category(db, admin, plan, "服务中心干部", standard=False)
    work = assess.add_item(db, admin, cat, "工作", "normal", 900)
    sat = assess.add_item(db, admin, cat, "群众满意率", "normal", 100, source="service.satisfaction")
    return plan, cat, work, sat


def test_no_ratings_is_no_data_not_zero_satisfaction(db, admin):
    from models.roster import team as roster
    from models.service import catalogue, tickets

    clerk_item = catalogue.add_item(db, admin, {"department": "民政", "name": "低保申请", "time_limit_days": 5})
    cadre = roster.add_cadre(db, admin, {"name": "窗口干部", "id_number": "11010519491231002X"})
    plan, cat, work, sat = service_plan(db, admin)
    p = assess.add_subject(db, admin, cat, "窗口干部", person_uuid=cadre)
    today = dt.date(2026, 3, 31)
    t = tickets.create_ticket(db, admin, {"applicant_name": "张三", "applicant_phone": "13800138000", "applicant_village": "青石村",
                                          "item_uuid": clerk_item, "request_text": "申请低保",
                                          "received_date": "2026-02-12", "handler_cadre_uuid": cadre}, today=today)
    tickets.finish(db, admin, t["uuid"], "已办", "2026-02-13", today=today)  # finished, never rated
    assess.set_score(db, admin, "Q1", p, work, 810)
    messages = assess.pull_derived_scores(db, admin, plan, "Q1")
    assert any("“群众满意率”：1 人在第一季度没有数据" in m for m in messages)
    assert db.execute("SELECT count(*) FROM assess_scores WHERE item_uuid = ?", [sat]).fetchone()[0] == 0
    assess_results.recompute(db, plan, "Q1")
    q1 = assess_results.result_of(db, plan, "Q1", p)
    # before: 0 % → 0 of 100 → 810. Now 无数据, the others rescaled: 810 × 1000 / 900 = 900
    assert q1["total"] == 900 and q1["missing"] == "无数据 1 项（100 分），其余指标按 1000/900 折算"
    line = next(x for x in assess_results.result_detail(db, plan, "Q1", p)["items"] if x["name"] == "群众满意率")
    assert line["missing"] and line["how"] == "无数据"


def test_missing_rule_default_and_manual(db, admin):
    plan, cat, work, sat = service_plan(db, admin)
    p = assess.add_subject(db, admin, cat, "己")
    assess.set_score(db, admin, "Q1", p, work, 810)
    assess_results.change_plan(db, admin, plan, missing_rule="manual")  # the plan's rule (issue 16, point 3)
    summary = assess_results.recompute(db, plan, "Q1")
    assert assess_results.result_of(db, plan, "Q1", p)["grade"] == "待定"
    assert any("须手工评分" in w for w in summary["warnings"])
    assess_results.change_plan(db, admin, plan, missing_rule="default")
    assert assess_results.result_of(db, plan, "Q1", p)["grade"] == "待定"  # no default set yet
    assess.update_item(db, admin, sat, "群众满意率", "normal", 100, source="service.satisfaction", default_points=80)
    assess_results.recompute(db, plan, "Q1")
    q1 = assess_results.result_of(db, plan, "Q1", p)
    assert q1["total"] == 890 and q1["missing"] == "无数据 1 项，按默认分计 80 分"
    with pytest.raises(ValidationError, match="指标无数据时"):
        settings.set_value(db, "assess.missing_rule", "bogus", admin)


# ---- 4. 末位 at year end; vetoes; labelled local settings --------------------------------------

def test_last_place_only_at_year_end_by_default(db, admin):
    s = one_item_plan(db, admin, ["甲", "乙", "丙"], stationed=True)
    work = s["items"]["干部"]["work"]
    for n, v in (("甲", 900), ("乙", 800), ("丙", 700)):
        quarters(db, admin, s["people"][n], work, [v] * 4)
    assess_results.recompute(db, s["plan"])
    flagged = {per: [r["person_name"] for r in assess_results.results(db, s["plan"], per) if r["last_place"]]
               for per in ("Q1", "Q2", "H1", "Y")}
    # before: 丙 flagged in every quarter. Seed 000: 驻村年终考核位于末位的予以淘汰
    assert flagged == {"Q1": [], "Q2": [], "H1": [], "Y": ["丙"]}
    settings.set_value(db, "assess.last_place_periods", "Q1,Q2,Q3,Q4,Y", admin)
    assess_results.recompute(db, s["plan"])
    assert [r["person_name"] for r in assess_results.results(db, s["plan"], "Q1") if r["last_place"]] == ["丙"]


def test_veto_effect_is_a_setting(db, admin):
    s = one_item_plan(db, admin, ["甲", "乙", "丙", "丁", "戊"])
    items = s["items"]["干部"]
    for n, v in (("甲", 950), ("乙", 920), ("丙", 800), ("丁", 780), ("戊", 760)):
        quarters(db, admin, s["people"][n], items["work"], [v] * 4)
    assess.set_score(db, admin, "Q3", s["people"]["甲"], items["veto"], "是", "安全事故")

    def year():
        assess_results.recompute(db, s["plan"], "Y")
        return by_name(assess_results.results(db, s["plan"], "Y"))

    rows = year()  # default: 不称职 and last
    assert rows["甲"]["grade"] == "不称职" and rows["甲"]["rank"] == 5 and rows["乙"]["grade"] == "优秀"
    settings.set_value(db, "assess.veto_effect", "not_excellent", admin)
    rows = year()  # 950 → at best 称职, ranked by score
    assert rows["甲"]["grade"] == "称职" and rows["甲"]["rank"] == 1 and rows["乙"]["grade"] == "优秀"
    settings.set_value(db, "assess.veto_effect", "deduction", admin)
    rows = year()  # 950 − 100 = 850 → 称职, 2nd
    assert rows["甲"]["total"] == 850 and rows["甲"]["grade"] == "称职" and rows["甲"]["rank"] == 2


def test_local_choices_are_labelled_settings(db, admin):
    from models.assess import rewards  # noqa: F401 - registers the reward settings

    labels = {k: v[1] for k, v in settings.DEFAULTS.items()}
    for key in ("assess.grade_excellent", "assess.grade_competent", "assess.grade_basic", "assess.veto_effect",
                "assess.ballot_value_excellent", "assess.ballot_value_competent", "assess.reward_floor_score",
                "assess.missing_rule", "assess.quota_scope", "assess.quota_rounding"):
        assert "本地设定" in labels[key], key
    assert "年终" in labels["assess.last_place_periods"]
    assert settings.get(db, "assess.last_place_periods") == "Y"
    assert settings.get(db, "assess.quota_scope") == "plan" and settings.get(db, "assess.quota_rounding") == "half_up"
    # ballot values: 一张优秀票 90 instead of 100 → 10 voters, 5 优秀 5 称职: (450 + 400) / 10 = 85
    settings.set_value(db, "assess.ballot_value_excellent", 90, admin)
    tally = {"public": {"voters": 10, "excellent": 5, "competent": 5, "basic": 0, "incompetent": 0}}
    assert assess.ballot_score(tally, assess.ballot_weights(db), assess.ballot_values(db)) == pytest.approx(85)
    summary = dict(assess_results.settings_summary(db))
    assert summary["等次分数线（本地设定）"] == "优秀 900、称职 750、基本称职 600"


# ---- 6. 群众需求办理 from the confirmed tickets of the villages a cadre is stationed in ----------

def test_village_needs_from_confirmed_tickets_of_stationed_villages(db, admin):
    from models.core import township
    from models.roster import team as roster
    from models.service import catalogue, tickets

    village = township.add_village(db, admin, "青石村", 260)
    township.add_village(db, admin, "东岭村", 120)
    cadre = roster.add_cadre(db, admin, {"name": "驻村干部甲", "id_number": "11010519491231002X"})
    roster.add_liaison(db, admin, village, cadre, "驻村")
    service_item = catalogue.add_item(db, admin, {"department": "民政", "name": "低保申请", "time_limit_days": 5})
    plan = assess.create_plan(db, admin, 2026)
    cat = next(c for c in assess.categories(db, plan) if c["name"] == "驻村干部")
    needs = next(i for i in assess.leaf_items(db, cat["uuid"]) if i["name"] == "群众需求办理")
    assert needs["source"] == "service.village_needs" and needs["max_points"] == 200
    subject = assess.add_subject(db, admin, cat["uuid"], "驻村干部甲", person_uuid=cadre)
    today = dt.date(2026, 3, 31)

    def ticket(village_name, received, finished, confirm, rating=None):
        t = tickets.create_ticket(db, admin, {"applicant_name": "张三", "applicant_phone": "13800138000",
                                              "applicant_village": village_name, "item_uuid": service_item,
                                              "request_text": "申请低保", "received_date": received}, today=today)
        tickets.finish(db, admin, t["uuid"], "已办", finished, today=today)
        if rating:
            tickets.rate(db, admin, t["uuid"], rating, today=today)
        if confirm:
            tickets.confirm(db, admin, t["uuid"], date=finished, today=today)

    ticket("青石村", "2026-02-12", "2026-02-13", True, rating=5)  # on time, satisfied
    ticket("青石村", "2026-03-02", "2026-03-20", True)  # late (5 working days promised), not rated
    ticket("青石村", "2026-03-02", "2026-03-03", False, rating=1)  # not confirmed by the citizen: not counted
    ticket("东岭村", "2026-03-02", "2026-03-03", True, rating=5)  # another village
    assess.pull_derived_scores(db, admin, plan, "Q1")
    cell = assess.score_grid(db, cat["uuid"], "Q1")["cells"][(subject, needs["uuid"])]
    # 2 confirmed tickets, 1 on time → 0.5; 1 rated, 1 satisfied → 1.0; 200 × (0.5·0.5 + 0.5·1.0) = 150
    assert cell["points"] == 150
    assert cell["source"] == "来自便民服务：青石村群众确认办结 2 件，按时 1 件，评价 1 件中满意 1 件"
    # a quarter without confirmed tickets is 无数据, not 0
    messages = assess.pull_derived_scores(db, admin, plan, "Q2")
    assert any("“群众需求办理”：1 人在第二季度没有数据" in m for m in messages)


# ---- 8. the trigger-kept composition stays equal to a fresh one ------------------------------

def test_trigger_kept_composition_matches_a_fresh_aggregate(db, admin):
    import random

    from models.assess import schema

    s = one_item_plan(db, admin, ["甲", "乙", "丙"])
    cat = s["cats"]["干部"]
    items = dict(s["items"]["干部"])
    items["extra"] = assess.add_item(db, admin, cat, "信息", "normal", 50, year_rule="sum")
    items["minus"] = assess.add_item(db, admin, cat, "失误", "deduction", 40)
    rng = random.Random(16)
    people = list(s["people"].values())
    for step in range(120):
        person, key = rng.choice(people), rng.choice(["work", "bonus", "extra", "minus", "veto"])
        period = rng.choice(["Q1", "Q2", "Q3", "Q4", "H1", "Y"])
        top = {"work": 1000, "bonus": 30, "extra": 50, "minus": 40}.get(key, 1)
        value = "" if rng.random() < 0.2 else (rng.choice(["是", "否"]) if key == "veto" else rng.randint(0, top))
        assess.set_score(db, admin, period, person, items[key], value)
        if step == 60:
            assess.update_item(db, admin, items["extra"], "信息", "normal", 50, year_rule="avg", default_points=20)
        if step == 90:
            assess.set_scores(db, admin, "Y", [(people[0], items["work"], 700, "")], source="申诉复核")
    assess.delete_item(db, admin, items["minus"])
    cols = ", ".join(f"v_{p}" for p in schema._PERIODS) + ", " + ", ".join(f"a_{p}" for p in schema._DERIVED)
    fresh_cells = ", ".join(
        (f"MAX(CASE WHEN s.period = '{p}' AND s.source <> '申诉复核' THEN s.points END)" if p in schema._DERIVED
         else f"MAX(CASE WHEN s.period = '{p}' THEN s.points END)") for p in schema._PERIODS) + ", " + ", ".join(
        f"MAX(CASE WHEN s.period = '{p}' AND s.source = '申诉复核' THEN s.points END)" for p in schema._DERIVED)
    fresh = db.execute(f"SELECT s.subject_uuid, s.item_uuid, {fresh_cells} FROM assess_scores s WHERE s.deleted = 0 "
                       "GROUP BY 1, 2 ORDER BY 1, 2").fetchall()
    kept = [r for r in db.execute(f"SELECT subject_uuid, item_uuid, {cols} FROM assess_item_cells ORDER BY 1, 2")
            if any(v is not None for v in r[2:])]
    assert kept == fresh
    for p in schema._PERIODS:
        sums = ", ".join(f"round(SUM({e}), 6)" for e in schema._contributions("c", p))
        expected = db.execute(f"SELECT c.subject_uuid, {sums} FROM assess_item_cells c GROUP BY 1 ORDER BY 1").fetchall()
        got = db.execute(f"SELECT subject_uuid, {', '.join(f'round({c}, 6)' for c in schema._COMPOSED_COLUMNS)} "
                         "FROM assess_composed WHERE period = ? ORDER BY 1", [p]).fetchall()
        assert got == expected, p
    # and the totals agree with the per-item composition shown to the person
    assess_results.recompute(db, s["plan"])
    for person in people:
        row = assess_results.result_of(db, s["plan"], "Y", person)
        if row is None or row["missing"]:
            continue
        lines = assess_results.compose(db, s["plan"], "Y", person)["items"]
        normal = sum(x["value"] for x in lines if x["kind"] == "normal" and x["value"] is not None)
        assert row["item_total"] == pytest.approx(round(normal, 2))
