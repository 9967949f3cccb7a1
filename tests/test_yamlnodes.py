"""Reading nodes gives the same answers with the C parser and the pure-Python one.

The two disagree on one detail that matters: a plain scalar's style is ``""`` with the C parser
and ``None`` with the pure one.
"""

from __future__ import annotations

import pytest

from mountlint.yamlnodes import (
    Node,
    ParsedStream,
    ScalarNode,
    all_nodes,
    bool_value,
    duplicate_keys,
    entries,
    get,
    is_flow_scalar,
    is_plain,
    parse_stream,
    string_value,
)

TEXT = """\
plain: yes
single: 'yes'
double: "on"
block: |
  yes
upper: ON
mixed: oN
base: &base {a: 1}
merged: {<<: *base, b: 2}
"""


@pytest.fixture(params=[False, True], ids=["c-parser", "pure-parser"])
def root(request: pytest.FixtureRequest) -> Node:
    stream = parse_stream(TEXT, pure=request.param)
    assert stream.problem is None
    return stream.documents[0].root


def test_plain_and_flow_scalars(root: Node) -> None:
    assert [is_plain(get(root, key)) for key in ("plain", "single", "double", "block")] == [
        True,
        False,
        False,
        False,
    ]
    assert [is_flow_scalar(get(root, key)) for key in ("plain", "single", "block", "base")] == [
        True,
        True,
        False,
        False,
    ]


def test_yaml11_booleans_only_when_plain(root: Node) -> None:
    assert bool_value(get(root, "plain")) is True
    assert bool_value(get(root, "upper")) is True
    assert string_value(get(root, "plain")) is None
    assert string_value(get(root, "single")) == "yes"
    assert string_value(get(root, "double")) == "on"
    assert string_value(get(root, "block")) == "yes\n"
    assert string_value(get(root, "mixed")) == "oN"  # not one of go-yaml's spellings


def test_merge_keys(root: Node) -> None:
    assert sorted(str(item.key.value) for item in entries(get(root, "merged"))) == ["a", "b"]


# --- what the C parser rejects is retried with the pure one ----------------------------------

POD = (
    "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  containers:\n  - name: a\n"
    "    args: ARGS\n    volumeMounts: [{name: r, mountPath: /r}]\n"
    "  volumes: [{name: r, hostPath: {path: /}}]\n"
)
PIECES = {
    "fine": POD.replace("ARGS", "[a, b]"),
    "colon": POD.replace("ARGS", "[--listen=0.0.0.0:9100]"),
    "colon-multiline": POD.replace("ARGS", "[a,\n      é:ü]"),
    "crlf": POD.replace("ARGS", "[a:b]").replace("\n", "\r\n"),
    "flow": "{a: [b:c], d: 'e\n  f'}\n",
    "comment": "# nothing here\n",
    "empty": "",
    "ended": POD.replace("ARGS", "[x:y]") + "...\n",
}


def _marks(stream: ParsedStream) -> list[tuple[object, ...]]:
    return [
        (
            document.index,
            type(node).__name__,
            node.value if isinstance(node, ScalarNode) else None,
            *(
                int(getattr(mark, field))
                for mark in (node.start_mark, node.end_mark)
                for field in ("index", "line", "column")
            ),
        )
        for document in stream.documents
        for node in all_nodes(document.root)
    ]


@pytest.mark.parametrize(
    "names",
    [
        ["colon"],
        ["fine", "colon"],
        ["colon", "fine", "fine"],
        ["fine", "colon-multiline", "comment", "colon", "flow"],
        ["empty", "empty", "colon", "empty"],
        ["crlf", "fine", "crlf"],
        ["ended", "fine", "ended"],
        ["comment", "flow", "colon", "flow"],
    ],
    ids="+".join,
)
def test_retried_documents_have_the_marks_of_a_pure_parse(names: list[str]) -> None:
    text = "".join(("---\n" if number else "") + PIECES[name] for number, name in enumerate(names))
    mixed, pure = parse_stream(text), parse_stream(text, pure=True)
    assert mixed.problem is None
    assert _marks(mixed) == _marks(pure)
    assert len(mixed.documents) == len(pure.documents) >= 1


def test_a_document_both_parsers_reject_is_the_problem() -> None:
    text = "---\n".join([PIECES["fine"], PIECES["colon"], "a: [b, c\n", PIECES["fine"]])
    stream = parse_stream(text)
    assert [document.root.start_mark.line for document in stream.documents] == [0, 10]
    assert stream.problem is not None
    marker = len(text) - len("---\n" + PIECES["fine"])
    assert (stream.problem.line, stream.problem.offset) == (21, marker)  # stopped at the '---'
    assert stream.problem.message.startswith("did not find expected ',' or ']'")


def test_the_spec_parser_says_where_a_document_really_breaks() -> None:
    text = "a: [b:c]\nd: {e: f\n"
    problem = parse_stream(text).problem
    assert problem is not None
    assert problem.line == 2  # not the ':' on line 1 that only the C parser rejects


def test_tabs_separate_tokens_but_do_not_indent() -> None:
    stream = parse_stream("a: [b:c]\nd:\tbusy\tbox\t# c\ne\t: f\t\n", pure=True)
    assert stream.problem is None
    assert [(str(k.value), v.value) for k, v in stream.documents[0].root.value][1:] == [
        ("d", "busy\tbox"),
        ("e", "f"),
    ]
    for text in ("a:\n\tb: c\n", "a:\n  -\tb\n", "a: b\n\t\n"):
        assert parse_stream(text, pure=True).problem is not None, text


def test_a_leading_directive_is_a_problem_unless_allowed() -> None:
    text = "# generated\n%YAML 1.2\n---\na: [b:c]\n"
    problem = parse_stream(text).problem
    assert problem is not None
    assert (problem.line, problem.column, problem.offset) == (1, 0, 12)
    assert problem.message.startswith("%YAML directive: kubectl does not read")
    assert len(parse_stream(text).documents) == 1
    allowed = parse_stream(text, allow_directives=True)
    assert allowed.problem is None
    assert len(allowed.documents) == 1


@pytest.mark.parametrize("between", ["", "\n", "\n\n  "], ids=["same-line", "lines", "indented"])
def test_json_objects_one_after_another_are_documents(between: str) -> None:
    first, second = '{"kind": "Pod", "path": "/"}', '{"kind": "Pod",\n "path": "/etc"}'
    text = first + between + second + "\n"
    stream = parse_stream(text)
    assert stream.problem is None
    paths = [get(document.root, "path") for document in stream.documents]
    for node, value in zip(paths, ["/", "/etc"], strict=True):
        assert isinstance(node, ScalarNode) and node.value == value
        mark = node.start_mark
        assert text[mark.index : mark.index + len(value) + 2] == f'"{value}"'
        assert text.split("\n")[mark.line][mark.column :].startswith(f'"{value}"')
    broken = parse_stream(first + between + '{"kind": \n')
    assert broken.problem is not None


def test_too_deep_for_the_pure_parser_is_refused_before_either_parser() -> None:
    # the pure parser would need seconds to find out that it cannot recurse that deep; the
    # nesting limit stops such a document before the C parser (which would accept `a:b` here)
    text = "hostPath: " + "[" * 3000 + "a:b" + "]" * 3000 + "\n"
    problem = parse_stream(text).problem
    assert problem is not None
    assert problem.message.startswith("nesting deeper than 256 levels")
    assert problem.column == len("hostPath: ") + 255  # 0-based: the 256th bracket


def _duplicates(text: str, pure: bool = False) -> list[tuple[int, int, str]]:
    stream = parse_stream(text, pure=pure)
    assert stream.problem is None
    return [
        (problem.line, problem.column, problem.message)
        for document in stream.documents
        for problem in duplicate_keys(document.root, text)
    ]


@pytest.mark.parametrize("pure", [False, True])
def test_duplicate_keys_are_found_at_the_repeat_in_every_document(pure: bool) -> None:
    text = "a: 1\nb: {c: 1, 'c': 2}\n---\nx: &x 1\nx: 2\n---\n- {d: 1}\n- [{e: 1, e: 2}]\n"
    assert _duplicates(text, pure) == [
        (1, 10, 'mapping key "c" is already defined earlier in the same mapping'),
        (7, 10, 'mapping key "e" is already defined earlier in the same mapping'),
    ]


def test_duplicate_keys_walk_deep_nesting_and_skip_alias_bombs() -> None:
    deep = (
        "a:\n" + "".join("  " * depth + "a:\n" for depth in range(1, 255)) + "  " * 255 + "b: 1\n"
    )
    assert _duplicates(deep + "  " * 255 + "b: 2\n") == [
        (256, 510, 'mapping key "b" is already defined earlier in the same mapping')
    ]
    lines = ["a0: &a0 {k: 1, k: 2}"]
    lines += [f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 10)}]" for i in range(1, 40)]
    assert _duplicates("\n".join(lines) + "\n") == []
