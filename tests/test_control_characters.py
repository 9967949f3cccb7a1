"""Text output never carries control characters from the input: values, paths, file names,
messages on stderr and process names are escaped, so nothing can steer a terminal or a CI log."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest

from mountlint.printable import escape_json_text, printable

from helpers import EXAMPLES, FIXTURES, run_mountlint

#: C0 (but the line break that ends each line), DEL, C1, line/paragraph separators, bidi.
RAW_CONTROL = re.compile("[\x00-\x09\x0b-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]")

#: A container that retitles and clears the terminal, and a hostPath that, printed raw in a
#: GitHub Actions log, starts a line the runner executes as a workflow command.
HOSTILE_POD = r"""apiVersion: v1
kind: Pod
metadata: {name: p}
spec:
  containers:
    - name: "c\e]0;PWNED\a\e[2J"
      image: busybox
      volumeMounts:
        - {name: "root\x9b31m", mountPath: /rootfs}
  volumes:
    - name: "root\x9b31m"
      hostPath: {path: "/\n::error title=evil::x"}
"""


def _assert_inert(text: str) -> None:
    assert RAW_CONTROL.search(text) is None, repr(RAW_CONTROL.search(text))
    assert not any(line.startswith("::") for line in text.splitlines()), text


def test_values_are_escaped_in_the_text_report(tmp_path: Path) -> None:
    path = tmp_path / "pod.yaml"
    path.write_text(HOSTILE_POD)
    result = run_mountlint("--select", "ALL", str(path))
    assert result.returncode == 1, result.stderr
    _assert_inert(result.stdout)
    _assert_inert(result.stderr)
    assert r"'root\x9b31m'" in result.stdout  # the volume's name, in ML207's message
    assert r"/\n::error title=evil::x" in result.stdout


def test_file_names_are_escaped_in_the_report_and_on_stderr(tmp_path: Path) -> None:
    bad = tmp_path / "evil\x1b]0;PWNED\x07\n::error title=evil::x.yaml"
    bad.write_text(HOSTILE_POD)
    missing = str(tmp_path / "gone\x1b[2J.yaml")
    result = run_mountlint(str(tmp_path), missing)
    assert result.returncode == 2, result.stderr
    _assert_inert(result.stdout)
    _assert_inert(result.stderr)
    assert r"evil\x1b]0;PWNED\x07\n::error title=evil::x.yaml:" in result.stdout
    assert r"gone\x1b[2J.yaml: no such file or directory" in result.stderr


def test_diff_headers_escape_file_names(tmp_path: Path) -> None:
    bad = tmp_path / "evil\x1b[2J\n::error::x.yaml"
    bad.write_text((EXAMPLES / "incident" / "rootfsmount.yaml").read_text())
    result = run_mountlint("--diff", str(bad))
    assert result.returncode == 1, result.stderr
    headers = [line for line in result.stdout.splitlines() if line.startswith(("---", "+++"))]
    assert headers and all(RAW_CONTROL.search(line) is None for line in headers)
    _assert_inert(result.stderr)


def test_json_and_sarif_escape_del_c1_and_separators(tmp_path: Path) -> None:
    path = tmp_path / "pod.yaml"
    path.write_text(HOSTILE_POD)
    for report_format in ("json", "sarif"):
        result = run_mountlint("--format", report_format, str(path))
        assert result.returncode == 1, result.stderr
        _assert_inert(result.stdout)
        assert "root\\u009b31m" in result.stdout
        json.loads(result.stdout)


def test_holders_escape_process_names(tmp_path: Path) -> None:
    proc = tmp_path / "proc"
    shutil.copytree(FIXTURES / "node" / "incident-proc", proc)
    (proc / "4242" / "comm").write_text("sleep\x1b]0;PWNED\x07\n::error::x\n")
    (proc / "4242" / "cmdline").write_bytes(b"sleep\x001h\x1b[2J\x00")
    result = run_mountlint(
        "--node",
        "--holders",
        "/var/run/netns/cni-49ddd103-d374-1f86-7324-13abaeb9c910",
        "--proc",
        str(proc),
    )
    assert result.returncode == 1, result.stdout + result.stderr
    _assert_inert(result.stdout)
    assert r"pid 4242 (sleep\x1b]0;PWNED\x07\n::error::x)" in result.stdout
    assert r"command line: sleep 1h\x1b[2J" in result.stdout


@pytest.mark.parametrize(
    ("raw", "shown"),
    [
        ("plain /var/lib", "plain /var/lib"),
        ("a\tb\r\nc", r"a\tb\r\nc"),
        ("\x1b[2J\x07\x00\x7f", r"\x1b[2J\x07\x00\x7f"),
        ("\x9b31m\x85", r"\x9b31m\x85"),
        ("x\u2028y\u202ez", r"x\u2028y\u202ez"),
        ("café ☃", "café ☃"),
    ],
)
def test_printable(raw: str, shown: str) -> None:
    assert printable(raw) == shown


def test_escaped_json_reads_back_the_same() -> None:
    value = {"v": "a\x7f\x9b\u2028\u202e\x1b b"}
    text = escape_json_text(json.dumps(value, ensure_ascii=False))
    assert RAW_CONTROL.search(text) is None
    assert json.loads(text) == value


def test_every_character_is_escaped_exactly_when_it_is_unsafe() -> None:
    """``printable`` skips its pattern for text Python calls printable: that shortcut must
    never let through a character the pattern would escape, in any plane."""
    unsafe = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]")
    for code in [*range(0x10000), *range(0x1F000, 0x1F700), 0xE0001, 0x10FFFF]:
        character = chr(code)
        shown = printable(f"a{character}b")
        assert (shown != f"a{character}b") == bool(unsafe.match(character)), hex(code)
