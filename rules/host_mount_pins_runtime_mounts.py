"""## What it does
Flags a `hostPath` volume that is mounted with the default `mountPropagation` (`None`, which the
runtime turns into Linux `rprivate`) when the host path is, lies inside, or contains a directory
where the container runtime or the kubelet create mounts of their own: network namespaces under
`/run/netns`, pod volumes under `/var/lib/kubelet/pods`, container root filesystems under
`/run/containerd`, and the other runtime roots (see Options). Host `/` mounted at `/rootfs` is the
classic case.

Paths are compared by whole components after normalisation (`//`, `/./` and a trailing `/` are
dropped; `/var/run` is `/run`), so `/var/lib/docker2` is not inside `/var/lib/docker`.

## Why is this bad?
With `rprivate` propagation the container gets its own copy of every mount under the host path,
and later changes on the host never reach that copy. When the node tears down one of those mounts
(a pod's network namespace when the pod is deleted, a volume, a container's root filesystem), the
copy in this container's mount namespace still holds it. On containerd nodes (notably RHEL/CentOS
7 kernels without `fs.may_detach_mounts=1`) deleting the other pod then fails with

    unlinkat /var/run/netns/cni-...: device or resource busy

and that pod hangs in `Terminating` until this one is gone. dockerd guards against this itself
(`validateBindDaemonRoot` forces `rslave` on binds that overlap its data root); containerd, CRI-O
before 1.28 and the kubelet do not.

`HostToContainer` (Linux `rslave`) lets unmounts on the host reach the container, so nothing is
pinned. The container still sees the same files.

Levels: **error** when the path overlaps `/run/netns`, `/var/lib/kubelet/pods` or
`/run/containerd` (pod deletion breaks); **warning** for the other runtime roots, for init
containers (they hold the copies only while they run) and for `subPath` mounts; **info** when the
configured runtime already mounts the path `rslave` by itself (`runtime: docker` for paths that
overlap `/var/lib/docker` by dockerd's string test, `runtime: cri-o` for ancestors of
`/var/lib/containers/storage`). Windows pods (`spec.os.name: windows`, or a `kubernetes.io/os:
windows` node selector) and Windows paths are not checked.

## Example
```yaml
apiVersion: v1
kind: Pod
metadata:
  name: node-agent
spec:
  containers:
    - name: agent
      image: busybox
      volumeMounts:
        - name: host-root
          mountPath: /rootfs
          readOnly: true
  volumes:
    - name: host-root
      hostPath:
        path: /
```

## Use instead
```yaml
apiVersion: v1
kind: Pod
metadata:
  name: node-agent
spec:
  containers:
    - name: agent
      image: busybox
      volumeMounts:
        - name: host-root
          mountPath: /rootfs
          readOnly: true
          mountPropagation: HostToContainer
  volumes:
    - name: host-root
      hostPath:
        path: /
```
Or mount a narrower host path that holds no runtime mounts (`/var/log`, `/etc/machine-id`).

## Fix safety
The fix sets `mountPropagation: HostToContainer` (inserting the key, or replacing an explicit
`None`). It is safe: the container sees the same files, plus mounts the host makes later, and
host unmounts now reach it. It is not offered when `recursiveReadOnly` is `Enabled` or
`IfPossible` (the API requires propagation `None` there: mount a narrower path instead), for
`subPath` mounts (the kubelet binds those non-recursively), and it is display-only when the mount
is reached through a YAML anchor or merge key, because the edit would change every user of it.

## Options
- `runtime` (`--runtime`): `containerd` (default) and `any` never mitigate; `docker` and `cri-o`
  mitigate as described above.
- `runtime-roots`: the mount trees to protect, in addition to the defaults.
"""

from __future__ import annotations

from collections.abc import Iterator

from mountlint.edits import Applicability, Fix
from mountlint.messages import runtime_roots_relation
from mountlint.paths import (
    CRIO_STORAGE_ROOT,
    CRITICAL_RUNTIME_ROOTS,
    DOCKER_DATA_ROOT,
    is_windows_path,
    pinned_roots,
    string_prefix_overlaps,
    within,
)
from mountlint.rule import FixAvailability, Related, Rule, RuleContext, Scope, Severity, Violation
from mountlint.workloads import Mount, render_path
from mountlint.yamlnodes import is_null, scalar_text

RULE = Rule(
    code="ML101",
    name="host-mount-pins-runtime-mounts",
    summary=(
        "A hostPath mount with default (private) propagation pins runtime-managed mounts, "
        "so other pods hang in Terminating"
    ),
    severity=Severity.ERROR,
    scope=Scope.MOUNT,
    fix=FixAvailability.SAFE,
    tags=("reliability", "propagation"),
)


def check(mount: Mount, context: RuleContext) -> Iterator[Violation]:
    """Report a private-propagation mount of a host path that overlaps a runtime root."""
    host = mount.host_path
    if host is None or mount.pod.is_windows:
        return
    path = host.path
    if not path or not path.startswith("/") or is_windows_path(path):
        return
    propagation = mount.field("mountPropagation")
    explicit = (
        propagation.value if propagation is not None and not is_null(propagation.value) else None
    )
    if explicit is not None and scalar_text(explicit) != "None":
        return
    uses_sub_path = bool(mount.text("subPath") or mount.text("subPathExpr"))
    source = mount.exposed_host_path(path)
    roots = sorted(
        pinned_roots(source, context.settings.canonical_roots),
        key=lambda root: root not in CRITICAL_RUNTIME_ROOTS,
    )
    if not roots:
        return

    mitigation = _mitigation(context.settings.runtime, source)
    volume_name = mount.volume.name if mount.volume is not None else mount.name
    message = (
        f"hostPath volume '{volume_name}' mounts host '{path}' at '{mount.mount_path}' with "
        f"mountPropagation None ({'' if explicit else 'the default, '}Linux rprivate); "
        f"{runtime_roots_relation(source, roots)}: {mount.container.label} keeps private "
        "copies of them, so "
        f"when the node removes one ({_victims(roots)}) unmounting fails with "
        "'device or resource busy' and the pod it belongs to hangs in Terminating"
    )
    if mitigation:
        message += f"; {mitigation}"
    fix = _fix(mount, context, uses_sub_path)
    if fix is not None:
        message += "; set mountPropagation: HostToContainer"
    elif uses_sub_path:
        message += "; mount a narrower host path instead of using subPath"
    else:
        message += "; mount a narrower host path"
    related = [Related(mount.container.node, f"in {mount.container.label}")]
    if mount.volume is not None:
        related.insert(0, Related(mount.volume.node, f"hostPath volume '{volume_name}'"))
    yield Violation(
        message=message,
        node=explicit or (propagation.key if propagation is not None else mount.node),
        field_path=render_path(mount.path),
        severity=_severity(mount, roots, uses_sub_path, mitigation),
        fix=fix,
        related=tuple(related),
    )


_VICTIMS = (
    ("/run/netns", "a pod's network namespace"),
    ("/var/lib/kubelet/pods", "a pod's volume"),
    ("/var/lib/kubelet/plugins", "a CSI volume's staging mount"),
    ("/run/ipcns", "a pod's IPC namespace"),
    ("/run/utsns", "a pod's UTS namespace"),
)


def _victims(roots: list[str]) -> str:
    """What the node would fail to unmount, in words, for the roots a mount pins."""
    named = [words for root, words in _VICTIMS if root in roots]
    if any(root not in dict(_VICTIMS) for root in roots):
        named.append("a container's root filesystem")
    return ", ".join(named[:3]) or "a runtime mount"


def _mitigation(runtime: str, source: str) -> str:
    if runtime == "docker" and string_prefix_overlaps(source, DOCKER_DATA_ROOT):
        return (
            "mitigated with runtime 'docker': dockerd mounts binds overlapping its data root rslave"
        )
    if runtime == "cri-o" and within(source, CRIO_STORAGE_ROOT):
        return "mitigated with runtime 'cri-o': CRI-O mounts ancestors of its storage root rslave"
    return ""


def _severity(mount: Mount, roots: list[str], uses_sub_path: bool, mitigation: str) -> Severity:
    if mitigation:
        return Severity.INFO
    if uses_sub_path or mount.container.kind == "initContainers":
        return Severity.WARNING
    if CRITICAL_RUNTIME_ROOTS.intersection(roots):
        return Severity.ERROR
    return Severity.WARNING


def _fix(mount: Mount, context: RuleContext, uses_sub_path: bool) -> Fix | None:
    """Set HostToContainer, unless subPath or recursiveReadOnly make that the wrong advice."""
    if uses_sub_path or mount.recursive_read_only:
        return None
    description = "Set mountPropagation: HostToContainer"
    propagation = mount.field("mountPropagation")
    if propagation is not None:  # an explicit None, merged in or not, is changed where it is
        return context.replace_fix(propagation, "HostToContainer", description, Applicability.SAFE)
    return context.set_fix(
        mount.node, "mountPropagation", "HostToContainer", description, Applicability.SAFE
    )
