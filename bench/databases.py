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
    """Back to the program's journal (WAL), statistics for the planner, closed."""
    db.execute("PRAGMA journal_mode = WAL")
    db.execute("PRAGMA synchronous = NORMAL")
    db.execute("PRAGMA optimize")
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


def upgrade(path: Path) -> list[str]:
    """Apply the program's pending migrations to a cached database in place
    (without the pre-migration backup the program would take: the cache can
    be rebuilt), so a reused database is measured with today's schema and
    indexes. Returns the migrations applied."""
    import sqlite3

    from models.core.db import applied_migrations, known_migrations
    from models.core.migrations import MIGRATION_SETS

    conn = sqlite3.connect(str(path))
    try:
        before = set(applied_migrations(conn))
    finally:
        conn.close()
    pending = [m for m in known_migrations() if m not in before]
    if not pending:
        return []
    log(f"upgrading {path.name}: {', '.join('/'.join(m) for m in pending)} …")
    t0 = time.perf_counter()
    db = _open_unmigrated(path)
    try:
        db.execute("PRAGMA cache_size = -1048576")
        for migration_set in MIGRATION_SETS:
            migration_set.apply(db)
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
    return cached("county", scale, lambda p: build_county(p, scale))


def base_db(scale: Scale) -> Path:
    return cached("base", scale, lambda p: build_base(p, scale))


def scratch_copy(src: Path, name: str) -> Path:
    """A throw-away copy of a cached database (the cache stays untouched)."""
    dest = CACHE / "scratch" / name
    dest.parent.mkdir(parents=True, exist_ok=True)
    _remove_db(dest)
    shutil.copyfile(src, dest)
    return dest
