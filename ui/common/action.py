"""The window's one way to run an action (in the manner of Anki's CollectionOp):

    run_op(self, ctx, lambda db, progress: settings.set_many(db, values, ctx.actor),
           changes={"settings"}, on_done=lambda result, changes: ...)

- the function runs off the GUI thread on the worker's own connection, which
  the helper opens and closes (the GUI's connection is never shared);
- a progress dialog shows when `label` is given and the work takes a moment;
  `progress(done, total, text)` inside the function reports and lets 取消 stop it;
- the result comes back to `on_done(result, changes)` on the GUI thread; an
  AppError shows its Chinese message (or goes to `on_error`), a bug goes to the
  log with a short message (ui/common/worker.py, ui/common/crash.py);
- what changed is declared once, as an OpChanges, and the helper tells every
  tab (ctx.data_changed for each area): no hand-written notify after an action.

Reads that take a moment (statistics, the county comparison, a notice's draft)
go through `run_query` (Anki's QueryOp): the same worker, on a connection opened
read-only, so a read can never write. Before the window exists (the login and
first-run dialogs, the idle lock) `FileContext(db)` stands in for the window's
context: the same helper, the same worker connection, no tab to tell yet.
tests/test_architecture.py fails when ui/ opens a worker connection anywhere else
or hands the window's own connection to a function that writes.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from models.core.db import close_database, open_database
from models.core.errors import AppError
from ui.common.worker import default_error, run_task


def open_worker_connection(db, readonly: bool = False, path=None):
    """A connection of its own to the file of `db` for a worker thread (a
    connection is never shared across threads while the GUI may use it). A
    file the window opened read-only is opened read-only here too."""
    # The window's own connection already checked and upgraded the file at start-up.
    return open_database(path or db.path, migrate=False, daily_backup=False, quick_check_max_bytes=0,
                         readonly=readonly or bool(getattr(db, "read_only_reason", None)))


class FileContext:
    """What run_op needs when there is no window yet (login, first run, the
    idle lock): the open database. There is no tab to tell about a change."""

    def __init__(self, db) -> None:
        self.db = db
        self.db_path = db.path

    def open_worker_db(self, readonly: bool = False):
        return open_worker_connection(self.db, readonly)

    def notify(self, area: str) -> None:
        """No tab exists yet: nothing to refresh."""


@dataclass(frozen=True)
class OpChanges:
    """The areas of stored data an action changed: 'roster', 'tickets', 'assess',
    'settings', 'notices', 'election', 'handoff', or 'all'."""

    areas: frozenset[str]

    def touches(self, area: str) -> bool:
        return "all" in self.areas or area in self.areas


def run_op(parent, ctx, op: Callable[[Any, Callable], Any], *, changes: Iterable[str], label: str = "",
           on_done: Callable[[Any, OpChanges], None] | None = None,
           on_error: Callable[[AppError], None] | None = None, cancellable: bool = False,
           on_finished: Callable[[], None] | None = None):
    """Run op(db, progress) on a worker connection; see the module's docstring.
    `on_finished()` runs last, whether the action succeeded, was refused or failed."""
    op_changes = OpChanges(frozenset(changes))

    def work(progress):
        db = ctx.open_worker_db()
        try:
            return op(db, progress)
        finally:
            close_database(db)

    return _run(parent, ctx, work, op_changes, label=label, on_done=on_done, on_error=on_error,
                cancellable=cancellable, on_finished=on_finished)


def run_query(parent, ctx, query: Callable[[Any, Callable], Any], *, label: str = "",
              on_done: Callable[[Any], None] | None = None, on_error: Callable[[AppError], None] | None = None,
              cancellable: bool = True, modal: bool = True, show_after_ms: int = 300,
              on_finished: Callable[[], None] | None = None):
    """Run query(db, progress) off the GUI thread on a read-only worker
    connection (opened and closed here); the result goes to on_done(result).
    A query that tried to write fails loudly (the connection refuses it)."""

    def work(progress):
        db = ctx.open_worker_db(readonly=True)
        try:
            return query(db, progress)
        finally:
            close_database(db)

    return _run(parent, ctx, work, OpChanges(frozenset()), label=label or "正在读取…",
                on_done=None if on_done is None else (lambda result, _changes: on_done(result)),
                on_error=on_error, cancellable=cancellable, on_finished=on_finished, modal=modal,
                show_after_ms=show_after_ms)


def _run(parent, ctx, work, op_changes: OpChanges, *, label: str, on_done, on_error, cancellable: bool,
         on_finished, modal: bool = True, show_after_ms: int | None = None):
    def done(result):
        try:
            for area in sorted(op_changes.areas):
                ctx.notify(area)
            if on_done is not None:
                on_done(result, op_changes)
        finally:
            if on_finished is not None:
                on_finished()

    def failed(exc):
        try:
            if on_error is not None and isinstance(exc, AppError):
                on_error(exc)
            else:
                default_error(parent, exc)
        finally:
            if on_finished is not None:
                on_finished()

    if show_after_ms is None:
        # Without a label the dialog never shows (a quick save); with one it shows after 300 ms.
        show_after_ms = 300 if label else 60_000
    return run_task(parent, label or "正在保存…", work, on_done=done, on_error=failed, cancellable=cancellable,
                    modal=modal, show_after_ms=show_after_ms)


class OpQueue:
    """A widget's actions run one after another, in the order they were asked
    for: cells typed quickly one after another must be saved in that order
    (each action runs on its own worker connection, and two of them at once
    could commit the older value last)."""

    def __init__(self) -> None:
        self._waiting: deque[tuple] = deque()
        self._running = False

    @property
    def busy(self) -> bool:
        """True while an action runs or waits (tests wait for this to end)."""
        return self._running or bool(self._waiting)

    def run(self, parent, ctx, op: Callable[[Any, Callable], Any], **options) -> None:
        """Like run_op(parent, ctx, op, **options), after the actions asked for before."""
        self._waiting.append((parent, ctx, op, options))
        if not self._running:
            self._start_next()

    def _start_next(self) -> None:
        if not self._waiting:
            self._running = False
            return
        self._running = True
        parent, ctx, op, options = self._waiting.popleft()
        run_op(parent, ctx, op, **options, on_finished=self._start_next)
