"""## What it does
Flags a `hostPath` volume that exposes a sensitive host directory: `/`, `/boot`, `/dev`, `/etc`,
`/lib`, `/proc`, `/sys`, `/usr`, `/root`, `/etc/kubernetes`, `/var/lib/kubelet/pki` or
`/var/lib/etcd` (see Options), or a directory that contains one (`/var` and `/var/lib` hold the
etcd database on control-plane nodes; `/var/lib/kubelet` holds the kubelet's client certificate).

Paths are compared by whole components after normalisation (`//`, `/./` and a trailing `/` are
dropped; `/var/run` is `/run`), so `/etc/` is `/etc` and `/var/lib/etcd2` is not `/var/lib/etcd`.
Paths *inside* a listed directory are not reported: `/etc/localtime`, `/etc/ssl/certs`,
`/lib/modules` and `/sys/fs/cgroup` are the narrow mounts this rule asks for. List a narrower path
(`/etc/kubernetes/pki`) in `sensitive-paths` to have it reported too.

A mount with a `subPath` exposes only that part of the volume: host `/` mounted with
`subPath: var/log` is not reported, with `subPath: etc` it is. `subPathExpr` is expanded only at
run time, so such mounts are judged by the whole volume path.

A volume that no container mounts is still reported, at level info: the API accepts it, and an
ephemeral container (`kubectl debug`) can mount any volume of the pod later.
Windows pods and Windows paths are not checked. PersistentVolumes are not checked by this rule.

## Why is this bad?
These directories hold what the node's integrity rests on: credentials (`/etc/shadow`, SSH keys
under `/root`, the cluster CA and admin kubeconfig under `/etc/kubernetes`, the kubelet's client
key, every Secret in the etcd database), the kernel and its settings (`/boot`, `/proc`, `/sys`),
devices (`/dev`), and the binaries and libraries the node runs (`/usr`, `/lib`). Reading them leaks
secrets; writing them is root on the node. A compromised or buggy container with such a mount
takes the node, and often the cluster, with it.

Mounting only what is needed (`/etc/machine-id`, `/var/log/pods`), read-only, keeps that blast
radius small.

## Example
```yaml
apiVersion: v1
kind: Pod
metadata:
  name: config-reader
spec:
  containers:
    - name: reader
      image: busybox
      volumeMounts:
        - name: host-etc
          mountPath: /host/etc
          readOnly: true
  volumes:
    - name: host-etc
      hostPath:
        path: /etc
```

## Use instead
```yaml
apiVersion: v1
kind: Pod
metadata:
  name: config-reader
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

## Options
- `sensitive-paths`: more host paths to report, added to the list above.
"""

from __future__ import annotations

from collections.abc import Iterator

from mountlint.paths import canon, is_windows_path, join_sub_path, within
from mountlint.rule import Related, Rule, RuleContext, Scope, Severity, Violation
from mountlint.workloads import Mount, PodSpec, Volume, render_path

RULE = Rule(
    code="ML202",
    name="sensitive-host-path",
    summary="A hostPath volume exposes a sensitive host directory (/, /etc, /proc, ...)",
    severity=Severity.WARNING,
    scope=Scope.POD,
    tags=("security", "host-path"),
)

#: What each default sensitive path holds, for messages.
_WHAT: dict[str, str] = {
    "/": "the node's whole filesystem",
    "/boot": "the kernel and boot loader",
    "/dev": "the node's devices",
    "/etc": "the node's configuration and credentials such as /etc/shadow",
    "/lib": "the node's libraries and kernel modules",
    "/proc": "the node's processes and kernel settings",
    "/sys": "the kernel's settings and devices",
    "/usr": "the node's programs",
    "/root": "root's home directory and SSH keys",
    "/etc/kubernetes": "the cluster CA, kubeconfigs and static pod manifests",
    "/var/lib/kubelet/pki": "the kubelet's client certificate and key",
    "/var/lib/etcd": "the etcd database with every Secret of the cluster",
}

_SHOWN_PATHS = 2


def check(pod: PodSpec, context: RuleContext) -> Iterator[Violation]:
    """Report each hostPath volume through which a container can reach a sensitive host path."""
    if pod.is_windows:
        return
    sensitive = tuple(dict.fromkeys(canon(path) for path in context.settings.sensitive_paths))
    for volume in pod.volumes:
        host = volume.host_path
        path = host.path if host is not None else None
        if host is None or host.path_node is None or not path:
            continue
        if is_windows_path(path) or not path.startswith("/"):
            continue
        field_path = render_path((*volume.path, "hostPath", "path"))
        mounts = [mount for mount in pod.mounts() if mount.volume is volume]
        if not mounts:
            hits = _hits(canon(path), sensitive)
            if hits:
                yield Violation(
                    message=(
                        f"hostPath volume '{volume.name}' exposes {_describe(path, hits)}; "
                        "no container mounts it yet, but "
                        "an ephemeral container (kubectl debug) can; mount only the files "
                        "that are needed, read-only"
                    ),
                    node=host.path_node,
                    field_path=field_path,
                    severity=Severity.INFO,
                    related=(Related(volume.node, f"hostPath volume '{volume.name}'"),),
                )
            continue
        exposing = [
            (mount, source, hits)
            for mount in mounts
            for source in (_source(path, mount),)
            for hits in (_hits(source, sensitive),)
            if hits
        ]
        if not exposing:
            continue
        mount, source, hits = exposing[0]
        narrowed = source != canon(path)
        volume_label = f"'{volume.name}' (host '{path}')" if narrowed else f"'{volume.name}'"
        through = f" through subPath '{mount.text('subPath')}'" if narrowed else ""
        others = len(exposing) - 1
        more = f" and {others} more mount{'s' if others > 1 else ''}" if others else ""
        yield Violation(
            message=(
                f"hostPath volume {volume_label} exposes "
                f"{_describe(source if narrowed else path, hits)} to {mount.container.label} "
                f"at '{mount.mount_path}'{through}{more}; mount only the files that are needed, "
                "read-only"
            ),
            node=host.path_node,
            field_path=field_path,
            related=_related(volume, [item for item, _, _ in exposing]),
        )


def _source(path: str, mount: Mount) -> str:
    """The host path a mount really exposes: the volume path, narrowed by a plain ``subPath``."""
    sub_path = mount.text("subPath")
    if sub_path and not sub_path.startswith("/") and ".." not in sub_path.split("/"):
        return join_sub_path(path, sub_path)
    return canon(path)


def _hits(source: str, sensitive: tuple[str, ...]) -> list[str]:
    """The sensitive paths that ``source`` is or contains (a path inside one is not a hit)."""
    return [path for path in sensitive if within(source, path)]


def _describe(path: str, hits: list[str]) -> str:
    """``path`` (as written) and why it is sensitive, for messages."""
    source = canon(path)
    if source in hits:
        what = _WHAT.get(source, "listed in sensitive-paths")
        return f"sensitive host path '{path}' ({what})"
    shown = [f"{hit} ({_WHAT[hit]})" if hit in _WHAT else hit for hit in hits[:_SHOWN_PATHS]]
    extra = len(hits) - _SHOWN_PATHS
    listed = f"{', '.join(shown)} and {extra} more" if extra > 0 else " and ".join(shown)
    plural = "s" if len(hits) > 1 else ""
    return f"host '{path}' and with it the sensitive path{plural} {listed}"


def _related(volume: Volume, mounts: list[Mount]) -> tuple[Related, ...]:
    related = [Related(volume.node, f"hostPath volume '{volume.name}'")]
    related.extend(
        Related(mount.node, f"mounted at '{mount.mount_path}' in {mount.container.label}")
        for mount in mounts
    )
    return tuple(related)
