"""The text report: one ``path:line:col: CODE [level] message`` line per finding, then a summary."""

from __future__ import annotations

from collections.abc import Callable

from mountlint.edits import Applicability
from mountlint.findings import Finding
from mountlint.printable import printable
from mountlint.report import RunOutcome
from mountlint.rule import Severity

_COLORS = {Severity.ERROR: "red", Severity.WARNING: "yellow", Severity.INFO: "blue"}


def _style(text: str, color: bool, **style: object) -> str:
    if not color:
        return text
    import click

    return click.style(text, **style)  # type: ignore[arg-type]


#: Marks a finding that only ``--fix --unsafe-fixes`` would fix.
UNSAFE_FIX_MARKER = "[!] "


def fix_marker(finding: Finding, unsafe_fixes: bool) -> str:
    """``[*]`` when ``--fix`` (or ``--unsafe-fixes``, when given) would fix the finding.

    ``[!]`` when only an unsafe fix exists and ``--unsafe-fixes`` was not given.
    """
    fix = finding.fix
    if fix is None or not fix.edits:
        return ""
    if fix.applicability is Applicability.SAFE or (
        unsafe_fixes and fix.applicability is Applicability.UNSAFE
    ):
        return "[*] "
    if fix.applicability is Applicability.UNSAFE:
        return UNSAFE_FIX_MARKER
    return ""


def format_finding(finding: Finding, color: bool = False, unsafe_fixes: bool = False) -> str:
    location = finding.location
    path = printable(location.path)
    named = "/".join(
        part
        for part in (finding.object_kind, finding.object_namespace, finding.object_name)
        if part
    )
    if finding.live and named:  # read from a cluster: the object names it, a line would not
        place = printable(named) if location.path == "-" else f"{path}: {printable(named)}"
    else:
        place = f"{path}:{location.line}:{location.column}"
    where = _style(f"{place}:", color, bold=True)
    code = _style(finding.rule.code, color, fg=_COLORS[finding.severity], bold=True)
    level = _style(f"[{finding.severity.value}]", color, fg=_COLORS[finding.severity])
    message = printable(finding.message)
    return f"{where} {code} {level} {fix_marker(finding, unsafe_fixes)}{message}"


def plural(count: int, word: str) -> str:
    return f"{count} {word}{'' if count == 1 else 's'}"


def unfinished(outcome: RunOutcome) -> str:
    """What the run could not do (``1 file could not be linted.``); empty when it did it all."""
    not_linted = sum(1 for problem in outcome.problems if not problem.writing)
    not_written = len(outcome.problems) - not_linted
    parts = []
    if not_linted:
        parts.append(f"{plural(not_linted, 'file')} could not be linted")
    if not_written:
        parts.append(f"{plural(not_written, 'fixed file')} could not be written")
    return f"{'; '.join(parts)}." if parts else ""


def summary_line(outcome: RunOutcome) -> str:
    """The last line of the report; never "passed" when an input could not be linted."""
    problems = unfinished(outcome)
    if not problems:
        return _findings_summary(outcome)
    if outcome.findings or outcome.fixed:
        return f"{_findings_summary(outcome)} {problems}"
    suppressed = _silenced(outcome)
    if outcome.files_checked:
        checked = plural(outcome.files_checked, "file")
        return f"No problems found in {checked}, but {problems}{suppressed}"
    return f"{problems}{suppressed}"


def _findings_summary(outcome: RunOutcome) -> str:
    remaining = len(outcome.findings)
    suppressed = _silenced(outcome)
    if remaining == 0 and outcome.fixed == 0:
        return f"All checks passed!{suppressed}"
    if outcome.fixed:
        return (
            f"Found {plural(remaining + outcome.fixed, 'problem')} "
            f"({outcome.fixed} fixed, {remaining} remaining).{suppressed}"
        )
    details = []
    safe = outcome.count_fixable(Applicability.SAFE)
    unsafe = outcome.count_fixable(Applicability.UNSAFE)
    if safe:
        details.append(f"{safe} fixable with --fix")
    if unsafe:
        details.append(f"{unsafe} with --unsafe-fixes")
    suffix = f" ({', '.join(details)})" if details else ""
    return f"Found {plural(remaining, 'problem')}{suffix}.{suppressed}"


def _silenced(outcome: RunOutcome) -> str:
    """`` 2 suppressed. 40 baselined.``: the findings that do not count, when there are any."""
    parts = []
    if outcome.suppressed:
        parts.append(f" {len(outcome.suppressed)} suppressed.")
    if outcome.baselined:
        parts.append(f" {len(outcome.baselined)} baselined.")
    return "".join(parts)


def render_text(
    outcome: RunOutcome,
    color: bool = False,
    quiet: int = 0,
    source_text: Callable[[str], str | None] | None = None,
    show_baselined: bool = False,
) -> str:
    """One line per finding (with its code frame when ``source_text`` is given), then a summary.

    ``quiet`` leaves the summary out; ``show_baselined`` lists baselined findings, marked so.
    """
    lines = []
    for finding in outcome.findings:
        lines.append(format_finding(finding, color, outcome.unsafe_fixes))
        if source_text is not None:
            lines.extend(_frame(finding, source_text))
    if show_baselined:
        for finding in outcome.baselined:
            lines.append(f"{format_finding(finding, color, outcome.unsafe_fixes)} (baselined)")
            if source_text is not None:
                lines.extend(_frame(finding, source_text))
    if not quiet:
        lines.append(summary_line(outcome))
    return "".join(f"{line}\n" for line in lines)


def _frame(finding: Finding, source_text: Callable[[str], str | None]) -> list[str]:
    from mountlint.report.frame import code_frame

    text = source_text(finding.location.path)
    return code_frame(text, finding.location) if text is not None else []


def render_text_statistics(outcome: RunOutcome, quiet: int = 0) -> str:
    """``--statistics``: one line per rule instead of one per finding, then the summary."""
    from mountlint.report.statistics import statistics_lines

    lines = statistics_lines(outcome)
    if not quiet:
        lines.append(summary_line(outcome))
    return "".join(f"{line}\n" for line in lines)
