"""Generating N demo tickets (models.demo.service.generate_tickets, one
transaction) into the demo township without tickets, against a bare
executemany of the very same rows (read back from the generated database)
into tables with the same columns but no indexes, FTS or triggers, one
transaction. The difference is the generator's own Python work (dates on the
working-day calendar, random choices, building the rows) plus building the
indexes and the full-text index."""

from __future__ import annotations

import random
import statistics
import time

from bench import databases
from bench.harness import Figure, guarded, require_attr

TABLES = ("tickets", "ticket_events", "ticket_rectifications")


def _columns(conn, table: str) -> list[str]:
    return [r[1] for r in conn.execute(f"PRAGMA table_info([{table}])") if r[1] != "id"]


def figures(ctx) -> list[Figure]:
    from models.core.db import close_database, open_database
    from models.core.users import CLI_ACTOR

    n = ctx.scale.generate_tickets
    runs = ctx.heavy_runs

    def generate(fig):
        generate_tickets = require_attr("models.demo.service", "generate_tickets")
        code = None
        samples = []
        for i in range(runs):
            work = databases.scratch_copy(ctx.base, "generate.db")
            db = open_database(work, migrate=False, daily_backup=False)
            code = code or db.execute("SELECT value FROM settings WHERE key = 'township_code'").fetchone()[0]
            try:
                t0 = time.perf_counter()
                generate_tickets(db, n, random.Random(1), code, actor=CLI_ACTOR)
                samples.append(time.perf_counter() - t0)
                databases.log(f"  generate {n}: run {i + 1}/{runs} {samples[-1]:.1f} s")
                if i == runs - 1:
                    rows = {t: (_columns(db.conn, t), db.execute(
                        f"SELECT {', '.join(_columns(db.conn, t))} FROM [{t}] ORDER BY id").fetchall()) for t in TABLES}
            finally:
                close_database(db)
        floor_samples = []
        for i in range(runs):
            work = databases.scratch_copy(ctx.base, "generate-floor.db")
            db = open_database(work, migrate=False, daily_backup=False)
            try:
                # The bare floor: the same rows into tables of the same columns without
                # indexes, FTS or triggers (the generator also builds those).
                for table in rows:
                    db.conn.execute(f"CREATE TABLE [bare_{table}] AS SELECT * FROM [{table}] WHERE 0")
                t0 = time.perf_counter()
                db.conn.execute("BEGIN")
                for table, (cols, data) in rows.items():
                    if data:
                        db.conn.executemany(f"INSERT INTO [bare_{table}] ({', '.join(cols)}) VALUES "
                                            f"({', '.join('?' * len(cols))})", data)
                db.conn.execute("COMMIT")
                floor_samples.append(time.perf_counter() - t0)
            finally:
                close_database(db)
        del rows
        fig.value, fig.floor, fig.runs = statistics.median(samples), statistics.median(floor_samples), runs
        fig.samples, fig.floor_samples = [round(s, 2) for s in samples], [round(s, 2) for s in floor_samples]
        fig.note = f"{n:,} tickets" + ("" if runs >= 5 else f"; {runs} runs only (minutes each)")

    return [guarded(Figure("generate", f"生成 {n:,} 演示办件 generate demo tickets", "s",
                           floor_label="bare executemany, same rows, no indexes"), generate)]
