"""Subcommands of the handoff domain: `export` and `import` (see cli/__init__.py).

    python main.py export --db PATH --out FILE [--password-file F] [--full]
    python main.py import --db PATH FILE [--password-file F]
"""

from __future__ import annotations

from pathlib import Path

from cli import actor_of, open_db


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
    p.add_argument("--accept-key", help="乡镇第一次送来数据包时：电话核对一致的公钥指纹")
    p.set_defaults(func=cmd_import)

    p = sub.add_parser("key", parents=[common], help="乡镇签名公钥：查看、导出、（县里）登记或撤销")
    p.add_argument("action", choices=["show", "export", "register", "revoke", "list"])
    p.add_argument("target", nargs="?", help="export：输出文件；register：公钥文件；revoke：乡镇代码")
    p.set_defaults(func=cmd_key)


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
    from cli import ask_password

    return ask_password("数据包密码：", "数据包密码", "--password-file", confirm=confirm)


def cmd_export(args) -> int:
    """Write a package; exit 0 on success."""
    from models.handoff.export import export_package

    password = read_password(args.password_file, confirm=True)
    db = open_db(args)
    result = export_package(db, args.out, password, actor_of(args), full=args.full)
    print(result.describe())
    return 0


def cmd_import(args) -> int:
    """Authenticate and merge a package; exit 0 on success (also when it was
    imported before and nothing changed)."""
    from models.handoff.merge import import_package
    from models.handoff.package import PackageError
    from cli import db_path_of
    from models.core.db import close_database
    from models.core.errors import DatabaseOpenError

    if not Path(args.file).is_file():
        raise PackageError(f"找不到数据包文件“{args.file}”。")
    db_path = Path(db_path_of(args))
    if not db_path.exists():
        # Importing needs a login, and a new database has no account yet.
        raise DatabaseOpenError(f"数据库“{db_path}”不存在。新建县级汇总库时，请先创建它的管理员："
                                f"main.py user add 用户名 --db {db_path}")
    password = read_password(args.password_file)
    db = open_db(args)
    summary = import_package(db, args.file, password, actor_of(args), accept_key=args.accept_key,
                             confirm_new_key=True)
    print(summary.describe())
    close_database(db)
    return 0


def cmd_key(args) -> int:
    """The township's own signing key, and the county's register of township keys."""
    from models.core import records, settings, signing
    from models.core.errors import ValidationError

    db = open_db(args)
    if args.action == "show":
        print(f"本数据库的签名公钥指纹：{signing.fingerprint(signing.own_public_key(db))}")
        return 0
    if args.action == "list":
        for row in db.execute("SELECT township_code, fingerprint, registered_at, registered_by, source "
                              "FROM township_keys ORDER BY township_code"):
            print("\t".join(str(x or "") for x in row))
        return 0
    if not args.target:
        raise ValidationError("参数", "请给出文件或乡镇代码。")
    if args.action == "export":
        from cli import require_right

        require_right(args, "handoff.export")
        text = signing.key_file_text(db, records.local_township_code(db), settings.get(db, "township_name") or "")
        Path(args.target).write_text(text, encoding="utf-8")
        print(f"已导出公钥到 {args.target}（指纹 {signing.fingerprint(signing.own_public_key(db))}）")
        return 0
    if args.action == "register":
        data = signing.read_key_file(args.target)
        fp = signing.register_key(db, str(data["township_code"]), str(data["public_key"]), actor_of(args),
                                  f"公钥文件 {Path(args.target).name}")
        print(f"已登记乡镇 {data['township_code']}（{data.get('township_name') or ''}）的公钥，指纹 {fp}")
        return 0
    signing.revoke_key(db, args.target, actor_of(args))
    print(f"已撤销乡镇 {args.target} 的公钥；它的下一个数据包将重新登记。")
    return 0
