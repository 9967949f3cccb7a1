"""Running ``helm template``."""

from __future__ import annotations

import shlex
import shutil
import subprocess
from collections.abc import Sequence
from pathlib import Path

from mountlint.gotuning import go_environment

DEFAULT_RELEASE_NAME = "release-name"
DEFAULT_TIMEOUT = 120.0


# --------------------------------------------------------------------------- running helm


class HelmError(Exception):
    """``helm template`` could not produce a rendered stream."""


class HelmNotFound(HelmError):
    """No ``helm`` on PATH; the message says how to pipe rendered output in instead."""


class HelmRenderError(HelmError):
    """``helm template`` failed or timed out; ``stderr`` is what helm said."""

    def __init__(self, message: str, stderr: str = "", returncode: int | None = None) -> None:
        super().__init__(message)
        self.stderr = stderr
        self.returncode = returncode


def render_chart(
    chart_dir: Path,
    values_files: Sequence[Path | str] = (),
    set_values: Sequence[str] = (),
    release_name: str = DEFAULT_RELEASE_NAME,
    namespace: str | None = None,
    timeout: float = DEFAULT_TIMEOUT,
) -> str:
    """Run ``helm template`` on ``chart_dir`` (offline: no repository or dependency commands)."""
    chart_dir = Path(chart_dir)
    flags: list[str] = []
    for values in values_files:
        flags += ["--values", str(values)]
    for assignment in set_values:
        flags += ["--set", assignment]
    if namespace:
        flags += ["--namespace", namespace]
    helm = shutil.which("helm")
    if helm is None:
        pipeline = shlex.join(["helm", "template", *flags, release_name, str(chart_dir)])
        raise HelmNotFound(
            "helm was not found on PATH; install it, or render the chart yourself and pipe the "
            f"output in: {pipeline} | mountlint --chart-dir {shlex.quote(str(chart_dir))} -"
        )
    command = [helm, "template", *flags, "--", release_name, str(chart_dir)]
    try:
        completed = subprocess.run(
            command,
            capture_output=True,
            timeout=timeout,
            stdin=subprocess.DEVNULL,
            check=False,
            env=go_environment(),
        )
    except subprocess.TimeoutExpired as error:
        stderr = _text(error.stderr)
        raise HelmRenderError(
            f"helm template {chart_dir} did not finish within {timeout:g} s", stderr
        ) from error
    except OSError as error:
        raise HelmRenderError(f"cannot run {helm}: {error.strerror or error}") from error
    if completed.returncode != 0:
        stderr = _text(completed.stderr).strip()
        message = f"helm template {chart_dir} failed (exit {completed.returncode})"
        if stderr:
            message += f": {stderr}"
        if not (chart_dir / "Chart.yaml").is_file() and (chart_dir / "Chart.yaml.tmpl").is_file():
            message += (
                " (the chart has only Chart.yaml.tmpl: generate Chart.yaml the way the project "
                "does, or pipe its rendered output into mountlint)"
            )
        raise HelmRenderError(message, stderr, completed.returncode)
    return _text(completed.stdout)


def _text(data: bytes | str | None) -> str:
    if data is None:
        return ""
    if isinstance(data, str):
        return data
    return data.decode("utf-8", errors="replace")
