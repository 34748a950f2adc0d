"""Rule checks of the service domain printed by `main.py check`."""

from __future__ import annotations

import datetime as dt


def check_findings(db, today: dt.date | None = None) -> list[tuple[str, str]]:
    """(level, message) findings: calendar coverage, overdue tickets, open
    rectifications past their deadline, call-backs not done."""
    from models.service import tickets
    from models.service import workdays

    today = today or dt.date.today()
    if db.execute("SELECT 1 FROM sqlite_master WHERE name = 'workdays'").fetchone() is None:
        return []
    out: list[tuple[str, str]] = []
    years = workdays.covered_years(db)
    missing = workdays.missing_years(db, today)
    if today.year in missing:
        out.append(("error", f"工作日历缺少今年（{today.year} 年）的节假日安排，无法计算办件时限；"
                             f"{workdays.years_label(years)}。请导入县里下发的工作日历。"))
    elif missing:
        out.append(("warning", f"工作日历缺少明年（{missing[0]} 年）的节假日安排，跨年的办件时限将无法计算；"
                               f"{workdays.years_label(years)}。"))
    counts = tickets.desk_counts(db, today=today)
    if counts["overdue"]:
        out.append(("warning", f"有 {counts['overdue']} 件办件已超过承诺办结日期仍未办结。"))
    late_rect = db.execute("SELECT count(*) FROM ticket_rectifications WHERE status = '整改中' AND deadline < ? "
                           "AND deleted = 0", [today.isoformat()]).fetchone()[0]
    if late_rect:
        out.append(("warning", f"有 {late_rect} 项差评整改已过整改期限。"))
    if counts["callback"]:
        out.append(("warning", f"有 {counts['callback']} 件已办结办件到期未回访。"))
    return out
