"""## What it does
Flags a `hostPath` path that is not written in its normal form: it has a trailing `/`
(`/var/log/`), repeated slashes (`//run/netns`, `/var//log`), `.` components (`/var/./log`,
`/var/log/.`), or it is relative (`var/log`, `./data`). `/` itself is normal. `/var/run` and `/run`
are both normal spellings: they name the same directory, but neither is wrong. `..` components are
left to `invalid-host-path` (ML310): the API server rejects them.

Volumes are checked whether or not a container mounts them. Windows pods and Windows paths are not
checked. PersistentVolumes are not checked by this rule.

## Why is this bad?
The node mounts the same directory either way, but everything that reasons about host paths by
comparing strings sees a different one: admission policies (`/var/run//docker.sock` slips past a
rule that forbids `/var/run/docker.sock`), dockerd's own check that protects its data root
(`//var/lib/docker` is not "inside" `/var/lib/docker` for it, so the mount is not made `rslave`),
and the next reviewer. A relative path is worse: the API server accepts it, and it is resolved
against whatever working directory the kubelet and the runtime happen to have.

## Example
```yaml
apiVersion: v1
kind: Pod
metadata:
  name: log-reader
spec:
  containers:
    - name: reader
      image: busybox
      volumeMounts:
        - name: pod-logs
          mountPath: /var/log/pods
          readOnly: true
  volumes:
    - name: pod-logs
      hostPath:
        path: /var//log/pods/
```

## Use instead
```yaml
apiVersion: v1
kind: Pod
metadata:
  name: log-reader
spec:
  containers:
    - name: reader
      image: busybox
      volumeMounts:
        - name: pod-logs
          mountPath: /var/log/pods
          readOnly: true
  volumes:
    - name: pod-logs
      hostPath:
        path: /var/log/pods
```

## Fix safety
For an absolute path the fix writes the normal form, keeping the quotes around it. It is safe: the
node mounts the very same directory. For a relative path the fix that makes it absolute
(`var/log` becomes `/var/log`) is only shown, never applied: what a relative path refers to
depends on the node, so only its author knows the intended path. It is also display-only when the
path is reached through a YAML anchor or merge key, because the edit would change every user of it.
"""

from __future__ import annotations

from collections.abc import Iterator

from mountlint.edits import Applicability, Edit, Fix
from mountlint.paths import is_windows_path, normalized_spelling
from mountlint.rule import FixAvailability, Related, Rule, RuleContext, Scope, Severity, Violation
from mountlint.workloads import HostPathSource, PodSpec, render_path
from mountlint.yamlnodes import ScalarNode, entry

RULE = Rule(
    code="ML206",
    name="host-path-not-normalized",
    summary=(
        "A hostPath path has a trailing slash, repeated slashes, '.' components or is relative, "
        "so string-based checks misjudge it"
    ),
    severity=Severity.INFO,
    scope=Scope.POD,
    fix=FixAvailability.SAFE,
    tags=("style", "host-path"),
)


def check(pod: PodSpec, context: RuleContext) -> Iterator[Violation]:
    """Report each hostPath path that differs from its normal spelling."""
    if pod.is_windows:
        return
    reported: set[int] = set()  # a hostPath shared through an alias is one text to fix
    for volume in pod.volumes:
        host = volume.host_path
        path = host.path if host is not None else None
        if host is None or host.path_node is None or not path or is_windows_path(path):
            continue
        if id(host.path_node) in reported:
            continue
        reported.add(id(host.path_node))
        relative = not path.startswith("/")
        normal = normalized_spelling("/" + path if relative else path)
        if normal == path:
            continue
        if relative:
            message = (
                f"hostPath volume '{volume.name}' has the relative path '{path}', which is "
                "resolved against the kubelet's and the runtime's working directory; "
                f"write the absolute path (is it '{normal}'?)"
            )
        else:
            message = (
                f"hostPath volume '{volume.name}' has the path '{path}' ({_why(path)}); "
                f"write '{normal}'"
            )
        yield Violation(
            message=message,
            node=host.path_node,
            field_path=render_path((*volume.path, "hostPath", "path")),
            fix=_fix(host, normal, relative, context),
            related=(Related(volume.node, f"hostPath volume '{volume.name}'"),),
        )


def _why(path: str) -> str:
    """What is wrong with an absolute path's spelling, in words."""
    reasons = []
    if "//" in path:
        reasons.append("repeated slashes")
    if "/./" in path + "/":
        reasons.append("'.' components")
    if len(path) > 1 and path.endswith("/"):
        reasons.append("a trailing slash")
    return " and ".join(reasons) or "not in normal form"


def _fix(host: HostPathSource, normal: str, relative: bool, context: RuleContext) -> Fix | None:
    path_entry = entry(host.node, "path")
    node = host.path_node
    if path_entry is None or not isinstance(node, ScalarNode):
        return None
    edit = _replace_path(node, normal, context.edits.text)
    if edit is None:
        return None
    fix = Fix(f"Write '{normal}'", Applicability.SAFE, (edit,))
    if relative:
        return fix.as_display_only("check that this is the intended host path")
    if path_entry.inherited or context.shared(node):
        return fix.as_display_only("the path comes from a YAML anchor; edit it there")
    return fix


def _replace_path(node: ScalarNode, normal: str, text: str) -> Edit | None:
    """Replace the path's text, keeping its quotes; None where that could change its meaning.

    That is: a block scalar, an anchor or tag in front of the value (its span would take them
    along), a plain scalar spread over lines, and a quoted one whose quotes the new text needs
    escaped.
    """
    start, end = node.start_mark.index, node.end_mark.index
    style = node.style
    if style in ("'", '"'):
        if text[start : start + 1] != style or style in normal or "\\" in normal:
            return None
        return Edit(start + 1, end - 1, normal)
    if style or text[start:end] != node.value:  # plain scalars have no style ("" or None)
        return None
    return Edit(start, end, normal)
