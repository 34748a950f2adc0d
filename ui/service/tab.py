"""The 便民服务 tab: the one-window service desk.

A counter bar (open, overdue, due soon, call-backs, rectifications, today's
duty chief, the 集中办理日, calendar warnings) above pages for intake, the
ticket ledger, statistics, the catalogue, the rota and the calendar.
"""

from __future__ import annotations

import datetime as dt

from PySide6.QtCore import Qt
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget
from shiboken6 import isValid

from models.service import tickets

from models.service import reconcile as workdays_reconcile
from models.service import workdays
from ui.service.intake import IntakeForm
from ui.common.action import run_query
from ui.common.lazy_pages import LazyTabWidget, PageSlot, guard_later, lazy_class
from ui.common.rights import needs, reads_only

COUNTER_STYLE = ("QPushButton {{ border: 1px solid {c}; border-radius: 4px; padding: 4px 10px; color: {c};"
                 " font-weight: bold; background: white; }} QPushButton:hover {{ background: #f3f6fa; }}")


def calendar_banner(db, today: dt.date) -> str:
    """One line on the provisional calendar and what to do, with a link to the
    calendar page ('' when every year in use is official and reconciled)."""
    missing = workdays.missing_years(db, today)
    waiting = len(workdays_reconcile.pending(db))
    link = '<a href="calendar">打开“工作日历”页</a>'
    if waiting:
        return (f"已收到正式工作日历：{waiting} 件办件的预估承诺办结日期待值班长或管理员核对。{link}")
    if missing:
        depending = sum(workdays.provisional_dependents(db).values())
        return (f"{workdays.provisional_label(missing)}尚无正式工作日历，承诺办结日期按法定节假日预估"
                f"（{depending} 件）：请导入县里下发的日历或粘贴国务院办公厅放假通知。{link}")
    return ""


class ServiceTab(QWidget):
    # (attribute, page class, tab title); the first page is the one the tab opens on. The others'
    # modules are imported when the page is first built (the ledger, statistics and admin pages).
    PAGES = (("intake", IntakeForm, "受理登记 F2"), ("list_page", lazy_class("ui.service.ledger:TicketListPage"), "办件台帐 F3"),
             ("stats", lazy_class("ui.service.stats:StatsPage"), "统计"),
             ("rect_page", lazy_class("ui.service.admin:RectificationPage"), "差评整改"),
             ("catalogue_page", lazy_class("ui.service.admin:CataloguePage"), "服务事项"),
             ("desk", lazy_class("ui.service.admin:DeskPage"), "值班长与集中办理日"),
             ("calendar_page", lazy_class("ui.service.admin:CalendarPage"), "工作日历"))
    # Pages whose buttons need another right than the tab's tickets.write.
    PAGE_RIGHTS = {"catalogue_page": "catalogue.write", "calendar_page": "calendar.write"}

    def __init__(self, ctx, parent=None):
        super().__init__(parent)
        self.ctx = ctx
        layout = QVBoxLayout(self)

        self.warning = QLabel()
        self.warning.setStyleSheet("background: #fff4e5; color: #8a4b00; padding: 6px; border-radius: 4px;")
        # the banner's link opens the calendar page
        self.warning.setTextFormat(Qt.RichText)
        self.warning.linkActivated.connect(lambda _href: self.pages.setCurrentWidget(self.calendar_page))
        self.warning.setVisible(False)
        layout.addWidget(self.warning)

        bar = QHBoxLayout()
        self._counts_asked = 0
        self.counters = {}
        for key, label, colour, deadline in (("open", "未办结", "#1f4e8c", ""), ("overdue", "超期", "#c62828", "overdue_open"),
                                             ("due_soon", "临期", "#b8860b", "due_soon"),
                                             ("callback", "待回访", "#2e7d32", "callback"),
                                             ("rectify", "差评整改", "#7a5bb5", None)):
            b = QPushButton()
            b.setStyleSheet(COUNTER_STYLE.format(c=colour))
            b.setCursor(Qt.PointingHandCursor)
            b.setFocusPolicy(Qt.NoFocus)
            b.setProperty("label", self.tr(label))
            b.setText(f"{self.tr(label)} …")  # the count follows from a worker (refresh_counts)
            b.clicked.connect(lambda _=False, k=key, d=deadline: self._counter_clicked(k, d))
            reads_only(b)  # a counter only opens its list
            self.counters[key] = b
            bar.addWidget(b)
        bar.addStretch(1)
        from ui.notices.menu import notice_menu_button

        self.notice_button = notice_menu_button(ctx, "service", self, self.tr("公示"))
        bar.addWidget(self.notice_button)
        self.duty = QLabel()
        self.duty.setStyleSheet("color: #333;")
        bar.addWidget(self.duty)
        layout.addLayout(bar)

        # Issue 22: only the intake form (the first page) is built when the tab opens; the other
        # pages when first shown or named (self.list_page …, see __getattr__). A page built later
        # loads fresh, so a change only reloads the pages already built.
        self.pages = LazyTabWidget()
        guard = guard_later(ctx, "便民服务")
        self._slots: dict[str, PageSlot] = {}
        for name, page_class, title in self.PAGES:
            right = self.PAGE_RIGHTS.get(name)

            def on_built(page, right=right):
                if right:
                    needs(right, page)
                guard(page)

            slot = PageSlot(lambda page_class=page_class: page_class(ctx), on_built)
            self._slots[name] = slot
            self.pages.addTab(slot, self.tr(title))
        layout.addWidget(self.pages, 1)
        QShortcut(QKeySequence(Qt.Key_F2), self, activated=self.show_intake)
        QShortcut(QKeySequence(Qt.Key_F3), self, activated=lambda: self.pages.setCurrentWidget(self.list_page))

        self.intake.saved.connect(self._ticket_saved)
        self.intake.receipt_requested.connect(self.print_receipt)
        self.pages.currentChanged.connect(self._page_changed)
        ctx.data_changed.connect(self._data_changed)
        ctx.township_filter_changed.connect(lambda _c: self.refresh_all())
        self.refresh_counts()

    def __getattr__(self, name: str):
        # A page not built yet, named by code (a counter, a shortcut, a test): build it now.
        slots = self.__dict__.get("_slots") or {}
        if name in slots:
            return slots[name].page()
        raise AttributeError(f"{type(self).__name__!s} has no attribute {name!r}")

    def built_page(self, name: str):
        """The page if it has been built, else None (it will load fresh when it is)."""
        slot = self._slots[name]
        return slot.page() if slot.built else None

    def show_intake(self) -> None:
        self.pages.setCurrentWidget(self.intake)
        self.intake.name.setFocus()

    def _counter_clicked(self, key: str, deadline) -> None:
        if key == "rectify":
            self.pages.setCurrentWidget(self.rect_page)
            return
        self.pages.setCurrentWidget(self.list_page)
        if key == "open":
            self.list_page.deadline.setCurrentIndex(0)
            self.list_page.status.setCurrentIndex(self.list_page.status.findData(tickets.OPEN_LABEL))
        else:
            self.list_page.set_deadline_filter(deadline)

    def refresh_counts(self) -> None:
        """Counters, duty chief, 集中办理日 and the calendar warning, read on a worker and shown when
        they arrive (issue 22: a county's counts and a provisional year's calendar took ~130 ms on
        the GUI thread before the tab's first paint). Tests wait with wait_for_actions."""
        township_filter = self.ctx.township_filter
        today = dt.date.today()
        self._counts_asked += 1
        asked = self._counts_asked

        def read(db, _progress):
            return (tickets.desk_counts(db, township_filter), tickets.duty_chief_on(db, today),
                    tickets.service_day(db), calendar_banner(db, today))

        def show(result) -> None:
            if not isValid(self) or asked != self._counts_asked:
                return  # the tab is gone, or a newer reading is on its way
            counts, chief, day, banner = result
            for key, b in self.counters.items():
                b.setText(f"{b.property('label')} {counts[key]:,}")
            parts = [f"今日值班长：{chief or '未排'}"]
            if day:
                marker = "（今天）" if day["weekday"] == today.weekday() else ""
                parts.append(f"集中办理日：{day['label']}{marker}")
            self.duty.setText("　".join(parts))
            self.warning.setText(banner)
            self.warning.setVisible(bool(banner))

        run_query(self, self.ctx, read, label="正在统计办件…", on_done=show, cancellable=False, modal=False,
                  show_after_ms=10000)

    def print_receipt(self, ticket_no: str) -> None:
        from models.notices import registry as notices
        from ui.notices.menu import generate_notice

        generate_notice(self.ctx, "receipt", self, notices.NoticeParams(ticket=ticket_no), ask=False)

    def _ticket_saved(self, _t: dict) -> None:
        # The counters already heard of it (run_op told every tab 'tickets'); the list shows the new ticket.
        ledger = self.built_page("list_page")
        if ledger is not None:
            ledger.apply_filter()

    def _page_changed(self, _i: int) -> None:
        w = self.pages.currentWidget()
        stats = self.built_page("stats")
        if w is stats and not stats.kpi["total"].text().strip("—"):
            stats.refresh()

    def _data_changed(self, area: str) -> None:
        built = {name: slot.page() for name, slot in self._slots.items() if slot.built}
        if area in ("tickets", "all", "settings", "roster", "catalogue", "calendar"):
            self.refresh_counts()
        if area in ("tickets", "all", "calendar") and "calendar_page" in built:
            built["calendar_page"].reload()  # provisional years and promises waiting for confirmation
        if area in ("catalogue", "all", "roster", "settings"):
            self.intake.reload()
            if "list_page" in built:
                built["list_page"].reload_choices()
        if area in ("tickets", "all") and "rect_page" in built:
            built["rect_page"].reload()
        if area == "all":
            self.refresh_all()

    def refresh_all(self) -> None:
        self.refresh_counts()
        self.intake.reload()
        ledger = self.built_page("list_page")
        if ledger is not None:
            ledger.reload_choices()
            ledger.apply_filter()
        for name in ("rect_page", "catalogue_page", "desk", "calendar_page"):
            page = self.built_page(name)
            if page is not None:
                page.reload()
