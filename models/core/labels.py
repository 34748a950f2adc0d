"""What a person reads instead of the program's internal names: tables, audit actions, and a record
named by what it is (a ticket's number, a cadre's name) rather than by its UUID."""

from __future__ import annotations

import datetime as dt
import json

from typing import TYPE_CHECKING

if TYPE_CHECKING:  # annotations only
    from sqlite_utils import Database

TABLE_LABELS = {
    "townships": "乡镇", "villages": "村（社区）", "offices": "机构", "users": "用户", "settings": "参数",
    "workdays": "工作日历",
    "cadres": "干部", "organs": "机关", "posts": "职务", "appointments": "任职", "duty_areas": "分管领域",
    "duty_assignments": "分工", "village_liaisons": "驻村联村", "village_officials": "村干部",
    "contact_points": "联系点", "whereabouts": "干部去向", "family_members": "家庭成员", "leave_requests": "请销假",
    "tickets": "办件", "ticket_events": "办理经过", "ticket_rectifications": "差评整改", "service_items": "服务事项",
    "service_duty": "值班长", "service_days": "集中办理日",
    "assess_plans": "考核方案", "assess_categories": "考核类别", "assess_items": "考核指标",
    "assess_subjects": "考核对象", "assess_scores": "评分", "assess_ballots": "民主测评", "assess_targets": "目标任务",
    "assess_target_checks": "目标核查", "assess_appeals": "申诉", "assess_reward_pools": "奖金池",
    "assess_results": "考核结果", "assess_vetoes": "一票否决", "assess_decisions": "考核办决定",
    "election_events": "换届", "election_races": "选举职位", "election_nominees": "提名人选",
    "election_candidates": "候选人", "election_rec_units": "推荐单位", "election_rec_votes": "推荐票",
    "election_rounds": "选举轮次", "election_round_votes": "选举票",
    "assess_composed": "考核合成分", "assess_item_cells": "指标得分", "assess_past_grades": "往年等次",
    "assess_score_sums": "评分合计", "assess_tiebreaks": "并列决定", "county_rules": "全县规则",
    "notice_snapshots": "公示存档", "audit_log": "审计日志", "audit_head": "审计日志",
    "row_seals": "记录封记", "audit_sent": "已发出的审计日志结尾", "audit_witness": "县里见证的审计日志结尾",
    "signing_key": "本库签名密钥", "township_keys": "乡镇签名公钥",
    "change_counter": "变更计数", "tickets_fts_pending": "搜索索引",
    "ticket_month_received": "办件月统计", "ticket_month_finished": "办结月统计",
    "ticket_day_received": "办件日统计", "ticket_day_finished": "办结日统计",
    "notices": "公示", "handoff_packages": "数据包", "handoff_conflicts": "冲突", "handoff_acks": "回执",
}

ACTION_LABELS = {
    "insert": "新增", "update": "修改", "delete": "删除", "setting": "修改参数", "bulk-insert": "批量导入",
    "seed": "初始化", "login": "登录", "login-failed": "登录失败", "logout": "注销", "export": "导出",
    "import": "导入", "restore": "恢复备份", "backup": "备份", "merge": "合并数据包",
    "bulk-seal": "批量封记", "key-create": "生成签名密钥", "key-register": "登记乡镇公钥", "key-revoke": "撤销乡镇公钥",
    "audit-witness-warning": "审计日志核对警告", "password": "修改密码",
}

# The columns that name a record of each table for a person.
NAME_COLUMNS: dict[str, tuple[str, ...] | str] = {
    "tickets": ("ticket_no", "applicant_name"), "cadres": "name", "villages": "name", "offices": "name",
    "organs": "name", "posts": "title", "duty_areas": "name", "service_items": "name", "users": "username",
    "assess_plans": "name", "assess_categories": "name", "assess_items": "name", "assess_reward_pools": "name",
    "election_events": "title", "election_races": "name", "election_nominees": "name",
    "election_rec_units": "name", "village_officials": "name", "contact_points": "name", "notices": "title",
    "townships": "name",
}

# Settings the program keeps for itself (not in 设置), named for the audit page.
INTERNAL_SETTINGS = {"demo_database": "演示数据标记"}

# Records that have no name of their own are named by what they belong to (alias t):
# a score by its person and indicator, a vote by its nominee, a whereabouts entry by its cadre and day.
_CADRE = "(SELECT name FROM cadres c WHERE c.uuid = t.cadre_uuid)"
_SUBJECT = "(SELECT person_name FROM assess_subjects s WHERE s.uuid = t.subject_uuid)"
_NOMINEE = "(SELECT name FROM election_nominees n WHERE n.uuid = t.nominee_uuid)"
_TICKET = "(SELECT ticket_no FROM tickets k WHERE k.uuid = t.ticket_uuid)"
OWNER_NAMES: dict[str, tuple[str, ...]] = {
    "appointments": (_CADRE, "(SELECT title FROM posts p WHERE p.uuid = t.post_uuid)"),
    "assess_subjects": ("t.person_name",),
    "assess_scores": (_SUBJECT, "(SELECT name FROM assess_items i WHERE i.uuid = t.item_uuid)", "t.period"),
    "assess_ballots": (_SUBJECT, "t.period"),
    "assess_appeals": (_SUBJECT, "t.period"),
    "assess_past_grades": ("t.person_name", "t.year"),
    "assess_targets": ("t.owner_name", "t.content"),
    "assess_target_checks": ("(SELECT content FROM assess_targets g WHERE g.uuid = t.target_uuid)", "t.check_date"),
    "duty_assignments": ("(SELECT name FROM duty_areas a WHERE a.uuid = t.area_uuid)", _CADRE),
    "village_liaisons": ("(SELECT name FROM villages v WHERE v.uuid = t.village_uuid)", _CADRE),
    "whereabouts": (_CADRE, "t.date"),
    "leave_requests": (_CADRE, "t.start_date"),
    "service_duty": ("t.duty_date", "t.chief_name"),
    "service_days": ("'周' || substr('一二三四五六日', t.weekday + 1, 1)", "t.place"),
    "ticket_events": (_TICKET,),
    "ticket_rectifications": (_TICKET,),
    "election_candidates": (_NOMINEE,),
    "election_rec_votes": ("(SELECT name FROM election_rec_units u WHERE u.uuid = t.unit_uuid)", _NOMINEE),
    "election_round_votes": (_NOMINEE, "(SELECT '第' || round_no || '轮' FROM election_rounds r "
                                       "WHERE r.uuid = t.round_uuid)"),
    "election_rounds": ("(SELECT name FROM election_races e WHERE e.uuid = t.race_uuid)", "'第' || t.round_no || '轮'"),
}


def table_label(table: str) -> str:
    """The Chinese name of a table; an unknown table is shown as it is, marked, so it gets a label."""
    return TABLE_LABELS.get(table, f"其他（{table}）")


def action_label(action: str) -> str:
    return ACTION_LABELS.get(action, action)


def when_label(iso_time: str) -> str:
    """'2026-12-01T10:30:12.5+00:00' → '2026-12-01 18:30' in the PC's local time."""
    if not iso_time:
        return ""
    moment = dt.datetime.fromisoformat(iso_time)
    if moment.tzinfo is not None:
        moment = moment.astimezone()
    return moment.strftime("%Y-%m-%d %H:%M")


def record_names(db: Database, rows: list[dict]) -> dict[tuple[str, str], str]:
    """{(table, row_key): the record's name} for audit rows, one query per table; a deleted record keeps
    the name its last audit image gave, else it is shown as 已删除."""
    from models.core import settings

    wanted: dict[str, set[str]] = {}
    for r in rows:
        wanted.setdefault(r["table_name"], set()).add(str(r["row_key"]))
    names: dict[tuple[str, str], str] = {}
    existing = {t for (t,) in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    for table, keys in wanted.items():
        if table == "settings":
            for key in keys:
                names[(table, key)] = settings.DEFAULTS.get(key, (None, INTERNAL_SETTINGS.get(key, key)))[1]
            continue
        parts = OWNER_NAMES.get(table) or tuple(f"t.{c}" for c in _name_columns(table))
        if not parts or table not in existing:
            continue
        expression = "trim(" + " || ' ' || ".join(f"coalesce({p}, '')" for p in parts) + ")"
        table_columns = [r[1] for r in db.execute(f"PRAGMA table_info({table})")]
        primary = [r[1] for r in db.execute(f"PRAGMA table_info({table})") if r[5]]
        key_column = "uuid" if "uuid" in table_columns else (primary[0] if len(primary) == 1 else "rowid")
        key_list = sorted(keys)
        for start in range(0, len(key_list), 500):
            chunk = key_list[start:start + 500]
            marks = ",".join("?" * len(chunk))
            for key, name in db.execute(f"SELECT t.{key_column}, {expression} FROM {table} t "
                                         f"WHERE t.{key_column} IN ({marks})", chunk):
                names[(table, str(key))] = name or ""
    return names


def _name_columns(table: str) -> tuple[str, ...]:
    columns = NAME_COLUMNS.get(table, ())
    return (columns,) if isinstance(columns, str) else columns


def _name_from_image(r: dict) -> str | None:
    """A deleted record is still named by what its audit row recorded."""
    columns = _name_columns(r["table_name"])
    for image in (r.get("after"), r.get("before")):
        if columns and image:
            values = json.loads(image) if isinstance(image, str) else image
            if isinstance(values, dict) and any(values.get(c) for c in columns):
                return " ".join(str(values.get(c) or "") for c in columns).strip()
    return None


def audit_rows_for_people(db: Database, rows: list[dict]) -> list[list[str]]:
    """Audit rows as the 审计日志 page shows them: time, operator, action, what, which record."""
    names = record_names(db, rows)
    out = []
    for r in rows:
        key = str(r["row_key"] or "")
        name = names.get((r["table_name"], key))
        if name is None:
            name = _name_from_image(r)
        if name is None and r["table_name"] == "users" and key:
            name = f"{key}（没有这个用户名）"  # a failed login with a name nobody has: say what was typed
        if name is None:
            name = "（已删除或无名称的记录）" if key else ""
        out.append([when_label(r["at"]), r["actor"], action_label(r["action"]), table_label(r["table_name"]), name])
    return out
