"""Shared helpers of the roster tests: a demo township with the demo roster."""

import random

from models.demo import township as demo

from models.demo import roster as demo_roster

from models.core import township


def fill_roster(db, actor, seed=3):
    """Villages, offices and the demo roster in `db` (as in `main.py demo`)."""
    rng = random.Random(seed)
    for name in demo.VILLAGE_NAMES:
        township.add_village(db, actor, name, rng.randint(80, 520))
    for name, kind, est in demo.OFFICES:
        township.add_office(db, actor, name, kind, establishment=est)
    demo_roster.fill(db, rng, actor, demo.DemoOptions())


def roster_db_template(tmp_path_factory):
    """Build the demo roster once per session into a file; tests copy it."""
    from models.core import users
    from models.core.db import close_database, open_database

    path = tmp_path_factory.mktemp("roster_template") / "template.db"
    db = open_database(path)
    admin = users.create_user(db, "admin", "secret123", users.ADMIN, "管理员")
    township.set_identity(db, admin, name="测试镇", code="330106001", county="测试县")
    fill_roster(db, admin)
    close_database(db)
    return path
