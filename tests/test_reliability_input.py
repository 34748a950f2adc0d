"""Bad input through the real model functions: each value is rejected with a
ValidationError naming the field (and nothing is written), or stored and read
back exactly as typed. The test prints the whole table (`pytest -s`).
"""

from __future__ import annotations

import datetime as dt
import itertools

import pytest

from models.core import records

from models.core import settings

from models.core import township

from models.core import users
from models.core.errors import ValidationError
from models.core.users import Actor

ADMIN = Actor("admin", users.ADMIN, "管理员")
VALID_ID = "11010519491231002X"  # the GB 11643 example number
REJECT, STORE, EITHER = "reject", "store", "either"
_counter = itertools.count(1)


def _unique(prefix: str) -> str:
    return f"{prefix}{next(_counter)}"


# ---- the forms: each returns the value read back from the database ------------------

def village_name(db, value):
    key = township.add_village(db, ADMIN, value, 10)
    return records.get(db, "villages", key)["name"]


def village_households(db, value):
    key = township.add_village(db, ADMIN, _unique("户数村"), value)
    return records.get(db, "villages", key)["households"]


def _cadre(db, values):
    from models.roster import team as roster

    key = roster.add_cadre(db, ADMIN, values)
    return records.get(db, "cadres", key)


def cadre_name(db, value):
    return _cadre(db, {"name": value})["name"]


def cadre_id_number(db, value):
    return _cadre(db, {"name": "张三", "id_number": value})["id_number"]


def cadre_birth_date(db, value):
    return _cadre(db, {"name": "李四", "birth_date": value})["birth_date"]


def cadre_phone(db, value):
    return _cadre(db, {"name": "王五", "phone": value})["phone"]


def cadre_native_place(db, value):
    return _cadre(db, {"name": "赵六", "native_place": value})["native_place"]


def _ticket(db, **changes):
    from models.service import tickets

    values = {"applicant_name": "王大妈", "applicant_phone": "13812345678", "department": "民政办",
              "item_name": "低保申请", "request_text": "申请低保", "kind": "承办件"}
    values.update(changes)
    return tickets.create_ticket(db, ADMIN, values, today=dt.date(2026, 3, 2))


def ticket_applicant(db, value):
    return _ticket(db, applicant_name=value)["applicant_name"]


def ticket_phone(db, value):
    return _ticket(db, applicant_phone=value)["applicant_phone"]


def ticket_id_number(db, value):
    return _ticket(db, applicant_id_number=value)["applicant_id_number"]


def ticket_request(db, value):
    return _ticket(db, request_text=value)["request_text"]


def ticket_received(db, value):
    return _ticket(db, received_date=value)["received_date"]


def ticket_days(db, value):
    return _ticket(db, promised_days=value)["promised_days"]


def identity_name(db, value):
    township.set_identity(db, ADMIN, name=value, code="330106001")
    return township.identity(db)["township_name"]


def identity_code(db, value):
    township.set_identity(db, ADMIN, name="测试镇", code=value)
    return township.identity(db)["township_code"]


def identity_phone(db, value):
    township.set_identity(db, ADMIN, name="测试镇", code="330106001", supervision_phone=value)
    return township.identity(db)["supervision_phone"]


def setting_backup_keep(db, value):
    settings.set_value(db, "backup_keep", value, ADMIN)
    return settings.get(db, "backup_keep")


def user_name(db, value):
    users.create_user(db, value, "secret123", users.WINDOW, actor=ADMIN)
    return db.execute("SELECT username FROM users WHERE username = ?", [value]).fetchone()[0]


def user_password(db, value):
    name = _unique("u")
    users.create_user(db, name, value, users.WINDOW, actor=ADMIN)
    return users.login(db, name, value) and value


SQL_DROP = "'); DROP TABLE villages; --"
SQL_OR = "x' OR '1'='1"
LONG = "长" * 51

# (form, field label named by the error, input, expectation, expected read-back if not the input)
CASES = [
    # villages: names and numbers
    (village_name, "村名", "", REJECT),
    (village_name, "村名", "   ", REJECT),
    (village_name, "村名", LONG, REJECT),
    (village_name, "村名", "长" * 50, STORE),
    (village_name, "村名", "青石\x00村", REJECT),
    (village_name, "村名", "青石\n村", REJECT),
    (village_name, "村名", "青石\x7f村", REJECT),
    (village_name, "村名", "张\ud800三", REJECT),
    (village_name, "村名", SQL_DROP, STORE),
    (village_name, "村名", SQL_OR, STORE),
    (village_name, "村名", "🏡幸福村", STORE),
    (village_name, "村名", "東嶺村", STORE),
    (village_name, "村名", "<script>alert(1)</script>", STORE),
    (village_name, "村名", "%_\\*?", STORE),
    (village_name, "村名", "x" * 10_000_000, REJECT),
    (village_households, "户数", "-1", REJECT),
    (village_households, "户数", "abc", REJECT),
    (village_households, "户数", "1e3", REJECT),
    (village_households, "户数", "3.5", REJECT),
    (village_households, "户数", "nan", REJECT),
    (village_households, "户数", "99999999999999999999", REJECT),
    (village_households, "户数", "100001", REJECT),
    (village_households, "户数", None, REJECT),
    (village_households, "户数", "1; DROP TABLE villages", REJECT),
    # cadres (roster form)
    (cadre_name, "姓名", "", REJECT),
    (cadre_name, "姓名", "Robert'); DROP TABLE cadres;--", REJECT),
    (cadre_name, "姓名", "欧阳" + "娜" * 40, REJECT),
    (cadre_name, "姓名", "張偉", STORE),
    (cadre_name, "姓名", "阿卜杜·热合曼", STORE),
    (cadre_name, "姓名", "王\u200b五", STORE),
    (cadre_name, "姓名", "王\t五", REJECT),
    (cadre_name, "姓名", "李😀", EITHER),
    (cadre_id_number, "身份证号", "110105194912310021", REJECT),
    (cadre_id_number, "身份证号", "11010519491231002", REJECT),
    (cadre_id_number, "身份证号", "1101051949123100211", REJECT),
    (cadre_id_number, "身份证号", "110105194902300028", REJECT),
    (cadre_id_number, "身份证号", "11010520991231002X", REJECT),
    (cadre_id_number, "身份证号", "11010519491231002Y", REJECT),
    (cadre_id_number, "身份证号", "１１０１０５１９４９１２３１００２Ｘ", REJECT),
    (cadre_id_number, "身份证号", "110105491231002", REJECT),
    (cadre_id_number, "身份证号", "' OR 1=1 --", REJECT),
    (cadre_id_number, "身份证号", VALID_ID.lower(), STORE, VALID_ID),
    (cadre_birth_date, "出生日期", "1975-02-30", REJECT),
    (cadre_birth_date, "出生日期", "1975-13", REJECT),
    (cadre_birth_date, "出生日期", "1899-12-31", REJECT),
    (cadre_birth_date, "出生日期", "2999-01-01", REJECT),
    (cadre_birth_date, "出生日期", "明天", REJECT),
    (cadre_birth_date, "出生日期", "0000-00-00", REJECT),
    (cadre_birth_date, "出生日期", "1975.03", STORE, "1975-03"),
    (cadre_phone, "电话", "1381234567", REJECT),
    (cadre_phone, "电话", "23812345678", REJECT),
    (cadre_phone, "电话", "+86 138 1234 5678", REJECT),
    (cadre_phone, "电话", "138-1234-5678", REJECT),
    (cadre_phone, "电话", "0571-63712345", STORE),
    (cadre_native_place, "籍贯", "浙江" * 26, REJECT),
    (cadre_native_place, "籍贯", "浙江杭州\u202e", STORE),
    # tickets (window form)
    (ticket_applicant, "申请人", "", REJECT),
    (ticket_applicant, "申请人", "王" * 31, REJECT),
    (ticket_applicant, "申请人", "陳大文", STORE),
    (ticket_applicant, "申请人", SQL_DROP, STORE),
    (ticket_phone, "联系电话", "", REJECT),
    (ticket_phone, "联系电话", "110", REJECT),
    (ticket_phone, "联系电话", "１３８１２３４５６７８", REJECT),
    (ticket_phone, "联系电话", "13８１２３４５６７８", REJECT),
    (ticket_id_number, "身份证号", "330106200001011234", REJECT),
    (ticket_request, "诉求内容", "第一行\n第二行\t缩进", STORE),
    (ticket_request, "诉求内容", "诉" * 2001, REJECT),
    (ticket_request, "诉求内容", "响铃\x07", REJECT),
    (ticket_request, "诉求内容", "👨‍👩‍👧 一家三口申请", STORE),
    (ticket_received, "受理日期", "2026-03-03", REJECT),
    (ticket_received, "受理日期", "2026/02/30", REJECT),
    (ticket_received, "受理日期", "yesterday", REJECT),
    (ticket_days, "承诺时限", "0", REJECT),
    (ticket_days, "承诺时限", "-5", REJECT),
    (ticket_days, "承诺时限", "五", REJECT),
    (ticket_days, "承诺时限", "100000", REJECT),
    # township identity and settings
    (identity_name, "乡镇名称", "", REJECT),
    (identity_name, "乡镇名称", "镇" * 51, REJECT),
    (identity_name, "乡镇名称", "青石鎮", STORE),
    (identity_code, "乡镇代码", "12345", REJECT),
    (identity_code, "乡镇代码", "330106001; --", REJECT),
    (identity_code, "乡镇代码", "３３０１０６００１", REJECT),
    (identity_phone, "监督电话", "abc", REJECT),
    (identity_phone, "监督电话", "0571-12345678", STORE),
    (setting_backup_keep, "保留备份份数", "十", REJECT),
    (setting_backup_keep, "保留备份份数", "1.5", REJECT),
    # accounts
    (user_name, "用户名", "", REJECT),
    (user_name, "用户名", "a" * 33, REJECT),
    (user_name, "用户名", "bad\x1bname", REJECT),
    (user_name, "用户名", "admin' --", STORE),
    (user_name, "用户名", "王丽", STORE),
    (user_password, "密码", "12345", REJECT),
    (user_password, "密码", "密码是中文的也可以😀", STORE),
]


def _show(value) -> str:
    text = repr(value)
    return text if len(text) <= 34 else text[:30] + "…" + text[-3:]


def test_bad_input_table(db, capsys):
    """Run every case; collect what happened; print the table; then assert."""
    assert len(CASES) >= 50
    lines, failures = [], []
    for number, case in enumerate(CASES, 1):
        form, label, value, expected = case[:4]
        want_back = case[4] if len(case) > 4 else value
        before = db.conn.total_changes
        try:
            got = form(db, value)
        except ValidationError as e:
            outcome = f"拒绝：{e.message}"[:60]
            ok = expected in (REJECT, EITHER) and e.field == label and db.conn.total_changes == before
            if e.field != label:
                outcome += f"  [field {e.field!r}, expected {label!r}]"
        except Exception as e:  # noqa: BLE001 - a crash is a failure, shown in the table
            outcome = f"CRASH {type(e).__name__}: {e}"[:80]
            ok = False
        else:
            outcome = f"保存，读回 {_show(got)}"
            ok = expected in (STORE, EITHER) and got == want_back
        lines.append(f"{number:>3} {'ok ' if ok else 'BAD'} {form.__name__:<20} {label:<8} {_show(value):<36} {outcome}")
        if not ok:
            failures.append(lines[-1])
    with capsys.disabled():
        print(f"\n{len(CASES)} bad inputs:")
        print("\n".join(lines))
    assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    assert db["villages"].exists() and db["cadres"].exists()
    assert failures == []


@pytest.mark.parametrize("value", ["张\ud800三", "\udfff"])
def test_lone_surrogates_are_rejected_not_crashing(db, value):
    """Text pasted from a broken file can hold half an emoji (a lone surrogate):
    SQLite cannot store it, so the model must refuse it with a field message."""
    with pytest.raises(ValidationError) as info:
        village_name(db, value)
    assert info.value.field == "村名"
