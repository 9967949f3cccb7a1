"""Code frames for ``--show-source``: the offending lines under a finding, the column marked.

Lines are shown as a terminal would show them: tabs expanded, wide characters two columns, and
control or bidirectional-formatting characters written as escapes, so a hostile file cannot
move the cursor, hide text or misplace the marker.
"""

from __future__ import annotations

import unicodedata

from mountlint.findings import Location

#: At most this many lines of one finding are shown; a longer span ends with ``...``.
MAX_FRAME_LINES = 5
TAB_WIDTH = 4


def _cell(char: str, column: int) -> tuple[str, int]:
    """How ``char`` is shown from display column ``column``, and how many columns it takes."""
    if char == "\t":
        width = TAB_WIDTH - column % TAB_WIDTH
        return " " * width, width
    category = unicodedata.category(char)
    if category in ("Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp"):
        escaped = f"\\x{ord(char):02x}" if ord(char) < 0x100 else f"\\u{ord(char):04x}"
        return escaped, len(escaped)
    if unicodedata.combining(char):
        return char, 0
    return char, 2 if unicodedata.east_asian_width(char) in ("W", "F") else 1


def _render_line(line: str) -> tuple[str, list[int]]:
    """The shown line, and the display column at which each character starts (plus the end)."""
    pieces: list[str] = []
    starts: list[int] = []
    column = 0
    for char in line:
        shown, width = _cell(char, column)
        starts.append(column)
        pieces.append(shown)
        column += width
    starts.append(column)
    return "".join(pieces), starts


def _content_end(line: str) -> int:
    """Where a line's content ends: before a trailing `` # comment`` and trailing blanks."""
    comment = line.find(" #")
    if comment >= 0 and "'" not in line[:comment] and '"' not in line[:comment]:
        line = line[:comment]
    return len(line.rstrip())


def code_frame(text: str, location: Location) -> list[str]:
    """The frame lines for ``location`` in ``text``; empty when the text does not have them."""
    # lines end at LF only (CRLF loses its CR), as findings count them; not str.splitlines,
    # which also breaks at form feeds and U+2028 and would show the wrong line
    lines = [line.removesuffix("\r") for line in text.split("\n")]
    first = location.line
    last = location.end_line
    if location.end_column == 1 and last > first:
        last -= 1  # the span ends at the start of the next line
    if not text or first < 1 or first > len(lines):
        return []
    last = max(first, min(last, len(lines), first + MAX_FRAME_LINES - 1))
    gutter = len(str(last))
    blank = f"{' ' * gutter} |"
    out = [blank]
    for number in range(first, last + 1):
        shown, starts = _render_line(lines[number - 1])
        out.append(f"{number:>{gutter}} | {shown}".rstrip())
        if number != first:
            continue
        start_index = min(max(location.column - 1, 0), len(starts) - 1)
        same_line = location.end_line == first
        end_index = location.end_column - 1 if same_line else _content_end(lines[number - 1])
        end_index = min(max(end_index, start_index), len(starts) - 1)
        start, end = starts[start_index], starts[end_index]
        out.append(f"{blank} {' ' * start}{'^' * max(1, end - start)}")
    if location.end_line > last and not (
        location.end_line == last + 1 and location.end_column == 1
    ):
        out.append(f"{blank} ...")
    out.append(blank)
    return out
