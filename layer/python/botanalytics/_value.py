"""A small base for immutable value objects (``Config``, ``RetryPolicy``, ``Record``, ``Turn``, the
webhook messages): what ``@dataclass(frozen=True)`` gives, without importing ``dataclasses`` (and
``inspect``, ``ast``, ...) on the layer's import path, where every millisecond is billed cold start.

A subclass lists its fields in ``__slots__`` (fields of base classes come first) and their defaults in
``_DEFAULTS``; ``Factory(f)`` makes a fresh default per instance. ``__post_init__`` may validate.
"""
from __future__ import annotations

TYPE_CHECKING = False  # (typing stays off the import path; type checkers read the block below)
if TYPE_CHECKING:
    from typing import Any, Callable, Dict, Tuple


class Factory:
    __slots__ = ("make",)

    def __init__(self, make: Callable[[], Any]) -> None:
        self.make = make


class ValueObject:
    __slots__: Tuple[str, ...] = ()
    _DEFAULTS: Dict[str, Any] = {}
    _FIELDS: Tuple[str, ...] = ()

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        fields: list = []
        defaults: Dict[str, Any] = {}
        for klass in reversed(cls.__mro__):
            fields.extend(name for name in klass.__dict__.get("__slots__", ()) if name not in fields)
            defaults.update(klass.__dict__.get("_DEFAULTS", {}))
        cls._FIELDS = tuple(fields)
        cls._DEFAULTS = defaults

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        if len(args) > len(self._FIELDS):
            raise TypeError(f"{type(self).__name__}() takes at most {len(self._FIELDS)} positional arguments")
        values = dict(zip(self._FIELDS, args))
        for name, value in kwargs.items():
            if name not in self._FIELDS:
                raise TypeError(f"{type(self).__name__}() got an unexpected keyword argument {name!r}")
            if name in values:
                raise TypeError(f"{type(self).__name__}() got multiple values for argument {name!r}")
            values[name] = value
        for name in self._FIELDS:
            if name not in values:
                if name not in self._DEFAULTS:
                    raise TypeError(f"{type(self).__name__}() missing required argument {name!r}")
                default = self._DEFAULTS[name]
                values[name] = default.make() if isinstance(default, Factory) else default
            object.__setattr__(self, name, values[name])
        self.__post_init__()

    def __post_init__(self) -> None:
        pass

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError(f"{type(self).__name__} is immutable; use .replace({name}=...)")

    def __delattr__(self, name: str) -> None:
        raise AttributeError(f"{type(self).__name__} is immutable")

    def _values(self) -> Tuple[Any, ...]:
        return tuple(getattr(self, name) for name in self._FIELDS)

    def __eq__(self, other: object) -> bool:
        if other.__class__ is not self.__class__:
            return NotImplemented
        return self._values() == other._values()  # type: ignore[attr-defined]

    def __hash__(self) -> int:
        return hash((self.__class__.__name__,) + self._values())

    def __repr__(self) -> str:
        shown = ", ".join(f"{name}={getattr(self, name)!r}" for name in self._FIELDS)
        return f"{type(self).__name__}({shown})"

    def replace(self, **changes: Any) -> Any:
        """A copy with ``changes`` applied (validated like a new instance)."""
        values = {name: getattr(self, name) for name in self._FIELDS}
        values.update(changes)
        return type(self)(**values)
