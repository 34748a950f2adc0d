"""`main.py selftest`: the window opens offscreen, the font loads and draws
Chinese, a scratch database works, and a PDF embeds the bundled font."""

from __future__ import annotations

from pathlib import Path


def check_pdf_font() -> tuple[bool, str]:
    """Draw Chinese with the bundled font into a PDF with reportlab; the font
    must be embedded."""
    import io

    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont
    from reportlab.pdfgen import canvas

    from models.core.paths import bundled_font_path

    if "SelftestHei" not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(TTFont("SelftestHei", str(bundled_font_path()), subfontIndex=0))
    buf = io.BytesIO()
    c = canvas.Canvas(buf)
    c.setFont("SelftestHei", 16)
    c.drawString(72, 720, "乡镇综合办公自检")
    c.save()
    data = buf.getvalue()
    ok = b"/FontFile2" in data
    from reports import fonts
    from reports.layout import NoticeDocument

    doc = NoticeDocument("自检公示")
    doc.title_block()
    doc.paragraph("一、标题", "h1")
    doc.paragraph("（一）正文李䶮张𠮷", "h2")
    pdf = doc.build()
    roles = "，".join(f"{r['label']} {r['font']}（{r['source']}）" for r in fonts.report())
    notice_ok = pdf.count(b"/FontFile2") >= 5
    ok &= notice_ok
    return ok, (f"PDF 字体嵌入：{'是' if ok else '否'}（{len(data)} 字节）；公示字体：{roles}；"
                f"生僻字补字：{'可用' if notice_ok else '缺失'}")


def run_selftest(db_path: Path) -> tuple[bool, list[str]]:
    from PySide6.QtGui import QFontMetrics, QFont

    from models.core import township

    from models.core import users
    from models.core.db import close_database, health_report, open_database
    from ui.app import ensure_app
    from ui.common.context import AppContext
    from ui.common.fonts import register_fonts
    from ui.main_window import MainWindow

    lines = []
    ok = True
    app = ensure_app()
    family = register_fonts(app)
    metrics = QFontMetrics(QFont(family))
    font_ok = bool(family) and all(metrics.inFontUcs4(ord(ch)) for ch in "乡镇领导班子便民服务考核")
    lines.append(f"界面字体：{family or '未加载'}，中文字形：{'完整' if font_ok else '缺失'}")
    ok &= font_ok
    from PySide6.QtCore import QCoreApplication

    ok_text = QCoreApplication.translate("QPlatformTheme", "OK")
    lines.append(f"Qt 中文翻译：{'已加载' if ok_text == '确定' else '未加载'}（“OK”→“{ok_text}”）")
    ok &= ok_text == "确定"

    db = open_database(db_path)
    admin = users.create_user(db, "selftest", "selftest-pw", users.ADMIN, "自检")
    township.set_identity(db, admin, name="自检镇", code="999999001")
    township.add_village(db, admin, "自检村", 10)
    report = health_report(db)
    lines.append(f"临时数据库：完整性 {report['integrity']}，结构版本 {report['schema_version']}")
    ok &= report["integrity"] == "ok"
    # The compressed backup of a county file (zstandard, a compiled module the build must carry).
    from models.core.db import backup_database, verify_backup

    packed = backup_database(db, dest=db_path.with_name(db_path.stem + "-selftest.db.zst"))
    verified = verify_backup(packed)
    lines.append(f"压缩备份：{'可以恢复' if verified == 'ok' else verified}（{packed.stat().st_size} 字节）")
    ok &= verified == "ok"

    window = MainWindow(AppContext(db, db_path, admin))
    window.show()
    for i in range(window.tabs.count()):
        window.tabs.setCurrentIndex(i)
        app.processEvents()
    lines.append("主窗口：" + "、".join(window.tab_titles()))
    ok &= window.tab_titles()[:3] == ["领导班子", "便民服务", "考核"]
    window.close_without_saving_state()
    app.processEvents()
    close_database(db)

    pdf_ok, pdf_line = check_pdf_font()
    lines.append(pdf_line)
    ok &= pdf_ok
    return ok, lines
