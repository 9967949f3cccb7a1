"""The cost of a run grows linearly with its input (counted in function calls, never timed)."""

from __future__ import annotations

import cProfile
import pstats
import shutil
from pathlib import Path

from mountlint.engine import lint_source
from mountlint.settings import Settings
from mountlint.sources import discover, read_file

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
