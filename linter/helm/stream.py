"""The documents of a rendered stream and the ``# Source:`` template each came from."""

from __future__ import annotations

import re

from mountlint.records import record

# --------------------------------------------------------------------------- the rendered stream

_SEPARATOR = re.compile(r"---(?:[ \t].*)?")
_SOURCE = re.compile(r"#\s*Source:\s*(\S.*?)\s*")


@record(frozen=True)
class RenderedDocument:
    """One document of a rendered stream and the template it came from.

    ``source`` is the ``# Source:`` path as written (``chart/templates/x.yaml``) and ``template``
    that path without the chart name (``templates/x.yaml``, ``charts/sub/templates/x.yaml``); both
    are None without a ``# Source:`` line. Lines are 1-based and inclusive, from the line after
    the ``---`` separator; offsets are 0-based characters, ``end_offset`` exclusive.
    ``body_line`` is the first line the template produced: the one after ``# Source:``.
    """

    index: int
    source: str | None
    template: str | None
    start_line: int
    end_line: int
    start_offset: int
    end_offset: int
    body_line: int


def split_rendered(text: str) -> list[RenderedDocument]:
    """The non-empty documents of a ``helm template`` stream, in order."""
    documents: list[RenderedDocument] = []
    lines = [line + "\n" for line in text.split("\n")]
    lines[-1] = lines[-1][:-1]
    if not lines[-1]:
        lines.pop()
    offset = 0
    start_index, start_offset = 0, 0
    for number, line in enumerate(lines):
        if _SEPARATOR.fullmatch(line.rstrip("\r\n")):
            _add_document(documents, lines, start_index, number, start_offset)
            start_index, start_offset = number + 1, offset + len(line)
        offset += len(line)
    _add_document(documents, lines, start_index, len(lines), start_offset)
    return documents


def _add_document(
    documents: list[RenderedDocument], lines: list[str], first: int, stop: int, offset: int
) -> None:
    if not any(line.strip() for line in lines[first:stop]):
        return
    source: str | None = None
    body = first
    for index in range(first, stop):
        stripped = lines[index].strip()
        if not stripped:
            continue
        if not stripped.startswith("#"):
            break
        match = _SOURCE.fullmatch(stripped)
        if match:
            source, body = match.group(1), index + 1
            break
    template = None
    if source is not None:
        parts = source.replace("\\", "/").split("/")
        template = "/".join(parts[1:]) if len(parts) > 1 else None
    end_offset = offset + sum(len(line) for line in lines[first:stop])
    documents.append(
        RenderedDocument(
            index=len(documents),
            source=source,
            template=template,
            start_line=first + 1,
            end_line=stop,
            start_offset=offset,
            end_offset=end_offset,
            body_line=body + 1,
        )
    )
