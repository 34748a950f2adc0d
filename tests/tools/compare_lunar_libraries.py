"""Which lunar / solar-term library agrees with chinesecalendar's published years?

Run in a virtualenv holding chinesecalendar and the candidates:
    python tests/tools/compare_lunar_libraries.py
For each year chinesecalendar holds (2004–2026) and each lunar/solar-term
holiday (春节 = 正月初一 and 除夕, 清明 = the 清明 solar term, 端午 = 五月初五,
中秋 = 八月十五), the candidate's date must fall inside chinesecalendar's holiday
block of that name (清明/端午/中秋 are statutory from 2008). It also measures how
the candidates agree with each other over 1900–2100 (the range the provisional
calendar may be asked about) and prints a table. The result is recorded in
/work/notes/issue-15.md; the winner is pinned in requirements.txt.
"""

from __future__ import annotations

import datetime as dt
import importlib.metadata as md
import sys
import time

import chinese_calendar as cc

D = dt.date
NAMES = {"春节": "Spring Festival", "除夕": "Spring Festival", "清明": "Tomb-sweeping Day",
         "端午": "Dragon Boat Festival", "中秋": "Mid-autumn Festival"}


def lunar_python():
    from lunar_python import Lunar, Solar

    def lunar(y, m, d):
        s = Lunar.fromYmd(y, m, d).getSolar()
        return D(s.getYear(), s.getMonth(), s.getDay())

    def qingming(y):
        s = Solar.fromYmd(y, 4, 1).getLunar().getJieQiTable()["清明"]
        return D(s.getYear(), s.getMonth(), s.getDay())
    return lunar, qingming


def borax():
    from borax.calendars.lunardate import LunarDate, TermUtils

    def lunar(y, m, d):
        return LunarDate(y, m, d).to_solar_date()

    def qingming(y):
        return TermUtils.nth_term_day(y, term_name="清明")
    return lunar, qingming


def sxtwl():
    import sxtwl as s

    def lunar(y, m, d):
        day = s.fromLunar(y, m, d)
        return D(day.getSolarYear(), day.getSolarMonth(), day.getSolarDay())

    def qingming(y):
        for info in s.getJieQiByYear(y):
            if info.jqIndex == 7:  # 0 = 冬至 … 7 = 清明 in sxtwl's numbering
                t = s.JD2DD(info.jd)  # sxtwl gives Beijing time already
                return D(int(t.Y), int(t.M), int(t.D))
        raise LookupError(y)
    return lunar, qingming


def cnlunar():
    import cnlunar as c

    cache: dict[int, dict] = {}

    def year_table(y):
        # cnlunar converts solar → lunar only: walk the year once.
        if y not in cache:
            table, day = {}, D(y, 1, 1)
            while day.year == y:
                info = c.Lunar(dt.datetime(day.year, day.month, day.day, 12))
                if not info.isLunarLeapMonth:
                    table.setdefault((info.lunarYear, info.lunarMonth, info.lunarDay), day)
                if info.todaySolarTerms == "清明":
                    table["清明"] = day
                day += dt.timedelta(days=1)
            cache[y] = table
        return cache[y]

    def lunar(y, m, d):
        # lunar year y's month m day d falls in solar year y (or y+1 for 腊月)
        for sy in (y, y + 1):
            hit = year_table(sy).get((y, m, d))
            if hit:
                return hit
        raise LookupError((y, m, d))

    def qingming(y):
        return year_table(y)["清明"]
    return lunar, qingming


CANDIDATES = {"lunar-python": lunar_python, "borax": borax, "sxtwl": sxtwl, "cnlunar": cnlunar}
DIST = {"lunar-python": "lunar_python", "borax": "borax", "sxtwl": "sxtwl", "cnlunar": "cnlunar"}


def festival_days(lunar, qingming, y):
    new_year = lunar(y, 1, 1)
    return {"春节": new_year, "除夕": new_year - dt.timedelta(days=1), "清明": qingming(y),
            "端午": lunar(y, 5, 5), "中秋": lunar(y, 8, 15)}


def reference_blocks(y):
    """chinesecalendar's holiday days of a year by English name."""
    out: dict[str, set] = {}
    for day, name in cc.constants.holidays.items():
        if day.year == y:
            out.setdefault(name, set()).add(day)
    return out


def check_against_chinesecalendar(lunar, qingming):
    checked, misses = 0, []
    for y in range(2004, 2027):
        blocks = reference_blocks(y)
        for fest, day in festival_days(lunar, qingming, y).items():
            if fest == "除夕" and y < 2008 or fest in ("清明", "端午", "中秋") and y < 2008:
                continue  # not statutory then (除夕 joined 2008–2013 and again from 2025)
            if fest == "除夕" and 2014 <= y <= 2024:
                continue
            name = NAMES[fest]
            checked += 1
            # 中秋 and 国庆 share one block when they are days apart (chinesecalendar names it National Day).
            # A block is the span from its first to its last named day: chinesecalendar leaves a
            # weekend day inside a block unnamed (2012-06-23, a Saturday, in 端午 22–24 June).
            spans = [blocks.get(name, set())] + ([blocks.get("National Day", set())] if fest == "中秋" else [])
            if not any(s and min(s) <= day <= max(s) for s in spans):
                misses.append(f"{y} {fest} {day}")
    return checked, misses


def main() -> int:
    results = {}
    for name, make in CANDIDATES.items():
        try:
            lunar, qingming = make()
        except ImportError as e:
            print(f"{name}: not installed ({e})")
            continue
        t0 = time.perf_counter()
        checked, misses = check_against_chinesecalendar(lunar, qingming)
        t = time.perf_counter() - t0
        wide = {}
        for y in range(1901, 2100):
            try:
                wide[y] = festival_days(lunar, qingming, y)
            except Exception as e:  # noqa: BLE001 — a candidate that cannot answer a year is recorded, not hidden
                wide[y] = repr(e)
        results[name] = (checked, misses, t, wide)
        print(f"{name} {md.version(DIST[name])}: {checked - len(misses)}/{checked} festival days inside "
              f"chinesecalendar's blocks 2004–2026; {t * 1000:.0f} ms; misses: {misses or 'none'}")
    names = list(results)
    print("\nPairwise disagreements 1901–2099 (festival days that differ):")
    for i, a in enumerate(names):
        for b in names[i + 1:]:
            diff = []
            for y in range(1901, 2100):
                fa, fb = results[a][3][y], results[b][3][y]
                if isinstance(fa, str) or isinstance(fb, str):
                    diff.append(f"{y} error")
                    continue
                diff += [f"{y} {k} {fa[k]}/{fb[k]}" for k in fa if fa[k] != fb[k]]
            print(f"  {a} vs {b}: {len(diff)}" + (f" e.g. {diff[:6]}" if diff else ""))
    return 0 if all(not r[1] for r in results.values()) else 1


if __name__ == "__main__":
    sys.exit(main())
