"""## What it does
Reports a Helm chart that mountlint could not lint, at the first line of its `Chart.yaml`. A
folder with a `Chart.yaml` is a chart; mountlint renders it with `helm template` (once with the
chart's `values.yaml`, and once more for each `ci/*-values.yaml` file, as chart-testing does) and
lints the output. The chart is reported when:

- `helm` is not on PATH, so nothing can be rendered;
- `helm template` fails or times out for one of the renders. The finding carries helm's own
  error, such as a `required` value that is missing, a template syntax error, or a dependency
  that is missing from `charts/` (run `helm dependency build`).

`--no-helm` turns rendering off: chart `templates/` folders are then skipped with a notice, and
this rule does not fire.

## Why is this bad?
A chart's templates are Go templates, not YAML, so they can only be checked once rendered. A
chart that is not rendered is not checked at all, and a run that passed without checking it
would let exactly the files that hide a host mount through CI. Install helm where mountlint runs,
give the values the chart needs in the configuration (`helm-charts`), or render the chart
yourself and pipe the output in:

    helm template my-release charts/agent -f prod-values.yaml | mountlint --chart-dir charts/agent -

## Example
```yaml
# charts/agent/templates/daemonset.yaml, with no hostPath in values.yaml
apiVersion: apps/v1
kind: DaemonSet
metadata:
  name: {{ .Release.Name }}-agent
spec:
  selector:
    matchLabels:
      app: agent
  template:
    metadata:
      labels:
        app: agent
    spec:
      containers:
        - name: agent
          image: busybox
          volumeMounts:
            - name: logs
              mountPath: /host/logs
              readOnly: true
      volumes:
        - name: logs
          hostPath:
            path: {{ required "hostPath is required" .Values.hostPath }}
```

## Use instead
```yaml
# charts/agent/templates/daemonset.yaml: a default the chart renders with
apiVersion: apps/v1
kind: DaemonSet
metadata:
  name: {{ .Release.Name }}-agent
spec:
  selector:
    matchLabels:
      app: agent
  template:
    metadata:
      labels:
        app: agent
    spec:
      containers:
        - name: agent
          image: busybox
          volumeMounts:
            - name: logs
              mountPath: /host/logs
              readOnly: true
      volumes:
        - name: logs
          hostPath:
            path: {{ .Values.hostPath | default "/var/log" }}
```
Or keep the template and give the value in `.mountlint.yaml`:

```
helm-charts:
  charts/agent:
    set: [hostPath=/var/log]
```
"""

from __future__ import annotations

from collections.abc import Iterator

from mountlint.rule import Rule, Scope, Severity, Violation

RULE = Rule(
    code="ML003",
    name="chart-not-rendered",
    summary="A Helm chart could not be rendered with `helm template`, so nothing in it was checked",
    severity=Severity.ERROR,
    scope=Scope.CHART,
    tags=("correctness",),
)


def check() -> Iterator[Violation]:
    """The command line reports charts it could not render under this rule."""
    return iter(())
