"""mountlint on other linters' own test fixtures (the shared corpus, ``peers/``).

Each case is an object (or one volume or mount of it) that a peer's test suite says fails or
passes one of its hostPath checks, paired with mountlint's rule for the same concern. Most pin an
agreement; the ``deliberate`` tests pin where mountlint differs on purpose. ``docs/peers.md``
maps every peer check to a rule and explains each difference.
"""

from __future__ import annotations

import functools
import json
from dataclasses import dataclass, replace
from pathlib import Path

import pytest
from ruamel.yaml import YAML

from mountlint.engine import Finding, lint_text
from mountlint.settings import AllowedHostPath, Settings

from helpers import run_mountlint


@dataclass(frozen=True)
class Case:
    """``code`` is reported (``fires``) or not on the object ``kind``/``name`` in ``path``.

    ``path`` is relative to ``peers/``; ``where`` narrows the case to findings located at (or
    below) that field path: one volume or one volumeMount.
    """

    path: str
    kind: str
    name: str | None
    code: str
    fires: bool
    where: str = ""

    def __str__(self) -> str:
        target = f"{self.kind}/{self.name}" + (f"@{self.where}" if self.where else "")
        return f"{self.path}:{target}:{self.code}:{'fires' if self.fires else 'silent'}"


def fires(path: str, obj: str, code: str, where: str = "") -> Case:
    """``obj`` is ``Kind/name`` (``Kind/`` for an object without a name)."""
    kind, _, name = obj.partition("/")
    return Case(path, kind, name or None, code, True, where)


def silent(path: str, obj: str, code: str, where: str = "") -> Case:
    return replace(fires(path, obj, code, where), fires=False)


def _settings(code: str, **options: object) -> Settings:
    return replace(Settings(select=frozenset({code})), **options)  # type: ignore[arg-type]


@functools.cache
def _lint(corpus: Path, path: str, settings: Settings) -> tuple[Finding, ...]:
    text = (corpus / "peers" / path).read_text(encoding="utf-8")
    return tuple(lint_text(text, path, settings))


def _matches(finding: Finding, case: Case) -> bool:
    return (
        finding.rule.code == case.code
        and finding.object_kind == case.kind
        and finding.object_name == case.name
        and (
            not case.where
            or finding.field_path == case.where
            or finding.field_path.startswith((case.where + ".", case.where + "["))
        )
    )


def _check(corpus: Path, case: Case, settings: Settings | None = None) -> None:
    findings = _lint(corpus, case.path, settings or _settings(case.code))
    hits = [f.message for f in findings if _matches(f, case)]
    if case.fires:
        assert hits, f"{case.code} expected on {case.kind}/{case.name} in {case.path}"
    else:
        assert not hits, hits


# -- the whole folder --------------------------------------------------------------------------


def test_whole_peers_folder_lints_without_errors(corpus: Path) -> None:
    folder = str(corpus / "peers")
    result = run_mountlint("--select", "ALL", "--format", "json", "--exit-zero", folder)
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    assert "internal error" not in result.stderr
    report = json.loads(result.stdout)
    assert report["errors"] == []
    assert report["summary"]["files_checked"] > 700
    # every fixture is YAML that parses; Helm chart sources are skipped, not reported
    assert not [f for f in report["findings"] if f["code"] == "ML001"]
    assert not [f for f in report["findings"] if "/templates/" in f["location"]["path"]]


# -- kube-linter: docker-sock, sensitive-host-mounts, writable-host-mount (bats tests) ---------

KL = "kube-linter/tests/checks/"
KUBE_LINTER = [
    fires(KL + "docker-sock.yml", "Deployment/app", "ML201"),
    fires(KL + "docker-sock.yml", "DeploymentConfig/app", "ML201"),
    silent(KL + "docker-sock.yml", "Deployment/dont-fire", "ML201"),  # /var/run/thing.sock
    silent(KL + "docker-sock.yml", "DeploymentConfig/dont-fire", "ML201"),
    fires(KL + "sensitive-host-mounts.yml", "Deployment/app1", "ML202"),
    fires(KL + "sensitive-host-mounts.yml", "DeploymentConfig/app2", "ML202"),
    fires(KL + "writable-host-mount.yml", "Deployment/app1", "ML203"),
    fires(KL + "writable-host-mount.yml", "DeploymentConfig/app2", "ML203"),
]


@pytest.mark.parametrize("case", KUBE_LINTER, ids=str)
def test_kube_linter(corpus: Path, case: Case) -> None:
    _check(corpus, case)


# -- checkov: CKV_K8S_27 (PASSED/FAILED in file names; 4 passed, 2 failed) ---------------------

CK = "checkov/tests/kubernetes/checks/example_DockerSocketVolume/"
CLOUDWATCH = CK + "cloudwatch-agent-1PASSED-1FAILED.yaml"
SCOPE = CK + "scope-2PASSED-1FAILED.yaml"
CHECKOV = [
    fires(CLOUDWATCH, "DaemonSet/cloudwatch-agent", "ML201"),
    silent(CLOUDWATCH, "DaemonSet/fluentd-cloudwatch", "ML201"),
    fires(SCOPE, "DaemonSet/weave-scope-agent", "ML201"),
    silent(SCOPE, "Deployment/weave-scope-app", "ML201"),
    silent(SCOPE, "Deployment/weave-scope-cluster-agent", "ML201"),
    silent(CK + "CronJob-pass.yaml", "CronJob/nginx-pod", "ML201"),
]


@pytest.mark.parametrize("case", CHECKOV, ids=str)
def test_checkov(corpus: Path, case: Case) -> None:
    _check(corpus, case)


def test_checkov_root_mount_reports_the_sockets_below_it(corpus: Path) -> None:
    # checkov fails cloudwatch-agent for /var/run/docker.sock only; host / holds the sockets too
    findings = _lint(corpus, CLOUDWATCH, _settings("ML201"))
    assert {f.field_path for f in findings if f.object_name == "cloudwatch-agent"} == {
        "spec.template.spec.volumes[1].hostPath.path",  # rootfs: /
        "spec.template.spec.volumes[2].hostPath.path",  # dockersock: /var/run/docker.sock
    }


# -- kyverno-policies: .kyverno-test results and chainsaw good/bad resources --------------------

KY = "kyverno-policies/"
CRI_K = KY + "best-practices/disallow-cri-sock-mount/.kyverno-test/"
CRI_C = KY + "best-practices/disallow-cri-sock-mount/.chainsaw-test/"
LABEL_K = KY + "other/docker-socket-requires-label/.kyverno-test/"
LABEL_C = KY + "other/docker-socket-requires-label/.chainsaw-test/"
RO_K = KY + "other/ensure-readonly-hostpath/.kyverno-test/"
RO_C = KY + "other/ensure-readonly-hostpath/.chainsaw-test/"
BASE_K = KY + "pod-security/baseline/disallow-host-path/.kyverno-test/"
BASE_C = KY + "pod-security/baseline/disallow-host-path/.chainsaw-test/"
REMOVE = KY + "other/remove-hostpath-volumes/.chainsaw-test/pods.yaml"
KYVERNO = [
    # disallow-cri-sock-mount: four sockets, spelled /var/run/...; no container mounts them
    fires(CRI_K + "resource.yaml", "Pod/pod-with-docker-sock-mount", "ML201"),
    silent(CRI_K + "resource.yaml", "Pod/goodpod01", "ML201"),
    fires(CRI_C + "pod-containerd-sock.yaml", "Pod/pod-with-containerd-sock-mount", "ML201"),
    fires(CRI_C + "pod-crio-sock.yaml", "Pod/pod-with-crio-sock-mount", "ML201"),
    fires(CRI_C + "pod-cri-dockerd-sock.yaml", "Pod/pod-with-cri-dockerd-sock-mount", "ML201"),
    silent(CRI_C + "pod-emptydir-vol.yaml", "Pod/pod-with-emptydir-volume", "ML201"),
    # docker-socket-requires-label: sockets without the label (the labelled ones: below)
    fires(LABEL_K + "resource.yaml", "Pod/nginx-bad-1", "ML201"),
    fires(LABEL_K + "resource.yaml", "Pod/nginx-bad-2", "ML201"),
    silent(LABEL_K + "resource.yaml", "Pod/nginx-allow-3", "ML201"),
    fires(LABEL_C + "podcontrollers-bad.yaml", "CronJob/badcronjob02", "ML201"),
    silent(LABEL_C + "podcontrollers-good.yaml", "Deployment/gooddeployment02", "ML201"),
    # ensure-readonly-hostpath: every container kind, readOnly missing or false
    fires(RO_K + "bad-pod-01.yaml", "Pod/bad-pod-01", "ML203"),
    silent(RO_K + "good-pod-01.yaml", "Pod/good-pod-01", "ML203"),
    fires(RO_C + "bad-pod-02.yaml", "Pod/bad-pod-02", "ML203"),
    fires(RO_C + "bad-pod-05.yaml", "Pod/bad-pod-05", "ML203"),
    fires(RO_C + "pods-bad.yaml", "Pod/badpod01", "ML203"),
    silent(RO_C + "pods-good.yaml", "Pod/goodpod01", "ML203"),
    fires(RO_C + "podcontrollers-bad.yaml", "CronJob/badcronjob01", "ML203"),
    silent(RO_C + "podcontrollers-good.yaml", "Deployment/gooddeployment01", "ML203"),
    # named for their expectation (no test step applies them); only the ephemeral one writes
    fires(RO_C + "bad-pods-all.yaml", "Pod/bad-pods-all", "ML203", "spec.ephemeralContainers[0]"),
    silent(RO_C + "good-pods-all.yaml", "Pod/bad-pods-all", "ML203"),
    # disallow-host-path (Pod Security baseline): any hostPath volume, mounted or not
    fires(BASE_K + "resource.yaml", "Pod/badpod02", "ML207"),
    silent(BASE_K + "resource.yaml", "Pod/goodpod02", "ML207"),
    fires(BASE_K + "resource.yaml", "Deployment/baddeployment01", "ML207"),
    silent(BASE_K + "resource.yaml", "Deployment/gooddeployment02", "ML207"),
    fires(BASE_K + "resource.yaml", "CronJob/badcronjob02", "ML207"),
    silent(BASE_K + "resource.yaml", "CronJob/goodcronjob01", "ML207"),
    fires(BASE_C + "pod-bad.yaml", "Pod/badpod03-new", "ML207"),
    fires(BASE_C + "podcontroller-bad.yaml", "CronJob/badcronjob01-new", "ML207"),
    silent(BASE_C + "podcontroller-good.yaml", "CronJob/goodcronjob01-new", "ML207"),
    # remove-hostpath-volumes (a mutation): it changes exactly the pods ML207 reports
    fires(REMOVE, "Pod/pod01", "ML207"),
    fires(REMOVE, "Pod/pod02", "ML207"),
    silent(REMOVE, "Pod/pod03", "ML207"),
    fires(REMOVE, "Pod/pod05", "ML207"),
]


@pytest.mark.parametrize("case", KYVERNO, ids=str)
def test_kyverno(corpus: Path, case: Case) -> None:
    _check(corpus, case)


#: limit-hostpath-vols allows paths whose first component is `data`: /data as the prefix.
ONLY_DATA = _settings("ML205", allowed_host_paths=(AllowedHostPath("/data"),))
LIMIT_K = KY + "other/limit-hostpath-vols/.kyverno-test/"
LIMIT_C = KY + "other/limit-hostpath-vols/.chainsaw-test/"
PV_K = KY + "other/limit-hostpath-type-pv/.kyverno-test/"
PV_C = KY + "other/limit-hostpath-type-pv/.chainsaw-test/"
KYVERNO_LIMIT = [
    fires(LIMIT_K + "badpod.yaml", "Pod/bad-pods-all", "ML205"),
    silent(LIMIT_K + "goodpod.yaml", "Pod/good-pods-all", "ML205"),
    silent(LIMIT_C + "pod-bad.yaml", "Pod/badpod01", "ML205", "spec.volumes[0]"),  # /data
    fires(LIMIT_C + "pod-bad.yaml", "Pod/badpod01", "ML205", "spec.volumes[1]"),  # /etc/junk
    fires(LIMIT_C + "pod-bad.yaml", "Pod/badpod02", "ML205"),
    silent(LIMIT_C + "pod-good.yaml", "Pod/goodpod01", "ML205"),
    silent(LIMIT_C + "pod-good.yaml", "Pod/goodpod02", "ML205"),
    fires(LIMIT_C + "podcontroller-bad.yaml", "CronJob/badcronjob01", "ML205"),
    silent(LIMIT_C + "podcontroller-good.yaml", "Deployment/gooddeployment01", "ML205"),
    # limit-hostpath-type-pv: the same list for hostPath PersistentVolumes (its `/data*` is a
    # string pattern that /database matches too; no fixture has such a path)
    fires(PV_K + "resource.yaml", "PersistentVolume/bad-pv", "ML205"),  # /etc
    silent(PV_K + "resource.yaml", "PersistentVolume/good-pv", "ML205"),  # /data
    fires(PV_C + "pv-bad.yaml", "PersistentVolume/bad-pv02", "ML205"),  # /etc/data/home
    silent(PV_C + "pv-good.yaml", "PersistentVolume/good-pv02", "ML205"),  # /data/home
]


@pytest.mark.parametrize("case", KYVERNO_LIMIT, ids=str)
def test_kyverno_limit_hostpath(corpus: Path, case: Case) -> None:
    _check(corpus, case, ONLY_DATA)


@pytest.mark.parametrize(
    "case",
    [
        fires(LABEL_K + "resource.yaml", "Pod/nginx-allow-2", "ML201"),
        fires(LABEL_C + "pods-good.yaml", "Pod/goodpod04", "ML201"),
        fires(LABEL_C + "podcontrollers-good.yaml", "Deployment/gooddeployment01", "ML201"),
        fires(LABEL_C + "podcontrollers-good.yaml", "CronJob/goodcronjob01", "ML201"),
    ],
    ids=str,
)
def test_deliberate_kyverno_docker_socket_label_is_no_exemption(corpus: Path, case: Case) -> None:
    # docker-socket-requires-label passes these for their `allow-docker: "true"` label; mountlint
    # has no label-based exemption (the socket is as dangerous either way): a reviewed exception
    # takes the mountlint.io/ignore annotation or a suppression comment instead.
    _check(corpus, case)


def test_kyverno_restrict_volume_types_has_no_host_path(corpus: Path) -> None:
    # restricted-profile volume types: the bad fixtures use nfs, gitRepo, iscsi, ... and none uses
    # hostPath (disallow-host-path covers it), so there is nothing for mountlint to report.
    folder = corpus / "peers" / KY / "pod-security" / "restricted" / "restrict-volume-types"
    result = run_mountlint("--select", "ALL", "--format", "json", str(folder))
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["findings"] == []


# -- trivy-checks: KSV023 and KSV006, manifests embedded as strings in good:/bad: lists --------


@pytest.mark.parametrize(
    ("name", "code"),
    [("hostpath_volumes_mounted.yaml", "ML207"), ("mounts_docker_socket.yaml", "ML201")],
)
def test_trivy_checks(corpus: Path, name: str, code: str) -> None:
    path = corpus / "peers" / "trivy-checks" / "checks" / "kubernetes" / name
    lists = YAML(typ="safe").load(path.read_text(encoding="utf-8"))["kubernetes"]
    assert lists["bad"] and lists["good"]
    for verdict, texts in lists.items():
        for index, text in enumerate(texts):
            findings = lint_text(text, f"{name}#{verdict}[{index}]", _settings(code))
            expected = {code} if verdict == "bad" else set()
            assert {f.rule.code for f in findings} == expected, (verdict, index)


# -- polaris: hostPathSet (success/failure file names) ----------------------------------------

POLARIS = [
    fires("polaris/test/checks/hostPathSet/failure.yaml", "Pod/nginx", "ML207"),
    silent("polaris/test/checks/hostPathSet/success.yaml", "Pod/nginx", "ML207"),
]


@pytest.mark.parametrize("case", POLARIS, ids=str)
def test_polaris(corpus: Path, case: Case) -> None:
    _check(corpus, case)


# -- kubesec: DockerSock (bats tests; score-N- file names) ------------------------------------

KS = "kubesec/test/asset/"
KUBESEC = [
    fires(KS + "score-0-daemonset-mount-docker-socket.yml", "DaemonSet/example-daemonset", "ML201"),
    # no metadata at all: the object has no name
    fires(KS + "score-0-daemonset-volume-host-docker-socket.yml", "DaemonSet/", "ML201"),
    silent(KS + "score-1-daemonset-default.yml", "DaemonSet/", "ML201"),
]


@pytest.mark.parametrize("case", KUBESEC, ids=str)
def test_kubesec(corpus: Path, case: Case) -> None:
    _check(corpus, case)


# -- kubescape regolibrary: expected.json per test case, one alert per volume -----------------

KR = "kubescape-regolibrary/rules/"
SOCK = KR + "containers-mounting-docker-socket/test/"
ANY = KR + "alert-any-hostpath/test/"
RW = KR + "alert-rw-hostpath/test/"
POD_VOLUMES = "spec.volumes"
TEMPLATE = "spec.template.spec"
JOB = "spec.jobTemplate.spec.template.spec"
KUBESCAPE = [
    # C-0074: the runtime socket volume is reported, the /var volume beside it is not
    fires(SOCK + "pod-containerd/input/pod.yaml", "Pod/test-pd", "ML201", POD_VOLUMES + "[0]"),
    silent(SOCK + "pod-containerd/input/pod.yaml", "Pod/test-pd", "ML201", POD_VOLUMES + "[1]"),
    fires(SOCK + "cronjob-crio/input/cronjob.yaml", "CronJob/hello", "ML201", JOB + ".volumes[0]"),
    silent(SOCK + "cronjob-crio/input/cronjob.yaml", "CronJob/hello", "ML201", JOB + ".volumes[1]"),
    fires(SOCK + "pod-initcontainer/input/pod.yaml", "Pod/test-pd", "ML201"),
    # a socket volume that no container mounts is reported too
    fires(
        SOCK + "workloads/input/deployment.yaml",
        "Deployment/my-deployment",
        "ML201",
        TEMPLATE + ".volumes[1]",
    ),
    silent(
        SOCK + "workloads/input/deployment.yaml",
        "Deployment/my-deployment",
        "ML201",
        TEMPLATE + ".volumes[0]",
    ),
    # C-0048: every hostPath volume
    fires(ANY + "deployment/input/deployment.yaml", "Deployment/my-deployment", "ML207"),
    fires(ANY + "pod-initcontainer/input/pod.yaml", "Pod/test-pd", "ML207"),
    fires(ANY + "pod-multiple-mounts/input/pod.yaml", "Pod/test-pd", "ML207"),
    # C-0045: each writable mount, in init containers too
    fires(
        RW + "deployment/input/deployment.yaml",
        "Deployment/my-deployment",
        "ML203",
        TEMPLATE + ".containers[0].volumeMounts[0]",
    ),
    fires(
        RW + "deployment/input/deployment.yaml",
        "Deployment/my-deployment",
        "ML203",
        TEMPLATE + ".containers[0].volumeMounts[1]",
    ),
    fires(
        RW + "cronjob-initcontainer/input/cronjob.yaml",
        "CronJob/hello",
        "ML203",
        JOB + ".initContainers[0].volumeMounts[0]",
    ),
]


@pytest.mark.parametrize("case", KUBESCAPE, ids=str)
def test_kubescape(corpus: Path, case: Case) -> None:
    _check(corpus, case)


def test_kubescape_any_hostpath_one_finding_per_volume(corpus: Path) -> None:
    findings = _lint(corpus, ANY + "deployment/input/deployment.yaml", _settings("ML207"))
    assert [f.field_path for f in findings] == [
        TEMPLATE + ".volumes[0].hostPath.path",
        TEMPLATE + ".volumes[1].hostPath.path",
    ]


def test_kubescape_rw_hostpath_only_the_two_writable_mounts(corpus: Path) -> None:
    # test-volume2 is not mounted: nothing to make read-only, no alert and no ML203
    findings = _lint(corpus, RW + "deployment/input/deployment.yaml", _settings("ML203"))
    assert len(findings) == 2


DOCKER_STATE = [
    fires(SOCK + "pod/input/pod.yaml", "Pod/test-pd", "ML201", POD_VOLUMES + "[0]"),
    fires(SOCK + "cronjob/input/cronjob.yaml", "CronJob/hello", "ML201", JOB + ".volumes[0]"),
]


@pytest.mark.parametrize("case", DOCKER_STATE, ids=str)
def test_kubescape_docker_state_directory(corpus: Path, case: Case) -> None:
    # host /var/run/docker holds dockerd's own containerd socket
    # (/run/docker/containerd/containerd.sock), one of the built-in runtime sockets
    _check(corpus, case)


CREDENTIALS = KR + "alert-mount-potential-credentials-paths/test/"


@pytest.mark.parametrize(
    "case",
    [
        fires(
            CREDENTIALS + "deployment_eks_failed/input/deployment.yaml",
            "Deployment/my-deployment",
            "ML202",
            TEMPLATE + ".volumes[0]",  # /.aws/credentials
        ),
        fires(
            CREDENTIALS + "deployment_eks_failed/input/deployment.yaml",
            "Deployment/my-deployment",
            "ML202",
            TEMPLATE + ".volumes[1]",  # /.aws/
        ),
        # /.aws/config/
        fires(CREDENTIALS + "pod_eks_failed/input/pod.yaml", "Pod/test-pd", "ML202"),
    ],
    ids=str,
)
def test_deliberate_kubescape_cloud_credential_paths(corpus: Path, case: Case) -> None:
    # kubescape reports these /.aws paths when told the cluster runs on EKS; mountlint's default
    # sensitive paths are node paths, and it has no cloud-provider input: list them instead.
    _check(corpus, replace(case, fires=False))
    settings = _settings("ML202")
    extra = (*settings.sensitive_paths, "/.aws/credentials", "/.aws/config")
    _check(corpus, case, replace(settings, sensitive_paths=extra))


# -- kubeaudit: SensitivePathsMounted (mounts_test.go) ----------------------------------------

KA = "kubeaudit/auditors/mounts/fixtures/"
SENSITIVE = Settings(select=frozenset({"ML201", "ML202"}))
KUBEAUDIT = [
    fires(KA + "docker-sock-mounted.yml", "Pod/pod", "ML201"),
    fires(KA + "proc-mounted.yml", "Pod/pod", "ML202"),
    # container2 has no override label: still an error for kubeaudit
    fires(KA + "proc-mounted-allowed-multi-containers-single-label.yml", "Pod/pod", "ML202"),
]


@pytest.mark.parametrize("case", KUBEAUDIT, ids=str)
def test_kubeaudit(corpus: Path, case: Case) -> None:
    _check(corpus, case, SENSITIVE)


@pytest.mark.parametrize(
    "name",
    ["proc-mounted-allowed.yml", "proc-mounted-allowed-multi-containers-multi-labels.yml"],
)
def test_deliberate_kubeaudit_override_labels(corpus: Path, name: str) -> None:
    # kubeaudit turns these into "overridden" results for their allow-host-path-mount-* labels;
    # mountlint reads only its own suppressions, so /proc is reported until the object carries
    # the mountlint.io/ignore annotation.
    case = fires(KA + name, "Pod/pod", "ML202")
    _check(corpus, case, SENSITIVE)
    text = (corpus / "peers" / case.path).read_text(encoding="utf-8")
    annotation = "metadata:\n  annotations:\n    mountlint.io/ignore: sensitive-host-path\n"
    assert lint_text(text.replace("metadata:\n", annotation, 1), case.path, SENSITIVE) == []


# -- checks with no mountlint counterpart -----------------------------------------------------


@pytest.mark.parametrize(
    "path",
    [
        "kube-linter/tests/checks/unsafe-proc-mount.yml",
        "polaris/test/checks/procMount/failure.yaml",
        CK + "scope-UNKNOWN.yaml",
    ],
)
def test_out_of_scope_fixtures_report_nothing(corpus: Path, path: str) -> None:
    # procMount (Unmasked, Other) is a securityContext setting, not a volume mount; checkov's
    # UNKNOWN fixture is a pod whose containers and volumes are mappings, not lists
    settings = Settings(select=frozenset({"ML201", "ML202", "ML203", "ML207"}))
    assert _lint(corpus, path, settings) == ()
