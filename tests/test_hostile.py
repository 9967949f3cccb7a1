"""Hostile input: every odd file gets a clear message (file and line), and the run goes on."""

from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
from pathlib import Path

import pytest

from helpers import run_mountlint

POD = (
    "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  containers:\n    - name: a\n"
    "      image: busybox\n      volumeMounts:\n        - {name: root, mountPath: /rootfs}\n"
    "  volumes:\n    - {name: root, hostPath: {path: /}}\n"
)


def _lint(tmp_path: Path, name: str, data: bytes, *flags: str) -> tuple[int, list[dict], str]:  # type: ignore[type-arg]
    path = tmp_path / name
    path.write_bytes(data)
    good = tmp_path / "zz-good.yaml"
    good.write_text(POD)
    result = run_mountlint(
        "--format", "json", "--select", "ML001,ML101", *flags, str(path), str(good)
    )
    assert "Traceback" not in result.stderr, result.stderr
    report = json.loads(result.stdout)
    mine = [f for f in report["findings"] if f["location"]["path"] == str(path)]
    # the rest of the run is unaffected: the good file is still reported
    assert any(
        f["location"]["path"] == str(good) and f["code"] == "ML101" for f in report["findings"]
    )
    return result.returncode, mine, result.stderr


@pytest.mark.parametrize(
    ("text", "line"),
    [
        ("hostPath: {path: /\nvolumes: []\n", 2),
        ("kind: Pod\nspec:\n  hostPath:\n   - a\n  - b\n", 5),
        ("kind: Pod\nspec:\n\tvolumes: []\nhostPath: x\n", 3),
        ('hostPath: "bad \\q escape"\n', 1),
        ("hostPath: *nowhere\n", 1),
        ("hostPath: a: b\n", 1),
        ("- hostPath\nkey: value\n", 2),
        ("hostPath: [1, 2\n", 2),
        ("%YAML 9.9\n---\nhostPath: 1\n", 1),
        ("hostPath: 'unterminated\n", 2),
    ],
    ids=["flow", "indent", "tab", "escape", "alias", "colon", "mixed", "seq", "directive", "quote"],
)
def test_invalid_yaml_is_ml001_at_the_parser_line(tmp_path: Path, text: str, line: int) -> None:
    code, findings, _ = _lint(tmp_path, "bad.yaml", text.encode())
    assert code == 1
    assert [(f["code"], f["location"]["line"]) for f in findings] == [("ML001", line)]


def test_non_utf8_and_binary(tmp_path: Path) -> None:
    _, latin1, _ = _lint(tmp_path, "latin1.yaml", b"hostPath: {}\n# caf\xe9\n")
    assert [(f["code"], f["location"]["line"]) for f in latin1] == [("ML001", 2)]
    assert "UTF-8" in latin1[0]["message"]
    _, binary, _ = _lint(tmp_path, "blob.yaml", b"hostPath\x00\x01\x02\xff" * 10)
    assert [f["code"] for f in binary] == ["ML001"]
    _, unrelated_binary, _ = _lint(tmp_path, "other.yaml", bytes(range(256)))
    assert unrelated_binary == []  # cannot hold a finding: never parsed


def test_utf16_with_bom_is_linted(tmp_path: Path) -> None:
    _, findings, _ = _lint(tmp_path, "u16.yaml", POD.encode("utf-16"))
    assert [(f["code"], f["location"]["line"]) for f in findings] == [("ML101", 9)]


@pytest.mark.parametrize(
    "data",
    [
        b"",
        b"\n\n",
        b"---\n",
        b"---\n...\n---\n",
        b"hostPath\n",
        b"- hostPath\n- 1\n",
        b"# hostPath\n",
    ],
    ids=["empty", "blank", "separator", "empty-docs", "scalar", "list", "comment"],
)
def test_empty_and_non_object_documents_are_clean(tmp_path: Path, data: bytes) -> None:
    _code, findings, _ = _lint(tmp_path, "odd.yaml", data)
    assert findings == []


def test_wrong_types_everywhere(tmp_path: Path) -> None:
    text = (
        "kind: Pod\nmetadata: {name: p}\nspec:\n  volumes: {}\n  containers:\n"
        "    - name: a\n      volumeMounts: x\n    - name: b\n      volumeMounts:\n"
        "        - {name: v, mountPath: /v, mountPropagation: 42}\n"
        "        - {name: w, mountPath: [1], readOnly: maybe}\n"
        "---\nkind: Pod\nspec:\n  volumes:\n    - {name: v, hostPath: null}\n    - {name: w, hostPath: {path: [1]}}\n"
        "  containers: [{name: c, volumeMounts: [{name: v, mountPath: /x}]}]\n"
        "---\nkind: Pod\nspec: [1, 2]\n---\nkind: [Pod]\nspec: {containers: 7, volumes: 8}\n"
    )
    path = tmp_path / "types.yaml"
    path.write_text(text)
    result = run_mountlint("--select", "ALL", "--format", "json", str(path))
    assert "Traceback" not in result.stderr
    assert result.returncode == 1
    codes = {f["code"] for f in json.loads(result.stdout)["findings"]}
    assert "ML301" in codes  # mountPropagation: 42


def test_duplicate_keys_are_syntax_errors_and_the_document_is_still_linted(
    tmp_path: Path,
) -> None:
    """kubectl rejects a duplicate key; the host mount is still reported, with its fix."""
    text = POD.replace("metadata: {name: p}", "metadata: {name: p, name: q}") + "kind: Pod\n"
    code, findings, _ = _lint(tmp_path, "dup.yaml", text.encode())
    assert code == 1
    found = [(f["code"], f["location"]["line"], f["message"]) for f in findings]
    assert found == [
        ("ML001", 3, 'Mapping key "name" is already defined earlier in the same mapping'),
        ("ML101", 9, found[1][2]),
        ("ML001", 12, 'Mapping key "kind" is already defined earlier in the same mapping'),
    ]
    assert findings[1]["fix"] is not None


def _limited(*args: str) -> subprocess.CompletedProcess[str]:
    """Run mountlint with 1 GiB of address space and a generous wall clock bound."""

    def limit() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (1 << 30, 1 << 30))

    return subprocess.run(
        [sys.executable, "-m", "mountlint", "--select", "ALL", *args],
        capture_output=True,
        text=True,
        timeout=60,
        preexec_fn=limit,
        check=False,
    )


def test_alias_bomb_in_bounded_memory(tmp_path: Path) -> None:
    lines = ["a0: &a0 [hostPath, volumeMounts]"]
    lines += [f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 10)}]" for i in range(1, 40)]
    lines += [
        "kind: Pod",
        "spec:",
        "  volumes: *a39",
        "  containers:",
        "    - {name: c, volumeMounts: *a39}",
    ]
    path = tmp_path / "bomb.yaml"
    path.write_text("\n".join(lines) + "\n")
    result = _limited(str(path))
    assert result.returncode in (0, 1), result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize(
    "text",
    [
        "hostPath: " + "[" * 20000 + "]" * 20000,
        "hostPath: " + "{a: " * 20000 + "1" + "}" * 20000,
        "hostPath:\n" + "".join("  " * (i + 1) + "a:\n" for i in range(3000)),
        "volumeMounts:\n" + "".join(" " * i + "- \n" for i in range(3000)),
    ],
    ids=["flow-seq", "flow-map", "block-map", "block-seq"],
)
def test_nesting_thousands_deep(tmp_path: Path, text: str) -> None:
    path = tmp_path / "deep.yaml"
    path.write_text(text)
    result = _limited(str(path))
    assert result.returncode in (0, 1), result.stdout + result.stderr
    assert "Traceback" not in result.stderr


def test_file_over_max_file_size_is_skipped_with_a_message(tmp_path: Path) -> None:
    path = tmp_path / "big.yaml"
    path.write_text(POD + "# padding\n" * 200)
    result = run_mountlint("--max-file-size", "1000", str(path))
    assert result.returncode == 2
    assert f"{path}: skipped:" in result.stderr and "--max-file-size" in result.stderr
    assert "ML101" not in result.stdout


def test_windows_line_endings_and_tabs_in_values(tmp_path: Path) -> None:
    _code, findings, _ = _lint(
        tmp_path, "crlf.yaml", POD.replace("busybox", "'busy\tbox'").replace("\n", "\r\n").encode()
    )
    assert [(f["code"], f["location"]["line"], f["location"]["column"]) for f in findings] == [
        ("ML101", 9, 11)
    ]


@pytest.mark.skipif(os.geteuid() != 0, reason="needs a file only root can make unreadable this way")
def test_unreadable_file_among_others(tmp_path: Path) -> None:
    good = tmp_path / "good.yaml"
    good.write_text(POD)
    result = run_mountlint("/proc/self/mem", str(good))
    assert result.returncode == 2
    assert "/proc/self/mem:" in result.stderr
    assert "ML101" in result.stdout
