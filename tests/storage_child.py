"""Child processes of the storage tests (tests/test_storage_*.py).

Each mode does what one real process of the program does and reports on
stdout, flushed, each thing whose commit has returned.

    python tests/storage_child.py window DB
        the window: opens DB like ui/app.py, runs one background task the
        way AppContext.open_worker_db does (a second connection, closed
        after the task), prints "ready"; then for each line "write" on stdin
        adds a village and prints "ok <uuid>"; stays alive until killed.
    python tests/storage_child.py open-close DB
        a second copy of the program quit at its login: opens DB, closes it.
    python tests/storage_child.py tickets DB COUNT
        registers COUNT tickets as fast as it can; prints "ok <ticket_no>"
        after each create_ticket returned, "error <text>" if one raised.
    python tests/storage_child.py hold DB
        opens DB like a command, prints "ready", waits for a line on stdin.
    python tests/storage_child.py soak-window DB
        a window process (QApplication offscreen, AppContext): registers
        tickets on the GUI connection while a background thread reads through
        worker connections opened and closed the way tasks do; prints
        "ok <ticket_no> <uuid>" after each create_ticket returned.
    python tests/storage_child.py soak-command DB
        command-line style: each ticket in its own process-like open/close.
    python tests/storage_child.py has DB UUID
        prints "yes" if the village UUID is visible to another process.
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def say(line: str) -> None:
    sys.stdout.write(line + "\n")
    sys.stdout.flush()


ADMIN_ARGS = ("admin", "admin", "管理员")


def window(db_path: str) -> None:
    from models.core import township
    from models.core.db import open_database
    from models.core.users import ADMIN, Actor

    db = open_database(db_path, daily_backup=False, quick_check_max_bytes=64 * 1024 * 1024)
    actor = Actor("admin", ADMIN, "管理员")
    # One background task (a receipt, a backup, a search): its own connection.
    worker = open_database(db_path, migrate=False, daily_backup=False, quick_check_max_bytes=0)
    worker.execute("SELECT count(*) FROM villages").fetchone()
    worker.conn.close()
    say("ready")
    n = 0
    for line in sys.stdin:
        if line.strip() == "write":
            key = township.add_village(db, actor, f"窗口村{n}", 10 + n)
            n += 1
            say(f"ok {key}")


def open_close(db_path: str) -> None:
    from models.core.db import close_database, open_database

    db = open_database(db_path, daily_backup=False, quick_check_max_bytes=64 * 1024 * 1024)
    close_database(db)
    say("closed")


def register_tickets(db_path: str, count: str) -> None:
    from models.core.db import open_database
    from models.core.users import ADMIN, Actor
    from models.service import tickets

    db = open_database(db_path, daily_backup=False, quick_check_max_bytes=64 * 1024 * 1024)
    actor = Actor("admin", ADMIN, "管理员")
    say("ready")
    for i in range(int(count)):
        try:
            t = tickets.create_ticket(db, actor, {"applicant_name": "张三", "applicant_phone": "13800138000",
                                                  "department": "民政办", "request_text": f"第{i}件诉求"})
        except Exception as e:  # noqa: BLE001 - the parent counts every failure
            say(f"error {type(e).__name__}: {e}")
        else:
            say(f"ok {t['ticket_no']}")


def hold(db_path: str, program: str = "command") -> None:
    from models.core import presence
    from models.core.db import close_database, open_database

    presence.set_program(program)

    db = open_database(db_path, daily_backup=False)
    say("ready")
    sys.stdin.readline()
    close_database(db)
    say("closed")


def _ticket_values(i: int) -> dict:
    return {"applicant_name": "李四", "applicant_phone": "13900139000", "department": "民政办",
            "request_text": f"浸泡测试第{i}件"}


def soak_window(db_path: str) -> None:
    import os
    import threading

    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtWidgets import QApplication

    from models.core import presence
    from models.core.db import open_database
    from models.core.users import ADMIN, Actor
    from models.service import tickets
    from ui.common.context import AppContext

    app = QApplication([])  # noqa: F841 - the window process has one
    presence.set_program(presence.PROGRAM_WINDOW)
    db = open_database(db_path, daily_backup=False, quick_check_max_bytes=64 * 1024 * 1024)
    actor = Actor("admin", ADMIN, "管理员")
    ctx = AppContext(db, Path(db_path), actor)

    def background():
        while True:
            worker = ctx.open_worker_db()
            worker.execute("SELECT count(*) FROM tickets").fetchone()
            worker.conn.close()
            reader = tickets.open_reader(db_path)
            reader.execute("SELECT count(*) FROM tickets_fts_pending").fetchone()
            reader.conn.close()

    threading.Thread(target=background, daemon=True).start()
    say("ready")
    i = 0
    while True:
        t = tickets.create_ticket(db, actor, _ticket_values(i))
        say(f"ok {t['ticket_no']} {t['uuid']}")
        i += 1


def soak_command(db_path: str) -> None:
    from models.core.db import close_database, open_database
    from models.core.users import ADMIN, Actor
    from models.service import tickets

    actor = Actor("admin", ADMIN, "管理员")
    say("ready")
    i = 0
    while True:
        db = open_database(db_path, daily_backup=False)
        try:
            t = tickets.create_ticket(db, actor, _ticket_values(i))
            say(f"ok {t['ticket_no']} {t['uuid']}")
        finally:
            close_database(db)
        i += 1


def has(db_path: str, key: str) -> None:
    import sqlite3

    conn = sqlite3.connect(db_path)
    row = conn.execute("SELECT 1 FROM villages WHERE uuid = ?", (key,)).fetchone()
    conn.close()
    say("yes" if row else "no")


if __name__ == "__main__":
    mode, args = sys.argv[1], sys.argv[2:]
    {"window": window, "open-close": open_close, "has": has, "tickets": register_tickets, "hold": hold, "soak-window": soak_window, "soak-command": soak_command}[mode](*args)
