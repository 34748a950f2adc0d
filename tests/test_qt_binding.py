"""Guards against a broken Qt binding: PySide6 6.12.0 under CPython 3.11 drops
a reference to None on every call of a void method, and the program aborts
after a few thousand calls (requirements.txt pins a version without it)."""

import sys


def test_void_calls_do_not_leak_none(qapp):
    from PySide6.QtWidgets import QLabel, QTableWidget, QTableWidgetItem

    label = QLabel()
    table = QTableWidget(10, 10)
    before = sys.getrefcount(None)
    for i in range(5000):
        label.setText(str(i))
        table.setItem(i % 10, i % 7, QTableWidgetItem("x"))
    after = sys.getrefcount(None)
    assert abs(after - before) < 100, f"None lost {before - after} references in 10,000 void calls"
