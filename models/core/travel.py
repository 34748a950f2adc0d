"""Which tables travel between township and county: each domain registers its own when it creates
them. A leaf module, so that the audit log (which seals travelling rows) and the records helpers can
both read the list without importing each other."""

from __future__ import annotations

TRAVEL_TABLES: list[str] = []


def register_travel_table(name: str) -> None:
    if name not in TRAVEL_TABLES:
        TRAVEL_TABLES.append(name)
