"""Run the rules over a source and turn their violations into located findings."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field

from mountlint.edits import Applicability, EditBuilder, Fix, content_end
from mountlint.registry import RegisteredRule, all_rules
from mountlint.rule import Rule, RuleContext, Scope, Severity, Violation
from mountlint.settings import Settings
from mountlint.sources import (
    Decoded,
    DecodeProblem,
    Source,
    decode,
    is_helm_template_text,
    may_hold_findings,
)
from mountlint.workloads import K8sObject, Workloads, find_workloads
from mountlint.yamlnodes import Document, Node, SyntaxProblem, parse_stream


@dataclass(frozen=True)
class Location:
    """A span in a file: 1-based lines and columns, 0-based character offsets."""

    path: str
    line: int
    column: int
    end_line: int
    end_column: int
    offset: int
    end_offset: int


@dataclass(frozen=True)
class RelatedLocation:
    location: Location
    message: str


@dataclass
class Finding:
    """A located, levelled violation of one rule."""

    rule: Rule
    severity: Severity
    message: str
    location: Location
    field_path: str = ""
    fix: Fix | None = None
    related: tuple[RelatedLocation, ...] = ()
    object_kind: str | None = None
    object_name: str | None = None
    object_namespace: str | None = None

    @property
    def fix_applicability(self) -> Applicability | None:
        return self.fix.applicability if self.fix is not None else None


@dataclass
class FileResult:
    """What linting one source gave: findings, and notices that are not findings."""

    source: Source
    findings: list[Finding] = field(default_factory=list)
    decoded: Decoded | None = None
    parsed: bool = False
    notice: str | None = None


def _locate(text: str, path: str, node: Node) -> Location:
    start = node.start_mark
    end_index = content_end(node)
    if end_index is None or end_index < start.index:
        end_index = int(node.end_mark.index)
    end_line, end_column = _line_column(text, end_index)
    return Location(
        path=path,
        line=int(start.line) + 1,
        column=int(start.column) + 1,
        end_line=end_line + 1,
        end_column=end_column + 1,
        offset=int(start.index),
        end_offset=end_index,
    )


def _line_column(text: str, index: int) -> tuple[int, int]:
    line = text.count("\n", 0, index)
    return line, index - (text.rfind("\n", 0, index) + 1)


def _point(path: str, line: int, column: int, offset: int) -> Location:
    return Location(path, line + 1, column + 1, line + 1, column + 1, offset, offset)


def _syntax_rule() -> Rule:
    for registered in all_rules():
        if registered.rule.scope is Scope.SYNTAX:
            return registered.rule
    raise LookupError("no syntax rule is registered")


def lint_source(source: Source, settings: Settings) -> FileResult:
    """Lint one source: skip what cannot hold findings, decode, parse, run the rules."""
    result = FileResult(source=source)
    if not may_hold_findings(source.raw):
        return result
    decoded = decode(source.raw)
    if isinstance(decoded, DecodeProblem):
        if not settings.is_selected(_syntax_rule()):
            return result
        result.findings.append(
            _syntax_finding(source.display, decoded.message, decoded.line, decoded.column, 0)
        )
        return result
    result.decoded = decoded
    if source.path is not None and is_helm_template_text(source.path, decoded.text):
        result.notice = (
            "Helm template (Go template syntax, not YAML): lint `helm template` output instead"
        )
        return result
    result.parsed = True
    result.findings = lint_text(decoded.text, source.display, settings)
    return result


def lint_text(text: str, path: str, settings: Settings) -> list[Finding]:
    """All findings for a YAML text, ordered by position then code."""
    stream = parse_stream(text)
    findings: list[Finding] = []
    rules = tuple(item for item in all_rules() if settings.is_selected(item.rule))
    for document in stream.documents:
        findings.extend(_lint_document(document, text, path, settings, rules))
    if stream.problem is not None and settings.is_selected(_syntax_rule()):
        findings.append(_syntax_from_problem(path, stream.problem))
    findings.sort(key=lambda finding: (finding.location.offset, finding.rule.code))
    return findings


def _syntax_from_problem(path: str, problem: SyntaxProblem) -> Finding:
    return _syntax_finding(path, problem.message, problem.line, problem.column, problem.offset)


def _syntax_finding(path: str, message: str, line: int, column: int, offset: int) -> Finding:
    rule = _syntax_rule()
    return Finding(
        rule=rule,
        severity=rule.severity,
        message=message[:1].upper() + message[1:],
        location=_point(path, line, column, offset),
    )


def _lint_document(
    document: Document, text: str, path: str, settings: Settings, rules: tuple[RegisteredRule, ...]
) -> list[Finding]:
    workloads = find_workloads(document)
    if not workloads.pod_specs and not workloads.persistent_volumes:
        return []
    context = RuleContext(
        settings=settings, document=document, edits=EditBuilder(text, document.shared)
    )
    return [
        _finding(registered.rule, violation, text, path, obj, settings)
        for registered in rules
        for target, obj in _targets(registered.rule.scope, workloads)
        for violation in registered.check(target, context)
    ]


def _targets(scope: Scope, workloads: Workloads) -> Iterator[tuple[object, K8sObject]]:
    """What a rule of ``scope`` is called with, each with the object it belongs to."""
    if scope is Scope.MOUNT:
        for pod in workloads.pod_specs:
            for mount in pod.mounts():
                yield mount, pod.obj
    elif scope is Scope.POD:
        for pod in workloads.pod_specs:
            yield pod, pod.obj
    elif scope is Scope.PERSISTENT_VOLUME:
        for volume in workloads.persistent_volumes:
            yield volume, volume.obj


def _finding(
    rule: Rule, violation: Violation, text: str, path: str, obj: K8sObject, settings: Settings
) -> Finding:
    override = dict(settings.severity_overrides).get(rule.code)
    return Finding(
        rule=rule,
        severity=override or violation.severity or rule.severity,
        message=violation.message,
        location=_locate(text, path, violation.node),
        field_path=violation.field_path,
        fix=violation.fix,
        related=tuple(
            RelatedLocation(_locate(text, path, related.node), related.message)
            for related in violation.related
        ),
        object_kind=obj.kind,
        object_name=obj.name,
        object_namespace=obj.namespace,
    )
