"""## What it does
Reports a manifest that kubectl cannot read: a YAML syntax error, a stream that starts with a
`%YAML` or `%TAG` directive (kubectl splits streams at `---` lines and rejects a piece that holds
only a directive), bytes that are not UTF-8 (or BOM-marked UTF-16/32) text, binary data, or
mappings and lists nested more than 256 deep (real manifests stay under 50; deeper nesting would
overflow the parser's stack). The finding is located at the parser's mark, the place where
reading stopped.

YAML is read as the spec (and kubectl) reads it: a document that the fast C parser (libyaml)
rejects, such as `args: [--verbose:]` or an anchor name used twice, is parsed again by one that
follows the spec, and only what both reject is reported.

A mapping key that repeats an earlier key of the same mapping is reported at the repeat, as
kubectl does: keys are compared by their text, so `"1"` repeats `1` (but `01` does not). kubectl
never applies such a file, but the rest of the document is still linted, and the other findings
and their fixes are reported with it. The object's own `metadata.annotations` (which kustomize
rewrites before it checks keys) and documents with anchors (`&name`, which kustomize expands
first, and then accepts some duplicates) are not checked for duplicates.

Only files that could hold a finding are read at all: a file that mentions none of `hostPath`,
`volumeMounts`, `mountPropagation` and `recursiveReadOnly` is skipped without parsing, so a broken
file without volumes is not reported. Helm chart templates are Go templates, not YAML: they are
never reported here; lint `helm template` output instead.

## Why is this bad?
`kubectl apply` rejects the whole file, and every other rule is blind to it: the documents after
the error are not checked at all.

## Example
```yaml
apiVersion: v1
kind: Pod
metadata:
  name: broken
spec:
  containers:
    - name: app
      image: busybox
      volumeMounts:
        - name: data
          mountPath: /data
  volumes:
    - name: data
      hostPath: {path: /srv/data
```

## Use instead
```yaml
apiVersion: v1
kind: Pod
metadata:
  name: fixed
spec:
  containers:
    - name: app
      image: busybox
      volumeMounts:
        - name: data
          mountPath: /data
          readOnly: true
  volumes:
    - name: data
      hostPath: {path: /srv/data}
```
"""

from __future__ import annotations

from collections.abc import Iterator

from mountlint.rule import Rule, Scope, Severity, Violation

RULE = Rule(
    code="ML001",
    name="yaml-syntax-error",
    summary="The manifest is not valid YAML (or not text), so nothing in it can be checked",
    severity=Severity.ERROR,
    scope=Scope.SYNTAX,
    tags=("correctness",),
)


def check() -> Iterator[Violation]:
    """The engine reports parse failures under this rule; there is nothing else to check."""
    return iter(())
