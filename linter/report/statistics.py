"""``--statistics``: how many findings each rule has, and how many ``--fix`` would fix."""

from __future__ import annotations

import json
from dataclasses import asdict

from mountlint.edits import Applicability
from mountlint.findings import Finding
from mountlint.records import record
from mountlint.report import RunOutcome


@record(frozen=True)
class RuleCount:
    code: str
    name: str
    count: int
    fixable: int


def is_fixable(finding: Finding, unsafe_fixes: bool) -> bool:
    """Whether this run's ``--fix`` (with ``--unsafe-fixes`` when given) would fix it."""
    fix = finding.fix
    if fix is None or not fix.edits:
        return False
    return fix.applicability is Applicability.SAFE or (
        unsafe_fixes and fix.applicability is Applicability.UNSAFE
    )


def rule_counts(outcome: RunOutcome) -> list[RuleCount]:
    """One entry per rule with findings: most findings first, then by code."""
    counts: dict[str, list[int]] = {}
    names: dict[str, str] = {}
    for finding in outcome.findings:
        code = finding.rule.code
        names[code] = finding.rule.name
        entry = counts.setdefault(code, [0, 0])
        entry[0] += 1
        entry[1] += is_fixable(finding, outcome.unsafe_fixes)
    return sorted(
        (RuleCount(code, names[code], count, fixable) for code, (count, fixable) in counts.items()),
        key=lambda item: (-item.count, item.code),
    )


def statistics_lines(outcome: RunOutcome) -> list[str]:
    """``COUNT  FIXABLE fixable  CODE  NAME`` lines, the numbers aligned."""
    counts = rule_counts(outcome)
    if not counts:
        return []
    count_width = max(len(str(item.count)) for item in counts)
    fixable_width = max(len(str(item.fixable)) for item in counts)
    return [
        f"{item.count:>{count_width}}  {item.fixable:>{fixable_width}} fixable  "
        f"{item.code}  {item.name}"
        for item in counts
    ]


def render_statistics_json(outcome: RunOutcome) -> str:
    """The statistics as a JSON array of ``{code, name, count, fixable}``."""
    return json.dumps([asdict(item) for item in rule_counts(outcome)], indent=2) + "\n"
