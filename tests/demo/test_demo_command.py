"""``manage.py demo``: the system checks before anything is set up, and the address it prints."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.core.checks import Error
from django.core.checks.registry import registry
from django.core.management import call_command
from django.core.management.base import SystemCheckError

from demo_site.catalog.management.commands import demo
from demo_site.catalog.management.commands.demo import local_url

ROOT = Path(__file__).resolve().parents[2]


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


def test_in_the_reloaders_child_runserver_checks(
    failing_check: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    """In runserver's auto-reloaded child, the checks are runserver's (inside its reloader,
    where an error waits for the fix); the command's own would end the server."""
    called: list[tuple[Any, ...]] = []
    monkeypatch.setenv("RUN_MAIN", "true")
    monkeypatch.setattr(
        demo, "call_command", lambda *args, **kwargs: called.append((args, kwargs))
    )
    call_command("demo", "127.0.0.1:8123")
    assert called == [
        (("runserver", "127.0.0.1:8123"), {"use_reloader": True, "skip_checks": False})
    ]


def manage(*args: str, **variables: str) -> subprocess.CompletedProcess[str]:
    environment = {**os.environ, "DJANGO_SETTINGS_MODULE": "demo_site.settings", **variables}
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_manage_py_says_a_refused_value_in_one_line() -> None:
    refused = manage("check", DEMO_DEBUG="yes")
    assert refused.returncode == 1
    assert refused.stderr == "manage.py: DEMO_DEBUG='yes': expected one of '1', '0'.\n"


def test_manage_py_leaves_other_settings_alone() -> None:
    assert manage("check", "--settings=tests.settings", DEMO_DEBUG="yes").returncode == 0
    version = manage("--version", DJANGO_SETTINGS_MODULE="nonexistent.settings")
    assert version.returncode == 0 and version.stdout.strip()


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
