"""The places mountlint runs: pre-commit (the real tool) and the GitHub Action (schema-checked)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from helpers import EXAMPLES, REPO

INCIDENT = EXAMPLES / "incident"


def _tool(name: str) -> list[str]:
    found = shutil.which(
        name, path=os.pathsep.join([str(Path(sys.executable).parent), os.environ.get("PATH", "")])
    )
    if found is None:
        pytest.skip(f"{name} is not installed (pip install '.[test]')")
    return [found]


@pytest.fixture(scope="module")
def pre_commit_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("pre-commit-home")


def _git_repo(path: Path) -> None:
    shutil.copytree(INCIDENT, path, dirs_exist_ok=True)
    (path / "rootfsmount-fixed.yaml").unlink()
    (path / "sleeping.yaml").unlink()
    subprocess.run(["git", "init", "-q"], cwd=path, check=True)
    subprocess.run(["git", "add", "."], cwd=path, check=True)


def _try_repo(hook: str, repo: Path, home: Path, *files: str) -> subprocess.CompletedProcess[str]:
    """``pre-commit try-repo`` of this checkout on ``files`` (all files when none are given)."""
    which = ["--files", *files] if files else ["--all-files"]
    return subprocess.run(
        [*_tool("pre-commit"), "try-repo", str(REPO), hook, *which, "--color", "never"],
        cwd=repo,
        capture_output=True,
        text=True,
        timeout=900,
        env={**os.environ, "PRE_COMMIT_HOME": str(home)},
        check=False,
    )


def test_pre_commit_hooks(tmp_path: Path, pre_commit_home: Path) -> None:
    _git_repo(tmp_path)
    original = (tmp_path / "rootfsmount.yaml").read_bytes()

    lint = _try_repo("mountlint", tmp_path, pre_commit_home)
    assert lint.returncode == 1, lint.stdout + lint.stderr
    assert "rootfsmount.yaml:24:11: ML101 [error]" in lint.stdout
    assert (tmp_path / "rootfsmount.yaml").read_bytes() == original

    fix = _try_repo("mountlint-fix", tmp_path, pre_commit_home)
    assert fix.returncode == 1, fix.stdout + fix.stderr
    assert "files were modified by this hook" in fix.stdout
    assert (tmp_path / "rootfsmount.yaml").read_bytes() == (
        INCIDENT / "rootfsmount-fixed.yaml"
    ).read_bytes()

    again = _try_repo("mountlint-fix", tmp_path, pre_commit_home)
    assert again.returncode == 0, again.stdout + again.stderr
    assert _try_repo("mountlint", tmp_path, pre_commit_home).returncode == 0


#: a chart whose templates take their host mount from a helper in ``_helpers.tpl``
CHART_FILES = {
    "Chart.yaml": "apiVersion: v2\nname: agent\nversion: 0.1.0\n",
    "values.yaml": "image: busybox\n",
    "templates/_helpers.tpl": (
        '{{- define "agent.hostVolume" -}}\n- name: host\n  hostPath:\n    path: /\n{{- end }}\n'
    ),
}
DAEMONSET = """\
apiVersion: apps/v1
kind: DaemonSet
metadata:
  name: agent-{number}
spec:
  selector: {{matchLabels: {{app: agent-{number}}}}}
  template:
    metadata: {{labels: {{app: agent-{number}}}}}
    spec:
      containers:
        - name: agent
          image: {{{{ .Values.image }}}}
          volumeMounts:
            - name: host
              mountPath: /host
              readOnly: true
      volumes:
        {{{{- include "agent.hostVolume" . | nindent 8 }}}}
"""
#: more templates than pre-commit's smallest batch (4 files), so that parallel runs split the chart
DAEMONSETS = 6


def test_pre_commit_renders_a_chart_once_and_on_a_helper_change_alone(
    tmp_path: Path, pre_commit_home: Path
) -> None:
    _tool("helm")
    chart = tmp_path / "chart"
    files = {
        **CHART_FILES,
        **{
            f"templates/agent-{number}.yaml": DAEMONSET.format(number=number)
            for number in range(DAEMONSETS)
        },
    }
    for relative, text in files.items():
        (chart / relative).parent.mkdir(parents=True, exist_ok=True)
        (chart / relative).write_text(text)
    subprocess.run(["git", "init", "-q"], cwd=tmp_path, check=True)
    subprocess.run(["git", "add", "."], cwd=tmp_path, check=True)

    def findings(result: subprocess.CompletedProcess[str]) -> list[str]:
        return [line for line in result.stdout.splitlines() if " ML101 [error] " in line]

    every = _try_repo("mountlint", tmp_path, pre_commit_home)
    assert every.returncode == 1, every.stdout + every.stderr
    expected = sorted(f"chart/templates/agent-{n}.yaml:14:15" for n in range(DAEMONSETS))
    assert sorted(line.split(": ML101")[0] for line in findings(every)) == expected

    helper = _try_repo("mountlint", tmp_path, pre_commit_home, "chart/templates/_helpers.tpl")
    assert helper.returncode == 1, helper.stdout + helper.stderr
    assert len(findings(helper)) == DAEMONSETS


@pytest.mark.parametrize(
    ("schema", "path"),
    [
        ("vendor.github-actions", REPO / "action.yml"),
        ("vendor.github-workflows", EXAMPLES / "github-workflow.yaml"),
    ],
)
def test_github_files_match_their_schemas(schema: str, path: Path) -> None:
    result = subprocess.run(
        [*_tool("check-jsonschema"), "--builtin-schema", schema, str(path)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_action_passes_inputs_through_the_environment() -> None:
    text = (REPO / "action.yml").read_text()
    run_blocks = text.split("run: |")[1:]
    assert run_blocks
    for block in run_blocks:
        script = block.split("\n    - ")[0]
        assert "${{" not in script, "inputs must reach scripts through env, not be pasted into them"
