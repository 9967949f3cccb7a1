"""Data files shipped inside the package (the JSON schemas), read through the package's loader.

``importlib.resources`` would read them too, but importing it costs about 12 ms, more than
linting a small file; the loader that imported the package reads the same bytes, from a folder
or from a zip archive.
"""

from __future__ import annotations

import importlib
import json
import os
from typing import Any


def read_text(package: str, name: str) -> str:
    """The UTF-8 text of the data file ``name`` beside ``package``'s ``__init__``."""
    spec = importlib.import_module(package).__spec__
    get_data = getattr(spec.loader, "get_data", None) if spec is not None else None
    if spec is None or spec.origin is None or get_data is None:  # pragma: no cover - exotic loader
        from importlib import resources

        return resources.files(package).joinpath(name).read_text("utf-8")
    data: bytes = get_data(os.path.join(os.path.dirname(spec.origin), name))
    return data.decode("utf-8")


def read_json(package: str, name: str) -> dict[str, Any]:
    """The JSON object in the data file ``name`` of ``package``."""
    loaded: dict[str, Any] = json.loads(read_text(package, name))
    return loaded
