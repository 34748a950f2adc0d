"""Assessment results: totals, ranks, grades, quota, vetoes, 末位 — and the
plain data the notices helper prints.

Recomputing aggregates the scores in SQL (one GROUP BY over all scores of
the plans concerned) and finishes in Python over per-person sums, so a
county database (20 townships × 200 people × 60 items × 4 periods) is
recomputed in well under a second. Results are a local cache
(`assess_results`), rebuilt from the stored scores; they do not travel.

Total of a person in a period:
    sum of normal items (the 民主测评 item is taken from the ballots)
  + min(sum of bonus items, category bonus cap)
  - min(sum of deduction items, category deduction cap)
For the year (Y) and the half-years (H1, H2): when nobody entered scores
for the person in that period, the non-ballot part is the average of its
quarters that have scores; the ballots of the period itself (year-end
democratic evaluation, the half-yearly 群众监评会) are added.
A veto item marked in the period (for Y and H1/H2: also in their quarters)
makes the grade 不称职 whatever the score, and ranks the person last.
"""

from __future__ import annotations

import datetime as dt
import math

from models.assess import scorecard as assess

from models.core import records

from models.core import settings
from models.assess.scorecard import PERIODS, QUARTERS

# Periods whose scores, when none were entered for them, are the average of
# these quarters (and whose vetoes include the quarters').
DERIVED_FROM = {"Y": QUARTERS, "H1": ("Q1", "Q2"), "H2": ("Q3", "Q4")}
# Vetoes marked in these periods count for the period.
VETO_COVERS = {"Y": ("Y", "H1", "H2", *QUARTERS), "H1": ("H1", "Q1", "Q2"), "H2": ("H2", "Q3", "Q4")}

GRADE_ORDER = {g: i for i, g in enumerate(assess.GRADES)}


def _thresholds(db) -> list[tuple[float, str]]:
    return [(float(settings.get(db, "assess.grade_excellent")), "优秀"),
            (float(settings.get(db, "assess.grade_competent")), "称职"),
            (float(settings.get(db, "assess.grade_basic")), "基本称职")]


def grade_for(total: float, vetoed: bool, thresholds) -> str:
    """Grade band of a total; a veto gives 不称职."""
    if vetoed:
        return "不称职"
    for line, grade in thresholds:
        if total >= line - 1e-9:
            return grade
    return "不称职"


def excellent_quota(n: int, share: float) -> int:
    """How many may be 优秀 among n people (rounded down, e.g. 20% of 12 → 2)."""
    return int(math.floor(n * share + 1e-9))


def recompute(db, plan_uuid: str | None = None, period: str | None = None,
              township_code: str | None = None) -> dict:
    """Rebuild results for one plan (or every plan, optionally of one
    township) and one period (or all). Returns {"count", "warnings"}."""
    plan_sql = "SELECT uuid, year, periods, township_code, name FROM assess_plans WHERE deleted = 0"
    params: list = []
    if plan_uuid:
        plan_sql += " AND uuid = ?"
        params.append(plan_uuid)
    if township_code:
        plan_sql += " AND township_code = ?"
        params.append(township_code)
    plan_rows = records.rows(db, plan_sql, params)
    if not plan_rows:
        return {"count": 0, "warnings": []}
    plans = {p["uuid"]: p for p in plan_rows}
    all_plans = plan_uuid is None and township_code is None
    in_plans = "" if all_plans else f" AND plan_uuid IN ({','.join('?' * len(plans))})"
    plan_params = [] if all_plans else list(plans)

    cats = {c["uuid"]: c for c in records.rows(
        db, "SELECT uuid, plan_uuid, name, bonus_cap, deduction_cap, village_stationed FROM assess_categories "
            "WHERE deleted = 0" + in_plans, plan_params)}
    ballot_max: dict = {}
    veto_names: dict = {}
    for uuid, cat_uuid, kind, max_points, source, name in db.execute(
            "SELECT uuid, category_uuid, kind, max_points, source, name FROM assess_items "
            "WHERE deleted = 0 AND (source = 'ballot' OR kind = 'veto')" + in_plans, plan_params):
        if source == "ballot":
            ballot_max[cat_uuid] = ballot_max.get(cat_uuid, 0.0) + max_points
        if kind == "veto":
            veto_names[uuid] = name
    subjects = records.rows(db, "SELECT uuid, plan_uuid, category_uuid, township_code FROM assess_subjects "
                                "WHERE deleted = 0" + in_plans, plan_params)

    # sums[(subject, period)] = [normal, bonus, deduction]
    sums: dict = {}
    kind_index = {"normal": 0, "bonus": 1, "deduction": 2}
    period_filter = ""
    period_params: list = []
    if period:
        # the year falls back on the quarters, and a veto anywhere counts for it
        # a half-year or the year falls back on its quarters
        wanted_periods = (period, *DERIVED_FROM.get(period, ()))
        period_filter = f" AND s.period IN ({','.join('?' * len(wanted_periods))})"
        period_params = list(wanted_periods)
    vetoes: dict = {}
    # Sums per person/period/kind are kept by triggers (schema m002).
    sql = ("SELECT subject_uuid, period, kind, total, n FROM assess_score_sums WHERE n > 0"
           + in_plans + period_filter.replace("s.period", "period"))
    vetoed_keys = []
    for subject_uuid, per, kind, total, _n in db.execute(sql, plan_params + period_params):
        if kind == "veto":
            if total > 0:
                vetoed_keys.append(subject_uuid)
            continue
        if kind not in kind_index:
            continue
        entry = sums.get((subject_uuid, per))
        if entry is None:
            entry = sums[(subject_uuid, per)] = [0.0, 0.0, 0.0]
        entry[kind_index[kind]] = total or 0.0
    if vetoed_keys:
        wanted_subjects = set(vetoed_keys)
        for subject_uuid, per, item_uuid in db.execute(
                "SELECT s.subject_uuid, s.period, s.item_uuid FROM assess_items i "
                "JOIN assess_scores s ON s.item_uuid = i.uuid AND s.deleted = 0 "
                "WHERE i.kind = 'veto' AND i.deleted = 0 AND s.points > 0"
                + in_plans.replace("plan_uuid", "i.plan_uuid"), plan_params):
            if subject_uuid in wanted_subjects and (not period or per in period_params):
                vetoes.setdefault(subject_uuid, {}).setdefault(per, set()).add(item_uuid)

    weights = assess.ballot_weights(db)
    tallies: dict = {}
    for subject_uuid, per, group, voters, exc, comp, basic, inc in db.execute(
            "SELECT subject_uuid, period, voter_group, voters, excellent, competent, basic, incompetent "
            "FROM assess_ballots WHERE deleted = 0" + in_plans + (" AND period = ?" if period else ""),
            plan_params + ([period] if period else [])):
        tallies.setdefault((subject_uuid, per), {})[group] = {
            "voters": voters, "excellent": exc, "competent": comp, "basic": basic, "incompetent": inc}

    data_periods: dict = {}
    subject_plan = {s["uuid"]: s["plan_uuid"] for s in subjects}
    for (subject_uuid, per) in list(sums) + list(tallies):
        p = subject_plan.get(subject_uuid)
        if p:
            data_periods.setdefault(p, set()).add(per)
    for subject_uuid, by_period in vetoes.items():
        p = subject_plan.get(subject_uuid)
        if p:
            data_periods.setdefault(p, set()).update(by_period)
    for p, pers in data_periods.items():
        for derived, quarters in DERIVED_FROM.items():
            if pers & set(quarters) and derived in plans[p]["periods"].split(","):
                pers.add(derived)  # can be derived from its quarters

    thresholds = _thresholds(db)
    share = float(settings.get(db, "assess.excellent_quota"))
    enforce = settings.get(db, "assess.quota_mode") != "warn"
    now = dt.datetime.now().isoformat(timespec="seconds")
    out_rows = []
    warnings = []
    groups: dict = {}
    for s in subjects:
        cat = cats.get(s["category_uuid"])
        if cat is None:
            continue
        plan = plans[s["plan_uuid"]]
        wanted = data_periods.get(plan["uuid"], set())
        if period:
            wanted = wanted & {period}
        for per in wanted:
            row = _person_result(s, cat, per, sums, tallies, vetoes, ballot_max, weights, veto_names)
            row["plan_uuid"], row["period"] = plan["uuid"], per
            groups.setdefault((plan["uuid"], per, cat["uuid"]), []).append(row)

    for (p_uuid, per, cat_uuid), people in groups.items():
        cat = cats[cat_uuid]
        # vetoed people rank below everyone; ties share a rank (1, 2, 2, 4)
        people.sort(key=lambda r: (r["vetoed"], -r["total"]))
        prev_key, prev_rank = None, 0
        for i, r in enumerate(people, start=1):
            key = (r["vetoed"], r["total"])  # totals are already rounded to 2 places
            r["rank"] = prev_rank if key == prev_key else i
            prev_key, prev_rank = key, r["rank"]
            r["grade"] = grade_for(r["total"], r["vetoed"], thresholds)
            r["quota_cut"] = 0
            r["last_place"] = 0
        allowed = excellent_quota(len(people), share)
        excellent = [r for r in people if r["grade"] == "优秀"]
        if len(excellent) > allowed:
            label = f"{plans[p_uuid]['name']} {PERIODS[per]}“{cat['name']}”"
            if enforce:
                for r in excellent[allowed:]:
                    r["grade"] = "称职"
                    r["quota_cut"] = 1
                warnings.append(f"{label}：{len(excellent)} 人达到优秀分数线，超过比例 {share:.0%}（最多 {allowed} 人），"
                                f"排名靠后的 {len(excellent) - allowed} 人按比例调为称职。")
            else:
                warnings.append(f"{label}：优秀 {len(excellent)} 人，超过比例 {share:.0%}（最多 {allowed} 人），请调整。")
        if cat["village_stationed"] and len(people) > 1:
            worst = max(r["rank"] for r in people)
            for r in people:
                if r["rank"] == worst:
                    r["last_place"] = 1
        for r in people:
            out_rows.append((r["plan_uuid"], r["period"], r["subject_uuid"], cat_uuid, r["township_code"],
                             r["item_total"], r["ballot_points"], r["bonus"], r["deduction"], r["total"], r["rank"],
                             r["grade"], int(r["vetoed"]), r["veto_items"], r["quota_cut"], r["last_place"], now))

    with db.atomic():
        del_sql = "DELETE FROM assess_results WHERE 1 = 1" + in_plans
        del_params = list(plan_params)
        if period:
            del_sql += " AND period = ?"
            del_params.append(period)
        db.execute(del_sql, del_params)
        out_rows.sort(key=lambda r: (r[0], r[1], r[2]))  # key order: cheaper b-tree inserts
        db.conn.executemany(
            "INSERT INTO assess_results (plan_uuid, period, subject_uuid, category_uuid, township_code, item_total, "
            "ballot_points, bonus, deduction, total, rank, grade, vetoed, veto_items, quota_cut, last_place, "
            "computed_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", out_rows)
    return {"count": len(out_rows), "warnings": warnings}


def _capped_part(entry, cat) -> tuple[float, float, float]:
    normal, bonus, deduction = entry
    return normal, min(bonus, cat["bonus_cap"]), min(deduction, cat["deduction_cap"])


def _person_result(s, cat, per, sums, tallies, vetoes, ballot_max, weights, veto_names) -> dict:
    entry = sums.get((s["uuid"], per))
    if entry is not None:
        normal, bonus, deduction = _capped_part(entry, cat)
    elif per in DERIVED_FROM:
        quarters = [_capped_part(sums[(s["uuid"], q)], cat) for q in DERIVED_FROM[per] if (s["uuid"], q) in sums]
        if quarters:
            n = len(quarters)
            normal = sum(q[0] for q in quarters) / n
            bonus = sum(q[1] for q in quarters) / n
            deduction = sum(q[2] for q in quarters) / n
        else:
            normal = bonus = deduction = 0.0
    else:
        normal = bonus = deduction = 0.0
    ballot_points = None
    t = tallies.get((s["uuid"], per))
    if t and ballot_max.get(cat["uuid"]):
        score = assess.ballot_score(t, weights)
        if score is not None:
            ballot_points = round(ballot_max[cat["uuid"]] * score / 100.0, 2)
    person_vetoes = vetoes.get(s["uuid"])
    veto_text = None
    if person_vetoes:  # rare: most people have none
        covered = VETO_COVERS.get(per, (per,))
        vetoed_items = set()
        for p, items in person_vetoes.items():
            if p in covered:
                vetoed_items |= items
        veto_text = "、".join(sorted(veto_names.get(v, "") for v in vetoed_items)) or None
    total = round(normal + (ballot_points or 0.0) + bonus - deduction, 2)
    return {"subject_uuid": s["uuid"], "township_code": s["township_code"], "item_total": round(normal, 2),
            "ballot_points": ballot_points, "bonus": round(bonus, 2), "deduction": round(deduction, 2),
            "total": total, "vetoed": veto_text is not None, "veto_items": veto_text}


# ---- reading results ---------------------------------------------------------

RESULT_COLUMNS = ("r.subject_uuid, s.person_name, s.role, s.village_name, s.person_uuid, c.name AS category_name, "
                  "r.category_uuid, r.item_total, r.ballot_points, r.bonus, r.deduction, r.total, r.rank, r.grade, "
                  "r.vetoed, r.veto_items, r.quota_cut, r.last_place, r.township_code, r.period, r.plan_uuid")


def results(db, plan_uuid: str, period: str, category_uuid: str | None = None, limit: int | None = None,
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


def result_of(db, plan_uuid: str, period: str, subject_uuid: str) -> dict | None:
    """One person's result (None until computed)."""
    found = records.rows(db, f"SELECT {RESULT_COLUMNS} FROM assess_results r "
                             "JOIN assess_subjects s ON s.uuid = r.subject_uuid "
                             "JOIN assess_categories c ON c.uuid = r.category_uuid "
                             "WHERE r.plan_uuid = ? AND r.period = ? AND r.subject_uuid = ?",
                         [plan_uuid, period, subject_uuid])
    return found[0] if found else None


def result_detail(db, plan_uuid: str, period: str, subject_uuid: str) -> dict:
    """What is shown to the person (结果与本人见面): the result and, item by
    item, the points, reason and source; for a half-year or the year without
    own scores, the quarters' points are listed per quarter."""
    result = result_of(db, plan_uuid, period, subject_uuid)
    subject = records.get(db, "assess_subjects", subject_uuid)
    if subject is None:
        return {}
    periods = [period] + list(DERIVED_FROM.get(period, ()))
    scores: dict = {}
    marks = ",".join("?" * len(periods))
    for item_uuid, per, points, reason, source in db.execute(
            f"SELECT item_uuid, period, points, reason, source FROM assess_scores WHERE subject_uuid = ? "
            f"AND deleted = 0 AND period IN ({marks})", [subject_uuid, *periods]):
        scores.setdefault(item_uuid, {})[per] = {"points": points, "reason": reason or "", "source": source or ""}
    own = any(period in by_period for by_period in scores.values())
    shown = [period] if own or period not in DERIVED_FROM else list(DERIVED_FROM[period])
    lines = []
    for it in assess.leaf_items(db, subject["category_uuid"]):
        cells = scores.get(it["uuid"], {})
        entry = {"name": it["name"], "kind": it["kind"], "max_points": it["max_points"], "source_key": it["source"],
                 "points": {p: cells[p]["points"] for p in shown if p in cells},
                 "reasons": "；".join(f"{PERIODS[p]}：{cells[p]['reason']}" if len(shown) > 1 else cells[p]["reason"]
                                     for p in shown if p in cells and cells[p]["reason"]),
                 "sources": "；".join(sorted({cells[p]["source"] for p in shown if p in cells and cells[p]["source"]}))}
        lines.append(entry)
    return {"name": subject["person_name"], "period": period, "period_label": PERIODS.get(period, period),
            "periods_shown": shown, "result": result, "items": lines}


def grade_counts(db, plan_uuid: str, period: str, category_uuid: str | None = None) -> dict:
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


def score_histogram(db, plan_uuid: str, period: str, category_uuid: str | None = None, width: int = 50) -> list:
    """[(band_start, count)] of totals in bands of `width` points."""
    sql = (f"SELECT CAST(total / {int(width)} AS INTEGER) * {int(width)} AS band, count(*) FROM assess_results "
           "WHERE plan_uuid = ? AND period = ?")
    params: list = [plan_uuid, period]
    if category_uuid:
        sql += " AND category_uuid = ?"
        params.append(category_uuid)
    return [tuple(r) for r in db.execute(sql + " GROUP BY band ORDER BY band", params)]


def compare_periods(db, plan_uuid: str, subject_uuid: str) -> list[dict]:
    """A person's total, rank and grade in each computed period."""
    order = {p: i for i, p in enumerate(PERIODS)}
    found = records.rows(db, "SELECT period, total, rank, grade FROM assess_results WHERE plan_uuid = ? "
                             "AND subject_uuid = ?", [plan_uuid, subject_uuid])
    return sorted(found, key=lambda r: order.get(r["period"], 99))


def compare_townships(db, year: int, period: str = "Y") -> list[dict]:
    """Per township (county database): people, average total and grade counts."""
    found = records.rows(db, "SELECT r.township_code, count(*) AS people, round(avg(r.total), 1) AS average, "
                             "sum(r.grade = '优秀') AS excellent, sum(r.grade = '称职') AS competent, "
                             "sum(r.grade = '基本称职') AS basic, sum(r.grade = '不称职') AS incompetent, "
                             "sum(r.vetoed) AS vetoed FROM assess_results r JOIN assess_plans p ON p.uuid = r.plan_uuid "
                             "WHERE p.year = ? AND r.period = ? AND p.deleted = 0 GROUP BY r.township_code "
                             "ORDER BY average DESC", [int(year), period])
    names = {t["code"]: t["name"] for t in records.rows(db, "SELECT code, name FROM townships")}
    for r in found:
        r["township_name"] = names.get(r["township_code"], r["township_code"])
    return found


def quota_warnings(db, plan_uuid: str, period: str) -> list[str]:
    """Categories where 优秀 exceeds the quota in the stored results (warn mode)
    or where people were cut by the quota."""
    share = float(settings.get(db, "assess.excellent_quota"))
    out = []
    for cat_name, n, excellent, cut in db.execute(
            "SELECT c.name, count(*), sum(r.grade = '优秀'), sum(r.quota_cut) FROM assess_results r "
            "JOIN assess_categories c ON c.uuid = r.category_uuid WHERE r.plan_uuid = ? AND r.period = ? "
            "GROUP BY r.category_uuid ORDER BY c.sort_order", [plan_uuid, period]):
        allowed = excellent_quota(n, share)
        if excellent > allowed:
            out.append(f"“{cat_name}”优秀 {excellent} 人，超过比例 {share:.0%}（{n} 人中最多 {allowed} 人）。")
        elif cut:
            out.append(f"“{cat_name}”有 {cut} 人达到优秀分数线，因比例限制评为称职。")
    return out


# ---- plain data for the notices helper --------------------------------------

def results_for_notice(db, plan_uuid: str, period: str) -> dict:
    """Data of a results notice (考核结果公示): title, rows by category and
    rank, and the supervision phone. Names only; no ID numbers or phones."""
    plan = records.get(db, "assess_plans", plan_uuid)
    if plan is None:
        return {}
    rows = []
    for r in results(db, plan_uuid, period):
        rows.append({"category": r["category_name"], "rank": r["rank"], "name": r["person_name"],
                     "village": r["village_name"] or "", "total": r["total"], "grade": r["grade"],
                     "vetoed": bool(r["vetoed"]), "veto_items": r["veto_items"] or "",
                     "last_place": bool(r["last_place"])})
    return {"title": f"{plan['year']}年{PERIODS.get(period, period)}干部考核结果公示", "year": plan["year"],
            "period": period, "period_label": PERIODS.get(period, period), "plan_name": plan["name"],
            "rows": rows, "supervision_phone": settings.get(db, "supervision_phone") or "",
            "township_name": settings.get(db, "township_name") or ""}


def commitments_for_notice(db, year: int) -> dict:
    """Data of a commitments notice (目标承诺公开): owner, target, measure,
    deadline, quarterly breakdown and signing date of each target."""
    plan = assess.plan_for_year(db, year)
    rows = []
    if plan:
        for t in assess.targets(db, plan["uuid"]):
            rows.append({"owner": t["owner_name"], "owner_kind": t["owner_kind"], "content": t["content"],
                         "measure": t["measure"] or "", "deadline": t["deadline"] or "",
                         "quarters": [t["q1"] or "", t["q2"] or "", t["q3"] or "", t["q4"] or ""],
                         "signed_on": t["signed_on"] or "", "status": t["status"]})
    return {"title": f"{year}年度目标承诺公开", "year": int(year), "rows": rows,
            "supervision_phone": settings.get(db, "supervision_phone") or "",
            "township_name": settings.get(db, "township_name") or ""}


def supervision_notice(db, target_uuid: str) -> dict:
    """Data of a 督办通知单 for a target whose latest check failed: notice
    number, owner, target, the failed check, and the re-check date."""
    target = records.get(db, "assess_targets", target_uuid)
    if target is None:
        return {}
    checks = assess.target_checks(db, target_uuid)
    failed = [c for c in checks if c["result"] == "未达标"]
    last = failed[-1] if failed else None
    return {"title": "督办通知单", "notice_no": last["notice_no"] if last else "",
            "owner": target["owner_name"], "content": target["content"], "measure": target["measure"] or "",
            "deadline": target["deadline"] or "", "check_date": last["check_date"] if last else "",
            "checker": last["checker"] if last else "", "finding": last["evidence"] if last else "",
            "recheck_date": last["recheck_date"] if last else "",
            "history": [{"date": c["check_date"], "result": c["result"], "checker": c["checker"]} for c in checks],
            "issuer": (settings.get(db, "township_name") or "") + "考核办",
            "supervision_phone": settings.get(db, "supervision_phone") or ""}
