"""End to end on examples/: what each example is for is what mountlint says about it."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from helpers import EXAMPLES, run_mountlint


def _findings(*paths: Path) -> list[tuple[str, str, int, str]]:
    result = run_mountlint("--format", "json", "--exit-zero", *map(str, paths))
    assert result.returncode == 0, result.stderr
    return [
        (Path(f["location"]["path"]).name, f["code"], f["location"]["line"], f["severity"])
        for f in json.loads(result.stdout)["findings"]
    ]


def test_incident_pair() -> None:
    incident = EXAMPLES / "incident"
    assert _findings(incident / "sleeping.yaml") == []
    assert _findings(incident / "rootfsmount-fixed.yaml") == []
    assert _findings(incident / "rootfsmount.yaml") == [("rootfsmount.yaml", "ML101", 24, "error")]


def test_incident_message_explains_the_hazard() -> None:
    result = run_mountlint(str(EXAMPLES / "incident" / "rootfsmount.yaml"))
    message = result.stdout.splitlines()[0]
    for words in (
        "host '/'",
        "'/rootfs'",
        "/run/netns",
        "device or resource busy",
        "Terminating",
        "mountPropagation: HostToContainer",
    ):
        assert words in message


def test_node_exporter_done_right_is_clean() -> None:
    # the exposure of /, /proc and /sys is accepted by its mountlint.io/ignore annotation
    result = run_mountlint(str(EXAMPLES / "node-exporter"))
    assert (result.returncode, result.stdout) == (0, "All checks passed! 4 suppressed.\n")


def test_log_collector_only_the_docker_directory() -> None:
    assert _findings(EXAMPLES / "log-collector") == [("daemonset.yaml", "ML101", 30, "warning")]


def test_csi_node_plugin() -> None:
    findings = [
        (code, line, severity)
        for _, code, line, severity in _findings(EXAMPLES / "csi-node-plugin")
    ]
    assert findings == [
        ("ML101", 36, "warning"),
        ("ML203", 36, "warning"),
        ("ML101", 48, "warning"),
        ("ML102", 52, "info"),
        ("ML206", 58, "info"),
        ("ML206", 62, "info"),
        ("ML202", 66, "warning"),
        ("ML202", 70, "warning"),
    ]


def test_fixing_every_example_leaves_them_clean_of_ml101(tmp_path: Path) -> None:
    copy = tmp_path / "examples"
    shutil.copytree(EXAMPLES, copy)
    result = run_mountlint("--fix", "--exit-zero", str(copy))
    assert result.returncode == 0, result.stderr
    assert [f for f in _findings(copy) if f[1] == "ML101"] == []
    fixed = (copy / "incident" / "rootfsmount.yaml").read_bytes()
    assert fixed == (EXAMPLES / "incident" / "rootfsmount-fixed.yaml").read_bytes()
