"""The rules: selected by the table in ``mountlint.rules``, imported only when they run."""

from __future__ import annotations

import importlib
import re
from collections.abc import Callable, Iterator
from dataclasses import replace
from functools import cache
from typing import TYPE_CHECKING, Any, NamedTuple

from mountlint.records import record
from mountlint.rule import Rule, Violation

if TYPE_CHECKING:
    from mountlint.settings import Settings

Check = Callable[..., Iterator[Violation]]


@record(frozen=True)
class RegisteredRule:
    """A rule's metadata (with its documentation) and its check function."""

    rule: Rule
    check: Check
    module: str


class RuleEntry(NamedTuple):
    """What selecting a rule needs to know of it, without importing its module."""

    code: str
    name: str
    enabled_by_default: bool


@cache
def rule_index() -> tuple[RuleEntry, ...]:
    """Every rule's code, name and default, ordered by code (read from the table)."""
    from mountlint.rules import OFF_BY_DEFAULT, RULES

    return tuple(
        RuleEntry(code, module.replace("_", "-"), code not in OFF_BY_DEFAULT)
        for code, module in sorted(RULES.items())
    )


@cache
def registered(code: str) -> RegisteredRule:
    """The rule ``code``, its module imported on first use."""
    from mountlint.rules import RULES

    module_name = RULES[code]
    module: Any = importlib.import_module(f"mountlint.rules.{module_name}")
    rule = replace(module.RULE, doc=(module.__doc__ or "").strip())
    return RegisteredRule(rule=rule, check=module.check, module=module_name)


@cache
def all_rules() -> tuple[RegisteredRule, ...]:
    """Every registered rule, ordered by code (every rule module imported)."""
    return tuple(registered(entry.code) for entry in rule_index())


def selected_rules(settings: Settings) -> tuple[RegisteredRule, ...]:
    """The rules ``settings`` selects, ordered by code; only their modules are imported."""
    return tuple(registered(entry.code) for entry in rule_index() if settings.is_selected(entry))


def find_rule(selector: str) -> RegisteredRule | None:
    """The rule whose code or name is ``selector`` (case-insensitive), if any."""
    wanted = selector.strip().lower()
    for entry in rule_index():
        if wanted in (entry.code.lower(), entry.name):
            return registered(entry.code)
    return None


def did_you_mean(selector: str) -> str:
    """`` (did you mean writable-host-path?)`` for a close rule name or code, else empty.

    A well-formed code (``ML999``) gets no guess: a code that is one digit off is another rule.
    """
    wanted = selector.strip().lower()
    if re.fullmatch(r"ml\d{3}", wanted):
        return ""
    rules = rule_index()
    spellings = {rule.name: rule.name for rule in rules} | {
        rule.code.lower(): rule.code for rule in rules
    }
    import difflib

    close = difflib.get_close_matches(wanted, list(spellings), n=1, cutoff=0.75)
    return f" (did you mean {spellings[close[0]]}?)" if close else ""
