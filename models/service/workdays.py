"""The working-day calendar: China's statutory holidays and make-up working days (调休).

One row per day of every covered year in the `workdays` table, seeded from
the chinesecalendar package for the years it knows, editable by the
administrator (capability "calendar.write") and importable from the county.

Deadlines count working days: `add_workdays(db, start, n)` is the n-th working
day after `start` (start itself not counted); `workdays_between(db, a, b)`
counts working days in (a, b]. A date outside the covered years raises a
ValidationError naming the covered range, never a silent guess.
"""

from __future__ import annotations

import bisect
import datetime as dt
from dataclasses import dataclass

from models.core import audit

from models.core import records
from models.core.errors import ValidationError
from models.core.personal import parse_date
from models.core.users import require

HOLIDAY_NAMES = {
    "New Year's Day": "元旦",
    "Spring Festival": "春节",
    "Tomb-sweeping Day": "清明节",
    "Labour Day": "劳动节",
    "Dragon Boat Festival": "端午节",
    "National Day": "国庆节",
    "Mid-autumn Festival": "中秋节",
    "Anti-Fascist 70th Day": "抗战胜利70周年纪念日",
}
WEEKDAY_NAMES = "一二三四五六日"


@dataclass
class Calendar:
    """An in-memory copy of the table: sorted working-day ordinals and the covered span."""

    workday_ordinals: list[int]
    first: int  # ordinal of the first covered day
    last: int  # ordinal of the last covered day
    years: list[int]

    def check(self, d: dt.date, field: str = "日期") -> None:
        """Raise when d is outside the covered years."""
        o = d.toordinal()
        if not self.years or o < self.first or o > self.last or d.year not in self.years:
            raise ValidationError(field, f"{d.isoformat()} 不在工作日历覆盖范围内（{years_label(self.years)}），"
                                         "请管理员补充或导入该年度的节假日安排。")

    def is_workday(self, d: dt.date) -> bool:
        self.check(d)
        o = d.toordinal()
        i = bisect.bisect_left(self.workday_ordinals, o)
        return i < len(self.workday_ordinals) and self.workday_ordinals[i] == o

    def add(self, start: dt.date, n: int, field: str = "日期") -> dt.date:
        """The n-th working day after start (n = 0 gives start)."""
        self.check(start, field)
        if n <= 0:
            return start
        i = bisect.bisect_right(self.workday_ordinals, start.toordinal()) + n - 1
        if i >= len(self.workday_ordinals):
            raise ValidationError(field, f"从 {start.isoformat()} 起算 {n} 个工作日超出工作日历覆盖范围"
                                         f"（{years_label(self.years)}），请补充下一年度的节假日安排。")
        result = dt.date.fromordinal(self.workday_ordinals[i])
        self.check(result, field)
        return result

    def between(self, start: dt.date, end: dt.date, field: str = "日期") -> int:
        """Working days in (start, end]; negative when end is before start."""
        if end < start:
            return -self.between(end, start, field)
        self.check(start, field)
        self.check(end, field)
        lo = bisect.bisect_right(self.workday_ordinals, start.toordinal())
        hi = bisect.bisect_right(self.workday_ordinals, end.toordinal())
        return hi - lo


def years_label(years) -> str:
    """'已覆盖 2004–2026 年' style text for messages."""
    if not years:
        return "日历为空"
    years = sorted(years)
    if years[-1] - years[0] + 1 == len(years):
        return f"已覆盖 {years[0]}–{years[-1]} 年" if len(years) > 1 else f"已覆盖 {years[0]} 年"
    return "已覆盖 " + "、".join(str(y) for y in years) + " 年"


# ---- cache -----------------------------------------------------------------
# The calendar is read on every deadline computation; it changes rarely. The
# cache is dropped on our own writes and when another connection committed
# (PRAGMA data_version changes then).
_cache: dict[int, tuple[int, int, Calendar]] = {}
_generation = 0


def _invalidate() -> None:
    global _generation
    _generation += 1


def calendar(db) -> Calendar:
    """The calendar of db (cached)."""
    key = id(db.conn)
    version = db.execute("PRAGMA data_version").fetchone()[0]
    hit = _cache.get(key)
    if hit and hit[0] == version and hit[1] == _generation:
        return hit[2]
    rows = db.execute("SELECT date, is_workday FROM workdays ORDER BY date").fetchall()
    ordinals = [dt.date.fromisoformat(d).toordinal() for d, w in rows if w]
    years = sorted({int(d[:4]) for d, _ in rows})
    first = dt.date.fromisoformat(rows[0][0]).toordinal() if rows else 0
    last = dt.date.fromisoformat(rows[-1][0]).toordinal() if rows else -1
    cal = Calendar(ordinals, first, last, years)
    _cache[key] = (version, _generation, cal)
    return cal


def _as_date(value, field="日期") -> dt.date:
    d = parse_date(value, field)
    if d is None:
        raise ValidationError(field, "不能为空。")
    return d


def is_workday(db, date) -> bool:
    """Whether `date` is a working day (holidays off, make-up weekend days on)."""
    return calendar(db).is_workday(_as_date(date))


def add_workdays(db, start, n: int) -> dt.date:
    """The n-th working day after start (start not counted; n = 0 returns start)."""
    return calendar(db).add(_as_date(start), int(n))


def workdays_between(db, start, end) -> int:
    """Number of working days in (start, end]."""
    return calendar(db).between(_as_date(start), _as_date(end))


def covered_years(db) -> list[int]:
    """Years the calendar holds, ascending."""
    return list(calendar(db).years)


def missing_years(db, today: dt.date | None = None) -> list[int]:
    """Of the current and next year, those the calendar lacks (for warnings)."""
    today = today or dt.date.today()
    have = set(covered_years(db))
    return [y for y in (today.year, today.year + 1) if y not in have]


# ---- seeding, editing, import ---------------------------------------------

def _chinese_calendar_days(year: int) -> list[tuple[str, int, str]]:
    import chinese_calendar as cc

    out = []
    d = dt.date(year, 1, 1)
    while d.year == year:
        on_holiday, holiday = cc.get_holiday_detail(d)
        work = cc.is_workday(d)
        if work and d.weekday() >= 5:
            name = "调休上班" + (f"（{HOLIDAY_NAMES.get(holiday, holiday)}）" if holiday else "")
        elif not work and holiday:
            name = HOLIDAY_NAMES.get(holiday, holiday)
        else:
            name = ""
        out.append((d.isoformat(), 1 if work else 0, name))
        d += dt.timedelta(days=1)
    return out


def package_years() -> list[int]:
    """Years the bundled chinesecalendar package knows (statutory arrangements published)."""
    from chinese_calendar import constants

    lo = min(constants.holidays).year
    hi = max(constants.holidays).year
    return list(range(lo, hi + 1))


def seed_from_package(db, actor, years=None, replace: bool = False) -> list[int]:
    """Fill the calendar from chinesecalendar for `years` (default: all it knows,
    skipping years already present unless replace). Returns the years written."""
    require(actor, "calendar.write")
    years = list(years or package_years())
    known = set(package_years())
    bad = [y for y in years if y not in known]
    if bad:
        raise ValidationError("年份", f"内置节假日数据不含 {bad[0]} 年（{years_label(sorted(known))}），请从县里导入。")
    have = set(db.execute("SELECT DISTINCT substr(date, 1, 4) FROM workdays").fetchall())
    have = {int(r[0]) for r in have}
    todo = [y for y in years if replace or y not in have]
    if not todo:
        return []
    now = records.now_iso()
    who = getattr(actor, "username", str(actor))
    with db.atomic():
        for y in todo:
            db.execute("DELETE FROM workdays WHERE date LIKE ?", [f"{y}-%"])
            db.conn.executemany(
                "INSERT INTO workdays (date, is_workday, name, source, updated_at, updated_by) VALUES (?, ?, ?, 'chinesecalendar', ?, ?)",
                [(d, w, n, now, who) for d, w, n in _chinese_calendar_days(y)],
            )
        audit.record(db, actor, "seed", "workdays", None, None, {"years": todo, "source": "chinesecalendar"})
    _invalidate()
    return todo


def seed_default(db) -> None:
    """Seed once from the package if the table is empty (no actor needed: system data)."""
    from models.core.users import SYSTEM_ACTOR

    if db.execute("SELECT 1 FROM workdays LIMIT 1").fetchone() is None:
        seed_from_package(db, SYSTEM_ACTOR)


def set_day(db, actor, date, is_work: bool, name: str = "") -> None:
    """Change one day (e.g. a newly announced holiday). The year must be covered."""
    require(actor, "calendar.write")
    from models.core.personal import check_text

    d = _as_date(date)
    name = check_text(name, "名称", 30)
    row = db.execute("SELECT is_workday, name FROM workdays WHERE date = ?", [d.isoformat()]).fetchone()
    if row is None:
        raise ValidationError("日期", f"{d.isoformat()} 不在工作日历覆盖范围内（{years_label(covered_years(db))}），请先导入该年度。")
    with db.atomic():
        db.execute("UPDATE workdays SET is_workday = ?, name = ?, source = 'manual', updated_at = ?, updated_by = ? WHERE date = ?",
                   [int(bool(is_work)), name, records.now_iso(), getattr(actor, "username", str(actor)), d.isoformat()])
        audit.record(db, actor, "update", "workdays", d.isoformat(), {"is_workday": row[0], "name": row[1]},
                     {"is_workday": int(bool(is_work)), "name": name})
    _invalidate()


def import_days(db, actor, rows, source: str = "import") -> list[int]:
    """Import whole years: rows of (date, is_workday, name). Every year touched
    must be complete (all its days), so a half year never looks covered.
    All or nothing; returns the years imported."""
    require(actor, "calendar.write")
    parsed: dict[str, tuple[int, str]] = {}
    for i, row in enumerate(rows, start=1):
        try:
            date, work, name = (list(row) + ["", "", ""])[:3]
            d = _as_date(date, "日期")
            text = str(work).strip()
            if text in ("1", "是", "工作日", "上班", "True", "true"):
                w = 1
            elif text in ("0", "否", "休息日", "休息", "放假", "False", "false"):
                w = 0
            else:
                raise ValidationError("是否工作日", f"“{text}”应为 1（工作日）或 0（休息日）。")
        except ValidationError as e:
            raise ValidationError(e.field, e.bare_message, row=i) from None
        parsed[d.isoformat()] = (w, str(name or "").strip()[:30])
    if not parsed:
        raise ValidationError("工作日历", "文件中没有日期。")
    years = sorted({int(k[:4]) for k in parsed})
    for y in years:
        days = (dt.date(y + 1, 1, 1) - dt.date(y, 1, 1)).days
        got = sum(1 for k in parsed if k.startswith(f"{y}-"))
        if got != days:
            raise ValidationError("工作日历", f"{y} 年只有 {got} 天，应为完整的 {days} 天。")
    now = records.now_iso()
    who = getattr(actor, "username", str(actor))
    with db.atomic():
        for y in years:
            db.execute("DELETE FROM workdays WHERE date LIKE ?", [f"{y}-%"])
        db.conn.executemany(
            "INSERT INTO workdays (date, is_workday, name, source, updated_at, updated_by) VALUES (?, ?, ?, ?, ?, ?)",
            [(k, w, n, source, now, who) for k, (w, n) in sorted(parsed.items())],
        )
        audit.record(db, actor, "import", "workdays", None, None, {"years": years, "source": source})
    _invalidate()
    return years


def read_calendar_file(path) -> list[tuple]:
    """Rows (date, is_workday, name) from a .csv or .xlsx file with a header row."""
    from pathlib import Path

    path = Path(path)
    if path.suffix.lower() == ".xlsx":
        import openpyxl

        wb = openpyxl.load_workbook(path, read_only=True, data_only=True)
        out = [tuple("" if c is None else c for c in r) for r in wb.active.iter_rows(min_row=2, values_only=True)]
        wb.close()
        return [r for r in out if any(str(c).strip() for c in r)]
    import csv

    with open(path, encoding="utf-8-sig", newline="") as f:
        reader = csv.reader(f)
        next(reader, None)
        return [tuple(r) for r in reader if any(c.strip() for c in r)]


def export_days(db, year: int | None = None) -> list[dict]:
    """Rows of the calendar (one year or all) for export and display."""
    sql = "SELECT date, is_workday, name, source FROM workdays"
    params = []
    if year:
        sql += " WHERE date LIKE ?"
        params.append(f"{int(year)}-%")
    return records.rows(db, sql + " ORDER BY date", params)


def special_days(db, year: int) -> list[dict]:
    """Holidays and make-up working days of a year (the days that differ from a plain week)."""
    out = []
    for r in export_days(db, year):
        d = dt.date.fromisoformat(r["date"])
        weekend = d.weekday() >= 5
        if bool(r["is_workday"]) == weekend or r["name"]:
            r["weekday"] = "星期" + WEEKDAY_NAMES[d.weekday()]
            out.append(r)
    return out
