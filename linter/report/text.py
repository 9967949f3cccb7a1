"""The text report: one ``path:line:col: CODE [level] message`` line per finding, then a summary."""

from __future__ import annotations

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


def fix_marker(finding: Finding, unsafe_fixes: bool) -> str:
    """``[*]`` when ``--fix`` (or ``--unsafe-fixes``, when given) would fix the finding."""
    fix = finding.fix
    if fix is None or not fix.edits:
        return ""
    if fix.applicability is Applicability.SAFE or (
        unsafe_fixes and fix.applicability is Applicability.UNSAFE
    ):
        return "[*] "
    return ""


def format_finding(finding: Finding, color: bool = False, unsafe_fixes: bool = False) -> str:
    location = finding.location
    path = printable(location.path)
    where = _style(f"{path}:{location.line}:{location.column}:", color, bold=True)
    code = _style(finding.rule.code, color, fg=_COLORS[finding.severity], bold=True)
    level = _style(f"[{finding.severity.value}]", color, fg=_COLORS[finding.severity])
    message = printable(finding.message)
    return f"{where} {code} {level} {fix_marker(finding, unsafe_fixes)}{message}"


def plural(count: int, word: str) -> str:
    return f"{count} {word}{'' if count == 1 else 's'}"


def summary_line(outcome: RunOutcome) -> str:
    remaining = len(outcome.findings)
    suppressed = f" {len(outcome.suppressed)} suppressed." if outcome.suppressed else ""
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


def render_text(outcome: RunOutcome, color: bool = False) -> str:
    lines = [format_finding(finding, color, outcome.unsafe_fixes) for finding in outcome.findings]
    lines.append(summary_line(outcome))
    return "\n".join(lines) + "\n"
