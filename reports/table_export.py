"""A table as the person sees it, written to .xlsx or printable HTML (the window's 导出 Excel / 打印).

Cells are written as text exactly as shown (masked where the table masks), never as formulas
(models/core/xlsx_write): a value a person typed that starts with = + - @ stays text.
"""

from __future__ import annotations

import html
from pathlib import Path

from models.core.xlsx_write import Workbook


def write_table_xlsx(path: str | Path, title: str, headers: list[str], rows: list[list[str]]) -> int:
    """Write one sheet: a title row, the header row, then the rows, through the program's one
    streaming writer (which never writes a formula). Returns the number of rows written."""
    with Workbook(path) as book:
        sheet = book.add_sheet(title, [(h, max(8, min(40, len(h) * 2 + 4)), "text") for h in headers], title=title,
                               data_rows=len(rows))
        for row in rows:
            sheet.append(row)
    return len(rows)


def table_html(title: str, headers: list[str], rows: list[list[str]]) -> str:
    """The table as HTML for printing (QTextDocument understands this subset)."""
    head = "".join(f"<th>{html.escape(h)}</th>" for h in headers)
    body = "".join("<tr>" + "".join(f"<td>{html.escape(v)}</td>" for v in row) + "</tr>" for row in rows)
    return (f"<h3 style='text-align:center'>{html.escape(title)}</h3>"
            "<table border='1' cellspacing='0' cellpadding='3' width='100%'>"
            f"<thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>")
