"""## What it does
Flags a volumeMount with `recursiveReadOnly: Enabled` or `recursiveReadOnly: IfPossible` that is
not `readOnly: true` (the key is missing, `false` or empty).

## Why is this bad?
The API server rejects the pod, or the workload whose pod template has it (a StatefulSet is
accepted, but each pod it creates is rejected):

    spec.containers[0].volumeMounts[0].recursiveReadOnly:
      Forbidden: may only be specified when readOnly is true

`recursiveReadOnly` only says how far a read-only mount reaches (into the submounts under it, or
only the top mount); it does not make a writable mount read-only, so the API server refuses to
guess which of the two fields is the mistake.

A `readOnly` value of another type (the string `"true"`) is left to the decoding error the API
server gives for it.

## Example
```yaml
apiVersion: v1
kind: Pod
metadata:
  name: backup
spec:
  containers:
    - name: backup
      image: busybox
      volumeMounts:
        - name: data
          mountPath: /data
          recursiveReadOnly: Enabled
  volumes:
    - name: data
      hostPath:
        path: /var/lib/app
```

## Use instead
```yaml
apiVersion: v1
kind: Pod
metadata:
  name: backup
spec:
  containers:
    - name: backup
      image: busybox
      volumeMounts:
        - name: data
          mountPath: /data
          readOnly: true
          recursiveReadOnly: Enabled
  volumes:
    - name: data
      hostPath:
        path: /var/lib/app
```

## Fix safety
The fix sets `readOnly: true` (replacing `false` or an empty value, or adding the key). It is
unsafe: the container can no longer write through the mount, which is what `recursiveReadOnly`
asks for but may not be what the program expects. When `readOnly` comes in through a YAML merge
key, the fix adds `readOnly: true` to the volumeMount itself, which overrides the merged value;
when the volumeMount itself is reached through an alias, the fix is display-only.
"""

from __future__ import annotations

from collections.abc import Iterator

from mountlint.apierrors import api_path, forbidden
from mountlint.edits import Applicability
from mountlint.rule import FixAvailability, Related, Rule, RuleContext, Scope, Severity, Violation
from mountlint.workloads import Mount, render_path
from mountlint.yamlnodes import bool_value, is_null

RULE = Rule(
    code="ML304",
    name="recursive-read-only-requires-read-only",
    summary=(
        "recursiveReadOnly Enabled or IfPossible on a volumeMount that is not readOnly: "
        "the API server rejects the pod"
    ),
    severity=Severity.ERROR,
    scope=Scope.MOUNT,
    fix=FixAvailability.UNSAFE,
    tags=("api-validation", "read-only"),
)


def check(mount: Mount, context: RuleContext) -> Iterator[Violation]:
    """Report recursive read-only modes on a mount the API would not treat as read-only."""
    recursive = mount.field("recursiveReadOnly")
    if recursive is None or not mount.recursive_read_only:
        return
    read_only = mount.field("readOnly")
    if read_only is not None and not is_null(read_only.value):
        if bool_value(read_only.value) is not False:
            return  # true, or a value the API server's decoder rejects before validation
        state = "readOnly is false"
    else:
        state = "readOnly is not set"
    field = (*mount.path, "recursiveReadOnly")
    related = [Related(mount.container.node, f"in {mount.container.label}")]
    if read_only is not None:
        related.insert(0, Related(read_only.key, state))
    detail = "may only be specified when readOnly is true"
    path = api_path(mount.pod.obj, field)
    yield Violation(
        message=f"{forbidden(path, 'needs readOnly: true')}; {state}: set it, or drop this field",
        detail=(
            f"{forbidden(path, detail)}; {state}: set readOnly: true or remove recursiveReadOnly"
        ),
        node=recursive.value,
        field_path=render_path(field),
        fix=context.set_fix(
            mount.node, "readOnly", "true", "Set readOnly: true", Applicability.UNSAFE
        ),
        related=tuple(related),
    )
