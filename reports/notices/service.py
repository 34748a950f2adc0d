"""Notices printed from the service desk: 五公开/明白卡, 办件结果公示 and the
受理回执 handed to the citizen at the window."""

from __future__ import annotations

import io

from reportlab.lib.enums import TA_CENTER
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import BaseDocTemplate, Frame, FrameBreak, PageTemplate, Paragraph, Spacer, Table, TableStyle

from reports import fonts
from reports.layout import DRAFT_MARK, Column, cn_date, is_draft, para_text
from reports.notices.common import new_document, period_and_phone

from typing import TYPE_CHECKING

if TYPE_CHECKING:  # annotations only
    from models.notices.contracts import CaseResultsNotice, CatalogueNotice, ReceiptNotice

CN_NUMBERS = "一二三四五六七八九十"


def _cn_index(i: int) -> str:
    if i <= 10:
        return CN_NUMBERS[i - 1]
    return ("十" if i < 20 else CN_NUMBERS[i // 10 - 1] + "十") + (CN_NUMBERS[i % 10 - 1] if i % 10 else "")


def render_catalogue(data: CatalogueNotice, serial: str = "", paper: str = "a4-landscape", progress=None) -> bytes:
    """五公开/明白卡: per department, each item's conditions, materials,
    procedure, promised time and fee."""
    office = data["office"]
    doc = new_document(data, f"{office['service_center']}服务事项“五公开”明白卡", serial, paper)
    doc.paragraph("为方便群众办事，现将本中心受理的服务事项及其办理条件、办理程序、承诺时限、收费依据和标准公开如下。"
                  "承诺时限按工作日计算，不含法定节假日和群众补正材料的时间。")
    columns = [Column("事项名称", 1.5, "LEFT"), Column("办理条件", 2.2, "LEFT"), Column("所需材料", 2.4, "LEFT"),
               Column("办理程序", 2.0, "LEFT"), Column("承诺时限", 0.9), Column("收费标准及依据", 1.4, "LEFT"),
               Column("责任岗位", 1.0)]
    for i, dept in enumerate(data["departments"], 1):
        doc.paragraph(f"{_cn_index(i)}、{dept['name']}", "h1")
        rows = []
        for item in dept["items"]:
            limit = "即办" if item["time_limit_days"] == 0 else f"{item['time_limit_days']}个工作日"
            fee = item["fee_amount"] + (f"（{item['fee_basis']}）" if item["fee_basis"] else "")
            rows.append([item["name"], item["conditions"] or "—", item["materials"] or "—",
                         item["procedure"] or "受理→审核→办结", limit, fee, item["responsible_post"] or "—"])
        doc.table(columns, rows, font_size=10.5)
        if progress:
            progress(i, len(data["departments"]))
    period_and_phone(doc, data, "")
    if data["office_phone"]:
        doc.paragraph(f"咨询电话：{data['office_phone']}")
    doc.closing(office["service_center"], data["date"])
    return doc.build()


def render_case_results(data: CaseResultsNotice, serial: str = "", paper: str = "a4-landscape", progress=None) -> bytes:
    """办件结果公示: finished cases of the period, applicants' names masked."""
    office = data["office"]
    period = data["period"]
    doc = new_document(data, f"{office['service_center']}办件结果公示", serial, paper, subtitle=f"（{period['label']}）")
    doc.paragraph(f"现将本中心{period['label']}办结的{len(data['rows'])}件群众办事事项结果公示如下，接受群众监督。"
                  "为保护个人信息，申请人姓名已作部分隐藏。")
    rows = [[str(i), r["ticket_no"], r["applicant"], r["matter"], r["department"], r["received"], r["finished"],
             r["result"]] for i, r in enumerate(data["rows"], 1)]
    # weights in points for the landscape text block (638 pt); dates and numbers never wrap
    doc.table([Column("序号", 34), Column("办件编号", 70), Column("申请人", 46), Column("事项", 150, "LEFT"),
               Column("承办部门", 62), Column("受理日期", 62), Column("办结日期", 62), Column("办理结果", 152, "LEFT")],
              rows, font_size=10.5)
    period_and_phone(doc, data, "对公示结果有异议的，请在公示期内向便民服务中心反映。")
    doc.closing(office["service_center"], data["date"])
    return doc.build(progress)


RECEIPT_CUT_NOTE = "（全文详见办件登记）"


def _receipt_halves(data: ReceiptNotice, serial: str, width: float, height: float, cap: int | None):
    """The office's stub (存根) and the applicant's copy as reportlab flowables;
    the long fields are cut to `cap` characters (None: not cut)."""
    title_font, fs, hei = fonts.font(fonts.TITLE), fonts.font(fonts.FANGSONG), fonts.font(fonts.HEI)
    office = data["office"]
    r = data["receipt"]
    title_style = ParagraphStyle("r-title", fontName=title_font, fontSize=18, leading=24, alignment=TA_CENTER)
    sub_style = ParagraphStyle("r-sub", fontName=fs, fontSize=10.5, leading=14, alignment=TA_CENTER)
    label_style = ParagraphStyle("r-label", fontName=hei, fontSize=10.5, leading=14)
    value_style = ParagraphStyle("r-value", fontName=fs, fontSize=11, leading=14.5, wordWrap="CJK")
    small_style = ParagraphStyle("r-small", fontName=fs, fontSize=9.5, leading=13, wordWrap="CJK")
    sign_style = ParagraphStyle("r-sign", parent=small_style, fontSize=10.5, leading=15)

    def cell(text, style=value_style):
        return Paragraph(para_text(text or "—", style.fontName), style)

    def cut(text: str) -> str:
        text = text or ""
        if cap is None or len(text) <= cap:
            return text
        return text[:cap].rstrip() + f"……（共{len(text)}字）{RECEIPT_CUT_NOTE}"

    promised = cn_date(r["promised"]) if r["promised"] else "当场办结"
    if r["promised_note"] and r["promised"]:
        promised += r["promised_note"]  # a provisional year: "按法定节假日预估，如遇调休以正式安排为准"
    received = r["received"]
    received_label = cn_date(received) + (f" {received[11:16]}" if len(received) >= 16 else "")
    matter = r["matter"] + (f"（{r['kind']}）" if r["kind"] else "")
    rows = [
        [cell("办件编号", label_style), cell(r["ticket_no"]), cell("受理日期", label_style), cell(received_label)],
        [cell("申请人", label_style), cell(r["applicant"]), cell("联系电话", label_style), cell(r["applicant_phone"])],
        [cell("申请事项", label_style), cell(cut(matter)), "", ""],
        [cell("承办部门", label_style), cell(r["department"]), cell("承诺办结", label_style), cell(promised)],
        [cell("经办人", label_style), cell(r["handler"]), cell("经办人电话", label_style), cell(r["handler_phone"])],
    ]
    if r["request"]:
        rows.append([cell("诉求内容", label_style), cell(cut(r["request"])), "", ""])
    if r.get("materials"):
        rows.append([cell("已收材料", label_style), cell(cut(r["materials"])), "", ""])
    query = r["progress_query"] or (
        f"凭本回执的办件编号到便民服务中心窗口或拨打{data['office_phone'] or '中心电话'}查询办理进度。")
    rows.append([cell("进度查询", label_style), cell(cut(query)), "", ""])
    spans = [("SPAN", (1, i), (3, i)) for i, row in enumerate(rows) if row[2] == ""]

    def table():
        t = Table(rows, colWidths=[width * 0.15, width * 0.35, width * 0.15, width * 0.35])
        t.setStyle(TableStyle([("FONT", (0, 0), (-1, -1), fs, 11), ("GRID", (0, 0), (-1, -1), 0.6, "black"),
                               ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
                               ("TOPPADDING", (0, 0), (-1, -1), 3), ("BOTTOMPADDING", (0, 0), (-1, -1), 3)] + spans))
        return t

    number = f"　回执编号 {serial}" if serial else ""
    stub = [
        Paragraph(para_text("受 理 回 执（存根）", title_font), title_style),
        Paragraph(para_text(office["service_center"] + "　留存", fs), sub_style),
        Spacer(1, 4), table(), Spacer(1, 6),
        Paragraph(para_text("申请人确认以上内容无误。申请人（签字）：＿＿＿＿＿＿＿＿　　"
                            "日期：＿＿＿＿年＿＿月＿＿日", fs), sign_style),
        Paragraph(para_text(f"窗口经办人（签字）：＿＿＿＿＿＿＿＿{number}", fs), sign_style),
    ]
    copy = [
        Paragraph(para_text("受 理 回 执", title_font), title_style),
        Paragraph(para_text(office["service_center"] + "　交申请人收执", fs), sub_style),
        Spacer(1, 4), table(), Spacer(1, 5),
        Paragraph(para_text("请妥善保管本回执。办件逾期未办结的，可凭本回执向监督电话反映"
                            + (f"：{data['supervision_phone']}" if data["supervision_phone"] else "") + "。", fs),
                  small_style),
        Paragraph(para_text(f"{office['service_center']}（盖章）　{cn_date(data['date'])}{number}", fs),
                  ParagraphStyle("r-seal", parent=small_style, alignment=2)),
    ]

    def fits(part):
        return sum(f.wrap(width, height)[1] + f.getSpaceBefore() + f.getSpaceAfter() for f in part) <= height

    return stub, copy, fits(stub) and fits(copy)


def render_receipt(data: ReceiptNotice, serial: str = "", paper: str = "a4", progress=None) -> bytes:
    """受理回执: one A4 sheet cut in two: the office's stub (存根) with the
    applicant's signature above, the applicant's copy below. Long text is cut
    to fit its half with “全文详见办件登记” (the ticket keeps the whole text),
    so a receipt is always printed."""
    fonts.register_fonts()
    fs = fonts.font(fonts.FANGSONG)
    office = data["office"]
    r = data["receipt"]
    page_w, page_h = A4
    left = 20 * mm
    width = page_w - 2 * left
    half = page_h / 2
    margin = 12 * mm
    height = half - margin - 8 * mm

    stub, copy, ok = _receipt_halves(data, serial, width, height, None)
    if not ok:
        # the longest cap of the long fields at which both halves fit (binary search)
        low, high = 0, max(len(r["request"]), len(r.get("materials") or ""), len(r["matter"]))
        best = _receipt_halves(data, serial, width, height, 0)
        while low <= high:
            mid = (low + high) // 2
            candidate = _receipt_halves(data, serial, width, height, mid)
            if candidate[2]:
                best, low = candidate, mid + 1
            else:
                high = mid - 1
        stub, copy, _ = best

    def cut_line(canvas, doc):
        canvas.saveState()
        canvas.setDash(4, 3)
        canvas.setLineWidth(0.5)
        canvas.line(10 * mm, half, page_w - 10 * mm, half)
        canvas.setFont(fs, 8)
        canvas.drawCentredString(page_w / 2, half + 2 * mm, "（沿虚线剪开：上联存根窗口留存，下联交申请人收执）")
        if is_draft():
            canvas.setFont(fonts.font(fonts.HEI), 11)
            canvas.drawCentredString(page_w / 2, page_h - 7 * mm, DRAFT_MARK)
        canvas.restoreState()

    buffer = io.BytesIO()
    doc = BaseDocTemplate(buffer, pagesize=A4, title=f"受理回执 {r['ticket_no']}", author=office["township"],
                          subject=serial, creator="乡镇综合办公 公示", invariant=1, initialFontName=fs)
    frames = [Frame(left, half + 6 * mm, width, height, leftPadding=0, rightPadding=0, topPadding=0,
                    bottomPadding=0, id="stub"),
              Frame(left, margin, width, height, leftPadding=0, rightPadding=0, topPadding=0, bottomPadding=0,
                    id="copy")]
    doc.addPageTemplates([PageTemplate("receipt", frames=frames, onPage=cut_line)])
    doc.build(stub + [FrameBreak()] + copy)
    return buffer.getvalue()
