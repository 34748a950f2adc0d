"""The official page template for notices (GB/T 9704-2012) and its building blocks.

A4 portrait: top margin 37 mm, left 28 mm, text block 156 × 225 mm; title 22 pt
centred; body 16 pt 仿宋 on a 22-line grid; headings 一、 in 黑体 and （一） in
楷体; page numbers "— 1 —" in 14 pt 宋体, 7 mm below the text block, odd pages
right and even pages left, one character in from the edge; all black.
Landscape A4 (wide tables) turns the text block; A3 (the notice board) scales
the whole page by √2.

`NoticeDocument` collects flowables and returns PDF bytes. Every string that
goes in is passed through `scrub`, which masks anything that looks like a full
ID number or a mobile number, so a mistake in the data cannot leak one.
Long tables go through `ChunkedTable`, which cuts one small reportlab Table
per page with the header repeated, instead of one huge LongTable whose
repeated splitting costs O(n²).
"""

from __future__ import annotations

import bisect
import datetime as dt
import io
import re
from collections.abc import Callable
from dataclasses import dataclass, field

from reportlab import rl_config
from reportlab.lib.enums import TA_CENTER, TA_JUSTIFY, TA_LEFT, TA_RIGHT
from reportlab.lib.pagesizes import A3, A4, landscape
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.pdfmetrics import stringWidth
import reportlab.lib.textsplit as _textsplit_module
import reportlab.platypus.paragraph as _paragraph_module
from reportlab.platypus import (
    BaseDocTemplate,
    CondPageBreak,
    Flowable,
    Frame,
    KeepTogether,
    PageBreak,
    PageTemplate,
    Paragraph,
    Spacer,
)
from xml.sax.saxutils import escape

from models.core.personal import ID_LIKE_RE, MOBILE_LIKE_RE, mask_id, mask_phone
from reports import fonts

# Binary (Flate-only) streams: ASCII85 on top makes files 25 % larger and, without
# reportlab's C accelerator, costs more time than laying out the pages.
rl_config.useA85 = 0

# reportlab's CJK wrap keeps "cannot start a line" characters off line starts,
# but its list is Japanese: add Chinese full-width punctuation (，：；？！》…).
_CHINESE_NO_START = "，。、；：？！）》」』】〕…—％"
for _module in (_paragraph_module, _textsplit_module):  # one-fragment paragraphs go through textsplit
    _module.ALL_CANNOT_START = "".join(dict.fromkeys(_module.ALL_CANNOT_START + _CHINESE_NO_START))

BODY_SIZE = 16
TITLE_SIZE = 22
PAGE_NUMBER_SIZE = 14
GRID_LEADING = 225 * mm / 22  # 22 lines in the 225 mm text block ≈ 28.99 pt

PAPER_A4 = "a4"
PAPER_A4_LANDSCAPE = "a4-landscape"
PAPER_A3 = "a3"
PAPERS = {PAPER_A4: "A4 纵向", PAPER_A4_LANDSCAPE: "A4 横向", PAPER_A3: "A3 纵向（公开栏）"}


@dataclass(frozen=True)
class PageSpec:
    """Paper size, margins (points) and the type scale of one paper choice."""

    size: tuple[float, float]
    top: float
    left: float
    text_width: float
    text_height: float
    scale: float = 1.0

    @property
    def bottom(self) -> float:
        return self.size[1] - self.top - self.text_height

    @property
    def right(self) -> float:
        return self.size[0] - self.left - self.text_width


def page_spec(paper: str = PAPER_A4) -> PageSpec:
    """The PageSpec for 'a4', 'a4-landscape' or 'a3'."""
    if paper == PAPER_A4:
        return PageSpec(A4, 37 * mm, 28 * mm, 156 * mm, 225 * mm)
    if paper == PAPER_A4_LANDSCAPE:
        # The portrait text block turned a quarter: 225 wide, 156 high.
        return PageSpec(landscape(A4), 28 * mm, 37 * mm, 225 * mm, 156 * mm)
    if paper == PAPER_A3:
        k = 2 ** 0.5
        return PageSpec(A3, 37 * mm * k, 28 * mm * k, 156 * mm * k, 225 * mm * k, scale=k)
    raise ValueError(f"未知的纸张：{paper}")


# ---- privacy ---------------------------------------------------------------

def scrub(text) -> str:
    """Mask full ID numbers and mobile numbers in text meant for print."""
    if text is None:
        return ""
    text = str(text)
    if len(text) < 11:
        return text

    def _id(m):
        from stdnum.cn import ric

        value = m.group(0)
        return mask_id(value) if ric.is_valid(value.upper()) else value

    text = ID_LIKE_RE.sub(_id, text)
    return MOBILE_LIKE_RE.sub(lambda m: mask_phone(m.group(0)), text)


def para_text(text) -> str:
    """Scrubbed and XML-escaped text for a Paragraph; newlines become breaks."""
    return escape(scrub(text)).replace("\n", "<br/>")


# ---- dates -----------------------------------------------------------------

def cn_date(value) -> str:
    """2026年11月22日 (Arabic numerals, as GB/T 9704 asks)."""
    if value is None or value == "":
        return ""
    if isinstance(value, str):
        try:
            value = dt.date.fromisoformat(value[:10])
        except ValueError:
            return value
    return f"{value.year}年{value.month}月{value.day}日"


# ---- styles ----------------------------------------------------------------

def styles(spec: PageSpec) -> dict[str, ParagraphStyle]:
    """Paragraph styles of the template, scaled for the paper."""
    k = spec.scale
    body = ParagraphStyle(
        "body", fontName=fonts.font(fonts.FANGSONG), fontSize=BODY_SIZE * k, leading=GRID_LEADING * k,
        firstLineIndent=2 * BODY_SIZE * k, alignment=TA_JUSTIFY, wordWrap="CJK", textColor="black",
    )
    return {
        "title": ParagraphStyle(
            "title", fontName=fonts.font(fonts.SONG), fontSize=TITLE_SIZE * k, leading=TITLE_SIZE * 1.5 * k,
            alignment=TA_CENTER, wordWrap="CJK", spaceAfter=GRID_LEADING * k, textColor="black",
        ),
        "subtitle": ParagraphStyle(
            "subtitle", parent=body, fontName=fonts.font(fonts.KAI), firstLineIndent=0, alignment=TA_CENTER,
        ),
        "body": body,
        "plain": ParagraphStyle("plain", parent=body, firstLineIndent=0),
        "h1": ParagraphStyle("h1", parent=body, fontName=fonts.font(fonts.HEI)),
        "h2": ParagraphStyle("h2", parent=body, fontName=fonts.font(fonts.KAI)),
        "right": ParagraphStyle("right", parent=body, firstLineIndent=0, alignment=TA_RIGHT,
                                rightIndent=2 * BODY_SIZE * k),
        "center": ParagraphStyle("center", parent=body, firstLineIndent=0, alignment=TA_CENTER),
        "small": ParagraphStyle("small", parent=body, fontSize=12 * k, leading=18 * k, firstLineIndent=0,
                                alignment=TA_LEFT),
    }


# ---- long tables -----------------------------------------------------------

_NO_LINE_START = set("，。、；：？！）》」』】〕…—,.;:?!)%")


def wrap_cell(text: str, font_name: str, size: float, width: float, max_lines: int = 0) -> list[tuple[str, float]]:
    """Break text into (line, width) pairs no wider than `width` (CJK: at any
    character, keeping closing punctuation off the start of a line). Explicit
    newlines are kept. With max_lines, the last line ends in '…'."""
    out: list[tuple[str, float]] = []
    for chunk in str(text).split("\n"):
        whole = stringWidth(chunk, font_name, size)
        if whole <= width:
            out.append((chunk, whole))
            continue
        line, line_w = "", 0.0
        for ch in chunk:
            w = stringWidth(ch, font_name, size)
            if line and line_w + w > width and ch not in _NO_LINE_START:
                out.append((line, line_w))
                line, line_w = "", 0.0
            line += ch
            line_w += w
        out.append((line, line_w))
    if max_lines and len(out) > max_lines:
        out = out[:max_lines]
        last = out[-1][0][:-1] + "…"
        out[-1] = (last, stringWidth(last, font_name, size))
    return out


@dataclass
class Column:
    """A table column: header label, share of the width, alignment."""

    label: str
    weight: float = 1.0
    align: str = "CENTER"  # LEFT, CENTER, RIGHT


@dataclass
class _TableData:
    header: list[list[tuple[str, float]]]
    cells: list[list[list[tuple[str, float]]]]  # row -> cell -> wrapped lines with widths
    heights: list[float]
    prefix: list[float]  # prefix[i] = sum(heights[:i])
    header_height: float
    col_widths: list[float]
    aligns: list[str]
    body_font: str
    head_font: str
    font_size: float
    leading: float
    pad_x: float
    progress: Callable[[int, int], None] | None = None
    encoded: dict = field(default_factory=dict)  # (font, text) -> [(subset, escaped bytes)]


class ChunkedTable(Flowable):
    """A long table that paginates itself, the header row repeated on every page.

    Cells are wrapped and row heights computed once up front, so finding where
    a page ends is a bisect, not a trial layout; each page draws only its own
    rows, with one text object per page (reportlab's Table draws each cell
    with its own text object, which is too slow for 10,000 rows without the
    C accelerator)."""

    def __init__(self, data: _TableData, start: int = 0, end: int | None = None):
        super().__init__()
        self.data = data
        self.start = start
        self.end = len(data.cells) if end is None else end
        self.width = sum(data.col_widths)

    @classmethod
    def build(cls, columns: list[Column], rows: list[list], width: float, font_size: float = 12,
              max_row_height: float | None = None, progress=None) -> "ChunkedTable":
        """Wrap every cell (scrubbed) and measure every row."""
        body_font = fonts.font(fonts.FANGSONG)
        head_font = fonts.font(fonts.HEI)
        total_weight = sum(c.weight for c in columns) or 1
        col_widths = [width * c.weight / total_weight for c in columns]
        pad_x, pad_y = 3.0, 3.0
        leading = font_size * 1.3
        inner = [w - 2 * pad_x for w in col_widths]
        max_lines = max(1, int(((max_row_height or 10_000) - 2 * pad_y) // leading))

        cache: dict = {}  # columns repeat values (departments, dates, results): wrap each once

        def wrap_row(values, fnt):
            cells = []
            for i, v in enumerate(values):
                key = (fnt, i, v)
                lines = cache.get(key)
                if lines is None:
                    lines = cache[key] = wrap_cell(scrub("" if v is None else v), fnt, font_size, inner[i], max_lines)
                cells.append(lines)
            return cells, max(len(x) for x in cells) * leading + 2 * pad_y

        header, header_height = wrap_row([c.label for c in columns], head_font)
        cells, heights = [], []
        for r in rows:
            wrapped, h = wrap_row(r, body_font)
            cells.append(wrapped)
            heights.append(h)
        prefix = [0.0]
        for h in heights:
            prefix.append(prefix[-1] + h)
        data = _TableData(header, cells, heights, prefix, header_height, col_widths,
                          [c.align.upper() for c in columns], body_font, head_font, font_size, leading, pad_x,
                          progress)
        return cls(data)

    def _height(self, end: int) -> float:
        return self.data.header_height + self.data.prefix[end] - self.data.prefix[self.start]

    def wrap(self, availWidth, availHeight):
        return self.width, self._height(self.end)

    def split(self, availWidth, availHeight):
        d = self.data
        limit = d.prefix[self.start] + availHeight - d.header_height
        cut = min(bisect.bisect_right(d.prefix, limit + 1e-6) - 1, self.end)
        if cut <= self.start:
            return []
        return [ChunkedTable(d, self.start, cut), ChunkedTable(d, cut, self.end)]

    def draw(self):
        d = self.data
        canv = self.canv
        doc = canv._doc
        code = ["q 0 g BT"]
        xs = [0.0]
        for w in d.col_widths:
            xs.append(xs[-1] + w)
        total_h = self._height(self.end)
        state = {"subset": None, "font": None}
        selects: dict = {}

        def select_font(font, subset):
            key = (font.fontName, subset)
            if key not in selects:
                selects[key] = f"{font.getSubsetInternalName(subset, doc)} {d.font_size:.2f} Tf"
            return selects[key]

        def emit_row(cells, top, height, font_name, aligns):
            font = pdfmetrics.getFont(font_name)
            if state["font"] != font_name:
                state["font"], state["subset"] = font_name, None
            for i, lines in enumerate(cells):
                block = len(lines) * d.leading
                # vertically centred; baseline about 0.8 em under the line top
                y = top - (height - block) / 2 - d.font_size * 0.88
                for text, width in lines:
                    if text:
                        align = aligns[i]
                        if align == "CENTER":
                            x = xs[i] + (d.col_widths[i] - width) / 2
                        elif align == "RIGHT":
                            x = xs[i + 1] - d.pad_x - width
                        else:
                            x = xs[i] + d.pad_x
                        code.append(f"1 0 0 1 {x:.2f} {y:.2f} Tm")
                        key = (font_name, text)
                        pieces = d.encoded.get(key)
                        if pieces is None:
                            # a glyph keeps its subset slot once assigned, so this is stable
                            pieces = d.encoded[key] = [(subset, f"({canv._escape(chunk)}) Tj")
                                                       for subset, chunk in font.splitString(text, doc)]
                        for subset, shown in pieces:
                            if subset != state["subset"]:
                                code.append(select_font(font, subset))
                                state["subset"] = subset
                            code.append(shown)
                    y -= d.leading

        emit_row(d.header, total_h, d.header_height, d.head_font, ["CENTER"] * len(d.col_widths))
        top = total_h - d.header_height
        row_tops = [total_h, top]
        for r in range(self.start, self.end):
            emit_row(d.cells[r], top, d.heights[r], d.body_font, d.aligns)
            top -= d.heights[r]
            row_tops.append(top)
        code.append("ET Q")
        canv._code.append(" ".join(code))
        # grid: one path of horizontal and vertical lines
        path = ["q 0 G 0.6 w"]
        for y in row_tops:
            path.append(f"0 {y:.2f} m {self.width:.2f} {y:.2f} l")
        for x in xs:
            path.append(f"{x:.2f} 0 m {x:.2f} {total_h:.2f} l")
        path.append("S Q")
        canv._code.append(" ".join(path))
        if d.progress:
            d.progress(self.end, len(d.cells))


# ---- the document ----------------------------------------------------------

class NoticeDocument:
    """One notice: flowables on the official template, built to PDF bytes.

        doc = NoticeDocument("领导班子分工公示", serial="20261122-7K3Q9M")
        doc.paragraph("根据……，现将……公示如下：")
        doc.table([Column("姓名"), Column("职务", 2)], rows)
        doc.closing("中共青石镇委员会", dt.date.today())
        pdf = doc.build()
    """

    def __init__(self, title: str, serial: str = "", paper: str = PAPER_A4, author: str = "",
                 page_numbers: bool = True, keywords: str = ""):
        self.title = scrub(title)
        self.serial = serial
        self.paper = paper
        self.spec = page_spec(paper)
        self.styles = styles(self.spec)
        self.author = scrub(author)
        self.page_numbers = page_numbers
        self.keywords = keywords
        self.story: list = []
        self.progress = None

    # content
    def title_block(self, title: str | None = None, subtitle: str = "") -> None:
        """The 22 pt centred title (defaults to the document title)."""
        self.story.append(Paragraph(para_text(title or self.title), self.styles["title"]))
        if subtitle:
            self.story.append(Paragraph(para_text(subtitle), self.styles["subtitle"]))
            self.story.append(Spacer(1, GRID_LEADING * self.spec.scale * 0.5))

    def paragraph(self, text: str, style: str = "body") -> None:
        """A paragraph in one of the template styles (body, plain, h1, h2, right, center, small)."""
        self.story.append(Paragraph(para_text(text), self.styles[style]))

    def spacer(self, lines: float = 1.0) -> None:
        self.story.append(Spacer(1, GRID_LEADING * self.spec.scale * lines))

    def page_break(self) -> None:
        self.story.append(PageBreak())

    def table(self, columns: list[Column], rows: list[list], font_size: float = 12) -> None:
        """A table over the full text width; long ones paginate with the header repeated."""
        k = self.spec.scale
        self.story.append(ChunkedTable.build(columns, rows, self.spec.text_width, font_size * k,
                                             max_row_height=self.spec.text_height * 0.8,
                                             progress=lambda done, total: self._report(done, total)))
        self.story.append(Spacer(1, 6 * k))

    def notice_period(self, start, end, workdays: int | None = None) -> None:
        """公示时间：2026年11月23日至2026年11月27日（5 个工作日）."""
        extra = f"（{workdays}个工作日）" if workdays else ""
        self.paragraph(f"公示时间：{cn_date(start)}至{cn_date(end)}{extra}。")

    def closing(self, issuer: str | list[str], date) -> None:
        """Issuing body and date at the bottom right, kept together."""
        issuers = [issuer] if isinstance(issuer, str) else list(issuer)
        block = [Spacer(1, GRID_LEADING * self.spec.scale)]
        block += [Paragraph(para_text(i), self.styles["right"]) for i in issuers if i]
        block.append(Paragraph(para_text(cn_date(date)), self.styles["right"]))
        self.story.append(CondPageBreak(GRID_LEADING * self.spec.scale * (len(block) + 1)))
        self.story.append(KeepTogether(block))

    def add(self, flowable) -> None:
        """Append any reportlab flowable."""
        self.story.append(flowable)

    # output
    def _report(self, done, total):
        if self.progress:
            self.progress(done, total)

    def _decorate(self, canvas, doc) -> None:
        spec = self.spec
        k = spec.scale
        canvas.saveState()
        canvas.setFillColor("black")
        if self.page_numbers:
            size = PAGE_NUMBER_SIZE * k
            text = f"— {doc.page} —"
            canvas.setFont(fonts.font(fonts.SONG), size)
            y = spec.bottom - 7 * mm * k - size * 0.88
            if doc.page % 2:
                canvas.drawRightString(spec.left + spec.text_width - size, y, text)
            else:
                canvas.drawString(spec.left + size, y, text)
        if self.serial:
            size = 9 * k
            canvas.setFont(fonts.font(fonts.FANGSONG), size)
            y = spec.bottom - 7 * mm * k - PAGE_NUMBER_SIZE * k * 0.88
            label = f"公示编号 {self.serial}"
            if doc.page % 2 and self.page_numbers:
                canvas.drawString(spec.left, y, label)
            else:
                canvas.drawRightString(spec.left + spec.text_width, y, label)
        canvas.restoreState()

    def build(self, progress=None) -> bytes:
        """Lay out the story and return the PDF bytes (deterministic for the
        same content, so its hash identifies the sheet)."""
        self.progress = progress
        spec = self.spec
        buffer = io.BytesIO()
        doc = BaseDocTemplate(
            buffer, pagesize=spec.size, leftMargin=spec.left, rightMargin=spec.right, topMargin=spec.top,
            bottomMargin=spec.bottom, title=self.title, author=self.author, subject=self.serial,
            keywords=self.keywords, creator="乡镇综合办公 公示", invariant=1,
            initialFontName=fonts.font(fonts.FANGSONG), initialFontSize=BODY_SIZE,
        )
        frame = Frame(spec.left, spec.bottom, spec.text_width, spec.text_height, leftPadding=0, rightPadding=0,
                      topPadding=0, bottomPadding=0, id="text")
        doc.addPageTemplates([PageTemplate("page", frames=[frame], onPage=self._decorate)])
        doc.build(list(self.story))
        return buffer.getvalue()


def serial_pattern() -> re.Pattern:
    """How a serial appears in a notice's text: 公示编号 20261122-7K3Q9M."""
    return re.compile(r"公示编号\s*([0-9]{8}-[0-9A-Z]{6})")
