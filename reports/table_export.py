"""A table as the person sees it, written to .xlsx or printable HTML (the window's 导出 Excel / 打印).

Cells are written as text exactly as shown (masked where the table masks), never as formulas:
a value a person typed that starts with = + - @ is kept as text, so the sheet cannot run it.
"""

from __future__ import annotations

import html
from pathlib import Path

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font

# Characters that make Excel or WPS read a cell as a formula.
FORMULA_LEADS = ("=", "+", "-", "@", "\t", "\r")


def _cell(sheet, value: str, bold: bool = False) -> WriteOnlyCell:
    cell = WriteOnlyCell(sheet, value=value)
    if isinstance(value, str) and value.startswith(FORMULA_LEADS):
        cell.data_type = "s"  # text, not a formula
    if bold:
        cell.font = Font(bold=True)
    return cell


def write_table_xlsx(path: str | Path, title: str, headers: list[str], rows: list[list[str]]) -> int:
    """Write one sheet: a title row, the header row, then the rows. Returns the number of rows written."""
    book = Workbook(write_only=True)
    sheet = book.create_sheet(title=_sheet_name(title))
    sheet.append([_cell(sheet, title, bold=True)])
    sheet.append([_cell(sheet, h, bold=True) for h in headers])
    for row in rows:
        sheet.append([_cell(sheet, v) for v in row])
    book.save(str(path))
    return len(rows)


def _sheet_name(title: str) -> str:
    # Excel refuses these characters and names longer than 31.
    cleaned = "".join("_" if ch in '[]:*?/\\' else ch for ch in title).strip() or "表格"
    return cleaned[:31]


def table_html(title: str, headers: list[str], rows: list[list[str]]) -> str:
    """The table as HTML for printing (QTextDocument understands this subset)."""
    head = "".join(f"<th>{html.escape(h)}</th>" for h in headers)
    body = "".join("<tr>" + "".join(f"<td>{html.escape(v)}</td>" for v in row) + "</tr>" for row in rows)
    return (f"<h3 style='text-align:center'>{html.escape(title)}</h3>"
            "<table border='1' cellspacing='0' cellpadding='3' width='100%'>"
            f"<thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>")
