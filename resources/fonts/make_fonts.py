"""Rebuild the bundled notice fonts from Debian's packages (run by hand, not at start-up).

reportlab embeds only TrueType (glyf) outlines, and the free 仿宋/宋/楷 faces that
cover GB 2312 and the 通用规范汉字表 (Fandol, texlive-lang-chinese) are CFF
OpenType, so their outlines are converted to quadratic curves here. The rare-
character fallbacks (Hanazono A/B, BabelStone Han) are cut down to the characters
that the role fonts before them lack, to keep the program folder small.

    apt-get download texlive-lang-chinese fonts-hanazono fonts-babelstone-han
    for f in *.deb; do dpkg-deb -x "$f" x; done
    python resources/fonts/make_fonts.py x resources/fonts

Needs fontTools (requirements-dev.txt).
"""

from __future__ import annotations

import sys
from pathlib import Path

from fontTools import subset
from fontTools.pens.cu2quPen import Cu2QuPen
from fontTools.pens.ttGlyphPen import TTGlyphPen
from fontTools.ttLib import TTFont, newTable

FANDOL = "usr/share/texlive/texmf-dist/fonts/opentype/public/fandol"
# output file -> source (relative to the unpacked packages)
CONVERTED = {
    "FandolFang-Regular.ttf": f"{FANDOL}/FandolFang-Regular.otf",
    "FandolSong-Bold.ttf": f"{FANDOL}/FandolSong-Bold.otf",
    "FandolSong-Regular.ttf": f"{FANDOL}/FandolSong-Regular.otf",
    "FandolKai-Regular.ttf": f"{FANDOL}/FandolKai-Regular.otf",
}
FALLBACKS = [  # in chain order; each keeps only what the fonts before it lack
    ("HanaMinA-rare.ttf", "usr/share/fonts/truetype/hanazono/HanaMinA.ttf"),
    ("HanaMinB.ttf", "usr/share/fonts/truetype/hanazono/HanaMinB.ttf"),
    ("BabelStoneHan-rare.ttf", "usr/share/fonts/truetype/babelstone/BabelStoneHan.ttf"),
]


def cff_to_truetype(font: TTFont, max_err: float = 1.0) -> TTFont:
    """Replace the CFF table by glyf/loca with quadratic outlines."""
    order = font.getGlyphOrder()
    glyph_set = font.getGlyphSet()
    glyf = newTable("glyf")
    glyf.glyphOrder = order
    glyf.glyphs = {}
    for name in order:
        pen = TTGlyphPen(glyph_set)
        glyph_set[name].draw(Cu2QuPen(pen, max_err, reverse_direction=True))
        glyf.glyphs[name] = pen.glyph()
    font["loca"] = newTable("loca")
    font["glyf"] = glyf
    for tag in ("CFF ", "VORG"):
        if tag in font:
            del font[tag]
    maxp = font["maxp"]
    maxp.tableVersion = 0x00010000
    for attr in ("maxZones", "maxTwilightPoints", "maxStorage", "maxFunctionDefs", "maxInstructionDefs",
                 "maxStackElements", "maxSizeOfInstructions", "maxComponentElements"):
        setattr(maxp, attr, 0)
    maxp.maxZones = 1
    maxp.maxComponentDepth = 0
    font["head"].glyphDataFormat = 0
    post = font["post"]
    post.formatType = 3.0  # CID-keyed sources have no useful glyph names
    font.sfntVersion = "\x00\x01\x00\x00"
    return font


def cut_down(source: Path, target: Path, drop: set[int]) -> set[int]:
    font = TTFont(source)
    keep = set(font.getBestCmap()) - drop
    options = subset.Options()
    options.layout_features = []
    options.name_IDs = ["*"]
    options.notdef_outline = True
    sub = subset.Subsetter(options)
    sub.populate(unicodes=sorted(keep))
    sub.subset(font)
    font.save(target)
    return keep


def main(packages: str, out: str) -> None:
    root, out_dir = Path(packages), Path(out)
    covered: set[int] = set()
    for name, rel in CONVERTED.items():
        font = cff_to_truetype(TTFont(root / rel))
        font.save(out_dir / name)
        covered |= set(font.getBestCmap())
        print(name, (out_dir / name).stat().st_size)
    covered |= set(TTFont(out_dir / "wqy-microhei.ttc", fontNumber=0).getBestCmap())
    for name, rel in FALLBACKS:
        covered |= cut_down(root / rel, out_dir / name, covered)
        print(name, (out_dir / name).stat().st_size)


if __name__ == "__main__":
    main(*sys.argv[1:3])
