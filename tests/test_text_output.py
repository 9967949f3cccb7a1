"""The text report for people: statistics, quiet levels, colour, fix markers and code frames."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from mountlint.findings import Location
from mountlint.report.frame import code_frame

from helpers import EXAMPLES, FIXTURES, run_mountlint

BAD = EXAMPLES / "incident" / "rootfsmount.yaml"
AGENT = FIXTURES / "output" / "agent.yaml"
ANSI = "\x1b["


def _findings(path: Path, *args: str) -> list[dict[str, object]]:
    report = json.loads(run_mountlint("--format", "json", *args, str(path)).stdout)
    findings: list[dict[str, object]] = report["findings"]
    return findings


def test_statistics_one_line_per_rule() -> None:
    result = run_mountlint("--statistics", str(AGENT))
    assert result.returncode == 1
    *lines, summary = result.stdout.splitlines()
    assert summary.startswith("Found 7 problems")
    findings = _findings(AGENT)
    expected = {}
    for finding in findings:
        fix = finding["fix"]
        safe = isinstance(fix, dict) and fix["applicability"] == "safe" and bool(fix["edits"])
        count, fixable = expected.get(finding["code"], (0, 0))
        expected[finding["code"]] = (count + 1, fixable + safe)
    parsed = {}
    for line in lines:
        count, fixable, word, code, name = line.split()
        assert word == "fixable" and name
        parsed[code] = (int(count), int(fixable))
    assert parsed == expected
    counts = [count for count, _ in parsed.values()]
    assert counts == sorted(counts, reverse=True)
    assert "2  2 fixable  ML101  host-mount-pins-runtime-mounts" in lines


def test_statistics_as_json_and_unsafe_fixes_count_as_fixable() -> None:
    plain = json.loads(run_mountlint("--statistics", "--format", "json", str(AGENT)).stdout)
    unsafe = json.loads(
        run_mountlint("--statistics", "--format", "json", "--unsafe-fixes", str(AGENT)).stdout
    )
    by_code = {item["code"]: item for item in plain}
    assert by_code["ML203"] == {
        "code": "ML203",
        "name": "writable-host-path",
        "count": 1,
        "fixable": 0,
    }
    assert {item["code"]: item for item in unsafe}["ML203"]["fixable"] == 1


def test_quiet_prints_findings_only(tmp_path: Path) -> None:
    (tmp_path / "bad.yaml").write_text(BAD.read_text())
    (tmp_path / "linked").symlink_to(EXAMPLES / "node-exporter")
    loud = run_mountlint(str(tmp_path))
    assert "skipped 1 symlinked folder" in loud.stderr
    quiet = run_mountlint("-q", str(tmp_path))
    assert quiet.returncode == 1
    assert quiet.stdout == "".join(line + "\n" for line in loud.stdout.splitlines()[:-1])
    assert quiet.stderr == ""
    clean = run_mountlint("-q", str(EXAMPLES / "incident" / "rootfsmount-fixed.yaml"))
    assert (clean.returncode, clean.stdout) == (0, "")


def test_very_quiet_prints_nothing_but_keeps_the_exit_code(tmp_path: Path) -> None:
    for args, code in [((str(BAD),), 1), ((str(BAD), str(tmp_path / "missing.yaml")), 2)]:
        result = run_mountlint("-qq", *args)
        assert (result.returncode, result.stdout, result.stderr) == (code, "", "")
    statistics = run_mountlint("-qq", "--statistics", str(BAD))
    assert (statistics.returncode, statistics.stdout) == (1, "")
    diff = run_mountlint("-qq", "--diff", str(BAD))
    assert (diff.returncode, diff.stdout, diff.stderr) == (1, "", "")
    quiet_diff = run_mountlint("-q", "--diff", str(BAD))
    assert (quiet_diff.returncode, quiet_diff.stderr) == (1, "")
    assert quiet_diff.stdout.startswith("---")


@pytest.mark.parametrize(
    ("args", "env", "colored"),
    [
        ((), {}, False),
        (("--color", "always"), {}, True),
        ((), {"FORCE_COLOR": "1"}, True),
        ((), {"FORCE_COLOR": ""}, False),
        (("--color", "never"), {"FORCE_COLOR": "1"}, False),
        ((), {"FORCE_COLOR": "1", "NO_COLOR": "1"}, False),
        (("--color", "always"), {"NO_COLOR": "1"}, True),
    ],
)
def test_color_control(args: tuple[str, ...], env: dict[str, str], colored: bool) -> None:
    result = run_mountlint(*args, str(BAD), env=env)
    assert (ANSI in result.stdout) is colored


def test_color_never_reaches_report_files(tmp_path: Path) -> None:
    report = tmp_path / "report.txt"
    run_mountlint("--color", "always", "-o", str(report), str(BAD))
    assert ANSI not in report.read_text()
    json_report = run_mountlint("--color", "always", "--format", "json", str(BAD))
    json.loads(json_report.stdout)


def test_unsafe_only_fixes_have_their_own_marker() -> None:
    lines = run_mountlint("--select", "ML203,ML206", str(AGENT)).stdout.splitlines()
    writable = next(line for line in lines if " ML203 " in line)
    normalized = next(line for line in lines if " ML206 " in line)
    assert "[warning] [!] " in writable
    assert "[info] [*] " in normalized
    unsafe = run_mountlint("--select", "ML203", "--unsafe-fixes", str(AGENT)).stdout
    assert "[warning] [*] " in unsafe.splitlines()[0]
    no_fix = run_mountlint("--select", "ML202", str(AGENT)).stdout.splitlines()[0]
    assert "[warning] host '/' at '/host' exposes" in no_fix


def test_show_source_prints_the_lines_with_the_column_marked() -> None:
    result = run_mountlint("--show-source", str(BAD))
    assert result.returncode == 1
    lines = result.stdout.splitlines()
    assert lines[1:6] == [
        "   |",
        "24 |         - mountPath: /rootfs",
        "   |           ^^^^^^^^^^^^^^^^^^",
        "25 |           name: host-rootfs",
        "   |",
    ]
    assert lines[-1].startswith("Found 1 problem")


def test_show_source_for_standard_input_and_after_fix(tmp_path: Path) -> None:
    piped = run_mountlint("--show-source", "-", stdin=BAD.read_bytes())
    assert "24 |         - mountPath: /rootfs" in piped.stdout
    copy = tmp_path / "agent.yaml"
    copy.write_text(AGENT.read_text())
    fixed = run_mountlint("--fix", "--show-source", str(copy))
    frames = [line for line in fixed.stdout.splitlines() if " | " in line]
    assert frames
    text = copy.read_text().splitlines()
    for line in frames:
        number, _, shown = line.partition(" | ")
        if number.strip().isdigit():
            assert text[int(number) - 1].rstrip() == shown  # the file as it is now


def _location(line: int, column: int, end_line: int, end_column: int) -> Location:
    return Location("f.yaml", line, column, end_line, end_column, 0, 0)


def test_code_frame_escapes_control_characters_and_aligns_the_marker() -> None:
    text = "a: 1\nkey:\t\x1b[2J\u202eé中 value\n"
    frame = code_frame(text, _location(2, 6, 2, 13))
    assert "\x1b" not in "".join(frame) and "\u202e" not in "".join(frame)
    shown, marker = frame[1], frame[2]
    assert shown == "2 | key:    \\x1b[2J\\u202eé中 value"
    start = shown.index("\\x1b") - len("2 | ")
    assert marker == "  | " + " " * start + "^" * (len("\\x1b[2J\\u202eé中") + 1)  # 中 is wide


def test_code_frame_for_long_spans_and_stale_locations() -> None:
    text = "".join(f"line{number}\n" for number in range(1, 21))
    frame = code_frame(text, _location(2, 1, 15, 3))
    assert frame[1] == "2 | line2"
    assert frame[-2].endswith("...")
    assert len([line for line in frame if "| line" in line]) == 5
    assert code_frame(text, _location(40, 1, 40, 2)) == []
    assert code_frame("", _location(1, 1, 1, 1)) == []


def test_code_frame_counts_lines_as_findings_do() -> None:
    text = "a: '\x0c\u2028\x85'\r\nb: 2\r\n"
    frame = code_frame(text, _location(2, 1, 2, 2))
    assert frame[1] == "2 | b: 2"
    assert code_frame(text, _location(1, 1, 1, 2))[1] == "1 | a: '\\x0c\\u2028\\x85'"
