"""The host path model: how mountlint compares hostPath sources with runtime-managed mount trees.

Paths are compared as whole components, never as string prefixes: ``/var/lib/docker2`` is not
inside ``/var/lib/docker``. ``..`` is never resolved (the API server rejects it anyway).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import lru_cache

#: Mount trees that container runtimes and the kubelet populate with mounts of their own.
DEFAULT_RUNTIME_ROOTS: tuple[str, ...] = (
    "/run/netns",
    "/run/ipcns",
    "/run/utsns",
    "/run/userns",
    "/run/pidns",
    "/run/containerd",
    "/var/lib/containerd",
    "/run/k3s/containerd",
    "/var/lib/rancher/k3s/agent/containerd",
    "/var/lib/rancher/rke2/agent/containerd",
    "/var/lib/docker",
    "/run/docker",
    "/var/lib/containers/storage",
    "/run/containers/storage",
    "/var/lib/kubelet/pods",
    "/var/lib/kubelet/plugins",
    "/var/lib/kubelet",
)

#: Roots whose pinned copies break pod teardown outright (network namespaces, pod volumes,
#: container root filesystems): a mount that pins them is an error, not a warning.
CRITICAL_RUNTIME_ROOTS: frozenset[str] = frozenset(
    {"/run/netns", "/var/lib/kubelet/pods", "/run/containerd"}
)

#: Unix sockets through which a container runtime can be driven.
DEFAULT_RUNTIME_SOCKETS: tuple[str, ...] = (
    "/run/docker.sock",
    "/run/docker/containerd/containerd.sock",
    "/run/containerd/containerd.sock",
    "/run/crio/crio.sock",
    "/run/cri-dockerd.sock",
    "/run/dockershim.sock",
    "/run/k3s/containerd/containerd.sock",
    "/run/k3s/cri-dockerd/cri-dockerd.sock",
    "/run/podman/podman.sock",
    "/run/host-containerd/containerd.sock",
    "/run/k0s/containerd.sock",
)

#: Socket names that are a container runtime's wherever they live (``/run/host-containerd/...``).
RUNTIME_SOCKET_NAMES: tuple[str, ...] = (
    "containerd.sock",
    "crio.sock",
    "docker.sock",
    "cri-dockerd.sock",
    "podman.sock",
)

#: hostPath types that name a single file, socket or device: nothing can be mounted below one.
FILE_TYPES = frozenset({"File", "FileOrCreate", "Socket", "CharDevice", "BlockDevice"})

#: Single files that node agents commonly mount.
KNOWN_FILES = frozenset(
    {
        "/etc/machine-id",
        "/var/lib/dbus/machine-id",
        "/etc/localtime",
        "/etc/timezone",
        "/etc/hostname",
        "/etc/hosts",
        "/etc/resolv.conf",
        "/etc/passwd",
        "/etc/group",
        "/etc/shadow",
        "/etc/os-release",
        "/etc/kubernetes/admin.conf",
        "/etc/kubernetes/kubelet.conf",
        "/run/xtables.lock",
    }
)

#: Where dockerd keeps its data by default (``--data-root``).
DOCKER_DATA_ROOT = "/var/lib/docker"
#: The CRI-O storage root whose ancestors CRI-O (>= 1.28) mounts rslave by itself.
CRIO_STORAGE_ROOT = "/var/lib/containers/storage"

_WINDOWS_PATH = re.compile(r"^(?:[A-Za-z]:(?:[\\/]|$)|\\\\|//\./)")
_REPEATED_SLASHES = re.compile(r"/{2,}")


def is_windows_path(path: str) -> bool:
    r"""Whether ``path`` is a Windows path (``C:\...``, ``\\.\pipe\...``): no Linux rule applies."""
    return bool(_WINDOWS_PATH.match(path)) or ("\\" in path and not path.startswith("/"))


@lru_cache(maxsize=16384)
def canon(path: str) -> str:
    """Canonical spelling of an absolute Linux path, for comparisons (cached: rules compare the
    same few paths again and again).

    Collapses ``//`` and ``/./``, drops a trailing ``/``, and maps a leading ``/var/run`` to
    ``/run`` (the FHS/systemd symlink). ``..`` is kept as it is.
    """
    if not path:
        return path
    absolute = path.startswith("/")
    parts = [part for part in _REPEATED_SLASHES.sub("/", path).split("/") if part not in ("", ".")]
    if absolute and parts[:2] == ["var", "run"]:
        parts = ["run", *parts[2:]]
    joined = "/".join(parts)
    if absolute:
        return "/" + joined
    return joined or "."


def within(outer: str, inner: str) -> bool:
    """Whether canonical path ``inner`` is ``outer`` or lies below it, by whole components."""
    if outer == "/":
        return inner.startswith("/")
    return inner == outer or inner.startswith(outer + "/")


def overlaps(source: str, root: str) -> bool:
    """dockerd's "inside or contains" test by whole components: either path holds the other."""
    return within(source, root) or within(root, source)


def held_by(source: str, paths: Iterable[str]) -> list[str]:
    """The canonical ``paths`` that are ``source`` (canonical) or lie below it, in order.

    Mounting ``source`` exposes all of them; ``/`` holds every absolute path.
    """
    return [path for path in paths if within(source, path)]


def looks_like_socket(path: str, sockets: Iterable[str]) -> bool:
    """Whether canonical ``path`` is a known runtime socket or its last component ends in .sock."""
    return path in sockets or path.rsplit("/", 1)[-1].endswith(".sock")


def is_runtime_socket(path: str, sockets: Iterable[str]) -> bool:
    """Whether canonical ``path`` is a known runtime socket, or is named like one anywhere."""
    return path in sockets or path.rsplit("/", 1)[-1].endswith(RUNTIME_SOCKET_NAMES)


def is_single_file(path: str, host_type: str | None, sockets: Iterable[str]) -> bool:
    """Whether a hostPath of canonical ``path`` and ``host_type`` is a file, socket or device.

    Nothing can be mounted below one, so it never pins mounts.
    """
    return host_type in FILE_TYPES or path in KNOWN_FILES or looks_like_socket(path, sockets)


def string_prefix_overlaps(source: str, root: str) -> bool:
    """dockerd's own test in ``validateBindDaemonRoot``: a plain string prefix either way."""
    return source.startswith(root) or root.startswith(source)


def has_backsteps(path: str) -> bool:
    """Whether ``path`` has a ``..`` element, which the API server rejects; ``a..b`` is fine.

    Like the API server, split at ``/`` only.
    """
    return ".." in path.split("/")


def clean(path: str) -> str:
    """The shortest equivalent of a slash-separated path, resolving '.' and '..' lexically.

    This is Go's ``path.Clean``, which the API server applies before some comparisons:
    ``..`` above the root stays at the root.
    """
    if not path:
        return "."
    rooted = path.startswith("/")
    parts: list[str] = []
    for part in path.split("/"):
        if part in ("", "."):
            continue
        if part == "..":
            if parts and parts[-1] != "..":
                parts.pop()
            elif not rooted:
                parts.append("..")
            continue
        parts.append(part)
    joined = "/".join(parts)
    if rooted:
        return "/" + joined
    return joined or "."


def join_sub_path(path: str, sub_path: str) -> str:
    """The host path a ``subPath`` mount really binds: ``path`` joined with ``sub_path``."""
    if not sub_path:
        return canon(path)
    return canon(path.rstrip("/") + "/" + sub_path)


def normalized_spelling(path: str) -> str:
    """``path`` without ``//``, ``/./`` and a trailing ``/``; ``/var/run`` is kept as written."""
    if not path.startswith("/"):
        return path
    parts = [part for part in path.split("/") if part not in ("", ".")]
    return "/" + "/".join(parts)
