"""No silent failure in the window: an exception in a button handler, a slot, a
thread, or a Qt warning goes to the log file (models/core/errorlog.py); the
user sees one short Chinese message with the log's path, never a traceback.
Installed once by ui.app.run_gui."""

from __future__ import annotations

import sys
import threading

from PySide6.QtCore import QObject, QtMsgType, Signal, qInstallMessageHandler
from PySide6.QtWidgets import QApplication, QMessageBox

from models.core import errorlog


class _Reporter(QObject):
    """Carries a report from any thread to the GUI thread (queued signal)."""

    report = Signal(str)


_reporter: _Reporter | None = None
_showing = False


def show_unexpected(path=None, parent=None) -> None:
    """The message box about an unexpected error (one at a time: a burst shows once)."""
    global _showing
    if _showing or QApplication.instance() is None:
        return
    _showing = True
    try:
        box = QMessageBox(QMessageBox.Critical, "意外错误", errorlog.user_message(path),
                          QMessageBox.Ok, parent or QApplication.activeWindow())
        box.setObjectName("unexpected_error")
        box.exec()
    finally:
        _showing = False


def _on_exception(exc_type, exc, tb) -> None:
    if issubclass(exc_type, KeyboardInterrupt):
        return
    path = errorlog.log_exception(exc_type, exc, tb, "窗口")
    if _reporter is not None:
        _reporter.report.emit(str(path))


def _on_thread_exception(args) -> None:
    if args.exc_type is SystemExit:
        return
    _on_exception(args.exc_type, args.exc_value, args.exc_traceback)


_QT_LEVELS = {QtMsgType.QtDebugMsg: "debug", QtMsgType.QtInfoMsg: "info", QtMsgType.QtWarningMsg: "warning",
              QtMsgType.QtCriticalMsg: "error", QtMsgType.QtFatalMsg: "critical"}


# What Qt's offscreen platform (tests, the benchmark) says for every window it shows: a note about
# the platform, not a problem of the program (and logging it would import logging at start-up).
_PLATFORM_NOTES = {"This plugin does not support propagateSizeHints()"}


def _on_qt_message(kind, context, message) -> None:
    level = _QT_LEVELS.get(kind, "warning")
    if level == "debug" or message in _PLATFORM_NOTES:
        return
    where = f" ({context.file}:{context.line})" if context is not None and context.file else ""
    getattr(errorlog.logger(), level)("Qt: %s%s", message, where)


def install() -> None:
    """sys.excepthook, threading.excepthook and Qt's message handler (after the QApplication exists)."""
    global _reporter
    if _reporter is None:
        _reporter = _Reporter()
        _reporter.report.connect(lambda path: show_unexpected(path))
    sys.excepthook = _on_exception
    threading.excepthook = _on_thread_exception
    qInstallMessageHandler(_on_qt_message)
