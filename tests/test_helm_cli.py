"""The command line with Helm: rendered output mapped to templates, and --helm."""

from __future__ import annotations

import json
import shutil
import sys
from pathlib import Path

import pytest

from helpers import FIXTURES, run_mountlint

LONGHORN = Path("helm-rendered/longhorn")


def test_rendered_file_maps_to_the_template(corpus: Path) -> None:
    result = run_mountlint(
        "--format",
        "json",
        "--select",
        "ML203",
        "--chart-dir",
        str(LONGHORN / "chart"),
        str(LONGHORN / "deploy" / "longhorn.yaml"),
        cwd=corpus,
    )
    findings = json.loads(result.stdout)["findings"]
    dev = next(f for f in findings if "'dev'" in f["explanation"])
    assert dev["location"]["path"] == str(LONGHORN / "chart" / "templates" / "daemonset-sa.yaml")
    assert dev["location"]["line"] == 69
    assert (
        dev["related"][-1]["message"] == f"rendered at {LONGHORN / 'deploy' / 'longhorn.yaml'}:5657"
    )


def test_rendered_stdin_maps_to_the_template(corpus: Path) -> None:
    stream = (corpus / LONGHORN / "deploy" / "longhorn.yaml").read_bytes()
    result = run_mountlint(
        "--select", "ML203", "--chart-dir", str(LONGHORN / "chart"), "-", stdin=stream, cwd=corpus
    )
    assert result.stdout.startswith(
        f"{LONGHORN / 'chart' / 'templates' / 'daemonset-sa.yaml'}:69:11: ML203"
    )


def test_helm_without_helm_exits_2_and_says_how_to_pipe(tmp_path: Path) -> None:
    chart = FIXTURES / "helm" / "mounts"
    result = run_mountlint(
        "--helm", str(chart), cwd=tmp_path, env={"PATH": str(Path(sys.executable).parent)}
    )
    assert result.returncode == 2
    assert "helm was not found on PATH" in result.stderr
    assert "| mountlint --chart-dir" in result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.skipif(shutil.which("helm") is None, reason="helm is not on PATH")
def test_helm_renders_and_reports_in_templates() -> None:
    chart = FIXTURES / "helm" / "mounts"
    result = run_mountlint(
        "--helm", str(chart), "--select", "ML101", "--format", "json", "--exit-zero"
    )
    assert result.returncode == 0, result.stderr
    findings = json.loads(result.stdout)["findings"]
    assert findings
    assert all(f["location"]["path"].startswith(str(chart)) for f in findings)
    assert all("/templates/" in f["location"]["path"] for f in findings)
