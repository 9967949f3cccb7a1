r"""## What it does
Flags `mountPropagation: HostToContainer` on a Windows workload: a pod that declares
`spec.os.name: windows`, a pod whose node selector admits only Windows nodes
(`kubernetes.io/os: windows`), or a mount whose `mountPath` or `hostPath` is a Windows path
(`C:\...`, `\\.\pipe\...`).

(`Bidirectional` on a pod with `spec.os.name: windows` is rejected by the API server and reported
by `bidirectional-on-windows`, ML303; an explicit `None` is harmless and not reported.)

## Why is this bad?
Windows has no mount propagation. The kubelet on a Windows node mounts every volume privately
and ignores the field, so the manifest promises something that does not happen: a container
that waits for a mount made later on the host will never see it.

## Example
```yaml
apiVersion: apps/v1
kind: DaemonSet
metadata:
  name: win-log-agent
spec:
  selector:
    matchLabels: {app: win-log-agent}
  template:
    metadata:
      labels: {app: win-log-agent}
    spec:
      nodeSelector:
        kubernetes.io/os: windows
      containers:
        - name: agent
          image: mcr.microsoft.com/windows/nanoserver:ltsc2022
          volumeMounts:
            - name: logs
              mountPath: 'C:\logs'
              mountPropagation: HostToContainer
      volumes:
        - name: logs
          hostPath:
            path: 'C:\var\log'
```

## Use instead
```yaml
apiVersion: apps/v1
kind: DaemonSet
metadata:
  name: win-log-agent
spec:
  selector:
    matchLabels: {app: win-log-agent}
  template:
    metadata:
      labels: {app: win-log-agent}
    spec:
      nodeSelector:
        kubernetes.io/os: windows
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

## Fix safety
The fix removes the `mountPropagation` line. It is safe: on Windows the field has no effect, so
the workload behaves exactly as before. It is display-only when the mount is reached through a
YAML anchor or merge key (the edit would change every user of it), and not offered when the key
cannot be removed on its own (the only entry of a flow mapping, for instance).
"""

from __future__ import annotations

from collections.abc import Iterator

from mountlint.edits import Applicability, Fix
from mountlint.rule import FixAvailability, Related, Rule, RuleContext, Scope, Severity, Violation
from mountlint.workloads import Mount, render_path
from mountlint.yamlnodes import Entry, string_value

RULE = Rule(
    code="ML104",
    name="propagation-ignored-on-windows",
    summary="mountPropagation: HostToContainer on Windows, where the kubelet ignores it",
    severity=Severity.INFO,
    scope=Scope.MOUNT,
    fix=FixAvailability.SAFE,
    tags=("correctness", "propagation", "windows"),
)


def check(mount: Mount, context: RuleContext) -> Iterator[Violation]:
    """Report HostToContainer propagation on a mount that runs on Windows."""
    propagation = mount.field("mountPropagation")
    if propagation is None or string_value(propagation.value) != "HostToContainer":
        return
    evidence = mount.windows_evidence
    if evidence is None:
        return
    yield Violation(
        message=f"mountPropagation HostToContainer does nothing on Windows ({evidence}); remove it",
        detail=(
            f"mountPropagation HostToContainer has no effect: {evidence}, and the kubelet "
            "mounts every volume privately on Windows; remove the field"
        ),
        node=propagation.value,
        field_path=render_path((*mount.path, "mountPropagation")),
        fix=_removal(mount, propagation, context),
        related=(Related(mount.container.node, f"in {mount.container.label}"),),
    )


def _removal(mount: Mount, propagation: Entry, context: RuleContext) -> Fix | None:
    """Remove ``mountPropagation`` from the volumeMount (safe: Windows ignores it)."""
    description = "Remove mountPropagation"
    if propagation.inherited:
        return Fix(
            f"{description} (it comes from a YAML merge key; remove it there)",
            Applicability.DISPLAY_ONLY,
            (),
        )
    edit = context.edits.remove_entry(mount.node, "mountPropagation")
    if context.shared(mount.node, propagation.value):
        fix = Fix(description, Applicability.SAFE, (edit,) if edit is not None else ())
        return fix.as_display_only("the volumeMount comes from a YAML anchor; edit it there")
    if edit is None:
        return None
    return Fix(description, Applicability.SAFE, (edit,))
