"""## What it does
Runs only when `allowed-host-paths` is configured, and then checks every `hostPath` volume against
that list the way PodSecurityPolicy's `allowedHostPaths` did:
- the volume's path must lie under one of the listed prefixes, by whole path components:
  `/var/log` allows `/var/log` and `/var/log/pods`, but not `/var/logs`; `/` allows everything;
- when every prefix that matches requires read-only, every volumeMount of that volume must be
  `readOnly: true` (one matching prefix without `read-only` lifts the requirement). A `readOnly`
  of another type (the string `"true"`) is left to the decoding error the API server reports.

Paths are compared after normalisation (`//`, `/./` and a trailing `/` are dropped; `/var/run` is
`/run`), so `/var/log//pods` is under `/var/log` (the spelling itself is reported by
`host-path-not-normalized`, ML206, because policies that compare strings see it differently).
A relative path lies under no prefix. An empty list allows no host path at all.

The path is checked whether or not a container mounts the volume, as admission did; `subPath` does
not change it. Windows pods and Windows paths are not checked. PersistentVolumes are not checked by
this rule.

## Why is this bad?
The allow list is the contract about what workloads may see of the node: a path outside it, or a
writable mount of a path that may only be read, is exactly what a reviewer or an admission policy
(Kyverno, Gatekeeper, the former PodSecurityPolicy) is there to stop. Finding it in the manifest
is cheaper than finding it in a rejected rollout, or not at all where no policy enforces it.

## Example
With `allowed-host-paths` allowing `/var/log` read-only:
```yaml
apiVersion: v1
kind: Pod
metadata:
  name: log-reader
spec:
  containers:
    - name: reader
      image: busybox
      volumeMounts:
        - name: host-etc
          mountPath: /host/etc
          readOnly: true
  volumes:
    - name: host-etc
      hostPath:
        path: /etc
```

## Use instead
```yaml
apiVersion: v1
kind: Pod
metadata:
  name: log-reader
spec:
  containers:
    - name: reader
      image: busybox
      volumeMounts:
        - name: pod-logs
          mountPath: /var/log/pods
          readOnly: true
  volumes:
    - name: pod-logs
      hostPath:
        path: /var/log/pods
```

## Options
- `allowed-host-paths`: a list of entries, each with an absolute `path-prefix` and an optional
  `read-only` (PodSecurityPolicy's `pathPrefix` and `readOnly`):
  ```yaml
  allowed-host-paths:
    - path-prefix: /var/log
      read-only: true
    - path-prefix: /etc/machine-id
      read-only: true
  ```
  Without it this rule reports nothing.
"""

from __future__ import annotations

from collections.abc import Iterator

from mountlint.paths import canon, is_windows_path, within
from mountlint.rule import Related, Rule, RuleContext, Scope, Severity, Violation
from mountlint.settings import AllowedHostPath
from mountlint.workloads import Mount, PodSpec, Volume, render_path
from mountlint.yamlnodes import bool_value, is_null, scalar_text

RULE = Rule(
    code="ML205",
    name="host-path-not-allowed",
    summary=(
        "A hostPath volume is outside allowed-host-paths, or writable where the list "
        "allows reading only"
    ),
    severity=Severity.ERROR,
    scope=Scope.POD,
    tags=("security", "host-path", "policy"),
)

_SHOWN_PREFIXES = 3


def check(pod: PodSpec, context: RuleContext) -> Iterator[Violation]:
    """Report hostPath volumes outside the allow list, and writable mounts of read-only ones."""
    allowed = context.settings.allowed_host_paths
    if allowed is None or pod.is_windows:
        return
    for volume in pod.volumes:
        host = volume.host_path
        path = host.path if host is not None else None
        if host is None or host.path_node is None or not path or is_windows_path(path):
            continue
        matching = _matching(path, allowed)
        if not matching:
            yield Violation(
                message=(
                    f"hostPath volume '{volume.name}' uses host path '{path}', which "
                    f"{_outside(path, allowed)}; mount an allowed path or extend the list"
                ),
                node=host.path_node,
                field_path=render_path((*volume.path, "hostPath", "path")),
                related=(Related(volume.node, f"hostPath volume '{volume.name}'"),),
            )
            continue
        if not all(item.read_only for item in matching):
            continue
        prefixes = ", ".join(f"'{item.path_prefix}'" for item in matching)
        for mount in pod.mounts():
            if mount.volume is volume:
                yield from _writable(mount, volume, path, prefixes)


def _matching(path: str, allowed: tuple[AllowedHostPath, ...]) -> list[AllowedHostPath]:
    """The entries whose prefix holds ``path`` by whole components (none for relative paths)."""
    if not path.startswith("/"):
        return []
    source = canon(path)
    return [item for item in allowed if within(canon(item.path_prefix), source)]


def _outside(path: str, allowed: tuple[AllowedHostPath, ...]) -> str:
    if not allowed:
        return "is not allowed: allowed-host-paths is empty"
    shown = ", ".join(item.path_prefix for item in allowed[:_SHOWN_PREFIXES])
    more = len(allowed) - _SHOWN_PREFIXES
    suffix = f" and {more} more" if more > 0 else ""
    relative = " (a relative path is under none)" if not path.startswith("/") else ""
    return f"is not under any prefix of allowed-host-paths ({shown}{suffix}){relative}"


def _writable(mount: Mount, volume: Volume, path: str, prefixes: str) -> Iterator[Violation]:
    read_only = mount.field("readOnly")
    if (
        read_only is not None
        and not is_null(read_only.value)
        and bool_value(read_only.value) is not False
    ):
        return  # true, or a value the API server's decoder rejects before validation
    # A value merged in with ``<<`` lives in the anchor: point at this volumeMount instead.
    own = read_only.value if read_only is not None and not read_only.inherited else None
    if read_only is None:
        how = "without readOnly"
    elif is_null(read_only.value):
        how = "with an empty readOnly"
    else:
        how = f"with readOnly: {scalar_text(read_only.value)}"
    yield Violation(
        message=(
            f"{mount.container.label} mounts hostPath volume '{volume.name}' (host '{path}') "
            f"at '{mount.mount_path}' {how}, but allowed-host-paths allows {prefixes} only "
            "read-only; set readOnly: true"
        ),
        node=own if own is not None else mount.node,
        field_path=render_path((*mount.path, "readOnly") if own is not None else mount.path),
        related=(
            Related(volume.node, f"hostPath volume '{volume.name}'"),
            Related(mount.container.node, f"in {mount.container.label}"),
        ),
    )
