"""What each ticket index costs a bulk insert into a big file (issue 22 point 5).

    python -m bench.index_cost DB [--tickets 20000] [--runs 5] [--variant NAME ...] [--each] [--out JSON]

A stand-in for one 20,000-ticket township package merged into a county (or a
ledger import): inside one transaction, N tickets copied from one township's
own rows (a new uuid and change number each, the ticket number suffixed so
it stays unique) are inserted with one INSERT … SELECT, through every trigger
the file has (search queue, monthly summaries); the time of that statement
alone is measured, then the transaction is ROLLED BACK, so the file keeps
what it held. Variants change the indexes inside the same transaction before
the timed insert (their DDL is not timed and is rolled back too):

    all        the file's indexes as they are
    m010       the indexes as service m010 left them (from a file at m011 or later)
    m011+m012  service m011's and m012's statements (models/service/schema.py; from a file at m010)
    m012       service m012's statements (from a file at m011)
    bare       no tickets index but the uuid and number constraints (the floor)
    --each   'without X' for every index X (its marginal cost)

Use a WRITABLE COPY (rolled back, yet SQLite writes the -wal beside it).
CPU (process) time beside wall time; medians of --runs after one warm-up, the variants
taking turns run by run.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

KEPT = ("sqlite_autoindex_tickets_1", "idx_tickets_no")  # constraints, not choices


def ticket_indexes(db) -> list[str]:
    return [r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'tickets' "
                                     "AND sql IS NOT NULL ORDER BY name")]


def _insert_sql(db, n: int) -> tuple[str, list]:
    cols = [r[1] for r in db.execute("PRAGMA table_info(tickets)") if r[1] != "id"]
    code = db.execute("SELECT township_code FROM tickets GROUP BY township_code ORDER BY count(*) DESC LIMIT 1"
                      ).fetchone()[0]
    seq = db.execute("SELECT coalesce(max(change_seq), 0) FROM tickets").fetchone()[0]
    made = {"uuid": "lower(hex(randomblob(16)))", "ticket_no": "ticket_no || '-b'", "change_seq": f"{seq} + id"}
    select = ", ".join(f"{made.get(c, c)} AS {c}" for c in cols)
    # The rows are made once, outside the timing, in a temporary table of this connection.
    db.execute("DROP TABLE IF EXISTS temp.bench_rows")
    db.execute(f"CREATE TEMP TABLE bench_rows AS SELECT {select} FROM tickets "
               "WHERE township_code = ? AND deleted = 0 ORDER BY id DESC LIMIT ?", [code, n])
    return f"INSERT INTO main.tickets ({', '.join(cols)}) SELECT {', '.join(cols)} FROM temp.bench_rows", []


# The ticket indexes as service m010 left them, from a file at m011 or later (the "before" of this round).
BACK_TO_M010 = (
    "DROP INDEX IF EXISTS idx_tickets_running_due",
    "DROP INDEX IF EXISTS idx_tickets_callback",
    "CREATE INDEX idx_tickets_open_due ON tickets(status, due_date, deleted)",
    "CREATE INDEX idx_tickets_received ON tickets(received_date, department, channel, applicant_village, kind, "
    "status, deleted)",
    "CREATE INDEX idx_tickets_finished ON tickets(finished_date, status, days_late, work_days_used, rating, "
    "handler_cadre_uuid, deleted)",
    "CREATE INDEX idx_tickets_callback ON tickets(status, rating, callback_due, deleted)",
)


def variant_ddl(db, name: str) -> list[str]:
    from models.service import schema

    if name == "all":
        return []
    if name == "m010":
        return list(BACK_TO_M010)
    if name == "m011+m012":  # from a file at m010
        return [*schema.M011_STATEMENTS, *schema.M012_STATEMENTS]
    if name == "m012":  # from a file at m011
        return list(schema.M012_STATEMENTS)
    if name == "bare":
        return [f"DROP INDEX {i}" for i in ticket_indexes(db) if i not in KEPT]
    if name.startswith("without "):
        return [f"DROP INDEX {name.split(' ', 1)[1]}"]
    raise SystemExit(f"unknown variant {name!r}")


def one_insert(db, ddl: list[str], sql: str, params: list) -> tuple[float, float]:
    db.execute("BEGIN IMMEDIATE")
    try:
        for statement in ddl:
            db.execute(statement)
        wall, cpu = time.perf_counter(), time.process_time()
        db.execute(sql, params)
        return time.perf_counter() - wall, time.process_time() - cpu
    finally:
        db.execute("ROLLBACK")


def measure(db, variants: list[str], n: int, runs: int) -> dict:
    """Medians per variant; the variants take turns run by run, so a change of the machine's load
    falls on all of them alike."""
    sql, params = _insert_sql(db, n)
    ddl = {name: variant_ddl(db, name) for name in variants}
    samples: dict[str, list[tuple[float, float]]] = {name: [] for name in variants}
    for name in variants:
        one_insert(db, ddl[name], sql, params)  # warm-up: the pages it touches come into the OS cache
    for _ in range(runs):
        for name in variants:
            samples[name].append(one_insert(db, ddl[name], sql, params))
    out = {}
    for name in variants:
        walls, cpus = [s[0] for s in samples[name]], [s[1] for s in samples[name]]
        out[name] = {"wall_s": round(statistics.median(walls), 3), "cpu_s": round(statistics.median(cpus), 3),
                     "walls": [round(w, 3) for w in walls], "cpus": [round(c, 3) for c in cpus]}
        print(f"{name:45s} wall {out[name]['wall_s']:7.3f} s  cpu {out[name]['cpu_s']:7.3f} s", flush=True)
    return out


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.index_cost", description=__doc__.splitlines()[0])
    parser.add_argument("db", type=Path, help="a writable copy (every insert is rolled back)")
    parser.add_argument("--tickets", type=int, default=20_000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--variant", action="append", help="all, m010, m011+m012, m012, bare (default: all, bare)")
    parser.add_argument("--each", action="store_true", help="also 'without X' for every index X")
    parser.add_argument("--out", type=Path)
    args = parser.parse_args(argv)
    import sqlite3

    import sqlite_utils

    import models.core.migrations  # noqa: F401 - fills TRAVEL_TABLES

    conn = sqlite3.connect(args.db, isolation_level=None)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA trusted_schema=OFF")
    conn.execute("PRAGMA synchronous=FULL")
    conn.execute("PRAGMA foreign_keys=ON")
    db = sqlite_utils.Database(conn)
    variants = args.variant or ["all", "bare"]
    if args.each:
        variants += [f"without {i}" for i in ticket_indexes(db) if i not in KEPT]
    load = os.getloadavg()[0]
    tickets = db.execute("SELECT count(*) FROM tickets").fetchone()[0]
    result = {"db": str(args.db), "tickets_in_file": tickets, "inserted": args.tickets, "runs": args.runs,
              "load_before": round(load, 2), "indexes": ticket_indexes(db),
              "variants": measure(db, variants, args.tickets, args.runs),
              "load_after": round(os.getloadavg()[0], 2)}
    conn.close()
    if args.out:
        args.out.write_text(json.dumps(result, ensure_ascii=False, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
