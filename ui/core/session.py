"""The session on a shared office PC (issue 20): 注销 / 切换用户 from the
menu, and an idle lock after the minutes in 设置 → 参数 (idle_lock_minutes,
0 = never). Locking hides the window behind the login dialog: the same user
comes back to the window as it was, another user gets a fresh window, and
退出 closes the program. A demo database says so in the title bar."""

from __future__ import annotations

import time

from PySide6.QtCore import QEvent, QObject, QTimer
from PySide6.QtWidgets import QApplication

from models.core import settings, township
from models.core.users import IDLE_LOCK_SETTING

INPUT_EVENTS = {QEvent.KeyPress, QEvent.MouseButtonPress, QEvent.MouseMove, QEvent.Wheel, QEvent.TouchBegin}
DEMO_TITLE = "【演示数据库：账户密码公开，请勿录入真实数据】"


def ask_login(window, db, last_user: str, title: str):
    """The login dialog over a hidden window; the Actor, or None for 退出."""
    from ui.core.login import LoginDialog

    dialog = LoginDialog(db, township.identity(db)["township_name"], last_user, None)
    dialog.setWindowTitle(title)
    return dialog.actor if dialog.exec() else None


class SessionGuard(QObject):
    """Watches the keyboard and mouse of the whole program; locks when idle."""

    CHECK_MS = 15_000

    def __init__(self, window):
        super().__init__(window)
        self.window = window
        self.last_input = time.monotonic()
        self.locked = False
        # Read now and when settings change: the timer itself never touches
        # the database (a window can outlive its connection in tests).
        self.minutes = self.idle_minutes()
        window.ctx.data_changed.connect(self._settings_changed)
        # Issue 22: an application-wide filter brings every event of the program into Python
        # (~10 µs each, thousands per page built). So it watches only until it sees one input
        # and is put back at the next check: an interval with input counts as active up to its
        # end, so the lock may come up to CHECK_MS late, never early. Not watched at first: the
        # window just opened is the user's activity.
        self.watching = False
        self.timer = QTimer(self)
        self.timer.setInterval(self.CHECK_MS)
        self.timer.timeout.connect(self.check_idle)
        self.timer.start()
        window.destroyed.connect(self._stop)

    def _stop(self, *_args) -> None:
        self._watch(False)

    def _watch(self, on: bool) -> None:
        app = QApplication.instance()
        if app is not None and on != self.watching:
            app.installEventFilter(self) if on else app.removeEventFilter(self)
        self.watching = on

    def eventFilter(self, obj, event) -> bool:  # noqa: N802 - Qt naming
        if event.type() in INPUT_EVENTS:
            self.last_input = time.monotonic()
            self._watch(False)
        return False

    def idle_minutes(self) -> int:
        return int(settings.get(self.window.ctx.db, IDLE_LOCK_SETTING) or 0)

    def _settings_changed(self, area: str) -> None:
        if area in ("settings", "all"):
            self.minutes = self.idle_minutes()

    def check_idle(self) -> None:
        if not self.watching:  # input since the last check (or the window just opened)
            self.last_input = time.monotonic()
            self._watch(True)
            return
        minutes = self.minutes
        # Only a window on screen is locked (a closed one keeps no session).
        if minutes > 0 and not self.locked and self.window.isVisible() \
                and time.monotonic() - self.last_input >= minutes * 60:
            self.lock("已锁定：无操作时间过长，请重新登录")

    def lock(self, title: str) -> None:
        """Hide the window until someone logs in (or 退出 closes the program)."""
        self.locked = True
        window = self.window
        current = window.ctx.actor.username
        window.hide()
        try:
            actor = ask_login(window, window.ctx.db, current, title)
        finally:
            self.locked = False
            self.last_input = time.monotonic()
        if actor is None:
            self.timer.stop()
            window.close_without_saving_state()
            return
        if actor.username == current:
            window.ctx.actor = actor
            window.show()
            return
        if window.controller is not None:
            window.controller.switch_actor(actor)
        else:
            window.ctx.actor = actor
            window.show()


def install(window) -> SessionGuard:
    """Called by the main window: the guard, the menu items and the demo mark."""
    if settings.get(window.ctx.db, "demo_database"):
        window.setWindowTitle(window.windowTitle() + " " + DEMO_TITLE)
    return SessionGuard(window)
