"""Local user accounts, roles and what each role may do.

Passwords are hashed with scrypt (memory-hard, in the standard library).
Rights are checked here in models/, not only by hiding buttons.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
import json
import os
from dataclasses import dataclass, replace

from models.core import audit
from models.core.errors import LoginError, PermissionDenied, ValidationError

from typing import TYPE_CHECKING

if TYPE_CHECKING:  # annotations only
    from sqlite_utils import Database

ADMIN, WINDOW, ASSESS, READONLY = "admin", "window", "assess", "readonly"
ROLE_LABELS = {ADMIN: "管理员", WINDOW: "窗口工作人员", ASSESS: "考核办", READONLY: "只读"}
DISABLED = "disabled"  # an account disabled while logged in: no right at all

# capability -> roles allowed
CAPABILITIES = {
    "roster.write": {ADMIN},
    "tickets.write": {ADMIN, WINDOW},
    "catalogue.write": {ADMIN},
    "calendar.write": {ADMIN},
    "assess.write": {ADMIN, ASSESS},
    "notice.publish": {ADMIN, WINDOW, ASSESS},
    "settings.write": {ADMIN},
    "users.manage": {ADMIN},
    "backup": {ADMIN, WINDOW, ASSESS},
    "restore": {ADMIN},
    "handoff.export": {ADMIN},
    "handoff.import": {ADMIN},
    "election.write": {ADMIN},
    "personal.export": {ADMIN},
}
CAPABILITY_LABELS = {
    "roster.write": "修改领导班子和干部信息",
    "tickets.write": "登记和办理办件",
    "catalogue.write": "修改服务事项目录",
    "calendar.write": "修改工作日历",
    "assess.write": "修改考核方案、评分和测评",
    "notice.publish": "生成公示",
    "settings.write": "修改设置",
    "users.manage": "管理用户",
    "backup": "备份数据库",
    "restore": "恢复数据库",
    "handoff.export": "导出数据包",
    "handoff.import": "导入数据包",
    "election.write": "修改换届选举数据",
    "personal.export": "导出含完整身份证号或电话的数据",
}

# Rights the administrator gives per role (设置 → 用户, `user export-right`): CAPABILITIES holds the
# default, the settings table the choice. A 只读 account never holds one, whatever is stored.
PER_ROLE = ("personal.export",)

IDLE_LOCK_SETTING = "idle_lock_minutes"  # declared in settings.DEFAULTS (settings imports us for rights)

SCRYPT_N, SCRYPT_R, SCRYPT_P = 2**14, 8, 1
MAX_FAILURES = 5
LOCK_SECONDS = 60


@dataclass(frozen=True)
class Actor:
    """Who is doing something: the logged-in user, or the command line."""

    username: str
    role: str
    display_name: str = ""
    # The PER_ROLE rights this session holds, read from the database at login (and kept
    # up to date by current_actor); None for actors made by code (系统, tests): the defaults.
    granted: frozenset | None = None

    @property
    def role_label(self) -> str:
        return "已停用" if self.role == DISABLED else ROLE_LABELS.get(self.role, self.role)

    def can(self, capability: str) -> bool:
        if capability in PER_ROLE and self.granted is not None:
            return self.role not in (READONLY, DISABLED) and capability in self.granted
        return self.role in CAPABILITIES.get(capability, set())


# The command line runs with full rights: whoever can run it can open the file.
CLI_ACTOR = Actor("命令行", ADMIN, "命令行")
SYSTEM_ACTOR = Actor("系统", ADMIN, "系统")


def require(actor: Actor, capability: str) -> None:
    if not actor.can(capability):
        raise PermissionDenied(
            f"“{actor.display_name or actor.username}”（{actor.role_label}）无权{CAPABILITY_LABELS.get(capability, capability)}。"
        )


def _per_role_key(capability: str) -> str:
    return f"rights.{capability}"


def roles_with(db: Database, capability: str) -> set[str]:
    """The roles that hold `capability` in this database (a PER_ROLE right as
    the administrator chose it, else the fixed default)."""
    default = set(CAPABILITIES.get(capability, set()))
    if capability not in PER_ROLE:
        return default
    row = db.execute("SELECT value FROM settings WHERE key = ?", [_per_role_key(capability)]).fetchone()
    if row is None:
        return default
    return {r for r in json.loads(row[0]) if r in ROLE_LABELS and r != READONLY}


def set_roles_with(db: Database, capability: str, roles, actor: Actor) -> set[str]:
    """The administrator chooses which roles hold a PER_ROLE right; audited
    (before and after). A 只读 role is refused. Returns the roles now holding it."""
    require(actor, "users.manage")
    if capability not in PER_ROLE:
        raise ValidationError("权限", f"“{CAPABILITY_LABELS.get(capability, capability)}”不能按角色设置。")
    chosen = set(roles)
    unknown = [r for r in chosen if r not in ROLE_LABELS]
    if unknown:
        raise ValidationError("角色", f"未知的角色“{unknown[0]}”，可用：" + "、".join(
            f"{label}（{key}）" for key, label in ROLE_LABELS.items() if key != READONLY) + "。")
    if READONLY in chosen:
        raise ValidationError("角色", f"只读用户不能{CAPABILITY_LABELS[capability]}。")
    ordered = [r for r in ROLE_LABELS if r in chosen]
    with db.atomic():
        before = sorted(roles_with(db, capability))
        db.execute("INSERT INTO settings(key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value",
                   [_per_role_key(capability), json.dumps(ordered)])
        audit.record(db, actor, "rights", "settings", _per_role_key(capability), {"roles": before}, {"roles": ordered})
    return set(ordered)


def _granted(db: Database, role: str) -> frozenset:
    return frozenset(c for c in PER_ROLE if role in roles_with(db, c))


def hash_password(password: str) -> str:
    salt = os.urandom(16)
    digest = hashlib.scrypt(password.encode("utf-8"), salt=salt, n=SCRYPT_N, r=SCRYPT_R, p=SCRYPT_P, dklen=32)
    b64 = lambda b: base64.b64encode(b).decode("ascii")  # noqa: E731
    return f"scrypt${SCRYPT_N}${SCRYPT_R}${SCRYPT_P}${b64(salt)}${b64(digest)}"


def verify_password(password: str, stored: str) -> bool:
    try:
        scheme, n, r, p, salt, digest = stored.split("$")
        if scheme != "scrypt":
            return False
        expected = base64.b64decode(digest)
        got = hashlib.scrypt(password.encode("utf-8"), salt=base64.b64decode(salt), n=int(n), r=int(r), p=int(p),
                             dklen=len(expected))
        return hmac.compare_digest(got, expected)
    except (ValueError, TypeError):
        return False


def user_exists(db: Database, username: str) -> bool:
    return db.execute("SELECT 1 FROM users WHERE username = ?", [(username or "").strip()]).fetchone() is not None


def has_users(db: Database) -> bool:
    return db.execute("SELECT count(*) FROM users").fetchone()[0] > 0


MIN_PASSWORD = 8
# Passwords people pick first; refused whatever their length.
COMMON_PASSWORDS = {"password", "password1", "passw0rd", "qwertyui", "qwerty123", "1qaz2wsx", "abc12345",
                    "abcd1234", "admin123", "admin888", "a1234567", "iloveyou", "woaini1314", "aa123456"}


def password_problem(password: str, username: str = "") -> str | None:
    """Why a password is too weak (Chinese), or None: at least 8 characters,
    not one character repeated, not a run like 12345678 or abcdefgh (either
    direction), not the user name and not one of the commonest passwords."""
    if password is None or len(password) < MIN_PASSWORD:
        return f"至少 {MIN_PASSWORD} 个字符。"
    if len(set(password)) == 1:
        return "不能是同一个字符的重复（如 11111111）。"
    steps = {ord(b) - ord(a) for a, b in zip(password, password[1:], strict=False)}
    if steps in ({1}, {-1}):
        return "不能是连续的数字或字母（如 12345678、abcdefgh）。"
    if password.lower() in COMMON_PASSWORDS:
        return "太常见，很容易被猜中，请换一个。"
    if username and password.lower() == username.strip().lower():
        return "不能与用户名相同。"
    return None


def _validate(username: str, password: str | None, role: str) -> None:
    if not username or not username.strip():
        raise ValidationError("用户名", "不能为空。")
    if len(username) > 32:
        raise ValidationError("用户名", "不能超过 32 个字符。")
    if any(ord(c) < 32 for c in username):
        raise ValidationError("用户名", "不能包含控制字符。")
    if role not in ROLE_LABELS:
        raise ValidationError("角色", "未知的角色。")
    if password is not None:
        problem = password_problem(password, username)
        if problem:
            raise ValidationError("密码", problem)


def create_user(db: Database, username: str, password: str, role: str, display_name: str = "", actor: Actor | None = None) -> Actor:
    """Create an account. The very first account may be created by no one
    (first run) and is always an administrator."""
    first = not has_users(db)
    if first:
        role = ADMIN
        actor = actor or Actor(username, ADMIN, display_name)
    elif actor is None:
        raise PermissionDenied("只有管理员可以添加用户，请先登录。")
    else:
        require(actor, "users.manage")
    username = username.strip()
    _validate(username, password, role)
    if db.execute("SELECT 1 FROM users WHERE username = ?", [username]).fetchone():
        raise ValidationError("用户名", f"“{username}”已存在。")
    with db.atomic():
        db.execute(
            "INSERT INTO users (username, display_name, role, pw_hash, active, failed_count, locked_until, created_at) "
            "VALUES (?, ?, ?, ?, 1, 0, NULL, ?)",
            [username, display_name or username, role, hash_password(password), dt.datetime.now().isoformat(timespec="seconds")],
        )
        audit.record(db, actor, "insert", "users", username, None, {"username": username, "role": role})
    return Actor(username, role, display_name or username)


def set_password(db: Database, username: str, new_password: str, actor: Actor, old_password: str | None = None,
                 confirm: str | None = None) -> None:
    """An administrator resets anyone's password; a user changes their own
    only with the old password (and, when given, a matching confirmation)."""
    if not user_exists(db, username):
        require(actor, "users.manage")
        raise ValidationError("用户名", f"“{username}”不存在。")
    if actor.username == username:
        stored = db.execute("SELECT pw_hash FROM users WHERE username = ?", [username]).fetchone()[0]
        if old_password is None or not verify_password(old_password, stored):
            raise ValidationError("原密码", "不正确。修改自己的密码要先输入原密码。")
    else:
        require(actor, "users.manage")
    if confirm is not None and confirm != new_password:
        raise ValidationError("确认新密码", "两次输入的新密码不一致。")
    _validate(username, new_password, ADMIN)
    with db.atomic():
        db.execute("UPDATE users SET pw_hash = ?, failed_count = 0, locked_until = NULL WHERE username = ?",
                   [hash_password(new_password), username])
        audit.record(db, actor, "password", "users", username, None, None)


def set_role(db: Database, username: str, role: str, active: bool, actor: Actor) -> None:
    require(actor, "users.manage")
    _validate(username, None, role)
    with db.atomic():
        before = db.execute("SELECT role, active FROM users WHERE username = ?", [username]).fetchone()
        if before is None:
            raise ValidationError("用户名", f"“{username}”不存在。")
        if before[0] == ADMIN and (role != ADMIN or not active):
            admins = db.execute("SELECT count(*) FROM users WHERE role = ? AND active = 1", [ADMIN]).fetchone()[0]
            if admins <= 1:
                raise ValidationError("角色", "至少要保留一个启用的管理员。")
        db.execute("UPDATE users SET role = ?, active = ? WHERE username = ?", [role, int(active), username])
        audit.record(db, actor, "update", "users", username, {"role": before[0], "active": before[1]},
                     {"role": role, "active": int(active)})


def list_users(db: Database) -> list[dict]:
    cur = db.execute("SELECT username, display_name, role, active, created_at FROM users ORDER BY username")
    return [dict(zip([d[0] for d in cur.description], r, strict=True)) for r in cur.fetchall()]


# Checked for an unknown user name, so it costs the same scrypt as a real one
# (made at the first unknown name: start-up does not pay for it).
_DUMMY_HASH: list[str] = []
LOGIN_FAILED = f"用户名或密码错误（连续输错 {MAX_FAILURES} 次的账户会锁定 {LOCK_SECONDS} 秒）。"


def login(db: Database, username: str, password: str, now: dt.datetime | None = None, record_success: bool = True) -> Actor:
    """Check a password. After MAX_FAILURES wrong tries the account is locked
    for LOCK_SECONDS, so passwords cannot be guessed quickly. Failures are
    always audited; `record_success=False` (the command line, whose actions
    are audited under the user anyway) leaves the database untouched on a
    successful login with no failures to clear.

    An unknown name, a wrong password and a locked account give one message
    and cost the same (one scrypt, one audited write), so account names
    cannot be found by trying; only someone who knows the password learns
    that the account is disabled."""
    now = now or dt.datetime.now()
    typed = (username or "").strip()
    row = db.execute(
        "SELECT username, display_name, role, pw_hash, active, failed_count, locked_until FROM users WHERE username = ?",
        [typed],
    ).fetchone()
    if row is None:
        if not _DUMMY_HASH:
            _DUMMY_HASH.append(hash_password("no such account, same cost"))
        verify_password(password or "", _DUMMY_HASH[0])
        if getattr(db, "read_only_reason", None):
            raise LoginError(LOGIN_FAILED)
        with db.atomic():
            audit.record(db, Actor(typed[:32] or "?", READONLY), "login-failed", "users", typed[:32], None,
                         {"reason": "unknown"})
        raise LoginError(LOGIN_FAILED)
    uname, display, role, pw_hash, active, failures, locked_until = row
    locked = bool(locked_until) and dt.datetime.fromisoformat(locked_until) > now
    right = verify_password(password or "", pw_hash)
    if getattr(db, "read_only_reason", None):
        # A read-only file records nothing; every write is refused by db.atomic()
        # with a Chinese message, so the user keeps the rights to read what the role may read.
        if locked or not right:
            raise LoginError(LOGIN_FAILED)
        if not active:
            raise LoginError(f"账户“{uname}”已停用，请联系管理员。")
        return _session_actor(db, uname, role, display)
    if locked or not right:
        failures = failures if locked else failures + 1
        lock = (now + dt.timedelta(seconds=LOCK_SECONDS)).isoformat() if failures >= MAX_FAILURES else None
        with db.atomic():
            if not locked:
                db.execute("UPDATE users SET failed_count = ?, locked_until = ? WHERE username = ?",
                           [0 if lock else failures, lock, uname])
            audit.record(db, Actor(uname, role), "login-failed", "users", uname, None,
                         {"reason": "locked" if locked else "password"})
        raise LoginError(LOGIN_FAILED)
    if not active:
        raise LoginError(f"账户“{uname}”已停用，请联系管理员。")
    if record_success or failures or locked_until:
        with db.atomic():
            db.execute("UPDATE users SET failed_count = 0, locked_until = NULL WHERE username = ?", [uname])
            audit.record(db, Actor(uname, role), "login", "users", uname, None, None)
    return _session_actor(db, uname, role, display)


def _session_actor(db: Database, username: str, role: str, display_name: str) -> Actor:
    return Actor(username, role, display_name, _granted(db, role))


def actor_if_logged_in(db: Database, username: str) -> Actor | None:
    """The actor a successful login of this name would give now (its password
    unchecked), None for no active account: what the window may be built for
    while the password is typed. Nothing is recorded."""
    row = db.execute("SELECT username, role, display_name FROM users WHERE username = ? AND active",
                     [(username or "").strip()]).fetchone()
    return _session_actor(db, row[0], row[1], row[2]) if row else None


def _rights(role: str) -> set[str]:
    return {cap for cap, roles in CAPABILITIES.items() if role in roles}


def current_actor(db: Database, logged_in: Actor) -> Actor:
    """The actor as the accounts table allows now: disabling an account or
    taking rights away takes effect at the user's next action, not at the
    next start. New rights wait for the next login (a session never gains
    rights it did not log in with); a sideways change (窗口 → 考核办) leaves
    read-only rights until then. The same holds for the PER_ROLE rights the
    administrator changes. Actors with no account (系统, tests) are
    returned as they are."""
    row = db.execute("SELECT role, active, display_name FROM users WHERE username = ?",
                     [logged_in.username]).fetchone()
    if row is None:
        return logged_in
    role, active, display = row
    if not active:
        return Actor(logged_in.username, DISABLED, display or logged_in.display_name)
    if role == logged_in.role or _rights(logged_in.role) <= _rights(role):
        now = logged_in
    elif _rights(role) <= _rights(logged_in.role):
        now = Actor(logged_in.username, role, display or logged_in.display_name, logged_in.granted)
    else:
        now = Actor(logged_in.username, READONLY, display or logged_in.display_name, logged_in.granted)
    if logged_in.granted is None:
        return now
    granted = logged_in.granted & _granted(db, now.role)
    return now if granted == now.granted else replace(now, granted=granted)
