"""``--fix`` never loses data: what it prints, what it writes over, and what an interrupt leaves."""

from __future__ import annotations

import errno
import os
import pwd
import shutil
import signal
import stat
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from mountlint.fixes import WriteRefused, write_atomically
from mountlint.sources import FileStamp

from helpers import EXAMPLES, interrupt_when

INCIDENT = EXAMPLES / "incident"
POD = (INCIDENT / "rootfsmount.yaml").read_bytes()
FIXED_POD = (INCIDENT / "rootfsmount-fixed.yaml").read_bytes()


def _fix_stdin(data: bytes, cwd: Path, *flags: str) -> subprocess.CompletedProcess[bytes]:
    """``mountlint --fix -`` with bytes in and bytes out, as a shell redirection would."""
    return subprocess.run(
        [sys.executable, "-m", "mountlint", "--fix", *flags, "-"],
        input=data,
        capture_output=True,
        cwd=cwd,
        timeout=120,
    )


CONFIG_MAP = b"apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\ndata:\n  a: b\n"
HELM_OUTPUT = (
    b"---\n# Source: chart/templates/pod.yaml\napiVersion: v1\nkind: Pod\nmetadata:\n  name: p\n"
    b"spec:\n  containers:\n    - name: app\n      volumeMounts:\n"
    b"        - {name: root, mountPath: /rootfs}\n"
    b"  volumes:\n    - {name: root, hostPath: {path: /}}\n"
)


@pytest.mark.parametrize(
    "data",
    [
        CONFIG_MAP,
        CONFIG_MAP.replace(b"\n", b"\r\n") + b"\n\n",
        b"kind: Pod\nspec:\n  volumes: [{hostPath: {path: /\xff}}]\n",  # not UTF-8
        b"\xef\xbb\xbfkind: ConfigMap\n",
        b"",
    ],
    ids=["configmap", "configmap-crlf", "not-utf8", "bom", "empty"],
)
def test_fix_stdin_prints_the_input_when_nothing_is_fixed(data: bytes, tmp_path: Path) -> None:
    result = _fix_stdin(data, tmp_path)
    assert result.stdout == data
    assert b"Traceback" not in result.stderr


def test_fix_stdin_prints_helm_output_whose_chart_is_above(tmp_path: Path) -> None:
    """``# Source:`` output with a Chart.yaml above the working directory: fixes go to the
    chart's templates (here missing), and standard output still carries the input."""
    (tmp_path / "Chart.yaml").write_text("apiVersion: v2\nname: chart\nversion: 1.0.0\n")
    work = tmp_path / "work"
    work.mkdir()
    result = _fix_stdin(HELM_OUTPUT, work)
    assert result.stdout == HELM_OUTPUT
    assert b"Traceback" not in result.stderr


def test_fix_stdin_prints_the_input_when_the_configuration_is_broken(tmp_path: Path) -> None:
    (tmp_path / ".mountlint.yaml").write_text("select: [\n")
    result = _fix_stdin(POD, tmp_path)
    assert result.returncode == 2
    assert result.stdout == POD


def test_fix_stdin_prints_the_fixed_input(tmp_path: Path) -> None:
    data = (INCIDENT / "rootfsmount.yaml").read_bytes()
    result = _fix_stdin(data, INCIDENT)
    assert result.stdout == (INCIDENT / "rootfsmount-fixed.yaml").read_bytes()


def _lint_fix(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "mountlint", "--fix", "--select", "ML101", *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        timeout=120,
    )


def test_hard_linked_file_stays_one_file(tmp_path: Path) -> None:
    path = tmp_path / "pod.yaml"
    path.write_bytes(POD)
    other = tmp_path / "other-name.yaml"
    os.link(path, other)
    inode = path.stat().st_ino
    result = _lint_fix(str(path))
    assert result.returncode == 0, result.stderr
    assert path.stat().st_ino == other.stat().st_ino == inode
    assert path.stat().st_nlink == 2
    assert other.read_bytes() == FIXED_POD
    assert sorted(p.name for p in tmp_path.iterdir()) == ["other-name.yaml", "pod.yaml"]


def test_owner_group_and_mode_are_kept(tmp_path: Path) -> None:
    path = tmp_path / "pod.yaml"
    path.write_bytes(POD)
    os.chmod(path, 0o640)
    if os.geteuid() == 0:
        os.chown(path, 65534, 65534)
    before = path.stat()
    assert _lint_fix(str(path)).returncode == 0
    after = path.stat()
    assert (after.st_uid, after.st_gid, stat.S_IMODE(after.st_mode)) == (
        before.st_uid,
        before.st_gid,
        0o640,
    )
    assert path.read_bytes() == FIXED_POD


def test_extended_attributes_are_kept(tmp_path: Path) -> None:
    """ACLs and security labels live in extended attributes; a user attribute stands for them."""
    path = tmp_path / "pod.yaml"
    path.write_bytes(POD)
    try:
        os.setxattr(path, "user.mountlint-test", b"kept")
    except (AttributeError, OSError):
        pytest.skip("no user extended attributes here")
    assert _lint_fix(str(path)).returncode == 0
    assert path.read_bytes() == FIXED_POD
    assert os.getxattr(path, "user.mountlint-test") == b"kept"


def test_write_refuses_a_file_this_user_may_not_write(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Root may write any file, so the check is os.access's answer: here, as a user's would be."""
    path = tmp_path / "pod.yaml"
    path.write_bytes(POD)
    stamp = FileStamp.of(path)
    real_access = os.access

    def access(target: object, mode: int, **kwargs: object) -> bool:
        if Path(str(target)) == path and mode & os.W_OK:
            return False
        return real_access(target, mode, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(os, "access", access)
    with pytest.raises(WriteRefused, match="permission denied"):
        write_atomically(path, FIXED_POD, stamp)
    monkeypatch.undo()
    assert path.read_bytes() == POD
    assert [p.name for p in tmp_path.iterdir()] == ["pod.yaml"]


def test_failed_in_place_write_puts_the_old_bytes_back(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "pod.yaml"
    path.write_bytes(POD)
    os.link(path, tmp_path / "link.yaml")  # hard links are written in place
    stamp = FileStamp.of(path)
    real_fsync, calls = os.fsync, []

    def fsync(descriptor: int) -> None:
        calls.append(descriptor)
        if len(calls) == 1:
            raise OSError(errno.EIO, "Input/output error")
        real_fsync(descriptor)

    monkeypatch.setattr(os, "fsync", fsync)
    with pytest.raises(WriteRefused, match="Input/output error"):
        write_atomically(path, FIXED_POD + b"# more\n", stamp)
    monkeypatch.undo()
    assert path.read_bytes() == POD


def test_full_disk_fails_before_an_in_place_write(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    if not hasattr(os, "posix_fallocate"):
        pytest.skip("no posix_fallocate")
    path = tmp_path / "pod.yaml"
    path.write_bytes(POD)
    os.link(path, tmp_path / "link.yaml")
    stamp = FileStamp.of(path)

    def full(*args: object) -> None:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(os, "posix_fallocate", full)
    monkeypatch.setattr(os, "write", full)
    with pytest.raises(WriteRefused, match="No space left"):
        write_atomically(path, FIXED_POD, stamp)
    monkeypatch.undo()
    assert path.read_bytes() == POD


# --- as an ordinary user --------------------------------------------------------------------
#
# The tests run as root, who may write any file. These drop to ``nobody`` inside the child
# process, after the interpreter and mountlint are loaded (the interpreter lives under /root,
# which nobody cannot enter), and run the command line from there.

AS_NOBODY = """
import os, sys
from mountlint.cli import command, main
try:  # load every module a fixing run needs while they can still be read
    command.main(["--fix", "--select", "ALL", sys.argv[1]], standalone_mode=False)
except SystemExit:
    pass
os.setgroups([])
os.setgid(int(sys.argv[2]))
os.setuid(int(sys.argv[3]))
sys.argv = ["mountlint", *sys.argv[4:]]
main()
"""


@pytest.fixture
def nobody() -> Iterator[tuple[int, int, Path]]:
    """The uid and gid of ``nobody``, and a folder it owns outside root's private /tmp folders."""
    if os.geteuid() != 0:
        pytest.skip("needs root to become nobody")
    try:
        entry = pwd.getpwnam("nobody")
    except KeyError:
        pytest.skip("no user nobody")
    folder = Path(tempfile.mkdtemp(prefix="mountlint-nobody-"))
    try:
        os.chown(folder, entry.pw_uid, entry.pw_gid)
        os.chmod(folder, 0o755)
        yield entry.pw_uid, entry.pw_gid, folder
    finally:
        shutil.rmtree(folder)


def _fix_as(
    user: tuple[int, int, Path], warm: Path, *args: str
) -> subprocess.CompletedProcess[str]:
    uid, gid, folder = user
    return subprocess.run(
        [sys.executable, "-c", AS_NOBODY, str(warm), str(gid), str(uid), "--fix", *args],
        capture_output=True,
        text=True,
        cwd=folder,
        timeout=120,
    )


def test_read_only_file_is_refused_with_exit_2(
    nobody: tuple[int, int, Path], tmp_path: Path
) -> None:
    uid, gid, folder = nobody
    warm = tmp_path / "warm.yaml"
    warm.write_bytes(POD)
    path = folder / "pod.yaml"
    path.write_bytes(POD)
    os.chown(path, uid, gid)
    os.chmod(path, 0o444)  # nobody owns the file and the folder: a rename would go through
    result = _fix_as(nobody, warm, "--select", "ML101", "pod.yaml")
    assert result.returncode == 2, result.stderr
    assert "pod.yaml: cannot write: permission denied" in result.stderr
    assert path.read_bytes() == POD
    assert stat.S_IMODE(path.stat().st_mode) == 0o444
    assert [p.name for p in folder.iterdir()] == ["pod.yaml"]


def test_group_writable_file_keeps_its_owner(nobody: tuple[int, int, Path], tmp_path: Path) -> None:
    """nobody may write root's group-writable file, but cannot give a copy root's ownership."""
    _, gid, folder = nobody
    warm = tmp_path / "warm.yaml"
    warm.write_bytes(POD)
    path = folder / "pod.yaml"
    path.write_bytes(POD)
    os.chown(path, 0, gid)
    os.chmod(path, 0o664)
    inode = path.stat().st_ino
    result = _fix_as(nobody, warm, "--select", "ML101", "pod.yaml")
    assert result.returncode == 0, result.stderr
    after = path.stat()
    assert (after.st_ino, after.st_uid, after.st_gid) == (inode, 0, gid)
    assert stat.S_IMODE(after.st_mode) == 0o664
    assert path.read_bytes() == FIXED_POD


def test_writable_file_in_a_folder_this_user_cannot_write(
    nobody: tuple[int, int, Path], tmp_path: Path
) -> None:
    """No temporary file can be made beside it, so the file is written in place."""
    uid, gid, folder = nobody
    warm = tmp_path / "warm.yaml"
    warm.write_bytes(POD)
    locked = folder / "locked"
    locked.mkdir()
    path = locked / "pod.yaml"
    path.write_bytes(POD)
    os.chown(path, uid, gid)
    os.chmod(locked, 0o755)  # root's folder: nobody may not create files in it
    result = _fix_as(nobody, warm, "--select", "ML101", "locked/pod.yaml")
    assert result.returncode == 0, result.stderr
    assert path.read_bytes() == FIXED_POD
    assert [p.name for p in locked.iterdir()] == ["pod.yaml"]


# --- Ctrl-C ---------------------------------------------------------------------------------


def test_an_interrupt_during_a_write_waits_until_the_file_is_whole(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "pod.yaml"
    path.write_bytes(POD)
    stamp = FileStamp.of(path)
    real_fsync = os.fsync

    def interrupted_fsync(descriptor: int) -> None:
        os.kill(os.getpid(), signal.SIGINT)  # as if Ctrl-C came in the middle of the write
        real_fsync(descriptor)

    monkeypatch.setattr(os, "fsync", interrupted_fsync)
    with pytest.raises(KeyboardInterrupt):
        write_atomically(path, FIXED_POD, stamp)
    monkeypatch.undo()
    assert path.read_bytes() == FIXED_POD
    assert [p.name for p in tmp_path.iterdir()] == ["pod.yaml"]


@pytest.mark.parametrize("jobs", ["1", "2"])
@pytest.mark.parametrize("whole_group", [False, True], ids=["process", "terminal"])
def test_ctrl_c_exits_130_and_leaves_every_file_whole(
    tmp_path: Path, jobs: str, whole_group: bool
) -> None:
    """A real SIGINT while ``--fix`` writes: to the process, or to its group as a terminal does."""
    folder = tmp_path / "pods"
    folder.mkdir()
    pods = [folder / f"pod{number:03}.yaml" for number in range(300)]
    for path in pods:
        path.write_bytes(POD)
    returncode, stderr = interrupt_when(
        ["--fix", "--select", "ML101", "--jobs", jobs, "pods"],
        tmp_path,
        lambda: any(path.read_bytes() == FIXED_POD for path in pods),
        whole_group,
    )
    assert returncode == 130, stderr
    assert stderr.strip() == "mountlint: interrupted"
    contents = [path.read_bytes() for path in sorted(folder.iterdir())]
    assert len(contents) == 300, "a temporary file was left behind"
    assert all(data in (POD, FIXED_POD) for data in contents)
    assert POD in contents, "the run was not interrupted"
