"""The ledger .xlsx export and ticket import: round trip and row-by-row errors."""

import datetime as dt

import openpyxl
import pytest

from models.service import catalogue

from models.service import tickets

from models.service import io as tickets_io
from models.core.db import close_database, open_database
from models.core.errors import ValidationError

TODAY = dt.date(2026, 11, 20)


def _fill(db, admin):
    item = catalogue.add_item(db, admin, {"department": "民政", "name": "临时救助申请", "time_limit_days": 5})
    base = {"applicant_name": "张三", "applicant_phone": "13800138000", "applicant_village": "青石村",
            "item_uuid": item, "request_text": "因病致贫申请救助", "received_date": "2026-03-02"}
    a = tickets.create_ticket(db, admin, base, today=TODAY)
    tickets.finish(db, admin, a["uuid"], "已发放救助金 2000 元", "2026-03-05", today=TODAY)
    tickets.rate(db, admin, a["uuid"], 4, "态度好", "2026-03-06", today=TODAY)
    b = tickets.create_ticket(db, admin, {**base, "applicant_name": "李四", "applicant_id_number": "11010519491231002X",
                                          "received_date": "2026-04-01"}, today=TODAY)
    return a, b


def test_round_trip(db, admin, tmp_path):
    a, b = _fill(db, admin)
    out = tmp_path / "ledger.xlsx"
    assert tickets_io.export_ledger(db, out, "2026-01-01", "2026-12-31", mask_ids=False) == 2
    ws = openpyxl.load_workbook(out).active
    header = [c.value for c in ws[1]]
    assert header[:3] == ["办件编号", "受理日期", "承诺办结日期"] and "满意度" in header and "办结日期" in header
    # Into a second database of the same township.
    other = open_database(tmp_path / "other.db")
    try:
        from models.core import township
        from models.core import users

        admin2 = users.create_user(other, "admin", "secret123", users.ADMIN)
        township.set_identity(other, admin2, name="测试镇", code="330106001")
        catalogue.add_item(other, admin2, {"department": "民政", "name": "临时救助申请", "time_limit_days": 5})
        result = tickets_io.import_tickets(other, admin2, out, today=TODAY)
        assert result == {"imported": 2, "errors": []}
        keys = ("ticket_no", "received_date", "due_date", "status", "finished_date", "result", "rating",
                "applicant_name", "applicant_phone", "applicant_id_number", "item_name", "days_late", "kind")
        for original in (a, b):
            copy = tickets.get_by_no(other, original["ticket_no"])
            original = tickets.get_ticket(db, original["uuid"])
            assert {k: copy[k] for k in keys} == {k: original[k] for k in keys}
        # Importing the same file again: every number already exists, nothing written.
        again = tickets_io.import_tickets(other, admin2, out, today=TODAY)
        assert again["imported"] == 0 and len(again["errors"]) == 2 and "已存在" in again["errors"][0]
        assert other.execute("SELECT count(*) FROM tickets").fetchone()[0] == 2
    finally:
        close_database(other)


def test_masked_export_by_default(db, admin, tmp_path):
    _fill(db, admin)
    out = tmp_path / "ledger.xlsx"
    tickets_io.export_ledger(db, out, "2026-01-01", "2026-12-31")
    values = [c for row in openpyxl.load_workbook(out).active.iter_rows(values_only=True) for c in row]
    assert "11010519491231002X" not in values and "110105********002X" in values


def test_import_errors_listed_by_row_and_nothing_written(db, admin, tmp_path):
    catalogue.add_item(db, admin, {"department": "民政", "name": "临时救助申请", "time_limit_days": 5})
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["申请人", "联系电话", "服务事项", "诉求内容", "受理日期", "状态", "办结日期", "办理结果", "满意度"])
    ws.append(["王五", "13900001111", "临时救助申请", "申请救助", "2026-05-06", "受理", None, None, None])
    ws.append([None, "13900001111", "临时救助申请", "申请救助", "2026-05-06", "受理", None, None, None])
    ws.append(["赵六", "123", "临时救助申请", "申请救助", "2026-05-06", "受理", None, None, None])
    ws.append(["钱七", "13900001111", "临时救助申请", "申请救助", "2026-05-06", "办结", "2026-05-07", None, None])
    ws.append(["孙八", "13900001111", "临时救助申请", "申请救助", "2026-05-06", "办结", "2026-05-01", "好", None])
    ws.append(["周九", "13900001111", "临时救助申请", "申请救助", "2026-05-06", "受理", None, None, "满意"])
    ws.append(["吴十", "13900001111", "不存在的事项", "申请救助", "2026-05-06", "受理", None, None, None])
    path = tmp_path / "in.xlsx"
    wb.save(path)
    result = tickets_io.import_tickets(db, admin, path, today=TODAY)
    assert result["imported"] == 0
    errors = "\n".join(result["errors"])
    for row, word in ((3, "申请人"), (4, "联系电话"), (5, "办理结果"), (6, "早于受理日期"), (7, "满意度"), (8, "服务事项")):
        assert f"第 {row} 行" in errors and word in errors
    assert "第 2 行" not in errors
    assert db.execute("SELECT count(*) FROM tickets").fetchone()[0] == 0


def test_import_missing_headers(db, admin, tmp_path):
    wb = openpyxl.Workbook()
    wb.active.append(["姓名", "电话"])
    wb.active.append(["王五", "13900001111"])
    path = tmp_path / "bad.xlsx"
    wb.save(path)
    with pytest.raises(ValidationError, match="缺少必需的列"):
        tickets_io.import_tickets(db, admin, path, today=TODAY)


def test_cli_export_and_import(tmp_path, cli_login):
    cli_login()  # the demo administrator
    from cli import main
    from models.demo.township import DemoOptions, build_demo

    src = tmp_path / "src.db"
    db = open_database(src)
    build_demo(db, DemoOptions(seed=3, tickets=120))
    close_database(db)
    out = tmp_path / "l.xlsx"
    year = dt.date.today().year
    assert main(["tickets", "export", "--from", f"{year - 1}-01-01", "--to", f"{year}-12-31", "--out", str(out),
                 "--db", str(src)]) == 0
    assert out.exists()
    # Same file into the same database: every number exists → exit 1, nothing written.
    assert main(["tickets", "import", str(out), "--db", str(src)]) == 1
    assert main(["calendar", "years", "--db", str(src)]) == 0
