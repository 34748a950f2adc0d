"""Checks an .xlsx file before any reader opens it: spreadsheets come from
village help points on USB sticks and may be damaged or hostile."""

from __future__ import annotations

import os
import stat
import zipfile
from pathlib import Path

from models.core.errors import ValidationError

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
