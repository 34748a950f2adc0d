"""The one lean .xlsx reader every import uses.

It streams the first visible worksheet's XML (openpyxl builds an object per
cell: 24 s for a 100,000-row ledger) and yields (Excel row number, values).
Values are str, Number (a float that remembers the digits as stored, so an ID
number saved as a number can be told apart from one that lost its digits),
datetime.date (told from numbers by the cell's number format, as Excel does)
or None.

Sheets come from village help points on USB sticks: the zip is checked
first (models.core.xlsx_safety.check_xlsx); the declared dimension must fit
an Excel grid; a cell beyond the column limit or a row beyond the row limit
that holds a value refuses the file before anything is allocated for it; a
shared-string index must exist. Every refusal is a ValidationError in
Chinese naming the file.
"""

from __future__ import annotations

import datetime as dt
import re
import zipfile
import zlib
from dataclasses import dataclass, field
from pathlib import Path
from xml.etree import ElementTree as ET

from models.core.errors import ValidationError
from models.core.xlsx_safety import MAX_SHEET_COLUMNS, MAX_SHEET_ROWS, check_xlsx

EXCEL_MAX_ROWS = 1_048_576
EXCEL_MAX_COLUMNS = 16_384
MAX_SHARED_STRINGS = 3_000_000
MAX_SHARED_STRINGS_BYTES = 80 * 1024 * 1024  # uncompressed sharedStrings.xml

_MAIN_NS = ("http://schemas.openxmlformats.org/spreadsheetml/2006/main",
            "http://purl.oclc.org/ooxml/spreadsheetml/main")  # transitional and strict
_REL_NS = ("http://schemas.openxmlformats.org/officeDocument/2006/relationships",
           "http://purl.oclc.org/ooxml/officeDocument/relationships")
_DATE_FORMAT_IDS = set(range(14, 23)) | {27, 28, 29, 30, 31, 32, 33, 34, 35, 36, 45, 46, 47, 50, 51, 52, 53, 54, 55,
                                         56, 57, 58}
_REF_RE = re.compile(r"([A-Za-z]{1,7})(\d{1,9})$")


class Number(float):
    """A numeric cell: the float, and `text`, the number exactly as stored."""

    __slots__ = ("text",)
    text: str

    def __new__(cls, text: str):
        self = super().__new__(cls, text)
        self.text = text
        return self


@dataclass
class SheetHead:
    """The first rows of a sheet and its merged ranges, for header detection."""

    rows: list = field(default_factory=list)  # (row number, values)
    merges: list = field(default_factory=list)  # (first row, first col, last row, last col), 1-based rows, 0-based cols
    sheet_name: str = ""


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def column_index(letters: str) -> int:
    n = 0
    for ch in letters.upper():
        n = n * 26 + (ord(ch) - 64)
    return n - 1


def split_ref(ref: str) -> tuple[int, int]:
    """'C7' → (7, 2): row number, 0-based column."""
    m = _REF_RE.match(ref or "")
    if not m:
        raise ValueError(ref)
    return int(m[2]), column_index(m[1])


def _is_date_format(code: str) -> bool:
    code = re.sub(r'"[^"]*"|\\.|\[[^\]]*\]', "", code or "").lower()
    return bool(re.search(r"[ymd]", code)) and "general" not in code


class _Book:
    """The parts every read needs: which sheet, shared strings, date styles."""

    def __init__(self, zf: zipfile.ZipFile, name: str):
        self.zf = zf
        names = {i.filename: i for i in zf.infolist()}
        self.names = names
        self.sheet_path, self.sheet_name, self.date1904 = self._first_sheet(name)
        if self.sheet_path not in names:
            raise ValidationError("文件", f"“{name}”中找不到工作表数据，文件可能已损坏。")
        self.date_styles = self._date_styles() if "xl/styles.xml" in names else set()
        self._shared: list[str] | None = None

    def _first_sheet(self, name):
        wb = ET.fromstring(self.zf.read("xl/workbook.xml"))
        date1904 = any(_local(el.tag) == "workbookPr" and el.get("date1904") in ("1", "true") for el in wb)
        sheets = [el for el in wb.iter() if _local(el.tag) == "sheet"]
        visible = [s for s in sheets if s.get("state", "visible") == "visible"] or sheets
        if not visible:
            raise ValidationError("文件", f"“{name}”中没有工作表。")
        first = visible[0]
        rid = next((first.get(f"{{{ns}}}id") for ns in _REL_NS if first.get(f"{{{ns}}}id")), None)
        path = "xl/worksheets/sheet1.xml"
        if rid and "xl/_rels/workbook.xml.rels" in self.zf.namelist():
            rels = ET.fromstring(self.zf.read("xl/_rels/workbook.xml.rels"))
            for rel in rels:
                if rel.get("Id") == rid:
                    target = rel.get("Target", "")
                    path = target.lstrip("/") if target.startswith("/") else "xl/" + target
                    path = re.sub(r"[^/]+/\.\./", "", path)
        return path, first.get("name", ""), date1904

    def _date_styles(self) -> set[int]:
        root = ET.fromstring(self.zf.read("xl/styles.xml"))
        custom = {}
        xfs = None
        for el in root:
            tag = _local(el.tag)
            if tag == "numFmts":
                for n in el:
                    number_id = n.get("numFmtId", "")
                    if number_id.isdigit():
                        custom[int(number_id)] = n.get("formatCode", "")
            elif tag == "cellXfs":
                xfs = el
        out = set()
        for i, xf in enumerate(xfs if xfs is not None else []):
            fid_text = xf.get("numFmtId", "0")
            fid = int(fid_text) if fid_text.isdigit() else 0
            if fid in _DATE_FORMAT_IDS or (fid in custom and _is_date_format(custom[fid])):
                out.add(i)
        return out

    def shared(self, file_name: str) -> list[str]:
        if self._shared is None:
            self._shared = []
            info = self.names.get("xl/sharedStrings.xml")
            if info is not None:
                if info.file_size > MAX_SHARED_STRINGS_BYTES:
                    raise ValidationError("文件", f"“{file_name}”的文字部分过大（{info.file_size // 1024 // 1024} MB），"
                                                f"请把表格拆成几个文件再导入。")
                out = self._shared
                with self.zf.open(info) as f:
                    for _, el in ET.iterparse(f):
                        if _local(el.tag) == "si":
                            out.append(_string_item(el))
                            el.clear()
                            if len(out) > MAX_SHARED_STRINGS:
                                raise ValidationError("文件", f"“{file_name}”的文字条目超过 {MAX_SHARED_STRINGS:,} 个，"
                                                            f"请把表格拆成几个文件再导入。")
        return self._shared


def _string_item(el) -> str:
    """The text of an <si> or <is>: its <t>, or its rich-text runs' <t>, never
    the phonetic guide (<rPh>, which WPS and Japanese Excel add); OOXML's
    _xHHHH_ escapes decoded (Excel writes a carriage return as _x000D_), as
    the quick path of _fast_cells does."""
    parts = []
    for child in el:
        tag = _local(child.tag)
        if tag == "t":
            parts.append(child.text or "")
        elif tag == "r":
            for t in child:
                if _local(t.tag) == "t":
                    parts.append(t.text or "")
    return _decode_ooxml("".join(parts))


def _open(path):
    path = Path(path)
    if not path.exists():
        raise ValidationError("文件", f"“{path.name}”不存在。")
    if path.suffix.lower() not in (".xlsx", ".xlsm"):
        raise ValidationError("文件", f"“{path.name}”不是 .xlsx 表格文件（旧的 .xls 或 .et 请先另存为 .xlsx）。")
    check_xlsx(path)
    try:
        return zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError):
        raise ValidationError("文件", f"“{path.name}”无法作为 .xlsx 读取，文件可能已损坏或不是表格。") from None


_BROKEN = (KeyError, ET.ParseError, ValueError, IndexError, zipfile.BadZipFile, zlib.error, EOFError, OverflowError)


def iter_rows(path, max_rows: int = MAX_SHEET_ROWS, max_columns: int = MAX_SHEET_COLUMNS):
    """Yield (row number as Excel shows it, [values]) for every row of the first
    visible sheet that holds a value. Raises ValidationError for a file that is
    not a readable .xlsx or exceeds the limits."""
    path = Path(path)
    zf = _open(path)
    with zf:
        try:
            book = _Book(zf, path.name)
            with zf.open(book.names[book.sheet_path]) as f:
                yield from _limited(_rows(f, book, path.name, max_columns), path.name, max_rows, max_columns)
        except ValidationError:
            raise
        except MemoryError:
            raise ValidationError("文件", f"“{path.name}”太大，内存不足以读取，请把表格拆成几个文件再导入。") from None
        except _BROKEN:
            raise ValidationError("文件", f"“{path.name}”的内容不是有效的 .xlsx 表格，文件可能已损坏。") from None


def declared_last_row(path) -> int | None:
    """The last row the first visible sheet's dimension declares, None when it
    declares none. For a progress bar's length only: a writer may leave the
    dimension out or declare A1, and the rows read are what counts."""
    path = Path(path)
    with _open(path) as zf:
        try:
            book = _Book(zf, path.name)
            with zf.open(book.names[book.sheet_path]) as f:
                head = f.read(64 << 10).decode("utf-8", "replace")  # the dimension comes before the data
        except _BROKEN:
            raise ValidationError("文件", f"“{path.name}”的内容不是有效的 .xlsx 表格，文件可能已损坏。") from None
    m = _DIMENSION_RE.search(head)
    if not m:
        return None
    _check_dimension(m[1], path.name)
    last = m[1].split(":")[-1].replace("$", "")
    return split_ref(last)[0] if last else None


def _limited(rows, name: str, max_rows: int, max_columns: int):
    counted = 0
    for row_number, values in rows:
        if row_number > EXCEL_MAX_ROWS or row_number < 1:
            raise ValidationError("文件", f"“{name}”的行号 {row_number} 超出 Excel 的范围，文件不正常。")
        if len(values) > max_columns:
            raise ValidationError("文件", f"“{name}”第 {row_number} 行有超过 {max_columns} 列的内容，"
                                        f"不像正常的表格（可在 设置 → 参数 中调整“导入表格最多列数”）。")
        if values:
            counted += 1
            if counted > max_rows:
                raise ValidationError("文件", f"“{name}”超过 {max_rows:,} 行，请分成几个文件导入"
                                            f"（可在 设置 → 参数 中调整“导入表格最多行数”）。")
            yield row_number, values


def _dense(cells, max_columns: int) -> list:
    """[(column, value)] → a list indexed by column. A column past the limit
    is refused by _limited before any list that long is made."""
    values: list = []
    for col, value in cells:
        if value is None or value == "":
            continue
        if col >= len(values):
            if col >= max_columns:
                return [None] * (max_columns + 1)  # _limited refuses the row
            values.extend([None] * (col - len(values) + 1))
        values[col] = value
    return values


# The sheet XML as Excel, WPS, LibreOffice and this program write it is read by
# two regular expressions (a row, then its cells): three times quicker than an
# XML parser here. A row that does not match them exactly — other attribute
# order, rich text, a namespace prefix — is parsed as XML instead, so nothing
# is guessed.
_EMPTY_ROW_RE = re.compile(r'<row\b[^>]*/>')
_ROW_NUMBER_RE = re.compile(r'\br="(\d+)"')
# Groups: column letters, style, inline text (t="inlineStr", this program's own
# sheets: first, so the commonest cell is matched without backtracking), type, <v>.
# Possessive quantifiers: nothing here is worth giving back (a third quicker).
_CELL_RE = re.compile(r'<c r="([A-Z]{1,3})\d++"(?: s="(\d++)")?+'
                      r'(?: t="inlineStr"><is><t(?: xml:space="preserve")?+>([^<]*+)</t></is></c>'
                      r'|(?: t="(\w++)")?+(?:/>|>(?:<f>[^<]*+</f>|<f\b[^>]*+/>)?+(?:<v>([^<]*+)</v>)?+</c>))')
_DIMENSION_RE = re.compile(r'<(?:\w+:)?dimension\s+ref="([^"]*)"')
_XMLNS_RE = re.compile(r'\sxmlns(?::\w+)?="[^"]*"')
_ENTITY_RE = re.compile(r"&(?:#(\d+)|#x([0-9A-Fa-f]+)|(amp|lt|gt|quot|apos));")
_OOXML_ESCAPE_RE = re.compile(r"_x([0-9A-Fa-f]{4})_")
_ENTITIES = {"amp": "&", "lt": "<", "gt": ">", "quot": '"', "apos": "'"}


def _unescape(text: str) -> str:
    if "&" in text:
        text = _ENTITY_RE.sub(lambda m: chr(int(m[1])) if m[1] else chr(int(m[2], 16)) if m[2] else _ENTITIES[m[3]],
                              text)
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")  # as an XML parser would
    return text


def _decode_ooxml(text: str) -> str:
    return _OOXML_ESCAPE_RE.sub(lambda m: chr(int(m[1], 16)), text) if "_x" in text else text


def _rows(f, book: _Book, name: str, max_columns: int):
    """Yield (row number, [values by column]) in file order."""
    epoch = dt.date(1904, 1, 1) if book.date1904 else dt.date(1899, 12, 30)
    date_styles = book.date_styles
    decoder = codecs_utf8()
    buffer = ""
    head_done = False
    wrapper = "<w>"
    next_row = 1
    while True:
        chunk = f.read(4 << 20)
        text = decoder.decode(chunk, final=not chunk)
        buffer += text
        if not head_done:
            start = buffer.find("<sheetData")
            if start < 0 and chunk:
                if len(buffer) > (1 << 20):
                    raise ValidationError("文件", f"“{name}”的工作表中找不到数据部分，文件可能已损坏。")
                continue
            head = buffer[:start] if start >= 0 else buffer
            if re.search(r"<\w+:worksheet\b", head):
                # Prefixed element names (strict OOXML writers): the XML parser reads it.
                yield from _rows_by_parser(book, name, epoch)
                return
            m = _DIMENSION_RE.search(head)
            if m:
                _check_dimension(m[1], name)
            root = re.search(r"<worksheet\b[^>]*>", head)
            wrapper = "<w" + "".join(_XMLNS_RE.findall(root[0] if root else "")) + ">"
            buffer = buffer[start:] if start >= 0 else ""
            head_done = True
        cut = buffer.rfind("</row>")
        end_of_data = buffer.find("</sheetData>")
        if end_of_data >= 0:
            cut = end_of_data
        elif not chunk:
            cut = len(buffer)
        elif cut < 0:
            if len(buffer) > (64 << 20):
                raise ValidationError("文件", f"“{name}”中有一行超过 64 MB，不像正常的表格。")
            continue
        else:
            cut += len("</row>")
        part, buffer = buffer[:cut], buffer[cut:]
        # Rows end with </row>; what precedes each body is its <row …> tag
        # (and any empty <row …/> tags before it).
        for piece in part.split("</row>"):
            open_at = piece.rfind("<row")
            if open_at < 0:
                continue
            close = piece.find(">", open_at)
            tag = piece[open_at:close + 1]
            if open_at:
                for empty in _EMPTY_ROW_RE.finditer(piece, 0, open_at):
                    r = _ROW_NUMBER_RE.search(empty[0])
                    next_row = (int(r[1]) if r else next_row) + 1
            if tag.endswith("/>"):
                r = _ROW_NUMBER_RE.search(tag)
                next_row = (int(r[1]) if r else next_row) + 1
                continue
            r = _ROW_NUMBER_RE.search(tag)
            row_number = int(r[1]) if r else next_row
            next_row = row_number + 1
            if close + 1 >= len(piece):
                continue  # <row …></row>
            values = _fast_cells(piece, close + 1, book, name, date_styles, epoch, max_columns, row_number)
            if values is None:
                values = _dense(_parsed_cells(wrapper + tag + piece[close + 1:] + "</row></w>", book, name, date_styles,
                                              epoch), max_columns)
            yield row_number, values
        if end_of_data >= 0 or not chunk:
            return


def codecs_utf8():
    import codecs

    return codecs.getincrementaldecoder("utf-8")()


_COLUMN_CACHE: dict[str, int] = {}


def _fast_cells(piece: str, start: int, book: _Book, name: str, date_styles, epoch, max_columns: int,
                row_number: int = 0):
    """The values of a row whose cells are piece[start:] in the usual shape
    (a list indexed by column), or None when any part of it is in another
    shape. (The row is read where it lies in the chunk: no copy of it.)"""
    found = _CELL_RE.findall(piece, start)
    if len(found) != piece.count("<c", start):
        return None
    values: list = []
    append = values.append
    cache = _COLUMN_CACHE
    shared = None
    # A row without entities, carriage returns or _xHHHH_ escapes (nearly every
    # row) needs no check of them cell by cell.
    plain = piece.find("&", start) < 0 and piece.find("\r", start) < 0 and piece.find("_x", start) < 0
    for letters, style, inline, kind, v in found:
        if inline:  # t="inlineStr" with its text (the first alternative of _CELL_RE)
            value = inline
            if not plain:
                if "&" in value or "\r" in value:
                    value = _unescape(value)
                if "_x" in value:
                    value = _decode_ooxml(value)
        elif not v:
            continue  # no value (an empty inline string, a formula without a cached value, <c …/>)
        elif not kind or kind == "n":
            value = Number(v.strip())
            if style and int(style) in date_styles and 0 < value < 2958466:
                value = epoch + dt.timedelta(days=int(value))
        elif kind == "s":
            if shared is None:
                shared = book.shared(name)
            i = int(v)
            if i >= len(shared):
                raise ValidationError("文件", f"“{name}”的单元格 {letters}{row_number} 引用了不存在的文字，文件已损坏。")
            value = shared[i]
            if not value:
                continue
        elif kind in ("str", "e"):
            value = _decode_ooxml(_unescape(v))
        elif kind == "b":
            value = "是" if v.strip() in ("1", "true") else "否"
        elif kind == "d":
            try:
                value = dt.date.fromisoformat(v[:10])
            except ValueError:
                value = v
        else:
            return None  # (an inlineStr holding a <v>, an unknown type): the XML parser decides
        col = cache.get(letters)
        if col is None:
            col = cache[letters] = column_index(letters)
        n = len(values)
        if col == n:
            append(value)
        elif col > n:
            if col >= max_columns:
                return [None] * (max_columns + 1)  # _limited refuses the row
            values.extend([None] * (col - n))
            append(value)
        else:
            values[col] = value
    return values


def _parsed_cells(xml: str, book: _Book, name: str, date_styles, epoch):
    row = ET.fromstring(xml)[0]
    out = []
    col = 0
    for c in row:
        if _local(c.tag) != "c":
            continue
        ref = c.get("r")
        if ref:
            _, col = split_ref(ref)
        out.append((col, _cell_value(c, book, name, date_styles, epoch)))
        col += 1
    return out


def _rows_by_parser(book: _Book, name: str, epoch):
    date_styles = book.date_styles
    next_row = 1
    with book.zf.open(book.names[book.sheet_path]) as f:
        for event, el in ET.iterparse(f, events=("start", "end")):
            tag = _local(el.tag)
            if event == "start":
                if tag == "dimension":
                    _check_dimension(el.get("ref", ""), name)
                continue
            if tag == "sheetData":
                return
            if tag != "row":
                continue
            r = el.get("r")
            row_number = int(r) if r and r.isdigit() else next_row
            next_row = row_number + 1
            cells = []
            col = 0
            for c in el:
                ref = c.get("r")
                if ref:
                    _, col = split_ref(ref)
                cells.append((col, _cell_value(c, book, name, date_styles, epoch)))
                col += 1
            el.clear()
            yield row_number, cells


def _check_dimension(ref: str, name: str) -> None:
    """A declared extent past Excel's own grid cannot come from a spreadsheet
    program: refuse it instead of trusting it."""
    last = ref.split(":")[-1]
    if not last:
        return
    try:
        rows, col = split_ref(last.replace("$", ""))
    except ValueError:
        raise ValidationError("文件", f"“{name}”声明的表格范围“{ref[:30]}”不正常，文件可能已损坏或被篡改。") from None
    if rows > EXCEL_MAX_ROWS or col >= EXCEL_MAX_COLUMNS:
        raise ValidationError("文件", f"“{name}”声明的表格范围“{ref[:30]}”超出 Excel 的最大范围，"
                                    f"文件可能已损坏或被篡改，已拒绝。")


def _cell_value(c, book: _Book, name: str, date_styles, epoch):
    kind = c.get("t", "n")
    if kind == "inlineStr":
        for child in c:
            if _local(child.tag) == "is":
                return _string_item(child)
        return None
    v = None
    for child in c:
        if _local(child.tag) == "v":
            v = child.text
            break
    if v is None:
        return None
    if kind == "s":
        shared = book.shared(name)
        i = int(v)
        if not 0 <= i < len(shared):
            raise ValidationError("文件", f"“{name}”的单元格 {c.get('r', '')} 引用了不存在的文字，文件已损坏。")
        return shared[i]
    if kind in ("str", "e"):
        return _decode_ooxml(v)
    if kind == "b":
        return "是" if v.strip() in ("1", "true") else "否"
    if kind == "d":
        try:
            return dt.date.fromisoformat(v[:10])
        except ValueError:
            return v
    number = Number(v.strip())
    s = c.get("s")
    if s is not None and s.isdigit() and int(s) in date_styles and 0 < number < 2958466:
        return epoch + dt.timedelta(days=int(number))
    return number


def read_head(path, rows: int = 30, max_columns: int = MAX_SHEET_COLUMNS, merges: bool = True) -> SheetHead:
    """The first `rows` rows holding a value, and (unless merges is False) the
    sheet's merged ranges (for the header-row choice and two-row headers).
    The merged ranges sit after the data: finding them decompresses the whole
    sheet (0.4 s for a 100,000-row ledger), so a caller that reads no merged
    header does without them."""
    head = SheetHead()
    for item in iter_rows(path, max_rows=MAX_SHEET_ROWS * 10, max_columns=max_columns):
        head.rows.append(item)
        if len(head.rows) >= rows:
            break
    if merges:
        head.merges = _merges(path, head.rows[-1][0] if head.rows else 0)
    return head


_MERGE_RE = re.compile(rb'<(?:\w+:)?mergeCell\s+ref="([A-Za-z]{1,7}\d{1,9}):([A-Za-z]{1,7}\d{1,9})"')


def _merges(path, up_to_row: int) -> list[tuple[int, int, int, int]]:
    """Merged ranges starting at or above `up_to_row`. They sit after the
    sheet's data, so the entry is decompressed and scanned as bytes (no XML
    parse), which is quick even for a long sheet."""
    path = Path(path)
    out: list[tuple[int, int, int, int]] = []
    with zipfile.ZipFile(path) as zf:
        try:
            book = _Book(zf, path.name)
            info = book.names[book.sheet_path]
            tail = b""
            seen = False
            with zf.open(info) as f:
                while True:
                    chunk = f.read(1 << 20)
                    if not chunk:
                        break
                    data = tail + chunk
                    if not seen and b"mergeCell" not in data:
                        tail = data[-64:]
                        continue
                    seen = True
                    cut = data.rfind(b"/>") + 2
                    for m in _MERGE_RE.finditer(data[:cut] if cut > 1 else b""):
                        r1, c1 = split_ref(m[1].decode())
                        r2, c2 = split_ref(m[2].decode())
                        if r1 <= up_to_row and len(out) < 10_000:
                            out.append((r1, c1, r2, c2))
                    tail = data[cut:] if cut > 1 else data[-256:]
        except _BROKEN:
            raise ValidationError("文件", f"“{path.name}”的内容不是有效的 .xlsx 表格，文件可能已损坏。") from None
    return out


def merged_ranges(path) -> list[tuple[int, int, int, int]]:
    """Every merged range of the first visible sheet: (first row, first col,
    last row, last col), rows as Excel shows them, columns 0-based."""
    return _merges(path, EXCEL_MAX_ROWS)


def fill_merged(rows, merges):
    """Rows from iter_rows with each merged range's value (held by its first
    cell only) copied into every cell of the range, as the person sees the
    sheet: a 春节 typed once over seven days names all seven."""
    by_row: dict[int, list[tuple[int, int, int, int]]] = {}
    for m in merges:
        if m[2] - m[0] <= 10_000 and m[3] < MAX_SHEET_COLUMNS:  # _merges already caps the count
            for r in range(m[0], m[2] + 1):
                by_row.setdefault(r, []).append(m)
    first_values: dict[tuple[int, int], object] = {}
    for n, values in rows:
        for r1, c1, _last_row, c2 in by_row.get(n, ()):
            if n == r1:
                first_values[(r1, c1)] = values[c1] if c1 < len(values) else None
            value = first_values.get((r1, c1))
            if value is None:
                continue
            if len(values) <= c2:
                values = values + [None] * (c2 + 1 - len(values))
            for c in range(c1, c2 + 1):
                if values[c] is None or values[c] == "":
                    values[c] = value
        yield n, values


def cell_text(value) -> str:
    """A cell as the clerk sees it in Excel: dates as 2026-12-01, whole numbers without “.0”, and an
    integer Excel shows in E-notation (3.30106198503071E+17) written out as Excel displays it."""
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        return value.date().isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, Number):
        text = value.text
        if re.fullmatch(r"-?\d+\.0+", text):
            return text.split(".")[0]
        if "e" in text.lower() and value.is_integer() and abs(value) < 1e21:
            return str(int(value))
        return text
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    return str(value).strip()

