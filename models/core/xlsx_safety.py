"""Checks an .xlsx file before any reader opens it: spreadsheets come from
village help points on USB sticks and may be damaged or hostile."""

from __future__ import annotations

import os
import stat
import zipfile
from pathlib import Path

from models.core.errors import ValidationError

from typing import TYPE_CHECKING

if TYPE_CHECKING:  # annotations only
    from sqlite_utils import Database

MAX_FILE_BYTES = 50 * 1024 * 1024
MAX_ENTRY_BYTES = 200 * 1024 * 1024
MAX_TOTAL_BYTES = 500 * 1024 * 1024
MAX_RATIO = 200  # real sheets compress ~5-20×; zip bombs by thousands
MAX_ENTRIES = 2000


def check_xlsx(path) -> None:
    """Raise ValidationError unless `path` is a regular file holding a zip
    whose entries expand to a sane size. Reads only the zip directory."""
    path = Path(path)
    name = path.name
    try:
        st = os.stat(path)
    except OSError:
        raise ValidationError("文件", f"找不到文件“{name}”。") from None
    if not stat.S_ISREG(st.st_mode):
        # A device such as /dev/zero reports size 0 and never ends.
        raise ValidationError("文件", f"“{name}”不是普通文件。")
    if st.st_size > MAX_FILE_BYTES:
        raise ValidationError("文件", f"“{name}”超过 {MAX_FILE_BYTES // 1024 // 1024} MB。")
    try:
        with zipfile.ZipFile(path) as zf:
            infos = zf.infolist()
    except (zipfile.BadZipFile, OSError, ValueError, EOFError):
        raise ValidationError("文件", f"“{name}”无法作为 .xlsx 读取，文件可能已损坏或不是表格。") from None
    if len(infos) > MAX_ENTRIES:
        raise ValidationError("文件", f"“{name}”包含的部件过多，不像正常的表格文件。")
    total = 0
    for info in infos:
        total += info.file_size
        ratio = info.file_size / max(info.compress_size, 1)
        if info.file_size > MAX_ENTRY_BYTES or total > MAX_TOTAL_BYTES or (info.file_size > 1024 * 1024 and ratio > MAX_RATIO):
            raise ValidationError("文件", f"“{name}”解压后过大（{info.filename}），可能是损坏或恶意的文件，已拒绝。")


# ---- what a sheet may declare and hold (checked before anything is allocated) --

MAX_SHEET_ROWS = 200_000   # defaults of the settings below
MAX_SHEET_COLUMNS = 200


def sheet_limits(db: Database | None = None) -> tuple[int, int]:
    """(max rows, max columns) an import reads: the settings when a database
    is given, else the defaults."""
    if db is None:
        return MAX_SHEET_ROWS, MAX_SHEET_COLUMNS
    from models.core import settings

    return (int(settings.get(db, "xlsx_max_rows") or MAX_SHEET_ROWS),
            int(settings.get(db, "xlsx_max_columns") or MAX_SHEET_COLUMNS))


def _register_settings() -> None:
    from models.core import settings

    settings.register("xlsx_max_rows", MAX_SHEET_ROWS, "导入表格最多行数", int)
    settings.register("xlsx_max_columns", MAX_SHEET_COLUMNS, "导入表格最多列数", int)


_register_settings()


# ---- formula injection (OWASP "CSV injection") -----------------------------

# A cell beginning with one of these may be taken for a formula or a DDE call
# by Excel, WPS or LibreOffice.
FORMULA_TRIGGERS = frozenset("=+-@\t\r")


def looks_like_formula(value) -> bool:
    return isinstance(value, str) and value != "" and value[0] in FORMULA_TRIGGERS


def csv_safe(value):
    """A value for a CSV cell: text that a spreadsheet would evaluate gets a
    leading apostrophe, as the OWASP guidance says (CSV has no cell types)."""
    if looks_like_formula(value):
        return "'" + value
    return value


def openpyxl_text(cell) -> None:
    """Make an openpyxl cell holding such text a plain string cell with
    Excel's text marker: openpyxl otherwise writes text beginning with "="
    as a live formula."""
    if looks_like_formula(cell.value):
        cell.data_type = "s"
        cell.quotePrefix = True
