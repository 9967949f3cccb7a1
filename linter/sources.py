"""Find the files to lint, read them (or stdin) and decode them so that writing back is lossless."""

from __future__ import annotations

import codecs
import os
import stat
import sys
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

MANIFEST_SUFFIXES = (".yaml", ".yml", ".json")
SKIPPED_DIRS = frozenset({".git", ".hg", ".svn", "node_modules", "__pycache__", ".tox", ".venv"})
DEFAULT_MAX_FILE_SIZE = 10 * 1024 * 1024

#: Words without which a file cannot hold a finding: such files are never parsed.
RELEVANT_WORDS = ("hostPath", "volumeMounts", "mountPropagation", "recursiveReadOnly")
_RELEVANT_BYTES = tuple(word.encode() for word in RELEVANT_WORDS)


@dataclass(frozen=True)
class FileStamp:
    """What a file looked like when it was read, to refuse writing over a newer version."""

    size: int
    mtime_ns: int
    inode: int

    @classmethod
    def of(cls, path: Path) -> FileStamp:
        info = path.stat()
        return cls(info.st_size, info.st_mtime_ns, info.st_ino)


@dataclass
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


@dataclass(frozen=True)
class Decoded:
    """Text of a source plus what is needed to encode edited text back to the same bytes."""

    text: str
    encoding: str
    bom: bytes

    def encode(self, text: str) -> bytes:
        return self.bom + text.encode(self.encoding)


@dataclass(frozen=True)
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


@dataclass(frozen=True)
class InputProblem:
    """A path that could not be read; it makes the run exit 2."""

    display: str
    message: str


@dataclass
class Discovery:
    """Files found under the given paths, the problems met, and what was skipped on purpose."""

    files: list[Path] = field(default_factory=list)
    problems: list[InputProblem] = field(default_factory=list)
    skipped_template_dirs: list[Path] = field(default_factory=list)
    skipped_special: list[Path] = field(default_factory=list)


_CHART_MARKERS = ("Chart.yaml", "Chart.yml", "Chart.yaml.tmpl", "values.yaml")


def is_helm_templates_dir(path: Path) -> bool:
    """A chart's ``templates/`` folder (Go templates, not YAML): its parent holds a chart file."""
    return path.name == "templates" and any(
        (path.parent / marker).is_file() for marker in _CHART_MARKERS
    )


def is_helm_template_text(path: Path, text: str) -> bool:
    """A file under a ``templates/`` folder that uses Go template syntax."""
    return "{{" in text and "templates" in path.parent.parts


def discover(paths: Iterable[str]) -> Discovery:
    """Expand files and directories into the manifest files to lint, in a stable order."""
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
            _walk(path, found, seen, visited_dirs=set())
        elif stat.S_ISREG(info.st_mode):
            _add(path, found, seen)
        else:
            found.problems.append(InputProblem(given, "not a regular file or directory"))
    return found


def _add(path: Path, found: Discovery, seen: set[Path]) -> None:
    if path not in seen:
        seen.add(path)
        found.files.append(path)


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
            if is_helm_templates_dir(path):
                found.skipped_template_dirs.append(path)
                continue
            _walk(path, found, seen, visited_dirs)
        elif item.name.endswith(MANIFEST_SUFFIXES):
            if is_file:
                _add(path, found, seen)
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
        raw = path.read_bytes()
        stamp = FileStamp(info.st_size, info.st_mtime_ns, info.st_ino)
    except OSError as error:
        return InputProblem(display, _os_message(error))
    return Source(display=display, raw=raw, path=path, stamp=stamp)


def read_stdin(display: str | None) -> Source:
    """Read standard input; findings are reported under ``display`` (``--stdin-filename``)."""
    return Source(display=display or "-", raw=sys.stdin.buffer.read(), from_stdin=True)


def _os_message(error: OSError) -> str:
    return error.strerror.lower() if error.strerror else str(error)
