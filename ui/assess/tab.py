"""The 考核 tab: plan, period and category chosen at the top; pages for the
indicator tree, score entry (a spreadsheet-like grid), ballots, results,
rewards and targets with supervision notices."""

from __future__ import annotations

from PySide6.QtWidgets import (QComboBox, QFileDialog, QHBoxLayout, QInputDialog, QLabel, QLineEdit, QMessageBox,
                               QPushButton, QTabWidget, QVBoxLayout, QWidget)

from models.assess import scorecard as assess
from models.assess.score_sheet import export_score_sheet, import_score_sheet, sheet_title
from ui.assess.grid import ScoreGridModel, ScoreGridView
from ui.assess.pages import BallotPage, PlanPage, ResultsPage, RewardsPage, Selection, TargetsPage, run_action
from ui.assess.plan_dialog import PlanDialog
from ui.common.action import run_op
from ui.common.files import start_in
from ui.common.rights import reads_only


class ScorePage(QWidget):
    """The score grid with the reason of the current cell and the pull of
    scores from the other tabs."""

    def __init__(self, ctx, selection: Selection, parent=None):
        super().__init__(parent)
        self.ctx, self.sel = ctx, selection
        layout = QVBoxLayout(self)
        bar = QHBoxLayout()
        hint = QLabel("直接输入分数，回车下移；可从 Excel 复制一块区域后按 Ctrl+V 粘贴；Delete 清除。"
                      "一票否决项填“是/否”。蓝底为来自其他模块的得分。")
        hint.setWordWrap(True)
        bar.addWidget(hint, 1)
        self.pull = QPushButton("取便民服务/出勤数据")
        self.pull.clicked.connect(self.pull_derived)
        bar.addWidget(self.pull)
        # The sheet an office fills in Excel: exported with the stored scores (blank before any), imported back.
        self.export_sheet = QPushButton("导出得分表…")
        self.export_sheet.setObjectName("export_score_sheet")
        self.export_sheet.clicked.connect(self.export_scores)
        reads_only(self.export_sheet)
        bar.addWidget(self.export_sheet)
        self.import_sheet = QPushButton("导入得分表…")
        self.import_sheet.setObjectName("import_score_sheet")
        self.import_sheet.clicked.connect(self.import_scores)
        bar.addWidget(self.import_sheet)
        layout.addLayout(bar)
        self.model = ScoreGridModel(ctx, self)
        self.view = ScoreGridView()
        self.view.setModel(self.model)
        self.model.failed.connect(lambda m: QMessageBox.warning(self, "得分有误，未保存", m))
        layout.addWidget(self.view, 1)
        reason_row = QHBoxLayout()
        reason_row.addWidget(QLabel("评分理由"))
        self.reason = QLineEdit()
        self.reason.setPlaceholderText("选中一个单元格后填写扣分/加分理由，回车保存")
        self.reason.returnPressed.connect(self.save_reason)
        reason_row.addWidget(self.reason, 1)
        layout.addLayout(reason_row)
        self.view.selectionModel().currentChanged.connect(lambda cur, _prev: self.reason.setText(
            self.model.reason_at(cur)))

    def refresh(self) -> None:
        self.pull.setEnabled(self.ctx.actor.can("assess.write") and self.sel.plan is not None)
        chosen = self.sel.category is not None and self.sel.period is not None
        self.export_sheet.setEnabled(chosen)
        self.import_sheet.setEnabled(chosen and self.ctx.actor.can("assess.write"))
        self.reason.setEnabled(self.ctx.actor.can("assess.write"))
        self.model.load(self.sel.category, self.sel.period)
        self.view.setColumnWidth(0, 110)

    def save_reason(self) -> None:
        idx = self.view.currentIndex()
        if not idx.isValid() or self.model.item_at(idx.column()) is None:
            return
        value = self.model.data(idx, 2)  # EditRole text
        if value == "":
            QMessageBox.information(self, "评分理由", "请先录入得分。")
            return
        self.model.write_cells([(idx.row(), idx.column(), value)], reason=self.reason.text())

    def _sheet_name(self) -> str:
        return sheet_title(self.sel.plan["year"], self.sel.period, self.sel.category["name"]) + ".xlsx"

    def export_scores(self) -> None:
        path, _ = QFileDialog.getSaveFileName(self, "导出得分表", start_in(self._sheet_name()), "Excel 文件 (*.xlsx)")
        if not path:
            return
        category_uuid, period, actor = self.sel.category["uuid"], self.sel.period, self.ctx.actor
        # The export writes its audit row: run_op (no tab shows what changed).
        run_op(self, self.ctx, lambda db, _progress: export_score_sheet(db, category_uuid, period, path, actor=actor),
               changes=(), label="正在导出…",
               on_done=lambda result, _changes: QMessageBox.information(
                   self, "已导出", f"已导出 {result[0]} 人的得分：{result[1]}\n在 Excel 或 WPS 中填好后，用“导入得分表…”导回。"))

    def import_scores(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "导入得分表", start_in(), "Excel 文件 (*.xlsx);;制表符分隔文本 (*.txt *.tsv)")
        if not path:
            return
        category_uuid, period = self.sel.category["uuid"], self.sel.period

        def imported(result) -> None:
            self.refresh()
            read, changed = result
            QMessageBox.information(self, "已导入", f"读到 {read:,} 项得分，其中 {changed:,} 项有改动"
                                    "（其余与系统中相同，未改动；已录的评分理由保留）。")

        run_action(self, self.ctx, lambda db, actor: import_score_sheet(db, actor, category_uuid, period, path), imported)

    def pull_derived(self) -> None:
        plan_uuid, period = self.sel.plan["uuid"], self.sel.period

        def pulled(messages) -> None:
            self.refresh()
            QMessageBox.information(self, "其他模块数据", "\n".join(messages))

        run_action(self, self.ctx, lambda db, actor: assess.pull_derived_scores(db, actor, plan_uuid, period), pulled)


class AssessTab(QWidget):
    def __init__(self, ctx, parent=None):
        super().__init__(parent)
        self.ctx = ctx
        self.sel = Selection()
        self._loading = False
        layout = QVBoxLayout(self)
        bar = QHBoxLayout()
        bar.addWidget(QLabel(self.tr("考核方案")))
        self.plan_box = QComboBox()
        self.plan_box.setMinimumWidth(260)
        bar.addWidget(self.plan_box)
        self.new_plan = QPushButton(self.tr("新建方案"))
        self.new_plan.clicked.connect(self.create_plan)
        bar.addWidget(self.new_plan)
        self.copy_plan = QPushButton(self.tr("复制方案"))
        self.copy_plan.setToolTip(self.tr("复制往年方案，或把县里下发的方案复制为本镇方案"))
        self.copy_plan.clicked.connect(self.copy_last_year)
        bar.addWidget(self.copy_plan)
        self.edit_plan = QPushButton(self.tr("方案设置"))
        self.edit_plan.setToolTip(self.tr("方案名称，指标无数据时的做法"))
        self.edit_plan.clicked.connect(self.edit_current_plan)
        bar.addWidget(self.edit_plan)
        bar.addSpacing(16)
        bar.addWidget(QLabel(self.tr("考核期")))
        self.period_box = QComboBox()
        bar.addWidget(self.period_box)
        bar.addWidget(QLabel(self.tr("类别")))
        self.category_box = QComboBox()
        self.category_box.setMinimumWidth(120)
        bar.addWidget(self.category_box)
        bar.addStretch(1)
        layout.addLayout(bar)

        self.pages = QTabWidget()
        self.plan_page = PlanPage(ctx, self.sel)
        self.score_page = ScorePage(ctx, self.sel)
        self.ballot_page = BallotPage(ctx, self.sel)
        self.results_page = ResultsPage(ctx, self.sel)
        self.rewards_page = RewardsPage(ctx, self.sel)
        self.targets_page = TargetsPage(ctx, self.sel)
        for page, title in ((self.plan_page, "指标体系"), (self.score_page, "评分"), (self.ballot_page, "民主测评"),
                            (self.results_page, "结果与排名"), (self.rewards_page, "奖励与补贴"),
                            (self.targets_page, "目标承诺与督办")):
            self.pages.addTab(page, self.tr(title))
        layout.addWidget(self.pages, 1)

        self.plan_box.currentIndexChanged.connect(lambda _i: self._plan_changed())
        self.period_box.currentIndexChanged.connect(lambda _i: self._selection_changed())
        self.category_box.currentIndexChanged.connect(lambda _i: self._selection_changed())
        self.pages.currentChanged.connect(lambda _i: self._refresh_current())
        self.plan_page.changed.connect(self._reload_categories)
        ctx.data_changed.connect(self._data_changed)
        ctx.township_filter_changed.connect(lambda _c: self.reload_plans())
        self.reload_plans()

    # -- top bar
    def reload_plans(self, keep: str | None = None) -> None:
        keep = keep or (self.sel.plan["uuid"] if self.sel.plan else None)
        self._loading = True
        self.plan_box.clear()
        from models.core import records

        local = records.local_township_code(self.ctx.db)
        for p in assess.plans(self.ctx.db, self.ctx.township_filter or None):
            mark = "（县级下发，可复制为本镇方案）" if p["township_code"] != local and not self.ctx.county_mode else ""
            self.plan_box.addItem(f"{p['year']} {p['name']}{mark}", p)
            if p["uuid"] == keep:
                self.plan_box.setCurrentIndex(self.plan_box.count() - 1)
        can = self.ctx.actor.can("assess.write")
        self.new_plan.setEnabled(can)
        self.copy_plan.setEnabled(can and self.plan_box.count() > 0)
        self.edit_plan.setEnabled(can and self.plan_box.count() > 0)
        self._loading = False
        self._plan_changed()

    def _plan_changed(self) -> None:
        if self._loading:
            return
        self.sel.plan = self.plan_box.currentData()
        self._loading = True
        old_period = self.period_box.currentData()
        self.period_box.clear()
        if self.sel.plan:
            for code in self.sel.plan["periods"].split(","):
                self.period_box.addItem(assess.PERIODS[code], code)
            default = old_period if old_period in self.sel.plan["periods"].split(",") else "Y"
            self.period_box.setCurrentIndex(max(0, self.period_box.findData(default)))
        self._loading = False
        self._reload_categories()

    def _reload_categories(self) -> None:
        keep = self.sel.category["uuid"] if self.sel.category else None
        self._loading = True
        self.category_box.clear()
        if self.sel.plan:
            for c in assess.categories(self.ctx.db, self.sel.plan["uuid"]):
                self.category_box.addItem(c["name"], c)
                if c["uuid"] == keep:
                    self.category_box.setCurrentIndex(self.category_box.count() - 1)
        self._loading = False
        self._selection_changed()

    def _selection_changed(self) -> None:
        if self._loading:
            return
        self.sel.period = self.period_box.currentData()
        self.sel.category = self.category_box.currentData()
        self._refresh_current()

    def _refresh_current(self) -> None:
        page = self.pages.currentWidget()
        if page is not None:
            page.refresh()

    def _data_changed(self, area: str) -> None:
        # 'assess' changes come from this tab's own pages, which refresh
        # themselves (reloading the grid here would lose the cursor).
        if area in ("all", "settings"):
            self.reload_plans()
        elif area in ("roster", "tickets"):
            self._refresh_current()

    # -- plan actions
    def create_plan(self) -> None:
        dialog = PlanDialog(self.ctx, None, self)
        if dialog.exec() != PlanDialog.Accepted:
            return
        v = dialog.values()
        run_action(self, self.ctx, lambda db, actor: assess.create_plan(db, actor, v["year"], v["name"],
                                                                         missing_rule=v["missing_rule"]),
                   lambda plan: self.reload_plans(keep=plan))

    def edit_current_plan(self) -> None:
        from models.assess import results as assess_results

        plan = self.plan_box.currentData()
        if not plan:
            return
        dialog = PlanDialog(self.ctx, plan, self)
        if dialog.exec() != PlanDialog.Accepted:
            return
        v = dialog.values()
        run_action(self, self.ctx, lambda db, actor: assess_results.change_plan(
            db, actor, plan["uuid"], name=v["name"], missing_rule=v["missing_rule"]),
            lambda _changes: self.reload_plans(keep=plan["uuid"]))

    def copy_last_year(self) -> None:
        source = self.plan_box.currentData()
        if not source:
            return
        year, ok = QInputDialog.getInt(self, self.tr("复制方案"),
                                       self.tr(f"把“{source['name']}”的指标和考核对象复制到年度："),
                                       source["year"] + 1, 2000, 2100)
        if not ok:
            return
        run_action(self, self.ctx, lambda db, actor: assess.copy_plan(db, actor, source["uuid"], year),
                   lambda plan: self.reload_plans(keep=plan))
