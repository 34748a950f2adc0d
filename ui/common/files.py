"""Where the window's file dialogs start."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QStandardPaths


def documents_folder() -> Path:
    """The user's 文档 folder (not the program's own folder, where a clerk would never look again)."""
    folder = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.DocumentsLocation)
    return Path(folder) if folder else Path.home()


def start_in(suggested_name: str = "") -> str:
    """The path a file dialog opens at: the documents folder, with a suggested file name."""
    return str(documents_folder() / suggested_name) if suggested_name else str(documents_folder())
