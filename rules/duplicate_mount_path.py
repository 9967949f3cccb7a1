"""## What it does
Flags a volumeMount whose `mountPath` is already used by an earlier volumeMount of the same
container (any container kind). Two mounts into one directory are an **error**: the API server
rejects them. Paths that differ only in spelling (`/data` and `/data/`, `/data//x` and
`/data/x`, `/var/run/x` and `/run/x`) are a **warning**: the API server compares the strings and
lets them through, but they name the same directory in the container.

Mounts in different containers of one pod may share a path; they are not reported. A missing or
empty `mountPath` is a different error (`Required value`) and is not reported here. Windows
paths are compared only as written.

## Why is this bad?
For an exact duplicate the API server answers

    spec.containers[0].volumeMounts[1].mountPath: Invalid value: "/data": must be unique

and the workload never gets a pod. For a duplicate in another spelling the pod starts, but the
runtime mounts one volume over the other, so the container silently sees only the one mounted
last (for `/var/run` and `/run`: in the many images where `/var/run` is a link to `/run`).

## Example
```yaml
apiVersion: v1
kind: Pod
metadata:
  name: app
spec:
  containers:
    - name: app
      image: busybox
      volumeMounts:
        - name: config
          mountPath: /etc/app
        - name: secrets
          mountPath: /etc/app
  volumes:
    - name: config
      configMap:
        name: app-config
    - name: secrets
      secret:
        secretName: app-secrets
```

## Use instead
Mount the second volume elsewhere, or merge both into one `projected` volume.
```yaml
apiVersion: v1
kind: Pod
metadata:
  name: app
spec:
  containers:
    - name: app
      image: busybox
      volumeMounts:
        - name: config
          mountPath: /etc/app
        - name: secrets
          mountPath: /etc/app/secrets
  volumes:
    - name: config
      configMap:
        name: app-config
    - name: secrets
      secret:
        secretName: app-secrets
```
"""

from __future__ import annotations

from collections.abc import Iterator

from mountlint.apierrors import api_path, invalid
from mountlint.paths import canon, is_windows_path, normalized_spelling
from mountlint.rule import FixAvailability, Related, Rule, RuleContext, Scope, Severity, Violation
from mountlint.workloads import Container, Mount, PodSpec, render_path
from mountlint.yamlnodes import Node, get

RULE = Rule(
    code="ML308",
    name="duplicate-mount-path",
    summary="Two volumeMounts of one container use the same mountPath",
    severity=Severity.ERROR,
    scope=Scope.POD,
    fix=FixAvailability.NONE,
    tags=("api-validation",),
)


def check(pod: PodSpec, context: RuleContext) -> Iterator[Violation]:
    """Report repeated mount paths, container by container."""
    for container in pod.containers:
        yield from _check_container(container)


def _check_container(container: Container) -> Iterator[Violation]:
    exact: dict[str, Mount] = {}
    spelled: dict[str, Mount] = {}
    for mount in container.mounts:
        path = mount.mount_path
        node = mount.value("mountPath")
        if not path or node is None:
            continue  # missing, empty or not a string: other errors, not a duplicate
        key = _same_directory_key(path)
        first = exact.get(path)
        if first is not None:
            yield _duplicate(mount, node, path, first)
        elif key is not None and key in spelled:
            yield _alias(mount, node, path, spelled[key])
        exact.setdefault(path, mount)
        if key is not None:
            spelled.setdefault(key, mount)


def _same_directory_key(path: str) -> str | None:
    """The spelling-independent form of a Linux container path (None for Windows paths)."""
    if is_windows_path(path):
        return None
    return canon(path)


def _duplicate(mount: Mount, node: Node, path: str, first: Mount) -> Violation:
    field = (*mount.path, "mountPath")
    invalid_value = invalid(api_path(mount.pod.obj, field), path, "must be unique")
    return Violation(
        message=(
            f"{invalid_value}; volumeMounts[{first.index}] already mounts {_volume(first)} there"
        ),
        detail=(
            f"{invalid_value}; volumeMounts[{first.index}] of {mount.container.label} already "
            f"mounts {_volume(first)} there"
        ),
        node=node,
        field_path=render_path(field),
        related=_related(mount, first),
    )


def _alias(mount: Mount, node: Node, path: str, first: Mount) -> Violation:
    field = (*mount.path, "mountPath")
    first_path = first.mount_path or ""
    link = (
        " in images where /var/run links to /run"
        if _mentions_var_run(path) != _mentions_var_run(first_path)
        else ""
    )
    return Violation(
        message=(
            f"{api_path(mount.pod.obj, field)}: '{path}' is '{first_path}' of "
            f"volumeMounts[{first.index}] again; one volume hides the other"
        ),
        detail=(
            f"{api_path(mount.pod.obj, field)}: '{path}' is the same directory as '{first_path}' "
            f"(volumeMounts[{first.index}], {_volume(first)}){link}; the API server accepts "
            "both spellings, but one volume is mounted over the other and hides it"
        ),
        node=node,
        field_path=render_path(field),
        severity=Severity.WARNING,
        related=_related(mount, first),
    )


def _mentions_var_run(path: str) -> bool:
    spelled = normalized_spelling(path)
    return spelled == "/var/run" or spelled.startswith("/var/run/")


def _volume(mount: Mount) -> str:
    return f"volume '{mount.name}'" if mount.name else "a volume"


def _related(mount: Mount, first: Mount) -> tuple[Related, ...]:
    first_node = get(first.node, "mountPath") or first.node
    return (
        Related(first_node, f"first mounted here (volumeMounts[{first.index}])"),
        Related(mount.container.node, f"in {mount.container.label}"),
    )
