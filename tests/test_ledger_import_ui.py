"""The ledger's 导入办件 in the window runs through the action helper (issue 13):
the import runs on the worker's own connection off the GUI thread, the tabs are
told from the declared change, and the result dialog lists what happened."""

from __future__ import annotations

import datetime as dt

from models.core.users import ADMIN, Actor
from models.service import io as tickets_io
from tests.qt_helpers import wait_for_actions


def test_ledger_import_from_the_window_runs_as_an_action(qtbot, demo_db, tmp_path, monkeypatch):
    from ui.common.context import AppContext
    from ui.roster.dialogs import ImportResultDialog
    from ui.service.ledger import TicketListPage

    admin = Actor("admin", ADMIN, "管理员")
    out = tmp_path / "台帐.xlsx"
    exported = tickets_io.export_ledger(demo_db, out, dt.date(2000, 1, 1), dt.date(2100, 1, 1), actor=admin)
    assert exported > 0
    shown = []
    monkeypatch.setattr(ImportResultDialog, "exec", lambda self: shown.append(self) or 0)

    ctx = AppContext(demo_db, tmp_path / "demo.db", admin)
    changed = []
    ctx.data_changed.connect(changed.append)
    page = TicketListPage(ctx)
    qtbot.addWidget(page)
    before = demo_db.execute("SELECT count(*) FROM tickets").fetchone()[0]
    page.import_file(str(out))
    wait_for_actions(qtbot)

    assert len(shown) == 1, "the result dialog is shown once the import reports back"
    assert "tickets" in changed, "the tabs are told from the declared change"
    # The exported ledger imports back unchanged (nothing doubled).
    assert demo_db.execute("SELECT count(*) FROM tickets").fetchone()[0] == before
    page._search_timer.stop()
    page.close()
