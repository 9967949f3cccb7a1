"""The cost of a run grows linearly with its input (counted in function calls, never timed)."""

from __future__ import annotations

import cProfile
import pstats
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import SupportsIndex

from mountlint.edits import Applicability, Edit, Fix, select_non_overlapping
from mountlint.engine import analyze_text, lint_source, relevant_documents
from mountlint.report import ReportOptions, RunOutcome, render
from mountlint.settings import Settings
from mountlint.sources import discover, read_file
from mountlint.yamlnodes import parse_stream

from helpers import EXAMPLES, run_mountlint

KINDS_OF_FILES = [
    EXAMPLES / "incident" / "rootfsmount.yaml",
    EXAMPLES / "incident" / "sleeping.yaml",
    EXAMPLES / "csi-node-plugin" / "daemonset.yaml",
    EXAMPLES / "node-exporter" / "daemonset.yaml",
]


def _tree(root: Path, copies: int) -> Path:
    for number in range(copies):
        folder = root / f"copy{number}"
        folder.mkdir(parents=True)
        for path in KINDS_OF_FILES:
            shutil.copy(path, folder / f"{path.parent.name}-{path.name}")
        (folder / "unrelated.yaml").write_text("kind: ConfigMap\ndata:\n  a: b\n" * 20)
    return root


def _calls(root: Path) -> int:
    """Function calls made to lint every file under ``root`` (deterministic for the same input)."""
    settings = Settings()
    profile = cProfile.Profile()
    profile.enable()
    for path in discover([str(root)]).files:
        source = read_file(path)
        assert not isinstance(source, str)
        lint_source(source, settings)  # type: ignore[arg-type]
    profile.disable()
    return int(pstats.Stats(profile).total_calls)  # type: ignore[attr-defined]


def test_doubling_the_input_doubles_the_work(tmp_path: Path) -> None:
    _calls(_tree(tmp_path / "warm", 1))  # imports and caches are not part of the comparison
    single = _calls(_tree(tmp_path / "one", 8))
    double = _calls(_tree(tmp_path / "two", 16))
    assert 1.8 <= double / single <= 2.2, (single, double)


def test_jobs_give_the_same_report(tmp_path: Path) -> None:
    root = _tree(tmp_path, 12)
    one = run_mountlint("--jobs", "1", "--format", "json", str(root))
    two = run_mountlint("--jobs", "2", "--format", "json", str(root))
    assert one.returncode == two.returncode == 1
    assert one.stdout == two.stdout
    assert "mountlint:" not in two.stderr.replace("mountlint: skipped", "")  # no progress in pipes


#: A pod with findings on the host path ``/`` and a suppression comment that silences one.
SMALL_POD = """apiVersion: v1
kind: Pod
metadata: {{name: p{number}}}
spec:
  # mountlint: disable=ML203
  containers: [{{name: c, image: i, volumeMounts: [{{name: h, mountPath: /rootfs}}]}}]
  volumes: [{{name: h, hostPath: {{path: /}}}}]
"""


class _CountingText(str):
    """A text that counts the characters its own searches and slices look at.

    Function calls miss work done inside one C call, such as counting newlines from the start
    of the file for every finding; this counts it, deterministically.
    """

    scanned = 0

    def _span(self, start: SupportsIndex | None, end: SupportsIndex | None) -> tuple[int, int]:
        low, high, _ = slice(start, end).indices(len(self))
        return low, max(low, high)

    def count(  # type: ignore[override]
        self, sub: str, start: SupportsIndex | None = None, end: SupportsIndex | None = None
    ) -> int:
        low, high = self._span(start, end)
        type(self).scanned += high - low
        return str.count(self, sub, low, high)

    def find(  # type: ignore[override]
        self, sub: str, start: SupportsIndex | None = None, end: SupportsIndex | None = None
    ) -> int:
        low, high = self._span(start, end)
        found = str.find(self, sub, low, high)
        type(self).scanned += (found if found >= 0 else high) - low
        return found

    def rfind(  # type: ignore[override]
        self, sub: str, start: SupportsIndex | None = None, end: SupportsIndex | None = None
    ) -> int:
        low, high = self._span(start, end)
        found = str.rfind(self, sub, low, high)
        type(self).scanned += high - (found if found >= 0 else low)
        return found

    def split(self, sep: str | None = None, maxsplit: SupportsIndex = -1) -> list[str]:  # type: ignore[override]
        type(self).scanned += len(self)
        return str.split(self, sep, maxsplit)

    def __contains__(self, sub: object) -> bool:
        type(self).scanned += len(self)
        return str.__contains__(self, sub)  # type: ignore[operator]

    def __getitem__(self, key: SupportsIndex | slice) -> str:
        if isinstance(key, slice):
            low, high, _ = key.indices(len(self))
            type(self).scanned += max(0, high - low)
        return str.__getitem__(self, key)


def _cost(work: Callable[[], object]) -> int:
    """Python function calls made by ``work`` (deterministic for the same input)."""
    profile = cProfile.Profile()
    profile.enable()
    work()
    profile.disable()
    return int(pstats.Stats(profile).total_calls)  # type: ignore[attr-defined]


def _lint_and_report(pods: int) -> tuple[int, int]:
    """Calls and characters scanned to lint one file of ``pods`` pods and print the report."""
    text = _CountingText("---\n".join(SMALL_POD.format(number=n) for n in range(pods)))
    _CountingText.scanned = 0

    def work() -> None:
        # the C composer wants a plain str; everything after composing gets the counting text
        stream = parse_stream(relevant_documents(str(text)))
        result = analyze_text(text, "pods.yaml", Settings(), stream)
        assert len(result.findings) >= pods and len(result.suppressed) == pods
        render(RunOutcome(findings=result.findings), ReportOptions(format="text"))

    return _cost(work), _CountingText.scanned


def test_findings_per_file_cost_grows_linearly() -> None:
    _lint_and_report(10)  # imports and caches are not part of the comparison
    calls_1000, scanned_1000 = _lint_and_report(1000)
    calls_8000, scanned_8000 = _lint_and_report(8000)
    assert calls_8000 <= 10 * calls_1000, (calls_1000, calls_8000)
    assert scanned_8000 <= 10 * scanned_1000, (scanned_1000, scanned_8000)


def _insertions(count: int) -> list[Fix]:
    return [
        Fix("set a key", Applicability.SAFE, (Edit(10 * number, 10 * number, "x"),))
        for number in range(count)
    ]


def test_choosing_fixes_grows_linearly_with_their_number() -> None:
    small = _cost(lambda: select_non_overlapping(_insertions(1000)))
    large = _cost(lambda: select_non_overlapping(_insertions(8000)))
    assert large <= 10 * small, (small, large)


def _helm_remap_calls(tmp_path: Path, pods: int) -> int:
    """Calls to lint ``helm template`` output of one template rendered ``pods`` times, and to
    move its findings (and fixes) to the template."""
    from mountlint.helm import HelmMapping

    chart = tmp_path / f"chart{pods}"
    (chart / "templates").mkdir(parents=True)
    (chart / "Chart.yaml").write_text("apiVersion: v2\nname: c\nversion: 0.1.0\n")
    pod = (EXAMPLES / "incident" / "rootfsmount.yaml").read_text()
    (chart / "templates" / "pod.yaml").write_text(
        pod.replace("name: rootfsmount\nspec", "name: {{ .Release.Name }}\nspec")
    )
    rendered = "".join(
        "---\n# Source: c/templates/pod.yaml\n"
        + pod.replace("name: rootfsmount\nspec", f"name: r{number}\nspec")
        for number in range(pods)
    )

    def work() -> None:
        findings = analyze_text(rendered, "rendered.yaml", Settings()).findings
        assert len(findings) >= pods
        HelmMapping(rendered, "rendered.yaml", chart).remap(findings)

    return _cost(work)


def test_helm_findings_of_a_template_rendered_many_times_cost_linear_time(
    tmp_path: Path,
) -> None:
    _helm_remap_calls(tmp_path, 5)
    small = _helm_remap_calls(tmp_path, 100)
    large = _helm_remap_calls(tmp_path, 800)
    assert large <= 10 * small, (small, large)


def test_checking_the_write_scope_grows_linearly(tmp_path: Path) -> None:
    """Every linted file is checked against every path given: that must not be quadratic."""
    from mountlint.scope import WriteScope

    def calls(count: int) -> int:
        names = [f"dir{number}/sub/file.yaml" for number in range(count)]
        scope = WriteScope.named(names, tmp_path)
        profile = cProfile.Profile()
        profile.enable()
        assert all(scope.allows(tmp_path / name) for name in names)
        profile.disable()
        return int(pstats.Stats(profile).total_calls)  # type: ignore[attr-defined]

    calls(10)
    single, double = calls(300), calls(600)
    assert 1.8 <= double / single <= 2.2, (single, double)
