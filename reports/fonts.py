"""Chinese TrueType fonts for notices, registered with reportlab once per process.

Roles follow GB/T 9704-2012: the title in 小标宋, the body in 仿宋, headings 一、
in 黑体 and （一） in 楷体, page numbers in 宋体. On Windows the system fonts
are preferred when present (方正小标宋简体 / 华文中宋, 仿宋_GB2312 / 仿宋, 黑体,
楷体_GB2312 / 楷体, 宋体); everywhere else, and for any role whose system font
is missing or unusable, the bundled free fonts (resources/fonts/, licences
beside them), so a notice prints the same on every PC.

No character is lost: a character the role's font lacks is drawn from the
fallback chain (Hanazono A/B, BabelStone Han: CJK Extensions A-G), and one that
no font has raises MissingGlyph naming it, so the notice is refused instead of
printed with a gap. reportlab embeds TrueType fonts as subsets, so the PDF
carries only the glyphs it uses.
"""

from __future__ import annotations

import os
import sys
import threading
from dataclasses import dataclass
from pathlib import Path

from models.core.errors import AppError
from models.core.paths import resource_path

TITLE, FANGSONG, SONG, HEI, KAI = "xiaobiaosong", "fangsong", "song", "hei", "kai"
ROLES = (TITLE, FANGSONG, SONG, HEI, KAI)
ROLE_LABELS = {
    TITLE: "标题（小标宋）", FANGSONG: "正文（仿宋）", HEI: "一级标题“一、”（黑体）",
    KAI: "二级标题“（一）”（楷体）", SONG: "页码（宋体）",
}

# role -> Windows font files in order of preference: (file name, subfont index, label)
WINDOWS_FONTS = {
    TITLE: [("FZXBSJW.TTF", 0, "方正小标宋简体"), ("方正小标宋简体.ttf", 0, "方正小标宋简体"),
            ("FZXBSK.TTF", 0, "方正小标宋_GBK"), ("STZHONGS.TTF", 0, "华文中宋")],
    FANGSONG: [("仿宋_GB2312.ttf", 0, "仿宋_GB2312"), ("FS_GB2312.TTF", 0, "仿宋_GB2312"),
               ("SIMFANG.TTF", 0, "仿宋")],
    HEI: [("SIMHEI.TTF", 0, "黑体")],
    KAI: [("楷体_GB2312.ttf", 0, "楷体_GB2312"), ("KAI_GB2312.TTF", 0, "楷体_GB2312"), ("SIMKAI.TTF", 0, "楷体")],
    SONG: [("SIMSUN.TTC", 0, "宋体")],
}
# role -> bundled file (resources/fonts), subfont index, label
BUNDLED_FONTS = {
    TITLE: ("FandolSong-Bold.ttf", 0, "Fandol 宋体粗（代小标宋）"),
    FANGSONG: ("FandolFang-Regular.ttf", 0, "Fandol 仿宋"),
    HEI: ("wqy-microhei.ttc", 0, "文泉驿微米黑"),
    KAI: ("FandolKai-Regular.ttf", 0, "Fandol 楷体"),
    SONG: ("FandolSong-Regular.ttf", 0, "Fandol 宋体"),
}
# tried in order for a character the role's font lacks
FALLBACK_FONTS = [
    ("HanaMinA-rare.ttf", "花园明朝 A（扩展 A、兼容汉字）"),
    ("HanaMinB.ttf", "花园明朝 B（扩展 B-F）"),
    ("BabelStoneHan-rare.ttf", "BabelStone Han（扩展 G 等）"),
]
# invisible characters that need no glyph (zero-width spaces and joiners, BOM, variation selectors)
INVISIBLE = frozenset([0x200B, 0x200C, 0x200D, 0x2060, 0xFEFF, *range(0xFE00, 0xFE10), *range(0xE0100, 0xE01F0)])


class MissingGlyph(AppError):
    """A character that no bundled or system font can draw."""

    def __init__(self, char: str, context: str = ""):
        self.char = char
        snippet = context.strip().replace("\n", " ")
        if len(snippet) > 30:
            at = max(0, snippet.find(char) - 12)
            snippet = ("…" if at else "") + snippet[at:at + 28] + "…"
        where = f"（出现在“{snippet}”中）" if snippet else ""
        super().__init__(f"字符“{char}”（U+{ord(char):04X}）在所有字体中都没有{where}，公示不能打印，以免缺字。"
                         "请核对该记录：如是生僻字，可改用通用规范汉字或在其后加注拼音；"
                         "如是表情符号等非文字字符，请删去后重试。")


@dataclass(frozen=True)
class RoleFont:
    """Which font a role uses: reportlab name, label, file and where it came from."""

    role: str
    name: str
    label: str
    path: str
    source: str  # "系统" or "内置"


def _to_unicode_cmap(fontname, subset):
    """reportlab's ToUnicode CMap with characters beyond U+FFFF written as
    UTF-16 surrogate pairs: reportlab 5.1 writes them as five hex digits,
    which readers reject, so 𠮷 (U+20BB7) would print but not come back from
    the PDF's text (search, copy, check-notice)."""
    def utf16(code: int) -> str:
        return chr(code).encode("utf-16-be", "surrogatepass").hex().upper()

    lines = [
        "/CIDInit /ProcSet findresource begin", "12 dict begin", "begincmap", "/CIDSystemInfo",
        f"<< /Registry ({fontname})", f"/Ordering ({fontname})", "/Supplement 0", ">> def",
        f"/CMapName /{fontname} def", "/CMapType 2 def", "1 begincodespacerange",
        "<00> <%02X>" % (len(subset) - 1), "endcodespacerange", "%d beginbfchar" % len(subset),
    ] + ["<%02X> <%s>" % (i, utf16(v)) for i, v in enumerate(subset)] + [
        "endbfchar", "endcmap", "CMapName currentdict /CMap defineresource pop", "end", "end",
    ]
    return "\n".join(lines)


def _patch_reportlab() -> None:
    from reportlab.pdfbase import ttfonts

    ttfonts.makeToUnicodeCMap = _to_unicode_cmap


_patch_reportlab()

_lock = threading.Lock()
_registered: dict[str, RoleFont] | None = None
_fallbacks: list[str] | None = None
_covers_cache: dict[str, object] = {}


def windows_font_dirs() -> list[Path]:
    """C:\\Windows\\Fonts and the user's own font folder on Windows, else []."""
    if sys.platform != "win32":
        return []
    dirs = [Path(os.environ.get("WINDIR", r"C:\Windows")) / "Fonts"]
    local = os.environ.get("LOCALAPPDATA")
    if local:
        dirs.append(Path(local) / "Microsoft" / "Windows" / "Fonts")
    return dirs


def _find(font_dirs: list[Path], filename: str) -> Path | None:
    for d in font_dirs:
        for candidate in (d / filename, d / filename.lower(), d / filename.upper()):
            if candidate.is_file():
                return candidate
    return None


def _register(name: str, path: Path, index: int) -> None:
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont

    if name not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(TTFont(name, str(path), subfontIndex=index))


def register_fonts(font_dir: Path | None = None) -> dict[str, str]:
    """Register the role fonts with reportlab (once per process) and return
    role -> reportlab font name. `font_dir` stands in for the Windows font
    folder (tests); pass nothing in normal use."""
    return {role: f.name for role, f in role_fonts(font_dir).items()}


def role_fonts(font_dir: Path | None = None) -> dict[str, RoleFont]:
    """role -> RoleFont, registering them on first use."""
    global _registered
    if _registered is not None and font_dir is None:
        return _registered
    from reportlab.pdfbase.ttfonts import TTFError

    with _lock:
        if _registered is not None and font_dir is None:
            return _registered
        dirs = [font_dir] if font_dir is not None else windows_font_dirs()
        chosen: dict[str, RoleFont] = {}
        for role in ROLES:
            for filename, index, label in WINDOWS_FONTS[role]:
                path = _find(dirs, filename)
                if path is None:
                    continue
                name = f"Notice-{role}-{path.stem}"
                try:
                    _register(name, path, index)
                except (TTFError, OSError, ValueError, KeyError, IndexError, AssertionError):
                    # CFF-only, restricted or damaged system font: try the next one, then the bundled font
                    continue
                chosen[role] = RoleFont(role, name, label, str(path), "系统")
                break
            if role not in chosen:
                filename, index, label = BUNDLED_FONTS[role]
                path = resource_path("fonts", filename)
                name = f"Notice-{role}-bundled"
                _register(name, path, index)
                chosen[role] = RoleFont(role, name, label, str(path), "内置")
        if font_dir is None:
            _registered = chosen
        return chosen


def font(role: str) -> str:
    """The reportlab font name for a role (xiaobiaosong, fangsong, song, hei, kai)."""
    return role_fonts()[role].name


def fallback_fonts() -> list[str]:
    """The fallback chain's reportlab names, registered on first need (they are
    large, and most notices never need them)."""
    global _fallbacks
    if _fallbacks is None:
        with _lock:
            if _fallbacks is None:
                names = []
                for filename, _label in FALLBACK_FONTS:
                    name = f"Notice-fallback-{Path(filename).stem}"
                    _register(name, resource_path("fonts", filename), 0)
                    names.append(name)
                _fallbacks = names
    return _fallbacks


def _cmap(font_name: str):
    table = _covers_cache.get(font_name)
    if table is None:
        from reportlab.pdfbase import pdfmetrics

        table = _covers_cache[font_name] = pdfmetrics.getFont(font_name).face.charToGlyph
    return table


def covers(font_name: str, char: str) -> bool:
    """Whether the font has a glyph for the character."""
    return ord(char) in _cmap(font_name)


def fallback_for(char: str, context: str = "") -> str | None:
    """The first fallback font that has `char`; None for an invisible
    character that needs no glyph. Raises MissingGlyph."""
    code = ord(char)
    if code in INVISIBLE:
        return None
    for name in fallback_fonts():
        if code in _cmap(name):
            return name
    raise MissingGlyph(char, context)


def font_for(char: str, font_name: str, context: str = "") -> str | None:
    """The font to draw `char` with when the text's font is `font_name`: that
    font when it has the glyph, else the first fallback that has it; None for
    an invisible character. Raises MissingGlyph."""
    if ord(char) in _cmap(font_name):
        return font_name
    return fallback_for(char, context)


def runs(text: str, font_name: str, context: str = "") -> list[tuple[str, str]]:
    """Split text into (font name, text) runs so that every character is drawn
    by a font that has it; invisible characters are dropped. `context` (the
    whole paragraph) is quoted when a character cannot be drawn."""
    out: list[tuple[str, str]] = []
    cmap = _cmap(font_name)
    for ch in text:
        name = font_name if ord(ch) in cmap else font_for(ch, font_name, context or text)
        if name is None:
            continue
        if out and out[-1][0] == name:
            out[-1] = (name, out[-1][1] + ch)
        else:
            out.append((name, ch))
    return out


def check_text(text: str, font_name: str | None = None) -> None:
    """Raise MissingGlyph when some character of text cannot be drawn."""
    runs(text, font_name or font(FANGSONG))


def report() -> list[dict]:
    """For the settings page and `selftest`: each role's font and its source."""
    return [{"role": r.role, "label": ROLE_LABELS[r.role], "font": r.label, "source": r.source, "path": r.path}
            for r in role_fonts().values()]
