"""The baseline: recorded findings do not fail the run, new ones do, and the record survives the
edits real repositories see (inserted lines, reformatting, moved files, more containers)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import jsonschema
import pytest

from mountlint.baseline import baseline_schema
from mountlint.report.json import report_schema

from helpers import run_mountlint

AGENT = """\
apiVersion: apps/v1
kind: DaemonSet
metadata:
  name: agent
  namespace: monitoring
spec:
  selector:
    matchLabels: {app: agent}
  template:
    metadata:
      labels: {app: agent}
    spec:
      containers:
        - name: agent
          image: agent
          volumeMounts:
            - name: root
              mountPath: /host
              readOnly: true
            - name: logs
              mountPath: /var/log
      volumes:
        - name: root
          hostPath:
            path: /
        - name: logs
          hostPath:
            path: /var/log
"""

NEW_ROOT_MOUNT = """\
        - name: debug
          image: busybox
          volumeMounts:
            - name: root
              mountPath: /rootfs
"""


def _write(folder: Path, text: str = AGENT, name: str = "agent.yaml") -> Path:
    path = folder / "deploy" / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


def _baselined(folder: Path) -> int:
    """Write the baseline; returns how many findings it recorded."""
    result = run_mountlint("--write-baseline", "baseline.json", ".", cwd=folder)
    assert result.returncode == 0, result.stdout + result.stderr
    recorded = json.loads((folder / "baseline.json").read_text())["findings"]
    assert len(recorded) >= 2
    return len(recorded)


def _check(folder: Path, *args: str) -> tuple[int, dict[str, object]]:
    result = run_mountlint(
        "--baseline", "baseline.json", "--format", "json", *args, ".", cwd=folder
    )
    report = json.loads(result.stdout)
    jsonschema.Draft202012Validator(report_schema()).validate(report)
    return result.returncode, report


def test_written_baseline_matches_its_schema_and_accepts_every_finding(tmp_path: Path) -> None:
    _write(tmp_path)
    before = run_mountlint(".", cwd=tmp_path)
    assert before.returncode == 1
    count = _baselined(tmp_path)
    data = json.loads((tmp_path / "baseline.json").read_text())
    jsonschema.Draft202012Validator(baseline_schema()).validate(data)
    assert {entry["path"] for entry in data["findings"]} == {"deploy/agent.yaml"}
    assert any(entry["excerpt"] == "- name: root" for entry in data["findings"])
    assert data["findings"][0]["object"] == {
        "kind": "DaemonSet",
        "namespace": "monitoring",
        "name": "agent",
    }
    after = run_mountlint("--baseline", "baseline.json", ".", cwd=tmp_path)
    assert after.returncode == 0, after.stdout
    assert after.stdout == f"All checks passed! {count} baselined.\n"


def test_new_findings_fail_and_baselined_ones_show_only_when_asked(tmp_path: Path) -> None:
    path = _write(tmp_path)
    count = _baselined(tmp_path)
    path.write_text(AGENT.replace("      volumes:\n", NEW_ROOT_MOUNT + "      volumes:\n"))
    result = run_mountlint("--baseline", "baseline.json", ".", cwd=tmp_path)
    assert result.returncode == 1
    lines = result.stdout.splitlines()
    assert all(line.startswith("deploy/agent.yaml:25:") for line in lines[:-1]), lines
    assert lines[-1].endswith(f" {count} baselined.")
    shown = run_mountlint("--baseline", "baseline.json", "--show-baselined", ".", cwd=tmp_path)
    assert sum(line.endswith(" (baselined)") for line in shown.stdout.splitlines()) == count
    code, report = _check(tmp_path, "--show-baselined")
    assert code == 1
    assert len(report["baselined"]) == count  # type: ignore[arg-type]
    assert report["summary"]["baselined"] == count  # type: ignore[index]
    sarif = json.loads(
        run_mountlint(
            "--baseline",
            "baseline.json",
            "--format",
            "sarif",
            "--show-baselined",
            ".",
            cwd=tmp_path,
        ).stdout
    )
    states = [result["baselineState"] for result in sarif["runs"][0]["results"]]
    assert states.count("unchanged") == count
    assert set(states) == {"new", "unchanged"}
    accepted = [r["suppressions"] for r in sarif["runs"][0]["results"] if "suppressions" in r]
    assert (
        accepted
        == [
            [
                {
                    "kind": "external",
                    "status": "accepted",
                    "justification": "recorded in the baseline baseline.json",
                }
            ]
        ]
        * count
    )


def test_fixed_findings_are_listed_as_gone(tmp_path: Path) -> None:
    path = _write(tmp_path)
    _baselined(tmp_path)
    path.write_text(
        AGENT.replace("            - name: logs\n              mountPath: /var/log\n", "")
    )
    result = run_mountlint("--baseline", "baseline.json", ".", cwd=tmp_path)
    assert result.returncode == 0
    gone = [line for line in result.stderr.splitlines() if ": gone: " in line]
    assert gone and all("deploy/agent.yaml: ML" in line for line in gone)
    many = "findings are" if len(gone) > 1 else "finding is"
    assert result.stderr.splitlines()[-1] == (
        f"mountlint: {len(gone)} baselined {many} gone; refresh with --write-baseline"
    )
    _, report = _check(tmp_path)
    assert len(report["baseline_gone"]) == len(gone)  # type: ignore[arg-type]
    # refreshing shrinks the file
    before = len(json.loads((tmp_path / "baseline.json").read_text())["findings"])
    after = _baselined(tmp_path)
    assert after == before - len(gone)


def test_linting_some_files_does_not_call_the_others_gone(tmp_path: Path) -> None:
    _write(tmp_path)
    other = _write(
        tmp_path,
        AGENT.replace("name: agent\n  namespace", "name: other\n  namespace"),
        "other.yaml",
    )
    _baselined(tmp_path)
    result = run_mountlint(
        "--baseline", "baseline.json", str(other.relative_to(tmp_path)), cwd=tmp_path
    )
    assert result.returncode == 0
    assert "gone" not in result.stderr


# The edits a baseline must survive: each gives the same findings in another shape.
def _insert_lines_above(folder: Path, path: Path) -> Path:
    path.write_text("# vendored from upstream v1.2\n# do not edit\n\n" + path.read_text())
    return path


def _block_to_flow(folder: Path, path: Path) -> Path:
    text = path.read_text().replace(
        "            - name: root\n              mountPath: /host\n              readOnly: true\n",
        "            - {name: root, mountPath: /host, readOnly: true}\n",
    )
    assert "{name: root" in text
    path.write_text(text)
    return path


def _git_mv(folder: Path, path: Path) -> Path:
    if shutil.which("git") is None:
        pytest.skip("git is not installed")
    git = ["git", "-c", "user.name=t", "-c", "user.email=t@example.com"]
    subprocess.run([*git, "init", "-q"], cwd=folder, check=True)
    subprocess.run([*git, "add", "."], cwd=folder, check=True)
    subprocess.run([*git, "commit", "-qm", "agent"], cwd=folder, check=True)
    (folder / "vendor").mkdir()
    subprocess.run([*git, "mv", "deploy/agent.yaml", "vendor/agent.yaml"], cwd=folder, check=True)
    return folder / "vendor" / "agent.yaml"


def _add_containers(folder: Path, path: Path) -> Path:
    sidecars = (
        "        - name: exporter\n          image: exporter\n"
        "          volumeMounts:\n            - name: logs\n              mountPath: /logs\n"
        "              readOnly: true\n              mountPropagation: HostToContainer\n"
    )
    text = path.read_text().replace(
        "      containers:\n", "      containers:\n" + sidecars.replace("exporter", "first", 2)
    )
    path.write_text(text.replace("      volumes:\n", sidecars + "      volumes:\n"))
    return path


@pytest.mark.parametrize("edit", [_insert_lines_above, _block_to_flow, _git_mv, _add_containers])
def test_baseline_survives(tmp_path: Path, edit: object) -> None:
    path = _write(tmp_path)
    count = _baselined(tmp_path)
    assert callable(edit)
    edited = edit(tmp_path, path)
    plain = run_mountlint(".", cwd=tmp_path)
    assert plain.returncode == 1  # the findings are still there...
    code, report = _check(tmp_path)
    assert report["findings"] == [], (edited, report["findings"])  # ...and still accepted
    assert report["summary"]["baselined"] == count  # type: ignore[index]
    assert report["baseline_gone"] == []
    assert code == 0


def test_a_moved_file_matches_its_own_entries_before_a_copy(tmp_path: Path) -> None:
    """Two files with the same objects: each keeps its entries when one of them moves."""
    _write(tmp_path)
    _write(tmp_path, AGENT, "copy.yaml")
    count = _baselined(tmp_path)
    (tmp_path / "deploy" / "copy.yaml").rename(tmp_path / "copy.yaml")
    code, report = _check(tmp_path)
    assert (code, report["findings"], report["baseline_gone"]) == (0, [], [])
    assert report["summary"]["baselined"] == count  # type: ignore[index]
    (tmp_path / "deploy" / "agent.yaml").unlink()
    code, report = _check(tmp_path)
    assert code == 0
    assert len(report["baseline_gone"]) == count // 2  # type: ignore[arg-type]


def test_baseline_named_in_the_configuration(tmp_path: Path) -> None:
    path = _write(tmp_path)
    _baselined(tmp_path)
    (tmp_path / "deploy" / ".mountlint.yaml").write_text("baseline: ../baseline.json\n")
    (tmp_path / ".mountlint.yaml").write_text("baseline: baseline.json\n")
    assert run_mountlint(".", cwd=tmp_path).returncode == 0
    assert run_mountlint(".", cwd=path.parent).returncode == 0  # its own config names the file
    assert run_mountlint("--baseline", "nothing.json", ".", cwd=tmp_path).returncode == 2


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (None, "baseline.json: no such baseline; write it with --write-baseline"),
        ("{", "baseline.json:1: not JSON"),
        ('{"version": 2, "findings": []}', "baseline.json: not a mountlint baseline: version"),
        (
            '{"version": 1, "findings": [{"fingerprint": "x"}]}',
            "baseline.json: not a mountlint baseline: findings/0",
        ),
        ("[]", "baseline.json: not a mountlint baseline: top level"),
        (
            "[" * 100_000 + "]" * 100_000,
            "baseline.json: not a mountlint baseline: nested too deeply",
        ),
        ("\udcff", "baseline.json: cannot read the baseline"),
    ],
    ids=["missing", "not-json", "version", "entry", "array", "deep", "not-utf8"],
)
def test_bad_baselines_stop_the_run(tmp_path: Path, content: str | None, message: str) -> None:
    _write(tmp_path)
    if content is not None:
        (tmp_path / "baseline.json").write_bytes(content.encode("utf-8", "surrogateescape"))
    result = run_mountlint("--baseline", "baseline.json", ".", cwd=tmp_path)
    assert result.returncode == 2
    assert result.stdout == ""
    assert result.stderr.startswith(f"mountlint: error: {message}"), result.stderr
    assert len(result.stderr.splitlines()) == 1


def test_write_baseline_replaces_a_link_instead_of_following_it(tmp_path: Path) -> None:
    _write(tmp_path)
    outside = tmp_path / "outside.txt"
    outside.write_text("keep me\n")
    (tmp_path / "baseline.json").symlink_to(outside)
    _baselined(tmp_path)
    assert outside.read_text() == "keep me\n"
    assert not (tmp_path / "baseline.json").is_symlink()


def test_write_baseline_into_a_folder_is_an_error(tmp_path: Path) -> None:
    _write(tmp_path)
    (tmp_path / "baseline.json").mkdir()
    result = run_mountlint("--write-baseline", "baseline.json", ".", cwd=tmp_path)
    assert result.returncode == 2
    assert "'baseline.json' is a directory" in result.stderr
    assert not any(p.name.startswith(".mountlint-baseline") for p in tmp_path.iterdir())


def test_paths_are_relative_to_the_repository_whatever_the_working_directory(
    tmp_path: Path,
) -> None:
    _write(tmp_path)
    (tmp_path / ".git").mkdir()
    result = run_mountlint("--write-baseline", "../baseline.json", ".", cwd=tmp_path / "deploy")
    assert result.returncode == 0
    data = json.loads((tmp_path / "baseline.json").read_text())
    assert {entry["path"] for entry in data["findings"]} == {"deploy/agent.yaml"}
    assert run_mountlint("--baseline", "baseline.json", ".", cwd=tmp_path).returncode == 0


def test_a_fifo_baseline_is_refused_not_read(tmp_path: Path) -> None:
    _write(tmp_path)
    os.mkfifo(tmp_path / "baseline.json")
    result = run_mountlint("--baseline", "baseline.json", ".", cwd=tmp_path, timeout=30)
    assert result.returncode == 2
    assert "baseline.json: the baseline is not a regular file" in result.stderr


def test_a_moved_file_takes_the_entries_of_its_old_path_not_of_a_fixed_copy(
    tmp_path: Path,
) -> None:
    """Two copies of an agent; one is fixed, the other moved: the fixed one's entries are gone."""
    agent = _write(tmp_path)
    _write(tmp_path, AGENT, "copy.yaml")
    count = _baselined(tmp_path)
    agent.write_text(
        AGENT.replace(
            "          hostPath:\n            path: /var/log\n", "          emptyDir: {}\n"
        ).replace("          hostPath:\n            path: /\n", "          emptyDir: {}\n")
    )
    assert run_mountlint("deploy/agent.yaml", cwd=tmp_path).stdout.startswith("All checks passed!")
    (tmp_path / "deploy" / "copy.yaml").rename(tmp_path / "deploy" / "b-moved.yaml")
    code, report = _check(tmp_path)
    assert (code, report["findings"]) == (0, [])
    assert report["summary"]["baselined"] == count // 2  # type: ignore[index]
    gone = {entry["path"] for entry in report["baseline_gone"]}  # type: ignore[union-attr]
    assert gone == {"deploy/agent.yaml"}
