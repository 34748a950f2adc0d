"""Notices printed from the leadership roster: 领导班子分工公示, 干部流向公示栏,
任前公示 and 连心卡."""

from __future__ import annotations

import io
from dataclasses import replace

from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER, TA_RIGHT
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import BaseDocTemplate, Flowable, Frame, FrameBreak, PageTemplate, Paragraph, Spacer

from reports import fonts
from reports.layout import (PAPER_A3, ChunkedTable, Column, NoticeDocument, PageSpec, TextBlock, cn_date, page_spec,
                            para_text, scrub, text_styles)
from reports.notices.common import new_document, period_and_phone, weekday_label

from typing import TYPE_CHECKING

if TYPE_CHECKING:  # annotations only: what the gatherers return (models/notices/contracts.py)
    from models.notices.contracts import (CardVillage, DutiesNotice, LiaisonCardsNotice, PreAppointmentNotice,
                                          StaffFactsNotice, WhereaboutsNotice)
    from models.roster.team import AppointmentForm


def render_duties(data: DutiesNotice, serial: str = "", paper: str = "a4", progress=None) -> bytes:
    """领导班子分工公示: one row per team member."""
    office = data["office"]
    title = f"{office['township']}领导班子成员分工公示"
    doc = new_document(data, title, serial, paper)
    doc.paragraph(f"根据工作需要，经{office['party']}研究，现将领导班子成员工作分工予以公示，"
                  "请广大干部群众监督。")
    # What the notice says about gaps and overlaps is computed from the data
    # (models.roster.notices.duties_statements), never a fixed claim.
    for sentence in data["sentences"]:
        doc.paragraph(sentence)
    rows = []
    for m in data["members"]:
        duty = m["duty_areas"] or "—"
        if m["assists"]:
            duty += f"；协管：{m['assists']}"
        rows.append([m["name"], m["posts"], duty, m["villages"] or "—"])
    if data["gaps"]:
        rows.append(["（暂缺）", "暂无分管领导", "、".join(data["gaps"]), "—"])
    doc.table([Column("姓名", 1.1), Column("职务", 2.4, "LEFT"), Column("分管工作", 3.6, "LEFT"),
               Column("联系村", 1.6, "LEFT")], rows, font_size=12)
    points = [f"{m['name']}：{m['contact_points']}" for m in data["members"] if m["contact_points"]]
    if points:
        doc.paragraph("联系点：" + "；".join(points) + "。")
    period_and_phone(doc, data, "公示期间如有意见和建议，请向镇党政综合办公室反映。")
    doc.closing(office["party"], data["date"])
    return doc.build(progress)


def _month(value: str) -> str:
    value = value or ""
    if len(value) >= 7:
        return f"{value[:4]}年{int(value[5:7])}月"
    return value


def render_pre_appointment(data: PreAppointmentNotice, serial: str = "", paper: str = "a4", progress=None) -> bytes:
    """任前公示: the standard sentence per person, the period and how to report problems."""
    office = data["office"]
    doc = new_document(data, "干部任前公示", serial, paper)
    doc.paragraph(f"根据《党政领导干部选拔任用工作条例》有关规定，经{office['party']}研究，"
                  f"拟对以下{len(data['people'])}名同志进行任用，现予以公示：")
    for i, p in enumerate(data["people"], 1):
        parts = [p["name"], p["sex"], p["ethnicity"]]
        if p["birth_month"]:
            parts.append(f"{_month(p['birth_month'])}生")
        if p["native_place"]:
            parts.append(f"{p['native_place']}人")
        parts.append(p["political_status"])
        if p["party_join_date"] and "党员" in p["political_status"]:
            parts.append(f"{_month(p['party_join_date'])}入党")
        edu = p["edu_fulltime"] + (f"（{p['degree_fulltime']}）" if p["degree_fulltime"] else "")
        if edu:
            parts.append(f"全日制{edu}学历")
        if p["edu_inservice"]:
            parts.append(f"在职{p['edu_inservice']}学历")
        if p["work_start_date"]:
            parts.append(f"{_month(p['work_start_date'])}参加工作")
        if p["current_post"]:
            parts.append(f"现任{p['current_post']}")
        sentence = "，".join(x for x in parts if x)
        sentence += f"，拟任{p['proposed_post']}"
        if p["removed_post"]:
            sentence += f"，免去{p['removed_post']}职务"
        doc.paragraph(f"{i}. {sentence}。")
    period = data["notice_period"]
    doc.notice_period(period["start"], period["end"], period["workdays"])
    doc.paragraph("公示期间，个人和单位可通过来信、来电、来访等方式，向镇党委反映公示对象在德、能、勤、绩、廉等方面的"
                  "情况和问题。反映问题要实事求是，提倡以真实姓名反映问题，我们将严格保密。")
    phone = data["supervision_phone"]
    if phone:
        doc.paragraph(f"受理电话：{phone}")
    doc.paragraph(f"来信请寄：{office['party']}组织办（信封上请注明“任前公示反映”字样）。")
    doc.closing(office["party"], data["date"])
    return doc.build(progress)


# ---- 干部流向公示栏 ------------------------------------------------------------

# A board is one sheet: it uses the sheet (narrow margins, room at the foot for
# the serial and QR code) rather than the 公文 text block, and its table runs in
# side-by-side column groups at the largest size that fits. Sizes below the
# floor would not be read from a step away; past it (well over 80 people on A4)
# the board continues on a second sheet.
BOARD_SIZES = (16, 15, 14, 13, 12, 11.5, 11, 10.5, 10, 9.5, 9)
BOARD_MIN_CHARS = 18  # a column group holds at least this many characters a line
BOARD_GUTTER = 4 * mm
BOARD_PADDING = 1.2  # points around a cell's text (the notices' tables have 3)
BOARD_LINE_SPACING = 1.15
BOARD_COLUMNS = [Column("姓名", 1.2), Column("职务", 2.6, "LEFT"), Column("去向", 1.1), Column("地点/事由", 2.4, "LEFT")]


def board_spec(paper: str) -> PageSpec:
    """The sheet of `paper` with 12 mm margins, 22 mm at the foot (serial, QR code)."""
    k = 2 ** 0.5 if paper == PAPER_A3 else 1.0
    size = page_spec(paper).size
    top, side, foot = 12 * mm * k, 12 * mm * k, 22 * mm * k
    return PageSpec(size, top, side, size[0] - 2 * side, size[1] - top - foot, scale=k)


class BoardColumns(Flowable):
    """Column groups of one table side by side, each with its header."""

    def __init__(self, tables: list[ChunkedTable], gutter: float):
        super().__init__()
        self.tables, self.gutter = tables, gutter

    def wrap(self, availWidth, availHeight):
        self.heights = [t.wrap(availWidth, availHeight)[1] for t in self.tables]
        width = sum(t.width for t in self.tables) + self.gutter * (len(self.tables) - 1)
        return width, max(self.heights)

    def draw(self):
        x, top = 0.0, max(self.heights)
        for table, height in zip(self.tables, self.heights, strict=True):
            table.drawOn(self.canv, x, top - height)
            x += table.width + self.gutter


def board_column_widths(rows: list[list]) -> list[Column]:
    """The board's columns weighted by what they hold (the 9th-decile length
    of each column, capped), so short names and statuses leave the room to the
    posts and places instead of wrapping them."""
    columns = []
    for i, (column, cap) in enumerate(zip(BOARD_COLUMNS, (5, 14, 4, 12), strict=True)):
        lengths = sorted(len(str(r[i] or "")) for r in rows) or [0]
        typical = lengths[min(len(lengths) - 1, int(len(lengths) * 0.9))]
        columns.append(Column(column.label, max(len(column.label), min(typical, cap)) + 1, column.align))
    return columns


def board_columns(rows: list[list], width: float, height: float, scale: float) -> tuple[Flowable, float]:
    """The largest size (and fewest groups at it) at which `rows` fit in
    width × height. Returns the flowable and the font size."""
    columns = board_column_widths(rows)
    for size in BOARD_SIZES:
        font_size = size * scale
        groups_max = max(1, int((width + BOARD_GUTTER * scale) // (BOARD_MIN_CHARS * font_size + BOARD_GUTTER * scale)))
        for groups in range(1, groups_max + 1):
            group_width = (width - BOARD_GUTTER * scale * (groups - 1)) / groups
            table = ChunkedTable.build(columns, rows, group_width, font_size, padding=BOARD_PADDING * scale,
                                       line_spacing=BOARD_LINE_SPACING)
            parts: list[ChunkedTable] = []
            start = 0
            for _ in range(groups):
                rest = ChunkedTable(table.data, start)
                pieces = rest.split_at(group_width, height) if rest.wrap(group_width, height)[1] > height else [rest]
                if not pieces:
                    break
                parts.append(pieces[0])
                start = pieces[0].end
                if start >= len(rows):
                    break
            if start >= len(rows) and parts:
                return BoardColumns(parts, BOARD_GUTTER * scale), font_size
    # more people than one sheet holds at the floor size: one table over the
    # width that continues on the next sheet
    floor = BOARD_SIZES[-1] * scale
    return ChunkedTable.build(columns, rows, width, floor, padding=BOARD_PADDING * scale,
                              line_spacing=BOARD_LINE_SPACING), floor


def render_whereabouts(data: WhereaboutsNotice, serial: str = "", paper: str = "a4-landscape", progress=None) -> bytes:
    """干部流向公示栏: the day's status of every cadre on one sheet (80
    people fit A4 at 9 pt or more, a smaller team larger; A3 prints the same
    board 1.4 times larger)."""
    office = data["office"]
    spec = board_spec(paper)
    doc = NoticeDocument("干部流向公示栏", serial=serial, paper=paper, author=office["township"],
                         keywords=data["kind"], page_numbers=False)
    k = spec.scale
    # The template's styles on a tighter pitch: the grid's 29 pt lines would
    # take a fifth of the sheet from the board.
    styles = text_styles(spec)
    styles["title"] = replace(styles["title"], leading=24 * k)
    styles["subtitle"] = replace(styles["subtitle"], size=14 * k, leading=20 * k, tracking=0.0)
    styles["plain"] = replace(styles["plain"], size=12 * k, leading=18 * k, tracking=0.0)
    doc.spec, doc.styles = spec, styles
    doc.title_block("干部流向公示栏", f"{office['township']}　{weekday_label(data['date'])}")
    counts: dict[str, int] = {}
    for r in data["rows"]:
        counts[r["status"]] = counts.get(r["status"], 0) + 1
    summary = "合计：" + "，".join(f"{k} {v} 人" for k, v in counts.items()) + "。"
    phone = data["office_phone"]
    if phone:
        summary += f"找不到要找的干部，请拨打办公室电话：{phone}。"
    # A board is not sealed: the issuer and the date on one line under the totals.
    footers = [TextBlock(scrub(summary), styles["plain"]),
               TextBlock(scrub(f"{office['office']}　{cn_date(data['date'])}"),
                         replace(styles["plain"], align="right"))]
    used = sum(f.wrap(spec.text_width, spec.text_height)[1] for f in list(doc.story) + footers)
    rows = [[r["name"], r["post"] or "—", r["status"], " ".join(x for x in (r["place"], r["note"]) if x)]
            for r in data["rows"]]
    board, _ = board_columns(rows, spec.text_width, spec.text_height - used - 2, spec.scale)
    doc.add(board)
    for footer in footers:
        doc.add(footer)
    if progress:
        progress(len(rows), len(rows))
    return doc.build(progress)


# ---- 连心卡 ------------------------------------------------------------------

CARD_W, CARD_H = 105 * mm, 148.5 * mm


# The card's text size: the largest of these at which the fullest card fits
# (every card then set alike); 10.5 pt (五号) is the smallest read comfortably
# in the hand, below it the card is only set smaller when its content needs it.
CARD_SIZES = (14, 13.5, 13, 12.5, 12, 11.5, 11, 10.5, 10, 9.5, 9, 8.5, 8)
CARD_MIN_SIZE = 10.5
CARD_PAD = 7 * mm
# Cards per A4 sheet: four A6 cards when the text fits them at CARD_MIN_SIZE,
# else two A5 cards (the sheet cut across), for a large team with long duties.
CARD_LAYOUTS = ((2, 2), (2, 1))  # (rows, columns)


def card_styles(size: float) -> dict[str, ParagraphStyle]:
    fs, hei = fonts.font(fonts.FANGSONG), fonts.font(fonts.HEI)
    return {
        "title": ParagraphStyle("card-title", fontName=fonts.font(fonts.TITLE), fontSize=22, leading=30,
                                alignment=TA_CENTER),
        "sub": ParagraphStyle("card-sub", fontName=fs, fontSize=max(size, 10.5), leading=max(size, 10.5) * 1.4,
                              alignment=TA_CENTER),
        "head": ParagraphStyle("card-head", fontName=hei, fontSize=size + 1, leading=(size + 1) * 1.4,
                               spaceBefore=size * 0.5),
        "line": ParagraphStyle("card-line", fontName=fs, fontSize=size, leading=size * 1.35, wordWrap="CJK",
                               leftIndent=size, firstLineIndent=-size),
        "foot": ParagraphStyle("card-foot", fontName=fs, fontSize=max(size - 1, 9), leading=max(size - 1, 9) * 1.4,
                               alignment=TA_CENTER),
    }


def _card_story(data: LiaisonCardsNotice, village: CardVillage, st: dict) -> list:
    """One card's flowables, without the break to the next card."""
    fs = fonts.font(fonts.FANGSONG)
    office = data["office"]
    story: list = [Paragraph("连 心 卡", st["title"]),
                   Paragraph(para_text(office["government"] + (f" · {village['name']}" if village["name"] else ""), fs),
                             st["sub"]),
                   Spacer(1, st["line"].fontSize * 0.4)]
    if village["liaisons"]:
        story.append(Paragraph("您村的联系干部", st["head"]))
        names = "、".join((f"{link['name']}（{link['kind']}）" if link["kind"] else link["name"])
                         + (f" {link['phone']}" if link["phone"] else "") for link in village["liaisons"])
        story.append(Paragraph(para_text(names, fs), st["line"]))
    story.append(Paragraph("镇领导班子", st["head"]))
    for m in data["team"]:
        text = f"{m['name']}　{m['titles']}" + (f"，分管{m['duties']}" if m["duties"] else "") \
            + (f"，电话 {m['phone']}" if m["phone"] else "")
        story.append(Paragraph(para_text(text, fs), st["line"]))
    story.append(Paragraph("联系电话", st["head"]))
    phones = [f"办公室 {data['office_phone']}"] if data["office_phone"] else []
    phones += [f"{o['name']} {o['phone']}" for o in data["office_phones"]]
    if data["supervision_phone"]:
        phones.append(f"监督电话 {data['supervision_phone']}")
    story.append(Paragraph(para_text("；".join(phones) or "—", fs), st["line"]))
    story.append(Spacer(1, st["line"].fontSize * 0.6))
    story.append(Paragraph(para_text(f"有事请找我们 · {cn_date(data['date'])}", fs), st["foot"]))
    return story


def _story_height(story: list, width: float) -> float:
    """Height of flowables stacked in a frame (as reportlab's Frame adds them)."""
    total, previous_after = 0.0, 0.0
    for flowable in story:
        _, h = flowable.wrap(width, 10_000)
        before = flowable.getSpaceBefore() if total else 0.0
        total += max(before, previous_after) + h if total else h
        previous_after = flowable.getSpaceAfter()
    return total


def card_text_size(data: LiaisonCardsNotice, width: float = CARD_W - 2 * CARD_PAD, height: float = CARD_H - 2 * CARD_PAD) -> float:
    """The largest CARD_SIZES size at which every village's card fits its frame."""
    villages = data["villages"]
    for size in CARD_SIZES:
        st = card_styles(size)
        if all(_story_height(_card_story(data, v, st), width) <= height for v in villages):
            return size
    return CARD_SIZES[-1]  # a card holding more than this is split by reportlab onto the next card


def card_layout(data: LiaisonCardsNotice) -> tuple[int, int]:
    """(rows, columns) of cards on the A4 sheet: the first of CARD_LAYOUTS whose
    cards hold the text at CARD_MIN_SIZE or more (the last one otherwise)."""
    for rows, cols in CARD_LAYOUTS:
        width, height = A4[0] / cols - 2 * CARD_PAD, A4[1] / rows - 2 * CARD_PAD
        if card_text_size(data, width, height) >= CARD_MIN_SIZE:
            return rows, cols
    return CARD_LAYOUTS[-1]


def render_liaison_cards(data: LiaisonCardsNotice, serial: str = "", paper: str = "a4", progress=None) -> bytes:
    """连心卡: cut-out cards on A4 (four A6, or two A5 for a large team), one
    per village, with the team's names, duties, the village's liaison cadres
    and the public phones, set at the largest size at which the fullest card
    fits (so the cards are filled, not a third empty); the space left on a
    card goes between its parts."""
    fonts.register_fonts()
    fs = fonts.font(fonts.FANGSONG)
    office = data["office"]
    rows, cols = card_layout(data)
    card_w, card_h = A4[0] / cols, A4[1] / rows
    width, height = card_w - 2 * CARD_PAD, card_h - 2 * CARD_PAD
    st = card_styles(card_text_size(data, width, height))

    frames = []
    for row in range(rows):
        for col in range(cols):
            x = col * card_w + CARD_PAD
            y = (rows - 1 - row) * card_h + CARD_PAD
            frames.append(Frame(x, y, width, height, leftPadding=0, rightPadding=0,
                                topPadding=0, bottomPadding=0, id=f"card{row}{col}"))

    def cut_lines(canvas, doc):
        canvas.saveState()
        canvas.setDash(3, 3)
        canvas.setLineWidth(0.4)
        for col in range(1, cols):
            canvas.line(col * card_w, 0, col * card_w, A4[1])
        for row in range(1, rows):
            canvas.line(0, row * card_h, A4[0], row * card_h)
        canvas.setFont(fs, 7)
        if serial:
            canvas.drawRightString(2 * CARD_W - 4 * mm, 3 * mm, f"公示编号 {serial}")
        canvas.restoreState()

    story: list = []
    villages = data["villages"]
    for n, v in enumerate(villages):
        card = _card_story(data, v, st)
        # the card's spare height spread over the gaps before its headings and foot
        spare = height - _story_height(card, width) - 1
        gaps = [i for i, f in enumerate(card) if isinstance(f, Spacer) or
                (isinstance(f, Paragraph) and f.style.name == "card-head")]
        if spare > 0 and gaps:
            share = min(spare / len(gaps), st["line"].leading * 2)
            for i in reversed(gaps):
                card.insert(i, Spacer(1, share))
        story += card
        if n < len(villages) - 1:
            story.append(FrameBreak())
        if progress:
            progress(n + 1, len(villages))

    buffer = io.BytesIO()
    doc = BaseDocTemplate(buffer, pagesize=A4, leftMargin=0, rightMargin=0, topMargin=0, bottomMargin=0,
                          title="连心卡", author=office["township"], subject=serial, creator="乡镇综合办公 公示",
                          invariant=1, initialFontName=fs)
    doc.addPageTemplates([PageTemplate("cards", frames=frames, onPage=cut_lines)])
    doc.build(story)
    return buffer.getvalue()


# ---- 全镇干部基本情况公示 ---------------------------------------------------------------

def render_staff_facts(data: StaffFactsNotice, serial: str = "", paper: str = "a4", progress=None) -> bytes:
    """全镇干部基本情况公示: the computed sentences, then the structure table."""
    office = data["office"]
    doc = new_document(data, f"{office['township']}干部基本情况公示", serial, paper)
    doc.paragraph("根据政务公开有关规定，现将全镇干部队伍基本情况予以公示，接受群众监督。")
    for sentence in data["sentences"]:
        doc.paragraph(sentence)
    doc.table([Column("类别", 1.4), Column("项目", 2.2, "LEFT"), Column("人数", 1.0, "RIGHT"),
               Column("占比", 1.0, "RIGHT")], data["rows"], font_size=12)
    period_and_phone(doc, data, "公示期间如有意见和建议，请向镇党政综合办公室反映。")
    doc.closing(office["party"], data["date"])
    return doc.build(progress)


# ---- 干部任免审批表 ----------------------------------------------------------------------

FORM_W = 170 * mm  # table width on A4 with 20 mm side margins


def _form_styles():
    fonts.register_fonts()
    song = fonts.font(fonts.SONG)
    return {
        "title": ParagraphStyle("form-title", fontName=fonts.font(fonts.TITLE), fontSize=22, leading=30, alignment=TA_CENTER,
                                spaceAfter=4 * mm),
        "label": ParagraphStyle("form-label", fontName=song, fontSize=11, leading=14, alignment=TA_CENTER,
                                wordWrap="CJK"),
        "value": ParagraphStyle("form-value", fontName=song, fontSize=11, leading=14, alignment=TA_CENTER,
                                wordWrap="CJK"),
        "left": ParagraphStyle("form-left", fontName=song, fontSize=11, leading=15, wordWrap="CJK"),
        "resume": ParagraphStyle("form-resume", fontName=song, fontSize=11, leading=16, wordWrap="CJK"),
        "small": ParagraphStyle("form-small", fontName=song, fontSize=10, leading=13, wordWrap="CJK"),
        "seal": ParagraphStyle("form-seal", fontName=song, fontSize=11, leading=16, alignment=TA_RIGHT,
                               rightIndent=8),
    }


def _vertical(text: str) -> str:
    """简历 → 简<br/>历: the form writes long row labels top to bottom."""
    return "<br/><br/>".join(para_text(ch, fonts.font(fonts.SONG)) for ch in text)


def _photo_cell(photo: bytes | None, width: float, height: float, st):
    from reportlab.platypus import Image

    if not photo:
        return Paragraph("（照片）", st["value"])
    image = Image(io.BytesIO(photo))
    scale = min((width - 4) / image.imageWidth, (height - 4) / image.imageHeight)
    image.drawWidth, image.drawHeight = image.imageWidth * scale, image.imageHeight * scale
    return image


def _form_page_one(f: AppointmentForm, st, frame_height: float) -> list:
    from reportlab.platypus import Table, TableStyle

    P = lambda text, style="value": Paragraph(para_text(text, st[style].fontName), st[style])  # noqa: E731
    L = lambda text: Paragraph(para_text(text, st["label"].fontName), st["label"])  # noqa: E731
    # columns: label, value, label, value, label, value, photo
    cw = [22 * mm, 25 * mm, 22 * mm, 25 * mm, 24 * mm, 22 * mm, 30 * mm]
    rh = [13 * mm, 13 * mm, 13 * mm, 15 * mm, 14 * mm, 14 * mm, 13 * mm, 13 * mm, 13 * mm]
    rows = [
        [L("姓　名"), P(f["name"]), L("性　别"), P(f["sex"]), L("出生年月\n（岁）"), P(f["birth"]), ""],
        [L("民　族"), P(f["ethnicity"]), L("籍　贯"), P(f["native_place"]), L("出 生 地"), P(f["birth_place"]), ""],
        [L("入　党\n时　间"), P(f["party_join"]), L("参加工\n作时间"), P(f["work_start"]), L("健康状况"), P(f["health"]), ""],
        [L("专业技\n术职务"), P(f["specialty"]), "", L("熟悉专业\n有何专长"), P(f["expertise"]), "", ""],
        [L("学　历\n学　位"), L("全日制\n教　育"), P(f["edu_fulltime"]), L("毕业院校\n系及专业"), P(f["school_fulltime"], "left"),
         "", ""],
        ["", L("在　职\n教　育"), P(f["edu_inservice"]), L("毕业院校\n系及专业"), P(f["school_inservice"], "left"), "", ""],
        [L("现任职务"), P(f["current_post"], "left"), "", "", "", "", ""],
        [L("拟任职务"), P(f["proposed_post"], "left"), "", "", "", "", ""],
        [L("拟免职务"), P(f["removed_post"], "left"), "", "", "", "", ""],
    ]
    rows[0][6] = _photo_cell(f["photo"], cw[6], sum(rh[:4]), st)
    grid = Table(rows, colWidths=cw, rowHeights=rh)
    grid.setStyle(TableStyle([
        ("GRID", (0, 0), (-1, -1), 0.6, colors.black), ("BOX", (0, 0), (-1, -1), 1.2, colors.black),
        ("VALIGN", (0, 0), (-1, -1), "MIDDLE"), ("LEFTPADDING", (0, 0), (-1, -1), 2),
        ("RIGHTPADDING", (0, 0), (-1, -1), 2),
        ("SPAN", (6, 0), (6, 3)),  # photo
        ("SPAN", (1, 3), (2, 3)), ("SPAN", (4, 3), (5, 3)),  # 专业技术职务 / 熟悉专业
        ("SPAN", (0, 4), (0, 5)),  # 学历学位
        ("SPAN", (4, 4), (6, 4)), ("SPAN", (4, 5), (6, 5)),
        ("SPAN", (1, 6), (6, 6)), ("SPAN", (1, 7), (6, 7)), ("SPAN", (1, 8), (6, 8)),
    ]))
    story: list = [Paragraph("干部任免审批表", st["title"]), grid]
    # 简历: one row per entry, the period in its own column so a long entry wraps
    # under its text, as the official editor lays it out.
    period_w = 36 * mm
    entries = f["resume"] or [("", "")]
    widths = [cw[0], period_w, FORM_W - cw[0] - period_w]
    base_style = [("BOX", (0, 0), (-1, -1), 1.2, colors.black), ("LINEAFTER", (0, 0), (0, -1), 0.6, colors.black),
                  ("VALIGN", (0, 0), (-1, -1), "TOP"), ("VALIGN", (0, 0), (0, -1), "MIDDLE"),
                  ("TOPPADDING", (0, 0), (-1, -1), 1), ("BOTTOMPADDING", (0, 0), (-1, -1), 1),
                  ("LEFTPADDING", (1, 0), (1, -1), 6), ("RIGHTPADDING", (1, 0), (1, -1), 0)]
    label = Paragraph(_vertical("简历"), st["label"])
    res_rows = [[label if i == 0 else "", P(period, "resume"), P(text, "resume")]
                for i, (period, text) in enumerate(entries)]
    # The résumé box fills the rest of the first page, as on the printed form
    # (frame padding 6 pt top and bottom); a résumé longer than that runs on.
    available = frame_height - 12 - (30 + 4 * mm + sum(rh)) - 4
    plain = Table([[""] + r[1:] for r in res_rows], colWidths=widths)
    _, h = plain.wrap(FORM_W, frame_height)
    if h < available:
        rows_fill = [[label, r[1], r[2]] if i == 0 else ["", r[1], r[2]] for i, r in enumerate(res_rows)]
        rows_fill.append(["", "", ""])
        heights = [None] * len(res_rows) + [available - h]
        resume = Table(rows_fill, colWidths=widths, rowHeights=heights,
                       style=base_style + [("SPAN", (0, 0), (0, -1))])
    else:
        resume = Table(res_rows, colWidths=widths, style=base_style)
    story.append(resume)
    return story


def _form_page_two(f: AppointmentForm, st) -> list:
    from reportlab.platypus import Table, TableStyle

    P = lambda text, style="left": Paragraph(para_text(text, st[style].fontName), st[style])  # noqa: E731
    L = lambda text: Paragraph(para_text(text, st["label"].fontName), st["label"])  # noqa: E731
    cw = [22 * mm, 20 * mm, 22 * mm, 14 * mm, 24 * mm, 68 * mm]
    family = f["family"][:8]
    rows = [
        [L("奖　惩\n情　况"), P(f["rewards"]), "", "", "", ""],
        [L("年　度\n考　核\n结　果"), P(f["annual_assessments"]), "", "", "", ""],
        [L("任　免\n理　由"), P(f["appointment_reason"]), "", "", "", ""],
        [L("家庭主要成员及重要社会关系"), L("称　谓"), L("姓　名"), L("年龄"), L("政治面貌"), L("工作单位及职务")],
    ]
    for m in family + [None] * (7 - len(family)):
        rows.append(["", P(m["relation"], "value") if m else "", P(m["name"], "value") if m else "",
                     P(m["age"], "value") if m else "", P(m["political_status"], "value") if m else "",
                     P(m["work"], "small") if m else ""])
    fam_first, fam_last = 3, len(rows) - 1
    seal = Paragraph("（盖章）<br/>年&nbsp;&nbsp;&nbsp;&nbsp;&nbsp;月&nbsp;&nbsp;&nbsp;&nbsp;&nbsp;日", st["seal"])
    rows.append([L("呈报单位"), [P(f["reporting_unit"]), Spacer(1, 4 * mm), seal], "", "", "", ""])
    rows.append([L("审　批\n机　关\n意　见"), [Spacer(1, 24 * mm), seal], "", L("行政\n机关\n任免\n意见"),
                 [Spacer(1, 24 * mm), seal], ""])
    heights = [40 * mm, 22 * mm, 26 * mm, 12 * mm] + [9 * mm] * (fam_last - fam_first) + [28 * mm, 50 * mm]
    table = Table(rows, colWidths=cw, rowHeights=heights)
    n = len(rows)
    table.setStyle(TableStyle([
        ("GRID", (0, 0), (-1, -1), 0.6, colors.black), ("BOX", (0, 0), (-1, -1), 1.2, colors.black),
        ("VALIGN", (0, 0), (-1, -1), "MIDDLE"), ("VALIGN", (1, 0), (1, 2), "TOP"),
        ("VALIGN", (1, n - 2), (-1, n - 1), "TOP"),
        ("SPAN", (1, 0), (5, 0)), ("SPAN", (1, 1), (5, 1)), ("SPAN", (1, 2), (5, 2)),
        ("SPAN", (0, fam_first), (0, fam_last)),
        ("SPAN", (1, n - 2), (5, n - 2)),
        ("SPAN", (1, n - 1), (2, n - 1)), ("SPAN", (4, n - 1), (5, n - 1)),
    ]))
    foot = Paragraph(para_text(f"填表时间：{cn_date(f['date'])}", st["small"].fontName), st["small"])
    return [table, Spacer(1, 3 * mm), foot]


def render_appointment_form(forms: list[AppointmentForm], progress=None) -> bytes:
    """干部任免审批表: two A4 pages per cadre (the organisation department's
    table: photo box, the personal facts, 学历学位, posts and 简历 on the
    first page; 奖惩, 年度考核, 任免理由, family, 呈报单位 and the approving
    bodies' boxes on the second)."""
    from reportlab.platypus import PageBreak, SimpleDocTemplate

    if not forms:
        raise ValueError("render_appointment_form needs at least one cadre")
    st = _form_styles()
    buffer = io.BytesIO()
    doc = SimpleDocTemplate(buffer, pagesize=A4, leftMargin=20 * mm, rightMargin=20 * mm, topMargin=15 * mm,
                            bottomMargin=15 * mm, title="干部任免审批表", author=forms[0]["township"],
                            subject="、".join(f["name"] for f in forms), creator="乡镇综合办公", invariant=1)
    story: list = []
    for i, f in enumerate(forms):
        if i:
            story.append(PageBreak())
        story += _form_page_one(f, st, doc.height)
        story.append(PageBreak())
        story += _form_page_two(f, st)
        if progress:
            progress(i + 1, len(forms))
    doc.build(story)
    return buffer.getvalue()
