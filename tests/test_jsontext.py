"""The indented JSON writer of the reports writes what ``json.dumps(indent=2)`` writes."""

from __future__ import annotations

import json
import math
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mountlint.jsontext import dumps_indented
from mountlint.printable import escape_json_text

from helpers import EXAMPLES, run_mountlint


def reference(value: Any) -> str:
    return json.dumps(value, indent=2, ensure_ascii=False)


leaves = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**70), max_value=2**70)
    | st.floats(allow_nan=True, allow_infinity=True)
    | st.text(alphabet=st.characters(codec=None, exclude_categories=("Cs",)), max_size=12)
)
values = st.recursive(
    leaves,
    lambda inner: (
        st.lists(inner, max_size=4)
        | st.tuples(inner, inner)
        | st.dictionaries(st.text(max_size=6), inner, max_size=4)
    ),
    max_leaves=30,
)


@settings(max_examples=400, deadline=None)
@given(values)
def test_the_text_is_json_dumps_text(value: Any) -> None:
    assert dumps_indented(value) == reference(value)


@pytest.mark.parametrize(
    "value",
    [
        {},
        [],
        {"a": {}, "b": [], "c": [[]], "d": [{}]},
        {"nan": math.nan, "inf": [math.inf, -math.inf], "float": 1e-7, "big": 10**30},
        {"true": True, "false": False, "one": 1, "none": None},
        {"control": "\x00\x1f\x7f\u2028\u202e", "quote": '"\\'},
        {1: "an int key", None: "a None key", 2.5: "a float key", False: "a bool key"},
        ("tuple", ("nested",)),
    ],
    ids=[
        "empty-dict",
        "empty-list",
        "empty-inside",
        "floats",
        "constants",
        "escapes",
        "keys",
        "tuple",
    ],
)
def test_edge_values(value: Any) -> None:
    assert dumps_indented(value) == reference(value)


def test_what_json_refuses_is_refused_the_same_way() -> None:
    with pytest.raises(TypeError):
        dumps_indented({"set": {1}})
    with pytest.raises(TypeError):
        dumps_indented({("tuple", "key"): 1})


@pytest.mark.parametrize("format_name", ["json", "sarif", "gitlab"])
def test_reports_of_the_examples_are_unchanged(format_name: str) -> None:
    result = run_mountlint("--exit-zero", "--format", format_name, str(EXAMPLES))
    document = json.loads(result.stdout)
    assert result.stdout == escape_json_text(reference(document)) + "\n"


def test_escaping_the_report_text_finds_what_the_pattern_finds() -> None:
    for text in ["plain ascii", 'with "\\u007f"', "del \x7f", "c1 \x85", "bidi \u202e", "é"]:
        expected = text
        for character in "\x7f\x85\u202e":
            expected = expected.replace(character, f"\\u{ord(character):04x}")
        assert escape_json_text(text) == expected
