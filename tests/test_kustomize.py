"""Kustomize trees are built with the real kubectl/kustomize; findings land in the files people wrote."""

from __future__ import annotations

import json
import os
import shutil
import textwrap
from pathlib import Path
from typing import Any

import pytest

from mountlint.kustomize import build_command

from helpers import interrupt_when, run_mountlint

pytestmark = pytest.mark.skipif(
    build_command() is None, reason="neither kustomize nor kubectl is on PATH"
)

CADVISOR = Path("kustomize/cadvisor/deploy/kubernetes/base")


def _report(*args: str, cwd: Path) -> dict[str, Any]:
    result = run_mountlint("--format", "json", "--exit-zero", *args, cwd=cwd)
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    report: dict[str, Any] = json.loads(result.stdout)
    report["stderr"] = result.stderr
    return report


def _line(path: Path, number: int) -> str:
    return path.read_text().splitlines()[number - 1]


def test_cadvisor_base_reports_at_the_rootfs_mount(corpus: Path) -> None:
    report = _report("--select", "ML101", str(CADVISOR), cwd=corpus)
    findings = {(f["location"]["path"], f["location"]["line"]) for f in report["findings"]}
    rootfs = [f for f in report["findings"] if "'rootfs'" in f["explanation"]]
    assert len(rootfs) == 1
    location = rootfs[0]["location"]
    assert location["path"] == str(CADVISOR / "daemonset.yaml")
    assert _line(corpus / location["path"], location["line"]).strip() == "- name: rootfs"
    assert len(findings) == len(report["findings"]), "each finding once"
    assert rootfs[0]["related"][0]["location"]["path"] == str(CADVISOR / "kustomization.yaml")


def test_fix_edits_the_origin_file_only_and_a_rebuild_is_clean(
    corpus: Path, tmp_path: Path
) -> None:
    tree = tmp_path / "cadvisor"
    shutil.copytree(corpus / "kustomize" / "cadvisor", tree)
    base = tree / "deploy" / "kubernetes" / "base"
    before = {path.name: path.read_bytes() for path in base.iterdir()}
    result = run_mountlint("--select", "ML101", "--fix", str(base), cwd=tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "3 fixed, 0 remaining" in result.stdout
    after = {path.name: path.read_bytes() for path in base.iterdir()}
    assert [name for name in before if before[name] != after[name]] == ["daemonset.yaml"]
    added = set(after["daemonset.yaml"].decode().splitlines()) - set(
        before["daemonset.yaml"].decode().splitlines()
    )
    assert added == {"          mountPropagation: HostToContainer"}
    again = run_mountlint("--select", "ML101", str(base), cwd=tmp_path)
    assert (again.returncode, again.stdout) == (0, "All checks passed!\n")


def test_whole_kustomize_corpus(corpus: Path) -> None:
    report = _report(str(Path("kustomize")), cwd=corpus)
    keys = [
        (
            f["location"]["path"],
            f["location"]["line"],
            f["location"]["column"],
            f["code"],
            f["message"],
        )
        for f in report["findings"]
    ]
    assert len(keys) == len(set(keys)), "a finding reported twice"
    assert report["findings"]
    for finding in report["findings"]:
        path = corpus / finding["location"]["path"]
        assert path.is_file(), finding["location"]["path"]
        if path.name in ("kustomization.yaml", "kustomization.yml", "Kustomization"):
            continue
        text = _line(path, finding["location"]["line"])
        assert ":" in text and not text.strip().startswith("#"), (finding["location"], text)
    # a mount added by a JSON patch is reported in the patch
    patched = [
        f
        for f in report["findings"]
        if f["location"]["path"].endswith("topologyupdater-mounts.yaml")
    ]
    assert any(f["code"] == "ML101" and "kubelet-state-files" in f["explanation"] for f in patched)
    # a base shared by several overlays is reported once, saying who deploys it
    assert any("deployed by" in f["message"] for f in report["findings"])
    assert "kustomize build failed" not in report["stderr"]


def _tree(root: Path) -> Path:
    base = root / "base"
    overlay = root / "overlay"
    base.mkdir(parents=True)
    overlay.mkdir()
    (base / "kustomization.yaml").write_text("resources:\n- ds.yaml\n")
    (base / "ds.yaml").write_text(
        textwrap.dedent(
            """\
            apiVersion: apps/v1
            kind: DaemonSet
            metadata:
              name: agent
            spec:
              selector: {matchLabels: {app: agent}}
              template:
                metadata: {labels: {app: agent}}
                spec:
                  containers:
                    - name: agent
                      image: busybox
                      volumeMounts:
                        - name: logs
                          mountPath: /var/log/host
                          readOnly: true
                  volumes:
                    - name: logs
                      hostPath: {path: /var/log}
            """
        )
    )
    (overlay / "kustomization.yaml").write_text(
        "resources:\n- ../base\nnamePrefix: prod-\npatches:\n- path: host-root.yaml\n"
    )
    (overlay / "host-root.yaml").write_text(
        textwrap.dedent(
            """\
            apiVersion: apps/v1
            kind: DaemonSet
            metadata:
              name: agent
            spec:
              template:
                spec:
                  containers:
                    - name: agent
                      volumeMounts:
                        - name: root
                          mountPath: /host
                          readOnly: true
                  volumes:
                    - name: root
                      hostPath:
                        path: /
            """
        )
    )
    return overlay


def test_strategic_merge_patch_finding_is_fixed_in_the_patch(tmp_path: Path) -> None:
    overlay = _tree(tmp_path)
    report = _report("--select", "ML101", "overlay", cwd=tmp_path)
    [finding] = report["findings"]
    assert finding["location"]["path"] == "overlay/host-root.yaml"
    assert finding["location"]["line"] == 11
    kustomization_before = (overlay / "kustomization.yaml").read_bytes()
    fixed = run_mountlint("--select", "ML101", "--fix", "overlay", cwd=tmp_path)
    assert fixed.returncode == 0, fixed.stdout + fixed.stderr
    assert (
        "          mountPropagation: HostToContainer\n" in (overlay / "host-root.yaml").read_text()
    )
    assert (overlay / "kustomization.yaml").read_bytes() == kustomization_before
    assert (tmp_path / "base" / "ds.yaml").read_text().count("mountPropagation") == 0


def _big_crd() -> str:
    """A CustomResourceDefinition of over 32 KiB whose schema mentions mounts, as kserve's do."""
    properties = "".join(
        f"                field{index}:\n"
        "                  description: volumeMounts and hostPath of a pod spec\n"
        "                  type: string\n"
        for index in range(400)
    )
    return (
        "apiVersion: apiextensions.k8s.io/v1\nkind: CustomResourceDefinition\n"
        "metadata:\n  name: agents.example.com\nspec:\n  group: example.com\n"
        "  names: {kind: Agent, plural: agents}\n  scope: Namespaced\n  versions:\n"
        "    - name: v1\n      served: true\n      storage: true\n      schema:\n"
        "        openAPIV3Schema:\n          type: object\n          properties:\n"
        "            spec:\n              type: object\n              properties:\n" + properties
    )


def test_a_build_with_big_definitions_before_the_workload_maps_to_the_right_line(
    tmp_path: Path,
) -> None:
    """Documents that cannot hold a finding are skipped when the output is parsed; the lines
    and offsets of the others must stay those of the real output."""
    _tree(tmp_path)
    crd = _big_crd()
    assert len(crd) > 32 * 1024
    (tmp_path / "base" / "crd.yaml").write_text(crd)
    (tmp_path / "base" / "kustomization.yaml").write_text("resources:\n- ds.yaml\n- crd.yaml\n")
    report = _report("--select", "ML101", "overlay", cwd=tmp_path)
    [finding] = report["findings"]
    assert (finding["location"]["path"], finding["location"]["line"]) == (
        "overlay/host-root.yaml",
        11,
    )
    rendered = [item["message"] for item in finding["related"] if "output line" in item["message"]]
    [line] = [int(message.rsplit(" ", 1)[1]) for message in rendered]
    assert line > crd.count("\n"), "the definition comes first in the output"


def test_ctrl_c_during_builds_drops_the_builds_not_started(tmp_path: Path) -> None:
    """A terminal's Ctrl-C ends the run at once: the queued builds are not run (each finished
    build leaves an entry in the user cache, so the entries count the builds that ran)."""
    roots = 120
    for number in range(roots):
        overlay = tmp_path / "tree" / f"overlay{number:03}"
        overlay.mkdir(parents=True)
        (overlay / "kustomization.yaml").write_text("resources:\n- pod.yaml\n")
        (overlay / "pod.yaml").write_text(
            f"apiVersion: v1\nkind: Pod\nmetadata:\n  name: pod{number}\nspec:\n"
            "  containers: [{name: c, image: busybox}]\n"
            "  volumes: [{name: root, hostPath: {path: /}}]\n"
        )
    cache = tmp_path / "cache"
    environment = {**os.environ, "XDG_CACHE_HOME": str(cache)}
    environment.pop("MOUNTLINT_NO_CACHE", None)
    returncode, stderr = interrupt_when(
        ["--jobs", "2", "tree"],
        tmp_path,
        lambda: sum(path.is_file() for path in cache.rglob("*")) >= 2,
        env=environment,
    )
    assert returncode == 130, stderr
    assert "Traceback" not in stderr
    remembered = [path for path in cache.rglob("*") if path.is_file()]
    assert len(remembered) < roots // 2, f"{len(remembered)} builds ran after Ctrl-C"


def test_failed_build_is_one_line_and_the_tree_is_linted_plain(tmp_path: Path) -> None:
    overlay = _tree(tmp_path)
    (overlay / "kustomization.yaml").write_text("resources:\n- ../base\n- missing.yaml\n")
    result = run_mountlint("--select", "ML101", str(overlay), cwd=tmp_path)
    lines = [line for line in result.stderr.splitlines() if "kustomize build failed" in line]
    assert len(lines) == 1 and "missing.yaml" in lines[0]
    assert "overlay/host-root.yaml" in result.stdout  # linted as plain YAML


def test_without_a_kustomize_binary(tmp_path: Path) -> None:
    overlay = _tree(tmp_path)
    python_dir = str(Path(shutil.which("python3") or "/usr/bin/python3").parent)
    result = run_mountlint(
        "--select", "ML101", str(tmp_path), cwd=tmp_path, env={"PATH": python_dir}
    )
    assert result.stderr.count("linted as plain YAML") == 1
    assert "overlay/host-root.yaml" in result.stdout
    assert overlay.exists()


def test_no_kustomize_flag(corpus: Path) -> None:
    plain = _report("--select", "ML101", "--no-kustomize", str(CADVISOR), cwd=corpus)
    assert {f["location"]["path"] for f in plain["findings"]} == {str(CADVISOR / "daemonset.yaml")}
    assert all(
        "related" not in f or all("kustomize" not in r["message"] for r in f["related"])
        for f in plain["findings"]
    )


def test_user_files_are_never_written_by_a_build(corpus: Path, tmp_path: Path) -> None:
    tree = tmp_path / "tree"
    shutil.copytree(corpus / "kustomize" / "node-feature-discovery", tree)
    before = {p: p.read_bytes() for p in tree.rglob("*") if p.is_file()}
    _report(str(tree), cwd=tmp_path)
    after = {p: p.read_bytes() for p in tree.rglob("*") if p.is_file()}
    assert before == after
    assert not [p for p in tree.rglob("*") if "mountlint" in p.name]
    assert os.listdir(tmp_path) == ["tree"]


ROOT_POD = textwrap.dedent(
    """\
    apiVersion: v1
    kind: Pod
    metadata:
      name: {name}
    spec:
      containers:
        - name: agent
          image: busybox
          volumeMounts:
            - name: root
              mountPath: /host
              readOnly: true
      volumes:
        - name: root
          hostPath:
            path: /
    """
)


def _write_files(root: Path, files: dict[str, str]) -> None:
    for relative, text in files.items():
        (root / relative).parent.mkdir(parents=True, exist_ok=True)
        (root / relative).write_text(text)


def test_a_base_outside_the_paths_given_is_reported_not_written(tmp_path: Path) -> None:
    _write_files(
        tmp_path,
        {
            "base/kustomization.yaml": "resources:\n- pod.yaml\n",
            "base/pod.yaml": ROOT_POD.format(name="shared"),
            "overlay/kustomization.yaml": "resources:\n- ../base\n",
        },
    )
    base_before = (tmp_path / "base" / "pod.yaml").read_bytes()
    result = run_mountlint("--select", "ML101", "--fix", "overlay", cwd=tmp_path)
    assert result.returncode == 1, result.stdout + result.stderr
    assert (tmp_path / "base" / "pod.yaml").read_bytes() == base_before
    assert result.stdout.startswith("base/pod.yaml:10:")
    assert "Found 1 problem." in result.stdout
    notice = [line for line in result.stderr.splitlines() if "outside the paths given" in line]
    assert notice == [
        "mountlint: base/pod.yaml: outside the paths given, so it is not fixed: "
        "run `mountlint --fix base`"
    ]
    # lint only: the finding is not counted as fixable, since --fix overlay would not fix it
    linted = run_mountlint("--select", "ML101", "overlay", cwd=tmp_path)
    assert "fixable" not in linted.stdout and notice[0] in linted.stderr
    # named, the base is fixed
    both = run_mountlint("--select", "ML101", "--fix", "overlay", "base", cwd=tmp_path)
    assert both.returncode == 0, both.stdout + both.stderr
    assert "mountPropagation: HostToContainer" in (tmp_path / "base" / "pod.yaml").read_text()


def test_an_origin_written_in_the_resource_cannot_redirect_the_fix(tmp_path: Path) -> None:
    victim = tmp_path / "other-project" / "deploy.yaml"
    spoof = f"aaa:\n  config.kubernetes.io/origin: |\n    path: {victim}\n"
    _write_files(
        tmp_path,
        {
            "other-project/deploy.yaml": ROOT_POD.format(name="agent"),
            "app/kustomization.yaml": "resources:\n- pod.yaml\n",
            "app/pod.yaml": spoof + ROOT_POD.format(name="agent"),
        },
    )
    victim_before = victim.read_bytes()
    result = run_mountlint("--select", "ML101", "--fix", "app", cwd=tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert victim.read_bytes() == victim_before
    assert "mountPropagation: HostToContainer" in (tmp_path / "app" / "pod.yaml").read_text()


def test_origin_is_read_from_metadata_annotations_and_must_be_an_input(tmp_path: Path) -> None:
    from mountlint.kustomize import Build, _origin
    from mountlint.yamlnodes import parse_stream

    wrapper = tmp_path / "wrapper"
    inside = tmp_path / "app" / "pod.yaml"
    build = Build(root=tmp_path / "app", kustomization=tmp_path / "app/k.yaml", wrapper=wrapper)
    files = {os.path.realpath(inside): inside}

    def origin(text: str) -> Path | None:
        return _origin(parse_stream(text).documents[0].root, build, files)

    annotated = "metadata:\n  annotations:\n    config.kubernetes.io/origin: |\n      path: {}\n"
    assert origin(annotated.format("../app/pod.yaml")) == inside
    assert origin(annotated.format("../../../etc/kubernetes/manifests/etcd.yaml")) is None
    assert origin(annotated.format("/etc/kubernetes/manifests/etcd.yaml")) is None
    elsewhere = "aaa:\n  config.kubernetes.io/origin: |\n    path: ../app/pod.yaml\nmetadata: {}\n"
    assert origin(elsewhere) is None
    remote = annotated.format("../app/pod.yaml") + "      repo: https://example.com/x\n"
    assert origin(remote) is None


def test_excluded_kustomize_sources_are_neither_reported_nor_written(tmp_path: Path) -> None:
    _write_files(
        tmp_path,
        {
            ".mountlint.yaml": "exclude: [vendor]\n",
            "kustomization.yaml": "resources:\n- vendor/base\n- app.yaml\n",
            "app.yaml": ROOT_POD.format(name="app"),
            "vendor/base/kustomization.yaml": "resources:\n- pod.yaml\n",
            "vendor/base/pod.yaml": ROOT_POD.format(name="vendored"),
        },
    )
    vendored = tmp_path / "vendor" / "base" / "pod.yaml"
    before = vendored.read_bytes()
    linted = run_mountlint("--select", "ML101", ".", cwd=tmp_path)
    assert [line.split(":")[0] for line in linted.stdout.splitlines()[:-1]] == ["app.yaml"]
    result = run_mountlint("--select", "ML101", "--fix", ".", cwd=tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "1 fixed, 0 remaining" in result.stdout
    assert vendored.read_bytes() == before
    assert "vendor" not in result.stdout + result.stderr


REMOTE = "https://github.com/org/repo//deploy?ref=v1"
_WRAPPED = (
    "Error: accumulating resources: accumulation err='accumulating resources from '../app': "
    "'/src/app' must resolve to a file': recursed accumulation of path '/src/app': "
)


@pytest.mark.parametrize(
    ("stderr", "expected"),
    [
        (  # git could not fetch: its own fatal line says why, the last line says nothing
            _WRAPPED + "accumulating resources: accumulation err='accumulating resources from "
            f"'{REMOTE}': Get \"{REMOTE}\": dial tcp: lookup github.com: no such host': failed "
            "to run '/usr/bin/git fetch --depth=1 https://github.com/org/repo v1': fatal: unable "
            "to access 'https://github.com/org/repo/': Could not resolve host: github.com\n"
            ": exit status 128\n",
            f"resource {REMOTE}: unable to access 'https://github.com/org/repo/': "
            "Could not resolve host: github.com",
        ),
        (  # a proxy's HTML page instead of YAML: the last line is ">"
            _WRAPPED + "accumulating resources: accumulation err='accumulating resources from "
            f"'{REMOTE}': MalformedYAMLError: yaml: line 4: mapping values are not allowed in "
            "this context in File: <!DOCTYPE html>\n<html>\n<body>no route to host</body>\n"
            "</html\n>\n",
            f"resource {REMOTE}: MalformedYAMLError: yaml: line 4: mapping values are not "
            "allowed in this context in File: <!DOCTYPE html>",
        ),
        (  # a sub-folder whose kustomization does not parse
            _WRAPPED + "accumulating resources: accumulation err='accumulating resources from "
            "'sub': '/src/app/sub' must resolve to a file': couldn't make target for path "
            "'/src/app/sub': invalid Kustomization: yaml: line 1: did not find expected node "
            "content\n",
            "resource sub: invalid Kustomization: yaml: line 1: did not find expected node content",
        ),
        (  # the folder itself: no resource to name
            "error: accumulating resources: accumulation err='accumulating resources from "
            "'../app': '/src/app' must resolve to a file': couldn't make target for path "
            "'/src/app': invalid Kustomization: json: unknown field \"resourcez\"\n",
            'invalid Kustomization: json: unknown field "resourcez"',
        ),
        (  # kubectl 1.32 as the Google Cloud SDK ships it logs the error on the lines after err=<
            'E1201 07:29:33.272623    2937 run.go:72] "command failed" err=<\n\t'
            + _WRAPPED.removeprefix("Error: ")
            + "accumulating resources: accumulation err='accumulating resources from "
            f"'{REMOTE}': Get \"{REMOTE}\": dial tcp: lookup github.com: no such host': failed "
            "to run '/usr/bin/git fetch --depth=1 https://github.com/org/repo v1': fatal: unable "
            "to access 'https://github.com/org/repo/': Could not resolve host: github.com\n"
            "\t: exit status 128\n >\n",
            f"resource {REMOTE}: unable to access 'https://github.com/org/repo/': "
            "Could not resolve host: github.com",
        ),
    ],
    ids=["git-fatal", "html-page", "sub-folder", "the-folder-itself", "logged-on-lines"],
)
def test_build_error_keeps_the_meaningful_line(stderr: str, expected: str) -> None:
    from mountlint.kustomize import _one_line

    assert _one_line(stderr, "../app") == expected


def test_unreachable_remote_resource_is_named(tmp_path: Path) -> None:
    overlay = _tree(tmp_path)
    remote = "https://nonexistent.invalid/org/repo/deploy.yaml"
    (overlay / "kustomization.yaml").write_text(f"resources:\n- ../base\n- {remote}\n")
    result = run_mountlint("--select", "ML101", str(overlay), cwd=tmp_path)
    [line] = [line for line in result.stderr.splitlines() if "kustomize build failed" in line]
    assert f"kustomize build failed: resource {remote}: " in line
    assert "nonexistent.invalid" in line.split(f"resource {remote}: ", 1)[1]
    assert "exit status" not in line


MOUNT_PROPAGATION = "          mountPropagation: HostToContainer\n"


def _pods(names: list[str]) -> str:
    return "---\n".join(ROOT_POD.format(name=name) for name in names)


def _fixed_pods(names: list[str]) -> str:
    """The pods with the fix that --fix makes to each of them."""
    fixed = ROOT_POD.replace("readOnly: true\n", "readOnly: true\n" + MOUNT_PROPAGATION, 1)
    return "---\n".join(fixed.format(name=name) for name in names)


#: more pods than --fix has fix-and-rebuild rounds, so each round must fix every pod
PODS = [f"agent-{number}" for number in range(8)]


@pytest.mark.parametrize(
    ("files", "named"),
    [
        ({"app/kustomization.yaml": "resources:\n- pods.yaml\n"}, ["app"]),
        ({"app/kustomization.yaml": "resources:\n- pods.yaml\nnamePrefix: prod-\n"}, ["app"]),
        (
            {
                "app/kustomization.yaml": "resources:\n- pods.yaml\nnamePrefix: base-\n",
                "overlay/kustomization.yaml": (
                    "resources:\n- ../app\nnamePrefix: prod-\nnameSuffix: -v2\nnamespace: prod\n"
                ),
            },
            ["overlay", "app"],
        ),
    ],
    ids=["plain", "name-prefix", "overlay-renames"],
)
def test_objects_differing_only_by_name_are_each_reported_and_fixed_at_their_own(
    tmp_path: Path, files: dict[str, str], named: list[str]
) -> None:
    _write_files(tmp_path, {**files, "app/pods.yaml": _pods(PODS)})
    pods = tmp_path / "app" / "pods.yaml"
    report = _report("--select", "ML101", named[0], cwd=tmp_path)
    assert [(f["location"]["path"], f["location"]["line"]) for f in report["findings"]] == [
        ("app/pods.yaml", 10 + 17 * number) for number in range(len(PODS))
    ]
    assert not any("deployed by" in f["message"] for f in report["findings"])
    kustomizations = {path: path.read_bytes() for path in tmp_path.rglob("kustomization.yaml")}
    fixed = run_mountlint("--select", "ML101", "--fix", *named, cwd=tmp_path)
    assert fixed.returncode == 0, fixed.stdout + fixed.stderr
    assert f"{len(PODS)} fixed, 0 remaining" in fixed.stdout
    assert pods.read_text() == _fixed_pods(PODS)
    assert {path: path.read_bytes() for path in kustomizations} == kustomizations


def test_patches_differing_only_by_name_are_each_reported_at_their_own(tmp_path: Path) -> None:
    plain = ROOT_POD.split("      volumeMounts:")[0]
    patch = "apiVersion: v1\nkind: Pod\nmetadata:\n  name: {name}\n" + "".join(
        ROOT_POD.splitlines(keepends=True)[4:]
    )
    names = ["agent-0", "agent-1", "agent-2"]
    _write_files(
        tmp_path,
        {
            "app/pods.yaml": "---\n".join(plain.format(name=name) for name in names),
            "app/kustomization.yaml": "resources:\n- pods.yaml\nnamePrefix: prod-\npatches:\n"
            + "".join(f"- path: {name}.yaml\n" for name in names),
            **{f"app/{name}.yaml": patch.format(name=name) for name in names},
        },
    )
    report = _report("--select", "ML101", "app", cwd=tmp_path)
    assert sorted(f["location"]["path"] for f in report["findings"]) == [
        f"app/{name}.yaml" for name in names
    ]
    fixed = run_mountlint("--select", "ML101", "--fix", "app", cwd=tmp_path)
    assert fixed.returncode == 0, fixed.stdout + fixed.stderr
    for name in names:
        assert (tmp_path / "app" / f"{name}.yaml").read_text().count("mountPropagation") == 1


RENAMING_TRANSFORMER = textwrap.dedent(
    """\
    apiVersion: builtin
    kind: PrefixSuffixTransformer
    metadata:
      name: renamer
    prefix: renamed-
    fieldSpecs:
      - path: metadata/name
    """
)


def test_objects_renamed_beyond_recognition_are_matched_by_content_only_when_unambiguous(
    tmp_path: Path,
) -> None:
    kustomization = "resources:\n- pods.yaml\ntransformers:\n- renamer.yaml\n"
    _write_files(
        tmp_path,
        {
            "one/kustomization.yaml": kustomization,
            "one/renamer.yaml": RENAMING_TRANSFORMER,
            "one/pods.yaml": _pods(["agent"]),
            "two/kustomization.yaml": kustomization,
            "two/renamer.yaml": RENAMING_TRANSFORMER,
            "two/pods.yaml": _pods(["agent-0", "agent-1"]),
        },
    )
    [one] = _report("--select", "ML101", "one", cwd=tmp_path)["findings"]
    assert (one["location"]["path"], one["location"]["line"]) == ("one/pods.yaml", 10)
    two = _report("--select", "ML101", "two", cwd=tmp_path)["findings"]
    assert [(f["location"]["path"], f["location"]["line"]) for f in two] == [
        ("two/kustomization.yaml", 1),
        ("two/kustomization.yaml", 1),
    ]
    assert all("several objects in two/pods.yaml could be its source" in f["message"] for f in two)
    assert all(f["fix"]["applicability"] == "display-only" for f in two)
    before = (tmp_path / "two" / "pods.yaml").read_bytes()
    fixed = run_mountlint("--select", "ML101", "--fix", "two", cwd=tmp_path)
    assert fixed.returncode == 1, fixed.stdout + fixed.stderr
    assert (tmp_path / "two" / "pods.yaml").read_bytes() == before


def test_the_names_read_from_the_kustomizations_are_the_names_kustomize_builds(
    tmp_path: Path,
) -> None:
    from mountlint.kustomize import Naming, read_inputs, run_build
    from mountlint.yamlnodes import get_path, parse_stream, string_value

    component = "apiVersion: kustomize.config.k8s.io/v1alpha1\nkind: Component\n"
    _write_files(
        tmp_path,
        {
            "base/kustomization.yaml": "resources:\n- pod.yaml\nnamePrefix: base-\n",
            "base/pod.yaml": ROOT_POD.format(name="agent"),
            "one/kustomization.yaml": component + "namePrefix: one-\nnameSuffix: -one\n",
            "two/kustomization.yaml": component + "namePrefix: two-\nnamespace: two\n",
            "overlay/kustomization.yaml": "resources:\n- ../base\ncomponents:\n- ../one\n"
            "- ../two\nnamePrefix: prod-\nnameSuffix: -v2\n",
            "top/kustomization.yaml": "resources:\n- ../overlay\n- ../base\nnamespace: top\n",
        },
    )
    pod = Path(os.path.realpath(tmp_path / "base" / "pod.yaml"))
    namings = read_inputs(tmp_path / "top").namings[pod]
    assert namings == {
        Naming("prod-two-one-base-", "-one-v2", "top"),
        Naming("base-", "", "top"),
    }
    build = run_build(tmp_path / "top", build_command() or [])
    assert build.error is None
    built = {
        (
            string_value(get_path(document.root, "metadata", "name")),
            string_value(get_path(document.root, "metadata", "namespace")),
        )
        for document in parse_stream(build.rendered).documents
    }
    assert built == {(n.prefix + "agent" + n.suffix, n.namespace) for n in namings}


def test_reading_what_a_build_reads_ends_on_cycles_diamonds_and_hostile_names(
    tmp_path: Path,
) -> None:
    from mountlint.kustomize import _renamed_from, read_inputs

    levels = 24  # every path through this diamond is another naming: 2**24 of them
    files = {"cycle/a/kustomization.yaml": "resources:\n- ../b\n"}
    files["cycle/b/kustomization.yaml"] = "resources:\n- ../a\n- pod.yaml\nnamePrefix: b-\n"
    files["cycle/b/pod.yaml"] = ROOT_POD.format(name="agent")
    for level in range(levels):
        below = f"- ../{level + 1}l\n- ../{level + 1}r\n" if level + 1 < levels else "- pod.yaml\n"
        for side in "lr":
            files[f"diamond/{level}{side}/kustomization.yaml"] = (
                f"resources:\n{below}namePrefix: {side}{level}-\n"
            )
    files[f"diamond/{levels - 1}l/pod.yaml"] = ROOT_POD.format(name="agent")
    _write_files(tmp_path, files)
    assert len(read_inputs(tmp_path / "cycle" / "a").kustomizations) == 2
    diamond = read_inputs(tmp_path / "diamond" / "0l")
    assert len(diamond.kustomizations) == 2 * levels - 1  # all but 0r
    assert 0 < sum(len(namings) for namings in diamond.namings.values()) < 2**levels
    assert not _renamed_from("a" * 100_000, "b", {"a", "aa"}, {"a"})


def test_a_resource_named_through_a_symlink_is_linted_once_where_it_is_named(
    tmp_path: Path,
) -> None:
    """The build reads ``link.yaml``; the file it points to, found by the walk too, is linted
    through the build (their real paths match), not again as plain YAML."""
    app = tmp_path / "tree" / "app"
    (app / "data").mkdir(parents=True)
    (app / "data" / "ds.yaml").write_text(
        textwrap.dedent(
            """\
            apiVersion: v1
            kind: Pod
            metadata: {name: agent}
            spec:
              containers:
                - name: agent
                  image: busybox
                  volumeMounts: [{name: root, mountPath: /host, readOnly: true}]
              volumes:
                - name: root
                  hostPath: {path: /}
            """
        )
    )
    (app / "link.yaml").symlink_to(Path("data") / "ds.yaml")
    (app / "kustomization.yaml").write_text("resources:\n- link.yaml\n")
    report = _report("tree", cwd=tmp_path)
    paths = {finding["location"]["path"] for finding in report["findings"]}
    assert paths == {"tree/app/link.yaml"}
