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

from typing import TYPE_CHECKING

if TYPE_CHECKING:  # annotations only
    from sqlite_utils import Database

# Longest value a form accepts for a name-like field, and for any other text
# (résumés and ticket texts are long, but no form takes 50,000 characters).
NAME_MAX = 100
TEXT_MAX = 50_000
# Control characters other than tab, line feed and carriage return (which multi-line fields keep).
# As GLOB ranges: three times faster than listing the 30 characters (measured on 20,000 tickets).
_CONTROL_CLASS = "\x01-\x08\x0b\x0c\x0e-\x1f\x7f"
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


def check_rows(db: Database, schema: str, tables: list[str]) -> None:
    """Raise BadPackageRow for the first row of `schema`.`tables` a form would refuse."""
    check_text_and_numbers(db, schema, tables)
    check_form_rules(db, schema, tables)


def check_form_rules(db: Database, schema: str, tables: list[str]) -> None:
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
            joins = rule.joins.replace("{schema}", schema)
            cur = db.execute(f"SELECT p.{key} AS _row_key, p.* FROM {schema}.[{table}] p {joins} "
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


def _conditions(columns) -> list[tuple[str, str, str]]:
    """(column, what, SQL condition) of every check by column name; the conditions
    use the parameters :name_max, :text_max and :control."""
    out = []
    for column, kind in columns:
        if column in ("uuid", "photo") or column.endswith("_hash"):
            continue
        c = f"[{column}]"
        sql_kind = (kind or "").upper()
        if column in NON_NEGATIVE:
            out.append((column, "negative", f"(typeof({c}) IN ('integer', 'real') AND {c} < 0)"))
        if "INT" in sql_kind or "REAL" in sql_kind or "BLOB" in sql_kind:
            continue
        limit = ":name_max" if _is_name(column) else ":text_max"
        out.append((column, "text", f"(typeof({c}) = 'text' AND (instr(CAST({c} AS BLOB), x'00') > 0 "
                                    f"OR length({c}) > {limit} OR {c} GLOB '*[' || :control || ']*'))"))
        if _looks_dated(column):
            out.append((column, "date", f"(typeof({c}) = 'text' AND {c} GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]*' "
                                        f"AND julianday(substr({c}, 1, 10)) IS NULL)"))
    return out


# In SQLite's JSON text every character below U+0020 (NUL included) is written
# \u00XX, or \b \f \n \r \t; DEL (U+007F) stays as it is. Tab, line feed and
# carriage return are what multi-line fields keep, so these four searches find
# every character the checks refuse (a backslash typed before u00, b or f is a
# false alarm, which the per-column conditions then clear).
_JSON_SUSPECT = "instr(j, '\\u00') OR instr(j, '\\b') OR instr(j, '\\f') OR instr(j, char(127))"


def _screening_query(schema: str, table: str, conditions) -> str:
    """SQL: one row when a check of _conditions may fail for some row of the table
    (at least every row they flag; they then name the row and field). C only, no
    Python per row (issue 22: handing 30 text values a row to a Python function
    was most of this check on a county's package): the text columns of a row go
    into ONE json_array, searched for control characters and, for the 50,000-
    character limit, measured once (the JSON is at least as long as any of its
    values); name-like columns are measured each; dates and counts as before.
    CAST AS TEXT lets json_array take a BLOB in a text column (it refuses BLOBs;
    the checks look only at text). LIMIT -1 keeps the subquery from being merged
    into the WHERE: merged, the JSON was made again for each of the searches."""
    texts = [column for column, what, _ in conditions if what == "text"]
    plain = [condition for _, what, condition in conditions if what != "text"]
    plain += [f"length([{c}]) > :name_max" for c in texts if _is_name(c)]
    if not texts:
        return f"SELECT 1 FROM {schema}.[{table}] WHERE {' OR '.join(plain)} LIMIT 1"
    values = ", ".join(f"CAST([{c}] AS TEXT)" for c in texts)
    return (f"SELECT 1 FROM (SELECT ({' OR '.join(plain) or '0'}) AS flagged, json_array({values}) AS j "
            f"FROM {schema}.[{table}] LIMIT -1) WHERE flagged OR length(j) > :text_max OR {_JSON_SUSPECT} LIMIT 1")


def check_text_and_numbers(db: Database, schema: str, tables: list[str]) -> None:
    """What no field of any form takes, by column name: NUL and control characters,
    over-long text, negative counts, impossible dates. One scan per table finds
    whether any row is wrong (a scan per column cost seconds on a county's
    package); only then is each column looked at to name the row and field."""
    params = {"name_max": NAME_MAX, "text_max": TEXT_MAX, "control": _CONTROL_CLASS}
    for table in tables:
        columns = table_columns(db, table, schema)
        key = "uuid" if "uuid" in {c for c, _ in columns} else "rowid"
        conditions = _conditions(columns)
        if not conditions:
            continue
        if not db.execute(_screening_query(schema, table, conditions), params).fetchone():
            continue
        for column, what, condition in conditions:
            row = db.execute(f"SELECT {key}, [{column}] FROM {schema}.[{table}] WHERE {condition} LIMIT 1",
                             params).fetchone()
            if not row:
                continue
            if what == "negative":
                _refuse(table, row[0], column, f"不能是负数（{row[1]}）。")
            elif what == "text":
                limit = NAME_MAX if _is_name(column) else TEXT_MAX
                value = row[1].replace("\x00", "\x01") if "\x00" in row[1] else row[1]
                try:
                    personal.check_text(value, column, max_len=limit, multiline=True)
                except ValidationError as e:
                    _refuse(table, row[0], column, e.bare_message)
                _refuse(table, row[0], column, "包含不可见的控制字符。")
            else:
                try:
                    personal.parse_date(row[1][:10], column)
                except ValidationError as e:
                    _refuse(table, row[0], column, e.bare_message)
                _refuse(table, row[0], column, f"“{row[1][:20]}”不是有效日期。")
