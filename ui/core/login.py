"""Login dialog, and the first-run dialog that creates the administrator.

Their writes (a login's audit row and failure count, the first administrator,
a changed password) run through ui/common/action.run_op like every other write
of the window: on a worker connection, off the GUI thread (the password hash
takes a moment), with the Chinese refusal shown in the dialog. Before the window
exists the dialog's FileContext stands in for the window's context.

At the program's start the login (or first-run) dialog is painted before the
database is open (issue 22: it is the first thing the user sees, and opening
means importing sqlite-utils, checking and migrating the file): it is made with
db=None, its fields take input at once, and its button waits, saying
正在打开数据库…, until ui/app.py hands it the open file (`set_database`).
So this module imports nothing of the database layer at the top, nor Qt's
`Qt` namespace (touching it builds ~100 enum types, 20-30 ms)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtWidgets import (QDialog, QDialogButtonBox, QFormLayout, QLabel, QLineEdit, QMessageBox,
                               QVBoxLayout)

if TYPE_CHECKING:
    from models.core.errors import AppError

OPENING = "正在打开数据库…"
ERROR_STYLE = "color: #b00020;"
OPENING_STYLE = "color: #666666;"


def _ok_cancel() -> QDialogButtonBox:
    # Not QDialogButtonBox(buttons): resolving that constructor's overloads (one takes a
    # Qt.Orientation) builds every enum of Qt's namespace, ~25 ms before the first paint.
    buttons = QDialogButtonBox()
    buttons.setStandardButtons(QDialogButtonBox.Ok | QDialogButtonBox.Cancel)
    return buttons


def _message_label(object_name: str | None = None) -> QLabel:
    """The line under the fields: 正在打开数据库… while the file opens, then the refusals.
    One line is reserved, so the dialog does not move when the file finishes opening."""
    label = QLabel("")
    if object_name:
        label.setObjectName(object_name)
    label.setStyleSheet(ERROR_STYLE)
    label.setWordWrap(True)
    label.setMinimumHeight(label.fontMetrics().height())
    return label


class LoginDialog(QDialog):
    """Asks for user name and password; `actor` is set when accepted."""

    def __init__(self, db, township_name: str = "", last_user: str = "", parent=None, demo: bool | None = None):
        """db=None: painted before the file is open (demo= then comes from
        models.startup.first_look); the 登录 button waits for set_database."""
        super().__init__(parent)
        self.db = None
        self.ctx = None
        self.actor = None
        self.busy = False
        self.setWindowTitle(self.tr("登录"))
        layout = QVBoxLayout(self)
        self.title = QLabel(self._title_text(township_name))
        self.title.setStyleSheet("font-size: 18px; font-weight: bold;")
        layout.addWidget(self.title)
        if demo is None and db is not None:
            from models.core import settings

            demo = bool(settings.get(db, "demo_database"))
        if demo:
            demo = QLabel(self.tr("这是演示数据库：演示账户的密码是公开的（demo1234），请勿录入真实数据。"))
            demo.setObjectName("login_demo_warning")
            demo.setStyleSheet("color: #b00020; font-weight: bold;")
            demo.setWordWrap(True)
            layout.addWidget(demo)
        form = QFormLayout()
        self.username = QLineEdit(last_user)
        self.username.setObjectName("login_username")
        self.password = QLineEdit()
        self.password.setObjectName("login_password")
        self.password.setEchoMode(QLineEdit.Password)
        form.addRow(self.tr("用户名"), self.username)
        form.addRow(self.tr("密码"), self.password)
        layout.addLayout(form)
        self.error = _message_label("login_error")
        layout.addWidget(self.error)
        buttons = _ok_cancel()
        self.ok_button = buttons.button(QDialogButtonBox.Ok)
        self.ok_button.setText(self.tr("登录"))
        buttons.button(QDialogButtonBox.Cancel).setText(self.tr("退出"))
        buttons.accepted.connect(self.try_login)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        (self.password if last_user else self.username).setFocus()
        if db is not None:
            self.set_database(db)
        else:
            _wait_for_database(self)

    def _title_text(self, township_name: str) -> str:
        return self.tr("乡镇综合办公") + (f" · {township_name}" if township_name else "")

    def set_database(self, db, township_name: str | None = None) -> None:
        """The file is open: logins can be checked now. township_name: the name read from the
        open file, for a dialog painted before its first look could read it (a restored file)."""
        from ui.common.action import FileContext

        self.db = db
        self.ctx = FileContext(db)
        if township_name is not None:
            self.title.setText(self._title_text(township_name))
        _database_ready(self)

    def try_login(self) -> None:
        if self.busy or self.db is None:  # a login is being checked (one at a time), or the file still opening
            return
        username, password = self.username.text(), self.password.text()
        self.busy = True
        self.ok_button.setEnabled(False)
        self.error.setText("")

        def refused(e: AppError) -> None:
            self.error.setText(e.message)
            self.password.selectAll()
            self.password.setFocus()

        def finished() -> None:
            self.busy = False
            self.ok_button.setEnabled(True)

        def logged_in(actor, _changes) -> None:
            self.actor = actor
            self.accept()

        from models.core import users
        from ui.common.action import run_op

        # A login writes its audit row (and a failure's count): an action like any other.
        run_op(self, self.ctx, lambda db, _progress: users.login(db, username, password), changes=(),
               on_done=logged_in, on_error=refused, on_finished=finished)


class ChangeOwnPasswordDialog(QDialog):
    """The logged-in user changes their own password: the old one, then the
    new one twice (models.core.users.set_password checks all three). `ctx` is
    the window's context (or a FileContext); the change runs through run_op."""

    def __init__(self, ctx, actor, parent=None):
        super().__init__(parent)
        self.ctx, self.actor = ctx, actor
        self.busy = False
        self.setWindowTitle(self.tr("修改我的密码"))
        form = QFormLayout(self)
        self.old = QLineEdit()
        self.new = QLineEdit()
        self.confirm = QLineEdit()
        for name, field in (("old_password", self.old), ("new_password", self.new), ("confirm_password", self.confirm)):
            field.setObjectName(name)
            field.setEchoMode(QLineEdit.Password)
        form.addRow(self.tr("原密码"), self.old)
        form.addRow(self.tr("新密码（至少 8 位，不能是 12345678 之类）"), self.new)
        form.addRow(self.tr("再次输入新密码"), self.confirm)
        self.error = QLabel("")
        self.error.setObjectName("password_error")
        self.error.setStyleSheet("color: #b00020;")
        self.error.setWordWrap(True)
        form.addRow(self.error)
        buttons = QDialogButtonBox(QDialogButtonBox.Ok | QDialogButtonBox.Cancel)
        self.ok_button = buttons.button(QDialogButtonBox.Ok)
        buttons.accepted.connect(self.save)
        buttons.rejected.connect(self.reject)
        form.addRow(buttons)

    def save(self) -> None:
        if self.busy:
            return
        actor, new, old, confirm = self.actor, self.new.text(), self.old.text(), self.confirm.text()
        self.busy = True
        self.ok_button.setEnabled(False)

        def finished() -> None:
            self.busy = False
            self.ok_button.setEnabled(True)

        from models.core import users
        from ui.common.action import run_op

        run_op(self, self.ctx, lambda db, _progress: users.set_password(db, actor.username, new, actor,
                                                                        old_password=old, confirm=confirm),
               changes={"settings"}, on_done=lambda _result, _changes: self.accept(),
               on_error=lambda e: self.error.setText(e.message), on_finished=finished)


class FirstRunDialog(QDialog):
    """First start on a new database: the township and its administrator."""

    def __init__(self, db, parent=None, county: bool = False):
        """db=None: painted before the file is open; the 创建 button waits for set_database."""
        super().__init__(parent)
        self.db = None
        self.ctx = None
        self.actor = None
        self.busy = False
        self.county_mode = county
        self.setWindowTitle(self.tr("新建县级汇总库：创建管理员") if county else self.tr("首次使用：创建管理员"))
        layout = QVBoxLayout(self)
        intro = QLabel(self.tr("这是一个新的县级汇总库：汇总各乡镇导出的数据包，横向比较。请填写县名，并创建管理员账户。")
                       if county else
                       self.tr("这是一个新的数据库。请填写本乡镇的基本信息，并创建管理员账户。"
                               "管理员可以在“设置”中添加其他用户。"))
        intro.setWordWrap(True)
        layout.addWidget(intro)
        form = QFormLayout()
        self.township_name = QLineEdit()
        self.township_code = QLineEdit()
        self.township_code.setPlaceholderText("如 330106001")
        self.county = QLineEdit()
        self.username = QLineEdit("admin")
        self.display_name = QLineEdit()
        self.password = QLineEdit()
        self.password.setEchoMode(QLineEdit.Password)
        self.password2 = QLineEdit()
        self.password2.setEchoMode(QLineEdit.Password)
        if not county:
            form.addRow(self.tr("乡镇名称"), self.township_name)
            form.addRow(self.tr("乡镇代码"), self.township_code)
        form.addRow(self.tr("县（市、区）名称") if county else self.tr("所属县（市、区）"), self.county)
        form.addRow(self.tr("管理员用户名"), self.username)
        form.addRow(self.tr("姓名"), self.display_name)
        form.addRow(self.tr("密码（至少 8 位，不能是 12345678 之类）"), self.password)
        form.addRow(self.tr("再次输入密码"), self.password2)
        layout.addLayout(form)
        self.error = _message_label("first_run_error")
        layout.addWidget(self.error)
        buttons = _ok_cancel()
        self.ok_button = buttons.button(QDialogButtonBox.Ok)
        self.ok_button.setText(self.tr("创建"))
        buttons.button(QDialogButtonBox.Cancel).setText(self.tr("取消"))
        buttons.accepted.connect(self.create)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        if db is not None:
            self.set_database(db)
        else:
            _wait_for_database(self)

    def set_database(self, db) -> None:
        """The file is open (created and migrated): the administrator can be created now."""
        from ui.common.action import FileContext

        self.db = db
        self.ctx = FileContext(db)
        _database_ready(self)

    def create(self) -> None:
        if self.busy or self.db is None:
            return
        if self.password.text() != self.password2.text():
            self.error.setText(self.tr("两次输入的密码不一致。"))
            return
        username, password, display_name = self.username.text(), self.password.text(), self.display_name.text()
        name, code, county = self.township_name.text(), self.township_code.text(), self.county.text()
        from models.core import township
        from ui.common.action import run_op

        if self.county_mode:
            def op(db, _progress):
                return township.first_run_county(db, username=username, password=password,
                                                 display_name=display_name, county=county)
        else:
            def op(db, _progress):
                return township.first_run(db, username=username, password=password, display_name=display_name,
                                          name=name, code=code, county=county)
        self.busy = True
        self.ok_button.setEnabled(False)
        self.error.setText("")

        def finished() -> None:
            self.busy = False
            self.ok_button.setEnabled(True)

        def created(actor, _changes) -> None:
            self.actor = actor
            self.accept()

        run_op(self, self.ctx, op, changes={"all"}, on_done=created, on_error=lambda e: self.error.setText(e.message),
               on_finished=finished)


def _wait_for_database(dialog) -> None:
    dialog.ok_button.setEnabled(False)
    dialog.error.setStyleSheet(OPENING_STYLE)
    dialog.error.setText(dialog.tr(OPENING))


def _database_ready(dialog) -> None:
    if dialog.error.text() == dialog.tr(OPENING):
        dialog.error.setText("")
    dialog.error.setStyleSheet(ERROR_STYLE)
    dialog.ok_button.setEnabled(not dialog.busy)


def ask_restore(parent, message: str, backups) -> object | None:
    """The corrupt-database dialog: offers the newest good backup."""
    from PySide6.QtCore import Qt

    box = QMessageBox(parent)
    box.setIcon(QMessageBox.Critical)
    box.setWindowTitle("数据库已损坏")
    if backups:
        box.setText(message + f"\n\n可以用最新的备份恢复：\n{backups[0].name}\n\n"
                    "恢复前，损坏的文件会另存一份，不会丢失。")
        restore = box.addButton("用最新备份恢复", QMessageBox.AcceptRole)
    else:
        box.setText(message + "\n\n没有找到可用的备份。请联系管理员或县里技术人员。")
        restore = None
    box.addButton("取消", QMessageBox.RejectRole)
    box.setTextInteractionFlags(Qt.TextSelectableByMouse)
    box.exec()
    if restore is not None and box.clickedButton() is restore:
        return backups[0]
    return None
