"""Packages prove their township: each township database holds its own
Ed25519 key (made once, at set-up or at the first export), every package's
manifest is signed with it, and the county registers each township's public
key (from its first package, after the clerk compares the fingerprint read out
by phone, or from a key file) and refuses a package signed by any other key.

The private key lives in the township's database file: a signature proves the
package came from that file, not which person made it.
"""

from __future__ import annotations

import base64
import hashlib
import json

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from models.core import audit
from models.core.errors import AppError, ValidationError

from typing import TYPE_CHECKING

if TYPE_CHECKING:  # annotations only
    from models.core.users import Actor
    from sqlite_utils import Database

ALGORITHM = "Ed25519"
KEY_FILE_KIND = "xiangzhen-township-key"


class SignatureError(AppError):
    """A package's signature is missing, invalid, or not the township's."""


def _b64(raw: bytes) -> str:
    return base64.b64encode(raw).decode("ascii")


def _raw_public(key: Ed25519PublicKey) -> bytes:
    return key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def fingerprint(public_key_b64: str) -> str:
    """What the clerks read to each other by phone: 32 hex digits in groups of 4."""
    digest = hashlib.sha256(base64.b64decode(public_key_b64)).hexdigest()[:32].upper()
    return " ".join(digest[i:i + 4] for i in range(0, 32, 4))


def normalize_fingerprint(text: str) -> str:
    return "".join(ch for ch in (text or "").upper() if ch in "0123456789ABCDEF")


def own_key(db: Database, made_by=None) -> Ed25519PrivateKey:
    """This database's signing key, made (and audited as `made_by`) the first time."""
    row = db.execute("SELECT private_key FROM signing_key WHERE id = 1").fetchone()
    if row:
        return Ed25519PrivateKey.from_private_bytes(base64.b64decode(row[0]))
    from models.core.records import now_iso
    from models.core.users import SYSTEM_ACTOR

    key = Ed25519PrivateKey.generate()
    raw = key.private_bytes(serialization.Encoding.Raw, serialization.PrivateFormat.Raw,
                            serialization.NoEncryption())
    public = _b64(_raw_public(key.public_key()))
    with db.atomic():
        db.execute("INSERT INTO signing_key (id, private_key, public_key, created_at) VALUES (1, ?, ?, ?)",
                   [_b64(raw), public, now_iso()])
        audit.record(db, made_by or SYSTEM_ACTOR, "key-create", "signing_key", "1", None,
                     {"public_key": public, "fingerprint": fingerprint(public)})
    return key


def own_fingerprint(db: Database) -> str | None:
    """This database's key fingerprint, or None before its first export (reads only)."""
    row = db.execute("SELECT public_key FROM signing_key WHERE id = 1").fetchone()
    return fingerprint(row[0]) if row else None


def own_public_key(db: Database) -> str:
    return _b64(_raw_public(own_key(db).public_key()))


def _signed_bytes(manifest: dict) -> bytes:
    body = {k: v for k, v in manifest.items() if k != "signature"}
    return json.dumps(body, ensure_ascii=False, sort_keys=True).encode("utf-8")


def sign_manifest(key: Ed25519PrivateKey, manifest: dict) -> dict:
    """The manifest with its signature (it covers payload_sha256, so the payload too)."""
    signed = dict(manifest)
    signed["signature"] = {"algorithm": ALGORITHM, "public_key": _b64(_raw_public(key.public_key())),
                           "value": _b64(key.sign(_signed_bytes(manifest)))}
    return signed


def verify_manifest(manifest: dict) -> str:
    """The public key (base64) that signed the manifest; SignatureError when unsigned or forged."""
    sig = manifest.get("signature")
    if not isinstance(sig, dict):
        raise SignatureError("数据包没有乡镇签名（可能由旧版本程序导出，或签名被去掉），拒绝导入。"
                             "请用新版本程序重新导出。")
    if sig.get("algorithm") != ALGORITHM:
        raise SignatureError(f"数据包的签名算法“{sig.get('algorithm')}”本程序不支持，拒绝导入。")
    try:
        public = base64.b64decode(str(sig["public_key"]), validate=True)
        value = base64.b64decode(str(sig["value"]), validate=True)
        Ed25519PublicKey.from_public_bytes(public).verify(value, _signed_bytes(manifest))
    except (KeyError, ValueError, InvalidSignature):
        raise SignatureError("数据包的签名无效：清单或内容在签名之后被改动过，拒绝导入。") from None
    return _b64(public)


def registered_key(db: Database, township_code: str) -> dict | None:
    cur = db.execute("SELECT township_code, public_key, fingerprint, registered_at, registered_by, source "
                     "FROM township_keys WHERE township_code = ?", [township_code])
    row = cur.fetchone()
    return dict(zip([d[0] for d in cur.description], row, strict=True)) if row else None


def register_key(db: Database, township_code: str, public_key_b64: str, actor: Actor, source: str) -> str:
    """Record a township's public key (refused when another one is registered). Returns the fingerprint."""
    from models.core.records import now_iso
    from models.core.users import require

    require(actor, "handoff.import")
    try:
        raw = base64.b64decode(public_key_b64, validate=True)
        Ed25519PublicKey.from_public_bytes(raw)
    except ValueError:
        raise ValidationError("公钥", "不是有效的 Ed25519 公钥。") from None
    existing = registered_key(db, township_code)
    fp = fingerprint(public_key_b64)
    if existing and existing["public_key"] != public_key_b64:
        raise SignatureError(f"乡镇 {township_code} 已登记了另一个公钥（指纹 {existing['fingerprint']}），"
                             f"不能换成 {fp}。确需更换时，请先由管理员撤销旧公钥。")
    if existing:
        return fp
    with db.atomic():
        db.execute("INSERT INTO township_keys (township_code, public_key, fingerprint, registered_at, registered_by, "
                   "source) VALUES (?, ?, ?, ?, ?, ?)",
                   [township_code, public_key_b64, fp, now_iso(), getattr(actor, "username", str(actor)), source])
        audit.record(db, actor, "key-register", "township_keys", township_code, None,
                     {"public_key": public_key_b64, "fingerprint": fp, "source": source})
    return fp


def revoke_key(db: Database, township_code: str, actor: Actor) -> None:
    """Forget a township's key (a reinstalled PC makes a new one); the next package registers anew."""
    from models.core.users import require

    require(actor, "users.manage")
    existing = registered_key(db, township_code)
    if existing is None:
        raise ValidationError("乡镇代码", f"乡镇 {township_code} 没有登记公钥。")
    with db.atomic():
        db.execute("DELETE FROM township_keys WHERE township_code = ?", [township_code])
        audit.record(db, actor, "key-revoke", "township_keys", township_code, existing, None)


def key_file_text(db: Database, township_code: str, township_name: str) -> str:
    """The township's public key as a small file to bring or send to the county."""
    public = own_public_key(db)
    return json.dumps({"kind": KEY_FILE_KIND, "township_code": township_code, "township_name": township_name,
                       "public_key": public, "fingerprint": fingerprint(public)}, ensure_ascii=False, indent=1)


def read_key_file(path) -> dict:
    from pathlib import Path

    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as e:
        raise ValidationError("公钥文件", f"无法读取“{path}”（{e}）。") from None
    if not isinstance(data, dict) or data.get("kind") != KEY_FILE_KIND or not data.get("township_code") \
            or not data.get("public_key"):
        raise ValidationError("公钥文件", f"“{path}”不是本程序导出的乡镇公钥文件。")
    return data


def check_package_key(db: Database, manifest: dict, accept_fingerprint: str | None = None,
                      require_confirmation: bool = False) -> tuple[str, str | None]:
    """Verify a package's signature against the registered key of its
    township. A township seen for the first time is registered (returns a
    note with the fingerprint) unless `require_confirmation` is set and the
    given fingerprint does not match, which raises UnconfirmedKeyError."""
    public = verify_manifest(manifest)
    code = str(manifest.get("township_code") or "")
    fp = fingerprint(public)
    existing = registered_key(db, code)
    if existing:
        if existing["public_key"] != public:
            raise SignatureError(f"数据包自称来自 {code}，但签名不是该乡镇登记的公钥（登记指纹 {existing['fingerprint']}，"
                                 f"数据包指纹 {fp}），可能是伪造的，拒绝导入。")
        return public, None
    if require_confirmation and normalize_fingerprint(accept_fingerprint or "") != normalize_fingerprint(fp):
        raise UnconfirmedKeyError(code, str(manifest.get("township_name") or ""), fp)
    return public, fp


class UnconfirmedKeyError(SignatureError):
    """First package of a township: the clerk must confirm its key fingerprint."""

    def __init__(self, code: str, name: str, fp: str):
        self.township_code, self.township_name, self.fingerprint = code, name, fp
        super().__init__(f"“{name or code}”（{code}）第一次送来数据包，尚未登记它的签名公钥。公钥指纹：{fp}。"
                         "请打电话请乡镇管理员读出“设置 → 乡镇信息”中的本乡镇公钥指纹，核对一致后再确认导入"
                         f"（命令行：--accept-key \"{fp}\"）；不一致时不要导入。")
