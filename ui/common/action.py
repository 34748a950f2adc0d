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
           on_error: Callable[[AppError], None] | None = None, cancellable: bool = False):
    """Run op(db, progress) on a worker connection; see the module's docstring."""
    op_changes = OpChanges(frozenset(changes))

    def work(progress):
        db = ctx.open_worker_db()
        try:
            return op(db, progress)
        finally:
            close_database(db)

    def done(result):
        for area in sorted(op_changes.areas):
            ctx.notify(area)
        if on_done is not None:
            on_done(result, op_changes)

    def failed(exc):
        if on_error is not None and isinstance(exc, AppError):
            on_error(exc)
        else:
            default_error(parent, exc)

    # Without a label the dialog never shows (a quick save); with one it shows after 300 ms.
    return run_task(parent, label or "正在保存…", work, on_done=done, on_error=failed, cancellable=cancellable,
                    show_after_ms=300 if label else 60_000)
