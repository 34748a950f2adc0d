"""Issue 22: tickets a package adds go into the monthly statistics and the search
index in bulk inside the import's transaction (no per-row triggers, no queue
for the first search to work off). The result must be what the per-row path
gives: summaries equal to counting the tickets, every live imported ticket
found by the search, deleted ones not, and later changes still queued."""

from __future__ import annotations

import shutil

import pytest

from models import handoff
from models.core import records
from models.core.db import close_database, open_database
from models.core.users import CLI_ACTOR
from models.service import search, tickets
from tests.handoff_helpers import PASSWORD, make_county


@pytest.fixture(scope="module")
def demo_template(tmp_path_factory):
    from models.demo.township import DemoOptions, build_demo

    path = tmp_path_factory.mktemp("bulk") / "template.db"
    db = open_database(path, daily_backup=False)
    build_demo(db, DemoOptions(seed=12, tickets=60))
    close_database(db)
    return path


# How each summary grain keys a ticket's date (service m007: months, m013: days).
_GRAIN_KEYS = {"month": "substr({}, 1, 7)", "day": "{}"}


def _counted_summaries(db) -> tuple[set, ...]:
    out = []
    for grain, key in _GRAIN_KEYS.items():
        received = {grain}
        for dimension, column in (("department", "department"), ("channel", "channel"),
                                  ("village", "applicant_village"), ("kind", "kind"), ("status", "status")):
            received |= set(db.execute(
                f"SELECT {key.format('received_date')}, township_code, '{dimension}', {column}, count(*) FROM tickets "
                "WHERE deleted = 0 GROUP BY 1, 2, 4").fetchall())
        finished = {grain} | set(db.execute(
            f"SELECT township_code, {key.format('finished_date')}, coalesce(rating, 0), days_late = 0, count(*), "
            "coalesce(sum(work_days_used), 0), count(work_days_used) FROM tickets WHERE deleted = 0 AND status = '办结' "
            "AND finished_date IS NOT NULL GROUP BY 1, 2, 3, 4").fetchall())
        out += [received, finished]
    return tuple(out)


def _kept_summaries(db) -> tuple[set, ...]:
    out = []
    for grain in _GRAIN_KEYS:
        out.append({grain} | set(db.execute(f"SELECT {grain}, township_code, dimension, value, n "
                                            f"FROM ticket_{grain}_received WHERE n != 0").fetchall()))
        out.append({grain} | set(db.execute(f"SELECT township_code, {grain}, rating, on_time, n, used_sum, used_n "
                                            f"FROM ticket_{grain}_finished WHERE n != 0").fetchall()))
    return tuple(out)


def _found(db, query: str) -> set[int]:
    return {r[0] for r in db.execute(f"SELECT rowid FROM {search.TABLE} WHERE {search.TABLE} MATCH ?",
                                     [search.match_expression(query)])}


def test_imported_tickets_are_counted_and_searchable_as_the_per_row_path_makes_them(demo_template, tmp_path):
    shutil.copyfile(demo_template, tmp_path / "town.db")
    town = open_database(tmp_path / "town.db", daily_backup=False)
    gone_uuid, gone_no = town.execute("SELECT uuid, ticket_no FROM tickets WHERE deleted = 0 ORDER BY id LIMIT 1").fetchone()
    records.delete(town, "tickets", gone_uuid, CLI_ACTOR)
    first = handoff.export_package(town, tmp_path / "1.xzpkg", PASSWORD, CLI_ACTOR)
    county = make_county(tmp_path / "county.db")
    handoff.import_package(county, first.path, PASSWORD, CLI_ACTOR)

    assert county.execute("SELECT count(*) FROM tickets_fts_pending").fetchone() == (0,)  # nothing left for a search
    assert county.execute("SELECT count(*) FROM tickets WHERE deleted = 0").fetchone()[0] == 59
    assert _kept_summaries(county) == _counted_summaries(county)
    live = county.execute("SELECT id, ticket_no, applicant_name FROM tickets WHERE deleted = 0").fetchall()
    for row_id, ticket_no, _ in live:
        assert row_id in _found(county, ticket_no)
    assert _found(county, gone_no) == set()
    name = live[0][2]
    by_name = _found(county, name)
    with county.atomic():
        search.rebuild(county)  # the index made from scratch answers the same
    assert _found(county, name) == by_name

    # A later package that changes a ticket goes through the triggers and the queue as before.
    key = town.execute("SELECT uuid FROM tickets WHERE deleted = 0 ORDER BY id DESC LIMIT 1").fetchone()[0]
    records.update(town, "tickets", key, {"applicant_name": "欧阳新名"}, CLI_ACTOR)
    second = handoff.export_package(town, tmp_path / "2.xzpkg", PASSWORD, CLI_ACTOR)
    handoff.import_package(county, second.path, PASSWORD, CLI_ACTOR)
    tickets.flush_fts(county)
    row_id = county.execute("SELECT id FROM tickets WHERE uuid = ?", [key]).fetchone()[0]
    assert _found(county, "欧阳新名") == {row_id}
    assert _kept_summaries(county) == _counted_summaries(county)
    # The insert triggers are back after the bulk block.
    triggers = {r[0] for r in county.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'")}
    assert {"tickets_fts_ai", "tickets_month_ai"} <= triggers
    assert county.execute("SELECT direct FROM tickets_fts_control").fetchone() == (0,)
    close_database(county)
    close_database(town)
