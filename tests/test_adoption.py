"""Switching from django.contrib.sessions logs nobody out: Django's sessions are adopted.

A session that Django's own engine of the same kind stored (its table, files or cache entries),
written here by Django's engine itself, is read on its cookie's first request through
sessionkit's middleware, moved into sessionkit's store, and removed from Django's.
"""

from __future__ import annotations

from collections.abc import Iterator
from importlib import import_module
from io import StringIO
from typing import Any

import pytest
from django.conf import settings as django_settings
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.contrib.auth.models import User
from django.contrib.sessions.backends.file import SessionStore as DjangoFileStore
from django.core.management import call_command
from django.test import Client

from sessionkit import adoption
from sessionkit.keys import stored_key
from tests.conftest import engines_of

COOKIE = django_settings.SESSION_COOKIE_NAME

DJANGO_ENGINE = {
    "db": "django.contrib.sessions.backends.db",
    "cached_db": "django.contrib.sessions.backends.cached_db",
    "file": "django.contrib.sessions.backends.file",
    "cache": "django.contrib.sessions.backends.cache",
    "redis": "django.contrib.sessions.backends.cache",
}


def fresh_lookups() -> Iterator[None]:
    adoption.forget_tables()
    # Django's file engine keeps the first SESSION_FILE_PATH it saw for the process.
    if "_storage_path" in vars(DjangoFileStore):
        del DjangoFileStore._storage_path
    yield
    adoption.forget_tables()
    if "_storage_path" in vars(DjangoFileStore):
        del DjangoFileStore._storage_path


@pytest.fixture(autouse=True)
def _fresh_lookups() -> Iterator[None]:
    yield from fresh_lookups()


def django_session(engine: Any, data: dict[str, Any]) -> Any:
    """A session stored by Django's own engine of the same kind as ``engine``."""
    store = import_module(DJANGO_ENGINE[engine.name]).SessionStore()
    store.update(data)
    store.save()
    return store


def signed_in_by_django(engine: Any, user: User, **data: Any) -> Any:
    return django_session(
        engine,
        {
            SESSION_KEY: str(user.pk),
            BACKEND_SESSION_KEY: "django.contrib.auth.backends.ModelBackend",
            HASH_SESSION_KEY: user.get_session_auth_hash(),
            **data,
        },
    )


def test_a_visitor_of_django_keeps_their_data_and_stays_signed_in(engine: Any) -> None:
    admin = User.objects.create_superuser("admin", "admin@example.com", "pw")
    old = signed_in_by_django(engine, admin, num_visits=5)
    browser = Client()
    browser.cookies[COOKIE] = old.session_key
    assert browser.get("/admin/").status_code == 200, "still signed in"
    shown = browser.get("/").json()
    assert shown["data"]["num_visits"] == 5
    assert browser.cookies[COOKIE].value == old.session_key, "the same cookie"
    assert not import_module(DJANGO_ENGINE[engine.name]).SessionStore().exists(old.session_key), (
        "gone from Django's store"
    )
    assert engine.store_class().exists(old.session_key)


def test_logging_out_after_adoption_stays_logged_out(engine: Any) -> None:
    admin = User.objects.create_superuser("admin", "admin@example.com", "pw")
    old = signed_in_by_django(engine, admin)
    browser = Client()
    browser.cookies[COOKIE] = old.session_key
    assert browser.get("/admin/").status_code == 200
    browser.post("/admin/logout/")
    replay = Client()
    replay.cookies[COOKIE] = old.session_key
    assert replay.get("/admin/").status_code == 302


@pytest.mark.parametrize("engine", engines_of("db", "cached_db"), indirect=True)
def test_adoption_lands_under_the_stored_key(engine: Any, settings: Any) -> None:
    settings.SESSIONKIT_HASH_KEYS = True
    old = django_session(engine, {"a": 1})
    assert engine.store_class(old.session_key).load() == {"a": 1}
    model = engine.store_class.get_model_class()
    assert model.objects.filter(pk=stored_key(old.session_key)).exists()
    assert not model.objects.filter(pk=old.session_key).exists(), "never the cookie at rest"


@pytest.mark.parametrize("engine", engines_of("db", "cached_db"), indirect=True)
def test_an_expired_django_session_is_not_adopted(engine: Any, settings: Any) -> None:
    """(In a cache, expiry is the entry's timeout: an expired one is not there.)"""
    old = import_module(DJANGO_ENGINE[engine.name]).SessionStore()
    old["a"] = 1
    old.set_expiry(-10)
    old.save()
    assert engine.store_class(old.session_key).load() == {}


def test_it_can_be_turned_off(engine: Any, settings: Any) -> None:
    settings.SESSIONKIT_ADOPT_DJANGO_SESSIONS = False
    old = django_session(engine, {"a": 1})
    assert engine.store_class(old.session_key).load() == {}
    assert import_module(DJANGO_ENGINE[engine.name]).SessionStore(old.session_key).load() == {
        "a": 1
    }, "left where it was"


@pytest.mark.parametrize("engine", engines_of("db", "file"), indirect=True)
def test_the_command_reports_and_adopts_what_is_left(engine: Any) -> None:
    keys = [django_session(engine, {"n": n}).session_key for n in range(3)]
    out = StringIO()
    call_command("django_sessions", stdout=out)
    assert "3 unexpired session(s) left" in out.getvalue()
    out = StringIO()
    call_command("django_sessions", "--adopt", stdout=out)
    assert "Adopted 3" in out.getvalue()
    assert "0 unexpired session(s) left" in out.getvalue()
    assert [engine.store_class(key).load() for key in keys] == [{"n": 0}, {"n": 1}, {"n": 2}]


@pytest.mark.django_db
def test_a_missing_django_table_costs_nothing_and_breaks_nothing(
    settings: Any, django_assert_num_queries: Any
) -> None:
    settings.SESSION_ENGINE = "sessionkit.backends.db"
    adoption._tables["default"] = False  # as on a site that never ran Django's migrations
    with django_assert_num_queries(1):  # the one read of sessionkit's table
        assert import_module(settings.SESSION_ENGINE).SessionStore("a" * 32).load() == {}


@pytest.mark.django_db
def test_the_command_says_when_djangos_table_is_gone(settings: Any) -> None:
    settings.SESSION_ENGINE = "sessionkit.backends.db"
    adoption._tables["default"] = False  # dropped after the switch
    for arguments in ([], ["--adopt"]):
        out = StringIO()
        call_command("django_sessions", *arguments, stdout=out)
        assert out.getvalue() == (
            "The django_session table on database 'default' does not exist: nothing to adopt "
            "from it. Set SESSIONKIT_ADOPT_DJANGO_SESSIONS = False to save the look-up there.\n"
        )


@pytest.mark.parametrize("engine", engines_of("db", "cached_db"), indirect=True)
def test_give_back_copies_sessions_into_djangos_table_in_djangos_form(
    engine: Any, settings: Any
) -> None:
    """Going back to Django's engine logs nobody out: each unexpired session is copied into
    django_session, readable by Django's engine, without sessionkit's reserved keys."""
    ours = engine.store_class()
    ours.update({"cart": [1, 2], "_sessionkit": [2, 0, 1, 1, 0, "", "", [], []]})
    ours.save()
    ended = engine.store_class()
    ended["gone"] = True
    ended.set_expiry(-10)
    ended.save()
    out = StringIO()
    call_command("django_sessions", "--give-back", stdout=out)
    assert "Gave 1 session(s) back" in out.getvalue()
    call_command("django_sessions", "--give-back", stdout=StringIO())  # twice: no duplicate
    settings.SESSION_ENGINE = DJANGO_ENGINE[engine.name]
    theirs = import_module(DJANGO_ENGINE[engine.name]).SessionStore(ours.session_key)
    assert theirs.load() == {"cart": [1, 2]}
    from django.contrib.sessions.models import Session as DjangoSession

    kept = DjangoSession.objects.get(session_key=ours.session_key).expire_date
    mine = engine.store_class.get_model_class().objects.get(
        session_key=stored_key(ours.cookie_key)
    )
    assert kept == mine.expire_date


@pytest.mark.parametrize("engine", engines_of("file"), indirect=True)
def test_give_back_needs_a_table(engine: Any) -> None:
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="keeps no table"):
        call_command("django_sessions", "--give-back", stdout=StringIO())
