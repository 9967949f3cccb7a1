"""## What it does
Flags a volumeMount whose `recursiveReadOnly` is not one of `Disabled`, `Enabled` or
`IfPossible` (the values are case-sensitive; an empty string is not allowed either), or is not a
string at all (`recursiveReadOnly: true`).

## Why is this bad?
The API server rejects the pod, or the workload whose pod template has it (a StatefulSet is
accepted, but each pod it creates is rejected):

    spec.containers[0].volumeMounts[0].recursiveReadOnly:
      Unsupported value: "enabled": supported values: "Disabled", "Enabled", "IfPossible"

A boolean such as `true` does not even decode: the field is a string enumeration, not a switch.

## Example
```yaml
apiVersion: v1
kind: Pod
metadata:
  name: reader
spec:
  containers:
    - name: reader
      image: busybox
      volumeMounts:
        - name: data
          mountPath: /data
          readOnly: true
          recursiveReadOnly: enabled
  volumes:
    - name: data
      hostPath:
        path: /srv/data
```

## Use instead
```yaml
apiVersion: v1
kind: Pod
metadata:
  name: reader
spec:
  containers:
    - name: reader
      image: busybox
      volumeMounts:
        - name: data
          mountPath: /data
          readOnly: true
          recursiveReadOnly: Enabled
  volumes:
    - name: data
      hostPath:
        path: /srv/data
```

## Fix safety
When the value differs from a supported one only in case (`enabled`, `IFPOSSIBLE`), the fix
writes the supported spelling, keeping any quotes. It is safe: it is the only value the manifest
can have meant. It is display-only when the value comes from a YAML anchor or merge key. Other
values (`true`, `yes`, `Recursive`) get no fix.
"""

from __future__ import annotations

from collections.abc import Iterator

from mountlint.apierrors import api_path, cannot_unmarshal, enum_hint, unsupported
from mountlint.edits import Applicability
from mountlint.messages import short_unmarshal, short_unsupported
from mountlint.rule import FixAvailability, Related, Rule, RuleContext, Scope, Severity, Violation
from mountlint.workloads import Mount, render_path
from mountlint.yamlnodes import is_null, string_value

RULE = Rule(
    code="ML306",
    name="invalid-recursive-read-only",
    summary="recursiveReadOnly is not Disabled, Enabled or IfPossible: the API server rejects it",
    severity=Severity.ERROR,
    scope=Scope.MOUNT,
    fix=FixAvailability.SOMETIMES,
    tags=("api-validation", "read-only"),
)

SUPPORTED = ("Disabled", "Enabled", "IfPossible")


def check(mount: Mount, context: RuleContext) -> Iterator[Violation]:
    """Report a recursiveReadOnly value outside the API's enumeration."""
    recursive = mount.field("recursiveReadOnly")
    if recursive is None or is_null(recursive.value):
        return
    value = string_value(recursive.value)
    if value in SUPPORTED:
        return
    field = (*mount.path, "recursiveReadOnly")
    path = api_path(mount.pod.obj, field)
    fix = None
    detail = ""
    if value is None:
        message = short_unmarshal(path, recursive.value, SUPPORTED)
        detail = cannot_unmarshal(path, recursive.value, "VolumeMount.recursiveReadOnly", SUPPORTED)
    else:
        wanted, hint = enum_hint(value, SUPPORTED)
        detail = unsupported(path, value, SUPPORTED) + hint
        message = short_unsupported(path, value, SUPPORTED, hint)
        if wanted is not None:
            description = f"Write recursiveReadOnly: {wanted}"
            fix = context.replace_fix(recursive, wanted, description, Applicability.SAFE)
    yield Violation(
        message=message,
        detail=detail,
        node=recursive.value,
        field_path=render_path(field),
        fix=fix,
        related=(Related(mount.container.node, f"in {mount.container.label}"),),
    )
