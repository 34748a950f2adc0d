"""The 干部任免审批表 PDF, the truthful duties notice, the 连心卡 numbers, the
staff facts notice, and leave with its stand-in (issue 18)."""

import datetime as dt
import io
import shutil

import pytest
from pypdf import PdfReader

from models.core import settings
from models.notices import registry as notices
from models.roster import team as roster
from models.roster import notices as roster_notices
from tests.roster_fixtures import roster_db_template


@pytest.fixture(scope="session")
def template(tmp_path_factory):
    return roster_db_template(tmp_path_factory)


@pytest.fixture
def admin():
    from models.core.users import ADMIN, Actor

    return Actor("admin", ADMIN, "管理员")


@pytest.fixture
def team_db(template, tmp_path):
    from models.core.db import close_database, open_database

    path = tmp_path / "team.db"
    shutil.copy(template, path)
    database = open_database(path, daily_backup=False)
    yield database
    close_database(database)


def pdf_text(pdf: bytes) -> list[str]:
    return [p.extract_text() for p in PdfReader(io.BytesIO(pdf)).pages]


def flat(pdf: bytes) -> str:
    """The PDF's text with the line breaks of wrapped paragraphs taken out."""
    return "".join(pdf_text(pdf)).replace("\n", "").replace(" ", "")


def member(db, role):
    return next(m for m in roster.current_team(db) if role in m["roles"])


# ---- 干部任免审批表 -----------------------------------------------------------------

def test_appointment_form_fields_read_back_from_the_pdf(team_db, admin):
    from reports.notices.roster import render_appointment_form

    m = member(team_db, "exec_deputy_head")
    roster.update_cadre(team_db, admin, m["uuid"], {
        "health": "健康", "expertise": "经济管理", "birth_place": "浙江临安", "appointment_reason": "工作需要",
        "school_fulltime": "浙江农林大学经济管理专业", "proposed_post": "青石镇党委副书记、镇长候选人",
        "removed_post": "青石镇常务副镇长",
        "resume": "1998.09--2002.07 浙江农林大学经济管理学院农林经济管理专业学习\n"
                  "2002.08--2008.03 临安县青石镇人民政府干部，其间：2004.09--2007.07 在中央党校函授学院经济管理专业"
                  "在职大学学习\n2015.06-- 青石镇党委副书记、常务副镇长"})
    form = roster.appointment_form(team_db, m["uuid"], on=dt.date(2026, 6, 30))
    pdf = render_appointment_form([form])
    pages = pdf_text(pdf)
    assert len(pages) == 2
    one, two = pages
    cadre = roster.get_cadre(team_db, m["uuid"])
    for label in ("干部任免审批表", "姓", "出生年月", "民", "籍", "入", "参加工", "健康状况", "专业技", "熟悉专业",
                  "全日制", "在", "毕业院校", "现任职务", "拟任职务", "拟免职务", "简"):
        assert label in one, label
    age = roster.age_at(cadre["birth_date"], dt.date(2026, 6, 30))
    for value in (cadre["name"], cadre["sex"], cadre["birth_date"][:7].replace("-", "."), f"（{age}岁）",
                  cadre["ethnicity"], cadre["native_place"], "浙江临安", "健康", "经济管理", cadre["edu_fulltime"],
                  "浙江农林大学经济管理专业", "青石镇党委副书记、镇长候选人", "青石镇常务副镇长",
                  "1998.09--2002.07", "2015.06--"):
        assert value in one, value
    # the résumé wraps under its text, not under the period: the continuation line has no period
    lines = [line for line in one.splitlines() if "在职大学学习" in line]
    assert lines and not lines[0].lstrip().startswith("20")
    for label in ("奖", "年", "任", "家庭主要", "称", "工作单位及职务", "呈报单位", "审", "行政"):
        assert label in two, label
    spouse = cadre["family"][0]
    assert spouse["name"] in two and "工作需要" in two and "中共测试镇委员会" in two
    assert cadre["id_number"] not in one + two and cadre["phone"] not in one + two


def test_appointment_form_of_many_cadres(team_db):
    from reports.notices.roster import render_appointment_form

    team = roster.current_team(team_db)[:3]
    pdf = render_appointment_form([roster.appointment_form(team_db, m["uuid"]) for m in team])
    pages = pdf_text(pdf)
    assert len(pages) == 6 and all(m["name"] in pages[2 * i] for i, m in enumerate(team))


def test_family_members_edited_on_the_roster(team_db, admin):
    m = member(team_db, "deputy_head")
    family = [{"relation": "妻子", "name": "王芳", "birth": "1984.05", "political_status": "中共党员", "work": "镇中心小学教师"},
              {"relation": "儿子", "name": "李明", "birth": "2010.09", "political_status": "共青团员", "work": "学生"}]
    roster.update_cadre(team_db, admin, m["uuid"], {"family": family})
    form = roster.appointment_form(team_db, m["uuid"], on=dt.date(2026, 6, 30))
    assert [(f["relation"], f["age"]) for f in form["family"]] == [("妻子", "42"), ("儿子", "15")]


# ---- 领导班子分工公示 ---------------------------------------------------------------

def test_duties_notice_names_the_gap_and_makes_no_false_claim(team_db, admin):
    params = notices.NoticeParams(date=dt.date(2026, 6, 30))
    text = flat(notices.publish(team_db, admin, "duties", params).pdf)
    assert "分工不重叠、职责不交叉" in text and "暂无分管领导" not in text
    roster.add_duty_area(team_db, admin, "乡村振兴", "农业农村")
    assert any("乡村振兴" in line for line in roster_notices.duties_findings(team_db, params))
    text = flat(notices.publish(team_db, admin, "duties", params).pdf)
    assert "乡村振兴" in text and "暂无分管领导" in text
    assert "分工不重叠" not in text and "每项工作均有明确的负责领导" not in text


def test_duties_notice_names_an_overlap(team_db, admin):
    area = next(a for a in roster.duty_areas(team_db) if a["name"] == "安全生产")
    roster.assign_duty(team_db, admin, area["uuid"], member(team_db, "armed")["uuid"], "分管")
    data = notices.gather(team_db, "duties", notices.NoticeParams())
    assert any("“安全生产”现由" in s and "共同分管" in s for s in data["sentences"])
    assert not any("分工不重叠" in s for s in data["sentences"])


# ---- 连心卡 and staff facts ----------------------------------------------------------

def test_liaison_cards_carry_public_numbers_never_private_mobiles(team_db, admin):
    secretary = member(team_db, "party_secretary")
    deputy = member(team_db, "deputy_head")
    roster.update_cadre(team_db, admin, secretary["uuid"], {"public_phone": "0571-63880099"})
    mobile = roster.get_cadre(team_db, deputy["uuid"])["phone"]
    roster.update_cadre(team_db, admin, deputy["uuid"], {"office_phone": None})
    data = notices.gather(team_db, "liaison_cards", notices.NoticeParams())
    by_name = {m["name"]: m["phone"] for m in data["team"]}
    assert by_name[secretary["name"]] == "0571-63880099"
    assert by_name[deputy["name"]] == "" and deputy["name"] in data["without_number"]
    text = "".join(pdf_text(notices.publish(team_db, admin, "liaison_cards").pdf))
    assert "0571-63880099" in text and mobile not in text
    # the cadre's record says the mobile may be published
    roster.update_cadre(team_db, admin, deputy["uuid"], {"publish_mobile": True})
    data = notices.gather(team_db, "liaison_cards", notices.NoticeParams())
    assert {m["name"]: m["phone"] for m in data["team"]}[deputy["name"]] == mobile


def test_staff_facts_notice_counts_from_the_roster(team_db, admin):
    from models.roster import stats

    on = dt.date(2026, 6, 30)
    s = stats.structure(team_db, ref_date=on)
    data = notices.gather(team_db, "staff_facts", notices.NoticeParams(date=on))
    assert f"全镇在职干部 {s['total']} 人" in data["sentences"][0]
    assert any(f"男 {s['sex']['男']} 人，女 {s['sex']['女']} 人" in x for x in data["sentences"])
    assert any(f"中共党员 {s['party']} 人" in x for x in data["sentences"])
    text = "".join(pdf_text(notices.publish(team_db, admin, "staff_facts", notices.NoticeParams(date=on)).pdf))
    assert "干部基本情况公示" in text and "核定编制" in text and "缺编" in text


# ---- 请销假 and 缺位补位 ------------------------------------------------------------------

def test_leave_approved_by_the_leader_in_charge_marks_the_board_and_the_stand_in(team_db, admin):
    from models.core.errors import ValidationError

    away = member(team_db, "deputy_head")
    secretary = member(team_db, "party_secretary")
    day = dt.date(2026, 6, 30)  # a Tuesday
    leave = roster.request_leave(team_db, admin, away["uuid"], "年休假", day, day + dt.timedelta(days=2), "探亲")
    row = next(r for r in roster.leave_requests(team_db, status="待批") if r["uuid"] == leave)
    assert row["approver"] == secretary["name"]  # a team member's leave goes to the secretary
    stand_in = row["stand_in"]
    assert stand_in and stand_in != away["name"]
    with pytest.raises(ValidationError, match="重叠"):
        roster.request_leave(team_db, admin, away["uuid"], "事假", day + dt.timedelta(days=1), day + dt.timedelta(days=1))
    assert roster.stand_ins(team_db, day) == {}  # not approved yet
    roster.decide_leave(team_db, admin, leave, True, "同意", decided_on=dt.date(2026, 6, 29))
    board = {r["uuid"]: r for r in roster.whereabouts_board(team_db, day)}
    assert board[away["uuid"]]["status"] == "请假"
    covered = roster.stand_ins(team_db, day)[away["uuid"]]
    assert covered["stand_in"] == stand_in and covered["until"] == "2026-07-02"
    duties = {d["uuid"]: d for d in roster.division_of_duties(team_db, on=day)}
    assert duties[away["uuid"]]["away"]["stand_in"] == stand_in
    # back a day early: the last day comes off the board
    roster.return_from_leave(team_db, admin, leave, day + dt.timedelta(days=2))
    assert {r["uuid"]: r for r in roster.whereabouts_board(team_db, day + dt.timedelta(days=2))}[away["uuid"]][
        "status"] != "请假"
    assert roster.stand_ins(team_db, day) == {}


def test_staff_leave_goes_to_the_leader_in_charge_of_their_office(team_db, admin):
    office = next(a for a in roster.duty_areas(team_db) if a["office_uuid"] and a["leaders"])
    staff = next(c for c in roster.list_cadres(team_db) if c["office_uuid"] == office["office_uuid"]
                 and c["uuid"] not in {m["uuid"] for m in roster.current_team(team_db)})
    leave = roster.request_leave(team_db, admin, staff["uuid"], "病假", "2026-06-30", "2026-06-30")
    row = next(r for r in roster.leave_requests(team_db) if r["uuid"] == leave)
    assert row["approver"] == office["leaders"][0]["name"] and row["stand_in"] is None
    roster.decide_leave(team_db, admin, leave, False, "工作紧，改期", decided_on="2026-06-29")
    assert next(r for r in roster.leave_requests(team_db, status="不批准") if r["uuid"] == leave)[
        "decision_note"] == "工作紧，改期"
    assert {r["uuid"]: r for r in roster.whereabouts_board(team_db, "2026-06-30")}[staff["uuid"]]["status"] != "请假"
