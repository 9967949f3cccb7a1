"""--fix writes only inside the paths it was given: never through symlinks, into a shared base, into
a file a resource's own text names, or into an excluded folder (built with the real kubectl)."""

from __future__ import annotations

import hashlib
import shutil
from pathlib import Path

import pytest

from mountlint.kustomize import build_command
from mountlint.scope import WriteScope, fix_command

from helpers import FIXTURES, run_mountlint

needs_kustomize = pytest.mark.skipif(
    build_command() is None, reason="neither kustomize nor kubectl is on PATH"
)


def pod(name: str, extra: str = "") -> str:
    """A pod whose host-root mount ML101 flags and --fix changes."""
    return (
        f"{extra}apiVersion: v1\nkind: Pod\nmetadata:\n  name: {name}\nspec:\n"
        "  containers:\n    - name: agent\n      image: busybox\n      volumeMounts:\n"
        "        - name: root\n          mountPath: /host\n          readOnly: true\n"
        "  volumes:\n    - name: root\n      hostPath:\n        path: /\n"
    )


def spoofed_origin(target: Path) -> str:
    """A key that sorts before ``metadata`` and holds text that looks like kustomize's origin."""
    return f"aaa:\n  config.kubernetes.io/origin: |\n    path: {target}\n"


def build_tree(root: Path) -> Path:
    """The four ways out of ``project/``: a symlinked folder and file, a shared base outside,
    a spoofed origin and an excluded vendored base. Returns the folder to name."""
    files = {
        "outside/pod.yaml": pod("outside"),
        "outside/linked.yaml": pod("linked"),
        "victim/deploy.yaml": pod("spoofed"),
        "shared/base/kustomization.yaml": "resources:\n- pod.yaml\n",
        "shared/base/pod.yaml": pod("shared"),
        "project/.mountlint.yaml": "exclude: [vendor]\n",
        "project/app/pod.yaml": pod("app"),
        "project/overlay/kustomization.yaml": (
            "resources:\n- ../../shared/base\n- ../vendor/base\n- spoofed.yaml\n"
        ),
        "project/overlay/spoofed.yaml": pod("spoofed", spoofed_origin(root / "victim/deploy.yaml")),
        "project/vendor/base/kustomization.yaml": "resources:\n- pod.yaml\n",
        "project/vendor/base/pod.yaml": pod("vendored"),
    }
    for relative, text in files.items():
        (root / relative).parent.mkdir(parents=True, exist_ok=True)
        (root / relative).write_text(text)
    (root / "project/dirlink").symlink_to(root / "outside")
    (root / "project/app/linked.yaml").symlink_to(root / "outside/linked.yaml")
    return root / "project"


def hashes(root: Path) -> dict[str, str]:
    """A hash of every file under ``root`` (symlinks as links, not followed)."""
    return {
        str(path.relative_to(root)): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in sorted(root.rglob("*"))
        if path.is_file() and not path.is_symlink()
    }


@needs_kustomize
def test_fix_changes_no_file_outside_the_named_paths(tmp_path: Path) -> None:
    project = build_tree(tmp_path)
    before = hashes(tmp_path)
    result = run_mountlint("--select", "ML101", "--fix", "--unsafe-fixes", "project", cwd=tmp_path)
    assert result.returncode == 1, result.stdout + result.stderr  # shared/base remains
    assert "Traceback" not in result.stderr
    after = hashes(tmp_path)
    changed = {name for name in before if before[name] != after[name]}
    assert changed == {"project/app/pod.yaml", "project/overlay/spoofed.yaml"}, result.stderr
    assert set(before) == set(after), "files appeared or vanished"
    # what stays outside is reported, with the command that would fix it
    assert "shared/base/pod.yaml:10:" in result.stdout
    assert "project/app/linked.yaml:10:" in result.stdout
    assert "vendor" not in result.stdout
    assert "`mountlint --fix shared/base`" in result.stderr
    assert "`mountlint --fix project/app/linked.yaml`" in result.stderr
    assert result.stderr.count("symlinked folder") == 1
    assert (project / "dirlink").is_symlink()


def test_rendered_helm_output_fixes_only_templates_inside_the_paths_given(tmp_path: Path) -> None:
    shutil.copytree(FIXTURES / "helm", tmp_path / "helm")
    chart = tmp_path / "helm" / "mounts"
    rendered = (tmp_path / "helm" / "mounts.rendered.yaml").read_bytes()
    subchart = chart / "charts" / "node-agent" / "templates" / "daemonset.yaml"
    before = hashes(chart)
    # from templates/, the chart (and its subchart) lie above the working directory
    result = run_mountlint(
        "--select", "ML101", "--fix", "-", stdin=rendered, cwd=chart / "templates"
    )
    assert "Traceback" not in result.stderr
    changed = {name for name, digest in hashes(chart).items() if before[name] != digest}
    assert changed == {"templates/daemonset.yaml"}
    assert f"{subchart}: not written: it is outside the paths given" in result.stderr
    # naming the chart puts it inside (the rendered text is stale for the chart's own template)
    named = run_mountlint(
        "--select", "ML101", "--fix", "--chart-dir", str(chart), "-", stdin=rendered, cwd=tmp_path
    )
    assert "outside the paths given" not in named.stderr
    assert "mountPropagation: HostToContainer" in subchart.read_text()


def test_write_scope_compares_real_paths_by_whole_components(tmp_path: Path) -> None:
    for relative in ("tree/sub/a.yaml", "tree2/x.yaml", "out/b.yaml"):
        (tmp_path / relative).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / relative).write_text("a: 1\n")
    (tmp_path / "tree" / "link.yaml").symlink_to(tmp_path / "out" / "b.yaml")
    (tmp_path / "tree" / "dirlink").symlink_to(tmp_path / "out")
    scope = WriteScope.named(["tree"], tmp_path)
    assert scope.allows(tmp_path / "tree" / "sub" / "a.yaml")
    assert not scope.allows(tmp_path / "tree2" / "x.yaml")
    assert not scope.allows(tmp_path / "tree" / ".." / "out" / "b.yaml")
    assert not scope.allows(tmp_path / "tree" / "link.yaml")
    assert not scope.allows(tmp_path / "tree" / "dirlink" / "b.yaml")
    assert scope.target(tmp_path / "tree" / "sub" / "a.yaml") == tmp_path / "tree/sub/a.yaml"
    named_link = WriteScope.named(["tree/link.yaml"], tmp_path)
    assert named_link.target(tmp_path / "tree" / "link.yaml") == tmp_path / "out" / "b.yaml"
    stdin_only = WriteScope.named(["-"], tmp_path / "tree")
    assert stdin_only.allows(tmp_path / "tree" / "sub" / "a.yaml")
    assert not stdin_only.allows(tmp_path / "out" / "b.yaml")
    assert WriteScope.named(["-"], tmp_path / "tree", ["../out"]).allows(tmp_path / "out/b.yaml")
    assert fix_command("my base") == "mountlint --fix 'my base'"


def test_allows_answers_as_target_does_for_links_and_dot_dot(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``allows`` looks a folder's real path up once; it must agree with ``target`` anyway."""
    for relative in ("tree/sub/a.yaml", "tree/b.yaml", "out/c.yaml", "out/deep/d.yaml"):
        (tmp_path / relative).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / relative).write_text("a: 1\n")
    (tmp_path / "tree" / "out-link").symlink_to(tmp_path / "out")
    (tmp_path / "tree" / "file-link.yaml").symlink_to(tmp_path / "out" / "c.yaml")
    (tmp_path / "tree" / "in-link.yaml").symlink_to(tmp_path / "tree" / "b.yaml")
    (tmp_path / "out" / "back").symlink_to(tmp_path / "tree")
    asked = [
        "tree/sub/a.yaml",
        "tree/./sub//a.yaml",
        "tree/b.yaml",
        "tree/out-link/c.yaml",
        "tree/out-link/deep/d.yaml",
        "tree/out-link/../b.yaml",  # '..' after a link: out/../b.yaml, which does not exist
        "tree/out-link/back/b.yaml",
        "tree/file-link.yaml",
        "tree/in-link.yaml",
        "tree/sub/../b.yaml",
        "out/back/sub/a.yaml",
        "out/c.yaml",
    ]
    monkeypatch.chdir(tmp_path)
    for named in (["tree"], ["out"], ["tree/out-link"], ["-"]):
        scope = WriteScope.named(named, tmp_path / "tree" if named == ["-"] else tmp_path)
        for relative in asked:
            for path in (tmp_path / relative, Path(relative)):
                expected = scope.target(path) is not None
                assert scope.allows(path) is expected, (named, relative, path)
                assert scope.allows(path) is expected  # asked again: from the folder cache
