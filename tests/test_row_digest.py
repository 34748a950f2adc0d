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
