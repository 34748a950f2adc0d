"""Issue 20: window exports are a right and are audited. A read-only account
exporting the roster or the ledger from the window gets masked ID numbers and
phones, and each export leaves an audit row (who, what, rows, file)."""

from __future__ import annotations

import json
import re

import pytest
from openpyxl import load_workbook
from PySide6.QtWidgets import QFileDialog, QMessageBox

from models.core import users
from models.core.users import Actor

FULL_ID = re.compile(r"^\d{17}[\dX]$")
FULL_MOBILE = re.compile(r"^1\d{10}$")


def _ctx(db, actor):
    from ui.common.context import AppContext

    return AppContext(db, db.path, actor)


def _cells(path, header_row):
    rows = list(load_workbook(path).active.iter_rows(values_only=True))
    headers = list(rows[header_row])
    return headers, rows[header_row + 1:]


def _export_audits(db, table):
    return [json.loads(r[1]) | {"who": r[0]} for r in db.execute(
        "SELECT actor, after FROM audit_log WHERE action = 'export' AND table_name = ? ORDER BY id", [table])]


@pytest.fixture
def guest(demo_db):
    users.create_user(demo_db, "guest1", "Qiaotou#2026", users.READONLY, "访客", actor=users.SYSTEM_ACTOR)
    return Actor("guest1", users.READONLY, "访客")


def _wait_file(qtbot, path):
    qtbot.waitUntil(lambda: path.exists() and path.stat().st_size > 0, timeout=20000)


def test_guest_roster_export_in_the_window_is_masked_and_audited(qtbot, demo_db, guest, tmp_path, monkeypatch):
    from ui.roster.tab import CadreListPage

    target = tmp_path / "名册.xlsx"
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a, **k: (str(target), "Excel 表格 (*.xlsx)"))
    shown = []
    monkeypatch.setattr(QMessageBox, "information", lambda *a, **k: shown.append(a[2]))
    page = CadreListPage(_ctx(demo_db, guest))
    qtbot.addWidget(page)
    page.export()
    qtbot.waitUntil(lambda: bool(shown), timeout=20000)
    headers, rows = _cells(target, 0)
    ids = [r[headers.index("身份证号")] for r in rows if r[headers.index("身份证号")]]
    phones = [r[headers.index(h)] for r in rows for h in headers if h and "手机" in h and r[headers.index(h)]]
    assert rows and ids, "the demo roster has ID numbers"
    assert not [v for v in ids if FULL_ID.match(str(v))], "a guest never gets a full ID number"
    assert all("*" in str(v) for v in ids + phones)
    assert "已遮挡" in shown[0]
    audit = _export_audits(demo_db, "cadres")
    assert audit[-1]["who"] == "guest1" and audit[-1]["file"] == "名册.xlsx"
    assert audit[-1]["rows"] == len(rows) and audit[-1]["full_ids"] is False


def test_admin_roster_export_keeps_full_numbers_and_is_audited(demo_db, tmp_path):
    from models.roster import io as roster_io

    n, out = roster_io.export_roster(demo_db, Actor("admin", users.ADMIN, "管理员"), tmp_path / "全", "xlsx")
    headers, rows = _cells(out, 0)
    assert out.name == "全.xlsx" and n == len(rows)
    assert any(FULL_ID.match(str(r[headers.index("身份证号")] or "")) for r in rows)
    assert _export_audits(demo_db, "cadres")[-1] | {"who": "admin"} == _export_audits(demo_db, "cadres")[-1]
    assert _export_audits(demo_db, "cadres")[-1]["full_ids"] is True


def test_guest_ledger_export_in_the_window_is_masked_and_audited(qtbot, demo_db, guest, tmp_path, monkeypatch):
    from ui.service.ledger import TicketListPage

    target = tmp_path / "台帐.xlsx"
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a, **k: (str(target), "Excel (*.xlsx)"))
    shown = []
    monkeypatch.setattr(QMessageBox, "information", lambda *a, **k: shown.append(a[2]))
    page = TicketListPage(_ctx(demo_db, guest))
    qtbot.addWidget(page)
    page.use_dates.setChecked(False)
    from PySide6.QtCore import QDate

    page.use_dates.setChecked(True)
    page.date_from.setDate(QDate(2000, 1, 1))
    page.date_to.setDate(QDate.currentDate())
    page.export_ledger()
    qtbot.waitUntil(lambda: bool(shown), timeout=30000)
    rows = list(load_workbook(target).active.iter_rows(values_only=True))
    header_at = next(k for k, r in enumerate(rows) if "联系电话" in r)
    headers, body = list(rows[header_at]), rows[header_at + 1:]
    phones = [r[headers.index("联系电话")] for r in body if r[headers.index("联系电话")]]
    ids = [r[headers.index("身份证号")] for r in body if r[headers.index("身份证号")]]
    assert len(phones) > 100, "the demo ledger has citizens' phones"
    assert not [p for p in phones if FULL_MOBILE.match(str(p))], "a guest never gets a citizen's full mobile"
    assert not [v for v in ids if FULL_ID.match(str(v))]
    audit = _export_audits(demo_db, "tickets")
    assert audit[-1]["who"] == "guest1" and audit[-1]["file"] == "台帐.xlsx"
    assert audit[-1]["rows"] == len(body) and audit[-1]["full_phones"] is False


def test_generic_table_export_masks_and_audits(qtbot, demo_db, guest, tmp_path):
    from PySide6.QtWidgets import QTableWidget, QTableWidgetItem

    from ui.common.tables import OfficeTable

    table = QTableWidget(2, 2)
    table.setHorizontalHeaderLabels(["姓名", "电话"])
    for r, (name, phone) in enumerate([("王芳", "13812345678"), ("李强", "330106199001011234")]):
        table.setItem(r, 0, QTableWidgetItem(name))
        table.setItem(r, 1, QTableWidgetItem(phone))
    table.ctx = _ctx(demo_db, guest)  # the window's context, as the main window carries it
    qtbot.addWidget(table)
    path = OfficeTable(table).export_xlsx(str(tmp_path / "表"))
    from tests.qt_helpers import wait_for_actions

    wait_for_actions(qtbot)  # written, with its audit row, by run_op on a worker connection
    values = [c for row in load_workbook(path).active.iter_rows(values_only=True) for c in row]
    assert "13812345678" not in values and "330106199001011234" not in values
    assert "王芳" in values
    audit = _export_audits(demo_db, "table_view")
    assert audit[-1]["who"] == "guest1" and audit[-1]["rows"] == 2 and audit[-1]["file"] == "表.xlsx"


def test_a_masked_ledger_reimports_as_unchanged(demo_db, guest, tmp_path):
    from models.service import io as tickets_io

    out = tmp_path / "窗口台帐.xlsx"
    n = tickets_io.export_ledger(demo_db, out, "2000-01-01", "2100-12-31", actor=guest)
    result = tickets_io.import_tickets(demo_db, Actor("admin", users.ADMIN, "管理员"), out)
    assert (result["imported"], result["unchanged"], result["errors"]) == (0, n, [])


def test_rewards_exports_are_audited(demo_db, guest, tmp_path):
    from models.assess import rewards

    plan = demo_db.execute("SELECT uuid, year FROM assess_plans WHERE deleted = 0 ORDER BY year DESC LIMIT 1").fetchone()
    rewards.export_xlsx(demo_db, plan[0], tmp_path / "奖金.xlsx", actor=guest)
    rewards.export_county_xlsx(demo_db, plan[1], tmp_path / "权衡.xlsx", actor=guest)
    audit = _export_audits(demo_db, "assess_plans")
    assert [(a["who"], a["file"]) for a in audit[-2:]] == [("guest1", "奖金.xlsx"), ("guest1", "权衡.xlsx")]
