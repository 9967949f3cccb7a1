"""One lint run: inputs, Helm and Kustomize, fixes, exceptions and the baseline, without printing.

The command line and :func:`mountlint.lint_paths` both run through :func:`execute`; what is
printed, and how, is the caller's business.
"""

from __future__ import annotations

import itertools
import os
import sys
from collections.abc import Iterable, Iterator
from dataclasses import field, replace
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from mountlint.records import record

if TYPE_CHECKING:
    from mountlint.baseline import Entry
    from mountlint.fixes import FixOutcome
    from mountlint.helm import HelmMapping
    from mountlint.kustomize import KustomizeRun

from mountlint.config import CommandLine, ConfigError, ConfigResolver, is_excluded
from mountlint.edits import Applicability, is_applicable
from mountlint.engine import FileResult, lint_source
from mountlint.findings import Finding, Suppression
from mountlint.printable import printable
from mountlint.registry import registered, rule_index, selected_rules
from mountlint.report import RunOutcome
from mountlint.report.text import plural
from mountlint.rule import Rule, Severity
from mountlint.scope import RealPaths, WriteScope, fix_command
from mountlint.settings import Settings
from mountlint.sources import (
    DEFAULT_MAX_FILE_SIZE,
    FileStamp,
    InputProblem,
    Source,
    chart_of_template,
    discover,
    find_chart_dir,
    is_chart_dir,
    read_file,
    read_stdin,
)

EXIT_CLEAN, EXIT_FINDINGS, EXIT_ERROR = 0, 1, 2
#: ``--jobs`` defaults to the number of CPUs from this many files on.
PARALLEL_FROM_FILES = 200
#: How many fix-and-rebuild rounds kustomize sources get before mountlint stops.
MAX_KUSTOMIZE_PASSES = 5
#: Marks ``helm template`` output: each document names the template it came from.
HELM_SOURCE_MARK = "# Source: "


class Progress(Protocol):
    """Told how many files there are, and as each one is done (a progress line, for example)."""

    def start(self, total: int) -> None: ...

    def step(self) -> None: ...

    def close(self) -> None: ...


@record
class Run:
    """What a run found and did; ``error`` set means it stopped early (exit 2)."""

    outcome: RunOutcome
    #: unified diffs of the fixes (``--diff``)
    diffs: list[str] = field(default_factory=list)
    #: what ``--fix -`` writes to standard output: the fixed input, or the input as it was
    stdout: list[bytes] = field(default_factory=list)
    #: how many findings ``--write-baseline`` recorded
    recorded: int | None = None
    #: a problem that stopped the run: a bad configuration, helm missing, a bad baseline
    error: ConfigError | RunError | None = None


class RunError(Exception):
    """A problem that stops the run before linting (exit 2), such as helm missing."""


@record(frozen=True)
class Options:
    """What the command line asked for."""

    paths: tuple[str, ...]
    fix: bool = False
    unsafe_fixes: bool = False
    diff: bool = False
    format: str = "text"
    output: str | None = None
    exit_zero: bool = False
    fail_on: str | None = None
    runtime: str | None = None
    stdin_filename: str | None = None
    max_file_size: int = DEFAULT_MAX_FILE_SIZE
    config: str | None = None
    select: tuple[str, ...] | None = None
    ignore: tuple[str, ...] | None = None
    sarif_category: str | None = None
    include_suppressed: bool = False
    no_kustomize: bool = False
    no_helm: bool = False
    jobs: int | None = None
    chart_dir: str | None = None
    helm: str | None = None
    values: tuple[str, ...] = ()
    set_values: tuple[str, ...] = ()
    #: ``--output-format FORMAT:FILE``: more reports of the same run, each into its file.
    output_formats: tuple[tuple[str, str], ...] = ()
    #: 1 (``-q``): findings only; 2 (``-qq``): nothing, only the exit code.
    quiet: int = 0
    color: str = "auto"
    statistics: bool = False
    show_source: bool = False
    baseline: str | None = None
    write_baseline: str | None = None
    show_baselined: bool = False

    @cached_property
    def write_scope(self) -> WriteScope:
        """Where ``--fix`` may write: inside the paths given (and the chart of ``--chart-dir``)."""
        charts = [path for path in (self.chart_dir, self.helm) if path]
        return WriteScope.named(self.paths, Path.cwd(), charts)


def _write(
    path: Path,
    data: bytes,
    stamp: FileStamp | None,
    display: str,
    outcome: RunOutcome,
    scope: WriteScope,
) -> bool:
    """Write fixed bytes atomically; a refused write becomes an input problem (exit 2).

    A file outside the paths given (or linking out of them) is never written: a notice says so
    and its findings remain. The real path checked is the one written.
    """
    from mountlint.fixes import WriteRefused, write_atomically

    target = scope.target(path)
    if target is None:
        outcome.notices.append(f"{display}: not written: it is outside the paths given")
        return False
    try:
        write_atomically(target, data, stamp)
    except WriteRefused as refused:
        outcome.problems.append(InputProblem(display, str(refused), writing=True))
        return False
    return True


def _outside_notice(display: str, fix_with: str) -> str:
    return f"{display}: outside the paths given, so it is not fixed: run `{fix_command(fix_with)}`"


def _withhold_fixes_outside(result: FileResult, options: Options, outcome: RunOutcome) -> None:
    """A file that links out of the paths given keeps its findings, but --fix will not write it."""
    path = result.source.path
    if path is None or not any(is_applicable(f.fix, options.unsafe_fixes) for f in result.findings):
        return
    if options.write_scope.allows(path):
        return
    for finding in result.findings:
        if finding.fix is not None and finding.fix.applicability is not Applicability.DISPLAY_ONLY:
            finding.fix = finding.fix.as_display_only("outside the paths given")
    outcome.notices.append(_outside_notice(result.source.display, result.source.display))


def display_path(path: Path) -> str:
    """``path`` relative to the working directory, as users pass paths."""
    try:
        return os.path.relpath(path.absolute(), Path.cwd())
    except ValueError:  # another drive
        return str(path)


def _absolute_path(path: Path) -> str:
    return str(path.absolute())


@record(frozen=True)
class _Input:
    """One file to lint (read by whoever lints it), or standard input already read."""

    settings: Settings
    path: Path | None = None
    stdin: Source | None = None


def _inputs(
    options: Options,
    resolver: ConfigResolver,
    outcome: RunOutcome,
    consumed: set[Path],
    charts: list[Path] | None = None,
) -> list[_Input]:
    """What to lint, each with its settings; problems and skipped folders go into ``outcome``.

    Helm charts to render go into ``charts`` (none with ``--no-helm``); their templates are then
    linted through the rendered output, not as files.
    """
    inputs: list[_Input] = []
    file_paths = [path for path in options.paths if path != "-"]
    if "-" in options.paths:
        inputs.append(_Input(resolver.default().settings, stdin=read_stdin(options.stdin_filename)))
    found = discover(file_paths)
    resolver.know_listings(found.listings)
    outcome.problems.extend(found.problems)
    rendered: set[Path] = set()
    if charts is not None and not options.no_helm:
        for chart in found.charts:
            resolved_chart = resolver.for_file(chart / "Chart.yaml")
            if not is_excluded(chart, resolved_chart.exclude, resolved_chart.exclude_base):
                charts.append(chart)
                rendered.add(chart.resolve())
    skipped = [
        folder
        for folder in found.skipped_template_dirs
        if _chart_of_template(folder / "x.yaml") not in rendered
    ]
    if skipped:
        count = len(skipped)
        outcome.notices.append(
            f"skipped {count} Helm chart templates/ folder{'s' if count > 1 else ''} "
            f"(first: {skipped[0]}); Go templates are not YAML: "
            "pipe `helm template` output into `mountlint -` instead"
        )
    for path in found.skipped_special:
        outcome.notices.append(f"{path}: skipped: not a regular file")
    if found.skipped_symlinked_dirs:
        count = len(found.skipped_symlinked_dirs)
        outcome.notices.append(
            f"skipped {plural(count, 'symlinked folder')} (first: "
            f"{found.skipped_symlinked_dirs[0]}); links are not followed: name a folder to lint it"
        )
    real = RealPaths()
    for path in found.files:
        if consumed and Path(real(str(path))) in consumed:
            continue  # linted through its kustomize build
        if rendered and _chart_of_template(path) in rendered:
            continue  # linted through its chart's render
        resolved = resolver.for_file(path)
        if not is_excluded(path, resolved.exclude, resolved.exclude_base):
            inputs.append(_Input(resolved.settings, path=path))
    return inputs


def _chart_of_template(path: Path) -> Path | None:
    chart = chart_of_template(path)
    return chart.resolve() if chart is not None else None


def lint_input(
    item: _Input, max_size: int, keep_text: bool, chart_dir: str | None = None
) -> FileResult | InputProblem:
    """Read and lint one input; runs in worker processes with ``--jobs``.

    The text is kept only when the caller will fix the file, or when it is ``helm template``
    output whose chart is known (``chart_dir`` names it, else it is searched for), so results
    stay small to send.
    """
    source = item.stdin
    if source is None:
        assert item.path is not None
        read = read_file(item.path, max_size)
        if isinstance(read, InputProblem):
            return read
        source = read
    try:
        result = lint_source(source, item.settings)
    except Exception as error:  # one bad file must not stop the run
        return InputProblem(source.display, f"internal error: {internal_error_message(error)}")
    for finding in (*result.findings, *result.suppressed):
        finding.annotation = None
    if not keep_text:
        if _chart_of_output(result, chart_dir) is None:
            result.decoded = None  # helm output keeps its text, to map findings to templates
        if not source.from_stdin:
            source.raw = b""
    return result


def _lint_all(inputs: list[_Input], options: Options) -> Iterator[FileResult | InputProblem]:
    """Lint every input, in ``--jobs`` processes when there are enough of them."""
    keep_text = options.fix or options.diff or options.show_source
    automatic = (os.cpu_count() or 1) if len(inputs) >= PARALLEL_FROM_FILES else 1
    jobs = min(options.jobs or automatic, len(inputs))
    if jobs <= 1:
        for item in inputs:
            yield lint_input(item, options.max_file_size, keep_text, options.chart_dir)
        return
    import multiprocessing
    from functools import partial

    from mountlint.pool import map_in_processes

    for settings in {id(item.settings): item.settings for item in inputs}.values():
        selected_rules(settings)  # imported once here, not in every worker
    _send_rules_by_code()
    context = multiprocessing.get_context("fork" if sys.platform != "win32" else "spawn")
    work = partial(
        _lint_adopted,
        max_size=options.max_file_size,
        keep_text=keep_text,
        chart_dir=options.chart_dir,
    )
    chunk = max(1, min(64, len(inputs) // (jobs * 16)))
    order = _dealt(_largest_first(inputs), chunk)
    results = map_in_processes(
        work,
        order,
        jobs,
        chunk,
        context,
        lambda index: _worker_died(inputs[index]),
        partial(_adopt, inputs),
    )
    yield from _in_input_order(order, results)


#: In a ``--jobs`` worker: the run's inputs, handed over when the worker starts (``_adopt``).
_adopted: list[_Input] = []


def _adopt(inputs: list[_Input]) -> None:
    """Start a worker: it keeps the inputs and leaves Ctrl-C to the main process.

    Tasks then name inputs by index. A forked worker inherits the list without pickling it, and
    every input keeps its settings object: sent with each chunk, the settings were copied again
    and again, and the caches keyed by them missed.
    """
    _adopted[:] = inputs
    _ignore_sigint()


def _lint_adopted(
    index: int, max_size: int, keep_text: bool, chart_dir: str | None
) -> FileResult | InputProblem:
    return lint_input(_adopted[index], max_size, keep_text, chart_dir)


def _send_rules_by_code() -> None:
    """Workers send back each finding's rule as its code: a rule with its documentation is most
    of a pickled finding, and the main process that unpickles every result is the bottleneck."""
    import copyreg

    copyreg.pickle(Rule, _reduce_rule)


def _reduce_rule(rule: Rule) -> tuple[Any, ...] | str:
    from mountlint.rules import RULES

    if rule.code in RULES and registered(rule.code).rule is rule:
        return (_registered_rule, (rule.code,))
    return rule.__reduce_ex__(4)  # a rule made elsewhere goes in full


def _registered_rule(code: str) -> Rule:
    return registered(code).rule


def _largest_first(inputs: list[_Input]) -> list[int]:
    """Indexes of ``inputs``, largest file first, so that no worker ends on a large file alone."""

    def size(index: int) -> int:
        path = inputs[index].path
        try:
            return os.stat(str(path)).st_size if path is not None else 0
        except OSError:
            return 0

    return sorted(range(len(inputs)), key=size, reverse=True)


def _dealt(order: list[int], chunk: int) -> list[int]:
    """``order`` (largest first) dealt out over the chunks like cards, so that every chunk a
    worker takes holds its share of the large files: chunks of the largest files alone would
    keep one worker busy long after the other ran out of work."""
    count = -(-len(order) // chunk)
    return [order[index] for first in range(count) for index in range(first, len(order), count)]


def _in_input_order(
    order: list[int], results: Iterable[FileResult | InputProblem]
) -> Iterator[FileResult | InputProblem]:
    """``results`` (of the inputs at ``order``) in the inputs' own order, each as soon as it can."""
    waiting: dict[int, FileResult | InputProblem] = {}
    following = 0
    for index, result in zip(order, results, strict=True):
        waiting[index] = result
        while following in waiting:
            yield waiting.pop(following)
            following += 1


def _ignore_sigint() -> None:
    """In a worker: Ctrl-C is for the main process, which stops the workers itself."""
    import signal

    signal.signal(signal.SIGINT, signal.SIG_IGN)


def _worker_died(item: _Input) -> InputProblem:
    """What a file whose worker process died is reported as: one problem, the run goes on."""
    display = str(item.path) if item.path is not None else item.stdin.display if item.stdin else "-"
    return InputProblem(display, "the process linting this file died; it was not linted")


def _diff(name: str, before: str, after: str) -> str:
    relative = not name.startswith("/")
    import difflib

    lines = difflib.unified_diff(
        before.splitlines(keepends=True),
        after.splitlines(keepends=True),
        fromfile=f"a/{printable(name)}" if relative else printable(name),
        tofile=f"b/{printable(name)}" if relative else printable(name),
    )
    return "".join(
        line if line.endswith("\n") else line + "\n\\ No newline at end of file\n" for line in lines
    )


def _apply_fixes(result: FileResult, options: Options, settings: Settings, run: Run) -> None:
    """Fix one source in place (or into ``diffs``); its remaining findings go into ``outcome``."""
    outcome, diffs = run.outcome, run.diffs
    decoded = result.decoded
    source = result.source
    if decoded is None or not any(
        is_applicable(f.fix, options.unsafe_fixes) for f in result.findings
    ):
        outcome.findings.extend(result.findings)
        _echo_stdin(source, options, run)
        return
    from mountlint.fixes import fix_text

    fixed: FixOutcome = fix_text(decoded.text, source.display, settings, options.unsafe_fixes)
    if fixed.problem is not None:
        outcome.notices.append(f"{source.display}: {fixed.problem}")
    if options.diff:
        outcome.findings.extend(result.findings)
        if fixed.changed(decoded.text):
            diffs.append(_diff(source.display, decoded.text, fixed.text))
        return
    if source.is_stdin and not source.from_stdin:  # rendered by --helm: nowhere to write
        outcome.findings.extend(result.findings)
        return
    if source.is_stdin:
        if fixed.changed(decoded.text):
            run.stdout.append(decoded.encode(fixed.text))
        else:
            _echo_stdin(source, options, run)
    elif fixed.changed(decoded.text):
        assert source.path is not None
        data = decoded.encode(fixed.text)
        scope = options.write_scope
        if not _write(source.path, data, source.stamp, source.display, outcome, scope):
            outcome.findings.extend(result.findings)
            return
    outcome.fixed += len(fixed.applied)
    outcome.findings.extend(fixed.findings)


def _echo_stdin(source: Source, options: Options, run: Run) -> None:
    """``--fix -`` prints its input byte for byte when nothing in it was fixed.

    ``mountlint --fix - < a.yaml > b.yaml`` must never leave ``b.yaml`` empty: not for input with
    nothing to fix, input that is not text, or ``helm template`` output fixed in its chart.
    """
    if options.fix and not options.diff and source.from_stdin:
        run.stdout.append(source.raw)


def _helm_mapping(result: FileResult, options: Options) -> HelmMapping | None:
    """The mapping of ``helm template`` output to its chart's templates, when one is known."""
    chart = _chart_of_output(result, options.chart_dir)
    if chart is None or result.decoded is None:
        return None
    from mountlint.helm import HelmMapping

    return HelmMapping(result.decoded.text, result.source.display, chart)


def _chart_of_output(result: FileResult, chart_dir: str | None) -> Path | None:
    """The chart of ``helm template`` output (``# Source:`` comments): ``--chart-dir``, else the
    chart at or above the file (or the working directory, for standard input); else None."""
    decoded = result.decoded
    if decoded is None or HELM_SOURCE_MARK not in decoded.text:
        return None
    if chart_dir:
        return Path(chart_dir)
    source_path = result.source.path
    return find_chart_dir(source_path.parent if source_path else Path.cwd())


def _lint_helm_output(
    result: FileResult,
    mapping: HelmMapping,
    options: Options,
    outcome: RunOutcome,
    diffs: list[str],
    resolver: ConfigResolver,
    suppressed: list[Finding],
) -> list[Finding]:
    """Findings of rendered output moved to the chart's templates (which ``--fix`` fixes).

    Exceptions that name the templates apply here, before the templates are fixed.
    """
    findings = [
        _fixed_in_templates_only(finding, mapping) for finding in mapping.remap(result.findings)
    ]
    findings, excepted = _except(findings, resolver)
    suppressed.extend(excepted)
    for missing in mapping.missing_templates:
        outcome.notices.append(
            f"{result.source.display}: template {missing} is not in {mapping.chart_dir}; "
            "its findings stay in the rendered output"
        )
    if options.fix or options.diff:
        for change in mapping.fix_templates(findings, options.unsafe_fixes):
            if change.problem is not None:
                outcome.notices.append(f"{change.display}: {change.problem}")
            if not change.changed:
                continue
            if options.diff:
                diffs.append(_diff(change.display, change.original, change.fixed))
                continue
            scope = options.write_scope
            if not _write(change.path, change.data, change.stamp, change.display, outcome, scope):
                continue
            applied = {id(finding) for finding in change.applied}
            findings = [finding for finding in findings if id(finding) not in applied]
            outcome.fixed += len(change.applied)
    return findings


def _fixed_in_templates_only(finding: Finding, mapping: HelmMapping) -> Finding:
    """A fix left in the rendered output is display-only: ``--fix`` edits templates, not output."""
    fix = finding.fix
    if (
        fix is None
        or fix.applicability is Applicability.DISPLAY_ONLY
        or finding.location.path != mapping.display
    ):
        return finding
    reason = "mountlint fixes chart templates, not rendered output; change the chart by hand"
    return replace(finding, fix=fix.as_display_only(reason))


def _lint_charts(
    charts: list[Path],
    resolver: ConfigResolver,
    options: Options,
    outcome: RunOutcome,
    diffs: list[str],
) -> None:
    """Render each chart (its values, then each ``ci/*-values.yaml``) and lint the output.

    A chart that cannot be rendered is one ML003 finding; a finding that several renders give
    is reported once; a template is diffed once, from the first render that changes it.
    """
    if not charts:
        return
    from mountlint.charts import (
        chart_file,
        helm_missing_message,
        not_rendered,
        per_template_texts,
        plan_renders,
        render_failed_message,
        rendered,
        template_chart_message,
        unique_findings,
    )
    from mountlint.helm import HelmError, HelmMapping, HelmNotFound, HelmRenderError, SharedFiles

    # renders run side by side, the next charts' while one is linted, except when fixing: each
    # render then reads the templates fixed before it
    jobs = 1 if options.fix else options.jobs or os.cpu_count() or 1
    planned = []
    for chart in charts:
        marker = chart_file(chart)
        resolved = resolver.for_file(marker)
        template = marker.name != "Chart.yaml"
        plans = [] if template else plan_renders(chart, resolved.chart_values(chart))
        planned.append((chart, resolved, template, plans))
    outputs = rendered([plan for *_, plans in planned for plan in plans], jobs)
    helm_missing = False
    for chart, resolved, template, plans in planned:
        settings = resolved.settings
        outcome.files_checked += 1
        outcome.checked.append(str(chart))
        found: list[Finding] = []
        suppressed: list[Finding] = []
        streams: set[str] = set()
        first_notice = len(outcome.notices)
        shared = SharedFiles()
        problem: str | None = None
        if template:
            problem = template_chart_message()
        elif helm_missing:
            problem = helm_missing_message(chart)
        for plan, text in itertools.islice(outputs, len(plans)):
            if problem is not None:
                continue  # helm is missing: this chart's other renders failed the same way
            if isinstance(text, HelmNotFound):
                helm_missing = True
                problem = helm_missing_message(chart)
                continue
            if isinstance(text, HelmError):
                stderr = text.stderr if isinstance(text, HelmRenderError) else ""
                failure = not_rendered(
                    chart, render_failed_message(plan, stderr, str(text)), settings
                )
                found.extend([failure] if failure is not None else [])
                continue
            results = [
                lint_source(Source(display=plan.display, raw=piece.encode()), settings)
                for piece in per_template_texts(text)
            ]
            result = results[0]
            result.findings = [finding for part in results for finding in part.findings]
            suppressed.extend(finding for part in results for finding in part.suppressed)
            streams.add(plan.display)
            mapping = HelmMapping(text, plan.display, chart, shared)
            before = len(diffs)
            findings = _lint_helm_output(
                result, mapping, options, outcome, diffs, resolver, suppressed
            )
            found.extend(findings)
            _drop_repeated_diffs(diffs, before)
        if problem is not None:
            failure = not_rendered(chart, problem, settings)
            found.extend([failure] if failure is not None else [])
        inside = os.path.join(str(chart), "")
        reported = [f for f in outcome.findings if f.location.path.startswith(inside)]
        outcome.findings.extend(unique_findings(found, reported, streams))
        outcome.suppressed.extend(unique_findings(suppressed, (), streams))
        _drop_repeated_notices(outcome.notices, first_notice)


def _drop_repeated_notices(notices: list[str], new_from: int) -> None:
    """Keep the first of the notices that each render of a chart gives (``STREAM: text``)."""
    seen: set[str] = set()
    kept: list[str] = []
    for notice in notices[new_from:]:
        text = notice.split(": ", 1)[-1]
        if text not in seen:
            seen.add(text)
            kept.append(notice)
    notices[new_from:] = kept


def _drop_repeated_diffs(diffs: list[str], new_from: int) -> None:
    """Keep one diff per file: a later render proposes the same change to the same template."""
    seen = {diff.split("\n", 1)[0] for diff in diffs[:new_from]}
    diffs[new_from:] = [diff for diff in diffs[new_from:] if diff.split("\n", 1)[0] not in seen]


def _helm_input(options: Options, resolver: ConfigResolver) -> _Input | None:
    """``--helm CHART``: render the chart with ``helm template`` and lint the output."""
    if not options.helm:
        return None
    from mountlint.helm import HelmError, render_chart

    if not Path(options.helm).is_dir():
        raise RunError(f"--helm {options.helm}: the chart folder does not exist")
    if not is_chart_dir(Path(options.helm)):
        raise RunError(f"--helm {options.helm}: not a chart folder (it has no Chart.yaml)")
    try:
        rendered = render_chart(Path(options.helm), options.values, options.set_values)
    except HelmError as error:
        raise RunError(str(error)) from error
    source = Source(display=f"{options.helm} (helm template)", raw=rendered.encode())
    return _Input(resolver.default().settings, stdin=source)


def _kustomize(
    options: Options, resolver: ConfigResolver, outcome: RunOutcome, diffs: list[str]
) -> set[Path]:
    """Build every kustomization among the inputs; fix its sources; return what it consumed.

    Excluded sources are neither reported nor written; sources outside the paths given (a shared
    ``../base``) are reported, and named with the command that fixes them, but not written.
    """
    if options.no_kustomize or not any(Path(path).is_dir() for path in options.paths):
        return set()  # without importing the kustomize support
    from mountlint.kustomize import find_roots, lint_roots, plan_fixes

    def excluded(path: Path) -> bool:
        resolved = resolver.for_file(path)
        return is_excluded(path, resolved.exclude, resolved.exclude_base)

    roots = find_roots([Path(path) for path in options.paths if path != "-"], excluded)
    if not roots:
        return set()

    def settings_for(kustomization: Path) -> Settings:
        # exceptions apply to the source files the findings are mapped to, not to the build
        return replace(resolver.for_file(kustomization).settings, exceptions=())

    jobs = options.jobs or os.cpu_count() or 1
    # files are shown the way the paths were given: absolute, or relative to here
    absolute = any(Path(path).is_absolute() for path in options.paths if path != "-")
    display = _absolute_path if absolute else display_path
    scope = options.write_scope

    excepted: list[Finding] = []

    def lint() -> KustomizeRun:
        run = lint_roots(
            roots, settings_for, display, jobs=jobs, excluded=excluded, writable=scope.allows
        )
        run.findings, excepted[:] = _except(run.findings, resolver)
        return run

    kustomized = lint()
    outcome.notices.extend(kustomized.notices)
    consumed = kustomized.consumed
    # Fix, rebuild to confirm, and go on while fixes remain (two fixes may insert at one point).
    for _ in range(MAX_KUSTOMIZE_PASSES if options.fix else 1 if options.diff else 0):
        planned = plan_fixes(kustomized, options.unsafe_fixes)
        written = 0
        for source_fix in planned:
            if options.diff:
                diffs.append(_diff(source_fix.display, source_fix.decoded.text, source_fix.text))
                continue
            data = source_fix.decoded.encode(source_fix.text)
            path, stamp = source_fix.path, source_fix.stamp
            if not _write(path, data, stamp, source_fix.display, outcome, scope):
                continue
            outcome.fixed += len(source_fix.applied)
            written += 1
        if not written:
            break
        kustomized = lint()
        kustomized.consumed |= consumed
    for path, kinds in kustomized.outside.items():
        if Applicability.SAFE in kinds or (options.unsafe_fixes and Applicability.UNSAFE in kinds):
            outcome.notices.append(_outside_notice(display(path), display(path.parent)))
    outcome.findings.extend(kustomized.findings)
    outcome.checked.extend(sorted({display(path) for path in kustomized.consumed}))
    outcome.suppressed.extend(excepted)
    return kustomized.consumed


def _exit_code(outcome: RunOutcome, options: Options, fail_on: str) -> int:
    if outcome.problems:
        return EXIT_ERROR
    if options.exit_zero or fail_on == "never":
        return EXIT_CLEAN
    threshold = Severity(fail_on).rank
    if any(finding.severity.rank >= threshold for finding in outcome.findings):
        return EXIT_FINDINGS
    return EXIT_CLEAN


def _baseline_file(options: Options, resolver: ConfigResolver) -> Path | None:
    """The baseline to write or read: the flags, else ``baseline:`` in the configuration."""
    named = options.write_baseline or options.baseline
    return Path(named) if named else resolver.default().baseline


def _apply_config_exceptions(
    outcome: RunOutcome, resolver: ConfigResolver, options: Options
) -> None:
    """Exceptions for findings the engine did not see in their file (rendered charts, builds);
    then ML002 for each exception that matched nothing, when the run covered its folder."""
    from mountlint.exceptions import unused_exception

    outcome.findings[:], excepted = _except(outcome.findings, resolver)
    outcome.suppressed.extend(excepted)
    used = {f.suppression.exception for f in outcome.suppressed if f.suppression is not None}
    covered: list[Path] | None = None  # resolved only when some exception needs it
    rule = registered("ML002").rule
    reported: set[str] = set()
    for resolved in resolver.loaded():
        settings = resolved.settings
        if not settings.is_selected(rule):
            continue
        selected = {entry.code for entry in rule_index() if settings.is_selected(entry)}
        for exception in settings.exceptions:
            folder = exception.config.parent.resolve()
            if covered is None:
                covered = [Path(path).resolve() for path in options.paths if path != "-"]
            if (
                exception.key in used
                or exception.key in reported
                or not exception.codes & selected
                or not any(folder == path or path in folder.parents for path in covered)
            ):
                continue
            reported.add(exception.key)
            unused = unused_exception(exception, display_path(exception.config), rule)
            override = dict(settings.severity_overrides).get(rule.code)
            outcome.findings.append(replace(unused, severity=override or unused.severity))


def _except(
    findings: list[Finding], resolver: ConfigResolver
) -> tuple[list[Finding], list[Finding]]:
    """Findings split by the exceptions of the configuration that applies to each one's file."""
    from mountlint.exceptions import apply_exceptions

    kept: list[Finding] = []
    excepted: list[Finding] = []
    by_path: dict[str, Settings] = {}  # a file's findings share its settings
    for finding in findings:
        path = finding.location.path
        settings = by_path.get(path)
        if settings is None:
            resolved = resolver.default() if path == "-" else resolver.for_file(Path(path))
            settings = by_path[path] = resolved.settings
        if not settings.exceptions:
            kept.append(finding)
            continue
        standing, matched = apply_exceptions([finding], settings.exceptions)
        kept.extend(standing)
        excepted.extend(matched)
    return kept, excepted


def _read_baseline(baseline: Path) -> list[Entry]:
    """The entries of the baseline ``--baseline`` names; a bad one stops the run."""
    from mountlint.baseline import BaselineError, load_baseline

    try:
        return load_baseline(baseline)
    except BaselineError as error:
        raise RunError(str(error)) from error


def _apply_baseline(
    run: Run, options: Options, baseline: Path, entries: list[Entry] | None
) -> None:
    """Write the baseline (``--write-baseline``), or move the findings it records aside."""
    from mountlint.baseline import (
        baseline_root,
        load_baseline,
        match_baseline,
        relative_path,
        write_baseline,
    )

    outcome = run.outcome
    display = display_path(baseline)
    if options.write_baseline:
        run.recorded = write_baseline(baseline, outcome.findings)
        entries = load_baseline(baseline)
    assert entries is not None
    covered = [Path(path) for path in options.paths if path != "-"]
    root = baseline_root(baseline)
    matched = match_baseline(outcome.findings, entries, root, covered)
    reason = f"recorded in the baseline {relative_path(str(baseline), root)}"
    outcome.findings[:] = matched.new
    outcome.baselined = [
        replace(finding, suppression=Suppression("external", reason))
        for finding in matched.baselined
    ]
    outcome.baseline_gone = [(entry.path, entry.code, entry.excerpt) for entry in matched.gone]
    outcome.baseline = display


def internal_error_message(error: BaseException) -> str:
    """The one line a crash is reported as, instead of a traceback."""
    return (
        f"{type(error).__name__}: {error}; this is a bug in mountlint, please report it "
        "together with the input that caused it"
    )


def execute(options: Options, progress: Progress | None = None) -> Run:
    """Lint (and maybe fix) the inputs; findings, problems and notices go into the result."""
    flags = CommandLine(
        select=options.select,
        ignore=options.ignore,
        runtime=options.runtime,
        fail_on=options.fail_on,
    )
    outcome = RunOutcome(unsafe_fixes=options.unsafe_fixes)
    result = Run(outcome)
    diffs = result.diffs
    inputs: list[_Input] = []
    resolver = ConfigResolver(flags, Path.cwd(), Path(options.config) if options.config else None)
    try:
        fail_on = resolver.default().fail_on
        baseline = _baseline_file(options, resolver)
        entries = _read_baseline(baseline) if baseline and not options.write_baseline else None
        consumed = _kustomize(options, resolver, outcome, diffs)
        charts: list[Path] = []
        inputs = _inputs(options, resolver, outcome, consumed, charts)
        helm_input = _helm_input(options, resolver)
    except (ConfigError, RunError) as error:
        result.error = error
        if "-" in options.paths:  # --fix - passes its input through even then
            read = [item.stdin for item in inputs if item.stdin is not None]
            _echo_stdin(read[0] if read else read_stdin(options.stdin_filename), options, result)
        return result
    if helm_input is not None:
        inputs.insert(0, helm_input)
    if progress is not None:
        progress.start(len(inputs))
    for item, linted in zip(inputs, _lint_all(inputs, options), strict=True):
        if progress is not None:
            progress.step()
        if isinstance(linted, InputProblem):
            outcome.problems.append(linted)
            if item.stdin is not None:
                _echo_stdin(item.stdin, options, result)
            continue
        outcome.files_checked += 1
        outcome.checked.append(linted.source.display)
        if options.show_source and not options.fix and linted.decoded is not None:
            outcome.texts[linted.source.display] = linted.decoded.text
        if linted.notice:
            outcome.notices.append(f"{linted.source.display}: skipped: {linted.notice}")
        outcome.suppressed.extend(linted.suppressed)
        _withhold_fixes_outside(linted, options, outcome)
        mapping = _helm_mapping(linted, options)
        if mapping is not None:
            outcome.findings.extend(
                _lint_helm_output(
                    linted, mapping, options, outcome, diffs, resolver, outcome.suppressed
                )
            )
            _echo_stdin(linted.source, options, result)  # fixes went into the chart's templates
        elif options.fix or options.diff:
            _apply_fixes(linted, options, item.settings, result)
        else:
            outcome.findings.extend(linted.findings)
    if progress is not None:
        progress.close()
    _lint_charts(charts, resolver, options, outcome, diffs)
    _apply_config_exceptions(outcome, resolver, options)
    if baseline is not None:
        from mountlint.baseline import BaselineError

        try:
            _apply_baseline(result, options, baseline, entries)
        except BaselineError as error:
            result.error = RunError(str(error))
            return result
    outcome.exit_code = _exit_code(outcome, options, fail_on)
    return result
