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
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from models.core.db import close_database
from models.core.errors import AppError
from ui.common.worker import default_error, run_task


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

    # Without a label the dialog never shows (a quick save); with one it shows after 300 ms.
    return run_task(parent, label or "正在保存…", work, on_done=done, on_error=failed, cancellable=cancellable,
                    show_after_ms=300 if label else 60_000)


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
