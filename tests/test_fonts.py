"""The bundled Chinese font: registered with Qt and embedded in PDFs."""

import io

from pypdf import PdfReader


def test_pdf_embeds_bundled_font_and_text_reads_back():
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont
    from reportlab.pdfgen import canvas

    from models.core.paths import bundled_font_path

    if "TestHei" not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(TTFont("TestHei", str(bundled_font_path()), subfontIndex=0))
    buf = io.BytesIO()
    c = canvas.Canvas(buf)
    c.setFont("TestHei", 16)
    c.drawString(72, 720, "领导班子分工公示")
    c.save()
    reader = PdfReader(io.BytesIO(buf.getvalue()))
    assert "领导班子分工公示" in reader.pages[0].extract_text()
    raw = buf.getvalue()
    assert b"/FontFile2" in raw, "TrueType font program embedded"
    assert b"WenQuanYi" in raw or b"TestHei" in raw


def test_qt_uses_bundled_font(qapp):
    from PySide6.QtGui import QFont, QFontMetrics

    from ui.common.fonts import register_fonts

    family = register_fonts(qapp)
    assert family == "WenQuanYi Micro Hei"
    metrics = QFontMetrics(QFont(family))
    assert all(metrics.inFontUcs4(ord(c)) for c in "便民服务中心考核公示")
    assert qapp.font().family() == family
