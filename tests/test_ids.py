"""Time-ordered keys (UUID v7, models/core/ids.py): ordered, unique across
processes, and old random keys keep working."""

import subprocess
import sys
import uuid
from pathlib import Path

from models.core import ids, records

ROOT = Path(__file__).resolve().parent.parent
MAKE_KEYS = ("import sys; sys.path.insert(0, sys.argv[1]); from models.core import ids; "
             "keys = [ids.new_uuid() for _ in range(20000)] + ids.new_uuids(20000); print('\\n'.join(keys))")


def _keys_of_process() -> list[str]:
    out = subprocess.run([sys.executable, "-c", MAKE_KEYS, str(ROOT)], capture_output=True, text=True, check=True)
    return out.stdout.split()


def test_keys_are_version_7_and_increase_within_a_process():
    keys = [ids.new_uuid() for _ in range(10000)] + ids.new_uuids(10000) + [ids.new_uuid() for _ in range(100)]
    assert len(set(keys)) == len(keys)
    assert keys == sorted(keys)  # text order is time order: appended at the end of the index
    for key in keys[:50] + keys[-50:]:
        parsed = uuid.UUID(key)
        assert parsed.version == 7
        assert parsed.variant == uuid.RFC_4122
        assert str(parsed) == key


def test_keys_of_processes_are_unique_and_later_processes_sort_later():
    first = _keys_of_process()
    # Two processes at the same time: no key twice, each in order.
    together = [subprocess.Popen([sys.executable, "-c", MAKE_KEYS, str(ROOT)], stdout=subprocess.PIPE, text=True)
                for _ in range(2)]
    outputs = [p.communicate()[0].split() for p in together]
    assert all(p.returncode == 0 for p in together)
    everything = first + outputs[0] + outputs[1]
    assert len(everything) == 120000
    assert len(set(everything)) == len(everything)
    for keys in (first, *outputs):
        assert keys == sorted(keys)
    # A process started after another finished makes larger keys (the time comes first).
    assert max(first) < min(outputs[0]) and max(first) < min(outputs[1])
    assert ids.uuid_time_ms(first[0]) <= ids.uuid_time_ms(outputs[0][0])


def test_old_random_keys_keep_working(db, admin):
    old_key = str(uuid.uuid4())
    with db.atomic():
        records.insert(db, "villages", {"uuid": old_key, "name": "老村", "households": 10}, admin)
        new_key = records.insert(db, "villages", {"name": "新村", "households": 12}, admin)
    assert uuid.UUID(new_key).version == 7
    assert ids.uuid_time_ms(old_key) is None
    with db.atomic():
        records.update(db, "villages", old_key, {"households": 11}, admin)
    assert records.get_existing(db, "villages", old_key)["households"] == 11
    assert records.get_existing(db, "villages", new_key)["name"] == "新村"


def test_batch_keys_are_the_layout_of_their_bits(monkeypatch):
    """new_uuids writes each key from the hex of its random bytes: the same
    bytes and clock give exactly the 128-bit layout (48-bit ms | 7 | counter |
    variant 10 | 62 random bits), across a counter that runs past 0xFFF."""
    import os
    import time

    random_bytes = bytes(range(256)) * 160 + b"\x12\x34"
    monkeypatch.setattr(os, "urandom", lambda n: random_bytes[:n] if n != 2 else random_bytes[-2:])
    monkeypatch.setattr(time, "time_ns", lambda: 1_764_600_000_123_456_789)
    monkeypatch.setattr(ids, "_last_ms", 0)
    keys = ids.new_uuids(5000)
    ms, counter = 1_764_600_000_123, 0x1234 & 0x7FF
    for i, key in enumerate(keys):
        if counter > 0xFFF:
            ms, counter = ms + 1, 0
        tail = int.from_bytes(random_bytes[8 * i:8 * i + 8], "big") & ((1 << 62) - 1)
        expected = uuid.UUID(int=(ms << 80) | (0x7 << 76) | (counter << 64) | (0b10 << 62) | tail)
        assert key == str(expected), i
        counter += 1
    assert ids.uuid_time_ms(keys[-1]) == ms and keys == sorted(keys)
