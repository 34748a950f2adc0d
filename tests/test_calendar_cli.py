"""The calendar on the command line, as real processes: years (official and
provisional), a pasted notice from a file (bad line named, nothing saved),
and the confirmation of provisional promises."""

import datetime as dt
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.test_holiday_notice import _notice_2027, notice

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def township(tmp_path):
    from models.core import township, users
    from models.core.db import close_database, open_database
    from models.service import catalogue, tickets

    path = tmp_path / "t.db"
    db = open_database(path)
    admin = users.create_user(db, "admin", "secret123", users.ADMIN, "管理员")
    township.set_identity(db, admin, name="测试镇", code="330106001", county="测试县")
    item = catalogue.add_item(db, admin, {"department": "综治", "name": "信访事项办理", "time_limit_days": 30,
                                          "default_kind": "承办件"})
    t = tickets.create_ticket(db, admin, {"applicant_name": "李四", "applicant_phone": "13800138000",
                                          "item_uuid": item, "request_text": "反映问题",
                                          "received_date": "2026-12-28"}, today=dt.date(2026, 12, 28))
    close_database(db)
    return path, t["ticket_no"]


def run(*args, db):
    env = dict(os.environ, XZ_USER="admin", XZ_PASSWORD="secret123", QT_QPA_PLATFORM="offscreen")
    return subprocess.run([sys.executable, str(ROOT / "main.py"), *args, "--db", str(db)], capture_output=True,
                          text=True, env=env, cwd=ROOT, timeout=120)


def test_years_notice_and_reconcile(township, tmp_path):
    path, number = township
    out = run("calendar", "years", db=path)
    assert out.returncode == 0, out.stderr
    assert "预估（按放假办法，无调休）：2027" in out.stdout and "2027 年 1 件" in out.stdout
    check = run("check", db=path)
    assert "2027 年尚无正式工作日历" in check.stdout + check.stderr
    assert "1 件未办结办件的承诺办结日期依赖预估" in check.stdout + check.stderr

    bad = tmp_path / "bad.txt"
    bad.write_text(notice(2026), encoding="utf-8")
    out = run("calendar", "notice", str(bad), "--year", "2027", db=path)
    assert out.returncode != 0 and "第 1 行" in out.stderr + out.stdout and "2026 年的通知" in out.stderr + out.stdout
    assert "预估（按放假办法，无调休）：2027" in run("calendar", "years", db=path).stdout  # nothing saved

    good = tmp_path / "2027.txt"
    good.write_text(_notice_2027(), encoding="utf-8")
    out = run("calendar", "notice", str(good), db=path)
    assert out.returncode == 0, out.stderr
    assert "春节\t2027-02-05 至 2027-02-12\t8 天" in out.stdout and "已写入正式日历：2027 年" in out.stdout
    assert f"{number}\t李四\t2027-02-11 → 2027-02-16\t推后" in out.stdout
    check = run("check", db=path)
    assert "1 件未办结办件的预估承诺办结日期待值班长或管理员核对" in check.stdout + check.stderr
    out = run("calendar", "reconcile", "--confirm", "--keep", number, db=path)
    assert out.returncode == 0, out.stderr
    assert "保留原承诺 1 件" in out.stdout
    out = run("calendar", "years", db=path)
    assert "待核对" not in out.stdout and "预估" not in out.stdout.split("\n")[1]
    assert "待值班长或管理员核对" not in run("check", db=path).stdout
