"""The JSON report (``--format json``): a stable, versioned structure for scripts.

Version 1: ``{"version": 1, "tool": {...}, "findings": [...], "errors": [...], "summary": {...}}``.
Lines and columns are 1-based; ``offset``/``end_offset`` are 0-based character offsets in the
decoded text, which is also what fix edits use.
"""

from __future__ import annotations

from typing import Any

from mountlint.edits import Applicability
from mountlint.findings import Finding, Location
from mountlint.jsontext import dumps_indented
from mountlint.packagedata import read_json
from mountlint.printable import escape_json_text
from mountlint.report import RunOutcome
from mountlint.version import __version__

JSON_REPORT_VERSION = 1


def report_schema() -> dict[str, Any]:
    """The JSON Schema of this report (shipped as ``mountlint/report/report.schema.json``)."""
    return read_json("mountlint.report", "report.schema.json")


def _location(location: Location) -> dict[str, Any]:
    return {
        "path": location.path,
        "line": location.line,
        "column": location.column,
        "end_line": location.end_line,
        "end_column": location.end_column,
        "offset": location.offset,
        "end_offset": location.end_offset,
    }


def finding_to_dict(finding: Finding) -> dict[str, Any]:
    fix = finding.fix
    return {
        "code": finding.rule.code,
        "name": finding.rule.name,
        "severity": finding.severity.value,
        "message": finding.message,
        "explanation": finding.explanation or finding.message,
        "location": _location(finding.location),
        "field_path": finding.field_path or None,
        "object": {
            "kind": finding.object_kind,
            "name": finding.object_name,
            "namespace": finding.object_namespace,
        },
        "fix": None
        if fix is None
        else {
            "applicability": fix.applicability.value,
            "description": fix.description,
            "edits": [
                {"start": edit.start, "end": edit.end, "content": edit.content}
                for edit in fix.edits
            ],
        },
        "related": [
            {"message": related.message, "location": _location(related.location)}
            for related in finding.related
        ],
    }


def _suppressed_to_dict(finding: Finding) -> dict[str, Any]:
    """A suppressed finding, with how it is suppressed and why."""
    suppression = finding.suppression
    return {
        **finding_to_dict(finding),
        "suppression": {
            "kind": suppression.kind if suppression else "inSource",
            "justification": suppression.justification if suppression else None,
        },
    }


def render_json(outcome: RunOutcome, show_baselined: bool = False) -> str:
    by_severity = {"error": 0, "warning": 0, "info": 0}
    for finding in outcome.findings:
        by_severity[finding.severity.value] += 1
    document = {
        "version": JSON_REPORT_VERSION,
        "tool": {"name": "mountlint", "version": __version__},
        "findings": [finding_to_dict(finding) for finding in outcome.findings],
        "suppressed": [_suppressed_to_dict(finding) for finding in outcome.suppressed],
        **(
            {"baselined": [finding_to_dict(finding) for finding in outcome.baselined]}
            if show_baselined
            else {}
        ),
        "baseline_gone": [
            {"path": path, "code": code, "excerpt": excerpt}
            for path, code, excerpt in outcome.baseline_gone
        ],
        "errors": [
            {"path": problem.display, "message": problem.message} for problem in outcome.problems
        ],
        "summary": {
            "files_checked": outcome.files_checked,
            "files_not_linted": sum(1 for problem in outcome.problems if not problem.writing),
            "files_not_written": sum(1 for problem in outcome.problems if problem.writing),
            "findings": len(outcome.findings),
            "by_severity": by_severity,
            "fixable": outcome.count_fixable(Applicability.SAFE),
            "unsafe_fixable": outcome.count_fixable(Applicability.UNSAFE),
            "fixed": outcome.fixed,
            "suppressed": len(outcome.suppressed),
            "baselined": len(outcome.baselined),
            "exit_code": outcome.exit_code,
        },
    }
    return escape_json_text(dumps_indented(document)) + "\n"
