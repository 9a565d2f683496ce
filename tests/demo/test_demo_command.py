"""``manage.py demo``: the system checks before anything is set up, and the address it prints."""

from __future__ import annotations

from collections.abc import Iterator
from io import StringIO
from typing import Any

import pytest
from django.core.checks import Error
from django.core.checks.registry import registry
from django.core.management import call_command
from django.core.management.base import SystemCheckError

from demo_site.catalog.management.commands.demo import local_url


@pytest.fixture
def failing_check() -> Iterator[None]:
    def misconfigured(**kwargs: Any) -> list[Error]:
        return [Error("misconfigured for the test", id="demo.E999")]

    registry.register(misconfigured)
    yield
    registry.registered_checks.discard(misconfigured)


@pytest.mark.django_db
def test_a_failing_check_stops_the_demo_before_set_up(failing_check: None) -> None:
    out = StringIO()
    with pytest.raises(SystemCheckError, match="demo.E999"):
        call_command("demo", "--setup-only", stdout=out)
    assert out.getvalue() == ""  # nothing was loaded


@pytest.mark.parametrize(
    ("addrport", "url"),
    [
        ("127.0.0.1:8000", "http://127.0.0.1:8000/"),
        ("8080", "http://127.0.0.1:8080/"),
        ("0.0.0.0:8080", "http://127.0.0.1:8080/"),
        ("[::]:8080", "http://127.0.0.1:8080/"),
        ("[::1]:8080", "http://[::1]:8080/"),
        ("library.example", "http://library.example:8000/"),
    ],
)
def test_printed_address_opens_in_a_local_browser(addrport: str, url: str) -> None:
    assert local_url(addrport) == url
