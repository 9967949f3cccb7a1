"""## What it does
Flags a `hostPath` that the API server rejects, in a pod's volumes or in a PersistentVolume's
`spec.hostPath`:

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
counts as missing. A PersistentVolume gets the same errors (`spec.hostPath.path: Required
value`) and is not created. As with the API server, `type` is not checked when `path` is empty.
Backslash paths are not split at `\\` (the API server splits at `/` only).

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

from collections.abc import Iterator

from mountlint.apierrors import (
    api_path,
    cannot_unmarshal,
    enum_hint,
    invalid,
    required,
    unsupported,
)
from mountlint.edits import Applicability, Fix
from mountlint.messages import short_unmarshal, short_unsupported
from mountlint.paths import has_backsteps
from mountlint.rule import FixAvailability, Related, Rule, RuleContext, Scope, Severity, Violation
from mountlint.workloads import HostPathUse, render_path
from mountlint.yamlnodes import Entry, entry, field_node, is_null, string_value

RULE = Rule(
    code="ML310",
    name="invalid-host-path",
    summary=(
        "A hostPath volume with an empty path, a '..' element or an unsupported type: "
        "the API server rejects it"
    ),
    severity=Severity.ERROR,
    scope=Scope.HOST_PATH,
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


def check(use: HostPathUse, context: RuleContext) -> Iterator[Violation]:
    """Report a hostPath source (of a pod volume or a PersistentVolume) that fails validation."""
    source = use.source
    volume = use.volume
    owner = render_path(volume.path[-2:]) if volume is not None and not volume.name else use.owner
    related = (Related(use.holder, f"hostPath {owner}"),)

    path_entry = entry(source.node, "path")
    path = string_value(path_entry.value) if path_entry is not None else None
    if path_entry is None or is_null(path_entry.value) or path == "":
        host_path_key = entry(use.holder, "hostPath")
        parent = host_path_key.key if host_path_key is not None else source.node
        yield Violation(
            message=f"{required(_api_path(use, 'path'))}; give the host path to mount",
            node=field_node(path_entry, parent),
            field_path=render_path((*use.path, "path")),
            related=related,
        )
        return  # like the API server, check nothing else when the path is empty
    if path is not None and has_backsteps(path):
        detail = "must not contain '..'"
        yield Violation(
            message=f"{invalid(_api_path(use, 'path'), path, detail)}; write the path without '..'",
            node=path_entry.value,
            field_path=render_path((*use.path, "path")),
            related=related,
        )

    type_entry = entry(source.node, "type")
    if type_entry is not None and not is_null(type_entry.value):
        problem = _type_problem(type_entry, _api_path(use, "type"), context)
        if problem is not None:
            message, detail, fix = problem
            yield Violation(
                message=message,
                detail=detail,
                node=type_entry.value,
                field_path=render_path((*use.path, "type")),
                fix=fix,
                related=related,
            )


def _api_path(use: HostPathUse, field: str) -> str:
    return api_path(use.obj, (*use.path, field))


def _type_problem(
    type_entry: Entry, path: str, context: RuleContext
) -> tuple[str, str, Fix | None] | None:
    value = string_value(type_entry.value)
    if value in SUPPORTED_TYPES:
        return None
    if value is None:
        choices = [value for value in SUPPORTED_TYPES if value]
        go_field = "HostPathVolumeSource.type"
        detail = cannot_unmarshal(path, type_entry.value, go_field, choices)
        return short_unmarshal(path, type_entry.value, choices), detail, None
    wanted, hint = enum_hint(value, SUPPORTED_TYPES, cutoff=0.5)
    fix = None
    if wanted is not None:
        description = f"Write type: {wanted}"
        fix = context.replace_fix(type_entry, wanted, description, Applicability.SAFE)
    short = short_unsupported(path, value, SUPPORTED_TYPES, hint)
    return short, unsupported(path, value, SUPPORTED_TYPES) + hint, fix
