"""## What it does
Flags a `hostPath` volume that exposes a sensitive host directory: `/`, `/boot`, `/dev`, `/etc`,
`/lib`, `/proc`, `/sys`, `/usr`, `/root`, `/etc/kubernetes`, `/var/lib/kubelet/pki`,
`/var/lib/kubelet/pods` (every pod's volumes, with their service-account tokens and Secrets) or
`/var/lib/etcd` (see Options), or a directory that contains one (`/var` and `/var/lib` hold the
etcd database on control-plane nodes; `/var/lib/kubelet` holds the kubelet's client certificate).
`/sys/kernel/security` (LSM policy: AppArmor, IMA) and `/sys/kernel/debug` (debugfs) are reported
when a container can write to them; reading them is what tracing and security agents do.

A mount that `runtime-socket-mount` (ML201) reports, such as host `/` with every runtime socket
below it, is not reported again here: a client of the runtime socket is root on the node, which
says more. With ML201 turned off, this rule reports it.

Paths are compared by whole components after normalisation (`//`, `/./` and a trailing `/` are
dropped; `/var/run` is `/run`), so `/etc/` is `/etc` and `/var/lib/etcd2` is not `/var/lib/etcd`.
Paths *inside* a listed directory are not reported: `/etc/localtime`, `/etc/ssl/certs`,
`/lib/modules` and `/sys/fs/cgroup` are the narrow mounts this rule asks for. List a narrower path
(`/etc/kubernetes/pki`) in `sensitive-paths` to have it reported too.

A mount with a `subPath` exposes only that part of the volume: host `/` mounted with
`subPath: var/log` is not reported, with `subPath: etc` it is. `subPathExpr` is expanded only at
run time, so such mounts are judged by the whole volume path.

A volume that no container mounts is still reported, at level info: the API accepts it, and an
ephemeral container (`kubectl debug`) can mount any volume of the pod later. A PersistentVolume's
`spec.hostPath` is checked too, as a warning: every pod whose claim binds it mounts the whole path.
Windows pods and Windows paths are not checked.

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

from mountlint.messages import exposure_subject, shortlist
from mountlint.paths import canon, held_by
from mountlint.rule import Rule, RuleContext, Scope, Severity, Violation
from mountlint.rules.runtime_socket_mount import RULE as SOCKET_RULE
from mountlint.rules.runtime_socket_mount import runtime_sockets_at
from mountlint.workloads import HostPathUse, render_path

RULE = Rule(
    code="ML202",
    name="sensitive-host-path",
    summary="A hostPath volume exposes a sensitive host directory (/, /etc, /proc, ...)",
    severity=Severity.WARNING,
    scope=Scope.HOST_PATH,
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
    "/var/lib/kubelet/pods": "every pod's volumes, service-account tokens and Secrets",
    "/var/lib/etcd": "the etcd database with every Secret of the cluster",
    "/sys/kernel/security": "the kernel's security policy (AppArmor, IMA)",
    "/sys/kernel/debug": "debugfs, which can change kernel state",
}

#: Paths inside a sensitive tree that matter only when a container can write to them.
WRITABLE_SENSITIVE_PATHS: tuple[str, ...] = ("/sys/kernel/security", "/sys/kernel/debug")

_SHOWN_PATHS = 2
_ADVICE = "mount only the files that are needed, read-only"


def check(use: HostPathUse, context: RuleContext) -> Iterator[Violation]:
    """Report a hostPath source through which a container can reach a sensitive host path."""
    path = use.linux_path
    if use.is_windows or path is None or not path.startswith("/"):
        return
    settings = context.settings
    sensitive = tuple(dict.fromkeys(canon(item) for item in settings.sensitive_paths))
    if not use.mounts or any(mount.writable for mount in use.mounts):
        sensitive += WRITABLE_SENSITIVE_PATHS
    sockets = settings.canonical_sockets if settings.is_selected(SOCKET_RULE) else ()

    def find(source: str) -> list[str]:
        if sockets and runtime_sockets_at(source, sockets):
            return []  # ML201 reports this mount
        return held_by(source, sensitive)

    exposure = use.exposure(find)
    if exposure is None:
        return
    exposes = f"exposes {_describe(exposure.shown_path, exposure.hits)}"
    severity = None
    if not exposure.mounts:
        detail = f"{use.label} {exposes}; {use.unmounted}; {_ADVICE}"
        severity = Severity.INFO if use.pod is not None else None
    else:
        detail = f"{exposure.subject} {exposes} {exposure.where}; {_ADVICE}"
    yield Violation(
        message=f"{exposure_subject(use, exposure)} {_short(exposure.shown_path, exposure.hits)}",
        detail=detail,
        node=use.path_node,
        field_path=render_path((*use.path, "path")),
        severity=severity,
        related=exposure.related,
    )


def _short(path: str, hits: list[str]) -> str:
    """The rest of the one-line message: what is exposed, and the advice."""
    source = canon(path)
    if source in hits:
        what = _WHAT.get(source, "listed in sensitive-paths")
        return f"exposes {what}; {_ADVICE}"
    return f"exposes {shortlist(hits, 1)}; {_ADVICE}"


def _describe(path: str, hits: list[str]) -> str:
    """``path`` (as written) and why it is sensitive, for messages."""
    source = canon(path)
    if source in hits:
        what = _WHAT.get(source, "listed in sensitive-paths")
        return f"sensitive host path '{path}' ({what})"
    named = [f"{hit} ({_WHAT[hit]})" if hit in _WHAT else hit for hit in hits]
    listed = shortlist(named, _SHOWN_PATHS, last=" and ")
    plural = "s" if len(hits) > 1 else ""
    return f"host '{path}' and with it the sensitive path{plural} {listed}"
