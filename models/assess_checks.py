"""Rule checks of the assessment printed by `main.py check`."""

from __future__ import annotations

import datetime as dt

from models import assess, rewards, settings  # noqa: F401 - rewards registers its settings


def check_findings(db) -> list[tuple[str, str]]:
    """(level, message): trees that do not add up (error), the 优秀 quota
    exceeded in stored results, open appeals and overdue re-checks (warnings)."""
    if "assess_plans" not in db.table_names():
        return []
    findings: list[tuple[str, str]] = []
    for plan in assess.plans(db):
        label = f"考核方案“{plan['name']}”"
        for problem in assess.plan_problems(db, plan["uuid"]):
            findings.append(("error", f"{label}：{problem}"))
        from models.assess_results import quota_warnings

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
    ratio = float(settings.get(db, "assess.director_ratio"))
    if ratio > 0.9:
        findings.append(("warning", f"设置中村委会主任补贴比例为 {ratio:.0%}，超过 90%，计算时按 90%。"))
    stale = db.execute("SELECT count(*) FROM assess_score_sums WHERE n < 0").fetchone()[0]
    if stale:
        findings.append(("error", "考核得分汇总表不一致，请重新计算考核结果。"))
    return findings
