"""The shared engine suite: every engine/backend pair is held to the same behaviour.

Each behaviour has a sync test and an async twin, as Django's own SessionTestsMixin pairs
``test_cycle`` with ``test_cycle_async``. The ``engine`` fixture (tests/conftest.py) runs each
test on db (SQLite, PostgreSQL), file, cache (LocMem, Redis, Memcached, django-redis) and
cached_db (LocMem+SQLite, Redis+PostgreSQL).
"""

from __future__ import annotations

import logging
import os
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from asgiref.sync import async_to_sync
from django.contrib.sessions.backends.base import CreateError, UpdateError
from freezegun import freeze_time

from sessionkit.backends.base import Record
from sessionkit.exceptions import SessionTooLarge, UnserializableSessionValue

START = datetime(2026, 1, 1, 12, 0, tzinfo=UTC)


def run(coroutine: Any) -> Any:
    """Run an async test body from a sync test (no event loop plugin needed)."""

    async def body() -> Any:
        return await coroutine

    return async_to_sync(body)()


def saved(store_class: Any, **data: Any) -> Any:
    store = store_class()
    store.update(data)
    store.save()
    return store


# --- create, load, save ----------------------------------------------------------------------


def test_new_store_is_empty(store_class: Any) -> None:
    store = store_class()
    assert store.session_key is None
    assert store.is_empty()
    assert not store.modified
    assert not store.accessed
    assert dict(store.items()) == {}


def test_a_new_store_has_what_djangos_init_gives_one(store_class: Any, settings: Any) -> None:
    """Our ``__init__`` is SessionBase's with the serializer's import kept between stores:
    every attribute Django's sets is there, the serializer is the one SESSION_SERIALIZER names
    (over a class attribute, as with Django), and one that cannot be imported fails at once."""
    from django.contrib.sessions.backends.base import SessionBase
    from django.contrib.sessions.serializers import JSONSerializer

    key = "k" * 32
    store, djangos = store_class(key), SessionBase(key)
    assert set(vars(djangos)) <= set(vars(store))
    assert (store.session_key, store.accessed, store.modified) == (key, False, False)
    assert store.serializer is djangos.serializer is JSONSerializer
    settings.SESSION_SERIALIZER = "tests.test_backends.Serializer"
    assert store_class().serializer is Serializer
    assert type("Own", (store_class,), {"serializer": JSONSerializer})().serializer is Serializer
    settings.SESSION_SERIALIZER = "tests.test_backends.NoSuchSerializer"
    with pytest.raises(ImportError):
        store_class(key)


class Serializer:
    """A SESSION_SERIALIZER of a project's own."""


@pytest.mark.parametrize("key", ["../../etc/passwd", "short", "x" * 40, "é" * 32, None])
def test_adopting_a_key_that_is_no_cookie_key_is_refused(store_class: Any, key: Any) -> None:
    store = store_class()
    with pytest.raises(ValueError, match="Not a valid session key"):
        store.adopt_key(key)
    assert store.session_key is None
    store["cat"] = "Milo"
    store.save()  # saved under a key of its own
    assert len(store.session_key) == 32
    saved_as = store.session_key
    with pytest.raises(ValueError, match="Not a valid session key"):
        store.adopt_key(key)
    assert store.session_key == saved_as  # a refused key changes nothing


def test_save_then_load(store_class: Any) -> None:
    store = saved(store_class, cat="Milo", count=3, nested={"a": [1, 2]})
    assert store.session_key is not None
    assert len(store.session_key) == 32
    again = store_class(store.session_key)
    assert again.load() == {"cat": "Milo", "count": 3, "nested": {"a": [1, 2]}}
    assert again["cat"] == "Milo"
    assert again.session_key == store.session_key


def test_save_then_load_async(store_class: Any) -> None:
    async def body() -> None:
        store = store_class()
        await store.aset("cat", "Milo")
        await store.asave()
        again = store_class(store.session_key)
        assert await again.aload() == {"cat": "Milo"}
        assert await again.aget("cat") == "Milo"

    run(body())


def test_async_stores_exactly_what_sync_stores(store_class: Any) -> None:
    data = {"cat": "Milo", "n": 1, "list": [1, "two"], "_session_expiry": 600}
    sync_store = saved(store_class, **data)

    async def body() -> Any:
        store = store_class()
        await store.aupdate(data)
        await store.asave()
        return store.session_key

    async_key = run(body())
    assert store_class(async_key).load() == store_class(sync_store.session_key).load() == data
    assert run(store_class(sync_store.session_key).aload()) == data
    assert store_class(async_key).get_expiry_age() == 600


def test_update_existing_session(store_class: Any) -> None:
    store = saved(store_class, a=1)
    key = store.session_key
    loaded = store_class(key)
    loaded["b"] = 2
    loaded.save()
    assert loaded.session_key == key
    assert store_class(key).load() == {"a": 1, "b": 2}


def test_update_existing_session_async(store_class: Any) -> None:
    key = saved(store_class, a=1).session_key

    async def body() -> None:
        loaded = store_class(key)
        await loaded.aset("b", 2)
        await loaded.asave()
        assert loaded.session_key == key

    run(body())
    assert store_class(key).load() == {"a": 1, "b": 2}


def test_create_issues_a_fresh_saved_key(store_class: Any) -> None:
    store = store_class()
    store.create()
    assert store.modified
    assert store.exists(store.session_key)
    other = store_class()
    other.create()
    assert other.session_key != store.session_key


def test_create_async(store_class: Any) -> None:
    store = store_class()
    run(store.acreate())
    assert store.modified
    assert run(store.aexists(store.session_key))


def test_must_create_on_a_taken_key_raises_create_error(store_class: Any) -> None:
    key = saved(store_class, a=1).session_key
    clash = store_class(key)
    clash._session_cache = {"b": 2}
    with pytest.raises(CreateError):
        clash.save(must_create=True)
    with pytest.raises(CreateError):
        run(clash.asave(must_create=True))
    assert store_class(key).load() == {"a": 1}


def test_load_of_unknown_key_gives_fresh_empty_session(store_class: Any) -> None:
    unknown = "a" * 32
    store = store_class(unknown)
    assert store.load() == {}
    assert store.session_key is None
    store["x"] = 1
    store.save()
    assert store.session_key != unknown
    assert not store.exists(unknown)


def test_load_of_unknown_key_async(store_class: Any) -> None:
    unknown = "b" * 32
    store = store_class(unknown)
    assert run(store.aload()) == {}
    assert store.session_key is None
    assert not run(store.aexists(unknown))


def test_saving_a_session_deleted_elsewhere_raises_update_error(store_class: Any) -> None:
    store = saved(store_class, a=1)
    key = store.session_key
    store_class().delete(key)  # a logout in another tab
    store["b"] = 2
    with pytest.raises(UpdateError):
        store.save()
    with pytest.raises(UpdateError):
        run(store.asave())
    assert not store.exists(key), "a save must never bring an ended session back"


def test_delete(store_class: Any) -> None:
    store = saved(store_class, a=1)
    key = store.session_key
    store.delete()
    assert not store.exists(key)
    assert store_class(key).load() == {}
    store.delete()  # deleting again is harmless
    store_class().delete()  # so is deleting a session that has no key


def test_delete_async(store_class: Any) -> None:
    store = saved(store_class, a=1)
    key = store.session_key
    run(store.adelete())
    assert not run(store.aexists(key))
    other = saved(store_class, b=1)
    run(store_class().adelete(other.session_key))
    assert not store.exists(other.session_key)


def test_flush(store_class: Any) -> None:
    store = saved(store_class, a=1)
    key = store.session_key
    store.flush()
    assert store.session_key is None
    assert store.modified
    assert dict(store.items()) == {}
    assert not store.exists(key)


def test_flush_async(store_class: Any) -> None:
    store = saved(store_class, a=1)
    key = store.session_key
    run(store.aflush())
    assert store.session_key is None
    assert not store.exists(key)


def test_cycle_key(store_class: Any) -> None:
    store = saved(store_class, a=1)
    old = store.session_key
    store.cycle_key()
    assert store.session_key != old
    assert not store.exists(old)
    assert store_class(store.session_key).load() == {"a": 1}


def test_cycle_key_async(store_class: Any) -> None:
    store = saved(store_class, a=1)
    old = store.session_key
    run(store.acycle_key())
    assert store.session_key != old
    assert not run(store.aexists(old))
    assert run(store_class(store.session_key).aload()) == {"a": 1}


def test_cycle_key_of_a_new_session(store_class: Any) -> None:
    store = store_class()
    store["a"] = 1
    store.cycle_key()
    assert store_class(store.session_key).load() == {"a": 1}


def test_flags(store_class: Any) -> None:
    store = saved(store_class, a=1)
    loaded = store_class(store.session_key)
    assert not loaded.accessed
    loaded.get("a")
    assert loaded.accessed
    assert not loaded.modified
    loaded["a"] = 2
    assert loaded.modified


def test_test_cookie(store_class: Any) -> None:
    store = store_class()
    assert not store.test_cookie_worked()
    store.set_test_cookie()
    store.save()
    loaded = store_class(store.session_key)
    assert loaded.test_cookie_worked()
    loaded.delete_test_cookie()
    assert not loaded.test_cookie_worked()
    assert run(store_class(store.session_key).atest_cookie_worked())


# --- expiry ------------------------------------------------------------------------------------


def _set_expiry(store: Any, how: str) -> None:
    """Make ``store`` expire 300 seconds from START in one of Django's four ways."""
    if how == "seconds":
        store.set_expiry(300)
    elif how == "timedelta":
        store.set_expiry(timedelta(seconds=300))
    elif how == "datetime":
        store.set_expiry(START + timedelta(seconds=300))


@pytest.mark.parametrize("how", ["default", "seconds", "timedelta", "datetime"])
def test_expired_session_is_never_returned(store_class: Any, settings: Any, how: str) -> None:
    settings.SESSION_COOKIE_AGE = 300
    with freeze_time(START) as frozen:
        store = store_class()
        store["a"] = 1
        _set_expiry(store, how)
        store.save()
        key = store.session_key
        assert store.get_expiry_age() == 300
        frozen.tick(timedelta(seconds=299))
        assert store_class(key).load()["a"] == 1
        assert run(store_class(key).aload())["a"] == 1
        frozen.tick(timedelta(seconds=1))
        expired = store_class(key)
        assert expired.load() == {}
        assert expired.session_key is None
        assert run(store_class(key).aload()) == {}
        assert store_class(key).get("a") is None


def test_each_save_extends_an_inactivity_expiry(store_class: Any, settings: Any) -> None:
    settings.SESSION_COOKIE_AGE = 300
    with freeze_time(START) as frozen:
        store = saved(store_class, a=1)
        for _ in range(3):
            frozen.tick(timedelta(seconds=200))
            loaded = store_class(store.session_key)
            loaded["a"] += 1
            loaded.save()
        frozen.tick(timedelta(seconds=299))
        assert store_class(store.session_key).load() == {"a": 4}


def test_expiry_api(store_class: Any, settings: Any) -> None:
    settings.SESSION_COOKIE_AGE = 1000
    settings.SESSION_EXPIRE_AT_BROWSER_CLOSE = False
    with freeze_time(START):
        store = store_class()
        assert store.get_expiry_age() == 1000
        assert store.get_expiry_date() == START + timedelta(seconds=1000)
        assert not store.get_expire_at_browser_close()
        store.set_expiry(0)
        assert store.get_expire_at_browser_close()
        store.set_expiry(None)
        assert not store.get_expire_at_browser_close()
        store.set_expiry(60)
        store.save()
        loaded = store_class(store.session_key)
        assert loaded.get_expiry_age() == 60
        assert run(loaded.aget_expiry_date()) == START + timedelta(seconds=60)


def test_clear_expired(engine: Any, store_class: Any, settings: Any) -> None:
    settings.SESSION_COOKIE_AGE = 300
    with freeze_time(START) as frozen:
        expired = [saved(store_class, n=n).session_key for n in range(3)]
        live = saved(store_class, n=99)
        live.set_expiry(3600)
        live.save()
        frozen.tick(timedelta(seconds=301))
        removed = store_class.clear_expired()
        assert removed in (0, 3)  # 0: a cache expires entries itself
        assert all(store_class(key).load() == {} for key in expired)
        assert store_class(live.session_key).load() == {"n": 99, "_session_expiry": 3600}
        if engine.name in ("db", "file"):
            assert removed == 3
            assert not any(store_class().exists(key) for key in expired)


def test_clear_expired_async(store_class: Any, settings: Any) -> None:
    settings.SESSION_COOKIE_AGE = 300
    with freeze_time(START) as frozen:
        expired = saved(store_class, n=1).session_key
        frozen.tick(timedelta(seconds=301))
        live = saved(store_class, n=2).session_key
        assert run(store_class.aclear_expired()) in (0, 1)
        assert store_class(expired).load() == {}
        assert store_class(live).load() == {"n": 2}


# --- bad input -------------------------------------------------------------------------------

BAD_KEYS = [
    "../../etc/passwd",
    "..%2F..%2Fetc%2Fpasswd",
    "/etc/passwd",
    "a" * 41,
    "a" * 5000,
    "ключключключключ",
    "abcdefgh\x00ijkl",
    "ABCDEFGHIJKLMNOP",
    "abc",
    "",
]


@pytest.mark.parametrize("bad", BAD_KEYS)
def test_bad_key_is_never_used(store_class: Any, bad: str) -> None:
    store = store_class(bad)
    assert store.session_key is None
    assert store.load() == {}
    assert not store.exists(bad)
    store.delete(bad)
    assert run(store_class(bad).aload()) == {}
    assert not run(store.aexists(bad))
    store["a"] = 1
    store.save()
    assert store.session_key != bad


def test_unserializable_value_names_the_key(store_class: Any) -> None:
    store = store_class()
    store["fine"] = 1
    store["bad"] = {1, 2}
    with pytest.raises(UnserializableSessionValue, match="'bad'") as info:
        store.save()
    assert info.value.key == "bad"
    with pytest.raises(TypeError, match="'bad'"):
        run(store.asave())


def test_tampered_data_gives_empty_session_and_logs(
    store_class: Any, caplog: pytest.LogCaptureFixture
) -> None:
    store = saved(store_class, admin=False)
    key = store.session_key
    forged = store.encode({"admin": True}).replace(":", ";", 1) + "x"
    record = Record(forged, store_class(key)._read(key).expires_at, 99)
    assert store._write(key, record, create=False)
    with caplog.at_level(logging.WARNING, logger="django.security.SuspiciousSession"):
        assert store_class(key).load() == {}
    assert any(r.name == "django.security.SuspiciousSession" for r in caplog.records)


def test_a_record_in_djangos_signed_form_still_loads(store_class: Any) -> None:
    """Records written before sessionkit.codec (by Django's signing.dumps) load unchanged."""
    from django.core import signing

    store = saved(store_class, kept=1)
    key = store.session_key
    legacy = signing.dumps(
        {"kept": 2}, salt=store.key_salt, serializer=store.serializer, compress=True
    )
    assert not legacy.startswith("~")
    assert store._write(
        key, Record(legacy, store_class(key)._read(key).expires_at, 7), create=False
    )
    assert store_class(key).load() == {"kept": 2}


def test_sessions_signed_before_a_key_rotation_load(store_class: Any, settings: Any) -> None:
    settings.SECRET_KEY = "the-old-secret-key-" + "x" * 40
    key = saved(store_class, kept=1).session_key
    settings.SECRET_KEY = "the-new-secret-key-" + "y" * 40
    assert store_class(key).load() == {}  # the new key alone does not accept it
    settings.SECRET_KEY_FALLBACKS = ["the-old-secret-key-" + "x" * 40]
    assert store_class(key).load() == {"kept": 1}


# --- concurrent saves: merge, never lose -------------------------------------------------------


def two_loads(store_class: Any, **data: Any) -> tuple[Any, Any]:
    key = saved(store_class, **data).session_key
    first, second = store_class(key), store_class(key)
    first.get("a")  # both load before either saves
    second.get("a")
    return first, second


def test_concurrent_saves_of_different_keys_are_merged(store_class: Any) -> None:
    first, second = two_loads(store_class, a=1, gone=True)
    first["x"] = "from first"
    del first["gone"]
    first.save()
    second["y"] = "from second"
    second.save()
    assert store_class(first.session_key).load() == {
        "a": 1,
        "x": "from first",
        "y": "from second",
    }


def test_concurrent_saves_merge_async(store_class: Any) -> None:
    first, second = two_loads(store_class, a=1)

    async def body() -> None:
        await first.aset("x", 1)
        await first.asave()
        await second.aset("y", 2)
        await second.asave()

    run(body())
    assert store_class(first.session_key).load() == {"a": 1, "x": 1, "y": 2}


def test_same_key_changed_by_both_the_later_save_wins(store_class: Any) -> None:
    first, second = two_loads(store_class, a=1)
    first["a"] = "first"
    first.save()
    second["a"] = "second"
    second.save()
    assert store_class(first.session_key).load() == {"a": "second"}


def test_a_merge_keeps_values_the_other_save_changed(store_class: Any) -> None:
    first, second = two_loads(store_class, a=1, b=1)
    first["a"] = 2
    first.save()
    second["b"] = 2  # second never touched "a": the stored 2 stays
    second.save()
    assert store_class(first.session_key).load() == {"a": 2, "b": 2}


def test_on_conflict_merges_a_counter(store_class: Any) -> None:
    first, second = two_loads(store_class, a=1, visits=0)
    for store in (first, second):
        store["visits"] += 1
        store.on_conflict("visits", lambda stored: (stored or 0) + 1)
    first.save()
    second.save()
    assert store_class(first.session_key).load()["visits"] == 2


def test_a_merge_never_brings_back_a_deleted_session(store_class: Any) -> None:
    first, second = two_loads(store_class, a=1)
    first.flush()  # a logout in another tab
    second["b"] = 2
    with pytest.raises(UpdateError):
        second.save()
    assert not store_class().exists(second.session_key)


def test_saving_twice_in_one_request(store_class: Any) -> None:
    store = saved(store_class, a=1)
    loaded = store_class(store.session_key)
    loaded["b"] = 2
    loaded.save()
    loaded["c"] = 3
    loaded.save()
    assert store_class(store.session_key).load() == {"a": 1, "b": 2, "c": 3}


def test_oversized_session_is_refused_with_the_setting_named(
    store_class: Any, settings: Any
) -> None:
    settings.SESSIONKIT_MAX_SIZE = 2000
    store = saved(store_class, a=1)
    store["big"] = os.urandom(4000).hex()  # does not compress below the limit
    with pytest.raises(SessionTooLarge, match="SESSIONKIT_MAX_SIZE"):
        store.save()
    assert store_class(store.session_key).load() == {"a": 1}


@pytest.mark.django_db
def test_a_database_error_ending_a_never_stored_session_is_not_swallowed(
    settings: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A store error while ending a session whose key was issued on this request is passed
    over (nothing was stored), but not a database's: inside the view's transaction that would
    roll the view's own writes back unseen."""
    from django.db import OperationalError
    from django.test import Client

    from sessionkit.backends import db

    def down(self: Any, key: Any) -> bool:
        raise OperationalError("the database is down")

    settings.SESSION_ENGINE = "sessionkit.backends.db"
    monkeypatch.setattr(db.SessionStore, "_delete", down)
    monkeypatch.setattr(db.SessionStore, "_delete_all", lambda self, keys: down(self, keys[0]))
    assert Client(raise_request_exception=False).get("/logout/").status_code == 500
