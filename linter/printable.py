"""Text from files, paths and processes, made safe to print on a terminal or in a CI log.

A container name, a host path, a file name or a process name can hold ESC, BEL, CR or LF.
Printed raw, it can retitle or clear the terminal, or start a line that GitHub Actions runs as a
workflow command (``::error ...``). Every control character (C0, DEL and C1), the Unicode line
and paragraph separators and the bidirectional embeddings, overrides and isolates are shown as
backslash escapes instead.
"""

from __future__ import annotations

import re
from functools import cache

#: What is shown as an escape. Every one of these characters is non-printable to Python
#: (``str.isprintable``), which finds the usual text clean without a regular expression.
_UNSAFE = "[\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]"
#: What ``json.dumps(..., ensure_ascii=False)`` leaves raw: it escapes only C0.
_UNSAFE_IN_JSON = "[\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]"
_NAMED = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}


def printable(text: str) -> str:
    """``text`` with every character that could steer a terminal or a log shown as an escape."""
    if text.isprintable():
        return text
    return _pattern(_UNSAFE).sub(_escape, text)


def _escape(match: re.Match[str]) -> str:
    character = match.group()
    named = _NAMED.get(character)
    if named is not None:
        return named
    code = ord(character)
    return f"\\x{code:02x}" if code <= 0xFF else f"\\u{code:04x}"


def escape_json_text(text: str) -> str:
    """JSON text from ``json.dumps(..., ensure_ascii=False)`` with DEL, C1 and the separators
    also escaped as ``\\uXXXX`` (they can only stand inside strings, so the JSON is the same)."""
    if text.isascii() and "\x7f" not in text:
        return text  # the usual case, found without a regular expression over the whole text
    return _pattern(_UNSAFE_IN_JSON).sub(lambda match: f"\\u{ord(match.group()):04x}", text)


@cache
def _pattern(characters: str) -> re.Pattern[str]:
    """Compiled when first needed: most runs print only printable text."""
    return re.compile(characters)
