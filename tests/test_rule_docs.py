"""Meta-tests: every rule is registered, documented, and its documentation tells the truth."""

from __future__ import annotations

import os
import re
import shutil
from pathlib import Path

import pytest

from mountlint.config import CommandLine, Config, load_config, resolve
from mountlint.engine import lint_text
from mountlint.registry import all_rules
from mountlint.rule import FixAvailability, Scope
from mountlint.ruledocs import REQUIRED_SECTIONS, render_markdown, sections, yaml_examples
from mountlint.settings import Settings

from helpers import REPO, run_mountlint

RULES = {item.rule.code: item for item in all_rules()}


def test_registry_is_sorted_and_complete() -> None:
    from mountlint.rules import RULES as TABLE

    assert list(TABLE) == sorted(TABLE)
    rules_dir = REPO / "rules"
    on_disk = sorted(p.stem for p in rules_dir.glob("*.py") if p.stem != "__init__")
    assert on_disk == sorted(TABLE.values())


def test_the_rule_table_agrees_with_the_rule_modules() -> None:
    """Selection reads the table without importing the modules: it must say what they say."""
    from mountlint.registry import rule_index
    from mountlint.rules import OFF_BY_DEFAULT
    from mountlint.rules import RULES as TABLE

    assert list(TABLE) == sorted(TABLE) and len(set(TABLE.values())) == len(TABLE)
    assert set(TABLE) >= OFF_BY_DEFAULT
    by_module = {item.module: item.rule for item in all_rules()}
    assert set(by_module) == set(TABLE.values())
    for entry in rule_index():
        rule = by_module[TABLE[entry.code]]
        assert (rule.code, rule.name, rule.enabled_by_default) == tuple(entry), entry


def test_codes_and_names_are_unique_and_well_formed() -> None:
    codes = [item.rule.code for item in all_rules()]
    names = [item.rule.name for item in all_rules()]
    assert len(set(codes)) == len(codes)
    assert len(set(names)) == len(names)
    for item in all_rules():
        assert re.fullmatch(r"ML\d{3}", item.rule.code)
        assert re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", item.rule.name)
        assert item.module == item.rule.name.replace("-", "_")


@pytest.mark.parametrize("code", sorted(RULES))
def test_docstring_sections(code: str) -> None:
    rule = RULES[code].rule
    found = sections(rule.doc)
    for name in REQUIRED_SECTIONS:
        assert found.get(name), f"{code} lacks a '## {name}' section"
    if rule.fix is not FixAvailability.NONE:
        assert found.get("Fix safety"), f"{code} is fixable but lacks '## Fix safety'"
    assert not rule.summary.endswith(".")


def _settings_for_examples(code: str, found: dict[str, str], tmp_path: Path) -> Settings:
    """Only ``code``, configured by the ```yaml block of its Options section when it has one."""
    config = Config()
    blocks = yaml_examples(found.get("Options", ""))
    if blocks:
        path = tmp_path / ".mountlint.yaml"
        path.write_text(blocks[0])
        config = load_config(path)
    return resolve(config, CommandLine(select=(code,)), tmp_path).settings


@pytest.mark.parametrize("code", sorted(RULES))
def test_example_fires_and_use_instead_does_not(code: str, tmp_path: Path) -> None:
    rule = RULES[code].rule
    found = sections(rule.doc)
    if rule.scope is Scope.CHART:
        _chart_example_fires(code, found, tmp_path)
        return
    settings = _settings_for_examples(code, found, tmp_path)
    [example] = yaml_examples(found["Example"])
    assert code in {f.rule.code for f in lint_text(example, "example.yaml", settings)}
    for instead in yaml_examples(found["Use instead"]):
        assert lint_text(instead, "instead.yaml", settings) == []


def _chart_example_fires(code: str, found: dict[str, str], tmp_path: Path) -> None:
    """A chart rule's examples are templates: the example's chart is reported, the other not."""
    if shutil.which("helm") is None:
        pytest.skip("helm is not on PATH")
    [example] = yaml_examples(found["Example"])
    [instead] = yaml_examples(found["Use instead"])
    for name, template in (("example", example), ("instead", instead)):
        (tmp_path / name / "templates").mkdir(parents=True)
        (tmp_path / name / "Chart.yaml").write_text(
            f"apiVersion: v2\nname: {name}\nversion: 1.0.0\n"
        )
        (tmp_path / name / "templates" / "daemonset.yaml").write_text(template)
    result = run_mountlint("--select", code, "example", "instead", cwd=tmp_path)
    assert f"example{os.sep}Chart.yaml:1:1: {code} " in result.stdout
    assert "instead" not in result.stdout


def test_one_syntax_rule() -> None:
    assert [item.rule.code for item in all_rules() if item.rule.scope is Scope.SYNTAX] == ["ML001"]


def test_generated_reference_is_current() -> None:
    path = REPO / "docs" / "rules.md"
    assert path.read_text(encoding="utf-8") == render_markdown(), (
        "docs/rules.md is stale: run `python -m mountlint.ruledocs > docs/rules.md`"
    )
