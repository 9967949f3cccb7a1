"""## What it does
Flags a volumeMount whose `name` is also used by an entry of the same container's
`volumeDevices`, or whose `mountPath` equals a `volumeDevices` entry's `devicePath`.

## Why is this bad?
A volume is either mounted as a filesystem (`volumeMounts`) or handed to the container as a raw
block device (`volumeDevices`), and one path in the container can hold only one of them. The API
server rejects the pod, or the workload whose pod template has it (a StatefulSet is accepted,
but each pod it creates is rejected):

    spec.containers[0].volumeMounts[0].name:
      Invalid value: "data": must not already exist in volumeDevices
    spec.containers[0].volumeMounts[0].mountPath:
      Invalid value: "/dev/xvda": must not already exist as a path in volumeDevices

(and reports the matching `volumeDevices` entry too). The comparison is exact, as in the API
server; when two `volumeDevices` entries share a name, only the last one's `devicePath` counts,
as it does there. Empty names and paths are a different error and are not compared.

## Example
```yaml
apiVersion: apps/v1
kind: StatefulSet
metadata:
  name: db
spec:
  serviceName: db
  selector:
    matchLabels: {app: db}
  template:
    metadata:
      labels: {app: db}
    spec:
      containers:
        - name: db
          image: postgres
          volumeDevices:
            - name: data
              devicePath: /dev/xvda
          volumeMounts:
            - name: data
              mountPath: /var/lib/postgresql
  volumeClaimTemplates:
    - metadata:
        name: data
      spec:
        accessModes: [ReadWriteOnce]
        volumeMode: Block
        resources:
          requests:
            storage: 10Gi
```

## Use instead
Use the claim either as a block device or as a filesystem, not both.
```yaml
apiVersion: apps/v1
kind: StatefulSet
metadata:
  name: db
spec:
  serviceName: db
  selector:
    matchLabels: {app: db}
  template:
    metadata:
      labels: {app: db}
    spec:
      containers:
        - name: db
          image: postgres
          volumeDevices:
            - name: data
              devicePath: /dev/xvda
  volumeClaimTemplates:
    - metadata:
        name: data
      spec:
        accessModes: [ReadWriteOnce]
        volumeMode: Block
        resources:
          requests:
            storage: 10Gi
```
"""

from __future__ import annotations

from collections.abc import Iterator

from mountlint.apierrors import api_path, invalid
from mountlint.records import record
from mountlint.rule import FixAvailability, Related, Rule, RuleContext, Scope, Severity, Violation
from mountlint.workloads import Container, Mount, PodSpec, render_path
from mountlint.yamlnodes import MappingNode, Node, get, items, string_value

RULE = Rule(
    code="ML311",
    name="mount-conflicts-with-device",
    summary=(
        "A volumeMount uses the name or path of one of the container's volumeDevices: "
        "the API server rejects it"
    ),
    severity=Severity.ERROR,
    scope=Scope.POD,
    fix=FixAvailability.NONE,
    tags=("api-validation",),
)


@record(frozen=True)
class _Device:
    """One ``volumeDevices`` entry: its index, item node, name and device path."""

    index: int
    node: MappingNode
    name: str | None
    path: str | None


def check(pod: PodSpec, context: RuleContext) -> Iterator[Violation]:
    """Report mounts that collide with a volumeDevices entry of the same container."""
    for container in pod.containers:
        devices = _devices(container)
        if not devices:
            continue
        # Like the API server: a map from device name to path, where the last entry wins.
        by_name: dict[str, _Device] = {}
        for device in devices:
            by_name[device.name or ""] = device
        by_path: dict[str, _Device] = {}
        for device in by_name.values():
            if device.path:
                by_path.setdefault(device.path, device)
        for mount in container.mounts:
            yield from _check_mount(mount, by_name, by_path)


def _devices(container: Container) -> list[_Device]:
    found = []
    for index, item in enumerate(items(get(container.node, "volumeDevices"))):
        if isinstance(item, MappingNode):
            found.append(
                _Device(
                    index=index,
                    node=item,
                    name=string_value(get(item, "name")),
                    path=string_value(get(item, "devicePath")),
                )
            )
    return found


def _check_mount(
    mount: Mount, by_name: dict[str, _Device], by_path: dict[str, _Device]
) -> Iterator[Violation]:
    name, mount_path = mount.name, mount.mount_path
    device = by_name.get(name) if name else None
    if name and device is not None:
        detail = "must not already exist in volumeDevices"
        yield _violation(
            mount,
            "name",
            f"{invalid(_api_path(mount, 'name'), name, detail)}; use the volume one way only",
            device,
            f"{invalid(_api_path(mount, 'name'), name, detail)}; "
            f"volumeDevices[{device.index}] already uses volume '{name}' as a raw block device: "
            "use it one way only",
        )
    device = by_path.get(mount_path) if mount_path else None
    if mount_path and device is not None:
        detail = "must not already exist as a path in volumeDevices"
        yield _violation(
            mount,
            "mountPath",
            f"{invalid(_api_path(mount, 'mountPath'), mount_path, detail)}; use another mountPath",
            device,
            f"{invalid(_api_path(mount, 'mountPath'), mount_path, detail)}; "
            f"volumeDevices[{device.index}] puts a block device there: choose another mountPath",
        )


def _api_path(mount: Mount, field: str) -> str:
    return api_path(mount.pod.obj, (*mount.path, field))


def _violation(
    mount: Mount, field: str, message: str, device: _Device, detail: str = ""
) -> Violation:
    node: Node = get(mount.node, field) or mount.node
    return Violation(
        message=message,
        detail=detail,
        node=node,
        field_path=render_path((*mount.path, field)),
        related=(
            Related(device.node, f"volumeDevices[{device.index}]"),
            Related(mount.container.node, f"in {mount.container.label}"),
        ),
    )
