"""The window's fast intake form (一窗受理): keyboard only, Enter saves.

Tab walks the fields in order; the applicant field completes recent
applicants (and fills phone and village); the service item is picked by
typing any part of its name or department.
"""

from __future__ import annotations

import datetime as dt
import itertools

from PySide6.QtCore import QStringListModel, Qt, QTimer, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QCheckBox, QComboBox, QCompleter, QFormLayout, QGroupBox, QHBoxLayout, QLabel, QLineEdit, QPushButton,
    QVBoxLayout, QWidget,
)

from models.service import catalogue

from models.service import tickets
from models.service import workdays
from models.core.errors import AppError, ValidationError
from models.core.personal import mask_phone
from ui.common.action import run_op

ERROR_STYLE = "border: 1px solid #c62828; background: #fff3f3;"


def _is_subsequence(short: str, long: str) -> bool:
    it = iter(long)
    return all(ch in it for ch in short)


class IntakeForm(QWidget):
    """Registers a ticket. Emits saved(ticket dict)."""

    saved = Signal(dict)
    receipt_requested = Signal(str)  # ticket number: print its 受理回执

    def __init__(self, ctx, parent=None):
        super().__init__(parent)
        self.ctx = ctx
        self._items: dict[str, dict] = {}
        self._applicants: dict[str, dict] = {}
        self.item_uuid: str | None = None

        outer = QHBoxLayout(self)
        form_box = QGroupBox(self.tr("受理登记（Tab 切换，回车保存，Esc 清空）"))
        form = QFormLayout(form_box)
        form.setLabelAlignment(Qt.AlignRight)

        self.name = QLineEdit()
        self.name.setPlaceholderText(self.tr("姓名（可选最近来办的群众）"))
        self.phone = QLineEdit()
        self.phone.setPlaceholderText(self.tr("手机 11 位或座机 0571-12345678"))
        self.village = QComboBox()
        self.village.setEditable(True)
        self.id_number = QLineEdit()
        self.id_number.setPlaceholderText(self.tr("可不填；填写时校验"))
        self.channel = QComboBox()
        self.channel.addItems(tickets.CHANNELS)
        self.item = QLineEdit()
        self.item.setPlaceholderText(self.tr("输入事项名称或部门的一部分（可用简称如“低保”），回车选第一项"))
        self.item_info = QLabel()
        self.item_info.setWordWrap(True)
        self.item_info.setStyleSheet("color: #555;")
        self.promise_info = QLabel()  # the promised date, live, before saving
        self.promise_info.setObjectName("promise_info")
        self.promise_info.setWordWrap(True)
        self.pending_receipt: str | None = None
        self.kind = QComboBox()
        self.kind.addItems(tickets.KINDS)
        self.request = QLineEdit()
        self.request.setPlaceholderText(self.tr("群众的诉求（必填）"))
        self.coop = QLineEdit()
        self.coop.setPlaceholderText(self.tr("联办件填写，如“国土、村委会”"))
        self.county = QLineEdit()
        self.county.setPlaceholderText(self.tr("上报件填写，如“县医疗保障局”"))
        self.handler = QComboBox()
        self.handler.setEditable(True)
        # A county's roster lists thousands of cadres: size the box by a name's length, not by
        # measuring every entry when it is first shown (~30 ms for 5,000).
        self.handler.setSizeAdjustPolicy(QComboBox.AdjustToMinimumContentsLengthWithIcon)
        self.handler.setMinimumContentsLength(12)
        self.proxy = QCheckBox(self.tr("全程代理"))
        self.home = QCheckBox(self.tr("上门服务"))
        self.result = QLineEdit()
        self.result.setPlaceholderText(self.tr("即办件当场办结时填写结果；留空则只受理"))

        flags = QHBoxLayout()
        flags.addWidget(self.proxy)
        flags.addWidget(self.home)
        flags.addStretch(1)
        rows = [
            ("申请人*", self.name), ("联系电话*", self.phone), ("村（社区）", self.village), ("身份证号", self.id_number),
            ("受理渠道", self.channel), ("服务事项*", self.item), ("", self.item_info), ("办件类型", self.kind),
            ("承诺办结", self.promise_info),
            ("诉求内容*", self.request), ("协办部门", self.coop), ("上报县级部门", self.county),
            ("承办人", self.handler),
        ]
        for label, w in rows:
            form.addRow(self.tr(label), w)
        form.addRow("", flags)
        form.addRow(self.tr("当场办结结果"), self.result)

        self.error = QLabel()
        self.error.setStyleSheet("color: #c62828; font-weight: bold;")
        self.error.setWordWrap(True)
        self.message = QLabel()
        self.message.setStyleSheet("color: #2e7d32; font-weight: bold;")
        self.message.setWordWrap(True)
        buttons = QHBoxLayout()
        self.save_button = QPushButton(self.tr("保存受理（回车）"))
        self.save_button.setDefault(True)
        self.clear_button = QPushButton(self.tr("清空（Esc）"))
        buttons.addWidget(self.save_button)
        buttons.addWidget(self.clear_button)
        buttons.addStretch(1)
        form.addRow(self.error)
        form.addRow(buttons)
        form.addRow(self.message)
        outer.addWidget(form_box, 3)

        side = QVBoxLayout()
        help_box = QGroupBox(self.tr("窗口提示"))
        hl = QVBoxLayout(help_box)
        self.help = QLabel(self.tr(
            "首问负责：谁受理，谁跟踪到底。\n"
            "即办件：当场办结，填写“当场办结结果”后回车。\n"
            "承办件：按事项承诺时限（工作日，已扣除法定节假日、含调休上班日）。\n"
            "联办件须填协办部门；上报件须填县级部门。\n"
            "缺材料请在办件台帐中“要求补正”，补正期间不计时限。"))
        self.help.setWordWrap(True)
        hl.addWidget(self.help)
        side.addWidget(help_box)
        side.addStretch(1)
        outer.addLayout(side, 2)

        self.setTabOrder(self.name, self.phone)
        order = [self.name, self.phone, self.village, self.id_number, self.channel, self.item, self.kind,
                 self.request, self.coop, self.county, self.handler, self.proxy, self.home, self.result,
                 self.save_button, self.clear_button]
        for a, b in itertools.pairwise(order):
            self.setTabOrder(a, b)

        self.fields = {
            "申请人": self.name, "联系电话": self.phone, "村（社区）": self.village, "身份证号": self.id_number,
            "受理渠道": self.channel, "服务事项": self.item, "办件类型": self.kind, "诉求内容": self.request,
            "协办部门": self.coop, "上报县级部门": self.county, "承办人": self.handler, "受理日期": self.name,
            "承诺时限": self.item, "办理结果": self.result,
        }
        self.name.returnPressed.connect(self._name_enter)
        self.name.textEdited.connect(lambda _t: self._drop_pending_receipt())
        for w in (self.phone, self.id_number, self.request, self.coop, self.county, self.result):
            w.returnPressed.connect(self.save)
        self.village.lineEdit().returnPressed.connect(self.save)
        self.handler.lineEdit().returnPressed.connect(self.save)
        self.item.returnPressed.connect(self._item_enter)
        self.save_button.clicked.connect(self.save)
        self.clear_button.clicked.connect(self.clear)
        QShortcut(QKeySequence(Qt.Key_Escape), self, activated=self._escape)
        self.kind.currentTextChanged.connect(self._kind_changed)
        self.item.textEdited.connect(lambda _t: self._set_item(None))

        self.applicant_completer = QCompleter(self)
        self.applicant_completer.setCaseSensitivity(Qt.CaseInsensitive)
        self.applicant_completer.setFilterMode(Qt.MatchStartsWith)
        self.applicant_completer.activated[str].connect(self._applicant_chosen)
        self.name.setCompleter(self.applicant_completer)
        self.item_completer = QCompleter(self)
        self.item_completer.setCaseSensitivity(Qt.CaseInsensitive)
        self.item_completer.setFilterMode(Qt.MatchContains)
        self.item_completer.setMaxVisibleItems(12)
        self.item_completer.activated[str].connect(self._item_chosen)
        self.item.setCompleter(self.item_completer)

        can = ctx.actor.can("tickets.write")
        self.setEnabled(can)
        if not can:
            self.error.setText(self.tr("当前账户无权登记办件（只读）。"))
        self.reload()
        self._kind_changed(self.kind.currentText())

    # -- data --
    def reload(self) -> None:
        """Refresh pick lists: recent applicants, catalogue, villages, cadres."""
        db = self.ctx.db
        self._applicants = {}
        for a in tickets.recent_applicants(db):
            label = f"{a['name']}  {mask_phone(a['phone'])}  {a['village']}".strip()
            self._applicants.setdefault(label, a)
        self.applicant_completer.setModel(QStringListModel(list(self._applicants), self.applicant_completer))
        self._items = {}
        for it in catalogue.list_items(db, active_only=True):
            limit = "即办" if it["time_limit_days"] == 0 else f"{it['time_limit_days']} 个工作日"
            self._items[f"{it['name']} · {it['department']}（{limit}）"] = it
        self.item_completer.setModel(QStringListModel(list(self._items), self.item_completer))
        current = self.village.currentText()
        self.village.clear()
        self.village.addItems([""] + tickets.villages_in_use(db, self.ctx.township_filter))
        self.village.setCurrentText(current)
        self.handler.clear()
        self._cadres = tickets.cadre_choices(db)
        self.handler.addItem("", None)
        for uuid, name in self._cadres:
            self.handler.addItem(name, uuid)

    def _applicant_chosen(self, label: str) -> None:
        a = self._applicants.get(label)
        if not a:
            return

        def fill():
            self.name.setText(a["name"])
            self.phone.setText(a["phone"])
            self.village.setCurrentText(a["village"])
            self.phone.setFocus()
        QTimer.singleShot(0, fill)

    def _item_chosen(self, label: str) -> None:
        it = self._items.get(label)
        if it:
            QTimer.singleShot(0, lambda: self._set_item(it, label))

    def _item_enter(self) -> None:
        # Enter in the item field: take the single (or first) match, else save.
        if self.item_uuid:
            self.save()
            return
        text = self.item.text().strip()
        matches = [label for label in self._items if text and text in label]
        if not matches and text:
            # Abbreviations: "低保" finds 最低生活保障 (characters in order, not adjacent).
            matches = [label for label in self._items if _is_subsequence(text, label.split(" · ")[0])]
        if matches:
            self._set_item(self._items[matches[0]], matches[0])
            self.kind.setFocus()

    def _set_item(self, it: dict | None, label: str = "") -> None:
        if it is None:
            self.item_uuid = None
            self.item_info.setText("")
            self._show_promise()
            return
        self.item_uuid = it["uuid"]
        self.item.setText(label)
        self.kind.setCurrentText(it["default_kind"])
        limit = "即办件，当场办结" if it["time_limit_days"] == 0 else f"承诺 {it['time_limit_days']} 个工作日办结"
        self.item_info.setText(f"{limit}；所需材料：{it['materials'] or '无'}；收费：{it['fee_amount']}；"
                               f"责任岗位：{it['responsible_post'] or it['department']}")
        if it["default_kind"] == "上报件" and not self.county.text():
            self.county.setText("")
        self._show_promise()

    def _show_promise(self) -> None:
        """Tell the citizen the promised date while the item and kind are chosen, not after saving."""
        if not self.item_uuid:
            self.promise_info.setText("选定服务事项后显示承诺办结日期")
            self.promise_info.setStyleSheet("color: #777;")
            return
        try:
            days, due = tickets.promise_preview(self.ctx.db, self.item_uuid, self.kind.currentText())
        except AppError as e:
            self.promise_info.setText(e.message)
            self.promise_info.setStyleSheet("color: #c62828;")
            return
        text = "即办件，当场办结" if days == 0 else f"{days} 个工作日，{due.year}年{due.month}月{due.day}日前办结"
        provisional = days > 0 and workdays.depends_on_provisional(self.ctx.db, dt.date.today(), due)
        if provisional:  # the year has no official calendar yet: tell the citizen it may shift
            text += workdays.PROVISIONAL_NOTE
        self.promise_info.setText(text)
        self.promise_info.setProperty("provisional", provisional)
        self.promise_info.setStyleSheet("color: #8a4b00; font-weight: bold;" if provisional
                                        else "color: #1f4e8c; font-weight: bold;")
    def _kind_changed(self, kind: str) -> None:
        self.coop.setEnabled(kind == "联办件")
        self.county.setEnabled(kind == "上报件")
        self.result.setEnabled(kind == "即办件")
        self._show_promise()

    # -- the receipt, one key after saving --
    def _name_enter(self) -> None:
        if self.pending_receipt and not self.name.text().strip():
            number = self.pending_receipt
            self._drop_pending_receipt()
            self.receipt_requested.emit(number)
            return
        self.save()

    def _escape(self) -> None:
        if self.pending_receipt:
            self._drop_pending_receipt()
            return
        self.clear()

    def _drop_pending_receipt(self) -> None:
        if self.pending_receipt:
            self.pending_receipt = None
            self.message.setText(self.message.text().split("　【")[0])

    # -- actions --
    def values(self) -> dict:
        handler_uuid = self.handler.currentData() if self.handler.currentText() == self.handler.itemText(
            self.handler.currentIndex()) else None
        return {
            "applicant_name": self.name.text(), "applicant_phone": self.phone.text(),
            "applicant_village": self.village.currentText(), "applicant_id_number": self.id_number.text(),
            "channel": self.channel.currentText(), "item_uuid": self.item_uuid, "kind": self.kind.currentText(),
            "request_text": self.request.text(), "cooperating_departments": self.coop.text() if self.coop.isEnabled() else "",
            "county_office": self.county.text() if self.county.isEnabled() else "",
            "handler_cadre_uuid": handler_uuid, "handler_name": self.handler.currentText(),
            "proxy_service": self.proxy.isChecked(), "home_service": self.home.isChecked(),
            "township_code": self.ctx.township_filter or None,
        }

    def _clear_marks(self) -> None:
        for w in set(self.fields.values()):
            w.setStyleSheet("")
        self.error.setText("")

    def save(self) -> None:
        """Validate and store; on error mark the field and keep the input."""
        self._clear_marks()
        self.message.setText("")
        result = self.result.text().strip() if self.result.isEnabled() and self.result.text().strip() else None
        if not self.item_uuid and self.item.text().strip():
            self._refused(ValidationError("服务事项", "请从列表中选择服务事项（输入名称的一部分后按↓选择）。"))
            return
        values, actor = self.values(), self.ctx.actor

        def refused(e: AppError) -> None:
            self.setEnabled(True)
            self._refused(e)

        def saved(t: dict, _changes) -> None:
            self.setEnabled(True)
            self._saved(t)

        # The form waits while the ticket is stored on a worker connection (a few
        # milliseconds): the next applicant's first keys must not be cleared away.
        self.setEnabled(False)
        run_op(self, self.ctx, lambda db, _progress: tickets.create_ticket(db, actor, values, finish_result=result),
               changes={"tickets"}, on_done=saved, on_error=refused, on_finished=lambda: self.setEnabled(True))

    def _refused(self, e: AppError) -> None:
        """Mark the field named by a ValidationError and keep the input."""
        w = self.fields.get(e.field) if isinstance(e, ValidationError) else None
        if w is not None:
            w.setStyleSheet(ERROR_STYLE)
            w.setFocus()
        self.error.setText(e.message)

    def _saved(self, t: dict) -> None:
        done = "，已当场办结" if t["status"] == tickets.FINISHED else (f"，承诺 {t['due_date']} 前办结"
                                                                 + (workdays.PROVISIONAL_NOTE if t["due_provisional"] else ""))
        self.clear(keep_message=True)
        self.pending_receipt = t["ticket_no"]
        self.message.setText(f"已受理 {t['ticket_no']}：{t['applicant_name']}，{t['item_name'] or t['department']}{done}。"
                             "　【回车】打印受理回执，【Esc】或直接输入下一位申请人继续")
        self.saved.emit(t)

    def clear(self, keep_message: bool = False) -> None:
        for w in (self.name, self.phone, self.id_number, self.item, self.request, self.coop, self.county, self.result):
            w.clear()
        self.village.setCurrentText("")
        self.handler.setCurrentIndex(0)
        self.proxy.setChecked(False)
        self.home.setChecked(False)
        self.channel.setCurrentIndex(0)
        self._set_item(None)
        self._clear_marks()
        if not keep_message:
            self.pending_receipt = None
            self.message.setText("")
        self.name.setFocus()
