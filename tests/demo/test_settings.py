"""The demo's environment variables: each value it knows, and a clear error for any other."""

from __future__ import annotations

import importlib.util
import runpy
from pathlib import Path
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
        ("DEMO_SECRET_KEY", ""),
        ("DEMO_SQLITE_PATH", ""),
        ("DEMO_SQLITE_PATH", "/nonexistent/demo.sqlite3"),
        ("DEMO_SECRET_KEY", "  "),
        ("DEMO_SQLITE_PATH", ":memory:"),
        ("DEMO_SQLITE_PATH", "file:demo?mode=memory&cache=shared"),
        ("DEMO_CACHE", "memcached://127.0.0.1:11211/0"),
    ],
)
def test_a_value_that_cannot_work_names_the_variable(
    monkeypatch: pytest.MonkeyPatch, name: str, value: str
) -> None:
    with pytest.raises(ImproperlyConfigured, match=name):
        demo_settings(monkeypatch, **{name: value})


def test_sqlite_path_that_is_a_folder(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    with pytest.raises(ImproperlyConfigured, match="DEMO_SQLITE_PATH"):
        demo_settings(monkeypatch, DEMO_SQLITE_PATH=str(tmp_path))


def test_session_folder_checked_for_the_file_engine(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    missing = str(tmp_path / "missing")
    assert demo_settings(monkeypatch, DEMO_SESSION_FILE_PATH=missing)  # not the file engine
    with pytest.raises(ImproperlyConfigured, match="DEMO_SESSION_FILE_PATH"):
        demo_settings(monkeypatch, DEMO_SESSION_ENGINE="file", DEMO_SESSION_FILE_PATH=missing)
    settings = demo_settings(monkeypatch, DEMO_SESSION_FILE_PATH=str(tmp_path))
    assert settings["SESSION_FILE_PATH"] == str(tmp_path)


def test_a_missing_client_library_names_its_extra(monkeypatch: pytest.MonkeyPatch) -> None:
    real_find_spec = importlib.util.find_spec
    monkeypatch.setattr(
        importlib.util,
        "find_spec",
        lambda name, *args: None if name == "pymemcache" else real_find_spec(name, *args),
    )
    with pytest.raises(ImproperlyConfigured, match=r"\.\[demo,memcached\]"):
        demo_settings(monkeypatch, DEMO_CACHE="memcached://127.0.0.1:11211")


def test_more_hosts_and_a_password(monkeypatch: pytest.MonkeyPatch) -> None:
    settings = demo_settings(
        monkeypatch,
        DEMO_ALLOWED_HOSTS="library.example, 10.0.0.5,",
        DEMO_DATABASE="postgres",
        DEMO_PG_PASSWORD="s3cret",
    )
    assert settings["ALLOWED_HOSTS"][-2:] == ["library.example", "10.0.0.5"]
    assert "localhost" in settings["ALLOWED_HOSTS"]
    assert settings["DATABASES"]["default"]["PASSWORD"] == "s3cret"


def test_postgres_takes_psycopg_or_psycopg2(monkeypatch: pytest.MonkeyPatch) -> None:
    present = {"psycopg2"}
    monkeypatch.setattr(
        importlib.util,
        "find_spec",
        lambda name, *args: object() if name in present else None,
    )
    assert demo_settings(monkeypatch, DEMO_DATABASE="postgres")["DATABASES"]
    present.clear()
    with pytest.raises(ImproperlyConfigured, match=r"\.\[demo,postgres\]"):
        demo_settings(monkeypatch, DEMO_DATABASE="postgres")


@pytest.mark.parametrize(
    "location",
    [
        "redis://[::1]:6379/0",
        "redis://:p@ss@cache.example:6379/0?ssl_cert_reqs=none",
        "rediss://cache.example:6380/1",
        "unix:///run/redis.sock",
        "redis://primary:6379/0,redis://replica:6379/0",
    ],
)
def test_redis_addresses_are_left_to_redis_py(
    monkeypatch: pytest.MonkeyPatch, location: str
) -> None:
    cache = demo_settings(monkeypatch, DEMO_CACHE=location)["CACHES"]["default"]
    assert cache["BACKEND"].endswith("RedisCache")
    assert cache["LOCATION"] == location


@pytest.mark.parametrize(
    "location", ["memcached://[::1]:11211", "memcached://unix:/tmp/mc.sock", "memcached://mc"]
)
def test_memcached_addresses(monkeypatch: pytest.MonkeyPatch, location: str) -> None:
    cache = demo_settings(monkeypatch, DEMO_CACHE=location)["CACHES"]["default"]
    assert cache["LOCATION"] == location.removeprefix("memcached://")


def test_errors_do_not_echo_secrets(monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(ImproperlyConfigured) as refused:
        demo_settings(monkeypatch, DEMO_CACHE="memcache://:hunter2@cache.example:11211")
    assert "hunter2" not in str(refused.value)
    monkeypatch.delenv("DEMO_CACHE")
    assert demo_settings(monkeypatch, DEMO_SECRET_KEY=" leading space")["SECRET_KEY"]
    with pytest.raises(ImproperlyConfigured) as refused:
        demo_settings(monkeypatch, DEMO_SECRET_KEY="\t")
    assert "\t" not in str(refused.value)
    assert repr("\t") not in str(refused.value)  # (as an echo with !r would show it)
