"""The leadership roster: cadres, organs, posts, appointments (交叉任职), duty
areas (分工), village liaison (驻村/联村), contact points, village 两委 and the
daily whereabouts board (干部流向).

Plain Python over SQLite; no Qt. Every action: require(actor, "roster.write"),
validate, one transaction, writes through models.records (audited).
"""

from __future__ import annotations

import datetime as dt
import json
import re

from models import records, settings
from models.errors import ValidationError
from models.personal import (birth_date_from_id, check_text, parse_date, sex_from_id, validate_id_number,
                             validate_phone)
from models.users import require

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
RANKS = ["副县", "正科", "副科", "科员及办事员"]
EDUCATIONS = ["研究生", "本科", "大专", "中专", "高中", "初中及以下"]
STAFFING = ["在编", "聘用"]
POLITICAL = ["中共党员", "中共预备党员", "共青团员", "民主党派", "群众"]
APPOINT_METHODS = ["选任", "委任", "聘任"]
DUTY_KINDS = ["分管", "协管"]
LIAISON_KINDS = ["驻村", "联村"]
WHEREABOUTS = ["在岗", "下村", "开会", "出差", "请假", "学习", "值班", "休息"]
VILLAGE_ROLES = ["书记", "主任", "副书记", "副主任", "会计", "妇女主任", "委员"]

MAX_NAME = 30
MAX_LONG = 4000


# ---- pinyin -----------------------------------------------------------------

def pinyin_keys(name: str) -> tuple[str, str]:
    """('zhangsan', 'zs') for 张三: full pinyin and initials, lower case, for search."""
    from pypinyin import Style, lazy_pinyin

    name = name or ""
    full = "".join(lazy_pinyin(name, errors=lambda s: list(s))).lower()
    initials = "".join(p[0] for p in lazy_pinyin(name, style=Style.FIRST_LETTER, errors=lambda s: list(s)) if p)
    keep = lambda s: re.sub(r"[^0-9a-z]", "", s)  # noqa: E731
    return keep(full), keep(initials.lower())


# ---- dates ------------------------------------------------------------------

def today() -> dt.date:
    return dt.date.today()


def parse_month_or_date(value, field: str, allow_future: bool = False) -> str | None:
    """'YYYY-MM-DD' or 'YYYY-MM' (forms often give only the month: 1975.03, 197503)."""
    if value is None or value == "":
        return None
    if isinstance(value, (dt.date, dt.datetime)):
        return parse_date(value, field, allow_future=allow_future).isoformat()
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
    return parse_date(s, field, allow_future=allow_future).isoformat()


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
    "(SELECT name FROM offices f WHERE f.uuid = c.office_uuid) AS office, "
    f"{CURRENT_POSTS_SQL} AS posts"
)


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
    return (
        "c.name LIKE ? OR EXISTS (SELECT 1 FROM appointments a JOIN posts p ON p.uuid = a.post_uuid "
        "WHERE a.cadre_uuid = c.uuid AND a.deleted = 0 AND a.end_date IS NULL AND p.title LIKE ?) "
        "OR EXISTS (SELECT 1 FROM village_liaisons l JOIN villages v ON v.uuid = l.village_uuid "
        "WHERE l.cadre_uuid = c.uuid AND l.deleted = 0 AND l.end_date IS NULL AND v.name LIKE ?)",
        [like, like, like],
    )


def list_cadres(db, township_code: str | None = None, include_left: bool = False) -> list[dict]:
    """Every cadre (in service unless include_left), ordered by pinyin: uuid, name,
    sex, birth_date, posts (current post titles joined with '、'), rank, office …"""
    where, params = _scope(township_code, include_left)
    return records.rows(db, f"SELECT {LIST_COLUMNS} FROM cadres c WHERE {where} ORDER BY c.name_pinyin, c.id", params)


def search_cadres(db, text: str = "", township_code: str | None = None, include_left: bool = False,
                  limit: int = 200, offset: int = 0) -> list[dict]:
    """One window of the cadre list matching `text` (name, pinyin initials such as
    'zs', full pinyin, current post title, or liaison village)."""
    where, params = _scope(township_code, include_left)
    clause, extra = _search_clause(text)
    if clause:
        where += f" AND ({clause})"
        params += extra
    return records.rows(
        db, f"SELECT {LIST_COLUMNS} FROM cadres c WHERE {where} ORDER BY c.name_pinyin, c.id LIMIT ? OFFSET ?",
        params + [int(limit), int(offset)])


def count_cadres(db, text: str = "", township_code: str | None = None, include_left: bool = False) -> int:
    """How many cadres search_cadres would page through."""
    where, params = _scope(township_code, include_left)
    clause, extra = _search_clause(text)
    if clause:
        where += f" AND ({clause})"
        params += extra
    return db.execute(f"SELECT count(*) FROM cadres c WHERE {where}", params).fetchone()[0]


def get_cadre(db, cadre_uuid: str) -> dict | None:
    """All fields of one cadre (family decoded to a list), or None."""
    row = records.get(db, "cadres", cadre_uuid)
    if row is None:
        return None
    row["family"] = json.loads(row["family"]) if row.get("family") else []
    return row


def current_appointments(db, cadre_uuid: str | None = None, township_code: str | None = None,
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


def current_team(db, township_code: str | None = None) -> list[dict]:
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
    team: dict[str, dict] = {}
    for r in rows:
        m = team.setdefault(r["uuid"], {
            "uuid": r["uuid"], "name": r["name"], "sex": r["sex"], "birth_date": r["birth_date"],
            "political_status": r["political_status"], "edu_fulltime": r["edu_fulltime"], "rank": r["rank"],
            "phone": r["phone"], "township_code": r["township_code"], "posts": [], "roles": set(),
            "is_team": False, "order": (r["organ_order"], r["post_order"]),
        })
        m["posts"].append({k: r[k] for k in ("organ", "title", "role", "start_date", "term", "method")})
        m["roles"].add(r["role"] or "")
        m["is_team"] = m["is_team"] or bool(r["is_team"])
    members = [m for m in team.values() if m["is_team"]]
    for m in members:
        m["titles"] = "、".join(p["title"] for p in m["posts"])
        m["dual_head"] = {"party_secretary", "head"} <= m["roles"]
        del m["is_team"]
    members.sort(key=lambda m: m["order"])
    for m in members:
        del m["order"]
    return members
