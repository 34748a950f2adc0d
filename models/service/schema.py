"""Schema migrations of the service domain (see models/core/migrations.py).

Tables: the working-day calendar (local reference data, keyed by date), the
service catalogue, tickets with their status history, rectification items
opened by bad ratings, the duty-chief rota and the weekly 集中办理日.
"""

from __future__ import annotations

from sqlite_utils import Migrations

from models.core.records import create_travel_table
from models.core.travel import register_travel_table
from models.service.states import FINISHED

from typing import TYPE_CHECKING

if TYPE_CHECKING:  # annotations only
    from sqlite_utils import Database

migrations = Migrations("service")

# Parents before children.
register_travel_table("service_items")
register_travel_table("tickets")
register_travel_table("ticket_events")
register_travel_table("ticket_rectifications")
register_travel_table("service_duty")
register_travel_table("service_days")


@migrations()
def m001_service(db: Database):
    # One row per calendar day of every covered year; a year is covered when
    # its days are here. Reference data the county may send: keyed by date.
    db.execute(
        "CREATE TABLE workdays (date TEXT PRIMARY KEY, is_workday INTEGER NOT NULL, name TEXT NOT NULL DEFAULT '', "
        "source TEXT NOT NULL DEFAULT 'chinesecalendar', updated_at TEXT, updated_by TEXT) WITHOUT ROWID"
    )
    create_travel_table(
        db, "service_items",
        "department TEXT NOT NULL, name TEXT NOT NULL, conditions TEXT NOT NULL DEFAULT '', "
        "materials TEXT NOT NULL DEFAULT '', procedure TEXT NOT NULL DEFAULT '', "
        "time_limit_days INTEGER NOT NULL DEFAULT 0, default_kind TEXT NOT NULL DEFAULT '即办件', "
        "fee_basis TEXT NOT NULL DEFAULT '', fee_amount TEXT NOT NULL DEFAULT '不收费', "
        "responsible_post TEXT NOT NULL DEFAULT '', active INTEGER NOT NULL DEFAULT 1, "
        "sort_order INTEGER NOT NULL DEFAULT 0",
    )
    db.execute("CREATE INDEX idx_service_items_dept ON service_items(department, sort_order)")
    create_travel_table(
        db, "tickets",
        "ticket_no TEXT NOT NULL, year INTEGER NOT NULL, seq INTEGER NOT NULL, "
        "channel TEXT NOT NULL, applicant_name TEXT NOT NULL, applicant_phone TEXT NOT NULL DEFAULT '', "
        "applicant_village TEXT NOT NULL DEFAULT '', applicant_id_number TEXT NOT NULL DEFAULT '', "
        "item_uuid TEXT, item_name TEXT NOT NULL DEFAULT '', department TEXT NOT NULL DEFAULT '', "
        "request_text TEXT NOT NULL DEFAULT '', kind TEXT NOT NULL, status TEXT NOT NULL, "
        "first_receiver TEXT NOT NULL DEFAULT '', handler_cadre_uuid TEXT, handler_name TEXT NOT NULL DEFAULT '', "
        "cooperating_departments TEXT NOT NULL DEFAULT '', county_office TEXT NOT NULL DEFAULT '', "
        "proxy_service INTEGER NOT NULL DEFAULT 0, home_service INTEGER NOT NULL DEFAULT 0, "
        "received_date TEXT NOT NULL, promised_days INTEGER NOT NULL DEFAULT 0, due_date TEXT NOT NULL, "
        "paused_days INTEGER NOT NULL DEFAULT 0, pause_started TEXT, "
        "finished_date TEXT, result TEXT NOT NULL DEFAULT '', close_reason TEXT NOT NULL DEFAULT '', "
        "days_late INTEGER NOT NULL DEFAULT 0, work_days_used INTEGER, "
        "callback_due TEXT, callback_date TEXT, rating INTEGER, rating_comment TEXT NOT NULL DEFAULT '', "
        "confirmed INTEGER NOT NULL DEFAULT 0, confirmed_at TEXT",
    )
    # Every filter and sort the ticket list offers has an index; single-column
    # indexes keep rowid order inside one value, so "WHERE x = ? ORDER BY id" walks the index.
    db.execute("CREATE UNIQUE INDEX idx_tickets_no ON tickets(township_code, ticket_no)")
    db.execute("CREATE INDEX idx_tickets_seq ON tickets(township_code, year, seq)")
    for col in ("status", "kind", "department", "applicant_village", "channel", "received_date",
                "finished_date", "handler_cadre_uuid", "item_uuid"):
        db.execute(f"CREATE INDEX idx_tickets_{col} ON tickets({col})")
    db.execute("CREATE INDEX idx_tickets_open_due ON tickets(status, due_date)")
    db.execute("CREATE INDEX idx_tickets_late ON tickets(days_late) WHERE days_late > 0")
    db.execute("CREATE INDEX idx_tickets_applicant ON tickets(applicant_name)")
    # Chinese search: trigram FTS over applicant and request text. The
    # connection runs with trusted_schema=OFF, which forbids FTS5 inside
    # triggers, so ordinary triggers queue each change (with its text) in
    # tickets_fts_pending and models.service.tickets.flush_fts applies the queue before
    # any search. Bulk inserts switch the queue off and index directly.
    db.execute(
        "CREATE VIRTUAL TABLE tickets_fts USING fts5(applicant_name, request_text, "
        "content='tickets', content_rowid='id', tokenize='trigram')"
    )
    db.execute(
        "CREATE TABLE tickets_fts_pending (seq INTEGER PRIMARY KEY, op TEXT NOT NULL, row_id INTEGER NOT NULL, "
        "applicant_name TEXT, request_text TEXT)"
    )
    db.execute("CREATE TABLE tickets_fts_control (id INTEGER PRIMARY KEY CHECK (id = 1), direct INTEGER NOT NULL)")
    db.execute("INSERT INTO tickets_fts_control (id, direct) VALUES (1, 0)")
    queue_on = "WHEN (SELECT direct FROM tickets_fts_control WHERE id = 1) = 0"
    db.execute(
        f"CREATE TRIGGER tickets_fts_ai AFTER INSERT ON tickets {queue_on} BEGIN "
        "INSERT INTO tickets_fts_pending (op, row_id, applicant_name, request_text) "
        "VALUES ('i', new.id, new.applicant_name, new.request_text); END"
    )
    db.execute(
        f"CREATE TRIGGER tickets_fts_ad AFTER DELETE ON tickets {queue_on} BEGIN "
        "INSERT INTO tickets_fts_pending (op, row_id, applicant_name, request_text) "
        "VALUES ('d', old.id, old.applicant_name, old.request_text); END"
    )
    db.execute(
        f"CREATE TRIGGER tickets_fts_au AFTER UPDATE OF applicant_name, request_text ON tickets {queue_on} BEGIN "
        "INSERT INTO tickets_fts_pending (op, row_id, applicant_name, request_text) "
        "VALUES ('d', old.id, old.applicant_name, old.request_text); "
        "INSERT INTO tickets_fts_pending (op, row_id, applicant_name, request_text) "
        "VALUES ('i', new.id, new.applicant_name, new.request_text); END"
    )
    create_travel_table(
        db, "ticket_events",
        "ticket_uuid TEXT NOT NULL REFERENCES tickets(uuid), at TEXT NOT NULL, actor TEXT NOT NULL, "
        "from_status TEXT, to_status TEXT NOT NULL, event_date TEXT, note TEXT NOT NULL DEFAULT ''",
    )
    db.execute("CREATE INDEX idx_ticket_events_ticket ON ticket_events(ticket_uuid, id)")
    create_travel_table(
        db, "ticket_rectifications",
        "ticket_uuid TEXT NOT NULL REFERENCES tickets(uuid), opened_date TEXT NOT NULL, deadline TEXT NOT NULL, "
        "status TEXT NOT NULL DEFAULT '整改中', note TEXT NOT NULL DEFAULT '', done_date TEXT, "
        "done_note TEXT NOT NULL DEFAULT ''",
    )
    db.execute("CREATE INDEX idx_ticket_rect_ticket ON ticket_rectifications(ticket_uuid)")
    db.execute("CREATE INDEX idx_ticket_rect_status ON ticket_rectifications(status, deadline)")
    create_travel_table(
        db, "service_duty",
        "duty_date TEXT NOT NULL, chief_name TEXT NOT NULL, cadre_uuid TEXT, note TEXT NOT NULL DEFAULT ''",
    )
    db.execute("CREATE INDEX idx_service_duty_date ON service_duty(duty_date)")
    create_travel_table(
        db, "service_days",
        "weekday INTEGER NOT NULL, hours TEXT NOT NULL DEFAULT '', place TEXT NOT NULL DEFAULT '', "
        "note TEXT NOT NULL DEFAULT ''",
    )


@migrations()
def m002_seed_calendar(db: Database):
    # A new database can compute deadlines at once: holidays the package knows.
    from models.service import workdays
    from models.core.users import SYSTEM_ACTOR

    workdays.seed_from_package(db, SYSTEM_ACTOR)


@migrations()
def m003_covering_indexes(db: Database):
    # Measured on 1,000,000 tickets: every list query also says "deleted = 0",
    # which single-column indexes cannot answer without reading each row. With
    # deleted inside each index, counts are index-only, and "x = ? AND
    # deleted = 0 ORDER BY id" still walks the index in rowid order. Two wide
    # indexes make a year's statistics a range scan of one index.
    for name in ("status", "kind", "department", "applicant_village", "channel", "received_date",
                 "finished_date", "handler_cadre_uuid", "item_uuid", "open_due", "late"):
        db.execute(f"DROP INDEX IF EXISTS idx_tickets_{name}")
    for col in ("status", "kind", "department", "applicant_village", "channel", "handler_cadre_uuid", "item_uuid"):
        db.execute(f"CREATE INDEX idx_tickets_{col} ON tickets({col}, deleted)")
    db.execute("CREATE INDEX idx_tickets_open_due ON tickets(status, due_date, deleted)")
    db.execute("CREATE INDEX idx_tickets_late ON tickets(days_late, deleted) WHERE days_late > 0")
    db.execute("CREATE INDEX idx_tickets_received ON tickets(received_date, department, channel, applicant_village, "
               "kind, status, deleted)")
    db.execute("CREATE INDEX idx_tickets_finished ON tickets(finished_date, status, days_late, work_days_used, rating, "
               "handler_cadre_uuid, deleted)")
    db.execute("CREATE INDEX idx_tickets_callback ON tickets(status, rating, callback_due, deleted)")


@migrations()
def m004_township_statistics_indexes(db: Database):
    # County databases filter by township: the statistics indexes with the
    # township first keep a township's year one range scan (benchmark finding).
    db.execute("CREATE INDEX idx_tickets_tw_received ON tickets(township_code, received_date, department, channel, "
               "applicant_village, kind, status, deleted)")
    db.execute("CREATE INDEX idx_tickets_tw_finished ON tickets(township_code, finished_date, status, days_late, "
               "work_days_used, rating, handler_cadre_uuid, deleted)")


@migrations()
def m005_due_provisional(db: Database):
    # A due date counted over a year the official holiday calendar does not
    # cover yet is provisional (models/service/workdays.py): shown so, and
    # reconciled when the official year arrives. Tickets already due in such a
    # year (the demo, spreadsheet imports) are marked for that check.
    db.execute("ALTER TABLE tickets ADD COLUMN due_provisional INTEGER NOT NULL DEFAULT 0")
    db.execute("UPDATE tickets SET due_provisional = 1 WHERE status IN ('受理', '办理中', '补正') "
               "AND substr(due_date, 1, 4) NOT IN (SELECT DISTINCT substr(date, 1, 4) FROM workdays)")


QUEUE_COLUMNS = ("applicant_name", "request_text", "applicant_village", "applicant_phone", "applicant_id_number",
                 "ticket_no", "township_code")


@migrations()
def m006_search_every_length(db: Database):
    # One contentless FTS5 index answers every search (models/service/search.py):
    # 1 and 2 characters, longer phrases, pinyin initials, phone and ID tails,
    # ticket numbers, within a township. It replaces the trigram index, which
    # could not answer 1-2 characters (a scan of every ticket) and kept deleted
    # tickets, so counts looked every row up. The queue now carries every field
    # the index reads, and deleting (deleted = 1) queues the ticket out.
    from models.service import search

    for name in ("tickets_fts_ai", "tickets_fts_ad", "tickets_fts_au"):
        db.execute(f"DROP TRIGGER IF EXISTS {name}")
    db.execute("DROP TABLE IF EXISTS tickets_fts")
    db.execute("DROP TABLE tickets_fts_pending")
    db.execute(
        "CREATE TABLE tickets_fts_pending (seq INTEGER PRIMARY KEY, op TEXT NOT NULL, row_id INTEGER NOT NULL, "
        + ", ".join(f"{c} TEXT" for c in QUEUE_COLUMNS) + ")"
    )
    db.execute(f"CREATE VIRTUAL TABLE {search.TABLE} USING fts5(uni, bi, keys, content='', columnsize=0, "
               "tokenize='unicode61')")
    queue_on = "(SELECT direct FROM tickets_fts_control WHERE id = 1) = 0"
    cols = ", ".join(QUEUE_COLUMNS)

    def queue(op, ref):
        return (f"INSERT INTO tickets_fts_pending (op, row_id, {cols}) "
                f"SELECT '{op}', {ref}.id, " + ", ".join(f"{ref}.{c}" for c in QUEUE_COLUMNS))

    db.execute(f"CREATE TRIGGER tickets_fts_ai AFTER INSERT ON tickets WHEN {queue_on} AND new.deleted = 0 BEGIN "
               f"{queue('i', 'new')}; END")
    db.execute(f"CREATE TRIGGER tickets_fts_ad AFTER DELETE ON tickets WHEN {queue_on} AND old.deleted = 0 BEGIN "
               f"{queue('d', 'old')}; END")
    db.execute(f"CREATE TRIGGER tickets_fts_au AFTER UPDATE OF {cols}, deleted ON tickets WHEN {queue_on} BEGIN "
               f"{queue('d', 'old')} WHERE old.deleted = 0; {queue('i', 'new')} WHERE new.deleted = 0; END")
    search.index_from(db, 0)


@migrations()
def m007_statistics_summaries(db: Database):
    # Statistics read monthly summaries instead of the tickets (a county's year
    # was 2 s of index scan): triggers keep them in the same transaction as the
    # ticket change, so they can never disagree with the tickets. Only the
    # partial months at the ends of a range were counted from the tickets (m013
    # added daily summaries for them).
    # One row per month, township, dimension (department, channel, village, kind,
    # status) and value: a county's year is about ten thousand rows.
    _create_summary_tables(db, "month")
    _create_summary_triggers(db, ("month",))
    refill_summaries(db, ("month",))


# The summaries statistics read (models/service/stats.py), by grain: the months of
# m007 for the whole months of a range, the days of m013 for the partial months at
# its ends. Each grain names its tables' key column; the value is how a ticket's
# date gives that key.
SUMMARY_GRAINS = {"month": "substr({}, 1, 7)", "day": "{}"}
# The received summaries' dimensions and the ticket column each counts.
RECEIVED_DIMENSIONS = (("department", "department"), ("channel", "channel"), ("village", "applicant_village"),
                       ("kind", "kind"), ("status", "status"))
# The triggers that keep every grain (the names are m007's: bulk writers drop and restore them by name).
SUMMARY_INSERT_TRIGGER = "tickets_month_ai"
_SUMMARY_TRIGGERS = ("tickets_month_ai", "tickets_month_ad", "tickets_month_au_received", "tickets_month_au_finished")
_RECEIVED_COLUMNS = "township_code, received_date, department, channel, applicant_village, kind, status, deleted"
_FINISHED_COLUMNS = "township_code, finished_date, status, rating, days_late, work_days_used, deleted"


def _create_summary_tables(db: Database, grain: str) -> None:
    # Keyed so that statistics sum a range of months or days in key order, with no sort: the
    # township last (a township's own figures filter on it; a county adds its townships up).
    db.execute(f"CREATE TABLE ticket_{grain}_received ({grain} TEXT NOT NULL, township_code TEXT NOT NULL, "
               "dimension TEXT NOT NULL, value TEXT NOT NULL, n INTEGER NOT NULL, "
               f"PRIMARY KEY ({grain}, dimension, value, township_code)) WITHOUT ROWID")
    db.execute(f"CREATE TABLE ticket_{grain}_finished (township_code TEXT NOT NULL, {grain} TEXT NOT NULL, "
               "rating INTEGER NOT NULL, on_time INTEGER NOT NULL, n INTEGER NOT NULL, used_sum INTEGER NOT NULL, "
               f"used_n INTEGER NOT NULL, PRIMARY KEY ({grain}, rating, on_time, township_code)) WITHOUT ROWID")


def _received_change(grain: str, ref: str, sign: str) -> str:
    """A trigger's statement: the ticket `ref` (new or old) counted into (+) or out of (-) the received summary."""
    values = " UNION ALL ".join(f"SELECT '{dim}' AS dimension, {ref}.{col} AS value" for dim, col in RECEIVED_DIMENSIONS)
    key = SUMMARY_GRAINS[grain].format(f"{ref}.received_date")
    return (f"INSERT INTO ticket_{grain}_received ({grain}, township_code, dimension, value, n) "
            f"SELECT {key}, {ref}.township_code, dimension, value, {sign}1 "
            f"FROM ({values}) WHERE {ref}.deleted = 0 ON CONFLICT DO UPDATE SET n = n + excluded.n")


def _finished_change(grain: str, ref: str, sign: str) -> str:
    """A trigger's statement: the ticket `ref` counted into or out of the finished summary."""
    used = f"coalesce({ref}.work_days_used, 0)"
    key = SUMMARY_GRAINS[grain].format(f"{ref}.finished_date")
    return (f"INSERT INTO ticket_{grain}_finished SELECT {ref}.township_code, {key}, "
            f"coalesce({ref}.rating, 0), {ref}.days_late = 0, {sign}1, {sign}{used}, "
            f"{sign}({ref}.work_days_used IS NOT NULL) "
            f"WHERE {ref}.status = '{FINISHED}' AND {ref}.finished_date IS NOT NULL AND {ref}.deleted = 0 "
            f"ON CONFLICT DO UPDATE SET n = n {sign} 1, used_sum = used_sum {sign} {used}, "
            f"used_n = used_n {sign} ({ref}.work_days_used IS NOT NULL)")


def _create_summary_triggers(db: Database, grains: tuple[str, ...]) -> None:
    def each(change, ref, sign):
        return "; ".join(change(grain, ref, sign) for grain in grains)

    db.execute(f"CREATE TRIGGER tickets_month_ai AFTER INSERT ON tickets BEGIN {each(_received_change, 'new', '+')}; "
               f"{each(_finished_change, 'new', '+')}; END")
    db.execute(f"CREATE TRIGGER tickets_month_ad AFTER DELETE ON tickets BEGIN {each(_received_change, 'old', '-')}; "
               f"{each(_finished_change, 'old', '-')}; END")
    db.execute(f"CREATE TRIGGER tickets_month_au_received AFTER UPDATE OF {_RECEIVED_COLUMNS} ON tickets BEGIN "
               f"{each(_received_change, 'old', '-')}; {each(_received_change, 'new', '+')}; END")
    db.execute(f"CREATE TRIGGER tickets_month_au_finished AFTER UPDATE OF {_FINISHED_COLUMNS} ON tickets BEGIN "
               f"{each(_finished_change, 'old', '-')}; {each(_finished_change, 'new', '+')}; END")


COUNTING_TEXT = "正在更新办件统计…"


def count_into_summaries(db: Database, grains: tuple[str, ...] = tuple(SUMMARY_GRAINS), first_id: int = 0,
                         progress=None) -> None:
    """Add the live tickets with id >= first_id to the summaries of `grains` by a
    few grouped statements: the triggers' work for many rows at once (bulk
    writers insert with the insert trigger dropped). The new tickets are read
    twice, into day counts (temp tables); every grain is summed from those, so a
    month costs no second pass over the tickets (12 passes before: 0.19 → 0.12 s
    for 20,000 tickets). progress(done, total, text) before each statement (it
    may raise to stop: the caller rolls back)."""
    counting = summary_count_statements(grains, first_id)
    summing = _summing_statements(grains)
    total = len(counting) + len(summing)
    for table in _DAY_COUNTS:  # left by nothing that committed; a rolled-back import drops its own
        db.execute(f"DROP TABLE IF EXISTS {table}")
    for done, sql in enumerate(counting):
        if progress:
            progress(done, total, COUNTING_TEXT)
        db.execute(sql, [first_id])
    for done, sql in enumerate(summing, start=len(counting)):
        if progress:
            progress(done, total, COUNTING_TEXT)
        db.execute(sql)


_DAY_COUNTS = ("temp.summary_new_received", "temp.summary_new_finished")


def summary_count_statements(grains: tuple[str, ...], first_id: int) -> list[str]:
    """count_into_summaries' statements that read the tickets (one parameter:
    first_id), into day counts. Past the first ticket they read only the new
    tickets' rowid range, NOT INDEXED: the planner otherwise took a covering
    index in GROUP BY order and scanned all of it (at 10M, 952 ms a statement
    against 31 ms; 6 s of a 20,000-ticket package)."""
    source = "tickets NOT INDEXED" if first_id > 0 else "tickets"
    received, finished = _DAY_COUNTS
    by_dimension = " UNION ALL ".join(
        f"SELECT received_date AS day, township_code, '{dimension}' AS dimension, {column} AS value, count(*) AS n "
        f"FROM {source} WHERE id >= ?1 AND deleted = 0 GROUP BY 1, 2, 4" for dimension, column in RECEIVED_DIMENSIONS)
    return [f"CREATE TEMP TABLE {received.split('.')[1]} AS {by_dimension}",
            f"CREATE TEMP TABLE {finished.split('.')[1]} AS SELECT township_code, finished_date AS day, "
            "coalesce(rating, 0) AS rating, days_late = 0 AS on_time, count(*) AS n, "
            "coalesce(sum(work_days_used), 0) AS used_sum, count(work_days_used) AS used_n "
            f"FROM {source} WHERE id >= ?1 AND deleted = 0 AND status = '{FINISHED}' AND finished_date IS NOT NULL "
            "GROUP BY 1, 2, 3, 4"] if grains else []


def _summing_statements(grains: tuple[str, ...]) -> list[str]:
    """The day counts added into each grain's summaries, then dropped."""
    received, finished = _DAY_COUNTS
    out = []
    for grain in grains:
        key = SUMMARY_GRAINS[grain].format("day")
        # WHERE true: an upsert's SELECT needs a WHERE for SQLite to parse ON CONFLICT as the upsert.
        out.append(f"INSERT INTO ticket_{grain}_received ({grain}, township_code, dimension, value, n) "
                   f"SELECT {key}, township_code, dimension, value, sum(n) FROM {received} WHERE true "
                   "GROUP BY 1, 2, 3, 4 ON CONFLICT DO UPDATE SET n = n + excluded.n")
        out.append(f"INSERT INTO ticket_{grain}_finished (township_code, {grain}, rating, on_time, n, used_sum, used_n) "
                   f"SELECT township_code, {key}, rating, on_time, sum(n), sum(used_sum), sum(used_n) FROM {finished} "
                   "WHERE true GROUP BY 1, 2, 3, 4 ON CONFLICT DO UPDATE SET n = n + excluded.n, "
                   "used_sum = used_sum + excluded.used_sum, used_n = used_n + excluded.used_n")
    return out + [f"DROP TABLE {received}", f"DROP TABLE {finished}"] if grains else []


def refill_summaries(db: Database, grains: tuple[str, ...] = tuple(SUMMARY_GRAINS)) -> None:
    """Count the summaries again from the tickets (the migrations, and bulk
    loads that insert with the summary triggers off)."""
    for grain in grains:
        db.execute(f"DELETE FROM ticket_{grain}_received")
        db.execute(f"DELETE FROM ticket_{grain}_finished")
    count_into_summaries(db, grains)


@migrations()
def m008_ledger_sort_indexes(db: Database):
    # Header sorting of the ledger (models/service/sorting.py) walks one index per
    # sortable column in (column, rowid) order and stops after a page. The
    # (column, deleted) filter indexes cannot: "ORDER BY column, id" scans them and
    # sorts each value's group again. Partial indexes over live tickets have that
    # order, and answer "column = ? AND deleted = 0" counts index-only as well.
    # 办件编号 uses idx_tickets_no and 申请人 idx_tickets_applicant.
    for col in ("status", "due_date", "item_name", "received_date", "applicant_village", "finished_date", "rating"):
        db.execute(f"CREATE INDEX IF NOT EXISTS idx_tickets_sort_{col} ON tickets({col}) WHERE deleted = 0")


@migrations()
def m009_indexes_that_earn_their_place(db: Database):
    # Issue 22 (bench/index_map.py maps every query of the window to its plan):
    # (status, deleted) and (applicant_village, deleted) do what ledger sorting's
    # partial indexes (m008, WHERE deleted = 0) already do for those filters;
    # no query looks tickets up by item_uuid; ticket events are never listed
    # by township (the hand-off export reads change_seq, see export.changed_rows_where).
    for name in ("idx_tickets_status", "idx_tickets_applicant_village", "idx_tickets_item_uuid",
                 "idx_ticket_events_township"):
        db.execute(f"DROP INDEX IF EXISTS {name}")


@migrations()
def m010_provisional_due_index(db: Database):
    # The 便民服务 banner and the calendar page ask, at every refresh, for the open tickets whose
    # due date is still provisional (models/service/workdays.provisional_dependents, reconcile.pending):
    # at a county about 800 of 1,000,000, found by looking up each of the 20,500 open tickets
    # (30-60 ms a query). Only flagged live tickets are in this index.
    db.execute("CREATE INDEX IF NOT EXISTS idx_tickets_provisional ON tickets(due_date) "
               "WHERE due_provisional = 1 AND deleted = 0")


# Service m011's statements (bench/index_cost.py replays them inside a rolled-back transaction).
M011_STATEMENTS = (
    # The county-wide copies of the two statistics indexes: the same entries as idx_tickets_tw_received /
    # idx_tickets_tw_finished without the township in front. Statistics then counted a partial month of
    # the whole county one township at a time on those (until m013's daily summaries); the ledger's
    # date filter walks idx_tickets_sort_received_date, the finished-date reports idx_tickets_sort_finished_date.
    "DROP INDEX IF EXISTS idx_tickets_received",
    "DROP INDEX IF EXISTS idx_tickets_finished",
    # 待回访 and the status counts: (status, rating, deleted) answers them index-only and in rowid
    # order; callback_due in the key served no query and placed every insert at a random leaf.
    "DROP INDEX IF EXISTS idx_tickets_callback",
    "CREATE INDEX idx_tickets_callback ON tickets(status, rating, deleted)",
    # Overdue, due soon, the badges and accountability read only running tickets (states.RUNNING_STATUSES,
    # 2 % of a county): the index holds only those, so finished tickets (imports, packages) skip it.
    # The WHERE is the text states.sql_in writes, which the planner matches (tests/test_ticket_indexes.py).
    "DROP INDEX IF EXISTS idx_tickets_open_due",
    "CREATE INDEX idx_tickets_running_due ON tickets(status, due_date, deleted) WHERE status IN ('受理', '办理中')",
)


@migrations()
def m011_indexes_earn_their_place(db: Database):
    # Issue 22 point 5, from bench/index_map.py's map of every query to its plan: 24 ticket indexes
    # cost a 20,000-ticket package into a county about 2 s (bench/index_cost.py). Two dropped, two
    # narrowed; every query keeps an index (tests/test_ticket_indexes.py).
    for statement in M011_STATEMENTS:
        db.execute(statement)


# Service m012's statements (bench/index_cost.py replays them).
M012_STATEMENTS = (
    # m011's (status, rating, deleted) over every ticket was also cheaper-looking than ledger sorting's
    # idx_tickets_sort_status to the planner, which then read the 未办结 list's window from it: that
    # index is not in id order within a status, so every open ticket was read and sorted (1.6 → 45 ms
    # at 550k) where idx_tickets_sort_status stops after a page. Only 待回访 needs it: it now holds only
    # the tickets not rated yet (open and unrated finished ones), and status counts and windows are
    # answered by idx_tickets_sort_status again, index-only.
    "DROP INDEX IF EXISTS idx_tickets_callback",
    "CREATE INDEX idx_tickets_callback ON tickets(status, rating, deleted) WHERE rating IS NULL",
)


@migrations()
def m012_callback_index_unrated_only(db: Database):
    # Issue 22 point 5: see M012_STATEMENTS.
    for statement in M012_STATEMENTS:
        db.execute(statement)


@migrations()
def m013_statistics_daily_summaries(db: Database):
    # Issue 22 point 1: a year ending mid-month has two partial months, which statistics
    # counted from the tickets (at 1M, 82,000 tickets' six columns read and grouped: 300 of a
    # year's 330 ms). Daily summaries answer them (a county writes about 600 rows a day). The
    # monthly ones get the daily ones' key, which sums a range without sorting it (m007 had the
    # township second). The same triggers keep both grains, in the same transaction as the ticket.
    for name in _SUMMARY_TRIGGERS:
        db.execute(f"DROP TRIGGER IF EXISTS {name}")
    for kind in ("received", "finished"):
        db.execute(f"ALTER TABLE ticket_month_{kind} RENAME TO ticket_month_{kind}_m007")
    _create_summary_tables(db, "month")
    for kind in ("received", "finished"):
        db.execute(f"INSERT INTO ticket_month_{kind} SELECT * FROM ticket_month_{kind}_m007")
        db.execute(f"DROP TABLE ticket_month_{kind}_m007")
    _create_summary_tables(db, "day")
    _create_summary_triggers(db, ("month", "day"))
    count_into_summaries(db, ("day",))
