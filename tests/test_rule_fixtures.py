"""One fixture folder per rule, run by one parametrized test.

``tests/fixtures/rules/<CODE>/`` holds:

- ``bad.yaml``: lines that must get a finding carry ``# expect: CODE`` at their end;
- ``good.yaml``: near misses that must stay clean;
- ``findings.txt``: snapshot of the text report for ``bad.yaml``;
- ``fixed.yaml``: snapshot of ``bad.yaml`` after ``--fix --unsafe-fixes`` (absent when the rule
  has no fix);
- ``settings.json`` (optional): keyword arguments for ``Settings`` (e.g. the runtime); ``select``
  adds rules to the fixture's own, ``allowed_host_paths`` is a list of
  ``{"path_prefix": ..., "read_only": ...}``.

A rule about Helm charts (ML003) has chart folders instead: ``bad/`` (its ``Chart.yaml`` marks
the expected line) and ``good/``, rendered with the real ``helm``, and ``findings.txt``.

Each fixture is linted with only its own rule selected, so fixtures do not depend on each other.
Set MOUNTLINT_UPDATE_SNAPSHOTS=1 to rewrite the snapshots after reviewing a change.
"""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path
from typing import Any

import pytest

from mountlint.engine import lint_text
from mountlint.fixes import fix_text
from mountlint.registry import all_rules
from mountlint.report.text import format_finding
from mountlint.rule import FixAvailability, Scope
from mountlint.settings import AllowedHostPath, Settings

from helpers import FIXTURES, run_mountlint, update_snapshots

RULE_FIXTURES = FIXTURES / "rules"
EXPECT = re.compile(r"#\s*expect:\s*([A-Z0-9, ]+)\s*$")
CHART_CODES = [item.rule.code for item in all_rules() if item.rule.scope is Scope.CHART]
CODES = [item.rule.code for item in all_rules() if item.rule.code not in CHART_CODES]


def _settings(folder: Path, code: str) -> Settings:
    """Only the fixture's rule (plus any rules ``settings.json`` selects), with its settings."""
    options: dict[str, Any] = {}
    if (folder / "settings.json").is_file():
        options = json.loads((folder / "settings.json").read_text())
    select = frozenset({code, *options.pop("select", ())})
    if "allowed_host_paths" in options:
        options["allowed_host_paths"] = tuple(
            AllowedHostPath(**entry) for entry in options["allowed_host_paths"]
        )
    for key in ("runtime_roots", "runtime_sockets", "sensitive_paths"):
        if key in options:
            options[key] = tuple(options[key])
    return Settings(select=select, **options)


def _expected(text: str) -> set[tuple[int, str]]:
    expected = set()
    for number, line in enumerate(text.splitlines(), start=1):
        match = EXPECT.search(line)
        if match:
            expected.update(
                (number, code.strip()) for code in match.group(1).split(",") if code.strip()
            )
    return expected


def _check_snapshot(path: Path, actual: str) -> None:
    if update_snapshots() or not path.exists():
        path.write_text(actual, encoding="utf-8", newline="")
        if not update_snapshots():
            pytest.fail(f"snapshot {path.name} was missing and has been written; review it")
    assert actual == path.read_text(encoding="utf-8"), f"{path} differs (review, then update)"


@pytest.mark.parametrize("code", CODES)
def test_every_rule_has_fixtures(code: str) -> None:
    folder = RULE_FIXTURES / code
    assert (folder / "bad.yaml").is_file(), f"{folder}/bad.yaml is missing"
    assert (folder / "good.yaml").is_file(), f"{folder}/good.yaml is missing"


@pytest.mark.parametrize("code", CHART_CODES)
def test_every_chart_rule_has_fixture_charts(code: str) -> None:
    folder = RULE_FIXTURES / code
    assert (folder / "bad" / "Chart.yaml").is_file(), f"{folder}/bad/Chart.yaml is missing"
    assert (folder / "good" / "Chart.yaml").is_file(), f"{folder}/good/Chart.yaml is missing"


@pytest.mark.skipif(shutil.which("helm") is None, reason="helm is not on PATH")
@pytest.mark.parametrize("code", CHART_CODES)
def test_chart_fixtures(code: str) -> None:
    folder = RULE_FIXTURES / code
    chart = folder / "bad" / "Chart.yaml"
    result = run_mountlint("--select", code, "bad", "good", cwd=folder)
    assert result.returncode == 1, result.stderr
    reported = {
        (line.split(":", 2)[0], int(line.split(":", 2)[1]), line.split(" ", 2)[1])
        for line in result.stdout.splitlines()
        if line.startswith(("bad/", "good/"))
    }
    expected = {("bad/Chart.yaml", line, c) for line, c in _expected(chart.read_text())}
    assert reported == expected
    report = "".join(line + "\n" for line in result.stdout.splitlines() if ": ML" in line)
    _check_snapshot(folder / "findings.txt", report)


@pytest.mark.parametrize("code", CODES)
def test_bad_fixture_fires_on_marked_lines(code: str) -> None:
    folder = RULE_FIXTURES / code
    text = (folder / "bad.yaml").read_text(encoding="utf-8")
    findings = lint_text(text, "bad.yaml", _settings(folder, code))
    expected = _expected(text)
    assert expected, "bad.yaml marks no line with '# expect: CODE'"
    assert {
        (finding.location.line, finding.rule.code)
        for finding in findings
        if finding.rule.code == code
    } == expected
    report = "".join(format_finding(finding) + "\n" for finding in findings)
    _check_snapshot(folder / "findings.txt", report)


@pytest.mark.parametrize("code", CODES)
def test_good_fixture_is_clean(code: str) -> None:
    folder = RULE_FIXTURES / code
    text = (folder / "good.yaml").read_text(encoding="utf-8")
    findings = lint_text(text, "good.yaml", _settings(folder, code))
    assert [format_finding(finding) for finding in findings] == []


@pytest.mark.parametrize("code", CODES)
def test_fixed_snapshot(code: str) -> None:
    folder = RULE_FIXTURES / code
    rule = next(item.rule for item in all_rules() if item.rule.code == code)
    text = (folder / "bad.yaml").read_text(encoding="utf-8")
    settings = _settings(folder, code)
    outcome = fix_text(text, "bad.yaml", settings, unsafe=True)
    assert outcome.problem is None
    if rule.fix is FixAvailability.NONE:
        assert outcome.text == text
        assert not (folder / "fixed.yaml").exists()
        return
    assert outcome.text != text, "a fixable rule's bad.yaml should get at least one fix"
    _check_snapshot(folder / "fixed.yaml", outcome.text)
    second = fix_text(outcome.text, "bad.yaml", settings, unsafe=True)
    assert second.text == outcome.text, "fixing twice must change nothing the second time"


#: A text finding is one terminal line: what, where and the fix. Host paths and the API's indexed
#: field paths vary in length, so the bound has some room above the ~160 characters aimed at.
MESSAGE_LIMIT = 190


@pytest.mark.parametrize("code", CODES)
def test_messages_are_one_short_line(code: str) -> None:
    folder = RULE_FIXTURES / code
    text = (folder / "bad.yaml").read_text(encoding="utf-8")
    for finding in lint_text(text, "bad.yaml", _settings(folder, code)):
        assert "\n" not in finding.message
        assert len(finding.message) <= MESSAGE_LIMIT, finding.message
