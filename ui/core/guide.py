"""帮助 → 使用说明: the guide shipped in resources/guide, shown in the window, with its PDF for printing."""

from __future__ import annotations

from PySide6.QtCore import QUrl
from PySide6.QtGui import QDesktopServices, QTextDocument
from PySide6.QtWidgets import QDialog, QDialogButtonBox, QMessageBox, QPushButton, QTextBrowser, QVBoxLayout

from models.core.paths import resource_path

GUIDE_NAME = "使用说明"


def guide_source():
    return resource_path("guide", f"{GUIDE_NAME}.md")


def guide_pdf():
    return resource_path("guide", f"{GUIDE_NAME}.pdf")


class GuideDialog(QDialog):
    def __init__(self, parent=None):
        super().__init__(parent)
        self.setWindowTitle(GUIDE_NAME)
        source = guide_source()
        if not source.is_file():
            raise FileNotFoundError(f"使用说明文件不在 {source}：安装不完整，请重新安装程序。")
        layout = QVBoxLayout(self)
        self.browser = QTextBrowser()
        self.browser.setOpenExternalLinks(True)
        self.browser.setSearchPaths([str(source.parent)])
        self.browser.setSource(QUrl.fromLocalFile(str(source)), QTextDocument.MarkdownResource)
        layout.addWidget(self.browser)
        buttons = QDialogButtonBox(QDialogButtonBox.Close)
        buttons.button(QDialogButtonBox.Close).setText("关闭")
        self.pdf_button = QPushButton("打开 PDF 版（可打印）")
        buttons.addButton(self.pdf_button, QDialogButtonBox.ActionRole)
        self.pdf_button.clicked.connect(self.open_pdf)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        # Fits a 1366×768 screen with the task bar.
        self.resize(1000, 680)

    def open_pdf(self) -> None:
        pdf = guide_pdf()
        if not pdf.is_file() or not QDesktopServices.openUrl(QUrl.fromLocalFile(str(pdf))):
            QMessageBox.information(self, GUIDE_NAME, f"无法用本机的 PDF 阅读器打开：\n{pdf}\n请在文件夹中找到它打开或打印。")


def show_guide(parent) -> None:
    try:
        dialog = GuideDialog(parent)
    except FileNotFoundError as e:
        QMessageBox.warning(parent, GUIDE_NAME, str(e))
        return
    dialog.exec()
