"""Apply fixes until the text is stable, and write the result without ever losing data.

Edits are applied to the original text, the result is parsed and linted again, and the loop
repeats until no applicable fix is left (a few passes at most). If the result does not parse,
changes the number of documents, or does not settle, the original is kept and the reason given.
Files are replaced atomically, keep their identity (links, owner, group, mode), and are written
only if nobody changed them since they were read and this user may write them.
"""

from __future__ import annotations

import contextlib
import errno
import os
import signal
import stat
import tempfile
import threading
from collections.abc import Iterator
from dataclasses import field
from pathlib import Path
from typing import Any

from mountlint.edits import apply_edits, is_applicable, select_non_overlapping
from mountlint.engine import Finding, lint_text
from mountlint.records import record
from mountlint.settings import Settings
from mountlint.sources import FileStamp
from mountlint.yamlnodes import parse_stream

MAX_PASSES = 10


@record
class FixOutcome:
    """The fixed text (the original when nothing applied), what was applied and what remains."""

    text: str
    findings: list[Finding]
    applied: list[Finding] = field(default_factory=list)
    problem: str | None = None

    def changed(self, original: str) -> bool:
        return self.text != original


def fix_text(text: str, path: str, settings: Settings, unsafe: bool = False) -> FixOutcome:
    """Apply every applicable fix to ``text``, re-linting after each pass."""
    original_findings = lint_text(text, path, settings)
    original_shape = _shape(text)
    current, findings = text, original_findings
    applied: list[Finding] = []
    for _ in range(MAX_PASSES):
        candidates = [finding for finding in findings if is_applicable(finding.fix, unsafe)]
        if not candidates:
            return FixOutcome(current, findings, applied)
        chosen_fixes = select_non_overlapping(
            [finding.fix for finding in candidates if finding.fix]
        )
        chosen_set = set(chosen_fixes)
        chosen = [finding for finding in candidates if finding.fix in chosen_set]
        edits = [edit for fix in chosen_fixes for edit in fix.edits]
        current = apply_edits(current, edits)
        if _shape(current) != original_shape:
            return FixOutcome(
                text,
                original_findings,
                problem="the fixed text would not parse as the original does; nothing was changed",
            )
        applied.extend(chosen)
        findings = lint_text(current, path, settings)
    return FixOutcome(
        text,
        original_findings,
        problem=f"fixes did not settle after {MAX_PASSES} passes; nothing was changed",
    )


def _shape(text: str) -> tuple[int, str | None]:
    """Number of documents and the syntax problem, which fixes must never change."""
    stream = parse_stream(text)
    return len(stream.documents), stream.problem.message if stream.problem else None


class WriteRefused(Exception):
    """The file was not written (changed on disk, or the write failed); the original is intact."""


def write_atomically(path: Path, data: bytes, stamp: FileStamp | None) -> None:
    """Replace the contents of ``path`` with ``data`` and keep the file what it was.

    Refuses, as an editor would, a file this user may not write and one that changed since
    ``stamp`` was taken. The new text goes to a temporary file in the same directory that is
    renamed over the original, with the original's owner, group, mode and extended attributes
    (ACLs, security labels). Where a rename would make another file (hard links, an owner, group or
    attribute this user cannot give the copy, a folder it cannot create files in), the file is
    written in place instead. Symlinks are written through
    to their target. Interrupts wait until the file is whole.
    """
    target = Path(os.path.realpath(path))
    try:
        info = target.stat()
    except OSError as error:
        raise WriteRefused(f"cannot write: {_reason(error)}") from error
    if stamp is not None and FileStamp(info.st_size, info.st_mtime_ns, info.st_ino) != stamp:
        raise WriteRefused("changed on disk since it was read; not written")
    if not _may_write(target):
        raise WriteRefused("cannot write: permission denied; not written")
    with _interrupts_deferred():
        if info.st_nlink > 1 or not _replace(target, data, info):
            _write_in_place(target, data)


def _may_write(path: Path) -> bool:
    """Whether this user may write ``path`` (root may, whatever the mode), as ``open`` would."""
    if os.access in os.supports_effective_ids:
        return os.access(path, os.W_OK, effective_ids=True)
    return os.access(path, os.W_OK)


def _replace(target: Path, data: bytes, info: os.stat_result) -> bool:
    """Rename a copy with ``target``'s owner, group and mode over it.

    False, with nothing changed, when no such copy can be made here.
    """
    try:
        descriptor, temporary = tempfile.mkstemp(
            dir=target.parent, prefix=f".{target.name}.", suffix=".mountlint-tmp"
        )
    except PermissionError:
        return False  # a folder this user cannot create files in
    except OSError as error:
        raise WriteRefused(f"cannot write: {_reason(error)}") from error
    try:
        with os.fdopen(descriptor, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        try:
            os.chown(temporary, info.st_uid, info.st_gid)  # before chmod: chown clears set-id bits
        except OSError:
            os.unlink(temporary)
            return False
        os.chmod(temporary, stat.S_IMODE(info.st_mode))
        if not _copy_extended_attributes(target, temporary):
            os.unlink(temporary)
            return False
        os.replace(temporary, target)
    except OSError as error:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise WriteRefused(f"cannot write: {_reason(error)}") from error
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise
    return True


def _copy_extended_attributes(source: Path, destination: str) -> bool:
    """Give the copy the original's ACLs, security label and user attributes (False: cannot)."""
    if not hasattr(os, "listxattr"):
        return True
    try:
        names = os.listxattr(source)
    except OSError:
        return True  # a file system without extended attributes
    try:
        for name in names:
            os.setxattr(destination, name, os.getxattr(source, name))
    except OSError:
        return False
    return True


def _write_in_place(target: Path, data: bytes) -> None:
    """Overwrite ``target`` itself; on failure put the old bytes back.

    The space is reserved first where the file system allows, so a full disk fails before any
    byte changes.
    """
    try:
        descriptor = os.open(target, os.O_RDWR | getattr(os, "O_NOFOLLOW", 0))
    except OSError as error:
        raise WriteRefused(f"cannot write: {_reason(error)}") from error
    with os.fdopen(descriptor, "r+b") as handle:
        original = handle.read()
        try:
            _reserve(handle.fileno(), len(data))
            _overwrite(handle.fileno(), data)
        except OSError as error:
            with contextlib.suppress(OSError):
                _overwrite(handle.fileno(), original)
            raise WriteRefused(f"cannot write: {_reason(error)}") from error


def _reserve(descriptor: int, size: int) -> None:
    if size == 0 or not hasattr(os, "posix_fallocate"):
        return
    try:
        os.posix_fallocate(descriptor, 0, size)
    except OSError as error:
        if error.errno in (errno.ENOSPC, errno.EDQUOT, errno.EFBIG):
            raise
        # EOPNOTSUPP, EINVAL: the file system cannot reserve; write and restore on failure


def _overwrite(descriptor: int, data: bytes) -> None:
    os.lseek(descriptor, 0, os.SEEK_SET)
    view = memoryview(data)
    while view:
        view = view[os.write(descriptor, view) :]
    os.ftruncate(descriptor, len(data))
    os.fsync(descriptor)


@contextlib.contextmanager
def _interrupts_deferred() -> Iterator[None]:
    """Hold SIGINT, SIGTERM and SIGHUP until the block ends, so a file is never left half done.

    A signal that comes meanwhile is only noted, and raised again when the block ends (Ctrl-C
    then stops the run). Handlers, not a signal mask: the kernel would hand a masked signal to
    another thread (the ``--jobs`` pool has some), and Python would still raise it here.
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    caught: list[int] = []
    previous: dict[int, Any] = {}
    for name in ("SIGINT", "SIGTERM", "SIGHUP"):
        number = getattr(signal, name, None)
        if number is not None and signal.getsignal(number) is not None:
            previous[number] = signal.signal(number, lambda received, _: caught.append(received))
    try:
        yield
    finally:
        for number, handler in previous.items():
            signal.signal(number, handler)
        for number in dict.fromkeys(caught):
            signal.raise_signal(number)


def _reason(error: OSError) -> str:
    return error.strerror or str(error)
