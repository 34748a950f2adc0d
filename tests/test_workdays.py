"""The working-day calendar: holidays, make-up working days, coverage, edits, import."""

import datetime as dt

import pytest

from models.service import workdays
from models.core.errors import PermissionDenied, ValidationError
from models.core.users import Actor, READONLY

D = dt.date


def test_seeded_years_cover_package(db):
    years = workdays.covered_years(db)
    assert years[0] <= 2020 and years[-1] >= 2026
    assert workdays.years_label([2024, 2025, 2026]) == "已覆盖 2024–2026 年"


def test_spring_festival_2026_with_make_up_saturday(db):
    # Thu 12 Feb 2026 + 3 working days: Fri 13, Sat 14 (调休上班), then the
    # holiday 15–23 Feb; the third working day is Tue 24 Feb.
    assert workdays.is_workday(db, "2026-02-14") is True
    assert workdays.is_workday(db, "2026-02-16") is False
    assert workdays.add_workdays(db, "2026-02-12", 3) == D(2026, 2, 24)
    assert workdays.workdays_between(db, "2026-02-12", "2026-02-24") == 3


def test_national_day_2025(db):
    # Sun 28 Sep 2025 is a make-up working day; 1–8 Oct are off.
    assert workdays.is_workday(db, D(2025, 9, 28))
    assert not workdays.is_workday(db, D(2025, 10, 6))
    assert workdays.add_workdays(db, D(2025, 9, 30), 1) == D(2025, 10, 9)
    assert workdays.add_workdays(db, D(2025, 9, 26), 2) == D(2025, 9, 29)  # Fri → Sun(调休) → Mon
    assert workdays.workdays_between(db, D(2025, 9, 30), D(2025, 10, 10)) == 2
    assert workdays.workdays_between(db, D(2025, 10, 10), D(2025, 9, 30)) == -2


def test_zero_days_is_same_day(db):
    assert workdays.add_workdays(db, "2026-03-02", 0) == D(2026, 3, 2)


def test_only_a_date_outside_the_rules_range_is_refused(db):
    # The official calendar ends with 2026; 2027 onwards is provisional, not refused.
    assert workdays.add_workdays(db, "2030-01-02", 1) == D(2030, 1, 3)
    with pytest.raises(ValidationError, match="超出工作日历可推算的范围（2000–2100 年）"):
        workdays.add_workdays(db, "1999-12-30", 1)
    with pytest.raises(ValidationError, match="超出工作日历可推算的范围"):
        workdays.add_workdays(db, "2101-01-03", 1)
    with pytest.raises(ValidationError, match="超出工作日历可推算的范围"):
        workdays.add_workdays(db, "2100-12-30", 5)
    assert workdays.missing_years(db, today=D(2026, 6, 1)) == [2027]


# ---- the day after the official calendar ends ---------------------------------

def test_last_official_day_and_the_day_after(db):
    assert workdays.covered_years(db)[-1] == 2026
    assert workdays.is_provisional(db, "2026-12-31") is False
    assert workdays.is_provisional(db, "2027-01-01") is True
    assert workdays.is_workday(db, "2026-12-31") is True
    assert workdays.is_workday(db, "2027-01-01") is False  # 元旦 by the rule
    # Thu 31 Dec 2026 + 1: Fri 1 Jan 元旦, the weekend, then Mon 4 Jan
    assert workdays.add_workdays_marked(db, "2026-12-31", 1) == (D(2027, 1, 4), True)
    # staying inside the official year is not provisional
    assert workdays.add_workdays_marked(db, "2026-12-30", 1) == (D(2026, 12, 31), False)
    assert workdays.add_workdays_marked(db, "2026-12-31", 0) == (D(2026, 12, 31), False)
    assert workdays.workdays_between(db, "2026-12-31", "2027-01-04") == 1
    assert workdays.workdays_between(db, "2026-12-30", "2027-01-01") == 1


def test_twenty_working_days_from_28_december(db):
    # Mon 28 Dec 2026: 29–31 Dec (3), 元旦 skipped, 4–8 (8), 11–15 (13), 18–22 (18), 25, 26 Jan
    due, provisional = workdays.add_workdays_marked(db, "2026-12-28", 20)
    assert (due, provisional) == (D(2027, 1, 26), True)
    # 30 working days reach the 2027 春节: 除夕 Fri 5 Feb and 初三 Mon 8 Feb are off
    assert workdays.add_workdays(db, "2026-12-28", 27) == D(2027, 2, 4)
    assert workdays.add_workdays(db, "2026-12-28", 28) == D(2027, 2, 9)
    assert workdays.add_workdays(db, "2026-12-28", 30) == D(2027, 2, 11)


def test_thirty_working_days_from_1_december(db):
    due, provisional = workdays.add_workdays_marked(db, "2026-12-01", 30)
    assert provisional and due.year == 2027
    assert due == D(2027, 1, 13)  # 22 December days (2–31 Dec) + 元旦 skipped + 8 in January


def test_an_official_year_after_a_provisional_gap(db, admin):
    # 2028 imported, 2027 not: 2027 stays provisional in between.
    workdays.import_days(db, admin, _plain_year(2028))
    assert workdays.is_provisional(db, "2027-06-01") and not workdays.is_provisional(db, "2028-06-01")
    assert workdays.is_workday(db, "2028-01-03")
    assert workdays.add_workdays_marked(db, "2027-12-31", 1) == (D(2028, 1, 3), False)
    assert workdays.add_workdays_marked(db, "2026-12-31", 260)[1] is True


def test_set_day_needs_right_and_changes_deadlines(db, admin):
    with pytest.raises(PermissionDenied):
        workdays.set_day(db, Actor("g", READONLY), "2026-03-06", False, "临时假日")
    assert workdays.add_workdays(db, "2026-03-05", 1) == D(2026, 3, 6)
    workdays.set_day(db, admin, "2026-03-06", False, "临时假日")
    assert workdays.add_workdays(db, "2026-03-05", 1) == D(2026, 3, 9)


def _plain_year(year):
    d, out = D(year, 1, 1), []
    while d.year == year:
        out.append((d.isoformat(), 0 if d.weekday() >= 5 else 1, ""))
        d += dt.timedelta(days=1)
    return out


def test_import_whole_year_and_refuse_partial(db, admin, tmp_path):
    with pytest.raises(ValidationError, match="2027 年只有"):
        workdays.import_days(db, admin, _plain_year(2027)[:100])
    assert 2027 not in workdays.covered_years(db)
    rows = _plain_year(2027)
    rows[0] = ("2027-01-01", 0, "元旦")
    path = tmp_path / "cal.csv"
    path.write_text("日期,是否工作日,名称\n" + "\n".join(f"{a},{b},{c}" for a, b, c in rows), encoding="utf-8")
    assert workdays.import_days(db, admin, workdays.read_calendar_file(path), "county") == [2027]
    assert 2027 in workdays.covered_years(db)
    assert workdays.add_workdays(db, "2026-12-31", 1) == D(2027, 1, 4)


def test_import_bad_row_names_the_row(db, admin):
    rows = _plain_year(2027)
    rows[5] = ("2027-01-06", "也许", "")
    with pytest.raises(ValidationError, match="第 6 行"):
        workdays.import_days(db, admin, rows)


def test_an_incomplete_year_is_never_official(db, admin):
    # a county package may carry a few days of a year: they count, the year stays provisional
    with db.atomic():
        db.execute("INSERT INTO workdays (date, is_workday, name, source) VALUES ('2031-01-06', 0, '特别假日', 'county')")
    workdays._invalidate()
    assert 2031 not in workdays.covered_years(db)
    assert workdays.is_provisional(db, "2031-03-03")
    assert not workdays.is_workday(db, "2031-01-06")
    assert workdays.is_workday(db, "2031-01-07")  # the rest of the year comes from the rule
    assert workdays.add_workdays_marked(db, "2031-01-03", 1) == (D(2031, 1, 7), True)
    assert {r["date"]: r["source"] for r in workdays.year_days(db, 2031)}["2031-01-06"] == "county"


def _typed_calendar_workbook(path, year=2027, broken_row=None):
    """A calendar as a county clerk types it in Excel: a merged title, a note
    line, a 序号 and a 星期 column, dates as Excel dates, as text and as bare
    serial numbers, 1/0 as numbers and as text, 班/休, and 春节 typed once over
    the merged cells of its days."""
    import openpyxl
    from openpyxl.styles import Alignment

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append([f"{year}年工作日历（含法定节假日及调休）"])
    ws.merge_cells("A1:E1")
    ws["A1"].alignment = Alignment(horizontal="center")
    ws.append(["说明：1 为工作日，0 为休息日。"])
    ws.append(["序号", "日  期", "星期", "是否工作日", "节日名称"])
    d, n = D(year, 1, 1), 0
    spring = (D(year, 2, 6), D(year, 2, 13))
    while d.year == year:
        n += 1
        work = 0 if d.weekday() >= 5 else 1
        if spring[0] <= d <= spring[1]:
            work = 0
        if n % 3 == 0:
            date_cell = d.strftime("%Y/%m/%d")  # typed as text
        elif n % 3 == 1:
            date_cell = d  # an Excel date
        else:
            date_cell = (d - D(1899, 12, 30)).days  # a date column formatted as 常规: the serial
        work_cell = [work, str(work), "班" if work else "休"][n % 3]
        ws.append([n, date_cell, "一二三四五六日"[d.weekday()], work_cell, ""])
        d += dt.timedelta(days=1)
    first = 3 + (spring[0] - D(year, 1, 1)).days + 1
    ws.cell(first, 5, "春节")
    ws.merge_cells(start_row=first, start_column=5, end_row=first + 7, end_column=5)
    if broken_row:
        ws.cell(broken_row, 4, "也许")
    wb.save(path)
    return path


def test_a_person_typed_calendar_workbook_imports(db, admin, tmp_path):
    path = _typed_calendar_workbook(tmp_path / "2027工作日历.xlsx")
    rows = workdays.read_calendar_file(path)
    assert len(rows) == 365 and rows[0].row == 4
    assert workdays.import_days(db, admin, rows, "county") == [2027]
    assert 2027 in workdays.covered_years(db)
    days = {r["date"]: r for r in workdays.export_days(db, 2027)}
    assert [days[f"2027-02-{d:02d}"]["name"] for d in range(6, 14)] == ["春节"] * 8
    assert days["2027-02-14"]["name"] == ""
    assert days["2027-02-08"]["is_workday"] == 0 and days["2027-02-15"]["is_workday"] == 1
    assert workdays.add_workdays(db, "2027-02-05", 1) == D(2027, 2, 15)


def test_a_bad_cell_of_a_calendar_workbook_names_the_excel_row(db, admin, tmp_path):
    path = _typed_calendar_workbook(tmp_path / "cal.xlsx", broken_row=40)
    with pytest.raises(ValidationError, match="第 40 行") as e:
        workdays.import_days(db, admin, workdays.read_calendar_file(path), "county")
    assert "也许" in str(e.value)
    assert 2027 not in workdays.covered_years(db)
