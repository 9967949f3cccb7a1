"""The imports go one way: every module imports only modules listed before it in the layers of
docs/architecture.md."""

from __future__ import annotations

import ast
import re
from pathlib import Path

from helpers import REPO

ARCHITECTURE = REPO / "docs" / "architecture.md"
#: Where each package's modules live in the checkout.
PACKAGES = {"mountlint": REPO / "linter", "mountlint.rules": REPO / "rules"}


def declared_order() -> list[str]:
    """The modules of the numbered layer list, lowest first (``rules.*``: every rule module)."""
    text = ARCHITECTURE.read_text(encoding="utf-8")
    section = text.split("## Layers", 1)[1].split("\n|", 1)[0]
    items = re.split(r"\n(?=\d+\. )", section)
    order: list[str] = []
    for item in items:
        if re.match(r"\d+\. ", item):
            order.extend(re.findall(r"`([A-Za-z_.*]+)`", item))
    return order


def modules() -> dict[str, Path]:
    """Every module of the package, by dotted name."""
    found: dict[str, Path] = {}
    for package, folder in PACKAGES.items():
        for path in folder.rglob("*.py"):
            parts = [part for part in path.relative_to(folder).with_suffix("").parts]
            if parts[-1] == "__init__":
                parts = parts[:-1]
            found[".".join([package, *parts])] = path
    return found


def layer_name(module: str) -> str:
    """The name a module has in the layer list."""
    if module == "mountlint":
        return "mountlint"
    name = module.removeprefix("mountlint.")
    if name.startswith("rules."):
        return "rules.*"
    if name.startswith("report."):
        return "report"
    if name.startswith("helm."):
        return "helm"
    return name


def imports(path: Path, known: dict[str, Path]) -> set[str]:
    """The mountlint modules ``path`` imports, anywhere in it (functions and TYPE_CHECKING too)."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names if alias.name in known)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            for alias in node.names:
                submodule = f"{node.module}.{alias.name}"
                if submodule in known:
                    found.add(submodule)
                elif node.module in known:
                    found.add(node.module)
    return found


def edges_against_the_layers() -> list[str]:
    order = declared_order()
    rank = {name: index for index, name in enumerate(order)}
    known = modules()
    wrong: list[str] = []
    for module, path in sorted(known.items()):
        source = layer_name(module)
        if source not in rank:
            wrong.append(f"{module} is not in the layers of docs/architecture.md")
            continue
        for imported in sorted(imports(path, known)):
            target = layer_name(imported)
            if target == source and source in ("helm", "report", "rules.*"):
                continue  # a package's modules may import each other
            if target not in rank or rank[target] >= rank[source]:
                wrong.append(f"{module} imports {imported}, which is not below it")
    return wrong


def test_the_layer_list_names_each_module_once() -> None:
    order = declared_order()
    assert len(order) == len(set(order)), order
    assert {"sources", "yamlnodes", "workloads", "rule", "findings", "suppressions"} <= set(order)
    named = {layer_name(module) for module in modules()}
    assert set(order) - named == set(), "the list names modules that do not exist"


def test_every_import_goes_down_the_layers() -> None:
    assert edges_against_the_layers() == []


def test_the_named_cycles_are_gone() -> None:
    known = modules()
    for low, high in (("findings", "suppressions"), ("settings", "rule")):
        assert f"mountlint.{high}" not in imports(known[f"mountlint.{low}"], known), (low, high)


def test_an_import_against_the_layers_is_caught(tmp_path: Path) -> None:
    known = modules()
    upward = tmp_path / "upward.py"
    upward.write_text("if True:\n    from mountlint.cli import main\n")
    assert imports(upward, known) == {"mountlint.cli"}
    typed = tmp_path / "typed.py"
    typed.write_text(
        "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n"
        "    from mountlint.suppressions import AnnotationIgnore\n"
    )
    assert imports(typed, known) == {"mountlint.suppressions"}
