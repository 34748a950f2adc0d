"""Cadres, appointments, whereabouts and the plain-dict views other domains use."""

import datetime as dt

import pytest

from models.core import audit

from models.roster import team as roster

from models.roster import stats as roster_stats
from models.core.errors import PermissionDenied, ValidationError

GOOD_ID = "11010519491231002X"  # 1949-12-31, 女


def test_add_cadre_derives_birth_and_sex_and_pinyin(db, admin):
    uuid = roster.add_cadre(db, admin, {"name": "张三", "id_number": GOOD_ID})
    c = roster.get_cadre(db, uuid)
    assert (c["birth_date"], c["sex"], c["name_initials"], c["name_pinyin"]) == ("1949-12-31", "女", "zs", "zhangsan")
    assert audit.recent(db, 5, "cadres")[0]["action"] == "insert"


@pytest.mark.parametrize("values,field", [
    ({"name": "张三", "id_number": "110105194912310021"}, "身份证号"),
    ({"name": "张三", "id_number": GOOD_ID, "birth_date": "1950-01-01"}, "出生日期"),
    ({"name": "张三", "id_number": GOOD_ID, "sex": "男"}, "性别"),
    ({"name": "张三", "birth_date": "2999-01-01"}, "出生日期"),
    ({"name": "张三", "work_start_date": "2999-01"}, "参加工作时间"),
    ({"name": "张三", "resume": "长" * 10000}, "简历"),
    ({"name": "张三", "note": "a\x00b"}, "备注"),
    ({"name": ""}, "姓名"),
    ({"name": "张三", "phone": "12345"}, "电话"),
    ({"name": "张三", "rank": "职" * 21}, "职级"),  # too long; a rank outside the list is kept (issue 17)
])
def test_bad_cadre_input_names_the_field(db, admin, values, field):
    with pytest.raises(ValidationError) as e:
        roster.add_cadre(db, admin, values)
    assert e.value.field == field
    assert db.execute("SELECT count(*) FROM cadres").fetchone()[0] == 0


def test_duplicate_id_number_refused(db, admin):
    roster.add_cadre(db, admin, {"name": "张三", "id_number": GOOD_ID})
    with pytest.raises(ValidationError, match="重复"):
        roster.add_cadre(db, admin, {"name": "李四", "id_number": GOOD_ID})


def test_write_needs_roster_write(db, actor_of):
    with pytest.raises(PermissionDenied):
        roster.add_cadre(db, actor_of("window"), {"name": "张三"})


@pytest.fixture
def structure(db, admin):
    return roster.create_standard_structure(db, admin)


def test_cross_appointment_and_team(db, admin, structure):
    a = roster.add_cadre(db, admin, {"name": "王书记", "sex": "男", "birth_date": "1978-05"})
    roster.appoint(db, admin, a, structure["党委书记"], "2024-01-01")
    roster.appoint(db, admin, a, structure["镇长"], "2024-01-01")
    b = roster.add_cadre(db, admin, {"name": "李干事", "sex": "女"})
    roster.appoint(db, admin, b, structure["干事"])
    team = roster.current_team(db)
    assert [m["name"] for m in team] == ["王书记"]
    assert team[0]["titles"] == "党委书记、镇长" and team[0]["dual_head"]
    listed = {c["name"]: c["posts"] for c in roster.list_cadres(db)}
    assert listed == {"王书记": "党委书记、镇长", "李干事": "干事"}


def test_appointment_bad_input(db, admin, structure):
    a = roster.add_cadre(db, admin, {"name": "王五"})
    with pytest.raises(ValidationError, match="早于任职时间"):
        roster.appoint(db, admin, a, structure["副镇长"], "2024-05-01", "2024-01-01")
    roster.appoint(db, admin, a, structure["副镇长"], "2024-01-01")
    with pytest.raises(ValidationError, match="重复任职"):
        roster.appoint(db, admin, a, structure["副镇长"], "2025-01-01")
    with pytest.raises(ValidationError, match="未来"):
        roster.appoint(db, admin, a, structure["党委委员"], "2999-01-01")
    assert len(roster.current_appointments(db, a)) == 1


def test_search_by_initials_pinyin_post_and_village(db, admin, structure):
    from models.core import township

    village = township.add_village(db, admin, "青石村", 100)
    a = roster.add_cadre(db, admin, {"name": "张三"})
    roster.add_cadre(db, admin, {"name": "李四"})
    roster.appoint(db, admin, a, structure["副镇长"])
    roster.add_liaison(db, admin, village, a, "驻村")
    for text in ("zs", "ZS", "zhang", "张", "副镇长", "青石"):
        assert [c["name"] for c in roster.search_cadres(db, text)] == ["张三"], text
    assert roster.count_cadres(db, "z") == 1 and roster.count_cadres(db, "") == 2


def test_whereabouts_board_history_and_attendance(db, admin):
    a = roster.add_cadre(db, admin, {"name": "张三"})
    b = roster.add_cadre(db, admin, {"name": "李四"})
    day = dt.date(2026, 3, 2)
    roster.set_whereabouts(db, admin, a, day, "下村", "青石村")
    roster.set_whereabouts(db, admin, a, day, "开会")  # changed later the same day
    roster.set_whereabouts_many(db, admin, day + dt.timedelta(days=1), {a: "在岗", b: ("请假", "", "病假")})
    board = {r["name"]: r["status"] for r in roster.whereabouts_board(db, day)}
    assert board == {"张三": "开会", "李四": ""}
    assert [h["status"] for h in roster.whereabouts_history(db, a)] == ["在岗", "开会"]
    changes = [r for r in audit.recent(db, 20, "whereabouts") if r["action"] == "update"]
    assert '"下村"' in changes[0]["before"]  # the earlier status is kept
    summary = roster.attendance_summary(db, day, day + dt.timedelta(days=1))
    assert summary[a]["days"] == 2 and summary[a]["meeting"] == 1 and summary[a]["present"] == 1
    assert summary[b]["leave"] == 1
    with pytest.raises(ValidationError):
        roster.set_whereabouts(db, admin, a, day, "逛街")


def test_division_of_duties_and_pre_appointment(db, admin, structure):
    from models.core import township

    village = township.add_village(db, admin, "东岭村", 100)
    a = roster.add_cadre(db, admin, {"name": "王书记", "proposed_post": "党委书记（连任）", "nomination": "继续提名",
                                     "id_number": GOOD_ID, "phone": "13812345678"})
    roster.appoint(db, admin, a, structure["党委书记"])
    area = roster.add_duty_area(db, admin, "党的建设")
    roster.assign_duty(db, admin, area, a)
    roster.add_liaison(db, admin, village, a)
    roster.add_contact_point(db, admin, a, "镇中心小学", "学校")
    d = roster.division_of_duties(db)[0]
    assert (d["name"], d["posts"], d["duty_areas"], d["villages"], d["contact_points"]) == \
        ("王书记", "党委书记", ["党的建设"], ["东岭村"], ["镇中心小学"])
    notice = roster.pre_appointment_list(db)[0]
    assert notice["current_post"] == "党委书记" and notice["proposed_post"] == "党委书记（连任）"
    assert "id_number" not in notice and "phone" not in notice


def test_structure_statistics(db, admin):
    roster.add_cadre(db, admin, {"name": "张三", "sex": "男", "birth_date": "1990-01-01", "edu_fulltime": "本科",
                                 "political_status": "中共党员", "rank": "副科", "staffing": "在编"})
    roster.add_cadre(db, admin, {"name": "李四", "sex": "女", "birth_date": "1970-06", "edu_fulltime": "中专",
                                 "edu_inservice": "大专", "rank": "科员及办事员"})
    s = roster_stats.structure(db, ref_date=dt.date(2026, 1, 1))
    assert s["total"] == 2 and s["sex"] == {"男": 1, "女": 1} and s["party"] == 1
    assert s["age"]["31—40岁"] == 1 and s["age"]["51岁及以上"] == 1
    assert s["education"]["本科"] == 1 and s["education"]["大专"] == 1
    assert s["average_age"] == 45.5
    pyramid = roster_stats.age_pyramid(db, ref_date=dt.date(2026, 1, 1))
    assert sum(r["male"] + r["female"] for r in pyramid) == 2


def test_resume_lines_take_the_form_shape(db, admin):
    uuid = roster.add_cadre(db, admin, {"name": "张三", "resume": "1990.9-1994.07 大学学习\n1994.08—  青石镇工作"})
    assert roster.get_cadre(db, uuid)["resume"] == "1990.09--1994.07 大学学习\n1994.08-- 青石镇工作"
