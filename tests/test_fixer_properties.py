"""Property-based tests: whatever the style of a manifest, --fix --unsafe-fixes never loses data.

Manifests are generated in many styles (block and flow mounts, comments everywhere, plain/single/
double quoting, indentation 2 or 4, indented or flush sequences, LF or CRLF, trailing spaces,
several documents with or without end markers), and as JSON (compact and indented). For each, the
fixed text must parse, hold the same data except for the keys fixes set, differ only on lines that
carry those keys, and be stable; fixed JSON must stay JSON, laid out as the original was.
"""

from __future__ import annotations

import difflib
import json
import re
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mountlint.fixes import fix_text
from mountlint.settings import Settings
from mountlint.yamlnodes import MappingNode, Node, ScalarNode, SequenceNode, parse_stream

#: Keys a fix may add, change or remove.
FIX_KEYS = (
    "mountPropagation",
    "readOnly",
    "type",
    "path",
    "persistentVolumeReclaimPolicy",
    "recursiveReadOnly",
)
SETTINGS = Settings(select=None)
HOST_PATHS = [
    "/",
    "/var/run",
    "/var/lib/docker",
    "/var/log",
    "/run/netns/",
    "//var/lib/kubelet",
    "/etc",
    "/srv/data",
]
MOUNT_PATHS = ["/rootfs", "/host", "/data", "/var/lib/docker"]
PROPAGATIONS = [None, "None", "HostToContainer", "Bidirectional", "rslave", "none"]


def _quote(value: str, style: str) -> str:
    if style == "single":
        return f"'{value}'"
    if style == "double":
        return f'"{value}"'
    return value


@st.composite
def manifests(draw: st.DrawFn) -> str:
    indent = draw(st.sampled_from([2, 4]))
    flush = draw(st.booleans())  # sequences not indented under their key
    newline = draw(st.sampled_from(["\n", "\r\n"]))
    trailing = draw(st.sampled_from(["", " ", "  "]))
    quote = draw(st.sampled_from(["plain", "single", "double"]))
    comment = draw(st.booleans())
    documents = []
    for number in range(draw(st.integers(min_value=1, max_value=3))):
        mounts = draw(
            st.lists(
                st.tuples(
                    st.sampled_from(MOUNT_PATHS),
                    st.sampled_from(PROPAGATIONS),
                    st.sampled_from([None, True, False]),
                    st.booleans(),  # flow style
                ),
                min_size=1,
                max_size=3,
            )
        )
        host_path = draw(st.sampled_from(HOST_PATHS))
        documents.append(_document(number, mounts, host_path, indent, flush, quote, comment))
    end_marker = draw(st.booleans())
    separator = ("..." + newline if end_marker else "") + "---" + newline
    text = separator.join(documents)
    lines = [
        line + trailing if line.strip() and not line.endswith(("|", ">")) else line
        for line in text.split("\n")
    ]
    return (
        newline.join(lines).replace("\r\r\n", "\r\n")
        if newline == "\n"
        else "\n".join(lines).replace("\n", newline)
    )


def _document(
    number: int,
    mounts: list[tuple[str, str | None, bool | None, bool]],
    host_path: str,
    indent: int,
    flush: bool,
    quote: str,
    comment: bool,
) -> str:
    pad = " " * indent
    seq = "" if flush else pad

    def note(text: str) -> str:
        return f"  # {text}" if comment else ""

    out = [
        f"apiVersion: v1{note('core')}",
        "kind: Pod",
        "metadata:",
        f"{pad}name: pod{number}",
        "spec:",
    ]
    out.append(f"{pad}containers:")
    out.append(f"{pad}{seq}- name: app{note('the app')}")
    inner = pad + seq + "  "
    out.append(f"{inner}image: {_quote('busybox', quote)}")
    out.append(f"{inner}volumeMounts:")
    for index, (mount_path, propagation, read_only, flow) in enumerate(mounts):
        item = inner + seq
        fields = [("name", "host"), ("mountPath", _quote(mount_path + str(index), quote))]
        if propagation is not None:
            fields.append(("mountPropagation", _quote(propagation, quote)))
        if read_only is not None:
            fields.append(("readOnly", "true" if read_only else "false"))
        if flow:
            out.append(f"{item}- {{{', '.join(f'{k}: {v}' for k, v in fields)}}}{note('flow')}")
        else:
            if comment:
                out.append(f"{item}# mount {index}")
            out.append(f"{item}- {fields[0][0]}: {fields[0][1]}")
            out.extend(f"{item}  {key}: {value}" for key, value in fields[1:])
    out.append(f"{pad}volumes:")
    out.append(f"{pad}{seq}- name: host")
    out.append(f"{pad}{seq}  hostPath:")
    out.append(f"{pad}{seq}  {pad}path: {_quote(host_path, quote)}{note('host path')}")
    return "\n".join(out) + "\n"


_FIX_FIELD = re.compile(
    r"(?:,\s*)?\"?\b(?:"
    + "|".join(FIX_KEYS)
    + r")\b\"?\s*:\s*(?:'[^']*'|\"[^\"]*\"|[^,}#\r\n]*)(?:,\s*)?"
)


def _without_fix_keys(line: str) -> str:
    """A line with its fix-key fields removed, for comparing everything else."""
    return re.sub(r"[\s,{}]+", " ", _FIX_FIELD.sub(" ", line)).strip(" -\r\n")


def _data(text: str) -> list[Any]:
    """The data of every document, read from nodes (so odd keys like ``{{x}}`` cannot fail)."""
    return [_plain(document.root, {}) for document in parse_stream(text).documents]


def _plain(node: Node, memo: dict[int, Any]) -> Any:
    if id(node) in memo:
        return memo[id(node)]
    value: Any
    if isinstance(node, MappingNode):
        value = {_key(key, memo): _plain(item, memo) for key, item in node.value}
    elif isinstance(node, SequenceNode):
        value = [_plain(item, memo) for item in node.value]
    else:
        value = (str(node.tag), node.value)
    memo[id(node)] = value
    return value


def _key(node: Node, memo: dict[int, Any]) -> str:
    return str(node.value) if isinstance(node, ScalarNode) else repr(_plain(node, memo))


def _strip_fix_keys(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _strip_fix_keys(v) for k, v in value.items() if k not in FIX_KEYS}
    if isinstance(value, list):
        return [_strip_fix_keys(item) for item in value]
    return value


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(manifests())
def test_fix_never_loses_data(text: str) -> None:
    assert parse_stream(text).problem is None, text
    outcome = fix_text(text, "t.yaml", SETTINGS, unsafe=True)
    assert outcome.problem is None
    fixed = outcome.text
    assert parse_stream(fixed).problem is None
    assert _strip_fix_keys(_data(fixed)) == _strip_fix_keys(_data(text))
    before, after = text.splitlines(keepends=True), fixed.splitlines(keepends=True)
    matcher = difflib.SequenceMatcher(a=before, b=after, autojunk=False)
    for tag, a_start, a_end, b_start, b_end in matcher.get_opcodes():
        if tag == "equal":
            continue
        old = [_without_fix_keys(line) for line in before[a_start:a_end]]
        new = [_without_fix_keys(line) for line in after[b_start:b_end]]
        # what changed is only fix keys: whole lines of them, or fields inside a flow mapping
        assert [line for line in old if line] == [line for line in new if line], (old, new)
    if "\r\n" in text:
        assert "\n" not in fixed.replace("\r\n", "")
    assert fix_text(fixed, "t.yaml", SETTINGS, unsafe=True).text == fixed


@st.composite
def json_manifests(draw: st.DrawFn) -> tuple[str, Any]:
    """A pod (or a List of pods) written by ``json.dumps``, compact or indented; and its indent."""
    indent = draw(st.sampled_from([None, 1, 2, 4, "\t"]))
    pods = []
    for number in range(draw(st.integers(min_value=1, max_value=2))):
        mounts = []
        for index, (mount_path, propagation, read_only) in enumerate(
            draw(
                st.lists(
                    st.tuples(
                        st.sampled_from(MOUNT_PATHS),
                        st.sampled_from([*PROPAGATIONS, "null"]),
                        st.sampled_from([None, True, False]),
                    ),
                    min_size=1,
                    max_size=3,
                )
            )
        ):
            mount: dict[str, Any] = {"name": "host", "mountPath": f"{mount_path}{index}"}
            if propagation is not None:
                mount["mountPropagation"] = None if propagation == "null" else propagation
            if read_only is not None:
                mount["readOnly"] = read_only
            mounts.append(mount)
        host_path: dict[str, Any] = {"path": draw(st.sampled_from(HOST_PATHS))}
        pods.append(
            {
                "apiVersion": "v1",
                "kind": "Pod",
                "metadata": {"name": f"pod{number}"},
                "spec": {
                    "containers": [{"name": "app", "image": "busybox", "volumeMounts": mounts}],
                    "volumes": [{"name": "host", "hostPath": host_path}],
                },
            }
        )
    document: Any = (
        pods[0] if len(pods) == 1 else {"apiVersion": "v1", "kind": "List", "items": pods}
    )
    text = json.dumps(document, indent=indent)
    if draw(st.booleans()):
        text += "\n"
    if indent is not None and draw(st.booleans()):
        text = text.replace("\n", "\r\n")
    return text, indent


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(json_manifests())
def test_fixed_json_stays_json(manifest: tuple[str, Any]) -> None:
    text, indent = manifest
    outcome = fix_text(text, "t.json", SETTINGS, unsafe=True)
    assert outcome.problem is None
    fixed = outcome.text
    data = json.loads(fixed)
    assert _strip_fix_keys(data) == _strip_fix_keys(json.loads(text))
    # laid out exactly as json.dumps lays it out: each new key inline, or on its own line
    newline = "\r\n" if "\r\n" in text else "\n"
    ending = newline if text.endswith("\n") else ""
    assert fixed == json.dumps(data, indent=indent).replace("\n", newline) + ending
    assert fix_text(fixed, "t.json", SETTINGS, unsafe=True).text == fixed
