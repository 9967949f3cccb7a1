"""Reading nodes gives the same answers with the C parser and the pure-Python one.

The two disagree on one detail that matters: a plain scalar's style is ``""`` with the C parser
and ``None`` with the pure one.
"""

from __future__ import annotations

import pytest

from mountlint.yamlnodes import (
    Node,
    bool_value,
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
