"""The request ledger (群众需求办理台帐) as .xlsx, and importing tickets from .xlsx.

Export streams rows through models.core.xlsx_write (a title row, the header,
ID numbers masked unless the operator holds personal.export; audited); no cell
is ever a formula. Import reads with the shared lean reader
(models.core.xlsx_read), finds the header row under any title rows, and checks
every row first: every problem of every row is listed (Excel row, column,
value, reason). Nothing is written when any row has a problem unless the user
chooses to import the good rows. A row whose 办件编号 already exists is
compared with the stored ticket: the same (an exported ledger read back) →
left alone and counted as unchanged; different → a problem. A masked ID
number (330106********1234) is recognised and never stored over anything.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import unicodedata
from dataclasses import dataclass
from operator import itemgetter
from pathlib import Path
from typing import TYPE_CHECKING, cast

from models.core import audit, ids, records, xlsx_read, xlsx_write
from models.core.errors import PermissionDenied, ValidationError
from models.core.snapshot import read_snapshot
from models.core.personal import check_text, looks_masked_id, mask_id, mask_phone, parse_date, require_date
from models.core.xlsx_safety import sheet_limits
from models.service import catalogue, search, stats, tickets, workdays

if TYPE_CHECKING:  # annotations only (models.core.db reaches this room through the migrations)
    from sqlite_utils import Database
    from models.core.users import Actor

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
    # so that a ledger with tickets waiting for 补正 imports back whole
    ("补正开始日期", "pause_started", 12), ("补正暂停工作日", "paused_days", 10),
]
HEADER_TO_KEY = {h: k for h, k, _ in LEDGER_COLUMNS}
KEY_TO_HEADER = {k: h for h, k, _ in LEDGER_COLUMNS}
# Other headers offices use for the same columns.
HEADER_ALIASES = {**HEADER_TO_KEY, "编号": "ticket_no", "受理编号": "ticket_no", "受理时间": "received_date",
                  "登记日期": "received_date", "承诺时限": "due_date", "办结时限": "due_date", "渠道": "channel",
                  "姓名": "applicant_name", "群众姓名": "applicant_name", "申请人姓名": "applicant_name",
                  "电话": "applicant_phone", "手机": "applicant_phone", "手机号": "applicant_phone",
                  "联系方式": "applicant_phone", "村": "applicant_village", "村(社区)": "applicant_village",
                  "所在村": "applicant_village", "村社区": "applicant_village", "身份证号码": "applicant_id_number",
                  "公民身份号码": "applicant_id_number", "事项": "item_name", "事项名称": "item_name",
                  "部门": "department", "诉求": "request_text", "需求内容": "request_text", "群众诉求": "request_text",
                  "诉求事项": "request_text", "类型": "kind", "办理状态": "status", "办结时间": "finished_date",
                  "结果": "result", "处理结果": "result", "满意度评价": "rating"}
REQUIRED_HEADERS = ("申请人", "联系电话", "诉求内容")
RATING_BY_LABEL = {v: k for k, v in tickets.RATINGS.items()}
MAX_IMPORT_ROWS = 100_000
IMPORT_CACHE_KIB = 32 * 1024  # SQLite's page cache while importing (see import_tickets)
TEXT_KEYS = {"ticket_no", "received_date", "due_date", "applicant_phone", "applicant_id_number", "finished_date",
             "callback_date", "pause_started"}
# Field names validate_ticket and _prepare_row put in their messages → key.
LABEL_TO_KEY = {**HEADER_TO_KEY, "部门": "department", "承诺时限": "due_date"}
PLACEHOLDERS = {"applicant_name": "某", "applicant_phone": "13800000000", "request_text": "（待核对）"}


@dataclass
class Problem:
    """One thing wrong in one row of the sheet."""

    row: int
    column: str
    value: str
    reason: str

    def text(self) -> str:
        value = f"“{self.value[:40]}”" if self.value else "（空）"
        return f"{self.column} {value}：{self.reason}" if self.column else f"{value}：{self.reason}"

    def line(self) -> str:
        return f"第 {self.row} 行 {self.text()}"


def _ledger_values(t: dict, mask_ids: bool) -> list:
    """One ticket as the ledger row the export writes."""
    out = []
    for _, key, _ in LEDGER_COLUMNS:
        v = t.get(key)
        if key == "rating":
            v = tickets.RATINGS.get(v, "") if v else ""
        elif key == "confirmed":
            v = "是" if v else ""
        elif key == "applicant_id_number" and mask_ids:
            v = mask_id(v)
        elif key in ("days_late", "paused_days"):
            v = v or 0
        out.append("" if v is None else v)
    return out


def export_ledger(db: Database, path, date_from, date_to, township_code: str | None = None, mask_ids: bool = True,
                  progress=None, actor: Actor | None = None) -> int:
    """Write the ledger of tickets received in [date_from, date_to] to an .xlsx.
    ID numbers are masked unless mask_ids is False, which needs the right
    personal.export; applicants' phones are masked when an actor without it
    exports (a masked phone re-imports as unchanged).
    The export is audited when an actor is given (always, for full ID
    numbers). Returns the row count."""
    from models.core.users import require
    from models.core import exports, settings

    if not mask_ids:
        if actor is None:
            raise PermissionDenied("导出完整身份证号须由有“导出含完整身份证号或电话的数据”权限的账号操作，并记入审计日志。")
        require(actor, "personal.export")
    # A person without the right gets masked phones too. Without an actor
    # (programs and tests, never the window or the command line) phones stay.
    mask_phones = actor is not None and not exports.full_numbers_allowed(actor)
    if actor is not None:
        exports.require_auditable(db)
    a = require_date(date_from, "开始日期")
    b = require_date(date_to, "结束日期")
    if b < a:
        raise ValidationError("日期范围", "结束日期早于开始日期。")
    path = Path(path)
    if path.suffix.lower() != ".xlsx":
        raise ValidationError("文件", "台帐须保存为 .xlsx 文件。")
    where = "deleted = 0 AND received_date BETWEEN ? AND ?" + (" AND township_code = ?" if township_code else "")
    params = [a.isoformat(), b.isoformat()] + ([township_code] if township_code else [])
    name = settings.get(db, "township_name") or ""
    title = f"{name}群众需求办理台帐（{a.isoformat()} 至 {b.isoformat()}）"
    columns = [(h, w, "text" if k in TEXT_KEYS else "") for h, k, w in LEDGER_COLUMNS]
    # The ledger's cells straight from SQL (labels of 满意度 and 群众确认 too):
    # building a dict per ticket was a third of the export's time.
    ratings = " ".join(f"WHEN {k} THEN '{v}'" for k, v in tickets.RATINGS.items())
    select = ", ".join(f"coalesce({k}, 0)" if k in ("days_late", "paused_days") else
                       f"CASE rating {ratings} ELSE '' END" if k == "rating" else
                       "CASE WHEN confirmed THEN '是' ELSE '' END" if k == "confirmed" else f"[{k}]"
                       for _, k, _ in LEDGER_COLUMNS)
    id_at = [k for _, k, _ in LEDGER_COLUMNS].index("applicant_id_number")
    phone_at = [k for _, k, _ in LEDGER_COLUMNS].index("applicant_phone")
    with read_snapshot(db):  # the rows counted (the sheet's declared extent) are the rows written
        total = db.execute(f"SELECT count(*) FROM tickets WHERE {where}", params).fetchone()[0]
        cur = db.execute(f"SELECT {select} FROM tickets WHERE {where} ORDER BY received_date, ticket_no", params)
        n = 0
        with xlsx_write.Workbook(path) as wb:
            sheet = wb.add_sheet("群众需求办理台帐", columns, title=title, data_rows=total)
            while True:
                chunk = cur.fetchmany(2000)
                if not chunk:
                    break
                for raw in chunk:
                    if (mask_ids and raw[id_at]) or (mask_phones and raw[phone_at]):
                        raw = list(raw)
                        if mask_ids and raw[id_at]:
                            raw[id_at] = mask_id(raw[id_at])
                        if mask_phones and raw[phone_at]:
                            raw[phone_at] = mask_phone(raw[phone_at])
                    sheet.append(raw)
                n += len(chunk)
                if progress:
                    progress(n, total)
    if actor is not None:
        exports.audit_export(db, actor, "tickets", path.name, n, "xlsx", not mask_ids,
                             full_phones=not mask_phones, count=n, **{"from": a.isoformat(), "to": b.isoformat(),
                                                                      "full_id_numbers": not mask_ids})
    return n


def _header_key(text) -> str | None:
    key = unicodedata.normalize("NFKC", "" if text is None else str(text))
    key = re.sub(r"[\s\u3000*]+", "", key)
    if key in HEADER_ALIASES:
        return HEADER_ALIASES[key]
    key = key.replace("(", "（").replace(")", "）")
    return HEADER_ALIASES.get(key)


def _find_header(head_rows) -> tuple[int, list[str]]:
    """The row (among the first ones) with the most ledger headers."""
    best, best_score = None, 0
    for n, values in head_rows:
        score = sum(1 for v in values if isinstance(v, str) and _header_key(v))
        if score > best_score:
            best, best_score = (n, values), score
    if best is None or best_score < 2:
        raise ValidationError("表头", "找不到表头行：前 30 行中没有“申请人”“联系电话”“诉求内容”等列名"
                                    "（可先导出一份台帐或下载导入模板，照它的列名填写）。")
    n, values = best
    return n, ["" if v is None else str(v).strip() for v in values]


def _layout(path, db: Database | None):
    """(header row, headers, max rows, max columns) of the first sheet."""
    max_rows, max_columns = sheet_limits(db)
    head = xlsx_read.read_head(path, rows=30, max_columns=max_columns, merges=False)  # the ledger has no merged header
    if not head.rows:
        raise ValidationError("文件", "表格是空的。")
    header_row, headers = _find_header(head.rows)
    return header_row, headers, max_rows, max_columns


def read_rows(path, db: Database | None = None) -> tuple[list[str], list[tuple[int, dict]]]:
    """Headers and (Excel row number, {header: value}) of the first sheet, the
    header row found under any title rows (for small sheets and tests; the
    import itself streams)."""
    header_row, headers, max_rows, max_columns = _layout(Path(path), db)
    rows = []
    for n, values in xlsx_read.iter_rows(path, max_rows=max_rows, max_columns=max_columns):
        if n > header_row:
            rows.append((n, {h: v for h, v in zip(headers, values, strict=False) if h}))
    return headers, rows


_DATE_KEYS = ("received_date", "due_date", "finished_date", "callback_date", "pause_started")
# compiled once: a 100,000-row import runs these millions of times
_SPACES_RE = re.compile(r"[\s\u3000]+")
_SERIAL_RE = re.compile(r"\d{5}")
_TICKET_NO_RE = re.compile(r"(\d{4})-(\d{1,6})")


def _cell_str(v, key: str = "") -> str:
    if v.__class__ is str:
        text = v.strip()
        if key in TEXT_KEYS and text and not (text.isascii() and text.isprintable() and " " not in text):
            # (printable ASCII without a space is already NFKC and holds no white space)
            text = _SPACES_RE.sub("", unicodedata.normalize("NFKC", text))
        return text
    text = xlsx_read.cell_text(v)
    if isinstance(v, xlsx_read.Number) and key in _DATE_KEYS and _SERIAL_RE.fullmatch(text):
        return (dt.date(1899, 12, 30) + dt.timedelta(days=int(text))).isoformat()  # a serial shown as a number
    return text


def _id_problem(v) -> str | None:
    if isinstance(v, (int, float)) and not isinstance(v, bool) and abs(v) >= 1e14:
        return ("表格把身份证号存成了数字：Excel 只保留 15 位有效数字，后几位已经丢失，无法还原。"
                "请把这一列设为“文本”格式，重新录入号码。")
    return None


class _RememberedCalendar:
    """The import's working-day calendar with each answer remembered: a
    100,000-row ledger asks the same few hundred (date, days) questions of
    add, between and depends_on_provisional hundreds of thousands of times.
    Nobody can change the calendar during the import's transaction, so an
    answer stays true; a question that raises (a date outside the calendar) is
    asked again each time, so every row still gets its own message. Anything
    else is the calendar's own."""

    def __init__(self, cal: workdays.Calendar):
        self._cal = cal
        self._added: dict = {}
        self._between: dict = {}
        self._provisional: dict = {}

    def add(self, start: dt.date, n: int, field: str = "日期") -> dt.date:
        key = (start, n)
        answer = self._added.get(key)
        if answer is None:
            answer = self._added[key] = self._cal.add(start, n, field)
        return answer

    def between(self, start: dt.date, end: dt.date, field: str = "日期") -> int:
        key = (start, end)
        answer = self._between.get(key)
        if answer is None:
            answer = self._between[key] = self._cal.between(start, end, field)
        return answer

    def depends_on_provisional(self, start: dt.date, end: dt.date) -> bool:
        key = (start, end)
        answer = self._provisional.get(key)
        if answer is None:
            answer = self._provisional[key] = self._cal.depends_on_provisional(start, end)
        return answer

    def __getattr__(self, name):
        return getattr(self._cal, name)


class _RollBack(Exception):
    """Undo the whole import: rows failed and the user did not choose the good rows."""


def import_tickets(db: Database, actor: Actor, path, today: dt.date | None = None, progress=None, good_rows_only: bool = False) -> dict:
    """Import tickets from an .xlsx with the ledger's headers (at least 申请人,
    联系电话, 诉求内容; 服务事项 is matched by name in the catalogue).

    Returns {"imported", "unchanged", "masked_ids", "errors" (lines),
    "problems" (Problem), "rolled_back", "good_rows", "headers",
    "failed_rows"}. When any row has a problem and not good_rows_only,
    nothing is written. Rows stream from the file into one transaction in
    batches, so a 100,000-row ledger never sits in memory whole."""
    from models.core.users import require

    require(actor, "tickets.write")
    today = today or dt.date.today()
    path = Path(path)
    header_row, headers, max_rows, max_columns = _layout(path, db)
    keys = [_header_key(h) if h else None for h in headers]
    present = set(keys)
    missing = [h for h in REQUIRED_HEADERS if HEADER_TO_KEY[h] not in present]
    if missing:
        raise ValidationError("表头", f"缺少必需的列：{'、'.join(missing)}（可先导出一份台帐或下载导入模板作参考）。")
    used = [(i, k) for i, k in enumerate(keys) if k]
    column_of = {k: headers[i] for i, k in reversed(used)}
    used_keys = [k for _, k in used]
    used_width = used[-1][0] + 1
    pick = itemgetter(*[i for i, _ in used]) if len(used) > 1 else (lambda values: (values[used[0][0]],))
    # the ID number's cell as read (the last column of that name, as the dict of cells keeps it)
    id_at = max((i for i, k in used if k == "applicant_id_number"), default=-1)
    items = {it["name"]: it for it in catalogue.list_items(db)}
    code = records.local_township_code(db)
    existing: set[str] = set()
    problems: list[Problem] = []
    failed_rows: dict[int, list] = {}
    seen_numbers: set[str] = set()
    counts = {"unchanged": 0, "masked": 0, "good": 0, "rows": 0}
    deferred: list = []  # rows without a number: numbered after every given number is in
    file_sha256 = hashlib.sha256(path.read_bytes()).hexdigest()
    writer = _BulkWriter(db, actor, code, {"import": path.name, "sha256": file_sha256})
    # the bar's length: the rows the sheet declares below the header (none: a bar without an end)
    declared = xlsx_read.declared_last_row(path) or 0
    expected = declared - header_row if declared > header_row else 0

    def refuse(excel_row, values, found):
        problems.extend(found)
        failed_rows[excel_row] = list(values[:len(headers)])

    # A bigger page cache for the import's transaction: 100,000 rows go into tickets'
    # 24 indexes, and with SQLite's 2 MB pages were thrown out and read back (or
    # spilled to the WAL) all the time. Given back afterwards.
    cache_before = db.execute("PRAGMA cache_size").fetchone()[0]
    db.execute(f"PRAGMA cache_size = {-IMPORT_CACHE_KIB}")
    try:
        with db.atomic():
            with stats.summaries_counted_in_bulk(db, progress), search.indexed_in_bulk(db, progress):
                writer.start()
                existing = _existing_numbers(db, code)  # under the write lock: no one numbers a ticket meanwhile
                # read once: nobody can change the calendar during the transaction
                cal = cast(workdays.Calendar, _RememberedCalendar(workdays.calendar(db)))
                for excel_row, values in xlsx_read.iter_rows(path, max_rows=max_rows, max_columns=max_columns):
                    if excel_row <= header_row:
                        continue
                    counts["rows"] += 1
                    if counts["rows"] > MAX_IMPORT_ROWS:
                        raise ValidationError("文件", f"一次最多导入 {MAX_IMPORT_ROWS:,} 行，请分成几个文件。")
                    if progress and counts["rows"] % 2000 == 0:
                        progress(*_reading_progress(counts["rows"], expected))
                    width = len(values)
                    # The cells of the mapped columns, picked in one call when the row
                    # reaches the last of them (a shorter row: only the cells it has, so
                    # a blank at its end is no value, as before).
                    cells = zip(used_keys, pick(values), strict=True) if width >= used_width else \
                        ((k, values[i]) for i, k in used if i < width)
                    # _cell_str, with its commonest cases inline (a text cell of a free-text
                    # column, an empty cell): 2.6 million calls for a 100,000-row ledger.
                    v = {k: c.strip() if c.__class__ is str and k not in TEXT_KEYS else "" if c is None
                         else _cell_str(c, k) for k, c in cells}
                    if not any(v.values()):
                        continue
                    found: list[Problem] = []
                    trouble = _id_problem(values[id_at]) if 0 <= id_at < width else None
                    if trouble:
                        found.append(Problem(excel_row, column_of["applicant_id_number"], v["applicant_id_number"], trouble))
                        v.pop("applicant_id_number")
                    masked = looks_masked_id(v.get("applicant_id_number", ""))
                    number = _normal_number(v.get("ticket_no", ""))
                    if number and number in existing:
                        same, differing = _compare(db, code, number, v, masked)
                        if same and not found:
                            counts["unchanged"] += 1
                            continue
                        if not same:
                            found.append(Problem(excel_row, column_of.get("ticket_no", "办件编号"), number,
                                                 f"已存在，且与系统中的办件不同（{'、'.join(differing)}）；台帐导入只新增办件，"
                                                 f"修改请在窗口办理。"))
                        refuse(excel_row, values, found)
                        continue
                    if masked:
                        v["applicant_id_number"] = ""  # the stars are not a number: nothing is stored for it
                    prepared = _prepare_every_field(db, v, items, code, today, seen_numbers, excel_row, column_of, found, cal)
                    if found or prepared is None:
                        refuse(excel_row, values, found)
                        continue
                    counts["good"] += 1
                    counts["masked"] += masked
                    if problems and not good_rows_only:
                        continue  # all of it will be undone: only the checking goes on
                    if prepared[0].get("ticket_no"):
                        writer.add(*prepared)
                    else:
                        deferred.append(prepared)
                if not (problems and not good_rows_only):
                    for prepared in deferred:
                        writer.add(*prepared)
                writer.finish(progress)
                if problems and not good_rows_only:
                    raise _RollBack
                audit.record(db, actor, "import", "tickets", None, None,
                             {"file": path.name, "sha256": file_sha256, "count": writer.count, "unchanged": counts["unchanged"],
                              "refused_rows": len(failed_rows), "masked_ids": counts["masked"]})
            # (the search index and the statistics were made as the block above ended)
            if progress:
                progress(1, 1, f"正在保存 {writer.count:,} 件办件…")  # the last moment 取消 still undoes everything
    except _RollBack:
        pass
    finally:
        db.execute(f"PRAGMA cache_size = {int(cache_before)}")
    rolled_back = bool(problems) and not good_rows_only
    return {"imported": 0 if rolled_back else writer.count, "unchanged": counts["unchanged"],
            "masked_ids": 0 if rolled_back else counts["masked"], "problems": problems,
            "errors": [p.line() for p in problems], "rolled_back": rolled_back, "headers": headers,
            "failed_rows": failed_rows, "good_rows": counts["good"]}


def _reading_progress(rows: int, expected: int) -> tuple[int, int, str]:
    """(done, total, text) while the rows are read, checked and written."""
    if rows <= expected:
        return rows, expected, f"正在检查并写入：第 {rows:,} 行，共约 {expected:,} 行"
    return rows, 0, f"正在检查并写入：已读 {rows:,} 行"


def summary(result: dict) -> str:
    """What an import did, in one or two sentences for the clerk."""
    if result["rolled_back"]:
        return (f"{len(result['failed_rows']):,} 行有错，没有导入任何办件（其余 {result['good_rows']:,} 行无误）。"
                f"可改正后重新导入，或选择“只导入无误的行”。")
    text = f"已导入 {result['imported']:,} 件办件。"
    if result["unchanged"]:
        text += f"{result['unchanged']:,} 件与系统中已有的办件相同，未改动。"
    if result["failed_rows"]:
        text += f"{len(result['failed_rows']):,} 行有错，未导入。"
    if result["masked_ids"]:
        text += (f"{result['masked_ids']:,} 件的身份证号是打码的（导出时隐去了中间几位），没有保存号码；"
                 f"系统中已有的号码不受影响。")
    return text


def export_problems_xlsx(result: dict, path) -> int:
    """The refused rows as an .xlsx with the file's headers and a 错误原因
    column, to fix and import again. Returns the row count."""
    reasons: dict[int, list[str]] = {}
    for p in result["problems"]:
        reasons.setdefault(p.row, []).append(p.text())
    headers = [h or f"第 {i + 1} 列" for i, h in enumerate(result["headers"])]
    columns = [(h, 14, "text" if _header_key(h) in TEXT_KEYS else "") for h in headers]
    with xlsx_write.Workbook(Path(path)) as wb:
        sheet = wb.add_sheet("有错的行", columns + [("错误原因", 60), ("原行号", 8)], data_rows=len(reasons))
        for n in sorted(reasons):
            row = result["failed_rows"].get(n, [])
            sheet.append([_cell_str(v) for v in row] + [""] * (len(headers) - len(row)) + ["；".join(reasons[n]), n])
    return len(reasons)


def _ticket_no_parts(number: str) -> tuple[str, int, int] | None:
    """(the number as 2026-000123, year, sequence) of a 年份-序号 number, None when it is not one."""
    if len(number) == 11 and number[4] == "-" and number.isascii() and number[:4].isdigit() and number[5:].isdigit():
        return number, int(number[:4]), int(number[5:])  # already in that form (an exported ledger's): no regex
    m = _TICKET_NO_RE.fullmatch(number)
    return (f"{m[1]}-{int(m[2]):06d}", int(m[1]), int(m[2])) if m else None


def _normal_number(number: str) -> str:
    parts = _ticket_no_parts(number or "")
    return parts[0] if parts else number


def _existing_numbers(db: Database, code) -> set[str]:
    return {r[0] for r in db.execute("SELECT ticket_no FROM tickets WHERE township_code = ?", [code])}


def _compare(db: Database, code, number, v: dict, masked: bool) -> tuple[bool, list[str]]:
    """Is the row the stored ticket as the ledger shows it? (and the columns that differ)"""
    stored = tickets.get_by_no(db, number, code)
    if stored is None:
        return False, ["已删除"]
    shown = dict(zip([k for _, k, _ in LEDGER_COLUMNS], _ledger_values(stored, mask_ids=False), strict=True))
    differing = []
    for key, value in v.items():
        if key == "ticket_no":
            continue
        have = "" if shown.get(key) is None else str(shown[key])
        if key == "applicant_id_number" and masked:
            have = mask_id(have)
        if key == "applicant_phone" and "*" in value:
            have = mask_phone(have)  # a ledger exported without the right shows masked phones
        if key == "days_late":
            continue  # computed again from the calendar: not the clerk's to set
        if value.strip() != have.strip():
            differing.append(KEY_TO_HEADER.get(key, key))
    return not differing, differing


def _prepare_every_field(db: Database, v: dict, items, code, today, seen_numbers, excel_row, column_of, problems: list, cal):
    """_prepare_row stops at the first problem; to list them all, the field it
    named is set aside (or, when required, given a stand-in) and the row
    checked again."""
    trial = v  # (_prepare_row does not change what it is given: copied only when a field is set aside)
    named: set[str] = set()
    for _ in range(len(v) + 3):
        try:
            row = _prepare_row(db, trial, items, code, today, seen_numbers, cal)
            return None if problems else row
        except ValidationError as e:
            if trial is v:
                trial = dict(v)
            if e.field in named:
                return None  # the stand-in did not help: the row's problems are listed already
            key = LABEL_TO_KEY.get(e.field)
            column = column_of.get(key, e.field) if key else e.field
            problems.append(Problem(excel_row, column, v.get(key, "") if key else "", e.bare_message))
            if key is None:
                return None
            named.add(e.field)
            if key in PLACEHOLDERS:
                trial[key] = PLACEHOLDERS[key]
            elif key in ("item_name", "department"):
                trial.pop("item_name", None)
                trial["department"] = "（待核对）"
            else:
                trial.pop(key, None)
    return None


class _StoredForm:
    """How a table stores a row: its columns in order, what an omitted column
    stores (its default, when every default is a constant) and, per column,
    the Python types SQLite keeps exactly as given under the column's type
    affinity (str in TEXT, int in INTEGER; never float or bool). A batch whose
    every value is of those types is stored as the tuples in hand, so its
    seals are made from them, not read back."""

    _CONSTANT = re.compile(r"-?\d+|'(?:[^']|'')*'|NULL", re.IGNORECASE)

    def __init__(self, db: Database, table: str):
        every = db.execute(f"PRAGMA table_xinfo([{table}])").fetchall()  # cid, name, type, notnull, dflt, pk, hidden
        info = [r for r in every if r[6] == 0]  # generated columns are not inserted
        self.table = table
        self.columns = [r[1] for r in info]
        self.column_set = frozenset(self.columns)
        self.exact = len(info) == len(every) and all(r[4] is None or self._CONSTANT.fullmatch(r[4]) for r in info)
        defaults = db.execute("SELECT " + ", ".join(r[4] or "NULL" for r in info)).fetchone() if self.exact else ()
        self.defaults = list(defaults) if self.exact else [None] * len(info)
        self.kept = [self._kept_types(r[2]) for r in info]
        self.insert_sql = (f"INSERT INTO [{table}] ({', '.join(f'[{c}]' for c in self.columns)}) "
                           f"VALUES ({', '.join('?' * len(self.columns))})")

    @staticmethod
    def _kept_types(declared: str) -> frozenset:
        t = (declared or "").upper()  # SQLite's affinity rules, in their order
        if "INT" in t:
            return frozenset({int, type(None)})
        if "CHAR" in t or "CLOB" in t or "TEXT" in t:
            return frozenset({str, type(None)})
        if "BLOB" in t or not t:
            return frozenset({str, int, bytes, type(None)})
        return frozenset({type(None)})  # REAL / NUMERIC: a float's or text's stored form may differ from the value

    def as_stored(self, rows: list[tuple]) -> bool:
        """Whether SQLite stores each of `rows` (full tuples) exactly as given."""
        if not self.exact:
            return False
        by_column = zip(*rows, strict=True) if rows else iter([()] * len(self.kept))
        return all(set(map(type, values)) <= kept for values, kept in zip(by_column, self.kept, strict=True))


class _BulkWriter:
    """Inserts prepared tickets and their events in batches: one statement per
    batch, change numbers reserved as a block, ids given. The new tickets and
    events are sealed in bulk (one bulk-seal audit row per table naming the
    import; each row's seal points at it, so `check` finds any of them changed
    later) instead of one audit row per ticket, batch by batch from the rows
    in hand when SQLite stores them as given (_StoredForm), else read back.
    import_tickets runs it inside stats.summaries_counted_in_bulk and
    search.indexed_in_bulk: the monthly summaries and the search index are
    filled by a few statements at the end, not by triggers per row."""

    BATCH = 2000
    # in the table's order as the schema makes it (another order is put in the table's, costing a pass)
    EVENT_COLUMNS = ["id", "uuid", "township_code", "version", "updated_at", "updated_by", "deleted", "change_seq",
                     "ticket_uuid", "at", "actor", "from_status", "to_status", "event_date", "note"]

    def __init__(self, db: Database, actor: Actor, code, about: dict):
        self.db, self.actor, self.code, self.about = db, actor, code, about
        self.actor_name = getattr(actor, "username", None) or str(actor)
        self.count = 0
        self.pending: list = []
        self.next_seq: dict[int, int] = {}
        self.next_id = self.next_event_id = 0

    def start(self) -> None:
        db = self.db
        self.next_id = db.execute("SELECT coalesce(max(id), 0) FROM tickets").fetchone()[0] + 1
        self.next_event_id = db.execute("SELECT coalesce(max(id), 0) FROM ticket_events").fetchone()[0] + 1
        self.tickets, self.events = _StoredForm(db, "tickets"), _StoredForm(db, "ticket_events")
        if set(self.events.columns) != set(self.EVENT_COLUMNS):
            raise RuntimeError(f"ticket_events 的列与导入所写的不同：{self.events.columns}")
        self.event_order = None if self.events.columns == self.EVENT_COLUMNS else \
            itemgetter(*[self.EVENT_COLUMNS.index(c) for c in self.events.columns])
        # The two bulk-seal audit rows come one after the other at the end; their seals are written as batches go.
        first_audit = audit.next_audit_id(db)
        self.ticket_seals = audit.BulkSeal(db, self.actor, "tickets", self.about, first_audit)
        self.event_seals = audit.BulkSeal(db, self.actor, "ticket_events", self.about, first_audit + 1)

    def add(self, row: dict, events: list) -> None:
        self.pending.append((row, events))
        if len(self.pending) >= self.BATCH:
            self._flush_batch()

    def finish(self, progress=None) -> None:
        self._flush_batch()
        self.ticket_seals.finish()
        self.event_seals.finish()
        if progress:
            progress(self.count, self.count, f"已写入 {self.count:,} 件")

    def _flush_batch(self) -> None:
        rows, self.pending = self.pending, []
        if not rows:
            return
        db, code, actor_name = self.db, self.code, self.actor_name
        now = records.now_iso()
        count = sum(1 + len(events) for _, events in rows)
        change = records.reserve_change_seqs(db, count)
        ticket_rows: list[tuple] = []
        event_rows: list[tuple] = []
        keys = iter(ids.new_uuids(count))  # one batch of keys, not one call (and read of urandom) per row
        columns = self.tickets.columns
        # Every column in the table's order, an omitted one its default: a row merged
        # over this dict keeps that order (a key already there keeps its place), so its
        # values are the stored tuple; a key of no column comes last and makes it longer.
        template = dict(zip(columns, self.tickets.defaults, strict=True))
        written = {"township_code": code, "version": 1, "updated_at": now, "updated_by": actor_name, "deleted": 0}
        ticket_id, event_id = self.next_id, self.next_event_id
        for row, events in rows:
            year = row["year"]
            if not row.get("ticket_no"):
                if year not in self.next_seq:
                    self.next_seq[year] = tickets.next_ticket_no(db, code, year)[1]
                row["seq"] = self.next_seq[year]
                row["ticket_no"] = f"{year}-{row['seq']:06d}"
                self.next_seq[year] += 1
            elif year in self.next_seq:
                self.next_seq[year] = max(self.next_seq[year], row["seq"] + 1)
            change += 1
            ticket_uuid = next(keys)
            stored = {**template, **row, **written}
            stored["id"], stored["uuid"], stored["change_seq"] = ticket_id, ticket_uuid, change
            if len(stored) != len(columns):  # never dropped unseen (an INSERT naming them would have failed)
                raise RuntimeError(f"tickets 没有这些列：{sorted(row.keys() - self.tickets.column_set)}")
            ticket_rows.append(tuple(stored.values()))
            ticket_id += 1
            for frm, to, d, note in events:
                change += 1
                event_rows.append((event_id, next(keys), code, 1, now, actor_name, 0, change, ticket_uuid, now, actor_name,
                                   frm, to, d, note))
                event_id += 1
        if self.event_order is not None:
            event_rows = list(map(self.event_order, event_rows))  # in the table's column order
        db.conn.executemany(self.tickets.insert_sql, ticket_rows)
        db.conn.executemany(self.events.insert_sql, event_rows)
        self._seal(ticket_rows, event_rows)
        self.next_id, self.next_event_id = ticket_id, event_id
        self.count += len(rows)

    def _seal(self, ticket_rows: list[tuple], event_rows: list[tuple]) -> None:
        """Seal the batch just inserted: from the tuples in hand when they are
        what SQLite stored, else read back. (The search index is filled at the
        end, by search.indexed_in_bulk: indexing batch by batch here, between
        the inserts, took 50 MB more — FTS5's pending terms and pages beside
        tickets' 24 indexes in the page cache — for no CPU measurably saved.)"""
        self._seal_table(self.ticket_seals, self.tickets, "tickets", self.next_id, ticket_rows)
        self._seal_table(self.event_seals, self.events, "ticket_events", self.next_event_id, event_rows)

    def _seal_table(self, seals, shape, table: str, first_id: int, rows: list[tuple]) -> None:
        """Seal the rows just inserted from the tuples in hand when SQLite stores them as
        given, else as read back."""
        if shape.as_stored(rows):
            seals.add(shape.columns, rows)
            return
        cur = self.db.execute(f"SELECT * FROM {table} WHERE id >= ? AND id < ? ORDER BY id",
                              [first_id, first_id + len(rows)])
        seals.add([d[0] for d in cur.description], cur.fetchall())


def _prepare_row(db: Database, v: dict, items: dict, code: str, today: dt.date, seen_numbers: set, cal: workdays.Calendar):
    item = items.get(v.get("item_name", ""))
    values = dict(v)
    if item:
        # What validate_ticket would look up for the item, given here: one
        # query per row less (the catalogue was read once for the import).
        values["kind"] = values.get("kind") or item["default_kind"]
        values["promised_days"] = item["time_limit_days"]
        values["department"] = item["department"]
    elif not values.get("department"):
        if values.get("item_name"):
            raise ValidationError("服务事项", f"“{values['item_name']}”不在服务事项目录中，且未填写承办部门。")
        raise ValidationError("服务事项", "请填写服务事项或承办部门。")
    row = tickets.validate_ticket(db, values, today, cal)
    if item:
        row["item_uuid"], row["item_name"], row["department"] = item["uuid"], item["name"], item["department"]
    row["first_receiver"] = values.get("first_receiver") or "导入"
    status = values.get("status") or tickets.ACCEPTED
    if status not in tickets.STATUSES:
        raise ValidationError("状态", f"“{status}”应为{'、'.join(tickets.STATUSES)}之一。")
    started = None
    if status == tickets.CORRECTION:
        started = parse_date(values.get("pause_started"), "补正开始日期", allow_future=False, today=today)
        if started is None:
            raise ValidationError("补正开始日期", "状态为“补正”须填写补正开始日期（导出的台帐带有这一列）。")
        if started.isoformat() < row["received_date"]:
            raise ValidationError("补正开始日期", f"{started.isoformat()} 早于受理日期 {row['received_date']}。")
        row["pause_started"] = started.isoformat()
    paused = values.get("paused_days", "")
    if paused not in ("", "0"):
        if not paused.isdigit() or int(paused) > 365:
            raise ValidationError("补正暂停工作日", f"“{paused}”应为 0 到 365 的整数。")
        row["paused_days"] = int(paused)
    due = values.get("due_date")
    if due:
        row["due_date"] = require_date(due, "承诺办结日期").isoformat()
        row["due_provisional"] = 0  # a date the office wrote down itself, not computed here
        if row["due_date"] < row["received_date"]:
            raise ValidationError("承诺办结日期", "早于受理日期。")
    row["status"] = status
    # (from status, to status, date, note) as tickets._event takes them
    events: list[tuple[str | None, str, str, str]] = [(None, tickets.ACCEPTED, row["received_date"], "从表格导入")]
    if started is not None:
        events.append((tickets.ACCEPTED, tickets.CORRECTION, started.isoformat(), "从表格导入：补正中"))
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
            row["result"] = check_text(result, "办理结果", 1000, multiline=True)
            row["days_late"] = max(0, cal.between(dt.date.fromisoformat(row["due_date"]), finished, "办结日期"))
            row["work_days_used"] = max(0, cal.between(dt.date.fromisoformat(row["received_date"]), finished, "办结日期"))
            row["callback_due"] = cal.add(finished, 3, "办结日期").isoformat()
        else:
            row["close_reason"] = check_text(values.get("result") or status, "办理结果", 500, multiline=True)
        events.append((tickets.ACCEPTED, status, row["finished_date"], row.get("result") or row.get("close_reason", "")))
    rating_label = values.get("rating", "")
    if rating_label:
        if rating_label not in RATING_BY_LABEL:
            raise ValidationError("满意度", f"“{rating_label}”应为{'、'.join(tickets.RATINGS.values())}之一。")
        if status != tickets.FINISHED:
            raise ValidationError("满意度", "未办结的办件不能有评价。")
        row["rating"] = RATING_BY_LABEL[rating_label]
        row["rating_comment"] = check_text(values.get("rating_comment", ""), "评价意见", 500, multiline=True)
        cb = parse_date(values.get("callback_date"), "回访日期") or dt.date.fromisoformat(row["finished_date"])
        row["callback_date"] = cb.isoformat()
    if values.get("confirmed") in ("是", "1", "已确认"):
        if status != tickets.FINISHED:
            raise ValidationError("群众确认", "未办结的办件不能确认。")
        row["confirmed"], row["confirmed_at"] = 1, row["finished_date"]
    # Checked as the window checks them: a text too long or with a control character is this row's
    # problem (the county's hand-off refuses such characters), not cut or stored as it came.
    row["first_receiver"] = tickets.check_ticket_text("first_receiver", values.get("first_receiver") or row["first_receiver"])
    number = values.get("ticket_no", "")
    row["year"] = int(row["received_date"][:4])
    if number:
        parts = _ticket_no_parts(number)
        if parts is None:
            raise ValidationError("办件编号", f"“{number}”格式应为 年份-序号（如 2026-000123）。")
        number, year, seq = parts
        # numbers already in the database were set aside by import_tickets (read inside the transaction)
        if number in seen_numbers:
            raise ValidationError("办件编号", f"{number} 已存在。")
        seen_numbers.add(number)
        row["ticket_no"], row["seq"], row["year"] = number, seq, year
    return row, events


# ---- the import template ----------------------------------------------------

TEMPLATE_KEYS = ["received_date", "channel", "applicant_name", "applicant_phone", "applicant_village",
                 "applicant_id_number", "item_name", "department", "request_text", "kind", "first_receiver",
                 "handler_name", "status", "finished_date", "result"]


def write_template(db: Database, path) -> Path:
    """An .xlsx to fill in for the ticket import: a title row, the header, an
    example row, drop-down lists (channels, the catalogue's items, kinds,
    statuses, villages), text-formatted ID/phone/date columns, a 说明 sheet."""
    path = Path(path)
    if path.suffix.lower() != ".xlsx":
        path = path.with_suffix(".xlsx")
    items = catalogue.list_items(db)
    villages = [r[0] for r in db.execute("SELECT name FROM villages WHERE deleted = 0 ORDER BY name")] \
        if db.execute("SELECT 1 FROM sqlite_master WHERE name = 'villages'").fetchone() else []
    lists = {"channel": list(tickets.CHANNELS), "item_name": [it["name"] for it in items], "kind": list(tickets.KINDS),
             "status": [s for s in tickets.STATUSES if s != tickets.CORRECTION], "applicant_village": villages,
             "department": sorted({it["department"] for it in items if it["department"]})}
    example = {"received_date": dt.date.today().isoformat(), "channel": "来访", "applicant_name": "张三",
               "applicant_phone": "13800138000", "applicant_village": villages[0] if villages else "",
               "item_name": items[0]["name"] if items else "", "department": items[0]["department"] if items else "民政办",
               "request_text": "示例行，导入前请删除", "kind": "承办件", "status": "受理"}
    widths = {h: w for h, _, w in LEDGER_COLUMNS}
    columns = [(KEY_TO_HEADER[k], widths[KEY_TO_HEADER[k]], "text" if k in TEXT_KEYS else "") for k in TEMPLATE_KEYS]
    with xlsx_write.Workbook(path) as wb:
        sheet = wb.add_sheet("办件导入", columns, title="群众需求办理台帐（导入）")
        sheet.append_text_row([example.get(k, "") for k in TEMPLATE_KEYS])
        for i, k in enumerate(TEMPLATE_KEYS):
            if lists.get(k):
                sheet.add_list_validation(i, lists[k], first_row=3, last_row=100_000)
        notes = wb.add_sheet("说明", [("说明", 100)], freeze=False)
        for line in [
            "第 1 行是标题，第 2 行是表头，从第 3 行起每行一件；第 3 行是示例，导入前请删除。",
            "“申请人”“联系电话”“诉求内容”必填；“服务事项”按目录名称对应，目录中没有的须填写“承办部门”。",
            "受理日期留空为今天；状态为“办结”“不予受理”“退回”的须填写办结日期，办结的还须填写办理结果。",
            "办件编号留空时自动编号。导出的台帐可以直接导入：已有的办件原样不动，打码的身份证号不会覆盖已存的号码。",
            "身份证号、电话和日期列已设为“文本”格式，请不要改成“数值”（Excel 只保留 15 位有效数字）。",
            "有错的行不会导入；可选择“只导入无误的行”，并把有错的行另存为表格改正后再导入。",
        ]:
            notes.append([line])
    return path
