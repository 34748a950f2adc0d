"""The window says, where the clerk sees it, that backups are in trouble: the
daily backup failed (a full or read-only disk) or fitted but the next one
will not. A red line stays in the status bar until a backup has room again,
and a (non-modal) message box comes up once per different message a day —
the timer runs every hour and must not nag, nor block typing.

The checks themselves are models.core.db.backup_space_problem /
ensure_daily_backup (issue 14); this module only shows their Chinese text.
"""

from __future__ import annotations

import datetime as dt

from PySide6.QtWidgets import QLabel, QMessageBox

TITLE = "备份空间不足"


def _label(window) -> QLabel:
    label = getattr(window, "storage_warning_label", None)
    if label is None:
        label = QLabel()
        label.setObjectName("storage_warning")
        label.setStyleSheet("color: #b00020; font-weight: bold;")
        window.statusBar().addWidget(label)
        window.storage_warning_label = label
        window.storage_warnings_shown = set()
    return label


def show(window, text: str, title: str = TITLE) -> None:
    label = _label(window)
    label.setText("⚠ " + title + "（详见提示）")
    label.setToolTip(text)
    label.show()
    key = (dt.date.today().isoformat(), text)
    if key in window.storage_warnings_shown:
        return
    window.storage_warnings_shown.add(key)
    box = QMessageBox(QMessageBox.Warning, title, text, QMessageBox.Ok, window)
    box.setObjectName("storage_warning_box")
    box.setModal(False)
    box.show()
    window.storage_warning_box = box


def clear(window) -> None:
    label = getattr(window, "storage_warning_label", None)
    if label is not None:
        label.clear()
        label.setToolTip("")
        label.hide()
