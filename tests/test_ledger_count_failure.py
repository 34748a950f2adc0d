"""The ledger counts a slow filter in the background; when that count fails
(here: the file it reads has gone, as when a USB stick is pulled), the window
says so and where the cause is logged — the list does not wait for ever on
“正在统计总数…” with nothing in front of the user."""

from __future__ import annotations

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication, QMessageBox


def test_a_failed_background_count_is_shown_not_left_waiting(qtbot, demo_db, tmp_path):
    from models.service import tickets
    from ui.service.table_model import TicketTableModel

    shown = []

    def close_the_message() -> None:
        box = QApplication.activeModalWidget()
        if isinstance(box, QMessageBox) and box.objectName() == "unexpected_error":
            shown.append(box.text())
            box.done(0)
        else:
            QTimer.singleShot(50, close_the_message)

    gone = tmp_path / "拔掉的U盘" / "demo.db"  # the reader's file is not there any more
    model = TicketTableModel(demo_db, db_path=gone)
    some = tickets.TicketFilter(search="村", kind="即办件")  # 205 of the demo's 300: more than a page
    assert tickets.is_slow_filter(some)
    QTimer.singleShot(50, close_the_message)
    model.set_filter(some)
    assert model.counting, "a full first page: the total is counted in the background"
    qtbot.waitUntil(lambda: not model.counting, timeout=10000)
    assert model.count_error.endswith("township.log")
    qtbot.waitUntil(lambda: bool(shown), timeout=5000)
    assert "township.log" in shown[0] and "Traceback" not in shown[0]
