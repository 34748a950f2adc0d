"""The little the program needs of a database library: a connection with
nested transactions, and numbered migrations.

Issue 22: sqlite-utils cost about 80 ms of every start (it imports click,
dateutil, pluggy, http and more) for four methods. This module keeps exactly
what the program used — `execute`, `atomic` (savepoints when nested),
`rollback`, `table_names`, and sqlite-utils' migration sets, in the same
`_sqlite_migrations` table, so files written before open unchanged.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import secrets
import sqlite3
from collections.abc import Callable, Iterator
from dataclasses import dataclass

MIGRATIONS_TABLE = "_sqlite_migrations"


class Database:
    """A connection (opened with isolation_level=None: SQLite's own autocommit,
    so a statement outside `atomic()` is its own transaction)."""

    def __init__(self, conn: sqlite3.Connection, execute_plugins: bool = False, recursive_triggers: bool = True):
        # execute_plugins is accepted for callers written for sqlite-utils; the program uses no plugins.
        self.conn = conn
        if recursive_triggers:  # what sqlite-utils set, and every trigger was written under
            self.conn.execute("PRAGMA recursive_triggers=on")

    def execute(self, sql: str, parameters=None) -> sqlite3.Cursor:
        return self.conn.execute(sql, parameters) if parameters is not None else self.conn.execute(sql)

    @contextlib.contextmanager
    def atomic(self) -> Iterator[Database]:
        """One transaction; a nested block is a savepoint inside it."""
        if self.conn.in_transaction:
            savepoint = f"sp_{secrets.token_hex(8)}"
            self.conn.execute(f"SAVEPOINT {savepoint}")
            try:
                yield self
            except BaseException:
                # A RAISE(ROLLBACK) trigger may have ended the whole transaction already.
                if self.conn.in_transaction:
                    self.conn.execute(f"ROLLBACK TO SAVEPOINT {savepoint}")
                    self.conn.execute(f"RELEASE SAVEPOINT {savepoint}")
                raise
            else:
                self.conn.execute(f"RELEASE SAVEPOINT {savepoint}")
            return
        self.conn.execute("BEGIN")
        try:
            yield self
        except BaseException:
            self.rollback()
            raise
        else:
            try:
                self.conn.execute("COMMIT")
            except BaseException:
                self.rollback()
                raise

    def rollback(self) -> None:
        if self.conn.in_transaction:
            self.conn.execute("ROLLBACK")

    def close(self) -> None:
        self.conn.close()

    def table_names(self) -> list[str]:
        return [r[0] for r in self.conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]

    def __getitem__(self, table_name: str):
        """sqlite-utils' table helpers, for the tests and tools that use them
        (imported only then: the program itself does not)."""
        import sqlite_utils

        return sqlite_utils.Database(self.conn, execute_plugins=False, recursive_triggers=False)[table_name]


class Migrations:
    """A named set of migrations, applied in the order they are defined, each
    in one transaction with the record of it (sqlite-utils' format)."""

    migrations_table = MIGRATIONS_TABLE

    @dataclass
    class _Migration:
        name: str
        fn: Callable
        transactional: bool = True

    def __init__(self, name: str):
        self.name = name
        self._migrations: list[Migrations._Migration] = []

    def __call__(self, *, name: str | None = None, transactional: bool = True) -> Callable:
        def inner(func):
            migration_name = name or func.__name__
            if any(m.name == migration_name for m in self._migrations):
                raise ValueError(f"Migration '{migration_name}' is already registered in set '{self.name}'")
            self._migrations.append(self._Migration(migration_name, func, transactional))
            return func
        return inner

    def applied_names(self, db) -> list[str]:
        conn = db.conn
        if not conn.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?",
                            [self.migrations_table]).fetchone():
            return []
        return [r[0] for r in conn.execute(f"SELECT name FROM [{self.migrations_table}] WHERE migration_set = ? "
                                           "ORDER BY rowid", [self.name])]

    def pending(self, db) -> list[Migrations._Migration]:
        done = set(self.applied_names(db))
        return [m for m in self._migrations if m.name not in done]

    def ensure_migrations_table(self, db) -> None:
        db.execute(f'CREATE TABLE IF NOT EXISTS "{self.migrations_table}" ("id" INTEGER PRIMARY KEY, '
                   '"migration_set" TEXT, "name" TEXT, "applied_at" TEXT)')
        db.execute(f'CREATE UNIQUE INDEX IF NOT EXISTS "idx_{self.migrations_table}_migration_set_name" '
                   f'ON "{self.migrations_table}" ("migration_set", "name")')

    def apply(self, db, *, stop_before: str | None = None) -> None:
        pending = self.pending(db)
        if not pending:
            return
        self.ensure_migrations_table(db)
        for migration in pending:
            if migration.name == stop_before:
                return
            if migration.transactional:
                with db.atomic():
                    migration.fn(db)
                    self._record_applied(db, migration.name)
            else:
                migration.fn(db)
                self._record_applied(db, migration.name)

    def _record_applied(self, db, name: str) -> None:
        db.execute(f'INSERT INTO "{self.migrations_table}" (migration_set, name, applied_at) VALUES (?, ?, ?)',
                   [self.name, name, str(dt.datetime.now(dt.timezone.utc))])

    def __repr__(self) -> str:
        return f"<Migrations '{self.name}': [{', '.join(m.name for m in self._migrations)}]>"
