"""## What it does
Flags `mountPropagation: Bidirectional` in a container whose `securityContext.privileged` is not
`true`: missing, `false`, or not a boolean. Every container kind is checked (`containers`,
`initContainers` and `ephemeralContainers`), and each container on its own: a privileged
sibling, a privileged pod-level setting (there is none) or `allowPrivilegeEscalation` do not
count. The finding quotes the API server's answer with the indexed field path:

    spec.containers[0].volumeMounts[0].mountPropagation: Forbidden: Bidirectional mount
    propagation is available only to privileged containers

Pods that declare `spec.os.name: windows` are left to `bidirectional-on-windows` (ML303), because
a Windows container cannot be made privileged at all.

`privileged` is read as `kubectl` reads YAML: besides `true`, the unquoted YAML 1.1 spellings
`yes`, `on` and `y` are true (in lower case, capitalised or in capitals, as `Yes` or `ON`). A
quoted `"true"` is a string, not a boolean.

## Why is this bad?
The API server rejects the whole object. Bidirectional (Linux `rshared`) lets the container's
own mounts propagate back to the host and into every other pod that mounts the same path, so
Kubernetes only allows it for containers that already have full control of the node.

## Example
```yaml
apiVersion: apps/v1
kind: DaemonSet
metadata:
  name: csi-node
spec:
  selector:
    matchLabels: {app: csi-node}
  template:
    metadata:
      labels: {app: csi-node}
    spec:
      containers:
        - name: driver
          image: example.com/csi-driver
          volumeMounts:
            - name: kubelet-dir
              mountPath: /var/lib/kubelet
              mountPropagation: Bidirectional
      volumes:
        - name: kubelet-dir
          hostPath:
            path: /var/lib/kubelet
            type: Directory
```

## Use instead
```yaml
apiVersion: apps/v1
kind: DaemonSet
metadata:
  name: csi-node
spec:
  selector:
    matchLabels: {app: csi-node}
  template:
    metadata:
      labels: {app: csi-node}
    spec:
      containers:
        - name: driver
          image: example.com/csi-driver
          securityContext:
            privileged: true
          volumeMounts:
            - name: kubelet-dir
              mountPath: /var/lib/kubelet
              mountPropagation: Bidirectional
      volumes:
        - name: kubelet-dir
          hostPath:
            path: /var/lib/kubelet
            type: Directory
```
Or, when the container only needs to see mounts the host makes, use `HostToContainer`, which
needs no privileges.

## Fix safety
The fix sets `mountPropagation: HostToContainer`. It is unsafe: the container still sees mounts
made on the host, but mounts it makes itself no longer reach the host or other pods, which is
what a CSI node plugin or a FUSE sidecar needs Bidirectional for. Making the container privileged
instead is a security decision mountlint does not take for you. There is no fix when
`privileged` is set to something that is not a boolean (`"true"`, `1`): the author meant to make
the container privileged. The fix is display-only when the value is reached through a YAML anchor
or merge key.
"""

from __future__ import annotations

from collections.abc import Iterator

from mountlint.apierrors import BIDIRECTIONAL_NEEDS_PRIVILEGED, api_path, forbidden
from mountlint.edits import Applicability
from mountlint.rule import FixAvailability, Related, Rule, RuleContext, Scope, Severity, Violation
from mountlint.workloads import Mount, render_path
from mountlint.yamlnodes import (
    Entry,
    Node,
    ScalarNode,
    bool_value,
    entry,
    get,
    is_null,
    is_plain,
    scalar_text,
    string_value,
)

RULE = Rule(
    code="ML302",
    name="bidirectional-requires-privileged",
    summary=(
        "Bidirectional mount propagation in a container that is not privileged: "
        "the API server rejects the manifest"
    ),
    severity=Severity.ERROR,
    scope=Scope.MOUNT,
    fix=FixAvailability.UNSAFE,
    tags=("correctness", "propagation", "security"),
)


def check(mount: Mount, context: RuleContext) -> Iterator[Violation]:
    """Report Bidirectional propagation in a container that is not privileged."""
    propagation = mount.field("mountPropagation")
    if propagation is None or string_value(propagation.value) != "Bidirectional":
        return
    container = mount.container
    if container.pod.declares_windows or container.privileged:
        return
    field = (*mount.path, "mountPropagation")
    privileged = entry(get(container.node, "securityContext"), "privileged")
    related = [Related(container.node, f"{container.label} is not privileged")]
    if privileged is not None:
        related.insert(0, Related(privileged.value, "securityContext.privileged is not true"))
    if privileged is not None and not _decodes_as_boolean(privileged.value):
        advice = "the API server cannot decode that either; write privileged as a boolean"
        short = "write securityContext.privileged as a boolean"
        fix = None  # the author meant to set privileged; HostToContainer would be a guess
    else:
        advice = (
            "make it privileged, or use HostToContainer if it does not need its own mounts "
            "to reach the host"
        )
        short = "make it privileged or use HostToContainer"
        fix = context.replace_fix(
            propagation,
            "HostToContainer",
            "Set mountPropagation: HostToContainer",
            Applicability.UNSAFE,
        )
    path = api_path(container.pod.obj, field)
    yield Violation(
        message=(f"{forbidden(path, 'Bidirectional needs a privileged container')}; {short}"),
        detail=(
            f"{forbidden(path, BIDIRECTIONAL_NEEDS_PRIVILEGED)}; "
            f"{container.label} {_privileged_state(privileged)}: {advice}"
        ),
        node=propagation.value,
        field_path=render_path(field),
        fix=fix,
        related=tuple(related),
    )


def _decodes_as_boolean(node: Node) -> bool:
    """Whether ``kubectl`` reads ``node`` as a boolean or null: what the API server can decode."""
    return is_null(node) or bool_value(node) is not None


def _privileged_state(privileged: Entry | None) -> str:
    """How the container's ``privileged`` reads, in words for the message."""
    if privileged is None or is_null(privileged.value):
        return "does not set securityContext.privileged"
    value = privileged.value
    text = scalar_text(value)
    if isinstance(value, ScalarNode) and not is_plain(value):
        return f"sets securityContext.privileged to the string {text!r}, not the boolean true"
    return f"sets securityContext.privileged: {text if text is not None else '(not a boolean)'}"
