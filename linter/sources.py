"""Find the files to lint, read them (or stdin) and decode them so that writing back is lossless."""

from __future__ import annotations

import codecs
import os
import stat
import sys
from collections.abc import Iterable
from dataclasses import field
from pathlib import Path

from mountlint.records import record

MANIFEST_SUFFIXES = (".yaml", ".yml", ".json")
SKIPPED_DIRS = frozenset({".git", ".hg", ".svn", "node_modules", "__pycache__", ".tox", ".venv"})
DEFAULT_MAX_FILE_SIZE = 10 * 1024 * 1024

#: Words without which a file cannot hold a finding: such files are never parsed.
RELEVANT_WORDS = ("hostPath", "volumeMounts", "mountPropagation", "recursiveReadOnly")
_RELEVANT_BYTES = tuple(word.encode() for word in RELEVANT_WORDS)


@record(frozen=True)
class FileStamp:
    """What a file looked like when it was read, to refuse writing over a newer version."""

    size: int
    mtime_ns: int
    inode: int

    @classmethod
    def of(cls, path: Path) -> FileStamp:
        info = path.stat()
        return cls(info.st_size, info.st_mtime_ns, info.st_ino)


@record
class Source:
    """One input: its bytes as read and where findings in it are reported."""

    display: str
    raw: bytes
    path: Path | None = None
    stamp: FileStamp | None = None
    #: read from standard input, where ``--fix -`` writes it back (not text rendered by helm)
    from_stdin: bool = False

    @property
    def is_stdin(self) -> bool:
        return self.path is None


@record(frozen=True)
class Decoded:
    """Text of a source plus what is needed to encode edited text back to the same bytes."""

    text: str
    encoding: str
    bom: bytes

    def encode(self, text: str) -> bytes:
        return self.bom + text.encode(self.encoding)


@record(frozen=True)
class DecodeProblem:
    """Bytes that are not text in a supported encoding, located at a line."""

    message: str
    line: int
    column: int


_BOMS: tuple[tuple[bytes, str], ...] = (
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)


def decode(raw: bytes) -> Decoded | DecodeProblem:
    """Decode UTF-8 (with or without BOM) or BOM-marked UTF-16/32; say where decoding fails."""
    encoding, bom = "utf-8", b""
    for mark, name in _BOMS:
        if raw.startswith(mark):
            encoding, bom = name, mark
            break
    body = raw[len(bom) :]
    try:
        text = body.decode(encoding)
    except UnicodeDecodeError as error:
        before = body[: error.start]
        line = before.count(b"\n")
        column = len(before) - (before.rfind(b"\n") + 1)
        return DecodeProblem(
            f"not valid {encoding.upper()} text: byte 0x{body[error.start]:02x} "
            f"at byte offset {error.start + len(bom)}",
            line,
            column,
        )
    if "\x00" in text:
        index = text.index("\x00")
        line = text.count("\n", 0, index)
        return DecodeProblem(
            "binary data (NUL character) in a text file",
            line,
            index - (text.rfind("\n", 0, index) + 1),
        )
    return Decoded(text, encoding, bom)


def may_hold_findings(raw: bytes) -> bool:
    """Cheap byte test: can this input produce a finding at all?"""
    if raw[:2] in (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE):
        decoded = decode(raw)
        text = decoded.text if isinstance(decoded, Decoded) else ""
        return any(word in text for word in RELEVANT_WORDS)
    return any(word in raw for word in _RELEVANT_BYTES)


@record(frozen=True)
class InputProblem:
    """A path that could not be read (or, ``writing``, a fixed file not written); exit 2."""

    display: str
    message: str
    writing: bool = False


@record
class Discovery:
    """Files found under the given paths, the problems met, and what was skipped on purpose."""

    files: list[Path] = field(default_factory=list)
    problems: list[InputProblem] = field(default_factory=list)
    skipped_template_dirs: list[Path] = field(default_factory=list)
    skipped_special: list[Path] = field(default_factory=list)
    skipped_symlinked_dirs: list[Path] = field(default_factory=list)
    symlinked_files: set[Path] = field(default_factory=set)
    #: Helm charts among the inputs (folders, and the charts of templates given as files)
    charts: list[Path] = field(default_factory=list)
    #: The names in each folder walked: what else wants to know needs no more file-system calls
    listings: dict[Path, frozenset[str]] = field(default_factory=dict)


_CHART_MARKERS = ("Chart.yaml", "Chart.yml", "Chart.yaml.tmpl", "values.yaml")
#: Files that make a folder a Helm chart (``Chart.yaml.tmpl``: charts whose build generates it).
CHART_FILES = ("Chart.yaml", "Chart.yaml.tmpl")


def is_chart_dir(path: Path) -> bool:
    """A folder holding ``Chart.yaml`` (or ``Chart.yaml.tmpl``)."""
    return any((path / name).is_file() for name in CHART_FILES)


def find_chart_dir(start: Path) -> Path | None:
    """The chart directory at ``start``, next to it (a file), or above it; None when there is none.

    The search stops at the first directory holding ``.git`` so that it never leaves the
    repository the input is in.
    """
    start = Path(start)
    here = start if start.is_dir() else start.parent
    absolute = Path(os.path.abspath(here))
    for directory in (absolute, *absolute.parents):
        if is_chart_dir(directory):
            if start.is_absolute():
                return directory
            return Path(os.path.relpath(directory))
        if (directory / ".git").exists():
            return None
    return None


def chart_root(chart: Path) -> Path:
    """The chart ``helm template`` renders ``chart`` with: its parent when it is a subchart."""
    while chart.parent.name == "charts" and is_chart_dir(chart.parent.parent):
        chart = chart.parent.parent
    return chart


def chart_of_template(path: Path) -> Path | None:
    """The chart to render for a file under a chart's ``templates/`` folder (None otherwise).

    A relative ``path`` gives a chart path relative to the working directory.
    """
    text = os.path.abspath(path)
    if f"{os.sep}templates{os.sep}" not in text:
        return None  # most files: no folder to look at
    absolute = Path(text)
    for folder in absolute.parents:
        if folder.name == "templates" and is_chart_dir(folder.parent):
            chart = chart_root(folder.parent)
            return chart if path.is_absolute() else Path(os.path.relpath(chart))
    return None


def is_helm_template_text(path: Path, text: str) -> bool:
    """A file under a ``templates/`` folder that uses Go template syntax."""
    return "templates" in path.parent.parts and "{{" in text


def discover(paths: Iterable[str]) -> Discovery:
    """Expand files and directories into the manifest files to lint, in a stable order.

    Like git and ruff, the walk never enters a symlinked folder: a link to ``/`` or to a node's
    ``/etc/kubernetes/manifests`` in a cloned repository must not become input (nor be fixed).
    Paths named on the command line are followed, links or not.
    """
    found = Discovery()
    seen: set[Path] = set()
    for given in paths:
        path = Path(given)
        try:
            info = path.stat()
        except FileNotFoundError:
            found.problems.append(InputProblem(given, "no such file or directory"))
            continue
        except OSError as error:
            found.problems.append(InputProblem(given, _os_message(error)))
            continue
        if stat.S_ISDIR(info.st_mode):
            chart = chart_root(path) if is_chart_dir(path) else chart_of_template(path / "_")
            if chart is not None:
                _add_chart(chart, found)
            _walk(path, found, seen, visited_dirs=set())
        elif stat.S_ISREG(info.st_mode):
            chart = chart_of_template(path)
            if chart is not None:
                _add_chart(chart, found)
            _add(path, found, seen)
            if path.is_symlink():
                found.symlinked_files.add(path)
        else:
            found.problems.append(InputProblem(given, "not a regular file or directory"))
    _drop_links_to_found_files(found)
    return found


def _is_file(item: os.DirEntry[str]) -> bool:
    try:
        return item.is_file()
    except OSError:
        return False


def _drop_links_to_found_files(found: Discovery) -> None:
    """A symlinked file whose target is also among the inputs is linted (and fixed) once."""
    links = found.symlinked_files
    if not links:
        return
    targets: set[Path] = {path.resolve() for path in found.files if path not in links}
    kept = []
    for path in found.files:
        if path in links:
            target = path.resolve()
            if target in targets:
                continue
            targets.add(target)
        kept.append(path)
    found.files = kept


def _add(path: Path, found: Discovery, seen: set[Path]) -> None:
    if path not in seen:
        seen.add(path)
        found.files.append(path)


def _add_chart(chart: Path, found: Discovery) -> None:
    if chart not in found.charts:
        found.charts.append(chart)


def _walk(
    directory: Path, found: Discovery, seen: set[Path], visited_dirs: set[tuple[int, int]]
) -> None:
    try:
        info = directory.stat()
    except OSError as error:
        found.problems.append(InputProblem(str(directory), _os_message(error)))
        return
    identity = (info.st_dev, info.st_ino)
    if identity in visited_dirs:
        return  # a symlink loop, or a directory reached twice
    visited_dirs.add(identity)
    try:
        with os.scandir(directory) as scan:
            entries = sorted(scan, key=lambda item: item.name)
    except OSError as error:
        found.problems.append(InputProblem(str(directory), _os_message(error)))
        return
    found.listings[directory] = frozenset(item.name for item in entries)
    chart_files = [item for item in entries if item.name in _CHART_MARKERS]
    if any(item.name in CHART_FILES and _is_file(item) for item in chart_files):
        _add_chart(chart_root(directory), found)  # a subchart is rendered with its parent
    # a ``templates/`` folder beside any chart file holds Go templates, not YAML
    holds_chart = any(_is_file(item) for item in chart_files)
    for item in entries:
        path = Path(item.path)
        try:
            is_dir = item.is_dir()
            is_file = item.is_file()
        except OSError:
            continue
        if is_dir:
            if item.name in SKIPPED_DIRS:
                continue
            if item.is_symlink():
                found.skipped_symlinked_dirs.append(path)
                continue
            if item.name == "templates" and holds_chart:
                if is_chart_dir(path):
                    _add_chart(chart_root(path), found)
                found.skipped_template_dirs.append(path)
                continue
            _walk(path, found, seen, visited_dirs)
        elif item.name.endswith(MANIFEST_SUFFIXES):
            if is_file:
                _add(path, found, seen)
                if item.is_symlink():
                    found.symlinked_files.add(path)
            elif not item.is_symlink() or path.exists():
                found.skipped_special.append(path)


def read_file(path: Path, max_size: int = DEFAULT_MAX_FILE_SIZE) -> Source | InputProblem:
    """Read a regular file whole; never open FIFOs or devices; refuse files over ``max_size``."""
    display = str(path)
    try:
        info = path.stat()
        if not stat.S_ISREG(info.st_mode):
            return InputProblem(display, "not a regular file")
        if info.st_size > max_size:
            return InputProblem(
                display,
                f"skipped: {info.st_size} bytes is more than --max-file-size ({max_size} bytes)",
            )
        raw = _read_whole(display, info.st_size)
        stamp = FileStamp(info.st_size, info.st_mtime_ns, info.st_ino)
    except OSError as error:
        return InputProblem(display, _os_message(error))
    return Source(display=display, raw=raw, path=path, stamp=stamp)


def _read_whole(path: str, size: int) -> bytes:
    """Every byte of the file at ``path`` (``size`` long when it was looked at), with plain
    system calls: no file object is built for a file read once (thousands of them in a run)."""
    flags = os.O_RDONLY | getattr(os, "O_BINARY", 0) | getattr(os, "O_NOCTTY", 0)
    descriptor = os.open(path, flags)
    try:
        parts = []
        while block := os.read(descriptor, max(size + 1, 1 << 16)):
            parts.append(block)
        return parts[0] if len(parts) == 1 else b"".join(parts)
    finally:
        os.close(descriptor)


def read_stdin(display: str | None) -> Source:
    """Read standard input; findings are reported under ``display`` (``--stdin-filename``)."""
    return Source(display=display or "-", raw=sys.stdin.buffer.read(), from_stdin=True)


def _os_message(error: OSError) -> str:
    return error.strerror.lower() if error.strerror else str(error)
