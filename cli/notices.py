"""Subcommands of the notices domain: `notice` and `check-notice`."""

from __future__ import annotations

import sys
import time
from pathlib import Path

from cli import actor_of, open_db


def register(sub, common) -> None:
    """Add this domain's subcommands to the parser."""
    p = sub.add_parser("notice", parents=[common], help="生成公示 PDF（--list 列出公示类型）")
    p.add_argument("kind", nargs="?", help="公示类型，如 duties、case_results、receipt（见 --list）")
    p.add_argument("--list", action="store_true", help="列出所有公示类型")
    p.add_argument("--out", help="输出的 PDF 文件")
    p.add_argument("--date", help="公示日期（默认今天），如 2026-11-22")
    p.add_argument("--ticket", help="办件编号（受理回执）")
    p.add_argument("--period", help="期间：2026、2026-10、2026-Q3、2026-H1 或 2026-10-01..2026-10-31")
    p.add_argument("--paper", choices=["a4", "a4-landscape", "a3"], help="纸张（默认按公示类型）")
    p.add_argument("--township", help="县级汇总库中指定乡镇代码")
    p.set_defaults(func=cmd_notice)

    p = sub.add_parser("check-notice", parents=[common], help="核对公示 PDF（或纸面上的公示编号）与数据库记录是否一致")
    p.add_argument("file", help="公示 PDF 文件，或公示编号（如 20261122-7K3Q9M）")
    p.set_defaults(func=cmd_check_notice)

    p = sub.add_parser("void-notice", parents=[common], help="作废一份已发布的公示（须写明原因）")
    p.add_argument("serial", help="公示编号")
    p.add_argument("--reason", required=True, help="作废原因")
    p.set_defaults(func=cmd_void_notice)

    p = sub.add_parser("reprint-notice", parents=[common], help="按发布时保存的数据原样重印一份公示")
    p.add_argument("serial", help="公示编号")
    p.add_argument("--out", required=True, help="输出的 PDF 文件")
    p.set_defaults(func=cmd_reprint_notice)


def cmd_notice(args) -> int:
    from models.notices import registry as notices
    from models.core.errors import ValidationError
    from models.core.personal import parse_date

    if args.list or not args.kind:
        if not args.list:
            print("请给出公示类型。可用的类型：", file=sys.stderr)
        for k in notices.kinds():
            extra = []
            if "period" in k.needs:
                extra.append("--period")
            if "ticket" in k.needs:
                extra.append("--ticket")
            print(f"{k.key:<24} {k.label}" + (f"（{' '.join(extra)}）" if extra else "") + f"　数据：{k.source}")
        return 0 if args.list else 1
    kind = notices.get_kind(args.kind)
    if not args.out:
        raise ValidationError("--out", "请给出输出的 PDF 文件路径。")
    params = notices.NoticeParams(ticket=args.ticket, period=args.period, paper=args.paper,
                                  township_code=args.township)
    if args.date:
        params.date = parse_date(args.date, "--date")
    db = open_db(args)
    started = time.perf_counter()
    result = notices.publish(db, actor_of(args), kind.key, params)
    out = Path(args.out)
    if out.parent and not out.parent.exists():
        out.parent.mkdir(parents=True, exist_ok=True)
    out.write_bytes(result.pdf)
    elapsed = time.perf_counter() - started
    print(f"已生成{kind.label}：{out}（{result.pages} 页，公示编号 {result.serial}，用时 {elapsed:.2f} 秒）")
    return 0


def cmd_check_notice(args) -> int:
    from models.notices import registry as notices

    db = open_db(args)
    if notices.SERIAL_RE.fullmatch(args.file.strip().upper()) and not Path(args.file).exists():
        report = notices.verify_serial(db, args.file.strip().upper())
    else:
        report = notices.verify_pdf(db, args.file)
    print(report["message"])
    if report["sha256"]:
        print(f"SHA-256：{report['sha256']}")
    return 0 if report["status"] == "match" else 1


def cmd_void_notice(args) -> int:
    from models.notices import registry as notices

    db = open_db(args)
    row = notices.void_notice(db, actor_of(args), args.serial, args.reason)
    print(f"已作废公示 {row['serial']}（{row['void_reason']}）。")
    return 0


def cmd_reprint_notice(args) -> int:
    from models.notices import registry as notices

    db = open_db(args)
    result = notices.reprint(db, actor_of(args), args.serial)
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_bytes(result.pdf)
    print(f"已重印公示 {result.serial}：{out}（{result.pages} 页）")
    return 0
