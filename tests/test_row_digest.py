"""A row's seal is the sha256 of json.dumps of its (column, value) pairs:
the encoder audit.row_digest keeps made once must give exactly those bytes,
or every seal written before would stop verifying."""

import hashlib
import json
import math

from models.core import audit


def _as_before(columns, values) -> str:
    # row_digest as it was written when the seals in existing databases were made
    text = json.dumps(list(zip(columns, values, strict=True)), ensure_ascii=False, default=audit._plain)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


VALUES = [None, 0, 1, -7, 2**63 - 1, 10**30, 0.1, 1e20, 1e-7, -0.0, 1985.07, math.inf, -math.inf, math.nan,
          True, False, "", "张三", "a\"b\\c", "tab\tnew\nline\r", "\x00\x01\x1f", "\u2028\u2029", "😀 emoji",
          "=HYPERLINK(\"x\")", b"\x00\xffblob", memoryview(b"mv"), " spaced ", "330106198503071234"]


def test_row_digest_is_the_same_hash_as_json_dumps_gave():
    columns = [f"c{i}" for i in range(len(VALUES))]
    assert audit.row_digest(columns, VALUES) == _as_before(columns, VALUES)
    for i, value in enumerate(VALUES):
        assert audit.row_digest(["id", "v"], [i, value]) == _as_before(["id", "v"], [i, value]), repr(value)


def test_row_digest_of_a_value_json_cannot_write_is_refused():
    import pytest

    with pytest.raises(TypeError, match="封记"):
        audit.row_digest(["v"], [object()])
    with pytest.raises(ValueError):
        audit.row_digest(["a", "b"], [1])  # a column without its value is a bug, not a seal


def test_a_bulk_seal_streamed_in_chunks_records_the_digest_of_all_its_rows(db, admin, monkeypatch):
    """The bulk seal writes its seals chunk by chunk; its audit row's digest is
    still the sha256 of every "key hash" line, and every seal points at it."""
    import json

    from models.service import tickets

    for i in range(7):
        tickets.create_ticket(db, admin, {"applicant_name": f"张{i}", "applicant_phone": "13800138000",
                                          "department": "民政", "request_text": "申请"})
    first_id = db.execute("SELECT min(id) FROM tickets").fetchone()[0]
    monkeypatch.setattr(audit, "SEAL_CHUNK_ROWS", 3)  # 7 rows: chunks of 3, 3 and 1
    with db.atomic():
        assert audit.seal_new_rows(db, admin, "tickets", first_id, {"import": "x.xlsx"}) == 7
    audit_id, after = db.execute("SELECT id, after FROM audit_log WHERE action = 'bulk-seal' ORDER BY id DESC").fetchone()
    cur = db.execute("SELECT * FROM tickets ORDER BY id")
    cols = [d[0] for d in cur.description]
    lines = [f"{r[cols.index('uuid')]} {audit.row_digest(cols, r)}" for r in cur]
    assert json.loads(after)["digest"] == hashlib.sha256("\n".join(lines).encode("ascii")).hexdigest()
    assert json.loads(after)["rows"] == 7
    assert db.execute("SELECT count(*) FROM row_seals WHERE table_name = 'tickets' AND audit_id = ?",
                      [audit_id]).fetchone()[0] == 7
    assert audit.verify_rows(db) == [] and audit.verify_chain(db) == []


# ---- row_digests: many rows at once, the very same digests (issue 17/22) ----

def _random_value(rng):
    kind = rng.randrange(12)
    if kind == 0:
        return None
    if kind == 1:
        return rng.randint(-10**6, 10**6)
    if kind == 2:
        return rng.choice([2**63 - 1, -2**63, 10**30, -(10**40), 0, 1, -1])
    if kind == 3:
        return rng.choice([0.1, 1e20, 1e-7, -0.0, 1985.07, 1e16, 123456789.123, 5e-324, 1.7976931348623157e308,
                           math.inf, -math.inf, math.nan, rng.random() * 10 ** rng.randint(-30, 30)])
    if kind == 4:
        return rng.choice([True, False])
    if kind == 5:
        return bytes(rng.randrange(256) for _ in range(rng.randrange(40)))
    if kind == 6:
        return memoryview(bytes(rng.randrange(256) for _ in range(rng.randrange(10))))
    pieces = ["张三", "上门办理", "，。！", "😀", "𠀀", "\"", "\\", "'", "%s", "%", "%%", "\x00", "\x1e", "\x1f", "\x1d",
              "\t", "\n", "\r", "\u2028", "\u2029", "\ufeff", "é", "e\u0301", "ＡＢ１２", " ", "", "[", "]", "{", "}",
              ", ", ": ", "null", "=HYPERLINK(\"x\")", "330106198503071234", "\x7f", "\ud7ff", "\U0010ffff"]
    return "".join(rng.choice(pieces) for _ in range(rng.randrange(8)))


def test_row_digests_of_many_varied_rows_are_the_digests_json_dumps_gave():
    """Every seal already stored must still verify: row_digests (the bulk
    seals and check --full) gives exactly the digest of json.dumps of the
    (column, value) pairs, for None, ints, big ints, floats (inf, nan, -0.0,
    tiny, huge), bools, blobs, memoryviews and text with CJK, emoji, astral
    characters, quotes, backslashes, % signs, control characters (the very
    ones row_digests splits on among them), and odd column names."""
    import random

    rng = random.Random(22)
    column_sets = [["id", "uuid", "name"], [f"c{i}" for i in range(46)], ["a%b", "%s", "名称", "q\"uote", "x\x1fy"],
                   ["only"]]
    for columns in column_sets:
        for size in (1, 2, 7, 300):
            rows = [tuple(_random_value(rng) for _ in columns) for _ in range(size)]
            expected = [_as_before(columns, r) for r in rows]
            assert audit.row_digests(columns, rows) == expected, (columns, rows[:3])
            assert [audit.row_digest(columns, r) for r in rows] == expected
    assert audit.row_digests(["a"], []) == []


def test_row_digests_of_values_json_writes_with_separators_fall_back_to_row_digest():
    """A list or object of several items inside a row (never from SQLite; a
    caller's tuple could hold one) is written by json.dumps with ", " between
    its items: row_digests must still give json.dumps' digest."""
    columns = ["id", "v", "w"]
    rows = [(1, [1, 2], "x"), (2, {"a": 1, "b": "二"}, None), (3, [[1, 2], [3]], "y"), (4, [5], {}), (5, (6, 7), [])]
    assert audit.row_digests(columns, rows) == [_as_before(columns, r) for r in rows]
    assert audit.row_digests(columns, rows[3:4]) == [_as_before(columns, rows[3])]


def test_row_digests_refuses_what_row_digest_refuses():
    import pytest

    with pytest.raises(ValueError):
        audit.row_digests(["a", "b"], [(1, 2), (1,)])
    with pytest.raises(TypeError, match="封记"):
        audit.row_digests(["a"], [(1,), (object(),)])


def test_row_digests_of_every_sealed_table_of_a_demo_township(tmp_path):
    """The rows a township really stores (the demo generator: every travelling
    table), chunked as the bulk seal and check --full chunk them."""
    import subprocess
    import sys
    from pathlib import Path

    from models.core.db import open_database

    path = tmp_path / "demo.db"
    root = Path(__file__).resolve().parent.parent
    subprocess.run([sys.executable, "main.py", "demo", "--db", str(path), "--tickets", "300"], cwd=root, check=True,
                   capture_output=True)
    db = open_database(str(path), migrate=False, daily_backup=False)
    seen = 0
    for table in audit.sealed_tables(db):
        cur = db.execute(f"SELECT * FROM [{table}]")
        cols = [d[0] for d in cur.description]
        rows = cur.fetchall()
        assert audit.row_digests(cols, rows) == [_as_before(cols, r) for r in rows], table
        seen += len(rows)
    assert seen > 1000
    assert audit.verify_rows(db) == []
