"""The rows a package brings are checked with the forms' own validators
before anything is merged (issue 20): a township database edited with SQLite
and then exported carries validly signed rows that no form would accept.

One finding refuses the whole package, naming the table, the row's uuid and
the field. SQL finds the suspicious values (a Python loop over every cell of
a county's package would be too slow); the forms' validators
(personal.check_text, parse_date) then give the message. check_rows does the
checks any field takes (by column name) and then each table's own form rules
(models/handoff/form_rules.py).
"""

from __future__ import annotations

from models.core import personal
from models.core.errors import ValidationError
from models.core.labels import table_label
from models.handoff import form_rules
from models.handoff.export import table_columns
from models.handoff.package import PackageError

# Longest value a form accepts for a name-like field, and for any other text
# (résumés and ticket texts are long, but no form takes 50,000 characters).
NAME_MAX = 100
TEXT_MAX = 50_000
# Control characters other than tab, line feed and carriage return (which multi-line fields keep).
_CONTROL_CLASS = "".join(chr(c) for c in range(1, 32) if c not in (9, 10, 13)) + chr(127)
NON_NEGATIVE = ("households", "population", "establishment")


class BadPackageRow(PackageError):
    """A row of a package that no form would accept."""


def _is_name(column: str) -> bool:
    return column == "name" or column.endswith("_name")


def _looks_dated(column: str) -> bool:
    return column.endswith(("_date", "_at", "_time")) or column in ("date", "birth", "due")


def _refuse(table: str, uuid, column: str, message: str):
    label = table_label(table)
    raise BadPackageRow(f"数据包中{label}（表 {table}）的记录 {uuid} 的字段“{column}”无效：{message}"
                        "整个数据包已拒绝，数据库未改动。请让乡镇在程序里改正这条记录后重新导出。")


def check_rows(db, schema: str, tables: list[str]) -> None:
    """Raise BadPackageRow for the first row of `schema`.`tables` a form would refuse."""
    check_text_and_numbers(db, schema, tables)
    check_form_rules(db, schema, tables)


def check_form_rules(db, schema: str, tables: list[str]) -> None:
    """Each table's own form validator (form_rules.RULES) on the rows SQL finds suspect."""
    for table in tables:
        rules = form_rules.RULES.get(table, ())
        if not rules:
            continue
        columns = {c for c, _ in table_columns(db, table, schema)}
        key = "uuid" if "uuid" in columns else "rowid"
        for rule in rules:
            if not set(rule.needs) <= columns:
                continue  # a package from an older program without these columns: the checks above hold
            cur = db.execute(f"SELECT p.{key} AS _row_key, p.* FROM {schema}.[{table}] p "
                             f"WHERE {rule.suspect.replace('{schema}', schema)}")
            names = [d[0] for d in cur.description]
            for values in cur:
                row = dict(zip(names, values, strict=True))
                row_key = row.pop("_row_key")
                try:
                    rule.check(db, schema, row)
                except ValidationError as e:
                    column = rule.columns.get(e.field)
                    _refuse(table, row_key, f"{e.field}（{column}）" if column else e.field, e.bare_message)


def check_text_and_numbers(db, schema: str, tables: list[str]) -> None:
    """What no field of any form takes, by column name: NUL and control characters,
    over-long text, negative counts, impossible dates."""
    for table in tables:
        columns = table_columns(db, table, schema)
        key = "uuid" if "uuid" in {c for c, _ in columns} else "rowid"
        for column, kind in columns:
            if column in ("uuid", "photo") or column.endswith("_hash"):
                continue
            limit = NAME_MAX if _is_name(column) else TEXT_MAX
            sql_kind = (kind or "").upper()
            if column in NON_NEGATIVE:
                row = db.execute(f"SELECT {key}, [{column}] FROM {schema}.[{table}] "
                                 f"WHERE typeof([{column}]) IN ('integer', 'real') AND [{column}] < 0 LIMIT 1").fetchone()
                if row:
                    _refuse(table, row[0], column, f"不能是负数（{row[1]}）。")
            if "INT" in sql_kind or "REAL" in sql_kind or "BLOB" in sql_kind:
                continue
            row = db.execute(
                f"SELECT {key}, [{column}] FROM {schema}.[{table}] WHERE typeof([{column}]) = 'text' AND ("
                f"instr(CAST([{column}] AS BLOB), x'00') > 0 OR length([{column}]) > ? "
                f"OR [{column}] GLOB '*[' || ? || ']*') LIMIT 1", [limit, _CONTROL_CLASS]).fetchone()
            if row:
                value = row[1].replace("\x00", "\x01") if "\x00" in row[1] else row[1]
                try:
                    personal.check_text(value, column, max_len=limit, multiline=True)
                except ValidationError as e:
                    _refuse(table, row[0], column, e.bare_message)
                _refuse(table, row[0], column, "包含不可见的控制字符。")
            if _looks_dated(column):
                row = db.execute(
                    f"SELECT {key}, [{column}] FROM {schema}.[{table}] WHERE typeof([{column}]) = 'text' "
                    f"AND [{column}] GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]*' "
                    f"AND julianday(substr([{column}], 1, 10)) IS NULL LIMIT 1").fetchone()
                if row:
                    try:
                        personal.parse_date(row[1][:10], column)
                    except ValidationError as e:
                        _refuse(table, row[0], column, e.bare_message)
                    _refuse(table, row[0], column, f"“{row[1][:20]}”不是有效日期。")
