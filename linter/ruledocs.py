"""Read the Markdown docstrings of rules: their sections, their examples, and ``docs/rules.md``.

One docstring per rule feeds ``mountlint --explain``, SARIF help and the generated rule reference,
so the three never disagree. Regenerate the reference with ``python -m mountlint.ruledocs``.
"""

from __future__ import annotations

import re
import sys

from mountlint.registry import RegisteredRule, all_rules

REQUIRED_SECTIONS = ("What it does", "Why is this bad?", "Example", "Use instead")
_SECTION = re.compile(r"^## (.+)$", re.MULTILINE)
_YAML_BLOCK = re.compile(r"```yaml\n(.*?)```", re.DOTALL)


def sections(doc: str) -> dict[str, str]:
    """``{"What it does": "...", ...}`` from a rule docstring."""
    found: dict[str, str] = {}
    matches = list(_SECTION.finditer(doc))
    for index, match in enumerate(matches):
        end = matches[index + 1].start() if index + 1 < len(matches) else len(doc)
        found[match.group(1).strip()] = doc[match.end() : end].strip()
    return found


def yaml_examples(section: str) -> list[str]:
    """The ```yaml blocks of a section."""
    return _YAML_BLOCK.findall(section)


#: Which rules report the same mount, and why each says something the others do not.
FIRING_TOGETHER = """\
## Rules that fire together

Each rule reports one concern, and reports it once per mount (or per hostPath source). One mount
can still get several findings when it has several problems; each says something the others do
not, and each has its own fix:

- **ML101 with ML201, ML202 or ML203** (host `/` at `/rootfs`): ML101 is about reliability (the
  private copy pins the node's mounts, fixed by `HostToContainer`); ML201/ML202 are about what the
  container can reach (fixed only by mounting less); ML203 is about writing (fixed by
  `readOnly: true`). Setting `HostToContainer` silences ML101 and leaves the exposure as it was.
- **ML201 and ML202 never report the same mount**: when a mount exposes a runtime socket (host
  `/`, `/run`), ML201 reports it and ML202 leaves that mount out, because a client of the runtime
  socket is root on the node anyway. With ML201 turned off, ML202 reports it.
- **ML201 or ML202 with ML204**: a socket or file mounted without `type` is exposed (ML201/ML202)
  and, separately, replaced by an empty directory when it is missing on a node (ML204).
- **ML101 never reports a file**: a socket, a regular file or a device (by `type`, a `*.sock` name
  or a known file) has nothing mounted below it, so a socket mount gets ML201 (and maybe ML204),
  not ML101. ML203 leaves sockets and devices alone too: `readOnly` does not protect them.
- **ML102 and ML302 on one `Bidirectional` mount**: ML302 says the API server rejects it (not
  privileged); ML102 says that, once admitted, it leaks mounts onto a broad host tree.
- **ML1/ML2 with ML3**: the ML3 rules report what the API server would reject; the others assume
  the manifest is admitted and report what then happens on the node.
- **ML205 and ML207** are opt-in policies (an allow list, Pod Security baseline): they repeat what
  other rules say on purpose, for teams that enforce that policy.
"""


def _mount_trees() -> list[str]:
    """The built-in mount trees that ML101 protects, as a table with their sources."""
    from mountlint.mounttrees import DEFAULT_MOUNT_TREES

    lines = [
        "",
        "## Mount trees",
        "",
        "Where the node creates mounts at run time, as the patterns of the mount points (`*` is "
        "one path component, a final `**` one or more). ML101 reports a private mount of a host "
        "path when one of them can lie strictly below it; `runtime-roots` adds trees.",
        "",
        "| tree | mount points | what | level | source |",
        "| --- | --- | --- | --- | --- |",
    ]
    for tree in DEFAULT_MOUNT_TREES:
        patterns = "<br>".join(f"`{pattern}`" for pattern in tree.patterns)
        level = "error" if tree.critical else "warning"
        if tree.self_protected:
            level = f"info ({tree.only_on} mounts binds over it rslave)"
        elif tree.only_on:
            level += f" (only on {tree.only_on} nodes)"
        source = tree.source.replace("<", "&lt;").replace(">", "&gt;")
        lines.append(f"| `{tree.root}` | {patterns} | {tree.what} | {level} | {source} |")
    return lines


def _anchor(registered: RegisteredRule) -> str:
    return f"{registered.rule.code.lower()}-{registered.rule.name}"


def render_markdown() -> str:
    """The rule reference, ``docs/rules.md``."""
    rules = all_rules()
    lines = [
        "# mountlint rules",
        "",
        "Generated from the rule docstrings by `python -m mountlint.ruledocs > docs/rules.md`;",
        "`mountlint --explain CODE` shows the same text.",
        "",
        "| code | name | level | fix | summary |",
        "| --- | --- | --- | --- | --- |",
    ]
    for item in rules:
        rule = item.rule
        default = "" if rule.enabled_by_default else " (off by default)"
        lines.append(
            f"| [{rule.code}](#{_anchor(item)}) | `{rule.name}` | {rule.severity.value}{default} "
            f"| {rule.fix.value} | {rule.summary} |"
        )
    lines += ["", FIRING_TOGETHER.rstrip()]
    for item in rules:
        rule = item.rule
        lines += ["", f"## {rule.code} {rule.name}", "", f"{rule.summary}.", ""]
        lines.append(f"Default level: **{rule.severity.value}**. Fix: **{rule.fix.value}**.")
        if not rule.enabled_by_default:
            lines.append("Off by default: turn it on with `select`.")
        lines.append("")
        lines.append(re.sub(r"^## ", "### ", rule.doc, flags=re.MULTILINE))
    lines += _mount_trees()
    return "\n".join(lines).rstrip() + "\n"


def main() -> None:
    sys.stdout.write(render_markdown())


if __name__ == "__main__":
    main()
