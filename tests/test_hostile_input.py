"""Property-based tests (hypothesis): hostile cookies, any payload, corrupt stored data.

Each test prints how many cases hypothesis ran on which engine.
"""

from __future__ import annotations

import os
import string
from pathlib import Path
from typing import Any

from django.conf import settings as django_settings
from django.test import Client
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from sessionkit.backends.base import Record

COOKIE = django_settings.SESSION_COOKIE_NAME
FAST = hypothesis_settings(
    max_examples=100, deadline=None, suppress_health_check=list(HealthCheck)
)

cookies = st.text(
    alphabet=st.characters(codec="utf-8", exclude_characters=";\r\n"), max_size=200
) | st.text(alphabet=string.ascii_lowercase + string.digits + "./%\\", min_size=0, max_size=60)

json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**53), max_value=2**53)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=50),
    lambda children: (
        st.lists(children, max_size=5)
        | st.dictionaries(st.text(max_size=10), children, max_size=5)
    ),
    max_leaves=20,
)
# Keys starting with "_" are reserved (Django's _session_expiry, _auth_user_id; sessionkit's own).
payloads = st.dictionaries(
    st.text(min_size=1, max_size=20).filter(lambda key: not key.startswith("_")),
    json_values,
    max_size=8,
)


def report(engine: Any, what: str, cases: int, capsys: Any) -> None:
    with capsys.disabled():
        print(f"\n  hypothesis: {cases} {what} on {engine.label}")


def test_any_cookie_is_no_500_and_never_adopted(engine: Any, tmp_path: Path, capsys: Any) -> None:
    cases = 0
    before = set(tmp_path.parent.rglob("*"))

    @FAST
    @given(cookie=cookies)
    def check(cookie: str) -> None:
        nonlocal cases
        cases += 1
        header = f"{COOKIE}={cookie.encode('utf-8').decode('latin-1')}"
        response = Client().get("/set/", {"a": "1"}, HTTP_COOKIE=header)
        assert response.status_code == 200
        new_key = response.cookies[COOKIE].value
        assert new_key != cookie and len(new_key) == 32
        created = set(tmp_path.parent.rglob("*")) - before
        assert all(path.is_relative_to(tmp_path) for path in created)

    check()
    report(engine, "cookies", cases, capsys)


def test_any_payload_round_trips(engine: Any, capsys: Any) -> None:
    cases = 0

    @FAST
    @given(data=payloads)
    def check(data: dict[str, Any]) -> None:
        nonlocal cases
        cases += 1
        store = engine.store_class()
        store.update(data)
        store.save()
        assert engine.store_class(store.session_key).load() == data

    check()
    report(engine, "payloads", cases, capsys)


def test_corrupt_stored_data_gives_an_empty_session(engine: Any, capsys: Any) -> None:
    cases = 0

    @FAST
    @given(garbage=st.text(st.characters(codec="ascii", exclude_characters="\x00"), max_size=300))
    def check(garbage: str) -> None:
        nonlocal cases
        cases += 1
        store = engine.store_class()
        store["a"] = 1
        store.save()
        key = store.session_key
        current = store._read_current(key)
        store._write(key, Record(garbage, current.expires_at, current.version + 1), create=False)
        loaded = engine.store_class(key)
        assert loaded.load() == {}
        response = Client().get("/", HTTP_COOKIE=f"{COOKIE}={key}")
        assert response.status_code == 200

    check()
    report(engine, "corrupt records", cases, capsys)


def test_corrupt_session_files(settings: Any, tmp_path: Path, capsys: Any) -> None:
    settings.SESSION_ENGINE = "sessionkit.backends.file"
    settings.SESSION_FILE_PATH = str(tmp_path)
    from sessionkit.backends.file import SessionStore

    cases = 0

    @FAST
    @given(content=st.binary(max_size=400))
    def check(content: bytes) -> None:
        nonlocal cases
        cases += 1
        store = SessionStore()
        store["a"] = 1
        store.save()
        path = tmp_path / f"sessionkit-{store.session_key}"
        mtime = path.stat().st_mtime
        path.write_bytes(content)
        os.utime(path, (mtime, mtime))
        assert SessionStore(store.session_key).load() == {}
        response = Client().get("/page/", HTTP_COOKIE=f"{COOKIE}={store.session_key}")
        assert response.status_code == 200

    check()
    with capsys.disabled():
        print(f"\n  hypothesis: {cases} raw file contents on file")
