"""Helm charts among the inputs: rendered with the real helm, or reported as ML003."""

from __future__ import annotations

import json
import shutil
import sys
import time
from pathlib import Path

import pytest

from mountlint import charts
from mountlint.helm import HelmError

from helpers import FIXTURES, run_mountlint

CHARTS = FIXTURES / "charts"
needs_helm = pytest.mark.skipif(shutil.which("helm") is None, reason="helm is not on PATH")
NO_HELM = {"PATH": str(Path(sys.executable).parent)}


def _findings(result_stdout: str) -> list[dict]:  # type: ignore[type-arg]
    findings: list[dict] = json.loads(result_stdout)["findings"]  # type: ignore[type-arg]
    return findings


def _where(findings: list[dict]) -> list[tuple[str, int, str]]:  # type: ignore[type-arg]
    return sorted((f["location"]["path"], f["location"]["line"], f["code"]) for f in findings)


@needs_helm
def test_chart_folder_is_rendered_with_mounts_placed_in_helpers_and_values(tmp_path: Path) -> None:
    shutil.copytree(CHARTS / "values-helpers", tmp_path / "chart")
    result = run_mountlint("--format", "json", "chart", cwd=tmp_path)
    assert result.returncode == 1, result.stderr
    findings = _findings(result.stdout)
    assert _where(findings) == [
        ("chart/templates/_helpers.tpl", 2, "ML101"),
        # ML201 alone on host '/': ML202 does not repeat a path that ML201 reports
        ("chart/templates/_helpers.tpl", 13, "ML201"),
        ("chart/templates/_helpers.tpl", 16, "ML202"),
        # rendered only with ci/debug-values.yaml; writable debugfs is sensitive too
        ("chart/templates/daemonset.yaml", 23, "ML203"),
        ("chart/templates/daemonset.yaml", 34, "ML202"),
        # the mount and the path come from values (toYaml)
        ("chart/values.yaml", 5, "ML201"),
        ("chart/values.yaml", 8, "ML101"),
        ("chart/values.yaml", 8, "ML203"),
    ]
    assert not [f for f in findings if "cannot tell which line" in f["message"]]
    assert "templates/ folder" not in result.stderr


@needs_helm
def test_ci_values_render_is_reported_with_its_values_file(tmp_path: Path) -> None:
    shutil.copytree(CHARTS / "values-helpers", tmp_path / "chart")
    result = run_mountlint("--format", "json", "--select", "ML203", "chart", cwd=tmp_path)
    [debug] = [f for f in _findings(result.stdout) if "/sys/kernel/debug" in f["message"]]
    assert debug["related"][-1]["message"].startswith(
        "rendered at chart (helm template -f chart/ci/debug-values.yaml):"
    )


@needs_helm
def test_configured_values_and_no_ci_renders(tmp_path: Path) -> None:
    shutil.copytree(CHARTS / "values-helpers", tmp_path / "chart")
    (tmp_path / "more-values.yaml").write_text("extraVolumes: []\nextraVolumeMounts: []\n")
    (tmp_path / ".mountlint.yaml").write_text(
        "helm-charts:\n  chart:\n    values: [more-values.yaml]\n    set: [debug.enabled=false]\n"
        "    ci-values: false\n"
    )
    result = run_mountlint("--format", "json", "chart", cwd=tmp_path)
    paths = {f["location"]["path"] for f in _findings(result.stdout)}
    assert paths == {"chart/templates/_helpers.tpl"}


def test_configured_values_file_must_exist(tmp_path: Path) -> None:
    shutil.copytree(CHARTS / "values-helpers", tmp_path / "chart")
    (tmp_path / ".mountlint.yaml").write_text("helm-charts:\n  chart:\n    values: [gone.yaml]\n")
    result = run_mountlint("chart", cwd=tmp_path)
    assert result.returncode == 2
    assert ".mountlint.yaml:3: helm-charts.chart.values[0]: no such file" in result.stderr


def test_configured_chart_must_be_a_chart(tmp_path: Path) -> None:
    (tmp_path / "nochart").mkdir()
    (tmp_path / ".mountlint.yaml").write_text("helm-charts:\n  nochart:\n    set: [a=b]\n")
    result = run_mountlint(".", cwd=tmp_path)
    assert result.returncode == 2
    assert "helm-charts.nochart: " in result.stderr
    assert "is not a chart (no Chart.yaml)" in result.stderr
    bad_set = tmp_path / ".mountlint.yaml"
    bad_set.write_text("helm-charts:\n  nochart:\n    set: [novalue]\n")
    assert run_mountlint(".", cwd=tmp_path).returncode == 2


@needs_helm
def test_template_given_as_a_file_lints_its_chart(tmp_path: Path) -> None:
    shutil.copytree(CHARTS / "values-helpers", tmp_path / "chart")
    result = run_mountlint(
        "--format", "json", "chart/templates/daemonset.yaml", "chart/values.yaml", cwd=tmp_path
    )
    assert result.returncode == 1, result.stderr
    assert ("chart/templates/_helpers.tpl", 2, "ML101") in _where(_findings(result.stdout))
    assert "Helm template" not in result.stderr


@needs_helm
def test_subchart_is_rendered_through_its_parent_once(tmp_path: Path) -> None:
    shutil.copytree(FIXTURES / "helm" / "mounts", tmp_path / "mounts")
    result = run_mountlint("--format", "json", "--select", "ML101", "mounts", cwd=tmp_path)
    where = _where(_findings(result.stdout))
    assert where == [
        ("mounts/charts/node-agent/templates/daemonset.yaml", 18, "ML101"),
        ("mounts/templates/daemonset.yaml", 21, "ML101"),
    ]
    # a template of the subchart given alone renders the parent chart
    template = "mounts/charts/node-agent/templates/daemonset.yaml"
    alone = run_mountlint("--format", "json", "--select", "ML101", template, cwd=tmp_path)
    assert _where(_findings(alone.stdout)) == where


@needs_helm
def test_fix_edits_the_template_and_diff_shows_it_once(tmp_path: Path) -> None:
    shutil.copytree(FIXTURES / "helm" / "mounts", tmp_path / "mounts")
    (tmp_path / "mounts" / "ci").mkdir()
    (tmp_path / "mounts" / "ci" / "other-values.yaml").write_text("logDir: /var/log/other\n")
    diff = run_mountlint("--diff", "--select", "ML101", "mounts", cwd=tmp_path)
    assert diff.returncode == 1, diff.stderr
    assert diff.stdout.count("+++ b/mounts/templates/daemonset.yaml") == 1
    assert diff.stdout.count("+++ b/") == 2  # and the subchart's template
    assert "would fix 2 problems in 2 files" in diff.stderr
    fixed = run_mountlint("--fix", "--select", "ML101", "mounts", cwd=tmp_path)
    assert fixed.returncode == 0, fixed.stdout + fixed.stderr
    template = (tmp_path / "mounts" / "templates" / "daemonset.yaml").read_text()
    assert template.count("mountPropagation: HostToContainer") == 1


@needs_helm
def test_broken_chart_is_ml003_with_helms_error(tmp_path: Path) -> None:
    shutil.copytree(CHARTS / "broken", tmp_path / "broken")
    result = run_mountlint("broken", cwd=tmp_path)
    assert result.returncode == 1
    assert result.stdout.startswith(
        "broken/Chart.yaml:1:1: ML003 [error] Helm chart not linted: helm template failed: "
        'parse error at (broken/templates/pod.yaml:4): unexpected "}" in operand\n'
    )
    assert "Found 1 problem." in result.stdout


@needs_helm
def test_chart_with_only_chart_yaml_tmpl_is_ml003(tmp_path: Path) -> None:
    shutil.copytree(CHARTS / "broken", tmp_path / "gen")
    (tmp_path / "gen" / "Chart.yaml").rename(tmp_path / "gen" / "Chart.yaml.tmpl")
    result = run_mountlint("gen", cwd=tmp_path)
    assert result.returncode == 1
    assert "gen/Chart.yaml.tmpl:1:1: ML003 [error] Helm chart not linted: it has only" in (
        result.stdout
    )


def test_without_helm_each_chart_is_ml003_and_fails_the_run(tmp_path: Path) -> None:
    shutil.copytree(CHARTS / "values-helpers", tmp_path / "charts" / "a")
    shutil.copytree(FIXTURES / "helm" / "mounts", tmp_path / "charts" / "b")
    result = run_mountlint("--fail-on", "error", "charts", cwd=tmp_path, env=NO_HELM)
    assert result.returncode == 1, result.stderr
    lines = [line for line in result.stdout.splitlines() if " ML003 " in line]
    assert [line.split(" ML003 ")[0] for line in lines] == [
        "charts/a/Chart.yaml:1:1:",
        "charts/b/Chart.yaml:1:1:",
    ]
    assert "helm is not on PATH" in lines[0]
    assert "helm template release-name charts/a | mountlint --chart-dir charts/a -" in lines[0]
    assert "All checks passed" not in result.stdout
    assert "Traceback" not in result.stderr


@needs_helm
def test_charts_rendered_ahead_side_by_side_report_as_one_by_one(tmp_path: Path) -> None:
    """With several jobs the next charts render while one is linted; the report is the same."""
    shutil.copytree(CHARTS / "values-helpers", tmp_path / "charts" / "a")  # two renders
    shutil.copytree(CHARTS / "broken", tmp_path / "charts" / "b")
    shutil.copytree(FIXTURES / "helm" / "mounts", tmp_path / "charts" / "c")
    shutil.copytree(CHARTS / "values-helpers", tmp_path / "charts" / "d")
    reports = [
        run_mountlint("--format", "json", "--jobs", jobs, "charts", cwd=tmp_path)
        for jobs in ("1", "2", "4")
    ]
    assert {(report.stdout, report.stderr) for report in reports} == {
        (reports[0].stdout, reports[0].stderr)
    }
    paths = [f["location"]["path"] for f in _findings(reports[0].stdout)]
    assert {path.split("/")[1] for path in paths} == {"a", "b", "c", "d"}


@needs_helm
def test_renders_run_ahead_of_the_one_linted_but_no_further_than_twice_the_jobs(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Outputs rendered ahead wait in memory: a repository of many charts must not hold them all."""
    plans = []
    for number in range(8):
        chart = tmp_path / f"chart{number}"
        shutil.copytree(FIXTURES / "helm" / "mounts", chart)
        plans.append(charts.Render(chart))
    started: list[Path] = []
    real = charts._render

    def counted(plan: charts.Render) -> str | HelmError:
        started.append(plan.chart)
        return real(plan)

    monkeypatch.setattr(charts, "_render", counted)
    outputs = charts.rendered(plans, 2)
    first_plan, first = next(outputs)
    time.sleep(0.5)  # the renders started ahead have all finished by now
    assert len(started) == 4
    rest = list(outputs)
    assert [plan for plan, _ in [(first_plan, first), *rest]] == plans
    assert all(
        isinstance(text, str) and "kind:" in text for _, text in [(first_plan, first), *rest]
    )
    assert sorted(started) == sorted(plan.chart for plan in plans)


def test_no_helm_skips_charts_as_before(tmp_path: Path) -> None:
    shutil.copytree(CHARTS / "values-helpers", tmp_path / "chart")
    result = run_mountlint("--no-helm", "chart", cwd=tmp_path, env=NO_HELM)
    assert result.returncode == 0, result.stdout
    assert "ML003" not in result.stdout
    assert "skipped 1 Helm chart templates/ folder" in result.stderr


def test_helm_with_a_missing_chart_folder_says_so(tmp_path: Path) -> None:
    result = run_mountlint("--helm", "hc/nochart", cwd=tmp_path)
    assert result.returncode == 2
    assert "--helm hc/nochart: the chart folder does not exist" in result.stderr
    assert "repo hc not found" not in result.stderr


COMMITTED = """---
# Source: app/charts/dep/templates/ds.yaml
apiVersion: apps/v1
kind: DaemonSet
metadata:
  name: ds
spec:
  template:
    spec:
      containers:
        - name: c
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


def test_committed_rendered_file_in_a_chart_counts_no_fix_that_fix_will_not_make(
    tmp_path: Path,
) -> None:
    chart = tmp_path / "chart"
    chart.mkdir()
    (chart / "Chart.yaml").write_text("apiVersion: v2\nname: app\nversion: 0.1.0\n")
    (chart / "upstream.yaml").write_text(COMMITTED)
    result = run_mountlint("chart/upstream.yaml", cwd=tmp_path)
    assert "ML101" in result.stdout
    assert "fixable" not in result.stdout
    assert "[*]" not in result.stdout
    fixed = run_mountlint("--fix", "chart/upstream.yaml", cwd=tmp_path)
    assert (chart / "upstream.yaml").read_text() == COMMITTED
    assert "fixed" not in fixed.stdout.splitlines()[-1]


@needs_helm
def test_a_templated_path_names_the_values_line_it_comes_from(tmp_path: Path) -> None:
    shutil.copytree(FIXTURES / "helm" / "mounts", tmp_path / "mounts")
    result = run_mountlint("--format", "json", "--select", "ML206", "mounts", cwd=tmp_path)
    [finding] = _findings(result.stdout)
    assert (finding["location"]["path"], finding["location"]["line"]) == (
        "mounts/templates/daemonset.yaml",
        39,
    )
    value = finding["related"][-1]
    assert (value["location"]["path"], value["location"]["line"]) == ("mounts/values.yaml", 1)
    assert value["message"] == "the value .Values.dataDir is set here"


def test_an_excluded_chart_is_not_rendered(tmp_path: Path) -> None:
    shutil.copytree(CHARTS / "broken", tmp_path / "vendor" / "broken")
    (tmp_path / ".mountlint.yaml").write_text("exclude: [vendor]\n")
    result = run_mountlint(".", cwd=tmp_path, env=NO_HELM)
    assert result.returncode == 0, result.stdout
    assert "ML003" not in result.stdout


@needs_helm
def test_disable_file_in_a_template_silences_only_that_template(tmp_path: Path) -> None:
    shutil.copytree(FIXTURES / "helm" / "mounts", tmp_path / "mounts")
    probes = tmp_path / "mounts" / "templates" / "probes.yaml"
    probes.write_text("# mountlint: disable-file=ML202\n" + probes.read_text())
    result = run_mountlint("--select", "ML202,ML002", "mounts", cwd=tmp_path)
    assert result.returncode == 1, result.stdout
    assert [line.split(": ML")[0] for line in result.stdout.splitlines() if ": ML" in line] == [
        "mounts/templates/daemonset.yaml:36:19"
    ]
    assert "2 suppressed" in result.stdout
