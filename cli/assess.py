"""Subcommands of the assess domain: `main.py assess ACTION ...`."""

from __future__ import annotations

import sys
import time

from cli import actor_of, open_db
from models.assess.scorecard import PERIODS
from models.core.errors import ValidationError


def register(sub, common) -> None:
    """Add this domain's subcommands to the parser."""
    p = sub.add_parser("assess", parents=[common], help="考核：方案、评分、测评、结果、奖励")
    acts = p.add_subparsers(dest="assess_action", metavar="操作", required=True)

    a = acts.add_parser("plans", parents=[common], help="列出考核方案")
    a.set_defaults(func=cmd_plans)

    a = acts.add_parser("new-plan", parents=[common], help="新建年度方案（标准德能勤绩廉指标，或复制往年）")
    a.add_argument("--year", type=int, required=True)
    a.add_argument("--name", default="")
    a.add_argument("--copy-from", help="复制的方案（年度或编号）")
    a.add_argument("--missing-rule", help=MISSING_RULE_HELP + "；省略则用 设置 → 参数 中的默认（复制时沿用原方案）")
    a.set_defaults(func=cmd_new_plan)

    a = acts.add_parser("edit-plan", parents=[common], help="修改方案名称或指标无数据时的处理（改后重新计算该方案结果）")
    a.add_argument("--plan", required=True, help="方案年度或编号")
    a.add_argument("--name", help="新的方案名称")
    a.add_argument("--missing-rule", help=MISSING_RULE_HELP)
    a.set_defaults(func=cmd_edit_plan)

    a = acts.add_parser("tree", parents=[common], help="显示指标体系并检查分值合计")
    a.add_argument("--plan", required=True, help="方案年度或编号")
    a.add_argument("--category", help="类别名称（省略为全部）")
    a.set_defaults(func=cmd_tree)

    a = acts.add_parser("score", parents=[common], help="录入一项得分")
    _plan_period(a)
    a.add_argument("--person", required=True, help="考核对象姓名")
    a.add_argument("--item", required=True, help="指标名称")
    a.add_argument("--points", required=True, help="得分（一票否决项填 是/否；空字符串清除）")
    a.add_argument("--reason", default="")
    a.set_defaults(func=cmd_score)

    a = acts.add_parser("import-scores", parents=[common],
                        help="从 .xlsx 表格或制表符分隔文件导入一个类别的得分（表头：姓名 + 指标名称，"
                             "标题行、序号/职务/合计列可有），有错则全部不导入")
    _plan_period(a)
    a.add_argument("--category", required=True)
    a.add_argument("file")
    a.set_defaults(func=cmd_import_scores)

    a = acts.add_parser("export-scores", parents=[common],
                        help="把一个类别一个考核期的得分导出为 .xlsx（可改后用 import-scores 导回；没有得分时即空白得分表）")
    _plan_period(a)
    a.add_argument("--category", required=True)
    a.add_argument("file")
    a.set_defaults(func=cmd_export_scores)

    a = acts.add_parser("ballot", parents=[common], help="录入民主测评票数")
    _plan_period(a)
    a.add_argument("--person", required=True)
    a.add_argument("--group", required=True, choices=["leaders", "cadres", "public"],
                   help="leaders 班子成员 / cadres 干部 / public 群众代表")
    a.add_argument("--voters", type=int, required=True, help="参评人数")
    a.add_argument("--counts", required=True, help="优秀,称职,基本称职,不称职 票数，如 20,8,2,0")
    a.set_defaults(func=cmd_ballot)

    a = acts.add_parser("pull", parents=[common], help="从便民服务、干部流向取得得分")
    _plan_period(a)
    a.set_defaults(func=cmd_pull)

    a = acts.add_parser("recompute", parents=[common], help="重新计算考核结果（省略方案则全部）")
    a.add_argument("--plan")
    a.add_argument("--period", type=str.upper, choices=PERIOD_CODES, help=PERIOD_HELP + "；省略则全部")
    a.set_defaults(func=cmd_recompute)

    a = acts.add_parser("results", parents=[common], help="显示考核结果（排名、等次）")
    _plan_period(a)
    a.add_argument("--category")
    a.set_defaults(func=cmd_results)

    a = acts.add_parser("rewards", parents=[common], help="奖金分配和村干部补贴，可导出 .xlsx")
    a.add_argument("--plan", required=True)
    a.add_argument("--period", default="Y", type=str.upper, choices=PERIOD_CODES, help=PERIOD_HELP)
    a.add_argument("--pool", type=float, help="设定奖金总额（元）")
    a.add_argument("--xlsx", help="导出到此 .xlsx 文件")
    a.add_argument("--prize", help="记录本乡镇在县（市）目标绩效考核中的奖次：一等奖/二等奖/三等奖，空字符串为无")
    a.set_defaults(func=cmd_rewards)

    a = acts.add_parser("county-rewards", parents=[common],
                        help="县级汇总库：各乡镇村干部奖励部分并排对比，按统一曲线权衡，可导出 .xlsx")
    a.add_argument("--year", type=int, required=True)
    a.add_argument("--curve", help="设定统一曲线 得分:金额,…（如 600:0,800:700,1000:1400）")
    a.add_argument("--xlsx", help="导出到此 .xlsx 文件")
    a.set_defaults(func=cmd_county_rewards)

    a = acts.add_parser("past-grade", parents=[common], help="录入系统启用前的年度考核等次（用于连续优秀、三等功）")
    a.add_argument("--person", required=True, help="姓名（与考核对象同名时取其花名册编号）")
    a.add_argument("--year", type=int, required=True)
    a.add_argument("--grade", required=True, choices=["优秀", "称职", "基本称职", "不称职"])
    a.add_argument("--note", default="", help="依据，如“2024年度考核结果通知”")
    a.set_defaults(func=cmd_past_grade)

    a = acts.add_parser("ties", parents=[common], help="列出优秀名额线上的并列，或记录考核委员会的决定")
    _plan_period(a)
    a.add_argument("--choose", help="入选优秀的人，逗号分隔（须正好填满名额）")
    a.add_argument("--reason", default="", help="决定理由（记录时必填）")
    a.set_defaults(func=cmd_ties)


MISSING_RULE_HELP = ("指标无数据时：折算（其余指标按比例折算到满分）/ 默认分（给该指标的默认分）/ "
                     "手工评分（须手工评分，之前为待定）/ 计零（计 0 分并注明）")
# Periods as typed on the command line (q1 or Q1); anything else is refused by argparse, in Chinese.
PERIOD_CODES = tuple(PERIODS)
PERIOD_HELP = "Q1–Q4 季度，H1/H2 半年，Y 年度"


def _plan_period(parser) -> None:
    parser.add_argument("--plan", required=True, help="方案年度或编号")
    parser.add_argument("--period", required=True, type=str.upper, choices=PERIOD_CODES, help=PERIOD_HELP)


def _find_plan(db, key: str) -> dict:
    from models.assess import scorecard as assess
    from models.core import records

    key = (key or "").strip()
    if key.isdigit() and len(key) == 4:
        plan = assess.plan_for_year(db, int(key))
    else:
        plan = records.get(db, "assess_plans", key)
    if plan is None:
        raise ValidationError("考核方案", f"找不到“{key}”。用 `assess plans` 查看。")
    return plan


def _find_category(db, plan: dict, name: str) -> dict:
    from models.assess import scorecard as assess

    for cat in assess.categories(db, plan["uuid"]):
        if cat["name"] == name:
            return cat
    raise ValidationError("考核类别", f"方案中没有“{name}”。")


def _find_subject(db, plan: dict, name: str) -> dict:
    from models.core import records

    found = records.rows(db, "SELECT * FROM assess_subjects WHERE plan_uuid = ? AND person_name = ? AND deleted = 0",
                         [plan["uuid"], name])
    if not found:
        raise ValidationError("考核对象", f"方案中没有“{name}”。")
    if len(found) > 1:
        raise ValidationError("考核对象", f"方案中有 {len(found)} 个“{name}”，请在窗口中录入。")
    return found[0]


def _find_item(db, category_uuid: str, name: str) -> dict:
    from models.assess import scorecard as assess

    for it in assess.leaf_items(db, category_uuid):
        if it["name"] == name:
            return it
    raise ValidationError("考核指标", f"该类别没有可评分的指标“{name}”。")


def cmd_plans(args) -> int:
    from models.assess import scorecard as assess

    db = open_db(args)
    rows = assess.plans(db)
    if not rows:
        print("还没有考核方案。用 `assess new-plan --year 2026` 新建。")
    for p in rows:
        rule = assess.MISSING_RULES.get(p["missing_rule"], p["missing_rule"])
        print(f"{p['year']}\t{p['name']}\t考核期 {p['periods']}\t无数据时：{rule}\t{p['township_code']}\t{p['uuid']}")
    return 0


def cmd_new_plan(args) -> int:
    from models.assess import scorecard as assess
    from models.core import records

    db = open_db(args, create=True)
    if args.copy_from:
        source = _find_plan(db, args.copy_from)
        plan = assess.copy_plan(db, actor_of(args), source["uuid"], args.year, args.name,
                                missing_rule=args.missing_rule)
    else:
        plan = assess.create_plan(db, actor_of(args), args.year, args.name, missing_rule=args.missing_rule)
    rule = assess.MISSING_RULES[records.get_existing(db, "assess_plans", plan)["missing_rule"]]
    print(f"已建立方案：{plan}（指标无数据时：{rule}）")
    return 0


def cmd_edit_plan(args) -> int:
    from models.assess import results as assess_results
    from models.assess import scorecard as assess
    from models.core import records

    if args.name is None and args.missing_rule is None:
        raise ValidationError("修改方案", "请给出 --name 或 --missing-rule。")
    db = open_db(args)
    plan = _find_plan(db, args.plan)
    changes = assess_results.change_plan(db, actor_of(args), plan["uuid"], name=args.name,
                                         missing_rule=args.missing_rule)
    plan = records.get_existing(db, "assess_plans", plan["uuid"])
    if not changes:
        print(f"方案“{plan['name']}”没有变化。")
        return 0
    told = []
    if "name" in changes:
        told.append(f"名称改为“{plan['name']}”")
    if "missing_rule" in changes:
        told.append(f"指标无数据时改为：{assess.MISSING_RULES[plan['missing_rule']]}，已重新计算该方案的结果")
    print(f"方案已修改：{'；'.join(told)}。")
    return 0


def cmd_tree(args) -> int:
    from models.assess import scorecard as assess

    db = open_db(args)
    plan = _find_plan(db, args.plan)
    cats = [_find_category(db, plan, args.category)] if args.category else assess.categories(db, plan["uuid"])
    problems = []
    for cat in cats:
        print(f"【{cat['name']}】总分 {cat['total_points']:g}，加分上限 {cat['bonus_cap']:g}，扣分上限 {cat['deduction_cap']:g}")
        for it in assess.items(db, cat["uuid"]):
            source = f"（{assess.DERIVED_SOURCES[it['source']]}）" if it["source"] else ""
            points = "" if it["kind"] == "veto" else f" {it['max_points']:g}"
            print(f"{'  ' * (it['depth'] + 1)}{it['name']} [{assess.ITEM_KINDS[it['kind']]}]{points}{source}")
        problems += assess.tree_problems(db, cat["uuid"])
    for p in problems:
        print(f"错误：{p}")
    return 1 if problems else 0


def cmd_score(args) -> int:
    from models.assess import scorecard as assess

    db = open_db(args)
    plan = _find_plan(db, args.plan)
    subject = _find_subject(db, plan, args.person)
    item = _find_item(db, subject["category_uuid"], args.item)
    assess.set_score(db, actor_of(args), args.period, subject["uuid"], item["uuid"], args.points, args.reason)
    print(f"已录入：{subject['person_name']} {item['name']} {args.points}")
    return 0


def cmd_import_scores(args) -> int:
    from models.assess.score_sheet import import_score_sheet

    db = open_db(args)
    plan = _find_plan(db, args.plan)
    cat = _find_category(db, plan, args.category)
    n, changed = import_score_sheet(db, actor_of(args), cat["uuid"], args.period, args.file)
    print(f"已导入 {n} 项得分（{changed} 项有改动，其余与系统中相同）。")
    return 0


def cmd_export_scores(args) -> int:
    from models.assess.score_sheet import export_score_sheet

    db = open_db(args)
    plan = _find_plan(db, args.plan)
    cat = _find_category(db, plan, args.category)
    n, path = export_score_sheet(db, cat["uuid"], args.period, args.file, actor=actor_of(args))
    print(f"已导出 {n} 人的得分：{path}")
    return 0


def cmd_ballot(args) -> int:
    from models.assess import scorecard as assess

    db = open_db(args)
    plan = _find_plan(db, args.plan)
    subject = _find_subject(db, plan, args.person)
    try:
        counts = [int(x) for x in args.counts.replace("，", ",").split(",")]
    except ValueError:
        raise ValidationError("票数", "应为四个整数，用逗号分隔。") from None
    if len(counts) != 4:
        raise ValidationError("票数", "应为四个整数：优秀,称职,基本称职,不称职。")
    assess.set_ballot(db, actor_of(args), args.period, subject["uuid"], args.group, args.voters, *counts)
    print(f"已录入 {subject['person_name']} 的测评票。")
    return 0


def cmd_pull(args) -> int:
    from models.assess import scorecard as assess

    db = open_db(args)
    plan = _find_plan(db, args.plan)
    for line in assess.pull_derived_scores(db, actor_of(args), plan["uuid"], args.period):
        print(line)
    return 0


def cmd_recompute(args) -> int:
    from models.assess import results as assess_results

    db = open_db(args)
    plan = _find_plan(db, args.plan)["uuid"] if args.plan else None
    t0 = time.perf_counter()
    summary = assess_results.recompute(db, plan, args.period.upper() if args.period else None)
    print(f"已计算 {summary['count']} 条结果，用时 {(time.perf_counter() - t0) * 1000:.0f} 毫秒。")
    for w in summary["warnings"]:
        print(f"提醒：{w}")
    return 0


def cmd_results(args) -> int:
    from models.assess import results as assess_results

    db = open_db(args)
    plan = _find_plan(db, args.plan)
    cat = _find_category(db, plan, args.category)["uuid"] if args.category else None
    rows = assess_results.results(db, plan["uuid"], args.period.upper(), cat)
    if not rows:
        print(f"错误：{plan['year']} 年“{plan['name']}”{args.period} 还没有考核结果：请先运行 main.py assess recompute"
              f" --plan {args.plan} --period {args.period}。", file=sys.stderr)
        return 1
    print("类别\t名次\t姓名\t总分\t等次\t说明")
    for r in rows:
        notes = []
        if r["vetoed"]:
            notes.append(f"一票否决：{r['veto_items']}")
        if r["quota_cut"]:
            notes.append("超优秀比例，调为称职")
        if r["last_place"]:
            notes.append("末位")
        if r["missing"]:
            notes.append(r["missing"])
        if r["note"]:
            notes.append(r["note"])
        print(f"{r['category_name']}\t{r['rank']}\t{r['person_name']}\t{r['total']:g}\t{r['grade']}\t{'；'.join(notes)}")
    for w in assess_results.quota_warnings(db, plan["uuid"], args.period.upper()):
        print(f"提醒：{w}")
    return 0


def cmd_rewards(args) -> int:
    from models.assess import rewards

    db = open_db(args)
    plan = _find_plan(db, args.plan)
    if args.pool is not None:
        rewards.set_pool(db, actor_of(args), plan["uuid"], args.period, args.pool)
    if args.prize is not None:
        rewards.set_township_prize(db, actor_of(args), plan["uuid"], args.prize)
        plan = _find_plan(db, args.plan)
    honours = rewards.honours(db, plan["uuid"])
    if honours:
        print(f"【考核奖励和荣誉】{rewards.reward_rules_text(db, plan)}")
        for h in honours:
            merit = f"\t{h['merit']} {h['merit_amount']:g} 元" if h["merit"] else ""
            print(f"  {h['category']}\t{h['name']}\t{h['grade']}\t乡镇获奖 {h['prize_amount']:g}\t"
                  f"优秀 {h['excellent_amount']:g}{merit}\t合计 {h['total']:g} 元\t{h['note']}")
    for pool in rewards.pools(db, plan["uuid"]):
        print(f"【{pool['name']}】{pool['amount']:g} 元")
        for r in rewards.split_pool(db, plan["uuid"], pool["period"], pool["amount"], pool["category_uuid"]):
            print(f"  {r['category']}\t{r['name']}\t{r['total']:g}\t{r['grade']}\t{r['amount']} 元\t{r['note']}")
    subsidies = rewards.village_subsidies(db, plan["uuid"], args.period)
    if subsidies:
        print("【村干部补贴】")
        for r in subsidies:
            print(f"  {r['village']}\t{r['name']}\t{r['role_label']}\t标准 {r['full_amount']:g}\t"
                  f"基本 {r['basic_part']:g}\t奖励 {r['reward_paid']}\t合计 {r['total_paid']:g}")
    if args.xlsx:
        print(f"已导出：{rewards.export_xlsx(db, plan['uuid'], args.xlsx, args.period)}")
    return 0


def cmd_past_grade(args) -> int:
    from models.assess import rewards
    from models.core import records

    db = open_db(args)
    found = records.rows(db, "SELECT DISTINCT person_uuid FROM assess_subjects WHERE person_name = ? AND deleted = 0 "
                             "AND person_uuid IS NOT NULL", [args.person.strip()])
    if len(found) > 1:
        raise ValidationError("姓名", f"有 {len(found)} 个“{args.person}”，请在窗口中录入。")
    person_uuid = found[0]["person_uuid"] if found else None
    rewards.add_past_grade(db, actor_of(args), args.person, args.year, args.grade, person_uuid, args.note)
    print(f"已记录：{args.person} {args.year} 年度 {args.grade}")
    return 0


def cmd_ties(args) -> int:
    from models.assess import results as assess_results

    db = open_db(args)
    plan = _find_plan(db, args.plan)
    period = args.period.upper()
    ties = assess_results.pending_ties(db, plan["uuid"], period)
    if not args.choose:
        if not ties:
            print("没有待决定的并列。")
        for t in ties:
            print(f"{t['label']}：{'、'.join(t['names'])} 并列 {t['total']:g} 分，争 {t['slots']} 个优秀名额。")
        return 0
    if len(ties) != 1:
        raise ValidationError("并列", f"有 {len(ties)} 处并列待决定，请在窗口中逐处决定。" if ties else "没有待决定的并列。")
    tie = ties[0]
    by_name = dict(zip(tie["names"], tie["tied"], strict=True))
    wanted = [n.strip() for n in args.choose.replace("，", ",").split(",") if n.strip()]
    unknown = [n for n in wanted if n not in by_name]
    if unknown:
        raise ValidationError("入选人员", f"“{'、'.join(unknown)}”不在并列名单中。")
    assess_results.record_tiebreak(db, actor_of(args), plan["uuid"], period, tie["scope_key"],
                                   [by_name[n] for n in wanted], args.reason)
    print(f"已记录决定：{'、'.join(wanted)} 评为优秀。")
    return 0


def cmd_county_rewards(args) -> int:
    from models.assess import rewards

    db = open_db(args)
    if args.curve:
        rewards.set_county_curve(db, actor_of(args), args.curve)
    view = rewards.county_village_rewards(db, args.year)
    print("统一曲线：" + "、".join(f"{s:g}分→{a:g}元" for s, a in view["curve"]))
    print("乡镇\t人数\t平均得分\t乡镇自分合计\t统一曲线合计\t统一最低\t统一最高")
    for t in view["townships"]:
        print(f"{t['township']}\t{t['people']}\t{t['average_score']:g}\t{t['own_total']:g}\t{t['common_total']:g}\t"
              f"{t['common_min']:g}\t{t['common_max']:g}")
    if not view["townships"]:
        print(f"{args.year} 年没有村干部考核结果。")
    if args.xlsx:
        print(f"已导出：{rewards.export_county_xlsx(db, args.year, args.xlsx)}")
    return 0
