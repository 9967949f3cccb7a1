"""The GitLab Code Quality report (``--format gitlab``): a JSON array of issues.

Each issue has ``description``, ``check_name``, ``fingerprint``, ``severity`` and
``location.path``/``location.lines.begin``, the fields GitLab's documentation requires. Paths are
relative to the repository root, as GitLab matches them against the merge request's files. The
fingerprint is the SARIF ``mountlint/v1`` one, so an issue keeps its identity across edits; GitLab
shows only one issue per fingerprint, so a repeated one is made unique by its position.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path
from typing import Any

from mountlint.findings import Finding
from mountlint.jsontext import dumps_indented
from mountlint.report import RunOutcome
from mountlint.rule import Severity

SEVERITIES = {Severity.ERROR: "critical", Severity.WARNING: "major", Severity.INFO: "info"}


def relative_path(path: str, root: Path) -> str:
    """``path`` relative to the repository root, with ``/``; kept as given when outside it."""
    if path == "-":
        return path
    absolute = Path(os.path.abspath(path))
    try:
        return absolute.relative_to(root).as_posix()
    except ValueError:
        return path


def _issue(finding: Finding, path: str, fingerprint: str) -> dict[str, Any]:
    return {
        "description": f"{finding.rule.code} {finding.message}",
        "check_name": f"{finding.rule.code} {finding.rule.name}",
        "fingerprint": fingerprint,
        "severity": SEVERITIES[finding.severity],
        "location": {"path": path, "lines": {"begin": finding.location.line}},
    }


def render_gitlab(outcome: RunOutcome, root: Path) -> str:
    from mountlint.report.sarif import _Artifacts, fingerprint

    artifacts = _Artifacts(root)
    issues = []
    seen: set[str] = set()
    for finding in outcome.findings:
        key = fingerprint(finding, artifacts.relative(finding.location.path))
        repeat = 0
        while key in seen:
            repeat += 1
            location = finding.location
            where = f"{key}\0{location.line}\0{location.column}\0{repeat}"
            key = hashlib.sha256(where.encode()).hexdigest()[:32]
        seen.add(key)
        issues.append(_issue(finding, relative_path(finding.location.path, root), key))
    return dumps_indented(issues) + "\n"
