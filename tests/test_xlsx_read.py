"""The shared lean reader (models/core/xlsx_read.py): its quick path (two
regular expressions, a row then its cells) gives exactly what the XML parser
gives for every cell shape, and hands every row it does not recognise whole
to the parser instead of guessing."""

import datetime as dt
import zipfile

import openpyxl
import pytest

from models.core import xlsx_read
from models.core.errors import ValidationError

NS = 'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'
SHARED = ["张三", "", "a&b", "石桥村"]

# One row body per shape the quick path knows and some it must hand over.
ROWS = [
    # this program's own writer: inline strings, a style, numbers
    '<c r="A{n}" s="4" t="inlineStr"><is><t>2025-002973</t></is></c><c r="B{n}" t="inlineStr"><is><t>张三</t></is></c>'
    '<c r="T{n}"><v>0</v></c>',
    # Excel: shared strings, numbers with a date style, a boolean, a formula with its value
    '<c r="A{n}" t="s"><v>0</v></c><c r="B{n}" s="1"><v>45627</v></c><c r="C{n}" t="b"><v>1</v></c>'
    '<c r="D{n}"><f>1+1</f><v>2</v></c><c r="E{n}" t="str"><f>A1</f><v>x&amp;y</v></c>',
    # gaps, an empty shared string, an empty inline string, a self-closed cell, a formula without value
    '<c r="C{n}" t="s"><v>1</v></c><c r="D{n}" t="inlineStr"><is><t></t></is></c><c r="E{n}" s="3"/>'
    '<c r="F{n}"><f>1/0</f></c><c r="H{n}" t="s"><v>3</v></c>',
    # entities, a carriage return, an OOXML escape, a preserved space
    '<c r="A{n}" t="inlineStr"><is><t>a&lt;b&amp;c</t></is></c><c r="B{n}" t="inlineStr"><is><t>x\r\ny</t></is></c>'
    '<c r="C{n}" t="inlineStr"><is><t>a_x000D_b</t></is></c><c r="D{n}" t="inlineStr">'
    '<is><t xml:space="preserve"> 前后 </t></is></c>',
    # a number in E-notation, an error, a date cell (t="d"), a number of type n
    '<c r="A{n}"><v>3.30106198503071E+17</v></c><c r="B{n}" t="e"><v>#N/A</v></c>'
    '<c r="C{n}" t="d"><v>2026-03-01T00:00:00</v></c><c r="D{n}" t="n"><v>12.50</v></c>',
    # shapes for the parser: rich text, attributes in another order, a phonetic guide
    '<c r="A{n}" t="inlineStr"><is><r><t>富</t></r><r><t>文本</t></r></is></c><c t="s" r="B{n}"><v>0</v></c>'
    '<c r="C{n}" t="inlineStr"><is><t>姓名</t><rPh sb="0" eb="2"><t>xingming</t></rPh></is></c>',
    # an inline-string cell holding a <v> (not Excel's): the parser's reading, none
    '<c r="A{n}" t="inlineStr"><v>5</v></c><c r="B{n}" t="inlineStr"/><c r="C{n}" t="inlineStr"><is><t>ok</t></is></c>',
]


def _write(path, rows_xml: list[str], shared=SHARED):
    sheet = (f'<?xml version="1.0" encoding="UTF-8"?><worksheet {NS}><dimension ref="A1:Z{len(rows_xml)}"/>'
             "<sheetData>" + "".join(f'<row r="{n}">{body.format(n=n)}</row>' for n, body in enumerate(rows_xml, 1))
             + "</sheetData></worksheet>")
    sst = (f'<sst {NS} count="{len(shared)}">' + "".join(f"<si><t>{s.replace('&', '&amp;')}</t></si>" for s in shared)
           + "</sst>")
    styles = (f'<styleSheet {NS}><cellXfs count="4"><xf numFmtId="0"/><xf numFmtId="14"/><xf numFmtId="0"/>'
              '<xf numFmtId="0"/></cellXfs></styleSheet>')
    workbook = (f'<workbook {NS} xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
                '<sheets><sheet name="s" sheetId="1" r:id="rId1"/></sheets></workbook>')
    rels = ('<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet"'
            ' Target="worksheets/sheet1.xml"/></Relationships>')
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("[Content_Types].xml", '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"/>')
        zf.writestr("xl/workbook.xml", workbook)
        zf.writestr("xl/_rels/workbook.xml.rels", rels)
        zf.writestr("xl/styles.xml", styles)
        zf.writestr("xl/sharedStrings.xml", sst)
        zf.writestr("xl/worksheets/sheet1.xml", sheet)
    return path


def _typed(values):
    return [(type(v).__name__, getattr(v, "text", None), v) for v in values]


def _by_parser(path):
    """The same sheet read cell by cell by the XML parser (the reader's own slow path)."""
    with zipfile.ZipFile(path) as zf:
        book = xlsx_read._Book(zf, path.name)
        epoch = dt.date(1899, 12, 30)
        return [(n, _typed(xlsx_read._dense(cells, 100))) for n, cells in xlsx_read._rows_by_parser(book, path.name, epoch)
                if xlsx_read._dense(cells, 100)]


def test_quick_path_reads_every_shape_as_the_parser_does(tmp_path):
    path = _write(tmp_path / "shapes.xlsx", ROWS)
    quick = [(n, _typed(v)) for n, v in xlsx_read.iter_rows(path)]
    assert quick == _by_parser(path)
    rows = dict(xlsx_read.iter_rows(path))
    assert rows[1][:2] == ["2025-002973", "张三"] and rows[1][19].text == "0"
    assert rows[2][0] == "张三" and rows[2][1] == dt.date(2024, 12, 1) and rows[2][2] == "是"
    assert rows[2][3].text == "2" and rows[2][4] == "x&y"
    assert rows[3] == [None, None, None, None, None, None, None, "石桥村"]  # '' and blanks are no values
    assert rows[4] == ["a<b&c", "x\ny", "a\rb", " 前后 "]
    assert rows[5][0].text == "3.30106198503071E+17" and rows[5][1] == "#N/A"
    assert rows[5][2] == dt.date(2026, 3, 1) and rows[5][3].text == "12.50"
    assert rows[6] == ["富文本", "张三", "姓名"]  # the phonetic guide is not the text
    assert rows[7] == [None, None, "ok"]
    # rows 1-5 were read by the quick path, 6 and 7 by the parser
    with zipfile.ZipFile(path) as zf:
        book = xlsx_read._Book(zf, path.name)
        quick_rows = [n for n, body in enumerate(ROWS, 1)
                      if xlsx_read._fast_cells(body.format(n=n), 0, book, path.name, book.date_styles,
                                               dt.date(1899, 12, 30), 100, n) is not None]
    assert quick_rows == [1, 2, 3, 4, 5]


def test_quick_path_takes_each_row_or_none_of_it(tmp_path):
    """A row with one cell the quick path does not know is read whole by the
    parser (never half of it quick): the row of mixed shapes equals the parser's."""
    body = ('<c r="A{n}" t="inlineStr"><is><t>快</t></is></c><c r="B{n}" t="inlineStr"><is><r><t>慢</t></r></is></c>'
            '<c r="C{n}"><v>7</v></c>')
    path = _write(tmp_path / "mixed.xlsx", [body] * 3)
    assert [(n, _typed(v)) for n, v in xlsx_read.iter_rows(path)] == _by_parser(path)
    assert dict(xlsx_read.iter_rows(path))[2][:2] == ["快", "慢"]


def test_a_missing_shared_string_names_the_cell(tmp_path):
    path = _write(tmp_path / "bad.xlsx", ['<c r="A{n}" t="inlineStr"><is><t>x</t></is></c>', '<c r="C{n}" t="s"><v>9</v></c>'])
    with pytest.raises(ValidationError) as e:
        list(xlsx_read.iter_rows(path))
    assert "C2" in e.value.bare_message and "不存在的文字" in e.value.bare_message


def test_openpyxl_workbook_reads_as_openpyxl_wrote_it(tmp_path):
    """Shared strings, dates, numbers and gaps as openpyxl (Excel's layout) writes them."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["标题"])
    ws.append(["姓名", "日期", "数", None, "号码"])
    for i in range(300):
        ws.append([f"张{i % 7}", dt.date(2026, 1, 1) + dt.timedelta(days=i), i * 1.5, None, "330106" + str(i).zfill(12)])
    path = tmp_path / "o.xlsx"
    wb.save(path)
    rows = list(xlsx_read.iter_rows(path))
    assert len(rows) == 302 and rows[0] == (1, ["标题"])
    n, values = rows[-1]
    assert n == 302 and values[0] == "张5" and values[1] == dt.date(2026, 1, 1) + dt.timedelta(days=299)
    assert values[2] == 448.5 and values[3] is None and values[4] == "330106000000000299"
    assert [(n, _typed(v)) for n, v in rows] == _by_parser(path)
