"""The JUnit XML report (``--format junit``), for Jenkins, GitLab and other CI test views.

One ``testsuite`` holds one failing ``testcase`` per finding and one passing ``testcase`` per
file without findings; a file that could not be linted is an ``error`` testcase. The layout
follows the Apache Ant JUnit schema that Jenkins and GitLab read (attributes ``package`` and
``id`` on the suite, ``properties``, ``system-out`` and ``system-err`` always present).
"""

from __future__ import annotations

import os
import re
import socket
import xml.etree.ElementTree as ET
from datetime import datetime, timezone

from mountlint.findings import Finding
from mountlint.report import RunOutcome
from mountlint.sources import InputProblem

SUITE_NAME = "mountlint"
#: Characters XML 1.0 cannot carry at all (most C0 controls, surrogates, U+FFFE/U+FFFF).
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def xml_safe(text: str) -> str:
    """``text`` with the characters XML cannot hold written as ``\\xNN`` escapes."""
    return _NOT_XML.sub(lambda match: f"\\x{ord(match.group()):02x}", text)


def _hostname() -> str:
    try:
        return xml_safe(socket.gethostname()) or "localhost"
    except OSError:
        return "localhost"


def _finding_case(suite: ET.Element, finding: Finding) -> None:
    location = finding.location
    case = ET.SubElement(
        suite,
        "testcase",
        name=xml_safe(
            f"{finding.rule.code} {finding.rule.name} at {location.line}:{location.column}"
        ),
        classname=xml_safe(location.path),
        time="0",
    )
    failure = ET.SubElement(
        case,
        "failure",
        message=xml_safe(finding.message),
        type=f"{finding.rule.code} [{finding.severity.value}]",
    )
    failure.text = xml_safe(
        f"{location.path}:{location.line}:{location.column}: {finding.rule.code} "
        f"[{finding.severity.value}] {finding.message}\n"
        f"{finding.rule.summary}; `mountlint --explain {finding.rule.code}` tells more."
    )


def _problem_case(suite: ET.Element, problem: InputProblem) -> None:
    name = "fixed file not written" if problem.writing else "file not linted"
    case = ET.SubElement(
        suite, "testcase", name=name, classname=xml_safe(problem.display), time="0"
    )
    error = ET.SubElement(case, "error", message=xml_safe(problem.message), type="input")
    error.text = xml_safe(f"{problem.display}: {problem.message}")


def _with_folders(paths: set[str]) -> set[str]:
    """``paths`` and every folder above them: a chart is not clean when a template has findings."""
    found = set(paths)
    for path in paths:
        parent = os.path.dirname(path)
        while parent and parent not in found:
            found.add(parent)
            parent = os.path.dirname(parent)
    return found


def render_junit(outcome: RunOutcome, now: datetime | None = None) -> str:
    """The report; ``now`` fixes the suite's timestamp (UTC, without a zone, as the schema asks)."""
    stamp = (now or datetime.now(timezone.utc)).strftime("%Y-%m-%dT%H:%M:%S")
    with_findings = _with_folders({finding.location.path for finding in outcome.findings})
    problem_files = {problem.display for problem in outcome.problems}
    clean = [
        path
        for path in dict.fromkeys(outcome.checked)
        if path not in with_findings and path not in problem_files
    ]
    root = ET.Element("testsuites")
    suite = ET.SubElement(
        root,
        "testsuite",
        name=SUITE_NAME,
        package=SUITE_NAME,
        id="0",
        timestamp=stamp,
        hostname=_hostname(),
        tests=str(len(outcome.findings) + len(clean) + len(outcome.problems)),
        failures=str(len(outcome.findings)),
        errors=str(len(outcome.problems)),
        time="0",
    )
    ET.SubElement(suite, "properties")
    for finding in outcome.findings:
        _finding_case(suite, finding)
    for problem in outcome.problems:
        _problem_case(suite, problem)
    for path in clean:
        ET.SubElement(suite, "testcase", name="mountlint", classname=xml_safe(path), time="0")
    ET.SubElement(suite, "system-out").text = ""
    ET.SubElement(suite, "system-err").text = ""
    ET.indent(root)
    body = ET.tostring(root, encoding="unicode")
    return f'<?xml version="1.0" encoding="UTF-8"?>\n{body}\n'
