"""Words that the messages of several rules share, so they read the same everywhere."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from mountlint.apierrors import go_quote, go_type
from mountlint.paths import within

if TYPE_CHECKING:
    from mountlint.workloads import Exposure, HostPathUse, Mount
    from mountlint.yamlnodes import Node

#: How long the one-line message of a finding may be (the explanation carries the rest).
SHORT_MESSAGE = 160


def shortlist(items: Sequence[str], limit: int, last: str = ", ") -> str:
    """``a, b and 3 more``: the first ``limit`` items and how many others there are.

    When every item is shown, ``last`` joins the final two (``", "`` or ``" and "``).
    """
    shown = list(items[:limit])
    more = len(items) - limit
    if more > 0:
        return f"{', '.join(shown)} and {more} more"
    if len(shown) < 2:
        return "".join(shown)
    return ", ".join(shown[:-1]) + last + shown[-1]


def runtime_roots_relation(source: str, roots: Sequence[str], limit: int = 3) -> str:
    """How the canonical host path ``source`` relates to the runtime ``roots``, in words.

    ``roots`` are the canonical runtime roots that ``source`` overlaps, the most critical first.
    """
    inside = [root for root in roots if within(root, source) and root != source]
    if inside:
        return f"'{source}' lies inside {inside[-1]}, where the runtime creates mounts"
    held = [root for root in roots if root != source]
    if held:
        return f"'{source}' holds runtime-managed mounts ({shortlist(held, limit)})"
    if roots:
        return f"'{source}' is where the runtime creates mounts"
    return f"'{source}' holds the node's runtime state"


def mount_subject(mount: Mount, host: str) -> str:
    """``host '/run' at '/host/run'``: the start of a one-line message about a volumeMount."""
    return f"host '{host}' at '{mount.mount_path}'"


def exposure_subject(use: HostPathUse, exposure: Exposure) -> str:
    """The start of a one-line message about a hostPath source and what exposes it.

    ``host '/run' at '/host/run'`` (and how many more mounts), ``unmounted volume 'run' (host
    '/run')``, or ``PersistentVolume 'pv' (host '/run')``.
    """
    if not exposure.mounts:
        if use.volume is not None:
            return f"unmounted volume '{use.volume.name}' (host '{use.source.path}')"
        return f"PersistentVolume '{use.obj.name}' (host '{use.source.path}')"
    subject = mount_subject(exposure.mounts[0], exposure.shown_path)
    others = len(exposure.mounts) - 1
    return subject + (f" (+{others} more mount{'s' if others > 1 else ''})" if others else "")


def short_unsupported(path: str, value: str, supported: Sequence[str], hint: str) -> str:
    """The API server's ``Unsupported value`` in one short line: the hint, else the choices."""
    if hint:
        return f"{path}: Unsupported value: {go_quote(value)}{hint}"
    choices = ", ".join(item for item in supported if item)
    return f"{path}: Unsupported value: {go_quote(value)}; write one of {choices}"


def short_unmarshal(path: str, node: Node, choices: Sequence[str]) -> str:
    """The decoder's complaint about a non-string value, in one short line."""
    listed = ", ".join(item for item in choices if item)
    kind = go_type(node)
    article = "an" if kind[0] in "aeiou" else "a"
    return f"{path}: {article} {kind} where a string is expected; write one of {listed}"
