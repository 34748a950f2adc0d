"""Reconciling provisional promises when the official calendar arrives.

A ticket registered while its due year had no official calendar carries
`due_provisional = 1` (models/service/workdays.py). Once the official year is
in the table — from the county's reference package, a file, or the pasted
State Council notice — `pending` lists the open tickets whose due date no longer
depends on a provisional year, with the date the official calendar gives.
The 值班长 of the day (or an administrator) confirms with `reconcile`:

* a later date, or an earlier one on a ticket whose receipt was never printed,
  moves by default (the citizen was told "如遇调休以正式安排为准");
* an earlier date on a ticket whose 受理回执 was printed is kept unless the
  confirmer asks for it explicitly: a printed promise is never moved earlier
  without confirmation;
* every ticket leaves the list (its date is now firm), and its history records
  what changed and why.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import TYPE_CHECKING

from models.core import audit, records
from models.core.errors import PermissionDenied, ValidationError
from models.core.users import require
from models.service import states, workdays

if TYPE_CHECKING:  # annotations only (models.core.db reaches this room through the migrations)
    from sqlite_utils import Database
    from models.core.users import Actor

MOVE, KEEP = "move", "keep"


def _printed_receipts(db: Database) -> set[tuple[str, str]]:
    """(township_code, ticket_no) of every ticket whose 受理回执 was printed."""
    if db.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'notices'").fetchone() is None:
        return set()
    out = set()
    for code, params in db.execute("SELECT township_code, params FROM notices WHERE kind = 'receipt' AND deleted = 0"):
        ticket = json.loads(params or "{}").get("ticket")
        if ticket:
            out.add((code, str(ticket).strip()))
    return out


def pending(db: Database, township_code: str | None = None) -> list[dict]:
    """Open tickets with a provisional due date whose years are now official:
    ticket_no, applicant_name, item_name, received_date, old_due, new_due,
    change ('later' | 'earlier' | 'same'), printed, default action."""
    sql = ("SELECT uuid, ticket_no, township_code, applicant_name, item_name, status, received_date, promised_days, "
           "paused_days, due_date FROM tickets INDEXED BY idx_tickets_provisional WHERE due_provisional = 1 "
           f"AND {states.sql_in(states.OPEN_STATUSES)} AND deleted = 0")
    params: list = []
    if township_code:
        sql += " AND township_code = ?"
        params.append(township_code)
    rows = records.rows(db, sql + " ORDER BY due_date, ticket_no", params)
    if not rows:
        return []
    cal = workdays.calendar(db)
    printed = _printed_receipts(db)
    out = []
    for r in rows:
        received = dt.date.fromisoformat(r["received_date"])
        new_due, still = cal.add_marked(received, r["promised_days"] + r["paused_days"], "承诺办结日期")
        if still:
            continue  # its years are still provisional
        old = r["due_date"]
        change = "same" if new_due.isoformat() == old else ("later" if new_due.isoformat() > old else "earlier")
        r["old_due"], r["new_due"], r["change"] = old, new_due.isoformat(), change
        r["printed"] = (r["township_code"], r["ticket_no"]) in printed
        r["default"] = KEEP if change == "earlier" and r["printed"] else MOVE
        out.append(r)
    return out


def may_confirm(db: Database, actor: Actor, today: dt.date | None = None) -> bool:
    """The administrator, or the window worker who is today's 值班长."""
    if actor.can("calendar.write"):
        return True
    if not actor.can("tickets.write"):
        return False
    from models.service import tickets

    chief = tickets.duty_chief_on(db, today or dt.date.today())
    return bool(chief) and chief in {getattr(actor, "display_name", ""), getattr(actor, "username", "")}


def reconcile(db: Database, actor: Actor, decisions: dict[str, str] | None = None, today: dt.date | None = None,
              township_code: str | None = None) -> dict:
    """Confirm the pending list. `decisions` maps ticket uuid → MOVE or KEEP and
    overrides the default of that ticket. One transaction; returns counts
    {moved, kept, unchanged}."""
    require(actor, "tickets.write")
    today = today or dt.date.today()
    if not may_confirm(db, actor, today):
        raise PermissionDenied("只有今日值班长或管理员可以确认正式工作日历带来的承诺办结日期变化"
                               "（请在“值班长与集中办理日”页排定今日值班长）。")
    decisions = dict(decisions or {})
    for action in decisions.values():
        if action not in (MOVE, KEEP):
            raise ValidationError("处理方式", f"“{action}”应为调整或保留。")
    from models.service import tickets

    counts = {"moved": 0, "kept": 0, "unchanged": 0}
    with db.atomic():
        rows = pending(db, township_code)
        years = sorted({int(r["new_due"][:4]) for r in rows} | {int(r["old_due"][:4]) for r in rows})
        label = f"正式工作日历（{workdays.provisional_label(years)}）" if years else "正式工作日历"
        for r in rows:
            action = decisions.get(r["uuid"], r["default"])
            if r["change"] == "same":
                records.update(db, "tickets", r["uuid"], {"due_provisional": 0}, actor)
                note = f"{label}已到：承诺办结日期 {r['old_due']} 不变（原按法定节假日预估）"
                counts["unchanged"] += 1
            elif action == MOVE:
                records.update(db, "tickets", r["uuid"], {"due_date": r["new_due"], "due_provisional": 0}, actor)
                note = (f"{label}已到：承诺办结日期由 {r['old_due']} 调整为 {r['new_due']}"
                        f"（原按法定节假日预估，{'提前' if r['change'] == 'earlier' else '顺延'}）")
                counts["moved"] += 1
            else:
                records.update(db, "tickets", r["uuid"], {"due_provisional": 0}, actor)
                note = (f"{label}已到：按正式日历应为 {r['new_due']}，"
                        + ("已打印回执向群众承诺 " if r["printed"] else "保留原承诺 ") + f"{r['old_due']}，不作调整")
                counts["kept"] += 1
            tickets._event(db, actor, r["uuid"], r["status"], r["status"], today.isoformat(), note)
        if rows:
            audit.record(db, actor, "reconcile", "tickets", None, None, {"years": years, **counts})
    return counts
