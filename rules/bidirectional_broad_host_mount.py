"""## What it does
Flags a `hostPath` mount with `mountPropagation: Bidirectional` (Linux `rshared`) when the host
path is `/`, `/var`, `/run` or `/var/lib`, or is or contains one of the runtime roots: the
directories where the container runtime and the kubelet create mounts of their own
(`/run/containerd`, `/run/netns`, `/var/lib/docker`, ...; see Options). With `subPath`, the
subdirectory is what counts.

The narrow paths where Bidirectional is how the software is meant to work are reported at
**info** level, without a fix: the kubelet directory and everything below it (CSI node plugins
publish volumes there) and the BPF filesystem `/sys/fs/bpf`. Other narrow paths (`/mnt/disks`,
`/run/my-driver`) are not reported. Paths are compared by whole components after normalisation
(`/var/run` is `/run`). Windows workloads and Windows paths are not checked.

## Why is this bad?
Bidirectional propagation works both ways for the whole tree: every mount the container makes
below its mount point appears on the host and in every other pod that mounts the same tree, and
stays there if the container exits without unmounting it. On a broad path this reaches the
runtime's own mounts. Worse, when the tree holds the directory where the runtime mounts container
root filesystems (`/run/containerd` for containerd, `/var/lib/docker` for Docker,
`/var/lib/containers/storage` for CRI-O), the container's own mount of the tree is made inside
the shared tree: each time the container starts, the mounts under it are propagated into each
other and their number doubles, until the node slows to a halt (kubernetes/kubernetes#106962, a
`/run` mount; bpfman/bpfman-operator#468).

Most agents that mount `/` or `/run` only need to *see* mounts the host makes later, which
`HostToContainer` (Linux `rslave`) gives without any of this.

## Example
```yaml
apiVersion: apps/v1
kind: DaemonSet
metadata:
  name: node-agent
spec:
  selector:
    matchLabels: {app: node-agent}
  template:
    metadata:
      labels: {app: node-agent}
    spec:
      containers:
        - name: agent
          image: busybox
          securityContext:
            privileged: true
          volumeMounts:
            - name: host-run
              mountPath: /run
              mountPropagation: Bidirectional
      volumes:
        - name: host-run
          hostPath:
            path: /run
```

## Use instead
```yaml
apiVersion: apps/v1
kind: DaemonSet
metadata:
  name: node-agent
spec:
  selector:
    matchLabels: {app: node-agent}
  template:
    metadata:
      labels: {app: node-agent}
    spec:
      containers:
        - name: agent
          image: busybox
          securityContext:
            privileged: true
          volumeMounts:
            - name: host-run
              mountPath: /run
              mountPropagation: HostToContainer
      volumes:
        - name: host-run
          hostPath:
            path: /run
```
If the container really must create mounts for the host, give it a directory of its own
(`/run/my-driver`) and mount only that one Bidirectional.

## Fix safety
The fix sets `mountPropagation: HostToContainer`. It is unsafe: the container still sees mounts
made on the host, but mounts it makes no longer reach the host or other pods, which breaks a
workload that exists to make them. It is not offered for the info-level CSI and BPF paths, and
it is display-only when the value is reached through a YAML anchor or merge key.

## Options
- `runtime` (`--runtime`): where container root filesystems live, for the message:
  `/run/containerd` (containerd, the default), `/var/lib/docker` (docker),
  `/var/lib/containers/storage` (cri-o), or all of them (any).
- `runtime-roots`: the runtime roots, in addition to the defaults.
- the kubelet directory (default `/var/lib/kubelet`) is where Bidirectional is expected.
"""

from __future__ import annotations

from collections.abc import Iterator

from mountlint.edits import Applicability
from mountlint.messages import runtime_roots_relation
from mountlint.paths import CRITICAL_RUNTIME_ROOTS, canon, held_by, is_windows_path, within
from mountlint.rule import FixAvailability, Related, Rule, RuleContext, Scope, Severity, Violation
from mountlint.workloads import Mount, render_path
from mountlint.yamlnodes import string_value

RULE = Rule(
    code="ML102",
    name="bidirectional-broad-host-mount",
    summary=(
        "Bidirectional propagation on a host path that holds runtime-managed mounts: the "
        "container's mounts leak onto the node and can multiply on every restart"
    ),
    severity=Severity.WARNING,
    scope=Scope.MOUNT,
    fix=FixAvailability.UNSAFE,
    tags=("reliability", "propagation", "security"),
)

#: Host directories that hold a node's whole runtime state, whatever roots are configured.
BROAD_HOST_PATHS: frozenset[str] = frozenset({"/", "/var", "/run", "/var/lib"})

#: Narrow trees, besides the kubelet directory, where Bidirectional is how the software works.
SHARED_BY_DESIGN: tuple[str, ...] = ("/sys/fs/bpf",)

#: Where each runtime profile mounts container root filesystems. A Bidirectional mount of a tree
#: holding one is itself made inside the shared tree, so the mounts under it multiply.
ROOTFS_TREES: dict[str, tuple[str, ...]] = {
    "containerd": ("/run/containerd", "/run/k3s/containerd"),
    "docker": ("/var/lib/docker",),
    "cri-o": ("/var/lib/containers/storage",),
}


def check(mount: Mount, context: RuleContext) -> Iterator[Violation]:
    """Report Bidirectional propagation on a broad host path, and note it on CSI/BPF paths."""
    propagation = mount.field("mountPropagation")
    host = mount.host_path
    if propagation is None or host is None:
        return
    if string_value(propagation.value) != "Bidirectional":
        return
    path = host.path
    if not path or not path.startswith("/") or is_windows_path(path):
        return
    if mount.windows_evidence is not None:
        return
    volume_name = mount.volume.name if mount.volume is not None else mount.name
    sub_path = mount.text("subPath")
    selected = f" (subPath '{sub_path}')" if sub_path else ""
    source = mount.exposed_host_path(path)
    opening = (
        f"hostPath volume '{volume_name}' mounts host '{path}'{selected} at "
        f"'{mount.mount_path}' with mountPropagation Bidirectional (Linux rshared)"
    )
    subject = f"host '{path}'{selected} at '{mount.mount_path}' is Bidirectional"
    related = (
        Related(host.node, f"hostPath volume '{volume_name}'"),
        Related(mount.container.node, f"in {mount.container.label}"),
    )
    field_path = render_path((*mount.path, "mountPropagation"))
    expected_tree = _shared_by_design(source, canon(context.settings.kubelet_root))
    if expected_tree:
        needs = "CSI node plugins" if "CSI" in expected_tree else "BPF tools"
        yield Violation(
            message=(
                f"{subject}, as {needs} need: noted; use HostToContainer if it makes no mounts "
                "there"
            ),
            detail=(
                f"{opening} on {expected_tree}, so it is only noted; every mount the "
                "container makes there reaches the host and must be unmounted before it exits, "
                "and containers that only need to see the mounts should use HostToContainer"
            ),
            node=propagation.value,
            field_path=field_path,
            severity=Severity.INFO,
            related=related,
        )
        return
    roots = sorted(
        held_by(source, context.settings.canonical_roots),
        key=lambda root: root not in CRITICAL_RUNTIME_ROOTS,
    )
    if source not in BROAD_HOST_PATHS and not roots:
        return
    rootfs_tree = _rootfs_tree(source, context.settings.runtime)
    doubling = (
        f"; container root filesystems are mounted below {rootfs_tree}, so this container's "
        "own mount of the tree lies inside the shared tree and the mounts under it double on "
        "every restart"
        if rootfs_tree
        else ""
    )
    doubles = " and double on every restart" if rootfs_tree else ""
    yield Violation(
        message=(
            f"{subject}: its mounts leak onto the node{doubles}; use HostToContainer or a "
            "narrower path"
        ),
        detail=(
            f"{opening}; {runtime_roots_relation(source, roots)}: every mount "
            f"{mount.container.label} makes below its mount point appears on the node and in "
            "every pod that mounts these "
            f"paths, and stays if the container exits without unmounting it{doubling}; use "
            "HostToContainer, or mount Bidirectional only the directory the container mounts "
            "into"
        ),
        node=propagation.value,
        field_path=field_path,
        fix=context.replace_fix(
            propagation,
            "HostToContainer",
            "Set mountPropagation: HostToContainer",
            Applicability.UNSAFE,
        ),
        related=related,
    )


def _rootfs_tree(source: str, runtime: str) -> str | None:
    """The container root filesystem tree of ``runtime`` that ``source`` holds, if any."""
    profiles = ROOTFS_TREES.values() if runtime == "any" else [ROOTFS_TREES.get(runtime, ())]
    return next(
        (tree for trees in profiles for tree in trees if within(source, tree)),
        None,
    )


def _shared_by_design(source: str, kubelet_root: str) -> str:
    """Words for the narrow tree ``source`` lies in where Bidirectional is expected, or ''."""
    if within(kubelet_root, source):
        where = (
            f"the kubelet directory '{source}'"
            if source == kubelet_root
            else f"'{source}', inside the kubelet directory {kubelet_root}"
        )
        return f"{where}: that is how CSI node plugins publish volumes"
    for tree in SHARED_BY_DESIGN:
        if within(tree, source):
            return f"'{source}', in the BPF filesystem: that is how BPF tools share pinned maps"
    return ""
