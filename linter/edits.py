"""Text edits: the only way mountlint changes a file.

A fix is a list of edits on the original text (character offsets) with an applicability. Edits
are built to match the style around them, so a fixed file differs from the original only where
the fix says: a new key in a block mapping gets its own line at the sibling indentation and the
ending of the line next to it; in a flow mapping it goes inside the braces, double-quoted when
the mapping's keys are (JSON), and on its own line when the closing brace is on a line of its own
(pretty-printed JSON); a replaced scalar keeps its quotes. Nothing is ever re-dumped.
"""

from __future__ import annotations

import json
import re
from bisect import bisect_left
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from enum import Enum

from mountlint.records import record
from mountlint.yamlnodes import MappingNode, Node, ScalarNode, SequenceNode


class Applicability(str, Enum):
    """Whether ``--fix`` may apply a fix on its own."""

    SAFE = "safe"  #: keeps what the workload may do; applied by --fix
    UNSAFE = "unsafe"  #: changes what the workload may do; needs --unsafe-fixes
    DISPLAY_ONLY = "display-only"  #: shown, never applied


@dataclass(frozen=True, order=True)
class Edit:
    """Replace ``text[start:end]`` with ``content`` (an insertion when ``start == end``)."""

    start: int
    end: int
    content: str


@record(frozen=True)
class Fix:
    """A change that resolves one finding."""

    description: str
    applicability: Applicability
    edits: tuple[Edit, ...]

    def as_display_only(self, reason: str) -> Fix:
        return Fix(f"{self.description} ({reason})", Applicability.DISPLAY_ONLY, self.edits)


def is_applicable(fix: Fix | None, unsafe: bool) -> bool:
    """Whether ``--fix`` (with ``--unsafe-fixes`` when ``unsafe``) applies ``fix``."""
    if fix is None or not fix.edits:
        return False
    if fix.applicability is Applicability.SAFE:
        return True
    return unsafe and fix.applicability is Applicability.UNSAFE


def apply_edits(text: str, edits: Iterable[Edit]) -> str:
    """Apply non-overlapping edits to ``text``."""
    pieces: list[str] = []
    position = 0
    for edit in sorted(edits):
        if edit.start < position:
            raise ValueError(f"overlapping edit at offset {edit.start}")
        pieces.append(text[position : edit.start])
        pieces.append(edit.content)
        position = edit.end
    pieces.append(text[position:])
    return "".join(pieces)


def select_non_overlapping(fixes: Sequence[Fix]) -> list[Fix]:
    """Keep, in order, the fixes whose edits touch no edit already kept (all or nothing per fix)."""
    kept: list[Fix] = []
    taken = _TakenSpans()
    for fix in fixes:
        if any(taken.collides(edit) for edit in fix.edits):
            continue
        if any(_collide(a, b) for i, a in enumerate(fix.edits) for b in fix.edits[i + 1 :]):
            continue
        kept.append(fix)
        for edit in fix.edits:
            taken.add(edit)
    return kept


class _TakenSpans:
    """The edits kept so far, sorted by start, so that a collision test costs log(edits).

    Kept edits never collide with each other, so they are ordered and disjoint: only the
    nearest ones on either side of a new edit can touch it.
    """

    def __init__(self) -> None:
        self.starts: list[int] = []
        self.ends: list[int] = []

    def collides(self, edit: Edit) -> bool:
        """What ``_collide`` says against every kept edit."""
        index = bisect_left(self.starts, edit.start)
        if index < len(self.starts) and (
            self.starts[index] == edit.start or self.starts[index] < edit.end
        ):
            return True
        return index > 0 and self.ends[index - 1] > edit.start

    def add(self, edit: Edit) -> None:
        index = bisect_left(self.starts, edit.start)
        self.starts.insert(index, edit.start)
        self.ends.insert(index, edit.end)


def _collide(a: Edit, b: Edit) -> bool:
    if a.start == a.end and b.start == b.end:
        return a.start == b.start  # two insertions at one point: order would be arbitrary
    return (a.start < b.end and b.start < a.end) or a.start == b.start


class EditBuilder:
    """Builds edits for one text, in the style of the text around them."""

    def __init__(self, text: str, shared: frozenset[int] = frozenset()) -> None:
        self.text = text
        self.newline = _newline_of(text)
        self.shared = shared

    def replace_scalar(self, node: ScalarNode, value: str, key: Node | None = None) -> Edit:
        """Replace a scalar's value, keeping its quotes, its anchor and its tag.

        ``key`` is the scalar's mapping key: it tells where an empty value goes, which the
        pure-Python parser marks at the next token (past comments and line breaks).
        """
        start, end = self.content_start(node), int(node.end_mark.index)
        if node.style in ('"', "'") and end - start >= 2:
            return Edit(start + 1, end - 1, value)
        if start != end and _is_double_quoted(key):
            return Edit(start, end, json_value(value))  # JSON: a string value needs its quotes
        if start == end:  # an empty value: ``key:`` (or ``key: &anchor``) with nothing after it
            after_colon = self._after_colon(key) if key is not None else None
            if after_colon is not None and any(
                char in "\n#" for char in self.text[after_colon:start]
            ):
                start = after_colon  # the mark lies past a comment or a line break
            blank_before = self.text[start - 1 : start] in (" ", "\t")
            return Edit(start, start, value if blank_before else " " + value)
        return Edit(start, end, value)

    def content_start(self, node: ScalarNode) -> int:
        """Where a scalar's own text starts: after its node properties (``&anchor``, ``!!tag``).

        Both parsers start a scalar's mark at its properties, and a comment or a line break may
        stand between them and the text.
        """
        text, position, end = self.text, int(node.start_mark.index), int(node.end_mark.index)
        while position < end and text[position] in "&!":
            while position < end and text[position] not in " \t\r\n":
                position += 1
            while position < end and text[position] in " \t\r\n#":
                if text[position] == "#":
                    newline = text.find("\n", position, end)
                    position = end if newline == -1 else newline
                else:
                    position += 1
        return position

    def _after_colon(self, key: Node) -> int | None:
        """The offset just after the ``:`` that follows ``key``, if that is what follows it."""
        position = int(key.end_mark.index)
        while self.text[position : position + 1] in (" ", "\t"):
            position += 1
        return position + 1 if self.text[position : position + 1] == ":" else None

    def insert_entry(self, mapping: MappingNode, key: str, value: str) -> Edit | None:
        """Add ``key: value`` as the last entry of ``mapping``; None when no safe place is known."""
        if not mapping.value:
            return None
        last_key, last_value = mapping.value[-1]
        if mapping.flow_style:
            return self._insert_flow(mapping, last_key, last_value, key, value)
        return self._insert_block(mapping, last_key, last_value, key, value)

    def _insert_flow(
        self, mapping: MappingNode, last_key: Node, last_value: Node, key: str, value: str
    ) -> Edit | None:
        """``, key: value`` after the last value; in a JSON-style mapping, double-quoted.

        When the last key starts its own line and the closing brace stands on a line of its own
        (pretty-printed JSON), the new entry gets its own line with the last key's indentation.
        """
        end = content_end(last_value, self.shared)
        if end is None or end > mapping.end_mark.index:
            return None
        if all(_is_double_quoted(pair[0]) for pair in mapping.value):
            entry = f"{json.dumps(key)}: {json_value(value)}"
        else:
            entry = f"{key}: {value}"
        closing = int(mapping.end_mark.index) - 1
        between = self.text[end:closing]
        indent = self._own_line_prefix(last_key, int(mapping.start_mark.index))
        own_line = self.text[closing] == "}" and "\n" in between and not between.strip()
        if own_line and indent is not None:
            return Edit(end, end, f",{self._ending_of_line_at(end)}{indent}{entry}")
        return Edit(end, end, f", {entry}")

    def _own_line_prefix(self, key: Node, mapping_start: int) -> str | None:
        """The blanks before ``key`` when it starts a line after the mapping's first one."""
        start = int(key.start_mark.index)
        line_start = self.text.rfind("\n", 0, start) + 1
        prefix = self.text[line_start:start]
        if prefix.strip(" \t") or line_start <= mapping_start:
            return None
        return prefix

    def _insert_block(
        self, mapping: MappingNode, last_key: Node, last_value: Node, key: str, value: str
    ) -> Edit | None:
        first_key = mapping.value[0][0]
        column = first_key.start_mark.column
        if self._line_indent(first_key.start_mark.index) is None:
            return None
        end = content_end(last_value, self.shared)
        if end is None or end < last_key.end_mark.index:
            return None  # the last value is (or ends in) an alias to text elsewhere
        text = self.text
        if end > 0 and text[end - 1] == "\n":
            position = end  # block scalars end at the start of the next line
        else:
            newline_at = text.find("\n", end)
            if newline_at == -1:
                ending = self._ending_of_line_at(len(text))
                return Edit(len(text), len(text), f"{ending}{' ' * column}{key}: {value}")
            position = newline_at + 1
        ending = self._ending_of_line_at(position - 1)
        return Edit(position, position, f"{' ' * column}{key}: {value}{ending}")

    def set_entry(self, mapping: MappingNode, key: str, value: str) -> Edit | None:
        """Set ``key: value`` in ``mapping``: replace the scalar that is there, or add the key."""
        for key_node, value_node in mapping.value:
            if isinstance(key_node, ScalarNode) and key_node.value == key:
                if not isinstance(value_node, ScalarNode) or id(value_node) in self.shared:
                    return None
                return self.replace_scalar(value_node, value, key_node)
        return self.insert_entry(mapping, key, value)

    def remove_entry(self, mapping: MappingNode, key: str) -> Edit | None:
        """Remove ``key`` and its value from ``mapping``; None when that would leave it empty."""
        pairs = mapping.value
        index = next(
            (i for i, (k, _) in enumerate(pairs) if isinstance(k, ScalarNode) and k.value == key),
            None,
        )
        if index is None or len(pairs) < 2:
            return None
        key_node, value_node = pairs[index]
        end = content_end(value_node, self.shared)
        if end is None:
            return None
        text = self.text
        if mapping.flow_style:
            if index + 1 < len(pairs):  # "key: value, " up to the next key
                return Edit(key_node.start_mark.index, pairs[index + 1][0].start_mark.index, "")
            previous_end = content_end(pairs[index - 1][1], self.shared)
            if previous_end is None:
                return None
            return Edit(previous_end, end, "")  # ", key: value" after the previous value
        line_start = text.rfind("\n", 0, key_node.start_mark.index) + 1
        prefix = text[line_start : key_node.start_mark.index]
        if prefix.strip():  # "- key: value": the next key moves up behind the dash
            if index + 1 >= len(pairs):
                return None
            return Edit(key_node.start_mark.index, pairs[index + 1][0].start_mark.index, "")
        if end > 0 and text[end - 1] == "\n":
            return Edit(line_start, end, "")
        newline_at = text.find("\n", end)
        stop = len(text) if newline_at == -1 else newline_at + 1
        return Edit(line_start, stop, "")

    def _ending_of_line_at(self, index: int) -> str:
        """The ending of the line holding ``index`` (of the one before, on a last line without one).

        An inserted line takes its neighbour's ending, so a file of mixed endings stays as it is.
        """
        text = self.text
        newline_at = text.find("\n", index)
        if newline_at == -1:
            newline_at = text.rfind("\n", 0, index)
            if newline_at == -1:
                return self.newline
        return "\r\n" if newline_at > 0 and text[newline_at - 1] == "\r" else "\n"

    def _line_indent(self, index: int) -> int | None:
        """Column of ``index`` when only spaces, ``-`` and ``?`` markers precede it on its line."""
        line_start = self.text.rfind("\n", 0, index) + 1
        prefix = self.text[line_start:index]
        if prefix.strip(" -?") and prefix.strip(" -?\t"):
            return None
        return index - line_start


def content_end(node: Node, shared: frozenset[int] = frozenset()) -> int | None:
    """Where the text of ``node`` ends: for block collections, where their last scalar ends.

    None when the end is an anchored or aliased node, whose marks may lie elsewhere in the text.
    """
    if id(node) in shared:
        return None
    if isinstance(node, ScalarNode):
        return int(node.end_mark.index)
    if isinstance(node, (MappingNode, SequenceNode)):
        if node.flow_style or not node.value:
            return int(node.end_mark.index)
        last = node.value[-1]
        return content_end(last[1] if isinstance(last, tuple) else last, shared)
    return None


_JSON_LITERAL = re.compile(r"true|false|null|-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][-+]?[0-9]+)?")


def json_value(value: str) -> str:
    """``value`` as JSON writes it: literals and numbers bare, anything else double-quoted."""
    if _JSON_LITERAL.fullmatch(value) or value.startswith('"'):
        return value
    return json.dumps(value)


def _is_double_quoted(node: Node | None) -> bool:
    return isinstance(node, ScalarNode) and node.style == '"'


def _newline_of(text: str) -> str:
    first = text.find("\n")
    if first > 0 and text[first - 1] == "\r":
        return "\r\n"
    return "\n"
