"""Statistics of the staff (干部队伍结构, DOMAIN.md §1 / seed 001 第五篇):
gender, party membership, rank, age bands at a reference date, education,
一肩挑 rate, average age, vacancies, and the age pyramid's data."""

from __future__ import annotations

import datetime as dt
from typing import Any

from models.core import records
from models.roster.team import RANK_LEVEL, STAFFING_ESTABLISHED, age_at, current_team, village_coverage

from typing import TYPE_CHECKING, TypedDict

if TYPE_CHECKING:  # annotations only
    from sqlite_utils import Database

AGE_BANDS = [("30岁及以下", 0, 30), ("31—40岁", 31, 40), ("41—50岁", 41, 50), ("51岁及以上", 51, 200)]
PYRAMID_BANDS = [(f"{lo}—{lo + 4}", lo, lo + 4) for lo in range(20, 60, 5)] + [("60+", 60, 200)]
EDU_BANDS = {"研究生": "研究生", "本科": "本科", "大专": "大专"}  # the rest: 中专及以下


def _cadres(db: Database, township_code):
    sql = ("SELECT uuid, sex, birth_date, political_status, rank, edu_fulltime, edu_inservice, staffing "
           "FROM cadres WHERE deleted = 0 AND status = '在职'")
    params = []
    if township_code:
        sql += " AND township_code = ?"
        params.append(township_code)
    return records.rows(db, sql, params)


def _highest_edu(c) -> str:
    order = ["研究生", "本科", "大专"]
    for level in order:
        if level in (c["edu_fulltime"] or "", c["edu_inservice"] or ""):
            return level
    return "中专及以下"


class Structure(TypedDict):
    """The staff structure on a day (结构统计, the staff-facts notice, the county comparison)."""

    ref_date: str
    total: int  # in-service cadres
    sex: dict[str, int]  # 男, 女
    party: int  # 中共党员
    rank: dict[str, int]
    age: dict[str, int]  # AGE_BANDS
    education: dict[str, int]
    staffing: dict[str, int]
    average_age: float | None
    establishment: int  # the offices' 核定编制
    filled: int
    filled_offices: int  # 在编 outside the team (leaders do not count against the offices)
    vacancies: int
    team_size: int
    team_average_age: float | None
    dual_head: bool  # the party secretary is also the township head
    townships: int
    township_dual_head: int
    township_dual_head_rate: float | None
    villages: int
    village_dual_head: int
    village_dual_head_rate: float | None


def structure(db: Database, township_code: str | None = None, ref_date: dt.date | None = None) -> Structure:
    """The structure table of the in-service cadres on `ref_date` (today by default)."""
    ref = ref_date or dt.date.today()
    cadres = _cadres(db, township_code)
    sex = {"男": 0, "女": 0}
    party = 0
    rank = {r: 0 for r in ["副县", "正科", "副科", "科员及办事员", "未填"]}
    age_bands = {label: 0 for label, _, _ in AGE_BANDS}
    education = {e: 0 for e in ["研究生", "本科", "大专", "中专及以下"]}
    staffing = {"在编": 0, "聘用": 0, "未填": 0}
    ages = []
    for c in cadres:
        if c["sex"] in sex:
            sex[c["sex"]] += 1
        if (c["political_status"] or "").startswith("中共"):
            party += 1
        # Parallel ranks (四级主任科员 …) count as the level they correspond to;
        # other levels and kinds get their own line only when someone has them.
        level = RANK_LEVEL.get(c["rank"], "其他") if c["rank"] else "未填"
        rank[level] = rank.get(level, 0) + 1
        kind = ("在编" if c["staffing"] in STAFFING_ESTABLISHED else c["staffing"]) if c["staffing"] else "未填"
        staffing[kind] = staffing.get(kind, 0) + 1
        age = age_at(c["birth_date"], ref)
        if age is not None:
            ages.append(age)
            for label, lo, hi in AGE_BANDS:
                if lo <= age <= hi:
                    age_bands[label] += 1
        education[_highest_edu(c)] += 1
    sql = "SELECT coalesce(sum(establishment), 0) FROM offices WHERE deleted = 0"
    params = []
    if township_code:
        sql += " AND township_code = ?"
        params.append(township_code)
    establishment = db.execute(sql, params).fetchone()[0]
    # Leaders are not counted against the offices' establishment.
    team = current_team(db, township_code)
    team_ids = {m["uuid"] for m in team}
    filled_offices = sum(1 for c in cadres if c["staffing"] in STAFFING_ESTABLISHED and c["uuid"] not in team_ids)
    dual_head = any(m["dual_head"] for m in team)
    # Over a county database: the share of townships whose secretary is also head.
    codes = [township_code] if township_code else [
        r[0] for r in db.execute("SELECT DISTINCT township_code FROM cadres WHERE deleted = 0")]
    dual = (sum(1 for code in codes if any(m["dual_head"] for m in current_team(db, code))) if len(codes) > 1
            else int(dual_head))
    villages = village_coverage(db, township_code)
    village_dual = sum(1 for v in villages if v["dual_head"])
    return {
        "ref_date": ref.isoformat(), "total": len(cadres), "sex": sex, "party": party, "rank": rank,
        "age": age_bands, "education": education, "staffing": staffing,
        "average_age": round(sum(ages) / len(ages), 1) if ages else None,
        "establishment": establishment, "filled": sum(1 for c in cadres if c["staffing"] in STAFFING_ESTABLISHED),
        "filled_offices": filled_offices, "vacancies": max(establishment - filled_offices, 0),
        "team_size": len(team),
        "team_average_age": (round(sum(a for a in (age_at(m["birth_date"], ref) for m in team) if a is not None)
                                   / max(1, sum(1 for m in team if m["birth_date"])), 1) if team else None),
        "dual_head": dual_head, "townships": len(codes), "township_dual_head": dual,
        "township_dual_head_rate": round(100.0 * dual / len(codes), 1) if codes else None,
        "villages": len(villages), "village_dual_head": village_dual,
        "village_dual_head_rate": round(100.0 * village_dual / len(villages), 1) if villages else None,
    }


def age_pyramid(db: Database, township_code: str | None = None, ref_date: dt.date | None = None) -> list[dict]:
    """Rows of the age pyramid, youngest first: {'band', 'male', 'female'}."""
    ref = ref_date or dt.date.today()
    rows: list[dict[str, Any]] = [{"band": label, "lo": lo, "hi": hi, "male": 0, "female": 0}
                                  for label, lo, hi in PYRAMID_BANDS]
    for c in _cadres(db, township_code):
        age = age_at(c["birth_date"], ref)
        if age is None:
            continue
        for r in rows:
            if r["lo"] <= age <= r["hi"] or (r is rows[0] and age < r["lo"]):
                r["male" if c["sex"] == "男" else "female"] += 1
                break
    for r in rows:
        del r["lo"], r["hi"]
    return rows


def structure_lines(s: Structure) -> list[tuple[str, str]]:
    """The structure table as (label, value) lines for display or printing."""
    def pct(n):
        return f"{n}（{100.0 * n / s['total']:.1f}%）" if s["total"] else str(n)

    lines = [("统计基准日", s["ref_date"]), ("干部总数", str(s["total"])),
             ("性别", f"男 {pct(s['sex']['男'])}，女 {pct(s['sex']['女'])}"),
             ("中共党员", pct(s["party"])),
             ("职级", "，".join(f"{k} {v}" for k, v in s["rank"].items() if v or k != "未填")),
             ("年龄段", "，".join(f"{k} {v}" for k, v in s["age"].items())),
             ("学历（最高）", "，".join(f"{k} {v}" for k, v in s["education"].items())),
             ("平均年龄", f"{s['average_age']} 岁" if s["average_age"] is not None else "—"),
             ("班子人数 / 平均年龄", f"{s['team_size']} 人 / {s['team_average_age'] or '—'} 岁"),
             ("党政一肩挑", ("是" if s["dual_head"] else "否") if s["townships"] <= 1 else
              f"{s['township_dual_head']} / {s['townships']} 个乡镇（{s['township_dual_head_rate']}%）"),
             ("村级一肩挑", f"{s['village_dual_head']} / {s['villages']} 村（{s['village_dual_head_rate'] or 0}%）"),
             ("编制 / 在编（机关） / 缺编", f"{s['establishment']} / {s['filled_offices']} / {s['vacancies']}")]
    return lines
