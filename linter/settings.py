"""The settings every rule reads: the runtime profile, the host path lists and rule selection."""

from __future__ import annotations

import re
from dataclasses import field
from pathlib import Path
from typing import Protocol

from mountlint.mounttrees import DEFAULT_MOUNT_TREES, MountTree, kubelet_trees, user_tree
from mountlint.paths import DEFAULT_RUNTIME_ROOTS, DEFAULT_RUNTIME_SOCKETS, canon
from mountlint.records import record
from mountlint.severity import Severity

#: Runtime profiles (``--runtime``): which runtimes make a private mount safe by themselves.
RUNTIMES = ("containerd", "cri-o", "docker", "any")

#: Host paths whose exposure is dangerous in itself (ML202).
DEFAULT_SENSITIVE_PATHS: tuple[str, ...] = (
    "/",
    "/boot",
    "/dev",
    "/etc",
    "/lib",
    "/proc",
    "/sys",
    "/usr",
    "/root",
    "/etc/kubernetes",
    "/var/lib/kubelet/pki",
    "/var/lib/kubelet/pods",
    "/var/lib/etcd",
)

DEFAULT_KUBELET_ROOT = "/var/lib/kubelet"
#: What ``select`` holds: rule codes. Names and prefixes are resolved before (``mountlint.Config``).
_RULE_CODE = re.compile(r"ML\d{3}")


@record(frozen=True)
class AllowedHostPath:
    """One ``allowed-host-paths`` entry (PodSecurityPolicy ``allowedHostPaths`` semantics)."""

    path_prefix: str
    read_only: bool = False


@record(frozen=True)
class ConfigException:
    """One ``exceptions:`` entry, resolved: rule codes and the patterns it matches on.

    What it matches is decided in ``mountlint.exceptions``; this is the data the settings carry.
    """

    config: Path  #: the configuration file that holds it
    index: int  #: its position in ``exceptions:``
    line: int | None  #: its line in the configuration file
    codes: frozenset[str]
    reason: str
    base: Path  #: ``files`` are relative to this folder (the configuration's)
    files: tuple[str, ...] | None = None
    kind: str | None = None
    namespace: str | None = None
    name: str | None = None
    labels: tuple[tuple[str, str], ...] = ()
    container: str | None = None
    host_path: str | None = None

    @property
    def key(self) -> str:
        """Names the exception in suppressed findings, so a run can tell which ones matched."""
        return f"{self.config}#{self.index}"


class Selectable(Protocol):
    """What selection reads of a rule."""

    @property
    def code(self) -> str: ...

    @property
    def enabled_by_default(self) -> bool: ...


@record(frozen=True)
class Settings:
    """Resolved settings for one run (defaults, then the config file, then the command line).

    ``select`` is the set of rule codes that run (None: every rule that is on by default);
    ``severity_overrides`` maps codes to levels.
    """

    runtime: str = "containerd"
    runtime_roots: tuple[str, ...] = DEFAULT_RUNTIME_ROOTS
    runtime_sockets: tuple[str, ...] = DEFAULT_RUNTIME_SOCKETS
    sensitive_paths: tuple[str, ...] = DEFAULT_SENSITIVE_PATHS
    allowed_host_paths: tuple[AllowedHostPath, ...] | None = None
    kubelet_root: str = DEFAULT_KUBELET_ROOT
    select: frozenset[str] | None = None
    severity_overrides: tuple[tuple[str, Severity], ...] = ()
    fail_on: Severity = Severity.WARNING
    #: accepted findings from the configuration's ``exceptions``
    exceptions: tuple[ConfigException, ...] = ()
    canonical_roots: tuple[str, ...] = field(init=False)
    canonical_sockets: tuple[str, ...] = field(init=False)
    #: the built-in mount trees, plus one for each ``runtime-roots`` entry beyond the defaults
    mount_trees: tuple[MountTree, ...] = field(init=False)

    def __post_init__(self) -> None:
        if self.runtime not in RUNTIMES:
            raise ValueError(
                f"unknown runtime {self.runtime!r}; expected one of {', '.join(RUNTIMES)}"
            )
        misnamed = sorted(code for code in self.select or () if not _RULE_CODE.fullmatch(code))
        if misnamed:  # a name here would select nothing, silently
            raise ValueError(
                f"select takes rule codes such as ML101, not {misnamed[0]!r}; "
                "mountlint.Config accepts names and prefixes"
            )
        roots = tuple(dict.fromkeys(canon(root) for root in self.runtime_roots))
        object.__setattr__(self, "canonical_roots", roots)
        defaults = {canon(root) for root in DEFAULT_RUNTIME_ROOTS}
        extra = tuple(user_tree(root) for root in roots if root not in defaults)
        known = {tree.root for tree in DEFAULT_MOUNT_TREES}
        kubelet = canon(self.kubelet_root)
        if kubelet.startswith("/") and f"{kubelet}/pods" not in known:
            extra = (*kubelet_trees(kubelet, "configuration (kubelet-root); "), *extra)
        object.__setattr__(self, "mount_trees", DEFAULT_MOUNT_TREES + extra)
        sockets = tuple(dict.fromkeys(canon(socket) for socket in self.runtime_sockets))
        object.__setattr__(self, "canonical_sockets", sockets)

    def is_selected(self, rule: Selectable) -> bool:
        """Whether ``rule`` runs: listed in ``select``, or on by default when none is selected."""
        if self.select is None:
            return rule.enabled_by_default
        return rule.code in self.select
