"""The Python API: the examples of docs/api.md run, and the promises they make hold."""

from __future__ import annotations

import dataclasses
import doctest
from pathlib import Path

import pytest

import mountlint
from mountlint.settings import Settings

from helpers import EXAMPLES, REPO

POD = (EXAMPLES / "incident" / "rootfsmount.yaml").read_text()


def test_the_examples_in_docs_api_md_run() -> None:
    failures, tried = doctest.testfile(
        str(REPO / "docs" / "api.md"),
        module_relative=False,
        optionflags=doctest.ELLIPSIS,
        raise_on_error=False,
    )
    assert tried > 20
    assert failures == 0


def test_all_names_exactly_the_public_api() -> None:
    assert sorted(mountlint.__all__) == sorted(
        [
            "Applicability",
            "Config",
            "ConfigurationError",
            "Edit",
            "Finding",
            "Fix",
            "KubernetesObject",
            "Problem",
            "Report",
            "Severity",
            "__version__",
            "fix_text",
            "lint_paths",
            "lint_text",
            "load_config",
        ]
    )
    for name in mountlint.__all__:
        assert hasattr(mountlint, name)


def test_a_finding_has_the_documented_fields_and_is_frozen() -> None:
    fields = [field.name for field in dataclasses.fields(mountlint.Finding)]
    assert fields == [
        "code",
        "name",
        "severity",
        "message",
        "path",
        "line",
        "column",
        "end_line",
        "end_column",
        "field_path",
        "object",
        "fix",
    ]
    finding = mountlint.lint_text(POD, path="deploy.yaml")[0]
    with pytest.raises(dataclasses.FrozenInstanceError):
        finding.code = "ML000"  # type: ignore[misc]
    assert finding.path == "deploy.yaml"
    assert str(finding.object) == "Deployment/rootfsmount"


@pytest.mark.parametrize(
    "build",
    [
        lambda: mountlint.Config(select=("writable-host-pathh",)),
        lambda: mountlint.Config(select=("ML999",)),
        lambda: mountlint.Config(ignore=("no-such-rule",)),
        lambda: mountlint.Config(runtime="rkt"),
        lambda: mountlint.Config(fail_on="fatal"),
    ],
)
def test_unknown_names_in_a_config_built_in_code_raise_value_error(build: object) -> None:
    with pytest.raises(ValueError):
        build()  # type: ignore[operator]


def test_a_single_rule_given_as_a_string_is_one_rule_not_its_letters() -> None:
    config = mountlint.Config(select="ML101")  # type: ignore[arg-type]
    assert {f.code for f in mountlint.lint_text(POD, config=config)} == {"ML101"}


def test_unknown_rules_in_a_file_raise_value_error_naming_the_line(tmp_path: Path) -> None:
    path = tmp_path / ".mountlint.yaml"
    path.write_text("select:\n  - ML101\n  - writable-host-pathh\n")
    with pytest.raises(ValueError, match=r"\.mountlint\.yaml:3: select\[1\]: unknown rule"):
        mountlint.load_config(path)
    with pytest.raises(ValueError, match="no such file"):
        mountlint.load_config(tmp_path / "missing.yaml")


def test_lint_paths_reports_a_bad_configuration_as_value_error(tmp_path: Path) -> None:
    (tmp_path / ".mountlint.yaml").write_text("select: [nope]\n")
    (tmp_path / "pod.yaml").write_text(POD)
    with pytest.raises(ValueError, match="unknown rule 'nope'"):
        mountlint.lint_paths([tmp_path])


def test_lint_paths_finds_what_the_command_line_finds(tmp_path: Path) -> None:
    report = mountlint.lint_paths([EXAMPLES / "incident" / "rootfsmount.yaml"])
    codes = sorted(f.code for f in report.findings)
    assert "ML101" in codes
    assert report.files_checked == 1
    assert report.exit_code == 1 and not report.ok


def test_lint_paths_takes_one_path_as_well_as_a_list() -> None:
    pod = EXAMPLES / "incident" / "rootfsmount.yaml"
    assert mountlint.lint_paths(pod).files_checked == 1
    assert mountlint.lint_paths(str(pod)).files_checked == 1


def test_lint_paths_reports_unreadable_input_as_a_problem(tmp_path: Path) -> None:
    report = mountlint.lint_paths([tmp_path / "missing.yaml"])
    assert report.exit_code == 2
    assert report.problems and report.problems[0].path.endswith("missing.yaml")


def test_lint_text_never_raises_on_hostile_text() -> None:
    for text in ["", "\x00\x01", "a: [" * 5000, "- &a [*a]\n", "kind: Pod\nspec: 3\n"]:
        findings = mountlint.lint_text(text)
        assert all(isinstance(f, mountlint.Finding) for f in findings)
        assert isinstance(mountlint.fix_text(text), str)


def test_settings_with_a_rule_name_instead_of_a_code_raise_value_error() -> None:
    with pytest.raises(ValueError, match="rule codes such as ML101"):
        Settings(select=frozenset({"writable-host-path"}))
