"""Property-based tests of the merge: idempotent, order-independent, and
deletions stick (hypothesis)."""

from __future__ import annotations

import sqlite3
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from handoff_helpers import PASSWORD, fresh_database, make_county, make_township, travel_state, village_uuid
from models import handoff
from models.core import township
from models.core.db import close_database, open_database
from models.handoff import package as pkgfmt
from models.core.users import CLI_ACTOR

TABLES = ["villages", "offices"]
SETTINGS = settings(max_examples=15, deadline=None,
                    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])


@pytest.fixture(autouse=True)
def fast_kdf(monkeypatch):
    monkeypatch.setattr(pkgfmt, "SCRYPT_N", 2**10)


def _ack(db, result) -> None:
    """Pretend the county confirmed everything up to this package."""
    db.execute("INSERT INTO handoff_acks (township_code, acked_through, acked_at) VALUES (?, ?, '') "
               "ON CONFLICT(township_code) DO UPDATE SET acked_through = excluded.acked_through",
               [result.manifest["township_code"], result.manifest["max_seq"]])


def _branch(db, path: Path):
    """A copy of the township database (a restored backup edited separately)."""
    target = sqlite3.connect(str(path))
    db.conn.backup(target)
    target.close()
    return open_database(path, daily_backup=False)


@pytest.fixture(scope="module")
def history(tmp_path_factory):
    """Packages of one township, including a diverged copy that edited the
    same records to the same versions with different content."""
    pkgfmt.SCRYPT_N, saved = 2**10, pkgfmt.SCRYPT_N
    folder = tmp_path_factory.mktemp("history")
    a = make_township(folder / "a.db", "330106001", "甲镇", villages=4)
    packages = [handoff.export_package(a, folder / "p0.xzpkg", PASSWORD, CLI_ACTOR)]
    b = _branch(a, folder / "b.db")
    v1, v2, v3 = (village_uuid(a, f"甲镇第{i}村") for i in (1, 2, 3))
    _ack(a, packages[0])
    township.update_village(a, CLI_ACTOR, v1, "甲镇第1村", 500)
    township.delete_village(a, CLI_ACTOR, v2)
    township.add_village(a, CLI_ACTOR, "新建村", 77)
    packages.append(handoff.export_package(a, folder / "p1.xzpkg", PASSWORD, CLI_ACTOR))
    township.update_village(a, CLI_ACTOR, v3, "甲镇第3村", 1)
    packages.append(handoff.export_package(a, folder / "p2.xzpkg", PASSWORD, CLI_ACTOR))
    _ack(a, packages[-1])
    township.update_village(a, CLI_ACTOR, v1, "甲镇第1村", 501)
    packages.append(handoff.export_package(a, folder / "p3.xzpkg", PASSWORD, CLI_ACTOR))
    # The diverged copy: same versions, other content; it revives nothing.
    township.update_village(b, CLI_ACTOR, v2, "甲镇第2村", 2)
    township.update_village(b, CLI_ACTOR, v3, "甲镇第3村", 2)
    township.update_village(b, CLI_ACTOR, v1, "甲镇第1村", 3)
    packages.append(handoff.export_package(b, folder / "pb.xzpkg", PASSWORD, CLI_ACTOR, full=True))
    final_a = travel_state(a, TABLES)
    close_database(a)
    close_database(b)
    pkgfmt.SCRYPT_N = saved
    return {"folder": folder, "packages": [p.path for p in packages], "final_a": final_a, "cache": {},
            "deleted": v2}


def _import_all(folder: Path, paths) -> dict:
    with tempfile.TemporaryDirectory(dir=folder) as tmp:
        county = make_county(Path(tmp) / "county.db")
        try:
            for path in paths:
                handoff.import_package(county, path, PASSWORD, CLI_ACTOR)
            return {"state": travel_state(county, TABLES),
                    "conflicts": county.execute("SELECT count(*) FROM handoff_conflicts").fetchone()[0]}
        finally:
            close_database(county)


def _reference(history, chosen: frozenset) -> dict:
    if chosen not in history["cache"]:
        history["cache"][chosen] = _import_all(history["folder"], [history["packages"][i] for i in sorted(chosen)])
    return history["cache"][chosen]


@SETTINGS
@given(order=st.lists(st.integers(min_value=0, max_value=4), min_size=1, max_size=8))
def test_any_order_and_repetition_gives_the_same_result(history, order):
    """Importing packages in any order, some more than once, ends in the state
    of importing each once in order; no conflict arises without local edits."""
    got = _import_all(history["folder"], [history["packages"][i] for i in order])
    expected = _reference(history, frozenset(order))
    assert got == expected
    assert got["conflicts"] == 0
    if 1 in order:  # the deletion travelled: nothing brings the village back
        deleted = [r for r in got["state"]["villages"] if r[0] == history["deleted"]]
        assert deleted and deleted[0][5] == 1  # columns: uuid, township_code, version, updated_at, updated_by, deleted


@SETTINGS
@given(order=st.permutations([0, 1, 2, 3]))
def test_all_township_packages_in_any_order_equal_the_township(history, order):
    got = _import_all(history["folder"], [history["packages"][i] for i in order])
    assert got["state"] == history["final_a"]


OPS = st.lists(st.one_of(
    st.tuples(st.just("update"), st.integers(0, 5), st.integers(0, 900)),
    st.tuples(st.just("delete"), st.integers(0, 5)),
    st.tuples(st.just("add")),
    st.tuples(st.just("export")),
    st.tuples(st.just("ack")),
), max_size=12)


@SETTINGS
@given(ops=OPS, data=st.data())
def test_random_histories_merge_to_the_township_state(tmp_path_factory, ops, data):
    """Whatever a township does (edits, deletions, full and incremental
    packages), the county that received every package, in any order and
    with repeats, holds exactly the township's records."""
    folder = tmp_path_factory.mktemp("random")
    town = fresh_database(folder / "t.db")
    close_database(town)
    town = make_township(folder / "t.db", "330106009", "己镇", villages=2)
    paths, last = [], None
    added = 0
    try:
        for op in [*ops, ("export",)]:
            live = [r[0] for r in town.execute("SELECT uuid FROM villages WHERE deleted = 0 ORDER BY id")]
            if op[0] == "update" and live:
                township.update_village(town, CLI_ACTOR, live[op[1] % len(live)], f"村{op[2]}", op[2])
            elif op[0] == "delete" and live:
                township.delete_village(town, CLI_ACTOR, live[op[1] % len(live)])
            elif op[0] == "add":
                added += 1
                township.add_village(town, CLI_ACTOR, f"新村{added}", added)
            elif op[0] == "export":
                last = handoff.export_package(town, folder / f"p{len(paths)}.xzpkg", PASSWORD, CLI_ACTOR)
                paths.append(last.path)
            elif op[0] == "ack" and last is not None:
                _ack(town, last)
        order = data.draw(st.permutations(paths))
        repeats = data.draw(st.lists(st.sampled_from(paths), max_size=3))
        got = _import_all(folder, [*order, *repeats])
        assert got["state"] == travel_state(town, TABLES)
        assert got["conflicts"] == 0
    finally:
        close_database(town)
