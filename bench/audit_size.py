"""Bytes per ticket of a township whose every action wrote its audit (issue 22).

Builds a township with the program's own functions, one ticket at a time, each
through a window clerk's usual life: 受理, 办理中 with a handler, 办结, 回访评价,
群众确认 (and a few 补正/恢复 and deletions), so every action writes the audit
rows real use writes. Then reports, per table and index (SQLite's dbstat), the
bytes per ticket.

    python -m bench.audit_size [--tickets 1000] [--db PATH]
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import random
import tempfile
import time
from pathlib import Path


def build(path: Path, n_tickets: int, seed: int = 22) -> dict:
    from models.core import township, users
    from models.core.db import close_database, open_database
    from models.core.users import Actor
    from models.service import catalogue, tickets

    rng = random.Random(seed)
    db = open_database(path)
    admin = users.create_user(db, "admin", "secret123", users.ADMIN, "管理员")
    township.set_identity(db, admin, name="青石镇", code="330106001", county="临安区", supervision_phone="0571-12345678")
    clerk = Actor("window", users.WINDOW, "窗口 王丽")
    items = [catalogue.add_item(db, admin, {"department": dept, "name": name, "time_limit_days": days,
                                            "conditions": "", "materials": "身份证"})
             for dept, name, days in (("民政", "最低生活保障申请", 5), ("社保", "城乡居民养老保险参保登记", 3),
                                      ("农业", "农村宅基地使用申请", 10), ("卫健", "生育登记", 1))]
    surnames, given = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗", "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超秀兰霞平刚桂英"
    villages = ["青石村", "上溪村", "东坞村", "西岭村", "南塘村", "北山村"]
    started = time.perf_counter()
    today = dt.date(2026, 11, 30)
    for i in range(n_tickets):
        received = today - dt.timedelta(days=rng.randrange(30, 300))
        name = rng.choice(surnames) + "".join(rng.choice(given) for _ in range(rng.choice((1, 2))))
        t = tickets.create_ticket(db, clerk, {
            "applicant_name": name, "applicant_phone": f"13{rng.randrange(10**9):09d}",
            "applicant_village": rng.choice(villages), "item_uuid": rng.choice(items),
            "request_text": rng.choice(("申请办理，材料齐全", "咨询办理流程并提交材料", "代办：老人行动不便，上门办理")),
            "received_date": received.isoformat()}, today=today)
        key = t["uuid"]
        tickets.start_handling(db, clerk, key, handler_name="李明")
        if i % 10 == 0:
            tickets.request_correction(db, clerk, key, "缺户口簿复印件", date=received, today=today)
            tickets.resume(db, clerk, key, date=received + dt.timedelta(days=2), today=today)
        finished = received + dt.timedelta(days=rng.randrange(1, 5))
        tickets.finish(db, clerk, key, "已办结，结果已告知", date=finished, today=today)
        tickets.rate(db, clerk, key, rng.choice((5, 5, 5, 4, 4, 3)), callback_date=finished + dt.timedelta(days=3),
                     today=today)
        tickets.confirm(db, clerk, key, date=finished + dt.timedelta(days=3), today=today)
    seconds = time.perf_counter() - started
    db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    sizes: dict[str, int] = {}
    for name, size in db.execute("SELECT name, sum(pgsize) FROM dbstat GROUP BY name"):
        sizes[name] = size
    audit_rows = db.execute("SELECT count(*), sum(length(coalesce(before, '')) + length(coalesce(after, ''))) "
                            "FROM audit_log").fetchone()
    close_database(db)
    return {"tickets": n_tickets, "seconds": round(seconds, 1), "file_bytes": path.stat().st_size,
            "audit_rows": audit_rows[0], "audit_json_bytes": audit_rows[1], "objects": sizes}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tickets", type=int, default=1000)
    parser.add_argument("--db", type=Path)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        path = args.db or Path(tmp) / "audit-size.db"
        result = build(path, args.tickets)
    n = result["tickets"]
    print(f"{n} tickets, {result['seconds']} s, file {result['file_bytes'] / n:,.0f} B/ticket, "
          f"{result['audit_rows'] / n:.1f} audit rows/ticket, audit JSON {result['audit_json_bytes'] / n:,.0f} B/ticket")
    for name, size in sorted(result["objects"].items(), key=lambda kv: -kv[1])[:20]:
        print(f"  {name:45s} {size / n:8,.0f} B/ticket")
    print(json.dumps({k: v for k, v in result.items() if k != "objects"}))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
