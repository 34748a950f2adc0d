"""Preview, print and save a notice PDF.

PySide6-Essentials has no QtPdf, so pages are rendered with pypdfium2 into
QImages: on screen lazily (only the pages scrolled into view), and for the
printer one page at a time at the printer's resolution (capped at 200 dpi),
drawn through QPainter on a QPrinter chosen in QPrintDialog. The pages,
copies and paper chosen there are kept; a paper other than the notice's is
named before printing (the page is then scaled to fit it).
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QSizeF, Qt, QTimer
from PySide6.QtGui import QImage, QPageLayout, QPageSize, QPainter
from PySide6.QtPrintSupport import QAbstractPrintDialog, QPrintDialog, QPrinter
from PySide6.QtWidgets import (
    QDialog,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QApplication,
    QMessageBox,
    QProgressDialog,
    QPushButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from models.core.errors import AppError
from ui.common.files import start_in
from ui.common.screen import fit_on_screen

SCREEN_DPI = 96
# The printer's own resolution, capped: 600 dpi is what office lasers print;
# above that, and past PRINT_PIXEL_BUDGET pixels a page (A3 at 600 dpi is 70 Mpx),
# the resolution is lowered so one page's bitmap stays near 40 MB.
MAX_PRINT_DPI = 600
PRINT_PIXEL_BUDGET = 40_000_000
# Below this the page is sent as greyscale (smooth edges at low resolution);
# at or above it as 1-bit, which is lossless, small, and what the printer does anyway.
MONO_FROM_DPI = 300

# The papers a notice is laid out on (registry: a4, a4-landscape, a3).
PAPER_NAMES = {QPageSize.A4: "A4", QPageSize.A3: "A3"}


class PrintCancelled(Exception):
    """The user pressed 取消 while pages were being sent to the printer."""


class PdfPages:
    """A PDF opened with pypdfium2; renders one page at a time to a QImage.
    Use from one thread only (pdfium is not thread-safe)."""

    def __init__(self, pdf: bytes):
        import pypdfium2

        self._pdf_bytes = pdf  # pdfium reads from this buffer; keep it alive
        self.doc = pypdfium2.PdfDocument(pdf)

    def __len__(self) -> int:
        return len(self.doc)

    def page_size_pt(self, index: int) -> tuple[float, float]:
        """Width and height of a page in points."""
        return tuple(self.doc[index].get_size())

    def render(self, index: int, dpi: float, grayscale: bool = False) -> QImage:
        """One page as an opaque QImage at `dpi` (grayscale for the printer:
        notices are all black, and a quarter of the data prints faster)."""
        page = self.doc[index]
        bitmap = page.render(scale=dpi / 72.0, prefer_bgrx=not grayscale, grayscale=grayscale,
                             may_draw_forms=False)
        width, height, stride = bitmap.width, bitmap.height, bitmap.stride
        buffer = bytes(bitmap.buffer)
        if grayscale:
            image = QImage(buffer, width, height, stride, QImage.Format_Grayscale8)
        elif stride // max(width, 1) >= 4:
            image = QImage(buffer, width, height, stride, QImage.Format_RGB32)
        else:
            image = QImage(buffer, width, height, stride, QImage.Format_BGR888)
        return image.copy()  # detach from the pdfium buffer

    def close(self) -> None:
        self.doc.close()


def paper_label(width_pt: float, height_pt: float) -> str:
    """'A4', 'A4 横向', 'A3'… for a page size in points; other sizes in mm."""
    size = QPageSize(QSizeF(min(width_pt, height_pt), max(width_pt, height_pt)), QPageSize.Unit.Point, "",
                     QPageSize.FuzzyMatch)
    name = PAPER_NAMES.get(size.id())
    if name is None:
        name = f"{round(min(width_pt, height_pt) / 72 * 25.4)}×{round(max(width_pt, height_pt) / 72 * 25.4)} mm"
    return name + (" 横向" if width_pt > height_pt + 1 else "")


def _same_paper(a: QSizeF, b: QSizeF) -> bool:
    """Same sheet whatever the orientation, within 2 mm (≈ 6 pt)."""
    small = sorted((a.width(), a.height())), sorted((b.width(), b.height()))
    return all(abs(x - y) <= 6 for x, y in zip(*small, strict=True))


def paper_mismatch(pdf: bytes, printer: QPrinter) -> str | None:
    """A Chinese warning when the paper chosen for `printer` is not the notice's
    (None when it is): the page will be scaled to the chosen sheet."""
    pages = PdfPages(pdf)
    try:
        if not len(pages):
            return None
        w, h = pages.page_size_pt(0)
    finally:
        pages.close()
    chosen = printer.pageLayout().pageSize()
    chosen_pt = chosen.size(QPageSize.Unit.Point)
    if _same_paper(QSizeF(w, h), chosen_pt):
        return None
    notice_paper = paper_label(w, h)
    printer_paper = PAPER_NAMES.get(chosen.id()) or paper_label(chosen_pt.width(), chosen_pt.height())
    bigger = chosen_pt.width() * chosen_pt.height() > w * h
    return (f"这份公示按 {notice_paper} 纸排版，打印机所选纸张是 {printer_paper}：打印时将按比例"
            f"{'放大' if bigger else '缩小'}到 {printer_paper} 纸上，字号和版式与公示标准不再一致。"
            f"要按原大小打印，请在打印对话框的“纸张”中选择 {notice_paper.split()[0]}。")


def selected_pages(printer: QPrinter, page_count: int, current_page: int = 0) -> list[int]:
    """0-based indexes of the pages chosen in the print dialog (all, a
    range 从…到…, or the page shown in the preview)."""
    mode = printer.printRange()
    if mode == QPrinter.PageRange:
        first, last = printer.fromPage(), printer.toPage() or page_count
        if first < 1 or first > page_count or last < first:
            raise AppError(f"打印页码范围 {first}–{last} 不对：这份公示共 {page_count} 页，"
                           f"请在打印对话框中输入 1 到 {page_count} 之间的页码。")
        return list(range(first - 1, min(last, page_count)))
    if mode == QPrinter.CurrentPage:
        return [min(max(current_page, 0), page_count - 1)]
    return list(range(page_count))


def print_dpi(printer: QPrinter, width_pt: float, height_pt: float) -> float:
    """The printer's resolution, capped at MAX_PRINT_DPI and at the pixel budget."""
    dpi = float(min(printer.resolution(), MAX_PRINT_DPI))
    pixels = (width_pt / 72 * dpi) * (height_pt / 72 * dpi)
    if pixels > PRINT_PIXEL_BUDGET:
        dpi *= (PRINT_PIXEL_BUDGET / pixels) ** 0.5
    return dpi


def print_pdf(pdf: bytes, printer: QPrinter, progress=None, current_page: int = 0) -> int:
    """Draw the chosen pages of `pdf` on `printer` at the printer's resolution,
    on the paper chosen for it (the page scaled to fit and centred; only the
    orientation follows the notice), as many copies as asked. Returns the
    number of sheets sent."""
    pages = PdfPages(pdf)
    try:
        if not len(pages):
            return 0
        chosen = selected_pages(printer, len(pages), current_page)
        w, h = pages.page_size_pt(chosen[0])
        printer.setFullPage(True)
        # Notices are black on white: grey keeps Qt's PDF output lossless (in
        # colour it stores page bitmaps as JPEG) and tells a driver no colour is needed.
        printer.setColorMode(QPrinter.GrayScale)
        printer.setPageOrientation(QPageLayout.Landscape if w > h else QPageLayout.Portrait)
        # Copies: a driver that makes them itself gets the count (QPrinter keeps
        # it); otherwise (PDF output, some CUPS queues) each copy is drawn here.
        copies = 1 if printer.supportsMultipleCopies() else max(printer.copyCount(), 1)
        if printer.collateCopies():
            order = [i for _ in range(copies) for i in chosen]
        else:
            order = [i for i in chosen for _ in range(copies)]
        painter = QPainter()
        if not painter.begin(printer):
            raise AppError("无法开始打印：打印机不可用或输出文件不能写入，请检查打印机后重试。")
        try:
            for n, i in enumerate(order):
                if n:
                    printer.newPage()
                pw, ph = pages.page_size_pt(i)
                dpi = print_dpi(printer, pw, ph)
                image = pages.render(i, dpi, grayscale=True)
                if dpi >= MONO_FROM_DPI:
                    image = _one_bit(image)
                target = painter.viewport()
                # Draw the image at its own resolution under a scale transform, so
                # the paint engine does not resample it to the device's resolution.
                factor = min(target.width() / image.width(), target.height() / image.height())
                painter.save()
                painter.translate(target.x() + (target.width() - image.width() * factor) / 2,
                                  target.y() + (target.height() - image.height() * factor) / 2)
                painter.scale(factor, factor)
                painter.drawImage(0, 0, image)
                painter.restore()
                if progress:
                    progress(n + 1, len(order))
        finally:
            painter.end()
        return len(order)
    finally:
        pages.close()


def _one_bit(image: QImage) -> QImage:
    """A greyscale page as a 1-bit image with the colour table black, white:
    Qt's paint engines (its PDF writer among them) only keep a 1-bit image as
    1-bit (lossless, small) when the table is in that order; Qt's own
    conversion gives white, black."""
    mono = image.convertToFormat(QImage.Format_Mono, Qt.ThresholdDither)
    if mono.colorTable() != [0xFF000000, 0xFFFFFFFF]:
        mono.invertPixels()
        mono.setColorTable([0xFF000000, 0xFFFFFFFF])
    return mono


class NoticePreviewDialog(QDialog):
    """Shows a generated notice page by page, with 打印 and 另存为 PDF."""

    def __init__(self, pdf: bytes, title: str = "公示预览", serial: str = "", suggested_name: str = "",
                 parent=None, publish=None):
        """`publish`, for a draft: called with a callback that takes the
        published notice; until then printing and saving are off (a draft
        carries no serial and must not be posted)."""
        super().__init__(parent)
        self._closed = False  # done() closed the PDF: queued renders must not touch it
        self.title = title
        self.publish = publish
        self.pdf = pdf
        self.serial = serial
        self.suggested_name = suggested_name or f"{title}.pdf"
        self.pages = PdfPages(pdf)
        self.zoom = 1.0
        self.setWindowTitle(f"{title}（公示编号 {serial}）" if serial else title)
        fit_on_screen(self, 900, 1000)

        toolbar = QHBoxLayout()
        self.print_button = QPushButton(self.tr("打印…"))
        self.save_button = QPushButton(self.tr("另存为 PDF…"))
        self.zoom_out = QPushButton(self.tr("缩小"))
        self.zoom_in = QPushButton(self.tr("放大"))
        self.info = QLabel(f"共 {len(self.pages)} 页")
        close_button = QPushButton(self.tr("关闭"))
        self.publish_button = QPushButton(self.tr("发布"))
        self.publish_button.setToolTip(self.tr("发布后公示获得公示编号和二维码，记入“已生成的公示”，才能打印张贴"))
        self.publish_button.setVisible(publish is not None)
        for b in (self.publish_button, self.print_button, self.save_button, self.zoom_out, self.zoom_in):
            toolbar.addWidget(b)
        toolbar.addStretch(1)
        toolbar.addWidget(self.info)
        toolbar.addWidget(close_button)

        self.scroll = QScrollArea()
        self.scroll.setWidgetResizable(True)
        self.scroll.setAlignment(Qt.AlignHCenter)
        self.scroll.setStyleSheet("QScrollArea { background: #8a8a8a; }")
        holder = QWidget()
        holder.setStyleSheet("background: #8a8a8a;")
        self.page_layout = QVBoxLayout(holder)
        self.page_layout.setSpacing(12)
        self.page_layout.setAlignment(Qt.AlignHCenter)
        self.labels: list[QLabel] = []
        for _ in range(len(self.pages)):
            label = QLabel()
            label.setAlignment(Qt.AlignCenter)
            label.setStyleSheet("background: white;")
            self.page_layout.addWidget(label, 0, Qt.AlignHCenter)
            self.labels.append(label)
        self.scroll.setWidget(holder)

        layout = QVBoxLayout(self)
        layout.addLayout(toolbar)
        layout.addWidget(self.scroll, 1)

        self.print_button.clicked.connect(self.print_notice)
        self.save_button.clicked.connect(self.save_as)
        self.publish_button.clicked.connect(self._publish_clicked)
        if publish is not None:
            self.print_button.setEnabled(False)
            self.save_button.setEnabled(False)
            self.info.setText(f"样稿，共 {len(self.pages)} 页：核对无误后点“发布”")
        self.zoom_in.clicked.connect(lambda: self.set_zoom(self.zoom * 1.25))
        self.zoom_out.clicked.connect(lambda: self.set_zoom(self.zoom / 1.25))
        close_button.clicked.connect(self.accept)
        self.scroll.verticalScrollBar().valueChanged.connect(lambda _: self._render_visible())
        self._rendered: set[int] = set()
        self.set_zoom(1.0)

    def _publish_clicked(self) -> None:
        self.publish_button.setEnabled(False)
        self.publish(self.show_published)

    def show_published(self, result) -> None:
        """Replace the draft by the published notice (serial, QR code)."""
        if self._closed:
            return  # closed while it was being published: it is recorded, and listed in 已发布的公示
        self.pages.close()
        self.pdf, self.serial, self.publish = result.pdf, result.serial, None
        self.pages = PdfPages(result.pdf)
        self.suggested_name = f"{result.title}-{result.serial}.pdf"
        self.setWindowTitle(f"{result.title}（公示编号 {result.serial}）")
        for label in self.labels:
            self.page_layout.removeWidget(label)
            label.deleteLater()
        self.labels = []
        for _ in range(len(self.pages)):
            label = QLabel()
            label.setAlignment(Qt.AlignCenter)
            label.setStyleSheet("background: white;")
            self.page_layout.addWidget(label, 0, Qt.AlignHCenter)
            self.labels.append(label)
        self.publish_button.setVisible(False)
        self.print_button.setEnabled(True)
        self.save_button.setEnabled(True)
        self.info.setText(f"已发布，公示编号 {result.serial}，共 {len(self.pages)} 页")
        self.set_zoom(self.zoom)

    # pages
    def _dpi(self) -> float:
        return SCREEN_DPI * self.zoom * 0.75

    def set_zoom(self, zoom: float) -> None:
        """Resize the page placeholders; pages in view are rendered again."""
        self.zoom = max(0.3, min(zoom, 4.0))
        dpi = self._dpi()
        self._rendered.clear()
        for i, label in enumerate(self.labels):
            w, h = self.pages.page_size_pt(i)
            label.setFixedSize(round(w * dpi / 72), round(h * dpi / 72))
            label.clear()
        QTimer.singleShot(0, self._render_visible)

    def _render_visible(self) -> None:
        if self._closed:
            return  # a render queued by set_zoom or a scroll that arrives after the dialog closed its PDF
        top = self.scroll.verticalScrollBar().value()
        bottom = top + self.scroll.viewport().height()
        dpi = self._dpi()
        for i, label in enumerate(self.labels):
            if i in self._rendered:
                continue
            y = label.y()
            if y + label.height() >= top - 200 and y <= bottom + 200:
                label.setPixmap(_pixmap(self.pages.render(i, dpi)))
                self._rendered.add(i)

    def render_all(self) -> None:
        """Render every page now (used by tests and screenshots)."""
        dpi = self._dpi()
        for i, label in enumerate(self.labels):
            if i not in self._rendered:
                label.setPixmap(_pixmap(self.pages.render(i, dpi)))
                self._rendered.add(i)

    # actions
    def print_notice(self) -> None:
        printer = QPrinter(QPrinter.HighResolution)
        printer.setDocName(self.windowTitle())
        if len(self.pages):
            # Start from the notice's own paper; the dialog may change it (warned below).
            w, h = self.pages.page_size_pt(0)
            printer.setPageSize(QPageSize(QSizeF(min(w, h), max(w, h)), QPageSize.Unit.Point, "",
                                          QPageSize.FuzzyMatch))
            printer.setPageOrientation(QPageLayout.Landscape if w > h else QPageLayout.Portrait)
        dialog = QPrintDialog(printer, self)
        dialog.setWindowTitle(self.tr("打印公示"))
        dialog.setMinMax(1, max(len(self.pages), 1))
        # No selection to print in a notice; 当前页 is the page in view.
        dialog.setOption(QAbstractPrintDialog.PrintSelection, False)
        dialog.setOption(QAbstractPrintDialog.PrintPageRange, True)
        dialog.setOption(QAbstractPrintDialog.PrintCurrentPage, True)
        if dialog.exec() != QDialog.Accepted:
            return
        warning = paper_mismatch(self.pdf, printer)
        if warning and QMessageBox.question(
                self, self.tr("纸张与公示不一致"), warning + "\n\n仍按所选纸张打印吗？",
                QMessageBox.Yes | QMessageBox.No, QMessageBox.No) != QMessageBox.Yes:
            self.info.setText("打印未进行：纸张与公示不一致")
            return
        progress = QProgressDialog(self.tr("正在打印…"), self.tr("取消"), 0, 0, self)
        progress.setWindowModality(Qt.WindowModal)
        progress.setMinimumDuration(300)

        def step(done, total):
            progress.setMaximum(total)
            progress.setValue(done)
            QApplication.processEvents()
            if progress.wasCanceled():
                raise PrintCancelled()

        try:
            n = print_pdf(self.pdf, printer, step, current_page=self.current_page())
        except PrintCancelled:
            printer.abort()
            self.info.setText("打印已取消")
            return
        except AppError as e:
            QMessageBox.warning(self, self.tr("打印失败"), str(e))
            return
        finally:
            progress.close()
        self.info.setText(f"共 {len(self.pages)} 页，已送打印 {n} 页")

    def current_page(self) -> int:
        """0-based index of the page most in view (the print dialog's 当前页)."""
        top = self.scroll.verticalScrollBar().value()
        middle = top + self.scroll.viewport().height() / 2
        for i, label in enumerate(self.labels):
            if label.y() + label.height() >= middle:
                return i
        return max(len(self.labels) - 1, 0)

    def save_as(self) -> None:
        path, _ = QFileDialog.getSaveFileName(self, self.tr("另存为 PDF"), start_in(self.suggested_name), "PDF 文件 (*.pdf)")
        if not path:
            return
        if not path.lower().endswith(".pdf"):
            path += ".pdf"
        try:
            Path(path).write_bytes(self.pdf)
        except OSError as e:
            QMessageBox.warning(self, self.tr("保存失败"), f"无法保存到“{path}”：{e.strerror or e}")
            return
        self.info.setText(f"已保存：{Path(path).name}")

    def done(self, result) -> None:
        if not self._closed:
            self._closed = True
            self.pages.close()
        super().done(result)


def _pixmap(image: QImage):
    from PySide6.QtGui import QPixmap

    return QPixmap.fromImage(image)
