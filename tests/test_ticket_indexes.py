"""Issue 22: indexes earn their place. Every filter of the ledger is answered
through an index (count and window, alone and within a township), the hand-off
export reads only the rows changed since the last package, and every index of
the big tables is used by some query the program runs (bench/index_map.py runs
the program's own query functions with SQLite's trace on and EXPLAINs them)."""

from __future__ import annotations

import re

import pytest

from bench import index_map
from models.core.db import close_database, open_database

# The window of "超期（含已办结超期）": an OR of two indexed conditions; SQLite walks
# the rowids newest first and stops at the page, which is quick because the
# matches are common (every ticket finished late). Its count uses both indexes.
ROWID_WALK_OK = {"台账 超期(含已办结超期)": "window walks rowids, count uses idx_tickets_late + idx_tickets_open_due",
                 "最近申请人": "the newest tickets by rowid, LIMIT"}
# Indexes no EXPLAIN of a read shows but that are needed: the uuid UNIQUE
# constraint (merge, records.get, row seals look rows up by uuid through it).
NEEDED_WITHOUT_A_READ = {"sqlite_autoindex_ticket_events_1"}


@pytest.fixture(scope="module")
def demo_db(tmp_path_factory):
    from models.demo.township import DemoOptions, build_demo_file

    path = tmp_path_factory.mktemp("indexes") / "township.db"
    build_demo_file(path, DemoOptions(tickets=600))
    db = open_database(path, daily_backup=False)
    yield db
    close_database(db)


def test_every_ledger_filter_uses_an_index(demo_db):
    queries = index_map.program_queries(demo_db)
    filters = {label: sqls for label, sqls in queries.items() if label.startswith("台账 ")}
    assert len(filters) >= 28  # 14 filters, each alone and within a township
    problems = []
    for label, statements in filters.items():
        assert statements, f"{label}: no query traced"
        for sql in statements:
            for line in index_map.plan(demo_db, sql):
                scan = re.search(r"\bSCAN (tickets|t)\b(?! USING (COVERING )?INDEX)", line)
                if scan and label not in ROWID_WALK_OK:
                    problems.append(f"{label}: {line}  ← {sql[:160]}")
    assert not problems, "\n".join(problems)


def test_a_package_reads_only_the_changed_rows(demo_db):
    queries = index_map.program_queries(demo_db)
    for table in index_map.BIG_TABLES:
        lines = index_map.plan(demo_db, queries[f"数据包 增量 {table}"][0])
        assert any(f"INDEX idx_{table}_change_seq (change_seq>?)" in line for line in lines), lines


def test_every_index_of_the_big_tables_is_used(demo_db):
    used, _plans = index_map.index_map(demo_db)
    unused = sorted(name for name, labels in used.items()
                    if not labels and name not in NEEDED_WITHOUT_A_READ)
    assert not unused, f"indexes no query of the program uses (drop them in a migration): {unused}"


def test_dropped_indexes_are_gone(demo_db):
    names = {r[0] for r in demo_db.execute("SELECT name FROM sqlite_master WHERE type = 'index'")}
    assert not names & {"idx_tickets_status", "idx_tickets_applicant_village", "idx_tickets_item_uuid",
                        "idx_ticket_events_township", "idx_audit_table"}
    # What ledger sorting (tests/test_ledger_sort.py) and the statistics need stays.
    assert {"idx_tickets_applicant", "idx_tickets_no", "idx_tickets_sort_status", "idx_tickets_received",
            "idx_tickets_finished", "idx_tickets_tw_received", "idx_tickets_tw_finished"} <= names


def test_the_calendar_banner_reads_only_the_flagged_tickets(demo_db):
    # The banner's two questions walked every open ticket (20,500 at a county, 30-60 ms each).
    queries = index_map.program_queries(demo_db)
    for label in ("日历提示 预估件数", "日历提示 待核对"):
        lines = [line for sql in queries[label] for line in index_map.plan(demo_db, sql)]
        assert any("INDEX idx_tickets_provisional" in line for line in lines), (label, lines)
