"""Schema migrations of the roster domain (see models/core/migrations.py).

Cadres, organs, posts and appointments (a cadre may hold several posts at
once: 交叉任职), duty areas and who is in charge of them, village liaison,
contact points, village 两委 members and the daily whereabouts board.
References to villages and offices (foundation tables) are soft uuids.
"""

from __future__ import annotations

from sqlite_utils import Migrations

from models.core.records import create_travel_table
from models.core.travel import register_travel_table
from models.handoff.reference import register_reference_table

from typing import TYPE_CHECKING

if TYPE_CHECKING:  # annotations only
    from sqlite_utils import Database

migrations = Migrations("roster")

# Parents before children: the handoff import follows this order.
for _name in ("cadres", "organs", "posts", "appointments", "duty_areas", "duty_assignments",
              "village_liaisons", "contact_points", "village_officials", "whereabouts", "leave_requests"):
    register_travel_table(_name)


@migrations()
def m001_roster(db: Database):
    create_travel_table(
        db, "cadres",
        "name TEXT NOT NULL, "
        "name_pinyin TEXT NOT NULL DEFAULT '', "      # 'zhangsan' (search)
        "name_initials TEXT NOT NULL DEFAULT '', "    # 'zs' (search-as-you-type)
        "sex TEXT, ethnicity TEXT, "
        "birth_date TEXT, "                            # 'YYYY-MM-DD' or 'YYYY-MM'
        "id_number TEXT, phone TEXT, "
        "native_place TEXT, birth_place TEXT, "
        "political_status TEXT, party_join_date TEXT, work_start_date TEXT, "
        "edu_fulltime TEXT, degree_fulltime TEXT, school_fulltime TEXT, "
        "edu_inservice TEXT, degree_inservice TEXT, school_inservice TEXT, "
        "specialty TEXT, "
        "rank TEXT, "                                  # 副县 / 正科 / 副科 / 科员及办事员
        "staffing TEXT, "                              # 在编 / 聘用
        "office_uuid TEXT, "                           # soft ref to offices (where a staff member works)
        "status TEXT NOT NULL DEFAULT '在职', "          # 在职 / 离任
        "left_date TEXT, "
        "current_post_text TEXT, "                     # 现任职务 as printed on forms
        "proposed_post TEXT, "                         # 拟任职务 (任前公示)
        "removed_post TEXT, "                          # 拟免职务
        "nomination TEXT, "                            # '' / 继续提名 / 新提名 (age rules)
        "resume TEXT, "                                # lines 'YYYY.MM--YYYY.MM text'
        "rewards TEXT, "
        "annual_assessments TEXT, "
        "family TEXT, "                                # JSON list of {relation,name,birth,political_status,work}
        "photo BLOB, "
        "note TEXT",
    )
    db.execute("CREATE INDEX idx_cadres_initials ON cadres(name_initials)")
    db.execute("CREATE INDEX idx_cadres_pinyin ON cadres(name_pinyin)")
    db.execute("CREATE INDEX idx_cadres_name ON cadres(name)")
    db.execute("CREATE INDEX idx_cadres_list ON cadres(township_code, deleted, status, name_pinyin)")
    db.execute("CREATE INDEX idx_cadres_office ON cadres(office_uuid)")

    create_travel_table(
        db, "organs",
        "name TEXT NOT NULL, kind TEXT, sort_order INTEGER NOT NULL DEFAULT 0",
    )
    create_travel_table(
        db, "posts",
        "organ_uuid TEXT NOT NULL REFERENCES organs(uuid), "
        "title TEXT NOT NULL, "
        "role TEXT, "                                  # machine role for rule checks, see models.roster.team.ROLES
        "rank TEXT, "
        "is_team INTEGER NOT NULL DEFAULT 0, "          # a seat of the leadership team (班子成员)
        "description TEXT, "                           # 职位说明书
        "sort_order INTEGER NOT NULL DEFAULT 0",
    )
    db.execute("CREATE INDEX idx_posts_organ ON posts(organ_uuid, sort_order)")

    create_travel_table(
        db, "appointments",
        "cadre_uuid TEXT NOT NULL REFERENCES cadres(uuid), "
        "post_uuid TEXT NOT NULL REFERENCES posts(uuid), "
        "start_date TEXT, end_date TEXT, "              # end_date NULL = current
        "term TEXT, "                                  # 届次
        "method TEXT, "                                # 选任 / 委任
        "note TEXT",
    )
    db.execute("CREATE INDEX idx_appointments_cadre ON appointments(cadre_uuid, end_date)")
    db.execute("CREATE INDEX idx_appointments_post ON appointments(post_uuid, end_date)")

    create_travel_table(
        db, "duty_areas",
        "name TEXT NOT NULL, "
        "is_finance INTEGER NOT NULL DEFAULT 0, "
        "office_uuid TEXT, "                           # soft: the office reporting to this area's leader
        "sort_order INTEGER NOT NULL DEFAULT 0, note TEXT",
    )
    create_travel_table(
        db, "duty_assignments",
        "area_uuid TEXT NOT NULL REFERENCES duty_areas(uuid), "
        "cadre_uuid TEXT NOT NULL REFERENCES cadres(uuid), "
        "kind TEXT NOT NULL DEFAULT '分管'",             # 分管 / 协管 / 具体负责
    )
    db.execute("CREATE INDEX idx_duty_assign_area ON duty_assignments(area_uuid)")
    db.execute("CREATE INDEX idx_duty_assign_cadre ON duty_assignments(cadre_uuid)")

    create_travel_table(
        db, "village_liaisons",
        "village_uuid TEXT NOT NULL, "                 # soft ref to villages
        "cadre_uuid TEXT NOT NULL REFERENCES cadres(uuid), "
        "kind TEXT NOT NULL DEFAULT '联村', "            # 驻村 / 联村
        "start_date TEXT, end_date TEXT",
    )
    db.execute("CREATE INDEX idx_liaison_village ON village_liaisons(village_uuid)")
    db.execute("CREATE INDEX idx_liaison_cadre ON village_liaisons(cadre_uuid)")

    create_travel_table(
        db, "contact_points",
        "cadre_uuid TEXT NOT NULL REFERENCES cadres(uuid), "
        "name TEXT NOT NULL, kind TEXT, note TEXT",      # kind: 企业 / 学校 / 项目 / 部门
    )
    db.execute("CREATE INDEX idx_contact_cadre ON contact_points(cadre_uuid)")

    create_travel_table(
        db, "village_officials",
        "village_uuid TEXT NOT NULL, name TEXT NOT NULL, "
        "roles TEXT NOT NULL, "                        # '书记,主任' = 一肩挑
        "sex TEXT, birth_date TEXT, phone TEXT, political_status TEXT, term TEXT, note TEXT",
    )
    db.execute("CREATE INDEX idx_village_officials ON village_officials(village_uuid)")

    create_travel_table(
        db, "whereabouts",
        "cadre_uuid TEXT NOT NULL REFERENCES cadres(uuid), "
        "date TEXT NOT NULL, status TEXT NOT NULL, "      # 在岗 / 下村 / 开会 / 出差 / 请假 / 学习 / 值班 / 休息
        "place TEXT, note TEXT",
    )
    db.execute("CREATE UNIQUE INDEX idx_whereabouts_day ON whereabouts(cadre_uuid, date) WHERE deleted = 0")
    db.execute("CREATE INDEX idx_whereabouts_date ON whereabouts(date, status)")


# Area kinds known before m002 named the finance flag only; the rest are read
# from the area's name (the words of models.roster.team.AREA_KINDS).
_M002_KIND_WORDS = [
    ("财政金融", ("财政", "金融", "财务", "国资", "审计", "税")), ("党的建设", ("党建", "党的建设", "组织")),
    ("纪检监察", ("纪检", "监察", "廉政")), ("人大工作", ("人大",)), ("政协工作", ("政协",)),
    ("经济发展", ("经济", "招商", "工业", "企业", "商贸")), ("农业农村", ("农业", "农村", "乡村", "林业", "水利")),
    ("社会事务", ("社会", "民政", "残联", "教育", "卫生", "文化", "便民")), ("城镇建设", ("城镇", "建设", "规划", "环境")),
    ("安全稳定", ("安全", "综治", "信访", "维稳", "武装", "应急")), ("宣传统战", ("宣传", "统战", "群团")),
]


@migrations()
def m002_team_rules(db: Database):
    """Duty-area kinds (the finance rule reads them, not a manual flag), the
    cadre's public contact numbers, and leave requests (请销假)."""
    db.execute("ALTER TABLE duty_areas ADD COLUMN kind TEXT NOT NULL DEFAULT '其他'")
    for uuid, name, is_finance in db.execute("SELECT uuid, name, is_finance FROM duty_areas").fetchall():
        kind = "财政金融" if is_finance else next(
            (k for k, words in _M002_KIND_WORDS if any(w in (name or "") for w in words)), "其他")
        db.execute("UPDATE duty_areas SET kind = ? WHERE uuid = ?", [kind, uuid])
    db.execute("ALTER TABLE cadres ADD COLUMN office_phone TEXT")       # 办公电话 (public)
    db.execute("ALTER TABLE cadres ADD COLUMN public_phone TEXT")       # 公开联系电话 (public)
    db.execute("ALTER TABLE cadres ADD COLUMN publish_mobile INTEGER NOT NULL DEFAULT 0")  # may print `phone`
    create_travel_table(
        db, "leave_requests",
        "cadre_uuid TEXT NOT NULL REFERENCES cadres(uuid), "
        "kind TEXT NOT NULL, "                          # 事假 / 病假 / 年休假 …
        "start_date TEXT NOT NULL, end_date TEXT NOT NULL, reason TEXT, "
        "approver_uuid TEXT, "                          # the leader in charge who decides
        "stand_in_uuid TEXT, "                          # 缺位补位: who covers a team member's duties
        "status TEXT NOT NULL DEFAULT '待批', "           # 待批 / 批准 / 不批准 / 已销假 / 撤回
        "decided_on TEXT, decision_note TEXT, returned_on TEXT",
    )
    db.execute("CREATE INDEX idx_leave_cadre ON leave_requests(cadre_uuid, start_date)")
    db.execute("CREATE INDEX idx_leave_dates ON leave_requests(start_date, end_date)")


@migrations()
def m003_appointment_form(db: Database):
    """Fields of the 干部任免审批表 the roster did not keep: 健康状况, 熟悉专业有何专长
    (apart from 专业技术职务), and the 任免理由 of the proposed change."""
    db.execute("ALTER TABLE cadres ADD COLUMN health TEXT")
    db.execute("ALTER TABLE cadres ADD COLUMN expertise TEXT")
    db.execute("ALTER TABLE cadres ADD COLUMN appointment_reason TEXT")


# The county's rule set (team shape, eligibility, finance rule) travels to the
# townships in the reference package; see models.roster.rules.send/adopt_county_rules.
register_reference_table("county_rules")


@migrations()
def m004_county_rules(db: Database):
    """The rule set a county sends its townships: setting key → JSON value."""
    db.execute("CREATE TABLE county_rules (key TEXT PRIMARY KEY, value TEXT NOT NULL)")
