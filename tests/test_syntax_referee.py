"""ML001 means "kubectl would reject this too": ``kubectl kustomize`` is the referee.

Each case is a small manifest with a host mount (so mountlint parses it). The referee test puts it
alone in a kustomization, asks kubectl whether its reader accepts it, and checks that mountlint
reports ML001 exactly when kubectl does not. The answer kubectl gave when the case was written is
recorded too, so a kubectl upgrade that changes its mind shows up as its own failure, and the
recorded answer checks mountlint where kubectl is not installed.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

import pytest

from helpers import run_mountlint

KUBECTL = shutil.which("kubectl")


def _pod(
    name: str = "p",
    args: str = "[a]",
    metadata: str = "",
    volumes: str = "  - name: host\n    hostPath: {path: /}\n",
    container: str = "",
) -> str:
    return (
        f"apiVersion: v1\nkind: Pod\nmetadata:\n  name: {name}\n{metadata}"
        f"spec:\n  containers:\n  - name: app\n    image: busybox\n    args: {args}\n{container}"
        "    volumeMounts:\n    - {name: host, mountPath: /host}\n  volumes:\n" + volumes
    )


@dataclass(frozen=True)
class Case:
    name: str
    text: str
    kubectl_reads: bool


ISSUE_EXAMPLE = (
    "apiVersion: v1\nkind: Pod\nmetadata: {name: exporter}\nspec:\n  containers:\n"
    "  - name: e\n    image: prom/node-exporter\n    args: [--listen=0.0.0.0:9100]\n"
    "    volumeMounts: [{name: r, mountPath: /rootfs}]\n"
    "  volumes: [{name: r, hostPath: {path: /}}]\n"
)

CASES = [
    # a plain scalar with ':' in a flow collection: the old libyaml in ruamel.yaml.clib rejects it
    Case("flow-colon-issue-example", ISSUE_EXAMPLE, True),
    Case("flow-colon-falco-refs", _pod(args="[falco-rules:5]"), True),
    Case("flow-colon-url", _pod(args="[http://example.com:8080/x]"), True),
    Case("flow-colon-map-value", _pod(metadata="  annotations: {note: a:b}\n"), True),
    Case("flow-colon-in-key", _pod(metadata="  annotations: {a:b: c}\n"), True),
    Case("flow-colon-adjacent", _pod(metadata="  annotations: {a:b}\n"), True),
    Case("flow-colon-json-key", _pod(metadata='  annotations: {"a":b}\n'), True),
    Case("flow-colon-trailing", _pod(args="[a:]"), True),
    Case("flow-colon-pair", _pod(args="[a: b]"), True),
    Case("flow-colon-nested-map", _pod(args="[{a: b:c}]"), True),
    Case("flow-colon-anchored", _pod(args="[&a a:b, *a]"), True),
    Case("flow-colon-crlf", _pod(args="[a:b]").replace("\n", "\r\n"), True),
    Case("flow-colon-space-in-block-value", _pod(args="a: b"), False),
    # '#'
    Case("hash-inside-flow-scalar", _pod(args="[a#b]"), True),
    Case("hash-inside-block-scalar", _pod(args="a#b"), True),
    Case("hash-quoted", _pod(args="['#a', \"b # c\"]"), True),
    Case("hash-comment-inside-flow", _pod(args="[a:b, # comment\n      c]"), True),
    Case("hash-right-after-flow", _pod(args="[a]#c"), True),
    # '?'
    Case(
        "question-explicit-key",
        _pod(volumes="  - name: host\n    ? hostPath\n    : {path: /}\n"),
        True,
    ),
    Case("question-plain-in-flow", _pod(args="[?x, a:b]"), True),
    Case("question-explicit-key-in-flow", _pod(args="[? a : b]"), True),
    Case("question-plain-in-block", _pod(args="?x"), True),
    # '-'
    Case("dash-plain-in-flow", _pod(args="[-a, --b=c:d]"), True),
    Case("dash-alone-in-flow", _pod(args="[-]"), True),
    Case("dash-entry-in-flow", _pod(args="[- a]"), False),
    Case("dash-block-entries", _pod(args="\n    - -a\n    - --b=c:d"), True),
    # '['
    Case("bracket-inside-block-scalar", _pod(args="busy[box]"), True),
    Case("bracket-inside-flow-scalar", _pod(args="[a[b]]"), False),
    Case("bracket-nested-flow", _pod(args="[[a, b:c], [d]]"), True),
    Case("bracket-quoted", _pod(args='["[a", b]'), True),
    Case("bracket-trailing-comma", _pod(args="[a, b,]"), True),
    Case("bracket-empty-entry", _pod(args="[a,,b]"), False),
    Case("bracket-unclosed", _pod(args="[a, b"), False),
    # tabs
    Case("tab-indentation", _pod().replace("\n  - name: app\n", "\n\t- name: app\n"), False),
    Case("tab-after-indentation", _pod().replace("    image:", "    \timage:"), False),
    Case(
        "tab-only-line", _pod().replace("    image: busybox\n", "    image: busybox\n\t\n"), False
    ),
    Case("tab-after-dash", _pod().replace("  - name: app", "  -\tname: app"), False),
    Case("tab-after-colon", _pod(args="\t[a:b]"), True),
    Case(
        "tab-before-colon", _pod(args="[a:b]").replace("image: busybox", "image\t: busybox"), True
    ),
    Case(
        "tab-inside-plain", _pod(args="[a:b]").replace("image: busybox", "image: busy\tbox"), True
    ),
    Case("tab-before-comment", _pod(args="[a:b]\t# c"), True),
    Case("tab-inside-flow", _pod(args="[a:b,\tc]"), True),
    Case("tab-after-marker", "---\t\n" + _pod(args="[a:b]"), True),
    # directives: kubectl splits at '---' lines, and a piece with only a directive is an error
    Case("directive-yaml-1-1", "%YAML 1.1\n---\n" + _pod(), False),
    Case("directive-yaml-1-2", "%YAML 1.2\n---\n" + _pod(), False),
    Case("directive-yaml-2-0", "%YAML 2.0\n---\n" + _pod(), False),
    Case("directive-tag", "%TAG !e! tag:example.com,2000:\n---\n" + _pod(), False),
    Case("directive-reserved", "%FOO bar\n---\n" + _pod(), False),
    Case("directive-after-comment", "# generated\n%YAML 1.1\n---\n" + _pod(), False),
    Case("directive-second-document", _pod("a") + "...\n%YAML 1.1\n---\n" + _pod("b"), True),
    Case("directive-without-marker", "%YAML 1.1\n" + _pod(), False),
    # anchors
    Case("anchor-alias-in-flow", _pod(args="[&a x:y, *a]"), True),
    Case("anchor-undefined-alias", _pod(args="[*nowhere]"), False),
    Case(
        "anchor-merge-key",
        _pod(volumes="  - &v {name: host, hostPath: {path: /}}\n  - {<<: *v, name: b:c}\n"),
        True,
    ),
    # multi-line flow collections
    Case("multiline-flow-indented", _pod(args="[\n      a:b,\n      c\n    ]"), True),
    Case("multiline-flow-less-indented", _pod(args="[a:b,\nc]"), True),
    Case("multiline-flow-closed-at-column-0", _pod(args="[a:b,\n      c\n]"), True),
    Case("multiline-flow-plain", _pod(args="[a:b\n      c]"), True),
    Case("multiline-flow-quoted", _pod(args='["a:b\n      c"]'), True),
    # document markers
    Case("marker-two-documents", _pod("a", args="[a:b]") + "---\n" + _pod("b"), True),
    Case("marker-end-of-document", _pod("a") + "...\n---\n" + _pod("b", args="[a:b]"), True),
    Case("marker-empty-documents", "---\n---\n" + _pod("a", args="[a:b]") + "---\n---\n", True),
    Case(
        "marker-flow-document",
        "--- {apiVersion: v1, kind: Pod, metadata: {name: p}, spec: {containers: "
        "[{name: a, image: b, args: [c:d], volumeMounts: [{name: h, mountPath: /h}]}], "
        "volumes: [{name: h, hostPath: {path: /}}]}}\n",
        True,
    ),
    Case("marker-with-content", "--- apiVersion: v1\n" + _pod().split("\n", 1)[1], False),
    Case("marker-inside-quoted", _pod(args='["a\n---\n b"]'), False),
    Case("marker-four-dashes", _pod() + "----\n", False),
    Case(
        "marker-middle-document-fine",
        _pod("a") + "---\n" + _pod("b", args="[a:b]") + "---\n" + _pod("c"),
        True,
    ),
    Case(
        "marker-middle-document-broken",
        _pod("a") + "---\n" + _pod("b", args="[a:b, c") + "---\n" + _pod("c"),
        False,
    ),
    # other syntax
    Case("quoted-then-text", _pod(args='"a" b'), False),
    Case(
        "implicit-key-too-long", _pod(metadata="  annotations:\n    " + "k" * 1100 + ": v\n"), False
    ),
    Case("tags-explicit", _pod(args="!!seq [!!str a:b]"), True),
    Case("block-scalar-with-flow-text", _pod(args="\n    - |\n      a: b\n      [x:y]"), True),
]


def _labels(*lines: str) -> str:
    return "  labels:\n" + "".join(f"    {line}\n" for line in lines)


CASES += [
    # duplicate mapping keys: kustomize's reader (go-yaml v3) compares scalar keys by their text
    Case("duplicate-key", _pod(metadata="  labels: {a: b, a: c}\n"), False),
    Case("duplicate-key-block", _pod(metadata=_labels("a: b", "a: c")), False),
    Case("duplicate-key-quoted-and-plain", _pod(metadata=_labels('"a": b', "a: c")), False),
    Case("duplicate-key-single-quoted", _pod(metadata=_labels("'a': b", "a: c")), False),
    Case("duplicate-key-int-and-string", _pod(metadata=_labels("1: b", '"1": c')), False),
    Case("duplicate-key-bool-and-string", _pod(metadata=_labels("true: b", '"true": c')), False),
    Case("duplicate-key-tagged", _pod(metadata=_labels("!!str a: b", "a: c")), False),
    Case("duplicate-key-explicit", _pod(metadata=_labels("? a", ": b", "a: c")), False),
    Case("duplicate-key-block-scalar", _pod(metadata=_labels("? |-", "  a", ": b", "a: c")), False),
    Case("duplicate-key-three-times", _pod(metadata=_labels("a: b", "a: c", "a: d")), False),
    Case("duplicate-key-empty", _pod(metadata=_labels('"": b', "'': c")), False),
    Case("duplicate-key-top-level", _pod(metadata="  labels: {a: b}\n  labels: {c: d}\n"), False),
    Case(
        "duplicate-key-nested",
        _pod(
            container="    resources:\n      limits: {cpu: 1}\n      requests: {cpu: 1, cpu: 2}\n"
        ),
        False,
    ),
    Case("duplicate-key-in-sequence", _pod(volumes="  - {name: host, name: host}\n"), False),
    Case(
        "duplicate-key-next-to-merge", _pod(metadata=_labels("<<: {x: y}", "a: b", "a: c")), False
    ),
    Case("duplicate-key-merge-twice", _pod(metadata=_labels("<<: {x: y}", "<<: {c: d}")), False),
    # kustomize rewrites the object's annotations before it checks keys, not a template's
    Case("duplicate-key-in-annotations", _pod(metadata="  annotations: {a: b, a: c}\n"), True),
    Case(
        "duplicate-key-annotations-twice",
        _pod(metadata="  annotations: {a: b}\n  annotations: {c: d}\n"),
        True,
    ),
    Case(
        "duplicate-key-in-template-annotations",
        "apiVersion: apps/v1\nkind: DaemonSet\nmetadata: {name: d}\nspec:\n"
        "  selector: {matchLabels: {a: b}}\n  template:\n    metadata:\n"
        "      labels: {a: b}\n      annotations: {x: y, x: z}\n    spec:\n"
        "      containers: [{name: c, image: b, volumeMounts: [{name: h, mountPath: /h}]}]\n"
        "      volumes: [{name: h, hostPath: {path: /}}]\n",
        False,
    ),
    Case("duplicate-key-case-differs", _pod(metadata=_labels("a: b", "A: c")), True),
    Case("duplicate-key-in-other-mappings", _pod(metadata=_labels("a: b", "x: {a: c}")), True),
    Case(
        "duplicate-key-amp-in-string",
        _pod(metadata='  annotations: {x: "&l"}\n' + _labels("a: b", "a: c")),
        False,
    ),
    Case(
        "duplicate-key-anchor-before",
        _pod(metadata="  labels: &l {x: y}\n  annotations:\n    a: b\n    a: c\n"),
        True,
    ),
    Case(
        "duplicate-key-overrides-merge",
        _pod(metadata="  labels: &l {a: b}\n  annotations:\n    <<: *l\n    a: c\n"),
        True,
    ),
    Case(
        "duplicate-key-with-merge-and-alias",
        _pod(metadata="  labels: &l {a: b}\n  annotations:\n    <<: *l\n    a: c\n    a: d\n"),
        True,
    ),
]

JSON_POD = (
    '{"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "NAME"}, "spec": {"containers": '
    '[{"name": "a", "image": "b", "args": ["c:d"], "volumeMounts": [{"name": "h", '
    '"mountPath": "/h"}]}], "volumes": [{"name": "h", "hostPath": {"path": "/"}}]}}'
)
CASES += [
    # JSON objects one after another, as `kubectl apply` reads them
    Case("json-one-object", JSON_POD.replace("NAME", "a") + "\n", True),
    Case("json-objects-on-lines", JSON_POD.replace("NAME", "a") + "\n" + JSON_POD + "\n", True),
    Case("json-objects-on-one-line", JSON_POD.replace("NAME", "a") + JSON_POD, True),
    Case(
        "json-objects-indented",
        "\n".join(json.dumps(json.loads(JSON_POD.replace("NAME", n)), indent=2) for n in "ab"),
        True,
    ),
]

# Known differences: mountlint and kubectl kustomize disagree on these.
KNOWN_DIFFERENCES = {
    # kustomize expands anchors before it checks keys, and then rejects some duplicates and not
    # others; mountlint does not report duplicate keys in a document with an anchor.
    "duplicate-key-anchor-after": "duplicate keys are not reported in documents with anchors",
    "duplicate-key-in-anchored-mapping": "duplicate keys are not reported in documents with anchors",
    # kustomize reads the first document between two '---' lines and ignores the rest, even when
    # it is broken; kubectl apply rejects these.
    "json-object-then-broken": "text after the first document of a piece is read, not ignored",
    "document-end-then-broken": "text after the first document of a piece is read, not ignored",
}
CASES += [
    Case(
        "duplicate-key-anchor-after",
        _pod(metadata="  labels:\n    a: b\n    a: c\n  annotations: {x: &l y}\n"),
        False,
    ),
    Case(
        "duplicate-key-in-anchored-mapping",
        _pod(metadata="  labels: &l {a: b, a: c}\n  annotations: *l\n"),
        False,
    ),
    Case("json-object-then-broken", JSON_POD.replace("NAME", "a") + '\n{"a": \n', True),
    Case("document-end-then-broken", _pod() + "...\nfoo: [\n", True),
]


def _params() -> list[object]:
    return [
        pytest.param(
            case,
            id=case.name,
            marks=[pytest.mark.xfail(reason=KNOWN_DIFFERENCES[case.name], strict=True)]
            if case.name in KNOWN_DIFFERENCES
            else [],
        )
        for case in CASES
    ]


@pytest.fixture(scope="module")
def ml001(tmp_path_factory: pytest.TempPathFactory) -> set[str]:
    """The cases mountlint reports ML001 for, from one run over all of them."""
    folder = tmp_path_factory.mktemp("syntax")
    for case in CASES:
        (folder / f"{case.name}.yaml").write_bytes(case.text.encode())
    result = run_mountlint("--format", "json", "--select", "ML001", str(folder))
    assert "Traceback" not in result.stderr
    report = json.loads(result.stdout)
    return {Path(f["location"]["path"]).stem for f in report["findings"]}


def kubectl_reads(text: str, folder: Path) -> tuple[bool, str]:
    """Whether ``kubectl kustomize`` reads ``text`` as the only resource of a kustomization."""
    assert KUBECTL is not None
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "kustomization.yaml").write_text("resources:\n- manifest.yaml\n")
    (folder / "manifest.yaml").write_bytes(text.encode())
    result = subprocess.run(
        [KUBECTL, "kustomize", str(folder)], capture_output=True, text=True, timeout=60
    )
    return result.returncode == 0, result.stderr


def test_there_are_enough_cases() -> None:
    assert len(CASES) >= 30
    assert len({case.name for case in CASES}) == len(CASES)


@pytest.mark.parametrize("case", _params())
def test_ml001_as_recorded_for_kubectl(case: Case, ml001: set[str]) -> None:
    assert (case.name in ml001) == (not case.kubectl_reads)


@pytest.mark.skipif(KUBECTL is None, reason="kubectl is not on PATH (.ci/install-k8s-tools)")
@pytest.mark.parametrize("case", _params())
def test_ml001_exactly_when_kubectl_rejects(case: Case, ml001: set[str], tmp_path: Path) -> None:
    reads, error = kubectl_reads(case.text, tmp_path / "case")
    if not reads:
        # the case tests kubectl's reader, not kustomize's checks of the objects
        assert "yaml" in error.lower() or "document separator" in error, error
    assert (case.name in ml001) == (not reads), error or "kubectl reads it"
    assert reads == case.kubectl_reads, f"kubectl changed its answer: {error or 'reads it now'}"


def test_issue_example_reports_the_host_root_mount(tmp_path: Path) -> None:
    path = tmp_path / "exporter.yaml"
    path.write_text(ISSUE_EXAMPLE)
    result = run_mountlint("--format", "json", str(path))
    report = json.loads(result.stdout)
    codes = {(f["code"], f["location"]["line"]) for f in report["findings"]}
    assert ("ML101", 9) in codes
    assert not any(code == "ML001" for code, _ in codes)


def test_falco_refs_are_read(tmp_path: Path) -> None:
    path = tmp_path / "falcoctl.yaml"
    path.write_text(_pod(args="[artifact, install, --refs, falco-rules:5]"))
    result = run_mountlint("--format", "json", "--select", "ML001,ML101", str(path))
    findings = json.loads(result.stdout)["findings"]
    assert [(f["code"], f["location"]["line"]) for f in findings] == [("ML101", 11)]


@pytest.mark.skipif(KUBECTL is None, reason="kubectl is not on PATH (.ci/install-k8s-tools)")
def test_kustomize_findings_land_in_the_flow_style_resource(tmp_path: Path) -> None:
    (tmp_path / "exporter.yaml").write_text(ISSUE_EXAMPLE)
    (tmp_path / "kustomization.yaml").write_text("resources:\n- exporter.yaml\n")
    result = run_mountlint("--format", "json", "--select", "ML101", str(tmp_path))
    findings = json.loads(result.stdout)["findings"]
    assert [(Path(f["location"]["path"]).name, f["location"]["line"]) for f in findings] == [
        ("exporter.yaml", 9)
    ]


@pytest.mark.slow
@pytest.mark.skipif(KUBECTL is None, reason="kubectl is not on PATH (.ci/install-k8s-tools)")
def test_every_corpus_ml001_is_rejected_by_kubectl(corpus: Path, tmp_path: Path) -> None:
    folders = [corpus / name for name in ("real", "helm-rendered", "large")]
    result = run_mountlint(
        "--format",
        "json",
        "--select",
        "ML001",
        "--fail-on",
        "never",
        *map(str, folders),
        timeout=900,
    )
    assert "Traceback" not in result.stderr
    paths = sorted({f["location"]["path"] for f in json.loads(result.stdout)["findings"]})
    read = []
    for number, path in enumerate(paths):
        reads, _ = kubectl_reads(Path(path).read_text(encoding="utf-8"), tmp_path / str(number))
        if reads:
            read.append(path)
    assert read == [], "ML001 on files that kubectl reads"


def test_fix_edits_documents_the_c_parser_rejected(tmp_path: Path) -> None:
    path = tmp_path / "exporters.yaml"
    path.write_text(ISSUE_EXAMPLE + "---\n" + ISSUE_EXAMPLE.replace("exporter", "second"))
    result = run_mountlint("--fix", "--select", "ML101", str(path))
    assert "2 fixed, 0 remaining" in result.stdout, result.stdout + result.stderr
    fixed = "[{name: r, mountPath: /rootfs, mountPropagation: HostToContainer}]"
    assert path.read_text().count(f"    volumeMounts: {fixed}\n") == 2
