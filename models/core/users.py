"""Local user accounts, roles and what each role may do.

Passwords are hashed with scrypt (memory-hard, in the standard library).
Rights are checked here in models/, not only by hiding buttons.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
import os
from dataclasses import dataclass

from models.core import audit
from models.core.errors import LoginError, PermissionDenied, ValidationError

ADMIN, WINDOW, ASSESS, READONLY = "admin", "window", "assess", "readonly"
ROLE_LABELS = {ADMIN: "管理员", WINDOW: "窗口工作人员", ASSESS: "考核办", READONLY: "只读"}

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

SCRYPT_N, SCRYPT_R, SCRYPT_P = 2**14, 8, 1
MAX_FAILURES = 5
LOCK_SECONDS = 60


@dataclass(frozen=True)
class Actor:
    """Who is doing something: the logged-in user, or the command line."""

    username: str
    role: str
    display_name: str = ""

    @property
    def role_label(self) -> str:
        return ROLE_LABELS.get(self.role, self.role)

    def can(self, capability: str) -> bool:
        return self.role in CAPABILITIES.get(capability, set())


# The command line runs with full rights: whoever can run it can open the file.
CLI_ACTOR = Actor("命令行", ADMIN, "命令行")
SYSTEM_ACTOR = Actor("系统", ADMIN, "系统")


def require(actor: Actor, capability: str) -> None:
    if not actor.can(capability):
        raise PermissionDenied(
            f"“{actor.display_name or actor.username}”（{actor.role_label}）无权{CAPABILITY_LABELS.get(capability, capability)}。"
        )


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


def user_exists(db, username: str) -> bool:
    return db.execute("SELECT 1 FROM users WHERE username = ?", [(username or "").strip()]).fetchone() is not None


def has_users(db) -> bool:
    return db.execute("SELECT count(*) FROM users").fetchone()[0] > 0


def _validate(username: str, password: str | None, role: str) -> None:
    if not username or not username.strip():
        raise ValidationError("用户名", "不能为空。")
    if len(username) > 32:
        raise ValidationError("用户名", "不能超过 32 个字符。")
    if any(ord(c) < 32 for c in username):
        raise ValidationError("用户名", "不能包含控制字符。")
    if role not in ROLE_LABELS:
        raise ValidationError("角色", "未知的角色。")
    if password is not None and len(password) < 6:
        raise ValidationError("密码", "至少 6 个字符。")


def create_user(db, username: str, password: str, role: str, display_name: str = "", actor: Actor | None = None) -> Actor:
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


def set_password(db, username: str, new_password: str, actor: Actor) -> None:
    if actor.username != username:
        require(actor, "users.manage")
    _validate(username, new_password, ADMIN)
    if not user_exists(db, username):
        raise ValidationError("用户名", f"“{username}”不存在。")
    with db.atomic():
        db.execute("UPDATE users SET pw_hash = ?, failed_count = 0, locked_until = NULL WHERE username = ?",
                   [hash_password(new_password), username])
        audit.record(db, actor, "password", "users", username, None, None)


def set_role(db, username: str, role: str, active: bool, actor: Actor) -> None:
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


def list_users(db) -> list[dict]:
    cur = db.execute("SELECT username, display_name, role, active, created_at FROM users ORDER BY username")
    return [dict(zip([d[0] for d in cur.description], r, strict=True)) for r in cur.fetchall()]


def login(db, username: str, password: str, now: dt.datetime | None = None, record_success: bool = True) -> Actor:
    """Check a password. After MAX_FAILURES wrong tries the account is locked
    for LOCK_SECONDS, so passwords cannot be guessed quickly. Failures are
    always audited; `record_success=False` (the command line, whose actions
    are audited under the user anyway) leaves the database untouched on a
    successful login with no failures to clear."""
    now = now or dt.datetime.now()
    row = db.execute(
        "SELECT username, display_name, role, pw_hash, active, failed_count, locked_until FROM users WHERE username = ?",
        [username.strip()],
    ).fetchone()
    if row is None:
        raise LoginError("用户名或密码错误。")
    uname, display, role, pw_hash, active, failures, locked_until = row
    if not active:
        raise LoginError(f"账户“{uname}”已停用，请联系管理员。")
    if locked_until and dt.datetime.fromisoformat(locked_until) > now:
        wait = int((dt.datetime.fromisoformat(locked_until) - now).total_seconds()) + 1
        raise LoginError(f"密码错误次数过多，请 {wait} 秒后再试。")
    if getattr(db, "read_only_reason", None):
        # A read-only file records nothing; every write is refused by db.atomic()
        # with a Chinese message, so the user keeps the rights to read what the role may read.
        if not verify_password(password, pw_hash):
            raise LoginError("用户名或密码错误。")
        return Actor(uname, role, display)
    if not verify_password(password, pw_hash):
        failures += 1
        lock = (now + dt.timedelta(seconds=LOCK_SECONDS)).isoformat() if failures >= MAX_FAILURES else None
        with db.atomic():
            db.execute("UPDATE users SET failed_count = ?, locked_until = ? WHERE username = ?",
                       [0 if lock else failures, lock, uname])
            audit.record(db, Actor(uname, role), "login-failed", "users", uname, None, None)
        if lock:
            raise LoginError(f"密码错误次数过多，账户锁定 {LOCK_SECONDS} 秒。")
        raise LoginError("用户名或密码错误。")
    if record_success or failures or locked_until:
        with db.atomic():
            db.execute("UPDATE users SET failed_count = 0, locked_until = NULL WHERE username = ?", [uname])
            audit.record(db, Actor(uname, role), "login", "users", uname, None, None)
    return Actor(uname, role, display)
