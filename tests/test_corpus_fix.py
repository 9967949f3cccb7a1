"""Whole-corpus check: --fix --unsafe-fixes over every real manifest never loses data."""

from __future__ import annotations

import difflib
import json
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


def _is_json(data: bytes) -> bool:
    try:
        json.loads(data)
    except ValueError:
        return False
    return True


def _add_json_twins(root: Path) -> int:
    """Write each YAML manifest under ``real/`` that mounts a host path as JSON beside it.

    The corpus holds no fixable JSON manifest, so its pods are also tried as JSON: compact and
    indented, a multi-document file as a List.
    """
    from ruamel.yaml import YAML

    loader = YAML(typ="safe", pure=True)
    written = 0
    for path in sorted((root / "real").rglob("*.yaml")):
        text = path.read_text(encoding="utf-8", errors="replace")
        if "hostPath" not in text or "{{" in text:
            continue
        try:
            documents = [doc for doc in loader.load_all(text) if isinstance(doc, dict)]
        except Exception:
            continue
        if not documents:
            continue
        data = (
            documents[0]
            if len(documents) == 1
            else {"apiVersion": "v1", "kind": "List", "items": documents}
        )
        twin = path.with_name(f"{path.stem}.twin.json")
        twin.write_text(json.dumps(data, indent=2 if written % 2 else None, default=str) + "\n")
        written += 1
    return written


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
    assert _add_json_twins(copy)
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
    changed_json = [path for path in changed if path.suffix == ".json"]
    assert changed_json, "the corpus has fixable JSON manifests; none was fixed"
    for path in changed_json:
        if _is_json(before[path]):  # a few test assets are deliberately not JSON
            json.loads(after[path])
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
