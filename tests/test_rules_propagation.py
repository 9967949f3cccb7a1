"""The propagation rules (ML102-ML104, ML301-ML303) on the cases their fixtures cannot show well.

The fixtures pin the messages; these tests pin the decisions: which value gets which fix and how
safe it is, which container counts as privileged, and which rule owns a Windows pod.
"""

from __future__ import annotations

import re
from textwrap import dedent, indent

import pytest

from mountlint.edits import Applicability
from mountlint.engine import Finding, lint_text
from mountlint.fixes import fix_text
from mountlint.registry import find_rule
from mountlint.rule import Severity
from mountlint.settings import Settings

PROPAGATION_CODES = ("ML102", "ML103", "ML104", "ML301", "ML302", "ML303")


def _lint(text: str, *codes: str, **options: object) -> list[Finding]:
    settings = Settings(select=frozenset(codes), **options)  # type: ignore[arg-type]
    return lint_text(dedent(text), "test.yaml", settings)


def _pod(
    mount: str,
    container: str = "",
    pod: str = "",
    kind: str = "containers",
    volume: str = "hostPath: {path: /}",
) -> str:
    """A Pod whose only container (of ``kind``) has one volumeMount, written as flow YAML."""
    return (
        "apiVersion: v1\nkind: Pod\nmetadata: {name: test}\nspec:\n"
        + (f"  {pod}\n" if pod else "")
        + f"  {kind}:\n"
        + "    - name: c\n      image: busybox\n"
        + (f"      {container}\n" if container else "")
        + "      volumeMounts:\n"
        + f"        - {{name: v, mountPath: /m, {mount}}}\n"
        + f"  volumes:\n    - {{name: v, {volume}}}\n"
    )


def _fixed(text: str, code: str, unsafe: bool) -> str:
    outcome = fix_text(text, "test.yaml", Settings(select=frozenset({code})), unsafe=unsafe)
    assert outcome.problem is None
    return outcome.text


# --- documentation ----------------------------------------------------------------------------


@pytest.mark.parametrize("code", PROPAGATION_CODES)
def test_documented_example_fires_and_use_instead_is_clean(code: str) -> None:
    registered = find_rule(code)
    assert registered is not None
    doc = registered.rule.doc
    for section in ("## What it does", "## Why is this bad?", "## Example", "## Use instead"):
        assert section in doc
    example = re.search(r"## Example\n```yaml\n(.*?)```", doc, re.S)
    use_instead = re.search(r"## Use instead\n```yaml\n(.*?)```", doc, re.S)
    assert example is not None and use_instead is not None
    assert [finding.rule.code for finding in _lint(example.group(1), code)] == [code]
    assert _lint(use_instead.group(1), code) == []
    assert ("## Fix safety" in doc) == (registered.rule.fix.value != "none")


# --- ML301 invalid-mount-propagation ----------------------------------------------------------


@pytest.mark.parametrize(
    ("written", "intended"),
    [
        ("none", "None"),
        ("NONE", "None"),
        ("hostToContainer", "HostToContainer"),
        ("hosttocontainer", "HostToContainer"),
        ("BIDIRECTIONAL", "Bidirectional"),
        ("' Bidirectional '", "Bidirectional"),
    ],
)
def test_case_only_difference_is_a_safe_fix(written: str, intended: str) -> None:
    text = _pod(f"mountPropagation: {written}", container="securityContext: {privileged: true}")
    [finding] = _lint(text, "ML301")
    assert finding.fix is not None
    assert finding.fix.applicability is Applicability.SAFE
    assert f'Unsupported value: "{written.strip(chr(39))}"' in finding.explanation
    fixed = _fixed(text, "ML301", unsafe=False)
    assert f"mountPropagation: {intended}" in fixed or f"'{intended}'" in fixed
    assert _lint(fixed, "ML301") == []


@pytest.mark.parametrize(
    ("linux_name", "mode"),
    [
        ("rslave", "HostToContainer"),
        ("slave", "HostToContainer"),
        ("RSlave", "HostToContainer"),
        ("rshared", "Bidirectional"),
        ("shared", "Bidirectional"),
        ("rprivate", "None"),
        ("private", "None"),
    ],
)
def test_linux_names_map_to_kubernetes_modes_as_unsafe_fixes(linux_name: str, mode: str) -> None:
    text = _pod(f"mountPropagation: {linux_name}")
    [finding] = _lint(text, "ML301")
    assert finding.fix is not None
    assert finding.fix.applicability is Applicability.UNSAFE
    assert _fixed(text, "ML301", unsafe=False) == text
    assert f"mountPropagation: {mode}}}" in _fixed(text, "ML301", unsafe=True)


def test_unsupported_value_message_is_the_api_servers_with_the_indexed_path() -> None:
    text = _pod("mountPropagation: rslave", kind="initContainers")
    [finding] = _lint(text, "ML301")
    assert finding.field_path == "spec.initContainers[0].volumeMounts[0].mountPropagation"
    assert finding.explanation.startswith(
        "spec.initContainers[0].volumeMounts[0].mountPropagation: Unsupported value: "
        '"rslave": supported values: "Bidirectional", "HostToContainer", "None"'
    )
    assert finding.severity is Severity.ERROR


@pytest.mark.parametrize(
    ("value", "go_type"),
    [("42", "number"), ("true", "bool"), ("[rslave]", "array"), ("{a: b}", "object")],
)
def test_values_that_are_not_strings_are_decode_errors_without_fix(
    value: str, go_type: str
) -> None:
    [finding] = _lint(_pod(f"mountPropagation: {value}"), "ML301")
    assert f"cannot unmarshal {go_type} into" in finding.explanation
    assert finding.fix is None


@pytest.mark.parametrize("value", ["", "null", "~"])
def test_unset_values_are_not_invalid(value: str) -> None:
    assert _lint(_pod(f"mountPropagation: {value}"), "ML301") == []


def test_empty_string_gets_an_unsafe_removal() -> None:
    text = _pod('mountPropagation: ""')
    [finding] = _lint(text, "ML301")
    assert finding.fix is not None
    assert finding.fix.applicability is Applicability.UNSAFE
    assert "mountPropagation" not in _fixed(text, "ML301", unsafe=True).split("volumeMounts")[1]


def test_block_scalar_value_gets_no_fix() -> None:
    text = dedent(
        """\
        apiVersion: v1
        kind: Pod
        metadata: {name: test}
        spec:
          containers:
            - name: c
              image: busybox
              volumeMounts:
                - name: v
                  mountPath: /m
                  mountPropagation: |-
                    rslave
          volumes:
            - {name: v, emptyDir: {}}
        """
    )
    [finding] = _lint(text, "ML301")
    assert finding.fix is None


def test_rshared_in_an_unprivileged_container_settles_on_host_to_container() -> None:
    text = _pod("mountPropagation: rshared")
    outcome = fix_text(
        text, "test.yaml", Settings(select=frozenset({"ML301", "ML302"})), unsafe=True
    )
    assert outcome.problem is None
    assert "mountPropagation: HostToContainer}" in outcome.text
    assert outcome.findings == []


# --- ML302 bidirectional-requires-privileged --------------------------------------------------


@pytest.mark.parametrize("kind", ["containers", "initContainers", "ephemeralContainers"])
def test_every_container_kind_needs_privileged_for_bidirectional(kind: str) -> None:
    unprivileged = _pod("mountPropagation: Bidirectional", kind=kind)
    [finding] = _lint(unprivileged, "ML302")
    assert finding.field_path == f"spec.{kind}[0].volumeMounts[0].mountPropagation"
    assert "Forbidden: Bidirectional mount propagation is available only to privileged" in (
        finding.explanation
    )
    assert finding.fix is not None and finding.fix.applicability is Applicability.UNSAFE
    privileged = _pod(
        "mountPropagation: Bidirectional",
        container="securityContext: {privileged: true}",
        kind=kind,
    )
    assert _lint(privileged, "ML302") == []


def test_a_privileged_sibling_does_not_help_an_init_container() -> None:
    text = dedent(
        """\
        apiVersion: v1
        kind: Pod
        metadata: {name: test}
        spec:
          initContainers:
            - name: init
              image: busybox
              volumeMounts:
                - {name: v, mountPath: /m, mountPropagation: Bidirectional}
          containers:
            - name: main
              image: busybox
              securityContext: {privileged: true}
              volumeMounts:
                - {name: v, mountPath: /m, mountPropagation: Bidirectional}
          ephemeralContainers:
            - name: debug
              image: busybox
              securityContext: {privileged: false}
              volumeMounts:
                - {name: v, mountPath: /m, mountPropagation: Bidirectional}
          volumes:
            - {name: v, emptyDir: {}}
        """
    )
    assert [finding.field_path for finding in _lint(text, "ML302")] == [
        "spec.initContainers[0].volumeMounts[0].mountPropagation",
        "spec.ephemeralContainers[0].volumeMounts[0].mountPropagation",
    ]


@pytest.mark.parametrize("spelling", ["true", "True", "TRUE", "yes", "Yes", "on", "ON", "y"])
def test_privileged_is_read_as_kubectl_reads_yaml(spelling: str) -> None:
    text = _pod(
        "mountPropagation: Bidirectional", container=f"securityContext: {{privileged: {spelling}}}"
    )
    assert _lint(text, "ML302") == []


@pytest.mark.parametrize(
    ("spelling", "fixable"),
    [
        ("false", True),
        ("no", True),
        ("null", True),
        ("'true'", False),
        ('"yes"', False),
        ("1", False),
    ],
)
def test_anything_else_is_not_privileged(spelling: str, fixable: bool) -> None:
    text = _pod(
        "mountPropagation: Bidirectional", container=f"securityContext: {{privileged: {spelling}}}"
    )
    [finding] = _lint(text, "ML302")
    # A privileged that does not decode as a boolean was meant to be true: no HostToContainer.
    assert (finding.fix is not None) is fixable


@pytest.mark.parametrize(
    ("code", "mount", "container", "pod"),
    [
        ("ML301", "mountPropagation: rslave", "", ""),
        ("ML302", "mountPropagation: Bidirectional", "", ""),
        (
            "ML303",
            "mountPropagation: Bidirectional",
            "securityContext: {privileged: true}",
            "os: {name: windows}",
        ),
    ],
)
def test_list_items_print_the_path_the_api_server_prints(
    code: str, mount: str, container: str, pod: str
) -> None:
    """The API server validates each item of a List on its own; field_path keeps the full path."""
    item = indent(_pod(mount, container=container, pod=pod), "    ")
    text = "apiVersion: v1\nkind: List\nitems:\n" + item.replace("    ", "  - ", 1)
    [finding] = _lint(text, code)
    assert finding.field_path == "items[0].spec.containers[0].volumeMounts[0].mountPropagation"
    assert finding.explanation.startswith("spec.containers[0].")
    assert "items[" not in finding.explanation


def test_wrong_case_bidirectional_is_ml301_not_ml302() -> None:
    text = _pod("mountPropagation: bidirectional")
    assert [finding.rule.code for finding in _lint(text, "ML301", "ML302")] == ["ML301"]


# --- ML303 bidirectional-on-windows and who owns a Windows pod --------------------------------


def test_declared_windows_pod_belongs_to_ml303_and_node_selector_to_ml302() -> None:
    declared = _pod("mountPropagation: Bidirectional", pod="os: {name: windows}")
    selected = _pod(
        "mountPropagation: Bidirectional", pod="nodeSelector: {kubernetes.io/os: windows}"
    )
    assert [finding.rule.code for finding in _lint(declared, "ML302", "ML303")] == ["ML303"]
    assert [finding.rule.code for finding in _lint(selected, "ML302", "ML303")] == ["ML302"]


@pytest.mark.parametrize(
    ("privileged", "bidirectional_error", "privileged_error"),
    [(None, True, False), ("true", False, True), ("false", True, True), ("null", True, False)],
)
def test_windows_errors_are_the_ones_the_api_server_gives(
    privileged: str | None, bidirectional_error: bool, privileged_error: bool
) -> None:
    container = f"securityContext: {{privileged: {privileged}}}" if privileged else ""
    text = _pod(
        "mountPropagation: Bidirectional",
        container=container,
        pod="os: {name: windows}",
        kind="initContainers",
    )
    [finding] = _lint(text, "ML303")
    message = finding.explanation
    assert (
        "spec.initContainers[0].volumeMounts[0].mountPropagation: Forbidden: Bidirectional"
        in message
    ) is bidirectional_error
    assert (
        "spec.initContainers[0].securityContext.privileged: Forbidden: cannot be set for a "
        "windows pod" in message
    ) is privileged_error
    assert finding.fix is None


# --- ML104 propagation-ignored-on-windows -----------------------------------------------------


def test_host_to_container_on_windows_is_removed_safely() -> None:
    text = _pod("mountPropagation: HostToContainer", pod="os: {name: windows}")
    [finding] = _lint(text, "ML104")
    assert finding.severity is Severity.INFO
    assert finding.fix is not None and finding.fix.applicability is Applicability.SAFE
    assert "- {name: v, mountPath: /m}" in _fixed(text, "ML104", unsafe=False)


def test_inherited_propagation_on_windows_is_display_only() -> None:
    text = dedent(
        """\
        apiVersion: v1
        kind: Pod
        metadata: {name: test}
        spec:
          os: {name: windows}
          containers:
            - name: c
              image: mcr.microsoft.com/windows/nanoserver:ltsc2022
              volumeMounts:
                - &base {name: v, mountPath: 'C:\\a', mountPropagation: HostToContainer}
                - <<: *base
                  mountPath: 'C:\\b'
          volumes:
            - {name: v, emptyDir: {}}
        """
    )
    findings = _lint(text, "ML104")
    assert len(findings) == 2
    assert all(
        finding.fix is not None and finding.fix.applicability is Applicability.DISPLAY_ONLY
        for finding in findings
    )
    assert _fixed(text, "ML104", unsafe=True) == text


def test_linux_pod_keeps_host_to_container() -> None:
    assert _lint(_pod("mountPropagation: HostToContainer"), "ML104") == []


# --- ML103 propagation-with-subpath -----------------------------------------------------------


@pytest.mark.parametrize(
    ("mount", "reported"),
    [
        ("subPath: a, mountPropagation: HostToContainer", True),
        ("subPathExpr: $(POD), mountPropagation: Bidirectional", True),
        ("subPath: '', mountPropagation: HostToContainer", False),
        ("subPath: a, mountPropagation: None", False),
        ("subPath: a", False),
    ],
)
def test_subpath_with_propagation(mount: str, reported: bool) -> None:
    assert bool(_lint(_pod(mount, volume="emptyDir: {}"), "ML103")) is reported


def test_subpath_in_ephemeral_container_is_left_to_the_sub_path_rule() -> None:
    text = _pod("subPath: a, mountPropagation: HostToContainer", kind="ephemeralContainers")
    assert _lint(text, "ML103") == []


# --- ML102 bidirectional-broad-host-mount -----------------------------------------------------


@pytest.mark.parametrize(
    ("host_path", "severity"),
    [
        ("/", Severity.WARNING),
        ("/var/run/", Severity.WARNING),
        ("/var", Severity.WARNING),
        ("/var/lib", Severity.WARNING),
        ("/run/containerd", Severity.WARNING),
        ("/var/lib/kubelet", Severity.INFO),
        ("/var/lib/kubelet/plugins/csi.example.com", Severity.INFO),
        ("/sys/fs/bpf", Severity.INFO),
        ("/mnt/disks", None),
        ("/var/lib/docker2", None),
        ("/sys/fs/bpf2", None),
    ],
)
def test_broad_bidirectional_levels(host_path: str, severity: Severity | None) -> None:
    text = _pod(
        "mountPropagation: Bidirectional",
        container="securityContext: {privileged: true}",
        volume=f"hostPath: {{path: {host_path}}}",
    )
    findings = _lint(text, "ML102")
    assert [finding.severity for finding in findings] == ([severity] if severity else [])
    for finding in findings:
        expected = Applicability.UNSAFE if severity is Severity.WARNING else None
        assert (finding.fix.applicability if finding.fix else None) is expected


def test_configured_kubelet_root_is_where_bidirectional_is_expected() -> None:
    text = _pod(
        "mountPropagation: Bidirectional",
        container="securityContext: {privileged: true}",
        volume="hostPath: {path: /data/kubelet}",
    )
    [finding] = _lint(text, "ML102", kubelet_root="/data/kubelet")
    assert finding.severity is Severity.INFO


@pytest.mark.parametrize(
    ("runtime", "doubles"),
    [("containerd", False), ("docker", True), ("cri-o", True), ("any", True)],
)
def test_doubling_is_named_only_where_the_runtime_keeps_root_filesystems(
    runtime: str, doubles: bool
) -> None:
    text = _pod(
        "mountPropagation: Bidirectional",
        container="securityContext: {privileged: true}",
        volume="hostPath: {path: /var/lib}",
    )
    [finding] = _lint(text, "ML102", runtime=runtime)
    assert ("double on every restart" in finding.explanation) is doubles


def test_broad_bidirectional_fix_is_unsafe_and_converges() -> None:
    text = _pod(
        "mountPropagation: Bidirectional",
        container="securityContext: {privileged: true}",
        volume="hostPath: {path: /run}",
    )
    assert _fixed(text, "ML102", unsafe=False) == text
    fixed = _fixed(text, "ML102", unsafe=True)
    assert "mountPropagation: HostToContainer}" in fixed
    assert _lint(fixed, "ML102") == []


def test_windows_pods_are_not_checked_for_broad_bidirectional() -> None:
    text = _pod(
        "mountPropagation: Bidirectional",
        container="securityContext: {privileged: true}",
        pod="nodeSelector: {kubernetes.io/os: windows}",
    )
    assert _lint(text, "ML102") == []
