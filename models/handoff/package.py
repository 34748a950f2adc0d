"""The package file: what goes on the USB stick.

Layout (all integers big-endian)::

    magic        8 bytes   b"XZPKG\\r\\n\\x1a"
    format       2 bytes   FORMAT_VERSION
    manifest_len 4 bytes
    manifest     manifest_len bytes of UTF-8 JSON (plain, authenticated)
    chunks       chunk_count × (4-byte length + AES-256-GCM ciphertext and tag)

The manifest says who made the package and what is in it (no personal data).
The payload is an SQLite database image, cut into chunks of CHUNK_SIZE bytes;
chunk i is sealed with nonce = nonce_prefix || i and associated data =
SHA-256(header + manifest) || i || last-flag, so a changed manifest, a
reordered, missing or extra chunk, or a cut-off file all fail authentication.
The key comes from the password with scrypt; its parameters are in the
manifest (capped on reading, so a crafted file cannot make us allocate
gigabytes). A key check value separates "wrong password" from "damaged file".

Nothing of the payload is parsed before every chunk has authenticated and the
SHA-256 of the whole payload matches the manifest.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import struct
from dataclasses import dataclass
from pathlib import Path

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from models.core.errors import AppError

MAGIC = b"XZPKG\r\n\x1a"
FORMAT_VERSION = 1
HEADER = struct.Struct(">8sHI")
CHUNK_LEN = struct.Struct(">I")
CHUNK_SIZE = 4 * 1024 * 1024
TAG_SIZE = 16
MAX_MANIFEST = 1024 * 1024
MAX_PAYLOAD = 4 * 1024 * 1024 * 1024  # an SQLite image larger than 4 GiB is not ours
CIPHER = "AES-256-GCM"

# scrypt cost: 32 MiB of memory and ~0.15 s per try, so guessing the password
# of a lost stick is slow. Caps on reading keep a crafted file from asking for more.
SCRYPT_N, SCRYPT_R, SCRYPT_P = 2**15, 8, 1
MAX_SCRYPT_N, MAX_SCRYPT_R, MAX_SCRYPT_P = 2**20, 16, 4
MIN_PASSWORD = 8
KEY_CHECK_INDEX = 0xFFFFFFFF


class PackageError(AppError):
    """The file is not a usable package; the message names the reason."""


class WrongPasswordError(PackageError):
    """The password does not open this package."""


@dataclass
class OpenedPackage:
    """A package whose every byte has been authenticated."""

    manifest: dict
    payload: bytes


def check_password(password: str) -> None:
    """A package password must be long enough to resist guessing."""
    from models.core.errors import ValidationError

    if not password or len(password) < MIN_PASSWORD:
        raise ValidationError("数据包密码", f"至少 {MIN_PASSWORD} 个字符（U 盘丢失时，密码是唯一的保护）。")


def derive_key(password: str, kdf: dict) -> bytes:
    """The 256-bit key from the password and the manifest's scrypt parameters."""
    try:
        n, r, p = int(kdf["n"]), int(kdf["r"]), int(kdf["p"])
        salt = base64.b64decode(kdf["salt"], validate=True)
    except (KeyError, TypeError, ValueError) as e:
        raise PackageError(f"数据包清单中的密钥参数无效（{e}）。") from None
    if kdf.get("name") != "scrypt":
        raise PackageError(f"数据包使用了本程序不支持的密钥算法“{kdf.get('name')}”。")
    if not (2 <= n <= MAX_SCRYPT_N and n & (n - 1) == 0 and 1 <= r <= MAX_SCRYPT_R and 1 <= p <= MAX_SCRYPT_P):
        raise PackageError("数据包清单中的密钥参数超出允许范围，拒绝处理。")
    if len(salt) < 16:
        raise PackageError("数据包清单中的密钥参数无效（盐太短）。")
    return hashlib.scrypt(password.encode("utf-8"), salt=salt, n=n, r=r, p=p,
                          maxmem=128 * r * n * p + 64 * 1024 * 1024, dklen=32)


def _nonce(prefix: bytes, index: int) -> bytes:
    return prefix + struct.pack(">I", index)


def _chunk_aad(header_digest: bytes, index: int, last: bool) -> bytes:
    return header_digest + struct.pack(">IB", index, 1 if last else 0)


def write_package(path, manifest: dict, payload: bytes, password: str, progress=None, signer=None) -> dict:
    """Encrypt `payload` under `password` and write the package to `path`.

    With `signer` (the township's Ed25519 key, models/core/signing.py) the
    finished manifest, which holds the payload's SHA-256, is signed: the
    password keeps the contents secret, the signature proves the township.

    The file is written as `path.part`, flushed to the disk, then renamed, so
    a stick pulled out mid-write never leaves a file that looks complete.
    Returns the manifest as written (with the crypto fields filled in).
    """
    path = Path(path)
    salt = os.urandom(16)
    nonce_prefix = os.urandom(8)
    kdf = {"name": "scrypt", "n": SCRYPT_N, "r": SCRYPT_R, "p": SCRYPT_P,
           "salt": base64.b64encode(salt).decode("ascii")}
    key = derive_key(password, kdf)
    aead = AESGCM(key)
    chunk_count = max(1, -(-len(payload) // CHUNK_SIZE))
    manifest = dict(manifest)
    manifest.update({
        "format_version": FORMAT_VERSION,
        "payload_sha256": hashlib.sha256(payload).hexdigest(),
        "payload_size": len(payload),
        "cipher": CIPHER,
        "kdf": kdf,
        "chunk_size": CHUNK_SIZE,
        "chunk_count": chunk_count,
        "nonce_prefix": base64.b64encode(nonce_prefix).decode("ascii"),
    })
    # The key check seals nothing with a fixed nonce slot no chunk uses.
    manifest["key_check"] = base64.b64encode(
        aead.encrypt(_nonce(nonce_prefix, KEY_CHECK_INDEX), b"", b"key-check")).decode("ascii")
    if signer is not None:
        from models.core.signing import sign_manifest

        manifest = sign_manifest(signer, manifest)
    manifest_bytes = json.dumps(manifest, ensure_ascii=False, sort_keys=True).encode("utf-8")
    header = HEADER.pack(MAGIC, FORMAT_VERSION, len(manifest_bytes))
    header_digest = hashlib.sha256(header + manifest_bytes).digest()
    tmp = path.with_name(path.name + ".part")
    view = memoryview(payload)
    try:
        with open(tmp, "wb") as f:
            f.write(header)
            f.write(manifest_bytes)
            for i in range(chunk_count):
                piece = view[i * CHUNK_SIZE:(i + 1) * CHUNK_SIZE]
                sealed = aead.encrypt(_nonce(nonce_prefix, i), bytes(piece),
                                      _chunk_aad(header_digest, i, i == chunk_count - 1))
                f.write(CHUNK_LEN.pack(len(sealed)))
                f.write(sealed)
                if progress:
                    progress(i + 1, chunk_count, "正在加密写入…")
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        try:
            tmp.unlink()
        except OSError:
            pass
        raise
    _fsync_dir(path.parent)
    return manifest


def _fsync_dir(folder: Path) -> None:
    # Make the rename itself durable (not possible on Windows; harmless to skip).
    try:
        fd = os.open(str(folder), os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def _read_exact(f, n: int, what: str) -> bytes:
    data = f.read(n)
    if len(data) != n:
        raise PackageError(f"数据包不完整：{what}被截断（文件可能没有写完，或 U 盘在写入时被拔出）。")
    return data


def read_manifest(path) -> dict:
    """The manifest of a package, NOT yet authenticated (for showing only).

    Raises PackageError when the file is not a package of a format we know.
    """
    with _open(path) as f:
        manifest, _header, _manifest_bytes = _read_head(f)
    return manifest


def _open(path):
    path = Path(path)
    try:
        return open(path, "rb")
    except FileNotFoundError:
        raise PackageError(f"找不到数据包文件“{path}”。") from None
    except IsADirectoryError:
        raise PackageError(f"“{path}”是一个文件夹，不是数据包文件。") from None
    except OSError as e:
        raise PackageError(f"无法读取数据包“{path.name}”：{e.strerror or e}") from None


def _read_head(f) -> tuple[dict, bytes, bytes]:
    raw = f.read(HEADER.size)
    if len(raw) < len(MAGIC) or raw[:len(MAGIC)] != MAGIC:
        raise PackageError("这不是本程序导出的数据包文件（文件开头的标识不符）。")
    if len(raw) != HEADER.size:
        raise PackageError("数据包不完整：文件头被截断。")
    _magic, version, manifest_len = HEADER.unpack(raw)
    if version > FORMAT_VERSION:
        raise PackageError(f"数据包格式版本为 {version}，本程序只支持到 {FORMAT_VERSION}，请升级程序后再导入。")
    if version < 1:
        raise PackageError("数据包格式版本无效。")
    if manifest_len > MAX_MANIFEST:
        raise PackageError("数据包清单大小异常（超过 1 MB），拒绝处理。")
    manifest_bytes = _read_exact(f, manifest_len, "清单")
    try:
        manifest = json.loads(manifest_bytes.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError):
        raise PackageError("数据包清单已损坏（不是有效的 JSON）。") from None
    if not isinstance(manifest, dict):
        raise PackageError("数据包清单已损坏（格式不对）。")
    if manifest.get("format_version") != version:
        raise PackageError("数据包清单与文件头的格式版本不一致，文件已损坏或被改动。")
    return manifest, raw, manifest_bytes


def open_package(path, password: str, progress=None) -> OpenedPackage:
    """Read, authenticate and decrypt a package into memory. Nothing is parsed
    from the payload here; the caller gets bytes whose SHA-256 matched the
    manifest. The import streams to a file instead (open_package_to_file)."""
    parts: list[bytes] = []
    manifest = _decrypt(path, password, parts.append, progress)
    return OpenedPackage(manifest, b"".join(parts))


def open_package_to_file(path, password: str, dest, progress=None) -> dict:
    """Authenticate and decrypt a package chunk by chunk into the file `dest`
    (memory stays at one chunk whatever the package's size, issue 20); returns
    the manifest. `dest` holds the payload only when this returns: on any
    error the caller removes it, and nothing of it may be parsed before."""
    with open(dest, "wb") as out:
        manifest = _decrypt(path, password, out.write, progress)
        out.flush()
    return manifest


def _decrypt(path, password: str, sink, progress=None) -> dict:
    """Authenticate and decrypt every chunk of the package at `path`, handing
    each plaintext chunk to `sink` in order; checks size and SHA-256 at the end."""
    with _open(path) as f:
        manifest, header, manifest_bytes = _read_head(f)
        if manifest.get("cipher") != CIPHER:
            raise PackageError(f"数据包使用了本程序不支持的加密算法“{manifest.get('cipher')}”。")
        try:
            size = int(manifest["payload_size"])
            chunk_size = int(manifest["chunk_size"])
            chunk_count = int(manifest["chunk_count"])
            nonce_prefix = base64.b64decode(manifest["nonce_prefix"], validate=True)
            key_check = base64.b64decode(manifest["key_check"], validate=True)
            expected_sha = str(manifest["payload_sha256"])
        except (KeyError, TypeError, ValueError):
            raise PackageError("数据包清单缺少必要的字段或字段无效，文件已损坏。") from None
        if not (0 <= size <= MAX_PAYLOAD) or not (1 <= chunk_size <= CHUNK_SIZE):
            raise PackageError("数据包声明的大小超出允许范围，拒绝处理。")
        if chunk_count != max(1, -(-size // chunk_size)) or len(nonce_prefix) != 8:
            raise PackageError("数据包清单中的分块信息前后矛盾，文件已损坏或被改动。")
        key = derive_key(password, manifest.get("kdf") or {})
        aead = AESGCM(key)
        try:
            aead.decrypt(_nonce(nonce_prefix, KEY_CHECK_INDEX), key_check, b"key-check")
        except InvalidTag:
            raise WrongPasswordError("密码错误：无法用这个密码打开数据包（如密码无误，则数据包清单已被改动）。") from None
        header_digest = hashlib.sha256(header + manifest_bytes).digest()
        digest = hashlib.sha256()
        received = 0
        for i in range(chunk_count):
            (length,) = CHUNK_LEN.unpack(_read_exact(f, CHUNK_LEN.size, f"第 {i + 1} 块"))
            if length > chunk_size + TAG_SIZE:
                raise PackageError(f"数据包第 {i + 1} 块声明的大小异常，拒绝处理。")
            sealed = _read_exact(f, length, f"第 {i + 1} 块")
            try:
                plain = aead.decrypt(_nonce(nonce_prefix, i), sealed,
                                     _chunk_aad(header_digest, i, i == chunk_count - 1))
            except InvalidTag:
                raise PackageError(f"数据包已损坏或被改动：第 {i + 1} 块校验失败（MAC 不符）。") from None
            received += len(plain)
            if received > size:
                raise PackageError("数据包内容比清单声明的大，拒绝处理。")
            digest.update(plain)
            sink(plain)
            if progress:
                progress(i + 1, chunk_count, "正在校验和解密…")
        if f.read(1):
            raise PackageError("数据包末尾有多余的数据，文件已被改动。")
    if received != size:
        raise PackageError("数据包内容与清单声明的大小不符，文件已损坏。")
    if digest.hexdigest() != expected_sha:
        raise PackageError("数据包内容的 SHA-256 与清单不符，文件已损坏或被改动。")
    return manifest
