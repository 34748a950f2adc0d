"""Preview, print and save a notice PDF.

PySide6-Essentials has no QtPdf, so pages are rendered with pypdfium2 into
QImages: on screen lazily (only the pages scrolled into view), and for the
printer one page at a time at the printer's resolution (capped at 200 dpi),
drawn through QPainter on a QPrinter chosen in QPrintDialog.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QRect, QSizeF, Qt, QTimer
from PySide6.QtGui import QImage, QPageLayout, QPageSize, QPainter
from PySide6.QtPrintSupport import QPrintDialog, QPrinter
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

from ui.common.files import start_in

SCREEN_DPI = 96
MAX_PRINT_DPI = 200  # text stays crisp; 300 dpi triples the spooled data per page


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


def print_pdf(pdf: bytes, printer: QPrinter, progress=None) -> int:
    """Draw every page of `pdf` on `printer`, scaled to the paper, matching the
    page orientation. Returns the number of pages sent."""
    pages = PdfPages(pdf)
    try:
        if not len(pages):
            return 0
        w, h = pages.page_size_pt(0)
        printer.setFullPage(True)
        size = QPageSize(QSizeF(min(w, h), max(w, h)), QPageSize.Unit.Point, "", QPageSize.FuzzyMatch)
        printer.setPageSize(size)
        printer.setPageOrientation(QPageLayout.Landscape if w > h else QPageLayout.Portrait)
        dpi = min(printer.resolution(), MAX_PRINT_DPI)
        painter = QPainter()
        if not painter.begin(printer):
            raise RuntimeError("无法开始打印（打印机不可用）。")
        try:
            for i in range(len(pages)):
                if i:
                    printer.newPage()
                image = pages.render(i, dpi, grayscale=True)
                target = painter.viewport()
                # Draw the image at its own resolution under a scale transform, so
                # the paint engine does not resample it to the device's 1200 dpi.
                factor = min(target.width() / image.width(), target.height() / image.height())
                painter.save()
                painter.translate(target.x() + (target.width() - image.width() * factor) / 2,
                                  target.y() + (target.height() - image.height() * factor) / 2)
                painter.scale(factor, factor)
                painter.drawImage(0, 0, image)
                painter.restore()
                if progress:
                    progress(i + 1, len(pages))
        finally:
            painter.end()
        return len(pages)
    finally:
        pages.close()


class NoticePreviewDialog(QDialog):
    """Shows a generated notice page by page, with 打印 and 另存为 PDF."""

    def __init__(self, pdf: bytes, title: str = "公示预览", serial: str = "", suggested_name: str = "",
                 parent=None, publish=None):
        """`publish`, for a draft: called with a callback that takes the
        published notice; until then printing and saving are off (a draft
        carries no serial and must not be posted)."""
        super().__init__(parent)
        self.title = title
        self.publish = publish
        self.pdf = pdf
        self.serial = serial
        self.suggested_name = suggested_name or f"{title}.pdf"
        self.pages = PdfPages(pdf)
        self.zoom = 1.0
        self.setWindowTitle(f"{title}（公示编号 {serial}）" if serial else title)
        self.resize(900, 1000)

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
        dialog = QPrintDialog(printer, self)
        dialog.setWindowTitle(self.tr("打印公示"))
        if dialog.exec() != QDialog.Accepted:
            return
        progress = QProgressDialog(self.tr("正在打印…"), self.tr("取消"), 0, len(self.pages), self)
        progress.setWindowModality(Qt.WindowModal)
        progress.setMinimumDuration(300)

        def step(done, total):
            progress.setValue(done)
            QApplication.processEvents()
            if progress.wasCanceled():
                raise PrintCancelled()

        try:
            n = print_pdf(self.pdf, printer, step)
        except PrintCancelled:
            printer.abort()
            self.info.setText("打印已取消")
            return
        except Exception as e:  # noqa: BLE001 - show any printer failure to the user
            QMessageBox.warning(self, self.tr("打印失败"), str(e))
            return
        finally:
            progress.close()
        self.info.setText(f"共 {len(self.pages)} 页，已送打印 {n} 页")

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
        self.pages.close()
        super().done(result)


def _pixmap(image: QImage):
    from PySide6.QtGui import QPixmap

    return QPixmap.fromImage(image)
