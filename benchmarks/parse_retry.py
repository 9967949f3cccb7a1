"""What reading a stream costs when the C parser rejects documents the YAML spec allows.

    python benchmarks/parse_retry.py [--repeat 3] [--corpus ../shared/corpus]

A document with ``[a:b]`` in it is rejected by the C parser and parsed again by the pure one.
Prints the best of ``--repeat`` wall times, in milliseconds, of ``parse_stream`` (C parser, then
the retry) beside the same stream without ``[a:b]`` (C parser only) and the pure parser alone.
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable
from pathlib import Path

from mountlint.yamlnodes import parse_stream

REPO = Path(__file__).resolve().parent.parent
BIG = Path("large/argo-cd/manifests/install.yaml")
SMALL = Path("real/kube-prometheus/manifests/nodeExporter-daemonset.yaml")
REJECTED = "\nx: [a:b]"


def best(action: Callable[[], object], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        action()
        times.append(time.perf_counter() - start)
    return min(times) * 1000


def streams(corpus: Path) -> dict[str, str]:
    big = (corpus / BIG).read_text(encoding="utf-8")
    small = (corpus / SMALL).read_text(encoding="utf-8")
    documents = big.split("\n---\n")
    return {
        "small file, parses": small,
        "small file, rejected by C": small + REJECTED,
        f"{len(documents)} documents, parse": big,
        "first document rejected by C": "\n---\n".join([documents[0] + REJECTED, *documents[1:]]),
        "last document rejected by C": "\n---\n".join([*documents[:-1], documents[-1] + REJECTED]),
        "every document rejected by C": "\n---\n".join(doc + REJECTED for doc in documents),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--corpus", type=Path, default=REPO.parent / "shared" / "corpus")
    args = parser.parse_args()
    print(
        "| stream | parse_stream | the same without `[a:b]` (C parser only) | pure parser alone |"
    )
    print("| --- | ---: | ---: | ---: |")
    for name, text in streams(args.corpus).items():
        assert parse_stream(text).problem is None, name
        mixed = best(lambda text=text: parse_stream(text), args.repeat)
        fast = best(lambda text=text: parse_stream(text.replace(REJECTED, "")), args.repeat)
        pure = best(lambda text=text: parse_stream(text, pure=True), 1)
        print(f"| {name} | {mixed:.1f} | {fast:.1f} | {pure:.1f} |")


if __name__ == "__main__":
    main()
