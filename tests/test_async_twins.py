"""Every engine that overrides a sync method overrides its async twin too.

One popular session package overrides ``save`` but not ``asave``, and under ASGI silently
stores less. Our base's async primitives that run the sync primitive in a thread are marked
``delegates_to_sync``; overriding only the sync side of those is safe. This test finds every
(sync, async) pair on each engine — Django's API (``save``/``asave``…) and our primitives
(``_read``/``_aread``…) — and fails when the class that defines the sync method is more
derived than the one that defines its twin.
"""

from __future__ import annotations

import inspect
from importlib import import_module

import pytest
from django.contrib.sessions.backends.base import SessionBase

ENGINES = ["db", "file", "cache", "cached_db"]


def twin_name(name: str) -> str:
    return "_a" + name[1:] if name.startswith("_") else "a" + name


def orphaned_sync_overrides(cls: type) -> list[str]:
    """Sync methods that ``cls`` (or a base below SessionBase) overrides without the twin."""
    mro = [klass for klass in cls.__mro__ if klass is not object]

    def owner(name: str) -> int:
        return next(i for i, klass in enumerate(mro) if name in vars(klass))

    names = {name for klass in mro for name in vars(klass)}
    problems = []
    for name in sorted(names):
        twin = twin_name(name.lstrip("_") if name.startswith("__") else name)
        if twin not in names or not inspect.iscoroutinefunction(
            inspect.unwrap(getattr(cls, twin))
        ):
            continue
        delegates = getattr(inspect.unwrap(getattr(cls, twin)), "delegates_to_sync", False)
        if owner(name) < owner(twin) and not delegates:
            problems.append(f"{mro[owner(name)].__name__}.{name} without {twin}")
    return problems


@pytest.mark.parametrize("engine", ENGINES)
def test_every_sync_override_has_its_async_twin(engine: str) -> None:
    store_class = import_module(f"sessionkit.backends.{engine}").SessionStore
    assert issubclass(store_class, SessionBase)
    assert orphaned_sync_overrides(store_class) == []


def test_the_check_catches_a_missing_twin() -> None:
    from sessionkit.backends.db import SessionStore

    class Careless(SessionStore):
        def save(self, must_create: bool = False) -> None:
            super().save(must_create)

    class CarelessPrimitive(SessionStore):
        async def _aread(self, key: str) -> None:
            return None

    class CarelessChild(CarelessPrimitive):
        def _read(self, key: str) -> None:
            return None

    assert orphaned_sync_overrides(Careless) == ["Careless.save without asave"]
    assert orphaned_sync_overrides(CarelessChild) == ["CarelessChild._read without _aread"]


@pytest.mark.parametrize(
    "name",
    ["load", "save", "create", "delete", "exists", "clear_expired", "cycle_key", "flush"],
)
def test_full_async_api_is_present(name: str) -> None:
    for engine in ENGINES:
        store_class = import_module(f"sessionkit.backends.{engine}").SessionStore
        assert inspect.iscoroutinefunction(getattr(store_class, "a" + name))
