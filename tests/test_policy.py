"""The admission policy refuses exactly what ML101 reports at error level, by evaluating its CEL.

The generated YAML is read back, its match conditions, variables (in order) and validations are
compiled with cel-python, and every pod template of the fixtures, the examples and the shared
corpus is judged both ways: refused by the policy, and an ML101 error from mountlint.
"""

from __future__ import annotations

import io
import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from ruamel.yaml import YAML

from mountlint.config import CommandLine, ConfigResolver
from mountlint.engine import analyze_text
from mountlint.policy import (
    RESOURCES,
    error_trees,
    exact_regex,
    pins_regex,
    render_policy,
)
from mountlint.rule import Severity
from mountlint.settings import Settings

from helpers import CORPUS, EXAMPLES, FIXTURES, REPO, run_mountlint

celpy = pytest.importorskip("celpy")
celtypes = pytest.importorskip("celpy.celtypes")

_ML101_ONLY = frozenset({"ML101"})


class Policy:
    """A generated ValidatingAdmissionPolicy, compiled with cel-python."""

    def __init__(self, settings: Settings, text: str | None = None) -> None:
        """The policy for ``settings``, or the one in ``text`` (the command's output)."""
        if text is None:
            text, _ = render_policy("vap", settings, "warn")
        policy = next(YAML(typ="safe").load_all(text))
        spec = policy["spec"]
        environment = celpy.Environment()

        def compile_(expression: str) -> Any:
            return environment.program(environment.compile(expression))

        self.conditions = [compile_(item["expression"]) for item in spec["matchConditions"]]
        self.variables = [
            (item["name"], compile_(item["expression"])) for item in spec["variables"]
        ]
        self.validations = [compile_(item["expression"]) for item in spec["validations"]]
        self.messages = [compile_(item["messageExpression"]) for item in spec["validations"]]

    def refusal(self, obj: dict[str, Any], old: dict[str, Any] | None = None) -> str | None:
        """The message the policy refuses ``obj`` with (None: admitted)."""
        namespace = obj.get("metadata", {}).get("namespace", "")
        activation: dict[str, Any] = {
            "object": celpy.json_to_cel(obj),
            "oldObject": celpy.json_to_cel(old),
            "request": celpy.json_to_cel(
                {"operation": "UPDATE" if old else "CREATE", "namespace": namespace}
            ),
        }
        for condition in self.conditions:
            if not _evaluate(condition, activation):
                return None
        variables: dict[Any, Any] = {}
        for name, program in self.variables:
            activation["variables"] = celtypes.MapType(variables)
            variables[celtypes.StringType(name)] = _evaluate(program, activation)
        activation["variables"] = celtypes.MapType(variables)
        for validation, message in zip(self.validations, self.messages, strict=True):
            if not _evaluate(validation, activation):
                return str(_evaluate(message, activation))
        return None


def _evaluate(program: Any, activation: dict[str, Any]) -> Any:
    """cel-python raises some errors and returns others; both are an EvaluationError here."""
    try:
        return _value(program.evaluate(activation))
    except celpy.CELEvalError as error:
        raise EvaluationError(f"CEL evaluation failed: {error}") from error


def _value(result: Any) -> Any:
    if isinstance(result, celpy.CELEvalError):
        raise EvaluationError(f"CEL evaluation failed: {result}")
    return result


def _without_nulls(value: Any) -> Any:
    """What the API server keeps of a manifest: null fields are dropped when it decodes one."""
    if isinstance(value, dict):
        return {str(key): _without_nulls(item) for key, item in value.items() if item is not None}
    if isinstance(value, list):
        return [_without_nulls(item) for item in value if item is not None]
    return value


def _objects(document: Any) -> Iterator[dict[str, Any]]:
    """The objects the policy matches: built-in pod kinds, unpacked from Lists."""
    if not isinstance(document, dict):
        return
    kind = document.get("kind")
    if isinstance(kind, str) and kind.endswith("List") and isinstance(document.get("items"), list):
        for item in document["items"]:
            yield from _objects(item)
    elif kind in RESOURCES:
        yield document


def pod_objects(paths: list[Path]) -> Iterator[tuple[str, dict[str, Any]]]:
    """Every object of a policy-matched kind in the YAML files ``paths`` (unparsable: skipped)."""
    yaml = YAML(typ="safe")
    yaml.allow_duplicate_keys = True
    for path in paths:
        try:
            documents = list(yaml.load_all(path.read_text(encoding="utf-8")))
        except Exception:  # templates and deliberately broken fixtures
            continue
        for index, document in enumerate(documents):
            for obj in _objects(document):
                plain = json.loads(json.dumps(obj, default=str))
                yield f"{path}#{index}", _without_nulls(plain)


def ml101_error(obj: dict[str, Any], settings: Settings) -> bool:
    """Whether mountlint reports an ML101 error on ``obj``, suppressed or not."""
    result = analyze_text(json.dumps(obj), "object.json", settings)
    return any(
        finding.rule.code == "ML101" and finding.severity is Severity.ERROR
        for finding in [*result.findings, *result.suppressed]
    )


class EvaluationError(Exception):
    """The CEL failed on an object."""


def rejected_by_api_server(obj: dict[str, Any]) -> bool:
    """Whether the object breaks the Kubernetes schema (a string field holds a number, ...).

    The API server refuses it before any admission policy sees it.
    """
    kubernetes_validate = pytest.importorskip("kubernetes_validate")
    try:
        kubernetes_validate.validate(obj, "1.30.0")
    except kubernetes_validate.ValidationError:
        return True
    return False


def disagreements(policy: Policy, settings: Settings, paths: list[Path]) -> tuple[int, list[str]]:
    """How many objects the policy judged, and where it disagrees with mountlint."""
    checked = 0
    wrong = []
    for where, obj in pod_objects(paths):
        try:
            refused = policy.refusal(obj) is not None
        except EvaluationError as error:
            if rejected_by_api_server(obj):
                continue
            wrong.append(f"{where}: {error}")
            continue
        checked += 1
        if refused != ml101_error(obj, settings):
            wrong.append(f"{where}: policy {'refuses' if refused else 'admits'}")
    return checked, wrong


def _yaml_files(root: Path) -> list[Path]:
    return sorted(
        path
        for path in root.rglob("*")
        if path.suffix in (".yaml", ".yml", ".json") and path.is_file()
    )


def _settings(runtime: str = "containerd", **extra: Any) -> Settings:
    return Settings(runtime=runtime, select=_ML101_ONLY, **extra)


LOCAL = [*_yaml_files(FIXTURES / "rules"), *_yaml_files(EXAMPLES)]
ML101_LOCAL = [*_yaml_files(FIXTURES / "rules" / "ML101"), *_yaml_files(EXAMPLES)]


def test_policy_refuses_exactly_the_ml101_errors_of_fixtures_and_examples() -> None:
    settings_ = _settings()
    checked, wrong = disagreements(Policy(settings_), settings_, LOCAL)
    assert checked > 150
    assert wrong == []


@pytest.mark.parametrize(
    "settings_",
    [
        _settings("docker"),
        _settings("cri-o"),
        _settings("any"),
        _settings(kubelet_root="/data/kubelet", runtime_roots=("/run/netns", "/opt/mounts")),
    ],
    ids=["docker", "cri-o", "any", "kubelet-root"],
)
def test_policy_follows_the_runtime_profile_and_the_mount_trees(settings_: Settings) -> None:
    checked, wrong = disagreements(Policy(settings_), settings_, ML101_LOCAL)
    assert checked > 20
    assert wrong == []


@pytest.mark.slow
@pytest.mark.skipif(not CORPUS.is_dir(), reason="the shared corpus is not checked out")
def test_policy_refuses_exactly_the_ml101_errors_of_the_corpus() -> None:
    settings_ = _settings()
    checked, wrong = disagreements(Policy(settings_), settings_, _yaml_files(CORPUS))
    assert checked > 1000
    assert wrong == []


_INCIDENT = {
    "apiVersion": "apps/v1",
    "kind": "DaemonSet",
    "metadata": {"name": "agent", "namespace": "monitoring", "labels": {"team": "obs"}},
    "spec": {
        "template": {
            "spec": {
                "containers": [
                    {
                        "name": "agent",
                        "image": "busybox",
                        "volumeMounts": [{"name": "root", "mountPath": "/rootfs"}],
                    }
                ],
                "volumes": [{"name": "root", "hostPath": {"path": "/"}}],
            }
        }
    },
}


def _with_path(path: str, **mount: str) -> dict[str, Any]:
    obj = json.loads(json.dumps(_INCIDENT))
    pod = obj["spec"]["template"]["spec"]
    pod["volumes"][0]["hostPath"]["path"] = path
    pod["containers"][0]["volumeMounts"][0].update(mount)
    return obj


def test_message_names_the_container_the_host_path_and_the_fix() -> None:
    message = Policy(_settings()).refusal(_INCIDENT)
    assert message is not None
    assert "container agent" in message
    assert "host '/'" in message
    assert "'/rootfs'" in message
    assert "mountPropagation: HostToContainer" in message


def test_an_update_that_leaves_the_pod_template_alone_is_admitted() -> None:
    """Removing a finalizer from a Deployment made before the policy must not be refused."""
    policy = Policy(_settings())
    old = json.loads(json.dumps(_INCIDENT))
    new = json.loads(json.dumps(_INCIDENT))
    new["metadata"]["finalizers"] = []
    assert policy.refusal(new, old) is None
    new["spec"]["template"]["spec"]["volumes"][0]["hostPath"]["path"] = "/run"
    assert policy.refusal(new, old) is not None


@pytest.mark.parametrize(
    ("path", "mount", "refused"),
    [
        ("//run//netns/", {}, True),
        ("/var/run/./netns/.", {}, True),
        ("/var/lib/kubelet/pods/uid", {}, True),
        ("/var/lib/kubelet/pods/uid/volumes/kubernetes.io~csi/pv", {}, False),
        ("/run/netns", {"mountPropagation": "HostToContainer"}, False),
        ("/run/netns", {"mountPropagation": "None"}, True),
        ("/run", {"subPath": "netns"}, False),
        ("/run/containerd/containerd.sock", {}, False),
        ("/var/lib/docker2", {}, False),
        ("//./pipe/docker_engine", {}, False),
        ("relative/run", {}, False),
    ],
)
def test_spellings_and_mount_fields(path: str, mount: dict[str, str], refused: bool) -> None:
    settings_ = _settings()
    obj = _with_path(path, **mount)
    assert ml101_error(obj, settings_) is refused
    assert (Policy(settings_).refusal(obj) is not None) is refused


def test_windows_pods_are_admitted() -> None:
    obj = json.loads(json.dumps(_INCIDENT))
    obj["spec"]["template"]["spec"]["nodeSelector"] = {"kubernetes.io/os": "windows"}
    assert Policy(_settings()).refusal(obj) is None


_COMPONENTS = ["", ".", "..", "run", "var", "lib", "netns", "kubelet", "pods", "x", "containerd"]


@settings(max_examples=400, deadline=None)
@given(st.lists(st.sampled_from(_COMPONENTS), max_size=7), st.booleans())
def test_path_regexes_agree_with_the_mount_tree_model(parts: list[str], trailing: bool) -> None:
    """Any spelling: the pins regex matches exactly when a critical tree is mounted below canon."""
    from mountlint.paths import KNOWN_FILES, canon

    settings_ = _settings()
    path = "/" + "/".join(parts) + ("/" if trailing else "")
    trees = error_trees(settings_)
    expected = any(tree.mounted_below(canon(path)) for tree in trees)
    assert bool(re.search(pins_regex(trees), path)) is expected, path
    known = exact_regex(KNOWN_FILES)
    assert bool(re.search(known, path)) is (canon(path) in KNOWN_FILES), path


def _exceptions_config(tmp_path: Path) -> Settings:
    config = tmp_path / ".mountlint.yaml"
    config.write_text(
        "exceptions:\n"
        "  - rules: [ML101]\n"
        "    reason: reviewed\n"
        "    match: {namespace: kube-*}\n"
        "  - rules: [ML101]\n"
        "    reason: reviewed\n"
        "    match: {container: debug-?, labels: {team: obs}}\n"
        "  - rules: [ML101]\n"
        "    reason: reviewed\n"
        "    match: {files: [vendor/**]}\n",
        encoding="utf-8",
    )
    resolver = ConfigResolver(CommandLine(), tmp_path, config)
    return resolver.default().settings


def test_exceptions_become_match_conditions_and_container_filters(tmp_path: Path) -> None:
    policy = Policy(_exceptions_config(tmp_path))
    assert policy.refusal(_INCIDENT) is not None
    in_kube_system = json.loads(json.dumps(_INCIDENT))
    in_kube_system["metadata"]["namespace"] = "kube-system"
    assert policy.refusal(in_kube_system) is None
    debug = json.loads(json.dumps(_INCIDENT))
    debug["spec"]["template"]["spec"]["containers"][0]["name"] = "debug-1"
    assert policy.refusal(debug) is None


def test_cli_notes_exceptions_it_cannot_express(tmp_path: Path) -> None:
    _exceptions_config(tmp_path)
    result = run_mountlint("--emit-policy", "vap", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "exception #3: 'files' cannot be checked at admission" in result.stderr
    assert "kind: ValidatingAdmissionPolicyBinding" in result.stdout


@pytest.mark.parametrize(
    ("config", "flags"),
    [("ignore: [ML101]\n", ()), ("", ("--ignore", "ML1")), ("", ("--select", "ML201"))],
)
def test_cli_refuses_a_policy_without_ml101(
    tmp_path: Path, config: str, flags: tuple[str, ...]
) -> None:
    (tmp_path / ".mountlint.yaml").write_text(config, encoding="utf-8")
    result = run_mountlint("--emit-policy", "vap", *flags, cwd=tmp_path)
    assert result.returncode == 2
    assert result.stderr.strip().startswith("error: ML101 is not selected")
    assert "Traceback" not in result.stderr


def test_cli_runtime_flag_shapes_the_policy(tmp_path: Path) -> None:
    """dockerd binds host '/' rslave itself, so with --runtime docker it pins nothing."""
    default = run_mountlint("--emit-policy", "vap", cwd=tmp_path)
    docker = run_mountlint("--emit-policy", "vap", "--runtime", "docker", cwd=tmp_path)
    assert Policy(_settings(), default.stdout).refusal(_INCIDENT) is not None
    assert Policy(_settings(), docker.stdout).refusal(_INCIDENT) is None
    assert Policy(_settings(), docker.stdout).refusal(_with_path("/run/netns")) is not None


@pytest.mark.parametrize("action", ["warn", "deny"])
@pytest.mark.parametrize("version", ["1.30.0", "1.33.0", "latest"])
def test_vap_validates_against_the_kubernetes_schema(action: str, version: str) -> None:
    kubernetes_validate = pytest.importorskip("kubernetes_validate")
    if version == "latest":
        version = kubernetes_validate.latest_version()
    text, _ = render_policy("vap", Settings(), action)
    documents = list(YAML(typ="safe").load_all(io.StringIO(text)))
    assert [document["kind"] for document in documents] == [
        "ValidatingAdmissionPolicy",
        "ValidatingAdmissionPolicyBinding",
    ]
    for document in documents:
        kubernetes_validate.validate(document, version, strict=True)
    actions = documents[1]["spec"]["validationActions"]
    assert actions == (["Deny"] if action == "deny" else ["Warn", "Audit"])


def test_kyverno_policy_carries_the_same_checks() -> None:
    vap, _ = render_policy("vap", Settings(), "warn")
    kyverno, _ = render_policy("kyverno", Settings(), "deny")
    policy = next(YAML(typ="safe").load_all(kyverno))
    rule = policy["spec"]["rules"][0]
    spec = next(YAML(typ="safe").load_all(vap))["spec"]
    assert rule["validate"]["cel"]["variables"] == spec["variables"]
    assert rule["validate"]["cel"]["expressions"] == spec["validations"]
    assert rule["celPreconditions"] == spec["matchConditions"]
    assert policy["spec"]["validationFailureAction"] == "Enforce"


def test_readme_installs_the_policy_in_warn_first() -> None:
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Admission policy", 1)[1].split("\n## ", 1)[0]
    assert section.index("--emit-policy vap") < section.index("--policy-action deny")


def test_hostile_configuration_values_stay_inside_their_cel_strings(tmp_path: Path) -> None:
    """Quotes, backslashes and line breaks in a configuration cannot change the expressions."""
    config = tmp_path / ".mountlint.yaml"
    config.write_text(
        'runtime-roots: ["/opt/a\'b\\\\c\\n) || true || ("]\n'
        'kubelet-root: "/data/k\'u\\u2028b"\n'
        "exceptions:\n"
        "  - rules: [ML101]\n"
        "    reason: reviewed\n"
        '    match: {labels: {"a\'b": "x\\\\\'"}, name: "[^a]\'"}\n',
        encoding="utf-8",
    )
    settings_ = ConfigResolver(CommandLine(), tmp_path, config).default().settings
    policy = Policy(settings_)
    assert policy.refusal(_INCIDENT) is not None
    assert policy.refusal(_with_path("/var/lib/docker2")) is None
    assert policy.refusal(_with_path("/data/k'u\u2028b/pods")) is not None
