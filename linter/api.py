"""The Python API: lint and fix text or paths, with a configuration loaded or built in code.

Everything here is re-exported from :mod:`mountlint`; the names in ``mountlint.__all__`` are the
promise, the modules behind them are not.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from dataclasses import field
from pathlib import Path

from mountlint import config as _config
from mountlint import engine as _engine
from mountlint import fixes as _fixes
from mountlint.edits import Fix
from mountlint.findings import Finding as _Finding
from mountlint.records import record
from mountlint.rule import Severity
from mountlint.runner import EXIT_CLEAN, Options, execute
from mountlint.settings import RUNTIMES

#: The levels ``fail_on`` accepts: the lowest level that makes a run fail, or never.
FAIL_ON_LEVELS = ("error", "warning", "info", "never")


class ConfigurationError(_config.ConfigError):
    """An invalid configuration: an unknown rule name or code, runtime or level, or a bad file.

    A :class:`ValueError`; its message names the file and line when there is one.
    """

    def __init__(self, message: str) -> None:
        ValueError.__init__(self, message)


@record(frozen=True)
class KubernetesObject:
    """The object a finding is about; ``str()`` gives ``kind/namespace/name``."""

    kind: str
    name: str | None = None
    namespace: str | None = None

    def __str__(self) -> str:
        return "/".join(part for part in (self.kind, self.namespace, self.name) if part)


@record(frozen=True)
class Finding:
    """One problem: which rule, how bad, where (1-based lines and columns) and its fix, if any."""

    code: str
    name: str
    severity: Severity
    message: str
    path: str
    line: int
    column: int
    end_line: int
    end_column: int
    #: the field the finding is about, such as ``spec.template.spec.volumes[0].hostPath``
    field_path: str
    object: KubernetesObject | None
    fix: Fix | None


@record(frozen=True)
class Config:
    """Which rules run and how: built in code, or read by :func:`load_config`.

    ``select`` and ``ignore`` take rule codes, code prefixes (``ML1``) or names; ``None`` for
    ``select`` means the rules that are on by default. The values override those of ``file``,
    as the command-line flags override a configuration file. Anything unknown raises
    :class:`ConfigurationError` here, not later.
    """

    select: tuple[str, ...] | None = None
    ignore: tuple[str, ...] = ()
    runtime: str | None = None
    fail_on: str | None = None
    #: the configuration file whose other settings (exceptions, extra paths) apply
    file: Path | None = None
    _resolved: _config.Resolved = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        for name in ("select", "ignore"):
            value = getattr(self, name)
            if isinstance(value, str):  # ("ML101") is a string, not a tuple: take it as one rule
                object.__setattr__(self, name, (value,))
            elif value is not None:
                object.__setattr__(self, name, tuple(value))
        if self.runtime is not None and self.runtime not in RUNTIMES:
            raise ConfigurationError(f"unknown runtime {self.runtime!r}; use {_one_of(RUNTIMES)}")
        if self.fail_on is not None and self.fail_on not in FAIL_ON_LEVELS:
            raise ConfigurationError(
                f"unknown fail_on level {self.fail_on!r}; use {_one_of(FAIL_ON_LEVELS)}"
            )
        try:
            loaded = _config.load_config(self.file) if self.file is not None else _config.Config()
            resolved = _config.resolve(loaded, self._flags(), Path.cwd())
        except _config.ConfigError as error:  # the flags' errors name the flag: name the field
            raise ConfigurationError(str(error).removeprefix("command line: --")) from error
        object.__setattr__(self, "_resolved", resolved)

    def _flags(self) -> _config.CommandLine:
        return _config.CommandLine(
            select=self.select,
            ignore=self.ignore or None,
            runtime=self.runtime,
            fail_on=self.fail_on,
        )


def _one_of(choices: Iterable[str]) -> str:
    return ", ".join(choices)


@record(frozen=True)
class Problem:
    """An input that could not be linted (unreadable, too big, not text)."""

    path: str
    message: str


@record(frozen=True)
class Report:
    """What :func:`lint_paths` found: findings, unreadable inputs and notices."""

    findings: tuple[Finding, ...]
    problems: tuple[Problem, ...]
    #: files skipped and why, findings left unfixed outside the paths given, and the like
    notices: tuple[str, ...]
    files_checked: int
    #: how many findings ``fix=True`` fixed
    fixed: int
    #: the command line's exit status for this run: 0 clean, 1 findings at ``fail_on``, 2 problems
    exit_code: int

    @property
    def ok(self) -> bool:
        """Whether the run passes: no finding at or above ``fail_on`` and no problem."""
        return self.exit_code == EXIT_CLEAN


def load_config(path: str | os.PathLike[str]) -> Config:
    """The configuration in ``path`` (``.mountlint.yaml`` or ``pyproject.toml``), validated."""
    return Config(file=Path(path))


def lint_text(text: str, path: str = "-", config: Config | None = None) -> list[Finding]:
    """The findings for one YAML text; ``path`` is only the name they carry.

    Without ``config``, the defaults apply: no configuration file is searched for.
    """
    settings = (config or Config())._resolved.settings
    return [_public(finding) for finding in _engine.lint_text(text, path, settings)]


def fix_text(text: str, path: str = "-", config: Config | None = None, unsafe: bool = False) -> str:
    """``text`` with every safe fix applied (and the unsafe ones with ``unsafe=True``).

    The text comes back unchanged when a fix would change how the rest of it parses.
    """
    settings = (config or Config())._resolved.settings
    return _fixes.fix_text(text, path, settings, unsafe).text


def lint_paths(
    paths: Iterable[str | os.PathLike[str]],
    config: Config | None = None,
    *,
    fix: bool = False,
    unsafe: bool = False,
    helm: bool = True,
    kustomize: bool = True,
) -> Report:
    """Lint files and folders as the command line does, Helm charts and kustomizations included.

    Without ``config``, each file uses the configuration file nearest to it, as on the command
    line. With ``fix=True`` the fixes are written to the files. Nothing is printed.
    """
    if isinstance(paths, (str, os.PathLike)):  # one path, not the characters of one
        names: tuple[str, ...] = (os.fspath(paths),)
    else:
        names = tuple(os.fspath(path) for path in paths)
    flags = config._flags() if config is not None else _config.CommandLine()
    options = Options(
        paths=names,
        fix=fix,
        unsafe_fixes=unsafe,
        config=str(config.file) if config is not None and config.file is not None else None,
        select=flags.select,
        ignore=flags.ignore,
        runtime=flags.runtime,
        fail_on=flags.fail_on,
        no_helm=not helm,
        no_kustomize=not kustomize,
    )
    run = execute(options)
    if run.error is not None:
        if isinstance(run.error, _config.ConfigError):
            raise ConfigurationError(str(run.error)) from run.error
        raise run.error
    outcome = run.outcome
    return Report(
        findings=tuple(_public(finding) for finding in outcome.findings),
        problems=tuple(Problem(item.display, item.message) for item in outcome.problems),
        notices=tuple(outcome.notices),
        files_checked=outcome.files_checked,
        fixed=outcome.fixed,
        exit_code=outcome.exit_code,
    )


def _public(finding: _Finding) -> Finding:
    location = finding.location
    kind = finding.object_kind
    return Finding(
        code=finding.rule.code,
        name=finding.rule.name,
        severity=finding.severity,
        message=finding.message,
        path=location.path,
        line=location.line,
        column=location.column,
        end_line=location.end_line,
        end_column=location.end_column,
        field_path=finding.field_path,
        object=KubernetesObject(kind, finding.object_name, finding.object_namespace)
        if kind
        else None,
        fix=finding.fix,
    )
