"""Buttons a user may not use are disabled from the start, with the reason as a tooltip, instead of
staying enabled and then refusing (models/ still refuses: this only spares the clerk the click).

A tab names the right its buttons need; a page or button can name another with the property
`needs`; a button that only reads (export, compare, navigate) carries `reads_only`.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject
from PySide6.QtWidgets import QAbstractButton, QPushButton, QWidget

from models.core.users import CAPABILITIES, CAPABILITY_LABELS

NO_RIGHT_TIP = "当前用户没有“{label}”的权限"


def reads_only(*buttons: QAbstractButton) -> None:
    for b in buttons:
        b.setProperty("reads_only", True)


def needs(capability: str, *widgets: QWidget) -> None:
    for w in widgets:
        w.setProperty("needs", capability)


class _KeepDisabled(QObject):
    """Code that enables a button on selection must not re-enable one the user has no right to."""

    def eventFilter(self, obj, event) -> bool:  # noqa: N802 - Qt naming
        if event.type() == QEvent.EnabledChange and obj.isEnabled():
            obj.setEnabled(False)
        return False


def _capability_of(button: QWidget, root: QWidget, default: str) -> str | None:
    w: QWidget | None = button
    while w is not None:
        if w.property("reads_only"):
            return None
        if w.property("needs"):
            return str(w.property("needs"))
        if w is root:
            break
        w = w.parentWidget()
    return default


def guard_buttons(root: QWidget, actor, default_capability: str) -> int:
    """Disable every button under root whose right the actor lacks. Returns how many were disabled."""
    if default_capability in CAPABILITIES and all(actor.can(c) for c in CAPABILITIES):
        # Every right (an administrator): nothing to disable, and walking up from each button
        # (Python wrappers for every widget between, ~15 ms for a tab) is spared at start-up.
        return 0
    # One keeper per root, kept on it (findChild of a Python type wraps every child to test it).
    keeper = getattr(root, "_keep_disabled", None)
    if keeper is None:
        keeper = _KeepDisabled(root)
        setattr(root, "_keep_disabled", keeper)  # noqa: B010 - a QWidget of any class
    disabled = 0
    for button in root.findChildren(QPushButton):  # check boxes and tab-bar arrows filter or navigate
        capability = _capability_of(button, root, default_capability)
        if capability is None or actor.can(capability):
            continue
        button.setEnabled(False)
        button.setToolTip(NO_RIGHT_TIP.format(label=CAPABILITY_LABELS.get(capability, capability)))
        button.installEventFilter(keeper)
        disabled += 1
    return disabled
