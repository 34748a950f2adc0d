"""Files that are not this program's database are refused with a Chinese
message and left byte for byte as they were: no -wal, no -shm, no lock file,
no backups folder. Checked through the real command line."""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path

import pytest

from tests.cli_helpers import FIXTURE_LOGIN, run_cli


def _plain_sqlite(path: Path, wal: bool) -> None:
    conn = sqlite3.connect(path)
    if wal:
        conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("CREATE TABLE notes (id INTEGER PRIMARY KEY, text TEXT)")
    conn.execute("INSERT INTO notes (text) VALUES ('别人的数据')")
    conn.commit()
    conn.close()  # the last connection checkpoints and removes the -wal


def _copy_without_wal(path: Path, tmp_path: Path) -> None:
    """Our database copied while open, without its -wal: the tables are still in the WAL."""
    from models.core.db import open_database

    source = tmp_path / "source.db"
    db = open_database(source)
    db.conn.execute("PRAGMA wal_autocheckpoint=0")
    import shutil

    shutil.copyfile(source, path)  # test side: the "user" copies the file of a running program
    db.conn.close()


KINDS = {
    "random bytes": lambda p, t: p.write_bytes(os.urandom(8192)),
    "text": lambda p, t: p.write_text("这不是数据库\n" * 100, encoding="utf-8"),
    "sqlite without our tables": lambda p, t: _plain_sqlite(p, wal=False),
    "WAL sqlite without our tables": lambda p, t: _plain_sqlite(p, wal=True),
    "our file copied without its -wal": _copy_without_wal,
}


@pytest.mark.parametrize("kind", list(KINDS))
def test_foreign_files_are_refused_untouched(tmp_path, kind):
    from models.core.db import open_database
    from models.core.errors import DatabaseOpenError

    folder = tmp_path / "office"
    folder.mkdir()
    path = folder / "township.db"
    KINDS[kind](path, tmp_path)
    before = path.read_bytes()
    listing = sorted(os.listdir(folder))
    with pytest.raises(DatabaseOpenError) as info:
        open_database(path)
    assert "文件未作任何改动" in info.value.message or "损坏" in info.value.message
    for args, login in ((("check",), None), (("user", "list"), FIXTURE_LOGIN), (("backup",), FIXTURE_LOGIN)):
        out = run_cli(*args, "--db", path, login=login, encoding="utf-8")
        assert out.returncode == 1, (args, out.stdout, out.stderr)
        assert "错误：" in out.stderr and "Traceback" not in out.stderr, out.stderr
    assert path.read_bytes() == before
    assert sorted(os.listdir(folder)) == listing, "something was created beside a foreign file"
