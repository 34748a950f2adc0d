"""The leadership roster: cadres, organs, posts, appointments (交叉任职), duty
areas (分工), village liaison (驻村/联村), contact points, village 两委 and the
daily whereabouts board (干部流向).

Plain Python over SQLite; no Qt. Every action: require(actor, "roster.write"),
validate, one transaction, writes through models.core.records (audited).
"""

from __future__ import annotations

import datetime as dt
import json
import re
from typing import Any

from models.core import records
from models.core.errors import ValidationError
from models.core.personal import (birth_date_from_id, check_text, parse_date, require_date, sex_from_id,
                                  validate_id_number, validate_phone)
from models.core.users import require

from typing import TYPE_CHECKING, Literal, TypedDict

if TYPE_CHECKING:  # annotations only
    from models.core.users import Actor
    from sqlite_utils import Database


# ---- rows other rooms read (the notices, the reports): typed, so a wrong key fails `make lint` ----

class Away(TypedDict):
    """Approved leave covering a day, and who stands in (缺位补位)."""

    leave_uuid: str
    kind: str
    until: str
    stand_in_uuid: str | None
    stand_in: str  # '' when nobody


class DutyDivision(TypedDict):
    """A team member's share of the work (division_of_duties)."""

    uuid: str
    name: str
    sex: str | None
    posts: str  # '、'-joined current posts (交叉任职)
    duty_areas: list[str]  # in charge (分管)
    assists: list[str]  # assisting (协管)
    villages: list[str]  # contact villages
    contact_points: list[str]
    phone: str  # public contact number, '' when none
    away: Away | None  # on approved leave on the day


class BoardRow(TypedDict):
    """A cadre on the 干部流向 board of one day."""

    uuid: str
    name: str
    sex: str | None
    post: str
    entry_uuid: str | None  # the day's whereabouts entry, None when not set
    status: str  # '' when not set
    place: str | None
    note: str | None
    is_team: bool


class PreAppointmentRow(TypedDict):
    """A cadre with a proposed post, as the 任前公示 needs (never the ID number or phone)."""

    uuid: str
    name: str
    sex: str | None
    ethnicity: str | None
    birth_date: str | None
    birth_month: str  # 'YYYY-MM', '' when not known
    political_status: str | None
    party_join_date: str | None
    edu_fulltime: str | None
    degree_fulltime: str | None
    edu_inservice: str | None
    work_start_date: str | None
    native_place: str | None
    current_post: str | None
    proposed_post: str
    removed_post: str | None
    nomination: str | None


class TeamPost(TypedDict):
    organ: str
    title: str
    role: str | None
    start_date: str | None
    term: str | None
    method: str | None


class TeamMember(TypedDict):
    """A member of the leadership team with every current post (交叉任职)."""

    uuid: str
    name: str
    sex: str | None
    birth_date: str | None
    political_status: str | None
    edu_fulltime: str | None
    rank: str | None
    phone: str | None
    township_code: str
    posts: list[TeamPost]
    roles: set[str]
    titles: str  # the posts' titles, '、'-joined
    dual_head: bool  # party secretary and township head (党政一肩挑)


class Liaison(TypedDict):
    """A cadre linked to a village now (驻村 / 联村)."""

    uuid: str
    village_uuid: str
    cadre_uuid: str
    kind: str
    start_date: str | None
    name: str


class VillageOfficial(TypedDict):
    """A member of a village's 两委 (roles ','-joined: 书记, 主任, 会计 …)."""

    uuid: str
    village_uuid: str
    name: str
    roles: str
    sex: str | None
    birth_date: str | None
    phone: str | None
    political_status: str | None
    term: str | None


class VillageCoverage(TypedDict):
    """A village with its liaison cadres and its 两委 (the assessment and the 连心卡 read it)."""

    uuid: str
    name: str
    households: int | None
    population: int | None
    township_code: str
    liaisons: list[Liaison]
    officials: list[VillageOfficial]
    dual_head: bool  # one person is both 书记 and 主任 (一肩挑)


class Attendance(TypedDict):
    """Days on the whereabouts board in a range, by kind (the assessment's 勤)."""

    days: int
    present: int  # 在岗 and 值班
    village: int
    meeting: int
    trip: int
    leave: int
    study: int
    rest: int


AttendanceKind = Literal["present", "village", "meeting", "trip", "leave", "study", "rest"]


class FamilyLine(TypedDict):
    relation: str
    name: str
    age: str
    political_status: str
    work: str


class AppointmentForm(TypedDict):
    """Everything the 干部任免审批表 prints for one cadre, formatted as the form writes it."""

    uuid: str
    name: str
    sex: str
    birth: str
    ethnicity: str
    native_place: str
    birth_place: str
    party_join: str
    work_start: str
    health: str
    specialty: str
    expertise: str
    edu_fulltime: str
    school_fulltime: str
    edu_inservice: str
    school_inservice: str
    current_post: str
    proposed_post: str
    removed_post: str
    resume: list[tuple[str, str]]
    rewards: str
    annual_assessments: str
    appointment_reason: str
    family: list[FamilyLine]
    reporting_unit: str
    photo: bytes | None
    date: str
    township: str

WRITE = "roster.write"

# Machine roles of posts, used by the rule checks; the title shown is free text.
ROLES = {
    "party_secretary": "党委书记",
    "deputy_secretary": "党委副书记",
    "committee": "党委委员",
    "head": "镇长",
    "exec_deputy_head": "常务副镇长",
    "deputy_head": "副镇长",
    "npc_chair": "人大主席团主席",
    "npc_vice_chair": "人大主席团副主席",
    "discipline_secretary": "纪委书记",
    "cppcc": "政协联络员",
    "armed": "人武部部长",
    "women": "妇联主席",
    "youth": "团委书记",
    "union": "工会主席",
    "office_director": "办公室主任",
    "staff": "工作人员",
    "": "（无）",
}
ORGAN_KINDS = ["党委", "人大", "政府", "政协", "纪委", "人武部", "群团", "机关"]
SEXES = ["男", "女"]
# 职级: leadership levels, the 职务与职级并行 ranks of civil servants (综合管理类,
# up to those a county or township can hold), the older 科员/办事员 names still
# in many sheets, and the 事业 grades (管理岗 职员 levels, 专技 grades, 工勤).
# These are the starting lists: offices add their own (models/roster/vocab.py)
# and a value outside them is kept, never refused.
RANKS = (["正县", "副县", "正科", "副科"]
         + ["一级调研员", "二级调研员", "三级调研员", "四级调研员",
            "一级主任科员", "二级主任科员", "三级主任科员", "四级主任科员", "一级科员", "二级科员"]
         + ["科员及办事员", "科员", "办事员", "试用期"]
         + [f"管理{n}级" for n in "五六七八九十"]
         + [f"专技{n}级" for n in ["一", "二", "三", "四", "五", "六", "七", "八", "九", "十", "十一", "十二", "十三"]]
         + [f"技术工{n}级" for n in "一二三四五"] + ["普通工"])
# The level a rank counts as in the structure statistics (parallel ranks are
# treated as the level they correspond to; 专技 and 工勤 grades stand apart).
RANK_LEVEL = {"正县": "正县", "副县": "副县", "正科": "正科", "副科": "副科", "科员及办事员": "科员及办事员",
              "一级调研员": "正县", "二级调研员": "正县", "三级调研员": "副县", "四级调研员": "副县",
              "一级主任科员": "正科", "二级主任科员": "正科", "三级主任科员": "副科", "四级主任科员": "副科",
              "一级科员": "科员及办事员", "二级科员": "科员及办事员", "科员": "科员及办事员", "办事员": "科员及办事员",
              "试用期": "科员及办事员", "管理五级": "正科", "管理六级": "副科", "管理七级": "科员及办事员",
              "管理八级": "科员及办事员", "管理九级": "科员及办事员", "管理十级": "科员及办事员"}
RANK_LEVEL.update({r: "专业技术" for r in RANKS if r.startswith("专技")})
RANK_LEVEL.update({r: "工勤" for r in RANKS if r.startswith("技术工") or r == "普通工"})
EDUCATIONS = ["研究生", "本科", "大专", "中专", "高中", "初中及以下"]
# 编制 kinds of a township. "在编" is the older catch-all some sheets still use.
STAFFING = ["行政", "事业", "参公", "工勤", "聘用", "借调", "公益性岗位", "其他", "在编"]
# Kinds that occupy an establishment post (count as 在编 in vacancy checks).
STAFFING_ESTABLISHED = ("在编", "行政", "事业", "参公", "工勤")
POLITICAL = ["中共党员", "中共预备党员", "共青团员", "民主党派", "群众"]
APPOINT_METHODS = ["选任", "委任", "聘任"]
DUTY_KINDS = ["分管", "协管"]
LIAISON_KINDS = ["驻村", "联村"]
WHEREABOUTS = ["在岗", "下村", "开会", "出差", "请假", "学习", "值班", "休息"]
VILLAGE_ROLES = ["书记", "主任", "副书记", "副主任", "会计", "妇女主任", "委员"]
# Kinds of duty area: the finance rule reads which kinds count as finance
# (setting roster.finance_area_kinds), not a flag typed on each area.
AREA_KINDS = ["党的建设", "财政金融", "经济发展", "农业农村", "社会事务", "城镇建设", "安全稳定", "纪检监察",
              "人大工作", "政协工作", "宣传统战", "其他"]
LEAVE_KINDS = ["事假", "病假", "年休假", "婚假", "产假", "丧假", "探亲假", "公休"]
LEAVE_STATUSES = ["待批", "批准", "不批准", "已销假", "撤回"]

MAX_NAME = 30
MAX_LONG = 4000


# ---- pinyin -----------------------------------------------------------------

def pinyin_keys(name: str) -> tuple[str, str]:
    """('zhangsan', 'zs') for 张三: full pinyin and initials, lower case, for search."""
    from pypinyin import lazy_pinyin

    # A non-Chinese run becomes one syllable per character (pypinyin accepts a list
    # back from `errors`, although its annotation says str).
    split_chars: Any = list
    syllables = [p.lower() for p in lazy_pinyin(name or "", errors=split_chars) if p]
    keep = lambda s: re.sub(r"[^0-9a-z]", "", s)  # noqa: E731
    return keep("".join(syllables)), keep("".join(p[0] for p in syllables))


# ---- dates ------------------------------------------------------------------

def today() -> dt.date:
    return dt.date.today()


def parse_month_or_date(value, field: str, allow_future: bool = False) -> str | None:
    """'YYYY-MM-DD' or 'YYYY-MM' (forms often give only the month: 1975.03, 197503)."""
    if value is None or value == "":
        return None
    if isinstance(value, (dt.date, dt.datetime)):
        return require_date(value, field, allow_future=allow_future).isoformat()
    s = str(value).strip()
    m = re.fullmatch(r"(\d{4})[-/.年](\d{1,2})月?", s) or re.fullmatch(r"(\d{4})(\d{2})", s)
    if m:
        year, month = int(m[1]), int(m[2])
        if not 1 <= month <= 12:
            raise ValidationError(field, f"“{s}”中的月份不对。")
        if year < 1900:
            raise ValidationError(field, "年份早于 1900 年。")
        if not allow_future and (year, month) > (today().year, today().month):
            raise ValidationError(field, f"{year}-{month:02d} 在未来。")
        return f"{year}-{month:02d}"
    return require_date(s, field, allow_future=allow_future).isoformat()


def age_at(birth: str | None, ref: dt.date) -> int | None:
    """Whole years at `ref` (a 'YYYY-MM' birth counts from the 1st)."""
    if not birth:
        return None
    parts = [int(p) for p in birth.split("-")]
    y, m = parts[0], parts[1] if len(parts) > 1 else 1
    d = parts[2] if len(parts) > 2 else 1
    return ref.year - y - ((ref.month, ref.day) < (m, d))


# ---- reading ----------------------------------------------------------------

def _live(table_alias: str = "") -> str:
    p = f"{table_alias}." if table_alias else ""
    return f"{p}deleted = 0"


CURRENT_POSTS_SQL = (
    "(SELECT group_concat(title, '、') FROM (SELECT p.title AS title FROM appointments a "
    "JOIN posts p ON p.uuid = a.post_uuid JOIN organs o ON o.uuid = p.organ_uuid "
    "WHERE a.cadre_uuid = c.uuid AND a.deleted = 0 AND a.end_date IS NULL "
    "ORDER BY o.sort_order, p.sort_order))"
)

LIST_COLUMNS = (
    "c.uuid, c.name, c.sex, c.ethnicity, c.birth_date, c.rank, c.staffing, c.phone, c.status, "
    "c.political_status, c.edu_fulltime, c.township_code, c.office_uuid, "
    "(SELECT name FROM offices f WHERE f.uuid = c.office_uuid) AS office"
)


def attach_posts(db: Database, rows: list[dict]) -> list[dict]:
    """Set row['posts'] to the cadre's current post titles ('、'-joined, organ
    order) with one query for the whole window instead of one per row."""
    by_uuid = {r["uuid"]: r for r in rows}
    for r in rows:
        r["posts"] = None
    keys = list(by_uuid)
    titles: dict[str, list] = {}
    for i in range(0, len(keys), 500):  # stay under SQLite's parameter limit
        chunk = keys[i:i + 500]
        marks = ", ".join("?" for _ in chunk)
        for cadre, title in db.execute(
                "SELECT a.cadre_uuid, p.title FROM appointments a JOIN posts p ON p.uuid = a.post_uuid "
                "JOIN organs o ON o.uuid = p.organ_uuid "
                f"WHERE a.cadre_uuid IN ({marks}) AND a.deleted = 0 AND a.end_date IS NULL "
                "ORDER BY o.sort_order, p.sort_order", chunk):
            titles.setdefault(cadre, []).append(title)
    for cadre, names in titles.items():
        by_uuid[cadre]["posts"] = "、".join(names)
    # Post text imported before the posts existed is shown until it is linked.
    unlinked = [k for k in keys if k not in titles]
    for i in range(0, len(unlinked), 500):
        chunk = unlinked[i:i + 500]
        marks = ", ".join("?" for _ in chunk)
        for cadre, text in db.execute(f"SELECT uuid, current_post_text FROM cadres WHERE uuid IN ({marks}) "
                                      "AND current_post_text IS NOT NULL AND current_post_text != ''", chunk):
            by_uuid[cadre]["posts"] = text
    return rows


def _scope(township_code, include_left, alias="c") -> tuple[str, list]:
    where = [f"{alias}.deleted = 0"]
    params: list = []
    if township_code:
        where.append(f"{alias}.township_code = ?")
        params.append(township_code)
    if not include_left:
        where.append(f"{alias}.status = '在职'")
    return " AND ".join(where), params


def _search_clause(text: str) -> tuple[str, list]:
    """Name / pinyin initials / full pinyin / current post / liaison village."""
    text = (text or "").strip()
    if not text:
        return "", []
    low = text.lower()
    if re.fullmatch(r"[a-z0-9]+", low):
        # Indexed prefix ranges: 'zs' → name_initials in ['zs', 'zs\uffff').
        return ("(c.name_initials >= ? AND c.name_initials < ?) OR (c.name_pinyin >= ? AND c.name_pinyin < ?)",
                [low, low + "\uffff", low, low + "\uffff"])
    like = f"%{text}%"
    # Uncorrelated IN lists: the few matching posts / villages are found once,
    # then their holders by index, instead of a subquery per cadre.
    return (
        "c.name LIKE ? "
        "OR c.uuid IN (SELECT a.cadre_uuid FROM appointments a WHERE a.deleted = 0 AND a.end_date IS NULL "
        "  AND a.post_uuid IN (SELECT uuid FROM posts WHERE deleted = 0 AND title LIKE ?)) "
        "OR c.uuid IN (SELECT l.cadre_uuid FROM village_liaisons l WHERE l.deleted = 0 AND l.end_date IS NULL "
        "  AND l.village_uuid IN (SELECT uuid FROM villages WHERE deleted = 0 AND name LIKE ?))",
        [like, like, like],
    )


def list_cadres(db: Database, township_code: str | None = None, include_left: bool = False) -> list[dict]:
    """Every cadre (in service unless include_left), ordered by pinyin: uuid, name,
    sex, birth_date, posts (current post titles joined with '、'), rank, office …"""
    where, params = _scope(township_code, include_left)
    return attach_posts(db, records.rows(
        db, f"SELECT {LIST_COLUMNS} FROM cadres c WHERE {where} ORDER BY c.name_pinyin, c.id", params))


class CadreName(TypedDict):
    uuid: str
    name: str


def cadre_names(db: Database, township_code: str | None = None) -> list[CadreName]:
    """The in-service cadres to pick from (another room's picker: the assessment's subjects), by pinyin."""
    where, params = _scope(township_code, False)
    return [CadreName(uuid=r[0], name=r[1]) for r in db.execute(
        f"SELECT c.uuid, c.name FROM cadres c WHERE {where} ORDER BY c.name_pinyin, c.id", params)]


class CadrePlace(TypedDict):
    office: str
    villages: list[str]


def cadre_places(db: Database, cadre_uuids: list[str]) -> dict[str, CadrePlace]:
    """Where each cadre works (another room's public lists: the assessment's
    results notice): the office (科室/站所) and the villages they are
    currently linked to (联村/驻村), in the order they were linked."""
    places: dict[str, CadrePlace] = {}
    for start in range(0, len(cadre_uuids), 500):
        chunk = cadre_uuids[start:start + 500]
        marks = ",".join("?" * len(chunk))
        for key, office in db.execute(
                f"SELECT c.uuid, coalesce((SELECT name FROM offices f WHERE f.uuid = c.office_uuid AND f.deleted = 0), '') "
                f"FROM cadres c WHERE c.uuid IN ({marks})", chunk):
            places[key] = CadrePlace(office=office, villages=[])
        for key, village in db.execute(
                "SELECT l.cadre_uuid, v.name FROM village_liaisons l JOIN villages v ON v.uuid = l.village_uuid "
                f"WHERE l.cadre_uuid IN ({marks}) AND l.deleted = 0 AND l.end_date IS NULL AND v.deleted = 0 "
                "ORDER BY l.id", chunk):
            places[key]["villages"].append(village)
    return places


def cadre_posts(db: Database, cadre_uuids: list[str]) -> dict[str, str]:
    """Each cadre's current post titles as the roster shows them (another
    room's lists: the assessment's 考核对象); '' for a cadre without posts."""
    return {r["uuid"]: r["posts"] or "" for r in attach_posts(db, [{"uuid": key} for key in dict.fromkeys(cadre_uuids)])}


def search_cadres(db: Database, text: str = "", township_code: str | None = None, include_left: bool = False,
                  limit: int = 200, offset: int = 0) -> list[dict]:
    """One window of the cadre list matching `text` (name, pinyin initials such as
    'zs', full pinyin, current post title, or liaison village)."""
    where, params = _scope(township_code, include_left)
    clause, extra = _search_clause(text)
    if clause:
        where += f" AND ({clause})"
        params += extra
    # Pick the window's ids first, then compute the post/office columns for
    # those rows only (not for every match before sorting).
    return attach_posts(db, records.rows(
        db, f"SELECT {LIST_COLUMNS} FROM cadres c WHERE c.id IN (SELECT c.id FROM cadres c WHERE {where} "
            "ORDER BY c.name_pinyin, c.id LIMIT ? OFFSET ?) ORDER BY c.name_pinyin, c.id",
        params + [int(limit), int(offset)]))


def count_cadres(db: Database, text: str = "", township_code: str | None = None, include_left: bool = False) -> int:
    """How many cadres search_cadres would page through."""
    where, params = _scope(township_code, include_left)
    clause, extra = _search_clause(text)
    if clause:
        where += f" AND ({clause})"
        params += extra
    return db.execute(f"SELECT count(*) FROM cadres c WHERE {where}", params).fetchone()[0]


def get_cadre(db: Database, cadre_uuid: str) -> dict | None:
    """All fields of one cadre (family decoded to a list), or None."""
    row = records.get(db, "cadres", cadre_uuid)
    if row is None:
        return None
    row["family"] = json.loads(row["family"]) if row.get("family") else []
    return row


def current_appointments(db: Database, cadre_uuid: str | None = None, township_code: str | None = None,
                         include_ended: bool = False) -> list[dict]:
    """Appointments with post title, role, organ; current ones only unless include_ended."""
    where = ["a.deleted = 0"]
    params: list = []
    if not include_ended:
        where.append("a.end_date IS NULL")
    if cadre_uuid:
        where.append("a.cadre_uuid = ?")
        params.append(cadre_uuid)
    if township_code:
        where.append("a.township_code = ?")
        params.append(township_code)
    return records.rows(
        db,
        "SELECT a.uuid, a.cadre_uuid, a.post_uuid, a.start_date, a.end_date, a.term, a.method, a.note, "
        "p.title, p.role, p.is_team, p.rank AS post_rank, o.uuid AS organ_uuid, o.name AS organ, o.kind AS organ_kind, "
        "c.name AS cadre_name "
        "FROM appointments a JOIN posts p ON p.uuid = a.post_uuid JOIN organs o ON o.uuid = p.organ_uuid "
        "JOIN cadres c ON c.uuid = a.cadre_uuid "
        f"WHERE {' AND '.join(where)} ORDER BY o.sort_order, p.sort_order, a.start_date",
        params,
    )


def current_team(db: Database, township_code: str | None = None) -> list[TeamMember]:
    """The leadership team: every in-service cadre holding a current team post,
    with all their current posts across organs (交叉任职). Each dict: uuid, name,
    sex, birth_date, political_status, edu_fulltime, rank, posts (list of
    {organ, title, role, start_date, term, method}), titles ('、'-joined), roles
    (set), dual_head (party secretary also township head)."""
    where = "c.deleted = 0 AND c.status = '在职' AND a.deleted = 0 AND a.end_date IS NULL"
    params: list = []
    if township_code:
        where += " AND c.township_code = ?"
        params.append(township_code)
    rows = records.rows(
        db,
        "SELECT c.uuid, c.name, c.sex, c.birth_date, c.political_status, c.edu_fulltime, c.rank, c.phone, "
        "c.township_code, p.title, p.role, p.is_team, o.name AS organ, o.sort_order AS organ_order, "
        "p.sort_order AS post_order, a.start_date, a.term, a.method "
        "FROM cadres c JOIN appointments a ON a.cadre_uuid = c.uuid JOIN posts p ON p.uuid = a.post_uuid "
        f"JOIN organs o ON o.uuid = p.organ_uuid WHERE {where} ORDER BY o.sort_order, p.sort_order, c.name_pinyin",
        params,
    )
    first: dict[str, dict] = {}  # cadre uuid -> their first row (rows come in team order)
    posts: dict[str, list[TeamPost]] = {}
    on_team: set[str] = set()
    for r in rows:
        first.setdefault(r["uuid"], r)
        posts.setdefault(r["uuid"], []).append(TeamPost(organ=r["organ"], title=r["title"], role=r["role"],
                                                        start_date=r["start_date"], term=r["term"], method=r["method"]))
        if r["is_team"]:
            on_team.add(r["uuid"])
    members: list[TeamMember] = []
    for key, r in sorted(first.items(), key=lambda kv: (kv[1]["organ_order"], kv[1]["post_order"])):
        if key not in on_team:
            continue
        roles = {p["role"] or "" for p in posts[key]}
        members.append({
            "uuid": key, "name": r["name"], "sex": r["sex"], "birth_date": r["birth_date"],
            "political_status": r["political_status"], "edu_fulltime": r["edu_fulltime"], "rank": r["rank"],
            "phone": r["phone"], "township_code": r["township_code"], "posts": posts[key], "roles": roles,
            "titles": "、".join(p["title"] for p in posts[key]), "dual_head": {"party_secretary", "head"} <= roles})
    return members


def organs(db: Database, township_code: str | None = None) -> list[dict]:
    """Organs in display order."""
    sql = "SELECT uuid, name, kind, sort_order, township_code FROM organs WHERE deleted = 0"
    params = []
    if township_code:
        sql += " AND township_code = ?"
        params.append(township_code)
    return records.rows(db, sql + " ORDER BY sort_order, id", params)


def posts(db: Database, township_code: str | None = None) -> list[dict]:
    """Posts with their organ, in display order, and who holds each now."""
    sql = ("SELECT p.uuid, p.title, p.role, p.rank, p.is_team, p.description, p.organ_uuid, o.name AS organ, "
           "(SELECT group_concat(c.name, '、') FROM appointments a JOIN cadres c ON c.uuid = a.cadre_uuid "
           " WHERE a.post_uuid = p.uuid AND a.deleted = 0 AND a.end_date IS NULL) AS holders "
           "FROM posts p JOIN organs o ON o.uuid = p.organ_uuid WHERE p.deleted = 0")
    params = []
    if township_code:
        sql += " AND p.township_code = ?"
        params.append(township_code)
    return records.rows(db, sql + " ORDER BY o.sort_order, p.sort_order, p.id", params)


def duty_areas(db: Database, township_code: str | None = None) -> list[dict]:
    """Duty areas with the leaders in charge (分管) and assisting (协管)."""
    sql = ("SELECT d.uuid, d.name, d.kind, d.office_uuid, d.note, "
           "(SELECT name FROM offices f WHERE f.uuid = d.office_uuid) AS office "
           "FROM duty_areas d WHERE d.deleted = 0")
    params = []
    if township_code:
        sql += " AND d.township_code = ?"
        params.append(township_code)
    areas = records.rows(db, sql + " ORDER BY d.sort_order, d.id", params)
    assigns = records.rows(
        db, "SELECT s.uuid, s.area_uuid, s.cadre_uuid, s.kind, c.name FROM duty_assignments s "
            "JOIN cadres c ON c.uuid = s.cadre_uuid WHERE s.deleted = 0 AND c.deleted = 0"
            + (" AND s.township_code = ?" if township_code else "") + " ORDER BY s.id", params)
    by_area: dict[str, list] = {}
    for a in assigns:
        by_area.setdefault(a["area_uuid"], []).append(a)
    for area in areas:
        area["assignments"] = by_area.get(area["uuid"], [])
        area["leaders"] = [a for a in area["assignments"] if a["kind"] == "分管"]
    return areas


def duty_matrix(db: Database, township_code: str | None = None) -> dict:
    """Areas × team members: {'areas': [...], 'leaders': [{uuid, name}], 'cells':
    {(area_uuid, cadre_uuid): kind}}."""
    areas = duty_areas(db, township_code)
    team = current_team(db, township_code)
    cells = {}
    for area in areas:
        for a in area["assignments"]:
            cells[(area["uuid"], a["cadre_uuid"])] = a["kind"]
    return {"areas": areas, "leaders": [{"uuid": m["uuid"], "name": m["name"], "titles": m["titles"]} for m in team],
            "cells": cells}


def village_coverage(db: Database, township_code: str | None = None) -> list[VillageCoverage]:
    """Every village with its liaison cadres (current) and its 两委 members."""
    from models.core import township

    villages = township.villages(db, township_code)
    scope = " AND l.township_code = ?" if township_code else ""
    params = [township_code] if township_code else []
    links = records.rows(
        db, "SELECT l.uuid, l.village_uuid, l.cadre_uuid, l.kind, l.start_date, c.name FROM village_liaisons l "
            "JOIN cadres c ON c.uuid = l.cadre_uuid WHERE l.deleted = 0 AND l.end_date IS NULL AND c.deleted = 0 "
            f"AND c.status = '在职'{scope} ORDER BY l.kind DESC, l.id", params)
    officials = records.rows(
        db, "SELECT uuid, village_uuid, name, roles, sex, birth_date, phone, political_status, term "
            "FROM village_officials l WHERE deleted = 0" + scope + " ORDER BY id", params)
    by_v: dict[str, list[Liaison]] = {}
    for link in links:
        by_v.setdefault(link["village_uuid"], []).append(Liaison(
            uuid=link["uuid"], village_uuid=link["village_uuid"], cadre_uuid=link["cadre_uuid"], kind=link["kind"],
            start_date=link["start_date"], name=link["name"]))
    off_v: dict[str, list[VillageOfficial]] = {}
    for o in officials:
        off_v.setdefault(o["village_uuid"], []).append(VillageOfficial(
            uuid=o["uuid"], village_uuid=o["village_uuid"], name=o["name"], roles=o["roles"], sex=o["sex"],
            birth_date=o["birth_date"], phone=o["phone"], political_status=o["political_status"], term=o["term"]))
    out: list[VillageCoverage] = []
    for v in villages:
        mine = off_v.get(v["uuid"], [])
        out.append({"uuid": v["uuid"], "name": v["name"], "households": v["households"], "population": v["population"],
                    "township_code": v["township_code"], "liaisons": by_v.get(v["uuid"], []), "officials": mine,
                    "dual_head": any({"书记", "主任"} <= set(o["roles"].split(",")) for o in mine)})
    return out


def contact_points(db: Database, cadre_uuid: str | None = None, township_code: str | None = None) -> list[dict]:
    """Contact points (联系点: enterprises, schools, projects) of one or all cadres."""
    sql = ("SELECT k.uuid, k.cadre_uuid, k.name, k.kind, k.note, c.name AS cadre_name FROM contact_points k "
           "JOIN cadres c ON c.uuid = k.cadre_uuid WHERE k.deleted = 0")
    params = []
    if township_code:
        sql += " AND k.township_code = ?"
        params.append(township_code)
    if cadre_uuid:
        sql += " AND k.cadre_uuid = ?"
        params.append(cadre_uuid)
    return records.rows(db, sql + " ORDER BY k.id", params)


def division_of_duties(db: Database, township_code: str | None = None, on=None) -> list[DutyDivision]:
    """Per team member (for the 分工 notice and the duties board): name, posts
    (cross-appointments, '、'-joined), duty areas in charge (分管) and assisted
    (协管), contact villages, contact points, the public contact number, and
    `away` ({'kind', 'until', 'stand_in'} while on approved leave on `on`,
    today by default: 缺位补位). Plain dicts, team order."""
    team = current_team(db, township_code)
    away = stand_ins(db, on or today(), township_code)
    numbers = contact_numbers(db, township_code)
    areas = duty_areas(db, township_code)
    villages = village_coverage(db, township_code)
    points = contact_points(db, township_code=township_code)
    out: list[DutyDivision] = []
    for m in team:
        in_charge = [a["name"] for a in areas for s in a["assignments"] if s["cadre_uuid"] == m["uuid"] and s["kind"] == "分管"]
        assist = [a["name"] for a in areas for s in a["assignments"] if s["cadre_uuid"] == m["uuid"] and s["kind"] != "分管"]
        out.append({
            "uuid": m["uuid"], "name": m["name"], "sex": m["sex"], "posts": m["titles"],
            "duty_areas": in_charge, "assists": assist,
            "villages": [v["name"] for v in villages for link in v["liaisons"] if link["cadre_uuid"] == m["uuid"]],
            "contact_points": [p["name"] for p in points if p["cadre_uuid"] == m["uuid"]],
            "phone": numbers.get(m["uuid"], ""), "away": away.get(m["uuid"]),
        })
    return out


def areas_without_leader(db: Database, township_code: str | None = None) -> list[str]:
    """Names of the duty areas nobody is in charge of (职责盲区)."""
    return [a["name"] for a in duty_areas(db, township_code) if not a["leaders"]]


def whereabouts_board(db: Database, date, township_code: str | None = None) -> list[BoardRow]:
    """The 干部流向 board for one date: every in-service cadre (team first, then
    staff by pinyin) with name, post, status ('' when not set), place, note."""
    day = require_date(date, "日期").isoformat()
    where, params = _scope(township_code, False)
    rows = records.rows(
        db,
        f"SELECT c.uuid, c.name, c.sex, {CURRENT_POSTS_SQL} AS post, w.uuid AS entry_uuid, w.status, w.place, w.note, "
        "(SELECT min(o.sort_order * 1000 + p.sort_order) FROM appointments a JOIN posts p ON p.uuid = a.post_uuid "
        " JOIN organs o ON o.uuid = p.organ_uuid WHERE a.cadre_uuid = c.uuid AND a.deleted = 0 "
        " AND a.end_date IS NULL AND p.is_team = 1) AS team_order "
        "FROM cadres c LEFT JOIN whereabouts w ON w.cadre_uuid = c.uuid AND w.date = ? AND w.deleted = 0 "
        f"WHERE {where} ORDER BY team_order IS NULL, team_order, c.name_pinyin",
        [day] + params,
    )
    return [BoardRow(uuid=r["uuid"], name=r["name"], sex=r["sex"], post=r["post"] or "", entry_uuid=r["entry_uuid"],
                     status=r["status"] or "", place=r["place"], note=r["note"], is_team=r["team_order"] is not None)
            for r in rows]


def whereabouts_history(db: Database, cadre_uuid: str, limit: int = 60) -> list[dict]:
    """One cadre's recent days on the board, newest first."""
    return records.rows(db, "SELECT date, status, place, note, updated_by, updated_at FROM whereabouts "
                            "WHERE cadre_uuid = ? AND deleted = 0 ORDER BY date DESC LIMIT ?", [cadre_uuid, limit])


def attendance_summary(db: Database, date_from, date_to, township_code: str | None = None) -> dict[str, Attendance]:
    """From the whereabouts board, per cadre uuid: {'days': recorded days,
    'present': 在岗+值班, 'village': 下村, 'meeting': 开会, 'trip': 出差,
    'leave': 请假, 'study': 学习, 'rest': 休息} between the dates (inclusive).
    Used by the assessment's 勤 dimension."""
    start = require_date(date_from, "开始日期").isoformat()
    end = require_date(date_to, "结束日期").isoformat()
    keys: dict[str, AttendanceKind] = {"在岗": "present", "值班": "present", "下村": "village", "开会": "meeting",
                                       "出差": "trip", "请假": "leave", "学习": "study", "休息": "rest"}
    sql = ("SELECT w.cadre_uuid, w.status, count(*) FROM whereabouts w JOIN cadres c ON c.uuid = w.cadre_uuid "
           "WHERE w.deleted = 0 AND w.date BETWEEN ? AND ?")
    params = [start, end]
    if township_code:
        sql += " AND c.township_code = ?"
        params.append(township_code)
    out: dict[str, Attendance] = {}
    for cadre, status, n in db.execute(sql + " GROUP BY w.cadre_uuid, w.status", params):
        s = out.setdefault(cadre, Attendance(days=0, present=0, village=0, meeting=0, trip=0, leave=0, study=0, rest=0))
        s["days"] += n
        s[keys.get(status, "present")] += n
    return out


def pre_appointment_list(db: Database, township_code: str | None = None) -> list[PreAppointmentRow]:
    """Cadres with a proposed post (拟任职务), with what a 任前公示 prints: name, sex,
    ethnicity, birth month, political status, education, work-start date,
    current post, proposed post. Never the ID number or phone."""
    where, params = _scope(township_code, False)
    rows = records.rows(
        db,
        "SELECT c.uuid, c.name, c.sex, c.ethnicity, c.birth_date, c.political_status, c.party_join_date, "
        "c.edu_fulltime, c.degree_fulltime, c.edu_inservice, c.work_start_date, c.native_place, "
        f"coalesce(nullif(c.current_post_text, ''), {CURRENT_POSTS_SQL}) AS current_post, c.proposed_post, "
        "c.removed_post, c.nomination "
        f"FROM cadres c WHERE {where} AND coalesce(c.proposed_post, '') != '' ORDER BY c.name_pinyin",
        params,
    )
    return [PreAppointmentRow(
        uuid=r["uuid"], name=r["name"], sex=r["sex"], ethnicity=r["ethnicity"], birth_date=r["birth_date"],
        birth_month=(r["birth_date"] or "")[:7], political_status=r["political_status"],
        party_join_date=r["party_join_date"], edu_fulltime=r["edu_fulltime"], degree_fulltime=r["degree_fulltime"],
        edu_inservice=r["edu_inservice"], work_start_date=r["work_start_date"], native_place=r["native_place"],
        current_post=r["current_post"], proposed_post=r["proposed_post"], removed_post=r["removed_post"],
        nomination=r["nomination"]) for r in rows]


# ---- writing: cadres --------------------------------------------------------

CADRE_TEXT_FIELDS = {
    # field: (label, max length, multiline)
    "ethnicity": ("民族", 20, False), "native_place": ("籍贯", 50, False), "birth_place": ("出生地", 50, False),
    "political_status": ("政治面貌", 20, False),
    "edu_fulltime": ("全日制学历", 20, False), "degree_fulltime": ("全日制学位", 30, False),
    "school_fulltime": ("全日制毕业院校及专业", 100, False),
    "edu_inservice": ("在职学历", 20, False), "degree_inservice": ("在职学位", 30, False),
    "school_inservice": ("在职毕业院校及专业", 100, False),
    "specialty": ("专业技术职务/熟悉专业", 100, False), "rank": ("职级", 20, False), "staffing": ("编制性质", 10, False),
    "current_post_text": ("现任职务", 200, False), "proposed_post": ("拟任职务", 200, False),
    "removed_post": ("拟免职务", 200, False), "nomination": ("提名类别", 10, False),
    "resume": ("简历", MAX_LONG, True), "rewards": ("奖惩情况", 2000, True),
    "annual_assessments": ("年度考核结果", 1000, True), "note": ("备注", 1000, True),
    "health": ("健康状况", 20, False), "expertise": ("熟悉专业有何专长", 100, False),
    "appointment_reason": ("任免理由", 1000, True),
}
CADRE_DATE_FIELDS = {"party_join_date": "入党时间", "work_start_date": "参加工作时间", "left_date": "离任日期"}
RESUME_RANGE_RE = re.compile(r"^\s*(\d{4})[.年/-](\d{1,2})月?\s*(?:-{1,2}|—{1,2}|–|~|～|至)\s*(?:(\d{4})[.年/-](\d{1,2})月?)?\s*")


def normalize_resume(text: str) -> str:
    """Résumé lines in the form's own shape 'YYYY.MM--YYYY.MM text' (an open
    end: 'YYYY.MM-- text'), whatever dash or separator the clerk typed;
    lines that do not start with a period are kept as they are."""
    lines = []
    for line in (text or "").splitlines():
        m = RESUME_RANGE_RE.match(line)
        if m:
            start = f"{m[1]}.{int(m[2]):02d}"
            end = f"{m[3]}.{int(m[4]):02d}" if m[3] else ""
            rest = line[m.end():].strip()
            line = f"{start}--{end} {rest}".rstrip() if end else f"{start}-- {rest}".rstrip()
        lines.append(line.rstrip())
    return "\n".join(lines).strip("\n")


def validate_cadre(values: dict, row: int | None = None) -> dict:
    """Check and normalise a cadre's fields; raise ValidationError naming the field
    (and row, for imports). Fills birth date and sex from the ID number and
    refuses a birth date or sex that contradicts it."""
    def err(field, message):
        return ValidationError(field, message, row=row)

    try:
        out: dict = {}
        out["name"] = check_text(values.get("name"), "姓名", MAX_NAME, required=True)
        if re.search(r"[0-9A-Za-z]", out["name"]) and not re.search(r"[\u4e00-\u9fff]", out["name"]):
            raise err("姓名", "应为中文姓名。")
        for field, (label, max_len, multiline) in CADRE_TEXT_FIELDS.items():
            if field in values:
                out[field] = check_text(values.get(field), label, max_len, multiline=multiline)
        if out.get("resume"):
            out["resume"] = normalize_resume(out["resume"])
        sex = check_text(values.get("sex"), "性别", 2)
        if sex and sex not in SEXES:
            raise err("性别", "应为“男”或“女”。")
        if out.get("nomination") and out["nomination"] not in ("继续提名", "新提名"):
            raise err("提名类别", "应为“继续提名”或“新提名”，或留空。")
        birth = parse_month_or_date(values.get("birth_date"), "出生日期")
        id_number = (values.get("id_number") or "").strip()
        if id_number:
            id_number = validate_id_number(id_number)
            id_birth = birth_date_from_id(id_number).isoformat()
            if birth and not id_birth.startswith(birth):
                raise err("出生日期", f"{birth} 与身份证号中的出生日期 {id_birth} 不一致。")
            if sex and sex != sex_from_id(id_number):
                raise err("性别", f"“{sex}”与身份证号（第 17 位表示{sex_from_id(id_number)}）不一致。")
            birth = id_birth if not birth or len(birth) == 7 else birth
            sex = sex or sex_from_id(id_number)
        if "id_number" in values:
            out["id_number"] = id_number or None
        out["sex"] = sex or None
        out["birth_date"] = birth
        for field, label in CADRE_DATE_FIELDS.items():
            if field in values:
                out[field] = parse_month_or_date(values.get(field), label)
        if birth:
            for field, label in (("party_join_date", "入党时间"), ("work_start_date", "参加工作时间")):
                if out.get(field) and out[field] < birth:
                    raise err(label, f"{out[field]} 早于出生日期 {birth}。")
        if "phone" in values:
            out["phone"] = validate_phone(values.get("phone"), "电话") or None
        if "office_phone" in values:
            out["office_phone"] = validate_phone(values.get("office_phone"), "办公电话") or None
        if "public_phone" in values:
            out["public_phone"] = validate_phone(values.get("public_phone"), "公开联系电话") or None
        if "publish_mobile" in values:
            out["publish_mobile"] = int(bool(values.get("publish_mobile")))
        if "status" in values:
            status = values.get("status") or "在职"
            if status not in ("在职", "离任"):
                raise err("状态", "应为“在职”或“离任”。")
            out["status"] = status
        if "office_uuid" in values:
            out["office_uuid"] = values.get("office_uuid") or None
        if "family" in values:
            family = values.get("family") or []
            if isinstance(family, str):
                family = json.loads(family) if family.strip() else []
            clean = []
            for i, member in enumerate(family, 1):
                clean.append({k: check_text(member.get(k), f"家庭成员第 {i} 人{label}", 100)
                              for k, label in (("relation", "称谓"), ("name", "姓名"), ("birth", "出生年月"),
                                               ("political_status", "政治面貌"), ("work", "工作单位及职务"))})
            out["family"] = json.dumps(clean, ensure_ascii=False) if clean else None
        if "photo" in values:
            photo = values.get("photo")
            if photo is not None and len(photo) > 2_000_000:
                raise err("照片", "不能超过 2 MB。")
            out["photo"] = photo
    except ValidationError as e:
        if row is not None and e.row is None:
            raise ValidationError(e.field, e.bare_message, row=row) from None
        raise
    out["name_pinyin"], out["name_initials"] = pinyin_keys(out["name"])
    return out


def add_cadre(db: Database, actor: Actor, values: dict) -> str:
    """Create a cadre; returns the uuid."""
    require(actor, WRITE)
    clean = validate_cadre(values)
    with db.atomic():
        _check_duplicate_id(db, clean.get("id_number"), None)
        return records.insert(db, "cadres", clean, actor)


def update_cadre(db: Database, actor: Actor, cadre_uuid: str, values: dict) -> dict:
    """Change a cadre's fields (only those given; name always required)."""
    require(actor, WRITE)
    current = records.get(db, "cadres", cadre_uuid)
    if current is None:
        raise ValidationError("干部", "记录不存在或已删除。")
    merged = {"name": current["name"], "sex": current["sex"], "birth_date": current["birth_date"],
              "id_number": current["id_number"]}
    merged.update(values)
    clean = validate_cadre(merged)
    with db.atomic():
        _check_duplicate_id(db, clean.get("id_number"), cadre_uuid)
        return records.update(db, "cadres", cadre_uuid, clean, actor)


def _check_duplicate_id(db: Database, id_number, own_uuid, row=None) -> None:
    if not id_number:
        return
    hit = db.execute("SELECT uuid, name FROM cadres WHERE id_number = ? AND deleted = 0 AND uuid IS NOT ?",
                     [id_number, own_uuid]).fetchone()
    if hit:
        raise ValidationError("身份证号", f"与已有干部“{hit[1]}”重复。", row=row)


def delete_cadre(db: Database, actor: Actor, cadre_uuid: str) -> None:
    """Tombstone a cadre and everything hanging on them (appointments, duties,
    liaisons, contact points). Whereabouts history stays."""
    require(actor, WRITE)
    with db.atomic():
        for table in ("appointments", "duty_assignments", "village_liaisons", "contact_points"):
            for (key,) in db.execute(f"SELECT uuid FROM [{table}] WHERE cadre_uuid = ? AND deleted = 0",
                                     [cadre_uuid]).fetchall():
                records.delete(db, table, key, actor)
        records.delete(db, "cadres", cadre_uuid, actor)


def leave_service(db: Database, actor: Actor, cadre_uuid: str, date=None) -> None:
    """A cadre leaves (离任): status 离任, every current appointment and liaison ends."""
    require(actor, WRITE)
    day = require_date(date or today(), "离任日期", allow_future=False).isoformat()
    with db.atomic():
        for table in ("appointments", "village_liaisons"):
            for (key,) in db.execute(f"SELECT uuid FROM [{table}] WHERE cadre_uuid = ? AND deleted = 0 "
                                     "AND end_date IS NULL", [cadre_uuid]).fetchall():
                records.update(db, table, key, {"end_date": day}, actor)
        records.update(db, "cadres", cadre_uuid, {"status": "离任", "left_date": day}, actor)


# ---- writing: organs, posts, appointments ----------------------------------

def add_organ(db: Database, actor: Actor, name: str, kind: str = "", sort_order: int = 0) -> str:
    """Create an organ (党委, 政府 …)."""
    require(actor, WRITE)
    name = check_text(name, "机构名称", 50, required=True)
    if kind and kind not in ORGAN_KINDS:
        raise ValidationError("机构类别", f"应为 {' / '.join(ORGAN_KINDS)} 之一。")
    with db.atomic():
        return records.insert(db, "organs", {"name": name, "kind": kind, "sort_order": int(sort_order)}, actor)


def add_post(db: Database, actor: Actor, organ_uuid: str, title: str, role: str = "", rank: str = "", is_team: bool = False,
             description: str = "", sort_order: int = 0) -> str:
    """Create a post of an organ. `role` is a key of ROLES (for the rule checks)."""
    require(actor, WRITE)
    title = check_text(title, "职务名称", 50, required=True)
    if role not in ROLES:
        raise ValidationError("职务类别", "未知的职务类别。")
    description = check_text(description, "职位说明书", MAX_LONG, multiline=True)
    if records.get(db, "organs", organ_uuid) is None:
        raise ValidationError("所属机构", "机构不存在或已删除。")
    with db.atomic():
        return records.insert(db, "posts", {"organ_uuid": organ_uuid, "title": title, "role": role, "rank": rank,
                                            "is_team": int(bool(is_team)), "description": description,
                                            "sort_order": int(sort_order)}, actor)


def update_post(db: Database, actor: Actor, post_uuid: str, **changes) -> dict:
    """Change a post's title, description, rank, role or team flag."""
    require(actor, WRITE)
    clean: dict[str, object] = {}
    if "title" in changes:
        clean["title"] = check_text(changes["title"], "职务名称", 50, required=True)
    if "description" in changes:
        clean["description"] = check_text(changes["description"], "职位说明书", MAX_LONG, multiline=True)
    if "rank" in changes:
        clean["rank"] = check_text(changes["rank"], "职级", 20)
    if "role" in changes:
        if changes["role"] not in ROLES:
            raise ValidationError("职务类别", "未知的职务类别。")
        clean["role"] = changes["role"]
    if "is_team" in changes:
        clean["is_team"] = int(bool(changes["is_team"]))
    with db.atomic():
        return records.update(db, "posts", post_uuid, clean, actor)


def validate_appointment(db: Database, cadre_uuid, post_uuid, start_date, end_date, method, term, own_uuid=None,
                         row=None) -> dict:
    """Check an appointment: both ends exist, dates in order and not in the
    future, no second overlapping appointment of the same cadre to the same post."""
    if records.get(db, "cadres", cadre_uuid) is None:
        raise ValidationError("干部", "不存在或已删除。", row=row)
    if records.get(db, "posts", post_uuid) is None:
        raise ValidationError("职务", "不存在或已删除。", row=row)
    start = parse_month_or_date(start_date, "任职时间")
    end = parse_month_or_date(end_date, "免职时间")
    if start and end and end < start:
        raise ValidationError("免职时间", f"{end} 早于任职时间 {start}。", row=row)
    if method and method not in APPOINT_METHODS:
        raise ValidationError("任职方式", f"应为 {' / '.join(APPOINT_METHODS)} 之一。", row=row)
    term = check_text(term, "届次", 30)
    # '+post_uuid': look up by the cadre (a few rows), not by the post (thousands in a county).
    for other in records.rows(db, "SELECT uuid, start_date, end_date FROM appointments WHERE cadre_uuid = ? "
                                  "AND +post_uuid = ? AND deleted = 0 AND uuid IS NOT ?", [cadre_uuid, post_uuid, own_uuid]):
        o_start, o_end = other["start_date"] or "", other["end_date"] or "9999"
        if (start or "") <= o_end and (end or "9999") >= o_start:
            raise ValidationError("任职", "该干部已任此职务（时间重叠），不能重复任职。", row=row)
    return {"cadre_uuid": cadre_uuid, "post_uuid": post_uuid, "start_date": start, "end_date": end,
            "method": method or None, "term": term or None}


def appoint(db: Database, actor: Actor, cadre_uuid: str, post_uuid: str, start_date=None, end_date=None, method: str = "委任",
            term: str = "", note: str = "") -> str:
    """Appoint a cadre to a post (one more post for a cross-appointed cadre)."""
    require(actor, WRITE)
    with db.atomic():
        values = validate_appointment(db, cadre_uuid, post_uuid, start_date, end_date, method, term)
        values["note"] = check_text(note, "备注", 200)
        return records.insert(db, "appointments", values, actor)


def end_appointment(db: Database, actor: Actor, appointment_uuid: str, end_date=None) -> dict:
    """End an appointment (免职) on a date (today by default)."""
    require(actor, WRITE)
    current = records.get(db, "appointments", appointment_uuid)
    if current is None:
        raise ValidationError("任职", "记录不存在或已删除。")
    end = parse_month_or_date(end_date or today(), "免职时间")
    if current["start_date"] and end < current["start_date"]:
        raise ValidationError("免职时间", f"{end} 早于任职时间 {current['start_date']}。")
    with db.atomic():
        return records.update(db, "appointments", appointment_uuid, {"end_date": end}, actor)


def delete_appointment(db: Database, actor: Actor, appointment_uuid: str) -> None:
    """Remove an appointment entered by mistake (tombstone)."""
    require(actor, WRITE)
    with db.atomic():
        records.delete(db, "appointments", appointment_uuid, actor)


# ---- writing: duties, liaison, contact points, village 两委 -----------------

def _area_kind(kind) -> str:
    kind = (kind or "其他").strip()
    if kind not in AREA_KINDS:
        raise ValidationError("领域类别", f"“{kind}”不是分管领域类别（可选：{'、'.join(AREA_KINDS)}）。")
    return kind


def add_duty_area(db: Database, actor: Actor, name: str, kind: str = "其他", office_uuid: str | None = None,
                  sort_order: int = 0, note: str = "") -> str:
    """Create a duty area (分管领域) of a kind from AREA_KINDS; the finance rule
    knows the finance kinds (setting roster.finance_area_kinds)."""
    require(actor, WRITE)
    name = check_text(name, "分管领域", 50, required=True)
    kind = _area_kind(kind)
    with db.atomic():
        if db.execute("SELECT 1 FROM duty_areas WHERE name = ? AND deleted = 0 AND township_code = ?",
                      [name, records.local_township_code(db)]).fetchone():
            raise ValidationError("分管领域", f"“{name}”已存在。")
        return records.insert(db, "duty_areas", {"name": name, "kind": kind, "is_finance": int(kind == "财政金融"),
                                                 "office_uuid": office_uuid, "sort_order": int(sort_order),
                                                 "note": check_text(note, "备注", 200)}, actor)


def set_duty_area_kind(db: Database, actor: Actor, area_uuid: str, kind: str) -> dict:
    """Change the kind of a duty area."""
    require(actor, WRITE)
    kind = _area_kind(kind)
    if records.get(db, "duty_areas", area_uuid) is None:
        raise ValidationError("分管领域", "不存在或已删除。")
    with db.atomic():
        return records.update(db, "duty_areas", area_uuid, {"kind": kind, "is_finance": int(kind == "财政金融")}, actor)


def delete_duty_area(db: Database, actor: Actor, area_uuid: str) -> None:
    """Tombstone a duty area with its assignments."""
    require(actor, WRITE)
    with db.atomic():
        for (key,) in db.execute("SELECT uuid FROM duty_assignments WHERE area_uuid = ? AND deleted = 0",
                                 [area_uuid]).fetchall():
            records.delete(db, "duty_assignments", key, actor)
        records.delete(db, "duty_areas", area_uuid, actor)


def assign_duty(db: Database, actor: Actor, area_uuid: str, cadre_uuid: str, kind: str = "分管") -> str:
    """Put a cadre in charge of (分管) or assisting (协管) an area. The rule check,
    not this action, reports two leaders on one area, so a hand-over can be typed
    in either order."""
    require(actor, WRITE)
    if kind not in DUTY_KINDS:
        raise ValidationError("分工类别", "应为“分管”或“协管”。")
    if records.get(db, "duty_areas", area_uuid) is None:
        raise ValidationError("分管领域", "不存在或已删除。")
    if records.get(db, "cadres", cadre_uuid) is None:
        raise ValidationError("干部", "不存在或已删除。")
    with db.atomic():
        if db.execute("SELECT 1 FROM duty_assignments WHERE area_uuid = ? AND cadre_uuid = ? AND deleted = 0",
                      [area_uuid, cadre_uuid]).fetchone():
            raise ValidationError("分工", "该干部已在此领域中有分工。")
        return records.insert(db, "duty_assignments", {"area_uuid": area_uuid, "cadre_uuid": cadre_uuid,
                                                       "kind": kind}, actor)


def unassign_duty(db: Database, actor: Actor, area_uuid: str, cadre_uuid: str) -> None:
    """Remove a cadre's duty in an area."""
    require(actor, WRITE)
    with db.atomic():
        for (key,) in db.execute("SELECT uuid FROM duty_assignments WHERE area_uuid = ? AND cadre_uuid = ? "
                                 "AND deleted = 0", [area_uuid, cadre_uuid]).fetchall():
            records.delete(db, "duty_assignments", key, actor)


def set_duty(db: Database, actor: Actor, area_uuid: str, cadre_uuid: str, kind: str | None) -> None:
    """Matrix cell edit: kind '分管' / '协管', or None to clear. One transaction."""
    require(actor, WRITE)
    with db.atomic():
        unassign_duty(db, actor, area_uuid, cadre_uuid)
        if kind:
            assign_duty(db, actor, area_uuid, cadre_uuid, kind)


def add_liaison(db: Database, actor: Actor, village_uuid: str, cadre_uuid: str, kind: str = "联村", start_date=None) -> str:
    """Station (驻村) or link (联村) a cadre with a village."""
    require(actor, WRITE)
    if kind not in LIAISON_KINDS:
        raise ValidationError("驻村类别", "应为“驻村”或“联村”。")
    if not db.execute("SELECT 1 FROM villages WHERE uuid = ? AND deleted = 0", [village_uuid]).fetchone():
        raise ValidationError("村", "不存在或已删除。")
    if records.get(db, "cadres", cadre_uuid) is None:
        raise ValidationError("干部", "不存在或已删除。")
    start = parse_month_or_date(start_date, "开始时间")
    with db.atomic():
        if db.execute("SELECT 1 FROM village_liaisons WHERE village_uuid = ? AND cadre_uuid = ? AND deleted = 0 "
                      "AND end_date IS NULL", [village_uuid, cadre_uuid]).fetchone():
            raise ValidationError("驻村联村", "该干部已联系此村。")
        return records.insert(db, "village_liaisons", {"village_uuid": village_uuid, "cadre_uuid": cadre_uuid,
                                                       "kind": kind, "start_date": start}, actor)


def remove_liaison(db: Database, actor: Actor, liaison_uuid: str) -> None:
    """Take a liaison off (tombstone)."""
    require(actor, WRITE)
    with db.atomic():
        records.delete(db, "village_liaisons", liaison_uuid, actor)


def add_contact_point(db: Database, actor: Actor, cadre_uuid: str, name: str, kind: str = "", note: str = "") -> str:
    """Add a leader's contact point (联系点): an enterprise, school, project …"""
    require(actor, WRITE)
    name = check_text(name, "联系点名称", 100, required=True)
    if records.get(db, "cadres", cadre_uuid) is None:
        raise ValidationError("干部", "不存在或已删除。")
    with db.atomic():
        return records.insert(db, "contact_points", {"cadre_uuid": cadre_uuid, "name": name,
                                                     "kind": check_text(kind, "类别", 20),
                                                     "note": check_text(note, "备注", 200)}, actor)


def add_village_official(db: Database, actor: Actor, village_uuid: str, name: str, roles, sex: str = "", birth_date=None,
                         phone: str = "", political_status: str = "", term: str = "") -> str:
    """Add a village 两委 member; roles like ['书记', '主任'] (一肩挑)."""
    require(actor, WRITE)
    name = check_text(name, "姓名", MAX_NAME, required=True)
    roles = [r.strip() for r in (roles.split(",") if isinstance(roles, str) else roles) if r.strip()]
    if not roles:
        raise ValidationError("职务", "至少选一个。")
    bad = [r for r in roles if r not in VILLAGE_ROLES]
    if bad:
        raise ValidationError("职务", f"“{bad[0]}”不是村两委职务。")
    if sex and sex not in SEXES:
        raise ValidationError("性别", "应为“男”或“女”。")
    if not db.execute("SELECT 1 FROM villages WHERE uuid = ? AND deleted = 0", [village_uuid]).fetchone():
        raise ValidationError("村", "不存在或已删除。")
    with db.atomic():
        return records.insert(db, "village_officials", {
            "village_uuid": village_uuid, "name": name, "roles": ",".join(roles), "sex": sex or None,
            "birth_date": parse_month_or_date(birth_date, "出生日期"),
            "phone": validate_phone(phone, "电话") or None,
            "political_status": check_text(political_status, "政治面貌", 20), "term": check_text(term, "届次", 30),
        }, actor)


# ---- writing: whereabouts ---------------------------------------------------

def set_whereabouts(db: Database, actor: Actor, cadre_uuid: str, date, status: str, place: str = "", note: str = "") -> str:
    """Set one cadre's status for a day (在岗, 下村 …). Changing a day keeps the
    earlier value in the audit log (history)."""
    require(actor, WRITE)
    with db.atomic():
        return _set_whereabouts(db, actor, cadre_uuid, date, status, place, note)


def set_whereabouts_many(db: Database, actor: Actor, date, entries: dict) -> int:
    """Set several cadres at once: {cadre_uuid: status or (status, place, note)}.
    One transaction; returns how many changed."""
    require(actor, WRITE)
    changed = 0
    with db.atomic():
        for cadre_uuid, value in entries.items():
            status, place, note = (value, "", "") if isinstance(value, str) else (tuple(value) + ("", ""))[:3]
            before = db.execute("SELECT status, place, note FROM whereabouts WHERE cadre_uuid = ? AND date = ? "
                                "AND deleted = 0", [cadre_uuid, require_date(date, "日期").isoformat()]).fetchone()
            if before and tuple(x or "" for x in before) == (status, place or "", note or ""):
                continue
            _set_whereabouts(db, actor, cadre_uuid, date, status, place, note)
            changed += 1
    return changed


def _set_whereabouts(db: Database, actor: Actor, cadre_uuid, date, status, place, note) -> str:
    day = parse_date(date, "日期")
    if day is None:
        raise ValidationError("日期", "不能为空。")
    if status not in WHEREABOUTS:
        raise ValidationError("去向", f"应为 {' / '.join(WHEREABOUTS)} 之一。")
    place = check_text(place, "地点", 100)
    note = check_text(note, "备注", 200)
    if records.get(db, "cadres", cadre_uuid) is None:
        raise ValidationError("干部", "不存在或已删除。")
    existing = db.execute("SELECT uuid FROM whereabouts WHERE cadre_uuid = ? AND date = ? AND deleted = 0",
                          [cadre_uuid, day.isoformat()]).fetchone()
    values = {"status": status, "place": place or None, "note": note or None}
    if existing:
        records.update(db, "whereabouts", existing[0], values, actor)
        return existing[0]
    return records.insert(db, "whereabouts", {"cadre_uuid": cadre_uuid, "date": day.isoformat(), **values}, actor)


def clear_whereabouts(db: Database, actor: Actor, cadre_uuid: str, date) -> None:
    """Remove a cadre's status for a day."""
    require(actor, WRITE)
    day = require_date(date, "日期").isoformat()
    with db.atomic():
        for (key,) in db.execute("SELECT uuid FROM whereabouts WHERE cadre_uuid = ? AND date = ? AND deleted = 0",
                                 [cadre_uuid, day]).fetchall():
            records.delete(db, "whereabouts", key, actor)


# ---- a standard structure to start from ------------------------------------

# (organ name, kind, [(post title, role, rank, is_team)])
STANDARD_STRUCTURE = [
    ("中共镇委员会", "党委", [("党委书记", "party_secretary", "正科", True), ("党委副书记", "deputy_secretary", "正科", True),
                         ("党委委员", "committee", "副科", True)]),
    ("镇人民政府", "政府", [("镇长", "head", "正科", True), ("常务副镇长", "exec_deputy_head", "副科", True),
                       ("副镇长", "deputy_head", "副科", True)]),
    ("镇人大主席团", "人大", [("人大主席团主席", "npc_chair", "正科", True), ("人大主席团副主席", "npc_vice_chair", "副科", False)]),
    ("镇纪律检查委员会", "纪委", [("纪委书记", "discipline_secretary", "副科", True)]),
    ("政协联络处", "政协", [("政协联络员", "cppcc", "副科", True)]),
    ("镇人民武装部", "人武部", [("人武部部长", "armed", "副科", True)]),
    ("群团组织", "群团", [("妇联主席", "women", "", False), ("团委书记", "youth", "", False), ("工会主席", "union", "", False)]),
    ("机关各办（所、中心）", "机关", [("办公室主任", "office_director", "", False), ("干事", "staff", "", False),
                            ("助理员", "staff", "", False)]),
]


def create_standard_structure(db: Database, actor: Actor) -> dict:
    """Create the usual organs and posts of a township ([000], [002]) when none
    exist yet, so a clerk can start appointing. Returns {post title: post uuid}."""
    require(actor, WRITE)
    code = records.local_township_code(db)
    with db.atomic():
        if db.execute("SELECT 1 FROM organs WHERE deleted = 0 AND township_code = ?", [code]).fetchone():
            raise ValidationError("机构", "已有机构，不再重复创建。")
        out = {}
        for i, (organ, kind, post_list) in enumerate(STANDARD_STRUCTURE):
            organ_uuid = add_organ(db, actor, organ, kind, i * 10)
            for j, (title, role, rank, is_team) in enumerate(post_list):
                out[title] = add_post(db, actor, organ_uuid, title, role, rank, is_team, sort_order=j)
        return out


# ---- public contact numbers -----------------------------------------------------

def public_contact(cadre: dict) -> str:
    """The number a public sheet (连心卡) may print for a cadre: the 公开联系电话,
    else the 办公电话, else the mobile only when the cadre's record says it may
    be published. Never the private mobile otherwise."""
    for key in ("public_phone", "office_phone"):
        if cadre.get(key):
            return cadre[key]
    if cadre.get("publish_mobile") and cadre.get("phone"):
        return cadre["phone"]
    return ""


def contact_numbers(db: Database, township_code: str | None = None) -> dict[str, str]:
    """{cadre uuid: public contact number} of the in-service cadres that have one."""
    where, params = _scope(township_code, False)
    out = {}
    for r in records.rows(db, f"SELECT c.uuid, c.phone, c.office_phone, c.public_phone, c.publish_mobile "
                              f"FROM cadres c WHERE {where}", params):
        number = public_contact(r)
        if number:
            out[r["uuid"]] = number
    return out


# ---- 请销假 (leave) and 缺位补位 (stand-ins) -------------------------------------------

LEAVE_NOTE = "请假（已批准）"  # marks the whereabouts days a leave wrote, so 销假 removes only those


def leader_in_charge(db: Database, cadre_uuid: str) -> dict | None:
    """Who approves a cadre's leave: for staff, the team member in charge (分管)
    of an area their office reports to; for a team member, the party
    secretary; for the party secretary, nobody here (the county decides)."""
    cadre = records.get(db, "cadres", cadre_uuid)
    if cadre is None:
        raise ValidationError("干部", "不存在或已删除。")
    team = current_team(db, cadre["township_code"])
    by_uuid = {m["uuid"]: m for m in team}
    secretary = next((m for m in team if "party_secretary" in m["roles"]), None)
    if cadre_uuid in by_uuid:
        if secretary is None or secretary["uuid"] == cadre_uuid:
            return None
        return {"uuid": secretary["uuid"], "name": secretary["name"]}
    if cadre.get("office_uuid"):
        row = db.execute(
            "SELECT s.cadre_uuid, c.name FROM duty_areas d JOIN duty_assignments s ON s.area_uuid = d.uuid "
            "JOIN cadres c ON c.uuid = s.cadre_uuid WHERE d.office_uuid = ? AND d.deleted = 0 AND s.deleted = 0 "
            "AND s.kind = '分管' AND c.deleted = 0 AND c.status = '在职' ORDER BY d.sort_order, d.id LIMIT 1",
            [cadre["office_uuid"]]).fetchone()
        if row and row[0] != cadre_uuid:
            return {"uuid": row[0], "name": row[1]}
    if secretary is not None:
        return {"uuid": secretary["uuid"], "name": secretary["name"]}
    return None


def default_stand_in(db: Database, cadre_uuid: str) -> dict | None:
    """The 专职副书记 who covers an absent team member (缺位补位, seed 001): the
    deputy secretary holding the fewest other posts, never the absentee."""
    cadre = records.get(db, "cadres", cadre_uuid)
    if cadre is None:
        raise ValidationError("干部", "不存在或已删除。")
    team = current_team(db, cadre["township_code"])
    if cadre_uuid not in {m["uuid"] for m in team}:
        return None
    deputies = [m for m in team if "deputy_secretary" in m["roles"] and m["uuid"] != cadre_uuid]
    if not deputies:
        return None
    best = min(deputies, key=lambda m: len(m["roles"] - {"deputy_secretary", "committee"}))
    return {"uuid": best["uuid"], "name": best["name"]}


def _leave_days(db: Database, start: dt.date, end: dt.date) -> list[dt.date]:
    """The working days of a leave (the calendar refuses dates it does not cover)."""
    from models.service.workdays import is_workday

    days, d = [], start
    while d <= end:
        if is_workday(db, d):
            days.append(d)
        d += dt.timedelta(days=1)
    return days


def request_leave(db: Database, actor: Actor, cadre_uuid: str, kind: str, start_date, end_date, reason: str = "",
                  approver_uuid: str | None = None, stand_in_uuid: str | None = None) -> str:
    """A cadre asks for leave (请假). The approver defaults to the leader in
    charge, the stand-in of a team member to the 专职副书记. Refuses a leave
    overlapping another one still pending or approved."""
    require(actor, WRITE)
    cadre = records.get(db, "cadres", cadre_uuid)
    if cadre is None or cadre["status"] != "在职":
        raise ValidationError("干部", "不存在或已不在职。")
    if kind not in LEAVE_KINDS:
        raise ValidationError("假别", f"应为 {' / '.join(LEAVE_KINDS)} 之一。")
    start = require_date(start_date, "开始日期", allow_future=True)
    end = require_date(end_date, "结束日期", allow_future=True)
    if end < start:
        raise ValidationError("结束日期", f"{end.isoformat()} 早于开始日期 {start.isoformat()}。")
    if (end - start).days > 366:
        raise ValidationError("结束日期", "一次请假不能超过一年。")
    reason = check_text(reason, "事由", 200)
    if approver_uuid is None:
        leader = leader_in_charge(db, cadre_uuid)
        approver_uuid = leader["uuid"] if leader else None
    elif records.get(db, "cadres", approver_uuid) is None:
        raise ValidationError("审批领导", "不存在或已删除。")
    if approver_uuid == cadre_uuid:
        raise ValidationError("审批领导", "不能由本人审批自己的请假。")
    if stand_in_uuid is None:
        stand_in = default_stand_in(db, cadre_uuid)
        stand_in_uuid = stand_in["uuid"] if stand_in else None
    elif records.get(db, "cadres", stand_in_uuid) is None or stand_in_uuid == cadre_uuid:
        raise ValidationError("补位领导", "不存在，或就是请假人本人。")
    with db.atomic():
        clash = db.execute("SELECT start_date, end_date FROM leave_requests WHERE cadre_uuid = ? AND deleted = 0 "
                           "AND status IN ('待批', '批准') AND start_date <= ? AND end_date >= ?",
                           [cadre_uuid, end.isoformat(), start.isoformat()]).fetchone()
        if clash:
            raise ValidationError("请假日期", f"与已有的请假（{clash[0]} 至 {clash[1]}）重叠。")
        return records.insert(db, "leave_requests", {
            "cadre_uuid": cadre_uuid, "kind": kind, "start_date": start.isoformat(), "end_date": end.isoformat(),
            "reason": reason or None, "approver_uuid": approver_uuid, "stand_in_uuid": stand_in_uuid,
            "status": "待批"}, actor)


def _leave(db: Database, leave_uuid: str) -> dict:
    row = records.get(db, "leave_requests", leave_uuid)
    if row is None:
        raise ValidationError("请假", "记录不存在或已删除。")
    return row


def decide_leave(db: Database, actor: Actor, leave_uuid: str, approve: bool, note: str = "", decided_on=None) -> dict:
    """The leader in charge approves (批准) or refuses (不批准) a pending leave.
    An approved leave marks its working days 请假 on the whereabouts board."""
    require(actor, WRITE)
    leave = _leave(db, leave_uuid)
    if leave["status"] != "待批":
        raise ValidationError("请假", f"这条请假已是“{leave['status']}”，不能再审批。")
    if leave["approver_uuid"] is None and approve:
        raise ValidationError("审批领导", "这名干部的请假由上级审批（本镇无审批领导），请先填写审批领导。")
    note = check_text(note, "审批意见", 200)
    day = require_date(decided_on or today(), "审批日期", allow_future=False)
    with db.atomic():
        if approve:
            start, end = dt.date.fromisoformat(leave["start_date"]), dt.date.fromisoformat(leave["end_date"])
            for d in _leave_days(db, start, end):
                _set_whereabouts(db, actor, leave["cadre_uuid"], d, "请假", "", f"{LEAVE_NOTE}{leave['kind']}")
        return records.update(db, "leave_requests", leave_uuid, {
            "status": "批准" if approve else "不批准", "decided_on": day.isoformat(),
            "decision_note": note or None}, actor)


def return_from_leave(db: Database, actor: Actor, leave_uuid: str, returned_on=None) -> dict:
    """销假: the cadre is back on `returned_on`; the leave's 请假 days from then on
    come off the whereabouts board."""
    require(actor, WRITE)
    leave = _leave(db, leave_uuid)
    if leave["status"] != "批准":
        raise ValidationError("销假", f"只有已批准的请假才能销假（这条是“{leave['status']}”）。")
    back = require_date(returned_on or today(), "销假日期", allow_future=True)
    if back.isoformat() < leave["start_date"]:
        raise ValidationError("销假日期", f"{back.isoformat()} 早于请假开始日期 {leave['start_date']}。")
    with db.atomic():
        for (key,) in db.execute("SELECT uuid FROM whereabouts WHERE cadre_uuid = ? AND deleted = 0 AND date >= ? "
                                 "AND date <= ? AND status = '请假' AND note LIKE ?",
                                 [leave["cadre_uuid"], back.isoformat(), leave["end_date"], LEAVE_NOTE + "%"]).fetchall():
            records.delete(db, "whereabouts", key, actor)
        return records.update(db, "leave_requests", leave_uuid, {"status": "已销假", "returned_on": back.isoformat()},
                              actor)


def withdraw_leave(db: Database, actor: Actor, leave_uuid: str) -> dict:
    """The cadre withdraws a leave still pending (撤回)."""
    require(actor, WRITE)
    leave = _leave(db, leave_uuid)
    if leave["status"] != "待批":
        raise ValidationError("请假", f"只有待批的请假可以撤回（这条是“{leave['status']}”）。")
    with db.atomic():
        return records.update(db, "leave_requests", leave_uuid, {"status": "撤回"}, actor)


def leave_requests(db: Database, township_code: str | None = None, status: str | None = None) -> list[dict]:
    """Leave requests, newest first, with the cadre's, approver's and stand-in's names."""
    sql = ("SELECT l.uuid, l.cadre_uuid, c.name, l.kind, l.start_date, l.end_date, l.reason, l.status, "
           "l.approver_uuid, (SELECT name FROM cadres WHERE uuid = l.approver_uuid) AS approver, "
           "l.stand_in_uuid, (SELECT name FROM cadres WHERE uuid = l.stand_in_uuid) AS stand_in, "
           "l.decided_on, l.decision_note, l.returned_on FROM leave_requests l JOIN cadres c ON c.uuid = l.cadre_uuid "
           "WHERE l.deleted = 0")
    params: list = []
    if township_code:
        sql += " AND l.township_code = ?"
        params.append(township_code)
    if status:
        sql += " AND l.status = ?"
        params.append(status)
    return records.rows(db, sql + " ORDER BY l.start_date DESC, l.id DESC", params)


def stand_ins(db: Database, date, township_code: str | None = None) -> dict[str, Away]:
    """{absent team member's uuid: {'leave_uuid', 'kind', 'until', 'stand_in_uuid',
    'stand_in'}} for approved leave covering `date` (缺位补位 on the duties board)."""
    day = require_date(date, "日期").isoformat()
    sql = ("SELECT l.uuid, l.cadre_uuid, l.kind, l.end_date, l.stand_in_uuid, "
           "(SELECT name FROM cadres WHERE uuid = l.stand_in_uuid) AS stand_in FROM leave_requests l "
           "WHERE l.deleted = 0 AND l.status = '批准' AND l.start_date <= ? AND l.end_date >= ?")
    params: list = [day, day]
    if township_code:
        sql += " AND l.township_code = ?"
        params.append(township_code)
    team = {m["uuid"] for m in current_team(db, township_code)}
    return {r["cadre_uuid"]: {"leave_uuid": r["uuid"], "kind": r["kind"], "until": r["end_date"],
                              "stand_in_uuid": r["stand_in_uuid"], "stand_in": r["stand_in"] or ""}
            for r in records.rows(db, sql, params) if r["cadre_uuid"] in team}


# ---- 干部任免审批表 (the organisation department's form) ----------------------------------

def _form_month(value: str | None) -> str:
    """'1975-03-12' / '1975-03' → '1975.03', as the form writes months."""
    value = (value or "").strip()
    return value[:7].replace("-", ".") if re.match(r"\d{4}-\d{2}", value) else value


def resume_entries(text: str | None) -> list[tuple[str, str]]:
    """The 简历 as (period, text) entries: 'YYYY.MM--YYYY.MM' (or 'YYYY.MM--' for
    the current post) and what was done; a line without a period continues the
    entry before it (or stands alone with an empty period)."""
    entries: list[tuple[str, str]] = []
    for line in normalize_resume(text or "").splitlines():
        m = re.match(r"^(\d{4}\.\d{2}--(?:\d{4}\.\d{2})?)\s*(.*)$", line)
        if m:
            entries.append((m[1], m[2].strip()))
        elif line.strip() and entries:
            period, before = entries[-1]
            entries[-1] = (period, f"{before}\n{line.strip()}" if before else line.strip())
        elif line.strip():
            entries.append(("", line.strip()))
    return entries


def _family_age(birth: str | None, on: dt.date) -> str:
    m = re.match(r"^(\d{4})[.\-/年]?(\d{1,2})?", (birth or "").strip())
    if not m:
        return ""
    return str(age_at(f"{m[1]}-{int(m[2] or 1):02d}", on))


def appointment_form(db: Database, cadre_uuid: str, on: dt.date | None = None) -> AppointmentForm:
    """Everything the 干部任免审批表 prints for one cadre, formatted as the form
    writes it (months 'YYYY.MM', age in brackets, 学历 with 学位, the 简历 as
    entries, family members with their age). Never the ID number or phone."""
    cadre = get_cadre(db, cadre_uuid)
    if cadre is None:
        raise ValidationError("干部", "不存在或已删除。")
    day = on or today()
    age = age_at(cadre["birth_date"], day)
    posts = "、".join(a["title"] for a in current_appointments(db, cadre_uuid))
    from models.core.township import office_identity

    ident = office_identity(db, cadre["township_code"])

    def edu(level, degree):
        return "\n".join(x for x in (level or "", degree or "") if x)

    return {
        "uuid": cadre["uuid"], "name": cadre["name"], "sex": cadre["sex"] or "",
        "birth": _form_month(cadre["birth_date"]) + (f"\n（{age}岁）" if age is not None else ""),
        "ethnicity": cadre["ethnicity"] or "", "native_place": cadre["native_place"] or "",
        "birth_place": cadre["birth_place"] or "", "party_join": _form_month(cadre["party_join_date"]),
        "work_start": _form_month(cadre["work_start_date"]), "health": cadre.get("health") or "",
        "specialty": cadre["specialty"] or "", "expertise": cadre.get("expertise") or "",
        "edu_fulltime": edu(cadre["edu_fulltime"], cadre["degree_fulltime"]),
        "school_fulltime": cadre["school_fulltime"] or "",
        "edu_inservice": edu(cadre["edu_inservice"], cadre["degree_inservice"]),
        "school_inservice": cadre["school_inservice"] or "",
        "current_post": cadre["current_post_text"] or posts, "proposed_post": cadre["proposed_post"] or "",
        "removed_post": cadre["removed_post"] or "", "resume": resume_entries(cadre["resume"]),
        "rewards": cadre["rewards"] or "无", "annual_assessments": cadre["annual_assessments"] or "",
        "appointment_reason": cadre.get("appointment_reason") or "",
        "family": [{"relation": f.get("relation", ""), "name": f.get("name", ""),
                    "age": _family_age(f.get("birth"), day), "political_status": f.get("political_status", ""),
                    "work": f.get("work", "")} for f in cadre["family"]],
        "reporting_unit": ident["party"], "photo": cadre["photo"], "date": day.isoformat(),
        "township": ident["township"],
    }
