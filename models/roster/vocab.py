"""Reference lists of the roster that an office can extend: 职级, 编制 kinds,
and the post titles of a 乡, a 镇 and a 街道.

The starting lists live in models/roster/team.py (RANKS, STAFFING); what an
office adds is stored as a setting (a JSON list per kind) and audited. A value
outside a list is never refused: imports report it and offer to add it.
"""

from __future__ import annotations

import json
import re

from models.core import audit
from models.core.errors import ValidationError
from models.core.personal import check_text
from models.core.users import require
from models.roster import team

from typing import TYPE_CHECKING

if TYPE_CHECKING:  # annotations only
    from models.core.users import Actor
    from sqlite_utils import Database

KINDS = {"rank": "职级", "staffing": "编制性质", "post_乡": "乡的职务", "post_镇": "镇的职务", "post_街道": "街道的职务"}

# The posts of a township's leadership by kind of township (乡 / 镇 / 街道),
# as (title, role in team.ROLES).
POSTS_BY_KIND = {
    "乡": [("党委书记", "party_secretary"), ("党委副书记", "deputy_secretary"), ("党委委员", "committee"),
          ("乡长", "head"), ("常务副乡长", "exec_deputy_head"), ("副乡长", "deputy_head"),
          ("人大主席团主席", "npc_chair"), ("人大主席团副主席", "npc_vice_chair"), ("纪委书记", "discipline_secretary"),
          ("人武部部长", "armed"), ("妇联主席", "women"), ("团委书记", "youth"), ("工会主席", "union"),
          ("办公室主任", "office_director")],
    "镇": [("党委书记", "party_secretary"), ("党委副书记", "deputy_secretary"), ("党委委员", "committee"),
          ("镇长", "head"), ("常务副镇长", "exec_deputy_head"), ("副镇长", "deputy_head"),
          ("人大主席团主席", "npc_chair"), ("人大主席团副主席", "npc_vice_chair"), ("纪委书记", "discipline_secretary"),
          ("人武部部长", "armed"), ("妇联主席", "women"), ("团委书记", "youth"), ("工会主席", "union"),
          ("办公室主任", "office_director")],
    "街道": [("党工委书记", "party_secretary"), ("党工委副书记", "deputy_secretary"), ("党工委委员", "committee"),
           ("办事处主任", "head"), ("常务副主任", "exec_deputy_head"), ("办事处副主任", "deputy_head"),
           ("人大工委主任", "npc_chair"), ("人大工委副主任", "npc_vice_chair"), ("纪工委书记", "discipline_secretary"),
           ("武装部部长", "armed"), ("妇联主席", "women"), ("团工委书记", "youth"), ("工会主席", "union"),
           ("党政办主任", "office_director")],
}
# Every title any kind of township uses for a role: an imported 乡长 finds the
# post whose role is "head" even when the posts were created as 镇长.
TITLES_BY_ROLE: dict[str, list[str]] = {}
for _posts in POSTS_BY_KIND.values():
    for _title, _role in _posts:
        TITLES_BY_ROLE.setdefault(_role, [])
        if _title not in TITLES_BY_ROLE[_role]:
            TITLES_BY_ROLE[_role].append(_title)
for _role, _extra in {"head": ["主任", "街道办事处主任"], "deputy_head": ["副主任", "街道办事处副主任"],
                      "party_secretary": ["书记", "乡党委书记", "镇党委书记", "街道党工委书记"],
                      "deputy_secretary": ["副书记", "乡党委副书记", "镇党委副书记"],
                      "npc_chair": ["人大主席"], "npc_vice_chair": ["人大副主席"]}.items():
    TITLES_BY_ROLE[_role] += [t for t in _extra if t not in TITLES_BY_ROLE[_role]]
ROLE_BY_TITLE = {t: role for role, titles in TITLES_BY_ROLE.items() for t in titles}

# Spellings offices use for the same 编制 kind.
STAFFING_ALIASES = {"行政编": "行政", "行政编制": "行政", "公务员": "行政", "事业编": "事业", "事业编制": "事业",
                    "参公编": "参公", "参公管理": "参公", "参照公务员法管理": "参公", "参照管理": "参公",
                    "工勤编": "工勤", "工勤编制": "工勤", "机关工勤": "工勤", "编外聘用": "聘用", "合同制": "聘用",
                    "编外": "聘用", "公益岗": "公益性岗位", "公益性岗": "公益性岗位", "借用": "借调"}


def township_kind(name: str) -> str:
    """乡, 镇 or 街道 from the township's name (镇 when it cannot be told)."""
    name = (name or "").strip()
    if name.endswith("街道") or name.endswith("街道办事处"):
        return "街道"
    if name.endswith("乡"):
        return "乡"
    return "镇"


def _setting_key(kind: str) -> str:
    return f"roster.vocab.{kind}"


def _defaults(kind: str) -> list[str]:
    if kind == "rank":
        return list(team.RANKS)
    if kind == "staffing":
        return list(team.STAFFING)
    if kind.startswith("post_"):
        return [t for t, _ in POSTS_BY_KIND[kind[5:]]]
    raise ValidationError("参考列表", f"没有“{kind}”这个列表。")


def added(db: Database, kind: str) -> list[str]:
    """What the office added to a list."""
    row = db.execute("SELECT value FROM settings WHERE key = ?", [_setting_key(kind)]).fetchone()
    return list(json.loads(row[0])) if row else []


def values(db: Database, kind: str) -> list[str]:
    """The list as offered: the starting list, then what the office added."""
    base = _defaults(kind)
    return base + [v for v in added(db, kind) if v not in base]


# The cadre columns whose values a list offers (for values already in use).
CADRE_COLUMN = {"rank": "rank", "staffing": "staffing"}


def offered(db: Database, kind: str) -> list[str]:
    """What a form's drop-down offers: the list as values() gives it, then the
    values the office's cadres already carry (an imported 花名册 may bring
    values that were kept but never added to the list), most used first."""
    base = values(db, kind)
    column = CADRE_COLUMN.get(kind)
    if column is None:
        return base
    known = set(base)
    in_use = [v for v, in db.execute(
        f"SELECT {column} FROM cadres WHERE deleted = 0 AND coalesce({column}, '') <> '' "
        f"GROUP BY {column} ORDER BY count(*) DESC, {column}")]
    return base + [v for v in in_use if v not in known]


def add_values(db: Database, actor: Actor, kind: str, new: list[str]) -> list[str]:
    """Add values to a list (one audited change). Returns those really added."""
    require(actor, team.WRITE)
    label = KINDS.get(kind)
    if label is None:
        raise ValidationError("参考列表", f"没有“{kind}”这个列表。")
    clean = []
    for v in new:
        v = check_text(re.sub(r"\s+", "", v or ""), label, 20)
        if v and v not in clean:
            clean.append(v)
    with db.atomic():
        before = added(db, kind)
        current = set(_defaults(kind)) | set(before)
        fresh = [v for v in clean if v not in current]
        if fresh:
            _store(db, actor, kind, before, before + fresh)
    return fresh


def remove_value(db: Database, actor: Actor, kind: str, value: str) -> None:
    """Take an added value off a list (the starting list stays as it is)."""
    require(actor, team.WRITE)
    with db.atomic():
        before = added(db, kind)
        if value not in before:
            raise ValidationError(KINDS.get(kind, kind), f"“{value}”不是本单位添加的值，不能删除。")
        _store(db, actor, kind, before, [v for v in before if v != value])


def _store(db: Database, actor: Actor, kind, before, after) -> None:
    key = _setting_key(kind)
    db.execute("INSERT INTO settings(key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value",
               [key, json.dumps(after, ensure_ascii=False)])
    audit.record(db, actor, "setting", "settings", key, {"value": before}, {"value": after})


def normalise_staffing(value: str) -> str:
    value = re.sub(r"\s+", "", value or "")
    return STAFFING_ALIASES.get(value, value)
