r"""## What it does
Flags `mountPropagation: Bidirectional` in a pod that declares `spec.os.name: windows`, in any
container kind. Such a pod can never be valid: Bidirectional needs a privileged container, and
the API server forbids setting `securityContext.privileged` at all (even to `false`) in a Windows
pod. The finding quotes what the API server answers, with indexed field paths. Without
`privileged`:

    spec.containers[0].volumeMounts[0].mountPropagation: Forbidden: Bidirectional mount
    propagation is available only to privileged containers

and with `privileged: true`:

    spec.containers[0].securityContext.privileged: Forbidden: cannot be set for a windows pod

(with `privileged: false`, both). A pod that is only steered to Windows nodes by a
`kubernetes.io/os: windows` node selector is not validated as a Windows pod: for it,
`bidirectional-requires-privileged` (ML302) reports an unprivileged container.

## Why is this bad?
The API server rejects the whole object. Windows has no mount propagation either: the kubelet
on a Windows node mounts every volume privately, whatever the manifest says.

## Example
```yaml
apiVersion: v1
kind: Pod
metadata:
  name: win-agent
spec:
  os:
    name: windows
  containers:
    - name: agent
      image: mcr.microsoft.com/windows/nanoserver:ltsc2022
      volumeMounts:
        - name: logs
          mountPath: 'C:\logs'
          mountPropagation: Bidirectional
  volumes:
    - name: logs
      hostPath:
        path: 'C:\var\log'
```

## Use instead
```yaml
apiVersion: v1
kind: Pod
metadata:
  name: win-agent
spec:
  os:
    name: windows
  containers:
    - name: agent
      image: mcr.microsoft.com/windows/nanoserver:ltsc2022
      volumeMounts:
        - name: logs
          mountPath: 'C:\logs'
  volumes:
    - name: logs
      hostPath:
        path: 'C:\var\log'
```
If the workload really needs Bidirectional propagation, it is a Linux workload: fix
`spec.os.name`. There is no automatic fix, because which of the two it is (a Windows pod that
should drop the field and `privileged`, or a Linux pod with the wrong `spec.os.name`) is for the
author to decide.
"""

from __future__ import annotations

from collections.abc import Iterator

from mountlint.apierrors import BIDIRECTIONAL_NEEDS_PRIVILEGED, api_path, forbidden
from mountlint.rule import Related, Rule, RuleContext, Scope, Severity, Violation
from mountlint.workloads import Mount, render_path
from mountlint.yamlnodes import entry, get, get_path, is_null, string_value

RULE = Rule(
    code="ML303",
    name="bidirectional-on-windows",
    summary=(
        "Bidirectional mount propagation in a Windows pod, where containers cannot be "
        "privileged: the API server rejects the manifest"
    ),
    severity=Severity.ERROR,
    scope=Scope.MOUNT,
    tags=("correctness", "propagation", "windows"),
)


def check(mount: Mount, context: RuleContext) -> Iterator[Violation]:
    """Report Bidirectional propagation in a pod that declares it runs on Windows."""
    propagation = mount.field("mountPropagation")
    if propagation is None or string_value(propagation.value) != "Bidirectional":
        return
    container = mount.container
    pod = container.pod
    if not pod.declares_windows:
        return
    field = (*mount.path, "mountPropagation")
    privileged = entry(get(container.node, "securityContext"), "privileged")
    sets_privileged = privileged is not None and not is_null(privileged.value)
    errors: list[str] = []
    related = [Related(container.node, f"in {container.label}")]
    if privileged is not None and sets_privileged:
        privileged_path = api_path(pod.obj, (*container.path, "securityContext", "privileged"))
        errors.append(forbidden(privileged_path, "cannot be set for a windows pod"))
        related.insert(0, Related(privileged.value, "privileged cannot be set in a Windows pod"))
    if not container.privileged:
        errors.insert(0, forbidden(api_path(pod.obj, field), BIDIRECTIONAL_NEEDS_PRIVILEGED))
    os_name = get_path(pod.node, "os", "name")
    if os_name is not None:
        related.append(Related(os_name, "the pod declares spec.os.name: windows"))
    remove = (
        "mountPropagation and securityContext.privileged" if sets_privileged else "mountPropagation"
    )
    yield Violation(
        message=(
            f"{forbidden(api_path(pod.obj, field), 'Bidirectional in a Windows pod')}: "
            f"remove {remove}, or fix spec.os.name"
        ),
        detail=(
            "; ".join(errors) + f"; {container.label} is in a Windows pod, which cannot be "
            f"privileged and has no mount propagation: remove {remove}, or correct "
            "spec.os.name if this is a Linux workload"
        ),
        node=propagation.value,
        field_path=render_path(field),
        related=tuple(related),
    )
