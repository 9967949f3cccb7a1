"""The SARIF 2.1.0 report (``--format sarif``), for GitHub code scanning and other SARIF viewers.

The log is built from ``sarif-om`` objects and turned into JSON by a small serializer that walks
their attrs fields and uses each field's ``schema_property_name``; fields left at their default
are omitted. Rule metadata comes from the rule docstrings, so ``--explain``, ``docs/rules.md``
and the SARIF help text are one text.
"""

from __future__ import annotations

import hashlib
import re
from pathlib import Path
from typing import Any
from urllib.parse import quote, unquote

import attr
import sarif_om as om

from mountlint.edits import Applicability
from mountlint.findings import Finding, Location
from mountlint.jsontext import dumps_indented
from mountlint.printable import escape_json_text
from mountlint.registry import RegisteredRule, all_rules
from mountlint.report import RunOutcome
from mountlint.rule import Severity
from mountlint.ruledocs import sections
from mountlint.version import __version__

SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
SARIF_VERSION = "2.1.0"
INFORMATION_URI = "https://github.com/mountlint/mountlint"
RULES_DOC_URI = f"{INFORMATION_URI}/blob/main/docs/rules.md"
FINGERPRINT_KEY = "mountlint/v1"
SRCROOT = "%SRCROOT%"

_LEVELS = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "note"}
_PROBLEM_SEVERITY = {
    Severity.ERROR: "error",
    Severity.WARNING: "warning",
    Severity.INFO: "recommendation",
}
_SECURITY_SEVERITY = {Severity.ERROR: "8.0", Severity.WARNING: "5.0", Severity.INFO: "2.0"}


def to_json(value: Any) -> Any:
    """JSON data for a sarif-om object graph: schema property names, defaults omitted."""
    if attr.has(type(value)):
        out: dict[str, Any] = {}
        for field in attr.fields(type(value)):
            item = getattr(value, field.name)
            default = field.default
            if isinstance(default, attr.Factory):  # type: ignore[arg-type]
                default = default.factory()
            if item is None or (default is not attr.NOTHING and item == default):
                continue
            out[field.metadata.get("schema_property_name", field.name)] = to_json(item)
        return out
    if isinstance(value, dict):
        return {key: to_json(item) for key, item in value.items() if item is not None}
    if isinstance(value, (list, tuple)):
        return [to_json(item) for item in value]
    return value


def pascal_case(name: str) -> str:
    """``host-mount-pins-runtime-mounts`` -> ``HostMountPinsRuntimeMounts``."""
    return "".join(part[:1].upper() + part[1:] for part in name.split("-"))


def repository_root(start: Path) -> Path:
    """The folder holding ``.git`` at or above ``start``, else ``start``."""
    start = start.resolve()
    for directory in (start, *start.parents):
        if (directory / ".git").exists():
            return directory
    return start


def _plain_text(markdown: str) -> str:
    text = re.sub(r"```\w*\n", "", markdown).replace("```", "")
    return re.sub(r"`([^`]*)`", r"\1", text)


def _sentence(text: str) -> str:
    text = text.strip()
    return text if text.endswith((".", "!", "?")) else text + "."


def _descriptor(registered: RegisteredRule) -> om.ReportingDescriptor:
    rule = registered.rule
    doc_sections = sections(rule.doc)
    what = doc_sections.get("What it does", rule.summary)
    first_paragraph = what.split("\n\n")[0].replace("\n", " ")
    properties: dict[str, Any] = {
        "tags": list(rule.tags),
        "precision": "very-high" if rule.code.startswith(("ML0", "ML3")) else "high",
        "problem.severity": _PROBLEM_SEVERITY[rule.severity],
    }
    if "security" in rule.tags:
        properties["security-severity"] = _SECURITY_SEVERITY[rule.severity]
    anchor = f"{rule.code.lower()}-{rule.name}"
    return om.ReportingDescriptor(
        id=rule.code,
        name=pascal_case(rule.name),
        short_description=om.MultiformatMessageString(text=_sentence(rule.summary)),
        full_description=om.MultiformatMessageString(
            text=_sentence(_plain_text(first_paragraph)), markdown=_sentence(first_paragraph)
        ),
        help=om.MultiformatMessageString(text=_plain_text(rule.doc), markdown=rule.doc),
        help_uri=f"{RULES_DOC_URI}#{anchor}",
        default_configuration=om.ReportingConfiguration(
            level=_LEVELS[rule.severity], enabled=rule.enabled_by_default
        ),
        properties=properties,
    )


class _Artifacts:
    """Maps report paths to SARIF artifact locations relative to the repository root."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def location(self, path: str) -> om.ArtifactLocation:
        """A relative URI under ``%SRCROOT%`` (percent-encoded, as RFC 3986 wants), else a
        ``file:`` URI; a rendered stream's name such as ``chart (helm template)`` has spaces."""
        if path == "-":
            return om.ArtifactLocation(uri="stdin")
        absolute = Path(path).resolve()
        try:
            relative = absolute.relative_to(self.root)
        except ValueError:
            return om.ArtifactLocation(uri=absolute.as_uri())
        return om.ArtifactLocation(uri=quote(relative.as_posix()), uri_base_id=SRCROOT)

    def relative(self, path: str) -> str:
        """The path as the fingerprints name it: relative to the root, not percent-encoded."""
        location = self.location(path)
        return unquote(str(location.uri)) if location.uri_base_id == SRCROOT else str(location.uri)


def _region(location: Location) -> om.Region:
    return om.Region(
        start_line=location.line,
        start_column=location.column,
        end_line=location.end_line,
        end_column=max(location.end_column, location.column + 1)
        if location.end_line == location.line
        else location.end_column,
    )


def fingerprint(finding: Finding, relative_path: str) -> str:
    """A location-independent key: rule, file, object and the named YAML path of the node."""
    identity = finding.semantic_path or finding.message
    parts = [
        finding.rule.code,
        relative_path,
        finding.object_kind or "",
        finding.object_namespace or "",
        finding.object_name or "",
        identity,
    ]
    return hashlib.sha256("\0".join(parts).encode()).hexdigest()[:32]


def _fixes(finding: Finding, artifacts: _Artifacts) -> list[om.Fix] | None:
    fix = finding.fix
    if fix is None or not fix.edits or fix.applicability is Applicability.DISPLAY_ONLY:
        return None
    replacements = [
        om.Replacement(
            deleted_region=om.Region(char_offset=edit.start, char_length=edit.end - edit.start),
            inserted_content=om.ArtifactContent(text=edit.content) if edit.content else None,
        )
        for edit in fix.edits
    ]
    return [
        om.Fix(
            description=om.Message(
                text=_sentence(f"{fix.description} ({fix.applicability.value})")
            ),
            artifact_changes=[
                om.ArtifactChange(
                    artifact_location=artifacts.location(finding.location.path),
                    replacements=replacements,
                )
            ],
        )
    ]


def _suppressions(finding: Finding, suppressed: bool) -> list[dict[str, str]] | None:
    """SARIF suppressions: a comment is ``inSource``; a configuration exception or the baseline
    is ``external`` and ``accepted``; the reason given becomes the ``justification``.

    Plain dictionaries, because sarif-om names ``status`` after an older draft (``state``).
    """
    if not suppressed:
        return None
    suppression = finding.suppression
    kind = suppression.kind if suppression is not None else "inSource"
    out = {"kind": kind}
    if kind == "external":
        out["status"] = "accepted"
    if suppression is not None and suppression.justification:
        out["justification"] = suppression.justification
    return [out]


def _result(
    finding: Finding,
    rule_index: dict[str, int],
    artifacts: _Artifacts,
    suppressed: bool,
    baseline_state: str | None = None,
) -> om.Result:
    related = [
        om.Location(
            id=number,
            physical_location=om.PhysicalLocation(
                artifact_location=artifacts.location(item.location.path),
                region=_region(item.location),
            ),
            message=om.Message(text=_sentence(item.message)),
        )
        for number, item in enumerate(finding.related, start=1)
    ]
    return om.Result(
        rule_id=finding.rule.code,
        rule_index=rule_index[finding.rule.code],
        level=_LEVELS[finding.severity],
        message=om.Message(text=_sentence(finding.message)),
        locations=[
            om.Location(
                physical_location=om.PhysicalLocation(
                    artifact_location=artifacts.location(finding.location.path),
                    region=_region(finding.location),
                )
            )
        ],
        related_locations=related or None,
        partial_fingerprints={
            FINGERPRINT_KEY: fingerprint(finding, artifacts.relative(finding.location.path))
        },
        fixes=_fixes(finding, artifacts),
        suppressions=_suppressions(finding, suppressed),
        baseline_state=baseline_state,
    )


def build_log(
    outcome: RunOutcome,
    root: Path,
    category: str | None = None,
    include_suppressed: bool = False,
    show_baselined: bool = False,
) -> om.SarifLog:
    """The SARIF log for a run.

    With a baseline, new results have ``baselineState: new``; baselined ones (listed with
    ``--show-baselined``) are ``unchanged`` and suppressed as accepted, so code scanning does
    not open alerts for them.
    """
    registered = all_rules()
    rule_index = {item.rule.code: index for index, item in enumerate(registered)}
    artifacts = _Artifacts(root)
    state = "new" if outcome.baseline is not None else None
    results = [_result(f, rule_index, artifacts, False, state) for f in outcome.findings]
    if include_suppressed:
        results += [_result(f, rule_index, artifacts, suppressed=True) for f in outcome.suppressed]
    if show_baselined:
        results += [_result(f, rule_index, artifacts, True, "unchanged") for f in outcome.baselined]
    notifications = [
        om.Notification(
            message=om.Message(text=_sentence(f"{problem.display}: {problem.message}")),
            level="error",
            locations=[
                om.Location(
                    physical_location=om.PhysicalLocation(
                        artifact_location=artifacts.location(problem.display)
                    )
                )
            ],
        )
        for problem in outcome.problems
    ]
    invocation = om.Invocation(
        execution_successful=outcome.exit_code != 2,
        exit_code=outcome.exit_code,
        tool_execution_notifications=notifications or None,
    )
    run = om.Run(
        tool=om.Tool(
            driver=om.ToolComponent(
                name="mountlint",
                version=__version__,
                semantic_version=__version__,
                information_uri=INFORMATION_URI,
                rules=[_descriptor(item) for item in registered],
            )
        ),
        invocations=[invocation],
        results=results,
        column_kind="unicodeCodePoints",
        original_uri_base_ids={SRCROOT: om.ArtifactLocation(uri=root.as_uri() + "/")},
        automation_details=om.RunAutomationDetails(id=category) if category else None,
    )
    return om.SarifLog(version=SARIF_VERSION, schema_uri=SARIF_SCHEMA, runs=[run])


def render_sarif(
    outcome: RunOutcome,
    root: Path,
    category: str | None = None,
    include_suppressed: bool = False,
    show_baselined: bool = False,
) -> str:
    data = to_json(build_log(outcome, root, category, include_suppressed, show_baselined))
    ordered = {"$schema": data.pop("$schema"), "version": data.pop("version"), **data}
    return escape_json_text(dumps_indented(ordered)) + "\n"
