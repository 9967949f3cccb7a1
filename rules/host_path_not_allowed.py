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
not change it. A PersistentVolume's `spec.hostPath` must lie under the list too (whether it is
mounted read-only is up to the pods that claim it). Windows pods and Windows paths are not checked.

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

from mountlint.messages import shortlist
from mountlint.paths import canon, within
from mountlint.rule import Related, Rule, RuleContext, Scope, Severity, Violation
from mountlint.settings import AllowedHostPath
from mountlint.workloads import HostPathUse, render_path

RULE = Rule(
    code="ML205",
    name="host-path-not-allowed",
    summary=(
        "A hostPath volume is outside allowed-host-paths, or writable where the list "
        "allows reading only"
    ),
    severity=Severity.ERROR,
    scope=Scope.HOST_PATH,
    tags=("security", "host-path", "policy"),
)

_SHOWN_PREFIXES = 3


def check(use: HostPathUse, context: RuleContext) -> Iterator[Violation]:
    """Report a hostPath outside the allow list, and writable mounts of a read-only one."""
    allowed = context.settings.allowed_host_paths
    path = use.linux_path
    if allowed is None or use.is_windows or path is None:
        return
    volume = Related(use.holder, use.label)
    matching = _matching(path, allowed)
    if not matching:
        yield Violation(
            message=(
                f"{use.label} (host '{path}') is not in allowed-host-paths; mount an allowed "
                "path or extend the list"
            ),
            detail=(
                f"{use.label} uses host path '{path}', which {_outside(path, allowed)}; "
                "mount an allowed path or extend the list"
            ),
            node=use.path_node,
            field_path=render_path((*use.path, "path")),
            related=(volume,),
        )
        return
    if not all(item.read_only for item in matching):
        return
    prefixes = ", ".join(f"'{item.path_prefix}'" for item in matching)
    for mount in use.mounts:
        how = mount.writable
        if how is None:
            continue
        node, field = mount.read_only_site()
        yield Violation(
            message=(
                f"host '{path}' at '{mount.mount_path}' is writable, but allowed-host-paths "
                "allows it only read-only; set readOnly: true"
            ),
            detail=(
                f"{mount.container.label} mounts {use.label} (host '{path}') at "
                f"'{mount.mount_path}' {how}, but allowed-host-paths allows {prefixes} only "
                "read-only; set readOnly: true"
            ),
            node=node,
            field_path=render_path(field),
            related=(volume, Related(mount.container.node, f"in {mount.container.label}")),
        )


def _matching(path: str, allowed: tuple[AllowedHostPath, ...]) -> list[AllowedHostPath]:
    """The entries whose prefix holds ``path`` by whole components (none for relative paths)."""
    if not path.startswith("/"):
        return []
    source = canon(path)
    return [item for item in allowed if within(canon(item.path_prefix), source)]


def _outside(path: str, allowed: tuple[AllowedHostPath, ...]) -> str:
    if not allowed:
        return "is not allowed: allowed-host-paths is empty"
    prefixes = shortlist([item.path_prefix for item in allowed], _SHOWN_PREFIXES)
    relative = " (a relative path is under none)" if not path.startswith("/") else ""
    return f"is not under any prefix of allowed-host-paths ({prefixes}){relative}"
