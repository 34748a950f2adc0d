"""The bundled fonts: one per GB/T 9704 role, licences beside them, coverage
of the common characters and of the CJK extensions through the fallback
chain, Windows system fonts preferred when present, and Qt's UI font."""

import io
import shutil

import pytest
from pypdf import PdfReader

from models.core.paths import resource_path
from reports import fonts

# rare characters of the 通用规范汉字表 (Extension A and beyond) and common name characters
TABLE_RARE = "䶮𠮷㧐㧟䏝㤘䥽𬉼𠳐𬣙𬇕𬣞𬘓𫭟𫭢𫇭𫐄𫵷𣲘𣲗𬇙𬣡𫸩𨚕𫘜𬘘𫘝𦭜𬨂𬀩𬀪𬬩𫍣𬣳𬩽𬮿𬯀𫰛𬳵𬳶𫠊𬍛鿍𬜬𦰡𪾢𪨰𫓧𬬮𬬱𬬭𦙶𬘡𬳽𬘩𫄧𪟝𬍤𫭼𬜯𬂩𫠆𨐈𬌗𫑡𪨶𬬸𬬻𬬹𬬿𬭁𫢸𫗧𬊈𬒈𨺙𬳿𫄨𬘫𫮃鿎𬱖𬟽𫓯𫟹𫟼𠅤𬇹𬍡𬤇𫍯𬤊𫍲𬯎𬘬𬘭𬴂𫘦𫟅𬘯𫘧𪣻𡎚𬃊𬷕𫐐𬹼𧿹𫶇𫖮鿏𬭊𨱇𫓶𬭎𫖯𬱟𫛭𫷷𬮱𬊤𣸣𬴃𫘨𤧛𬪩𬒔𬨎𫐓𫫇𫓹𬭚𬭛𬕂𬶋𬶍𦝼𫔶𫌀𫖳𫘪𫘬𫞩𡐓𪤗𣗋𬸘𬒗𥔲𫚖𨱏𬭤𫚕𬶐𬶏𩽾𬸚𬤝𬙂𬭩𩾃𬸣𫍽𬴊𬞟𥕢𫟦𬺈𫠜𪩘𬭬𨱑𬭯𫗴𬸦𫄷𤩽𬭳𬭶𫔍𬭸𨱔𬭼𫔎𬸪𬶟𬶠𬶨𦈡𫄸𬟁𥖨𦒍𬙊𬶭𩾌𨟠𬶮𨭉𬙋𤫉𬺓𫚭"
GB2312_HANZI = [chr(c) for c in range(0x4E00, 0xA000) if len(chr(c).encode("gb2312", "ignore")) == 2]
PUNCTUATION = "，。、；：？！“”‘’（）《》【】—…·％０１２３４５６７８９0123456789ABCXYZabcxyz-—"


def test_each_role_has_its_own_bundled_face_with_licence_beside_it():
    folder = resource_path("fonts")
    files = {spec[0] for spec in fonts.BUNDLED_FONTS.values()} | {f for f, _ in fonts.FALLBACK_FONTS}
    for name in files:
        assert (folder / name).is_file(), name
    licences = {p.name for p in folder.iterdir() if "LICENSE" in p.name or "COPYRIGHT" in p.name}
    assert {"LICENSE_GPL3_Fandol.txt", "LICENSE_Apache2.txt", "Hanazono.COPYRIGHT.txt",
            "BabelStoneHan.COPYRIGHT.txt"} <= licences
    assert "font exception" in (folder / "LICENSE_GPL3_Fandol.txt").read_text(encoding="utf-8").lower() or \
        "special exception" in (folder / "LICENSE_GPL3_Fandol.txt").read_text(encoding="utf-8")
    assert len({spec[0] for spec in fonts.BUNDLED_FONTS.values()}) == len(fonts.ROLES)
    total = sum((folder / name).stat().st_size for name in files)
    assert total < 90 * 1024 * 1024, f"bundled fonts {total / 2**20:.0f} MB"


@pytest.mark.parametrize("role", fonts.ROLES)
def test_role_fonts_cover_gb2312_and_the_punctuation(role):
    name = fonts.font(role)
    missing = [c for c in GB2312_HANZI + list(PUNCTUATION) if not fonts.covers(name, c)]
    assert missing == [], "".join(missing[:40])


def test_fallback_chain_covers_the_tables_rare_characters_and_extensions_a_to_f():
    chain = fonts.fallback_fonts()
    for ch in TABLE_RARE:
        assert fonts.font_for(ch, fonts.font(fonts.FANGSONG)), ch
    blocks = {"A": (0x3400, 0x4DB5), "B": (0x20000, 0x2A6D6), "C": (0x2A700, 0x2B734), "D": (0x2B740, 0x2B81D),
              "E": (0x2B820, 0x2CEA1), "F": (0x2CEB0, 0x2EBE0)}
    for block, (first, last) in blocks.items():
        missing = [c for c in range(first, last + 1)
                   if not any(fonts.covers(n, chr(c)) for n in [fonts.font(fonts.FANGSONG)] + chain)]
        assert len(missing) <= 12, f"Extension {block}: {len(missing)} missing, e.g. {[hex(c) for c in missing[:5]]}"
    # Extension G (2020): BabelStone Han has the characters of names and places added so far
    g = [c for c in range(0x30000, 0x3134B) if any(fonts.covers(n, chr(c)) for n in chain)]
    assert len(g) > 3000


def test_windows_system_fonts_preferred_per_role(tmp_path):
    bundled = resource_path("fonts")
    # stand-ins named like the Windows files: 仿宋 and 方正小标宋 present, 楷体 damaged, the rest absent
    shutil.copy(bundled / "FandolFang-Regular.ttf", tmp_path / "SIMFANG.TTF")
    shutil.copy(bundled / "FandolSong-Bold.ttf", tmp_path / "FZXBSJW.TTF")
    (tmp_path / "SIMKAI.TTF").write_bytes(b"not a font")
    chosen = fonts.role_fonts(tmp_path)
    assert chosen[fonts.FANGSONG].source == "系统" and chosen[fonts.FANGSONG].label == "仿宋"
    assert chosen[fonts.TITLE].source == "系统" and chosen[fonts.TITLE].label == "方正小标宋简体"
    assert chosen[fonts.KAI].source == "内置"  # the damaged file is passed over
    assert chosen[fonts.HEI].source == "内置" and chosen[fonts.SONG].source == "内置"


def test_font_report_names_every_role():
    report = fonts.report()
    assert [r["role"] for r in report] == list(fonts.ROLES)
    assert all(r["font"] and r["source"] in ("系统", "内置") for r in report)
    assert any("仿宋" in r["label"] for r in report)


def test_pdf_embeds_the_role_fonts_and_text_reads_back():
    from reportlab.pdfgen import canvas

    buf = io.BytesIO()
    c = canvas.Canvas(buf)
    for i, role in enumerate(fonts.ROLES):
        c.setFont(fonts.font(role), 16)
        c.drawString(72, 720 - 30 * i, "领导班子分工公示")
    c.save()
    raw = buf.getvalue()
    text = PdfReader(io.BytesIO(raw)).pages[0].extract_text()
    assert text.count("领导班子分工公示") == len(fonts.ROLES)
    assert raw.count(b"/FontFile2") == len(fonts.ROLES)


def test_missing_glyph_message_names_the_character():
    with pytest.raises(fonts.MissingGlyph) as caught:
        fonts.check_text("张三\U0001FAE0", fonts.font(fonts.FANGSONG))
    assert "U+1FAE0" in caught.value.message and "张三" in caught.value.message


def test_qt_uses_bundled_font(qapp):
    from PySide6.QtGui import QFont, QFontMetrics

    from ui.common.fonts import register_fonts

    family = register_fonts(qapp)
    assert family == "WenQuanYi Micro Hei"
    metrics = QFontMetrics(QFont(family))
    assert all(metrics.inFontUcs4(ord(c)) for c in "便民服务中心考核公示")
    assert qapp.font().family() == family


def test_settings_page_lists_the_notice_fonts(qtbot, tmp_path):
    from models.core import users
    from models.core.db import close_database, open_database
    from ui.common.context import AppContext
    from ui.core.settings_dialog import SettingsDialog

    db = open_database(tmp_path / "fonts.db")
    admin = users.create_user(db, "admin", "secret123", users.ADMIN, "管理员")
    try:
        dialog = SettingsDialog(AppContext(db, db.path, admin), None)
        qtbot.addWidget(dialog)
        tabs = [dialog.pages.tabText(i) for i in range(dialog.pages.count())]
        assert "公示字体" in tabs
        table = dialog.font_table
        cells = [[table.item(r, c).text() for c in range(table.columnCount())] for r in range(table.rowCount())]
        assert any(row[0] == "正文（仿宋）" and row[1] and row[2] in ("系统", "内置") for row in cells)
        assert sum(row[0] == "生僻字补字" for row in cells) == len(fonts.FALLBACK_FONTS)
    finally:
        close_database(db)
