"""## What it does
Flags a `hostPath` path that is not written in its normal form: it has a trailing `/`
(`/var/log/`), repeated slashes (`//run/netns`, `/var//log`), `.` components (`/var/./log`,
`/var/log/.`), or it is relative (`var/log`, `./data`). `/` itself is normal. `/var/run` and `/run`
are both normal spellings: they name the same directory, but neither is wrong. `..` components are
left to `invalid-host-path` (ML310): the API server rejects them.

Volumes are checked whether or not a container mounts them, and so is a PersistentVolume's
`spec.hostPath`. Windows pods and Windows paths are not checked.

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

from mountlint.edits import Applicability, EditBuilder, Fix
from mountlint.paths import normalized_spelling
from mountlint.rule import FixAvailability, Related, Rule, RuleContext, Scope, Severity, Violation
from mountlint.workloads import HostPathUse, render_path
from mountlint.yamlnodes import ScalarNode, entry, is_flow_scalar, is_plain

RULE = Rule(
    code="ML206",
    name="host-path-not-normalized",
    summary=(
        "A hostPath path has a trailing slash, repeated slashes, '.' components or is relative, "
        "so string-based checks misjudge it"
    ),
    severity=Severity.INFO,
    scope=Scope.HOST_PATH,
    fix=FixAvailability.SAFE,
    tags=("style", "host-path"),
)


def check(use: HostPathUse, context: RuleContext) -> Iterator[Violation]:
    """Report a hostPath path that differs from its normal spelling."""
    path = use.linux_path
    # A hostPath shared through an alias is one text to fix: report it once.
    if use.is_windows or path is None or use.repeats_earlier_volume:
        return
    relative = not path.startswith("/")
    normal = normalized_spelling("/" + path if relative else path)
    if normal == path:
        return
    detail = ""
    if relative:
        message = (
            f"{use.label} has the relative path '{path}'; write the absolute path ('{normal}'?)"
        )
        detail = (
            f"{use.label} has the relative path '{path}', which is resolved against the "
            "kubelet's and the runtime's working directory; "
            f"write the absolute path (is it '{normal}'?)"
        )
    else:
        message = f"{use.label} has the path '{path}' ({_why(path)}); write '{normal}'"
    yield Violation(
        message=message,
        detail=detail,
        node=use.path_node,
        field_path=render_path((*use.path, "path")),
        fix=_fix(use, normal, relative, context),
        related=(Related(use.holder, use.label),),
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


def _fix(use: HostPathUse, normal: str, relative: bool, context: RuleContext) -> Fix | None:
    path_entry = entry(use.source.node, "path")
    node = use.source.path_node
    if path_entry is None or not isinstance(node, ScalarNode):
        return None
    if not _rewritable(node, normal, context.edits):
        return None
    description = f"Write '{normal}'"
    if relative:
        edit = context.edits.replace_scalar(node, normal, path_entry.key)
        fix = Fix(description, Applicability.SAFE, (edit,))
        return fix.as_display_only("check that this is the intended host path")
    return context.replace_fix(path_entry, normal, description, Applicability.SAFE, what="path")


def _rewritable(node: ScalarNode, normal: str, edits: EditBuilder) -> bool:
    """Whether writing ``normal`` in place of the path's text keeps its meaning.

    Not for block scalars, plain scalars spread over lines, or quoted ones whose quotes the new
    text would need escaped.
    """
    if not is_flow_scalar(node):
        return False
    if is_plain(node):
        return "\n" not in edits.text[edits.content_start(node) : node.end_mark.index]
    return str(node.style) not in normal and "\\" not in normal
