"""Exports of personal data are a right and leave a trace (issue 20).

Every export a person starts — the window's or the command line's — goes
through here: ID numbers and phones are masked unless the actor holds
`personal.export`, and one audit row says who exported what, how many rows
and into which file.
"""

from __future__ import annotations

from pathlib import Path

from models.core import audit
from models.core.personal import mask_id, mask_phone, mask_private_numbers

from typing import TYPE_CHECKING

if TYPE_CHECKING:  # annotations only
    from models.core.users import Actor
    from sqlite_utils import Database

FULL_NUMBERS = "personal.export"


def full_numbers_allowed(actor: Actor) -> bool:
    """Whether `actor` may see full ID numbers and phones in an export."""
    return actor is not None and actor.can(FULL_NUMBERS)


def mask_fields(row: dict, id_fields=(), phone_fields=()) -> dict:
    """A copy of `row` with the named ID-number and phone fields masked."""
    out = dict(row)
    for f in id_fields:
        if out.get(f):
            out[f] = mask_id(out[f])
    for f in phone_fields:
        if out.get(f):
            out[f] = mask_phone(out[f])
    return out


def require_auditable(db: Database) -> None:
    """Refuse an export up front when its audit row could not be written
    (a database opened read-only): no file leaves without its trace."""
    from models.core.db import StorageError

    reason = getattr(db, "read_only_reason", None)
    if reason:
        raise StorageError(f"导出个人信息须记入审计日志，但数据库现为只读（{reason}），不能导出。请以可写方式打开后再导出。")


def audit_export(db: Database, actor: Actor, table: str, file_name: str, rows: int, fmt: str, full_numbers: bool,
                 **details) -> None:
    """One audit row for one export: who (the actor), what (table, format), how many rows, which file."""
    with db.atomic():
        audit.record(db, actor, "export", table, None, None,
                     {"file": Path(file_name).name, "format": fmt, "rows": rows,
                      "full_ids": full_numbers, **details})


def export_table_xlsx(db: Database, actor: Actor, path, title: str, headers: list[str], rows: list[list[str]],
                      table: str = "table_view") -> int:
    """The window's generic 导出 Excel of a table as shown: any cell text shaped
    like an ID number or mobile is masked unless the actor may export full
    numbers; audited. Returns the number of rows written."""
    from reports.table_export import write_table_xlsx

    require_auditable(db)
    full = full_numbers_allowed(actor)
    if not full:
        rows = [[mask_private_numbers(v) if isinstance(v, str) else v for v in row] for row in rows]
    n = write_table_xlsx(path, title, headers, rows)
    audit_export(db, actor, table, str(path), n, "xlsx", full, title=title)
    return n
