"""What every tab and dialog is given: the open database, the operator, and a
signal bus so one tab's change refreshes the others."""

from __future__ import annotations

from PySide6.QtCore import QObject, Signal

from models.core import settings


class AppContext(QObject):
    """Shared state of the main window.

    data_changed(area) is emitted after an action changed stored data; `area`
    is a short name ('roster', 'tickets', 'assess', 'settings', 'all') so a tab
    can decide whether to reload.
    township_filter_changed(code) is emitted when the county-mode township
    filter changes ('' means all townships).
    """

    data_changed = Signal(str)
    township_filter_changed = Signal(str)

    def __init__(self, db, db_path, actor, parent=None):
        super().__init__(parent)
        self.db = db
        self.db_path = db_path
        self.actor = actor
        self._township_filter = ""

    @property
    def actor(self):
        """The logged-in user as the accounts table says now, so a role change
        or a disabled account takes effect at the next action (issue 20)."""
        from models.core.users import current_actor

        return current_actor(self.db, self._actor)

    @actor.setter
    def actor(self, value) -> None:
        self._actor = value

    @property
    def county_mode(self) -> bool:
        return settings.get(self.db, "database_mode") == "county"

    @property
    def township_filter(self) -> str:
        """'' for all townships, else the township code to show."""
        return self._township_filter

    def set_township_filter(self, code: str) -> None:
        if code != self._township_filter:
            self._township_filter = code
            self.township_filter_changed.emit(code)

    def open_worker_db(self, readonly: bool = False):
        """A separate connection for a background task (never share one
        connection across threads while the GUI may use it); read-only when
        asked, or when the window opened the file read-only. Only
        ui/common/action.run_op and run_query open one (tests/test_architecture.py)."""
        from ui.common.action import open_worker_connection

        # The window's own connection already checked the file at start-up. A window opened
        # read-only (只读打开, a read-only disk) reads read-only in its tasks too.
        return open_worker_connection(self.db, readonly, self.db_path)

    def notify(self, area: str) -> None:
        self.data_changed.emit(area)
