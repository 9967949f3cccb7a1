"""Helpers shared by the tests (``tests/`` is on ``sys.path`` through pytest's ``pythonpath``)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
EXAMPLES = REPO / "examples"
FIXTURES = Path(__file__).resolve().parent / "fixtures"
CORPUS = REPO.parent / "shared" / "corpus"


def update_snapshots() -> bool:
    """Set MOUNTLINT_UPDATE_SNAPSHOTS=1 to rewrite snapshot files instead of comparing them."""
    return os.environ.get("MOUNTLINT_UPDATE_SNAPSHOTS") == "1"


def run_mountlint(
    *args: str,
    cwd: Path | None = None,
    stdin: bytes | None = None,
    env: dict[str, str] | None = None,
    timeout: float = 120,
) -> subprocess.CompletedProcess[str]:
    """Run the installed command line as a user would (``python -m mountlint``)."""
    env = {
        **{
            key: value
            for key, value in os.environ.items()
            if key not in ("NO_COLOR", "FORCE_COLOR")
        },
        **(env or {}),
    }
    return subprocess.run(
        [sys.executable, "-m", "mountlint", *args],
        cwd=cwd,
        input=stdin.decode() if stdin is not None else None,
        capture_output=True,
        text=True,
        env=env,
        timeout=timeout,
    )


def sarif_multitool_dir() -> Path:
    """Where ``.ci/run`` installs the SARIF Multitool (``npm install @microsoft/sarif-multitool``)."""
    override = os.environ.get("MOUNTLINT_SARIF_MULTITOOL_DIR")
    if override:
        return Path(override)
    return REPO / ".ci" / "node" / "node_modules" / "@microsoft" / "sarif-multitool-linux"
