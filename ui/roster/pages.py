"""Pages of the 领导班子 tab besides the cadre list: the team with its
cross-appointments, the duty matrix and village coverage, the whereabouts
board, statistics with the age pyramid, and the rule checks.

Each page has refresh(); the tab calls it when the page is shown and after a
change. Pages read through models/ and write through models/ actions."""

from __future__ import annotations

import datetime as dt

from PySide6.QtCore import QDate, QRectF, Qt
from PySide6.QtGui import QBrush, QColor, QFont, QPainter, QPen
from PySide6.QtWidgets import (QAbstractItemView, QComboBox, QDateEdit, QFormLayout, QGroupBox, QHBoxLayout,
                               QHeaderView, QLabel, QLineEdit, QListWidget, QListWidgetItem, QMessageBox,
                               QPushButton, QSplitter, QTableWidget, QTableWidgetItem, QVBoxLayout, QWidget)

from models.roster import team as roster

from models.roster import rules as roster_rules

from models.roster import stats as roster_stats
from models.core.errors import AppError
from ui.common.action import run_op

WARN_BG = QColor("#fff3cd")
CROSS_BG = QColor("#e8f0fe")


def _item(text, tooltip: str = "", bg: QColor | None = None, data=None) -> QTableWidgetItem:
    item = QTableWidgetItem("" if text is None else str(text))
    item.setFlags(Qt.ItemIsEnabled | Qt.ItemIsSelectable)
    if tooltip:
        item.setToolTip(tooltip)
    if bg is not None:
        item.setBackground(QBrush(bg))
    if data is not None:
        item.setData(Qt.UserRole, data)
    return item


class _Page(QWidget):
    def __init__(self, ctx, parent=None):
        super().__init__(parent)
        self.ctx = ctx

    @property
    def code(self):
        return self.ctx.township_filter or None

    def needs_township(self, hint: QLabel) -> bool:
        """A county database without a chosen township: the team, duties and
        whereabouts of twenty townships in one table mean nothing, so ask."""
        missing = self.ctx.county_mode and not self.ctx.township_filter
        hint.setVisible(missing)
        hint.setText(self.tr("县级汇总库：请先在工具栏的乡镇筛选中选择一个乡镇。") if missing else "")
        return missing

    def can_write(self) -> bool:
        return self.ctx.actor.can("roster.write")

    def fail(self, e: AppError) -> None:
        QMessageBox.warning(self, self.tr("无法完成"), e.message)

    def run(self, op, changes=("roster",), then=None, on_error=None) -> None:
        """op(db, actor) through ui/common/action.run_op: a worker connection, off
        the GUI thread; the tab refreshes from the declared change. A refusal
        shows its Chinese message (or goes to on_error) and changes nothing."""
        actor = self.ctx.actor
        run_op(self, self.ctx, lambda db, _progress: op(db, actor), changes=set(changes),
               on_done=lambda result, _changes: then(result) if then is not None else None,
               on_error=on_error or self.fail)


class TeamPage(_Page):
    """The leadership by organ: one row per member, one column per organ, so a
    cross-appointed member shows several filled cells on one row."""

    ORGANS = ["党委", "政府", "人大", "纪委", "政协", "人武部", "群团"]

    def __init__(self, ctx, parent=None):
        super().__init__(ctx, parent)
        layout = QVBoxLayout(self)
        self.summary = QLabel()
        self.summary.setObjectName("team_summary")
        layout.addWidget(self.summary)
        self.table = QTableWidget(0, 3 + len(self.ORGANS))
        self.table.setObjectName("team_table")
        self.table.setHorizontalHeaderLabels(["姓名", "性别", "年龄"] + self.ORGANS)
        self.table.verticalHeader().setVisible(False)
        self.table.setEditTriggers(QAbstractItemView.NoEditTriggers)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.Stretch)
        for col in (0, 1, 2):
            self.table.horizontalHeader().setSectionResizeMode(col, QHeaderView.ResizeToContents)
        layout.addWidget(self.table, 3)
        self.warnings = QListWidget()
        self.warnings.setObjectName("team_warnings")
        box = QGroupBox(self.tr("规则提醒"))
        QVBoxLayout(box).addWidget(self.warnings)
        layout.addWidget(box, 1)

    def refresh(self) -> None:
        if self.needs_township(self.summary):
            self.table.setRowCount(0)
            self.warnings.clear()
            return
        team = roster.current_team(self.ctx.db, self.code)
        kinds = {o["name"]: o["kind"] for o in roster.organs(self.ctx.db, self.code)}
        today = dt.date.today()
        self.table.setRowCount(len(team))
        for r, m in enumerate(team):
            cross = len(m["posts"]) > 1
            self.table.setItem(r, 0, _item(m["name"] + ("（一肩挑）" if m["dual_head"] else ""), m["titles"]))
            self.table.setItem(r, 1, _item(m["sex"]))
            self.table.setItem(r, 2, _item(roster.age_at(m["birth_date"], today)))
            by_kind: dict[str, list] = {}
            for p in m["posts"]:
                by_kind.setdefault(kinds.get(p["organ"], "群团"), []).append(p["title"])
            for c, kind in enumerate(self.ORGANS, 3):
                titles = by_kind.get(kind, [])
                self.table.setItem(r, c, _item("、".join(titles), bg=CROSS_BG if titles and cross else None))
        dual = "，党政一肩挑" if any(m["dual_head"] for m in team) else ""
        crossed = sum(1 for m in team if len(m["posts"]) > 1)
        self.summary.setText(f"班子 {len(team)} 人，其中交叉任职 {crossed} 人{dual}。浅蓝色格子为同一人兼任的多个职务。")
        self.warnings.clear()
        findings = roster_rules.check(self.ctx.db, self.code)
        for f in findings:
            item = QListWidgetItem(f"⚠ {f['text']}")
            item.setToolTip(f"依据 [{f['source']}]：{f['rule']}")
            self.warnings.addItem(item)
        if not findings:
            self.warnings.addItem(self.tr("没有规则提醒。"))


class DutiesPage(_Page):
    """Duty matrix (areas × leaders; click a cell to cycle 分管 → 协管 → 空) and
    village coverage (驻村 / 联村 / 两委)."""

    CYCLE = {"": "分管", "分管": "协管", "协管": ""}

    def __init__(self, ctx, parent=None):
        super().__init__(ctx, parent)
        layout = QVBoxLayout(self)
        top = QHBoxLayout()
        top.addWidget(QLabel(self.tr("分工矩阵：点击格子切换 分管 → 协管 → 空；每行应恰好一个“分管”。")))
        top.addStretch(1)
        self.new_area = QLineEdit()
        self.new_area.setPlaceholderText(self.tr("新分管领域名称"))
        self.new_area_kind = QComboBox()
        self.new_area_kind.setObjectName("new_area_kind")
        self.new_area_kind.addItems(roster.AREA_KINDS)
        self.new_area_kind.setCurrentText("其他")
        self.new_area_kind.setToolTip(self.tr("领域类别：“不分管财政”的规则按类别认定财政领域（设置 → 属于财政的分管领域类别）"))
        self.add_area_btn = QPushButton(self.tr("添加领域"))
        self.add_area_btn.clicked.connect(self.add_area)
        top.addWidget(self.new_area)
        top.addWidget(self.new_area_kind)
        top.addWidget(self.add_area_btn)
        layout.addLayout(top)
        self.hint = QLabel()
        self.hint.setStyleSheet("color: #b06000;")
        layout.addWidget(self.hint)
        split = QSplitter(Qt.Vertical)
        self.matrix = QTableWidget()
        self.matrix.setObjectName("duty_matrix")
        self.matrix.setEditTriggers(QAbstractItemView.NoEditTriggers)
        self.matrix.cellClicked.connect(self.cycle_cell)
        split.addWidget(self.matrix)
        self.villages = QTableWidget(0, 4)
        self.villages.setObjectName("village_coverage")
        self.villages.setHorizontalHeaderLabels(["村", "驻村干部", "联村领导", "村两委（书记 / 主任）"])
        self.villages.verticalHeader().setVisible(False)
        self.villages.setEditTriggers(QAbstractItemView.NoEditTriggers)
        self.villages.horizontalHeader().setSectionResizeMode(QHeaderView.Stretch)
        self.villages.setToolTip(self.tr("双击一个村：添加或移除驻村、联村干部，登记村两委成员"))
        self.villages.cellDoubleClicked.connect(self.edit_village)
        split.addWidget(self.villages)
        layout.addWidget(split)
        self._areas = []
        self._leaders = []
        self._coverage = []

    def refresh(self) -> None:
        self.add_area_btn.setEnabled(self.can_write() and not self.ctx.county_mode)
        if self.needs_township(self.hint):
            self._areas, self._leaders = [], []
            self.matrix.clear()
            self.matrix.setRowCount(0)
            self.matrix.setColumnCount(0)
            self.villages.setRowCount(0)
            return
        data = roster.duty_matrix(self.ctx.db, self.code)
        self._areas, self._leaders = data["areas"], data["leaders"]
        self.matrix.clear()
        self.matrix.setRowCount(len(self._areas))
        self.matrix.setColumnCount(len(self._leaders) + 1)
        # 缺位补位: a leader on approved leave today shows who stands in
        away = roster.stand_ins(self.ctx.db, dt.date.today(), self.code)

        def header(m):
            a = away.get(m["uuid"])
            if not a:
                return m["name"]
            return f"{m['name']}\n（{a['kind']}至{a['until'][5:]}" + (f"，{a['stand_in']}补位）" if a["stand_in"] else "）")

        self.matrix.setHorizontalHeaderLabels([header(m) for m in self._leaders] + ["一般干部协管"])
        for c, m in enumerate(self._leaders):
            self.matrix.horizontalHeaderItem(c).setToolTip(m["titles"])
        labels = []
        for r, area in enumerate(self._areas):
            leaders = len(area["leaders"])
            others = [a["name"] for a in area["assignments"] if a["cadre_uuid"] not in {m["uuid"] for m in self._leaders}]
            labels.append(area["name"] + f"（{area['kind']}）"
                          + (f" · {area['office']}" if area.get("office") else ""))
            bad = leaders != 1
            for c, m in enumerate(self._leaders):
                kind = data["cells"].get((area["uuid"], m["uuid"]), "")
                item = _item(kind, bg=WARN_BG if bad else None)
                item.setTextAlignment(Qt.AlignCenter)
                if kind == "分管":
                    f = item.font()
                    f.setBold(True)
                    item.setFont(f)
                self.matrix.setItem(r, c, item)
            self.matrix.setItem(r, len(self._leaders), _item("、".join(others), "点击可移除其中一人：" + "、".join(others)
                                                             if others else ""))
        self.matrix.setVerticalHeaderLabels(labels)
        header = self.matrix.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.Stretch)
        header.setSectionResizeMode(len(self._leaders), QHeaderView.Interactive)
        header.resizeSection(len(self._leaders), 260)

        coverage = roster.village_coverage(self.ctx.db, self.code)
        self._coverage = coverage
        self.villages.setRowCount(len(coverage))
        for r, v in enumerate(coverage):
            bg = WARN_BG if not v["liaisons"] else None
            stationed = [link["name"] for link in v["liaisons"] if link["kind"] == "驻村"]
            linked = [link["name"] for link in v["liaisons"] if link["kind"] == "联村"]
            heads = [f"{o['name']}（{o['roles'].replace(',', '、')}）" for o in v["officials"]
                     if {"书记", "主任"} & set(o["roles"].split(","))]
            self.villages.setItem(r, 0, _item(v["name"] + ("（一肩挑）" if v["dual_head"] else ""), bg=bg))
            self.villages.setItem(r, 1, _item("、".join(stationed) or "—", bg=bg))
            self.villages.setItem(r, 2, _item("、".join(linked) or "—", bg=bg))
            self.villages.setItem(r, 3, _item("；".join(heads)))

    def staff_assignments(self, row: int) -> list[dict]:
        """The duties of general cadres (not team members) in one area."""
        team = {m["uuid"] for m in self._leaders}
        return [a for a in self._areas[row]["assignments"] if a["cadre_uuid"] not in team]

    def remove_staff_duty(self, row: int, name: str | None = None) -> None:
        """Take a general cadre off an area (asks which one when several)."""
        from PySide6.QtWidgets import QInputDialog

        staff = self.staff_assignments(row)
        if not staff:
            return
        if name is None:
            name, ok = QInputDialog.getItem(self, self.tr("移除协管"), self.tr("从“%s”移除：") % self._areas[row]["name"],
                                            [a["name"] for a in staff], 0, False)
            if not ok:
                return
        chosen = next((a for a in staff if a["name"] == name), None)
        if chosen is None:
            return
        area_uuid = self._areas[row]["uuid"]
        self.run(lambda db, actor: roster.unassign_duty(db, actor, area_uuid, chosen["cadre_uuid"]))

    def cycle_cell(self, row: int, col: int) -> None:
        if not self.can_write() or row >= len(self._areas):
            return
        if col == len(self._leaders):
            self.remove_staff_duty(row)
            return
        if col > len(self._leaders):
            return
        current = self.matrix.item(row, col).text()
        area_uuid, leader_uuid, duty = self._areas[row]["uuid"], self._leaders[col]["uuid"], self.CYCLE.get(current, "")
        self.run(lambda db, actor: roster.set_duty(db, actor, area_uuid, leader_uuid, duty or None))

    def edit_village(self, row: int, _col: int = 0) -> None:
        from ui.roster.dialogs import LiaisonDialog

        if not self.can_write() or row >= len(self._coverage):
            return
        dialog = LiaisonDialog(self.ctx, self._coverage[row], self)
        dialog.exec()  # its changes were told to every tab as they were saved

    def add_area(self) -> None:
        name, kind, order = self.new_area.text(), self.new_area_kind.currentText(), len(self._areas)
        self.run(lambda db, actor: roster.add_duty_area(db, actor, name, kind, sort_order=order),
                 then=lambda _r: self.new_area.clear())


class WhereaboutsPage(_Page):
    """The 干部流向 board of a day: select cadres, click a status. History of a
    day's changes stays in the audit log; earlier days stay on the board."""

    def __init__(self, ctx, parent=None):
        super().__init__(ctx, parent)
        layout = QVBoxLayout(self)
        top = QHBoxLayout()
        top.addWidget(QLabel(self.tr("日期")))
        self.date = QDateEdit(QDate.currentDate())
        self.date.setObjectName("whereabouts_date")
        self.date.setCalendarPopup(True)
        self.date.setDisplayFormat("yyyy-MM-dd")
        self.date.dateChanged.connect(lambda _: self.refresh())
        top.addWidget(self.date)
        self.place = QLineEdit()
        self.place.setPlaceholderText(self.tr("地点 / 备注（可空，如：青石村）"))
        top.addWidget(self.place, 1)
        layout.addLayout(top)
        buttons = QHBoxLayout()
        buttons.addWidget(QLabel(self.tr("把选中的人设为：")))
        self.status_buttons = []
        for status in roster.WHEREABOUTS:
            b = QPushButton(status)
            b.setObjectName(f"status_{status}")
            b.clicked.connect(lambda _=False, s=status: self.apply(s))
            buttons.addWidget(b)
            self.status_buttons.append(b)
        self.unset_all = QPushButton(self.tr("未填的都设为在岗"))
        self.unset_all.clicked.connect(self.fill_unset)
        buttons.addStretch(1)
        buttons.addWidget(self.unset_all)
        layout.addLayout(buttons)
        self.table = QTableWidget(0, 4)
        self.table.setObjectName("whereabouts_table")
        self.table.setHorizontalHeaderLabels(["姓名", "职务", "去向", "地点 / 备注"])
        self.table.verticalHeader().setVisible(False)
        self.table.setEditTriggers(QAbstractItemView.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.ExtendedSelection)
        self.table.horizontalHeader().setSectionResizeMode(1, QHeaderView.Stretch)
        self.table.horizontalHeader().setSectionResizeMode(3, QHeaderView.Stretch)
        self.table.setToolTip(self.tr("双击一人：查看其近期去向记录"))
        self.table.cellDoubleClicked.connect(self.show_history)
        layout.addWidget(self.table)
        self.counts = QLabel()
        layout.addWidget(self.counts)
        self.hint = QLabel()
        self.hint.setStyleSheet("color: #b06000;")
        layout.insertWidget(0, self.hint)
        self._rows = []

    def day(self) -> str:
        return self.date.date().toString("yyyy-MM-dd")

    def refresh(self) -> None:
        for b in self.status_buttons + [self.unset_all]:
            b.setEnabled(self.can_write())
        if self.needs_township(self.hint):
            self._rows = []
            self.table.setRowCount(0)
            self.counts.clear()
            return
        self._rows = roster.whereabouts_board(self.ctx.db, self.day(), self.code)
        self.table.setRowCount(len(self._rows))
        colours = {"在岗": None, "值班": None, "下村": QColor("#e6f4ea"), "请假": WARN_BG, "": QColor("#f1f3f4")}
        for r, row in enumerate(self._rows):
            bg = colours.get(row["status"], CROSS_BG)
            self.table.setItem(r, 0, _item(row["name"], data=row["uuid"], bg=bg))
            self.table.setItem(r, 1, _item(row["post"], bg=bg))
            self.table.setItem(r, 2, _item(row["status"] or "未填", bg=bg))
            self.table.setItem(r, 3, _item("；".join(x for x in (row["place"], row["note"]) if x), bg=bg))
        counts: dict[str, int] = {}
        for row in self._rows:
            counts[row["status"] or "未填"] = counts.get(row["status"] or "未填", 0) + 1
        self.counts.setText("　".join(f"{k} {v} 人" for k, v in counts.items()))

    def apply(self, status: str) -> None:
        rows = sorted({i.row() for i in self.table.selectedIndexes()})
        if not rows:
            QMessageBox.information(self, self.tr("干部流向"), self.tr("请先在表格中选中一人或多人（可按住 Ctrl 或 Shift 多选）。"))
            return
        place = self.place.text()
        entries = {self._rows[r]["uuid"]: (status, place, "") for r in rows}
        day = self.day()
        self.run(lambda db, actor: roster.set_whereabouts_many(db, actor, day, entries))

    def history_text(self, row: int) -> str:
        """The recent days of one cadre on the board, newest first."""
        entry = self._rows[row]
        lines = [f"{h['date']}  {h['status']}  {h['place'] or ''}  （{h['updated_by']} {h['updated_at'][5:16]}）"
                 for h in roster.whereabouts_history(self.ctx.db, entry["uuid"], 30)]
        return f"{entry['name']}的近期去向：\n" + ("\n".join(lines) if lines else "（没有记录）")

    def show_history(self, row: int, _col: int = 0) -> None:
        if row < len(self._rows):
            QMessageBox.information(self, self.tr("去向记录"), self.history_text(row))

    def fill_unset(self) -> None:
        entries = {row["uuid"]: "在岗" for row in self._rows if not row["status"]}
        if not entries:
            return
        day = self.day()
        self.run(lambda db, actor: roster.set_whereabouts_many(db, actor, day, entries))


class AgePyramid(QWidget):
    """Men to the left, women to the right, youngest band at the bottom."""

    MALE = QColor("#4a78c2")
    FEMALE = QColor("#d9607a")

    def __init__(self, parent=None):
        super().__init__(parent)
        self.rows = []
        self.setMinimumSize(420, 300)

    def set_rows(self, rows: list[dict]) -> None:
        self.rows = rows
        self.update()

    def paintEvent(self, event) -> None:  # noqa: N802 - Qt name
        p = QPainter(self)
        p.setRenderHint(QPainter.Antialiasing)
        p.fillRect(self.rect(), QColor("white"))
        if not self.rows:
            p.drawText(self.rect(), Qt.AlignCenter, "没有数据")
            return
        w, h = self.width(), self.height()
        top, bottom, label_w = 30, 24, 64
        band_h = (h - top - bottom) / len(self.rows)
        half = (w - label_w) / 2 - 30
        centre = w / 2
        biggest = max(max(r["male"], r["female"]) for r in self.rows) or 1
        font = QFont(self.font())
        font.setPointSize(9)
        p.setFont(font)
        p.setPen(QColor("#333"))
        p.drawText(QRectF(0, 4, centre - label_w / 2, 20), Qt.AlignRight | Qt.AlignVCenter, "男 ")
        p.drawText(QRectF(centre + label_w / 2, 4, w, 20), Qt.AlignLeft | Qt.AlignVCenter, " 女")
        for i, r in enumerate(reversed(self.rows)):
            y = top + i * band_h
            bar_h = band_h * 0.72
            y_bar = y + (band_h - bar_h) / 2
            mw = half * r["male"] / biggest
            fw = half * r["female"] / biggest
            p.setPen(Qt.NoPen)
            p.setBrush(self.MALE)
            p.drawRect(QRectF(centre - label_w / 2 - mw, y_bar, mw, bar_h))
            p.setBrush(self.FEMALE)
            p.drawRect(QRectF(centre + label_w / 2, y_bar, fw, bar_h))
            p.setPen(QColor("#333"))
            p.drawText(QRectF(centre - label_w / 2, y, label_w, band_h), Qt.AlignCenter, r["band"])
            if r["male"]:
                p.drawText(QRectF(0, y, centre - label_w / 2 - mw - 4, band_h), Qt.AlignRight | Qt.AlignVCenter,
                           str(r["male"]))
            if r["female"]:
                p.drawText(QRectF(centre + label_w / 2 + fw + 4, y, w, band_h), Qt.AlignLeft | Qt.AlignVCenter,
                           str(r["female"]))
        p.setPen(QPen(QColor("#999")))
        p.drawText(QRectF(0, h - bottom, w, bottom), Qt.AlignCenter, "年龄（岁）")
        p.end()


class StatsPage(_Page):
    """The structure table (DOMAIN.md §1) at a reference date, and the age pyramid."""

    def __init__(self, ctx, parent=None):
        super().__init__(ctx, parent)
        layout = QHBoxLayout(self)
        left = QVBoxLayout()
        row = QHBoxLayout()
        row.addWidget(QLabel(self.tr("统计基准日")))
        self.ref = QDateEdit(QDate.currentDate())
        self.ref.setCalendarPopup(True)
        self.ref.setDisplayFormat("yyyy-MM-dd")
        self.ref.dateChanged.connect(lambda _: self.refresh())
        row.addWidget(self.ref)
        row.addStretch(1)
        left.addLayout(row)
        self.form = QFormLayout()
        left.addLayout(self.form)
        left.addStretch(1)
        layout.addLayout(left, 1)
        self.pyramid = AgePyramid()
        self.pyramid.setObjectName("age_pyramid")
        layout.addWidget(self.pyramid, 1)

    def refresh(self) -> None:
        ref = self.ref.date().toPython()
        while self.form.rowCount():
            self.form.removeRow(0)
        s = roster_stats.structure(self.ctx.db, self.code, ref)
        for label, value in roster_stats.structure_lines(s):
            v = QLabel(value)
            v.setWordWrap(True)
            v.setTextInteractionFlags(Qt.TextSelectableByMouse)
            self.form.addRow(QLabel(label + "："), v)
        self.pyramid.set_rows(roster_stats.age_pyramid(self.ctx.db, self.code, ref))


class RulesPage(_Page):
    """Every rule finding with the rule's source report."""

    def __init__(self, ctx, parent=None):
        super().__init__(ctx, parent)
        layout = QVBoxLayout(self)
        layout.addWidget(QLabel(self.tr("每条规则都注明依据的调研报告；阈值可在“设置”中修改。")))
        presets = QHBoxLayout()
        self.preset_label = QLabel()
        self.preset_label.setObjectName("rule_preset")
        self.preset_label.setWordWrap(True)
        presets.addWidget(self.preset_label, 1)
        self.preset_buttons = {}
        for name in roster_rules.PRESETS:
            btn = QPushButton(self.tr(f"套用{roster_rules.PRESET_NAMES[name].split('（')[0]}规则"))
            btn.setToolTip(roster_rules.PRESETS[name]["label"])
            btn.clicked.connect(lambda _=False, n=name: self.apply_preset(n))
            presets.addWidget(btn)
            self.preset_buttons[name] = btn
        self.send_btn = QPushButton(self.tr("下发为全县规则"))
        self.send_btn.setToolTip(self.tr("县级汇总库：现用规则随下次导出的参考数据包下发各乡镇，乡镇导入后采用"))
        self.send_btn.clicked.connect(self.send_rules)
        presets.addWidget(self.send_btn)
        layout.addLayout(presets)
        self.table = QTableWidget(0, 3)
        self.table.setObjectName("rules_table")
        self.table.setHorizontalHeaderLabels(["来源", "情况", "规则"])
        self.table.verticalHeader().setVisible(False)
        self.table.setEditTriggers(QAbstractItemView.NoEditTriggers)
        self.table.setWordWrap(True)
        # Report titles are long: a fixed column, wrapped.
        self.table.horizontalHeader().setSectionResizeMode(0, QHeaderView.Interactive)
        self.table.setColumnWidth(0, 220)
        self.table.horizontalHeader().setSectionResizeMode(1, QHeaderView.Stretch)
        self.table.horizontalHeader().setSectionResizeMode(2, QHeaderView.Stretch)
        layout.addWidget(self.table)

    def apply_preset(self, name: str) -> None:
        """Write every setting of a field report's team shape (county rule set)."""
        from models.core import settings

        preset = roster_rules.PRESETS[name]
        lo, hi = roster_rules.parse_range(preset["roster.team_seats_range"], "职数范围") or (0, 0)
        quota = int(settings.get(self.ctx.db, "roster.team_quota"))
        quota = quota if lo <= quota <= hi else int(preset["roster.team_quota"])
        if QMessageBox.question(self, self.tr("套用规则"), self.tr(
                f"{preset['label']}\n\n班子职数取 {quota} 人。这会改写班子配备、提名年龄、女干部和财政分管的全部设置，"
                "确定吗？")) != QMessageBox.Yes:
            return
        self.run(lambda db, actor: roster_rules.apply_preset(db, actor, name, quota), changes={"settings"})

    def send_rules(self) -> None:
        self.run(roster_rules.send_county_rules, changes={"handoff"},
                 then=lambda n: QMessageBox.information(
                     self, self.tr("下发全县规则"), self.tr(f"已将 {n} 项规则放入参考数据包，下次导出参考数据包时下发各乡镇。")))

    def refresh(self) -> None:
        from models.core import settings

        self.send_btn.setVisible(self.ctx.county_mode)
        self.send_btn.setEnabled(self.ctx.actor.can("settings.write"))
        preset = settings.get(self.ctx.db, "roster.rule_preset")
        self.preset_label.setText(self.tr("现用规则：") + (roster_rules.PRESETS[preset]["label"]
                                                       if preset in roster_rules.PRESETS else
                                                       self.tr("县里下发") if preset == "县定" else self.tr("自定")))
        for btn in self.preset_buttons.values():
            btn.setEnabled(self.ctx.actor.can("settings.write"))
        findings = roster_rules.check(self.ctx.db, self.code)
        self.table.setRowCount(max(len(findings), 1))
        if not findings:
            self.table.setItem(0, 0, _item(""))
            self.table.setItem(0, 1, _item("没有规则提醒。"))
            self.table.setItem(0, 2, _item(""))
        for r, f in enumerate(findings):
            self.table.setItem(r, 0, _item(roster_rules.source_title(f["source"]), bg=WARN_BG))
            self.table.setItem(r, 1, _item(f["message"], bg=WARN_BG))
            self.table.setItem(r, 2, _item(f["rule"]))
        self.table.resizeRowsToContents()


class PostsPage(_Page):
    """Organs and posts: add a post, mark it as a team seat, keep its written
    description (职位说明书), and see who holds it now."""

    def __init__(self, ctx, parent=None):
        super().__init__(ctx, parent)
        from PySide6.QtWidgets import QCheckBox, QPlainTextEdit

        layout = QVBoxLayout(self)
        add = QHBoxLayout()
        self.organ = QComboBox()
        self.title = QLineEdit()
        self.title.setPlaceholderText(self.tr("职务名称，如：副镇长"))
        self.role = QComboBox()
        for key, label in roster.ROLES.items():
            self.role.addItem(label, key)
        self.role.setCurrentIndex(self.role.findData(""))
        self.is_team = QCheckBox(self.tr("班子成员职位"))
        self.add_btn = QPushButton(self.tr("新增职务"))
        self.add_btn.clicked.connect(self.add_post)
        for w, label in ((self.organ, "机构"), (self.title, "职务"), (self.role, "类别")):
            add.addWidget(QLabel(self.tr(label)))
            add.addWidget(w, 1 if w is self.title else 0)
        add.addWidget(self.is_team)
        add.addWidget(self.add_btn)
        layout.addLayout(add)
        self.hint = QLabel()
        self.hint.setStyleSheet("color: #b06000;")
        layout.addWidget(self.hint)
        split = QSplitter(Qt.Vertical)
        self.table = QTableWidget(0, 5)
        self.table.setObjectName("posts_table")
        self.table.setHorizontalHeaderLabels(["机构", "职务", "类别", "班子", "现任"])
        self.table.verticalHeader().setVisible(False)
        self.table.setEditTriggers(QAbstractItemView.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SingleSelection)
        self.table.horizontalHeader().setSectionResizeMode(4, QHeaderView.Stretch)
        self.table.itemSelectionChanged.connect(self._selected)
        split.addWidget(self.table)
        box = QWidget()
        box_layout = QVBoxLayout(box)
        box_layout.addWidget(QLabel(self.tr("职位说明书（选中上面的职务后编辑）")))
        self.description = QPlainTextEdit()
        box_layout.addWidget(self.description)
        self.save_btn = QPushButton(self.tr("保存职位说明书"))
        self.save_btn.clicked.connect(self.save_description)
        self.error = QLabel()
        self.error.setStyleSheet("color: #b00020;")
        row = QHBoxLayout()
        row.addWidget(self.save_btn)
        row.addWidget(self.error, 1)
        box_layout.addLayout(row)
        split.addWidget(box)
        split.setSizes([460, 180])
        layout.addWidget(split)
        self._posts = []

    def refresh(self) -> None:
        writable = self.can_write() and not self.ctx.county_mode
        self.add_btn.setEnabled(writable)
        self.save_btn.setEnabled(writable)
        if self.needs_township(self.hint):
            self._posts = []
            self.table.setRowCount(0)
            return
        self.organ.clear()
        for o in roster.organs(self.ctx.db, self.code):
            self.organ.addItem(o["name"], o["uuid"])
        if not self.organ.count():
            self.hint.setVisible(True)
            self.hint.setText(self.tr("还没有机构：请在“干部名册”页点“建立标准机构”。"))
        self._posts = roster.posts(self.ctx.db, self.code)
        self.table.setRowCount(len(self._posts))
        for r, p in enumerate(self._posts):
            self.table.setItem(r, 0, _item(p["organ"]))
            self.table.setItem(r, 1, _item(p["title"], p["description"] or ""))
            self.table.setItem(r, 2, _item(roster.ROLES.get(p["role"] or "", "")))
            self.table.setItem(r, 3, _item("是" if p["is_team"] else ""))
            self.table.setItem(r, 4, _item(p["holders"] or "（空缺）"))
        self._selected()

    def _current(self):
        rows = {i.row() for i in self.table.selectedIndexes()}
        return self._posts[min(rows)] if rows and min(rows) < len(self._posts) else None

    def _selected(self) -> None:
        post = self._current()
        self.description.setPlainText((post or {}).get("description") or "")
        self.description.setEnabled(post is not None)
        self.error.clear()

    def add_post(self) -> None:
        organ, title, role = self.organ.currentData(), self.title.text(), self.role.currentData()
        is_team, order = self.is_team.isChecked(), len(self._posts)
        self.run(lambda db, actor: roster.add_post(db, actor, organ, title, role, is_team=is_team, sort_order=order),
                 then=lambda _r: self.title.clear())

    def save_description(self) -> None:
        post = self._current()
        if post is None:
            self.error.setText(self.tr("请先选中一个职务。"))
            return
        description = self.description.toPlainText()
        self.run(lambda db, actor: roster.update_post(db, actor, post["uuid"], description=description),
                 on_error=lambda e: self.error.setText(e.message))


class LeavePage(_Page):
    """请销假: a cadre asks for leave, the leader in charge decides, the cadre
    reports back. An approved leave marks the whereabouts board 请假, and the
    duties board shows who stands in for an absent leader (缺位补位)."""

    COLUMNS = ["干部", "假别", "开始", "结束", "事由", "审批领导", "补位", "状态", "审批意见 / 销假"]

    def __init__(self, ctx, parent=None):
        super().__init__(ctx, parent)

        layout = QVBoxLayout(self)
        self.hint = QLabel()
        self.hint.setStyleSheet("color: #b06000;")
        layout.addWidget(self.hint)
        box = QGroupBox(self.tr("请假"))
        form = QFormLayout(box)
        self.cadre = QComboBox()
        self.cadre.setObjectName("leave_cadre")
        self.cadre.currentIndexChanged.connect(self._cadre_changed)
        self.kind = QComboBox()
        self.kind.addItems(roster.LEAVE_KINDS)
        self.start = QDateEdit(QDate.currentDate())
        self.end = QDateEdit(QDate.currentDate())
        for d in (self.start, self.end):
            d.setCalendarPopup(True)
            d.setDisplayFormat("yyyy-MM-dd")
        self.reason = QLineEdit()
        self.approver = QComboBox()
        self.approver.setObjectName("leave_approver")
        self.stand_in = QComboBox()
        self.stand_in.setObjectName("leave_stand_in")
        dates = QHBoxLayout()
        dates.addWidget(self.start)
        dates.addWidget(QLabel(self.tr("至")))
        dates.addWidget(self.end)
        dates.addStretch(1)
        form.addRow(self.tr("请假人"), self.cadre)
        form.addRow(self.tr("假别"), self.kind)
        form.addRow(self.tr("日期"), dates)
        form.addRow(self.tr("事由"), self.reason)
        form.addRow(self.tr("审批领导（分管领导）"), self.approver)
        form.addRow(self.tr("补位领导（班子成员请假时）"), self.stand_in)
        self.request_btn = QPushButton(self.tr("提交请假"))
        self.request_btn.setObjectName("request_leave")
        self.request_btn.clicked.connect(self.request)
        form.addRow("", self.request_btn)
        layout.addWidget(box)
        self.table = QTableWidget(0, len(self.COLUMNS))
        self.table.setObjectName("leave_table")
        self.table.setHorizontalHeaderLabels(self.COLUMNS)
        self.table.verticalHeader().setVisible(False)
        self.table.setEditTriggers(QAbstractItemView.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectRows)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeToContents)
        self.table.horizontalHeader().setStretchLastSection(True)
        layout.addWidget(self.table, 1)
        actions = QHBoxLayout()
        self.note = QLineEdit()
        self.note.setPlaceholderText(self.tr("审批意见"))
        self.approve_btn = QPushButton(self.tr("批准"))
        self.refuse_btn = QPushButton(self.tr("不批准"))
        self.back_btn = QPushButton(self.tr("销假（今天返岗）"))
        self.withdraw_btn = QPushButton(self.tr("撤回"))
        self.approve_btn.clicked.connect(lambda: self.decide(True))
        self.refuse_btn.clicked.connect(lambda: self.decide(False))
        self.back_btn.clicked.connect(self.report_back)
        self.withdraw_btn.clicked.connect(self.withdraw)
        actions.addWidget(self.note, 1)
        for b in (self.approve_btn, self.refuse_btn, self.back_btn, self.withdraw_btn):
            actions.addWidget(b)
        layout.addLayout(actions)
        self._rows: list[dict] = []

    def refresh(self) -> None:
        writable = self.can_write() and not self.ctx.county_mode
        for b in (self.request_btn, self.approve_btn, self.refuse_btn, self.back_btn, self.withdraw_btn):
            b.setEnabled(writable)
        if self.needs_township(self.hint):
            self.table.setRowCount(0)
            return
        current = self.cadre.currentData()
        self.cadre.blockSignals(True)
        self.cadre.clear()
        people = roster.list_cadres(self.ctx.db, self.code)
        for c in people:
            self.cadre.addItem(f"{c['name']}　{c.get('posts') or ''}".strip(), c["uuid"])
        self.cadre.setCurrentIndex(max(0, self.cadre.findData(current)))
        self.cadre.blockSignals(False)
        for combo in (self.approver, self.stand_in):
            combo.clear()
            combo.addItem(self.tr("（按规则：分管领导 / 专职副书记）") if combo is self.approver
                          else self.tr("（按规则：专职副书记）"), None)
            for m in roster.current_team(self.ctx.db, self.code):
                combo.addItem(f"{m['name']}　{m['titles']}", m["uuid"])
        self._cadre_changed()
        self._rows = roster.leave_requests(self.ctx.db, self.code)
        self.table.setRowCount(len(self._rows))
        for r, row in enumerate(self._rows):
            after = row["decision_note"] or ""
            if row["returned_on"]:
                after += f"（{row['returned_on']} 销假）"
            values = [row["name"], row["kind"], row["start_date"], row["end_date"], row["reason"] or "",
                      row["approver"] or "上级审批", row["stand_in"] or "", row["status"], after]
            for c, value in enumerate(values):
                self.table.setItem(r, c, _item(value, bg=WARN_BG if row["status"] == "待批" else None,
                                               data=row["uuid"]))

    def _cadre_changed(self, *_):
        """Show who the rules pick as approver and stand-in for the chosen cadre."""
        key = self.cadre.currentData()
        if not key:
            return
        leader = roster.leader_in_charge(self.ctx.db, key)
        stand_in = roster.default_stand_in(self.ctx.db, key)
        self.approver.setItemText(0, self.tr("（按规则：") + (leader["name"] if leader else self.tr("上级审批")) + "）")
        self.stand_in.setItemText(0, self.tr("（按规则：") + (stand_in["name"] if stand_in else self.tr("不需补位")) + "）")

    def _selected(self) -> str | None:
        r = self.table.currentRow()
        return self._rows[r]["uuid"] if 0 <= r < len(self._rows) else None

    def _act(self, fn, *args, **kwargs) -> None:
        self.run(lambda db, actor: fn(db, actor, *args, **kwargs))

    def request(self) -> None:
        self._act(roster.request_leave, self.cadre.currentData(), self.kind.currentText(),
                  self.start.date().toString("yyyy-MM-dd"), self.end.date().toString("yyyy-MM-dd"),
                  self.reason.text(), approver_uuid=self.approver.currentData(),
                  stand_in_uuid=self.stand_in.currentData())

    def decide(self, approve: bool) -> None:
        key = self._selected()
        if key:
            self._act(roster.decide_leave, key, approve, self.note.text())

    def report_back(self) -> None:
        key = self._selected()
        if key:
            self._act(roster.return_from_leave, key, dt.date.today())

    def withdraw(self) -> None:
        key = self._selected()
        if key:
            self._act(roster.withdraw_leave, key)
