"""The fixer edits only what a fix says, in the style around it, and never writes a bad result."""

from __future__ import annotations

import os
import textwrap
from pathlib import Path

import pytest

from mountlint.edits import Applicability, EditBuilder, apply_edits
from mountlint.engine import lint_text
from mountlint.fixes import WriteRefused, fix_text, write_atomically
from mountlint.settings import Settings
from mountlint.sources import FileStamp
from mountlint.yamlnodes import parse_stream

from helpers import run_mountlint

SETTINGS = Settings(select=frozenset({"ML101"}))


def _pod(mounts: str, volumes: str = "    - name: root\n      hostPath:\n        path: /\n") -> str:
    return (
        "apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\nspec:\n  containers:\n"
        "    - name: app\n      image: busybox\n      volumeMounts:\n"
        + mounts
        + "  volumes:\n"
        + volumes
    )


def _fix(text: str) -> str:
    outcome = fix_text(text, "t.yaml", SETTINGS)
    assert outcome.problem is None
    return outcome.text


def _added_lines(before: str, after: str) -> list[str]:
    before_lines = before.splitlines(keepends=True)
    after_lines = after.splitlines(keepends=True)
    for line in before_lines:
        after_lines.remove(line)
    return after_lines


def test_block_mapping_with_comments_around_the_mount() -> None:
    text = _pod(
        "        # the host root\n"
        "        - name: root   # which volume\n"
        "          mountPath: /rootfs  # where\n"
        "          # readOnly: true\n"
        "\n"
        "        # next mount\n"
        "        - name: other\n"
        "          mountPath: /other\n",
        "    - name: root\n      hostPath:\n        path: /\n    - name: other\n      emptyDir: {}\n",
    )
    fixed = _fix(text)
    assert _added_lines(text, fixed) == ["          mountPropagation: HostToContainer\n"]
    assert (
        "          mountPath: /rootfs  # where\n          mountPropagation: HostToContainer\n"
        in fixed
    )
    assert lint_text(fixed, "t.yaml", SETTINGS) == []


def test_flow_mapping() -> None:
    text = _pod("        - {name: root, mountPath: /rootfs}\n")
    fixed = _fix(text)
    assert (
        "        - {name: root, mountPath: /rootfs, mountPropagation: HostToContainer}\n" in fixed
    )
    assert fixed.replace(", mountPropagation: HostToContainer", "") == text


def test_multi_line_flow_mapping() -> None:
    text = _pod("        - {name: root,\n           mountPath: /rootfs}\n")
    assert "mountPath: /rootfs, mountPropagation: HostToContainer}" in _fix(text)


@pytest.mark.parametrize(
    ("written", "expected"),
    [
        ("None", "HostToContainer"),
        ('"None"', '"HostToContainer"'),
        ("'None'", "'HostToContainer'"),
        ("null", "HostToContainer"),
        ("~", "HostToContainer"),
    ],
)
def test_explicit_none_is_replaced_in_place(written: str, expected: str) -> None:
    text = _pod(
        f"        - name: root\n          mountPropagation: {written}  # keep\n          mountPath: /r\n"
    )
    fixed = _fix(text)
    assert f"          mountPropagation: {expected}  # keep\n" in fixed
    assert fixed.count("mountPropagation") == 1


def test_empty_value_is_filled() -> None:
    text = _pod("        - name: root\n          mountPath: /r\n          mountPropagation:\n")
    assert "          mountPropagation: HostToContainer\n" in _fix(text)


def test_four_space_indent_and_unindented_sequences() -> None:
    text = textwrap.dedent(
        """\
        apiVersion: v1
        kind: Pod
        metadata:
            name: p
        spec:
            containers:
            -   name: app
                volumeMounts:
                -   name: root
                    mountPath: /rootfs
            volumes:
            -   name: root
                hostPath:
                    path: /
        """
    )
    fixed = _fix(text)
    assert (
        "            mountPath: /rootfs\n            mountPropagation: HostToContainer\n" in fixed
    )


def test_last_line_without_newline() -> None:
    text = textwrap.dedent(
        """\
        apiVersion: v1
        kind: Pod
        metadata: {name: p}
        spec:
          volumes: [{name: root, hostPath: {path: /}}]
          containers:
            - name: app
              volumeMounts:
                - name: root
                  mountPath: /rootfs"""
    )
    fixed = _fix(text)
    assert fixed == text + "\n          mountPropagation: HostToContainer"


def test_block_scalar_as_last_value() -> None:
    text = _pod(
        "        - name: root\n          mountPath: |-\n            /rootfs\n\n        - name: x\n          mountPath: /x\n"
    )
    fixed = _fix(text)
    assert (
        "            /rootfs\n\n          mountPropagation: HostToContainer\n        - name: x\n"
        in fixed
    )
    assert lint_text(fixed, "t.yaml", SETTINGS) == []


def test_several_documents_are_fixed_in_one_pass() -> None:
    text = _pod("        - {name: root, mountPath: /a}\n        - {name: root, mountPath: /b}\n")
    stream = text + "---\n" + text
    fixed = _fix(stream)
    assert fixed.count("mountPropagation: HostToContainer") == 4


def test_alias_is_display_only() -> None:
    text = textwrap.dedent(
        """\
        apiVersion: v1
        kind: List
        items:
          - apiVersion: v1
            kind: Pod
            metadata: {name: a}
            spec:
              volumes: [{name: root, hostPath: {path: /}}]
              containers:
                - name: app
                  volumeMounts: &mounts
                    - name: root
                      mountPath: /rootfs
          - apiVersion: v1
            kind: Pod
            metadata: {name: b}
            spec:
              volumes: [{name: root, hostPath: {path: /}}]
              containers:
                - name: app
                  volumeMounts: *mounts
        """
    )
    findings = lint_text(text, "t.yaml", SETTINGS)
    assert len(findings) == 2
    assert all(
        f.fix is not None and f.fix.applicability is Applicability.DISPLAY_ONLY for f in findings
    )
    assert fix_text(text, "t.yaml", SETTINGS).text == text


@pytest.mark.parametrize("pure", [False, True], ids=["c-parser", "pure-parser"])
@pytest.mark.parametrize(
    ("written", "expected"),
    [
        ("k: &p None\n", "k: &p HostToContainer\n"),
        ("k: !!str None\n", "k: !!str HostToContainer\n"),
        ("k: !!str &p 'None'\n", "k: !!str &p 'HostToContainer'\n"),
        (
            "k: &p !<tag:yaml.org,2002:str> None\n",
            "k: &p !<tag:yaml.org,2002:str> HostToContainer\n",
        ),
        ("k: &p # why\n  None\n", "k: &p # why\n  HostToContainer\n"),
        ("{k: &p None, l: x}\n", "{k: &p HostToContainer, l: x}\n"),
        ("k: &p\nl: x\n", "k: &p HostToContainer\nl: x\n"),
        ("k: !!null\nl: x\n", "k: !!null HostToContainer\nl: x\n"),
        ("k:\nl: x\n", "k: HostToContainer\nl: x\n"),
        ("k: # empty\nl: x\n", "k: HostToContainer # empty\nl: x\n"),
    ],
)
def test_replace_scalar_keeps_anchor_and_tag(written: str, expected: str, pure: bool) -> None:
    """The marks of a scalar start at its ``&anchor`` and ``!!tag``; the edit must not."""
    [(key, value), *_] = parse_stream(written, pure=pure).documents[0].root.value
    edit = EditBuilder(written).replace_scalar(value, "HostToContainer", key)
    assert apply_edits(written, [edit]) == expected


def test_fix_keeps_the_anchor_of_the_replaced_value() -> None:
    text = _pod(
        "        - name: root\n          mountPath: /r\n          mountPropagation: &p None\n"
    )
    fixed = _fix(text)
    assert "          mountPropagation: &p HostToContainer\n" in fixed
    assert lint_text(fixed, "t.yaml", SETTINGS) == []


def test_merge_key_value_is_display_only() -> None:
    text = _pod(
        "        - &base {name: root, mountPath: /a, mountPropagation: None}\n"
        "        - <<: *base\n          mountPath: /b\n"
    )
    findings = lint_text(text, "t.yaml", SETTINGS)
    assert [f.fix.applicability if f.fix else None for f in findings] == [
        Applicability.DISPLAY_ONLY,
        Applicability.DISPLAY_ONLY,
    ]


def _write(path: Path, data: bytes, mode: int = 0o640) -> Path:
    path.write_bytes(data)
    os.chmod(path, mode)
    return path


def test_cli_fix_keeps_crlf_bom_and_mode(tmp_path: Path) -> None:
    text = _pod("        - name: root\n          mountPath: /rootfs\n")
    path = _write(tmp_path / "crlf.yaml", b"\xef\xbb\xbf" + text.replace("\n", "\r\n").encode())
    result = run_mountlint("--fix", "--select", "ML101", str(path))
    assert result.returncode == 0, result.stderr
    data = path.read_bytes()
    assert data.startswith(b"\xef\xbb\xbf")
    assert b"\n" not in data.replace(b"\r\n", b"")
    expected = _fix(text).replace("\n", "\r\n").encode()
    assert data == b"\xef\xbb\xbf" + expected
    assert (path.stat().st_mode & 0o777) == 0o640
    assert [p.name for p in tmp_path.iterdir()] == ["crlf.yaml"]


def test_cli_fix_utf16_file(tmp_path: Path) -> None:
    text = _pod("        - name: root\n          mountPath: /rootfs\n")
    path = _write(tmp_path / "u16.yaml", text.encode("utf-16"))
    assert run_mountlint("--fix", "--select", "ML101", str(path)).returncode == 0
    assert path.read_bytes() == _fix(text).encode("utf-16")


def test_cli_alias_leaves_file_untouched(tmp_path: Path) -> None:
    text = _pod("        - &m {name: root, mountPath: /rootfs}\n        - *m\n")
    path = _write(tmp_path / "alias.yaml", text.encode())
    result = run_mountlint("--fix", "--select", "ML101", str(path))
    assert result.returncode == 1
    assert path.read_bytes() == text.encode()
    assert "[*]" not in result.stdout


def test_diff_writes_nothing(tmp_path: Path) -> None:
    text = _pod("        - name: root\n          mountPath: /rootfs\n")
    path = _write(tmp_path / "d.yaml", text.encode())
    before = path.stat().st_mtime_ns
    result = run_mountlint("--diff", "--select", "ML101", str(path))
    assert result.returncode == 1
    assert "+          mountPropagation: HostToContainer" in result.stdout
    assert path.read_bytes() == text.encode()
    assert path.stat().st_mtime_ns == before


def test_write_refuses_a_file_changed_since_read(tmp_path: Path) -> None:
    path = _write(tmp_path / "w.yaml", b"a: 1\n")
    stamp = FileStamp.of(path)
    path.write_bytes(b"a: 2\nb: 3\n")
    with pytest.raises(WriteRefused, match="changed on disk"):
        write_atomically(path, b"fixed\n", stamp)
    assert path.read_bytes() == b"a: 2\nb: 3\n"
    assert [p.name for p in tmp_path.iterdir()] == ["w.yaml"]


def test_write_through_symlink_keeps_the_link(tmp_path: Path) -> None:
    target = _write(tmp_path / "real.yaml", b"a: 1\n")
    link = tmp_path / "link.yaml"
    link.symlink_to(target)
    write_atomically(link, b"a: 2\n", FileStamp.of(target))
    assert link.is_symlink()
    assert target.read_bytes() == b"a: 2\n"


def test_anchored_last_value_makes_the_fix_display_only() -> None:
    # The insertion point after an anchored or aliased value is not known for sure: no edit.
    text = _pod(
        "        - name: root\n          mountPath: &p /rootfs\n"
        "        - name: root\n          mountPath: *p\n"
    )
    findings = lint_text(text, "t.yaml", SETTINGS)
    assert [f.fix.applicability if f.fix else None for f in findings] == [
        Applicability.DISPLAY_ONLY,
        Applicability.DISPLAY_ONLY,
    ]
    outcome = fix_text(text, "t.yaml", SETTINGS)
    assert outcome.problem is None
    assert outcome.text == text


@pytest.mark.parametrize("failing", ["fsync", "replace"])
def test_failed_write_leaves_the_original_and_no_temporary_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, failing: str
) -> None:
    path = _write(tmp_path / "w.yaml", b"a: 1\n")
    stamp = FileStamp.of(path)

    def fail(*args: object, **kwargs: object) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, failing, fail)
    with pytest.raises(WriteRefused, match="No space left on device"):
        write_atomically(path, b"a: 2\n", stamp)
    monkeypatch.undo()
    assert path.read_bytes() == b"a: 1\n"
    assert [p.name for p in tmp_path.iterdir()] == ["w.yaml"]


def _json_pod(indent: int | None) -> str:
    import json

    pod = {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": "p"},
        "spec": {
            "containers": [
                {
                    "name": "app",
                    "image": "busybox",
                    "volumeMounts": [
                        {"name": "kubelet", "mountPath": "/kubelet"},
                        {"name": "sock", "mountPath": "/run/containerd.sock"},
                    ],
                }
            ],
            "volumes": [
                {"name": "kubelet", "hostPath": {"path": "/var/lib/kubelet"}},
                {"name": "sock", "hostPath": {"path": "/run/containerd/containerd.sock"}},
            ],
        },
    }
    return json.dumps(pod, indent=indent) + "\n"


@pytest.mark.parametrize("indent", [None, 2], ids=["compact", "pretty"])
def test_cli_fix_keeps_json_valid(tmp_path: Path, indent: int | None) -> None:
    import json

    text = _json_pod(indent)
    path = _write(tmp_path / "pod.json", text.encode())
    result = run_mountlint("--fix", "--unsafe-fixes", "--select", "ML101,ML204", str(path))
    assert "Traceback" not in result.stderr
    fixed = path.read_text()
    data = json.loads(fixed)
    mounts = data["spec"]["containers"][0]["volumeMounts"]
    assert mounts[0]["mountPropagation"] == "HostToContainer"
    assert data["spec"]["volumes"][1]["hostPath"]["type"] == "Socket"
    # laid out as the file was: inline in compact JSON, one key a line in pretty JSON
    assert fixed == json.dumps(data, indent=indent) + "\n"
    if indent:
        assert '            "mountPath": "/kubelet",\n' in fixed
        assert '            "mountPropagation": "HostToContainer"\n' in fixed


def test_json_null_is_replaced_by_a_json_string() -> None:
    import json

    text = _json_pod(2).replace(
        '"mountPath": "/kubelet"', '"mountPropagation": null, "mountPath": "/kubelet"'
    )
    fixed = _fix(text)
    assert json.loads(fixed)["spec"]["containers"][0]["volumeMounts"][0]["mountPropagation"] == (
        "HostToContainer"
    )


def test_double_quoted_flow_mapping_gets_double_quoted_keys() -> None:
    text = _pod('        - {"name": "root", "mountPath": "/rootfs"}\n')
    fixed = _fix(text)
    assert (
        '        - {"name": "root", "mountPath": "/rootfs", "mountPropagation": "HostToContainer"}\n'
        in fixed
    )


def test_inserted_line_takes_the_ending_of_its_neighbour() -> None:
    """First line LF, the rest CRLF: the new line ends in CRLF like the lines around it."""
    text = _pod("        - name: root\n          mountPath: /rootfs\n")
    first, rest = text.split("\n", 1)
    mixed = first + "\n" + rest.replace("\n", "\r\n")
    fixed = _fix(mixed)
    assert (
        "          mountPath: /rootfs\r\n          mountPropagation: HostToContainer\r\n" in fixed
    )
    assert fixed.replace("          mountPropagation: HostToContainer\r\n", "") == mixed


def test_inserted_last_line_takes_the_ending_of_the_line_before() -> None:
    text = (
        "apiVersion: v1\nkind: Pod\r\nmetadata: {name: p}\r\nspec:\r\n"
        "  volumes: [{name: root, hostPath: {path: /}}]\r\n  containers:\r\n    - name: app\r\n"
        "      volumeMounts:\r\n        - name: root\r\n          mountPath: /rootfs"
    )
    fixed = _fix(text)
    assert fixed == text + "\r\n          mountPropagation: HostToContainer"
