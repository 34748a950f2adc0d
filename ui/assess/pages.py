"""Pages of the 考核 tab: indicator tree, ballots, results with a chart,
rewards, targets and supervision notices. Each page is given the tab's
`selection` (plan, period, category) and reloads in `refresh()`."""

from __future__ import annotations

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QRectF, Qt, Signal
from PySide6.QtGui import QColor, QPainter, QPen
from PySide6.QtWidgets import (QCheckBox, QComboBox, QDialog, QDialogButtonBox, QDoubleSpinBox, QFileDialog,
                               QFormLayout, QHBoxLayout, QHeaderView, QInputDialog, QLabel, QLineEdit, QListWidget,
                               QListWidgetItem, QMessageBox,
                               QPlainTextEdit, QPushButton, QSplitter, QTableView, QTableWidget, QTableWidgetItem,
                               QTextBrowser, QTreeWidget, QTreeWidgetItem, QVBoxLayout, QWidget)

from models.assess import scorecard as assess

from models.assess import results as assess_results

from models.assess import rewards
from models.core.errors import AppError
from ui.common.action import OpQueue, run_op
from ui.common.files import start_in
from ui.common.rights import reads_only

# Qt enum members cached once: looking them up on `Qt` costs microseconds,
# and data() runs for every visible cell on every paint.
DISPLAY, EDIT = Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.EditRole
ALIGN, BG, FG, TIP = (Qt.ItemDataRole.TextAlignmentRole, Qt.ItemDataRole.BackgroundRole,
                      Qt.ItemDataRole.ForegroundRole, Qt.ItemDataRole.ToolTipRole)
ENABLED, SELECTABLE, EDITABLE = Qt.ItemFlag.ItemIsEnabled, Qt.ItemFlag.ItemIsSelectable, Qt.ItemFlag.ItemIsEditable
HORIZONTAL, VERTICAL = Qt.Orientation.Horizontal, Qt.Orientation.Vertical
RIGHT = int(Qt.AlignRight | Qt.AlignVCenter)


GRADE_COLOURS = {"优秀": QColor("#2e7d32"), "称职": QColor("#1f4e8c"), "基本称职": QColor("#b8860b"),
                 "不称职": QColor("#c62828"), assess_results.PENDING: QColor("#8e5bb5")}


def show_error(parent, exc: AppError) -> None:
    QMessageBox.warning(parent, "无法保存", exc.message)


def run_action(parent, ctx, op, then=None) -> None:
    """Run op(db, actor) through ui/common/action.run_op (a worker connection,
    off the GUI thread; the 'assess' change told to every tab). A refusal shows
    as 无法保存 and changes nothing; `then(result)` runs afterwards on the GUI thread."""
    actor = ctx.actor
    run_op(parent, ctx, lambda db, _progress: op(db, actor), changes={"assess"},
           on_done=lambda result, _changes: then(result) if then is not None else None,
           on_error=lambda e: show_error(parent, e))


class Selection:
    """What the tab's top bar has chosen."""

    def __init__(self):
        self.plan: dict | None = None
        self.period: str | None = None
        self.category: dict | None = None


# ---- indicator tree ------------------------------------------------------------

class ItemDialog(QDialog):
    """Add or change one indicator."""

    def __init__(self, parent=None, item: dict | None = None, groups: list[dict] = ()):
        super().__init__(parent)
        self.setWindowTitle("修改指标" if item else "添加指标")
        form = QFormLayout(self)
        self.name = QLineEdit(item["name"] if item else "")
        self.kind = QComboBox()
        for key, label in assess.ITEM_KINDS.items():
            self.kind.addItem(label, key)
        self.kind.setCurrentIndex(list(assess.ITEM_KINDS).index(item["kind"] if item else "normal"))
        self.points = QDoubleSpinBox()
        self.points.setRange(0, 100000)
        self.points.setDecimals(1)
        self.points.setValue(item["max_points"] if item else 10)
        self.parent_box = QComboBox()
        self.parent_box.addItem("（一级指标）", None)
        for g in groups:
            self.parent_box.addItem(g["name"], g["uuid"])
        self.parent_box.setEnabled(item is None)
        self.source = QComboBox()
        self.source.addItem("手工录入", "")
        for key, label in assess.DERIVED_SOURCES.items():
            self.source.addItem(label, key)
        if item:
            self.source.setCurrentIndex(max(0, self.source.findData(item["source"])))
        self.standard = QPlainTextEdit(item["standard"] if item else "")
        self.standard.setFixedHeight(70)
        self.year_rule = QComboBox()
        for key, label in assess.YEAR_RULES.items():
            self.year_rule.addItem(label, key)
        self.year_rule.setCurrentIndex(max(0, self.year_rule.findData(item["year_rule"] if item else "")))
        self.year_rule.setToolTip("半年、全年的该项得分怎样得出：季度平均、季度合计，或期末（年终）单独评定")
        self.default_points = QLineEdit("" if not item or item.get("default_points") is None
                                        else f"{item['default_points']:g}")
        self.default_points.setPlaceholderText("空 = 不设（无数据时按方案的做法处理）")
        form.addRow("指标名称", self.name)
        form.addRow("类型", self.kind)
        form.addRow("满分/上限", self.points)
        form.addRow("上级分组", self.parent_box)
        form.addRow("数据来源", self.source)
        form.addRow("评分标准", self.standard)
        form.addRow("半年/全年计算", self.year_rule)
        form.addRow("无数据默认分", self.default_points)
        buttons = QDialogButtonBox(QDialogButtonBox.Ok | QDialogButtonBox.Cancel)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        form.addRow(buttons)

    def values(self) -> dict:
        return {"name": self.name.text(), "kind": self.kind.currentData(), "max_points": self.points.value(),
                "parent_uuid": self.parent_box.currentData(), "source": self.source.currentData(),
                "standard": self.standard.toPlainText(), "year_rule": self.year_rule.currentData(),
                "default_points": self.default_points.text().strip() or None}


class SubjectDialog(QDialog):
    """Add a person (or a village cadre) to the category."""

    def __init__(self, ctx, parent=None):
        super().__init__(parent)
        self.setWindowTitle("添加考核对象")
        form = QFormLayout(self)
        self.name = QComboBox()
        self.name.setEditable(True)
        for c in assess.roster_candidates(ctx.db, ctx.township_filter or None):
            self.name.addItem(c["name"], c["uuid"])
        self.name.setCurrentText("")
        self.village = QComboBox()
        self.village.addItem("（不是村干部）", None)
        from models.core import township

        for v in township.villages(ctx.db, ctx.township_filter or None):
            self.village.addItem(f"{v['name']}（{v['households']} 户）", v)
        self.role = QComboBox()
        for key, label in assess.VILLAGE_ROLES.items():
            self.role.addItem(label, key)
        form.addRow("姓名（可从花名册选）", self.name)
        form.addRow("所在村", self.village)
        form.addRow("村干部职务", self.role)
        buttons = QDialogButtonBox(QDialogButtonBox.Ok | QDialogButtonBox.Cancel)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        form.addRow(buttons)

    def values(self) -> dict:
        name = self.name.currentText().strip()
        idx = self.name.findText(name)
        person_uuid = self.name.itemData(idx) if idx >= 0 else None
        village = self.village.currentData()
        if village:
            return {"person_name": name, "person_uuid": person_uuid, "kind": "village_cadre",
                    "village_uuid": village["uuid"], "village_name": village["name"], "role": self.role.currentData()}
        return {"person_name": name, "person_uuid": person_uuid}


class PlanPage(QWidget):
    """The indicator tree of the chosen category and the people assessed."""

    changed = Signal()

    def __init__(self, ctx, selection: Selection, parent=None):
        super().__init__(parent)
        self.ctx, self.sel = ctx, selection
        layout = QVBoxLayout(self)
        self.status = QLabel()
        self.status.setWordWrap(True)
        layout.addWidget(self.status)
        split = QSplitter()
        left = QWidget()
        lv = QVBoxLayout(left)
        lv.setContentsMargins(0, 0, 0, 0)
        self.tree = QTreeWidget()
        self.tree.setHeaderLabels(["指标", "类型", "分值", "数据来源", "评分标准"])
        self.tree.setColumnWidth(0, 200)
        self.tree.itemDoubleClicked.connect(lambda *_: self.edit_item())
        lv.addWidget(self.tree)
        row = QHBoxLayout()
        self.write_buttons = []
        for label, slot in (("添加指标", self.add_item), ("修改", self.edit_item), ("删除", self.delete_item),
                            ("类别设置", self.edit_category), ("新增类别", self.add_category)):
            b = QPushButton(label)
            b.clicked.connect(slot)
            row.addWidget(b)
            self.write_buttons.append(b)
        row.addStretch(1)
        lv.addLayout(row)
        split.addWidget(left)
        right = QWidget()
        rv = QVBoxLayout(right)
        rv.setContentsMargins(0, 0, 0, 0)
        rv.addWidget(QLabel("考核对象"))
        self.people = QTableWidget(0, 3)
        self.people.setHorizontalHeaderLabels(["姓名", "所在村/单位", "职务"])
        self.people.horizontalHeader().setSectionResizeMode(QHeaderView.Stretch)
        self.people.setEditTriggers(QTableWidget.NoEditTriggers)
        self.people.setSelectionBehavior(QTableWidget.SelectRows)
        rv.addWidget(self.people)
        prow = QHBoxLayout()
        for label, slot in (("添加对象", self.add_subject), ("从花名册选…", self.pick_from_roster),
                            ("导入村两委", self.import_village_cadres), ("移出", self.remove_subject)):
            b = QPushButton(label)
            b.clicked.connect(slot)
            prow.addWidget(b)
            self.write_buttons.append(b)
        rv.addLayout(prow)
        split.addWidget(right)
        split.setSizes([640, 300])
        layout.addWidget(split, 1)

    def refresh(self) -> None:
        can = self.ctx.actor.can("assess.write")
        for b in self.write_buttons:
            b.setEnabled(can and self.sel.plan is not None)
        self.tree.clear()
        self.people.setRowCount(0)
        cat = self.sel.category
        if not cat:
            self.status.setText("请先在上方选择或新建考核方案。")
            return
        nodes = {}
        for it in assess.items(self.ctx.db, cat["uuid"]):
            points = "" if it["kind"] == "veto" else f"{it['max_points']:g}"
            node = QTreeWidgetItem([it["name"], assess.ITEM_KINDS[it["kind"]], points,
                                    assess.DERIVED_SOURCES.get(it["source"], ""), it["standard"] or ""])
            node.setData(0, Qt.UserRole, it)
            parent = nodes.get(it["parent_uuid"])
            (parent.addChild(node) if parent else self.tree.addTopLevelItem(node))
            nodes[it["uuid"]] = node
        self.tree.expandAll()
        problems = assess.tree_problems(self.ctx.db, cat["uuid"])
        caps = f"总分 {cat['total_points']:g}，加分上限 {cat['bonus_cap']:g}，扣分上限 {cat['deduction_cap']:g}" + (
            "，驻村干部（排名末位者标记）" if cat["village_stationed"] else "")
        if problems:
            self.status.setStyleSheet("background: #fdecea; color: #b71c1c; padding: 6px;")
            self.status.setText(caps + "\n" + "\n".join(problems))
        else:
            self.status.setStyleSheet("background: #e8f5e9; color: #1b5e20; padding: 6px;")
            self.status.setText(caps + "。各级分值合计正确。")
        people = assess.subjects_shown(self.ctx.db, cat["uuid"])
        self.people.setRowCount(len(people))
        for r, s in enumerate(people):
            for c, text in enumerate((s["person_name"], s["place"], s["post"])):
                cell = QTableWidgetItem(text)
                cell.setData(Qt.UserRole, s["uuid"])
                self.people.setItem(r, c, cell)

    def _current_item(self) -> dict | None:
        node = self.tree.currentItem()
        return node.data(0, Qt.UserRole) if node else None

    def _run(self, op, then=None) -> None:
        """op(db, actor) on a worker; the tab reloads its categories afterwards."""
        def done(result) -> None:
            self.changed.emit()
            if then is not None:
                then(result)

        run_action(self, self.ctx, op, done)

    def add_item(self) -> None:
        if not self.sel.category:
            return
        groups = [it for it in assess.items(self.ctx.db, self.sel.category["uuid"]) if it["kind"] == "group"]
        dialog = ItemDialog(self, groups=groups)
        current = self._current_item()
        if current:
            group = current if current["kind"] == "group" else next(
                (g for g in groups if g["uuid"] == current["parent_uuid"]), None)
            if group:
                dialog.parent_box.setCurrentIndex(dialog.parent_box.findData(group["uuid"]))
        if dialog.exec() == QDialog.Accepted:
            v = dialog.values()
            category_uuid = self.sel.category["uuid"]
            self._run(lambda db, actor: assess.add_item(db, actor, category_uuid, v["name"], v["kind"],
                                                        v["max_points"], v["parent_uuid"], v["standard"],
                                                        v["source"], v["year_rule"], v["default_points"]))

    def edit_item(self) -> None:
        item = self._current_item()
        if not item or not self.ctx.actor.can("assess.write"):
            return
        dialog = ItemDialog(self, item)
        if dialog.exec() == QDialog.Accepted:
            v = dialog.values()
            self._run(lambda db, actor: assess.update_item(db, actor, item["uuid"], v["name"], v["kind"],
                                                           v["max_points"], v["standard"], v["source"],
                                                           v["year_rule"], v["default_points"]))

    def delete_item(self) -> None:
        item = self._current_item()
        if not item:
            return
        if QMessageBox.question(self, "删除指标", f"删除“{item['name']}”及其下级指标和已录入的得分？") \
                == QMessageBox.Yes:
            self._run(lambda db, actor: assess.delete_item(db, actor, item["uuid"]))

    def edit_category(self) -> None:
        cat = self.sel.category
        if not cat:
            return
        dialog = QDialog(self)
        dialog.setWindowTitle(f"类别设置：{cat['name']}")
        form = QFormLayout(dialog)
        name = QLineEdit(cat["name"])
        spins = []
        for value in (cat["total_points"], cat["bonus_cap"], cat["deduction_cap"]):
            s = QDoubleSpinBox()
            s.setRange(0, 100000)
            s.setValue(value)
            spins.append(s)
        stationed = QCheckBox("驻村干部类别（排名末位者标记“末位”）")
        stationed.setChecked(bool(cat["village_stationed"]))
        for label, w in (("类别名称", name), ("总分", spins[0]), ("加分上限", spins[1]), ("扣分上限", spins[2])):
            form.addRow(label, w)
        form.addRow(stationed)
        buttons = QDialogButtonBox(QDialogButtonBox.Ok | QDialogButtonBox.Cancel)
        buttons.accepted.connect(dialog.accept)
        buttons.rejected.connect(dialog.reject)
        form.addRow(buttons)
        if dialog.exec() == QDialog.Accepted:
            values = dict(name=name.text(), total_points=spins[0].value(), bonus_cap=spins[1].value(),
                          deduction_cap=spins[2].value(), village_stationed=stationed.isChecked())
            self._run(lambda db, actor: assess.update_category(db, actor, cat["uuid"], **values))

    def add_category(self) -> None:
        if not self.sel.plan:
            return
        name, ok = QInputDialog.getText(self, "新增类别", "类别名称（将带出德能勤绩廉标准指标）：")
        if ok and name.strip():
            plan_uuid = self.sel.plan["uuid"]
            self._run(lambda db, actor: assess.add_category(db, actor, plan_uuid, name))

    def add_subject(self) -> None:
        if not self.sel.category:
            return
        dialog = SubjectDialog(self.ctx, self)
        if dialog.exec() == QDialog.Accepted:
            v = dialog.values()
            category_uuid = self.sel.category["uuid"]
            self._run(lambda db, actor: assess.add_subject(db, actor, category_uuid, **v))

    def pick_from_roster(self) -> None:
        if not self.sel.category:
            return
        candidates = assess.roster_candidates(self.ctx.db, self.sel.plan["township_code"])
        if not candidates:
            QMessageBox.information(self, "从花名册选", "花名册中还没有干部。")
            return
        dialog = QDialog(self)
        dialog.setWindowTitle(f"从花名册选入“{self.sel.category['name']}”")
        dialog.resize(360, 480)
        v = QVBoxLayout(dialog)
        box = QListWidget()
        for c in candidates:
            entry = QListWidgetItem(c["name"])
            entry.setData(Qt.UserRole, c["uuid"])
            entry.setCheckState(Qt.Unchecked)
            box.addItem(entry)
        v.addWidget(box)
        buttons = QDialogButtonBox(QDialogButtonBox.Ok | QDialogButtonBox.Cancel)
        buttons.accepted.connect(dialog.accept)
        buttons.rejected.connect(dialog.reject)
        v.addWidget(buttons)
        if dialog.exec() != QDialog.Accepted:
            return
        picked = [box.item(i).data(Qt.UserRole) for i in range(box.count())
                  if box.item(i).checkState() == Qt.Checked]
        category_uuid = self.sel.category["uuid"]
        self._run(lambda db, actor: assess.add_subjects_from_roster(db, actor, category_uuid, picked))

    def import_village_cadres(self) -> None:
        if not self.sel.category:
            return
        category_uuid = self.sel.category["uuid"]
        self._run(lambda db, actor: assess.add_village_cadres_from_roster(db, actor, category_uuid),
                  lambda added: QMessageBox.information(
                      self, "导入村两委", f"已加入 {added} 名村干部（书记、主任、会计）。"
                      if added else "没有可加入的村干部（花名册中无村两委或已全部加入）。"))

    def remove_subject(self) -> None:
        row = self.people.currentRow()
        if row < 0:
            return
        cell = self.people.item(row, 0)
        if QMessageBox.question(self, "移出考核对象", f"把“{cell.text()}”移出本类别？已录入的得分一并删除。") \
                == QMessageBox.Yes:
            subject_uuid = cell.data(Qt.UserRole)
            self._run(lambda db, actor: assess.remove_subject(db, actor, subject_uuid))


# ---- ballots -------------------------------------------------------------------

class BallotModel(QAbstractTableModel):
    """People × (group × 参评/优秀/称职/基本称职/不称职), plus the score."""

    failed = Signal(str)
    FIELDS = ("voters", "excellent", "competent", "basic", "incompetent")
    LABELS = ("参评", "优秀", "称职", "基本称职", "不称职")

    def __init__(self, ctx, parent=None):
        super().__init__(parent)
        self.ctx = ctx
        self.subjects, self.tallies, self.period = [], {}, None
        self.category_uuid: str | None = None
        self.groups = list(assess.VOTER_GROUPS)
        self.saving = OpQueue()  # cell saves, one after another

    def load(self, category, period) -> None:
        self.beginResetModel()
        self.period = period
        self.category_uuid = category["uuid"] if category else None
        if category and period:
            self.subjects = assess.subjects(self.ctx.db, category["uuid"])
            self.tallies = assess.ballots(self.ctx.db, category["uuid"], period)
        else:
            self.subjects, self.tallies = [], {}
        self.weights = assess.ballot_weights(self.ctx.db)
        self.endResetModel()

    def rowCount(self, parent=QModelIndex()):
        return 0 if parent.isValid() else len(self.subjects)

    def columnCount(self, parent=QModelIndex()):
        return 0 if parent.isValid() else 2 + len(self.groups) * len(self.FIELDS)

    def _slot(self, col):
        if col == 0 or col == self.columnCount() - 1:
            return None
        g, f = divmod(col - 1, len(self.FIELDS))
        return self.groups[g], self.FIELDS[f]

    def score(self, row) -> float | None:
        s = self.subjects[row]["uuid"]
        t = {g: self.tallies[(s, g)] for g in self.groups if (s, g) in self.tallies}
        return assess.ballot_score(t, self.weights) if t else None

    def data(self, index, role=DISPLAY):
        if not index.isValid():
            return None
        row, col = index.row(), index.column()
        if col == 0:
            return self.subjects[row]["person_name"] if role == DISPLAY else None
        if col == self.columnCount() - 1:
            if role == DISPLAY:
                score = self.score(row)
                return "" if score is None else f"{score:.1f}"
            return None
        group, field = self._slot(col)
        tally = self.tallies.get((self.subjects[row]["uuid"], group))
        if role in (DISPLAY, EDIT):
            return "" if tally is None else str(tally[field])
        if role == ALIGN:
            return RIGHT
        if role == BG and field == "voters":
            return QColor("#f3f6fa")
        return None

    def headerData(self, section, orientation, role=DISPLAY):
        if role != DISPLAY:
            return None
        if orientation == VERTICAL:
            return str(section + 1)
        if section == 0:
            return "姓名"
        if section == self.columnCount() - 1:
            return "测评分\n(百分)"
        group, field = self._slot(section)
        return f"{assess.VOTER_GROUPS[group]}\n{self.LABELS[self.FIELDS.index(field)]}"

    def flags(self, index):
        base = ENABLED | SELECTABLE
        if self._slot(index.column()) and self.ctx.actor.can("assess.write"):
            return base | EDITABLE
        return base

    def setData(self, index, value, role=EDIT):
        slot = self._slot(index.column())
        if role != EDIT or slot is None:
            return False
        group, field = slot
        subject_uuid, category_uuid, period = self.subjects[index.row()]["uuid"], self.category_uuid, self.period
        typed = str(value).strip() or 0
        actor, fields = self.ctx.actor, self.FIELDS

        def save(db, _progress) -> dict:
            # The tally as stored now (an earlier cell of this row may have been saved a moment ago).
            stored = assess.ballots(db, category_uuid, period).get((subject_uuid, group))
            tally = {f: (stored[f] if stored else 0) for f in fields}
            tally[field] = typed
            assess.set_ballot(db, actor, period, subject_uuid, group, tally["voters"], tally["excellent"],
                              tally["competent"], tally["basic"], tally["incompetent"])
            return {f: int(tally[f]) for f in fields}

        def saved(tally: dict, _changes) -> None:
            if self.category_uuid != category_uuid or self.period != period:
                return  # another category or period is shown by now
            self.tallies[(subject_uuid, group)] = {**(self.tallies.get((subject_uuid, group)) or {}), **tally}
            row = next((r for r, s in enumerate(self.subjects) if s["uuid"] == subject_uuid), None)
            if row is not None:
                self.dataChanged.emit(self.index(row, 0), self.index(row, self.columnCount() - 1))

        self.saving.run(None, self.ctx, save, changes={"assess"}, on_done=saved,
                        on_error=lambda e: self.failed.emit(e.message))
        return True


class BallotPage(QWidget):
    """Tallies from the paper ballots, per voter group."""

    def __init__(self, ctx, selection: Selection, parent=None):
        super().__init__(parent)
        self.ctx, self.sel = ctx, selection
        layout = QVBoxLayout(self)
        self.hint = QLabel()
        self.hint.setWordWrap(True)
        layout.addWidget(self.hint)
        self.model = BallotModel(ctx, self)
        self.view = QTableView()
        self.view.setModel(self.model)
        self.view.horizontalHeader().setDefaultSectionSize(56)
        self.view.horizontalHeader().setMinimumHeight(44)
        self.view.setEditTriggers(QTableView.AnyKeyPressed | QTableView.DoubleClicked | QTableView.EditKeyPressed)
        self.model.failed.connect(lambda m: QMessageBox.warning(self, "票数有误", m))
        layout.addWidget(self.view, 1)

    def refresh(self) -> None:
        self.model.load(self.sel.category, self.sel.period)
        self.view.setColumnWidth(0, 90)
        w = self.model.weights
        self.hint.setText(
            f"按纸质计票表录入：先填“参评”人数，再填各等次票数（任一项或合计超过参评人数会被拒绝）。"
            f"测评分 = 各组（优秀 100、称职 80、基本称职 60、不称职 0 的平均）按权重 班子成员 {w['leaders']:.0%}、"
            f"干部 {w['cadres']:.0%}、群众代表 {w['public']:.0%} 加权，再折算为“民主测评”指标的分值。"
            f"群众监评会的半年评议录在“群众代表”组、上半年考核期。")


# ---- results -------------------------------------------------------------------

class DistributionChart(QWidget):
    """Bars of the grade counts and a histogram of totals, drawn with QPainter."""

    def __init__(self, parent=None):
        super().__init__(parent)
        self.counts: dict = {}
        self.bands: list = []
        self.quota = 0
        self.setMinimumHeight(190)

    def set_data(self, counts: dict, bands: list, quota: int) -> None:
        self.counts, self.bands, self.quota = counts, bands, quota
        self.update()

    def paintEvent(self, _event):
        p = QPainter(self)
        p.setRenderHint(QPainter.Antialiasing)
        p.fillRect(self.rect(), QColor("white"))
        w, h = self.width(), self.height()
        half = w * 0.42
        self._grades(p, QRectF(10, 10, half - 20, h - 20))
        self._histogram(p, QRectF(half + 10, 10, w - half - 20, h - 20))
        p.end()

    def _grades(self, p, area: QRectF) -> None:
        p.setPen(QColor("#333"))
        p.drawText(QRectF(area.left(), area.top(), area.width(), 18), Qt.AlignLeft, "等次分布")
        if not self.counts:
            return
        top = max(max(self.counts.values()), self.quota, 1)
        bar_area = QRectF(area.left(), area.top() + 24, area.width(), area.height() - 48)
        n = len(self.counts)
        slot = bar_area.width() / n
        for i, (grade, count) in enumerate(self.counts.items()):
            bh = bar_area.height() * count / top
            rect = QRectF(bar_area.left() + i * slot + slot * 0.2, bar_area.bottom() - bh, slot * 0.6, bh)
            p.fillRect(rect, GRADE_COLOURS[grade])
            p.drawText(QRectF(rect.left() - 10, rect.top() - 18, rect.width() + 20, 16), Qt.AlignCenter, str(count))
            p.drawText(QRectF(bar_area.left() + i * slot, bar_area.bottom() + 4, slot, 18), Qt.AlignCenter, grade)
        if self.quota:
            y = bar_area.bottom() - bar_area.height() * self.quota / top
            p.setPen(QPen(QColor("#c62828"), 1, Qt.DashLine))
            p.drawLine(int(bar_area.left()), int(y), int(bar_area.left() + slot), int(y))
            p.drawText(QRectF(bar_area.left() + slot * 0.8, y - 16, slot * 1.4, 16), Qt.AlignLeft,
                       f"优秀上限 {self.quota}")

    def _histogram(self, p, area: QRectF) -> None:
        p.setPen(QColor("#333"))
        p.drawText(QRectF(area.left(), area.top(), area.width(), 18), Qt.AlignLeft, "总分分布（每 50 分一档）")
        if not self.bands:
            return
        top = max(c for _, c in self.bands)
        bar_area = QRectF(area.left(), area.top() + 24, area.width(), area.height() - 48)
        slot = bar_area.width() / len(self.bands)
        for i, (band, count) in enumerate(self.bands):
            bh = bar_area.height() * count / top
            rect = QRectF(bar_area.left() + i * slot + 2, bar_area.bottom() - bh, slot - 4, bh)
            p.fillRect(rect, QColor("#5b8bd0"))
            p.setPen(QColor("#333"))
            p.drawText(QRectF(rect.left() - 6, rect.top() - 16, rect.width() + 12, 14), Qt.AlignCenter, str(count))
            p.drawText(QRectF(bar_area.left() + i * slot - 4, bar_area.bottom() + 4, slot + 8, 16), Qt.AlignCenter,
                       f"{band:g}")


class ResultsModel(QAbstractTableModel):
    """The results of one plan and period (one township: a few hundred rows)."""

    COLUMNS = (("category_name", "类别"), ("rank", "名次"), ("person_name", "姓名"), ("item_total", "指标得分"),
               ("ballot_points", "测评得分"), ("bonus", "加分"), ("deduction", "扣分"), ("total", "总分"),
               ("grade", "等次"), ("note", "说明"))

    def __init__(self, parent=None):
        super().__init__(parent)
        self.rows: list[dict] = []

    def set_rows(self, rows: list[dict]) -> None:
        self.beginResetModel()
        for r in rows:
            notes = []
            if r["vetoed"]:
                notes.append(f"一票否决：{r['veto_items']}")
            if r["quota_cut"] and not r.get("note"):
                notes.append("达优秀线，超比例调为称职")
            if r.get("note"):
                notes.append(r["note"])
            if r["last_place"]:
                notes.append("末位")
            if r.get("missing"):
                notes.append(r["missing"])
            r["note"] = "；".join(notes)
        self.rows = rows
        self.endResetModel()

    def rowCount(self, parent=QModelIndex()):
        return 0 if parent.isValid() else len(self.rows)

    def columnCount(self, parent=QModelIndex()):
        return 0 if parent.isValid() else len(self.COLUMNS)

    def data(self, index, role=DISPLAY):
        if not index.isValid():
            return None
        r = self.rows[index.row()]
        key = self.COLUMNS[index.column()][0]
        if role == DISPLAY:
            value = r.get(key)
            if isinstance(value, float):
                return f"{value:g}"
            return "" if value is None else str(value)
        if role == FG and key == "grade":
            return GRADE_COLOURS.get(r["grade"])
        if role == FG and key == "note" and (r["vetoed"] or r["last_place"]):
            return QColor("#c62828")
        if role == ALIGN and key in ("rank", "item_total", "ballot_points", "bonus", "deduction",
                                                    "total"):
            return RIGHT
        return None

    def headerData(self, section, orientation, role=DISPLAY):
        if role == DISPLAY and orientation == HORIZONTAL:
            return self.COLUMNS[section][1]
        return None


class ResultsPage(QWidget):
    """Ranks and grades, the distribution chart, appeals and comparisons."""

    def __init__(self, ctx, selection: Selection, parent=None):
        super().__init__(parent)
        self.ctx, self.sel = ctx, selection
        layout = QVBoxLayout(self)
        bar = QHBoxLayout()
        self.scope = QComboBox()
        self.scope.addItem("本类别", "category")
        self.scope.addItem("全部类别", "all")
        self.scope.currentIndexChanged.connect(lambda _i: self.refresh())
        bar.addWidget(self.scope)
        self.recompute_button = QPushButton("重新计算")
        self.recompute_button.clicked.connect(self.recompute)
        bar.addWidget(self.recompute_button)
        self.tie_button = QPushButton("并列决定")
        self.tie_button.setToolTip("优秀名额线上并列的人：记录考核委员会的决定和理由")
        self.tie_button.clicked.connect(self.decide_ties)
        bar.addWidget(self.tie_button)
        for label, slot in (("登记申诉", self.file_appeal), ("处理申诉", self.resolve_appeal),
                            ("各期对比", self.compare_periods), ("乡镇对比", self.compare_townships)):
            b = QPushButton(label)
            b.clicked.connect(slot)
            if label.endswith("对比"):
                reads_only(b)
            bar.addWidget(b)
        bar.addStretch(1)
        layout.addLayout(bar)
        self.warnings = QLabel()
        self.warnings.setWordWrap(True)
        self.warnings.setStyleSheet("background: #fff8e1; color: #8a6d00; padding: 6px;")
        layout.addWidget(self.warnings)
        self.local_choices = QLabel()
        self.local_choices.setWordWrap(True)
        self.local_choices.setStyleSheet("color: #555;")
        self.local_choices.setToolTip("这些是本地设定，在 设置 → 参数 中修改")
        layout.addWidget(self.local_choices)
        split = QSplitter(VERTICAL)
        self.model = ResultsModel(self)
        self.view = QTableView()
        self.view.setModel(self.model)
        self.view.setSelectionBehavior(QTableView.SelectRows)
        self.view.setSelectionMode(QTableView.SingleSelection)
        self.view.horizontalHeader().setStretchLastSection(True)
        self.view.doubleClicked.connect(lambda _i: self.show_detail())
        self.view.setToolTip("双击查看本人得分明细（结果与本人见面）")
        split.addWidget(self.view)
        self.chart = DistributionChart()
        split.addWidget(self.chart)
        split.setSizes([360, 200])
        layout.addWidget(split, 1)

    def refresh(self) -> None:
        self.recompute_button.setEnabled(self.ctx.actor.can("assess.write"))
        self.tie_button.setEnabled(self.ctx.actor.can("assess.write"))
        try:
            self.local_choices.setText("计算依据：" + "；".join(f"{k} {v}" for k, v in
                                                          assess_results.settings_summary(
                                                              self.ctx.db, (self.sel.plan or {}).get("uuid"))))
        except AppError as e:
            self.local_choices.setText(f"设置有误：{e.message}")
        plan, period = self.sel.plan, self.sel.period
        if not plan or not period:
            self.model.set_rows([])
            self.chart.set_data({}, [], 0)
            self.warnings.setVisible(False)
            return
        cat = self.sel.category["uuid"] if self.sel.category and self.scope.currentData() == "category" else None
        rows = assess_results.results(self.ctx.db, plan["uuid"], period, cat)
        self.model.set_rows(rows)
        for col, width in enumerate((100, 50, 80, 80, 80, 50, 50, 70, 70)):
            self.view.setColumnWidth(col, width)
        from models.core import settings

        share = float(settings.get(self.ctx.db, "assess.excellent_quota"))
        whole_plan = settings.get(self.ctx.db, "assess.quota_scope") == "plan"
        self.chart.set_data(assess_results.grade_counts(self.ctx.db, plan["uuid"], period, cat),
                            assess_results.score_histogram(self.ctx.db, plan["uuid"], period, cat),
                            assess_results.excellent_quota(len(rows), share,
                                                           settings.get(self.ctx.db, "assess.quota_rounding"))
                            if (cat is None) == whole_plan else 0)
        try:
            messages = assess_results.quota_warnings(self.ctx.db, plan["uuid"], period)
        except AppError as e:
            messages = [e.message]
        open_appeals = assess.appeals(self.ctx.db, plan["uuid"], "open")
        if open_appeals:
            messages.append(f"{len(open_appeals)} 件申诉待处理。")
        if not rows:
            messages.insert(0, "尚无结果：录入得分后点“重新计算”。")
        self.warnings.setText("\n".join(messages))
        self.warnings.setVisible(bool(messages))

    def recompute(self) -> None:
        if not self.sel.plan:
            return
        from models.core.users import require

        plan_uuid = self.sel.plan["uuid"]

        def recompute(db, actor):
            require(actor, "assess.write")
            return assess_results.recompute(db, plan_uuid)

        def done(summary) -> None:
            self.refresh()
            if summary["warnings"]:
                QMessageBox.information(self, "优秀比例", "\n".join(summary["warnings"]))

        run_action(self, self.ctx, recompute, done)

    def decide_ties(self) -> None:
        if not self.sel.plan or not self.sel.period:
            return
        plan_uuid, period = self.sel.plan["uuid"], self.sel.period

        def found(ties: list[dict]) -> None:
            if not ties:
                QMessageBox.information(self, "并列决定", "本考核期没有待决定的并列。")
                self.refresh()
                return
            self._decide_next(ties)

        # Finding the ties recomputes the period's results (they are stored): an action.
        run_action(self, self.ctx, lambda db, _actor: assess_results.pending_ties(db, plan_uuid, period), found)

    def _decide_next(self, ties: list[dict]) -> None:
        """One tie at a time: its decision is saved before the next is asked; 取消 or a refusal stops."""
        dialog = TieBreakDialog(ties[0], self) if ties else None
        if dialog is None or dialog.exec() != QDialog.Accepted:
            self.refresh()
            return
        tie, chosen, reason = ties[0], dialog.chosen(), dialog.reason.text()

        def refused(e: AppError) -> None:
            show_error(self, e)
            self.refresh()

        actor = self.ctx.actor
        run_op(self, self.ctx, lambda db, _progress: assess_results.record_tiebreak(
                   db, actor, tie["plan_uuid"], tie["period"], tie["scope_key"], chosen, reason),
               changes={"assess"}, on_done=lambda _r, _c: self._decide_next(ties[1:]), on_error=refused)

    def _selected(self) -> dict | None:
        idx = self.view.currentIndex()
        return self.model.rows[idx.row()] if idx.isValid() else None

    def show_detail(self) -> None:
        r = self._selected()
        if r:
            ResultDetailDialog(self.ctx, self.sel.plan["uuid"], self.sel.period, r["subject_uuid"], self).exec()

    def file_appeal(self) -> None:
        r = self._selected()
        if not r:
            QMessageBox.information(self, "登记申诉", "请先在表中选择申诉人。")
            return
        reason, ok = QInputDialog.getMultiLineText(self, "登记申诉", f"{r['person_name']}（总分 {r['total']:g}，"
                                                   f"{r['grade']}）的申诉理由：")
        if ok:
            period = self.sel.period
            run_action(self, self.ctx, lambda db, actor: assess.file_appeal(db, actor, r["subject_uuid"], period,
                                                                            reason),
                       lambda _r: self.refresh())

    def resolve_appeal(self) -> None:
        if not self.sel.plan:
            return
        dialog = AppealDialog(self.ctx, self.sel.plan, self)
        dialog.exec()
        self.refresh()

    def compare_periods(self) -> None:
        r = self._selected()
        if not r:
            QMessageBox.information(self, "各期对比", "请先在表中选择一人。")
            return
        lines = [f"{assess.PERIODS[x['period']]}：{x['total']:g} 分，第 {x['rank']} 名，{x['grade']}"
                 for x in assess_results.compare_periods(self.ctx.db, self.sel.plan["uuid"], r["subject_uuid"])]
        QMessageBox.information(self, f"{r['person_name']} 各期对比", "\n".join(lines) or "无结果")

    def compare_townships(self) -> None:
        rows = assess_results.compare_townships(self.ctx.db, self.sel.plan["year"], self.sel.period or "Y")
        lines = [f"{x['township_name']}：{x['people']} 人，平均 {x['average']} 分，优秀 {x['excellent']}，"
                 f"称职 {x['competent']}，基本称职 {x['basic']}，不称职 {x['incompetent']}" for x in rows]
        QMessageBox.information(self, "乡镇对比", "\n".join(lines) or "无结果（本库只有一个乡镇或尚未计算）")


class ResultDetailDialog(QDialog):
    """A person's result item by item, to be shown to them (结果与本人见面)."""

    def __init__(self, ctx, plan_uuid, period, subject_uuid, parent=None):
        super().__init__(parent)
        detail = assess_results.result_detail(ctx.db, plan_uuid, period, subject_uuid)
        self.setWindowTitle(f"{detail['name']} {detail['period_label']}考核结果")
        self.resize(760, 560)
        layout = QVBoxLayout(self)
        res = detail["result"]
        if res:
            head = (f"<b>{detail['name']}</b>（{res['category_name']}）总分 <b>{res['total']:g}</b>，"
                    f"第 {res['rank']} 名，等次 <b>{res['grade']}</b>")
            if res["vetoed"]:
                head += f"；一票否决：{res['veto_items']}"
            if res["quota_cut"]:
                head += "；达到优秀分数线，因优秀比例限制评为称职"
            if res["last_place"]:
                head += "；驻村干部排名末位"
        else:
            head = f"<b>{detail['name']}</b>：尚未计算结果。"
        label = QLabel(head + "。如有异议，可在结果公示期内提出申诉。")
        label.setWordWrap(True)
        layout.addWidget(label)
        shown = detail["periods_shown"]
        table = QTableWidget(len(detail["items"]), 3 + len(shown) + 2)
        table.setHorizontalHeaderLabels(["指标", "类型", "满分"] + [f"{assess.PERIODS[p]}录入" for p in shown]
                                        + [f"{detail['period_label']}计分", "计算方式"])
        table.setEditTriggers(QTableWidget.NoEditTriggers)
        for r, line in enumerate(detail["items"]):
            values = [line["name"], assess.ITEM_KINDS[line["kind"]],
                      "" if line["kind"] == "veto" else f"{line['max_points']:g}"]
            for p in shown:
                v = line["points"].get(p)
                values.append("" if v is None else ("否决" if line["kind"] == "veto" and v else
                                                    "否" if line["kind"] == "veto" else f"{v:g}"))
            value = line["value"]
            values.append("无数据" if line["missing"] else "" if value is None else
                          ("否决" if line["kind"] == "veto" else f"{round(value, 2):g}"))
            values.append(line["how"])
            for c, text in enumerate(values):
                cell = QTableWidgetItem(text)
                tip = "\n".join(x for x in (line["reasons"], line["sources"]) if x)
                if tip:
                    cell.setToolTip(tip)
                table.setItem(r, c, cell)
        table.setColumnWidth(0, 160)
        layout.addWidget(table, 1)
        notes = [f"{line['name']}：{line['reasons'] or line['sources']}" for line in detail["items"]
                 if line["reasons"] or line["sources"]]
        if res and res["ballot_points"] is not None:
            notes.insert(0, f"民主测评折算得分：{res['ballot_points']:g}")
        if res and res["missing"]:
            notes.insert(0, f"{res['missing']}（本方案无数据时的做法：{detail['missing_rule_label']}）")
        if res and res["note"]:
            notes.insert(0, res["note"])
        if res:
            notes.insert(0, f"总分 = 指标 {res['item_total']:g} + 测评 {res['ballot_points'] or 0:g} "
                            f"+ 加分 {res['bonus']:g}（上限内） − 扣分 {res['deduction']:g}（上限内） = {res['total']:g}")
        text = QTextBrowser()
        text.setPlainText("\n".join(notes) or "无加扣分理由。")
        text.setMaximumHeight(140)
        layout.addWidget(text)
        buttons = QDialogButtonBox(QDialogButtonBox.Close)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)


class TieBreakDialog(QDialog):
    """People tied at the 优秀 cut: the committee picks who fills the places, with a reason."""

    def __init__(self, tie: dict, parent=None):
        super().__init__(parent)
        self.tie = tie
        self.setWindowTitle("并列决定")
        layout = QVBoxLayout(self)
        label = QLabel(f"{tie['label']}：以下 {len(tie['tied'])} 人并列 {tie['total']:g} 分，"
                       f"争 {tie['slots']} 个优秀名额。请按考核委员会的决定勾选 {tie['slots']} 人，并写明理由。")
        label.setWordWrap(True)
        layout.addWidget(label)
        self.people = QListWidget()
        for key, name in zip(tie["tied"], tie["names"], strict=True):
            item = QListWidgetItem(name)
            item.setData(Qt.UserRole, key)
            item.setFlags(item.flags() | Qt.ItemIsUserCheckable)
            item.setCheckState(Qt.Unchecked)
            self.people.addItem(item)
        layout.addWidget(self.people)
        form = QFormLayout()
        self.reason = QLineEdit()
        self.reason.setPlaceholderText("如：考核委员会某月某日会议表决")
        form.addRow("决定理由", self.reason)
        layout.addLayout(form)
        buttons = QDialogButtonBox(QDialogButtonBox.Ok | QDialogButtonBox.Cancel)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)

    def chosen(self) -> list[str]:
        return [self.people.item(i).data(Qt.UserRole) for i in range(self.people.count())
                if self.people.item(i).checkState() == Qt.Checked]


class AppealDialog(QDialog):
    """Open appeals: uphold (optionally changing one score) or reject."""

    def __init__(self, ctx, plan, parent=None):
        super().__init__(parent)
        self.ctx, self.plan = ctx, plan
        self.setWindowTitle("处理申诉")
        self.resize(720, 420)
        layout = QVBoxLayout(self)
        self.table = QTableWidget(0, 6)
        self.table.setHorizontalHeaderLabels(["日期", "姓名", "考核期", "理由", "状态", "处理结果"])
        self.table.horizontalHeader().setStretchLastSection(True)
        self.table.setEditTriggers(QTableWidget.NoEditTriggers)
        self.table.setSelectionBehavior(QTableWidget.SelectRows)
        layout.addWidget(self.table)
        form = QFormLayout()
        self.item = QComboBox()
        self.points = QLineEdit()
        self.points.setPlaceholderText("改后的得分（不改分留空）")
        self.resolution = QLineEdit()
        form.addRow("改分指标", self.item)
        form.addRow("改后得分", self.points)
        form.addRow("处理意见", self.resolution)
        layout.addLayout(form)
        row = QHBoxLayout()
        for label, upheld in (("申诉成立", True), ("申诉不成立", False)):
            b = QPushButton(label)
            b.clicked.connect(lambda _=False, u=upheld: self.resolve(u))
            b.setEnabled(ctx.actor.can("assess.write"))
            row.addWidget(b)
        close = QPushButton("关闭")
        close.clicked.connect(self.accept)
        row.addStretch(1)
        row.addWidget(close)
        layout.addLayout(row)
        self.table.currentCellChanged.connect(lambda *_: self._load_items())
        self.reload()

    def reload(self) -> None:
        self.appeals = assess.appeals(self.ctx.db, self.plan["uuid"])
        self.table.setRowCount(len(self.appeals))
        status = {"open": "待处理", "upheld": "成立", "rejected": "不成立"}
        for r, a in enumerate(self.appeals):
            for c, text in enumerate((a["filed_on"], a["person_name"], assess.PERIODS[a["period"]], a["reason"],
                                      status[a["status"]], (a["resolution"] or "") + (
                                          f"（{a['change_log']}）" if a["change_log"] else ""))):
                self.table.setItem(r, c, QTableWidgetItem(text))

    def _load_items(self) -> None:
        self.item.clear()
        r = self.table.currentRow()
        if r < 0:
            return
        from models.core import records

        s = records.get(self.ctx.db, "assess_subjects", self.appeals[r]["subject_uuid"])
        self.item.addItem("（不改分）", None)
        for it in assess.leaf_items(self.ctx.db, s["category_uuid"]):
            if it["source"] != "ballot":
                self.item.addItem(it["name"], it["uuid"])

    def resolve(self, upheld: bool) -> None:
        r = self.table.currentRow()
        if r < 0:
            return
        changes = []
        if upheld and self.item.currentData() and self.points.text().strip():
            changes.append((self.item.currentData(), self.points.text().strip(), ""))
        appeal_uuid, resolution = self.appeals[r]["uuid"], self.resolution.text()

        def resolved(done) -> None:
            QMessageBox.information(self, "已处理", f"已记录：{done['change_log']}")
            self.reload()

        run_action(self, self.ctx, lambda db, actor: assess_results.resolve_appeal(
            db, actor, appeal_uuid, upheld, resolution, changes), resolved)


# ---- rewards -------------------------------------------------------------------

class RewardsPage(QWidget):
    """The reward pool split by score and the village cadre subsidies."""

    def __init__(self, ctx, selection: Selection, parent=None):
        super().__init__(parent)
        self.ctx, self.sel = ctx, selection
        layout = QVBoxLayout(self)
        bar = QHBoxLayout()
        bar.addWidget(QLabel("奖金总额（元）"))
        self.amount = QDoubleSpinBox()
        self.amount.setRange(0, 1e8)
        self.amount.setDecimals(0)
        self.amount.setSingleStep(1000)
        bar.addWidget(self.amount)
        self.save = QPushButton("保存并分配")
        self.save.clicked.connect(self.save_pool)
        bar.addWidget(self.save)
        export = QPushButton("导出 Excel…")
        reads_only(export)
        export.clicked.connect(self.export)
        bar.addWidget(export)
        bar.addSpacing(16)
        bar.addWidget(QLabel("本乡镇目标绩效考核获"))
        self.prize = QComboBox()
        for prize in rewards.TOWNSHIP_PRIZES:
            self.prize.addItem(prize or "未获奖", prize)
        bar.addWidget(self.prize)
        self.save_prize = QPushButton("保存奖次")
        self.save_prize.clicked.connect(self.set_prize)
        bar.addWidget(self.save_prize)
        self.county_button = QPushButton("县级统一权衡…")
        self.county_button.setToolTip("各乡镇村干部奖励部分并排对比，按县里统一的得分—金额曲线权衡（县级汇总库）")
        self.county_button.clicked.connect(self.county_balance)
        bar.addWidget(self.county_button)
        bar.addStretch(1)
        layout.addLayout(bar)
        self.rules = QLabel()
        self.rules.setWordWrap(True)
        layout.addWidget(self.rules)
        self.note = QLabel("按考核总分比例分配，不平均发放；基本称职、不称职和一票否决者不发。村干部按下方补贴办法发放。")
        self.note.setWordWrap(True)
        layout.addWidget(self.note)
        split = QSplitter(VERTICAL)
        self.honour_table = QTableWidget(0, 9)
        self.honour_table.setHorizontalHeaderLabels(["类别", "姓名", "年度等次", "获奖乡镇奖励", "优秀奖励", "连续优秀",
                                                     "荣誉", "三等功奖励", "合计（元）"])
        split.addWidget(self.honour_table)
        self.pool_table = QTableWidget(0, 6)
        self.pool_table.setHorizontalHeaderLabels(["类别", "名次", "姓名", "总分", "等次", "金额（元）"])
        self.subsidy_table = QTableWidget(0, 10)
        self.subsidy_table.setHorizontalHeaderLabels(["村", "户数", "姓名", "职务", "年补贴标准", "基本补贴",
                                                      "奖励部分", "考核得分", "奖励发放", "合计"])
        for t in (self.honour_table, self.pool_table, self.subsidy_table):
            t.setEditTriggers(QTableWidget.NoEditTriggers)
            t.horizontalHeader().setStretchLastSection(True)
            if t is not self.honour_table:
                split.addWidget(t)
        layout.addWidget(split, 1)

    def refresh(self) -> None:
        self.save.setEnabled(self.ctx.actor.can("assess.write"))
        self.save_prize.setEnabled(self.ctx.actor.can("assess.write"))
        self.county_button.setVisible(self.ctx.county_mode)
        self.pool_table.setRowCount(0)
        self.subsidy_table.setRowCount(0)
        self.honour_table.setRowCount(0)
        plan, period = self.sel.plan, self.sel.period
        if not plan or not period:
            return
        self.prize.setCurrentIndex(max(0, self.prize.findData(plan.get("township_prize") or "")))
        try:
            self.rules.setText("固定奖励（调研报告的做法）：" + rewards.reward_rules_text(self.ctx.db, plan))
            honours = rewards.honours(self.ctx.db, plan["uuid"])
        except AppError as e:
            self.rules.setText(e.message)
            honours = []
        self._fill(self.honour_table, [(h["category"], h["name"], h["grade"], f"{h['prize_amount']:g}",
                                        f"{h['excellent_amount']:g}", h["streak"] or "", h["merit"],
                                        f"{h['merit_amount']:g}", f"{h['total']:g}") for h in honours])
        pool = next((p for p in rewards.pools(self.ctx.db, plan["uuid"]) if p["period"] == period
                     and not p["category_uuid"]), None)
        self.amount.setValue(pool["amount"] if pool else 0)
        if pool:
            rows = rewards.split_pool(self.ctx.db, plan["uuid"], period, pool["amount"])
            self._fill(self.pool_table, [(r["category"], r["rank"], r["name"], f"{r['total']:g}", r["grade"],
                                          r["amount"]) for r in rows])
        subs = rewards.village_subsidies(self.ctx.db, plan["uuid"], period)
        self._fill(self.subsidy_table, [(r["village"], r["households"], r["name"], r["role_label"],
                                         f"{r['full_amount']:g}", f"{r['basic_part']:g}", f"{r['reward_part']:g}",
                                         "" if r["score"] is None else f"{r['score']:g}", r["reward_paid"],
                                         f"{r['total_paid']:g}") for r in subs])

    @staticmethod
    def _fill(table, rows) -> None:
        table.setRowCount(len(rows))
        for r, values in enumerate(rows):
            for c, v in enumerate(values):
                cell = QTableWidgetItem(str(v))
                if isinstance(v, (int, float)) or (isinstance(v, str) and v.replace(".", "").isdigit()):
                    cell.setTextAlignment(Qt.AlignRight | Qt.AlignVCenter)
                table.setItem(r, c, cell)

    def county_balance(self) -> None:
        if not self.sel.plan:
            return
        CountyBalanceDialog(self.ctx, self.sel.plan["year"], self).exec()

    def set_prize(self) -> None:
        if not self.sel.plan:
            return
        plan, prize = self.sel.plan, self.prize.currentData()

        def saved(_result) -> None:
            plan["township_prize"] = prize
            self.refresh()

        run_action(self, self.ctx, lambda db, actor: rewards.set_township_prize(db, actor, plan["uuid"], prize),
                   saved)

    def save_pool(self) -> None:
        if not self.sel.plan or not self.sel.period:
            return
        plan_uuid, period, amount = self.sel.plan["uuid"], self.sel.period, self.amount.value()
        run_action(self, self.ctx, lambda db, actor: rewards.set_pool(db, actor, plan_uuid, period, amount),
                   lambda _r: self.refresh())

    def export(self) -> None:
        if not self.sel.plan:
            return
        path, _ = QFileDialog.getSaveFileName(self, "导出奖金和补贴", start_in(f"{self.sel.plan['year']}年度考核奖金.xlsx"),
                                              "Excel 文件 (*.xlsx)")
        if not path:
            return
        plan_uuid, period = self.sel.plan["uuid"], self.sel.period or "Y"
        actor = self.ctx.actor
        # The export writes its audit row: run_op (no tab shows what changed).
        run_op(self, self.ctx, lambda db, _progress: rewards.export_xlsx(db, plan_uuid, path, period, actor=actor),
               changes=(), label="正在导出…",
               on_done=lambda p, _changes: QMessageBox.information(self, "已导出", f"已保存到 {p}"))


class CountyBalanceDialog(QDialog):
    """Seed 004 (市里统一权衡): the village reward parts of all townships side by
    side; the county tries a common score-to-amount curve, keeps it, exports it."""

    def __init__(self, ctx, year: int, parent=None):
        super().__init__(parent)
        self.ctx, self.year = ctx, year
        self.setWindowTitle(f"{year}年度村干部奖励统一权衡")
        self.resize(820, 520)
        layout = QVBoxLayout(self)
        bar = QHBoxLayout()
        bar.addWidget(QLabel("统一曲线（得分:金额，逗号分隔）"))
        from models.core import settings

        self.curve = QLineEdit(str(settings.get(ctx.db, "assess.county_reward_curve")))
        bar.addWidget(self.curve, 1)
        self.try_button = QPushButton("试算")
        self.try_button.clicked.connect(self.reload)
        bar.addWidget(self.try_button)
        self.keep = QPushButton("采用此曲线")
        self.keep.clicked.connect(self.save_curve)
        self.keep.setEnabled(ctx.actor.can("settings.write"))
        bar.addWidget(self.keep)
        export = QPushButton("导出 Excel…")
        reads_only(export)
        export.clicked.connect(self.export)
        bar.addWidget(export)
        layout.addLayout(bar)
        self.summary = QLabel()
        layout.addWidget(self.summary)
        self.table = QTableWidget(0, 8)
        self.table.setHorizontalHeaderLabels(["乡镇", "人数", "平均得分", "奖励部分合计", "乡镇自分合计", "统一曲线合计",
                                              "统一最低", "统一最高"])
        self.table.setEditTriggers(QTableWidget.NoEditTriggers)
        layout.addWidget(self.table, 1)
        buttons = QDialogButtonBox(QDialogButtonBox.Close)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        self.reload()

    def reload(self) -> None:
        try:
            view = rewards.county_village_rewards(self.ctx.db, self.year, self.curve.text())
        except AppError as e:
            show_error(self, e)
            return
        RewardsPage._fill(self.table, [(t["township"], t["people"], f"{t['average_score']:g}", f"{t['pool']:g}",
                                        f"{t['own_total']:g}", f"{t['common_total']:g}", f"{t['common_min']:g}",
                                        f"{t['common_max']:g}") for t in view["townships"]])
        self.summary.setText(f"各乡镇自分合计 {view['own_total']:g} 元；按此曲线合计 {view['common_total']:g} 元。")

    def save_curve(self) -> None:
        curve = self.curve.text()
        run_action(self, self.ctx, lambda db, actor: rewards.set_county_curve(db, actor, curve),
                   lambda _r: self.reload())

    def export(self) -> None:
        path, _ = QFileDialog.getSaveFileName(self, "导出统一权衡", f"{self.year}年度村干部奖励统一权衡.xlsx",
                                              "Excel 文件 (*.xlsx)")
        if not path:
            return
        year = self.year
        actor = self.ctx.actor
        # The export writes its audit row: run_op (no tab shows what changed).
        run_op(self, self.ctx, lambda db, _progress: rewards.export_county_xlsx(db, year, path, actor=actor),
               changes=(), label="正在导出…",
               on_done=lambda p, _changes: QMessageBox.information(self, "已导出", f"已保存到 {p}"))


# ---- targets and supervision notices ---------------------------------------------

class TargetDialog(QDialog):
    """A new target commitment."""

    def __init__(self, parent=None):
        super().__init__(parent)
        self.setWindowTitle("新增目标承诺")
        form = QFormLayout(self)
        self.owner = QLineEdit()
        self.kind = QComboBox()
        for key, label in (("person", "个人"), ("office", "科室"), ("village", "村")):
            self.kind.addItem(label, key)
        self.content = QPlainTextEdit()
        self.content.setFixedHeight(60)
        self.measure = QLineEdit()
        self.deadline = QLineEdit()
        self.deadline.setPlaceholderText("2026-09-30")
        self.quarters = [QLineEdit() for _ in range(4)]
        self.signed = QLineEdit()
        self.signed.setPlaceholderText("2026-02-15")
        form.addRow("责任人/单位", self.owner)
        form.addRow("承诺主体", self.kind)
        form.addRow("目标内容", self.content)
        form.addRow("措施", self.measure)
        form.addRow("完成时限", self.deadline)
        for i, q in enumerate(self.quarters):
            form.addRow(f"第{'一二三四'[i]}季度", q)
        form.addRow("签订日期", self.signed)
        buttons = QDialogButtonBox(QDialogButtonBox.Ok | QDialogButtonBox.Cancel)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        form.addRow(buttons)


class CheckDialog(QDialog):
    """A check record (检查验收) of a target."""

    def __init__(self, target: dict, parent=None):
        super().__init__(parent)
        self.setWindowTitle(f"检查验收：{target['owner_name']}")
        form = QFormLayout(self)
        self.date = QLineEdit()
        self.date.setPlaceholderText("2026-10-09")
        self.checker = QLineEdit()
        self.met = QComboBox()
        self.met.addItem("达标", True)
        self.met.addItem("未达标（发督办通知单）", False)
        self.evidence = QPlainTextEdit()
        self.evidence.setFixedHeight(60)
        self.recheck = QLineEdit()
        self.recheck.setPlaceholderText("未达标时必填")
        form.addRow("检查日期", self.date)
        form.addRow("检查人", self.checker)
        form.addRow("结果", self.met)
        form.addRow("情况及佐证", self.evidence)
        form.addRow("复查日期", self.recheck)
        buttons = QDialogButtonBox(QDialogButtonBox.Ok | QDialogButtonBox.Cancel)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        form.addRow(buttons)


class TargetsPage(QWidget):
    """Target commitments, their checks, and supervision notices."""

    STATUS = {"open": "进行中", "met": "达标", "unmet": "未达标"}

    def __init__(self, ctx, selection: Selection, parent=None):
        super().__init__(parent)
        self.ctx, self.sel = ctx, selection
        layout = QVBoxLayout(self)
        bar = QHBoxLayout()
        self.buttons = []
        for label, slot in (("新增目标", self.add_target), ("检查验收", self.add_check)):
            b = QPushButton(label)
            b.clicked.connect(slot)
            bar.addWidget(b)
            self.buttons.append(b)
        bar.addStretch(1)
        layout.addLayout(bar)
        split = QSplitter(VERTICAL)
        self.table = QTableWidget(0, 7)
        self.table.setHorizontalHeaderLabels(["责任人/单位", "目标内容", "措施", "时限", "签订", "状态", "复查日期"])
        self.table.setEditTriggers(QTableWidget.NoEditTriggers)
        self.table.setSelectionBehavior(QTableWidget.SelectRows)
        self.table.horizontalHeader().setStretchLastSection(True)
        self.table.setColumnWidth(1, 240)
        self.table.currentCellChanged.connect(lambda *_: self.show_notice())
        split.addWidget(self.table)
        self.notice = QTextBrowser()
        split.addWidget(self.notice)
        layout.addWidget(split, 1)

    def refresh(self) -> None:
        for b in self.buttons:
            b.setEnabled(self.ctx.actor.can("assess.write") and self.sel.plan is not None)
        self.targets = assess.targets(self.ctx.db, self.sel.plan["uuid"]) if self.sel.plan else []
        self.table.setRowCount(len(self.targets))
        for r, t in enumerate(self.targets):
            for c, text in enumerate((t["owner_name"], t["content"], t["measure"] or "", t["deadline"] or "",
                                      t["signed_on"] or "", self.STATUS[t["status"]],
                                      t["recheck_date"] if t["status"] == "unmet" else "")):
                cell = QTableWidgetItem(text)
                if t["status"] == "unmet":
                    cell.setForeground(QColor("#c62828"))
                self.table.setItem(r, c, cell)
        self.show_notice()

    def _current(self) -> dict | None:
        r = self.table.currentRow()
        return self.targets[r] if 0 <= r < len(self.targets) else None

    def show_notice(self) -> None:
        t = self._current()
        if not t:
            self.notice.setHtml("<p style='color:#666'>选择一个目标查看检查记录；未达标的目标生成督办通知单"
                                "（可在“公示”菜单打印）。</p>")
            return
        checks = assess.target_checks(self.ctx.db, t["uuid"])
        html = [f"<h3>{t['owner_name']}：{t['content']}</h3>",
                f"<p>季度分解：{' / '.join(x or '—' for x in (t['q1'], t['q2'], t['q3'], t['q4']))}</p>"]
        html += [f"<p>{c['check_date']} {c['checker']}：<b>{c['result']}</b> {c['evidence'] or ''}</p>" for c in checks]
        if t["status"] == "unmet":
            n = assess_results.supervision_notice(self.ctx.db, t["uuid"])
            html.append(
                f"<hr><h2 style='text-align:center'>督办通知单</h2><p style='text-align:right'>编号：{n['notice_no']}</p>"
                f"<p>{n['owner']}：</p><p>经 {n['check_date']} 检查验收，你（单位）承诺的“{n['content']}”未达到要求："
                f"{n['finding']}。请抓紧整改，{n['recheck_date']} 复查。</p>"
                f"<p style='text-align:right'>{n['issuer']}<br>监督电话：{n['supervision_phone']}</p>")
        self.notice.setHtml("".join(html))

    def add_target(self) -> None:
        if not self.sel.plan:
            return
        d = TargetDialog(self)
        if d.exec() != QDialog.Accepted:
            return
        plan_uuid = self.sel.plan["uuid"]
        args = (d.owner.text(), d.content.toPlainText(), d.measure.text(), d.deadline.text() or None,
                tuple(q.text() for q in d.quarters), d.signed.text() or None)
        owner_kind = d.kind.currentData()
        run_action(self, self.ctx, lambda db, actor: assess.add_target(db, actor, plan_uuid, *args,
                                                                       owner_kind=owner_kind),
                   lambda _r: self.refresh())

    def add_check(self) -> None:
        t = self._current()
        if not t:
            QMessageBox.information(self, "检查验收", "请先选择一个目标。")
            return
        d = CheckDialog(t, self)
        if d.exec() != QDialog.Accepted:
            return
        args = (d.date.text(), d.checker.text(), d.met.currentData(), d.evidence.toPlainText(),
                d.recheck.text() or None)
        run_action(self, self.ctx, lambda db, actor: assess.record_check(db, actor, t["uuid"], *args),
                   lambda _r: self.refresh())
