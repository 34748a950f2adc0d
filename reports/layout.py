"""The official page template for notices (GB/T 9704-2012) and its building blocks.

A4 portrait: top margin 37 mm, left 28 mm, text block 156 × 225 mm; the title
22 pt in the 小标宋 role, centred, broken between words; body 16 pt 仿宋 on the
standard's grid of 22 lines × 28 characters (the characters are set a hair
closer than their 16 pt body so that exactly 28 fill the 156 mm line); headings
一、 in 黑体 and （一） in 楷体; the issuing body centred over the date, the
date four characters in from the right, with room for the seal above them;
page numbers "— 1 —" in 14 pt 宋体 with the dashes 7 mm below the text block,
odd pages right and even pages left, one character in from the edge; all
black. Landscape A4 (wide tables) turns the text block; A3 (the notice board)
scales the whole page by √2.

Lines are broken here, not by reportlab's Paragraph, so the Chinese rules
hold everywhere: no line starts with closing punctuation or ends with
opening punctuation (the line is squeezed by up to half a character, else
the last character moves down with the punctuation), numbers and Latin words
are not split, nothing runs past the right edge. A paragraph never leaves a
single line at the foot or head of a page; a heading keeps with the first
lines or rows of what follows; the signature keeps at least two body lines
with it.

Every string that goes in is passed through `scrub`, which masks anything
shaped like an ID number or a mobile number (and, while a notice is rendered
through the registry, every landline that is not one of the office's public
phones), so a mistake in the data cannot leak one. Every character is drawn
by a font that has it (reports.fonts: role font, else the rare-character
fallback, else MissingGlyph).

Long tables go through `ChunkedTable`, which cuts one small table per page
with the header repeated (one huge LongTable's repeated splitting costs
O(n²)); a row taller than a third of a page continues on the next page.
"""

from __future__ import annotations

import bisect
import contextlib
import contextvars
import datetime as dt
import hashlib
import io
import re
from collections.abc import Callable, Mapping
from typing import Any
from dataclasses import dataclass, field, replace

from reportlab import rl_config
from reportlab.lib.enums import TA_CENTER, TA_JUSTIFY, TA_LEFT, TA_RIGHT
from reportlab.lib.pagesizes import A3, A4, landscape
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.platypus import BaseDocTemplate, Flowable, Frame, PageBreak, PageTemplate, Spacer
from xml.sax.saxutils import escape

from models.core.personal import mask_private_numbers
from reports import fonts

# Binary (Flate-only) streams: ASCII85 on top makes files 25 % larger and, without
# reportlab's C accelerator, costs more time than laying out the pages.
rl_config.useA85 = 0

BODY_SIZE = 16
TITLE_SIZE = 22
PAGE_NUMBER_SIZE = 14
CHARS_PER_LINE = 28
LINES_PER_PAGE = 22
GRID_LEADING = 225 * mm / LINES_PER_PAGE  # 22 lines in the 225 mm text block ≈ 28.99 pt
PAGE_NUMBER_GAP = 7 * mm  # from the text block's lower edge to the dashes of "— 1 —"
SQUEEZE = 0.5  # how much (in characters) a line may be squeezed to keep punctuation on it

PAPER_A4 = "a4"
PAPER_A4_LANDSCAPE = "a4-landscape"
PAPER_A3 = "a3"
PAPERS = {PAPER_A4: "A4 纵向", PAPER_A4_LANDSCAPE: "A4 横向", PAPER_A3: "A3 纵向（公开栏）"}

# Chinese line-breaking rules (GB/T 15834 practice): these never start a line ...
NO_LINE_START = set("，。、；：？！）》」』】〕〗〙〛’”…—～·％‰,.;:?!)]}%")
# ... and these never end one
NO_LINE_END = set("（《「『【〔〖〘〚‘“([{")
# characters of a number or Latin word, which is never split
_WORD_CHARS = re.compile(r"[0-9A-Za-z*\uff10-\uff19\uff21-\uff3a\uff41-\uff5a]")  # * of masked numbers
_WORD_JOINERS = set(".,:/-_+@#&%'")


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

    @property
    def leading(self) -> float:
        return GRID_LEADING * self.scale


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

# Set while a notice is rendered for publication: the office's public phones
# (landlines other than these are masked); None outside, where only ID and
# mobile shapes are masked.
_public_numbers: contextvars.ContextVar[frozenset | None] = contextvars.ContextVar("public_numbers", default=None)


def _phones_in(data, out: set) -> set:
    """Every value under a key naming a phone, except the applicant's own."""
    if isinstance(data, dict):
        for key, value in data.items():
            if isinstance(value, str) and "phone" in str(key) and not str(key).startswith("applicant"):
                out.add(value)
            elif isinstance(value, (dict, list, tuple)):
                _phones_in(value, out)
    elif isinstance(data, (list, tuple)):
        for value in data:
            _phones_in(value, out)
    return out


@contextlib.contextmanager
def public_numbers(data: Mapping[str, Any]):
    """While rendering a notice from `data`: landlines are masked unless they
    are phones the office published (supervision, office, handler phones)."""
    token = _public_numbers.set(frozenset(_phones_in(data, set())))
    try:
        yield
    finally:
        _public_numbers.reset(token)


_draft: contextvars.ContextVar[bool] = contextvars.ContextVar("draft", default=False)
DRAFT_MARK = "样稿：预览用，未发布，不得张贴"


@contextlib.contextmanager
def draft_mode():
    """While previewing: pages are marked as a draft (no serial is printed)."""
    token = _draft.set(True)
    try:
        yield
    finally:
        _draft.reset(token)


def is_draft() -> bool:
    return _draft.get()


def scrub(text) -> str:
    """Mask ID numbers and mobile numbers (by shape) in text meant for print."""
    if text is None:
        return ""
    text = str(text)
    if len(text) < 7:
        return text
    allowed = _public_numbers.get()
    return mask_private_numbers(text, allowed or (), landlines=allowed is not None)


def para_text(text, font_name: str | None = None) -> str:
    """Scrubbed and XML-escaped text for a reportlab Paragraph; newlines
    become breaks, and characters the fonts lack are wrapped in the fallback
    font (MissingGlyph when no font has them). With `font_name`, characters
    that font has stay in it; without, only characters every role font has."""
    text = scrub(text)
    out = []
    for line in text.split("\n"):
        pieces = []
        for ch in line:
            name = fonts.font_for(ch, font_name, line) if font_name else _common_font_for(ch, line)
            if name is None:
                continue
            if name == font_name or name == "":
                pieces.append(escape(ch))
            else:
                pieces.append(f'<font name="{name}">{escape(ch)}</font>')
        out.append("".join(pieces))
    return "<br/>".join(out)


def _common_font_for(ch: str, context: str) -> str | None:
    """'' when every role font has ch, else the fallback font that has it
    (None for an invisible character)."""
    if all(fonts.covers(fonts.font(role), ch) for role in fonts.ROLES):
        return ""
    return fonts.fallback_for(ch, context)


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


# ---- text styles and line breaking -----------------------------------------

@dataclass(frozen=True)
class TextStyle:
    """How a block of text is set: font role, size, line pitch, alignment,
    indents (points) and the extra space between characters."""

    role: str
    size: float
    leading: float
    align: str = "justify"  # justify, left, center, right, signature
    first_indent: float = 0.0
    left_indent: float = 0.0
    right_indent: float = 0.0
    tracking: float = 0.0

    @property
    def font_name(self) -> str:
        return fonts.font(self.role)


def grid_tracking(width: float, size: float, chars: int = CHARS_PER_LINE) -> float:
    """Space between characters that makes exactly `chars` characters of `size` fill `width`."""
    return (width - chars * size) / (chars - 1)


def text_styles(spec: PageSpec) -> dict[str, TextStyle]:
    """The template's text styles, scaled for the paper."""
    k = spec.scale
    size = BODY_SIZE * k
    lead = spec.leading
    # The standard's 28 characters are counted on the portrait line; a landscape page keeps the pitch.
    tracking = grid_tracking(156 * mm * k, size)
    pitch = size + tracking
    body = TextStyle(fonts.FANGSONG, size, lead, "justify", first_indent=2 * pitch, tracking=tracking)
    return {
        "title": TextStyle(fonts.TITLE, TITLE_SIZE * k, lead, "center"),
        "subtitle": TextStyle(fonts.KAI, size, lead, "center", tracking=tracking),
        "body": body,
        "plain": replace(body, first_indent=0.0),
        "h1": replace(body, role=fonts.HEI),
        "h2": replace(body, role=fonts.KAI),
        "right": replace(body, align="right", first_indent=0.0, right_indent=2 * pitch),
        "center": replace(body, align="center", first_indent=0.0),
        "small": TextStyle(fonts.FANGSONG, 12 * k, 18 * k, "left"),
    }


def styles(spec: PageSpec) -> dict[str, ParagraphStyle]:
    """reportlab ParagraphStyles with the template's fonts, for renderers that
    build their own reportlab Paragraphs (receipts, cards)."""
    out = {}
    for name, s in text_styles(spec).items():
        align = {"justify": TA_JUSTIFY, "left": TA_LEFT, "center": TA_CENTER, "right": TA_RIGHT}.get(s.align, TA_LEFT)
        out[name] = ParagraphStyle(name, fontName=s.font_name, fontSize=s.size, leading=s.leading,
                                   firstLineIndent=s.first_indent, rightIndent=s.right_indent, alignment=align,
                                   wordWrap="CJK", textColor="black")
    return out


@dataclass
class Line:
    """One set line: its runs (font name, text), natural width, glyph count,
    left indent, and whether it ends its paragraph (left unjustified)."""

    runs: list[tuple[str, str]]
    width: float
    glyphs: int
    indent: float
    last: bool

    @property
    def text(self) -> str:
        return "".join(t for _, t in self.runs)


@dataclass
class _Token:
    runs: list[tuple[str, str]]
    width: float  # advance widths plus tracking after each glyph
    glyphs: int
    text: str


def _tokens(text: str, font_name: str, size: float, tracking: float) -> list[_Token]:
    """Break text into tokens that a line may not split: one CJK character or
    punctuation mark, or a whole number/Latin word."""
    pieces: list[str] = []
    i, n = 0, len(text)
    while i < n:
        ch = text[i]
        if _WORD_CHARS.match(ch):
            j = i + 1
            while j < n and (_WORD_CHARS.match(text[j])
                             or (text[j] in _WORD_JOINERS and j + 1 < n and _WORD_CHARS.match(text[j + 1]))):
                j += 1
            pieces.append(text[i:j])
            i = j
        else:
            pieces.append(ch)
            i += 1
    out = []
    for piece in pieces:
        rs = fonts.runs(piece, font_name, text)
        if not rs:
            continue
        width = sum(stringWidth(t, name, size) for name, t in rs)
        glyphs = sum(len(t) for _, t in rs)
        out.append(_Token(rs, width + tracking * glyphs, glyphs, piece))
    return out


def _merge_runs(tokens: list[_Token]) -> list[tuple[str, str]]:
    out: list[tuple[str, str]] = []
    for tok in tokens:
        for name, t in tok.runs:
            if out and out[-1][0] == name:
                out[-1] = (name, out[-1][1] + t)
            else:
                out.append((name, t))
    return out


def _split_long(tok: _Token, font_name: str, size: float, tracking: float) -> list[_Token]:
    """A word longer than a line, one character per token."""
    out = []
    for name, t in tok.runs:
        for ch in t:
            out.append(_Token([(name, ch)], stringWidth(ch, name, size) + tracking, 1, ch))
    return out


def break_lines(text: str, style: TextStyle, width: float, squeeze: float = SQUEEZE) -> list[Line]:
    """Set text into lines of `width` by the Chinese rules (see the module
    docstring); a line may be squeezed by `squeeze` characters to keep
    punctuation on it (0 where lines are drawn without squeezing)."""
    size, tracking = style.size, style.tracking
    squeeze = squeeze * size
    lines: list[Line] = []
    for p_index, piece in enumerate(text.split("\n")):
        first_indent = style.first_indent if p_index == 0 else 0.0
        full = width - style.left_indent - style.right_indent
        tokens: list[_Token] = []
        for tok in _tokens(piece, style.font_name, size, tracking):
            tokens.extend(_split_long(tok, style.font_name, size, tracking) if tok.width > full else [tok])
        current: list[_Token] = []
        indent = first_indent

        def emit(last: bool) -> None:
            nonlocal current, indent
            glyphs = sum(t.glyphs for t in current)
            natural = sum(t.width for t in current) - (tracking if glyphs else 0.0)
            lines.append(Line(_merge_runs(current), natural, glyphs, style.left_indent + indent, last))
            current, indent = [], 0.0

        i = 0
        while i < len(tokens):
            tok = tokens[i]
            avail = full - indent
            wanted = sum(t.width for t in current) + tok.width - tracking
            if not current or wanted <= avail + 1e-6:
                current.append(tok)
                i += 1
                continue
            keep = len(current)
            if tok.text[0] in NO_LINE_START:
                if wanted <= avail + squeeze:
                    current.append(tok)  # squeezed onto the line when it is drawn
                    i += 1
                    continue
                # the last character goes down with the punctuation (and whatever may not end a line before it)
                keep = len(current) - 1
                while keep > 0 and (current[keep].text[0] in NO_LINE_START or current[keep - 1].text[-1] in NO_LINE_END):
                    keep -= 1
                if keep == 0:
                    keep = len(current)  # nothing sensible to move: the punctuation starts the line after all
            else:
                while keep > 1 and current[keep - 1].text[-1] in NO_LINE_END:
                    keep -= 1
            i -= len(current) - keep
            current = current[:keep]
            emit(False)
        emit(True)
    return lines


def _fp(v: float) -> str:
    return f"{v:.3f}".rstrip("0").rstrip(".") or "0"


def draw_lines(canv, lines: list[tuple[float, float, list[tuple[str, str]], float, float]]) -> None:
    """Draw (x, baseline, runs, size, extra space after each glyph) lines.

    The extra space goes into TJ adjustments between glyphs rather than the
    Tc operator: every reader honours TJ, while some (pdfminer, behind many
    PDF tools) drop Tc at the end of each string and so misplace characters
    after a font-subset switch."""
    doc = canv._doc
    code = ["BT 0 g"]
    for x, y, runs, size, spacing in lines:
        code.append(f"1 0 0 1 {_fp(x)} {_fp(y)} Tm")
        adjust = _fp(-spacing * 1000 / size) if abs(spacing) > 1e-6 else ""
        first = True
        for name, text in runs:
            font = pdfmetrics.getFont(name)
            for subset, chunk in font.splitString(text, doc):
                code.append(f"{font.getSubsetInternalName(subset, doc)} {_fp(size)} Tf")
                if not adjust:
                    code.append(f"({canv._escape(chunk)}) Tj")
                    continue
                parts = []
                for b in chunk:  # one byte per glyph within a subset
                    if not first:
                        parts.append(adjust)
                    parts.append(f"({canv._escape(bytes([b]))})")
                    first = False
                code.append(f"[{' '.join(parts)}] TJ")
    code.append("ET")
    canv._code.append(" ".join(code))


class TextBlock(Flowable):
    """A paragraph set on the template's grid by `break_lines`, drawn line by
    line with the text matrix (justified lines spread or squeezed through the
    character spacing). Splits between lines, never leaving a single line at
    the foot or head of a page."""

    def __init__(self, text: str, style: TextStyle, lines: list[Line] | None = None, width: float | None = None,
                 keep_lines: int = 2):
        super().__init__()
        self.text = text
        self.style = style
        self.lines: list[Line] = lines if lines is not None else []
        self._set_width: float | None = width if lines is not None else None
        self.keep_lines = keep_lines

    def _ensure(self, width: float) -> None:
        if self._set_width != width:
            self.lines = break_lines(self.text, self.style, width)
            self._set_width = width

    def wrap(self, availWidth, availHeight):
        self._ensure(availWidth)
        self.width = availWidth
        self.height = len(self.lines) * self.style.leading
        return self.width, self.height

    def min_head(self) -> float:
        """The least height of a first part worth leaving at a page foot."""
        return min(len(self.lines) or 1, self.keep_lines) * self.style.leading

    def split_at(self, availWidth, availHeight, keep_tail: int = 0):
        """Split into (head, tail) with the head at most availHeight high and
        both at least `keep_lines` lines (and the tail at least keep_tail)."""
        self._ensure(availWidth)
        total = len(self.lines)
        n = int((availHeight + 1e-6) // self.style.leading)
        n = min(n, total - max(self.keep_lines if total > 1 else 0, keep_tail))
        if n < min(self.keep_lines, total) or n <= 0:
            return []
        head = TextBlock(self.text, self.style, self.lines[:n], availWidth, self.keep_lines)
        tail = TextBlock(self.text, self.style, self.lines[n:], availWidth, self.keep_lines)
        return [head, tail]

    def split(self, availWidth, availHeight):
        return self.split_at(availWidth, availHeight)

    def draw(self):
        s = self.style
        width = self.width
        avail = width - s.left_indent - s.right_indent
        y = self.height
        out = []
        for line in self.lines:
            y -= s.leading
            baseline = y + s.leading / 2 - 0.38 * s.size  # glyphs centred in their grid line
            room = avail - (line.indent - s.left_indent)
            spacing = s.tracking
            x = line.indent
            if s.align == "justify":
                if (not line.last or line.width > room) and line.glyphs > 1:
                    spacing = s.tracking + (room - line.width) / (line.glyphs - 1)
            elif line.width > room and line.glyphs > 1:
                spacing = s.tracking + (room - line.width) / (line.glyphs - 1)  # squeezed punctuation
            elif s.align == "center":
                x = line.indent + (room - line.width) / 2
            elif s.align == "right":
                x = line.indent + room - line.width
            out.append((x, baseline, line.runs, s.size, spacing))
        draw_lines(self.canv, out)


# ---- titles ------------------------------------------------------------------

# Words of notice titles: a title is broken only between these (and between
# the runs of other characters they leave, such as a township's name).
TITLE_WORDS = sorted({
    "公示", "公告", "通知", "通知单", "明白卡", "结果", "名单", "情况", "领导班子", "班子", "成员", "分工", "干部", "任前",
    "流向", "公示栏", "连心卡", "便民服务中心", "服务中心", "服务事项", "五公开", "“五公开”", "办件", "受理", "回执",
    "考核", "年度", "季度", "上半年", "下半年", "奖励", "补贴", "村干部", "目标", "承诺", "目标承诺", "督办", "报名人员",
    "资格审查", "两票推选", "推选", "选举", "换届", "委员会", "人民政府", "党委", "中共", "街道", "办事处", "关于", "工作",
    "人选", "候选人", "村民委员会", "党组织", "综合办公室", "考核办公室", "党政综合办公室", "办公室", "和", "及", "的",
    "拟任", "人员", "责任", "结果公示", "事项", "群众", "监督", "发放", "标准",
}, key=len, reverse=True)
_TITLE_SUFFIXES = ("镇", "乡", "村", "县", "区", "市", "社区")


def title_segments(title: str) -> list[str]:
    """The title cut into words (forward maximum matching on TITLE_WORDS);
    characters between known words stay together, with a place suffix (镇, 乡 …)."""
    out: list[str] = []
    unknown = ""
    i = 0
    while i < len(title):
        word = next((w for w in TITLE_WORDS if title.startswith(w, i)), None)
        if word is None:
            unknown += title[i]
            i += 1
            continue
        if unknown:
            out.append(unknown)
            unknown = ""
        out.append(word)
        i += len(word)
    if unknown:
        out.append(unknown)
    merged: list[str] = []
    for seg in out:
        if merged and (seg in _TITLE_SUFFIXES or seg[0] in NO_LINE_START or merged[-1][-1] in NO_LINE_END):
            merged[-1] += seg
        else:
            merged.append(seg)
    return merged


def break_title(title: str, style: TextStyle, width: float) -> list[Line]:
    """Title lines: as few as fit, broken between words, as even as possible
    (the standard asks for a balanced trapezoid or diamond, words kept whole)."""
    words = title_segments(title)
    widths = [sum(stringWidth(t, name, style.size) for name, t in fonts.runs(w, style.font_name)) for w in words]

    def line_of(ws):
        text = "".join(ws)
        rs = fonts.runs(text, style.font_name)
        return Line(rs, sum(stringWidth(t, n, style.size) for n, t in rs), len(text), 0.0, True)

    if sum(widths) <= width or len(words) == 1:
        if sum(widths) <= width:
            return [line_of(words)]
        return break_lines(title, replace(style, align="center"), width)
    # dynamic programming over break points: fewest lines, then the smallest spread of line widths
    n = len(words)
    best: dict[int, tuple[int, float, list[int]]] = {0: (0, 0.0, [])}
    for end in range(1, n + 1):
        options = []
        for start in range(end):
            if start not in best:
                continue
            w = sum(widths[start:end])
            if w > width + 1e-6:
                continue
            count, cost, cuts = best[start]
            options.append((count + 1, cost + (width - w) ** 2, cuts + [end]))
        if options:
            best[end] = min(options)
    if n not in best:  # one word longer than the line: break by characters
        return break_lines(title, replace(style, align="center"), width)
    count, _, cuts = best[n]
    # with the line count fixed, even out the lines
    lines, start = [], 0
    target = sum(widths) / count
    chosen = []
    for k in range(count - 1):
        acc, cut = 0.0, start
        candidates = []
        for j in range(start + 1, n - (count - k - 2)):
            acc = sum(widths[start:j])
            rest = sum(widths[j:])
            if acc <= width and rest <= width * (count - k - 1):
                candidates.append((abs(acc - target), j))
        cut = min(candidates)[1] if candidates else cuts[k]
        chosen.append(cut)
        start = cut
    start = 0
    for cut in chosen + [n]:
        lines.append(line_of(words[start:cut]))
        start = cut
    if any(line.width > width + 1e-6 for line in lines):
        lines, start = [], 0
        for cut in cuts:
            lines.append(line_of(words[start:cut]))
            start = cut
    return lines


class TitleBlock(TextBlock):
    """The notice title: centred lines broken between words, one blank grid line after."""

    def _ensure(self, width: float) -> None:
        if self._set_width != width:
            self.lines = break_title(self.text, self.style, width)
            self._set_width = width

    def wrap(self, availWidth, availHeight):
        self._ensure(availWidth)
        self.width = availWidth
        self.height = (len(self.lines) + 1) * self.style.leading
        return self.width, self.height

    def split(self, availWidth, availHeight):
        return []

    def draw(self):
        s = self.style
        y = self.height
        out = []
        for line in self.lines:
            y -= s.leading
            out.append(((self.width - line.width) / 2, y + s.leading / 2 - 0.36 * s.size, line.runs, s.size, 0.0))
        draw_lines(self.canv, out)


# ---- keeping things together -------------------------------------------------

def _min_head(flowable, width: float) -> float:
    if isinstance(flowable, (TextBlock, ChunkedTable, KeepWithFirst)):
        flowable.wrap(width, 1e9)
        return flowable.min_head()
    return flowable.wrap(width, 1e9)[1]


def _split_with_tail(flowable, width: float, height: float, keep_tail: int):
    if isinstance(flowable, (TextBlock, ChunkedTable, KeepWithFirst)):
        return flowable.split_at(width, height, keep_tail)
    return flowable.split(width, height)


class KeepWithFirst(Flowable):
    """A heading kept with the first lines (or rows) of what follows it."""

    def __init__(self, heading: Flowable, body: Flowable):
        super().__init__()
        self.heading = heading
        self.body = body

    def wrap(self, availWidth, availHeight):
        _, hh = self.heading.wrap(availWidth, availHeight)
        _, bh = self.body.wrap(availWidth, availHeight)
        self.width, self.height = availWidth, hh + bh
        return self.width, self.height

    def min_head(self) -> float:
        return self.heading.wrap(self.width, 1e9)[1] + _min_head(self.body, self.width)

    def split_at(self, availWidth, availHeight, keep_tail: int = 0):
        _, hh = self.heading.wrap(availWidth, availHeight)
        if hh + _min_head(self.body, availWidth) > availHeight + 1e-6:
            return []  # the whole group goes to the next page
        parts = _split_with_tail(self.body, availWidth, availHeight - hh, keep_tail)
        if not parts:
            return []
        return [self.heading] + list(parts)

    def split(self, availWidth, availHeight):
        return self.split_at(availWidth, availHeight)

    def drawOn(self, canvas, x, y, _sW=0):
        _, hh = self.heading.wrap(self.width, 1e9)
        self.heading.drawOn(canvas, x, y + self.height - hh, _sW)
        self.body.drawOn(canvas, x, y, _sW)


class KeepTail(Flowable):
    """The closing block (issuer and date) kept with at least `keep` lines or
    rows of what comes before it, so it never stands alone on a page."""

    def __init__(self, before: Flowable, block: Flowable, keep: int = 2):
        super().__init__()
        self.before = before
        self.block = block
        self.keep = keep

    def wrap(self, availWidth, availHeight):
        _, bh = self.before.wrap(availWidth, availHeight)
        _, kh = self.block.wrap(availWidth, availHeight)
        self.width, self.height = availWidth, bh + kh
        return self.width, self.height

    def split(self, availWidth, availHeight):
        parts = _split_with_tail(self.before, availWidth, availHeight, self.keep)
        if not parts:
            return []
        return list(parts[:-1]) + [KeepTail(parts[-1], self.block, self.keep)]

    def drawOn(self, canvas, x, y, _sW=0):
        _, kh = self.block.wrap(self.width, 1e9)
        self.before.drawOn(canvas, x, y + kh, _sW)
        self.block.drawOn(canvas, x, y, _sW)


class GridSnap(Flowable):
    """Blank space that brings the next line back onto the 22-line grid (after a table)."""

    def __init__(self, spec: PageSpec):
        super().__init__()
        self.spec = spec

    def wrap(self, availWidth, availHeight):
        used = self.spec.text_height - availHeight
        lead = self.spec.leading
        pad = (-used) % lead
        if pad > lead - 0.5 or pad >= availHeight:
            pad = 0.0
        self.width, self.height = availWidth, pad
        return availWidth, pad

    def split(self, availWidth, availHeight):
        return []

    def draw(self):
        pass


class SignatureBlock(Flowable):
    """Issuer(s) centred over the date, the date four characters in from the
    right edge, two blank grid lines above for the seal (GB/T 9704 7.3.5)."""

    def __init__(self, issuers: list[str], date_text: str, style: TextStyle, seal_lines: int = 2):
        super().__init__()
        self.issuers = [scrub(i) for i in issuers if i]
        self.date_text = date_text
        self.style = style
        self.seal_lines = seal_lines

    def _line(self, text: str) -> Line:
        s = self.style
        toks = _tokens(text, s.font_name, s.size, s.tracking)
        glyphs = sum(t.glyphs for t in toks)
        return Line(_merge_runs(toks), sum(t.width for t in toks) - (s.tracking if glyphs else 0), glyphs, 0, True)

    def wrap(self, availWidth, availHeight):
        self.width = availWidth
        self.height = (self.seal_lines + len(self.issuers) + 1) * self.style.leading
        return self.width, self.height

    def split(self, availWidth, availHeight):
        return []

    def draw(self):
        s = self.style
        pitch = s.size + s.tracking
        date = self._line(self.date_text)
        date_right = self.width - 4 * pitch
        centre = date_right - date.width / 2
        y = self.height - self.seal_lines * s.leading
        out = []
        for line in [self._line(i) for i in self.issuers] + [date]:
            y -= s.leading
            x = centre - line.width / 2 if line is not date else date_right - date.width
            x = max(0.0, min(x, self.width - line.width))
            out.append((x, y + s.leading / 2 - 0.38 * s.size, line.runs, s.size, s.tracking))
        draw_lines(self.canv, out)


# ---- long tables -----------------------------------------------------------

def wrap_cell(text: str, font_name: str, size: float, width: float, max_lines: int = 0) -> list[tuple[str, float]]:
    """Break text into (line, width) pairs no wider than `width`, by the same
    rules as paragraphs (no closing punctuation at a line start, no opening
    one at an end, numbers kept whole). Explicit newlines are kept. With
    max_lines, the last line ends in '…' (callers that must keep every word
    split tall rows instead, see ChunkedTable)."""
    style = TextStyle(fonts.FANGSONG, size, size * 1.3, "left")
    out: list[tuple[str, float]] = []
    for chunk in str(text).split("\n"):
        rs = fonts.runs(chunk, font_name)
        whole = sum(stringWidth(t, n, size) for n, t in rs)
        if whole <= width:
            out.append((chunk, whole))
            continue
        for line in break_lines(chunk, _with_font(style, font_name), width, squeeze=0):
            out.append((line.text, line.width))
    if max_lines and len(out) > max_lines:
        out = out[:max_lines]
        last = out[-1][0][:-1] + "…"
        out[-1] = (last, sum(stringWidth(t, n, size) for n, t in fonts.runs(last, font_name)))
    return out


def _with_font(style: TextStyle, font_name: str) -> TextStyle:
    """A style whose font is a given reportlab font name rather than a role."""
    role = next((r for r in fonts.ROLES if fonts.font(r) == font_name), None)
    if role is not None:
        return replace(style, role=role)
    return _NamedStyle(font=font_name, **{f: getattr(style, f) for f in style.__dataclass_fields__})


@dataclass(frozen=True)
class _NamedStyle(TextStyle):
    font: str = ""

    @property
    def font_name(self) -> str:
        return self.font


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
    continued: list[bool] = field(default_factory=list)  # row i continues row i-1 (a tall row split)
    progress: Callable[[int, int], None] | None = None
    encoded: dict = field(default_factory=dict)  # (font, text) -> [(font name, subset, escaped bytes)]


class ChunkedTable(Flowable):
    """A long table that paginates itself, the header row repeated on every page.

    Cells are wrapped and row heights computed once up front, so finding where
    a page ends is a bisect, not a trial layout; each page draws only its own
    rows, with one text object per page (reportlab's Table draws each cell
    with its own text object, which is too slow for 10,000 rows without the
    C accelerator). A row taller than `max_row_height` is cut into bands of a
    few lines, drawn without a rule between them, so it continues on the next
    page instead of being cut short."""

    def __init__(self, data: _TableData, start: int = 0, end: int | None = None):
        super().__init__()
        self.data = data
        self.start = start
        self.end = len(data.cells) if end is None else end
        self.width = sum(data.col_widths)

    @classmethod
    def build(cls, columns: list[Column], rows: list[list], width: float, font_size: float = 12,
              max_row_height: float | None = None, progress=None, padding: float = 3.0,
              line_spacing: float = 1.3) -> "ChunkedTable":
        """Wrap every cell (scrubbed) and measure every row (`padding` around
        each cell's text and `line_spacing` × size between its lines; boards
        pass less of both to get more rows on a sheet)."""
        body_font = fonts.font(fonts.FANGSONG)
        head_font = fonts.font(fonts.HEI)
        total_weight = sum(c.weight for c in columns) or 1
        col_widths = [width * c.weight / total_weight for c in columns]
        pad_x = pad_y = padding
        leading = font_size * line_spacing
        inner = [w - 2 * pad_x for w in col_widths]
        band_lines = 3

        cache: dict = {}  # columns repeat values (departments, dates, results): wrap each once

        def wrap_row(values, fnt):
            cells = []
            for i, v in enumerate(values):
                key = (fnt, i, v)
                lines = cache.get(key)
                if lines is None:
                    lines = cache[key] = wrap_cell(scrub("" if v is None else v), fnt, font_size, inner[i])
                cells.append(lines)
            return cells, max(len(x) for x in cells) * leading + 2 * pad_y

        header, header_height = wrap_row([c.label for c in columns], head_font)
        cells, heights, continued = [], [], []
        for r in rows:
            wrapped, h = wrap_row(r, body_font)
            if max_row_height and h > max_row_height:
                tallest = max(len(x) for x in wrapped)
                for b, first in enumerate(range(0, tallest, band_lines)):
                    band = [lines[first:first + band_lines] for lines in wrapped]
                    n = max(1, max(len(x) for x in band))
                    top_pad = pad_y if b == 0 else 0.0
                    bottom_pad = pad_y if first + band_lines >= tallest else 0.0
                    cells.append(band)
                    heights.append(n * leading + top_pad + bottom_pad)
                    continued.append(b > 0)
                continue
            cells.append(wrapped)
            heights.append(h)
            continued.append(False)
        prefix = [0.0]
        for h in heights:
            prefix.append(prefix[-1] + h)
        data = _TableData(header, cells, heights, prefix, header_height, col_widths,
                          [c.align.upper() for c in columns], body_font, head_font, font_size, leading, pad_x,
                          continued, progress)
        return cls(data)

    def _height(self, end: int) -> float:
        return self.data.header_height + self.data.prefix[end] - self.data.prefix[self.start]

    def wrap(self, availWidth, availHeight):
        return self.width, self._height(self.end)

    def min_head(self) -> float:
        """Header and the first two rows (one when that is all)."""
        return self._height(min(self.end, self.start + 2))

    def split_at(self, availWidth, availHeight, keep_tail: int = 0):
        d = self.data
        limit = d.prefix[self.start] + availHeight - d.header_height
        cut = min(bisect.bisect_right(d.prefix, limit + 1e-6) - 1, self.end)
        if keep_tail:
            cut = min(cut, self.end - keep_tail)
        # never leave the first band of a split row alone, nor start a page inside a short row group
        if cut <= self.start or (self.end - self.start > 1 and cut - self.start < 1):
            return []
        return [ChunkedTable(d, self.start, cut), ChunkedTable(d, cut, self.end)]

    def split(self, availWidth, availHeight):
        return self.split_at(availWidth, availHeight)

    def draw(self):
        d = self.data
        canv = self.canv
        doc = canv._doc
        code = ["q 0 g BT"]
        xs = [0.0]
        for w in d.col_widths:
            xs.append(xs[-1] + w)
        total_h = self._height(self.end)
        state = {"key": None}
        selects: dict = {}

        def select_font(font, subset):
            key = (font.fontName, subset)
            if key not in selects:
                selects[key] = f"{font.getSubsetInternalName(subset, doc)} {d.font_size:.2f} Tf"
            return selects[key]

        def emit_row(cells, top, height, font_name, aligns, valign_top):
            for i, lines in enumerate(cells):
                block = len(lines) * d.leading
                offset = d.pad_x if valign_top else (height - block) / 2  # pad_x == pad_y
                # baseline about 0.88 em under the line top
                y = top - offset - d.font_size * 0.88
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
                            pieces = []
                            for name, run in fonts.runs(text, font_name):
                                font = pdfmetrics.getFont(name)
                                for subset, chunk in font.splitString(run, doc):
                                    pieces.append(((name, subset), font, subset, f"({canv._escape(chunk)}) Tj"))
                            d.encoded[key] = pieces
                        for skey, font, subset, shown in pieces:
                            if skey != state["key"]:
                                code.append(select_font(font, subset))
                                state["key"] = skey
                            code.append(shown)
                    y -= d.leading

        emit_row(d.header, total_h, d.header_height, d.head_font, ["CENTER"] * len(d.col_widths), False)
        top = total_h - d.header_height
        rules = [total_h, top]
        for r in range(self.start, self.end):
            banded = d.continued[r] or (r + 1 < len(d.cells) and d.continued[r + 1])
            emit_row(d.cells[r], top, d.heights[r], d.body_font, d.aligns, banded)
            top -= d.heights[r]
            if not (r + 1 < self.end and d.continued[r + 1]):
                rules.append(top)
        code.append("ET Q")
        canv._code.append(" ".join(code))
        # grid: one path of horizontal and vertical lines
        path = ["q 0 G 0.6 w"]
        for y in rules:
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
        doc.title_block()
        doc.paragraph("根据……，现将……公示如下：")
        doc.table([Column("姓名"), Column("职务", 2)], rows)
        doc.closing("中共青石镇委员会", dt.date.today())
        pdf = doc.build()
    """

    def __init__(self, title: str, serial: str = "", paper: str = PAPER_A4, author: str = "",
                 page_numbers: bool = True, keywords: str = "", qr_text: str | None = None):
        self.title = scrub(title)
        self.serial = serial
        self.paper = paper
        self.spec = page_spec(paper)
        self.styles = text_styles(self.spec)
        self.author = scrub(author)
        self.page_numbers = page_numbers
        self.keywords = keywords
        self.qr_text = qr_text if qr_text is not None else (f"公示编号 {serial}" if serial else "")
        self.draft = is_draft()
        self.story: list = []
        self._headings: list[Flowable] = []  # waiting for what follows them
        self.progress: Callable[[int, int], None] | None = None

    # content
    def _append(self, flowable: Flowable) -> None:
        for heading in reversed(self._headings):
            flowable = KeepWithFirst(heading, flowable)
        self._headings = []
        self.story.append(flowable)

    def title_block(self, title: str | None = None, subtitle: str = "") -> None:
        """The 22 pt centred title (defaults to the document title), broken between words."""
        self._flush_headings()
        self.story.append(TitleBlock(scrub(title or self.title), self.styles["title"]))
        if subtitle:
            self.story.append(TextBlock(scrub(subtitle), self.styles["subtitle"]))

    def paragraph(self, text: str, style: str = "body") -> None:
        """A paragraph in one of the template styles (body, plain, h1, h2, right, center, small)."""
        block = TextBlock(scrub(text), self.styles[style])
        if style in ("h1", "h2"):
            self._headings.append(block)
        else:
            self._append(block)

    def _flush_headings(self) -> None:
        for heading in self._headings:
            self.story.append(heading)
        self._headings = []

    def spacer(self, lines: float = 1.0) -> None:
        self._flush_headings()
        self.story.append(Spacer(1, self.spec.leading * lines))

    def page_break(self) -> None:
        self._flush_headings()
        self.story.append(PageBreak())

    def table(self, columns: list[Column], rows: list[list], font_size: float = 12) -> None:
        """A table over the full text width; long ones paginate with the header repeated."""
        k = self.spec.scale
        self._append(ChunkedTable.build(columns, rows, self.spec.text_width, font_size * k,
                                        max_row_height=self.spec.text_height / 3,
                                        progress=lambda done, total: self._report(done, total)))
        self.story.append(GridSnap(self.spec))

    def notice_period(self, start, end, workdays: int | None = None) -> None:
        """公示时间：2026年11月23日至2026年11月27日（5个工作日）."""
        extra = f"（{workdays}个工作日）" if workdays else ""
        self.paragraph(f"公示时间：{cn_date(start)}至{cn_date(end)}{extra}。")

    def closing(self, issuer: str | list[str], date) -> None:
        """Issuing body and date at the bottom right, with room for the seal,
        kept with at least the last two lines before them."""
        self._flush_headings()
        issuers = [issuer] if isinstance(issuer, str) else list(issuer)
        block = SignatureBlock([i for i in issuers if i], cn_date(date), self.styles["body"])
        while self.story and isinstance(self.story[-1], GridSnap):
            self.story.pop()
        if self.story and not isinstance(self.story[-1], (PageBreak, TitleBlock)):
            self.story[-1] = KeepTail(self.story[-1], block)
        else:
            self.story.append(block)

    def add(self, flowable) -> None:
        """Append any reportlab flowable."""
        self._append(flowable)

    # output
    def _report(self, done, total):
        if self.progress:
            self.progress(done, total)

    def _decorate(self, canvas, doc) -> None:
        spec = self.spec
        k = spec.scale
        canvas.saveState()
        canvas.setFillColor("black")
        size = PAGE_NUMBER_SIZE * k
        number_font = fonts.font(fonts.SONG)
        # the dashes' stroke sits about 0.3 em over the baseline
        baseline = spec.bottom - PAGE_NUMBER_GAP * k - 0.3 * size
        if self.page_numbers:
            text = f"— {doc.page} —"
            canvas.setFont(number_font, size)
            if doc.page % 2:
                canvas.drawRightString(spec.left + spec.text_width - size, baseline, text)
            else:
                canvas.drawString(spec.left + size, baseline, text)
        if self.serial:
            self._draw_serial(canvas, doc, baseline, size)
        if self.draft:
            canvas.setFont(fonts.font(fonts.HEI), 12 * k)
            canvas.drawCentredString(spec.left + spec.text_width / 2, spec.size[1] - spec.top / 2, DRAFT_MARK)
        canvas.restoreState()

    def _draw_serial(self, canvas, doc, baseline: float, number_size: float) -> None:
        """The serial, and a QR code of it for looking the notice up, on the
        side of the foot away from the page number."""
        spec = self.spec
        k = spec.scale
        size = 9 * k
        label = f"公示编号 {self.serial}"
        qr = 14 * mm * k
        odd = doc.page % 2 and self.page_numbers
        label_w = stringWidth(label, fonts.font(fonts.FANGSONG), size)
        if odd:
            x_qr = spec.left
            x_label = x_qr + qr + 2 * mm * k
        else:
            x_qr = spec.left + spec.text_width - qr
            x_label = x_qr - 2 * mm * k - label_w
        y_qr = baseline - qr / 2 + 0.3 * number_size
        if self.qr_text:
            draw_qr(canvas, self.qr_text, x_qr, y_qr, qr)
        else:
            x_label = spec.left if odd else spec.left + spec.text_width - label_w
        canvas.setFont(fonts.font(fonts.FANGSONG), size)
        canvas.drawString(x_label, baseline, label)

    def build(self, progress=None) -> bytes:
        """Lay out the story and return the PDF bytes (deterministic for the
        same content, so its hash identifies the sheet)."""
        self._flush_headings()
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


def draw_qr(canvas, text: str, x: float, y: float, size: float) -> None:
    """A QR code of `text`, `size` square at (x, y). Drawn once per document as a
    form (a PDF XObject) that each page places: reportlab encodes QR codes in pure
    Python (about 70 ms each, most of a 10,000-row notice's 800 pages, issue 22)."""
    name = "QR" + hashlib.sha256(f"{text}|{size:.3f}".encode()).hexdigest()[:16]
    if not canvas.hasForm(name):
        canvas.beginForm(name, 0, 0, size, size)
        _draw_qr_modules(canvas, text, size)
        canvas.endForm()
    canvas.saveState()
    canvas.translate(x, y)
    canvas.doForm(name)
    canvas.restoreState()


def _draw_qr_modules(canvas, text: str, size: float) -> None:
    """The QR code's modules as filled rectangles in a size square at the origin
    (reportlab's widget renderer would add an unembedded Helvetica)."""
    from reportlab.graphics.barcode.qr import QrCodeWidget

    widget = QrCodeWidget(text, barLevel="M")
    qr = widget.qr
    qr.make()
    count = qr.getModuleCount()
    border = 1
    box = size / (count + 2 * border)
    path = canvas.beginPath()
    for r, row in enumerate(qr.modules):
        c = 0
        while c < count:
            if row[c]:
                start = c
                while c < count and row[c]:
                    c += 1
                path.rect((start + border) * box, size - (r + border + 1) * box, (c - start) * box, box)
            else:
                c += 1
    canvas.saveState()
    canvas.setFillColor("black")
    canvas.drawPath(path, stroke=0, fill=1)
    canvas.restoreState()


def serial_pattern() -> re.Pattern:
    """How a serial appears in a notice's text: 公示编号 20261122-7K3Q9M."""
    return re.compile(r"公示编号\s*([0-9]{8}-[0-9A-Z]{6})")
