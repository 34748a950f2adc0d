"""Rights are enforced in models/, not only by hidden buttons; logins are
throttled; an edited audit log is caught by `main.py check`.

The sweep finds every public function in models/ that takes an `actor` and
calls it as a user whose role lacks the right: it must raise PermissionDenied
and write nothing (the connection's total_changes does not move).
"""

from __future__ import annotations

import datetime as dt
import importlib
import inspect
import pkgutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

import models
from models.core import township
from models.core import users
from models.core.errors import LoginError, PermissionDenied
from models.core.users import Actor

ROOT = Path(__file__).resolve().parent.parent

# Building blocks that the actions call after their own require(); they take
# the actor only to stamp and audit the change.
# Building blocks called inside an action that already checked the right
# (audit.record_many: the audit rows of a bulk import, after require()).
PRIMITIVES = {"models.core.records.insert", "models.core.records.update", "models.core.records.delete", "models.core.audit.record",
              "models.core.audit.record_many", "models.core.audit.record_stored_rows", "models.core.users.require",
              # a question (may this user confirm?), not an action: it answers False for 只读
              "models.service.reconcile.may_confirm"}
# Exports are reads every role may do (issue 20): they mask ID numbers and
# phones unless the actor holds personal.export and write only their own
# audit row (tests/test_export_rights.py proves both for a 只读 user).
EXPORTS = {"models.core.exports.full_numbers_allowed", "models.core.exports.audit_export",
           "models.core.exports.export_table_xlsx", "models.roster.io.export_roster",
           "models.service.io.export_ledger", "models.assess.rewards.export_xlsx",
           "models.assess.rewards.export_county_xlsx", "models.assess.score_sheet.export_score_sheet"}

# The right each module's write functions need (see models/core/users.CAPABILITIES).
MODULE_CAPABILITY = {
    "models.core.township": "settings.write",
    "models.core.settings": "settings.write",
    "models.roster.team": "roster.write",
    "models.roster.io": "roster.write",
    "models.service.tickets": "tickets.write",
    "models.service.io": "tickets.write",
    "models.service.catalogue": "catalogue.write",
    "models.service.workdays": "calendar.write",
    "models.assess.scorecard": "assess.write",
    "models.assess.rewards": "assess.write",
    "models.assess.score_sheet": "assess.write",
    "models.election.term": "election.write",
    "models.core.users": "users.manage",
    "models.handoff.export": "handoff.export",
    "models.handoff.merge": "handoff.import",
    "models.notices.registry": "notice.publish",
}


def _public_actions() -> list[tuple[str, object]]:
    found = []
    for info in pkgutil.walk_packages(models.__path__, "models."):
        if info.name.startswith("models.demo") or info.name.endswith((".schema", ".migrations")):
            continue
        module = importlib.import_module(info.name)
        for name, fn in inspect.getmembers(module, inspect.isfunction):
            qual = f"{module.__name__}.{name}"
            if fn.__module__ != module.__name__ or name.startswith("_") or qual in PRIMITIVES | EXPORTS:
                continue
            if "actor" in inspect.signature(fn).parameters:
                found.append((qual, fn))
    return found


ACTIONS = _public_actions()


def _dummy(param):
    kind = str(param.annotation)
    if "int" in kind and "str" not in kind:
        return 1
    if "float" in kind:
        return 1.0
    if "bool" in kind:
        return True
    if "list" in kind:
        return []
    if "dict" in kind:
        return {}
    if param.name in ("paths",):
        return ["名单.xlsx"]
    return "x"


def _call(fn, db, actor):
    """Call with the actor and placeholder arguments (rights are checked first)."""
    args, kwargs = [], {}
    for p in inspect.signature(fn).parameters.values():
        if p.kind in (p.VAR_POSITIONAL, p.VAR_KEYWORD):
            continue
        if p.name == "db":
            value = db
        elif p.name == "actor":
            value = actor
        elif p.default is not p.empty:
            continue
        else:
            value = _dummy(p)
        if p.kind == p.KEYWORD_ONLY or p.name == "actor" and p.default is not p.empty:
            kwargs[p.name] = value
        else:
            args.append(value)
    return fn(*args, **kwargs)


def _refused(fn, db, actor) -> tuple[bool, str]:
    """(refused for lack of rights, what happened); asserts nothing was written."""
    before = db.conn.total_changes
    try:
        result = _call(fn, db, actor)
    except PermissionDenied as e:
        outcome = (True, e.message)
    except Exception as e:  # noqa: BLE001 - reported below
        outcome = (False, f"{type(e).__name__}: {e}")
    else:
        errors = getattr(result, "errors", None)
        text = str(errors)
        outcome = ("无权" in text, f"returned {result!r}"[:200])
    assert db.conn.total_changes == before, f"{fn.__module__}.{fn.__name__} wrote as {actor.role}"
    return outcome


@pytest.fixture(scope="module")
def shared_db(tmp_path_factory):
    """One database for the whole sweep: the sweep itself proves nothing is written."""
    from models.core.db import close_database, open_database

    database = open_database(tmp_path_factory.mktemp("access") / "access.db")
    admin = users.create_user(database, "admin", "secret123", users.ADMIN, "管理员")
    township.set_identity(database, admin, name="测试镇", code="330106001")
    yield database
    close_database(database)


def test_the_sweep_finds_the_write_functions():
    names = {q for q, _ in ACTIONS}
    print(f"\n{len(names)} public functions taking an actor")
    for expected in ("models.core.township.add_village", "models.core.users.create_user", "models.service.tickets.create_ticket"):
        assert expected in names
    assert len(names) >= 30


@pytest.mark.parametrize("qual,fn", ACTIONS, ids=[q for q, _ in ACTIONS])
def test_readonly_user_cannot_write(shared_db, qual, fn):
    refused, what = _refused(fn, shared_db, Actor("guest", users.READONLY, "只读用户"))
    assert refused, f"{qual} did not refuse a 只读 user: {what}"


def _matrix():
    cases = []
    for qual, fn in ACTIONS:
        capability = MODULE_CAPABILITY.get(fn.__module__)
        if capability is None:
            continue
        for role in (users.WINDOW, users.ASSESS):
            if role not in users.CAPABILITIES[capability]:
                cases.append(pytest.param(qual, fn, role, id=f"{qual}-{role}"))
    return cases


@pytest.mark.parametrize("qual,fn,role", _matrix())
def test_roles_without_the_right_are_refused(shared_db, qual, fn, role):
    refused, what = _refused(fn, shared_db, Actor(f"u_{role}", role, users.ROLE_LABELS[role]))
    assert refused, f"{qual} did not refuse {users.ROLE_LABELS[role]}: {what}"


SCORE_ACTIONS = [("scorecard", "set_score"), ("scorecard", "set_scores"), ("scorecard", "set_ballot"),
                 ("scorecard", "set_ballots"), ("results", "resolve_appeal"), ("scorecard", "pull_derived_scores"),
                 ("scorecard", "replace_tree"), ("scorecard", "update_item"), ("scorecard", "create_plan")]


@pytest.mark.parametrize("module,name", SCORE_ACTIONS)
def test_window_clerk_cannot_change_scores(shared_db, module, name):
    from models.assess import results, scorecard

    fn = getattr({"scorecard": scorecard, "results": results}[module], name)
    refused, what = _refused(fn, shared_db, Actor("window", users.WINDOW, "窗口 王丽"))
    assert refused, what
    # The 考核办 role gets past the rights check (to a validation message, if any).
    refused_assess, what = _refused(fn, shared_db, Actor("kaohe", users.ASSESS, "考核办"))
    assert not refused_assess, what


def test_readonly_user_cannot_change_a_setting(db):
    from models.core import settings

    before = db.conn.total_changes
    with pytest.raises(PermissionDenied):
        settings.set_value(db, "backup_keep", 1, Actor("guest", users.READONLY, "只读用户"))
    assert db.conn.total_changes == before


def test_write_as_readonly_on_a_demo_database_changes_no_row(demo_db):
    """With real keys too: every roster/ticket/village row stays as it was."""
    from models.core import records

    guest = Actor("guest", users.READONLY, "只读用户")
    village = township.villages(demo_db)[0]
    cadre = records.rows(demo_db, "SELECT uuid FROM cadres WHERE deleted = 0 LIMIT 1")[0]["uuid"]
    ticket = records.rows(demo_db, "SELECT uuid FROM tickets LIMIT 1")[0]["uuid"]
    before = demo_db.conn.total_changes
    attempts = [
        lambda: township.update_village(demo_db, guest, village["uuid"], "改名村", 1),
        lambda: township.delete_village(demo_db, guest, village["uuid"]),
        lambda: importlib.import_module("models.roster.team").delete_cadre(demo_db, guest, cadre),
        lambda: importlib.import_module("models.roster.team").update_cadre(demo_db, guest, cadre, {"name": "改名"}),
        lambda: importlib.import_module("models.service.tickets").finish(demo_db, guest, ticket, "办结"),
        lambda: users.set_role(demo_db, "admin", users.READONLY, True, guest),
        lambda: users.set_password(demo_db, "admin", "hacked123", guest),
        lambda: users.create_user(demo_db, "mole", "secret123", users.ADMIN, actor=guest),
    ]
    for attempt in attempts:
        with pytest.raises(PermissionDenied):
            attempt()
    assert demo_db.conn.total_changes == before


# ---- login throttling ---------------------------------------------------------------

def test_login_is_throttled_after_repeated_failures(db):
    users.create_user(db, "clerk", "right-pass", users.WINDOW, actor=Actor("admin", users.ADMIN))
    now = dt.datetime(2026, 3, 2, 9, 0, 0)
    for i in range(users.MAX_FAILURES - 1):
        with pytest.raises(LoginError, match="用户名或密码错误"):
            users.login(db, "clerk", f"wrong{i}", now=now)
    with pytest.raises(LoginError, match="锁定"):
        users.login(db, "clerk", "wrong-last", now=now)
    # Locked: even the right password is refused until the lock runs out, with
    # the one message every failure gives (a lock does not reveal the account).
    with pytest.raises(LoginError, match="用户名或密码错误"):
        users.login(db, "clerk", "right-pass", now=now + dt.timedelta(seconds=users.LOCK_SECONDS - 1))
    actor = users.login(db, "clerk", "right-pass", now=now + dt.timedelta(seconds=users.LOCK_SECONDS + 1))
    assert actor.role == users.WINDOW
    failed = db.execute("SELECT count(*) FROM audit_log WHERE action='login-failed' AND row_key='clerk'").fetchone()[0]
    assert failed == users.MAX_FAILURES + 1, "each failed try is audited, the one while locked too"


def test_unknown_user_and_wrong_password_look_the_same(db):
    with pytest.raises(LoginError) as unknown:
        users.login(db, "nobody", "whatever")
    with pytest.raises(LoginError) as wrong:
        users.login(db, "admin", "whatever")
    assert unknown.value.message == wrong.value.message


def test_passwords_are_not_stored_in_clear(db):
    stored = db.execute("SELECT pw_hash FROM users WHERE username='admin'").fetchone()[0]
    assert "secret123" not in stored and stored.startswith("scrypt$")
    audit_text = " ".join(str(r) for r in db.execute("SELECT before, after FROM audit_log"))
    assert "secret123" not in audit_text


# ---- the audit chain ---------------------------------------------------------------

def _check(path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, str(ROOT / "main.py"), "check", "--db", str(path)], capture_output=True,
                          text=True, encoding="utf-8", cwd=str(ROOT), timeout=120)


@pytest.fixture(scope="module")
def audited_template(tmp_path_factory):
    from models.core.db import close_database, open_database

    path = tmp_path_factory.mktemp("audited") / "audited.db"
    db = open_database(path)
    admin = users.create_user(db, "admin", "secret123", users.ADMIN, "管理员")
    township.set_identity(db, admin, name="测试镇", code="330106001")
    for i in range(5):
        township.add_village(db, admin, f"村{i}", i)
    close_database(db)
    return path


@pytest.fixture
def audited_file(audited_template, tmp_path):
    """A fresh copy of a small database with an intact audit chain."""
    import shutil

    path = tmp_path / "audited.db"
    shutil.copy2(audited_template, path)
    return path


def _tamper(path, sql):
    conn = sqlite3.connect(str(path))
    conn.execute(sql)
    conn.commit()
    conn.close()


def test_intact_audit_log_passes_check(audited_file):
    result = _check(audited_file)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "审计日志：完整" in result.stdout


@pytest.mark.parametrize("sql", [
    "UPDATE audit_log SET after = replace(after, '村2', '村X') WHERE after LIKE '%村2%'",
    "UPDATE audit_log SET actor = 'someone' WHERE id = 3",
    "UPDATE audit_log SET at = '2020-01-01T00:00:00' WHERE id = 4",
    "DELETE FROM audit_log WHERE id = 5",
    "INSERT INTO audit_log (id, at, actor, action, table_name, row_key, before, after, prev_hash, hash) "
    "SELECT id + 1000, at, actor, action, table_name, row_key, before, after, hash, hash FROM audit_log "
    "ORDER BY id DESC LIMIT 1",
], ids=["edit-content", "edit-actor", "edit-time", "delete-middle", "append-forged"])
def test_tampered_audit_log_fails_check(audited_file, sql):
    _tamper(audited_file, sql)
    result = _check(audited_file)
    assert result.returncode == 1
    assert "审计日志：被篡改" in result.stdout


def test_deleting_the_newest_audit_rows_fails_check(audited_file):
    _tamper(audited_file, "DELETE FROM audit_log WHERE id > (SELECT max(id) - 2 FROM audit_log)")
    assert _check(audited_file).returncode == 1
