"""A restore keeps the check mark when it is sound (issue 14 §7).

The first check after a restore used to hash every audit row (198 s at
1,000,000 tickets): the restore forgot the mark. A backup made while the file
had a clean check's mark holds exactly the rows that mark verified (the mark
is read before the copy starts); its sha256 is kept with that mark in the
backups folder's marker. Restoring a backup that still has that sha256 keeps
the backup's mark, so the next default check goes on from it; a backup edited
since (here with SQLite) has another sha256, the mark is forgotten and the
check hashes everything and finds the edit (also
test_check_fast.py::test_a_restored_older_file_is_checked_from_the_start).
Like the live file's own mark, this trusts the marker: rewriting the sha256
there too gets past the default check, never past `check --full`.

Also: the rows a restore re-stamps for the hand-off (generation.py) are sealed
by audit rows of the restore, so `check --full` after a restore passes (it
reported them as edited outside the program)."""

from __future__ import annotations

import json

import pytest

from models.core import audit, settings, users
from models.core.db import (backup_check_mark, backup_database, check_mark, close_database, list_backups,
                            open_database)
from models.core.paths import backup_dir_for
from tests import test_check_fast as fast

demo_template = fast.demo_template
demo_path = fast.demo_path


@pytest.fixture
def county_sized(monkeypatch):
    """Rows are checked from the mark too, as in a county's file (above 300,000 sealed rows)."""
    monkeypatch.setattr(audit, "CONTENT_CHECK_MAX_ROWS", 10)


def _backup(path, compress=False):
    db = open_database(path, daily_backup=False)
    try:
        if compress:
            settings.set_value(db, "backup_compress_from_mb", 0, users.login(db, "admin", "demo1234"))
        return backup_database(db, reason="manual")
    finally:
        close_database(db)


def _restore(path, backup, capsys, cli_login):
    from cli import main

    cli_login()
    assert main(["restore", str(backup), "--db", str(path)]) == 0
    return capsys.readouterr().out


@pytest.mark.parametrize("compress", [False, True])
def test_an_untouched_backup_keeps_its_mark_and_the_next_check_is_the_short_one(demo_path, capsys, cli_login,
                                                                             county_sized, compress):
    assert fast._check(demo_path, capsys)[0] == 0
    fast._rename_a_village(demo_path, "备份前改名村")
    assert fast._check(demo_path, capsys)[0] == 0
    mark = check_mark(demo_path)
    backup = _backup(demo_path, compress)
    assert backup.name.endswith(".db.zst") == compress
    assert backup_check_mark(backup) == mark
    fast._rename_a_village(demo_path, "备份后改名村")  # the restore winds this back and re-stamps the row

    _restore(demo_path, backup, capsys, cli_login)
    assert check_mark(demo_path) == mark, "the backup's mark was kept"
    code, out = fast._check(demo_path, capsys)
    assert code == 0, out
    line = fast._audit_line(out)
    assert f"第 1–{mark['audit_id']} 条由此前的检查核对过" in line and "后新增的" in line, line
    assert "没有上次核对的记号" not in out
    # What the default took on trust, the full check confirms (the re-stamped row is sealed by the restore).
    code, out = fast._check(demo_path, capsys, "--full")
    assert code == 0, out


def test_a_backup_edited_with_sqlite_loses_the_mark_and_the_check_finds_the_edit(demo_path, capsys, cli_login,
                                                                               county_sized):
    assert fast._check(demo_path, capsys)[0] == 0
    backup = _backup(demo_path)
    assert backup_check_mark(backup) is not None
    fast._sqlite(backup, "UPDATE audit_log SET actor = 'someone' WHERE id = 5")  # before the mark
    assert backup_check_mark(backup) is None, "another sha256"
    _restore(demo_path, backup, capsys, cli_login)
    assert check_mark(demo_path) is None
    code, out = fast._check(demo_path, capsys)
    assert code == 1 and "审计日志第 5 条内容被改动" in out, out


def test_a_forged_sha256_gets_past_the_default_but_not_the_full_check(demo_path, capsys, cli_login, county_sized):
    """The limit, as for the live file's mark: the marker is trusted by the default check."""
    from models.core.db import _file_sha256

    assert fast._check(demo_path, capsys)[0] == 0
    backup = _backup(demo_path)
    fast._sqlite(backup, "UPDATE audit_log SET actor = 'someone' WHERE id = 5")
    marker = backup_dir_for(demo_path) / ".health.json"
    data = json.loads(marker.read_text(encoding="utf-8"))
    data["backups"][backup.name]["sha256"] = _file_sha256(backup)
    marker.write_text(json.dumps(data), encoding="utf-8")
    _restore(demo_path, backup, capsys, cli_login)
    code, out = fast._check(demo_path, capsys)
    assert code == 0 and "check --full" in fast._audit_line(out), out
    code, out = fast._check(demo_path, capsys, "--full")
    assert code == 1 and "审计日志第 5 条内容被改动" in out, out


def test_undoing_a_restore_brings_back_the_replaced_file_s_mark(demo_path, capsys, cli_login, county_sized):
    assert fast._check(demo_path, capsys)[0] == 0
    old = _backup(demo_path)
    fast._rename_a_village(demo_path, "后来改名村")
    assert fast._check(demo_path, capsys)[0] == 0
    latest = check_mark(demo_path)
    _restore(demo_path, old, capsys, cli_login)
    kept = next(b for b in list_backups(demo_path) if "before-restore" in b.name)
    assert backup_check_mark(kept) == latest
    _restore(demo_path, kept, capsys, cli_login)
    assert check_mark(demo_path) == latest
    code, out = fast._check(demo_path, capsys)
    assert code == 0 and f"第 1–{latest['audit_id']} 条由此前的检查核对过" in fast._audit_line(out), out
    assert fast._check(demo_path, capsys, "--full")[0] == 0


def test_a_backup_made_without_a_mark_restores_without_one(demo_path, capsys, cli_login):
    backup = _backup(demo_path)  # never checked: nothing to carry
    assert backup_check_mark(backup) is None
    _restore(demo_path, backup, capsys, cli_login)
    assert check_mark(demo_path) is None
    code, out = fast._check(demo_path, capsys)
    assert code == 0 and "没有上次核对的记号" in fast._audit_line(out), out
