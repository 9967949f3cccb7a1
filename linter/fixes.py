"""Apply fixes until the text is stable, and write the result without ever losing data.

Edits are applied to the original text, the result is parsed and linted again, and the loop
repeats until no applicable fix is left (a few passes at most). If the result does not parse,
changes the number of documents, or does not settle, the original is kept and the reason given.
Files are replaced atomically and only if nobody changed them since they were read.
"""

from __future__ import annotations

import contextlib
import os
import stat
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from mountlint.edits import Applicability, Fix, apply_edits, select_non_overlapping
from mountlint.engine import Finding, lint_text
from mountlint.settings import Settings
from mountlint.sources import FileStamp
from mountlint.yamlnodes import parse_stream

MAX_PASSES = 10


def is_applicable(fix: Fix | None, unsafe: bool) -> bool:
    """Whether ``--fix`` (with ``--unsafe-fixes`` when ``unsafe``) applies ``fix``."""
    if fix is None or not fix.edits:
        return False
    if fix.applicability is Applicability.SAFE:
        return True
    return unsafe and fix.applicability is Applicability.UNSAFE


@dataclass
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
    """Replace ``path`` with ``data`` through a temporary file in the same directory.

    Keeps the file's mode (and owner, when allowed); writes through symlinks to their target;
    refuses when the file changed since ``stamp`` was taken.
    """
    target = Path(os.path.realpath(path))
    try:
        info = target.stat()
    except OSError as error:
        raise WriteRefused(f"cannot write: {error.strerror or error}") from error
    if stamp is not None and FileStamp(info.st_size, info.st_mtime_ns, info.st_ino) != stamp:
        raise WriteRefused("changed on disk since it was read; not written")
    try:
        descriptor, temporary = tempfile.mkstemp(
            dir=target.parent, prefix=f".{target.name}.", suffix=".mountlint-tmp"
        )
    except OSError as error:
        raise WriteRefused(f"cannot write: {error.strerror or error}") from error
    try:
        with os.fdopen(descriptor, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(temporary, stat.S_IMODE(info.st_mode))
        with contextlib.suppress(OSError):
            os.chown(temporary, info.st_uid, info.st_gid)
        os.replace(temporary, target)
    except OSError as error:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise WriteRefused(f"cannot write: {error.strerror or error}") from error
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise
