"""Each system check fires on the misconfiguration it exists for, and only then."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from django.core.checks import run_checks
from django.core.exceptions import ImproperlyConfigured
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


def run_python(code: str, settings_module: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": settings_module}
    return subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=60
    )


def test_the_app_left_out_is_reported_by_check() -> None:
    """E004 fires in a process that has loaded the middleware (as any server has)."""
    shown = run_python(
        "import django; django.setup(); import sessionkit.middleware; "
        "from django.core.management import call_command; call_command('check')",
        "tests.settings_without_app",
    )
    assert shown.returncode != 0
    assert "sessionkit.E004" in shown.stderr
    assert "Add 'sessionkit' to INSTALLED_APPS" in shown.stderr
    assert "sessionkit.backends.db" in shown.stderr


def test_the_app_left_out_stops_the_server_at_start_up() -> None:
    started = run_python(
        "import django; django.setup(); "
        "from django.core.wsgi import get_wsgi_application; get_wsgi_application()",
        "tests.settings_without_app",
    )
    assert started.returncode != 0
    last = started.stderr.strip().splitlines()[-1]
    assert last.startswith("django.core.exceptions.ImproperlyConfigured:")
    assert "needs 'sessionkit' in INSTALLED_APPS" in last


def test_file_and_cache_engines_work_without_the_app(tmp_path: Any) -> None:
    """As Django's file and cache engines work without ``django.contrib.sessions``: no model
    is needed, the inventory is not kept, and no check complains."""
    code = (
        "import django; django.setup(); import sessionkit.middleware; "
        "from django.core.checks import run_checks; from django.test import Client; "
        "from django.test.utils import setup_test_environment; setup_test_environment(); "
        "assert [m.id for m in run_checks() if m.id == 'sessionkit.E004'] == []; "
        "c = Client(); c.get('/set/', {'a': 'b'}); c.get('/set/', {'a': 'b'}); "
        "print(c.get('/').json()['data'])"
    )
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "tests.settings_without_app",
        "SESSIONKIT_TEST_SESSION_ENGINE": "sessionkit.backends.file",
        "SESSIONKIT_TEST_SESSION_FILE_PATH": str(tmp_path),
    }
    shown = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=60
    )
    assert shown.returncode == 0, shown.stderr
    assert "'a': 'b'" in shown.stdout


def test_a_misspelt_engine_lists_the_engines(settings: Any) -> None:
    settings.SESSION_ENGINE = "sessionkit.backends.dbb"
    messages = [m for m in run_checks() if m.id == "sessionkit.E007"]
    assert len(messages) == 1
    assert "sessionkit.backends.cached_db" in (messages[0].hint or "")
    from sessionkit.middleware import SessionMiddleware

    with pytest.raises(ImproperlyConfigured, match="Use one of: sessionkit.backends.db"):
        SessionMiddleware(lambda request: None)


def test_djangos_middleware_with_a_sessionkit_engine_warns() -> None:
    with modify_settings(
        MIDDLEWARE={
            "remove": ["sessionkit.middleware.SessionMiddleware"],
            "prepend": [DJANGO_MIDDLEWARE],
        }
    ):
        assert sessionkit_ids() == ["sessionkit.W001"]


def test_a_template_backend_without_the_context_processor_warns(settings: Any) -> None:
    settings.TEMPLATES = [
        settings.TEMPLATES[0],
        {**settings.TEMPLATES[1], "OPTIONS": {"context_processors": []}},
    ]
    messages = [m for m in run_checks() if m.id == "sessionkit.W002"]
    assert len(messages) == 1
    assert "Jinja2" in messages[0].msg


@pytest.mark.django_db(transaction=True)
def test_a_missing_table_names_migrate() -> None:
    from django.db import connection

    from sessionkit.models import Session

    assert [m for m in run_checks(databases=["default"]) if m.id == "sessionkit.W003"] == []
    with connection.schema_editor() as editor:
        editor.delete_model(Session)
    try:
        messages = [m for m in run_checks(databases=["default"]) if m.id == "sessionkit.W003"]
    finally:
        with connection.schema_editor() as editor:
            editor.create_model(Session)
    assert [m.hint for m in messages] == ["Run `python manage.py migrate`."]
    assert "sessionkit_session" in messages[0].msg


def test_deploy_checks_for_the_session_cookie(settings: Any) -> None:
    """Django's security.W012/W015 look for its own app and middleware by name; sessionkit's
    say the same when sessionkit replaces them."""
    settings.SESSION_COOKIE_SECURE = False
    settings.SESSION_COOKIE_HTTPONLY = False

    def deploy_ids() -> list[str]:
        found = run_checks(include_deployment_checks=True)
        return sorted(
            m.id
            for m in found
            if m.id and m.id[-4:] in {"W010", "W011", "W012", "W013", "W014", "W015"}
        )

    assert deploy_ids() == ["security.W010", "security.W013"], "Django's app is installed"
    with modify_settings(INSTALLED_APPS={"remove": ["django.contrib.sessions"]}):
        assert deploy_ids() == ["sessionkit.W012", "sessionkit.W015"]
        settings.SILENCED_SYSTEM_CHECKS = ["security.W012"]  # silenced before switching
        assert deploy_ids() == ["sessionkit.W015"]
        settings.SILENCED_SYSTEM_CHECKS = []
        with modify_settings(MIDDLEWARE={"remove": ["sessionkit.middleware.SessionMiddleware"]}):
            assert deploy_ids() == ["sessionkit.W010", "sessionkit.W013"]
        settings.SESSION_COOKIE_SECURE = True
        settings.SESSION_COOKIE_HTTPONLY = True
        assert deploy_ids() == []


def test_djangos_middleware_left_in_beside_ours() -> None:
    with modify_settings(MIDDLEWARE={"append": [DJANGO_MIDDLEWARE]}):
        assert sessionkit_ids() == ["sessionkit.E005"]


def test_djangos_middleware_with_djangos_engine_is_fine(settings: Any) -> None:
    settings.SESSION_ENGINE = "django.contrib.sessions.backends.db"
    with modify_settings(
        MIDDLEWARE={
            "remove": ["sessionkit.middleware.SessionMiddleware"],
            "prepend": [DJANGO_MIDDLEWARE],
        }
    ):
        assert sessionkit_ids() == []


@pytest.mark.parametrize("kind", ["db", "cached_db", "file", "cache"])
def test_our_middleware_on_djangos_engine_with_its_app_is_a_warning(
    settings: Any, kind: str
) -> None:
    """A switch that kept django.contrib.sessions installed and never set SESSION_ENGINE runs
    on Django's default engine: E008 cannot tell, this warning does."""
    settings.SESSION_ENGINE = f"django.contrib.sessions.backends.{kind}"
    messages = [m for m in run_checks() if m.id == "sessionkit.W004"]
    assert len(messages) == 1
    assert f"'sessionkit.backends.{kind}'" in str(messages[0].hint)


def test_our_middleware_on_djangos_signed_cookies_has_no_engine_to_suggest(
    settings: Any,
) -> None:
    settings.SESSION_ENGINE = "django.contrib.sessions.backends.signed_cookies"
    assert "sessionkit.W004" not in sessionkit_ids()


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


@pytest.mark.django_db(transaction=True)
def test_a_missing_table_is_logged_with_what_to_do(
    client: Any, caplog: pytest.LogCaptureFixture
) -> None:
    from django.db import connection

    from sessionkit.models import Session

    client.get("/page/")
    with connection.schema_editor() as editor:
        editor.delete_model(Session)
    try:
        with caplog.at_level("ERROR", logger="sessionkit.middleware"):
            assert client.get("/page/").status_code == 200
    finally:
        with connection.schema_editor() as editor:
            editor.create_model(Session)
    assert any("run `python manage.py migrate`" in r.getMessage() for r in caplog.records)


def test_djangos_default_engine_without_its_app_is_an_error(settings: Any) -> None:
    """A project that switched INSTALLED_APPS and MIDDLEWARE but never set SESSION_ENGINE has
    Django's default, the db engine, whose model is not installed: every request would 500."""
    settings.SESSION_ENGINE = "django.contrib.sessions.backends.db"
    with modify_settings(INSTALLED_APPS={"remove": ["django.contrib.sessions"]}):
        assert sessionkit_ids() == ["sessionkit.E008"]
        from sessionkit.middleware import SessionMiddleware

        with pytest.raises(ImproperlyConfigured, match="sessionkit.backends.db"):
            SessionMiddleware(lambda request: None)


@pytest.mark.parametrize(
    ("value", "named"),
    [
        (["^/static/", "(unclosed"], "'(unclosed'"),
        (["^/ok/", "a)|(b"], "'a)|(b'"),
        ("^/static/", "is one string"),
    ],
)
def test_a_bad_track_exclude_is_an_error_naming_it(settings: Any, value: Any, named: str) -> None:
    settings.SESSIONKIT_TRACK_EXCLUDE = value
    messages = [m for m in run_checks() if m.id == "sessionkit.E009"]
    assert len(messages) == 1
    assert named in messages[0].msg


def test_a_good_track_exclude_is_clean(settings: Any) -> None:
    settings.SESSIONKIT_TRACK_EXCLUDE = [r"^/health/$", r"(?i)^/ADMIN/", r"(?x) ^/a/  # a"]
    assert sessionkit_ids() == []
