"""Importing the 花名册 sheets township offices really keep (issue 17): a
merged title row, a 序号 column, two-row headers, 编制 and 职级 values of the
national lists (and some outside them), ID numbers that Excel stored as
numbers, dates typed every which way, full-width digits, a 填表人 line under
the table — built with openpyxl the way a person types them."""

import datetime as dt

import openpyxl
import pytest
from openpyxl.styles import Alignment, Font
from stdnum.cn import ric

from models.core.errors import ValidationError
from models.roster import io as roster_io
from models.roster import team as roster
from models.roster import vocab


def make_id(area="330106", birth="19850307", seq="123"):
    body = area + birth + seq
    return body + ric.calc_check_digit(body + "0")


ID_A, ID_B, ID_C, ID_D = make_id(birth="19850712", seq="121"), make_id(birth="19900115", seq="242"), \
    make_id(birth="19780512", seq="351"), make_id(birth="19660930", seq="463")


def huamingce(path, rows, title="某某乡机关干部花名册", note=True):
    """Row 1 a merged title, row 2 a 填表说明 line, row 3 the header, then data
    and a 填表人 line: what a township office sends."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "花名册"
    header = ["序号", "姓  名", "性别", "出生年月", "公民身份号码", "编制", "职级", "现任职务", "参加工作\n时间", "联系电话"]
    ws.append([title])
    ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(header))
    ws["A1"].font = Font(size=16, bold=True)
    ws["A1"].alignment = Alignment(horizontal="center")
    ws.append(["填表说明：出生年月按 1985.07 格式填写；身份证号请设为文本格式。"])
    ws.merge_cells(start_row=2, start_column=1, end_row=2, end_column=len(header))
    ws.append(header)
    for i, r in enumerate(rows, 1):
        ws.append([i] + r)
    if note:
        ws.append([])
        ws.append(["填表人：王小二", None, None, None, "审核人：李大", None, None, None, "2026年3月1日"])
    wb.save(path)
    return path


@pytest.fixture
def xiang(db, admin):
    from models.core import township

    township.set_identity(db, admin, name="某某乡", code="330106003")
    return db


def test_real_huamingce_imports_good_rows_on_request_and_lists_the_bad_one(xiang, admin, tmp_path):
    db = xiang
    excel_number = float(ID_D[:15] + "000")  # what Excel keeps of an ID typed into a number cell
    path = huamingce(tmp_path / "花名册.xlsx", [
        ["张 三", "男", "1985.07", ID_A, "行政", "四级主任科员", "乡长", "2008.08", "13800138000"],
        ["李四", "女", 1990.01, ID_B, "事业编", "管理九级", "副乡长", 201307, 13900139000],
        ["王五", "男", "1978年5月", ID_C, "参公", "一级科员", "党委委员、组织委员", dt.date(2000, 7, 1), "１３７００１３７０００"],
        ["赵六", "男", "1966.09", excel_number, "行政", "二级主任科员", "人大主席团主席", "1988.07", ""],
        ["钱七", "男", "1999.13", "", "聘用", "科员", "", "", "12345"],
    ])
    layout = roster_io.xlsx_layout(db, path)
    assert (layout.header_row, layout.data_row) == (3, 4)
    assert set(layout.mapping.values()) >= {"name", "sex", "birth_date", "id_number", "staffing", "rank", "posts",
                                            "work_start_date", "phone"}
    assert 0 not in layout.mapping  # 序号 is not a field

    refused = roster_io.import_xlsx(db, admin, path)
    assert refused.rolled_back and refused.good_rows == 3 and refused.bad_rows == 2
    assert roster.list_cadres(db, include_left=True) == []
    by_row = {}
    for p in refused.problems:
        by_row.setdefault(p.row, []).append(p)
    assert sorted(by_row) == [7, 8]  # Excel's row numbers
    (lost,) = by_row[7]
    assert lost.column == "公民身份号码" and "15 位有效数字" in lost.reason and "文本" in lost.reason
    assert lost.value == ID_D[:15] + "000"
    # every problem of the row, not only the first
    assert {p.column for p in by_row[8]} == {"出生年月", "联系电话"}

    result = roster_io.import_xlsx(db, admin, path, good_rows_only=True)
    assert (result.added, result.updated, result.rolled_back) == (3, 0, False)
    got = {c["name"]: c for c in roster_io.export_rows(db)}
    assert set(got) == {"张三", "李四", "王五"}  # the 填表人 line is not a cadre
    assert got["张三"]["rank"] == "四级主任科员" and got["张三"]["staffing"] == "行政"
    assert got["李四"]["staffing"] == "事业" and got["李四"]["birth_date"] == "1990-01-15"
    assert got["李四"]["work_start_date"] == "2013-07" and got["李四"]["phone"] == "13900139000"
    assert got["王五"]["phone"] == "13700137000" and got["王五"]["work_start_date"] == "2000-07-01"
    assert got["王五"]["birth_date"] == "1978-05-12"  # from the ID, consistent with 1978年5月
    # 职务 text is kept and shown before any post exists
    assert got["张三"]["posts"] == "乡长" and got["王五"]["posts"] == "党委委员、组织委员"
    assert result.unlinked_posts == {"乡长": 1, "副乡长": 1, "党委委员": 1, "组织委员": 1}
    # … and linked once the posts exist, 乡长 to the post of the head of government
    roster.create_standard_structure(db, admin)
    assert roster_io.link_imported_posts(db, admin) == 3
    posts = {c["name"]: c["posts"] for c in roster.list_cadres(db)}
    assert posts["张三"] == "镇长" or posts["张三"] == "乡长"
    assert "党委委员" in posts["王五"]

    # the failed rows as an xlsx with a reason column; fixed, they import alone
    failed = tmp_path / "有错的行.xlsx"
    assert roster_io.export_problems_xlsx(result, failed) == 2
    from models.core import xlsx_read

    assert xlsx_read.declared_last_row(failed) == 3  # the header and the two rows: a bar with an end on re-import
    ws = openpyxl.load_workbook(failed).active
    rows = list(ws.iter_rows(values_only=True))
    assert rows[0][-2:] == ("错误原因", "原行号")
    assert rows[1][1] == "赵六" and "15 位有效数字" in rows[1][-2] and rows[1][-1] == 7
    assert rows[1][4] == ID_D[:15] + "000" and ws.cell(2, 5).data_type == "s"
    ws.cell(2, 5).value = ID_D
    ws.cell(3, 4).value = "1999.12"
    ws.cell(3, 10).value = "13600136000"
    wb = ws.parent
    wb.save(failed)
    again = roster_io.import_xlsx(db, admin, failed)
    assert (again.added, again.errors) == (2, [])
    assert len(roster.list_cadres(db)) == 5


def test_values_outside_the_lists_are_kept_and_offered(xiang, admin, tmp_path):
    db = xiang
    path = huamingce(tmp_path / "a.xlsx", [["张三", "男", "1985.07", ID_A, "定向", "五级职员", "", "", ""]], note=False)
    result = roster_io.import_xlsx(db, admin, path)
    assert result.added == 1 and result.errors == []
    assert result.new_values == {"rank": {"五级职员": 1}, "staffing": {"定向": 1}}
    assert "不在参考列表中" in result.summary()
    assert vocab.add_values(db, admin, "rank", ["五级职员"]) == ["五级职员"]
    assert "五级职员" in vocab.values(db, "rank") and "四级主任科员" in vocab.values(db, "rank")
    again = roster_io.import_xlsx(db, admin, path)
    assert again.new_values == {"staffing": {"定向": 1}} and again.unchanged == 1  # the same row: nothing written


def test_two_row_header_with_merged_groups(db, admin, tmp_path):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["干部花名册"])
    ws.merge_cells("A1:F1")
    ws.append(["姓名", "性别", "学历", None, "学位", None])
    ws.append([None, None, "全日制", "在职", "全日制", "在职"])
    for col in ("A", "B"):
        ws.merge_cells(f"{col}2:{col}3")
    ws.merge_cells("C2:D2")
    ws.merge_cells("E2:F2")
    ws.append(["张三", "男", "本科", "研究生", "学士", "硕士"])
    wb.save(tmp_path / "two.xlsx")
    layout = roster_io.xlsx_layout(db, tmp_path / "two.xlsx")
    assert (layout.header_row, layout.data_row) == (2, 4)
    assert layout.mapping == {0: "name", 1: "sex", 2: "edu_fulltime", 3: "edu_inservice", 4: "degree_fulltime",
                              5: "degree_inservice"}
    result = roster_io.import_xlsx(db, admin, tmp_path / "two.xlsx")
    assert result.added == 1
    (c,) = roster_io.export_rows(db)
    assert (c["edu_fulltime"], c["edu_inservice"], c["degree_inservice"]) == ("本科", "研究生", "硕士")


def test_header_row_can_be_chosen_and_mapping_is_remembered(db, admin, tmp_path):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["单位：某镇"])
    ws.append(["人员", "号码", "手机号码"])  # headers no alias knows
    ws.append(["张三", ID_A, "13800138000"])
    wb.save(tmp_path / "odd.xlsx")
    with pytest.raises(ValidationError, match="姓名"):
        roster_io.import_xlsx(db, admin, tmp_path / "odd.xlsx")
    layout = roster_io.xlsx_layout(db, tmp_path / "odd.xlsx", header_row=2)
    assert layout.headers == ["人员", "号码", "手机号码"] and not layout.remembered
    mapping = {0: "name", 1: "id_number", 2: "phone"}
    result = roster_io.import_xlsx(db, admin, tmp_path / "odd.xlsx", mapping, header_row=2)
    assert result.added == 1
    again = roster_io.xlsx_layout(db, tmp_path / "odd.xlsx", header_row=2)
    assert again.remembered and again.mapping == mapping
    with pytest.raises(ValidationError, match="表头行"):
        roster_io.xlsx_layout(db, tmp_path / "odd.xlsx", header_row=9)


@pytest.mark.parametrize("cell, expected", [
    ("1985.07", "1985-07"), ("1985-07", "1985-07"), ("198507", "1985-07"), ("1985年7月", "1985-07"),
    ("1985年07月", "1985-07"), (dt.date(1985, 7, 3), "1985-07-03"), (31231.0, "1985-07-03"), ("１９８５．０７", "1985-07"),
    (" 1985.07 ", "1985-07"), ("1985/7", "1985-07"), ("1985.7.3", "1985-07-03"),
])
def test_dates_as_offices_type_them(cell, expected):
    from models.core.xlsx_read import Number

    if isinstance(cell, float):
        cell = Number(repr(cell))
    text, problem = roster_io.field_text("work_start_date", cell)
    assert problem is None
    assert roster.parse_month_or_date(text, "参加工作时间") == expected


def test_ambiguous_number_month_is_named():
    from models.core.xlsx_read import Number

    text, problem = roster_io.field_text("birth_date", Number("1985.1"))
    assert "10 月" in problem


def test_new_cadres_are_sealed_in_bulk_under_one_import_row(xiang, admin, tmp_path):
    """New cadres and their appointments are written in batches and sealed in
    bulk: one "import" audit row says who imported which file, one bulk-seal
    row per table names it, every row carries a seal, and `check` still finds
    a cadre changed afterwards outside the program. The same file again writes
    nothing; a cell changed in Excel updates that cadre alone, audited."""
    import hashlib

    from models.core import audit

    db = xiang
    roster.create_standard_structure(db, admin)
    path = huamingce(tmp_path / "a.xlsx", [
        ["张三", "男", "1985.07", ID_A, "行政", "一级科员", "乡长、党委委员", "2007.08", "13800138000"],
        ["李四", "女", "1990.01", ID_B, "事业编", "管理九级", "", "2012.08", ""],
        ["王五", "男", "1978.05", ID_C, "参公", "四级主任科员", "没有的岗位", "", ""],
    ])
    before = db.execute("SELECT max(id) FROM audit_log").fetchone()[0]
    result = roster_io.import_xlsx(db, admin, path)
    assert (result.added, result.updated, result.errors) == (3, 0, [])
    written = db.execute("SELECT actor, action, table_name, row_key, after FROM audit_log WHERE id > ? ORDER BY id",
                         [before]).fetchall()
    import json

    actions = [(a, t) for _, a, t, _, _ in written]
    assert actions[:3] == [("bulk-seal", "cadres"), ("bulk-seal", "appointments"), ("import", "cadres")]
    imported = json.loads(written[2][4])
    assert imported == {"import": "a.xlsx", "sha256": hashlib.sha256(path.read_bytes()).hexdigest(), "added": 3,
                        "updated": 0, "appointments": 2, "refused_rows": 0}
    assert {w[0] for w in written} == {admin.username}
    assert json.loads(written[0][4])["rows"] == 3 and json.loads(written[1][4])["rows"] == 2
    assert audit.verify_chain(db) == [] and audit.verify_rows(db) == []
    got = {c["name"]: c for c in roster.list_cadres(db)}
    assert "党委委员" in got["张三"]["posts"] and got["王五"]["posts"] == "没有的岗位"
    versions = dict(db.execute("SELECT name, version FROM cadres").fetchall())
    change_seqs = [r[0] for r in db.execute("SELECT change_seq FROM cadres UNION ALL SELECT change_seq FROM appointments")]
    assert len(set(change_seqs)) == 5 and min(change_seqs) > 0
    assert versions == {"张三": 1, "李四": 1, "王五": 1}

    # the same file again: nothing written (no version bump, no audit row)
    middle = db.execute("SELECT max(id) FROM audit_log").fetchone()[0]
    again = roster_io.import_xlsx(db, admin, path)
    assert (again.added, again.updated, again.unchanged) == (0, 0, 3)
    assert db.execute("SELECT max(id) FROM audit_log").fetchone()[0] == middle
    # one cell changed in Excel: that cadre updated, only that field, one audit row; no new appointment
    wb = openpyxl.load_workbook(path)
    ws = wb.active
    cell = next(c for row in ws.iter_rows() for c in row if c.value == "管理九级")
    cell.value = "管理八级"
    wb.save(path)
    again = roster_io.import_xlsx(db, admin, path)
    assert (again.added, again.updated, again.unchanged) == (0, 1, 2)
    updates = db.execute("SELECT after FROM audit_log WHERE id > ? AND action = 'update' AND table_name = 'cadres'",
                         [middle]).fetchall()
    assert len(updates) == 1 and "管理八级" in updates[0][0]
    assert db.execute("SELECT count(*) FROM appointments").fetchone()[0] == 2
    assert audit.verify_chain(db) == [] and audit.verify_rows(db) == []

    # a cadre edited with an SQLite tool is found
    db.conn.execute("UPDATE cadres SET rank = '一级巡视员' WHERE name = '李四'")
    problems = audit.verify_rows(db)
    assert len(problems) == 1 and "被直接修改" in problems[0]


def test_a_refused_file_writes_no_cadre_and_no_seal(xiang, admin, tmp_path):
    db = xiang
    rows = [[f"张{'一二三四五六七八九十'[i % 10]}", "", "", "", "行政", "", "", "", ""] for i in range(1200)]
    rows.append(["李四", "男", "1990.01", "12345", "", "", "", "", ""])  # a bad ID: the whole file is refused
    path = huamingce(tmp_path / "big.xlsx", rows, note=False)
    seals = db.execute("SELECT count(*) FROM row_seals").fetchone()[0]
    audits = db.execute("SELECT count(*) FROM audit_log").fetchone()[0]
    result = roster_io.import_xlsx(db, admin, path)
    assert result.rolled_back and result.added == 0 and result.bad_rows == 1
    assert db.execute("SELECT count(*) FROM cadres").fetchone()[0] == 0
    assert db.execute("SELECT count(*) FROM row_seals").fetchone()[0] == seals
    assert db.execute("SELECT count(*) FROM audit_log").fetchone()[0] == audits
    done = roster_io.import_xlsx(db, admin, path, good_rows_only=True)
    assert done.added == 1200 and db.execute("SELECT count(*) FROM cadres").fetchone()[0] == 1200
    from models.core import audit

    assert audit.verify_rows(db) == []
