"""Node-side diagnosis: who still holds a mount, and will ``mountPropagation`` work on this node.

The hazard mountlint lints for is usually first met on a node: a pod stuck in ``Terminating``
with ``unlinkat /var/run/netns/cni-...: device or resource busy``. The mount being torn down is
still present in another mount namespace, typically a container that mounts host ``/`` at
``/rootfs`` with private propagation. This module answers two questions from ``/proc``:

* :func:`report_node` reads a ``mountinfo`` and says, for ``/`` and every runtime root, which
  mount contains it and whether containerd would start a ``HostToContainer`` (needs a shared or
  slave host mount) or ``Bidirectional`` (needs a shared one) mount of it;
* :func:`find_holders` scans ``<proc>/*/mountinfo`` and lists every other mount namespace that
  still has a copy of the mount at a path, with the process, container, pod and the mount that
  copied it.

JSON output (``--format json``), both objects carry ``"report"``:

``{"report": "node", "may_detach_mounts": {"present", "value", "note"}, "paths": [{"path",
"mount": MOUNT | null, "propagation", "host_to_container": {"ok", "error"},
"bidirectional": {"ok", "error"}}]}``

``{"report": "holders", "path", "canonical_path", "host_mount": MOUNT | null, "holders": [HOLDER],
"followers": [HOLDER], "skipped": [MESSAGE]}`` where ``HOLDER`` is ``{"pid", "pids", "command",
"cmdline", "mount_namespace", "mount_point", "matched_by": "device" | "path-suffix", "mount": MOUNT,
"container_id", "runtime", "pod_uid", "culprit": {"mount_point", "host_path", "propagation",
"fix"} | null}`` and ``MOUNT`` is ``{"id", "parent_id", "device", "root", "mount_point",
"options", "optional_fields", "fs_type", "source", "propagation"}``. ``followers`` are copies
whose parent mount receives the host's unmount (slave or peer of the host's parent): they go away
by themselves and do not count as holders. ``skipped`` names each process mountinfo that could
not be read or parsed (the exit code is then 2).
"""

from __future__ import annotations

import errno
import hashlib
import json
import os
import re
import stat
from collections.abc import Callable, Iterable, Sequence
from dataclasses import field
from pathlib import Path
from typing import Any, TextIO

from mountlint.paths import DEFAULT_RUNTIME_ROOTS, canon, within
from mountlint.printable import printable
from mountlint.records import record

#: Exit codes of :func:`run_node`: 0 nothing wrong, 1 a holder or a FAILS verdict, 2 an error.
EXIT_NOTHING_HOLDS = 0
EXIT_HELD = 1
EXIT_FAILS = 1
EXIT_ERROR = 2

_OCTAL_ESCAPE = re.compile(r"\\([0-7]{3})")
_POD_UID = re.compile(
    r"pod([0-9a-f]{8}[-_][0-9a-f]{4}[-_][0-9a-f]{4}[-_][0-9a-f]{4}[-_][0-9a-f]{12})"
)
_CONTAINER_ID = re.compile(
    r"(?:^|[/-])(?:(cri-containerd|docker|crio|libpod)-)?([0-9a-f]{64})(?:\.scope)?(?=/|$)"
)
_MAY_DETACH_ABSENT = "not present (upstream kernels always detach)"


class NodeError(Exception):
    """A node diagnosis that cannot be made: unreadable or malformed ``/proc`` data."""


@record(frozen=True)
class Mount:
    """One line of ``/proc/<pid>/mountinfo`` (``man 5 proc``), mount point unescaped."""

    mount_id: int
    parent_id: int
    device: str
    root: str
    mount_point: str
    options: str
    optional_fields: tuple[str, ...]
    fs_type: str
    source: str
    super_options: str

    def tag(self, name: str) -> str | None:
        """The value of optional field ``name:`` (``shared``, ``master``, ``propagate_from``)."""
        for item in self.optional_fields:
            key, _, value = item.partition(":")
            if key == name:
                return value
        return None

    @property
    def propagation(self) -> str:
        """``shared``, ``slave``, ``slave+shared``, ``private`` or ``unbindable``."""
        shared = self.tag("shared") is not None
        slave = self.tag("master") is not None
        if shared and slave:
            return "slave+shared"
        if shared:
            return "shared"
        if slave:
            return "slave"
        if "unbindable" in self.optional_fields:
            return "unbindable"
        return "private"

    def to_json(self) -> dict[str, Any]:
        """The documented ``MOUNT`` object."""
        return {
            "id": self.mount_id,
            "parent_id": self.parent_id,
            "device": self.device,
            "root": self.root,
            "mount_point": self.mount_point,
            "options": self.options,
            "optional_fields": list(self.optional_fields),
            "fs_type": self.fs_type,
            "source": self.source,
            "propagation": self.propagation,
        }


def unescape(field_text: str) -> str:
    r"""Undo the kernel's octal escapes (``\040`` space, ``\011`` tab, ``\012``, ``\134``)."""
    return _OCTAL_ESCAPE.sub(lambda match: chr(int(match.group(1), 8)), field_text)


def parse_mountinfo(text: str, source: str = "mountinfo") -> list[Mount]:
    """Parse mountinfo text; a malformed line raises :class:`NodeError` naming file and line."""
    mounts = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        fields = line.split(" ")
        try:
            separator = fields.index("-", 6)
            mounts.append(
                Mount(
                    mount_id=int(fields[0]),
                    parent_id=int(fields[1]),
                    device=fields[2],
                    root=unescape(fields[3]),
                    mount_point=unescape(fields[4]),
                    options=fields[5],
                    optional_fields=tuple(item for item in fields[6:separator] if item),
                    fs_type=fields[separator + 1],
                    source=unescape(fields[separator + 2]),
                    super_options=" ".join(fields[separator + 3 :]),
                )
            )
        except (ValueError, IndexError) as error:
            message = f"{source} line {number} is not in the kernel's mountinfo format: {line!r}"
            raise NodeError(message) from error
    return mounts


def containing_mount(mounts: Sequence[Mount], path: str) -> Mount | None:
    """The mount that holds canonical ``path``: the longest mount point above it by components.

    Of several mounts on the same point the last listed is the one on top.
    """
    best: Mount | None = None
    best_depth = -1
    for mount in mounts:
        point = canon(mount.mount_point)
        if within(point, path):
            depth = 0 if point == "/" else point.count("/")
            if depth >= best_depth:
                best, best_depth = mount, depth
    return best


# --------------------------------------------------------------------------- node report


@record(frozen=True)
class PathReport:
    """What containerd would say about a ``HostToContainer`` / ``Bidirectional`` mount of a path."""

    path: str
    mount: Mount | None
    host_to_container_error: str | None
    bidirectional_error: str | None

    @property
    def propagation(self) -> str | None:
        """The propagation of the containing mount, if any mount contains the path."""
        return self.mount.propagation if self.mount else None

    def to_json(self) -> dict[str, Any]:
        """One entry of the node report's ``paths``."""
        return {
            "path": self.path,
            "mount": self.mount.to_json() if self.mount else None,
            "propagation": self.propagation,
            "host_to_container": {
                "ok": self.host_to_container_error is None,
                "error": self.host_to_container_error,
            },
            "bidirectional": {
                "ok": self.bidirectional_error is None,
                "error": self.bidirectional_error,
            },
        }


@record(frozen=True)
class NodeReport:
    """Propagation of ``/`` and the runtime roots, and ``fs.may_detach_mounts``."""

    paths: list[PathReport]
    may_detach_mounts: str | None
    may_detach_known: bool = True

    @property
    def exit_code(self) -> int:
        """1 when a path FAILS a check (or lies under no mount), else 0."""
        failing = any(
            entry.mount is None or entry.host_to_container_error or entry.bidirectional_error
            for entry in self.paths
        )
        return EXIT_FAILS if failing else EXIT_NOTHING_HOLDS

    @property
    def may_detach_note(self) -> str:
        """How to read ``fs.may_detach_mounts``: RHEL 7 kernels need 1 to detach busy mounts."""
        if not self.may_detach_known:
            return "unknown (saved mountinfo)"
        if self.may_detach_mounts is None:
            return _MAY_DETACH_ABSENT
        if self.may_detach_mounts == "1":
            return "1: mounts busy in other namespaces are detached"
        return f"{self.may_detach_mounts}: unmounting a mount held elsewhere fails with EBUSY"

    def to_json(self) -> dict[str, Any]:
        """The documented node report object."""
        return {
            "report": "node",
            "may_detach_mounts": {
                "present": self.may_detach_known and self.may_detach_mounts is not None,
                "value": self.may_detach_mounts,
                "note": self.may_detach_note,
            },
            "paths": [entry.to_json() for entry in self.paths],
        }


def _propagation_errors(path: str, mount: Mount | None) -> tuple[str | None, str | None]:
    """containerd's own refusals (``ensureSharedOrSlave`` / ``ensureShared``), or None."""
    if mount is None:
        error = f"path {path!r} is not under any mount"
        return error, error
    shared = mount.tag("shared") is not None
    slave = mount.tag("master") is not None
    h2c = None
    bidi = None
    if not (shared or slave):
        h2c = (
            f'path "{path}" is mounted on "{mount.mount_point}" '
            "but it is not a shared or slave mount"
        )
    if not shared:
        bidi = f'path "{path}" is mounted on "{mount.mount_point}" but it is not a shared mount'
    return h2c, bidi


def report_node(
    mountinfo_text: str,
    roots: Iterable[str] = DEFAULT_RUNTIME_ROOTS,
    may_detach_mounts: str | None = None,
    *,
    exists: Callable[[str], bool] | None = None,
    may_detach_known: bool = True,
    source: str = "mountinfo",
) -> NodeReport:
    """Report ``/`` and each runtime root that ``exists`` (all of them when it is None)."""
    mounts = parse_mountinfo(mountinfo_text, source)
    if not mounts:
        raise NodeError(f"{source}: empty mountinfo, no mounts to check")
    entries = []
    seen: set[str] = set()
    for raw in ("/", *roots):
        path = canon(raw)
        if path in seen:
            continue
        seen.add(path)
        if path != "/" and exists is not None and not exists(path):
            continue
        mount = containing_mount(mounts, path)
        h2c, bidi = _propagation_errors(path, mount)
        entries.append(PathReport(path, mount, h2c, bidi))
    return NodeReport(entries, may_detach_mounts, may_detach_known)


def roots_in_use(mountinfo_text: str, source: str = "mountinfo") -> Callable[[str], bool]:
    """For a saved mountinfo: a root "exists" when some mount lies at or below it."""
    points = [canon(mount.mount_point) for mount in parse_mountinfo(mountinfo_text, source)]
    return lambda root: any(within(root, point) for point in points)


# --------------------------------------------------------------------------- holders


@record(frozen=True)
class Culprit:
    """The mount in the holder's namespace that copied the host tree holding PATH."""

    mount_point: str
    host_path: str
    propagation: str

    @property
    def fix(self) -> str:
        """The manifest change that stops the copy from outliving the host's mount."""
        if canon(self.mount_point) == "/" and self.host_path == "/":
            return (
                "the whole mount namespace is a private copy of the host's (not a container "
                "volume): make it a slave (mount --make-rslave / inside it) or end the process"
            )
        return (
            f"set mountPropagation: HostToContainer on the volumeMount at {self.mount_point} "
            f"(hostPath {self.host_path}), or mount a narrower host path"
        )

    def to_json(self) -> dict[str, Any]:
        """The documented ``culprit`` object."""
        return {
            "mount_point": self.mount_point,
            "host_path": self.host_path,
            "propagation": self.propagation,
            "fix": self.fix,
        }


@record(frozen=True)
class Holder:
    """A mount namespace with a copy of the mount at PATH, seen through one of its processes."""

    pid: int
    pids: tuple[int, ...]
    command: str
    cmdline: str
    mount_namespace: str
    mount: Mount
    matched_by: str
    container_id: str | None
    runtime: str | None
    pod_uid: str | None
    culprit: Culprit | None

    def to_json(self) -> dict[str, Any]:
        """The documented ``HOLDER`` object."""
        return {
            "pid": self.pid,
            "pids": list(self.pids),
            "command": self.command,
            "cmdline": self.cmdline,
            "mount_namespace": self.mount_namespace,
            "mount_point": self.mount.mount_point,
            "matched_by": self.matched_by,
            "mount": self.mount.to_json(),
            "container_id": self.container_id,
            "runtime": self.runtime,
            "pod_uid": self.pod_uid,
            "culprit": self.culprit.to_json() if self.culprit else None,
        }


@record(frozen=True)
class HoldersReport:
    """Every other mount namespace that still has the mount at PATH."""

    path: str
    host_mount: Mount | None
    holders: list[Holder] = field(default_factory=list)
    followers: list[Holder] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)

    @property
    def exit_code(self) -> int:
        """0 when nothing holds PATH, 1 when something does, 2 when a process was not checked."""
        if self.skipped:
            return EXIT_ERROR
        return EXIT_HELD if self.holders else EXIT_NOTHING_HOLDS

    def to_json(self) -> dict[str, Any]:
        """The documented holders report object."""
        return {
            "report": "holders",
            "path": self.path,
            "canonical_path": canon(self.path),
            "host_mount": self.host_mount.to_json() if self.host_mount else None,
            "holders": [holder.to_json() for holder in self.holders],
            "followers": [holder.to_json() for holder in self.followers],
            "skipped": list(self.skipped),
        }


@record
class _Namespace:
    key: str
    mounts: list[Mount]
    pids: list[int]


def _components(path: str) -> list[str]:
    return [part for part in canon(path).split("/") if part]


def _ends_with(point: str, path: str) -> bool:
    """Whether mount point ``point`` ends with all of ``path``'s components."""
    tail = _components(path)
    parts = _components(point)
    return bool(tail) and len(parts) >= len(tail) and parts[len(parts) - len(tail) :] == tail


#: The most read from one ``/proc`` file (``/proc`` files have no size; a node with 100 000
#: mounts has a mountinfo of about 15 MB).
MAX_PROC_FILE_BYTES = 64 * 1024 * 1024


class RefusedFile(OSError):
    """A file in a saved ``/proc`` tree that is not read: not a regular file, or too large."""

    def __init__(self, path: Path, reason: str) -> None:
        super().__init__(errno.EINVAL, reason, str(path))


def _read_text(path: Path) -> str:
    """Read a regular file only: a FIFO named ``mountinfo`` in a saved tree must not hang."""
    if not stat.S_ISREG(os.stat(path).st_mode):
        raise RefusedFile(path, "not a regular file")
    # The file may be swapped for a FIFO after the check: O_NONBLOCK opens without waiting.
    descriptor = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_NOCTTY | os.O_CLOEXEC)
    with os.fdopen(descriptor, "rb") as stream:
        if not stat.S_ISREG(os.fstat(stream.fileno()).st_mode):
            raise RefusedFile(path, "not a regular file")
        data = stream.read(MAX_PROC_FILE_BYTES + 1)
    if len(data) > MAX_PROC_FILE_BYTES:
        raise RefusedFile(path, f"larger than {MAX_PROC_FILE_BYTES // (1024 * 1024)} MiB")
    return data.decode("utf-8", "surrogateescape")


def _namespace_key(pid_dir: Path, mountinfo_text: str) -> str:
    """The ``ns/mnt`` link target, else a key from the mountinfo content (saved trees)."""
    try:
        return os.readlink(pid_dir / "ns" / "mnt")
    except OSError:
        digest = hashlib.sha256(mountinfo_text.encode("utf-8", "surrogateescape")).hexdigest()
        return "mountinfo:" + digest[:16]


def _ancestors(mounts: Sequence[Mount], mount: Mount) -> list[Mount]:
    """The mounts above ``mount`` through parent IDs, nearest first."""
    by_id = {item.mount_id: item for item in mounts}
    chain = []
    current = by_id.get(mount.parent_id)
    while current is not None and current not in chain and current is not mount:
        chain.append(current)
        current = by_id.get(current.parent_id)
    return chain


def _culprit(mounts: Sequence[Mount], held: Mount, path: str) -> Culprit | None:
    """The outermost mount whose subtree maps onto the host directory that holds PATH.

    A mount at ``a`` qualifies when the rest of the held mount point below ``a`` is a tail of
    PATH: ``/rootfs`` for ``/rootfs/run/netns/cni-x`` and PATH ``/run/netns/cni-x`` (host ``/``).
    A mount placed somewhere else than its host path (a volume) wins over the namespace's own
    copies of the host tree (the container's ``/`` never qualifies; an ``unshare``'s does).
    """
    target = _components(path)
    held_parts = _components(held.mount_point)
    found: Culprit | None = None
    relocated: Culprit | None = None
    for ancestor in _ancestors(mounts, held):
        parts = _components(ancestor.mount_point)
        if held_parts[: len(parts)] != parts:
            continue
        rest = held_parts[len(parts) :]
        if len(rest) > len(target) or target[len(target) - len(rest) :] != rest:
            continue
        host = "/" + "/".join(target[: len(target) - len(rest)])
        found = Culprit(ancestor.mount_point, host, ancestor.propagation)
        if canon(ancestor.mount_point) != host:
            relocated = found
    return relocated or found


def parse_cgroup(text: str) -> tuple[str | None, str | None, str | None]:
    """Container ID, runtime and pod UID from ``/proc/<pid>/cgroup`` (v1 and v2 paths)."""
    container_id = runtime = pod_uid = None
    for line in text.splitlines():
        cgroup_path = line.split(":", 2)[-1]
        uid = _POD_UID.search(cgroup_path)
        if uid and pod_uid is None:
            pod_uid = uid.group(1).replace("_", "-")
        matches = list(_CONTAINER_ID.finditer(cgroup_path))
        if matches and container_id is None:
            runtime, container_id = matches[-1].group(1), matches[-1].group(2)
    return container_id, runtime, pod_uid


def _process_info(pid_dir: Path) -> tuple[str, str, str | None, str | None, str | None]:
    def read(name: str) -> str:
        try:
            return _read_text(pid_dir / name)
        except OSError:
            return ""

    command = read("comm").strip()
    cmdline = read("cmdline").replace("\0", " ").strip()
    return (command, cmdline, *parse_cgroup(read("cgroup")))


def _follows_host(mounts: Sequence[Mount], copy: Mount, host_group: str | None) -> bool:
    """Whether the copy's parent gets the host's unmount (peer or slave of its peer group)."""
    if host_group is None:
        return False
    parent = next((item for item in mounts if item.mount_id == copy.parent_id), None)
    if parent is None:
        return False
    return host_group in (parent.tag("shared"), parent.tag("master"), parent.tag("propagate_from"))


def find_holders(
    path: str,
    proc_dir: Path = Path("/proc"),
    self_pid: int | None = None,
) -> HoldersReport:
    """Every other mount namespace under ``proc_dir`` with a copy of the mount at ``path``.

    The caller's namespace is ``<proc_dir>/<self_pid>`` (``self`` when None). A copy matches
    the host's mount by device and root; when the caller has no mount at ``path`` any more,
    a mount point ending with ``path``'s components matches instead.
    """
    target = canon(path)
    if not target.startswith("/"):
        raise NodeError(f"{path}: not an absolute path")
    self_dir = proc_dir / (str(self_pid) if self_pid is not None else "self")
    self_path = self_dir / "mountinfo"
    try:
        self_text = _read_text(self_path)
    except OSError as error:
        raise NodeError(f"cannot read {self_path}: {error.strerror}") from error
    self_mounts = parse_mountinfo(self_text, str(self_path))
    if not self_mounts:
        raise NodeError(f"{self_path}: empty mountinfo, no mounts to check")
    self_key = _namespace_key(self_dir, self_text)
    at_path = [mount for mount in self_mounts if canon(mount.mount_point) == target]
    host_mount = at_path[-1] if at_path else None
    host_group = None
    if host_mount is not None:
        parent = next((m for m in self_mounts if m.mount_id == host_mount.parent_id), None)
        host_group = parent.tag("shared") if parent else None

    namespaces: dict[str, _Namespace] = {}
    denied = []
    skipped: list[str] = []
    try:
        entries = sorted(
            (entry for entry in proc_dir.iterdir() if entry.name.isdigit()),
            key=lambda entry: int(entry.name),
        )
    except OSError as error:
        raise NodeError(f"cannot list {proc_dir}: {error.strerror}") from error
    for pid_dir in entries:
        mountinfo = pid_dir / "mountinfo"
        try:
            text = _read_text(mountinfo)
        except PermissionError:
            denied.append(pid_dir.name)
            continue
        except RefusedFile as refused:
            skipped.append(f"{mountinfo}: {refused.strerror}")
            continue
        except OSError:  # the process exited, or is a kernel thread without one
            continue
        if not text:
            continue
        key = _namespace_key(pid_dir, text)
        if key == self_key or text == self_text:
            continue
        if key not in namespaces:
            try:
                mounts = parse_mountinfo(text, str(mountinfo))
            except NodeError as error:  # one bad file must not hide the other namespaces
                skipped.append(str(error))
                continue
            namespaces[key] = _Namespace(key, mounts, [])
        namespaces[key].pids.append(int(pid_dir.name))
    if denied:
        raise NodeError(
            f"permission denied reading mountinfo of {len(denied)} processes "
            f"(e.g. {proc_dir / denied[0] / 'mountinfo'}); run as root"
        )

    holders: list[Holder] = []
    followers: list[Holder] = []
    for namespace in namespaces.values():
        for mount in namespace.mounts:
            if host_mount is not None:
                matched = mount.device == host_mount.device and mount.root == host_mount.root
                how = "device"
            else:
                matched = _ends_with(mount.mount_point, target)
                how = "path-suffix"
            if not matched:
                continue
            pid = namespace.pids[0]
            command, cmdline, container_id, runtime, pod_uid = _process_info(proc_dir / str(pid))
            holder = Holder(
                pid=pid,
                pids=tuple(namespace.pids),
                command=command,
                cmdline=cmdline,
                mount_namespace=namespace.key,
                mount=mount,
                matched_by=how,
                container_id=container_id,
                runtime=runtime,
                pod_uid=pod_uid,
                culprit=_culprit(namespace.mounts, mount, target),
            )
            if _follows_host(namespace.mounts, mount, host_group):
                followers.append(holder)
            else:
                holders.append(holder)
    return HoldersReport(path, host_mount, holders, followers, skipped)


# --------------------------------------------------------------------------- output


def format_node_text(report: NodeReport) -> str:
    """The node report for people: one line per path, then the sysctl."""
    lines = []
    for entry in report.paths:
        if entry.mount is None:
            lines.append(f"{entry.path}: not under any mount")
            continue
        verdicts = [
            "HostToContainer ok"
            if entry.host_to_container_error is None
            else "HostToContainer FAILS",
            "Bidirectional ok" if entry.bidirectional_error is None else "Bidirectional FAILS",
        ]
        lines.append(
            f"{entry.path}: on {entry.mount.mount_point} ({entry.mount.fs_type}, "
            f"{entry.propagation}): {', '.join(verdicts)}"
        )
    lines.append(f"fs.may_detach_mounts: {report.may_detach_note}")
    return "".join(printable(line) + "\n" for line in lines)


def _holder_lines(holder: Holder) -> list[str]:
    who = f"pid {holder.pid} ({holder.command or '?'})"
    if len(holder.pids) > 1:
        who += f" and {len(holder.pids) - 1} more in its mount namespace"
    lines = [f"  {who}: {holder.mount.mount_point}"]
    if holder.container_id or holder.pod_uid:
        lines.append(
            f"    container {holder.container_id or '?'}"
            + (f" ({holder.runtime})" if holder.runtime else "")
            + f", pod UID {holder.pod_uid or '?'}"
        )
    if holder.cmdline:
        lines.append(f"    command line: {holder.cmdline}")
    if holder.culprit:
        culprit = holder.culprit
        lines.append(
            f"    culprit: host {culprit.host_path} mounted at {culprit.mount_point} "
            f"with {culprit.propagation} propagation"
        )
        lines.append(f"    fix: {culprit.fix}")
    return lines


def format_holders_text(report: HoldersReport) -> str:
    """The holders report for people: each holding namespace with its culprit and fix."""
    if report.host_mount is not None:
        head = (
            f"{report.path}: mounted here ({report.host_mount.fs_type} {report.host_mount.device})"
        )
    else:
        head = f"{report.path}: not a mount point here; looking for copies by path"
    lines = [head]
    if report.holders:
        lines.append(f"held in {len(report.holders)} other mount namespace(s):")
        for holder in report.holders:
            lines.extend(_holder_lines(holder))
    elif report.skipped:
        lines.append("nothing holds it among the processes that could be read")
    else:
        lines.append("nothing holds it")
    if report.skipped:
        lines.append(f"{len(report.skipped)} mountinfo file(s) could not be read (see the errors)")
    if report.followers:
        lines.append(
            f"{len(report.followers)} other copy(ies) follow the host and go away on unmount"
        )
    return "".join(printable(line) + "\n" for line in lines)


def _may_detach(proc: Path) -> str | None:
    path = proc / "sys" / "fs" / "may_detach_mounts"
    try:
        return _read_text(path).strip()
    except FileNotFoundError:
        return None
    except OSError as error:
        raise NodeError(f"cannot read {path}: {error.strerror}") from error


def run_node(
    mountinfo: Path | None,
    proc: Path,
    holders: str | None,
    output_format: str,
    out: TextIO,
    err: TextIO | None = None,
) -> int:
    """The ``node`` command: a node report, or with ``holders`` a holders report; the exit code.

    Exit codes: 0 all is well; 1 a path FAILS a check, or something holds ``holders``; 2 an
    error (nothing is printed on ``out`` then), or a process whose mountinfo could not be read.
    Errors go to ``err`` as ``mountlint: error: ...`` (to ``out`` when ``err`` is None).
    """
    live = proc == Path("/proc")
    errors = err or out
    try:
        if holders is not None:
            holders_report = find_holders(holders, proc)
            if output_format == "json":
                out.write(json.dumps(holders_report.to_json(), indent=2) + "\n")
            else:
                out.write(format_holders_text(holders_report))
            for skipped in holders_report.skipped:
                errors.write(f"mountlint: error: skipped {printable(skipped)}\n")
            return holders_report.exit_code
        source = mountinfo if mountinfo is not None else proc / "self" / "mountinfo"
        try:
            text = _read_text(source)
        except OSError as error:
            raise NodeError(f"cannot read {source}: {error.strerror}") from error
        if mountinfo is not None:
            exists = roots_in_use(text, str(source))
            known = not live
        else:
            exists = os.path.exists if live else roots_in_use(text, str(source))
            known = True
        node_report = report_node(
            text,
            DEFAULT_RUNTIME_ROOTS,
            _may_detach(proc) if known else None,
            exists=exists,
            may_detach_known=known,
            source=str(source),
        )
    except NodeError as error:
        errors.write(f"mountlint: error: {printable(str(error))}\n")
        return EXIT_ERROR
    if output_format == "json":
        out.write(json.dumps(node_report.to_json(), indent=2) + "\n")
    else:
        out.write(format_node_text(node_report))
    return node_report.exit_code
