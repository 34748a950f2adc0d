"""Child process of tests/test_dialogs_fit.py: opens every dialog the window can open on a
fresh demo database, on an offscreen screen of 1366×768 (QT_QPA_PLATFORM=offscreen with a
screen config file), and writes each dialog's shown size, minimum size and size hint as JSON.

    python tests/dialog_sweep.py OUT.json

DIALOGS names every QDialog subclass in ui/ (the test fails when one is missing) with a
factory; INLINE opens the dialogs built inline in a method, through the method itself (exec is
replaced by a measurement)."""

from __future__ import annotations

import datetime as dt
import json
import sys
import tempfile
import traceback
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def _first(db, sql, params=()):
    row = db.execute(sql, list(params)).fetchone()
    if row is None:
        raise LookupError(f"the demo has no row for: {sql}")
    return row[0]


def _import_result(many: int):
    from models.roster.io import ImportResult

    errors = [(f"第 {n + 3} 行", f"出生年月“19{n:02d}.13”不是日期：应写成 1980-05 或 1980.05。") for n in range(many)]
    return ImportResult(added=0, errors=errors, rolled_back=True, good_rows=40, file_name="花名册.xlsx",
                        new_values={"学历": {"研究生（在职）": 3, "中专": 2}})


def _tie(db):
    names = [r[0] for r in db.execute("SELECT name FROM cadres WHERE deleted = 0 LIMIT 6")]
    keys = [r[0] for r in db.execute("SELECT uuid FROM cadres WHERE deleted = 0 LIMIT 6")]
    return {"label": "班子成员", "tied": keys, "names": names, "total": 95.5, "slots": 2, "category_uuid": "x",
            "period": "2026", "key": "x"}


def _template_xlsx(db_of_template, folder: Path) -> Path:
    from models.roster import io as roster_io

    path = folder / "模板.xlsx"
    roster_io.write_template(db_of_template, path)
    return path


def dialogs(ctx, folder: Path) -> dict:
    """Class name → a callable making that dialog on the demo (the largest realistic content)."""
    from models.assess import scorecard
    from models.election import term as el
    from models.notices import registry
    from models.roster import team as roster
    from ui.assess import pages as assess_pages
    from ui.assess.plan_dialog import PlanDialog
    from ui.core.guide import GuideDialog
    from ui.core.login import ChangeOwnPasswordDialog, FirstRunDialog, LoginDialog
    from ui.core.settings_dialog import SettingsDialog
    from ui.election import dialog as election
    from ui.handoff.conflicts import ConflictsDialog
    from ui.handoff.dialogs import ExportPackageDialog, ImportPackageDialog
    from ui.notices.menu import NoticeParamsDialog, PublishedNoticesDialog
    from ui.notices.preview import NoticePreviewDialog
    from ui.roster import dialogs as roster_dialogs
    from ui.service.calendar_dialogs import NoticeDialog, ReconcileDialog
    from ui.service.ledger import FieldsDialog

    db = ctx.db
    cadre = _first(db, "SELECT uuid FROM cadres WHERE deleted = 0 ORDER BY id")
    plan = scorecard.plans(db)[0]
    subject = _first(db, "SELECT uuid FROM assess_subjects WHERE deleted = 0 AND plan_uuid = ?", [plan["uuid"]])
    event = el.events(db)[0] if el.events(db) else None
    race = el.races(db, event["uuid"])[0] if event and el.races(db, event["uuid"]) else None
    village = roster.village_coverage(db)[0]
    category = _first(db, "SELECT uuid FROM assess_categories WHERE deleted = 0 AND plan_uuid = ?", [plan["uuid"]])
    groups = [it for it in scorecard.items(db, category) if it["kind"] == "group"]
    target = {"owner_name": "农业农村办", "uuid": "x", "title": "高标准农田建设 500 亩"}
    pdf = registry.preview(db, ctx.actor, "duties", registry.NoticeParams())
    notice_kinds = registry.kinds()
    out = {
        "AppealDialog": lambda: assess_pages.AppealDialog(ctx, plan),
        "CheckDialog": lambda: assess_pages.CheckDialog(target),
        "CountyBalanceDialog": lambda: assess_pages.CountyBalanceDialog(ctx, plan["year"]),
        "ItemDialog": lambda: assess_pages.ItemDialog(None, None, groups),
        "ResultDetailDialog": lambda: assess_pages.ResultDetailDialog(ctx, plan["uuid"], "Y", subject),
        "SubjectDialog": lambda: assess_pages.SubjectDialog(ctx),
        "TargetDialog": lambda: assess_pages.TargetDialog(),
        "TieBreakDialog": lambda: assess_pages.TieBreakDialog(_tie(db)),
        "PlanDialog": lambda: PlanDialog(ctx, None),
        "PlanDialog (修改)": lambda: PlanDialog(ctx, plan),
        "GuideDialog": lambda: GuideDialog(),
        "ChangeOwnPasswordDialog": lambda: ChangeOwnPasswordDialog(ctx, ctx.actor),
        "FirstRunDialog": lambda: FirstRunDialog(db),
        "FirstRunDialog (县级)": lambda: FirstRunDialog(db, county=True),
        "LoginDialog": lambda: LoginDialog(db, "青石镇", "admin"),
        **{f"SettingsDialog (第 {page + 1} 页)": (lambda page=page: SettingsDialog(ctx, None, page)) for page in range(6)},
        "ElectionWindow": lambda: election.ElectionWindow(ctx),
        "EventDialog": lambda: election.EventDialog(ctx),
        "NomineeDialog": lambda: election.NomineeDialog(ctx),
        "RaceDialog": lambda: election.RaceDialog(ctx, race),
        "RecUnitDialog": lambda: election.RecUnitDialog(ctx, event["uuid"], None),
        "ConflictsDialog": lambda: ConflictsDialog(ctx),
        "ExportPackageDialog": lambda: ExportPackageDialog(ctx),
        "ImportPackageDialog": lambda: ImportPackageDialog(ctx, error="密码不对，请重新输入数据包密码。"),
        **{f"NoticeParamsDialog ({kind.label})": (lambda kind=kind: NoticeParamsDialog(kind)) for kind in notice_kinds},
        "PublishedNoticesDialog": lambda: PublishedNoticesDialog(ctx),
        "NoticePreviewDialog": lambda: NoticePreviewDialog(pdf, "分工公示（样稿）", "", "分工公示.pdf", publish=lambda: None),
        "AppointDialog": lambda: roster_dialogs.AppointDialog(ctx, cadre, "测试"),
        "ColumnMappingDialog": lambda: roster_dialogs.ColumnMappingDialog(db, _template_xlsx(db, folder)),
        "FamilyDialog": lambda: roster_dialogs.FamilyDialog(ctx, cadre),
        "ImportResultDialog": lambda: roster_dialogs.ImportResultDialog(None, ctx, _import_result(200), can_retry=True),
        "LiaisonDialog": lambda: roster_dialogs.LiaisonDialog(ctx, village),
        "NoticeDialog": lambda: NoticeDialog(ctx, dt.date.today().year + 1),
        "ReconcileDialog": lambda: ReconcileDialog(ctx),
        "FieldsDialog": lambda: FieldsDialog(None, "回访评价（好差评）", [
            ("rating", "满意度", ("choice", [(5, "非常满意"), (1, "非常不满意")]), None), ("comment", "意见", "text", ""),
            ("date", "回访日期", "date", dt.date.today())], lambda values: None),
    }
    return out


def inline(ctx, window) -> dict:
    """Dialogs built inline in a window method: name → callable that makes the window open it."""
    from ui.assess.pages import PlanPage  # the page holding edit_category / pick_from_roster
    from ui.core.settings_dialog import SettingsDialog
    from ui.election.dialog import ElectionWindow

    def settings_add_user():
        dialog = SettingsDialog(ctx, window, 0)
        dialog._add_user()

    def election_edit_event():
        w = ElectionWindow(ctx, window)
        w._edit_event()

    def built_tab(title):
        index = next(i for i in range(window.tabs.count()) if window.tabs.tabText(i) == title)
        window.tabs.setCurrentIndex(index)
        tab = window.tabs.widget(index)
        return tab.ensure_built() if hasattr(tab, "ensure_built") else tab

    def assess_page():
        tab = built_tab("考核")
        page = next(p for p in tab.findChildren(PlanPage))
        page.refresh() if hasattr(page, "refresh") else None
        return page

    def assess_edit_category():
        page = assess_page()
        if not page.sel.category:
            raise LookupError("no category selected on the 考核 plan page")
        page.edit_category()

    def assess_pick_from_roster():
        page = assess_page()
        page.pick_from_roster()

    def ledger_actions():
        page = built_tab("便民服务").list_page
        page.apply_filter()
        for key in ("start", "correction", "resume", "finish", "reject", "return", "rate", "confirm"):
            page.do_action(key)

    return {"settings _add_user": settings_add_user, "election _edit_event": election_edit_event,
            "assess edit_category": assess_edit_category, "assess pick_from_roster": assess_pick_from_roster,
            "ledger do_action": ledger_actions}


def measure(dialog, available) -> dict:
    from PySide6.QtWidgets import QApplication

    dialog.show()
    QApplication.processEvents()
    frame = dialog.frameGeometry()
    return {"class": type(dialog).__name__, "title": dialog.windowTitle(), "width": dialog.width(),
            "height": dialog.height(), "frame_width": frame.width(), "frame_height": frame.height(),
            "min_width": dialog.minimumSizeHint().width(), "min_height": dialog.minimumSizeHint().height(),
            "hint_width": dialog.sizeHint().width(), "hint_height": dialog.sizeHint().height(),
            "screen": [available.width(), available.height()]}


def main(out_path: str) -> int:
    from PySide6.QtWidgets import QApplication, QDialog

    from models.core.db import open_database
    from models.core.users import ADMIN, Actor
    from models.demo.township import DemoOptions, build_demo
    from ui.app import ensure_app, install_chinese_translations
    from ui.common.context import AppContext
    from ui.main_window import MainWindow

    from models.startup import start

    start()  # every setting and notice kind registered, as at program start
    app = ensure_app()
    install_chinese_translations(app)
    folder = Path(tempfile.mkdtemp(prefix="dialog-sweep-"))
    db = open_database(folder / "demo.db")
    build_demo(db, DemoOptions(seed=7, tickets=300))
    ctx = AppContext(db, folder / "demo.db", Actor("admin", ADMIN, "管理员"))
    available = app.primaryScreen().availableGeometry()
    results: dict = {"screen": [available.width(), available.height()], "dialogs": {}, "inline": {}, "errors": {}}
    for name, make in dialogs(ctx, folder).items():
        try:
            dialog = make()
            results["dialogs"][name] = measure(dialog, available)
            dialog.close()
            dialog.deleteLater()
        except Exception:  # noqa: BLE001 - reported to the test, which fails naming the dialog
            results["errors"][name] = traceback.format_exc()
    window = MainWindow(ctx)
    window.resize(1366, 728)
    window.show()
    seen: list[dict] = []

    def measured_exec(dialog, *_args):
        seen.append(measure(dialog, available))
        dialog.close()
        return QDialog.Rejected

    QDialog.exec = measured_exec  # the inline dialogs are measured instead of waiting for a click
    for name, open_it in inline(ctx, window).items():
        seen.clear()
        try:
            open_it()
            QApplication.processEvents()
            results["inline"][name] = list(seen)
            if not seen:
                results["errors"][name] = "opened no dialog"
        except Exception:  # noqa: BLE001 - reported to the test
            results["errors"][name] = traceback.format_exc()
    Path(out_path).write_text(json.dumps(results, ensure_ascii=False, indent=1), encoding="utf-8")
    window.close_without_saving_state()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
