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

import difflib
import json
from collections.abc import Iterator

from mountlint.edits import Applicability, Fix
from mountlint.rule import FixAvailability, Related, Rule, RuleContext, Scope, Severity, Violation
from mountlint.workloads import Mount, render_path
from mountlint.yamlnodes import Entry, ScalarNode, is_null, node_kind, string_value

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
_SUPPORTED_TEXT = ", ".join(json.dumps(value) for value in SUPPORTED)
_BY_FOLDED = {value.casefold(): value for value in SUPPORTED}
_FIXABLE_STYLES = (None, "", '"', "'")

#: How Go's JSON decoder names the YAML types it cannot put into a string field.
_GO_TYPES = {
    "int": "number",
    "float": "number",
    "bool": "bool",
    "mapping": "object",
    "list": "array",
}


def check(mount: Mount, context: RuleContext) -> Iterator[Violation]:
    """Report a recursiveReadOnly value outside the API's enumeration."""
    recursive = mount.field("recursiveReadOnly")
    if recursive is None or is_null(recursive.value):
        return
    value = string_value(recursive.value)
    if value in SUPPORTED:
        return
    api_path = render_path(mount.path[len(mount.pod.obj.path) :])
    fix = None
    if value is None:
        go_type = _GO_TYPES.get(node_kind(recursive.value), "value")
        message = (
            f"{api_path}.recursiveReadOnly: cannot unmarshal {go_type} into Go struct field "
            "VolumeMount.recursiveReadOnly of type string; the API server cannot decode this "
            f"manifest: write one of {', '.join(SUPPORTED)}"
        )
    else:
        message = (
            f"{api_path}.recursiveReadOnly: Unsupported value: {_quoted(value)}: "
            f"supported values: {_SUPPORTED_TEXT}"
        )
        wanted = _BY_FOLDED.get(value.casefold())
        if wanted is not None:
            message += f"; the values are case-sensitive: write {wanted}"
            fix = _fix(recursive, wanted, context)
        else:
            close = difflib.get_close_matches(value.casefold(), list(_BY_FOLDED), n=1)
            if close:
                message += f"; did you mean {_BY_FOLDED[close[0]]}?"
    yield Violation(
        message=message,
        node=recursive.value,
        field_path=render_path(mount.path) + ".recursiveReadOnly",
        fix=fix,
        related=(Related(mount.container.node, f"in {mount.container.label}"),),
    )


def _quoted(text: str) -> str:
    """A string as the API server prints it in errors (Go's %q, close enough for messages)."""
    return json.dumps(text, ensure_ascii=False)


def _fix(recursive: Entry, wanted: str, context: RuleContext) -> Fix | None:
    value = recursive.value
    if not isinstance(value, ScalarNode) or value.style not in _FIXABLE_STYLES:
        return None
    fix = Fix(
        f"Write recursiveReadOnly: {wanted}",
        Applicability.SAFE,
        (context.edits.replace_scalar(value, wanted),),
    )
    if recursive.inherited or context.shared(value):
        return fix.as_display_only("the value comes from a YAML anchor; edit it there")
    return fix
