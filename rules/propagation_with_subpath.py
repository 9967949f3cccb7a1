"""## What it does
Flags a volumeMount that combines `subPath` or `subPathExpr` with `mountPropagation:
HostToContainer` or `Bidirectional`, for any volume type (`hostPath`, `emptyDir`, a PVC, ...).

Not reported: an empty `subPath: ""` (the API treats it as unset), Windows workloads (Windows has
no mount propagation; see `propagation-ignored-on-windows`, ML104), and ephemeral containers,
where the API server rejects `subPath` outright (`invalid-sub-path`, ML309).

## Why is this bad?
The API server accepts it, but the propagation does not do what the manifest says. For a
`subPath` mount the kubelet first bind-mounts the subdirectory into its own
`volume-subpaths` directory with a plain, non-recursive `bind` (not `rbind`), and hands that
bind to the container runtime. So mounts that already exist below the subdirectory are missing
in the container, and whether mounts made later reach it depends on how the source happens to be
mounted on the node (kubernetes/kubernetes#93202, #108681): a container waiting for a FUSE or CSI
mount made by another container sees an empty directory. With `Bidirectional`, mounts the
container makes are not reliably propagated back either.

## Example
```yaml
apiVersion: v1
kind: Pod
metadata:
  name: fuse-consumer
spec:
  containers:
    - name: reader
      image: busybox
      volumeMounts:
        - name: bucket
          mountPath: /data
          subPath: reader
          mountPropagation: HostToContainer
    - name: mounter
      image: example.com/fuse-mounter
      securityContext:
        privileged: true
      volumeMounts:
        - name: bucket
          mountPath: /mnt
          mountPropagation: Bidirectional
  volumes:
    - name: bucket
      emptyDir: {}
```

## Use instead
```yaml
apiVersion: v1
kind: Pod
metadata:
  name: fuse-consumer
spec:
  containers:
    - name: reader
      image: busybox
      volumeMounts:
        - name: bucket
          mountPath: /mnt
          mountPropagation: HostToContainer
    - name: mounter
      image: example.com/fuse-mounter
      securityContext:
        privileged: true
      volumeMounts:
        - name: bucket
          mountPath: /mnt
          mountPropagation: Bidirectional
  volumes:
    - name: bucket
      emptyDir: {}
```
Mount the whole volume and use the subdirectory inside the container (`/mnt/reader`), or, for a
`hostPath` volume, point `hostPath.path` at the subdirectory itself.
"""

from __future__ import annotations

from collections.abc import Iterator

from mountlint.paths import normalized_spelling
from mountlint.rule import Related, Rule, RuleContext, Scope, Severity, Violation
from mountlint.workloads import Mount, render_path
from mountlint.yamlnodes import string_value

RULE = Rule(
    code="ML103",
    name="propagation-with-subpath",
    summary=(
        "subPath with HostToContainer or Bidirectional propagation: the kubelet binds the "
        "subPath non-recursively, so mounts do not propagate as the manifest says"
    ),
    severity=Severity.WARNING,
    scope=Scope.MOUNT,
    tags=("reliability", "propagation"),
)

_PROPAGATING_MODES = ("HostToContainer", "Bidirectional")
_SUB_PATH_KEYS = ("subPath", "subPathExpr")


def check(mount: Mount, context: RuleContext) -> Iterator[Violation]:
    """Report a propagating mount that also selects a subPath."""
    propagation = mount.field("mountPropagation")
    mode = string_value(propagation.value) if propagation is not None else None
    if propagation is None or mode not in _PROPAGATING_MODES:
        return
    if mount.container.kind == "ephemeralContainers" or mount.windows_evidence is not None:
        return
    sub_path = next(
        (
            (key, found)
            for key in _SUB_PATH_KEYS
            if (found := mount.field(key)) is not None and string_value(found.value)
        ),
        None,
    )
    if sub_path is None:
        return
    key, sub_path_entry = sub_path
    sub_path_text = string_value(sub_path_entry.value) or ""
    host = mount.host_path
    if host is not None and host.path and mount.sub_path is not None:
        target = normalized_spelling(f"{host.path}/{mount.sub_path}")
        advice = f"point hostPath.path at '{target}' and drop subPath"
    else:
        advice = "mount the whole volume and use the subdirectory inside the container"
    short_advice = advice.replace(" and use the subdirectory inside the container", "")
    related = (
        Related(sub_path_entry.value, f"{key} selected here"),
        Related(mount.container.node, f"in {mount.container.label}"),
    )
    yield Violation(
        message=(
            f"mountPropagation {mode} with {key} '{sub_path_text}' does not propagate (subPath "
            f"binds are not recursive); {short_advice}"
        ),
        detail=(
            f"mountPropagation {mode} with {key} '{sub_path_text}': the kubelet bind-mounts "
            "the subPath non-recursively before the runtime mounts it, so mounts already below "
            "it are missing in the container and later mounts do not reliably propagate "
            f"{'either way' if mode == 'Bidirectional' else 'into it'}; {advice}"
        ),
        node=propagation.value,
        field_path=render_path((*mount.path, "mountPropagation")),
        related=related,
    )
