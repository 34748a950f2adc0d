"""导出数据包 / 导入数据包 dialogs (文件 menu).

Removable drives are offered first. The work runs on a worker thread with
its own database connection (ui.common.action.run_op): progress, and 取消 rolls
the import back. A township's first package shows its key fingerprint to be
confirmed by phone before anything is imported.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

from PySide6.QtCore import QStorageInfo, Qt
from PySide6.QtWidgets import (QButtonGroup, QComboBox, QDialog, QDialogButtonBox, QFileDialog, QFormLayout,
                               QHBoxLayout, QLabel, QLineEdit, QMessageBox, QPushButton, QRadioButton, QVBoxLayout,
                               QWidget)

from models.handoff import export as handoff_export
from models.handoff import merge as handoff_merge

from models.core import settings, signing
from models.core.errors import AppError
from models.handoff import package as pkgfmt
from models.core.labels import when_label
from ui.common.action import run_op
from ui.common.worker import default_error

REMOVABLE_FS = {"vfat", "fat", "fat32", "exfat", "msdos", "ntfs", "fuseblk"}
REMOVABLE_ROOTS = ("/media/", "/run/media/", "/mnt/", "/Volumes/")


def storage_choices() -> list[tuple[str, str, bool]]:
    """(label, folder, removable) of mounted writable volumes, removable drives
    first. Qt cannot say "removable", so: mounted under /media, /run/media,
    /mnt or /Volumes, or (Windows) a FAT/exFAT drive other than the system drive."""
    system_drive = (os.environ.get("SystemDrive") or "C:").upper()
    found = []
    for volume in QStorageInfo.mountedVolumes():
        if not volume.isValid() or not volume.isReady() or volume.isReadOnly():
            continue
        root = volume.rootPath()
        fs = bytes(volume.fileSystemType()).decode("ascii", "replace").lower()
        if sys.platform.startswith("win"):
            removable = not root.upper().startswith(system_drive) and fs in REMOVABLE_FS
        else:
            removable = root.startswith(REMOVABLE_ROOTS)
        if not removable:
            continue
        free = volume.bytesAvailable() / 1024 ** 3
        name = volume.displayName() or root
        found.append((f"U 盘：{name}（{root}，可用 {free:.1f} GB）", root, True))
    home = str(Path.home())
    documents = Path.home() / "Documents"
    found.append((f"用户文件夹（{home}）", home, False))
    if documents.is_dir():
        found.append((f"文档（{documents}）", str(documents), False))
    return found


def _error_and_buttons(dialog: QDialog, layout, ok_text: str) -> QLabel:
    """The red error line and the OK/取消 row every hand-off dialog ends with; OK runs dialog._accept."""
    error = QLabel()
    error.setStyleSheet("color: #b00020;")
    error.setWordWrap(True)
    layout.addWidget(error)
    buttons = QDialogButtonBox(QDialogButtonBox.Ok | QDialogButtonBox.Cancel)
    buttons.button(QDialogButtonBox.Ok).setText(ok_text)
    buttons.button(QDialogButtonBox.Cancel).setText("取消")
    buttons.accepted.connect(dialog._accept)
    buttons.rejected.connect(dialog.reject)
    layout.addWidget(buttons)
    return error


def _password_fields(form: QFormLayout, confirm: bool) -> tuple[QLineEdit, QLineEdit | None]:
    first = QLineEdit()
    first.setEchoMode(QLineEdit.Password)
    first.setPlaceholderText(f"至少 {pkgfmt.MIN_PASSWORD} 个字符，县乡双方事先约定")
    form.addRow("数据包密码：", first)
    second = None
    if confirm:
        second = QLineEdit()
        second.setEchoMode(QLineEdit.Password)
        form.addRow("再输入一次：", second)
    return first, second


class ExportPackageDialog(QDialog):
    """Choose where (USB first), what (changes / everything) and the password."""

    def __init__(self, ctx, parent=None):
        super().__init__(parent)
        self.ctx = ctx
        self.county = settings.get(ctx.db, "database_mode") == "county"
        self.setWindowTitle(self.tr("导出数据包"))
        self.setMinimumWidth(560)
        layout = QVBoxLayout(self)
        intro = QLabel(self.tr(
            "把本县汇总的参考数据（考核方案与指标、工作日历、服务事项目录）和收到各乡镇数据的确认导出，"
            "拿到乡镇导入。") if self.county else self.tr(
            "把本乡镇的数据导出到 U 盘，交县里汇总。数据包用密码加密，U 盘丢失也不会泄露群众信息。"))
        intro.setWordWrap(True)
        layout.addWidget(intro)
        form = QFormLayout()
        row = QHBoxLayout()
        self.destination = QComboBox()
        for label, folder, _removable in storage_choices():
            self.destination.addItem(label, folder)
        browse = QPushButton(self.tr("其他文件夹…"))
        browse.clicked.connect(self._browse)
        row.addWidget(self.destination, 1)
        row.addWidget(browse)
        holder = QWidget()
        holder.setLayout(row)
        row.setContentsMargins(0, 0, 0, 0)
        form.addRow(self.tr("保存到："), holder)
        self.changes = QRadioButton(self.tr("只导出县里确认收到之后的变化（增量）"))
        self.everything = QRadioButton(self.tr("导出全部数据"))
        group = QButtonGroup(self)
        group.addButton(self.changes)
        group.addButton(self.everything)
        self.changes.setChecked(True)
        kinds = QVBoxLayout()
        kinds.addWidget(self.changes)
        kinds.addWidget(self.everything)
        kinds.setContentsMargins(0, 0, 0, 0)
        kinds_box = QWidget()
        kinds_box.setLayout(kinds)
        kinds_box.setVisible(not self.county)
        if not self.county:
            form.addRow(self.tr("内容："), kinds_box)
        self.password, self.password2 = _password_fields(form, confirm=True)
        layout.addLayout(form)
        self.error = _error_and_buttons(self, layout, self.tr("导出"))

    def _browse(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, self.tr("选择保存数据包的文件夹"), self.destination.currentData())
        if folder:
            self.destination.insertItem(0, folder, folder)
            self.destination.setCurrentIndex(0)

    def folder(self) -> str:
        return self.destination.currentData() or ""

    def full(self) -> bool:
        return self.everything.isChecked()

    def _accept(self) -> None:
        password = self.password.text()
        try:
            pkgfmt.check_password(password)
        except AppError as e:
            self.error.setText(e.message)
            self.password.setFocus()
            return
        if self.password2 is not None and self.password2.text() != password:
            self.error.setText(self.tr("两次输入的密码不一致。"))
            self.password2.setFocus()
            return
        if not Path(self.folder()).is_dir():
            self.error.setText(self.tr("保存位置不存在，请重新选择（U 盘是否已拔出？）。"))
            return
        self.accept()


def export_package_dialog(parent, ctx) -> None:
    """The 导出数据包 flow: dialog, export on a worker connection (run_op), result message
    with this database's key fingerprint (the county asks for it by phone at the first package)."""
    dialog = ExportPackageDialog(ctx, parent)
    if dialog.exec() != QDialog.Accepted:
        return
    folder, full, password = dialog.folder(), dialog.full(), dialog.password.text()
    actor = ctx.actor

    def work(db, progress):
        result = handoff_export.export_package(db, folder, password, actor, full=full, progress=progress)
        return result, signing.own_fingerprint(db)

    def done(outcome, _changes):
        result, fp = outcome
        QMessageBox.information(parent, "导出完成", result.describe() +
                                f"\n\n本数据库的公钥指纹：{fp}\n（对方第一次导入时会打电话核对这个指纹。）"
                                "\n\n请把数据包和密码分开交给对方（密码不要写在 U 盘上）。")

    run_op(parent, ctx, work, changes={"handoff"}, label="正在导出数据包…", cancellable=True, on_done=done)


class ImportPackageDialog(QDialog):
    """Pick a package (USB first), see what it claims to be, give the password."""

    def __init__(self, ctx, parent=None, path: str = "", error: str = ""):
        super().__init__(parent)
        self.ctx = ctx
        self.setWindowTitle(self.tr("导入数据包"))
        self.setMinimumWidth(560)
        layout = QVBoxLayout(self)
        form = QFormLayout()
        row = QHBoxLayout()
        row.setContentsMargins(0, 0, 0, 0)
        self.path = QLineEdit(path)
        self.path.setPlaceholderText(self.tr("选择 U 盘上的数据包文件（*.xzpkg）"))
        self.path.textChanged.connect(self._preview)
        browse = QPushButton(self.tr("选择文件…"))
        browse.clicked.connect(self._browse)
        row.addWidget(self.path, 1)
        row.addWidget(browse)
        holder = QWidget()
        holder.setLayout(row)
        form.addRow(self.tr("数据包："), holder)
        self.info = QLabel(self.tr("尚未选择文件。"))
        self.info.setWordWrap(True)
        self.info.setTextInteractionFlags(Qt.TextSelectableByMouse)
        form.addRow(self.tr("内容："), self.info)
        self.password, _ = _password_fields(form, confirm=False)
        layout.addLayout(form)
        self.error = _error_and_buttons(self, layout, self.tr("导入"))
        self._preview()
        if error:
            # Back after a wrong password: the file stays chosen, the password is asked again.
            self.error.setText(error)
            self.password.setFocus()

    def _browse(self) -> None:
        start = next((folder for _label, folder, removable in storage_choices() if removable), str(Path.home()))
        path, _ = QFileDialog.getOpenFileName(self, self.tr("选择数据包"), start,
                                              self.tr("数据包 (*.xzpkg);;所有文件 (*)"))
        if path:
            self.path.setText(path)

    def _preview(self) -> None:
        path = self.path.text().strip()
        self.error.clear()
        if not path:
            self.info.setText(self.tr("尚未选择文件。"))
            return
        try:
            m = pkgfmt.read_manifest(path)
        except AppError as e:
            self.info.setText(e.message)
            return
        kind = "县里发回的参考数据" if m.get("kind") == "reference" else (
            "全部数据" if m.get("full") else "增量数据")
        total = sum(int(v) for v in (m.get("row_counts") or {}).values() if isinstance(v, int))
        self.info.setText(
            f"{m.get('township_name') or ''}（{m.get('township_code')}）{kind}，第 {m.get('sequence')} 号，"
            f"{total} 条记录，导出于 {when_label(str(m.get('created_at') or ''))}，导出人 {m.get('exporter')}。\n"
            "（输入密码导入时才会核对内容是否完整、未被改动。）")

    def _accept(self) -> None:
        if not Path(self.path.text().strip()).is_file():
            self.error.setText(self.tr("请选择存在的数据包文件。"))
            return
        if not self.password.text():
            self.error.setText(self.tr("请输入数据包密码。"))
            self.password.setFocus()
            return
        self.accept()


def confirm_new_key(parent, new) -> bool:
    """Show a new township's key fingerprint and ask BEFORE anything is imported (issue 20)."""
    box = QMessageBox(parent)
    box.setIcon(QMessageBox.Question)
    box.setWindowTitle("核对新乡镇的公钥指纹")
    box.setText(f"“{new.township_name or new.township_code}”（{new.township_code}）第一次送来数据包。\n\n"
                f"数据包的公钥指纹：\n{new.fingerprint}\n\n"
                "请打电话请对方管理员读出“设置 → 乡镇信息”中的本乡镇公钥指纹，逐组核对。"
                "一致才导入：以后只接受这个公钥签名的数据包。不一致时请取消，不要导入。")
    box.setTextInteractionFlags(Qt.TextSelectableByMouse)
    same = box.addButton("指纹一致，导入", QMessageBox.AcceptRole)
    box.addButton("取消", QMessageBox.RejectRole)
    box.setDefaultButton(QMessageBox.Cancel)
    box.exec()
    return box.clickedButton() is same


def import_package_dialog(parent, ctx, path: str = "", error: str = "") -> None:
    """The 导入数据包 flow: dialog; for a township seen for the first time its
    key fingerprint is shown and confirmed first (取消: nothing is written);
    then the import on a worker connection (run_op) and the summary, with the
    conflict list when records were changed on both sides. A wrong password
    brings the dialog back with the file still chosen."""
    dialog = ImportPackageDialog(ctx, parent, path, error)
    if dialog.exec() != QDialog.Accepted:
        return
    file_path, password, actor = dialog.path.text().strip(), dialog.password.text(), ctx.actor
    try:
        new = handoff_merge.new_township_key(ctx.db, file_path)
    except AppError as e:
        QMessageBox.warning(parent, "不能导入", e.message)
        return
    if new is not None and not confirm_new_key(parent, new):
        return
    accepted = new.fingerprint if new is not None else None

    def work(db, progress):
        # confirm_new_key: a package whose key is not the one just confirmed is refused, not registered.
        return handoff_merge.import_package(db, file_path, password, actor, progress=progress, accept_key=accepted,
                                      confirm_new_key=True)

    def failed(exc):
        if isinstance(exc, pkgfmt.WrongPasswordError):
            import_package_dialog(parent, ctx, file_path, error=exc.message)
            return
        default_error(parent, exc)

    run_op(parent, ctx, work, changes={"all"}, label="正在校验并导入数据包…", cancellable=True,
           on_done=lambda summary, _changes: show_import_summary(parent, ctx, summary), on_error=failed)


def show_import_summary(parent, ctx, summary) -> None:
    """The import summary; with conflicts, an offer to decide them now."""
    text = summary.describe()
    if summary.totals()["conflicts"]:
        answer = QMessageBox.question(parent, "导入完成", text + "\n\n现在处理冲突吗？")
        if answer == QMessageBox.Yes:
            from ui.handoff.conflicts import ConflictsDialog

            ConflictsDialog(ctx, parent).exec()
        return
    QMessageBox.information(parent, "导入完成", text)
