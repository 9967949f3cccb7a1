"""Load the rule modules listed in ``mountlint.rules.RULE_MODULES`` and look rules up."""

from __future__ import annotations

import importlib
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from functools import cache
from typing import Any

from mountlint.rule import Rule, Violation

Check = Callable[..., Iterator[Violation]]


@dataclass(frozen=True)
class RegisteredRule:
    """A rule's metadata (with its documentation) and its check function."""

    rule: Rule
    check: Check
    module: str


@cache
def all_rules() -> tuple[RegisteredRule, ...]:
    """Every registered rule, ordered by code."""
    from mountlint.rules import RULE_MODULES

    loaded = []
    for module_name in RULE_MODULES:
        module: Any = importlib.import_module(f"mountlint.rules.{module_name}")
        rule = replace(module.RULE, doc=(module.__doc__ or "").strip())
        loaded.append(RegisteredRule(rule=rule, check=module.check, module=module_name))
    return tuple(sorted(loaded, key=lambda item: item.rule.code))


@cache
def rules_by_code() -> dict[str, Rule]:
    """Every registered rule by its exact code (``ML101``), built once."""
    return {registered.rule.code: registered.rule for registered in all_rules()}


def find_rule(selector: str) -> RegisteredRule | None:
    """The rule whose code or name is ``selector`` (case-insensitive), if any."""
    wanted = selector.strip().lower()
    for registered in all_rules():
        if wanted in (registered.rule.code.lower(), registered.rule.name):
            return registered
    return None


def did_you_mean(selector: str) -> str:
    """`` (did you mean writable-host-path?)`` for a close rule name or code, else empty.

    A well-formed code (``ML999``) gets no guess: a code that is one digit off is another rule.
    """
    wanted = selector.strip().lower()
    if re.fullmatch(r"ml\d{3}", wanted):
        return ""
    rules = [item.rule for item in all_rules()]
    spellings = {rule.name: rule.name for rule in rules} | {
        rule.code.lower(): rule.code for rule in rules
    }
    import difflib

    close = difflib.get_close_matches(wanted, list(spellings), n=1, cutoff=0.75)
    return f" (did you mean {spellings[close[0]]}?)" if close else ""
