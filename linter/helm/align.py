"""Aligning rendered lines with template lines, stepping over template branches."""

from __future__ import annotations

from mountlint.helm.templates import (
    _BLANK,
    _DEFINE,
    _LITERAL,
    _OPAQUE,
    _PATTERN,
    _RANGE,
    _SILENT,
    _Line,
    _TemplateModel,
)
from mountlint.records import record

#: How many rendered lines on each side of a finding are compared with the template.
CONTEXT_LINES = 40
#: How many states one search may visit when stepping over template branches.
WALK_BUDGET = 20_000


# --------------------------------------------------------------------------- aligning lines


@record(frozen=True)
class _Score:
    literal: int = 0
    templated: int = 0
    contradicted: bool = False

    def __add__(self, other: _Score) -> _Score:
        return _Score(
            self.literal + other.literal,
            self.templated + other.templated,
            self.contradicted or other.contradicted,
        )

    @property
    def key(self) -> tuple[int, int]:
        return (self.literal + self.templated, self.literal)


class _Aligner:
    """Finds the template line a rendered line came from by comparing the lines around both."""

    def __init__(self, model: _TemplateModel, rendered: list[str], low: int, high: int) -> None:
        self.model = model
        self.rendered = rendered
        self.low, self.high = low, high
        self.memo: dict[tuple[int, int, int], _Score] = {}
        self.budget = WALK_BUDGET

    def locate(self, target: int) -> int | None:
        """The template line of rendered line ``target``; None when it is not unambiguous."""
        text = self.rendered[target]
        if not text.strip():
            return None
        candidates = [
            (u, line.kind == _LITERAL)
            for u, line in enumerate(self.model.lines)
            if _agrees(line, text)
        ]
        if not candidates:
            return None
        low = max(self.low, target - CONTEXT_LINES)
        high = min(self.high, target + CONTEXT_LINES)
        scored: list[tuple[_Score, int]] = []
        for u, literal in candidates:
            own = _Score(1, 0) if literal else _Score(0, 1)
            try:
                score = (
                    own
                    + self._walk(target - 1, u - 1, -1, low, high)
                    + self._walk(target + 1, u + 1, 1, low, high)
                )
            except RecursionError:
                return None
            scored.append((score, u))
        scored.sort(key=lambda item: item[0].key, reverse=True)
        best, line = scored[0]
        if len(scored) > 1 and scored[1][0].key == best.key:
            return None
        if best.literal < 1:
            return None
        if best.literal + best.templated >= 2:
            return line
        # One literal line and nothing else agrees: take it only when it is the only candidate
        # and nothing around it disagrees (its neighbours come from includes or branches).
        return line if len(scored) == 1 and not best.contradicted else None

    def _walk(self, r: int, u: int, step: int, low: int, high: int) -> _Score:
        key = (r, u, step)
        if key in self.memo:
            return self.memo[key]
        self.budget -= 1
        if self.budget < 0:
            return _Score()  # a pathological template: stop comparing, which never helps a line
        self.memo[key] = _Score()  # a loop back to this state adds nothing
        score = self._walk_from(r, u, step, low, high)
        self.memo[key] = score
        return score

    def _walk_from(self, r: int, u: int, step: int, low: int, high: int) -> _Score:
        lines = self.model.lines
        literal = templated = 0
        while True:
            while low <= r <= high and not self.rendered[r].strip():
                r += step
            if not low <= r <= high:
                return _Score(literal, templated)
            while 0 <= u < len(lines) and lines[u].kind == _BLANK:
                u += step
            if not 0 <= u < len(lines):
                return _Score(literal, templated, contradicted=True)
            line = lines[u]
            if line.kind == _SILENT:
                options = _jumps(line, u, step)
                if len(options) == 1:
                    u = options[0]
                    continue
                best = max(
                    (self._walk(r, option, step, low, high) for option in options),
                    key=lambda score: score.key,
                )
                return _Score(literal, templated) + best
            if not _agrees(line, self.rendered[r]):
                return _Score(literal, templated, contradicted=line.kind != _OPAQUE)
            if line.kind == _LITERAL:
                literal += 1
            else:
                templated += 1
            r += step
            u += step


def _agrees(line: _Line, rendered: str) -> bool:
    """Whether template ``line`` can have rendered as ``rendered`` (both without trailing space)."""
    if line.kind == _LITERAL:
        return line.text == rendered
    return line.kind == _PATTERN and line.regex is not None and bool(line.regex.fullmatch(rendered))


def _jumps(line: _Line, u: int, step: int) -> list[int]:
    """Where a walk may go from a control line: into a branch, past the block, or around a loop."""
    group = line.group
    if group is None or not group.clean or group.end_line is None:
        return [u + step]
    closings = [*group.mid_lines, group.end_line]
    if step > 0:
        if line.role == "open":
            if group.kind == _DEFINE:
                return [group.end_line + 1]
            return [u + 1, *(mid + 1 for mid in group.mid_lines), group.end_line + 1]
        if line.role == "mid":
            return [group.end_line + 1]
        if group.kind == _RANGE:
            return [u + 1, group.open_line + 1]
        return [u + 1]
    if line.role == "end":
        if group.kind == _DEFINE:
            return [group.open_line - 1]
        return [*(closing - 1 for closing in closings), group.open_line - 1]
    if line.role == "mid":
        return [group.open_line - 1]
    if group.kind == _RANGE:
        return [u - 1, group.end_line - 1]
    return [u - 1]
