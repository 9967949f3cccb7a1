"""Auditing a cluster: ``kubectl get ... -o yaml | mountlint -``.

A replica whose controller is in the same stream is reported once, at the controller; findings
on objects read from a cluster name ``kind/namespace/name`` instead of a line.
"""

from __future__ import annotations

import json
import textwrap

import mountlint

from helpers import run_mountlint

TEMPLATE = """\
containers:
- name: agent
  image: agent:1
  volumeMounts:
  - name: host
    mountPath: /host
volumes:
- name: host
  hostPath:
    path: /var/lib
"""


def _object(
    kind: str,
    name: str,
    uid: str | None,
    owner: tuple[str, str, str | None] | None = None,
    namespace: str = "monitoring",
    controller: str = "true",
) -> str:
    metadata = [f"name: {name}", f"namespace: {namespace}"]
    if uid is not None:
        metadata.append(f"uid: {uid}")
    if owner is not None:
        owner_kind, owner_name, owner_uid = owner
        metadata.append("ownerReferences:")
        metadata.append("- apiVersion: apps/v1")
        metadata.append(f"  kind: {owner_kind}")
        metadata.append(f"  name: {owner_name}")
        if owner_uid is not None:
            metadata.append(f"  uid: {owner_uid}")
        metadata.append(f"  controller: {controller}")
    spec = textwrap.indent(TEMPLATE, "      " if kind != "Pod" else "  ")
    body = f"spec:\n  template:\n    spec:\n{spec}" if kind != "Pod" else f"spec:\n{spec}"
    return (
        f"apiVersion: {'v1' if kind == 'Pod' else 'apps/v1'}\nkind: {kind}\nmetadata:\n"
        + textwrap.indent("\n".join(metadata), "  ")
        + "\n"
        + body
    )


def kubectl_list(*objects: str) -> str:
    """What ``kubectl get -o yaml`` prints: one List, its items, an empty resourceVersion."""
    items = "".join("- " + textwrap.indent(obj, "  ")[2:] for obj in objects)
    return f'apiVersion: v1\nitems:\n{items}kind: List\nmetadata:\n  resourceVersion: ""\n'


def _objects(findings: list[mountlint.Finding]) -> list[str]:
    return [f"{finding.object}:{finding.code}" for finding in findings]


DEPLOYMENT = _object("Deployment", "agent", "d-1")
REPLICASET = _object("ReplicaSet", "agent-5d4f", "rs-1", ("Deployment", "agent", "d-1"))
PODS = [
    _object("Pod", f"agent-5d4f-{suffix}", f"p-{suffix}", ("ReplicaSet", "agent-5d4f", "rs-1"))
    for suffix in ("a", "b", "c")
]


def test_replicas_are_reported_once_at_the_controller_at_the_top() -> None:
    text = kubectl_list(*PODS, REPLICASET, DEPLOYMENT)
    findings = mountlint.lint_text(text)
    assert {str(finding.object) for finding in findings} == {"Deployment/monitoring/agent"}
    assert len(findings) == len({finding.code for finding in findings})


def test_a_pod_whose_controller_is_not_in_the_stream_is_reported_at_the_pod() -> None:
    text = kubectl_list(PODS[0])
    assert {str(f.object) for f in mountlint.lint_text(text)} == {"Pod/monitoring/agent-5d4f-a"}
    # the ReplicaSet is there but not its Deployment: reported once, at the ReplicaSet
    text = kubectl_list(*PODS, REPLICASET)
    assert {str(f.object) for f in mountlint.lint_text(text)} == {
        "ReplicaSet/monitoring/agent-5d4f"
    }


def test_owners_are_found_across_documents_and_by_name_without_uids() -> None:
    deployment = _object("Deployment", "agent", None)
    replicaset = _object("ReplicaSet", "agent-5d4f", None, ("Deployment", "agent", None))
    pod = _object("Pod", "agent-5d4f-a", None, ("ReplicaSet", "agent-5d4f", None))
    text = "\n---\n".join([pod, replicaset, deployment])
    assert {str(f.object) for f in mountlint.lint_text(text)} == {"Deployment/monitoring/agent"}


def test_an_owner_in_another_namespace_or_not_the_controller_hides_nothing() -> None:
    other = _object("Pod", "p", None, ("Deployment", "agent", None), namespace="default")
    not_controller = _object("Pod", "q", "p-q", ("Deployment", "agent", "d-1"), controller="false")
    text = kubectl_list(DEPLOYMENT, other, not_controller)
    assert {str(f.object) for f in mountlint.lint_text(text)} == {
        "Deployment/monitoring/agent",
        "Pod/default/p",
        "Pod/monitoring/q",
    }


def test_an_object_that_owns_itself_or_a_cycle_of_owners_hides_nothing() -> None:
    itself = _object("Pod", "self", "p-self", ("Pod", "self", "p-self"))
    first = _object("ReplicaSet", "one", "u-1", ("ReplicaSet", "two", "u-2"))
    second = _object("ReplicaSet", "two", "u-2", ("ReplicaSet", "one", "u-1"))
    text = kubectl_list(itself, first, second)
    assert {str(f.object) for f in mountlint.lint_text(text)} == {
        "Pod/monitoring/self",
        "ReplicaSet/monitoring/one",
        "ReplicaSet/monitoring/two",
    }


def test_hostile_owner_references_do_not_crash() -> None:
    for references in ("3", "[3, null, {controller: true}]", "{uid: x}", "[{controller: yes}]"):
        text = _object("Pod", "p", "p-1").replace(
            "  uid: p-1", f"  uid: p-1\n  ownerReferences: {references}"
        )
        assert {str(f.object) for f in mountlint.lint_text(text)} == {"Pod/monitoring/p"}


def test_live_findings_name_the_object_instead_of_a_line() -> None:
    text = kubectl_list(*PODS, REPLICASET, DEPLOYMENT)
    result = run_mountlint("-", stdin=text.encode())
    assert result.returncode == 1, result.stderr
    lines = result.stdout.splitlines()[:-1]
    assert lines and all(line.startswith("Deployment/monitoring/agent: ML") for line in lines)
    report = json.loads(run_mountlint("--format", "json", "-", stdin=text.encode()).stdout)
    objects = {json.dumps(finding["object"], sort_keys=True) for finding in report["findings"]}
    assert objects == {
        json.dumps({"kind": "Deployment", "name": "agent", "namespace": "monitoring"})
    }


def test_an_object_with_a_uid_resource_version_or_status_is_live(tmp_path: object) -> None:
    pod = _object("Pod", "p", None)
    for marker in ("  uid: 1234", '  resourceVersion: "99"'):
        live = pod.replace("  name: p", f"  name: p\n{marker}")
        assert run_mountlint("-", stdin=live.encode()).stdout.startswith("Pod/monitoring/p: ML")
    with_status = pod + "status:\n  phase: Running\n"
    assert run_mountlint("-", stdin=with_status.encode()).stdout.startswith("Pod/monitoring/p: ")


def test_manifests_in_a_repository_keep_their_lines() -> None:
    # `kubectl create --dry-run=client -o yaml` output: creationTimestamp null, status {}
    dry_run = (
        _object("Pod", "p", None).replace("  name: p", "  name: p\n  creationTimestamp: null")
        + "status: {}\n"
    )
    assert run_mountlint("-", stdin=dry_run.encode()).stdout.startswith("-:")
    # a hand-written List (kubectl apply accepts it) has no resourceVersion
    hand_written = kubectl_list(_object("Pod", "p", None)).replace(
        'metadata:\n  resourceVersion: ""\n', ""
    )
    assert run_mountlint("-", stdin=hand_written.encode()).stdout.startswith("-:")


def test_a_long_chain_of_owners_is_reported_once_at_its_top() -> None:
    count = 2000
    chain = [
        _object(
            "ReplicaSet", f"o{index}", f"u{index}", ("ReplicaSet", f"o{index + 1}", f"u{index + 1}")
        )
        if index + 1 < count
        else _object("ReplicaSet", f"o{index}", f"u{index}")
        for index in range(count)
    ]
    reported = {str(f.object) for f in mountlint.lint_text("---\n".join(chain))}
    assert reported == {f"ReplicaSet/monitoring/o{count - 1}"}
