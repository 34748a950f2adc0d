"""Rewards: pool split by score and the village cadre subsidy, hand-computed."""

import pytest

from models.assess import scorecard as assess

from models.assess import results as assess_results

from models.assess import rewards

from models.core import township


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
    assert wb.sheetnames == ["考核奖金", "村干部补贴"]
    values = [c.value for c in wb["考核奖金"][3]]
    assert values[3] == "甲" and values[6] == 4750
