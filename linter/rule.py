"""What a rule is, what it reports, and what it is given.

A rule module in ``mountlint.rules`` has a Markdown docstring (its documentation), a ``RULE``
(its metadata) and a ``check()`` generator that yields :class:`Violation` objects. The engine
stamps the code, the level and the location; the rule only says what is wrong and where.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum
from typing import TYPE_CHECKING

from mountlint.edits import EditBuilder, Fix

if TYPE_CHECKING:
    from mountlint.settings import Settings
    from mountlint.yamlnodes import Document, Node


class Severity(str, Enum):
    """How bad a finding is. Ordered: ``info`` < ``warning`` < ``error``."""

    INFO = "info"
    WARNING = "warning"
    ERROR = "error"

    @property
    def rank(self) -> int:
        return _RANKS[self]


_RANKS = {Severity.INFO: 0, Severity.WARNING: 1, Severity.ERROR: 2}


class Scope(str, Enum):
    """What a rule's ``check()`` is called with."""

    SYNTAX = "syntax"  #: nothing: the engine reports parse failures under this rule
    SUPPRESSION = "suppression"  #: nothing: the engine reports unused suppressions under it
    MOUNT = "mount"  #: check(mount: Mount, context: RuleContext) for every volumeMount
    POD = "pod"  #: check(pod: PodSpec, context: RuleContext) for every pod spec
    PERSISTENT_VOLUME = "persistent-volume"  #: check(volume: PersistentVolume, context)
    HOST_PATH = "host-path"  #: check(use: HostPathUse, context) for pod volumes and PVs alike


class FixAvailability(str, Enum):
    """What the rule's metadata promises about fixes (the finding carries the real one)."""

    NONE = "none"
    SAFE = "safe"
    UNSAFE = "unsafe"
    SOMETIMES = "sometimes"


@dataclass(frozen=True)
class Rule:
    """A rule's metadata. ``doc`` is filled in from the module docstring by the registry."""

    code: str
    name: str
    summary: str
    severity: Severity
    scope: Scope
    fix: FixAvailability = FixAvailability.NONE
    tags: tuple[str, ...] = ()
    enabled_by_default: bool = True
    doc: str = ""


@dataclass(frozen=True)
class Related:
    """Another node that explains a finding (the volume, the container)."""

    node: Node
    message: str


@dataclass
class Violation:
    """What a rule yields: a message about a node, and optionally another level and a fix."""

    message: str
    node: Node
    field_path: str = ""
    severity: Severity | None = None
    fix: Fix | None = None
    related: tuple[Related, ...] = ()


@dataclass
class RuleContext:
    """What a rule may consult besides the node it is given."""

    settings: Settings
    document: Document
    edits: EditBuilder

    def shared(self, *nodes: Node) -> bool:
        """Whether any of ``nodes`` is reached through an alias (edits there are display-only)."""
        return any(self.document.is_shared(node) for node in nodes)
