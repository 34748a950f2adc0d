"""The State Council's notice pasted as text: parsed, checked against
chinesecalendar's published years, bad input refused with the line named,
saved in one piece."""

import datetime as dt
from pathlib import Path

import chinese_calendar as cc
import pytest

from models.core.errors import PermissionDenied, ValidationError
from models.core.users import READONLY, Actor
from models.service import holiday_notice as hn
from models.service import workdays

D = dt.date
NOTICES = Path(__file__).parent / "fixtures" / "holiday_notices"
# Days a later, separate notice changed after the yearly one (chinesecalendar holds the final state):
LATER_NOTICES = {
    2015: {D(2015, 9, 3), D(2015, 9, 4), D(2015, 9, 6)},  # 抗战胜利70周年纪念日 (2015年5月的通知)
    2019: {D(2019, 4, 28), D(2019, 5, 2), D(2019, 5, 3), D(2019, 5, 5)},  # 调整2019年劳动节假期安排的通知
    2020: {D(2020, 1, 31), D(2020, 2, 1)},  # 关于延长2020年春节假期的通知 (疫情)
}
CC_NAME = workdays.HOLIDAY_NAMES


def notice(year):
    return (NOTICES / f"{year}.txt").read_text(encoding="utf-8")


@pytest.mark.parametrize("year", range(2014, 2027))
def test_real_notices_match_chinesecalendar_day_by_day(year):
    parsed = hn.parse_notice(notice(year), year)
    assert parsed.year == year and len(parsed.days) == (366 if year % 4 == 0 else 365)
    # the next year's notice may reach back into December (2019's 元旦 began 2018-12-30)
    later = LATER_NOTICES.get(year, set())
    if (NOTICES / f"{year + 1}.txt").exists():
        later |= set(hn.parse_notice(notice(year + 1), year + 1).other_years)
    for d, (work, name) in {**parsed.days, **parsed.other_years}.items():
        if d in later:
            continue
        assert bool(work) == cc.is_workday(d), (d, work, name)
        on, holiday = cc.get_holiday_detail(d)
        if not work and holiday and d.weekday() < 5:
            assert CC_NAME[holiday] in name.split("、"), (d, name, holiday)
        if work and d.weekday() >= 5:
            assert name.startswith("调休上班（") and CC_NAME[cc.constants.workdays[d]] in name, (d, name)


def test_notice_2026_parsed_ranges_and_make_up_days():
    p = hn.parse_notice(notice(2026), 2026)
    spring = next(h for h in p.holidays if h.name == "春节")
    assert (spring.first, spring.last, len(spring.days), spring.line) == (D(2026, 2, 15), D(2026, 2, 23), 9, 5)
    assert [(d, n) for d, n, _ in p.make_up if n == "春节"] == [(D(2026, 2, 14), "春节"), (D(2026, 2, 28), "春节")]
    assert p.days[D(2026, 2, 14)] == (1, "调休上班（春节）")
    assert p.days[D(2026, 10, 7)] == (0, "国庆节") and p.days[D(2026, 10, 8)] == (1, "")
    assert p.notes == []


def test_cross_year_range_is_flagged_and_goes_to_its_own_year():
    p = hn.parse_notice(notice(2019), 2019)
    assert p.other_years == {D(2018, 12, 29): (1, "调休上班（元旦）"), D(2018, 12, 30): (0, "元旦"),
                             D(2018, 12, 31): (0, "元旦")}
    assert any("2018-12-30 跨年，属于 2018 年" in n and n.startswith("第 2 行") for n in p.notes)


def test_one_paragraph_and_half_width_punctuation():
    text = notice(2022).replace("\n", "").replace("：", ":").replace("（", "(").replace("）", ")")
    p = hn.parse_notice(text, 2022)
    assert p.days == hn.parse_notice(notice(2022), 2022).days


def test_advice_sentence_is_not_a_holiday():
    p = hn.parse_notice(notice(2024), 2024)
    assert p.days[D(2024, 2, 9)] == (1, "")  # 除夕 2024: “鼓励…安排职工在除夕休息”, not a day off
    assert any("倡议" in n for n in p.notes)


# ---- bad input: refused with the line named, nothing saved -------------------------

def test_wrong_year_by_title():
    with pytest.raises(ValidationError, match="第 1 行.*这是 2026 年的通知，所选年份是 2027 年"):
        hn.parse_notice(notice(2026), 2027)


def test_wrong_year_by_weekdays_without_title():
    body = "\n".join(notice(2026).splitlines()[3:10])  # the items only
    with pytest.raises(ValidationError, match="第 1 行.*1月1日（2027 年）是星期五，通知写的是“周四”"):
        hn.parse_notice(body, 2027)


def test_make_up_day_that_is_not_a_weekend():
    text = notice(2026).replace("5月9日（周六）上班", "5月8日上班")
    with pytest.raises(ValidationError, match="第 7 行.*2026-05-08 是星期五，本来就上班"):
        hn.parse_notice(text, 2026)


def test_range_beyond_the_year_is_refused():
    text = notice(2026).replace("10月1日（周四）至7日（周三）", "12月28日至2027年1月5日")
    with pytest.raises(ValidationError, match="第 10 行"):
        hn.parse_notice(text, 2026)


def test_two_notices_pasted_together_contradict():
    text = notice(2026) + "\n" + notice(2026).replace("2月15日（农历腊月二十八、周日）至23日", "2月16日至22日")
    with pytest.raises(ValidationError, match="第 18 行.*元旦在第 4 行已经安排过"):
        hn.parse_notice(text, 2026)


def test_a_day_off_and_worked_in_one_notice():
    text = notice(2026).replace("10月10日（周六）上班", "10月3日（周六）上班")
    with pytest.raises(ValidationError, match="第 10 行.*2026-10-03 在这一行是上班日.*第 10 行却把它列为国庆节"):
        hn.parse_notice(text, 2026)


@pytest.mark.parametrize("change, message", [
    (("共9天", "共8天"), "第 5 行.*是 9 天，通知写“共8天”"),
    (("三、清明节：4月4日（周六）至6日（周一）放假，共3天。", ""), "没有清明节的安排"),
    (("五、端午节：6月19日（周五）至21日（周日）放假", "五、端午节：6月19日（周五）至21日（周日）休假"), "第 8 行.*看不懂“6月19日（周五）至21日（周日）休假”"),
    (("2月14日（周六）、2月28日（周六）上班", "2月14日（周六）调至2月28日"), "第 5 行.*看不懂"),
    (("2月15日", "2月30日"), "第 5 行.*2026年2月30日不是有效日期"),
])
def test_lines_it_cannot_read_are_named(change, message):
    with pytest.raises(ValidationError, match=message):
        hn.parse_notice(notice(2026).replace(*change), 2026)


def test_text_without_items():
    with pytest.raises(ValidationError, match="没有找到放假安排"):
        hn.parse_notice("国务院办公厅关于2027年部分节假日安排的通知\n请见附件。", 2027)
    with pytest.raises(ValidationError, match="没有内容"):
        hn.parse_notice("  \n", 2027)


# ---- saving ---------------------------------------------------------------------------

def _notice_2027():
    """A 2027 notice as the State Council might write it (the test's own, not a real one)."""
    return """国务院办公厅关于2027年部分节假日安排的通知
一、元旦：1月1日（周五）至3日（周日）放假，共3天。
二、春节：2月5日（农历除夕、周五）至12日（周五）放假调休，共8天。2月14日（周日）、2月20日（周六）上班。
三、清明节：4月3日（周六）至5日（周一）放假，共3天。
四、劳动节：5月1日（周六）至5日（周三）放假调休，共5天。4月25日（周日）、5月8日（周六）上班。
五、端午节：6月9日（周三）放假1天。
六、中秋节：9月15日（周三）放假1天。
七、国庆节：10月1日（周五）至7日（周四）放假调休，共7天。9月26日（周日）、10月9日（周六）上班。
"""


def test_save_makes_the_year_official(db, admin):
    assert workdays.is_provisional(db, "2027-03-01")
    parsed = hn.parse_notice(_notice_2027(), 2027)
    assert hn.differences(db, parsed) == []  # nothing official to differ from
    assert hn.save_notice(db, admin, parsed) == [2027]
    assert not workdays.is_provisional(db, "2027-03-01")
    assert workdays.is_workday(db, "2027-02-14") and not workdays.is_workday(db, "2027-02-10")
    assert workdays.export_days(db, 2027)[0]["source"] == "notice"
    row = db.execute("SELECT after FROM audit_log WHERE table_name = 'workdays' ORDER BY id DESC LIMIT 1").fetchone()
    assert '"notice"' in row[0]


def test_save_needs_the_right(db):
    parsed = hn.parse_notice(_notice_2027(), 2027)
    with pytest.raises(PermissionDenied):
        hn.save_notice(db, Actor("g", READONLY), parsed)
    assert workdays.is_provisional(db, "2027-03-01")


def test_a_notice_contradicting_the_official_year_needs_confirmation(db, admin):
    # chinesecalendar's 2019 holds the later 劳动节 adjustment; the yearly notice differs on 4 days
    parsed = hn.parse_notice(notice(2019), 2019)
    diff = hn.differences(db, parsed)
    assert [x["date"] for x in diff] == ["2019-04-28", "2019-05-02", "2019-05-03", "2019-05-05"]
    before = workdays.export_days(db, 2019)
    with pytest.raises(ValidationError, match="有 4 天不一致（2019-04-28 现为上班 调休上班"):
        hn.save_notice(db, admin, parsed)
    assert workdays.export_days(db, 2019) == before  # nothing saved half
    assert hn.save_notice(db, admin, parsed, replace=True) == [2018, 2019]
    assert workdays.is_workday(db, "2019-05-02") and not workdays.is_workday(db, "2018-12-31")


def test_cross_year_days_into_a_provisional_year_are_refused(db, admin):
    # 2028's 元旦 from Fri 2027-12-31: 2027 has no official calendar yet, so those days cannot be written alone
    text = """国务院办公厅关于2028年部分节假日安排的通知
一、元旦：2027年12月31日（周五）至2028年1月2日（周日）放假，共3天。
二、春节：1月25日至2月1日放假调休，共8天。
三、清明节：4月4日放假1天。
四、劳动节：5月1日至5日放假调休，共5天。
五、端午节：5月27日至29日放假，共3天。
六、中秋节、国庆节：10月1日至8日放假调休，共8天。
"""
    parsed = hn.parse_notice(text, 2028)
    assert D(2027, 12, 31) in parsed.other_years
    with pytest.raises(ValidationError, match="2027 年还没有正式日历，不能只写入几天"):
        hn.save_notice(db, admin, parsed)
    assert workdays.is_provisional(db, "2028-06-01")
