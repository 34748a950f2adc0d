"""Regenerate the 使用说明's screenshots and its PDF from the program itself, so they stay current.

    python -m tools.make_guide          # resources/guide/shots/*.png and resources/guide/使用说明.pdf

Runs offscreen (no display needed) on a fresh demo township in a scratch folder; every picture is
taken at 1366×768, the common screen of township PCs.
"""

from __future__ import annotations

import os
import re
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
GUIDE = ROOT / "resources" / "guide"
SHOTS = GUIDE / "shots"
SCREEN = (1366, 768)
IMAGE_WIDTH = 470  # points: the text block of A4 with 18 mm margins


def _settle(app, rounds: int = 20) -> None:
    for _ in range(rounds):
        app.processEvents()


def _save(widget, name: str, app) -> Path:
    _settle(app)
    path = SHOTS / f"{name}.png"
    if not widget.grab().save(str(path)):
        raise RuntimeError(f"截图未能保存：{path}")
    return path


def take_screenshots(work: Path) -> list[Path]:
    from models.core import users
    from models.core.db import close_database, open_database
    from models.demo.township import DemoOptions, build_demo_file
    from models.startup import start
    from ui.app import ensure_app
    from ui.common.context import AppContext
    from ui.core.login import FirstRunDialog
    from ui.core.settings_dialog import SettingsDialog
    from ui.main_window import MainWindow

    start()
    app = ensure_app()
    SHOTS.mkdir(parents=True, exist_ok=True)
    shots = []

    empty = open_database(work / "new.db")
    first = FirstRunDialog(empty)
    first.township_name.setText("青石镇")
    first.township_code.setText("330106001")
    first.county.setText("临安区")
    first.show()
    shots.append(_save(first, "01_first_run", app))
    first.close()
    close_database(empty)

    demo_path = work / "demo.db"
    build_demo_file(demo_path, DemoOptions(tickets=600))
    db = open_database(demo_path)
    admin = users.Actor("admin", users.ADMIN, "管理员")
    window_staff = users.Actor("window", users.WINDOW, "窗口工作人员")

    settings_dialog = SettingsDialog(AppContext(db, demo_path, admin), None, 3)
    settings_dialog.show()
    shots.append(_save(settings_dialog, "02_users", app))
    settings_dialog.close()

    window = MainWindow(AppContext(db, demo_path, admin))
    window.resize(*SCREEN)
    window.show()
    window.tabs.setCurrentIndex(window.tab_titles().index("领导班子"))
    shots.append(_save(window, "03_roster", app))
    service = window.tab_content("便民服务")
    window.tabs.setCurrentIndex(window.tab_titles().index("便民服务"))
    service.pages.setCurrentWidget(service.calendar_page)
    shots.append(_save(window, "04_calendar", app))
    window.close_without_saving_state()

    desk = MainWindow(AppContext(db, demo_path, window_staff))
    desk.resize(*SCREEN)
    desk.show()
    _settle(app)
    service = desk.tab_content("便民服务")
    service.show_intake()
    form = service.intake
    form.name.setText("王秀英")
    form.phone.setText("13912345678")
    item = next(iter(form._items.items()))
    for label, it in form._items.items():
        if it["time_limit_days"] >= 5:
            item = (label, it)
            break
    form._set_item(item[1], item[0])
    form.request.setText("申请办理，材料已带齐")
    shots.append(_save(desk, "05_intake", app))
    service.pages.setCurrentWidget(service.list_page)
    shots.append(_save(desk, "06_ledger", app))
    desk.close_without_saving_state()

    window = MainWindow(AppContext(db, demo_path, admin))
    window.resize(*SCREEN)
    window.show()
    window.tabs.setCurrentIndex(window.tab_titles().index("考核"))
    assess_tab = window.tab_content("考核")
    assess_tab.pages.setCurrentWidget(assess_tab.results_page)
    shots.append(_save(window, "07_assess", app))
    window.close_without_saving_state()

    from ui.handoff.dialogs import ExportPackageDialog

    export = ExportPackageDialog(AppContext(db, demo_path, admin), None)
    export.show()
    shots.append(_save(export, "08_export", app))
    export.close()
    close_database(db)
    return shots


def write_pdf() -> Path:
    """The guide as an A4 PDF beside it (shipped in the build for printing)."""
    from PySide6.QtCore import QMarginsF, QUrl
    from PySide6.QtGui import QImage, QPageLayout, QPageSize, QTextDocument
    from PySide6.QtPrintSupport import QPrinter

    from ui.app import ensure_app

    ensure_app()
    source = GUIDE / "使用说明.md"
    document = QTextDocument()
    document.setMarkdown(source.read_text(encoding="utf-8"))
    # Screenshots at the width of the text block; each image is handed to the document itself.
    # Every screenshot at one scale: a full 1366-pixel window spans the text block, a dialog keeps its size.
    images = {}
    for name in re.findall(r'<img src="([^"]+)"', document.toHtml()):
        image = QImage(str(GUIDE / name))
        if image.isNull():
            raise RuntimeError(f"使用说明引用的截图不存在：{GUIDE / name}（先运行截图）")
        images[name] = image
        document.addResource(QTextDocument.ImageResource, QUrl(name), image)
    scale = IMAGE_WIDTH / SCREEN[0]
    html = re.sub(r'<img src="([^"]+)"',
                  lambda m: f'<img src="{m.group(1)}" width="{round(images[m.group(1)].width() * scale)}"',
                  document.toHtml())
    document.setHtml(html)
    printer = QPrinter(QPrinter.HighResolution)
    printer.setOutputFormat(QPrinter.PdfFormat)
    out = GUIDE / "使用说明.pdf"
    printer.setOutputFileName(str(out))
    printer.setPageLayout(QPageLayout(QPageSize(QPageSize.A4), QPageLayout.Portrait, QMarginsF(18, 18, 18, 18),
                                      QPageLayout.Millimeter))
    document.print_(printer)
    return out


def main() -> int:
    with tempfile.TemporaryDirectory(prefix="guide-") as work:
        shots = take_screenshots(Path(work))
    pdf = write_pdf()
    for path in shots + [pdf]:
        print(f"{path.relative_to(ROOT)}  {path.stat().st_size // 1024} KB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
