"""Power cuts and killed processes lose nothing that was reported saved.

A child process (tests/crash_writer.py) writes through models/ and prints each
key after its commit returned; we SIGKILL it at a random moment, then check
the file with integrity_check and look for every reported key.
"""

from __future__ import annotations

import os
import random
import shutil
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import sqlite_utils

ROOT = Path(__file__).resolve().parent.parent
WRITER = ROOT / "tests" / "crash_writer.py"
RUNS = 100
TRANSACTIONS = 1000
PARALLEL = 4

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="SIGKILL is POSIX")


@pytest.fixture(scope="module")
def template_db(tmp_path_factory):
    """A migrated database with an administrator and a township identity."""
    from models.core import township
    from models.core import users
    from models.core.db import close_database, open_database

    path = tmp_path_factory.mktemp("crash-template") / "template.db"
    db = open_database(path)
    admin = users.create_user(db, "admin", "secret123", users.ADMIN, "管理员")
    township.set_identity(db, admin, name="测试镇", code="330106001", county="测试县")
    township.add_village(db, admin, "原有村", 100)
    close_database(db)
    return path


def _spawn(*args) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, str(WRITER), *map(str, args)], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, encoding="utf-8", cwd=str(ROOT))


def _kill_after(proc: subprocess.Popen, wait_lines: int, extra_sleep: float) -> list[str]:
    """Read `wait_lines` lines (after "ready"), sleep a little, SIGKILL; return
    every line the child managed to print, including those still in the pipe."""
    lines = []
    seen = 0
    for line in proc.stdout:
        lines.append(line.strip())
        if line.startswith("ready"):
            continue
        seen += 1
        if seen >= wait_lines:
            break
    time.sleep(extra_sleep)
    proc.send_signal(signal.SIGKILL)
    rest, err = proc.communicate(timeout=30)
    lines.extend(x.strip() for x in rest.splitlines())
    return lines


def _integrity(path: Path) -> str:
    conn = sqlite3.connect(str(path))
    try:
        return conn.execute("PRAGMA integrity_check").fetchone()[0]
    finally:
        conn.close()


def _one_records_run(template: Path, folder: Path, run: int, rng: random.Random) -> dict:
    path = folder / f"run{run}.db"
    shutil.copy2(template, path)
    # Kill early in most runs (mid-start-up, first transactions), late in some.
    if rng.random() < 0.7:
        wait_lines = rng.randint(0, 60)
    else:
        wait_lines = rng.randint(0, TRANSACTIONS)
    extra_sleep = rng.choice([0, 0, rng.uniform(0, 0.003), rng.uniform(0, 0.02)])
    proc = _spawn("records", path, TRANSACTIONS, run)
    lines = _kill_after(proc, wait_lines, extra_sleep)
    reported = [line.split()[1] for line in lines if line.startswith("ok ")]
    problems = []
    integrity = _integrity(path)
    if integrity != "ok":
        problems.append(f"integrity_check: {integrity}")
    db = sqlite_utils.Database(sqlite3.connect(str(path)))
    present = {r[0] for r in db.execute("SELECT uuid FROM villages")}
    missing = [k for k in reported if k not in present]
    if missing:
        problems.append(f"{len(missing)} reported keys missing, e.g. {missing[0]}")
    # Each village and its audit row are written in one transaction: never one without the other.
    audited = db.execute("SELECT count(*) FROM audit_log WHERE table_name='villages' AND action='insert'").fetchone()[0]
    if audited != len(present):
        problems.append(f"villages {len(present)} but audit rows {audited}")
    seq = db.execute("SELECT seq FROM change_counter").fetchone()[0]
    top = db.execute("SELECT max(change_seq) FROM villages").fetchone()[0]
    if seq != top:
        problems.append(f"change_counter {seq} != max(change_seq) {top}")
    from models.core import audit

    chain = audit.verify_chain(db)
    if chain:
        problems.append(f"audit chain: {chain[0]}")
    db.conn.close()
    return {"run": run, "reported": len(reported), "present": len(present) - 1, "problems": problems,
            "finished": "done" in lines}


def test_kill_during_single_row_transactions(template_db, tmp_path):
    """100 runs of 1,000 single-row transactions, SIGKILLed at random moments."""
    rng = random.Random(20261122)
    plans = [(run, random.Random(rng.random())) for run in range(RUNS)]
    started = time.monotonic()
    with ThreadPoolExecutor(PARALLEL) as pool:
        results = list(pool.map(lambda p: _one_records_run(template_db, tmp_path, *p), plans))
    elapsed = time.monotonic() - started
    failures = [r for r in results if r["problems"]]
    killed_mid = sum(1 for r in results if not r["finished"])
    total_reported = sum(r["reported"] for r in results)
    print(f"\n{RUNS} runs in {elapsed:.1f} s; killed before the end in {killed_mid}; "
          f"{total_reported} commits reported, all found: {not failures}")
    assert not failures, failures[:5]
    assert killed_mid >= RUNS * 0.9, "the kill should land before the writer finishes in nearly every run"
    # Some runs must have been killed after real work, not only during start-up.
    assert sum(1 for r in results if r["reported"] > 0) >= RUNS // 2


def _probe_state(path: Path) -> tuple[bool, int, bool, int]:
    """(probe table exists, its rows, migration recorded, villages marked)."""
    conn = sqlite3.connect(str(path))
    try:
        exists = conn.execute("SELECT 1 FROM sqlite_master WHERE name='crash_probe'").fetchone() is not None
        rows = conn.execute("SELECT count(*) FROM crash_probe").fetchone()[0] if exists else 0
        recorded = conn.execute("SELECT 1 FROM _sqlite_migrations WHERE migration_set='crashtest'").fetchone() is not None
        marked = conn.execute("SELECT count(*) FROM villages WHERE note='migrated'").fetchone()[0]
        return exists, rows, recorded, marked
    finally:
        conn.close()


def test_kill_during_migration_leaves_old_or_new_schema(template_db, tmp_path):
    """A migration killed half-way is rolled back completely; one that finished
    is complete; the before-migration backup is sound either way."""
    from models.core.db import list_backups, quick_check

    rows = 20000
    rng = random.Random(7)
    outcomes = {"rolled back": 0, "applied": 0}
    for run in range(12):
        folder = tmp_path / f"m{run}"
        folder.mkdir()
        path = folder / "township.db"
        shutil.copy2(template_db, path)
        proc = _spawn("migration", path, rows)
        lines = []
        for line in proc.stdout:
            lines.append(line.strip())
            if line.startswith("migrating"):
                break
        # Kill somewhere in the migration; the last runs are left to finish.
        if run < 10:
            time.sleep(rng.uniform(0, 0.15))
            proc.send_signal(signal.SIGKILL)
        rest, err = proc.communicate(timeout=60)
        lines.extend(rest.splitlines())
        assert "migrating" in lines, err
        assert _integrity(path) == "ok"
        exists, n, recorded, marked = _probe_state(path)
        if "migrated" in lines or recorded:
            assert (exists, n, recorded, marked) == (True, rows, True, 1)
            outcomes["applied"] += 1
        else:
            assert (exists, n, recorded, marked) == (False, 0, False, 0)
            outcomes["rolled back"] += 1
        # The original village is still there whatever happened.
        conn = sqlite3.connect(str(path))
        assert conn.execute("SELECT name FROM villages").fetchall() == [("原有村",)]
        conn.close()
        backups = list_backups(path)
        assert backups, "a backup is taken before migrating"
        assert all(quick_check(b) == "ok" for b in backups)
    print(f"\nmigration kills: {outcomes}")
    assert outcomes["rolled back"] >= 5 and outcomes["applied"] >= 2


@pytest.fixture(scope="module")
def export_template(template_db, tmp_path_factory):
    """The template with a few thousand villages, so an export takes a while."""
    from models.core import records
    from models.core.db import close_database, open_database
    from models.core.users import Actor, ADMIN

    path = tmp_path_factory.mktemp("crash-export") / "export.db"
    shutil.copy2(template_db, path)
    db = open_database(path, daily_backup=False)
    actor = Actor("admin", ADMIN, "管理员")
    with db.atomic():
        for i in range(4000):
            records.insert(db, "villages", {"name": f"导出村{i}", "households": i, "note": "备注" * 50}, actor)
    close_database(db)
    return path


def test_kill_during_export_never_leaves_a_complete_looking_file(export_template, tmp_path):
    """The package appears under its name only when it is whole; the database
    is sound and never records an export whose file is not there."""
    pytest.importorskip("models.handoff")
    from models.handoff.package import open_package

    rng = random.Random(11)
    outcomes = {"no file": 0, "whole file": 0}
    for run in range(15):
        folder = tmp_path / f"e{run}"
        folder.mkdir()
        path = folder / "township.db"
        shutil.copy2(export_template, path)
        out = folder / "out.xzpkg"
        proc = _spawn("export", path, out)
        lines = []
        for line in proc.stdout:
            lines.append(line.strip())
            if line.startswith("ready"):
                break
        if run < 13:
            time.sleep(rng.uniform(0, 0.25))
            proc.send_signal(signal.SIGKILL)
        rest, err = proc.communicate(timeout=60)
        lines.extend(rest.splitlines())
        assert "ready" in lines, err
        assert _integrity(path) == "ok"
        conn = sqlite3.connect(str(path))
        logged = conn.execute("SELECT count(*) FROM handoff_packages WHERE direction='export'").fetchone()[0]
        conn.close()
        if out.exists():
            opened = open_package(out, "crash-test-pass")  # raises if the file is not whole
            assert opened.manifest["row_counts"]["villages"] == 4001
            outcomes["whole file"] += 1
        else:
            assert logged == 0, "an export is logged only after its file is complete"
            outcomes["no file"] += 1
        assert "exported" not in lines or out.exists()
    print(f"\nexport kills: {outcomes}")
    assert outcomes["no file"] >= 3 and outcomes["whole file"] >= 2


@pytest.fixture(scope="module")
def county_and_package(export_template, tmp_path_factory):
    """A county database and a full package of the 4,001-village township."""
    from models.core import settings
    from models.core import township
    from models.core import users
    from models.core.db import close_database, open_database
    from models.handoff import export_package
    from models.core.users import Actor, ADMIN

    folder = tmp_path_factory.mktemp("crash-import")
    db = open_database(export_template, daily_backup=False)
    package = export_package(db, folder / "full.xzpkg", "crash-test-pass", Actor("admin", ADMIN), full=True).path
    close_database(db)
    county = folder / "county.db"
    db = open_database(county)
    admin = users.create_user(db, "admin", "secret123", users.ADMIN, "管理员")
    township.set_identity(db, admin, name="临安区", code="330112", county="临安区")
    settings.set_value(db, "database_mode", "county", admin)
    close_database(db)
    return county, package


def test_kill_during_import_merges_all_or_nothing(county_and_package, tmp_path):
    """A merge killed half-way leaves no village of the package and no package
    record; a finished one leaves all of them."""
    pytest.importorskip("models.handoff")
    county, package = county_and_package
    rng = random.Random(5)
    outcomes = {"nothing": 0, "all": 0}
    for run in range(12):
        path = tmp_path / f"county{run}.db"
        shutil.copy2(county, path)
        proc = _spawn("import", path, package)
        lines = []
        # Kill at a random point of the merge: after the n-th "正在合并" report
        # (the transaction is open by then), plus a little.
        wait_for = rng.randint(1, 3)
        merging = 0
        for line in proc.stdout:
            lines.append(line.strip())
            merging += "正在合并" in line
            if run < 10 and merging >= wait_for:
                time.sleep(rng.uniform(0, 0.05))
                proc.send_signal(signal.SIGKILL)
                break
        rest, err = proc.communicate(timeout=120)
        lines.extend(rest.splitlines())
        assert "ready" in lines, err
        assert _integrity(path) == "ok"
        conn = sqlite3.connect(str(path))
        villages = conn.execute("SELECT count(*) FROM villages WHERE township_code = '330106001'").fetchone()[0]
        logged = conn.execute("SELECT count(*) FROM handoff_packages WHERE direction = 'import'").fetchone()[0]
        conn.close()
        if logged:
            assert villages == 4001
            outcomes["all"] += 1
        else:
            assert villages == 0 and "imported" not in lines
            outcomes["nothing"] += 1
            assert any("正在合并" in line for line in lines), "killed inside the merge"
    print(f"\nimport kills: {outcomes}")
    assert outcomes["nothing"] >= 2 and outcomes["all"] >= 2


def _typed_ledger(path: Path, rows: int) -> Path:
    """A ledger as an office keeps it: a merged title row, phones typed as text
    with stray spaces, full-width digits, dates as Excel dates and as text."""
    import datetime as dt

    import openpyxl

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["青石镇群众需求办理台帐（2026年）"])
    ws.merge_cells("A1:H1")
    ws.append(["序号", "申请人", "联系电话", "服务事项", "诉求内容", "受理日期", "状态", "村（社区）"])
    for i in range(rows):
        received = dt.date(2026, 3, 2) + dt.timedelta(days=i % 60) if i % 2 else f"2026-03-{1 + i % 28:02d}"
        phone = f" 139{i:08d} " if i % 3 else f"１３９{i:08d}"
        ws.append([i + 1, f"王{i} ", phone, "临时救助申请", f"申请救助，第{i}件", received, "受理", "青石村"])
    wb.save(path)
    return path


def test_kill_during_ledger_import_keeps_all_or_nothing(template_db, tmp_path):
    """The ledger import killed at each stage it reports (checking and writing,
    the search index, the statistics, the save) leaves the file sound and
    either without any of the sheet's tickets or with all of them, sealed and
    searchable; a second process reading the file meanwhile never sees part."""
    from models.core import audit, users
    from models.core.db import close_database, open_database
    from models.service import catalogue, search

    base = tmp_path / "base.db"
    shutil.copy2(template_db, base)
    db = open_database(base, daily_backup=False)
    catalogue.add_item(db, users.login(db, "admin", "secret123"),
                       {"department": "民政", "name": "临时救助申请", "time_limit_days": 5})
    close_database(db)
    rows = 4500
    sheet = _typed_ledger(tmp_path / "台帐.xlsx", rows)
    rng = random.Random(11)
    outcomes = []
    for run, stage in enumerate(["正在检查并写入", "正在建立搜索索引", "正在更新办件统计", "正在保存", None]):
        path = tmp_path / f"ledger{run}.db"
        shutil.copy2(base, path)
        reader = sqlite3.connect(str(path))  # the second process's view: another connection, another process's file
        proc = _spawn("ledger", path, sheet)
        lines, seen_while_running = [], set()
        for line in proc.stdout:
            lines.append(line.strip())
            seen_while_running.add(reader.execute("SELECT count(*) FROM tickets").fetchone()[0])
            if stage and line.startswith("stage ") and stage in line:
                time.sleep(rng.uniform(0, 0.02))
                proc.send_signal(signal.SIGKILL)
                break
        rest, err = proc.communicate(timeout=120)
        lines.extend(rest.splitlines())
        assert "ready" in lines, err
        assert seen_while_running <= {0, rows}, seen_while_running  # never a part of the sheet
        reader.close()
        assert _integrity(path) == "ok"
        db = open_database(path, daily_backup=False)
        try:
            count = db.execute("SELECT count(*) FROM tickets").fetchone()[0]
            assert count in (0, rows), (stage, count)
            assert audit.verify_rows(db) == [] and audit.verify_chain(db) == []
            if count:
                expr = search.match_expression("王17")
                hits = db.execute(f"SELECT count(*) FROM {search.TABLE} WHERE {search.TABLE} MATCH ?", [expr]).fetchone()[0]
                assert hits >= 1
                assert db.execute("SELECT sum(n) FROM ticket_month_received WHERE dimension = 'status'").fetchone()[0] == rows
            else:
                assert db.execute("SELECT count(*) FROM ticket_events").fetchone()[0] == 0
                assert db.execute("SELECT count(*) FROM ticket_month_received").fetchone()[0] == 0
        finally:
            close_database(db)
        outcomes.append((stage, count))
        if stage is None:
            assert f"imported {rows}" in lines and count == rows
    print(f"\nledger import kills: {outcomes}")
    # killed before the save, nothing of the sheet is there
    assert [c for s, c in outcomes[:3]] == [0, 0, 0]


def test_kill_during_backup_never_lists_a_partial_backup(template_db, tmp_path):
    """Backups are written as .part and renamed: every listed backup is whole."""
    from models.core.db import list_backups, quick_check

    rng = random.Random(3)
    for run in range(6):
        folder = tmp_path / f"b{run}"
        folder.mkdir()
        path = folder / "township.db"
        shutil.copy2(template_db, path)
        proc = _spawn("backup", path)
        lines = _kill_after(proc, rng.randint(0, 10), rng.uniform(0, 0.01))
        reported = [Path(line.split(" ", 1)[1]) for line in lines if line.startswith("backup ")]
        listed = list_backups(path)
        assert all(p in listed or not p.exists() for p in reported)  # pruned ones may be gone
        assert all(quick_check(b) == "ok" for b in listed)
        assert _integrity(path) == "ok"


LOCKED_REASON = (
    "models/core/db.py: user actions run in sqlite-utils db.atomic(), which starts a DEFERRED transaction ('BEGIN'). "
    "An action reads first (duplicate checks, records.get) and then writes; if another connection (a second "
    "window, a command, a worker thread with its own connection) commits in between, SQLite refuses the upgrade "
    "with SQLITE_BUSY_SNAPSHOT at once - busy_timeout does not apply - and the action fails with 'database is "
    "locked'. Fix: make the outermost transaction BEGIN IMMEDIATE, e.g. a sqlite_utils.Database subclass in "
    "models/core/db.py whose atomic() runs 'BEGIN IMMEDIATE' when not conn.in_transaction (savepoints unchanged), "
    "used by open_database")


def test_a_write_from_another_connection_mid_action_does_not_fail_the_action(template_db, tmp_path):
    """Deterministic: action A reads, another connection commits, A writes."""
    from models.core import township
    from models.core.db import close_database, open_database
    from models.core.users import Actor, ADMIN

    path = tmp_path / "two.db"
    shutil.copy2(template_db, path)
    admin = Actor("admin", ADMIN, "管理员")
    first = open_database(path, daily_backup=False)
    second = open_database(path, daily_backup=False)
    has_read = threading.Event()
    errors = []

    def other_writer():
        has_read.wait(10)
        try:
            township.add_village(second, admin, "另一个连接的村", 1)
        except Exception as e:  # noqa: BLE001 - reported below
            errors.append(f"B: {e}")

    thread = threading.Thread(target=other_writer)
    thread.start()
    try:
        with first.atomic():
            township.villages(first)  # the action reads first ...
            has_read.set()
            time.sleep(0.3)  # ... the other connection commits meanwhile (or waits for us) ...
            township.add_village(first, admin, "本连接的村", 2)  # ... then the action writes
    except Exception as e:  # noqa: BLE001
        errors.append(f"A: {e}")
    thread.join(30)
    names = {v["name"] for v in township.villages(first)}
    close_database(second)
    close_database(first)
    assert errors == []
    assert {"另一个连接的村", "本连接的村"} <= names


def test_two_writers_at_once_lose_nothing(template_db, tmp_path):
    """The window and a command run against the same file: both finish, every
    reported key is there (WAL and busy_timeout serialise the writers)."""
    path = tmp_path / "shared.db"
    shutil.copy2(template_db, path)
    procs = [_spawn("records", path, 300, f"w{i}") for i in range(2)]
    reported = []
    for proc in procs:
        out, err = proc.communicate(timeout=300)
        assert proc.returncode == 0, err
        reported += [line.split()[1] for line in out.splitlines() if line.startswith("ok ")]
    assert len(reported) == 600
    assert _integrity(path) == "ok"
    conn = sqlite3.connect(str(path))
    present = {r[0] for r in conn.execute("SELECT uuid FROM villages")}
    seqs = [r[0] for r in conn.execute("SELECT change_seq FROM villages")]
    conn.close()
    assert set(reported) <= present
    assert len(seqs) == len(set(seqs)), "change_seq stays unique across processes"
    db = sqlite_utils.Database(sqlite3.connect(str(path)))
    from models.core import audit

    assert audit.verify_chain(db) == []
    db.conn.close()


def test_kill_during_a_roster_read_back_keeps_the_roster_whole(template_db, tmp_path):
    """Issue 17: an office's 花名册 exported masked, given a merged title row in
    Excel and 300 ranks changed, imported back by a real child process that is
    SIGKILLed part-way: the file is sound, a second process never sees part of
    the changes, no cadre is duplicated and no stored ID number is touched;
    the run not killed updates the 300 and leaves the other 300 unwritten."""
    import openpyxl
    from openpyxl.styles import Alignment

    from models.core import audit, users
    from models.core.db import close_database, open_database
    from models.roster import io as roster_io
    from models.roster import team as roster
    from tests.test_roster_import_offices import make_id

    base = tmp_path / "base.db"
    shutil.copy2(template_db, base)
    db = open_database(base, daily_backup=False)
    admin = users.login(db, "admin", "secret123")
    for i in range(600):  # half with an ID number, half without (matched by name and birth date)
        values = {"name": f"干部{i:03d}", "sex": "男", "birth_date": f"19{70 + i % 25}-0{1 + i % 9}", "rank": "副科"}
        if i % 2 == 0:
            values["id_number"] = make_id(birth=f"19{70 + i % 25}0{1 + i % 9}15", seq=f"{i + 1:03d}")  # odd: 男
        roster.add_cadre(db, admin, values)
    ids_before = sorted(r[0] for r in db.execute("SELECT id_number FROM cadres WHERE id_number IS NOT NULL"))
    sheet = tmp_path / "花名册.xlsx"
    roster_io.export_xlsx(db, sheet, mask_private=True)
    close_database(db)
    wb = openpyxl.load_workbook(sheet)  # what Excel leaves after a clerk's edits
    ws = wb.active
    header = [c.value for c in ws[1]]
    rank_at = header.index("职级") + 1
    for row in range(2, 302):
        ws.cell(row, rank_at).value = "正科"
    ws.insert_rows(1)
    ws.cell(1, 1).value = "测试镇干部花名册"
    ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(header))
    ws.cell(1, 1).alignment = Alignment(horizontal="center")
    wb.save(sheet)

    rng = random.Random(17)
    outcomes = []
    for run in range(4):
        path = tmp_path / f"roster{run}.db"
        shutil.copy2(base, path)
        reader = sqlite3.connect(str(path))
        proc = _spawn("roster", path, sheet)
        kill_at = (200, 400, 200, None)[run]
        lines, seen = [], set()
        for line in proc.stdout:
            lines.append(line.strip())
            seen.add(reader.execute("SELECT count(*) FROM cadres WHERE rank = '正科'").fetchone()[0])
            if kill_at and line.strip() == f"stage {kill_at}":
                time.sleep(rng.uniform(0, 0.02))
                proc.send_signal(signal.SIGKILL)
                break
        rest, err = proc.communicate(timeout=120)
        lines.extend(rest.splitlines())
        assert "ready" in lines, err
        assert seen <= {0, 300}, seen  # never a part of the changes
        reader.close()
        assert _integrity(path) == "ok"
        db = open_database(path, daily_backup=False)
        try:
            assert db.execute("SELECT count(*) FROM cadres").fetchone()[0] == 600  # nobody written twice
            changed = db.execute("SELECT count(*) FROM cadres WHERE rank = '正科'").fetchone()[0]
            assert changed in (0, 300), changed
            assert sorted(r[0] for r in db.execute("SELECT id_number FROM cadres WHERE id_number IS NOT NULL")) \
                == ids_before  # a masked number never replaced a stored one
            assert audit.verify_rows(db) == [] and audit.verify_chain(db) == []
        finally:
            close_database(db)
        outcomes.append((kill_at, changed))
        if kill_at is None:
            assert "imported 0 300 300" in lines and changed == 300
    print(f"\nroster read-back kills: {outcomes}")
    assert [c for k, c in outcomes[:3]] == [0, 0, 0]
