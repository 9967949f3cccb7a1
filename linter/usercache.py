"""Remember facts that are costly to establish (a configuration that validated) between runs.

A fact is an empty file named by a hash in the user's cache folder (``$XDG_CACHE_HOME/mountlint``
or ``~/.cache/mountlint``). Nothing is read back but the name, so a damaged cache cannot mislead
a run beyond skipping a check it recorded; any error reading or writing the cache is ignored,
and ``MOUNTLINT_NO_CACHE`` turns it off.
"""

from __future__ import annotations

import hashlib
import os
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


def fact_key(*parts: str) -> str:
    """A name for the fact that ``parts`` (the inputs it depends on) establish."""
    digest = hashlib.sha256()
    for part in parts:
        encoded = part.encode("utf-8", "surrogatepass")
        digest.update(len(encoded).to_bytes(8, "big"))
        digest.update(encoded)
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
