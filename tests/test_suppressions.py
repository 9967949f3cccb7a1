"""Suppression comments and annotations: what they silence, and unused ones reported (ML002)."""

from __future__ import annotations

from pathlib import Path

import pytest

from mountlint.engine import analyze_text
from mountlint.fixes import fix_text
from mountlint.settings import Settings

from helpers import run_mountlint

SETTINGS = Settings(select=frozenset({"ML002", "ML101", "ML203"}))


def _pod(mount_comment: str = "", before: str = "", annotations: str = "", head: str = "") -> str:
    return (
        f"{head}apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\n{annotations}spec:\n"
        "  containers:\n    - name: app\n      image: busybox\n      volumeMounts:\n"
        f"{before}        - name: root{mount_comment}\n          mountPath: /rootfs\n"
        "  volumes:\n    - name: root\n      hostPath:\n        path: /\n"
    )


def _codes(text: str, settings: Settings = SETTINGS) -> tuple[list[tuple[str, int]], list[str]]:
    result = analyze_text(text, "t.yaml", settings)
    return (
        [(f.rule.code, f.location.line) for f in result.findings],
        sorted(f.rule.code for f in result.suppressed),
    )


def test_without_suppression() -> None:
    assert _codes(_pod()) == ([("ML101", 10), ("ML203", 10)], [])


def test_end_of_line_comment_by_code_and_name() -> None:
    text = _pod("  # mountlint: disable=ML101,writable-host-path")
    assert _codes(text) == ([], ["ML101", "ML203"])


def test_comment_on_any_line_of_the_flagged_node() -> None:
    text = _pod().replace("mountPath: /rootfs", "mountPath: /rootfs  # mountlint: disable=ML101")
    assert _codes(text) == ([("ML203", 10)], ["ML101"])


def test_comment_alone_on_the_line_above() -> None:
    text = _pod(before="        # mountlint: disable=ML101\n")
    assert _codes(text) == ([("ML203", 11)], ["ML101"])


def test_bare_disable_silences_every_rule_there() -> None:
    assert _codes(_pod("  # mountlint: disable")) == ([], ["ML101", "ML203"])


def test_disable_file() -> None:
    text = _pod(head="# mountlint: disable-file=ML101\n")
    assert _codes(text) == ([("ML203", 11)], ["ML101"])


def test_annotation() -> None:
    annotations = '  annotations:\n    mountlint.io/ignore: "ML101, ML203"\n'
    assert _codes(_pod(annotations=annotations)) == ([], ["ML101", "ML203"])
    everything = "  annotations:\n    mountlint.io/ignore: all\n"
    assert _codes(_pod(annotations=everything)) == ([], ["ML101", "ML203"])


def test_unused_comment_is_reported_with_a_safe_fix() -> None:
    text = _pod("  # mountlint: disable=ML101,ML206,bogus-rule").replace(
        "path: /\n", "path: /srv\n"
    )
    result = analyze_text(text, "t.yaml", SETTINGS)
    [unused] = [f for f in result.findings if f.rule.code == "ML002"]
    assert unused.location.line == 10
    assert "unknown rule 'bogus-rule'" in unused.message
    assert "no ML101 finding on line 10" in unused.message
    assert "ML206" not in unused.message  # not selected: not judged
    fixed = fix_text(text, "t.yaml", SETTINGS).text
    # ML206 is not running, so it cannot be judged unused: it stays
    assert "        - name: root  # mountlint: disable=ML206\n" in fixed


def test_partly_unused_comment_keeps_the_used_rules() -> None:
    text = _pod("  # mountlint: disable=ML101,writable-host-path").replace(
        "path: /\n", "path: /srv\n"
    )
    result = analyze_text(text, "t.yaml", SETTINGS)
    assert [f.rule.code for f in result.findings] == ["ML002"]
    assert [f.rule.code for f in result.suppressed] == ["ML203"]
    fixed = fix_text(text, "t.yaml", SETTINGS).text
    assert "        - name: root  # mountlint: disable=writable-host-path\n" in fixed
    assert analyze_text(fixed, "t.yaml", SETTINGS).findings == []


def test_standalone_unused_comment_line_is_removed() -> None:
    text = _pod(before="        # mountlint: disable=ML101\n").replace("path: /\n", "path: /srv\n")
    fixed = fix_text(text, "t.yaml", SETTINGS).text
    assert fixed == _pod().replace("path: /\n", "path: /srv\n")


def test_unused_annotation() -> None:
    annotations = "  annotations:\n    mountlint.io/ignore: ML101\n"
    text = _pod(annotations=annotations).replace("path: /\n", "path: /srv\n")
    findings, _ = _codes(text)
    assert ("ML002", 6) in findings


def test_directive_inside_a_string_is_not_a_comment() -> None:
    text = _pod(annotations='  annotations:\n    note: "a # mountlint: disable=ML101 example"\n')
    assert _codes(text)[0] == [("ML101", 12), ("ML203", 12)]


def test_summary_counts_suppressed(tmp_path: Path) -> None:
    path = tmp_path / "x.yaml"
    path.write_text(_pod("  # mountlint: disable=ML101"))
    result = run_mountlint("--select", "ML101,ML002", str(path))
    assert result.returncode == 0
    assert result.stdout == "All checks passed! 1 suppressed.\n"


def test_a_reason_may_follow_the_rules() -> None:
    text = _pod("  # mountlint: disable=ML101,ML206 (pinned on purpose: see runbook)")
    settings = Settings(select=frozenset({"ML002", "ML101", "ML206"}))
    result = analyze_text(text, "t.yaml", settings)
    assert [f.rule.code for f in result.suppressed] == ["ML101"]
    [unused] = result.findings
    assert "no ML206 finding" in unused.message
    fixed = fix_text(text, "t.yaml", settings).text
    assert "# mountlint: disable=ML101 (pinned on purpose: see runbook)\n" in fixed


def _config_map(script: str) -> str:
    lines = "".join(f"    {line}\n" for line in script.splitlines())
    return f"apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\ndata:\n  run.sh: |\n{lines}"


#: A document that cannot hold a finding, big enough that the stream is parsed sparsely.
FILLER = (
    "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: filler\ndata:\n  x: " + "y" * 40_000 + "\n"
)


@pytest.mark.parametrize("big", [False, True], ids=["small", "32KiB"])
def test_disable_file_inside_a_block_scalar_is_text(big: bool) -> None:
    text = "---\n".join(
        [_pod(), _config_map("echo hi\n# mountlint: disable-file\necho bye"), *([FILLER] * big)]
    )
    assert (len(text) >= 32 * 1024) is big
    assert _codes(text) == ([("ML101", 10), ("ML203", 10)], [])


@pytest.mark.parametrize("big", [False, True], ids=["small", "32KiB"])
def test_unused_suppression_fix_leaves_block_scalars_alone(big: bool) -> None:
    text = "---\n".join(
        [
            _pod("  # mountlint: disable=ML101,ML203"),
            _config_map("# mountlint: disable=ML101\necho"),
            *([FILLER] * big),
        ]
    )
    assert fix_text(text, "t.yaml", SETTINGS).text == text


def test_real_comment_in_a_document_without_findings_still_counts_in_big_files() -> None:
    text = "---\n".join(
        [_pod(), "# mountlint: disable-file\n" + _config_map("echo"), FILLER, FILLER]
    )
    assert _codes(text) == ([], ["ML101", "ML203"])
    unused = "---\n".join([_pod(), "# mountlint: disable=ML101\n" + _config_map("echo"), FILLER])
    assert ("ML002", 17) in _codes(unused)[0]


def test_directive_text_after_a_syntax_error_is_not_a_directive() -> None:
    """Past a syntax error no document is composed; the scanner still tells strings apart."""
    text = "---\n".join([_pod(), _config_map("echo hi\n# mountlint: disable-file\necho bye")])
    broken = text + "  other: [\n"
    codes, suppressed = _codes(broken, Settings(select=frozenset({"ML001", "ML101", "ML002"})))
    assert suppressed == []
    assert [code for code, _ in codes] == ["ML101", "ML001"]
