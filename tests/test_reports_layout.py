"""The notice page template (GB/T 9704-2012) measured from the PDF itself:
fonts per element, the 28 × 22 grid, margins, Chinese line breaking, what
keeps together, titles, long tables, scrubbing. No database, no Qt."""

import io
import re
import time

import pdfplumber
import pytest
from pypdf import PdfReader
from reportlab.lib.units import mm

from reports import fonts
from reports.layout import (
    NO_LINE_END,
    NO_LINE_START,
    Column,
    NoticeDocument,
    page_spec,
    public_numbers,
    scrub,
    title_segments,
    wrap_cell,
)

SAMPLE_ID = "11010519491231002X"  # the GB 11643 example number
MOBILE = "13812345678"
EPS = 0.05  # points


def pdf_text(pdf: bytes) -> str:
    return "\n".join(p.extract_text() or "" for p in PdfReader(io.BytesIO(pdf)).pages)


def page_lines(pdf: bytes) -> list[list[dict]]:
    """Per page, the text lines: {'text', 'x0', 'x1', 'top', 'size', 'fonts'} from the chars' positions."""
    out = []
    with pdfplumber.open(io.BytesIO(pdf)) as doc:
        for page in doc.pages:
            rows: dict[float, list] = {}
            for c in page.chars:
                key = round(c["bottom"] - 0.12 * c["size"], 0)  # the baseline, rounded
                rows.setdefault(key, []).append(c)
            lines = []
            for key in sorted(rows):
                chars = sorted(rows[key], key=lambda c: c["x0"])
                lines.append({"text": "".join(c["text"] for c in chars), "x0": chars[0]["x0"],
                              "x1": max(c["x1"] for c in chars), "top": key,
                              "size": max(round(c["size"], 1) for c in chars),
                              "fonts": {re.sub(r"-\d+$", "", c["fontname"].split("+", 1)[-1]) for c in chars}, "chars": chars})
            out.append(lines)
    return out


def body_lines(pdf: bytes) -> list[list[dict]]:
    """Lines inside the text block (not the page foot)."""
    spec = page_spec("a4")
    limit = spec.size[1] - spec.bottom + 2
    return [[line for line in page if line["top"] <= limit] for page in page_lines(pdf)]


def base_font(role: str) -> str:
    """The PostScript name a role's font has in the PDF."""
    from reportlab.pdfbase import pdfmetrics

    name = pdfmetrics.getFont(fonts.font(role)).face.name
    return re.sub(r"-\d+$", "", name.decode() if isinstance(name, bytes) else name)


def sample_document(rows: int = 120, paper="a4") -> bytes:
    doc = NoticeDocument("测试镇领导班子分工公示", serial="20261122-ABCDEF", paper=paper, author="测试镇")
    doc.title_block()
    doc.paragraph("根据工作需要，现将有关情况公示如下。" * 3)
    doc.paragraph("一、基本情况", "h1")
    doc.paragraph("（一）班子成员", "h2")
    doc.table([Column("序号", 0.6), Column("姓名", 1), Column("分管工作", 3, "LEFT")],
              [[str(i), f"张{i}", "党的建设、组织人事、宣传统战" * (1 + i % 3)] for i in range(1, rows + 1)])
    doc.notice_period("2026-11-23", "2026-11-27", 5)
    doc.closing("中共测试镇委员会", "2026-11-22")
    return doc.build()


# ---- page, fonts, grid ---------------------------------------------------------------

def test_page_geometry_follows_gb9704():
    a4 = page_spec("a4")
    assert round(a4.top / mm) == 37 and round(a4.left / mm) == 28
    assert round(a4.text_width / mm) == 156 and round(a4.text_height / mm) == 225
    assert round(a4.size[0] / mm) == 210 and round(a4.size[1] / mm) == 297
    land = page_spec("a4-landscape")
    assert land.size[0] > land.size[1]
    a3 = page_spec("a3")
    assert round(a3.size[0] / mm) == 297 and a3.scale > 1.4


def test_fonts_per_element_from_the_pdf():
    pdf = sample_document(rows=3)
    lines = page_lines(pdf)[0]
    by_text = {line["text"]: line for line in lines}
    title = by_text["测试镇领导班子分工公示"]
    assert title["size"] == 22 and title["fonts"] == {base_font(fonts.TITLE)}
    body = next(line for line in lines if line["text"].startswith("根据工作需要"))
    assert body["size"] == 16 and body["fonts"] == {base_font(fonts.FANGSONG)}
    assert by_text["一、基本情况"]["fonts"] == {base_font(fonts.HEI)}
    assert by_text["（一）班子成员"]["fonts"] == {base_font(fonts.KAI)}
    number = next(line for line in lines if line["text"] == "— 1 —")
    assert number["size"] == 14 and number["fonts"] == {base_font(fonts.SONG)}
    # five different faces, as the standard asks
    assert len({base_font(r) for r in fonts.ROLES}) == 5


def test_body_is_28_characters_by_22_lines():
    doc = NoticeDocument("网格")
    doc.paragraph("党" * (28 * 30), "plain")
    pdf = doc.build()
    pages = body_lines(pdf)
    first = pages[0]
    assert len(first) == 22
    assert all(len(line["text"]) == 28 for line in first)
    spec = page_spec("a4")
    for line in first:
        assert abs(line["x0"] - spec.left) < EPS
        assert line["x1"] <= spec.left + spec.text_width + EPS
        assert line["x1"] > spec.left + spec.text_width - 1  # justified to the edge
    tops = [line["top"] for line in first]
    gaps = {round(b - a, 1) for a, b in zip(tops, tops[1:])}
    assert gaps == {round(225 * mm / 22, 1)}
    # the first line sits in the first grid line, the last in the 22nd
    assert spec.top < tops[0] < spec.top + 225 * mm / 22
    assert spec.top + 225 * mm - 225 * mm / 22 < tops[-1] < spec.top + 225 * mm


def test_first_line_indent_is_two_characters():
    doc = NoticeDocument("缩进")
    doc.paragraph("根" * 60)
    line = body_lines(doc.build())[0][0]
    spec = page_spec("a4")
    assert len(line["text"]) == 26
    assert abs(line["x0"] - spec.left - 2 * spec.text_width / 28) < 0.5


PUNCTUATED = ("根据《党政领导干部选拔任用工作条例》有关规定，经中共青石镇委员会研究，拟对以下2名同志进行任用，现予以公示："
              "公示时间：2026年11月23日至2026年11月27日（5个工作日）。“办件”须在（5个工作日）内完成；"
              "请于2026年12月1日前整改到位。整改情况请书面报考核办！为什么？因为……群众满意——")


@pytest.mark.parametrize("style", ["body", "plain", "h1", "h2"])
def test_chinese_line_breaking_rules_and_nothing_past_the_edge(style):
    spec = page_spec("a4")
    doc = NoticeDocument("断行")
    for extra in range(0, 28):
        doc.paragraph("字" * extra + PUNCTUATED, style)
    pdf = doc.build()
    count = 0
    for page in body_lines(pdf):
        for line in page:
            count += 1
            assert line["x0"] >= spec.left - EPS, line["text"]
            assert line["x1"] <= spec.left + spec.text_width + EPS, line["text"]
            assert line["text"][0] not in NO_LINE_START, line["text"]
            assert line["text"][-1] not in NO_LINE_END, line["text"]
    assert count > 150
    text = pdf_text(pdf).replace("\n", "")
    assert "2026年11月23日" in text and "（5个工作日）" in text  # numbers never split across lines
    for page in body_lines(pdf):
        for a, b in zip(page, page[1:]):
            assert not (a["text"][-1].isdigit() and b["text"][0].isdigit()), (a["text"], b["text"])


def test_table_cells_keep_inside_the_block_and_follow_the_rules():
    spec = page_spec("a4")
    doc = NoticeDocument("表格")
    doc.table([Column("项目", 1), Column("内容", 4, "LEFT")],
              [[str(i), "字" * i + PUNCTUATED] for i in range(20)])
    pdf = doc.build()
    for page in page_lines(pdf):
        for line in page:
            assert line["x1"] <= spec.left + spec.text_width + EPS
    for lines in (wrap_cell("字" * i + PUNCTUATED, fonts.font(fonts.FANGSONG), 12, 200) for i in range(20)):
        assert all(w <= 200 + EPS for _, w in lines)
        assert not any(t[:1] in NO_LINE_START for t, _ in lines[1:])
        assert not any(t[-1:] in NO_LINE_END for t, _ in lines[:-1])


def test_page_numbers_odd_right_even_left_and_7mm_under_the_block():
    pdf = sample_document()
    spec = page_spec("a4")
    pages = page_lines(pdf)
    n1 = next(line for line in pages[0] if line["text"] == "— 1 —")
    n2 = next(line for line in pages[1] if line["text"] == "— 2 —")
    # one character (14 pt) in from the edge of the text block
    assert abs(n1["x1"] - (spec.left + spec.text_width - 14)) < 1
    assert abs(n2["x0"] - (spec.left + 14)) < 1
    assert n1["top"] == n2["top"]
    # the dashes' stroke, found in the rendered page, sits 7 mm under the text block
    import pypdfium2

    page = pypdfium2.PdfDocument(pdf)[0]
    scale = 300 / 72
    image = page.render(scale=scale, grayscale=True).to_pil()
    dash = n1["chars"][0]
    x0, x1 = int(dash["x0"] * scale) + 2, int(dash["x1"] * scale) - 2
    top = int((spec.size[1] - spec.bottom) * scale)
    dark_rows = [y for y in range(top, top + int(20 * mm * scale))
                 if any(image.getpixel((x, y)) < 128 for x in range(x0, x1))]
    assert dark_rows
    centre = (dark_rows[0] + dark_rows[-1]) / 2 / scale
    gap_mm = (centre - (spec.size[1] - spec.bottom)) / mm
    assert 6.5 <= gap_mm <= 7.5, gap_mm


def test_document_text_serial_and_embedded_subset_fonts():
    pdf = sample_document()
    reader = PdfReader(io.BytesIO(pdf))
    assert len(reader.pages) >= 3
    text = pdf_text(pdf)
    assert "测试镇领导班子分工公示" in text
    assert "公示时间：2026年11月23日至2026年11月27日（5个工作日）" in text.replace("\n", "")
    assert "2026年11月22日" in text
    assert "公示编号 20261122-ABCDEF" in text
    for n in (1, 2, 3):
        assert f"— {n} —" in text
    for page in reader.pages:
        for f in ((page.get("/Resources") or {}).get("/Font") or {}).values():
            f = f.get_object()
            assert "+" in str(f["/BaseFont"])  # subset: ABCDEF+Font
            descendant = f["/DescendantFonts"][0].get_object() if "/DescendantFonts" in f else f
            descriptor = descendant["/FontDescriptor"].get_object()
            assert "/FontFile2" in descriptor
    assert reader.metadata.subject == "20261122-ABCDEF"


def test_qr_code_on_every_page_holds_the_serial():
    from reportlab.graphics.barcode.qr import QrCodeWidget

    doc = NoticeDocument("二维码", serial="20261122-ABCDEF")
    doc.paragraph("字" * 2000)
    pdf = doc.build()
    with pdfplumber.open(io.BytesIO(pdf)) as plumber:
        for page in plumber.pages:
            squares = [r for r in page.rects if r["top"] > page_spec("a4").size[1] - page_spec("a4").bottom]
            assert len(squares) > 50  # the QR modules, in the foot
    widget = QrCodeWidget("公示编号 20261122-ABCDEF", barLevel="M")
    widget.qr.make()
    assert widget.qr.getModuleCount() >= 21


# ---- keeping together ---------------------------------------------------------------

def _last_body_lines(pdf):
    pages = body_lines(pdf)
    return pages, pages[-1]


@pytest.mark.parametrize("filler", range(0, 28 * 4, 7))
def test_signature_never_stands_alone(filler):
    """Whatever the body's length, the issuer and date keep at least two body
    lines with them on the last page (GB/T 9704: no page with only the signature)."""
    doc = NoticeDocument("署名")
    doc.paragraph("字" * (28 * 17 + filler))
    doc.paragraph("公示期间如有意见和建议，请向镇党政综合办公室反映，我们将认真核实处理，并及时向反映人反馈处理结果。")
    doc.closing(["中共测试镇委员会", "测试镇人民政府"], "2026-11-22")
    pages, last = _last_body_lines(doc.build())
    assert [line["text"] for line in last[-3:]] == ["中共测试镇委员会", "测试镇人民政府", "2026年11月22日"]
    assert len(last) - 3 >= 2, [line["text"] for line in last]


def test_signature_centred_over_the_date_four_characters_in():
    doc = NoticeDocument("署名")
    doc.paragraph("正文。")
    doc.closing("中共青石镇委员会", "2026-11-22")
    lines = body_lines(doc.build())[0]
    spec = page_spec("a4")
    pitch = spec.text_width / 28
    issuer, date = lines[-2], lines[-1]
    assert abs(date["x1"] - (spec.left + spec.text_width - 4 * pitch)) < 1
    assert abs((issuer["x0"] + issuer["x1"]) / 2 - (date["x0"] + date["x1"]) / 2) < 1
    # room for the seal: two blank grid lines between the body and the issuer
    body = lines[-3]
    assert issuer["top"] - body["top"] > 2.5 * 225 * mm / 22


@pytest.mark.parametrize("filler", range(0, 28 * 3, 5))
def test_heading_keeps_with_its_table(filler):
    doc = NoticeDocument("标题与表")
    doc.paragraph("字" * (28 * 18 + filler))
    doc.paragraph("一、班子成员分工", "h1")
    doc.table([Column("姓名"), Column("分工", 3, "LEFT")], [[f"张{i}", "党的建设" * 3] for i in range(30)])
    pdf = doc.build()
    for page in body_lines(pdf):
        texts = [line["text"] for line in page]
        if "一、班子成员分工" in texts:
            after = texts[texts.index("一、班子成员分工") + 1:]
            assert "姓名分工" in [t.replace(" ", "") for t in after[:1]], texts[-3:]
            assert len(after) >= 3  # the header and at least two rows


def test_tall_rows_continue_on_the_next_page_instead_of_being_cut():
    text = "".join(f"第{i}项材料齐全。" for i in range(400))
    doc = NoticeDocument("长行")
    doc.table([Column("序号", 1), Column("内容", 6, "LEFT")], [["1", "短"], ["2", text], ["3", "末行"]])
    pdf = doc.build()
    joined = pdf_text(pdf).replace("\n", "").replace(" ", "")
    for i in (0, 199, 399):
        assert f"第{i}项材料齐全。" in joined
    assert "…" not in joined
    assert "末行" in joined
    assert len(PdfReader(io.BytesIO(pdf)).pages) >= 2


def test_body_comes_back_to_the_grid_after_a_table():
    doc = NoticeDocument("网格")
    doc.paragraph("根据。" * 5)
    doc.table([Column("a"), Column("b")], [["1", "2"], ["3", "4\n5"]])
    doc.paragraph("表后正文" * 20)
    lines = body_lines(doc.build())[0]
    lead = 225 * mm / 22
    before = lines[0]["top"]
    after = next(line for line in lines if line["text"].startswith("表后"))
    offset = (after["top"] - before) / lead
    assert abs(offset - round(offset)) < 0.02


# ---- titles ------------------------------------------------------------------------

@pytest.mark.parametrize("title", [
    "青石镇便民服务中心服务事项“五公开”明白卡及办件结果公示",
    "中共青石镇委员会青石镇人民政府关于2026年度村干部考核结果和补贴发放标准的公示",
    "青石镇便民服务中心2026年第三季度办件结果公示",
])
def test_titles_break_between_words(title):
    doc = NoticeDocument(title)
    doc.title_block()
    lines = [line for line in body_lines(doc.build())[0] if line["size"] == 22]
    assert "".join(line["text"] for line in lines) == title
    segments = title_segments(title)
    bounds = set()
    acc = 0
    for seg in segments:
        acc += len(seg)
        bounds.add(acc)
    acc = 0
    for line in lines[:-1]:
        acc += len(line["text"])
        assert acc in bounds, (line["text"], segments)
    spec = page_spec("a4")
    for line in lines:
        assert abs((line["x0"] + line["x1"]) / 2 - (spec.left + spec.text_width / 2)) < 1
    if len(lines) > 1:
        widths = [line["x1"] - line["x0"] for line in lines]
        assert max(widths) - min(widths) < 0.6 * spec.text_width


def test_title_segments_keep_names_and_words():
    assert title_segments("青石镇便民服务中心办件结果公示") == ["青石镇", "便民服务中心", "办件", "结果公示"]
    assert "公" not in title_segments("报名人员资格审查结果公示")


# ---- nothing lost, nothing private -------------------------------------------------

def test_rare_characters_come_back_from_the_text():
    doc = NoticeDocument("生僻字李䶮张𠮷公示")
    doc.title_block()
    doc.paragraph("申请人李䶮、张𠮷，村民𬌗𫚕，以及扩展G区的𰀀字。")
    doc.table([Column("姓名"), Column("备注")], [["李䶮", "张𠮷"]])
    pdf = doc.build()
    for text in (pdf_text(pdf), "".join(line["text"] for page in page_lines(pdf) for line in page)):
        for name in ("李䶮", "张𠮷", "𬌗𫚕", "𰀀"):
            assert name in text.replace("\n", ""), name


def test_a_character_no_font_has_stops_the_notice_with_its_name():
    doc = NoticeDocument("缺字")
    doc.paragraph("申请人王🧿的材料")
    with pytest.raises(fonts.MissingGlyph) as caught:
        doc.build()
    assert "🧿" in caught.value.message and "U+1F9FF" in caught.value.message
    assert "王🧿" in caught.value.message


PRIVATE_FORMS = {
    "valid ID": SAMPLE_ID,
    "area code stdnum rejects": "330106199001011234",
    "mistyped check digit": "110105194912310021",
    "lower-case x": "11010519491231002x",
    "15-digit old ID": "110105491231002",
    "grouped ID": "110105 19491231 002X",
    "full-width ID": "１１０１０５１９４９１２３１００２Ｘ",
    "mobile": MOBILE,
    "+86 mobile": "+86 13812345678",
    "+86 no space": "+8613812345678",
    "0086 mobile": "0086-138-1234-5678",
    "dashed mobile": "138-1234-5678",
    "spaced mobile": "138 1234 5678",
    "full-width mobile": "１３８１２３４５６７８",
}


@pytest.mark.parametrize("form", list(PRIVATE_FORMS))
def test_scrub_masks_every_form_by_shape(form):
    from models.core.personal import find_private_numbers

    value = PRIVATE_FORMS[form]
    out = scrub(f"联系人{value}，请核对。")
    assert value not in out and "*" in out
    assert find_private_numbers(out) == []
    digits = "".join(ch for ch in value.translate(str.maketrans("０１２３４５６７８９", "0123456789")) if ch.isdigit())
    assert digits not in "".join(ch for ch in out if ch.isdigit())


def test_scrub_leaves_dates_serials_and_ticket_numbers():
    text = "办件编号2026-000123，公示编号20261122-7K3Q9M，日期2026-11-22，金额12,345.00元"
    assert scrub(text) == text


def test_private_landlines_masked_public_ones_kept_while_publishing():
    data = {"supervision_phone": "0571-63712345", "office": {"office_phone": "0571-63700000"},
            "applicant_phone": "0571-88001234"}
    text = "监督电话0571-63712345，办公室0571-63700000，申请人家里0571-88001234，(0571)88001235"
    assert scrub(text) == text  # outside a notice, only IDs and mobiles are masked
    with public_numbers(data):
        out = scrub(text)
    assert "0571-63712345" in out and "0571-63700000" in out
    assert "88001234" not in out and "88001235" not in out


def test_private_numbers_never_reach_the_pdf():
    from models.core.personal import find_private_numbers

    values = list(PRIVATE_FORMS.values())
    doc = NoticeDocument(f"公示{MOBILE}", serial="20261122-ABCDEF")
    doc.title_block()
    doc.paragraph("联系人 " + "；".join(values))
    doc.table([Column("号码")], [[v] for v in values])
    doc.closing(f"经办人{MOBILE}", "2026-11-22")
    pdf = doc.build()
    text = pdf_text(pdf)
    assert find_private_numbers(text) == []
    assert find_private_numbers(text.replace("\n", "")) == []
    assert MOBILE.encode() not in pdf


# ---- speed and determinism ---------------------------------------------------------

def test_build_is_deterministic():
    assert sample_document(rows=10) == sample_document(rows=10)


def test_landscape_and_a3_pages():
    for paper, expected in (("a4-landscape", (842, 595)), ("a3", (842, 1191))):
        pdf = sample_document(rows=5, paper=paper)
        box = PdfReader(io.BytesIO(pdf)).pages[0].mediabox
        assert (round(float(box.width)), round(float(box.height))) == expected


def test_long_table_repeats_header_and_keeps_every_row():
    rows = 400
    pdf = sample_document(rows=rows)
    pages = [p.extract_text() for p in PdfReader(io.BytesIO(pdf)).pages]
    with_rows = [t for t in pages if "张" in t]
    assert len(with_rows) > 5
    assert all("分管工作" in t for t in with_rows)  # header on every page with rows
    text = "\n".join(pages)
    for i in (1, 57, 199, rows):
        assert f"张{i}" in text


def test_ten_thousand_rows_build_quickly():
    """Not the benchmark: a guard against an accidental O(n²) table."""
    rows = [[str(i), f"2026-{i:06d}", "张*", "最低生活保障申请", "民政", "2026-10-12", "已办结"] for i in range(10_000)]
    doc = NoticeDocument("办件结果公示", serial="20261122-ABCDEF", paper="a4-landscape")
    doc.title_block()
    started = time.perf_counter()
    doc.table([Column("序号"), Column("编号", 2), Column("申请人"), Column("事项", 3), Column("部门"),
               Column("办结", 1.5), Column("结果", 2)], rows, font_size=10.5)
    pdf = doc.build()
    assert time.perf_counter() - started < 20
    reader = PdfReader(io.BytesIO(pdf))
    assert "2026-009999" in reader.pages[-1].extract_text()
