"""The command line as users run it: output format, exit codes, errors without tracebacks."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from helpers import EXAMPLES, run_mountlint

INCIDENT = EXAMPLES / "incident"
BAD = INCIDENT / "rootfsmount.yaml"
FIXED = INCIDENT / "rootfsmount-fixed.yaml"


def test_text_report_line_and_summary() -> None:
    result = run_mountlint(str(BAD))
    assert result.returncode == 1
    lines = result.stdout.splitlines()
    assert lines[0].startswith(f"{BAD}:24:11: ML101 [error] [*] ")
    assert lines[-1] == "Found 1 problem (1 fixable with --fix)."
    assert "Traceback" not in result.stderr


def test_clean_file_exits_zero() -> None:
    result = run_mountlint(str(FIXED))
    assert (result.returncode, result.stdout) == (0, "All checks passed!\n")


def test_json_report() -> None:
    result = run_mountlint("--format", "json", str(BAD))
    assert result.returncode == 1
    report = json.loads(result.stdout)
    assert report["version"] == 1
    [finding] = report["findings"]
    assert finding["code"] == "ML101"
    assert finding["severity"] == "error"
    assert finding["location"]["line"] == 24
    assert finding["field_path"] == "spec.template.spec.containers[0].volumeMounts[0]"
    assert finding["object"] == {"kind": "Deployment", "name": "rootfsmount", "namespace": None}
    assert finding["fix"]["applicability"] == "safe"
    assert report["summary"]["fixable"] == 1


def test_output_file(tmp_path: Path) -> None:
    out = tmp_path / "report.json"
    result = run_mountlint("--format", "json", "-o", str(out), str(BAD))
    assert result.returncode == 1
    assert result.stdout == ""
    assert json.loads(out.read_text())["summary"]["findings"] == 1


@pytest.mark.parametrize(
    ("flags", "code"),
    [
        ([], 1),
        (["--exit-zero"], 0),
        (["--fail-on", "error"], 1),
        (["--fail-on", "never"], 0),
        (["--runtime", "docker"], 0),  # dockerd mounts "/" rslave: info only
        (["--runtime", "docker", "--fail-on", "info"], 1),
    ],
)
def test_exit_codes(flags: list[str], code: int) -> None:
    assert run_mountlint(*flags, str(BAD)).returncode == code


def test_runtime_docker_reports_info() -> None:
    result = run_mountlint("--runtime", "docker", str(BAD))
    assert " ML101 [info] " in result.stdout
    assert "mitigated with runtime 'docker'" in result.stdout


def test_missing_path_exits_2_and_goes_on() -> None:
    result = run_mountlint("does-not-exist.yaml", str(BAD))
    assert result.returncode == 2
    assert "does-not-exist.yaml: no such file or directory" in result.stderr
    assert "ML101" in result.stdout
    assert "Traceback" not in result.stderr


def test_summary_never_passes_when_an_input_was_not_linted(tmp_path: Path) -> None:
    alone = run_mountlint("missing.yaml", cwd=tmp_path)
    assert (alone.returncode, alone.stdout) == (2, "1 file could not be linted.\n")
    with_clean = run_mountlint("missing.yaml", "gone.yaml", str(FIXED), cwd=tmp_path)
    assert with_clean.returncode == 2
    assert with_clean.stdout == "No problems found in 1 file, but 2 files could not be linted.\n"
    with_findings = run_mountlint("missing.yaml", str(BAD), cwd=tmp_path)
    assert with_findings.stdout.splitlines()[-1] == (
        "Found 1 problem (1 fixable with --fix). 1 file could not be linted."
    )
    diff = run_mountlint("--diff", "missing.yaml", cwd=tmp_path)
    assert diff.returncode == 2
    assert diff.stderr.splitlines()[-1].endswith("; 1 file could not be linted.")


def test_json_and_github_count_inputs_not_linted(tmp_path: Path) -> None:
    report = json.loads(run_mountlint("--format", "json", "missing.yaml", cwd=tmp_path).stdout)
    assert report["summary"]["files_not_linted"] == 1
    assert report["summary"]["files_not_written"] == 0
    github = run_mountlint("--format", "github", "missing.yaml", cwd=tmp_path)
    assert github.stdout == (
        "::error file=missing.yaml,title=mountlint%3A file could not be linted::"
        "no such file or directory\n1 file could not be linted.\n"
    )


@pytest.mark.skipif(not Path("/dev/full").exists(), reason="needs /dev/full")
@pytest.mark.parametrize(
    "args",
    [
        [str(BAD)],
        ["--format", "json", str(BAD)],
        ["--diff", str(BAD)],
        ["--list-rules"],
        ["--explain", "ML101"],
    ],
    ids=["text", "json", "diff", "list-rules", "explain"],
)
def test_full_stdout_is_an_io_error(args: list[str]) -> None:
    with open("/dev/full", "w") as full:
        result = subprocess.run(
            [sys.executable, "-m", "mountlint", *args],
            stdout=full,
            stderr=subprocess.PIPE,
            text=True,
            timeout=60,
        )
    assert result.returncode == 2
    assert result.stderr.splitlines()[-1] == (
        "mountlint: error: cannot write to standard output: No space left on device"
    )
    assert "internal error" not in result.stderr and "Traceback" not in result.stderr


@pytest.mark.parametrize("args", [["--select", "ALL"], ["--diff"], ["--format", "sarif"]])
def test_closed_pipe_exits_quietly(args: list[str], tmp_path: Path) -> None:
    many = tmp_path / "many.yaml"
    many.write_text("---\n".join([BAD.read_text()] * 300))
    reader = subprocess.Popen(
        [sys.executable, "-m", "mountlint", *args, str(many)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    assert reader.stdout is not None and reader.stderr is not None
    reader.stdout.readline()
    reader.stdout.close()  # as `| head -1` does
    assert reader.wait(timeout=60) == 1
    stderr = reader.stderr.read().decode()
    assert "Traceback" not in stderr and "internal error" not in stderr
    assert "Exception ignored" not in stderr


def test_closed_stdout_is_an_error() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "mountlint", str(BAD)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        timeout=60,
        preexec_fn=lambda: os.close(1),
    )
    assert result.returncode == 2
    assert result.stderr == "mountlint: error: cannot write to standard output: it is closed\n"


def test_unreadable_file_exits_2() -> None:
    # /proc/self/mem is a regular file whose read fails, even for root.
    result = run_mountlint("/proc/self/mem")
    assert result.returncode == 2
    assert "/proc/self/mem:" in result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads files whatever their mode")
def test_permission_denied_exits_2(tmp_path: Path) -> None:
    path = tmp_path / "secret.yaml"
    path.write_text("hostPath: {}\n")
    path.chmod(0)
    result = run_mountlint(str(path))
    assert result.returncode == 2
    assert "permission denied" in result.stderr


def test_invalid_yaml_is_ml001_at_the_parser_line(tmp_path: Path) -> None:
    path = tmp_path / "broken.yaml"
    path.write_text("kind: Pod\nspec:\n  volumes:\n    - hostPath: {path: /\n  containers: []\n")
    result = run_mountlint(str(path))
    assert result.returncode == 1
    assert f"{path}:5:13: ML001 [error] " in result.stdout
    assert "Traceback" not in result.stderr


def test_stdin_with_stdin_filename() -> None:
    result = run_mountlint(
        "-", "--stdin-filename", "deploy/app.yaml", "--select", "ML101", stdin=BAD.read_bytes()
    )
    assert result.returncode == 1
    assert result.stdout.startswith("deploy/app.yaml:24:11: ML101 ")


def test_stdin_fix_prints_fixed_text() -> None:
    result = run_mountlint("--fix", "-", stdin=BAD.read_bytes(), cwd=INCIDENT)
    assert result.returncode == 0
    assert result.stdout == FIXED.read_text()
    assert "1 fixed" in result.stderr


def test_fix_acceptance(tmp_path: Path) -> None:
    shutil.copytree(INCIDENT, tmp_path, dirs_exist_ok=True)  # with its .mountlint.yaml
    copy = tmp_path / "rootfsmount.yaml"
    diff = run_mountlint("--diff", str(copy))
    assert diff.returncode == 1
    assert [
        line for line in diff.stdout.splitlines() if line.startswith(("+ ", "- ", "+  ", "-  "))
    ] == ["+          mountPropagation: HostToContainer"]
    assert copy.read_bytes() == BAD.read_bytes()
    first = run_mountlint("--fix", str(copy))
    assert first.returncode == 0
    assert "1 fixed, 0 remaining" in first.stdout
    assert copy.read_bytes() == FIXED.read_bytes()
    second = run_mountlint("--fix", str(copy))
    assert (second.returncode, second.stdout) == (0, "All checks passed!\n")
    assert copy.read_bytes() == FIXED.read_bytes()


def test_list_rules() -> None:
    result = run_mountlint("--list-rules")
    assert result.returncode == 0
    assert result.stdout.splitlines()[0].split() == ["code", "name", "severity", "fix", "default"]
    rows = {line.split()[0]: line.split() for line in result.stdout.splitlines()[1:]}
    assert rows["ML101"][1:] == ["host-mount-pins-runtime-mounts", "error", "safe", "on"]
    assert rows["ML207"][4] == "off"


def test_list_rules_as_json() -> None:
    result = run_mountlint("--list-rules", "--format", "json")
    assert result.returncode == 0
    rules = {rule["code"]: rule for rule in json.loads(result.stdout)}
    assert rules["ML203"] == {
        "code": "ML203",
        "name": "writable-host-path",
        "summary": rules["ML203"]["summary"],
        "severity": "warning",
        "fix": "unsafe",
        "enabled_by_default": True,
    }
    assert rules["ML203"]["summary"]
    assert rules["ML207"]["enabled_by_default"] is False


@pytest.mark.parametrize("format_name", ["sarif", "github"])
def test_list_rules_rejects_formats_that_do_not_apply(format_name: str) -> None:
    result = run_mountlint("--list-rules", "--format", format_name)
    assert (result.returncode, result.stdout) == (2, "")
    assert "--list-rules prints text or json" in result.stderr


@pytest.mark.parametrize("selector", ["ML101", "ml101", "host-mount-pins-runtime-mounts"])
def test_explain(selector: str) -> None:
    result = run_mountlint("--explain", selector)
    assert result.returncode == 0
    assert result.stdout.startswith("# ML101 host-mount-pins-runtime-mounts")
    assert "## Why is this bad?" in result.stdout


def test_explain_unknown_rule() -> None:
    result = run_mountlint("--explain", "ML999")
    assert result.returncode == 2
    assert "unknown rule" in result.stderr
    typo = run_mountlint("--explain", "writeable-host-path")
    assert typo.returncode == 2
    assert "unknown rule 'writeable-host-path' (did you mean writable-host-path?)" in typo.stderr


def test_usage_error_exits_2() -> None:
    result = run_mountlint("--format", "xml", str(BAD))
    assert result.returncode == 2
    assert "Traceback" not in result.stderr


def test_no_color_in_pipes() -> None:
    assert "\x1b[" not in run_mountlint(str(BAD)).stdout


def test_python_dash_m_and_console_script_agree() -> None:
    script = shutil.which("mountlint")
    if script is None:
        pytest.skip("the mountlint console script is not on PATH")
    import subprocess

    result = subprocess.run([script, str(BAD)], capture_output=True, text=True, check=False)
    assert result.stdout == run_mountlint(str(BAD)).stdout
