"""Exceptions in the configuration: findings a team has reviewed and accepted, with a reason.

An ``exceptions:`` entry names rules, a reason and what it matches (files, object kind, namespace,
name and labels, container, host path). Vendored files often cannot carry suppression comments,
so this is where their accepted findings are silenced; a matched finding is suppressed with the
reason as its justification, and an exception that matches nothing is reported (ML002), so the
list shrinks when agents change.
"""

from __future__ import annotations

import fnmatch
import os
import re
from collections.abc import Iterable
from dataclasses import replace
from functools import lru_cache
from pathlib import Path

from mountlint.findings import Finding, Suppression, point
from mountlint.paths import canon
from mountlint.rule import Rule
from mountlint.settings import ConfigException as ConfigException  # the configuration reads it here
from mountlint.workloads import (
    HostPathUse,
    K8sObject,
    Mount,
    PersistentVolume,
    PodSpec,
    render_path,
)
from mountlint.yamlnodes import MappingNode, get_path, string_value


def matches(exception: ConfigException, finding: Finding) -> bool:
    """Whether every key the exception gives matches ``finding``."""
    if finding.rule.code not in exception.codes:
        return False
    if exception.files is not None:
        relative = relative_to_base(finding.location.path, exception.base)
        if relative is None or not any(
            glob_match(pattern, relative) for pattern in exception.files
        ):
            return False
    for pattern, value in (
        (exception.kind, finding.object_kind),
        (exception.namespace, finding.object_namespace),
        (exception.name, finding.object_name),
    ):
        if pattern is not None and (value is None or not fnmatch.fnmatchcase(value, pattern)):
            return False
    if exception.labels:
        labels = dict(finding.object_labels)
        for label, pattern in exception.labels:
            value = labels.get(label)
            if value is None or not fnmatch.fnmatchcase(value, pattern):
                return False
    if exception.container is not None and not any(
        fnmatch.fnmatchcase(name, exception.container) for name in finding.containers
    ):
        return False
    if exception.host_path is not None:
        pattern = canon(exception.host_path)
        if not any(glob_match(pattern, canon(path)) for path in finding.host_paths):
            return False
    return True


def relative_to_base(path: str, base: Path) -> str | None:
    """``path`` (as findings show it) relative to ``base``, in ``/`` form; None when outside."""
    if path == "-":
        return None
    given = Path(path)
    absolute = Path(os.path.normpath(given if given.is_absolute() else Path.cwd() / given))
    for candidate, folder in ((absolute, base.absolute()), (absolute.resolve(), base.resolve())):
        try:
            return candidate.relative_to(folder).as_posix()
        except ValueError:
            continue
    return None


def glob_match(pattern: str, text: str) -> bool:
    """fnmatch with ``**``: ``*`` and ``?`` stay within one ``/`` component, ``**`` crosses them.

    ``vendor/**`` matches ``vendor`` and everything below it; ``**/x.yaml`` matches at any depth.
    """
    return _glob_regex(pattern).fullmatch(text) is not None


@lru_cache(maxsize=256)
def _glob_regex(pattern: str) -> re.Pattern[str]:
    out = ""
    index = 0
    while index < len(pattern):
        if pattern.startswith("/**", index) and index + 3 == len(pattern):
            out += "(?:/.*)?"
            index += 3
        elif pattern.startswith("**/", index):
            out += "(?:.*/)?"
            index += 3
        elif pattern.startswith("**", index):
            out += ".*"
            index += 2
        elif pattern[index] == "*":
            out += "[^/]*"
            index += 1
        elif pattern[index] == "?":
            out += "[^/]"
            index += 1
        elif pattern[index] == "[" and "]" in pattern[index + 2 :]:
            end = pattern.index("]", index + 2)
            # fnmatch's own translation of a character class
            out += fnmatch.translate(pattern[index : end + 1])[4:-3]
            index = end + 1
        else:
            out += re.escape(pattern[index])
            index += 1
    return re.compile(out, re.DOTALL)


def finding_scope(
    target: object, obj: K8sObject, field_path: str
) -> tuple[tuple[tuple[str, str], ...], tuple[str, ...], tuple[str, ...]]:
    """The labels, containers and host paths a finding on ``target`` concerns.

    A mount concerns its container and its volume's host path; a hostPath volume the containers
    that mount it; a pod-level finding the container and volume its field path points into,
    else all of them.
    """
    labels = _labels(obj)
    if isinstance(target, Mount):
        host = target.host_path
        return labels, _names([target.container.name]), _paths([host.path if host else None])
    if isinstance(target, HostPathUse):
        users = [mount.container.name for mount in target.mounts]
        return labels, _names(users), _paths([target.source.path])
    if isinstance(target, PersistentVolume):
        return labels, (), _paths([target.host_path.path])
    if isinstance(target, PodSpec):
        containers = [c for c in target.containers if _under(field_path, render_path(c.path))]
        volumes = [v for v in target.volumes if _under(field_path, render_path(v.path))]
        for container in containers:
            volumes.extend(
                mount.volume
                for mount in container.mounts
                if mount.volume is not None and _under(field_path, render_path(mount.path))
            )
        containers = containers or target.containers
        volumes = volumes or target.volumes
        host_paths = [v.host_path.path for v in volumes if v.host_path is not None]
        return labels, _names([c.name for c in containers]), _paths(host_paths)
    return labels, (), ()


def _under(field_path: str, prefix: str) -> bool:
    return field_path == prefix or field_path.startswith((prefix + ".", prefix + "["))


def _names(names: Iterable[str | None]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(name for name in names if name))


def _paths(paths: Iterable[str | None]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(canon(path) for path in paths if path))


def _labels(obj: K8sObject) -> tuple[tuple[str, str], ...]:
    node = get_path(obj.node, "metadata", "labels")
    if not isinstance(node, MappingNode):
        return ()
    found = []
    for key, value in node.value:
        text = string_value(value)
        if text is not None:
            found.append((str(key.value), text))
    return tuple(found)


def apply_exceptions(
    findings: list[Finding], exceptions: Iterable[ConfigException]
) -> tuple[list[Finding], list[Finding]]:
    """Split ``findings`` into standing ones and ones an exception suppresses (with its reason)."""
    exceptions = tuple(exceptions)
    if not exceptions:
        return findings, []
    kept: list[Finding] = []
    excepted: list[Finding] = []
    for finding in findings:
        match = next((item for item in exceptions if matches(item, finding)), None)
        if match is None:
            kept.append(finding)
            continue
        suppression = Suppression("external", match.reason, match.key)
        excepted.append(replace(finding, suppression=suppression))
    return kept, excepted


def unused_exception(exception: ConfigException, display: str, rule: Rule) -> Finding:
    """The ML002 finding for an exception that matched nothing, at its line in the config."""
    codes = ", ".join(sorted(exception.codes))
    line = (exception.line or 1) - 1
    return Finding(
        rule=rule,
        severity=rule.severity,
        message=f"Unused exception in the configuration: no {codes} finding matches it",
        location=point(display, line, 0, 0),
    )
