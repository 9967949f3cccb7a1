"""mountlint: lint and fix Kubernetes volume mounts before they reach a cluster.

The names in ``__all__`` are the public API (see docs/api.md); every module and every other
name is private and may change in any release.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from mountlint.version import __version__

if TYPE_CHECKING:
    from mountlint.api import (
        Config,
        ConfigurationError,
        Finding,
        KubernetesObject,
        Problem,
        Report,
        fix_text,
        lint_paths,
        lint_text,
        load_config,
    )
    from mountlint.edits import Applicability, Edit, Fix
    from mountlint.rule import Severity

#: Where each public name lives. They are imported when first used, so that running the command
#: line (which imports this package first) does not pay for the whole API at start-up.
_HOMES = {
    "Applicability": "mountlint.edits",
    "Edit": "mountlint.edits",
    "Fix": "mountlint.edits",
    "Severity": "mountlint.rule",
    **dict.fromkeys(
        (
            "Config",
            "ConfigurationError",
            "Finding",
            "KubernetesObject",
            "Problem",
            "Report",
            "fix_text",
            "lint_paths",
            "lint_text",
            "load_config",
        ),
        "mountlint.api",
    ),
}


def __getattr__(name: str) -> Any:
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module 'mountlint' has no attribute {name!r}")
    value = getattr(importlib.import_module(home), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(__all__)


__all__ = [
    "Applicability",
    "Config",
    "ConfigurationError",
    "Edit",
    "Finding",
    "Fix",
    "KubernetesObject",
    "Problem",
    "Report",
    "Severity",
    "__version__",
    "fix_text",
    "lint_paths",
    "lint_text",
    "load_config",
]
