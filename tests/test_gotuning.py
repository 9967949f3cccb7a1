"""Go programs run with a lazier garbage collector, unless the user chose one."""

from __future__ import annotations

import pytest

from mountlint.gotuning import GO_GC_PERCENT, GO_MEMORY_LIMIT, go_environment


def test_the_collector_is_set_and_the_rest_of_the_environment_is_kept(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("GOGC", raising=False)
    monkeypatch.delenv("GOMEMLIMIT", raising=False)
    monkeypatch.setenv("KUBECONFIG", "/nonexistent/config")
    environment = go_environment()
    assert environment is not None
    assert environment["GOGC"] == GO_GC_PERCENT
    assert environment["GOMEMLIMIT"] == GO_MEMORY_LIMIT
    assert environment["KUBECONFIG"] == "/nonexistent/config"


@pytest.mark.parametrize("chosen", ["100", "off", ""])
def test_a_collector_the_user_chose_is_kept(monkeypatch: pytest.MonkeyPatch, chosen: str) -> None:
    monkeypatch.setenv("GOGC", chosen)
    assert go_environment() is None  # the child inherits GOGC as the user set it


def test_a_memory_limit_the_user_chose_is_kept(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("GOGC", raising=False)
    monkeypatch.setenv("GOMEMLIMIT", "300MiB")
    environment = go_environment()
    assert environment is not None
    assert (environment["GOGC"], environment["GOMEMLIMIT"]) == (GO_GC_PERCENT, "300MiB")
