"""## What it does
Flags a volumeMount of a `hostPath` volume that is not `readOnly: true` (the field is missing,
`false` or empty), in any container kind. A `readOnly` of another type (the string `"true"`) is
left to the decoding error the API server reports for it.

Not reported, because `readOnly` would not protect anything or would break the mount's purpose:
- sockets and devices (`type: Socket`, `CharDevice` or `BlockDevice`, a known runtime socket, or a
  path ending in `.sock`): a read-only mount does not stop `connect()` on a socket or writes to a
  device node (runtime sockets are reported by `runtime-socket-mount`, ML201);
- `mountPropagation: Bidirectional` mounts: they exist so the container can create mounts on the
  host (CSI node plugins), which a read-only mount breaks;
- Windows pods and Windows paths.

Folders that the component must write are reported only at level `info`, with no fix: a CSI
driver's socket folder (`/var/lib/kubelet/plugins/<driver>`, where the driver creates `csi.sock`),
`/var/lib/kubelet/device-plugins` and `/var/lib/kubelet/plugins_registry` (device plugins and
node-driver-registrar create their sockets there), and the CNI install folders `/opt/cni/bin` and
`/etc/cni/net.d` (CNI installers copy their plugins and write their configuration there).

## Why is this bad?
A writable hostPath mount lets the container change the node: replace binaries or configuration,
plant a static pod manifest or a cron job, fill the disk, or tamper with other pods' data and logs.
Most hostPath mounts only read (log collectors, node agents, `/etc/machine-id`); mounting them
read-only removes that whole class of damage at no cost.

## Example
```yaml
apiVersion: v1
kind: Pod
metadata:
  name: log-reader
spec:
  containers:
    - name: reader
      image: busybox
      volumeMounts:
        - name: pod-logs
          mountPath: /var/log/pods
  volumes:
    - name: pod-logs
      hostPath:
        path: /var/log/pods
        type: Directory
```

## Use instead
```yaml
apiVersion: v1
kind: Pod
metadata:
  name: log-reader
spec:
  containers:
    - name: reader
      image: busybox
      volumeMounts:
        - name: pod-logs
          mountPath: /var/log/pods
          readOnly: true
  volumes:
    - name: pod-logs
      hostPath:
        path: /var/log/pods
        type: Directory
```

## Fix safety
No fix is offered for the folders that the component must write (above). The fix sets
`readOnly: true` on the volumeMount (adding the key, or replacing its value). It is
unsafe: a container that does write there (a log shipper's position file, a tool that creates
files on the node) fails once the fix is applied. A `readOnly` that comes in through a `<<` merge
key is overridden by adding the key to the volumeMount itself. The fix is display-only when the
volumeMount (or its `readOnly` value) is reached through a YAML alias, because the edit would
change every user of the anchor.
"""

from __future__ import annotations

from collections.abc import Iterator

from mountlint.edits import Applicability
from mountlint.messages import mount_subject
from mountlint.paths import canon, is_windows_path, looks_like_socket, within
from mountlint.rule import FixAvailability, Related, Rule, RuleContext, Scope, Severity, Violation
from mountlint.workloads import Mount, render_path

RULE = Rule(
    code="ML203",
    name="writable-host-path",
    summary="A hostPath volume is mounted writable: the container can change the node",
    severity=Severity.WARNING,
    scope=Scope.MOUNT,
    fix=FixAvailability.UNSAFE,
    tags=("security", "host-path"),
)

#: hostPath types for which a read-only mount protects nothing.
_UNPROTECTED_TYPES = frozenset({"Socket", "CharDevice", "BlockDevice"})

#: Host folders (below the kubelet root, or absolute) that node components must write.
_KUBELET_WRITERS = (
    ("device-plugins", "device plugins create their sockets there"),
    ("plugins_registry", "plugin registrars create their sockets there"),
)
_CNI_WRITERS = (
    ("/opt/cni/bin", "CNI installers copy their plugins there"),
    ("/etc/cni/net.d", "CNI installers write their configuration there"),
)


def check(mount: Mount, context: RuleContext) -> Iterator[Violation]:
    """Report a hostPath volumeMount that is not ``readOnly: true``."""
    host = mount.host_path
    if host is None or mount.pod.is_windows:
        return
    path = host.path
    if not path or is_windows_path(path):
        return
    how = mount.writable
    if how is None or mount.text("mountPropagation") == "Bidirectional":
        return
    sockets = context.settings.canonical_sockets
    if host.type in _UNPROTECTED_TYPES or looks_like_socket(canon(path), sockets):
        return
    volume_name = mount.volume.name if mount.volume is not None else mount.name
    related = [Related(mount.container.node, f"in {mount.container.label}")]
    if mount.volume is not None:
        related.insert(0, Related(mount.volume.node, f"hostPath volume '{volume_name}'"))
    node, field = mount.read_only_site()
    detail = (
        f"{mount.container.label} mounts hostPath volume '{volume_name}' (host '{path}') at "
        f"'{mount.mount_path}' {how}: it can change files on the node"
    )
    source = mount.exposed_host_path(path)
    shown = source if source != canon(path) else path
    writer = _must_write(source, canon(context.settings.kubelet_root))
    if writer:
        yield Violation(
            message=f"{mount_subject(mount, shown)} is writable, as it must be: {writer}",
            detail=f"{detail}, as it must: {writer}; keep it writable",
            node=node,
            field_path=render_path(field),
            severity=Severity.INFO,
            related=tuple(related),
        )
        return
    yield Violation(
        message=f"{mount_subject(mount, shown)} is writable {how}; set readOnly: true unless it "
        "must write there",
        detail=f"{detail}; set readOnly: true unless it must write there",
        node=node,
        field_path=render_path(field),
        fix=context.set_fix(
            mount.node, "readOnly", "true", "Set readOnly: true", Applicability.UNSAFE
        ),
        related=tuple(related),
    )


def _must_write(source: str, kubelet_root: str) -> str:
    """Why the node component that mounts canonical ``source`` writes there, or ''."""
    plugins = f"{kubelet_root}/plugins"
    if (
        within(plugins, source)
        and source != plugins
        and not within(f"{plugins}/kubernetes.io", source)
    ):
        return "a CSI driver creates its socket in its plugin folder"
    for folder, why in _KUBELET_WRITERS:
        if within(f"{kubelet_root}/{folder}", source):
            return why
    for folder, why in _CNI_WRITERS:
        if within(folder, source):
            return why
    return ""
