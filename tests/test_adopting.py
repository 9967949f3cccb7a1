"""The README's "Adopting mountlint on an existing repository" flow, run as written against a copy
of the shared corpus's real node agents: green with the baseline and the exceptions, then red on
a newly added host-``/`` mount."""

from __future__ import annotations

import re
import shlex
import shutil
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from ruamel.yaml import YAML

from helpers import REPO, run_mountlint

SECTION = "## Adopting mountlint on an existing repository"


@dataclass
class Command:
    argv: list[str]
    expected: list[str] = field(default_factory=list)


@dataclass
class FileBlock:
    path: str
    text: str


def _section() -> str:
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    start = readme.index(SECTION)
    end = readme.index("\n## ", start + len(SECTION))
    return readme[start:end]


def _steps() -> list[Command | FileBlock]:
    """The section's console commands (with the output shown) and its files, in order."""
    steps: list[Command | FileBlock] = []
    for language, body in re.findall(r"```(\w+)\n(.*?)```", _section(), re.S):
        if language == "yaml":
            first = body.splitlines()[0]
            assert first.startswith("# "), f"a YAML block must name its file: {first}"
            steps.append(FileBlock(first[2:].strip(), body))
        elif language == "console":
            for line in body.splitlines():
                if line.startswith("$ "):
                    steps.append(Command(shlex.split(line[2:])))
                else:
                    command = steps[-1]
                    assert isinstance(command, Command)
                    command.expected.append(line)
    return steps


def _pattern(line: str) -> re.Pattern[str]:
    """A shown output line; counts may differ, and `` ...`` at the end abbreviates it."""
    abbreviated = line.endswith(" ...")
    text = line[: -len(" ...")] if abbreviated else line
    body = re.sub(r"\d+", r"\\d+", re.escape(text))
    return re.compile(body + (".*" if abbreviated else ""))


def _check_output(command: Command, stdout: str, stderr: str) -> None:
    actual = stdout.splitlines() + stderr.splitlines()
    shown = [line for line in command.expected if line != "..."]
    for line in shown:
        pattern = _pattern(line)
        assert any(pattern.fullmatch(got) for got in actual), (command.argv, line, actual)
    if "..." not in command.expected:
        assert len(actual) == len(shown), (command.argv, actual)


def test_the_section_holds_the_whole_flow() -> None:
    """Run, baseline, exceptions, then pre-commit and the Action; every command is mountlint."""
    section = _section()
    for words in ("--write-baseline", "baseline:", "exceptions:", "pre-commit", "Action"):
        assert words in section
    steps = _steps()
    assert all(step.argv[0] == "mountlint" for step in steps if isinstance(step, Command))
    for step in steps:
        if isinstance(step, FileBlock):
            YAML(typ="safe").load(step.text)
            assert not Path(step.path).is_absolute() and ".." not in step.path


@pytest.mark.slow
def test_every_command_of_the_section_on_the_real_corpus(tmp_path: Path, corpus: Path) -> None:
    repository = tmp_path / "repository"
    shutil.copytree(corpus / "real", repository, symlinks=True)
    codes = []
    for step in _steps():
        if isinstance(step, FileBlock):
            (repository / step.path).parent.mkdir(parents=True, exist_ok=True)
            (repository / step.path).write_text(step.text, encoding="utf-8")
            continue
        result = run_mountlint(*step.argv[1:], cwd=repository, timeout=600)
        assert "Traceback" not in result.stderr
        _check_output(step, result.stdout, result.stderr)
        codes.append(result.returncode)
    # red at first; green with the baseline, then with the exceptions and the refreshed baseline;
    # red again on the new host-/ mount, in the changed file alone and in the whole repository
    assert codes == [1, 0, 0, 0, 0, 1, 1]
