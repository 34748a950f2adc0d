"""Notices printed from the leadership roster: 领导班子分工公示, 干部流向公示栏,
任前公示 and 连心卡."""

from __future__ import annotations

import io

from reportlab.lib.enums import TA_CENTER
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import BaseDocTemplate, Frame, FrameBreak, PageTemplate, Paragraph, Spacer

from reports import fonts
from reports.layout import Column, cn_date, para_text
from reports.notices.common import new_document, period_and_phone, weekday_label


def render_duties(data: dict, serial: str = "", paper: str = "a4", progress=None) -> bytes:
    """领导班子分工公示: one row per team member."""
    office = data["office"]
    title = f"{office['township']}领导班子成员分工公示"
    doc = new_document(data, title, serial, paper)
    doc.paragraph(f"根据工作需要，经{office['party']}研究，现将领导班子成员工作分工予以公示，"
                  "请广大干部群众监督。分工不重叠、职责不交叉，每项工作均有明确的负责领导。")
    rows = []
    for m in data["members"]:
        duty = m["duty_areas"] or "—"
        if m.get("assists"):
            duty += f"；协管：{m['assists']}"
        rows.append([m["name"], m["posts"], duty, m["villages"] or "—"])
    doc.table([Column("姓名", 1.1), Column("职务", 2.4, "LEFT"), Column("分管工作", 3.6, "LEFT"),
               Column("联系村", 1.6, "LEFT")], rows, font_size=12)
    points = [f"{m['name']}：{m['contact_points']}" for m in data["members"] if m.get("contact_points")]
    if points:
        doc.paragraph("联系点：" + "；".join(points) + "。")
    period_and_phone(doc, data, "公示期间如有意见和建议，请向镇党政综合办公室反映。")
    doc.closing(office["party"], data["date"])
    return doc.build(progress)


def render_whereabouts(data: dict, serial: str = "", paper: str = "a4-landscape", progress=None) -> bytes:
    """干部流向公示栏: the day's status of every cadre, in large type."""
    office = data["office"]
    doc = new_document(data, "干部流向公示栏", serial, paper, subtitle=f"{office['township']}　{weekday_label(data['date'])}")
    rows = [[r["name"], r["post"] or "—", r["status"], " ".join(x for x in (r["place"], r["note"]) if x)]
            for r in data["rows"]]
    doc.table([Column("姓名", 1.2), Column("职务", 2.6, "LEFT"), Column("去向", 1.0), Column("地点/事由", 2.6, "LEFT")],
              rows, font_size=16)
    counts: dict[str, int] = {}
    for r in data["rows"]:
        counts[r["status"]] = counts.get(r["status"], 0) + 1
    doc.paragraph("合计：" + "，".join(f"{k} {v} 人" for k, v in counts.items()) + "。", "plain")
    phone = data.get("office_phone")
    if phone:
        doc.paragraph(f"找不到要找的干部，请拨打办公室电话：{phone}。", "plain")
    doc.closing(office["office"], data["date"])
    return doc.build(progress)


def _month(value: str) -> str:
    value = value or ""
    if len(value) >= 7:
        return f"{value[:4]}年{int(value[5:7])}月"
    return value


def render_pre_appointment(data: dict, serial: str = "", paper: str = "a4", progress=None) -> bytes:
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
        if p["party_join_date"] and "党员" in (p["political_status"] or ""):
            parts.append(f"{_month(p['party_join_date'])}入党")
        edu = p["edu_fulltime"] + (f"（{p['degree_fulltime']}）" if p.get("degree_fulltime") else "")
        if edu:
            parts.append(f"全日制{edu}学历")
        if p.get("edu_inservice"):
            parts.append(f"在职{p['edu_inservice']}学历")
        if p["work_start_date"]:
            parts.append(f"{_month(p['work_start_date'])}参加工作")
        if p["current_post"]:
            parts.append(f"现任{p['current_post']}")
        sentence = "，".join(x for x in parts if x)
        sentence += f"，拟任{p['proposed_post']}"
        if p.get("removed_post"):
            sentence += f"，免去{p['removed_post']}职务"
        doc.paragraph(f"{i}. {sentence}。")
    period = data["notice_period"]
    doc.notice_period(period["start"], period["end"], period["workdays"])
    doc.paragraph("公示期间，个人和单位可通过来信、来电、来访等方式，向镇党委反映公示对象在德、能、勤、绩、廉等方面的"
                  "情况和问题。反映问题要实事求是，提倡以真实姓名反映问题，我们将严格保密。")
    phone = data.get("supervision_phone")
    if phone:
        doc.paragraph(f"受理电话：{phone}")
    doc.paragraph(f"来信请寄：{office['party']}组织办（信封上请注明“任前公示反映”字样）。")
    doc.closing(office["party"], data["date"])
    return doc.build(progress)


# ---- 连心卡 ------------------------------------------------------------------

CARD_W, CARD_H = 105 * mm, 148.5 * mm


def render_liaison_cards(data: dict, serial: str = "", paper: str = "a4", progress=None) -> bytes:
    """连心卡: four cut-out cards (A6) per A4 page, one per village, with the
    team's names, duties, the village's liaison cadres and the public phones."""
    fonts.register_fonts()
    fs, hei, song = fonts.font(fonts.FANGSONG), fonts.font(fonts.HEI), fonts.font(fonts.SONG)
    office = data["office"]
    title_style = ParagraphStyle("card-title", fontName=song, fontSize=20, leading=26, alignment=TA_CENTER)
    sub_style = ParagraphStyle("card-sub", fontName=fs, fontSize=10, leading=14, alignment=TA_CENTER)
    head_style = ParagraphStyle("card-head", fontName=hei, fontSize=10, leading=14, spaceBefore=3)
    line_style = ParagraphStyle("card-line", fontName=fs, fontSize=8.5, leading=11.5, wordWrap="CJK",
                                leftIndent=8, firstLineIndent=-8)
    foot_style = ParagraphStyle("card-foot", fontName=fs, fontSize=8, leading=11, alignment=TA_CENTER)

    pad = 7 * mm
    frames = []
    for row in range(2):
        for col in range(2):
            x = col * CARD_W + pad
            y = (1 - row) * CARD_H + pad
            frames.append(Frame(x, y, CARD_W - 2 * pad, CARD_H - 2 * pad, leftPadding=0, rightPadding=0,
                                topPadding=0, bottomPadding=0, id=f"card{row}{col}"))

    def cut_lines(canvas, doc):
        canvas.saveState()
        canvas.setDash(3, 3)
        canvas.setLineWidth(0.4)
        canvas.line(CARD_W, 0, CARD_W, 2 * CARD_H)
        canvas.line(0, CARD_H, 2 * CARD_W, CARD_H)
        canvas.setFont(fs, 7)
        if serial:
            canvas.drawRightString(2 * CARD_W - 4 * mm, 3 * mm, f"公示编号 {serial}")
        canvas.restoreState()

    story = []
    villages = data["villages"]
    for n, v in enumerate(villages):
        story.append(Paragraph("连 心 卡", title_style))
        story.append(Paragraph(para_text(office["government"] + (f" · {v['name']}" if v["name"] else "")), sub_style))
        story.append(Spacer(1, 3))
        if v["liaisons"]:
            story.append(Paragraph("您村的联系干部", head_style))
            names = "、".join(f"{link['name']}（{link['kind']}）" if link["kind"] else link["name"]
                             for link in v["liaisons"])
            story.append(Paragraph(para_text(names), line_style))
        story.append(Paragraph("镇领导班子", head_style))
        for m in data["team"]:
            text = f"{m['name']}　{m['titles']}" + (f"，分管{m['duties']}" if m["duties"] else "")
            story.append(Paragraph(para_text(text), line_style))
        story.append(Paragraph("联系电话", head_style))
        phones = [f"办公室 {data['office_phone']}"] if data.get("office_phone") else []
        phones += [f"{o['name']} {o['phone']}" for o in data.get("office_phones", [])]
        if data.get("supervision_phone"):
            phones.append(f"监督电话 {data['supervision_phone']}")
        story.append(Paragraph(para_text("；".join(phones) or "—"), line_style))
        story.append(Spacer(1, 4))
        story.append(Paragraph(para_text(f"有事请找我们 · {cn_date(data['date'])}"), foot_style))
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
