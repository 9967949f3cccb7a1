"""## What it does
Flags a `hostPath` volume of a pod that the API server rejects:

- `path` missing or empty;
- a `..` element in `path` (`/var/log/../lib`); dots inside a name (`/srv/a..b`) are fine;
- a `type` that is not one of `""`, `DirectoryOrCreate`, `Directory`, `FileOrCreate`, `File`,
  `Socket`, `CharDevice`, `BlockDevice` (case-sensitive), or is not a string at all.

## Why is this bad?
The API server rejects the pod, or the workload whose pod template has it (a StatefulSet is
accepted, but each pod it creates is rejected), with one of

    spec.volumes[0].hostPath.path: Required value
    spec.volumes[0].hostPath.path: Invalid value: "/var/log/../lib": must not contain '..'
    spec.volumes[0].hostPath.type:
      Unsupported value: "Dir": supported values: "", "BlockDevice", "CharDevice",
      "Directory", "DirectoryOrCreate", "File", "FileOrCreate", "Socket"

and then also reports every volumeMount of that volume as `Not found`, because an invalid volume
counts as missing. As with the API server, `type` is not checked when `path` is empty. Backslash
paths are not split at `\\` (the API server splits at `/` only).

## Example
```yaml
apiVersion: apps/v1
kind: DaemonSet
metadata:
  name: log-shipper
spec:
  selector:
    matchLabels: {app: log-shipper}
  template:
    metadata:
      labels: {app: log-shipper}
    spec:
      containers:
        - name: shipper
          image: fluent/fluent-bit
          volumeMounts:
            - name: logs
              mountPath: /var/log
              readOnly: true
      volumes:
        - name: logs
          hostPath:
            path: /var/log
            type: directory
```

## Use instead
```yaml
apiVersion: apps/v1
kind: DaemonSet
metadata:
  name: log-shipper
spec:
  selector:
    matchLabels: {app: log-shipper}
  template:
    metadata:
      labels: {app: log-shipper}
    spec:
      containers:
        - name: shipper
          image: fluent/fluent-bit
          volumeMounts:
            - name: logs
              mountPath: /var/log
              readOnly: true
      volumes:
        - name: logs
          hostPath:
            path: /var/log
            type: Directory
```

## Fix safety
When `type` differs from a supported value only in case (`directory`, `SOCKET`), the fix writes
the supported spelling, keeping any quotes. It is safe: it is the only value the manifest can
have meant, and the kubelet then checks the path's type as written. It is display-only when the
value comes from a YAML anchor or merge key. Other mistakes (`Dir`, `CharDev`) are reported with
the closest supported value but not fixed.
"""

from __future__ import annotations

import difflib
import json
from collections.abc import Iterator

from mountlint.edits import Applicability, Fix
from mountlint.rule import FixAvailability, Related, Rule, RuleContext, Scope, Severity, Violation
from mountlint.workloads import HostPathSource, PodSpec, Volume, render_path
from mountlint.yamlnodes import (
    Entry,
    Node,
    ScalarNode,
    entry,
    is_null,
    node_kind,
    string_value,
)

RULE = Rule(
    code="ML310",
    name="invalid-host-path",
    summary=(
        "A hostPath volume with an empty path, a '..' element or an unsupported type: "
        "the API server rejects it"
    ),
    severity=Severity.ERROR,
    scope=Scope.POD,
    fix=FixAvailability.SOMETIMES,
    tags=("api-validation", "host-path"),
)

#: Sorted as the API server lists them.
SUPPORTED_TYPES = (
    "",
    "BlockDevice",
    "CharDevice",
    "Directory",
    "DirectoryOrCreate",
    "File",
    "FileOrCreate",
    "Socket",
)
_SUPPORTED_TEXT = ", ".join(json.dumps(value) for value in SUPPORTED_TYPES)
_BY_FOLDED = {value.casefold(): value for value in SUPPORTED_TYPES if value}
_FIXABLE_STYLES = (None, "", '"', "'")

#: How Go's JSON decoder names the YAML types it cannot put into a string field.
_GO_TYPES = {
    "int": "number",
    "float": "number",
    "bool": "bool",
    "mapping": "object",
    "list": "array",
}


def check(pod: PodSpec, context: RuleContext) -> Iterator[Violation]:
    """Report every hostPath volume of the pod that fails the API server's validation."""
    for volume in pod.volumes:
        if volume.host_path is not None:
            yield from _check_volume(volume, volume.host_path, pod, context)


def _check_volume(
    volume: Volume, source: HostPathSource, pod: PodSpec, context: RuleContext
) -> Iterator[Violation]:
    base = render_path((*volume.path, "hostPath"))
    api_base = render_path((*volume.path[len(pod.obj.path) :], "hostPath"))
    label = f"volume '{volume.name}'" if volume.name else render_path(volume.path[-2:])
    related = (Related(volume.node, f"hostPath {label}"),)

    path_entry = entry(source.node, "path")
    path = string_value(path_entry.value) if path_entry is not None else None
    if path_entry is None or is_null(path_entry.value) or path == "":
        yield Violation(
            message=f"{api_base}.path: Required value; give the host path to mount",
            node=_field_node(path_entry, _host_path_key(volume) or source.node),
            field_path=f"{base}.path",
            related=related,
        )
        return  # like the API server, check nothing else when the path is empty
    if path is not None and ".." in path.split("/"):
        yield Violation(
            message=(
                f"{api_base}.path: Invalid value: {_quoted(path)}: must not contain '..'; "
                "write the path without '..'"
            ),
            node=path_entry.value,
            field_path=f"{base}.path",
            related=related,
        )

    type_entry = entry(source.node, "type")
    if type_entry is not None and not is_null(type_entry.value):
        problem = _type_problem(type_entry, f"{api_base}.type", context)
        if problem is not None:
            message, fix = problem
            yield Violation(
                message=message,
                node=type_entry.value,
                field_path=f"{base}.type",
                fix=fix,
                related=related,
            )


def _type_problem(
    type_entry: Entry, api_path: str, context: RuleContext
) -> tuple[str, Fix | None] | None:
    value = string_value(type_entry.value)
    if value in SUPPORTED_TYPES:
        return None
    if value is None:
        go_type = _GO_TYPES.get(node_kind(type_entry.value), "value")
        return (
            f"{api_path}: cannot unmarshal {go_type} into Go struct field "
            "HostPathVolumeSource.type of type string; the API server cannot decode this "
            f"manifest: write one of {', '.join(value for value in SUPPORTED_TYPES if value)}",
            None,
        )
    message = (
        f"{api_path}: Unsupported value: {_quoted(value)}: supported values: {_SUPPORTED_TEXT}"
    )
    wanted = _BY_FOLDED.get(value.casefold())
    if wanted is not None:
        return f"{message}; the values are case-sensitive: write {wanted}", _fix(
            type_entry, wanted, context
        )
    close = difflib.get_close_matches(value.casefold(), list(_BY_FOLDED), n=1, cutoff=0.5)
    if close:
        message += f"; did you mean {_BY_FOLDED[close[0]]}?"
    return message, None


def _fix(type_entry: Entry, wanted: str, context: RuleContext) -> Fix | None:
    value = type_entry.value
    if not isinstance(value, ScalarNode) or value.style not in _FIXABLE_STYLES:
        return None
    fix = Fix(
        f"Write type: {wanted}", Applicability.SAFE, (context.edits.replace_scalar(value, wanted),)
    )
    if type_entry.inherited or context.shared(value):
        return fix.as_display_only("the value comes from a YAML anchor; edit it there")
    return fix


def _field_node(found: Entry | None, parent: Node) -> Node:
    """The most specific node for a field: its value, its key when the value is empty, else the
    mapping that lacks it."""
    if found is None:
        return parent
    return found.key if is_null(found.value) else found.value


def _host_path_key(volume: Volume) -> Node | None:
    """The ``hostPath`` key of a volume: where a missing path is reported."""
    found = entry(volume.node, "hostPath")
    return found.key if found is not None else None


def _quoted(text: str) -> str:
    """A string as the API server prints it in errors (Go's %q, close enough for messages)."""
    return json.dumps(text, ensure_ascii=False)
