"""The township itself: identity, villages and offices."""

from __future__ import annotations

import re

from models.core import records

from models.core import settings
from models.core.personal import check_text
from models.core.errors import ValidationError
from models.core import users
from models.core.users import Actor, require
from models.core import travel

from typing import TYPE_CHECKING, TypedDict, cast

if TYPE_CHECKING:  # annotations only
    from sqlite_utils import Database

MAX_NAME = 50


class Office(TypedDict):
    """An office (站所) of the township as the roster's notices read it."""

    uuid: str
    name: str
    kind: str | None
    description: str | None
    phone: str | None
    establishment: int
    township_code: str


class OfficeIdentity(TypedDict):
    """Who issues a notice and its public phones (every notice's `office`)."""

    township: str
    party: str
    government: str
    service_center: str
    assess_office: str
    office: str
    supervision_phone: str
    office_phone: str


def identity(db: Database) -> dict:
    """Name, code, county and phones of the township this database belongs to."""
    s = settings.all_settings(db)
    return {k: s.get(k, "") for k in ("township_name", "township_code", "county_name", "supervision_phone", "office_phone")}


def set_identity(db: Database, actor: Actor, *, name: str, code: str, county: str = "", supervision_phone: str = "",
                 office_phone: str = "") -> None:
    require(actor, "settings.write")
    name = check_text(name, "乡镇名称", MAX_NAME, required=True)
    code = check_text(code, "乡镇代码", 12, required=True)
    county = check_text(county, "所属县（市、区）", MAX_NAME)
    if not re.fullmatch(r"[0-9]{6,12}", code):
        raise ValidationError("乡镇代码", "应为 6 到 12 位数字（如行政区划代码 330106001）。")
    for label, phone in (("监督电话", supervision_phone), ("办公室电话", office_phone)):
        phone = check_text(phone, label, 20)
        if phone and not re.fullmatch(r"[0-9\-—()（） ]{5,20}", phone):
            raise ValidationError(label, "格式不正确，只能包含数字、连字符和括号。")
    _refuse_code_change_with_data(db, code)
    with db.atomic():
        for key, value in (("township_name", name), ("township_code", code), ("county_name", (county or "").strip()),
                           ("supervision_phone", supervision_phone.strip()), ("office_phone", office_phone.strip())):
            settings.set_value(db, key, value, actor)
        db.execute(
            "INSERT INTO townships (code, name, county, is_local) VALUES (?, ?, ?, 1) "
            "ON CONFLICT(code) DO UPDATE SET name = excluded.name, county = excluded.county, is_local = 1",
            [code, name, county],
        )
        db.execute("UPDATE townships SET is_local = 0 WHERE code != ?", [code])


def first_run(db: Database, *, username: str, password: str, display_name: str, name: str, code: str,
              county: str = "") -> Actor:
    """The first start: the administrator and the township identity are saved
    together or not at all (one transaction)."""
    with db.atomic():
        actor = users.create_user(db, username, password, users.ADMIN, display_name)
        set_identity(db, actor, name=name, code=code, county=county)
    return actor


def first_run_county(db: Database, *, username: str, password: str, display_name: str, county: str) -> Actor:
    """A new county collection database (县级汇总库): its administrator and the county's name, in
    county mode from the start; it holds no township of its own, only those whose packages it imports."""
    county = check_text(county, "县（市、区）名称", MAX_NAME, required=True)
    with db.atomic():
        if users.has_users(db):
            raise ValidationError("数据库", "这个数据库已经有用户，不是新数据库。")
        actor = users.create_user(db, username, password, users.ADMIN, display_name)
        settings.set_value(db, "county_name", county, actor)
        settings.set_value(db, "database_mode", "county", actor)
    return actor


def title_of(db: Database) -> str:
    """How the window and notices name this database: the township, or the county's collection."""
    ident = identity(db)
    if settings.get(db, "database_mode") == "county":
        return f"{ident['county_name'] or '未命名县'}县级汇总库"
    return ident["township_name"] or "未命名乡镇"


def _refuse_code_change_with_data(db: Database, code: str) -> None:
    """Every record carries the township code it was made under, and the
    county knows them by it: changing the code while records exist would
    orphan them here and at the county (issue 20), so it is refused."""
    current = settings.get(db, "township_code") or ""
    if not current or current == code:
        return
    held = 0
    for table in travel.TRAVEL_TABLES:
        if db.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?", [table]).fetchone():
            held += db.execute(f"SELECT count(*) FROM [{table}] WHERE township_code = ?", [current]).fetchone()[0]
    if held:
        raise ValidationError("乡镇代码", f"本数据库已有 {held} 条以乡镇代码 {current} 登记的记录（村、机构、干部、办件等），"
                                          "县里也按这个代码汇总；现在修改会让这些记录不再属于本乡镇，因此不能修改。"
                                          "代码确实填错时，请新建数据库并重新导入。")


def townships(db: Database) -> list[dict]:
    return records.rows(db, "SELECT code, name, county, is_local FROM townships ORDER BY is_local DESC, code")


def _validate_village(name, households) -> tuple[str, int]:
    name = check_text(name, "村名", MAX_NAME, required=True)
    try:
        households = int(households)
    except (TypeError, ValueError):
        raise ValidationError("户数", "必须是整数。") from None
    if households < 0 or households > 100000:
        raise ValidationError("户数", "应在 0 到 100000 之间。")
    return name, households


def add_village(db: Database, actor: Actor, name: str, households: int, population: int | None = None) -> str:
    require(actor, "settings.write")
    name, households = _validate_village(name, households)
    with db.atomic():
        if db.execute("SELECT 1 FROM villages WHERE name = ? AND deleted = 0 AND township_code = ?",
                      [name, records.local_township_code(db)]).fetchone():
            raise ValidationError("村名", f"“{name}”已存在。")
        return records.insert(db, "villages", {"name": name, "households": households, "population": population}, actor)


def update_village(db: Database, actor: Actor, key: str, name: str, households: int) -> None:
    require(actor, "settings.write")
    name, households = _validate_village(name, households)
    with db.atomic():
        records.update(db, "villages", key, {"name": name, "households": households}, actor)


def delete_village(db: Database, actor: Actor, key: str) -> None:
    require(actor, "settings.write")
    with db.atomic():
        records.delete(db, "villages", key, actor)


def villages(db: Database, township_code: str | None = None) -> list[dict]:
    sql = "SELECT uuid, name, households, population, township_code FROM villages WHERE deleted = 0"
    params = []
    if township_code:
        sql += " AND township_code = ?"
        params.append(township_code)
    return records.rows(db, sql + " ORDER BY id", params)


def add_office(db: Database, actor: Actor, name: str, kind: str = "", description: str = "", phone: str = "",
               establishment: int = 0) -> str:
    require(actor, "settings.write")
    name = check_text(name, "机构名称", MAX_NAME, required=True)
    kind = check_text(kind, "类别", MAX_NAME)
    description = check_text(description, "职责说明", 2000, multiline=True)
    phone = check_text(phone, "电话", 20)
    try:
        establishment = int(establishment or 0)
    except (TypeError, ValueError):
        raise ValidationError("编制数", "必须是整数。") from None
    if establishment < 0:
        raise ValidationError("编制数", "不能为负数。")
    with db.atomic():
        return records.insert(db, "offices", {"name": name, "kind": kind, "description": description,
                                              "phone": phone, "establishment": establishment}, actor)


def delete_office(db: Database, actor: Actor, key: str) -> None:
    require(actor, "settings.write")
    with db.atomic():
        records.delete(db, "offices", key, actor)


def offices(db: Database, township_code: str | None = None) -> list[Office]:
    sql = "SELECT uuid, name, kind, description, phone, establishment, township_code FROM offices WHERE deleted = 0"
    params = []
    if township_code:
        sql += " AND township_code = ?"
        params.append(township_code)
    return cast(list[Office], records.rows(db, sql + " ORDER BY id", params))  # the SELECT names Office's keys


def office_identity(db: Database, township_code: str | None = None) -> OfficeIdentity:
    """Township name, issuing bodies and public phones for a notice."""
    ident = identity(db)
    name = ident.get("township_name") or "本乡镇"
    if township_code and township_code != ident.get("township_code"):
        row = db.execute("SELECT name FROM townships WHERE code = ?", [township_code]).fetchone()
        if row:
            name = row[0]
    return {
        "township": name,
        "party": f"中共{name}委员会",
        "government": f"{name}人民政府",
        "service_center": f"{name}便民服务中心",
        "assess_office": f"{name}考核办公室",
        "office": f"{name}党政综合办公室",
        "supervision_phone": ident.get("supervision_phone") or "",
        "office_phone": ident.get("office_phone") or "",
    }
