"""## What it does
Flags a `mountPropagation` that is not one of the three values Kubernetes accepts: `None`,
`HostToContainer` and `Bidirectional`. The comparison is case-sensitive, as the API server's is:
`hostToContainer` and `bidirectional` are rejected too. The Linux names for the same modes
(`rprivate`, `rslave`, `rshared`, as Docker's `--volume` flag takes them) are rejected as well, and
so are an empty string and values that are not strings at all (`mountPropagation: 42`).

The finding quotes the API server's answer with the indexed field path, for example

    spec.template.spec.containers[0].volumeMounts[1].mountPropagation: Unsupported value:
    "rslave": supported values: "Bidirectional", "HostToContainer", "None"

An empty or `null` `mountPropagation:` is not reported: Kubernetes reads it as unset (`None`).

## Why is this bad?
The API server rejects the whole object, so `kubectl apply` fails and nothing in the manifest
is deployed. In a Helm chart or a Kustomize overlay the mistake often hides until the release.

## Example
```yaml
apiVersion: apps/v1
kind: DaemonSet
metadata:
  name: node-agent
spec:
  selector:
    matchLabels: {app: node-agent}
  template:
    metadata:
      labels: {app: node-agent}
    spec:
      containers:
        - name: agent
          image: busybox
          volumeMounts:
            - name: host-root
              mountPath: /host
              readOnly: true
              mountPropagation: rslave
      volumes:
        - name: host-root
          hostPath:
            path: /
```

## Use instead
```yaml
apiVersion: apps/v1
kind: DaemonSet
metadata:
  name: node-agent
spec:
  selector:
    matchLabels: {app: node-agent}
  template:
    metadata:
      labels: {app: node-agent}
    spec:
      containers:
        - name: agent
          image: busybox
          volumeMounts:
            - name: host-root
              mountPath: /host
              readOnly: true
              mountPropagation: HostToContainer
      volumes:
        - name: host-root
          hostPath:
            path: /
```

## Fix safety
When the value differs from a valid one only in letter case (or surrounding spaces), the fix
writes the valid spelling; that is safe, because the spelling can only mean that mode.

The Linux names are mapped to the Kubernetes mode that the kubelet turns into them: `rslave` and
`slave` to `HostToContainer`, `rshared` and `shared` to `Bidirectional`, `rprivate` and `private`
to `None`. That fix is unsafe: it picks what the workload may do, and the non-recursive Linux
modes have no exact Kubernetes equivalent (Kubernetes modes are always recursive). An empty string
gets an unsafe fix that removes the key (unset means `None`). Other values get no fix. A value
reached through a YAML anchor or merge key gets a display-only fix.
"""

from __future__ import annotations

from collections.abc import Iterator

from mountlint.apierrors import api_path, cannot_unmarshal, go_quote, unsupported
from mountlint.edits import Applicability, Fix
from mountlint.messages import short_unmarshal, short_unsupported
from mountlint.rule import FixAvailability, Related, Rule, RuleContext, Scope, Severity, Violation
from mountlint.workloads import Mount, render_path
from mountlint.yamlnodes import Entry, is_flow_scalar, is_null, string_value

RULE = Rule(
    code="ML301",
    name="invalid-mount-propagation",
    summary=(
        "mountPropagation is not None, HostToContainer or Bidirectional (case-sensitive), "
        "so the API server rejects the manifest"
    ),
    severity=Severity.ERROR,
    scope=Scope.MOUNT,
    fix=FixAvailability.SOMETIMES,
    tags=("correctness", "propagation"),
)

#: The values the API server accepts, in the order its error message lists them.
SUPPORTED_PROPAGATIONS: tuple[str, ...] = ("Bidirectional", "HostToContainer", "None")

#: Linux propagation names and the Kubernetes mode the kubelet turns into the recursive one.
LINUX_PROPAGATION_NAMES: dict[str, str] = {
    "rslave": "HostToContainer",
    "slave": "HostToContainer",
    "rshared": "Bidirectional",
    "shared": "Bidirectional",
    "rprivate": "None",
    "private": "None",
}


def check(mount: Mount, context: RuleContext) -> Iterator[Violation]:
    """Report a mountPropagation value the API server would refuse."""
    propagation = mount.field("mountPropagation")
    if propagation is None or is_null(propagation.value):
        return
    value_node = propagation.value
    field = (*mount.path, "mountPropagation")
    path = api_path(mount.pod.obj, field)
    related = (Related(mount.container.node, f"in {mount.container.label}"),)
    text = string_value(value_node)
    if text is None:
        yield Violation(
            message=short_unmarshal(path, value_node, SUPPORTED_PROPAGATIONS),
            detail=cannot_unmarshal(
                path, value_node, "VolumeMount.mountPropagation", SUPPORTED_PROPAGATIONS
            ),
            node=value_node,
            field_path=render_path(field),
            related=related,
        )
        return
    if text in SUPPORTED_PROPAGATIONS:
        return
    fix, hint = _fix_and_hint(mount, propagation, text, context)
    yield Violation(
        message=(
            f"{path}: Unsupported value: {go_quote(text)}; {hint}"
            if fix is not None or not hint.startswith("the API server")
            else short_unsupported(path, text, SUPPORTED_PROPAGATIONS, "")
        ),
        detail=f"{unsupported(path, text, SUPPORTED_PROPAGATIONS)}; {hint}",
        node=value_node,
        field_path=render_path(field),
        fix=fix,
        related=related,
    )


def _fix_and_hint(
    mount: Mount, propagation: Entry, text: str, context: RuleContext
) -> tuple[Fix | None, str]:
    """The fix for ``text`` and the words that tell the user what was probably meant."""
    if not is_flow_scalar(propagation.value):
        return None, "the API server rejects this manifest"
    stripped = text.strip()
    by_case = {value.lower(): value for value in SUPPORTED_PROPAGATIONS}
    if stripped.lower() in by_case:
        intended = by_case[stripped.lower()]
        description = f"Write mountPropagation: {intended}"
        fix = context.replace_fix(propagation, intended, description, Applicability.SAFE)
        return fix, f"the values are case-sensitive: write {intended}"
    linux_mode = LINUX_PROPAGATION_NAMES.get(stripped.lower())
    if linux_mode is not None:
        description = f"Replace Linux '{stripped}' with mountPropagation: {linux_mode}"
        fix = context.replace_fix(propagation, linux_mode, description, Applicability.UNSAFE)
        base = stripped.lower().removeprefix("r")
        hint = f"a Linux name: Kubernetes calls r{base} {linux_mode}"
        return fix, hint
    if not stripped:
        removal = context.edits.remove_entry(mount.node, "mountPropagation")
        hint = "an empty value is not the same as leaving the field out (which means None)"
        if removal is None or propagation.inherited:
            return None, hint
        fix = Fix("Remove the empty mountPropagation", Applicability.UNSAFE, (removal,))
        if context.shared(propagation.value):
            fix = fix.as_display_only("the value comes from a YAML anchor; edit it there")
        return fix, hint
    return None, "the API server rejects this manifest"
