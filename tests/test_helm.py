"""Helm: rendering charts and mapping findings in rendered output back to the templates."""

from __future__ import annotations

import os
import shutil
import stat
from dataclasses import replace
from pathlib import Path

import pytest

from mountlint.edits import Applicability, Edit, Fix, apply_edits
from mountlint.engine import analyze_text
from mountlint.findings import Finding
from mountlint.helm import (
    HelmMapping,
    HelmNotFound,
    HelmRenderError,
    find_chart_dir,
    remap_findings,
    render_chart,
    split_rendered,
)
from mountlint.settings import Settings

from helpers import FIXTURES

HELM_FIXTURES = FIXTURES / "helm"
CHART = HELM_FIXTURES / "mounts"
RENDERED = HELM_FIXTURES / "mounts.rendered.yaml"
STREAM = "rendered.yaml"
SETTINGS = Settings(select=frozenset({"ML101", "ML201", "ML202", "ML203", "ML206"}))

needs_helm = pytest.mark.skipif(shutil.which("helm") is None, reason="helm is not on PATH")


def _lint(text: str, display: str = STREAM) -> list[Finding]:
    return analyze_text(text, display, SETTINGS).findings


def _pairs(
    text: str, chart: Path, display: str = STREAM
) -> tuple[HelmMapping, list[tuple[Finding, Finding]]]:
    """The mapping and each finding of the rendered text with its remapped version."""
    findings = _lint(text, display)
    mapping = HelmMapping(text, display, chart)
    return mapping, list(zip(findings, mapping.remap(findings), strict=True))


def _moved(pairs: list[tuple[Finding, Finding]], code: str, rendered_line: int) -> Finding:
    matches = [
        new for old, new in pairs if old.rule.code == code and old.location.line == rendered_line
    ]
    assert len(matches) == 1, [(old.rule.code, old.location.line) for old, _ in pairs]
    return matches[0]


def _template_line(path: str, line: int) -> str:
    return Path(path).read_text(encoding="utf-8").split("\n")[line - 1]


# --------------------------------------------------------------------------- the stream


def test_split_rendered_reads_sources_and_line_ranges() -> None:
    documents = split_rendered(RENDERED.read_text(encoding="utf-8"))
    assert [document.source for document in documents] == [
        "mounts/charts/agent/templates/daemonset.yaml",
        "mounts/templates/daemonset.yaml",
        "mounts/templates/collectors.yaml",
        "mounts/templates/collectors.yaml",
        "mounts/templates/probes.yaml",
        "mounts/templates/probes.yaml",
    ]
    assert documents[0].template == "charts/agent/templates/daemonset.yaml"
    assert documents[1].template == "templates/daemonset.yaml"
    first = documents[0]
    assert (first.start_line, first.body_line, first.end_line) == (2, 3, 25)
    assert documents[-1].end_line == 133
    text = RENDERED.read_text(encoding="utf-8")
    assert text[first.start_offset :].startswith("# Source: mounts/charts/agent/")
    assert text[documents[1].start_offset - 4 : documents[1].start_offset] == "---\n"


def test_split_rendered_without_separators_or_sources() -> None:
    text = "apiVersion: v1\nkind: Pod\n---\n\n---\n# just a comment\nkind: Pod\n"
    documents = split_rendered(text)
    assert len(documents) == 2  # the empty document in between is not one
    assert all(document.source is None and document.template is None for document in documents)
    assert [(d.start_line, d.end_line, d.body_line) for d in documents] == [(1, 2, 1), (6, 7, 6)]


# --------------------------------------------------------------------------- the chart directory


def test_find_chart_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / ".git").mkdir()
    chart = tmp_path / "deploy" / "chart"
    (chart / "templates").mkdir(parents=True)
    (chart / "Chart.yaml").write_text("name: x\n", encoding="utf-8")
    template = chart / "templates" / "ds.yaml"
    template.write_text("kind: Pod\n", encoding="utf-8")
    assert find_chart_dir(chart) == chart
    assert find_chart_dir(template) == chart  # upward from a template
    assert find_chart_dir(chart / "Chart.yaml") == chart  # next to a given file
    assert find_chart_dir(tmp_path / "deploy") is None  # never below, never past the repo root
    monkeypatch.chdir(tmp_path)
    assert find_chart_dir(Path("deploy/chart/templates/ds.yaml")) == Path("deploy/chart")
    monkeypatch.chdir(chart / "templates")
    assert find_chart_dir(Path("ds.yaml")) == Path("..")


def test_find_chart_dir_accepts_chart_yaml_tmpl(tmp_path: Path) -> None:
    (tmp_path / ".git").mkdir()
    chart = tmp_path / "charts" / "gadget"
    (chart / "templates").mkdir(parents=True)
    (chart / "Chart.yaml.tmpl").write_text("name: gadget\n", encoding="utf-8")
    assert find_chart_dir(chart / "templates") == chart


def test_subchart_templates_resolve_by_folder_name_or_alias() -> None:
    mapping = HelmMapping(RENDERED.read_text(encoding="utf-8"), STREAM, CHART)
    # `# Source: mounts/charts/agent/...`: `agent` is the alias of dependency `node-agent`,
    # whose chart lives in charts/node-agent/
    assert mapping.template_path(mapping.documents[0]) == (
        CHART / "charts" / "node-agent" / "templates" / "daemonset.yaml"
    )
    assert mapping.template_path(mapping.documents[1]) == CHART / "templates" / "daemonset.yaml"


# --------------------------------------------------------------------------- locations


def test_literal_line_maps_to_the_template_line() -> None:
    _, pairs = _pairs(RENDERED.read_text(encoding="utf-8"), CHART)
    finding = _moved(pairs, "ML101", 48)  # host / mounted at /host, default propagation
    location = finding.location
    assert location.path == str(CHART / "templates" / "daemonset.yaml")
    assert (location.line, location.column) == (21, 15)
    assert _template_line(location.path, 21) == "            - name: host-root"
    text = Path(location.path).read_text(encoding="utf-8")
    assert text[location.offset : location.end_offset] == "name: host-root"
    # the rendered position stays reachable, and the volume moves to its template line too
    rendered = [item for item in finding.related if item.message.startswith("rendered at")]
    assert [(item.location.path, item.location.line) for item in rendered] == [(STREAM, 48)]
    assert rendered[0].message == f"rendered at {STREAM}:48"
    volume = next(item for item in finding.related if item.message.startswith("hostPath volume"))
    assert (volume.location.path, volume.location.line) == (location.path, 34)
    assert "(rendered at" not in finding.message


def test_subchart_finding_maps_into_the_subchart() -> None:
    _, pairs = _pairs(RENDERED.read_text(encoding="utf-8"), CHART)
    finding = _moved(pairs, "ML101", 20)
    assert finding.location.path == str(
        CHART / "charts" / "node-agent" / "templates" / "daemonset.yaml"
    )
    assert finding.location.line == 18
    assert _template_line(finding.location.path, 18).strip() == "- name: containerd"


def test_templated_line_is_found_through_its_literal_neighbours() -> None:
    _, pairs = _pairs(RENDERED.read_text(encoding="utf-8"), CHART)
    finding = _moved(pairs, "ML206", 62)  # path: "/var/lib/data/" from {{ .Values.dataDir }}
    assert (finding.location.line, finding.location.column) == (39, 19)
    assert _template_line(finding.location.path, 39).strip() == (
        "path: {{ .Values.dataDir | quote }}"
    )


def test_ambiguous_line_goes_to_the_template_first_line_naming_the_rendered_line() -> None:
    # collectors.yaml holds two Pods that differ only in templated names: both match
    _, pairs = _pairs(RENDERED.read_text(encoding="utf-8"), CHART)
    finding = _moved(pairs, "ML203", 77)
    location = finding.location
    assert location.path == str(CHART / "templates" / "collectors.yaml")
    assert (location.line, location.column, location.offset) == (1, 1, 0)
    assert f"(rendered at {STREAM}:77 as `- name: varlog`;" in finding.message
    assert (finding.related[-1].location.path, finding.related[-1].location.line) == (STREAM, 77)
    # its related locations are ambiguous too: they stay in the rendered stream
    volume = next(item for item in finding.related if item.message.startswith("hostPath volume"))
    assert (volume.location.path, volume.location.line) == (STREAM, 80)
    assert finding.fix is not None and finding.fix.applicability is Applicability.DISPLAY_ONLY
    assert finding.fix.edits == ()
    assert f"{location.path} that render {STREAM}:77" in finding.fix.description


def test_a_line_rendered_by_a_loop_maps_to_the_loop_body() -> None:
    _, pairs = _pairs(RENDERED.read_text(encoding="utf-8"), CHART)
    for rendered_line in (111, 128):  # the two probes of `range .Values.probes`
        finding = _moved(pairs, "ML203", rendered_line)
        assert finding.location.line == 12
        assert finding.fix is not None and finding.fix.applicability is Applicability.DISPLAY_ONLY
        assert finding.fix.edits == ()  # one template edit would change every probe


def test_documents_without_source_and_other_files_stay_where_they_are() -> None:
    plain = (
        "---\napiVersion: v1\nkind: Pod\nmetadata:\n  name: plain\nspec:\n  containers:\n"
        "    - name: c\n      image: busybox\n      volumeMounts:\n        - name: root\n"
        "          mountPath: /host\n  volumes:\n    - name: root\n      hostPath:\n"
        "        path: /\n"
    )
    text = RENDERED.read_text(encoding="utf-8") + plain
    mapping, pairs = _pairs(text, CHART)
    stays = [(old, new) for old, new in pairs if old.location.line > 133]
    assert stays and all(old is new for old, new in stays)
    other = replace(pairs[0][0], location=replace(pairs[0][0].location, path="elsewhere.yaml"))
    assert mapping.remap([other]) == [other]
    assert mapping.missing_templates == []


def test_missing_template_files_are_listed_and_their_findings_stay(tmp_path: Path) -> None:
    chart = tmp_path / "chart"
    shutil.copytree(CHART, chart)
    shutil.rmtree(chart / "charts")  # as if the subchart were a packaged .tgz
    text = RENDERED.read_text(encoding="utf-8")
    mapping, pairs = _pairs(text, chart)
    old, new = next((old, new) for old, new in pairs if old.location.line == 20)
    assert new is old
    assert mapping.missing_templates == ["mounts/charts/agent/templates/daemonset.yaml"]


def test_display_path_is_relative_when_the_chart_dir_is(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(HELM_FIXTURES)
    text = RENDERED.read_text(encoding="utf-8")
    findings = _lint(text, "-")
    moved = remap_findings(findings, text, "-", Path("mounts"))
    paths = {finding.location.path for finding in moved}
    assert "mounts/templates/daemonset.yaml" in paths
    assert "mounts/charts/node-agent/templates/daemonset.yaml" in paths
    assert any(item.message == "rendered at stdin:48" for f in moved for item in f.related)


def _one_template_chart(root: Path, template: str, newline: str = "\n") -> Path:
    chart = root / "c"
    (chart / "templates").mkdir(parents=True)
    (chart / "Chart.yaml").write_text("apiVersion: v2\nname: c\nversion: 0.1.0\n", "utf-8")
    with open(chart / "templates" / "pod.yaml", "w", encoding="utf-8", newline="") as handle:
        handle.write(template.replace("\n", newline))
    return chart


POD_HEAD = (
    "apiVersion: v1\nkind: Pod\nmetadata:\n  name: {{ .Release.Name }}\nspec:\n"
    "  containers:\n    - name: c\n      image: busybox\n      volumeMounts:\n"
)


def test_a_literal_look_alike_does_not_hide_the_templated_source(tmp_path: Path) -> None:
    template = POD_HEAD + (
        "        - name: a\n          mountPath: /a\n          readOnly: true\n"
        "        - name: b\n          mountPath: /b\n          readOnly: true\n"
        "  volumes:\n"
        "    - name: a\n      hostPath:\n        path: {{ .Values.devDir }}\n"
        "    - name: b\n      hostPath:\n        path: /dev\n"
    )
    chart = _one_template_chart(tmp_path, template)
    # what `helm template r c --set devDir=/dev` prints
    body = template.replace("{{ .Release.Name }}", "r").replace("{{ .Values.devDir }}", "/dev")
    text = "---\n# Source: c/templates/pod.yaml\n" + body
    _, pairs = _pairs(text, chart)
    # volume a's `path: /dev` came from line 19, not from the literal `path: /dev` of volume b
    assert _moved(pairs, "ML202", 21).location.line == 19
    assert _moved(pairs, "ML202", 24).location.line == 22


def test_crlf_template_gets_crlf_edits(tmp_path: Path) -> None:
    template = POD_HEAD + (
        "        - name: root\n          mountPath: /host\n          readOnly: true\n"
        "  volumes:\n    - name: root\n      hostPath:\n        path: /\n"
    )
    chart = _one_template_chart(tmp_path, template, newline="\r\n")
    # helm keeps a template's CRLF; only its own `---` and `# Source:` lines are LF
    body = template.replace("{{ .Release.Name }}", "r").replace("\n", "\r\n")
    text = "---\n# Source: c/templates/pod.yaml\n" + body
    mapping, pairs = _pairs(text, chart)
    finding = _moved(pairs, "ML101", 12)
    assert finding.location.line == 10
    (change,) = mapping.fix_templates([finding])
    assert "          readOnly: true\r\n          mountPropagation: HostToContainer\r\n" in (
        change.fixed
    )
    assert change.fixed.count("\n") == change.fixed.count("\r\n")


# --------------------------------------------------------------------------- fixes


def _expected_after_literal_fix(original: str) -> str:
    before = (
        "            - name: host-root\n"
        "              mountPath: /host\n"
        "              readOnly: true\n"
    )
    assert original.count(before) == 1
    return original.replace(before, before + "              mountPropagation: HostToContainer\n")


def test_literal_fix_applied_to_a_template_copy(tmp_path: Path) -> None:
    chart = tmp_path / "mounts"
    shutil.copytree(CHART, chart)
    template = chart / "templates" / "daemonset.yaml"
    original = template.read_text(encoding="utf-8")
    text = RENDERED.read_text(encoding="utf-8")
    mapping, pairs = _pairs(text, chart)
    finding = _moved(pairs, "ML101", 48)
    assert finding.fix is not None and finding.fix.applicability is Applicability.SAFE
    assert len(finding.fix.edits) == 1
    assert apply_edits(original, finding.fix.edits) == _expected_after_literal_fix(original)
    # only safe fixes by default: the ML101 ones here, one per template
    changes = {change.path: change for change in mapping.fix_templates([new for _, new in pairs])}
    change = changes[template]
    assert change.problem is None and change.changed
    assert change.fixed == _expected_after_literal_fix(original)
    assert change.data == change.fixed.encode("utf-8")
    assert [f.rule.code for f in change.applied] == ["ML101"]
    subchart = chart / "charts" / "node-agent" / "templates" / "daemonset.yaml"
    assert "mountPropagation: HostToContainer" in changes[subchart].fixed
    assert template.read_text(encoding="utf-8") == original  # fix_templates writes nothing


def test_templated_line_gives_a_display_only_fix() -> None:
    _, pairs = _pairs(RENDERED.read_text(encoding="utf-8"), CHART)
    old = next(old for old, _ in pairs if old.rule.code == "ML206" and old.location.line == 62)
    assert old.fix is not None and old.fix.edits  # the rendered stream could be edited...
    new = _moved(pairs, "ML206", 62)
    assert new.fix is not None
    assert new.fix.applicability is Applicability.DISPLAY_ONLY  # ...the template cannot
    assert new.fix.edits == ()
    where = f"{CHART / 'templates' / 'daemonset.yaml'}:39"
    assert new.fix.description.startswith(f"Write '/var/lib/data' at {where}, by hand")
    # a new key after a templated line: display-only too, at the mount's line
    logs = _moved(pairs, "ML203", 54)
    assert logs.location.line == 31 and logs.fix is not None
    assert logs.fix.applicability is Applicability.DISPLAY_ONLY and logs.fix.edits == ()
    assert f"{CHART / 'templates' / 'daemonset.yaml'}:31" in logs.fix.description


def test_fix_templates_refuses_edits_that_touch_template_actions() -> None:
    text = RENDERED.read_text(encoding="utf-8")
    mapping, pairs = _pairs(text, CHART)
    good = _moved(pairs, "ML101", 48)
    template = Path(good.location.path).read_text(encoding="utf-8")
    action = template.index("{{ .Values.dataDir | quote }}")
    bad = replace(
        good,
        fix=Fix("Break it", Applicability.SAFE, (Edit(action, action + 2, "{"),)),
    )
    (change,) = mapping.fix_templates([bad])
    assert change.problem is not None and "template actions" in change.problem
    assert change.fixed == change.original and change.applied == []


def test_edits_are_never_inside_go_template_syntax() -> None:
    """Every translated edit replaces the same text as in the stream and keeps every action."""
    text = RENDERED.read_text(encoding="utf-8")
    _, pairs = _pairs(text, CHART)
    translated = 0
    for old, new in pairs:
        if new.fix is None or not new.fix.edits or old.fix is None:
            continue
        translated += 1
        template = Path(new.location.path).read_text(encoding="utf-8")
        for before, after in zip(old.fix.edits, new.fix.edits, strict=True):
            assert text[before.start : before.end] == template[after.start : after.end]
            assert "{{" not in template[max(0, after.start - 2) : after.end + 2]
    assert translated >= 2


# --------------------------------------------------------------------------- the shared corpus

#: Hand-checked: (rendered file, line, code) -> (template, line, the template line's text).
CORPUS_PINS = [
    (
        "longhorn/deploy/longhorn.yaml",
        "longhorn/chart",
        5657,
        "ML203",
        "templates/daemonset-sa.yaml",
        69,
        "        - name: dev",
    ),
    (
        "longhorn/deploy/longhorn.yaml",
        "longhorn/chart",
        5701,
        "ML202",
        "templates/daemonset-sa.yaml",
        131,
        "          path: /boot/",
    ),
    (
        # a templated value, found through the literal `- name: longhorn` / `hostPath:` lines
        "longhorn/deploy/longhorn.yaml",
        "longhorn/chart",
        5713,
        "ML206",
        "templates/daemonset-sa.yaml",
        143,
        "          path: {{ $longhornDataPath | quote }}",
    ),
    (
        # `- mountPath: /sys/fs/bpf` is at lines 223 (gadget) and 311 (gpu bridge sidecar)
        "inspektor-gadget/pkg/resources/manifests/deploy.yaml",
        "inspektor-gadget/charts/gadget",
        335,
        "ML203",
        "templates/daemonset.yaml",
        223,
        "            - mountPath: /sys/fs/bpf",
    ),
    (
        "inspektor-gadget/pkg/resources/manifests/deploy.yaml",
        "inspektor-gadget/charts/gadget",
        311,
        "ML101",
        "templates/daemonset.yaml",
        199,
        "            - mountPath: /host/run",
    ),
    (
        "inspektor-gadget/pkg/resources/manifests/deploy.yaml",
        "inspektor-gadget/charts/gadget",
        386,
        "ML201",
        "templates/daemonset.yaml",
        369,
        "            path: /run",
    ),
    (
        # `- mountPath: /host/opt/cni/bin` is at lines 88 (upgrade-ipam) and 181 (install-cni)
        "calico/manifests/calico.yaml",
        "calico/charts/calico",
        12557,
        "ML203",
        "templates/calico-node.yaml",
        88,
        "            - mountPath: /host/opt/cni/bin",
    ),
    (
        "calico/manifests/calico.yaml",
        "calico/charts/calico",
        12597,
        "ML203",
        "templates/calico-node.yaml",
        181,
        "            - mountPath: /host/opt/cni/bin",
    ),
    (
        "calico/manifests/calico.yaml",
        "calico/charts/calico",
        12812,
        "ML202",
        "templates/calico-node.yaml",
        634,
        "            path: /proc",
    ),
    (
        # a mount from `range .Values.classes`
        "sig-storage-local-static-provisioner/helm/generated_examples/baremetal-default-storage.yaml",
        "sig-storage-local-static-provisioner/helm/provisioner",
        159,
        "ML203",
        "templates/daemonset_linux.yaml",
        123,
        "            - name: {{ .name }}",
    ),
    (
        "sig-storage-local-static-provisioner/helm/generated_examples/baremetal-default-storage.yaml",
        "sig-storage-local-static-provisioner/helm/provisioner",
        157,
        "ML203",
        "templates/daemonset_linux.yaml",
        119,
        "            - name: provisioner-dev",
    ),
]


@pytest.mark.parametrize(
    ("rendered", "chart", "line", "code", "template", "template_line", "text"),
    CORPUS_PINS,
    ids=[f"{pin[0].split('/')[0]}:{pin[2]}" for pin in CORPUS_PINS],
)
def test_corpus_findings_map_to_hand_checked_template_lines(
    corpus: Path,
    rendered: str,
    chart: str,
    line: int,
    code: str,
    template: str,
    template_line: int,
    text: str,
) -> None:
    base = corpus / "helm-rendered"
    display = str(base / rendered)
    _, pairs = _pairs((base / rendered).read_text(encoding="utf-8"), base / chart, display)
    finding = _moved(pairs, code, line)
    assert finding.location.path == str(base / chart / template)
    assert finding.location.line == template_line
    assert _template_line(finding.location.path, template_line) == text
    assert finding.related[-1].location.path == display
    assert finding.related[-1].location.line == line


def test_corpus_literal_fix_applies_to_a_template_copy(corpus: Path, tmp_path: Path) -> None:
    base = corpus / "helm-rendered" / "longhorn"
    chart = tmp_path / "chart"
    shutil.copytree(base / "chart", chart)
    text = (base / "deploy" / "longhorn.yaml").read_text(encoding="utf-8")
    mapping, pairs = _pairs(text, chart)
    finding = _moved(pairs, "ML206", 5701)  # path: /boot/ -> /boot
    assert finding.fix is not None and finding.fix.applicability is Applicability.SAFE
    template = chart / "templates" / "daemonset-sa.yaml"
    changes = {change.path: change for change in mapping.fix_templates([finding])}
    fixed = changes[template].fixed.split("\n")
    original = template.read_text(encoding="utf-8").split("\n")
    assert original[130] == "          path: /boot/"
    assert fixed[130] == "          path: /boot"
    assert fixed[:130] == original[:130] and fixed[131:] == original[131:]


def test_corpus_subchart_source_with_a_different_folder_name(corpus: Path) -> None:
    testdata = corpus / "helm-rendered" / "helm" / "pkg" / "cmd" / "testdata"
    text = (testdata / "output" / "template.txt").read_text(encoding="utf-8")
    chart = testdata / "testcharts" / "subchart"
    mapping = HelmMapping(text, "template.txt", chart)
    by_source = {document.source: document for document in mapping.documents}
    document = by_source["subchart/charts/subcharta/templates/service.yaml"]
    assert mapping.template_path(document) == (
        chart / "charts" / "subchartA" / "templates" / "service.yaml"
    )


def _corpus_streams(base: Path) -> list[tuple[Path, Path]]:
    streams = [(path, base / "longhorn" / "chart") for path in (base / "longhorn").glob("deploy/*")]
    streams += [
        (path, base / "calico" / "charts" / "calico")
        for path in (base / "calico" / "manifests").glob("*.yaml")
        if path.name != "tigera-operator.yaml"
    ]
    streams += [
        (path, base / "inspektor-gadget" / "charts" / "gadget")
        for path in (base / "inspektor-gadget" / "pkg" / "resources" / "manifests").glob("*.yaml")
    ]
    provisioner = base / "sig-storage-local-static-provisioner" / "helm"
    streams += [
        (path, provisioner / "provisioner")
        for path in (provisioner / "generated_examples").glob("*.yaml")
    ]
    return sorted(streams)


@pytest.mark.slow
def test_corpus_mappings_and_edits_are_consistent(corpus: Path) -> None:
    """Over every committed rendered output: literal lines land on equal template lines, and
    every carried-over edit replaces the same text it replaced in the stream, outside actions."""
    from mountlint.helm.templates import _TemplateModel

    mapped = translated = 0
    for stream, chart in _corpus_streams(corpus / "helm-rendered"):
        text = stream.read_text(encoding="utf-8")
        lines = text.split("\n")
        _, pairs = _pairs(text, chart, str(stream))
        for old, new in pairs:
            if new.location.path == str(stream):
                continue
            template = Path(new.location.path).read_text(encoding="utf-8")
            template_line = template.split("\n")[new.location.line - 1].rstrip()
            if "(rendered at" not in new.message:
                mapped += 1
                if "{{" not in template_line:
                    assert template_line == lines[old.location.line - 1].rstrip(), (stream, old)
            if new.fix is not None and new.fix.edits and old.fix is not None:
                translated += 1
                for before, after in zip(old.fix.edits, new.fix.edits, strict=True):
                    assert text[before.start : before.end] == template[after.start : after.end]
                fixed = apply_edits(template, new.fix.edits)
                assert (
                    _TemplateModel(fixed).action_texts() == _TemplateModel(template).action_texts()
                )
    assert mapped > 100 and translated > 20


# --------------------------------------------------------------------------- running helm


@needs_helm
def test_render_chart_matches_the_committed_output() -> None:
    assert render_chart(CHART, release_name="demo") == RENDERED.read_text(encoding="utf-8")


@needs_helm
def test_render_chart_with_values_files_and_set(tmp_path: Path) -> None:
    values = tmp_path / "values.yaml"
    values.write_text("logDir: /srv/logs\n", encoding="utf-8")
    text = render_chart(CHART, [values], ["dataDir=/srv/data", "debug=true"], release_name="x")
    assert 'path: "/srv/data"' in text and "path: /srv/logs" in text
    assert "mountPath: /sys/kernel/debug" in text and "name: x-node" in text


@needs_helm
def test_render_chart_then_fix_the_template_then_render_again(tmp_path: Path) -> None:
    chart = tmp_path / "mounts"
    shutil.copytree(CHART, chart)
    text = render_chart(chart, release_name="demo")
    mapping, pairs = _pairs(text, chart)
    assert any(new.rule.code == "ML101" for _, new in pairs)
    for change in mapping.fix_templates([new for _, new in pairs]):
        assert change.problem is None
        change.path.write_bytes(change.data)
    remaining = _lint(render_chart(chart, release_name="demo"))
    assert not [finding for finding in remaining if finding.rule.code == "ML101"]


@needs_helm
def test_render_chart_reports_helm_errors(tmp_path: Path) -> None:
    chart = tmp_path / "broken"
    (chart / "templates").mkdir(parents=True)
    (chart / "Chart.yaml").write_text("apiVersion: v2\nname: broken\nversion: 0.1.0\n", "utf-8")
    (chart / "templates" / "pod.yaml").write_text("kind: Pod\nname: {{ .Values.x \n", "utf-8")
    with pytest.raises(HelmRenderError) as caught:
        render_chart(chart)
    assert caught.value.returncode not in (0, None)
    assert "pod.yaml" in caught.value.stderr
    assert str(caught.value).startswith(f"helm template {chart} failed (exit ")


@needs_helm
def test_render_corpus_chart_offline(corpus: Path) -> None:
    base = corpus / "helm-rendered" / "sig-storage-local-static-provisioner" / "helm"
    name = "baremetal-default-storage.yaml"
    text = render_chart(
        base / "provisioner", [base / "examples" / name], release_name="local-static-provisioner"
    )
    assert text == (base / "generated_examples" / name).read_text(encoding="utf-8")
    _, pairs = _pairs(text, base / "provisioner")
    assert _moved(pairs, "ML203", 157).location.line == 119


@needs_helm
def test_render_chart_explains_a_chart_yaml_tmpl(corpus: Path) -> None:
    chart = corpus / "helm-rendered" / "inspektor-gadget" / "charts" / "gadget"
    with pytest.raises(HelmRenderError, match=r"Chart\.yaml\.tmpl"):
        render_chart(chart)


def test_helm_not_on_path(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(HelmNotFound) as caught:
        render_chart(Path("deploy/chart"), ["prod.yaml"], release_name="web")
    message = str(caught.value)
    assert "helm was not found on PATH" in message
    assert (
        "helm template --values prod.yaml web deploy/chart | mountlint --chart-dir deploy/chart -"
        in message
    )


def test_render_chart_times_out(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    helm = tmp_path / "helm"
    helm.write_text("#!/bin/sh\necho 'rendering...' >&2\nexec sleep 30\n", encoding="utf-8")
    helm.chmod(helm.stat().st_mode | stat.S_IXUSR)
    monkeypatch.setenv("PATH", f"{tmp_path}{os.pathsep}{os.environ.get('PATH', '')}")
    with pytest.raises(HelmRenderError, match=r"did not finish within 0\.5 s"):
        render_chart(CHART, timeout=0.5)
