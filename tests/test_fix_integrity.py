"""``--fix`` never loses data: what it prints, what it writes over, and what an interrupt leaves."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from helpers import EXAMPLES

INCIDENT = EXAMPLES / "incident"


def _fix_stdin(data: bytes, cwd: Path, *flags: str) -> subprocess.CompletedProcess[bytes]:
    """``mountlint --fix -`` with bytes in and bytes out, as a shell redirection would."""
    return subprocess.run(
        [sys.executable, "-m", "mountlint", "--fix", *flags, "-"],
        input=data,
        capture_output=True,
        cwd=cwd,
        timeout=120,
    )


CONFIG_MAP = b"apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\ndata:\n  a: b\n"
HELM_OUTPUT = (
    b"---\n# Source: chart/templates/pod.yaml\napiVersion: v1\nkind: Pod\nmetadata:\n  name: p\n"
    b"spec:\n  containers:\n    - name: app\n      volumeMounts:\n"
    b"        - {name: root, mountPath: /rootfs}\n"
    b"  volumes:\n    - {name: root, hostPath: {path: /}}\n"
)


@pytest.mark.parametrize(
    "data",
    [
        CONFIG_MAP,
        CONFIG_MAP.replace(b"\n", b"\r\n") + b"\n\n",
        b"kind: Pod\nspec:\n  volumes: [{hostPath: {path: /\xff}}]\n",  # not UTF-8
        b"\xef\xbb\xbfkind: ConfigMap\n",
        b"",
    ],
    ids=["configmap", "configmap-crlf", "not-utf8", "bom", "empty"],
)
def test_fix_stdin_prints_the_input_when_nothing_is_fixed(data: bytes, tmp_path: Path) -> None:
    result = _fix_stdin(data, tmp_path)
    assert result.stdout == data
    assert b"Traceback" not in result.stderr


def test_fix_stdin_prints_helm_output_whose_chart_is_above(tmp_path: Path) -> None:
    """``# Source:`` output with a Chart.yaml above the working directory: fixes go to the
    chart's templates (here missing), and standard output still carries the input."""
    (tmp_path / "Chart.yaml").write_text("apiVersion: v2\nname: chart\nversion: 1.0.0\n")
    work = tmp_path / "work"
    work.mkdir()
    result = _fix_stdin(HELM_OUTPUT, work)
    assert result.stdout == HELM_OUTPUT
    assert b"Traceback" not in result.stderr


def test_fix_stdin_prints_the_fixed_input(tmp_path: Path) -> None:
    data = (INCIDENT / "rootfsmount.yaml").read_bytes()
    result = _fix_stdin(data, INCIDENT)
    assert result.stdout == (INCIDENT / "rootfsmount-fixed.yaml").read_bytes()
