"""The request ledger (群众需求办理台帐) as .xlsx, and importing tickets from .xlsx.

Export streams rows (openpyxl write-only) so a year of a big county file does
not sit in memory. Import is all or nothing: every row is checked first and
the row-by-row errors are reported; only a file without errors is written, in
one transaction.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from models.core import audit

from models.service import catalogue

from models.core import records

from models.service import tickets

from models.service import workdays
from models.core.errors import ValidationError
from models.core.personal import mask_id, parse_date, require_date

LEDGER_COLUMNS = [
    # (header, ticket key, width)
    ("办件编号", "ticket_no", 14), ("受理日期", "received_date", 12), ("承诺办结日期", "due_date", 13),
    ("受理渠道", "channel", 9), ("申请人", "applicant_name", 10), ("联系电话", "applicant_phone", 14),
    ("村（社区）", "applicant_village", 10), ("身份证号", "applicant_id_number", 20),
    ("服务事项", "item_name", 24), ("承办部门", "department", 12), ("诉求内容", "request_text", 40),
    ("办件类型", "kind", 8), ("首问责任人", "first_receiver", 10), ("承办人", "handler_name", 10),
    ("协办部门", "cooperating_departments", 14), ("上报县级部门", "county_office", 14),
    ("状态", "status", 8), ("办结日期", "finished_date", 12), ("办理结果", "result", 30),
    ("超期工作日", "days_late", 10), ("回访日期", "callback_date", 12), ("满意度", "rating", 10),
    ("评价意见", "rating_comment", 20), ("群众确认", "confirmed", 8),
]
HEADER_TO_KEY = {h: k for h, k, _ in LEDGER_COLUMNS}
REQUIRED_HEADERS = ("申请人", "联系电话", "诉求内容")
RATING_BY_LABEL = {v: k for k, v in tickets.RATINGS.items()}
MAX_IMPORT_ROWS = 100_000


def export_ledger(db, path, date_from, date_to, township_code: str | None = None, mask_ids: bool = True,
                  progress=None) -> int:
    """Write the ledger of tickets received in [date_from, date_to] to an .xlsx.
    ID numbers are masked unless mask_ids is False. Returns the row count."""
    import openpyxl
    from openpyxl.styles import Font

    a = parse_date(date_from, "开始日期")
    b = parse_date(date_to, "结束日期")
    if a is None or b is None:
        raise ValidationError("日期范围", "请给出开始和结束日期。")
    if b < a:
        raise ValidationError("日期范围", "结束日期早于开始日期。")
    path = Path(path)
    if path.suffix.lower() != ".xlsx":
        raise ValidationError("文件", "台帐须保存为 .xlsx 文件。")
    sql = ("SELECT * FROM tickets WHERE deleted = 0 AND received_date BETWEEN ? AND ?"
           + (" AND township_code = ?" if township_code else "") + " ORDER BY received_date, ticket_no")
    params = [a.isoformat(), b.isoformat()] + ([township_code] if township_code else [])
    total = db.execute(sql.replace("SELECT *", "SELECT count(*)").replace(" ORDER BY received_date, ticket_no", ""),
                       params).fetchone()[0]
    wb = openpyxl.Workbook(write_only=True)
    ws = wb.create_sheet("群众需求办理台帐")
    for i, (_, _, width) in enumerate(LEDGER_COLUMNS):
        ws.column_dimensions[openpyxl.utils.get_column_letter(i + 1)].width = width
    from openpyxl.cell import WriteOnlyCell

    def bold(v):
        c = WriteOnlyCell(ws, value=v)
        c.font = Font(bold=True)
        return c

    ws.append([bold(h) for h, _, _ in LEDGER_COLUMNS])
    cur = db.execute(sql, params)
    cols = [d[0] for d in cur.description]
    n = 0
    while True:
        chunk = cur.fetchmany(2000)
        if not chunk:
            break
        for raw in chunk:
            t = dict(zip(cols, raw, strict=True))
            out = []
            for _, key, _ in LEDGER_COLUMNS:
                v = t.get(key)
                if key == "rating":
                    v = tickets.RATINGS.get(v, "") if v else ""
                elif key == "confirmed":
                    v = "是" if v else ""
                elif key == "applicant_id_number" and mask_ids:
                    v = mask_id(v)
                elif key == "days_late":
                    v = v or 0
                out.append("" if v is None else v)
            ws.append(out)
            n += 1
        if progress:
            progress(n, total)
    tmp = path.with_name(path.name + ".part")
    wb.save(tmp)
    tmp.replace(path)
    return n


def read_rows(path) -> tuple[list[str], list[tuple[int, dict]]]:
    """Headers and (excel row number, {header: value}) of the first sheet."""
    import openpyxl

    path = Path(path)
    if not path.exists():
        raise ValidationError("文件", f"找不到文件“{path}”。")
    from models.core.xlsx_safety import check_xlsx

    check_xlsx(path)
    try:
        wb = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception as e:  # noqa: BLE001 - any unreadable file gets the same message
        raise ValidationError("文件", f"“{path.name}”不是有效的 .xlsx 文件（{type(e).__name__}）。") from None
    try:
        it = wb.worksheets[0].iter_rows(values_only=True)
        header_row = next(it, None)
        if not header_row:
            raise ValidationError("文件", "表格是空的。")
        headers = [str(h).strip() if h is not None else "" for h in header_row]
        rows = []
        for excel_row, values in enumerate(it, start=2):
            if values is None or all(v is None or str(v).strip() == "" for v in values):
                continue
            rows.append((excel_row, {h: v for h, v in zip(headers, values, strict=False) if h}))
            if len(rows) > MAX_IMPORT_ROWS:
                raise ValidationError("文件", f"一次最多导入 {MAX_IMPORT_ROWS} 行。")
        return headers, rows
    finally:
        wb.close()


def _cell_str(v) -> str:
    if v is None:
        return ""
    if isinstance(v, float) and v.is_integer():
        v = int(v)
    if isinstance(v, (dt.datetime, dt.date)):
        return (v.date() if isinstance(v, dt.datetime) else v).isoformat()
    return str(v).strip()


def import_tickets(db, actor, path, today: dt.date | None = None, progress=None) -> dict:
    """Import tickets from an .xlsx with the ledger's headers (at least 申请人,
    联系电话, 诉求内容; 服务事项 is matched by name in the catalogue).

    All or nothing: returns {"imported": n, "errors": [...]} — when errors is not
    empty nothing was written. A row whose 办件编号 already exists is an error."""
    from models.core.users import require

    require(actor, "tickets.write")
    today = today or dt.date.today()
    headers, rows = read_rows(path)
    missing = [h for h in REQUIRED_HEADERS if h not in headers]
    if missing:
        raise ValidationError("表头", f"缺少必需的列：{'、'.join(missing)}（第一行应为列名，可先导出一份台帐作模板）。")
    items = {it["name"]: it for it in catalogue.list_items(db)}
    code = records.local_township_code(db)
    errors: list[str] = []
    prepared = []
    seen_numbers: set[str] = set()
    for excel_row, raw in rows:
        v = {HEADER_TO_KEY[h]: _cell_str(val) for h, val in raw.items() if h in HEADER_TO_KEY}
        try:
            prepared.append((excel_row, _prepare_row(db, v, items, code, today, seen_numbers)))
        except ValidationError as e:
            errors.append(f"第 {excel_row} 行 {e.field}：{e.bare_message}" if e.field else f"第 {excel_row} 行：{e.bare_message}")
    if errors:
        return {"imported": 0, "errors": errors}
    # Rows carrying their own number first, so a number given later in the file
    # is never taken by an automatically numbered row.
    prepared.sort(key=lambda p: 0 if p[1][0].get("ticket_no") else 1)
    with db.atomic():
        for i, (_excel_row, (row, events)) in enumerate(prepared):
            if not row.get("ticket_no"):
                row["ticket_no"], row["seq"] = tickets.next_ticket_no(db, code, row["year"])
            key = records.insert(db, "tickets", row, actor, township_code=code)
            for frm, to, d, note in events:
                tickets._event(db, actor, key, frm, to, d, note)
            if progress and i % 200 == 0:
                progress(i, len(prepared))
        audit.record(db, actor, "import", "tickets", None, None, {"file": Path(path).name, "count": len(prepared)})
    tickets.flush_fts(db)
    return {"imported": len(prepared), "errors": []}


def _prepare_row(db, v: dict, items: dict, code: str, today: dt.date, seen_numbers: set):
    item = items.get(v.get("item_name", ""))
    values = dict(v)
    if item:
        values["item_uuid"] = item["uuid"]
    elif not values.get("department"):
        if values.get("item_name"):
            raise ValidationError("服务事项", f"“{values['item_name']}”不在服务事项目录中，且未填写承办部门。")
        raise ValidationError("服务事项", "请填写服务事项或承办部门。")
    row = tickets.validate_ticket(db, values, today)
    row["first_receiver"] = values.get("first_receiver") or "导入"
    status = values.get("status") or tickets.ACCEPTED
    if status not in tickets.STATUSES:
        raise ValidationError("状态", f"“{status}”应为{'、'.join(tickets.STATUSES)}之一。")
    if status == tickets.CORRECTION:
        raise ValidationError("状态", "补正中的办件不能导入，请在窗口登记。")
    due = values.get("due_date")
    if due:
        row["due_date"] = require_date(due, "承诺办结日期").isoformat()
        row["due_provisional"] = 0  # a date the office wrote down itself, not computed here
        if row["due_date"] < row["received_date"]:
            raise ValidationError("承诺办结日期", "早于受理日期。")
    row["status"] = status
    # (from status, to status, date, note) as tickets._event takes them
    events: list[tuple[str | None, str, str, str]] = [(None, tickets.ACCEPTED, row["received_date"], "从表格导入")]
    cal = workdays.calendar(db)
    if status in tickets.CLOSED_STATUSES:
        finished = parse_date(values.get("finished_date"), "办结日期", allow_future=False, today=today)
        if finished is None:
            raise ValidationError("办结日期", f"状态为“{status}”须填写办结日期。")
        if finished.isoformat() < row["received_date"]:
            raise ValidationError("办结日期", f"{finished.isoformat()} 早于受理日期 {row['received_date']}。")
        row["finished_date"] = finished.isoformat()
        if status == tickets.FINISHED:
            result = values.get("result", "").strip()
            if not result:
                raise ValidationError("办理结果", "办结的办件须填写办理结果。")
            row["result"] = result[:1000]
            row["days_late"] = max(0, cal.between(dt.date.fromisoformat(row["due_date"]), finished, "办结日期"))
            row["work_days_used"] = max(0, cal.between(dt.date.fromisoformat(row["received_date"]), finished, "办结日期"))
            row["callback_due"] = workdays.add_workdays(db, finished, 3).isoformat()
        else:
            row["close_reason"] = (values.get("result") or status)[:500]
        events.append((tickets.ACCEPTED, status, row["finished_date"], row.get("result") or row.get("close_reason", "")))
    rating_label = values.get("rating", "")
    if rating_label:
        if rating_label not in RATING_BY_LABEL:
            raise ValidationError("满意度", f"“{rating_label}”应为{'、'.join(tickets.RATINGS.values())}之一。")
        if status != tickets.FINISHED:
            raise ValidationError("满意度", "未办结的办件不能有评价。")
        row["rating"] = RATING_BY_LABEL[rating_label]
        row["rating_comment"] = values.get("rating_comment", "")[:500]
        cb = parse_date(values.get("callback_date"), "回访日期") or dt.date.fromisoformat(row["finished_date"])
        row["callback_date"] = cb.isoformat()
    if values.get("confirmed") in ("是", "1", "已确认"):
        if status != tickets.FINISHED:
            raise ValidationError("群众确认", "未办结的办件不能确认。")
        row["confirmed"], row["confirmed_at"] = 1, row["finished_date"]
    for key in ("first_receiver",):
        row[key] = (values.get(key) or row[key])[:30]
    number = values.get("ticket_no", "")
    row["year"] = int(row["received_date"][:4])
    if number:
        import re

        m = re.fullmatch(r"(\d{4})-(\d{1,6})", number)
        if not m:
            raise ValidationError("办件编号", f"“{number}”格式应为 年份-序号（如 2026-000123）。")
        number = f"{m[1]}-{int(m[2]):06d}"
        if number in seen_numbers or db.execute("SELECT 1 FROM tickets WHERE township_code = ? AND ticket_no = ?",
                                                [code, number]).fetchone():
            raise ValidationError("办件编号", f"{number} 已存在。")
        seen_numbers.add(number)
        row["ticket_no"], row["seq"], row["year"] = number, int(m[2]), int(m[1])
    return row, events
