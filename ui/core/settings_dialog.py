"""设置: township identity, villages, offices, users, parameters, audit log."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (QAbstractItemView, QCheckBox, QComboBox, QDialog, QDialogButtonBox, QDoubleSpinBox, QFormLayout,
                               QGroupBox,
                               QHBoxLayout, QHeaderView, QInputDialog, QLabel, QLineEdit, QMessageBox, QPlainTextEdit,
                               QPushButton, QScrollArea, QSpinBox, QTableWidget, QTableWidgetItem, QTabWidget, QVBoxLayout,
                               QWidget)

from models.core import audit, labels

from models.core import settings

from models.core import township

from models.core import users
from models.core.errors import AppError


def _table(headers) -> QTableWidget:
    table = QTableWidget(0, len(headers))
    table.setHorizontalHeaderLabels(headers)
    table.setEditTriggers(QAbstractItemView.NoEditTriggers)
    table.setSelectionBehavior(QAbstractItemView.SelectRows)
    table.setSelectionMode(QAbstractItemView.SingleSelection)
    table.horizontalHeader().setSectionResizeMode(QHeaderView.Stretch)
    table.verticalHeader().setVisible(False)
    return table


def _fill(table: QTableWidget, rows: list[list], keys: list | None = None) -> None:
    table.setRowCount(len(rows))
    for r, values in enumerate(rows):
        for c, value in enumerate(values):
            item = QTableWidgetItem("" if value is None else str(value))
            if keys is not None and c == 0:
                item.setData(Qt.UserRole, keys[r])
            table.setItem(r, c, item)


class SettingsDialog(QDialog):
    def __init__(self, ctx, parent=None, page: int = 0):
        super().__init__(parent)
        self.ctx = ctx
        self.setWindowTitle("设置")
        self.resize(760, 560)
        layout = QVBoxLayout(self)
        self.pages = QTabWidget()
        layout.addWidget(self.pages)
        self.pages.addTab(self._identity_page(), "乡镇信息")
        self.pages.addTab(self._villages_page(), "村")
        self.pages.addTab(self._offices_page(), "机构")
        self.pages.addTab(self._users_page(), "用户")
        self.pages.addTab(self._params_page(), "参数")
        self.pages.addTab(self._audit_page(), "审计日志")
        self.pages.addTab(self._fonts_page(), "公示字体")
        self.pages.setCurrentIndex(page)
        close = QDialogButtonBox(QDialogButtonBox.Close)
        close.button(QDialogButtonBox.Close).setText("关闭")
        close.rejected.connect(self.reject)
        layout.addWidget(close)

    def _show_error(self, e: AppError) -> None:
        QMessageBox.warning(self, "无法保存", e.message)

    def _run(self, op, then=None, on_error=None) -> None:
        """op(db, actor) through ui/common/action.run_op (a worker connection, off the
        GUI thread; 'settings' told to every tab). A refusal shows its Chinese
        message (or goes to on_error) and changes nothing; then(result) afterwards."""
        from ui.common.action import run_op

        actor = self.ctx.actor
        run_op(self, self.ctx, lambda db, _progress: op(db, actor), changes={"settings"},
               on_done=lambda result, _changes: then(result) if then is not None else None,
               on_error=on_error or self._show_error)

    # ---- identity -------------------------------------------------------------

    def _identity_page(self) -> QWidget:
        page = QWidget()
        form = QFormLayout(page)
        ident = township.identity(self.ctx.db)
        self.f_name = QLineEdit(ident["township_name"])
        self.f_code = QLineEdit(ident["township_code"])
        self.f_county = QLineEdit(ident["county_name"])
        self.f_phone = QLineEdit(ident["supervision_phone"])
        self.f_office_phone = QLineEdit(ident["office_phone"])
        form.addRow("乡镇名称", self.f_name)
        form.addRow("乡镇代码", self.f_code)
        form.addRow("所属县（市、区）", self.f_county)
        form.addRow("监督电话（印在公示上）", self.f_phone)
        form.addRow("办公室电话", self.f_office_phone)
        from models.core import signing

        key = QLabel(signing.own_fingerprint(self.ctx.db) or "尚未生成（第一次导出数据包时生成）")
        key.setObjectName("own_key_fingerprint")
        key.setTextInteractionFlags(Qt.TextSelectableByMouse)
        key.setToolTip("县里第一次导入本乡镇的数据包时，会打电话请您读出这个指纹核对。")
        form.addRow("本乡镇公钥指纹", key)
        self.identity_error = QLabel("")
        self.identity_error.setStyleSheet("color: #b00020;")
        form.addRow(self.identity_error)
        save = QPushButton("保存")
        save.setEnabled(self.ctx.actor.can("settings.write"))
        save.clicked.connect(self._save_identity)
        form.addRow(save)
        return page

    def _save_identity(self) -> None:
        identity = dict(name=self.f_name.text(), code=self.f_code.text(), county=self.f_county.text(),
                        supervision_phone=self.f_phone.text(), office_phone=self.f_office_phone.text())

        def saved(_result) -> None:
            self.identity_error.setText("")
            QMessageBox.information(self, "设置", "已保存。")

        self._run(lambda db, actor: township.set_identity(db, actor, **identity), saved,
                  on_error=lambda e: self.identity_error.setText(e.message))

    # ---- villages and offices ---------------------------------------------------

    def _villages_page(self) -> QWidget:
        page = QWidget()
        layout = QVBoxLayout(page)
        self.village_table = _table(["村名", "户数"])
        layout.addWidget(self.village_table)
        row = QHBoxLayout()
        for text, slot in (("添加村…", self._add_village), ("修改…", self._edit_village), ("删除", self._delete_village)):
            b = QPushButton(text)
            b.setEnabled(self.ctx.actor.can("settings.write"))
            b.clicked.connect(slot)
            row.addWidget(b)
        row.addStretch(1)
        layout.addLayout(row)
        self._reload_villages()
        return page

    def _reload_villages(self) -> None:
        rows = township.villages(self.ctx.db, self.ctx.township_filter or None)
        _fill(self.village_table, [[v["name"], v["households"]] for v in rows], [v["uuid"] for v in rows])

    def _selected_key(self, table: QTableWidget):
        row = table.currentRow()
        if row < 0:
            return None
        return table.item(row, 0).data(Qt.UserRole)

    def _ask_village(self, name="", households=0):
        name, ok = QInputDialog.getText(self, "村", "村名：", text=name)
        if not ok:
            return None
        households, ok = QInputDialog.getInt(self, "村", f"{name} 户数：", households, 0, 100000)
        return (name, households) if ok else None

    def _add_village(self) -> None:
        answer = self._ask_village()
        if answer:
            self._run(lambda db, actor: township.add_village(db, actor, *answer), lambda _r: self._reload_villages())

    def _edit_village(self) -> None:
        key = self._selected_key(self.village_table)
        if not key:
            return
        row = self.village_table.currentRow()
        answer = self._ask_village(self.village_table.item(row, 0).text(), int(self.village_table.item(row, 1).text()))
        if answer:
            self._run(lambda db, actor: township.update_village(db, actor, key, *answer),
                      lambda _r: self._reload_villages())

    def _delete_village(self) -> None:
        key = self._selected_key(self.village_table)
        if key and QMessageBox.question(self, "删除", "删除所选的村？") == QMessageBox.Yes:
            self._run(lambda db, actor: township.delete_village(db, actor, key), lambda _r: self._reload_villages())

    def _offices_page(self) -> QWidget:
        page = QWidget()
        layout = QVBoxLayout(page)
        self.office_table = _table(["机构名称", "类别", "编制数", "电话"])
        layout.addWidget(self.office_table)
        row = QHBoxLayout()
        add = QPushButton("添加机构…")
        delete = QPushButton("删除")
        for b in (add, delete):
            b.setEnabled(self.ctx.actor.can("settings.write"))
            row.addWidget(b)
        add.clicked.connect(self._add_office)
        delete.clicked.connect(self._delete_office)
        row.addStretch(1)
        layout.addLayout(row)
        self._reload_offices()
        return page

    def _reload_offices(self) -> None:
        rows = township.offices(self.ctx.db, self.ctx.township_filter or None)
        _fill(self.office_table, [[o["name"], o["kind"], o["establishment"], o["phone"]] for o in rows],
              [o["uuid"] for o in rows])

    def _add_office(self) -> None:
        name, ok = QInputDialog.getText(self, "机构", "机构名称：")
        if not ok:
            return
        establishment, ok = QInputDialog.getInt(self, "机构", "编制数：", 0, 0, 10000)
        if not ok:
            return
        self._run(lambda db, actor: township.add_office(db, actor, name, establishment=establishment),
                  lambda _r: self._reload_offices())

    def _delete_office(self) -> None:
        key = self._selected_key(self.office_table)
        if key and QMessageBox.question(self, "删除", "删除所选机构？") == QMessageBox.Yes:
            self._run(lambda db, actor: township.delete_office(db, actor, key), lambda _r: self._reload_offices())

    # ---- users ---------------------------------------------------------------

    def _users_page(self) -> QWidget:
        page = QWidget()
        layout = QVBoxLayout(page)
        self.user_table = _table(["用户名", "姓名", "角色", "状态"])
        layout.addWidget(self.user_table)
        row = QHBoxLayout()
        manage = self.ctx.actor.can("users.manage")
        for text, slot, enabled in (("添加用户…", self._add_user, manage), ("修改角色…", self._change_role, manage),
                                    ("重设他人密码…", self._reset_password, manage),
                                    ("修改我的密码…", self._change_own_password, True)):
            b = QPushButton(text)
            b.setEnabled(enabled)
            b.clicked.connect(slot)
            row.addWidget(b)
        row.addStretch(1)
        layout.addLayout(row)
        layout.addWidget(self._export_right_box(manage))
        self._reload_users()
        return page

    def _export_right_box(self, manage: bool) -> QGroupBox:
        """Which roles may export full ID numbers and phones (personal.export, issue 20)."""
        box = QGroupBox("导出完整身份证号和电话（其他角色导出时自动遮挡，每次导出都记入审计日志）")
        row = QHBoxLayout(box)
        holders = users.roles_with(self.ctx.db, "personal.export")
        self.export_right_checks = {}
        for role, label in users.ROLE_LABELS.items():
            check = QCheckBox(label)
            check.setObjectName(f"export_right_{role}")
            check.setChecked(role in holders)
            check.setEnabled(manage and role != users.READONLY)
            if role == users.READONLY:
                check.setToolTip("只读用户始终不能导出完整号码。")
            self.export_right_checks[role] = check
            row.addWidget(check)
        save = QPushButton("保存导出权限")
        save.setObjectName("save_export_right")
        save.setEnabled(manage)
        save.clicked.connect(self._save_export_right)
        row.addStretch(1)
        row.addWidget(save)
        return box

    def _save_export_right(self) -> None:
        from ui.common.action import run_op

        chosen = [role for role, check in self.export_right_checks.items() if check.isChecked()]
        actor = self.ctx.actor
        run_op(self, self.ctx, lambda db, _progress: users.set_roles_with(db, "personal.export", chosen, actor),
               changes={"settings"},
               on_done=lambda _roles, _changes: QMessageBox.information(
                   self, "导出权限", "已保存。已登录的用户被取消的权限立即生效，新给的权限在其下次登录后生效。"),
               on_error=self._show_error)

    def _reload_users(self) -> None:
        rows = users.list_users(self.ctx.db)
        _fill(self.user_table, [[u["username"], u["display_name"], users.ROLE_LABELS.get(u["role"], u["role"]),
                                 "启用" if u["active"] else "停用"] for u in rows], [u["username"] for u in rows])

    def _add_user(self) -> None:
        dialog = QDialog(self)
        dialog.setWindowTitle("添加用户")
        form = QFormLayout(dialog)
        username, name, password = QLineEdit(), QLineEdit(), QLineEdit()
        password.setEchoMode(QLineEdit.Password)
        role = QComboBox()
        for key, label in users.ROLE_LABELS.items():
            role.addItem(label, key)
        role.setCurrentIndex(1)
        form.addRow("用户名", username)
        form.addRow("姓名", name)
        form.addRow("角色", role)
        form.addRow("初始密码", password)
        buttons = QDialogButtonBox(QDialogButtonBox.Ok | QDialogButtonBox.Cancel)
        buttons.accepted.connect(dialog.accept)
        buttons.rejected.connect(dialog.reject)
        form.addRow(buttons)
        if not dialog.exec():
            return
        account = (username.text(), password.text(), role.currentData(), name.text())
        self._run(lambda db, actor: users.create_user(db, *account, actor=actor), lambda _r: self._reload_users())

    def _change_role(self) -> None:
        username = self._selected_key(self.user_table)
        if not username:
            return
        labels = list(users.ROLE_LABELS.values())
        label, ok = QInputDialog.getItem(self, "修改角色", f"{username} 的角色：", labels, 0, False)
        if not ok:
            return
        active = QMessageBox.question(self, "修改角色", "启用该账户？") == QMessageBox.Yes
        role = list(users.ROLE_LABELS)[labels.index(label)]
        self._run(lambda db, actor: users.set_role(db, username, role, active, actor), lambda _r: self._reload_users())

    def _reset_password(self) -> None:
        username = self._selected_key(self.user_table)
        if not username or username == self.ctx.actor.username:
            QMessageBox.information(self, "重设密码", "请先在列表中选择另一个用户；修改自己的密码请用“修改我的密码…”。")
            return
        password, ok = QInputDialog.getText(self, "重设密码", f"{username} 的新密码：", QLineEdit.Password)
        if not ok:
            return
        again, ok = QInputDialog.getText(self, "重设密码", f"再次输入 {username} 的新密码：", QLineEdit.Password)
        if not ok:
            return
        self._run(lambda db, actor: users.set_password(db, username, password, actor, confirm=again),
                  lambda _r: QMessageBox.information(self, "重设密码", "密码已更新。"))

    def _change_own_password(self) -> None:
        from ui.core.login import ChangeOwnPasswordDialog

        if ChangeOwnPasswordDialog(self.ctx, self.ctx.actor, self).exec():
            QMessageBox.information(self, "修改我的密码", "密码已更新。")

    # ---- parameters ----------------------------------------------------------

    def _params_page(self) -> QWidget:
        page = QWidget()
        layout = QVBoxLayout(page)
        hint = QLabel("各项规则的阈值和本地选择。修改后立即生效，并记入审计日志。")
        layout.addWidget(hint)
        self.param_widgets = {}
        values = settings.all_settings(self.ctx.db)
        identity_keys = {"township_name", "township_code", "county_name", "supervision_phone", "office_phone"}
        groups: dict[str, QFormLayout] = {}
        body = QWidget()
        body_layout = QVBoxLayout(body)
        can_write = self.ctx.actor.can("settings.write")
        for key, (default, label, kind) in settings.DEFAULTS.items():
            if key in identity_keys:
                continue
            section = settings.section_of(key)
            if section not in groups:
                box = QGroupBox(section)
                groups[section] = QFormLayout(box)
                body_layout.addWidget(box)
            w = self._param_widget(key, values.get(key, default), kind)
            w.setEnabled(can_write)
            w.setObjectName(f"param_{key}")
            self.param_widgets[key] = (w, kind)
            # The domain prefix ("考核：") is the group's title already.
            groups[section].addRow(label.removeprefix(section + "：").removeprefix("换届：").removeprefix("考核："), w)
        body_layout.addStretch(1)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setWidget(body)
        layout.addWidget(scroll, 1)
        save = QPushButton("保存参数")
        save.setEnabled(can_write)
        save.clicked.connect(self._save_params)
        layout.addWidget(save)
        return page

    @staticmethod
    def _param_widget(key: str, value, kind) -> QWidget:
        """A setting is chosen from a list, counted, ticked or dated, never typed as a code word."""
        if key in settings.CHOICES:
            w = QComboBox()
            for stored, text in settings.CHOICES[key].items():
                w.addItem(text, stored)
            w.setCurrentIndex(max(0, w.findData(value)))
            return w
        if kind is bool:
            w = QCheckBox()
            w.setChecked(bool(value))
            return w
        if kind is int:
            w = QSpinBox()
            w.setRange(-1000000, 1000000)
            w.setValue(int(value))
            return w
        if kind is float:
            w = QDoubleSpinBox()
            w.setDecimals(3)
            w.setRange(-1000000.0, 1000000.0)
            w.setValue(float(value))
            return w
        return QLineEdit("" if value is None else str(value))

    def _save_params(self) -> None:
        values = {}
        for key, (w, _kind) in self.param_widgets.items():
            if isinstance(w, QComboBox):
                values[key] = w.currentData()
            elif isinstance(w, QCheckBox):
                values[key] = w.isChecked()
            elif isinstance(w, (QSpinBox, QDoubleSpinBox)):
                values[key] = w.value()
            else:
                values[key] = w.text()
        from ui.common.action import run_op

        actor = self.ctx.actor
        run_op(self, self.ctx, lambda db, _progress: settings.set_many(db, values, actor), changes={"all"},
               on_done=lambda _changed, _changes: QMessageBox.information(self, "参数", "已保存。"),
               on_error=self._show_error)

    # ---- audit ---------------------------------------------------------------

    def _fonts_page(self) -> QWidget:
        """Which font each GB/T 9704 role of the notices uses (系统 = the PC's own, 内置 = bundled)."""
        from ui.common.fonts import notice_font_rows

        page = QWidget()
        layout = QVBoxLayout(page)
        layout.addWidget(QLabel("公示按 GB/T 9704 使用以下字体。本机装有方正小标宋、仿宋_GB2312、黑体、楷体_GB2312、宋体时"
                                "优先使用本机字体，否则使用程序自带的免费字体；生僻字由自带的补字字体补全。"))
        table = _table(["用途", "字体", "来源", "文件"])
        _fill(table, notice_font_rows())
        self.font_table = table
        layout.addWidget(table, 1)
        return page

    # How this page names the full check where the coverage line says what the default did not cover.
    FULL_CHECK_WORDS = "下方的“完整核对”"

    def _audit_page(self) -> QWidget:
        page = QWidget()
        layout = QVBoxLayout(page)
        self.audit_state = QLabel()
        self.audit_state.setWordWrap(True)
        layout.addWidget(self.audit_state)
        self._show_audit_state()
        row = QHBoxLayout()
        self.full_check_button = QPushButton("完整核对")
        self.full_check_button.setToolTip("逐页核对数据库文件，并从头核对全部审计日志和每条记录的内容与封记"
                                          "（与命令行 check --full 相同；县级数据库需几分钟，可随时取消）")
        self.full_check_button.clicked.connect(self.run_full_check)
        row.addWidget(self.full_check_button)
        self.full_check_summary = QLabel("完整核对会从头核对全部内容，找出其他工具在上次核对之前做的改动。")
        self.full_check_summary.setWordWrap(True)
        row.addWidget(self.full_check_summary, 1)
        layout.addLayout(row)
        self.full_check_lines = QPlainTextEdit()
        self.full_check_lines.setReadOnly(True)
        self.full_check_lines.setMaximumHeight(150)
        self.full_check_lines.hide()
        layout.addWidget(self.full_check_lines)
        table = _table(["时间", "操作员", "动作", "类别", "记录"])
        rows = audit.recent(self.ctx.db, limit=500)
        _fill(table, labels.audit_rows_for_people(self.ctx.db, rows))
        layout.addWidget(table)
        return page

    def _show_audit_state(self) -> None:
        """The audit chain from the last clean check's mark, as `check` does, off
        the GUI thread: without a mark (a copy, a restore) a county's 7M rows
        take a minute to hash."""
        from models.core import checking
        from ui.common.action import run_query

        path, words = self.ctx.db_path, self.FULL_CHECK_WORDS
        self.audit_state.setText("正在核对审计日志…")
        self.audit_state.setStyleSheet("")

        def chain_state(db, progress):
            return checking.audit_state(db, path, words, lambda seconds: progress(0, 0, f"已用 {seconds:.0f} 秒…"))

        # Not modal, so the other pages stay usable; not cancellable, so the line never stays "正在…".
        run_query(self, self.ctx, chain_state, label="正在核对审计日志…", modal=False, show_after_ms=1500,
                  cancellable=False, on_done=self._set_audit_state)

    def _set_audit_state(self, state) -> None:
        from shiboken6 import isValid

        if not isValid(self.audit_state):
            return  # the dialog was destroyed meanwhile
        text, sound = state
        self.audit_state.setText(text)
        self.audit_state.setStyleSheet("color: #1b5e20;" if sound else "color: #b00020; font-weight: bold;")

    def run_full_check(self) -> None:
        """What `check --full` runs, off the GUI thread on a read-only connection,
        with progress and 取消; keeps the mark and the time of this full check."""
        from models.core import checking
        from ui.common.action import run_query

        path = self.ctx.db_path
        self.full_check_summary.setText("正在完整核对…")

        def check(db, progress):
            return checking.full_check(db, path, lambda seconds: progress(0, 0, f"已用 {seconds:.0f} 秒…"))

        run_query(self, self.ctx, check, label="正在完整核对数据库、全部审计日志和每条记录…", cancellable=True,
                  on_done=self._show_full_check, on_error=self._full_check_failed)

    def _show_full_check(self, result) -> None:
        self.full_check_summary.setText(result.summary())
        self.full_check_summary.setStyleSheet("color: #1b5e20;" if result.report.healthy
                                              else "color: #b00020; font-weight: bold;")
        self.full_check_lines.setPlainText("\n".join(result.report.lines))
        self.full_check_lines.show()
        self._show_audit_state()

    def _full_check_failed(self, error: AppError) -> None:
        self.full_check_summary.setText(f"完整核对没有完成：{error.message}")
        self.full_check_summary.setStyleSheet("color: #b00020;")
