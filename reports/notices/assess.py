"""Notices printed from the assessment: 考核结果公示, 补贴/奖励公示, 目标承诺公示
and 督办通知单."""

from __future__ import annotations

from typing import TYPE_CHECKING

from reports.layout import Column, cn_date
from reports.notices.common import new_document, period_and_phone
from reports.notices.service import _cn_index

if TYPE_CHECKING:  # annotations only
    from models.assess.results import NoticeResultRow
    from models.notices.contracts import (AssessResultsNotice, CommitmentsNotice, CountyRewardsNotice, RewardsNotice,
                                          SupervisionNotice)


def _num(value, digits: int = 2) -> str:
    if value is None or value == "":
        return "—"
    try:
        v = float(value)
    except (TypeError, ValueError):
        return str(value)
    # Fixed decimals, so a column of scores or amounts lines up (815.20 under 897.83).
    return f"{v:,.{digits}f}"


def _titled(data: AssessResultsNotice | RewardsNotice | CommitmentsNotice) -> str:
    """The notice title with the township's name in front (a sheet on a board must say whose it is)."""
    township = data["office"]["township"]
    title = data["title"]
    return title if not township or township in title else f"{township}{title}"


def render_results(data: AssessResultsNotice, serial: str = "", paper: str = "a4", progress=None) -> bytes:
    """考核结果公示: per category, rank, name, village, total and grade."""
    office = data["office"]
    doc = new_document(data, _titled(data), serial, paper)
    plan = f"《{data['plan_name']}》" if data["plan_name"] else f"{data['year']}年度干部考核方案"
    doc.paragraph(f"根据{plan}，经考核办计分、民主测评和党委审定，"
                  f"现将{data['period_label']}考核结果公示如下：")
    categories: dict[str, list[NoticeResultRow]] = {}
    for r in data["rows"]:
        categories.setdefault(r["category"] or "考核对象", []).append(r)
    for i, (name, rows) in enumerate(categories.items(), 1):
        doc.paragraph(f"{_cn_index(i)}、{name}", "h1")
        table = []
        for r in rows:
            notes = []
            if r["vetoed"]:
                notes.append("一票否决" + (f"（{r['veto_items']}）" if r["veto_items"] else ""))
            if r["last_place"]:
                notes.append("末位")
            if r["missing"]:
                notes.append(r["missing"])
            table.append([str(r["rank"] or ""), r["name"], r["village"] or "—", _num(r["total"]),
                          r["grade"] or "—", "；".join(notes)])
        doc.table([Column("名次", 0.8), Column("姓名", 1.2), Column("所在村/单位", 1.8), Column("总分", 1.1),
                   Column("等次", 1.1), Column("备注", 2.0, "LEFT")], table, font_size=12)
    if data["missing_rule_label"] and any(r["missing"] for r in data["rows"]):
        doc.paragraph(f"个别指标无数据（如无群众评价）的，按本方案规定处理：{data['missing_rule_label']}，已在备注中注明。",
                      "body")
    doc.paragraph("被考核人对结果有异议的，可在公示期内向考核办提出书面申诉。", "body")
    period_and_phone(doc, data, "")
    doc.closing([office["party"], office["government"]], data["date"])
    return doc.build(progress)


def render_rewards(data: RewardsNotice, serial: str = "", paper: str = "a4", progress=None) -> bytes:
    """补贴/奖励公示: reward pools split by score, then the village cadre subsidies."""
    office = data["office"]
    doc = new_document(data, _titled(data), serial, paper)
    doc.paragraph(f"根据{data['year']}年度考核结果和奖励、补贴办法，现将拟发放的考核奖励和村干部补贴公示如下，"
                  "公示无异议后发放。金额单位：元。")
    n = 0
    honours = data["honours"]
    if honours:
        n += 1
        doc.paragraph(f"{_cn_index(n)}、考核奖励和荣誉", "h1")
        if data["reward_rules"]:
            doc.paragraph(data["reward_rules"])
        rows = [[h["name"], h["category"] or "—", h["grade"] or "—", _num(h["prize_amount"]),
                 _num(h["excellent_amount"]), h["merit"] or "—", _num(h["merit_amount"]), _num(h["total"]),
                 h["note"] or ""] for h in honours]
        doc.table([Column("姓名", 1.0), Column("类别", 1.5), Column("等次", 0.9), Column("获奖乡镇奖励", 1.2, "RIGHT"),
                   Column("优秀奖励", 1.0, "RIGHT"), Column("荣誉", 0.9), Column("三等功奖励", 1.1, "RIGHT"),
                   Column("合计", 1.0, "RIGHT"), Column("说明", 2.2, "LEFT")], rows, font_size=10)
    for pool in data["pools"]:
        n += 1
        doc.paragraph(f"{_cn_index(n)}、{pool['name']}（总额 {_num(pool['amount'])} 元）", "h1")
        rows = [[r["name"], r["category"] or "—", _num(r["total"]), r["grade"] or "—", _num(r["amount"])]
                for r in pool["rows"]]
        doc.table([Column("姓名", 1.2), Column("类别", 2.0), Column("考核得分", 1.2), Column("等次", 1.0),
                   Column("奖励金额", 1.3, "RIGHT")], rows, font_size=12)
    if data["subsidies"]:
        n += 1
        doc.paragraph(f"{_cn_index(n)}、村干部补贴", "h1")
        rows = [[s["village"], str(s["households"] or ""), s["name"], s["role_label"] or "",
                 _num(s["full_amount"]), _num(s["basic_part"]), _num(s["reward_part"]), _num(s["score"]),
                 _num(s["reward_paid"]), _num(s["total_paid"])] for s in data["subsidies"]]
        doc.table([Column("村", 1.2), Column("户数", 0.8), Column("姓名", 1.0), Column("职务", 1.0),
                   Column("年补贴标准", 1.2, "RIGHT"), Column("基本补贴", 1.1, "RIGHT"), Column("奖励部分", 1.1, "RIGHT"),
                   Column("考核得分", 1.0, "RIGHT"), Column("奖励发放", 1.1, "RIGHT"), Column("合计发放", 1.1, "RIGHT")],
                  rows, font_size=9.5)
    period_and_phone(doc, data, "对公示内容有异议的，请在公示期内向镇考核办反映。")
    doc.closing([office["party"], office["government"]], data["date"])
    return doc.build(progress)


def render_county_rewards(data: CountyRewardsNotice, serial: str = "", paper: str = "a4", progress=None) -> bytes:
    """村干部奖励补贴统一权衡 (county): the townships side by side, then every person's amount."""
    office = data["office"]
    doc = new_document(data, data["title"], serial, paper)
    doc.paragraph(f"根据{data['year']}年度各乡镇村干部年终目标考核结果，为避免乡镇之间标准不一，"
                  f"经统一权衡，现将村干部奖励补贴公示如下，公示无异议后发放。金额单位：元。")
    doc.paragraph(data["curve_text"])
    doc.paragraph("一、各乡镇对比", "h1")
    doc.table([Column("乡镇", 1.4), Column("人数", 0.7, "RIGHT"), Column("平均得分", 1.0, "RIGHT"),
               Column("乡镇自分合计", 1.3, "RIGHT"), Column("统一后合计", 1.3, "RIGHT"), Column("统一后最低", 1.1, "RIGHT"),
               Column("统一后最高", 1.1, "RIGHT")],
              [[t["township"], str(t["people"]), _num(t["average_score"]), _num(t["own_total"]), _num(t["common_total"]),
                _num(t["common_min"]), _num(t["common_max"])] for t in data["townships"]], font_size=11)
    doc.paragraph("二、人员明细", "h1")
    doc.table([Column("乡镇", 1.2), Column("村", 1.1), Column("姓名", 1.0), Column("职务", 1.1),
               Column("考核得分", 1.0, "RIGHT"), Column("等次", 0.9), Column("奖励补贴", 1.1, "RIGHT")],
              [[p["township"], p["village"], p["name"], p["role_label"], _num(p["score"]), p["grade"] or "—",
                _num(p["common"])] for p in data["people"]], font_size=10)
    period_and_phone(doc, data, "对公示内容有异议的，请在公示期内向县（市）委组织部反映。")
    doc.closing([office["party"], office["government"]], data["date"])
    return doc.build(progress)


def render_commitments(data: CommitmentsNotice, serial: str = "", paper: str = "a4-landscape", progress=None) -> bytes:
    """目标承诺公示: owner, target, measures, deadline and quarterly plan."""
    office = data["office"]
    doc = new_document(data, _titled(data), serial, paper)
    doc.paragraph("为推行目标管理责任制，接受群众监督，现将各责任主体签订的目标责任和公开承诺公示如下：")
    rows = []
    for r in data["rows"]:
        quarters = r["quarters"] or ["", "", "", ""]
        rows.append([r["owner"], r["content"], r["measure"] or "—", (r["deadline"] or "—")[:10],
                     *[q or "—" for q in quarters], (r["signed_on"] or "—")[:10]])
    doc.table([Column("责任主体", 1.2), Column("目标内容", 2.5, "LEFT"), Column("主要措施", 2.2, "LEFT"),
               Column("完成时限", 1.4), Column("一季度", 1.0, "LEFT"), Column("二季度", 1.0, "LEFT"),
               Column("三季度", 1.0, "LEFT"), Column("四季度", 1.0, "LEFT"), Column("签订日期", 1.4)],
              rows, font_size=10.5)
    period_and_phone(doc, data, "欢迎广大群众对目标落实情况进行监督。")
    doc.closing([office["party"], office["government"]], data["date"])
    return doc.build(progress)


def render_supervision(data: SupervisionNotice, serial: str = "", paper: str = "a4", progress=None) -> bytes:
    """督办通知单: one page per unmet target, with a box for the rectification report."""
    office = data["office"]
    doc = new_document(data, "督办通知单", serial, paper)
    for i, s in enumerate(data["sheets"]):
        if i:
            doc.page_break()
            doc.title_block("督办通知单")
        if s["notice_no"]:
            doc.paragraph(f"督办编号：{s['notice_no']}", "center")
        doc.paragraph(f"{s['owner']}：", "plain")
        finding = f"（{s['finding'].rstrip('。；;.')}）" if s["finding"] else ""
        recheck = f"请于{cn_date(s['recheck_date'])}前整改到位，届时考核办将进行复查。" if s["recheck_date"] else \
            "请抓紧整改，考核办将适时复查。"
        doc.paragraph(f"经{cn_date(s['check_date']) or '近期'}检查，你承诺的目标“{s['content']}”未达标{finding}。"
                      f"{recheck}整改情况请书面报考核办。")
        rows = [["目标内容", s["content"]], ["主要措施", s["measure"] or "—"],
                ["完成时限", cn_date(s["deadline"]) or "—"], ["检查日期", cn_date(s["check_date"]) or "—"],
                ["检查人", s["checker"] or "—"], ["检查情况", s["finding"] or "—"],
                ["复查日期", cn_date(s["recheck_date"]) or "—"]]
        history = "；".join(f"{cn_date(h['date'])} {h['result']}" for h in s["history"] if h["date"])
        if history:
            rows.append(["检查记录", history])
        rows.append(["整改情况\n（责任人填写）", "\n\n\n\n"])
        doc.table([Column("项目", 1.2), Column("内容", 4.8, "LEFT")], rows, font_size=12)
        doc.closing(s["issuer"] or office["assess_office"], data["date"])
        if progress:
            progress(i + 1, len(data["sheets"]))
    return doc.build()
