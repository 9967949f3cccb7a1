"""## What it does
Flags a PersistentVolume whose `hostPath` is the host's root directory (`/`, also spelled `//`,
`/.` or `/tmp/..`: the API server cleans the path first) with
`persistentVolumeReclaimPolicy: Recycle`.

## Why is this bad?
When the claim is released, the `Recycle` policy scrubs the volume by deleting everything in it
(`rm -rf` of its contents). For a hostPath of `/` that is the node's whole filesystem. The API
server refuses to create such a volume:

    spec.persistentVolumeReclaimPolicy: Forbidden: may not be 'recycle' for a hostPath mount of '/'

`Recycle` is deprecated in any case; dynamic provisioning with `Delete`, or `Retain`, replaces it.

## Example
```yaml
apiVersion: v1
kind: PersistentVolume
metadata:
  name: node-root
spec:
  capacity:
    storage: 10Gi
  accessModes: [ReadWriteOnce]
  persistentVolumeReclaimPolicy: Recycle
  hostPath:
    path: /
```

## Use instead
```yaml
apiVersion: v1
kind: PersistentVolume
metadata:
  name: node-root
spec:
  capacity:
    storage: 10Gi
  accessModes: [ReadWriteOnce]
  persistentVolumeReclaimPolicy: Retain
  hostPath:
    path: /
```
Better still, give the volume its own directory (`/srv/volumes/node-root`).

## Fix safety
The fix sets `persistentVolumeReclaimPolicy: Retain`. It is unsafe: a released volume then keeps
its data and stays `Released` until an administrator reclaims it, which changes the volume's
life cycle. It is display-only when the value comes from a YAML anchor or merge key.
"""

from __future__ import annotations

from collections.abc import Iterator

from mountlint.apierrors import api_path, forbidden
from mountlint.edits import Applicability
from mountlint.paths import clean
from mountlint.rule import FixAvailability, Related, Rule, RuleContext, Scope, Severity, Violation
from mountlint.workloads import PersistentVolume, render_path
from mountlint.yamlnodes import entry, get, string_value

RULE = Rule(
    code="ML312",
    name="host-path-root-recycle",
    summary=(
        "A hostPath PersistentVolume of '/' with reclaim policy Recycle: the API server rejects "
        "it (recycling would wipe the node)"
    ),
    severity=Severity.ERROR,
    scope=Scope.PERSISTENT_VOLUME,
    fix=FixAvailability.UNSAFE,
    tags=("api-validation", "host-path"),
)


def check(volume: PersistentVolume, context: RuleContext) -> Iterator[Violation]:
    """Report Recycle on a PersistentVolume whose host path cleans to '/'."""
    policy = entry(volume.spec, "persistentVolumeReclaimPolicy")
    if policy is None or string_value(policy.value) != "Recycle":
        return
    path = volume.host_path.path
    if path is None or clean(path) != "/":
        return
    field = (*volume.path, "persistentVolumeReclaimPolicy")
    detail = "may not be 'recycle' for a hostPath mount of '/'"
    path_node = get(volume.host_path.node, "path") or volume.host_path.node
    yield Violation(
        message=(
            f"{forbidden(api_path(volume.obj, field), detail)}; it would delete the node's "
            "files: use Retain"
        ),
        node=policy.value,
        field_path=render_path(field),
        fix=context.replace_fix(
            policy, "Retain", "Set persistentVolumeReclaimPolicy: Retain", Applicability.UNSAFE
        ),
        related=(Related(path_node, f"hostPath '{path}'"),),
    )
