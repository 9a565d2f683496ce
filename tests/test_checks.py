"""Each system check fires on the misconfiguration it exists for, and only then."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.core.checks import run_checks
from django.core.management import call_command
from django.test.utils import modify_settings

DJANGO_MIDDLEWARE = "django.contrib.sessions.middleware.SessionMiddleware"


def sessionkit_ids() -> list[str]:
    return sorted(m.id for m in run_checks() if m.id and m.id.startswith("sessionkit."))


def test_correct_configuration_is_clean() -> None:
    assert sessionkit_ids() == []
    assert [m for m in run_checks() if m.is_serious()] == []


def test_check_command_is_wired(capsys: pytest.CaptureFixture[str]) -> None:
    call_command("check")
    assert "no issues" in capsys.readouterr().out


def test_file_folder_missing(settings: Any, tmp_path: Path) -> None:
    settings.SESSION_ENGINE = "sessionkit.backends.file"
    settings.SESSION_FILE_PATH = str(tmp_path / "missing")
    assert sessionkit_ids() == ["sessionkit.E001"]


def test_file_folder_not_writable(
    settings: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Stand in for an unprivileged server user (these machines run the tests as root)."""
    settings.SESSION_ENGINE = "sessionkit.backends.file"
    settings.SESSION_FILE_PATH = str(tmp_path)
    monkeypatch.setattr("sessionkit.checks.os.access", lambda path, mode: False)
    assert sessionkit_ids() == ["sessionkit.E002"]


def test_file_folder_fine(settings: Any, tmp_path: Path) -> None:
    settings.SESSION_ENGINE = "sessionkit.backends.file"
    settings.SESSION_FILE_PATH = str(tmp_path)
    assert sessionkit_ids() == []


@pytest.mark.parametrize("engine", ["cache", "cached_db"])
def test_cache_alias_missing(settings: Any, engine: str) -> None:
    settings.SESSION_ENGINE = f"sessionkit.backends.{engine}"
    settings.SESSION_CACHE_ALIAS = "sessions"
    messages = [m for m in run_checks() if m.id == "sessionkit.E003"]
    assert len(messages) == 1
    assert "'sessions'" in messages[0].msg
    assert "locmem" in (messages[0].hint or "")


@pytest.mark.parametrize("engine", ["db", "cached_db"])
def test_db_engines_need_the_app_installed(engine: str, settings: Any) -> None:
    settings.SESSION_ENGINE = f"sessionkit.backends.{engine}"
    with modify_settings(INSTALLED_APPS={"remove": ["sessionkit"]}):
        assert "sessionkit.E004" in {m.id for m in run_checks()}


def test_djangos_middleware_left_in_beside_ours() -> None:
    with modify_settings(MIDDLEWARE={"append": [DJANGO_MIDDLEWARE]}):
        assert sessionkit_ids() == ["sessionkit.E005"]


def test_djangos_middleware_alone_is_fine() -> None:
    with modify_settings(
        MIDDLEWARE={
            "remove": ["sessionkit.middleware.SessionMiddleware"],
            "prepend": [DJANGO_MIDDLEWARE],
        }
    ):
        assert sessionkit_ids() == []


def test_admin_accepts_our_middleware() -> None:
    assert "admin.E410" not in {m.id for m in run_checks()}


@pytest.mark.parametrize(
    "value",
    [None, {}, {"CLUSTER": ["no-port"]}, {"SENTINELS": [("h", 1)]}],
    ids=["missing", "empty", "bad-node", "no-service"],
)
def test_redis_engine_without_a_usable_setting(settings: Any, value: Any) -> None:
    settings.SESSION_ENGINE = "sessionkit.backends.redis"
    if value is not None:
        settings.SESSIONKIT_REDIS = value
    assert sessionkit_ids() == ["sessionkit.E006"]
    settings.SESSIONKIT_REDIS = {"URL": "redis://127.0.0.1:6379/0"}
    assert sessionkit_ids() == []


def test_cached_db_on_the_redis_client_needs_the_setting(settings: Any) -> None:
    settings.SESSION_ENGINE = "sessionkit.backends.cached_db"
    settings.SESSIONKIT_CACHED_DB_CACHE = "redis"
    assert sessionkit_ids() == ["sessionkit.E006"]
