"""Benchmark mountlint against the floors it is measured by, side by side, in one run.

    python benchmarks/run.py [--repeat 5] [--corpus ../shared/corpus] [--checkov PATH]
                             [--no-checkov] [--quick] [--no-fail]

Every measurement runs as its own process and reports the median wall time of ``--repeat`` runs
and the peak resident memory of the measured process tree. The floors are: reading every file;
composing every file with libyaml (PyYAML's ``CSafeLoader``); building every kustomization with
``kubectl kustomize``, one after another; and, when it is installed, checkov's single docker-socket
check. The table ends with the targets of the speed issue and whether each is met.

The floors read YAML only, so the runs compared with them (and with checkov, which does not
render charts either) use ``--no-helm``; one more row shows ``large`` with its charts rendered.
The run that builds kustomizations, judged against the kustomize floor, remembers no build
(``MOUNTLINT_NO_CACHE=1``); one more row shows it in a user cache warmed by the run before,
with its ratio printed as information, not as a target.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
DEFAULT_CORPUS = REPO.parent / "shared" / "corpus"
SMALL_FILE = REPO / "examples" / "incident" / "rootfsmount.yaml"
MANIFEST = re.compile(r"\.(ya?ml|json)$")
RELEVANT = re.compile(rb"hostPath|volumeMounts")

_MEASURE = """
import resource, subprocess, sys, time
start = time.perf_counter()
subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
elapsed = time.perf_counter() - start
print(elapsed, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)
"""

_READ_FLOOR = """
import sys
for path in open(sys.argv[1]).read().splitlines():
    with open(path, "rb") as handle:
        handle.read()
"""

_COMPOSE_FLOOR = """
import sys, yaml
for path in open(sys.argv[1]).read().splitlines():
    with open(path, "rb") as handle:
        data = handle.read()
    try:
        for _ in yaml.compose_all(data, Loader=yaml.CSafeLoader):
            pass
    except yaml.YAMLError:
        pass
"""

_KUSTOMIZE_FLOOR = """
import subprocess, sys
for directory in open(sys.argv[1]).read().splitlines():
    subprocess.run(["kubectl", "kustomize", directory], stdout=subprocess.DEVNULL,
                   stderr=subprocess.DEVNULL, check=False)
"""


@dataclass
class Measurement:
    name: str
    seconds: float
    peak_mib: float
    runs: int


def measured_environment(**overrides: str) -> dict[str, str]:
    """The environment of a user's run: Python may cache bytecode, as it does by default."""
    environment = {
        key: value for key, value in os.environ.items() if key != "PYTHONDONTWRITEBYTECODE"
    }
    return {**environment, **overrides}


def measure(
    name: str, command: Sequence[str], repeat: int, environment: dict[str, str] | None = None
) -> Measurement:
    """Median wall time and the largest peak RSS over ``repeat`` runs of ``command``."""
    times, peaks = [], []
    for _ in range(repeat):
        output = subprocess.run(
            [sys.executable, "-c", _MEASURE, *command],
            capture_output=True,
            text=True,
            check=True,
            env=environment or measured_environment(),
        ).stdout.split()
        times.append(float(output[0]))
        peaks.append(int(output[1]) / 1024)
    return Measurement(name, statistics.median(times), max(peaks), repeat)


def manifest_files(root: Path) -> list[str]:
    return sorted(
        str(path) for path in root.rglob("*") if path.is_file() and MANIFEST.search(path.name)
    )


def relevant_files(corpus: Path) -> list[str]:
    files = []
    for part in ("real", "helm-rendered", "kustomize"):
        for path in manifest_files(corpus / part):
            with open(path, "rb") as handle:
                if RELEVANT.search(handle.read()):
                    files.append(path)
    return files


def kustomization_dirs(root: Path) -> list[str]:
    names = {"kustomization.yaml", "kustomization.yml", "Kustomization"}
    return sorted({str(path.parent) for path in root.rglob("*") if path.name in names})


def write_list(items: Sequence[str], directory: Path, name: str) -> str:
    path = directory / name
    path.write_text("\n".join(items) + "\n")
    return str(path)


def mountlint(*args: str) -> list[str]:
    return [sys.executable, "-m", "mountlint", "--exit-zero", "--format", "json", *args]


@dataclass
class Target:
    description: str
    numerator: str
    denominator: str | None
    limit: float
    at_most: bool = True  #: False: the ratio must be at least ``limit``


def run(args: argparse.Namespace) -> int:
    corpus: Path = args.corpus
    large = corpus / "large"
    if not large.is_dir():
        print(f"corpus not found at {corpus}", file=sys.stderr)
        return 2
    repeat = args.repeat
    results: dict[str, Measurement] = {}

    def add(
        key: str,
        name: str,
        command: Sequence[str],
        times: int | None = None,
        environment: dict[str, str] | None = None,
    ) -> None:
        print(f"measuring {name} ...", file=sys.stderr, flush=True)
        results[key] = measure(name, command, times or repeat, environment)

    with tempfile.TemporaryDirectory() as temporary:
        scratch = Path(temporary)
        large_files = write_list(manifest_files(large), scratch, "large.txt")
        relevant = relevant_files(corpus)
        relevant_list = write_list(relevant, scratch, "relevant.txt")
        kustomizations = write_list(kustomization_dirs(large), scratch, "kustomize.txt")
        python = sys.executable
        # a first run writes the bytecode caches, as any first run after installing does
        subprocess.run(mountlint(str(SMALL_FILE)), capture_output=True, env=measured_environment())

        add(
            "large_read", "large: read every file (floor)", [python, "-c", _READ_FLOOR, large_files]
        )
        add(
            "large_compose",
            "large: libyaml compose (floor)",
            [python, "-c", _COMPOSE_FLOOR, large_files],
        )
        add(
            "large_mountlint",
            "large: mountlint --no-kustomize --no-helm",
            mountlint("--no-kustomize", "--no-helm", str(large)),
        )
        add(
            "large_charts",
            "large: mountlint --no-kustomize (renders the charts with helm)",
            mountlint("--no-kustomize", str(large)),
        )
        if shutil.which("kubectl") and not args.quick:
            add(
                "large_kustomize_floor",
                "large: kubectl kustomize every kustomization (floor)",
                [python, "-c", _KUSTOMIZE_FLOOR, kustomizations],
                max(1, repeat // 2),
            )
            add(  # the target: every build runs, none is read from the user cache
                "large_kustomize",
                "large: mountlint (builds kustomizations)",
                mountlint(str(large)),
                max(1, repeat // 2),
                measured_environment(MOUNTLINT_NO_CACHE="1"),
            )
            remembered = measured_environment(XDG_CACHE_HOME=str(scratch / "user-cache"))
            remembered.pop("MOUNTLINT_NO_CACHE", None)
            print("warming the build cache ...", file=sys.stderr, flush=True)
            subprocess.run(mountlint(str(large)), capture_output=True, env=remembered)
            add(
                "large_kustomize_remembered",
                "large: mountlint, builds remembered from the run before",
                mountlint(str(large)),
                max(1, repeat // 2),
                remembered,
            )
        add(
            "relevant_compose",
            f"relevant ({len(relevant)} files): libyaml compose (floor)",
            [python, "-c", _COMPOSE_FLOOR, relevant_list],
        )
        add(
            "relevant_jobs1",
            "relevant: mountlint --no-helm --jobs 1",
            mountlint("--no-kustomize", "--no-helm", "--jobs", "1", *relevant),
        )
        add(
            "relevant_jobs2",
            "relevant: mountlint --no-helm --jobs 2",
            mountlint("--no-kustomize", "--no-helm", "--jobs", "2", *relevant),
        )
        add(
            "small_import",
            "small: python -c 'import ruamel.yaml, click'",
            [python, "-c", "import ruamel.yaml, click"],
            repeat * 3,
        )
        add(
            "small_mountlint",
            "small: mountlint rootfsmount.yaml",
            mountlint(str(SMALL_FILE)),
            repeat * 3,
        )
        checkov = args.checkov or shutil.which("checkov")
        if checkov and not args.no_checkov:
            only = [checkov, "--framework", "kubernetes", "--check", "CKV_K8S_27"]
            only += ["--skip-download", "--quiet", "--compact"]
            add("large_checkov", "large: checkov --check CKV_K8S_27", [*only, "-d", str(large)], 1)
            add(
                "relevant_checkov",
                "relevant: checkov --check CKV_K8S_27",
                [*only, "-f", *relevant],
                1,
            )

    targets = [
        Target(
            "large --no-kustomize <= 0.20x compose floor", "large_mountlint", "large_compose", 0.20
        ),
        Target(
            "large with builds <= 0.30x kustomize floor",
            "large_kustomize",
            "large_kustomize_floor",
            0.30,
        ),
        Target(
            "relevant --jobs 1 <= 1.3x compose floor", "relevant_jobs1", "relevant_compose", 1.3
        ),
        Target(
            "--jobs 2 >= 1.6x faster than --jobs 1",
            "relevant_jobs1",
            "relevant_jobs2",
            1.6,
            at_most=False,
        ),
        Target("small file <= 1.5x import floor", "small_mountlint", "small_import", 1.5),
        Target(
            "checkov / mountlint >= 100x on large",
            "large_checkov",
            "large_mountlint",
            100,
            at_most=False,
        ),
        Target(
            "checkov / mountlint >= 100x on relevant",
            "relevant_checkov",
            "relevant_jobs1",
            100,
            at_most=False,
        ),
    ]
    print()
    print("| measurement | median s | peak MiB | runs |")
    print("| --- | ---: | ---: | ---: |")
    for item in results.values():
        print(f"| {item.name} | {item.seconds:.3f} | {item.peak_mib:.0f} | {item.runs} |")
    print()
    print("| target | ratio | met |")
    print("| --- | ---: | --- |")
    failed = 0
    for target in targets:
        if target.numerator not in results or (
            target.denominator and target.denominator not in results
        ):
            print(f"| {target.description} | not measured | - |")
            continue
        ratio = results[target.numerator].seconds / results[target.denominator].seconds  # type: ignore[index]
        met = ratio <= target.limit if target.at_most else ratio >= target.limit
        failed += not met
        print(f"| {target.description} | {ratio:.2f}x | {'yes' if met else 'NO'} |")
    if "large_kustomize_remembered" in results and "large_kustomize_floor" in results:
        ratio = (
            results["large_kustomize_remembered"].seconds / results["large_kustomize_floor"].seconds
        )
        print(f"| large with builds remembered vs kustomize floor | {ratio:.2f}x | information |")
    peak = results["large_mountlint"].peak_mib
    print(
        f"| peak memory on large <= 100 MiB | {peak:.0f} MiB | {'yes' if peak <= 100 else 'NO'} |"
    )
    failed += peak > 100
    return 0 if failed == 0 or args.no_fail else 1


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--repeat", type=int, default=5, help="runs per measurement (median)")
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    parser.add_argument(
        "--checkov",
        help="the checkov command (default: checkov on PATH); install it in its own venv",
    )
    parser.add_argument("--no-checkov", action="store_true", help="skip checkov even if installed")
    parser.add_argument("--quick", action="store_true", help="skip the kustomize builds")
    parser.add_argument(
        "--no-fail", action="store_true", help="exit 0 even when a target is missed"
    )
    os.environ.setdefault("NO_COLOR", "1")
    sys.exit(run(parser.parse_args()))


if __name__ == "__main__":
    main()
