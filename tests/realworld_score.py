"""Score ML101 against the hand-labelled real node agents in ``tests/realworld``.

The labels (``tests/realworld/labels.yaml``) say, for every hostPath volumeMount in the inputs,
whether it really pins mounts the node must remove. This module lists those mounts from the inputs
on its own (plain YAML, no mountlint code), runs a ``mountlint`` command over the inputs, matches
every ML101 finding at warning or error level to a labelled mount, and computes precision and
recall. ``tests/test_realworld.py`` asserts on the result; running this file prints it:

    python tests/realworld_score.py                     # the installed mountlint
    python tests/realworld_score.py --mountlint /path/to/venv/bin/mountlint
"""

from __future__ import annotations

import argparse
import json
import re
import subprocess
import sys
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.error import YAMLError

REALWORLD = Path(__file__).resolve().parent / "realworld"
LABELS = REALWORLD / "labels.yaml"
#: Folders that hold Helm chart sources; their render is the input, not the templates.
CHART_SOURCES = "chart"
#: Levels that count as a report; ``info`` is advice and is not scored.
SCORED_LEVELS = ("warning", "error")
_TEMPLATE_KINDS = frozenset(
    {"Deployment", "DaemonSet", "StatefulSet", "ReplicaSet", "ReplicationController", "Job"}
)
_CONTAINER_LISTS = ("initContainers", "containers", "ephemeralContainers")
#: The labels assume the default runtime profile: name it so that a config file cannot change it.
_RUN_OPTIONS = ("--runtime", "containerd", ".")

#: file, kind, namespace, name, container, mountPath
MountKey = tuple[str, str, str | None, str, str, str]


@dataclass(frozen=True)
class Label:
    """One labelled hostPath mount."""

    key: MountKey
    host_path: str
    hazard: bool
    reason: str


@dataclass
class Score:
    """How a run's findings compare with the labels."""

    labels: dict[MountKey, Label]
    flagged: dict[MountKey, list[str]] = field(default_factory=dict)
    unmatched: list[str] = field(default_factory=list)
    info: int = 0

    @property
    def repeated(self) -> dict[MountKey, list[str]]:
        """Mounts with more than one warning or error: one finding per mount is the rule."""
        return {key: where for key, where in self.flagged.items() if len(where) > 1}

    @property
    def true_positives(self) -> list[Label]:
        return [label for key, label in self.labels.items() if label.hazard and key in self.flagged]

    @property
    def false_positives(self) -> list[Label]:
        return [
            label for key, label in self.labels.items() if not label.hazard and key in self.flagged
        ]

    @property
    def false_negatives(self) -> list[Label]:
        return [
            label for key, label in self.labels.items() if label.hazard and key not in self.flagged
        ]

    @property
    def precision(self) -> float:
        reported = len(self.true_positives) + len(self.false_positives)
        return len(self.true_positives) / reported if reported else 1.0

    @property
    def recall(self) -> float:
        hazards = len(self.true_positives) + len(self.false_negatives)
        return len(self.true_positives) / hazards if hazards else 1.0

    def report(self) -> str:
        """A short, printable summary with every disagreement."""
        hazards = sum(label.hazard for label in self.labels.values())
        projects = {key[0].split("/", 1)[0] for key in self.labels}
        lines = [
            f"ML101 on tests/realworld: {len(projects)} projects, {len(self.labels)} hostPath "
            f"mounts, {hazards} hazards",
            f"  warning/error findings on {len(self.flagged)} mounts: "
            f"{len(self.true_positives)} true, {len(self.false_positives)} false; "
            f"{len(self.false_negatives)} hazards missed",
            f"  precision {self.precision:.3f}  recall {self.recall:.3f}  "
            f"(info-level findings, not scored: {self.info})",
        ]
        for title, items in (
            ("false positives", self.false_positives),
            ("false negatives", self.false_negatives),
        ):
            if items:
                lines.append(f"  {title}:")
                lines.extend(f"    {_describe(label)}: {label.reason}" for label in items)
        if self.repeated:
            lines.append("  mounts with more than one finding:")
            lines.extend(f"    {key}: {where}" for key, where in self.repeated.items())
        if self.unmatched:
            lines.append("  findings that match no labelled mount:")
            lines.extend(f"    {text}" for text in self.unmatched)
        return "\n".join(lines)


def _describe(label: Label) -> str:
    file, kind, namespace, name, container, mount_path = label.key
    where = f"{namespace}/{name}" if namespace else name
    return f"{file} {kind} {where} [{container}] {label.host_path} at {mount_path}"


def _yaml() -> YAML:
    """A plain safe loader: the inputs are read without any mountlint code."""
    return YAML(typ="safe", pure=True)


def load_labels(path: Path = LABELS) -> dict[MountKey, Label]:
    """Read the labels; raise ``ValueError`` on a malformed or repeated entry."""
    document = _yaml().load(path.read_text(encoding="utf-8"))
    labels: dict[MountKey, Label] = {}
    for entry in document["mounts"]:
        if not isinstance(entry.get("hazard"), bool) or not str(entry.get("reason") or "").strip():
            raise ValueError(f"label needs hazard: true|false and a reason: {entry}")
        key: MountKey = (
            entry["file"],
            entry["kind"],
            entry["namespace"],
            entry["name"],
            entry["container"],
            entry["mountPath"],
        )
        if key in labels:
            raise ValueError(f"mount labelled twice: {key}")
        labels[key] = Label(key, entry["hostPath"], entry["hazard"], entry["reason"])
    return labels


def input_files(root: Path = REALWORLD) -> list[Path]:
    """The manifests under ``root``: every YAML file except the labels and chart sources."""
    return sorted(
        path
        for path in root.rglob("*")
        if path.suffix in (".yaml", ".yml")
        and path != root / LABELS.name
        and CHART_SOURCES not in path.relative_to(root).parts[1:2]
    )


def _objects(document: Any) -> Iterator[dict[str, Any]]:
    if not isinstance(document, dict):
        return
    if document.get("kind") == "List":
        for item in document.get("items") or []:
            yield from _objects(item)
    else:
        yield document


def _pod_spec(obj: dict[str, Any]) -> dict[str, Any] | None:
    kind = obj.get("kind")
    spec = obj.get("spec") or {}
    if kind == "Pod":
        return spec
    if kind == "CronJob":
        return spec["jobTemplate"]["spec"]["template"]["spec"]  # type: ignore[no-any-return]
    if kind in _TEMPLATE_KINDS:
        return spec["template"]["spec"]  # type: ignore[no-any-return]
    return None


def host_path_mounts(root: Path = REALWORLD) -> dict[MountKey, str]:
    """Every hostPath volumeMount in the inputs, read as plain YAML: key -> host path."""
    mounts: dict[MountKey, str] = {}
    for path in input_files(root):
        relative = path.relative_to(root).as_posix()
        for document in _yaml().load_all(path.read_text(encoding="utf-8")):
            for obj in _objects(document):
                spec = _pod_spec(obj)
                if spec is None:
                    continue
                volumes = {volume["name"]: volume for volume in spec.get("volumes") or []}
                metadata = obj.get("metadata") or {}
                for list_name in _CONTAINER_LISTS:
                    for container in spec.get(list_name) or []:
                        for mount in container.get("volumeMounts") or []:
                            volume = volumes.get(mount["name"]) or {}
                            if "hostPath" not in volume:
                                continue
                            key: MountKey = (
                                relative,
                                obj["kind"],
                                metadata.get("namespace"),
                                metadata["name"],
                                container["name"],
                                mount["mountPath"],
                            )
                            mounts[key] = volume["hostPath"]["path"]
    return mounts


_STEP = re.compile(r"([^.\[\]]+)|\[(\d+)\]")


def _walk(node: Any, field_path: str) -> list[Any]:
    """The nodes along ``field_path`` (``items[1].spec.containers[0]...``) from ``node``."""
    trail = [node]
    for name, index in _STEP.findall(field_path):
        node = node[int(index)] if index else node[name]
        trail.append(node)
    return trail


def _finding_key(finding: dict[str, Any], root: Path) -> MountKey | None:
    """The labelled mount a finding points at, found by its field path in its file."""
    path = Path(finding["location"]["path"])
    path = path if path.is_absolute() else root / path
    wanted = finding["object"]
    container_path, _, _ = finding["field_path"].rpartition(".volumeMounts[")
    try:
        documents = list(_yaml().load_all(path.read_text(encoding="utf-8")))
        relative = path.resolve().relative_to(root.resolve()).as_posix()
    except (OSError, ValueError, YAMLError):
        return None
    for document in documents:
        try:
            trail = _walk(document, finding["field_path"])
            container = _walk(document, container_path)[-1]
        except (KeyError, IndexError, TypeError):
            continue
        owner = next(
            (
                node
                for node in reversed(trail)
                if isinstance(node, dict) and node.get("kind") == wanted["kind"]
            ),
            None,
        )
        metadata = (owner or {}).get("metadata") or {}
        if metadata.get("name") != wanted["name"]:
            continue
        if metadata.get("namespace") != wanted["namespace"]:
            continue
        return (
            relative,
            wanted["kind"],
            wanted["namespace"],
            wanted["name"],
            container["name"],
            trail[-1]["mountPath"],
        )
    return None


def run_ml101(mountlint: Sequence[str], root: Path = REALWORLD) -> list[dict[str, Any]]:
    """ML101 findings of ``mountlint`` over ``root`` (JSON report), at every level."""
    result = subprocess.run(
        [*mountlint, "--select", "ML101", "--format", "json", "--exit-zero", *_RUN_OPTIONS],
        cwd=root,
        capture_output=True,
        text=True,
        timeout=300,
    )
    if result.returncode != 0 or "Traceback" in result.stderr:
        raise RuntimeError(f"mountlint failed ({result.returncode}): {result.stderr}")
    return [f for f in json.loads(result.stdout)["findings"] if f["code"] == "ML101"]


def score(findings: list[dict[str, Any]], labels: dict[MountKey, Label], root: Path) -> Score:
    """Match warning- and error-level findings to labels."""
    result = Score(labels)
    for finding in findings:
        if finding["severity"] not in SCORED_LEVELS:
            result.info += 1
            continue
        key = _finding_key(finding, root)
        location = f"{finding['location']['path']}:{finding['location']['line']}"
        if key is None or key not in labels:
            result.unmatched.append(f"{location} {finding['field_path']}: {finding['message']}")
            continue
        result.flagged.setdefault(key, []).append(f"{location} [{finding['severity']}]")
    return result


def main(argv: Sequence[str] | None = None) -> int:
    """Print the score of a mountlint command (default: this interpreter's mountlint)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--mountlint",
        default=None,
        help="mountlint executable to score (default: python -m mountlint)",
    )
    args = parser.parse_args(argv)
    command = [args.mountlint] if args.mountlint else [sys.executable, "-m", "mountlint"]
    labels = load_labels()
    print(score(run_ml101(command), labels, REALWORLD).report())
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
