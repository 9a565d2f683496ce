"""The demo's environment variables: each value it knows, and a clear error for any other."""

from __future__ import annotations

import runpy
from typing import Any

import pytest
from django.core.exceptions import ImproperlyConfigured

import demo_site.settings


def demo_settings(monkeypatch: pytest.MonkeyPatch, **variables: str) -> dict[str, Any]:
    """The demo's settings module run afresh under ``variables``."""
    for name, value in variables.items():
        monkeypatch.setenv(name, value)
    return runpy.run_path(demo_site.settings.__file__)


def test_defaults_need_no_service(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in (
        "DEMO_DATABASE",
        "DEMO_CACHE",
        "DEMO_SESSION_ENGINE",
        "DEMO_DEBUG",
        "DEMO_REQUIRE_CONSENT",
    ):
        monkeypatch.delenv(name, raising=False)
    settings = demo_settings(monkeypatch)
    assert settings["DATABASES"]["default"]["ENGINE"] == "django.db.backends.sqlite3"
    assert settings["CACHES"]["default"]["BACKEND"].endswith("LocMemCache")
    assert settings["SESSION_ENGINE"] == "sessionkit.backends.db"
    assert settings["DEBUG"] is True
    assert settings["SESSIONKIT_REQUIRE_CONSENT"] is True


def test_known_values_switch_services(monkeypatch: pytest.MonkeyPatch) -> None:
    settings = demo_settings(
        monkeypatch,
        DEMO_DATABASE="postgres",
        DEMO_CACHE="memcached://127.0.0.1:11211",
        DEMO_SESSION_ENGINE="cached_db",
        DEMO_DEBUG="0",
        DEMO_REQUIRE_CONSENT="0",
    )
    assert settings["DATABASES"]["default"]["ENGINE"] == "django.db.backends.postgresql"
    assert settings["CACHES"]["default"]["LOCATION"] == "127.0.0.1:11211"
    assert settings["SESSION_ENGINE"] == "sessionkit.backends.cached_db"
    assert settings["DEBUG"] is False
    assert settings["SESSIONKIT_REQUIRE_CONSENT"] is False


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("DEMO_DATABASE", "mysql"),
        ("DEMO_SESSION_ENGINE", "signed_cookies"),
        ("DEMO_SESSION_ENGINE", "sessionkit.backends.db"),
        ("DEMO_CACHE", "127.0.0.1:6379"),
        ("DEMO_DEBUG", "true"),
        ("DEMO_REQUIRE_CONSENT", "no"),
    ],
)
def test_unknown_value_names_the_variable(
    monkeypatch: pytest.MonkeyPatch, name: str, value: str
) -> None:
    with pytest.raises(ImproperlyConfigured, match=name):
        demo_settings(monkeypatch, **{name: value})
