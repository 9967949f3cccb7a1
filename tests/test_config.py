"""Configuration: discovery, validation with file/line/key errors, selection and overrides."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

import jsonschema
import pytest

from mountlint.config import (
    CommandLine,
    Config,
    ConfigError,
    find_config,
    is_excluded,
    load_config,
    resolve,
    resolve_selectors,
    schema,
)
from mountlint.engine import lint_text
from mountlint.rule import Severity

from helpers import EXAMPLES, run_mountlint

BAD = (EXAMPLES / "incident" / "rootfsmount.yaml").read_text()

VAR_LOG = textwrap.dedent(
    """\
    apiVersion: v1
    kind: Pod
    metadata: {name: logs}
    spec:
      containers:
        - name: a
          image: busybox
          volumeMounts:
            - {name: pods, mountPath: /pods, readOnly: true}
            - {name: logs, mountPath: /logs}
            - {name: typo, mountPath: /typo, readOnly: true}
      volumes:
        - {name: pods, hostPath: {path: /var/log/pods}}
        - {name: logs, hostPath: {path: /var/log}}
        - {name: typo, hostPath: {path: /var/logs}}
    """
)


def _write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text))
    return path


def _error(path: Path) -> str:
    with pytest.raises(ConfigError) as raised:
        load_config(path)
    return str(raised.value)


def test_unknown_key_names_file_line_and_key(tmp_path: Path) -> None:
    path = _write(tmp_path / ".mountlint.yaml", "runtime: docker\n\nselcet: [ML101]\n")
    assert _error(path) == f"{path}:3: selcet: unknown setting"


def test_wrong_type_names_file_line_and_key(tmp_path: Path) -> None:
    path = _write(
        tmp_path / ".mountlint.yaml",
        "select: [ML101]\nallowed-host-paths:\n  - path-prefix: /var/log\n    read-only: maybe\n",
    )
    assert (
        _error(path)
        == f"{path}:4: allowed-host-paths[0].read-only: expected boolean, got str 'maybe'"
    )


def test_unknown_rule_names_file_line_and_key(tmp_path: Path) -> None:
    path = _write(tmp_path / ".mountlint.yml", "select:\n  - ML101\n  - host-pth-typo\n")
    config = load_config(path)
    with pytest.raises(ConfigError) as raised:
        resolve(config, CommandLine(), tmp_path)
    assert str(raised.value) == f"{path}:3: select[1]: unknown rule 'host-pth-typo'"


def test_invalid_yaml_config(tmp_path: Path) -> None:
    path = _write(tmp_path / ".mountlint.yaml", "select: [ML101\n")
    assert _error(path).startswith(f"{path}:2: invalid YAML")


def test_pyproject_section(tmp_path: Path) -> None:
    path = _write(
        tmp_path / "pyproject.toml",
        """\
        [project]
        name = "x"

        [tool.mountlint]
        runtime = "cri-o"
        fail-on = "error"

        [tool.mountlint.severity]
        ML101 = "maybe"
        """,
    )
    assert find_config(tmp_path / "sub" / "dir") is None or find_config(tmp_path) == path
    assert (
        _error(path)
        == f"{path}:9: severity.ML101: 'maybe' is not one of 'error', 'warning', 'info'"
    )


@pytest.mark.parametrize(
    "section",
    [
        '[ tool.mountlint ]\nfail-on = "never"\n',
        '[tool."mountlint"]\nfail-on = "never"\n',
        "[ tool . 'mountlint' ]\nfail-on = 'never'\n",
        '[tool]\nmountlint = {fail-on = "never"}\n',
        '[tool]\nmountlint.fail-on = "never"\n',
        'tool.mountlint.fail-on = "never"\n',
    ],
    ids=["spaces", "quoted", "literal-quoted", "inline-table", "dotted-key", "root-dotted-key"],
)
def test_pyproject_spellings_that_toml_allows(tmp_path: Path, section: str) -> None:
    path = _write(tmp_path / "pyproject.toml", section + '\n[project]\nname = "x"\n')
    assert find_config(tmp_path / "sub") == path
    assert load_config(path).values == {"fail-on": "never"}
    (tmp_path / "bad.yaml").write_text(BAD)
    result = run_mountlint("bad.yaml", cwd=tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize(
    ("section", "line"),
    [
        ('[ tool.mountlint ]\nruntime = "docker"\nfail-on = "sometimes"\n', 6),
        ('[tool]\nother = 1\nmountlint = {runtime = "docker", fail-on = "sometimes"}\n', 6),
        ('[tool]\nmountlint.fail-on = "sometimes"\n', 5),
    ],
)
def test_pyproject_errors_have_the_line_in_any_spelling(
    tmp_path: Path, section: str, line: int
) -> None:
    path = _write(tmp_path / "pyproject.toml", '[project]\nname = "x"\n\n' + section)
    assert _error(path).startswith(f"{path}:{line}: fail-on: 'sometimes' is not one of")


@pytest.mark.parametrize(
    "text",
    [
        '[project]\nname = "mountlint"\n[project.scripts]\nmountlint = "mountlint.cli:main"\n',
        '[tool.setuptools.package-dir]\n"mountlint" = "src"\n[tool.ruff]\nknown = ["mountlint"]\n',
        "tools.mountlint = 1\n[toolbox.mountlint]\nx = 1\n",
    ],
    ids=["project-name-and-script", "other-tools", "other-root-keys"],
)
def test_pyproject_that_only_names_mountlint_elsewhere_is_not_parsed(
    tmp_path: Path, text: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    def no_parse() -> None:
        raise AssertionError("parsed a pyproject.toml that cannot configure mountlint")

    monkeypatch.setattr("mountlint.config._tomllib", no_parse)
    _write(tmp_path / "pyproject.toml", text)
    assert find_config(tmp_path) is None


@pytest.mark.parametrize(
    "text",
    ["[tool]\nother = 1\n", '[tool.mountlint.severity]\nML101 = "info"\n', "tool = {}\n"],
)
def test_pyproject_that_may_hold_the_section_is_parsed(tmp_path: Path, text: str) -> None:
    path = _write(tmp_path / "pyproject.toml", text + "# mountlint\n")
    expected = path if "tool.mountlint" in text else None
    assert find_config(tmp_path) == expected


def test_pyproject_section_that_is_not_a_table(tmp_path: Path) -> None:
    path = _write(tmp_path / "pyproject.toml", '[tool]\nmountlint = "strict"\n')
    assert find_config(tmp_path) == path
    assert _error(path) == f"{path}:2: tool.mountlint: expected a table of settings"


def test_invalid_pyproject_with_the_section_is_reported(tmp_path: Path) -> None:
    path = _write(tmp_path / "pyproject.toml", '[ tool.mountlint ]\nfail-on = "never\n')
    assert find_config(tmp_path) == path
    assert "invalid TOML" in _error(path)


def test_find_config_upward_prefers_mountlint_yaml(tmp_path: Path) -> None:
    _write(tmp_path / "pyproject.toml", "[tool.mountlint]\nruntime = 'docker'\n")
    nested = tmp_path / "a" / "b"
    nested.mkdir(parents=True)
    assert find_config(nested) == tmp_path / "pyproject.toml"
    _write(tmp_path / "a" / ".mountlint.yml", "runtime: any\n")
    assert find_config(nested) == tmp_path / "a" / ".mountlint.yml"
    _write(tmp_path / "unrelated" / "pyproject.toml", "[project]\nname = 'x'\n")
    assert find_config(tmp_path / "unrelated") == tmp_path / "pyproject.toml"


def test_selectors() -> None:
    origin = Config()
    assert resolve_selectors(["ML101"], origin, "select") == {"ML101"}
    assert resolve_selectors(["writable-host-path"], origin, "select") == {"ML203"}
    assert "ML310" in resolve_selectors(["ML3"], origin, "select")
    assert resolve_selectors(["ML3"], origin, "select") <= {f"ML3{n:02d}" for n in range(100)}
    with pytest.raises(ConfigError):
        resolve_selectors(["ML9"], origin, "select")


def test_flags_override_the_file(tmp_path: Path) -> None:
    config = Config(values={"select": ["ML2"], "runtime": "docker", "fail-on": "error"})
    resolved = resolve(config, CommandLine(select=("ML101",), runtime="containerd"), tmp_path)
    assert resolved.settings.select == frozenset({"ML101"})
    assert resolved.settings.runtime == "containerd"
    assert resolved.fail_on == "error"
    assert resolve(config, CommandLine(ignore=("ML201",)), tmp_path).settings.select == frozenset(
        {"ML202", "ML203", "ML204", "ML205", "ML206", "ML207"}
    )


def test_severity_override_and_default_off_rule(tmp_path: Path) -> None:
    config = Config(values={"severity": {"host-mount-pins-runtime-mounts": "info"}})
    settings = resolve(config, CommandLine(), tmp_path).settings
    assert "ML207" not in settings.select  # off by default
    findings = [f for f in lint_text(BAD, "x.yaml", settings) if f.rule.code == "ML101"]
    assert [f.severity for f in findings] == [Severity.INFO]


def test_allowed_host_paths_psp_semantics(tmp_path: Path) -> None:
    config = Config(values={"allowed-host-paths": [{"path-prefix": "/var/log", "read-only": True}]})
    settings = resolve(config, CommandLine(select=("ML205",)), tmp_path).settings
    found = [(f.location.line, f.rule.code) for f in lint_text(VAR_LOG, "x.yaml", settings)]
    # read-only /var/log/pods is allowed; the writable /var/log mount and /var/logs are not
    assert found == [(10, "ML205"), (15, "ML205")]


def test_runtime_profiles_from_config(tmp_path: Path) -> None:
    docker = resolve(Config(values={"runtime": "docker"}), CommandLine(select=("ML101",)), tmp_path)
    text = BAD.replace("path: /\n", "path: /var/lib/docker\n")
    assert [f.severity for f in lint_text(text, "x", docker.settings)] == [Severity.INFO]
    run = BAD.replace("path: /\n", "path: /run\n")
    assert [f.severity for f in lint_text(run, "x", docker.settings)] == [Severity.ERROR]
    crio = resolve(Config(values={"runtime": "cri-o"}), CommandLine(select=("ML101",)), tmp_path)
    containers = BAD.replace("path: /\n", "path: /var/lib/containers\n")
    assert [f.severity for f in lint_text(containers, "x", crio.settings)] == [Severity.INFO]
    assert [f.severity for f in lint_text(run, "x", crio.settings)] == [Severity.ERROR]


def test_extra_runtime_roots(tmp_path: Path) -> None:
    config = Config(values={"runtime-roots": ["/data/kubelet"]})
    settings = resolve(config, CommandLine(select=("ML101",)), tmp_path).settings
    text = BAD.replace("path: /\n", "path: /data\n")
    assert [f.rule.code for f in lint_text(text, "x", settings)] == ["ML101"]


def test_exclude_globs(tmp_path: Path) -> None:
    assert is_excluded(tmp_path / "vendor" / "a" / "x.yaml", ("vendor",), tmp_path)
    assert is_excluded(tmp_path / "a" / "x.generated.yaml", ("*.generated.yaml",), tmp_path)
    assert is_excluded(tmp_path / "a" / "b" / "x.yaml", ("a/b/*",), tmp_path)
    assert not is_excluded(tmp_path / "vendors" / "x.yaml", ("vendor",), tmp_path)


def test_schema_is_valid_json_schema() -> None:
    jsonschema.Draft202012Validator.check_schema(schema())


def test_cli_config_error_exits_2(tmp_path: Path) -> None:
    _write(tmp_path / ".mountlint.yaml", "fail-on: sometimes\n")
    (tmp_path / "x.yaml").write_text(BAD)
    result = run_mountlint("x.yaml", cwd=tmp_path)
    assert result.returncode == 2
    assert ".mountlint.yaml:1: fail-on: 'sometimes' is not one of" in result.stderr
    assert "Traceback" not in result.stderr


def test_cli_nearest_config_per_file(tmp_path: Path) -> None:
    _write(tmp_path / "strict" / "x.yaml", BAD)
    _write(tmp_path / "relaxed" / "x.yaml", BAD)
    _write(tmp_path / "relaxed" / ".mountlint.yaml", "select: [ML101]\nseverity: {ML101: info}\n")
    result = run_mountlint("--format", "json", "--exit-zero", ".", cwd=tmp_path)
    findings = json.loads(result.stdout)["findings"]
    relaxed = {
        (f["code"], f["severity"]) for f in findings if f["location"]["path"].startswith("relaxed")
    }
    strict = {f["code"] for f in findings if f["location"]["path"].startswith("strict")}
    assert relaxed == {("ML101", "info")}
    # host / exposes the runtime sockets: ML201 says it, and ML202 does not repeat it
    assert {"ML101", "ML201", "ML203"} <= strict
    assert "ML202" not in strict


def test_cli_exclude_and_select_flags(tmp_path: Path) -> None:
    _write(tmp_path / "generated" / "x.yaml", BAD)
    _write(tmp_path / "app" / "x.yaml", BAD)
    _write(tmp_path / ".mountlint.yaml", "exclude: [generated]\n")
    result = run_mountlint("--select", "ML101", ".", cwd=tmp_path)
    assert result.stdout.count("ML101") == 1
    assert "app/x.yaml" in result.stdout


def test_print_config_schema() -> None:
    result = run_mountlint("--print-config-schema")
    assert json.loads(result.stdout) == schema()


@pytest.mark.parametrize(
    ("flag", "typo", "suggestion"),
    [
        ("--select", "writeable-host-path", "writable-host-path"),
        ("--ignore", "host-mount-pin-runtime-mounts", "host-mount-pins-runtime-mounts"),
        ("--select", "ML2O3", "ML203"),
    ],
)
def test_unknown_rule_suggests_the_closest(flag: str, typo: str, suggestion: str) -> None:
    result = run_mountlint(flag, typo, str(EXAMPLES / "incident"))
    assert result.returncode == 2
    assert result.stderr == (
        f"mountlint: error: command line: {flag}[0]: unknown rule {typo!r} "
        f"(did you mean {suggestion}?)\n"
    )


def test_unknown_rule_in_the_config_file_suggests_too(tmp_path: Path) -> None:
    path = _write(tmp_path / ".mountlint.yaml", "ignore: [ML203, sensitve-host-path]\n")
    with pytest.raises(ConfigError, match=r"did you mean sensitive-host-path\?"):
        resolve(load_config(path), CommandLine(), tmp_path)


def test_no_guess_for_a_well_formed_code_or_a_distant_word() -> None:
    with pytest.raises(ConfigError) as raised:
        resolve_selectors(["ML999", "hostpath"], Config(), "select")
    assert str(raised.value) == "command line: select[0]: unknown rule 'ML999'"
    with pytest.raises(ConfigError) as raised:
        resolve_selectors(["hostpath"], Config(), "select")
    assert "did you mean" not in str(raised.value)
