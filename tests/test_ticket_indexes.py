"""Issue 22: indexes earn their place. Every filter of the ledger is answered
through an index (count and window, alone and within a township), the hand-off
export reads only the rows changed since the last package, and every index of
the big tables is used by some query the program runs (bench/index_map.py runs
the program's own query functions with SQLite's trace on and EXPLAINs them),
and every query keeps the plan pinned below: a schema change that costs a
query its index (or adds a full scan or a sort) fails here, as does an index
no query uses. Without ANALYZE data (the program never runs ANALYZE) SQLite's
plans depend on the schema and the SQL only, so the pins do not move with the
demo's data (a 600- and a 3,000-ticket demo give the same)."""

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
# Indexes no EXPLAIN of a read shows but that are needed (constraints). None today: the uuid
# UNIQUE constraints are read by records.get (index_map's 按 uuid 取办件记录, 办件详情).
NEEDED_WITHOUT_A_READ: set[str] = set()

# What each query's plan uses, in order (bench.index_map.plan_shape): regenerate with
# `python -m bench.index_map DEMO.db --pins` after a deliberate schema change, and say in the
# commit why each changed line is no worse. Service m011 (issue 22 point 5) changed: the county-wide
# statistics (idx_tickets_received/finished → the township indexes, one range per township), 待回访 and
# the status counts (idx_tickets_callback without callback_due), the overdue/due-soon family
# (idx_tickets_open_due → idx_tickets_running_due, running tickets only), 受理日期起止's count
# (idx_tickets_received → idx_tickets_sort_received_date, which its window already walked; a partial
# index's count reads no row: its WHERE is the query's deleted = 0). m012: idx_tickets_callback holds
# only unrated tickets, so status lists and counts stay on idx_tickets_sort_status (rowid order in a
# status: the window stops after a page).
PINNED_PLANS = {
    '台账 状态 受理':
        ('idx_tickets_sort_status', 'idx_tickets_sort_status', 'idx_tickets_sort_status'),
    '台账 状态 受理 + 乡镇':
        ('COVERING idx_tickets_tw_finished', 'idx_tickets_township', 'idx_tickets_township'),
    '台账 状态 未办结':
        ('idx_tickets_sort_status',
         'idx_tickets_sort_status',
         'TEMP B-TREE FOR ORDER BY',
         'idx_tickets_sort_status',
         'TEMP B-TREE FOR ORDER BY'),
    '台账 状态 未办结 + 乡镇':
        ('COVERING idx_tickets_tw_finished', 'idx_tickets_township', 'idx_tickets_township'),
    '台账 办件类型':
        ('COVERING idx_tickets_kind', 'idx_tickets_kind', 'idx_tickets_kind'),
    '台账 办件类型 + 乡镇':
        ('COVERING idx_tickets_tw_received', 'idx_tickets_kind', 'idx_tickets_kind'),
    '台账 部门':
        ('COVERING idx_tickets_department', 'idx_tickets_department', 'idx_tickets_department'),
    '台账 部门 + 乡镇':
        ('COVERING idx_tickets_tw_received', 'idx_tickets_department', 'idx_tickets_department'),
    '台账 村':
        ('idx_tickets_sort_applicant_village',
         'idx_tickets_sort_applicant_village',
         'idx_tickets_sort_applicant_village'),
    '台账 村 + 乡镇':
        ('COVERING idx_tickets_tw_received', 'idx_tickets_township', 'idx_tickets_township'),
    '台账 渠道':
        ('COVERING idx_tickets_channel', 'idx_tickets_channel', 'idx_tickets_channel'),
    '台账 渠道 + 乡镇':
        ('COVERING idx_tickets_tw_received', 'idx_tickets_channel', 'idx_tickets_channel'),
    '台账 承办人':
        ('COVERING idx_tickets_handler_cadre_uuid',
         'idx_tickets_handler_cadre_uuid',
         'idx_tickets_handler_cadre_uuid'),
    '台账 承办人 + 乡镇':
        ('COVERING idx_tickets_tw_finished',
         'idx_tickets_handler_cadre_uuid',
         'idx_tickets_handler_cadre_uuid'),
    '台账 受理日期起止':
        ('idx_tickets_sort_received_date',
         'idx_tickets_sort_received_date',
         'TEMP B-TREE FOR ORDER BY',
         'idx_tickets_sort_received_date',
         'TEMP B-TREE FOR ORDER BY'),
    '台账 受理日期起止 + 乡镇':
        ('COVERING idx_tickets_tw_received',
         'idx_tickets_tw_received',
         'TEMP B-TREE FOR ORDER BY',
         'idx_tickets_tw_received',
         'TEMP B-TREE FOR ORDER BY'),
    '台账 超期(含已办结超期)':
        ('idx_tickets_late', 'idx_tickets_running_due', 'FULL SCAN', 'FULL SCAN'),
    '台账 超期(含已办结超期) + 乡镇':
        ('idx_tickets_township', 'idx_tickets_township', 'idx_tickets_township'),
    '台账 超期未办结':
        ('COVERING idx_tickets_running_due',
         'idx_tickets_running_due',
         'TEMP B-TREE FOR ORDER BY',
         'idx_tickets_running_due',
         'TEMP B-TREE FOR ORDER BY'),
    '台账 超期未办结 + 乡镇':
        ('idx_tickets_running_due', 'idx_tickets_township', 'idx_tickets_township'),
    '台账 临期':
        ('COVERING idx_tickets_running_due',
         'idx_tickets_running_due',
         'TEMP B-TREE FOR ORDER BY',
         'idx_tickets_running_due',
         'TEMP B-TREE FOR ORDER BY'),
    '台账 临期 + 乡镇':
        ('idx_tickets_running_due', 'idx_tickets_township', 'idx_tickets_township'),
    '台账 待回访':
        ('COVERING idx_tickets_callback', 'idx_tickets_callback', 'idx_tickets_callback'),
    '台账 待回访 + 乡镇':
        ('COVERING idx_tickets_tw_finished', 'idx_tickets_township', 'idx_tickets_township'),
    '台账 乡镇':
        ('COVERING idx_tickets_township', 'idx_tickets_township', 'idx_tickets_township'),
    '台账 乡镇 + 乡镇':
        ('COVERING idx_tickets_township', 'idx_tickets_township', 'idx_tickets_township'),
    '台账 搜索 姓名':
        (),
    '台账 搜索 姓名 + 乡镇':
        (),
    '台账排序 ticket_no':
        ('idx_tickets_no',),
    '台账排序 applicant_name':
        ('idx_tickets_applicant',),
    '台账排序 status':
        ('idx_tickets_sort_status',),
    '台账排序 due_date':
        ('idx_tickets_sort_due_date',),
    '台账排序 item_name':
        ('idx_tickets_sort_item_name',),
    '台账排序 received_date':
        ('idx_tickets_sort_received_date',),
    '台账排序 applicant_village':
        ('idx_tickets_sort_applicant_village',),
    '台账排序 finished_date':
        ('idx_tickets_sort_finished_date',),
    '台账排序 rating':
        ('idx_tickets_sort_rating',),
    '桌面计数':
        ('idx_tickets_sort_status',
         'COVERING idx_tickets_running_due',
         'COVERING idx_tickets_running_due',
         'COVERING idx_tickets_callback'),
    '桌面计数 乡镇':
        ('COVERING idx_tickets_tw_finished',
         'idx_tickets_running_due',
         'idx_tickets_running_due',
         'COVERING idx_tickets_tw_finished'),
    '统计 全年':
        (),
    '统计 跨月 乡镇':
        (),
    '统计 跨月 全县':
        (),
    '统计 跨月 乡镇 一年':
        (),
    '统计 跨月 全县 一年':
        (),
    '人员绩效':
        ('idx_tickets_sort_finished_date', 'TEMP B-TREE FOR GROUP BY'),
    '问责记录':
        ('idx_tickets_sort_finished_date',
         'TEMP B-TREE FOR RIGHT PART OF ORDER BY',
         'idx_tickets_running_due',
         'TEMP B-TREE FOR ORDER BY'),
    '办结清单':
        ('idx_tickets_sort_finished_date', 'TEMP B-TREE FOR RIGHT PART OF ORDER BY'),
    '人员绩效 乡镇':
        ('COVERING idx_tickets_tw_finished', 'TEMP B-TREE FOR GROUP BY'),
    '问责记录 乡镇':
        ('idx_tickets_tw_finished',
         'TEMP B-TREE FOR RIGHT PART OF ORDER BY',
         'idx_tickets_running_due',
         'TEMP B-TREE FOR ORDER BY'),
    '办结清单 乡镇':
        ('idx_tickets_tw_finished', 'TEMP B-TREE FOR RIGHT PART OF ORDER BY'),
    '考核 驻村联系村办件':
        ('idx_tickets_tw_finished', 'TEMP B-TREE FOR GROUP BY'),
    '台帐导出 全县':
        ('idx_tickets_sort_received_date',
         'idx_tickets_sort_received_date',
         'TEMP B-TREE FOR RIGHT PART OF ORDER BY'),
    '台帐导出 乡镇':
        ('COVERING idx_tickets_tw_received',
         'idx_tickets_tw_received',
         'TEMP B-TREE FOR RIGHT PART OF ORDER BY'),
    '台帐导入 查重编号':
        ('COVERING idx_tickets_no',),
    '按编号查':
        ('idx_tickets_no',),
    '办件详情':
        ('sqlite_autoindex_tickets_1', 'idx_ticket_events_ticket'),
    '按 uuid 取办件记录':
        ('sqlite_autoindex_ticket_events_1',),
    '新编号':
        ('COVERING idx_tickets_seq',),
    '最近申请人':
        ('FULL SCAN',),
    '在用村名':
        (),
    '整改':
        ('idx_ticket_rect_status', 'sqlite_autoindex_tickets_1'),
    '日历提示 预估件数':
        ('idx_tickets_provisional', 'TEMP B-TREE FOR GROUP BY'),
    '日历提示 待核对':
        ('idx_tickets_provisional', 'TEMP B-TREE FOR RIGHT PART OF ORDER BY'),
    '数据包 增量 tickets':
        ('idx_tickets_change_seq',),
    '数据包 增量 ticket_events':
        ('idx_ticket_events_change_seq',),
}


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
    used, plans = index_map.index_map(demo_db)
    unused = sorted(name for name, labels in used.items()
                    if not labels and name not in NEEDED_WITHOUT_A_READ)
    assert not unused, f"indexes no query of the program uses (drop them in a migration): {unused}"
    failed = [label for label, lines in plans.items() if any(line.startswith("FAILED") for line in lines)]
    assert not failed, failed


def test_dropped_indexes_are_gone(demo_db):
    names = {r[0] for r in demo_db.execute("SELECT name FROM sqlite_master WHERE type = 'index'")}
    assert not names & {"idx_tickets_status", "idx_tickets_applicant_village", "idx_tickets_item_uuid",
                        "idx_ticket_events_township", "idx_audit_table",
                        "idx_tickets_received", "idx_tickets_finished", "idx_tickets_open_due"}
    # What ledger sorting (tests/test_ledger_sort.py) and the statistics need stays.
    assert {"idx_tickets_applicant", "idx_tickets_no", "idx_tickets_sort_status", "idx_tickets_callback",
            "idx_tickets_running_due", "idx_tickets_tw_received", "idx_tickets_tw_finished"} <= names


def test_every_query_keeps_its_plan(demo_db):
    _used, plans = index_map.index_map(demo_db)
    changed = {label: index_map.plan_shape(lines) for label, lines in plans.items()
               if index_map.plan_shape(lines) != PINNED_PLANS.get(label)}
    assert not changed, "plans that changed (see PINNED_PLANS):\n" + "\n".join(
        f"    {label!r}: {shape!r},  # was {PINNED_PLANS.get(label)!r}" for label, shape in changed.items())
    assert set(PINNED_PLANS) == set(plans), "a pinned query is no longer run by index_map.program_queries"


def test_no_pinned_plan_scans_a_big_table_or_sorts_a_whole_list():
    # The window pages the ledger's lists (台账 …) by LIMIT/OFFSET newest first: a full scan or a
    # temporary sort of the whole list costs every page. Those that sort, sort what an index found
    # (a status group, a date range, the running tickets), never the whole ledger.
    sorts_found_rows = {"台账 状态 未办结", "台账 受理日期起止", "台账 受理日期起止 + 乡镇", "台账 超期未办结", "台账 临期"}
    for label, shape in PINNED_PLANS.items():
        if "FULL SCAN" in shape:
            assert label in ROWID_WALK_OK, label
        if label.startswith("台账") and "TEMP B-TREE FOR ORDER BY" in shape:
            assert label in sorts_found_rows, label
            assert shape[shape.index("TEMP B-TREE FOR ORDER BY") - 1].startswith("idx_"), label


def test_running_due_index_is_what_the_queries_say():
    # The planner uses a partial index only when the query repeats its WHERE: the index's text must stay
    # the one states.sql_in writes for RUNNING_STATUSES (the overdue, due-soon and accountability queries).
    from models.service import schema
    from models.service.states import RUNNING_STATUSES, sql_in

    create = next(s for s in schema.M011_STATEMENTS if s.startswith("CREATE INDEX idx_tickets_running_due"))
    assert create.endswith(f"WHERE {sql_in(RUNNING_STATUSES)}")


def test_county_statistics_of_partial_months_over_several_townships(tmp_path):
    # m011 dropped the county-wide copies of the statistics indexes; m013 reads partial months from the
    # daily summaries. Three townships, ranges with partial months, the county and one township.
    import datetime as dt
    import random
    from collections import Counter

    from models.core import records
    from models.demo.service import generate_tickets
    from models.service import stats

    db = open_database(tmp_path / "county.db", daily_backup=False)
    try:
        today = dt.date(2026, 11, 20)
        for n, code in enumerate(("330106001", "330106002", "330106003")):
            generate_tickets(db, 150, random.Random(n), township_code=code, today=today,
                             date_from=dt.date(2025, 11, 3), date_to=today)
        rows = records.rows(db, "SELECT * FROM tickets WHERE deleted = 0")
        assert len({r["township_code"] for r in rows}) == 3
        for a, b in (("2026-01-15", "2026-06-20"), ("2026-02-03", "2026-02-20"), ("2025-11-10", "2026-11-19")):
            for code in (None, "330106002"):
                mine = [r for r in rows if code in (None, r["township_code"])]
                got = [r for r in mine if a <= r["received_date"] <= b]
                done = [r for r in mine if r["status"] == "办结" and r["finished_date"] and a <= r["finished_date"] <= b]
                s = stats.statistics(db, a, b, code)
                assert s["total"] == len(got) > 0, (a, b, code)
                assert dict(s["by_status"]) == dict(Counter(r["status"] for r in got)), (a, b, code)
                assert (s["finished"], s["on_time"]) == (len(done), sum(r["days_late"] == 0 for r in done)), (a, b, code)
    finally:
        close_database(db)


def test_m011_m012_upgrade_a_file_of_the_previous_version(tmp_path):
    # A file at m010 (its indexes as they were) opens into the new set, after the usual backup.
    from models.core.db import list_backups
    from models.demo.township import DemoOptions, build_demo_file
    from models.service import stats

    path = tmp_path / "township.db"
    build_demo_file(path, DemoOptions(tickets=300))
    db = open_database(path, daily_backup=False)
    fresh = {r[0]: r[1] for r in db.execute("SELECT name, sql FROM sqlite_master WHERE type = 'index'")}
    before = stats.statistics(db, "2026-01-15", "2026-06-20")
    with db.atomic():
        db.execute("DROP INDEX idx_tickets_running_due")
        db.execute("DROP INDEX idx_tickets_callback")
        db.execute("CREATE INDEX idx_tickets_open_due ON tickets(status, due_date, deleted)")
        db.execute("CREATE INDEX idx_tickets_received ON tickets(received_date, department, channel, "
                   "applicant_village, kind, status, deleted)")
        db.execute("CREATE INDEX idx_tickets_finished ON tickets(finished_date, status, days_late, work_days_used, "
                   "rating, handler_cadre_uuid, deleted)")
        db.execute("CREATE INDEX idx_tickets_callback ON tickets(status, rating, callback_due, deleted)")
        db.execute("DELETE FROM _sqlite_migrations WHERE migration_set = 'service' AND name IN (?, ?)",
                   ["m011_indexes_earn_their_place", "m012_callback_index_unrated_only"])
    close_database(db)
    backups_before = len(list_backups(path))
    db = open_database(path, daily_backup=False)
    try:
        upgraded = {r[0]: r[1] for r in db.execute("SELECT name, sql FROM sqlite_master WHERE type = 'index'")}
        assert upgraded == fresh
        assert len(list_backups(path)) == backups_before + 1  # the pre-migration backup
        assert stats.statistics(db, "2026-01-15", "2026-06-20") == before
    finally:
        close_database(db)


def test_the_calendar_banner_reads_only_the_flagged_tickets(demo_db):
    # The banner's two questions walked every open ticket (20,500 at a county, 30-60 ms each).
    queries = index_map.program_queries(demo_db)
    for label in ("日历提示 预估件数", "日历提示 待核对"):
        lines = [line for sql in queries[label] for line in index_map.plan(demo_db, sql)]
        assert any("INDEX idx_tickets_provisional" in line for line in lines), (label, lines)
