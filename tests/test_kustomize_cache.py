"""Kustomize builds remembered between runs: the same findings, no build, and never a stale one.

Builds run the real kubectl/kustomize; the builds a run starts are counted through
``subprocess.run`` (in-process) or through a logging shim first on PATH (command line).
"""

from __future__ import annotations

import functools
import http.server
import os
import subprocess
import threading
import time
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest

from mountlint import kustomize
from mountlint.kustomize import build_command, lint_roots, read_inputs, run_build
from mountlint.settings import Settings
from mountlint.usercache import read_blob, write_blob

from helpers import run_mountlint

pytestmark = pytest.mark.skipif(
    build_command() is None, reason="neither kustomize nor kubectl is on PATH"
)

DAEMONSET = """\
apiVersion: apps/v1
kind: DaemonSet
metadata:
  name: agent
spec:
  selector:
    matchLabels: {app: agent}
  template:
    metadata:
      labels: {app: agent}
    spec:
      containers:
      - name: agent
        image: agent:1
        volumeMounts:
        - name: host
          mountPath: /host
          mountPropagation: Bidirectional
      volumes:
      - name: host
        hostPath:
          path: /
"""

PATCH = """\
apiVersion: apps/v1
kind: DaemonSet
metadata:
  name: agent
spec:
  template:
    spec:
      containers:
      - name: agent
        volumeMounts:
        - name: kubelet
          mountPath: /var/lib/kubelet
      volumes:
      - name: kubelet
        hostPath:
          path: /var/lib/kubelet
"""

TREE = {
    "base/kustomization.yaml": "resources:\n- ds.yaml\n",
    "base/ds.yaml": DAEMONSET,
    "overlay/kustomization.yaml": "resources:\n- ../base\nnamePrefix: prod-\n"
    "patches:\n- path: patch.yaml\n"
    "configMapGenerator:\n- name: settings\n  files: [app.properties]\n  envs: [app.env]\n",
    "overlay/patch.yaml": PATCH,
    "overlay/app.properties": "level=debug\n",
    "overlay/app.env": "MODE=fast\n",
}


def _write(root: Path, files: dict[str, str]) -> None:
    for relative, text in files.items():
        path = root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)


@pytest.fixture
def cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A fresh, empty user cache for this test alone, turned on."""
    folder = tmp_path / "cache"
    monkeypatch.setenv("XDG_CACHE_HOME", str(folder))
    monkeypatch.delenv("MOUNTLINT_NO_CACHE", raising=False)
    return folder / "mountlint" / "kustomize-build"


@pytest.fixture
def builds(monkeypatch: pytest.MonkeyPatch) -> list[list[str]]:
    """The commands ``subprocess.run`` is asked to run (each still runs for real)."""
    calls: list[list[str]] = []
    real = subprocess.run

    def counting(command: list[str], *args: object, **kwargs: object) -> object:
        calls.append(list(command))
        return real(command, *args, **kwargs)  # type: ignore[call-overload]

    monkeypatch.setattr(subprocess, "run", counting)
    return calls


@pytest.fixture
def overlay(tmp_path: Path) -> Path:
    _write(tmp_path / "tree", TREE)
    return tmp_path / "tree" / "overlay"


def _command() -> list[str]:
    command = build_command()
    assert command is not None
    return command


def test_the_second_run_reads_the_build_back_and_reports_the_same_bytes(
    tmp_path: Path, overlay: Path, cache: Path
) -> None:
    """Through the command line, with the wrapper folder in another temporary folder the
    second time: origins are relative to it, and findings must still land in the sources."""
    real = _command()[0]
    shim = tmp_path / "shim"
    shim.mkdir()
    log = tmp_path / "builds.log"
    (shim / Path(real).name).write_text(f'#!/bin/sh\necho "$*" >> "{log}"\nexec "{real}" "$@"\n')
    (shim / Path(real).name).chmod(0o755)
    deeper = tmp_path / "a" / "b" / "c"
    deeper.mkdir(parents=True)
    env = {"PATH": f"{shim}{os.pathsep}{os.environ['PATH']}"}
    args = ("--format", "json", "--exit-zero", "tree")

    first = run_mountlint(*args, cwd=tmp_path, env=env)
    built = log.read_text().count("\n")
    second = run_mountlint(*args, cwd=tmp_path, env={**env, "TMPDIR": str(deeper)})

    assert first.returncode == 0, first.stderr
    assert built >= 1
    assert log.read_text().count("\n") == built, "the second run built again"
    assert second.stdout == first.stdout
    assert second.stderr == first.stderr
    assert '"path": "tree/base/ds.yaml"' in first.stdout
    assert '"path": "tree/overlay/patch.yaml"' in first.stdout
    assert len(list(cache.iterdir())) == built


CLEAN_DAEMONSET = """\
apiVersion: apps/v1
kind: DaemonSet
metadata:
  name: logs
spec:
  selector:
    matchLabels: {app: logs}
  template:
    metadata:
      labels: {app: logs}
    spec:
      containers:
      - name: logs
        image: logs:1
        volumeMounts:
        - name: data
          mountPath: /data
          readOnly: true
      volumes:
      - name: data
        hostPath:
          path: /srv/data
          type: Directory
"""

#: No host path; ``scratch`` mounts a volume the pod does not have (ML307)
DEPLOYMENT_WITHOUT_HOST_PATH = """\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  selector:
    matchLabels: {app: web}
  template:
    metadata:
      labels: {app: web}
    spec:
      containers:
      - name: web
        image: web:1
        volumeMounts:
        - name: cache
          mountPath: /cache
        - name: scratch
          mountPath: /scratch
      volumes:
      - name: cache
        emptyDir: {}
"""


@pytest.mark.parametrize("remembered", [False, True])
def test_a_build_has_origin_annotations_when_findings_are_likely_or_found(
    tmp_path: Path,
    overlay: Path,
    builds: list[list[str]],
    monkeypatch: pytest.MonkeyPatch,
    remembered: bool,
) -> None:
    """Origin annotations cost kustomize a fifth more time and only serve to locate findings:
    a closure that mounts a host path gets them at once, another only when its output holds
    findings, in a second build."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    if remembered:
        monkeypatch.delenv("MOUNTLINT_NO_CACHE", raising=False)
    else:
        monkeypatch.setenv("MOUNTLINT_NO_CACHE", "1")
    clean = tmp_path / "clean"
    _write(clean, {"kustomization.yaml": "resources:\n- ds.yaml\n", "ds.yaml": CLEAN_DAEMONSET})
    web = tmp_path / "web"
    _write(
        web,
        {
            "kustomization.yaml": "resources:\n- web.yaml\n",
            "web.yaml": DEPLOYMENT_WITHOUT_HOST_PATH,
        },
    )
    asked: list[tuple[str, bool]] = []
    real_build = kustomize.run_build

    def recorded(root: Path, *args: Any, **kwargs: Any) -> kustomize.Build:
        build = real_build(root, *args, **kwargs)
        asked.append((root.name, build.origins))
        return build

    monkeypatch.setattr(kustomize, "run_build", recorded)

    def lint(settings: Settings) -> list[tuple[str, int, str]]:
        asked.clear()
        run = lint_roots([clean, overlay, web], lambda _: settings, str)
        assert not run.notices
        return sorted((f.location.path, f.location.line, f.rule.code) for f in run.findings)

    found = lint(Settings())
    assert asked == [("clean", True), ("overlay", True), ("web", False), ("web", True)]
    assert len(builds) == 4
    assert {path for path, _, _ in found} == {
        str(overlay.parent / "base" / "ds.yaml"),
        str(overlay / "patch.yaml"),
        str(web / "web.yaml"),
    }
    assert (str(web / "web.yaml"), 18, "ML307") in found
    again = lint(Settings())
    assert again == found
    assert len(builds) == (4 if remembered else 8)

    others = Settings(select=frozenset(code for _, _, code in found if code != "ML307"))
    assert lint(others) == [finding for finding in found if finding[2] != "ML307"]
    assert asked[-1] == ("web", False)  # clean with these rules: built once
    assert (str(web / "web.yaml"), 18, "ML307") in lint(Settings())
    assert asked[-2:] == [("web", False), ("web", True)]


def test_builds_go_on_behind_a_long_one_and_wait_to_be_linted_in_bounded_numbers(
    tmp_path: Path, cache: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Outputs are linted in the roots' order; while the oldest build runs, the other lane goes
    on building, but finished outputs wait in memory only up to a bound: over thousands of
    remembered kustomizations they must not all be held at once."""
    roots = []
    for number in range(40):
        root = tmp_path / f"app{number:02}"
        _write(root, {"kustomization.yaml": "resources:\n- ds.yaml\n", "ds.yaml": CLEAN_DAEMONSET})
        roots.append(root)
    lint_roots(roots, lambda _: Settings(), str)  # remembered: read back at once from now on
    finished: list[Path] = []
    linted: list[Path] = []
    waiting: list[int] = []
    real_build, real_lint = kustomize.run_build, kustomize.BuildLinter.lint

    def counted_build(root: Path, *args: Any, **kwargs: Any) -> kustomize.Build:
        if root == roots[1]:
            time.sleep(0.5)  # a long build
        build = real_build(root, *args, **kwargs)
        finished.append(root)
        return build

    def counted_lint(
        self: kustomize.BuildLinter, build: kustomize.Build, settings: Settings
    ) -> Any:
        linted.append(build.root)
        waiting.append(len(finished) - len(linted) + 1)  # finished, not linted, this one too
        return real_lint(self, build, settings)

    handed: list[Future[Any]] = []
    unfinished: list[int] = []
    real_submit = ThreadPoolExecutor.submit

    def counted_submit(self: ThreadPoolExecutor, *args: Any, **kwargs: Any) -> Future[Any]:
        future = real_submit(self, *args, **kwargs)
        handed.append(future)
        unfinished.append(sum(1 for each in handed if not each.done()))
        return future

    monkeypatch.setattr(kustomize, "run_build", counted_build)
    monkeypatch.setattr(kustomize.BuildLinter, "lint", counted_lint)
    monkeypatch.setattr(ThreadPoolExecutor, "submit", counted_submit)
    run = lint_roots(roots, lambda _: Settings(), str, jobs=2)
    assert not run.notices and not run.findings
    assert linted == roots and sorted(finished) == roots
    assert max(unfinished) <= 3  # the pool is handed one build more than it runs, no more
    bound = kustomize.BUILDS_AHEAD_PER_JOB * 2
    assert finished.index(roots[1]) >= bound  # the other lane went on meanwhile
    assert max(waiting) <= bound + 3  # and stopped: the bound, two lanes and one in line


@pytest.mark.parametrize(
    ("changed", "old", "new"),
    [
        ("base/ds.yaml", "agent:1", "agent:2"),
        ("base/kustomization.yaml", ":", " :"),
        ("overlay/kustomization.yaml", "prod-", "prox-"),
        ("overlay/patch.yaml", "/var/lib/kubelet", "/var/lib/kubelex"),
        ("overlay/app.properties", "debug", "debuG"),
        ("overlay/app.env", "fast", "fasT"),
    ],
)
def test_one_byte_changed_in_any_input_builds_again(
    overlay: Path, cache: Path, builds: list[list[str]], changed: str, old: str, new: str
) -> None:
    first = run_build(overlay, _command())
    again = run_build(overlay, _command())
    assert first.error is None and len(builds) == 1
    assert again.rendered == first.rendered and again.wrapper == first.wrapper

    path = overlay.parent / changed
    path.write_text(path.read_text().replace(old, new, 1))
    changed_build = run_build(overlay, _command())
    assert len(builds) == 2
    assert changed_build.error is None
    assert run_build(overlay, _command()).rendered == changed_build.rendered
    assert len(builds) == 2


def test_a_second_kustomization_file_beside_the_first_builds_again(
    overlay: Path, cache: Path, builds: list[list[str]]
) -> None:
    assert run_build(overlay, _command()).error is None
    assert run_build(overlay, _command()).error is None
    assert len(builds) == 1
    (overlay.parent / "base" / "kustomization.yml").write_text("resources:\n- ds.yaml\n")
    assert run_build(overlay, _command()).error is not None  # kustomize refuses two
    assert len(builds) == 2


def test_without_the_cache_every_run_builds(
    overlay: Path, cache: Path, builds: list[list[str]], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MOUNTLINT_NO_CACHE", "1")
    for _ in range(3):
        assert run_build(overlay, _command()).error is None
    assert len(builds) == 3
    assert not cache.exists()
    monkeypatch.delenv("MOUNTLINT_NO_CACHE")
    for _ in range(2):
        assert run_build(overlay, _command()).error is None
    assert len(builds) == 4


def test_the_older_env_field_of_a_generator_is_an_input(
    overlay: Path, cache: Path, builds: list[list[str]]
) -> None:
    kustomization = overlay / "kustomization.yaml"
    kustomization.write_text(kustomization.read_text().replace("envs: [app.env]", "env: app.env"))
    assert overlay / "app.env" in read_inputs(overlay).files
    assert "MODE: fast" in run_build(overlay, _command()).rendered
    (overlay / "app.env").write_text("MODE=slow\n")
    assert "MODE: slow" in run_build(overlay, _command()).rendered
    assert len(builds) == 2


def test_a_failed_build_is_not_remembered(
    overlay: Path, cache: Path, builds: list[list[str]]
) -> None:
    (overlay / "app.env").unlink()
    assert run_build(overlay, _command()).error is not None
    assert run_build(overlay, _command()).error is not None
    assert len(builds) == 2
    assert not cache.exists() or not list(cache.iterdir())
    (overlay / "app.env").write_text("MODE=fast\n")
    assert run_build(overlay, _command()).error is None
    assert run_build(overlay, _command()).error is None
    assert len(builds) == 3


def _damage_truncate(entry: Path) -> None:
    entry.write_bytes(entry.read_bytes()[:-10])


def _damage_flip(entry: Path) -> None:
    data = bytearray(entry.read_bytes())
    data[-5] ^= 0x01
    entry.write_bytes(bytes(data))


def _damage_header(entry: Path) -> None:
    entry.write_bytes(b"mountlint-blob-1\n" + entry.read_bytes().split(b"\n", 1)[1][1:])


def _damage_empty(entry: Path) -> None:
    entry.write_bytes(b"")


def _damage_folder(entry: Path) -> None:
    entry.unlink()
    entry.mkdir()


def _damage_fifo(entry: Path) -> None:
    entry.unlink()
    os.mkfifo(entry)


@pytest.mark.parametrize(
    "damage",
    [_damage_truncate, _damage_flip, _damage_header, _damage_empty, _damage_folder, _damage_fifo],
)
def test_a_damaged_entry_is_a_miss_and_the_build_runs(
    overlay: Path, cache: Path, builds: list[list[str]], damage: object
) -> None:
    first = run_build(overlay, _command())
    [entry] = cache.iterdir()
    damage(entry)  # type: ignore[operator]
    again = run_build(overlay, _command())
    assert len(builds) == 2
    assert again.error is None and again.rendered == first.rendered


def test_an_entry_moved_under_another_key_is_a_miss(
    overlay: Path, cache: Path, builds: list[list[str]]
) -> None:
    run_build(overlay, _command())
    [entry] = cache.iterdir()
    (overlay / "app.env").write_text("MODE=slow\n")
    key = kustomize._build_key(overlay, _command(), read_inputs(overlay))
    assert key is not None and key != entry.name
    (cache / key).write_bytes(entry.read_bytes())
    assert "MODE: slow" in run_build(overlay, _command()).rendered
    assert len(builds) == 2


def test_a_symlink_planted_in_the_cache_is_not_written_through(
    tmp_path: Path, overlay: Path, cache: Path, builds: list[list[str]]
) -> None:
    key = kustomize._build_key(overlay, _command(), read_inputs(overlay))
    assert key is not None
    victim = tmp_path / "victim"
    victim.write_text("precious\n")
    cache.mkdir(parents=True)
    (cache / key).symlink_to(victim)

    run_build(overlay, _command())
    assert victim.read_text() == "precious\n"
    assert not (cache / key).is_symlink()
    assert run_build(overlay, _command()).error is None
    assert len(builds) == 1, "the entry written in place of the symlink is read back"


def test_a_symlinked_cache_folder_is_not_written_into(
    tmp_path: Path, overlay: Path, cache: Path, builds: list[list[str]]
) -> None:
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    cache.parent.mkdir(parents=True)
    cache.symlink_to(elsewhere)
    run_build(overlay, _command())
    run_build(overlay, _command())
    assert list(elsewhere.iterdir()) == []
    assert len(builds) == 2
    cache.unlink()
    run_build(overlay, _command())
    run_build(overlay, _command())
    assert len(builds) == 3


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture
def served(tmp_path: Path) -> Iterator[tuple[Path, str]]:
    """A folder served over HTTP on localhost, and its address."""
    folder = tmp_path / "served"
    folder.mkdir()
    handler = functools.partial(_QuietHandler, directory=str(folder))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield folder, f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def test_a_build_with_a_remote_resource_is_never_remembered(
    tmp_path: Path, cache: Path, builds: list[list[str]], served: tuple[Path, str]
) -> None:
    folder, address = served
    (folder / "ds.yaml").write_text(DAEMONSET)
    _write(tmp_path / "remote", {"kustomization.yaml": f"resources:\n- {address}/ds.yaml\n"})
    root = tmp_path / "remote"
    assert read_inputs(root).opaque
    first = run_build(root, _command())
    assert first.error is None and "image: agent:1" in first.rendered
    (folder / "ds.yaml").write_text(DAEMONSET.replace("agent:1", "agent:2"))
    second = run_build(root, _command())
    assert second.error is None and "image: agent:2" in second.rendered
    assert len(builds) == 2
    assert not cache.exists() or not list(cache.iterdir())
    local = tmp_path / "local"
    _write(local, {"kustomization.yaml": "resources:\n- ds.yaml\n", "ds.yaml": DAEMONSET})
    assert run_build(local, _command()).rendered == run_build(local, _command()).rendered
    assert len(builds) == 3


def test_plugins_that_read_files_keep_a_build_from_being_remembered(
    tmp_path: Path, cache: Path, builds: list[list[str]]
) -> None:
    """A PatchTransformer reads the patch its configuration names, which is not followed."""
    transformer = (
        "apiVersion: builtin\nkind: PatchTransformer\nmetadata:\n  name: p\npath: patch.yaml\n"
    )
    _write(
        tmp_path,
        {
            "base/kustomization.yaml": "resources:\n- ds.yaml\n",
            "base/ds.yaml": DAEMONSET,
            "app/kustomization.yaml": "resources:\n- ../base\ntransformers:\n- patcher.yaml\n",
            "app/patcher.yaml": transformer,
            "app/patch.yaml": PATCH,
        },
    )
    root = tmp_path / "app"
    assert read_inputs(root).plugins
    assert "/var/lib/kubelet" in run_build(root, _command()).rendered
    (root / "patch.yaml").write_text(PATCH.replace("/var/lib/kubelet", "/var/lib/other"))
    assert "/var/lib/other" in run_build(root, _command()).rendered
    assert len(builds) == 2


def test_builtin_plugins_configured_by_their_own_text_are_remembered(
    tmp_path: Path, cache: Path, builds: list[list[str]]
) -> None:
    tags = "apiVersion: builtin\nkind: ImageTagTransformer\nmetadata:\n  name: t\n"
    tags += "imageTag:\n  name: agent\n  newTag: '2'\n---\n"
    _write(
        tmp_path,
        {
            "base/kustomization.yaml": "resources:\n- ds.yaml\n",
            "base/ds.yaml": DAEMONSET,
            "images/kustomization.yaml": "resources:\n- tags.yaml\n",
            "images/tags.yaml": tags,
            "app/kustomization.yaml": "resources:\n- ../base\ntransformers:\n- ../images\n",
        },
    )
    root = tmp_path / "app"
    assert not read_inputs(root).plugins
    first = run_build(root, _command())
    assert "image: agent:2" in first.rendered
    (tmp_path / "images" / "tags.yaml").write_text(tags.replace("'2'", "'3'"))
    assert "image: agent:3" in run_build(root, _command()).rendered
    assert run_build(root, _command()).rendered != first.rendered
    assert len(builds) == 2


def test_blobs_above_the_size_limit_are_not_kept(
    cache: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from mountlint import usercache

    monkeypatch.setattr(usercache, "MAX_BLOB_BYTES", 8)
    write_blob("kind", "a" * 64, b"123456789")
    write_blob("kind", "b" * 64, b"12345678")
    assert read_blob("kind", "a" * 64) is None
    assert read_blob("kind", "b" * 64) == b"12345678"
    assert oct((cache.parent / "kind" / ("b" * 64)).stat().st_mode & 0o777) == "0o600"


@pytest.mark.parametrize("name", ["../escape", "UPPER", "", "a/b", "a" * 200])
def test_blob_names_cannot_leave_the_cache(cache: Path, name: str) -> None:
    write_blob("kind", name, b"data")
    write_blob(name, "key", b"data")
    assert read_blob("kind", name) is None
    assert not (cache.parent.parent / "escape").exists()


def test_the_blobs_unused_the_longest_are_pruned_first(cache: Path, tmp_path: Path) -> None:
    from mountlint.usercache import prune

    folder = cache.parent / "kind"
    for age, name in enumerate(["c" * 64, "b" * 64, "a" * 64]):
        write_blob("kind", name, b"x" * 100)
        os.utime(folder / name, (1000 - age * 10, 1000 - age * 10))  # "a..." is the oldest
    assert read_blob("kind", "a" * 64) is not None  # read: used now
    (folder / ".left.tmp").write_bytes(b"half")
    os.utime(folder / ".left.tmp", (0, 0))
    (folder / ".writing.tmp").write_bytes(b"half")
    outside = tmp_path / "outside"
    outside.write_bytes(b"y" * 1000)
    (folder / ("d" * 64)).symlink_to(outside)

    prune("kind", 600)  # two of the three blobs
    assert sorted(path.name for path in folder.iterdir()) == sorted(
        [".writing.tmp", "a" * 64, "c" * 64, "d" * 64]
    )
    assert outside.read_bytes() == b"y" * 1000


def test_a_run_keeps_the_cache_within_its_size(
    overlay: Path, cache: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from mountlint.settings import Settings

    monkeypatch.setattr(kustomize, "CACHE_MAX_BYTES", 0)
    run = kustomize.lint_roots([overlay], lambda _path: Settings(), str)
    assert run.findings
    assert list(cache.iterdir()) == []


def test_pruning_a_symlinked_cache_folder_removes_nothing(cache: Path, tmp_path: Path) -> None:
    from mountlint.usercache import prune

    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / ("a" * 64)).write_bytes(b"precious")
    cache.parent.mkdir(parents=True)
    (cache.parent / "kind").symlink_to(elsewhere)
    prune("kind", 0)
    assert (elsewhere / ("a" * 64)).read_bytes() == b"precious"
