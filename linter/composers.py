"""Compose YAML text into node trees: libyaml first, a spec-following parser for what it rejects.

Every tree is made of PyYAML's node classes, whoever composed it. The fast path is libyaml's C
composer as PyYAML builds it (``yaml._yaml.CParser``): it makes the nodes in C, where ruamel.yaml's
C parser hands every event to a composer written in Python, so it composes about twice as fast.
What libyaml rejects is composed again by ruamel.yaml's pure-Python parser, which follows
the YAML spec more closely (see ``SeparatingTabsScanner``); its nodes are converted, keeping the
marks, the styles and which nodes aliases share. When PyYAML has no libyaml, ruamel.yaml composes
everything. ruamel.yaml is imported only when it is needed.

Plain scalars get one YAML 1.2 tag table (ruamel.yaml's patterns), whichever parser read them.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from yaml.error import Mark, MarkedYAMLError, YAMLError
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

if TYPE_CHECKING:
    from ruamel.yaml import YAML


__all__ = ["compose_all", "composer_errors", "has_c_composer", "marked_error_parts"]

STR_TAG = "tag:yaml.org,2002:str"
NULL_TAG = "tag:yaml.org,2002:null"
SEQ_TAG = "tag:yaml.org,2002:seq"
MAP_TAG = "tag:yaml.org,2002:map"
#: What libyaml names a stream it reads from a string (marks made here say the same).
_STREAM_NAME = "<unicode string>"


def has_c_composer() -> bool:
    """Whether a C parser composes first (so that a rejection is worth a retry in Python)."""
    return _libyaml_parser() is not None or _ruamel_has_c_parser()


def compose_all(text: str, pure: bool = False) -> Iterator[Node | None]:
    """The root of each document of ``text`` (None for a document that holds nothing).

    ``pure`` asks for the spec-following pure-Python parser. Raises an error of
    :func:`composer_errors` (or RecursionError) where the text stops parsing.
    """
    if not pure and _libyaml_parser() is not None:
        return _libyaml_compose_all(text)
    return _ruamel_compose_all(text, pure)


def composer_errors() -> tuple[type[Exception], ...]:
    """The exceptions a composer raises for text it cannot read (PyYAML's and ruamel.yaml's)."""
    if not _ruamel_loaded():
        return (YAMLError,)
    from ruamel.yaml.error import YAMLError as RuamelError

    return (YAMLError, RuamelError)


def marked_error_parts(error: Exception) -> tuple[Any, Any, Any, Any] | None:
    """``(problem, problem_mark, context, context_mark)`` of an error that marks a place."""
    if isinstance(error, MarkedYAMLError):
        return error.problem, error.problem_mark, error.context, error.context_mark
    if _ruamel_loaded():
        from ruamel.yaml.error import MarkedYAMLError as RuamelMarked

        if isinstance(error, RuamelMarked):
            return error.problem, error.problem_mark, error.context, error.context_mark
    return None


# --- libyaml through PyYAML -------------------------------------------------------------------


@lru_cache(maxsize=1)
def _libyaml_parser() -> type | None:
    """PyYAML's libyaml parser, or None when PyYAML was built without libyaml."""
    try:
        from yaml._yaml import CParser
    except ImportError:
        return None
    return CParser


def _libyaml_compose_all(text: str) -> Iterator[Node | None]:
    parser = _libyaml_composer_class()(text)
    try:
        while parser.check_node():
            yield parser.get_node()
    finally:
        parser.dispose()


@lru_cache(maxsize=1)
def _libyaml_composer_class() -> type:
    """libyaml's composer, with YAML 1.2 tag resolution (PyYAML's own resolver is YAML 1.1)."""
    base = _libyaml_parser()
    assert base is not None

    class LibyamlComposer(base):  # type: ignore[misc,valid-type]
        def descend_resolver(self, parent: Node | None, index: object) -> None:
            """No path-dependent resolution."""

        def ascend_resolver(self) -> None:
            """No path-dependent resolution."""

        def resolve(self, kind: type, value: str | None, implicit: tuple[bool, bool]) -> str:
            if kind is ScalarNode:
                return plain_scalar_tag(str(value)) if implicit[0] else STR_TAG
            return SEQ_TAG if kind is SequenceNode else MAP_TAG

    return LibyamlComposer


@lru_cache(maxsize=65536)
def plain_scalar_tag(value: str) -> str:
    """The YAML 1.2 tag of a plain scalar, cached: manifests repeat the same plain scalars.

    The same answer as ruamel.yaml's YAML 1.2 resolver (a test compares them), without importing
    ruamel.yaml: the candidate patterns are chosen by the first character, in ruamel's order.
    """
    for tag, pattern in _plain_patterns().get(value[:1], ()):
        if pattern.match(value):
            return tag
    return STR_TAG


@lru_cache(maxsize=1)
def _plain_patterns() -> dict[str, tuple[tuple[str, re.Pattern[str]], ...]]:
    """The YAML 1.2 implicit tags, by the first characters they can start with."""
    resolvers = [
        ("bool", r"^(?:true|True|TRUE|false|False|FALSE)$", "tTfF"),
        (
            "float",
            r"""^(?:
             [-+]?(?:[0-9][0-9_]*)\.[0-9_]*(?:[eE][-+]?[0-9]+)?
            |[-+]?(?:[0-9][0-9_]*)(?:[eE][-+]?[0-9]+)
            |[-+]?\.[0-9_]+(?:[eE][-+][0-9]+)?
            |[-+]?\.(?:inf|Inf|INF)
            |\.(?:nan|NaN|NAN))$""",
            "-+0123456789.",
        ),
        (
            "int",
            r"""^(?:[-+]?0b[0-1_]+
            |[-+]?0o?[0-7_]+
            |[-+]?[0-9_]+
            |[-+]?0x[0-9a-fA-F_]+)$""",
            "-+0123456789",
        ),
        ("merge", r"^(?:<<)$", "<"),
        ("null", r"^(?: ~ |null|Null|NULL | )$", "~nN"),
        (
            "timestamp",
            r"""^(?:[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]
            |[0-9][0-9][0-9][0-9] -[0-9][0-9]? -[0-9][0-9]?
            (?:[Tt]|[ \t]+)[0-9][0-9]?
            :[0-9][0-9] :[0-9][0-9] (?:\.[0-9]*)?
            (?:[ \t]*(?:Z|[-+][0-9][0-9]?(?::[0-9][0-9])?))?)$""",
            "0123456789",
        ),
        ("value", r"^(?:=)$", "="),
    ]
    by_first: dict[str, list[tuple[str, re.Pattern[str]]]] = {"": [(NULL_TAG, re.compile(""))]}
    for name, pattern, first in resolvers:
        compiled = re.compile(pattern, re.X)
        for character in first:
            by_first.setdefault(character, []).append((f"tag:yaml.org,2002:{name}", compiled))
    return {first: tuple(found) for first, found in by_first.items()}


# --- ruamel.yaml --------------------------------------------------------------------------------


def _ruamel_loaded() -> bool:
    import sys

    return "ruamel.yaml.error" in sys.modules


@lru_cache(maxsize=1)
def _ruamel_has_c_parser() -> bool:
    return "CParser" in getattr(_ruamel_yaml(False).Parser, "__name__", "")


@lru_cache(maxsize=2)
def _ruamel_yaml(pure: bool) -> YAML:
    from ruamel.yaml import YAML
    from ruamel.yaml.resolver import VersionedResolver

    from mountlint.tabscanner import SeparatingTabsScanner

    class CachingResolver(VersionedResolver):
        """Plain scalars get the libyaml path's tags (``%YAML`` directives are not honoured:
        no Kubernetes manifest uses them)."""

        def resolve(self, kind: Any, value: Any, implicit: Any) -> Any:
            from ruamel.yaml.nodes import ScalarNode as RuamelScalar
            from ruamel.yaml.tag import Tag

            if kind is RuamelScalar and implicit[0]:
                return Tag(suffix=plain_scalar_tag(value))
            return super().resolve(kind, value, implicit)

    yaml = YAML(typ="safe", pure=pure)
    yaml.Resolver = CachingResolver
    if pure:
        yaml.Scanner = SeparatingTabsScanner
    yaml.allow_duplicate_keys = True
    return yaml


def _ruamel_compose_all(text: str, pure: bool) -> Iterator[Node | None]:
    for root in _ruamel_yaml(pure).compose_all(text):
        yield None if root is None else _converted(root)


def _converted(node: Any, made: dict[int, Node] | None = None) -> Node:
    """A ruamel.yaml node tree as PyYAML nodes; a node that aliases share stays one object."""
    from ruamel.yaml.nodes import MappingNode as RuamelMapping
    from ruamel.yaml.nodes import SequenceNode as RuamelSequence

    made = {} if made is None else made
    known = made.get(id(node))
    if known is not None:
        return known
    start, end = _mark(node.start_mark), _mark(node.end_mark)
    tag = str(node.tag)
    if isinstance(node, RuamelMapping):
        mapping = made[id(node)] = MappingNode(tag, [], start, end, flow_style=node.flow_style)
        mapping.value = [
            (_converted(key, made), _converted(value, made)) for key, value in node.value
        ]
        return mapping
    if isinstance(node, RuamelSequence):
        sequence = made[id(node)] = SequenceNode(tag, [], start, end, flow_style=node.flow_style)
        sequence.value = [_converted(item, made) for item in node.value]
        return sequence
    scalar = made[id(node)] = ScalarNode(tag, node.value, start, end, style=node.style)
    return scalar


def _mark(mark: Any) -> Mark:
    return Mark(_STREAM_NAME, int(mark.index), int(mark.line), int(mark.column), None, 0)
