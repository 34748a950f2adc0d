"""Exchange the roster with what offices already use: .xlsx sheets (with a
column-mapping step) and .lrmx 干部任免审批表 files (UTF-8 XML, root <Person>).

Imports run in one transaction. Every row is checked whole before anything
of it is written, so good rows import, bad rows are listed with their row
number and field, and nothing is half-written. Existing cadres are matched by
ID number and updated one by one (each in a savepoint, audited); new cadres
and their appointments are inserted in batches and sealed in bulk, with one
audit row naming the import (file, its sha256, counts) — as the ledger import does.
"""

from __future__ import annotations

import base64
import datetime as dt
import json
import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

import hashlib

from models.core import audit, exports, ids, records, xlsx_read, xlsx_write
from models.core.errors import AppError, ValidationError
from models.core.personal import is_valid_id_number, looks_masked_id, looks_masked_phone, mask_id
from models.core.users import require
from models.core.xlsx_read import SheetHead
from models.core.xlsx_safety import sheet_limits
from models.roster import team as roster
from models.roster import vocab

from typing import TYPE_CHECKING

if TYPE_CHECKING:  # annotations only
    from models.core.users import Actor
    from sqlite_utils import Database

# field -> column header (export order)
XLSX_COLUMNS = [
    ("name", "姓名"), ("sex", "性别"), ("ethnicity", "民族"), ("birth_date", "出生日期"), ("id_number", "身份证号"),
    ("native_place", "籍贯"), ("birth_place", "出生地"), ("political_status", "政治面貌"),
    ("party_join_date", "入党时间"), ("work_start_date", "参加工作时间"),
    ("edu_fulltime", "全日制学历"), ("degree_fulltime", "全日制学位"), ("school_fulltime", "全日制毕业院校及专业"),
    ("edu_inservice", "在职学历"), ("degree_inservice", "在职学位"), ("school_inservice", "在职毕业院校及专业"),
    ("specialty", "专业技术职务"), ("rank", "职级"), ("staffing", "编制性质"), ("office", "所在科室"),
    ("posts", "现任职务"), ("phone", "联系电话"), ("proposed_post", "拟任职务"), ("nomination", "提名类别"),
    ("status", "状态"), ("resume", "简历"), ("rewards", "奖惩情况"), ("annual_assessments", "年度考核结果"),
    ("note", "备注"),
]
FIELD_LABELS = dict(XLSX_COLUMNS)
# Other headers offices use for the same thing.
HEADER_ALIASES = {
    "姓名": "name", "名字": "name", "性别": "sex", "民族": "ethnicity", "出生年月": "birth_date", "出生日期": "birth_date",
    "身份证号": "id_number", "身份证号码": "id_number", "公民身份号码": "id_number", "籍贯": "native_place",
    "出生地": "birth_place", "政治面貌": "political_status", "入党时间": "party_join_date",
    "参加工作时间": "work_start_date", "全日制学历": "edu_fulltime", "学历": "edu_fulltime",
    "全日制学位": "degree_fulltime", "学位": "degree_fulltime", "全日制毕业院校及专业": "school_fulltime",
    "毕业院校": "school_fulltime", "在职学历": "edu_inservice", "在职学位": "degree_inservice",
    "在职毕业院校及专业": "school_inservice", "专业技术职务": "specialty", "职级": "rank", "级别": "rank",
    "编制性质": "staffing", "编制": "staffing", "所在科室": "office", "科室": "office", "所在部门": "office",
    "现任职务": "posts", "职务": "posts", "联系电话": "phone", "电话": "phone", "手机": "phone", "手机号": "phone",
    "拟任职务": "proposed_post", "提名类别": "nomination", "状态": "status", "简历": "resume",
    "奖惩情况": "rewards", "年度考核结果": "annual_assessments", "备注": "note",
}
MAX_FILE_BYTES = 50 * 1024 * 1024


@dataclass
class Problem:
    """One thing wrong in one row: where (Excel row number and the column's
    header as in the file), the value found, and why it was refused."""

    row: int
    column: str
    value: str
    reason: str

    def text(self) -> str:
        value = f"“{self.value[:40]}”" if self.value else "（空）"
        column = f"{self.column} " if self.column else ""
        return f"{column}{value}：{self.reason}"


@dataclass
class ImportResult:
    """What an import did: counts, every problem of every refused row, values
    outside the reference lists, and whether nothing was written because of
    the problems (the default: all rows or none)."""

    added: int = 0
    updated: int = 0
    errors: list = field(default_factory=list)  # (where, message), one per problem
    problems: list = field(default_factory=list)  # Problem, for the xlsx of failed rows
    rolled_back: bool = False
    good_rows: int = 0  # rows without a problem (what "import the good rows" would write)
    headers: list = field(default_factory=list)
    failed_rows: dict = field(default_factory=dict)  # Excel row → the row's values as read
    new_values: dict = field(default_factory=dict)  # field → {value: count} outside the lists
    unlinked_posts: dict = field(default_factory=dict)  # 职务 title → count, kept as text
    file_name: str = ""
    unchanged: int = 0  # rows that matched a cadre and held nothing new: not written
    masked: dict = field(default_factory=dict)  # field → rows whose value was masked (*): not stored

    def add_problem(self, problem: Problem) -> None:
        self.problems.append(problem)
        self.errors.append((f"第 {problem.row} 行" if problem.row else (self.file_name or "文件"), problem.text()))

    @property
    def bad_rows(self) -> int:
        return len({p.row for p in self.problems})

    def summary(self) -> str:
        if self.rolled_back:
            text = (f"{self.bad_rows} 行有错，没有导入任何一行（其余 {self.good_rows} 行无误）。"
                    f"可改正后重新导入，或选择“只导入无误的行”。")
        else:
            text = f"新增 {self.added} 人，更新 {self.updated} 人"
            if self.unchanged:
                text += f"，{self.unchanged} 人与系统中相同（未改动）"
            if self.errors:
                text += f"，{len({w for w, _ in self.errors})} 行（份）有错未导入"
            text += "。"
        for f, counts in self.new_values.items():
            listed = "、".join(f"“{v}”（{n} 人）" for v, n in list(counts.items())[:5])
            text += f"\n{FIELD_LABELS.get(f, f)} {listed}不在参考列表中，已按原文保存，可加入列表。"
        for f, n in self.masked.items():
            text += (f"\n{n} 行的{FIELD_LABELS.get(f, f)}是打码的（导出时隐去了几位），没有保存；"
                     "系统中已有的号码不受影响。")
        if self.unlinked_posts:
            listed = "、".join(list(self.unlinked_posts)[:5])
            text += f"\n职务“{listed}”还没有对应的岗位，已作为现任职务文字保存；建立机构和岗位后会自动对应。"
        return text


# ---- reading a sheet as offices keep it -------------------------------------

@dataclass
class Layout:
    """Where the table is in a sheet: the header row (as Excel numbers it), the
    first data row, each column's header (two-row headers joined) and the
    column → field mapping (remembered for this layout, or guessed)."""

    header_row: int
    data_row: int
    headers: list
    mapping: dict
    remembered: bool = False
    head_rows: list = field(default_factory=list)  # (row number, values) of the first rows, for the picker


NOT_FIELDS = {"序号", "编号", "排序", "顺序号", "序"}
NOTE_ROW_RE = re.compile(r"^(填表人|审核人|制表人|制表|填报人|填报单位|负责人|注[:：]|说明|填表说明|备注[:：]|合计|小计|总计)")
LABEL_TO_FIELD = {label: f for f, label in XLSX_COLUMNS}
LABEL_TO_FIELD.update({label: f for f, (label, _, _) in roster.CADRE_TEXT_FIELDS.items()})
LABEL_TO_FIELD.update({label: f for f, label in roster.CADRE_DATE_FIELDS.items()})
LABEL_TO_FIELD.update({"姓名": "name", "性别": "sex", "身份证号": "id_number", "出生日期": "birth_date", "电话": "phone",
                       "状态": "status", "所在科室": "office", "现任职务": "posts", "照片": "photo"})
DATE_FIELDS = {"birth_date", "party_join_date", "work_start_date"}
MAPPINGS_KEY = "roster.import_layouts"


def normalise_header(text) -> str:
    """'出生\n年月（岁）' → '出生年月': no spaces or line breaks, full-width
    letters and digits made plain, notes in brackets and * marks dropped."""
    text = unicodedata.normalize("NFKC", "" if text is None else str(text))
    text = re.sub(r"[\s\u3000*＊]+", "", text)
    return re.sub(r"[(（\[【][^)）\]】]*[)）\]】]$", "", text)


def _header_field(text: str) -> str | None:
    key = normalise_header(text)
    if key in HEADER_ALIASES:
        return HEADER_ALIASES[key]
    return None


def _header_score(values) -> int:
    score = 0
    for v in values:
        if isinstance(v, str) and (_header_field(v) or normalise_header(v) in NOT_FIELDS):
            score += 1
    return score


def _combined_headers(head: SheetHead, header_row: int) -> tuple[list, int]:
    """Headers of `header_row`, joined with the row below when the header has
    group cells merged across columns (学历 over 全日制 / 在职): returns
    (headers, first data row)."""
    rows = dict(head.rows)
    top = list(rows.get(header_row, []))
    below = rows.get(header_row + 1, [])
    groups = [(c1, c2) for r1, c1, r2, c2 in head.merges if r1 == header_row and r2 == header_row and c2 > c1]
    tall = any(r1 == header_row and r2 > header_row for r1, _, r2, _ in head.merges)
    width = max(len(top), len(below) if (groups or tall) else 0)
    headers = [("" if i >= len(top) or top[i] is None else str(top[i]).strip()) for i in range(width)]
    if not (groups or tall) or not below or _header_score(below) == 0 and not groups:
        return headers, header_row + 1
    sub = ["" if i >= len(below) or below[i] is None else str(below[i]).strip() for i in range(width)]
    for c1, c2 in groups:
        parent = headers[c1] if c1 < width else ""
        for c in range(c1, min(c2, width - 1) + 1):
            child = sub[c]
            if not child:
                continue
            for candidate in (child + parent, parent + child, child):
                if _header_field(candidate):
                    headers[c] = candidate
                    break
            else:
                headers[c] = parent + child
    for c in range(width):
        if not headers[c] and sub[c]:
            headers[c] = sub[c]
    return headers, header_row + 2


def detect_header_row(head: SheetHead) -> int:
    """The row among the first ones that looks most like a header (most cells
    naming known fields); title rows, 填表说明 and blank rows score nothing."""
    best, best_score = None, 0
    for n, values in head.rows:
        score = _header_score(values)
        if score > best_score:
            best, best_score = n, score
    if best is None:
        for n, values in head.rows:
            if sum(1 for v in values if isinstance(v, str) and v.strip()) >= 2:
                return n
        return head.rows[0][0] if head.rows else 1
    return best


def xlsx_layout(db: Database, path, header_row: int | None = None) -> Layout:
    """Find (or take) the header row of the first sheet, its headers and the
    mapping: the one remembered for this layout, else a guess."""
    head = xlsx_read.read_head(path, rows=30, max_columns=sheet_limits(db)[1])
    if not head.rows:
        raise ValidationError("文件", f"“{Path(path).name}”的第一个工作表是空的。")
    if header_row is None:
        header_row = detect_header_row(head)
    elif header_row not in dict(head.rows):
        raise ValidationError("表头行", f"第 {header_row} 行是空的或不在表格前 30 行中，请另选表头行。")
    headers, data_row = _combined_headers(head, header_row)
    remembered = _remembered_mapping(db, headers)
    mapping = remembered if remembered is not None else guess_mapping(headers)
    return Layout(header_row, data_row, headers, mapping, remembered is not None, head.rows)


def _layout_key(headers) -> str:
    return "|".join(normalise_header(h) for h in headers)


def _remembered_mapping(db: Database, headers) -> dict | None:
    row = db.execute("SELECT value FROM settings WHERE key = ?", [MAPPINGS_KEY]).fetchone()
    layouts = json.loads(row[0]) if row else {}
    found = layouts.get(_layout_key(headers))
    if found is None:
        return None
    return {int(k): v for k, v in found.items() if int(k) < len(headers) and v in FIELD_LABELS}


def remember_mapping(db: Database, actor: Actor, headers, mapping: dict) -> None:
    """Keep the column mapping for sheets with these headers (audited)."""
    require(actor, roster.WRITE)
    key = _layout_key(headers)
    with db.atomic():
        row = db.execute("SELECT value FROM settings WHERE key = ?", [MAPPINGS_KEY]).fetchone()
        layouts = json.loads(row[0]) if row else {}
        value = {str(k): v for k, v in sorted(mapping.items())}
        if layouts.get(key) == value:
            return
        layouts.pop(key, None)
        layouts[key] = value
        while len(layouts) > 50:  # the oldest layouts go first
            layouts.pop(next(iter(layouts)))
        db.execute("INSERT INTO settings(key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value",
                   [MAPPINGS_KEY, json.dumps(layouts, ensure_ascii=False)])
        audit.record(db, actor, "setting", "settings", MAPPINGS_KEY, None, {"layout": key, "mapping": value})


def xlsx_headers(path) -> list[str]:
    """The headers of the detected header row of the first sheet."""
    head = xlsx_read.read_head(path, rows=30)
    if not head.rows:
        return []
    return _combined_headers(head, detect_header_row(head))[0]


def guess_mapping(headers: list[str]) -> dict[int, str]:
    """Column index → field for headers we recognise (the mapping step starts here)."""
    out: dict[int, str] = {}
    for i, h in enumerate(headers):
        f = _header_field(h or "")
        if f and f not in out.values():
            out[i] = f
    return out


# ---- turning cells into field text ------------------------------------------

def _display(value) -> str:
    """A cell as the clerk sees it (for messages and the failed-rows sheet)."""
    return xlsx_read.cell_text(value)


def display_cell(value) -> str:
    """A cell as the clerk sees it in Excel (for previews)."""
    return _display(value)


def _plain(text: str) -> str:
    """Full-width digits and letters made plain, every space removed."""
    return re.sub(r"[\s\u3000\u200b\ufeff]+", "", unicodedata.normalize("NFKC", text))


def id_number_text(value) -> tuple[str, str | None]:
    """(text, problem) for an ID-number cell. Excel keeps 15 significant digits,
    so an ID typed into a number cell has already lost its last digits."""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        raw = value.text if isinstance(value, xlsx_read.Number) else repr(value)
        digits = raw.split(".")[0] if re.fullmatch(r"\d+(\.0+)?", raw) else None
        if digits and len(digits) == 18 and is_valid_id_number(digits):
            return digits, None  # written by a program that kept every digit
        shown = f"{int(value):d}" if abs(value) < 1e20 else raw
        if abs(value) >= 1e14:
            return shown, ("表格把身份证号存成了数字：Excel 只保留 15 位有效数字，后几位已经丢失，无法还原。"
                           "请把这一列设为“文本”格式，重新录入号码（或在号码前加英文单引号 '）。")
        return shown, "表格把身份证号存成了数字，位数不对；请把这一列设为“文本”格式后重新录入。"
    text = _plain(_display(value)).upper()
    return text, None


def field_text(f: str, value) -> tuple[str, str | None]:
    """(text, problem) of a cell for a field: dates in the forms offices type
    (Excel dates or serials, 1985.07, 1985-07, 198507, 1985年7月), IDs as text
    or numbers, full-width digits and stray spaces normalised."""
    if value is None:
        return "", None
    if f == "id_number":
        return id_number_text(value)
    if f in DATE_FIELDS:
        if isinstance(value, (dt.date, dt.datetime)):
            return _display(value), None
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            raw = value.text if isinstance(value, xlsx_read.Number) else repr(value)
            if re.fullmatch(r"\d{4}\.\d", raw) and raw.endswith(".1"):
                return raw, (f"“{raw}”可能是 {raw[:4]} 年 1 月，也可能是 10 月（数字格式丢掉了末尾的 0）；"
                             f"请写成 {raw[:4]}.01 或 {raw[:4]}.10，并把这一列设为“文本”格式。")
            if re.fullmatch(r"\d{4}\.\d{1,2}", raw):
                return f"{raw[:4]}-{int(raw[5:]):02d}", None
            if float(value).is_integer() and 1 <= value < 80000:
                # an Excel date serial in a cell formatted as a number
                return (dt.date(1899, 12, 30) + dt.timedelta(days=int(value))).isoformat(), None
            return raw.split(".")[0] if raw.endswith(".0") else raw, None
        return _plain(str(value)), None
    if f == "phone":
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            return _display(value), None
        return _plain(str(value)).replace("－", "-"), None
    if f == "name":
        return re.sub(r"[\s\u3000]+", "", str(value)), None
    if f in ("rank", "staffing", "sex", "status", "nomination", "office"):
        text = re.sub(r"[\s\u3000]+", "", _display(value))
        return (vocab.normalise_staffing(text) if f == "staffing" else text), None
    return _display(value), None


# ---- import -----------------------------------------------------------------

class _RollBack(Exception):
    """Raised to undo the whole import when rows failed and the user did not
    choose to import the good rows."""


def import_xlsx(db: Database, actor: Actor, path, mapping: dict[int, str] | None = None, progress=None, header_row: int | None = None,
                good_rows_only: bool = False, remember: bool = True) -> ImportResult:
    """Import cadres from the first sheet. `header_row` (as Excel numbers rows)
    and `mapping` (column index → field) come from the mapping step; by default
    the detected header row and the remembered or guessed mapping.

    Every problem of every row is listed. Nothing is written when any row has
    a problem, unless good_rows_only: then the good rows are written and the
    bad ones listed (export them with export_problems_xlsx to fix and re-import)."""
    require(actor, roster.WRITE)
    path = Path(path)
    layout = xlsx_layout(db, path, header_row)
    mapping = {int(k): v for k, v in (mapping if mapping is not None else layout.mapping).items() if v}
    if "name" not in mapping.values():
        raise ValidationError("列对应", f"没有对应到“姓名”列，无法导入（表头在第 {layout.header_row} 行："
                                      f"{'、'.join(h for h in layout.headers if h)[:80]}）。")
    max_rows, max_columns = sheet_limits(db)
    rows = []
    raw_rows = {}
    name_col = next(i for i, f in mapping.items() if f == "name")
    for n, row in xlsx_read.iter_rows(path, max_rows=max_rows, max_columns=max_columns):
        if n < layout.data_row:
            continue
        cells = {f: (row[i] if i < len(row) else None) for i, f in mapping.items()}
        if not any(v not in (None, "") for v in cells.values()):
            continue
        first = next((v for v in row if v not in (None, "")), "")
        if isinstance(first, str) and NOTE_ROW_RE.match(first.strip()) and row[name_col:name_col + 1] in ([None], [first], []):
            continue  # a 填表人 / 合计 line under the table
        rows.append((n, cells))
        raw_rows[n] = row
    result = ImportResult(headers=layout.headers, file_name=path.name)
    about = {"import": path.name, "sha256": hashlib.sha256(path.read_bytes()).hexdigest()}
    result = import_rows(db, actor, rows, progress=progress, good_rows_only=good_rows_only, result=result,
                         columns={f: (layout.headers[i] if i < len(layout.headers) else "") or FIELD_LABELS.get(f, f)
                                  for i, f in mapping.items()}, about=about)
    result.failed_rows = {n: raw_rows[n] for n in sorted({p.row for p in result.problems}) if n in raw_rows}
    if remember and not result.rolled_back and (result.added or result.updated):
        remember_mapping(db, actor, layout.headers, mapping)
    return result


def import_rows(db: Database, actor: Actor, rows: list[tuple[int, dict]], progress=None, good_rows_only: bool = True,
                result: ImportResult | None = None, columns: dict | None = None,
                about: dict | None = None) -> ImportResult:
    """Import (row number, {field: cell value}) pairs in one transaction.
    'office' (name) and 'posts' (titles joined by 、) are resolved to the
    office and to appointments for posts that exist (乡长 finds the post of a
    镇长: titles are matched by role too); titles without a post are kept as
    现任职务 text. `about` names the import in the audit log (file, sha256).

    New cadres and their appointments are inserted in batches and sealed in
    bulk (audit.seal_new_rows: one bulk-seal row per table naming the import,
    every row's seal pointing at it) and one "import" audit row says who
    imported what; existing cadres are updated one by one, each audited.
    A 5,000-row 花名册 wrote 5,000 audit rows, one record per cadre, before."""
    require(actor, roster.WRITE)
    result = result or ImportResult()
    columns = columns or {}
    about = about or {"import": result.file_name or "花名册"}
    offices = {o["name"]: o["uuid"] for o in records.rows(db, "SELECT uuid, name FROM offices WHERE deleted = 0")}
    code = records.local_township_code(db)
    posts_by_title = _posts_by_title(db, code)
    by_id: dict = {}
    without_id: dict = {}  # (name, birth date) → the live cadres with no ID number
    by_masked_id: dict = {}  # (name, masked ID) → cadres: a masked export read back
    for number, uuid, name, birth in db.execute("SELECT id_number, uuid, name, coalesce(birth_date, '') FROM cadres "
                                                "WHERE deleted = 0"):
        if number:
            by_id[number] = uuid
            by_masked_id.setdefault((name, mask_id(number)), []).append(uuid)
        else:
            without_id.setdefault((name, birth), []).append(uuid)
    lists = {"rank": set(vocab.values(db, "rank")), "staffing": set(vocab.values(db, "staffing"))}
    state = _ImportState(offices, posts_by_title, by_id, {}, lists, columns, code, _NewCadres(db, actor, code),
                         without_id, by_masked_id)
    import gc

    gc_was_on = gc.isenabled()
    gc.disable()  # thousands of short-lived dicts, no cycles: the collector only costs time here
    try:
        with db.atomic():
            state.new_cadres.start()
            _import_all(db, actor, rows, result, state, progress)
            if result.problems and not good_rows_only:
                raise _RollBack  # nothing of the new cadres was written yet; the updates are undone
            state.new_cadres.finish(about)
            if result.added or result.updated:
                audit.record(db, actor, "import", "cadres", None, None,
                             {**about, "added": result.added, "updated": result.updated,
                              "appointments": state.new_cadres.appointments, "refused_rows": result.bad_rows})
    except _RollBack:
        result.rolled_back = True
        result.added = result.updated = 0
        result.new_values = {}
        result.unlinked_posts = {}
    finally:
        if gc_was_on:
            gc.enable()
    if progress:
        progress(len(rows), len(rows), "")
    return result


@dataclass
class _ImportState:
    offices: dict
    posts_by_title: dict
    by_id: dict
    seen_ids: dict
    lists: dict
    columns: dict
    code: str
    new_cadres: _NewCadres
    without_id: dict
    by_masked_id: dict
    matched_rows: dict = field(default_factory=dict)  # stored cadre without an ID → the row that matched it


class _NewCadres:
    """The new cadres of an import and their appointments, inserted in
    batches (one statement per batch and set of columns, change numbers
    reserved as a block) and, at the end, sealed in bulk under one audit row
    per table naming the import."""

    BATCH = 1000
    APPOINTMENT_COLUMNS = ("cadre_uuid", "post_uuid", "method", "uuid", "township_code", "version", "updated_at",
                           "updated_by", "deleted", "change_seq")

    def __init__(self, db: Database, actor: Actor, code: str):
        self.db, self.actor, self.code = db, actor, code
        self.actor_name = getattr(actor, "username", None) or str(actor)
        self.pending: list[tuple[dict, list[str]]] = []
        self.keys: list[str] = []
        self.count = self.appointments = 0
        self.first_id = self.first_appointment_id = 0

    def start(self) -> None:
        """Inside the import's transaction: the ids from here on are this import's."""
        self.first_id = self.db.execute("SELECT coalesce(max(id), 0) + 1 FROM cadres").fetchone()[0]
        self.first_appointment_id = self.db.execute("SELECT coalesce(max(id), 0) + 1 FROM appointments").fetchone()[0]

    def add(self, clean: dict, post_uuids: list[str]) -> str:
        """Queue a checked cadre and the posts it is appointed to; returns its uuid."""
        if not self.keys:
            self.keys = ids.new_uuids(self.BATCH)[::-1]
        row = dict(clean)
        row["uuid"] = self.keys.pop()
        self.pending.append((row, post_uuids))
        if len(self.pending) >= self.BATCH:
            self.flush()
        return row["uuid"]

    def flush(self) -> None:
        batch, self.pending = self.pending, []
        if not batch:
            return
        db, code, actor_name = self.db, self.code, self.actor_name
        now = records.now_iso()
        count = sum(1 + len(posts) for _, posts in batch)
        change = records.reserve_change_seqs(db, count)
        groups: dict[tuple, list] = {}  # rows with the same columns go in one statement
        appointment_rows = []
        keys = iter(ids.new_uuids(count - len(batch)))
        for row, posts in batch:
            change += 1
            row.update({"township_code": code, "version": 1, "updated_at": now, "updated_by": actor_name,
                        "deleted": 0, "change_seq": change})
            groups.setdefault(tuple(row), []).append(tuple(row.values()))
            for post_uuid in posts:
                change += 1
                appointment_rows.append((row["uuid"], post_uuid, "委任", next(keys), code, 1, now, actor_name, 0, change))
        for columns, rows in groups.items():
            db.conn.executemany(f"INSERT INTO cadres ({', '.join(f'[{c}]' for c in columns)}) "
                                f"VALUES ({', '.join('?' * len(columns))})", rows)
        if appointment_rows:
            db.conn.executemany(f"INSERT INTO appointments ({', '.join(self.APPOINTMENT_COLUMNS)}) "
                                f"VALUES ({', '.join('?' * len(self.APPOINTMENT_COLUMNS))})", appointment_rows)
        self.count += len(batch)
        self.appointments += len(appointment_rows)

    def finish(self, about: dict) -> None:
        self.flush()
        if self.count:
            audit.seal_new_rows(self.db, self.actor, "cadres", self.first_id, about)
        if self.appointments:
            audit.seal_new_rows(self.db, self.actor, "appointments", self.first_appointment_id, about)


def _posts_by_title(db: Database, code) -> dict:
    out: dict = {}
    posts = roster.posts(db, code)
    for p in posts:
        out.setdefault(p["title"], p["uuid"])
    for p in posts:  # then every title used for the same role elsewhere (乡长 ↔ 镇长)
        for title in vocab.TITLES_BY_ROLE.get(p.get("role") or "", []):
            out.setdefault(title, p["uuid"])
    return out


def _import_all(db: Database, actor: Actor, rows, result: ImportResult, state: _ImportState, progress) -> None:
    for k, (n, cells) in enumerate(rows):
        if progress and k % 200 == 0:
            progress(k, len(rows), f"第 {n} 行")
        problems: list[Problem] = []
        added = 0
        try:
            added = _import_one(db, actor, n, cells, state, problems, result)
        except _RowFailed:
            pass  # its problems are in `problems`
        except ValidationError as e:  # raised by the database layer (records), not by a field check
            problems.append(Problem(n, e.field or "", "", e.bare_message))
        if problems:
            for p in problems:
                result.add_problem(p)
            continue
        result.good_rows += 1
        if added == _UNCHANGED:
            result.unchanged += 1
        else:
            result.added += added
            result.updated += 1 - added


class _RowFailed(Exception):
    """A row had problems (already collected): undo its savepoint."""


_UNCHANGED = -1  # _import_one: the row is the stored cadre as it is (nothing written)


def _import_one(db: Database, actor: Actor, n, cells: dict, state: _ImportState, problems: list, result: ImportResult) -> int:
    columns = state.columns

    def problem(f, value, reason):
        problems.append(Problem(n, columns.get(f) or FIELD_LABELS.get(f, f), _display(value), reason))

    values = {}
    masked_id = ""
    for f, cell in cells.items():
        text, trouble = field_text(f, cell)
        if trouble:
            problem(f, cell, trouble)
            continue
        if (f in PRIVATE_ID_FIELDS and looks_masked_id(text)) or (f in PRIVATE_PHONE_FIELDS and looks_masked_phone(text)):
            # An export of someone without the right, read back: never stored, the stored number stays.
            result.masked[f] = result.masked.get(f, 0) + 1
            masked_id = text.strip() if f == "id_number" else masked_id
            continue
        values[f] = text
    office_name = values.pop("office", "").strip()
    titles = [t.strip() for t in re.split(r"[、,，;；/／\s]+", values.pop("posts", "") or "") if t.strip()]
    if office_name:
        if office_name not in state.offices:
            problem("office", office_name, "不是本镇的科室（请先在设置中添加，或导入时不对应此列）。")
        else:
            values["office_uuid"] = state.offices[office_name]
    if titles:
        values["current_post_text"] = "、".join(titles)
    clean = _validate_every_field(values, n, cells, problem)
    if clean is None or problems:
        raise _RowFailed
    id_number = clean.get("id_number")
    if id_number:
        if id_number in state.seen_ids:
            problem("id_number", id_number, f"与本文件第 {state.seen_ids[id_number]} 行重复。")
            raise _RowFailed
        state.seen_ids[id_number] = n
    for f in ("rank", "staffing"):
        v = clean.get(f)
        if v and v not in state.lists[f]:
            counts = result.new_values.setdefault(f, {})
            counts[v] = counts.get(v, 0) + 1
    existing = _matching_cadre(state, clean, id_number, masked_id, n, problem)
    post_uuids: list[str] = []
    for title in titles:
        post_uuid = state.posts_by_title.get(title)
        if post_uuid is None:
            result.unlinked_posts[title] = result.unlinked_posts.get(title, 0) + 1
        elif post_uuid not in post_uuids:
            post_uuids.append(post_uuid)
    if not existing:  # a new cadre holds nothing yet: no overlap to check
        cadre_uuid = state.new_cadres.add(clean, post_uuids)
        if id_number:
            state.by_id[id_number] = cadre_uuid
        return 1
    held = {a["post_uuid"] for a in roster.current_appointments(db, existing)}
    stored = records.get(db, "cadres", existing) or {}
    if len(post_uuids) == len(titles) and not stored.get("current_post_text"):
        clean.pop("current_post_text", None)  # every title is a post: the appointments say it, as they did
    changes = {k: v for k, v in clean.items() if _stored_text(stored.get(k)) != _stored_text(v)}
    new_posts = [p for p in post_uuids if p not in held]
    if not changes and not new_posts:
        return _UNCHANGED  # the exported roster read back: no version bump, no audit row
    with db.atomic():  # the update and its appointments whole, or nothing of the row
        if changes:
            records.update(db, "cadres", existing, changes, actor)
        for post_uuid in new_posts:
            records.insert(db, "appointments", {"cadre_uuid": existing, "post_uuid": post_uuid, "method": "委任"},
                           actor, township_code=state.code)
    return 0


def _stored_text(value) -> str:
    return "" if value is None else str(value).strip()


def _matching_cadre(state: _ImportState, clean: dict, id_number: str | None, masked_id: str, n, problem) -> str | None:
    """The cadre a row updates: by ID number; with the ID masked, the one cadre of that
    name whose ID masks the same way; without an ID, the one cadre of that name and
    birth date who has none either (a roster exported and read back). None: a new cadre."""
    if id_number:
        return state.by_id.get(id_number)
    name = clean.get("name")
    if masked_id:
        found = state.by_masked_id.get((name, masked_id), [])
        if len(found) > 1:
            problem("id_number", masked_id, f"身份证号是打码的，系统中有 {len(found)} 位“{name}”与之相符，分不清是哪一位；"
                                            "请填写完整的身份证号。")
            raise _RowFailed
        if found:
            return found[0]
    # Rows of one file are different people (as before): only cadres already stored are matched.
    found = state.without_id.get((name, clean.get("birth_date") or ""), [])
    if len(found) > 1:
        problem("name", name, f"系统中有 {len(found)} 位同名、同出生年月且没有身份证号的“{name}”，分不清是哪一位；"
                              "请填写身份证号，或在窗口中修改。")
        raise _RowFailed
    if found and found[0] in state.matched_rows:
        problem("name", name, f"与本文件第 {state.matched_rows[found[0]]} 行同名、同出生年月且都没有身份证号，"
                              "分不清是不是同一人；请填写身份证号。")
        raise _RowFailed
    if found:
        state.matched_rows[found[0]] = n
    return found[0] if found else None


def _validate_every_field(values: dict, n: int, cells: dict, problem) -> dict | None:
    """roster.validate_cadre stops at the first bad field; to list every
    problem of the row, the field it named is set aside and the rest checked
    again, until the row passes or a problem names no field of ours."""
    trial = dict(values)
    failed = False
    for _ in range(len(values) + 2):
        try:
            clean = roster.validate_cadre(trial, row=n)
            return None if failed else clean
        except ValidationError as e:
            failed = True
            f = LABEL_TO_FIELD.get(e.field)
            shown = f if f in cells else ("posts" if f == "current_post_text" else f)
            problem(shown or "", cells.get(shown, values.get(f, "")), e.bare_message)
            if f is None or f not in trial:
                return None
            if f == "name":
                trial["name"] = "某某"  # stands in so the other fields are still checked
            else:
                trial.pop(f)
    return None


def link_imported_posts(db: Database, actor: Actor) -> int:
    """Appoint cadres whose imported 现任职务 text names posts that now exist
    (after 建立标准机构 or adding posts). Returns the appointments made."""
    require(actor, roster.WRITE)
    code = records.local_township_code(db)
    made = 0
    with db.atomic():
        posts_by_title = _posts_by_title(db, code)
        if not posts_by_title:
            return 0
        for cadre_uuid, text in db.execute(
                "SELECT uuid, current_post_text FROM cadres c WHERE deleted = 0 AND status = '在职' "
                "AND current_post_text IS NOT NULL AND current_post_text != '' AND NOT EXISTS (SELECT 1 FROM "
                "appointments a WHERE a.cadre_uuid = c.uuid AND a.deleted = 0 AND a.end_date IS NULL)").fetchall():
            held = set()
            for title in re.split(r"[、,，;；/／\s]+", text):
                post_uuid = posts_by_title.get(title.strip())
                if post_uuid and post_uuid not in held:
                    records.insert(db, "appointments", {"cadre_uuid": cadre_uuid, "post_uuid": post_uuid,
                                                        "method": "委任"}, actor, township_code=code)
                    held.add(post_uuid)
                    made += 1
    return made


def export_problems_xlsx(result: ImportResult, path) -> int:
    """The refused rows as an .xlsx: the file's own headers and values plus a
    错误原因 column, so the clerk can fix them and import just those rows.
    Returns the row count."""
    path = Path(path)
    if path.suffix.lower() != ".xlsx":
        path = path.with_suffix(".xlsx")
    reasons: dict[int, list[str]] = {}
    for p in result.problems:
        reasons.setdefault(p.row, []).append(p.text())
    width = max([len(result.headers)] + [len(r) for r in result.failed_rows.values()])
    headers = [(result.headers[i] if i < len(result.headers) else "") or f"第 {i + 1} 列" for i in range(width)]
    with xlsx_write.Workbook(path) as wb:
        sheet = wb.add_sheet("有错的行", [(h, 14, "text") for h in headers] + [("错误原因", 60)] + [("原行号", 8)],
                             data_rows=len(reasons))
        for n in sorted(reasons):
            row = result.failed_rows.get(n, [])
            sheet.append([_display(row[i]) if i < len(row) else "" for i in range(width)]
                         + ["；".join(reasons[n]), n])
    return len(reasons)


def export_rows(db: Database, township_code: str | None = None, include_left: bool = True) -> list[dict]:
    """Every cadre with all exported fields (posts = current titles joined)."""
    where, params = roster._scope(township_code, include_left)
    return roster.attach_posts(db, records.rows(
        db, f"SELECT c.*, (SELECT name FROM offices f WHERE f.uuid = c.office_uuid) AS office "
            f"FROM cadres c WHERE {where} ORDER BY c.name_pinyin, c.id", params))


TEXT_COLUMNS = {"id_number", "phone", "birth_date", "party_join_date", "work_start_date"}


# Fields masked in an export by someone without personal.export.
PRIVATE_ID_FIELDS = ("id_number",)
PRIVATE_PHONE_FIELDS = ("phone",)


def _masked(rows: list[dict]) -> list[dict]:
    return [exports.mask_fields(r, PRIVATE_ID_FIELDS, PRIVATE_PHONE_FIELDS) for r in rows]


def export_roster(db: Database, actor: Actor, target, fmt: str = "xlsx", township_code: str | None = None,
                  include_left: bool = True, progress=None) -> tuple[int, Path]:
    """The roster export a person starts (window or command line): ID numbers
    and mobiles masked unless `actor` holds personal.export; one audit row
    (who, format, rows, file). `target` is the .xlsx file or, for "lrmx", the
    folder. Returns (rows, where written)."""
    exports.require_auditable(db)
    full = exports.full_numbers_allowed(actor)
    target = Path(target)
    if fmt == "xlsx":
        if target.suffix.lower() != ".xlsx":
            target = target.with_suffix(".xlsx")
        n = export_xlsx(db, target, township_code, include_left, progress, mask_private=not full)
    elif fmt == "lrmx":
        n = len(export_lrmx(db, target, township_code, include_left, progress, mask_private=not full))
    else:
        raise ValidationError("导出格式", f"不认识“{fmt}”，只能是 xlsx 或 lrmx。")
    exports.audit_export(db, actor, "cadres", target.name, n, fmt, full)
    return n, target


def export_xlsx(db: Database, path, township_code: str | None = None, include_left: bool = True, progress=None,
                mask_private: bool = False) -> int:
    """Write the roster to an .xlsx file (one row per cadre; ID numbers, phones
    and dates as text, so Excel keeps every digit). Returns the row count.
    People export through export_roster (rights and audit)."""
    rows = export_rows(db, township_code, include_left)
    if mask_private:
        rows = _masked(rows)
    columns = [(label, 20 if f in ("id_number", "resume", "school_fulltime") else 12,
                "text" if f in TEXT_COLUMNS else "") for f, label in XLSX_COLUMNS]
    with xlsx_write.Workbook(path) as wb:
        sheet = wb.add_sheet("干部名册", columns, data_rows=len(rows))
        for k, r in enumerate(rows):
            if progress and k % 500 == 0:
                progress(k, len(rows), "")
            sheet.append([r.get(f) or "" for f, _ in XLSX_COLUMNS])
    return len(rows)


# ---- lrmx -------------------------------------------------------------------

# lrmx element -> cadre field
LRMX_FIELDS = [
    ("XingMing", "name"), ("XingBie", "sex"), ("ChuShengNianYue", "birth_date"), ("MinZu", "ethnicity"),
    ("JiGuan", "native_place"), ("ChuShengDi", "birth_place"), ("RuDangShiJian", "party_join_date"),
    ("CanJiaGongZuoShiJian", "work_start_date"), ("ZhengZhiMianMao", "political_status"),
    ("ZhuanYeJiShuZhiWu", "specialty"),
    ("QuanRiZhiJiaoYu_XueLi", "edu_fulltime"), ("QuanRiZhiJiaoYu_XueWei", "degree_fulltime"),
    ("QuanRiZhiJiaoYu_XueLi_BiYeYuanXiaoXi", "school_fulltime"),
    ("ZaiZhiJiaoYu_XueLi", "edu_inservice"), ("ZaiZhiJiaoYu_XueWei", "degree_inservice"),
    ("ZaiZhiJiaoYu_XueLi_BiYeYuanXiaoXi", "school_inservice"),
    ("XianRenZhiWu", "current_post_text"), ("NiRenZhiWu", "proposed_post"), ("NiMianZhiWu", "removed_post"),
    ("JianLi", "resume"), ("JiangChengQingKuang", "rewards"), ("NianDuKaoHeJieGuo", "annual_assessments"),
    ("ShenFenZheng", "id_number"),
    ("JianKangZhuangKuang", "health"), ("ShuXiZhuanYeYouHeZhuanChang", "expertise"), ("RenMianLiYou", "appointment_reason"),
]
LRMX_DATE_FIELDS = {"birth_date", "party_join_date", "work_start_date"}
FAMILY_FIELDS = [("ChengWei", "relation"), ("XingMing", "name"), ("ChuShengRiQi", "birth"),
                 ("ZhengZhiMianMao", "political_status"), ("GongZuoDanWeiJiZhiWu", "work")]


def _yyyymm(value: str | None) -> str:
    """'1975-03-12' / '1975-03' → '197503' (the form's own month format)."""
    return (value or "").replace("-", "")[:6]


def cadre_to_lrmx(cadre: dict) -> bytes:
    """One cadre as an .lrmx document (UTF-8 XML, root <Person>)."""
    import xml.etree.ElementTree as ET  # only when writing one (not at start-up)

    root = ET.Element("Person")
    for tag, f in LRMX_FIELDS:
        value = cadre.get(f) or ""
        if f in LRMX_DATE_FIELDS:
            value = _yyyymm(value)
        ET.SubElement(root, tag).text = value
    family = cadre.get("family") or []
    if isinstance(family, str):
        import json

        family = json.loads(family) if family else []
    fam = ET.SubElement(root, "JiaTingChengYuan")
    for member in family:
        item = ET.SubElement(fam, "Item")
        for tag, f in FAMILY_FIELDS:
            ET.SubElement(item, tag).text = member.get(f) or ""
    photo = cadre.get("photo")
    ET.SubElement(root, "ZhaoPian").text = base64.b64encode(photo).decode("ascii") if photo else ""
    ET.SubElement(root, "TianBiaoShiJian").text = dt.date.today().strftime("%Y%m%d")
    ET.SubElement(root, "Version").text = "3.2.1.16"
    ET.indent(root)
    return b'<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="utf-8")


def parse_lrmx(data: bytes, name: str = "文件") -> dict:
    """Read an .lrmx document into cadre fields (family as a list, photo as bytes).
    Raises ValidationError for a file that is not an .lrmx form."""
    if len(data) > MAX_FILE_BYTES:
        raise ValidationError(name, "文件超过 50 MB。")
    if b"<!ENTITY" in data[:4096]:
        raise ValidationError(name, "文件含有实体声明，不是正常的干部任免审批表。")
    import xml.etree.ElementTree as ET  # only when reading one (not at start-up)

    try:
        root = ET.fromstring(data)
    except ET.ParseError as e:
        raise ValidationError(name, f"不是 .lrmx 干部任免审批表（XML 格式错误：{e}）。") from None
    if root.tag != "Person":
        raise ValidationError(name, f"不是 .lrmx 干部任免审批表（根元素应为 <Person>，实为 <{root.tag}>）。")
    values: dict = {}
    for tag, f in LRMX_FIELDS:
        el = root.find(tag)
        text = (el.text or "").strip() if el is not None else ""
        if text:
            values[f] = text
    values["family"] = [{f: (item.findtext(tag) or "").strip() for tag, f in FAMILY_FIELDS}
                        for item in root.findall("JiaTingChengYuan/Item")]
    photo = (root.findtext("ZhaoPian") or "").strip()
    if photo:
        try:
            values["photo"] = base64.b64decode(photo, validate=False)
        except (ValueError, TypeError):
            raise ValidationError(f"{name} 照片", "不是有效的 base64 图片数据。") from None
    return values


def import_lrmx_files(db: Database, actor: Actor, paths, progress=None) -> ImportResult:
    """Import .lrmx files (one cadre each). A bad file is listed and skipped;
    the others import. One transaction."""
    require(actor, roster.WRITE)
    result = ImportResult()
    by_id = {r[0]: r[1] for r in db.execute("SELECT id_number, uuid FROM cadres WHERE deleted = 0 AND id_number IS NOT NULL")}
    paths = [Path(p) for p in paths]
    with db.atomic():
        for k, path in enumerate(paths):
            if progress:
                progress(k, len(paths), path.name)
            try:
                if path.suffix.lower() != ".lrmx":
                    raise ValidationError(path.name, "不是 .lrmx 文件。")
                values = parse_lrmx(path.read_bytes(), path.name)
                with db.atomic():
                    try:
                        clean = roster.validate_cadre(values)
                    except ValidationError as e:
                        raise ValidationError(path.name, e.message) from None
                    existing = by_id.get(clean.get("id_number"))
                    if existing:
                        records.update(db, "cadres", existing, clean, actor)
                        result.updated += 1
                    else:
                        uuid = records.insert(db, "cadres", clean, actor)
                        if clean.get("id_number"):
                            by_id[clean["id_number"]] = uuid
                        result.added += 1
            except ValidationError as e:
                result.errors.append((path.name, f"{e.field}：{e.bare_message}" if e.field and e.field != path.name
                                      else e.bare_message))
            except OSError as e:
                result.errors.append((path.name, f"无法读取：{e.strerror or e}"))
    return result


def export_lrmx(db: Database, folder, township_code: str | None = None, include_left: bool = False, progress=None,
                mask_private: bool = False) -> list[Path]:
    """Write one .lrmx per cadre into `folder` (name_身份证后4位.lrmx). Returns the files.
    People export through export_roster (rights and audit)."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    rows = export_rows(db, township_code, include_left)
    if mask_private:
        rows = _masked(rows)
    out = []
    for k, r in enumerate(rows):
        if progress and k % 100 == 0:
            progress(k, len(rows), r["name"])
        if not r.get("current_post_text"):
            r["current_post_text"] = r.get("posts") or ""
        suffix = (r.get("id_number") or r["uuid"])[-4:]
        path = folder / f"{r['name']}_{suffix}.lrmx"
        path.write_bytes(cadre_to_lrmx(r))
        out.append(path)
    return out


def import_files(db: Database, actor: Actor, paths, mapping: dict[int, str] | None = None, progress=None, header_row: int | None = None,
                 good_rows_only: bool = False) -> ImportResult:
    """Import a mix of .xlsx and .lrmx files (the CLI's `roster import FILE...`).
    `mapping` and `header_row` apply to the .xlsx files; each .xlsx is all or
    nothing unless good_rows_only."""
    total = ImportResult()
    lrmx = [p for p in map(Path, paths) if p.suffix.lower() == ".lrmx"]
    others = [p for p in map(Path, paths) if p.suffix.lower() != ".lrmx"]
    for path in others:
        if path.suffix.lower() not in (".xlsx", ".xlsm"):
            total.errors.append((path.name, "文件类型不对：只能导入 .xlsx 表格或 .lrmx 干部任免审批表。"))
            continue
        try:
            r = import_xlsx(db, actor, path, mapping, progress, header_row=header_row, good_rows_only=good_rows_only)
        except AppError as e:
            total.errors.append((path.name, e.message))
            continue
        if len(others) == 1 and not lrmx:
            return r
        total.added += r.added
        total.updated += r.updated
        total.rolled_back = total.rolled_back or r.rolled_back
        total.good_rows += r.good_rows
        total.errors += [(f"{path.name} {w}", m) for w, m in r.errors]
        total.problems += r.problems
        for f, counts in r.new_values.items():
            for v, n in counts.items():
                total.new_values.setdefault(f, {})[v] = total.new_values.get(f, {}).get(v, 0) + n
        for t, n in r.unlinked_posts.items():
            total.unlinked_posts[t] = total.unlinked_posts.get(t, 0) + n
    if lrmx:
        r = import_lrmx_files(db, actor, lrmx, progress)
        total.added += r.added
        total.updated += r.updated
        total.errors += r.errors
    return total


# ---- the import template ----------------------------------------------------

TEMPLATE_FIELDS = ["name", "sex", "ethnicity", "birth_date", "id_number", "native_place", "political_status",
                   "party_join_date", "work_start_date", "edu_fulltime", "degree_fulltime", "school_fulltime",
                   "edu_inservice", "rank", "staffing", "office", "posts", "phone", "note"]
TEMPLATE_EXAMPLE = {"name": "张三", "sex": "男", "ethnicity": "汉族", "birth_date": "1985.07",
                    "id_number": "11010519491231002X", "native_place": "浙江杭州", "political_status": "中共党员",
                    "party_join_date": "2008.06", "work_start_date": "2007.08", "edu_fulltime": "本科",
                    "degree_fulltime": "学士", "school_fulltime": "浙江大学 行政管理", "edu_inservice": "研究生",
                    "rank": "四级主任科员", "staffing": "行政", "office": "", "posts": "副镇长",
                    "phone": "13800138000", "note": "示例行，导入前请删除"}


def write_template(db: Database, path) -> Path:
    """An .xlsx to fill in for the roster import: a title row, the header, an
    example row, drop-down lists for the reference columns (the office's own
    lists), ID, phone and date columns formatted as text, and a 说明 sheet."""
    path = Path(path)
    if path.suffix.lower() != ".xlsx":
        path = path.with_suffix(".xlsx")
    from models.core import settings

    kind = vocab.township_kind(settings.get(db, "township_name") or "")
    lists = {"sex": roster.SEXES, "political_status": roster.POLITICAL, "edu_fulltime": roster.EDUCATIONS,
             "edu_inservice": roster.EDUCATIONS, "rank": vocab.values(db, "rank"), "staffing": vocab.values(db, "staffing"),
             "office": [o["name"] for o in records.rows(db, "SELECT name FROM offices WHERE deleted = 0 ORDER BY name")],
             "posts": vocab.values(db, f"post_{kind}")}
    columns = [(FIELD_LABELS[f], 22 if f in ("id_number", "school_fulltime") else 12,
                "text" if f in TEXT_COLUMNS else "") for f in TEMPLATE_FIELDS]
    with xlsx_write.Workbook(path) as wb:
        sheet = wb.add_sheet("干部名册", columns, title=f"{settings.get(db, 'township_name') or ''}干部花名册")
        sheet.append_text_row([TEMPLATE_EXAMPLE.get(f, "") for f in TEMPLATE_FIELDS])
        for i, f in enumerate(TEMPLATE_FIELDS):
            if lists.get(f):
                sheet.add_list_validation(i, lists[f], first_row=3, last_row=5000)
        notes = wb.add_sheet("说明", [("说明", 100)], freeze=False)
        for line in [
            "第 1 行是标题，第 2 行是表头，从第 3 行起每行一人；第 3 行是示例，导入前请删除。",
            "“姓名”必填；其余列可留空。表头可以调整顺序或删去不用的列，导入时会核对列对应。",
            "身份证号、电话和日期列已设为“文本”格式：请直接输入，不要改回“常规”或“数值”"
            "（Excel 只保留 15 位有效数字，存成数字的身份证号后几位会丢失）。",
            "日期可写 1985.07、1985-07、198507、1985年7月 或完整日期 1985-07-12。",
            "职级、编制性质、政治面貌、学历、现任职务有下拉选项（本单位的参考列表）；不在列表中的值也能导入，导入后可加入列表。",
            "现任职务写多个时用顿号分开，如：党委委员、副镇长。还没有建立机构和岗位时，职务作为文字保存，建立后自动对应。",
            "有错的行不会导入；可在导入结果中选择“只导入无误的行”，并把有错的行另存为表格改正后再导入。",
        ]:
            notes.append([line])
    return path
