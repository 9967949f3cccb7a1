"""``@record`` classes compare, hash and print as the same ``@dataclass`` classes do."""

from __future__ import annotations

import dataclasses
import importlib
import pkgutil
from dataclasses import dataclass, field
from typing import Any

import pytest

import mountlint
from mountlint.records import record


def _pair(frozen: bool) -> tuple[type, type]:
    """One class body made twice: by ``@dataclass`` (the reference) and by ``@record``."""

    def body() -> dict[str, Any]:
        return {
            "__annotations__": {
                "name": "str",
                "size": "int",
                "hidden": "str",
                "loose": "int",
                "notes": "list[str]",
            },
            "size": 0,
            "hidden": field(default="x", repr=False),
            "loose": field(default=0, compare=False),
            "notes": field(default_factory=list, hash=False),
        }

    reference = dataclass(frozen=frozen)(type("Mount", (), body()))
    made = record(frozen=frozen)(type("Mount", (), body()))
    return reference, made


@pytest.mark.parametrize("frozen", [False, True])
def test_a_record_behaves_as_the_same_dataclass(frozen: bool) -> None:
    reference, made = _pair(frozen)
    samples = [
        {"name": "a"},
        {"name": "a", "size": 1},
        {"name": "a", "hidden": "y"},  # shown nowhere, still compared
        {"name": "a", "loose": 5},  # not compared
        {"name": "a", "notes": ["n"]},
        {"name": "b", "size": 1, "hidden": "z", "loose": 2, "notes": ["m"]},
    ]
    for left in samples:
        assert repr(made(**left)) == repr(reference(**left))
        for right in samples:
            expected = reference(**left) == reference(**right)
            assert (made(**left) == made(**right)) is expected, (left, right)
            assert (made(**left) != made(**right)) is not expected
    assert made(name="a") != reference(name="a")  # another class: never equal
    assert made(name="a").__eq__(object()) is NotImplemented
    if frozen:
        assert hash(made(name="a", notes=[])) == hash(reference(name="a", notes=[]))
        assert hash(made(name="a", loose=1)) == hash(made(name="a", loose=2))
        with pytest.raises(dataclasses.FrozenInstanceError):
            made(name="a").size = 2
    else:
        assert made.__hash__ is None and reference.__hash__ is None
        with pytest.raises(TypeError):
            hash(made(name="a"))


def test_methods_a_record_defines_itself_are_kept() -> None:
    @record(frozen=True)
    class Named:
        name: str

        def __repr__(self) -> str:
            return f"<{self.name}>"

        def __eq__(self, other: object) -> bool:
            return isinstance(other, Named) and other.name.lower() == self.name.lower()

        def __hash__(self) -> int:
            return hash(self.name.lower())

    assert repr(Named("A")) == "<A>"
    assert Named("A") == Named("a") and hash(Named("A")) == hash(Named("a"))

    @record
    class Compared:
        value: int

        def __eq__(self, other: object) -> bool:  # no __hash__ here: unhashable, as before
            return isinstance(other, Compared) and other.value % 2 == self.value % 2

    assert Compared(1) == Compared(3)
    assert Compared.__hash__ is None


def test_a_record_that_holds_itself_prints_as_a_dataclass_does() -> None:
    @record
    class Loop:
        items: list[Any]

    loop = Loop([])
    loop.items.append(loop)
    assert repr(loop).endswith(".<locals>.Loop(items=[...])")


def test_a_record_without_fields_equals_its_twin() -> None:
    @record(frozen=True)
    class Empty:
        pass

    assert Empty() == Empty() and hash(Empty()) == hash(())
    assert repr(Empty()).endswith("Empty()")


def _project_classes() -> list[type]:
    classes = []
    for module_info in pkgutil.walk_packages(mountlint.__path__, "mountlint."):
        module = importlib.import_module(module_info.name)
        for value in vars(module).values():
            if (
                isinstance(value, type)
                and value.__module__ == module.__name__
                and dataclasses.is_dataclass(value)
            ):
                classes.append(value)
    return classes


def test_every_record_class_of_the_project_is_a_dataclass_with_shared_methods() -> None:
    """Each class is still a dataclass (``fields``, ``replace`` and ``asdict`` work), and a
    frozen one hashes by value."""
    classes = _project_classes()
    assert len(classes) >= 50
    records = [cls for cls in classes if cls.__eq__.__module__ == "mountlint.records"]
    assert len(records) >= len(classes) - 5, "most classes are records"
    for cls in records:
        frozen = cls.__dataclass_params__.frozen  # type: ignore[attr-defined]
        own = vars(cls).get("__hash__")
        if own is None or getattr(own, "__module__", None) == "mountlint.records":
            assert (own is not None) is frozen, cls
