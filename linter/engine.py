"""Run the rules over a source and turn their violations into located findings."""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterator
from dataclasses import field

from mountlint.edits import EditBuilder
from mountlint.exceptions import apply_exceptions, finding_scope
from mountlint.findings import Finding, Location, RelatedLocation, locate, point
from mountlint.nesting import later_document_starts
from mountlint.records import record
from mountlint.registry import RegisteredRule, registered, selected_rules
from mountlint.rule import Rule, RuleContext, Scope, Violation
from mountlint.settings import Settings
from mountlint.sources import (
    RELEVANT_WORDS,
    Decoded,
    DecodeProblem,
    Source,
    decode,
    is_helm_template_text,
    may_hold_findings,
)
from mountlint.suppressions import (
    IGNORE_ANNOTATION,
    AnnotationIgnore,
    apply_suppressions,
    find_directives,
    parse_annotation,
)
from mountlint.workloads import (
    WITHOUT_POD_SPECS,
    K8sObject,
    Workloads,
    controlled_in_stream,
    find_workloads,
    semantic_path,
)
from mountlint.yamlnodes import (
    Document,
    Node,
    ParsedStream,
    ScalarNode,
    SyntaxProblem,
    duplicate_keys,
    get_path,
    parse_stream,
)

__all__ = [
    "FileResult",
    "Finding",
    "Location",
    "RelatedLocation",
    "TextResult",
    "lint_source",
    "lint_text",
]


@record
class FileResult:
    """What linting one source gave: findings, and notices that are not findings."""

    source: Source
    findings: list[Finding] = field(default_factory=list)
    suppressed: list[Finding] = field(default_factory=list)
    decoded: Decoded | None = None
    parsed: bool = False
    notice: str | None = None


#: The rules the engine itself reports under, by their scope (parse failures, unused
#: suppressions): looked up by code, so that reporting one imports no other rule.
_ENGINE_RULES = {Scope.SYNTAX: "ML001", Scope.SUPPRESSION: "ML002"}


def _engine_rule(scope: Scope) -> Rule:
    """The rule under which the engine itself reports (parse failures, unused suppressions)."""
    rule = registered(_ENGINE_RULES[scope]).rule
    if rule.scope is not scope:  # pragma: no cover - the table and the rule modules disagree
        raise LookupError(f"{rule.code} does not have scope {scope.value}")
    return rule


def _syntax_rule() -> Rule:
    return _engine_rule(Scope.SYNTAX)


def lint_source(source: Source, settings: Settings) -> FileResult:
    """Lint one source: skip what cannot hold findings, decode, parse, run the rules."""
    result = FileResult(source=source)
    if not may_hold_findings(source.raw):
        return result
    decoded = decode(source.raw)
    if isinstance(decoded, DecodeProblem):
        if settings.is_selected(_syntax_rule()):
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
    analysed = analyze_text(decoded.text, source.display, settings)
    result.findings, result.suppressed = analysed.findings, analysed.suppressed
    return result


@record
class TextResult:
    """Findings that stand, and those silenced by suppression comments or annotations."""

    findings: list[Finding]
    suppressed: list[Finding]


_KIND_AFTER_BREAK = re.compile(r"\nkind:[ \t]*[\"']?([A-Za-z]+)")
#: A ``---`` line with nothing after it but blanks and a comment.
_BARE_DOCUMENT_START = re.compile(r"---[ \t]*(?:#[^\n]*)?\r?(?:\n|\Z)")
#: A carriage return that does not end a line: blanking turns it into a space.
_LONE_CARRIAGE_RETURN = re.compile(r"\r(?!\n|\Z)")
#: Blanking an ASCII text byte by byte: a space for everything but ``\n`` and ``\r``.
_BLANK_BYTES = bytes.maketrans(
    bytes(range(128)), bytes(byte if byte in b"\n\r" else 32 for byte in range(128))
)
#: Streams shorter than this are parsed whole; skipping documents only pays off on big files.
SPARSE_FROM_CHARACTERS = 32 * 1024


def relevant_documents(text: str, trailing: bool = True) -> str:
    """``text`` with the documents that cannot hold a finding blanked out, offsets unchanged.

    A document that mentions none of the words mountlint looks for, or whose kind never embeds
    a pod spec (a CustomResourceDefinition's schema mentions ``volumeMounts`` but mounts
    nothing), is replaced by spaces, so big streams of CRDs parse in a fraction of the time while
    every line, column and offset of the other documents stays where it was. ``---`` at the start
    of a line always starts a document in YAML, so splitting there is exact. A document that
    mentions ``mountlint:`` is kept: only parsing tells a directive comment from the same text
    inside a block scalar.

    Without ``trailing``, the blanked documents after the last one that holds anything are left
    out, but for the ``---`` line that follows it (which ends it as it did): the parser reads
    spaces one by one, and a stream often ends in megabytes of them.
    """
    if len(text) < SPARSE_FROM_CHARACTERS:
        return text
    starts = _document_starts(text)
    if not starts:
        return text
    spans = list(itertools.pairwise([0, *starts, len(text)]))
    kept: list[bool] = []
    last = -1  # the last piece that holds anything but spaces and a bare ``---`` line
    for index, (low, high) in enumerate(spans):
        chunk = text[low:high]
        kept.append(_may_hold_findings(chunk) or "mountlint:" in chunk)
        if kept[-1] or (chunk.startswith("---") and not _BARE_DOCUMENT_START.match(chunk)):
            last = index  # (a ``---`` line that holds a node or a problem is read too)
    end = len(spans) if trailing else last + 1
    pieces = [
        text[low:high] if keep else _blank(text[low:high])
        for (low, high), keep in zip(spans[:end], kept, strict=False)
    ]
    if end < len(spans) and text.startswith("---", spans[end][0]):
        low, high = spans[end]  # the bare ``---`` line that ends the last piece read
        line_end = text.find("\n", low, high)
        pieces.append(text[low:high] if line_end < 0 else text[low : line_end + 1])
    return "".join(pieces)


def any_document_may_hold_findings(text: str, words: tuple[str, ...] = RELEVANT_WORDS) -> bool:
    """Whether some document of ``text`` can hold a finding, by the test of
    :func:`relevant_documents` (a stream of CustomResourceDefinitions cannot); ``words`` narrows
    the words looked for."""
    bounds = [0, *_document_starts(text), len(text)]
    return any(
        _may_hold_findings(text[low:high], words) for low, high in itertools.pairwise(bounds)
    )


def _document_starts(text: str) -> list[int]:
    """Offsets of the ``---`` lines of ``text``."""
    starts = later_document_starts(text)
    if text.startswith("---") and text[3:4] in ("", " ", "\t", "\r", "\n"):
        starts.insert(0, 0)
    return starts


def _may_hold_findings(chunk: str, words: tuple[str, ...] = RELEVANT_WORDS) -> bool:
    if not any(word in chunk for word in words):
        return False
    kinds = _KIND_AFTER_BREAK.findall("\n" + chunk if chunk.startswith("kind:") else chunk)
    return not (len(kinds) == 1 and kinds[0] in WITHOUT_POD_SPECS)


def _blank(chunk: str) -> str:
    """Spaces for everything but line breaks and the ``---`` marker line, so every line, column
    and offset stays where it was (a ``\r`` ending a line is a line break too)."""
    head = ""
    if chunk.startswith("---"):
        end = chunk.find("\n")
        if end < 0:
            return chunk
        head, chunk = chunk[:end], chunk[end:]
    if not chunk.isascii():
        return head + "\n".join(
            " " * (len(line) - 1) + "\r" if line.endswith("\r") else " " * len(line)
            for line in chunk.split("\n")
        )
    blanked = chunk.encode("ascii").translate(_BLANK_BYTES).decode("ascii")
    if "\r" in blanked:
        blanked = _LONE_CARRIAGE_RETURN.sub(" ", blanked)
    return head + blanked


def lint_text(text: str, path: str, settings: Settings) -> list[Finding]:
    """The findings that stand for a YAML text, ordered by position then code."""
    return analyze_text(text, path, settings).findings


def analyze_text(
    text: str, path: str, settings: Settings, stream: ParsedStream | None = None
) -> TextResult:
    """Run the selected rules over a YAML text and apply its suppressions.

    ``stream`` is the text already parsed, when the caller needed the nodes too.
    """
    stream = stream or parse_stream(relevant_documents(text, trailing=False))
    findings: list[Finding] = []
    annotations: list[AnnotationIgnore] = []
    rules = selected_rules(settings)
    found = [find_workloads(document) for document in stream.documents]
    owned = controlled_in_stream([obj for workloads in found for obj in workloads.objects])
    for document, workloads in zip(stream.documents, found, strict=True):
        if owned:
            workloads.pod_specs = [pod for pod in workloads.pod_specs if id(pod.obj) not in owned]
        findings.extend(
            _lint_document(document, workloads, text, path, settings, rules, annotations)
        )
    if settings.is_selected(_syntax_rule()):
        # kubectl rejects a document with a duplicate key, but the other findings and their
        # fixes still hold for it: it is linted all the same
        for document in stream.documents:
            for duplicate in duplicate_keys(document.root, text):
                findings.append(_syntax_from_problem(path, duplicate))
        if stream.problem is not None:
            findings.append(_syntax_from_problem(path, stream.problem))
    for workloads in found:
        workloads.release()
    directives = find_directives(text, stream.documents, stream.problem)
    active: list[Finding] = findings
    suppressed: list[Finding] = []
    if directives or annotations:
        active, suppressed = apply_suppressions(
            findings, directives, annotations, text, path, settings, _engine_rule(Scope.SUPPRESSION)
        )
    if settings.exceptions:
        active, excepted = apply_exceptions(active, settings.exceptions)
        suppressed = [*suppressed, *excepted]
    active.sort(key=lambda finding: (finding.location.offset, finding.rule.code))
    return TextResult(active, suppressed)


def _syntax_from_problem(path: str, problem: SyntaxProblem) -> Finding:
    return _syntax_finding(path, problem.message, problem.line, problem.column, problem.offset)


def _syntax_finding(path: str, message: str, line: int, column: int, offset: int) -> Finding:
    rule = _syntax_rule()
    return Finding(
        rule=rule,
        severity=rule.severity,
        message=message[:1].upper() + message[1:],
        location=point(path, line, column, offset),
    )


def _lint_document(
    document: Document,
    workloads: Workloads,
    text: str,
    path: str,
    settings: Settings,
    rules: tuple[RegisteredRule, ...],
    annotations: list[AnnotationIgnore],
) -> list[Finding]:
    ignores = {id(obj): _annotation(obj) for obj in workloads.objects}
    annotations.extend(ignore for ignore in ignores.values() if ignore is not None)
    if not workloads.pod_specs and not workloads.persistent_volumes:
        return []
    context = RuleContext(
        settings=settings, document=document, edits=EditBuilder(text, document.shared)
    )
    return [
        _finding(
            registered.rule,
            violation,
            text,
            path,
            (target, obj),
            settings,
            ignores[id(obj)],
            document.root,
        )
        for registered in rules
        for target, obj in _targets(registered.rule.scope, workloads)
        for violation in registered.check(target, context)
    ]


def _annotation(obj: K8sObject) -> AnnotationIgnore | None:
    node = get_path(obj.node, "metadata", "annotations", IGNORE_ANNOTATION)
    return parse_annotation(node) if isinstance(node, ScalarNode) else None


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
    elif scope is Scope.HOST_PATH:
        for use in workloads.host_paths():
            yield use, use.obj


def _finding(
    rule: Rule,
    violation: Violation,
    text: str,
    path: str,
    subject: tuple[object, K8sObject],
    settings: Settings,
    annotation: AnnotationIgnore | None,
    document_root: Node,
) -> Finding:
    target, obj = subject
    override = dict(settings.severity_overrides).get(rule.code)
    labels, containers, host_paths = finding_scope(target, obj, violation.field_path)
    return Finding(
        rule=rule,
        severity=override or violation.severity or rule.severity,
        message=violation.message,
        explanation=violation.detail or violation.message,
        location=locate(text, path, violation.node),
        field_path=violation.field_path,
        semantic_path=semantic_path(document_root, violation.field_path),
        fix=violation.fix,
        related=tuple(
            RelatedLocation(locate(text, path, related.node), related.message)
            for related in violation.related
        ),
        object_kind=obj.kind,
        object_name=obj.name,
        object_namespace=obj.namespace,
        live=obj.live,
        annotation=annotation,
        object_labels=labels,
        containers=containers,
        host_paths=host_paths,
    )
