"""Runs over the shared corpus of real manifests: no traceback, and findings where they belong."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from helpers import run_mountlint


def _report(*paths: Path) -> tuple[dict, str]:  # type: ignore[type-arg]
    result = run_mountlint("--format", "json", *map(str, paths))
    assert "Traceback" not in result.stderr
    assert result.returncode in (0, 1), result.stderr
    return json.loads(result.stdout), result.stderr


def _where(report: dict, corpus: Path) -> set[tuple[str, int, str]]:  # type: ignore[type-arg]
    return {
        (str(Path(f["location"]["path"]).relative_to(corpus)), f["location"]["line"], f["code"])
        for f in report["findings"]
    }


def test_real_and_helm_rendered(corpus: Path) -> None:
    report, stderr = _report(corpus / "real", corpus / "helm-rendered")
    where = _where(report, corpus)
    # hand-checked: inspektor-gadget mounts host / at /host with the default propagation
    assert ("real/inspektor-gadget/docs/examples/ds-ig.yaml", 36, "ML101") in where
    # kube-bench mounts /var/lib/kubelet (pod volumes below it) privately
    assert ("real/kube-bench/hack/debug.yaml", 19, "ML101") in where
    # salt-templated upstream files are not YAML
    assert ("real/kubernetes/cluster/addons/kube-proxy/kube-proxy-ds.yaml", 37, "ML001") in where
    # node-exporter uses HostToContainer for / and /sys: no propagation finding
    assert not any(
        path.endswith("nodeExporter-daemonset.yaml") and code.startswith("ML1")
        for path, _, code in where
    )
    # Helm charts are rendered (when helm is on PATH): findings land in templates, never ML001
    assert not any("/templates/" in path and code == "ML001" for path, _, code in where)
    if shutil.which("helm") is None:
        assert {code for path, _, code in where if "/templates/" in path} == set()
        return
    assert "Helm chart templates/ folder" not in stderr
    hg = "helm-rendered/helm/pkg/cmd/testdata/testcharts/"
    assert {(path, code) for path, _, code in where if code == "ML003"} == {
        (hg + "chart-with-template-with-invalid-yaml/Chart.yaml", "ML003"),
        ("helm-rendered/inspektor-gadget/charts/gadget/Chart.yaml.tmpl", "ML003"),
    }
    # a hostPath from a partial template (define/include) is placed in that partial
    datadog = "helm-rendered/datadog/charts/datadog/templates/"
    assert any(path.startswith(datadog + "_") for path, _, _ in where)


def test_fix_over_real_corpus_is_clean_for_ml101(corpus: Path, tmp_path: Path) -> None:
    import shutil

    copy = tmp_path / "real"
    shutil.copytree(corpus / "real", copy)
    result = run_mountlint("--fix", "--exit-zero", str(copy))
    assert result.returncode == 0, result.stderr
    report, _ = _report(copy)
    remaining = [
        f
        for f in report["findings"]
        if f["code"] == "ML101" and f["fix"] and f["fix"]["applicability"] == "safe"
    ]
    assert remaining == []
