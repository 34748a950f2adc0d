"""Demo data of the service domain (called by models/demo/township.py) and the bulk
ticket generator the benchmark uses (`generate_tickets`)."""

from __future__ import annotations

import bisect
import datetime as dt
from contextlib import contextmanager

from models.core import audit, ids

from models.service import catalogue

from models.core import records

from models.service import search, tickets

from models.core import township

from models.service import workdays

from typing import TYPE_CHECKING

if TYPE_CHECKING:  # annotations only
    from models.core.users import Actor
    from sqlite_utils import Database

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
GIVEN = "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超秀兰霞平刚桂英建华文华红梅玉兰志强海燕金凤春花国平德明福生长根水英素珍小红晓东"
REQUEST_TEMPLATES = [
    "咨询{item}需要准备哪些材料，家住{village}。",
    "申请办理{item}，材料已带齐，请尽快办理。",
    "{village}村民反映：{item}进度如何，希望尽快答复。",
    "家中老人行动不便，请求上门办理{item}。",
    "代家属办理{item}，已提交身份证复印件。",
    "{item}：去年已申请，今年需要重新办理吗？",
    "通过村帮办点转来{item}申请，请窗口受理。",
    "来电询问{item}的办理条件和时限。",
]
HANDLER_NAMES = ["王丽", "陈强", "李华", "张敏", "刘洋", "赵军", "周静", "吴涛", "徐芳", "孙杰"]
CHANNEL_WEIGHTS = [("来访", 55), ("来电", 20), ("村帮办点", 10), ("民情日记", 6), ("热线", 6), ("来信", 3)]
RATING_WEIGHTS = [(5, 60), (4, 28), (3, 8), (2, 3), (1, 1)]
ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
COUNTY_OFFICES = {"新农合/医保": "县医疗保障局", "劳动保障/就业": "县人力资源和社会保障局", "林业": "县林业局",
                  "农技": "县农业农村局", "调解": "县司法局", "综合": "县公安局户政科", "国土": "县自然资源局"}


_CUMULATIVE: dict[int, tuple[list, list, float]] = {}


def _weighted(rng, pairs):
    """A weighted choice; cumulative weights are computed once per list (same
    choices as walking the list, a fraction of the time)."""
    cached = _CUMULATIVE.get(id(pairs))
    if cached is None or cached[0] is not pairs:
        cum: list[float] = []
        total: float = 0
        for _, w in pairs:
            total += w
            cum.append(total)
        cached = (pairs, cum, total)
        _CUMULATIVE[id(pairs)] = cached
    _, cum, total = cached
    i = bisect.bisect_right(cum, rng.random() * total)
    return pairs[min(i, len(pairs) - 1)][0]


def make_id_number(rng, area: str = "330106") -> str:
    """A valid-looking resident ID number (correct check character) for demo applicants."""
    birth = dt.date(1940, 1, 1) + dt.timedelta(days=rng.randint(0, 365 * 62))
    body = f"{area}{birth:%Y%m%d}{rng.randint(0, 999):03d}"
    check = "10X98765432"[sum(int(c) * w for c, w in zip(body, ID_WEIGHTS)) % 11]
    return body + check


def _applicants(rng, n, villages):
    out = []
    for _ in range(n):
        name = rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.choice((1, 2, 2))))
        phone = f"1{rng.choice('3456789')}{rng.randint(0, 999999999):09d}"
        out.append((name, phone, rng.choice(villages) if villages else "", make_id_number(rng) if rng.random() < 0.3 else ""))
    return out


_ADD_CACHE: dict = {}
_BETWEEN_CACHE: dict = {}


def _soft_add(cal, d: dt.date, n: int) -> dt.date:
    key = (id(cal), d, n)
    hit = _ADD_CACHE.get(key)
    if hit is None:
        hit = cal.add(d, n)  # years without the official calendar count by the law's rule
        if len(_ADD_CACHE) > 500_000:
            _ADD_CACHE.clear()
        _ADD_CACHE[key] = hit
    return hit


def _soft_between(cal, a: dt.date, b: dt.date) -> int:
    key = (id(cal), a, b)
    hit = _BETWEEN_CACHE.get(key)
    if hit is None:
        hit = cal.between(a, b)
        if len(_BETWEEN_CACHE) > 500_000:
            _BETWEEN_CACHE.clear()
        _BETWEEN_CACHE[key] = hit
    return hit


TICKET_COLUMNS = (
    "uuid", "township_code", "version", "updated_at", "updated_by", "deleted", "change_seq",
    "ticket_no", "year", "seq", "channel", "applicant_name", "applicant_phone", "applicant_village", "applicant_id_number",
    "item_uuid", "item_name", "department", "request_text", "kind", "status", "first_receiver", "handler_cadre_uuid",
    "handler_name", "cooperating_departments", "county_office", "proxy_service", "home_service", "received_date",
    "promised_days", "due_date", "paused_days", "pause_started", "finished_date", "result", "close_reason", "days_late",
    "work_days_used", "callback_due", "callback_date", "rating", "rating_comment", "confirmed", "confirmed_at",
)
EVENT_COLUMNS = ("uuid", "township_code", "version", "updated_at", "updated_by", "deleted", "change_seq",
                 "ticket_uuid", "at", "actor", "from_status", "to_status", "event_date", "note")
RECT_COLUMNS = ("uuid", "township_code", "version", "updated_at", "updated_by", "deleted", "change_seq",
                "ticket_uuid", "opened_date", "deadline", "status", "note")
# Tickets are written in chunks: the rows of a chunk, their audit and seals, then the next.
CHUNK = 10_000
# Below this many tickets the indexes are kept (dropping and rebuilding them costs more).
BULK_INDEX_LIMIT = 20_000


def _insert_sql(table: str, columns: tuple) -> str:
    return f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({','.join('?' * len(columns))})"


# Connections inside bulk_tickets (by id: an inner use joins the outer one).
_BULK_ACTIVE: set[int] = set()


@contextmanager
def bulk_tickets(db: Database, rebuild: bool = True, index_search: bool = True):
    """Load many tickets fast: the tickets' secondary indexes and summary
    triggers are dropped and the search queue switched off while the caller
    inserts; afterwards the indexes are built once (sorting once beats millions
    of random b-tree inserts), the monthly summaries counted again from the
    tickets, the triggers put back and the new tickets indexed for search in
    one pass. With rebuild=False (a few thousand tickets into a big file) the
    indexes and triggers stay and only the search indexing is done in one pass.
    With index_search=False the caller indexes the new tickets for search itself.
    Re-entrant: an inner use joins the outer one. Call inside the caller's
    transaction; on an error nothing is rebuilt (the caller rolls back)."""
    if id(db) in _BULK_ACTIVE:
        yield
        return
    from models.service.schema import refill_summaries

    first_id = db.execute("SELECT coalesce(max(id), 0) FROM tickets").fetchone()[0] + 1
    triggers = db.execute("SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'tickets' "
                          "AND name LIKE 'tickets_month_%'").fetchall() if rebuild else []
    indexes = db.execute("SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = 'tickets' "
                         "AND sql IS NOT NULL AND sql NOT LIKE 'CREATE UNIQUE%'").fetchall() if rebuild else []
    for name, _ in [*triggers, *indexes]:
        db.execute(f"DROP {'TRIGGER' if name.startswith('tickets_month_') else 'INDEX'} [{name}]")
    db.execute("UPDATE tickets_fts_control SET direct = 1 WHERE id = 1")
    _BULK_ACTIVE.add(id(db))
    try:
        yield
    finally:
        _BULK_ACTIVE.discard(id(db))
    for _, sql in [*indexes, *triggers]:
        db.execute(sql)
    if rebuild:
        refill_summaries(db)
    db.execute("UPDATE tickets_fts_control SET direct = 0 WHERE id = 1")
    if index_search:
        search.index_from(db, first_id)


def _version_after(status: str, kind: str, rating, confirmed: int) -> int:
    """The version a generated ticket has after the actions _ticket_history replays."""
    return (1 + (status in (tickets.HANDLING, tickets.CORRECTION, tickets.FINISHED) and kind != "即办件")
            + (status == tickets.CORRECTION) + (status in (tickets.FINISHED, tickets.REJECTED, tickets.RETURNED))
            + bool(rating) + bool(confirmed))


INTAKE_BLANKS = {"finished_date": None, "result": "", "close_reason": "", "days_late": 0, "work_days_used": None,
                 "callback_due": None, "callback_date": None, "rating": None, "rating_comment": "", "confirmed": 0,
                 "confirmed_at": None}


def _ticket_history(final: dict) -> tuple[dict, list[tuple[dict, dict]]]:
    """A generated ticket's story as the desk's actions wrote it: the row at
    intake, then (before, after) of the columns each later action changed
    (start, correction, finish/reject/return, call-back, confirmation), with
    the version counting up to the stored one."""
    status, kind = final["status"], final["kind"]
    intake = {k: v for k, v in final.items() if k != "id"}
    intake.update(INTAKE_BLANKS, status=tickets.ACCEPTED, version=1)
    if status == tickets.CORRECTION:
        intake["pause_started"] = None
    current = dict(intake)
    steps: list[tuple[dict, dict]] = []

    def step(**changes):
        changes["version"] = current["version"] + 1
        steps.append(({k: current[k] for k in changes}, changes))
        current.update(changes)

    if status in (tickets.HANDLING, tickets.CORRECTION, tickets.FINISHED) and kind != "即办件":
        step(status=tickets.HANDLING)
    if status == tickets.CORRECTION:
        step(status=tickets.CORRECTION, pause_started=final["pause_started"])
    if status in (tickets.FINISHED, tickets.REJECTED, tickets.RETURNED):
        step(status=status, **{k: final[k] for k in ("finished_date", "result", "close_reason", "days_late",
                                                     "work_days_used", "callback_due")})
    if final["rating"]:
        step(rating=final["rating"], rating_comment=final["rating_comment"], callback_date=final["callback_date"])
    if final["confirmed"]:
        step(confirmed=1, confirmed_at=final["confirmed_at"])
    assert current["version"] == final["version"], "_version_after and _ticket_history disagree"
    return intake, steps


def _audit_chunk(db: Database, actor: Actor, first_ticket_id: int, first_event_id: int, first_rect_id: int) -> int:
    """The per-row audit a desk writes for the tickets, events and
    rectifications inserted since the given ids: an insert row per ticket and
    per event, an update row per status change (the columns it changed), a
    rectification's insert, with the rows' seals, through the audit module's
    own bulk writer. Returns the audit rows written."""
    written = 0
    cur = db.execute("SELECT * FROM tickets WHERE id >= ? ORDER BY id", [first_ticket_id])
    cols = [d[0] for d in cur.description]
    inserts: list[tuple] = []
    updates: list[tuple] = []
    for values in cur:
        final = dict(zip(cols, values, strict=True))
        intake, steps = _ticket_history(final)
        key = final["uuid"]
        # Every row of a ticket carries the seal of its final form (a seal per
        # intermediate state would triple the hashing, and only the last one is checked).
        row_hash = audit.row_digest(cols, values)
        inserts.append((key, None, intake, row_hash))
        updates.extend((key, before, after, row_hash) for before, after in steps)
    written += audit.record_many(db, actor, "insert", "tickets", inserts)
    for table, first_id in (("ticket_events", first_event_id), ("ticket_rectifications", first_rect_id)):
        cur = db.execute(f"SELECT * FROM {table} WHERE id >= ? ORDER BY id", [first_id])
        cols = [d[0] for d in cur.description]
        items = [(r[1], None, {c: v for c, v in zip(cols, r, strict=True) if c != "id"}, audit.row_digest(cols, r))
                 for r in cur]
        written += audit.record_many(db, actor, "insert", table, items)
    # Updates after the inserts: the last row of a ticket carries its final seal.
    written += audit.record_many(db, actor, "update", "tickets", updates)
    return written


def generate_tickets(db: Database, n: int, rng, township_code: str | None = None, *, actor: Actor | None = None,
                     date_from: dt.date | None = None, date_to: dt.date | None = None,
                     history: bool | None = None, today: dt.date | None = None, progress=None,
                     audit_rows: bool = False) -> int:
    """Insert n believable tickets in one transaction with bulk executemany.
    Received dates spread over [date_from, date_to] (default: the year before
    today); mostly 即办件, a few overdue, ratings mostly good. `history`
    (default: n <= 100,000) also writes the status events and rectification
    items. `audit_rows` writes the audit a desk would have written (about 8
    rows per ticket: intake, events, each status change, call-back; the
    benchmark's realistic databases); otherwise ONE audit row summarises the
    insert. Returns the number inserted."""
    from models.core.users import SYSTEM_ACTOR

    actor = actor or SYSTEM_ACTOR
    today = today or dt.date.today()
    code = township_code or records.local_township_code(db)
    date_to = date_to or today
    date_from = date_from or (date_to - dt.timedelta(days=365))
    history = n <= 100_000 if history is None else history
    cal = workdays.calendar(db)
    _ADD_CACHE.clear()
    _BETWEEN_CACHE.clear()
    _CUMULATIVE.clear()
    items = catalogue.list_items(db, active_only=True, township_code=code) or catalogue.list_items(db, active_only=True)
    if not items:
        catalogue.load_demo_catalogue(db, actor)
        items = catalogue.list_items(db, active_only=True)
    item_weights = [(it, 4 if it["default_kind"] == "即办件" else 1) for it in items]
    villages = [v["name"] for v in township.villages(db, code)] or [v["name"] for v in township.villages(db)]
    # The township's own cadres handle its tickets (a county file holds many townships).
    cadres = [(u, name) for u, name, tw in _cadres_with_township(db) if tw == code] or tickets.cadre_choices(db)
    handlers: list[tuple[str | None, str]] = list(cadres) or [(None, name) for name in HANDLER_NAMES]
    pool = _applicants(rng, max(50, n // 3), villages)
    receivers = HANDLER_NAMES[:4]
    span = (date_to - date_from).days
    received = sorted(date_from + dt.timedelta(days=rng.randint(0, span)) for _ in range(n))
    seqs: dict[int, int] = {}
    for y in {d.year for d in received}:
        seqs[y] = db.execute("SELECT coalesce(max(seq), 0) FROM tickets WHERE township_code = ? AND year = ?",
                             [code, y]).fetchone()[0]
    now = records.now_iso()
    who = getattr(actor, "username", str(actor))
    ticket_sql, event_sql, rect_sql = (_insert_sql("tickets", TICKET_COLUMNS), _insert_sql("ticket_events", EVENT_COLUMNS),
                                       _insert_sql("ticket_rectifications", RECT_COLUMNS))
    provisional = [y for y in range(date_from.year, date_to.year + 2) if cal.is_provisional_year(y)]
    events_total = rects_total = 0
    with db.atomic(), bulk_tickets(db, rebuild=n >= BULK_INDEX_LIMIT):
        change_seq = records.reserve_change_seqs(db, n)
        for chunk_start in range(0, n, CHUNK):
            chunk = received[chunk_start:chunk_start + CHUNK]
            ticket_keys = ids.new_uuids(len(chunk))
            ticket_rows, event_rows, rect_rows = [], [], []
            for rec, key in zip(chunk, ticket_keys, strict=True):
                # Tickets arrive on working days; a weekend date moves to the next working day.
                if not cal.is_workday(rec):
                    later = cal.add(rec, 1)
                    if later <= date_to:
                        rec = later
                    else:  # the range ends on a day off: take the working day before
                        while not cal.is_workday(rec):
                            rec -= dt.timedelta(days=1)
                item = _weighted(rng, item_weights)
                kind = item["default_kind"]
                promised = 0 if kind == "即办件" else item["time_limit_days"]
                due = _soft_add(cal, rec, promised)
                name, phone, village, id_number = rng.choice(pool)
                channel = _weighted(rng, CHANNEL_WEIGHTS)
                handler_uuid, handler_name = rng.choice(handlers)
                receiver = rng.choice(receivers)
                paused = 0
                age = (today - rec).days
                fate = rng.random()
                finished: dt.date | None = None
                callback_date: dt.date | None = None
                callback_due: dt.date | None = None
                rating: int | None = None
                status, late, used, result, reason, pause_started = tickets.ACCEPTED, 0, None, "", "", None
                if kind != "即办件" and rng.random() < 0.08:
                    paused = rng.randint(1, 5)
                    due = _soft_add(cal, rec, promised + paused)
                if kind == "即办件" and fate < 0.97:
                    status, finished = tickets.FINISHED, rec
                elif fate < 0.02:
                    status, finished, reason = tickets.REJECTED, rec, "不属于本乡镇受理范围，已告知申请人到县相关部门办理。"
                elif fate < 0.035:
                    status, finished, reason = tickets.RETURNED, _soft_add(cal, rec, 1), "材料不全且申请人撤回申请。"
                else:
                    if fate > 0.94:
                        finish_on = _soft_add(cal, due, rng.randint(1, 5))  # late
                    else:
                        finish_on = _soft_add(cal, rec, rng.randint(max(0, promised // 3), max(promised, 0)) + paused)
                    if finish_on <= today and not (fate > 0.975 and age < 120):
                        status, finished = tickets.FINISHED, finish_on
                    elif paused and rng.random() < 0.5:
                        status, pause_started = tickets.CORRECTION, rec.isoformat()
                        paused = 0
                        due = _soft_add(cal, rec, promised)
                    else:
                        status = tickets.HANDLING if rng.random() < 0.7 else tickets.ACCEPTED
                if status == tickets.FINISHED:
                    assert finished is not None  # every branch that finishes sets the day
                    late = max(0, _soft_between(cal, due, finished))
                    used = max(0, _soft_between(cal, rec, finished) - paused)
                    result = "已按规定办理完毕，结果已告知申请人。" if kind != "上报件" else "县级部门已办结，结果已反馈申请人。"
                    callback_due = _soft_add(cal, finished, 3)
                    recent = (today - callback_due).days < 14
                    if callback_due <= today and rng.random() < (0.6 if recent else 0.97):
                        rating = _weighted(rng, RATING_WEIGHTS)
                        callback_date = min(callback_due, today)
                seqs[rec.year] += 1
                seq = seqs[rec.year]
                change_seq += 1
                confirmed = 1 if status == tickets.FINISHED and rng.random() < 0.7 else 0
                ticket_rows.append((
                    key, code, _version_after(status, kind, rating, confirmed), now, who, 0, change_seq,
                    f"{rec.year}-{seq:06d}", rec.year, seq, channel, name, phone, village, id_number,
                    item["uuid"], item["name"], item["department"],
                    rng.choice(REQUEST_TEMPLATES).format(item=item["name"], village=village or "本村"),
                    kind, status, receiver, handler_uuid, handler_name,
                    "、".join(rng.sample(["民政", "国土", "村委会", "派出所", "农技"], 2)) if kind == "联办件" else "",
                    COUNTY_OFFICES.get(item["department"], "县相关部门") if kind == "上报件" else "",
                    1 if rng.random() < 0.05 else 0, 1 if rng.random() < 0.04 else 0,
                    rec.isoformat(), promised, due.isoformat(), paused, pause_started,
                    finished.isoformat() if finished else None, result, reason, late, used,
                    callback_due.isoformat() if callback_due else None,
                    callback_date.isoformat() if callback_date else None, rating,
                    "" if not rating or rating > 2 else "办理时间太长，来回跑了好几趟。",
                    confirmed, finished.isoformat() if confirmed and finished else None,
                ))
                if history:
                    ev: list[tuple[str | None, str, dt.date | None, str]] = [(None, tickets.ACCEPTED, rec, f"受理（{channel}）")]
                    if status in (tickets.HANDLING, tickets.CORRECTION, tickets.FINISHED) and kind != "即办件":
                        ev.append((tickets.ACCEPTED, tickets.HANDLING, rec, ""))
                    if status == tickets.CORRECTION:
                        ev.append((tickets.HANDLING, tickets.CORRECTION, rec, "缺少材料，已一次性告知需补正的材料。"))
                    if status == tickets.FINISHED:
                        prev = tickets.ACCEPTED if kind == "即办件" else tickets.HANDLING
                        ev.append((prev, tickets.FINISHED, finished, f"办理结果：{result}" + (f"（超期 {late} 个工作日）" if late else "")))
                        if rating:
                            ev.append((tickets.FINISHED, tickets.FINISHED, callback_date, f"回访评价：{tickets.RATINGS[rating]}"))
                    if status in (tickets.REJECTED, tickets.RETURNED):
                        ev.append((tickets.ACCEPTED, status, finished, reason))
                    for frm, to, d, note in ev:
                        assert d is not None  # finished and called-back tickets carry those days
                        # Events share the ticket's change point: they travel with it.
                        event_rows.append([None, code, 1, now, who, 0, change_seq, key, now, receiver, frm, to,
                                           d.isoformat(), note])
                    if rating and rating <= 2:
                        assert callback_date is not None  # a rating is given at the call-back
                        rect_rows.append([None, code, 1, now, who, 0, change_seq, key, callback_date.isoformat(),
                                          _soft_add(cal, callback_date, 5).isoformat(),
                                          "整改中" if (today - callback_date).days < 10 else "已整改",
                                          f"差评（{tickets.RATINGS[rating]}）"])
            for rows in (event_rows, rect_rows):
                for row, row_key in zip(rows, ids.new_uuids(len(rows)), strict=True):
                    row[0] = row_key
            first_ticket = db.execute("SELECT coalesce(max(id), 0) FROM tickets").fetchone()[0] + 1
            first_event = db.execute("SELECT coalesce(max(id), 0) FROM ticket_events").fetchone()[0] + 1
            first_rect = db.execute("SELECT coalesce(max(id), 0) FROM ticket_rectifications").fetchone()[0] + 1
            db.conn.executemany(ticket_sql, ticket_rows)
            # Due dates counted over a year without the official calendar are provisional (see workdays).
            if provisional:
                db.execute(f"UPDATE tickets SET due_provisional = 1 WHERE id >= ? AND CAST(substr(due_date, 1, 4) AS INTEGER) "
                           f"IN ({','.join('?' * len(provisional))})", [first_ticket, *provisional])
            db.conn.executemany(event_sql, event_rows)
            db.conn.executemany(rect_sql, rect_rows)
            events_total += len(event_rows)
            rects_total += len(rect_rows)
            if audit_rows:
                _audit_chunk(db, actor, first_ticket, first_event, first_rect)
            if progress:
                progress(chunk_start + len(chunk), n)
        if not audit_rows:
            audit.record(db, actor, "bulk-insert", "tickets", None, None, {
                "count": n, "township_code": code, "received_from": date_from.isoformat(),
                "received_to": date_to.isoformat(), "events": events_total, "rectifications": rects_total,
            })
    return n


def _cadres_with_township(db: Database) -> list[tuple[str, str, str]]:
    if not db.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'cadres'").fetchone():
        return []
    return [tuple(r) for r in db.execute("SELECT uuid, name, township_code FROM cadres WHERE deleted = 0 ORDER BY name")]


def fill(db: Database, rng, actor: Actor, options) -> None:
    """Add this domain's demo rows: the catalogue, the 值班长 rota, the weekly
    集中办理日 and options.tickets tickets over the past year."""
    catalogue.load_demo_catalogue(db, actor)
    tickets.set_service_day(db, actor, 2, "8:30-17:00", "便民服务中心大厅", "各站所负责人集中坐班")
    chiefs = [name for _, name in tickets.cadre_choices(db)][:5] or ["王丽", "陈强", "李华", "张敏", "刘洋"]
    day = dt.date.today() - dt.timedelta(days=7)
    for i in range(35):
        d = day + dt.timedelta(days=i)
        if d.weekday() < 5:
            tickets.set_duty(db, actor, d, chiefs[i % len(chiefs)])
    code = getattr(options, "township_code", None) or records.local_township_code(db)
    if options.tickets:
        generate_tickets(db, options.tickets, rng, code, actor=actor)
