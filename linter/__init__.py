"""mountlint: lint and fix Kubernetes volume mounts before they reach a cluster.

The names in ``__all__`` are the public API (see docs/api.md); every module and every other
name is private and may change in any release.
"""

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
from mountlint.version import __version__

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
