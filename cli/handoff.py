"""Subcommands of the handoff domain: `export` and `import` (see cli/__init__.py).

    python main.py export --db PATH --out FILE [--password-file F] [--full]
    python main.py import --db PATH FILE [--password-file F]
"""

from __future__ import annotations

from pathlib import Path

from cli import open_db


def register(sub, common) -> None:
    """Add this domain's subcommands to the parser."""
    p = sub.add_parser("export", parents=[common],
                       help="导出数据包（乡镇：本乡镇数据；县级汇总库：参考数据）")
    p.add_argument("--out", required=True, help="数据包文件，或存放它的文件夹")
    p.add_argument("--password-file", help="从文件读取数据包密码（第一行）；省略时在终端输入")
    p.add_argument("--full", action="store_true", help="导出全部数据，而不只是县里确认收到之后的变化")
    p.set_defaults(func=cmd_export)

    p = sub.add_parser("import", parents=[common], help="导入数据包（县级汇总库：乡镇数据；乡镇：参考数据）")
    p.add_argument("file", help="数据包文件")
    p.add_argument("--password-file", help="从文件读取数据包密码（第一行）；省略时在终端输入")
    p.set_defaults(func=cmd_import)


def read_password(password_file: str | None, confirm: bool = False) -> str:
    """The package password from the first line of a file, or typed in."""
    from models.core.errors import ValidationError

    if password_file:
        try:
            lines = Path(password_file).read_text(encoding="utf-8").splitlines()
        except OSError as e:
            raise ValidationError("密码文件", f"无法读取“{password_file}”：{e.strerror or e}") from None
        except UnicodeDecodeError:
            raise ValidationError("密码文件", f"“{password_file}”不是 UTF-8 文本文件。") from None
        if not lines or not lines[0]:
            raise ValidationError("密码文件", f"“{password_file}”第一行是空的。")
        return lines[0]
    import getpass

    password = getpass.getpass("数据包密码：")
    if confirm and getpass.getpass("再输入一次：") != password:
        raise ValidationError("数据包密码", "两次输入不一致。")
    return password


def cmd_export(args) -> int:
    """Write a package; exit 0 on success."""
    from models.handoff import export_package
    from models.core.users import CLI_ACTOR

    password = read_password(args.password_file, confirm=True)
    db = open_db(args)
    result = export_package(db, args.out, password, CLI_ACTOR, full=args.full)
    print(result.describe())
    return 0


def cmd_import(args) -> int:
    """Authenticate and merge a package; exit 0 on success (also when it was
    imported before and nothing changed)."""
    from models.handoff import PackageError, import_package
    from models.core.users import CLI_ACTOR

    if not Path(args.file).is_file():
        raise PackageError(f"找不到数据包文件“{args.file}”。")
    password = read_password(args.password_file)
    from cli import db_path_of
    from models.core.db import close_database

    db_path = Path(db_path_of(args))
    new_database = not db_path.exists()
    db = open_db(args, create=True)
    try:
        summary = import_package(db, args.file, password, CLI_ACTOR)
    except BaseException:
        if new_database:
            # A county database created for this import is not left behind empty.
            close_database(db)
            for suffix in ("", "-wal", "-shm"):
                Path(str(db_path) + suffix).unlink(missing_ok=True)
        raise
    print(summary.describe())
    close_database(db)
    return 0
