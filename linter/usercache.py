"""Remember between runs what is costly to establish: a valid configuration, a build's output.

Entries live in the user's cache folder (``$XDG_CACHE_HOME/mountlint`` or
``~/.cache/mountlint``). A fact (a configuration that passed validation) is a file named by a
checksum of the text it stands for and holding that text, compared in full when read back: a
damaged entry, or another text with the same checksum, is a miss, and no cryptographic hash
(whose module costs 3 ms to import) is needed for it. A blob (a build's output) is named by a
sha256 of everything it depends on and carries its key and the sha256 of its data, checked on
every read, so a damaged entry is a miss. Entries are written to a new private file and renamed
into place. Any error reading or writing the cache is ignored, and ``MOUNTLINT_NO_CACHE`` turns
it off.
"""

from __future__ import annotations

import binascii
import contextlib
import os
import re
import stat
import time
from pathlib import Path

_NAMESPACE = "mountlint"


def cache_dir() -> Path | None:
    """The folder facts are kept in, or None when caching is off or there is no home."""
    if os.environ.get("MOUNTLINT_NO_CACHE"):
        return None
    base = os.environ.get("XDG_CACHE_HOME") or os.environ.get("LOCALAPPDATA")
    if base and os.path.isabs(base):
        return Path(base) / _NAMESPACE
    try:
        return Path.home() / ".cache" / _NAMESPACE
    except RuntimeError:  # no home folder
        return None


class KeyDigest:
    """A sha256 of parts, each preceded by its length, so that different lists of parts never
    run together into the same bytes; parts can be added one by one (a build's files)."""

    def __init__(self) -> None:
        import hashlib

        self._digest = hashlib.sha256()

    def add(self, part: bytes) -> None:
        self._digest.update(_length(part))
        self._digest.update(part)

    def hexdigest(self) -> str:
        return self._digest.hexdigest()


def _length(part: bytes) -> bytes:
    """The length that goes before each part of a key or a fact."""
    return len(part).to_bytes(8, "big")


def _fact(parts: tuple[str, ...]) -> tuple[str, bytes]:
    """The entry name and the text of the fact that ``parts`` (what it depends on) establish:
    each part preceded by its length, so that different lists of parts never run together."""
    text = b"".join(
        _length(data) + data for data in (part.encode("utf-8", "surrogatepass") for part in parts)
    )
    return f"{binascii.crc32(text):08x}-{len(text):x}", text


def known(kind: str, *parts: str) -> bool:
    """Was the fact that ``parts`` establish recorded by an earlier run?"""
    name, text = _fact(parts)
    return _read_entry(kind, name, len(text) + 1) == text


def remember(kind: str, *parts: str) -> None:
    """Record the fact that ``parts`` establish; failing to is not an error."""
    name, text = _fact(parts)
    _write_entry(kind, name, text)


#: Outputs larger than this are not kept: reading them back would cost about what they save
MAX_BLOB_BYTES = 16 * 1024 * 1024
_BLOB_MAGIC = b"mountlint-blob-1"
_NAME = re.compile(r"[a-z0-9][a-z0-9-]{0,127}")


def read_blob(kind: str, key: str) -> bytes | None:
    """The data stored under ``key`` of ``kind`` by an earlier run, or None.

    An entry is used only if its header names ``key`` and the sha256 and length of its data
    match the header: a damaged, truncated or misplaced entry is a miss.
    """
    raw = _read_entry(kind, key, MAX_BLOB_BYTES + 4096)
    if raw is None:
        return None
    header = raw.split(b"\n", 4)
    if len(header) != 5:
        return None
    magic, named, digest, length, data = header
    if magic != _BLOB_MAGIC or named != key.encode() or length != str(len(data)).encode():
        return None
    import hashlib

    if hashlib.sha256(data).hexdigest().encode() != digest:
        return None
    return data


def write_blob(kind: str, key: str, data: bytes) -> None:
    """Store ``data`` under ``key`` of ``kind``; failing to (or data too large) is not an error."""
    if len(data) > MAX_BLOB_BYTES:
        return
    import hashlib

    entry = b"\n".join(
        (_BLOB_MAGIC, key.encode(), hashlib.sha256(data).hexdigest().encode(), b"%d" % len(data))
    )
    _write_entry(kind, key, entry + b"\n" + data)


def _read_entry(kind: str, name: str, limit: int) -> bytes | None:
    """Up to ``limit`` bytes of the entry ``name`` of ``kind`` (a regular file), or None."""
    folder = cache_dir()
    if folder is None or not (_NAME.fullmatch(kind) and _NAME.fullmatch(name)):
        return None
    flags = os.O_RDONLY | getattr(os, "O_BINARY", 0)
    flags |= getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0)  # no FIFO holds a run
    try:
        descriptor = os.open(folder / kind / name, flags)
        with os.fdopen(descriptor, "rb") as stream:
            if not stat.S_ISREG(os.fstat(descriptor).st_mode):
                return None
            raw = stream.read(limit)
            with contextlib.suppress(OSError, NotImplementedError):
                os.utime(descriptor)  # used now: :func:`prune` removes the longest unused first
    except (OSError, ValueError):
        return None
    return raw


def _write_entry(kind: str, name: str, payload: bytes) -> None:
    """Write the entry ``name`` of ``kind``; failing to is not an error.

    The entry is written to a new private file and renamed into place, inside a folder opened
    without following symlinks, so a symlink planted in the cache is replaced, never written
    through, and a reader never sees half an entry.
    """
    folder = cache_dir()
    if folder is None or not (_NAME.fullmatch(kind) and _NAME.fullmatch(name)):
        return
    nofollow = getattr(os, "O_NOFOLLOW", 0)
    if not nofollow or os.open not in os.supports_dir_fd:
        return  # the folder cannot be pinned against symlinks here: keep nothing
    try:
        (folder / kind).mkdir(parents=True, exist_ok=True, mode=0o700)
        directory = os.open(folder / kind, os.O_RDONLY | os.O_DIRECTORY | nofollow)
    except OSError:
        return
    temporary = f".{name}.{os.getpid()}.{os.urandom(8).hex()}.tmp"
    try:
        flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | nofollow
        descriptor = os.open(temporary, flags, 0o600, dir_fd=directory)
        with os.fdopen(descriptor, "wb") as stream:
            stream.write(payload)
        os.replace(temporary, name, src_dir_fd=directory, dst_dir_fd=directory)
    except (OSError, NotImplementedError):
        with contextlib.suppress(OSError):
            os.unlink(temporary, dir_fd=directory)
    finally:
        os.close(directory)


def prune(kind: str, max_bytes: int) -> None:
    """Remove the entries of ``kind`` unused the longest until they take at most ``max_bytes``.

    Also removes temporary files an interrupted write left behind over an hour ago. The folder
    is opened without following symlinks: a symlink planted in its place removes nothing.
    """
    folder = cache_dir()
    nofollow = getattr(os, "O_NOFOLLOW", 0)
    if folder is None or not _NAME.fullmatch(kind) or not nofollow:
        return
    if os.scandir not in os.supports_fd or os.unlink not in os.supports_dir_fd:
        return
    try:
        directory = os.open(folder / kind, os.O_RDONLY | os.O_DIRECTORY | nofollow)
    except OSError:
        return
    try:
        entries: list[tuple[float, int, str]] = []
        with os.scandir(directory) as listing:
            for entry in listing:
                if entry.is_file(follow_symlinks=False):
                    status = entry.stat(follow_symlinks=False)
                    entries.append((status.st_mtime, status.st_size, entry.name))
        total = sum(size for _, size, name in entries if not name.endswith(".tmp"))
        now = time.time()
        for modified, size, name in sorted(entries):
            if name.endswith(".tmp"):  # being written, unless it is old
                if now - modified > 3600:
                    with contextlib.suppress(OSError):
                        os.unlink(name, dir_fd=directory)
            elif total > max_bytes:
                with contextlib.suppress(OSError):
                    os.unlink(name, dir_fd=directory)
                    total -= size
    except OSError:
        pass
    finally:
        os.close(directory)
