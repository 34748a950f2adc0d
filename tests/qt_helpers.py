"""Waiting for the window's background actions (ui/common/action.run_op runs
them on a worker thread; the result reaches the widgets through the event loop)."""


def wait_for_actions(qtbot, timeout: int = 10000) -> None:
    """Until every task started so far has reported back and its on_done ran."""
    from ui.common.worker import tasks_running

    qtbot.waitUntil(lambda: tasks_running() == 0, timeout=timeout)
