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
