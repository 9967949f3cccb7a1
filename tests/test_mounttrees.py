"""The mount tree model (DESIGN §5): where the node makes mounts, and which host paths pin them."""

from __future__ import annotations

import pytest

from mountlint.mounttrees import DEFAULT_MOUNT_TREES, MountTree, pinned_trees, user_tree
from mountlint.paths import DEFAULT_RUNTIME_SOCKETS, canon, is_runtime_socket, is_single_file
from mountlint.settings import Settings

SOCKETS = tuple(canon(socket) for socket in DEFAULT_RUNTIME_SOCKETS)


def _roots(path: str, trees: tuple[MountTree, ...] = DEFAULT_MOUNT_TREES) -> list[str]:
    return [tree.root for tree in pinned_trees(path, trees)]


@pytest.mark.parametrize(
    ("path", "pinned"),
    [
        ("/", "/run/netns"),
        ("/run", "/run/netns"),
        ("/run/netns", "/run/netns"),
        ("/var/lib/kubelet", "/var/lib/kubelet/pods"),
        ("/var/lib/kubelet/pods", "/var/lib/kubelet/pods"),
        ("/var/lib/kubelet/pods/0c1d", "/var/lib/kubelet/pods"),
        ("/var/lib/kubelet/pods/0c1d/volumes", "/var/lib/kubelet/pods"),
        ("/var/lib/kubelet/pods/0c1d/volume-subpaths/v/c", "/var/lib/kubelet/pods"),
        ("/var/lib/kubelet/plugins", "/var/lib/kubelet/plugins/kubernetes.io"),
        ("/var/lib/kubelet/plugins/kubernetes.io/csi/pv", "/var/lib/kubelet/plugins/kubernetes.io"),
        ("/run/containerd", "/run/containerd"),
        ("/run/containerd/io.containerd.runtime.v2.task/k8s.io", "/run/containerd"),
        ("/run/k3s", "/run/k3s/containerd"),
        ("/run/k0s/containerd", "/run/k0s/containerd"),
        ("/var/lib/k0s", "/var/lib/k0s/kubelet/pods"),
        ("/var/snap/microk8s/common", "/var/snap/microk8s/common/var/lib/kubelet/pods"),
        ("/var/lib/rancher", "/var/lib/rancher/k3s/agent/containerd"),
        ("/run/host-containerd", "/run/host-containerd"),
        ("/run/containers/storage", "/run/containers/storage"),
        ("/var/lib/containers", "/var/lib/containers/storage"),
        ("/var/data", "/var/data"),
        ("/run/nvidia", "/run/nvidia/driver"),
        ("/run/nvidia/driver", "/run/nvidia/driver"),
        ("/run/nvidia/driver/lib", "/run/nvidia/driver"),
        ("/run/nvidia/driver/run", "/run/nvidia/driver"),
        ("/run/nvidia/driver/run/nvidia", "/run/nvidia/driver"),
        ("/run/nvidia/mps", "/run/nvidia/mps"),
        ("/var/lib/docker/containers", "/var/lib/docker"),
    ],
)
def test_a_mount_point_can_lie_strictly_below(path: str, pinned: str) -> None:
    assert pinned in _roots(path)


@pytest.mark.parametrize(
    "path",
    [
        "/run/netns/cni-1234",  # a mount point itself
        "/run/nvidia/mps/shm",
        "/var/lib/kubelet/pods/0c1d/volumes/kubernetes.io~secret/token",
        "/var/lib/kubelet/pods/0c1d/etc-hosts",
        "/var/lib/kubelet/plugins/csi.example.com",  # a CSI driver's socket folder
        "/var/lib/kubelet/plugins_registry",
        "/var/lib/kubelet/device-plugins",
        "/var/lib/kubelet/seccomp",
        "/run/containerd/containerd.sock",
        "/run/k3s/containerd/containerd.sock",
        "/run/nvidia/validations",
        "/run/nvidia/driver/lib/firmware",  # a mount of the driver container, by itself
        "/run/nvidia/driver/usr/lib64",
        "/run/containerd2",
        "/var/lib/docker2",
        "/var/log",
        "/opt/cni/bin",
    ],
)
def test_nothing_below_pins_nothing(path: str) -> None:
    assert _roots(path) == []


def test_critical_trees_come_first() -> None:
    trees = pinned_trees("/", DEFAULT_MOUNT_TREES)
    assert trees[0].root == "/run/netns"
    critical = [tree.critical for tree in trees]
    assert critical == sorted(critical, reverse=True)
    assert {"/run/netns", "/var/lib/kubelet/pods", "/run/containerd"} <= {
        tree.root for tree in trees if tree.critical
    }


def test_every_tree_names_its_source() -> None:
    for tree in DEFAULT_MOUNT_TREES:
        assert tree.source and tree.what and tree.patterns
        assert all(pattern.startswith(tree.root + "/") for pattern in tree.patterns)


def test_docker_trees_exist_only_on_docker_nodes() -> None:
    docker = next(tree for tree in DEFAULT_MOUNT_TREES if tree.root == "/var/lib/docker")
    assert docker.self_protected
    assert not docker.exists_on("containerd")
    assert docker.exists_on("docker") and docker.exists_on("any")


def test_configured_trees_are_folders_or_patterns() -> None:
    folder = user_tree("/var/lib/myruntime/")
    assert folder.root == "/var/lib/myruntime"
    assert _roots("/var/lib", (folder,)) == ["/var/lib/myruntime"]
    assert _roots("/var/lib/myruntime/state/x", (folder,)) == ["/var/lib/myruntime"]
    assert _roots("/var/lib/other", (folder,)) == []
    pattern = user_tree("/run/myruntime/*/rootfs")
    assert pattern.root == "/run/myruntime"
    assert _roots("/run/myruntime/abc", (pattern,)) == ["/run/myruntime"]
    assert _roots("/run/myruntime/abc/rootfs", (pattern,)) == []
    assert _roots("/run/myruntime/abc/logs", (pattern,)) == []


def test_settings_add_configured_trees_once() -> None:
    settings = Settings(runtime_roots=(*Settings().runtime_roots, "/srv/mounts"))
    assert settings.mount_trees[-1].root == "/srv/mounts"
    assert len(Settings().mount_trees) == len(DEFAULT_MOUNT_TREES)


@pytest.mark.parametrize(
    ("path", "host_type"),
    [
        ("/run/containerd/containerd.sock", None),
        ("/var/lib/agent/agent.sock", None),
        ("/run/containerd/agent", "Socket"),
        ("/dev/fuse", "CharDevice"),
        ("/run/xtables.lock", None),
        ("/etc/machine-id", None),
        ("/run/nvidia/driver/lib", "FileOrCreate"),
    ],
)
def test_files_never_pin(path: str, host_type: str | None) -> None:
    assert is_single_file(path, host_type, SOCKETS)


@pytest.mark.parametrize("path", ["/run/containerd", "/run/nvidia/driver", "/var/lib/kubelet"])
def test_folders_are_not_files(path: str) -> None:
    assert not is_single_file(path, "Directory", SOCKETS)
    assert not is_single_file(path, None, SOCKETS)


@pytest.mark.parametrize(
    "path",
    [
        "/run/host-containerd/containerd.sock",
        "/opt/docker/docker.sock",
        "/run/user/1000/podman/podman.sock",
        "/run/cri-dockerd.sock",
        "/run/crio/crio.sock",
    ],
)
def test_runtime_sockets_by_name(path: str) -> None:
    assert is_runtime_socket(path, SOCKETS)


def test_other_sockets_are_not_runtime_sockets() -> None:
    assert not is_runtime_socket("/var/lib/kubelet/plugins/csi.example.com/csi.sock", SOCKETS)


def test_a_configured_kubelet_root_adds_its_trees() -> None:
    settings = Settings(kubelet_root="/data/kubelet")
    pods = pinned_trees("/data/kubelet/pods/0c1d", settings.mount_trees)
    assert [tree.root for tree in pods] == ["/data/kubelet/pods"]
    assert pods[0].critical
    assert len(Settings(kubelet_root="/var/lib/k0s/kubelet").mount_trees) == len(
        DEFAULT_MOUNT_TREES
    )
