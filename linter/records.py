"""``@record``: a dataclass whose ``__eq__``, ``__hash__`` and ``__repr__`` are not compiled.

``dataclasses.dataclass`` writes each method of each class as source text and compiles it, about
0.1 ms a method: the 50 classes a run on one file imports spent 20 ms of a 90 ms start in it.
``@record`` lets ``dataclass`` write only ``__init__`` (and, for a frozen class, the methods that
refuse assignment) and gives the class these three as closures over its fields, which behave as
the generated ones do: the same comparison of the ``compare`` fields as a tuple, for instances
of the very same class only; for a frozen class the hash of the fields ``hash`` (or else
``compare``) selects, and none for a class that is not frozen; the same text, guarded against
recursion. A method the class defines itself is kept, as ``dataclass`` keeps it. Classes with
``order=True`` are left to ``dataclass``.
"""

from __future__ import annotations

import dataclasses
import threading
from collections.abc import Callable
from operator import attrgetter
from typing import TYPE_CHECKING, Any, TypeVar, cast, overload

if TYPE_CHECKING:
    from typing_extensions import dataclass_transform
else:

    def dataclass_transform(**_options: object) -> Callable[[Any], Any]:
        """Only the type checker reads it."""
        return lambda decorated: decorated


Cls = TypeVar("Cls", bound=type)

_Values = Callable[[Any], tuple[Any, ...]]
_in_repr: set[tuple[int, int]] = set()


@overload
def record(cls: Cls, /) -> Cls: ...


@overload
def record(*, frozen: bool = False) -> Callable[[Cls], Cls]: ...


@dataclass_transform(field_specifiers=(dataclasses.field, dataclasses.Field))
def record(cls: Cls | None = None, /, *, frozen: bool = False) -> Cls | Callable[[Cls], Cls]:
    """``@dataclass`` or ``@dataclass(frozen=True)``, with shared comparison, hash and repr."""

    def make(cls: Cls) -> Cls:
        explicit_hash = cls.__dict__.get("__hash__", dataclasses.MISSING)
        has_explicit_hash = not (
            explicit_hash is dataclasses.MISSING
            or (explicit_hash is None and "__eq__" in cls.__dict__)
        )
        made = cast(Cls, dataclasses.dataclass(frozen=frozen, eq=False, repr=False)(cls))
        fields = dataclasses.fields(made)
        if "__repr__" not in made.__dict__:
            made.__repr__ = _printer(tuple(f.name for f in fields if f.repr))  # type: ignore[assignment]
        if "__eq__" not in made.__dict__:
            made.__eq__ = _equality(_values([f.name for f in fields if f.compare]))  # type: ignore[assignment]
        if not has_explicit_hash:
            hashed = [f.name for f in fields if (f.compare if f.hash is None else f.hash)]
            made.__hash__ = _hasher(_values(hashed)) if frozen else None  # type: ignore[assignment]
        return made

    return make if cls is None else make(cls)


def _values(names: list[str]) -> _Values:
    """The values of ``names`` as a tuple (``attrgetter`` gives a bare value for one name)."""
    if not names:
        return lambda _instance: ()
    if len(names) == 1:
        name = names[0]
        return lambda instance: (getattr(instance, name),)
    return attrgetter(*names)


def _equality(values: _Values) -> Callable[[Any, Any], Any]:
    def __eq__(self: Any, other: Any) -> Any:
        if other.__class__ is not self.__class__:
            return NotImplemented
        return values(self) == values(other)

    return __eq__


def _hasher(values: _Values) -> Callable[[Any], int]:
    def __hash__(self: Any) -> int:
        return hash(values(self))

    return __hash__


def _printer(names: tuple[str, ...]) -> Callable[[Any], str]:
    def __repr__(self: Any) -> str:
        key = (id(self), threading.get_ident())
        if key in _in_repr:
            return "..."
        _in_repr.add(key)
        try:
            shown = ", ".join(f"{name}={getattr(self, name)!r}" for name in names)
        finally:
            _in_repr.discard(key)
        return f"{self.__class__.__qualname__}({shown})"

    return __repr__
