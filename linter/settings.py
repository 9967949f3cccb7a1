"""The settings every rule reads: the runtime profile and the host path lists."""

from __future__ import annotations

from dataclasses import dataclass, field

from mountlint.paths import (
    DEFAULT_RUNTIME_ROOTS,
    DEFAULT_RUNTIME_SOCKETS,
    canon,
)
from mountlint.rule import Severity

#: Runtime profiles (``--runtime``): which runtimes make a private mount safe by themselves.
RUNTIMES = ("containerd", "cri-o", "docker", "any")


@dataclass(frozen=True)
class Settings:
    """Resolved settings for one run (defaults, then the config file, then the command line)."""

    runtime: str = "containerd"
    runtime_roots: tuple[str, ...] = DEFAULT_RUNTIME_ROOTS
    runtime_sockets: tuple[str, ...] = DEFAULT_RUNTIME_SOCKETS
    fail_on: Severity = Severity.WARNING
    canonical_roots: tuple[str, ...] = field(init=False)

    def __post_init__(self) -> None:
        if self.runtime not in RUNTIMES:
            raise ValueError(f"unknown runtime {self.runtime!r}; expected one of {', '.join(RUNTIMES)}")
        roots = tuple(dict.fromkeys(canon(root) for root in self.runtime_roots))
        object.__setattr__(self, "canonical_roots", roots)
