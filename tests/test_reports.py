"""Reports for machines: SARIF (checked by the official validator), JSON, GitHub annotations."""

from __future__ import annotations

import json
import os
import shutil
import stat
import subprocess
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from mountlint.edits import Applicability
from mountlint.engine import lint_text
from mountlint.findings import Finding, Location
from mountlint.registry import all_rules
from mountlint.report import RunOutcome
from mountlint.report.github import escape_data, escape_property, format_annotation
from mountlint.report.json import report_schema
from mountlint.report.sarif import build_log, fingerprint, pascal_case, to_json
from mountlint.rule import FixAvailability, Severity
from mountlint.settings import Settings

from helpers import EXAMPLES, FIXTURES, REPO, run_mountlint, sarif_multitool_dir

RULE_FIXTURES = FIXTURES / "rules"
INCIDENT = EXAMPLES / "incident" / "rootfsmount.yaml"


def _sarif(*args: str, cwd: Path = REPO) -> dict[str, Any]:
    result = run_mountlint("--format", "sarif", *args, cwd=cwd)
    assert result.returncode in (0, 1), result.stderr
    loaded: dict[str, Any] = json.loads(result.stdout)
    return loaded


@pytest.fixture(scope="module")
def sarif_schema() -> dict[str, Any]:
    path = sarif_multitool_dir() / "sarif-2.1.0.json"
    if not path.is_file():
        pytest.skip(
            f"the SARIF Multitool package (with sarif-2.1.0.json) is not installed at {path.parent}"
        )
    loaded: dict[str, Any] = json.loads(path.read_text(encoding="utf-8-sig"))
    return loaded


def _multitool_errors(sarif_path: Path, tmp_path: Path) -> list[str]:
    tool = sarif_multitool_dir() / "Sarif.Multitool"
    if not tool.is_file():
        pytest.skip(f"the SARIF Multitool is not installed at {tool}")
    tool.chmod(tool.stat().st_mode | stat.S_IXUSR)
    out = tmp_path / "validation.sarif"
    subprocess.run(
        [
            str(tool),
            "validate",
            "--rule-kind",
            "Sarif;Gh",
            "--level",
            "Error;Warning",
            "-o",
            str(out),
            str(sarif_path),
        ],
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
        env={**os.environ, "DOTNET_SYSTEM_GLOBALIZATION_INVARIANT": "1"},
    )
    assert out.is_file(), "the Multitool wrote no output"
    results = json.loads(out.read_text(encoding="utf-8-sig"))["runs"][0].get("results", [])
    return [f"{r['ruleId']}: {r['message']}" for r in results]


@pytest.mark.parametrize(
    "target",
    [["examples"], ["--select", "ALL", "--include-suppressed", "tests/fixtures/rules"]],
    ids=["examples", "every-rule"],
)
def test_sarif_passes_the_official_validator(
    target: list[str], tmp_path: Path, sarif_schema: dict[str, Any]
) -> None:
    log = _sarif(*target)
    jsonschema.Draft7Validator(sarif_schema).validate(log)
    path = tmp_path / "report.sarif"
    path.write_text(json.dumps(log))
    assert _multitool_errors(path, tmp_path) == []


def test_every_rule_fixture_shows_up_in_the_every_rule_sarif() -> None:
    log = _sarif("--select", "ALL", "tests/fixtures/rules")
    fired = {result["ruleId"] for result in log["runs"][0]["results"]}
    assert fired == {item.rule.code for item in all_rules()}


def test_sarif_structure() -> None:
    log = _sarif("--sarif-category", "manifests/prod", str(INCIDENT.relative_to(REPO)))
    assert log["$schema"] == "https://json.schemastore.org/sarif-2.1.0.json"
    assert log["version"] == "2.1.0"
    [run] = log["runs"]
    rules = run["tool"]["driver"]["rules"]
    assert [rule["id"] for rule in rules] == [item.rule.code for item in all_rules()]
    ml101 = rules[[rule["id"] for rule in rules].index("ML101")]
    assert ml101["name"] == "HostMountPinsRuntimeMounts"
    assert ml101["defaultConfiguration"]["level"] == "error"
    assert "## Why is this bad?" in ml101["help"]["markdown"]
    assert ml101["helpUri"].endswith("#ml101-host-mount-pins-runtime-mounts")
    assert run["automationDetails"]["id"] == "manifests/prod"
    assert run["invocations"][0]["exitCode"] == 1
    [result] = run["results"]
    assert result["ruleId"] == "ML101"
    assert rules[result["ruleIndex"]]["id"] == "ML101"
    location = result["locations"][0]["physicalLocation"]
    assert location["artifactLocation"] == {
        "uri": "examples/incident/rootfsmount.yaml",
        "uriBaseId": "%SRCROOT%",
    }
    assert location["region"]["startLine"] == 24
    assert result["message"]["text"].endswith(".")
    assert set(result["partialFingerprints"]) == {"mountlint/v1"}
    assert len(result["relatedLocations"]) == 2


def test_results_always_present_and_notifications_for_unreadable_inputs(tmp_path: Path) -> None:
    result = run_mountlint("--format", "sarif", "missing.yaml", cwd=tmp_path)
    assert result.returncode == 2
    [run] = json.loads(result.stdout)["runs"]
    assert run["results"] == []
    invocation = run["invocations"][0]
    assert invocation["exitCode"] == 2
    assert invocation["executionSuccessful"] is False
    assert "missing.yaml" in invocation["toolExecutionNotifications"][0]["message"]["text"]


def test_suppressed_only_with_include_suppressed(tmp_path: Path) -> None:
    path = tmp_path / "x.yaml"
    path.write_text(
        INCIDENT.read_text().replace(
            "name: host-rootfs\n      volumes",
            "name: host-rootfs  # mountlint: disable=ML101\n      volumes",
        )
    )
    plain = json.loads(run_mountlint("--format", "sarif", "--select", "ML101", str(path)).stdout)
    assert plain["runs"][0]["results"] == []
    included = json.loads(
        run_mountlint(
            "--format", "sarif", "--select", "ML101", "--include-suppressed", str(path)
        ).stdout
    )
    [result] = included["runs"][0]["results"]
    assert result["suppressions"] == [{"kind": "inSource"}]


def _ml101(text: str) -> list[Finding]:
    return lint_text(text, "deploy/app.yaml", Settings(select=frozenset({"ML101"})))


def test_fingerprint_survives_inserted_lines_and_reformatting() -> None:
    text = INCIDENT.read_text()
    [original] = _ml101(text)
    [shifted] = _ml101("# a new comment\n\n" + text)
    reformatted_text = text.replace(
        "        - mountPath: /rootfs\n          name: host-rootfs\n",
        "        - {name: host-rootfs, mountPath: /rootfs}\n",
    ).replace("  replicas: 1\n", "  replicas: 1\n  minReadySeconds: 5\n")
    [reformatted] = _ml101(reformatted_text)
    assert shifted.location.line != original.location.line
    assert reformatted.location.line != original.location.line
    prints = {fingerprint(f, "deploy/app.yaml") for f in (original, shifted, reformatted)}
    assert len(prints) == 1


def test_fingerprint_differs_between_two_mounts_of_one_object() -> None:
    text = INCIDENT.read_text().replace(
        "        - mountPath: /rootfs\n",
        "        - mountPath: /rootfs2\n          name: host-rootfs\n        - mountPath: /rootfs\n",
    )
    findings = _ml101(text)
    assert len(findings) == 2
    assert len({fingerprint(f, "deploy/app.yaml") for f in findings}) == 2


def _apply_sarif_fixes(text: str, result: dict[str, Any]) -> str:
    replacements = [
        replacement
        for fix in result.get("fixes", [])
        for change in fix["artifactChanges"]
        for replacement in change["replacements"]
    ]
    for replacement in sorted(
        replacements, key=lambda r: r["deletedRegion"]["charOffset"], reverse=True
    ):
        start = replacement["deletedRegion"]["charOffset"]
        end = start + replacement["deletedRegion"]["charLength"]
        text = text[:start] + replacement.get("insertedContent", {}).get("text", "") + text[end:]
    return text


FIXABLE = [item.rule.code for item in all_rules() if item.rule.fix is not FixAvailability.NONE]


@pytest.mark.parametrize("code", FIXABLE)
def test_sarif_fixes_equal_what_fix_writes(code: str, tmp_path: Path) -> None:
    folder = RULE_FIXTURES / code
    settings_file = folder / "settings.json"
    extra = (
        json.loads(settings_file.read_text()).get("select", []) if settings_file.is_file() else []
    )
    selection = ",".join([code, *extra])
    bad = folder / "bad.yaml"
    copy = tmp_path / "bad.yaml"
    shutil.copy(bad, copy)
    for key in ("runtime",):
        if settings_file.is_file() and key in json.loads(settings_file.read_text()):
            pytest.skip(f"{code}'s fixture needs settings the command line cannot give")
    log = json.loads(
        run_mountlint(
            "--format", "sarif", "--select", selection, "--exit-zero", str(copy), cwd=tmp_path
        ).stdout
    )
    text = copy.read_text()
    expected_fixes = [r for r in log["runs"][0]["results"] if r.get("fixes")]
    assert expected_fixes, f"{code}: no fix in SARIF"
    from_sarif = text
    for result in sorted(
        expected_fixes,
        key=lambda r: (
            -r["fixes"][0]["artifactChanges"][0]["replacements"][0]["deletedRegion"]["charOffset"]
        ),
    ):
        from_sarif = _apply_sarif_fixes(from_sarif, result)
    run_mountlint(
        "--fix", "--unsafe-fixes", "--select", selection, "--exit-zero", str(copy), cwd=tmp_path
    )
    assert from_sarif.encode() == copy.read_bytes()


def test_json_report_matches_its_schema() -> None:
    result = run_mountlint(
        "--format",
        "json",
        "--select",
        "ALL",
        "--include-suppressed",
        "tests/fixtures/rules",
        cwd=REPO,
    )
    report = json.loads(result.stdout)
    jsonschema.Draft202012Validator(report_schema()).validate(report)
    assert report["summary"]["findings"] == len(report["findings"]) > 20


def test_github_escaping() -> None:
    assert escape_data("100% done\r\nnext") == "100%25 done%0D%0Anext"
    assert escape_property("a:b,c%\n") == "a%3Ab%2Cc%25%0A"
    rule = next(item.rule for item in all_rules() if item.rule.code == "ML101")
    finding = Finding(
        rule=rule,
        severity=Severity.WARNING,
        message="50% of\nmounts: bad, really",
        location=Location("dir,with:odd/x.yaml", 3, 5, 4, 1, 10, 20),
    )
    assert format_annotation(finding) == (
        "::warning file=dir%2Cwith%3Aodd/x.yaml,line=3,col=5,endLine=4,endColumn=1,"
        "title=ML101 host-mount-pins-runtime-mounts::50%25 of%0Amounts: bad, really"
    )


def test_github_format_cli() -> None:
    result = run_mountlint("--format", "github", str(INCIDENT.relative_to(REPO)), cwd=REPO)
    assert result.returncode == 1
    assert result.stdout.startswith(
        "::error file=examples/incident/rootfsmount.yaml,line=24,col=11,"
    )


def test_pascal_case_and_serializer_omit_defaults() -> None:
    assert pascal_case("host-mount-pins-runtime-mounts") == "HostMountPinsRuntimeMounts"
    data = to_json(build_log(RunOutcome(), REPO))
    run = data["runs"][0]
    assert run["results"] == []
    assert "contents" not in run["tool"]["driver"]
    assert "kind" not in json.dumps(run["results"])


def test_display_only_fixes_are_not_in_sarif() -> None:
    text = INCIDENT.read_text().replace(
        "        - mountPath: /rootfs\n          name: host-rootfs\n",
        "        - &m {mountPath: /rootfs, name: host-rootfs}\n        - *m\n",
    )
    findings = _ml101(text)
    assert all(
        f.fix is not None and f.fix.applicability is Applicability.DISPLAY_ONLY for f in findings
    )
    log = to_json(build_log(RunOutcome(findings=findings), REPO))
    assert all("fixes" not in result for result in log["runs"][0]["results"])


def test_summary_counts_files_not_linted_and_fixed_files_not_written() -> None:
    from mountlint.report.json import render_json
    from mountlint.report.text import summary_line
    from mountlint.sources import InputProblem

    outcome = RunOutcome(
        problems=[
            InputProblem("a.yaml", "permission denied"),
            InputProblem("b.yaml", "changed since it was read", writing=True),
        ],
        files_checked=3,
        fixed=2,
        exit_code=2,
    )
    assert summary_line(outcome) == (
        "Found 2 problems (2 fixed, 0 remaining). "
        "1 file could not be linted; 1 fixed file could not be written."
    )
    report = json.loads(render_json(outcome))
    jsonschema.Draft202012Validator(report_schema()).validate(report)
    assert (report["summary"]["files_not_linted"], report["summary"]["files_not_written"]) == (1, 1)
    clean = RunOutcome(problems=[InputProblem("a.yaml", "no such file")], files_checked=2)
    assert summary_line(clean) == "No problems found in 2 files, but 1 file could not be linted."
