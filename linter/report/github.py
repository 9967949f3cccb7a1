"""GitHub Actions workflow commands (``--format github``): one annotation per finding.

Messages escape ``%``, CR and LF; properties (file, title) also escape ``:`` and ``,``, as the
workflow command syntax requires.
"""

from __future__ import annotations

from mountlint.findings import Finding
from mountlint.report import RunOutcome
from mountlint.report.text import summary_line
from mountlint.rule import Severity
from mountlint.sources import InputProblem

_COMMANDS = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "notice"}


def escape_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


def format_annotation(finding: Finding) -> str:
    location = finding.location
    properties = {
        "file": location.path,
        "line": str(location.line),
        "col": str(location.column),
        "endLine": str(location.end_line),
        "endColumn": str(location.end_column),
        "title": f"{finding.rule.code} {finding.rule.name}",
    }
    rendered = ",".join(f"{key}={escape_property(value)}" for key, value in properties.items())
    return f"::{_COMMANDS[finding.severity]} {rendered}::{escape_data(finding.message)}"


def format_problem(problem: InputProblem) -> str:
    """An input that could not be linted, as an error annotation on that file."""
    what = "could not be written" if problem.writing else "could not be linted"
    title = escape_property(f"mountlint: file {what}")
    return (
        f"::error file={escape_property(problem.display)},title={title}::"
        f"{escape_data(problem.message)}"
    )


def render_github(outcome: RunOutcome) -> str:
    lines = [format_annotation(finding) for finding in outcome.findings]
    lines += [format_problem(problem) for problem in outcome.problems]
    lines.append(summary_line(outcome))
    return "\n".join(lines) + "\n"
