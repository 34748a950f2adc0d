"""A score sheet as an office types it in Excel, imported with
`assess import-scores` (models/assess/score_sheet.py on the shared reader)."""

import openpyxl
from openpyxl.styles import Alignment

from cli import main
from models.core.db import close_database, open_database
from tests.test_assess_cli import make_db


def score_workbook(path, li_si_politics=40):
    """A merged title, a 说明 line, 序号/职务/合计 columns beside the scores, a
    score typed as text, a numbered row not filled in, a 填表人 line."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["测试镇2026年第一季度一般干部考核评分表"])
    ws.merge_cells("A1:G1")
    ws["A1"].alignment = Alignment(horizontal="center")
    ws.append(["说明：各项得分不得超过该项满分。"])
    ws.append(["序号", "姓  名", "职务", "政治素质", "职业道德", "目标任务完成", "合计"])
    ws.append([1, "张三", "科员", 45, "48", 230, 323])
    ws.append([2, "李 四", "办事员", li_si_politics, 44.5, "200", None])
    ws.append([3, None, None, None, None, None, None])
    ws.append([])
    ws.append(["填表人：王小二", None, None, "审核人：李大"])
    wb.save(path)
    return path


def _scores(path):
    db = open_database(path)
    try:
        return {(name, item): points for name, item, points in db.execute(
            "SELECT s.person_name, i.name, c.points FROM assess_scores c JOIN assess_subjects s ON s.uuid = c.subject_uuid "
            "JOIN assess_items i ON i.uuid = c.item_uuid WHERE c.period = 'Q1' AND c.deleted = 0")}
    finally:
        close_database(db)


def test_a_typed_score_workbook_imports(tmp_path, capsys, cli_login):
    cli_login("admin", "secret123")
    path = tmp_path / "a.db"
    make_db(path)
    args = ["assess", "import-scores", "--db", str(path), "--plan", "2026", "--period", "Q1", "--category", "一般干部"]
    assert main(args + [str(score_workbook(tmp_path / "q1.xlsx"))]) == 0
    assert "已导入 6 项得分" in capsys.readouterr().out
    assert _scores(path) == {("张三", "政治素质"): 45, ("张三", "职业道德"): 48, ("张三", "目标任务完成"): 230,
                             ("李四", "政治素质"): 40, ("李四", "职业道德"): 44.5, ("李四", "目标任务完成"): 200}


def test_a_bad_score_names_the_excel_row_and_nothing_is_saved(tmp_path, capsys, cli_login):
    cli_login("admin", "secret123")
    path = tmp_path / "a.db"
    make_db(path)
    args = ["assess", "import-scores", "--db", str(path), "--plan", "2026", "--period", "Q1", "--category", "一般干部"]
    assert main(args + [str(score_workbook(tmp_path / "bad.xlsx", li_si_politics="51"))]) == 1
    err = capsys.readouterr().err
    assert "第 5 行" in err and "政治素质" in err
    assert _scores(path) == {}
    wb = openpyxl.load_workbook(score_workbook(tmp_path / "odd.xlsx"))
    wb.active["D3"] = "政治表现"
    wb.save(tmp_path / "odd.xlsx")
    assert main(args + [str(tmp_path / "odd.xlsx")]) == 1
    assert "没有名为“政治表现”的指标" in capsys.readouterr().err
    assert _scores(path) == {}
