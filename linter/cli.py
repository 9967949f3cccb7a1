"""The ``mountlint`` command line."""

from __future__ import annotations

import difflib
import json
import os
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

import click

if TYPE_CHECKING:
    from mountlint.helm import HelmMapping
    from mountlint.kustomize import KustomizeRun

from mountlint import __version__
from mountlint.config import (
    CommandLine,
    ConfigError,
    ConfigResolver,
    is_excluded,
    schema,
)
from mountlint.engine import FileResult, lint_source
from mountlint.fixes import FixOutcome, WriteRefused, fix_text, is_applicable, write_atomically
from mountlint.printable import printable
from mountlint.registry import all_rules, find_rule
from mountlint.report import FORMATS, ReportOptions, RunOutcome, render
from mountlint.report.text import plural
from mountlint.rule import Severity
from mountlint.settings import RUNTIMES, Settings
from mountlint.sources import (
    DEFAULT_MAX_FILE_SIZE,
    FileStamp,
    InputProblem,
    Source,
    discover,
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
#: The progress line appears from this many files on (on a terminal only).
PROGRESS_FROM_FILES = 500
FAIL_ON_CHOICES = ("error", "warning", "info", "never")


class RunError(Exception):
    """A problem that stops the run before linting (exit 2), such as helm missing."""


@dataclass(frozen=True)
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
    jobs: int | None = None
    chart_dir: str | None = None
    helm: str | None = None
    values: tuple[str, ...] = ()
    set_values: tuple[str, ...] = ()


def _stderr(message: str) -> None:
    click.echo(f"mountlint: {printable(message)}", err=True)


def _write(
    path: Path, data: bytes, stamp: FileStamp | None, display: str, outcome: RunOutcome
) -> bool:
    """Write fixed bytes atomically; a refused write becomes an input problem (exit 2)."""
    try:
        write_atomically(path, data, stamp)
    except WriteRefused as refused:
        outcome.problems.append(InputProblem(display, str(refused)))
        return False
    return True


def _use_color(stream: TextIO) -> bool:
    return stream.isatty() and "NO_COLOR" not in os.environ


def _list_rules() -> None:
    rows = [
        (item.rule.code, item.rule.name, item.rule.severity.value, item.rule.fix.value)
        for item in all_rules()
    ]
    header = ("code", "name", "severity", "fix")
    widths = [max(len(str(row[i])) for row in [header, *rows]) for i in range(4)]
    for row in [header, *rows]:
        click.echo(
            "  ".join(
                str(cell).ljust(width) for cell, width in zip(row, widths, strict=True)
            ).rstrip()
        )


def _explain(selector: str) -> int:
    registered = find_rule(selector)
    if registered is None:
        _stderr(f"error: unknown rule {selector!r}; `mountlint --list-rules` lists them")
        return EXIT_ERROR
    rule = registered.rule
    click.echo(f"# {rule.code} {rule.name}\n")
    click.echo(f"{rule.summary}.\n")
    click.echo(f"Default level: {rule.severity.value}. Fix: {rule.fix.value}.\n")
    click.echo(rule.doc)
    return EXIT_CLEAN


def _display_path(path: Path) -> str:
    """``path`` relative to the working directory, as users pass paths."""
    try:
        return os.path.relpath(path.absolute(), Path.cwd())
    except ValueError:  # another drive
        return str(path)


def _absolute_path(path: Path) -> str:
    return str(path.absolute())


@dataclass(frozen=True)
class _Input:
    """One file to lint (read by whoever lints it), or standard input already read."""

    settings: Settings
    path: Path | None = None
    stdin: Source | None = None


def _inputs(
    options: Options, resolver: ConfigResolver, outcome: RunOutcome, consumed: set[Path]
) -> list[_Input]:
    """What to lint, each with its settings; problems and skipped folders go into ``outcome``."""
    inputs: list[_Input] = []
    file_paths = [path for path in options.paths if path != "-"]
    if "-" in options.paths:
        inputs.append(_Input(resolver.default().settings, stdin=read_stdin(options.stdin_filename)))
    found = discover(file_paths)
    outcome.problems.extend(found.problems)
    if found.skipped_template_dirs:
        count = len(found.skipped_template_dirs)
        outcome.notices.append(
            f"skipped {count} Helm chart templates/ folder{'s' if count > 1 else ''} "
            f"(first: {found.skipped_template_dirs[0]}); Go templates are not YAML: "
            "pipe `helm template` output into `mountlint -` instead"
        )
    for path in found.skipped_special:
        outcome.notices.append(f"{path}: skipped: not a regular file")
    for path in found.files:
        if consumed and path.resolve() in consumed:
            continue  # linted through its kustomize build
        resolved = resolver.for_file(path)
        if not is_excluded(path, resolved.exclude, resolved.exclude_base):
            inputs.append(_Input(resolved.settings, path=path))
    return inputs


def lint_input(item: _Input, max_size: int, keep_text: bool) -> FileResult | InputProblem:
    """Read and lint one input; runs in worker processes with ``--jobs``.

    The text is kept only when the caller will fix the file, so results stay small to send.
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
    if not keep_text and not (
        result.decoded is not None and HELM_SOURCE_MARK in result.decoded.text
    ):
        result.decoded = None
        source.raw = b""
    return result


def _lint_all(inputs: list[_Input], options: Options) -> Iterator[FileResult | InputProblem]:
    """Lint every input, in ``--jobs`` processes when there are enough of them."""
    keep_text = options.fix or options.diff
    automatic = (os.cpu_count() or 1) if len(inputs) >= PARALLEL_FROM_FILES else 1
    jobs = min(options.jobs or automatic, len(inputs))
    if jobs <= 1:
        for item in inputs:
            yield lint_input(item, options.max_file_size, keep_text)
        return
    import multiprocessing
    from functools import partial

    from mountlint.pool import map_in_processes

    context = multiprocessing.get_context("fork" if sys.platform != "win32" else "spawn")
    work = partial(lint_input, max_size=options.max_file_size, keep_text=keep_text)
    chunk = max(1, min(64, len(inputs) // (jobs * 8)))
    yield from map_in_processes(work, inputs, jobs, chunk, context, _worker_died)


def _worker_died(item: _Input) -> InputProblem:
    """What a file whose worker process died is reported as: one problem, the run goes on."""
    display = str(item.path) if item.path is not None else item.stdin.display if item.stdin else "-"
    return InputProblem(display, "the process linting this file died; it was not linted")


class _Progress:
    """A one-line file counter on stderr, only on a terminal and never in CI logs."""

    def __init__(self, total: int) -> None:
        self.total = total
        self.enabled = (
            total >= PROGRESS_FROM_FILES
            and sys.stderr.isatty()
            and not os.environ.get("CI")
            and "NO_COLOR" not in os.environ
        )
        self.done = 0

    def step(self) -> None:
        self.done += 1
        if self.enabled and (self.done % 25 == 0 or self.done == self.total):
            sys.stderr.write(f"\rmountlint: {self.done}/{self.total} files")
            sys.stderr.flush()

    def close(self) -> None:
        if self.enabled:
            sys.stderr.write("\r\033[K")
            sys.stderr.flush()


def _diff(name: str, before: str, after: str) -> str:
    relative = not name.startswith("/")
    lines = difflib.unified_diff(
        before.splitlines(keepends=True),
        after.splitlines(keepends=True),
        fromfile=f"a/{printable(name)}" if relative else printable(name),
        tofile=f"b/{printable(name)}" if relative else printable(name),
    )
    return "".join(
        line if line.endswith("\n") else line + "\n\\ No newline at end of file\n" for line in lines
    )


def _apply_fixes(
    result: FileResult, options: Options, settings: Settings, outcome: RunOutcome, diffs: list[str]
) -> None:
    """Fix one source in place (or into ``diffs``); its remaining findings go into ``outcome``."""
    decoded = result.decoded
    source = result.source
    if decoded is None or not any(
        is_applicable(f.fix, options.unsafe_fixes) for f in result.findings
    ):
        outcome.findings.extend(result.findings)
        if options.fix and source.is_stdin and decoded is not None:
            sys.stdout.write(decoded.text)
        return
    fixed: FixOutcome = fix_text(decoded.text, source.display, settings, options.unsafe_fixes)
    if fixed.problem is not None:
        outcome.notices.append(f"{source.display}: {fixed.problem}")
    if options.diff:
        outcome.findings.extend(result.findings)
        if fixed.changed(decoded.text):
            diffs.append(_diff(source.display, decoded.text, fixed.text))
        return
    if source.is_stdin:
        sys.stdout.buffer.write(decoded.encode(fixed.text))
    elif fixed.changed(decoded.text):
        assert source.path is not None
        data = decoded.encode(fixed.text)
        if not _write(source.path, data, source.stamp, source.display, outcome):
            outcome.findings.extend(result.findings)
            return
    outcome.fixed += len(fixed.applied)
    outcome.findings.extend(fixed.findings)


def _helm_mapping(result: FileResult, options: Options) -> HelmMapping | None:
    """The chart of ``helm template`` output (``# Source:`` comments), when one is known."""
    decoded = result.decoded
    if decoded is None or HELM_SOURCE_MARK not in decoded.text:
        return None
    from mountlint.helm import HelmMapping, find_chart_dir

    if options.chart_dir:
        chart: Path | None = Path(options.chart_dir)
    else:
        source_path = result.source.path
        chart = find_chart_dir(source_path.parent if source_path else Path.cwd())
    if chart is None:
        return None
    return HelmMapping(decoded.text, result.source.display, chart)


def _lint_helm_output(
    result: FileResult,
    mapping: HelmMapping,
    options: Options,
    outcome: RunOutcome,
    diffs: list[str],
) -> None:
    """Report (and fix) findings of rendered output in the chart's templates."""
    findings = mapping.remap(result.findings)
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
            if not _write(change.path, change.data, change.stamp, change.display, outcome):
                continue
            applied = {id(finding) for finding in change.applied}
            findings = [finding for finding in findings if id(finding) not in applied]
            outcome.fixed += len(change.applied)
    outcome.findings.extend(findings)


def _helm_input(options: Options, resolver: ConfigResolver) -> _Input | None:
    """``--helm CHART``: render the chart with ``helm template`` and lint the output."""
    if not options.helm:
        return None
    from mountlint.helm import HelmError, render_chart

    try:
        rendered = render_chart(Path(options.helm), options.values, options.set_values)
    except HelmError as error:
        raise RunError(str(error)) from error
    source = Source(display=f"{options.helm} (helm template)", raw=rendered.encode())
    return _Input(resolver.default().settings, stdin=source)


def _kustomize(
    options: Options, resolver: ConfigResolver, outcome: RunOutcome, diffs: list[str]
) -> KustomizeRun:
    """Build every kustomization among the inputs; fix its sources; record what it consumed."""
    from mountlint.kustomize import KustomizeRun, find_roots, lint_roots, plan_fixes

    if options.no_kustomize:
        return KustomizeRun()
    roots = find_roots([Path(path) for path in options.paths if path != "-"])
    if not roots:
        return KustomizeRun()

    def settings_for(kustomization: Path) -> Settings:
        return resolver.for_file(kustomization).settings

    jobs = options.jobs or os.cpu_count() or 1
    # files are shown the way the paths were given: absolute, or relative to here
    absolute = any(Path(path).is_absolute() for path in options.paths if path != "-")
    display = _absolute_path if absolute else _display_path
    kustomized = lint_roots(roots, settings_for, display, jobs=jobs)
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
            if not _write(source_fix.path, data, source_fix.stamp, source_fix.display, outcome):
                continue
            outcome.fixed += len(source_fix.applied)
            written += 1
        if not written:
            break
        kustomized = lint_roots(roots, settings_for, display, jobs=jobs)
        kustomized.consumed |= consumed
    outcome.findings.extend(kustomized.findings)
    return kustomized


def _exit_code(outcome: RunOutcome, options: Options, fail_on: str) -> int:
    if outcome.problems:
        return EXIT_ERROR
    if options.exit_zero or fail_on == "never":
        return EXIT_CLEAN
    threshold = Severity(fail_on).rank
    if any(finding.severity.rank >= threshold for finding in outcome.findings):
        return EXIT_FINDINGS
    return EXIT_CLEAN


def run(options: Options) -> int:
    """Lint (and maybe fix) the inputs and print the report; returns the exit code."""
    flags = CommandLine(
        select=options.select,
        ignore=options.ignore,
        runtime=options.runtime,
        fail_on=options.fail_on,
    )
    resolver = ConfigResolver(flags, Path.cwd(), Path(options.config) if options.config else None)
    outcome = RunOutcome(unsafe_fixes=options.unsafe_fixes)
    diffs: list[str] = []
    try:
        fail_on = resolver.default().fail_on
        kustomized = _kustomize(options, resolver, outcome, diffs)
        inputs = _inputs(options, resolver, outcome, kustomized.consumed)
        helm_input = _helm_input(options, resolver)
    except (ConfigError, RunError) as error:
        _stderr(f"error: {error}")
        return EXIT_ERROR
    if helm_input is not None:
        inputs.insert(0, helm_input)
    progress = _Progress(len(inputs))
    for item, result in zip(inputs, _lint_all(inputs, options), strict=True):
        progress.step()
        if isinstance(result, InputProblem):
            outcome.problems.append(result)
            continue
        outcome.files_checked += 1
        if result.notice:
            outcome.notices.append(f"{result.source.display}: skipped: {result.notice}")
        outcome.suppressed.extend(result.suppressed)
        mapping = _helm_mapping(result, options)
        if mapping is not None:
            _lint_helm_output(result, mapping, options, outcome, diffs)
        elif options.fix or options.diff:
            _apply_fixes(result, options, item.settings, outcome, diffs)
        else:
            outcome.findings.extend(result.findings)
    progress.close()
    outcome.exit_code = _exit_code(outcome, options, fail_on)
    for notice in outcome.notices:
        _stderr(notice)
    for problem in outcome.problems:
        _stderr(f"error: {problem.display}: {problem.message}")
    if options.diff:
        sys.stdout.write("".join(diffs))
        would_fix = sum(1 for f in outcome.findings if is_applicable(f.fix, options.unsafe_fixes))
        _stderr(f"would fix {plural(would_fix, 'problem')} in {plural(len(diffs), 'file')}")
        if diffs and outcome.exit_code == EXIT_CLEAN and not options.exit_zero:
            outcome.exit_code = EXIT_FINDINGS
        return outcome.exit_code
    report_to_stderr = options.fix and any(source == "-" for source in options.paths)
    _write_report(outcome, options, report_to_stderr)
    return outcome.exit_code


def _write_report(outcome: RunOutcome, options: Options, to_stderr: bool) -> None:
    stream = sys.stderr if to_stderr else sys.stdout
    report_options = ReportOptions(
        format=options.format,
        color=not options.output and options.format == "text" and _use_color(stream),
        sarif_category=options.sarif_category,
        include_suppressed=options.include_suppressed,
    )
    text = render(outcome, report_options)
    if options.output:
        try:
            Path(options.output).write_text(text, encoding="utf-8")
        except OSError as error:
            _stderr(f"error: {options.output}: cannot write the report: {error.strerror or error}")
            outcome.exit_code = EXIT_ERROR
        return
    stream.write(text)
    stream.flush()


@click.command(context_settings={"help_option_names": ["-h", "--help"]})
@click.argument("paths", nargs=-1, metavar="[PATH]...")
@click.option("--fix", is_flag=True, help="Apply safe fixes in place.")
@click.option(
    "--unsafe-fixes", is_flag=True, help="Also apply fixes that change what a workload may do."
)
@click.option("--diff", is_flag=True, help="Print the fixes as a unified diff; write nothing.")
@click.option(
    "--format",
    "format_name",
    type=click.Choice(FORMATS),
    default="text",
    show_default=True,
    help="Report format.",
)
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, writable=True),
    help="Write the report to FILE.",
)
@click.option("--list-rules", is_flag=True, help="List the rules and exit.")
@click.option("--explain", metavar="CODE|NAME", help="Show a rule's documentation and exit.")
@click.option("--exit-zero", is_flag=True, help="Exit 0 even when findings remain.")
@click.option(
    "--fail-on",
    type=click.Choice(FAIL_ON_CHOICES),
    help="Lowest level that makes the run fail (default: warning).",
)
@click.option(
    "--runtime",
    type=click.Choice(RUNTIMES),
    help="Container runtime profile of the target nodes (default: containerd).",
)
@click.option(
    "--config",
    "config_path",
    type=click.Path(dir_okay=False),
    help="Configuration file (default: .mountlint.yaml, .mountlint.yml or "
    "[tool.mountlint] in pyproject.toml, searched upward).",
)
@click.option(
    "--select",
    "select_",
    multiple=True,
    metavar="RULES",
    help="Run only these rules: codes, code prefixes or names, comma-separated.",
)
@click.option("--ignore", "ignore_", multiple=True, metavar="RULES", help="Do not run these rules.")
@click.option(
    "--print-config-schema", is_flag=True, help="Print the configuration's JSON Schema and exit."
)
@click.option(
    "--node",
    "node_report",
    is_flag=True,
    help="Diagnose this node instead of linting: propagation of / and the runtime roots.",
)
@click.option(
    "--holders",
    metavar="PATH",
    help="With --node: list the processes in other mount namespaces that still hold PATH.",
)
@click.option(
    "--mountinfo",
    type=click.Path(dir_okay=False, exists=True),
    help="With --node: read this saved mountinfo instead of /proc/self/mountinfo.",
)
@click.option(
    "--proc",
    "proc_dir",
    type=click.Path(file_okay=False, exists=True),
    default="/proc",
    show_default=True,
    help="With --node: the /proc tree to read (a saved copy works).",
)
@click.option(
    "--chart-dir",
    type=click.Path(file_okay=False),
    help="Chart of `helm template` output being linted (default: Chart.yaml found upward).",
)
@click.option(
    "--helm",
    "helm_chart",
    type=click.Path(file_okay=False),
    metavar="CHART_DIR",
    help="Render CHART_DIR with `helm template` and lint the output.",
)
@click.option(
    "--values", "-f", "values_files", multiple=True, metavar="FILE", help="Values file for --helm."
)
@click.option("--set", "set_values", multiple=True, metavar="K=V", help="Value for --helm.")
@click.option(
    "-j",
    "--jobs",
    type=click.IntRange(min=1),
    help=f"Lint in N processes (default: the number of CPUs from {PARALLEL_FROM_FILES} files on).",
)
@click.option(
    "--no-kustomize",
    is_flag=True,
    help="Lint kustomization folders as plain YAML instead of building them.",
)
@click.option(
    "--sarif-category",
    metavar="ID",
    help="SARIF runs[0].automationDetails.id, to tell several uploads apart.",
)
@click.option(
    "--include-suppressed",
    is_flag=True,
    help="List suppressed findings in SARIF, marked as suppressed.",
)
@click.option(
    "--stdin-filename", metavar="NAME", help="File name to report for input read from `-`."
)
@click.option(
    "--max-file-size",
    type=click.IntRange(min=1),
    default=DEFAULT_MAX_FILE_SIZE,
    show_default=True,
    help="Skip files larger than this many bytes.",
)
@click.version_option(__version__, "--version", prog_name="mountlint")
def command(
    paths: tuple[str, ...],
    fix: bool,
    unsafe_fixes: bool,
    diff: bool,
    format_name: str,
    output: str | None,
    list_rules: bool,
    explain: str | None,
    exit_zero: bool,
    fail_on: str | None,
    runtime: str | None,
    config_path: str | None,
    select_: tuple[str, ...],
    ignore_: tuple[str, ...],
    print_config_schema: bool,
    node_report: bool,
    holders: str | None,
    mountinfo: str | None,
    proc_dir: str,
    chart_dir: str | None,
    helm_chart: str | None,
    values_files: tuple[str, ...],
    set_values: tuple[str, ...],
    jobs: int | None,
    no_kustomize: bool,
    sarif_category: str | None,
    include_suppressed: bool,
    stdin_filename: str | None,
    max_file_size: int,
) -> None:
    """Lint Kubernetes manifests for volume-mount hazards.

    PATH is a manifest file, a directory (searched for .yaml, .yml and .json files) or - for
    standard input. Without PATH the current directory is linted. Exit status: 0 clean, 1 findings
    at or above --fail-on, 2 usage, configuration or input errors.
    """
    if list_rules:
        _list_rules()
        sys.exit(EXIT_CLEAN)
    if explain:
        sys.exit(_explain(explain))
    if print_config_schema:
        click.echo(json.dumps(schema(), indent=2))
        sys.exit(EXIT_CLEAN)
    if node_report or holders:
        from mountlint.node import run_node

        if paths:
            raise click.UsageError("--node takes no PATH arguments (use --holders PATH)")
        node_format = "json" if format_name == "json" else "text"
        sys.exit(
            run_node(
                Path(mountinfo) if mountinfo else None,
                Path(proc_dir),
                holders,
                node_format,
                sys.stdout,
                sys.stderr,
            )
        )
    options = Options(
        paths=paths or (() if helm_chart else (".",)),
        fix=fix,
        unsafe_fixes=unsafe_fixes,
        diff=diff,
        format=format_name,
        output=output,
        exit_zero=exit_zero,
        fail_on=fail_on,
        runtime=runtime,
        stdin_filename=stdin_filename,
        max_file_size=max_file_size,
        config=config_path,
        select=_split(select_),
        ignore=_split(ignore_),
        sarif_category=sarif_category,
        include_suppressed=include_suppressed,
        no_kustomize=no_kustomize,
        jobs=jobs,
        chart_dir=chart_dir or helm_chart,
        helm=helm_chart,
        values=values_files,
        set_values=set_values,
    )
    sys.exit(run(options))


def _split(values: tuple[str, ...]) -> tuple[str, ...] | None:
    """``("ML1,ML2", "ML3")`` -> ``("ML1", "ML2", "ML3")``; None when the flag was not given."""
    if not values:
        return None
    return tuple(part.strip() for value in values for part in value.split(",") if part.strip())


def main() -> None:
    """Console entry point: never a traceback; internal errors exit 2 with one line."""
    try:
        command.main(prog_name="mountlint", standalone_mode=True)
    except SystemExit:
        raise
    except KeyboardInterrupt:
        _stderr("interrupted")
        sys.exit(130)
    except Exception as error:  # pragma: no cover - the last line of defence
        _stderr(f"internal error: {internal_error_message(error)}")
        sys.exit(EXIT_ERROR)


def internal_error_message(error: BaseException) -> str:
    return (
        f"{type(error).__name__}: {error}; this is a bug in mountlint, please report it "
        "together with the input that caused it"
    )
