"""The API server's error messages, written the way it writes them.

The ML3 rules quote what ``kubectl apply`` would answer, so their messages must match the API
server's wording: Go's ``%q`` quoting, the ``field.Error`` formats (``Unsupported value``,
``Forbidden``, ``Required value``, ``Not found``, ``Invalid value``) and the JSON decoder's
complaint about a value of the wrong type.

The API server validates each object on its own, so the path inside a message is relative to the
object (``spec.containers[0]...``), even for an item of a ``kind: List``; a finding's
``field_path`` keeps the full document path (``items[0].spec.containers[0]...``).
"""

from __future__ import annotations

import json
from collections.abc import Iterable

from mountlint.workloads import K8sObject, YamlPath, render_path
from mountlint.yamlnodes import Node, node_kind

#: The API server's words when Bidirectional propagation is asked for without privileges.
BIDIRECTIONAL_NEEDS_PRIVILEGED = (
    "Bidirectional mount propagation is available only to privileged containers"
)

#: How Go's JSON decoder names the YAML types it cannot put into a string field.
_GO_TYPES = {
    "int": "number",
    "float": "number",
    "bool": "bool",
    "mapping": "object",
    "list": "array",
}


def go_quote(value: str) -> str:
    """Quote ``value`` as the API server's messages do (Go's ``%q``, close enough for messages)."""
    return json.dumps(value, ensure_ascii=False)


def go_type(node: Node | None) -> str:
    """The Go decoder's name for the YAML type of ``node`` (``number``, ``object``, ...)."""
    return _GO_TYPES.get(node_kind(node), "value")


def api_path(obj: K8sObject, path: YamlPath) -> str:
    """``path`` (a full document path) as the API server prints it: relative to ``obj``."""
    return render_path(path[len(obj.path) :])


def cannot_unmarshal(path: str, node: Node, go_field: str, choices: Iterable[str]) -> str:
    """The decoder's complaint about a value that is not a string: it never reaches validation.

    ``go_field`` is the Go struct field (``VolumeMount.mountPropagation``).
    """
    return (
        f"{path}: cannot unmarshal {go_type(node)} into Go struct field {go_field} of type "
        f"string; the API server cannot decode this manifest: write one of {', '.join(choices)}"
    )


def unsupported(path: str, value: str, supported: Iterable[str]) -> str:
    """``Unsupported value``: an enumeration field with a value outside it."""
    listed = ", ".join(go_quote(item) for item in supported)
    return f"{path}: Unsupported value: {go_quote(value)}: supported values: {listed}"


def forbidden(path: str, detail: str) -> str:
    """``Forbidden``: a field that may not be set (here, or with these other fields)."""
    return f"{path}: Forbidden: {detail}"


def required(path: str) -> str:
    """``Required value``: a field that is missing or empty."""
    return f"{path}: Required value"


def not_found(path: str, value: str) -> str:
    """``Not found``: a reference to something that does not exist."""
    return f"{path}: Not found: {go_quote(value)}"


def invalid(path: str, value: str, detail: str) -> str:
    """``Invalid value``: a value that breaks a rule of its field."""
    return f"{path}: Invalid value: {go_quote(value)}: {detail}"


def enum_hint(value: str, supported: Iterable[str], cutoff: float = 0.6) -> tuple[str | None, str]:
    """What an unsupported enumeration value probably meant, for the end of the message.

    A value that differs from a supported one only in letter case gives that value (which a fix
    can write) and ``"; the values are case-sensitive: write X"``; a close misspelling gives
    ``"; did you mean X?"``; anything else gives no advice.
    """
    by_folded = {item.casefold(): item for item in supported if item}
    wanted = by_folded.get(value.casefold())
    if wanted is not None:
        return wanted, f"; the values are case-sensitive: write {wanted}"
    import difflib  # only for a wrong value: not at start-up

    close = difflib.get_close_matches(value.casefold(), list(by_folded), n=1, cutoff=cutoff)
    return None, f"; did you mean {by_folded[close[0]]}?" if close else ""
