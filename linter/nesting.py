"""Refuse YAML nested deeper than a fixed limit, before anything composes it.

libyaml's composer (PyYAML's, in C) recurses once per nesting level on the C stack: a file of
``[[[[...]]]]`` 30,000 levels deep kills the process with a segfault that no ``except`` can
catch. The pure-Python composer raises RecursionError a few hundred levels down. The deepest file
in the shared corpus of real manifests, a CustomResourceDefinition, nests 47 collections deep;
mountlint refuses more than ``MAX_NESTING``.

Nothing here recurses. A cheap bound, computed with string searches, clears almost every file.
Only a file whose bound passes the limit has its parser events counted (the parsers are state
machines with explicit stacks), which finds the exact place where the limit is passed.
"""

from __future__ import annotations

import itertools
import re
from functools import lru_cache
from typing import TYPE_CHECKING

from mountlint.records import record

if TYPE_CHECKING:
    from ruamel.yaml import YAML

#: Collections (mappings and lists) inside one another that mountlint reads. Real manifests stay
#: far below (the deepest in the shared corpus: 47), and the pure-Python composer still has
#: Python stack to spare at this depth.
MAX_NESTING = 256

#: A ``---`` line (after its line break: a literal start keeps the search fast).
_DOCUMENT_START = re.compile(r"\n---(?=[ \t\r\n]|\Z)")
#: What may stand before a block collection starts on its line: indentation, ``-``, ``?`` and
#: ``:`` indicators and the separating blanks (and a byte order mark).
_PREFIX_CHARACTERS = " \t?:\\-\ufeff"
#: Line breaks as YAML counts them (columns restart after each).
_BREAKS = "\n\r\x85\u2028\u2029"
#: Innermost bracket pairs, with nothing inside that could end a string or start a comment.
_INNERMOST_PAIR = re.compile(f"\\[[^][{{}}\"'#{_BREAKS}]*\\]|\\{{[^][{{}}\"'#{_BREAKS}]*\\}}")
#: How many rounds of innermost pairs are removed (two clear ``{{ ... }}``).
_PAIR_ROUNDS = 2


@record(frozen=True)
class TooDeep:
    """Where nesting first went past the limit (0-based line and column, character offset)."""

    line: int
    column: int
    offset: int
    #: Offset where the document that holds it starts: documents before it can still be read.
    document_offset: int
    limit: int

    @property
    def message(self) -> str:
        return f"nesting deeper than {self.limit} levels, the most mountlint reads"


def find_too_deep(text: str, limit: int = MAX_NESTING) -> TooDeep | None:
    """Where ``text`` first nests more than ``limit`` collections deep, or None."""
    if nesting_bound_within(text, limit):
        return None
    from ruamel.yaml.error import YAMLError

    for pure in (False, True):  # the C parser when it is there; the pure one if C rejects it
        try:
            return _first_too_deep(text, limit, pure)
        except YAMLError:
            continue
        except RecursionError:  # pragma: no cover - the parsers keep explicit stacks
            break
    return None


def nesting_bound_within(text: str, limit: int) -> bool:
    """Whether a cheap upper bound on the nesting of ``text`` is at most ``limit``.

    Flow collections open with ``[`` or ``{``, and a flow collection never crosses a ``---``
    line, so the opening brackets of the document with the most of them bound the flow depth.
    Each nested block collection starts at a greater column than the one around it, except a
    list that is the value of a mapping key, which may start at the key's column. A block
    collection starts on its line at a ``-``/``?``/``:`` indicator or at the first character
    after the indentation and indicators; call the greatest such column of any line C. Block
    depth is then at most 2 * (C + 1).

    A bracket pair with nothing between them that could make one a text and the other not
    (brackets, quotes, ``#``, line breaks) is either text or a balanced collection; removing
    such innermost pairs, round after round, lowers the bound by the pairs and raises it by one
    per round.
    """
    documents = _documents(text)
    flow = _most_brackets_in_a_document(text, documents)
    if _block_bound_within(text, documents, limit - flow):
        return True
    # Template text such as ``{{ .Values.x }}`` in block scalars adds brackets but no depth.
    for rounds in range(1, _PAIR_ROUNDS + 1):
        text, removed = _INNERMOST_PAIR.subn("", text)
        if not removed:
            return False
        documents = _documents(text)
        flow = _most_brackets_in_a_document(text, documents) + rounds
        if _block_bound_within(text, documents, limit - flow):
            return True
    return False


def later_document_starts(text: str) -> list[int]:
    """Offsets of the ``---`` lines that follow a line break: every document start but one at
    offset 0 (searched for ``\n---``: a pattern that starts with a literal is searched fast)."""
    return [match.start() + 1 for match in _DOCUMENT_START.finditer(text)]


def _documents(text: str) -> list[tuple[int, int]]:
    """Start and end of each document that is not blank (the engine blanks the documents that
    cannot hold a finding, and scanning their spaces would cost more than the rest)."""
    bounds = [0, *later_document_starts(text), len(text)]
    documents = []
    for low, high in itertools.pairwise(bounds):
        chunk = text[low:high]
        if not (chunk[3:] if chunk.startswith("---") else chunk).isspace():
            documents.append((low, high))
    return documents


def _most_brackets_in_a_document(text: str, documents: list[tuple[int, int]]) -> int:
    if "[" not in text and "{" not in text:
        return 0
    return max(
        (text.count("[", low, high) + text.count("{", low, high) for low, high in documents),
        default=0,
    )


def _block_bound_within(text: str, documents: list[tuple[int, int]], limit: int) -> bool:
    column = limit // 2  # 2 * (C + 1) <= limit exactly when C < column
    column -= column % 8  # a stricter test, and few patterns to compile
    if column <= 0:
        return False
    pattern = _line_with_prefix(column)
    # each document starts a line; the pattern wants the line break before it
    return not any(
        pattern.search(text, low - 1, high) if low else pattern.search("\n" + text[:high])
        for low, high in documents
    )


@lru_cache(maxsize=64)
def _line_with_prefix(column: int) -> re.Pattern[str]:
    # a line break, not ``^``: the regex engine then skips quickly to the candidates
    return re.compile(
        f"[{_BREAKS}][{_PREFIX_CHARACTERS}]{{{column}}}[{_PREFIX_CHARACTERS}]*[^ \t{_BREAKS}]"
    )


@lru_cache(maxsize=2)
def _parser(pure: bool) -> YAML:
    from ruamel.yaml import YAML

    return YAML(typ="safe", pure=pure)


def _first_too_deep(text: str, limit: int, pure: bool) -> TooDeep | None:
    from ruamel.yaml.events import CollectionEndEvent, CollectionStartEvent, DocumentStartEvent

    depth = 0
    document_offset = 0
    for event in _parser(pure).parse(text):
        if isinstance(event, CollectionStartEvent):
            depth += 1
            if depth > limit:
                mark = event.start_mark
                return TooDeep(
                    int(mark.line), int(mark.column), int(mark.index), document_offset, limit
                )
        elif isinstance(event, CollectionEndEvent):
            depth -= 1
        elif isinstance(event, DocumentStartEvent):
            document_offset = int(event.start_mark.index)
    return None
