"""The one place that finds pod specs, containers, mounts and volumes in any Kubernetes object.

Built-in workload kinds are read at their known paths; ``List`` items are unpacked; anything else
(custom resources such as Argo Rollouts or OpenKruise workloads) is searched for pod-spec-shaped
mappings. Every node keeps its indexed YAML path for messages
(``spec.template.spec.containers[0]``).
Fields of the wrong type are read as absent here; the rules that care report them.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import field

from mountlint.paths import canon, has_backsteps, is_windows_path, join_sub_path
from mountlint.records import record
from mountlint.rule import Related
from mountlint.yamlnodes import (
    Document,
    Entry,
    MappingNode,
    Node,
    ScalarNode,
    SequenceNode,
    bool_value,
    entries,
    entry,
    get,
    get_path,
    is_null,
    items,
    scalar_text,
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

#: Built-in kinds that never embed a pod spec; custom resources are searched for one.
WITHOUT_POD_SPECS = frozenset(
    {
        "CustomResourceDefinition",
        "ConfigMap",
        "Secret",
        "Service",
        "ServiceAccount",
        "Namespace",
        "Role",
        "ClusterRole",
        "RoleBinding",
        "ClusterRoleBinding",
        "NetworkPolicy",
        "Ingress",
        "IngressClass",
        "PersistentVolumeClaim",
        "StorageClass",
        "PriorityClass",
        "PodDisruptionBudget",
        "HorizontalPodAutoscaler",
        "LimitRange",
        "ResourceQuota",
        "Endpoints",
        "EndpointSlice",
        "APIService",
        "ValidatingWebhookConfiguration",
        "MutatingWebhookConfiguration",
        "ValidatingAdmissionPolicy",
        "ValidatingAdmissionPolicyBinding",
        "CSIDriver",
        "RuntimeClass",
    }
)

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


@record
class K8sObject:
    """A top-level object (or an item of a List) with its identity."""

    node: MappingNode
    path: YamlPath
    kind: str | None
    api_version: str | None
    name: str | None
    namespace: str | None
    #: read from a cluster (``kubectl get -o yaml``), not from a file someone edits
    live: bool = False

    @property
    def reference(self) -> str:
        """``Deployment/kube-system/agent``: how a live object is named instead of by a line."""
        return "/".join(part for part in (self.kind, self.namespace, self.name) if part)

    @property
    def label(self) -> str:
        """``Deployment/rootfsmount`` (namespaced when known), for messages."""
        name = self.name or "<unnamed>"
        qualified = f"{self.namespace}/{name}" if self.namespace else name
        return f"{self.kind or 'object'} {qualified}"


@record
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


@record
class Volume:
    """An entry of a pod's ``volumes``."""

    node: MappingNode
    path: YamlPath
    name: str | None
    host_path: HostPathSource | None


@record
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

    @property
    def writable(self) -> str | None:
        """How the mount is not ``readOnly: true``, in words; None when it is read-only.

        A ``readOnly`` of another type (the string ``"true"``) counts as read-only here: the API
        server's decoder rejects it before anything else.
        """
        read_only = self.field("readOnly")
        if read_only is None:
            return "without readOnly"
        if is_null(read_only.value):
            return "with an empty readOnly"
        if bool_value(read_only.value) is False:
            return f"with readOnly: {scalar_text(read_only.value)}"
        return None

    def read_only_site(self) -> tuple[Node, YamlPath]:
        """Where to report a missing or false ``readOnly``: its value, else the volumeMount.

        A value merged in with ``<<`` lives in the anchor, so the volumeMount is reported instead.
        """
        read_only = self.field("readOnly")
        if read_only is not None and not read_only.inherited:
            return read_only.value, (*self.path, "readOnly")
        return self.node, self.path

    @property
    def recursive_read_only(self) -> bool:
        """``recursiveReadOnly: Enabled`` or ``IfPossible``: submounts are made read-only too."""
        return self.text("recursiveReadOnly") in ("Enabled", "IfPossible")

    @property
    def sub_path(self) -> str | None:
        """The ``subPath`` when it names a directory inside the volume (relative, no ``..``).

        ``subPathExpr`` is expanded only at run time, and an absolute or ``..`` subPath is
        rejected by the API server: neither narrows what the mount exposes.
        """
        sub_path = self.text("subPath")
        if not sub_path or sub_path.startswith("/") or has_backsteps(sub_path):
            return None
        return sub_path

    def exposed_host_path(self, path: str) -> str:
        """The canonical host path this mount of host ``path`` really binds (``subPath`` joined)."""
        sub_path = self.sub_path
        return join_sub_path(path, sub_path) if sub_path else canon(path)

    @property
    def windows_evidence(self) -> str | None:
        """Why this mount runs on Windows, in words for messages; None when nothing says so."""
        pod = self.pod
        if pod.declares_windows:
            return "the pod declares spec.os.name: windows"
        if pod.is_windows:
            return "the pod only runs on nodes labelled kubernetes.io/os: windows"
        mount_path = self.mount_path
        if mount_path and is_windows_path(mount_path):
            return f"mountPath '{mount_path}' is a Windows path"
        host = self.host_path
        if host is not None and host.path and is_windows_path(host.path):
            return f"hostPath '{host.path}' is a Windows path"
        return None


@record
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


@record
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
    def declares_windows(self) -> bool:
        """``spec.os.name: windows``: the only Windows signal the API server validates against."""
        return string_value(get_path(self.node, "os", "name")) == "windows"

    @property
    def is_windows(self) -> bool:
        """``spec.os.name: windows``, or a nodeSelector that only admits Windows nodes."""
        if self.declares_windows:
            return True
        selector = get_path(self.node, "nodeSelector", "kubernetes.io/os")
        return string_value(selector) == "windows"

    def mounts(self) -> Iterator[Mount]:
        for container in self.containers:
            yield from container.mounts

    def mounts_of(self, volume: Volume) -> list[Mount]:
        """The volumeMounts (of any container kind) that use ``volume``."""
        return [mount for mount in self.mounts() if mount.volume is volume]


@record
class PersistentVolume:
    """A PersistentVolume with a ``hostPath`` source."""

    obj: K8sObject
    spec: MappingNode
    path: YamlPath
    host_path: HostPathSource


@record
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
        return self.pod.mounts_of(self.volume)

    @property
    def holder(self) -> MappingNode:
        """The mapping with the ``hostPath`` key: the pod volume, or the PersistentVolume's spec."""
        if self.volume is not None:
            return self.volume.node
        assert self.persistent_volume is not None
        return self.persistent_volume.spec

    @property
    def owner(self) -> str:
        """``volume 'logs'`` or ``PersistentVolume 'pv-logs'``: what declares the source."""
        if self.volume is not None:
            return f"volume '{self.volume.name}'"
        return f"PersistentVolume '{self.obj.name}'"

    @property
    def label(self) -> str:
        """``hostPath volume 'logs'`` or ``hostPath PersistentVolume 'pv-logs'``, for messages."""
        return f"hostPath {self.owner}"

    @property
    def is_windows(self) -> bool:
        """Whether the pod that declares the volume runs on Windows (a PersistentVolume: no)."""
        return self.pod is not None and self.pod.is_windows

    @property
    def path_node(self) -> Node:
        """Where findings about the path go: its value, else the hostPath mapping."""
        return self.source.path_node or self.source.node

    @property
    def linux_path(self) -> str | None:
        """The path as written when it is a non-empty Linux path (relative or absolute)."""
        path = self.source.path
        if self.source.path_node is None or not path or is_windows_path(path):
            return None
        return path

    @property
    def unmounted(self) -> str:
        """Why a source no container of this document mounts is exposed all the same, in words."""
        if self.pod is not None:
            return "no container mounts it yet, but an ephemeral container (kubectl debug) can"
        return "every pod whose claim binds this PersistentVolume mounts it"

    def exposure(self, find: Callable[[str], list[str]]) -> Exposure | None:
        """What this source exposes, by ``find`` (canonical path -> what is there); None: nothing.

        Each mount is judged by the host path it really binds: the volume's path, narrowed by a
        plain ``subPath``. A source that nothing here mounts is judged by its whole path, and its
        exposure has no mounts.
        """
        path = self.source.path or ""
        mounts = self.mounts
        if not mounts:
            hits = find(canon(path))
            return Exposure(self, [], canon(path), hits) if hits else None
        found = [
            (mount, source, hits)
            for mount in mounts
            for source in (mount.exposed_host_path(path),)
            for hits in (find(source),)
            if hits
        ]
        if not found:
            return None
        _, source, hits = found[0]
        return Exposure(self, [mount for mount, _, _ in found], source, hits)

    @property
    def repeats_earlier_volume(self) -> bool:
        """Whether an earlier volume of the same pod has this very hostPath (a YAML alias).

        It is one text in the file, so a finding about the text is reported once.
        """
        path_node = self.source.path_node
        if self.pod is None or self.volume is None or path_node is None:
            return False
        for volume in self.pod.volumes:
            if volume is self.volume:
                return False
            if volume.host_path is not None and volume.host_path.path_node is path_node:
                return True
        return False


@record(frozen=True)
class Exposure:
    """The mounts of a hostPath source that expose something, and what the first one exposes.

    ``mounts`` is empty for a source that nothing in the document mounts.
    """

    use: HostPathUse
    mounts: list[Mount]
    source: str  #: the canonical host path the first mount binds
    hits: list[str]  #: what was found at ``source``

    @property
    def narrowed(self) -> bool:
        """Whether a ``subPath`` narrows the first mount to less than the whole volume."""
        return self.source != canon(self.use.source.path or "")

    @property
    def shown_path(self) -> str:
        """The host path to name in messages: as written, or the one a subPath narrows it to."""
        return self.source if self.narrowed else self.use.source.path or ""

    @property
    def subject(self) -> str:
        """``hostPath volume 'run'``, with the volume's path when a subPath narrows it."""
        if self.narrowed:
            return f"{self.use.label} (host '{self.use.source.path}')"
        return self.use.label

    @property
    def where(self) -> str:
        """``to container app at '/host'``, with the subPath and the number of other mounts.

        Only for an exposure through mounts.
        """
        mount = self.mounts[0]
        through = f" through subPath '{mount.text('subPath')}'" if self.narrowed else ""
        others = len(self.mounts) - 1
        more = f" and {others} more mount{'s' if others > 1 else ''}" if others else ""
        return f"to {mount.container.label} at '{mount.mount_path}'{through}{more}"

    @property
    def related(self) -> tuple[Related, ...]:
        """The volume, then every mount that exposes something."""
        return (
            Related(self.use.holder, self.use.label),
            *(
                Related(mount.node, f"mounted at '{mount.mount_path}' in {mount.container.label}")
                for mount in self.mounts
            ),
        )


@record
class Workloads:
    """Everything mountlint checks in one document."""

    objects: list[K8sObject] = field(default_factory=list)
    pod_specs: list[PodSpec] = field(default_factory=list)
    persistent_volumes: list[PersistentVolume] = field(default_factory=list)

    def release(self) -> None:
        """Drop the lists that hold containers and mounts once the rules have run.

        A container links back to its pod and a mount to its container: those reference cycles
        would keep a document's whole node tree alive until the next full garbage collection.
        """
        for pod in self.pod_specs:
            for container in pod.containers:
                container.mounts.clear()
            pod.containers.clear()

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


def _objects(
    node: Node, path: YamlPath, depth: int = 0, in_live_list: bool = False
) -> Iterator[K8sObject]:
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
        live=in_live_list or _is_live(node),
    )
    if kind is not None and kind.endswith("List") and isinstance(get(node, "items"), SequenceNode):
        # kubectl's List always has metadata.resourceVersion (empty); a hand-written one has not
        from_kubectl = kind == "List" and get(metadata, "resourceVersion") is not None
        for index, item in enumerate(items(get(node, "items"))):
            yield from _objects(item, (*path, "items", index), depth + 1, from_kubectl)
        return
    yield obj


def _is_live(node: MappingNode) -> bool:
    """Whether the object was read from a cluster: the API server set its uid, its
    resourceVersion or its status. ``status: {}`` and ``creationTimestamp: null`` come from
    ``--dry-run -o yaml`` output that is kept in repositories, so they do not count."""
    metadata = get(node, "metadata")
    if _scalar(get(metadata, "uid")) or _scalar(get(metadata, "resourceVersion")):
        return True
    status = get(node, "status")
    return isinstance(status, MappingNode) and bool(status.value)


def controlled_in_stream(objects: list[K8sObject]) -> set[int]:
    """The objects (by ``id``) whose controller, named in ``ownerReferences``, is in ``objects``.

    ``kubectl get pods,deployments,replicasets -o yaml`` lists each replica next to its
    ReplicaSet and Deployment; the pods' specs are the template's, so they are reported once,
    at the controller at the top of the chain. Owners are matched by uid, else by kind,
    namespace and name. An object only drops out when its chain of controllers ends at an
    object that is reported: one that names itself, or a cycle of owners, hides nothing.
    """
    by_uid = {uid: obj for obj in objects if (uid := _uid(obj))}
    by_name: dict[tuple[str | None, str | None, str | None], K8sObject] = {
        (obj.kind, obj.namespace, obj.name): obj for obj in objects if obj.kind and obj.name
    }
    controller: dict[int, K8sObject] = {}
    for obj in objects:
        owner = _controller(obj, by_uid, by_name)
        if owner is not None and owner is not obj:
            controller[id(obj)] = owner
    tops: dict[int, K8sObject | None] = {}
    return {
        id(obj)
        for obj in objects
        if (top := _top_controller(obj, controller, tops)) is not None and top is not obj
    }


def _top_controller(
    obj: K8sObject, controller: dict[int, K8sObject], tops: dict[int, K8sObject | None]
) -> K8sObject | None:
    """The object at the top of ``obj``'s chain of controllers (``obj`` itself when it has
    none), or None when the chain runs into a cycle; ``tops`` remembers each chain walked, so
    all the chains together cost time linear in the number of objects."""
    walked: list[K8sObject] = []
    seen: set[int] = set()
    current = obj
    while True:
        if id(current) in tops:
            top = tops[id(current)]
            break
        if id(current) in seen:
            top = None  # a cycle of owners: nobody is reported for the others
            break
        seen.add(id(current))
        walked.append(current)
        owner = controller.get(id(current))
        if owner is None:
            top = current
            break
        current = owner
    for item in walked:
        tops[id(item)] = top
    return top


def _controller(
    obj: K8sObject,
    by_uid: dict[str, K8sObject],
    by_name: dict[tuple[str | None, str | None, str | None], K8sObject],
) -> K8sObject | None:
    """The object of the stream that ``obj``'s controlling owner reference names, if any."""
    for reference in items(get_path(obj.node, "metadata", "ownerReferences")):
        if bool_value(get(reference, "controller")) is not True:
            continue
        uid = _scalar(get(reference, "uid"))
        if uid:
            return by_uid.get(uid)
        kind = string_value(get(reference, "kind"))
        return by_name.get((kind, obj.namespace, string_value(get(reference, "name"))))
    return None


def _uid(obj: K8sObject) -> str | None:
    return _scalar(get_path(obj.node, "metadata", "uid"))


def _scalar(node: Node | None) -> str | None:
    """A scalar's text whatever its type (``uid: 1234`` is read as a number), None when empty."""
    if not isinstance(node, ScalarNode) or is_null(node):
        return None
    return str(node.value) or None


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
    if obj.kind in WITHOUT_POD_SPECS:
        return
    for spec, path in _search_pod_specs(obj.node, obj.path):
        found.pod_specs.append(_pod_spec(obj, spec, path))


def _looks_like_pod_spec(node: MappingNode) -> bool:
    if not any(isinstance(key, ScalarNode) and key.value == "containers" for key, _ in node.value):
        return False
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
