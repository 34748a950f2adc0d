"""Excel in and out at the sizes of issue 17, each figure in a fresh child
process (wall, CPU and peak memory of that process):

  - 台帐 export of 100,000 tickets (streaming writer) and, as the floor, the
    same writer writing the same cells with no database;
  - 台帐 import of that file into a database of the same township without
    those tickets (every row checked, written in batches, audited);
  - 台帐 import of the same file into the database it came from (every row
    compared with the stored ticket and left alone);
  - 5,000-row 花名册 import (title row, header detection, all checks).

    python -m bench.xlsx_io [--tickets 100000] [--cadres 5000]
Databases are cached in bench/cache/xlsx_io/ (built with the demo generator).
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CACHE = ROOT / "bench" / "cache" / "xlsx_io"

CHILD = r"""
import json, resource, sys, time
sys.path.insert(0, {root!r})
from models.core.db import open_database
from models.core import users
c0, t0 = time.process_time(), time.perf_counter()
out = {{}}
{body}
out["wall_s"] = round(time.perf_counter() - t0, 2)
out["cpu_s"] = round(time.process_time() - c0, 2)
out["peak_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024
print("RESULT" + json.dumps(out))
"""


def child(body: str) -> dict:
    done = subprocess.run([sys.executable, "-c", CHILD.format(root=str(ROOT), body=body)], capture_output=True,
                          text=True, timeout=1800)
    line = [x for x in done.stdout.splitlines() if x.startswith("RESULT")]
    if not line:
        raise SystemExit(f"child failed:\n{done.stdout[-2000:]}\n{done.stderr[-3000:]}")
    return json.loads(line[-1][6:])


def build(tickets: int) -> tuple[Path, Path]:
    CACHE.mkdir(parents=True, exist_ok=True)
    source, empty = CACHE / f"ledger-{tickets}.db", CACHE / "empty.db"
    # Ticket dates reach a year back; the last weeks' promises need next year's
    # calendar, which a real office has by then: those tickets are left out of
    # the export window below, so a few more are generated.
    for path, n in ((source, int(tickets * 1.15)), (empty, 0)):
        if not path.exists():
            subprocess.run([sys.executable, "main.py", "demo", "--db", str(path), "--tickets", str(n)], cwd=ROOT,
                           check=True, capture_output=True)
    return source, empty


def main(argv=None) -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--tickets", type=int, default=100_000)
    parser.add_argument("--cadres", type=int, default=5000)
    args = parser.parse_args(argv)
    source, empty = build(args.tickets)
    work = CACHE / "run"
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir()
    ledger = work / "ledger.xlsx"
    results = {}
    results["export"] = child(f"""
from models.service import io as tio
db = open_database({str(source)!r}, migrate=False, daily_backup=False)
last = db.execute("SELECT received_date FROM tickets WHERE received_date <= date((SELECT max(received_date) FROM tickets), '-40 days') ORDER BY received_date DESC LIMIT 1 OFFSET 0").fetchone()[0]
first = db.execute("SELECT received_date FROM tickets WHERE received_date <= ? ORDER BY received_date DESC LIMIT 1 OFFSET ?", [last, {args.tickets - 1}]).fetchone()[0]
first = db.execute("SELECT date(?, '+1 day')", [first]).fetchone()[0]  # whole days, at most the asked rows
out["rows"] = tio.export_ledger(db, {str(ledger)!r}, first, last)
out["file_mb"] = round(__import__("os").path.getsize({str(ledger)!r}) / 1e6, 1)
""")
    results["export_floor"] = child(f"""
from models.core import xlsx_read, xlsx_write
rows = [v for n, v in xlsx_read.iter_rows({str(ledger)!r})]
c0, t0 = time.process_time(), time.perf_counter()
with xlsx_write.Workbook({str(work / 'floor.xlsx')!r}) as wb:
    s = wb.add_sheet("x")
    for v in rows:
        s.append(v)
out["writer_only_wall_s"] = round(time.perf_counter() - t0, 2)
out["writer_only_cpu_s"] = round(time.process_time() - c0, 2)
""")
    results["read_only"] = child(f"""
from models.core import xlsx_read
out["rows"] = sum(1 for _ in xlsx_read.iter_rows({str(ledger)!r}))
""")
    target = work / "target.db"
    shutil.copy(empty, target)
    results["import_new"] = child(f"""
from models.service import io as tio
db = open_database({str(target)!r}, daily_backup=False)
admin = users.login(db, "admin", "demo1234")
r = tio.import_tickets(db, admin, {str(ledger)!r})
out.update(imported=r["imported"], unchanged=r["unchanged"], masked_ids=r["masked_ids"], problems=len(r["problems"]),
           first_problems=r["errors"][:3])
""")
    same = work / "same.db"
    shutil.copy(source, same)
    results["import_same"] = child(f"""
from models.service import io as tio
db = open_database({str(same)!r}, daily_backup=False)
admin = users.login(db, "admin", "demo1234")
r = tio.import_tickets(db, admin, {str(ledger)!r})
out.update(imported=r["imported"], unchanged=r["unchanged"], problems=len(r["problems"]))
""")
    roster_file = work / "roster.xlsx"
    results["roster_import"] = child(f"""
import openpyxl, random
from stdnum.cn import ric
from models.roster import io as roster_io
wb = openpyxl.Workbook(write_only=True)
ws = wb.create_sheet("花名册")
ws.append(["某某镇干部花名册"])
ws.append(["序号", "姓名", "性别", "出生年月", "公民身份号码", "编制", "职级", "现任职务", "参加工作时间", "联系电话", "备注"])
rng = random.Random(7)
surnames, given = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗", "伟芳娜敏静丽强磊军洋勇艳杰涛明超秀霞平刚"
for i in range({args.cadres}):
    y, m, d = rng.randint(1965, 1999), rng.randint(1, 12), rng.randint(1, 28)
    body = f"330106{{y}}{{m:02d}}{{d:02d}}{{rng.randint(100, 999)}}"
    idn = body + ric.calc_check_digit(body + "0")
    ws.append([i + 1, rng.choice(surnames) + rng.choice(given) + rng.choice(given), "男" if int(idn[16]) % 2 else "女",
               f"{{y}}.{{m:02d}}", idn, rng.choice(["行政", "事业编", "参公"]),
               rng.choice(["四级主任科员", "一级科员", "二级科员", "管理九级"]), "", f"{{y + 22}}.08",
               f"138{{rng.randint(10000000, 99999999)}}", ""])
wb.save({str(roster_file)!r})
db = open_database({str(work / 'roster.db')!r}, daily_backup=False)
admin = users.create_user(db, "admin", "secret123", users.ADMIN)
from models.core import township
township.set_identity(db, admin, name="某某镇", code="330106001")
c0, t0 = time.process_time(), time.perf_counter()
r = roster_io.import_xlsx(db, admin, {str(roster_file)!r})
out.update(import_wall_s=round(time.perf_counter() - t0, 2), import_cpu_s=round(time.process_time() - c0, 2),
           added=r.added, problems=len(r.problems))
""")
    load = Path("/proc/loadavg").read_text().split()[0] if Path("/proc/loadavg").exists() else "?"
    results["machine"] = {"load_average_at_end": load, "at": time.strftime("%Y-%m-%dT%H:%M:%S%z")}
    out = ROOT / "bench" / "results" / "xlsx_io.json"
    out.write_text(json.dumps(results, ensure_ascii=False, indent=1))
    print(json.dumps(results, ensure_ascii=False, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
