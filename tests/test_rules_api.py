"""Unit tests for the rules that report what the API server would reject (ML304-ML312).

The fixture folders cover the ordinary cases; these tests pin the edge cases: values of the wrong
type, anchors and merge keys, paths inside a List, and the API server's own quirks.
"""

from __future__ import annotations

import textwrap

import pytest

from mountlint.edits import Applicability
from mountlint.engine import Finding, lint_text
from mountlint.fixes import fix_text
from mountlint.rule import Severity
from mountlint.rules.host_path_root_recycle import clean
from mountlint.settings import Settings
from mountlint.yamlnodes import parse_stream

from helpers import FIXTURES

API_CODES = ("ML304", "ML305", "ML306", "ML307", "ML308", "ML309", "ML310", "ML311", "ML312")


def _lint(text: str, code: str) -> list[Finding]:
    return lint_text(textwrap.dedent(text), "test.yaml", Settings(select=frozenset({code})))


def _fix(text: str, code: str) -> str:
    outcome = fix_text(
        textwrap.dedent(text), "test.yaml", Settings(select=frozenset({code})), unsafe=True
    )
    assert outcome.problem is None
    return outcome.text


def _pod(mounts: str, volumes: str = "- {name: data, hostPath: {path: /srv}}") -> str:
    """A Pod with one container whose volumeMounts and volumes are given as YAML lines."""
    return (
        "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  containers:\n"
        "    - name: c\n      image: busybox\n      volumeMounts:\n"
        + textwrap.indent(textwrap.dedent(mounts).strip("\n"), "        ")
        + "\n  volumes:\n"
        + textwrap.indent(textwrap.dedent(volumes).strip("\n"), "    ")
        + "\n"
    )


# --- every fixture parses ---------------------------------------------------------------


@pytest.mark.parametrize("code", API_CODES)
def test_fixtures_are_valid_yaml(code: str) -> None:
    """A syntax error would hide the documents after it, and the test would prove nothing."""
    for name in ("bad.yaml", "good.yaml", "fixed.yaml"):
        path = FIXTURES / "rules" / code / name
        if path.exists():
            assert parse_stream(path.read_text(encoding="utf-8")).problem is None, path


# --- values of the wrong type never crash and are left to the decoder --------------------

WRONG_TYPES = """\
apiVersion: v1
kind: Pod
metadata: {name: odd}
spec:
  containers:
    - name: c
      image: busybox
      volumeDevices: "x"
      volumeMounts:
        - {name: 42, mountPath: 42, readOnly: "true", recursiveReadOnly: Enabled}
        - {name: [a], mountPath: {a: b}, subPath: 7, subPathExpr: [x], mountPropagation: 1}
        - "not a mapping"
        - {name: data, mountPath: /d, recursiveReadOnly: Enabled, readOnly: yes}
    - name: d
      image: busybox
      volumeMounts: "x"
      volumeDevices: [{name: 1, devicePath: 2}, "x"]
  initContainers: "x"
  volumes:
    - {name: data, hostPath: "/srv"}
    - {name: typed, hostPath: {path: 42, type: [x]}}
    - "x"
---
apiVersion: v1
kind: PersistentVolume
metadata: {name: pv}
spec:
  persistentVolumeReclaimPolicy: [Recycle]
  hostPath: {path: 1}
"""


@pytest.mark.parametrize("code", API_CODES)
def test_wrong_types_do_not_crash(code: str) -> None:
    findings = _lint(WRONG_TYPES, code)
    # Only the enumerations report a value that is not a string (the decoder's error).
    if code == "ML310":
        assert [f.location.line for f in findings] == [21]
        assert "cannot unmarshal array into Go struct field" in findings[0].explanation
    else:
        assert findings == [], [f.explanation for f in findings]


def test_wrong_type_mount_lists_do_not_crash_anywhere() -> None:
    text = "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  volumes: x\n  containers: 1\n"
    for code in API_CODES:
        assert _lint(text, code) == []


# --- ML304 recursive-read-only-requires-read-only ----------------------------------------


def test_ml304_ignores_read_only_that_does_not_decode_and_wrong_case_modes() -> None:
    text = _pod(
        """
        - {name: data, mountPath: /a, recursiveReadOnly: Enabled, readOnly: "true"}
        - {name: data, mountPath: /b, recursiveReadOnly: enabled}
        - {name: data, mountPath: /c, recursiveReadOnly: Disabled, readOnly: false}
        """
    )
    assert _lint(text, "ML304") == []


def test_ml304_message_quotes_the_api_with_the_indexed_path() -> None:
    [finding] = _lint(_pod("- {name: data, mountPath: /a, recursiveReadOnly: IfPossible}"), "ML304")
    assert finding.explanation.startswith(
        "spec.containers[0].volumeMounts[0].recursiveReadOnly: Forbidden: "
        "may only be specified when readOnly is true; "
    )
    assert finding.severity is Severity.ERROR
    assert finding.fix is not None and finding.fix.applicability is Applicability.UNSAFE
    assert finding.field_path == "spec.containers[0].volumeMounts[0].recursiveReadOnly"


def test_ml304_fix_overrides_a_merged_read_only_without_touching_the_anchor() -> None:
    text = _pod(
        """
        - &m {name: data, mountPath: /a, readOnly: false, recursiveReadOnly: Enabled}
        - <<: *m
          mountPath: /b
        """
    )
    findings = _lint(text, "ML304")
    assert {f.fix.applicability for f in findings if f.fix} == {
        Applicability.DISPLAY_ONLY,
        Applicability.UNSAFE,
    }
    fixed = _fix(text, "ML304")
    assert "readOnly: false, recursiveReadOnly: Enabled}" in fixed
    assert "          mountPath: /b\n          readOnly: true\n" in fixed


def test_ml304_fix_replaces_false_and_empty_values() -> None:
    text = _pod(
        """
        - name: data
          mountPath: /a
          readOnly: FALSE
          recursiveReadOnly: Enabled
        - name: data
          mountPath: /b
          readOnly:
          recursiveReadOnly: Enabled
        """
    )
    fixed = _fix(text, "ML304")
    assert fixed.count("readOnly: true") == 2
    assert "FALSE" not in fixed


# --- ML305 recursive-read-only-requires-private ------------------------------------------


def test_ml305_only_for_recursive_modes_and_set_propagation() -> None:
    mounts = [
        ("/a", "Enabled", "1"),
        ("/b", "Enabled", "~"),
        ("/c", "ENABLED", "Bidirectional"),
        ("/d", "IfPossible", "HostToContainer"),
    ]
    text = _pod(
        "\n".join(
            f"- {{name: data, mountPath: {path}, readOnly: true, recursiveReadOnly: {mode}, "
            f"mountPropagation: {propagation}}}"
            for path, mode, propagation in mounts
        )
    )
    [finding] = _lint(text, "ML305")
    assert finding.explanation.startswith("spec.containers[0].volumeMounts[3].recursiveReadOnly: ")
    assert "mountPropagation is HostToContainer" in finding.explanation
    assert finding.fix is None


# --- ML306 invalid-recursive-read-only ----------------------------------------------------


def test_ml306_case_slip_is_a_safe_fix_that_keeps_quotes() -> None:
    text = _pod(
        """- {name: data, mountPath: /a, readOnly: true, recursiveReadOnly: 'ifpossible'}"""
    )
    [finding] = _lint(text, "ML306")
    assert finding.fix is not None and finding.fix.applicability is Applicability.SAFE
    assert "recursiveReadOnly: 'IfPossible'}" in _fix(text, "ML306")


def test_ml306_other_values_get_no_fix() -> None:
    text = _pod(
        """
        - {name: data, mountPath: /a, recursiveReadOnly: ""}
        - {name: data, mountPath: /b, recursiveReadOnly: {on: true}}
        - {name: data, mountPath: /c, recursiveReadOnly: " Enabled"}
        """
    )
    findings = _lint(text, "ML306")
    assert [f.fix for f in findings] == [None, None, None]
    assert 'Unsupported value: "": supported values: "Disabled", "Enabled", "IfPossible"' in (
        findings[0].explanation
    )
    assert "cannot unmarshal object into Go struct field" in findings[1].explanation
    assert 'Unsupported value: " Enabled"' in findings[2].explanation


def test_ml306_value_through_a_merge_key_is_display_only() -> None:
    text = _pod(
        """
        - &m {name: data, mountPath: /a, readOnly: true, recursiveReadOnly: disabled}
        - {<<: *m, mountPath: /b}
        """
    )
    findings = _lint(text, "ML306")
    assert len(findings) == 2
    assert all(f.fix and f.fix.applicability is Applicability.DISPLAY_ONLY for f in findings)
    assert _fix(text, "ML306") == textwrap.dedent(text)


# --- ML307 mount-references-unknown-volume ------------------------------------------------


def test_ml307_list_items_print_the_path_the_api_server_prints() -> None:
    text = """\
    apiVersion: v1
    kind: List
    items:
      - apiVersion: v1
        kind: Pod
        metadata: {name: p}
        spec:
          containers:
            - name: c
              image: busybox
              volumeMounts: [{name: missing, mountPath: /m}]
    """
    [finding] = _lint(text, "ML307")
    assert finding.explanation.startswith(
        'spec.containers[0].volumeMounts[0].name: Not found: "missing"; '
    )
    assert finding.field_path == "items[0].spec.containers[0].volumeMounts[0].name"


def test_ml307_skips_pods_whose_volumes_do_not_decode() -> None:
    text = _pod("- {name: missing, mountPath: /m}", volumes="").replace(
        "  volumes:\n", "  volumes: {data: x}\n"
    )
    assert _lint(text, "ML307") == []


def test_ml307_counts_claim_templates_as_volumes() -> None:
    statefulset = """\
    apiVersion: apps/v1
    kind: StatefulSet
    metadata: {name: s}
    spec:
      selector: {matchLabels: {app: s}}
      template:
        spec:
          containers:
            - name: c
              image: busybox
              volumeMounts: [{name: data, mountPath: /d}, {name: Data, mountPath: /e}]
      volumeClaimTemplates:
        - metadata: {name: data}
    """
    [finding] = _lint(statefulset, "ML307")
    assert "volume names are case-sensitive: did you mean 'data'?" in finding.explanation


@pytest.mark.parametrize(
    "text",
    [
        # an apps/v1 workload without spec.selector: a strategic-merge patch
        """\
        apiVersion: apps/v1
        kind: DaemonSet
        metadata: {name: cni}
        spec:
          template:
            spec:
              containers:
                - {name: c, image: busybox, volumeMounts: [{name: netns, mountPath: /n}]}
              volumes: [{name: other, emptyDir: {}}]
        """,
        # a container without an image: a patch of one container
        """\
        apiVersion: v1
        kind: Pod
        metadata: {name: p}
        spec:
          containers:
            - {name: c, volumeMounts: [{name: netns, mountPath: /n}]}
          volumes: [{name: other, emptyDir: {}}]
        """,
    ],
)
def test_ml307_skips_what_looks_like_a_patch(text: str) -> None:
    assert _lint(text, "ML307") == []


def test_ml307_lists_the_volumes_when_nothing_is_close() -> None:
    volumes = "\n".join(f"- {{name: vol{i}, emptyDir: {{}}}}" for i in range(7))
    [finding] = _lint(_pod("- {name: zzz, mountPath: /z}", volumes), "ML307")
    assert finding.explanation.endswith(
        "the pod's volumes are vol0, vol1, vol2, vol3, vol4 and 2 more"
    )


# --- ML308 duplicate-mount-path -----------------------------------------------------------


def test_ml308_exact_duplicates_are_errors_and_spellings_warnings() -> None:
    text = _pod(
        """
        - {name: data, mountPath: /d}
        - {name: data, mountPath: /d/.}
        - {name: data, mountPath: /d}
        - {name: data}
        - {name: data}
        - {name: data, mountPath: ""}
        - {name: data, mountPath: ""}
        """
    )
    findings = _lint(text, "ML308")
    assert [(f.severity, f.field_path[-25:]) for f in findings] == [
        (Severity.WARNING, "volumeMounts[1].mountPath"),
        (Severity.ERROR, "volumeMounts[2].mountPath"),
    ]
    assert findings[1].explanation.startswith(
        'spec.containers[0].volumeMounts[2].mountPath: Invalid value: "/d": must be unique; '
    )


def test_ml308_containers_are_separate() -> None:
    text = """\
    apiVersion: v1
    kind: Pod
    metadata: {name: p}
    spec:
      initContainers:
        - {name: i, image: busybox, volumeMounts: [{name: data, mountPath: /d}]}
      containers:
        - {name: c, image: busybox, volumeMounts: [{name: data, mountPath: /d}]}
      volumes: [{name: data, emptyDir: {}}]
    """
    assert _lint(text, "ML308") == []


# --- ML309 invalid-sub-path ---------------------------------------------------------------


def test_ml309_reports_every_error_the_api_server_gives() -> None:
    text = """\
    apiVersion: v1
    kind: Pod
    metadata: {name: p}
    spec:
      containers: [{name: c, image: busybox}]
      ephemeralContainers:
        - name: e
          image: busybox
          volumeMounts:
            - {name: data, mountPath: /m, subPath: /../x, subPathExpr: ../y}
      volumes: [{name: data, emptyDir: {}}]
    """
    messages = sorted(f.explanation.split(";")[0] for f in _lint(text, "ML309"))
    base = "spec.ephemeralContainers[0].volumeMounts[0]"
    assert messages == sorted(
        [
            f'{base}.subPath: Invalid value: "/../x": must be a relative path',
            f"{base}.subPath: Invalid value: \"/../x\": must not contain '..'",
            f"{base}.subPath: Forbidden: cannot be set for an Ephemeral Container",
            f'{base}.subPathExpr: Invalid value: "../y": subPathExpr and subPath are '
            "mutually exclusive",
            f"{base}.subPathExpr: Invalid value: \"../y\": must not contain '..'",
            f"{base}.subPathExpr: Forbidden: cannot be set for an Ephemeral Container",
        ]
    )


@pytest.mark.parametrize("sub_path", ["a..b", "..a", "a/...", ".", "./a", "a\\\\..\\\\b", "a/"])
def test_ml309_accepts_what_the_api_server_accepts(sub_path: str) -> None:
    text = _pod(f'- {{name: data, mountPath: /m, subPath: "{sub_path}"}}')
    assert _lint(text, "ML309") == []


# --- ML310 invalid-host-path --------------------------------------------------------------


def test_ml310_does_not_check_the_type_of_an_empty_path() -> None:
    text = _pod("- {name: data, mountPath: /m}", "- {name: data, hostPath: {path: '', type: x}}")
    [finding] = _lint(text, "ML310")
    assert finding.explanation.startswith("spec.volumes[0].hostPath.path: Required value")


def test_ml310_type_fix_only_for_case_slips() -> None:
    volumes = """
    - {name: a, hostPath: {path: /a, type: directoryorcreate}}
    - {name: b, hostPath: {path: /b, type: Device}}
    """
    findings = _lint(_pod("- {name: a, mountPath: /m}", volumes), "ML310")
    assert [f.fix is not None for f in findings] == [True, False]
    assert findings[0].explanation.endswith(
        "the values are case-sensitive: write DirectoryOrCreate"
    )
    fixed = _fix(_pod("- {name: a, mountPath: /m}", volumes), "ML310")
    assert "type: DirectoryOrCreate}" in fixed and "type: Device}" in fixed


def test_ml310_supported_values_are_listed_as_the_api_server_sorts_them() -> None:
    [finding] = _lint(
        _pod("- {name: a, mountPath: /m}", "- {name: a, hostPath: {path: /a, type: x}}"), "ML310"
    )
    assert finding.explanation == (
        'spec.volumes[0].hostPath.type: Unsupported value: "x": supported values: "", '
        '"BlockDevice", "CharDevice", "Directory", "DirectoryOrCreate", "File", '
        '"FileOrCreate", "Socket"'
    )


# --- ML311 mount-conflicts-with-device ----------------------------------------------------


def test_ml311_follows_the_api_servers_last_wins_device_map() -> None:
    text = """\
    apiVersion: v1
    kind: Pod
    metadata: {name: p}
    spec:
      containers:
        - name: c
          image: busybox
          volumeDevices:
            - {name: data, devicePath: /dev/a}
            - {name: data, devicePath: /dev/b}
            - {devicePath: /dev/c}
          volumeMounts:
            - {name: cfg, mountPath: /dev/a}
            - {name: cfg, mountPath: /dev/b}
            - {name: cfg, mountPath: /dev/c}
            - {mountPath: /m}
      volumes:
        - {name: data, persistentVolumeClaim: {claimName: d}}
        - {name: cfg, configMap: {name: c}}
    """
    findings = _lint(text, "ML311")
    assert [f.field_path.split(".", 2)[-1] for f in findings] == [
        "volumeMounts[1].mountPath",
        "volumeMounts[2].mountPath",
    ]
    assert "volumeDevices[1] puts a block device there" in findings[0].explanation


# --- ML312 host-path-root-recycle ---------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "cleaned"),
    [
        ("", "."),
        ("/", "/"),
        ("//", "/"),
        ("/./", "/"),
        ("/..", "/"),
        ("/a/..", "/"),
        ("/a/../..", "/"),
        ("/a/b/../c/.", "/a/c"),
        ("a/../..", ".."),
        ("../a", "../a"),
        ("a/b/", "a/b"),
    ],
)
def test_clean_matches_go_path_clean(path: str, cleaned: str) -> None:
    assert clean(path) == cleaned


def test_ml312_needs_exactly_recycle() -> None:
    template = """\
    apiVersion: v1
    kind: PersistentVolume
    metadata: {{name: pv}}
    spec:
      persistentVolumeReclaimPolicy: {policy}
      hostPath: {{path: {path}}}
    """
    assert _lint(template.format(policy="recycle", path="/"), "ML312") == []
    assert _lint(template.format(policy="Recycle", path="/root"), "ML312") == []
    assert _lint(template.format(policy="Recycle", path="'/a/..'"), "ML312") != []


def test_ml312_anchored_policy_is_display_only() -> None:
    text = """\
    apiVersion: v1
    kind: List
    items:
      - apiVersion: v1
        kind: PersistentVolume
        metadata: {name: a}
        spec: {persistentVolumeReclaimPolicy: &p Recycle, hostPath: {path: /}}
      - apiVersion: v1
        kind: PersistentVolume
        metadata: {name: b}
        spec: {persistentVolumeReclaimPolicy: *p, hostPath: {path: /srv}}
    """
    [finding] = _lint(text, "ML312")
    assert finding.fix is not None and finding.fix.applicability is Applicability.DISPLAY_ONLY
    assert finding.explanation.startswith("spec.persistentVolumeReclaimPolicy: Forbidden: ")
