"""The working-day calendar: China's statutory holidays and make-up working days (调休).

Two kinds of year:

* an **official** year has one row per day in the `workdays` table: seeded from
  the chinesecalendar package for the years it knows, imported from the county
  (file or reference package), parsed from the State Council's notice, or edited
  by the administrator (capability "calendar.write");
* every other year is **provisional**: computed from the rule of the 全国年节及
  纪念日放假办法 in `holiday_rule.json` (the statutory days plus weekends, no 调休,
  which is unknown until announced). Lunar dates and solar terms come from
  lunar-python (chosen against chinesecalendar's years 2004–2026, see
  tests/tools/compare_lunar_libraries.py).

So a deadline can always be computed: the window never refuses a citizen
because the county is late with the calendar. A date computed over a
provisional year is marked provisional (`add_workdays_marked`), stored so on
the ticket, shown with PROVISIONAL_NOTE, and reconciled when the official year
arrives (`reconciliation`, `reconcile`).

Deadlines count working days: `add_workdays(db, start, n)` is the n-th working
day after `start` (start itself not counted); `workdays_between(db, a, b)`
counts working days in (a, b]. Only a date outside the years the rule can
compute (RULE first year – last_year) is refused, naming that range.
"""

from __future__ import annotations

import bisect
import datetime as dt
import json
import re
import unicodedata
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import NamedTuple, TYPE_CHECKING

from models.core import audit, xlsx_read

from models.core import records
from models.core.errors import ValidationError
from models.core.personal import parse_date
from models.core.users import require
from models.service import states

if TYPE_CHECKING:  # annotations only (models.core.db reaches this room through the migrations)
    from sqlite_utils import Database
    from models.core.users import Actor

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
PROVISIONAL_SOURCE = "provisional"
# Shown next to every date computed over a provisional year (form, ledger, receipt).
PROVISIONAL_NOTE = "（按法定节假日预估，如遇调休以正式安排为准）"
RULE_PATH = Path(__file__).with_name("holiday_rule.json")
SOLAR_TERMS = ("小寒", "大寒", "立春", "雨水", "惊蛰", "春分", "清明", "谷雨", "立夏", "小满", "芒种", "夏至",
               "小暑", "大暑", "立秋", "处暑", "白露", "秋分", "寒露", "霜降", "立冬", "小雪", "大雪", "冬至")


# ---- the holiday rule (data: holiday_rule.json) ----------------------------

@dataclass(frozen=True)
class RuleHoliday:
    name: str
    kind: str  # "solar" | "lunar" | "term"
    anchor: tuple  # (month, day) or (term name,)
    offset: int
    days: int


@dataclass(frozen=True)
class RuleVersion:
    from_year: int
    revision: str
    holidays: tuple[RuleHoliday, ...]


@dataclass(frozen=True)
class HolidayRule:
    law: str
    versions: tuple[RuleVersion, ...]  # newest first
    last_year: int

    @property
    def first_year(self) -> int:
        return self.versions[-1].from_year

    def version_for(self, year: int) -> RuleVersion:
        for v in self.versions:
            if year >= v.from_year:
                return v
        raise ValidationError("日期", f"{year} 年早于放假办法可推算的范围（{self.first_year}–{self.last_year} 年）。")


def _rule_error(where: str, message: str) -> ValidationError:
    return ValidationError("节假日规则", f"{RULE_PATH.name} {where}：{message}")


def parse_rule(data: dict) -> HolidayRule:
    """Check and read the rule data; a mistake names the version and holiday."""
    if not isinstance(data, dict) or not isinstance(data.get("versions"), list) or not data["versions"]:
        raise _rule_error("", "缺少 versions 列表。")
    versions = []
    for vi, v in enumerate(data["versions"], 1):
        where = f"第 {vi} 个版本"
        if not isinstance(v, dict) or not isinstance(v.get("from_year"), int):
            raise _rule_error(where, "缺少整数 from_year。")
        holidays = []
        for hi, h in enumerate(v.get("holidays") or [], 1):
            hw = f"{where}第 {hi} 个节日"
            if not isinstance(h, dict) or not str(h.get("name") or "").strip():
                raise _rule_error(hw, "缺少 name。")
            anchor = h.get("anchor") or {}
            if not isinstance(anchor, dict) or len(anchor) != 1:
                raise _rule_error(hw, "anchor 应恰有 solar、lunar、term 之一。")
            (kind, value), = anchor.items()
            anchor_value: tuple
            if kind in ("solar", "lunar"):
                if not (isinstance(value, list) and len(value) == 2 and all(isinstance(x, int) for x in value)):
                    raise _rule_error(hw, f"{kind} 应为 [月, 日]。")
                month, day = value
                limit = 29 if kind == "lunar" else 31  # a lunar month may have only 29 days: use offset instead of 30
                # 2024 is a leap year: every valid solar month-day exists in it
                if not (1 <= month <= 12 and 1 <= day <= limit) or kind == "solar" and day > (
                        dt.date(2024 + month // 12, month % 12 + 1, 1) - dt.timedelta(days=1)).day:
                    raise _rule_error(hw, f"{kind} {value} 不是有效的月日。")
                anchor_value = (month, day)
            elif kind == "term":
                if value not in SOLAR_TERMS:
                    raise _rule_error(hw, f"“{value}”不是二十四节气之一。")
                anchor_value = (value,)
            else:
                raise _rule_error(hw, f"未知的 anchor 类型“{kind}”。")
            offset, days = h.get("offset", 0), h.get("days")
            if not isinstance(offset, int) or not -10 <= offset <= 10:
                raise _rule_error(hw, "offset 应为 -10 到 10 的整数。")
            if not isinstance(days, int) or not 1 <= days <= 10:
                raise _rule_error(hw, "days 应为 1 到 10 的整数。")
            holidays.append(RuleHoliday(str(h["name"]).strip(), kind, anchor_value, offset, days))
        versions.append(RuleVersion(v["from_year"], str(v.get("revision") or ""), tuple(holidays)))
    versions.sort(key=lambda v: -v.from_year)
    if len({v.from_year for v in versions}) != len(versions):
        raise _rule_error("", "两个版本的 from_year 相同。")
    last = data.get("last_year")
    if not isinstance(last, int) or last < versions[0].from_year:
        raise _rule_error("", "last_year 应为不早于最新版本的年份。")
    return HolidayRule(str(data.get("law") or ""), tuple(versions), last)


@lru_cache(maxsize=1)
def rule() -> HolidayRule:
    """The holiday rule of the law, read once from holiday_rule.json."""
    with open(RULE_PATH, encoding="utf-8") as f:
        return parse_rule(json.load(f))


def _lunar_to_solar(lunar_year: int, month: int, day: int) -> dt.date:
    from lunar_python import Lunar

    s = Lunar.fromYmd(lunar_year, month, day).getSolar()
    return dt.date(s.getYear(), s.getMonth(), s.getDay())


def _solar_term(year: int, name: str) -> dt.date:
    from lunar_python import Lunar

    # A lunar year's table also holds the neighbouring years' terms: take the one in `year`.
    for lunar_year in (year, year - 1, year + 1):
        s = Lunar.fromYmd(lunar_year, 6, 1).getJieQiTable().get(name)
        if s is not None and s.getYear() == year:
            return dt.date(s.getYear(), s.getMonth(), s.getDay())
    raise LookupError(f"{year} {name}")


def _anchor_dates(h: RuleHoliday, year: int) -> list[dt.date]:
    """The festival's anchor days in the years around `year` (an offset may carry
    a neighbouring year's festival into it)."""
    out = []
    for y in (year - 1, year, year + 1):
        if h.kind == "solar":
            if h.anchor != (2, 29) or y % 4 == 0 and (y % 100 != 0 or y % 400 == 0):
                out.append(dt.date(y, *h.anchor))
        elif h.kind == "term":
            out.append(_solar_term(y, h.anchor[0]))
        else:
            out.append(_lunar_to_solar(y, *h.anchor))
    return out


@lru_cache(maxsize=256)
def _statutory_days_cached(rule_obj: HolidayRule, year: int) -> tuple[tuple[dt.date, str], ...]:
    out: dict[dt.date, list[str]] = {}
    for h in rule_obj.version_for(year).holidays:  # the law in force in that year
        for anchor in _anchor_dates(h, year):
            for k in range(h.days):
                d = anchor + dt.timedelta(days=h.offset + k)
                if d.year == year and h.name not in out.setdefault(d, []):
                    out[d].append(h.name)
    return tuple(sorted((d, "、".join(names)) for d, names in out.items()))


def statutory_days(year: int, rule_obj: HolidayRule | None = None) -> dict[dt.date, str]:
    """The statutory holidays of a year under the rule: date → holiday name
    ('国庆节、中秋节' when two fall on one day)."""
    return dict(_statutory_days_cached(rule_obj or rule(), year))


def provisional_year(year: int, rule_obj: HolidayRule | None = None) -> list[tuple[str, int, str]]:
    """Every day of a year as (date, is_workday, name) under the rule: statutory
    holidays and weekends off, all other days on; no 调休."""
    holidays = statutory_days(year, rule_obj)
    out, d = [], dt.date(year, 1, 1)
    while d.year == year:
        name = holidays.get(d, "")
        out.append((d.isoformat(), 0 if name or d.weekday() >= 5 else 1, name))
        d += dt.timedelta(days=1)
    return out


# ---- the calendar in memory -------------------------------------------------

@dataclass
class Calendar:
    """Official years from the table, provisional years from the rule, loaded on
    demand as one contiguous run of years with sorted working-day ordinals."""

    official: dict[int, list[int]]  # year → working-day ordinals of an official (complete) year
    rule: HolidayRule
    # days stored for a year that is not complete (a county package may carry a few
    # days): laid over the provisional year, which stays provisional
    partial: dict[int, dict[int, int]] = field(default_factory=dict)
    workday_ordinals: list[int] = field(default_factory=list)
    lo_year: int = 0  # loaded years: lo_year..hi_year (empty when lo_year > hi_year)
    hi_year: int = -1

    @property
    def years(self) -> list[int]:
        """The official years (sorted)."""
        return sorted(self.official)

    def is_provisional_year(self, year: int) -> bool:
        return year not in self.official

    def _year_ordinals(self, year: int) -> list[int]:
        if year in self.official:
            return self.official[year]
        stored = self.partial.get(year, {})
        out = []
        for d, w, _ in provisional_year(year, self.rule):
            o = dt.date.fromisoformat(d).toordinal()
            if stored.get(o, w):
                out.append(o)
        return out

    def check(self, d: dt.date, field: str = "日期") -> None:
        """Raise when d is outside the years the rule can compute (a mistyped year)."""
        if not self.rule.first_year <= d.year <= self.rule.last_year:
            raise ValidationError(field, f"{d.isoformat()} 超出工作日历可推算的范围（{self.rule.first_year}–"
                                         f"{self.rule.last_year} 年），请核对日期。")
        self._load(d.year)

    def _load(self, year: int) -> None:
        if self.lo_year > self.hi_year:
            self.workday_ordinals = list(self._year_ordinals(year))
            self.lo_year = self.hi_year = year
            return
        while year > self.hi_year:
            self.hi_year += 1
            self.workday_ordinals.extend(self._year_ordinals(self.hi_year))
        while year < self.lo_year:
            self.lo_year -= 1
            self.workday_ordinals[:0] = self._year_ordinals(self.lo_year)

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
        while i >= len(self.workday_ordinals):
            if self.hi_year >= self.rule.last_year:
                raise ValidationError(field, f"从 {start.isoformat()} 起算 {n} 个工作日超出工作日历可推算的范围"
                                             f"（{self.rule.first_year}–{self.rule.last_year} 年）。")
            self._load(self.hi_year + 1)
        return dt.date.fromordinal(self.workday_ordinals[i])

    def add_marked(self, start: dt.date, n: int, field: str = "日期") -> tuple[dt.date, bool]:
        """(the n-th working day after start, whether a provisional year decided it)."""
        result = self.add(start, n, field)
        return result, self.depends_on_provisional(start, result)

    def depends_on_provisional(self, start: dt.date, end: dt.date) -> bool:
        """Whether counting working days in (start, end] reads a provisional year."""
        if end <= start:
            return False
        first = (start + dt.timedelta(days=1)).year
        return any(self.is_provisional_year(y) for y in range(first, end.year + 1))

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
    """'已覆盖 2004–2026 年' style text for messages (official years)."""
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


def calendar(db: Database) -> Calendar:
    """The calendar of db (cached)."""
    key = id(db.conn)
    version = db.execute("PRAGMA data_version").fetchone()[0]
    hit = _cache.get(key)
    if hit and hit[0] == version and hit[1] == _generation:
        return hit[2]
    stored: dict[int, dict[int, int]] = {}
    for d, w in db.execute("SELECT date, is_workday FROM workdays ORDER BY date"):
        stored.setdefault(int(d[:4]), {})[dt.date.fromisoformat(d).toordinal()] = int(w)
    official, partial = {}, {}
    for year, days in stored.items():
        if len(days) == (dt.date(year + 1, 1, 1) - dt.date(year, 1, 1)).days:
            official[year] = [o for o, w in days.items() if w]
        else:
            partial[year] = days  # an incomplete year is never taken as official
    cal = Calendar(official, rule(), partial=partial)
    _cache[key] = (version, _generation, cal)
    return cal


def _as_date(value, field="日期") -> dt.date:
    d = parse_date(value, field, allow_future=True)
    if d is None:
        raise ValidationError(field, "不能为空。")
    return d


def is_workday(db: Database, date) -> bool:
    """Whether `date` is a working day (holidays off, make-up weekend days on)."""
    return calendar(db).is_workday(_as_date(date))


def add_workdays(db: Database, start, n: int) -> dt.date:
    """The n-th working day after start (start not counted; n = 0 returns start)."""
    return calendar(db).add(_as_date(start), int(n))


def add_workdays_marked(db: Database, start, n: int, field: str = "日期") -> tuple[dt.date, bool]:
    """(n-th working day after start, True when a provisional year decided it)."""
    return calendar(db).add_marked(_as_date(start, field), int(n), field)


def depends_on_provisional(db: Database, start, end) -> bool:
    """Whether a date counted from start to end reads a year without the official calendar."""
    return calendar(db).depends_on_provisional(_as_date(start), _as_date(end))


def workdays_between(db: Database, start, end) -> int:
    """Number of working days in (start, end]."""
    return calendar(db).between(_as_date(start), _as_date(end))


def is_provisional(db: Database, date) -> bool:
    """Whether the year of `date` has no official calendar yet."""
    return calendar(db).is_provisional_year(_as_date(date).year)


def covered_years(db: Database) -> list[int]:
    """Years with an official calendar, ascending."""
    return list(calendar(db).years)


def missing_years(db: Database, today: dt.date | None = None) -> list[int]:
    """Of the current and next year, those running on the provisional calendar."""
    today = today or dt.date.today()
    have = set(covered_years(db))
    return [y for y in (today.year, today.year + 1) if y not in have]


def provisional_dependents(db: Database, township_code: str | None = None) -> dict[int, int]:
    """Open tickets whose promised date is still provisional, by the due date's year."""
    sql = ("SELECT CAST(substr(due_date, 1, 4) AS INTEGER), count(*) FROM tickets INDEXED BY idx_tickets_provisional "
           f"WHERE due_provisional = 1 AND {states.sql_in(states.OPEN_STATUSES)} AND deleted = 0")
    params: list = []
    if township_code:
        sql += " AND township_code = ?"
        params.append(township_code)
    return {y: n for y, n in db.execute(sql + " GROUP BY 1 ORDER BY 1", params)}


def provisional_label(years) -> str:
    """'2027 年' / '2027、2028 年' for messages."""
    return "、".join(str(y) for y in years) + " 年"


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


def seed_from_package(db: Database, actor: Actor, years=None, replace: bool = False) -> list[int]:
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


def seed_default(db: Database) -> None:
    """Seed once from the package if the table is empty (no actor needed: system data)."""
    from models.core.users import SYSTEM_ACTOR

    if db.execute("SELECT 1 FROM workdays LIMIT 1").fetchone() is None:
        seed_from_package(db, SYSTEM_ACTOR)


def set_day(db: Database, actor: Actor, date, is_work: bool, name: str = "") -> None:
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


def import_days(db: Database, actor: Actor, rows, source: str = "import") -> list[int]:
    """Import whole years: rows of (date, is_workday, name). Every year touched
    must be complete (all its days), so a half year never looks covered.
    All or nothing; returns the years imported."""
    require(actor, "calendar.write")
    parsed: dict[str, tuple[int, str]] = {}
    for i, row in enumerate(rows, start=1):
        i = getattr(row, "row", i)  # a file's rows name the row the person sees
        try:
            date, work, name = (list(row) + ["", "", ""])[:3]
            d = _as_date(date, "日期")
            text = str(work).strip()
            if text in ("1", "是", "工作日", "上班", "班", "True", "true"):
                w = 1
            elif text in ("0", "否", "休息日", "休息", "休", "放假", "False", "false"):
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


class CalendarRow(NamedTuple):
    """One day of a calendar file and the row it came from (for messages)."""

    date: object
    is_workday: object
    name: object
    row: int


# Headers a person gives the three columns (first the one the export writes).
CALENDAR_HEADERS = {"date": ("日期", "公历日期", "日 期", "date"),
                    "is_workday": ("是否工作日", "工作日", "是否上班", "上班", "类型", "属性", "状态", "工作日/休息日",
                                   "上班/休息"),
                    "name": ("名称", "节日", "节日名称", "节假日", "节假日名称", "假日名称", "备注", "说明")}


def _calendar_header(text) -> str | None:
    key = re.sub(r"[\s\u3000]+", "", unicodedata.normalize("NFKC", xlsx_read.cell_text(text))).lower()
    for column, names in CALENDAR_HEADERS.items():
        if key in {re.sub(r"\s+", "", n) for n in names}:
            return column
    return None


def read_calendar_file(path) -> list[CalendarRow]:
    """Rows (date, is_workday, name, row number) from a .csv or .xlsx file.
    A workbook is read with the shared reader (models/core/xlsx_read): title
    rows above the header are skipped (the header is the row naming 日期 and
    是否工作日), a value typed once over merged cells counts for each of them,
    dates may be Excel dates, serial numbers or text, and 1/0 may be numbers
    or text. Without a header naming them, the columns are 日期, 是否工作日,
    名称 in that order under a header row."""
    path = Path(path)
    if path.suffix.lower() in (".xlsx", ".xlsm"):
        return _read_calendar_xlsx(path)
    import csv

    with open(path, encoding="utf-8-sig", newline="") as f:
        reader = csv.reader(f)
        next(reader, None)
        out = []
        for n, r in enumerate(reader, start=2):
            if any(c.strip() for c in r):
                date, work, name = (list(r) + ["", "", ""])[:3]
                out.append(CalendarRow(date, work, name, n))
        return out


def _read_calendar_xlsx(path) -> list[CalendarRow]:
    head = xlsx_read.read_head(path, rows=30)
    header_row, columns = 0, {}
    for n, values in head.rows:
        found: dict[str, int] = {}
        for i, v in enumerate(values):
            column = _calendar_header(v) if v is not None else None
            if column and column not in found:
                found[column] = i
        if "date" in found and "is_workday" in found:
            header_row, columns = n, found
            break
    if not columns:
        if not head.rows:
            raise ValidationError("工作日历", f"“{path.name}”是空的。")
        header_row, columns = head.rows[0][0], {"date": 0, "is_workday": 1, "name": 2}
    out = []
    rows = xlsx_read.fill_merged(xlsx_read.iter_rows(path), xlsx_read.merged_ranges(path))
    for n, values in rows:
        if n <= header_row:
            continue
        cells = {c: (values[i] if i < len(values) else None) for c, i in columns.items()}
        if all(xlsx_read.cell_text(v) == "" for v in cells.values()):
            continue
        date = cells["date"]
        if isinstance(date, xlsx_read.Number) and re.fullmatch(r"\d{5}", xlsx_read.cell_text(date)):
            date = dt.date(1899, 12, 30) + dt.timedelta(days=int(date))  # a date cell formatted as a number
        elif not isinstance(date, dt.date):
            date = xlsx_read.cell_text(date)
        out.append(CalendarRow(date, xlsx_read.cell_text(cells["is_workday"]), xlsx_read.cell_text(cells.get("name")),
                               n))
    return out


def export_days(db: Database, year: int | None = None) -> list[dict]:
    """Rows of the calendar (one year or all) for export and display."""
    sql = "SELECT date, is_workday, name, source FROM workdays"
    params = []
    if year:
        sql += " WHERE date LIKE ?"
        params.append(f"{int(year)}-%")
    return records.rows(db, sql + " ORDER BY date", params)


def year_days(db: Database, year: int) -> list[dict]:
    """Every day of a year (date, is_workday, name, source): the official rows,
    or the provisional year from the rule (source 'provisional')."""
    rows = export_days(db, year)
    if len(rows) == (dt.date(int(year) + 1, 1, 1) - dt.date(int(year), 1, 1)).days:
        return rows
    stored = {r["date"]: r for r in rows}  # an incomplete year: its stored days over the rule's
    return [stored.get(d) or {"date": d, "is_workday": w, "name": n, "source": PROVISIONAL_SOURCE}
            for d, w, n in provisional_year(int(year))]


def special_days(db: Database, year: int) -> list[dict]:
    """Holidays and make-up working days of a year (the days that differ from a plain week);
    a provisional year's come from the rule."""
    out = []
    for r in year_days(db, year):
        d = dt.date.fromisoformat(r["date"])
        weekend = d.weekday() >= 5
        if bool(r["is_workday"]) == weekend or r["name"]:
            r["weekday"] = "星期" + WEEKDAY_NAMES[d.weekday()]
            out.append(r)
    return out
