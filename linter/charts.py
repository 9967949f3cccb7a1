"""Helm charts among the inputs: the renders each one gets, and ML003 when one cannot be rendered.

A folder with a ``Chart.yaml`` is a chart. It is rendered with ``helm template`` once with its
own ``values.yaml``, and once more for each ``ci/*-values.yaml`` file, as chart-testing does; the
configuration (``helm-charts``) adds values files and ``--set`` values to every render, or turns
the ``ci/`` renders off. The command line lints each rendered stream and maps the findings to the
templates (``mountlint.helm``); the same finding from several renders is reported once. A chart
that could not be rendered (no ``helm`` on PATH, a failed render) is a finding of its own, ML003
at the first line of ``Chart.yaml``, so a run never passes a chart it did not check.
"""

from __future__ import annotations

import itertools
import os
import re
import shlex
from collections.abc import Collection, Iterable, Iterator
from pathlib import Path

from mountlint.config import ChartValues
from mountlint.findings import Finding, Location
from mountlint.helm import (
    DEFAULT_RELEASE_NAME,
    RENDERED_AT,
    HelmError,
    render_chart,
    split_rendered,
)
from mountlint.records import record
from mountlint.registry import RegisteredRule, all_rules
from mountlint.rule import Scope
from mountlint.settings import Settings
from mountlint.sources import CHART_FILES

#: A suppression comment that would silence a whole rendered stream.
_FILE_DIRECTIVE = re.compile(r"#[ \t]*mountlint:[ \t]*disable-file\b")
#: Longest helm error kept in a finding's message.
MAX_ERROR_CHARACTERS = 300


@record(frozen=True)
class Render:
    """One ``helm template`` run of a chart: the values it adds to the chart's own."""

    chart: Path
    values_files: tuple[Path, ...] = ()
    set_values: tuple[str, ...] = ()
    ci_file: Path | None = None

    @property
    def display(self) -> str:
        """What the rendered stream is called in messages (``CHART (helm template -f ci/x)``)."""
        extra = f" -f {_shown(self.ci_file)}" if self.ci_file is not None else ""
        return f"{self.chart} (helm template{extra})"


def plan_renders(chart: Path, configured: ChartValues) -> list[Render]:
    """The renders of ``chart``: its own values, then one per ``ci/*-values.yaml`` file."""
    values = tuple(Path(_shown(path)) for path in configured.values)
    renders = [Render(chart, values, configured.set_values)]
    if configured.ci_values:
        for ci_file in sorted((chart / "ci").glob("*-values.yaml")):
            if ci_file.is_file():
                renders.append(Render(chart, (*values, ci_file), configured.set_values, ci_file))
    return renders


def rendered(renders: list[Render], jobs: int) -> Iterator[tuple[Render, str | HelmError]]:
    """Each render with its output or its error, in order, with up to ``jobs`` helm processes.

    With one job a render runs only when the previous one has been consumed, so that templates
    fixed after one render are read by the next. With more, renders run ahead of the one
    consumed, but no more than ``2 * jobs`` of them: their outputs wait in memory.
    """
    if jobs <= 1 or len(renders) <= 1:
        for plan in renders:
            yield plan, _render(plan)
        return
    from collections import deque
    from concurrent.futures import Future, ThreadPoolExecutor

    waiting = iter(renders)
    with ThreadPoolExecutor(max_workers=min(jobs, len(renders))) as pool:

        def start(count: int) -> Iterator[tuple[Render, Future[str | HelmError]]]:
            return ((plan, pool.submit(_render, plan)) for plan in itertools.islice(waiting, count))

        ahead = deque(start(2 * jobs))
        while ahead:
            plan, future = ahead.popleft()
            yield plan, future.result()
            ahead.extend(start(1))


def _render(plan: Render) -> str | HelmError:
    try:
        return render_chart(plan.chart, plan.values_files, plan.set_values)
    except HelmError as error:
        return error


def per_template_texts(text: str) -> list[str]:
    """A rendered stream to lint, split so that ``disable-file`` silences only its own template.

    Helm keeps comments, so a ``# mountlint: disable-file`` in one template would otherwise
    silence every template of the chart. Each template that holds one is linted alone and the
    others together; the documents left out are blanked, so lines and offsets stay the stream's.
    """
    if _FILE_DIRECTIVE.search(text) is None:
        return [text]
    documents = split_rendered(text)
    alone = {
        document.template
        for document in documents
        if _FILE_DIRECTIVE.search(text, document.start_offset, document.end_offset)
    }
    groups = [
        [d for d in documents if d.template == template] for template in sorted(alone, key=str)
    ]
    groups.append([document for document in documents if document.template not in alone])
    texts = []
    for group in groups:
        if not group:
            continue
        kept = {document.index for document in group}
        pieces: list[str] = []
        position = 0
        for document in documents:
            if document.index in kept:
                continue
            pieces.append(text[position : document.start_offset])
            pieces.append(_blank(text[document.start_offset : document.end_offset]))
            position = document.end_offset
        pieces.append(text[position:])
        texts.append("".join(pieces))
    return texts


def _blank(chunk: str) -> str:
    return re.sub(r"[^\r\n]", " ", chunk)


def chart_file(chart: Path) -> Path:
    """The file that makes ``chart`` a chart (``Chart.yaml``, else ``Chart.yaml.tmpl``)."""
    for name in CHART_FILES:
        if (chart / name).is_file():
            return chart / name
    return chart / CHART_FILES[0]


def helm_missing_message(chart: Path) -> str:
    pipeline = shlex.join(["helm", "template", DEFAULT_RELEASE_NAME, str(chart)])
    return (
        "Helm chart not linted: helm is not on PATH; install helm, or pipe the chart in: "
        f"{pipeline} | mountlint --chart-dir {shlex.quote(str(chart))} -"
    )


def template_chart_message() -> str:
    return (
        "Helm chart not linted: it has only Chart.yaml.tmpl; generate Chart.yaml the way the "
        "project's build does, or pipe its `helm template` output into `mountlint --chart-dir`"
    )


def render_failed_message(render: Render, stderr: str, fallback: str) -> str:
    """ML003's message for a failed render: helm's own error line, or ``fallback``."""
    values = f" -f {_shown(render.ci_file)}" if render.ci_file is not None else ""
    return f"Helm chart not linted: helm template{values} failed: {helm_error(stderr) or fallback}"


def helm_error(stderr: str) -> str:
    """The line of helm's stderr that says what went wrong (``Error: ...`` without the prefix)."""
    lines = [line.strip() for line in stderr.splitlines() if line.strip()]
    lines = [line for line in lines if not line.startswith("Use --debug")]
    errors = [line for line in lines if line.startswith("Error:")]
    chosen = (errors or lines or [""])[0].removeprefix("Error:").strip()
    if len(chosen) > MAX_ERROR_CHARACTERS:
        chosen = chosen[: MAX_ERROR_CHARACTERS - 3] + "..."
    return chosen


def not_rendered(chart: Path, message: str, settings: Settings) -> Finding | None:
    """ML003 at the first line of the chart's ``Chart.yaml`` (None when ML003 is not selected)."""
    rule = _chart_rule().rule
    if not settings.is_selected(rule):
        return None
    severity = dict(settings.severity_overrides).get(rule.code, rule.severity)
    return Finding(
        rule=rule,
        severity=severity,
        message=message,
        location=Location(str(chart_file(chart)), 1, 1, 1, 1, 0, 0),
    )


def unique_findings(
    findings: Iterable[Finding], already: Iterable[Finding] = (), streams: Collection[str] = ()
) -> list[Finding]:
    """The first of each finding that several renders reported at the same place, in order.

    Findings that are in ``already`` (such as those of a committed rendered file of the same
    chart) are left out. A finding left in a rendered stream (one of ``streams``: its template
    is not in the chart) is the same in every render when its object, field and message are.
    """
    seen = {_identity(finding, streams) for finding in already}
    kept: list[Finding] = []
    for finding in findings:
        key = _identity(finding, streams)
        if key not in seen:
            seen.add(key)
            kept.append(finding)
    return kept


def _identity(finding: Finding, streams: Collection[str]) -> tuple[object, ...]:
    """What makes two findings in a chart's files the same: object names are left out, because
    they change with the release name and repeat from loops."""
    location = finding.location
    if location.path in streams:
        return (
            finding.rule.code,
            finding.object_kind,
            finding.object_name,
            finding.object_namespace,
            finding.field_path,
            finding.message,
        )
    return (
        finding.rule.code,
        location.path,
        location.line,
        location.column,
        location.end_line,
        location.end_column,
        finding.field_path,
        finding.object_kind,
        finding.message.split(RENDERED_AT, 1)[0],
    )


def _chart_rule() -> RegisteredRule:
    return next(item for item in all_rules() if item.rule.scope is Scope.CHART)


def _shown(path: Path | None) -> str:
    """``path`` relative to the working directory when it lies below it, as users write paths."""
    if path is None:
        return ""
    if not path.is_absolute():
        return str(path)
    try:
        relative = os.path.relpath(path)
    except ValueError:
        return str(path)
    return str(path) if relative.startswith("..") else relative
