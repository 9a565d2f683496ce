"""A per-request memo: values a request computes once and reuses, never stored."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from django.http import HttpRequest

_ATTRIBUTE = "_sessionkit_request_cache"


class RequestCache:
    """Values grouped by a name, kept for the current request only."""

    __slots__ = ("_groups",)

    def __init__(self) -> None:
        self._groups: dict[str, dict[str, Any]] = {}

    def get(self, group: str, key: str, default: Any = None) -> Any:
        return self._groups.get(group, {}).get(key, default)

    def set(self, group: str, key: str, value: Any) -> None:
        self._groups.setdefault(group, {})[key] = value


def request_cache(request: HttpRequest) -> RequestCache:
    """The request's memo, created on first use."""
    cache: RequestCache | None = getattr(request, _ATTRIBUTE, None)
    if cache is None:
        cache = RequestCache()
        setattr(request, _ATTRIBUTE, cache)
    return cache
