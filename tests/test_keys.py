"""sessionkit.keys: new keys are uniform; with SESSIONKIT_HASH_KEYS the store keeps a keyed hash,
never the session key itself."""

from __future__ import annotations

import collections
import os
import re
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings as django_settings
from django.core.cache import caches
from django.db import connections
from django.test import Client

from sessionkit import keys
from sessionkit.keys import CookieKey, cookie_key, key_hash, public_id, stored_key
from tests.routers import SESSION_DB

COOKIE = django_settings.SESSION_COOKIE_NAME


@pytest.fixture
def hashing(settings: Any) -> None:
    settings.SESSIONKIT_HASH_KEYS = True


def test_the_hash_is_a_valid_stored_key(settings: Any) -> None:
    key = CookieKey("a" * 32)
    digest = key_hash(key)
    assert re.fullmatch(r"[0-9a-f]{40}", digest)
    assert digest != key_hash(CookieKey("b" * 32))
    assert public_id(digest) != digest, "the public id has a purpose of its own"
    settings.SESSIONKIT_HASH_SECRET = "another secret"
    assert key_hash(key) != digest
    assert stored_key(key) == key  # hashing is off by default


def test_new_keys_are_valid_distinct_and_every_character_as_likely() -> None:
    issued = [keys.new_cookie_key() for _ in range(3000)]
    assert all(len(key) == 32 and cookie_key(key) == key for key in issued)
    assert len(set(issued)) == len(issued)
    counts = collections.Counter("".join(issued))  # 96,000 characters: ~2,667 of each
    assert set(counts) == set(keys.VALID_KEY_CHARS)
    chi_square = sum((n - 96_000 / 36) ** 2 / (96_000 / 36) for n in counts.values())
    assert chi_square < 90, counts  # 35 degrees of freedom: p < 1e-6 for an unbiased source


def test_a_draw_short_of_unbiased_bytes_draws_again(monkeypatch: pytest.MonkeyPatch) -> None:
    draws = iter([bytes([255] * 20 + [0] * 20), bytes(range(40))])
    monkeypatch.setattr(os, "urandom", lambda n: next(draws))
    assert keys.new_cookie_key() == (keys.VALID_KEY_CHARS * 2)[:32]


def everything_stored(engine: Any, tmp_path: Path) -> str:
    """All that the engine's store holds, as text: tables, files (names and contents), cache."""
    parts: list[str] = []
    if engine.db is not None:
        tables = {engine.store_class.get_model_class()._meta.db_table, "sessionkit_sessionrecord"}
        with connections[engine.db].cursor() as cursor:
            for table in sorted(tables):
                cursor.execute(f"SELECT * FROM {table}")
                parts.extend(str(row) for row in cursor.fetchall())
    for path in tmp_path.rglob("*"):
        parts.append(path.name)
        if path.is_file():
            parts.append(path.read_bytes().decode("latin-1"))
    if engine.cache == "redis" or engine.cache == "django_redis":
        client = caches[engine.cache]
        raw = (
            client.client.get_client()
            if engine.cache == "django_redis"
            else (client._cache.get_client())
        )
        for name in raw.keys("*"):
            parts.append(name.decode("latin-1"))
            value = raw.get(name)
            if isinstance(value, bytes):
                parts.append(value.decode("latin-1"))
    if engine.redis is not None:
        from sessionkit.backends import redis as redis_engine

        client = redis_engine.connections().sync()
        for name in client.scan_iter(match="*", count=1000):
            parts.append(name.decode("latin-1"))
            value = client.get(name)
            if isinstance(value, bytes):
                parts.append(value.decode("latin-1"))
    if engine.cache == "locmem":
        cache = caches["locmem"]
        for name, value in list(cache._cache.items()):
            parts.append(str(name))
            parts.append(value.decode("latin-1") if isinstance(value, bytes) else str(value))
    return "\n".join(parts)


def test_no_raw_key_at_rest(engine: Any, hashing: None, tmp_path: Path) -> None:
    keys = []
    for _ in range(3):
        browser = Client()
        browser.get("/page/")
        browser.get("/set/", {"cart": "book-1"})
        keys.append(browser.cookies[COOKIE].value)
        assert browser.get("/").json()["data"] == {"cart": "book-1"}
    if engine.cache == "memcached" and engine.db is None:
        # Memcached cannot list its keys: ask it for each one instead.
        from sessionkit.backends.cache import cache_key

        cache = caches["memcached"]
        for key in keys:
            assert cache.get(cache_key(key)) is None
            assert cache.get(cache_key(key_hash(key))) is not None
        return
    stored = everything_stored(engine, tmp_path)
    assert stored, "the scan saw the store"
    for key in keys:
        assert key not in stored
        assert key_hash(key) in stored


def test_hashed_sessions_keep_the_whole_api(engine: Any, hashing: None) -> None:
    store = engine.store_class()
    store["a"] = 1
    store.save()
    key = store.session_key
    assert engine.store_class(key).load() == {"a": 1}
    assert store.exists(key)
    store.cycle_key()
    assert not store.exists(key)
    assert engine.store_class(store.session_key).load() == {"a": 1}
    store.delete()
    assert not store.exists(store.session_key)


def test_switching_hashing_on_moves_existing_sessions(engine: Any, settings: Any) -> None:
    store = engine.store_class()
    store["a"] = "before hashing"
    store.save()
    key = store.session_key
    settings.SESSIONKIT_HASH_KEYS = True
    loaded = engine.store_class(key)
    assert loaded.load() == {"a": "before hashing"}
    settings.SESSIONKIT_HASH_KEYS_FALLBACK = False  # the migration window is over
    assert engine.store_class(key).load() == {"a": "before hashing"}, "it was moved"


def test_ending_reaches_the_session_whichever_way_it_is_stored(engine: Any, settings: Any) -> None:
    """Hashing switched on or off between requests: a logout by the cookie ends the session
    stored in either form, with the fallback on or off."""
    for hashed_then, hashed_now in [(False, True), (True, False)]:
        settings.SESSIONKIT_HASH_KEYS = hashed_then
        store = engine.store_class()
        store["a"] = 1
        store.save()
        key = store.session_key
        settings.SESSIONKIT_HASH_KEYS = hashed_now
        settings.SESSIONKIT_HASH_KEYS_FALLBACK = False
        engine.store_class(key).delete()
        settings.SESSIONKIT_HASH_KEYS = hashed_then
        assert engine.store_class(key).load() == {}, (hashed_then, hashed_now)


def test_a_move_never_revives_a_session_ended_meanwhile(engine: Any, settings: Any) -> None:
    """The fallback's move (read plain, create hashed, delete plain) racing a logout that ends
    the plain copy between the read and the delete: the hashed copy goes too."""
    store = engine.store_class()
    store["a"] = 1
    store.save()
    key = store.session_key
    settings.SESSIONKIT_HASH_KEYS = True
    mover = engine.store_class(key)
    read = mover._read

    def read_then_logout(stored: Any) -> Any:
        record = read(stored)
        if record is not None and stored == key:
            engine.store_class(key).delete()  # the logout, between the read and the move
        return record

    mover._read = read_then_logout
    assert mover.load() == {}
    assert engine.store_class(key).load() == {}, "the logout stays a logout"


@pytest.mark.django_db
def test_lookups_still_cost_one_read(
    hashing: None, settings: Any, django_assert_num_queries: Any
) -> None:
    settings.SESSION_ENGINE = "sessionkit.backends.db"
    SESSION_DB.set("default")
    browser = Client()
    browser.get("/page/")
    browser.get("/page/")
    with django_assert_num_queries(2):  # one read, one write
        browser.get("/page/")


@pytest.mark.django_db
def test_session_lookup_by_raw_key(hashing: None, settings: Any) -> None:
    from sessionkit.backends.db import SessionStore
    from sessionkit.models import Session

    store = SessionStore()
    store["a"] = 1
    store.save()
    assert not Session.objects.filter(pk=store.session_key).exists()
    assert Session.objects.for_key(store.session_key).get().get_decoded() == {"a": 1}


MIXUPS = """
from sessionkit import inventory
from sessionkit.backends.db import SessionStore
from sessionkit.keys import CookieKey, PublicId, StoredKey, public_id, stored_key


def mixups(cookie: CookieKey, stored: StoredKey, sid: PublicId) -> None:
    public_id(cookie)
    stored_key(stored)
    SessionStore().end(cookie)
    inventory.end(stored)
    public_id(stored_key(cookie))
"""


def test_the_type_checker_keeps_the_three_identities_apart(tmp_path: Path) -> None:
    """mypy (strict, as CI runs it on the package) rejects passing one identity for another."""
    from mypy import api

    source = tmp_path / "mixups.py"
    source.write_text(MIXUPS)
    out, _, status = api.run(
        [
            "--config-file",
            str(Path(__file__).resolve().parent.parent / "pyproject.toml"),
            "--cache-dir",
            str(tmp_path / "mypy-cache"),
            str(source),
        ]
    )
    errors = [line for line in out.splitlines() if ": error:" in line]
    assert status == 1, out
    assert [int(line.split(":")[1]) for line in errors] == [8, 9, 10, 11], out
    assert all('"CookieKey"' in line or '"StoredKey"' in line for line in errors), out
