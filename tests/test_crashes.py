"""Input that used to kill mountlint: deep nesting, and a worker process that dies mid-run."""

from __future__ import annotations

import io
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from ruamel.yaml import YAML
from ruamel.yaml.error import YAMLError
from ruamel.yaml.events import CollectionEndEvent, CollectionStartEvent

from mountlint.nesting import MAX_NESTING, nesting_bound_within
from mountlint.yamlnodes import parse_stream

from helpers import EXAMPLES, run_mountlint

POD = EXAMPLES / "incident" / "rootfsmount.yaml"
DEEP = 30000  # the C composer overflowed the C stack between 20,000 and 30,000 levels


def _findings(stdout: str) -> list[tuple[str, str, int]]:
    report = json.loads(stdout)
    return [
        (Path(f["location"]["path"]).name, f["code"], f["location"]["line"])
        for f in report["findings"]
    ]


@pytest.mark.parametrize(
    ("text", "line"),
    [
        ("hostPath: " + "[" * DEEP + "]" * DEEP + "\n", 1),
        ("hostPath: " + "{a: " * DEEP + "1" + "}" * DEEP + "\n", 1),
        ("volumeMounts:\n" + "- " * DEEP + "x\n", 2),
        ("hostPath:\n" + "".join(" " * (i + 1) + "a:\n" for i in range(300)), 257),
        ('{"hostPath":\n' + "[" * DEEP + "]" * DEEP + "}\n", 2),
    ],
    ids=["flow-seq", "flow-map", "compact-seq", "block-map", "json"],
)
def test_deep_nesting_is_ml001_at_the_line_where_the_limit_was_passed(
    tmp_path: Path, text: str, line: int
) -> None:
    path = tmp_path / "deep.yaml"
    path.write_text(text)
    result = run_mountlint("--format", "json", str(path))
    assert result.returncode == 1, result.stderr
    assert _findings(result.stdout) == [("deep.yaml", "ML001", line)]
    message = json.loads(result.stdout)["findings"][0]["message"]
    assert f"deeper than {MAX_NESTING} levels" in message


def test_documents_before_a_deep_one_are_still_linted(tmp_path: Path) -> None:
    path = tmp_path / "two.yaml"
    path.write_text(POD.read_text() + "---\nhostPath: " + "[" * DEEP + "]" * DEEP + "\n")
    result = run_mountlint("--format", "json", "--select", "ML001,ML101", str(path))
    assert result.returncode == 1, result.stderr
    deep_line = POD.read_text().count("\n") + 2
    assert _findings(result.stdout) == [
        ("two.yaml", "ML101", 24),
        ("two.yaml", "ML001", deep_line),
    ]


@pytest.mark.parametrize("pure", [False, True], ids=["c", "pure"])
def test_the_limit_itself_is_read(pure: bool) -> None:
    def flow(depth: int) -> str:  # the root mapping is one level
        return "hostPath: " + "[" * (depth - 1) + "]" * (depth - 1) + "\n"

    at_limit = parse_stream(flow(MAX_NESTING), pure)
    assert at_limit.problem is None and len(at_limit.documents) == 1
    over = parse_stream(flow(MAX_NESTING + 1), pure)
    assert over.problem is not None and over.problem.column == 10 + MAX_NESTING - 1


def test_deep_configuration_file_is_a_config_error(tmp_path: Path) -> None:
    (tmp_path / ".mountlint.yaml").write_text(
        "runtime: containerd\nselect: " + "[" * DEEP + "]" * DEEP + "\n"
    )
    (tmp_path / "pod.yaml").write_text(POD.read_text())
    result = run_mountlint("pod.yaml", cwd=tmp_path)
    assert result.returncode == 2
    assert f"{tmp_path / '.mountlint.yaml'}:2: invalid YAML: nesting deeper than" in result.stderr
    assert "Traceback" not in result.stderr and "internal error" not in result.stderr


def test_deep_pyproject_table_is_a_config_error(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text(
        "[tool.mountlint]\nselect = " + "[" * DEEP + "]" * DEEP + "\n"
    )
    (tmp_path / "pod.yaml").write_text(POD.read_text())
    result = run_mountlint("pod.yaml", cwd=tmp_path)
    assert result.returncode == 2
    assert f"{tmp_path / 'pyproject.toml'}: invalid TOML: nesting is too deep" in result.stderr
    assert "internal error" not in result.stderr


def _folder_with_six_pods(tmp_path: Path, bad_name: str, bad_text: str) -> Path:
    folder = tmp_path / "manifests"
    folder.mkdir()
    (folder / bad_name).write_text(bad_text)
    for number in range(6):
        (folder / f"pod{number}.yaml").write_text(POD.read_text())
    return folder


def _assert_pods_fixed_and_reported(folder: Path, stdout: str) -> None:
    for number in range(6):
        assert "mountPropagation: HostToContainer" in (folder / f"pod{number}.yaml").read_text()
    reported = {name for name, _code, _line in _findings(stdout)}
    assert {f"pod{number}.yaml" for number in range(6)} <= reported


def test_jobs_fix_on_a_folder_with_a_deep_file_fixes_and_reports_the_rest(tmp_path: Path) -> None:
    folder = _folder_with_six_pods(
        tmp_path, "deep.yaml", "hostPath: " + "[" * DEEP + "]" * DEEP + "\n"
    )
    result = run_mountlint("--jobs", "2", "--fix", "--format", "json", str(folder))
    assert result.returncode == 1, result.stderr
    assert ("deep.yaml", "ML001", 1) in _findings(result.stdout)
    _assert_pods_fixed_and_reported(folder, result.stdout)


#: Runs the real command line with a fault: linting a file named crash*.yaml kills the process.
CRASHING_CLI = """
import os, signal, sys
import mountlint.cli as cli
import mountlint.runner as runner
real = runner.lint_source
def lint_source(source, settings):
    if source.path is not None and source.path.name.startswith("crash"):
        os.kill(os.getpid(), signal.SIGSEGV)
    return real(source, settings)
runner.lint_source = lint_source
sys.argv[0] = "mountlint"
cli.main()
"""


@pytest.mark.parametrize("pods", [6, 300])
def test_a_worker_that_dies_costs_only_its_own_file(tmp_path: Path, pods: int) -> None:
    folder = _folder_with_six_pods(tmp_path, "crash.yaml", POD.read_text())
    for number in range(6, pods):
        (folder / f"pod{number}.yaml").write_text(POD.read_text())
    result = subprocess.run(
        [
            sys.executable,
            "-c",
            CRASHING_CLI,
            "--jobs",
            "2",
            "--fix",
            "--format",
            "json",
            str(folder),
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 2, result.stderr
    assert f"{folder / 'crash.yaml'}: the process linting this file died" in result.stderr
    assert "HostToContainer" not in (folder / "crash.yaml").read_text()
    _assert_pods_fixed_and_reported(folder, result.stdout)
    report = json.loads(result.stdout)
    assert report["summary"]["fixed"] == pods


# --- the cheap bound never says "shallow enough" about text that is deeper ---------------------

_LEAVES = st.one_of(st.integers(0, 9), st.sampled_from(["a", "b c", "[x]", "{y}", "-", "?", ""]))
_TREES = st.recursive(
    _LEAVES,
    lambda children: st.one_of(
        st.lists(children, min_size=1, max_size=3),
        st.dictionaries(st.sampled_from(["a", "b", "c"]), children, min_size=1, max_size=3),
    ),
    max_leaves=40,
)


def _dump(data: Any, flow: bool | None, mapping: int, sequence: int, offset: int) -> str:
    yaml = YAML(typ="safe", pure=True)
    yaml.default_flow_style = flow
    yaml.indent(mapping=mapping, sequence=sequence, offset=offset)
    out = io.StringIO()
    yaml.dump(data, out)
    return out.getvalue()


def _exact_depth(text: str) -> int:
    depth = deepest = 0
    for event in YAML(typ="safe").parse(text):
        if isinstance(event, CollectionStartEvent):
            depth += 1
            deepest = max(deepest, depth)
        elif isinstance(event, CollectionEndEvent):
            depth -= 1
    return deepest


@settings(max_examples=300, deadline=None)
@given(
    data=_TREES,
    flow=st.sampled_from([None, True, False]),
    indents=st.sampled_from([(2, 2, 0), (2, 4, 2), (1, 2, 0), (4, 2, 0), (3, 3, 1), (1, 3, 1)]),
    documents=st.integers(1, 3),
)
def test_the_cheap_bound_is_never_below_the_real_depth(
    data: Any, flow: bool | None, indents: tuple[int, int, int], documents: int
) -> None:
    text = "---\n".join(_dump(data, flow, *indents) for _ in range(documents))
    depth = _exact_depth(text)
    assert not nesting_bound_within(text, depth - 1), (depth, text)


_PIECES = st.sampled_from(
    ["[", "]", "{", "}", ", ", ": ", "- ", "? ", "-", "\n", "\r\n", "\r", "\u2028", "\x85", " ",
     "  ", "\t", "a", "'", '"', "#", " #", "|\n", ">-\n", "---\n", "...\n", "&x ", "*x", "!t ",
     "\\", "{{ v }}", "[[ x ]]", "''", "\ufeff"]
)  # fmt: skip


def _depth_before_any_error(text: str) -> int:
    """The deepest nesting the parser reaches, up to a syntax error if there is one (composing
    goes as deep before it stops there)."""
    depth = deepest = 0
    try:
        for event in YAML(typ="safe").parse(text):
            if isinstance(event, CollectionStartEvent):
                depth += 1
                deepest = max(deepest, depth)
            elif isinstance(event, CollectionEndEvent):
                depth -= 1
    except YAMLError:
        pass
    return deepest


@settings(max_examples=3000, deadline=None)
@given(pieces=st.lists(_PIECES, max_size=60))
def test_the_cheap_bound_holds_for_odd_yaml(pieces: list[str]) -> None:
    text = "".join(pieces)
    depth = _depth_before_any_error(text)
    assert not nesting_bound_within(text, depth - 1), (depth, text)


def _merge_pod(sources: str, links: int) -> str:
    """A pod whose volume inherits its hostPath through ``links`` anchored merge keys."""
    lines = ["apiVersion: v1", "kind: Pod", "metadata: {name: p}", "x:"]
    lines.append("  a0: &a0 {hostPath: {path: /}}")
    for number in range(1, links + 1):
        merged = sources.format(previous=number - 1)
        lines.append(f"  a{number}: &a{number} {{<<: {merged}}}")
    lines += [
        "spec:",
        "  volumes:",
        f"    - <<: *a{links}",
        "      name: v",
        "  containers: [{name: c, image: i, volumeMounts: [{name: v, mountPath: /rootfs}]}]",
    ]
    return "\n".join(lines) + "\n"


@pytest.mark.parametrize(
    ("sources", "links"),
    [("*a{previous}", 3000), ("[*a{previous}, *a{previous}]", 40)],
    ids=["chain", "doubling"],
)
def test_merge_key_chains_and_bombs_are_read_in_linear_time(
    tmp_path: Path, sources: str, links: int
) -> None:
    path = tmp_path / "merges.yaml"
    path.write_text(_merge_pod(sources, links))
    result = run_mountlint("--format", "json", "--select", "ML101", str(path), timeout=60)
    assert result.returncode == 1, result.stderr
    assert [code for _name, code, _line in _findings(result.stdout)] == ["ML101"]
