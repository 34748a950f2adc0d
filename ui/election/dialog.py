"""换届选举 window, opened from the 换届 menu: one term-change event at a time,
with tabs for 资格 (races and self-nominees), 两推 (tally sheets and ranking),
选举 (candidate lists and ballot rounds) and 结果 (results, the new term's
appointments, the 三公开 notices). All rows are few (tens), so plain
QTableWidgets are enough; every write goes through models.election.term."""

from __future__ import annotations

import datetime as dt

from PySide6.QtCore import QDate, Qt
from PySide6.QtWidgets import (QAbstractItemView, QCheckBox, QComboBox, QDateEdit, QDialog, QDialogButtonBox,
                               QFileDialog, QFormLayout, QGroupBox, QHBoxLayout, QHeaderView, QLabel, QLineEdit,
                               QMessageBox, QPushButton, QSpinBox, QSplitter, QTableWidget, QTableWidgetItem,
                               QTabWidget, QTextEdit, QVBoxLayout, QWidget)

from models.election import term as el
from ui.common.action import run_op
from ui.common.files import start_in
from ui.common.screen import fit_on_screen

AREA = "election"


def _item(value, align=None, data=None) -> QTableWidgetItem:
    it = QTableWidgetItem("" if value is None else str(value))
    it.setFlags(it.flags() & ~Qt.ItemIsEditable)
    if align == "right":
        it.setTextAlignment(Qt.AlignRight | Qt.AlignVCenter)
    elif align == "center":
        it.setTextAlignment(Qt.AlignCenter)
    if data is not None:
        it.setData(Qt.UserRole, data)
    return it


def _table(headers: list[str], stretch: tuple = (), fit: bool = False) -> QTableWidget:
    """A read-only row-selecting table; `stretch` columns share the spare width,
    with `fit` the others size to their contents (tables here hold tens of rows)."""
    t = QTableWidget(0, len(headers))
    t.setHorizontalHeaderLabels(headers)
    t.setSelectionBehavior(QAbstractItemView.SelectRows)
    t.setSelectionMode(QAbstractItemView.SingleSelection)
    t.verticalHeader().setVisible(False)
    t.setAlternatingRowColors(True)
    t.horizontalHeader().setStretchLastSection(True)
    t.horizontalHeader().setSectionResizeMode(QHeaderView.Interactive)
    for c in range(len(headers)):
        if c in stretch:
            t.horizontalHeader().setSectionResizeMode(c, QHeaderView.Stretch)
        elif fit:
            t.horizontalHeader().setSectionResizeMode(c, QHeaderView.ResizeToContents)
    return t


def _fill(table: QTableWidget, rows: list[list], aligns: dict | None = None, keys: list | None = None) -> None:
    aligns = aligns or {}
    table.setRowCount(len(rows))
    for r, row in enumerate(rows):
        for c, value in enumerate(row):
            table.setItem(r, c, _item(value, aligns.get(c), keys[r] if keys and c == 0 else None))


def _spin(maximum=100000, value=0) -> QSpinBox:
    s = QSpinBox()
    s.setRange(0, maximum)
    s.setValue(value)
    return s


class ElectionWindow(QDialog):
    """The 换届选举 window."""

    def __init__(self, ctx, parent=None):
        super().__init__(parent)
        self.ctx = ctx
        self.setWindowTitle(self.tr("换届选举"))
        fit_on_screen(self, 1180, 760)
        self.event_uuid: str | None = None
        self.can_write = ctx.actor.can(el.WRITE)

        top = QHBoxLayout()
        top.addWidget(QLabel(self.tr("换届：")))
        self.event_combo = QComboBox()
        self.event_combo.setMinimumWidth(260)
        self.event_combo.currentIndexChanged.connect(self._event_changed)
        top.addWidget(self.event_combo)
        self.new_event_btn = QPushButton(self.tr("新建换届…"))
        self.new_event_btn.clicked.connect(self._new_event)
        top.addWidget(self.new_event_btn)
        self.edit_event_btn = QPushButton(self.tr("修改日期/名额…"))
        self.edit_event_btn.clicked.connect(self._edit_event)
        top.addWidget(self.edit_event_btn)
        self.event_info = QLabel()
        self.event_info.setStyleSheet("color: #555;")
        top.addWidget(self.event_info, 1)

        self.tabs = QTabWidget()
        self.tabs.addTab(self._build_eligibility_tab(), self.tr("资格"))
        self.tabs.addTab(self._build_rec_tab(), self.tr("两推"))
        self.tabs.addTab(self._build_vote_tab(), self.tr("选举"))
        self.tabs.addTab(self._build_result_tab(), self.tr("结果"))
        self.tabs.currentChanged.connect(lambda _i: self.refresh())

        self.empty = QLabel(self.tr("还没有换届记录。点“新建换届…”，填写届次、日期和各职位的应选名额（按上级核定的职数）。"))
        self.empty.setAlignment(Qt.AlignCenter)
        self.empty.setWordWrap(True)
        self.empty.setStyleSheet("color: #666; font-size: 15px; padding: 40px;")

        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.empty)
        layout.addWidget(self.tabs, 1)
        for w in self._write_widgets():
            w.setEnabled(self.can_write)
        if not self.can_write:
            self.setWindowTitle(self.tr("换届选举（只读）"))
        ctx.data_changed.connect(self._on_data_changed)
        self.reload_events()

    # ---- plumbing ------------------------------------------------------------

    def _write_widgets(self):
        return [self.new_event_btn, self.edit_event_btn, self.add_race_btn, self.add_nominee_btn, self.withdraw_btn,
                self.delete_nominee_btn, self.close_noms_btn, self.unit_btn,
                self.edit_unit_btn, self.import_units_btn, self.shortlist_btn, self.save_cands_btn, self.save_round_btn,
                self.undo_round_btn, self.appoint_btn]

    def _on_data_changed(self, area: str) -> None:
        if area in (AREA, "roster", "all", "settings"):
            self.refresh()

    def _act(self, fn, *args, then=None, changes=(AREA,), **kwargs) -> None:
        """fn(db, actor, *args, **kwargs) through ui/common/action.run_op (a worker
        connection, off the GUI thread; `changes` told to every tab, so this
        window refreshes too). A refusal shows its Chinese message and changes
        nothing; then(result) runs after a success."""
        actor = self.ctx.actor
        run_op(self, self.ctx, lambda db, _progress: fn(db, actor, *args, **kwargs), changes=set(changes),
               on_done=lambda result, _changes: then(result) if then is not None else None,
               on_error=lambda e: QMessageBox.warning(self, self.tr("无法保存"), e.message))

    def reload_events(self, select: str | None = None) -> None:
        current = select or self.event_uuid
        self.event_combo.blockSignals(True)
        self.event_combo.clear()
        evs = el.events(self.ctx.db, self.ctx.township_filter or None)
        for ev in evs:
            self.event_combo.addItem(f"{el.term_label(ev['term_number'])}　{ev['event_date']}　{ev['status']}",
                                     ev["uuid"])
        idx = max(0, self.event_combo.findData(current)) if current else 0
        self.event_combo.setCurrentIndex(idx if evs else -1)
        self.event_combo.blockSignals(False)
        self.event_uuid = self.event_combo.currentData() if evs else None
        self.tabs.setVisible(bool(evs))
        self.empty.setVisible(not evs)
        self.refresh()

    def _event_changed(self, _index) -> None:
        self.event_uuid = self.event_combo.currentData()
        self.refresh()

    def refresh(self) -> None:
        if not self.event_uuid:
            self.event_info.setText("")
            return
        ev = el.get_event(self.ctx.db, self.event_uuid)
        races = el.races(self.ctx.db, self.event_uuid)
        self.event_info.setText("　" + "，".join(f"{r['name']} {r['seats']} 名" for r in races)
                                + (f"　两推每人至多推荐 {ev['rec_seats']} 人" if ev["rec_seats"] else ""))
        page = self.tabs.currentIndex()
        (self._refresh_eligibility, self._refresh_rec, self._refresh_vote, self._refresh_result)[page]()

    # ---- 资格 -------------------------------------------------------------------

    def _build_eligibility_tab(self) -> QWidget:
        w = QWidget()
        layout = QVBoxLayout(w)
        races_box = QGroupBox(self.tr("职位与应选名额（差额比例见设置）"))
        rl = QVBoxLayout(races_box)
        self.races_table = _table(["职位", "类别", "应选", "差额", "候选人至少", "保留女干部职位", "关联名册职务"])
        self.races_table.setMaximumHeight(150)
        rl.addWidget(self.races_table)
        row = QHBoxLayout()
        self.add_race_btn = QPushButton(self.tr("添加/修改职位…"))
        self.add_race_btn.clicked.connect(self._edit_race)
        row.addWidget(self.add_race_btn)
        row.addStretch(1)
        rl.addLayout(row)
        layout.addWidget(races_box)

        noms_box = QGroupBox(self.tr("自荐报名人员与资格审查（以换届日期计算年龄）"))
        nl = QVBoxLayout(noms_box)
        self.woman_label = QLabel()
        nl.addWidget(self.woman_label)
        self.noms_table = _table(["姓名", "性别", "出生日期", "年龄", "身份", "现任职务", "报名职位", "资格", "说明"])
        nl.addWidget(self.noms_table, 1)
        row = QHBoxLayout()
        self.add_nominee_btn = QPushButton(self.tr("登记报名…"))
        self.add_nominee_btn.clicked.connect(self._add_nominee)
        self.withdraw_btn = QPushButton(self.tr("标记放弃/恢复"))
        self.withdraw_btn.clicked.connect(self._toggle_withdrawn)
        self.delete_nominee_btn = QPushButton(self.tr("删除误录"))
        self.delete_nominee_btn.clicked.connect(self._delete_nominee)
        self.close_noms_btn = QPushButton(self.tr("报名截止…"))
        self.close_noms_btn.setToolTip(self.tr("截止自荐报名：未报名的现任班子成员登记为放弃（作弃权处理）"))
        self.close_noms_btn.clicked.connect(self._close_nominations)
        notice_btn = QPushButton(self.tr("生成资格公示…"))
        notice_btn.clicked.connect(lambda: self._publish("election_eligibility"))
        row.addWidget(self.add_nominee_btn)
        row.addWidget(self.withdraw_btn)
        row.addWidget(self.delete_nominee_btn)
        row.addWidget(self.close_noms_btn)
        row.addStretch(1)
        row.addWidget(notice_btn)
        nl.addLayout(row)
        layout.addWidget(noms_box, 1)
        return w

    def _refresh_eligibility(self) -> None:
        db = self.ctx.db
        races = el.races(db, self.event_uuid)
        _fill(self.races_table, [[r["name"], r["kind_label"], r["seats"], f"{r['margin']}%",
                                  el.required_candidates(r["seats"], r["margin"]), "是" if r["woman_seat"] else "",
                                  el.post_title(self.ctx.db, r["post_uuid"])] for r in races],
              {2: "right", 3: "right", 4: "right", 5: "center"}, [r["uuid"] for r in races])
        noms = el.nominees(db, self.event_uuid)
        _fill(self.noms_table, [[n["name"], n["sex"], n["birth_date"], n["age"], "现任" if n["incumbent"] else "新进",
                                 n["current_post"] or "", n["intended"] or "", "符合" if n["eligible"] else "不符合",
                                 n["eligibility_reason"]] for n in noms],
              {1: "center", 3: "right", 4: "center", 7: "center"}, [n["uuid"] for n in noms])
        for r, n in enumerate(noms):
            if not n["eligible"]:
                self.noms_table.item(r, 7).setForeground(Qt.red)
        rule = el.woman_rule(db, self.event_uuid)
        if rule["seat_held_open"]:
            self.woman_label.setText(self.tr("⚠ 符合条件的报名人中没有女干部：按规定保留 1 个职位。"))
            self.woman_label.setStyleSheet("color: #b00;")
        else:
            self.woman_label.setText(self.tr(f"符合条件的女干部 {rule['eligible_women']} 人。"))
            self.woman_label.setStyleSheet("color: #555;")
        self.noms_table.resizeColumnsToContents()

    def _selected_key(self, table: QTableWidget):
        row = table.currentRow()
        if row < 0 or table.item(row, 0) is None:
            return None
        return table.item(row, 0).data(Qt.UserRole)

    def _edit_race(self) -> None:
        race_uuid = self._selected_key(self.races_table)
        race = el.get_race(self.ctx.db, race_uuid) if race_uuid else None
        dlg = RaceDialog(self.ctx, race, self)
        if dlg.exec() != QDialog.Accepted:
            return
        if race:
            self._act(el.update_race, race_uuid, dlg.values())
        else:
            self._act(el.add_race, self.event_uuid, dlg.values())

    def _add_nominee(self) -> None:
        dlg = NomineeDialog(self.ctx, self)
        if dlg.exec() == QDialog.Accepted:
            self._act(el.add_nominee, self.event_uuid, **dlg.values())

    def _toggle_withdrawn(self) -> None:
        key = self._selected_key(self.noms_table)
        if not key:
            QMessageBox.information(self, self.tr("提示"), self.tr("请先选中一名报名人。"))
            return
        row = next(n for n in el.nominees(self.ctx.db, self.event_uuid) if n["uuid"] == key)
        self._act(el.set_nominee_flags, key, withdrawn=not row["withdrawn"])

    def _close_nominations(self) -> None:
        missing = el.incumbents_not_nominated(self.ctx.db, self.event_uuid)
        names = "、".join(c["name"] for c in missing) or self.tr("（没有）")
        if QMessageBox.question(self, self.tr("报名截止"), self.tr(
                "截止后不能再登记报名。未自荐报名的现任班子成员将登记为放弃（作弃权处理）：") + names
                + self.tr("。\n确定截止吗？")) != QMessageBox.Yes:
            return
        self._act(el.close_nominations, self.event_uuid, then=lambda count: QMessageBox.information(
            self, self.tr("报名截止"), self.tr(f"报名已截止，{count} 名现任班子成员登记为放弃。")))

    def _delete_nominee(self) -> None:
        key = self._selected_key(self.noms_table)
        if not key:
            QMessageBox.information(self, self.tr("提示"), self.tr("请先选中一名报名人。"))
            return
        if QMessageBox.question(self, self.tr("删除"), self.tr("删除这条误录的报名？")) != QMessageBox.Yes:
            return
        self._act(el.delete_nominee, key)

    # ---- 两推 -------------------------------------------------------------------

    def _build_rec_tab(self) -> QWidget:
        w = QWidget()
        split = QSplitter(Qt.Horizontal)
        left = QGroupBox(self.tr("各单位推荐计票单"))
        ll = QVBoxLayout(left)
        self.units_table = _table(["单位", "类别", "应到", "实到", "参荐率", "无效票"], stretch=(0,), fit=True)
        ll.addWidget(self.units_table, 1)
        self.rec_total = QLabel()
        ll.addWidget(self.rec_total)
        row = QHBoxLayout()
        self.unit_btn = QPushButton(self.tr("录入计票单…"))
        self.unit_btn.clicked.connect(lambda: self._edit_unit(None))
        self.edit_unit_btn = QPushButton(self.tr("修改选中…"))
        self.edit_unit_btn.clicked.connect(self._edit_selected_unit)
        self.import_units_btn = QPushButton(self.tr("从 CSV 导入…"))
        self.import_units_btn.setToolTip(self.tr("列：单位,类别,应到党员,实到党员,应到群众代表,实到群众代表,无效票,"
                                                 "然后每位报名人一列（列名为姓名）"))
        self.import_units_btn.clicked.connect(self._import_units)
        row.addWidget(self.unit_btn)
        row.addWidget(self.edit_unit_btn)
        row.addWidget(self.import_units_btn)
        row.addStretch(1)
        ll.addLayout(row)
        right = QGroupBox(self.tr("得票排名（勾选上级确定的人选）"))
        rl = QVBoxLayout(right)
        self.rank_table = _table(["名次", "姓名", "性别", "得票", "得票率", "确定为人选"], stretch=(1,), fit=True)
        rl.addWidget(self.rank_table, 1)
        row = QHBoxLayout()
        self.shortlist_btn = QPushButton(self.tr("保存确定的人选"))
        self.shortlist_btn.clicked.connect(self._save_shortlist)
        notice_btn = QPushButton(self.tr("生成两推结果公示…"))
        notice_btn.clicked.connect(lambda: self._publish("election_recommendation"))
        row.addWidget(self.shortlist_btn)
        row.addStretch(1)
        row.addWidget(notice_btn)
        rl.addLayout(row)
        split.addWidget(left)
        split.addWidget(right)
        split.setSizes([560, 560])
        QVBoxLayout(w).addWidget(split)
        return w

    def _refresh_rec(self) -> None:
        rec = el.recommendation(self.ctx.db, self.event_uuid)
        units = rec["units"]
        _fill(self.units_table, [[u["name"], u["kind"], u["eligible"], u["present"], f"{u['participation']:.1%}",
                                  u["invalid_ballots"]] for u in units],
              {2: "right", 3: "right", 4: "right", 5: "right"}, [u["uuid"] for u in units])
        self.rec_total.setText(self.tr(f"合计 {len(units)} 个单位：应到 {rec['eligible']} 人，实到 {rec['present']} 人，"
                                       f"参荐率 {rec['participation']:.1%}"))
        ranking = rec["ranking"]
        self.rank_table.setRowCount(len(ranking))
        for r, x in enumerate(ranking):
            for c, v in enumerate([x["rank"], x["name"], x["sex"], x["votes"], f"{x['share']:.1%}"]):
                self.rank_table.setItem(r, c, _item(v, "right" if c in (0, 3, 4) else "center",
                                                    x["nominee_uuid"] if c == 0 else None))
            box = QTableWidgetItem()
            box.setFlags(Qt.ItemIsUserCheckable | Qt.ItemIsEnabled)
            box.setCheckState(Qt.Checked if x["shortlisted"] else Qt.Unchecked)
            self.rank_table.setItem(r, 5, box)

    def _edit_selected_unit(self) -> None:
        key = self._selected_key(self.units_table)
        if not key:
            QMessageBox.information(self, self.tr("提示"), self.tr("请先选中一个单位。"))
            return
        self._edit_unit(key)

    def _edit_unit(self, unit_uuid) -> None:
        dlg = RecUnitDialog(self.ctx, self.event_uuid, unit_uuid, self)
        dlg.exec()
        self.refresh()

    def _import_units(self) -> None:
        import csv

        path, _ = QFileDialog.getOpenFileName(self, self.tr("导入两推计票单"), start_in(), "CSV (*.csv)")
        if not path:
            return
        try:
            with open(path, encoding="utf-8-sig", newline="") as f:
                rows = list(csv.DictReader(f))
        except (OSError, UnicodeDecodeError):
            QMessageBox.warning(self, self.tr("无法导入"),
                                self.tr("读不出这个文件。请在表格软件中另存为“CSV UTF-8”后再导入。"))
            return
        self._act(el.import_rec_units, self.event_uuid, rows, then=lambda n: QMessageBox.information(
            self, self.tr("已导入"), self.tr(f"已导入 {n} 个单位的推荐票。")))

    def _save_shortlist(self) -> None:
        keys = [self.rank_table.item(r, 0).data(Qt.UserRole) for r in range(self.rank_table.rowCount())
                if self.rank_table.item(r, 5).checkState() == Qt.Checked]
        self._act(el.set_shortlist, self.event_uuid, keys, then=lambda _r: QMessageBox.information(
            self, self.tr("已保存"), self.tr(f"已记录确定的人选 {len(keys)} 名。")))

    # ---- 选举 -------------------------------------------------------------------

    def _build_vote_tab(self) -> QWidget:
        w = QWidget()
        layout = QVBoxLayout(w)
        top = QHBoxLayout()
        top.addWidget(QLabel(self.tr("职位：")))
        self.race_combo = QComboBox()
        self.race_combo.setMinimumWidth(160)
        self.race_combo.currentIndexChanged.connect(lambda _i: self._refresh_vote(keep_race=True))
        top.addWidget(self.race_combo)
        self.margin_label = QLabel()
        top.addWidget(self.margin_label, 1)
        layout.addLayout(top)
        split = QSplitter(Qt.Horizontal)
        cands_box = QGroupBox(self.tr("候选人名单（勾选；差额按设置检查）"))
        cl = QVBoxLayout(cands_box)
        self.cands_table = _table(["候选人", "性别", "两推得票", "人选"], stretch=(0,), fit=True)
        self.cands_table.itemChanged.connect(lambda _it: self._update_margin_label())
        cl.addWidget(self.cands_table, 1)
        self.save_cands_btn = QPushButton(self.tr("保存候选人名单"))
        self.save_cands_btn.clicked.connect(self._save_candidates)
        cl.addWidget(self.save_cands_btn)
        split.addWidget(cands_box)

        round_box = QGroupBox(self.tr("计票"))
        rl = QVBoxLayout(round_box)
        self.round_title = QLabel()
        self.round_title.setStyleSheet("font-weight: bold;")
        rl.addWidget(self.round_title)
        form = QHBoxLayout()
        self.expected_spin, self.present_spin = _spin(), _spin()
        self.returned_spin, self.invalid_spin = _spin(), _spin()
        for label, spin in (("应到", self.expected_spin), ("实到", self.present_spin),
                            ("收回选票", self.returned_spin), ("无效票", self.invalid_spin)):
            form.addWidget(QLabel(label))
            form.addWidget(spin)
        self.present_spin.valueChanged.connect(self._present_changed)
        form.addStretch(1)
        rl.addLayout(form)
        self.ballot_table = _table(["候选人", "得票"])
        rl.addWidget(self.ballot_table, 1)
        row = QHBoxLayout()
        self.save_round_btn = QPushButton(self.tr("保存本轮计票"))
        self.save_round_btn.clicked.connect(self._save_round)
        self.undo_round_btn = QPushButton(self.tr("撤销最后一轮"))
        self.undo_round_btn.clicked.connect(self._undo_round)
        row.addWidget(self.save_round_btn)
        row.addWidget(self.undo_round_btn)
        row.addStretch(1)
        rl.addLayout(row)
        self.round_log = QTextEdit()
        self.round_log.setReadOnly(True)
        rl.addWidget(self.round_log, 1)
        split.addWidget(round_box)
        split.setSizes([420, 700])
        layout.addWidget(split, 1)
        self.ballot_spins: dict[str, QSpinBox] = {}
        return w

    def _present_changed(self, value: int) -> None:
        if self.returned_spin.value() == 0 or self.returned_spin.value() > value:
            self.returned_spin.setValue(value)

    def _current_race(self):
        return self.race_combo.currentData()

    def _refresh_vote(self, keep_race: bool = False) -> None:
        if not self.event_uuid:
            return
        db = self.ctx.db
        if not keep_race:
            current = self.race_combo.currentData()
            self.race_combo.blockSignals(True)
            self.race_combo.clear()
            for r in el.races(db, self.event_uuid):
                self.race_combo.addItem(r["name"], r["uuid"])
            if current:
                self.race_combo.setCurrentIndex(max(0, self.race_combo.findData(current)))
            self.race_combo.blockSignals(False)
        race_uuid = self._current_race()
        if not race_uuid:
            self.cands_table.setRowCount(0)
            self.ballot_table.setRowCount(0)
            return
        state = el.race_result(db, race_uuid)
        chosen = {c["nominee_uuid"] for c in el.candidates(db, race_uuid)}
        rec = {x["nominee_uuid"]: x for x in el.recommendation(db, self.event_uuid)["ranking"]}
        pool = [n for n in el.nominees(db, self.event_uuid) if n["eligible"]]
        pool.sort(key=lambda n: (n["uuid"] not in chosen, not n["shortlisted"], -rec.get(n["uuid"], {}).get("votes", 0)))
        locked = bool(state["steps"])
        self.cands_table.blockSignals(True)
        self.cands_table.setRowCount(len(pool))
        for r, n in enumerate(pool):
            it = QTableWidgetItem(n["name"])
            flags = Qt.ItemIsEnabled | (Qt.ItemIsUserCheckable if self.can_write and not locked else Qt.NoItemFlags)
            it.setFlags(flags)
            it.setCheckState(Qt.Checked if n["uuid"] in chosen else Qt.Unchecked)
            it.setData(Qt.UserRole, n["uuid"])
            it.setData(Qt.UserRole + 1, n["sex"])
            self.cands_table.setItem(r, 0, it)
            self.cands_table.setItem(r, 1, _item(n["sex"], "center"))
            self.cands_table.setItem(r, 2, _item(rec.get(n["uuid"], {}).get("votes", ""), "right"))
            self.cands_table.setItem(r, 3, _item("是" if n["shortlisted"] else "", "center"))
        self.cands_table.blockSignals(False)
        self.save_cands_btn.setEnabled(self.can_write and not locked)
        self._update_margin_label()
        self._fill_ballot(state)

    def _checked_candidates(self) -> list[tuple[str, str]]:
        out = []
        for r in range(self.cands_table.rowCount()):
            it = self.cands_table.item(r, 0)
            if it and it.checkState() == Qt.Checked:
                out.append((it.data(Qt.UserRole), it.data(Qt.UserRole + 1)))
        return out

    def _update_margin_label(self) -> None:
        race_uuid = self._current_race()
        if not race_uuid:
            return
        race = el.get_race(self.ctx.db, race_uuid)
        checked = self._checked_candidates()
        seats, held = el.seats_to_fill(self.ctx.db, race, [{"sex": s} for _, s in checked])
        need = el.required_candidates(seats, race["margin"])
        held_text = "（无女性候选人，保留 1 个职位）" if held else ""
        ok = len(checked) >= need
        self.margin_label.setText(
            f"应选 {seats} 名{held_text}，差额 {race['margin']}%，候选人至少 {need} 名；已选 {len(checked)} 名"
            + ("" if ok else f"，还差 {need - len(checked)} 名"))
        self.margin_label.setStyleSheet("color: #060;" if ok else "color: #b00;")

    def _fill_ballot(self, state: dict) -> None:
        names = state["names"]
        if not state["steps"]:
            pool = [c["nominee_uuid"] for c in el.candidates(self.ctx.db, state["race"]["uuid"])]
            seats = state["seats"]
        else:
            pool, seats = state["runoff_pool"], state["open_seats"]
        n = state["next_round_no"]
        if state["steps"] and state["open_seats"] <= 0:
            self.round_title.setText(self.tr(f"{state['race']['name']}：{len(state['elected'])} 名已全部选出。"))
            pool = []
        elif not pool:
            self.round_title.setText(self.tr("请先保存候选人名单。"))
        else:
            kind = "第 1 轮" if n == 1 else f"第 {n} 轮（另行选举）"
            base = "实到" if el.majority_of_present(self.ctx.db) else "应到"
            self.round_title.setText(self.tr(f"{kind}：应选 {seats} 名，每张选票至多划 {seats} 人；"
                                             f"得票须超过{base}人数的半数（须填写应到人数）。"))
        self.ballot_table.setRowCount(len(pool))
        self.ballot_spins = {}
        for r, key in enumerate(pool):
            self.ballot_table.setItem(r, 0, _item(names.get(key, key)))
            spin = _spin()
            spin.setEnabled(self.can_write)
            self.ballot_table.setCellWidget(r, 1, spin)
            self.ballot_spins[key] = spin
        self.save_round_btn.setEnabled(self.can_write and bool(pool))
        self.undo_round_btn.setEnabled(self.can_write and bool(state["steps"]))
        self.round_log.setHtml(self._round_html(state))

    @staticmethod
    def _round_html(state: dict) -> str:
        names = state["names"]
        parts = []
        if state["held_open_for_woman"]:
            parts.append("<p style='color:#b00'>无女性候选人：保留 1 个职位，本次应选 "
                         f"{state['seats']} 名。</p>")
        for step in state["steps"]:
            r = step["result"]
            expected = f"应到 {step['expected']} 人，" if step["expected"] else ""
            rate = f"（到会率 {step['attendance']:.1%}）" if step["attendance"] else ""
            parts.append(f"<p><b>第 {step['round_no']} 轮</b>　{expected}实到 {step['present']} 人{rate}，"
                         f"有效票 {step['valid']} 张，无效票 {step['invalid']} 张；当选至少需 {step['need']} 票"
                         f"（超过{step['majority_of']}人数半数）"
                         "</p><table cellpadding=2>")
            for key, votes in sorted(step["votes"].items(), key=lambda kv: -kv[1]):
                if key in r.elected:
                    mark = "<span style='color:#060'>当选</span>"
                elif key in r.tied:
                    mark = "<span style='color:#b60'>票数相同，另行选举</span>"
                elif key in r.below_majority:
                    mark = "未过半数"
                else:
                    mark = "名额已满"
                parts.append(f"<tr><td>{names.get(key, key)}</td><td align=right>{votes}</td><td>{mark}</td></tr>")
            parts.append("</table>")
            if r.woman_seat_open:
                parts.append("<p style='color:#b00'>尚无女干部当选：空出的名额保留一个给女干部，另行选举。</p>")
            if r.woman_rule_unmet:
                parts.append("<p style='color:#b00'>当选人中没有女干部：得票过半者均已当选，"
                             "不因女干部职位而落选。</p>")
        if state["steps"]:
            parts.append(f"<p>当选：{'、'.join(state['elected_names']) or '（无）'}</p>")
            if state["open_seats"]:
                pool = "、".join(names.get(k, k) for k in state["runoff_pool"])
                parts.append(f"<p style='color:#b00'>尚缺 {state['open_seats']} 名，另行选举候选人：{pool}</p>")
        return "".join(parts)

    def _save_candidates(self) -> None:
        keys = [k for k, _ in self._checked_candidates()]
        self._act(el.set_candidates, self._current_race(), keys, then=lambda _r: self._refresh_vote(keep_race=True))

    def _save_round(self) -> None:
        votes = {k: s.value() for k, s in self.ballot_spins.items()}
        self._act(el.record_round, self._current_race(), expected=self.expected_spin.value(),
                  present=self.present_spin.value(), ballots_returned=self.returned_spin.value(),
                  ballots_invalid=self.invalid_spin.value(), votes=votes,
                  held_on=el.get_event(self.ctx.db, self.event_uuid)["event_date"],
                  then=lambda _r: self._refresh_vote(keep_race=True))

    def _undo_round(self) -> None:
        if QMessageBox.question(self, self.tr("撤销"), self.tr("撤销最后一轮的计票？")) != QMessageBox.Yes:
            return
        self._act(el.undo_last_round, self._current_race(), then=lambda _r: self._refresh_vote(keep_race=True))

    # ---- 结果 -------------------------------------------------------------------

    def _build_result_tab(self) -> QWidget:
        w = QWidget()
        layout = QVBoxLayout(w)
        self.result_table = _table(["职位", "应选", "当选", "尚缺", "说明"], stretch=(2, 4))
        layout.addWidget(self.result_table, 1)
        self.result_note = QLabel()
        self.result_note.setWordWrap(True)
        layout.addWidget(self.result_note)
        row = QHBoxLayout()
        self.appoint_btn = QPushButton(self.tr("生成新一届任职…"))
        self.appoint_btn.setToolTip(self.tr("结束关联职务的上届任职（保留历史），为当选人建立新一届任职"))
        self.appoint_btn.clicked.connect(self._create_appointments)
        notice_btn = QPushButton(self.tr("生成选举结果公示…"))
        notice_btn.clicked.connect(lambda: self._publish("election_results"))
        row.addWidget(self.appoint_btn)
        row.addStretch(1)
        row.addWidget(notice_btn)
        layout.addLayout(row)
        return w

    def _refresh_result(self) -> None:
        db = self.ctx.db
        rows = []
        for res in el.results(db, self.event_uuid):
            notes = []
            if res["held_open_for_woman"]:
                notes.append("无女性候选人，保留 1 个职位")
            if not res["steps"]:
                notes.append("未投票")
            elif res["open_seats"]:
                notes.append("待另行选举")
            if not res["race"]["post_uuid"]:
                notes.append("未关联名册职务")
            rows.append([res["race"]["name"], res["seats"], "、".join(res["elected_names"]), res["open_seats"],
                         "；".join(notes)])
        _fill(self.result_table, rows, {1: "right", 3: "right"})
        self.result_table.resizeRowsToContents()
        self.result_table.setWordWrap(True)
        ev = el.get_event(db, self.event_uuid)
        if ev["appointments_done_at"]:
            self.result_note.setText(self.tr(f"新一届任职已于 {ev['appointments_done_at'].replace('T', ' ')} 生成。"))
            self.appoint_btn.setEnabled(False)
        else:
            self.result_note.setText(self.tr("全部职位选出后，点“生成新一届任职”：关联职务的上届任职在换届前一天结束，"
                                             "当选人自换届日起任职，历史记录保留。"))
            self.appoint_btn.setEnabled(self.can_write)

    def _create_appointments(self) -> None:
        if QMessageBox.question(self, self.tr("生成新一届任职"),
                                self.tr("将结束关联职务的上届任职，并为当选人建立新一届任职。继续？")) != QMessageBox.Yes:
            return
        def created(counts) -> None:
            QMessageBox.information(self, self.tr("已完成"), self.tr(
                f"已生成新一届任职 {counts['created']} 条，结束上届任职 {counts['ended']} 条。"))
            self.reload_events()

        self._act(el.create_term_appointments, self.event_uuid, then=created, changes=(AREA, "roster"))

    # ---- events and notices ------------------------------------------------------

    def _new_event(self) -> None:
        dlg = EventDialog(self.ctx, self)
        if dlg.exec() == QDialog.Accepted:
            self.reload_events(select=dlg.created)

    def _edit_event(self) -> None:
        if not self.event_uuid:
            return
        ev = el.get_event(self.ctx.db, self.event_uuid)
        dlg = QDialog(self)
        dlg.setWindowTitle(self.tr("修改换届"))
        form = QFormLayout(dlg)
        date = QDateEdit(QDate.fromString(ev["event_date"], "yyyy-MM-dd"))
        date.setCalendarPopup(True)
        date.setDisplayFormat("yyyy-MM-dd")
        rec_seats = _spin(50, ev["rec_seats"])
        rec_seats.setMinimum(1)
        error = QLabel()
        error.setStyleSheet("color: #b00;")
        form.addRow(self.tr("换届日期（年龄按此日计算）"), date)
        form.addRow(self.tr("两推每人至多推荐"), rec_seats)
        form.addRow(error)
        buttons = QDialogButtonBox(QDialogButtonBox.Ok | QDialogButtonBox.Cancel)
        form.addRow(buttons)

        def save():
            event_uuid, day, seats, actor = self.event_uuid, date.date().toString("yyyy-MM-dd"), rec_seats.value(), \
                self.ctx.actor
            run_op(dlg, self.ctx, lambda db, _progress: el.update_event(db, actor, event_uuid, event_date=day,
                                                                        rec_seats=seats),
                   changes={AREA}, on_done=lambda _r, _c: dlg.accept(), on_error=lambda e: error.setText(e.message))

        buttons.accepted.connect(save)
        buttons.rejected.connect(dlg.reject)
        if dlg.exec() == QDialog.Accepted:
            self.reload_events()

    def _publish(self, kind: str) -> None:
        from models.notices import registry as notices

        if not self.ctx.actor.can(notices.CAPABILITY):
            QMessageBox.warning(self, self.tr("无权限"), self.tr("当前用户无权生成公示。"))
            return
        ev = el.get_event(self.ctx.db, self.event_uuid)
        params = notices.NoticeParams(period=str(ev["term_number"]))
        ctx, actor = self.ctx, self.ctx.actor

        def done(result, _changes):
            path, _ = QFileDialog.getSaveFileName(self, self.tr("保存公示"), start_in(f"{result.title}.pdf"), "PDF (*.pdf)")
            if path:
                with open(path, "wb") as f:
                    f.write(result.pdf)

        run_op(self, ctx, lambda db, progress: notices.publish(db, actor, kind, params, progress=progress),
               changes={"notices"}, label=self.tr("正在生成公示…"), cancellable=True, on_done=done)


class EventDialog(QDialog):
    """新建换届: term number, date and the seats per race (county quota)."""

    def __init__(self, ctx, parent=None):
        super().__init__(parent)
        self.ctx = ctx
        self.created = None
        self.setWindowTitle(self.tr("新建换届"))
        evs = el.events(ctx.db)
        form = QFormLayout(self)
        self.term = _spin(99, (evs[0]["term_number"] + 1) if evs else 8)
        self.term.setMinimum(1)
        self.date = QDateEdit(QDate.currentDate())
        self.date.setCalendarPopup(True)
        self.date.setDisplayFormat("yyyy-MM-dd")
        self.committee = _spin(50, 9)
        self.secretary = _spin(5, 1)
        self.deputy = _spin(10, 3)
        self.rec_seats = _spin(50, 0)
        self.rec_seats.setSpecialValueText(self.tr("同党委委员名额"))
        self.error = QLabel()
        self.error.setStyleSheet("color: #b00;")
        form.addRow(self.tr("届次"), self.term)
        form.addRow(self.tr("换届日期"), self.date)
        form.addRow(self.tr("党委委员应选"), self.committee)
        form.addRow(self.tr("书记应选"), self.secretary)
        form.addRow(self.tr("副书记应选"), self.deputy)
        form.addRow(self.tr("两推每人至多推荐"), self.rec_seats)
        form.addRow(self.error)
        buttons = QDialogButtonBox(QDialogButtonBox.Ok | QDialogButtonBox.Cancel)
        buttons.accepted.connect(self._save)
        buttons.rejected.connect(self.reject)
        form.addRow(buttons)

    def _post(self, role: str):
        return el.post_by_role(self.ctx.db, role)

    def _save(self) -> None:
        races = [{"name": "党委委员", "kind": "committee", "seats": self.committee.value(), "woman_seat": True,
                  "post_uuid": self._post("committee")},
                 {"name": "党委书记", "kind": "secretary", "seats": self.secretary.value(),
                  "post_uuid": self._post("party_secretary")},
                 {"name": "党委副书记", "kind": "deputy", "seats": self.deputy.value(),
                  "post_uuid": self._post("deputy_secretary")}]
        races = [r for r in races if r["seats"] > 0]
        spec = dict(term_number=self.term.value(), event_date=self.date.date().toString("yyyy-MM-dd"),
                    rec_seats=self.rec_seats.value(), races_spec=races)
        actor = self.ctx.actor

        def created(event_uuid, _changes) -> None:
            self.created = event_uuid
            self.accept()

        run_op(self, self.ctx, lambda db, _progress: el.create_event(db, actor, **spec), changes={AREA},
               on_done=created, on_error=lambda e: self.error.setText(e.message))


class RaceDialog(QDialog):
    """Add a race, or change the seats / linked post of the selected one."""

    def __init__(self, ctx, race: dict | None, parent=None):
        super().__init__(parent)
        self.setWindowTitle(self.tr("修改职位") if race else self.tr("添加职位"))
        form = QFormLayout(self)
        self.name = QLineEdit(race["name"] if race else "")
        self.kind = QComboBox()
        for key, label in el.RACE_KINDS.items():
            self.kind.addItem(label, key)
        if race:
            self.kind.setCurrentIndex(self.kind.findData(race["kind"]))
        self.seats = _spin(50, race["seats"] if race else 1)
        self.woman = QCheckBox(self.tr("须有女干部（无女性候选人时保留 1 个职位）"))
        self.woman.setChecked(bool(race and race["woman_seat"]))
        self.combine = QCheckBox(self.tr("可与其他领导职务兼任（书记、副书记不可互兼）"))
        self.combine.setChecked(bool(race and race.get("may_combine")))
        self.post = QComboBox()
        self.post.addItem(self.tr("（不关联）"), None)
        for uuid, label in el.post_choices(ctx.db):
            self.post.addItem(label, uuid)
        if race and race["post_uuid"]:
            self.post.setCurrentIndex(max(0, self.post.findData(race["post_uuid"])))
        form.addRow(self.tr("职位名称"), self.name)
        form.addRow(self.tr("类别（决定差额比例）"), self.kind)
        form.addRow(self.tr("应选名额"), self.seats)
        form.addRow(self.woman)
        form.addRow(self.combine)
        form.addRow(self.tr("当选后任名册职务"), self.post)
        buttons = QDialogButtonBox(QDialogButtonBox.Ok | QDialogButtonBox.Cancel)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        form.addRow(buttons)

    def values(self) -> dict:
        return {"name": self.name.text(), "kind": self.kind.currentData(), "seats": self.seats.value(),
                "woman_seat": self.woman.isChecked(), "may_combine": self.combine.isChecked(),
                "post_uuid": self.post.currentData()}


class NomineeDialog(QDialog):
    """登记报名: a roster cadre, or a person not in the roster."""

    def __init__(self, ctx, parent=None):
        super().__init__(parent)
        self.setWindowTitle(self.tr("登记自荐报名"))
        form = QFormLayout(self)
        self.cadre = QComboBox()
        self.cadre.addItem(self.tr("（不在名册中，手工填写）"), None)
        for uuid, label in el.cadre_choices(ctx.db):
            self.cadre.addItem(label, uuid)
        self.cadre.currentIndexChanged.connect(self._toggle_manual)
        self.name = QLineEdit()
        self.sex = QComboBox()
        self.sex.addItems(list(el.SEXES))
        self.birth = QLineEdit()
        self.birth.setPlaceholderText("1980-01-01")
        self.incumbent = QCheckBox(self.tr("现任班子成员"))
        self.post = QLineEdit()
        self.intended = QLineEdit(self.tr("党委委员"))
        form.addRow(self.tr("名册中的干部"), self.cadre)
        form.addRow(self.tr("姓名"), self.name)
        form.addRow(self.tr("性别"), self.sex)
        form.addRow(self.tr("出生日期"), self.birth)
        form.addRow(self.incumbent)
        form.addRow(self.tr("现任职务"), self.post)
        form.addRow(self.tr("报名职位"), self.intended)
        buttons = QDialogButtonBox(QDialogButtonBox.Ok | QDialogButtonBox.Cancel)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        form.addRow(buttons)

    def _toggle_manual(self) -> None:
        manual = self.cadre.currentData() is None
        for w in (self.name, self.sex, self.birth, self.incumbent, self.post):
            w.setEnabled(manual)

    def values(self) -> dict:
        if self.cadre.currentData():
            return {"cadre_uuid": self.cadre.currentData(), "intended": self.intended.text()}
        return {"name": self.name.text(), "sex": self.sex.currentText(), "birth_date": self.birth.text(),
                "is_incumbent": self.incumbent.isChecked(), "current_post": self.post.text(),
                "intended": self.intended.text()}


class RecUnitDialog(QDialog):
    """One unit's 两推 tally sheet: participants and votes per nominee."""

    def __init__(self, ctx, event_uuid: str, unit_uuid: str | None, parent=None):
        super().__init__(parent)
        self.ctx, self.event_uuid, self.unit_uuid = ctx, event_uuid, unit_uuid
        self.setWindowTitle(self.tr("两推计票单"))
        self.resize(520, 640)
        unit = next((u for u in el.rec_units(ctx.db, event_uuid) if u["uuid"] == unit_uuid), None)
        old_votes = el.rec_votes(ctx.db, unit_uuid) if unit_uuid else {}
        ev = el.get_event(ctx.db, event_uuid)
        layout = QVBoxLayout(self)
        form = QFormLayout()
        self.name = QLineEdit(unit["name"] if unit else "")
        self.kind = QComboBox()
        self.kind.addItems(list(el.UNIT_KINDS))
        if unit:
            self.kind.setCurrentText(unit["kind"] or "村")
        self.em, self.pm = _spin(value=unit["eligible_members"] if unit else 0), _spin(value=unit["present_members"] if unit else 0)
        self.er, self.pr = _spin(value=unit["eligible_reps"] if unit else 0), _spin(value=unit["present_reps"] if unit else 0)
        self.invalid = _spin(value=unit["invalid_ballots"] if unit else 0)
        form.addRow(self.tr("推荐单位"), self.name)
        form.addRow(self.tr("类别"), self.kind)
        for label, a, b in (("党员 应到/实到", self.em, self.pm), ("群众代表 应到/实到", self.er, self.pr)):
            row = QHBoxLayout()
            row.addWidget(a)
            row.addWidget(QLabel("/"))
            row.addWidget(b)
            form.addRow(self.tr(label), row)
        form.addRow(self.tr("无效票"), self.invalid)
        layout.addLayout(form)
        layout.addWidget(QLabel(self.tr(f"各报名人得票（每张推荐票至多推荐 {ev['rec_seats']} 人）：")))
        noms = [n for n in el.nominees(ctx.db, event_uuid) if n["eligible"]]
        self.table = _table(["报名人", "得票"])
        self.table.setRowCount(len(noms))
        self.spins = {}
        for r, n in enumerate(noms):
            self.table.setItem(r, 0, _item(f"{n['name']}（{n['sex']}）"))
            spin = _spin(value=old_votes.get(n["uuid"], 0))
            self.table.setCellWidget(r, 1, spin)
            self.spins[n["uuid"]] = spin
        layout.addWidget(self.table, 1)
        self.error = QLabel()
        self.error.setWordWrap(True)
        self.error.setStyleSheet("color: #b00;")
        layout.addWidget(self.error)
        buttons = QDialogButtonBox(QDialogButtonBox.Save | QDialogButtonBox.Cancel)
        buttons.accepted.connect(self._save)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)

    def _save(self) -> None:
        unit = dict(unit_uuid=self.unit_uuid, name=self.name.text(), kind=self.kind.currentText(),
                    eligible_members=self.em.value(), present_members=self.pm.value(),
                    eligible_reps=self.er.value(), present_reps=self.pr.value(), invalid_ballots=self.invalid.value(),
                    votes={k: s.value() for k, s in self.spins.items() if s.value()}, held_on=dt.date.today())
        event_uuid, actor = self.event_uuid, self.ctx.actor
        run_op(self, self.ctx, lambda db, _progress: el.save_rec_unit(db, actor, event_uuid, **unit), changes={AREA},
               on_done=lambda _r, _c: self.accept(), on_error=lambda e: self.error.setText(e.message))


def open_election_window(parent, ctx) -> ElectionWindow:
    """Open (or raise) the 换届选举 window; it is not modal, so the roster stays usable."""
    existing = getattr(parent, "_election_window", None) if parent is not None else None
    if existing is not None and existing.isVisible():
        existing.raise_()
        existing.activateWindow()
        return existing
    window = ElectionWindow(ctx, parent)
    window.setAttribute(Qt.WA_DeleteOnClose)
    if parent is not None:
        parent._election_window = window
        window.destroyed.connect(lambda *_: setattr(parent, "_election_window", None))
    window.show()
    return window
