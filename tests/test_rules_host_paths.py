"""The ML2 host path exposure rules (ML201-ML207): edge cases the fixtures do not pin down.

ML205 runs only with ``allowed_host_paths`` set, so its behaviour is tested here with
``Settings`` built in code.
"""

from __future__ import annotations

import re
import textwrap

import pytest

from mountlint.edits import Applicability
from mountlint.engine import Finding, lint_text
from mountlint.fixes import fix_text
from mountlint.paths import DEFAULT_RUNTIME_SOCKETS
from mountlint.registry import find_rule
from mountlint.rule import FixAvailability, Severity
from mountlint.settings import DEFAULT_SENSITIVE_PATHS, AllowedHostPath, Settings
from mountlint.yamlnodes import parse_stream

from helpers import FIXTURES

CODES = ["ML201", "ML202", "ML203", "ML204", "ML205", "ML206", "ML207"]

#: What the ML205 tests and examples allow: /var/log read-only, /data writable.
ALLOWED = (AllowedHostPath("/var/log", True), AllowedHostPath("/data/"))


def _settings(code: str, **options: object) -> Settings:
    if code == "ML205":
        options.setdefault("allowed_host_paths", ALLOWED)
    return Settings(select=frozenset({code}), **options)  # type: ignore[arg-type]


def _lint(text: str, code: str, **options: object) -> list[Finding]:
    return lint_text(textwrap.dedent(text), "test.yaml", _settings(code, **options))


def _fix(text: str, code: str, **options: object) -> str:
    outcome = fix_text(textwrap.dedent(text), "test.yaml", _settings(code, **options), unsafe=True)
    assert outcome.problem is None
    return outcome.text


def _pod(mounts: str, volumes: str, spec: str = "") -> str:
    """A Pod with one container that has ``mounts`` and the pod ``volumes`` (YAML list items)."""
    return (
        "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n"
        + textwrap.indent(textwrap.dedent(spec).strip("\n"), "  ")
        + ("\n" if spec.strip() else "")
        + "  containers:\n    - name: c\n      image: busybox\n      volumeMounts:\n"
        + textwrap.indent(textwrap.dedent(mounts).strip("\n"), "        ")
        + "\n  volumes:\n"
        + textwrap.indent(textwrap.dedent(volumes).strip("\n"), "    ")
        + "\n"
    )


def _lines(findings: list[Finding]) -> list[int]:
    return [finding.location.line for finding in findings]


def _line_of(text: str, needle: str) -> int:
    """The 1-based number of the first line of ``text`` that contains ``needle``."""
    for number, line in enumerate(textwrap.dedent(text).splitlines(), start=1):
        if needle in line:
            return number
    raise AssertionError(f"{needle!r} is not in the text")


def _section(doc: str, title: str) -> str:
    """The first ```yaml block of the ``## title`` section of a rule's documentation."""
    part = doc.split(f"## {title}\n", 1)[1].split("\n## ", 1)[0]
    match = re.search(r"```yaml\n(.*?)```", part, re.S)
    assert match, f"no yaml example under '## {title}'"
    return match.group(1)


# --- every rule: documentation, fixtures, robustness ----------------------------------------


@pytest.mark.parametrize("code", CODES)
def test_documented_example_fires_and_use_instead_does_not(code: str) -> None:
    registered = find_rule(code)
    assert registered is not None
    doc = registered.rule.doc
    sections = ["## What it does", "## Why is this bad?", "## Example", "## Use instead"]
    if registered.rule.fix is not FixAvailability.NONE:
        sections.append("## Fix safety")
    for heading in sections:
        assert heading in doc, f"{code} lacks {heading}"
    assert _lint(_section(doc, "Example"), code), f"{code}: the Example does not fire"
    assert _lint(_section(doc, "Use instead"), code) == []


@pytest.mark.parametrize("code", CODES)
def test_fixtures_are_valid_yaml(code: str) -> None:
    """A syntax error would hide the documents after it, and the fixture would prove nothing."""
    for name in ("bad.yaml", "good.yaml", "fixed.yaml"):
        path = FIXTURES / "rules" / code / name
        if path.exists():
            assert parse_stream(path.read_text(encoding="utf-8")).problem is None, path


WRONG_TYPES = """\
apiVersion: v1
kind: Pod
metadata: {name: odd}
spec:
  os: 42
  containers:
    - name: c
      image: busybox
      volumeMounts:
        - {name: a, mountPath: 42, readOnly: "true", subPath: 7, mountPropagation: [x]}
        - {name: b, mountPath: /b, readOnly: [x]}
        - {name: c, mountPath: /c, readOnly: {a: b}}
        - "not a mapping"
        - {name: [x], mountPath: /d}
  volumes:
    - {name: a, hostPath: {path: 42, type: [x]}}
    - {name: b, hostPath: "/srv"}
    - {name: c, hostPath: {path: [/a], type: 7}}
    - {name: [x], hostPath: {path: {a: b}}}
    - "x"
    - {name: e, hostPath: [x]}
---
apiVersion: v1
kind: PersistentVolume
metadata: {name: pv}
spec:
  hostPath: {path: 1}
"""


@pytest.mark.parametrize("code", CODES)
def test_wrong_types_do_not_crash(code: str) -> None:
    findings = _lint(WRONG_TYPES, code)
    if code == "ML207":  # every hostPath mapping, whatever is in it
        assert _lines(findings) == [16, 18, 19]
    else:
        assert findings == [], [finding.explanation for finding in findings]


@pytest.mark.parametrize("code", CODES)
def test_no_pods_and_no_volumes(code: str) -> None:
    assert _lint("apiVersion: v1\nkind: ConfigMap\ndata: {hostPath: /}\n", code) == []
    assert _lint("apiVersion: v1\nkind: Pod\nspec:\n  volumes: x\n  containers: 1\n", code) == []


def test_metadata() -> None:
    expected = {
        "ML201": ("runtime-socket-mount", Severity.ERROR, FixAvailability.NONE),
        "ML202": ("sensitive-host-path", Severity.WARNING, FixAvailability.NONE),
        "ML203": ("writable-host-path", Severity.WARNING, FixAvailability.UNSAFE),
        "ML204": ("untyped-host-path", Severity.INFO, FixAvailability.UNSAFE),
        "ML205": ("host-path-not-allowed", Severity.ERROR, FixAvailability.NONE),
        "ML206": ("host-path-not-normalized", Severity.INFO, FixAvailability.SAFE),
        "ML207": ("pod-security-baseline-host-path", Severity.INFO, FixAvailability.NONE),
    }
    for code, (name, severity, fix) in expected.items():
        registered = find_rule(code)
        assert registered is not None
        rule = registered.rule
        assert (rule.name, rule.severity, rule.fix) == (name, severity, fix)
        assert rule.enabled_by_default is (code != "ML207")


# --- ML201 runtime-socket-mount -------------------------------------------------------------


def test_ml201_socket_itself_and_directories_that_hold_one() -> None:
    text = _pod(
        """
        - {name: sock, mountPath: /var/run/docker.sock, readOnly: true}
        - {name: run, mountPath: /host/run}
        - {name: root, mountPath: /rootfs, readOnly: true}
        - {name: crio, mountPath: /crio}
        - {name: var, mountPath: /host/var}
        - {name: netns, mountPath: /netns}
        """,
        """
        - {name: sock, hostPath: {path: /var/run/docker.sock, type: Socket}}
        - {name: run, hostPath: {path: /run/}}
        - {name: root, hostPath: {path: /}}
        - {name: crio, hostPath: {path: /var/run/crio}}
        - {name: var, hostPath: {path: /var}}
        - {name: netns, hostPath: {path: /run/netns}}
        """,
    )
    findings = _lint(text, "ML201")
    assert _lines(findings) == [
        _line_of(text, needle)
        for needle in ("docker.sock, type", "path: /run/}", "path: /}", "/var/run/crio")
    ]
    assert {finding.severity for finding in findings} == {Severity.ERROR}
    assert "readOnly: true does not stop it connecting" in findings[0].explanation
    assert "readOnly" not in findings[1].explanation
    assert "exposes host '/' and with it the container runtime sockets" in findings[2].explanation
    assert findings[0].field_path == "spec.volumes[0].hostPath.path"
    assert [related.message for related in findings[0].related] == [
        "hostPath volume 'sock'",
        "mounted at '/var/run/docker.sock' in container c",
    ]


def test_ml201_sub_path_narrows_what_is_exposed() -> None:
    text = _pod(
        """
        - {name: run, mountPath: /netns, subPath: netns}
        - {name: run2, mountPath: /docker.sock, subPath: docker.sock}
        - {name: run3, mountPath: /expr, subPathExpr: $(POD_NAME)}
        - {name: run4, mountPath: /bad, subPath: ../run}
        """,
        """
        - {name: run, hostPath: {path: /run}}
        - {name: run2, hostPath: {path: /var/run}}
        - {name: run3, hostPath: {path: /run}}
        - {name: run4, hostPath: {path: /run}}
        """,
    )
    findings = _lint(text, "ML201")
    assert _lines(findings) == [
        _line_of(text, f"name: {name}, hostPath") for name in ("run2", "run3", "run4")
    ]
    assert "(host '/var/run') exposes the container runtime socket '/run/docker.sock'" in (
        findings[0].explanation
    )
    assert "through subPath 'docker.sock'" in findings[0].explanation


def test_ml201_unmounted_volume_is_a_warning() -> None:
    text = _pod(
        "- {name: logs, mountPath: /logs, readOnly: true}",
        """
        - {name: logs, hostPath: {path: /var/log}}
        - {name: sock, hostPath: {path: /run/containerd/containerd.sock}}
        """,
    )
    [finding] = _lint(text, "ML201")
    assert finding.severity is Severity.WARNING
    assert "no container mounts it yet" in finding.explanation


def test_ml201_extra_sockets_and_lookalikes() -> None:
    text = _pod(
        """
        - {name: custom, mountPath: /custom}
        - {name: lookalike, mountPath: /lookalike}
        """,
        """
        - {name: custom, hostPath: {path: /run/agent}}
        - {name: lookalike, hostPath: {path: /run/containerd2}}
        """,
    )
    assert _lint(text, "ML201") == []
    sockets = (*DEFAULT_RUNTIME_SOCKETS, "/var/run/agent/agent.sock")
    assert _lines(_lint(text, "ML201", runtime_sockets=sockets)) == [_line_of(text, "/run/agent")]


@pytest.mark.parametrize(
    "spec", ["os: {name: windows}", "nodeSelector: {kubernetes.io/os: windows}"]
)
def test_ml201_windows_pods_are_not_checked(spec: str) -> None:
    text = _pod(
        "- {name: sock, mountPath: /sock}",
        "- {name: sock, hostPath: {path: /var/run/docker.sock}}",
        spec=spec,
    )
    assert _lint(text, "ML201") == []


# --- ML202 sensitive-host-path --------------------------------------------------------------


def test_ml202_reports_listed_paths_and_what_contains_them_not_what_is_inside() -> None:
    text = _pod(
        """
        - {name: kubelet, mountPath: /kubelet}
        - {name: etc, mountPath: /etc-host}
        - {name: localtime, mountPath: /etc/localtime}
        - {name: pki, mountPath: /pki}
        - {name: etcd2, mountPath: /etcd2}
        """,
        """
        - {name: kubelet, hostPath: {path: /var/lib/kubelet/}}
        - {name: etc, hostPath: {path: //etc}}
        - {name: localtime, hostPath: {path: /etc/localtime}}
        - {name: pki, hostPath: {path: /etc/kubernetes/pki}}
        - {name: etcd2, hostPath: {path: /var/lib/etcd2}}
        """,
    )
    findings = _lint(text, "ML202")
    assert _lines(findings) == [_line_of(text, "/var/lib/kubelet/}"), _line_of(text, "//etc")]
    assert "with it the sensitive paths /var/lib/kubelet/pki" in findings[0].explanation
    assert "sensitive host path '//etc' (the node's configuration" in findings[1].explanation


def test_ml202_extra_sensitive_paths_and_unmounted_volumes() -> None:
    text = _pod(
        "- {name: secrets, mountPath: /secrets, readOnly: true}",
        """
        - {name: secrets, hostPath: {path: /srv/secrets}}
        - {name: unused, hostPath: {path: /proc}}
        """,
    )
    [unused] = _lint(text, "ML202")
    assert unused.severity is Severity.INFO
    assert "no container mounts it yet" in unused.explanation
    extra = (*DEFAULT_SENSITIVE_PATHS, "/srv/secrets")
    findings = _lint(text, "ML202", sensitive_paths=extra)
    assert _lines(findings) == [_line_of(text, "path: /srv/secrets"), _line_of(text, "/proc")]
    assert "'/srv/secrets' (listed in sensitive-paths)" in findings[0].explanation


def test_ml202_sub_path_narrows_what_is_exposed() -> None:
    text = _pod(
        """
        - {name: root, mountPath: /logs, subPath: var/log}
        - {name: root2, mountPath: /etc-host, subPath: etc/}
        """,
        """
        - {name: root, hostPath: {path: /}}
        - {name: root2, hostPath: {path: /}}
        """,
    )
    [finding] = _lint(text, "ML202")
    assert finding.location.line == _line_of(text, "name: root2, hostPath")
    assert "(host '/') exposes sensitive host path '/etc'" in finding.explanation


# --- ML203 writable-host-path ---------------------------------------------------------------


def test_ml203_skips_sockets_devices_bidirectional_and_undecodable_values() -> None:
    text = _pod(
        """
        - {name: sock, mountPath: /sock}
        - {name: app-sock, mountPath: /app.sock}
        - {name: typed, mountPath: /typed}
        - {name: fuse, mountPath: /dev/fuse}
        - {name: kubelet, mountPath: /var/lib/kubelet, mountPropagation: Bidirectional}
        - {name: logs, mountPath: /a, readOnly: "true"}
        - {name: logs, mountPath: /b, readOnly: yes}
        - {name: logs, mountPath: /c, readOnly: TRUE}
        - {name: scratch, mountPath: /scratch}
        - {name: missing, mountPath: /missing}
        """,
        """
        - {name: sock, hostPath: {path: /var/run/docker.sock}}
        - {name: app-sock, hostPath: {path: /run/app/app.sock}}
        - {name: typed, hostPath: {path: /run/app/listener, type: Socket}}
        - {name: fuse, hostPath: {path: /dev/fuse, type: CharDevice}}
        - {name: kubelet, hostPath: {path: /var/lib/kubelet}}
        - {name: logs, hostPath: {path: /var/log}}
        - {name: scratch, emptyDir: {}}
        """,
    )
    assert _lint(text, "ML203") == []


def test_ml203_location_message_and_fix() -> None:
    text = _pod(
        """
        - name: logs
          mountPath: /logs
          readOnly: false
        - {name: logs, mountPath: /flow}
        - name: logs
          mountPath: /tagged
          readOnly: !!bool false
        """,
        "- {name: logs, hostPath: {path: /var/log, type: Directory}}",
    )
    findings = _lint(text, "ML203")
    assert _lines(findings) == [
        _line_of(text, "readOnly: false"),
        _line_of(text, "/flow"),
        _line_of(text, "!!bool"),
    ]
    first, flow, tagged = findings
    assert first.field_path == "spec.containers[0].volumeMounts[0].readOnly"
    assert "with readOnly: false" in first.explanation
    assert flow.field_path == "spec.containers[0].volumeMounts[1]"
    assert "without readOnly" in flow.explanation
    assert first.fix is not None and first.fix.applicability is Applicability.UNSAFE
    assert tagged.fix is not None and tagged.fix.applicability is Applicability.UNSAFE
    fixed = _fix(text, "ML203")
    assert "          readOnly: true\n        - {name: logs" in fixed
    assert "{name: logs, mountPath: /flow, readOnly: true}" in fixed
    assert "readOnly: !!bool true" in fixed  # the value is replaced, the tag stays


def test_ml203_merged_read_only_is_overridden_and_anchor_left_alone() -> None:
    text = _pod(
        """
        - &m {name: logs, mountPath: /a, readOnly: false}
        - <<: *m
          mountPath: /b
        """,
        "- {name: logs, hostPath: {path: /var/log}}",
    )
    findings = _lint(text, "ML203")
    assert _lines(findings) == [_line_of(text, "&m"), _line_of(text, "<<: *m")]
    assert [finding.fix.applicability for finding in findings if finding.fix] == [
        Applicability.DISPLAY_ONLY,
        Applicability.UNSAFE,
    ]
    assert findings[1].field_path == "spec.containers[0].volumeMounts[1]"
    fixed = _fix(text, "ML203")
    assert "- &m {name: logs, mountPath: /a, readOnly: false}" in fixed
    assert "          mountPath: /b\n          readOnly: true\n" in fixed


def test_ml203_windows_is_not_checked() -> None:
    text = _pod(
        "- {name: data, mountPath: 'C:\\data'}",
        "- {name: data, hostPath: {path: 'C:\\ProgramData'}}",
    )
    assert _lint(text, "ML203") == []
    text = _pod(
        "- {name: data, mountPath: /data}",
        "- {name: data, hostPath: {path: /data}}",
        spec="os: {name: windows}",
    )
    assert _lint(text, "ML203") == []


# --- ML204 untyped-host-path ----------------------------------------------------------------


def test_ml204_sockets_and_files_but_never_directories() -> None:
    text = _pod(
        "- {name: logs, mountPath: /logs}",
        """
        - {name: sock, hostPath: {path: /var/run/docker.sock}}
        - {name: agent, hostPath: {path: /var/lib/agent/agent.sock/}}
        - {name: id, hostPath: {path: /etc/machine-id, type: ""}}
        - {name: conf, hostPath: {path: /etc/app/app.conf, type: null}}
        - {name: dir, hostPath: {path: /etc/app/conf.d}}
        - {name: run, hostPath: {path: /run/containerd}}
        - {name: dot, hostPath: {path: /root/.kube}}
        - {name: typed, hostPath: {path: /run/x.sock, type: DirectoryOrCreate}}
        """,
    )
    findings = _lint(text, "ML204")
    assert _lines(findings) == [
        _line_of(text, needle) for needle in ("docker.sock", "agent.sock", "machine-id", "app.conf")
    ]
    assert [finding.explanation.rsplit(" ", 1)[-1] for finding in findings] == [
        "Socket",
        "Socket",
        "File",
        "File",
    ]
    fixed = _fix(text, "ML204")
    assert "{path: /var/run/docker.sock, type: Socket}" in fixed
    assert '{path: /etc/machine-id, type: "File"}' in fixed
    assert "{path: /etc/app/app.conf, type: File}" in fixed


def test_ml204_shared_host_path_is_reported_once_and_display_only() -> None:
    text = _pod(
        """
        - {name: a, mountPath: /a}
        - {name: b, mountPath: /b}
        """,
        """
        - name: a
          hostPath: &sock
            path: /run/docker.sock
        - name: b
          hostPath: *sock
        """,
    )
    [finding] = _lint(text, "ML204")
    assert finding.fix is not None
    assert finding.fix.applicability is Applicability.DISPLAY_ONLY


def test_ml204_merged_type_is_overridden_in_place() -> None:
    text = _pod(
        "- {name: a, mountPath: /a}",
        """
        - name: base
          hostPath: &base {path: /srv/base, type: ""}
        - name: a
          hostPath:
            <<: *base
            path: /run/app.sock
        """,
    )
    [finding] = _lint(text, "ML204")
    assert finding.location.line == _line_of(text, "/run/app.sock")
    fixed = _fix(text, "ML204")
    assert '&base {path: /srv/base, type: ""}' in fixed
    assert "        path: /run/app.sock\n        type: Socket\n" in fixed


# --- ML205 host-path-not-allowed ------------------------------------------------------------


def test_ml205_does_not_run_without_allowed_host_paths() -> None:
    text = _pod("- {name: etc, mountPath: /etc}", "- {name: etc, hostPath: {path: /etc}}")
    findings = lint_text(text, "test.yaml", Settings(select=frozenset({"ML205"})))
    assert findings == []


def test_ml205_prefixes_match_whole_components() -> None:
    text = _pod(
        """
        - {name: pods, mountPath: /pods, readOnly: true}
        - {name: logs, mountPath: /logs, readOnly: true}
        - {name: logs-slash, mountPath: /logs-slash, readOnly: true}
        - {name: var-run-logs, mountPath: /odd, readOnly: true}
        - {name: lookalike, mountPath: /lookalike, readOnly: true}
        - {name: data, mountPath: /data}
        - {name: datastore, mountPath: /datastore}
        - {name: relative, mountPath: /relative}
        - {name: windows, mountPath: /windows}
        """,
        """
        - {name: pods, hostPath: {path: /var/log/pods}}
        - {name: logs, hostPath: {path: /var/log}}
        - {name: logs-slash, hostPath: {path: /var//log/}}
        - {name: var-run-logs, hostPath: {path: /var/logs}}
        - {name: lookalike, hostPath: {path: /var/log2/x}}
        - {name: data, hostPath: {path: /data}}
        - {name: datastore, hostPath: {path: /datastore}}
        - {name: relative, hostPath: {path: var/log}}
        - {name: windows, hostPath: {path: 'C:\\var\\log'}}
        """,
    )
    findings = _lint(text, "ML205")
    assert _lines(findings) == [
        _line_of(text, f"{{name: {name}, hostPath")
        for name in ("var-run-logs", "lookalike", "datastore", "relative")
    ]
    assert all(finding.severity is Severity.ERROR for finding in findings)
    assert (
        "'/var/logs', which is not under any prefix of allowed-host-paths (/var/log, /data/)"
        in (findings[0].explanation)
    )
    assert "(a relative path is under none)" in findings[3].explanation
    assert findings[0].field_path == "spec.volumes[3].hostPath.path"


def test_ml205_read_only_is_required_only_when_every_match_requires_it() -> None:
    allowed = (
        AllowedHostPath("/var/log", True),
        AllowedHostPath("/var/log/agent", False),
        AllowedHostPath("/var/run/secrets", True),
    )
    text = _pod(
        """
        - {name: logs, mountPath: /a}
        - {name: logs, mountPath: /b, readOnly: true}
        - {name: logs, mountPath: /c, readOnly: false}
        - {name: logs, mountPath: /d, readOnly: null}
        - {name: logs, mountPath: /e, readOnly: "true"}
        - {name: positions, mountPath: /positions}
        - {name: secrets, mountPath: /secrets}
        """,
        """
        - {name: logs, hostPath: {path: /var/log/pods}}
        - {name: positions, hostPath: {path: /var/log/agent/positions}}
        - {name: secrets, hostPath: {path: /run/secrets/x}}
        """,
    )
    findings = _lint(text, "ML205", allowed_host_paths=allowed)
    assert _lines(findings) == [
        _line_of(text, needle) for needle in ("/a}", "/c, readOnly: false", "/d,", "/secrets}")
    ]
    assert "without readOnly, but allowed-host-paths allows '/var/log' only read-only" in (
        findings[0].explanation
    )
    assert "with readOnly: false" in findings[1].explanation
    assert "with an empty readOnly" in findings[2].explanation
    assert findings[1].field_path == "spec.containers[0].volumeMounts[2].readOnly"
    assert findings[0].fix is None


def test_ml205_root_prefix_allows_everything_and_empty_list_nothing() -> None:
    text = _pod(
        "- {name: etc, mountPath: /etc-host}",
        """
        - {name: etc, hostPath: {path: /etc}}
        - {name: unused, hostPath: {path: /opt}}
        """,
    )
    assert _lint(text, "ML205", allowed_host_paths=(AllowedHostPath("/"),)) == []
    findings = _lint(text, "ML205", allowed_host_paths=())
    assert _lines(findings) == [_line_of(text, "path: /etc"), _line_of(text, "path: /opt")]
    assert "allowed-host-paths is empty" in findings[0].explanation


def test_ml205_merged_read_only_is_located_at_the_mount() -> None:
    text = _pod(
        """
        - &m {name: logs, mountPath: /a, readOnly: true}
        - <<: *m
          mountPath: /b
          readOnly: false
        - <<: *m
          mountPath: /c
        """,
        "- {name: logs, hostPath: {path: /var/log}}",
    )
    findings = _lint(text, "ML205")
    assert _lines(findings) == [_line_of(text, "readOnly: false")]


def test_ml205_windows_pods_are_not_checked() -> None:
    text = _pod(
        "- {name: etc, mountPath: 'C:\\etc'}",
        "- {name: etc, hostPath: {path: /etc}}",
        spec="os: {name: windows}",
    )
    assert _lint(text, "ML205") == []


# --- ML206 host-path-not-normalized ---------------------------------------------------------


@pytest.mark.parametrize(
    ("written", "fixed"),
    [
        ("/var/log/", "/var/log"),
        ("//run/netns", "/run/netns"),
        ("/var/./log", "/var/log"),
        ("/var/log/.", "/var/log"),
        ("/.", "/"),
        ("//", "/"),
        ("'/var//log/'", "'/var/log'"),
        ('"/var//log/"', '"/var/log"'),
        ("/var/run//docker.sock", "/var/run/docker.sock"),
    ],
)
def test_ml206_writes_the_normal_form_keeping_quotes(written: str, fixed: str) -> None:
    text = _pod("- {name: v, mountPath: /v}", f"- name: v\n  hostPath:\n    path: {written}\n")
    [finding] = _lint(text, "ML206")
    assert finding.fix is not None and finding.fix.applicability is Applicability.SAFE
    assert finding.field_path == "spec.volumes[0].hostPath.path"
    assert _fix(text, "ML206").endswith(f"    path: {fixed}\n")


@pytest.mark.parametrize(
    "path", ["/", "/var/run", "/run", "/var/lib/docker2", "/srv/.hidden", "/a/../b", "'/var/log'"]
)
def test_ml206_normal_paths_are_clean(path: str) -> None:
    text = _pod("- {name: v, mountPath: /v}", f"- {{name: v, hostPath: {{path: {path}}}}}")
    assert _lint(text, "ML206") == []


def test_ml206_relative_paths_get_a_display_only_fix() -> None:
    text = _pod("- {name: v, mountPath: /v}", "- {name: v, hostPath: {path: ./var/log}}")
    [finding] = _lint(text, "ML206")
    assert "relative path './var/log'" in finding.explanation
    assert "is it '/var/log'?" in finding.explanation
    assert finding.fix is not None
    assert finding.fix.applicability is Applicability.DISPLAY_ONLY
    assert _fix(text, "ML206") == text


def test_ml206_no_fix_where_rewriting_the_text_could_change_it() -> None:
    text = _pod(
        """
        - {name: a, mountPath: /a}
        - {name: b, mountPath: /b}
        - {name: c, mountPath: /c}
        """,
        """
        - {name: a, hostPath: {path: !!str /srv//a}}
        - {name: b, hostPath: {path: &p /srv//b}}
        - {name: c, hostPath: {path: "/srv//c\\\\d"}}
        """,
    )
    findings = _lint(text, "ML206")
    assert _lines(findings) == [_line_of(text, f"{{name: {name}, host") for name in "abc"]
    # A tag or an anchor in front of the value stays; only text that needs escaping is left alone.
    assert [finding.fix is not None for finding in findings] == [True, True, False]
    fixed = _fix(text, "ML206")
    assert "{path: !!str /srv/a}" in fixed and "{path: &p /srv/b}" in fixed


def test_ml206_unmounted_volumes_are_checked_and_windows_is_not() -> None:
    text = _pod(
        "- {name: a, mountPath: /a}",
        """
        - {name: a, hostPath: {path: 'C:\\data\\'}}
        - {name: unused, hostPath: {path: /srv/unused/}}
        """,
    )
    assert _lines(_lint(text, "ML206")) == [_line_of(text, "/srv/unused/")]


# --- ML207 pod-security-baseline-host-path --------------------------------------------------


def test_ml207_is_off_by_default() -> None:
    text = _pod("- {name: a, mountPath: /a}", "- {name: a, hostPath: {path: /srv}}")
    codes = {finding.rule.code for finding in lint_text(text, "test.yaml", Settings())}
    assert "ML207" not in codes
    assert "ML203" in codes  # the other rules did run
    assert _lines(_lint(text, "ML207")) == [_line_of(text, "path: /srv")]


def test_ml207_every_hostpath_volume_of_every_pod_os() -> None:
    text = _pod(
        "- {name: a, mountPath: 'C:\\a'}",
        """
        - {name: a, hostPath: {path: 'C:\\a'}}
        - {name: unused, hostPath: {path: /srv}}
        - name: no-path
          hostPath: {}
        - {name: empty, emptyDir: {}}
        - {name: nulled, hostPath: null, emptyDir: {}}
        """,
        spec="os: {name: windows}",
    )
    findings = _lint(text, "ML207")
    assert _lines(findings) == [
        _line_of(text, "{name: a, hostPath"),
        _line_of(text, "/srv"),
        _line_of(text, "hostPath: {}"),
    ]
    assert findings[2].field_path == "spec.volumes[2].hostPath"
    assert "the API server rejects the pod;" in findings[0].explanation


def test_ml207_controllers_and_persistent_volumes() -> None:
    text = textwrap.dedent(
        """\
        apiVersion: apps/v1
        kind: DaemonSet
        metadata: {name: agent}
        spec:
          template:
            spec:
              containers: [{name: c, image: busybox}]
              volumes: [{name: logs, hostPath: {path: /var/log}}]
        ---
        apiVersion: v1
        kind: PersistentVolume
        metadata: {name: pv}
        spec:
          hostPath: {path: /srv/data}
        """
    )
    [finding] = _lint(text, "ML207")
    assert "rejects the pods of this DaemonSet (the DaemonSet itself is accepted)" in (
        finding.explanation
    )


# --- one finding per mount per concern, and the issue 13 additions ------------------------------


def test_ml202_leaves_out_what_ml201_reports_for_the_same_mount() -> None:
    text = _pod(
        """
        - {name: root, mountPath: /rootfs, readOnly: true}
        - {name: etc, mountPath: /host/etc, readOnly: true}
        """,
        """
        - {name: root, hostPath: {path: /}}
        - {name: etc, hostPath: {path: /etc}}
        """,
    )
    both = lint_text(text, "test.yaml", Settings(select=frozenset({"ML201", "ML202"})))
    assert [(f.rule.code, f.location.line) for f in both] == [
        ("ML201", _line_of(text, "path: /}")),
        ("ML202", _line_of(text, "path: /etc}")),
    ]
    # with ML201 off, ML202 reports host / itself
    assert _lines(_lint(text, "ML202")) == [_line_of(text, "path: /}"), _line_of(text, "/etc}")]


def test_ml201_runtime_sockets_by_name_anywhere() -> None:
    text = _pod(
        "- {name: sock, mountPath: /run/containerd/containerd.sock}",
        "- {name: sock, hostPath: {path: /run/host-containerd/containerd.sock, type: Socket}}",
    )
    findings = _lint(text, "ML201")
    assert len(findings) == 1
    assert "is a runtime socket" in findings[0].message


def test_ml202_kubelet_pods_and_writable_kernel_interfaces() -> None:
    text = _pod(
        """
        - {name: pods, mountPath: /pods, readOnly: true}
        - {name: debug, mountPath: /sys/kernel/debug}
        - {name: security, mountPath: /sys/kernel/security, readOnly: true}
        """,
        """
        - {name: pods, hostPath: {path: /var/lib/kubelet/pods}}
        - {name: debug, hostPath: {path: /sys/kernel/debug}}
        - {name: security, hostPath: {path: /sys/kernel/security}}
        """,
    )
    findings = _lint(text, "ML202")
    assert _lines(findings) == [_line_of(text, "/var/lib/kubelet/pods}"), _line_of(text, "debug}}")]
    assert "service-account tokens" in findings[0].message


@pytest.mark.parametrize(
    "path",
    [
        "/var/lib/kubelet/plugins/ebs.csi.aws.com/",
        "/var/lib/kubelet/plugins_registry",
        "/var/lib/kubelet/device-plugins",
        "/opt/cni/bin",
        "/etc/cni/net.d",
    ],
)
def test_ml203_folders_that_must_be_written_are_info_without_fix(path: str) -> None:
    text = _pod("- {name: v, mountPath: /v}", f"- {{name: v, hostPath: {{path: {path}}}}}")
    findings = _lint(text, "ML203")
    assert [(f.severity, f.fix) for f in findings] == [(Severity.INFO, None)]


def test_ml203_staging_folder_is_not_a_known_writer() -> None:
    text = _pod(
        "- {name: v, mountPath: /v}",
        "- {name: v, hostPath: {path: /var/lib/kubelet/plugins/kubernetes.io/csi}}",
    )
    assert [f.severity for f in _lint(text, "ML203")] == [Severity.WARNING]


def test_ml204_alternative_runtime_sockets_get_a_display_only_fix() -> None:
    text = _pod(
        """
        - {name: docker, mountPath: /host/var/run/docker.sock}
        - {name: crio, mountPath: /host/run/crio/crio.sock}
        - {name: agent, mountPath: /agent.sock}
        """,
        """
        - {name: docker, hostPath: {path: /var/run/docker.sock}}
        - {name: crio, hostPath: {path: /run/crio/crio.sock}}
        - {name: agent, hostPath: {path: /run/agent/agent.sock}}
        """,
    )
    findings = _lint(text, "ML204")
    applicability = [f.fix.applicability if f.fix else None for f in findings]
    assert applicability == [
        Applicability.DISPLAY_ONLY,
        Applicability.DISPLAY_ONLY,
        Applicability.UNSAFE,
    ]
    assert "alternative runtime sockets" in findings[0].fix.description  # type: ignore[union-attr]
    assert "type: Socket" not in _fix(text, "ML204").split("crio.sock}")[0]
