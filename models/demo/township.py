"""The demo township: believable data for trying the program and for benchmarks.

The core fills the township, its villages, offices and users; each domain adds
its own data through `models/demo/<domain>.py`, whose `fill(db, rng, actor,
options)` is called in the order of DEMO_STEPS.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

from models.core import settings, township
from models.core.errors import AppError

from models.core import users
from models.core.users import CLI_ACTOR
from models.demo import assess as demo_assess
from models.demo import election as demo_election
from models.demo import roster as demo_roster
from models.demo import service as demo_service

from typing import TYPE_CHECKING

if TYPE_CHECKING:  # annotations only
    from sqlite_utils import Database

# (name shown in the progress, fill(db, rng, actor, options)) in the order they build on each other
DEMO_STEPS = [("models.demo.roster", demo_roster.fill), ("models.demo.service", demo_service.fill),
              ("models.demo.assess", demo_assess.fill), ("models.demo.election", demo_election.fill)]

VILLAGE_NAMES = [
    "青石村", "东岭村", "西坪村", "南塘村", "北岙村", "上溪村", "下湾村", "桃源村", "竹林村", "柳塘村",
    "石桥村", "新民村", "红旗村", "和平村", "双河村", "枫树村", "杨家村", "李家坞村", "高田村", "金湖村",
]
OFFICES = [
    ("党政综合办公室", "党政办", 8), ("经济发展办公室", "经济发展办", 6), ("社会事务办公室", "社会事务办", 7),
    ("财政所", "财政所", 5), ("便民服务中心", "服务中心", 9), ("综合行政执法队", "执法队", 6),
]
DEMO_PASSWORD = "demo1234"


@dataclass
class DemoOptions:
    seed: int = 1
    tickets: int = 2000
    township_name: str = "青石镇"
    township_code: str = "330106001"
    county_name: str = "临安区"
    bulk: bool = False  # benchmarks: skip per-row audit where a domain supports it


DEMO_MARK = "demo_database"


class NotADemoDatabase(AppError):
    """The demo generator was pointed at a file that holds real data."""


def demo_file_state(path) -> str:
    """'absent' (no file or an empty one), 'demo' (made by the generator and
    not used since), or 'real'. Reads the file without changing it."""
    import json
    import sqlite3
    from pathlib import Path

    from models.core.db import inspect_file, peek

    path = Path(path)
    if not path.exists() or (path.is_file() and path.stat().st_size == 0):
        return "absent"
    inspect_file(path, run_quick_check=False)  # foreign, newer or damaged files are refused here
    try:
        mark = peek(path, "SELECT value FROM settings WHERE key = ?", [DEMO_MARK])
        counter = peek(path, "SELECT seq FROM change_counter WHERE id = 1")
    except sqlite3.DatabaseError:
        return "real"
    if not mark:
        return "real"
    built_at = json.loads(mark[0][0]).get("change_seq")
    # Anything entered after the demo was built makes it someone's data.
    return "demo" if counter and counter[0][0] == built_at else "real"


def build_demo_file(path, options: DemoOptions | None = None, progress=None) -> None:
    """Write a fresh demo township to `path`: a new file, or a demo database
    nobody has used. It is built beside the target and moved into place only
    when complete, so a failure leaves nothing half-made and the target as it was."""
    import os
    from pathlib import Path

    from models.core import presence
    from models.core.db import close_database, has_live_connection, open_database

    path = Path(path)
    state = demo_file_state(path)
    if state == "real":
        raise NotADemoDatabase(
            f"“{path.name}”里有真实数据（不是演示程序生成的、或生成后已有人使用），演示数据不会写进去，文件未作任何改动。"
            "请用 --db 指定一个新的文件名，例如 --db 演示.db。")
    if state == "demo" and (presence.others(path) or has_live_connection(path)):
        raise NotADemoDatabase(f"演示数据库“{path.name}”正被另一个程序打开，请先关闭它再重新生成。")
    building = path.with_name(f".{path.name}.demo-building")
    sides = ("", "-wal", "-shm")
    for suffix in sides:
        Path(str(building) + suffix).unlink(missing_ok=True)
    try:
        db = open_database(building, daily_backup=False)
        try:
            build_demo(db, options, progress)
        finally:
            close_database(db)
        for suffix in ("-wal", "-shm"):  # a closed old demo's leftovers must not meet the new file
            Path(str(path) + suffix).unlink(missing_ok=True)
        os.replace(building, path)
    finally:
        for suffix in sides:
            Path(str(building) + suffix).unlink(missing_ok=True)
        for leftover in (Path(str(building) + ".lock"), Path(str(building) + ".lock.json")):
            leftover.unlink(missing_ok=True)


def build_demo(db: Database, options: DemoOptions | None = None, progress=None) -> None:
    """Fill an empty database with the demo township."""
    options = options or DemoOptions()
    rng = random.Random(options.seed)
    actor = CLI_ACTOR
    if not users.has_users(db):
        actor = users.create_user(db, "admin", DEMO_PASSWORD, users.ADMIN, "系统管理员")
        users.create_user(db, "window", DEMO_PASSWORD, users.WINDOW, "窗口 王丽", actor=actor)
        users.create_user(db, "kaohe", DEMO_PASSWORD, users.ASSESS, "考核办 陈强", actor=actor)
        users.create_user(db, "guest", DEMO_PASSWORD, users.READONLY, "只读用户", actor=actor)
    township.set_identity(db, actor, name=options.township_name, code=options.township_code,
                          county=options.county_name, supervision_phone="0571-63712345",
                          office_phone="0571-63710000")
    if not township.villages(db, options.township_code):
        for name in VILLAGE_NAMES:
            township.add_village(db, actor, name, rng.randint(80, 520))
    if not township.offices(db, options.township_code):
        for name, kind, est in OFFICES:
            township.add_office(db, actor, name, kind, establishment=est)
    for i, (step_name, fill) in enumerate(DEMO_STEPS):
        if progress:
            progress(i, len(DEMO_STEPS), step_name)
        fill(db, rng, actor, options)
    counter = db.execute("SELECT seq FROM change_counter WHERE id = 1").fetchone()[0]
    settings.set_value(db, DEMO_MARK, {"change_seq": counter, "seed": options.seed}, actor)
    # Rows the generator wrote in bulk (no per-row audit) get their seals, so
    # `check` can tell them from rows written with an SQLite tool (issue 20).
    from models.core import audit

    with db.atomic():
        audit.seal_unsealed(db, actor)
