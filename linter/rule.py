"""What a rule is, what it reports, and what it is given.

A rule module in ``mountlint.rules`` has a Markdown docstring (its documentation), a ``RULE``
(its metadata) and a ``check()`` generator that yields :class:`Violation` objects. The engine
stamps the code, the level and the location; the rule only says what is wrong and where.
"""

from __future__ import annotations

from dataclasses import field
from enum import Enum
from typing import TYPE_CHECKING

from mountlint.edits import Applicability, EditBuilder, Fix
from mountlint.records import record
from mountlint.severity import Severity as Severity  # part of what a rule module imports
from mountlint.yamlnodes import Entry, MappingNode, ScalarNode, entry, is_flow_scalar

if TYPE_CHECKING:
    from mountlint.settings import Settings
    from mountlint.yamlnodes import Document, Node


class Scope(str, Enum):
    """What a rule's ``check()`` is called with."""

    SYNTAX = "syntax"  #: nothing: the engine reports parse failures under this rule
    SUPPRESSION = "suppression"  #: nothing: the engine reports unused suppressions under it
    CHART = "chart"  #: nothing: the command line reports Helm charts it could not render under it
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


@record(frozen=True)
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


@record(frozen=True)
class Related:
    """Another node that explains a finding (the volume, the container)."""

    node: Node
    message: str


@record
class Violation:
    """What a rule yields: a message about a node, and optionally another level and a fix.

    ``message`` is one short line (what, where, the fix); ``detail`` is the long form, why it
    matters here, for the JSON report's ``explanation``.
    """

    message: str
    node: Node
    field_path: str = ""
    severity: Severity | None = None
    fix: Fix | None = None
    related: tuple[Related, ...] = ()
    detail: str = ""


@record
class RuleContext:
    """What a rule may consult besides the node it is given, and how it builds its fixes.

    ``memo`` lives as long as the document: a mount rule that looks at the whole pod keeps what
    it found there (keyed by its code and the pod's node id), so a big pod is scanned once.
    """

    settings: Settings
    document: Document
    edits: EditBuilder
    memo: dict[tuple[str, int], object] = field(default_factory=dict)

    def shared(self, *nodes: Node) -> bool:
        """Whether any of ``nodes`` is reached through an alias (edits there are display-only)."""
        return any(self.document.is_shared(node) for node in nodes)

    def replace_fix(
        self,
        field: Entry,
        value: str,
        description: str,
        applicability: Applicability,
        what: str = "value",
    ) -> Fix | None:
        """Write ``value`` over the value of ``field``, keeping its quotes, anchor and tag.

        None for a block scalar or a collection, whose text cannot simply be replaced;
        display-only when the value comes from an anchor or a merge key, because the edit would
        change every user of it (``what`` names the value in those words).
        """
        node = field.value
        if not isinstance(node, ScalarNode) or not is_flow_scalar(node):
            return None
        edit = self.edits.replace_scalar(node, value, field.key)
        fix = Fix(description, applicability, (edit,))
        if field.inherited or self.shared(node):
            return fix.as_display_only(f"the {what} comes from a YAML anchor; edit it there")
        return fix

    def set_fix(
        self,
        mapping: MappingNode,
        key: str,
        value: str,
        description: str,
        applicability: Applicability,
        owner: str = "the volumeMount",
    ) -> Fix | None:
        """Set ``key: value`` in ``mapping``: replace the value there, or add the key.

        A key merged in with ``<<`` is overridden by adding it to ``mapping`` itself, which
        leaves the anchor alone. ``owner`` names ``mapping`` in the words of a display-only fix.
        """
        current = entry(mapping, key)
        if current is not None and not (current.inherited and not self.shared(mapping)):
            return self.replace_fix(current, value, description, applicability)
        insertion = self.edits.insert_entry(mapping, key, value)
        if insertion is None:
            return Fix(f"{description} (add it to {owner} by hand)", Applicability.DISPLAY_ONLY, ())
        fix = Fix(description, applicability, (insertion,))
        if self.shared(mapping):
            return fix.as_display_only(f"{owner} comes from a YAML anchor; edit it there")
        return fix
