"""Every notice kind: generated from the demo database (or, where the demo has
no data yet, from the domain functions' documented shapes), read back with
pypdf: expected Chinese text, no full ID number or mobile number, fonts
embedded; recorded with serial and hash; checked by check-notice."""

import datetime as dt
import hashlib
import io

import pytest
from pypdf import PdfReader

from models.notices import registry as notices

from models.core import settings
from models.core.errors import PermissionDenied, ValidationError
from models.core.personal import find_private_numbers
from models.core.users import CLI_ACTOR, Actor, READONLY

VALID_ID = "11010519491231002X"
MOBILE = "13987654321"


def pdf_text(pdf: bytes) -> str:
    return "".join((p.extract_text() or "") for p in PdfReader(io.BytesIO(pdf)).pages).replace("\n", "")


def fonts_embedded(pdf: bytes) -> bool:
    reader = PdfReader(io.BytesIO(pdf))
    found = False
    for page in reader.pages:
        for f in ((page.get("/Resources") or {}).get("/Font") or {}).values():
            f = f.get_object()
            descriptor = f.get("/FontDescriptor")
            if descriptor is None and "/DescendantFonts" in f:
                descriptor = f["/DescendantFonts"][0].get_object().get("/FontDescriptor")
            if not descriptor or not any(k in descriptor.get_object() for k in ("/FontFile", "/FontFile2", "/FontFile3")):
                return False
            found = True
    return found


def assert_public(pdf: bytes, db, *expected: str) -> str:
    text = pdf_text(pdf)
    assert find_private_numbers(text) == [], find_private_numbers(text)
    for s in expected:
        assert s in text, f"“{s}” missing"
    assert fonts_embedded(pdf)
    ids = [r[0] for r in db.execute("SELECT id_number FROM cadres WHERE coalesce(id_number, '') != ''")] \
        if "cadres" in db.table_names() and "id_number" in db["cadres"].columns_dict else []
    for id_number in ids:
        assert id_number not in text
    return text


def published_record(db, result):
    row = db.execute("SELECT serial, kind, sha256, pages FROM notices WHERE serial = ?", [result.serial]).fetchone()
    assert row is not None
    assert row[2] == hashlib.sha256(result.pdf).hexdigest()
    assert row[3] == len(PdfReader(io.BytesIO(result.pdf)).pages)
    return row


# ---- from the demo database ---------------------------------------------------------

@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    from models.core.db import close_database, open_database
    from models.demo.township import DemoOptions, build_demo

    database = open_database(tmp_path_factory.mktemp("notices") / "demo.db")
    build_demo(database, DemoOptions(seed=7, tickets=300))
    yield database
    close_database(database)


def test_duties(demo):
    from models.roster import team as roster

    team = roster.current_team(demo)
    result = notices.publish(demo, CLI_ACTOR, "duties")
    text = assert_public(result.pdf, demo, "领导班子成员分工公示", "分管工作", "联系村", "公示时间", "监督电话")
    for m in team:
        assert m["name"] in text
    published_record(demo, result)


def test_whereabouts_board(demo):
    from models.roster import team as roster

    board = roster.whereabouts_board(demo, dt.date.today())
    result = notices.publish(demo, CLI_ACTOR, "whereabouts")
    text = assert_public(result.pdf, demo, "干部流向公示栏", "去向")
    assert board[0]["name"] in text and board[-1]["name"] in text


def test_pre_appointment(demo):
    from models.roster import team as roster

    people = roster.pre_appointment_list(demo)
    if not people:
        pytest.skip("demo roster has no proposed posts")
    result = notices.publish(demo, CLI_ACTOR, "pre_appointment", notices.NoticeParams(date=dt.date(2026, 11, 20)))
    text = assert_public(result.pdf, demo, "干部任前公示", "拟任", "公示时间", "反映")
    for p in people:
        assert p["name"] in text and p["proposed_post"] in text
    data = notices.gather(demo, "pre_appointment", notices.NoticeParams(date=dt.date(2026, 11, 20)))
    assert data["notice_period"]["workdays"] >= 5


def test_liaison_cards_print_no_private_phone(demo):
    from models.roster import team as roster

    phones = [m["phone"] for m in roster.current_team(demo) if m.get("phone")]
    result = notices.publish(demo, CLI_ACTOR, "liaison_cards")
    text = assert_public(result.pdf, demo, "连 心 卡", "镇领导班子", "联系电话", "0571-63710000")
    for phone in phones:
        if len(phone) == 11:
            assert phone not in text
    villages = [v["name"] for v in __import__("models.core.township", fromlist=["x"]).villages(demo)]
    assert villages[0] in text


def test_service_catalogue(demo):
    from models.service import catalogue

    by_dept = catalogue.items_by_department(demo)
    result = notices.publish(demo, CLI_ACTOR, "service_catalogue")
    text = assert_public(result.pdf, demo, "五公开", "办理条件", "承诺时限", "收费标准")
    for dept in by_dept:
        assert dept in text


def _finished_range(db):
    return db.execute("SELECT min(finished_date), max(finished_date) FROM tickets WHERE status = '办结'").fetchone()


def test_case_results_masks_names(demo):
    first, last = _finished_range(demo)
    result = notices.publish(demo, CLI_ACTOR, "case_results", notices.NoticeParams(period=f"{first}..{last}"))
    text = assert_public(result.pdf, demo, "办件结果公示", "申请人", "办件编号")
    names = [r[0] for r in demo.execute("SELECT applicant_name FROM tickets WHERE status = '办结'")]
    ids = [r[0] for r in demo.execute("SELECT applicant_id_number FROM tickets WHERE applicant_id_number != ''")]
    assert all(n not in text for n in names if len(n) >= 2)
    assert all(i not in text for i in ids)
    assert "*" in text


def test_case_results_middle_mask_setting(demo):
    settings.set_value(demo, "notice_name_mask", "middle", CLI_ACTOR)
    try:
        first, last = _finished_range(demo)
        data = notices.gather(demo, "case_results", notices.NoticeParams(period=f"{first}..{last}"))
        three = [r["applicant"] for r in data["rows"] if len(r["applicant"]) == 3]
        assert three and all(a[1] == "*" and a[2] != "*" for a in three)
    finally:
        settings.set_value(demo, "notice_name_mask", "given", CLI_ACTOR)


def test_receipt(demo):
    no, name, id_number, phone = demo.execute(
        "SELECT ticket_no, applicant_name, applicant_id_number, applicant_phone FROM tickets ORDER BY id DESC LIMIT 1"
    ).fetchone()
    result = notices.publish(demo, CLI_ACTOR, "receipt", notices.NoticeParams(ticket=no))
    text = assert_public(result.pdf, demo, "受 理 回 执", no, name, "承诺办结", "进度查询", "经办人")
    if id_number:
        assert id_number not in text
    if phone:
        assert phone not in text
    assert len(PdfReader(io.BytesIO(result.pdf)).pages) == 1


def test_receipt_speed_once_fonts_loaded(demo):
    import time

    no = demo.execute("SELECT ticket_no FROM tickets LIMIT 1").fetchone()[0]
    data = notices.gather(demo, "receipt", notices.NoticeParams(ticket=no))
    notices.render("receipt", data, "20261122-ABCDEF")  # fonts loaded
    started = time.perf_counter()
    notices.render("receipt", data, "20261122-ABCDEF")
    assert time.perf_counter() - started < 1.5  # benchmark target 0.15 s; generous for CI


# ---- assessment notices: domain functions with their documented shapes ---------------

@pytest.fixture
def assess_data(monkeypatch, demo):
    from models.assess import results as assess_results
    from models.assess import rewards as assess_rewards
    from models.assess import scorecard as assess

    plan = {"uuid": "plan-1", "year": 2026, "name": "2026年度干部考核方案", "periods": "Q1,Q2,Q3,Q4,H1,Y"}
    monkeypatch.setattr(assess, "plan_for_year", lambda db, year, township_code=None: plan if year == 2026 else None)
    monkeypatch.setattr(assess_results, "results_for_notice", lambda db, plan_uuid, period: {
        "title": f"2026年{assess.PERIODS[period]}干部考核结果公示", "year": 2026, "period": period,
        "period_label": assess.PERIODS[period], "plan_name": plan["name"], "missing_rule_label": "按比例折算",
        "rows": [] if period != "H1" else [
            {"category": "驻村干部", "rank": 1, "name": "王建国", "village": "青石村", "total": 962.5, "grade": "优秀",
             "vetoed": False, "veto_items": "", "last_place": False, "missing": ""},
            {"category": "驻村干部", "rank": 2, "name": f"李四{MOBILE}", "village": "东岭村", "total": 801,
             "grade": "不称职", "vetoed": True, "veto_items": "安全生产", "last_place": True, "missing": ""}],
        "supervision_phone": "0571-63712345", "township_name": "青石镇"})
    monkeypatch.setattr(assess_rewards, "rewards_for_notice", lambda db, year: {
        "year": year, "title": f"{year}年度考核奖励及村干部补贴公示",
        "pools": [{"name": "年度考核奖", "amount": 20000, "period": "Y",
                   "rows": [{"name": "王建国", "category": "驻村干部", "total": 962.5, "grade": "优秀", "amount": 1200.5}]}],
        "subsidies": [{"village": "青石村", "households": 260, "name": "赵书记", "role_label": "书记",
                       "full_amount": 1900, "basic_part": 1200, "reward_part": 700, "score": 91.5,
                       "reward_paid": 860, "total_paid": 2060}],
        "honours": [], "reward_rules": "", "supervision_phone": "0571-63712345", "township_name": "青石镇"})
    monkeypatch.setattr(assess_results, "commitments_for_notice", lambda db, year: {
        "title": f"{year}年度目标承诺公开", "year": year,
        "rows": [{"owner": "经济发展办", "owner_kind": "office", "content": "完成招商引资5000万元",
                  "measure": "走访企业30家", "deadline": "2026-12-31", "quarters": ["1000万", "2000万", "", "5000万"],
                  "signed_on": "2026-02-10", "status": "open"}],
        "supervision_phone": "0571-63712345", "township_name": "青石镇"})
    monkeypatch.setattr(assess, "targets", lambda db, plan_uuid, status=None: [{"uuid": "t1"}, {"uuid": "t2"}])
    monkeypatch.setattr(assess_results, "supervision_notice", lambda db, target_uuid: {
        "title": "督办通知单", "notice_no": f"DB-2026-00{target_uuid[-1]}", "owner": "社会事务办",
        "content": "完成自来水村村通", "measure": "", "deadline": "2026-09-30", "check_date": "2026-10-10",
        "checker": "陈强", "finding": f"尚有两个村未通水，联系人{VALID_ID}", "recheck_date": "2026-11-10",
        "history": [{"date": "2026-10-10", "result": "未达标", "checker": "陈强"}],
        "issuer": "青石镇考核办", "supervision_phone": "0571-63712345"})
    return plan


def test_assessment_results_latest_period(demo, assess_data):
    result = notices.publish(demo, CLI_ACTOR, "assessment_results", notices.NoticeParams(period="2026"))
    text = assert_public(result.pdf, demo, "上半年干部考核结果公示", "王建国", "962.50", "801.00", "优秀", "一票否决",
                         "末位", "申诉", "监督电话")
    assert MOBILE not in text
    with pytest.raises(notices.NothingToPublish):
        notices.gather(demo, "assessment_results", notices.NoticeParams(period="2026-Q3"))
    with pytest.raises(notices.NothingToPublish, match="2025年还没有考核方案"):
        notices.gather(demo, "assessment_results", notices.NoticeParams(period="2025"))


def test_rewards(demo, assess_data):
    result = notices.publish(demo, CLI_ACTOR, "rewards", notices.NoticeParams(period="2026"))
    assert_public(result.pdf, demo, "考核奖励及村干部补贴公示", "年度考核奖", "1,200.5", "村干部补贴", "青石村", "2,060")


def test_commitments(demo, assess_data):
    result = notices.publish(demo, CLI_ACTOR, "commitments", notices.NoticeParams(period="2026"))
    assert_public(result.pdf, demo, "目标承诺公开", "经济发展办", "完成招商引资5000万元", "2026-12-31")


def test_supervision_one_page_per_target(demo, assess_data):
    result = notices.publish(demo, CLI_ACTOR, "supervision", notices.NoticeParams(period="2026"))
    text = assert_public(result.pdf, demo, "督办通知单", "社会事务办", "DB-2026-001", "DB-2026-002", "整改")
    assert VALID_ID not in text
    assert len(PdfReader(io.BytesIO(result.pdf)).pages) == 2
    only = notices.gather(demo, "supervision", notices.NoticeParams(period="2026", ticket="DB-2026-002"))
    assert [s["notice_no"] for s in only["sheets"]] == ["DB-2026-002"]


# ---- bad input, rights, missing data ------------------------------------------------------

def test_empty_period_is_refused_and_nothing_recorded(demo):
    before = demo.execute("SELECT count(*) FROM notices").fetchone()[0]
    with pytest.raises(notices.NothingToPublish, match="没有办结的办件"):
        notices.publish(demo, CLI_ACTOR, "case_results", notices.NoticeParams(period="2031-01"))
    assert demo.execute("SELECT count(*) FROM notices").fetchone()[0] == before


def test_unknown_ticket_and_missing_ticket(demo):
    with pytest.raises(ValidationError, match="办件编号"):
        notices.publish(demo, CLI_ACTOR, "receipt", notices.NoticeParams(ticket="2099-999999"))
    with pytest.raises(ValidationError, match="办件编号"):
        notices.publish(demo, CLI_ACTOR, "receipt", notices.NoticeParams())


def test_unknown_kind_and_bad_period(demo):
    with pytest.raises(ValidationError, match="没有“nope”这种公示"):
        notices.get_kind("nope")
    with pytest.raises(ValidationError, match="期间"):
        notices.parse_period("下个月吧")


def test_readonly_user_cannot_publish(demo):
    with pytest.raises(PermissionDenied):
        notices.publish(demo, Actor("guest", READONLY, "只读"), "duties")


def test_parse_period_forms():
    d = dt.date(2026, 11, 22)
    assert notices.parse_period("2026-10", d)[:2] == (dt.date(2026, 10, 1), dt.date(2026, 10, 31))
    assert notices.parse_period("2026-Q4", d)[:2] == (dt.date(2026, 10, 1), dt.date(2026, 12, 31))
    assert notices.parse_period("2026-H1", d)[:2] == (dt.date(2026, 1, 1), dt.date(2026, 6, 30))
    assert notices.parse_period("2026", d)[:2] == (dt.date(2026, 1, 1), dt.date(2026, 12, 31))
    assert notices.parse_period("2026-10-08..2026-10-20", d)[:2] == (dt.date(2026, 10, 8), dt.date(2026, 10, 20))
    assert notices.parse_period("", d)[:2] == (dt.date(2026, 10, 1), dt.date(2026, 10, 31))  # last month


def test_notice_period_counts_working_days(demo):
    # National Day week: the period starts on the first working day after it
    start, end = notices.notice_period(demo, dt.date(2026, 10, 1), 5)
    assert start > dt.date(2026, 10, 1)
    days = [start + dt.timedelta(n) for n in range((end - start).days + 1)]
    assert sum(notices._is_workday(demo, d) for d in days) == 5


# ---- tamper evidence -----------------------------------------------------------------------

def _resaved(pdf: bytes) -> bytes:
    """The file as another program saves it again: new bytes, same text."""
    from pypdf import PdfWriter

    writer = PdfWriter(clone_from=io.BytesIO(pdf))
    writer.add_metadata({"/Producer": "WPS Office"})
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def _forged(db, serial: str) -> bytes:
    """A sheet with a recorded serial whose content was changed."""
    data = notices.gather(db, "duties", notices.NoticeParams())
    data["members"][0]["duty_areas"] = "全面负责（已被改动）"
    return notices.render("duties", data, serial)


def test_verify_match_resaved_altered_unknown(demo, tmp_path):
    result = notices.publish(demo, CLI_ACTOR, "duties")
    assert notices.verify_pdf(demo, result.pdf)["status"] == "match"
    resaved = _resaved(result.pdf)
    assert resaved != result.pdf
    report = notices.verify_pdf(demo, resaved)
    assert report["status"] == "match" and "重新保存" in report["message"], report["message"]
    report = notices.verify_pdf(demo, _forged(demo, result.serial))
    assert report["status"] == "altered" and report["serial"] == result.serial
    foreign = notices.render("duties", notices.gather(demo, "duties", notices.NoticeParams()), "20991231-ZZZZZZ")
    assert notices.verify_pdf(demo, foreign)["status"] == "unknown"
    with pytest.raises(ValidationError):
        notices.verify_pdf(demo, tmp_path / "missing.pdf")


def test_preview_is_a_draft_and_records_nothing(demo):
    before = demo.execute("SELECT count(*) FROM notices").fetchone()[0]
    pdf = notices.preview(demo, CLI_ACTOR, "duties")
    text = pdf_text(pdf)
    assert "样稿" in text and "公示编号" not in text
    assert demo.execute("SELECT count(*) FROM notices").fetchone()[0] == before
    assert notices.verify_pdf(demo, pdf)["status"] == "unknown"


def test_serial_lookup_void_and_reprint(demo):
    result = notices.publish(demo, CLI_ACTOR, "pre_appointment")
    record = demo.execute("SELECT text_sha256, paper FROM notices WHERE serial = ?", [result.serial]).fetchone()
    assert record[0] == notices.content_digest(result.pdf) and record[1] == "a4"
    assert notices.verify_serial(demo, result.serial.lower())["status"] == "match"
    assert notices.verify_serial(demo, "20990101-ZZZZZZ")["status"] == "unknown"
    # a reprint is the same sheet: same serial, same text (and, with the same fonts, the same bytes)
    again = notices.reprint(demo, CLI_ACTOR, result.serial)
    assert again.serial == result.serial and again.pdf == result.pdf
    assert notices.verify_pdf(demo, again.pdf)["status"] == "match"
    assert notices.find_notice(demo, result.serial)["reprints"] == 1
    with pytest.raises(ValidationError, match="作废原因"):
        notices.void_notice(demo, CLI_ACTOR, result.serial, "  ")
    with pytest.raises(PermissionDenied):
        notices.void_notice(demo, Actor("guest", READONLY, "只读"), result.serial, "写错了")
    notices.void_notice(demo, CLI_ACTOR, result.serial, "拟任职务写错，重新公示")
    for report in (notices.verify_pdf(demo, result.pdf), notices.verify_serial(demo, result.serial)):
        assert report["status"] == "voided" and "拟任职务写错" in report["message"]
    with pytest.raises(ValidationError, match="已作废"):
        notices.reprint(demo, CLI_ACTOR, result.serial)
    with pytest.raises(ValidationError, match="已于"):
        notices.void_notice(demo, CLI_ACTOR, result.serial, "再作废一次")
    audit = demo.execute("SELECT count(*) FROM audit_log WHERE table_name = 'notices' AND row_key = ?",
                         [result.uuid]).fetchone()[0]
    assert audit >= 3  # published, reprinted, voided


def test_serials_are_unique_and_printed(demo):
    a = notices.publish(demo, CLI_ACTOR, "duties")
    b = notices.publish(demo, CLI_ACTOR, "duties")
    assert a.serial != b.serial
    assert f"公示编号 {a.serial}" in pdf_text(a.pdf)
    listed = [n["serial"] for n in notices.list_notices(demo, kind="duties")]
    assert a.serial in listed and b.serial in listed


# ---- command line ---------------------------------------------------------------------------

def test_cli_notice_and_check_notice(demo, tmp_path, capsys, cli_login):
    cli_login()  # the demo administrator
    from cli import main

    db_path = str(demo.path)
    assert main(["notice", "--list"]) == 0
    assert "case_results" in capsys.readouterr().out
    out = tmp_path / "duties.pdf"
    assert main(["notice", "duties", "--db", db_path, "--out", str(out), "--date", "2026-11-20"]) == 0
    assert "公示编号" in capsys.readouterr().out
    assert main(["check-notice", str(out), "--db", db_path]) == 0
    assert "与记录一致" in capsys.readouterr().out
    out.write_bytes(_resaved(out.read_bytes()))
    assert main(["check-notice", str(out), "--db", db_path]) == 0
    assert "重新保存" in capsys.readouterr().out
    serial = notices.find_serial(out.read_bytes())
    out.write_bytes(_forged(demo, serial))
    assert main(["check-notice", str(out), "--db", db_path]) == 1
    assert "可能已被改动" in capsys.readouterr().out
    assert main(["check-notice", serial, "--db", db_path]) == 0
    assert "有此公示" in capsys.readouterr().out
    assert main(["notice", "receipt", "--db", db_path, "--out", str(tmp_path / "r.pdf"), "--ticket", "2099-1"]) == 1
    assert "找不到办件" in capsys.readouterr().err
    assert main(["notice", "case_results", "--db", db_path, "--out", str(tmp_path / "c.pdf"), "--period", "2031-01"]) == 1
    assert "没有办结的办件" in capsys.readouterr().err
    assert not (tmp_path / "c.pdf").exists()


@pytest.mark.parametrize("kind", ["assessment_results", "rewards", "commitments", "supervision"])
def test_assessment_kinds_from_the_demo(demo, kind):
    from models.assess import scorecard as assess

    if not assess.plan_for_year(demo, dt.date.today().year):
        pytest.skip("the demo has no assessment plan for this year")
    try:
        result = notices.publish(demo, CLI_ACTOR, kind)
    except notices.NothingToPublish as e:
        pytest.skip(e.message)
    assert_public(result.pdf, demo, notices.get_kind(kind).label[:2])
    assert notices.verify_pdf(demo, result.pdf)["status"] == "match"


# ---- every kind, measured from the PDF ------------------------------------------------------

def _publishable(db):
    """(kind, params) for every kind the demo can print, with the assessment kinds' periods."""
    today = dt.date.today()
    first, last = db.execute("SELECT min(received_date), max(received_date) FROM tickets").fetchone()
    ticket = db.execute("SELECT ticket_no FROM tickets WHERE deleted = 0 ORDER BY received_date DESC LIMIT 1").fetchone()[0]
    out = []
    for kind in notices.kinds():
        if "ticket" in kind.needs:
            candidates = [notices.NoticeParams(ticket=ticket)]
        elif kind.area == "assess":
            candidates = [notices.NoticeParams(period=str(y)) for y in (today.year, today.year - 1)]
        elif "period" in kind.needs:
            candidates = [notices.NoticeParams(period=f"{first}..{last}")]
        else:
            candidates = [notices.NoticeParams()]
        for params in candidates:
            try:
                out.append((kind.key, notices.gather(db, kind.key, params)))
                break
            except notices.NothingToPublish:
                continue
    return out


def _lines(pdf: bytes):
    import pdfplumber

    with pdfplumber.open(io.BytesIO(pdf)) as doc:
        for number, page in enumerate(doc.pages):
            rows: dict = {}
            for c in page.chars:
                rows.setdefault((round(c["bottom"], 0), round(c["size"], 1)), []).append(c)
            for (bottom, size), chars in sorted(rows.items()):
                chars.sort(key=lambda c: c["x0"])
                yield number, page, size, chars


# kinds on the GB/T 9704 template (the receipt, the cards and the whereabouts board
# have their own sheet layouts; tests/test_boards.py measures the board)
TEMPLATE_KINDS = {"duties", "pre_appointment", "service_catalogue", "case_results", "assessment_results",
                  "rewards", "commitments", "supervision", "election_eligibility", "election_recommendation",
                  "election_results"}


def test_every_kind_from_the_pdf_fonts_edges_and_line_starts(demo):
    from collections import Counter

    from reportlab.pdfbase import pdfmetrics

    from reports import fonts
    from reports.layout import NO_LINE_START, page_spec

    def face(role):
        return pdfmetrics.getFont(fonts.font(role)).face.name.decode()

    measured = []
    for key, data in _publishable(demo):
        kind = notices.get_kind(key)
        pdf = notices.render(key, data, "20261122-ABCDEF")
        spec = page_spec(kind.paper)
        sizes: Counter = Counter()
        title_fonts = set()
        for number, page, size, chars in _lines(pdf):
            text = "".join(c["text"] for c in chars)
            names = {c["fontname"].split("+", 1)[-1] for c in chars}
            assert chars[-1]["x1"] <= float(page.width) + 0.05
            if key in TEMPLATE_KINDS:
                assert chars[0]["x0"] >= spec.left - 0.05, (key, text)
                assert max(c["x1"] for c in chars) <= spec.left + spec.text_width + 0.05, (key, text)
                if size == 16:
                    assert text[0] not in NO_LINE_START, (key, text)
                    sizes.update(n for n in names for _ in range(len(chars)))
                if size == 22:
                    title_fonts |= names
        if key in TEMPLATE_KINDS:
            assert title_fonts == {face(fonts.TITLE)}, (key, title_fonts)
            if sizes:
                assert sizes.most_common(1)[0][0] == face(fonts.FANGSONG), (key, sizes)
        measured.append(key)
    assert len(measured) >= 12, measured


def test_receipt_with_2000_characters_and_rare_names(demo):
    no = demo.execute("SELECT ticket_no FROM tickets WHERE deleted = 0 LIMIT 1").fetchone()[0]
    data = notices.gather(demo, "receipt", notices.NoticeParams(ticket=no))
    data["receipt"]["applicant"] = "李䶮"
    data["receipt"]["request"] = ("申请人张𠮷反映：" + "村里道路年久失修，雨天积水严重，群众出行不便，希望尽快安排修缮。" * 80)[:2000]
    data["receipt"]["materials"] = "身份证复印件、户口簿、" * 30
    pdf = notices.render("receipt", data, "20261122-ABCDEF")
    reader = PdfReader(io.BytesIO(pdf))
    assert len(reader.pages) == 1
    text = pdf_text(pdf)
    assert "李䶮" in text and "张𠮷" in text
    assert "全文详见办件登记" in text and "共2000字" in text
    assert "存根" in text and "申请人（签字）" in text and "交申请人收执" in text
    assert text.count(no) >= 2  # on the stub and on the applicant's copy
