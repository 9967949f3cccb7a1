"""ML101 precision and recall on real node agents, against hand-written labels.

``python -m pytest tests/test_realworld.py -s`` prints the figures and every disagreement;
``python tests/realworld_score.py --mountlint PATH`` scores another mountlint build.
"""

from __future__ import annotations

import shutil
import subprocess
import sys

import pytest
from realworld_score import REALWORLD, host_path_mounts, load_labels, run_ml101, score

MIN_PRECISION = 0.95
MIN_RECALL = 1.0
#: The committed Helm render and the command that makes it from the committed chart sources.
HELM_RENDERS = {
    "democratic-csi/rendered/democratic-csi-freenas-iscsi.yaml": [
        "template",
        "democratic-csi",
        "democratic-csi/chart",
        "--namespace",
        "democratic-csi",
        "--values",
        "democratic-csi/chart/examples/freenas-iscsi.yaml",
    ],
}


def test_every_host_path_mount_is_labelled_once() -> None:
    labels = load_labels()
    mounts = host_path_mounts()
    stale = sorted(set(labels) - set(mounts), key=str)
    unlabelled = sorted(set(mounts) - set(labels), key=str)
    assert not stale, f"labelled mounts no longer in the inputs: {stale}"
    assert not unlabelled, f"hostPath mounts without a label: {unlabelled}"
    changed = [key for key, label in labels.items() if label.host_path != mounts[key]]
    assert not changed, f"host path differs from the label: {changed}"


def test_inputs_are_plain_files() -> None:
    links = [path for path in REALWORLD.rglob("*") if path.is_symlink()]
    assert not links, f"symbolic links in the real-world inputs: {links}"


def test_labelled_set_is_large_enough_to_measure() -> None:
    labels = load_labels()
    projects = {key[0].split("/", 1)[0] for key in labels}
    assert len(projects) >= 20
    assert len(labels) >= 300
    assert any(label.hazard for label in labels.values())


def test_ml101_precision_and_recall() -> None:
    labels = load_labels()
    result = score(run_ml101([sys.executable, "-m", "mountlint"]), labels, REALWORLD)
    report = result.report()
    print("\n" + report)
    assert not result.unmatched, report
    assert not result.repeated, report
    assert result.precision >= MIN_PRECISION, report
    assert result.recall >= MIN_RECALL, report


@pytest.mark.parametrize("rendered", sorted(HELM_RENDERS))
def test_helm_render_matches_chart_sources(rendered: str) -> None:
    helm = shutil.which("helm")
    if helm is None:
        pytest.skip("helm is not on PATH")
    result = subprocess.run(
        [helm, *HELM_RENDERS[rendered]],
        cwd=REALWORLD,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout == (REALWORLD / rendered).read_text(encoding="utf-8")
