"""Demo data of the assess domain (called by models/demo/township.py).

A year's plan of the demo township with the standard categories and the
德能勤绩廉 tree; the people come from the roster demo (team, offices,
village-stationed cadres, village 两委) when it is there. Four quarters of
scores (scores from the service desk and the whereabouts board where those
demos ran; the top leader strong), year-end ballots, one veto, targets with
checks and two supervision notices, an appeal, a reward pool, the township's
一等奖 and the top leader's 优秀 of the two years before (so the seed 001
rewards show: 4000 per person, 800 for 优秀, 三等功 and 1500), and computed
results.
"""

from __future__ import annotations

import datetime as dt

from models.assess import scorecard as assess

from models.assess import results as assess_results

from models.core import ids, records

from models.assess import rewards
from models.roster import team as roster

from typing import TYPE_CHECKING

if TYPE_CHECKING:  # annotations only
    from models.core.users import Actor
    from sqlite_utils import Database

FALLBACK_NAMES = ["王建国", "李志强", "张海峰", "刘文军", "陈国平", "杨立新", "黄伟", "赵斌", "吴军", "周明",
                  "徐浩然", "孙俊杰", "马宏伟", "朱晓东", "胡振华", "郭丽", "何芳", "高敏", "林静", "罗燕"]


def _category_of(cadre: dict, stationed: set) -> str:
    posts = cadre.get("posts") or ""
    if "党委书记" in posts or "镇长" in posts and "副镇长" not in posts:
        return "班子主要领导"
    if any(k in posts for k in ("副书记", "副镇长", "委员", "主席", "部长", "联络员")):
        return "分管领导"
    if (cadre.get("office") or "") == "便民服务中心":
        return "服务中心干部"
    if cadre["uuid"] in stationed:
        return "驻村干部"
    return "一般干部"


def _people(db: Database, code: str, rng) -> tuple[list, list]:
    """(cadres as (name, uuid, category)), (village cadres as (name, uuid, village uuid, village name, role))."""
    cadres = roster.list_cadres(db, township_code=code)
    coverage = roster.village_coverage(db, township_code=code)
    stationed = {link["cadre_uuid"] for v in coverage for link in v.get("liaisons", [])
                 if link.get("kind") == "驻村"}
    people = [(c["name"], c["uuid"], _category_of(c, stationed)) for c in cadres]
    village_cadres = [(c["name"], c["uuid"], c["village_uuid"], c["village_name"], c["role"])
                      for c in assess.village_cadre_candidates(db, code)]
    if not people:
        categories = [c for c, _ in assess.STANDARD_CATEGORIES if c != "村两委"]
        people = [(n, None, categories[i % len(categories)]) for i, n in enumerate(FALLBACK_NAMES)]
    if not village_cadres:
        from models.core import township

        for i, v in enumerate(township.villages(db, code)):
            for j, role in enumerate(("secretary", "director", "accountant")):
                name = FALLBACK_NAMES[(i * 3 + j) % len(FALLBACK_NAMES)][0] + rng.choice("明华强军平芳丽红")
                village_cadres.append((name, None, v["uuid"], v["name"], role))
    return people, village_cadres


def _bulk_scores(db: Database, actor: Actor, rows: list[dict], code: str) -> None:
    """Demo scores written in one statement (no per-row audit), each with its
    own change_seq so a data package still picks them up."""
    if not rows:
        return
    last = records.reserve_change_seqs(db, len(rows)) + len(rows)
    now = records.now_iso()
    who = getattr(actor, "username", str(actor))
    db.conn.executemany(
        "INSERT INTO assess_scores (uuid, township_code, version, updated_at, updated_by, deleted, change_seq, "
        "plan_uuid, period, subject_uuid, item_uuid, points, reason, source) VALUES (?, ?, 1, ?, ?, 0, ?, ?, ?, ?, ?, ?, ?, ?)",
        [(ids.new_uuid(), code, now, who, last - len(rows) + i + 1, r["plan_uuid"], r["period"],
          r["subject_uuid"], r["item_uuid"], r["points"], r["reason"], "") for i, r in enumerate(rows)])


def fill(db: Database, rng, actor: Actor, options) -> None:
    """Add this domain's demo rows. rng is a seeded random.Random."""
    code = options.township_code
    year = dt.date.today().year
    if assess.plan_for_year(db, year, code):
        return
    with db.atomic():
        plan = assess.create_plan(db, actor, year, f"{options.township_name}{year}年度干部综合考核方案",
                                  township_code=code)
        cats = {c["name"]: c for c in assess.categories(db, plan)}
        people, village_cadres = _people(db, code, rng)
        subject_ids = []
        for name, person_uuid, cat_name in people:
            subject_ids.append(assess.add_subject(db, actor, cats[cat_name]["uuid"], name, person_uuid=person_uuid))
        for name, person_uuid, village_uuid, village_name, role in village_cadres:
            subject_ids.append(assess.add_subject(db, actor, cats["村两委"]["uuid"], name, person_uuid=person_uuid,
                                                  kind="village_cadre", village_uuid=village_uuid,
                                                  village_name=village_name, role=role))
        _scores(db, rng, actor, plan, cats, code)
        _ballots(db, rng, actor, plan, cats)
        _targets(db, rng, actor, plan, village_cadres)
        rewards.set_pool(db, actor, plan, "Y", 240000, "年终目标考核奖")
        # seed 001: the township took 一等奖 in the county's target assessment, and the
        # top leader was 优秀 the two years before (from the paper archive) → 三等功 this year
        rewards.set_township_prize(db, actor, plan, "一等奖")
        for leader in assess.subjects(db, cats["班子主要领导"]["uuid"])[:1]:
            for past in (year - 2, year - 1):
                rewards.add_past_grade(db, actor, leader["person_name"], past, "优秀", leader["person_uuid"],
                                       f"{past}年度考核结果（纸质档案）")
        assess_results.recompute(db, plan)
        first = assess.subjects(db, cats["一般干部"]["uuid"])
        if first:
            appeal = assess.file_appeal(db, actor, first[0]["uuid"], "Q2", "第二季度重点工作漏记了防汛值守。",
                                        filed_on=f"{year}-07-08")
            item = next(i for i in assess.leaf_items(db, cats["一般干部"]["uuid"]) if i["name"] == "重点工作")
            assess_results.resolve_appeal(db, actor, appeal, True, "经核实，防汛值守记录属实，补记分数。",
                                          [(item["uuid"], item["max_points"], "申诉复核：补记防汛值守")])
        if len(first) > 1:
            assess.file_appeal(db, actor, first[1]["uuid"], "Q3", "第三季度出勤扣分有误，请假已经批准。",
                               filed_on=f"{year}-10-12")


def _scores(db: Database, rng, actor: Actor, plan, cats, code) -> None:
    rows = []
    vetoed_once = False
    for cat in cats.values():
        leaves = assess.leaf_items(db, cat["uuid"])
        for subject in assess.subjects(db, cat["uuid"]):
            # the top leader is strong (the county's 一把手 is usually 优秀); the others
            # spread so that about a fifth reach the 900 line, as the quota expects
            talent = 0.95 if cat["name"] == "班子主要领导" else min(0.96, max(0.65, rng.gauss(0.84, 0.05)))
            for period in assess.QUARTERS:
                for item in leaves:
                    if item["source"] in ("ballot", "service.on_time", "service.satisfaction",
                                          "service.accountability", "roster.attendance"):
                        continue
                    if item["kind"] == "normal":
                        fraction = min(1.0, max(0.5, rng.gauss(talent, 0.05)))
                        points = round(item["max_points"] * fraction * 2) / 2
                        reason = ""
                    elif item["kind"] == "bonus":
                        if rng.random() > 0.08:
                            continue
                        points, reason = 10.0, "获县级表彰" if item["name"] == "上级表彰" else "工作经验被推广"
                    elif item["kind"] == "deduction":
                        if rng.random() > 0.06:
                            continue
                        points, reason = rng.choice([5.0, 10.0]), "信息报送迟报"
                    else:  # veto: one village-stationed cadre fails work safety in Q3
                        if vetoed_once or cat["village_stationed"] == 0 or period != "Q3" \
                                or item["name"] != "安全生产":
                            continue
                        points, reason, vetoed_once = 1.0, "所驻村发生较大安全生产事故", True
                    rows.append({"plan_uuid": plan, "period": period, "subject_uuid": subject["uuid"],
                                 "item_uuid": item["uuid"], "points": points, "reason": reason})
                # sources without data (no roster/service demo): plausible hand scores
                for item in leaves:
                    if item["source"] in ("service.on_time", "service.satisfaction", "roster.attendance"):
                        fraction = min(1.0, max(0.6, rng.gauss(talent + 0.05, 0.04)))
                        rows.append({"plan_uuid": plan, "period": period, "subject_uuid": subject["uuid"],
                                     "item_uuid": item["uuid"], "points": round(item["max_points"] * fraction, 1),
                                     "reason": "手工录入"})
    _bulk_scores(db, actor, rows, code)
    # where the roster and service demos ran, their figures replace the hand scores
    for period in assess.QUARTERS:
        assess.pull_derived_scores(db, actor, plan, period)


def _ballots(db: Database, rng, actor: Actor, plan, cats) -> None:
    for cat in cats.values():
        tallies = []
        for subject in assess.subjects(db, cat["uuid"]):
            for group, voters in (("leaders", 11), ("cadres", 45), ("public", 30)):
                good = rng.uniform(0.3, 0.8)
                excellent = int(voters * good)
                competent = int((voters - excellent) * rng.uniform(0.6, 0.95))
                basic = rng.randint(0, voters - excellent - competent)
                incompetent = rng.randint(0, voters - excellent - competent - basic) // 3
                tallies.append({"subject_uuid": subject["uuid"], "voter_group": group, "voters": voters,
                                "excellent": excellent, "competent": competent, "basic": basic,
                                "incompetent": incompetent})
        if tallies:
            assess.set_ballots(db, actor, "Y", tallies)


TARGETS = [("新修通村道路 {n} 公里", "争取交通项目资金，群众投工投劳"),
           ("发展特色种植 {n} 百亩", "成立专业合作社，统一技术指导"),
           ("村集体经济增收 {n} 万元", "盘活闲置资产，发展物业经济"),
           ("完成危房改造 {n} 户", "逐户摸排，按政策申报补助")]


def _targets(db: Database, rng, actor: Actor, plan, village_cadres) -> None:
    year = dt.date.today().year
    seen = set()
    unmet = 0
    for name, _, village_uuid, village_name, role in village_cadres:
        if role != "secretary" or village_name in seen:
            continue
        seen.add(village_name)
        text, measure = TARGETS[len(seen) % len(TARGETS)]
        target = assess.add_target(db, actor, plan, village_name, text.format(n=rng.randint(2, 9)), measure,
                                   deadline=f"{year}-09-30", quarters=("摸底规划", "启动实施", "全面推进", "检查验收"),
                                   signed_on=f"{year}-02-{rng.randint(10, 25)}", owner_kind="village")
        if len(seen) % 4 == 0 and unmet < 2:
            unmet += 1
            assess.record_check(db, actor, target, f"{year}-10-09", "考核办 陈强", met=False,
                                evidence="实地查看，完成进度约六成，资金未全部到位。", recheck_date=f"{year}-11-09")
        elif len(seen) % 3 == 0:
            assess.record_check(db, actor, target, f"{year}-10-09", "考核办 陈强", met=True,
                                evidence="实地验收，资料齐全，群众代表签字确认。")
