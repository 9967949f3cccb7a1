"""The one place that finds pod specs, containers, mounts and volumes in any Kubernetes object.

Built-in workload kinds are read at their known paths; ``List`` items are unpacked; anything else
(custom resources such as Argo Rollouts or OpenKruise workloads) is searched for pod-spec-shaped
mappings. Every node keeps its indexed YAML path for messages
(``spec.template.spec.containers[0]``).
Fields of the wrong type are read as absent here; the rules that care report them.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field

from mountlint.yamlnodes import (
    Document,
    Entry,
    MappingNode,
    Node,
    SequenceNode,
    bool_value,
    entries,
    entry,
    get,
    get_path,
    items,
    string_value,
)

YamlPath = tuple[str | int, ...]

CONTAINER_KINDS = ("initContainers", "containers", "ephemeralContainers")

#: Where the pod spec lives in each built-in kind, as mapping keys from the object.
POD_SPEC_PATHS: dict[str, tuple[str, ...]] = {
    "Pod": ("spec",),
    "Deployment": ("spec", "template", "spec"),
    "StatefulSet": ("spec", "template", "spec"),
    "DaemonSet": ("spec", "template", "spec"),
    "ReplicaSet": ("spec", "template", "spec"),
    "ReplicationController": ("spec", "template", "spec"),
    "Job": ("spec", "template", "spec"),
    "PodTemplate": ("template", "spec"),
    "CronJob": ("spec", "jobTemplate", "spec", "template", "spec"),
}

_MAX_SEARCH_DEPTH = 64
_NOT_SEARCHED = frozenset({"metadata", "status"})


def render_path(path: YamlPath) -> str:
    """``("spec", "containers", 0)`` -> ``spec.containers[0]``."""
    out = ""
    for part in path:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else part
    return out


@dataclass
class K8sObject:
    """A top-level object (or an item of a List) with its identity."""

    node: MappingNode
    path: YamlPath
    kind: str | None
    api_version: str | None
    name: str | None
    namespace: str | None

    @property
    def label(self) -> str:
        """``Deployment/rootfsmount`` (namespaced when known), for messages."""
        name = self.name or "<unnamed>"
        qualified = f"{self.namespace}/{name}" if self.namespace else name
        return f"{self.kind or 'object'} {qualified}"


@dataclass
class HostPathSource:
    """A ``hostPath`` volume source: its mapping, ``path`` and ``type``."""

    node: MappingNode
    path_node: Node | None
    type_node: Node | None

    @property
    def path(self) -> str | None:
        return string_value(self.path_node)

    @property
    def type(self) -> str | None:
        return string_value(self.type_node)


@dataclass
class Volume:
    """An entry of a pod's ``volumes``."""

    node: MappingNode
    path: YamlPath
    name: str | None
    host_path: HostPathSource | None


@dataclass
class Mount:
    """An entry of a container's ``volumeMounts``, with the volume it names when there is one."""

    container: Container
    node: MappingNode
    path: YamlPath
    index: int
    volume: Volume | None = None

    def field(self, name: str) -> Entry | None:
        return entry(self.node, name)

    def value(self, name: str) -> Node | None:
        return get(self.node, name)

    def text(self, name: str) -> str | None:
        return string_value(get(self.node, name))

    @property
    def name(self) -> str | None:
        return self.text("name")

    @property
    def mount_path(self) -> str | None:
        return self.text("mountPath")

    @property
    def host_path(self) -> HostPathSource | None:
        return self.volume.host_path if self.volume is not None else None

    @property
    def pod(self) -> PodSpec:
        return self.container.pod


@dataclass
class Container:
    """A container of any kind (``containers``, ``initContainers``, ``ephemeralContainers``)."""

    pod: PodSpec
    kind: str
    index: int
    node: MappingNode
    path: YamlPath
    mounts: list[Mount] = field(default_factory=list)

    @property
    def name(self) -> str | None:
        return string_value(get(self.node, "name"))

    @property
    def privileged(self) -> bool:
        return bool_value(get_path(self.node, "securityContext", "privileged")) is True

    @property
    def label(self) -> str:
        kind = {"initContainers": "init container", "ephemeralContainers": "ephemeral container"}
        return f"{kind.get(self.kind, 'container')} {self.name or f'#{self.index}'!s}"


@dataclass
class PodSpec:
    """A pod spec, wherever it is embedded."""

    obj: K8sObject
    node: MappingNode
    path: YamlPath
    volumes: list[Volume] = field(default_factory=list)
    containers: list[Container] = field(default_factory=list)

    @property
    def volumes_by_name(self) -> dict[str, Volume]:
        return {volume.name: volume for volume in self.volumes if volume.name}

    @property
    def is_windows(self) -> bool:
        """``spec.os.name: windows``, or a nodeSelector that only admits Windows nodes."""
        if string_value(get_path(self.node, "os", "name")) == "windows":
            return True
        selector = get_path(self.node, "nodeSelector", "kubernetes.io/os")
        return string_value(selector) == "windows"

    def mounts(self) -> Iterator[Mount]:
        for container in self.containers:
            yield from container.mounts


@dataclass
class PersistentVolume:
    """A PersistentVolume with a ``hostPath`` source."""

    obj: K8sObject
    spec: MappingNode
    path: YamlPath
    host_path: HostPathSource


@dataclass
class HostPathUse:
    """A ``hostPath`` source wherever it is declared: a pod volume or a PersistentVolume.

    For a pod volume, ``mounts`` are the volumeMounts (of any container kind) that use it.
    """

    source: HostPathSource
    obj: K8sObject
    path: YamlPath  #: of the ``hostPath`` mapping
    volume: Volume | None = None
    pod: PodSpec | None = None
    persistent_volume: PersistentVolume | None = None

    @property
    def mounts(self) -> list[Mount]:
        if self.pod is None or self.volume is None:
            return []
        return [mount for mount in self.pod.mounts() if mount.volume is self.volume]


@dataclass
class Workloads:
    """Everything mountlint checks in one document."""

    objects: list[K8sObject] = field(default_factory=list)
    pod_specs: list[PodSpec] = field(default_factory=list)
    persistent_volumes: list[PersistentVolume] = field(default_factory=list)

    def host_paths(self) -> Iterator[HostPathUse]:
        """Every hostPath source: pod volumes first, then PersistentVolumes."""
        for pod in self.pod_specs:
            for volume in pod.volumes:
                if volume.host_path is not None:
                    yield HostPathUse(
                        source=volume.host_path,
                        obj=pod.obj,
                        path=(*volume.path, "hostPath"),
                        volume=volume,
                        pod=pod,
                    )
        for persistent_volume in self.persistent_volumes:
            yield HostPathUse(
                source=persistent_volume.host_path,
                obj=persistent_volume.obj,
                path=(*persistent_volume.path, "hostPath"),
                persistent_volume=persistent_volume,
            )


def find_workloads(document: Document) -> Workloads:
    """Find every object, pod spec and hostPath PersistentVolume in a document."""
    found = Workloads()
    for obj in _objects(document.root, ()):
        found.objects.append(obj)
        _read_object(obj, found)
    return found


def _objects(node: Node, path: YamlPath, depth: int = 0) -> Iterator[K8sObject]:
    if not isinstance(node, MappingNode) or depth > 8:
        return
    kind = string_value(get(node, "kind"))
    metadata = get(node, "metadata")
    obj = K8sObject(
        node=node,
        path=path,
        kind=kind,
        api_version=string_value(get(node, "apiVersion")),
        name=string_value(get(metadata, "name")),
        namespace=string_value(get(metadata, "namespace")),
    )
    if kind is not None and kind.endswith("List") and isinstance(get(node, "items"), SequenceNode):
        for index, item in enumerate(items(get(node, "items"))):
            yield from _objects(item, (*path, "items", index), depth + 1)
        return
    yield obj


def _read_object(obj: K8sObject, found: Workloads) -> None:
    if obj.kind == "PersistentVolume":
        spec = get(obj.node, "spec")
        host_path = _host_path(get(spec, "hostPath"))
        if isinstance(spec, MappingNode) and host_path is not None:
            found.persistent_volumes.append(
                PersistentVolume(obj, spec, (*obj.path, "spec"), host_path)
            )
        return
    keys = POD_SPEC_PATHS.get(obj.kind or "")
    if keys is not None:
        spec = get_path(obj.node, *keys)
        if isinstance(spec, MappingNode):
            found.pod_specs.append(_pod_spec(obj, spec, (*obj.path, *keys)))
            return
    for spec, path in _search_pod_specs(obj.node, obj.path):
        found.pod_specs.append(_pod_spec(obj, spec, path))


def _looks_like_pod_spec(node: MappingNode) -> bool:
    containers = get(node, "containers")
    if not isinstance(containers, SequenceNode) or not containers.value:
        return False
    if not all(isinstance(item, MappingNode) for item in containers.value):
        return False
    if isinstance(get(node, "volumes"), SequenceNode):
        return True
    return any(get(item, "volumeMounts") is not None for item in containers.value)


def _search_pod_specs(
    root: MappingNode, root_path: YamlPath
) -> Iterator[tuple[MappingNode, YamlPath]]:
    """Pod-spec-shaped mappings anywhere under ``root`` (each node visited once)."""
    seen: set[int] = set()
    stack: list[tuple[Node, YamlPath, int]] = [(root, root_path, 0)]
    while stack:
        node, path, depth = stack.pop()
        if id(node) in seen or depth > _MAX_SEARCH_DEPTH:
            continue
        seen.add(id(node))
        if isinstance(node, MappingNode):
            if depth > 0 and _looks_like_pod_spec(node):
                yield node, path
                continue
            children = [
                (item.value, (*path, str(item.key.value)), depth + 1)
                for item in entries(node)
                if not (depth == 0 and item.key.value in _NOT_SEARCHED)
            ]
            stack.extend(reversed(children))
        elif isinstance(node, SequenceNode):
            stack.extend(
                reversed(
                    [(item, (*path, index), depth + 1) for index, item in enumerate(node.value)]
                )
            )


def _host_path(node: Node | None) -> HostPathSource | None:
    if not isinstance(node, MappingNode):
        return None
    return HostPathSource(node=node, path_node=get(node, "path"), type_node=get(node, "type"))


def _pod_spec(obj: K8sObject, node: MappingNode, path: YamlPath) -> PodSpec:
    pod = PodSpec(obj=obj, node=node, path=path)
    for index, item in enumerate(items(get(node, "volumes"))):
        if isinstance(item, MappingNode):
            pod.volumes.append(
                Volume(
                    node=item,
                    path=(*path, "volumes", index),
                    name=string_value(get(item, "name")),
                    host_path=_host_path(get(item, "hostPath")),
                )
            )
    by_name = pod.volumes_by_name
    for kind in CONTAINER_KINDS:
        for index, item in enumerate(items(get(node, kind))):
            if not isinstance(item, MappingNode):
                continue
            container = Container(
                pod=pod, kind=kind, index=index, node=item, path=(*path, kind, index)
            )
            for mount_index, mount_node in enumerate(items(get(item, "volumeMounts"))):
                if isinstance(mount_node, MappingNode):
                    mount = Mount(
                        container=container,
                        node=mount_node,
                        path=(*container.path, "volumeMounts", mount_index),
                        index=mount_index,
                    )
                    name = mount.name
                    mount.volume = by_name.get(name) if name else None
                    container.mounts.append(mount)
            pod.containers.append(container)
    return pod


_PATH_TOKEN = re.compile(r"([^.\[\]]+)|\[(\d+)\]")
_ITEM_KEYS = ("mountPath", "devicePath", "name")


def semantic_path(root: Node, field_path: str) -> str:
    """``field_path`` with list indexes replaced by the items' names, for stable fingerprints.

    ``spec.containers[1].volumeMounts[0]`` becomes ``spec.containers[app].volumeMounts[/rootfs]``:
    it survives reordering, inserted lines and reformatting, and still tells two mounts apart.
    """
    out = ""
    node: Node | None = root
    for match in _PATH_TOKEN.finditer(field_path):
        key, index = match.groups()
        if key is not None:
            out += f".{key}" if out else key
            node = get(node, key)
            continue
        item = (
            items(node)[int(index)] if node is not None and int(index) < len(items(node)) else None
        )
        out += f"[{_item_label(item, int(index))}]"
        node = item
    return out


def _item_label(item: Node | None, index: int) -> str:
    if isinstance(item, MappingNode):
        kind = string_value(get(item, "kind"))
        name = string_value(get_path(item, "metadata", "name"))
        if kind and name:
            return f"{kind}/{name}"
        for key in _ITEM_KEYS:
            value = string_value(get(item, key))
            if value:
                return value
    return str(index)
