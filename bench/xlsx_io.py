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
import statistics
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


RUNS = 5


def child(body: str, before=None, runs: int | None = None) -> dict:
    """The figure measured RUNS times, each in a fresh child (`before` runs
    first each time, e.g. a fresh copy of the target database): the median
    of wall, CPU and peak memory, every run's figures under "runs"."""
    results = []
    for _ in range(runs or RUNS):
        if before:
            before()
        done = subprocess.run([sys.executable, "-c", CHILD.format(root=str(ROOT), body=body)], capture_output=True,
                              text=True, timeout=1800)
        line = [x for x in done.stdout.splitlines() if x.startswith("RESULT")]
        if not line:
            raise SystemExit(f"child failed:\n{done.stdout[-2000:]}\n{done.stderr[-3000:]}")
        results.append(json.loads(line[-1][6:]))
    out = dict(results[-1])
    for key in results[0]:
        if all(isinstance(r.get(key), (int, float)) for r in results) and key.endswith(("_s", "_mb")):
            out[key] = statistics.median(r[key] for r in results)
    out["runs"] = [{k: r[k] for k in ("wall_s", "cpu_s", "peak_mb")} for r in results]
    return out


def fresh_copy(source: Path, target: Path) -> None:
    """A clean copy of a closed database (no stale -wal/-shm beside it)."""
    for suffix in ("", "-wal", "-shm"):
        Path(str(target) + suffix).unlink(missing_ok=True)
    shutil.copy(source, target)


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
        # Cached databases are brought to the program's schema here, once: otherwise every measured run
        # of a fresh copy would also migrate it (and back it up first) inside the figure.
        subprocess.run([sys.executable, "-c", "import sys; sys.path.insert(0, sys.argv[1]); "
                        "from models.core.db import open_database, close_database; "
                        "close_database(open_database(sys.argv[2], daily_backup=False))", str(ROOT), str(path)],
                       check=True, capture_output=True)
    return source, empty


def main(argv=None) -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--tickets", type=int, default=100_000)
    parser.add_argument("--cadres", type=int, default=5000)
    parser.add_argument("--runs", type=int, default=5, help="runs per figure (the median is reported)")
    parser.add_argument("--only", default="", help="measure only these figures (comma-separated keys, e.g. "
                        "import_new,import_floor); the others keep their last results in bench/results/xlsx_io.json")
    args = parser.parse_args(argv)
    global RUNS
    RUNS = args.runs
    only = {k for k in args.only.split(",") if k}
    source, empty = build(args.tickets)
    work = CACHE / "run"
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir()
    ledger = work / "ledger.xlsx"
    results = {}

    def wanted(key: str) -> bool:
        return not only or key in only

    def measure(key: str, body: str, before=None, runs=None) -> None:
        if wanted(key):
            results[key] = child(body, before=before, runs=runs)

    # the ledger file every other figure reads is made by the export (one run when only others are measured)
    results["export"] = child(f"""
from models.service import io as tio
db = open_database({str(source)!r}, migrate=False, daily_backup=False)
last = db.execute("SELECT received_date FROM tickets WHERE received_date <= date((SELECT max(received_date) FROM tickets), '-40 days') ORDER BY received_date DESC LIMIT 1 OFFSET 0").fetchone()[0]
first = db.execute("SELECT received_date FROM tickets WHERE received_date <= ? ORDER BY received_date DESC LIMIT 1 OFFSET ?", [last, {args.tickets - 1}]).fetchone()[0]
first = db.execute("SELECT date(?, '+1 day')", [first]).fetchone()[0]  # whole days, at most the asked rows
out["rows"] = tio.export_ledger(db, {str(ledger)!r}, first, last)
out["file_mb"] = round(__import__("os").path.getsize({str(ledger)!r}) / 1e6, 1)
""", runs=None if wanted("export") else 1)
    if not wanted("export"):
        del results["export"]
    measure("export_floor", f"""
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
    measure("read_only", f"""
from models.core import xlsx_read
out["rows"] = sum(1 for _ in xlsx_read.iter_rows({str(ledger)!r}))
""")
    measure("read_openpyxl", f"""
import openpyxl
wb = openpyxl.load_workbook({str(ledger)!r}, read_only=True, data_only=True)
out["rows"] = sum(1 for _ in wb.active.iter_rows(values_only=True))
""", runs=1)  # a reference for the reader, not a figure of the program: one run
    target = work / "target.db"
    # The floor of any import into this schema: read the file with the shared
    # reader and insert its cells as they are with one executemany into the
    # real tickets table (its indexes; the insert triggers off, as the import
    # has them), in one transaction: no checks, no events, no seals, no index.
    measure("import_floor", f"""
import uuid
from models.core import xlsx_read
from models.service import io as tio
db = open_database({str(target)!r}, daily_backup=False)
keys = [k for _, k, _ in tio.LEDGER_COLUMNS]
cols = keys + ["uuid", "township_code", "year", "seq", "version", "deleted", "updated_at", "updated_by", "change_seq"]
rows = []
for n, v in xlsx_read.iter_rows({str(ledger)!r}):
    if n > 2:
        cells = [xlsx_read.cell_text(x) for x in (v + [None] * len(keys))[:len(keys)]]
        cells[keys.index("ticket_no")] += "F"
        cells[keys.index("rating")] = None
        rows.append(cells + [str(uuid.uuid4()), "330106001", 2026, len(rows) + 1, 1, 0, "x", "floor", 0])
with db.atomic():
    for (name,) in db.execute("SELECT name FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'tickets' "
                              "AND sql LIKE '%AFTER INSERT%'").fetchall():
        db.execute(f"DROP TRIGGER {{name}}")
    db.conn.executemany(f"INSERT INTO tickets ({{', '.join(cols)}}) VALUES ({{', '.join('?' * len(cols))}})", rows)
out["rows"] = len(rows)
""", before=lambda: fresh_copy(empty, target))
    measure("import_new", f"""
from models.service import io as tio
db = open_database({str(target)!r}, daily_backup=False)
admin = users.login(db, "admin", "demo1234")
r = tio.import_tickets(db, admin, {str(ledger)!r})
out.update(imported=r["imported"], unchanged=r["unchanged"], masked_ids=r["masked_ids"], problems=len(r["problems"]),
           first_problems=r["errors"][:3])
""", before=lambda: fresh_copy(empty, target))
    same = work / "same.db"
    measure("import_same", f"""
from models.service import io as tio
db = open_database({str(same)!r}, daily_backup=False)
admin = users.login(db, "admin", "demo1234")
r = tio.import_tickets(db, admin, {str(ledger)!r})
out.update(imported=r["imported"], unchanged=r["unchanged"], problems=len(r["problems"]))
""", before=lambda: fresh_copy(source, same))
    roster_file = work / "roster.xlsx"
    measure("roster_import", f"""
import openpyxl, random
from stdnum.cn import ric
from models.roster import io as roster_io
wb = openpyxl.Workbook(write_only=True)
ws = wb.create_sheet("花名册")
ws.append(["某某镇干部花名册"])
ws.append(["序号", "姓名", "性别", "出生年月", "公民身份号码", "编制", "职级", "现任职务", "参加工作时间", "联系电话", "备注"])
rng = random.Random(7)
surnames, given = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗", "伟芳娜敏静丽强磊军洋勇艳杰涛明超秀霞平刚"
seen = set()
while len(seen) < {args.cadres}:
    y, m, d = rng.randint(1965, 1999), rng.randint(1, 12), rng.randint(1, 28)
    body = f"330106{{y}}{{m:02d}}{{d:02d}}{{rng.randint(100, 999)}}"
    if body in seen:
        continue  # one person, one ID: a repeated number would refuse the file
    seen.add(body)
    i = len(seen) - 1
    idn = body + ric.calc_check_digit(body + "0")
    ws.append([i + 1, rng.choice(surnames) + rng.choice(given) + rng.choice(given), "男" if int(idn[16]) % 2 else "女",
               f"{{y}}.{{m:02d}}", idn, rng.choice(["行政", "事业编", "参公"]),
               rng.choice(["四级主任科员", "一级科员", "二级科员", "管理九级"]), "", f"{{y + 22}}.08",
               f"138{{rng.randint(10000000, 99999999)}}", ""])
wb.save({str(roster_file)!r})
import pathlib
for stale in pathlib.Path({str(work)!r}).glob("roster.db*"):
    stale.unlink()
db = open_database({str(work / 'roster.db')!r}, daily_backup=False)
admin = users.create_user(db, "admin", "secret123", users.ADMIN)
from models.core import township
township.set_identity(db, admin, name="某某镇", code="330106001")
c0, t0 = time.process_time(), time.perf_counter()
r = roster_io.import_xlsx(db, admin, {str(roster_file)!r})
out.update(import_wall_s=round(time.perf_counter() - t0, 2), import_cpu_s=round(time.process_time() - c0, 2),
           added=r.added, problems=len(r.problems))
""")
    # The floor of the roster import: the same file read with the shared reader
    # and its cells inserted as they are with one executemany into the real
    # cadres table (its indexes), one transaction: no checks, no pinyin, no
    # seals, no audit row.
    measure("roster_floor", f"""
import pathlib
from models.core import xlsx_read, ids
for stale in pathlib.Path({str(work)!r}).glob("roster-floor.db*"):
    stale.unlink()
db = open_database({str(work / 'roster-floor.db')!r}, daily_backup=False)
c0, t0 = time.process_time(), time.perf_counter()
fields = ["name", "sex", "birth_date", "id_number", "staffing", "rank", "current_post_text", "work_start_date",
          "phone", "note"]
cols = fields + ["uuid", "township_code", "updated_at"]
rows = []
for n, v in xlsx_read.iter_rows({str(roster_file)!r}):
    if n > 2:
        cells = [xlsx_read.cell_text(x) for x in (v + [None] * 11)[1:11]]
        rows.append(cells + [ids.new_uuid(), "330106001", "x"])
with db.atomic():
    db.conn.executemany(f"INSERT INTO cadres ({{', '.join(cols)}}) VALUES ({{', '.join('?' * len(cols))}})", rows)
out.update(import_wall_s=round(time.perf_counter() - t0, 2), import_cpu_s=round(time.process_time() - c0, 2),
           rows=len(rows))
""")
    load = Path("/proc/loadavg").read_text().split()[0] if Path("/proc/loadavg").exists() else "?"
    results["machine"] = {"load_average_at_end": load, "at": time.strftime("%Y-%m-%dT%H:%M:%S%z")}
    out = ROOT / "bench" / "results" / "xlsx_io.json"
    if only:  # the figures not measured keep their last results (each says when it was measured)
        kept = json.loads(out.read_text()) if out.exists() else {}
        earlier = kept.get("machine", {})
        for key, value in kept.items():
            if key not in results and key != "machine":
                results[key] = {**value, "measured": value.get("measured", earlier)}
        for key in only:
            results[key]["measured"] = results["machine"]
    out.write_text(json.dumps(results, ensure_ascii=False, indent=1))
    print(json.dumps(results, ensure_ascii=False, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
