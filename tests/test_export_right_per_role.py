"""Issue 20: the right to export full ID numbers and phones (personal.export)
is a setting per role. The administrator gives it in 设置 → 用户 or with
`user export-right --roles`; the change is audited; by default only 管理员
holds it; a 只读 account never does, whatever is stored."""

from __future__ import annotations

import json
import re

import pytest
from openpyxl import load_workbook

from models.core import users
from models.core.errors import PermissionDenied, ValidationError
from tests.cli_helpers import run_cli

FULL_ID = re.compile(r"^\d{17}[\dX]$")
ADMIN = users.Actor("admin", users.ADMIN, "管理员")


@pytest.fixture
def accounts(demo_db):
    for name, role in (("clerk1", users.WINDOW), ("assess1", users.ASSESS), ("guest1", users.READONLY)):
        users.create_user(demo_db, name, "Qiaotou#2026", role, name, actor=users.SYSTEM_ACTOR)
    return demo_db


def _login(db, name):
    return users.login(db, name, "Qiaotou#2026")


def _roster_ids(db, actor, tmp_path, name):
    from models.roster import io as roster_io

    _n, out = roster_io.export_roster(db, actor, tmp_path / name, "xlsx")
    rows = list(load_workbook(out).active.iter_rows(values_only=True))
    at = list(rows[0]).index("身份证号")
    return [str(r[at]) for r in rows[1:] if r[at]]


def test_default_is_admin_only(accounts):
    assert users.roles_with(accounts, "personal.export") == {users.ADMIN}
    assert not _login(accounts, "clerk1").can("personal.export")
    assert users.login(accounts, "admin", "demo1234").can("personal.export")


def test_a_role_given_the_right_exports_unmasked_one_without_masked(accounts, tmp_path):
    users.set_roles_with(accounts, "personal.export", [users.ADMIN, users.WINDOW], ADMIN)
    clerk, assessor = _login(accounts, "clerk1"), _login(accounts, "assess1")
    clerk_ids = _roster_ids(accounts, clerk, tmp_path, "窗口")
    assess_ids = _roster_ids(accounts, assessor, tmp_path, "考核办")
    assert clerk_ids and all(FULL_ID.match(v) for v in clerk_ids)
    assert assess_ids and not [v for v in assess_ids if FULL_ID.match(v)]
    # The ledger's full-ID export follows the same setting.
    from models.service import io as tickets_io

    tickets_io.export_ledger(accounts, tmp_path / "台帐.xlsx", "2000-01-01", "2100-12-31", mask_ids=False, actor=clerk)
    with pytest.raises(PermissionDenied):
        tickets_io.export_ledger(accounts, tmp_path / "x.xlsx", "2000-01-01", "2100-12-31", mask_ids=False,
                                 actor=assessor)


def test_taking_the_right_away_applies_at_the_next_action_giving_it_at_the_next_login(accounts):
    users.set_roles_with(accounts, "personal.export", [users.ADMIN, users.WINDOW], ADMIN)
    clerk = _login(accounts, "clerk1")
    assert users.current_actor(accounts, clerk).can("personal.export")
    users.set_roles_with(accounts, "personal.export", [users.ADMIN], ADMIN)
    assert not users.current_actor(accounts, clerk).can("personal.export")
    assessor = _login(accounts, "assess1")
    users.set_roles_with(accounts, "personal.export", [users.ADMIN, users.ASSESS], ADMIN)
    assert not users.current_actor(accounts, assessor).can("personal.export"), "new rights wait for the next login"
    assert _login(accounts, "assess1").can("personal.export")


def test_readonly_never(accounts, tmp_path):
    with pytest.raises(ValidationError, match="只读"):
        users.set_roles_with(accounts, "personal.export", [users.ADMIN, users.READONLY], ADMIN)
    # Even a settings row written behind the program's back does not give it.
    accounts.execute("INSERT INTO settings(key, value) VALUES ('rights.personal.export', ?)",
                     [json.dumps(["admin", "readonly"])])
    guest = _login(accounts, "guest1")
    assert not guest.can("personal.export")
    ids = _roster_ids(accounts, guest, tmp_path, "访客")
    assert ids and not [v for v in ids if FULL_ID.match(v)]


def test_only_an_administrator_changes_it_and_it_is_audited(accounts):
    clerk = _login(accounts, "clerk1")
    with pytest.raises(PermissionDenied):
        users.set_roles_with(accounts, "personal.export", [users.WINDOW], clerk)
    with pytest.raises(ValidationError, match="未知的角色"):
        users.set_roles_with(accounts, "personal.export", ["boss"], ADMIN)
    users.set_roles_with(accounts, "personal.export", [users.WINDOW, users.ADMIN], ADMIN)
    actor, before, after = accounts.execute(
        "SELECT actor, before, after FROM audit_log WHERE action = 'rights' ORDER BY id DESC LIMIT 1").fetchone()
    assert actor == "admin"
    assert json.loads(before) == {"roles": ["admin"]} and json.loads(after) == {"roles": ["admin", "window"]}


def test_the_command_line_shows_and_sets_it(demo_db):
    from models.core.db import close_database

    demo_file = str(demo_db.path)
    close_database(demo_db)
    shown = run_cli("user", "export-right", "--db", demo_file)
    assert shown.returncode == 0 and "管理员" in shown.stdout and "窗口" not in shown.stdout
    changed = run_cli("user", "export-right", "--roles", "admin,window", "--db", demo_file)
    assert changed.returncode == 0, changed.stderr
    assert "管理员、窗口工作人员" in changed.stdout
    refused = run_cli("user", "export-right", "--roles", "readonly", "--db", demo_file)
    assert refused.returncode != 0 and "只读" in (refused.stdout + refused.stderr)


def test_the_settings_page_sets_it(qtbot, accounts, monkeypatch):
    from ui.common.context import AppContext
    from ui.core.settings_dialog import SettingsDialog

    dialog = SettingsDialog(AppContext(accounts, accounts.path, users.login(accounts, "admin", "demo1234")), page=3)
    qtbot.addWidget(dialog)
    from PySide6.QtWidgets import QCheckBox, QMessageBox, QPushButton

    assert not dialog.findChild(QCheckBox, "export_right_readonly").isEnabled()
    assert dialog.findChild(QCheckBox, "export_right_admin").isChecked()
    dialog.findChild(QCheckBox, "export_right_assess").setChecked(True)
    shown = []
    monkeypatch.setattr(QMessageBox, "information", lambda *a, **k: shown.append(a[2]))
    dialog.findChild(QPushButton, "save_export_right").click()
    qtbot.waitUntil(lambda: bool(shown), timeout=10000)
    assert users.roles_with(accounts, "personal.export") == {users.ADMIN, users.ASSESS}
