"""Pod specs are found in every workload location of DESIGN §4, with exact indexed paths."""

from __future__ import annotations

import json
import textwrap

import pytest

from mountlint.engine import lint_text
from mountlint.settings import Settings
from mountlint.workloads import find_workloads, render_path
from mountlint.yamlnodes import parse_stream

POD_SPEC = """\
containers:
  - name: app
    image: busybox
    volumeMounts:
      - name: root
        mountPath: /rootfs
volumes:
  - name: root
    hostPath:
      path: /
"""


def _nest(keys: list[str], body: str) -> str:
    """``body`` under the mapping keys ``keys``, indented two spaces per level."""
    text = body
    for key in reversed(keys):
        text = f"{key}:\n" + textwrap.indent(text, "  ")
    return text


def _manifest(kind: str, api_version: str, keys: list[str]) -> str:
    return f"apiVersion: {api_version}\nkind: {kind}\nmetadata:\n  name: x\n" + _nest(
        keys, POD_SPEC
    )


def _ml101(text: str) -> list[tuple[str | None, str, int]]:
    findings = lint_text(text, "test.yaml", Settings(select=frozenset({"ML101"})))
    return [
        (finding.object_kind, finding.field_path, finding.location.line) for finding in findings
    ]


@pytest.mark.parametrize(
    ("kind", "api_version", "keys"),
    [
        ("Pod", "v1", ["spec"]),
        ("Deployment", "apps/v1", ["spec", "template", "spec"]),
        ("StatefulSet", "apps/v1", ["spec", "template", "spec"]),
        ("DaemonSet", "apps/v1", ["spec", "template", "spec"]),
        ("ReplicaSet", "apps/v1", ["spec", "template", "spec"]),
        ("ReplicationController", "v1", ["spec", "template", "spec"]),
        ("Job", "batch/v1", ["spec", "template", "spec"]),
        ("PodTemplate", "v1", ["template", "spec"]),
        ("CronJob", "batch/v1", ["spec", "jobTemplate", "spec", "template", "spec"]),
        ("Rollout", "argoproj.io/v1alpha1", ["spec", "template", "spec"]),
        ("CloneSet", "apps.kruise.io/v1alpha1", ["spec", "template", "spec"]),
        ("Workflow", "example.com/v1", ["spec", "stages", "build", "podSpec"]),
    ],
)
def test_every_workload_kind(kind: str, api_version: str, keys: list[str]) -> None:
    text = _manifest(kind, api_version, keys)
    prefix = ".".join(keys)
    mount_line = (
        text.splitlines().index(next(line for line in text.splitlines() if "- name: root" in line))
        + 1
    )
    assert _ml101(text) == [(kind, f"{prefix}.containers[0].volumeMounts[0]", mount_line)]


@pytest.mark.parametrize("container_kind", ["containers", "initContainers", "ephemeralContainers"])
def test_every_container_kind(container_kind: str) -> None:
    body = POD_SPEC.replace("containers:", f"{container_kind}:", 1)
    if container_kind != "containers":
        body = "containers:\n  - {name: main, image: busybox}\n" + body
    text = "apiVersion: v1\nkind: Pod\nmetadata: {name: x}\n" + _nest(["spec"], body)
    [(_kind, field_path, _line)] = _ml101(text)
    assert field_path == f"spec.{container_kind}[0].volumeMounts[0]"


def test_list_items_are_objects() -> None:
    deployment = _manifest("Deployment", "apps/v1", ["spec", "template", "spec"])
    text = "apiVersion: v1\nkind: List\nitems:\n" + textwrap.indent(
        "- " + textwrap.indent(deployment, "  ")[2:], "  "
    )
    [(kind, field_path, _line)] = _ml101(text)
    assert kind == "Deployment"
    assert field_path == "items[0].spec.template.spec.containers[0].volumeMounts[0]"


def test_typed_list_items() -> None:
    pod = _manifest("Pod", "v1", ["spec"])
    text = "apiVersion: v1\nkind: PodList\nitems:\n- " + textwrap.indent(pod, "  ")[2:]
    assert [field for _, field, _ in _ml101(text)] == [
        "items[0].spec.containers[0].volumeMounts[0]"
    ]


def test_json_manifest() -> None:
    document = {
        "apiVersion": "apps/v1",
        "kind": "DaemonSet",
        "metadata": {"name": "agent"},
        "spec": {
            "template": {
                "spec": {
                    "containers": [
                        {"name": "a", "volumeMounts": [{"name": "root", "mountPath": "/host"}]}
                    ],
                    "volumes": [{"name": "root", "hostPath": {"path": "/"}}],
                }
            }
        },
    }
    text = json.dumps(document, indent=2)
    [(kind, field_path, line)] = _ml101(text)
    assert (kind, field_path) == ("DaemonSet", "spec.template.spec.containers[0].volumeMounts[0]")
    assert text.splitlines()[line - 1].strip() == "{"


def test_multi_document_stream_keeps_lines() -> None:
    first = _manifest("Pod", "v1", ["spec"])
    text = first + "---\n" + first
    lines = [line for _, _, line in _ml101(text)]
    assert lines[1] - lines[0] == first.count("\n") + 1


def test_persistent_volume_host_path() -> None:
    text = textwrap.dedent(
        """\
        apiVersion: v1
        kind: PersistentVolume
        metadata: {name: pv}
        spec:
          capacity: {storage: 1Gi}
          hostPath:
            path: /var/lib/data
        """
    )
    found = find_workloads(parse_stream(text).documents[0])
    [volume] = found.persistent_volumes
    assert volume.host_path.path == "/var/lib/data"
    assert render_path(volume.path) == "spec"
    assert found.pod_specs == []


def test_mounts_resolve_their_volumes_and_tolerate_wrong_types() -> None:
    text = textwrap.dedent(
        """\
        apiVersion: v1
        kind: Pod
        metadata: {name: odd}
        spec:
          containers:
            - name: a
              volumeMounts: "x"
            - name: b
              volumeMounts:
                - 42
                - {name: data, mountPath: /data}
                - {name: nowhere, mountPath: /n}
            - "not a container"
          volumes:
            - {name: data, hostPath: {path: [1]}}
            - 7
        """
    )
    found = find_workloads(parse_stream(text).documents[0])
    [pod] = found.pod_specs
    assert [container.name for container in pod.containers] == ["a", "b"]
    mounts = list(pod.mounts())
    assert [render_path(mount.path) for mount in mounts] == [
        "spec.containers[1].volumeMounts[1]",
        "spec.containers[1].volumeMounts[2]",
    ]
    assert mounts[0].volume is not None and mounts[0].host_path is not None
    assert mounts[0].host_path.path is None
    assert mounts[1].volume is None
    assert _ml101(text) == []


def test_custom_resource_needs_a_pod_spec_shape() -> None:
    text = textwrap.dedent(
        """\
        apiVersion: example.com/v1
        kind: Settings
        metadata: {name: not-a-pod}
        spec:
          containers: [a, b]
          volumes: [{name: root, hostPath: {path: /}}]
        """
    )
    assert find_workloads(parse_stream(text).documents[0]).pod_specs == []


def test_alias_bomb_is_walked_once() -> None:
    lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
    for level in range(1, 30):
        previous = f"*a{level - 1}"
        lines.append(f"a{level}: &a{level} [{', '.join([previous] * 10)}]")
    text = "apiVersion: v1\nkind: Thing\nspec:\n" + textwrap.indent("\n".join(lines), "  ") + "\n"
    document = parse_stream(text).documents[0]
    assert find_workloads(document).pod_specs == []
