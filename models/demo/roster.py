"""Demo data of the roster domain (called by models/demo/township.py).

An 11-member team with 一肩挑 and cross-appointments, about 50 staff filling
the offices' establishment, duty areas each with one leader, liaison covering
every village, village 两委, contact points and two weeks of whereabouts.
Exactly one rule warning is deliberate: a general cadre with 4 duties.
"""

from __future__ import annotations

import datetime as dt

from models.core import records

from models.roster import team as roster

from models.core import township

from typing import TYPE_CHECKING

if TYPE_CHECKING:  # annotations only
    from models.core.users import Actor
    from sqlite_utils import Database

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董潘袁蔡蒋余于杜叶程魏苏吕丁任沈姚卢"
GIVEN_M = ["建国", "志强", "海峰", "文军", "国平", "立新", "伟", "斌", "军", "明", "浩然", "俊杰", "宏伟", "晓东", "振华",
           "永刚", "德胜", "春生", "卫东", "鹏", "磊", "超", "勇", "杰", "涛", "亮", "健", "峰", "辉", "凯"]
GIVEN_F = ["丽", "芳", "敏", "静", "燕", "红梅", "秀英", "晓燕", "丹", "婷", "雪", "慧", "玲", "霞", "琳", "颖", "倩", "娟"]

# (posts by title, sex, age, rank, education) of the 11 members
TEAM = [
    (["党委书记", "镇长"], "男", 46, "正科", "研究生"),
    (["党委副书记", "常务副镇长"], "男", 44, "正科", "本科"),
    (["党委副书记", "人大主席团主席"], "男", 53, "正科", "本科"),
    (["党委副书记", "纪委书记"], "男", 48, "副科", "本科"),
    (["党委委员", "副镇长"], "男", 41, "副科", "本科"),
    (["党委委员", "副镇长"], "女", 38, "副科", "研究生"),
    (["党委委员", "副镇长"], "男", 36, "副科", "本科"),
    (["党委委员", "人武部部长"], "男", 45, "副科", "大专"),
    (["党委委员"], "男", 39, "副科", "本科"),
    (["党委委员", "妇联主席"], "女", 35, "副科", "本科"),
    (["党委委员", "政协联络员"], "男", 50, "副科", "大专"),
]
# duty area, kind, office name, team member index in charge
AREAS = [
    ("党的建设", "党的建设", "党政综合办公室", 0), ("财政金融", "财政金融", "财政所", 1),
    ("经济发展", "经济发展", "经济发展办公室", 1), ("人大工作", "人大工作", None, 2), ("纪检监察", "纪检监察", None, 3),
    ("农业农村", "农业农村", None, 4), ("招商引资", "经济发展", None, 4), ("社会事务", "社会事务", "社会事务办公室", 5),
    ("民政残联", "社会事务", None, 5), ("便民服务", "社会事务", "便民服务中心", 5),
    ("城镇建设", "城镇建设", "综合行政执法队", 6), ("安全生产", "安全稳定", None, 6), ("人民武装", "安全稳定", None, 7),
    ("综治信访", "安全稳定", None, 7), ("组织人事", "党的建设", None, 8), ("宣传统战", "宣传统战", None, 9),
    ("群团工作", "宣传统战", None, 9), ("政协工作", "政协工作", None, 10),
]
CONTACTS = ["青石建材有限公司", "东岭茶业合作社", "镇中心小学", "镇初级中学", "美丽乡村示范带项目", "工业园区二期",
            "桃源农家乐集聚区", "竹林笋干加工厂", "卫生院改扩建项目", "金湖水库除险加固"]
DESCRIPTIONS = {
    "党委书记": "主持镇党委全面工作，对全镇经济社会发展负总责；原则上不分管财政。",
    "常务副镇长": "协助镇长处理政府日常工作，分管财政金融、经济发展，联系财政所、经济发展办公室。",
    "纪委书记": "主持镇纪委工作，负责党风廉政建设和反腐败工作，监督检查各项制度执行。",
    "办公室主任": "负责本办（所、中心）日常工作，向分管领导请示汇报，安排干事、助理员分工。",
}
PROVINCE_AREA = "330122"  # known to python-stdnum's birth-place table


def _id_number(rng, birth: dt.date, sex: str) -> str:
    from stdnum.cn import ric

    seq = rng.randrange(0, 50) * 2 + (1 if sex == "男" else 0) + rng.randrange(1, 9) * 100
    body = f"{PROVINCE_AREA}{birth:%Y%m%d}{seq:03d}"
    return body + ric.calc_check_digit(body + "0")  # expects a full-length number


def _person(rng, used: set, sex: str | None = None) -> tuple[str, str]:
    sex = sex or ("女" if rng.random() < 0.3 else "男")
    while True:
        name = rng.choice(SURNAMES) + rng.choice(GIVEN_F if sex == "女" else GIVEN_M)
        if name not in used:
            used.add(name)
            return name, sex


def _cadre_values(rng, used, today, sex=None, age=None, rank="科员及办事员", edu=None, staffing="在编"):
    name, sex = _person(rng, used, sex)
    age = age or rng.randint(24, 56)
    birth = dt.date(today.year - age, rng.randint(1, 12), rng.randint(1, 28))
    if birth > today.replace(year=today.year - age):
        birth = birth.replace(year=birth.year - 1)
    edu = edu or rng.choice(["本科", "本科", "大专", "大专", "研究生", "中专"])
    work_year = min(birth.year + {"研究生": 25, "本科": 22, "大专": 21}.get(edu, 19), today.year - 1)
    party = rng.random() < 0.85
    resume = [f"{birth.year + 15}.09--{work_year}.07 {'学校学习' if edu != '中专' else '中专学习'}",
              f"{work_year}.08-- 青石镇工作"]
    values = {
        "name": name, "sex": sex, "ethnicity": "汉族" if rng.random() < 0.95 else "畲族",
        "id_number": _id_number(rng, birth, sex), "phone": f"13{rng.randint(0, 9)}{rng.randint(10000000, 99999999)}",
        "native_place": rng.choice(["浙江临安", "浙江杭州", "浙江富阳", "浙江桐庐", "安徽歙县"]),
        "political_status": "中共党员" if party else rng.choice(["群众", "共青团员"]),
        "party_join_date": f"{min(work_year + rng.randint(0, 5), today.year - 1)}-{rng.randint(1, 12):02d}" if party else None,
        "work_start_date": f"{work_year}-08",
        "edu_fulltime": edu, "degree_fulltime": {"研究生": "硕士", "本科": "学士"}.get(edu, ""),
        "rank": rank, "staffing": staffing, "resume": "\n".join(resume),
        "annual_assessments": f"{today.year - 3}年称职；{today.year - 2}年优秀；{today.year - 1}年称职",
        "family": [{"relation": "配偶", "name": _person(rng, set(), "女" if sex == "男" else "男")[0],
                    "birth": f"{birth.year + rng.randint(-2, 2)}.{rng.randint(1, 12):02d}",
                    "political_status": "群众", "work": "临安区某单位职工"}],
    }
    # The 任免审批表's other boxes, derived (no draw from rng: the demo stays the same township).
    values.update({"birth_place": values["native_place"], "health": "健康",
                   "expertise": {"研究生": "经济管理", "本科": "基层治理"}.get(edu, "群众工作")})
    return values


def _age(db: Database, cadre_uuid: str, today: dt.date) -> int | None:
    cadre = roster.get_cadre(db, cadre_uuid)
    return roster.age_at(cadre["birth_date"], today) if cadre else None


def fill(db: Database, rng, actor: Actor, options) -> None:
    """Add the demo roster. rng is a seeded random.Random."""
    # A county benchmark database holds many demo townships: scope to this one.
    code = records.local_township_code(db)
    if db.execute("SELECT 1 FROM cadres WHERE deleted = 0 AND township_code = ? LIMIT 1", [code]).fetchone():
        return
    today = dt.date.today()
    used: set = set()
    post_ids = roster.create_standard_structure(db, actor)
    for title, text in DESCRIPTIONS.items():
        roster.update_post(db, actor, post_ids[title], description=text)

    with db.atomic():
        team: list[str] = []
        for titles, sex, age, rank, edu in TEAM:
            values = _cadre_values(rng, used, today, sex, age, rank, edu)
            values["current_post_text"] = "、".join(titles)
            # a public office line for each leader (连心卡); the mobile stays private
            values["office_phone"] = f"0571-6388{len(team) + 1:04d}"
            uuid = roster.add_cadre(db, actor, values)
            for title in titles:
                roster.appoint(db, actor, uuid, post_ids[title], f"{today.year - 3}-{rng.randint(1, 3):02d}",
                               method="选任" if title in ("党委书记", "党委副书记", "党委委员", "镇长", "副镇长",
                                                         "人大主席团主席", "纪委书记") else "委任",
                               term="第十六届")
            team.append(uuid)

        offices = {o["name"]: o for o in township.offices(db, code)}
        staff = []
        for office in offices.values():
            for i in range(office["establishment"]):
                values = _cadre_values(rng, used, today, rank=rng.choice(["科员及办事员", "科员及办事员", "副科"]))
                values["office_uuid"] = office["uuid"]
                uuid = roster.add_cadre(db, actor, values)
                title = "办公室主任" if i == 0 else rng.choice(["干事", "助理员"])
                roster.appoint(db, actor, uuid, post_ids[title], f"{today.year - rng.randint(1, 8)}-{rng.randint(1, 12):02d}")
                staff.append(uuid)
        for _ in range(6):  # 聘用 staff, outside the establishment
            values = _cadre_values(rng, used, today, age=rng.randint(23, 35), staffing="聘用")
            values["office_uuid"] = rng.choice(list(offices.values()))["uuid"]
            uuid = roster.add_cadre(db, actor, values)
            roster.appoint(db, actor, uuid, post_ids["助理员"], f"{today.year - 1}-03", method="聘任")
            staff.append(uuid)
        # Two nominees for a 任前公示, within the age limits.
        young = next(uuid for uuid in staff if (_age(db, uuid, today) or 99) <= 40)
        roster.update_cadre(db, actor, young, {"proposed_post": "党政综合办公室副主任", "nomination": "新提名"})
        roster.update_cadre(db, actor, team[6], {"proposed_post": "党委副书记（提名）", "nomination": "继续提名"})

        area_ids = []
        for i, (name, kind, office_name, leader) in enumerate(AREAS):
            office_uuid = offices[office_name]["uuid"] if office_name in offices else None
            area = roster.add_duty_area(db, actor, name, kind, office_uuid, sort_order=i)
            roster.assign_duty(db, actor, area, team[leader], "分管")
            area_ids.append(area)
        # General cadres assist 1–3 areas; one of them deliberately 4 (the one warning).
        for k, uuid in enumerate(staff[:24]):
            count = 4 if k == 5 else rng.randint(1, 3)
            for area in rng.sample(area_ids, count):
                roster.assign_duty(db, actor, area, uuid, "协管")

        villages = township.villages(db, code)
        for i, v in enumerate(villages):
            roster.add_liaison(db, actor, v["uuid"], team[i % len(team)], "联村", f"{today.year - 3}-03")
            roster.add_liaison(db, actor, v["uuid"], staff[i], "驻村", f"{today.year - 2}-03")
            secretary, _ = _person(rng, used)
            if i % 10 == 9:  # most villages have 一肩挑, two do not
                roster.add_village_official(db, actor, v["uuid"], secretary, ["书记"], term="第十二届")
                roster.add_village_official(db, actor, v["uuid"], _person(rng, used)[0], ["主任"], term="第十二届")
            else:
                roster.add_village_official(db, actor, v["uuid"], secretary, ["书记", "主任"], term="第十二届")
            roster.add_village_official(db, actor, v["uuid"], _person(rng, used)[0], ["会计"], term="第十二届")
            roster.add_village_official(db, actor, v["uuid"], _person(rng, used, "女")[0], ["妇女主任"], sex="女",
                                        term="第十二届")
        for i, name in enumerate(CONTACTS):
            roster.add_contact_point(db, actor, team[i % len(team)], name,
                                     "企业" if "公司" in name or "厂" in name or "社" in name
                                     else "学校" if "学" in name else "项目")

        statuses = ["在岗"] * 12 + ["下村"] * 4 + ["开会"] * 2 + ["出差", "请假", "学习"]
        for back in range(13, -1, -1):
            day = today - dt.timedelta(days=back)
            if not _is_workday(day):
                continue
            entries = {}
            for uuid in team + staff:
                status = rng.choice(statuses)
                place = rng.choice(villages)["name"] if status == "下村" else ("区里" if status in ("开会", "学习") else "")
                entries[uuid] = (status, place, "")
            roster.set_whereabouts_many(db, actor, day, entries)
        # One leader on approved leave this week (the 专职副书记 stands in on the duties board),
        # one staff request still waiting for the leader in charge.
        start = today
        while not _is_workday(start):
            start += dt.timedelta(days=1)
        leave = roster.request_leave(db, actor, team[4], "年休假", start, start + dt.timedelta(days=2), "探亲")
        if (start + dt.timedelta(days=2)).year == today.year:  # the working-day calendar covers this year
            roster.decide_leave(db, actor, leave, True, "同意", decided_on=today)
        roster.request_leave(db, actor, staff[3], "事假", start + dt.timedelta(days=7), start + dt.timedelta(days=7),
                             "家中有事")


def _is_workday(day: dt.date) -> bool:
    import chinese_calendar

    try:
        return chinese_calendar.is_workday(day)
    except NotImplementedError:  # a year the holiday data does not cover
        return day.weekday() < 5
