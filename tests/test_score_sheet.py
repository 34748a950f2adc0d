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


def _audit_rows(path):
    db = open_database(path)
    try:
        return db.execute("SELECT count(*) FROM audit_log").fetchone()[0]
    finally:
        close_database(db)


def test_an_exported_score_sheet_imports_back_unchanged_and_edited_changes_only_what_was_edited(
        tmp_path, capsys, cli_login):
    """Issue 17 (round trip): the window's and the command line's 导出得分表
    holds 姓名 and the indicators a person scores (not the one counted from
    ballots), veto as 是/否; imported back it writes nothing (reasons and the
    source of a pulled score stay); edited in Excel, only the edited cells change."""
    from models.assess import scorecard as assess
    from models.core import users, xlsx_read

    cli_login("admin", "secret123")
    path = tmp_path / "a.db"
    make_db(path)
    common = ["--db", str(path), "--plan", "2026", "--period", "Q1", "--category", "一般干部"]
    assert main(["assess", "import-scores", *common, str(score_workbook(tmp_path / "q1.xlsx"))]) == 0
    db = open_database(path)
    admin = users.login(db, "admin", "secret123", record_success=False)
    plan = assess.plan_for_year(db, 2026)
    cat = next(c for c in assess.categories(db, plan["uuid"]) if c["name"] == "一般干部")
    people = {s["person_name"]: s["uuid"] for s in assess.subjects(db, cat["uuid"])}
    items = {i["name"]: i for i in assess.leaf_items(db, cat["uuid"])}
    veto = next(i for i in items.values() if i["kind"] == "veto")
    assess.set_scores(db, admin, "Q1", [(people["张三"], items["政治素质"]["uuid"], 45, "表现突出"),
                                        (people["李四"], veto["uuid"], "否", "")])
    assess.set_scores(db, admin, "Q1", [(people["李四"], items["职业道德"]["uuid"], 44.5, "")], source="来自领导班子")
    before = assess.score_grid(db, cat["uuid"], "Q1")["cells"]
    close_database(db)
    capsys.readouterr()

    out = tmp_path / "导出.xlsx"
    assert main(["assess", "export-scores", *common, str(out)]) == 0
    assert "已导出 2 人的得分" in capsys.readouterr().out
    rows = dict(xlsx_read.iter_rows(out))
    assert rows[1][0] == "2026年第一季度一般干部考核得分表" and xlsx_read.declared_last_row(out) == 4
    header = rows[2]
    assert header[:3] == ["序号", "姓名", "职务"] and "民主测评得分" not in header and veto["name"] in header
    zhang, li = rows[3], rows[4]
    assert zhang[1] == "张三" and zhang[header.index("政治素质")] == 45 and li[header.index(veto["name"])] == "否"
    assert li[header.index("职业道德")] == 44.5
    audited = _audit_rows(path)

    assert main(["assess", "import-scores", *common, str(out)]) == 0
    assert "0 项有改动" in capsys.readouterr().out
    assert _audit_rows(path) == audited  # nothing written
    db = open_database(path)
    assert assess.score_grid(db, cat["uuid"], "Q1")["cells"] == before
    close_database(db)

    wb = openpyxl.load_workbook(out)
    ws = wb["得分"]
    ws.cell(3, header.index("政治素质") + 1).value = 40  # 张三's politics, which has a reason
    ws.cell(4, header.index("目标任务完成") + 1).value = None  # 李四's 200 cleared
    wb.save(out)
    assert main(["assess", "import-scores", *common, str(out)]) == 0
    assert "2 项有改动" in capsys.readouterr().out
    db = open_database(path)
    after = assess.score_grid(db, cat["uuid"], "Q1")["cells"]
    close_database(db)
    politics = after[(people["张三"], items["政治素质"]["uuid"])]
    assert politics["points"] == 40 and politics["reason"] == "表现突出"  # the typed reason is never lost
    assert (people["李四"], items["目标任务完成"]["uuid"]) not in after
    assert after[(people["李四"], items["职业道德"]["uuid"])] == before[(people["李四"], items["职业道德"]["uuid"])]


def test_a_sheet_with_the_ballot_column_is_refused_with_the_reason(tmp_path, capsys, cli_login):
    cli_login("admin", "secret123")
    path = tmp_path / "a.db"
    make_db(path)
    wb = openpyxl.load_workbook(score_workbook(tmp_path / "q1.xlsx"))
    wb.active["G3"] = "民主测评得分"  # the 合计 column renamed to the indicator counted from the ballots
    wb.save(tmp_path / "q1.xlsx")
    args = ["assess", "import-scores", "--db", str(path), "--plan", "2026", "--period", "Q1", "--category", "一般干部"]
    assert main(args + [str(tmp_path / "q1.xlsx")]) == 1
    assert "由民主测评票折算" in capsys.readouterr().err
    assert _scores(path) == {}
