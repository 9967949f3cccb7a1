"""Words that the messages of several rules share, so they read the same everywhere."""

from __future__ import annotations

from collections.abc import Sequence

from mountlint.paths import within


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
