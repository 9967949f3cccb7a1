"""## What it does
Reports a suppression that silences nothing: a `# mountlint: disable=...` comment (on a line, on
the line above one, or `disable-file`) or a `mountlint.io/ignore` annotation whose rules have no
finding where it applies, or that names a rule that does not exist. Only rules that are selected
count: a suppression for a rule that is not running is left alone.

An entry of `exceptions:` in the configuration that matches no finding is reported the same way,
at its line in the configuration file, when the run covers the configuration's folder (linting a
few changed files says nothing about the rest).

## Why is this bad?
Suppressions outlive the problems they were written for. A stale one hides the next real finding
on that line or object, and an unknown rule name means the suppression never worked at all.

## Example
```yaml
apiVersion: v1
kind: Pod
metadata:
  name: agent
spec:
  containers:
    - name: agent
      image: busybox
      volumeMounts:
        - name: logs  # mountlint: disable
          mountPath: /var/log/host
          readOnly: true
  volumes:
    - name: logs
      hostPath:
        path: /var/log
```

## Use instead
```yaml
apiVersion: v1
kind: Pod
metadata:
  name: agent
spec:
  containers:
    - name: agent
      image: busybox
      volumeMounts:
        - name: logs
          mountPath: /var/log/host
          readOnly: true
  volumes:
    - name: logs
      hostPath:
        path: /var/log
```

## Fix safety
The fix removes the unused comment (the whole line when the comment stands alone), or only the
unused rules from it. It is safe: nothing was being silenced. Unused annotations are reported
without a fix, because annotations may be read by other tools, and so are unused exceptions.
"""

from __future__ import annotations

from collections.abc import Iterator

from mountlint.rule import FixAvailability, Rule, Scope, Severity, Violation

RULE = Rule(
    code="ML002",
    name="unused-suppression",
    summary="A suppression comment or annotation silences no finding",
    severity=Severity.INFO,
    scope=Scope.SUPPRESSION,
    fix=FixAvailability.SAFE,
    tags=("maintainability",),
)


def check() -> Iterator[Violation]:
    """The engine reports unused suppressions under this rule; there is nothing else to check."""
    return iter(())
