"""How bad a finding is: read by the settings, the rules and the reports alike."""

from __future__ import annotations

from enum import Enum


class Severity(str, Enum):
    """How bad a finding is. Ordered: ``info`` < ``warning`` < ``error``."""

    INFO = "info"
    WARNING = "warning"
    ERROR = "error"

    @property
    def rank(self) -> int:
        return _RANKS[self]


_RANKS = {Severity.INFO: 0, Severity.WARNING: 1, Severity.ERROR: 2}
