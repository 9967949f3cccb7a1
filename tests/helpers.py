"""Helpers shared by the tests (``tests/`` is on ``sys.path`` through pytest's ``pythonpath``)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
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


def interrupt_when(
    args: list[str],
    cwd: Path,
    ready: Callable[[], bool],
    whole_group: bool = True,
    env: dict[str, str] | None = None,
) -> tuple[int, str]:
    """Run ``python -m mountlint ARGS`` in a session of its own and send it SIGINT once
    ``ready()`` holds: to its whole process group, as a terminal's Ctrl-C does, or to the process
    alone. Returns the exit status and stderr."""
    process = subprocess.Popen(
        [sys.executable, "-m", "mountlint", *args],
        cwd=cwd,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 60
        while not ready():
            assert process.poll() is None and time.monotonic() < deadline, "never ready"
            time.sleep(0.005)
        if whole_group:
            os.killpg(process.pid, signal.SIGINT)
        else:
            process.send_signal(signal.SIGINT)
        _, stderr = process.communicate(timeout=60)
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
    return process.returncode, stderr.decode()
