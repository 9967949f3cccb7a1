"""``--jobs``: large files are handed out first, results come back small and in input order."""

from __future__ import annotations

import json
import pickle
import shutil
from pathlib import Path

from mountlint.engine import FileResult
from mountlint.runner import _in_input_order, _Input, _largest_first, lint_input
from mountlint.settings import Settings
from mountlint.sources import Source

from helpers import EXAMPLES, run_mountlint

SMALL = EXAMPLES / "incident" / "rootfsmount.yaml"


def test_a_worker_sends_helm_output_back_once_not_twice(tmp_path: Path) -> None:
    (tmp_path / ".git").mkdir()  # the chart search stops here
    chart = tmp_path / "agent"
    (chart / "templates").mkdir(parents=True)
    (chart / "Chart.yaml").write_text("apiVersion: v2\nname: agent\nversion: 1.0.0\n")
    rendered = chart / "rendered.yaml"
    text = "---\n# Source: agent/templates/ds.yaml\n" + SMALL.read_text() + "# padding\n" * 5000
    rendered.write_text(text)
    result = lint_input(_Input(Settings(), rendered), 10 * 1024 * 1024, keep_text=False)
    assert isinstance(result, FileResult)
    assert result.decoded is not None  # the parent maps its findings to the templates
    assert result.source.raw == b""
    assert len(pickle.dumps(result)) < 1.5 * len(text)


def test_helm_output_without_a_chart_comes_back_without_its_text(tmp_path: Path) -> None:
    (tmp_path / ".git").mkdir()
    rendered = tmp_path / "rendered.yaml"
    text = "---\n# Source: agent/templates/ds.yaml\n" + SMALL.read_text() + "# padding\n" * 50000
    rendered.write_text(text)
    result = lint_input(_Input(Settings(), rendered), 10 * 1024 * 1024, keep_text=False)
    assert isinstance(result, FileResult) and result.findings
    assert result.decoded is None  # nothing to map its findings to: the text stays behind
    assert len(pickle.dumps(result)) < len(text) / 10
    named = lint_input(_Input(Settings(), rendered), 10 * 1024 * 1024, False, str(tmp_path))
    assert isinstance(named, FileResult) and named.decoded is not None  # --chart-dir names one


def test_stdin_keeps_its_bytes() -> None:
    source = Source("-", SMALL.read_bytes(), from_stdin=True)
    result = lint_input(_Input(Settings(), stdin=source), 10 * 1024 * 1024, keep_text=False)
    assert isinstance(result, FileResult) and result.source.raw == SMALL.read_bytes()


def test_largest_files_go_first_and_results_come_back_in_input_order(tmp_path: Path) -> None:
    sizes = [10, 3000, 1, 500]
    inputs = []
    for number, size in enumerate(sizes):
        path = tmp_path / f"{number}.yaml"
        path.write_text("#" * size)
        inputs.append(_Input(Settings(), path))
    inputs.append(_Input(Settings(), tmp_path / "missing.yaml"))
    order = _largest_first(inputs)
    assert order == [1, 3, 0, 2, 4]
    arrived = [f"result {index}" for index in order]
    assert list(_in_input_order(order, arrived)) == [f"result {n}" for n in range(5)]  # type: ignore[arg-type]


def test_jobs_2_reports_what_jobs_1_reports(tmp_path: Path) -> None:
    for number in range(12):
        shutil.copy(SMALL, tmp_path / f"pod{number}.yaml")
    (tmp_path / "big.yaml").write_text((SMALL.read_text() + "---\n") * 40)
    reports = [
        json.loads(
            run_mountlint(
                "--exit-zero", "--format", "json", "--jobs", jobs, str(tmp_path), cwd=tmp_path
            ).stdout
        )["findings"]
        for jobs in ("1", "2")
    ]
    assert reports[0] == reports[1]
    assert len(reports[0]) > 13
