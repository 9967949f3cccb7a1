"""Moving findings and fixes from a rendered stream to the chart's templates."""

from __future__ import annotations

import bisect
import re
from collections.abc import Iterable
from dataclasses import field, replace
from pathlib import Path

from mountlint.edits import (
    Applicability,
    Edit,
    Fix,
    apply_edits,
    is_applicable,
    select_non_overlapping,
)
from mountlint.findings import Finding, Location, RelatedLocation, locate
from mountlint.helm.align import CONTEXT_LINES, _agrees, _Aligner
from mountlint.helm.stream import RenderedDocument, split_rendered
from mountlint.helm.templates import (
    _BLANK,
    _LITERAL,
    _PATTERN,
    _SILENT,
    _Line,
    _line_of,
    _line_starts,
    _TemplateModel,
)
from mountlint.records import record
from mountlint.sources import Decoded, FileStamp, decode
from mountlint.yamlnodes import Node, get_path, parse_stream

#: How a message that could not be placed on a template line names the rendered line.
RENDERED_AT = " (rendered at "
#: The largest block of rendered lines searched for verbatim in a template to carry a fix over.
MAX_FIX_CONTEXT = 24


# --------------------------------------------------------------------------- mapping findings


@record
class _Template:
    """A template file as read once: its text, how to write it back, and its line model."""

    path: Path
    display: str
    decoded: Decoded
    stamp: FileStamp
    _model: _TemplateModel | None = None

    @property
    def model(self) -> _TemplateModel:
        if self._model is None:
            self._model = _TemplateModel(self.decoded.text)
        return self._model


@record
class TemplateChange:
    """What applying fixes to one template gave.

    ``fixed`` is the new text (the original when ``problem`` says why nothing was applied);
    ``data`` is it encoded as the file was; ``stamp`` is the file as read, for
    ``fixes.write_atomically``.
    """

    path: Path
    display: str
    original: str
    fixed: str
    data: bytes
    stamp: FileStamp
    applied: list[Finding] = field(default_factory=list)
    problem: str | None = None

    @property
    def changed(self) -> bool:
        return self.fixed != self.original


def _read_template(path: Path) -> _Template | None:
    """A chart file as read once, or None when it cannot be read as text."""
    try:
        stamp = FileStamp.of(path)  # before reading: a later change makes writing refuse
        raw = path.read_bytes()
    except OSError:
        return None
    decoded = decode(raw)
    if not isinstance(decoded, Decoded):
        return None
    return _Template(path, str(path), decoded, stamp)


@record
class SharedFiles:
    """Partial templates and values files read once for all the renders of one chart, and the
    places already found in them (renders with other values repeat most of their text)."""

    files: dict[str, _Template | None] = field(default_factory=dict)
    found: dict[tuple[str, int, int, tuple[str, ...]], Location | None] = field(
        default_factory=dict
    )
    parsed: dict[str, Node | None] = field(default_factory=dict)


class HelmMapping:
    """A rendered stream, its documents, and the chart templates they came from."""

    def __init__(
        self,
        rendered_text: str,
        rendered_display: str,
        chart_dir: Path,
        shared: SharedFiles | None = None,
    ) -> None:
        self.text = rendered_text
        self.display = rendered_display
        self.chart_dir = Path(chart_dir)
        self.documents = split_rendered(rendered_text)
        self._starts = _line_starts(rendered_text)
        self._lines = [line.rstrip() for line in rendered_text.split("\n")]
        self._offsets = [document.start_offset for document in self.documents]
        self._templates: dict[str, _Template | None] = {}
        self._by_display: dict[str, _Template] = {}
        self._missing: dict[str, None] = {}
        self._shared = shared if shared is not None else SharedFiles()
        self._same_template: dict[str | None, list[RenderedDocument]] = {}
        self._rendering_counts: dict[tuple[str | None, str], int] = {}

    # ----- documents and templates

    def document_at(self, offset: int) -> RenderedDocument | None:
        """The document holding character ``offset`` of the stream."""
        index = bisect.bisect_right(self._offsets, offset) - 1
        if index < 0:
            return None
        document = self.documents[index]
        return document if offset < document.end_offset or offset == len(self.text) else None

    def template_path(self, document: RenderedDocument) -> Path | None:
        """The template file of ``document`` under the chart directory, when it exists."""
        if document.template is None:
            return None
        relative = _resolve_template(self.chart_dir, document.template)
        return self.chart_dir / relative if relative is not None else None

    @property
    def missing_templates(self) -> list[str]:
        """``# Source:`` paths of documents with findings whose template was not found."""
        return list(self._missing)

    def _template(self, document: RenderedDocument) -> _Template | None:
        assert document.template is not None and document.source is not None
        if document.template in self._templates:
            return self._templates[document.template]
        template = self._read(document)
        self._templates[document.template] = template
        if template is None:
            self._missing[document.source] = None
        else:
            self._by_display[template.display] = template
        return template

    def _read(self, document: RenderedDocument) -> _Template | None:
        path = self.template_path(document)
        if path is None:
            return None
        return _read_template(path)

    # ----- findings

    def remap(self, findings: Iterable[Finding]) -> list[Finding]:
        """Each finding of this stream moved to its template (see the module docstring)."""
        return [self._remap(finding) for finding in findings]

    def _placed(self, location: Location) -> tuple[RenderedDocument, _Template] | None:
        """The rendered document at ``location`` (in this stream) and its template, if known."""
        if location.path != self.display:
            return None
        document = self.document_at(location.offset)
        if document is None or document.template is None:
            return None
        template = self._template(document)
        return None if template is None else (document, template)

    def _remap(self, finding: Finding) -> Finding:
        location = finding.location
        placed = self._placed(location)
        if placed is None:
            return finding
        document, template = placed
        target = self._find(document, template, location)
        elsewhere = None if target is not None else self._find_elsewhere(document, location)
        rendered_line = self._lines[location.line - 1] if location.line <= len(self._lines) else ""
        stream = _stream_name(self.display)
        message = finding.message
        if elsewhere is not None:
            target = elsewhere
            where = f"{target.path}:{target.line}"
        elif target is None:
            target = Location(template.display, 1, 1, 1, 1, 0, 0)
            quoted = rendered_line.strip()
            if len(quoted) > 80:
                quoted = quoted[:77] + "..."
            message = (
                f"{message}{RENDERED_AT}{stream}:{location.line} as `{quoted}`; mountlint "
                "cannot tell which line of this template produced it)"
            )
            where = f"the lines of {template.display} that render {stream}:{location.line}"
        else:
            where = f"{template.display}:{target.line}"
        related = tuple(self._remap_related(item) for item in finding.related)
        related += (RelatedLocation(location, f"rendered at {stream}:{location.line}"),)
        if elsewhere is None and target.line > 1:
            value = self._value_of_line(document, template, target.line - 1)
            if value is not None:
                related += (value,)
        fix = None
        if finding.fix is not None and elsewhere is not None:
            fix = Fix(f"{finding.fix.description}, at {where}", Applicability.DISPLAY_ONLY, ())
        elif finding.fix is not None:
            fix = self._translate_fix(finding.fix, document, template, where)
        return replace(finding, message=message, location=target, related=related, fix=fix)

    def _remap_related(self, item: RelatedLocation) -> RelatedLocation:
        location = item.location
        placed = self._placed(location)
        if placed is None:
            return item
        document, template = placed
        target = self._find(document, template, location)
        return item if target is None else RelatedLocation(target, item.message)

    def _find(
        self, document: RenderedDocument, template: _Template, location: Location
    ) -> Location | None:
        """The location's start line in the template, when exactly one line fits."""
        target = location.line - 1
        low, high = document.body_line - 1, document.end_line - 1
        if not low <= target <= high:
            return None
        aligner = _Aligner(template.model, self._lines, low, high)
        line = aligner.locate(target)
        if line is None:
            return None
        return _template_location(template, line, location, self._lines[target])

    def _find_elsewhere(self, document: RenderedDocument, location: Location) -> Location | None:
        """The line in a partial template or a values file that rendered ``location``.

        Text from ``include``/``template`` of a ``define`` block, or from ``toYaml`` of a value,
        comes out re-indented: lines are compared with one indentation shift for the whole
        block, and a unique best match of at least two lines (or, in a values file, one unique
        line holding a path) is accepted.
        """
        target = location.line - 1
        low, high = document.body_line - 1, document.end_line - 1
        if not low <= target <= high or document.template is None:
            return None
        rendered = self._lines[target]
        if not rendered.strip():
            return None
        first, last = max(low, target - CONTEXT_LINES), min(high, target + CONTEXT_LINES)
        window = tuple(self._lines[first : last + 1])
        key = (document.template, target - first, location.column, window)
        if key not in self._shared.found:
            self._shared.found[key] = self._search_elsewhere(document, location, low, high)
        return self._shared.found[key]

    def _search_elsewhere(
        self, document: RenderedDocument, location: Location, low: int, high: int
    ) -> Location | None:
        target = location.line - 1
        rendered = self._lines[target]
        best: list[tuple[int, _Template, int]] = []
        for candidate, is_values in self._other_sources(document):
            for line, score in _shifted_matches(candidate.model, self._lines, target, low, high):
                if score < 2 and not (is_values and _holds_path(rendered)):
                    continue
                best.append((score, candidate, line))
            if is_values and _holds_path(rendered):
                # toYaml sorts keys: the rendered first key of a list item may be another one
                best.extend((1, candidate, line) for line in _item_lines(candidate.model, rendered))
        if not best:
            return None
        best.sort(key=lambda item: item[0], reverse=True)
        if len(best) > 1 and best[1][0] == best[0][0]:
            return None
        _, found, line = best[0]
        return _shifted_location(found, line, location, rendered)

    def _value_of_line(
        self, document: RenderedDocument, template: _Template, line: int
    ) -> RelatedLocation | None:
        """Where in ``values.yaml`` the one ``{{ .Values.x.y }}`` of a template line is set."""
        match = _VALUE_REFERENCE.search(template.model.lines[line].text)
        if match is None or len(_VALUE_REFERENCE.findall(template.model.lines[line].text)) != 1:
            return None
        values = template.path.parent
        while values.name != "templates" and values != values.parent:
            values = values.parent
        values_file = values.parent / "values.yaml"
        loaded = self._other(values_file)
        if loaded is None:
            return None
        if loaded.display not in self._shared.parsed:
            stream = parse_stream(loaded.decoded.text)
            roots = [document.root for document in stream.documents]
            self._shared.parsed[loaded.display] = roots[0] if len(roots) == 1 else None
        root = self._shared.parsed[loaded.display]
        node = get_path(root, *match.group(1).split(".")) if root is not None else None
        if node is None:
            return None
        at = locate(loaded.decoded.text, loaded.display, node)
        return RelatedLocation(at, f"the value .Values.{match.group(1)} is set here")

    def _other_sources(self, document: RenderedDocument) -> list[tuple[_Template, bool]]:
        """Partial templates (``templates/**/_*``) and ``values.yaml`` of the document's chart
        and of the charts above it, each with whether it is a values file."""
        assert document.template is not None
        template_path = self.template_path(document)
        if template_path is None:
            return []
        relative = template_path.relative_to(self.chart_dir).parts
        charts = [self.chart_dir]
        for index, part in enumerate(relative[:-1]):
            if part == "charts" and index + 1 < len(relative):
                charts.append(self.chart_dir.joinpath(*relative[: index + 2]))
        sources: list[tuple[_Template, bool]] = []
        for chart in charts:
            partials = sorted(
                path
                for path in (chart / "templates").rglob("_*")
                if path.is_file() and path.suffix in (".yaml", ".yml", ".tpl")
            )
            for path, is_values in [*((p, False) for p in partials), (chart / "values.yaml", True)]:
                loaded = self._other(path)
                if loaded is not None:
                    sources.append((loaded, is_values))
        return sources

    def _other(self, path: Path) -> _Template | None:
        key = str(path)
        if key not in self._shared.files:
            self._shared.files[key] = _read_template(path)
        return self._shared.files[key]

    # ----- fixes

    def _translate_fix(
        self, fix: Fix, document: RenderedDocument, template: _Template, where: str
    ) -> Fix:
        """``fix`` in template offsets, or display-only saying where to change the template."""
        if not fix.edits:
            return Fix(f"{fix.description}, at {where}", Applicability.DISPLAY_ONLY, ())
        edits: list[Edit] = []
        for edit in fix.edits:
            moved = self._translate_edit(edit, document, template)
            if moved is None:
                return Fix(
                    f"{fix.description} at {where}, by hand (mountlint edits a template only "
                    "where the lines around the change are literal text that occurs once)",
                    Applicability.DISPLAY_ONLY,
                    (),
                )
            edits.append(moved)
        return Fix(fix.description, fix.applicability, tuple(edits))

    def _translate_edit(
        self, edit: Edit, document: RenderedDocument, template: _Template
    ) -> Edit | None:
        """``edit`` in template offsets, when the text around it is literal there (else None)."""
        if "{{" in edit.content or "}}" in edit.content:
            return None
        starts, text = self._starts, self.text
        first = _line_of(starts, edit.start)
        last = _line_of(starts, edit.end)
        if edit.start == edit.end == starts[first]:
            above, below = first - 1, first  # a new line: both neighbours must be adjacent
        else:
            above = first
            below = last - 1 if edit.end == starts[last] and edit.end > edit.start else last
        low, high = document.body_line - 1, document.end_line - 1
        if above < low or below > high:
            return None
        model = template.model
        places = self._places(model.text, above, below)
        upward = True
        while len(places) != 1:
            if not places:
                return None
            grown = [(above - 1, below), (above, below + 1)]
            if not upward:
                grown.reverse()
            upward = not upward
            for wider_above, wider_below in grown:
                if wider_above < low or wider_below > high:
                    continue
                if wider_below - wider_above >= MAX_FIX_CONTEXT:
                    continue
                wider = self._places(model.text, wider_above, wider_below)
                if wider:
                    above, below, places = wider_above, wider_below, wider
                    break
            else:
                return None
        begin = starts[above]
        context = text[begin : self._line_end(below)]
        place = places[0]
        if model.overlaps_action(place, place + len(context)):
            return None
        if self._renderings(document, context) != 1:
            return None  # rendered more than once (a loop): the edit would change every copy
        shift = place - begin
        content = edit.content
        if _uses_crlf(model.text):  # helm keeps a template's CRLF; the stream's own lines are LF
            content = content.replace("\r\n", "\n").replace("\n", "\r\n")
        return Edit(edit.start + shift, edit.end + shift, content)

    def _renderings(self, document: RenderedDocument, context: str) -> int:
        """How many places in the renderings of ``document``'s template hold ``context``,
        counting up to 2 (all that matters) and once per context, so that many findings in a
        template rendered many times cost time linear in their number."""
        key = (document.template, context)
        if key not in self._rendering_counts:
            if not self._same_template:
                for other in self.documents:
                    self._same_template.setdefault(other.template, []).append(other)
            count = 0
            for other in self._same_template.get(document.template, []):
                count += len(_aligned(self.text, context, other.start_offset, other.end_offset))
                if count >= 2:
                    break
            self._rendering_counts[key] = min(count, 2)
        return self._rendering_counts[key]

    def _line_end(self, line: int) -> int:
        """Where rendered ``line`` ends, its newline included."""
        return self._starts[line + 1] if line + 1 < len(self._starts) else len(self.text)

    def _places(self, haystack: str, above: int, below: int) -> list[int]:
        """Where rendered lines ``above``..``below`` occur verbatim in ``haystack`` (up to two)."""
        context = self.text[self._starts[above] : self._line_end(below)]
        return _aligned(haystack, context, 0, len(haystack))

    def fix_templates(
        self, findings: Iterable[Finding], unsafe: bool = False
    ) -> list[TemplateChange]:
        """Apply the applicable fixes of remapped findings to the templates, one change per file."""
        chosen: dict[str, list[Finding]] = {}
        for finding in findings:
            if finding.location.path in self._by_display and is_applicable(finding.fix, unsafe):
                chosen.setdefault(finding.location.path, []).append(finding)
        changes: list[TemplateChange] = []
        for display, candidates in chosen.items():
            template = self._by_display[display]
            original = template.decoded.text
            fixes = select_non_overlapping([f.fix for f in candidates if f.fix is not None])
            applied = [f for f in candidates if f.fix in fixes]
            fixed = apply_edits(original, [edit for fix in fixes for edit in fix.edits])
            problem = None
            if _TemplateModel(fixed).action_texts() != template.model.action_texts():
                fixed, applied = original, []
                problem = "the fixes would change template actions; nothing was changed"
            changes.append(
                TemplateChange(
                    path=template.path,
                    display=display,
                    original=original,
                    fixed=fixed,
                    data=template.decoded.encode(fixed),
                    stamp=template.stamp,
                    applied=applied,
                    problem=problem,
                )
            )
        return changes


def remap_findings(
    findings: Iterable[Finding], rendered_text: str, rendered_display: str, chart_dir: Path
) -> list[Finding]:
    """Move findings in ``helm template`` output to the chart's template files."""
    return HelmMapping(rendered_text, rendered_display, chart_dir).remap(findings)


def _aligned(haystack: str, needle: str, low: int, high: int, limit: int = 2) -> list[int]:
    """Up to ``limit`` places in ``haystack[low:high]`` where ``needle`` starts and ends a line."""
    places: list[int] = []
    position = haystack.find(needle, low, high)
    while position >= 0 and len(places) < limit:
        stop = position + len(needle)
        starts_line = position == 0 or haystack[position - 1] == "\n"
        ends_line = needle.endswith("\n") or stop == len(haystack) or haystack[stop] in "\r\n"
        if starts_line and ends_line:
            places.append(position)
        position = haystack.find(needle, position + 1, high)
    return places


#: A template action that prints one value, possibly through simple filters.
_VALUE_REFERENCE = re.compile(
    r"\{\{-?\s*\.Values\.([A-Za-z_]\w*(?:\.[A-Za-z_]\w*)*)\s*"
    r"(?:\|\s*(?:quote|squote|toString|clean)\s*)*-?\}\}"
)
#: A rendered line whose value is a path (``path: /x``, ``mountPath: /x``, ``- /x``).
_PATH_VALUE = re.compile(r"(?:-\s+)?(?:[\w.-]+:\s+)?[\"']?/[^\s\"']*[\"']?")


def _holds_path(rendered: str) -> bool:
    return _PATH_VALUE.fullmatch(rendered.strip()) is not None


def _item_key(text: str) -> str:
    """A YAML line without indentation, list marker or comment."""
    text = text.strip()
    text = text[2:].lstrip() if text.startswith("- ") else text
    return text.split(" #", 1)[0].rstrip()


def _item_lines(model: _TemplateModel, rendered: str) -> list[int]:
    """Lines of a values file equal to ``rendered`` once list markers are set aside, when the
    two differ in their marker (the other lines are found with their indentation)."""
    wanted = _item_key(rendered)
    marked = rendered.strip().startswith("- ")
    return [
        number
        for number, line in enumerate(model.lines)
        if line.kind is _LITERAL
        and _item_key(line.text) == wanted
        and line.text.strip().startswith("- ") != marked
    ]


def _indent(text: str) -> int:
    return len(text) - len(text.lstrip(" "))


def _shifted_matches(
    model: _TemplateModel, rendered: list[str], target: int, low: int, high: int
) -> list[tuple[int, int]]:
    """``(line, score)`` for each line of ``model`` that renders ``rendered[target]`` once its
    indentation is shifted, scored by how many lines around it agree under the same shift."""
    text = rendered[target]
    stripped = text.strip()
    matches: list[tuple[int, int]] = []
    for number, line in enumerate(model.lines):
        if line.kind is _LITERAL:
            if line.text.strip() != stripped:
                continue
        elif line.kind is not _PATTERN or not stripped.startswith(
            line.text.lstrip().split("{{", 1)[0].rstrip("-").rstrip()
        ):
            continue
        shift = _indent(text) - _indent(line.text)
        if not _agrees_shifted(line, text, shift):
            continue
        score = 1
        for step in (-1, 1):
            r, u = target + step, number + step
            for _ in range(CONTEXT_LINES):
                while low <= r <= high and not rendered[r].strip():
                    r += step
                while 0 <= u < len(model.lines) and model.lines[u].kind in (_BLANK, _SILENT):
                    u += step
                if not (low <= r <= high and 0 <= u < len(model.lines)):
                    break
                if not _agrees_shifted(model.lines[u], rendered[r], shift):
                    break
                score += 1
                r, u = r + step, u + step
        matches.append((number, score))
    return matches


def _agrees_shifted(line: _Line, rendered: str, shift: int) -> bool:
    """Whether ``line`` renders as ``rendered`` with ``shift`` more spaces of indentation."""
    indent = _indent(rendered) - shift
    if indent < 0 or line.kind not in (_LITERAL, _PATTERN):
        return False
    return _agrees(line, " " * indent + rendered.strip())


def _shifted_location(
    template: _Template, line: int, rendered: Location, rendered_text: str
) -> Location:
    """The span on ``template`` line ``line`` for a finding at ``rendered`` (re-indented)."""
    model = template.model
    text = model.lines[line].text.rstrip()
    inside = rendered.column - 1 - _indent(rendered_text)
    if rendered_text.lstrip().startswith("- ") and not text.lstrip().startswith("- "):
        inside -= 2  # a list marker that toYaml put on another key of the item
    column = min(len(text), _indent(text) + max(0, inside))
    start = model.starts[line]
    return Location(
        path=template.display,
        line=line + 1,
        column=column + 1,
        end_line=line + 1,
        end_column=len(text) + 1,
        offset=start + column,
        end_offset=start + len(text),
    )


def _template_location(
    template: _Template, line: int, rendered: Location, rendered_text: str
) -> Location:
    """The span on template ``line`` for a finding that starts at ``rendered`` in the stream."""
    model = template.model
    text = model.lines[line].text.rstrip()
    column = rendered.column - 1
    if model.lines[line].kind != _LITERAL and rendered_text[:column] != text[:column]:
        column = len(text) - len(text.lstrip())
    column = min(column, len(text))
    end_column = len(text)
    if rendered.end_line == rendered.line and model.lines[line].kind == _LITERAL:
        end_column = max(column, min(rendered.end_column - 1, len(text)))
    start = model.starts[line]
    return Location(
        path=template.display,
        line=line + 1,
        column=column + 1,
        end_line=line + 1,
        end_column=end_column + 1,
        offset=start + column,
        end_offset=start + end_column,
    )


def _uses_crlf(text: str) -> bool:
    first = text.find("\n")
    return first > 0 and text[first - 1] == "\r"


def _stream_name(display: str) -> str:
    return "stdin" if display == "-" else display


# --------------------------------------------------------------------------- subchart paths


def _resolve_template(chart_dir: Path, template: str) -> Path | None:
    """``charts/<name>/templates/x`` with ``<name>`` a subchart's folder, name or alias."""
    parts = [part for part in template.split("/") if part]
    if ".." in parts:
        return None
    directory = Path()
    while len(parts) >= 3 and parts[0] == "charts":
        folder = _subchart_folder(chart_dir / directory, parts[1])
        if folder is None:
            return None
        directory = directory / "charts" / folder
        parts = parts[2:]
    relative = directory.joinpath(*parts)
    return relative if (chart_dir / relative).is_file() else None


def _subchart_folder(chart: Path, name: str) -> str | None:
    charts = chart / "charts"
    if (charts / name).is_dir():
        return name
    wanted = {name, *_aliased_names(chart, name)}
    try:
        folders = sorted(item for item in charts.iterdir() if item.is_dir())
    except OSError:
        return None
    for folder in folders:
        if _chart_name(folder) in wanted:
            return folder.name
    return None


def _chart_name(chart: Path) -> str | None:
    for field_name, value in _chart_fields(chart / "Chart.yaml"):
        if field_name == "name":
            return value
    return None


def _aliased_names(chart: Path, alias: str) -> list[str]:
    """Names of the dependencies that ``chart``'s Chart.yaml gives the alias ``alias``."""
    names: list[str] = []
    for dependency in _dependencies(chart / "Chart.yaml"):
        if dependency.get("alias") == alias and dependency.get("name"):
            names.append(dependency["name"])
    return names


_TOP_FIELD = re.compile(r"([A-Za-z]+):\s*['\"]?([^'\"#\s]*)")
_DEPENDENCY_FIELD = re.compile(r"\s*(?:-\s+)?(name|alias):\s*['\"]?([^'\"#\s]+)")


def _chart_fields(path: Path) -> list[tuple[str, str]]:
    try:
        lines = path.read_text(encoding="utf-8", errors="replace").splitlines()
    except OSError:
        return []
    return [
        (match.group(1), match.group(2))
        for line in lines
        if (match := _TOP_FIELD.match(line)) is not None
    ]


def _dependencies(path: Path) -> list[dict[str, str]]:
    """The ``name`` and ``alias`` of each ``dependencies:`` entry (Chart.yaml is flat enough)."""
    try:
        lines = path.read_text(encoding="utf-8", errors="replace").splitlines()
    except OSError:
        return []
    entries: list[dict[str, str]] = []
    inside = False
    for line in lines:
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        if not line[0].isspace() and not line.startswith("-"):
            inside = line.startswith("dependencies:")
            continue
        if not inside:
            continue
        if line.lstrip().startswith("- "):
            entries.append({})
        match = _DEPENDENCY_FIELD.match(line)
        if match and entries:
            entries[-1][match.group(1)] = match.group(2)
    return entries
