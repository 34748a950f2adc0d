"""The child process of the crash tests (tests/test_reliability_crash.py).

It writes through the program's own models/ and reports on stdout, flushed,
each thing whose commit has returned; the parent kills it with SIGKILL at a
random moment and then checks that the file is sound and that everything
reported is there.

    python tests/crash_writer.py records DB COUNT TAG
        COUNT single-row transactions (township.add_village); prints
        "ok <uuid>" after each commit returned.
    python tests/crash_writer.py migration DB ROWS
        opens DB with an extra migration set whose one migration writes ROWS
        rows in many small statements (sleeping now and then); prints
        "migrating" when it starts and "migrated" when open_database returned.
    python tests/crash_writer.py export DB OUT
        exports a full hand-off package to OUT; prints "exported" when done.
    python tests/crash_writer.py import DB PACKAGE
        merges PACKAGE into the county database DB; prints "imported" when done.
    python tests/crash_writer.py backup DB
        takes 50 backups; prints "backup PATH" after each.
    python tests/crash_writer.py ledger DB SHEET
        imports the ledger SHEET (models.service.io.import_tickets); prints
        "stage TEXT" for each progress report and "imported N" when done.
    python tests/crash_writer.py roster DB SHEET
        imports the 花名册 SHEET (models.roster.io.import_xlsx); prints "stage
        N" for each progress report and "imported ADDED UPDATED UNCHANGED".
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

PROBE_SET = "crashtest"
PROBE_TABLE = "crash_probe"


def say(line: str) -> None:
    """Report one line to the parent, immediately."""
    sys.stdout.write(line + "\n")
    sys.stdout.flush()


def write_records(db_path: str, count: int, tag: str) -> None:
    """Many small transactions, each one a village added by an administrator."""
    from models.core import township
    from models.core.db import open_database
    from models.core.users import Actor, ADMIN

    db = open_database(db_path, daily_backup=False)
    actor = Actor("admin", ADMIN, "管理员")
    say("ready")
    for i in range(count):
        key = township.add_village(db, actor, f"崩溃村{tag}-{i}", i % 1000)
        say(f"ok {key}")
    say("done")


def add_probe_migration(rows: int) -> None:
    """Append a migration set whose migration writes a lot, slowly."""
    from sqlite_utils import Migrations

    from models.core import migrations as schema

    probe = Migrations(PROBE_SET)

    @probe()
    def m001_heavy(db):
        say("migrating")
        db.execute(f"CREATE TABLE {PROBE_TABLE} (id INTEGER PRIMARY KEY, payload TEXT NOT NULL)")
        for i in range(rows):
            db.execute(f"INSERT INTO {PROBE_TABLE} (payload) VALUES (?)", ["x" * 200 + str(i)])
            if i % 500 == 0:
                time.sleep(0.001)
        # Touch existing data too, so a half-applied migration would show.
        db.execute("UPDATE villages SET note = 'migrated'")

    schema.MIGRATION_SETS.append(probe)


def migrate(db_path: str, rows: int) -> None:
    """Open an existing database with one extra, heavy migration pending."""
    add_probe_migration(rows)
    from models.core.db import open_database

    say("ready")
    open_database(db_path, daily_backup=False)
    say("migrated")


def export(db_path: str, out: str) -> None:
    """Write a full hand-off package."""
    from models.core.db import open_database
    from models.handoff import export_package
    from models.core.users import Actor, ADMIN

    db = open_database(db_path, daily_backup=False)
    say("ready")
    export_package(db, out, "crash-test-pass", Actor("admin", ADMIN, "管理员"), full=True)
    say("exported")


def import_(db_path: str, package: str) -> None:
    """Merge a hand-off package into a county database."""
    from models.core.db import open_database
    from models.handoff import import_package
    from models.core.users import Actor, ADMIN

    db = open_database(db_path, daily_backup=False)
    say("ready")
    import_package(db, package, "crash-test-pass", Actor("admin", ADMIN, "管理员"),
                   progress=lambda done, total, text="": say(f"progress {done}/{total} {text}"))
    say("imported")


def ledger(db_path: str, sheet: str) -> None:
    """Import a ledger sheet, telling each stage the window would show."""
    from models.core.db import open_database
    from models.core.users import Actor, ADMIN
    from models.service import io as tickets_io

    db = open_database(db_path, daily_backup=False)
    say("ready")
    result = tickets_io.import_tickets(db, Actor("admin", ADMIN, "管理员"), sheet,
                                       progress=lambda done, total, text="": say(f"stage {text}"))
    say(f"imported {result['imported']}")


def roster(db_path: str, sheet: str) -> None:
    """Import a 花名册, telling each progress report the window would show."""
    from models.core.db import open_database
    from models.core.users import Actor, ADMIN
    from models.roster import io as roster_io

    db = open_database(db_path, daily_backup=False)
    say("ready")
    result = roster_io.import_xlsx(db, Actor("admin", ADMIN, "管理员"), sheet,
                                   progress=lambda done, total, text="": say(f"stage {done}"))
    say(f"imported {result.added} {result.updated} {result.unchanged}")


def backup(db_path: str) -> None:
    """Take backups one after another."""
    from models.core.db import backup_database, open_database

    db = open_database(db_path, daily_backup=False)
    say("ready")
    for _ in range(50):
        say(f"backup {backup_database(db, reason='manual')}")


if __name__ == "__main__":
    mode = sys.argv[1]
    if mode == "records":
        write_records(sys.argv[2], int(sys.argv[3]), sys.argv[4] if len(sys.argv) > 4 else "")
    elif mode == "migration":
        migrate(sys.argv[2], int(sys.argv[3]))
    elif mode == "export":
        export(sys.argv[2], sys.argv[3])
    elif mode == "import":
        import_(sys.argv[2], sys.argv[3])
    elif mode == "backup":
        backup(sys.argv[2])
    elif mode == "ledger":
        ledger(sys.argv[2], sys.argv[3])
    elif mode == "roster":
        roster(sys.argv[2], sys.argv[3])
    else:
        raise SystemExit(f"unknown mode {mode}")
