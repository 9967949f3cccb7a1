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

import json
from collections.abc import Iterator

from mountlint.edits import Applicability, Fix
from mountlint.rule import FixAvailability, Related, Rule, RuleContext, Scope, Severity, Violation
from mountlint.workloads import Mount, render_path
from mountlint.yamlnodes import Entry, Node, ScalarNode, is_null, node_kind, string_value

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

#: Plain and quoted scalars: the styles whose text an edit can replace in place.
_FIXABLE_STYLES = (None, "", '"', "'")

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

#: How Go's JSON decoder names the YAML types it cannot put into a string field.
_GO_TYPES = {
    "int": "number",
    "float": "number",
    "bool": "bool",
    "mapping": "object",
    "list": "array",
}


def check(mount: Mount, context: RuleContext) -> Iterator[Violation]:
    """Report a mountPropagation value the API server would refuse."""
    propagation = mount.field("mountPropagation")
    if propagation is None or is_null(propagation.value):
        return
    value_node = propagation.value
    field_path = render_path(mount.path) + ".mountPropagation"
    related = (Related(mount.container.node, f"in {mount.container.label}"),)
    text = string_value(value_node)
    if text is None:
        yield Violation(
            message=_wrong_type_message(field_path, value_node),
            node=value_node,
            field_path=field_path,
            related=related,
        )
        return
    if text in SUPPORTED_PROPAGATIONS:
        return
    supported = ", ".join(go_quote(value) for value in SUPPORTED_PROPAGATIONS)
    fix, hint = _fix_and_hint(mount, propagation, text, context)
    yield Violation(
        message=(
            f"{field_path}: Unsupported value: {go_quote(text)}: supported values: {supported}; "
            f"{hint}"
        ),
        node=value_node,
        field_path=field_path,
        fix=fix,
        related=related,
    )


def go_quote(value: str) -> str:
    """Quote ``value`` as the API server's messages do (Go's ``%q``)."""
    return json.dumps(value, ensure_ascii=False)


def _wrong_type_message(field_path: str, node: Node) -> str:
    """The decoder's complaint: a value that is not a string never reaches validation."""
    go_type = _GO_TYPES.get(node_kind(node), "value")
    return (
        f"{field_path}: cannot unmarshal {go_type} into Go struct field "
        "VolumeMount.mountPropagation of type string; the API server cannot decode this "
        "manifest: write one of " + ", ".join(SUPPORTED_PROPAGATIONS)
    )


def _fix_and_hint(
    mount: Mount, propagation: Entry, text: str, context: RuleContext
) -> tuple[Fix | None, str]:
    """The fix for ``text`` and the words that tell the user what was probably meant."""
    value_node = propagation.value
    if not isinstance(value_node, ScalarNode) or value_node.style not in _FIXABLE_STYLES:
        return None, "the API server rejects this manifest"
    stripped = text.strip()
    by_case = {value.lower(): value for value in SUPPORTED_PROPAGATIONS}
    if stripped.lower() in by_case:
        intended = by_case[stripped.lower()]
        edit = context.edits.replace_scalar(value_node, intended)
        fix = Fix(f"Write mountPropagation: {intended}", Applicability.SAFE, (edit,))
        hint = f"the values are case-sensitive: write {intended}"
        return _guard(fix, propagation, context), hint
    linux_mode = LINUX_PROPAGATION_NAMES.get(stripped.lower())
    if linux_mode is not None:
        edit = context.edits.replace_scalar(value_node, linux_mode)
        fix = Fix(
            f"Replace Linux '{stripped}' with mountPropagation: {linux_mode}",
            Applicability.UNSAFE,
            (edit,),
        )
        base = stripped.lower().removeprefix("r")
        hint = f"'{stripped}' is a Linux name; Kubernetes calls r{base} propagation {linux_mode}"
        return _guard(fix, propagation, context), hint
    if not stripped:
        removal = context.edits.remove_entry(mount.node, "mountPropagation")
        hint = "an empty value is not the same as leaving the field out (which means None)"
        if removal is None or propagation.inherited:
            return None, hint
        fix = Fix("Remove the empty mountPropagation", Applicability.UNSAFE, (removal,))
        return _guard(fix, propagation, context), hint
    return None, "the API server rejects this manifest"


def _guard(fix: Fix, propagation: Entry, context: RuleContext) -> Fix:
    """Display-only when the value is shared through an anchor or merge key."""
    if propagation.inherited or context.shared(propagation.value):
        return fix.as_display_only("the value comes from a YAML anchor; edit it there")
    return fix
