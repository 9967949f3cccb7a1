"""Findings: what a rule reported, levelled and located in a file."""

from __future__ import annotations

from bisect import bisect_right
from dataclasses import field
from functools import lru_cache
from itertools import accumulate
from typing import Any

from mountlint.edits import Applicability, Fix, content_end
from mountlint.records import record
from mountlint.rule import Rule, Severity
from mountlint.yamlnodes import Node, ScalarNode


@record(frozen=True)
class Location:
    """A span in a file: 1-based lines and columns, 0-based character offsets."""

    path: str
    line: int
    column: int
    end_line: int
    end_column: int
    offset: int
    end_offset: int


@record(frozen=True)
class RelatedLocation:
    location: Location
    message: str


@record(frozen=True)
class Suppression:
    """Why a finding is silenced: a comment or annotation in the file (``inSource``), or an
    exception in the configuration (``external``, with ``exception`` naming it)."""

    kind: str
    justification: str | None = None
    exception: str | None = None


@record
class AnnotationIgnore:
    """An object's ``mountlint.io/ignore`` annotation; ``codes`` None means ``all``."""

    node: ScalarNode
    codes: dict[str, str] | None
    unknown: list[str] = field(default_factory=list)
    used: set[str] = field(default_factory=set)

    def covers(self, code: str) -> bool:
        return self.codes is None or code in self.codes


@record
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
    semantic_path: str = ""
    annotation: AnnotationIgnore | None = None
    #: the long form of ``message`` (the JSON report's ``explanation``); empty: the message says it
    explanation: str = ""
    #: what configuration exceptions match on, beyond the object's kind, name and namespace
    object_labels: tuple[tuple[str, str], ...] = ()
    containers: tuple[str, ...] = ()
    host_paths: tuple[str, ...] = ()
    suppression: Suppression | None = None
    #: the object was read from a cluster: it is named ``kind/namespace/name``, not by a line
    live: bool = False

    @property
    def fix_applicability(self) -> Applicability | None:
        return self.fix.applicability if self.fix is not None else None


def locate(text: str, path: str, node: Node) -> Location:
    start = node.start_mark
    end_index = content_end(node)
    if end_index is None or end_index < start.index:
        end_index = int(node.end_mark.index)
    end_line, end_column = _line_column_after(text, start, end_index)
    return Location(
        path=path,
        line=int(start.line) + 1,
        column=int(start.column) + 1,
        end_line=end_line + 1,
        end_column=end_column + 1,
        offset=int(start.index),
        end_offset=end_index,
    )


#: How far past a mark the end of a node is found by counting the line breaks in between.
_NEARBY = 4096


def _line_column_after(text: str, start: Any, index: int) -> tuple[int, int]:
    """0-based line and column of ``index``, a little past ``start`` (a mark), without the line
    starts of the whole text when its lines are plain (see ``_plain_lines``)."""
    begin = int(start.index)
    if index - begin > _NEARBY or not _plain_lines(text):
        return line_column(text, index)
    breaks = text.count("\n", begin, index)
    if not breaks:
        return int(start.line), int(start.column) + index - begin
    return int(start.line) + breaks, index - text.rfind("\n", begin, index) - 1


@lru_cache(maxsize=4)
def _plain_lines(text: str) -> bool:
    """No line break but ``\n`` (and no byte order mark): marks count lines as ``\n`` does."""
    return not any(other in text for other in "\r\x85\u2028\u2029\ufeff")


def line_column(text: str, index: int) -> tuple[int, int]:
    """0-based line and column of character ``index``, in time logarithmic in the text's size."""
    starts = _line_starts(text)
    line = bisect_right(starts, index) - 1
    return line, index - starts[line]


@lru_cache(maxsize=4)
def _line_starts(text: str) -> list[int]:
    """Offsets where the lines of ``text`` start, found once per text.

    Counting newlines from the start of the file for every location made linting quadratic in
    the number of findings. The cache key is the text itself: its hash is computed once per
    string and a lookup with the same string object compares by identity.
    """
    lengths = map(len, text.split("\n")[:-1])
    return list(accumulate(map((1).__add__, lengths), initial=0))  # no Python code per line


def point(path: str, line: int, column: int, offset: int) -> Location:
    """A zero-width location from 0-based line and column."""
    return Location(path, line + 1, column + 1, line + 1, column + 1, offset, offset)
