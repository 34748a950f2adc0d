"""A real client opens every export (issue 17): LibreOffice headless converts
each .xlsx the program writes to CSV; the values are what was exported, and
no cell is a formula (a formula-like text comes out as the text itself, not
as its result). .ci/run installs libreoffice-calc-nogui when missing."""

import csv
import datetime as dt
import shutil
import subprocess

import pytest

SOFFICE = shutil.which("soffice") or shutil.which("libreoffice")
pytestmark = pytest.mark.skipif(SOFFICE is None, reason="LibreOffice (soffice) is not installed here; .ci/run installs "
                                                        "libreoffice-calc-nogui on Debian when it can")
HOSTILE = "=HYPERLINK(\"http://evil.example\",\"点此\")"


def _convert(files, out_dir, profile):
    done = subprocess.run([SOFFICE, f"-env:UserInstallation=file://{profile}", "--headless", "--convert-to",
                           "csv:Text - txt - csv (StarCalc):44,34,76", "--outdir", str(out_dir), *map(str, files)],
                          capture_output=True, text=True, timeout=240)
    assert done.returncode == 0, done.stderr
    out = {}
    for f in files:
        with open(out_dir / (f.stem + ".csv"), encoding="utf-8", newline="") as fh:
            out[f.stem] = list(csv.reader(fh))
    return out


def test_libreoffice_reads_every_export(db, admin, tmp_path):
    from models.assess import results as assess_results
    from models.assess import rewards
    from models.assess import scorecard as assess
    from models.roster import io as roster_io
    from models.roster import team as roster
    from models.service import catalogue, tickets
    from models.service import io as tickets_io

    roster.add_cadre(db, admin, {"name": "张三", "id_number": "11010519491231002X", "phone": "13800138000",
                                 "rank": "四级主任科员", "note": HOSTILE})
    item = catalogue.add_item(db, admin, {"department": "民政", "name": "临时救助申请", "time_limit_days": 5})
    tickets.create_ticket(db, admin, {"applicant_name": "李四", "applicant_phone": "13900139000", "item_uuid": item,
                                      "request_text": HOSTILE, "received_date": "2026-03-02",
                                      "applicant_id_number": "11010519491231002X"}, today=dt.date(2026, 11, 20))
    plan = assess.create_plan(db, admin, 2026, "机关考核", standard=False)
    cat = assess.add_category(db, admin, plan, "机关干部", standard=False)
    it = assess.add_item(db, admin, cat, "综合", "normal", 100, year_rule="period")
    subject = assess.add_subject(db, admin, cat, "=1+1")
    assess.set_scores(db, admin, "Y", [(subject, it, 90, "")])
    assess_results.recompute(db, plan)
    rewards.set_pool(db, admin, plan, "Y", 1000)

    files = [tmp_path / "roster.xlsx", tmp_path / "ledger.xlsx", tmp_path / "rewards.xlsx",
             tmp_path / "roster_template.xlsx", tmp_path / "tickets_template.xlsx", tmp_path / "scores.xlsx"]
    roster_io.export_xlsx(db, files[0])
    tickets_io.export_ledger(db, files[1], "2026-01-01", "2026-12-31", mask_ids=False, actor=admin)
    rewards.export_xlsx(db, plan, files[2])
    roster_io.write_template(db, files[3])
    tickets_io.write_template(db, files[4])
    from models.assess.score_sheet import export_score_sheet

    export_score_sheet(db, cat, "Y", files[5], actor=admin)
    sheets = _convert(files, tmp_path / "csv", tmp_path / "lo-profile")

    roster_rows = sheets["roster"]
    assert roster_rows[0][:5] == ["姓名", "性别", "民族", "出生日期", "身份证号"]
    zhang = dict(zip(roster_rows[0], roster_rows[1], strict=True))
    assert zhang["身份证号"] == "11010519491231002X" and zhang["联系电话"] == "13800138000"  # every digit, as text
    assert zhang["职级"] == "四级主任科员" and zhang["备注"] == HOSTILE  # the text, not a link
    ledger = sheets["ledger"]
    assert "群众需求办理台帐" in ledger[0][0]
    row = dict(zip(ledger[1], ledger[2], strict=True))
    assert row["身份证号"] == "11010519491231002X" and row["诉求内容"] == HOSTILE and row["受理日期"] == "2026-03-02"
    assert any("=1+1" in cell for line in sheets["rewards"] for cell in line)  # not "2"
    assert sheets["roster_template"][1][0] == "姓名" and sheets["tickets_template"][1][2] == "申请人"
    assert sheets["scores"][1] == ["序号", "姓名", "职务", "综合"] and sheets["scores"][2] == ["1", "=1+1", "", "90"]
    for name, rows in sheets.items():
        for line in rows:
            assert "#NAME?" not in line and "Err:" not in "".join(line), (name, line)


def test_libreoffice_reads_text_that_looks_like_an_ooxml_escape_as_typed(tmp_path):
    from tests.test_xlsx_injection import TYPED_LIKE_ESCAPES, write_typed_like_escapes

    path = tmp_path / "escapes.xlsx"
    write_typed_like_escapes(path)
    rows = _convert([path], tmp_path, tmp_path / "profile")["escapes"]
    assert [r[0] for r in rows[1:]] == TYPED_LIKE_ESCAPES
