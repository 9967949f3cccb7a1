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
