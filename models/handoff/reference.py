"""Reference data the county sends back to its townships: assessment plan
templates and indicators, the working-day (holiday) calendar, the service
catalogue.

Those tables belong to other domains, so they are found by name here; a
domain can also call `register_reference_table(name)` at import time. A
reference table is either a travelling table (merged like township data, by
uuid and version) or a plain keyed table such as the `workdays` calendar,
where the county's row replaces the township's (the county is the authority).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:  # annotations only
    from sqlite_utils import Database

# Candidate names, in parent-before-child order. Only those present in the
# database are used.
REFERENCE_TABLES: list[str] = [
    "workdays",  # the working-day calendar (holidays, 调休)
    "service_items",  # the service catalogue
    "assess_plans", "assess_categories", "assess_items",  # plan templates and indicators
]


def register_reference_table(name: str) -> None:
    """Let a domain declare one of its tables as county reference data."""
    if name not in REFERENCE_TABLES:
        REFERENCE_TABLES.append(name)


def table_exists(db: Database, name: str, schema: str = "main") -> bool:
    """True when `schema`.`name` is a table."""
    return db.execute(f"SELECT 1 FROM [{schema}].sqlite_master WHERE type = 'table' AND name = ?",
                      [name]).fetchone() is not None


def reference_tables(db: Database) -> list[str]:
    """The reference tables this database actually has, in send order."""
    return [name for name in REFERENCE_TABLES if table_exists(db, name)]


def primary_key(db: Database, table: str, schema: str = "main") -> list[str]:
    """Primary-key column names of a table (empty for a rowid table)."""
    cols = db.execute(f"PRAGMA [{schema}].table_info([{table}])").fetchall()
    return [c[1] for c in sorted((c for c in cols if c[5]), key=lambda c: c[5])]


def upsert_keyed_table(db: Database, table: str, columns: list[str], key: list[str]) -> dict:
    """Copy pkg.`table` into main.`table`, the county's rows replacing the
    township's rows with the same key. Returns counts (added, updated)."""
    cols = ", ".join(f"[{c}]" for c in columns)
    on = " AND ".join(f"m.[{k}] IS p.[{k}]" for k in key)
    differs = " OR ".join(f"m.[{c}] IS NOT p.[{c}]" for c in columns if c not in key) or "0"
    added = db.execute(
        f"SELECT count(*) FROM pkg.[{table}] p WHERE NOT EXISTS (SELECT 1 FROM main.[{table}] m WHERE {on})"
    ).fetchone()[0]
    updated = db.execute(
        f"SELECT count(*) FROM pkg.[{table}] p JOIN main.[{table}] m ON {on} WHERE {differs}"
    ).fetchone()[0]
    sets = ", ".join(f"[{c}] = excluded.[{c}]" for c in columns if c not in key)
    conflict = ", ".join(f"[{k}]" for k in key)
    action = f"DO UPDATE SET {sets}" if sets else "DO NOTHING"
    db.execute(
        f"INSERT INTO main.[{table}] ({cols}) SELECT {cols} FROM pkg.[{table}] WHERE true "
        f"ON CONFLICT({conflict}) {action}"
    )
    return {"added": added, "updated": updated, "deleted": 0, "conflicts": 0, "skipped": 0}
