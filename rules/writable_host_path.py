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

from mountlint.edits import Applicability, Edit, Fix
from mountlint.paths import canon, is_windows_path
from mountlint.rule import FixAvailability, Related, Rule, RuleContext, Scope, Severity, Violation
from mountlint.workloads import Mount, render_path
from mountlint.yamlnodes import Node, ScalarNode, bool_value, is_null, scalar_text

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
    read_only = mount.field("readOnly")
    if (
        read_only is not None
        and not is_null(read_only.value)
        and bool_value(read_only.value) is not False
    ):
        return  # true, or a value the API server's decoder rejects before validation
    if mount.text("mountPropagation") == "Bidirectional":
        return
    if host.type in _UNPROTECTED_TYPES or _is_socket(canon(path), context):
        return
    volume_name = mount.volume.name if mount.volume is not None else mount.name
    # A value merged in with ``<<`` lives in the anchor: point at this volumeMount instead.
    own = read_only.value if read_only is not None and not read_only.inherited else None
    how = _how(read_only.value if read_only is not None else None)
    message = (
        f"{mount.container.label} mounts hostPath volume '{volume_name}' (host '{path}') at "
        f"'{mount.mount_path}' {how}: it can change files on the node; set readOnly: true "
        "unless it must write there"
    )
    related = [Related(mount.container.node, f"in {mount.container.label}")]
    if mount.volume is not None:
        related.insert(0, Related(mount.volume.node, f"hostPath volume '{volume_name}'"))
    yield Violation(
        message=message,
        node=own if own is not None else mount.node,
        field_path=render_path((*mount.path, "readOnly") if own is not None else mount.path),
        fix=_fix(mount, context),
        related=tuple(related),
    )


def _how(value: Node | None) -> str:
    """How the mount is not read-only, in words."""
    if value is None:
        return "without readOnly"
    if is_null(value):
        return "with an empty readOnly"
    return f"with readOnly: {scalar_text(value)}"


def _is_socket(path: str, context: RuleContext) -> bool:
    return path in context.settings.canonical_sockets or path.endswith(".sock")


def _fix(mount: Mount, context: RuleContext) -> Fix | None:
    description = "Set readOnly: true"
    read_only = mount.field("readOnly")
    if read_only is not None and not (read_only.inherited and not context.shared(mount.node)):
        value = read_only.value
        edit = _replace_value(value, context.edits.text)
        if edit is None:
            return None
        fix = Fix(description, Applicability.UNSAFE, (edit,))
        if read_only.inherited or context.shared(value):
            return fix.as_display_only("the value comes from a YAML anchor; edit it there")
        return fix
    # A value merged in with ``<<`` is overridden by an own key, without touching the anchor.
    insertion = context.edits.insert_entry(mount.node, "readOnly", "true")
    if insertion is None:
        return Fix(
            f"{description} (add it to the volumeMount by hand)", Applicability.DISPLAY_ONLY, ()
        )
    fix = Fix(description, Applicability.UNSAFE, (insertion,))
    if context.shared(mount.node):
        return fix.as_display_only("the volumeMount comes from a YAML anchor; edit it there")
    return fix


def _replace_value(value: Node, text: str) -> Edit | None:
    """Replace a ``false`` or empty ``readOnly`` by ``true``.

    None for scalars with an anchor or tag in front of them, whose span would take those along.
    """
    if not isinstance(value, ScalarNode) or value.style:
        return None
    start, end = value.start_mark.index, value.end_mark.index
    if start == end:  # ``readOnly:`` with nothing after it
        return Edit(start, end, " true" if text[start - 1 : start] == ":" else "true")
    if text[start:end] != str(value.value):
        return None
    return Edit(start, end, "true")
