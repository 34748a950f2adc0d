"""Issue 22: merged rows are sealed from one read of the rows the merge wrote
(no look-up per row). The rows a package ADDS are sealed under one bulk-seal
audit row per table naming the package (as the spreadsheet import); each row
the merge CHANGED or DELETED gets its own audit row with the columns that
changed, old and new, and the package. That still proves what issue 20
asked: every merged row's seal is the row as stored, `check` stays clean
after imports and still finds a row changed or slipped in with SQLite before
or after them."""

from __future__ import annotations

import json
import sqlite3

from models import handoff
from models.core import audit, township
from models.core.db import close_database
from models.core.users import CLI_ACTOR
from tests.cli_helpers import run_cli
from tests.handoff_helpers import PASSWORD, make_county, make_township, village_uuid


def _stored_digest(db, table: str, key: str) -> str:
    cur = db.execute(f"SELECT * FROM [{table}] WHERE uuid = ?", [key])
    return audit.row_digest([d[0] for d in cur.description], cur.fetchone())


def _merge_rows(db, table: str) -> list[tuple]:
    return db.execute("SELECT id, row_key, after, row_hash FROM audit_log WHERE action = 'merge' AND table_name = ? "
                      "ORDER BY id", [table]).fetchall()


def _sqlite(path, sql: str, params=()) -> None:
    conn = sqlite3.connect(str(path))
    try:
        conn.execute(sql, params)
        conn.commit()
    finally:
        conn.close()


def _bulk_rows(db, table: str) -> list[tuple]:
    return db.execute("SELECT id, after, row_hash FROM audit_log WHERE action = 'bulk-seal' AND table_name = ? "
                      "ORDER BY id", [table]).fetchall()


def test_added_changed_and_deleted_rows_are_each_audited_and_sealed_as_stored(tmp_path):
    town = make_township(tmp_path / "town.db", "330106001", "甲镇", villages=3)
    county = make_county(tmp_path / "county.db")
    first = handoff.export_package(town, tmp_path / "1.xzpkg", PASSWORD, CLI_ACTOR)
    handoff.import_package(county, first.path, PASSWORD, CLI_ACTOR)
    assert _merge_rows(county, "villages") == []  # added rows: no audit row each
    (bulk_id, about, _), = _bulk_rows(county, "villages")
    about = json.loads(about)
    assert (about["merge"], about["package_id"], about["rows"]) == ("add", first.manifest["package_id"], 3)
    ids = [r[0] for r in county.execute("SELECT id FROM villages ORDER BY id")]
    assert about["ids"] == [ids[0], ids[-1]]  # which rows the package brought, for as long as they exist
    first_keys = [r[0] for r in county.execute("SELECT uuid FROM villages ORDER BY id")]
    for key in first_keys:
        assert county.execute("SELECT row_hash, audit_id FROM row_seals WHERE table_name = 'villages' "
                              "AND row_key = ?", [key]).fetchone() == (_stored_digest(county, "villages", key), bulk_id)

    changed, gone = village_uuid(town, "甲镇第1村"), village_uuid(town, "甲镇第2村")
    township.update_village(town, CLI_ACTOR, changed, "甲镇新名村", 321)
    township.delete_village(town, CLI_ACTOR, gone)
    added = township.add_village(town, CLI_ACTOR, "甲镇第4村", 88)
    second = handoff.export_package(town, tmp_path / "2.xzpkg", PASSWORD, CLI_ACTOR)
    summary = handoff.import_package(county, second.path, PASSWORD, CLI_ACTOR)
    assert summary.tables["villages"]["added"] == 1
    assert summary.tables["villages"]["updated"] == 1
    assert summary.tables["villages"]["deleted"] == 1

    package_id = second.manifest["package_id"]
    bulk = _bulk_rows(county, "villages")
    assert len(bulk) == 2 and json.loads(bulk[1][1])["package_id"] == package_id
    assert county.execute("SELECT audit_id FROM row_seals WHERE table_name = 'villages' AND row_key = ?",
                          [added]).fetchone() == (bulk[1][0],)
    rows = _merge_rows(county, "villages")
    assert [key for _, key, _, _ in rows] == sorted([changed, gone], key=lambda k: first_keys.index(k))
    by_key = {key: county.execute("SELECT before, after FROM audit_log WHERE id = ?", [audit_id]).fetchone()
              for audit_id, key, _, _ in rows}
    # What changed where the merge changed an existing row: the columns, old and new, and the package.
    before, after = (json.loads(x) for x in by_key[changed])
    assert before == {"name": "甲镇第1村", "households": 100}
    assert after == {"name": "甲镇新名村", "households": 321, "merge": "update", "package_id": package_id}
    before, after = (json.loads(x) for x in by_key[gone])
    assert (before, after) == ({"deleted": 0}, {"deleted": 1, "merge": "delete", "package_id": package_id})
    assert audit.changes({"before": by_key[changed][0], "after": by_key[changed][1]})["name"] == ("甲镇第1村", "甲镇新名村")
    for audit_id, key, _, row_hash in rows:
        assert row_hash == _stored_digest(county, "villages", key)  # the row as it is stored now
        assert county.execute("SELECT row_hash, audit_id FROM row_seals WHERE table_name = 'villages' "
                              "AND row_key = ?", [key]).fetchone() == (row_hash, audit_id)
    assert audit.verify_chain(county) == []
    assert audit.verify_rows(county) == []
    close_database(county)
    close_database(town)
    result = run_cli("check", "--db", tmp_path / "county.db", login=None)
    assert result.returncode == 0, result.stdout + result.stderr

    # A merged row edited with SQLite afterwards is still found.
    _sqlite(tmp_path / "county.db", "UPDATE villages SET households = 999 WHERE uuid = ?", [changed])
    result = run_cli("check", "--db", tmp_path / "county.db", "--full", login=None)
    assert result.returncode != 0
    assert changed in result.stdout


def test_a_row_slipped_in_before_an_import_is_not_sealed_by_it(tmp_path):
    """The merge seals the ids its own INSERT made, not every row after some id:
    a row inserted with SQLite before the import stays unaudited and `check` names it."""
    county = make_county(tmp_path / "county.db")
    close_database(county)
    _sqlite(tmp_path / "county.db",
            "INSERT INTO villages (uuid, township_code, version, updated_at, updated_by, deleted, change_seq, name, "
            "households) VALUES ('slipped-in-row', '330106009', 1, '2026-01-01T00:00:00', 'x', 0, 0, '外来村', 1)")
    town = make_township(tmp_path / "town.db", "330106001", "甲镇", villages=2)
    package = handoff.export_package(town, tmp_path / "1.xzpkg", PASSWORD, CLI_ACTOR)
    close_database(town)
    from models.core.db import open_database

    county = open_database(tmp_path / "county.db", daily_backup=False)
    handoff.import_package(county, package.path, PASSWORD, CLI_ACTOR)
    assert json.loads(_bulk_rows(county, "villages")[0][1])["rows"] == 2
    problems = audit.verify_rows(county)
    assert problems == [audit._unaudited("villages", "slipped-in-row")]
    assert audit.verify_row_presence(county) == problems
    close_database(county)


def test_an_incremental_package_names_children_whose_parent_has_not_arrived_counting_only_its_own_rows(tmp_path):
    """Issue 22 point 4: the reference check of an incremental package looks at
    the rows the package brought (an index look-up of each parent), not at
    whole tables: an orphan already in the county is not counted."""
    import datetime as dt

    from models.roster import team

    town = make_township(tmp_path / "town.db", "330106001", "甲镇", villages=1)
    county = make_county(tmp_path / "county.db")
    first = handoff.export_package(town, tmp_path / "1.xzpkg", PASSWORD, CLI_ACTOR)
    handoff.import_package(county, first.path, PASSWORD, CLI_ACTOR)
    cadre = team.add_cadre(town, CLI_ACTOR, {"name": "张三"})
    second = handoff.export_package(town, tmp_path / "2.xzpkg", PASSWORD, CLI_ACTOR)
    assert second.row_counts["cadres"] == 1
    # The county acknowledged the second package (its stick then went missing): the next
    # package starts after it and brings the cadre's whereabouts without the cadre.
    town.execute("INSERT INTO handoff_acks (township_code, acked_through, acked_at, source_package) "
                 "VALUES ('330106001', ?, '2026-12-01T00:00:00', 'ref') ON CONFLICT(township_code) DO UPDATE "
                 "SET acked_through = excluded.acked_through", [second.manifest["max_seq"]])
    team.set_whereabouts(town, CLI_ACTOR, cadre, dt.date(2026, 11, 30), "下村", "青石村")
    third = handoff.export_package(town, tmp_path / "3.xzpkg", PASSWORD, CLI_ACTOR)
    assert not third.manifest["full"] and third.row_counts["cadres"] == 0 and third.row_counts["whereabouts"] == 1
    close_database(county)
    # An orphan the county already holds (written with SQLite) is not the package's.
    _sqlite(tmp_path / "county.db",
            "INSERT INTO whereabouts (uuid, township_code, version, updated_at, updated_by, deleted, change_seq, "
            "cadre_uuid, date, status) VALUES ('old-orphan', '330106009', 1, '2026-01-01T00:00:00', 'x', 0, 0, "
            "'no-such-cadre', '2026-01-01', '下村')")
    from models.core.db import open_database

    county = open_database(tmp_path / "county.db", daily_backup=False)
    summary = handoff.import_package(county, third.path, PASSWORD, CLI_ACTOR)
    assert summary.tables["whereabouts"]["added"] == 1
    notes = [n for n in summary.notes if "尚未到达" in n]
    assert notes == ["提示：whereabouts 有 1 条记录引用的上级记录尚未到达（可能还有更早的数据包没有导入）。"], summary.notes
    close_database(county)
    close_database(town)
