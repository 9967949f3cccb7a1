"""Which files ``--fix`` may write: only those inside the paths named on the command line.

A kustomization can list ``../base`` (shared by overlays nobody named), a tree can hold a symlink
to a node's ``/etc/kubernetes/manifests``: linting may read such files, fixing must not write them.
Paths are compared after resolving symlinks, by whole components, so a link inside a named folder
that points elsewhere is outside, and a named link is inside (its target was named).
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from functools import cached_property
from pathlib import Path

from mountlint.records import record


class RealPaths:
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


@record(frozen=True)
class WriteScope:
    """The paths under which files may be written, resolved when first needed."""

    #: the paths given (absolute, as given), else the working directory; and the extra ones
    given: tuple[str, ...]
    #: the paths given, spelled as the walk spells what it finds: such a file is inside (a named
    #: link too: its target was named), with no path to resolve
    spelled: frozenset[str] = frozenset()

    @classmethod
    def named(cls, paths: Iterable[str], cwd: Path, also: Iterable[str] = ()) -> WriteScope:
        """The paths given (``-`` is none), else the working directory; and ``also``."""
        named = [path for path in paths if path != "-"]
        given = [os.path.join(cwd, path) for path in [*(named or [os.curdir]), *also]]
        return cls(tuple(given), frozenset(str(Path(path)) for path in named))

    def target(self, path: Path) -> Path | None:
        """The real file that writing ``path`` changes, if it lies inside the named paths (resolved
        afresh: this is the check made when the file is written)."""
        real = os.path.realpath(path)
        return Path(real) if self._inside(real) else None

    def allows(self, path: Path) -> bool:
        """Whether writing ``path`` (through any symlinks) stays inside the named paths (asked
        for every file with a fix, so with strings and each folder resolved once)."""
        text = os.fspath(path)
        return text in self.spelled or self._inside(self._real_paths(text))

    def _inside(self, real: str) -> bool:
        """Whether the real path ``real`` is a root or lies below one, by whole components."""
        candidate = real
        while candidate not in self._roots:
            parent = os.path.dirname(candidate)
            if parent == candidate:
                return False
            candidate = parent
        return True

    @cached_property
    def _roots(self) -> frozenset[str]:
        """The real paths of ``given``: thousands of files may be named, from a few folders, and a
        run whose files were all named never needs them."""
        return frozenset(self._real_paths(path) for path in self.given)

    @cached_property
    def _real_paths(self) -> RealPaths:
        return RealPaths()


def fix_command(shown: str) -> str:
    """The command line that would fix a file outside: it names ``shown`` (quoted for a shell)."""
    import shlex  # only for a file outside the paths given

    return f"mountlint --fix {shlex.quote(shown)}"
