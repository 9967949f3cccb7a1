"""Fuzz the loader and the fixer with atheris (coverage-guided).

    pip install atheris
    python fuzz/fuzz_mountlint.py --seed /tmp/mountlint-seeds
    python fuzz/fuzz_mountlint.py /tmp/mountlint-seeds -max_total_time=600

Each input is linted with every rule and fixed with ``--fix --unsafe-fixes`` semantics. Any
exception is a bug; so is a fix that breaks parsing, changes the number of documents, or is not
stable on a second run. ``--seed DIR`` copies the rule fixtures and the examples into DIR as
the starting corpus.
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


def check(data: bytes) -> None:
    """Lint and fix one input; raise on anything that must never happen."""
    from mountlint.engine import lint_source
    from mountlint.fixes import fix_text
    from mountlint.settings import Settings
    from mountlint.sources import Source
    from mountlint.yamlnodes import parse_stream

    settings = Settings(select=None)
    everything = Settings(select=frozenset(_all_codes()))
    for chosen in (settings, everything):
        result = lint_source(Source(display="fuzz.yaml", raw=data), chosen)
        if result.decoded is None:
            continue
        text = result.decoded.text
        outcome = fix_text(text, "fuzz.yaml", chosen, unsafe=True)
        if outcome.text == text:
            continue
        before, after = parse_stream(text), parse_stream(outcome.text)
        if (before.problem is None) != (after.problem is None):
            raise AssertionError("a fix changed whether the text parses")
        if len(before.documents) != len(after.documents):
            raise AssertionError("a fix changed the number of documents")
        again = fix_text(outcome.text, "fuzz.yaml", chosen, unsafe=True)
        if again.text != outcome.text:
            raise AssertionError("fixing twice changed the text again")


def _all_codes() -> list[str]:
    from mountlint.registry import all_rules

    return [item.rule.code for item in all_rules()]


def seed(directory: Path) -> None:
    directory.mkdir(parents=True, exist_ok=True)
    sources = [
        *(REPO / "tests" / "fixtures" / "rules").rglob("*.yaml"),
        *(REPO / "examples").rglob("*.yaml"),
    ]
    for number, path in enumerate(sorted(sources)):
        shutil.copy(path, directory / f"seed-{number:03d}.yaml")


def main() -> None:
    if len(sys.argv) == 3 and sys.argv[1] == "--seed":
        seed(Path(sys.argv[2]))
        return
    import atheris

    with atheris.instrument_imports():
        import mountlint.engine
        import mountlint.fixes  # noqa: F401

    atheris.Setup(sys.argv, check)
    atheris.Fuzz()


if __name__ == "__main__":
    main()
