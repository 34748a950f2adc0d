"""Compressed backup files: one Zstandard frame holding a whole SQLite file.

A county database (gigabytes) is backed up as `VACUUM INTO` a temporary file
and then compressed into `<name>.db.zst` (see db.backup_database). Zstandard
was measured against the standard library on the 550,000-ticket county
(bench/results/storage-*.json, round-3 note): level 1 packs the file to 28 % at
~400 MB/s and unpacks at ~800 MB/s, where zlib level 1 gives 33 % at 70 MB/s
and lzma 17 % at 27 MB/s (minutes for a county file).

The frame carries the file's size and an XXH64 checksum of the content, so a
damaged backup (a flipped byte, a truncated copy on a USB stick) is found
while it is unpacked, before anything else reads it. No Qt, no database here.
"""

from __future__ import annotations

import os
from pathlib import Path

import zstandard

SUFFIX = ".zst"
LEVEL = 1
MAGIC = b"\x28\xb5\x2f\xfd"
CHUNK = 1024 * 1024


class DamagedBackup(Exception):
    """The compressed backup cannot be unpacked whole; str() says why, in Chinese."""


def is_compressed(path) -> bool:
    """Whether the file is a compressed backup (by its first bytes, whatever its name)."""
    try:
        with open(path, "rb") as f:
            return f.read(4) == MAGIC
    except OSError:
        return False


def content_size(path) -> int | None:
    """The size of the SQLite file inside a compressed backup (from its frame
    header), or None when the header cannot be read."""
    try:
        with open(path, "rb") as f:
            head = f.read(18)
        size = zstandard.get_frame_parameters(head).content_size
    except (OSError, zstandard.ZstdError):
        return None
    return None if size == zstandard.CONTENTSIZE_UNKNOWN else size


def compress_file(src: Path, dest: Path, progress=None) -> None:
    """Compress src into dest (created; the caller removes it on failure),
    flushed to the disk. progress(done_bytes, total_bytes) after each chunk.
    OSError when the disk is full."""
    total = os.path.getsize(src)
    compressor = zstandard.ZstdCompressor(level=LEVEL, write_checksum=True, write_content_size=True)
    # compressobj, not stream_writer: an error while writing (a full disk) must
    # come out as itself, not as the writer's "Src size is incorrect" on exit.
    packer = compressor.compressobj(size=total)
    with open(src, "rb") as fin, open(dest, "wb") as fout:
        done = 0
        while True:
            chunk = fin.read(CHUNK)
            if not chunk:
                break
            fout.write(packer.compress(chunk))
            done += len(chunk)
            if progress:
                progress(done, total)
        fout.write(packer.flush())
        fout.flush()
        os.fsync(fout.fileno())


def decompress_file(src: Path, dest: Path, progress=None) -> int:
    """Unpack src into dest (created; the caller removes it on failure) and
    return the number of bytes written. DamagedBackup when the frame is
    damaged, truncated or its checksum does not match; OSError when the disk
    is full."""
    expected = content_size(src)
    if expected is None:
        raise DamagedBackup("文件头已损坏，无法识别为压缩备份")
    decompressor = zstandard.ZstdDecompressor().decompressobj()
    written = 0
    with open(src, "rb") as fin, open(dest, "wb") as fout:
        while True:
            chunk = fin.read(CHUNK)
            if not chunk:
                break
            try:
                out = decompressor.decompress(chunk)
            except zstandard.ZstdError as e:
                reason = "内容校验和不符" if "checksum" in str(e) else f"解压出错：{e}"
                raise DamagedBackup(reason) from None
            fout.write(out)
            written += len(out)
            if progress:
                progress(written, expected)
            if decompressor.eof:
                break
        fout.flush()
        os.fsync(fout.fileno())
    if not decompressor.eof or written != expected:
        raise DamagedBackup(f"文件不完整（只解出 {written:,} / {expected:,} 字节，可能复制时被截断）")
    return written
