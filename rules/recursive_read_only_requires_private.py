"""## What it does
Flags a volumeMount with `recursiveReadOnly: Enabled` or `recursiveReadOnly: IfPossible` whose
`mountPropagation` is set to anything other than `None` (`HostToContainer`, `Bidirectional`, or
an invalid value).

## Why is this bad?
The API server rejects the pod, or the workload whose pod template has it (a StatefulSet is
accepted, but each pod it creates is rejected):

    spec.containers[0].volumeMounts[0].recursiveReadOnly:
      Forbidden: may only be specified when mountPropagation is None or not specified

A recursively read-only mount is made read-only once, submount by submount, when the container
starts. With `HostToContainer` or `Bidirectional` propagation, mounts the host adds later would
arrive writable, so the kubelet cannot keep the promise and the API refuses the combination.

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
          recursiveReadOnly: Enabled
          mountPropagation: HostToContainer
  volumes:
    - name: host-root
      hostPath:
        path: /
```

## Use instead
Choose one of them: keep `HostToContainer` (and plain `readOnly: true`, which leaves submounts
writable), or keep `recursiveReadOnly` with the default propagation and mount a narrower host
path that holds no runtime mounts.
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
"""

from __future__ import annotations

from collections.abc import Iterator

from mountlint.apierrors import api_path, forbidden
from mountlint.rule import FixAvailability, Related, Rule, RuleContext, Scope, Severity, Violation
from mountlint.workloads import Mount, render_path
from mountlint.yamlnodes import string_value

RULE = Rule(
    code="ML305",
    name="recursive-read-only-requires-private",
    summary=(
        "recursiveReadOnly Enabled or IfPossible together with mountPropagation other than "
        "None: the API server rejects the pod"
    ),
    severity=Severity.ERROR,
    scope=Scope.MOUNT,
    fix=FixAvailability.NONE,
    tags=("api-validation", "read-only", "propagation"),
)


def check(mount: Mount, context: RuleContext) -> Iterator[Violation]:
    """Report recursive read-only modes combined with a propagation the API does not allow."""
    recursive = mount.field("recursiveReadOnly")
    if recursive is None or not mount.recursive_read_only:
        return
    propagation = mount.field("mountPropagation")
    mode = string_value(propagation.value) if propagation is not None else None
    if propagation is None or mode is None or mode == "None":
        return  # unset, null, None, or a value the API server's decoder rejects first
    field = (*mount.path, "recursiveReadOnly")
    detail = "may only be specified when mountPropagation is None or not specified"
    path = api_path(mount.pod.obj, field)
    yield Violation(
        message=f"{forbidden(path, 'needs mountPropagation None')}; {_short_hint(mode)}",
        detail=f"{forbidden(path, detail)}; {_hint(mode)}",
        node=recursive.value,
        field_path=render_path(field),
        related=(
            Related(propagation.value, f"mountPropagation '{mode}'"),
            Related(mount.container.node, f"in {mount.container.label}"),
        ),
    )


def _short_hint(mode: str) -> str:
    """What to change, in a few words."""
    if mode in ("HostToContainer", "Bidirectional"):
        return f"it is {mode}: drop recursiveReadOnly or mountPropagation"
    if not mode.strip():
        return "it is an empty string: remove it"
    if mode.strip().casefold() == "none":
        return f"it is '{mode}' (values are case-sensitive): write None"
    return f"it is '{mode}', not None"


def _hint(mode: str) -> str:
    """What to change, for the propagation value the mount has."""
    if mode in ("HostToContainer", "Bidirectional"):
        return (
            f"mountPropagation is {mode}: remove recursiveReadOnly (plain readOnly leaves "
            "submounts writable), or remove mountPropagation"
        )
    if not mode.strip():
        return "mountPropagation is an empty string, which is not None: remove it"
    if mode.strip().casefold() == "none":
        return f"mountPropagation is '{mode}', not 'None' (values are case-sensitive): write None"
    return f"mountPropagation '{mode}' is not None (and not a supported value either)"
