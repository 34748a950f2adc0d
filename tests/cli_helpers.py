"""Calling the command line from tests. Every command that opens a database
logs in (issue 20): pass the account through XZ_USER / XZ_PASSWORD.

    from tests.cli_helpers import DEMO_LOGIN, run_cli, login_env
    run_cli("backup", "--db", path)                      # subprocess, as the demo admin
    run_cli("check", "--db", path, login=None)           # no login at all
    subprocess.run([...], env=login_env(*FIXTURE_LOGIN))  # your own subprocess

In-process (`from cli import main`), use the `cli_login` fixture of conftest.py:
    def test_x(cli_login): cli_login()  # demo admin; cli_login("admin", "secret123") for the `db` fixture
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEMO_LOGIN = ("admin", "demo1234")      # the demo township's administrator (models/demo/township.py)
FIXTURE_LOGIN = ("admin", "secret123")  # the administrator of conftest's `db` fixture
USER_ENV, PASSWORD_ENV = "XZ_USER", "XZ_PASSWORD"


def login_env(user: str = DEMO_LOGIN[0], password: str = DEMO_LOGIN[1], base: dict | None = None) -> dict:
    """A copy of the environment (or `base`) that logs the command line in as `user`."""
    env = dict(os.environ if base is None else base)
    env[USER_ENV], env[PASSWORD_ENV] = user, password
    return env


def no_login_env(base: dict | None = None) -> dict:
    """A copy of the environment with no command-line login at all."""
    env = dict(os.environ if base is None else base)
    env.pop(USER_ENV, None)
    env.pop(PASSWORD_ENV, None)
    return env


def run_cli(*args, login: tuple[str, str] | None = DEMO_LOGIN, timeout: float = 300, **kwargs):
    """`python main.py ARGS` in a subprocess, logged in as `login` (None: not logged in)."""
    env = login_env(*login, base=kwargs.pop("env", None)) if login else no_login_env(kwargs.pop("env", None))
    return subprocess.run([sys.executable, str(ROOT / "main.py"), *map(str, args)], capture_output=True, text=True,
                          timeout=timeout, env=env, stdin=subprocess.DEVNULL, **kwargs)
