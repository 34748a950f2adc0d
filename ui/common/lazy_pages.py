"""Sub-pages of a tab built the first time they are shown (issue 22: start-up
pays for the page the user sees first, not for every page of the tab)."""

from __future__ import annotations

import importlib
from collections.abc import Callable

from PySide6.QtWidgets import QTabWidget, QVBoxLayout, QWidget

from ui.common.rights import guard_buttons


class PageSlot(QWidget):
    """Holds a page's place in a QTabWidget; `page()` builds it on first use."""

    def __init__(self, make: Callable[[], QWidget], on_built: Callable[[QWidget], None] | None = None, parent=None):
        super().__init__(parent)
        self._make, self._on_built = make, on_built
        self._page: QWidget | None = None
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)

    @property
    def built(self) -> bool:
        return self._page is not None

    def page(self) -> QWidget:
        if self._page is None:
            self._page = self._make()
            self.layout().addWidget(self._page)
            if self._on_built is not None:
                self._on_built(self._page)
        return self._page


class LazyTabWidget(QTabWidget):
    """A QTabWidget whose pages may be PageSlots: code (and tests) name the real
    pages — setCurrentWidget(page), currentWidget() is page, widget(i), indexOf(page) —
    and a slot's page is built when it is first shown."""

    def __init__(self, parent=None):
        super().__init__(parent)
        self.currentChanged.connect(lambda i: page_of(super(LazyTabWidget, self).widget(i)))

    def _slot_index(self, page) -> int:
        for i in range(self.count()):
            w = super().widget(i)
            if w is page or (isinstance(w, PageSlot) and w.built and w.page() is page):
                return i
        return -1

    def indexOf(self, page) -> int:  # noqa: N802 - Qt naming
        return self._slot_index(page)

    def setCurrentWidget(self, page) -> None:  # noqa: N802 - Qt naming
        i = self._slot_index(page)
        if i >= 0:
            self.setCurrentIndex(i)

    def currentWidget(self):  # noqa: N802 - Qt naming
        return page_of(super().currentWidget())

    def widget(self, index: int):
        return page_of(super().widget(index))


def lazy_class(where: str) -> Callable[..., QWidget]:
    """The page class named "module:Class", imported when the page is first built: a tab's module
    does not import the modules of its other pages (issue 22: the first paint pays for the
    first page only)."""
    module, _, name = where.partition(":")

    def make(*args, **kwargs) -> QWidget:
        return getattr(importlib.import_module(module), name)(*args, **kwargs)
    return make


def page_of(widget: QWidget | None) -> QWidget | None:
    """The real page behind a tab widget's page (built if needed)."""
    return widget.page() if isinstance(widget, PageSlot) else widget


def guard_later(ctx, tab_title: str) -> Callable[[QWidget], None]:
    """What a page built after its tab does: disable the buttons the user has no right to
    (the tab's own guard ran before the page existed)."""
    def guard(page: QWidget) -> None:
        from ui.main_window import TAB_RIGHTS

        guard_buttons(page, ctx.actor, TAB_RIGHTS[tab_title])
    return guard
