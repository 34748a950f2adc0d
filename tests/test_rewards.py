"""Rewards: pool split by score and the village cadre subsidy, hand-computed."""

import pytest

from models.assess import scorecard as assess

from models.assess import results as assess_results

from models.assess import rewards

from models.core import settings, township
from models.core.errors import ValidationError


def test_split_by_score_largest_remainder():
    # 1000 × (108.82, 93, 84) / 285.82 = 380.73, 325.38, 293.89 → 380 + 325 + 293 = 998;
    # the two largest remainders (.89, .73) get the missing yuan.
    assert rewards.split_by_score(1000, [108.82, 93, 84]) == [381, 325, 294]
    assert rewards.split_by_score(1000, [0, 0]) == [0, 0]


def test_secretary_tiers():
    tiers = rewards.parse_tiers("100:1200,200:1500,300:1900,400:2200,*:2500")
    assert [rewards.secretary_base(h, tiers) for h in (100, 101, 200, 250, 301, 400, 401, 900)] == \
        [1200, 1500, 1500, 1900, 2200, 2200, 2500, 2500]


@pytest.fixture
def villages_plan(db, admin):
    a = township.add_village(db, admin, "甲村", 90)
    b = township.add_village(db, admin, "乙村", 250)
    plan = assess.create_plan(db, admin, 2026, "村干部考核", standard=False)
    cat = assess.add_category(db, admin, plan, "村两委", standard=False)
    item = assess.add_item(db, admin, cat, "综合", "normal", 1000, year_rule="period")  # scored at year end
    veto = assess.add_item(db, admin, cat, "计划生育", "veto")
    people = {
        "a_sec": assess.add_subject(db, admin, cat, "赵书记", kind="village_cadre", village_uuid=a, role="secretary"),
        "a_dir": assess.add_subject(db, admin, cat, "钱主任", kind="village_cadre", village_uuid=a, role="director"),
        "b_acc": assess.add_subject(db, admin, cat, "孙会计", kind="village_cadre", village_uuid=b, role="accountant"),
        "b_sec": assess.add_subject(db, admin, cat, "李书记", kind="village_cadre", village_uuid=b, role="secretary"),
    }
    assess.set_scores(db, admin, "Y", [
        (people["a_sec"], item, 900, ""), (people["a_dir"], item, 800, ""), (people["b_acc"], item, 600, ""),
        (people["b_sec"], item, 950, ""), (people["b_sec"], veto, "是", "超生"),
    ])
    assess_results.recompute(db, plan)
    return plan, people


def test_village_subsidy_hand_computed(db, villages_plan):
    plan, people = villages_plan
    rows = {r["name"]: r for r in rewards.village_subsidies(db, plan)}
    # yearly amounts: 甲村 (90 户) 1200; director 90 % = 1080; 乙村 (250 户) 1900; accountant 70 % = 1330
    assert [rows[n]["full_amount"] for n in ("赵书记", "钱主任", "孙会计", "李书记")] == [1200, 1080, 1330, 1900]
    # reward parts 700 / 630 / 490 / 700 → pool 2520, split by ratio × (score − 600):
    # 赵 1 × 300 = 300, 钱 0.9 × 200 = 180, 孙 0.7 × 0 = 0, 李 vetoed → 0
    assert [rows[n]["reward_part"] for n in ("赵书记", "钱主任", "孙会计", "李书记")] == [700, 630, 490, 700]
    assert rows["赵书记"]["reward_paid"] == 1575 and rows["钱主任"]["reward_paid"] == 945
    assert rows["孙会计"]["reward_paid"] == 0 and rows["李书记"]["reward_paid"] == 0
    assert rows["赵书记"]["total_paid"] == 500 + 1575
    assert rows["钱主任"]["total_paid"] == 450 + 945
    assert rows["孙会计"]["total_paid"] == 840
    assert rows["李书记"]["total_paid"] == 1200


def test_director_ratio_never_above_90_percent(db, admin, villages_plan):
    from models.core import settings

    settings.set_value(db, "assess.director_ratio", 0.95, admin)
    plan, _ = villages_plan
    rows = {r["name"]: r for r in rewards.village_subsidies(db, plan)}
    assert rows["钱主任"]["full_amount"] == 1080


def test_pool_split_skips_low_grades_and_exports(db, admin, tmp_path):
    plan = assess.create_plan(db, admin, 2026, "奖金", standard=False)
    cat = assess.add_category(db, admin, plan, "一般干部", standard=False)
    item = assess.add_item(db, admin, cat, "综合", "normal", 1000, year_rule="period")  # scored at year end
    names = {"甲": 950, "乙": 850, "丙": 700, "丁": 500}
    ids = {n: assess.add_subject(db, admin, cat, n) for n in names}
    assess.set_scores(db, admin, "Y", [(ids[n], item, s, "") for n, s in names.items()])
    assess_results.recompute(db, plan)
    rewards.set_pool(db, admin, plan, "Y", 9000)
    split = {r["name"]: r["amount"] for r in rewards.split_pool(db, plan, "Y", 9000)}
    # 甲 优秀, 乙 称职 share 9000 as 950 : 850; 丙 基本称职 and 丁 不称职 get nothing
    assert split == {"甲": 4750, "乙": 4250, "丙": 0, "丁": 0}
    notice = rewards.rewards_for_notice(db, 2026)
    assert notice["pools"][0]["amount"] == 9000
    path = rewards.export_xlsx(db, plan, tmp_path / "奖金.xlsx")
    from openpyxl import load_workbook

    wb = load_workbook(path)
    assert wb.sheetnames == ["考核奖金", "村干部补贴", "奖励与荣誉"]
    values = [c.value for c in wb["考核奖金"][3]]
    assert values[3] == "甲" and values[6] == 4750


# ---- seed 001: fixed rewards and honours across years ------------------------------------

@pytest.fixture
def honours_plan(db, admin):
    """2026: 甲 996, 乙 950, 丙 800 (称职), 丁 620 and a village cadre; lines 900/750/600.
    Five people × 20 % = 1 place, so only 甲 is 优秀 — unless 乙 is lifted below."""
    from models.core import township

    v = township.add_village(db, admin, "甲村", 90)
    plan = assess.create_plan(db, admin, 2026, "干部考核", standard=False)
    cat = assess.add_category(db, admin, plan, "一般干部", standard=False)
    item = assess.add_item(db, admin, cat, "综合", "normal", 1000, year_rule="period")
    village_cat = assess.add_category(db, admin, plan, "村两委", standard=False)
    village_item = assess.add_item(db, admin, village_cat, "综合", "normal", 1000, year_rule="period")
    people = {n: assess.add_subject(db, admin, cat, n, person_uuid=f"p-{n}") for n in ("甲", "乙", "丙", "丁")}
    secretary = assess.add_subject(db, admin, village_cat, "赵书记", kind="village_cadre", village_uuid=v,
                                   role="secretary")
    assess.set_scores(db, admin, "Y", [(people["甲"], item, 996, ""), (people["乙"], item, 950, ""),
                                       (people["丙"], item, 800, ""), (people["丁"], item, 620, "")])
    assess.set_score(db, admin, "Y", secretary, village_item, 990)
    return plan, people


def test_seed_001_rewards_per_person_excellent_and_merit(db, admin, honours_plan):
    plan, people = honours_plan
    rewards.set_township_prize(db, admin, plan, "一等奖")
    # 甲 was 优秀 in 2024 and 2025 (paper archive): 2026 is the third year running → 三等功
    for year in (2024, 2025):
        rewards.add_past_grade(db, admin, "甲", year, "优秀", "p-甲", "纸质档案")
    rewards.add_past_grade(db, admin, "乙", 2025, "优秀", "p-乙")
    assess_results.recompute(db, plan)
    rows = {r["name"]: r for r in rewards.honours(db, plan)}
    assert "赵书记" not in rows  # village cadres are paid through the subsidy
    # 甲: 4000 (一等奖 township, every person) + 800 (优秀) + 1500 (三等功) = 6300
    assert (rows["甲"]["prize_amount"], rows["甲"]["excellent_amount"], rows["甲"]["merit"],
            rows["甲"]["merit_amount"], rows["甲"]["total"]) == (4000, 800, "三等功", 1500, 6300)
    assert rows["甲"]["streak"] == 3 and rows["甲"]["note"] == "连续 3 年优秀（2024—2026）"
    # 乙: 950 but 20 % of 5 = 1 place → 称职: 4000 only; 丙 and 丁 the same
    assert [rows[n]["total"] for n in ("乙", "丙", "丁")] == [4000, 4000, 4000]
    notice = rewards.rewards_for_notice(db, 2026)
    assert notice["reward_rules"].startswith("本乡镇2026年度目标绩效考核获一等奖，每人奖励 4000 元")
    assert notice["honours"][0]["merit"] == "三等功"
    with pytest.raises(ValidationError, match="乡镇获奖等次"):
        rewards.set_township_prize(db, admin, plan, "特等奖")


def test_merit_counts_each_full_run_once(db, admin, honours_plan):
    plan, _ = honours_plan
    for year in (2023, 2024, 2025):  # 2026 would be the fourth year running: no second 三等功 yet
        rewards.add_past_grade(db, admin, "甲", year, "优秀", "p-甲")
    assess_results.recompute(db, plan)
    row = next(r for r in rewards.honours(db, plan) if r["name"] == "甲")
    assert row["streak"] == 4 and row["merit"] == "" and row["total"] == 800  # no prize recorded: 优秀 only
    with pytest.raises(ValidationError, match="等次"):
        rewards.add_past_grade(db, admin, "甲", 2022, "很好")


def test_rewards_xlsx_has_the_honours_sheet(db, admin, honours_plan, tmp_path):
    from openpyxl import load_workbook

    plan, _ = honours_plan
    rewards.set_township_prize(db, admin, plan, "一等奖")
    assess_results.recompute(db, plan)
    wb = load_workbook(rewards.export_xlsx(db, plan, tmp_path / "r.xlsx"))
    sheet = wb["奖励与荣誉"]
    header = [c.value for c in sheet[3]]
    assert header[:4] == ["姓名", "类别", "年度等次", "乡镇获奖奖励"]
    first = [c.value for c in sheet[4]]
    assert first[0] == "甲" and first[8] == 4800


def test_demo_top_leader_is_excellent_and_the_notice_shows_seed_001_rewards(demo_db):
    import io

    from pypdf import PdfReader

    from models.core.users import Actor, ADMIN
    from models.notices import registry as notices

    plan = assess.plans(demo_db)[0]
    leader = assess_results.results(demo_db, plan["uuid"], "Y",
                                    next(c["uuid"] for c in assess.categories(demo_db, plan["uuid"])
                                         if c["name"] == "班子主要领导"))[0]
    assert leader["total"] >= 900 and leader["grade"] == "优秀" and leader["quota_cut"] == 0
    # "Done when" of issue 16: under the DEFAULT quota (20 % over the whole plan, half up) the 一把手 —
    # alone in his category, where the old per-category round-down quota gave 0 places — is 优秀.
    assert (settings.get(demo_db, "assess.excellent_quota"), settings.get(demo_db, "assess.quota_scope"),
            settings.get(demo_db, "assess.quota_rounding")) == (0.2, "plan", "half_up")
    assert len(assess_results.results(demo_db, plan["uuid"], "Y", leader["category_uuid"])) == 1
    assert assess_results.excellent_quota(1, 0.2, "down") == 0  # what the old rule allowed him
    honour = next(h for h in rewards.honours(demo_db, plan["uuid"]) if h["subject_uuid"] == leader["subject_uuid"])
    # three years running 优秀 (two from the paper archive + this year) → 三等功: 4000 + 800 + 1500
    assert (honour["streak"], honour["merit"], honour["total"]) == (3, "三等功", 6300)
    result = notices.publish(demo_db, Actor("admin", ADMIN, "管理员"), "rewards",
                             notices.NoticeParams(period=str(plan["year"])))
    text = "".join(p.extract_text() or "" for p in PdfReader(io.BytesIO(result.pdf)).pages).replace("\n", "")
    for expected in ("考核奖励和荣誉", "每人奖励 4000", "三等功", leader["person_name"], "6,300", "1,500"):
        assert expected in text, expected


# ---- seed 004: 市里统一权衡 — the county puts the townships' village reward parts on one curve -------

def test_county_balances_village_reward_parts_on_one_curve(db, admin, tmp_path):
    from models.core import records
    from models.core.users import Actor, ADMIN
    from models.notices import registry as notices

    db.execute("INSERT INTO townships (code, name, county, is_local) VALUES ('330106002', '东岭镇', '测试县', 0)")
    a_village = township.add_village(db, admin, "甲村", 90)
    with db.atomic():
        b_village = records.insert(db, "villages", {"name": "乙村", "households": 250}, admin, "330106002")
    plans = {}
    for code, village, people in (("330106001", a_village, (("赵书记", "secretary", 900), ("钱主任", "director", 800))),
                                  ("330106002", b_village, (("孙书记", "secretary", 700),))):
        plan = assess.create_plan(db, admin, 2026, f"{code}村干部考核", standard=False, township_code=code)
        cat = assess.add_category(db, admin, plan, "村两委", standard=False)
        item = assess.add_item(db, admin, cat, "综合", "normal", 1000, year_rule="period")
        for name, role, score in people:
            subject = assess.add_subject(db, admin, cat, name, kind="village_cadre", village_uuid=village, role=role)
            assess.set_score(db, admin, "Y", subject, item, score)
        plans[code] = plan
    assess_results.recompute(db)
    view = rewards.county_village_rewards(db, 2026)
    people = {p["name"]: p for p in view["people"]}
    # own split, 测试镇: pool 700 + 630 = 1330 by 1 × 300 : 0.9 × 200 → 831.25, 498.75 → 831, 499; 东岭镇: 700 alone
    assert (people["赵书记"]["own_split"], people["钱主任"]["own_split"], people["孙书记"]["own_split"]) == (831, 499, 700)
    # common curve 600:0, 800:700, 1000:1400: 900 → 1050; director 0.9 × 700 = 630; 700 → 350
    assert (people["赵书记"]["common"], people["钱主任"]["common"], people["孙书记"]["common"]) == (1050, 630, 350)
    by_township = {t["township"]: t for t in view["townships"]}
    assert (by_township["测试镇"]["own_total"], by_township["测试镇"]["common_total"]) == (1330, 1680)
    assert (by_township["东岭镇"]["own_total"], by_township["东岭镇"]["common_total"]) == (700, 350)
    # the county sets its own curve; a bad one is refused and nothing is stored
    with pytest.raises(ValidationError, match="统一权衡曲线"):
        rewards.set_county_curve(db, admin, "600:500,800:100")
    rewards.set_county_curve(db, admin, "600:200，1000：1000")
    assert rewards.county_village_rewards(db, 2026)["people"][0]["common"] == 800  # 900 → 200 + 800 × 0.75
    path = rewards.export_county_xlsx(db, 2026, tmp_path / "县级权衡.xlsx")
    from openpyxl import load_workbook

    wb = load_workbook(path)
    assert wb.sheetnames == ["各乡镇对比", "人员明细"]
    assert [c.value for c in wb["各乡镇对比"][4]][:2] == ["测试镇", 2]
    result = notices.publish(db, Actor("admin", ADMIN, "管理员"), "county_rewards", notices.NoticeParams(period="2026"))
    import io

    from pypdf import PdfReader

    text = "".join(p.extract_text() or "" for p in PdfReader(io.BytesIO(result.pdf)).pages).replace("\n", "")
    for expected in ("村干部奖励补贴统一权衡结果公示", "东岭镇", "孙书记", "统一折算"):
        assert expected in text, expected
