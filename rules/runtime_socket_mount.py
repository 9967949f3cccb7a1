"""## What it does
Flags a `hostPath` volume whose path is a container runtime's API socket
(`/run/containerd/containerd.sock`, `/var/run/docker.sock`, `/run/crio/crio.sock`, ... see Options)
or a directory that holds one: `/run` (or `/var/run`), `/run/containerd`, `/run/crio`, `/run/k3s`,
and `/` itself.

Paths are compared by whole components after normalisation (`//`, `/./` and a trailing `/` are
dropped; `/var/run` is `/run`), so `/run/containerd2` does not hold
`/run/containerd/containerd.sock`.
A mount with a `subPath` exposes only that part of the volume: host `/run` mounted with
`subPath: netns` is not reported, with `subPath: docker.sock` it is. `subPathExpr` is expanded only
at run time, so such mounts are judged by the whole volume path.

Host `/` is reported too, not only by `sensitive-host-path` (ML202): it holds every runtime socket,
and the read-only mount of `/` at `/rootfs` that node agents use is exactly the case where people
assume they gave away nothing but reading.

A volume that no container mounts is still reported, as a warning: the API accepts it, and an
ephemeral container (`kubectl debug`) can mount any volume of the pod later.
Windows pods and Windows paths (named pipes such as `\\\\.\\pipe\\docker_engine`) are not checked.
PersistentVolumes are not checked by this rule.

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

from mountlint.paths import canon, is_windows_path, join_sub_path, within
from mountlint.rule import Related, Rule, RuleContext, Scope, Severity, Violation
from mountlint.workloads import Mount, PodSpec, Volume, render_path
from mountlint.yamlnodes import bool_value

RULE = Rule(
    code="ML201",
    name="runtime-socket-mount",
    summary=(
        "A hostPath volume exposes a container runtime socket: whoever can connect to it "
        "controls the node, read-only or not"
    ),
    severity=Severity.ERROR,
    scope=Scope.POD,
    tags=("security", "host-path"),
)

_SHOWN_SOCKETS = 2
_TAKEOVER = "a client of the runtime socket can start privileged containers and take over the node"
_INSTEAD = "read what is needed from files or the Kubernetes API instead"


def check(pod: PodSpec, context: RuleContext) -> Iterator[Violation]:
    """Report each hostPath volume through which a container can reach a runtime socket."""
    if pod.is_windows:
        return
    sockets = context.settings.canonical_sockets
    for volume in pod.volumes:
        host = volume.host_path
        path = host.path if host is not None else None
        if host is None or host.path_node is None or not path:
            continue
        if is_windows_path(path) or not path.startswith("/"):
            continue
        mounts = [mount for mount in pod.mounts() if mount.volume is volume]
        if not mounts:
            found = _sockets_in(canon(path), sockets)
            if found:
                yield Violation(
                    message=(
                        f"hostPath volume '{volume.name}' {_exposes(path, found)}; "
                        "no container mounts it yet, but an ephemeral container (kubectl debug) "
                        f"can: {_TAKEOVER}; {_INSTEAD}"
                    ),
                    node=host.path_node,
                    field_path=render_path((*volume.path, "hostPath", "path")),
                    severity=Severity.WARNING,
                    related=(Related(volume.node, f"hostPath volume '{volume.name}'"),),
                )
            continue
        exposing = [
            (mount, source, found)
            for mount in mounts
            for source in (_source(path, mount),)
            for found in (_sockets_in(source, sockets),)
            if found
        ]
        if not exposing:
            continue
        mount, source, found = exposing[0]
        narrowed = source != canon(path)
        volume_label = f"'{volume.name}' (host '{path}')" if narrowed else f"'{volume.name}'"
        through = f" through subPath '{mount.text('subPath')}'" if narrowed else ""
        read_only = ", and readOnly: true does not stop it connecting" if _read_only(mount) else ""
        others = len(exposing) - 1
        more = f" and {others} more mount{'s' if others > 1 else ''}" if others else ""
        yield Violation(
            message=(
                f"hostPath volume {volume_label} {_exposes(source if narrowed else path, found)} "
                f"to {mount.container.label} at '{mount.mount_path}'{through}{more}: "
                f"{_TAKEOVER}{read_only}; {_INSTEAD}"
            ),
            node=host.path_node,
            field_path=render_path((*volume.path, "hostPath", "path")),
            related=_related(volume, [item for item, _, _ in exposing]),
        )


def _source(path: str, mount: Mount) -> str:
    """The host path a mount really exposes: the volume path, narrowed by a plain ``subPath``."""
    sub_path = mount.text("subPath")
    if sub_path and not sub_path.startswith("/") and ".." not in sub_path.split("/"):
        return join_sub_path(path, sub_path)
    return canon(path)


def _sockets_in(source: str, sockets: tuple[str, ...]) -> list[str]:
    """The runtime sockets that are ``source`` or lie below it (``/`` holds them all)."""
    return [socket for socket in sockets if within(source, socket)]


def _exposes(path: str, found: list[str]) -> str:
    """What exposing ``path`` (as written) gives away, for messages."""
    if found == [canon(path)]:
        return f"exposes the container runtime socket '{path}'"
    extra = len(found) - _SHOWN_SOCKETS
    shown = found[:_SHOWN_SOCKETS]
    listed = f"{', '.join(shown)} and {extra} more" if extra > 0 else " and ".join(shown)
    plural = "s" if len(found) > 1 else ""
    return f"exposes host '{path}' and with it the container runtime socket{plural} {listed}"


def _read_only(mount: Mount) -> bool:
    return bool_value(mount.value("readOnly")) is True


def _related(volume: Volume, mounts: list[Mount]) -> tuple[Related, ...]:
    related = [Related(volume.node, f"hostPath volume '{volume.name}'")]
    related.extend(
        Related(mount.node, f"mounted at '{mount.mount_path}' in {mount.container.label}")
        for mount in mounts
    )
    return tuple(related)
