"""ML101 host-mount-pins-runtime-mounts on the mount tree model: levels, evidence and messages."""

from __future__ import annotations

from textwrap import dedent

import pytest

from mountlint.engine import Finding, lint_text
from mountlint.rule import Severity
from mountlint.settings import Settings


def _lint(text: str, **options: object) -> list[Finding]:
    settings = Settings(select=frozenset({"ML101"}), **options)  # type: ignore[arg-type]
    return lint_text(dedent(text), "test.yaml", settings)


def _pod(
    volume: str, mount: str = "", sibling: str = "", sibling_path: str = "/var/run/agent"
) -> str:
    """One container mounting ``volume`` at /m, and optionally a privileged sibling's mount."""
    text = (
        "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  containers:\n"
        f"    - name: c\n      image: busybox\n      volumeMounts:\n"
        f"        - {{name: v, mountPath: /m{', ' + mount if mount else ''}}}\n"
    )
    if sibling:
        text += (
            "    - name: s\n      image: busybox\n      securityContext: {privileged: true}\n"
            f"      volumeMounts:\n        - {{name: w, mountPath: /w, {sibling}}}\n"
        )
    text += f"  volumes:\n    - {{name: v, hostPath: {volume}}}\n"
    if sibling:
        text += f"    - {{name: w, hostPath: {{path: {sibling_path}}}}}\n"
    return text


def _level(findings: list[Finding]) -> Severity | None:
    assert len(findings) <= 1
    return findings[0].severity if findings else None


@pytest.mark.parametrize(
    ("volume", "level"),
    [
        ("{path: /}", Severity.ERROR),
        ("{path: /run}", Severity.ERROR),
        ("{path: /var/lib/kubelet/pods/0c1d}", Severity.ERROR),
        ("{path: /run/nvidia}", Severity.WARNING),
        ("{path: /run/nvidia/mps}", Severity.WARNING),
        ("{path: /run/nvidia/mps/shm}", None),
        ("{path: /var/lib/kubelet/plugins/ebs.csi.aws.com/}", None),
        ("{path: /run/containerd/containerd.sock}", None),
        ("{path: /run/k3s/containerd/containerd.sock, type: Socket}", None),
        ("{path: /run/containerd/agent, type: Socket}", None),
        ("{path: /run/containerd/agent, type: FileOrCreate}", None),
        ("{path: /var/lib/docker/containers}", Severity.INFO),
    ],
)
def test_levels_follow_the_mount_trees(volume: str, level: Severity | None) -> None:
    assert _level(_lint(_pod(volume))) == level


@pytest.mark.parametrize(
    ("runtime", "level"),
    [("containerd", Severity.INFO), ("any", Severity.INFO), ("docker", Severity.INFO)],
)
def test_docker_log_folder_is_at_most_info(runtime: str, level: Severity) -> None:
    findings = _lint(_pod("{path: /var/lib/docker/containers}"), runtime=runtime)
    assert _level(findings) == level
    assert "docker" in findings[0].message
    assert "rslave" in findings[0].message


def test_docker_netns_counts_only_where_docker_may_run() -> None:
    assert _level(_lint(_pod("{path: /run/docker}"), runtime="any")) == Severity.WARNING
    assert _level(_lint(_pod("{path: /run/docker}"))) == Severity.INFO


def test_host_root_is_still_an_error_under_any() -> None:
    assert _level(_lint(_pod("{path: /}"), runtime="any")) == Severity.ERROR


def test_bidirectional_sibling_is_evidence_but_only_info() -> None:
    text = _pod("{path: /var/run/agent}", sibling="mountPropagation: Bidirectional")
    findings = _lint(text)
    assert _level(findings) == Severity.INFO
    assert "container s mounts it Bidirectional" in findings[0].message
    assert "container s mounts '/var/run/agent' Bidirectional" in findings[0].explanation
    assert findings[0].fix is not None


def test_a_sibling_without_bidirectional_is_no_evidence() -> None:
    text = _pod("{path: /var/run/agent}", sibling="mountPropagation: HostToContainer")
    assert _lint(text) == []


def test_evidence_below_the_exposed_path_counts() -> None:
    text = _pod("{path: /var/run}", sibling="mountPropagation: Bidirectional")
    # /run pins /run/netns itself: the model decides, not the sibling
    assert _level(_lint(text)) == Severity.ERROR
    text = _pod("{path: /opt}", sibling="mountPropagation: Bidirectional", sibling_path="/opt/x")
    assert _level(_lint(text)) == Severity.INFO
    text = _pod(
        "{path: /opt/x/y}", sibling="mountPropagation: Bidirectional", sibling_path="/opt/x"
    )
    assert _lint(text) == []


def test_the_message_is_one_short_line_and_the_explanation_has_the_rest() -> None:
    findings = _lint(_pod("{path: /}", mount="readOnly: true"))
    message = findings[0].message
    assert message == (
        "host '/' at '/m' has private propagation: pins /run/netns and "
        f"{message.split(' and ')[1].split(' ')[0]} other mount trees, pods hang in "
        "Terminating; set mountPropagation: HostToContainer"
    )
    assert len(message) <= 160
    assert "device or resource busy" in findings[0].explanation
    assert "/run/nvidia/driver (the NVIDIA driver container's root filesystem and its mounts)" in (
        findings[0].explanation
    )


def test_configured_runtime_roots_add_trees() -> None:
    settings = {"runtime_roots": (*Settings().runtime_roots, "/srv/mounts")}
    assert _level(_lint(_pod("{path: /srv}"), **settings)) == Severity.WARNING
    assert _level(_lint(_pod("{path: /srv}"))) is None
