"""## What it does
Flags a `hostPath` volume that is mounted with the default `mountPropagation` (`None`, which the
runtime turns into Linux `rprivate`) when the node can create mounts *below* the host path it
exposes (the path plus `subPath`). mountlint knows where the node makes mounts at run time, as
the patterns of their mount points (the mount trees, see Options): network namespaces
(`/run/netns/*`), pod volumes and subPath binds (`/var/lib/kubelet/pods/*/volumes/*/*`), CSI
staging (`/var/lib/kubelet/plugins/kubernetes.io/...`), container root filesystems and shm under
each runtime's state folders (containerd, k3s/rke2, k0s, microk8s, Bottlerocket, CRI-O, docker),
and the NVIDIA GPU operator's driver root (`/run/nvidia/driver`) and MPS shm
(`/run/nvidia/mps/shm`). Host `/` mounted at `/rootfs` is the classic case; `/run`, `/var/lib`
and `/var/lib/kubelet/pods/<uid>` pin too.

A path that is itself one mount point (`/run/nvidia/mps/shm`) holds only its own filesystem,
which the node can still unmount and remove: it pins nothing. Nor does a file: a hostPath of
type `Socket`, `File`, `FileOrCreate`, `CharDevice` or `BlockDevice`, a `*.sock` name, a known
runtime socket or a known single file (`/etc/machine-id`, `/run/xtables.lock`, ...). The CSI
driver's own folder (`/var/lib/kubelet/plugins/<driver>`) holds only its socket: the kubelet
stages volumes under `plugins/kubernetes.io`, not there.

When another container of the same pod mounts the path (or a folder below it) `Bidirectional`,
mounts may be made there even though the path is in no tree; a container with default
propagation that starts later pins them. That is only a hint (CNI installers copy binaries with
`Bidirectional`, GPU validators write marker files with it), so it is reported at `info`, naming
the evidence.

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

Levels: **error** when the mount pins network namespaces, pod volumes or containerd's container
root filesystems (`/run/netns`, `<kubelet root>/pods`, `/run/containerd` and the k3s, k0s and
microk8s equivalents): pod deletion breaks. **warning** for the other trees (CSI staging,
CRI-O storage, the GPU driver root, ...), for init containers (they hold the copies only while
they run) and for `subPath` mounts. **info** when the configured runtime mounts the path `rslave`
by itself (`runtime: docker` for paths that overlap `/var/lib/docker` by dockerd's string test,
`runtime: cri-o` for ancestors of `/var/lib/containers/storage`), for docker's trees on other
runtimes (`/var/lib/docker/containers`, which every log shipper mounts: nothing is mounted there
on a containerd node, and dockerd mounts such binds `rslave` itself; the same under
`runtime: any`), and for the `Bidirectional` sibling hint. Windows pods (`spec.os.name: windows`,
or a `kubernetes.io/os: windows` node selector) and Windows paths are not checked.

The message says what is pinned and the fix in one line; the JSON report's `explanation` lists
every pinned tree and what it holds.

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
Or mount a narrower host path below which the node makes no mounts (`/var/log`,
`/etc/machine-id`).

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
- `runtime-roots`: mount trees to protect, in addition to the built-in ones: a folder (any
  mount below it counts) or the pattern of the mount points, with `*` for one path component
  (`/run/myruntime/*/rootfs`).
- `kubelet-root`: the kubelet's `--root-dir` when it is not `/var/lib/kubelet`; its `pods` and
  `plugins/kubernetes.io` trees are protected like the default ones.
"""

from __future__ import annotations

from collections.abc import Iterator

from mountlint.edits import Applicability, Fix
from mountlint.messages import shortlist
from mountlint.mounttrees import MountTree, pinned_trees
from mountlint.paths import (
    CRIO_STORAGE_ROOT,
    DOCKER_DATA_ROOT,
    canon,
    is_single_file,
    is_windows_path,
    string_prefix_overlaps,
    within,
)
from mountlint.rule import FixAvailability, Related, Rule, RuleContext, Scope, Severity, Violation
from mountlint.workloads import Container, Mount, render_path
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

_FIX = "set mountPropagation: HostToContainer"


def check(mount: Mount, context: RuleContext) -> Iterator[Violation]:
    """Report a private-propagation mount of a host path below which the node makes mounts."""
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
    settings = context.settings
    if is_single_file(canon(path), host.type, settings.canonical_sockets):
        return
    uses_sub_path = bool(mount.text("subPath") or mount.text("subPathExpr"))
    source = mount.exposed_host_path(path)
    trees = pinned_trees(source, settings.mount_trees)
    evidence = "" if trees else _bidirectional_sibling(mount, source, context)
    if not trees and not evidence:
        return

    shown = source if source != canon(path) else path
    at = "the same path" if mount.mount_path == shown else f"'{mount.mount_path}'"
    where = f"host '{shown}' at {at} has private propagation"
    fix = _fix(mount, context, uses_sub_path)
    advice = _FIX if fix is not None else "mount a narrower host path"
    default = "" if explicit else "the default, "
    volume_name = mount.volume.name if mount.volume is not None else mount.name
    detail = (
        f"{mount.container.label} mounts hostPath volume '{volume_name}' (host '{shown}') at "
        f"'{mount.mount_path}' with "
        f"mountPropagation None ({default}Linux rprivate), so it keeps private copies of the "
        "mounts below it: "
    )
    if not trees:
        short_evidence = evidence.replace(
            f" mounts '{shown}' Bidirectional", " mounts it Bidirectional"
        )
        message = f"{where}: {short_evidence}: mounts there would be pinned; {advice}"
        detail += (
            f"{evidence}. The host path is not a known mount tree, and manifests often set "
            "Bidirectional where nothing is mounted, so this is only a hint; if mounts are made "
            f"there, the node cannot remove them while this pod runs; {advice}"
        )
        severity = Severity.INFO
    else:
        severity, message, why = _verdict(mount, trees, settings.runtime, source, uses_sub_path)
        message = f"{where}: {message}; {advice}"
        detail += f"{why}; {advice}"
    related = [Related(mount.container.node, f"in {mount.container.label}")]
    if mount.volume is not None:
        related.insert(0, Related(mount.volume.node, f"hostPath volume '{mount.volume.name}'"))
    yield Violation(
        message=message,
        detail=detail,
        node=explicit or (propagation.key if propagation is not None else mount.node),
        field_path=render_path(mount.path),
        severity=severity,
        fix=fix,
        related=tuple(related),
    )


def _verdict(
    mount: Mount, trees: list[MountTree], runtime: str, source: str, uses_sub_path: bool
) -> tuple[Severity, str, str]:
    """The level, the short words and the long words for a mount that pins ``trees``."""
    listing = "; ".join(f"{tree.root} ({tree.what})" for tree in trees)
    mitigation = _mitigation(runtime, source)
    if mitigation:
        short = f"mitigated with runtime '{runtime}': {mitigation}"
        return Severity.INFO, short, f"it pins {listing}, but {short}"
    live = [tree for tree in trees if tree.exists_on(runtime) and not tree.self_protected]
    if not live:
        reason = _absent(trees, runtime)
        return Severity.INFO, reason, f"it would pin {listing}, but {reason}"
    pins = _pins(live)
    critical = any(tree.critical for tree in live)
    consequence = "pods hang in Terminating" if critical else "the node cannot unmount them"
    why = (
        f"it pins {'; '.join(f'{tree.root} ({tree.what})' for tree in live)}. When the node "
        "removes one of those mounts, unmounting fails with 'device or resource busy'"
        + (" and the pod it belongs to hangs in Terminating" if critical else "")
    )
    if mount.container.kind == "initContainers":
        return Severity.WARNING, f"{pins}, {consequence} while it runs", why + " (while it runs)"
    if uses_sub_path:
        why += " (the kubelet binds a subPath non-recursively, which narrows but may not end it)"
        return Severity.WARNING, f"{pins}, {consequence}", why
    return (Severity.ERROR if critical else Severity.WARNING), f"{pins}, {consequence}", why


def _pins(trees: list[MountTree]) -> str:
    """``pins /run/netns and 16 other mount trees``."""
    others = len(trees) - 1
    if others == 0:
        return f"pins {trees[0].root}"
    return f"pins {trees[0].root} and {others} other mount tree{'s' if others > 1 else ''}"


def _absent(trees: list[MountTree], runtime: str) -> str:
    """Why trees that only one runtime has, and that it protects itself, pin nothing here."""
    runtimes = sorted({tree.only_on for tree in trees if tree.only_on})
    owners = shortlist(runtimes, 2, last=" and ") or "another runtime"
    if any(tree.self_protected for tree in trees):
        return f"only {owners} mounts there, and it binds them rslave itself"
    return f"only {owners} nodes mount there, not {runtime} nodes"


def _bidirectional_sibling(mount: Mount, source: str, context: RuleContext) -> str:
    """Words for another container of the pod that mounts ``source`` (or below) Bidirectional."""
    for container, host_path in _bidirectional_mounts(mount, context).get(source, ()):
        if container is not mount.container:
            return f"{container.label} mounts '{host_path}' Bidirectional"
    return ""


#: exposed host path, and each of its ancestors -> (container, host path as written)
_SharedIndex = dict[str, list[tuple[Container, str]]]


def _bidirectional_mounts(mount: Mount, context: RuleContext) -> _SharedIndex:
    """The pod's Bidirectional hostPath mounts, by every folder that holds them (memoised)."""
    key = (RULE.code, id(mount.pod.node))
    memoised = context.memo.get(key)
    if memoised is not None:
        return memoised  # type: ignore[return-value]
    index: _SharedIndex = {}
    for other in mount.pod.mounts():
        host = other.host_path
        if other.text("mountPropagation") != "Bidirectional" or host is None:
            continue
        if not host.path or not host.path.startswith("/") or is_windows_path(host.path):
            continue
        exposed = other.exposed_host_path(host.path)
        for folder in _self_and_ancestors(exposed):
            index.setdefault(folder, []).append((other.container, host.path))
    context.memo[key] = index
    return index


def _self_and_ancestors(path: str) -> Iterator[str]:
    """``/a/b``, ``/a``, ``/`` for the canonical absolute ``path`` ``/a/b``."""
    while path not in ("/", ""):
        yield path
        path = path.rsplit("/", 1)[0] or "/"
    yield "/"


def _mitigation(runtime: str, source: str) -> str:
    if runtime == "docker" and string_prefix_overlaps(source, DOCKER_DATA_ROOT):
        return "dockerd binds paths overlapping its data root rslave"  # validateBindDaemonRoot
    if runtime == "cri-o" and within(source, CRIO_STORAGE_ROOT):
        return "CRI-O binds ancestors of its storage root rslave"
    return ""


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
