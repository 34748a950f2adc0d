"""The ledger .xlsx export and ticket import: round trip and row-by-row errors."""

import datetime as dt
import json

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


def _second_db(tmp_path):
    from models.core import township
    from models.core import users

    other = open_database(tmp_path / "other.db")
    admin2 = users.create_user(other, "admin", "secret123", users.ADMIN)
    township.set_identity(other, admin2, name="测试镇", code="330106001")
    catalogue.add_item(other, admin2, {"department": "民政", "name": "临时救助申请", "time_limit_days": 5})
    return other, admin2


KEYS = ("ticket_no", "received_date", "due_date", "status", "finished_date", "result", "rating", "rating_comment",
        "callback_date", "applicant_name", "applicant_phone", "applicant_village", "applicant_id_number", "item_name",
        "department", "request_text", "days_late", "kind", "channel", "confirmed")


def test_round_trip(db, admin, tmp_path):
    a, b = _fill(db, admin)
    out = tmp_path / "ledger.xlsx"
    assert tickets_io.export_ledger(db, out, "2026-01-01", "2026-12-31", mask_ids=False, actor=admin) == 2
    ws = openpyxl.load_workbook(out).active
    assert "群众需求办理台帐" in ws["A1"].value  # a title row, as offices print it
    header = [c.value for c in ws[2]]
    assert header[:3] == ["办件编号", "受理日期", "承诺办结日期"] and "满意度" in header and "办结日期" in header
    audit_row = db.execute("SELECT after FROM audit_log WHERE action = 'export' ORDER BY id DESC").fetchone()
    assert json.loads(audit_row[0])["full_id_numbers"] is True
    # Into a second database of the same township.
    other, admin2 = _second_db(tmp_path)
    try:
        result = tickets_io.import_tickets(other, admin2, out, today=TODAY)
        assert (result["imported"], result["errors"], result["unchanged"]) == (2, [], 0)
        for original in (a, b):
            copy = tickets.get_by_no(other, original["ticket_no"])
            original = tickets.get_ticket(db, original["uuid"])
            assert {k: copy[k] for k in KEYS} == {k: original[k] for k in KEYS}
        # The same file again: every ticket is there as it is: left alone, not an error.
        again = tickets_io.import_tickets(other, admin2, out, today=TODAY)
        assert (again["imported"], again["unchanged"], again["errors"]) == (0, 2, [])
        assert other.execute("SELECT count(*) FROM tickets").fetchone()[0] == 2
        assert "2 件与系统中已有的办件相同" in tickets_io.summary(again)
        assert other.execute("SELECT count(*) FROM ticket_events").fetchone()[0] == 3  # 受理 + 办结 of the first, 受理 of the second
        from models.core import audit

        assert audit.verify_chain(other) == []
    finally:
        close_database(other)


def test_masked_ledger_round_trip(db, admin, tmp_path):
    """The default (masked) export imports back: the stars are recognised, the
    stored number is left alone, and the import says so."""
    a, b = _fill(db, admin)
    out = tmp_path / "ledger.xlsx"
    tickets_io.export_ledger(db, out, "2026-01-01", "2026-12-31")
    same = tickets_io.import_tickets(db, admin, out, today=TODAY)
    assert (same["imported"], same["unchanged"], same["errors"]) == (0, 2, [])
    assert tickets.get_ticket(db, b["uuid"])["applicant_id_number"] == "11010519491231002X"
    other, admin2 = _second_db(tmp_path)
    try:
        result = tickets_io.import_tickets(other, admin2, out, today=TODAY)
        assert (result["imported"], result["masked_ids"], result["errors"]) == (2, 1, [])
        assert tickets.get_by_no(other, b["ticket_no"])["applicant_id_number"] == ""
        assert "打码" in tickets_io.summary(result)
    finally:
        close_database(other)


def test_full_id_export_needs_the_right(db, admin, tmp_path):
    from models.core import users
    from models.core.errors import PermissionDenied

    _fill(db, admin)
    window = users.create_user(db, "window1", "secret123", users.WINDOW, actor=admin)
    with pytest.raises(PermissionDenied):
        tickets_io.export_ledger(db, tmp_path / "x.xlsx", "2026-01-01", "2026-12-31", mask_ids=False)
    with pytest.raises(PermissionDenied):
        tickets_io.export_ledger(db, tmp_path / "x.xlsx", "2026-01-01", "2026-12-31", mask_ids=False, actor=window)
    assert not (tmp_path / "x.xlsx").exists()


def test_masked_export_by_default(db, admin, tmp_path):
    _fill(db, admin)
    out = tmp_path / "ledger.xlsx"
    tickets_io.export_ledger(db, out, "2026-01-01", "2026-12-31")
    values = [c for row in openpyxl.load_workbook(out).active.iter_rows(values_only=True) for c in row]
    assert "11010519491231002X" not in values and "110105********002X" in values


def test_changed_row_of_an_existing_ticket_is_named(db, admin, tmp_path):
    a, _ = _fill(db, admin)
    out = tmp_path / "ledger.xlsx"
    tickets_io.export_ledger(db, out, "2026-01-01", "2026-12-31")
    wb = openpyxl.load_workbook(out)
    ws = wb.active
    ws.cell(3, 11).value = "改过的诉求"
    wb.save(out)
    result = tickets_io.import_tickets(db, admin, out, today=TODAY)
    assert result["rolled_back"] and result["unchanged"] == 1
    (problem,) = result["problems"]
    assert problem.row == 3 and "诉求内容" in problem.reason and "已存在" in problem.reason


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
    assert result["imported"] == 0 and result["rolled_back"] and result["good_rows"] == 1
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
    db = open_database(src)
    before = db.execute("SELECT count(*) FROM tickets").fetchone()[0]
    close_database(db)
    # Same file into the same database: every ticket is already there as it is → left alone.
    assert main(["tickets", "import", str(out), "--db", str(src)]) == 0
    db = open_database(src)
    assert db.execute("SELECT count(*) FROM tickets").fetchone()[0] == before
    close_database(db)
    assert main(["calendar", "years", "--db", str(src)]) == 0


def _triggers(db) -> set[str]:
    return {r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'tickets'")}


def _ledger_sheet(path, rows):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["某某镇群众需求办理台帐"])
    ws.append(["申请人", "联系电话", "服务事项", "诉求内容", "受理日期", "状态", "办结日期", "办理结果", "满意度", "村（社区）"])
    for r in rows:
        ws.append(r)
    wb.save(path)
    return path


def test_bulk_import_is_sealed_counted_and_searchable(db, admin, tmp_path):
    """The bulk path (no per-row trigger, audit row or queued index change):
    every new ticket and event is sealed (check stays clean), the monthly
    statistics agree with the tickets, the search finds the new tickets, and
    the triggers are back for the next window entry."""
    from models.core import audit
    from models.service import search
    from tests.test_ticket_stats_summary import check

    _fill(db, admin)  # tickets already in the months the file brings
    before = _triggers(db)
    rows = [[f"王{i}", f"139{i:08d}", "临时救助申请", f"申请救助{i}", f"2026-0{3 + i % 3}-1{i % 9}",
             "办结" if i % 2 else "受理", f"2026-0{3 + i % 3}-2{i % 9}" if i % 2 else None,
             "已办" if i % 2 else None, "满意" if i % 4 == 1 else None, "青石村" if i % 3 else "柳树村"]
            for i in range(60)]
    result = tickets_io.import_tickets(db, admin, _ledger_sheet(tmp_path / "in.xlsx", rows), today=TODAY)
    assert result["imported"] == 60 and result["problems"] == []
    assert _triggers(db) == before
    assert audit.verify_chain(db) == [] and audit.verify_rows(db) == []
    seals = db.execute("SELECT table_name, after FROM audit_log WHERE action = 'bulk-seal'").fetchall()
    assert sorted(t for t, _ in seals) == ["ticket_events", "tickets"] and all(json.loads(a)["import"] == "in.xlsx" for _, a in seals)
    check(db, "2026-01-01", "2026-12-31")
    check(db, "2026-04-01", "2026-04-30")
    expr = search.match_expression("王17")
    hits = db.execute(f"SELECT rowid FROM {search.TABLE} WHERE {search.TABLE} MATCH ?", [expr]).fetchall()
    assert [db.execute("SELECT applicant_name FROM tickets WHERE id = ?", [h[0]]).fetchone()[0] for h in hits] == ["王17"]
    # the triggers work again: a ticket entered at the window is counted and queued
    t = tickets.create_ticket(db, admin, {"applicant_name": "新来", "applicant_phone": "13800138001",
                                          "item_uuid": catalogue.list_items(db)[0]["uuid"], "request_text": "问事",
                                          "received_date": "2026-04-02"}, today=TODAY)
    check(db, "2026-04-01", "2026-04-30")
    assert t["applicant_name"] == "新来"
    # a ticket changed with an SQLite tool after the import is named by check
    db.execute("UPDATE tickets SET applicant_phone = '13000000000' WHERE applicant_name = '王3'")
    assert any("与最后一次审计记录的内容不符" in p for p in audit.verify_rows(db))


def test_refused_or_cancelled_bulk_import_leaves_everything_as_it_was(db, admin, tmp_path):
    from models.core import audit

    class Cancelled(Exception):
        """What the window's cancel button raises inside the task."""

    _fill(db, admin)
    before = (_triggers(db), db.execute("SELECT count(*) FROM tickets").fetchone()[0],
              db.execute("SELECT * FROM ticket_month_received ORDER BY 1, 2, 3, 4").fetchall(),
              db.execute("SELECT * FROM ticket_day_received ORDER BY 1, 2, 3, 4").fetchall(),
              db.execute("SELECT count(*) FROM audit_log").fetchone()[0])

    def state():
        return (_triggers(db), db.execute("SELECT count(*) FROM tickets").fetchone()[0],
                db.execute("SELECT * FROM ticket_month_received ORDER BY 1, 2, 3, 4").fetchall(),
                db.execute("SELECT * FROM ticket_day_received ORDER BY 1, 2, 3, 4").fetchall(),
                db.execute("SELECT count(*) FROM audit_log").fetchone()[0])

    good = [[f"王{i}", f"139{i:08d}", "临时救助申请", "申请救助", "2026-05-06", "受理", None, None, None, "青石村"]
            for i in range(2500)]
    bad = _ledger_sheet(tmp_path / "bad.xlsx", good + [["李", "123", "临时救助申请", "申请救助", "2026-05-06"]])
    result = tickets_io.import_tickets(db, admin, bad, today=TODAY)
    assert result["rolled_back"] and "第 2503 行 联系电话" in result["errors"][0]
    assert state() == before

    def cancel(done, total, text=""):
        if done >= 4000:  # a batch of 2,000 is written by then
            raise Cancelled()

    more = good + [[f"赵{i}", f"137{i:08d}", "临时救助申请", "申请救助", "2026-05-06"] for i in range(2000)]
    with pytest.raises(Cancelled):
        tickets_io.import_tickets(db, admin, _ledger_sheet(tmp_path / "good.xlsx", more), today=TODAY, progress=cancel)
    assert state() == before and audit.verify_rows(db) == []


def _state(db):
    """What an undone import must leave as it was."""
    return (_triggers(db), db.execute("SELECT count(*) FROM tickets").fetchone()[0],
            db.execute("SELECT count(*) FROM ticket_events").fetchone()[0],
            db.execute("SELECT * FROM ticket_month_received ORDER BY 1, 2, 3, 4").fetchall(),
            db.execute("SELECT * FROM ticket_day_finished ORDER BY 1, 2, 3, 4").fetchall(),
            db.execute("SELECT count(*) FROM tickets_fts_words_data").fetchone()[0],
            db.execute("SELECT count(*) FROM audit_log").fetchone()[0],
            db.execute("SELECT count(*) FROM row_seals").fetchone()[0])


def test_import_tells_each_stage_and_a_cancel_in_any_of_them_undoes_everything(db, admin, tmp_path):
    """The window's bar: the rows against those the sheet declares, then the
    search index, the statistics and the save, each named; 取消 in any of the
    last three (seconds of a 100,000-row import with no row to read) still
    leaves the file as it was."""
    from models.core import audit

    class Cancelled(Exception):
        """What the window's cancel button raises inside the task."""

    _fill(db, admin)
    rows = [[f"王{i}", f"139{i:08d}", "临时救助申请", "申请救助", "2026-05-06", "办结" if i % 2 else "受理",
             "2026-05-08" if i % 2 else None, "已办" if i % 2 else None, None, "青石村"] for i in range(4500)]
    sheet = _ledger_sheet(tmp_path / "in.xlsx", rows)
    before = _state(db)
    for stage in ("已写入", "搜索索引", "统计", "正在保存"):
        def stop(done, total, text="", stage=stage):
            if stage in text:
                raise Cancelled()

        with pytest.raises(Cancelled):
            tickets_io.import_tickets(db, admin, sheet, today=TODAY, progress=stop)
        assert _state(db) == before, stage
    seen = []
    result = tickets_io.import_tickets(db, admin, sheet, today=TODAY, progress=lambda *told: seen.append(told))
    assert result["imported"] == 4500 and audit.verify_rows(db) == []
    assert seen[:2] == [(2000, 4500, "正在检查并写入：第 2,000 行，共约 4,500 行"),
                        (4000, 4500, "正在检查并写入：第 4,000 行，共约 4,500 行")]
    assert seen[2] == (4500, 4500, "已写入 4,500 件")
    indexing = [told for told in seen if told[2] == "正在建立搜索索引…"]
    assert indexing and indexing[-1][0] == indexing[-1][1] == 4500
    counting = [told for told in seen if told[2] == "正在更新办件统计…"]
    assert [c[0] for c in counting] == list(range(len(counting))) and len(counting) > 2
    assert seen.index(indexing[0]) < seen.index(counting[0])
    assert seen[-1] == (1, 1, "正在保存 4,500 件办件…")


def test_the_exported_ledger_declares_the_rows_it_holds(db, admin, tmp_path):
    """So that importing it back shows a bar with an end (the export reads its count and rows in one snapshot)."""
    from models.core import xlsx_read

    _fill(db, admin)
    out = tmp_path / "ledger.xlsx"
    assert tickets_io.export_ledger(db, out, "2026-01-01", "2026-12-31") == 2
    assert xlsx_read.declared_last_row(out) == 4 == max(n for n, _ in xlsx_read.iter_rows(out))  # title, header, 2
    empty = tmp_path / "empty.xlsx"
    assert tickets_io.export_ledger(db, empty, "2025-01-01", "2025-12-31") == 0
    assert xlsx_read.declared_last_row(empty) == 2
    assert not db.conn.in_transaction  # the snapshot ended with the export


def test_every_streamed_export_declares_its_rows_and_never_a_wrong_count(tmp_path):
    """The window's generic 导出 Excel declares its rows like the ledger; a
    writer that declares a count and writes another fails instead of leaving a
    file whose dimension lies."""
    import pytest

    from models.core import xlsx_read, xlsx_write
    from reports.table_export import write_table_xlsx

    out = tmp_path / "table.xlsx"
    assert write_table_xlsx(out, "办件", ["编号", "申请人"], [["1", "王"], ["2", "李"], ["3", "赵"]]) == 3
    assert xlsx_read.declared_last_row(out) == 5 == max(n for n, _ in xlsx_read.iter_rows(out))  # title, header, 3
    with pytest.raises(RuntimeError, match="声明 3 行，实际写了 2 行"):
        with xlsx_write.Workbook(tmp_path / "lies.xlsx") as wb:
            sheet = wb.add_sheet("表", [("编号", 8)], data_rows=2)
            sheet.append(["1"])
    assert not (tmp_path / "lies.xlsx").exists() and list(tmp_path.glob("*lies*")) == []  # no half-written file


def test_a_sheet_longer_than_it_declares_keeps_a_bar_without_an_end(tmp_path):
    from models.core import xlsx_read

    sheet = _ledger_sheet(tmp_path / "in.xlsx", [["王", "13900000000", "临时救助申请", "申请救助"]] * 3)
    assert xlsx_read.declared_last_row(sheet) == 5  # title, header, three rows
    assert tickets_io._reading_progress(2, 3) == (2, 3, "正在检查并写入：第 2 行，共约 3 行")
    assert tickets_io._reading_progress(4000, 3) == (4000, 0, "正在检查并写入：已读 4,000 行")


def test_stored_form_knows_what_sqlite_keeps_as_given(db):
    """The import seals and indexes a batch from the tuples it inserted only
    when SQLite stores every value exactly as given (TEXT keeps str, INTEGER
    keeps int); anything else (an int in a TEXT column, a bool, a float, text
    in an INTEGER column) is read back. Checked against SQLite itself."""
    db.execute("CREATE TABLE form_probe (id INTEGER PRIMARY KEY, uuid TEXT, n INTEGER DEFAULT 0, t TEXT DEFAULT '', "
               "r REAL, b BLOB, x)")
    form = tickets_io._StoredForm(db, "form_probe")
    assert form.exact and form.defaults == [None, None, 0, "", None, None, None]
    good = (1, "k", 5, "五", None, b"\x00", "z")
    assert form.as_stored([good]) and form.as_stored([])
    # refused because SQLite stores them otherwise: an int in TEXT, text in INTEGER, NaN in REAL (as NULL)
    for bad in ((1, 7, 5, "t", None, None, None), (1, "k", "5", "t", None, None, None),
                (1, "k", 5, "t", float("nan"), None, None)):
        assert not form.as_stored([good, bad])
        db.execute(form.insert_sql, list(bad))
        stored = db.execute("SELECT * FROM form_probe WHERE id = 1").fetchone()
        db.execute("DELETE FROM form_probe")
        assert stored[:4] != bad[:4] or stored[4] is None
    # refused to be safe: a bool (stored as 1, but hashed as true), any float
    for bad in ((1, "k", True, "t", None, None, None), (1, "k", 5, "t", 1.0, None, None),
                (1, "k", 5, "t", None, None, 2.5)):
        assert not form.as_stored([good, bad])
    db.execute(form.insert_sql, list(good))
    assert db.execute("SELECT * FROM form_probe").fetchone() == good
    db.execute("CREATE TABLE form_probe2 (id INTEGER PRIMARY KEY, at TEXT DEFAULT CURRENT_TIMESTAMP)")
    assert not tickets_io._StoredForm(db, "form_probe2").as_stored([(1, "x")])  # a default that is not a constant


def test_bulk_import_read_back_path_gives_the_same_seals_and_index(db, admin, tmp_path, monkeypatch):
    """When a batch is not stored as given, its rows are read back to be sealed
    and indexed: the same check-clean seals and the same search hits."""
    from models.core import audit
    from models.service import search

    _fill(db, admin)
    monkeypatch.setattr(tickets_io._StoredForm, "as_stored", lambda self, rows: False)
    before = db.execute("SELECT max(id) FROM audit_log").fetchone()[0]
    rows = [[f"王{i}", f"139{i:08d}", "临时救助申请", f"核对回读{i}", "2026-05-06", "受理", None, None, None, "青石村"]
            for i in range(2300)]
    result = tickets_io.import_tickets(db, admin, _ledger_sheet(tmp_path / "in.xlsx", rows), today=TODAY)
    assert result["imported"] == 2300 and result["problems"] == [], result["errors"][:3]
    assert audit.verify_chain(db) == [] and audit.verify_rows(db) == []
    sealed = db.execute("SELECT json_extract(after, '$.rows') FROM audit_log WHERE action = 'bulk-seal' "
                        "AND table_name = 'tickets' AND id > ?", [before]).fetchall()
    assert sealed == [(2300,)]
    expr = search.match_expression("王2217")
    hits = db.execute(f"SELECT rowid FROM {search.TABLE} WHERE {search.TABLE} MATCH ?", [expr]).fetchall()
    assert [db.execute("SELECT applicant_name FROM tickets WHERE id = ?", [h[0]]).fetchone()[0] for h in hits] == ["王2217"]
    indexed = db.execute(f"SELECT count(*) FROM {search.TABLE} WHERE {search.TABLE} MATCH ?",
                         [search.match_expression("回读")]).fetchone()[0]
    assert indexed == 2300


def test_remembered_calendar_answers_as_the_calendar_does(db):
    """The import asks the calendar through _RememberedCalendar: every answer
    is the calendar's own, and a question the calendar refuses is refused
    again each time it is asked (every row gets its own message)."""
    from models.service import workdays

    cal = workdays.calendar(db)
    remembered = tickets_io._RememberedCalendar(workdays.calendar(db))
    start = dt.date(2025, 12, 20)
    for i in range(0, 400, 7):
        d = start + dt.timedelta(days=i)
        for n in (0, 1, 3, 5, 20):
            assert remembered.add(d, n) == cal.add(d, n) == remembered.add(d, n)
        for j in (-9, 0, 1, 30):
            e = d + dt.timedelta(days=j)
            assert remembered.between(d, e) == cal.between(d, e) == remembered.between(d, e)
            assert remembered.depends_on_provisional(d, e) == cal.depends_on_provisional(d, e)
    assert remembered.is_provisional_year(2026) == cal.is_provisional_year(2026)  # the rest is the calendar's
    far = dt.date(1800, 1, 1)
    for _ in range(2):
        with pytest.raises(ValidationError, match="超出工作日历") as e:
            remembered.add(far, 3, "受理日期")
        assert e.value.field == "受理日期"
        with pytest.raises(ValidationError, match="超出工作日历"):
            remembered.between(far, start, "办结日期")


def test_every_problem_of_a_row_is_listed_and_short_rows_read_as_before(db, admin, tmp_path):
    """A row with several problems lists each (the row is checked again with
    each named field set aside); a row ending early (its last cells blank,
    which the file does not store) reads as blanks there; of two columns of
    the same meaning the later one is the value, as before."""
    catalogue.add_item(db, admin, {"department": "民政", "name": "临时救助申请", "time_limit_days": 5})
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["台帐"])
    ws.append(["申请人", "联系电话", "服务事项", "诉求内容", "受理日期", "状态", "办结日期", "办理结果", "满意度", "姓名"])
    ws.append([None, "123", "临时救助申请", "申请救助", "2026-05-06", "受理", None, None, "满意", None])
    ws.append(["王五", "13900001111", "临时救助申请", "申请救助", "2026-05-06"])  # short: no status, … no 姓名
    ws.append(["王六", "13900001112", "临时救助申请", "申请救助", "2026-05-06", "受理", None, None, None, "赵七"])
    path = tmp_path / "in.xlsx"
    wb.save(path)
    result = tickets_io.import_tickets(db, admin, path, today=TODAY)
    assert result["rolled_back"] and result["good_rows"] == 2
    row3 = [p for p in result["problems"] if p.row == 3]
    assert [p.column for p in row3] == ["申请人", "联系电话", "满意度"], [p.line() for p in row3]
    assert row3[1].value == "123" and "格式不正确" in row3[1].reason and "未办结" in row3[2].reason
    assert result["failed_rows"][3][:5] == [None, "123", "临时救助申请", "申请救助", "2026-05-06"]
    good = tickets_io.import_tickets(db, admin, path, today=TODAY, good_rows_only=True)
    assert good["imported"] == 2
    names = [r[0] for r in db.execute("SELECT applicant_name FROM tickets ORDER BY id")]
    assert names == ["王五", "赵七"]  # the later 姓名 column is the name when it is filled


def test_a_prepared_key_of_no_column_is_refused_not_dropped(db, admin, tmp_path, monkeypatch):
    catalogue.add_item(db, admin, {"department": "民政", "name": "临时救助申请", "time_limit_days": 5})
    real = tickets_io._prepare_row

    def with_stray_key(*args):
        row, events = real(*args)
        return {**row, "no_such_column": 1}, events

    monkeypatch.setattr(tickets_io, "_prepare_row", with_stray_key)
    path = _ledger_sheet(tmp_path / "in.xlsx", [["王五", "13900001111", "临时救助申请", "申请救助", "2026-05-06"]])
    with pytest.raises(RuntimeError, match="no_such_column"):
        tickets_io.import_tickets(db, admin, path, today=TODAY)
    assert db.execute("SELECT count(*) FROM tickets").fetchone()[0] == 0


@pytest.mark.parametrize("number, expected", [
    ("2026-000123", ("2026-000123", 2026, 123)), ("2026-123", ("2026-000123", 2026, 123)),
    ("2026-000000", ("2026-000000", 2026, 0)), ("2026-1234567", None), ("26-000123", None), ("2026_000123", None),
    ("２０２６-000123", ("２０２６-000123", 2026, 123)),  # (the import makes it half-width first: a TEXT_KEYS column)
    ("2026-00012³", None), ("", None)])
def test_ticket_numbers_are_read_in_one_way(number, expected):
    assert tickets_io._ticket_no_parts(number) == expected
    assert tickets_io._normal_number(number) == (expected[0] if expected else number)


def test_free_text_is_checked_as_the_window_checks_it_not_cut(db, admin, tmp_path):
    """办理结果, 评价意见 and 首问责任人 from a sheet: a control character (a village sheet's
    vertical tab, which the county's hand-off refuses) or a text longer than the window allows
    is that row's problem, named by column, not stored as it came or silently cut."""
    catalogue.add_item(db, admin, {"department": "民政", "name": "临时救助申请", "time_limit_days": 5})
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["申请人", "联系电话", "服务事项", "诉求内容", "受理日期", "状态", "办结日期", "办理结果", "满意度",
               "评价意见", "首问责任人"])
    good = ["王五", "13900001111", "临时救助申请", "申请救助", "2026-05-06", "办结", "2026-05-07", "已办", "满意"]
    ws.append(good + ["很好", "李明"])
    ws.append(good[:7] + ["已办_x000B_完毕", "满意", "很好", "李明"])  # as Excel stores a vertical tab
    ws.append(good + ["好" * 501, "李明"])
    ws.append(good + ["很好", "首问" * 16])
    ws.append(good[:7] + ["结" * 1001, "满意", "很好", "李明"])
    path = tmp_path / "in.xlsx"
    wb.save(path)
    result = tickets_io.import_tickets(db, admin, path, today=TODAY)
    assert result["rolled_back"] and result["good_rows"] == 1
    by_row = {p.row: p for p in result["problems"]}
    assert by_row[3].column == "办理结果" and "字符" in by_row[3].reason
    assert by_row[4].column == "评价意见" and "500" in by_row[4].reason
    assert by_row[5].column == "首问责任人" and "30" in by_row[5].reason
    assert by_row[6].column == "办理结果" and "1000" in by_row[6].reason
    assert db.execute("SELECT count(*) FROM tickets").fetchone()[0] == 0
    kept = tickets_io.import_tickets(db, admin, path, today=TODAY, good_rows_only=True)
    assert kept["imported"] == 1
    assert db.execute("SELECT result, rating_comment, first_receiver FROM tickets").fetchall() == [("已办", "很好", "李明")]
