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
The fix sets `readOnly: true` on the volumeMount (adding the key, or replacing its value). It is
unsafe: a container that does write there (a log shipper's position file, a tool that creates
files on the node) fails once the fix is applied. A `readOnly` that comes in through a `<<` merge
key is overridden by adding the key to the volumeMount itself. The fix is display-only when the
volumeMount (or its `readOnly` value) is reached through a YAML alias, because the edit would
change every user of the anchor.
"""

from __future__ import annotations

from collections.abc import Iterator

from mountlint.edits import Applicability
from mountlint.paths import canon, is_windows_path, looks_like_socket
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
    yield Violation(
        message=(
            f"{mount.container.label} mounts hostPath volume '{volume_name}' (host '{path}') at "
            f"'{mount.mount_path}' {how}: it can change files on the node; set readOnly: true "
            "unless it must write there"
        ),
        node=node,
        field_path=render_path(field),
        fix=context.set_fix(
            mount.node, "readOnly", "true", "Set readOnly: true", Applicability.UNSAFE
        ),
        related=tuple(related),
    )
