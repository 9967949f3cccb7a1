"""Suppression comments and annotations, and the findings they silence.

- ``# mountlint: disable=ML101,writable-host-path`` at the end of the flagged line, or alone on
  the line above it (``# mountlint: disable`` without codes silences every rule there);
- ``# mountlint: disable-file`` anywhere in a file;
- the object annotation ``mountlint.io/ignore: "ML101,ML203"`` (or ``all``).

A directive that silences nothing is itself reported (ML002), so stale ones get cleaned up.
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from collections.abc import Iterable
from dataclasses import field, replace

from mountlint.edits import Applicability, Edit, Fix
from mountlint.findings import (
    AnnotationIgnore as AnnotationIgnore,  # the engine reads it here
)
from mountlint.findings import Finding, Suppression, line_column, locate, point
from mountlint.records import record
from mountlint.registry import find_rule, rule_index
from mountlint.rule import Rule
from mountlint.settings import Settings
from mountlint.yamlnodes import (
    Document,
    MappingNode,
    Node,
    ScalarNode,
    SequenceNode,
    SyntaxProblem,
    is_plain,
)

IGNORE_ANNOTATION = "mountlint.io/ignore"

_DIRECTIVE = re.compile(
    r"(?:^|(?<=[ \t]))#[ \t]*mountlint:[ \t]*(?P<kind>disable-file|disable)\b"
    r"(?:[ \t]*=[ \t]*(?P<codes>[A-Za-z0-9_-]+(?:[ \t]*,[ \t]*[A-Za-z0-9_-]+)*))?"
    r"(?P<reason>[^\r\n]*)",
    re.MULTILINE,
)


def resolve_selectors(text: str) -> tuple[dict[str, str], list[str]]:
    """Codes for the comma- or space-separated rule codes and names in ``text``.

    Returns code -> selector as written, and the selectors that name no rule.
    """
    codes: dict[str, str] = {}
    unknown: list[str] = []
    for selector in re.split(r"[,\s]+", text.strip()):
        if not selector:
            continue
        registered = find_rule(selector)
        if registered is None:
            unknown.append(selector)
        else:
            codes[registered.rule.code] = selector
    return codes, unknown


@record
class Directive:
    """One ``# mountlint:`` comment; ``codes`` None means every rule."""

    line: int  #: 1-based line of the comment
    start: int  #: character offset of ``#``
    end: int  #: character offset after the rule list (a reason may follow)
    line_end: int  #: character offset of the end of the line (before the line ending)
    file_level: bool
    standalone: bool  #: alone on its line, so it applies to the next line
    codes: dict[str, str] | None  #: code -> selector as written
    unknown: list[str] = field(default_factory=list)
    used: set[str] = field(default_factory=set)
    reason: str | None = None  #: what follows the rules (``-- reason``)

    @property
    def target_line(self) -> int:
        return self.line + 1 if self.standalone else self.line

    def covers(self, code: str, first_line: int, last_line: int) -> bool:
        """Whether this silences ``code`` for a finding spanning ``first_line..last_line``."""
        if not self.file_level and not first_line <= self.target_line <= last_line:
            return False
        return self.codes is None or code in self.codes


def find_directives(
    text: str, documents: Iterable[Document], problem: SyntaxProblem | None = None
) -> list[Directive]:
    """The suppression comments of ``text`` (text inside quoted or block scalars is skipped).

    ``documents`` must cover every document that holds ``mountlint:``. When the stream stopped
    at a syntax ``problem``, the rest is tokenized to find its strings; past a point even that
    cannot read, nothing is a directive.
    """
    if "mountlint:" not in text:
        return []
    spans = _string_spans(documents)
    limit = len(text)
    if problem is not None:
        scanned, limit = _scanned_string_spans(text)
        spans.extend(scanned)
    spans = _merged(spans)
    span_starts = [low for low, _ in spans]
    directives = []
    for match in _DIRECTIVE.finditer(text):
        start = match.start()
        if start >= limit or _inside_any(start, spans, span_starts):
            continue
        line, column = line_column(text, start)
        line_start = start - column
        codes: dict[str, str] | None = None
        unknown: list[str] = []
        if match.group("codes"):
            codes, unknown = resolve_selectors(match.group("codes"))
        directives.append(
            Directive(
                line=line + 1,
                start=start,
                end=match.end("codes") if match.group("codes") else match.end("kind"),
                line_end=match.end(),
                file_level=match.group("kind") == "disable-file",
                standalone=not text[line_start:start].strip(),
                codes=codes,
                unknown=unknown,
                reason=_reason(match.group("reason")),
            )
        )
    return directives


def _merged(spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """``spans`` sorted, with overlapping ones joined (the parsed and the scanned may overlap)."""
    merged: list[tuple[int, int]] = []
    for low, high in sorted(spans):
        if merged and low <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], high))
        else:
            merged.append((low, high))
    return merged


def _inside_any(offset: int, spans: list[tuple[int, int]], starts: list[int]) -> bool:
    """Whether ``offset`` lies in one of the sorted, non-overlapping ``spans``."""
    index = bisect_right(starts, offset) - 1
    return index >= 0 and offset < spans[index][1]


def _reason(text: str) -> str | None:
    """``-- falco needs the socket`` -> ``falco needs the socket``."""
    reason = text.strip().lstrip("-:#").strip()
    return reason or None


def _string_spans(documents: Iterable[Document]) -> list[tuple[int, int]]:
    """Spans of quoted and block scalars, where ``#`` is text, not a comment."""
    spans = []
    for document in documents:
        seen: set[int] = set()
        stack: list[Node] = [document.root]
        while stack:
            node = stack.pop()
            if id(node) in seen:
                continue
            seen.add(id(node))
            if isinstance(node, ScalarNode):
                if not is_plain(node):
                    spans.append((int(node.start_mark.index), int(node.end_mark.index)))
            elif isinstance(node, MappingNode):
                for key, value in node.value:
                    stack.extend((key, value))
            elif isinstance(node, SequenceNode):
                stack.extend(node.value)
    return spans


def _scanned_string_spans(text: str) -> tuple[list[tuple[int, int]], int]:
    """Spans of quoted and block scalars found by the scanner, and where it had to stop.

    The scanner reads on past errors that stop the composer, such as a missing key.
    """
    from ruamel.yaml import YAML
    from ruamel.yaml.error import MarkedYAMLError, YAMLError
    from ruamel.yaml.tokens import ScalarToken

    spans = []
    try:
        for token in YAML(typ="safe", pure=True).scan(text):
            if isinstance(token, ScalarToken) and token.style:
                spans.append((int(token.start_mark.index), int(token.end_mark.index)))
    except MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        return spans, int(getattr(mark, "index", 0) or 0)
    except (YAMLError, RecursionError):
        return spans, 0
    return spans, len(text)


def parse_annotation(node: ScalarNode) -> AnnotationIgnore:
    """Read ``"ML101, writable-host-path"`` or ``all``."""
    text = str(node.value).strip()
    if text.lower() == "all":
        return AnnotationIgnore(node=node, codes=None)
    codes, unknown = resolve_selectors(text)
    return AnnotationIgnore(node=node, codes=codes, unknown=unknown)


def apply_suppressions(
    findings: list[Finding],
    directives: list[Directive],
    annotations: list[AnnotationIgnore],
    text: str,
    path: str,
    settings: Settings,
    unused_rule: Rule,
) -> tuple[list[Finding], list[Finding]]:
    """Split ``findings`` into standing and suppressed ones; report unused suppressions."""
    active: list[Finding] = []
    suppressed: list[Finding] = []
    by_line = _DirectivesByLine(directives)
    for finding in findings:
        code = finding.rule.code
        annotation = finding.annotation
        if annotation is not None and annotation.covers(code):
            annotation.used.add(code)
            suppressed.append(replace(finding, suppression=Suppression("inSource")))
            continue
        directive = next(
            (
                d
                for d in by_line.around(finding.location.line, finding.location.end_line)
                if d.covers(code, finding.location.line, finding.location.end_line)
            ),
            None,
        )
        if directive is not None:
            directive.used.add(code)
            suppressed.append(
                replace(finding, suppression=Suppression("inSource", directive.reason))
            )
        else:
            active.append(finding)
    if settings.is_selected(unused_rule):
        selected = {entry.code for entry in rule_index() if settings.is_selected(entry)}
        for directive in directives:
            active.extend(_unused_directive(directive, selected, text, path, unused_rule))
        for annotation in annotations:
            active.extend(_unused_annotation(annotation, selected, text, path, unused_rule))
    return active, suppressed


class _DirectivesByLine:
    """Directives found by the lines they apply to, so each finding looks only at its own lines."""

    def __init__(self, directives: list[Directive]) -> None:
        self.file_level = [d for d in directives if d.file_level]
        self.by_target = sorted(
            (d for d in directives if not d.file_level), key=lambda d: (d.target_line, d.start)
        )
        self.targets = [d.target_line for d in self.by_target]

    def around(self, first_line: int, last_line: int) -> list[Directive]:
        """The directives that may apply to lines ``first_line..last_line``, in text order."""
        low = bisect_left(self.targets, first_line)
        high = bisect_right(self.targets, last_line)
        found = self.by_target[low:high]
        if self.file_level:
            found = [*found, *self.file_level]
        return sorted(found, key=lambda d: d.start) if len(found) > 1 else found


def _unused_codes(
    codes: dict[str, str] | None, used: set[str], selected: set[str]
) -> list[str] | None:
    """Selected codes nobody used; None for a bare directive that silenced nothing."""
    if codes is None:
        return None if not used else []
    return [code for code in codes if code in selected and code not in used]


def _problems(unknown: list[str], unused: list[str] | None, nothing: str, where: str) -> list[str]:
    """What is wrong with a suppression: unknown rules, and rules that silenced nothing."""
    problems = [f"unknown rule '{name}'" for name in unknown]
    if unused is None:
        problems.append(nothing)
    elif unused:
        problems.append(f"no {', '.join(unused)} finding {where}")
    return problems


def _unused_directive(
    directive: Directive, selected: set[str], text: str, path: str, rule: Rule
) -> list[Finding]:
    unused = _unused_codes(directive.codes, directive.used, selected)
    problems = _problems(
        directive.unknown, unused, "it silences no finding", _scope_words(directive)
    )
    if not problems:
        return []
    keep = [
        selector
        for code, selector in (directive.codes or {}).items()
        if unused is not None and code not in unused
    ]
    fix = _directive_fix(directive, keep, text)
    line, column = line_column(text, directive.start)
    return [
        Finding(
            rule=rule,
            severity=rule.severity,
            message=f"Unused suppression comment: {'; '.join(problems)}",
            location=point(path, line, column, directive.start),
            fix=fix,
        )
    ]


def _scope_words(directive: Directive) -> str:
    if directive.file_level:
        return "in this file"
    return f"on line {directive.target_line}"


def _directive_fix(directive: Directive, keep: list[str], text: str) -> Fix:
    if keep:
        replacement = (
            f"# mountlint: {'disable-file' if directive.file_level else 'disable'}={','.join(keep)}"
        )
        return Fix(
            "Remove the unused rules from the comment",
            Applicability.SAFE,
            (Edit(directive.start, directive.end, replacement),),
        )
    line_start = text.rfind("\n", 0, directive.start) + 1
    if directive.standalone:
        newline = text.find("\n", directive.line_end)
        stop = len(text) if newline == -1 else newline + 1
        edit = Edit(line_start, stop, "")
    else:
        start = directive.start
        while start > line_start and text[start - 1] in " \t":
            start -= 1
        edit = Edit(start, directive.line_end, "")
    return Fix("Remove the unused suppression comment", Applicability.SAFE, (edit,))


def _unused_annotation(
    annotation: AnnotationIgnore, selected: set[str], text: str, path: str, rule: Rule
) -> list[Finding]:
    unused = _unused_codes(annotation.codes, annotation.used, selected)
    problems = _problems(
        annotation.unknown, unused, "it silences no finding of this object", "in this object"
    )
    if not problems:
        return []
    return [
        Finding(
            rule=rule,
            severity=rule.severity,
            message=f"Unused {IGNORE_ANNOTATION} annotation: {'; '.join(problems)}",
            location=locate(text, path, annotation.node),
        )
    ]
