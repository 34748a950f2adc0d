"""County mode: one database holding many townships, compared side by side
(横向比较).

The figures come from the other domains' own statistics functions, called
per township. A figure that does not exist (no finished tickets, so no on-time
rate) is None and shows as "—"; an error in a figure is an error, not a blank.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from models.assess import results as assess_results
from models.core import records, settings
from models.roster import stats as roster_stats
from models.roster import team as roster
from models.service import stats as ticket_stats
from models.service import workdays

from typing import TYPE_CHECKING

if TYPE_CHECKING:  # annotations only
    from sqlite_utils import Database


@dataclass(frozen=True)
class Metric:
    """One comparison column."""

    key: str
    label: str
    kind: str  # 'rate' (0..1, shown as %), 'number', 'decimal'
    group: str
    higher_is_better: bool | None = True


METRICS = [
    Metric("villages", "行政村数", "number", "基本情况", None),
    Metric("households", "户数", "number", "基本情况", None),
    Metric("cadres", "干部人数", "number", "班子结构", None),
    Metric("team_size", "班子职数", "number", "班子结构", None),
    Metric("team_women", "班子女干部", "number", "班子结构", True),
    Metric("team_average_age", "班子平均年龄", "decimal", "班子结构", None),
    Metric("dual_head", "一肩挑", "number", "班子结构", None),
    Metric("vacancies", "缺编", "number", "班子结构", False),
    Metric("tickets", "受理办件", "number", "便民服务", None),
    Metric("finished", "办结", "number", "便民服务", None),
    Metric("on_time_rate", "按时办结率", "rate", "便民服务", True),
    Metric("satisfaction_rate", "满意率", "rate", "便民服务", True),
    Metric("avg_work_days", "平均办理工作日", "decimal", "便民服务", False),
    # open tickets whose promised date still rests on the provisional calendar (the
    # township has no official year yet, or has not confirmed the changes)
    Metric("provisional_open", "预估日历办件", "number", "便民服务", False),
    Metric("assess_average", "考核平均分", "decimal", "考核", True),
    Metric("assess_excellent", "优秀人数", "number", "考核", None),
    Metric("assess_people", "参加考核人数", "number", "考核", None),
]
METRIC_BY_KEY = {m.key: m for m in METRICS}


def is_county(db: Database) -> bool:
    """True when this database is a county database (many townships)."""
    return settings.get(db, "database_mode") == "county"


def township_list(db: Database) -> list[dict]:
    """Townships whose data this database holds (not the county itself),
    with the last package received from each."""
    return records.rows(
        db,
        "SELECT t.code, t.name, t.county, "
        "(SELECT max(sequence) FROM handoff_packages p WHERE p.township_code = t.code AND p.direction = 'import' "
        " AND p.kind = 'data') AS last_sequence, "
        "(SELECT max(handled_at) FROM handoff_packages p WHERE p.township_code = t.code AND p.direction = 'import' "
        " AND p.kind = 'data') AS last_import "
        "FROM townships t WHERE t.is_local = 0 OR NOT ? ORDER BY t.code",
        [is_county(db)],
    )


def _basic(db: Database, code: str) -> dict:
    row = db.execute("SELECT count(*), coalesce(sum(households), 0) FROM villages WHERE deleted = 0 "
                     "AND township_code = ?", [code]).fetchone()
    return {"villages": row[0], "households": row[1]}


def _roster(db: Database, code: str, ref_date: dt.date) -> dict:
    s = roster_stats.structure(db, code, ref_date)
    team = roster.current_team(db, code)
    return {"cadres": s["total"], "team_size": s["team_size"],
            "team_women": sum(1 for m in team if m["sex"] == "女"),
            "team_average_age": s["team_average_age"], "dual_head": int(bool(s["dual_head"])),
            "vacancies": s["vacancies"]}


def _service(db: Database, code: str, date_from: dt.date, date_to: dt.date) -> dict:
    s = ticket_stats.statistics(db, date_from, date_to, code)
    return {"tickets": s["total"], "finished": s["finished"],
            "on_time_rate": s["on_time_rate"] if s["finished"] else None,
            "satisfaction_rate": s["satisfaction_rate"] if s["rated"] else None,
            "avg_work_days": s["avg_work_days"],
            "provisional_open": sum(workdays.provisional_dependents(db, code).values())}


def _assess(db: Database, year: int, period: str) -> dict:
    return {r["township_code"]: {"assess_average": r["average"], "assess_excellent": r["excellent"],
                                 "assess_people": r["people"]}
            for r in assess_results.compare_townships(db, year, period)}


def comparison(db: Database, date_from=None, date_to=None, year: int | None = None, period: str = "Y",
               ref_date: dt.date | None = None) -> list[dict]:
    """One row per township: code, name, last package, and every METRICS key
    (None where the figure is not available). Service figures cover tickets
    in [date_from, date_to] (default: this year so far); assessment figures
    come from the plan of `year`, period `period`."""
    today = ref_date or dt.date.today()
    date_from = date_from or dt.date(today.year, 1, 1)
    date_to = date_to or today
    year = year or today.year
    assessed = _assess(db, year, period)
    out = []
    for t in township_list(db):
        code = t["code"]
        row = {"code": code, "name": t["name"], "last_sequence": t["last_sequence"], "last_import": t["last_import"]}
        row.update({m.key: None for m in METRICS})
        for part in (_basic(db, code), _roster(db, code, today),
                     _service(db, code, date_from, date_to), assessed.get(code)):
            if part:
                row.update({k: v for k, v in part.items() if k in METRIC_BY_KEY})
        out.append(row)
    return out


def format_value(metric: Metric, value) -> str:
    """The figure as shown in the comparison table."""
    if value is None:
        return "—"
    if metric.kind == "rate":
        return f"{100.0 * value:.1f}%"
    if metric.kind == "decimal":
        return f"{value:.1f}"
    return str(int(value))


def ranking(rows: list[dict], key: str) -> list[tuple[str, float]]:
    """(township name, value) sorted best first, townships without a value left out."""
    metric = METRIC_BY_KEY[key]
    have = [(r["name"], r[key]) for r in rows if r.get(key) is not None]
    return sorted(have, key=lambda x: x[1], reverse=metric.higher_is_better is not False)
