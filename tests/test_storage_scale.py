"""County scale: quick_check at most once a day unless the file looks wrong
or changed behind our back; backups kept by count and total size; `check`
fast by default, `--full` runs integrity_check."""

from __future__ import annotations

from pathlib import Path

from tests.cli_helpers import run_cli

ROOT = Path(__file__).resolve().parent.parent


def test_quick_check_runs_once_a_day_unless_the_file_looks_wrong(db, db_path, monkeypatch):
    from models.core import db as dbmod
    from models.core.db import close_database, open_database, quick_check_due

    close_database(db)
    open_database(db_path, daily_backup=False).conn.close()  # today's check
    close_database(open_database(db_path, daily_backup=False))
    assert not quick_check_due(db_path)
    runs = []
    real = dbmod.quick_check
    monkeypatch.setattr(dbmod, "quick_check", lambda path: runs.append(path) or real(path))
    for _ in range(3):
        close_database(open_database(db_path, daily_backup=False))
    assert runs == [], "quick_check ran again the same day on an unchanged file"
    with open(db_path, "ab") as f:  # no connection is open: a torn tail, as a bad copy leaves
        f.write(b"\0" * 100)
    assert quick_check_due(db_path)


def test_backups_are_kept_by_count_and_total_size(db, db_path, admin):
    from models.core import settings
    from models.core.db import backup_database, list_backups

    settings.set_value(db, "backup_keep", 5, admin)
    for _ in range(4):
        backup_database(db, reason="manual")
    assert len(list_backups(db_path)) == 4
    size = list_backups(db_path)[0].stat().st_size
    settings.set_value(db, "backup_max_total_mb", 0, admin)  # nothing fits: the newest is always kept
    newest = backup_database(db, reason="manual")
    assert list_backups(db_path) == [newest]
    assert size > 0


def test_check_fast_by_default_and_full_on_request(db, db_path):
    from models.core.db import close_database

    close_database(db)
    out = run_cli("check", "--db", db_path, login=None, cwd=str(ROOT), encoding="utf-8")
    assert out.returncode == 0 and "快速检查 quick_check" in out.stdout, out.stdout + out.stderr
    out = run_cli("check", "--full", "--db", db_path, login=None, cwd=str(ROOT), encoding="utf-8")
    assert out.returncode == 0 and "完整检查 integrity_check" in out.stdout, out.stdout + out.stderr
    assert "正在完整检查" in out.stderr
