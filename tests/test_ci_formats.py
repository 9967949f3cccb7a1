"""Reports for CI systems: JUnit XML, GitLab Code Quality, several reports from one run, and the
GitHub Action and GitLab CI files that use them."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from ruamel.yaml import YAML

from helpers import EXAMPLES, REPO, run_mountlint

SCHEMAS = Path(__file__).resolve().parent / "schemas"
INCIDENT = EXAMPLES / "incident"
BAD = INCIDENT / "rootfsmount.yaml"
FIXED = INCIDENT / "rootfsmount-fixed.yaml"


@pytest.fixture(scope="module")
def junit_schema() -> Any:
    xmlschema = pytest.importorskip("xmlschema")
    return xmlschema.XMLSchema(str(SCHEMAS / "junit.xsd"))


def _gitlab_schema() -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads((SCHEMAS / "gitlab-code-quality.schema.json").read_text())
    return loaded


def _junit(*args: str, cwd: Path = REPO) -> tuple[subprocess.CompletedProcess[str], ET.Element]:
    result = run_mountlint("--format", "junit", *args, cwd=cwd)
    assert result.returncode in (0, 1, 2), result.stderr
    return result, ET.fromstring(result.stdout.encode())


def test_junit_has_a_failure_per_finding_and_a_pass_per_clean_file(junit_schema: Any) -> None:
    result, root = _junit("examples")
    junit_schema.validate(result.stdout)
    json_report = json.loads(run_mountlint("--format", "json", "examples", cwd=REPO).stdout)
    suite = root.find("testsuite")
    assert suite is not None
    cases = suite.findall("testcase")
    failures = [case for case in cases if case.find("failure") is not None]
    passing = [case for case in cases if len(case) == 0]
    assert len(failures) == len(json_report["findings"]) > 0
    assert suite.get("failures") == str(len(failures))
    assert suite.get("tests") == str(len(cases))
    with_findings = {f["location"]["path"] for f in json_report["findings"]}
    clean = {case.get("classname") for case in passing}
    assert os.path.join("examples", "incident", "rootfsmount-fixed.yaml") in clean
    assert not clean & with_findings
    assert len(clean) == json_report["summary"]["files_checked"] - len(with_findings)
    failure = failures[0].find("failure")
    assert failure is not None and failure.get("type", "").startswith("ML")


def test_junit_all_clean_and_not_linted_files_stay_valid(junit_schema: Any, tmp_path: Path) -> None:
    result, root = _junit(str(FIXED))
    junit_schema.validate(result.stdout)
    assert result.returncode == 0
    assert [case.get("classname") for case in root.iter("testcase")] == [str(FIXED)]
    (tmp_path / "bad.yaml").write_bytes(b"\xff\xfe\x00broken")
    missing = tmp_path / "missing.yaml"
    result, root = _junit(str(missing), str(FIXED))
    junit_schema.validate(result.stdout)
    assert result.returncode == 2
    errors = [case for case in root.iter("testcase") if case.find("error") is not None]
    assert [case.get("classname") for case in errors] == [str(missing)]
    assert root.find("testsuite").get("errors") == "1"  # type: ignore[union-attr]


def test_junit_survives_control_characters_in_names_and_messages(
    junit_schema: Any, tmp_path: Path
) -> None:
    text = BAD.read_text().replace("path: /\n", 'path: "/\\u0001\\u001b[2J"\n')
    hostile = tmp_path / "a\x01b\x1b.yaml"
    hostile.write_text(text)
    result, root = _junit(str(tmp_path))
    assert result.returncode == 1, result.stderr
    junit_schema.validate(result.stdout)
    assert "\x01" not in result.stdout and "\x1b" not in result.stdout
    names = [case.get("classname", "") for case in root.iter("testcase")]
    assert names == [str(tmp_path / "a\\x01b\\x1b.yaml")]


def test_gitlab_report_matches_the_documented_format() -> None:
    result = run_mountlint("--format", "gitlab", "examples", cwd=REPO)
    assert result.returncode == 1, result.stderr
    issues = json.loads(result.stdout)
    jsonschema.validate(issues, _gitlab_schema())
    findings = json.loads(run_mountlint("--format", "json", "examples", cwd=REPO).stdout)
    assert len(issues) == len(findings["findings"]) > 0
    assert len({issue["fingerprint"] for issue in issues}) == len(issues)
    assert {issue["severity"] for issue in issues} <= {"critical", "major", "info"}
    first = issues[0]
    assert first["location"]["path"] == findings["findings"][0]["location"]["path"]
    assert first["check_name"].startswith(findings["findings"][0]["code"])


def test_gitlab_paths_are_relative_to_the_repository_and_fingerprints_match_sarif() -> None:
    gitlab = json.loads(run_mountlint("--format", "gitlab", str(BAD), cwd=INCIDENT).stdout)
    sarif = json.loads(run_mountlint("--format", "sarif", str(BAD), cwd=INCIDENT).stdout)
    assert [issue["location"]["path"] for issue in gitlab] == ["examples/incident/rootfsmount.yaml"]
    result = sarif["runs"][0]["results"][0]
    assert gitlab[0]["fingerprint"] == result["partialFingerprints"]["mountlint/v1"]
    assert gitlab[0]["severity"] == "critical"
    assert gitlab[0]["location"]["lines"]["begin"] == 24


def test_gitlab_fingerprints_stay_unique_for_repeated_findings(tmp_path: Path) -> None:
    document = BAD.read_text()
    (tmp_path / "twice.yaml").write_text(f"{document}\n---\n{document}")
    issues = json.loads(run_mountlint("--format", "gitlab", str(tmp_path)).stdout)
    sarif = json.loads(run_mountlint("--format", "sarif", str(tmp_path)).stdout)
    repeated = [r["partialFingerprints"]["mountlint/v1"] for r in sarif["runs"][0]["results"]]
    assert len(set(repeated)) == len(repeated) // 2  # each object's findings come twice
    assert len({issue["fingerprint"] for issue in issues}) == len(issues) == len(repeated)
    jsonschema.validate(issues, _gitlab_schema())


def test_one_run_writes_several_reports(tmp_path: Path, junit_schema: Any) -> None:
    sarif, junit, github = tmp_path / "m.sarif", tmp_path / "m.xml", tmp_path / "m.txt"
    result = run_mountlint(
        "--format",
        "text",
        "--output-format",
        f"sarif:{sarif}",
        "--output-format",
        f"junit:{junit}",
        "--output-format",
        f"github:{github}",
        "examples",
        cwd=REPO,
    )
    assert result.returncode == 1, result.stderr
    assert result.stdout == run_mountlint("examples", cwd=REPO).stdout
    assert github.read_text() == run_mountlint("--format", "github", "examples", cwd=REPO).stdout
    separate = run_mountlint("--format", "sarif", "examples", cwd=REPO).stdout
    assert json.loads(sarif.read_text()) == json.loads(separate)
    junit_schema.validate(str(junit))


def test_output_format_with_quiet_still_writes_files(tmp_path: Path) -> None:
    report = tmp_path / "gl.json"
    result = run_mountlint("-qq", "--output-format", f"gitlab:{report}", str(BAD))
    assert (result.returncode, result.stdout, result.stderr) == (1, "", "")
    assert len(json.loads(report.read_text())) == 1


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--output-format", "xml:out.xml"], "unknown format 'xml'"),
        (["--output-format", "sarif"], "is not FORMAT:FILE"),
        (["--output-format", "sarif:"], "is not FORMAT:FILE"),
        (["-o", "r.json", "--output-format", "sarif:./r.json"], "two reports would be written"),
        (["--output-format", "junit:a", "--output-format", "gitlab:a"], "two reports would be"),
        (["--statistics", "--format", "sarif"], "--statistics prints text or json"),
    ],
)
def test_bad_report_options_are_usage_errors(args: list[str], message: str, tmp_path: Path) -> None:
    result = run_mountlint(*args, str(BAD), cwd=tmp_path)
    assert result.returncode == 2
    assert message in result.stderr
    assert "Traceback" not in result.stderr
    assert list(tmp_path.iterdir()) == []


def test_unwritable_report_file_exits_2(tmp_path: Path) -> None:
    result = run_mountlint("--output-format", f"sarif:{tmp_path}", str(BAD))
    assert result.returncode == 2
    assert f"{tmp_path}: cannot write the report" in result.stderr
    assert "Traceback" not in result.stderr


def test_gitlab_ci_example_matches_its_schema() -> None:
    tool = shutil.which(
        "check-jsonschema",
        path=os.pathsep.join([str(Path(sys.executable).parent), os.environ.get("PATH", "")]),
    )
    if tool is None:
        pytest.skip("check-jsonschema is not installed (pip install '.[test]')")
    example = EXAMPLES / "gitlab-ci.yml"
    result = subprocess.run(
        [tool, "--builtin-schema", "vendor.gitlab-ci", str(example)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    job = YAML(typ="safe").load(example.read_text())["mountlint"]
    script = " ".join(job["script"])
    reports = job["artifacts"]["reports"]
    assert f"junit:{reports['junit']}" in script
    assert f"gitlab:{reports['codequality']}" in script


def _lint_step() -> tuple[str, dict[str, str]]:
    """The Action's lint script, and its env with the inputs' defaults filled in."""
    action = YAML(typ="safe").load((REPO / "action.yml").read_text())
    defaults = {name: spec.get("default", "") for name, spec in action["inputs"].items()}
    step = next(step for step in action["runs"]["steps"] if step.get("id") == "lint")
    env = {}
    for key, value in step["env"].items():
        name = value.removeprefix("${{ inputs.").removesuffix(" }}")
        env[key] = defaults[name]
    return step["run"], env


def _run_action(tmp_path: Path, **inputs: str) -> tuple[subprocess.CompletedProcess[str], Path]:
    """Run the lint step as the runner would, with a ``python3`` that logs each run."""
    shim = tmp_path / "bin"
    shim.mkdir()
    log = tmp_path / "runs.log"
    (shim / "python3").write_text(
        f'#!/bin/sh\nprintf "%s\\n" "$*" >> "{log}"\nexec "{sys.executable}" "$@"\n'
    )
    (shim / "python3").chmod(0o755)
    script, env = _lint_step()
    env.update(inputs)
    output = tmp_path / "github_output"
    result = subprocess.run(
        ["bash", "-c", script],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        env={
            **{k: v for k, v in os.environ.items() if k not in ("NO_COLOR", "FORCE_COLOR")},
            **env,
            "PATH": f"{shim}{os.pathsep}{os.environ['PATH']}",
            "GITHUB_OUTPUT": str(output),
        },
    )
    return result, log


def test_action_lints_once_for_annotations_and_sarif(tmp_path: Path) -> None:
    shutil.copy(BAD, tmp_path / "bad.yaml")
    result, log = _run_action(tmp_path, MOUNTLINT_PATHS="bad.yaml")
    assert result.returncode == 1, result.stderr
    runs = log.read_text().splitlines()
    assert len(runs) == 1, runs
    assert "--baseline" not in runs[0]
    assert "::error file=bad.yaml,line=24" in result.stdout
    annotations = [line for line in result.stdout.splitlines() if line.startswith("::")]
    sarif = json.loads((tmp_path / "mountlint.sarif").read_text())
    assert len(sarif["runs"][0]["results"]) == len(annotations) > 0
    outputs = (tmp_path / "github_output").read_text()
    assert "exit-code=1" in outputs and "sarif-file=mountlint.sarif" in outputs


def test_action_format_and_baseline_inputs(tmp_path: Path) -> None:
    shutil.copy(BAD, tmp_path / "bad.yaml")
    result, log = _run_action(
        tmp_path, MOUNTLINT_PATHS="bad.yaml", MOUNTLINT_FORMAT="text", MOUNTLINT_BASELINE="b.json"
    )
    assert "Traceback" not in result.stderr
    runs = log.read_text().splitlines()
    assert len(runs) == 1
    assert "--format text" in runs[0]
    assert "--baseline b.json" in runs[0]


@pytest.mark.skipif(shutil.which("kubectl") is None, reason="kubectl is not installed")
def test_junit_lists_the_files_of_a_kustomize_build(junit_schema: Any, tmp_path: Path) -> None:
    (tmp_path / "bad.yaml").write_text(BAD.read_text())
    (tmp_path / "good.yaml").write_text(
        FIXED.read_text().replace("name: rootfsmount\n", "name: rootfsmount-ok\n")
    )
    (tmp_path / "kustomization.yaml").write_text("resources:\n- bad.yaml\n- good.yaml\n")
    result, root = _junit("--select", "ML101", ".", cwd=tmp_path)
    junit_schema.validate(result.stdout)
    cases = {
        (case.get("classname"), case.find("failure") is not None) for case in root.iter("testcase")
    }
    assert cases == {("bad.yaml", True), ("good.yaml", False), ("kustomization.yaml", False)}


@pytest.mark.skipif(shutil.which("helm") is None, reason="helm is not on PATH")
def test_junit_chart_with_findings_in_templates_does_not_pass(
    junit_schema: Any, tmp_path: Path
) -> None:
    shutil.copytree(
        Path(__file__).parent / "fixtures" / "charts" / "values-helpers", tmp_path / "c"
    )
    result, root = _junit(".", cwd=tmp_path)
    junit_schema.validate(result.stdout)
    failing = {case.get("classname") for case in root.iter("testcase") if len(case)}
    passing = {case.get("classname") for case in root.iter("testcase") if not len(case)}
    assert "c/templates/_helpers.tpl" in failing
    assert "c" not in passing
