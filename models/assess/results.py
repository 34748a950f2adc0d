"""Assessment results: totals, ranks, grades, the 优秀 quota, vetoes, 末位 —
and the plain data the notices helper prints.

The total of a person in a period is composed item by item (issue 16):

* a quarter: each item's entry of that quarter;
* a half-year or the year: each item by its rule (`assess_items.year_rule`):
  normal items the average of the quarters that have an entry ('avg', the
  default), their sum capped at the item's full marks ('sum'), or the entry
  made at the period end ('period', the default of the 民主测评 item, which is
  taken from the ballots of the period); bonus and deduction items add the
  quarters and the period-end entry; an upheld appeal (source 申诉复核) at
  the period replaces that one item's value, so the total moves by exactly
  that item's difference;
* normal items without data (no entry, no ballots, no ratings) are 无数据 and
  handled by the plan's `missing_rule` (rescale the others, the item's
  default, a manual score — 待定 until given — or 0 said out loud; a new
  plan starts with the office default, setting `assess.missing_rule`);
* + min(bonuses, category cap) − min(deductions, category cap);
* a veto (in the period, or for a half-year / the year in any of its
  periods) acts as `assess.veto_effect` says: 不称职 and last (default),
  cannot be 优秀, or a deduction of `assess.veto_deduction` points.

Grades come from the grade lines (local settings). The 优秀 quota
(`assess.excellent_quota`) is counted over a scope (`assess.quota_scope`:
the whole plan by default, per category or per township) and rounded by
`assess.quota_rounding` (half up by default). People tied at the cut are
never split by entry order: they are 待定 until a tie-break is recorded
(`record_tiebreak`: the committee's choice with a reason). 末位 is flagged
in village-stationed categories in the periods of `assess.last_place_periods`
(the year end: seed 000 drops the village-stationed cadre last at 年终考核).

The per-item composition is kept by triggers as the scores are written
(schema m005), so a county is recomputed from one row per person and period. Results are
a local cache (`assess_results`); they do not travel.
"""

from __future__ import annotations

import datetime as dt
import json
import math
from collections.abc import Sequence

from models.assess import scorecard as assess
from models.assess.scorecard import APPEAL_SOURCE, MISSING_RULES, PERIODS, QUARTERS
from models.core import records, settings
from models.roster import team as roster
from models.core.errors import ValidationError
from models.core.personal import check_text
from models.core.users import require

from typing import TYPE_CHECKING, TypedDict

if TYPE_CHECKING:  # annotations only
    from models.core.users import Actor
    from sqlite_utils import Database

# Periods composed from these quarters (and whose vetoes include the quarters').
DERIVED_FROM = {"Y": QUARTERS, "H1": ("Q1", "Q2"), "H2": ("Q3", "Q4")}
# Vetoes marked in these periods count for the period.
VETO_COVERS = {"Y": ("Y", "H1", "H2", *QUARTERS), "H1": ("H1", "Q1", "Q2"), "H2": ("H2", "Q3", "Q4")}

PENDING = "待定"  # not a grade: waiting for a tie-break or a manual score
GRADE_ORDER = {g: i for i, g in enumerate(assess.GRADES)}

QUOTA_SCOPES = {"plan": "整个方案（全部考核对象）", "category": "每个类别", "township": "每个乡镇"}
QUOTA_ROUNDINGS = {"half_up": "四舍五入", "down": "向下取整", "up": "向上取整"}
VETO_EFFECTS = {"incompetent": "定为不称职并排在最后", "not_excellent": "不能评为优秀",
                "deduction": "按设定分值扣分"}

settings.register("assess.quota_scope", "plan", "考核：优秀比例的计算范围（本地设定）", str, choices=QUOTA_SCOPES)
settings.register("assess.quota_rounding", "half_up", "考核：优秀名额取整（本地设定）", str, choices=QUOTA_ROUNDINGS)
settings.register("assess.veto_effect", "incompetent", "考核：一票否决的后果（本地设定，报告未规定）", str,
                  choices=VETO_EFFECTS)
settings.register("assess.veto_deduction", 100.0, "考核：一票否决按扣分处理时每项扣分（本地设定）", float)
# In which periods the last village-stationed cadre is flagged 末位: chosen from a list (stored as period codes).
LAST_PLACE_PERIODS = {"Y": "仅年终考核（报告做法）", "H1,H2,Y": "半年和年终考核",
                      "Q1,Q2,Q3,Q4,Y": "每季度和年终考核", "Q1,Q2,Q3,Q4,H1,H2,Y": "每个考核期"}
settings.register("assess.last_place_periods", "Y", "考核：驻村干部末位在哪些考核期标记（报告：年终考核末位淘汰）", str,
                  choices=LAST_PLACE_PERIODS)


def _choice(db: Database, key: str, allowed: dict) -> str:
    value = str(settings.get(db, key) or "").strip()
    if value not in allowed:
        label = settings.DEFAULTS.get(key, (None, key))[1]
        raise ValidationError(label, f"设置值“{value}”无效，可用：{'、'.join(allowed.values())}。请在 设置 → 参数 中改正。")
    return value


def _thresholds(db: Database) -> list[tuple[float, str]]:
    return [(float(settings.get(db, "assess.grade_excellent")), "优秀"),
            (float(settings.get(db, "assess.grade_competent")), "称职"),
            (float(settings.get(db, "assess.grade_basic")), "基本称职")]


def grade_for(total: float, vetoed: bool, thresholds, veto_effect: str = "incompetent") -> str:
    """Grade band of a total; a veto gives 不称职 or, when the veto only bars
    优秀, at best 称职."""
    if vetoed and veto_effect == "incompetent":
        return "不称职"
    grade = "不称职"
    for line, name in thresholds:
        if total >= line - 1e-9:
            grade = name
            break
    if vetoed and veto_effect == "not_excellent" and grade == "优秀":
        return "称职"
    return grade


def excellent_quota(n: int, share: float, rounding: str = "half_up") -> int:
    """How many may be 优秀 among n people: 20 % of 12 is 2.4 → 2; of 13,
    2.6 → 3 (half up), 2 (down) or 3 (up)."""
    exact = n * share
    if rounding == "down":
        return int(math.floor(exact + 1e-9))
    if rounding == "up":
        return int(math.ceil(exact - 1e-9))
    return int(math.floor(exact + 0.5 + 1e-9))


def _composed_sums(db: Database, plan_ids: list[str] | None, periods: list[str]) -> dict:
    """{(subject_uuid, period): {normal, max_with_data, n_with_data, default_with_data,
    n_without_default, bonus, deduction, ignored}} of the normal, bonus and
    deduction items (ballot items excluded), composed item by item by the
    rules in the module docstring. The sums are kept by triggers (schema
    m005: `assess_item_cells` → `assess_composed`), so this reads one row per
    person and period."""
    where = f" AND period IN ({','.join('?' * len(periods))})"
    params: list = list(periods)
    if plan_ids is not None:
        where += f" AND plan_uuid IN ({','.join('?' * len(plan_ids))})"
        params += plan_ids
    out: dict = {}
    for subject_uuid, per, normal, max_with, n_with, def_with, n_nodef, bonus, deduction, ignored in db.execute(
            "SELECT subject_uuid, period, normal, max_with, n_with, def_with, n_nodef, bonus, deduction, ignored "
            f"FROM assess_composed WHERE (n_any > 0 OR ignored > 0){where}", params):
        out[(subject_uuid, per)] = {"normal": normal, "max_with_data": max_with, "n_with_data": int(n_with),
                                    "default_with_data": def_with, "n_without_default": int(n_nodef),
                                    "bonus": bonus, "deduction": deduction, "ignored": int(ignored)}
    return out


def _category_items(db: Database, in_plans: str, plan_params: list) -> dict:
    """Per category: what its normal items add up to, for missing-data handling."""
    out: dict = {}
    for cat_uuid, source, max_points, default, rule in db.execute(
            "SELECT category_uuid, source, max_points, default_points, year_rule FROM assess_items "
            "WHERE deleted = 0 AND kind = 'normal'" + in_plans + " ORDER BY sort_order, id", plan_params):
        c = out.setdefault(cat_uuid, {"max_all": 0.0, "n_all": 0, "default_all": 0.0, "n_nodefault_all": 0,
                                      "ballot_max": 0.0, "ballot_default": None, "ballot_rule": "period",
                                      "has_ballot": False})
        if source == "ballot":
            c["has_ballot"] = True
            c["ballot_max"] += max_points
            c["ballot_rule"] = rule or "period"
            c["ballot_default"] = default
            continue
        c["max_all"] += max_points
        c["n_all"] += 1
        if default is None:
            c["n_nodefault_all"] += 1
        else:
            c["default_all"] += default
    return out


def recompute(db: Database, plan_uuid: str | None = None, period: str | None = None,
              township_code: str | None = None) -> dict:
    """Rebuild results for one plan (or every plan, optionally of one
    township) and one period (or all). Returns {"count", "warnings",
    "ties"}: ties lists the people tied at an 优秀 cut who wait for a
    tie-break."""
    plan_sql = "SELECT uuid, year, periods, township_code, name, missing_rule FROM assess_plans WHERE deleted = 0"
    params: list = []
    if plan_uuid:
        plan_sql += " AND uuid = ?"
        params.append(plan_uuid)
    if township_code:
        plan_sql += " AND township_code = ?"
        params.append(township_code)
    plan_rows = records.rows(db, plan_sql, params)
    if not plan_rows:
        return {"count": 0, "warnings": [], "ties": []}
    plans = {p["uuid"]: p for p in plan_rows}
    for plan_row in plan_rows:
        _plan_missing_rule(plan_row)
    all_plans = plan_uuid is None and township_code is None
    in_plans = "" if all_plans else f" AND plan_uuid IN ({','.join('?' * len(plans))})"
    plan_params = [] if all_plans else list(plans)
    if period:
        period = period.strip().upper()
        if period not in PERIODS:
            raise ValidationError("考核期", f"“{period}”无效，可用：{'、'.join(PERIODS)}。")

    share = float(settings.get(db, "assess.excellent_quota"))
    enforce = settings.get(db, "assess.quota_mode") != "warn"
    scope = _choice(db, "assess.quota_scope", QUOTA_SCOPES)
    rounding = _choice(db, "assess.quota_rounding", QUOTA_ROUNDINGS)
    veto_effect = _choice(db, "assess.veto_effect", VETO_EFFECTS)
    veto_deduction = float(settings.get(db, "assess.veto_deduction"))
    last_place_periods = set(_choice(db, "assess.last_place_periods", LAST_PLACE_PERIODS).split(","))
    thresholds = _thresholds(db)

    cats = {c["uuid"]: c for c in records.rows(
        db, "SELECT uuid, plan_uuid, name, bonus_cap, deduction_cap, village_stationed FROM assess_categories "
            "WHERE deleted = 0" + in_plans, plan_params)}
    cat_items = _category_items(db, in_plans, plan_params)
    veto_names = {uuid: name for uuid, name in db.execute(
        "SELECT uuid, name FROM assess_items WHERE deleted = 0 AND kind = 'veto'" + in_plans, plan_params)}
    subjects = records.rows(db, "SELECT uuid, plan_uuid, category_uuid, township_code, person_name FROM "
                                "assess_subjects WHERE deleted = 0" + in_plans + " ORDER BY sort_order, id",
                           plan_params)
    subject_plan = {s["uuid"]: s["plan_uuid"] for s in subjects}
    plan_periods = {p["uuid"]: [x for x in PERIODS if x in p["periods"].split(",")] for p in plan_rows}
    wanted_periods = sorted({x for ps in plan_periods.values() for x in ps if not period or x == period},
                            key=list(PERIODS).index)
    if not wanted_periods:
        return {"count": 0, "warnings": [], "ties": []}

    sums = _composed_sums(db, None if all_plans else list(plans), wanted_periods)

    vetoes: dict = {}
    for subject_uuid, per, item_uuid in db.execute(
            "SELECT s.subject_uuid, s.period, s.item_uuid FROM assess_items i "
            "JOIN assess_scores s ON s.item_uuid = i.uuid AND s.deleted = 0 "
            "WHERE i.kind = 'veto' AND i.deleted = 0 AND s.points > 0"
            + in_plans.replace("plan_uuid", "i.plan_uuid"), plan_params):
        vetoes.setdefault(subject_uuid, {}).setdefault(per, set()).add(item_uuid)

    weights = assess.ballot_weights(db)
    values = assess.ballot_values(db)
    ballot_pct: dict = {}
    tallies: dict = {}
    for subject_uuid, per, group, voters, exc, comp, basic, inc in db.execute(
            "SELECT subject_uuid, period, voter_group, voters, excellent, competent, basic, incompetent "
            "FROM assess_ballots WHERE deleted = 0" + in_plans, plan_params):
        tallies.setdefault((subject_uuid, per), {})[group] = {
            "voters": voters, "excellent": exc, "competent": comp, "basic": basic, "incompetent": inc}
    for key, t in tallies.items():
        score = assess.ballot_score(t, weights, values)
        if score is not None:
            ballot_pct[key] = score

    # which periods of each plan have any data (a derived one: when its quarters do)
    data_periods: dict = {}
    for (subject_uuid, per) in list(sums) + list(ballot_pct):
        p = subject_plan.get(subject_uuid)
        if p:
            data_periods.setdefault(p, set()).add(per)
    for subject_uuid, by_period in vetoes.items():
        p = subject_plan.get(subject_uuid)
        if p:
            data_periods.setdefault(p, set()).update(by_period)
    for p, pers in data_periods.items():
        for derived, quarters in DERIVED_FROM.items():
            if pers & set(quarters):
                pers.add(derived)
        pers &= set(plan_periods.get(p, ()))

    now = dt.datetime.now().isoformat(timespec="seconds")
    warnings: list[str] = []
    ignored_people = 0
    groups: dict = {}
    for s in subjects:
        cat = cats.get(s["category_uuid"])
        if cat is None:
            continue
        wanted = data_periods.get(s["plan_uuid"], set())
        if period:
            wanted = wanted & {period}
        ci = cat_items.get(cat["uuid"]) or {"max_all": 0.0, "n_all": 0, "default_all": 0.0, "n_nodefault_all": 0,
                                             "ballot_max": 0.0, "ballot_default": None, "ballot_rule": "period",
                                             "has_ballot": False}
        for per in wanted:
            row = _person_result(s, cat, ci, per, sums, ballot_pct, vetoes, veto_names,
                                 plans[s["plan_uuid"]]["missing_rule"], veto_effect, veto_deduction)
            ignored_people += row.pop("ignored")
            row["plan_uuid"], row["period"] = s["plan_uuid"], per
            groups.setdefault((s["plan_uuid"], per, cat["uuid"]), []).append(row)
    if ignored_people:
        warnings.append(f"有 {ignored_people} 项半年/全年录入的得分按方案不计入（这些指标按季度计算）；"
                        "如该项应按期末评定，请在指标中把“年度计算方式”改为“期末评定”。")

    # grades by line, ranks within each category
    for (_plan, per, cat_uuid), people in groups.items():
        forced_last = veto_effect == "incompetent"
        people.sort(key=lambda r: (r["vetoed"] and forced_last, -r["total"]))
        prev_key, prev_rank = None, 0
        for i, r in enumerate(people, start=1):
            key = (r["vetoed"] and forced_last, r["total"])  # totals are already rounded to 2 places
            r["rank"] = prev_rank if key == prev_key else i
            prev_key, prev_rank = key, r["rank"]
            r["quota_cut"] = 0
            r["last_place"] = 0
            if r["pending"] and r["vetoed"] and veto_effect == "incompetent":
                r["pending"] = False  # a veto decides whatever the missing items would add
            r["grade"] = PENDING if r["pending"] else grade_for(r["total"], r["vetoed"], thresholds, veto_effect)
        cat = cats[cat_uuid]
        if cat["village_stationed"] and per in last_place_periods and len(people) > 1:
            ranked = [r for r in people if not r["pending"]]
            if ranked:
                worst = max(r["rank"] for r in ranked)
                for r in ranked:
                    if r["rank"] == worst:
                        r["last_place"] = 1

    # the 优秀 quota over its scope
    scopes: dict = {}
    for (p_uuid, per, cat_uuid), people in groups.items():
        for r in people:
            if scope == "category":
                key = (p_uuid, per, f"category:{cat_uuid}")
            elif scope == "township":
                key = (p_uuid, per, f"township:{r['township_code']}")
            else:
                key = (p_uuid, per, "plan")
            scopes.setdefault(key, []).append(r)
    decisions = _tiebreak_decisions(db, list(plans))
    names = {s["uuid"]: s["person_name"] for s in subjects}
    order = {s["uuid"]: i for i, s in enumerate(subjects)}
    ties = []
    for (p_uuid, per, scope_key), people in scopes.items():
        label = f"{plans[p_uuid]['name']} {PERIODS[per]}{_scope_label(scope_key, cats)}"
        allowed = excellent_quota(len(people), share, rounding)
        candidates = sorted((r for r in people if r["grade"] == "优秀"), key=lambda r: -r["total"])
        if len(candidates) <= allowed:
            continue
        if not enforce:
            warnings.append(f"{label}：优秀 {len(candidates)} 人，超过比例 {share:.0%}"
                            f"（{len(people)} 人中最多 {allowed} 人），请调整。")
            continue
        if allowed == 0:
            for r in candidates:
                r["grade"], r["quota_cut"] = "称职", 1
            warnings.append(f"{label}：{len(people)} 人按比例 {share:.0%}（{QUOTA_ROUNDINGS[rounding]}）优秀名额为 0，"
                            f"达到优秀线的 {'、'.join(names[r['subject_uuid']] for r in candidates)} 评为称职。"
                            "如不合适，请在设置中改“优秀比例的计算范围”或取整方式。")
            continue
        cut = candidates[allowed - 1]["total"]
        above = [r for r in candidates if r["total"] > cut]
        tied = [r for r in candidates if r["total"] == cut]
        below = [r for r in candidates if r["total"] < cut]
        slots = allowed - len(above)
        for r in below:
            r["grade"], r["quota_cut"] = "称职", 1
        if len(tied) > slots:
            tied_ids = sorted((r["subject_uuid"] for r in tied), key=order.__getitem__)  # as entered, for reading
            decision = decisions.get((p_uuid, per, scope_key))
            if decision and sorted(decision["tied"]) == sorted(tied_ids) and len(decision["chosen"]) == slots:
                for r in tied:
                    if r["subject_uuid"] in decision["chosen"]:
                        r["note"] = f"并列决定：{decision['reason']}"
                    else:
                        r["grade"], r["quota_cut"] = "称职", 1
                        r["note"] = f"并列未入选：{decision['reason']}"
            else:
                for r in tied:
                    r["grade"] = PENDING
                    r["note"] = f"{len(tied)} 人并列 {cut:g} 分争 {slots} 个优秀名额，待考核委员会决定"
                stale = " 已记录的决定与现在的并列名单不符，需重新决定。" if decision else ""
                ties.append({"plan_uuid": p_uuid, "period": per, "scope_key": scope_key, "label": label,
                             "total": cut, "slots": slots, "tied": tied_ids,
                             "names": [names[x] for x in tied_ids]})
                warnings.append(f"{label}：{'、'.join(names[x] for x in tied_ids)} 并列 {cut:g} 分，"
                                f"争 {slots} 个优秀名额，暂定为待定，请记录考核委员会的决定。{stale}")
        cut_n = len(below) + (len(tied) - slots if len(tied) > slots else 0)
        warnings.append(f"{label}：{len(candidates)} 人达到优秀分数线，超过比例 {share:.0%}"
                        f"（{len(people)} 人中最多 {allowed} 人，{QUOTA_ROUNDINGS[rounding]}），"
                        f"排名靠后的 {cut_n} 人按比例评为称职或待定。")

    out_rows = []
    for (_plan, _period, cat_uuid), people in groups.items():
        for r in people:
            out_rows.append((r["plan_uuid"], r["period"], r["subject_uuid"], cat_uuid, r["township_code"],
                             r["item_total"], r["ballot_points"], r["bonus"], r["deduction"], r["total"], r["rank"],
                             r["grade"], int(r["vetoed"]), r["veto_items"], r["quota_cut"], r["last_place"], now,
                             r["missing"], r.get("note")))
    pending_missing = sum(1 for rows in groups.values() for r in rows if r["pending"])
    if pending_missing:
        warnings.append(f"{pending_missing} 人有指标无数据，按方案设定须手工评分（或该项未设默认分），暂定为待定。")

    with db.atomic():
        _write_results(db, out_rows, in_plans, plan_params, period)
    return {"count": len(out_rows), "warnings": warnings, "ties": ties}


# The stored columns a result is compared on (all but the key and computed_at), in out_rows order.
_RESULT_VALUES = ("category_uuid, township_code, item_total, ballot_points, bonus, deduction, total, rank, grade, "
                  "vetoed, veto_items, quota_cut, last_place, missing, note")


def _write_results(db: Database, out_rows: list[tuple], in_plans: str, plan_params: list, period: str | None) -> None:
    """Make the stored results of the recomputed scope equal `out_rows`,
    writing only the rows that changed: rewriting all 24,000 rows of a county
    cost ~350 ms of the ~700 ms a recompute took, and after an edit almost
    every row is the same (computed_at is therefore when a row last changed)."""
    scope = " WHERE 1 = 1" + in_plans + (" AND period = ?" if period else "")
    params = list(plan_params) + ([period] if period else [])
    stored = {(r[0], r[1], r[2]): tuple(r[3:]) for r in db.execute(
        f"SELECT plan_uuid, period, subject_uuid, {_RESULT_VALUES} FROM assess_results{scope}", params)}
    changed = []
    for row in out_rows:
        if stored.pop(row[:3], None) != row[3:16] + row[17:]:
            changed.append(row)
    if stored:  # people or periods no longer computed
        db.conn.executemany("DELETE FROM assess_results WHERE plan_uuid = ? AND period = ? AND subject_uuid = ?",
                            sorted(stored))
    changed.sort(key=lambda r: (r[0], r[1], r[2]))  # key order: cheaper b-tree writes
    db.conn.executemany(
        "INSERT OR REPLACE INTO assess_results (plan_uuid, period, subject_uuid, category_uuid, township_code, "
        "item_total, ballot_points, bonus, deduction, total, rank, grade, vetoed, veto_items, quota_cut, last_place, "
        "computed_at, missing, note) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", changed)


def _plan_missing_rule(plan: dict) -> str:
    """The plan's missing-data rule, refused by name when the stored value is not one of the rules."""
    rule = plan["missing_rule"]
    if rule not in MISSING_RULES:
        raise ValidationError("指标无数据时", f"方案“{plan['name']}”的设定“{rule}”无效，可用："
                                         f"{'、'.join(MISSING_RULES.values())}。请在 考核 → 方案设置 中改正。")
    return rule


def change_plan(db: Database, actor: Actor, plan_uuid: str, name: str | None = None, missing_rule: str | None = None) -> dict:
    """Change a plan's name and/or missing-data rule; a changed rule
    recomputes the plan's results in the same transaction, so no stored
    result is left computed by the old rule. Returns the changed fields."""
    with db.atomic():
        changes = assess.update_plan(db, actor, plan_uuid, name=name, missing_rule=missing_rule)
        if "missing_rule" in changes:
            recompute(db, plan_uuid)
    return changes


def _scope_label(scope_key: str, cats: dict) -> str:
    kind, _, key = scope_key.partition(":")
    if kind == "category":
        return f"“{cats[key]['name']}”" if key in cats else ""
    if kind == "township":
        return f"（乡镇 {key}）"
    return ""


def _ballot_points(subject_uuid: str, per: str, ci: dict, ballot_pct: dict) -> float | None:
    """The 民主测评 item's points in a period (None: no ballots)."""
    if not ci["has_ballot"]:
        return None
    if per in DERIVED_FROM and ci["ballot_rule"] in ("avg", "sum"):
        found = [ballot_pct[(subject_uuid, q)] for q in DERIVED_FROM[per] if (subject_uuid, q) in ballot_pct]
        pct = sum(found) / len(found) if found else None
    else:
        pct = ballot_pct.get((subject_uuid, per))
    return None if pct is None else round(ci["ballot_max"] * pct / 100.0, 2)


def _person_result(s, cat, ci, per, sums, ballot_pct, vetoes, veto_names, missing_rule, veto_effect,
                   veto_deduction) -> dict:
    entry = sums.get((s["uuid"], per)) or {"normal": 0.0, "max_with_data": 0.0, "n_with_data": 0,
                                           "default_with_data": 0.0, "n_without_default": 0, "bonus": 0.0,
                                           "deduction": 0.0, "ignored": 0}
    ballot = _ballot_points(s["uuid"], per, ci, ballot_pct)
    normal = entry["normal"] + (ballot or 0.0)
    missing_n = ci["n_all"] - entry["n_with_data"] + (1 if ci["has_ballot"] and ballot is None else 0)
    missing_max = ci["max_all"] - entry["max_with_data"] + (ci["ballot_max"] if ci["has_ballot"] and ballot is None
                                                            else 0.0)
    pending = False
    missing_text = None
    if missing_n > 0:
        full = ci["max_all"] + ci["ballot_max"]
        if missing_rule == "zero":
            missing_text = f"无数据 {missing_n} 项，计 0 分"
        elif missing_rule == "rescale":
            have = full - missing_max
            if have > 1e-9:
                normal = normal * full / have
                missing_text = f"无数据 {missing_n} 项（{missing_max:g} 分），其余指标按 {full:g}/{have:g} 折算"
            else:
                pending = True
                missing_text = f"无数据 {missing_n} 项，没有可折算的指标，须手工评分"
        elif missing_rule == "default":
            nodefault = ci["n_nodefault_all"] - entry["n_without_default"]
            ballot_default = ci["ballot_default"]
            if ci["has_ballot"] and ballot is None:
                nodefault += 1 if ballot_default is None else 0
            if nodefault > 0:
                pending = True
                missing_text = f"无数据 {missing_n} 项，其中 {nodefault} 项未设默认分，须手工评分"
            else:
                added = ci["default_all"] - entry["default_with_data"]
                if ci["has_ballot"] and ballot is None:
                    added += ballot_default or 0.0
                normal += added
                missing_text = f"无数据 {missing_n} 项，按默认分计 {added:g} 分"
        else:
            pending = True
            missing_text = f"无数据 {missing_n} 项，须手工评分"
    bonus = min(entry["bonus"], cat["bonus_cap"])
    deduction = min(entry["deduction"], cat["deduction_cap"])
    person_vetoes = vetoes.get(s["uuid"])
    veto_text = None
    n_vetoes = 0
    if person_vetoes:  # rare: most people have none
        covered = VETO_COVERS.get(per, (per,))
        vetoed_items: set = set()
        for p, found in person_vetoes.items():
            if p in covered:
                vetoed_items |= found
        n_vetoes = len(vetoed_items)
        veto_text = "、".join(sorted(veto_names.get(v, "") for v in vetoed_items)) or None
    total = normal + bonus - deduction
    if n_vetoes and veto_effect == "deduction":
        total -= veto_deduction * n_vetoes
    total = round(total, 2)
    return {"subject_uuid": s["uuid"], "township_code": s["township_code"],
            "item_total": round(normal - (ballot or 0.0), 2), "ballot_points": ballot, "bonus": round(bonus, 2),
            "deduction": round(deduction, 2), "total": total, "vetoed": veto_text is not None,
            "veto_items": veto_text, "pending": pending, "missing": missing_text, "ignored": entry["ignored"]}


# ---- tie-breaks at the 优秀 cut ---------------------------------------------------

def _tiebreak_decisions(db: Database, plan_ids: list[str]) -> dict:
    out: dict = {}
    if not plan_ids:
        return out
    for r in records.rows(db, f"SELECT plan_uuid, period, scope_key, tied, chosen, reason FROM assess_tiebreaks "
                              f"WHERE deleted = 0 AND plan_uuid IN ({','.join('?' * len(plan_ids))}) ORDER BY id",
                          plan_ids):
        out[(r["plan_uuid"], r["period"], r["scope_key"])] = {
            "tied": json.loads(r["tied"]), "chosen": set(json.loads(r["chosen"])), "reason": r["reason"]}
    return out


def pending_ties(db: Database, plan_uuid: str, period: str) -> list[dict]:
    """Ties at the 优秀 cut waiting for a decision (recomputes the period)."""
    return [t for t in recompute(db, plan_uuid, period)["ties"]]


def record_tiebreak(db: Database, actor: Actor, plan_uuid: str, period: str, scope_key: str, chosen: list[str], reason: str) -> str:
    """Record the committee's decision on a tie at the 优秀 cut: who of the
    tied people is 优秀, and why. Refused unless the tie is current and the
    number chosen fills the open places exactly. Results are recomputed."""
    from models.core.personal import check_text

    require(actor, "assess.write")
    reason = check_text(reason, "决定理由", 200, required=True, multiline=True)
    tie = next((t for t in pending_ties(db, plan_uuid, period) if t["scope_key"] == scope_key), None)
    if tie is None:
        raise ValidationError("并列", "该考核期没有待决定的并列（可能已决定，或成绩已变）。")
    chosen = sorted(set(chosen))
    stray = [c for c in chosen if c not in tie["tied"]]
    if stray:
        raise ValidationError("入选人员", "只能从并列的人中选择。")
    if len(chosen) != tie["slots"]:
        raise ValidationError("入选人员", f"并列 {len(tie['tied'])} 人争 {tie['slots']} 个优秀名额，"
                                       f"应选 {tie['slots']} 人，现选了 {len(chosen)} 人。")
    plan = records.get_existing(db, "assess_plans", plan_uuid)
    with db.atomic():
        for (old,) in db.execute("SELECT uuid FROM assess_tiebreaks WHERE plan_uuid = ? AND period = ? "
                                 "AND scope_key = ? AND deleted = 0", [plan_uuid, period, scope_key]).fetchall():
            records.delete(db, "assess_tiebreaks", old, actor)
        key = records.insert(db, "assess_tiebreaks", {
            "plan_uuid": plan_uuid, "period": period, "scope_key": scope_key, "tied": json.dumps(sorted(tie["tied"])),
            "chosen": json.dumps(chosen), "reason": reason, "decided_on": dt.date.today().isoformat()},
            actor, plan["township_code"])
        recompute(db, plan_uuid, period)
    return key


# ---- reading results ---------------------------------------------------------

RESULT_COLUMNS = ("r.subject_uuid, s.person_name, s.role, s.village_name, s.person_uuid, c.name AS category_name, "
                  "r.category_uuid, r.item_total, r.ballot_points, r.bonus, r.deduction, r.total, r.rank, r.grade, "
                  "r.vetoed, r.veto_items, r.quota_cut, r.last_place, r.township_code, r.period, r.plan_uuid, "
                  "r.missing, r.note")


def results(db: Database, plan_uuid: str, period: str, category_uuid: str | None = None, limit: int | None = None,
            offset: int = 0) -> list[dict]:
    """Results of a plan and period, by category then rank."""
    sql = (f"SELECT {RESULT_COLUMNS} FROM assess_results r JOIN assess_subjects s ON s.uuid = r.subject_uuid "
           "JOIN assess_categories c ON c.uuid = r.category_uuid WHERE r.plan_uuid = ? AND r.period = ?")
    params: list = [plan_uuid, period]
    if category_uuid:
        sql += " AND r.category_uuid = ?"
        params.append(category_uuid)
    sql += " ORDER BY c.sort_order, r.rank, s.sort_order"
    if limit is not None:
        sql += " LIMIT ? OFFSET ?"
        params += [limit, offset]
    return records.rows(db, sql, params)


def result_of(db: Database, plan_uuid: str, period: str, subject_uuid: str) -> dict | None:
    """One person's result (None until computed)."""
    found = records.rows(db, f"SELECT {RESULT_COLUMNS} FROM assess_results r "
                             "JOIN assess_subjects s ON s.uuid = r.subject_uuid "
                             "JOIN assess_categories c ON c.uuid = r.category_uuid "
                             "WHERE r.plan_uuid = ? AND r.period = ? AND r.subject_uuid = ?",
                         [plan_uuid, period, subject_uuid])
    return found[0] if found else None


def item_value(kind: str, rule: str, cells: dict, period: str, max_points: float) -> tuple[float | None, str]:
    """One item's value in a period from its entries {period: (points,
    source)}, and how it was formed (the same rules as the SQL in
    `_composed_sums`). None = no data."""
    def fmt(v):
        return f"{v:g}"

    if period not in DERIVED_FROM:
        found = cells.get(period)
        if found is None:
            return None, "无数据"
        return found[0], ("申诉复核后 " if found[1] == APPEAL_SOURCE else "") + fmt(found[0])
    own = cells.get(period)
    if own is not None and own[1] == APPEAL_SOURCE:
        return own[0], f"申诉复核后 {fmt(own[0])}"
    rule = rule or ("avg" if kind == "normal" else "sum")
    quarters = [(q, cells[q][0]) for q in DERIVED_FROM[period] if q in cells]
    parts = "、".join(f"{PERIODS[q][1:2] if q.startswith('Q') else q}季 {fmt(v)}" for q, v in quarters)
    if rule == "period":
        if own is None:
            return None, "无数据（期末未评定）"
        return own[0], f"期末评定 {fmt(own[0])}"
    if kind == "normal":
        ignored = f"；期末录入的 {fmt(own[0])} 按方案不计入" if own is not None else ""
        if not quarters:
            return None, "无数据" + ignored
        total = sum(v for _, v in quarters)
        if rule == "sum":
            value = min(total, max_points)
            return value, f"季度合计（{parts}）= {fmt(round(value, 2))}{ignored}"
        value = total / len(quarters)
        return value, f"季度平均（{parts}）= {fmt(round(value, 2))}{ignored}"
    if not quarters and own is None:
        return None, ""
    q_total = sum(v for _, v in quarters)
    if rule == "avg":
        q_total = q_total / len(quarters) if quarters else 0.0
    value = q_total + (own[0] if own is not None else 0.0)
    pieces = ([f"季度{'平均' if rule == 'avg' else '累计'}（{parts}）"] if quarters else []) + \
        ([f"期末 {fmt(own[0])}"] if own is not None else [])
    return value, " + ".join(pieces) + f" = {fmt(round(value, 2))}"


def compose(db: Database, plan_uuid: str, period: str, subject_uuid: str) -> dict:
    """Item by item, how a person's total in a period is formed:
    {"items": [{uuid, name, kind, max_points, rule, value, how, reasons,
    sources}], "ballot_points", "missing_rule"}. Values are before the
    category's caps and the missing-data rule (the result row has those)."""
    subject = records.get(db, "assess_subjects", subject_uuid)
    if subject is None:
        raise ValidationError("考核对象", "不存在或已删除。")
    periods = [period, *DERIVED_FROM.get(period, ())]
    cells: dict = {}
    reasons: dict = {}
    marks = ",".join("?" * len(periods))
    for item_uuid, per, points, reason, source in db.execute(
            f"SELECT item_uuid, period, points, reason, source FROM assess_scores WHERE subject_uuid = ? "
            f"AND deleted = 0 AND period IN ({marks})", [subject_uuid, *periods]):
        cells.setdefault(item_uuid, {})[per] = (points, source or "")
        if reason:
            reasons.setdefault(item_uuid, []).append(
                reason if len(periods) == 1 else f"{PERIODS[per]}：{reason}")
    lines = []
    for it in assess.leaf_items(db, subject["category_uuid"]):
        mine = cells.get(it["uuid"], {})
        if it["kind"] == "veto":
            hit = [p for p in VETO_COVERS.get(period, (period,)) if mine.get(p, (0,))[0]]
            value, how = (1.0, "否决（" + "、".join(PERIODS[p] for p in hit) + "）") if hit else (None, "")
        elif it["source"] == "ballot":
            value, how = None, "由民主测评票折算"
        else:
            value, how = item_value(it["kind"], it["year_rule"], mine, period, it["max_points"])
        sources = sorted({src for _, src in mine.values() if src and src != APPEAL_SOURCE})
        lines.append({"uuid": it["uuid"], "name": it["name"], "kind": it["kind"], "max_points": it["max_points"],
                      "source_key": it["source"], "rule": it["year_rule"], "value": value, "how": how,
                      "missing": value is None and it["kind"] == "normal" and it["source"] != "ballot",
                      "reasons": "；".join(reasons.get(it["uuid"], [])), "sources": "；".join(sources),
                      "points": {p: v[0] for p, v in mine.items()}})
    plan = records.get_existing(db, "assess_plans", plan_uuid)
    return {"items": lines, "missing_rule": plan["missing_rule"]}


def result_detail(db: Database, plan_uuid: str, period: str, subject_uuid: str) -> dict:
    """What is shown to the person (结果与本人见面): the result and, item by
    item, the value, how it was formed (quarters, period-end entry, appeal,
    无数据), reason and source."""
    result = result_of(db, plan_uuid, period, subject_uuid)
    subject = records.get(db, "assess_subjects", subject_uuid)
    if subject is None:
        return {}
    composed = compose(db, plan_uuid, period, subject_uuid)
    for line in composed["items"]:
        if line["source_key"] == "ballot" and result:
            line["value"] = result["ballot_points"]
            line["how"] = "由民主测评票折算" if result["ballot_points"] is not None else "无数据（无测评票）"
            line["missing"] = result["ballot_points"] is None
    shown = [period] if period not in DERIVED_FROM else [period, *DERIVED_FROM[period]]
    return {"name": subject["person_name"], "period": period, "period_label": PERIODS.get(period, period),
            "periods_shown": shown, "result": result, "items": composed["items"],
            "missing_rule_label": MISSING_RULES.get(composed["missing_rule"], composed["missing_rule"])}


def grade_counts(db: Database, plan_uuid: str, period: str, category_uuid: str | None = None) -> dict:
    """{grade: count} for the chart and the quota line."""
    sql = "SELECT grade, count(*) FROM assess_results WHERE plan_uuid = ? AND period = ?"
    params: list = [plan_uuid, period]
    if category_uuid:
        sql += " AND category_uuid = ?"
        params.append(category_uuid)
    counts = {g: 0 for g in assess.GRADES}
    for grade, n in db.execute(sql + " GROUP BY grade", params):
        counts[grade] = n
    return counts


def score_histogram(db: Database, plan_uuid: str, period: str, category_uuid: str | None = None, width: int = 50) -> list:
    """[(band_start, count)] of totals in bands of `width` points."""
    sql = (f"SELECT CAST(total / {int(width)} AS INTEGER) * {int(width)} AS band, count(*) FROM assess_results "
           "WHERE plan_uuid = ? AND period = ?")
    params: list = [plan_uuid, period]
    if category_uuid:
        sql += " AND category_uuid = ?"
        params.append(category_uuid)
    return [tuple(r) for r in db.execute(sql + " GROUP BY band ORDER BY band", params)]


def compare_periods(db: Database, plan_uuid: str, subject_uuid: str) -> list[dict]:
    """A person's total, rank and grade in each computed period."""
    order = {p: i for i, p in enumerate(PERIODS)}
    found = records.rows(db, "SELECT period, total, rank, grade FROM assess_results WHERE plan_uuid = ? "
                             "AND subject_uuid = ?", [plan_uuid, subject_uuid])
    return sorted(found, key=lambda r: order.get(r["period"], 99))


class TownshipResults(TypedDict):
    """One township's results of a period (the county comparison reads it)."""

    township_code: str
    township_name: str
    people: int
    average: float | None
    excellent: int
    competent: int
    basic: int
    incompetent: int
    vetoed: int


def compare_townships(db: Database, year: int, period: str = "Y") -> list[TownshipResults]:
    """Per township (county database): people, average total and grade counts."""
    found = records.rows(db, "SELECT r.township_code, count(*) AS people, round(avg(r.total), 1) AS average, "
                             "sum(r.grade = '优秀') AS excellent, sum(r.grade = '称职') AS competent, "
                             "sum(r.grade = '基本称职') AS basic, sum(r.grade = '不称职') AS incompetent, "
                             "sum(r.vetoed) AS vetoed FROM assess_results r JOIN assess_plans p ON p.uuid = r.plan_uuid "
                             "WHERE p.year = ? AND r.period = ? AND p.deleted = 0 GROUP BY r.township_code "
                             "ORDER BY average DESC", [int(year), period])
    names = {t["code"]: t["name"] for t in records.rows(db, "SELECT code, name FROM townships")}
    return [TownshipResults(township_code=r["township_code"], township_name=names.get(r["township_code"],
                                                                                      r["township_code"]),
                            people=r["people"], average=r["average"], excellent=r["excellent"] or 0,
                            competent=r["competent"] or 0, basic=r["basic"] or 0,
                            incompetent=r["incompetent"] or 0, vetoed=r["vetoed"] or 0) for r in found]


def quota_warnings(db: Database, plan_uuid: str, period: str) -> list[str]:
    """What the stored results of a period say about the 优秀 quota: people
    cut by it, people 待定 at a tie, and (warn mode) 优秀 above the quota."""
    share = float(settings.get(db, "assess.excellent_quota"))
    scope = _choice(db, "assess.quota_scope", QUOTA_SCOPES)
    rounding = _choice(db, "assess.quota_rounding", QUOTA_ROUNDINGS)
    column = {"plan": "'plan'", "category": "r.category_uuid", "township": "r.township_code"}[scope]
    out = []
    for key, n, excellent, cut, pending in db.execute(
            f"SELECT {column}, count(*), sum(r.grade = '优秀'), sum(r.quota_cut), "
            f"sum(r.grade = '{PENDING}' AND r.note IS NOT NULL) FROM assess_results r "
            "WHERE r.plan_uuid = ? AND r.period = ? GROUP BY 1", [plan_uuid, period]):
        where = {"plan": "全部考核对象", "category": "本类别", "township": f"乡镇 {key}"}[scope]
        if scope == "category":
            found = db.execute("SELECT name FROM assess_categories WHERE uuid = ?", [key]).fetchone()
            where = f"“{found[0]}”" if found else where
        allowed = excellent_quota(n, share, rounding)
        if excellent > allowed:
            out.append(f"{where}优秀 {excellent} 人，超过比例 {share:.0%}（{n} 人中最多 {allowed} 人）。")
        if cut:
            out.append(f"{where}有 {cut} 人达到优秀分数线，因比例限制（{n} 人中最多 {allowed} 人）评为称职。")
        if pending:
            out.append(f"{where}有 {pending} 人在优秀名额线上并列，待考核委员会决定。")
    return out


def settings_summary(db: Database, plan_uuid: str | None = None) -> list[tuple[str, str]]:
    """The local choices behind the results, labelled, for the results page
    (the missing-data rule of the plan when one is given, else the office default)."""
    if plan_uuid:
        missing = ("指标无数据（本方案设定）", MISSING_RULES[_plan_missing_rule(records.get_existing(db, "assess_plans",
                                                                                           plan_uuid))])
    else:
        missing = ("指标无数据（新建方案默认，本地设定）", MISSING_RULES[_choice(db, "assess.missing_rule", MISSING_RULES)])
    share = float(settings.get(db, "assess.excellent_quota"))
    return [
        ("等次分数线（本地设定）", f"优秀 {float(settings.get(db, 'assess.grade_excellent')):g}、"
                           f"称职 {float(settings.get(db, 'assess.grade_competent')):g}、"
                           f"基本称职 {float(settings.get(db, 'assess.grade_basic')):g}"),
        ("优秀比例", f"{share:.0%}，范围：{QUOTA_SCOPES[_choice(db, 'assess.quota_scope', QUOTA_SCOPES)]}，"
                   f"{QUOTA_ROUNDINGS[_choice(db, 'assess.quota_rounding', QUOTA_ROUNDINGS)]}；并列由考核委员会决定"),
        missing,
        ("一票否决（本地设定）", VETO_EFFECTS[_choice(db, "assess.veto_effect", VETO_EFFECTS)]),
        ("测评票折分（本地设定）", "、".join(f"{label} {v:g}" for label, v in
                                   zip(assess.BALLOT_FIELDS.values(), assess.ballot_values(db).values(), strict=True))),
        ("驻村干部末位（报告：年终）", LAST_PLACE_PERIODS[_choice(db, "assess.last_place_periods", LAST_PLACE_PERIODS)]),
    ]


# ---- plain data for the notices (models/notices/registry.py) ---------------------

class NoticePlan(TypedDict):
    """The plan of a year as a notice needs it."""

    uuid: str
    periods: list[str]  # the plan's period codes ('Q1', 'H1', 'Y' …)


class NoticeResultRow(TypedDict):
    """One person on the 考核结果公示 (names only; no ID numbers or phones)."""

    category: str
    rank: int | None
    name: str
    village: str
    total: float | None
    grade: str | None
    vetoed: bool
    veto_items: str
    last_place: bool
    missing: str  # how missing data was handled for this person, '' when none was missing


class ResultsForNotice(TypedDict):
    """Data of a results notice."""

    title: str
    year: int
    period: str
    period_label: str
    plan_name: str
    missing_rule_label: str
    rows: list[NoticeResultRow]
    supervision_phone: str
    township_name: str


class CommitmentRow(TypedDict):
    """One target on the 目标承诺公示."""

    owner: str
    owner_kind: str
    content: str
    measure: str
    deadline: str
    quarters: list[str]  # the four quarters' plan
    signed_on: str
    status: str


class CommitmentsForNotice(TypedDict):
    title: str
    year: int
    rows: list[CommitmentRow]
    supervision_phone: str
    township_name: str


class SupervisionCheck(TypedDict):
    date: str
    result: str
    checker: str


class SupervisionSheet(TypedDict):
    """One 督办通知单: the target, its failed check and the re-check date ('' when not known)."""

    title: str
    notice_no: str
    owner: str
    content: str
    measure: str
    deadline: str
    check_date: str
    checker: str
    finding: str
    recheck_date: str
    history: list[SupervisionCheck]
    issuer: str
    supervision_phone: str


def notice_plan(db: Database, year: int) -> NoticePlan | None:
    """The year's plan for a notice, None when the year has none."""
    plan = assess.plan_for_year(db, year)
    if not plan:
        return None
    return {"uuid": plan["uuid"], "periods": [p for p in (plan.get("periods") or "").split(",") if p]}


def results_for_notice(db: Database, plan_uuid: str, period: str) -> ResultsForNotice | None:
    """Data of a results notice (考核结果公示): title, rows by category and
    rank, and the supervision phone; None when the plan is gone. Names only;
    no ID numbers or phones."""
    plan = records.get(db, "assess_plans", plan_uuid)
    if plan is None:
        return None
    found = results(db, plan_uuid, period)
    places = roster.cadre_places(db, [r["person_uuid"] for r in found if r["person_uuid"]])
    stationed = {key for (key,) in db.execute("SELECT uuid FROM assess_categories WHERE plan_uuid = ? "
                                              "AND village_stationed = 1", [plan_uuid])}
    rows = [NoticeResultRow(category=r["category_name"], rank=r["rank"], name=r["person_name"],
                            village=r["village_name"] or assess.workplace(places.get(r["person_uuid"] or ""),
                                                                    r["category_uuid"] in stationed),
                            total=r["total"], grade=r["grade"],
                            vetoed=bool(r["vetoed"]), veto_items=r["veto_items"] or "",
                            last_place=bool(r["last_place"]), missing=r["missing"] or "")
            for r in found]
    return {"title": f"{plan['year']}年{PERIODS.get(period, period)}干部考核结果公示", "year": int(plan["year"]),
            "period": period, "period_label": PERIODS.get(period, period), "plan_name": plan["name"],
            "missing_rule_label": MISSING_RULES[_plan_missing_rule(plan)],
            "rows": rows, "supervision_phone": settings.get(db, "supervision_phone") or "",
            "township_name": settings.get(db, "township_name") or ""}


def commitments_for_notice(db: Database, year: int) -> CommitmentsForNotice:
    """Data of a commitments notice (目标承诺公开): owner, target, measure,
    deadline, quarterly breakdown and signing date of each target."""
    plan = assess.plan_for_year(db, year)
    rows: list[CommitmentRow] = []
    if plan:
        for t in assess.targets(db, plan["uuid"]):
            rows.append({"owner": t["owner_name"], "owner_kind": t["owner_kind"], "content": t["content"],
                         "measure": t["measure"] or "", "deadline": t["deadline"] or "",
                         "quarters": [t["q1"] or "", t["q2"] or "", t["q3"] or "", t["q4"] or ""],
                         "signed_on": t["signed_on"] or "", "status": t["status"]})
    return {"title": f"{year}年度目标承诺公开", "year": int(year), "rows": rows,
            "supervision_phone": settings.get(db, "supervision_phone") or "",
            "township_name": settings.get(db, "township_name") or ""}


def supervision_notice(db: Database, target_uuid: str) -> SupervisionSheet | None:
    """Data of a 督办通知单 for a target whose latest check failed: notice
    number, owner, target, the failed check, and the re-check date (None when
    the target is gone)."""
    target = records.get(db, "assess_targets", target_uuid)
    if target is None:
        return None
    checks = assess.target_checks(db, target_uuid)
    failed = [c for c in checks if c["result"] == "未达标"]
    last = failed[-1] if failed else None
    return {"title": "督办通知单", "notice_no": (last["notice_no"] or "") if last else "",
            "owner": target["owner_name"], "content": target["content"], "measure": target["measure"] or "",
            "deadline": target["deadline"] or "", "check_date": (last["check_date"] or "") if last else "",
            "checker": (last["checker"] or "") if last else "", "finding": (last["evidence"] or "") if last else "",
            "recheck_date": (last["recheck_date"] or "") if last else "",
            "history": [{"date": c["check_date"] or "", "result": c["result"], "checker": c["checker"] or ""}
                        for c in checks],
            "issuer": (settings.get(db, "township_name") or "") + "考核办",
            "supervision_phone": settings.get(db, "supervision_phone") or ""}


def supervision_sheets(db: Database, plan_uuid: str) -> list[SupervisionSheet]:
    """The 督办通知单 of every target of the plan whose latest check failed."""
    sheets = []
    for t in assess.targets(db, plan_uuid, "unmet"):
        sheet = supervision_notice(db, t["uuid"])
        if sheet is not None:
            sheets.append(sheet)
    return sheets


# ---- appeals: a decision changes scores and the results (moved here from scorecard) --

def resolve_appeal(db: Database, actor: Actor, appeal_uuid: str, upheld: bool, resolution: str,
                   score_changes: Sequence[tuple] = ()) -> dict:
    """Close an appeal. When upheld, `score_changes` [(item_uuid, points,
    reason)] are applied in the same transaction and the change is written
    into the appeal (old → new), then results are recomputed."""
    require(actor, assess.CAP)
    appeal = records.get(db, "assess_appeals", appeal_uuid)
    if appeal is None:
        raise ValidationError("申诉", "不存在或已删除。")
    if appeal["status"] != "open":
        raise ValidationError("申诉", "已处理过。")
    resolution = check_text(resolution, "处理意见", 500, required=True, multiline=True)
    if score_changes and not upheld:
        raise ValidationError("处理意见", "申诉不成立时不能改分。")
    before = result_of(db, appeal["plan_uuid"], appeal["period"], appeal["subject_uuid"])
    # the item's value as it counted (for a half-year or the year: composed from the quarters)
    counted = {line["uuid"]: line["value"] for line in
               compose(db, appeal["plan_uuid"], appeal["period"], appeal["subject_uuid"])["items"]}
    log_lines = []
    with db.atomic():
        cells = []
        for item_uuid, points, reason in score_changes:
            item = assess._item(db, item_uuid)
            old = counted.get(item_uuid)
            old_text = "无数据" if old is None else f"{round(old, 2):g}"
            new_text = "未评" if points in (None, "") else (f"{float(points):g}" if isinstance(points, (int, float))
                                                           else str(points))
            log_lines.append(f"{item['name']}：{old_text} → {new_text}")
            cells.append((appeal["subject_uuid"], item_uuid, points, reason or f"申诉复核：{resolution}"))
        assess.set_scores(db, actor, appeal["period"], cells, source=APPEAL_SOURCE)
        recompute(db, appeal["plan_uuid"], appeal["period"])
        after = result_of(db, appeal["plan_uuid"], appeal["period"], appeal["subject_uuid"])
        if before and after and before["total"] != after["total"]:
            log_lines.append(f"总分 {before['total']:g} → {after['total']:g}")
        if before and after and before["grade"] != after["grade"]:
            log_lines.append(f"等次 {before['grade']} → {after['grade']}")
        records.update(db, "assess_appeals", appeal_uuid, {
            "status": "upheld" if upheld else "rejected", "resolution": resolution,
            "change_log": "；".join(log_lines) or "未改分"}, actor)
    return records.get_existing(db, "assess_appeals", appeal_uuid)
