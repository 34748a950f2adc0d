"""Subcommands of the election domain (see cli/__init__.py).

    main.py election list
    main.py election create --term 8 --date 2026-06-01 --race 党委委员:committee:9:女 --race 党委书记:secretary:1
    main.py election show [--term 8]
    main.py election nominate --name 张三 --sex 男 --birth 1980-01-01   (or --cadre UUID)
    main.py election rec --unit 青石村 --members 20/18 --reps 10/8 --invalid 1 --votes 张三=25,李四=20
    main.py election shortlist --names 张三,李四
    main.py election candidates --race 党委委员 --names 张三,李四,...
    main.py election ballot --race 党委委员 --present 40 --returned 40 --invalid 2 --votes 张三=35,...
    main.py election results [--term 8]
    main.py election appoint [--term 8]
"""

from __future__ import annotations

from cli import actor_of, open_db
from models.core.errors import ValidationError


def register(sub, common) -> None:
    """Add this domain's subcommands to the parser."""
    # Importing the model registers the 三公开 notice kinds with `main.py notice`.
    import models.election.term  # noqa: F401

    p = sub.add_parser("election", parents=[common], help="换届选举：资格、两推、选举、结果")
    esub = p.add_subparsers(dest="election_command", metavar="操作", required=True)

    def add(name, help_text, func):
        q = esub.add_parser(name, parents=[common], help=help_text)
        q.set_defaults(func=func)
        if name not in ("list", "create"):
            q.add_argument("--term", type=int, help="届次（默认最近一次换届）")
        return q

    add("list", "列出换届", cmd_list)
    q = add("create", "新建换届（届次、日期、各职位应选名额）", cmd_create)
    q.add_argument("--term", type=int, required=True, help="届次")
    q.add_argument("--date", required=True, help="换届日期 2026-06-01")
    q.add_argument("--title", default="")
    q.add_argument("--rec-seats", type=int, default=0, help="两推每人可推荐人数（默认党委委员名额）")
    q.add_argument("--race", action="append", default=[],
                   help="职位:类别(committee/secretary/deputy/other):名额[:女]，可多次给出")
    q = add("link", "把选举职位关联到名册中的职务（生成新一届任职用）", cmd_link)
    q.add_argument("--race", required=True)
    q.add_argument("--post", required=True, help="名册中的职务名称（如 党委委员）")
    add("show", "显示报名人资格、两推和选举情况", cmd_show)
    q = add("nominate", "登记自荐报名", cmd_nominate)
    q.add_argument("--cadre", help="名册中的干部 uuid")
    q.add_argument("--name", default="")
    q.add_argument("--sex", default="")
    q.add_argument("--birth", help="出生日期")
    q.add_argument("--incumbent", action="store_true", help="现任班子成员（不在名册时）")
    q.add_argument("--post", default="", help="现任职务")
    q.add_argument("--intended", default="", help="报名职位")
    add("close", "自荐报名截止：未报名的现任班子成员登记为放弃（作弃权处理）", cmd_close)
    q = add("rec", "录入一个单位的两推计票单", cmd_rec)
    q.add_argument("--unit", required=True)
    q.add_argument("--kind", default="村")
    q.add_argument("--members", default="0/0", help="党员 应到/实到")
    q.add_argument("--reps", default="0/0", help="群众代表 应到/实到")
    q.add_argument("--invalid", type=int, default=0, help="无效票")
    q.add_argument("--votes", default="", help="姓名=票数,姓名=票数")
    q = add("rec-import", "从 CSV 导入各单位两推计票单（全部成功才保存）", cmd_rec_import)
    q.add_argument("file", help="CSV：单位,类别,应到党员,实到党员,应到群众代表,实到群众代表,无效票,姓名1,姓名2…")
    q = add("shortlist", "记录县（区）委确定的人选", cmd_shortlist)
    q.add_argument("--names", required=True, help="姓名,姓名")
    q = add("candidates", "设定某职位的候选人名单（检查差额）", cmd_candidates)
    q.add_argument("--race", required=True)
    q.add_argument("--names", required=True)
    q = add("ballot", "录入某职位下一轮的计票结果", cmd_ballot)
    q.add_argument("--race", required=True)
    q.add_argument("--expected", type=int, default=0, help="应到人数")
    q.add_argument("--present", type=int, required=True, help="实到人数")
    q.add_argument("--returned", type=int, help="收回选票（默认等于实到）")
    q.add_argument("--invalid", type=int, default=0)
    q.add_argument("--votes", required=True, help="姓名=票数,姓名=票数")
    add("results", "显示选举结果", cmd_results)
    add("appoint", "一步生成新一届任职（结束上届任职，保留历史）", cmd_appoint)


# ---- helpers -----------------------------------------------------------------

def _event(db, args) -> dict:
    from models.election import term as el

    evs = el.events(db)
    if not evs:
        raise ValidationError("换届", "还没有换届，请先用 election create 新建。")
    if getattr(args, "term", None) is None:
        return evs[0]
    for ev in evs:
        if ev["term_number"] == args.term:
            return ev
    raise ValidationError("届次", f"没有第 {args.term} 届的换届。")


def _nominee_keys(db, event_uuid: str) -> dict:
    from models.election import term as el

    by_name: dict[str, list] = {}
    for n in el.nominees(db, event_uuid):
        by_name.setdefault(n["name"], []).append(n["uuid"])
    return by_name


def _names_to_keys(db, event_uuid: str, names: list[str]) -> list[str]:
    by_name = _nominee_keys(db, event_uuid)
    out = []
    for name in names:
        keys = by_name.get(name)
        if not keys:
            raise ValidationError("姓名", f"报名人中没有“{name}”。")
        if len(keys) > 1:
            raise ValidationError("姓名", f"报名人中有 {len(keys)} 个“{name}”，请在窗口中操作。")
        out.append(keys[0])
    return out


def _split(text: str) -> list[str]:
    return [p.strip() for p in text.replace("，", ",").split(",") if p.strip()]


def _votes(db, event_uuid: str, text: str) -> dict:
    pairs = {}
    for part in _split(text):
        if "=" not in part:
            raise ValidationError("得票", f"“{part}”应写成 姓名=票数。")
        name, n = part.split("=", 1)
        try:
            pairs[name.strip()] = int(n)
        except ValueError:
            raise ValidationError("得票", f"“{part}”中的票数不是整数。") from None
    keys = _names_to_keys(db, event_uuid, list(pairs))
    return dict(zip(keys, pairs.values(), strict=True))


def _pair(text: str, label: str) -> tuple[int, int]:
    try:
        a, b = (int(x) for x in text.split("/"))
    except ValueError:
        raise ValidationError(label, "应写成 应到/实到，如 20/18。") from None
    return a, b


def _race(db, event_uuid: str, name: str) -> dict:
    from models.election import term as el

    for r in el.races(db, event_uuid):
        if r["name"] == name:
            return r
    raise ValidationError("职位", f"这次换届没有“{name}”。")


# ---- commands ----------------------------------------------------------------

def cmd_list(args) -> int:
    """List term-change events."""
    from models.election import term as el

    db = open_db(args)
    for ev in el.events(db):
        races = "、".join(f"{r['name']}{r['seats']}名" for r in el.races(db, ev["uuid"]))
        print(f"{el.term_label(ev['term_number'])}\t{ev['event_date']}\t{ev['status']}\t{ev['title']}\t{races}")
    return 0


def cmd_create(args) -> int:
    """Create an event with its races."""
    from models.election import term as el

    specs = []
    for text in args.race:
        parts = text.replace("：", ":").split(":")
        if len(parts) < 3:
            raise ValidationError("职位", f"“{text}”应写成 职位:类别:名额[:女]。")
        try:
            seats = int(parts[2])
        except ValueError:
            raise ValidationError("职位", f"“{text}”中的名额不是整数。") from None
        specs.append({"name": parts[0], "kind": parts[1], "seats": seats,
                      "woman_seat": len(parts) > 3 and parts[3] in ("女", "woman", "1")})
    db = open_db(args)
    el.create_event(db, actor_of(args), term_number=args.term, event_date=args.date, title=args.title,
                    rec_seats=args.rec_seats, races_spec=specs)
    print(f"已新建第 {args.term} 届换届。")
    return 0


def cmd_link(args) -> int:
    """Link a race to a roster post by the post's title."""
    from models.election import term as el

    db = open_db(args)
    ev = _event(db, args)
    race = _race(db, ev["uuid"], args.race)
    found = [k for (k,) in db.execute("SELECT uuid FROM posts WHERE title = ? AND deleted = 0", [args.post])]
    if len(found) != 1:
        raise ValidationError("职务", f"名册中名为“{args.post}”的职务有 {len(found)} 个，应恰好 1 个。")
    el.update_race(db, actor_of(args), race["uuid"], {"post_uuid": found[0]})
    print(f"已把“{race['name']}”关联到职务“{args.post}”。")
    return 0


def cmd_show(args) -> int:
    """Print nominees with eligibility, the 两推 ranking and candidate lists."""
    from models.election import term as el

    db = open_db(args)
    ev = _event(db, args)
    print(f"{ev['title']}（{el.term_label(ev['term_number'])}，{ev['event_date']}，{ev['status']}）")
    print("职位：" + "、".join(f"{r['name']} {r['seats']} 名（差额 {r['margin']}%）" for r in el.races(db, ev["uuid"])))
    print("报名人：")
    for n in el.nominees(db, ev["uuid"]):
        print(f"  {n['name']}\t{n['sex']}\t{n['age']}岁\t{'现任' if n['incumbent'] else '新进'}\t"
              f"{'符合' if n['eligible'] else '不符合'}：{n['eligibility_reason']}")
    rule = el.woman_rule(db, ev["uuid"])
    if rule["seat_held_open"]:
        print("  注意：符合条件的报名人中没有女干部，保留 1 个职位。")
    rec = el.recommendation(db, ev["uuid"])
    if rec["units"]:
        print(f"两推：{len(rec['units'])} 个单位，应到 {rec['eligible']} 人，实到 {rec['present']} 人，"
              f"参荐率 {rec['participation']:.1%}")
        for r in rec["ranking"]:
            print(f"  {r['rank']}\t{r['name']}\t{r['votes']} 票\t{r['share']:.1%}\t{'人选' if r['shortlisted'] else ''}")
    for r in el.races(db, ev["uuid"]):
        names = "、".join(c["name"] for c in el.candidates(db, r["uuid"]))
        print(f"{r['name']}候选人：{names or '（未定）'}")
    return 0


def cmd_nominate(args) -> int:
    """Record a self-nomination."""
    from models.election import term as el

    db = open_db(args)
    ev = _event(db, args)
    el.add_nominee(db, actor_of(args), ev["uuid"], cadre_uuid=args.cadre, name=args.name, sex=args.sex,
                   birth_date=args.birth, is_incumbent=args.incumbent, current_post=args.post,
                   intended=args.intended)
    print("已登记报名。")
    return 0


def cmd_rec(args) -> int:
    """Save one unit's 两推 tally sheet."""
    from models.election import term as el

    db = open_db(args)
    ev = _event(db, args)
    em, pm = _pair(args.members, "党员")
    er, pr = _pair(args.reps, "群众代表")
    existing = {u["name"]: u["uuid"] for u in el.rec_units(db, ev["uuid"])}
    el.save_rec_unit(db, actor_of(args), ev["uuid"], name=args.unit, kind=args.kind, eligible_members=em,
                     present_members=pm, eligible_reps=er, present_reps=pr, invalid_ballots=args.invalid,
                     votes=_votes(db, ev["uuid"], args.votes), unit_uuid=existing.get(args.unit))
    print(f"已保存“{args.unit}”的推荐票。")
    return 0


def cmd_rec_import(args) -> int:
    """Import 两推 tally sheets from a CSV file (UTF-8, with or without BOM)."""
    import csv
    from pathlib import Path

    from models.election import term as el

    path = Path(args.file)
    if not path.is_file():
        raise ValidationError("文件", f"“{path}”不存在。")
    try:
        with open(path, encoding="utf-8-sig", newline="") as f:
            rows = list(csv.DictReader(f))
    except UnicodeDecodeError:
        raise ValidationError("文件", "不是 UTF-8 编码的 CSV，请在表格软件中另存为“CSV UTF-8”。") from None
    db = open_db(args)
    ev = _event(db, args)
    n = el.import_rec_units(db, actor_of(args), ev["uuid"], rows)
    print(f"已导入 {n} 个单位的推荐票。")
    return 0


def cmd_shortlist(args) -> int:
    """Record the county's shortlist."""
    from models.election import term as el

    db = open_db(args)
    ev = _event(db, args)
    el.set_shortlist(db, actor_of(args), ev["uuid"], _names_to_keys(db, ev["uuid"], _split(args.names)))
    print("已记录确定的人选。")
    return 0


def cmd_candidates(args) -> int:
    """Set a race's candidate list."""
    from models.election import term as el

    db = open_db(args)
    ev = _event(db, args)
    race = _race(db, ev["uuid"], args.race)
    el.set_candidates(db, actor_of(args), race["uuid"], _names_to_keys(db, ev["uuid"], _split(args.names)))
    print(f"已设定{race['name']}候选人。")
    return 0


def cmd_close(args) -> int:
    """Close self-nomination; incumbents who did not nominate are withdrawn."""
    from models.election import term as el

    db = open_db(args)
    ev = _event(db, args)
    names = [c["name"] for c in el.incumbents_not_nominated(db, ev["uuid"])]
    count = el.close_nominations(db, actor_of(args), ev["uuid"])
    print(f"报名已截止。{count} 名现任班子成员未自荐报名，登记为放弃" + (f"：{'、'.join(names)}。" if names else "。"))
    return 0


def cmd_ballot(args) -> int:
    """Record the next ballot round of a race and print the outcome."""
    from models.election import term as el

    db = open_db(args)
    ev = _event(db, args)
    race = _race(db, ev["uuid"], args.race)
    el.record_round(db, actor_of(args), race["uuid"], expected=args.expected, present=args.present,
                    ballots_returned=args.present if args.returned is None else args.returned,
                    ballots_invalid=args.invalid, votes=_votes(db, ev["uuid"], args.votes))
    _print_race(el.race_result(db, race["uuid"]))
    return 0


def _print_race(res: dict) -> None:
    race = res["race"]
    extra = "（无女性候选人，保留 1 个职位）" if res["held_open_for_woman"] else ""
    print(f"{race['name']}：应选 {res['seats']} 名{extra}")
    for step in res["steps"]:
        r = step["result"]
        expected = f"应到 {step['expected']} 人，" if step["expected"] else ""
        print(f"  第 {step['round_no']} 轮，{expected}实到 {step['present']} 人，有效票 {step['valid']} 张，"
              f"无效票 {step['invalid']} 张，当选至少需 {step['need']} 票（超过{step['majority_of']}人数半数）")
        for key, votes in sorted(step["votes"].items(), key=lambda kv: -kv[1]):
            outcome = "当选" if key in r.elected else ("票数相同" if key in r.tied else "")
            print(f"    {res['names'].get(key, key)}\t{votes}\t{outcome}")
    print(f"  当选：{'、'.join(res['elected_names']) or '（无）'}")
    if res["woman_rule_unmet"]:
        print("  当选人中没有女干部（得票过半者均已当选，不因女干部职位而落选）")
    if res["open_seats"]:
        pool = "、".join(res["names"].get(k, k) for k in res["runoff_pool"])
        print(f"  尚缺 {res['open_seats']} 名，另行选举候选人：{pool}")


def cmd_results(args) -> int:
    """Print every race's result."""
    from models.election import term as el

    db = open_db(args)
    ev = _event(db, args)
    for res in el.results(db, ev["uuid"]):
        _print_race(res)
    return 0


def cmd_appoint(args) -> int:
    """Create the new term's appointments."""
    from models.election import term as el

    db = open_db(args)
    ev = _event(db, args)
    counts = el.create_term_appointments(db, actor_of(args), ev["uuid"])
    print(f"已生成新一届任职 {counts['created']} 条，结束上届任职 {counts['ended']} 条。")
    return 0
