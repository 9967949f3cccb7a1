"""The ``mountlint`` command line."""

from __future__ import annotations

import errno
import gc
import json
import os
import sys
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import TextIO

import click

from mountlint.config import CommandLine, schema
from mountlint.edits import is_applicable
from mountlint.printable import printable
from mountlint.registry import all_rules, did_you_mean, find_rule
from mountlint.report import FORMATS, ReportOptions, RunOutcome, render
from mountlint.report.text import plural, unfinished
from mountlint.runner import (
    EXIT_CLEAN,
    EXIT_ERROR,
    EXIT_FINDINGS,
    PARALLEL_FROM_FILES,
    Options,
    display_path,
    execute,
    internal_error_message,
)
from mountlint.settings import RUNTIMES
from mountlint.sources import DEFAULT_MAX_FILE_SIZE, Decoded, InputProblem, decode, read_file
from mountlint.version import __version__

#: Write errors that mean the output cannot be delivered (closed pipe, full or failing disk).
_OUTPUT_ERRNOS = frozenset(
    {errno.EPIPE, errno.ENOSPC, errno.EDQUOT, errno.EFBIG, errno.EIO, errno.EBADF}
)
#: The progress line appears from this many files on (on a terminal only).
PROGRESS_FROM_FILES = 500
FAIL_ON_CHOICES = ("error", "warning", "info", "never")
#: The formats ``--node`` can print.
NODE_FORMATS = ("text", "json")
#: The admission policies ``--emit-policy`` writes (see ``mountlint.policy``), and what they do.
POLICY_FORMATS = ("vap", "kyverno")
POLICY_ACTIONS = ("warn", "deny")


def _stderr(message: str) -> None:
    click.echo(f"mountlint: {printable(message)}", err=True)


COLOR_CHOICES = ("auto", "always", "never")


def use_color(mode: str, stream: TextIO) -> bool:
    """``--color``; with ``auto``, a non-empty ``NO_COLOR`` turns colour off and ``FORCE_COLOR``
    turns it on (CI logs that render it), else colour is used on a terminal only."""
    if mode != "auto":
        return mode == "always"
    if os.environ.get("NO_COLOR"):
        return False
    if os.environ.get("FORCE_COLOR"):
        return True
    return stream.isatty()


def _list_rules(format_name: str) -> int:
    """The rule table (text), or the rule list as JSON; other formats do not apply."""
    rules = [item.rule for item in all_rules()]
    if format_name == "json":
        listed = [
            {
                "code": rule.code,
                "name": rule.name,
                "summary": rule.summary,
                "severity": rule.severity.value,
                "fix": rule.fix.value,
                "enabled_by_default": rule.enabled_by_default,
            }
            for rule in rules
        ]
        click.echo(json.dumps(listed, indent=2))
        return EXIT_CLEAN
    if format_name != "text":
        _stderr(f"error: --list-rules prints text or json, not {format_name}")
        return EXIT_ERROR
    rows = [
        (
            rule.code,
            rule.name,
            rule.severity.value,
            rule.fix.value,
            "on" if rule.enabled_by_default else "off (--select to run)",
        )
        for rule in rules
    ]
    header = ("code", "name", "severity", "fix", "default")
    widths = [max(len(str(row[i])) for row in [header, *rows]) for i in range(len(header))]
    for row in [header, *rows]:
        click.echo(
            "  ".join(
                str(cell).ljust(width) for cell, width in zip(row, widths, strict=True)
            ).rstrip()
        )
    return EXIT_CLEAN


def _explain(selector: str) -> int:
    registered = find_rule(selector)
    if registered is None:
        _stderr(
            f"error: unknown rule {selector!r}{did_you_mean(selector)}; "
            "`mountlint --list-rules` lists them"
        )
        return EXIT_ERROR
    rule = registered.rule
    click.echo(f"# {rule.code} {rule.name}\n")
    click.echo(f"{rule.summary}.\n")
    click.echo(f"Default level: {rule.severity.value}. Fix: {rule.fix.value}.\n")
    click.echo(rule.doc)
    return EXIT_CLEAN


class _Progress:
    """A one-line file counter on stderr, only on a terminal and never in CI logs."""

    def __init__(self, enabled: bool = True) -> None:
        self.allowed = enabled
        self.enabled = False
        self.total = 0
        self.done = 0

    def start(self, total: int) -> None:
        self.total = total
        self.enabled = (
            self.allowed
            and total >= PROGRESS_FROM_FILES
            and sys.stderr.isatty()
            and not os.environ.get("CI")
            and "NO_COLOR" not in os.environ
        )

    def step(self) -> None:
        self.done += 1
        if self.enabled and (self.done % 25 == 0 or self.done == self.total):
            sys.stderr.write(f"\rmountlint: {self.done}/{self.total} files")
            sys.stderr.flush()

    def close(self) -> None:
        if self.enabled:
            sys.stderr.write("\r\033[K")
            sys.stderr.flush()


def run(options: Options) -> int:
    """Lint (and maybe fix) the inputs and print the report; returns the exit code."""
    result = execute(options, _Progress(enabled=not options.quiet))
    outcome = result.outcome
    for data in result.stdout:  # `--fix -`: the fixed input, or the input as it was
        _write_stdout(data)
    if result.recorded is not None and options.write_baseline:
        display = display_path(Path(options.write_baseline))
        _stderr(f"{display}: recorded {plural(result.recorded, 'finding')} in the baseline")
    if result.error is not None:
        _stderr(f"error: {result.error}")
        return EXIT_ERROR
    for notice in outcome.notices if not options.quiet else ():
        _stderr(notice)
    for problem in outcome.problems if options.quiet < 2 else ():
        _stderr(f"error: {problem.display}: {problem.message}")
    if options.diff:
        if options.quiet < 2:
            sys.stdout.write("".join(result.diffs))
        would_fix = sum(1 for f in outcome.findings if is_applicable(f.fix, options.unsafe_fixes))
        not_done = f"; {unfinished(outcome)}" if outcome.problems else ""
        if not options.quiet:
            _stderr(
                f"would fix {plural(would_fix, 'problem')} in {plural(len(result.diffs), 'file')}"
                f"{not_done}"
            )
        if result.diffs and outcome.exit_code == EXIT_CLEAN and not options.exit_zero:
            outcome.exit_code = EXIT_FINDINGS
        return outcome.exit_code
    report_to_stderr = options.fix and any(source == "-" for source in options.paths)
    _write_report(outcome, options, report_to_stderr)
    if not options.quiet:
        _report_gone(outcome)
    return outcome.exit_code


def _write_stdout(data: bytes) -> None:
    sys.stdout.flush()
    sys.stdout.buffer.write(data)
    sys.stdout.buffer.flush()


def _report_gone(outcome: RunOutcome) -> None:
    """Baseline entries that match nothing any more, listed at the very end."""
    if not outcome.baseline_gone:
        return
    for path, code, excerpt in outcome.baseline_gone:
        _stderr(f"{outcome.baseline}: gone: {path}: {code} {excerpt}".rstrip())
    count = len(outcome.baseline_gone)
    verb = "is" if count == 1 else "are"
    _stderr(f"{plural(count, 'baselined finding')} {verb} gone; refresh with --write-baseline")


def _write_report(outcome: RunOutcome, options: Options, to_stderr: bool) -> None:
    """The report in ``--format`` (to stdout or ``-o``), then each ``--output-format`` file.

    ``-qq`` prints no report; files asked for are still written.
    """
    stream = sys.stderr if to_stderr else sys.stdout
    for format_name, path in options.output_formats:
        _save_report(path, render(outcome, _report_options(options, format_name)), outcome)
    if options.quiet >= 2 and not options.output:
        return
    report_options = replace(
        _report_options(options, options.format),
        color=not options.output and options.format == "text" and use_color(options.color, stream),
        quiet=options.quiet,
        statistics=options.statistics,
        source_text=_source_reader(outcome, options) if options.show_source else None,
    )
    text = render(outcome, report_options)
    if options.output:
        _save_report(options.output, text, outcome)
        return
    stream.write(text)
    stream.flush()


def _report_options(options: Options, format_name: str) -> ReportOptions:
    return ReportOptions(
        format=format_name,
        sarif_category=options.sarif_category,
        include_suppressed=options.include_suppressed,
        show_baselined=options.show_baselined,
    )


def _save_report(path: str, text: str, outcome: RunOutcome) -> None:
    try:
        Path(path).write_text(text, encoding="utf-8")
    except OSError as error:
        _stderr(f"error: {path}: cannot write the report: {error.strerror or error}")
        outcome.exit_code = EXIT_ERROR


def _source_reader(outcome: RunOutcome, options: Options) -> Callable[[str], str | None]:
    """Reads reported files for ``--show-source``: standard input as kept, files from disk.

    Files are read as they are now (after ``--fix``), through the same checks as linting (size,
    regular files only); one that cannot be read or decoded gets no code frame.
    """
    cache: dict[str, str | None] = dict(outcome.texts)

    def read(display: str) -> str | None:
        if display not in cache:
            cache[display] = _read_text(Path(display), options.max_file_size)
        return cache[display]

    return read


def _read_text(path: Path, max_size: int) -> str | None:
    if not path.is_file():
        return None
    source = read_file(path, max_size)
    if isinstance(source, InputProblem):
        return None
    decoded = decode(source.raw)
    return decoded.text if isinstance(decoded, Decoded) else None


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
@click.option(
    "--output-format",
    "output_formats",
    multiple=True,
    metavar="FORMAT:FILE",
    callback=lambda _ctx, _param, value: _parse_output_formats(value),
    help="Also write the report in FORMAT to FILE (repeatable; one run, several reports).",
)
@click.option(
    "--statistics", is_flag=True, help="Print one line per rule (count, fixable, code, name)."
)
@click.option(
    "-q",
    "--quiet",
    count=True,
    help="-q: print findings only, no summary or notices; -qq: print nothing, set the exit code.",
)
@click.option(
    "--color",
    type=click.Choice(COLOR_CHOICES),
    default="auto",
    show_default=True,
    help="Colour the text report (auto: on a terminal, or when FORCE_COLOR is set; NO_COLOR wins).",
)
@click.option(
    "--show-source",
    is_flag=True,
    help="Print the offending lines under each finding, the column marked.",
)
@click.option(
    "--list-rules", is_flag=True, help="List the rules and exit (as text, or --format json)."
)
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
    "--emit-policy",
    type=click.Choice(POLICY_FORMATS),
    help="Print an admission policy that refuses what ML101 reports as error, and exit.",
)
@click.option(
    "--policy-action",
    type=click.Choice(POLICY_ACTIONS),
    default="warn",
    show_default=True,
    help="What the policy does: warn and audit, or deny.",
)
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
    "--no-helm",
    is_flag=True,
    help="Do not render Helm charts; skip their templates/ folders.",
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
    "--baseline",
    "baseline_file",
    type=click.Path(dir_okay=False),
    metavar="FILE",
    help="Accept the findings recorded in FILE: they do not fail the run (default: baseline: "
    "in the configuration).",
)
@click.option(
    "--write-baseline",
    type=click.Path(dir_okay=False),
    metavar="FILE",
    help="Record every current finding in FILE as the baseline.",
)
@click.option("--show-baselined", is_flag=True, help="Also list the findings the baseline accepts.")
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
    output_formats: tuple[tuple[str, str], ...],
    statistics: bool,
    quiet: int,
    color: str,
    show_source: bool,
    list_rules: bool,
    explain: str | None,
    exit_zero: bool,
    fail_on: str | None,
    runtime: str | None,
    config_path: str | None,
    select_: tuple[str, ...],
    ignore_: tuple[str, ...],
    emit_policy: str | None,
    policy_action: str,
    print_config_schema: bool,
    node_report: bool,
    holders: str | None,
    mountinfo: str | None,
    proc_dir: str,
    chart_dir: str | None,
    helm_chart: str | None,
    no_helm: bool,
    values_files: tuple[str, ...],
    set_values: tuple[str, ...],
    jobs: int | None,
    no_kustomize: bool,
    sarif_category: str | None,
    include_suppressed: bool,
    baseline_file: str | None,
    write_baseline: str | None,
    show_baselined: bool,
    stdin_filename: str | None,
    max_file_size: int,
) -> None:
    """Lint Kubernetes manifests for volume-mount hazards.

    PATH is a manifest file, a directory (searched for .yaml, .yml and .json files) or - for
    standard input. Without PATH the current directory is linted. Exit status: 0 clean, 1 findings
    at or above --fail-on, 2 usage, configuration or input errors.
    """
    if list_rules:
        sys.exit(_list_rules(format_name))
    if explain:
        sys.exit(_explain(explain))
    if emit_policy:
        flags = CommandLine(select=_split(select_), ignore=_split(ignore_), runtime=runtime)
        from mountlint.policy import print_policy

        sys.exit(print_policy(emit_policy, policy_action, config_path, flags))
    if print_config_schema:
        click.echo(json.dumps(schema(), indent=2))
        sys.exit(EXIT_CLEAN)
    if node_report or holders:
        if paths:
            raise click.UsageError("--node takes no PATH arguments (use --holders PATH)")
        if format_name not in NODE_FORMATS:
            raise click.UsageError(f"--node prints text or json, not {format_name}")
        sys.exit(_node(mountinfo, proc_dir, holders, format_name, output))
    _check_report_files(output, output_formats)
    if statistics and format_name not in ("text", "json"):
        raise click.UsageError(f"--statistics prints text or json, not {format_name}")
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
        no_helm=no_helm,
        jobs=jobs,
        chart_dir=chart_dir or helm_chart,
        helm=helm_chart,
        values=values_files,
        set_values=set_values,
        output_formats=output_formats,
        quiet=quiet,
        color=color,
        statistics=statistics,
        show_source=show_source,
        baseline=baseline_file,
        write_baseline=write_baseline,
        show_baselined=show_baselined,
    )
    sys.exit(run(options))


def _parse_output_formats(values: tuple[str, ...]) -> tuple[tuple[str, str], ...]:
    """``("sarif:out.sarif",)`` -> ``(("sarif", "out.sarif"),)``; the format comes first, so a
    file name may hold ``:`` (``sarif:C:\\out.sarif``)."""
    parsed = []
    for value in values:
        format_name, colon, path = value.partition(":")
        if not colon or not path:
            raise click.BadParameter(
                f"{value!r} is not FORMAT:FILE (for example sarif:mountlint.sarif)",
                param_hint="--output-format",
            )
        if format_name not in FORMATS:
            raise click.BadParameter(
                f"unknown format {format_name!r}; choose from {', '.join(FORMATS)}",
                param_hint="--output-format",
            )
        parsed.append((format_name, path))
    return tuple(parsed)


def _check_report_files(output: str | None, output_formats: tuple[tuple[str, str], ...]) -> None:
    """Two reports must not go into one file: the second would overwrite the first."""
    seen: set[str] = set()
    for path in [*([output] if output else []), *(path for _, path in output_formats)]:
        key = os.path.normcase(os.path.abspath(path))
        if key in seen:
            raise click.UsageError(f"two reports would be written to {path}")
        seen.add(key)


def _node(
    mountinfo: str | None, proc_dir: str, holders: str | None, format_name: str, output: str | None
) -> int:
    """``--node``: the node or holders report on stdout, or into ``-o FILE``."""
    import io

    from mountlint.node import run_node

    out = io.StringIO() if output else sys.stdout
    code = run_node(
        Path(mountinfo) if mountinfo else None,
        Path(proc_dir),
        holders,
        format_name,
        out,
        sys.stderr,
    )
    if output and isinstance(out, io.StringIO) and out.getvalue():
        try:
            Path(output).write_text(out.getvalue(), encoding="utf-8")
        except OSError as error:
            _stderr(f"error: {output}: cannot write the report: {error.strerror or error}")
            return EXIT_ERROR
    return code


def _split(values: tuple[str, ...]) -> tuple[str, ...] | None:
    """``("ML1,ML2", "ML3")`` -> ``("ML1", "ML2", "ML3")``; None when the flag was not given."""
    if not values:
        return None
    return tuple(part.strip() for value in values for part in value.split(",") if part.strip())


def _collect_garbage_less_often() -> None:
    """Spare the run most of the cyclic garbage collector's passes.

    Linting allocates millions of nodes that reference counting frees (a document's workloads
    break their own cycles), so the collector finds nothing, yet its passes cost a tenth of a
    run. The objects made so far (modules, functions) are moved out of its sight, and it runs
    less often; it still runs, so a cycle made elsewhere is freed.
    """
    gc.freeze()
    gc.set_threshold(10_000, 20, 20)


#: The exit status of a run stopped by Ctrl-C (128 + SIGINT), as shells report it.
EXIT_INTERRUPTED = 130


def main() -> None:
    """Console entry point: never a traceback; internal errors exit 2 with one line.

    Click's standalone mode would turn Ctrl-C into "Aborted!" and exit 1, the code for findings
    that remain; here it exits 130. Files being written at that moment are finished first (see
    ``write_atomically``), so each is whole, old or new.
    """
    if sys.stdout is None:  # started with stdout closed (`>&-`)
        _stderr("error: cannot write to standard output: it is closed")
        sys.exit(EXIT_ERROR)
    _collect_garbage_less_often()
    try:
        try:
            code = command.main(prog_name="mountlint", standalone_mode=False)
        finally:
            if sys.stdout is not None:
                sys.stdout.flush()  # a full disk shows here when the report fit in the buffer
    except SystemExit:
        raise
    except click.Abort as abort:  # click's wrapping of KeyboardInterrupt (and of EOFError)
        if not isinstance(abort.__cause__, KeyboardInterrupt):
            _stderr("aborted")
            sys.exit(EXIT_FINDINGS)
        _stderr("interrupted")
        sys.exit(EXIT_INTERRUPTED)
    except OSError as error:
        if not _is_output_error(error):
            _stderr(f"internal error: {internal_error_message(error)}")
            sys.exit(EXIT_ERROR)
        _discard_stdout()
        if error.errno == errno.EPIPE:  # `mountlint | head`: the reader has all it wants
            sys.exit(1)  # as click exits on a closed pipe
        _stderr(f"error: cannot write to standard output: {error.strerror or error}")
        sys.exit(EXIT_ERROR)
    except KeyboardInterrupt:
        _stderr("interrupted")
        sys.exit(EXIT_INTERRUPTED)
    except click.ClickException as error:  # usage errors
        error.show()
        sys.exit(error.exit_code)
    except Exception as error:  # pragma: no cover - the last line of defence
        _stderr(f"internal error: {internal_error_message(error)}")
        sys.exit(EXIT_ERROR)
    sys.exit(code if isinstance(code, int) else EXIT_CLEAN)  # --help and --version


def _is_output_error(error: OSError) -> bool:
    """Whether ``error`` comes from writing the output (no file name: standard output)."""
    return error.filename is None and error.errno in _OUTPUT_ERRNOS


def _discard_stdout() -> None:
    """Point stdout at /dev/null, so the interpreter's last flush does not fail again."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
    except (OSError, ValueError):
        pass
