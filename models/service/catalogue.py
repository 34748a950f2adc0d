"""The service catalogue (服务事项目录) with its 五公开 fields.

Each item: department or post, name, conditions, required materials,
procedure, promised time limit in working days, fee basis and amount, the
responsible post and the usual kind of case. Editing needs "catalogue.write".
"""

from __future__ import annotations

from typing import TYPE_CHECKING, TypedDict

from models.core import records
from models.core.errors import ValidationError
from models.core.personal import check_text
from models.core.users import require

if TYPE_CHECKING:  # annotations only (models.core.db reaches this room through the migrations)
    from sqlite_utils import Database
    from models.core.users import Actor

TABLE = "service_items"
KINDS = ("即办件", "承办件", "联办件", "上报件")
DEPARTMENTS = ("民政", "计生", "新农合/医保", "国土", "劳动保障/就业", "林业", "农技", "信访", "调解", "综合")
MAX_TIME_LIMIT = 90

FIELDS = {
    # key: (label, max length, required, multiline)
    "department": ("部门/岗位", 30, True, False),
    "name": ("事项名称", 60, True, False),
    "conditions": ("办理条件", 1000, False, True),
    "materials": ("所需材料", 1000, False, True),
    "procedure": ("办理程序", 1000, False, True),
    "fee_basis": ("收费依据", 200, False, True),
    "fee_amount": ("收费标准", 60, False, False),
    "responsible_post": ("责任岗位", 30, False, False),
}


def validate_item(values: dict) -> dict:
    """Checked and normalised item fields, or ValidationError naming the field."""
    out: dict[str, str | int] = {}
    for key, (label, max_len, required, multiline) in FIELDS.items():
        out[key] = check_text(values.get(key, ""), label, max_len, required=required, multiline=multiline)
    if not out["fee_amount"]:
        out["fee_amount"] = "不收费"
    try:
        days = int(values.get("time_limit_days", 0) or 0)
    except (TypeError, ValueError):
        raise ValidationError("承诺时限", "必须是整数（工作日）。") from None
    if days < 0 or days > MAX_TIME_LIMIT:
        raise ValidationError("承诺时限", f"应在 0 到 {MAX_TIME_LIMIT} 个工作日之间（0 表示即办）。")
    out["time_limit_days"] = days
    kind = values.get("default_kind") or ("即办件" if days == 0 else "承办件")
    if kind not in KINDS:
        raise ValidationError("办件类型", f"应为{'、'.join(KINDS)}之一。")
    out["default_kind"] = kind
    out["active"] = 1 if values.get("active", 1) else 0
    out["sort_order"] = int(values.get("sort_order", 0) or 0)
    return out


def add_item(db: Database, actor: Actor, values: dict) -> str:
    """Add a catalogue item; returns its uuid."""
    require(actor, "catalogue.write")
    item = validate_item(values)
    with db.atomic():
        _check_unique(db, item["department"], item["name"])
        return records.insert(db, TABLE, item, actor)


def update_item(db: Database, actor: Actor, key: str, values: dict) -> dict:
    """Change a catalogue item (all fields given again)."""
    require(actor, "catalogue.write")
    item = validate_item(values)
    with db.atomic():
        _check_unique(db, item["department"], item["name"], exclude=key)
        return records.update(db, TABLE, key, item, actor)


def delete_item(db: Database, actor: Actor, key: str) -> None:
    """Remove an item from the catalogue (tombstone; old tickets keep its name)."""
    require(actor, "catalogue.write")
    with db.atomic():
        records.delete(db, TABLE, key, actor)


def _check_unique(db: Database, department, name, exclude=None) -> None:
    row = db.execute(
        f"SELECT uuid FROM {TABLE} WHERE department = ? AND name = ? AND deleted = 0 AND township_code = ?",
        [department, name, records.local_township_code(db)],
    ).fetchone()
    if row and row[0] != exclude:
        raise ValidationError("事项名称", f"“{department}”已有事项“{name}”。")


def get_item(db: Database, key: str) -> dict | None:
    """One item by uuid (None when missing or deleted)."""
    return records.get(db, TABLE, key)


def list_items(db: Database, search: str = "", active_only: bool = False, township_code: str | None = None) -> list[dict]:
    """Items ordered by department and sort order; `search` matches name,
    department or responsible post (the catalogue is small: ~40–200 rows)."""
    sql = f"SELECT * FROM {TABLE} WHERE deleted = 0"
    params: list = []
    if township_code:
        sql += " AND township_code = ?"
        params.append(township_code)
    if active_only:
        sql += " AND active = 1"
    if search:
        sql += " AND (name LIKE ? OR department LIKE ? OR responsible_post LIKE ?)"
        like = f"%{search.strip()}%"
        params += [like, like, like]
    return records.rows(db, sql + " ORDER BY department, sort_order, id", params)


def items_by_department(db: Database, township_code: str | None = None) -> dict[str, list[dict]]:
    """{department: [item dicts]} of active items, for 五公开 and 明白卡."""
    out: dict[str, list[dict]] = {}
    for item in list_items(db, active_only=True, township_code=township_code):
        out.setdefault(item["department"], []).append(item)
    return out


class CatalogueItem(TypedDict):
    """An item as the 五公开/明白卡 prints it ('' when not filled in)."""

    name: str
    conditions: str
    materials: str
    procedure: str
    time_limit_days: int  # 0: 即办
    fee_amount: str
    fee_basis: str
    responsible_post: str
    kind: str


class CatalogueDepartment(TypedDict):
    name: str
    items: list[CatalogueItem]


def catalogue_for_notice(db: Database, township_code: str | None = None) -> list[CatalogueDepartment]:
    """The active items per department, for the 五公开/明白卡 notice."""
    return [{"name": dept, "items": [CatalogueItem(
        name=i["name"] or "", conditions=i["conditions"] or "", materials=i["materials"] or "",
        procedure=i["procedure"] or "", time_limit_days=int(i["time_limit_days"] or 0),
        fee_amount=i["fee_amount"] or "不收费", fee_basis=i["fee_basis"] or "",
        responsible_post=i["responsible_post"] or "", kind=i["default_kind"] or "",
    ) for i in items]} for dept, items in items_by_department(db, township_code).items()]


def departments(db: Database) -> list[str]:
    """Departments that have items, then the standard ones (for pickers and filters)."""
    have = [r[0] for r in db.execute(f"SELECT DISTINCT department FROM {TABLE} WHERE deleted = 0 ORDER BY department")]
    return have + [d for d in DEPARTMENTS if d not in have]


# A realistic township catalogue (about 40 items) for the demo and for a new office.
DEMO_CATALOGUE = [
    # department, name, limit, kind, conditions, materials, fee_amount, fee_basis, post
    ("民政", "最低生活保障申请", 20, "承办件", "家庭人均收入低于当地低保标准的本地户籍居民",
     "户口簿、身份证、收入证明、家庭财产申报表", "不收费", "", "民政助理员"),
    ("民政", "特困人员供养申请", 20, "承办件", "无劳动能力、无生活来源、无法定赡养抚养义务人",
     "户口簿、身份证、残疾证或诊断证明", "不收费", "", "民政助理员"),
    ("民政", "临时救助申请", 5, "承办件", "遭遇突发事件、意外伤害导致基本生活暂时困难",
     "身份证、困难情况说明、相关证明", "不收费", "", "民政助理员"),
    ("民政", "残疾人两项补贴申请", 10, "承办件", "持第二代残疾人证的困难残疾人或重度残疾人",
     "残疾证、身份证、户口簿、银行卡", "不收费", "", "民政助理员"),
    ("民政", "高龄津贴申领", 5, "承办件", "年满80周岁的本地户籍老人", "身份证、户口簿、银行卡", "不收费", "", "民政助理员"),
    ("民政", "婚姻登记咨询", 0, "即办件", "无", "无", "不收费", "", "民政助理员"),
    ("民政", "殡葬补贴申领", 5, "承办件", "本地户籍死亡人员实行火化的", "死亡证明、火化证明、经办人身份证", "不收费", "", "民政助理员"),
    ("计生", "生育登记服务", 0, "即办件", "夫妻双方或一方为本地户籍", "夫妻双方身份证、结婚证", "不收费", "", "计生干事"),
    ("计生", "独生子女父母奖励申领", 10, "承办件", "领取独生子女父母光荣证的夫妻", "光荣证、身份证、户口簿", "不收费", "", "计生干事"),
    ("计生", "计划生育家庭特别扶助申请", 20, "承办件", "独生子女伤残或死亡的家庭", "身份证、户口簿、相关证明", "不收费", "", "计生干事"),
    ("计生", "流动人口婚育证明", 0, "即办件", "本地户籍外出育龄人员", "身份证、结婚证、近期照片", "不收费", "", "计生干事"),
    ("新农合/医保", "城乡居民医保参保登记", 0, "即办件", "未参加职工医保的城乡居民",
     "身份证、户口簿", "按年度标准缴费", "县医疗保障局年度缴费通知", "医保经办员"),
    ("新农合/医保", "医疗费用零星报销", 15, "上报件", "异地就医未直接结算的参保人员",
     "发票原件、费用清单、出院小结、身份证、银行卡", "不收费", "", "医保经办员"),
    ("新农合/医保", "慢性病门诊资格申请", 15, "上报件", "患有规定慢性病的参保人员",
     "病历、诊断证明、检查报告、身份证", "不收费", "", "医保经办员"),
    ("新农合/医保", "医保关系转移接续", 10, "上报件", "跨统筹地区流动的参保人员", "身份证、参保凭证", "不收费", "", "医保经办员"),
    ("国土", "农村宅基地申请初审", 20, "联办件", "本村集体经济组织成员，符合一户一宅规定",
     "申请表、户口簿、身份证、村民会议意见、四邻签字", "不收费", "", "国土管理员"),
    ("国土", "土地权属纠纷调处", 30, "联办件", "涉及本乡镇范围内的土地权属争议", "申请书、权属证明材料", "不收费", "", "国土管理员"),
    ("国土", "建房放样验线", 5, "承办件", "已取得宅基地批准书", "批准书、身份证", "不收费", "", "国土管理员"),
    ("国土", "不动产登记咨询", 0, "即办件", "无", "无", "不收费", "", "国土管理员"),
    ("劳动保障/就业", "城乡居民养老保险参保登记", 0, "即办件", "年满16周岁、未参加职工养老保险的居民",
     "身份证、户口簿", "按年度档次缴费", "县人社局年度缴费标准", "劳动保障协理员"),
    ("劳动保障/就业", "养老金领取资格认证", 0, "即办件", "已领取城乡居民养老金人员", "身份证", "不收费", "", "劳动保障协理员"),
    ("劳动保障/就业", "就业失业登记", 0, "即办件", "法定劳动年龄内有劳动能力的居民", "身份证、户口簿", "不收费", "", "劳动保障协理员"),
    ("劳动保障/就业", "就业困难人员认定", 10, "上报件", "符合就业困难人员条件的失业人员",
     "身份证、就业失业登记证、相关证明", "不收费", "", "劳动保障协理员"),
    ("劳动保障/就业", "职业技能培训报名", 5, "承办件", "有培训意愿的城乡劳动者", "身份证、照片", "不收费", "", "劳动保障协理员"),
    ("劳动保障/就业", "拖欠农民工工资投诉", 10, "联办件", "在本乡镇范围内务工被拖欠工资",
     "身份证、务工证明、欠薪证据", "不收费", "", "劳动保障协理员"),
    ("林业", "林木采伐许可初审", 10, "上报件", "持有林权证，采伐符合年度限额", "申请表、林权证、身份证", "不收费", "", "林业员"),
    ("林业", "林权证变更登记初审", 15, "上报件", "林地林木流转或继承", "林权证、合同或继承证明、身份证", "不收费", "", "林业员"),
    ("林业", "公益林补偿金发放查询", 0, "即办件", "公益林所有者", "身份证", "不收费", "", "林业员"),
    ("林业", "野生动物致害补偿申请", 15, "上报件", "野生动物造成农作物或人身损害",
     "损害情况说明、现场照片、身份证", "不收费", "", "林业员"),
    ("农技", "农业技术咨询", 0, "即办件", "无", "无", "不收费", "", "农技员"),
    ("农技", "耕地地力保护补贴核实", 10, "承办件", "承包耕地并实际种植的农户", "承包合同、身份证、银行卡", "不收费", "", "农技员"),
    ("农技", "农机购置补贴申请", 15, "上报件", "购买补贴目录内农机具的农户或合作社", "发票、身份证、农机照片", "不收费", "", "农技员"),
    ("农技", "病虫害防治上门指导", 3, "承办件", "种植户发现病虫害", "无", "不收费", "", "农技员"),
    ("农技", "农村土地承包经营权流转备案", 10, "承办件", "流转双方签订书面合同", "流转合同、身份证、承包证", "不收费", "", "农技员"),
    ("信访", "群众来访接待登记", 0, "即办件", "无", "无", "不收费", "", "信访专干"),
    ("信访", "信访事项办理", 30, "联办件", "属于本乡镇职权范围的信访事项", "信访材料、身份证", "不收费", "", "信访专干"),
    ("调解", "邻里纠纷调解", 15, "承办件", "双方自愿调解的民间纠纷", "调解申请、身份证", "不收费", "", "调解员"),
    ("调解", "婚姻家庭纠纷调解", 15, "承办件", "双方自愿调解", "调解申请、身份证", "不收费", "", "调解员"),
    ("调解", "法律援助申请转办", 5, "上报件", "经济困难需要法律援助的群众", "身份证、经济困难证明、案件材料", "不收费", "", "调解员"),
    ("综合", "户籍证明代办", 3, "上报件", "本地户籍居民", "身份证、户口簿", "不收费", "", "综合窗口"),
    ("综合", "村级证明盖章", 0, "即办件", "村（居）委会已出具意见", "村证明、身份证", "不收费", "", "综合窗口"),
    ("综合", "水电路等基础设施报修", 10, "联办件", "公共设施损坏影响群众生活", "报修情况说明、照片", "不收费", "", "综合窗口"),
]


def load_demo_catalogue(db: Database, actor: Actor) -> int:
    """Add the demo catalogue if the catalogue is empty; returns items added."""
    require(actor, "catalogue.write")
    if list_items(db):
        return 0
    with db.atomic():
        for i, (dept, name, days, kind, cond, mats, fee, basis, post) in enumerate(DEMO_CATALOGUE):
            records.insert(db, TABLE, validate_item({
                "department": dept, "name": name, "time_limit_days": days, "default_kind": kind,
                "conditions": cond, "materials": mats, "fee_amount": fee, "fee_basis": basis,
                "responsible_post": post, "sort_order": i,
                "procedure": "窗口受理→审核材料→办理→" + ("当场办结" if days == 0 else "限时办结→回复申请人"),
            }), actor)
    return len(DEMO_CATALOGUE)
