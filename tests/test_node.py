"""Node-side diagnosis: mountinfo parsing, the node report, and finding who holds a mount."""

from __future__ import annotations

import io
import json
import os
import shutil
import subprocess
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from mountlint.node import (
    EXIT_ERROR,
    EXIT_FAILS,
    EXIT_HELD,
    EXIT_NOTHING_HOLDS,
    NodeError,
    find_holders,
    format_holders_text,
    format_node_text,
    parse_cgroup,
    parse_mountinfo,
    report_node,
    run_node,
)

FIXTURES = Path(__file__).parent / "fixtures" / "node"
INCIDENT_PROC = FIXTURES / "incident-proc"
NETNS = "/var/run/netns/cni-49ddd103-d374-1f86-7324-13abaeb9c910"
CONTAINER_ID = "5b498caf152857cf1c797761e1f52d64c2ce7d4602b72304da7e154ed31043c8"
POD_UID = "6a0f1c52-3b5e-4d1e-9a7b-2f0c8d4e1a90"
INCIDENT_LINES = (
    "651 633 253:1 / /rootfs rw,relatime - ext4 /dev/vda1 rw,data=ordered\n"
    "695 677 0:3 / /rootfs/run/netns/cni-49ddd103-d374-1f86-7324-13abaeb9c910 "
    "rw,nosuid,nodev,noexec,relatime - proc proc rw\n"
)


def node_text() -> str:
    return (FIXTURES / "node-mountinfo.txt").read_text()


# --------------------------------------------------------------------------- parsing


def test_parses_the_incident_lines() -> None:
    rootfs, netns = parse_mountinfo(INCIDENT_LINES)
    assert (rootfs.mount_id, rootfs.parent_id, rootfs.device) == (651, 633, "253:1")
    assert (rootfs.root, rootfs.mount_point, rootfs.fs_type) == ("/", "/rootfs", "ext4")
    assert rootfs.source == "/dev/vda1" and rootfs.super_options == "rw,data=ordered"
    assert rootfs.optional_fields == () and rootfs.propagation == "private"
    assert netns.mount_point == "/rootfs/run/netns/cni-49ddd103-d374-1f86-7324-13abaeb9c910"
    assert (netns.device, netns.fs_type, netns.parent_id) == ("0:3", "proc", 677)


def test_propagation_of_each_kind() -> None:
    by_point = {mount.mount_point: mount for mount in parse_mountinfo(node_text())}
    assert by_point["/"].propagation == "shared"
    assert by_point["/var/lib/kubelet"].propagation == "slave+shared"
    assert by_point["/var/lib/docker"].propagation == "private"
    assert by_point["/run/containerd"].propagation == "slave"
    assert by_point["/var/lib/containerd"].propagation == "unbindable"
    assert by_point["/var/lib/kubelet"].tag("master") == "2"
    assert by_point["/var/lib/kubelet"].tag("shared") == "30"


def test_escaped_mount_points_are_unescaped() -> None:
    escaped = [m for m in parse_mountinfo(node_text()) if m.mount_point.startswith("/mnt/")]
    assert escaped[0].mount_point == "/mnt/my disk\tx\\y"
    assert escaped[0].source == "my src"


def test_multiple_optional_fields_and_propagate_from() -> None:
    (mount,) = parse_mountinfo(
        "90 80 0:50 /sub /a\\040b rw shared:7 master:3 propagate_from:2 - tmpfs t rw\n"
    )
    assert mount.optional_fields == ("shared:7", "master:3", "propagate_from:2")
    assert mount.tag("propagate_from") == "2"
    assert mount.propagation == "slave+shared"
    assert mount.mount_point == "/a b" and mount.root == "/sub"


def test_malformed_line_is_a_node_error() -> None:
    with pytest.raises(NodeError, match="line 2"):
        parse_mountinfo(INCIDENT_LINES.splitlines()[0] + "\n42 1 8:1 / /x rw shared:1\n")


# --------------------------------------------------------------------------- node report


def test_node_report_verdicts_follow_containerd() -> None:
    report = report_node(node_text(), may_detach_mounts=None)
    paths = {entry.path: entry for entry in report.paths}
    assert paths["/"].mount is not None and paths["/"].mount.mount_point == "/"
    assert paths["/"].host_to_container_error is None and paths["/"].bidirectional_error is None
    # /run/netns lies on the shared /run tmpfs (whole components: not on /run/netns/cni-...).
    assert paths["/run/netns"].mount is not None
    assert paths["/run/netns"].mount.mount_point == "/run"
    slave = paths["/run/containerd"]
    assert slave.host_to_container_error is None
    assert slave.bidirectional_error == (
        'path "/run/containerd" is mounted on "/run/containerd" but it is not a shared mount'
    )
    both = paths["/var/lib/kubelet/pods"]
    assert both.propagation == "slave+shared"
    assert both.host_to_container_error is None and both.bidirectional_error is None
    private = paths["/var/lib/docker"]
    assert private.host_to_container_error == (
        'path "/var/lib/docker" is mounted on "/var/lib/docker" '
        "but it is not a shared or slave mount"
    )
    assert paths["/var/lib/containerd"].propagation == "unbindable"
    assert paths["/var/lib/containerd"].host_to_container_error is not None
    assert report.may_detach_note == "not present (upstream kernels always detach)"


def test_node_report_keeps_only_roots_that_exist() -> None:
    report = report_node(node_text(), exists=lambda path: path == "/run/netns")
    assert [entry.path for entry in report.paths] == ["/", "/run/netns"]


def test_private_root_refuses_host_to_container() -> None:
    report = report_node(
        (FIXTURES / "private-root-mountinfo.txt").read_text(),
        ["/var/run/netns"],
        may_detach_mounts="0",
    )
    assert [entry.path for entry in report.paths] == ["/", "/run/netns"]
    assert all(entry.host_to_container_error for entry in report.paths)
    text = format_node_text(report)
    assert "/run/netns: on / (ext4, private): HostToContainer FAILS, Bidirectional FAILS" in text
    assert "fs.may_detach_mounts: 0: unmounting a mount held elsewhere fails with EBUSY" in text
    data = report.to_json()
    assert data["may_detach_mounts"] == {
        "present": True,
        "value": "0",
        "note": "0: unmounting a mount held elsewhere fails with EBUSY",
    }
    assert data["paths"][1]["host_to_container"]["ok"] is False


def test_run_node_on_a_saved_mountinfo(tmp_path: Path) -> None:
    saved = tmp_path / "mountinfo"
    saved.write_text(node_text())
    out = io.StringIO()
    # /var/lib/docker is private there: HostToContainer FAILS, so the exit code is 1.
    assert run_node(saved, Path("/proc"), None, "json", out) == EXIT_FAILS
    data = json.loads(out.getvalue())
    assert data["report"] == "node"
    # Roots with mounts at or below them are reported; unused ones are left out.
    paths = [entry["path"] for entry in data["paths"]]
    assert "/run/netns" in paths and "/var/lib/docker" in paths
    assert "/run/k3s/containerd" not in paths
    assert data["may_detach_mounts"]["note"] == "unknown (saved mountinfo)"


def test_run_node_errors_exit_2(tmp_path: Path) -> None:
    bad = tmp_path / "mountinfo"
    bad.write_text("not a mountinfo line\n")
    out = io.StringIO()
    assert run_node(bad, Path("/proc"), None, "text", out) == EXIT_ERROR
    assert out.getvalue().startswith(f"mountlint: error: {bad} line 1 ")
    out = io.StringIO()
    assert run_node(tmp_path / "missing", Path("/proc"), None, "text", out) == EXIT_ERROR


# --------------------------------------------------------------------------- cgroup


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        (
            f"11:memory:/kubepods/burstable/pod{POD_UID}/{CONTAINER_ID}",
            (CONTAINER_ID, None, POD_UID),
        ),
        (
            "0::/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod"
            + POD_UID.replace("-", "_")
            + f".slice/cri-containerd-{CONTAINER_ID}.scope",
            (CONTAINER_ID, "cri-containerd", POD_UID),
        ),
        (f"0::/system.slice/docker-{CONTAINER_ID}.scope", (CONTAINER_ID, "docker", None)),
        (
            f"0::/kubepods.slice/kubepods-pod{POD_UID.replace('-', '_')}.slice/crio-{CONTAINER_ID}.scope",
            (CONTAINER_ID, "crio", POD_UID),
        ),
        ("0::/user.slice/user-0.slice/session-1.scope", (None, None, None)),
    ],
)
def test_parse_cgroup(line: str, expected: tuple[str | None, str | None, str | None]) -> None:
    assert parse_cgroup(line + "\n") == expected


# --------------------------------------------------------------------------- holders (saved)


def test_incident_holder_after_the_host_unmounted() -> None:
    report = find_holders(NETNS, INCIDENT_PROC)
    assert report.host_mount is None
    assert len(report.holders) == 1
    holder = report.holders[0]
    assert holder.pid == 4242 and holder.pids == (4242, 4243)
    assert holder.command == "sleep" and holder.cmdline == "sleep 1h"
    assert holder.mount.mount_point == "/rootfs/run/netns/cni-49ddd103-d374-1f86-7324-13abaeb9c910"
    assert holder.matched_by == "path-suffix"
    assert (holder.container_id, holder.pod_uid) == (CONTAINER_ID, POD_UID)
    assert holder.culprit is not None
    assert (holder.culprit.mount_point, holder.culprit.host_path) == ("/rootfs", "/")
    assert holder.culprit.propagation == "private"
    assert "mountPropagation: HostToContainer" in holder.culprit.fix
    assert report.exit_code == EXIT_HELD

    text = format_holders_text(report)
    assert "pid 4242 (sleep) and 1 more in its mount namespace" in text
    assert f"container {CONTAINER_ID}, pod UID {POD_UID}" in text
    assert "culprit: host / mounted at /rootfs with private propagation" in text

    out = io.StringIO()
    assert run_node(None, INCIDENT_PROC, NETNS, "json", out) == EXIT_HELD
    data = json.loads(out.getvalue())
    assert data["report"] == "holders"
    assert data["canonical_path"] == "/run/netns/cni-49ddd103-d374-1f86-7324-13abaeb9c910"
    assert data["holders"][0]["culprit"]["mount_point"] == "/rootfs"
    assert data["holders"][0]["container_id"] == CONTAINER_ID


def test_host_still_mounted_matches_by_device_and_separates_followers(tmp_path: Path) -> None:
    proc = tmp_path / "proc"
    shutil.copytree(INCIDENT_PROC, proc)
    netns_line = (
        "80 24 0:3 / /run/netns/cni-49ddd103-d374-1f86-7324-13abaeb9c910 "
        "rw,nosuid,nodev,noexec,relatime shared:60 - proc proc rw\n"
    )
    for pid in ("self", "1"):
        with (proc / pid / "mountinfo").open("a") as handle:
            handle.write(netns_line)
    # A HostToContainer pod (slave of the host's /run peer group) has a copy that will follow.
    with (proc / "5000" / "mountinfo").open("a") as handle:
        handle.write(
            "703 702 0:3 / /rootfs/run/netns/cni-49ddd103-d374-1f86-7324-13abaeb9c910 "
            "rw,nosuid,nodev,noexec,relatime master:60 - proc proc rw\n"
        )
    report = find_holders(NETNS, proc)
    assert report.host_mount is not None and report.host_mount.mount_id == 80
    assert [holder.pid for holder in report.holders] == [4242]
    assert report.holders[0].matched_by == "device"
    assert [holder.pid for holder in report.followers] == [5000]
    assert report.followers[0].pod_uid == "0c9e7d1a-2b3c-4d5e-8f90-a1b2c3d4e5f6"
    assert "1 other copy(ies) follow the host" in format_holders_text(report)


def test_nothing_holds_an_unrelated_path() -> None:
    report = find_holders("/run/netns/cni-00000000-0000-0000-0000-000000000000", INCIDENT_PROC)
    assert report.holders == [] and report.exit_code == EXIT_NOTHING_HOLDS
    assert "nothing holds it" in format_holders_text(report)


def test_unreadable_caller_mountinfo_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(NodeError, match="cannot read"):
        find_holders(NETNS, tmp_path)
    out, err = io.StringIO(), io.StringIO()
    assert run_node(None, tmp_path, NETNS, "text", out, err) == EXIT_ERROR
    assert err.getvalue().startswith("mountlint: error: cannot read") and out.getvalue() == ""


# --------------------------------------------------------------------------- real namespaces


def _run(*args: str) -> None:
    subprocess.run(args, check=True, capture_output=True, timeout=30)


def _wait_for(condition: object, timeout: float = 10.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if callable(condition) and condition():
            return True
        time.sleep(0.05)
    return False


@pytest.fixture
def shared_tree() -> Iterator[Path]:
    """A shared tmpfs with a sub-mount at ``netns/cni-test``, unmounted afterwards."""
    if os.geteuid() != 0:
        pytest.skip("needs root to mount and to create mount namespaces")
    if shutil.which("unshare") is None or shutil.which("mount") is None:
        pytest.skip("unshare or mount not installed")
    base = Path(tempfile.mkdtemp(prefix="mountlint-node-"))
    mounted: list[Path] = []
    try:
        try:
            _run("mount", "-t", "tmpfs", "mountlint-test", str(base))
            mounted.append(base)
            _run("mount", "--make-shared", str(base))
            sub = base / "netns" / "cni-test"
            sub.mkdir(parents=True)
            _run("mount", "-t", "tmpfs", "mountlint-cni", str(sub))
            mounted.append(sub)
        except (subprocess.SubprocessError, OSError) as error:
            pytest.skip(f"cannot make test mounts here: {error}")
        yield sub
    finally:
        for path in reversed(mounted):
            subprocess.run(["umount", "-l", str(path)], capture_output=True, timeout=30)
        shutil.rmtree(base, ignore_errors=True)


def test_real_private_namespace_holds_the_mount(shared_tree: Path) -> None:
    sub = str(shared_tree)
    own_ns = os.readlink("/proc/self/ns/mnt")
    child = subprocess.Popen(
        ["unshare", "--mount", "--propagation", "private", "sleep", "60"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:

        def in_new_namespace() -> bool:
            try:
                return os.readlink(f"/proc/{child.pid}/ns/mnt") != own_ns and (
                    os.readlink(f"/proc/{child.pid}/exe").endswith("sleep")
                )
            except OSError:
                return False

        if not _wait_for(lambda: in_new_namespace() or child.poll() is not None):
            pytest.fail("unshare did not start within 10 s")
        if child.poll() is not None:
            stderr = child.stderr.read().decode(errors="replace") if child.stderr else ""
            pytest.skip(f"unshare --mount failed here (no CAP_SYS_ADMIN?): {stderr.strip()}")

        while_mounted = find_holders(sub, Path("/proc"), os.getpid())
        assert while_mounted.host_mount is not None
        assert child.pid in [holder.pid for holder in while_mounted.holders]
        holder = next(h for h in while_mounted.holders if h.pid == child.pid)
        assert holder.matched_by == "device" and holder.mount.mount_point == sub
        assert holder.culprit is not None and holder.culprit.propagation == "private"
        assert holder.culprit.mount_point == "/" and "--make-rslave" in holder.culprit.fix

        _run("umount", sub)
        after_unmount = find_holders(sub, Path("/proc"), os.getpid())
        assert after_unmount.host_mount is None
        assert child.pid in [holder.pid for holder in after_unmount.holders]
        assert after_unmount.exit_code == EXIT_HELD
    finally:
        child.kill()
        child.wait(timeout=10)
    after_exit = find_holders(sub, Path("/proc"), os.getpid())
    assert after_exit.holders == [] and after_exit.exit_code == EXIT_NOTHING_HOLDS


def test_command_line_node_flags() -> None:
    from helpers import FIXTURES, run_mountlint

    proc = FIXTURES / "node" / "incident-proc"
    held = run_mountlint(
        "--node",
        "--holders",
        "/var/run/netns/cni-49ddd103-d374-1f86-7324-13abaeb9c910",
        "--proc",
        str(proc),
    )
    assert held.returncode == 1, held.stdout + held.stderr
    assert "/rootfs/run/netns/cni-49ddd103" in held.stdout
    assert "mountPropagation: HostToContainer" in held.stdout
    report = run_mountlint(
        "--node", "--format", "json", "--mountinfo", str(FIXTURES / "node" / "node-mountinfo.txt")
    )
    assert report.returncode == 1  # /var/lib/docker: HostToContainer FAILS
    assert json.loads(report.stdout)["report"] == "node"
    usage = run_mountlint("--node", "some/path")
    assert usage.returncode == 2 and "Traceback" not in usage.stderr


# --------------------------------------------------------------------------- exit codes and hostile input


def _mountinfo_of(*propagation: str) -> str:
    """A mountinfo with ``/`` and ``/run`` (each with the given optional fields)."""
    root, run = propagation
    return (
        f"1 0 8:1 / / rw {root} - ext4 /dev/sda1 rw\n2 1 0:20 / /run rw {run} - tmpfs tmpfs rw\n"
    ).replace("rw  -", "rw -")


def test_node_report_exit_code_is_1_when_a_check_fails(tmp_path: Path) -> None:
    from helpers import run_mountlint

    healthy = tmp_path / "healthy"
    healthy.write_text(_mountinfo_of("shared:1", "shared:2"))
    private = tmp_path / "private"
    private.write_text(_mountinfo_of("", ""))
    slave = tmp_path / "slave"
    slave.write_text(_mountinfo_of("master:1", "master:2"))
    ok = run_mountlint("--node", "--mountinfo", str(healthy))
    assert ok.returncode == 0 and "FAILS" not in ok.stdout
    fails = run_mountlint("--node", "--mountinfo", str(private))
    assert fails.returncode == 1 and "HostToContainer FAILS" in fails.stdout
    bidirectional = run_mountlint("--node", "--mountinfo", str(slave))
    assert bidirectional.returncode == 1
    assert "HostToContainer ok, Bidirectional FAILS" in bidirectional.stdout


def test_node_output_file_and_formats(tmp_path: Path) -> None:
    from helpers import FIXTURES, run_mountlint

    saved = str(FIXTURES / "node" / "node-mountinfo.txt")
    out = tmp_path / "out.json"
    result = run_mountlint("--node", "--format", "json", "-o", str(out), "--mountinfo", saved)
    assert (result.returncode, result.stdout) == (1, "")
    assert json.loads(out.read_text())["report"] == "node"
    held = tmp_path / "held.txt"
    holders = run_mountlint(
        "--holders", NETNS, "--proc", str(FIXTURES / "node" / "incident-proc"), "-o", str(held)
    )
    assert (holders.returncode, holders.stdout) == (1, "")
    assert "culprit: host / mounted at /rootfs" in held.read_text()
    for format_name in ("sarif", "github"):
        rejected = run_mountlint("--node", "--format", format_name, "--mountinfo", saved)
        assert (rejected.returncode, rejected.stdout) == (2, "")
        assert f"--node prints text or json, not {format_name}" in rejected.stderr


def test_empty_mountinfo_is_an_error(tmp_path: Path) -> None:
    empty = tmp_path / "mountinfo"
    empty.write_text("\n")
    out, err = io.StringIO(), io.StringIO()
    assert run_node(empty, Path("/proc"), None, "text", out, err) == EXIT_ERROR
    assert err.getvalue() == f"mountlint: error: {empty}: empty mountinfo, no mounts to check\n"
    assert out.getvalue() == ""
    proc = tmp_path / "proc"
    (proc / "self").mkdir(parents=True)
    (proc / "self" / "mountinfo").write_text("")
    err = io.StringIO()
    assert run_node(None, proc, NETNS, "text", io.StringIO(), err) == EXIT_ERROR
    assert "empty mountinfo" in err.getvalue()


def _fifo_proc(tmp_path: Path) -> Path:
    """The incident tree, with FIFOs where pid 4243's mountinfo and pid 4242's cgroup were."""
    proc = tmp_path / "proc"
    shutil.copytree(INCIDENT_PROC, proc)
    for name in ("4243/mountinfo", "4242/cgroup"):
        (proc / name).unlink()
        os.mkfifo(proc / name)
    return proc


def test_fifos_never_hang_the_node_mode(tmp_path: Path) -> None:
    from helpers import run_mountlint

    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    given = run_mountlint("--node", "--mountinfo", str(fifo), timeout=20)
    assert given.returncode == 2
    assert given.stderr == f"mountlint: error: cannot read {fifo}: not a regular file\n"
    proc = _fifo_proc(tmp_path)
    scanned = run_mountlint("--holders", NETNS, "--proc", str(proc), timeout=20)
    # pid 4242 still holds the mount; its cgroup is skipped, 4243 is reported as not read.
    assert "pid 4242 (sleep)" in scanned.stdout and "container " not in scanned.stdout
    assert f"skipped {proc / '4243' / 'mountinfo'}: not a regular file" in scanned.stderr
    assert scanned.returncode == 2
    (proc / "self" / "mountinfo").unlink()
    os.mkfifo(proc / "self" / "mountinfo")
    report = run_mountlint("--node", "--proc", str(proc), timeout=20)
    assert report.returncode == 2 and "not a regular file" in report.stderr


def test_one_malformed_mountinfo_does_not_stop_the_scan(tmp_path: Path) -> None:
    proc = tmp_path / "proc"
    shutil.copytree(INCIDENT_PROC, proc)
    bad = proc / "1" / "mountinfo"
    bad.write_text("1 0 8:1 / / rw shared:1 - ext4 /dev/sda1 rw\nnot a mount\n")
    report = find_holders(NETNS, proc)
    assert [holder.pid for holder in report.holders] == [4242]
    assert report.skipped == [
        f"{bad} line 2 is not in the kernel's mountinfo format: 'not a mount'"
    ]
    assert report.exit_code == EXIT_ERROR
    assert report.to_json()["skipped"] == report.skipped
    out, err = io.StringIO(), io.StringIO()
    assert run_node(None, proc, NETNS, "text", out, err) == EXIT_ERROR
    assert "pid 4242 (sleep)" in out.getvalue()
    assert err.getvalue() == f"mountlint: error: skipped {report.skipped[0]}\n"


def test_malformed_caller_mountinfo_names_the_file(tmp_path: Path) -> None:
    proc = tmp_path / "proc"
    shutil.copytree(INCIDENT_PROC, proc)
    (proc / "self" / "mountinfo").write_text("x\n")
    with pytest.raises(NodeError, match=f"^{proc / 'self' / 'mountinfo'} line 1 "):
        find_holders(NETNS, proc)


def test_an_oversized_proc_file_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import mountlint.node

    monkeypatch.setattr(mountlint.node, "MAX_PROC_FILE_BYTES", 1024 * 1024)
    proc = tmp_path / "proc"
    shutil.copytree(INCIDENT_PROC, proc)
    huge = proc / "4243" / "mountinfo"
    huge.write_text(INCIDENT_LINES * 20_000)
    report = find_holders(NETNS, proc)
    assert report.skipped == [f"{huge}: larger than 1 MiB"]
    assert [holder.pid for holder in report.holders] == [4242]
