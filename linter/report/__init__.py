"""Reporters: turn the outcome of a run into text for people or structured data for machines."""

from __future__ import annotations

from dataclasses import dataclass, field

from mountlint.edits import Applicability
from mountlint.findings import Finding
from mountlint.sources import InputProblem

FORMATS = ("text", "json")


@dataclass
class RunOutcome:
    """Everything a reporter may show about one run."""

    findings: list[Finding] = field(default_factory=list)
    suppressed: list[Finding] = field(default_factory=list)
    problems: list[InputProblem] = field(default_factory=list)
    notices: list[str] = field(default_factory=list)
    files_checked: int = 0
    fixed: int = 0
    unsafe_fixes: bool = False
    exit_code: int = 0

    def count_fixable(self, applicability: Applicability) -> int:
        return sum(
            1
            for finding in self.findings
            if finding.fix is not None
            and finding.fix.edits
            and finding.fix.applicability is applicability
        )


def render(outcome: RunOutcome, format_name: str, color: bool = False) -> str:
    """The report for ``outcome`` in ``format_name``."""
    if format_name == "json":
        from mountlint.report.json import render_json

        return render_json(outcome)
    from mountlint.report.text import render_text

    return render_text(outcome, color=color)
