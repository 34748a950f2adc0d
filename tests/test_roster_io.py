"""xlsx and lrmx round trips, and bad rows or files."""

import pytest
from openpyxl import Workbook

from models.roster import team as roster

from models.roster import io as roster_io
from models.core.errors import ValidationError

GOOD_ID = "11010519491231002X"


def make_xlsx(path, header, rows):
    wb = Workbook()
    ws = wb.active
    ws.append(header)
    for r in rows:
        ws.append(r)
    wb.save(path)
    return path


def test_xlsx_round_trip(db, admin, tmp_path):
    roster.create_standard_structure(db, admin)
    a = roster.add_cadre(db, admin, {"name": "张三", "id_number": GOOD_ID, "ethnicity": "汉族", "rank": "副科",
                                     "resume": "1968.09--1972.07 某校学习\n1972.08-- 工作"})
    roster.appoint(db, admin, a, roster.posts(db)[0]["uuid"])
    roster.add_cadre(db, admin, {"name": "李四", "sex": "男", "birth_date": "1985-03"})
    out = tmp_path / "r.xlsx"
    assert roster_io.export_xlsx(db, out) == 2
    from models.core import xlsx_read

    assert xlsx_read.declared_last_row(out) == 3 == max(n for n, _ in xlsx_read.iter_rows(out))  # header, 2 rows

    from models.core import township

    from models.core import users
    from models.core.db import open_database

    db2 = open_database(tmp_path / "other.db")
    admin2 = users.create_user(db2, "admin", "secret123", users.ADMIN)
    township.set_identity(db2, admin2, name="乙镇", code="330106002")
    roster.create_standard_structure(db2, admin2)
    result = roster_io.import_xlsx(db2, admin2, out)
    assert (result.added, result.updated, result.errors) == (2, 0, [])
    got = {c["name"]: c for c in roster_io.export_rows(db2)}
    assert got["张三"]["id_number"] == GOOD_ID and got["张三"]["resume"].startswith("1968.09--")
    assert got["张三"]["posts"] == "党委书记"  # appointment re-created from 现任职务
    assert got["李四"]["birth_date"] == "1985-03"
    again = roster_io.import_xlsx(db2, admin2, out)
    # the same file again changes nothing: 张三 matched by ID number, 李四 (none) by name and birth date
    assert (again.added, again.updated, again.unchanged) == (0, 0, 2)
    assert len(roster_io.export_rows(db2)) == 2


def test_xlsx_bad_rows_listed_good_rows_imported(db, admin, tmp_path):
    path = make_xlsx(tmp_path / "in.xlsx", ["序号", "姓 名", "身份证号码", "手机", "参加工作时间"], [
        [1, "张三", GOOD_ID, "13812345678", "1970-08"],
        [2, "李四", "110105194912310021", "", ""],          # wrong check digit
        [3, "王五", "", "12345", ""],                        # bad phone
        [4, "赵六", "", "", "2999-01"],                      # future
        [5, "", "", "", ""],                                 # empty: skipped
        [6, "钱七" * 20, "", "", ""],                          # too long
        [7, "孙八", GOOD_ID, "", ""],                        # duplicate in file
    ])
    headers = roster_io.xlsx_headers(path)
    mapping = roster_io.guess_mapping(headers)
    assert mapping == {1: "name", 2: "id_number", 3: "phone", 4: "work_start_date"}
    refused = roster_io.import_xlsx(db, admin, path, mapping)
    assert refused.rolled_back and (refused.added, refused.good_rows) == (0, 1)
    assert roster.list_cadres(db) == []  # all or nothing by default
    result = roster_io.import_xlsx(db, admin, path, mapping, good_rows_only=True)
    assert result.added == 1 and not result.rolled_back
    where = [w for w, _ in result.errors]
    assert where == ["第 3 行", "第 4 行", "第 5 行", "第 7 行", "第 8 行"]
    messages = dict(result.errors)
    assert messages["第 3 行"].startswith("身份证号码 “110105194912310021”：校验码")
    assert messages["第 4 行"].startswith("手机 “12345”：")
    assert "未来" in messages["第 5 行"]
    assert "重复" in messages["第 8 行"]
    assert [c["name"] for c in roster.list_cadres(db)] == ["张三"]


def test_xlsx_wrong_file_type(db, admin, tmp_path):
    bad = tmp_path / "notes.xlsx"
    bad.write_text("not a workbook")
    with pytest.raises(ValidationError, match="无法作为 .xlsx 读取"):
        roster_io.import_xlsx(db, admin, bad)
    result = roster_io.import_files(db, admin, [tmp_path / "a.csv"])
    assert "文件类型不对" in result.errors[0][1]


def test_lrmx_round_trip_with_photo_and_family(db, admin, tmp_path):
    photo = b"\x89PNG\r\n\x1a\nfake"
    a = roster.add_cadre(db, admin, {
        "name": "张三", "id_number": GOOD_ID, "ethnicity": "汉族", "party_join_date": "1970-05",
        "current_post_text": "党委委员、副镇长", "proposed_post": "党委副书记", "resume": "1968.09--1972.07 学习",
        "family": [{"relation": "配偶", "name": "李梅", "birth": "1950.02", "political_status": "群众", "work": "务农"}],
        "photo": photo})
    files = roster_io.export_lrmx(db, tmp_path / "out")
    data = files[0].read_bytes()
    assert data.startswith(b'<?xml version="1.0" encoding="UTF-8"?>') and b"<Person>" in data
    assert b"<ChuShengNianYue>194912</ChuShengNianYue>" in data
    values = roster_io.parse_lrmx(data)
    assert values["photo"] == photo and values["family"][0]["name"] == "李梅"
    roster.delete_cadre(db, admin, a)
    result = roster_io.import_lrmx_files(db, admin, files)
    assert (result.added, result.errors) == (1, [])
    c = roster.get_cadre(db, roster.list_cadres(db)[0]["uuid"])
    assert (c["proposed_post"], c["party_join_date"], c["photo"]) == ("党委副书记", "1970-05", photo)
    assert c["birth_date"] == "1949-12-31" and c["family"][0]["relation"] == "配偶"


def test_lrmx_bad_files_listed(db, admin, tmp_path):
    good = tmp_path / "good.lrmx"
    good.write_bytes(roster_io.cadre_to_lrmx({"name": "张三"}))
    not_xml = tmp_path / "bad.lrmx"
    not_xml.write_bytes(b"PK\x03\x04 zip")
    wrong_root = tmp_path / "root.lrmx"
    wrong_root.write_text('<?xml version="1.0"?><Book/>', encoding="utf-8")
    bad_id = tmp_path / "id.lrmx"
    bad_id.write_bytes(roster_io.cadre_to_lrmx({"name": "李四", "id_number": "110105194912310021"}))
    result = roster_io.import_lrmx_files(db, admin, [good, not_xml, wrong_root, bad_id])
    assert result.added == 1
    errors = dict(result.errors)
    assert "XML 格式错误" in errors["bad.lrmx"] and "<Person>" in errors["root.lrmx"]
    assert errors["id.lrmx"].startswith("身份证号：")


def test_a_masked_roster_export_imports_back_unchanged_and_says_so(db, admin, tmp_path):
    """Issue 17 (round trip): exported by someone without the right, the
    roster's ID numbers and phones are masked; read back into the file it came
    from, the masked values are recognised, never stored, the stored numbers
    stay, and nothing is written (no version bump, no audit row)."""
    roster.create_standard_structure(db, admin)
    a = roster.add_cadre(db, admin, {"name": "张三", "id_number": GOOD_ID, "phone": "13800138000", "rank": "副科"})
    roster.appoint(db, admin, a, roster.posts(db)[0]["uuid"])
    roster.add_cadre(db, admin, {"name": "李四", "sex": "男", "birth_date": "1985-03"})
    out = tmp_path / "masked.xlsx"
    assert roster_io.export_xlsx(db, out, mask_private=True) == 2
    before = db.execute("SELECT max(id) FROM audit_log").fetchone()[0]
    result = roster_io.import_xlsx(db, admin, out)
    assert (result.added, result.updated, result.unchanged, result.errors) == (0, 0, 2, [])
    assert result.masked == {"id_number": 1, "phone": 1}
    assert "身份证号是打码的" in result.summary() and "联系电话是打码的" in result.summary()
    assert db.execute("SELECT max(id) FROM audit_log").fetchone()[0] == before
    got = {c["name"]: c for c in roster_io.export_rows(db)}
    assert got["张三"]["id_number"] == GOOD_ID and got["张三"]["phone"] == "13800138000"


def test_a_row_without_an_id_that_two_stored_cadres_could_be_is_refused_with_the_reason(db, admin, tmp_path):
    roster.add_cadre(db, admin, {"name": "李四", "sex": "男", "birth_date": "1985-03"})
    roster.add_cadre(db, admin, {"name": "李四", "sex": "男", "birth_date": "1985-03"})
    path = make_xlsx(tmp_path / "r.xlsx", ["姓名", "性别", "出生年月", "职级"], [["李四", "男", "1985.03", "副科"]])
    result = roster_io.import_xlsx(db, admin, path)
    assert result.rolled_back and "分不清是哪一位" in result.errors[0][1]
    assert len(roster.list_cadres(db)) == 2
