"""Public notices (公示): the registry of notice kinds, publishing, and checking
a posted sheet against the record.

Each kind gathers plain data from the domain modules (roster, service desk,
assessment), and a renderer in reports/notices/ turns it into PDF bytes on the
GB/T 9704-2012 template. Publishing gives the notice a short serial (printed on
every page and in the PDF's metadata) and records the SHA-256 of the file, so
`check-notice FILE.pdf` can tell whether a sheet is the one that was published.

Privacy: gatherers never pass ID numbers or private phones on; names in case
results are masked according to the `notice_name_mask` setting; and the
template masks anything that still looks like an ID or mobile number.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
import secrets
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Generic, TypeVar

from models.assess import results as assess_results
from models.assess import rewards as assess_rewards
from models.core import records, settings
from models.core.errors import AppError, ValidationError
from models.core.personal import mask_phone, require_date
from models.core.township import office_identity
from models.notices import contracts as c
from models.core.users import require
from models.election import term as election
from models.roster import team as roster
from models.service import catalogue, tickets
from models.service import stats as service_stats
from models.service import workdays as service_calendar

from typing import TYPE_CHECKING

if TYPE_CHECKING:  # annotations only
    from models.core.users import Actor
    from sqlite_utils import Database

settings.register("notice_name_mask", "given", "公示姓名遮挡方式", str,
                  choices={"given": "遮名（张*）", "middle": "遮中间字（张*丰）"})
settings.register("notice_period_workdays", 5, "公示期（工作日）", int)
settings.register("notice_paper", "a4", "公示默认纸张", str,
                  choices={"a4": "A4 纵向", "a4-landscape": "A4 横向", "a3": "A3"})

CAPABILITY = "notice.publish"
SERIAL_ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"  # no 0/O, 1/I: read aloud over the phone
SERIAL_RE = re.compile(r"\b(\d{8}-[0-9A-Z]{6})\b")
MIN_PRE_APPOINTMENT_DAYS = 5


class NothingToPublish(AppError):
    """The notice would be empty (no rows for the date or period)."""


@dataclass
class NoticeParams:
    """What a notice is made for: the notice date, a ticket number, a period,
    a paper choice; township_code narrows a county database to one township."""

    date: dt.date = field(default_factory=dt.date.today)
    ticket: str | None = None
    period: str | None = None
    paper: str | None = None
    township_code: str | None = None

    def as_dict(self) -> dict:
        return {"date": self.date.isoformat(), "ticket": self.ticket, "period": self.period, "paper": self.paper,
                "township_code": self.township_code}


# What a kind gathers and its renderer takes: one of models/notices/contracts.py's TypedDicts.
Data = TypeVar("Data", bound=c.NoticeBase)
Gatherer = Callable[[Any, NoticeParams], Data]
# render(data, serial, paper, progress) -> PDF bytes; reports/ is imported when a
# notice is first rendered (reportlab costs most of a second at start-up).
Renderer = Callable[[Data, str, str, Any], bytes]


@dataclass
class NoticeKind(Generic[Data]):
    """One kind of notice: key (CLI name), Chinese label, the parameters it
    needs, where its data comes from, and the functions that gather and render
    (the type checker holds both to the kind's data type)."""

    key: str
    label: str
    needs: tuple[str, ...]
    source: str
    gather: Callable[[Any, NoticeParams], Data]
    renderer: Callable[[Data, str, str, Any], bytes]
    paper: str = "a4"
    area: str = ""  # the tab whose data it prints: roster, service, assess, election
    # (db, params) -> rule findings the print dialog shows and asks about before generating
    findings: Callable | None = None

    def render(self, data: Data, serial: str, paper: str, progress=None) -> bytes:
        from reports.layout import public_numbers

        with public_numbers(data):  # landlines other than the office's published phones are masked
            return self.renderer(data, serial, paper, progress)


KINDS: dict[str, NoticeKind[Any]] = {}


def register_kind(kind: NoticeKind[Any]) -> None:
    """Add (or replace) a notice kind (the table is filled at the end of this module)."""
    KINDS[kind.key] = kind


def kinds(area: str | None = None) -> list[NoticeKind[Any]]:
    """Registered kinds, in menu order (optionally those of one tab)."""
    return [k for k in KINDS.values() if area is None or k.area == area]


def get_kind(key: str) -> NoticeKind[Any]:
    """The kind named `key` (CLI name or Chinese label), else a ValidationError listing them."""
    if key in KINDS:
        return KINDS[key]
    for k in KINDS.values():
        if key == k.label:
            return k
    raise ValidationError("公示类型", f"没有“{key}”这种公示。可用的有：" + "、".join(f"{k.key}（{k.label}）" for k in KINDS.values()))


# ---- shared helpers ------------------------------------------------------------

def _is_workday(db: Database, day: dt.date) -> bool:
    # The service calendar answers every year (official, or provisional from the holiday law).
    return service_calendar.is_workday(db, day)


def notice_period(db: Database, start: dt.date, workdays: int) -> tuple[dt.date, dt.date]:
    """First and last day of a notice period of `workdays` working days that
    starts on `start` (or the next working day when `start` is not one)."""
    day = start
    while not _is_workday(db, day):
        day += dt.timedelta(days=1)
    first, counted = day, 1
    while counted < workdays:
        day += dt.timedelta(days=1)
        if _is_workday(db, day):
            counted += 1
    return first, day


def period_workdays(db: Database) -> int:
    return max(1, int(settings.get(db, "notice_period_workdays") or 5))


def parse_period(text: str | None, today: dt.date | None = None) -> tuple[dt.date, dt.date, str]:
    """A period as (first day, last day, Chinese label) from '2026', '2026-10',
    '2026-Q3', '2026-H1', '2026-10-01..2026-10-31' or one date. Empty: last month."""
    today = today or dt.date.today()
    s = (text or "").strip().upper()
    if not s:
        last = today.replace(day=1) - dt.timedelta(days=1)
        s = f"{last.year}-{last.month:02d}"
    m = re.fullmatch(r"(\d{4})", s)
    if m:
        y = int(m[1])
        return dt.date(y, 1, 1), dt.date(y, 12, 31), f"{y}年"
    m = re.fullmatch(r"(\d{4})[-/.年](\d{1,2})月?", s)
    if m:
        y, mo = int(m[1]), int(m[2])
        if not 1 <= mo <= 12:
            raise ValidationError("期间", f"“{text}”的月份不对。")
        end = (dt.date(y + mo // 12, mo % 12 + 1, 1) - dt.timedelta(days=1))
        return dt.date(y, mo, 1), end, f"{y}年{mo}月"
    m = re.fullmatch(r"(\d{4})-?Q([1-4])", s)
    if m:
        y, q = int(m[1]), int(m[2])
        start = dt.date(y, 3 * q - 2, 1)
        end = (dt.date(y + (q == 4), (3 * q) % 12 + 1, 1) - dt.timedelta(days=1))
        return start, end, f"{y}年第{'一二三四'[q - 1]}季度"
    m = re.fullmatch(r"(\d{4})-?H([12])", s)
    if m:
        y, h = int(m[1]), int(m[2])
        return (dt.date(y, 1, 1), dt.date(y, 6, 30), f"{y}年上半年") if h == 1 else \
            (dt.date(y, 7, 1), dt.date(y, 12, 31), f"{y}年下半年")
    parts = re.split(r"\s*(?:\.\.|~|～|至|到|/)\s*", text.strip()) if text else []
    if len(parts) == 2:
        a, b = require_date(parts[0], "期间开始"), require_date(parts[1], "期间结束")
        if b < a:
            raise ValidationError("期间", "结束日期早于开始日期。")
        return a, b, f"{a.year}年{a.month}月{a.day}日至{b.year}年{b.month}月{b.day}日"
    try:
        d = require_date(text, "期间")
    except ValidationError:
        raise ValidationError("期间", f"“{text}”看不懂。可写 2026、2026-10、2026-Q3、2026-H1 或 "
                                      "2026-10-01..2026-10-31。") from None
    return d, d, f"{d.year}年{d.month}月{d.day}日"


def notice_base(db: Database, params: NoticeParams, kind_key: str) -> c.NoticeBase:
    """What every notice carries: its kind, the issuing office, the date and the public phones."""
    ident = office_identity(db, params.township_code)
    return {"kind": kind_key, "office": ident, "date": params.date.isoformat(),
            "supervision_phone": ident["supervision_phone"], "office_phone": ident["office_phone"]}



def with_period(db: Database, data: Data, params: NoticeParams, workdays: int | None = None) -> Data:
    """`data` with its 公示时间: `workdays` working days (the setting's by default) from the notice date."""
    n = workdays or period_workdays(db)
    start, end = notice_period(db, params.date, n)
    data["notice_period"] = {"start": start.isoformat(), "end": end.isoformat(), "workdays": n}
    return data



def _join(values) -> str:
    return "、".join(str(v) for v in values if v) if values else ""


def public_phone(value: str | None) -> str:
    """A phone fit for a public sheet: landlines as they are, mobiles masked."""
    value = (value or "").strip()
    if re.fullmatch(r"1[3-9]\d{9}", value):
        return mask_phone(value)
    return value


# ---- gatherers: roster (duties, 连心卡 and the staff facts: models/roster/notices.py) ----

def gather_whereabouts(db: Database, params: NoticeParams) -> c.WhereaboutsNotice:
    """干部流向公示栏: every cadre's status on the date, for the board."""
    rows = roster.whereabouts_board(db, params.date, params.township_code)
    if not rows:
        raise NothingToPublish("没有在职干部，干部流向公示栏无内容。")
    return {**notice_base(db, params, "whereabouts"), "rows": [
        {"name": r["name"], "post": r["post"], "status": r["status"] or "未登记", "place": r["place"] or "",
         "note": r["note"] or "", "is_team": r["is_team"]} for r in rows]}


def gather_pre_appointment(db: Database, params: NoticeParams) -> c.PreAppointmentNotice:
    """任前公示: cadres with a proposed post; at least 5 working days."""
    rows = roster.pre_appointment_list(db, params.township_code)
    if not rows:
        raise NothingToPublish("没有填写了“拟任职务”的干部，无法生成任前公示。")
    data: c.PreAppointmentNotice = {**notice_base(db, params, "pre_appointment"), "people": [c.PreAppointmentPerson(
        name=r["name"], sex=r["sex"] or "", ethnicity=r["ethnicity"] or "", birth_month=r["birth_month"],
        political_status=r["political_status"] or "", party_join_date=r["party_join_date"] or "",
        edu_fulltime=r["edu_fulltime"] or "", degree_fulltime=r["degree_fulltime"] or "",
        edu_inservice=r["edu_inservice"] or "", work_start_date=r["work_start_date"] or "",
        native_place=r["native_place"] or "", current_post=r["current_post"] or "", proposed_post=r["proposed_post"],
        removed_post=r["removed_post"] or "") for r in rows]}
    return with_period(db, data, params, max(MIN_PRE_APPOINTMENT_DAYS, period_workdays(db)))


# ---- gatherers: service desk ---------------------------------------------------

def gather_service_catalogue(db: Database, params: NoticeParams) -> c.CatalogueNotice:
    """五公开/明白卡: the service catalogue per department."""
    departments = catalogue.catalogue_for_notice(db, params.township_code)
    if not departments:
        raise NothingToPublish("服务事项目录为空，无法生成五公开/明白卡。")
    return {**notice_base(db, params, "service_catalogue"), "departments": departments}


def gather_case_results(db: Database, params: NoticeParams) -> c.CaseResultsNotice:
    """办件结果公示: cases finished in the period, applicants' names masked
    in the style the `notice_name_mask` setting asks for."""
    start, end, label = parse_period(params.period, params.date)
    style = settings.get(db, "notice_name_mask") or "given"
    rows = service_stats.finished_tickets(db, start, end, params.township_code, name_style=style)
    if not rows:
        raise NothingToPublish(f"{label}没有办结的办件，无需公示。")

    def result(r: service_stats.FinishedTicket) -> str:
        text = r["result"] or "办结"
        if r["days_late"]:
            text += f"（超期{r['days_late']}个工作日）"
        return text

    data: c.CaseResultsNotice = {
        **notice_base(db, params, "case_results"),
        "period": {"start": start.isoformat(), "end": end.isoformat(), "label": label}, "rows": [{
        "ticket_no": r["ticket_no"],
        "applicant": r["applicant_name_masked"],
        "matter": r["item_name"],
        "department": r["department"],
        "received": r["received_date"][:10],
        "finished": r["finished_date"][:10],
        "result": result(r),
    } for r in rows]}
    return with_period(db, data, params)


def gather_receipt(db: Database, params: NoticeParams) -> c.ReceiptNotice:
    """受理回执: one ticket's acceptance receipt."""
    if not params.ticket:
        raise ValidationError("办件编号", "请给出要打印回执的办件编号（--ticket）。")
    r = tickets.receipt_data(db, params.ticket, params.township_code)
    return {**notice_base(db, params, "receipt"), "receipt": {
        "ticket_no": r["ticket_no"],
        "applicant": r["applicant_name"],
        "applicant_phone": public_phone(r["applicant_phone_masked"]),
        "matter": r["item_name"],
        "request": r["request_text"] or "",
        "kind": r["kind"],
        "department": r["department"],
        "received": r["received_date"],
        "promised": r["due_date"] or "",
        # set when the due date was counted over a year without the official calendar
        "promised_note": r["promised_note"],
        "handler": r["handler_name"],
        # the receipt gives the office's number: a clerk's own phone is private
        "handler_phone": public_phone(r["contact_phone"]),
        "progress_query": r["progress_query"],
    }}


# ---- publishing ---------------------------------------------------------------

@dataclass
class PublishedNotice:
    """A generated and recorded notice."""

    serial: str
    kind: str
    title: str
    pdf: bytes
    sha256: str
    uuid: str = ""

    @property
    def pages(self) -> int:
        return count_pages(self.pdf)


def count_pages(pdf: bytes) -> int:
    """Number of pages of PDF bytes (reportlab writes /Count once, in the page tree)."""
    counts = [int(n) for n in re.findall(rb"/Count (\d+)", pdf)]
    return max(counts) if counts else 0


def new_serial(db: Database, day: dt.date) -> str:
    """A short serial not used before: 20261122-7K3Q9M."""
    for _ in range(20):
        serial = day.strftime("%Y%m%d") + "-" + "".join(secrets.choice(SERIAL_ALPHABET) for _ in range(6))
        if not db.execute("SELECT 1 FROM notices WHERE serial = ?", [serial]).fetchone():
            return serial
    raise AppError("无法生成不重复的公示编号，请重试。")


def gather(db: Database, kind_key: str, params: NoticeParams) -> c.NoticeBase:
    """The plain data a notice kind prints (raises NothingToPublish when empty)."""
    kind = get_kind(kind_key)
    return kind.gather(db, params)


def render(kind_key: str, data: c.NoticeBase, serial: str = "", paper: str | None = None, progress=None) -> bytes:
    """PDF bytes of a notice from gathered data (no database needed)."""
    kind = get_kind(kind_key)
    return kind.render(data, serial, paper or kind.paper, progress)


def preview(db: Database, actor: Actor, kind_key: str, params: NoticeParams | None = None, progress=None) -> bytes:
    """A draft of the notice to look at before publishing: no serial, no QR
    code, marked 样稿 on every page, and nothing recorded."""
    require(actor, CAPABILITY)
    params = params or NoticeParams()
    kind = get_kind(kind_key)
    data = kind.gather(db, params)
    from reports.layout import draft_mode

    with draft_mode():
        return kind.render(data, "", params.paper or kind.paper, progress)


def content_digest(pdf: bytes) -> str:
    """SHA-256 of a PDF's text layer with all white space removed: the same
    for the published file and for a copy another program re-saved."""
    import pypdfium2

    try:
        document = pypdfium2.PdfDocument(pdf)
    except pypdfium2.PdfiumError:
        return ""
    try:
        parts = []
        for page in document:
            textpage = page.get_textpage()
            parts.append(textpage.get_text_range())
            textpage.close()
            page.close()
    finally:
        document.close()
    return hashlib.sha256(re.sub(r"\s+", "", "".join(parts)).encode("utf-8")).hexdigest()


def publish(db: Database, actor: Actor, kind_key: str, params: NoticeParams | None = None, progress=None) -> PublishedNotice:
    """Gather, render and record one notice; returns it with its PDF bytes.

    The record (serial, kind, title, parameters, SHA-256 of the PDF and of its
    text) and the data it was rendered from are written in one transaction
    after the PDF is made, so a failed render leaves nothing."""
    require(actor, CAPABILITY)
    params = params or NoticeParams()
    kind = get_kind(kind_key)
    data = kind.gather(db, params)
    serial = new_serial(db, params.date)
    paper = params.paper or kind.paper
    pdf = kind.render(data, serial, paper, progress)
    digest = hashlib.sha256(pdf).hexdigest()
    title = data.get("title") or kind.label
    with db.atomic():
        uuid = records.insert(db, "notices", {
            "serial": serial, "kind": kind.key, "title": title, "created_at": records.now_iso(),
            "created_by": getattr(actor, "display_name", "") or getattr(actor, "username", str(actor)),
            "sha256": digest, "params": json.dumps(params.as_dict(), ensure_ascii=False),
            "pages": count_pages(pdf), "size": len(pdf), "text_sha256": content_digest(pdf), "paper": paper,
        }, actor, township_code=params.township_code)
        code = db.execute("SELECT township_code FROM notices WHERE uuid = ?", [uuid]).fetchone()[0]
        db.execute("INSERT INTO notice_snapshots (township_code, serial, data) VALUES (?, ?, ?)",
                   [code, serial, json.dumps(data, ensure_ascii=False, default=str)])
    return PublishedNotice(serial, kind.key, title, pdf, digest, uuid)


_NOTICE_COLS = ("uuid, serial, kind, title, created_at, created_by, sha256, params, pages, township_code, "
                "text_sha256, paper, voided_at, voided_by, void_reason, reprints")


def find_notice(db: Database, serial: str) -> dict | None:
    """The record of a published notice by its serial (as printed under its QR code)."""
    serial = (serial or "").strip().upper()
    rows = records.rows(db, f"SELECT {_NOTICE_COLS} FROM notices WHERE serial = ? AND deleted = 0", [serial])
    return rows[0] if rows else None


def _existing_notice(db: Database, serial: str) -> dict:
    found = find_notice(db, serial)
    if not found:
        raise ValidationError("公示编号", f"本数据库中没有编号为“{serial}”的公示。")
    return found


def void_notice(db: Database, actor: Actor, serial: str, reason: str) -> dict:
    """Mark a published notice void (withdrawn from the board), with the
    reason; a voided serial checks as void from then on."""
    require(actor, CAPABILITY)
    from models.core.personal import check_text

    reason = check_text(reason, "作废原因", 200, required=True)
    record = _existing_notice(db, serial)
    if record["voided_at"]:
        raise ValidationError("公示编号", f"公示 {record['serial']} 已于 {record['voided_at'][:16].replace('T', ' ')} 作废。")
    with db.atomic():
        return records.update(db, "notices", record["uuid"], {
            "voided_at": records.now_iso(), "void_reason": reason,
            "voided_by": getattr(actor, "display_name", "") or getattr(actor, "username", str(actor))}, actor)


def reprint(db: Database, actor: Actor, serial: str) -> PublishedNotice:
    """The same sheet again, rendered from the data kept when it was
    published (same serial, same text); counted on the record."""
    require(actor, CAPABILITY)
    record = _existing_notice(db, serial)
    if record["voided_at"]:
        raise ValidationError("公示编号", f"公示 {record['serial']} 已作废（{record['void_reason']}），不能重印。")
    row = db.execute("SELECT data FROM notice_snapshots WHERE township_code = ? AND serial = ?",
                     [record["township_code"], record["serial"]]).fetchone()
    if row is None:
        raise ValidationError("公示编号", f"公示 {record['serial']} 没有保存生成时的数据（在别的电脑上生成，或早于本版本），"
                                      "不能原样重印；请重新生成。")
    kind = get_kind(record["kind"])
    pdf = kind.render(json.loads(row[0]), record["serial"], record["paper"] or kind.paper)
    with db.atomic():
        records.update(db, "notices", record["uuid"], {"reprints": int(record["reprints"] or 0) + 1}, actor)
    return PublishedNotice(record["serial"], kind.key, record["title"], pdf, hashlib.sha256(pdf).hexdigest(),
                           record["uuid"])


def list_notices(db: Database, limit: int = 200, offset: int = 0, kind: str | None = None) -> list[dict]:
    """Published notices, newest first."""
    sql = ("SELECT uuid, serial, kind, title, created_at, created_by, sha256, params, pages, size, township_code, "
           "voided_at, void_reason, reprints FROM notices WHERE deleted = 0")
    params: list = []
    if kind:
        sql += " AND kind = ?"
        params.append(kind)
    sql += " ORDER BY created_at DESC, id DESC LIMIT ? OFFSET ?"
    return records.rows(db, sql, params + [int(limit), int(offset)])


def find_serial(pdf: bytes) -> str | None:
    """The serial a notice PDF carries (metadata subject, else its text)."""
    import pypdfium2

    try:
        document = pypdfium2.PdfDocument(pdf)
    except pypdfium2.PdfiumError:
        return None  # not a PDF (or damaged): no readable serial
    try:
        found = SERIAL_RE.search(document.get_metadata_value("Subject") or "")
        if found:
            return found.group(1)
        for index in range(min(3, len(document))):
            page = document[index]
            textpage = page.get_textpage()
            m = SERIAL_RE.search(textpage.get_text_range())
            textpage.close()
            page.close()
            if m:
                return m.group(1)
    finally:
        document.close()
    return None


def _describe(r: dict) -> str:
    label = KINDS[r["kind"]].label if r["kind"] in KINDS else r["kind"]
    return (f"公示编号 {r['serial']}，{label}“{r['title']}”，"
            f"{r['created_at'][:16].replace('T', ' ')} 由 {r['created_by']} 生成")


def _void_report(r: dict, digest: str) -> dict:
    return {"status": "voided", "serial": r["serial"], "record": r, "sha256": digest,
            "message": f"{_describe(r)}；该公示已于 {r['voided_at'][:16].replace('T', ' ')} 作废"
                       f"（{r['void_reason']}），不应再张贴。"}


def verify_serial(db: Database, serial: str) -> dict:
    """What the record says about a serial read off a sheet (or its QR code)."""
    r = find_notice(db, serial)
    if r is None:
        return {"status": "unknown", "serial": serial, "record": None, "sha256": "",
                "message": f"本数据库中没有编号为“{serial}”的公示。"}
    if r["voided_at"]:
        return _void_report(r, "")
    extra = f"，重印 {r['reprints']} 次" if r["reprints"] else ""
    return {"status": "match", "serial": r["serial"], "record": r, "sha256": r["sha256"],
            "message": f"有此公示：{_describe(r)}，共 {r['pages']} 页{extra}。请对照纸面标题和内容。"}


def verify_pdf(db: Database, pdf: bytes | str | Path) -> dict:
    """Check a notice file against the record.

    Returns {'status': 'match' | 'altered' | 'voided' | 'unknown', 'serial',
    'record', 'message'}: 'match' when the file is the published one, or a
    copy re-saved by another program with the same text; 'altered' when it
    carries a recorded serial but its text differs; 'voided' when the notice
    was withdrawn; 'unknown' otherwise."""
    if not isinstance(pdf, bytes):
        path = Path(pdf)
        if not path.is_file():
            raise ValidationError("文件", f"“{path}”不存在。")
        pdf = path.read_bytes()
    digest = hashlib.sha256(pdf).hexdigest()
    rows = records.rows(db, f"SELECT {_NOTICE_COLS} FROM notices WHERE sha256 = ? AND deleted = 0", [digest])
    how = "文件与记录完全一致"
    if not rows:
        text_digest = content_digest(pdf)
        if text_digest:
            rows = records.rows(db, f"SELECT {_NOTICE_COLS} FROM notices WHERE text_sha256 = ? AND deleted = 0",
                                [text_digest])
            how = "文字内容与记录一致（文件经过重新保存）"
    if rows:
        r = rows[0]
        if r["voided_at"]:
            return _void_report(r, digest)
        return {"status": "match", "serial": r["serial"], "record": r, "sha256": digest,
                "message": f"与记录一致：{_describe(r)}。{how}。"}
    serial = find_serial(pdf)
    if serial:
        by_serial = find_notice(db, serial)
        if by_serial:
            if by_serial["voided_at"]:
                return _void_report(by_serial, digest)
            return {"status": "altered", "serial": serial, "record": by_serial, "sha256": digest,
                    "message": f"文件带有公示编号 {serial}（“{by_serial['title']}”，{by_serial['created_at'][:10]} 生成），"
                               "但文字内容与当时记录的不一致，可能已被改动。"}
        return {"status": "unknown", "serial": serial, "record": None, "sha256": digest,
                "message": f"文件带有公示编号 {serial}，但本数据库中没有这份公示的记录。"}
    return {"status": "unknown", "serial": None, "record": None, "sha256": digest,
            "message": "本数据库中没有这份文件的记录，文件中也找不到公示编号。"}


# ---- gatherers: assessment -------------------------------------------------------

ASSESS_PERIOD_ORDER = ("Y", "Q4", "H2", "Q3", "H1", "Q2", "Q1")


def parse_assess_period(text: str | None, today: dt.date) -> tuple[int, str | None]:
    """(year, period code or None) from '2026', '2026-Q3', '2026-H1', '2026-Y'."""
    s = (text or "").strip().upper()
    if not s:
        return today.year, None
    m = re.fullmatch(r"(\d{4})(?:[-_ ]?(Q[1-4]|H[12]|Y))?", s)
    if not m:
        raise ValidationError("考核期", f"“{text}”看不懂。可写 2026（全年）、2026-Q3、2026-H1 或 2026-Y。")
    return int(m[1]), m[2]


def _plan_for_year(db: Database, year: int, label: str) -> assess_results.NoticePlan:
    plan = assess_results.notice_plan(db, year)
    if not plan:
        raise NothingToPublish(f"{year}年还没有考核方案，无法生成{label}。")
    return plan


def gather_assessment_results(db: Database, params: NoticeParams) -> c.AssessResultsNotice:
    """考核结果公示: totals, grades and ranks of a plan's period (the latest
    period with results when none is given)."""
    label = "考核结果公示"
    year, period = parse_assess_period(params.period, params.date)
    plan = _plan_for_year(db, year, label)
    candidates = [period] if period else [p for p in ASSESS_PERIOD_ORDER if p in plan["periods"]]
    result = None
    for p in candidates:
        result = assess_results.results_for_notice(db, plan["uuid"], p)
        if result and result["rows"]:
            break
    if not result or not result["rows"]:
        raise NothingToPublish(f"{year}年{'该考核期' if period else ''}还没有考核结果，无法生成{label}。")
    data: c.AssessResultsNotice = {
        **notice_base(db, params, "assessment_results"), "title": result["title"] or label,
        "period_label": result["period_label"], "plan_name": result["plan_name"], "year": year,
        "missing_rule_label": result["missing_rule_label"], "rows": result["rows"]}
    return with_period(db, data, params)


def gather_rewards(db: Database, params: NoticeParams) -> c.RewardsNotice:
    """补贴/奖励公示: reward pool splits and village cadre subsidies of a year, before payment."""
    label = "补贴/奖励公示"
    year, _ = parse_assess_period(params.period, params.date)
    result = assess_rewards.rewards_for_notice(db, year)
    if not (result["pools"] or result["subsidies"] or result["honours"]):
        raise NothingToPublish(f"{year}年没有奖励或补贴数据，无法生成{label}。")
    data: c.RewardsNotice = {
        **notice_base(db, params, "rewards"), "title": result["title"] or label, "year": year,
        "pools": result["pools"], "subsidies": result["subsidies"], "honours": result["honours"],
        "reward_rules": result["reward_rules"]}
    return with_period(db, data, params)


def gather_county_rewards(db: Database, params: NoticeParams) -> c.CountyRewardsNotice:
    """村干部奖励补贴统一权衡 (county database): every township's village reward parts on one curve."""
    label = "村干部奖励统一权衡公示"
    year, _ = parse_assess_period(params.period, params.date)
    result = assess_rewards.county_rewards_for_notice(db, year)
    if not result["people"]:
        raise NothingToPublish(f"{year}年没有村干部考核结果，无法生成{label}。")
    data: c.CountyRewardsNotice = {
        **notice_base(db, params, "county_rewards"), "title": result["title"], "year": result["year"],
        "townships": result["townships"], "people": result["people"], "curve_text": result["curve_text"]}
    return with_period(db, data, params)


def gather_commitments(db: Database, params: NoticeParams) -> c.CommitmentsNotice:
    """目标承诺公示: each target's owner, content, measures and deadline."""
    label = "目标承诺公示"
    year, _ = parse_assess_period(params.period, params.date)
    result = assess_results.commitments_for_notice(db, year)
    if not result["rows"]:
        raise NothingToPublish(f"{year}年还没有目标承诺，无法生成{label}。")
    data: c.CommitmentsNotice = {**notice_base(db, params, "commitments"), "title": result["title"] or label,
                                 "year": year, "rows": result["rows"]}
    return with_period(db, data, params)


def gather_supervision(db: Database, params: NoticeParams) -> c.SupervisionNotice:
    """督办通知单: one sheet per target whose latest check failed (status
    'unmet'), or only the one whose notice number is given with --ticket."""
    label = "督办通知单"
    year, _ = parse_assess_period(params.period, params.date)
    plan = _plan_for_year(db, year, label)
    sheets = [s for s in assess_results.supervision_sheets(db, plan["uuid"])
              if not params.ticket or s["notice_no"] == params.ticket]
    if not sheets:
        if params.ticket:
            raise ValidationError("督办编号", f"{year}年没有编号为“{params.ticket}”的未达标督办事项。")
        raise NothingToPublish(f"{year}年没有未达标的目标，无需督办。")
    return {**notice_base(db, params, "supervision"), "title": label, "year": year, "sheets": sheets}


# ---- gatherers: election ---------------------------------------------------------

def _election_gatherer(kind_key: str, source: Callable[[Any, str], election.ElectionForNotice]
                       ) -> Callable[[Any, NoticeParams], c.ElectionNotice]:
    """A 换届 notice of the event named by params.period (a term: 17 or 第十七届), else the latest."""
    def gather(db: Database, params: NoticeParams) -> c.ElectionNotice:
        event_uuid = election.event_for_notice(db, params.period, params.township_code)
        found = source(db, event_uuid)
        if not found["rows"]:
            raise NothingToPublish(f"{found['title']}没有内容。")
        data: c.ElectionNotice = {**found, **notice_base(db, params, kind_key)}
        return with_period(db, data, params)
    gather.__doc__ = f"Notice data of kind {kind_key} for the event named by params.period (or the latest)."
    return gather


# ---- the table of kinds ------------------------------------------------------------
# Each renderer imports reports/ when first used (reportlab costs most of a second at
# start-up); typed, so mypy holds each kind's gatherer and renderer to one data type.

def _print_whereabouts(data: c.WhereaboutsNotice, serial: str, paper: str, progress) -> bytes:
    from reports.notices.roster import render_whereabouts
    return render_whereabouts(data, serial=serial, paper=paper, progress=progress)


def _print_pre_appointment(data: c.PreAppointmentNotice, serial: str, paper: str, progress) -> bytes:
    from reports.notices.roster import render_pre_appointment
    return render_pre_appointment(data, serial=serial, paper=paper, progress=progress)


def _print_service_catalogue(data: c.CatalogueNotice, serial: str, paper: str, progress) -> bytes:
    from reports.notices.service import render_catalogue
    return render_catalogue(data, serial=serial, paper=paper, progress=progress)


def _print_case_results(data: c.CaseResultsNotice, serial: str, paper: str, progress) -> bytes:
    from reports.notices.service import render_case_results
    return render_case_results(data, serial=serial, paper=paper, progress=progress)


def _print_receipt(data: c.ReceiptNotice, serial: str, paper: str, progress) -> bytes:
    from reports.notices.service import render_receipt
    return render_receipt(data, serial=serial, paper=paper, progress=progress)


def _print_assessment_results(data: c.AssessResultsNotice, serial: str, paper: str, progress) -> bytes:
    from reports.notices.assess import render_results
    return render_results(data, serial=serial, paper=paper, progress=progress)


def _print_rewards(data: c.RewardsNotice, serial: str, paper: str, progress) -> bytes:
    from reports.notices.assess import render_rewards
    return render_rewards(data, serial=serial, paper=paper, progress=progress)


def _print_county_rewards(data: c.CountyRewardsNotice, serial: str, paper: str, progress) -> bytes:
    from reports.notices.assess import render_county_rewards
    return render_county_rewards(data, serial=serial, paper=paper, progress=progress)


def _print_commitments(data: c.CommitmentsNotice, serial: str, paper: str, progress) -> bytes:
    from reports.notices.assess import render_commitments
    return render_commitments(data, serial=serial, paper=paper, progress=progress)


def _print_supervision(data: c.SupervisionNotice, serial: str, paper: str, progress) -> bytes:
    from reports.notices.assess import render_supervision
    return render_supervision(data, serial=serial, paper=paper, progress=progress)


def _print_election_eligibility(data: c.ElectionNotice, serial: str, paper: str, progress) -> bytes:
    from reports.notices.election import render_eligibility
    return render_eligibility(data, serial=serial, paper=paper, progress=progress)


def _print_election_recommendation(data: c.ElectionNotice, serial: str, paper: str, progress) -> bytes:
    from reports.notices.election import render_recommendation
    return render_recommendation(data, serial=serial, paper=paper, progress=progress)


def _print_election_results(data: c.ElectionNotice, serial: str, paper: str, progress) -> bytes:
    from reports.notices.election import render_results
    return render_results(data, serial=serial, paper=paper, progress=progress)


for _kind in (
    NoticeKind("whereabouts", "干部流向公示栏", ("date",), "干部流向（models.roster.team.whereabouts_board）",
               gather_whereabouts,
               _print_whereabouts,
               paper="a4-landscape", area="roster"),
    NoticeKind("pre_appointment", "任前公示", ("date",), "拟任职务（models.roster.team.pre_appointment_list）",
               gather_pre_appointment,
               _print_pre_appointment,
               area="roster"),
    NoticeKind("service_catalogue", "五公开/明白卡", ("date",), "服务事项目录（models.service.catalogue.catalogue_for_notice）",
               gather_service_catalogue,
               _print_service_catalogue,
               paper="a4-landscape", area="service"),
    NoticeKind("case_results", "办件结果公示", ("date", "period"), "办结的办件（models.service.stats.finished_tickets）",
               gather_case_results,
               _print_case_results,
               paper="a4-landscape", area="service"),
    NoticeKind("receipt", "受理回执", ("date", "ticket"), "办件（models.service.tickets.receipt_data）",
               gather_receipt, _print_receipt,
               area="service"),
    NoticeKind("assessment_results", "考核结果公示", ("date", "period"), "考核结果（models.assess.results.results_for_notice）",
               gather_assessment_results,
               _print_assessment_results, area="assess"),
    NoticeKind("rewards", "补贴/奖励公示", ("date", "period"), "奖金和村干部补贴（models.assess.rewards.rewards_for_notice）",
               gather_rewards, _print_rewards,
               area="assess"),
    NoticeKind("county_rewards", "村干部奖励统一权衡公示", ("date", "period"),
               "各乡镇村干部奖励部分按统一曲线（models.assess.rewards.county_rewards_for_notice）",
               gather_county_rewards,
               _print_county_rewards,
               area="assess"),
    NoticeKind("commitments", "目标承诺公示", ("date", "period"), "目标责任（models.assess.results.commitments_for_notice）",
               gather_commitments,
               _print_commitments,
               paper="a4-landscape", area="assess"),
    NoticeKind("supervision", "督办通知单", ("date", "period"), "未达标目标（models.assess.results.supervision_notice）",
               gather_supervision,
               _print_supervision,
               area="assess"),
    NoticeKind("election_eligibility", "换届报名资格公示", ("date",),
               "换届（models.election.term.eligibility_for_notice；最近一次换届，或 --period 届次）",
               _election_gatherer("election_eligibility", election.eligibility_for_notice),
               _print_election_eligibility,
               paper="a4-landscape", area="election"),
    NoticeKind("election_recommendation", "换届两推结果公示", ("date",),
               "换届（models.election.term.recommendation_for_notice；最近一次换届，或 --period 届次）",
               _election_gatherer("election_recommendation", election.recommendation_for_notice),
               _print_election_recommendation,
               area="election"),
    NoticeKind("election_results", "换届选举结果公示", ("date",),
               "换届（models.election.term.results_for_notice；最近一次换届，或 --period 届次）",
               _election_gatherer("election_results", election.results_for_notice),
               _print_election_results,
               paper="a4-landscape", area="election"),
):
    register_kind(_kind)
