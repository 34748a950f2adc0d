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
from models.notices import contracts as c
from models.notices import registry as notices
from models.notices.registry import NoticeParams, notice_base, with_period
from models.roster import rules, stats
from models.roster import team as roster

from typing import TYPE_CHECKING

if TYPE_CHECKING:  # annotations only
    from sqlite_utils import Database


def _join(values) -> str:
    return "、".join(str(v) for v in values if v) if values else ""


# ---- 领导班子分工公示 ------------------------------------------------------------

def duties_findings(db: Database, params: NoticeParams) -> list[str]:
    """The rule findings a duties notice must not hide (gaps, overlaps, the
    finance rule), as lines for the print dialog."""
    return [f["text"] for f in rules.duty_findings(db, params.township_code) if f["code"] in ("duty_gap", "finance")]


def duties_statements(areas: list[dict]) -> c.DutiesStatements:
    """The facts the notice states about the division of duties, computed:
    the areas nobody is in charge of, those with more than one leader, and the sentences."""
    gaps = [a["name"] for a in areas if not a["leaders"]]
    overlaps: list[c.DutyOverlap] = [{"area": a["name"], "leaders": [x["name"] for x in a["leaders"]]}
                                     for a in areas if len(a["leaders"]) > 1]
    sentences = []
    if areas and not gaps and not overlaps:
        sentences.append(f"全镇 {len(areas)} 个分管领域均有且只有一名分管领导，分工不重叠、职责不交叉。")
    if gaps:
        sentences.append(f"以下 {len(gaps)} 项工作暂无分管领导，待研究明确：{'、'.join(gaps)}。")
    for o in overlaps:
        sentences.append(f"“{o['area']}”现由{'、'.join(o['leaders'])}共同分管，待进一步明确。")
    return {"gaps": gaps, "overlaps": overlaps, "sentences": sentences}


def gather_duties(db: Database, params: NoticeParams) -> c.DutiesNotice:
    """领导班子分工公示: team members, posts (交叉任职), duty areas, contact
    villages, and the computed statements about gaps and overlaps."""
    members = roster.division_of_duties(db, params.township_code, params.date)
    if not members:
        raise notices.NothingToPublish("领导班子中还没有成员（没有现任班子职务），无法生成分工公示。")
    data: c.DutiesNotice = {**notice_base(db, params, "duties"), "members": [{
        "name": m["name"], "posts": m["posts"] or "",
        "duty_areas": _join(m["duty_areas"]), "assists": _join(m["assists"]),
        "villages": _join(m["villages"]), "contact_points": _join(m["contact_points"]),
    } for m in members], **duties_statements(roster.duty_areas(db, params.township_code))}
    return with_period(db, data, params)


# ---- 连心卡 ----------------------------------------------------------------------

def gather_liaison_cards(db: Database, params: NoticeParams) -> c.LiaisonCardsNotice:
    """连心卡: a card per village with the team (duties and public contact
    number), the village's liaison cadres with theirs, and the offices' phones.
    A cadre's number is the 公开联系电话 / 办公电话, or the mobile only when the
    cadre's record says it may be published (models.roster.team.public_contact)."""
    team = roster.current_team(db, params.township_code)
    if not team:
        raise notices.NothingToPublish("领导班子中还没有成员，无法生成连心卡。")
    duties = {d["uuid"]: d for d in roster.division_of_duties(db, params.township_code, params.date)}
    numbers = roster.contact_numbers(db, params.township_code)
    villages: list[c.CardVillage] = [{"name": v["name"], "liaisons": [
        {"name": link["name"], "kind": link["kind"] or "", "phone": numbers.get(link["cadre_uuid"], "")}
        for link in v["liaisons"]]} for v in roster.village_coverage(db, params.township_code)]
    return {
        **notice_base(db, params, "liaison_cards"),
        "team": [{"name": m["name"], "titles": m["titles"] or "", "phone": numbers.get(m["uuid"], ""),
                  "duties": _join(duties[m["uuid"]]["duty_areas"] if m["uuid"] in duties else [])} for m in team],
        "villages": villages or [{"name": "", "liaisons": []}],
        "office_phones": [{"name": o["name"], "phone": notices.public_phone(o["phone"])}
                          for o in township.offices(db, params.township_code) if o["phone"]],
        "without_number": [m["name"] for m in team if not numbers.get(m["uuid"])],
    }


# ---- 全镇干部基本情况公示 ------------------------------------------------------------

def staff_facts(db: Database, township_code: str | None, on) -> c.StaffFacts:
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


def gather_staff_facts(db: Database, params: NoticeParams) -> c.StaffFactsNotice:
    """全镇干部基本情况公示: the staff structure on the notice date."""
    facts = staff_facts(db, params.township_code, params.date)
    if not facts["total"]:
        raise notices.NothingToPublish("名册中没有在职干部，无法生成干部基本情况公示。")
    data: c.StaffFactsNotice = {**notice_base(db, params, "staff_facts"), **facts}
    return with_period(db, data, params)


# Renderers import reports/ (reportlab) when a notice is first rendered, not at start-up.

def _print_duties(data: c.DutiesNotice, serial: str, paper: str, progress) -> bytes:
    from reports.notices.roster import render_duties
    return render_duties(data, serial=serial, paper=paper, progress=progress)


def _print_liaison_cards(data: c.LiaisonCardsNotice, serial: str, paper: str, progress) -> bytes:
    from reports.notices.roster import render_liaison_cards
    return render_liaison_cards(data, serial=serial, paper=paper, progress=progress)


def _print_staff_facts(data: c.StaffFactsNotice, serial: str, paper: str, progress) -> bytes:
    from reports.notices.roster import render_staff_facts
    return render_staff_facts(data, serial=serial, paper=paper, progress=progress)


KINDS = (
    notices.NoticeKind("duties", "领导班子分工公示", ("date",), "领导班子（models.roster.team.division_of_duties）",
                       gather_duties,
                       _print_duties, area="roster",
                       findings=duties_findings),
    notices.NoticeKind("liaison_cards", "连心卡", ("date",), "领导班子和驻村联村（models.roster.team）",
                       gather_liaison_cards,
                       _print_liaison_cards,
                       area="roster"),
    notices.NoticeKind("staff_facts", "全镇干部基本情况公示", ("date",), "干部名册（models.roster.stats.structure）",
                       gather_staff_facts,
                       _print_staff_facts,
                       area="roster"),
)
for _kind in KINDS:
    notices.register_kind(_kind)
