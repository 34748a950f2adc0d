"""The `assess` subcommands and the rule checks, on a small database."""

from cli import main
from models.assess import scorecard as assess
from models.assess import checks as assess_checks
from models.core.db import close_database, open_database


def make_db(path):
    from models.core import township
    from models.core import users

    db = open_database(path)
    admin = users.create_user(db, "admin", "secret123", users.ADMIN)
    township.set_identity(db, admin, name="测试镇", code="330106001")
    plan = assess.create_plan(db, admin, 2026)
    cat = assess.categories(db, plan)[4]  # 一般干部
    for name in ("张三", "李四"):
        assess.add_subject(db, admin, cat["uuid"], name)
    close_database(db)


def test_cli_score_import_recompute_results(tmp_path, capsys, cli_login):
    cli_login("admin", "secret123")
    path = tmp_path / "a.db"
    make_db(path)
    db = str(path)
    assert main(["assess", "plans", "--db", db]) == 0
    assert main(["assess", "tree", "--db", db, "--plan", "2026", "--category", "一般干部"]) == 0
    assert "民主测评得分 [计分项] 100（民主测评）" in capsys.readouterr().out
    grid = tmp_path / "q1.tsv"
    grid.write_text("姓名\t政治素质\t职业道德\t目标任务完成\n张三\t45\t48\t230\n李四\t40\t44\t200\n", encoding="utf-8")
    assert main(["assess", "import-scores", "--db", db, "--plan", "2026", "--period", "Q1", "--category", "一般干部",
                 str(grid)]) == 0
    bad = tmp_path / "bad.tsv"
    bad.write_text("姓名\t政治素质\n张三\t10\n李四\t51\n", encoding="utf-8")
    assert main(["assess", "import-scores", "--db", db, "--plan", "2026", "--period", "Q2", "--category", "一般干部",
                 str(bad)]) == 1
    assert "第 3 行" in capsys.readouterr().err  # the file's line of 李四 (line 1 is the header)
    assert main(["assess", "score", "--db", db, "--plan", "2026", "--period", "Q1", "--person", "张三",
                 "--item", "上级表彰", "--points", "10", "--reason", "县级表彰"]) == 0
    assert main(["assess", "ballot", "--db", db, "--plan", "2026", "--period", "Q1", "--person", "张三",
                 "--group", "public", "--voters", "10", "--counts", "11,0,0,0"]) == 1
    assert "超过参评人数" in capsys.readouterr().err
    assert main(["assess", "recompute", "--db", db]) == 0
    capsys.readouterr()
    assert main(["assess", "results", "--db", db, "--plan", "2026", "--period", "Q1"]) == 0
    out = capsys.readouterr().out
    # only three of the items have data: rescaled (45 + 48 + 230) × 1000 / 350 = 922.86, + bonus 10;
    # 优秀 by the line, but 20 % of 2 people rounds to 0 places — said, not silent
    assert "一般干部\t1\t张三\t932.86\t称职\t超优秀比例，调为称职；无数据 7 项（650 分），其余指标按 1000/350 折算" in out
    assert "2 人中最多 0 人" in out
    assert main(["assess", "rewards", "--db", db, "--plan", "2026", "--period", "Q1", "--pool", "1000",
                 "--xlsx", str(tmp_path / "r.xlsx")]) == 0
    assert (tmp_path / "r.xlsx").exists()
    db2 = open_database(path)
    try:
        assert db2.execute("SELECT count(*) FROM assess_scores WHERE period = 'Q2'").fetchone()[0] == 0
        assert assess_checks.check_findings(db2) == []
    finally:
        close_database(db2)


def test_check_reports_unbalanced_tree(db, admin):
    plan = assess.create_plan(db, admin, 2026)
    cat = assess.categories(db, plan)[0]
    group = next(i for i in assess.items(db, cat["uuid"]) if i["name"] == "德")
    assess.add_item(db, admin, cat["uuid"], "新指标", "normal", 10, parent_uuid=group["uuid"])
    findings = assess_checks.check_findings(db)
    assert any(level == "error" and "“德”下级指标合计 110 分" in msg for level, msg in findings)


def test_broken_commitments_two_years_named(db, admin):
    for year in (2025, 2026):
        plan = assess.create_plan(db, admin, year, standard=False)
        target = assess.add_target(db, admin, plan, "南塘村", "村集体经济增收 5 万元", owner_kind="village")
        assess.record_check(db, admin, target, f"{year}-10-09", "陈强", met=False, recheck_date=f"{year}-11-09")
    messages = [m for _, m in assess_checks.broken_commitment_findings(db)]
    assert "“南塘村”2025、2026 年连续未兑现目标承诺：按承诺兑现办法应动员辞职。" in messages
    assert any("2025 年目标承诺未兑现：应诫勉谈话" in m for m in messages)


def test_cli_ties_prize_and_past_grades(tmp_path, capsys, cli_login):
    """Three tied at the top for the one 优秀 place of 5 people (5 × 20 % = 1): listed,
    decided on the command line; then the prize and two archived years → 三等功."""
    from models.core import township
    from models.core import users

    path = tmp_path / "t.db"
    db = open_database(path)
    admin = users.create_user(db, "admin", "secret123", users.ADMIN)
    township.set_identity(db, admin, name="测试镇", code="330106001")
    plan = assess.create_plan(db, admin, 2026, standard=False)
    cat = assess.add_category(db, admin, plan, "干部", standard=False)
    item = assess.add_item(db, admin, cat, "综合", "normal", 1000, year_rule="period")
    for name, points in (("张三", 950), ("李四", 950), ("王五", 950), ("赵六", 800), ("孙七", 700)):
        subject = assess.add_subject(db, admin, cat, name, person_uuid=f"p-{name}")
        assess.set_score(db, admin, "Y", subject, item, points)
    close_database(db)
    cli_login("admin", "secret123")
    args = ["--db", str(path), "--plan", "2026", "--period", "Y"]
    assert main(["assess", "recompute", "--db", str(path)]) == 0
    assert main(["assess", "ties", *args]) == 0
    assert "张三、李四、王五 并列 950 分，争 1 个优秀名额" in capsys.readouterr().out
    assert main(["assess", "ties", *args, "--choose", "李四,王五", "--reason", "委员会表决"]) == 1
    assert "应选 1 人" in capsys.readouterr().err
    assert main(["assess", "ties", *args, "--choose", "李四", "--reason", "委员会表决"]) == 0
    for year in ("2024", "2025"):
        assert main(["assess", "past-grade", "--db", str(path), "--person", "李四", "--year", year,
                     "--grade", "优秀"]) == 0
    capsys.readouterr()
    assert main(["assess", "rewards", "--db", str(path), "--plan", "2026", "--prize", "一等奖"]) == 0
    out = capsys.readouterr().out
    assert "干部\t李四\t优秀\t乡镇获奖 4000\t优秀 800\t三等功 1500 元\t合计 6300 元" in out
    assert "干部\t张三\t称职\t乡镇获奖 4000\t优秀 0\t合计 4000 元" in out
