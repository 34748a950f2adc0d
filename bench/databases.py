"""The synthetic databases the benchmark measures, built with the program's own
demo generator and cached in bench/cache/ (git-ignored).

The cache key is a hash of the generator's code (models/demo/*.py, the schema
modules, the modules the generator calls, and this file), so a change to the
generator rebuilds the databases and an unchanged one reuses them: the county
database (1,000,000 tickets) takes minutes to build.
"""

from __future__ import annotations

import hashlib
import json
import os
import random
import shutil
import sys
import time
from pathlib import Path

from bench.scales import Scale

ROOT = Path(__file__).resolve().parent.parent
# BENCH_CACHE moves the cache (the smoke test uses a temporary folder).
CACHE = Path(os.environ.get("BENCH_CACHE") or Path(__file__).resolve().parent / "cache")

# What the databases depend on: when one of these changes, they are rebuilt.
GENERATOR_SOURCES = (
    "models/demo/*.py", "models/*/schema.py", "models/core/records.py", "models/core/audit.py", "models/core/ids.py",
    "models/service/catalogue.py", "models/service/workdays.py", "models/service/search.py",
    "bench/databases.py", "bench/scales.py",
)

TOWNSHIP_NAMES = [
    "青石镇", "锦城街道", "玲珑街道", "太湖源镇", "於潜镇", "天目山镇", "昌化镇", "河桥镇", "湍口镇", "清凉峰镇",
    "龙岗镇", "岛石镇", "板桥镇", "高虹镇", "潜川镇", "三口镇", "横畈镇", "青山湖街道", "锦南街道", "锦北街道",
]
COUNTY_NAME = "临安区"


def township_code_of(index: int) -> str:
    """Administrative-style code of the index-th synthetic township (330106001 …)."""
    return f"330106{index + 1:03d}"


def code_version() -> str:
    """Short hash of the generator's source files (the cache key)."""
    h = hashlib.sha256()
    for pattern in GENERATOR_SOURCES:
        for path in sorted(ROOT.glob(pattern)):
            h.update(str(path.relative_to(ROOT)).encode())
            h.update(path.read_bytes())
    return h.hexdigest()[:12]


def log(message: str) -> None:
    sys.stderr.write(f"[bench] {message}\n")
    sys.stderr.flush()


def _remove_db(path: Path) -> None:
    for p in (path, Path(f"{path}-wal"), Path(f"{path}-shm")):
        p.unlink(missing_ok=True)
    backups = path.parent / f"{path.stem}-backups"
    if backups.is_dir():
        shutil.rmtree(backups, ignore_errors=True)


def cached(name: str, scale: Scale, builder) -> Path:
    """The cached database `name` at `scale`, built by builder(path) when the
    generator's code changed or it does not exist yet. Older versions are removed."""
    CACHE.mkdir(parents=True, exist_ok=True)
    key = code_version()
    path = CACHE / f"{name}-{scale.name}-{key}.db"
    if path.exists() and path.with_suffix(".json").exists():
        return path
    for old in CACHE.glob(f"{name}-{scale.name}-*.db"):
        _remove_db(old)
        old.with_suffix(".json").unlink(missing_ok=True)
    building = CACHE / f"{name}-{scale.name}-{key}.building.db"
    _remove_db(building)
    log(f"building {name} database ({scale.name}) …")
    t0 = time.perf_counter()
    info = builder(building) or {}
    info["build_seconds"] = round(time.perf_counter() - t0, 1)
    info["code_version"] = key
    info["counts"] = table_counts(building)
    _remove_db(path)
    building.rename(path)
    _remove_db(building)
    path.with_suffix(".json").write_text(json.dumps(info, ensure_ascii=False, indent=2), encoding="utf-8")
    log(f"built {path.name} in {info['build_seconds']} s")
    return path


def newest_cached(name: str, scale: Scale) -> Path | None:
    """The newest complete cached database of that name and scale, whatever its key."""
    found = sorted(CACHE.glob(f"{name}-{scale.name}-*.db"), key=lambda p: p.stat().st_mtime)
    found = [p for p in found if ".building" not in p.name and p.with_suffix(".json").exists()]
    return found[-1] if found else None


def build_info(path: Path) -> dict:
    """What cached() recorded about a database (build time, row counts)."""
    try:
        return json.loads(path.with_suffix(".json").read_text(encoding="utf-8"))
    except OSError:
        return {}


def table_counts(path: Path) -> dict:
    """Rows per table (bookkeeping and FTS shadow tables left out)."""
    import sqlite3

    conn = sqlite3.connect(str(path))
    try:
        names = [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table' ORDER BY name")]
        counts = {}
        for name in names:
            if name.startswith(("_", "sqlite_")) or "_fts" in name:
                continue
            counts[name] = conn.execute(f"SELECT count(*) FROM [{name}]").fetchone()[0]
        return counts
    finally:
        conn.close()


def _open(path: Path, building: bool = False):
    from models.core.db import open_database

    db = open_database(path, daily_backup=False)
    if building:
        # Building only (never while measuring): a big page cache, no journal and
        # no fsync, since a half-built database is thrown away anyway (the WAL
        # would write every page twice). _close_built puts the WAL back.
        db.execute("PRAGMA cache_size = -1048576")
        db.execute("PRAGMA journal_mode = OFF")
        db.execute("PRAGMA synchronous = OFF")
    return db


def _close(db) -> None:
    from models.core.db import close_database

    close_database(db)


def _close_built(db) -> None:
    """Back to the program's journal (WAL), closed. No ANALYZE / PRAGMA optimize:
    the program never runs them, so an office's file has no sqlite_stat1 and
    the figures must be measured with the plans it gets (with the 1M county's
    statistics, 超期's first page took 55 ms against 2 ms without)."""
    db.execute("PRAGMA journal_mode = WAL")
    db.execute("PRAGMA synchronous = NORMAL")
    db.execute("DROP TABLE IF EXISTS sqlite_stat1")
    _close(db)


def build_township(path: Path, scale: Scale) -> dict:
    """One demo township with scale.township_tickets tickets, with the audit
    rows a desk would have written for them."""
    from models.demo.township import DemoOptions, build_demo

    db = _open(path, building=True)
    try:
        build_demo(db, DemoOptions(seed=1, tickets=0, bulk=True))
        _county_tickets(db, scale, townships=1, per_township_year=scale.township_tickets, years=1)
    finally:
        _close_built(db)
    return {"kind": "township", "audit": "per row (about 8 rows per ticket)"}


def build_base(path: Path, scale: Scale) -> dict:
    """A demo township without tickets: the starting point of the generation figure."""
    from models.demo.township import DemoOptions, build_demo

    db = _open(path, building=True)
    try:
        build_demo(db, DemoOptions(seed=1, tickets=0, bulk=True))
    finally:
        _close_built(db)
    return {"kind": "township without tickets"}


def _county_tickets(db, scale: Scale, townships: int, per_township_year: int, years: int) -> dict:
    """The tickets of every township and year in ONE bulk load: indexes,
    summary triggers and the search index are built once at the end
    (models.demo.service.bulk_tickets), each ticket with its events and its
    audit rows. Returns timings."""
    import datetime as dt

    from models.demo.service import bulk_tickets, generate_tickets

    today = dt.date.today()
    timings = {}
    # The audit log's own indexes are built after the load too (sorting once).
    audit_indexes = db.execute("SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = 'audit_log' "
                               "AND sql IS NOT NULL").fetchall()
    with db.atomic():
        for name, _ in audit_indexes:
            db.execute(f"DROP INDEX [{name}]")
    with db.atomic(), bulk_tickets(db):
        for i in range(townships):
            t0 = time.perf_counter()
            code = township_code_of(i) if townships > 1 else None
            generate_tickets(db, per_township_year * years, random.Random(1000 + i), code, history=True,
                             audit_rows=True, today=today, date_from=today - dt.timedelta(days=365 * years),
                             date_to=today)
            log(f"  township {i + 1}/{townships}: {per_township_year * years} tickets in {time.perf_counter() - t0:.1f} s")
        t0 = time.perf_counter()
    with db.atomic():
        for _, sql in audit_indexes:
            db.execute(sql)
    timings["indexes_and_search_seconds"] = round(time.perf_counter() - t0, 1)
    return timings


def build_county(path: Path, scale: Scale) -> dict:
    """scale.county_townships demo townships in one county-mode database, the
    tickets split evenly over them and over scale.county_years years (each
    with its events and the audit rows a desk writes: about 8 per ticket);
    cadres topped up to scale.county_cadres.

    Fast: each township's roster, catalogue, assessment and election demo is
    made first (a few seconds each); then all tickets in one bulk load with
    the indexes, summaries and search index built after it, no journal, no
    fsync (see _open)."""
    from models.core import audit, settings
    from models.core.users import CLI_ACTOR
    from models.demo.township import DemoOptions, build_demo

    db = _open(path, building=True)
    per_township_year = scale.county_tickets // scale.county_townships // scale.county_years
    t_start = time.perf_counter()
    try:
        for i in range(scale.county_townships):
            if i:
                # The synthetic county is many demo townships written into one file (a real
                # county gets them by import); set_identity refuses to change the code under
                # existing records, so the previous township's code is cleared first.
                with db.atomic():
                    settings.set_value(db, "township_code", "", CLI_ACTOR)
            options = DemoOptions(seed=i + 1, tickets=0, township_name=TOWNSHIP_NAMES[i % 20],
                                  township_code=township_code_of(i), county_name=COUNTY_NAME, bulk=True)
            build_demo(db, options)
        demo_seconds = round(time.perf_counter() - t_start, 1)
        log(f"  {scale.county_townships} townships without tickets: {demo_seconds} s")
        t0 = time.perf_counter()
        timings = _county_tickets(db, scale, scale.county_townships, per_township_year, scale.county_years)
        tickets_seconds = round(time.perf_counter() - t0, 1)
        topped = top_up_cadres(db, scale)
        with db.atomic():
            settings.set_value(db, "database_mode", "county", CLI_ACTOR)
            audit.seal_unsealed(db, CLI_ACTOR)
    finally:
        _close_built(db)
    return {"kind": "county", "townships": scale.county_townships, "years": scale.county_years,
            "tickets_per_township": per_township_year * scale.county_years, "audit": "per row (about 8 rows per ticket)",
            "cadres_added_by_bench": topped, "townships_seconds": demo_seconds, "tickets_seconds": tickets_seconds,
            **timings}


# A copied year is 52 weeks earlier: each ticket keeps its weekday (a working day stays one).
COPY_YEAR_DAYS = 364
COPY_DATE_COLUMNS = ("received_date", "due_date", "pause_started", "finished_date", "callback_due", "callback_date",
                     "confirmed_at")


def _search_documents_without_number(db, first_id: int, last_id: int) -> int:
    """TEMP table bench_docs: the search document (models.service.search.document)
    of each ticket in [first_id, last_id], its ticket-number token cut out, so
    a copy of the ticket under another number is indexed exactly as document()
    would index it. Returns the rows."""
    from models.service import search

    db.execute("DROP TABLE IF EXISTS temp.bench_docs")
    db.execute("CREATE TEMP TABLE bench_docs (id INTEGER PRIMARY KEY, uni TEXT, bi TEXT, keys_head TEXT, keys_tail TEXT)")
    out = []
    for row in db.execute(f"SELECT id, {', '.join(search.FIELDS)} FROM tickets WHERE id BETWEEN ? AND ? AND deleted = 0",
                          [first_id, last_id]):
        uni, bi, keys = search.document(*row[1:])
        tokens = keys.split(" ")
        at = tokens.index("no" + row[1 + search.FIELDS.index("ticket_no")].replace("-", ""))
        head = " ".join(tokens[:at])
        tail = " ".join(tokens[at + 1:])
        out.append((row[0], uni, bi, head + " " if head else "", " " + tail if tail else ""))
    db.conn.executemany("INSERT INTO bench_docs VALUES (?, ?, ?, ?, ?)", out)
    return len(out)


def add_older_years(db, years: int) -> dict:
    """Ten years of a county from one: copy the newest year's tickets (the
    template, made by the generator with events and per-row audit) into
    `years` earlier years, 52 weeks apart, in SQL: new time-ordered keys
    (ids.new_uuid), numbers counted on per township and year, tickets still
    open in the template closed (an old year has no open case), search
    documents taken from the template's with the new number, and the bulk
    load's indexes and summaries built once at the end. The copies carry
    no status history and no per-row audit: they are sealed in one pass
    (audit.seal_unsealed) with one audit row, like the demo's bulk rows —
    see bench/README_SECTION.md on what that leaves out. Returns timings."""
    from models.core import audit, ids
    from models.core.users import CLI_ACTOR
    from models.demo.service import TICKET_COLUMNS, bulk_tickets
    from models.service import states

    first, last = db.execute("SELECT min(id), max(id) FROM tickets").fetchone()
    n = last - first + 1
    assert db.execute("SELECT count(*) FROM tickets WHERE deleted = 0").fetchone()[0] == n, "the template has gaps"
    timings: dict = {}
    t0 = time.perf_counter()
    _search_documents_without_number(db, first, last)
    timings["template_documents_seconds"] = round(time.perf_counter() - t0, 1)
    db.conn.create_function("bench_uuid", 0, ids.new_uuid)
    closed_text = "已按规定办理完毕，结果已告知申请人。"
    open_sql = states.sql_in(states.OPEN_STATUSES, "t.status")
    shifted = {c: f"date(t.{c}, :shift)" for c in COPY_DATE_COLUMNS}
    values = {c: f"t.{c}" for c in TICKET_COLUMNS}
    values.update(shifted)
    values.update({
        "uuid": "bench_uuid()", "deleted": "0", "change_seq": ":counter + t.id - :first + 1",
        "year": "r_year", "seq": "coalesce(b.top, 0) + row_number() OVER (PARTITION BY t.township_code, r_year "
                                 "ORDER BY r_date, t.id)",
        "received_date": "r_date",
        "status": f"CASE WHEN {open_sql} THEN '{states.FINISHED}' ELSE t.status END",
        "pause_started": "NULL",
        "finished_date": f"CASE WHEN {open_sql} THEN date(t.due_date, :shift) ELSE {shifted['finished_date']} END",
        "result": f"CASE WHEN {open_sql} THEN '{closed_text}' ELSE t.result END",
        "work_days_used": f"CASE WHEN {open_sql} THEN t.promised_days ELSE t.work_days_used END",
    })
    values.pop("ticket_no")
    columns = [c for c in TICKET_COLUMNS if c != "ticket_no"]
    select = (f"SELECT {', '.join(f'{values[c]} AS {c}' for c in columns)} FROM (SELECT *, date(received_date, :shift) AS r_date, "
              "CAST(substr(date(received_date, :shift), 1, 4) AS INTEGER) AS r_year FROM tickets "
              "WHERE id BETWEEN :first AND :last) t LEFT JOIN temp.bench_bases b "
              "ON b.township_code = t.township_code AND b.year = t.r_year ORDER BY t.id")
    insert = (f"INSERT INTO tickets ({', '.join(columns)}, ticket_no) SELECT {', '.join(columns)}, "
              f"year || '-' || printf('%06d', seq) FROM ({select})")
    with db.atomic(), bulk_tickets(db, index_search=False):
        for k in range(1, years):
            t1 = time.perf_counter()
            first_new = db.execute("SELECT max(id) + 1 FROM tickets").fetchone()[0]
            counter = db.execute("SELECT seq FROM change_counter WHERE id = 1").fetchone()[0]
            db.execute("DROP TABLE IF EXISTS temp.bench_bases")
            db.execute("CREATE TEMP TABLE bench_bases AS SELECT township_code, year, max(seq) AS top FROM tickets "
                       "GROUP BY township_code, year")
            params = {"shift": f"-{COPY_YEAR_DAYS * k} days", "first": first, "last": last, "counter": counter}
            db.execute(insert, params)
            db.execute("UPDATE change_counter SET seq = seq + ? WHERE id = 1", [n])
            db.execute("INSERT INTO tickets_fts_words (rowid, uni, bi, keys) SELECT t.id, d.uni, d.bi, "
                       "d.keys_head || 'no' || replace(t.ticket_no, '-', '') || d.keys_tail FROM tickets t "
                       "JOIN temp.bench_docs d ON d.id = t.id - ? WHERE t.id >= ?", [first_new - first, first_new])
            log(f"  year -{k}: {n} tickets copied in {time.perf_counter() - t1:.1f} s")
        t1 = time.perf_counter()
    timings["indexes_and_summaries_seconds"] = round(time.perf_counter() - t1, 1)
    t1 = time.perf_counter()
    with db.atomic():
        audit.record(db, CLI_ACTOR, "bulk-insert", "tickets", None, None, {
            "count": n * (years - 1), "copied_from_years": years - 1, "note": "benchmark: older years copied"})
        sealed = audit.seal_unsealed(db, CLI_ACTOR, ["tickets"])
    timings["seal_seconds"] = round(time.perf_counter() - t1, 1)
    timings["sealed"] = sealed
    db.execute("DROP TABLE IF EXISTS temp.bench_docs")
    db.execute("DROP TABLE IF EXISTS temp.bench_bases")
    return timings


def top_up_cadres(db, scale: Scale) -> int:
    """The roster demo makes a township's team (a few dozen people); a county
    holds scale.county_cadres. Add plain cadres (name, sex, birth, pinyin keys)
    spread over the townships until there are that many. Returns how many."""
    try:
        from models.roster.team import pinyin_keys
    except ImportError:
        return 0
    from models.core import records
    from models.demo.service import GIVEN, SURNAMES
    from models.core.users import CLI_ACTOR

    cols = {r[1] for r in db.execute("PRAGMA table_info(cadres)")}
    if not cols:
        return 0
    have = db.execute("SELECT count(*) FROM cadres").fetchone()[0]
    missing = max(0, scale.county_cadres - have)
    rng = random.Random(99)
    with db.atomic():
        for i in range(missing):
            name = rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.choice((1, 2))))
            full, initials = pinyin_keys(name)
            values = {"name": name, "sex": rng.choice("男女"), "birth_date": f"{rng.randint(1966, 1998)}-0{rng.randint(1, 9)}-1{rng.randint(0, 9)}",
                      "status": "在职", "name_pinyin": full, "name_initials": initials}
            values = {k: v for k, v in values.items() if k in cols}
            records.insert(db, "cadres", values, CLI_ACTOR, township_code=township_code_of(i % scale.county_townships))
    return missing


def build_empty(path: Path) -> None:
    """A migrated database with a township identity and no data (fresh each run)."""
    from models.core import township
    from models.core.users import ADMIN, create_user

    _remove_db(path)
    db = _open(path)
    try:
        admin = create_user(db, "admin", "bench-pass-1", ADMIN, "管理员")
        township.set_identity(db, admin, name="空白镇", code="330106999", county=COUNTY_NAME)
    finally:
        _close(db)


def open_for_figures(path: Path, read_only: bool):
    """The program's Database on a benchmark file. read_only (--read-only, a cache
    shared with others): an immutable connection, which cannot write the file."""
    from models.core.db import open_database

    if not read_only:
        return open_database(path, migrate=False, daily_backup=False)
    import models.core.migrations  # noqa: F401 - fills the travelling tables, as open_database does
    from models.core.db import Database

    db = Database(bare_connection(path, True), execute_plugins=False)
    db.conn.execute("PRAGMA trusted_schema=OFF")
    db.path = path
    db.read_only_reason = "基准测试：共享的缓存库只读打开"
    return db


def bare_connection(path: Path, read_only: bool):
    """A plain sqlite3 connection (the floors); read-only and immutable with --read-only."""
    import sqlite3

    if read_only:
        return sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro&immutable=1", uri=True, isolation_level=None,
                               check_same_thread=False)
    return sqlite3.connect(str(path))


def pending_migrations(path: Path) -> list[tuple[str, str]]:
    """The program's migrations the file lacks, read without writing it."""
    from models.core.db import applied_migrations, known_migrations

    conn = bare_connection(path, True)
    try:
        before = set(applied_migrations(conn))
    finally:
        conn.close()
    return [m for m in known_migrations() if m not in before]


def _drop_planner_statistics(path: Path) -> None:
    """A database built before _close_built stopped analysing keeps stale
    statistics no office file has (see _close_built)."""
    import sqlite3

    conn = sqlite3.connect(str(path))
    try:
        if conn.execute("SELECT 1 FROM sqlite_master WHERE name = 'sqlite_stat1'").fetchone():
            log(f"{path.name}: dropping sqlite_stat1 (the program never runs ANALYZE)")
            conn.execute("DROP TABLE sqlite_stat1")
            conn.commit()
    finally:
        conn.close()


def upgrade(path: Path) -> list[str]:
    """Apply the program's pending migrations to a cached database in place
    (without the pre-migration backup the program would take: the cache can
    be rebuilt), so a reused database is measured with today's schema and
    indexes. Returns the migrations applied."""
    import sqlite3

    from models.core.db import applied_migrations, known_migrations, tables_written
    from models.core.migrations import MIGRATION_SETS

    conn = sqlite3.connect(str(path))
    try:
        before = set(applied_migrations(conn))
    finally:
        conn.close()
    pending = [m for m in known_migrations() if m not in before]
    _drop_planner_statistics(path)
    if not pending:
        return []
    log(f"upgrading {path.name}: {', '.join('/'.join(m) for m in pending)} …")
    t0 = time.perf_counter()
    db = _open_unmigrated(path)
    try:
        db.execute("PRAGMA cache_size = -1048576")
        with tables_written(db.conn) as migrated_tables:
            for migration_set in MIGRATION_SETS:
                migration_set.apply(db)
        # As the program does after an upgrade (models/core/db.py): rows whose stored form a migration
        # changed are sealed again; without it `check --full` on the 1M county named the 20 assessment
        # plans that assess m006 gave a new column after they were sealed.
        from models.core import audit

        with db.atomic():
            audit.reseal_after_migration(db, "系统", migrated_tables)
    finally:
        _close(db)
    info = build_info(path)
    info.setdefault("migrated_later", []).append(
        {"migrations": ["/".join(m) for m in pending], "seconds": round(time.perf_counter() - t0, 1)})
    path.with_suffix(".json").write_text(json.dumps(info, ensure_ascii=False, indent=2), encoding="utf-8")
    log(f"upgraded in {time.perf_counter() - t0:.1f} s")
    return ["/".join(m) for m in pending]


def _open_unmigrated(path: Path):
    """The database without the program's open-time checks (no quick_check of
    gigabytes, no backup); pragmas as the program sets them."""
    import sqlite3

    import sqlite_utils

    conn = sqlite3.connect(str(path), isolation_level=None)
    for pragma in ("journal_mode=WAL", "synchronous=NORMAL", "foreign_keys=ON", "busy_timeout=10000"):
        conn.execute(f"PRAGMA {pragma}")
    db = sqlite_utils.Database(conn)
    db.path = path
    return db


def township_db(scale: Scale) -> Path:
    return cached("township", scale, lambda p: build_township(p, scale))


def county_db(scale: Scale) -> Path:
    if scale.county_years > 1:
        return cached("county", scale, lambda p: build_county_years(p, scale))
    return cached("county", scale, lambda p: build_county(p, scale))


def build_county_years(path: Path, scale: Scale) -> dict:
    """A county over scale.county_years years: the one-year county (built
    or taken from the cache) copied, then its year copied into the earlier
    years (add_older_years)."""
    import dataclasses

    one_year = dataclasses.replace(scale, name="full" if scale.county_tickets == 10_000_000 else f"{scale.name}-1y",
                                   county_tickets=scale.county_tickets // scale.county_years, county_years=1)
    t0 = time.perf_counter()
    # The newest one-year county in the cache, whatever generator made it (it takes
    # twenty minutes to build), brought to today's schema.
    source = newest_cached("county", one_year) or county_db(one_year)
    upgrade(source)
    one_year_info = build_info(source)
    shutil.copyfile(source, path)
    copy_seconds = round(time.perf_counter() - t0, 1)
    db = _open(path, building=True)
    try:
        timings = add_older_years(db, scale.county_years)
    finally:
        _close_built(db)
    return {**{k: v for k, v in one_year_info.items() if k not in ("counts", "code_version")},
            "kind": "county", "years": scale.county_years, "one_year_county": source.name,
            "one_year_build_seconds": one_year_info.get("build_seconds"), "copy_seconds": copy_seconds,
            "older_years": timings}


def base_db(scale: Scale) -> Path:
    return cached("base", scale, lambda p: build_base(p, scale))


def scratch_copy(src: Path, name: str) -> Path:
    """A throw-away copy of a cached database (the cache stays untouched)."""
    dest = CACHE / "scratch" / name
    dest.parent.mkdir(parents=True, exist_ok=True)
    _remove_db(dest)
    shutil.copyfile(src, dest)
    return dest
