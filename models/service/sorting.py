"""Header sorting of the ticket ledger (办件台帐): which list column sorts by
which SQL order, and the index that walks that order. One place: the window
only names a column and a direction.

The WHOLE filtered ledger is sorted (never just the rows loaded), by the
column and then by id, so equal values keep one stable order across pages.
Every sortable column has an index whose order is (column, rowid) for live
tickets (service m008; the (column, deleted) filter indexes cannot serve an
ORDER BY: the planner scans them and sorts each value's group again). When
the filter leaves many tickets, the query walks that index and stops after
one page; when it leaves few, the few are sorted, which is cheaper than
walking the index past everything the filter rejects.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING

from models.core import records
from models.service import search, tickets

if TYPE_CHECKING:  # annotations only (models.core.db reaches this room through the migrations)
    from sqlite_utils import Database


@dataclass(frozen=True)
class SortColumn:
    order_by: tuple[str, ...]  # SQL columns; id follows for a stable order
    index: str  # the index that walks this order (tests/test_ledger_sort.py checks the plan)
    first_descending: bool = False  # the first click shows the newest first


# Keys are the ledger's column keys (ui/service/table_model.COLUMNS).
SORTABLE: dict[str, SortColumn] = {
    # A county's numbers repeat per township (2026-000123): numbers are ordered within each township.
    "ticket_no": SortColumn(("township_code", "ticket_no"), "idx_tickets_no"),
    "applicant_name": SortColumn(("applicant_name",), "idx_tickets_applicant"),
    "status": SortColumn(("status",), "idx_tickets_sort_status"),
    "due_date": SortColumn(("due_date",), "idx_tickets_sort_due_date"),
    "item_name": SortColumn(("item_name",), "idx_tickets_sort_item_name"),
    "received_date": SortColumn(("received_date",), "idx_tickets_sort_received_date", first_descending=True),
    "applicant_village": SortColumn(("applicant_village",), "idx_tickets_sort_applicant_village"),
    "finished_date": SortColumn(("finished_date",), "idx_tickets_sort_finished_date", first_descending=True),
    "rating": SortColumn(("rating",), "idx_tickets_sort_rating"),
}
# Why the other columns do not sort (shown as the header's tooltip). An index
# per column costs every saved ticket a little; these are better found otherwise.
NOT_SORTABLE: dict[str, str] = {
    "kind": "“类型”只有即办件、承诺件等几种，不按此列排序：请用上方的“全部类型”筛选。",
    "applicant_phone": "电话只显示后四位，不按此列排序：在搜索框输入电话或尾号即可查找。",
    "handler_name": "“承办人”不按此列排序（台帐很大，只按有索引的列排序）：在搜索框输入姓名，或在统计中按承办人查看。",
}
# At most this many matches are sorted as a whole; more are read from the
# column's index a page at a time (measured at 550k/1M tickets: bench/fig_tickets.py).
SORT_IN_MEMORY_LIMIT = 20_000

ASCENDING, DESCENDING = "asc", "desc"


@dataclass(frozen=True)
class LedgerSort:
    column: str  # a key of SORTABLE
    direction: str = ASCENDING

    def __post_init__(self) -> None:
        if self.column not in SORTABLE:
            raise ValueError(f"ledger column {self.column!r} has no sort index")  # a programming error
        if self.direction not in (ASCENDING, DESCENDING):
            raise ValueError(f"sort direction {self.direction!r}")


def tooltip(column: str) -> str:
    """The header tooltip of a ledger column."""
    if column in SORTABLE:
        return "点击按此列排序整个台帐（再点一次反过来排），筛选和搜索照旧。"
    return NOT_SORTABLE.get(column, "此列不能排序。")


def order_clause(sort: LedgerSort, reverse: bool = False, prefix: str = "", walk_index: bool = True) -> str:
    """ORDER BY terms (without the words). walk_index=False writes them so the
    planner cannot take them from an index (the few matches are sorted)."""
    descending = (sort.direction == DESCENDING) != reverse
    word = "DESC" if descending else "ASC"
    plus = "" if walk_index else "+"
    return ", ".join(f"{plus}{prefix}{c} {word}" for c in (*SORTABLE[sort.column].order_by, "id"))


def match_bound(db: Database, f: tickets.TicketFilter, today: dt.date | None = None) -> int:
    """At least as many tickets as the filter matches, cheaply: the count of the
    search alone (answered by the search index) when a search is combined with
    other filters, else the count itself. Counting stops past
    SORT_IN_MEMORY_LIMIT, all the choice of plan needs: a list sorted while it
    is still counted in the background (the whole county) is not counted again."""
    if tickets.is_slow_filter(f):
        f = tickets.TicketFilter(search=f.search, township_code=f.township_code)
    return tickets.count_tickets(db, f, today, at_most=SORT_IN_MEMORY_LIMIT)


def first_page_sql(db: Database, f: tickets.TicketFilter, sort: LedgerSort, bound: int,
                   today: dt.date | None = None, reverse: bool = False) -> tuple[str, list]:
    """The query of a sorted window (LIMIT ? OFFSET ? still to bind) and its parameters."""
    cols = ", ".join(tickets.LIST_COLUMNS)
    if bound > SORT_IN_MEMORY_LIMIT:
        # Many matches: walk the column's index; a page is found after reading about
        # PAGE × (all tickets / matches) index entries.
        where, params = tickets.where_clause(db, f, today)
        order = order_clause(sort, reverse)
        return f"SELECT {cols} FROM tickets INDEXED BY {SORTABLE[sort.column].index} WHERE {where} ORDER BY {order}", params
    if search.match_expression(f.search):
        # Few matches of a search: read them from the search index, then sort them.
        tickets.flush_fts(db)
        where, params = tickets.where_clause(db, dataclasses.replace(f, search=""), today)
        expression = search.match_expression(f.search)
        if f.township_code:
            expression = f"({expression}) AND {search.township_term(f.township_code)}"
        prefixed = ", ".join(f"t.{c}" for c in tickets.LIST_COLUMNS)
        order = order_clause(sort, reverse, prefix="t.", walk_index=False)
        return (f"SELECT {prefixed} FROM {search.TABLE} s CROSS JOIN tickets t ON t.id = s.rowid "
                f"WHERE {search.TABLE} MATCH ? AND {where} ORDER BY {order}", [expression, *params])
    where, params = tickets.where_clause(db, f, today)
    order = order_clause(sort, reverse, walk_index=False)
    return f"SELECT {cols} FROM tickets WHERE {where} ORDER BY {order}", params


def fetch_window(db: Database, f: tickets.TicketFilter, offset: int, limit: int, total: int | None = None,
                 today: dt.date | None = None, sort: LedgerSort | None = None) -> list[dict]:
    """Rows offset..offset+limit of the filtered ledger in the sort's order (the
    ledger's own newest-first order without a sort). Near the end of the list
    the query runs in the opposite order with a small offset."""
    if sort is None:
        return tickets.fetch_window(db, f, offset, limit, total, today)
    if search.match_expression(f.search):
        tickets.flush_fts(db)
    bound = total if total is not None else match_bound(db, f, today)
    offset, limit = max(0, int(offset)), max(0, int(limit))
    if total is not None and offset > total // 2:
        back_offset = max(0, total - offset - limit)
        back_limit = min(limit, total - offset)
        if back_limit <= 0:
            return []
        sql, params = first_page_sql(db, f, sort, bound, today, reverse=True)
        return list(reversed(records.rows(db, f"{sql} LIMIT ? OFFSET ?", [*params, back_limit, back_offset])))
    sql, params = first_page_sql(db, f, sort, bound, today)
    return records.rows(db, f"{sql} LIMIT ? OFFSET ?", [*params, limit, offset])
