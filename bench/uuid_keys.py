"""Random (v4) against time-ordered (v7) keys: insert time and integrity_check
time of a tickets-sized table as it grows (issue 22: the county build and
integrity_check grew faster than the rows).

    python -m bench.uuid_keys [ROWS ...]      (default 250000 1000000)

Each size is built twice in a scratch folder with the program's page cache
(PRAGMA cache_size as models/core/db.py leaves it), rows of about 600 bytes
and a UNIQUE uuid column, inserted in batches of 10,000 as the importer does.
Prints wall and CPU seconds; the machine is shared, so CPU is the figure to
compare.
"""

from __future__ import annotations

import json
import os
import sqlite3
import sys
import tempfile
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from models.core import ids  # noqa: E402

PAYLOAD = "申请办理某某事项，材料已带齐，请尽快办理。" * 12


def _build(path: Path, rows: int, make_keys) -> dict:
    conn = sqlite3.connect(str(path), isolation_level=None)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=NORMAL")
    conn.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, uuid TEXT NOT NULL UNIQUE, payload TEXT)")
    c0, t0 = time.process_time(), time.perf_counter()
    for start in range(0, rows, 10_000):
        batch = make_keys(min(10_000, rows - start))
        conn.execute("BEGIN")
        conn.executemany("INSERT INTO t (uuid, payload) VALUES (?, ?)", ((k, PAYLOAD) for k in batch))
        conn.execute("COMMIT")
    insert = (time.perf_counter() - t0, time.process_time() - c0)
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.close()
    conn = sqlite3.connect(str(path))
    c0, t0 = time.process_time(), time.perf_counter()
    assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    check = (time.perf_counter() - t0, time.process_time() - c0)
    index_pages = conn.execute("SELECT count(*) FROM dbstat WHERE name = 'sqlite_autoindex_t_1'").fetchone()[0] \
        if _has_dbstat(conn) else None
    conn.close()
    return {"insert_wall": round(insert[0], 2), "insert_cpu": round(insert[1], 2), "check_wall": round(check[0], 2),
            "check_cpu": round(check[1], 2), "file_mb": round(path.stat().st_size / 1e6, 1), "index_pages": index_pages}


def _has_dbstat(conn) -> bool:
    try:
        conn.execute("SELECT 1 FROM dbstat LIMIT 1")
        return True
    except sqlite3.OperationalError:
        return False


def main(argv=None) -> int:
    sizes = [int(a) for a in (argv if argv is not None else sys.argv[1:])] or [250_000, 1_000_000]
    results = []
    with tempfile.TemporaryDirectory(prefix="uuid-keys-") as folder:
        for rows in sizes:
            for kind, make_keys in (("v4", lambda n: [str(uuid.uuid4()) for _ in range(n)]), ("v7", ids.new_uuids)):
                path = Path(folder) / f"{kind}-{rows}.db"
                result = {"rows": rows, "keys": kind, **_build(path, rows, make_keys)}
                results.append(result)
                print(json.dumps(result), flush=True)
                for suffix in ("", "-wal", "-shm"):
                    Path(f"{path}{suffix}").unlink(missing_ok=True)
    print(json.dumps({"load_average": [round(x, 2) for x in os.getloadavg()]}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
