"""Finding files: recursion, skipped folders (said once), special files, symlink loops."""

from __future__ import annotations

import os
from pathlib import Path

from mountlint.sources import decode, discover, may_hold_findings

from helpers import run_mountlint

MANIFEST = "kind: Pod\nspec:\n  volumes: [{name: r, hostPath: {path: /}}]\n  containers: [{name: a, volumeMounts: [{name: r, mountPath: /r}]}]\n"


def _tree(root: Path) -> None:
    for relative in [
        "app/deploy.yaml",
        "app/deploy.yml",
        "app/deploy.json",
        "app/readme.md",
        ".git/config.yaml",
        "node_modules/pkg/x.yaml",
        "chart/Chart.yaml",
        "chart/templates/ds.yaml",
        "chart/values.yaml",
    ]:
        path = root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("a: 1\n")


def test_discover_walks_and_skips(tmp_path: Path) -> None:
    _tree(tmp_path)
    found = discover([str(tmp_path)])
    names = sorted(str(path.relative_to(tmp_path)) for path in found.files)
    assert names == [
        "app/deploy.json",
        "app/deploy.yaml",
        "app/deploy.yml",
        "chart/Chart.yaml",
        "chart/values.yaml",
    ]
    assert found.skipped_template_dirs == [tmp_path / "chart" / "templates"]


def test_symlink_loop_and_special_files(tmp_path: Path) -> None:
    (tmp_path / "d").mkdir()
    (tmp_path / "d" / "loop").symlink_to(tmp_path)
    (tmp_path / "d" / "x.yaml").write_text(MANIFEST)
    os.mkfifo(tmp_path / "d" / "fifo.yaml")
    (tmp_path / "dir.yaml").mkdir()
    (tmp_path / "dir.yaml" / "inner.yaml").write_text("a: 1\n")
    found = discover([str(tmp_path)])
    assert sorted(p.name for p in found.files) == ["inner.yaml", "x.yaml"]
    assert [p.name for p in found.skipped_special] == ["fifo.yaml"]
    result = run_mountlint(str(tmp_path))
    assert result.returncode == 1
    assert "fifo.yaml: skipped: not a regular file" in result.stderr
    assert result.stdout.count("ML101") == 1


def test_helm_template_given_explicitly_is_not_a_syntax_error(tmp_path: Path) -> None:
    _tree(tmp_path)
    template = tmp_path / "chart" / "templates" / "ds.yaml"
    template.write_text(
        "{{- if .Values.on }}\nkind: DaemonSet\nspec:\n  volumes: {{ toYaml .Values.volumes | nindent 4 }}\n  hostPath: x\n{{- end }}\n"
    )
    result = run_mountlint("--no-helm", str(template))
    assert result.returncode == 0
    assert "Helm template" in result.stderr
    assert "ML001" not in result.stdout
    # rendering is on by default: the template's chart is rendered (this one is not a valid chart)
    rendered = run_mountlint(str(template))
    assert "ML001" not in rendered.stdout
    assert f"{tmp_path / 'chart' / 'Chart.yaml'}:1:1: ML003 [error]" in rendered.stdout


def test_discover_finds_charts_and_renders_subcharts_through_their_parent(tmp_path: Path) -> None:
    _tree(tmp_path)
    for relative in ["chart/charts/sub/Chart.yaml", "charts/other/Chart.yaml.tmpl"]:
        (tmp_path / relative).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / relative).write_text("a: 1\n")
    found = discover([str(tmp_path)])
    assert found.charts == [tmp_path / "chart", tmp_path / "charts" / "other"]
    assert discover([str(tmp_path / "chart" / "charts" / "sub")]).charts == [tmp_path / "chart"]
    template = tmp_path / "chart" / "templates" / "ds.yaml"
    assert discover([str(template)]).charts == [tmp_path / "chart"]
    assert discover([str(template.parent)]).charts == [tmp_path / "chart"]


def test_decode() -> None:
    assert decode("é".encode()).text == "é"  # type: ignore[union-attr]
    assert decode(b"\xef\xbb\xbfa: 1").bom == b"\xef\xbb\xbf"  # type: ignore[union-attr]
    assert decode("a: 1".encode("utf-16")).encoding == "utf-16-le"  # type: ignore[union-attr]
    problem = decode(b"a: 1\nb: \xff\n")
    assert (problem.line, problem.column) == (1, 3)  # type: ignore[union-attr]
    assert decode(b"a: \x00").message.startswith("binary")  # type: ignore[union-attr]


def test_prefilter() -> None:
    assert not may_hold_findings(b"kind: ConfigMap\ndata: {}\n")
    assert may_hold_findings(b"volumeMounts: []")
    assert may_hold_findings("hostPath: {}".encode("utf-16"))


def test_undecodable_manifest_is_ml001(tmp_path: Path) -> None:
    path = tmp_path / "latin1.yaml"
    path.write_bytes(b"kind: Pod\n# caf\xe9\nspec: {volumes: [{hostPath: {path: /}}]}\n")
    result = run_mountlint(str(path))
    assert result.returncode == 1
    assert f"{path}:2:6: ML001 [error] Not valid UTF-8 text" in result.stdout


def test_symlinked_folders_are_not_walked(tmp_path: Path) -> None:
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / "static-pod.yaml").write_text(MANIFEST)
    tree = tmp_path / "tree"
    tree.mkdir()
    (tree / "dirlink").symlink_to(elsewhere)
    (tree / "rootlink").symlink_to("/")
    (tree / "app.yaml").write_text("kind: ConfigMap\n")
    found = discover([str(tree)])
    assert found.files == [tree / "app.yaml"]
    assert found.skipped_symlinked_dirs == [tree / "dirlink", tree / "rootlink"]
    result = run_mountlint("--select", "ML101", "--fix", str(tree))
    assert result.returncode == 0, result.stdout + result.stderr
    assert (elsewhere / "static-pod.yaml").read_text() == MANIFEST
    assert result.stderr.count("symlinked folder") == 1
    assert f"skipped 2 symlinked folders (first: {tree / 'dirlink'})" in result.stderr
    # a link named on the command line is followed, and its target is what was named
    named = run_mountlint("--select", "ML101", "--fix", str(tree / "dirlink"))
    assert named.returncode == 0, named.stdout + named.stderr
    assert "mountPropagation" in (elsewhere / "static-pod.yaml").read_text()


def test_symlinked_file_linking_out_is_reported_not_written(tmp_path: Path) -> None:
    outside = tmp_path / "manifests" / "kube-apiserver.yaml"
    outside.parent.mkdir()
    outside.write_text(MANIFEST)
    tree = tmp_path / "tree"
    tree.mkdir()
    (tree / "pod.yaml").symlink_to(outside)
    result = run_mountlint("--select", "ML101", "--fix", "tree", cwd=tmp_path)
    assert result.returncode == 1, result.stdout + result.stderr
    assert outside.read_text() == MANIFEST
    assert "tree/pod.yaml:4:41: ML101" in result.stdout
    assert "tree/pod.yaml: outside the paths given" in result.stderr
    assert "`mountlint --fix tree/pod.yaml`" in result.stderr
    # the same link, named: its target is inside what was named
    named = run_mountlint("--select", "ML101", "--fix", "tree/pod.yaml", cwd=tmp_path)
    assert named.returncode == 0, named.stdout + named.stderr
    assert "mountPropagation" in outside.read_text()


def test_a_link_to_a_file_of_the_tree_is_linted_and_fixed_once(tmp_path: Path) -> None:
    (tmp_path / "b.yaml").write_text(MANIFEST)
    (tmp_path / "a.yaml").symlink_to("b.yaml")
    assert discover([str(tmp_path)]).files == [tmp_path / "b.yaml"]
    result = run_mountlint("--select", "ML101", "--fix", str(tmp_path))
    assert result.returncode == 0, result.stdout + result.stderr
    assert "1 fixed, 0 remaining" in result.stdout
    assert (tmp_path / "a.yaml").is_symlink()
