"""Which files ``--fix`` may write: only those inside the paths named on the command line.

A kustomization can list ``../base`` (shared by overlays nobody named), a tree can hold a symlink
to a node's ``/etc/kubernetes/manifests``: linting may read such files, fixing must not write them.
Paths are compared after resolving symlinks, by whole components, so a link inside a named folder
that points elsewhere is outside, and a named link is inside (its target was named).
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path


def _real(path: Path) -> Path:
    return Path(os.path.realpath(path))


class _RealPaths:
    """``os.path.realpath`` for many files of a few folders: each folder is resolved once, and a
    file that is not a link lies where its folder really is."""

    def __init__(self) -> None:
        self._folders: dict[str, str] = {}

    def __call__(self, path: str) -> str:
        folder, name = os.path.split(path)
        if name in ("", os.curdir, os.pardir) or os.path.islink(path):
            return os.path.realpath(path)
        real = self._folders.get(folder)
        if real is None:
            real = self._folders[folder] = os.path.realpath(folder or os.curdir)
        return os.path.join(real, name)


@dataclass(frozen=True)
class WriteScope:
    """The real paths under which files may be written."""

    roots: tuple[Path, ...]

    @classmethod
    def named(cls, paths: Iterable[str], cwd: Path, also: Iterable[str] = ()) -> WriteScope:
        """The paths given (``-`` is none), else the working directory; and ``also``."""
        given = [cwd / path for path in paths if path != "-"] or [cwd]
        real = _RealPaths()  # thousands of files may be named, from a few folders
        return cls(
            tuple(Path(real(str(path))) for path in [*given, *(cwd / path for path in also)])
        )

    def target(self, path: Path) -> Path | None:
        """The real file that writing ``path`` changes, if it lies inside the named paths."""
        real = _real(path)
        if any(folder in self._roots for folder in (real, *real.parents)):
            return real
        return None

    @cached_property
    def _roots(self) -> frozenset[Path]:
        """``roots`` as a set: checking many files against many named paths stays linear."""
        return frozenset(self.roots)

    def allows(self, path: Path) -> bool:
        """Whether writing ``path`` (through any symlinks) stays inside the named paths (asked
        for every file with a fix, so with strings and each folder resolved once)."""
        candidate = self._real_paths(os.fspath(path))
        while candidate not in self._root_texts:
            parent = os.path.dirname(candidate)
            if parent == candidate:
                return False
            candidate = parent
        return True

    @cached_property
    def _root_texts(self) -> frozenset[str]:
        return frozenset(str(root) for root in self.roots)

    @cached_property
    def _real_paths(self) -> _RealPaths:
        return _RealPaths()


def fix_command(shown: str) -> str:
    """The command line that would fix a file outside: it names ``shown`` (quoted for a shell)."""
    import shlex  # only for a file outside the paths given

    return f"mountlint --fix {shlex.quote(shown)}"
