"""Admission policies generated from ML101's mount model, so the cluster refuses what ML101 reports.

The policy is built from the same data the rule reads (the mount trees in ``Settings``, the
single-file lists, the runtime's mitigations, the pod spec paths of the built-in kinds), so the
two cannot drift. Only standard CEL is used (``has``, the ``all``/``exists``/``filter``/``map``
macros, ``startsWith`` and RE2 ``matches``): a host path is compared in every spelling the API
server accepts by regular expressions that stand for its canonical form (``//``, ``/./``, a
trailing ``/`` and a leading ``/var/run`` are folded the way ``paths.canon`` folds them).
"""

from __future__ import annotations

import io
import sys
from collections.abc import Iterable
from dataclasses import field
from pathlib import Path
from typing import Any

from mountlint.config import CommandLine, ConfigError, ConfigResolver
from mountlint.exceptions import ConfigException
from mountlint.mounttrees import MountTree
from mountlint.paths import (
    CRIO_STORAGE_ROOT,
    DOCKER_DATA_ROOT,
    FILE_TYPES,
    KNOWN_FILES,
    canon,
)
from mountlint.records import record
from mountlint.rules.host_mount_pins_runtime_mounts import RULE
from mountlint.settings import Settings
from mountlint.workloads import POD_SPEC_PATHS

POLICY_NAME = "mountlint-host-mount-pins-runtime-mounts"

#: API group and resource of each built-in kind whose pod template ML101 checks.
RESOURCES: dict[str, tuple[str, str]] = {
    "Pod": ("", "pods"),
    "PodTemplate": ("", "podtemplates"),
    "ReplicationController": ("", "replicationcontrollers"),
    "Deployment": ("apps", "deployments"),
    "StatefulSet": ("apps", "statefulsets"),
    "DaemonSet": ("apps", "daemonsets"),
    "ReplicaSet": ("apps", "replicasets"),
    "Job": ("batch", "jobs"),
    "CronJob": ("batch", "cronjobs"),
}

#: Container lists whose mounts ML101 reports at error level (init containers: warning only).
ERROR_CONTAINER_KINDS = ("containers", "ephemeralContainers")

_SEPARATOR = r"/(?:\.?/)*"  # one canonical '/': '//', '/./' and the like
_TAIL = r"(?:/\.?)*"  # what canon drops at the end: '/', '/.'
_ANY_NAME = r"(?:[^/.][^/]*|\.[^/]+)"  # a '*' component: any name but '.' (which canon drops)
_REGEX_SPECIAL = set(r"\.+*?()|[]{}^$")
_SOCKET_NAME = r"\.sock" + _TAIL + "$"  # looks_like_socket: the last component ends in .sock


class PolicyError(Exception):
    """The configuration asks for something the policy cannot express."""


@record
class _Trie:
    """Canonical path components; ``accept``: a path ending here matches; ``below``: and deeper."""

    children: dict[str, _Trie] = field(default_factory=dict)
    accept: bool = False
    below: bool = False

    def add(self, parts: Iterable[str]) -> _Trie:
        node = self
        for part in parts:
            node = node.children.setdefault(part, _Trie())
        return node


def _parts(path: str) -> list[str]:
    return [part for part in path.split("/") if part]


def _escape(text: str) -> str:
    return "".join("\\" + char if char in _REGEX_SPECIAL else char for char in text)


def _component(pattern: str) -> str:
    """A regex for one path component, with ``mounttrees``' matching (fnmatch when ``*``)."""
    if pattern == "*":
        return _ANY_NAME
    if "*" not in pattern:
        return _escape(pattern)
    return "".join(
        "[^/]*" if char == "*" else "[^/]" if char == "?" else _escape(char) for char in pattern
    )


def _trie_regex(node: _Trie, top: bool = True) -> str:
    """What may follow a path that reached ``node`` for the whole path to match."""
    options = []
    if node.below:
        options.append("/.*")
    for part, child in sorted(node.children.items()):
        name = _component(part)
        if top and part == "run":  # canon: a leading /var/run is /run
            name = f"(?:var{_SEPARATOR})?run"
        options.append(_SEPARATOR + name + _trie_regex(child, top=False))
    if not options:
        return ""
    body = "|".join(options)
    return f"(?:{body})" + ("?" if node.accept else "")


def _anchored(body: str) -> str:
    return f"^{body}{_TAIL}$"


def pins_regex(trees: Iterable[MountTree]) -> str:
    """Host paths (any spelling) a private bind of which pins one of ``trees``.

    The same test as ``MountTree.mounted_below``: a strict prefix of a mount point pattern; for
    a pattern ending in ``**``, the pattern's folder and everything below it too.
    """
    root = _Trie()
    for tree in trees:
        for pattern in tree.patterns:
            parts = _parts(pattern)
            open_ended = bool(parts) and parts[-1] == "**"
            if open_ended:
                parts = parts[:-1]
            node = root
            for part in parts[: len(parts) if open_ended else len(parts) - 1]:
                node.accept = True
                node = node.children.setdefault(part, _Trie())
            node.accept = True
            node.below = node.below or open_ended
    return _anchored(_trie_regex(root))


def exact_regex(paths: Iterable[str]) -> str:
    """Any spelling of the canonical ``paths``."""
    root = _Trie()
    for path in paths:
        root.add(_parts(canon(path))).accept = True
    return _anchored(_trie_regex(root))


def _ancestors_regex(path: str) -> str:
    """Any spelling of ``path`` or a folder that holds it (``within(source, path)``)."""
    root = _Trie(accept=True)
    node = root
    for part in _parts(path):
        node = node.children.setdefault(part, _Trie(accept=True))
    return _anchored(_trie_regex(root))


def _string_overlap_regex(path: str) -> str:
    """Spellings of what is a string prefix of canonical ``path`` or starts with it (dockerd)."""
    parts = _parts(path)
    body = ""
    for index in range(len(parts) - 1, -1, -1):
        part = parts[index]
        partial = "|".join(_escape(part[:size]) for size in range(1, len(part)))
        whole = _escape(part) + (".*" if index == len(parts) - 1 else body)
        options = f"{partial}|{whole}" if partial else whole
        body = f"(?:{_SEPARATOR}(?:{options}))?"
    return _anchored(body)


def _mitigated_regex(runtime: str) -> str | None:
    """The host paths the runtime binds rslave by itself (``_mitigation`` in ML101)."""
    if runtime == "docker":
        return _string_overlap_regex(DOCKER_DATA_ROOT)
    if runtime == "cri-o":
        return _ancestors_regex(CRIO_STORAGE_ROOT)
    return None


def error_trees(settings: Settings) -> list[MountTree]:
    """The trees whose pinning ML101 reports at error level under ``settings``."""
    return [
        tree
        for tree in settings.mount_trees
        if tree.critical and tree.exists_on(settings.runtime) and not tree.self_protected
    ]


def _cel_string(text: str) -> str:
    """A CEL string literal; control characters (from a configuration) as ``\\u`` escapes."""
    out = []
    for char in text:
        if char in "\\'":
            out.append("\\" + char)
        elif not char.isprintable() or char in "\u2028\u2029":
            out.append(f"\\u{ord(char):04x}" if ord(char) < 0x10000 else f"\\U{ord(char):08x}")
        else:
            out.append(char)
    return "'" + "".join(out) + "'"


def _guarded(root: str, keys: Iterable[str]) -> str:
    """``root.a.b`` when every step is there, else an empty map."""
    path = root
    checks = []
    for key in keys:
        checks.append(f"has({path}.{key})")
        path = f"{path}.{key}"
    return f"({' && '.join(checks)} ? {path} : {{}})"


def pod_spec_expression(root: str) -> str:
    """The pod spec of ``root`` (``object`` or ``oldObject``) for every kind the policy matches."""
    by_path: dict[tuple[str, ...], list[str]] = {}
    for kind in RESOURCES:
        by_path.setdefault(POD_SPEC_PATHS[kind], []).append(kind)
    *branches, (last_keys, _) = sorted(by_path.items(), key=lambda item: len(item[1]))
    out = _guarded(root, last_keys)
    for keys, kinds in reversed(branches):
        test = " || ".join(f"{root}.kind == {_cel_string(kind)}" for kind in kinds)
        out = f"({test}) ? {_guarded(root, keys)} :\n  {out}"
    return out


def _fnmatch_regex(pattern: str) -> str:
    """fnmatch's ``*``, ``?`` and ``[...]`` as an anchored RE2 regex."""
    out = ""
    index = 0
    while index < len(pattern):
        char = pattern[index]
        if char == "*":
            out += ".*"
        elif char == "?":
            out += "."
        elif char == "[" and "]" in pattern[index + 2 :]:
            end = pattern.index("]", index + 2)
            inner = pattern[index + 1 : end]
            negate = inner.startswith("!")
            inner = inner[1:] if negate else inner
            inner = inner.replace("\\", "\\\\").replace("[", "\\[")
            if not negate and inner.startswith("^"):  # a literal '^' in fnmatch
                inner = "\\" + inner
            out += "[" + ("^" if negate else "") + inner + "]"
            index = end
        else:
            out += _escape(char)
        index += 1
    return f"^{out}$"


def _matches(value: str, pattern: str) -> str:
    return f"{value}.matches({_cel_string(_fnmatch_regex(pattern))})"


def _object_condition(exception: ConfigException) -> str:
    """Whether the admitted object matches the exception's kind, namespace, name and labels."""
    tests = []
    if exception.kind is not None:
        tests.append(_matches("object.kind", exception.kind))
    if exception.namespace is not None:
        tests.append(_matches("request.namespace", exception.namespace))
    if exception.name is not None:
        tests.append(
            "has(object.metadata.name) && " + _matches("object.metadata.name", exception.name)
        )
    for label, pattern in exception.labels:
        value = f"object.metadata.labels[{_cel_string(label)}]"
        tests.append(
            f"has(object.metadata.labels) && {_cel_string(label)} in object.metadata.labels"
            f" && {_matches(value, pattern)}"
        )
    return " && ".join(f"({test})" for test in tests) or "true"


@record(frozen=True)
class Checks:
    """The CEL of the policy, shared by both formats."""

    match_conditions: list[dict[str, str]]
    variables: list[dict[str, str]]
    validations: list[dict[str, str]]
    notes: list[str]  #: configuration the policy cannot express, one line each


def build_checks(settings: Settings) -> Checks:
    """The match conditions, variables and validation that refuse what ML101 reports as error."""
    if not settings.is_selected(RULE):
        raise PolicyError(f"{RULE.code} is not selected: the policy would check nothing")
    if RULE.code in dict(settings.severity_overrides):
        raise PolicyError(f"a severity override for {RULE.code} cannot be expressed in the policy")
    notes: list[str] = []
    object_exceptions: list[str] = []
    container_exceptions: list[str] = []
    for exception in settings.exceptions:
        if RULE.code not in exception.codes:
            continue
        where = f"{exception.config}: exception #{exception.index + 1}"
        if exception.files is not None or exception.host_path is not None:
            key = "files" if exception.files is not None else "host-path"
            notes.append(f"{where}: '{key}' cannot be checked at admission; not applied")
            continue
        condition = _object_condition(exception)
        if exception.container is not None:
            container = _matches("c.name", exception.container)
            container_exceptions.append(f"({condition} && has(c.name) && {container})")
        else:
            object_exceptions.append(condition)

    host = "v.hostPath"
    file_types = ", ".join(map(_cel_string, sorted(FILE_TYPES)))
    path = f"{host}.path"
    path_tests = [
        f"has({host}.path)",
        f"{path}.startsWith('/')",
        f"!{path}.startsWith('//./')",  # a Windows device path
        f"!(has({host}.type) && {host}.type in [{file_types}])",
        f"!{path}.matches({_cel_string(exact_regex([*KNOWN_FILES, *settings.canonical_sockets]))})",
        f"!{path}.matches({_cel_string(_SOCKET_NAME)})",
        f"{path}.matches({_cel_string(pins_regex(error_trees(settings)))})",
    ]
    mitigated = _mitigated_regex(settings.runtime)
    if mitigated is not None:
        path_tests.append(f"!{path}.matches({_cel_string(mitigated)})")
    windows = (
        "(has(variables.spec.os) && has(variables.spec.os.name) && "
        "variables.spec.os.name == 'windows') ||\n"
        "(has(variables.spec.nodeSelector) && 'kubernetes.io/os' in variables.spec.nodeSelector"
        " && variables.spec.nodeSelector['kubernetes.io/os'] == 'windows')"
    )
    volumes = (
        "variables.windows || !has(variables.spec.volumes) ? [] :\n"
        "variables.spec.volumes.filter(v, has(v.name) && has(v.hostPath) &&\n  "
        + " &&\n  ".join(path_tests)
        + ").map(v, v.name)"
    )
    private = (
        "has(m.name) && m.name in variables.pinningVolumes && "
        "(!has(m.mountPropagation) || m.mountPropagation == 'None') && "
        "(!has(m.subPath) || m.subPath == '') && (!has(m.subPathExpr) || m.subPathExpr == '')"
    )
    first = f"c.volumeMounts.filter(m, {private})[0]"
    describe = (
        "'container ' + (has(c.name) ? c.name : '') + ' mounts host \\'' + "
        f"variables.spec.volumes.filter(v, has(v.name) && v.name == {first}.name)[0]"
        ".hostPath.path + "
        f"'\\' at \\'' + (has({first}.mountPath) ? {first}.mountPath : '') + '\\''"
    )
    excluded = "".join(f" && !{test}" for test in container_exceptions)
    lists = [
        f"(has(variables.spec.{kind}) ? variables.spec.{kind}.filter(c,\n"
        f"  has(c.volumeMounts) && c.volumeMounts.exists(m, {private}){excluded}\n"
        f").map(c, {describe}) : [])"
        for kind in ERROR_CONTAINER_KINDS
    ]
    variables = [
        {"name": "spec", "expression": pod_spec_expression("object")},
        {"name": "windows", "expression": windows},
        {"name": "pinningVolumes", "expression": volumes},
        {"name": "findings", "expression": " +\n".join(lists)},
    ]
    advice = "set mountPropagation: HostToContainer or mount a narrower host path"
    message = (
        f"{RULE.code} {RULE.name}: a hostPath mount with private propagation pins the node's "
        f"runtime mounts, so other pods hang in Terminating; {advice}"
    )
    message_expression = (
        f"'{RULE.code}: ' + variables.findings[0] + ' with private propagation; it pins the "
        "node\\'s runtime mounts, so other pods hang in Terminating; "
        f"{advice}' + (size(variables.findings) > 1 ? ' (' + "
        "string(size(variables.findings) - 1) + ' more container(s) too)' : '')"
    )
    validations = [
        {
            "expression": "size(variables.findings) == 0",
            "message": message,
            "messageExpression": message_expression,
        }
    ]
    changed = (
        "request.operation != 'UPDATE' || oldObject == null ||\n"
        f"({pod_spec_expression('object')}) !=\n({pod_spec_expression('oldObject')})"
    )
    conditions = [{"name": "pod-spec-changed", "expression": changed}]
    conditions.extend(
        {"name": f"exception-{number}", "expression": f"!({condition})"}
        for number, condition in enumerate(object_exceptions, 1)
    )
    return Checks(conditions, variables, validations, notes)


def _literal(entries: list[dict[str, str]], key: str) -> list[dict[str, Any]]:
    """Multi-line expressions as YAML block scalars, for a policy people can read."""
    from ruamel.yaml.scalarstring import LiteralScalarString

    out: list[dict[str, Any]] = []
    for entry in entries:
        copy: dict[str, Any] = dict(entry)
        if "\n" in entry[key]:
            copy[key] = LiteralScalarString(entry[key])
        out.append(copy)
    return out


def vap_documents(checks: Checks, action: str) -> list[dict[str, Any]]:
    """A ValidatingAdmissionPolicy and its binding (Warn and Audit, or Deny)."""
    groups: dict[str, list[str]] = {}
    for group, resource in RESOURCES.values():
        groups.setdefault(group, []).append(resource)
    groups[""].append("pods/ephemeralcontainers")
    rules = [
        {
            "apiGroups": [group],
            "apiVersions": ["v1"],
            "operations": ["CREATE", "UPDATE"],
            "resources": resources,
        }
        for group, resources in groups.items()
    ]
    labels = {"app.kubernetes.io/managed-by": "mountlint"}
    policy = {
        "apiVersion": "admissionregistration.k8s.io/v1",
        "kind": "ValidatingAdmissionPolicy",
        "metadata": {"name": POLICY_NAME, "labels": labels},
        "spec": {
            "failurePolicy": "Fail" if action == "deny" else "Ignore",
            "matchConstraints": {"resourceRules": rules},
            "matchConditions": _literal(checks.match_conditions, "expression"),
            "variables": _literal(checks.variables, "expression"),
            "validations": _literal(checks.validations, "expression"),
        },
    }
    binding = {
        "apiVersion": "admissionregistration.k8s.io/v1",
        "kind": "ValidatingAdmissionPolicyBinding",
        "metadata": {"name": POLICY_NAME, "labels": labels},
        "spec": {
            "policyName": POLICY_NAME,
            "validationActions": ["Deny"] if action == "deny" else ["Warn", "Audit"],
        },
    }
    return [policy, binding]


def kyverno_documents(checks: Checks, action: str) -> list[dict[str, Any]]:
    """The same checks as a Kyverno ClusterPolicy with ``validate.cel`` (Audit, or Enforce)."""
    return [
        {
            "apiVersion": "kyverno.io/v1",
            "kind": "ClusterPolicy",
            "metadata": {
                "name": POLICY_NAME,
                "annotations": {
                    "policies.kyverno.io/title": f"{RULE.code} {RULE.name}",
                    "policies.kyverno.io/description": RULE.summary,
                    # the rule matches every workload kind itself
                    "pod-policies.kyverno.io/autogen-controllers": "none",
                },
            },
            "spec": {
                "validationFailureAction": "Enforce" if action == "deny" else "Audit",
                "background": True,
                "rules": [
                    {
                        "name": RULE.name,
                        "match": {
                            "any": [
                                {
                                    "resources": {
                                        "kinds": [*RESOURCES, "Pod/ephemeralcontainers"],
                                        "operations": ["CREATE", "UPDATE"],
                                    }
                                }
                            ]
                        },
                        "celPreconditions": _literal(checks.match_conditions, "expression"),
                        "validate": {
                            "cel": {
                                "variables": _literal(checks.variables, "expression"),
                                "expressions": _literal(checks.validations, "expression"),
                            }
                        },
                    }
                ],
            },
        }
    ]


def render_policy(format_name: str, settings: Settings, action: str) -> tuple[str, list[str]]:
    """The policy as a YAML stream, and notes on configuration it cannot express."""
    checks = build_checks(settings)
    if format_name == "vap":
        documents = vap_documents(checks, action)
    else:
        documents = kyverno_documents(checks, action)
    from ruamel.yaml import YAML

    yaml = YAML(typ="rt")
    yaml.width = 1 << 16
    yaml.indent(mapping=2, sequence=4, offset=2)
    out = io.StringIO()
    header = (
        f"# Generated by mountlint --emit-policy {format_name}: refuses what "
        f"{RULE.code} reports at error level.\n"
    )
    out.write(header)
    yaml.dump_all(documents, out)
    return out.getvalue(), checks.notes


def print_policy(format_name: str, action: str, config: str | None, flags: CommandLine) -> int:
    """``--emit-policy``: print the policy for the configuration in effect; the exit status."""
    try:
        resolver = ConfigResolver(flags, Path.cwd(), Path(config) if config else None)
        text, notes = render_policy(format_name, resolver.default().settings, action)
    except (ConfigError, PolicyError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    for note in notes:
        print(f"note: {note}", file=sys.stderr)
    sys.stdout.write(text)
    return 0
