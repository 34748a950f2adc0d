"""Rewards from assessment results: a reward pool split by score, and the
village cadre subsidy (DOMAIN.md §4, seed 004).

Village cadre subsidy: the branch secretary's yearly amount depends on the
village's households (≤100: 1200, 101–200: 1500, 201–300: 1900, 301–400:
2200, ≥401: 2500); the committee director gets at most 90 % of it, the
accountant 70 %. 700 yuan of the secretary's amount (pro rata for the
others) is a reward part: the reward parts of all village cadres form a
pool paid out by year-end score — not evenly — in proportion to
role share × (score − the floor score); 不称职 or a veto gets none of it.
"""

from __future__ import annotations

import math

from models.assess import scorecard as assess

from models.core import records

from models.core import settings
from models.assess import results as assess_results
from models.assess.results import results
from models.core.errors import ValidationError
from models.core.users import require

from typing import TYPE_CHECKING, TypedDict

if TYPE_CHECKING:  # annotations only
    from models.core.users import Actor
    from sqlite_utils import Database

settings.register("assess.subsidy_tiers", "100:1200,200:1500,300:1900,400:2200,*:2500",
                  "村干部补贴：户数上限:书记年补贴（逗号分隔，* 为以上）", str)
settings.register("assess.director_ratio", 0.9, "村干部补贴：村委会主任占书记比例（调研报告的做法：不超过 0.9）", float)
settings.register("assess.accountant_ratio", 0.7, "村干部补贴：会计占书记比例（调研报告的做法：70%）", float)
settings.register("assess.subsidy_reward_part", 700.0, "村干部补贴：书记补贴中按考核发放的奖励部分（元）", float)
settings.register("assess.reward_floor_score", 600.0, "村干部补贴：奖励部分的起算分（本地设定，报告未规定）", float)

settings.register("assess.reward_township_prizes", "一等奖:4000",
                  "考核奖励：获奖乡镇每人奖励 奖次:元（逗号分隔；调研报告的做法：一等奖每人 4000 元）", str)
settings.register("assess.reward_excellent", 800.0, "考核奖励：年度考核优秀每人奖励（元）", float)
settings.register("assess.merit_years", 3, "考核奖励：连续几年优秀记三等功（调研报告的做法：三年）", int)
settings.register("assess.merit_amount", 1500.0, "考核奖励：记三等功另奖（元）", float)

NO_BONUS_GRADES = ("基本称职", "不称职")
TOWNSHIP_PRIZES = ("", "一等奖", "二等奖", "三等奖")


def parse_tiers(text: str) -> list[tuple[float, float]]:
    """'100:1200,...,*:2500' → [(100, 1200), ..., (inf, 2500)]."""
    tiers = []
    for part in (text or "").split(","):
        if not part.strip():
            continue
        try:
            limit, amount = part.split(":")
            tiers.append((math.inf if limit.strip() == "*" else float(limit), float(amount)))
        except ValueError:
            raise ValidationError("村干部补贴档次", f"“{part}”格式不对，应写成 户数:金额。") from None
    if not tiers:
        raise ValidationError("村干部补贴档次", "未设置。")
    return sorted(tiers)


def secretary_base(households: int, tiers) -> float:
    """The secretary's yearly subsidy for a village of this size."""
    for limit, amount in tiers:
        if households <= limit:
            return amount
    return tiers[-1][1]


def role_ratios(db: Database) -> dict:
    """Share of the secretary's amount per village role (director capped at 90 %)."""
    director = min(float(settings.get(db, "assess.director_ratio")), 0.9)
    return {"secretary": 1.0, "director": director, "accountant": float(settings.get(db, "assess.accountant_ratio"))}


def split_by_score(amount: float, weights: list[float]) -> list[int]:
    """Whole yuan proportional to weights, summing exactly to round(amount)
    (largest remainder)."""
    total_yuan = int(round(amount))
    total_weight = sum(weights)
    if total_weight <= 0 or total_yuan <= 0:
        return [0] * len(weights)
    exact = [total_yuan * w / total_weight for w in weights]
    floors = [int(math.floor(x)) for x in exact]
    left = total_yuan - sum(floors)
    order = sorted(range(len(weights)), key=lambda i: exact[i] - floors[i], reverse=True)
    for i in order[:left]:
        floors[i] += 1
    return floors


def set_pool(db: Database, actor: Actor, plan_uuid: str, period: str, amount, name: str = "年终考核奖",
             category_uuid: str | None = None) -> str:
    """Store the reward pool of a plan/period (optionally one category)."""
    require(actor, "assess.write")
    plan = records.get(db, "assess_plans", plan_uuid)
    if plan is None:
        raise ValidationError("考核方案", "不存在或已删除。")
    try:
        amount = float(amount)
    except (TypeError, ValueError):
        raise ValidationError("奖金总额", f"“{amount}”不是数字。") from None
    if amount < 0 or amount > 1e9:
        raise ValidationError("奖金总额", "应在 0 到 10 亿元之间。")
    with db.atomic():
        existing = db.execute("SELECT uuid FROM assess_reward_pools WHERE plan_uuid = ? AND period = ? "
                              "AND category_uuid IS ? AND deleted = 0", [plan_uuid, period, category_uuid]).fetchone()
        if existing:
            records.update(db, "assess_reward_pools", existing[0], {"amount": amount, "name": name}, actor)
            return existing[0]
        return records.insert(db, "assess_reward_pools", {"plan_uuid": plan_uuid, "period": period,
                                                          "category_uuid": category_uuid, "name": name,
                                                          "amount": amount}, actor, plan["township_code"])


def pools(db: Database, plan_uuid: str) -> list[dict]:
    """Reward pools of a plan."""
    return records.rows(db, "SELECT * FROM assess_reward_pools WHERE plan_uuid = ? AND deleted = 0 ORDER BY id",
                        [plan_uuid])


def split_pool(db: Database, plan_uuid: str, period: str, amount: float, category_uuid: str | None = None) -> list[dict]:
    """Split a pool among the people assessed in proportion to their total;
    基本称职, 不称职 and vetoed people get nothing (seed 003). Village
    cadres are paid through the subsidy instead and are left out."""
    rows = [r for r in results(db, plan_uuid, period, category_uuid) if r["role"] == ""]
    eligible = [r for r in rows if r["grade"] not in NO_BONUS_GRADES and not r["vetoed"] and r["total"] > 0]
    amounts = split_by_score(amount, [r["total"] for r in eligible])
    paid = {r["subject_uuid"]: a for r, a in zip(eligible, amounts, strict=True)}
    out = []
    for r in rows:
        out.append({"subject_uuid": r["subject_uuid"], "name": r["person_name"], "category": r["category_name"],
                    "total": r["total"], "rank": r["rank"], "grade": r["grade"],
                    "amount": paid.get(r["subject_uuid"], 0),
                    "note": "" if r["subject_uuid"] in paid else "不发放（等次或一票否决）"})
    return out


def village_subsidies(db: Database, plan_uuid: str, period: str = "Y") -> list[dict]:
    """One row per village cadre assessed in the plan: village, households,
    role, yearly amount, basic part, reward part by score, and total paid."""
    tiers = parse_tiers(settings.get(db, "assess.subsidy_tiers"))
    ratios = role_ratios(db)
    reward_part = float(settings.get(db, "assess.subsidy_reward_part"))
    floor_score = float(settings.get(db, "assess.reward_floor_score"))
    plan = records.get(db, "assess_plans", plan_uuid)
    if plan is None:
        return []
    villages = {}
    for v in records.rows(db, "SELECT uuid, name, households FROM villages WHERE deleted = 0 AND township_code = ?",
                          [plan["township_code"]]):
        villages[v["uuid"]] = v
        villages.setdefault(("name", v["name"]), v)
    cadres = records.rows(db, "SELECT uuid, person_name, village_uuid, village_name, role FROM assess_subjects "
                              "WHERE plan_uuid = ? AND kind = 'village_cadre' AND deleted = 0 ORDER BY village_name, "
                              "CASE role WHEN 'secretary' THEN 0 WHEN 'director' THEN 1 ELSE 2 END, sort_order",
                          [plan_uuid])
    scored = {r["subject_uuid"]: r for r in results(db, plan_uuid, period)}
    rows = []
    for c in cadres:
        village = villages.get(c["village_uuid"]) or villages.get(("name", c["village_name"]))
        households = village["households"] if village else 0
        ratio = ratios.get(c["role"], 0.0)
        full = round(secretary_base(households, tiers) * ratio, 2)
        part = round(reward_part * ratio, 2)
        res = scored.get(c["uuid"])
        score = res["total"] if res else None
        eligible = res is not None and not res["vetoed"] and res["grade"] not in ("不称职", assess_results.PENDING)
        weight = ratio * max(0.0, score - floor_score) if eligible and score is not None else 0.0
        rows.append({"subject_uuid": c["uuid"], "name": c["person_name"],
                     "village": village["name"] if village else c["village_name"], "households": households,
                     "role": c["role"], "role_label": assess.VILLAGE_ROLES.get(c["role"], c["role"]),
                     "full_amount": full, "basic_part": round(full - part, 2), "reward_part": part,
                     "score": score, "grade": res["grade"] if res else "", "weight": weight,
                     "eligible": eligible})
    pool = sum(r["reward_part"] for r in rows)
    shares = split_by_score(pool, [r["weight"] for r in rows])
    for r, share in zip(rows, shares, strict=True):
        r["reward_paid"] = share
        r["total_paid"] = round(r["basic_part"] + share, 2)
    return rows


# ---- fixed rewards and honours across years (seed 001) -------------------------------

def parse_prizes(text: str) -> dict[str, float]:
    """'一等奖:4000,二等奖:3000' → {'一等奖': 4000.0, ...}."""
    out: dict[str, float] = {}
    for part in (text or "").replace("，", ",").split(","):
        if not part.strip():
            continue
        try:
            prize, amount = part.replace("：", ":").split(":")
            out[prize.strip()] = float(amount)
        except ValueError:
            raise ValidationError("获奖乡镇每人奖励", f"“{part}”格式不对，应写成 奖次:金额。") from None
    return out


def set_township_prize(db: Database, actor: Actor, plan_uuid: str, prize: str) -> None:
    """Record the township's prize in the county's target assessment of the
    plan's year (一等奖 …, or '' for none)."""
    require(actor, "assess.write")
    prize = (prize or "").strip()
    if prize not in TOWNSHIP_PRIZES:
        raise ValidationError("乡镇获奖等次", f"“{prize}”无效，可用：{'、'.join(p for p in TOWNSHIP_PRIZES if p)}或空。")
    records.get_existing(db, "assess_plans", plan_uuid)
    with db.atomic():
        records.update(db, "assess_plans", plan_uuid, {"township_prize": prize}, actor)


def add_past_grade(db: Database, actor: Actor, person_name: str, year: int, grade: str, person_uuid: str | None = None,
                   note: str = "") -> str:
    """Record a year-end grade from before the program (from the paper
    archive), so that consecutive 优秀 years can be counted."""
    from models.core.personal import check_text

    require(actor, "assess.write")
    name = check_text(person_name, "姓名", 30, required=True)
    note = check_text(note, "依据", 200)
    try:
        year = int(year)
    except (TypeError, ValueError):
        raise ValidationError("年度", f"“{year}”不是年份。") from None
    if not 2000 <= year <= 2100:
        raise ValidationError("年度", "应在 2000 到 2100 之间。")
    if grade not in assess.GRADES:
        raise ValidationError("等次", f"应为{'、'.join(assess.GRADES)}之一。")
    with db.atomic():
        found = db.execute("SELECT uuid FROM assess_past_grades WHERE deleted = 0 AND year = ? AND "
                           "(person_uuid = ? OR (person_uuid IS NULL AND person_name = ?))",
                           [year, person_uuid, name]).fetchone()
        if found:
            records.update(db, "assess_past_grades", found[0], {"grade": grade, "note": note}, actor)
            return found[0]
        return records.insert(db, "assess_past_grades", {"person_uuid": person_uuid, "person_name": name,
                                                          "year": year, "grade": grade, "note": note}, actor)


def _year_grades(db: Database, township_code: str) -> dict:
    """{(person key, year): grade} from stored year results and past grades;
    the key is the roster uuid, or the name when there is none."""
    out = {}
    for key_uuid, name, year, grade in db.execute(
            "SELECT person_uuid, person_name, year, grade FROM assess_past_grades WHERE deleted = 0 "
            "AND township_code = ?", [township_code]):
        out[(key_uuid or name, year)] = grade
    for key_uuid, name, year, grade in db.execute(
            "SELECT s.person_uuid, s.person_name, p.year, r.grade FROM assess_results r "
            "JOIN assess_subjects s ON s.uuid = r.subject_uuid JOIN assess_plans p ON p.uuid = r.plan_uuid "
            "WHERE r.period = 'Y' AND p.deleted = 0 AND s.deleted = 0 AND p.township_code = ?", [township_code]):
        out[(key_uuid or name, year)] = grade  # a computed result wins over the archive
    return out


def excellent_streak(grades: dict, key: str, year: int) -> int:
    """How many years running, ending with `year`, the person was 优秀."""
    n = 0
    while grades.get((key, year - n)) == "优秀":
        n += 1
    return n


def honours(db: Database, plan_uuid: str) -> list[dict]:
    """Fixed rewards of a plan's year for each township cadre assessed
    (seed 001): the township's prize per person, 800 yuan for 优秀, and
    三等功 with 1500 yuan when 优秀 N years running (the N-th, 2N-th … year).
    Village cadres are paid through the subsidy; a 待定 grade gets nothing
    until decided."""
    plan = records.get_existing(db, "assess_plans", plan_uuid)
    prizes = parse_prizes(str(settings.get(db, "assess.reward_township_prizes")))
    prize = plan.get("township_prize") or ""
    if prize and prize not in prizes:
        raise ValidationError("获奖乡镇每人奖励", f"设置中没有“{prize}”的金额，请在 设置 → 参数 中补上。")
    per_person = prizes.get(prize, 0.0) if prize else 0.0
    excellent_amount = float(settings.get(db, "assess.reward_excellent"))
    merit_years = int(settings.get(db, "assess.merit_years"))
    merit_amount = float(settings.get(db, "assess.merit_amount"))
    if merit_years < 1:
        raise ValidationError("连续几年优秀记三等功", "应至少为 1 年。")
    grades = _year_grades(db, plan["township_code"])
    rows = []
    for r in results(db, plan_uuid, "Y"):
        if r["role"]:
            continue
        key = r["person_uuid"] or r["person_name"]
        streak = excellent_streak(grades, key, plan["year"]) if r["grade"] == "优秀" else 0
        merit = streak >= merit_years and streak % merit_years == 0
        excellent = excellent_amount if r["grade"] == "优秀" else 0.0
        notes = []
        if streak > 1:
            notes.append(f"连续 {streak} 年优秀（{plan['year'] - streak + 1}—{plan['year']}）")
        if r["grade"] == assess_results.PENDING:
            notes.append("等次待定，决定后再定奖励")
        total = per_person + excellent + (merit_amount if merit else 0.0)
        rows.append({"subject_uuid": r["subject_uuid"], "name": r["person_name"], "category": r["category_name"],
                     "grade": r["grade"], "township_prize": prize, "prize_amount": per_person,
                     "excellent_amount": excellent, "streak": streak, "merit": "三等功" if merit else "",
                     "merit_amount": merit_amount if merit else 0.0, "total": total, "note": "；".join(notes)})
    return rows


def reward_rules_text(db: Database, plan: dict) -> str:
    """The fixed reward rules in one sentence, for the notice."""
    prizes = parse_prizes(str(settings.get(db, "assess.reward_township_prizes")))
    prize = plan.get("township_prize") or ""
    parts = []
    if prize:
        parts.append(f"本乡镇{plan['year']}年度目标绩效考核获{prize}，每人奖励 {prizes.get(prize, 0):g} 元")
    parts.append(f"年度考核优秀每人奖励 {float(settings.get(db, 'assess.reward_excellent')):g} 元")
    parts.append(f"连续 {int(settings.get(db, 'assess.merit_years'))} 年考核优秀的记三等功，"
                 f"另奖 {float(settings.get(db, 'assess.merit_amount')):g} 元")
    return "；".join(parts) + "。"


# ---- county balancing of the village reward parts (seed 004: 市里统一权衡) ----------------------

settings.register("assess.county_reward_curve", "600:0,800:700,1000:1400",
                  "县级统一权衡：村党组织书记奖励部分 考核得分:金额（逗号分隔，分段直线；其他职务按比例；本地设定）", str)


def parse_curve(text: str) -> list[tuple[float, float]]:
    """'600:0,800:700,1000:1400' → sorted points of a score-to-amount curve."""
    points = []
    for part in (text or "").replace("，", ",").split(","):
        if not part.strip():
            continue
        try:
            score, amount = part.replace("：", ":").split(":")
            points.append((float(score), float(amount)))
        except ValueError:
            raise ValidationError("统一权衡曲线", f"“{part}”格式不对，应写成 得分:金额。") from None
    points.sort()
    if len(points) < 2:
        raise ValidationError("统一权衡曲线", "至少要两个点（最低分和最高分）。")
    if len({sc for sc, _ in points}) != len(points):
        raise ValidationError("统一权衡曲线", "同一得分不能写两次。")
    if any(b[1] < a[1] for a, b in zip(points, points[1:], strict=False)) or points[0][1] < 0:
        raise ValidationError("统一权衡曲线", "金额不能为负，得分高的金额不能更少。")
    return points


def curve_amount(points: list[tuple[float, float]], score: float) -> float:
    """The secretary's reward part for a score: straight lines between the
    points, the first amount below the first point, the last above the last."""
    if score <= points[0][0]:
        return points[0][1]
    for (s0, a0), (s1, a1) in zip(points, points[1:], strict=False):
        if score <= s1:
            return a0 + (a1 - a0) * (score - s0) / (s1 - s0)
    return points[-1][1]


def set_county_curve(db: Database, actor: Actor, text: str) -> None:
    """The county's one score-to-amount curve (validated, stored as a setting, audited)."""
    require(actor, "settings.write")
    parse_curve(text)
    settings.set_value(db, "assess.county_reward_curve", text.replace("，", ",").replace("：", ":"), actor)


class CountyPersonRow(TypedDict):
    """A village cadre under the township's own split and under the county's common curve."""

    township: str
    village: str
    name: str
    role_label: str
    score: float | None
    grade: str | None
    reward_part: float
    own_split: float
    common: float
    difference: float


class CountyTownshipRow(TypedDict):
    township: str
    people: int
    pool: float
    own_total: float
    own_min: float
    own_max: float
    common_total: float
    common_min: float
    common_max: float
    average_score: float


class CountyVillageRewards(TypedDict):
    year: int
    curve: list[tuple[float, float]]
    townships: list[CountyTownshipRow]
    people: list[CountyPersonRow]
    own_total: float
    common_total: float


class CountyRewardsForNotice(CountyVillageRewards):
    """Data of the county's 统一权衡 notice."""

    title: str
    curve_text: str
    supervision_phone: str
    county_name: str


class PoolShare(TypedDict):
    name: str
    category: str
    total: float | None
    grade: str | None
    amount: float


class RewardPool(TypedDict):
    name: str
    amount: float
    period: str
    rows: list[PoolShare]


class SubsidyRow(TypedDict):
    """A village cadre's subsidy of the year (names and amounts only)."""

    village: str
    households: int | None
    name: str
    role_label: str
    full_amount: float
    basic_part: float
    reward_part: float
    score: float | None
    reward_paid: float
    total_paid: float


class HonourRow(TypedDict):
    name: str
    category: str
    grade: str | None
    prize_amount: float
    excellent_amount: float
    streak: int
    merit: str
    merit_amount: float
    total: float
    note: str


class RewardsForNotice(TypedDict):
    """Data of a reward / subsidy notice."""

    year: int
    title: str
    pools: list[RewardPool]
    subsidies: list[SubsidyRow]
    honours: list[HonourRow]
    reward_rules: str
    supervision_phone: str
    township_name: str


def county_village_rewards(db: Database, year: int, curve_text: str | None = None) -> CountyVillageRewards:
    """The village reward parts of every township side by side: per person
    the township's own split (by its pool) and the amount under the
    county's common curve (role share × curve(score); 不称职 or vetoed: 0),
    and per township the totals, lowest and highest of both. `curve_text`
    tries a curve without storing it."""
    points = parse_curve(curve_text if curve_text is not None else str(settings.get(db, "assess.county_reward_curve")))
    names = {t["code"]: t["name"] for t in records.rows(db, "SELECT code, name FROM townships")}
    people: list[CountyPersonRow] = []
    townships: list[CountyTownshipRow] = []
    for plan in records.rows(db, "SELECT uuid, township_code FROM assess_plans WHERE year = ? AND deleted = 0 "
                                 "ORDER BY township_code, id", [int(year)]):
        rows = village_subsidies(db, plan["uuid"], "Y")
        if not rows:
            continue
        ratios = role_ratios(db)
        name = names.get(plan["township_code"], plan["township_code"])
        for r in rows:
            common = round(ratios.get(r["role"], 0.0) * curve_amount(points, r["score"]), 0) \
                if r["eligible"] and r["score"] is not None else 0.0
            people.append({"township": name, "village": r["village"], "name": r["name"], "role_label": r["role_label"],
                           "score": r["score"], "grade": r["grade"], "reward_part": r["reward_part"],
                           "own_split": r["reward_paid"], "common": common, "difference": common - r["reward_paid"]})
        mine = [p for p in people if p["township"] == name]
        townships.append({"township": name, "people": len(mine), "pool": round(sum(p["reward_part"] for p in mine), 2),
                          "own_total": sum(p["own_split"] for p in mine),
                          "own_min": min(p["own_split"] for p in mine), "own_max": max(p["own_split"] for p in mine),
                          "common_total": sum(p["common"] for p in mine),
                          "common_min": min(p["common"] for p in mine), "common_max": max(p["common"] for p in mine),
                          "average_score": round(sum(p["score"] or 0 for p in mine) / len(mine), 1)})
    return {"year": int(year), "curve": points, "townships": townships, "people": people,
            "own_total": sum(t["own_total"] for t in townships), "common_total": sum(t["common_total"] for t in townships)}


def county_rewards_for_notice(db: Database, year: int) -> CountyRewardsForNotice:
    """Data of the county's 村干部奖励补贴统一权衡 notice."""
    data = county_village_rewards(db, year)
    curve = "、".join(f"{s:g} 分 {a:g} 元" for s, a in data["curve"])
    return {**data, "title": f"{year}年度村干部奖励补贴统一权衡结果公示",
            "curve_text": f"村党组织书记奖励部分按考核得分统一折算（{curve}，其间按比例），"
                          "村委会主任、会计按补贴比例计；不称职、一票否决者不发。",
            "supervision_phone": settings.get(db, "supervision_phone") or "",
            "county_name": settings.get(db, "county_name") or ""}


def export_county_xlsx(db: Database, year: int, path, actor: Actor | None = None) -> str:
    """The side-by-side view and every person's amount under the common curve,
    as .xlsx. Audited when an actor is given (the window always gives one)."""
    from openpyxl import Workbook
    from openpyxl.styles import Font
    from models.core import exports

    if actor is not None:
        exports.require_auditable(db)
    data = county_village_rewards(db, year)
    wb = Workbook()
    ws = wb.active
    ws.title = "各乡镇对比"
    ws.append([f"{year}年度村干部奖励补贴统一权衡"])
    ws["A1"].font = Font(bold=True, size=14)
    ws.append(["统一曲线：" + "、".join(f"{s:g}分→{a:g}元" for s, a in data["curve"])])
    ws.append(["乡镇", "人数", "平均得分", "奖励部分合计", "乡镇自分合计", "自分最低", "自分最高", "统一曲线合计",
               "统一最低", "统一最高"])
    for t in data["townships"]:
        ws.append([t["township"], t["people"], t["average_score"], t["pool"], t["own_total"], t["own_min"],
                   t["own_max"], t["common_total"], t["common_min"], t["common_max"]])
    ws2 = wb.create_sheet("人员明细")
    ws2.append(["乡镇", "村", "姓名", "职务", "考核得分", "等次", "奖励部分", "乡镇自分", "统一曲线", "差额"])
    for p in data["people"]:
        ws2.append([p["township"], p["village"], p["name"], p["role_label"], p["score"], p["grade"],
                    p["reward_part"], p["own_split"], p["common"], p["difference"]])
    for sheet in (ws, ws2):
        for col in "ABCDEFGHIJ":
            sheet.column_dimensions[col].width = 13
    wb.save(str(path))
    if actor is not None:
        exports.audit_export(db, actor, "assess_plans", str(path), len(data["people"]), "xlsx", False,
                             year=year, view="county_balance")
    return str(path)


def rewards_for_notice(db: Database, year: int) -> RewardsForNotice:
    """Data of a reward / subsidy notice (posted before payment): the pool
    split of each stored pool, and the village cadre subsidies."""
    phone, township_name = settings.get(db, "supervision_phone") or "", settings.get(db, "township_name") or ""
    plan = assess.plan_for_year(db, year)
    if plan is None:
        return {"year": int(year), "title": f"{year}年度考核奖励公示", "pools": [], "subsidies": [], "honours": [],
                "reward_rules": "", "supervision_phone": phone, "township_name": township_name}
    pool_rows: list[RewardPool] = []
    for pool in pools(db, plan["uuid"]):
        split = split_pool(db, plan["uuid"], pool["period"], pool["amount"], pool["category_uuid"])
        pool_rows.append({"name": pool["name"], "amount": pool["amount"], "period": pool["period"],
                          "rows": [PoolShare(name=r["name"], category=r["category"], total=r["total"], grade=r["grade"],
                                             amount=r["amount"]) for r in split]})
    subsidy_rows = [SubsidyRow(village=r["village"], households=r["households"], name=r["name"],
                               role_label=r["role_label"], full_amount=r["full_amount"], basic_part=r["basic_part"],
                               reward_part=r["reward_part"], score=r["score"], reward_paid=r["reward_paid"],
                               total_paid=r["total_paid"])
                    for r in village_subsidies(db, plan["uuid"], "Y")]
    honour_rows = [HonourRow(name=r["name"], category=r["category"], grade=r["grade"], prize_amount=r["prize_amount"],
                             excellent_amount=r["excellent_amount"], streak=r["streak"], merit=r["merit"],
                             merit_amount=r["merit_amount"], total=r["total"], note=r["note"])
                   for r in honours(db, plan["uuid"]) if r["total"] > 0]
    return {"year": int(year), "title": f"{year}年度考核奖励及村干部补贴公示", "pools": pool_rows,
            "subsidies": subsidy_rows, "honours": honour_rows, "reward_rules": reward_rules_text(db, plan),
            "supervision_phone": phone, "township_name": township_name}


def export_xlsx(db: Database, plan_uuid: str, path, period: str = "Y", actor: Actor | None = None) -> str:
    """Write the pool splits and village subsidies to an .xlsx file (names
    and amounts, no ID numbers or phones). Audited when an actor is given
    (the window always gives one)."""
    from openpyxl import Workbook
    from openpyxl.styles import Font
    from models.core import exports

    plan = records.get(db, "assess_plans", plan_uuid)
    if plan is None:
        raise ValidationError("考核方案", "不存在或已删除。")
    if actor is not None:
        exports.require_auditable(db)
    wb = Workbook()
    ws = wb.active
    ws.title = "考核奖金"
    ws.append([f"{plan['year']}年度考核奖金分配表"])
    ws["A1"].font = Font(bold=True, size=14)
    ws.append(["奖金项目", "类别", "名次", "姓名", "总分", "等次", "金额（元）", "备注"])
    stored = pools(db, plan_uuid)
    for pool in stored:
        for r in split_pool(db, plan_uuid, pool["period"], pool["amount"], pool["category_uuid"]):
            ws.append([pool["name"], r["category"], r["rank"], r["name"], r["total"], r["grade"], r["amount"],
                       r["note"]])
    if not stored:
        ws.append(["（未设置奖金总额）"])
    ws2 = wb.create_sheet("村干部补贴")
    ws2.append([f"{plan['year']}年度村干部补贴发放表"])
    ws2["A1"].font = Font(bold=True, size=14)
    ws2.append(["村", "户数", "姓名", "职务", "年补贴标准", "基本补贴", "奖励部分", "考核得分", "奖励发放", "合计发放"])
    for r in village_subsidies(db, plan_uuid, period):
        ws2.append([r["village"], r["households"], r["name"], r["role_label"], r["full_amount"], r["basic_part"],
                    r["reward_part"], r["score"], r["reward_paid"], r["total_paid"]])
    ws3 = wb.create_sheet("奖励与荣誉")
    ws3.append([f"{plan['year']}年度考核奖励（固定标准）与荣誉"])
    ws3["A1"].font = Font(bold=True, size=14)
    ws3.append([reward_rules_text(db, plan)])
    ws3.append(["姓名", "类别", "年度等次", "乡镇获奖奖励", "优秀奖励", "连续优秀年数", "荣誉", "三等功奖励", "合计（元）", "说明"])
    for r in honours(db, plan_uuid):
        ws3.append([r["name"], r["category"], r["grade"], r["prize_amount"], r["excellent_amount"], r["streak"],
                    r["merit"], r["merit_amount"], r["total"], r["note"]])
    from models.core.xlsx_safety import openpyxl_text

    for sheet in (ws, ws2, ws3):
        for col in "ABCDEFGHIJ":
            sheet.column_dimensions[col].width = 14
        for row in sheet.iter_rows():
            for cell in row:
                openpyxl_text(cell)  # a name or note beginning with "=" stays text, never a formula
    wb.save(str(path))
    if actor is not None:
        rows = sum(max(sheet.max_row - 2, 0) for sheet in (ws, ws2, ws3))
        exports.audit_export(db, actor, "assess_plans", str(path), rows, "xlsx", False,
                             plan=plan_uuid, period=period)
    return str(path)
