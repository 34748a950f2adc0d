"""The demo township: believable data for trying the program and for benchmarks.

The core fills the township, its villages, offices and users; each domain adds
its own data through `models/demo/<domain>.py`, whose `fill(db, rng, actor,
options)` is called in the order of DEMO_STEPS.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

from models.core import township

from models.core import users
from models.core.users import CLI_ACTOR
from models.demo import assess as demo_assess
from models.demo import election as demo_election
from models.demo import roster as demo_roster
from models.demo import service as demo_service

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


def build_demo(db, options: DemoOptions | None = None, progress=None) -> None:
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
