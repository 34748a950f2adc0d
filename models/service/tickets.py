"""Tickets (办件): the one-window request log.

A ticket is registered at the window (一窗受理) by the first receiver (首问责任人),
has a promised time limit in working days, and moves through
受理 → 办理中 → (补正: waiting for the citizen, clock paused) → 办结 / 不予受理 / 退回.
Every transition is stored in `ticket_events` with its time and author.
After 办结 a call-back (回访) records a five-level rating (好差评); a bad rating
opens a rectification item (整改) with its own deadline.

Writing needs "tickets.write". Every action is one transaction, audited through
models.core.records. Lists are read in windows (see `fetch_window`) so the tab
works with a million tickets.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, TypedDict

from models.service import catalogue

from models.core import records

from models.core import settings

from models.service import search, workdays
from models.core.errors import ValidationError
from models.core.personal import check_text, mask_id, mask_phone, parse_date, validate_id_number, validate_phone
from models.core.users import require
# The state machine is one table (models/service/states.py); the names stay importable from here.
from models.service.states import (ACCEPTED, CLOSED_STATUSES, CORRECTION, FINISHED, HANDLING,  # noqa: F401
                                   OPEN_STATUSES, REJECTED, RETURNED, RUNNING_STATUSES, STATUSES, TRANSITIONS,
                                   sql_in)

if TYPE_CHECKING:  # annotations only (models.core.db reaches this room through the migrations)
    from sqlite_utils import Database
    from models.core.users import Actor

TABLE = "tickets"
CHANNELS = ("来访", "来电", "来信", "民情日记", "村帮办点", "热线")
KINDS = catalogue.KINDS
RATINGS = {5: "非常满意", 4: "满意", 3: "基本满意", 2: "不满意", 1: "非常不满意"}
SATISFIED_MIN = 3  # 好评: 基本满意 and better; 不满意 / 非常不满意 are 差评
BAD_RATING_MAX = 2
RECT_OPEN, RECT_DONE = "整改中", "已整改"

settings.register("service.due_soon_days", 1, "办件临期提醒（提前工作日数）", int)
settings.register("service.callback_days", 3, "办结后回访期限（工作日）", int)
settings.register("service.rectify_days", 5, "差评整改期限（工作日）", int)

# Columns the ticket list shows (never SELECT * over a million rows).
LIST_COLUMNS = ("id", "uuid", "ticket_no", "received_date", "channel", "applicant_name", "applicant_phone",
                "applicant_village", "item_name", "department", "kind", "status", "due_date", "finished_date",
                "days_late", "rating", "handler_name", "first_receiver", "township_code", "request_text",
                "due_provisional")


def _today() -> dt.date:
    return dt.date.today()


def _actor_name(actor: Actor) -> str:
    return getattr(actor, "display_name", "") or getattr(actor, "username", "") or str(actor)


def _date(value, label: str, default: dt.date | None = None, allow_future: bool = False) -> dt.date:
    # The future is judged by the callers against their own `today`.
    d = parse_date(value, label, allow_future=True)
    if d is None:
        if default is None:
            raise ValidationError(label, "不能为空。")
        return default
    return d


# ---- cadres (soft reference to the roster's table) -------------------------

def _table_exists(db: Database, name: str) -> bool:
    return db.execute("SELECT 1 FROM sqlite_master WHERE type='table' AND name=?", [name]).fetchone() is not None


def cadre_name(db: Database, cadre_uuid: str | None) -> str | None:
    """Name of a live cadre, '' when the roster has no cadres table yet,
    None when the table exists but the cadre does not."""
    if not cadre_uuid:
        return ""
    if not _table_exists(db, "cadres"):
        return ""
    cols = {r[1] for r in db.execute("PRAGMA table_info(cadres)")}
    name_col = "name" if "name" in cols else None
    sql = f"SELECT {name_col or 'uuid'} FROM cadres WHERE uuid = ?" + (" AND deleted = 0" if "deleted" in cols else "")
    row = db.execute(sql, [cadre_uuid]).fetchone()
    if row is None:
        return None
    return row[0] if name_col else ""


def cadre_choices(db: Database) -> list[tuple[str, str]]:
    """(uuid, name) of the roster's cadres for the handler picker ([] without a roster)."""
    if not _table_exists(db, "cadres"):
        return []
    cols = {r[1] for r in db.execute("PRAGMA table_info(cadres)")}
    if "name" not in cols:
        return []
    where = " WHERE deleted = 0" if "deleted" in cols else ""
    return [(u, n) for u, n in db.execute(f"SELECT uuid, name FROM cadres{where} ORDER BY name")]


# ---- intake ----------------------------------------------------------------

def next_ticket_no(db: Database, township_code: str, year: int) -> tuple[str, int]:
    """Next number of the year for a township: ('2026-000123', 123)."""
    row = db.execute("SELECT max(seq) FROM tickets WHERE township_code = ? AND year = ?", [township_code, year]).fetchone()
    seq = (row[0] or 0) + 1
    return f"{year}-{seq:06d}", seq


def promise(db: Database, item: dict | None, kind: str, received: dt.date, promised_days=None,
            cal: workdays.Calendar | None = None) -> tuple[int, dt.date]:
    """The promised working days and the promised date of a ticket received on `received`:
    one rule for the intake form's live preview and for the saved ticket. `cal`: the
    calendar already read (a bulk import reads it once, not per row)."""
    if kind == "即办件":
        promised = 0
    else:
        raw = promised_days
        if raw in (None, ""):
            raw = item["time_limit_days"] if item else 5
        try:
            promised = int(raw)
        except (TypeError, ValueError):
            raise ValidationError("承诺时限", "必须是整数（工作日）。") from None
        if promised < 1 or promised > catalogue.MAX_TIME_LIMIT:
            raise ValidationError("承诺时限", f"{kind}的承诺时限应在 1 到 {catalogue.MAX_TIME_LIMIT} 个工作日之间。")
    return promised, (cal or workdays.calendar(db)).add(received, promised, "受理日期")


def promise_preview(db: Database, item_uuid: str | None, kind: str, today: dt.date | None = None) -> tuple[int, dt.date]:
    """What the window tells the citizen before saving: working days and the promised date if registered today."""
    item = catalogue.get_item(db, item_uuid) if item_uuid else None
    return promise(db, item, kind, today or _today())


# A ticket's free-text fields: key -> (label, longest, required, multiline). The intake form
# (validate_ticket) and the check of the rows a hand-off package brings (models/handoff/form_rules.py) read it.
TEXT_FIELDS = {
    "applicant_name": ("申请人", 30, True, False),
    "applicant_village": ("村（社区）", 30, False, False),
    "item_name": ("服务事项", 60, False, False),
    "department": ("部门", 30, False, False),
    "request_text": ("诉求内容", 2000, True, True),
    "cooperating_departments": ("协办部门", 200, False, False),
    "county_office": ("上报县级部门", 60, False, False),
    "handler_name": ("承办人", 30, False, False),
    "first_receiver": ("首问责任人", 30, False, False),
}


def check_ticket_text(key: str, value) -> str:
    """One free-text field of a ticket, checked as the form checks it."""
    label, longest, required, multiline = TEXT_FIELDS[key]
    return check_text(value, label, longest, required=required, multiline=multiline)


def validate_ticket(db: Database, values: dict, today: dt.date | None = None, cal: workdays.Calendar | None = None) -> dict:
    """Check and normalise the fields of a new ticket; raise ValidationError naming the field.
    `cal`: the working-day calendar already read (bulk imports), else read here."""
    today = today or _today()
    cal = cal or workdays.calendar(db)
    out: dict = {}
    out["applicant_name"] = check_ticket_text("applicant_name", values.get("applicant_name"))
    out["applicant_phone"] = validate_phone(values.get("applicant_phone"), "联系电话", required=True)
    out["applicant_village"] = check_ticket_text("applicant_village", values.get("applicant_village"))
    id_number = (values.get("applicant_id_number") or "").strip()
    out["applicant_id_number"] = validate_id_number(id_number, "身份证号", today=today) if id_number else ""
    channel = values.get("channel") or "来访"
    if channel not in CHANNELS:
        raise ValidationError("受理渠道", f"应为{'、'.join(CHANNELS)}之一。")
    out["channel"] = channel
    item = None
    if values.get("item_uuid"):
        item = catalogue.get_item(db, values["item_uuid"])
        if item is None:
            raise ValidationError("服务事项", "所选事项不存在或已删除。")
        out["item_uuid"], out["item_name"], out["department"] = item["uuid"], item["name"], item["department"]
    else:
        out["item_uuid"] = None
        out["item_name"] = check_ticket_text("item_name", values.get("item_name"))
        out["department"] = check_ticket_text("department", values.get("department"))
        if not out["department"]:
            raise ValidationError("服务事项", "请选择服务事项（或至少填写承办部门）。")
    out["request_text"] = check_ticket_text("request_text", values.get("request_text"))
    kind = values.get("kind") or (item["default_kind"] if item else "承办件")
    if kind not in KINDS:
        raise ValidationError("办件类型", f"应为{'、'.join(KINDS)}之一。")
    out["kind"] = kind
    out["cooperating_departments"] = check_ticket_text("cooperating_departments", values.get("cooperating_departments"))
    out["county_office"] = check_ticket_text("county_office", values.get("county_office"))
    if kind == "联办件" and not out["cooperating_departments"]:
        raise ValidationError("协办部门", "联办件须填写协办部门。")
    if kind == "上报件" and not out["county_office"]:
        raise ValidationError("上报县级部门", "上报件须填写上报的县级部门。")
    received = _date(values.get("received_date"), "受理日期", default=today)
    if received > today:
        raise ValidationError("受理日期", f"{received.isoformat()} 在未来。")
    out["received_date"] = received.isoformat()
    out["promised_days"], due = promise(db, item, kind, received, values.get("promised_days"), cal)
    out["due_date"] = due.isoformat()
    # A year without the official calendar yet is counted by the law's rule: the
    # citizen is never refused, the date is marked provisional (see workdays).
    out["due_provisional"] = int(cal.depends_on_provisional(received, due))
    handler = values.get("handler_cadre_uuid") or None
    name = cadre_name(db, handler)
    if name is None:
        raise ValidationError("承办人", "所选干部不在干部名册中（或已删除）。")
    out["handler_cadre_uuid"] = handler
    out["handler_name"] = check_ticket_text("handler_name", values.get("handler_name") or name or "")
    out["proxy_service"] = 1 if values.get("proxy_service") else 0
    out["home_service"] = 1 if values.get("home_service") else 0
    return out


def create_ticket(db: Database, actor: Actor, values: dict, finish_result: str | None = None, today: dt.date | None = None) -> dict:
    """Register a request at the window. `finish_result` closes a 即办件 on the
    spot in the same transaction. Returns the stored ticket."""
    require(actor, "tickets.write")
    today = today or _today()
    row = validate_ticket(db, values, today)
    if finish_result is not None and not (finish_result or "").strip():
        raise ValidationError("办理结果", "当场办结须填写办理结果。")
    row["first_receiver"] = check_ticket_text("first_receiver", values.get("first_receiver") or _actor_name(actor))
    row["status"] = ACCEPTED
    with db.atomic():
        code = values.get("township_code") or records.local_township_code(db)
        year = int(row["received_date"][:4])
        row["ticket_no"], row["seq"] = next_ticket_no(db, code, year)
        row["year"] = year
        key = records.insert(db, TABLE, row, actor, township_code=code)
        _event(db, actor, key, None, ACCEPTED, row["received_date"], f"受理（{row['channel']}）")
        if finish_result is not None:
            _finish(db, actor, _written(db, key), finish_result, dt.date.fromisoformat(row["received_date"]), today)
        # Inside the same transaction: nothing can fail after the commit and
        # make a saved ticket look unsaved (a second window flushes too).
        flush_fts(db)
        saved = _written(db, key)
    return saved


def _event(db: Database, actor: Actor, ticket_uuid: str, from_status, to_status: str, event_date: str | None, note: str = "") -> None:
    code = db.execute("SELECT township_code FROM tickets WHERE uuid = ?", [ticket_uuid]).fetchone()[0]
    records.insert(db, "ticket_events", {
        "ticket_uuid": ticket_uuid, "at": records.now_iso(), "actor": _actor_name(actor),
        "from_status": from_status, "to_status": to_status, "event_date": event_date, "note": note,
    }, actor, township_code=code)


def get_ticket(db: Database, key: str) -> dict | None:
    """A ticket by uuid, or None."""
    return records.get(db, TABLE, key)


def _written(db: Database, key: str) -> dict:
    """The ticket an action has just written (it exists)."""
    return records.get_existing(db, TABLE, key)


def get_by_no(db: Database, ticket_no: str, township_code: str | None = None) -> dict | None:
    """A ticket by its number (in the local township unless township_code is given)."""
    code = township_code or records.local_township_code(db)
    r = records.rows(db, "SELECT * FROM tickets WHERE township_code = ? AND ticket_no = ? AND deleted = 0",
                     [code, ticket_no.strip()])
    return r[0] if r else None


def _load(db: Database, key: str) -> dict:
    t = get_ticket(db, key)
    if t is None:
        raise ValidationError("办件", "办件不存在或已删除。")
    return t


def _require(t: dict, action: str) -> None:
    """Refuse `action` (a key of states.TRANSITIONS) unless the table allows it from the ticket's status."""
    if t["status"] not in TRANSITIONS[action].sources:
        raise ValidationError("状态", f"办件 {t['ticket_no']} 当前为“{t['status']}”，不能{TRANSITIONS[action].label}。")


# ---- transitions -----------------------------------------------------------

def start_handling(db: Database, actor: Actor, key: str, note: str = "", handler_cadre_uuid: str | None = None,
                   handler_name: str = "") -> dict:
    """受理 → 办理中, optionally assigning the handler cadre."""
    require(actor, "tickets.write")
    note = check_text(note, "备注", 500, multiline=True)
    with db.atomic():
        t = _load(db, key)
        _require(t, "start")
        changes = {"status": HANDLING}
        if handler_cadre_uuid or handler_name:
            changes.update(_handler_changes(db, handler_cadre_uuid, handler_name))
        records.update(db, TABLE, key, changes, actor)
        _event(db, actor, key, t["status"], HANDLING, _today().isoformat(), note)
    return _written(db, key)


def _handler_changes(db: Database, cadre_uuid, name) -> dict:
    found = cadre_name(db, cadre_uuid)
    if found is None:
        raise ValidationError("承办人", "所选干部不在干部名册中（或已删除）。")
    return {"handler_cadre_uuid": cadre_uuid or None,
            "handler_name": check_text(name or found or "", "承办人", 30)}


def assign_handler(db: Database, actor: Actor, key: str, cadre_uuid: str | None, name: str = "") -> dict:
    """Set who handles an open ticket (a roster cadre, or just a name)."""
    require(actor, "tickets.write")
    with db.atomic():
        t = _load(db, key)
        _require(t, "assign")
        changes = _handler_changes(db, cadre_uuid, name)
        records.update(db, TABLE, key, changes, actor)
        _event(db, actor, key, t["status"], t["status"], _today().isoformat(), f"承办人：{changes['handler_name']}")
    return _written(db, key)


def request_correction(db: Database, actor: Actor, key: str, note: str, date=None, today: dt.date | None = None) -> dict:
    """→ 补正: waiting for the citizen's missing materials; the clock stops from `date`."""
    require(actor, "tickets.write")
    today = today or _today()
    note = check_text(note, "补正说明", 500, required=True, multiline=True)
    with db.atomic():
        t = _load(db, key)
        _require(t, "correction")
        d = _date(date, "补正日期", default=today)
        if d.isoformat() < t["received_date"]:
            raise ValidationError("补正日期", f"早于受理日期 {t['received_date']}。")
        if d > today:
            raise ValidationError("补正日期", f"{d.isoformat()} 在未来。")
        workdays.calendar(db).check(d, "补正日期")
        records.update(db, TABLE, key, {"status": CORRECTION, "pause_started": d.isoformat()}, actor)
        _event(db, actor, key, t["status"], CORRECTION, d.isoformat(), note)
    return _written(db, key)


def resume(db: Database, actor: Actor, key: str, date=None, note: str = "", today: dt.date | None = None) -> dict:
    """补正 → 办理中: the citizen supplied the materials. The working days paused
    are added to the due date."""
    require(actor, "tickets.write")
    today = today or _today()
    note = check_text(note, "备注", 500, multiline=True)
    with db.atomic():
        t = _load(db, key)
        _require(t, "resume")
        d = _date(date, "补正完成日期", default=today)
        if d.isoformat() < t["pause_started"]:
            raise ValidationError("补正完成日期", f"早于开始补正的日期 {t['pause_started']}。")
        if d > today:
            raise ValidationError("补正完成日期", f"{d.isoformat()} 在未来。")
        cal = workdays.calendar(db)
        paused = cal.between(dt.date.fromisoformat(t["pause_started"]), d, "补正完成日期")
        total = t["paused_days"] + paused
        due, provisional = cal.add_marked(dt.date.fromisoformat(t["received_date"]), t["promised_days"] + total,
                                          "承诺办结日期")
        records.update(db, TABLE, key, {"status": HANDLING, "pause_started": None, "paused_days": total,
                                        "due_date": due.isoformat(), "due_provisional": int(provisional)}, actor)
        _event(db, actor, key, CORRECTION, HANDLING, d.isoformat(),
               (note + "；" if note else "") + f"补正暂停 {paused} 个工作日，承诺办结日期顺延至 {due.isoformat()}")
    return _written(db, key)


def _finish(db: Database, actor: Actor, t: dict, result: str, d: dt.date, today: dt.date) -> None:
    if d.isoformat() < t["received_date"]:
        raise ValidationError("办结日期", f"{d.isoformat()} 早于受理日期 {t['received_date']}，不能在受理前办结。")
    if d > today:
        raise ValidationError("办结日期", f"{d.isoformat()} 在未来。")
    cal = workdays.calendar(db)
    late = max(0, cal.between(dt.date.fromisoformat(t["due_date"]), d, "办结日期"))
    used = max(0, cal.between(dt.date.fromisoformat(t["received_date"]), d, "办结日期") - t["paused_days"])
    callback_due = workdays.add_workdays(db, d, int(settings.get(db, "service.callback_days")))
    records.update(db, TABLE, t["uuid"], {
        "status": FINISHED, "finished_date": d.isoformat(), "result": result, "days_late": late,
        "work_days_used": used, "callback_due": callback_due.isoformat(),
    }, actor)
    note = f"办理结果：{result}" + (f"（超期 {late} 个工作日）" if late else "")
    _event(db, actor, t["uuid"], t["status"], FINISHED, d.isoformat(), note)


def finish(db: Database, actor: Actor, key: str, result: str, date=None, today: dt.date | None = None) -> dict:
    """→ 办结 with the result. Days late (working days past the due date) are
    stored; a late ticket is an accountability record for the scorecard."""
    require(actor, "tickets.write")
    today = today or _today()
    result = check_text(result, "办理结果", 1000, required=True, multiline=True)
    with db.atomic():
        t = _load(db, key)
        if t["status"] == CORRECTION:
            raise ValidationError("状态", f"办件 {t['ticket_no']} 正在等待补正，请先登记补正完成再办结。")
        _require(t, "finish")
        _finish(db, actor, t, result, _date(date, "办结日期", default=today), today)
    return _written(db, key)


def reject(db: Database, actor: Actor, key: str, reason: str, date=None, today: dt.date | None = None) -> dict:
    """受理/办理中 → 不予受理 (the matter is not the office's), with the reason told
    to the citizen. Not from 补正: that ticket is 退回 (states.py says why)."""
    return _close(db, actor, key, "reject", reason, "不予受理理由", date, today)


def return_ticket(db: Database, actor: Actor, key: str, reason: str, date=None, today: dt.date | None = None) -> dict:
    """An open ticket → 退回 (e.g. belongs to another authority), with the reason."""
    return _close(db, actor, key, "return", reason, "退回理由", date, today)


def _close(db: Database, actor: Actor, key, action: str, reason, label, date, today) -> dict:
    status = TRANSITIONS[action].target or ""  # reject and return lead to a closed status
    require(actor, "tickets.write")
    today = today or _today()
    reason = check_text(reason, label, 500, required=True, multiline=True)
    with db.atomic():
        t = _load(db, key)
        _require(t, action)
        d = _date(date, "日期", default=today)
        if d.isoformat() < t["received_date"]:
            raise ValidationError("日期", f"早于受理日期 {t['received_date']}。")
        if d > today:
            raise ValidationError("日期", f"{d.isoformat()} 在未来。")
        records.update(db, TABLE, key, {"status": status, "close_reason": reason, "finished_date": d.isoformat(),
                                        "pause_started": None}, actor)
        _event(db, actor, key, t["status"], status, d.isoformat(), reason)
    return _written(db, key)


# ---- follow-up -------------------------------------------------------------

def rate(db: Database, actor: Actor, key: str, rating: int, comment: str = "", callback_date=None,
         today: dt.date | None = None) -> dict:
    """Record the call-back (回访) and the five-level rating (5 非常满意 … 1 非常不满意).
    A bad rating (不满意, 非常不满意) opens a rectification item."""
    require(actor, "tickets.write")
    today = today or _today()
    comment = check_text(comment, "评价意见", 500, multiline=True)
    try:
        rating = int(rating)
    except (TypeError, ValueError):
        raise ValidationError("满意度", "请选择五级评价之一。") from None
    if rating not in RATINGS:
        raise ValidationError("满意度", "应为 1（非常不满意）到 5（非常满意）。")
    with db.atomic():
        t = _load(db, key)
        if t["status"] not in TRANSITIONS["rate"].sources:
            raise ValidationError("满意度", f"办件 {t['ticket_no']} 尚未办结（当前“{t['status']}”），不能评价。")
        d = _date(callback_date, "回访日期", default=today)
        if d.isoformat() < t["finished_date"]:
            raise ValidationError("回访日期", f"早于办结日期 {t['finished_date']}。")
        if d > today:
            raise ValidationError("回访日期", f"{d.isoformat()} 在未来。")
        records.update(db, TABLE, key, {"rating": rating, "rating_comment": comment, "callback_date": d.isoformat()}, actor)
        _event(db, actor, key, FINISHED, FINISHED, d.isoformat(),
               f"回访评价：{RATINGS[rating]}" + (f"，{comment}" if comment else ""))
        if rating <= BAD_RATING_MAX:
            has_open = db.execute("SELECT 1 FROM ticket_rectifications WHERE ticket_uuid = ? AND status = ? AND deleted = 0",
                                  [key, RECT_OPEN]).fetchone()
            if not has_open:
                deadline = workdays.add_workdays(db, d, int(settings.get(db, "service.rectify_days")))
                records.insert(db, "ticket_rectifications", {
                    "ticket_uuid": key, "opened_date": d.isoformat(), "deadline": deadline.isoformat(),
                    "status": RECT_OPEN, "note": f"差评（{RATINGS[rating]}）：{comment}"[:500],
                }, actor, township_code=t["township_code"])
    return _written(db, key)


def confirm(db: Database, actor: Actor, key: str, confirmed: bool = True, date=None, today: dt.date | None = None) -> dict:
    """群众确认: the citizen signed off on the result (or withdrew the confirmation)."""
    require(actor, "tickets.write")
    today = today or _today()
    with db.atomic():
        t = _load(db, key)
        if t["status"] not in TRANSITIONS["confirm"].sources:
            raise ValidationError("群众确认", f"办件 {t['ticket_no']} 尚未办结，不能确认。")
        d = _date(date, "确认日期", default=today)
        if d.isoformat() < t["finished_date"]:
            raise ValidationError("确认日期", f"早于办结日期 {t['finished_date']}。")
        records.update(db, TABLE, key, {"confirmed": 1 if confirmed else 0,
                                        "confirmed_at": d.isoformat() if confirmed else None}, actor)
        _event(db, actor, key, FINISHED, FINISHED, d.isoformat(), "群众已确认办理结果" if confirmed else "撤销群众确认")
    return _written(db, key)


def finish_rectification(db: Database, actor: Actor, rect_uuid: str, note: str, date=None, today: dt.date | None = None) -> dict:
    """Close a rectification item with what was done."""
    require(actor, "tickets.write")
    today = today or _today()
    note = check_text(note, "整改情况", 500, required=True, multiline=True)
    with db.atomic():
        r = records.get(db, "ticket_rectifications", rect_uuid)
        if r is None:
            raise ValidationError("整改", "整改事项不存在。")
        if r["status"] != RECT_OPEN:
            raise ValidationError("整改", "该整改事项已完成。")
        d = _date(date, "整改完成日期", default=today)
        if d.isoformat() < r["opened_date"]:
            raise ValidationError("整改完成日期", f"早于整改开始日期 {r['opened_date']}。")
        return records.update(db, "ticket_rectifications", rect_uuid,
                              {"status": RECT_DONE, "done_date": d.isoformat(), "done_note": note}, actor)


def rectifications(db: Database, status: str | None = None, township_code: str | None = None) -> list[dict]:
    """Rectification items with their ticket number and applicant, deadline first."""
    sql = ("SELECT r.uuid, r.opened_date, r.deadline, r.status, r.note, r.done_date, r.done_note, "
           "t.ticket_no, t.applicant_name, t.item_name, t.handler_name, t.uuid AS ticket_uuid "
           "FROM ticket_rectifications r JOIN tickets t ON t.uuid = r.ticket_uuid WHERE r.deleted = 0")
    params: list = []
    if status:
        sql += " AND r.status = ?"
        params.append(status)
    if township_code:
        sql += " AND r.township_code = ?"
        params.append(township_code)
    return records.rows(db, sql + " ORDER BY r.status, r.deadline", params)


# ---- reading ---------------------------------------------------------------

@dataclass
class TicketFilter:
    """What the ticket list shows. Empty fields do not filter."""

    status: str = ""  # one status, or "未办结" for all open ones
    kind: str = ""
    department: str = ""
    village: str = ""
    channel: str = ""
    deadline: str = ""  # "" | "overdue" (open past due, or finished late) | "overdue_open" | "due_soon" | "callback"
    date_from: str = ""  # received date range
    date_to: str = ""
    search: str = ""
    township_code: str = ""
    handler_cadre_uuid: str = ""
    extra: dict = field(default_factory=dict)


OPEN_LABEL = "未办结"
def due_soon_limit(db: Database, today: dt.date | None = None) -> dt.date:
    """The last due date counted as 'due soon' (today + the setting in working days)."""
    today = today or _today()
    return workdays.add_workdays(db, today, int(settings.get(db, "service.due_soon_days")))


def where_clause(db: Database, f: TicketFilter, today: dt.date | None = None) -> tuple[str, list]:
    """SQL WHERE (without the word) and parameters for a filter. Every branch has an index."""
    today = today or _today()
    parts, params = ["deleted = 0"], []
    if f.township_code:
        parts.append("township_code = ?")
        params.append(f.township_code)
    if f.status == OPEN_LABEL:
        parts.append(f"status IN ({','.join('?' * len(OPEN_STATUSES))})")
        params += list(OPEN_STATUSES)
    elif f.status:
        parts.append("status = ?")
        params.append(f.status)
    for col, value in (("kind", f.kind), ("department", f.department), ("applicant_village", f.village),
                       ("channel", f.channel), ("handler_cadre_uuid", f.handler_cadre_uuid)):
        if value:
            parts.append(f"{col} = ?")
            params.append(value)
    if f.date_from:
        parts.append("received_date >= ?")
        params.append(_date(f.date_from, "开始日期", allow_future=True).isoformat())
    if f.date_to:
        parts.append("received_date <= ?")
        params.append(_date(f.date_to, "结束日期", allow_future=True).isoformat())
    if f.deadline == "overdue":
        parts.append(f"(days_late > 0 OR ({sql_in(RUNNING_STATUSES)} AND due_date < ?))")
        params.append(today.isoformat())
    elif f.deadline == "overdue_open":
        parts.append(f"{sql_in(RUNNING_STATUSES)} AND due_date < ?")
        params.append(today.isoformat())
    elif f.deadline == "due_soon":
        parts.append(f"{sql_in(RUNNING_STATUSES)} AND due_date >= ? AND due_date <= ?")
        params += [today.isoformat(), due_soon_limit(db, today).isoformat()]
    elif f.deadline == "callback":
        parts.append(f"status = '{FINISHED}' AND rating IS NULL")
    expression = search.match_expression(f.search)
    if expression:
        # Deleted tickets are not in the index; the fast paths (count_tickets,
        # fetch_window) drive the query from the index instead of this IN list.
        parts.append(f"id IN (SELECT rowid FROM {search.TABLE} WHERE {search.TABLE} MATCH ?)")
        params.append(expression)
    return " AND ".join(parts), params


def flush_fts(db: Database) -> int:
    """Apply queued changes to the search index (see models/service/schema.py).
    Cheap when nothing is queued; returns the number of changes applied."""
    if db.execute("SELECT 1 FROM tickets_fts_pending LIMIT 1").fetchone() is None:
        return 0
    with db.atomic():
        # Read again under the write lock: another process may have applied the queue meanwhile.
        pending = db.execute(f"SELECT seq, op, row_id, {', '.join(search.FIELDS)} FROM tickets_fts_pending "
                             "ORDER BY seq").fetchall()
        if not pending:
            return 0
        for _, op, row_id, *values in pending:
            if op == "d":
                search.remove(db, row_id, values)
            else:
                search.add(db, row_id, values)
        db.execute("DELETE FROM tickets_fts_pending WHERE seq <= ?", [pending[-1][0]])
    return len(pending)


def is_slow_filter(f: TicketFilter) -> bool:
    """Whether counting this filter may take long enough to count in the
    background: a search combined with other filters (each match is looked
    up). A search alone, or within a township, is counted in the index."""
    return bool(search.match_expression(f.search)) and _search_only(f) is None


def open_reader(path):
    """A separate read-only connection for background counts (never share the
    GUI's connection across threads)."""
    import sqlite_utils

    from models.core.db import connect_readonly

    return sqlite_utils.Database(connect_readonly(path))


def _without_search(f: TicketFilter) -> TicketFilter:
    return dataclasses.replace(f, search="")


def _search_only(f: TicketFilter) -> str | None:
    """The whole filter as one MATCH expression when it is a search, perhaps
    within one township, and nothing else (then the index alone answers it)."""
    expression = search.match_expression(f.search)
    if not expression or _without_search(dataclasses.replace(f, township_code="")) != TicketFilter():
        return None
    if f.township_code:
        expression = f"({expression}) AND {search.township_term(f.township_code)}"
    return expression


def count_tickets(db: Database, f: TicketFilter, today: dt.date | None = None, at_most: int | None = None) -> int:
    """How many tickets the filter matches (the list counts once per filter).
    With at_most, counting stops past that many and answers at_most + 1: a
    common word (120,000 matches at a county) is counted in the time of 10,000."""

    def count(sql: str, params: list) -> int:
        if at_most is not None:
            sql = f"SELECT count(*) FROM (SELECT 1 {sql} LIMIT {int(at_most) + 1})"
        else:
            sql = f"SELECT count(*) {sql}"
        return db.execute(sql, params).fetchone()[0]

    expression = search.match_expression(f.search)
    if expression:
        flush_fts(db)
        only = _search_only(f)
        if only:
            return count(f"FROM {search.TABLE} WHERE {search.TABLE} MATCH ?", [only])
        where, params = where_clause(db, _without_search(f), today)
        return count(f"FROM {search.TABLE} s CROSS JOIN tickets t ON t.id = s.rowid "
                     f"WHERE {search.TABLE} MATCH ? AND {where}", [expression, *params])
    where, params = where_clause(db, f, today)
    return count(f"FROM tickets WHERE {where}", params)


def fetch_window(db: Database, f: TicketFilter, offset: int, limit: int, total: int | None = None,
                 today: dt.date | None = None) -> list[dict]:
    """Rows offset..offset+limit of the filtered list, newest first. Near the end
    of the list the query runs in the opposite order with a small offset, so
    jumping to the last row costs as little as showing the first. A search is
    driven from the index in id order (no scan, no sort), the other filters
    checked on each match."""
    expression = search.match_expression(f.search)
    if expression:
        flush_fts(db)
        where, params = where_clause(db, _without_search(f), today)
        if f.township_code:
            expression = f"({expression}) AND {search.township_term(f.township_code)}"
        source = f"{search.TABLE} s CROSS JOIN tickets t ON t.id = s.rowid WHERE {search.TABLE} MATCH ? AND {where}"
        params, order_key = [expression, *params], "s.rowid"
        cols = ", ".join(f"t.{c}" for c in LIST_COLUMNS)
    else:
        where, params = where_clause(db, f, today)
        source, order_key = f"tickets WHERE {where}", "id"
        cols = ", ".join(LIST_COLUMNS)
    offset, limit = max(0, int(offset)), max(0, int(limit))
    if total is not None and offset > total // 2:
        back_offset = max(0, total - offset - limit)
        back_limit = min(limit, total - offset)
        if back_limit <= 0:
            return []
        rows = records.rows(db, f"SELECT {cols} FROM {source} ORDER BY {order_key} ASC LIMIT ? OFFSET ?",
                            [*params, back_limit, back_offset])
        return list(reversed(rows))
    return records.rows(db, f"SELECT {cols} FROM {source} ORDER BY {order_key} DESC LIMIT ? OFFSET ?",
                        [*params, limit, offset])


def deadline_state(row: dict, today: dt.date, soon_limit: dt.date) -> str:
    """'overdue', 'due_soon', 'late' (finished past due), 'paused' or '' for colouring a row."""
    status = row["status"]
    if status in (ACCEPTED, HANDLING):
        if row["due_date"] < today.isoformat():
            return "overdue"
        if row["due_date"] <= soon_limit.isoformat():
            return "due_soon"
        return ""
    if status == CORRECTION:
        return "paused"
    if status == FINISHED and (row.get("days_late") or 0) > 0:
        return "late"
    return ""


def open_days_late(db: Database, row: dict, today: dt.date | None = None) -> int:
    """Working days an open ticket is past its due date today (0 when not late)."""
    today = today or _today()
    if row["status"] not in (ACCEPTED, HANDLING) or row["due_date"] >= today.isoformat():
        return 0
    return max(0, workdays.workdays_between(db, row["due_date"], today))


def desk_counts(db: Database, township_code: str = "", today: dt.date | None = None) -> dict:
    """Counts shown on the tab: open, overdue, due soon, waiting for call-back, open rectifications.
    Each badge counts exactly what its filter in the ledger lists (the same where_clause)."""
    today = today or _today()
    badge_filters = {
        "open": TicketFilter(status=OPEN_LABEL, township_code=township_code),
        "overdue": TicketFilter(deadline="overdue_open", township_code=township_code),
        "due_soon": TicketFilter(deadline="due_soon", township_code=township_code),
        "callback": TicketFilter(deadline="callback", township_code=township_code),
    }
    counts = {key: count_tickets(db, f, today) for key, f in badge_filters.items()}
    tw = " AND township_code = ?" if township_code else ""
    counts["rectify"] = db.execute(
        f"SELECT count(*) FROM ticket_rectifications WHERE status = '整改中' AND deleted = 0{tw}",
        [township_code] if township_code else []).fetchone()[0]
    return counts


def ticket_detail(db: Database, key: str) -> dict:
    """The ticket with its whole history (events) and rectification items."""
    t = _load(db, key)
    t["events"] = records.rows(db, "SELECT at, actor, from_status, to_status, event_date, note FROM ticket_events "
                                   "WHERE ticket_uuid = ? AND deleted = 0 ORDER BY id", [key])
    t["rectifications"] = records.rows(db, "SELECT * FROM ticket_rectifications WHERE ticket_uuid = ? AND deleted = 0 "
                                           "ORDER BY id", [key])
    t["rating_label"] = RATINGS.get(t["rating"], "") if t["rating"] else ""
    t["applicant_id_masked"] = mask_id(t["applicant_id_number"])
    t["applicant_phone_masked"] = mask_phone(t["applicant_phone"])
    return t


def recent_applicants(db: Database, limit: int = 300) -> list[dict]:
    """Distinct recent applicants (name, phone, village) for the intake form's completer."""
    seen, out = set(), []
    for name, phone, village in db.execute(
        "SELECT applicant_name, applicant_phone, applicant_village FROM tickets WHERE deleted = 0 "
        "ORDER BY id DESC LIMIT ?", [limit * 4]
    ):
        if (name, phone) in seen:
            continue
        seen.add((name, phone))
        out.append({"name": name, "phone": phone, "village": village})
        if len(out) >= limit:
            break
    return out


def villages_in_use(db: Database, township_code: str = "") -> list[str]:
    """Villages for the filter: the township's villages (tickets use their names)."""
    from models.core import township

    names = [v["name"] for v in township.villages(db, township_code or None)]
    return names


class Receipt(TypedDict):
    """What the 受理回执 (acceptance receipt) prints about one ticket."""

    ticket_no: str
    township_name: str
    applicant_name: str
    applicant_phone_masked: str
    applicant_id_masked: str
    applicant_village: str | None
    item_name: str
    department: str
    request_text: str | None
    kind: str
    channel: str
    received_date: str
    promised_days: int
    due_date: str | None
    due_provisional: bool  # counted over a year without the official calendar
    promised_note: str  # the sentence the receipt prints then
    first_receiver: str
    handler_name: str
    status: str
    contact_phone: str
    supervision_phone: str
    progress_query: str


def receipt_data(db: Database, ticket_no: str, township_code: str | None = None) -> Receipt:
    """Plain data for the 受理回执 (acceptance receipt)."""
    t = get_by_no(db, ticket_no, township_code)
    if t is None:
        raise ValidationError("办件编号", f"找不到办件 {ticket_no}。")
    ident = settings.all_settings(db)
    return {
        "ticket_no": t["ticket_no"], "township_name": ident.get("township_name", ""),
        "applicant_name": t["applicant_name"], "applicant_phone_masked": mask_phone(t["applicant_phone"]),
        "applicant_id_masked": mask_id(t["applicant_id_number"]), "applicant_village": t["applicant_village"],
        "item_name": t["item_name"], "department": t["department"], "request_text": t["request_text"],
        "kind": t["kind"], "channel": t["channel"], "received_date": t["received_date"],
        "promised_days": t["promised_days"], "due_date": t["due_date"], "first_receiver": t["first_receiver"],
        "due_provisional": bool(t["due_provisional"]),
        "promised_note": workdays.PROVISIONAL_NOTE if t["due_provisional"] else "",
        "handler_name": t["handler_name"] or t["first_receiver"], "status": t["status"],
        "contact_phone": ident.get("office_phone", ""), "supervision_phone": ident.get("supervision_phone", ""),
        "progress_query": f"凭办件编号 {t['ticket_no']} 到便民服务中心窗口或拨打 "
                          f"{ident.get('office_phone', '') or '办公室电话'} 查询办理进度。",
    }


# ---- duty chief rota and 集中办理日 -----------------------------------------

def set_duty(db: Database, actor: Actor, duty_date, chief_name: str, cadre_uuid: str | None = None, note: str = "") -> str:
    """Set the 值班长 of a day (replaces an existing entry of that day)."""
    require(actor, "tickets.write")
    d = _date(duty_date, "值班日期", allow_future=True)
    chief_name = check_text(chief_name, "值班长", 30, required=True)
    note = check_text(note, "备注", 200)
    if cadre_name(db, cadre_uuid) is None:
        raise ValidationError("值班长", "所选干部不在干部名册中。")
    with db.atomic():
        old = db.execute("SELECT uuid FROM service_duty WHERE duty_date = ? AND deleted = 0 AND township_code = ?",
                         [d.isoformat(), records.local_township_code(db)]).fetchone()
        values = {"duty_date": d.isoformat(), "chief_name": chief_name, "cadre_uuid": cadre_uuid, "note": note}
        if old:
            records.update(db, "service_duty", old[0], values, actor)
            return old[0]
        return records.insert(db, "service_duty", values, actor)


def delete_duty(db: Database, actor: Actor, key: str) -> None:
    """Remove a rota entry."""
    require(actor, "tickets.write")
    with db.atomic():
        records.delete(db, "service_duty", key, actor)


def duty_rota(db: Database, date_from, date_to) -> list[dict]:
    """Rota entries in a date range."""
    return records.rows(db, "SELECT uuid, duty_date, chief_name, cadre_uuid, note FROM service_duty "
                            "WHERE deleted = 0 AND duty_date BETWEEN ? AND ? ORDER BY duty_date",
                        [str(date_from), str(date_to)])


def duty_chief_on(db: Database, date=None) -> str:
    """Name of the 值班长 on a day ('' when none set)."""
    d = (parse_date(date, "日期") or _today()).isoformat()
    row = db.execute("SELECT chief_name FROM service_duty WHERE duty_date = ? AND deleted = 0", [d]).fetchone()
    return row[0] if row else ""


WEEKDAYS = ("星期一", "星期二", "星期三", "星期四", "星期五", "星期六", "星期日")


def set_service_day(db: Database, actor: Actor, weekday: int, hours: str = "", place: str = "", note: str = "") -> str:
    """Set the weekly 集中办理日 (0 = Monday … 6 = Sunday); there is one, replaced when set again."""
    require(actor, "tickets.write")
    try:
        weekday = int(weekday)
    except (TypeError, ValueError):
        raise ValidationError("集中办理日", "请选择星期几。") from None
    if not 0 <= weekday <= 6:
        raise ValidationError("集中办理日", "请选择星期一到星期日之一。")
    values = {"weekday": weekday, "hours": check_text(hours, "时间", 40), "place": check_text(place, "地点", 60),
              "note": check_text(note, "备注", 200)}
    with db.atomic():
        old = db.execute("SELECT uuid FROM service_days WHERE deleted = 0 AND township_code = ?",
                         [records.local_township_code(db)]).fetchone()
        if old:
            records.update(db, "service_days", old[0], values, actor)
            return old[0]
        return records.insert(db, "service_days", values, actor)


def service_day(db: Database) -> dict | None:
    """The weekly 集中办理日 with a label ('每周星期三 9:00-17:00，便民服务中心大厅'), or None."""
    r = records.rows(db, "SELECT uuid, weekday, hours, place, note FROM service_days WHERE deleted = 0 AND township_code = ?",
                     [records.local_township_code(db)])
    if not r:
        return None
    d = r[0]
    d["label"] = f"每周{WEEKDAYS[d['weekday']]}" + (f" {d['hours']}" if d["hours"] else "") + (f"，{d['place']}" if d["place"] else "")
    return d


# Statistics and the scorecard's helpers live in ticket_stats; exported here.
from models.service.stats import (  # noqa: E402,F401
    accountability_records,
    finished_tickets,
    staff_performance,
    statistics,
)
