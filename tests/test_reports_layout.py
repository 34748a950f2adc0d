"""The notice page template (GB/T 9704-2012), fonts, long tables and scrubbing.
No database, no Qt."""

import io
import time

import pytest
from pypdf import PdfReader
from reportlab.lib.units import mm

from reports import fonts
from reports.layout import (
    Column,
    NoticeDocument,
    page_spec,
    scrub,
    wrap_cell,
)

VALID_ID = "11010519491231002X"  # the GB 11643 example number, valid checksum
MOBILE = "13812345678"


def pdf_text(pdf: bytes) -> str:
    return "\n".join(p.extract_text() or "" for p in PdfReader(io.BytesIO(pdf)).pages)


def font_report(pdf: bytes) -> list[tuple[str, bool]]:
    """(font name, embedded?) for every font used on any page."""
    reader = PdfReader(io.BytesIO(pdf))
    seen = {}
    for page in reader.pages:
        resources = page.get("/Resources") or {}
        for f in (resources.get("/Font") or {}).values():
            f = f.get_object()
            name = str(f.get("/BaseFont"))
            descriptor = f.get("/FontDescriptor")
            if descriptor is None and "/DescendantFonts" in f:
                descriptor = f["/DescendantFonts"][0].get_object().get("/FontDescriptor")
            embedded = bool(descriptor) and any(k in descriptor.get_object() for k in ("/FontFile", "/FontFile2", "/FontFile3"))
            seen[name] = embedded
    return list(seen.items())


def positions(pdf: bytes, page_index: int, needle: str) -> list[tuple[float, float]]:
    """Text-matrix positions of fragments containing `needle` on a page."""
    found = []

    def visit(text, cm, tm, font_dict, font_size):
        if needle in text:
            found.append((tm[4], tm[5]))

    PdfReader(io.BytesIO(pdf)).pages[page_index].extract_text(visitor_text=visit)
    return found


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


def test_fonts_register_once_and_fall_back_to_bundled(tmp_path):
    names = fonts.register_fonts()
    assert set(names) == set(fonts.ROLES)
    assert fonts.register_fonts() is names  # once per process
    # an empty "Windows font folder": every role uses the bundled font
    assert set(fonts.register_fonts(tmp_path).values()) == {fonts.BUNDLED_NAME}


def test_system_fonts_preferred_when_present(tmp_path):
    from models.core.paths import bundled_font_path

    # a stand-in 黑体 file in the font folder is picked for the 黑体 role only
    (tmp_path / "simhei.ttf").write_bytes(bundled_font_path().read_bytes())
    names = fonts.register_fonts(tmp_path)
    assert names[fonts.HEI] != fonts.BUNDLED_NAME
    assert names[fonts.FANGSONG] == fonts.BUNDLED_NAME


def test_page_geometry_follows_gb9704():
    a4 = page_spec("a4")
    assert round(a4.top / mm) == 37 and round(a4.left / mm) == 28
    assert round(a4.text_width / mm) == 156 and round(a4.text_height / mm) == 225
    assert round(a4.size[0] / mm) == 210 and round(a4.size[1] / mm) == 297
    land = page_spec("a4-landscape")
    assert land.size[0] > land.size[1]
    a3 = page_spec("a3")
    assert round(a3.size[0] / mm) == 297 and a3.scale > 1.4


def test_document_text_fonts_and_page_numbers():
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
    report = font_report(pdf)
    assert report and all(embedded for _, embedded in report), report
    assert all("+" in name for name, _ in report)  # subset prefix: ABCDEF+Font
    assert reader.metadata.subject == "20261122-ABCDEF"


def test_page_numbers_odd_right_even_left():
    pdf = sample_document()
    spec = page_spec("a4")
    (x1, y1), = positions(pdf, 0, "— 1 —")
    (x2, y2), = positions(pdf, 1, "— 2 —")
    middle = spec.size[0] / 2
    assert x1 > middle and x2 < middle
    # 7 mm below the text block, 14 pt type
    assert spec.bottom - 7 * mm - 14 <= y1 <= spec.bottom - 7 * mm
    assert y1 == y2


def test_title_and_body_sizes():
    pdf = sample_document(rows=3)
    sizes = {}

    def visit(text, cm, tm, font_dict, font_size):
        if text.strip():
            sizes.setdefault(text.strip()[:6], font_size * tm[0] if tm[0] else font_size)

    PdfReader(io.BytesIO(pdf)).pages[0].extract_text(visitor_text=visit)
    assert sizes.get("测试镇领导班") == 22
    assert sizes.get("根据工作需要") == 16


def test_long_table_repeats_header_and_keeps_every_row():
    rows = 400
    pdf = sample_document(rows=rows)
    reader = PdfReader(io.BytesIO(pdf))
    table_pages = [p.extract_text() for p in reader.pages]
    with_rows = [t for t in table_pages if "张" in t]
    assert len(with_rows) > 5
    assert all("分工工作" not in t for t in with_rows)
    assert all("分管工作" in t for t in with_rows)  # header on every page with rows
    text = "\n".join(table_pages)
    for i in (1, 57, 199, rows):
        assert f"张{i}" in text


def test_scrub_masks_valid_ids_and_mobiles_only():
    text = f"身份证{VALID_ID}，手机{MOBILE}，座机0571-63712345，编号2026-000123，号码123456789012345678"
    out = scrub(text)
    assert VALID_ID not in out and "110105********002X" in out
    assert MOBILE not in out and "138****5678" in out
    assert "0571-63712345" in out and "2026-000123" in out
    assert "123456789012345678" in out  # not a valid ID: left alone


def test_private_numbers_never_reach_the_pdf():
    doc = NoticeDocument(f"公示{MOBILE}", serial="20261122-ABCDEF")
    doc.title_block()
    doc.paragraph(f"联系人身份证 {VALID_ID}")
    doc.table([Column("电话"), Column("身份证", 2)], [[MOBILE, VALID_ID]])
    pdf = doc.build()
    from models.core.personal import find_private_numbers

    assert find_private_numbers(pdf_text(pdf)) == []
    assert MOBILE.encode() not in pdf


def test_wrap_cell_cjk():
    name = fonts.font(fonts.FANGSONG)
    lines = wrap_cell("党的建设、组织人事、宣传统战，乡村振兴。", name, 12, 60)
    assert len(lines) > 1
    assert all(w <= 60 + 12 for _, w in lines)
    assert not any(text.startswith(("，", "。", "、")) for text, _ in lines)
    assert "".join(t for t, _ in lines) == "党的建设、组织人事、宣传统战，乡村振兴。"
    cut = wrap_cell("很长" * 50, name, 12, 40, max_lines=2)
    assert len(cut) == 2 and cut[-1][0].endswith("…")


def test_build_is_deterministic():
    assert sample_document(rows=10) == sample_document(rows=10)


def test_landscape_and_a3_pages():
    for paper, expected in (("a4-landscape", (842, 595)), ("a3", (842, 1191))):
        pdf = sample_document(rows=5, paper=paper)
        box = PdfReader(io.BytesIO(pdf)).pages[0].mediabox
        assert (round(float(box.width)), round(float(box.height))) == expected


def test_ten_thousand_rows_build_quickly():
    """Not the benchmark: a guard against an accidental O(n²) table."""
    rows = [[str(i), f"2026-{i:06d}", "张*", "最低生活保障申请", "民政", "2026-10-12", "已办结"] for i in range(10_000)]
    doc = NoticeDocument("办件结果公示", serial="20261122-ABCDEF", paper="a4-landscape")
    doc.title_block()
    started = time.perf_counter()
    doc.table([Column("序号"), Column("编号", 2), Column("申请人"), Column("事项", 3), Column("部门"),
               Column("办结", 1.5), Column("结果", 2)], rows, font_size=10.5)
    pdf = doc.build()
    assert time.perf_counter() - started < 15
    reader = PdfReader(io.BytesIO(pdf))
    assert "2026-009999" in reader.pages[-1].extract_text()


def test_chinese_punctuation_never_starts_a_line():
    from reportlab.platypus import Paragraph

    from reports.layout import styles

    spec = page_spec("a4")
    text = "根据《党政领导干部选拔任用工作条例》有关规定，经中共青石镇委员会研究，拟对以下2名同志进行任用，现予以公示："
    for extra in range(0, 6):
        p = Paragraph("字" * extra + text, styles(spec)["body"])
        p.wrap(spec.text_width, 1000)
        for line in p.blPara.lines[1:]:
            first = (line[1][0] if isinstance(line, tuple) else line.words[0].text)[:1]
            assert first not in "，。、；：？！）》", (extra, first)
