"""Key/value settings stored in the database (thresholds, township identity).

Every rule threshold the issues call "a setting" lives here, with its default
in DEFAULTS, so the 设置 dialog can list and edit them.
"""

from __future__ import annotations

import json

from models.core import audit
from models.core.errors import ValidationError

from typing import TYPE_CHECKING

if TYPE_CHECKING:  # annotations only
    from models.core.users import Actor
    from sqlite_utils import Database

# key -> (default, Chinese label, type)
DEFAULTS: dict[str, tuple] = {
    "township_name": ("", "乡镇名称", str),
    "township_code": ("", "乡镇代码（6-12 位数字）", str),
    "county_name": ("", "所属县（市、区）", str),
    "supervision_phone": ("", "监督电话", str),
    "office_phone": ("", "办公室电话", str),
    "database_mode": ("township", "数据库模式", str),
    "backup_keep": (10, "保留备份份数", int),
    "idle_lock_minutes": (10, "无操作多少分钟后锁定窗口（0 表示不锁定）", int),
    "backup_max_total_mb": (10240, "备份总大小上限（MB，最新一份总会保留）", int),
    "backup_compress_from_mb": (64, "数据库大于多少 MB 时压缩备份（0 表示总是压缩）", int),
}


# key -> {stored value: Chinese label}: settings that take one of a few values are chosen, never typed.
CHOICES: dict[str, dict] = {
    "database_mode": {"township": "乡镇库", "county": "县级汇总库"},
}
# The 设置 → 参数 page groups settings by the part of the program a key starts with.
SECTIONS = {"roster": "领导班子", "service": "便民服务", "assess": "考核", "election": "换届", "notice": "公示"}


def register(key: str, default, label: str, kind=str, choices: dict | None = None) -> None:
    """Domain modules add their own settings (thresholds) at import time.
    `choices` maps each allowed stored value to its Chinese label."""
    DEFAULTS.setdefault(key, (default, label, kind))
    if choices is not None:
        if default not in choices:
            raise ValueError(f"setting {key}: default {default!r} is not one of its choices")
        CHOICES.setdefault(key, dict(choices))


def section_of(key: str) -> str:
    prefix = key.split(".")[0].split("_")[0]
    return SECTIONS.get(prefix, "通用")


def get(db: Database, key: str, default=None):
    row = db.execute("SELECT value FROM settings WHERE key = ?", [key]).fetchone()
    if row is None:
        if default is not None:
            return default
        return DEFAULTS.get(key, (None,))[0]
    return json.loads(row[0])


def set_value(db: Database, key: str, value, actor: Actor) -> None:
    """Store one setting (validated against its declared type). Audited."""
    from models.core.users import require

    require(actor, "settings.write")
    kind = DEFAULTS.get(key, (None, key, type(value)))[2]
    label = DEFAULTS.get(key, (None, key))[1]
    if kind is int:
        try:
            value = int(value)
        except (TypeError, ValueError):
            raise ValidationError(label, "必须是整数。") from None
    elif kind is float:
        try:
            value = float(value)
        except (TypeError, ValueError):
            raise ValidationError(label, "必须是数字。") from None
    elif kind is bool:
        value = bool(value)
    if key in CHOICES and value not in CHOICES[key]:
        raise ValidationError(label, "应为" + "、".join(CHOICES[key].values()) + "之一。")
    # One BEGIN IMMEDIATE transaction: a second window cannot slip in between
    # the read of the old value, the write and its audit row.
    with db.atomic():
        before = get(db, key)
        db.execute(
            "INSERT INTO settings(key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value",
            [key, json.dumps(value, ensure_ascii=False)],
        )
        audit.record(db, actor, "setting", "settings", key, {"value": before}, {"value": value})


def set_many(db: Database, values: dict, actor: Actor) -> list[str]:
    """Store the settings that changed, all or none (one transaction). Returns the changed keys."""
    from models.core.users import require

    require(actor, "settings.write")
    current = all_settings(db)
    changed = [key for key, value in values.items() if value != current.get(key)]
    with db.atomic():
        for key in changed:
            set_value(db, key, values[key], actor)
    return changed


def all_settings(db: Database) -> dict:
    out = {k: v[0] for k, v in DEFAULTS.items()}
    for key, value in db.execute("SELECT key, value FROM settings"):
        out[key] = json.loads(value)
    return out
