"""A pure-Python YAML scanner that reads tabs between tokens as go-yaml and libyaml do.

Imported only when libyaml has rejected a document and the spec-following parser composes it
again (see ``mountlint.composers``).
"""

from __future__ import annotations

from typing import Any

from ruamel.yaml.scanner import Scanner

__all__ = ["SeparatingTabsScanner"]


class SeparatingTabsScanner(Scanner):
    """The pure-Python scanner, reading tabs between tokens as go-yaml and libyaml do.

    ruamel.yaml's pure scanner takes a tab outside flow collections for indentation and rejects
    it, even in ``key:<tab>value`` or before a trailing comment, which kubectl reads. Tabs stay
    an error where they would indent: at the start of a line and after ``-`` or ``?``.
    """

    def scan_to_next_token(self) -> None:
        reader = self.reader
        if reader.index == 0 and reader.peek() == "\ufeff":
            reader.forward()
        while True:
            while reader.peek() == " " or (reader.peek() == "\t" and self._tab_separates()):
                reader.forward()
            if reader.peek() == "#":
                while reader.peek() not in "\0\r\n\x85\u2028\u2029":
                    reader.forward()
            if self.scan_line_break():
                if not self.flow_level:
                    self.allow_simple_key = True
            else:
                return

    def scan_plain_spaces(self, indent: Any, start_mark: Any) -> Any:
        """Whitespace inside a plain scalar (``a<tab>b`` is one scalar, as in go-yaml)."""
        reader = self.reader
        length = 0
        while reader.peek(length) in " \t":
            length += 1
        run = reader.prefix(length)
        if "\t" not in run:
            return super().scan_plain_spaces(indent, start_mark)
        reader.forward(length)
        if reader.peek() in "\r\n\x85\u2028\u2029":
            return super().scan_plain_spaces(indent, start_mark)
        return [run]

    def _tab_separates(self) -> bool:
        if self.flow_level:
            return True
        buffer, pointer = self.reader.buffer, self.reader.pointer
        before = buffer[buffer.rfind("\n", 0, pointer) + 1 : pointer].rstrip(" \t")
        if not before.strip(" "):
            return False  # a tab in the indentation
        return not (before[-1] in "-?" and before[-2:-1] in ("", " ", "\t"))
