"""The host path model (DESIGN §5): canonical spelling, whole-component containment.

The mount trees are tested in test_mounttrees.py.
"""

from __future__ import annotations

import pytest

from mountlint.paths import (
    canon,
    is_windows_path,
    join_sub_path,
    normalized_spelling,
    overlaps,
    string_prefix_overlaps,
    within,
)


@pytest.mark.parametrize(
    ("spelling", "canonical"),
    [
        ("/var/run/netns", "/run/netns"),
        ("/run/netns/", "/run/netns"),
        ("//run/netns", "/run/netns"),
        ("/run/./netns", "/run/netns"),
        ("/var/run", "/run"),
        ("/var/run/", "/run"),
        ("/", "/"),
        ("//", "/"),
        ("/var/runner", "/var/runner"),
        ("/var/lib/../run", "/var/lib/../run"),
        ("/srv/var/run", "/srv/var/run"),
    ],
)
def test_canon(spelling: str, canonical: str) -> None:
    assert canon(spelling) == canonical


def test_within_uses_whole_components() -> None:
    assert within("/var/lib/docker", "/var/lib/docker/containers")
    assert within("/var/lib/docker", "/var/lib/docker")
    assert not within("/var/lib/docker", "/var/lib/docker2")
    assert not within("/run/containerd", "/run/containerd2/x")
    assert within("/", "/anything/at/all")
    assert within("/var/lib", "/var/lib/kubelet/pods")


def test_overlaps_is_inside_or_contains() -> None:
    assert overlaps("/var/lib", "/var/lib/kubelet/pods")
    assert overlaps("/var/lib/kubelet/pods/uid/volumes", "/var/lib/kubelet/pods")
    assert not overlaps("/var/lib/docker2", "/var/lib/docker")
    assert not overlaps("/var/log", "/var/lib/kubelet/pods")


def test_dockerd_string_prefix_bug_is_not_ours() -> None:
    assert string_prefix_overlaps("/var/lib/docker2", "/var/lib/docker")
    assert not overlaps("/var/lib/docker2", "/var/lib/docker")


@pytest.mark.parametrize(
    "path", ["C:\\", "C:\\var\\log", "c:/data", "\\\\.\\pipe\\docker_engine", "//./pipe/x", "D:"]
)
def test_windows_paths(path: str) -> None:
    assert is_windows_path(path)


@pytest.mark.parametrize("path", ["/", "/var/run", "/C:/x", "relative/path"])
def test_linux_paths(path: str) -> None:
    assert not is_windows_path(path)


def test_join_sub_path() -> None:
    assert join_sub_path("/", "run") == "/run"
    assert join_sub_path("/var/", "run/netns/") == "/run/netns"
    assert join_sub_path("/data", "") == "/data"


def test_normalized_spelling_keeps_var_run() -> None:
    assert normalized_spelling("/var/run//docker.sock/") == "/var/run/docker.sock"
    assert normalized_spelling("/./etc") == "/etc"
    assert normalized_spelling("relative") == "relative"
