"""The baseline: findings recorded once and accepted as existing, so only new ones fail a run.

``--write-baseline FILE`` records every finding by its ``mountlint/v1`` fingerprint (the one SARIF
carries: rule, file, object and the named YAML path of the node), with its path, code, object and
the flagged line as an excerpt. ``--baseline FILE`` matches findings against it: by fingerprint
first, which survives inserted lines, reformatting and other containers in the pod; then, for a
moved file, by the same fingerprint computed without the path (the object and the node),
preferring an entry whose file no longer exists. Paths are relative to the repository holding
the baseline, so the file means the same from any working directory. The format is described by
``baseline.schema.json`` in the package.
"""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from mountlint.findings import Finding
from mountlint.jsontext import dumps_indented
from mountlint.packagedata import read_json
from mountlint.records import record
from mountlint.version import __version__

BASELINE_VERSION = 1
#: Longest excerpt kept for an entry (the flagged line, stripped).
EXCERPT_CHARACTERS = 120
#: A baseline file larger than this is refused rather than read.
MAX_BASELINE_BYTES = 64 * 1024 * 1024


class BaselineError(Exception):
    """A baseline file that cannot be read or written; the run stops with exit 2."""


@record(frozen=True)
class Entry:
    """One recorded finding."""

    fingerprint: str
    moved_fingerprint: str  #: the fingerprint without the path, to follow a moved file
    path: str
    code: str
    kind: str | None = None
    namespace: str | None = None
    name: str | None = None
    excerpt: str = ""

    def describe(self) -> str:
        """``path: CODE excerpt``, for the list of entries that are gone."""
        return f"{self.path}: {self.code} {self.excerpt}".rstrip()


@record
class Matched:
    """How the findings of a run compare with a baseline."""

    new: list[Finding]
    baselined: list[Finding]
    gone: list[Entry]


def baseline_schema() -> dict[str, Any]:
    """The JSON Schema of the baseline file (shipped as ``mountlint/baseline.schema.json``)."""
    return read_json("mountlint", "baseline.schema.json")


def relative_path(path: str, root: Path) -> str:
    """The path a finding's file has in the baseline: relative to ``root``, ``/`` separated."""
    if path == "-":
        return "stdin"
    absolute = Path(path).resolve()
    try:
        return absolute.relative_to(root).as_posix()
    except ValueError:
        return absolute.as_posix()


def baseline_root(baseline: Path) -> Path:
    """The repository holding the baseline file (the folder with ``.git``), else its folder."""
    from mountlint.report.sarif import repository_root  # sarif-om only when a baseline is used

    return repository_root(baseline.absolute().parent)


def entry_for(finding: Finding, root: Path, excerpts: _Excerpts) -> Entry:
    from mountlint.report.sarif import fingerprint

    path = relative_path(finding.location.path, root)
    return Entry(
        fingerprint=fingerprint(finding, path),
        moved_fingerprint=fingerprint(finding, ""),
        path=path,
        code=finding.rule.code,
        kind=finding.object_kind,
        namespace=finding.object_namespace,
        name=finding.object_name,
        excerpt=excerpts.line(finding),
    )


class _Excerpts:
    """The flagged line of each finding, each file read once."""

    def __init__(self) -> None:
        self._lines: dict[str, list[str]] = {}

    def line(self, finding: Finding) -> str:
        path = finding.location.path
        if path not in self._lines:
            try:
                file = Path(path)
                is_file = path != "-" and file.is_file()
                text = file.read_text("utf-8", errors="replace") if is_file else ""
            except OSError:
                text = ""
            self._lines[path] = text.splitlines()
        lines = self._lines[path]
        number = finding.location.line
        found = lines[number - 1].strip() if 0 < number <= len(lines) else finding.message
        return found[:EXCERPT_CHARACTERS]


def write_baseline(target: Path, findings: Iterable[Finding]) -> int:
    """Record ``findings`` in ``target`` (replaced atomically); returns how many."""
    from mountlint.report.sarif import FINGERPRINT_KEY

    root = baseline_root(target)
    excerpts = _Excerpts()
    entries = sorted(
        (entry_for(finding, root, excerpts) for finding in findings),
        key=lambda entry: (entry.path, entry.code, entry.fingerprint),
    )
    document = {
        "version": BASELINE_VERSION,
        "tool": {"name": "mountlint", "version": __version__},
        "fingerprint": FINGERPRINT_KEY,
        "findings": [
            {
                "fingerprint": entry.fingerprint,
                "moved_fingerprint": entry.moved_fingerprint,
                "path": entry.path,
                "code": entry.code,
                "object": {"kind": entry.kind, "namespace": entry.namespace, "name": entry.name},
                "excerpt": entry.excerpt,
            }
            for entry in entries
        ],
    }
    text = dumps_indented(document) + "\n"
    _replace(target, text)
    return len(entries)


def _replace(target: Path, text: str) -> None:
    """Write ``text`` to a temporary file beside ``target``, then rename it over ``target``.

    A symbolic link at ``target`` is replaced by the file, never followed.
    """
    folder = target.absolute().parent
    if target.is_dir():
        raise BaselineError(f"{target}: cannot write the baseline: it is a folder")
    try:
        handle, temporary = tempfile.mkstemp(prefix=".mountlint-baseline-", dir=folder)
    except OSError as error:
        raise BaselineError(f"{target}: cannot write the baseline: {error.strerror}") from error
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as stream:
            stream.write(text)
        os.chmod(temporary, 0o644)
        os.replace(temporary, target)
    except OSError as error:
        Path(temporary).unlink(missing_ok=True)
        raise BaselineError(f"{target}: cannot write the baseline: {error.strerror}") from error


def load_baseline(path: Path) -> list[Entry]:
    """Read and validate a baseline file."""
    import jsonschema

    try:
        if path.exists() and not path.is_file():  # a FIFO would block the run
            raise BaselineError(f"{path}: the baseline is not a regular file")
        if path.is_file() and path.stat().st_size > MAX_BASELINE_BYTES:
            raise BaselineError(f"{path}: the baseline is larger than {MAX_BASELINE_BYTES} bytes")
        data = json.loads(path.read_text("utf-8"))
    except FileNotFoundError as error:
        raise BaselineError(f"{path}: no such baseline; write it with --write-baseline") from error
    except RecursionError as error:
        raise BaselineError(f"{path}: not a mountlint baseline: nested too deeply") from error
    except (OSError, UnicodeDecodeError) as error:
        raise BaselineError(f"{path}: cannot read the baseline: {error}") from error
    except json.JSONDecodeError as error:
        raise BaselineError(f"{path}:{error.lineno}: not JSON: {error.msg}") from error
    problem = jsonschema.exceptions.best_match(
        jsonschema.Draft202012Validator(baseline_schema()).iter_errors(data)
    )
    if problem is not None:
        where = "/".join(str(part) for part in problem.absolute_path) or "top level"
        raise BaselineError(f"{path}: not a mountlint baseline: {where}: {problem.message}")
    return [
        Entry(
            fingerprint=item["fingerprint"],
            moved_fingerprint=item["moved_fingerprint"],
            path=item["path"],
            code=item["code"],
            kind=item["object"]["kind"],
            namespace=item["object"]["namespace"],
            name=item["object"]["name"],
            excerpt=item["excerpt"],
        )
        for item in data["findings"]
    ]


def match_baseline(
    findings: list[Finding], entries: list[Entry], root: Path, covered: Iterable[Path] = ()
) -> Matched:
    """Split ``findings`` into new and baselined ones; the entries no finding matched are gone.

    Each entry accepts one finding. An entry counts as gone only when its file was within the
    paths linted (``covered``), so linting a few files does not report the rest as fixed.
    """
    from mountlint.report.sarif import fingerprint

    by_fingerprint: dict[str, list[Entry]] = {}
    for entry in entries:
        by_fingerprint.setdefault(entry.fingerprint, []).append(entry)
    unmatched: list[tuple[Finding, str]] = []
    used: set[int] = set()
    baselined: list[Finding] = []
    for finding in findings:
        path = relative_path(finding.location.path, root)
        candidates = by_fingerprint.get(fingerprint(finding, path), [])
        if candidates:
            used.add(id(candidates.pop()))
            baselined.append(finding)
        else:
            unmatched.append((finding, path))
    by_object: dict[str, list[Entry]] = {}
    for entry in entries:
        if id(entry) not in used:
            by_object.setdefault(entry.moved_fingerprint, []).append(entry)
    new: list[Finding] = []
    for finding, path in unmatched:
        candidates = by_object.get(fingerprint(finding, ""), [])
        if not candidates:
            new.append(finding)
            continue
        # the entry of this path, else one whose file is gone (moved), else any
        chosen = min(
            candidates,
            key=lambda entry: (entry.path != path, (root / entry.path).exists()),
        )
        candidates.remove(chosen)
        used.add(id(chosen))
        baselined.append(finding)
    roots = [folder.resolve() for folder in covered]
    gone = [
        entry for entry in entries if id(entry) not in used and _covered(root / entry.path, roots)
    ]
    return Matched(new=new, baselined=baselined, gone=gone)


def _covered(path: Path, roots: list[Path]) -> bool:
    absolute = Path(os.path.normpath(path.absolute()))
    return any(absolute == folder or folder in absolute.parents for folder in roots)
