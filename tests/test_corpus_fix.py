"""Whole-corpus check: --fix --unsafe-fixes over every real manifest never loses data."""

from __future__ import annotations

import difflib
import shutil
from pathlib import Path

import pytest
from test_fixer_properties import _data, _strip_fix_keys, _without_fix_keys

from mountlint.sources import Decoded, decode
from mountlint.yamlnodes import parse_stream

from helpers import run_mountlint


def _snapshot(root: Path) -> dict[Path, bytes]:
    return {
        path: path.read_bytes()
        for path in sorted(root.rglob("*"))
        if path.is_file() and not path.is_symlink()
    }


def _text(data: bytes) -> str | None:
    decoded = decode(data)
    return decoded.text if isinstance(decoded, Decoded) else None


@pytest.mark.slow
def test_fix_over_the_whole_corpus(corpus: Path, tmp_path: Path) -> None:
    copy = tmp_path / "corpus"
    shutil.copytree(corpus, copy, symlinks=True)
    for path in copy.rglob("*"):
        if not path.is_symlink():
            path.chmod(path.stat().st_mode | 0o200)  # the shared copy may be read-only
    before = _snapshot(copy)
    first = run_mountlint(
        "--fix",
        "--unsafe-fixes",
        "--select",
        "ALL",
        "--exit-zero",
        str(copy),
        cwd=tmp_path,
        timeout=1500,
    )
    assert "Traceback" not in first.stderr and "internal error" not in first.stderr, first.stderr[
        -2000:
    ]
    after = _snapshot(copy)
    assert set(before) == set(after), "files appeared or vanished"
    changed = [path for path in before if before[path] != after[path]]
    assert changed, "the corpus has fixable findings; nothing was fixed"
    for path in changed:
        old, new = _text(before[path]), _text(after[path])
        assert old is not None and new is not None, path
        old_stream, new_stream = parse_stream(old), parse_stream(new)
        if old_stream.problem is None:
            assert new_stream.problem is None, (path, new_stream.problem)
            assert _strip_fix_keys(_data(new)) == _strip_fix_keys(_data(old)), path
        lines_old, lines_new = old.splitlines(keepends=True), new.splitlines(keepends=True)
        matcher = difflib.SequenceMatcher(a=lines_old, b=lines_new, autojunk=False)
        for tag, a0, a1, b0, b1 in matcher.get_opcodes():
            if tag != "equal":
                removed = [_without_fix_keys(line) for line in lines_old[a0:a1]]
                added = [_without_fix_keys(line) for line in lines_new[b0:b1]]
                assert [x for x in removed if x] == [x for x in added if x], (path, removed, added)
    second = run_mountlint(
        "--fix",
        "--unsafe-fixes",
        "--select",
        "ALL",
        "--exit-zero",
        str(copy),
        cwd=tmp_path,
        timeout=1500,
    )
    assert "Traceback" not in second.stderr
    assert _snapshot(copy) == after, "a second run changed files"
