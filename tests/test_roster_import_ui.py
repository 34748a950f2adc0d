"""The roster import dialogs (issue 17): the header row is found under the
title and can be changed, the result lists every problem and offers the good
rows, the failed rows as .xlsx and new list values."""

from types import SimpleNamespace

import openpyxl

from models.roster import io as roster_io
from models.roster import team as roster
from models.roster import vocab
from tests.test_roster_import_offices import ID_A, ID_B, huamingce
from tests.qt_helpers import wait_for_actions
from ui.roster.dialogs import ColumnMappingDialog, ImportResultDialog


def test_mapping_dialog_finds_and_changes_the_header_row(qtbot, db, admin, tmp_path):
    path = huamingce(tmp_path / "h.xlsx", [["张三", "男", "1985.07", ID_A, "行政", "四级主任科员", "", "", ""]])
    dialog = ColumnMappingDialog(db, path)
    qtbot.addWidget(dialog)
    assert dialog.header_row.value() == 3 and dialog.chosen_header_row() == 3
    assert "name" in dialog.mapping().values() and dialog.preview.rowCount() >= 4
    dialog.header_row.setValue(1)  # the title row: nothing maps
    assert dialog.chosen_header_row() == 1 and "name" not in dialog.mapping().values()
    dialog._check()
    assert "姓名" in dialog.error.text() and dialog.result() == 0
    dialog.header_row.setValue(3)
    assert "name" in dialog.mapping().values()


def test_result_dialog_offers_good_rows_failed_rows_and_new_values(qtbot, db, admin, tmp_path):
    path = huamingce(tmp_path / "h.xlsx", [["张三", "男", "1985.07", ID_A, "定向", "五级职员", "", "", ""],
                                           ["李四", "女", "1990.13", ID_B, "事业", "", "", "", "123"]])
    refused = roster_io.import_xlsx(db, admin, path)
    from ui.common.context import AppContext

    ctx = AppContext(db, db.path, admin)  # 加入参考列表 saves on a worker connection
    dialog = ImportResultDialog(None, ctx, refused, can_retry=True)
    qtbot.addWidget(dialog)
    assert not dialog.good_button.isHidden() and "1 行" in dialog.good_button.text()
    assert dialog.table.rowCount() == 2 and dialog.table.item(0, 0).text() == "5"
    out = tmp_path / "failed.xlsx"
    dialog.save_failed(str(out))
    assert openpyxl.load_workbook(out).active.cell(2, 2).value == "李四" and str(out) in dialog.summary.text()
    dialog._good_rows()
    assert dialog.retry_requested
    done = roster_io.import_xlsx(db, admin, path, good_rows_only=True)
    shown = ImportResultDialog(None, ctx, done)
    qtbot.addWidget(shown)
    assert shown.good_button.isHidden() and not shown.values_button.isHidden()
    shown.add_values()
    wait_for_actions(qtbot)
    assert "五级职员" in vocab.values(db, "rank") and "定向" in vocab.values(db, "staffing")
    assert [c["name"] for c in roster.list_cadres(db)] == ["张三"]


def test_ledger_import_result_dialog(qtbot, db, admin, tmp_path):
    from models.service import catalogue
    from models.service import io as tickets_io
    from ui.roster.dialogs import ImportResultDialog
    from ui.service.ledger import LedgerImportResult

    catalogue.add_item(db, admin, {"department": "民政", "name": "临时救助申请", "time_limit_days": 5})
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["某镇群众需求办理台帐"])
    ws.append(["申请人", "联系电话", "服务事项", "诉求内容", "受理日期"])
    ws.append(["王五", "13900001111", "临时救助申请", "申请救助", "2026-05-06"])
    ws.append(["赵六", "123", "临时救助申请", "", "2026-05-06"])
    wb.save(tmp_path / "l.xlsx")
    result = tickets_io.import_tickets(db, admin, tmp_path / "l.xlsx")
    assert result["rolled_back"] and {p.column for p in result["problems"]} == {"联系电话", "诉求内容"}
    dialog = ImportResultDialog(None, SimpleNamespace(db=db, actor=admin), LedgerImportResult(result), can_retry=True,
                                export_failed=lambda out: tickets_io.export_problems_xlsx(result, out))
    qtbot.addWidget(dialog)
    assert not dialog.good_button.isHidden() and dialog.table.rowCount() == 2
    dialog.save_failed(str(tmp_path / "f.xlsx"))
    rows = list(openpyxl.load_workbook(tmp_path / "f.xlsx").active.iter_rows(values_only=True))
    assert rows[1][0] == "赵六" and "联系电话" in rows[1][-2] and rows[1][-1] == 4


def test_templates_from_the_file_menu(db, tmp_path):
    from ui.roster.dialogs import save_import_template

    ctx = SimpleNamespace(db=db, actor=None)
    for kind in ("roster", "tickets"):
        written = save_import_template(None, ctx, kind, str(tmp_path / f"{kind}.xlsx"))
        wb = openpyxl.load_workbook(written)
        assert wb.sheetnames[-1] == "说明"
