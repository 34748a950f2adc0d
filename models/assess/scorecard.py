"""Assessment (考核): plans, indicator trees, people assessed, scores, ballots,
targets with their checks, and appeals.

Results (totals, ranks, grades) are computed in models/assess/results.py and
rewards in models/assess/rewards.py. Every action here: `require(actor,
"assess.write")`, one transaction, writes through models.core.records (audited).
"""

from __future__ import annotations

import datetime as dt
import math

from models.core import records
from models.roster import team as roster
from models.service import stats as service_stats
from models.service.states import FINISHED

from models.core import settings
from models.core.errors import ValidationError
from models.core.personal import check_text, parse_date
from models.core.users import require

from typing import TYPE_CHECKING

if TYPE_CHECKING:  # annotations only
    from models.core.users import Actor
    from sqlite_utils import Database

CAP = "assess.write"

PERIODS = {"Q1": "第一季度", "Q2": "第二季度", "Q3": "第三季度", "Q4": "第四季度",
           "H1": "上半年", "H2": "下半年", "Y": "全年"}
QUARTERS = ("Q1", "Q2", "Q3", "Q4")
DEFAULT_PERIODS = "Q1,Q2,Q3,Q4,H1,Y"

ITEM_KINDS = {"group": "分组", "normal": "计分项", "bonus": "加分项", "deduction": "扣分项", "veto": "一票否决"}
GRADES = ("优秀", "称职", "基本称职", "不称职")
VOTER_GROUPS = {"leaders": "班子成员", "cadres": "干部", "public": "群众代表"}
BALLOT_FIELDS = {"excellent": "优秀", "competent": "称职", "basic": "基本称职", "incompetent": "不称职"}
# Points one ballot of each grade is worth on a 100-point scale.
BALLOT_VALUES = {"excellent": 100.0, "competent": 80.0, "basic": 60.0, "incompetent": 0.0}
VILLAGE_ROLES = {"secretary": "党组织书记", "director": "村委会主任", "accountant": "会计"}
SUBJECT_KINDS = {"cadre": "干部", "office": "科室", "village_cadre": "村干部"}

# Scores other tabs provide: source key -> label shown next to the score.
DERIVED_SOURCES = {
    "service.on_time": "便民服务：按时办结率",
    "service.satisfaction": "便民服务：群众满意率",
    "service.accountability": "便民服务：责任追究记录",
    "roster.attendance": "领导班子：出勤",
    "service.village_needs": "便民服务：所驻村群众确认的办件",
    "ballot": "民主测评",
}

# How a half-year or the year forms an item's value from the entries (issue 16).
# '' means by kind: normal items average their quarters, bonus and deduction
# items add up the quarters and the period-end entry.
YEAR_RULES = {"": "按类型（计分项取季度平均；加扣分项累计）", "avg": "季度平均", "sum": "季度合计（不超过满分）",
              "period": "期末评定（半年/年终录入）"}
# An upheld appeal writes the item's new period value with this source; for a
# half-year or the year it replaces that item's composed value, nothing else.
APPEAL_SOURCE = "申诉复核"
# What a normal item without data (no entry, no ballots, no ratings) is worth:
# a property of each plan (`assess_plans.missing_rule`, schema m006); the
# setting assess.missing_rule is the office default a new plan starts with.
MISSING_RULES = {"rescale": "其余指标按比例折算到满分", "default": "给该指标的默认分",
                 "manual": "须手工评分（之前为待定）", "zero": "计 0 分并注明"}
# Short names the command line takes (the window offers MISSING_RULES' labels).
MISSING_RULE_SHORT = {"折算": "rescale", "默认分": "default", "手工评分": "manual", "计零": "zero"}

# Labels say where a value comes from: "报告" = a field report (seeds), "本地设定" =
# a local choice the reports leave open.
settings.register("assess.excellent_quota", 0.2, "考核：优秀等次比例上限（0-1；约 20% 为全国惯例）", float)
settings.register("assess.quota_mode", "enforce", "考核：优秀超出比例时（本地设定）", str,
                  choices={"enforce": "按比例自动降为称职", "warn": "仅提醒，由考核办决定"})
settings.register("assess.grade_excellent", 900.0, "考核：优秀分数线（本地设定，报告未规定）", float)
settings.register("assess.grade_competent", 750.0, "考核：称职分数线（本地设定，报告未规定）", float)
settings.register("assess.grade_basic", 600.0, "考核：基本称职分数线（本地设定，报告未规定）", float)
settings.register("assess.weight_leaders", 0.3, "民主测评权重：班子成员（本地设定）", float)
settings.register("assess.weight_cadres", 0.3, "民主测评权重：干部（本地设定）", float)
settings.register("assess.weight_public", 0.4, "民主测评权重：群众代表（本地设定）", float)
settings.register("assess.accountability_deduction", 5.0, "考核：每条责任追究记录扣分（本地设定）", float)
for _key, _label in BALLOT_FIELDS.items():
    settings.register(f"assess.ballot_value_{_key}", BALLOT_VALUES[_key],
                      f"民主测评：一张“{_label}”票折合分（百分制，本地设定，报告未规定）", float)
settings.register("assess.missing_rule", "rescale", "考核：指标无数据时（本地设定；新建方案的默认做法，各方案可在方案设置中另选）",
                  str, choices=MISSING_RULES)
settings.register("assess.village_needs_on_time_weight", 0.5,
                  "驻村干部群众需求办理：按时办结率所占权重（其余为群众满意率，本地设定）", float)

EPS = 1e-6


# ---- helpers ----------------------------------------------------------------

def _plan(db: Database, plan_uuid: str) -> dict:
    plan = records.get(db, "assess_plans", plan_uuid)
    if plan is None:
        raise ValidationError("考核方案", "不存在或已删除。")
    return plan


def _category(db: Database, category_uuid: str) -> dict:
    cat = records.get(db, "assess_categories", category_uuid)
    if cat is None:
        raise ValidationError("考核类别", "不存在或已删除。")
    return cat


def _item(db: Database, item_uuid: str) -> dict:
    item = records.get(db, "assess_items", item_uuid)
    if item is None:
        raise ValidationError("考核指标", "不存在或已删除。")
    return item


def _subject(db: Database, subject_uuid: str) -> dict:
    subject = records.get(db, "assess_subjects", subject_uuid)
    if subject is None:
        raise ValidationError("考核对象", "不存在或已删除。")
    return subject


def _number(value, field: str, row=None) -> float:
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise ValidationError(field, f"“{value}”不是数字。", row) from None
    if math.isnan(number) or math.isinf(number):
        raise ValidationError(field, "不是有效数字。", row)
    return number


def _check_period(plan: dict, period: str) -> str:
    period = (period or "").strip().upper()
    if period not in PERIODS:
        raise ValidationError("考核期", f"“{period}”无效，可用：{'、'.join(PERIODS)}。")
    if period not in plan["periods"].split(","):
        raise ValidationError("考核期", f"方案“{plan['name']}”没有{PERIODS[period]}考核期。")
    return period


def period_range(year: int, period: str) -> tuple[dt.date, dt.date]:
    """First and last day of a period of a year."""
    starts = {"Q1": (1, 3), "Q2": (4, 6), "Q3": (7, 9), "Q4": (10, 12), "H1": (1, 6), "H2": (7, 12), "Y": (1, 12)}
    first, last = starts[period]
    end = dt.date(year + (last == 12), 1 if last == 12 else last + 1, 1) - dt.timedelta(days=1)
    return dt.date(year, first, 1), end


# ---- plans and categories ----------------------------------------------------

def _leaf(name, points, source="", standard=""):
    return {"name": name, "kind": "normal", "max_points": points, "source": source, "standard": standard}


def standard_tree(category_name: str) -> list[dict]:
    """The 德能勤绩廉 tree (1000 points) offered for a new category, with the
    usual bonus, deduction and veto items."""
    if "服务" in category_name:
        achievement = [_leaf("按时办结率", 150, "service.on_time", "按时办结率 × 150"),
                       _leaf("群众满意率", 100, "service.satisfaction", "满意率 × 100"),
                       _leaf("岗位目标完成", 150, "", "按岗位目标责任书逐项验收")]
    elif "驻村" in category_name:
        achievement = [_leaf("群众需求办理", 200, "service.village_needs",
                             "所驻村群众确认办结的办件：按时办结率与满意率折算"),
                       _leaf("驻村目标完成", 200, "", "按驻村目标责任书逐项验收")]
    elif "村" in category_name:
        achievement = [_leaf("承诺目标完成", 300, "", "按目标承诺书逐项验收"),
                       _leaf("村务公开", 100, "", "按时上墙公开")]
    else:
        achievement = [_leaf("目标任务完成", 250, "", "按目标责任书逐项验收"),
                       _leaf("重点工作", 150, "", "项目推进、招商引资等")]
    groups = [
        ("德", 100, [_leaf("政治素质", 50), _leaf("职业道德", 50)]),
        ("能", 150, [_leaf("业务能力", 80), _leaf("协调能力", 70)]),
        ("勤", 150, [_leaf("出勤", 80, "roster.attendance", "出勤率 × 80"), _leaf("工作态度", 70)]),
        ("绩", 400, achievement),
        ("廉", 100, [_leaf("廉洁自律", 100)]),
        ("民主测评", 100, [dict(_leaf("民主测评得分", 100, "ballot", "按测评票折算"), year_rule="period")]),
    ]
    tree = [{"name": n, "kind": "group", "max_points": p, "children": c} for n, p, c in groups]
    tree += [
        {"name": "上级表彰", "kind": "bonus", "max_points": 30, "standard": "县级以上表彰每次 10 分"},
        {"name": "工作创新", "kind": "bonus", "max_points": 20, "standard": "经验被推广每次 10 分"},
        {"name": "责任追究", "kind": "deduction", "max_points": 50, "source": "service.accountability",
         "standard": "每条记录扣 5 分"},
        {"name": "工作失误", "kind": "deduction", "max_points": 50},
        {"name": "计划生育", "kind": "veto", "max_points": 0, "standard": "发生违反政策生育一票否决"},
        {"name": "社会治安综合治理", "kind": "veto", "max_points": 0},
        {"name": "安全生产", "kind": "veto", "max_points": 0, "standard": "发生较大安全事故一票否决"},
    ]
    return tree


STANDARD_CATEGORIES = [
    ("班子主要领导", False), ("分管领导", False), ("驻村干部", True),
    ("服务中心干部", False), ("一般干部", False), ("村两委", False),
]


def missing_rule_code(value) -> str:
    """The stored code of a missing-data rule given as its code or its Chinese label."""
    text = str(value or "").strip()
    by_label = {label: code for code, label in MISSING_RULES.items()} | MISSING_RULE_SHORT
    if text in MISSING_RULES:
        return text
    if text in by_label:
        return by_label[text]
    raise ValidationError("指标无数据时", f"“{text}”无效，应为{'、'.join(MISSING_RULE_SHORT)}之一"
                                      f"（{'；'.join(MISSING_RULES.values())}）。")


def create_plan(db: Database, actor: Actor, year: int, name: str = "", periods: str = DEFAULT_PERIODS,
                standard: bool = True, township_code: str | None = None, missing_rule: str | None = None) -> str:
    """A new plan for a year; with `standard` the usual categories and the
    德能勤绩廉 tree are filled in. Without `missing_rule` the plan takes the
    office default (setting assess.missing_rule). Returns the plan uuid."""
    require(actor, CAP)
    missing_rule = missing_rule_code(missing_rule if missing_rule not in (None, "")
                                     else settings.get(db, "assess.missing_rule"))
    year = int(_number(year, "年度"))
    if not 2000 <= year <= 2100:
        raise ValidationError("年度", "应在 2000 到 2100 之间。")
    name = check_text(name or f"{year}年度干部考核方案", "方案名称", 60, required=True)
    parts = [p.strip().upper() for p in (periods or DEFAULT_PERIODS).split(",") if p.strip()]
    for p in parts:
        if p not in PERIODS:
            raise ValidationError("考核期", f"“{p}”无效，可用：{'、'.join(PERIODS)}。")
    with db.atomic():
        plan_uuid = records.insert(db, "assess_plans", {"year": year, "name": name, "periods": ",".join(parts),
                                                        "missing_rule": missing_rule}, actor, township_code)
        if standard:
            for order, (cat_name, stationed) in enumerate(STANDARD_CATEGORIES):
                cat_uuid = _insert_category(db, actor, plan_uuid, cat_name, 1000, 30, 60, stationed, order)
                _insert_tree(db, actor, plan_uuid, cat_uuid, None, standard_tree(cat_name))
    return plan_uuid


def _insert_category(db: Database, actor: Actor, plan_uuid, name, total, bonus_cap, deduction_cap, stationed, order) -> str:
    plan = _plan(db, plan_uuid)
    return records.insert(db, "assess_categories", {
        "plan_uuid": plan_uuid, "name": name, "total_points": total, "bonus_cap": bonus_cap,
        "deduction_cap": deduction_cap, "village_stationed": int(bool(stationed)), "sort_order": order,
    }, actor, plan["township_code"])


def _insert_tree(db: Database, actor: Actor, plan_uuid, category_uuid, parent_uuid, nodes, township_code=None) -> None:
    township_code = township_code or _plan(db, plan_uuid)["township_code"]
    for order, node in enumerate(nodes):
        item_uuid = records.insert(db, "assess_items", {
            "plan_uuid": plan_uuid, "category_uuid": category_uuid, "parent_uuid": parent_uuid,
            "name": node["name"], "kind": node["kind"], "max_points": float(node.get("max_points") or 0),
            "standard": node.get("standard") or "", "source": node.get("source") or "", "sort_order": order,
            "year_rule": node.get("year_rule") or "", "default_points": node.get("default_points"),
        }, actor, township_code)
        if node.get("children"):
            _insert_tree(db, actor, plan_uuid, category_uuid, item_uuid, node["children"], township_code)


def add_category(db: Database, actor: Actor, plan_uuid: str, name: str, total_points: float = 1000, bonus_cap: float = 30,
                 deduction_cap: float = 60, village_stationed: bool = False, standard: bool = True) -> str:
    """Add a category of people to a plan (optionally with the standard tree)."""
    require(actor, CAP)
    name = check_text(name, "类别名称", 30, required=True)
    total = _number(total_points, "总分")
    bonus_cap, deduction_cap = _number(bonus_cap, "加分上限"), _number(deduction_cap, "扣分上限")
    if total <= 0 or bonus_cap < 0 or deduction_cap < 0:
        raise ValidationError("总分", "总分须大于 0，加分、扣分上限不能为负。")
    with db.atomic():
        if db.execute("SELECT 1 FROM assess_categories WHERE plan_uuid = ? AND name = ? AND deleted = 0",
                      [plan_uuid, name]).fetchone():
            raise ValidationError("类别名称", f"“{name}”已存在。")
        order = db.execute("SELECT count(*) FROM assess_categories WHERE plan_uuid = ?", [plan_uuid]).fetchone()[0]
        cat_uuid = _insert_category(db, actor, plan_uuid, name, total, bonus_cap, deduction_cap, village_stationed, order)
        if standard and total == 1000:
            _insert_tree(db, actor, plan_uuid, cat_uuid, None, standard_tree(name))
    return cat_uuid


def update_category(db: Database, actor: Actor, category_uuid: str, **changes) -> None:
    """Change name, total_points, bonus_cap, deduction_cap or village_stationed."""
    require(actor, CAP)
    allowed = {"name", "total_points", "bonus_cap", "deduction_cap", "village_stationed"}
    clean: dict[str, object] = {}
    for key, value in changes.items():
        if key not in allowed:
            continue
        if key == "name":
            clean[key] = check_text(value, "类别名称", 30, required=True)
        elif key == "village_stationed":
            clean[key] = int(bool(value))
        else:
            points = _number(value, {"total_points": "总分", "bonus_cap": "加分上限", "deduction_cap": "扣分上限"}[key])
            if points < 0:
                raise ValidationError("分值", "不能为负。")
            clean[key] = points
    with db.atomic():
        records.update(db, "assess_categories", category_uuid, clean, actor)


def update_plan(db: Database, actor: Actor, plan_uuid: str, name: str | None = None, missing_rule: str | None = None) -> dict:
    """Change a plan's name and/or its missing-data rule (None = unchanged).
    Returns the changed fields (empty when nothing changed). The stored
    results are not recomputed here: results.change_plan does both."""
    require(actor, CAP)
    plan = _plan(db, plan_uuid)
    changes: dict = {}
    if name is not None:
        name = check_text(name, "方案名称", 60, required=True)
        if name != plan["name"]:
            changes["name"] = name
    if missing_rule is not None:
        code = missing_rule_code(missing_rule)
        if code != plan["missing_rule"]:
            changes["missing_rule"] = code
    if changes:
        with db.atomic():
            records.update(db, "assess_plans", plan_uuid, changes, actor)
    return changes


def plans(db: Database, township_code: str | None = None) -> list[dict]:
    """Live plans, newest year first."""
    sql = ("SELECT uuid, year, name, periods, origin, township_code, township_prize, missing_rule FROM assess_plans "
           "WHERE deleted = 0")
    params = []
    if township_code:
        sql += " AND township_code = ?"
        params.append(township_code)
    return records.rows(db, sql + " ORDER BY year DESC, id DESC", params)


def plan_for_year(db: Database, year: int, township_code: str | None = None) -> dict | None:
    """The (first) live plan of a year, local township unless given."""
    code = township_code or records.local_township_code(db)
    found = records.rows(db, "SELECT * FROM assess_plans WHERE year = ? AND township_code = ? AND deleted = 0 "
                             "ORDER BY id LIMIT 1", [int(year), code])
    return found[0] if found else None


def categories(db: Database, plan_uuid: str) -> list[dict]:
    """Categories of a plan in display order."""
    return records.rows(db, "SELECT uuid, name, total_points, bonus_cap, deduction_cap, village_stationed, sort_order "
                            "FROM assess_categories WHERE plan_uuid = ? AND deleted = 0 ORDER BY sort_order, id",
                        [plan_uuid])


def items(db: Database, category_uuid: str) -> list[dict]:
    """All live items of a category, parents before children, in tree order."""
    flat = records.rows(db, "SELECT uuid, parent_uuid, name, kind, max_points, standard, source, sort_order, "
                            "year_rule, default_points FROM assess_items WHERE category_uuid = ? AND deleted = 0 ORDER BY sort_order, id",
                        [category_uuid])
    by_parent: dict = {}
    for it in flat:
        by_parent.setdefault(it["parent_uuid"], []).append(it)
    out: list[dict] = []

    def walk(parent, depth):
        for it in by_parent.get(parent, []):
            it["depth"] = depth
            out.append(it)
            walk(it["uuid"], depth + 1)

    walk(None, 0)
    return out


def leaf_items(db: Database, category_uuid: str) -> list[dict]:
    """Items that take a score (everything except groups), in tree order."""
    return [it for it in items(db, category_uuid) if it["kind"] != "group"]


def copy_plan(db: Database, actor: Actor, source_plan_uuid: str, year: int, name: str = "", with_subjects: bool = True,
              origin: str = "copied", missing_rule: str | None = None) -> str:
    """Copy a plan (categories, indicator tree, missing-data rule unless one
    is given, and optionally the people assessed) into a new year. Used for
    'copy from last year' and for a plan received from the county (origin='county')."""
    require(actor, CAP)
    source = _plan(db, source_plan_uuid)
    missing_rule = missing_rule_code(source["missing_rule"] if missing_rule in (None, "") else missing_rule)
    year = int(_number(year, "年度"))
    if source["township_code"] != records.local_township_code(db):
        origin = "county"  # a template the county sent with its reference data
    with db.atomic():
        plan_uuid = records.insert(db, "assess_plans", {
            "year": year, "name": name or source["name"].replace(str(source["year"]), str(year)),
            "periods": source["periods"], "origin": origin, "missing_rule": missing_rule,
            "note": f"{'县级下发' if origin == 'county' else '复制自'} {source['year']} 年方案"}, actor)
        for cat in categories(db, source_plan_uuid):
            new_cat = _insert_category(db, actor, plan_uuid, cat["name"], cat["total_points"], cat["bonus_cap"],
                                       cat["deduction_cap"], cat["village_stationed"], cat["sort_order"])
            mapping: dict = {None: None}
            for it in items(db, cat["uuid"]):
                mapping[it["uuid"]] = records.insert(db, "assess_items", {
                    "plan_uuid": plan_uuid, "category_uuid": new_cat, "parent_uuid": mapping[it["parent_uuid"]],
                    "name": it["name"], "kind": it["kind"], "max_points": it["max_points"],
                    "standard": it["standard"], "source": it["source"], "sort_order": it["sort_order"],
                    "year_rule": it["year_rule"], "default_points": it["default_points"]}, actor)
            if with_subjects:
                for s in subjects(db, cat["uuid"]):
                    records.insert(db, "assess_subjects", {
                        "plan_uuid": plan_uuid, "category_uuid": new_cat, "person_uuid": s["person_uuid"],
                        "person_name": s["person_name"], "kind": s["kind"], "village_uuid": s["village_uuid"],
                        "village_name": s["village_name"], "role": s["role"], "sort_order": s["sort_order"]}, actor)
    return plan_uuid


# ---- indicator tree ----------------------------------------------------------

def _validate_item_fields(name, kind, max_points, standard, source, row=None) -> tuple:
    name = check_text(name, "指标名称", 60, required=True)
    if kind not in ITEM_KINDS:
        raise ValidationError("指标类型", f"“{kind}”无效，可用：{'、'.join(ITEM_KINDS)}。", row)
    points = _number(max_points or 0, f"“{name}”的分值", row)
    if points < 0:
        raise ValidationError(f"“{name}”的分值", "不能为负。", row)
    if kind != "veto" and points <= 0:
        raise ValidationError(f"“{name}”的分值", "必须大于 0。", row)
    standard = check_text(standard, f"“{name}”的评分标准", 500, multiline=True)
    source = (source or "").strip()
    if source and source not in DERIVED_SOURCES:
        raise ValidationError(f"“{name}”的数据来源", f"“{source}”无效。", row)
    return name, kind, (0.0 if kind == "veto" else points), standard, source


def _validate_composition(name: str, kind: str, points: float, year_rule: str, default_points,
                          row=None) -> tuple[str, float | None]:
    """How the item's half-year/year value is formed, and its worth when it has no data."""
    rule = (year_rule or "").strip()
    if rule not in YEAR_RULES:
        raise ValidationError(f"“{name}”的年度计算方式", f"“{rule}”无效，可用：{'、'.join(k for k in YEAR_RULES if k)}。", row)
    if default_points in (None, ""):
        return rule, None
    default = _number(default_points, f"“{name}”的无数据默认分", row)
    if kind != "normal":
        raise ValidationError(f"“{name}”的无数据默认分", "只有计分项有默认分。", row)
    if default < 0 or default > points + EPS:
        raise ValidationError(f"“{name}”的无数据默认分", f"应在 0 到满分 {points:g} 之间。", row)
    return rule, round(default, 2)


def add_item(db: Database, actor: Actor, category_uuid: str, name: str, kind: str = "normal", max_points: float = 0,
             parent_uuid: str | None = None, standard: str = "", source: str = "", year_rule: str = "",
             default_points=None) -> str:
    """Add one indicator. The tree may be unbalanced while being edited:
    `tree_problems` names what does not add up."""
    require(actor, CAP)
    cat = _category(db, category_uuid)
    name, kind, points, standard, source = _validate_item_fields(name, kind, max_points, standard, source)
    year_rule, default_points = _validate_composition(name, kind, points, year_rule, default_points)
    if parent_uuid:
        parent = _item(db, parent_uuid)
        if parent["kind"] != "group" or parent["category_uuid"] != category_uuid:
            raise ValidationError("上级指标", "只能加在本类别的分组下面。")
    with db.atomic():
        order = db.execute("SELECT count(*) FROM assess_items WHERE category_uuid = ? AND parent_uuid IS ?",
                           [category_uuid, parent_uuid]).fetchone()[0]
        return records.insert(db, "assess_items", {
            "plan_uuid": cat["plan_uuid"], "category_uuid": category_uuid, "parent_uuid": parent_uuid,
            "name": name, "kind": kind, "max_points": points, "standard": standard, "source": source,
            "sort_order": order, "year_rule": year_rule, "default_points": default_points}, actor, cat["township_code"])


def update_item(db: Database, actor: Actor, item_uuid: str, name: str, kind: str, max_points: float, standard: str = "",
                source: str = "", year_rule: str | None = None, default_points=...) -> None:
    """Change an indicator. A group that has children stays a group. The year
    rule and default score stay as they were unless given."""
    require(actor, CAP)
    item = _item(db, item_uuid)
    name, kind, points, standard, source = _validate_item_fields(name, kind, max_points, standard, source)
    year_rule, default_points = _validate_composition(
        name, kind, points, item["year_rule"] if year_rule is None else year_rule,
        (item["default_points"] if kind == "normal" else None) if default_points is ... else default_points)
    has_children = db.execute("SELECT 1 FROM assess_items WHERE parent_uuid = ? AND deleted = 0",
                              [item_uuid]).fetchone()
    if has_children and kind != "group":
        raise ValidationError("指标类型", f"“{item['name']}”下面还有指标，只能是分组。")
    if kind == "group" and db.execute("SELECT 1 FROM assess_scores WHERE item_uuid = ? AND deleted = 0",
                                      [item_uuid]).fetchone():
        raise ValidationError("指标类型", f"“{item['name']}”已有评分，不能改为分组。")
    with db.atomic():
        records.update(db, "assess_items", item_uuid, {"name": name, "kind": kind, "max_points": points,
                                                       "standard": standard, "source": source,
                                                       "year_rule": year_rule, "default_points": default_points}, actor)


def delete_item(db: Database, actor: Actor, item_uuid: str) -> None:
    """Delete an indicator with everything below it and its scores (tombstones)."""
    require(actor, CAP)
    _item(db, item_uuid)
    with db.atomic():
        todo = [item_uuid]
        while todo:
            current = todo.pop()
            todo += [r[0] for r in db.execute("SELECT uuid FROM assess_items WHERE parent_uuid = ? AND deleted = 0",
                                              [current])]
            for (score_uuid,) in db.execute("SELECT uuid FROM assess_scores WHERE item_uuid = ? AND deleted = 0",
                                            [current]).fetchall():
                records.delete(db, "assess_scores", score_uuid, actor)
            records.delete(db, "assess_items", current, actor)


def tree_problems(db: Database, category_uuid: str) -> list[str]:
    """What does not add up in a category's tree, each naming the item:
    children of a group must sum to the group, top level to the total."""
    cat = _category(db, category_uuid)
    all_items = items(db, category_uuid)
    return _sum_problems(cat, all_items)


def _sum_problems(cat: dict, all_items: list[dict]) -> list[str]:
    problems = []
    counted = [it for it in all_items if it["kind"] in ("group", "normal")]
    top = sum(it["max_points"] for it in counted if not it.get("parent_uuid"))
    if abs(top - cat["total_points"]) > EPS:
        problems.append(f"“{cat['name']}”各一级指标合计 {top:g} 分，应为总分 {cat['total_points']:g} 分。")
    for group in (it for it in all_items if it["kind"] == "group"):
        kids = [it for it in counted if it.get("parent_uuid") == group["uuid"]]
        total = sum(k["max_points"] for k in kids)
        if not kids:
            problems.append(f"“{cat['name']}”的分组“{group['name']}”下面没有计分指标。")
        elif abs(total - group["max_points"]) > EPS:
            problems.append(f"“{cat['name']}”的“{group['name']}”下级指标合计 {total:g} 分，"
                            f"应等于“{group['name']}”的 {group['max_points']:g} 分。")
    return problems


def plan_problems(db: Database, plan_uuid: str) -> list[str]:
    """tree_problems of every category of a plan."""
    out = []
    for cat in categories(db, plan_uuid):
        out += tree_problems(db, cat["uuid"])
    return out


def replace_tree(db: Database, actor: Actor, category_uuid: str, tree: list[dict]) -> None:
    """Replace a category's whole tree (e.g. received or imported) after
    checking it adds up. Nothing is written when a sum is wrong."""
    require(actor, CAP)
    cat = _category(db, category_uuid)
    flat: list[dict] = []

    def flatten(nodes, parent):
        for n in nodes:
            name, kind, points, _, _ = _validate_item_fields(n.get("name"), n.get("kind", "normal"),
                                                             n.get("max_points"), n.get("standard"), n.get("source"))
            key = f"tmp{len(flat)}"
            flat.append({"uuid": key, "parent_uuid": parent, "name": name, "kind": kind, "max_points": points})
            if n.get("children"):
                if kind != "group":
                    raise ValidationError("指标类型", f"“{name}”下面有指标，应为分组。")
                flatten(n["children"], key)

    flatten(tree, None)
    problems = _sum_problems(cat, flat)
    if problems:
        raise ValidationError("指标分值", problems[0])
    with db.atomic():
        for it in items(db, category_uuid):
            if db.execute("SELECT 1 FROM assess_scores WHERE item_uuid = ? AND deleted = 0", [it["uuid"]]).fetchone():
                raise ValidationError("指标", f"“{it['name']}”已有评分，不能整体替换指标体系。")
        for it in reversed(items(db, category_uuid)):
            records.delete(db, "assess_items", it["uuid"], actor)
        _insert_tree(db, actor, cat["plan_uuid"], category_uuid, None, tree, cat["township_code"])


# ---- people assessed ---------------------------------------------------------

def add_subject(db: Database, actor: Actor, category_uuid: str, person_name: str, person_uuid: str | None = None,
                kind: str = "cadre", village_uuid: str | None = None, village_name: str = "",
                role: str = "") -> str:
    """Add a person (or office, or village cadre) to a category."""
    require(actor, CAP)
    cat = _category(db, category_uuid)
    name = check_text(person_name, "姓名", 30, required=True)
    if kind not in SUBJECT_KINDS:
        raise ValidationError("对象类型", f"“{kind}”无效。")
    if kind == "village_cadre":
        if role not in VILLAGE_ROLES:
            raise ValidationError("村干部职务", f"应为{'、'.join(VILLAGE_ROLES.values())}之一。")
        if not village_uuid and not village_name:
            raise ValidationError("所在村", "村干部须注明所在村。")
    with db.atomic():
        if person_uuid and db.execute("SELECT 1 FROM assess_subjects WHERE plan_uuid = ? AND person_uuid = ? "
                                      "AND role = ? AND deleted = 0", [cat["plan_uuid"], person_uuid, role]).fetchone():
            raise ValidationError("姓名", f"“{name}”已在本方案的考核对象中。")
        order = db.execute("SELECT count(*) FROM assess_subjects WHERE category_uuid = ?", [category_uuid]).fetchone()[0]
        return records.insert(db, "assess_subjects", {
            "plan_uuid": cat["plan_uuid"], "category_uuid": category_uuid, "person_uuid": person_uuid,
            "person_name": name, "kind": kind, "village_uuid": village_uuid, "village_name": village_name or "",
            "role": role or "", "sort_order": order}, actor, cat["township_code"])


def remove_subject(db: Database, actor: Actor, subject_uuid: str) -> None:
    """Take a person out of the assessment (scores stay as tombstones)."""
    require(actor, CAP)
    _subject(db, subject_uuid)
    with db.atomic():
        for table in ("assess_scores", "assess_ballots"):
            for (key,) in db.execute(f"SELECT uuid FROM {table} WHERE subject_uuid = ? AND deleted = 0",
                                     [subject_uuid]).fetchall():
                records.delete(db, table, key, actor)
        records.delete(db, "assess_subjects", subject_uuid, actor)


def subjects(db: Database, category_uuid: str) -> list[dict]:
    """People assessed in a category, in display order."""
    return records.rows(db, "SELECT uuid, plan_uuid, category_uuid, person_uuid, person_name, kind, village_uuid, "
                            "village_name, role, sort_order, township_code FROM assess_subjects "
                            "WHERE category_uuid = ? AND deleted = 0 ORDER BY sort_order, id", [category_uuid])


def workplace(place: roster.CadrePlace | None, stationed: bool) -> str:
    """所在村/单位 of a township cadre: the villages a 驻村 cadre is stationed
    in, else the cadre's office; '' when the roster has neither (the leaders:
    their posts are the category itself)."""
    if place is None:
        return ""
    if stationed and place["villages"]:
        return "、".join(place["villages"])
    return place["office"]


def subjects_shown(db: Database, category_uuid: str) -> list[dict]:
    """subjects() with what the 考核对象 list shows: place (a village cadre's
    village, else where the roster places the cadre) and post (a village
    cadre's role, else the roster's current posts)."""
    people = subjects(db, category_uuid)
    cadres = [s["person_uuid"] for s in people if s["person_uuid"] and not s["village_name"]]
    places = roster.cadre_places(db, cadres)
    posts = roster.cadre_posts(db, cadres)
    stationed = bool(db.execute("SELECT village_stationed FROM assess_categories WHERE uuid = ?",
                                [category_uuid]).fetchone()[0])
    for s in people:
        if s["village_name"] or not s["person_uuid"]:
            s["place"], s["post"] = s["village_name"] or "", VILLAGE_ROLES.get(s["role"], "")
        else:
            s["place"] = workplace(places.get(s["person_uuid"]), stationed)
            s["post"] = posts.get(s["person_uuid"], "")
    return people


def roster_candidates(db: Database, township_code: str | None = None) -> list[dict]:
    """Cadres from the roster to pick from."""
    return [{"uuid": c["uuid"], "name": c["name"]} for c in roster.cadre_names(db, township_code=township_code)]


def village_cadre_candidates(db: Database, township_code: str | None = None) -> list[dict]:
    """Village 两委 members from the roster (when present) who take a
    subsidy: branch secretary (also when 一肩挑), committee director, accountant."""
    coverage = roster.village_coverage(db, township_code=township_code)
    out = []
    for v in coverage:
        for o in v["officials"]:
            roles = set((o["roles"] or "").split(","))
            role = "secretary" if "书记" in roles else "director" if "主任" in roles else \
                "accountant" if "会计" in roles else None
            if role:
                out.append({"uuid": o["uuid"], "name": o["name"], "village_uuid": v["uuid"],
                            "village_name": v["name"], "role": role})
    return out


def add_village_cadres_from_roster(db: Database, actor: Actor, category_uuid: str) -> int:
    """Add every subsidised village cadre of the roster not yet in the plan."""
    require(actor, CAP)
    cat = _category(db, category_uuid)
    added = 0
    with db.atomic():
        for c in village_cadre_candidates(db, cat["township_code"]):
            if db.execute("SELECT 1 FROM assess_subjects WHERE plan_uuid = ? AND person_uuid = ? AND deleted = 0",
                          [cat["plan_uuid"], c["uuid"]]).fetchone():
                continue
            add_subject(db, actor, category_uuid, c["name"], person_uuid=c["uuid"], kind="village_cadre",
                        village_uuid=c["village_uuid"], village_name=c["village_name"], role=c["role"])
            added += 1
    return added


def add_subjects_from_roster(db: Database, actor: Actor, category_uuid: str, cadre_uuids: list[str]) -> int:
    """Add roster cadres (by uuid) to a category; returns how many were added."""
    require(actor, CAP)
    cat = _category(db, category_uuid)
    names = {c["uuid"]: c["name"] for c in roster_candidates(db, cat["township_code"])}
    added = 0
    with db.atomic():
        for key in cadre_uuids:
            if key not in names:
                raise ValidationError("干部", f"花名册中找不到 {key}。")
            if db.execute("SELECT 1 FROM assess_subjects WHERE plan_uuid = ? AND person_uuid = ? AND deleted = 0",
                          [cat["plan_uuid"], key]).fetchone():
                continue
            add_subject(db, actor, category_uuid, names[key], person_uuid=key)
            added += 1
    return added


# ---- scores ------------------------------------------------------------------

def parse_points(text, item: dict, row=None):
    """Text typed or pasted into a score cell → a number, or None for empty.
    Veto cells take 是/否决/1 (vetoed) and 否/0 (not)."""
    if text is None:
        return None
    s = str(text).strip()
    if s == "":
        return None
    if item["kind"] == "veto":
        if s in ("是", "否决", "1", "√", "Y", "y"):
            return 1.0
        if s in ("否", "0", "×", "N", "n"):
            return 0.0
        raise ValidationError(f"“{item['name']}”", f"一票否决项填“是”或“否”，不能填“{s}”。", row)
    return _number(s, f"“{item['name']}”的得分", row)


def _check_points(item: dict, points: float, row=None) -> float:
    label = f"“{item['name']}”的得分"
    if item["kind"] == "group":
        raise ValidationError(label, "分组不能直接评分，请给下级指标打分。", row)
    if item["source"] == "ballot":
        raise ValidationError(label, "由民主测评票折算，请在“民主测评”中录入票数。", row)
    if item["kind"] == "veto":
        if points not in (0.0, 1.0):
            raise ValidationError(label, "一票否决项只能是“是”或“否”。", row)
        return points
    if points < 0:
        raise ValidationError(label, "不能为负数（扣分项填扣掉的分数）。", row)
    if points > item["max_points"] + EPS:
        raise ValidationError(label, f"{points:g} 超过该项满分 {item['max_points']:g}。", row)
    return round(points, 2)


def _write_score(db: Database, actor: Actor, plan_uuid, period, subject, item, points, reason, source) -> None:
    existing = db.execute("SELECT uuid, points, reason, source FROM assess_scores WHERE subject_uuid = ? "
                          "AND item_uuid = ? AND period = ? AND deleted = 0",
                          [subject["uuid"], item["uuid"], period]).fetchone()
    if points is None:
        if existing:
            records.delete(db, "assess_scores", existing[0], actor)
        return
    if existing:
        if reason is None:  # a sheet without reasons: an unchanged score keeps its reason and source
            if existing[1] == points:
                return
            reason = existing[2] or ""
        if existing[1] == points and (existing[2] or "") == reason and existing[3] == source:
            return
        records.update(db, "assess_scores", existing[0], {"points": points, "reason": reason, "source": source}, actor)
    else:
        records.insert(db, "assess_scores", {
            "plan_uuid": plan_uuid, "period": period, "subject_uuid": subject["uuid"], "item_uuid": item["uuid"],
            "points": points, "reason": reason or "", "source": source}, actor, subject["township_code"])


def check_cell(item: dict, value, row=None):
    """What a score cell would store for a typed/pasted value (None = empty),
    or ValidationError naming the item: used by the grid to check a paste
    before anything is saved."""
    points = parse_points(value, item, row) if not isinstance(value, (int, float)) else float(value)
    return None if points is None else _check_points(item, points, row)


def set_score(db: Database, actor: Actor, period: str, subject_uuid: str, item_uuid: str, points, reason: str = "",
              source: str = "") -> None:
    """Enter (or clear, with points None/'') one score with its reason."""
    set_scores(db, actor, period, [(subject_uuid, item_uuid, points, reason)], source=source)


def set_scores(db: Database, actor: Actor, period: str, cells, source: str = "") -> int:
    """Enter many scores at once (a paste from Excel, an import): cells are
    (subject_uuid, item_uuid, points-or-text, reason). All are checked first;
    one bad cell refuses the whole batch, naming its row. A reason of None (a
    sheet holds none) keeps the stored one, and a score it leaves as stored
    is not written at all. Returns the count."""
    require(actor, CAP)
    cells = list(cells)
    if not cells:
        return 0
    item_cache: dict = {}
    subject_cache: dict = {}
    checked = []
    plan = None
    for n, (subject_uuid, item_uuid, value, reason) in enumerate(cells, start=1):
        row = n if len(cells) > 1 else None
        subject = subject_cache.get(subject_uuid) or _subject(db, subject_uuid)
        subject_cache[subject_uuid] = subject
        item = item_cache.get(item_uuid) or _item(db, item_uuid)
        item_cache[item_uuid] = item
        if item["category_uuid"] != subject["category_uuid"]:
            raise ValidationError("考核指标", f"“{item['name']}”不属于“{subject['person_name']}”的考核类别。", row)
        if plan is None or plan["uuid"] != subject["plan_uuid"]:
            plan = _plan(db, subject["plan_uuid"])
        period = _check_period(plan, period)
        points = check_cell(item, value, row)
        reason = None if reason is None else check_text(reason, "评分理由", 200, multiline=True)
        checked.append((plan["uuid"], subject, item, points, reason))
    with db.atomic():
        for plan_uuid, subject, item, points, reason in checked:
            _write_score(db, actor, plan_uuid, period, subject, item, points, reason, source)
    return len(checked)


def score_grid(db: Database, category_uuid: str, period: str) -> dict:
    """Everything the score grid shows for one category and period:
    subjects (rows), scorable items (columns) and the cells."""
    cols = leaf_items(db, category_uuid)
    rows = subjects(db, category_uuid)
    cells = {}
    for subject_uuid, item_uuid, points, reason, source in db.execute(
            "SELECT s.subject_uuid, s.item_uuid, s.points, s.reason, s.source FROM assess_scores s "
            "JOIN assess_subjects p ON p.uuid = s.subject_uuid "
            "WHERE p.category_uuid = ? AND p.deleted = 0 AND s.period = ? AND s.deleted = 0", [category_uuid, period]):
        cells[(subject_uuid, item_uuid)] = {"points": points, "reason": reason or "", "source": source or ""}
    return {"subjects": rows, "items": cols, "cells": cells}


def _derived_values(db: Database, plan: dict, period: str) -> dict:
    """source key -> {person_uuid: (fraction-or-count, text)} from other domains."""
    start, end = period_range(plan["year"], period)
    code = plan["township_code"]
    out: dict = {}
    perf = service_stats.staff_performance(db, start, end, township_code=code)
    if perf is not None:
        on_time, satisfied = {}, {}
        for person, stats in perf.items():
            rate = float(stats["on_time_rate"])
            on_time[person] = (rate, f"来自便民服务：按时办结率 {rate:.0%}")
            # no ratings is no data (stats report 0 % then), never 0 points
            if stats["rated"]:
                rate = float(stats["satisfaction_rate"])
                satisfied[person] = (rate, f"来自便民服务：群众满意率 {rate:.0%}")
        out["service.on_time"], out["service.satisfaction"] = on_time, satisfied
    acc = service_stats.accountability_records(db, start, end, township_code=code)
    if acc is not None:
        counts: dict = {}
        for rec in acc:
            cadre = rec["cadre_uuid"]  # None when no roster cadre handled the ticket
            if cadre:
                counts[cadre] = counts.get(cadre, 0) + 1
        out["service.accountability"] = {p: (n, f"来自便民服务：责任追究 {n} 条") for p, n in counts.items()}
    att = roster.attendance_summary(db, start, end, township_code=code)
    if att is not None:
        values = {}
        for person, days_of in att.items():
            # 下村, 开会, 出差 and 学习 are work too; only 请假 is absence, 休息 is not counted
            days = days_of["days"] - days_of["rest"]
            if days > 0:
                worked = days - days_of["leave"]
                rate = worked / days
                values[person] = (rate, f"来自领导班子：出勤 {worked}/{days} 天（{rate:.0%}）")
        out["roster.attendance"] = values
    out["service.village_needs"] = _village_needs(db, start, end, code)
    return out


def _village_needs(db: Database, start: dt.date, end: dt.date, township_code: str) -> dict:
    """Seed 003: a village-stationed cadre is judged on what citizens of the
    villages they are stationed in needed and signed for. Per cadre uuid:
    (fraction, text) from the tickets of those villages that the citizen
    confirmed (群众确认) and that were finished in the period: on-time share
    and, where rated, the share satisfied, weighted by a setting. No such
    ticket: no entry (无数据)."""
    from models.roster import team as roster
    from models.service.stats import SATISFIED_MIN

    stationed: dict[str, list[str]] = {}
    for v in roster.village_coverage(db, township_code=township_code):
        for link in v["liaisons"]:
            if link["kind"] == "驻村":
                stationed.setdefault(link["cadre_uuid"], []).append(v["name"])
    if not stationed:
        return {}
    by_village: dict[str, tuple] = {}
    for village, n, on_time, rated, satisfied in db.execute(
            "SELECT applicant_village, count(*), sum(days_late = 0), count(rating), sum(rating >= ?) FROM tickets "
            f"WHERE deleted = 0 AND confirmed = 1 AND status = '{FINISHED}' AND finished_date BETWEEN ? AND ? "
            "AND township_code = ? GROUP BY applicant_village",
            [SATISFIED_MIN, start.isoformat(), end.isoformat(), township_code]):
        by_village[village] = (n, on_time or 0, rated, satisfied or 0)
    weight = min(1.0, max(0.0, float(settings.get(db, "assess.village_needs_on_time_weight"))))
    out = {}
    for cadre, names in stationed.items():
        n = sum(by_village.get(v, (0, 0, 0, 0))[0] for v in names)
        if not n:
            continue
        on_time = sum(by_village.get(v, (0, 0, 0, 0))[1] for v in names)
        rated = sum(by_village.get(v, (0, 0, 0, 0))[2] for v in names)
        satisfied = sum(by_village.get(v, (0, 0, 0, 0))[3] for v in names)
        on_time_share = on_time / n
        if rated:
            fraction = weight * on_time_share + (1 - weight) * satisfied / rated
            rating_text = f"，评价 {rated} 件中满意 {satisfied} 件"
        else:
            fraction = on_time_share
            rating_text = "，无群众评价（只按按时办结率）"
        out[cadre] = (fraction, f"来自便民服务：{'、'.join(names)}群众确认办结 {n} 件，按时 {on_time} 件{rating_text}")
    return out


def pull_derived_scores(db: Database, actor: Actor, plan_uuid: str, period: str) -> list[str]:
    """Fill items whose source is another tab (on-time rate, satisfaction,
    accountability, attendance). Each score records where it came from.
    Returns messages (what was filled, what was unavailable)."""
    require(actor, CAP)
    plan = _plan(db, plan_uuid)
    period = _check_period(plan, period)
    values = _derived_values(db, plan, period)
    per_record = float(settings.get(db, "assess.accountability_deduction"))
    derived_items = records.rows(db, "SELECT * FROM assess_items WHERE plan_uuid = ? AND deleted = 0 "
                                     "AND source NOT IN ('', 'ballot')", [plan_uuid])
    messages = []
    filled = 0
    with db.atomic():
        for item in derived_items:
            source_values = values.get(item["source"])
            if source_values is None:
                messages.append(f"“{item['name']}”：{DERIVED_SOURCES[item['source']]}的数据暂不可用。")
                continue
            no_data = 0
            for subject in subjects(db, item["category_uuid"]):
                found = source_values.get(subject["person_uuid"])
                if item["source"] == "service.accountability":
                    count = found[0] if found else 0
                    points = min(item["max_points"], count * per_record)
                    text = found[1] if found else "来自便民服务：无责任追究记录"
                elif found is None:
                    # 无数据: an earlier pulled value no longer holds; a hand entry stays
                    no_data += 1
                    old = db.execute("SELECT source FROM assess_scores WHERE subject_uuid = ? AND item_uuid = ? "
                                     "AND period = ? AND deleted = 0", [subject["uuid"], item["uuid"], period]).fetchone()
                    if old and old[0].startswith("来自"):
                        _write_score(db, actor, plan_uuid, period, subject, item, None, "", "")
                    continue
                else:
                    points = min(item["max_points"], round(item["max_points"] * found[0], 2))
                    text = found[1]
                _write_score(db, actor, plan_uuid, period, subject, item, points, "", text)
                filled += 1
            if no_data:
                messages.append(f"“{item['name']}”：{no_data} 人在{PERIODS[period]}没有数据，标为无数据"
                                "（按“考核：指标无数据时”设置处理，不计 0 分）。")
    messages.insert(0, f"已从其他模块取得 {filled} 项得分。")
    return messages


# ---- democratic evaluation ---------------------------------------------------

def _check_ballot(voters, counts: dict, who: str, row=None) -> tuple[int, dict]:
    try:
        voters = int(voters)
    except (TypeError, ValueError):
        raise ValidationError(f"{who}的参评人数", f"“{voters}”不是整数。", row) from None
    if voters <= 0:
        raise ValidationError(f"{who}的参评人数", "必须大于 0。", row)
    clean = {}
    for key, label in BALLOT_FIELDS.items():
        value = counts.get(key, 0)
        try:
            value = int(value or 0)
        except (TypeError, ValueError):
            raise ValidationError(f"{who}的“{label}”票数", f"“{value}”不是整数。", row) from None
        if value < 0:
            raise ValidationError(f"{who}的“{label}”票数", "不能为负数。", row)
        if value > voters:
            raise ValidationError(f"{who}的“{label}”票数", f"{value} 超过参评人数 {voters}。", row)
        clean[key] = value
    if sum(clean.values()) > voters:
        raise ValidationError(f"{who}的票数", f"四项合计 {sum(clean.values())} 超过参评人数 {voters}。", row)
    return voters, clean


def set_ballot(db: Database, actor: Actor, period: str, subject_uuid: str, voter_group: str, voters, excellent=0, competent=0,
               basic=0, incompetent=0) -> None:
    """Record one group's tally for one person (from the paper tally sheet)."""
    set_ballots(db, actor, period, [{"subject_uuid": subject_uuid, "voter_group": voter_group, "voters": voters,
                                     "excellent": excellent, "competent": competent, "basic": basic,
                                     "incompetent": incompetent}])


def set_ballots(db: Database, actor: Actor, period: str, tallies: list[dict]) -> int:
    """Record many tallies; any bad count refuses the whole batch."""
    require(actor, CAP)
    checked = []
    for n, t in enumerate(tallies, start=1):
        row = n if len(tallies) > 1 else None
        subject = _subject(db, t["subject_uuid"])
        plan = _plan(db, subject["plan_uuid"])
        period = _check_period(plan, period)
        group = t.get("voter_group")
        if group not in VOTER_GROUPS:
            raise ValidationError("测评组别", f"“{group}”无效，可用：{'、'.join(VOTER_GROUPS.values())}。", row)
        who = f"{subject['person_name']}（{VOTER_GROUPS[group]}）"
        voters, counts = _check_ballot(t.get("voters"), t, who, row)
        checked.append((plan, subject, group, voters, counts))
    with db.atomic():
        for plan, subject, group, voters, counts in checked:
            existing = db.execute("SELECT uuid FROM assess_ballots WHERE subject_uuid = ? AND period = ? "
                                  "AND voter_group = ? AND deleted = 0", [subject["uuid"], period, group]).fetchone()
            values = {"voters": voters, **counts}
            if existing:
                records.update(db, "assess_ballots", existing[0], values, actor)
            else:
                records.insert(db, "assess_ballots", {"plan_uuid": plan["uuid"], "period": period,
                                                      "subject_uuid": subject["uuid"], "voter_group": group, **values},
                               actor, subject["township_code"])
    return len(checked)


def ballots(db: Database, category_uuid: str, period: str) -> dict:
    """{(subject_uuid, voter_group): tally dict} for a category and period."""
    out = {}
    for r in records.rows(db, "SELECT b.* FROM assess_ballots b JOIN assess_subjects s ON s.uuid = b.subject_uuid "
                              "WHERE s.category_uuid = ? AND b.period = ? AND b.deleted = 0", [category_uuid, period]):
        out[(r["subject_uuid"], r["voter_group"])] = r
    return out


def ballot_weights(db: Database) -> dict:
    """Group weights from the settings."""
    return {g: float(settings.get(db, f"assess.weight_{g}")) for g in VOTER_GROUPS}


def ballot_values(db: Database) -> dict:
    """Points of one ballot of each grade (settings; 100/80/60/0 unless changed)."""
    return {k: float(settings.get(db, f"assess.ballot_value_{k}")) for k in BALLOT_FIELDS}


def ballot_score(tallies: dict, weights: dict, values: dict | None = None) -> float | None:
    """Tallies {group: {voters, excellent, ...}} → 0..100. Each group's score
    is the average value of its ballots (优秀 100, 称职 80, 基本称职 60,
    不称职 0; blank ballots count 0); groups are weighted, and the weights of
    groups that did not vote are shared out among the others."""
    total_weight = 0.0
    score = 0.0
    for group, t in tallies.items():
        voters = t["voters"]
        if not voters:
            continue
        value = sum(t[k] * v for k, v in (values or BALLOT_VALUES).items()) / voters
        w = weights.get(group, 0.0)
        score += w * value
        total_weight += w
    if total_weight <= 0:
        return None
    return score / total_weight


# ---- targets, checks and supervision notices --------------------------------

def add_target(db: Database, actor: Actor, plan_uuid: str, owner_name: str, content: str, measure: str = "", deadline=None,
               quarters: tuple = ("", "", "", ""), signed_on=None, subject_uuid: str | None = None,
               owner_kind: str = "person") -> str:
    """A target commitment (目标承诺) of a person, office or village."""
    require(actor, CAP)
    plan = _plan(db, plan_uuid)
    owner = check_text(owner_name, "责任人/单位", 40, required=True)
    content = check_text(content, "目标内容", 500, required=True, multiline=True)
    measure = check_text(measure, "措施", 500, multiline=True)
    deadline_d = parse_date(deadline, "完成时限")
    signed_d = parse_date(signed_on, "签订日期")
    qs = [check_text(q, f"第{i + 1}季度分解", 200) for i, q in enumerate(list(quarters) + [""] * (4 - len(quarters)))]
    if owner_kind not in ("person", "office", "village"):
        raise ValidationError("承诺主体", "应为个人、科室或村。")
    with db.atomic():
        return records.insert(db, "assess_targets", {
            "plan_uuid": plan_uuid, "subject_uuid": subject_uuid, "owner_name": owner, "owner_kind": owner_kind,
            "content": content, "measure": measure, "deadline": deadline_d and deadline_d.isoformat(),
            "q1": qs[0], "q2": qs[1], "q3": qs[2], "q4": qs[3],
            "signed_on": signed_d and signed_d.isoformat(), "status": "open"}, actor, plan["township_code"])


def targets(db: Database, plan_uuid: str, status: str | None = None) -> list[dict]:
    """Targets of a plan, with their latest check."""
    sql = ("SELECT t.*, (SELECT c.result FROM assess_target_checks c WHERE c.target_uuid = t.uuid AND c.deleted = 0 "
           "ORDER BY c.check_date DESC, c.id DESC LIMIT 1) AS last_result, "
           "(SELECT c.recheck_date FROM assess_target_checks c WHERE c.target_uuid = t.uuid AND c.deleted = 0 "
           "ORDER BY c.check_date DESC, c.id DESC LIMIT 1) AS recheck_date "
           "FROM assess_targets t WHERE t.plan_uuid = ? AND t.deleted = 0")
    params = [plan_uuid]
    if status:
        sql += " AND t.status = ?"
        params.append(status)
    return records.rows(db, sql + " ORDER BY t.owner_name, t.id", params)


def target_checks(db: Database, target_uuid: str) -> list[dict]:
    """Check records of a target, oldest first."""
    return records.rows(db, "SELECT * FROM assess_target_checks WHERE target_uuid = ? AND deleted = 0 "
                            "ORDER BY check_date, id", [target_uuid])


def record_check(db: Database, actor: Actor, target_uuid: str, check_date, checker: str, met: bool, evidence: str = "",
                 recheck_date=None) -> str:
    """A check (检查验收) of a target. An unmet target gets a supervision
    notice number (督办通知单) and must have a re-check date."""
    require(actor, CAP)
    target = records.get(db, "assess_targets", target_uuid)
    if target is None:
        raise ValidationError("目标", "不存在或已删除。")
    day = parse_date(check_date, "检查日期")
    if day is None:
        raise ValidationError("检查日期", "不能为空。")
    checker = check_text(checker, "检查人", 40, required=True)
    evidence = check_text(evidence, "佐证材料", 500, multiline=True)
    recheck = parse_date(recheck_date, "复查日期")
    notice_no = None
    if not met:
        if recheck is None:
            raise ValidationError("复查日期", "未达标的目标须定复查日期。")
        if recheck <= day:
            raise ValidationError("复查日期", "应晚于检查日期。")
    with db.atomic():
        if not met:
            n = db.execute("SELECT count(*) FROM assess_target_checks WHERE notice_no LIKE ?",
                           [f"{day.year}-%"]).fetchone()[0] + 1
            notice_no = f"{day.year}-{n:03d}"
        check_uuid = records.insert(db, "assess_target_checks", {
            "target_uuid": target_uuid, "check_date": day.isoformat(), "checker": checker,
            "result": "达标" if met else "未达标", "evidence": evidence,
            "recheck_date": recheck and recheck.isoformat(), "notice_no": notice_no}, actor, target["township_code"])
        records.update(db, "assess_targets", target_uuid, {"status": "met" if met else "unmet"}, actor)
    return check_uuid


# ---- appeals -----------------------------------------------------------------

def file_appeal(db: Database, actor: Actor, subject_uuid: str, period: str, reason: str, filed_on=None) -> str:
    """Record an appeal (申诉) of a person against a period's result."""
    require(actor, CAP)
    subject = _subject(db, subject_uuid)
    plan = _plan(db, subject["plan_uuid"])
    period = _check_period(plan, period)
    reason = check_text(reason, "申诉理由", 500, required=True, multiline=True)
    day = parse_date(filed_on, "申诉日期") or dt.date.today()
    with db.atomic():
        return records.insert(db, "assess_appeals", {
            "plan_uuid": plan["uuid"], "period": period, "subject_uuid": subject_uuid, "filed_on": day.isoformat(),
            "reason": reason, "status": "open"}, actor, subject["township_code"])


def appeals(db: Database, plan_uuid: str, status: str | None = None) -> list[dict]:
    """Appeals of a plan with the person's name."""
    sql = ("SELECT a.*, s.person_name FROM assess_appeals a JOIN assess_subjects s ON s.uuid = a.subject_uuid "
           "WHERE a.plan_uuid = ? AND a.deleted = 0")
    params = [plan_uuid]
    if status:
        sql += " AND a.status = ?"
        params.append(status)
    return records.rows(db, sql + " ORDER BY a.filed_on DESC, a.id DESC", params)
