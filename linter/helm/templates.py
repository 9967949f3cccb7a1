"""A template's lines as a model: literal text, Go template actions, and their branches."""

from __future__ import annotations

import bisect
import re
from dataclasses import field

from mountlint.records import record

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


@record(frozen=True)
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


@record
class _Group:
    """An ``if``/``with``/``range``/``define`` block: the lines of its delimiters."""

    kind: str
    open_line: int
    mid_lines: list[int] = field(default_factory=list)
    end_line: int | None = None
    clean: bool = True  #: every delimiter is alone on its line, so branches can be stepped over


@record(frozen=True)
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
