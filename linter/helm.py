"""Helm: run ``helm template`` and map findings in its output back to the chart's templates.

A rendered stream carries one ``# Source: <chart>/templates/<file>`` comment per document
(``<chart>/charts/<sub>/templates/<file>`` for subcharts). Templates are Go templates, not YAML,
so mountlint lints the rendered stream and then moves each finding to the template file, at the
template line when that line can be found unambiguously, and translates fixes into template
edits only where the edited lines are literal text of the template.

API (used by the command line):

- ``render_chart(chart_dir, values_files=(), set_values=(), release_name=..., namespace=None,
  timeout=...) -> str`` runs ``helm template`` and returns its output. Raises ``HelmNotFound``
  when ``helm`` is not on PATH (the message shows the ``helm template ... | mountlint
  --chart-dir CHART -`` pipeline to use instead) and ``HelmRenderError`` (with ``stderr``) when
  rendering fails or times out. Both derive from ``HelmError``.
- ``find_chart_dir(start) -> Path | None``: the directory holding ``Chart.yaml`` (or
  ``Chart.yaml.tmpl``) at ``start``, next to it when it is a file, or above it (the search stops
  at a repository root). A relative ``start`` gives a path relative to the working directory.
- ``split_rendered(text) -> list[RenderedDocument]``: the documents of a stream, each with its
  ``# Source:`` path (None when it has none) and its line and character range.
- ``HelmMapping(rendered_text, rendered_display, chart_dir, shared=None)`` reads the templates
  once (``shared``, a ``SharedFiles``, keeps partials and values files for all the renders of
  one chart). It has
  ``.documents``, ``.document_at(offset)`` and ``.template_path(document)`` (subcharts are
  found by folder, chart name or dependency alias). ``.remap(findings) -> list[Finding]``
  moves every finding located in a sourced document of ``rendered_display`` to the template
  file (path ``str(chart_dir / "templates/...")``, so it is relative to the working directory
  when ``chart_dir`` is):

  * at the template line when one line, and only one, agrees with the rendered line and the
    lines around it (literal lines must be equal, indentation included; lines with template
    actions must match with the actions as wildcards; ``{{ if }}``/``{{ end }}`` lines and
    branches that rendered nothing are stepped over). Several equally good places, or too little
    agreement, count as ambiguous;
  * else in a partial template (``templates/**/_*``: ``define`` blocks that were included) or a
    ``values.yaml`` (``toYaml`` of a value), of the chart or of the subchart the document came
    from, where the rendered lines agree with one indentation shift for the whole block; a
    unique best match of two or more lines is taken, or one unique line holding a path in a
    values file (fixes there are display-only);
  * otherwise at the template's first line, with the rendered line quoted in the message.

  A template line that prints one ``.Values`` key (``path: {{ .Values.dataDir | quote }}``)
  also gets the ``values.yaml`` line of that key as a related location.

  Either way the rendered position is kept as a related location ("rendered at STREAM:LINE"),
  and the finding's related locations are moved the same way when their line is found.
  Findings in documents without ``# Source:``, or whose template file is not in the chart
  (a packaged ``.tgz`` subchart, a wrong ``--chart-dir``), stay where they are; the latter are
  listed in ``.missing_templates`` so the caller can say so once.

  A fix is carried over only when every edit lies in text that appears verbatim, line-aligned
  and exactly once in the template, does not overlap a ``{{ }}`` action, and was rendered only
  once (not from a loop); its edits are then shifted to the template's offsets with the same
  applicability. Any other fix becomes display-only, without edits, and says where to change
  the template by hand. No edit ever touches Go template syntax.
- ``HelmMapping.fix_templates(findings, unsafe=False) -> list[TemplateChange]`` applies the
  applicable remapped fixes to each template's text as read by the mapping, refusing a result
  that changes any ``{{ }}`` action. Writing (``fixes.write_atomically`` with
  ``TemplateChange.stamp``) and re-rendering are the caller's.
- ``remap_findings(findings, rendered_text, rendered_display, chart_dir)`` is
  ``HelmMapping(...).remap(findings)``.

Limits: a template line that is both literal and unique but sits between lines that came from
elsewhere (an ``include``) is accepted only when nothing around it contradicts it; text from
partials and values files is found by a plain line-by-line comparison that does not step over
``{{ if }}`` branches, and is never fixed there; a new line is inserted only between two
lines that are adjacent in the template, so a key added at the end of an ``{{ if }}`` branch is
display-only.
"""

from __future__ import annotations

import bisect
import os
import re
import shlex
import shutil
import subprocess
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

from mountlint.edits import Applicability, Edit, Fix, apply_edits, select_non_overlapping
from mountlint.findings import Finding, Location, RelatedLocation, locate
from mountlint.fixes import is_applicable
from mountlint.sources import Decoded, FileStamp, decode
from mountlint.yamlnodes import Node, get_path, parse_stream

__all__ = [
    "CHART_FILES",
    "DEFAULT_RELEASE_NAME",
    "RENDERED_AT",
    "HelmError",
    "HelmMapping",
    "HelmNotFound",
    "HelmRenderError",
    "RenderedDocument",
    "TemplateChange",
    "find_chart_dir",
    "remap_findings",
    "render_chart",
    "split_rendered",
]

#: Files that make a directory a chart (``Chart.yaml.tmpl``: charts whose build generates it).
CHART_FILES = ("Chart.yaml", "Chart.yaml.tmpl")
DEFAULT_RELEASE_NAME = "release-name"
#: How a message that could not be placed on a template line names the rendered line.
RENDERED_AT = " (rendered at "
DEFAULT_TIMEOUT = 120.0

#: How many rendered lines on each side of a finding are compared with the template.
CONTEXT_LINES = 40
#: The largest block of rendered lines searched for verbatim in a template to carry a fix over.
MAX_FIX_CONTEXT = 24
#: How many states one search may visit when stepping over template branches.
WALK_BUDGET = 20_000


# --------------------------------------------------------------------------- running helm


class HelmError(Exception):
    """``helm template`` could not produce a rendered stream."""


class HelmNotFound(HelmError):
    """No ``helm`` on PATH; the message says how to pipe rendered output in instead."""


class HelmRenderError(HelmError):
    """``helm template`` failed or timed out; ``stderr`` is what helm said."""

    def __init__(self, message: str, stderr: str = "", returncode: int | None = None) -> None:
        super().__init__(message)
        self.stderr = stderr
        self.returncode = returncode


def render_chart(
    chart_dir: Path,
    values_files: Sequence[Path | str] = (),
    set_values: Sequence[str] = (),
    release_name: str = DEFAULT_RELEASE_NAME,
    namespace: str | None = None,
    timeout: float = DEFAULT_TIMEOUT,
) -> str:
    """Run ``helm template`` on ``chart_dir`` (offline: no repository or dependency commands)."""
    chart_dir = Path(chart_dir)
    flags: list[str] = []
    for values in values_files:
        flags += ["--values", str(values)]
    for assignment in set_values:
        flags += ["--set", assignment]
    if namespace:
        flags += ["--namespace", namespace]
    helm = shutil.which("helm")
    if helm is None:
        pipeline = shlex.join(["helm", "template", *flags, release_name, str(chart_dir)])
        raise HelmNotFound(
            "helm was not found on PATH; install it, or render the chart yourself and pipe the "
            f"output in: {pipeline} | mountlint --chart-dir {shlex.quote(str(chart_dir))} -"
        )
    command = [helm, "template", *flags, "--", release_name, str(chart_dir)]
    try:
        completed = subprocess.run(
            command, capture_output=True, timeout=timeout, stdin=subprocess.DEVNULL, check=False
        )
    except subprocess.TimeoutExpired as error:
        stderr = _text(error.stderr)
        raise HelmRenderError(
            f"helm template {chart_dir} did not finish within {timeout:g} s", stderr
        ) from error
    except OSError as error:
        raise HelmRenderError(f"cannot run {helm}: {error.strerror or error}") from error
    if completed.returncode != 0:
        stderr = _text(completed.stderr).strip()
        message = f"helm template {chart_dir} failed (exit {completed.returncode})"
        if stderr:
            message += f": {stderr}"
        if not (chart_dir / "Chart.yaml").is_file() and (chart_dir / "Chart.yaml.tmpl").is_file():
            message += (
                " (the chart has only Chart.yaml.tmpl: generate Chart.yaml the way the project "
                "does, or pipe its rendered output into mountlint)"
            )
        raise HelmRenderError(message, stderr, completed.returncode)
    return _text(completed.stdout)


def _text(data: bytes | str | None) -> str:
    if data is None:
        return ""
    if isinstance(data, str):
        return data
    return data.decode("utf-8", errors="replace")


# --------------------------------------------------------------------------- finding the chart


def find_chart_dir(start: Path) -> Path | None:
    """The chart directory at ``start``, next to it (a file), or above it; None when there is none.

    The search stops at the first directory holding ``.git`` so that it never leaves the
    repository the input is in.
    """
    start = Path(start)
    here = start if start.is_dir() else start.parent
    absolute = Path(os.path.abspath(here))
    for directory in (absolute, *absolute.parents):
        if any((directory / name).is_file() for name in CHART_FILES):
            if start.is_absolute():
                return directory
            return Path(os.path.relpath(directory))
        if (directory / ".git").exists():
            return None
    return None


# --------------------------------------------------------------------------- the rendered stream

_SEPARATOR = re.compile(r"---(?:[ \t].*)?")
_SOURCE = re.compile(r"#\s*Source:\s*(\S.*?)\s*")


@dataclass(frozen=True)
class RenderedDocument:
    """One document of a rendered stream and the template it came from.

    ``source`` is the ``# Source:`` path as written (``chart/templates/x.yaml``) and ``template``
    that path without the chart name (``templates/x.yaml``, ``charts/sub/templates/x.yaml``); both
    are None without a ``# Source:`` line. Lines are 1-based and inclusive, from the line after
    the ``---`` separator; offsets are 0-based characters, ``end_offset`` exclusive.
    ``body_line`` is the first line the template produced: the one after ``# Source:``.
    """

    index: int
    source: str | None
    template: str | None
    start_line: int
    end_line: int
    start_offset: int
    end_offset: int
    body_line: int


def split_rendered(text: str) -> list[RenderedDocument]:
    """The non-empty documents of a ``helm template`` stream, in order."""
    documents: list[RenderedDocument] = []
    lines = [line + "\n" for line in text.split("\n")]
    lines[-1] = lines[-1][:-1]
    if not lines[-1]:
        lines.pop()
    offset = 0
    start_index, start_offset = 0, 0
    for number, line in enumerate(lines):
        if _SEPARATOR.fullmatch(line.rstrip("\r\n")):
            _add_document(documents, lines, start_index, number, start_offset)
            start_index, start_offset = number + 1, offset + len(line)
        offset += len(line)
    _add_document(documents, lines, start_index, len(lines), start_offset)
    return documents


def _add_document(
    documents: list[RenderedDocument], lines: list[str], first: int, stop: int, offset: int
) -> None:
    if not any(line.strip() for line in lines[first:stop]):
        return
    source: str | None = None
    body = first
    for index in range(first, stop):
        stripped = lines[index].strip()
        if not stripped:
            continue
        if not stripped.startswith("#"):
            break
        match = _SOURCE.fullmatch(stripped)
        if match:
            source, body = match.group(1), index + 1
            break
    template = None
    if source is not None:
        parts = source.replace("\\", "/").split("/")
        template = "/".join(parts[1:]) if len(parts) > 1 else None
    end_offset = offset + sum(len(line) for line in lines[first:stop])
    documents.append(
        RenderedDocument(
            index=len(documents),
            source=source,
            template=template,
            start_line=first + 1,
            end_line=stop,
            start_offset=offset,
            end_offset=end_offset,
            body_line=body + 1,
        )
    )


# --------------------------------------------------------------------------- template model

#: What a template line can render to: nothing visible, itself, itself with the actions filled
#: in, nothing (control actions only), or anything (multi-line output, trimmed newlines).
_BLANK, _LITERAL, _PATTERN, _SILENT, _OPAQUE = "blank", "literal", "pattern", "silent", "opaque"
#: What an action does: opens, splits or ends a block, prints nothing, or prints text.
_OPEN, _MID, _END, _DEFINE, _RANGE = "open", "mid", "end", "define", "range"
_QUIET, _OUTPUT = "quiet", "output"
#: Pipeline words whose output may span lines: a line using them is not one line of output.
_MULTILINE_OUTPUT = re.compile(
    r"\b(?:nindent|indent|toYaml|toYamlPretty|toPrettyJson|tpl|template)\b|\.Files\."
)
_ASSIGNMENT = re.compile(r"\$\w*\s*(?:,\s*\$\w*\s*)?:?=")


@dataclass(frozen=True)
class _Action:
    """One ``{{ ... }}`` action: its span in the template text and what it does to the output."""

    start: int
    end: int
    kind: str
    left_trim: bool
    right_trim: bool
    multiline_output: bool


def _scan_actions(text: str) -> list[_Action]:
    """Every action of a Go template, skipping ``}}`` inside strings and comments."""
    actions: list[_Action] = []
    position = 0
    length = len(text)
    while True:
        start = text.find("{{", position)
        if start < 0:
            return actions
        cursor = start + 2
        left_trim = text.startswith("-", cursor) and text[cursor + 1 : cursor + 2] in (
            " ",
            "\t",
            "\r",
            "\n",
        )
        if left_trim:
            cursor += 1
        body_start = cursor
        while cursor < length and text[cursor] in " \t\r\n":
            cursor += 1
        if text.startswith("/*", cursor):
            close = text.find("*/", cursor + 2)
            close = length if close < 0 else close + 2
            end = text.find("}}", close)
            end = length if end < 0 else end
        else:
            end = _action_end(text, cursor)
        inner = text[body_start:end]
        right_trim = inner.endswith("-") and inner[-2:-1] in (" ", "\t", "\r", "\n")
        if right_trim:
            inner = inner[:-1]
        stop = min(end + 2, length)
        actions.append(
            _Action(
                start=start,
                end=stop,
                kind=_action_kind(inner.strip()),
                left_trim=left_trim,
                right_trim=right_trim,
                multiline_output=bool(_MULTILINE_OUTPUT.search(inner)),
            )
        )
        position = stop


def _action_end(text: str, cursor: int) -> int:
    """Where the ``}}`` closing an action starts, past quoted strings (the text end if none)."""
    length = len(text)
    while cursor < length:
        char = text[cursor]
        if char in "\"'`":
            cursor += 1
            while cursor < length and text[cursor] != char:
                if text[cursor] == "\\" and char != "`":
                    cursor += 1
                cursor += 1
            cursor += 1
            continue
        if text.startswith("}}", cursor):
            return cursor
        cursor += 1
    return length


def _action_kind(inner: str) -> str:
    if inner.startswith("/*"):
        return _QUIET
    word = inner.split(None, 1)[0] if inner else ""
    if word in ("if", "with", "block"):
        return _OPEN
    if word == "range":
        return _RANGE
    if word == "define":
        return _DEFINE
    if word == "else":
        return _MID
    if word == "end":
        return _END
    if word in ("break", "continue") or _ASSIGNMENT.match(inner):
        return _QUIET
    return _OUTPUT


@dataclass
class _Group:
    """An ``if``/``with``/``range``/``define`` block: the lines of its delimiters."""

    kind: str
    open_line: int
    mid_lines: list[int] = field(default_factory=list)
    end_line: int | None = None
    clean: bool = True  #: every delimiter is alone on its line, so branches can be stepped over


@dataclass(frozen=True)
class _Line:
    kind: str
    text: str
    regex: re.Pattern[str] | None = None
    group: _Group | None = None
    role: str | None = None  #: open, mid or end when the line is a clean delimiter of ``group``


class _TemplateModel:
    """A template's lines, each classified by what it can render to."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.actions = _scan_actions(text)
        self.starts = _line_starts(text)
        raw_lines = text.split("\n")
        per_line: list[list[_Action]] = [[] for _ in raw_lines]
        for action in self.actions:
            first = _line_of(self.starts, action.start)
            last = _line_of(self.starts, max(action.start, action.end - 1))
            for number in range(first, last + 1):
                per_line[number].append(action)
        groups = _groups(self.actions, self.starts)
        self.lines = [
            _classify(raw.rstrip("\r"), self.starts[number], actions, groups)
            for number, (raw, actions) in enumerate(zip(raw_lines, per_line, strict=True))
        ]

    def overlaps_action(self, start: int, end: int) -> bool:
        return any(action.start < end and start < action.end for action in self.actions)

    def action_texts(self) -> list[str]:
        return [self.text[action.start : action.end] for action in self.actions]


def _groups(actions: list[_Action], starts: list[int]) -> dict[int, tuple[_Group, str]]:
    """Structural actions (by start offset) with their block and role."""
    found: dict[int, tuple[_Group, str]] = {}
    stack: list[_Group] = []
    for action in actions:
        line = _line_of(starts, action.start)
        if action.kind in (_OPEN, _RANGE, _DEFINE):
            group = _Group(action.kind, line)
            stack.append(group)
            found[action.start] = (group, "open")
        elif action.kind == _MID and stack:
            stack[-1].mid_lines.append(line)
            found[action.start] = (stack[-1], "mid")
        elif action.kind == _END and stack:
            group = stack.pop()
            group.end_line = line
            found[action.start] = (group, "end")
    return found


def _classify(
    line: str, line_start: int, actions: list[_Action], groups: dict[int, tuple[_Group, str]]
) -> _Line:
    if not actions:
        return _Line(_BLANK if not line.strip() else _LITERAL, line.rstrip())
    line_end = line_start + len(line)
    outside = _outside_actions(line, line_start, actions)
    silent = all(action.kind != _OUTPUT for action in actions)
    spans_lines = any(a.start < line_start or a.end > line_end for a in actions)
    if silent and not outside.strip():
        structural = [a for a in actions if a.start in groups]
        right_trims = actions[-1].right_trim and actions[-1].end <= line_end
        if right_trims:
            _spoil(structural, groups)
            return _Line(_OPAQUE, line)
        if len(structural) == 1 and len(actions) == 1 and not spans_lines:
            group, role = groups[structural[0].start]
            return _Line(_SILENT, line, group=group, role=role)
        _spoil(structural, groups)
        return _Line(_SILENT, line)
    _spoil([a for a in actions if a.start in groups], groups)
    if (
        spans_lines
        or any(a.kind != _OUTPUT and a.kind != _QUIET for a in actions)
        or any(a.kind == _OUTPUT and a.multiline_output for a in actions)
        or not outside.strip()
        or (actions[0].left_trim and not line[: actions[0].start - line_start].strip())
        or actions[-1].right_trim
    ):
        return _Line(_OPAQUE, line)
    return _Line(_PATTERN, line.rstrip(), regex=_line_regex(line, line_start, actions))


def _spoil(structural: list[_Action], groups: dict[int, tuple[_Group, str]]) -> None:
    """A delimiter that shares its line: its block's branches cannot be stepped over."""
    for action in structural:
        groups[action.start][0].clean = False


def _outside_actions(line: str, line_start: int, actions: list[_Action]) -> str:
    pieces: list[str] = []
    position = 0
    for action in actions:
        begin = max(0, action.start - line_start)
        pieces.append(line[position:begin])
        position = max(position, min(len(line), action.end - line_start))
    pieces.append(line[position:])
    return "".join(pieces)


def _line_regex(line: str, line_start: int, actions: list[_Action]) -> re.Pattern[str]:
    """Literal text as itself, each action as any text (nothing for quiet ones), trims applied."""
    parts: list[str] = []
    position = 0
    trim_next = False
    for action in actions:
        literal = line[position : action.start - line_start]
        if trim_next:
            literal = literal.lstrip()
        if action.left_trim:
            literal = literal.rstrip()
        parts.append(re.escape(literal))
        parts.append(".*" if action.kind == _OUTPUT else "")
        position = action.end - line_start
        trim_next = action.right_trim
    tail = line[position:]
    if trim_next:
        tail = tail.lstrip()
    parts.append(re.escape(tail.rstrip()))
    return re.compile("".join(parts))


def _line_starts(text: str) -> list[int]:
    starts = [0]
    position = text.find("\n")
    while position >= 0:
        starts.append(position + 1)
        position = text.find("\n", position + 1)
    return starts


def _line_of(starts: list[int], offset: int) -> int:
    return bisect.bisect_right(starts, offset) - 1


# --------------------------------------------------------------------------- aligning lines


@dataclass(frozen=True)
class _Score:
    literal: int = 0
    templated: int = 0
    contradicted: bool = False

    def __add__(self, other: _Score) -> _Score:
        return _Score(
            self.literal + other.literal,
            self.templated + other.templated,
            self.contradicted or other.contradicted,
        )

    @property
    def key(self) -> tuple[int, int]:
        return (self.literal + self.templated, self.literal)


class _Aligner:
    """Finds the template line a rendered line came from by comparing the lines around both."""

    def __init__(self, model: _TemplateModel, rendered: list[str], low: int, high: int) -> None:
        self.model = model
        self.rendered = rendered
        self.low, self.high = low, high
        self.memo: dict[tuple[int, int, int], _Score] = {}
        self.budget = WALK_BUDGET

    def locate(self, target: int) -> int | None:
        """The template line of rendered line ``target``; None when it is not unambiguous."""
        text = self.rendered[target]
        if not text.strip():
            return None
        candidates = [
            (u, line.kind == _LITERAL)
            for u, line in enumerate(self.model.lines)
            if _agrees(line, text)
        ]
        if not candidates:
            return None
        low = max(self.low, target - CONTEXT_LINES)
        high = min(self.high, target + CONTEXT_LINES)
        scored: list[tuple[_Score, int]] = []
        for u, literal in candidates:
            own = _Score(1, 0) if literal else _Score(0, 1)
            try:
                score = (
                    own
                    + self._walk(target - 1, u - 1, -1, low, high)
                    + self._walk(target + 1, u + 1, 1, low, high)
                )
            except RecursionError:
                return None
            scored.append((score, u))
        scored.sort(key=lambda item: item[0].key, reverse=True)
        best, line = scored[0]
        if len(scored) > 1 and scored[1][0].key == best.key:
            return None
        if best.literal < 1:
            return None
        if best.literal + best.templated >= 2:
            return line
        # One literal line and nothing else agrees: take it only when it is the only candidate
        # and nothing around it disagrees (its neighbours come from includes or branches).
        return line if len(scored) == 1 and not best.contradicted else None

    def _walk(self, r: int, u: int, step: int, low: int, high: int) -> _Score:
        key = (r, u, step)
        if key in self.memo:
            return self.memo[key]
        self.budget -= 1
        if self.budget < 0:
            return _Score()  # a pathological template: stop comparing, which never helps a line
        self.memo[key] = _Score()  # a loop back to this state adds nothing
        score = self._walk_from(r, u, step, low, high)
        self.memo[key] = score
        return score

    def _walk_from(self, r: int, u: int, step: int, low: int, high: int) -> _Score:
        lines = self.model.lines
        literal = templated = 0
        while True:
            while low <= r <= high and not self.rendered[r].strip():
                r += step
            if not low <= r <= high:
                return _Score(literal, templated)
            while 0 <= u < len(lines) and lines[u].kind == _BLANK:
                u += step
            if not 0 <= u < len(lines):
                return _Score(literal, templated, contradicted=True)
            line = lines[u]
            if line.kind == _SILENT:
                options = _jumps(line, u, step)
                if len(options) == 1:
                    u = options[0]
                    continue
                best = max(
                    (self._walk(r, option, step, low, high) for option in options),
                    key=lambda score: score.key,
                )
                return _Score(literal, templated) + best
            if not _agrees(line, self.rendered[r]):
                return _Score(literal, templated, contradicted=line.kind != _OPAQUE)
            if line.kind == _LITERAL:
                literal += 1
            else:
                templated += 1
            r += step
            u += step


def _agrees(line: _Line, rendered: str) -> bool:
    """Whether template ``line`` can have rendered as ``rendered`` (both without trailing space)."""
    if line.kind == _LITERAL:
        return line.text == rendered
    return line.kind == _PATTERN and line.regex is not None and bool(line.regex.fullmatch(rendered))


def _jumps(line: _Line, u: int, step: int) -> list[int]:
    """Where a walk may go from a control line: into a branch, past the block, or around a loop."""
    group = line.group
    if group is None or not group.clean or group.end_line is None:
        return [u + step]
    closings = [*group.mid_lines, group.end_line]
    if step > 0:
        if line.role == "open":
            if group.kind == _DEFINE:
                return [group.end_line + 1]
            return [u + 1, *(mid + 1 for mid in group.mid_lines), group.end_line + 1]
        if line.role == "mid":
            return [group.end_line + 1]
        if group.kind == _RANGE:
            return [u + 1, group.open_line + 1]
        return [u + 1]
    if line.role == "end":
        if group.kind == _DEFINE:
            return [group.open_line - 1]
        return [*(closing - 1 for closing in closings), group.open_line - 1]
    if line.role == "mid":
        return [group.open_line - 1]
    if group.kind == _RANGE:
        return [u - 1, group.end_line - 1]
    return [u - 1]


# --------------------------------------------------------------------------- mapping findings


@dataclass
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


@dataclass
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


@dataclass
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

    def _remap(self, finding: Finding) -> Finding:
        location = finding.location
        if location.path != self.display:
            return finding
        document = self.document_at(location.offset)
        if document is None or document.template is None:
            return finding
        template = self._template(document)
        if template is None:
            return finding
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
        if location.path != self.display:
            return item
        document = self.document_at(location.offset)
        if document is None or document.template is None:
            return item
        template = self._template(document)
        if template is None:
            return item
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
