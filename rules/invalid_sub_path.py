"""## What it does
Flags a volumeMount `subPath` or `subPathExpr` that the API server rejects:

- an absolute path (`/logs`): it must be relative to the volume's root;
- a `..` path element (`../etc`, `a/../../b`); dots inside a name (`a..b`, `..data`) are fine;
- `subPath` and `subPathExpr` both set (non-empty) on one mount;
- either one on an ephemeral container (`kubectl debug`), where they are forbidden.

## Why is this bad?
The API server rejects the pod, or the workload whose pod template has it (a StatefulSet is
accepted, but each pod it creates is rejected), with one of

    spec.containers[0].volumeMounts[0].subPath: Invalid value: "/logs": must be a relative path
    spec.containers[0].volumeMounts[0].subPath: Invalid value: "../etc": must not contain '..'
    spec.containers[0].volumeMounts[0].subPathExpr:
      Invalid value: "$(POD_NAME)": subPathExpr and subPath are mutually exclusive
    spec.ephemeralContainers[0].volumeMounts[0].subPath:
      Forbidden: cannot be set for an Ephemeral Container

A `subPath` selects a directory *inside* the volume; `..` would let a pod escape its volume, and
ephemeral containers may not create the bind mounts a `subPath` needs, because those are only
cleaned up when the pod exits.

## Example
```yaml
apiVersion: v1
kind: Pod
metadata:
  name: logger
spec:
  containers:
    - name: logger
      image: busybox
      volumeMounts:
        - name: logs
          mountPath: /var/log/app
          subPath: /app
  volumes:
    - name: logs
      hostPath:
        path: /var/log
```

## Use instead
```yaml
apiVersion: v1
kind: Pod
metadata:
  name: logger
spec:
  containers:
    - name: logger
      image: busybox
      volumeMounts:
        - name: logs
          mountPath: /var/log/app
          subPath: app
  volumes:
    - name: logs
      hostPath:
        path: /var/log
```
"""

from __future__ import annotations

from collections.abc import Iterator

from mountlint.apierrors import api_path, forbidden, invalid
from mountlint.paths import has_backsteps
from mountlint.rule import FixAvailability, Related, Rule, RuleContext, Scope, Severity, Violation
from mountlint.workloads import Mount, render_path
from mountlint.yamlnodes import Entry, string_value

RULE = Rule(
    code="ML309",
    name="invalid-sub-path",
    summary=(
        "subPath or subPathExpr is absolute, contains '..', is set twice, or is on an ephemeral "
        "container: the API server rejects it"
    ),
    severity=Severity.ERROR,
    scope=Scope.MOUNT,
    fix=FixAvailability.NONE,
    tags=("api-validation", "sub-path"),
)

_FIELDS = ("subPath", "subPathExpr")


def check(mount: Mount, context: RuleContext) -> Iterator[Violation]:
    """Report every error the API server gives for the mount's subPath and subPathExpr."""
    related = (Related(mount.container.node, f"in {mount.container.label}"),)
    values: dict[str, tuple[Entry, str]] = {}
    for name in _FIELDS:
        found = mount.field(name)
        text = string_value(found.value) if found is not None else None
        if found is not None and text:  # unset, null, "" and other types are not checked here
            values[name] = (found, text)

    for name, (found, text) in values.items():
        field = (*mount.path, name)
        path = api_path(mount.pod.obj, field)
        problems = []
        if name == "subPathExpr" and "subPath" in values:
            detail = "subPathExpr and subPath are mutually exclusive"
            problems.append(f"{invalid(path, text, detail)}; keep one of them")
        if text.startswith("/"):
            problems.append(
                f"{invalid(path, text, 'must be a relative path')}; "
                "write it relative to the volume's root"
            )
        if has_backsteps(text):
            detail = "must not contain '..'"
            problems.append(f"{invalid(path, text, detail)}; a subPath cannot leave its volume")
        if mount.container.kind == "ephemeralContainers":
            problems.append(
                f"{forbidden(path, 'cannot be set for an Ephemeral Container')}; mount the "
                "whole volume instead"
            )
        for message in problems:
            yield Violation(
                message=message,
                node=found.value,
                field_path=render_path(field),
                related=related,
            )
