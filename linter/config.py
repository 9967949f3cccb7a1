"""Find, read and validate the configuration, and resolve it into settings.

Configuration lives in ``.mountlint.yaml`` / ``.mountlint.yml`` or ``[tool.mountlint]`` in
``pyproject.toml``, found upward from the working directory (or given with ``--config``). It is
validated against the JSON Schema shipped in the package; every error names the file, the line
and the key.
"""

from __future__ import annotations

import fnmatch
import json
import os
import re
import sys
from collections.abc import Iterable
from dataclasses import field
from pathlib import Path, PurePosixPath
from typing import Any

from mountlint.exceptions import ConfigException
from mountlint.packagedata import read_json, read_text
from mountlint.paths import DEFAULT_RUNTIME_ROOTS, DEFAULT_RUNTIME_SOCKETS
from mountlint.records import record
from mountlint.registry import did_you_mean, rule_index
from mountlint.rule import Severity
from mountlint.settings import (
    DEFAULT_KUBELET_ROOT,
    DEFAULT_SENSITIVE_PATHS,
    AllowedHostPath,
    Settings,
)
from mountlint.sources import is_chart_dir
from mountlint.yamlnodes import (
    BOOL_TAG,
    NULL_TAG,
    MappingNode,
    Node,
    ScalarNode,
    SequenceNode,
    parse_stream,
)

CONFIG_FILE_NAMES = (".mountlint.yaml", ".mountlint.yml")
PYPROJECT = "pyproject.toml"

ConfigPath = tuple[str | int, ...]


class ConfigError(ValueError):
    """A configuration problem, located at a file, line and key."""

    def __init__(self, path: Path | None, line: int | None, key: str, message: str) -> None:
        where = str(path) if path is not None else "command line"
        if line is not None:
            where += f":{line}"
        super().__init__(f"{where}: {key}: {message}" if key else f"{where}: {message}")


@record
class Config:
    """Configuration values with the line of every key (for messages)."""

    path: Path | None = None
    values: dict[str, Any] = field(default_factory=dict)
    lines: dict[ConfigPath, int] = field(default_factory=dict)

    def line(self, key_path: ConfigPath) -> int | None:
        """The line of ``key_path`` or of its closest ancestor that has one."""
        while key_path:
            if key_path in self.lines:
                return self.lines[key_path]
            key_path = key_path[:-1]
        return None

    def error(self, key_path: ConfigPath, message: str) -> ConfigError:
        key = ".".join(str(part) if isinstance(part, str) else f"[{part}]" for part in key_path)
        return ConfigError(self.path, self.line(key_path), key.replace(".[", "["), message)


def schema() -> dict[str, Any]:
    """The JSON Schema of the configuration (``mountlint --print-config-schema``)."""
    return read_json("mountlint", "config.schema.json")


def find_config(start: Path) -> Path | None:
    """The nearest configuration file at or above ``start``."""
    for directory in (start, *start.parents):
        found = _config_in(directory)
        if found is not None:
            return found
    return None


def _config_in(directory: Path, names: frozenset[str] | None = None) -> Path | None:
    """The configuration file in ``directory``; ``names``: what it holds, when already listed."""
    folder = str(directory)  # plain strings: this runs once for every folder of the inputs
    for name in CONFIG_FILE_NAMES:
        if (names is None or name in names) and os.path.isfile(os.path.join(folder, name)):
            return directory / name
    if names is not None and PYPROJECT not in names:
        return None
    pyproject = os.path.join(folder, PYPROJECT)
    if os.path.isfile(pyproject) and _pyproject_has_section(Path(pyproject)):
        return directory / PYPROJECT
    return None


#: Where ``tool.mountlint`` can begin: the root key ``tool`` starts a line (``[tool]``,
#: ``tool = {...}``), or is followed by ``mountlint`` (``[tool.mountlint]``,
#: ``tool.mountlint.x = ``, quoted or spaced). ``[tool.ruff]`` and ``name = "mountlint"`` are not.
_TOOL_MOUNTLINT = re.compile(
    r"""^[ \t]* (?:\[\[?[ \t]*)? (["']?)tool\1 [ \t]*
        (?: \] | = | \.[ \t]*(["']?)mountlint\2[ \t]*[.=\]] )""",
    re.M | re.X,
)


def _pyproject_has_section(path: Path) -> bool:
    """Whether the parsed TOML has ``tool.mountlint``, however it is spelled.

    A file that is not valid TOML counts when its text seems to hold the section, so that the
    error is reported instead of the configuration being silently ignored.
    """
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError):
        return False
    escaped = "\\u" in text or "\\U" in text  # a key may spell a letter as an escape
    if not escaped and ("mountlint" not in text or _TOOL_MOUNTLINT.search(text) is None):
        return False  # no spelling of the section: no need to parse the TOML (~3 ms)
    tomllib = _tomllib()
    try:
        data = tomllib.loads(text)
    except (tomllib.TOMLDecodeError, RecursionError):  # reported when the file is loaded
        return re.search(r"^\s*\[\s*tool\s*\.\s*[\"']?mountlint\b", text, re.M) is not None
    tool = data.get("tool")
    return isinstance(tool, dict) and "mountlint" in tool


def _tomllib() -> Any:
    if sys.version_info >= (3, 11):
        import tomllib
    else:  # pragma: no cover - Python 3.10
        import tomli as tomllib
    return tomllib


def load_config(path: Path) -> Config:
    """Read and validate a configuration file."""
    try:
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError as error:
        raise ConfigError(path, None, "", "no such file") from error
    except (OSError, UnicodeDecodeError) as error:
        raise ConfigError(path, None, "", f"cannot read: {error}") from error
    config = _load_toml(path, text) if path.name.endswith(".toml") else _load_yaml(path, text)
    _validate(config)
    return config


def _load_yaml(path: Path, text: str) -> Config:
    stream = parse_stream(text, allow_directives=True)
    if stream.problem is not None:
        raise ConfigError(
            path, stream.problem.line + 1, "", f"invalid YAML: {stream.problem.message}"
        )
    config = Config(path=path)
    if not stream.documents:
        return config
    if len(stream.documents) > 1:
        raise ConfigError(path, None, "", "expected one YAML document")
    root = stream.documents[0].root
    if not isinstance(root, MappingNode):
        raise ConfigError(path, int(root.start_mark.line) + 1, "", "expected a mapping of settings")
    config.values = _to_python(root, (), config.lines)
    return config


def _to_python(node: Node, key_path: ConfigPath, lines: dict[ConfigPath, int]) -> Any:
    lines.setdefault(key_path, int(node.start_mark.line) + 1)
    if isinstance(node, MappingNode):
        mapping: dict[str, Any] = {}
        for key, value in node.value:
            name = str(key.value)
            key_line: ConfigPath = (*key_path, name)
            lines[key_line] = int(key.start_mark.line) + 1
            mapping[name] = _to_python(value, (*key_path, name), lines)
        return mapping
    if isinstance(node, SequenceNode):
        return [_to_python(item, (*key_path, i), lines) for i, item in enumerate(node.value)]
    assert isinstance(node, ScalarNode)
    if node.tag == NULL_TAG:
        return None
    if node.tag == BOOL_TAG:
        return str(node.value).lower() == "true"
    if str(node.tag).endswith(":int"):
        try:
            return int(node.value)
        except ValueError:
            return node.value
    return str(node.value)


def _load_toml(path: Path, text: str) -> Config:
    tomllib = _tomllib()
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        line = getattr(error, "lineno", None)
        raise ConfigError(path, line, "", f"invalid TOML: {error}") from error
    except RecursionError as error:  # the TOML reader recurses once per nested array or table
        raise ConfigError(path, None, "", "invalid TOML: nesting is too deep") from error
    tool = data.get("tool", {})
    section = tool.get("mountlint", {}) if isinstance(tool, dict) else {}
    lines = _toml_lines(text, section if isinstance(section, dict) else {})
    if not isinstance(section, dict):
        raise ConfigError(path, lines.get(()), "tool.mountlint", "expected a table of settings")
    return Config(path=path, values=section, lines=lines)


_TOML_KEY_PART = re.compile(r"""\s*(?:"((?:[^"\\]|\\.)*)"|'([^']*)'|([A-Za-z0-9_-]+))\s*""")


def _toml_key(text: str) -> tuple[list[str], str] | None:
    """The dotted TOML key at the start of ``text`` (``tool . "mountlint"``) and what follows."""
    parts: list[str] = []
    position = 0
    while True:
        match = _TOML_KEY_PART.match(text, position)
        if match is None:
            return None
        basic, literal, bare = match.groups()
        parts.append(basic if basic is not None else literal if literal is not None else bare)
        position = match.end()
        if not text.startswith(".", position):
            return parts, text[position:]
        position += 1


def _toml_lines(text: str, values: dict[str, Any]) -> dict[ConfigPath, int]:
    """The line of each key of ``tool.mountlint`` (a second pass over the text: tomllib has none).

    Tables and keys are followed through their full dotted names, so ``[ tool.mountlint ]``,
    ``[tool."mountlint"]``, ``[tool]`` with ``mountlint = {...}`` and sub-tables all count.
    """
    lines: dict[ConfigPath, int] = {}
    table: list[str | int] = []
    arrays: dict[tuple[str | int, ...], int] = {}  #: ``[[array]]`` tables seen so far

    def note(full: list[str | int], number: int, rest: str) -> None:
        if full[:2] != ["tool", "mountlint"]:
            return
        path = tuple(full[2:])
        lines.setdefault(path, number)
        if not path:  # the section itself, or an inline table: the keys written on the line
            for key in values:
                if re.search(rf"""(?<![\w"'-])["']?{re.escape(key)}["']?\s*=""", rest):
                    lines.setdefault((key,), number)
            return
        found: Any = values
        for depth, part in enumerate(path, start=1):
            if isinstance(found, list) and isinstance(part, int) and part < len(found):
                pass
            elif not isinstance(found, dict) or part not in found:
                return
            lines.setdefault(path[:depth], number)
            found = found[part]

    for number, line in enumerate(text.splitlines(), start=1):
        stripped = line.strip()
        if stripped.startswith("["):
            array = stripped.startswith("[[")
            header = _toml_key(stripped[2 if array else 1 :])
            if header is not None and header[1].startswith("]"):
                table = list(header[0])
                note(table, number, "")
                if array:  # the n-th [[x]] is item n of the array x
                    index = arrays[tuple(table)] = arrays.get(tuple(table), -1) + 1
                    table.append(index)
                    note(table, number, "")
            continue
        pair = _toml_key(line)
        if pair is not None and pair[1].startswith("="):
            note([*table, *pair[0]], number, pair[1][1:])
    return lines


def _validate(config: Config) -> None:
    """Check ``config`` against the schema; a configuration that passed before is not rechecked.

    Importing jsonschema costs more than linting a small file, so the values of each valid
    configuration are remembered (with the schema and version, compared in full when read
    back) in the user cache.
    """
    from mountlint.usercache import known, prune, remember
    from mountlint.version import __version__

    try:
        values = json.dumps(config.values, sort_keys=True)
    except (TypeError, ValueError, RecursionError):
        values = None
    schema_text = read_text("mountlint", "config.schema.json")
    fact = (__version__, schema_text, values) if values is not None else None
    if fact is not None and known(_VALID_CONFIG, *fact):
        return
    _check_schema(config)
    if fact is not None:
        remember(_VALID_CONFIG, *fact)
        prune(_VALID_CONFIG, _VALID_CONFIG_BYTES)


_VALID_CONFIG = "valid-config"
#: Remembered configurations (each holds its values and the schema, about 7 KB) beyond this
#: many bytes are forgotten, the longest unused first.
_VALID_CONFIG_BYTES = 1024 * 1024


def _check_schema(config: Config) -> None:
    import jsonschema

    validator = jsonschema.Draft202012Validator(schema())
    errors = sorted(validator.iter_errors(config.values), key=lambda e: list(e.absolute_path))
    for error in errors:
        key_path = tuple(error.absolute_path)
        if error.validator == "additionalProperties" and isinstance(error.instance, dict):
            known = set(error.schema.get("properties", {}))
            unknown = sorted(set(error.instance) - known)
            if unknown:
                raise config.error((*key_path, unknown[0]), "unknown setting")
        raise config.error(key_path, _schema_message(error))


def _schema_message(error: Any) -> str:
    if error.validator == "enum":
        return f"{error.instance!r} is not one of {', '.join(map(repr, error.validator_value))}"
    if error.validator == "pattern" and error.validator_value == "^/":
        return f"{error.instance!r} is not an absolute path"
    if error.validator == "pattern" and error.validator_value == "\\S":
        return "must not be empty"
    if error.validator == "type":
        got = type(error.instance).__name__
        return f"expected {error.validator_value}, got {got} {error.instance!r}"
    return str(error.message)


# --- resolving -------------------------------------------------------------------------------


def resolve_selectors(selectors: Iterable[str], origin: Config, key: str | ConfigPath) -> set[str]:
    """Rule codes matching codes, code prefixes, names or ALL; unknown selectors are errors."""
    key_path: ConfigPath = (key,) if isinstance(key, str) else key
    rules = rule_index()
    codes: set[str] = set()
    for index, selector in enumerate(selectors):
        wanted = selector.strip()
        if wanted.upper() == "ALL":
            codes.update(rule.code for rule in rules)
            continue
        matched = {
            rule.code
            for rule in rules
            if (rule.code.startswith(wanted.upper()) and re.fullmatch(r"ML\d{0,3}", wanted.upper()))
            or rule.name == wanted.lower()
        }
        if not matched:
            raise origin.error(
                (*key_path, index), f"unknown rule {selector!r}{did_you_mean(selector)}"
            )
        codes.update(matched)
    return codes


@record(frozen=True)
class CommandLine:
    """The flags that override the configuration file (None: not given)."""

    select: tuple[str, ...] | None = None
    ignore: tuple[str, ...] | None = None
    runtime: str | None = None
    fail_on: str | None = None


@record(frozen=True)
class ChartValues:
    """How to render one Helm chart (``helm-charts`` in the configuration)."""

    values: tuple[Path, ...] = ()
    set_values: tuple[str, ...] = ()
    ci_values: bool = True


@record(frozen=True)
class Resolved:
    """Settings plus the run-level options that come from configuration."""

    settings: Settings
    fail_on: str
    exclude: tuple[str, ...]
    exclude_base: Path
    helm_charts: tuple[tuple[Path, ChartValues], ...] = ()
    baseline: Path | None = None

    def chart_values(self, chart: Path) -> ChartValues:
        """The configured rendering of ``chart`` (the defaults when it has none)."""
        wanted = chart.resolve()
        for folder, values in self.helm_charts:
            if folder == wanted:
                return values
        return ChartValues()


def resolve(config: Config, flags: CommandLine, cwd: Path) -> Resolved:
    """Defaults, then the configuration file, then the command line."""
    values = config.values
    flag_config = Config(path=None)
    if flags.select is not None:
        chosen = resolve_selectors(flags.select, flag_config, "--select")
    elif "select" in values:
        chosen = resolve_selectors(values["select"], config, "select")
    else:
        chosen = {entry.code for entry in rule_index() if entry.enabled_by_default}
    if flags.ignore is not None:
        chosen -= resolve_selectors(flags.ignore, flag_config, "--ignore")
    if "ignore" in values:
        chosen -= resolve_selectors(values["ignore"], config, "ignore")
    overrides: list[tuple[str, Severity]] = []
    for name, level in values.get("severity", {}).items():
        matched = resolve_selectors([name], config, "severity")
        overrides.extend((code, Severity(level)) for code in sorted(matched))
    allowed = values.get("allowed-host-paths")
    base = config.path.parent if config.path is not None else cwd
    settings = Settings(
        runtime=flags.runtime or values.get("runtime", "containerd"),
        runtime_roots=(*DEFAULT_RUNTIME_ROOTS, *values.get("runtime-roots", ())),
        runtime_sockets=(*DEFAULT_RUNTIME_SOCKETS, *values.get("runtime-sockets", ())),
        sensitive_paths=(*DEFAULT_SENSITIVE_PATHS, *values.get("sensitive-paths", ())),
        allowed_host_paths=None
        if allowed is None
        else tuple(
            AllowedHostPath(item["path-prefix"], bool(item.get("read-only", False)))
            for item in allowed
        ),
        kubelet_root=values.get("kubelet-root", DEFAULT_KUBELET_ROOT),
        select=frozenset(chosen),
        severity_overrides=tuple(overrides),
        exceptions=_exceptions(config, base),
    )
    return Resolved(
        settings=settings,
        fail_on=flags.fail_on or values.get("fail-on", "warning"),
        exclude=tuple(values.get("exclude", ())),
        exclude_base=base,
        helm_charts=_helm_charts(config, base),
        baseline=base / values["baseline"] if "baseline" in values else None,
    )


def _exceptions(config: Config, base: Path) -> tuple[ConfigException, ...]:
    """``exceptions`` with their rules resolved to codes and their patterns read."""
    found = []
    for index, entry in enumerate(config.values.get("exceptions", ())):
        match = entry.get("match", {})
        files = match.get("files")
        found.append(
            ConfigException(
                config=config.path if config.path is not None else base,
                index=index,
                line=config.line(("exceptions", index)),
                codes=frozenset(
                    resolve_selectors(entry["rules"], config, ("exceptions", index, "rules"))
                ),
                reason=" ".join(entry["reason"].split()),
                base=base,
                files=tuple(files) if files is not None else None,
                kind=match.get("kind"),
                namespace=match.get("namespace"),
                name=match.get("name"),
                labels=tuple(sorted(match.get("labels", {}).items())),
                container=match.get("container"),
                host_path=match.get("host-path"),
            )
        )
    return tuple(found)


def _helm_charts(config: Config, base: Path) -> tuple[tuple[Path, ChartValues], ...]:
    """``helm-charts`` with its folders and values files checked and made absolute."""
    charts: list[tuple[Path, ChartValues]] = []
    for name, entry in config.values.get("helm-charts", {}).items():
        folder = base / name
        if not is_chart_dir(folder):
            raise config.error(("helm-charts", name), f"{folder} is not a chart (no Chart.yaml)")
        files = []
        for index, item in enumerate(entry.get("values", ())):
            path = base / item
            if not path.is_file():
                raise config.error(("helm-charts", name, "values", index), f"no such file {path}")
            files.append(path.resolve())
        chart = ChartValues(
            values=tuple(files),
            set_values=tuple(entry.get("set", ())),
            ci_values=bool(entry.get("ci-values", True)),
        )
        charts.append((folder.resolve(), chart))
    return tuple(charts)


def is_excluded(path: Path, patterns: tuple[str, ...], base: Path) -> bool:
    """Whether ``path`` (or a folder above it) matches an ``exclude`` glob relative to ``base``."""
    if not patterns:
        return False
    try:
        relative = PurePosixPath(path.resolve().relative_to(base.resolve()).as_posix())
    except ValueError:
        relative = PurePosixPath(path.as_posix())
    candidates = [relative, *relative.parents]
    for pattern in patterns:
        cleaned = pattern.rstrip("/")
        for candidate in candidates:
            text = str(candidate)
            if text in ("", ".") and cleaned not in ("", "."):
                continue
            if fnmatch.fnmatchcase(text, cleaned) or fnmatch.fnmatchcase(candidate.name, cleaned):
                return True
    return False


class ConfigResolver:
    """Settings for each file: from ``--config``, else the configuration nearest to the file.

    Like ruff, each file uses the closest ``.mountlint.yaml`` / ``.mountlint.yml`` /
    ``pyproject.toml`` with ``[tool.mountlint]`` at or above its folder; a file with none above it
    uses the one found upward from the working directory. Command-line flags override them all.
    """

    def __init__(self, flags: CommandLine, cwd: Path, forced: Path | None = None) -> None:
        self.flags = flags
        self.cwd = cwd
        self._cwd_of_process: Path | None = None
        self.forced = forced
        self._found: dict[Path, Path | None] = {}
        self._listings: dict[Path, frozenset[str]] = {}
        self._by_folder: dict[str, Resolved] = {}
        self._resolved: dict[Path | None, Resolved] = {}

    def default(self) -> Resolved:
        """The settings for standard input and for the run as a whole (``fail-on``)."""
        return self._resolve(self.forced or self._find(self.cwd))

    def know_listings(self, listings: dict[Path, frozenset[str]]) -> None:
        """Folders whose names are known (from the walk of the inputs): looked up without
        asking the file system for each configuration file name."""
        cwd = self._process_cwd()
        for folder, names in listings.items():
            self._listings[folder if folder.is_absolute() else cwd / folder] = names

    def for_file(self, path: Path) -> Resolved:
        if self.forced is not None:
            return self.default()
        # by the folder's text: files of one folder share it, with no path objects to make
        folder_text = os.path.dirname(path)
        known = self._by_folder.get(folder_text)
        if known is not None:
            return known
        folder = path.parent if path.is_absolute() else self._process_cwd() / path.parent
        found = self._find(folder)
        resolved = self._resolve(found) if found is not None else self.default()
        self._by_folder[folder_text] = resolved
        return resolved

    def _process_cwd(self) -> Path:
        """The working directory relative inputs are read from (asked once)."""
        if self._cwd_of_process is None:
            self._cwd_of_process = Path.cwd()
        return self._cwd_of_process

    def _find(self, directory: Path) -> Path | None:
        """The nearest configuration at or above ``directory`` (each folder is looked at once)."""
        if directory not in self._found:
            found = _config_in(directory, self._listings.get(directory))
            if found is None and directory.parent != directory:
                found = self._find(directory.parent)
            self._found[directory] = found
        return self._found[directory]

    def loaded(self) -> list[Resolved]:
        """Every configuration this run has used so far."""
        return list(self._resolved.values())

    def _resolve(self, path: Path | None) -> Resolved:
        if path not in self._resolved:
            config = load_config(path) if path is not None else Config()
            self._resolved[path] = resolve(config, self.flags, self.cwd)
        return self._resolved[path]
