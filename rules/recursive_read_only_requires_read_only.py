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

from mountlint.edits import Applicability, Fix
from mountlint.rule import FixAvailability, Related, Rule, RuleContext, Scope, Severity, Violation
from mountlint.workloads import Mount, render_path
from mountlint.yamlnodes import Entry, ScalarNode, bool_value, is_null, string_value

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

_RECURSIVE_MODES = ("Enabled", "IfPossible")
_FIXABLE_STYLES = (None, "", '"', "'")


def check(mount: Mount, context: RuleContext) -> Iterator[Violation]:
    """Report recursive read-only modes on a mount the API would not treat as read-only."""
    recursive = mount.field("recursiveReadOnly")
    if recursive is None or string_value(recursive.value) not in _RECURSIVE_MODES:
        return
    read_only = mount.field("readOnly")
    if read_only is not None and not is_null(read_only.value):
        if bool_value(read_only.value) is not False:
            return  # true, or a value the API server's decoder rejects before validation
        state = "readOnly is false"
    else:
        state = "readOnly is not set"
    api_path = render_path(mount.path[len(mount.pod.obj.path) :])
    related = [Related(mount.container.node, f"in {mount.container.label}")]
    if read_only is not None:
        related.insert(0, Related(read_only.key, state))
    yield Violation(
        message=(
            f"{api_path}.recursiveReadOnly: Forbidden: may only be specified when readOnly is "
            f"true; {state}: set readOnly: true or remove recursiveReadOnly"
        ),
        node=recursive.value,
        field_path=render_path(mount.path) + ".recursiveReadOnly",
        fix=_fix(mount, read_only, context),
        related=tuple(related),
    )


def _fix(mount: Mount, read_only: Entry | None, context: RuleContext) -> Fix:
    description = "Set readOnly: true"
    if read_only is not None and not read_only.inherited:
        value = read_only.value
        if not isinstance(value, ScalarNode) or value.style not in _FIXABLE_STYLES:
            return Fix(f"{description} (edit the value by hand)", Applicability.DISPLAY_ONLY, ())
        fix = Fix(description, Applicability.UNSAFE, (context.edits.replace_scalar(value, "true"),))
        if context.shared(value):
            return fix.as_display_only("the value comes from a YAML anchor; edit it there")
        return fix
    # Absent, or merged in from an anchor: an own key overrides the merged one.
    insertion = context.edits.insert_entry(mount.node, "readOnly", "true")
    if insertion is None:
        return Fix(
            f"{description} (add it to the volumeMount by hand)", Applicability.DISPLAY_ONLY, ()
        )
    fix = Fix(description, Applicability.UNSAFE, (insertion,))
    if context.shared(mount.node):
        return fix.as_display_only("the volumeMount comes from a YAML anchor; edit it there")
    return fix
