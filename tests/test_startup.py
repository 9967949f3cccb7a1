"""Linting one small file imports only what it needs; a valid configuration is checked once."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from helpers import EXAMPLES, run_mountlint

SMALL = EXAMPLES / "incident" / "rootfsmount.yaml"
CONFIG = "runtime: containerd\nselect: [ML101]\n"


def _imported(*args: str, cwd: Path, cache: Path) -> set[str]:
    """Modules imported by a run, from ``python -X importtime`` (on stderr)."""
    result = run_mountlint(
        *args, cwd=cwd, env={"XDG_CACHE_HOME": str(cache), "PYTHONPROFILEIMPORTTIME": "1"}
    )
    assert "Traceback" not in result.stderr
    return {
        line.rsplit("|", 1)[1].strip()
        for line in result.stderr.splitlines()
        if line.startswith("import time:") and "|" in line
    }


def _project(tmp_path: Path, config: str = CONFIG) -> Path:
    project = tmp_path / "project"
    project.mkdir()
    shutil.copy(SMALL, project / "pod.yaml")
    (project / ".mountlint.yaml").write_text(config)
    return project


def test_one_small_file_needs_no_schema_sarif_helm_kustomize_or_ruamel(tmp_path: Path) -> None:
    project = _project(tmp_path)
    cache = tmp_path / "cache"
    first = _imported("--exit-zero", "pod.yaml", cwd=project, cache=cache)
    assert "jsonschema" in first  # the configuration is new: it is validated
    again = _imported("--exit-zero", "pod.yaml", cwd=project, cache=cache)
    unneeded = {
        "jsonschema",
        "sarif_om",
        "mountlint.helm",
        "mountlint.charts",
        "attr",
        "ruamel.yaml",  # libyaml composes; ruamel.yaml only reads what libyaml rejects
        "difflib",  # only to suggest a spelling
        "tomllib",  # no pyproject.toml that may configure mountlint
        "hashlib",  # a remembered configuration is found by a checksum, compared in full
        "mountlint.fixes",  # no --fix
        "mountlint.baseline",
        "mountlint.policy",
    }
    assert not again & unneeded
    assert "mountlint.kustomize" not in again


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_helm_output_whose_chart_is_not_found_needs_no_helm_package(
    tmp_path: Path, jobs: str
) -> None:
    """Looking for the chart of ``helm template`` output is a walk up the folders; the helm
    package (mapping, running helm) is imported only when there is a chart to map to."""
    project = _project(tmp_path)
    (project / ".git").mkdir()  # the search for a chart stops here
    rendered = "---\n# Source: agent/templates/pod.yaml\n" + SMALL.read_text()
    for number in range(3):
        (project / f"rendered{number}.yaml").write_text(rendered)
    imported = _imported("--exit-zero", "--jobs", jobs, ".", cwd=project, cache=tmp_path / "cache")
    assert "mountlint.helm" not in imported
    (project / "Chart.yaml").write_text("apiVersion: v2\nname: agent\nversion: 0.1.0\n")
    with_chart = _imported(
        "--exit-zero", "--jobs", jobs, "--no-helm", ".", cwd=project, cache=tmp_path / "cache"
    )
    assert "mountlint.helm" in with_chart


def test_sarif_still_imports_sarif_om(tmp_path: Path) -> None:
    project = _project(tmp_path)
    imported = _imported(
        "--exit-zero", "--format", "sarif", "pod.yaml", cwd=project, cache=tmp_path / "cache"
    )
    assert "sarif_om" in imported


def test_a_changed_configuration_is_validated_again(tmp_path: Path) -> None:
    project = _project(tmp_path)
    cache = {"XDG_CACHE_HOME": str(tmp_path / "cache")}
    assert run_mountlint("pod.yaml", cwd=project, env=cache).returncode == 1
    (project / ".mountlint.yaml").write_text("runtime: containerd\nselect: [ML101]\nbogus: 1\n")
    for _ in range(2):  # an invalid configuration is never remembered
        result = run_mountlint("pod.yaml", cwd=project, env=cache)
        assert result.returncode == 2
        assert ".mountlint.yaml:3: bogus: unknown setting" in result.stderr


def test_an_unusable_cache_folder_only_costs_time(tmp_path: Path) -> None:
    project = _project(tmp_path)
    blocked = tmp_path / "blocked"
    blocked.write_text("a file where the cache folder would be")
    for env in ({"XDG_CACHE_HOME": str(blocked)}, {"MOUNTLINT_NO_CACHE": "1"}):
        for _ in range(2):
            result = run_mountlint("pod.yaml", cwd=project, env=env)
            assert result.returncode == 1, result.stderr
            assert "Traceback" not in result.stderr
    (project / ".mountlint.yaml").write_text("runtime: nonsense\n")
    result = run_mountlint("pod.yaml", cwd=project, env={"XDG_CACHE_HOME": str(blocked)})
    assert result.returncode == 2 and "runtime" in result.stderr


#: Runs the command line and prints, at exit, the rule modules it imported (``-X importtime``
#: does not show modules imported with ``importlib.import_module``).
_RULE_MODULES_AT_EXIT = """
import atexit, sys
atexit.register(lambda: print(*sorted(
    name for name in sys.modules if name.startswith("mountlint.rules.")), file=sys.stderr))
sys.argv = ["mountlint", *sys.argv[1:]]
from mountlint.__main__ import main
main()
"""


def test_only_the_selected_rules_are_imported(tmp_path: Path) -> None:
    project = _project(tmp_path)  # select: [ML101]
    result = subprocess.run(
        [sys.executable, "-c", _RULE_MODULES_AT_EXIT, "--exit-zero", "pod.yaml"],
        cwd=project,
        capture_output=True,
        text=True,
        env={**os.environ, "XDG_CACHE_HOME": str(tmp_path / "cache")},
        timeout=120,
    )
    assert "ML101" in result.stdout, result.stderr
    # the engine reports syntax errors (ML001) and unused suppressions (ML002) itself
    assert result.stderr.split() == [
        "mountlint.rules.host_mount_pins_runtime_mounts",
        "mountlint.rules.unused_suppression",
        "mountlint.rules.yaml_syntax_error",
    ]


def test_a_damaged_or_planted_fact_only_costs_a_validation(tmp_path: Path) -> None:
    """A remembered configuration is compared in full: a changed entry is validated again, and
    a symlink planted in the cache is neither followed nor written through."""
    project = _project(tmp_path)
    cache = tmp_path / "cache"
    assert "jsonschema" in _imported("--exit-zero", "pod.yaml", cwd=project, cache=cache)
    [entry] = (cache / "mountlint" / "valid-config").iterdir()
    text = entry.read_bytes()
    entry.write_bytes(text.replace(b"ML101", b"ML102"))  # same checksum name, other text
    assert "jsonschema" in _imported("--exit-zero", "pod.yaml", cwd=project, cache=cache)
    assert entry.read_bytes() == text  # validated, then remembered again
    outside = tmp_path / "outside"
    outside.write_bytes(text)
    entry.unlink()
    entry.symlink_to(outside)
    assert "jsonschema" in _imported("--exit-zero", "pod.yaml", cwd=project, cache=cache)
    assert outside.read_bytes() == text and not entry.is_symlink()
    assert "jsonschema" not in _imported("--exit-zero", "pod.yaml", cwd=project, cache=cache)


def test_remembered_facts_are_pruned_oldest_first(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from mountlint.usercache import known, prune, remember

    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    monkeypatch.delenv("MOUNTLINT_NO_CACHE", raising=False)
    folder = tmp_path / "mountlint" / "facts"
    for number in range(3):
        remember("facts", "version", "x" * 1000, str(number))
    for path in folder.iterdir():  # fact 0 unused the longest, fact 2 used last
        number = int(path.read_bytes()[-1:])
        os.utime(path, (1_000_000 + number * 1000, 1_000_000 + number * 1000))
    prune("facts", 2500)  # room for two entries of about 1,040 bytes
    assert not known("facts", "version", "x" * 1000, "0")
    assert known("facts", "version", "x" * 1000, "1")
    assert known("facts", "version", "x" * 1000, "2")
