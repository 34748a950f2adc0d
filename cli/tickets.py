"""Subcommands of the tickets domain (see cli/__init__.py):

    tickets import FILE.xlsx
    tickets export --from DATE --to DATE --out FILE.xlsx
    tickets list [--status S] [--search Q] [--limit N]
    tickets stats --from DATE --to DATE
    calendar years | show YEAR | import FILE | seed [YEAR ...]
    calendar notice FILE.txt [--year Y] [--check] [--replace]   the State Council's notice as text
    calendar reconcile [--confirm] [--keep NO ...] [--move NO ...]   provisional promises after the official year
"""

from __future__ import annotations

import sys

from cli import actor_of, open_db


def register(sub, common) -> None:
    """Add this domain's subcommands to the parser."""
    p = sub.add_parser("tickets", parents=[common], help="便民服务办件：导入、导出台帐、列表、统计")
    tsub = p.add_subparsers(dest="tickets_command", metavar="操作")
    p.set_defaults(func=_print_help(p))

    q = tsub.add_parser("import", parents=[common], help="从 .xlsx 导入办件（有错误时不导入任何一行，除非 --good-rows）")
    q.add_argument("file")
    q.add_argument("--good-rows", action="store_true", help="有错的行列出并跳过，只导入无误的行")
    q.add_argument("--failed-out", default="", help="把有错的行（加“错误原因”列）另存为这个 .xlsx，改正后可再导入")
    q.set_defaults(func=cmd_import)

    q = tsub.add_parser("template", parents=[common], help="下载办件导入模板 .xlsx（表头、示例行、下拉选项、说明）")
    q.add_argument("--out", required=True)
    q.set_defaults(func=cmd_template)

    q = tsub.add_parser("export", parents=[common], help="导出群众需求办理台帐 .xlsx")
    q.add_argument("--from", dest="date_from", required=True, help="受理日期起（如 2026-01-01）")
    q.add_argument("--to", dest="date_to", required=True, help="受理日期止")
    q.add_argument("--out", required=True, help="输出文件 .xlsx")
    q.add_argument("--full-id", action="store_true", help="身份证号不打码（默认打码）")
    q.set_defaults(func=cmd_export)

    q = tsub.add_parser("list", parents=[common], help="列出办件（最新在前）")
    q.add_argument("--status", default="", help="状态：受理、办理中、补正、办结、不予受理、退回、未办结")
    q.add_argument("--search", default="", help="按申请人或诉求内容搜索")
    q.add_argument("--overdue", action="store_true", help="只列超期办件")
    q.add_argument("--limit", type=int, default=50)
    q.set_defaults(func=cmd_list)

    q = tsub.add_parser("stats", parents=[common], help="办件统计")
    q.add_argument("--from", dest="date_from", required=True)
    q.add_argument("--to", dest="date_to", required=True)
    q.set_defaults(func=cmd_stats)

    p = sub.add_parser("calendar", parents=[common], help="工作日历（法定节假日与调休）")
    csub = p.add_subparsers(dest="calendar_command", metavar="操作")
    p.set_defaults(func=_print_help(p))
    q = csub.add_parser("years", parents=[common], help="列出已覆盖的年份")
    q.set_defaults(func=cmd_calendar_years)
    q = csub.add_parser("show", parents=[common], help="列出某年的节假日和调休上班日")
    q.add_argument("year", type=int)
    q.set_defaults(func=cmd_calendar_show)
    q = csub.add_parser("import", parents=[common], help="导入县里下发的工作日历（.csv/.xlsx：日期,是否工作日,名称；整年）")
    q.add_argument("file")
    q.set_defaults(func=cmd_calendar_import)
    q = csub.add_parser("seed", parents=[common], help="用程序内置的节假日数据补充（或重置）年份")
    q.add_argument("years", nargs="*", type=int)
    q.add_argument("--replace", action="store_true", help="覆盖已有年份（含手工修改）")
    q.set_defaults(func=cmd_calendar_seed)
    q = csub.add_parser("notice", parents=[common],
                        help="读入国务院办公厅放假通知（纯文本 .txt），核对后写入该年的正式日历")
    q.add_argument("file", help="通知全文的 .txt 文件（UTF-8）")
    q.add_argument("--year", type=int, default=None, help="通知年份（通知标题有年份时可省略，两者不符则拒绝）")
    q.add_argument("--check", action="store_true", help="只解析并列出，不保存")
    q.add_argument("--replace", action="store_true", help="与已有正式日历不一致时以通知为准")
    q.set_defaults(func=cmd_calendar_notice)
    q = csub.add_parser("reconcile", parents=[common],
                        help="正式日历到后，列出预估承诺日期会变化的未办结办件；--confirm 由值班长或管理员确认")
    q.add_argument("--confirm", action="store_true", help="确认（默认只列出）")
    q.add_argument("--keep", nargs="*", default=[], metavar="办件编号", help="这些办件保留原承诺日期")
    q.add_argument("--move", nargs="*", default=[], metavar="办件编号",
                   help="这些办件改为正式日历的日期（已打印回执而要提前的，须在此列出）")
    q.set_defaults(func=cmd_calendar_reconcile)


def _print_help(parser):
    def show(args) -> int:
        parser.print_help()
        return 1

    return show


def cmd_import(args) -> int:
    from models.service import io as tickets_io

    db = open_db(args)
    result = tickets_io.import_tickets(db, actor_of(args), args.file, good_rows_only=args.good_rows)
    out = sys.stderr if result["errors"] else sys.stdout
    print(tickets_io.summary(result), file=out)
    for line in result["errors"]:
        print(f"  {line}", file=out)
    if result["errors"] and args.failed_out:
        n = tickets_io.export_problems_xlsx(result, args.failed_out)
        print(f"有错的 {n} 行已另存到 {args.failed_out}（“错误原因”列说明了原因，改正后可再导入）。", file=out)
    return 1 if result["errors"] else 0


def cmd_export(args) -> int:
    from models.service.io import export_ledger

    db = open_db(args)
    if args.full_id:
        from cli import require_right

        require_right(args, "personal.export")
    n = export_ledger(db, args.out, args.date_from, args.date_to, mask_ids=not args.full_id, actor=actor_of(args))
    print(f"已导出 {n} 件办件到 {args.out}" + ("（身份证号完整，已记入审计日志）" if args.full_id else "（身份证号已打码）"))
    return 0


def cmd_template(args) -> int:
    from models.service import io as tickets_io

    db = open_db(args)
    print(f"已生成办件导入模板：{tickets_io.write_template(db, args.out)}")
    return 0


def cmd_list(args) -> int:
    from models.service import tickets

    db = open_db(args)
    f = tickets.TicketFilter(status=args.status, search=args.search, deadline="overdue" if args.overdue else "")
    total = tickets.count_tickets(db, f)
    for r in tickets.fetch_window(db, f, 0, args.limit, total):
        print(f"{r['ticket_no']}\t{r['received_date']}\t{r['kind']}\t{r['status']}\t限 {r['due_date']}\t"
              f"{r['applicant_name']}\t{r['item_name'] or r['department']}")
    print(f"共 {total} 件" + (f"，显示前 {args.limit} 件" if total > args.limit else ""))
    return 0


def cmd_stats(args) -> int:
    from models.service import tickets

    db = open_db(args)
    s = tickets.statistics(db, args.date_from, args.date_to)
    print(f"{s['date_from']} 至 {s['date_to']}：受理 {s['total']} 件，办结 {s['finished']} 件")
    print(f"按时办结率 {s['on_time_rate']:.1%}，平均办理 {s['avg_work_days'] or 0} 个工作日，"
          f"满意率 {s['satisfaction_rate']:.1%}（评价 {s['rated']} 件）")
    for title, key in (("按月", "by_month"), ("按部门", "by_department"), ("按渠道", "by_channel"), ("按类型", "by_kind")):
        print(f"{title}：" + "，".join(f"{k} {n}" for k, n in s[key]))
    return 0


def cmd_calendar_years(args) -> int:
    from models.service import reconcile, workdays

    db = open_db(args)
    print("正式日历：" + workdays.years_label(workdays.covered_years(db)))
    missing = workdays.missing_years(db)
    if missing:
        print(f"预估（按放假办法，无调休）：{workdays.provisional_label(missing)}")
    depending = workdays.provisional_dependents(db)
    if depending:
        print("依赖预估日期的未办结办件：" + "，".join(f"{y} 年 {n} 件" for y, n in depending.items()))
    waiting = reconcile.pending(db)
    if waiting:
        print(f"正式日历已到、待核对的预估承诺：{len(waiting)} 件（calendar reconcile）")
    return 0


def cmd_calendar_show(args) -> int:
    from models.service import workdays

    db = open_db(args)
    rows = workdays.special_days(db, args.year)
    if not rows:
        print(f"{args.year} 年不在工作日历中（{workdays.years_label(workdays.covered_years(db))}）。")
        return 1
    for r in rows:
        print(f"{r['date']}\t{r['weekday']}\t{'上班' if r['is_workday'] else '休息'}\t{r['name']}")
    return 0


def cmd_calendar_import(args) -> int:
    from models.service import workdays

    db = open_db(args)
    years = workdays.import_days(db, actor_of(args), workdays.read_calendar_file(args.file), source="county")
    print("已导入：" + "、".join(f"{y} 年" for y in years))
    return 0


def cmd_calendar_seed(args) -> int:
    from models.service import workdays

    db = open_db(args)
    years = workdays.seed_from_package(db, actor_of(args), args.years or None, replace=args.replace)
    print(("已写入：" + "、".join(f"{y} 年" for y in years)) if years else "没有需要补充的年份。")
    return 0


def cmd_calendar_notice(args) -> int:
    from pathlib import Path

    from models.core.errors import ValidationError
    from models.service import holiday_notice

    try:
        text = Path(args.file).read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as e:
        raise ValidationError("通知文件", f"读不了 {args.file}：{e}（应为 UTF-8 纯文本）。") from None
    db = open_db(args)
    parsed = holiday_notice.parse_notice(text, args.year)
    print(f"{parsed.year} 年：")
    for h in parsed.holidays:
        print(f"  {h.name}\t{h.first.isoformat()} 至 {h.last.isoformat()}\t{len(h.days)} 天\t（第 {h.line} 行）")
    for d, name, line in parsed.make_up:
        print(f"  调休上班\t{d.isoformat()}（{name}，第 {line} 行）")
    for note in parsed.notes:
        print("  注意：" + note)
    diff = holiday_notice.differences(db, parsed)
    for x in diff:
        print(f"  与已有日历不同：{x['date']} 现为{x['stored']}，通知为{x['notice']}")
    if args.check:
        return 0
    years = holiday_notice.save_notice(db, actor_of(args), parsed, replace=args.replace)
    print("已写入正式日历：" + "、".join(f"{y} 年" for y in years))
    return cmd_calendar_reconcile_list(db)


def cmd_calendar_reconcile_list(db) -> int:
    from models.service import reconcile

    rows = reconcile.pending(db)
    if rows:
        print(f"{len(rows)} 件未办结办件的预估承诺日期待核对（calendar reconcile --confirm）：")
    labels = {"later": "推后", "earlier": "提前", "same": "不变"}
    for r in rows:
        print(f"  {r['ticket_no']}\t{r['applicant_name']}\t{r['old_due']} → {r['new_due']}\t{labels[r['change']]}\t"
              f"{'回执已打印' if r['printed'] else '回执未打印'}\t默认{'调整' if r['default'] == reconcile.MOVE else '保留'}")
    return 0


def cmd_calendar_reconcile(args) -> int:
    from models.core.errors import ValidationError
    from models.service import reconcile

    db = open_db(args)
    if not args.confirm:
        return cmd_calendar_reconcile_list(db)
    by_no = {r["ticket_no"]: r["uuid"] for r in reconcile.pending(db)}
    decisions = {}
    for numbers, action in ((args.keep, reconcile.KEEP), (args.move, reconcile.MOVE)):
        for no in numbers:
            if no not in by_no:
                raise ValidationError("办件编号", f"{no} 不在待核对的办件中。")
            decisions[by_no[no]] = action
    c = reconcile.reconcile(db, actor_of(args), decisions)
    print(f"已核对：调整 {c['moved']} 件，保留原承诺 {c['kept']} 件，日期不变 {c['unchanged']} 件。")
    return 0
