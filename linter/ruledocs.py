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
    for item in rules:
        rule = item.rule
        lines += ["", f"## {rule.code} {rule.name}", "", f"{rule.summary}.", ""]
        lines.append(f"Default level: **{rule.severity.value}**. Fix: **{rule.fix.value}**.")
        if not rule.enabled_by_default:
            lines.append("Off by default: turn it on with `select`.")
        lines.append("")
        lines.append(re.sub(r"^## ", "### ", rule.doc, flags=re.MULTILINE))
    return "\n".join(lines).rstrip() + "\n"


def main() -> None:
    sys.stdout.write(render_markdown())


if __name__ == "__main__":
    main()
