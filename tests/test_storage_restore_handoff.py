"""A restore starts a new generation, and the hand-off copes with it.

The merge rule (models/handoff/merge.py, models/core/generation.py): after a
restore every wound-back record is re-stamped above the version it had, the
county's acknowledgements from before are void and the next export is full.
The property: whatever sequence of edits, backups, restores, packages and
acknowledgements happens, after one more package the county holds exactly
the township's current records (content and version) — nothing added after
a restore is left out, no correction after a restore is ignored.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from handoff_helpers import PASSWORD, make_county, make_township
from models import handoff
from models.core import generation, township
from models.core.db import backup_database, close_database, restore_backup
from models.core.users import CLI_ACTOR
from models.handoff import package as pkgfmt

CODE = "330106001"
TABLES = ("villages", "offices")


@pytest.fixture(autouse=True)
def fast_kdf(monkeypatch):
    monkeypatch.setattr(pkgfmt, "SCRYPT_N", 2**10)


def _rows(db, table, code=CODE):
    cols = [r[1] for r in db.execute(f"PRAGMA table_info([{table}])") if r[1] not in ("id", "change_seq")]
    names = ", ".join(f"[{c}]" for c in cols)
    return {r[0]: r for r in db.execute(f"SELECT uuid, {names} FROM [{table}] WHERE township_code = ?", [code])}


class World:
    """One township, one county, the packages between them: real files."""

    def __init__(self, folder: Path):
        self.folder = folder
        self.town = make_township(folder / "town.db", CODE, "甲镇", villages=3)
        self.county = make_county(folder / "county.db")
        self.backups: list[Path] = []
        self.n = 0
        self.villages_added = 0
        self.names = [r[0] for r in self.town.execute("SELECT name FROM villages")]

    def edit(self, i: int, households: int) -> None:
        live = self.town.execute("SELECT uuid, name FROM villages WHERE deleted = 0 ORDER BY name").fetchall()
        if live:
            key, name = live[i % len(live)]
            township.update_village(self.town, CLI_ACTOR, key, name, households)

    def add(self) -> None:
        self.villages_added += 1
        township.add_village(self.town, CLI_ACTOR, f"新村{self.villages_added}", self.villages_added)

    def backup(self) -> None:
        self.backups.append(backup_database(self.town, reason="manual"))

    def restore(self, k: int) -> None:
        if self.backups:
            restore_backup(self.backups[k % len(self.backups)], self.town.path)

    def sync(self) -> None:
        self.n += 1
        out = handoff.export_package(self.town, self.folder / f"t{self.n}.xzpkg", PASSWORD, CLI_ACTOR)
        handoff.import_package(self.county, out.path, PASSWORD, CLI_ACTOR)

    def ack(self) -> None:
        self.n += 1
        out = handoff.export_package(self.county, self.folder / f"c{self.n}.xzpkg", PASSWORD, CLI_ACTOR)
        handoff.import_package(self.town, out.path, PASSWORD, CLI_ACTOR)

    def close(self) -> None:
        close_database(self.town)
        close_database(self.county)


EVENTS = st.lists(st.one_of(
    st.tuples(st.just("edit"), st.integers(0, 5), st.integers(1, 900)),
    st.tuples(st.just("add")),
    st.tuples(st.just("backup")),
    st.tuples(st.just("restore"), st.integers(0, 5)),
    st.tuples(st.just("sync")),
    st.tuples(st.just("ack")),
), min_size=1, max_size=12)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                  HealthCheck.too_slow])
@given(events=EVENTS)
def test_after_any_history_with_restores_one_package_brings_the_county_level(tmp_path, events):
    with tempfile.TemporaryDirectory(dir=tmp_path) as tmp:
        world = World(Path(tmp))
        try:
            for name, *args in events:
                getattr(world, name)(*args)
            world.sync()
            for table in TABLES:
                town, county = _rows(world.town, table), _rows(world.county, table)
                assert town == {k: county.get(k) for k in town}, f"{table} differs after {events}"
        finally:
            world.close()


def test_the_reported_case_two_of_three_villages_after_a_restore(tmp_path):
    """The field report: acknowledged up to a number, restored, three villages
    added — the next incremental package carries all three."""
    world = World(tmp_path)
    try:
        world.backup()
        for households in (11, 12, 13):
            world.edit(0, households)
        world.sync()
        world.ack()
        world.restore(0)
        assert generation.full_export_due(world.town)
        assert world.town.execute("SELECT count(*) FROM handoff_acks").fetchone()[0] == 0
        for _ in range(3):
            world.add()
        world.ack()  # a reference package made before the county saw the restore: its ack is void
        out = handoff.export_package(world.town, tmp_path / "after.xzpkg", PASSWORD, CLI_ACTOR)
        assert out.manifest["full"] and out.manifest["generation"] == generation.current(world.town)
        handoff.import_package(world.county, out.path, PASSWORD, CLI_ACTOR)
        names = {r[0] for r in world.county.execute("SELECT name FROM villages WHERE township_code = ?", [CODE])}
        assert {"新村1", "新村2", "新村3"} <= names
        # The restored households (the backup's value) beat the county's higher version.
        town, county = _rows(world.town, "villages"), _rows(world.county, "villages")
        assert town == {k: county[k] for k in town}
        # After the full package, incremental again; a later ack of the new generation is accepted.
        world.ack()
        assert world.town.execute("SELECT acked_through FROM handoff_acks").fetchone()[0] >= out.manifest["max_seq"]
        world.add()
        nxt = handoff.export_package(world.town, tmp_path / "next.xzpkg", PASSWORD, CLI_ACTOR)
        assert not nxt.manifest["full"] and nxt.row_counts["villages"] == 1
    finally:
        world.close()
