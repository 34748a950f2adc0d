"""Subcommands of the roster domain (see cli/__init__.py):

    python main.py roster import FILE... --db PATH
    python main.py roster export --format xlsx|lrmx --out PATH --db PATH
    python main.py roster list [--search TEXT] --db PATH
    python main.py roster team --db PATH
    python main.py roster check --db PATH
    python main.py roster stats [--date YYYY-MM-DD] --db PATH
    python main.py roster rules [--preset 7-11|9-11 [--quota N]] --db PATH
    python main.py roster form --name NAME [--name NAME…] --out FILE.pdf --db PATH
"""

from __future__ import annotations

import sys
from pathlib import Path

from cli import actor_of, open_db
from models.roster.sources import PRESET_ARGS, PRESET_NAMES


def register(sub, common) -> None:
    """Add this domain's subcommands to the parser."""
    p = sub.add_parser("roster", parents=[common], help="领导班子和干部名册：导入、导出、查看、规则检查")
    rs = p.add_subparsers(dest="roster_command", metavar="操作")
    rs.required = True

    q = rs.add_parser("import", parents=[common], help="导入 .xlsx 名册或 .lrmx 干部任免审批表（有错时不导入，除非 --good-rows）")
    q.add_argument("files", nargs="+", metavar="FILE")
    q.add_argument("--header-row", type=int, default=None, help="表头在第几行（默认自动识别标题行下面的表头）")
    q.add_argument("--good-rows", action="store_true", help="有错的行列出并跳过，只导入无误的行")
    q.add_argument("--failed-out", default="", help="把有错的行（加“错误原因”列）另存为这个 .xlsx，改正后可再导入")
    q.add_argument("--add-values", action="store_true", help="把不在参考列表中的职级、编制值加入列表")
    q.set_defaults(func=cmd_import)

    q = rs.add_parser("template", parents=[common], help="下载名册导入模板 .xlsx（表头、示例行、下拉选项、说明）")
    q.add_argument("--out", required=True)
    q.set_defaults(func=cmd_template)

    q = rs.add_parser("export", parents=[common], help="导出名册为 .xlsx 或 .lrmx")
    q.add_argument("--format", choices=["xlsx", "lrmx"], default="xlsx")
    q.add_argument("--out", required=True, help=".xlsx 文件路径，或存放 .lrmx 的文件夹")
    q.add_argument("--include-left", action="store_true", help="包括已离任干部")
    q.set_defaults(func=cmd_export)

    q = rs.add_parser("list", parents=[common], help="列出干部（可按姓名、拼音首字母、职务、村搜索）")
    q.add_argument("--search", default="")
    q.add_argument("--limit", type=int, default=100)
    q.set_defaults(func=cmd_list)

    q = rs.add_parser("team", parents=[common], help="列出领导班子及交叉任职、分工")
    q.set_defaults(func=cmd_team)

    q = rs.add_parser("check", parents=[common], help="领导班子规则检查")
    q.set_defaults(func=cmd_check)

    q = rs.add_parser("stats", parents=[common], help="干部队伍结构统计")
    q.add_argument("--date", default="", help="年龄计算基准日（默认今天）")
    q.set_defaults(func=cmd_stats)

    q = rs.add_parser("form", parents=[common], help="打印干部任免审批表（PDF，每人两页）")
    q.add_argument("--name", action="append", default=[], help="干部姓名（可多次给出）")
    q.add_argument("--proposed", action="store_true", help="所有填写了拟任职务的干部")
    q.add_argument("--date", default="", help="填表日期（默认今天，用于计算年龄）")
    q.add_argument("--out", required=True, help="PDF 文件路径")
    q.set_defaults(func=cmd_form)

    q = rs.add_parser("rules", parents=[common], help="班子配备与提名资格规则：查看，或套用一套调研报告中的规则")
    # The presets by their seat range (the seed keys 000/002 of older scripts still work, unlisted).
    q.add_argument("--preset", choices=list(PRESET_ARGS), metavar="7-11|9-11",
                   help="套用这套规则（写入全部相关设置）：" + "；".join(
                       f"{arg} = {PRESET_NAMES[key]}" for arg, key in PRESET_ARGS.items() if "-" in arg))
    q.add_argument("--quota", type=int, help="套用时的班子职数（须在这套规则的范围内）")
    q.add_argument("--send", action="store_true", help="县级汇总库：把现用规则放入下次导出的参考数据包，下发各乡镇")
    q.set_defaults(func=cmd_rules)


def cmd_import(args) -> int:
    from models.roster import io as roster_io
    from models.roster import vocab

    db = open_db(args)
    missing = [f for f in args.files if not Path(f).exists()]
    for f in missing:
        print(f"错误：文件“{f}”不存在。", file=sys.stderr)
    files = [f for f in args.files if f not in missing]
    actor = actor_of(args)
    result = roster_io.import_files(db, actor, files, header_row=args.header_row, good_rows_only=args.good_rows)
    print(result.summary())
    for where, message in result.errors:
        print(f"  {where}：{message}")
    if result.problems and args.failed_out:
        n = roster_io.export_problems_xlsx(result, args.failed_out)
        print(f"有错的 {n} 行已另存到 {args.failed_out}（“错误原因”列说明了原因，改正后可再导入）。")
    if args.add_values and not result.rolled_back:
        for field, counts in result.new_values.items():
            added = vocab.add_values(db, actor, field, list(counts))
            if added:
                print(f"已把 {'、'.join(added)} 加入{vocab.KINDS[field]}参考列表。")
    return 1 if (result.errors or missing) else 0


def cmd_template(args) -> int:
    from models.roster import io as roster_io

    db = open_db(args)
    print(f"已生成名册导入模板：{roster_io.write_template(db, args.out)}")
    return 0


def cmd_export(args) -> int:
    from models.roster import io as roster_io

    db = open_db(args)
    # The roster carries full ID numbers and phones.
    from cli import require_right

    require_right(args, "personal.export")
    if args.format == "xlsx":
        n, out = roster_io.export_roster(db, actor_of(args), args.out, "xlsx", include_left=args.include_left)
        print(f"已导出 {n} 人到 {out}")
    else:
        n, out = roster_io.export_roster(db, actor_of(args), args.out, "lrmx", include_left=args.include_left)
        print(f"已导出 {n} 份 .lrmx 到 {out}")
    return 0


def cmd_list(args) -> int:
    from models.roster import team as roster

    db = open_db(args)
    rows = roster.search_cadres(db, args.search, limit=args.limit)
    for r in rows:
        print(f"{r['name']}\t{r['sex'] or ''}\t{r['birth_date'] or ''}\t{r['posts'] or ''}\t{r['office'] or ''}")
    print(f"共 {roster.count_cadres(db, args.search)} 人")
    return 0


def cmd_team(args) -> int:
    from models.roster import team as roster

    db = open_db(args)
    for m in roster.division_of_duties(db):
        print(f"{m['name']}\t{m['posts']}")
        if m["duty_areas"]:
            print(f"    分管：{'、'.join(m['duty_areas'])}")
        if m["villages"]:
            print(f"    联系村：{'、'.join(m['villages'])}")
        if m["contact_points"]:
            print(f"    联系点：{'、'.join(m['contact_points'])}")
    return 0


def cmd_check(args) -> int:
    from models.roster import rules as roster_rules

    db = open_db(args)
    findings = roster_rules.check(db)
    for f in findings:
        print(f"[{'错误' if f['level'] == 'error' else '提醒'}] {f['text']}")
    print("规则检查：没有问题。" if not findings else f"规则检查：{len(findings)} 条提醒。")
    return 0


def cmd_stats(args) -> int:
    from models.roster import stats as roster_stats
    from models.core.personal import parse_date

    db = open_db(args)
    ref = parse_date(args.date, "基准日") if args.date else None
    for label, value in roster_stats.structure_lines(roster_stats.structure(db, ref_date=ref)):
        print(f"{label}：{value}")
    return 0


def cmd_rules(args) -> int:
    from models.core import settings
    from models.roster import rules as roster_rules

    db = open_db(args)
    if args.preset:
        preset = PRESET_ARGS[args.preset]
        roster_rules.apply_preset(db, actor_of(args), preset, args.quota)
        print(f"已套用规则：{roster_rules.PRESETS[preset]['label']}")
    elif args.quota is not None:
        print("错误：--quota 须与 --preset 一起给出。", file=sys.stderr)
        return 2
    if args.send:
        n = roster_rules.send_county_rules(db, actor_of(args))
        print(f"已将 {n} 项班子配备与提名资格规则放入参考数据包（下次 export 时下发各乡镇）。")
    keys = [k for k in roster_rules.PRESETS["000"] if k != "label"] + ["roster.finance_area_kinds", "roster.max_duties"]
    for key in keys:
        print(f"{settings.DEFAULTS[key][1]}：{settings.get(db, key)}")
    return 0


def cmd_form(args) -> int:
    from models.core.errors import ValidationError
    from models.core.personal import parse_date
    from models.roster import team as roster
    from reports.notices.roster import render_appointment_form

    db = open_db(args)
    on = parse_date(args.date, "填表日期") if args.date else None
    chosen = []
    for name in args.name:
        hits = [c for c in roster.list_cadres(db, include_left=True) if c["name"] == name]
        if not hits:
            raise ValidationError("干部姓名", f"名册中没有“{name}”。")
        if len(hits) > 1:
            raise ValidationError("干部姓名", f"名册中有 {len(hits)} 个“{name}”，请在窗口中选中后打印。")
        chosen.append(hits[0]["uuid"])
    if args.proposed:
        chosen += [p["uuid"] for p in roster.pre_appointment_list(db) if p["uuid"] not in chosen]
    if not chosen:
        raise ValidationError("干部", "请用 --name 给出干部姓名，或用 --proposed 打印所有拟任人选。")
    pdf = render_appointment_form([roster.appointment_form(db, key, on) for key in chosen])
    Path(args.out).write_bytes(pdf)
    print(f"已生成干部任免审批表 {len(chosen)} 人（{2 * len(chosen)} 页）：{args.out}")
    return 0
