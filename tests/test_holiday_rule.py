"""The provisional calendar's rule (holiday_rule.json + lunar-python) against
chinesecalendar's published years, and the rule file's own checks."""

import datetime as dt
import json

import chinese_calendar as cc
import pytest

from models.core.errors import ValidationError
from models.service import workdays

D = dt.date
CC_NAME = workdays.HOLIDAY_NAMES
# Days off that no law gives: one-off decisions of the State Council.
ONE_OFF = {
    D(2015, 9, 3): "抗战胜利70周年纪念日（一次性）",
    D(2015, 9, 4): "抗战胜利70周年纪念日调休",
    D(2020, 1, 31): "新冠疫情延长春节假期",
}
# Make-up working days that were cancelled: the 2020 extension made 1 Feb a day off.
CANCELLED_MAKE_UP = {"2020 春节": 1}


def _cc_off(d):
    return not cc.is_workday(d)


@pytest.mark.parametrize("year", range(2008, 2027))
def test_every_statutory_day_of_the_rule_is_a_chinesecalendar_holiday(year):
    # 2015–2026 is what the issue asks; 2008–2014 checks the older versions of the law too.
    rule_days = workdays.statutory_days(year)
    assert len(rule_days) >= 10
    for d, name in rule_days.items():
        assert _cc_off(d), f"{d} {name}: chinesecalendar says working day"
        on, holiday = cc.get_holiday_detail(d)
        if holiday is not None:
            cc_name = CC_NAME[holiday]
            # chinesecalendar names a shared 中秋/国庆 block 国庆节
            assert cc_name in name.split("、") or (cc_name == "国庆节" and name == "中秋节"), (d, name, cc_name)
        else:
            assert d.weekday() >= 5, f"{d} {name}: off on a weekday without a holiday name"


def _clusters(years):
    """Rule days grouped into holiday seasons (days closer than 15 days)."""
    days = sorted((d, n) for y in years for d, n in workdays.statutory_days(y).items())
    out, current = [], []
    for d, n in days:
        if current and (d - current[-1][0]).days > 15:
            out.append(current)
            current = []
        current.append((d, n))
    out.append(current)
    return out


@pytest.mark.parametrize("year", range(2008, 2027))
def test_every_chinesecalendar_day_off_is_the_rule_or_its_tiaoxiu(year):
    """The converse, day by day: in each holiday season, the weekdays
    chinesecalendar has off beyond the rule's days are exactly paid for by the
    announced 调休 (weekend days worked) and 补休 (a statutory day on a weekend,
    or two festivals on one day). Nothing else differs."""
    for season in _clusters([year]):
        first, last = season[0][0], season[-1][0]
        # (a 中秋 days before 国庆 shares its season; chinesecalendar then names the block 国庆节)
        names = {x for _, n in season for x in n.split("、")}
        rule = {d for d, _ in season}
        window = [first + dt.timedelta(days=k) for k in range(-20, (last - first).days + 21)]
        extra = [d for d in window if d.weekday() < 5 and _cc_off(d) and d not in rule and d not in ONE_OFF
                 and CC_NAME.get(cc.get_holiday_detail(d)[1]) in names]
        make_up = [d for d in window if d.weekday() >= 5 and cc.is_workday(d)
                   and CC_NAME.get(cc.constants.workdays.get(d)) in names]
        bu_xiu = sum(1 for d in rule if d.weekday() >= 5) + sum(n.count("、") for _, n in season)
        label = f"{first.year} {season[0][1]}"
        assert len(extra) == len(make_up) + bu_xiu + CANCELLED_MAKE_UP.get(label, 0), (
            label, extra, make_up, bu_xiu)


def test_no_weekday_holiday_outside_the_rules_seasons():
    # Every day chinesecalendar has off on a weekday lies in a season of the rule (or is a one-off).
    seasons = _clusters(range(2008, 2027))
    spans = [(s[0][0] - dt.timedelta(days=10), s[-1][0] + dt.timedelta(days=10)) for s in seasons]
    d = D(2008, 1, 1)
    while d.year <= 2026:
        if d.weekday() < 5 and _cc_off(d) and d not in ONE_OFF:
            assert any(a <= d <= b for a, b in spans), d
        d += dt.timedelta(days=1)


def test_2027_provisional_days():
    days = workdays.statutory_days(2027)
    assert days[D(2027, 1, 1)] == "元旦"
    # 除夕 is 5 Feb (Fri), 正月初一 6 Feb: 春节 four days 5–8 Feb
    assert [d for d, n in days.items() if n == "春节"] == [D(2027, 2, 5), D(2027, 2, 6), D(2027, 2, 7), D(2027, 2, 8)]
    assert days[D(2027, 4, 5)] == "清明节"
    assert [d for d, n in days.items() if n == "劳动节"] == [D(2027, 5, 1), D(2027, 5, 2)]
    assert days[D(2027, 6, 9)] == "端午节"
    assert days[D(2027, 9, 15)] == "中秋节"
    assert [d for d, n in days.items() if n == "国庆节"] == [D(2027, 10, 1), D(2027, 10, 2), D(2027, 10, 3)]
    year = workdays.provisional_year(2027)
    assert len(year) == 365
    assert ("2027-01-02", 0, "") in year and ("2027-01-04", 1, "") in year


def test_mid_autumn_on_national_day_is_one_day_with_both_names():
    assert workdays.statutory_days(2020)[D(2020, 10, 1)] == "中秋节、国庆节"


def _rule_data():
    return json.loads(workdays.RULE_PATH.read_text(encoding="utf-8"))


def test_a_changed_law_is_an_edit_of_the_data():
    data = _rule_data()
    # Suppose a revision from 2030 makes 劳动节 three days: a new version first in the list.
    newest = json.loads(json.dumps(data["versions"][0]))
    newest["from_year"] = 2030
    for h in newest["holidays"]:
        if h["name"] == "劳动节":
            h["days"] = 3
    data["versions"].insert(0, newest)
    changed = workdays.parse_rule(data)
    assert D(2030, 5, 3) in workdays.statutory_days(2030, changed)
    assert D(2029, 5, 3) not in workdays.statutory_days(2029, changed)
    assert D(2030, 5, 3) not in workdays.statutory_days(2030)  # the shipped rule is untouched


@pytest.mark.parametrize("mutate, message", [
    (lambda d: d["versions"][0]["holidays"][0].update(anchor={"solar": [2, 30]}), "不是有效的月日"),
    (lambda d: d["versions"][0]["holidays"][1].update(anchor={"lunar": [12, 30]}), "不是有效的月日"),
    (lambda d: d["versions"][0]["holidays"][2].update(anchor={"term": "清明节"}), "不是二十四节气之一"),
    (lambda d: d["versions"][0]["holidays"][3].update(days=0), "days 应为"),
    (lambda d: d["versions"][0]["holidays"][3].update(anchor={"solar": [5, 1], "term": "清明"}), "恰有"),
    (lambda d: d["versions"][1].update(from_year=d["versions"][0]["from_year"]), "from_year 相同"),
    (lambda d: d.update(versions=[]), "versions"),
])
def test_a_broken_rule_file_is_refused_naming_the_entry(mutate, message):
    data = _rule_data()
    mutate(data)
    with pytest.raises(ValidationError, match=message):
        workdays.parse_rule(data)


def test_the_shipped_rule_file_parses():
    r = workdays.rule()
    assert r.versions[0].from_year == 2025 and r.first_year == 2000 and r.last_year == 2100
    assert sum(h.days for h in r.versions[0].holidays) == 13  # 2024 revision: 13 statutory days
    assert sum(h.days for h in r.versions[1].holidays) == 11
