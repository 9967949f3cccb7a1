"""Reporters: turn the outcome of a run into text for people or structured data for machines."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import field
from pathlib import Path

from mountlint.edits import Applicability
from mountlint.findings import Finding
from mountlint.records import record
from mountlint.sources import InputProblem

FORMATS = ("text", "json", "sarif", "github", "junit", "gitlab")


@record
class RunOutcome:
    """Everything a reporter may show about one run."""

    findings: list[Finding] = field(default_factory=list)
    suppressed: list[Finding] = field(default_factory=list)
    #: findings recorded in the baseline: they never fail the run
    baselined: list[Finding] = field(default_factory=list)
    #: baseline entries no finding matched: (path, code, excerpt)
    baseline_gone: list[tuple[str, str, str]] = field(default_factory=list)
    baseline: str | None = None  #: the baseline file in use
    problems: list[InputProblem] = field(default_factory=list)
    notices: list[str] = field(default_factory=list)
    files_checked: int = 0
    #: The files (and charts) linted, as displayed: JUnit lists the clean ones as passing.
    checked: list[str] = field(default_factory=list)
    #: Texts that are in no file (standard input), by display name, for ``--show-source``.
    texts: dict[str, str] = field(default_factory=dict)
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


@record(frozen=True)
class ReportOptions:
    """How to render: format, colour, the SARIF-only settings and the text-only ones."""

    format: str = "text"
    color: bool = False
    root: Path | None = None
    sarif_category: str | None = None
    include_suppressed: bool = False
    #: 1: findings only, no summary (``-q``); the text and statistics reports only.
    quiet: int = 0
    statistics: bool = False
    #: Reads a reported file's text for ``--show-source`` (None when it cannot).
    source_text: Callable[[str], str | None] | None = None
    show_baselined: bool = False


def render(outcome: RunOutcome, options: ReportOptions) -> str:
    """The report for ``outcome``; heavy reporters are imported only when used."""
    if options.statistics and options.format in ("text", "json"):
        from mountlint.report.statistics import render_statistics_json
        from mountlint.report.text import render_text_statistics

        if options.format == "json":
            return render_statistics_json(outcome)
        return render_text_statistics(outcome, options.quiet)
    if options.format == "json":
        from mountlint.report.json import render_json

        return render_json(outcome, options.show_baselined)
    if options.format == "sarif":
        from mountlint.report.sarif import render_sarif, repository_root

        root = options.root or repository_root(Path.cwd())
        return render_sarif(
            outcome,
            root,
            options.sarif_category,
            options.include_suppressed,
            options.show_baselined,
        )
    if options.format == "github":
        from mountlint.report.github import render_github

        return render_github(outcome)
    if options.format == "junit":
        from mountlint.report.junit import render_junit

        return render_junit(outcome)
    if options.format == "gitlab":
        from mountlint.report.gitlab import render_gitlab
        from mountlint.report.sarif import repository_root

        return render_gitlab(outcome, options.root or repository_root(Path.cwd()))
    from mountlint.report.text import render_text

    return render_text(
        outcome,
        color=options.color,
        quiet=options.quiet,
        source_text=options.source_text,
        show_baselined=options.show_baselined,
    )
