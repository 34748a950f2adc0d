"""Demo data of the service domain (called by models/demo/township.py) and the bulk
ticket generator the benchmark uses (`generate_tickets`)."""

from __future__ import annotations

import bisect
import datetime as dt
import uuid as uuidlib

from models.core import audit

from models.service import catalogue

from models.core import records
from models.core.errors import ValidationError

from models.service import search, tickets

from models.core import township

from models.service import workdays

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


def generate_tickets(db, n: int, rng, township_code: str | None = None, *, actor=None,
                     date_from: dt.date | None = None, date_to: dt.date | None = None,
                     history: bool | None = None, today: dt.date | None = None, progress=None) -> int:
    """Insert n believable tickets in one transaction with bulk executemany and
    ONE audit row summarising the insert. Received dates spread over
    [date_from, date_to] (default: the year before today); mostly 即办件, a few
    overdue, ratings mostly good. `history` (default: n <= 100,000) also writes
    the status events and rectification items. Returns the number inserted."""
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
    items = catalogue.list_items(db, active_only=True)
    if not items:
        catalogue.load_demo_catalogue(db, actor)
        items = catalogue.list_items(db, active_only=True)
    item_weights = [(it, 4 if it["default_kind"] == "即办件" else 1) for it in items]
    villages = [v["name"] for v in township.villages(db, code)] or [v["name"] for v in township.villages(db)]
    cadres = tickets.cadre_choices(db)
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
    ticket_rows, event_rows, rect_rows = [], [], []
    with db.atomic():
        db.execute("UPDATE change_counter SET seq = seq + ? WHERE id = 1", [n])
        seq_end = db.execute("SELECT seq FROM change_counter WHERE id = 1").fetchone()[0]
        change_seq = seq_end - n
        for i, rec in enumerate(received):
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
            key = str(uuidlib.uuid4())
            ticket_rows.append((
                key, code, 1, now, who, 0, change_seq,
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
                1 if status == tickets.FINISHED and rng.random() < 0.7 else 0,
                finished.isoformat() if status == tickets.FINISHED and finished else None,
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
                    change_seq_ev = None  # events share the ticket's change point: they travel with it
                    event_rows.append((str(uuidlib.uuid4()), code, 1, now, who, 0, change_seq if change_seq_ev is None else change_seq_ev,
                                       key, now, receiver, frm, to, d.isoformat(), note))
                if rating and rating <= 2:
                    assert callback_date is not None  # a rating is given at the call-back
                    rect_rows.append((str(uuidlib.uuid4()), code, 1, now, who, 0, change_seq, key, callback_date.isoformat(),
                                      _soft_add(cal, callback_date, 5).isoformat(),
                                      "整改中" if (today - callback_date).days < 10 else "已整改",
                                      f"差评（{tickets.RATINGS[rating]}）"))
            if progress and i % 50_000 == 0:
                progress(i, n)
        # Big batches: drop the secondary indexes and build them again afterwards
        # (sorting once beats a million random b-tree inserts), with a larger
        # page cache for the unique uuid/number indexes meanwhile.
        dropped = []
        old_cache = db.execute("PRAGMA cache_size").fetchone()[0]
        if n >= 20_000:
            dropped = db.execute("SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = 'tickets' "
                                 "AND sql IS NOT NULL AND sql NOT LIKE 'CREATE UNIQUE%'").fetchall()
            for name, _ in dropped:
                db.execute(f"DROP INDEX [{name}]")
            db.execute("PRAGMA cache_size = -262144")
        # Index the new rows in one statement instead of queueing a million changes.
        first_id = db.execute("SELECT coalesce(max(id), 0) FROM tickets").fetchone()[0] + 1
        db.execute("UPDATE tickets_fts_control SET direct = 1 WHERE id = 1")
        db.conn.executemany(
            "INSERT INTO tickets (uuid, township_code, version, updated_at, updated_by, deleted, change_seq, "
            "ticket_no, year, seq, channel, applicant_name, applicant_phone, applicant_village, applicant_id_number, "
            "item_uuid, item_name, department, request_text, kind, status, first_receiver, handler_cadre_uuid, handler_name, "
            "cooperating_departments, county_office, proxy_service, home_service, received_date, promised_days, due_date, "
            "paused_days, pause_started, finished_date, result, close_reason, days_late, work_days_used, callback_due, "
            "callback_date, rating, rating_comment, confirmed, confirmed_at) VALUES (" + ",".join("?" * 44) + ")",
            ticket_rows,
        )
        db.execute("UPDATE tickets_fts_control SET direct = 0 WHERE id = 1")
        # Due dates counted over a year without the official calendar are provisional (see workdays).
        provisional = [y for y in range(date_from.year, date_to.year + 2) if cal.is_provisional_year(y)]
        if provisional:
            db.execute(f"UPDATE tickets SET due_provisional = 1 WHERE id >= ? AND CAST(substr(due_date, 1, 4) AS INTEGER) "
                       f"IN ({','.join('?' * len(provisional))})", [first_id, *provisional])
        for _, sql in dropped:
            db.execute(sql)
        if dropped:
            db.execute(f"PRAGMA cache_size = {old_cache}")
        search.index_from(db, first_id)
        if event_rows:
            db.conn.executemany(
                "INSERT INTO ticket_events (uuid, township_code, version, updated_at, updated_by, deleted, change_seq, "
                "ticket_uuid, at, actor, from_status, to_status, event_date, note) VALUES (" + ",".join("?" * 14) + ")",
                event_rows,
            )
        if rect_rows:
            db.conn.executemany(
                "INSERT INTO ticket_rectifications (uuid, township_code, version, updated_at, updated_by, deleted, change_seq, "
                "ticket_uuid, opened_date, deadline, status, note) VALUES (" + ",".join("?" * 12) + ")",
                rect_rows,
            )
        audit.record(db, actor, "bulk-insert", "tickets", None, None, {
            "count": n, "township_code": code, "received_from": date_from.isoformat(),
            "received_to": date_to.isoformat(), "events": len(event_rows), "rectifications": len(rect_rows),
        })
    if progress:
        progress(n, n)
    return n


def fill(db, rng, actor, options) -> None:
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
