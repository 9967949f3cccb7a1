"""Only kustomizations whose closure can hold a finding are built, and that changes no finding."""

from __future__ import annotations

import textwrap
from pathlib import Path
from typing import Any

import pytest

from mountlint.findings import Finding
from mountlint.kustomize import (
    build_command,
    expects_findings,
    find_roots,
    lint_roots,
    needs_build,
    read_inputs,
)
from mountlint.settings import Settings

MOUNTED = textwrap.dedent(
    """\
    apiVersion: v1
    kind: Pod
    metadata: {name: agent}
    spec:
      containers:
        - name: agent
          image: busybox
          volumeMounts: [{name: root, mountPath: /host}]
      volumes:
        - name: root
          hostPath: {path: /}
    """
)
PLAIN = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: settings}\ndata: {level: debug}\n"


def _kustomization(directory: Path, text: str, **files: str) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "kustomization.yaml").write_text(textwrap.dedent(text))
    for name, content in files.items():
        (directory / name.replace("_", ".")).write_text(content)
    return directory


def test_a_closure_without_mounts_is_not_built(tmp_path: Path) -> None:
    base = _kustomization(tmp_path / "base", "resources: [cm.yaml]\n", cm_yaml=PLAIN)
    overlay = _kustomization(tmp_path / "overlay", "resources: [../base]\nnamePrefix: a-\n")
    assert not needs_build(base)
    assert not needs_build(overlay)


@pytest.mark.parametrize(
    ("kustomization", "files"),
    [
        ("resources: [pod.yaml]\n", {"pod_yaml": MOUNTED}),
        ("resources: [../base]\n", {}),  # the mount is in the base
        ("resources: [cm.yaml]\npatches:\n- path: mount.yaml\n", {"mount_yaml": MOUNTED}),
        (
            "resources: [cm.yaml]\npatches:\n- patch: |-\n    - op: add\n"
            "      path: /spec/volumes/0/hostPath\n      value: {path: /}\n",
            {},
        ),
        ("resources: [https://example.com/pod.yaml]\n", {}),
        ("resources: [github.com/example/repo//deploy?ref=main]\n", {}),
        ("resources: [missing.yaml]\n", {}),
        ("resources: [../nowhere]\n", {}),
        ("helmCharts:\n- name: agent\n  repo: https://example.com/charts\n", {}),
        ("resources: [cm.yaml]\nconfigurations: [fields.yaml]\n", {"fields_yaml": "hostPath"}),
        ("resources: [cm.yaml]\nconfigurations: [missing.yaml]\n", {}),
        ("resources: [escaped.yaml]\n", {"escaped_yaml": '{"host\\u0050ath": {}}\n'}),
        ("resources: [escaped.yaml]\n", {"escaped_yaml": 'a: "host\\\n  Path"\n'}),
        ("resources: [cm.yaml\n", {}),  # a kustomization that does not parse
        ("", {}),  # an empty kustomization: the build says so
        ("- cm.yaml\n", {}),
        ("kind: Kustomization\n", {}),
    ],
)
def test_a_closure_that_may_hold_a_finding_is_built(
    tmp_path: Path, kustomization: str, files: dict[str, str]
) -> None:
    _kustomization(tmp_path / "base", "resources: [pod.yaml]\n", pod_yaml=MOUNTED)
    overlay = _kustomization(tmp_path / "overlay", kustomization, cm_yaml=PLAIN, **files)
    assert needs_build(overlay)


CRD = textwrap.dedent(
    """\
    apiVersion: apiextensions.k8s.io/v1
    kind: CustomResourceDefinition
    metadata: {name: agents.example.com}
    spec:
      versions:
        - name: v1
          schema:
            openAPIV3Schema:
              properties:
                volumeMounts: {type: array}
                hostPath: {type: object}
    """
)


EMPTY_DIR = textwrap.dedent(
    """\
    apiVersion: v1
    kind: Pod
    metadata: {name: web}
    spec:
      containers:
        - name: web
          image: busybox
          volumeMounts: [{name: cache, mountPath: /cache}]
      volumes:
        - name: cache
          emptyDir: {}
    """
)


def test_a_schema_that_names_mounts_is_not_built_unless_patched_with_one(tmp_path: Path) -> None:
    crds = _kustomization(tmp_path / "crds", "resources: [crd.yaml]\n", crd_yaml=CRD)
    assert not needs_build(crds)
    (crds / "kustomization.yaml").write_text("resources: [crd.yaml]\npatches: [{path: p.yaml}]\n")
    (crds / "p.yaml").write_text(CRD)  # a patch: what it says is merged wherever it lands
    assert needs_build(crds)
    (crds / "crd.yaml").write_text(CRD + "---\n" + MOUNTED)
    (crds / "kustomization.yaml").write_text("resources: [crd.yaml]\n")
    assert needs_build(crds)


@pytest.mark.parametrize(
    ("kustomization", "files", "expected"),
    [
        ("resources: [pod.yaml]\n", {"pod_yaml": MOUNTED}, True),
        ("resources: [../base]\nnamePrefix: a-\n", {}, True),  # the base mounts a host path
        ("resources: [cm.yaml]\npatches:\n- path: mount.yaml\n", {"mount_yaml": MOUNTED}, True),
        ("resources: [crd.yaml]\npatches: [{path: crd.yaml}]\n", {"crd_yaml": CRD}, True),
        ("resources: [crd.yaml]\n", {"crd_yaml": CRD}, False),  # only a schema names it
        ("resources: [crd.yaml, web.yaml]\n", {"crd_yaml": CRD, "web_yaml": EMPTY_DIR}, False),
        ("resources: [web.yaml]\n", {"web_yaml": EMPTY_DIR}, False),
        ("resources: [https://example.com/pod.yaml]\n", {}, False),  # unknown: built plain
    ],
)
def test_a_closure_that_mounts_a_host_path_expects_findings(
    tmp_path: Path, kustomization: str, files: dict[str, str], expected: bool
) -> None:
    """Such roots are built with origin annotations at once, to locate the findings they
    likely hold; the others without, and again with them only when they hold findings."""
    _kustomization(tmp_path / "base", "resources: [pod.yaml]\n", pod_yaml=MOUNTED)
    overlay = _kustomization(tmp_path / "overlay", kustomization, cm_yaml=PLAIN, **files)
    assert expects_findings(read_inputs(overlay)) is expected


def test_an_unreadable_resource_means_a_build(tmp_path: Path) -> None:
    overlay = _kustomization(tmp_path / "overlay", "resources: [cm.yaml]\n", cm_yaml=PLAIN)
    (overlay / "cm.yaml").chmod(0)
    try:
        assert needs_build(overlay) or (overlay / "cm.yaml").stat().st_uid == 0
    finally:
        (overlay / "cm.yaml").chmod(0o644)


def _keys(findings: list[Finding]) -> list[tuple[Any, ...]]:
    return [
        (
            f.location.path,
            f.location.line,
            f.location.column,
            f.rule.code,
            f.message,
            f.explanation,
            tuple((r.location.path, r.location.line, r.message) for r in f.related),
            f.fix,
        )
        for f in findings
    ]


@pytest.mark.slow
@pytest.mark.skipif(build_command() is None, reason="neither kustomize nor kubectl is on PATH")
@pytest.mark.parametrize("part", ["kustomize", "large"])
def test_skipping_builds_changes_no_finding_on_the_corpus(corpus: Path, part: str) -> None:
    roots = find_roots([corpus / part])
    skipped = [root for root in roots if not needs_build(root)]
    assert skipped, "nothing to compare"
    settings = Settings()
    both = [
        lint_roots(roots, lambda _path: settings, str, jobs=2, skip_inert=skip)
        for skip in (True, False)
    ]
    assert _keys(both[0].findings) == _keys(both[1].findings)
    assert both[0].consumed >= both[1].consumed
