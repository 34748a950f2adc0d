"""Core subcommands: demo, check, selftest, backup, restore, user."""

from __future__ import annotations

import sys
from pathlib import Path

from cli import actor_of, ask_password, db_path_of, open_db, read_first_line, require_right
# What check verifies and says lives in models/core/checking.py (the window's
# 完整核对 runs the same); the names stay here for bench/fig_check.py.
from models.core.checking import domain_checks, gather_check  # noqa: F401



def register(sub, common) -> None:
    p = sub.add_parser("demo", parents=[common], help="生成演示乡镇数据")
    p.add_argument("--seed", type=int, default=1, help="随机种子")
    p.add_argument("--tickets", type=int, default=2000, help="办件数量")
    p.set_defaults(func=cmd_demo)

    p = sub.add_parser("check", parents=[common], help="检查数据库完整性、结构版本和行数")
    p.add_argument("--full", action="store_true",
                   help="完整检查（integrity_check，逐一核对索引；县级数据库需几分钟）；默认为快速检查（quick_check）")
    p.set_defaults(func=cmd_check)

    p = sub.add_parser("selftest", parents=[common], help="离屏打开窗口，检查字体和临时数据库")
    p.set_defaults(func=cmd_selftest)

    p = sub.add_parser("backup", parents=[common], help="立即备份数据库；backup list 列出备份，backup verify [文件] 校验备份")
    p.add_argument("action", nargs="?", choices=["list", "verify"],
                   help="list：列出备份（大小、是否压缩）；verify：逐份解压并检查能否用于恢复")
    p.add_argument("file", nargs="?", help="verify 时只校验这一份备份")
    p.set_defaults(func=cmd_backup)

    p = sub.add_parser("restore", parents=[common], help="用备份文件恢复数据库")
    p.add_argument("backup", nargs="?", help="备份文件；省略时列出可用备份")
    p.set_defaults(func=cmd_restore)

    p = sub.add_parser("user", parents=[common], help="添加用户或重设密码；export-right 查看或设置哪些角色可导出完整号码")
    p.add_argument("action", choices=["add", "passwd", "list", "export-right"])
    p.add_argument("username", nargs="?")
    p.add_argument("--role", default="window", choices=["admin", "window", "assess", "readonly"])
    p.add_argument("--name", default="")
    p.add_argument("--password-file", help="从文件读取密码（第一行）")
    p.add_argument("--roles", help="export-right：可导出完整身份证号和电话的角色，逗号分隔（admin,window,assess）；省略时只显示")
    p.set_defaults(func=cmd_user)


def cmd_demo(args) -> int:
    """Demo data only ever goes into a new file or an unused demo database."""
    from models.core.errors import ValidationError
    from models.demo.township import DemoOptions, build_demo_file

    if not getattr(args, "db", None):
        raise ValidationError("--db", "演示数据必须用 --db 指定一个新的文件（例如 --db 演示.db），"
                                      "不会写进您的正式数据库。")
    build_demo_file(args.db, DemoOptions(seed=args.seed, tickets=args.tickets))
    print(f"演示数据已生成：{args.db}（用户 admin / window / kaohe / guest，密码 demo1234）")
    return 0


def cmd_check(args) -> int:
    from models.core import checking
    from models.core.db import check_mark

    path = Path(db_path_of(args))
    if not path.exists():
        print(f"错误：数据库文件“{path}”不存在。", file=sys.stderr)
        return 1
    db = open_db(args)
    full = bool(getattr(args, "full", False))
    if full:
        print("正在完整检查（integrity_check），然后从头核对审计日志和各条记录的内容…", file=sys.stderr, flush=True)
    mark = None if full else check_mark(path)
    found = checking.gather_check(db, full, mark, progress=lambda seconds: print(
        f"  已检查 {seconds:.0f} 秒…", file=sys.stderr, flush=True))
    checking.remember_if_clean(path, found)
    result = checking.report(path, found, full, mark)
    for line in result.lines:
        print(line)
    return 0 if result.healthy else 1


def cmd_selftest(args) -> int:
    import os
    import tempfile

    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from ui.core.selftest import run_selftest

    with tempfile.TemporaryDirectory() as tmp:
        ok, lines = run_selftest(Path(tmp) / "selftest.db")
    for line in lines:
        print(line)
    print("自检通过" if ok else "自检失败")
    return 0 if ok else 1


def cmd_backup(args) -> int:
    from models.core.db import backup_database

    action = getattr(args, "action", None)
    if action == "list":
        return _list_backups(Path(db_path_of(args)))
    if action == "verify":
        return _verify_backups(Path(db_path_of(args)), getattr(args, "file", None))
    db = open_db(args)
    require_right(args, "backup")
    dest = backup_database(db, reason="manual")
    print(f"已备份到：{dest}")
    if getattr(db, "storage_warning", None):
        print(f"提醒：{db.storage_warning}", file=sys.stderr)
    return 0


def _list_backups(path: Path) -> int:
    """Reads the backups folder only (like `restore` without a file): no login."""
    from models.core import backup_codec
    from models.core.db import BEFORE_RESTORE, damaged_originals, list_backups

    backups = list_backups(path)
    damaged = damaged_originals(path)
    if not backups and not damaged:
        print("没有可用的备份。")
        return 1
    total = 0
    for b in backups:
        size = b.stat().st_size
        total += size
        inside = backup_codec.content_size(b) if backup_codec.is_compressed(b) else None
        kind = f"压缩（原 {inside / 1e6:,.1f} MB）" if inside else ("压缩" if backup_codec.is_compressed(b) else "未压缩")
        if f"-{BEFORE_RESTORE}." in b.name:
            kind += "\t恢复前自动留存（用它恢复即可撤销那次恢复）"
        print(f"{b}\t{size / 1e6:,.1f} MB\t{kind}")
    print(f"共 {len(backups)} 份，{total / 1e6:,.1f} MB（按保留份数和总大小的设置轮换，最新的一份总是保留）")
    for d in damaged:
        print(f"{d}\t{d.stat().st_size / 1e6:,.1f} MB\t恢复时留存的损坏原文件（不能用于恢复，不计入备份，"
              "程序不会删除；技术人员查看完后可手动删除）")
    return 0


def _verify_backups(path: Path, only: str | None) -> int:
    """Unpack and quick_check each backup (or the one given): whether it can be restored."""
    from models.core.db import list_backups, verify_backup

    backups = [Path(only)] if only else list_backups(path)
    if not backups:
        print("没有可用的备份。")
        return 1
    bad = 0
    for b in backups:
        result = verify_backup(b)
        bad += result != "ok"
        print(f"{b}\t{'可以用于恢复' if result == 'ok' else '不能用于恢复：' + result}", flush=True)
    print("结论：" + ("全部可以用于恢复" if not bad else f"有 {bad} 份备份不能用于恢复"))
    return 0 if not bad else 1


def cmd_restore(args) -> int:
    from models.core.db import list_backups, restore_backup

    path = Path(db_path_of(args))
    if not args.backup:
        backups = list_backups(path)
        if not backups:
            print("没有可用的备份。")
            return 1
        for b in backups:
            print(b)
        return 0
    _log_in_to_restore(args, path)
    kept = restore_backup(args.backup, path)
    print(f"已用“{args.backup}”恢复数据库“{path}”。")
    if kept and kept.name.endswith(".db"):
        print(f"恢复前的数据库已另存为一份备份：{kept}（用它恢复即可撤销这次恢复；与其他备份一样按保留份数和总大小轮换）")
    elif kept:
        print(f"恢复前的文件已损坏，原样另存为：{kept}（程序不会删除它）")
    return 0


def _log_in_to_restore(args, path: Path) -> None:
    """Restoring needs an administrator of the database being replaced. When
    that file cannot be opened at all (damaged, not a database), the account
    is checked against the backup about to be restored instead."""
    from models.core.db import close_database
    from models.core.errors import DatabaseOpenError

    if path.exists():
        try:
            db = open_db(args)
        except DatabaseOpenError:
            db = None
        if db is not None:
            try:
                require_right(args, "restore")
            finally:
                close_database(db)
            return
    from cli import log_in
    from models.core.users import require

    import tempfile

    from models.core.db import open_database, unpack_backup
    from models.core.errors import LoginError

    # A scratch copy of the backup (unpacked when compressed): checking a
    # password there (which counts failures) never changes the backup file itself.
    with tempfile.TemporaryDirectory(prefix="restore-login-") as folder:
        scratch = Path(folder) / "backup.db"
        try:
            unpack_backup(args.backup, scratch)
        except FileNotFoundError as e:
            raise DatabaseOpenError(f"无法读取备份“{args.backup}”：{e.strerror or e}") from None
        backup = open_database(scratch, create=False, daily_backup=False)
        try:
            args.actor = log_in(args, backup)
            if args.actor is None:
                raise LoginError("备份中没有任何用户，无法确认恢复的权限。")
            require(args.actor, "restore")
        finally:
            close_database(backup)


def cmd_user(args) -> int:

    from models.core import users
    from models.core.errors import ValidationError

    # Only `user add` may create a new database (its first administrator); a mistyped path is refused.
    db = open_db(args, create=args.action == "add")
    if args.action == "list":
        require_right(args, "users.manage")
        for u in users.list_users(db):
            print(f"{u['username']}\t{u['display_name']}\t{users.ROLE_LABELS.get(u['role'])}\t{'启用' if u['active'] else '停用'}")
        return 0
    if args.action == "export-right":
        return _export_right(args, db)
    if not args.username:
        raise ValidationError("用户名", "请给出用户名。")
    if args.action == "passwd" and not users.user_exists(db, args.username):
        raise ValidationError("用户名", f"“{args.username}”不存在，没有重设任何密码。")
    if args.password_file:
        password = read_first_line(args.password_file, "--password-file")
    else:
        password = ask_password(f"“{args.username}”的新密码：", "密码", "--password-file", confirm=True)
    if args.action == "add":
        users.create_user(db, args.username, password, args.role, args.name, actor=actor_of(args))
        print(f"已添加用户 {args.username}")
    else:
        users.set_password(db, args.username, password, actor_of(args),
                           old_password=getattr(args, "login_password", None))
        print(f"已重设 {args.username} 的密码")
    return 0


def _export_right(args, db) -> int:
    """Show, or with --roles set, which roles may export full ID numbers and phones."""
    from models.core import users

    require_right(args, "users.manage")
    if args.roles is not None:
        roles = [r.strip() for r in args.roles.split(",") if r.strip()]
        users.set_roles_with(db, "personal.export", roles, actor_of(args))
    holders = users.roles_with(db, "personal.export")
    names = "、".join(label for role, label in users.ROLE_LABELS.items() if role in holders) or "（无）"
    print(f"可导出完整身份证号和电话的角色：{names}")
    return 0
