"""## What it does
Flags a `hostPath` volume whose path is a container runtime's API socket
(`/run/containerd/containerd.sock`, `/var/run/docker.sock`, `/run/crio/crio.sock`, ... see Options)
or a directory that holds one: `/run` (or `/var/run`), `/run/containerd`, `/run/crio`, `/run/k3s`,
and `/` itself.

Any path whose name ends in `containerd.sock`, `crio.sock`, `docker.sock`, `cri-dockerd.sock` or
`podman.sock` is a runtime socket wherever it lives (Bottlerocket's
`/run/host-containerd/containerd.sock`, a relocated `/opt/docker/docker.sock`).

Paths are compared by whole components after normalisation (`//`, `/./` and a trailing `/` are
dropped; `/var/run` is `/run`), so `/run/containerd2` does not hold
`/run/containerd/containerd.sock`.
A mount with a `subPath` exposes only that part of the volume: host `/run` mounted with
`subPath: netns` is not reported, with `subPath: docker.sock` it is. `subPathExpr` is expanded only
at run time, so such mounts are judged by the whole volume path.

Host `/` is reported here: it holds every runtime socket, and the read-only mount of `/` at
`/rootfs` that node agents use is exactly the case where people assume they gave away nothing but
reading. `sensitive-host-path` (ML202) then leaves that mount out, so the exposure is reported
once; with this rule turned off, ML202 reports it.

A volume that no container mounts is still reported, as a warning: the API accepts it, and an
ephemeral container (`kubectl debug`) can mount any volume of the pod later. A PersistentVolume's
`spec.hostPath` is checked too: every pod whose claim binds it mounts the whole path.
Windows pods and Windows paths (named pipes such as `\\\\.\\pipe\\docker_engine`) are not checked.

## Why is this bad?
The runtime socket is the runtime's whole API, unauthenticated: whoever can connect to it can start
a privileged container with the host's root filesystem mounted, read every other container's
secrets and environment, or exec into any container. That is root on the node, and from there the
kubelet's credentials.

`readOnly: true` does not help. A read-only bind mount stops writes to regular files and
directories, but `connect()` on a Unix socket is not a write to the filesystem: it works on a
read-only mount just the same.

## Example
```yaml
apiVersion: apps/v1
kind: DaemonSet
metadata:
  name: log-agent
spec:
  selector:
    matchLabels: {app: log-agent}
  template:
    metadata:
      labels: {app: log-agent}
    spec:
      containers:
        - name: agent
          image: example/log-agent
          volumeMounts:
            - name: containerd-sock
              mountPath: /run/containerd/containerd.sock
              readOnly: true
      volumes:
        - name: containerd-sock
          hostPath:
            path: /run/containerd/containerd.sock
            type: Socket
```

## Use instead
```yaml
apiVersion: apps/v1
kind: DaemonSet
metadata:
  name: log-agent
spec:
  selector:
    matchLabels: {app: log-agent}
  template:
    metadata:
      labels: {app: log-agent}
    spec:
      containers:
        - name: agent
          image: example/log-agent
          volumeMounts:
            - name: pod-logs
              mountPath: /var/log/pods
              readOnly: true
      volumes:
        - name: pod-logs
          hostPath:
            path: /var/log/pods
            type: Directory
```
Read what the agent needs from files (container logs under `/var/log/pods`) or from the
Kubernetes API instead of asking the runtime. If a component really must drive the runtime, give it
its own namespace, a dedicated node pool and a tight RBAC, and suppress this finding there.

## Options
- `runtime-sockets`: more sockets to look for, added to the built-in ones (containerd, k3s,
  CRI-O, dockerd, cri-dockerd, dockershim and podman; `/run` and `/var/run` spellings alike).
"""

from __future__ import annotations

from collections.abc import Iterator

from mountlint.messages import exposure_subject, shortlist
from mountlint.paths import canon, held_by, is_runtime_socket
from mountlint.rule import Rule, RuleContext, Scope, Severity, Violation
from mountlint.workloads import HostPathUse, render_path
from mountlint.yamlnodes import bool_value

RULE = Rule(
    code="ML201",
    name="runtime-socket-mount",
    summary=(
        "A hostPath volume exposes a container runtime socket: whoever can connect to it "
        "controls the node, read-only or not"
    ),
    severity=Severity.ERROR,
    scope=Scope.HOST_PATH,
    tags=("security", "host-path"),
)

_SHOWN_SOCKETS = 2
_TAKEOVER = "a client of the runtime socket can start privileged containers and take over the node"
_INSTEAD = "read what is needed from files or the Kubernetes API instead"


def runtime_sockets_at(source: str, sockets: tuple[str, ...]) -> list[str]:
    """The runtime sockets that canonical ``source`` is or holds."""
    held = held_by(source, sockets)
    if not held and is_runtime_socket(source, sockets):
        return [source]
    return held


def check(use: HostPathUse, context: RuleContext) -> Iterator[Violation]:
    """Report a hostPath source through which a container can reach a runtime socket."""
    path = use.linux_path
    if use.is_windows or path is None or not path.startswith("/"):
        return
    sockets = context.settings.canonical_sockets
    exposure = use.exposure(lambda source: runtime_sockets_at(source, sockets))
    if exposure is None:
        return
    exposes = _exposes(exposure.shown_path, exposure.hits)
    subject = exposure_subject(use, exposure)
    severity = None
    if not exposure.mounts:
        detail = f"{use.label} {exposes}; {use.unmounted}: {_TAKEOVER}; {_INSTEAD}"
        severity = Severity.WARNING if use.pod is not None else None
        read_only = False
    else:
        read_only = bool_value(exposure.mounts[0].value("readOnly")) is True
        detail = (
            f"{exposure.subject} {exposes} {exposure.where}: {_TAKEOVER}"
            f"{', and readOnly: true does not stop it connecting' if read_only else ''}; {_INSTEAD}"
        )
    if exposure.hits == [canon(exposure.shown_path)]:
        what = "is a runtime socket"
        advice = "use files or the API instead"
    else:
        plural = "s" if len(exposure.hits) > 1 else ""
        what = f"exposes runtime socket{plural} {shortlist(exposure.hits, 1)}"
        advice = "mount a narrower path"
    even = "even read-only" if read_only else "read-only or not"
    yield Violation(
        message=f"{subject} {what}: root on the node, {even}; {advice}",
        detail=detail,
        node=use.path_node,
        field_path=render_path((*use.path, "path")),
        severity=severity,
        related=exposure.related,
    )


def _exposes(path: str, found: list[str]) -> str:
    """What exposing ``path`` (as written) gives away, for messages."""
    if found == [canon(path)]:
        return f"exposes the container runtime socket '{path}'"
    listed = shortlist(found, _SHOWN_SOCKETS, last=" and ")
    plural = "s" if len(found) > 1 else ""
    return f"exposes host '{path}' and with it the container runtime socket{plural} {listed}"
