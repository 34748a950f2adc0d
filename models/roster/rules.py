"""Rule checks of the leadership team, each naming the field report it comes from.

`check(db, township_code)` returns findings as dicts (level, code, source,
message); `check_findings(db)` is the hook `main.py check` calls.
Thresholds are settings (settings.register below), editable in 设置.
"""

from __future__ import annotations

import datetime as dt

from models.roster import team as roster

from models.core import settings

settings.register("roster.team_quota", 11, "领导班子职数（县定 7 / 9 / 11）", int)
settings.register("roster.deputy_secretaries", 3, "党委副书记职数", int)
settings.register("roster.new_term_discipline_separate", False,
                  "换届后纪委书记不再兼任党委副书记（是 = 检查不兼任）", bool)
settings.register("roster.age_continue_male", 57, "继续提名年龄上限（男）", int)
settings.register("roster.age_continue_female", 52, "继续提名年龄上限（女）", int)
settings.register("roster.age_new_male", 55, "新提名年龄上限（男）", int)
settings.register("roster.age_new_female", 50, "新提名年龄上限（女）", int)
settings.register("roster.age_reference_date", "", "提名年龄计算基准日（空 = 今天，如 2026-12-31）", str)
settings.register("roster.max_duties", 3, "一人分工上限（超过即为过载）", int)
settings.register("roster.min_women", 1, "班子中女干部最少人数", int)

# Committee members who are also deputy heads, and other committee members,
# by team size [000].
COMPOSITION = {11: (3, 4), 9: (2, 3), 7: (1, 2)}

RULES = {
    "team_size": ("000", "班子职数按县定 7、9 或 11 人配备"),
    "composition": ("000", "党委副书记 3 人：一人兼镇长或常务副镇长，一人任人大主席团主席，一人兼纪委书记"),
    "committee_mix": ("000", "委员兼副镇长与党委委员人数按职数配备（11 人：3+4；9 人：2+3；7 人：1+2）"),
    "discipline": ("000", "换届后新当选的纪委书记不再兼任党委副书记"),
    "duty_gap": ("001", "分工不重叠、职责不交叉：每个领域有且只有一名分管领导"),
    "finance": ("001", "一把手原则上不分管财政"),
    "villages": ("000", "驻村联村：每个村都要有干部联系"),
    "women": ("002", "班子中至少有一名女干部，否则保留职位"),
    "age": ("001", "提名年龄：继续提名男 57、女 52 周岁，新提名男 55、女 50 周岁以内"),
    "overload": ("000", "一般干部分工 2–3 项，超过即为过载"),
    "vacancy": ("001", "编制与在编：超编、缺编"),
}


def _finding(level, code, message, subject=None) -> dict:
    source, rule = RULES[code]
    return {"level": level, "code": code, "source": source, "rule": rule, "message": message, "subject": subject,
            "text": f"[{source}] {message}"}


def reference_date(db) -> dt.date:
    raw = settings.get(db, "roster.age_reference_date") or ""
    try:
        return dt.date.fromisoformat(raw) if raw else dt.date.today()
    except ValueError:
        return dt.date.today()


def check(db, township_code: str | None = None) -> list[dict]:
    """Every rule against one township's data (or the only township)."""
    found: list[dict] = []
    team = roster.current_team(db, township_code)
    by_role: dict[str, list] = {}
    for m in team:
        for role in m["roles"]:
            by_role.setdefault(role, []).append(m)

    quota = int(settings.get(db, "roster.team_quota"))
    if quota not in COMPOSITION:
        found.append(_finding("warning", "team_size", f"设置的班子职数 {quota} 不是 7、9、11 之一。"))
    if len(team) > quota:
        found.append(_finding("warning", "team_size", f"班子现有 {len(team)} 人，超过职数 {quota} 人。"))
    elif len(team) < quota:
        found.append(_finding("warning", "team_size", f"班子现有 {len(team)} 人，职数 {quota} 人，空缺 {quota - len(team)} 人。"))

    deputies = by_role.get("deputy_secretary", [])
    want = int(settings.get(db, "roster.deputy_secretaries"))
    separate = bool(settings.get(db, "roster.new_term_discipline_separate"))
    if team:
        if len(deputies) != want:
            found.append(_finding("warning", "composition", f"党委副书记应为 {want} 人，现有 {len(deputies)} 人。"))
        if deputies:
            if not any(m["roles"] & {"head", "exec_deputy_head"} for m in deputies):
                found.append(_finding("warning", "composition", "没有党委副书记兼任镇长或常务副镇长。"))
            if not any("npc_chair" in m["roles"] for m in deputies):
                found.append(_finding("warning", "composition", "没有党委副书记担任人大主席团主席。"))
            if not separate and by_role.get("discipline_secretary") and \
                    not any("discipline_secretary" in m["roles"] for m in deputies):
                found.append(_finding("warning", "composition", "纪委书记未由党委副书记兼任。"))
        if separate:
            for m in deputies:
                if "discipline_secretary" in m["roles"]:
                    found.append(_finding("warning", "discipline",
                                          f"{m['name']}：纪委书记仍兼任党委副书记（换届后不应兼任）。", m["uuid"]))
        if quota in COMPOSITION:
            want_dh, want_cm = COMPOSITION[quota]
            plain = [m for m in team if "committee" in m["roles"] and not m["roles"] & {"deputy_secretary", "party_secretary"}]
            with_dh = [m for m in plain if "deputy_head" in m["roles"]]
            if len(with_dh) != want_dh or len(plain) - len(with_dh) != want_cm:
                found.append(_finding("warning", "committee_mix",
                                      f"{quota} 人班子应有委员兼副镇长 {want_dh} 人、党委委员 {want_cm} 人，"
                                      f"现为 {len(with_dh)} 人、{len(plain) - len(with_dh)} 人。"))
        women = sum(1 for m in team if m["sex"] == "女")
        if women < int(settings.get(db, "roster.min_women")):
            found.append(_finding("warning", "women", "班子中没有女干部，应保留一个职位给女干部。"))

    areas = roster.duty_areas(db, township_code)
    for area in areas:
        leaders = area["leaders"]
        if not leaders:
            found.append(_finding("warning", "duty_gap", f"“{area['name']}”没有分管领导（职责盲区）。", area["uuid"]))
        elif len(leaders) > 1:
            names = "、".join(a["name"] for a in leaders)
            found.append(_finding("warning", "duty_gap", f"“{area['name']}”有 {len(leaders)} 名分管领导（{names}），分工重叠。",
                                  area["uuid"]))
    top = {m["uuid"]: m["name"] for m in by_role.get("party_secretary", [])}
    for area in areas:
        if area["is_finance"]:
            for a in area["leaders"]:
                if a["cadre_uuid"] in top:
                    found.append(_finding("warning", "finance", f"一把手{a['name']}分管财政（“{area['name']}”）。", a["cadre_uuid"]))

    for v in roster.village_coverage(db, township_code):
        if not v["liaisons"]:
            found.append(_finding("warning", "villages", f"{v['name']}没有驻村或联村干部。", v["uuid"]))

    ref = reference_date(db)
    limits = {("继续提名", "男"): "roster.age_continue_male", ("继续提名", "女"): "roster.age_continue_female",
              ("新提名", "男"): "roster.age_new_male", ("新提名", "女"): "roster.age_new_female"}
    for n in _nominees(db, township_code):
        key = limits.get((n["nomination"], n["sex"]))
        age = roster.age_at(n["birth_date"], ref)
        if key and age is not None and age > int(settings.get(db, key)):
            found.append(_finding("warning", "age", f"{n['name']}（{n['sex']}，{n['nomination']}）{ref.isoformat()} 时 {age} 周岁，"
                                                    f"超过 {settings.get(db, key)} 周岁。", n["uuid"]))

    limit = int(settings.get(db, "roster.max_duties"))
    for cadre_uuid, name, n in _duty_counts(db, township_code):
        if n > limit:
            found.append(_finding("warning", "overload", f"{name}有 {n} 项分工，超过 {limit} 项。", cadre_uuid))

    for office in _office_staffing(db, township_code):
        if office["filled"] > office["establishment"]:
            found.append(_finding("warning", "vacancy", f"{office['name']}编制 {office['establishment']} 人，在编 "
                                                        f"{office['filled']} 人，超编 {office['filled'] - office['establishment']} 人。"))
        elif office["filled"] < office["establishment"]:
            found.append(_finding("warning", "vacancy", f"{office['name']}编制 {office['establishment']} 人，在编 "
                                                        f"{office['filled']} 人，缺编 {office['establishment'] - office['filled']} 人。"))
    return found


def _nominees(db, township_code):
    sql = ("SELECT uuid, name, sex, birth_date, nomination FROM cadres WHERE deleted = 0 AND status = '在职' "
           "AND coalesce(nomination, '') != ''")
    params = []
    if township_code:
        sql += " AND township_code = ?"
        params.append(township_code)
    return roster.records.rows(db, sql, params)


def _duty_counts(db, township_code):
    sql = ("SELECT c.uuid, c.name, count(*) FROM duty_assignments s JOIN cadres c ON c.uuid = s.cadre_uuid "
           "JOIN duty_areas d ON d.uuid = s.area_uuid "
           "WHERE s.deleted = 0 AND c.deleted = 0 AND d.deleted = 0 AND c.status = '在职'")
    params = []
    if township_code:
        sql += " AND c.township_code = ?"
        params.append(township_code)
    return db.execute(sql + " GROUP BY c.uuid ORDER BY c.name_pinyin", params).fetchall()


def _office_staffing(db, township_code):
    """Offices with establishment (编制) and filled (在编 staff working there)."""
    sql = ("SELECT f.uuid, f.name, f.establishment, (SELECT count(*) FROM cadres c WHERE c.office_uuid = f.uuid "
           "AND c.deleted = 0 AND c.status = '在职' AND c.staffing = '在编') AS filled FROM offices f "
           "WHERE f.deleted = 0 AND f.establishment > 0")
    params = []
    if township_code:
        sql += " AND f.township_code = ?"
        params.append(township_code)
    return roster.records.rows(db, sql + " ORDER BY f.id", params)


def check_findings(db) -> list[tuple[str, str]]:
    """Hook for `main.py check`: (level, '[seed] message') for every township
    that has a roster in this database."""
    codes = [r[0] for r in db.execute("SELECT DISTINCT township_code FROM cadres WHERE deleted = 0")]
    out: list[tuple[str, str]] = []
    for code in codes:
        prefix = f"{code} " if len(codes) > 1 else ""
        out.extend((f["level"], f"领导班子 {prefix}{f['text']}") for f in check(db, code))
    return out
