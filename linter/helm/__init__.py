"""Helm: run ``helm template`` and map findings in its output back to the chart's templates.

A rendered stream carries one ``# Source: <chart>/templates/<file>`` comment per document
(``<chart>/charts/<sub>/templates/<file>`` for subcharts). Templates are Go templates, not YAML,
so mountlint lints the rendered stream and then moves each finding to the template file, at the
template line when that line can be found unambiguously, and translates fixes into template
edits only where the edited lines are literal text of the template.

API (used by the command line):

- ``render_chart(chart_dir, values_files=(), set_values=(), release_name=..., namespace=None,
  timeout=...) -> str`` runs ``helm template`` and returns its output. Raises ``HelmNotFound``
  when ``helm`` is not on PATH (the message shows the ``helm template ... | mountlint
  --chart-dir CHART -`` pipeline to use instead) and ``HelmRenderError`` (with ``stderr``) when
  rendering fails or times out. Both derive from ``HelmError``.
- ``find_chart_dir(start) -> Path | None``: the directory holding ``Chart.yaml`` (or
  ``Chart.yaml.tmpl``) at ``start``, next to it when it is a file, or above it (the search stops
  at a repository root). A relative ``start`` gives a path relative to the working directory.
- ``split_rendered(text) -> list[RenderedDocument]``: the documents of a stream, each with its
  ``# Source:`` path (None when it has none) and its line and character range.
- ``HelmMapping(rendered_text, rendered_display, chart_dir, shared=None)`` reads the templates
  once (``shared``, a ``SharedFiles``, keeps partials and values files for all the renders of
  one chart). It has
  ``.documents``, ``.document_at(offset)`` and ``.template_path(document)`` (subcharts are
  found by folder, chart name or dependency alias). ``.remap(findings) -> list[Finding]``
  moves every finding located in a sourced document of ``rendered_display`` to the template
  file (path ``str(chart_dir / "templates/...")``, so it is relative to the working directory
  when ``chart_dir`` is):

  * at the template line when one line, and only one, agrees with the rendered line and the
    lines around it (literal lines must be equal, indentation included; lines with template
    actions must match with the actions as wildcards; ``{{ if }}``/``{{ end }}`` lines and
    branches that rendered nothing are stepped over). Several equally good places, or too little
    agreement, count as ambiguous;
  * else in a partial template (``templates/**/_*``: ``define`` blocks that were included) or a
    ``values.yaml`` (``toYaml`` of a value), of the chart or of the subchart the document came
    from, where the rendered lines agree with one indentation shift for the whole block; a
    unique best match of two or more lines is taken, or one unique line holding a path in a
    values file (fixes there are display-only);
  * otherwise at the template's first line, with the rendered line quoted in the message.

  A template line that prints one ``.Values`` key (``path: {{ .Values.dataDir | quote }}``)
  also gets the ``values.yaml`` line of that key as a related location.

  Either way the rendered position is kept as a related location ("rendered at STREAM:LINE"),
  and the finding's related locations are moved the same way when their line is found.
  Findings in documents without ``# Source:``, or whose template file is not in the chart
  (a packaged ``.tgz`` subchart, a wrong ``--chart-dir``), stay where they are; the latter are
  listed in ``.missing_templates`` so the caller can say so once.

  A fix is carried over only when every edit lies in text that appears verbatim, line-aligned
  and exactly once in the template, does not overlap a ``{{ }}`` action, and was rendered only
  once (not from a loop); its edits are then shifted to the template's offsets with the same
  applicability. Any other fix becomes display-only, without edits, and says where to change
  the template by hand. No edit ever touches Go template syntax.
- ``HelmMapping.fix_templates(findings, unsafe=False) -> list[TemplateChange]`` applies the
  applicable remapped fixes to each template's text as read by the mapping, refusing a result
  that changes any ``{{ }}`` action. Writing (``fixes.write_atomically`` with
  ``TemplateChange.stamp``) and re-rendering are the caller's.
- ``remap_findings(findings, rendered_text, rendered_display, chart_dir)`` is
  ``HelmMapping(...).remap(findings)``.

Limits: a template line that is both literal and unique but sits between lines that came from
elsewhere (an ``include``) is accepted only when nothing around it contradicts it; text from
partials and values files is found by a plain line-by-line comparison that does not step over
``{{ if }}`` branches, and is never fixed there; a new line is inserted only between two
lines that are adjacent in the template, so a key added at the end of an ``{{ if }}`` branch is
display-only.
"""

from __future__ import annotations

from mountlint.helm.mapping import (
    RENDERED_AT,
    HelmMapping,
    SharedFiles,
    TemplateChange,
    remap_findings,
)
from mountlint.helm.render import (
    DEFAULT_RELEASE_NAME,
    HelmError,
    HelmNotFound,
    HelmRenderError,
    render_chart,
)
from mountlint.helm.stream import RenderedDocument, split_rendered
from mountlint.sources import CHART_FILES, find_chart_dir

__all__ = [
    "CHART_FILES",
    "DEFAULT_RELEASE_NAME",
    "RENDERED_AT",
    "HelmError",
    "HelmMapping",
    "HelmNotFound",
    "HelmRenderError",
    "RenderedDocument",
    "SharedFiles",
    "TemplateChange",
    "find_chart_dir",
    "remap_findings",
    "render_chart",
    "split_rendered",
]
