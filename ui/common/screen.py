"""Windows sized for the screen they open on. Township PCs are often 1366×768 with a 40 px
taskbar: a dialog asking for 760 or 1000 px of height would open with its buttons under the
taskbar, out of reach."""

from __future__ import annotations

from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QWidget

# What the window manager adds around a window: the title bar and borders (Windows 10/11 at 100 %).
FRAME_WIDTH = 16
FRAME_HEIGHT = 40


def fit_on_screen(window: QWidget, width: int, height: int) -> None:
    """Resize to width×height, or to what the screen's free area holds with the frame around it."""
    screen = window.screen() or QGuiApplication.primaryScreen()
    if screen is None:  # no screen at all (never on a desktop): keep the asked size
        window.resize(width, height)
        return
    free = screen.availableGeometry()
    window.resize(min(width, free.width() - FRAME_WIDTH), min(height, free.height() - FRAME_HEIGHT))
