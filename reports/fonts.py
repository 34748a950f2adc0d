"""Chinese TrueType fonts for notices, registered with reportlab once per process.

Roles follow GB/T 9704-2012: body in 仿宋, title in 小标宋 (宋体 here), headings
一、 in 黑体 and （一） in 楷体, page numbers in 宋体. On Windows the system fonts
are used when present; everywhere else (and for any missing role) the bundled
WenQuanYi Micro Hei, so a notice prints the same on every PC. reportlab embeds
TrueType fonts as subsets, so the PDF carries only the glyphs it uses.
"""

from __future__ import annotations

import os
import sys
import threading
from pathlib import Path

from models.core.paths import bundled_font_path

FANGSONG, SONG, HEI, KAI = "fangsong", "song", "hei", "kai"
ROLES = (FANGSONG, SONG, HEI, KAI)

# role -> (file name in C:\Windows\Fonts, subfont index for .ttc)
WINDOWS_FONTS = {
    FANGSONG: ("simfang.ttf", 0),
    SONG: ("simsun.ttc", 0),
    HEI: ("simhei.ttf", 0),
    KAI: ("simkai.ttf", 0),
}
BUNDLED_NAME = "NoticeBundled"

_lock = threading.Lock()
_registered: dict[str, str] | None = None


def windows_font_dir() -> Path | None:
    """C:\\Windows\\Fonts on Windows, else None."""
    if sys.platform != "win32":
        return None
    return Path(os.environ.get("WINDIR", r"C:\Windows")) / "Fonts"


def _candidate_files(font_dir: Path | None) -> dict[str, tuple[Path, int]]:
    found: dict[str, tuple[Path, int]] = {}
    if font_dir is None:
        return found
    for role, (filename, index) in WINDOWS_FONTS.items():
        path = font_dir / filename
        if path.is_file():
            found[role] = (path, index)
    return found


def register_fonts(font_dir: Path | None = None) -> dict[str, str]:
    """Register the notice fonts with reportlab (once per process) and return
    role -> reportlab font name. `font_dir` overrides the Windows font folder
    (used by tests); pass nothing in normal use."""
    global _registered
    if _registered is not None and font_dir is None:
        return _registered
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont

    with _lock:
        if _registered is not None and font_dir is None:
            return _registered
        names: dict[str, str] = {}
        registered = set(pdfmetrics.getRegisteredFontNames())
        for role, (path, index) in _candidate_files(font_dir or windows_font_dir()).items():
            name = f"Notice-{role}-{path.stem}"
            try:
                if name not in registered:
                    pdfmetrics.registerFont(TTFont(name, str(path), subfontIndex=index))
                names[role] = name
            except Exception:  # noqa: BLE001 - a broken system font falls back to the bundled one
                continue
        if any(role not in names for role in ROLES):
            if BUNDLED_NAME not in registered:
                pdfmetrics.registerFont(TTFont(BUNDLED_NAME, str(bundled_font_path()), subfontIndex=0))
            for role in ROLES:
                names.setdefault(role, BUNDLED_NAME)
        if font_dir is None:
            _registered = names
        return names


def font(role: str) -> str:
    """The reportlab font name for a role (fangsong, song, hei, kai)."""
    return register_fonts()[role]
