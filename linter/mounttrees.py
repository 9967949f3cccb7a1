"""Where the node creates mounts at run time: the mount trees that a private hostPath bind pins.

Each tree is written as the patterns of its mount points (``*`` is one path component, a final
``**`` is one or more). A hostPath pins a tree when one of those mount points can lie *strictly*
below the path it exposes: a recursive private bind copies every mount below its source, and the
copy keeps the node from removing the original. A mount point itself holds only its own
filesystem, which the node can still unmount and remove, so binding exactly ``/run/nvidia/mps/shm``
pins nothing. Each tree names where its layout comes from (runtime or kubelet code, or docs).
"""

from __future__ import annotations

from collections.abc import Iterable
from fnmatch import fnmatchcase
from functools import lru_cache

from mountlint.paths import canon
from mountlint.records import record


@record(frozen=True)
class MountTree:
    """A folder where the node makes mounts, and the patterns of those mount points.

    ``critical``: losing one of these mounts' teardown breaks pod deletion outright (netns bind
    mounts, pod volumes, containerd container root filesystems). ``only_on``: the runtime whose
    nodes alone have the tree (None: every node). ``self_protected``: that runtime mounts binds
    that overlap the tree ``rslave`` by itself (dockerd's data root).
    """

    root: str
    patterns: tuple[str, ...]
    what: str
    source: str
    critical: bool = False
    only_on: str | None = None
    self_protected: bool = False

    def mounted_below(self, path: str) -> bool:
        """Whether a mount point of this tree can lie strictly below canonical ``path``."""
        return any(_can_lie_below(pattern, path) for pattern in self.patterns)

    def exists_on(self, runtime: str) -> bool:
        """Whether nodes of the runtime profile ``runtime`` can have this tree."""
        return self.only_on is None or runtime in (self.only_on, "any")


def _parts(path: str) -> list[str]:
    return [part for part in path.split("/") if part]


def _component_matches(pattern: str, name: str) -> bool:
    return fnmatchcase(name, pattern) if "*" in pattern else pattern == name


def _can_lie_below(pattern: str, path: str) -> bool:
    """Whether some mount point that ``pattern`` describes lies strictly below ``path``."""
    wanted = _parts(pattern)
    given = _parts(path)
    open_ended = bool(wanted) and wanted[-1] == "**"
    if open_ended:
        wanted = wanted[:-1]
        # the ``**`` stands for one or more components: below the prefix, at any depth
        return all(
            _component_matches(want, name) for want, name in zip(wanted, given, strict=False)
        )
    if len(given) >= len(wanted):
        return False
    return all(_component_matches(want, name) for want, name in zip(wanted, given, strict=False))


_KUBELET = "kubelet: pkg/kubelet/kubelet_getters.go (pods/<uid>/volumes/<plugin>/<name>), "
_SUBPATHS = "pkg/volume/util/subpath (pods/<uid>/volume-subpaths/<volume>/<container>/<index>)"
_CSI_STAGING = (
    "kubelet: pkg/volume/csi/csi_attacher.go (plugins/kubernetes.io/csi/<driver>/<hash>/"
    "globalmount) and in-tree plugins' plugins/kubernetes.io/<plugin>/mounts"
)
_CONTAINERD_STATE = (
    "containerd: core/runtime/v2 bundle (<state>/io.containerd.runtime.v2.task/<ns>/<id>/rootfs), "
    "CRI plugin sandbox shm (<state>/io.containerd.grpc.v1.cri/sandboxes/<id>/shm)"
)
_CONTAINERD_ROOT = "containerd: core/mount temporary mounts (<root>/tmpmounts/containerd-mount*)"


def _containerd_state(root: str, what: str, source: str) -> MountTree:
    return MountTree(
        root=root,
        patterns=(
            f"{root}/io.containerd.runtime.v2.task/*/*/rootfs",
            f"{root}/io.containerd.runtime.v1.linux/*/*/rootfs",
            f"{root}/io.containerd.grpc.v1.cri/sandboxes/*/shm",
        ),
        what=what,
        source=source,
        critical=True,
    )


def _containerd_root(root: str, source: str) -> MountTree:
    return MountTree(
        root=root,
        patterns=(f"{root}/tmpmounts/*",),
        what="containerd's temporary image mounts",
        source=source,
    )


def kubelet_trees(root: str, source: str) -> tuple[MountTree, MountTree]:
    """The trees of a kubelet whose ``--root-dir`` is ``root``: pod volumes and volume staging."""
    return (
        MountTree(
            root=f"{root}/pods",
            patterns=(f"{root}/pods/*/volumes/*/*", f"{root}/pods/*/volume-subpaths/*/*/*"),
            what="pod volumes and subPath binds",
            source=source + _KUBELET + _SUBPATHS,
            critical=True,
        ),
        MountTree(
            root=f"{root}/plugins/kubernetes.io",
            patterns=(f"{root}/plugins/kubernetes.io/**",),
            what="CSI and in-tree volume staging mounts",
            source=source + _CSI_STAGING,
        ),
    )


_NAMESPACES_SOURCE = (
    "containerd CRI: internal/cri netns (/var/run/netns/cni-<uuid>); CRI-O: pinns with "
    "namespaces_dir /var/run (netns, ipcns, utsns, userns)"
)

#: The built-in mount trees, the ones whose loss breaks pod deletion first.
DEFAULT_MOUNT_TREES: tuple[MountTree, ...] = (
    MountTree(
        "/run/netns",
        ("/run/netns/*",),
        "pod network namespaces",
        _NAMESPACES_SOURCE,
        critical=True,
    ),
    *kubelet_trees("/var/lib/kubelet", ""),
    _containerd_state(
        "/run/containerd",
        "container root filesystems and sandbox shm",
        _CONTAINERD_STATE + "; Bottlerocket runs the same containerd for pods",
    ),
    MountTree("/run/ipcns", ("/run/ipcns/*",), "pod IPC namespaces", _NAMESPACES_SOURCE),
    MountTree("/run/utsns", ("/run/utsns/*",), "pod UTS namespaces", _NAMESPACES_SOURCE),
    MountTree("/run/userns", ("/run/userns/*",), "pod user namespaces", _NAMESPACES_SOURCE),
    MountTree("/run/pidns", ("/run/pidns/*",), "pod PID namespaces", "CRI-O pinns (pidns)"),
    _containerd_root("/var/lib/containerd", _CONTAINERD_ROOT),
    # k3s and rke2 run containerd with --state /run/k3s/containerd
    _containerd_state(
        "/run/k3s/containerd",
        "k3s/rke2 container root filesystems",
        "k3s: pkg/agent/config (ContainerdStateDir /run/k3s/containerd); rke2 shares it; "
        + _CONTAINERD_STATE,
    ),
    _containerd_root(
        "/var/lib/rancher/k3s/agent/containerd",
        "k3s: pkg/agent/config (<data-dir>/agent/containerd); " + _CONTAINERD_ROOT,
    ),
    _containerd_root(
        "/var/lib/rancher/rke2/agent/containerd",
        "rke2: <data-dir>/agent/containerd; " + _CONTAINERD_ROOT,
    ),
    # k0s: docs/runtime.md (--root /var/lib/k0s/containerd --state /run/k0s/containerd) and
    # its kubelet --root-dir /var/lib/k0s/kubelet
    _containerd_state(
        "/run/k0s/containerd",
        "k0s container root filesystems",
        "k0s: docs/runtime.md (--state=/run/k0s/containerd); " + _CONTAINERD_STATE,
    ),
    _containerd_root(
        "/var/lib/k0s/containerd", "k0s: docs/runtime.md (--root); " + _CONTAINERD_ROOT
    ),
    *kubelet_trees("/var/lib/k0s/kubelet", "k0s: kubelet --root-dir=<data-dir>/kubelet; "),
    # microk8s: snap/microk8s-resources/default-args (containerd --state/--root, kubelet --root-dir
    # under $SNAP_COMMON = /var/snap/microk8s/common)
    _containerd_state(
        "/var/snap/microk8s/common/run/containerd",
        "microk8s container root filesystems",
        "microk8s: default-args/containerd (--state ${SNAP_COMMON}/run/containerd); "
        + _CONTAINERD_STATE,
    ),
    _containerd_root(
        "/var/snap/microk8s/common/var/lib/containerd",
        "microk8s: default-args/containerd (--root); " + _CONTAINERD_ROOT,
    ),
    *kubelet_trees(
        "/var/snap/microk8s/common/var/lib/kubelet",
        "microk8s: default-args/kubelet (--root-dir ${SNAP_COMMON}/var/lib/kubelet); ",
    ),
    # Bottlerocket runs host containers (admin, control) under a second containerd
    MountTree(
        "/run/host-containerd",
        ("/run/host-containerd/io.containerd.runtime.v2.task/*/*/rootfs",),
        "Bottlerocket host container root filesystems",
        "Bottlerocket: host-containerd (--state /run/host-containerd); " + _CONTAINERD_STATE,
    ),
    # CRI-O (and OpenShift): containers/storage runroot and graphroot
    MountTree(
        "/run/containers/storage",
        ("/run/containers/storage/*-containers/*/userdata/shm",),
        "CRI-O sandbox shm",
        "CRI-O: storage.conf runroot /run/containers/storage; server/sandbox_run shm at "
        "<runroot>/overlay-containers/<id>/userdata/shm",
    ),
    MountTree(
        "/var/lib/containers/storage",
        ("/var/lib/containers/storage/*/*/merged",),
        "CRI-O container root filesystems",
        "containers/storage: overlay driver mounts <graphroot>/overlay/<layer>/merged",
    ),
    # Red Hat OpenShift on IBM Cloud keeps CRI-O's storage under /var/data and links the default
    # folders there (sysdig-node-analyzer mounts /var/data for that reason)
    MountTree(
        "/var/data",
        (
            "/var/data/crioruntimestorage/*-containers/*/userdata/shm",
            "/var/data/criorootstorage/*/*/merged",
        ),
        "CRI-O storage on Red Hat OpenShift on IBM Cloud",
        "IBM Cloud OpenShift workers: CRI-O runroot /var/data/crioruntimestorage and graphroot "
        "/var/data/criorootstorage (linked from /var/run/containers/storage); layout as CRI-O's",
    ),
    # docker (cri-dockerd): dockerd's data root and exec root
    MountTree(
        "/var/lib/docker",
        (
            "/var/lib/docker/*/*/merged",
            "/var/lib/docker/containers/*/mounts/*",
            "/var/lib/docker/plugins/*/propagated-mount",
        ),
        "docker container root filesystems and shm",
        "moby: daemon/graphdriver/overlay2 (<root>/overlay2/<id>/merged), "
        "daemon/container_operations_unix.go (<root>/containers/<id>/mounts/shm); "
        "validateBindDaemonRoot mounts binds overlapping <root> rslave",
        only_on="docker",
        self_protected=True,
    ),
    MountTree(
        "/run/docker/netns",
        ("/run/docker/netns/*",),
        "docker network namespaces",
        "moby: libnetwork/osl (exec-root /var/run/docker/netns/<id>)",
        only_on="docker",
    ),
    # NVIDIA GPU operator: the driver container publishes its root filesystem, with its submounts,
    # at /run/nvidia/driver (rshared); the MPS control daemon mounts a tmpfs at /run/nvidia/mps/shm
    MountTree(
        "/run/nvidia/driver",
        (
            "/run/nvidia/driver/*",  # the container's own mounts: proc, dev, sys, run, ...
            "/run/nvidia/driver/dev/*",
            "/run/nvidia/driver/etc/*",  # hosts, hostname, resolv.conf
            "/run/nvidia/driver/host-etc/*",
            "/run/nvidia/driver/var/*",
            "/run/nvidia/driver/run/**",
            "/run/nvidia/driver/proc/**",
            "/run/nvidia/driver/sys/**",
            "/run/nvidia/driver/lib/firmware",
            "/run/nvidia/driver/usr/local/bin/*",
        ),
        "the NVIDIA driver container's root filesystem and its mounts",
        "NVIDIA gpu-operator: assets/state-driver/0500_daemonset.yaml (the driver container's "
        "mounts, published under the driver root /run/nvidia/driver through a Bidirectional "
        "/run/nvidia)",
    ),
    MountTree(
        "/run/nvidia/mps",
        ("/run/nvidia/mps/shm",),
        "the NVIDIA MPS daemon's shm",
        "NVIDIA k8s-device-plugin: docs/mps (tmpfs at /run/nvidia/mps/shm, Bidirectional)",
    ),
)


def user_tree(entry: str) -> MountTree:
    """A tree from config ``runtime-roots``: a folder (any mount below it) or a pattern."""
    path = canon(entry)
    if "*" in path:
        literal: list[str] = []
        for part in _parts(path):
            if "*" in part:
                break
            literal.append(part)
        root = "/" + "/".join(literal)
        return MountTree(root, (path,), "mounts listed in runtime-roots", "configuration")
    return MountTree(path, (f"{path}/**",), "mounts listed in runtime-roots", "configuration")


def pinned_trees(source: str, trees: Iterable[MountTree]) -> list[MountTree]:
    """The trees a recursive private bind of canonical ``source`` pins, critical ones first."""
    return list(_pinned_trees(source, tuple(trees)))


@lru_cache(maxsize=4096)
def _pinned_trees(source: str, trees: tuple[MountTree, ...]) -> tuple[MountTree, ...]:
    """Cached: a run asks about the same few host paths, with the same trees, again and again."""
    pinned = [tree for tree in trees if tree.mounted_below(source)]
    return tuple(sorted(pinned, key=lambda tree: not tree.critical))
