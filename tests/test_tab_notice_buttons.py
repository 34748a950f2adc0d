"""Each tab offers its notices; the ledger prints the selected ticket's receipt."""

import io

from pypdf import PdfReader

from models.core.users import ADMIN, READONLY, Actor


def _ctx(db, role=ADMIN):
    from ui.common.context import AppContext

    return AppContext(db, db.path, Actor("admin" if role == ADMIN else "guest", role, "测试"))


def test_roster_and_service_tabs_offer_their_notices(qtbot, demo_db):
    from ui.roster.tab import RosterTab
    from ui.service.tab import ServiceTab

    roster_tab = RosterTab(_ctx(demo_db))
    service_tab = ServiceTab(_ctx(demo_db))
    qtbot.addWidget(roster_tab)
    qtbot.addWidget(service_tab)
    roster_labels = [a.text() for a in roster_tab.notice_button.menu().actions()]
    service_labels = [a.text() for a in service_tab.notice_button.menu().actions()]
    assert any("分工公示" in t for t in roster_labels) and any("流向" in t for t in roster_labels)
    assert any("受理回执" in t for t in service_labels) and any("办件结果" in t for t in service_labels)
    readonly = ServiceTab(_ctx(demo_db, READONLY))
    qtbot.addWidget(readonly)
    assert not readonly.notice_button.isEnabled()


def test_receipt_of_selected_ticket(qtbot, demo_db, monkeypatch):
    import ui.notices.menu as notices_menu
    from ui.service.tab import ServiceTab

    tab = ServiceTab(_ctx(demo_db))
    qtbot.addWidget(tab)
    page = tab.list_page
    page.apply_filter()
    qtbot.waitUntil(lambda: page.model.rowCount() > 0, timeout=10000)
    page.table.selectRow(0)
    ticket_no = page.model.row_at(0)["ticket_no"]

    results = []
    real_generate = notices_menu.generate_notice

    def generate_and_keep(ctx, kind, parent, params=None, ask=True, on_done=None):
        real_generate(ctx, kind, parent, params, ask=ask, on_done=results.append)

    monkeypatch.setattr(notices_menu, "generate_notice", generate_and_keep)
    page.receipt_button.click()
    qtbot.waitUntil(lambda: bool(results), timeout=20000)
    text = PdfReader(io.BytesIO(results[0].pdf)).pages[0].extract_text()
    assert "受理回执" in text.replace(" ", "") and ticket_no in text
