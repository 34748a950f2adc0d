"""The State Council's yearly notice (国务院办公厅关于XXXX年部分节假日安排的通知),
pasted as plain text, read into an official year of the working-day calendar.

    一、元旦：1月1日（周四）至3日（周六）放假调休，共3天。1月4日（周日）上班。
    二、春节：2月15日（农历腊月二十八、周日）至23日（农历正月初七、周一）放假调休，共9天。…
    三、清明节：4月5日放假，4月7日（星期一）补休。
    五、端午节：6月10日放假，与周末连休。

`parse_notice` finds every numbered holiday line, reads each holiday range
(with 补休 days) and every 上班 day, checks the weekdays written in brackets
against the calendar (a notice pasted under the wrong year fails there), the
"共N天" counts, that 上班 days are weekends and that no day is said twice in
contradicting ways. Anything it cannot read is refused with the line named.
`save_notice` writes the year in one transaction; days of a neighbouring year
(2019's 元旦 began on 2018-12-30) go into that year when it is official, and a
notice that contradicts the official year already stored is saved only when
the caller confirms (replace=True), after seeing the differences.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from models.core import audit, records
from models.core.errors import ValidationError
from models.core.users import require
from models.service import workdays

if TYPE_CHECKING:  # annotations only (models.core.db reaches this room through the migrations)
    from sqlite_utils import Database
    from models.core.users import Actor

HOLIDAYS = ("元旦", "春节", "清明节", "劳动节", "端午节", "中秋节", "国庆节")
NUMERALS = "一二三四五六七八九十"
WEEKDAYS = {"一": 0, "二": 1, "三": 2, "四": 3, "五": 4, "六": 5, "日": 6, "天": 6}
SOURCE = "notice"
FIELD = "放假通知"

_DATE = re.compile(r"(?:(\d{4})年)?(?:(\d{1,2})月)?(\d{1,2})日(?:（([^）]*)）)?")
_ITEM = re.compile(rf"^(?:[{NUMERALS}]+、|——|-|·)?\s*((?:{'|'.join(HOLIDAYS)})(?:、(?:{'|'.join(HOLIDAYS)}))*)"
                   r"(?:（[^）]*）)?：(.*)$")
_TITLE_YEAR = re.compile(r"关于(\d{4})年部分节假日安排|现将(\d{4})年元旦")
_COUNT = re.compile(r"共(\d+)天")


@dataclass
class HolidayRange:
    name: str
    first: dt.date
    last: dt.date
    days: list[dt.date]
    line: int


@dataclass
class ParsedNotice:
    year: int
    days: dict[dt.date, tuple[int, str]]  # every day of the year: (is_workday, name)
    other_years: dict[dt.date, tuple[int, str]]  # days of a neighbouring year the notice sets
    holidays: list[HolidayRange] = field(default_factory=list)
    make_up: list[tuple[dt.date, str, int]] = field(default_factory=list)  # (day, holiday, line)
    notes: list[str] = field(default_factory=list)  # flagged, shown before saving

    def rows(self) -> list[tuple[str, int, str]]:
        return [(d.isoformat(), w, n) for d, (w, n) in sorted(self.days.items())]


def _normalise(line: str) -> str:
    table = str.maketrans({"(": "（", ")": "）", ":": "：", ",": "，", ";": "；", "\u3000": "", " ": "", "\t": ""})
    return line.strip().translate(table)


def _err(line: int, message: str) -> ValidationError:
    return ValidationError(FIELD, message, row=line)


def _notice_year(lines: list[str], expected: int | None) -> int:
    for i, text in enumerate(lines, 1):
        m = _TITLE_YEAR.search(text)
        if m:
            year = int(m[1] or m[2])
            if expected and year != expected:
                raise _err(i, f"这是 {year} 年的通知，所选年份是 {expected} 年。请核对后再粘贴。")
            return year
    if expected is None:
        raise ValidationError(FIELD, "通知中没有写明年份（如“关于2027年部分节假日安排的通知”），请选择年份。")
    return expected


def _dates(clause: str, year: int, line: int, base: dt.date | None) -> list[dt.date]:
    """The dates of a clause in order; a missing year or month is the one before
    (“1月31日至2月6日”, “10月1日至7日”). The weekday in brackets is checked."""
    out = []
    y, m = (base.year, base.month) if base else (year, None)
    for match in _DATE.finditer(clause):
        if match[1]:
            y = int(match[1])
        if match[2]:
            m = int(match[2])
        if m is None:
            raise _err(line, f"“{match[0]}”没有月份。")
        try:
            d = dt.date(y, m, int(match[3]))
        except ValueError:
            raise _err(line, f"{y}年{m}月{match[3]}日不是有效日期。") from None
        wd = re.search(r"(?:星期|周)([一二三四五六日天])", match[4] or "")
        if wd and WEEKDAYS[wd[1]] != d.weekday():
            raise _err(line, f"{d.month}月{d.day}日（{d.year} 年）是星期{workdays.WEEKDAY_NAMES[d.weekday()]}，"
                             f"通知写的是“{wd[0]}”——是不是贴错了年份的通知？")
        out.append(d)
    return out


def _parse_item(names: list[str], body: str, year: int, line: int,
                holidays: list[HolidayRange], make_up: list[tuple[dt.date, str, int]], notes: list[str]) -> None:
    label = "、".join(names)
    got_range = False
    for sentence in filter(None, body.split("。")):
        if sentence.startswith("鼓励"):
            notes.append(f"第 {line} 行：“{sentence[:30]}…”是倡议，不是放假安排，未计入日历。")
            continue
        days: list[dt.date] = []
        count = None
        for clause in filter(None, re.split(r"[，；]", sentence)):
            m = _COUNT.search(clause)
            if m and "放假" not in clause:
                count = int(m[1])
                continue
            if "上班" in clause:
                found = _dates(clause, year, line, None)
                if not found:
                    raise _err(line, f"“{clause}”没有写上班的日期。")
                for d in found:
                    if d.weekday() < 5:
                        raise _err(line, f"{d.isoformat()} 是星期{workdays.WEEKDAY_NAMES[d.weekday()]}，本来就上班，"
                                         "不是调休上班的周末。")
                    make_up.append((d, label, line))
                continue
            if "放假" in clause or "补休" in clause:
                found = _dates(clause, year, line, None)
                if not found:
                    raise _err(line, f"“{clause}”没有写放假的日期。")
                if "至" in clause:
                    if len(found) != 2:
                        raise _err(line, f"“{clause}”应写成“某月某日至某日放假”。")
                    first, last = found
                    if last < first:
                        raise _err(line, f"{last.isoformat()} 早于 {first.isoformat()}。")
                    if (last - first).days > 15:
                        raise _err(line, f"{first.isoformat()} 至 {last.isoformat()} 长达 {(last - first).days + 1} 天，"
                                         "请核对。")
                    days += [first + dt.timedelta(days=k) for k in range((last - first).days + 1)]
                else:
                    days += found
                m = _COUNT.search(clause) or re.search(r"放假(\d+)天", clause)
                if m:
                    count = int(m[1])
                got_range = got_range or "放假" in clause
                continue
            if "连休" in clause and days:
                # “与周末连休”: the adjacent weekend carries the holiday's name
                # (within its own year: the weekend before 1 January is last year's)
                d = days[0] - dt.timedelta(days=1)
                while d.weekday() >= 5 and d.year == days[0].year:
                    days.insert(0, d)
                    d -= dt.timedelta(days=1)
                d = days[-1] + dt.timedelta(days=1)
                while d.weekday() >= 5 and d.year == days[-1].year:
                    days.append(d)
                    d += dt.timedelta(days=1)
                continue
            if _DATE.search(clause):
                raise _err(line, f"看不懂“{clause}”：应为“某月某日至某日放假”“某月某日（星期六）上班”"
                                 "或“某月某日（星期一）补休”。")
        if days:
            days = sorted(set(days))
            if count is not None and count != len(days):
                raise _err(line, f"{label}：{days[0].isoformat()} 至 {days[-1].isoformat()} 是 {len(days)} 天，"
                                 f"通知写“共{count}天”。")
            holidays.append(HolidayRange(label, days[0], days[-1], days, line))
    if not got_range:
        raise _err(line, f"{label}这一行没有找到放假日期（如“10月1日至7日放假”）。")


def parse_notice(text: str, expected_year: int | None = None) -> ParsedNotice:
    """Read a pasted notice. Raises ValidationError naming the line on anything
    it cannot read or that contradicts itself; nothing is saved here."""
    raw_lines = (text or "").splitlines()
    lines = [_normalise(x) for x in raw_lines]
    if not any(lines):
        raise ValidationError(FIELD, "没有内容：请粘贴国务院办公厅关于部分节假日安排的通知全文。")
    year = _notice_year(lines, expected_year)
    holidays: list[HolidayRange] = []
    make_up: list[tuple[dt.date, str, int]] = []
    notes: list[str] = []
    seen_names: dict[str, int] = {}
    for i, text_line in enumerate(lines, 1):
        # a notice pasted as one paragraph: one item per “一、”… marker
        for part in re.split(rf"(?=[{NUMERALS}]+、(?:{'|'.join(HOLIDAYS)}))", text_line):
            m = _ITEM.match(part)
            if not m:
                continue
            names = m[1].split("、")
            for n in names:
                if n in seen_names:
                    raise _err(i, f"{n}在第 {seen_names[n]} 行已经安排过：同一节日只能出现一次"
                                  "（是不是把两份通知贴在了一起？）。")
                seen_names[n] = i
            _parse_item(names, m[2], year, i, holidays, make_up, notes)
    if not holidays:
        raise ValidationError(FIELD, "没有找到放假安排：通知的每一项应写成“一、元旦：1月1日放假……”。")
    # contradictions inside the text: one day both off and worked, or in two holidays
    off: dict[dt.date, HolidayRange] = {}
    for h in holidays:
        for d in h.days:
            if d in off and off[d].name != h.name:
                raise _err(h.line, f"{d.isoformat()} 同时列在第 {off[d].line} 行的{off[d].name}和这一行的{h.name}。")
            off[d] = h
    for d, _name, line in make_up:
        if d in off:
            raise _err(line, f"{d.isoformat()} 在这一行是上班日，第 {off[d].line} 行却把它列为{off[d].name}假期。")

    def neighbour(d: dt.date) -> bool:  # 元旦 may reach back into December or a 上班 day into January
        return d.year == year or (d.year == year - 1 and d.month == 12) or (d.year == year + 1 and d.month == 1)

    for d, _name, line in make_up:
        if not neighbour(d):
            raise _err(line, f"{d.isoformat()} 不在 {year} 年，也不在跨年的元旦前后。")
    for h in holidays:
        for d in h.days:
            if not neighbour(d):
                raise _err(h.line, f"{h.name}的 {d.isoformat()} 不在 {year} 年。")
    missing = [n for n in _statutory_names(year) if n not in seen_names]
    if missing:
        raise ValidationError(FIELD, f"通知中没有{'、'.join(missing)}的安排：{year} 年的通知应列出放假办法规定的每个节日"
                                     "（调整个别节日的补充通知请在下方逐日修改）。")
    # build the year: weekends off, holidays off, 上班 days on
    days: dict[dt.date, tuple[int, str]] = {}
    d = dt.date(year, 1, 1)
    while d.year == year:
        days[d] = (0 if d.weekday() >= 5 else 1, "")
        d += dt.timedelta(days=1)
    other: dict[dt.date, tuple[int, str]] = {}
    for h in holidays:
        for d in h.days:
            (days if d.year == year else other)[d] = (0, h.name)
            if d.year != year:
                notes.append(f"第 {h.line} 行：{h.name}的 {d.isoformat()} 跨年，属于 {d.year} 年。")
    for d, name, line in make_up:
        (days if d.year == year else other)[d] = (1, f"调休上班（{name}）")
        if d.year != year:
            notes.append(f"第 {line} 行：{d.isoformat()} 上班跨年，属于 {d.year} 年。")
    for sd, name in workdays.statutory_days(year).items():
        if days[sd][0]:
            notes.append(f"{sd.isoformat()}（{name}）按放假办法应放假，通知中却是工作日，请核对。")
    return ParsedNotice(year, days, other, holidays, make_up, notes)


def _statutory_names(year: int) -> list[str]:
    try:
        version = workdays.rule().version_for(year)
    except ValidationError:
        return []
    return [h.name for h in version.holidays]


def differences(db: Database, parsed: ParsedNotice) -> list[dict]:
    """Days where the notice differs from the official calendar already stored
    (empty when the year is provisional): date, stored, notice."""
    out = []
    stored = {r["date"]: r for r in workdays.export_days(db, parsed.year)}
    for other_year in {d.year for d in parsed.other_years}:
        stored.update({r["date"]: r for r in workdays.export_days(db, other_year)})
    for d, (w, n) in sorted({**parsed.days, **parsed.other_years}.items()):
        s = stored.get(d.isoformat())
        if s is not None and bool(s["is_workday"]) != bool(w):
            out.append({"date": d.isoformat(), "stored": ("上班" if s["is_workday"] else "休息") + f" {s['name']}".rstrip(),
                        "notice": ("上班" if w else "休息") + f" {n}".rstrip(), "source": s["source"]})
    return out


def save_notice(db: Database, actor: Actor, parsed: ParsedNotice, replace: bool = False) -> list[int]:
    """Write the notice's year (and its days in a neighbouring official year) in
    one transaction. A notice that contradicts the official calendar already
    stored is refused, listing the days, unless replace=True. Returns the years written."""
    require(actor, "calendar.write")
    official = set(workdays.covered_years(db))
    for d in parsed.other_years:
        if d.year not in official:
            raise ValidationError(FIELD, f"通知把 {d.isoformat()} 也列入了安排，但 {d.year} 年还没有正式日历，"
                                         f"不能只写入几天：请先导入 {d.year} 年的日历再粘贴。")
    diff = differences(db, parsed)
    if diff and not replace:
        shown = "；".join(f"{x['date']} 现为{x['stored']}，通知为{x['notice']}" for x in diff[:8])
        raise ValidationError(FIELD, f"通知与已有的正式日历有 {len(diff)} 天不一致（{shown}"
                                     + ("……" if len(diff) > 8 else "") + "）。确认以通知为准后再保存。")
    now = records.now_iso()
    who = getattr(actor, "username", str(actor))
    with db.atomic():
        db.execute("DELETE FROM workdays WHERE date LIKE ?", [f"{parsed.year}-%"])
        db.conn.executemany(
            "INSERT INTO workdays (date, is_workday, name, source, updated_at, updated_by) VALUES (?, ?, ?, ?, ?, ?)",
            [(d, w, n, SOURCE, now, who) for d, w, n in parsed.rows()])
        for d, (w, n) in sorted(parsed.other_years.items()):
            db.execute("UPDATE workdays SET is_workday = ?, name = ?, source = ?, updated_at = ?, updated_by = ? "
                       "WHERE date = ?", [w, n, SOURCE, now, who, d.isoformat()])
        audit.record(db, actor, "import", "workdays", None, None, {
            "years": [parsed.year], "source": SOURCE, "replaced_days": len(diff),
            "other_days": [d.isoformat() for d in sorted(parsed.other_years)]})
    workdays._invalidate()
    return sorted({parsed.year} | {d.year for d in parsed.other_years})
