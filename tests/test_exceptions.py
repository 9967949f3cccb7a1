"""Exceptions in the configuration: what they match, how suppressed findings are reported, and
exceptions that match nothing (ML002)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from mountlint.config import CommandLine as Flags
from mountlint.config import Config, ConfigError, load_config, resolve
from mountlint.engine import analyze_text
from mountlint.exceptions import glob_match
from mountlint.kustomize import build_command
from mountlint.report.json import report_schema

from helpers import run_mountlint

FALCO = """\
apiVersion: apps/v1
kind: DaemonSet
metadata:
  name: falco
  namespace: falco
  labels:
    app.kubernetes.io/name: falco
    tier: node
spec:
  selector:
    matchLabels: {app: falco}
  template:
    metadata:
      labels: {app: falco}
    spec:
      containers:
        - name: falco
          image: falco
          volumeMounts:
            - name: sock
              mountPath: /host/run/containerd
            - name: root
              mountPath: /host
              readOnly: true
        - name: sidecar
          image: busybox
          volumeMounts:
            - name: root
              mountPath: /rootfs
              readOnly: true
      volumes:
        - name: sock
          hostPath:
            path: /var/run/containerd/
        - name: root
          hostPath:
            path: /
"""


def _repo(tmp_path: Path, config: str, manifest: str = FALCO) -> Path:
    (tmp_path / "vendor" / "falco").mkdir(parents=True)
    (tmp_path / "vendor" / "falco" / "ds.yaml").write_text(manifest)
    (tmp_path / ".mountlint.yaml").write_text(config)
    return tmp_path


def _lint(tmp_path: Path, match: str, rules: str = "[ML101]") -> tuple[list[str], list[str]]:
    """(standing, suppressed) as ``CODE:line:container`` for an exception with ``match``."""
    config = f"exceptions:\n  - rules: {rules}\n    reason: reviewed\n    match:\n{match}"
    _repo(tmp_path, config)
    resolved = resolve(load_config(tmp_path / ".mountlint.yaml"), Flags(), tmp_path)
    path = str(tmp_path / "vendor" / "falco" / "ds.yaml")
    result = analyze_text(FALCO, path, resolved.settings)

    def show(findings: list[Any]) -> list[str]:
        return [
            f"{f.rule.code}:{f.location.line}"
            for f in findings
            if f.rule.code in ("ML101", "ML201")
        ]

    return show(result.findings), show(result.suppressed)


ALL_ML101 = ["ML101:20", "ML101:22", "ML101:28"]


@pytest.mark.parametrize(
    ("match", "suppressed"),
    [
        ('      files: ["vendor/**"]\n', ALL_ML101),
        ('      files: ["vendor/falco/*.yaml"]\n', ALL_ML101),
        ('      files: ["**/ds.yaml"]\n', ALL_ML101),
        ('      files: ["*.yaml"]\n', []),  # * stays within one folder
        ('      files: ["other/**"]\n', []),
        ("      kind: DaemonSet\n", ALL_ML101),
        ("      kind: Deployment\n", []),
        ("      namespace: falco\n", ALL_ML101),
        ("      namespace: kube-system\n", []),
        ('      name: "fal*"\n', ALL_ML101),
        ("      name: falcon\n", []),
        ("      labels: {app.kubernetes.io/name: falco}\n", ALL_ML101),
        ("      labels: {app.kubernetes.io/name: falco, tier: node}\n", ALL_ML101),
        ("      labels: {app.kubernetes.io/name: falco, tier: web}\n", []),  # all must match
        ("      labels: {app: falco}\n", []),  # the object's labels, not the pod template's
        ("      container: falco\n", ["ML101:20", "ML101:22"]),
        ("      container: side*\n", ["ML101:28"]),
        # normalised: /var/run is /run, and the trailing slash goes
        ("      host-path: /run/containerd/**\n", ["ML101:20"]),
        ("      host-path: /run/containerd\n", ["ML101:20"]),
        ("      host-path: /\n", ["ML101:22", "ML101:28"]),
        ("      host-path: /var/lib/**\n", []),
        ("      kind: DaemonSet\n      container: falco\n      host-path: /\n", ["ML101:22"]),
    ],
)
def test_every_match_key(tmp_path: Path, match: str, suppressed: list[str]) -> None:
    standing, silenced = _lint(tmp_path, match)
    assert silenced == suppressed
    assert sorted(standing + silenced) == [*ALL_ML101, "ML201:34", "ML201:37"]


def test_rules_by_prefix_and_name(tmp_path: Path) -> None:
    standing, silenced = _lint(
        tmp_path, "      kind: DaemonSet\n", "[ML2, bidirectional-broad-host-mount]"
    )
    assert silenced == ["ML201:34", "ML201:37"]
    assert standing == ALL_ML101


def test_files_are_relative_to_the_configuration_folder(tmp_path: Path) -> None:
    _repo(tmp_path, "")
    (tmp_path / "vendor" / ".mountlint.yaml").write_text(
        "exceptions:\n  - rules: [ML101]\n    reason: vendored\n    match: {files: [falco/**]}\n"
    )
    result = run_mountlint("--select", "ML101", "--format", "json", ".", cwd=tmp_path)
    report = json.loads(result.stdout)
    assert report["findings"] == []
    assert report["summary"]["suppressed"] == 3
    assert result.returncode == 0, result.stderr


def test_glob_match() -> None:
    assert glob_match("vendor/**", "vendor/a/b/c.yaml")
    assert glob_match("vendor/**", "vendor")
    assert glob_match("**/c.yaml", "c.yaml")
    assert glob_match("**/c.yaml", "a/b/c.yaml")
    assert not glob_match("vendor/*.yaml", "vendor/a/c.yaml")
    assert glob_match("vendor/[ab]*", "vendor/a.yaml")
    assert not glob_match("vendor/[!ab]*", "vendor/a.yaml")
    assert glob_match("/run/containerd/**", "/run/containerd")
    assert not glob_match("/run/containerd/**", "/run/containerd2")


@pytest.mark.parametrize(
    ("config", "message"),
    [
        ("exceptions:\n  - rules: [ML101]\n", ":2: exceptions[0]: 'reason' is a required property"),
        ("exceptions:\n  - reason: x\n", ":2: exceptions[0]: 'rules' is a required property"),
        (
            "exceptions:\n  - rules: [ML101]\n    reason: '  '\n",
            ":3: exceptions[0].reason: must not be empty",
        ),
        ("exceptions:\n  - rules: []\n    reason: x\n", ":2: exceptions[0].rules:"),
        (
            "exceptions:\n  - rules: [ML101, ML999]\n    reason: x\n",
            ":2: exceptions[0].rules[1]: unknown rule 'ML999'",
        ),
        (
            "exceptions:\n  - rules: [ML101]\n    reason: x\n    match: {pod: x}\n",
            ":4: exceptions[0].match.pod: unknown setting",
        ),
        (
            "exceptions:\n  - rules: [ML101]\n    reason: x\n    match: {host-path: run/x}\n",
            ":4: exceptions[0].match.host-path: 'run/x' is not an absolute path",
        ),
        (
            "exceptions:\n  - rules: [ML101]\n    reason: x\n    match: {labels: {a: [b]}}\n",
            ":4: exceptions[0].match.labels.a: expected string",
        ),
    ],
)
def test_bad_exceptions_are_configuration_errors(tmp_path: Path, config: str, message: str) -> None:
    path = tmp_path / ".mountlint.yaml"
    path.write_text(config)
    with pytest.raises(ConfigError) as raised:
        resolve(load_config(path), Flags(), tmp_path)
    assert message in str(raised.value)
    result = run_mountlint("--config", str(path), str(tmp_path))
    assert result.returncode == 2
    assert message in result.stderr
    assert "Traceback" not in result.stderr


def test_pyproject_exceptions(tmp_path: Path) -> None:
    _repo(tmp_path, "")
    (tmp_path / ".mountlint.yaml").unlink()
    (tmp_path / "pyproject.toml").write_text(
        "[tool.mountlint]\nselect = ['ML101']\n\n[[tool.mountlint.exceptions]]\n"
        "rules = ['ML101']\nreason = 'falco needs the whole host'\n"
        "match = {kind = 'DaemonSet', host-path = '/'}\n"
    )
    result = run_mountlint("--format", "json", ".", cwd=tmp_path)
    report = json.loads(result.stdout)
    assert [f["location"]["line"] for f in report["findings"]] == [20]
    assert [s["suppression"] for s in report["suppressed"]] == [
        {"kind": "external", "justification": "falco needs the whole host"}
    ] * 2


CONFIG = """\
select: [ML101, ML002]
exceptions:
  - rules: [ML101]
    reason: falco reads the runtime state, reviewed in SEC-142
    match:
      files: ["vendor/falco/**"]
      container: falco
  - rules: [ML101]
    reason: an agent that was removed
    match:
      name: old-agent
"""


def test_reports_carry_the_reason_and_unused_exceptions_are_reported(tmp_path: Path) -> None:
    _repo(tmp_path, CONFIG)
    text = run_mountlint(".", cwd=tmp_path)
    assert text.stdout.splitlines() == [
        "vendor/falco/ds.yaml:28:15: ML101 [error] [*] "
        + text.stdout.split("ML101 [error] [*] ")[1].split("\n")[0],
        ".mountlint.yaml:8:1: ML002 [info] Unused exception in the configuration: "
        "no ML101 finding matches it",
        "Found 2 problems (1 fixable with --fix). 2 suppressed.",
    ]
    assert text.returncode == 1

    report = json.loads(run_mountlint("--format", "json", ".", cwd=tmp_path).stdout)
    jsonschema.Draft202012Validator(report_schema()).validate(report)
    assert [(s["location"]["line"], s["suppression"]) for s in report["suppressed"]] == [
        (
            20,
            {
                "kind": "external",
                "justification": "falco reads the runtime state, reviewed in SEC-142",
            },
        ),
        (
            22,
            {
                "kind": "external",
                "justification": "falco reads the runtime state, reviewed in SEC-142",
            },
        ),
    ]

    sarif = json.loads(
        run_mountlint("--format", "sarif", "--include-suppressed", ".", cwd=tmp_path).stdout
    )
    suppressions = [r.get("suppressions") for r in sarif["runs"][0]["results"]]
    assert suppressions.count(None) == 2
    assert [s for s in suppressions if s] == [
        [
            {
                "kind": "external",
                "status": "accepted",
                "justification": "falco reads the runtime state, reviewed in SEC-142",
            }
        ]
    ] * 2


def test_unused_exceptions_only_when_the_run_covers_the_configuration_folder(
    tmp_path: Path,
) -> None:
    """Linting a few files (pre-commit passes the changed ones) says nothing of the others."""
    _repo(tmp_path, CONFIG)
    result = run_mountlint("vendor/falco/ds.yaml", cwd=tmp_path)
    assert "ML002" not in result.stdout
    result = run_mountlint(str(tmp_path), cwd=tmp_path / "vendor")
    assert "ML002" in result.stdout
    # ML002 not selected: not reported
    result = run_mountlint("--ignore", "ML002", ".", cwd=tmp_path)
    assert "ML002" not in result.stdout


def test_fix_leaves_excepted_findings_alone(tmp_path: Path) -> None:
    _repo(tmp_path, CONFIG.replace("      container: falco\n", ""))
    result = run_mountlint("--fix", ".", cwd=tmp_path)
    assert "mountPropagation" not in (tmp_path / "vendor/falco/ds.yaml").read_text()
    assert result.returncode == 0, result.stdout  # the unused exception is only info
    assert "3 suppressed" in result.stdout


def test_inline_comment_reason_is_the_sarif_justification(tmp_path: Path) -> None:
    path = tmp_path / "ds.yaml"
    path.write_text(
        FALCO.replace(
            "            - name: root\n              mountPath: /rootfs",
            "            # mountlint: disable=ML101 -- the sidecar only reads /etc\n"
            "            - name: root\n              mountPath: /rootfs",
        )
    )
    sarif = json.loads(
        run_mountlint(
            "--format", "sarif", "--select", "ML101", "--include-suppressed", str(path)
        ).stdout
    )
    suppressed = [r["suppressions"] for r in sarif["runs"][0]["results"] if "suppressions" in r]
    assert suppressed == [[{"kind": "inSource", "justification": "the sidecar only reads /etc"}]]
    report = json.loads(run_mountlint("--format", "json", "--select", "ML101", str(path)).stdout)
    assert [s["suppression"] for s in report["suppressed"]] == [
        {"kind": "inSource", "justification": "the sidecar only reads /etc"}
    ]


def test_config_without_path_resolves(tmp_path: Path) -> None:
    assert resolve(Config(), Flags(), tmp_path).settings.exceptions == ()


@pytest.mark.skipif(shutil.which("helm") is None, reason="helm is not on PATH")
def test_exceptions_name_chart_templates_and_fix_leaves_them_alone(tmp_path: Path) -> None:
    templates = tmp_path / "chart" / "templates"
    templates.mkdir(parents=True)
    (tmp_path / "chart" / "Chart.yaml").write_text("apiVersion: v2\nname: falco\nversion: 1.0.0\n")
    (templates / "ds.yaml").write_text(FALCO)
    (tmp_path / ".mountlint.yaml").write_text(
        "exceptions:\n  - rules: [ML101]\n    reason: upstream chart\n"
        "    match: {files: [chart/templates/**], container: falco}\n"
    )
    result = run_mountlint(
        "--format", "json", "--fix", "--select", "ML101,ML002", ".", cwd=tmp_path
    )
    report = json.loads(result.stdout)
    assert report["findings"] == []
    assert report["summary"]["fixed"] == 1  # the sidecar's mount, which no exception names
    assert (templates / "ds.yaml").read_text().count("mountPropagation: HostToContainer") == 1
    suppressed = [(s["location"]["path"], s["location"]["line"]) for s in report["suppressed"]]
    assert suppressed == [("chart/templates/ds.yaml", 20), ("chart/templates/ds.yaml", 22)]


@pytest.mark.skipif(build_command() is None, reason="neither kustomize nor kubectl is on PATH")
def test_exceptions_name_the_sources_of_a_kustomize_build(tmp_path: Path) -> None:
    base = tmp_path / "base"
    base.mkdir()
    (base / "kustomization.yaml").write_text("resources: [ds.yaml]\nnamespace: falco\n")
    (base / "ds.yaml").write_text(FALCO.replace("  namespace: falco\n", ""))
    (tmp_path / ".mountlint.yaml").write_text(
        "exceptions:\n  - rules: [ML101]\n    reason: reviewed\n"
        "    match: {files: [base/ds.yaml], container: falco}\n"
        "  - rules: [ML201]\n    reason: reviewed\n    match: {namespace: falco}\n"
    )
    result = run_mountlint(
        "--format", "json", "--fix", "--select", "ML101,ML201,ML002", ".", cwd=tmp_path
    )
    report = json.loads(result.stdout)
    assert [(f["location"]["line"], f["code"]) for f in report["findings"]] == []
    assert report["summary"]["fixed"] == 1  # the sidecar's mount, which no exception names
    text = (base / "ds.yaml").read_text()
    assert text.count("mountPropagation: HostToContainer") == 1
    assert sorted(s["code"] for s in report["suppressed"]) == ["ML101", "ML101", "ML201", "ML201"]
