"""The request cache is per request and never stored."""

from __future__ import annotations

from typing import Any

from django.test import Client, RequestFactory

import sessionkit
from sessionkit.requestcache import RequestCache


def test_memo_within_one_request(engine: Any, browser: Client) -> None:
    assert browser.get("/memo/").json() == {"first": None, "second": 42}
    assert browser.get("/memo/").json() == {"first": None, "second": 42}
    assert browser.get("/").json()["data"] == {}


def test_same_object_for_the_same_request(rf: RequestFactory) -> None:
    request = rf.get("/")
    cache = sessionkit.request_cache(request)
    assert isinstance(cache, RequestCache)
    assert sessionkit.request_cache(request) is cache
    assert cache.get("g", "k", "default") == "default"
    cache.set("g", "k", 1)
    cache.set("h", "k", 2)
    assert (cache.get("g", "k"), cache.get("h", "k")) == (1, 2)
    assert sessionkit.request_cache(rf.get("/")).get("g", "k") is None
