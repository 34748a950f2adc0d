"""Rule checks of the service domain printed by `main.py check`."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # annotations only (models.core.db reaches this room through the migrations)
    from sqlite_utils import Database


def check_findings(db: Database, today: dt.date | None = None) -> list[tuple[str, str]]:
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
    depending = workdays.provisional_dependents(db)
    if missing or depending:
        in_use = sorted(set(missing) | set(depending))
        count = sum(depending.values())
        out.append(("warning", f"{workdays.provisional_label(in_use)}尚无正式工作日历，按法定节假日预估（不含调休）；"
                               f"{count} 件未办结办件的承诺办结日期依赖预估"
                               + ("（" + "，".join(f"{y} 年 {n} 件" for y, n in sorted(depending.items())) + "）"
                                  if depending else "")
                               + f"。{workdays.years_label(years)}。请导入县里下发的日历或粘贴国务院办公厅的放假通知。"))
    from models.service import reconcile

    waiting = reconcile.pending(db)
    if waiting:
        out.append(("warning", f"正式工作日历已到：{len(waiting)} 件未办结办件的预估承诺办结日期待值班长或管理员核对"
                               "（“工作日历”页或 calendar reconcile）。"))
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
