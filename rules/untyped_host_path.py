"""## What it does
Flags a `hostPath` volume without a `type` (missing, `null` or `""`) whose path is evidently a
Unix socket or a regular file:
- a socket: a known runtime socket (`/var/run/docker.sock`, `/run/containerd/containerd.sock`, ...)
  or any path whose last component ends in `.sock`;
- a file: a well-known single file (`/etc/machine-id`, `/etc/localtime`, `/etc/resolv.conf`,
  `/etc/hosts`, `/etc/kubernetes/admin.conf`, ...) or a last component with a file extension such
  as `.conf`, `.json`, `.yaml`, `.pem`, `.crt`, `.key` or `.log`.

Directories are not guessed at: a path without such a sign is never reported. Windows pods and
Windows paths are not checked. Volumes are checked whether or not a container mounts them (the
type is part of the volume), and so is a PersistentVolume's `spec.hostPath`.

## Why is this bad?
Without a `type` the kubelet checks nothing. When the path does not exist on the node yet (the
runtime is not up, the file is created later, the node image differs), the container runtime
creates an empty **directory** there and mounts that. The container then fails in confusing ways
(`connect: is a directory`, an empty config directory instead of a file), and the directory stays
on the node: the daemon that later wants to create its socket or file at that path cannot, and
that breaks the node for every other pod.

With `type: Socket` or `type: File` the kubelet checks the path before it starts the pod and
reports a clear event (`hostPath type check failed: ... is not a socket file`) instead, without
creating anything.

## Example
```yaml
apiVersion: v1
kind: Pod
metadata:
  name: machine-info
spec:
  containers:
    - name: reader
      image: busybox
      volumeMounts:
        - name: machine-id
          mountPath: /etc/machine-id
          readOnly: true
  volumes:
    - name: machine-id
      hostPath:
        path: /etc/machine-id
```

## Use instead
```yaml
apiVersion: v1
kind: Pod
metadata:
  name: machine-info
spec:
  containers:
    - name: reader
      image: busybox
      volumeMounts:
        - name: machine-id
          mountPath: /etc/machine-id
          readOnly: true
  volumes:
    - name: machine-id
      hostPath:
        path: /etc/machine-id
        type: File
```

## Fix safety
The fix sets `type: Socket` or `type: File` (adding the key, or filling in an empty value). It is
unsafe: a pod whose path is missing on some node, or is something else there, no longer starts on
that node (which is the point, but it changes behaviour). It is display-only when the volume is
reached through a YAML anchor or merge key, because the edit would change every user of it, and
when the pod mounts several alternative runtime sockets (falco and tracee mount the docker,
containerd, CRI-O and podman sockets so that one image works on every node): no node has all of
them, and `type: Socket` on a missing one would keep the pod from starting there.
"""

from __future__ import annotations

from collections.abc import Iterator

from mountlint.edits import Applicability
from mountlint.paths import KNOWN_FILES, canon, is_runtime_socket, looks_like_socket
from mountlint.rule import FixAvailability, Related, Rule, RuleContext, Scope, Severity, Violation
from mountlint.workloads import HostPathSource, HostPathUse, render_path
from mountlint.yamlnodes import is_null, string_value

RULE = Rule(
    code="ML204",
    name="untyped-host-path",
    summary=(
        "A hostPath volume for a socket or file has no type: if the path is missing, "
        "an empty directory is created and mounted in its place"
    ),
    severity=Severity.INFO,
    scope=Scope.HOST_PATH,
    fix=FixAvailability.UNSAFE,
    tags=("reliability", "host-path"),
)

#: Extensions that name files, never the directories agents mount (``conf.d`` has none of them).
_FILE_EXTENSIONS = frozenset(
    {
        "cfg",
        "conf",
        "crt",
        "db",
        "ini",
        "json",
        "key",
        "log",
        "pem",
        "pub",
        "sh",
        "toml",
        "txt",
        "yaml",
        "yml",
    }
)


def check(use: HostPathUse, context: RuleContext) -> Iterator[Violation]:
    """Report an untyped hostPath source whose path is evidently a socket or a file."""
    path = use.linux_path
    # A hostPath shared through an alias is one text to fix: report it once.
    if use.is_windows or path is None or use.repeats_earlier_volume:
        return
    if not _untyped(use.source):
        return
    kind = _kind(canon(path), context.settings.canonical_sockets)
    if kind is None:
        return
    noun = "a socket" if kind == "Socket" else "a file"
    fix = context.set_fix(
        use.source.node,
        "type",
        kind,
        f"Set type: {kind}",
        Applicability.UNSAFE,
        owner=f"the hostPath of {use.owner}",
    )
    alternatives = _alternative_sockets(use, context.settings.canonical_sockets)
    advice = f"set type: {kind}"
    if fix is not None and len(alternatives) > 1 and canon(path) in alternatives:
        fix = fix.as_display_only(
            f"the pod mounts {len(alternatives)} alternative runtime sockets; on a node without "
            "one of them, type: Socket would keep the pod from starting"
        )
        advice = "keep it untyped: the pod mounts alternative runtime sockets"
    yield Violation(
        message=f"{use.label} (host '{path}') has no type but looks like {noun}; {advice}",
        detail=(
            f"{use.label} has no type, but '{path}' looks like {noun}: if it is missing on the "
            f"node, an empty directory is created and mounted in its place; {advice}"
        ),
        node=use.path_node,
        field_path=render_path((*use.path, "path")),
        fix=fix,
        related=(Related(use.holder, use.label),),
    )


def _alternative_sockets(use: HostPathUse, sockets: tuple[str, ...]) -> set[str]:
    """The distinct runtime sockets that the pod declaring ``use`` mounts as hostPath volumes."""
    if use.pod is None:
        return set()
    found = set()
    for volume in use.pod.volumes:
        host = volume.host_path
        if host is not None and host.path and host.path.startswith("/"):
            path = canon(host.path)
            if is_runtime_socket(path, sockets):
                found.add(path)
    return found


def _untyped(host: HostPathSource) -> bool:
    """No ``type``, or one that is null or empty (all mean: no check). Other values are ML310's."""
    return is_null(host.type_node) or string_value(host.type_node) == ""


def _kind(path: str, sockets: tuple[str, ...]) -> str | None:
    """``Socket`` or ``File`` when the canonical ``path`` evidently is one, else None."""
    name = path.rsplit("/", 1)[-1]
    if looks_like_socket(path, sockets):
        return "Socket"
    extension = name.rsplit(".", 1)[-1] if "." in name.lstrip(".") else ""
    if path in KNOWN_FILES or extension in _FILE_EXTENSIONS:
        return "File"
    return None
