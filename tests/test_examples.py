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
    line = result.stdout.splitlines()[0]
    message = line.split(" ML101 ", 1)[1]
    for words in (
        "host '/'",
        "'/rootfs'",
        "/run/netns",
        "Terminating",
        "mountPropagation: HostToContainer",
    ):
        assert words in message
    assert len(message) <= 180  # one terminal line, give or take the level
    report = run_mountlint("--format", "json", str(EXAMPLES / "incident" / "rootfsmount.yaml"))
    explanation = json.loads(report.stdout)["findings"][0]["explanation"]
    for words in ("device or resource busy", "/var/lib/kubelet/pods (pod volumes"):
        assert words in explanation


def test_node_exporter_done_right_is_clean() -> None:
    # the exposure of /, /proc and /sys is accepted by its mountlint.io/ignore annotation (host /
    # is reported once, by ML201 for its runtime sockets; ML202 does not repeat it)
    result = run_mountlint(str(EXAMPLES / "node-exporter"))
    assert (result.returncode, result.stdout) == (0, "All checks passed! 3 suppressed.\n")


def test_log_collector_only_the_docker_directory() -> None:
    # nothing is mounted below /var/lib/docker/containers on a containerd node, and dockerd
    # mounts such binds rslave itself: a note, not a warning
    assert _findings(EXAMPLES / "log-collector") == [("daemonset.yaml", "ML101", 30, "info")]


def test_csi_node_plugin() -> None:
    findings = [
        (code, line, severity)
        for _, code, line, severity in _findings(EXAMPLES / "csi-node-plugin")
    ]
    # the driver's own folder holds only csi.sock (the kubelet stages volumes under
    # plugins/kubernetes.io), and the registrar must write its socket there
    assert findings == [
        ("ML203", 36, "info"),
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
