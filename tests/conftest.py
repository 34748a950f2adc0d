"""Shared fixtures. Qt runs offscreen; models/ tests need no Qt at all."""

import os
import sys
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
# The window's remembered state (QSettings) goes to a scratch folder, not the tester's own.
os.environ["XDG_CONFIG_HOME"] = __import__("tempfile").mkdtemp(prefix="xz-test-config-")
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import pytest  # noqa: E402


@pytest.fixture
def db_path(tmp_path):
    return tmp_path / "test.db"


@pytest.fixture
def db(db_path):
    """A fresh, migrated database with a township identity and an admin."""
    from models.core import township
    from models.core import users
    from models.core.db import close_database, open_database

    database = open_database(db_path)
    admin = users.create_user(database, "admin", "secret123", users.ADMIN, "管理员")
    township.set_identity(database, admin, name="测试镇", code="330106001", county="测试县",
                          supervision_phone="0571-12345678")
    yield database
    close_database(database)


@pytest.fixture
def admin(db):
    from models.core.users import Actor, ADMIN

    return Actor("admin", ADMIN, "管理员")


@pytest.fixture
def actor_of():
    """actor_of('window') gives an Actor with that role (no account needed)."""
    from models.core.users import Actor

    return lambda role, name=None: Actor(name or role, role, name or role)


@pytest.fixture
def demo_db(tmp_path):
    """A database filled by the demo generator (small ticket count)."""
    from models.core.db import close_database, open_database
    from models.demo.township import DemoOptions, build_demo

    database = open_database(tmp_path / "demo.db")
    build_demo(database, DemoOptions(seed=7, tickets=300))
    yield database
    close_database(database)


@pytest.fixture(autouse=True)
def _fresh_window_settings():
    """Each test starts with no remembered tab, geometry or last user."""
    yield
    if "ui.app" in sys.modules:
        sys.modules["ui.app"].qsettings().clear()


@pytest.fixture
def cli_login(monkeypatch):
    """cli_login(user, password) logs the in-process command line (`cli.main`) in
    for this test through XZ_USER / XZ_PASSWORD; no arguments: the demo admin."""
    def log_in(user="admin", password="demo1234"):
        monkeypatch.setenv("XZ_USER", user)
        monkeypatch.setenv("XZ_PASSWORD", password)

    monkeypatch.delenv("XZ_USER", raising=False)
    monkeypatch.delenv("XZ_PASSWORD", raising=False)
    return log_in


# As every process of the program does at start (models/startup.py): all settings
# and notice kinds registered, whichever modules a test imports.
from models.startup import start as _program_start  # noqa: E402

_program_start()
