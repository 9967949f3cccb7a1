"""## What it does
Flags a volumeMount whose `name` is missing or empty, or names no volume in the pod's `volumes`
and no claim in the workload's `volumeClaimTemplates` (a StatefulSet's controller adds those as
volumes). Names are case-sensitive. Every container kind is checked: `containers`,
`initContainers` and `ephemeralContainers`.

## Why is this bad?
The API server rejects the pod, or the workload whose pod template has it (a StatefulSet is
accepted, but each pod it creates is rejected):

    spec.containers[0].volumeMounts[0].name: Not found: "config"
    spec.containers[0].volumeMounts[1].name: Required value

Typical causes are a typo, a volume renamed in one place only, or a volume that a Helm or
Kustomize condition left out while the mount stayed in.

The API server also answers `Not found` for a mount whose volume exists but is itself invalid;
mountlint reports the volume's own problem instead (for example with `invalid-host-path`).

Not checked:

- custom resources whose pod-spec-shaped mapping has no `volumes` key at all (the volumes may be
  declared elsewhere);
- objects that look like a Kustomize or strategic-merge patch rather than a whole manifest: an
  `apps/v1` Deployment, DaemonSet, StatefulSet or ReplicaSet without `spec.selector`, or a pod
  with a container that has no `image`. Their volumes come from the object they are merged into;
  lint the built output (`kustomize build`) to check them.

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
            - name: confg
              mountPath: /etc/nginx/conf.d
      volumes:
        - name: config
          configMap:
            name: web-config
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
            - name: config
              mountPath: /etc/nginx/conf.d
      volumes:
        - name: config
          configMap:
            name: web-config
```
"""

from __future__ import annotations

from collections.abc import Iterator

from mountlint.apierrors import api_path, not_found, required
from mountlint.messages import shortlist
from mountlint.rule import FixAvailability, Related, Rule, RuleContext, Scope, Severity, Violation
from mountlint.workloads import POD_SPEC_PATHS, Mount, PodSpec, render_path
from mountlint.yamlnodes import (
    Node,
    SequenceNode,
    entry,
    field_node,
    get_path,
    is_null,
    items,
    string_value,
)

RULE = Rule(
    code="ML307",
    name="mount-references-unknown-volume",
    summary=(
        "A volumeMount names no volume of the pod (or no name at all): the API server rejects it"
    ),
    severity=Severity.ERROR,
    scope=Scope.MOUNT,
    fix=FixAvailability.NONE,
    tags=("api-validation",),
)

_SHOWN_NAMES = 5
_SELECTOR_REQUIRED = frozenset({"Deployment", "DaemonSet", "StatefulSet", "ReplicaSet"})


def check(mount: Mount, context: RuleContext) -> Iterator[Violation]:
    """Report a mount whose volume name is empty or not declared in the pod."""
    if _looks_like_fragment(mount.pod):
        return  # a patch: its volumes come from the object it is merged into
    volumes = entry(mount.pod.node, "volumes")
    if volumes is None and mount.pod.obj.kind not in POD_SPEC_PATHS:
        return  # a custom resource may declare its volumes elsewhere
    if volumes is not None and not (
        is_null(volumes.value) or isinstance(volumes.value, SequenceNode)
    ):
        return  # `volumes` of the wrong type: the API server's decoder rejects it first
    name_entry = mount.field("name")
    field = (*mount.path, "name")
    path = api_path(mount.pod.obj, field)
    related = (Related(mount.container.node, f"in {mount.container.label}"),)
    name = string_value(name_entry.value) if name_entry is not None else None
    if name_entry is None or is_null(name_entry.value) or name == "":
        yield Violation(
            message=f"{required(path)}; name the volume to mount",
            node=field_node(name_entry, mount.node),
            field_path=render_path(field),
            related=related,
        )
        return
    if name is None:
        return  # not a string: the API server's decoder rejects it first
    known = [*mount.pod.volumes_by_name, *_claim_template_names(mount.pod.obj.node)]
    if name in known:
        return
    yield Violation(
        message=f"{not_found(path, name)}; {_hint(name, known)}",
        node=name_entry.value,
        field_path=render_path(field),
        related=related,
    )


def _looks_like_fragment(pod: PodSpec) -> bool:
    """Whether the object is probably a patch (Kustomize, strategic merge) and not a whole object.

    The API server requires ``spec.selector`` in apps/v1 workloads and ``image`` in every
    container; a manifest without them is not meant to be applied as it is.
    """
    obj = pod.obj
    if (
        obj.kind in _SELECTOR_REQUIRED
        and obj.api_version == "apps/v1"
        and get_path(obj.node, "spec", "selector") is None
    ):
        return True
    return any(entry(container.node, "image") is None for container in pod.containers)


def _claim_template_names(obj: Node) -> list[str]:
    """Names of ``spec.volumeClaimTemplates``: a StatefulSet's controller adds each as a volume."""
    names = []
    for item in items(get_path(obj, "spec", "volumeClaimTemplates")):
        name = string_value(get_path(item, "metadata", "name"))
        if name:
            names.append(name)
    return names


def _hint(name: str, known: list[str]) -> str:
    """What the pod does declare, with the likeliest intended name first."""
    if not known:
        return "the pod declares no volumes"
    known = list(dict.fromkeys(known))
    import difflib  # only for a mount that names no volume: not at start-up

    close = difflib.get_close_matches(name, known, n=1, cutoff=0.6)
    folded = [other for other in known if other.casefold() == name.casefold()]
    if folded:
        return f"volume names are case-sensitive: did you mean '{folded[0]}'?"
    if close:
        return f"did you mean '{close[0]}'?"
    return f"the pod's volumes are {shortlist(known, _SHOWN_NAMES)}"
