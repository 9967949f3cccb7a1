"""Remember between runs what is costly to establish: a valid configuration, a build's output.

Entries live in the user's cache folder (``$XDG_CACHE_HOME/mountlint`` or
``~/.cache/mountlint``), named by a hash of everything they depend on. A fact is an empty file:
nothing is read back but the name, so a damaged cache cannot mislead a run beyond skipping a
check it recorded. A blob carries its key and the sha256 of its data, checked on every read, so a
damaged entry is a miss. Any error reading or writing the cache is ignored, and
``MOUNTLINT_NO_CACHE`` turns it off.
"""

from __future__ import annotations

import contextlib
import hashlib
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
        self._digest = hashlib.sha256()

    def add(self, part: bytes) -> None:
        self._digest.update(len(part).to_bytes(8, "big"))
        self._digest.update(part)

    def hexdigest(self) -> str:
        return self._digest.hexdigest()


def fact_key(*parts: str) -> str:
    """A name for the fact that ``parts`` (the inputs it depends on) establish."""
    digest = KeyDigest()
    for part in parts:
        digest.add(part.encode("utf-8", "surrogatepass"))
    return digest.hexdigest()


def known(kind: str, key: str) -> bool:
    """Was the fact ``key`` of ``kind`` recorded by an earlier run?"""
    folder = cache_dir()
    if folder is None:
        return False
    try:
        return (folder / kind / key).is_file()
    except OSError:
        return False


def remember(kind: str, key: str) -> None:
    """Record the fact ``key`` of ``kind``; failing to is not an error."""
    folder = cache_dir()
    if folder is None:
        return
    try:
        (folder / kind).mkdir(parents=True, exist_ok=True, mode=0o700)
        flags = os.O_WRONLY | os.O_CREAT | getattr(os, "O_NOFOLLOW", 0)
        os.close(os.open(folder / kind / key, flags, 0o600))
    except OSError:
        pass


#: Outputs larger than this are not kept: reading them back would cost about what they save
MAX_BLOB_BYTES = 16 * 1024 * 1024
_BLOB_MAGIC = b"mountlint-blob-1"
_NAME = re.compile(r"[a-z0-9][a-z0-9-]{0,127}")


def read_blob(kind: str, key: str) -> bytes | None:
    """The data stored under ``key`` of ``kind`` by an earlier run, or None.

    An entry is used only if its header names ``key`` and the sha256 and length of its data
    match the header: a damaged, truncated or misplaced entry is a miss.
    """
    folder = cache_dir()
    if folder is None or not (_NAME.fullmatch(kind) and _NAME.fullmatch(key)):
        return None
    flags = os.O_RDONLY | getattr(os, "O_BINARY", 0)
    flags |= getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0)  # no FIFO holds a run
    try:
        descriptor = os.open(folder / kind / key, flags)
        with os.fdopen(descriptor, "rb") as stream:
            if not stat.S_ISREG(os.fstat(descriptor).st_mode):
                return None
            raw = stream.read(MAX_BLOB_BYTES + 4096)
            with contextlib.suppress(OSError, NotImplementedError):
                os.utime(descriptor)  # used now: :func:`prune` removes the longest unused first
    except (OSError, ValueError):
        return None
    header = raw.split(b"\n", 4)
    if len(header) != 5:
        return None
    magic, named, digest, length, data = header
    if magic != _BLOB_MAGIC or named != key.encode() or length != str(len(data)).encode():
        return None
    if hashlib.sha256(data).hexdigest().encode() != digest:
        return None
    return data


def write_blob(kind: str, key: str, data: bytes) -> None:
    """Store ``data`` under ``key`` of ``kind``; failing to (or data too large) is not an error.

    The entry is written to a new private file and renamed into place, inside a folder opened
    without following symlinks, so a symlink planted in the cache is replaced, never written
    through, and a reader never sees half an entry.
    """
    folder = cache_dir()
    if folder is None or len(data) > MAX_BLOB_BYTES:
        return
    if not (_NAME.fullmatch(kind) and _NAME.fullmatch(key)):
        return
    entry = b"\n".join(
        (_BLOB_MAGIC, key.encode(), hashlib.sha256(data).hexdigest().encode(), b"%d" % len(data))
    )
    nofollow = getattr(os, "O_NOFOLLOW", 0)
    if not nofollow or os.open not in os.supports_dir_fd:
        return  # the folder cannot be pinned against symlinks here: keep nothing
    try:
        (folder / kind).mkdir(parents=True, exist_ok=True, mode=0o700)
        directory = os.open(folder / kind, os.O_RDONLY | os.O_DIRECTORY | nofollow)
    except OSError:
        return
    temporary = f".{key}.{os.getpid()}.{os.urandom(8).hex()}.tmp"
    try:
        flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | nofollow
        descriptor = os.open(temporary, flags, 0o600, dir_fd=directory)
        with os.fdopen(descriptor, "wb") as stream:
            stream.write(entry + b"\n" + data)
        os.replace(temporary, key, src_dir_fd=directory, dst_dir_fd=directory)
    except (OSError, NotImplementedError):
        with contextlib.suppress(OSError):
            os.unlink(temporary, dir_fd=directory)
    finally:
        os.close(directory)


def prune(kind: str, max_bytes: int) -> None:
    """Remove the blobs of ``kind`` unused the longest until they take at most ``max_bytes``.

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
