"""Fixtures for the tests. The tests import ``mountlint`` as installed (importlib mode)."""

from __future__ import annotations

from pathlib import Path

import pytest

from helpers import CORPUS


@pytest.fixture
def corpus() -> Path:
    """The shared corpus beside the checkout; tests that need it skip when it is absent."""
    if not CORPUS.is_dir():
        pytest.skip(f"shared corpus not found at {CORPUS}")
    return CORPUS
