"""The ticket state machine, in one table.

The model's actions (models/service/tickets.py), the ledger's buttons
(ui/service/ledger.py) and every query that selects tickets by status read
TRANSITIONS and the status sets derived from it here. This module imports
nothing of the program, so the calendar (workdays) and the reconciler can read
it as well as tickets.py.

Adding a status: a constant with its Chinese label in STATUSES, the
transitions that enter and leave it in TRANSITIONS, and a test.

不予受理 is the window's decision about the 受理范围 (whether the matter is the
office's at all), taken when the request comes in or while it is handled. A
ticket waiting for the citizen's materials (补正) was already found to be the
office's: it is not refused but 退回 when the materials never come (the field
reports: the window 统一受理、分类、分发 in the scope it has published).
"""

from __future__ import annotations

from dataclasses import dataclass

ACCEPTED, HANDLING, CORRECTION, FINISHED, REJECTED, RETURNED = "受理", "办理中", "补正", "办结", "不予受理", "退回"
# Display order of the statuses (filters, statistics).
STATUSES = (ACCEPTED, HANDLING, CORRECTION, FINISHED, REJECTED, RETURNED)


@dataclass(frozen=True)
class Transition:
    """An action on a ticket: the button's text, the statuses it may start
    from, the status it leads to (None: the status stays)."""

    label: str
    sources: tuple[str, ...]
    target: str | None
    pauses_clock: bool = False  # the promised date stops counting while in the target status


TRANSITIONS: dict[str, Transition] = {
    "start": Transition("转办理中", (ACCEPTED,), HANDLING),
    "correction": Transition("要求补正", (ACCEPTED, HANDLING), CORRECTION, pauses_clock=True),
    "resume": Transition("补正完成", (CORRECTION,), HANDLING),
    "finish": Transition("办结", (ACCEPTED, HANDLING), FINISHED),
    "reject": Transition("不予受理", (ACCEPTED, HANDLING), REJECTED),
    "return": Transition("退回", (ACCEPTED, HANDLING, CORRECTION), RETURNED),
    "assign": Transition("更换承办人", (ACCEPTED, HANDLING, CORRECTION), None),
    "rate": Transition("回访评价", (FINISHED,), None),
    "confirm": Transition("群众确认", (FINISHED,), None),
}

# Open: a status some transition leads out of (to another status).
OPEN_STATUSES = tuple(s for s in STATUSES
                      if any(s in t.sources and t.target not in (None, s) for t in TRANSITIONS.values()))
CLOSED_STATUSES = tuple(s for s in STATUSES if s not in OPEN_STATUSES)
# Open and the promised date still counting (overdue and due-soon lists, accountability).
PAUSED_STATUSES = tuple(t.target for t in TRANSITIONS.values() if t.pauses_clock and t.target)
RUNNING_STATUSES = tuple(s for s in OPEN_STATUSES if s not in PAUSED_STATUSES)


def allowed(action: str, status: str | None) -> bool:
    """Whether `action` (a key of TRANSITIONS) may be taken on a ticket in `status`."""
    return status is not None and status in TRANSITIONS[action].sources


def actions_from(status: str) -> list[str]:
    """The actions a ticket in `status` offers, in table order."""
    return [key for key, t in TRANSITIONS.items() if status in t.sources]


def sql_in(statuses: tuple[str, ...], column: str = "status") -> str:
    """`status IN ('受理', '办理中')` for a set of this module's statuses (constants, never user text)."""
    unknown = [s for s in statuses if s not in STATUSES]
    if unknown:
        raise ValueError(f"not a ticket status: {unknown}")
    return f"{column} IN ({', '.join(repr(s) for s in statuses)})"
