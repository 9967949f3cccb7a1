"""## What it does
Flags every `hostPath` volume of a pod, whatever its path: the Pod Security Standards `baseline`
and `restricted` profiles forbid them all. Off by default: select it (`--select ML207`) for
workloads meant for namespaces that enforce one of those profiles.

Volumes are reported whether or not a container mounts them, and in Windows pods too, because
Pod Security looks only at `spec.volumes[*].hostPath`. PersistentVolumes are not reported: Pod
Security does not look at them (a pod that uses a hostPath PersistentVolume through a claim passes
`baseline`).

## Why is this bad?
Where a namespace is labelled `pod-security.kubernetes.io/enforce: baseline` (or `restricted`),
the API server rejects a pod with a hostPath volume. For a Deployment, DaemonSet, Job or any other
controller the object itself is accepted, with at most a warning, and then no pod is ever created:
the failure shows only in the controller's events. Finding it in the manifest saves that rollout.

## Example
```yaml
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  selector:
    matchLabels: {app: web}
  template:
    metadata:
      labels: {app: web}
    spec:
      containers:
        - name: web
          image: nginx
          volumeMounts:
            - name: cache
              mountPath: /var/cache/nginx
      volumes:
        - name: cache
          hostPath:
            path: /var/cache/web
```

## Use instead
```yaml
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  selector:
    matchLabels: {app: web}
  template:
    metadata:
      labels: {app: web}
    spec:
      containers:
        - name: web
          image: nginx
          volumeMounts:
            - name: cache
              mountPath: /var/cache/nginx
      volumes:
        - name: cache
          emptyDir: {}
```
Use `emptyDir`, a `configMap`/`secret`, or a PersistentVolumeClaim; keep workloads that really
need the node's files (node agents, CSI drivers) in a namespace that enforces `privileged`.
"""

from __future__ import annotations

from collections.abc import Iterator

from mountlint.rule import Related, Rule, RuleContext, Scope, Severity, Violation
from mountlint.workloads import PodSpec, render_path
from mountlint.yamlnodes import entry, scalar_text

RULE = Rule(
    code="ML207",
    name="pod-security-baseline-host-path",
    summary=(
        "A hostPath volume makes the pod fail the Pod Security baseline and restricted profiles"
    ),
    severity=Severity.INFO,
    scope=Scope.POD,
    tags=("security", "host-path", "pod-security"),
    enabled_by_default=False,
)


def check(pod: PodSpec, context: RuleContext) -> Iterator[Violation]:
    """Report every hostPath volume of the pod (Pod Security rejects any of them)."""
    controller = pod.obj.kind not in (None, "Pod")
    for volume in pod.volumes:
        host = volume.host_path
        host_entry = entry(volume.node, "hostPath")
        if host is None or host_entry is None:
            continue
        path = scalar_text(host.path_node)
        shown = f" (host '{path}')" if path else ""
        consequence = (
            f"the API server rejects the pods of this {pod.obj.kind} (the {pod.obj.kind} "
            "itself is accepted)"
            if controller
            else "the API server rejects the pod"
        )
        if host.path_node is not None:
            node, field = host.path_node, (*volume.path, "hostPath", "path")
        else:
            node, field = host_entry.key, (*volume.path, "hostPath")
        yield Violation(
            message=(
                f"hostPath volume '{volume.name}'{shown} fails Pod Security baseline: rejected "
                "where it is enforced; use another volume type"
            ),
            detail=(
                f"hostPath volume '{volume.name}'{shown} is forbidden by the Pod Security "
                f"baseline and restricted profiles: in a namespace that enforces either, "
                f"{consequence}; use another volume type"
            ),
            node=node,
            field_path=render_path(field),
            related=(Related(volume.node, f"hostPath volume '{volume.name}'"),),
        )
