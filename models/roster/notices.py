"""The roster's notices (公示): what each one prints, gathered from the roster.

Every sentence that states a fact on a sheet is computed here from the data,
never fixed in the renderer: the duties notice says "分工不重叠、职责不交叉"
only when the rule check finds no gap and no overlap, and names the areas
nobody is in charge of otherwise. `duties_findings` is what the print dialog
shows before a duties notice is made.

Kinds registered with the notice engine (models/notices/registry.py):
duties (领导班子分工公示), liaison_cards (连心卡), staff_facts (全镇干部基本情况公示).
"""

from __future__ import annotations

from models.core import township
from models.notices import registry as notices
from models.roster import rules, stats
from models.roster import team as roster

from typing import TYPE_CHECKING

if TYPE_CHECKING:  # annotations only
    from sqlite_utils import Database


def _base(db: Database, params, kind_key: str) -> dict:
    ident = notices.office_identity(db, params.township_code)
    return {"kind": kind_key, "office": ident, "date": params.date.isoformat(),
            "supervision_phone": ident["supervision_phone"], "office_phone": ident["office_phone"]}


def _with_period(db: Database, data: dict, params) -> dict:
    n = notices.period_workdays(db)
    start, end = notices.notice_period(db, params.date, n)
    data["notice_period"] = {"start": start.isoformat(), "end": end.isoformat(), "workdays": n}
    return data


def _join(values) -> str:
    return "、".join(str(v) for v in values if v) if values else ""


# ---- 领导班子分工公示 ------------------------------------------------------------

def duties_findings(db: Database, params) -> list[str]:
    """The rule findings a duties notice must not hide (gaps, overlaps, the
    finance rule), as lines for the print dialog."""
    return [f["text"] for f in rules.duty_findings(db, params.township_code) if f["code"] in ("duty_gap", "finance")]


def duties_statements(areas: list[dict]) -> dict:
    """The facts the notice states about the division of duties, computed:
    {'gaps': [area names], 'overlaps': [{'area', 'leaders'}], 'sentences': [...]}."""
    gaps = [a["name"] for a in areas if not a["leaders"]]
    overlaps = [{"area": a["name"], "leaders": [x["name"] for x in a["leaders"]]} for a in areas if len(a["leaders"]) > 1]
    sentences = []
    if areas and not gaps and not overlaps:
        sentences.append(f"全镇 {len(areas)} 个分管领域均有且只有一名分管领导，分工不重叠、职责不交叉。")
    if gaps:
        sentences.append(f"以下 {len(gaps)} 项工作暂无分管领导，待研究明确：{'、'.join(gaps)}。")
    for o in overlaps:
        sentences.append(f"“{o['area']}”现由{'、'.join(o['leaders'])}共同分管，待进一步明确。")
    return {"gaps": gaps, "overlaps": overlaps, "sentences": sentences}


def gather_duties(db: Database, params) -> dict:
    """领导班子分工公示: team members, posts (交叉任职), duty areas, contact
    villages, and the computed statements about gaps and overlaps."""
    members = roster.division_of_duties(db, params.township_code, params.date)
    if not members:
        raise notices.NothingToPublish("领导班子中还没有成员（没有现任班子职务），无法生成分工公示。")
    data = _base(db, params, "duties")
    data["members"] = [{
        "name": m["name"], "posts": m.get("posts") or "",
        "duty_areas": _join(m.get("duty_areas")), "assists": _join(m.get("assists")),
        "villages": _join(m.get("villages")), "contact_points": _join(m.get("contact_points")),
    } for m in members]
    data.update(duties_statements(roster.duty_areas(db, params.township_code)))
    return _with_period(db, data, params)


# ---- 连心卡 ----------------------------------------------------------------------

def gather_liaison_cards(db: Database, params) -> dict:
    """连心卡: a card per village with the team (duties and public contact
    number), the village's liaison cadres with theirs, and the offices' phones.
    A cadre's number is the 公开联系电话 / 办公电话, or the mobile only when the
    cadre's record says it may be published (models.roster.team.public_contact)."""
    team = roster.current_team(db, params.township_code)
    if not team:
        raise notices.NothingToPublish("领导班子中还没有成员，无法生成连心卡。")
    duties = {d["uuid"]: d for d in roster.division_of_duties(db, params.township_code, params.date)}
    numbers = roster.contact_numbers(db, params.township_code)
    data = _base(db, params, "liaison_cards")
    data["team"] = [{"name": m["name"], "titles": m.get("titles") or "", "phone": numbers.get(m["uuid"], ""),
                     "duties": _join(duties.get(m["uuid"], {}).get("duty_areas"))} for m in team]
    villages = []
    for v in roster.village_coverage(db, params.township_code):
        villages.append({"name": v["name"], "liaisons": [
            {"name": link["name"], "kind": link.get("kind") or "", "phone": numbers.get(link["cadre_uuid"], "")}
            for link in v.get("liaisons", [])]})
    data["villages"] = villages or [{"name": "", "liaisons": []}]
    data["office_phones"] = [{"name": o["name"], "phone": notices.public_phone(o.get("phone"))}
                             for o in township.offices(db, params.township_code) if o.get("phone")]
    data["without_number"] = [m["name"] for m in team if not numbers.get(m["uuid"])]
    return data


# ---- 全镇干部基本情况公示 ------------------------------------------------------------

def staff_facts(db: Database, township_code: str | None, on) -> dict:
    """The staff structure as the notice prints it (seed 003: 将全镇干部基本情况进行公示;
    the figures in the manner of seed 001 第五篇): a sentence per dimension and
    the table rows, every number computed from the roster."""
    s = stats.structure(db, township_code, on)
    total = s["total"]

    def part(counts: dict) -> str:
        return "，".join(f"{k} {v} 人" for k, v in counts.items() if v)

    ranks = {k: v for k, v in s["rank"].items() if v}
    staffing = {k: v for k, v in s["staffing"].items() if v}
    sentences = [
        f"截至{on.year}年{on.month}月{on.day}日，全镇在职干部 {total} 人。",
        f"核定编制 {s['establishment']} 名，机关在编 {s['filled_offices']} 名"
        + (f"（缺编 {s['vacancies']} 名）。" if s["vacancies"] else "，没有缺编。"),
        f"按性别：男 {s['sex']['男']} 人，女 {s['sex']['女']} 人。",
        f"按政治面貌：中共党员 {s['party']} 人，其他 {total - s['party']} 人。",
        f"按职级：{part(ranks)}。" if ranks else "",
        f"按年龄段：{part(s['age'])}" + (f"，平均年龄 {s['average_age']} 岁。" if s["average_age"] is not None else "。"),
        f"按学历（最高学历）：{part(s['education'])}。",
        f"按编制性质：{part(staffing)}。" if staffing else "",
        f"领导班子 {s['team_size']} 人" + (f"，平均年龄 {s['team_average_age']} 岁。" if s["team_average_age"] else "。"),
    ]
    groups = [("性别", s["sex"]), ("政治面貌", {"中共党员": s["party"], "其他": total - s["party"]}),
              ("职级", ranks), ("年龄段", s["age"]), ("学历", s["education"]), ("编制性质", staffing),
              ("编制", {"核定编制": s["establishment"], "机关在编": s["filled_offices"], "缺编": s["vacancies"]})]
    rows = []
    for label, counts in groups:
        for k, v in counts.items():
            share = f"{100.0 * v / total:.1f}%" if total and label != "编制" else ""
            rows.append([label, k, str(v), share])
    return {"sentences": [x for x in sentences if x], "rows": rows, "total": total}


def gather_staff_facts(db: Database, params) -> dict:
    """全镇干部基本情况公示: the staff structure on the notice date."""
    facts = staff_facts(db, params.township_code, params.date)
    if not facts["total"]:
        raise notices.NothingToPublish("名册中没有在职干部，无法生成干部基本情况公示。")
    data = _base(db, params, "staff_facts")
    data.update(facts)
    return _with_period(db, data, params)


def _sheets():
    # reports/ (reportlab) is imported when a notice is first rendered, not at start-up
    from reports.notices import roster as sheets
    return sheets


KINDS = (
    notices.NoticeKind("duties", "领导班子分工公示", ("date",), "领导班子（models.roster.team.division_of_duties）",
                       gather_duties,
                       lambda d, s, p, pr: _sheets().render_duties(d, serial=s, paper=p, progress=pr), area="roster",
                       findings=duties_findings),
    notices.NoticeKind("liaison_cards", "连心卡", ("date",), "领导班子和驻村联村（models.roster.team）",
                       gather_liaison_cards,
                       lambda d, s, p, pr: _sheets().render_liaison_cards(d, serial=s, paper=p, progress=pr),
                       area="roster"),
    notices.NoticeKind("staff_facts", "全镇干部基本情况公示", ("date",), "干部名册（models.roster.stats.structure）",
                       gather_staff_facts,
                       lambda d, s, p, pr: _sheets().render_staff_facts(d, serial=s, paper=p, progress=pr),
                       area="roster"),
)
for _kind in KINDS:
    notices.register_kind(_kind)
