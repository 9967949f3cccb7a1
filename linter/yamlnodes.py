"""Parse YAML into node trees that keep exact positions, and read them defensively.

mountlint never constructs Python objects from YAML and never dumps YAML: composing to nodes gives
every key and value its start and end mark, which is all that locations and fixes need.
``mountlint.composers`` composes with libyaml first.

libyaml rejects some valid YAML (``[--verbose:]``, a plain scalar that ends in ``:`` in a flow
list, or an anchor name used twice). What it rejects is composed again, one document at a
time, by a pure-Python parser that follows the YAML spec: only what both reject is a syntax
problem, so a problem means that kubectl would reject the stream too.
"""

from __future__ import annotations

import bisect
import json
import re
import sys
from collections.abc import Iterator
from dataclasses import replace
from functools import cached_property
from typing import Any, NamedTuple

from yaml.error import Mark
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from mountlint.composers import compose_all, composer_errors, has_c_composer, marked_error_parts
from mountlint.nesting import find_too_deep
from mountlint.records import record

__all__ = [
    "Document",
    "MappingNode",
    "Node",
    "ParsedStream",
    "ScalarNode",
    "SequenceNode",
    "SyntaxProblem",
    "duplicate_keys",
    "parse_stream",
]

NULL_TAG = "tag:yaml.org,2002:null"
STR_TAG = "tag:yaml.org,2002:str"
BOOL_TAG = "tag:yaml.org,2002:bool"
MERGE_TAG = "tag:yaml.org,2002:merge"


@record(frozen=True)
class SyntaxProblem:
    """Why a stream stopped parsing, at the parser's mark (0-based line and column, char offset)."""

    message: str
    line: int
    column: int
    offset: int


@record
class Document:
    """One composed YAML document and the nodes in it that more than one place refers to."""

    root: Node
    index: int
    #: False when the text it was composed from defines no anchor, so no node can be shared.
    has_anchors: bool = True

    @cached_property
    def shared(self) -> frozenset[int]:
        """Ids of anchored/aliased nodes and all below them (computed when first needed)."""
        return _shared_nodes(self.root) if self.has_anchors else frozenset()

    def is_shared(self, node: Node) -> bool:
        """Whether ``node`` is reached through an anchor or alias (edits would change all users)."""
        return id(node) in self.shared


@record
class ParsedStream:
    """The documents that parsed, and the problem that stopped parsing, if any."""

    documents: list[Document]
    problem: SyntaxProblem | None


def uses_c_composer() -> bool:
    """Whether a C parser composes first."""
    return has_c_composer()


def parse_stream(text: str, pure: bool = False, allow_directives: bool = False) -> ParsedStream:
    """Compose every document of ``text``; stop at the first syntax error and say where it is.

    Documents the C parser rejects are retried with the pure-Python one (see the module doc).
    Like ``kubectl apply``, a stream that starts with ``{`` may be JSON objects one after another.
    A stream that starts with a ``%YAML`` or ``%TAG`` directive is a problem too unless
    ``allow_directives``: kubectl rejects it.

    Nesting deeper than ``MAX_NESTING`` is refused before composing (it would overflow the C
    stack): the documents before it are composed and the problem is reported where it starts.
    """
    too_deep = find_too_deep(text)
    if too_deep is not None:
        before = parse_stream(text[: too_deep.document_offset], pure, allow_directives)
        where = (too_deep.line, too_deep.column, too_deep.offset)
        return ParsedStream(before.documents, SyntaxProblem(too_deep.message, *where))
    stream = _compose(text, pure)
    if stream.problem is not None and not pure and uses_c_composer():
        stream = _retry_rejected(text, stream.documents, stream.problem.offset)
    if stream.problem is not None and _JSON_STREAM.match(text):
        stream = _json_stream(text, pure) or stream
    if not allow_directives:
        stream = _with_directive_problem(text, stream)
    return stream


@record(frozen=True)
class _Origin:
    """Where a piece of a stream starts in the whole: char offset, 0-based line, document, and
    the column of its first character (the others start a line)."""

    offset: int
    line: int
    document: int
    column: int = 0


_START = _Origin(0, 0, 0)


def _compose(text: str, pure: bool, origin: _Origin = _START) -> ParsedStream:
    """Compose ``text``, a piece of a stream that starts at ``origin`` (marks are shifted there)."""
    documents: list[Document] = []
    problem: SyntaxProblem | None = None
    anchors = _may_define_anchors(text)
    try:
        for index, root in enumerate(compose_all(text, pure), start=origin.document):
            if root is not None:
                documents.append(Document(root=root, index=index, has_anchors=anchors))
    except composer_errors() as error:
        problem = _problem_from_error(error, text, origin)
    except RecursionError:
        problem = SyntaxProblem("nesting is too deep to parse", origin.line, 0, origin.offset)
    if origin != _START:
        for document in documents:
            _shift_marks(document.root, origin)
    return ParsedStream(documents, problem)


def _problem_from_error(error: Exception, text: str, origin: _Origin = _START) -> SyntaxProblem:
    parts = marked_error_parts(error)
    if parts is None:
        message = str(error).strip() or type(error).__name__
        return SyntaxProblem(message, origin.line, 0, origin.offset)
    problem, problem_mark, context, context_mark = parts
    mark = problem_mark or context_mark
    message = str(problem or context or "invalid YAML").strip()
    if context and problem:
        where = ""
        if context_mark is not None and mark is not None and context_mark.line != mark.line:
            where = f" that starts at line {origin.line + context_mark.line + 1}"
        message += f" ({str(context).strip()}{where})"
    if mark is None:
        return SyntaxProblem(message, origin.line, 0, origin.offset)
    offset = min(int(getattr(mark, "index", 0) or 0), len(text))
    line, column = int(mark.line), int(mark.column)
    if line == 0:
        column += origin.column
    return SyntaxProblem(message, origin.line + line, column, origin.offset + offset)


def _shift_marks(root: Node, origin: _Origin) -> None:
    """Move the marks of a piece's nodes to where the piece starts (pieces start a line)."""
    for node in all_nodes(root):
        node.start_mark = _shifted(node.start_mark, origin)
        node.end_mark = _shifted(node.end_mark, origin)


def _shifted(mark: Any, origin: _Origin) -> Mark:
    line, column = int(mark.line), int(mark.column)
    return Mark(
        "<unicode string>",
        origin.offset + int(mark.index),
        origin.line + line,
        column + (origin.column if line == 0 else 0),
        None,
        0,
    )


#: Where a document starts: its ``---`` line, or the ``%`` directive lines right before it.
_DOCUMENT_START = re.compile(
    r"^(?:%[^\n]*\n(?:[ \t\r]*(?:#[^\n]*)?\n)*)*---(?=[ \t\r\n]|$)", re.MULTILINE
)
_LINE_BREAK = re.compile(r"\r\n|[\r\n\x85\u2028\u2029]")


def _retry_rejected(text: str, composed: list[Document], problem: int) -> ParsedStream:
    """Parse again, one document at a time, from the document the C parser rejected.

    Each piece between two document starts is parsed on its own, with the C parser first and the
    pure one when the C parser rejects it, and its marks are shifted to the whole stream: only
    rejected documents pay for the pure parser, and no text is copied once per rejected document.
    """
    starts = [match.start() for match in _DOCUMENT_START.finditer(text)]
    begin = _rejected_document_start(starts, composed, problem)
    documents = [document for document in composed if _before(document, begin)]
    origin = _advance(text, _START, begin, len(documents))
    for end in [*starts[bisect.bisect_right(starts, begin) :], len(text)]:
        piece = text[origin.offset : end]
        parsed = _compose(piece, False, origin)
        if parsed.problem is not None:
            if _flow_depth(piece) > sys.getrecursionlimit() // 2:
                return ParsedStream(documents + parsed.documents, parsed.problem)
            retried = _compose(piece, True, origin)
            if retried.problem is not None:
                documents += retried.documents
                return ParsedStream(documents, _reported(parsed.problem, retried.problem))
            parsed = retried
        documents += parsed.documents
        origin = _advance(text, origin, end, len(documents))
    return ParsedStream(documents, None)


_FLOW_BRACKET = re.compile(r"[\[\]{}]")


def _flow_depth(text: str) -> int:
    """How deep flow collections nest in ``text``, at most (brackets in strings count too).

    The pure parser recurses twice per level and needs time quadratic in the depth to find out
    that it cannot go deeper than the recursion limit allows: it is not tried on such a piece.
    """
    depth = deepest = 0
    for bracket in _FLOW_BRACKET.finditer(text):
        if bracket.group() in "[{":
            depth += 1
            deepest = max(deepest, depth)
        else:
            depth = max(depth - 1, 0)
    return deepest


def _rejected_document_start(starts: list[int], documents: list[Document], problem: int) -> int:
    """Where the document that holds ``problem`` starts: after the last one that parsed."""
    if not documents:
        return 0
    root = documents[-1].root
    mark = int(root.start_mark.index)
    if not _is_empty(root):
        following = starts[bisect.bisect_right(starts, mark) : bisect.bisect_right(starts, problem)]
        if following:
            return following[0]
    # An empty document is marked where the next one starts; and when the problem is after the
    # last document but not in a new one, that document is parsed again.
    before = starts[: bisect.bisect_right(starts, mark)]
    return before[-1] if before else 0


def _before(document: Document, offset: int) -> bool:
    """Whether ``document`` lies before ``offset`` (an empty one is marked at its end)."""
    mark = int(document.root.start_mark.index)
    return mark <= offset if _is_empty(document.root) else mark < offset


def _is_empty(root: Node) -> bool:
    return is_null(root) and root.start_mark.index == root.end_mark.index


def _advance(text: str, origin: _Origin, offset: int, document: int) -> _Origin:
    line = origin.line + len(_LINE_BREAK.findall(text, origin.offset, offset))
    return _Origin(offset, line, document)


def _reported(c_problem: SyntaxProblem, problem: SyntaxProblem) -> SyntaxProblem:
    """Where the spec-following parser stopped, in libyaml's words when it stopped there too."""
    return c_problem if c_problem.offset == problem.offset else problem


_JSON_STREAM = re.compile(r"\s*\{")
_JSON_SPACE = re.compile(r"[ \t\r\n]*")


def _json_stream(text: str, pure: bool) -> ParsedStream | None:
    """The JSON objects of ``text`` one after another, as ``kubectl apply`` reads a stream that
    starts with ``{``; None unless every one of them parses."""
    decoder = json.JSONDecoder()
    documents: list[Document] = []
    origin = _START
    offset = _skip_json_space(text, 0)
    while offset < len(text):
        try:
            _, end = decoder.raw_decode(text, offset)
        except ValueError:
            return None
        origin = _advance(text, origin, offset, len(documents))
        origin = replace(origin, column=offset - (text.rfind("\n", 0, offset) + 1))
        parsed = _compose(text[offset:end], pure, origin)
        if parsed.problem is not None:
            return None
        documents += parsed.documents
        offset = _skip_json_space(text, end)
    return ParsedStream(documents, None)


def _skip_json_space(text: str, offset: int) -> int:
    space = _JSON_SPACE.match(text, offset)
    return space.end() if space else offset


#: Blank and comment lines at the start of a stream.
_LEADING_COMMENTS = re.compile(r"(?:[ \t\r]*(?:#[^\n]*)?\n)*")


def _with_directive_problem(text: str, stream: ParsedStream) -> ParsedStream:
    """``stream`` with a problem at the directive it starts with, unless an earlier one stopped it.

    kubectl and kustomize split a stream at ``---`` lines and read each piece alone, so a piece
    that holds nothing but a directive is an error to them (later directives follow the end of
    a piece and are not read).
    """
    start = _LEADING_COMMENTS.match(text)
    offset = start.end() if start else 0
    if not text.startswith("%", offset):
        return stream
    if stream.problem is not None and stream.problem.offset <= offset:
        return stream
    line = len(_LINE_BREAK.findall(text, 0, offset))
    name = text[offset:].split(None, 1)[0]
    message = f"{name} directive: kubectl does not read a stream that starts with a directive"
    return ParsedStream(stream.documents, SyntaxProblem(message, line, 0, offset))


def _shared_nodes(root: Node) -> frozenset[int]:
    """Ids of the nodes reachable by more than one path (anchored and aliased), and all below them.

    Each node object is expanded once, so alias bombs cost no more than their text.
    """
    seen: set[int] = set()
    shared: set[int] = set()
    stack: list[Node] = [root]
    while stack:
        node = stack.pop()
        key = id(node)
        if key in seen:
            shared.add(key)
            continue
        seen.add(key)
        stack.extend(_children(node))
    if not shared:
        return frozenset()
    # Everything below a shared node is shared too.
    closure: set[int] = set()
    pending = [node for node in all_nodes(root) if id(node) in shared]
    while pending:
        node = pending.pop()
        if id(node) in closure:
            continue
        closure.add(id(node))
        pending.extend(_children(node))
    return frozenset(closure)


#: An anchor (``&name``) where a node can start: at a line start or after a space or flow indicator.
_ANCHOR = re.compile(r"(?:^|[ \t\[{,])&[^ \t\r\n\[\]{},]", re.MULTILINE)
#: What may stand before an anchor's ``&``, more widely than ``_ANCHOR`` (a value may follow
#: ``:`` at once in flow).
_BEFORE_ANCHOR = frozenset(" \t\r\n[{,:\ufeff")


def _may_define_anchors(text: str) -> bool:
    """Whether ``text`` may define an anchor: an ``&`` at the start or after a separator."""
    index = text.find("&")
    while index >= 0:
        if index == 0 or text[index - 1] in _BEFORE_ANCHOR:
            return True
        index = text.find("&", index + 1)
    return False


def duplicate_keys(root: Node, text: str) -> list[SyntaxProblem]:
    """A problem at each mapping key that repeats an earlier key of the same mapping.

    kubectl (go-yaml v3 under kustomize) compares scalar keys by their text, whatever the
    quoting or tag: ``"1"`` repeats ``1`` and ``'a'`` repeats ``a``, while ``1`` and ``01`` do not;
    two ``<<`` merge keys are duplicates too. The top-level object's ``metadata.annotations`` is
    not checked (see ``_object_metadata``). A document with an anchor in it is skipped (``text``
    is the whole stream): kustomize expands anchors and merge keys first and then accepts some
    duplicates, so reporting them could call a file broken that kubectl reads. The walk is
    iterative.
    """
    start, end = int(root.start_mark.index), int(root.end_mark.index)
    # Nodes are not marked as seen: only aliases share nodes, and a document with anchors is
    # skipped. The budget bounds the walk through aliases (a node of a tree takes a character).
    budget = 2 * (end - start) + 16
    metadata = _object_metadata(root)
    skipped = {id(value) for node in metadata for key, value in node.value if _is_annotations(key)}
    metadata_ids = {id(node) for node in metadata}
    problems: list[SyntaxProblem] = []
    stack = [root]
    while stack:
        node = stack.pop()
        budget -= 1
        if budget < 0:
            return []  # aliases, so anchors
        if isinstance(node, MappingNode):
            pairs = node.value
            stack.extend([value for _, value in pairs if not isinstance(value, ScalarNode)])
            if id(node) in metadata_ids:
                pairs = [(key, value) for key, value in pairs if not _is_annotations(key)]
                stack = [value for value in stack if id(value) not in skipped]
            if len(pairs) > 1 and not _distinct_keys(pairs):
                problems.extend(_repeated_keys(pairs))
        elif isinstance(node, SequenceNode):
            stack.extend(node.value)
    if problems and _has_anchor(text, start):
        return []
    problems.sort(key=lambda problem: problem.offset)
    return problems


def _has_anchor(text: str, start: int) -> bool:
    """Whether the document that starts at ``start`` (or its ``---`` line) defines an anchor."""
    begin = text.rfind("\n---", 0, start) + 1
    end = _DOCUMENT_START.search(text, start)
    return _ANCHOR.search(text, begin, end.start() if end else len(text)) is not None


def _distinct_keys(pairs: list[tuple[Node, Node]]) -> bool:
    """Whether every key differs from the others (the fast answer for most mappings)."""
    keys = [key.value for key, _ in pairs]
    try:
        return len(set(keys)) == len(keys)
    except TypeError:  # a collection as a key
        return False


def _object_metadata(root: Node) -> list[MappingNode]:
    """The ``metadata`` mappings of a top-level object.

    kustomize rewrites their ``annotations`` before it checks keys, so a duplicate there, or a
    second ``annotations`` key, is read (the last one wins).
    """
    if not isinstance(root, MappingNode):
        return []
    return [
        value
        for key, value in root.value
        if isinstance(key, ScalarNode)
        and key.value == "metadata"
        and isinstance(value, MappingNode)
    ]


def _is_annotations(key: Node) -> bool:
    return isinstance(key, ScalarNode) and key.value == "annotations"


def _repeated_keys(pairs: list[tuple[Node, Node]]) -> list[SyntaxProblem]:
    """The repeats, in words that hold wherever the finding is mapped (no line of the first
    one: in rendered Helm output that would be a line of the rendered stream)."""
    seen: set[str] = set()
    problems = []
    for key, _ in pairs:
        if not isinstance(key, ScalarNode):
            continue
        if key.value in seen:
            mark = key.start_mark
            name = json.dumps(_shortened(str(key.value)), ensure_ascii=False)
            message = f"mapping key {name} is already defined earlier in the same mapping"
            problems.append(
                SyntaxProblem(message, int(mark.line), int(mark.column), int(mark.index))
            )
        seen.add(key.value)
    return problems


def _shortened(name: str, limit: int = 40) -> str:
    return name if len(name) <= limit else name[: limit - 3] + "..."


def _children(node: Node) -> Iterator[Node]:
    if isinstance(node, MappingNode):
        for key, value in node.value:
            yield key
            yield value
    elif isinstance(node, SequenceNode):
        yield from node.value


def all_nodes(root: Node) -> Iterator[Node]:
    """Every node under ``root`` (keys included), each node object once."""
    seen: set[int] = set()
    stack = [root]
    while stack:
        node = stack.pop()
        if id(node) in seen:
            continue
        seen.add(id(node))
        yield node
        stack.extend(_children(node))


# --- reading nodes --------------------------------------------------------------------------


def is_mapping(node: Node | None) -> bool:
    return isinstance(node, MappingNode)


def is_sequence(node: Node | None) -> bool:
    return isinstance(node, SequenceNode)


def is_null(node: Node | None) -> bool:
    """A missing value, ``null``, ``~`` or an empty value."""
    return node is None or (isinstance(node, ScalarNode) and node.tag == NULL_TAG)


def is_plain(node: Node | None) -> bool:
    """Whether ``node`` is a plain (unquoted, non-block) scalar.

    The C parser gives plain scalars the style ``""`` and the pure-Python one ``None``: test
    with this, never with ``node.style`` directly.
    """
    return isinstance(node, ScalarNode) and not node.style


def is_flow_scalar(node: Node | None) -> bool:
    """A plain or quoted scalar: one whose text an edit can replace in place (not a block)."""
    return is_plain(node) or (isinstance(node, ScalarNode) and node.style in ('"', "'"))


def is_merge_key(key: Node) -> bool:
    """A ``<<`` key: plain, or tagged as a merge key."""
    return (
        isinstance(key, ScalarNode)
        and key.value == "<<"
        and (is_plain(key) or key.tag == MERGE_TAG)
    )


class Entry(NamedTuple):
    """One key of a mapping. ``inherited`` is true when it comes in through a ``<<`` merge key."""

    key: ScalarNode
    value: Node
    inherited: bool = False


def entries(node: Node | None) -> list[Entry]:
    """The scalar-keyed entries of a mapping, merge keys expanded (explicit keys win, last wins)."""
    if not isinstance(node, MappingNode):
        return []
    return list(_entry_table(node).values())


def entry(node: Node | None, name: str) -> Entry | None:
    """The entry ``name`` of mapping ``node``, or None."""
    if not isinstance(node, MappingNode):
        return None
    return _entry_table(node).get(name)


#: The attribute a mapping node keeps its entry table in (rules ask the same mappings often).
_TABLE = "_mountlint_entries"


def _entry_table(node: MappingNode) -> dict[str, Entry]:
    """The entries of ``node`` by name, computed once per node (nodes are never changed)."""
    table: dict[str, Entry] | None = node.__dict__.get(_TABLE)
    if table is None:
        table = node.__dict__[_TABLE] = _expanded_entries(node)
    return table


def _expanded_entries(node: MappingNode) -> dict[str, Entry]:
    """The entries of ``node`` by name, merge keys expanded.

    Merged mappings are expanded depth first, each mapping once: a key met again later is
    already set, so this is what expanding every path gives, but a chain or a doubling "bomb"
    of merge keys costs its size, not its depth or its number of paths.
    """
    found = _own_entries(node)
    expanded = {id(node)}
    pending = list(reversed(_merged_mappings(node)))
    while pending:
        source = pending.pop()
        if id(source) in expanded:
            continue
        expanded.add(id(source))
        for name, item in _own_entries(source).items():
            found.setdefault(name, Entry(item.key, item.value, inherited=True))
        pending.extend(reversed(_merged_mappings(source)))
    return found


def _own_entries(node: MappingNode) -> dict[str, Entry]:
    # ``key.value == "<<"`` first: most keys are not merge keys, and the test is cheap
    return {
        str(key.value): Entry(key, value)
        for key, value in node.value
        if isinstance(key, ScalarNode) and not (key.value == "<<" and is_merge_key(key))
    }


def _merged_mappings(node: MappingNode) -> list[MappingNode]:
    return [
        source
        for key, value in node.value
        if key.value == "<<" and is_merge_key(key)
        for source in _merge_sources(value)
    ]


def _merge_sources(value: Node) -> list[MappingNode]:
    if isinstance(value, MappingNode):
        return [value]
    if isinstance(value, SequenceNode):
        return [item for item in value.value if isinstance(item, MappingNode)]
    return []


def get(node: Node | None, name: str) -> Node | None:
    """The value of key ``name`` in mapping ``node``, or None."""
    found = entry(node, name)
    return found.value if found is not None else None


def field_node(found: Entry | None, parent: Node) -> Node:
    """Where to report a field: its value, its key when the value is null, else the mapping
    that lacks it."""
    if found is None:
        return parent
    return found.key if is_null(found.value) else found.value


def get_path(node: Node | None, *names: str) -> Node | None:
    """Follow mapping keys ``names`` from ``node``."""
    for name in names:
        node = get(node, name)
        if node is None:
            return None
    return node


def scalar_text(node: Node | None) -> str | None:
    """The text of a non-null scalar (any tag), else None."""
    if isinstance(node, ScalarNode) and node.tag != NULL_TAG:
        return str(node.value)
    return None


#: Plain scalars that kubectl's YAML 1.1 reader (go-yaml v2) resolves to booleans.
YAML11_TRUE = frozenset({"y", "Y", "yes", "Yes", "YES", "true", "True", "TRUE", "on", "On", "ON"})
YAML11_FALSE = frozenset(
    {"n", "N", "no", "No", "NO", "false", "False", "FALSE", "off", "Off", "OFF"}
)


def _yaml11_bool(node: ScalarNode) -> bool | None:
    if not is_plain(node):
        return None
    text = str(node.value)
    if text in YAML11_TRUE:
        return True
    if text in YAML11_FALSE:
        return False
    return None


def string_value(node: Node | None) -> str | None:
    """The value of a scalar that Kubernetes would read as a string, else None.

    kubectl reads manifests as YAML 1.1, so a plain ``yes`` or ``on`` is a boolean there, not a
    string, even though YAML 1.2 says otherwise.
    """
    if isinstance(node, ScalarNode) and node.tag == STR_TAG and _yaml11_bool(node) is None:
        return str(node.value)
    return None


def bool_value(node: Node | None) -> bool | None:
    """A boolean as kubectl reads it (YAML 1.1: ``true``, ``yes``, ``on``, ``y`` ...), else None."""
    if not isinstance(node, ScalarNode):
        return None
    if node.tag == BOOL_TAG:
        return str(node.value).lower() == "true"
    return _yaml11_bool(node) if node.tag == STR_TAG else None


def items(node: Node | None) -> list[Node]:
    """The items of a sequence, or an empty list for anything else."""
    if isinstance(node, SequenceNode):
        return list(node.value)
    return []


def node_kind(node: Node | None) -> str:
    """A short name for the YAML type of ``node``, for messages."""
    if node is None or is_null(node):
        return "null"
    if isinstance(node, MappingNode):
        return "mapping"
    if isinstance(node, SequenceNode):
        return "list"
    tag = str(getattr(node, "tag", ""))
    return tag.rsplit(":", 1)[-1] if tag.startswith("tag:yaml.org,2002:") else "scalar"
