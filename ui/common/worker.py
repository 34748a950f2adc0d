"""The one helper that runs long work off the GUI thread.

    run_task(parent, "正在生成公示…", fn, on_done=show_pdf)

`fn(progress)` runs on a worker thread. It must not touch widgets, and should
open its own database connection (ctx.open_worker_db()) when it reads much.
`progress(done, total, text="")` reports progress and raises TaskCancelled
once the user pressed 取消. The result comes back to `on_done(result)` on the
GUI thread; an exception goes to `on_error(exc)` (by default a message box
showing the Chinese message of an AppError).
"""

from __future__ import annotations

import traceback

import shiboken6
from PySide6.QtCore import QObject, QRunnable, Qt, QThreadPool, QTimer, Signal
from PySide6.QtWidgets import QMessageBox, QProgressDialog

from models.core import errorlog
from models.core.errors import AppError


class TaskCancelled(Exception):
    """Raised inside a task when the user cancelled it."""


class _Signals(QObject):
    progressed = Signal(int, int, str)
    finished = Signal(object)
    failed = Signal(object, str)


class _Runnable(QRunnable):
    def __init__(self, fn, signals: _Signals):
        super().__init__()
        self.fn = fn
        self.signals = signals
        self.cancelled = False
        self.setAutoDelete(True)

    def progress(self, done: int, total: int, text: str = "") -> None:
        if self.cancelled:
            raise TaskCancelled()
        self.signals.progressed.emit(int(done), int(total), text)

    def run(self) -> None:
        try:
            result = self.fn(self.progress)
        except BaseException as e:  # noqa: BLE001 - every failure goes back to the GUI
            self.signals.failed.emit(e, traceback.format_exc())
        else:
            self.signals.finished.emit(result)


_running: set = set()  # keeps signals alive until the task reports back


def tasks_running() -> int:
    """How many tasks have not reported back yet (tests wait until none)."""
    return len(_running)


def default_error(parent, exc: BaseException, tb: str = "") -> None:
    if isinstance(exc, TaskCancelled):
        return
    if isinstance(exc, AppError):
        QMessageBox.warning(parent, "无法完成", exc.message)
    else:
        # A bug: the traceback goes to the log file, the user reads where it is.
        from ui.common.crash import show_unexpected

        path = errorlog.log_exception(type(exc), exc, exc.__traceback__, "后台任务")
        show_unexpected(path, parent)


def run_task(parent, label: str, fn, on_done=None, on_error=None, cancellable: bool = True,
             modal: bool = True, show_after_ms: int = 300):
    """Run fn(progress) on the thread pool with a progress dialog. Returns the
    runnable (its `.cancelled` can be set to stop it)."""
    signals = _Signals()
    runnable = _Runnable(fn, signals)
    dialog = QProgressDialog(label, "取消" if cancellable else None, 0, 0, parent)
    dialog.setWindowTitle("请稍候")
    dialog.setWindowModality(Qt.WindowModal if modal else Qt.NonModal)
    dialog.setMinimumDuration(show_after_ms)
    dialog.setAutoClose(False)
    dialog.setAutoReset(False)
    if not cancellable:
        dialog.setCancelButton(None)

    def on_cancel():
        runnable.cancelled = True

    def owner_gone() -> bool:
        # The widget that asked was closed and deleted meanwhile (a tab, a window thrown away,
        # the user switched): its result has nowhere to go, and its progress dialog went with it.
        return parent is not None and not shiboken6.isValid(parent)

    def on_progress(done, total, text):
        if not shiboken6.isValid(dialog):
            return
        if total > 0:
            dialog.setMaximum(total)
            dialog.setValue(min(done, total))
        elif dialog.maximum():
            dialog.setRange(0, 0)  # no end known (any more): a busy bar, not a stale one
        if text:
            dialog.setLabelText(f"{label}\n{text}")

    def finish():
        _running.discard(signals)
        if shiboken6.isValid(dialog):
            dialog.close()
            dialog.deleteLater()

    def on_finished(result):
        finish()
        if on_done and not owner_gone():
            on_done(result)

    def on_failed(exc, tb):
        finish()
        if isinstance(exc, TaskCancelled):
            return
        if owner_gone():
            default_error(None, exc, tb)  # still told: the failure is not the closed window's to hide
            return
        (on_error or (lambda e: default_error(parent, e, tb)))(exc)

    dialog.canceled.connect(on_cancel)
    signals.progressed.connect(on_progress)
    signals.finished.connect(on_finished)
    signals.failed.connect(on_failed)
    _running.add(signals)
    QTimer.singleShot(0, lambda: QThreadPool.globalInstance().start(runnable))
    return runnable
