"""What every process does once at start (window and command line alike).

Settings are declared with `models.core.settings.register(...)` in the domain
module that uses them. So that 设置 → 参数 lists every setting no matter which
tabs were opened, the start of the program imports each of those modules here,
from this one list. Notice kinds are registered the same way. A module that
declares settings or notice kinds and is missing from its list fails
tests/test_startup.py.
"""

from __future__ import annotations

from dataclasses import dataclass


def register_all_settings() -> None:
    """Import every module that declares settings (importing runs its register calls)."""
    # The one list. Add a line here when a new module calls settings.register.
    from models.core import xlsx_safety  # noqa: F401
    from models.roster import rules  # noqa: F401
    from models.service import tickets  # noqa: F401
    from models.assess import scorecard  # noqa: F401
    from models.assess import rewards  # noqa: F401
    from models.assess import results  # noqa: F401
    from models.election import term  # noqa: F401
    from models.notices import registry  # noqa: F401
    from models.core import users  # noqa: F401


def register_all_notice_kinds() -> None:
    """Import every module that registers notice kinds (models/notices/registry.py
    holds the engine and the service, assessment and election kinds; a domain
    module that gathers its own notices registers them when imported)."""
    # The one list. Add a line here when a new module calls registry.register_kind.
    from models.notices import registry  # noqa: F401
    from models.roster import notices  # noqa: F401


def start() -> None:
    """Everything a fresh process needs before it shows or prints anything."""
    register_all_settings()
    register_all_notice_kinds()


@dataclass(frozen=True)
class FirstLook:
    """What the window's first dialog shows, read before the database is opened."""

    first_run: bool  # no file yet, or ours without any user: the first-run dialog, else the login
    township_name: str = ""
    demo: bool = False  # the demo database: its login dialog warns that the passwords are public


def first_look(path) -> FirstLook:
    """A read-only look at the file for the first dialog, so that it can be painted before
    sqlite-utils is imported and the file is opened, checked and migrated (issue 22).

    Nothing is created or changed (models.core.db.peek). A file that cannot be read here
    (damaged, not ours, from a newer program) gives the login dialog without a name: the
    open that follows tells the user what is wrong, with its restore offer."""
    import json
    import sqlite3
    from pathlib import Path

    from models.core import db

    path = Path(path)
    if not path.exists() or (path.is_file() and path.stat().st_size == 0):
        return FirstLook(first_run=True)
    if not path.is_file() or not db.is_sqlite_file(path):
        return FirstLook(first_run=False)
    try:
        # Settings values are stored as JSON (models/core/settings.py); "demo_database" is the
        # demo generator's mark (models/demo/township.DEMO_MARK).
        ((name, demo, has_users),) = db.peek(path, """
            SELECT (SELECT value FROM settings WHERE key = 'township_name'),
                   (SELECT value FROM settings WHERE key = 'demo_database'),
                   EXISTS (SELECT 1 FROM users)""")
        township_name = json.loads(name) if name else ""
        return FirstLook(first_run=not has_users, township_name=str(township_name or ""),
                         demo=bool(demo and json.loads(demo)))
    except (sqlite3.DatabaseError, ValueError):
        return FirstLook(first_run=False)  # the open says what is wrong with the file
