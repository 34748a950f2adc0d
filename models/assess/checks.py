"""Rule checks of the assessment printed by `main.py check`."""

from __future__ import annotations

import datetime as dt

from models.assess import rewards  # noqa: F401 - declares the assess.director_ratio setting read below
from models.assess import scorecard as assess

from models.core import settings

from typing import TYPE_CHECKING

if TYPE_CHECKING:  # annotations only
    from sqlite_utils import Database


def check_findings(db: Database) -> list[tuple[str, str]]:
    """(level, message): trees that do not add up (error), the 优秀 quota
    exceeded in stored results, open appeals and overdue re-checks (warnings)."""
    if "assess_plans" not in db.table_names():
        return []
    findings: list[tuple[str, str]] = []
    for plan in assess.plans(db):
        label = f"考核方案“{plan['name']}”"
        for problem in assess.plan_problems(db, plan["uuid"]):
            findings.append(("error", f"{label}：{problem}"))
        from models.assess.results import quota_warnings

        for period in plan["periods"].split(","):
            for message in quota_warnings(db, plan["uuid"], period):
                if "超过比例" in message:
                    findings.append(("warning", f"{label} {assess.PERIODS.get(period, period)}：{message}"))
        open_appeals = assess.appeals(db, plan["uuid"], status="open")
        if open_appeals:
            findings.append(("warning", f"{label}：{len(open_appeals)} 件申诉尚未处理。"))
        today = dt.date.today().isoformat()
        for t in assess.targets(db, plan["uuid"], status="unmet"):
            if t["recheck_date"] and t["recheck_date"] < today:
                findings.append(("warning", f"{label}：“{t['owner_name']}”的目标“{t['content'][:20]}”"
                                            f"复查日期 {t['recheck_date']} 已过，尚未复查。"))
    findings += broken_commitment_findings(db)
    ratio = float(settings.get(db, "assess.director_ratio"))
    if ratio > 0.9:
        findings.append(("warning", f"设置中村委会主任补贴比例为 {ratio:.0%}，超过 90%，计算时按 90%。"))
    stale = db.execute("SELECT count(*) FROM assess_score_sums WHERE n < 0").fetchone()[0]
    if stale:
        findings.append(("error", "考核得分汇总表不一致，请重新计算考核结果。"))
    return findings


def broken_commitment_findings(db: Database) -> list[tuple[str, str]]:
    """Seed 004: a commitment broken in the first year brings a warning talk
    and a deducted deposit; broken again the next year, the person is asked to
    resign. Owners with unmet targets in two consecutive years are named."""
    rows = db.execute(
        "SELECT p.township_code, p.year, t.owner_name FROM assess_targets t JOIN assess_plans p ON p.uuid = t.plan_uuid "
        "WHERE t.deleted = 0 AND p.deleted = 0 AND t.status = 'unmet' GROUP BY 1, 2, 3").fetchall()
    unmet = {(code, year, owner) for code, year, owner in rows}
    out = []
    for code, year, owner in sorted(unmet):
        if (code, year - 1, owner) in unmet:
            out.append(("warning", f"“{owner}”{year - 1}、{year} 年连续未兑现目标承诺：按承诺兑现办法应动员辞职。"))
        else:
            out.append(("warning", f"“{owner}”{year} 年目标承诺未兑现：应诫勉谈话并扣发相应保证金。"))
    return out
