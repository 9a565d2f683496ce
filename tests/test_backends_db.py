"""db: one statement per primitive, and the model as Django's docs use it."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from sessionkit.backends.db import SessionStore
from sessionkit.models import Session

pytestmark = pytest.mark.django_db


def test_out_of_views_usage_from_djangos_docs() -> None:
    s = SessionStore()
    s["last_login"] = 1376587691
    s.create()
    key = s.session_key
    assert key is not None
    s = SessionStore(session_key=key)
    assert s["last_login"] == 1376587691
    assert Session.objects.get(pk=key).get_decoded() == {"last_login": 1376587691}


def test_table_and_columns() -> None:
    assert Session._meta.db_table == "sessionkit_session"
    assert Session._meta.pk is not None and Session._meta.pk.name == "session_key"
    assert any(index.fields[0] == "expire_date" for index in Session._meta.indexes)
    row = Session(session_key="k" * 32, public_id="0123456789" * 4)
    assert str(row) == "01234567…", "a key is a credential: never shown, not even in the admin"


def test_each_operation_is_one_statement() -> None:
    with CaptureQueriesContext(connection) as create:
        store = SessionStore()
        store["a"] = 1
        store.save()
    key = store.session_key
    with CaptureQueriesContext(connection) as load:
        loaded = SessionStore(key)
        assert loaded.get("a") == 1
    with CaptureQueriesContext(connection) as update:
        loaded["a"] = 2
        loaded.save()
    with CaptureQueriesContext(connection) as delete:
        loaded.delete()
    assert [len(create), len(load), len(update), len(delete)] == [1, 1, 1, 1], [
        q["sql"] for q in [*create, *load, *update, *delete]
    ]


def test_version_grows_with_each_write() -> None:
    store = SessionStore()
    store["a"] = 1
    store.save()
    versions = [Session.objects.get(pk=store.session_key).version]
    for n in range(3):
        loaded = SessionStore(store.session_key)
        loaded["a"] = n
        loaded.save()
        versions.append(Session.objects.get(pk=store.session_key).version)
    assert versions == [1, 2, 3, 4]


def test_use_tz_false(settings: Any) -> None:
    settings.USE_TZ = False
    store = SessionStore()
    store["a"] = 1
    store.set_expiry(60)
    store.save()
    assert SessionStore(store.session_key).load() == {"a": 1, "_session_expiry": 60}
    assert SessionStore.clear_expired() == 0


@pytest.mark.django_db
def test_a_model_of_ones_own_as_djangos_docs_extend_the_engine(settings: Any) -> None:
    """get_model_class() + create_model_instance(): the extra field is written on create and
    on update (Django's CustomDatabaseSessionTests.test_extra_session_field)."""
    from tests.customsessions.backend import SessionStore as CustomStore
    from tests.customsessions.models import CustomSession

    session = CustomStore()
    session["_auth_user_id"] = 42
    session.save()
    assert CustomSession.objects.get(session_key=session.session_key).account_id == 42
    session.pop("_auth_user_id")
    session.save()
    assert CustomSession.objects.get(session_key=session.session_key).account_id is None
    settings.SESSION_ENGINE = "tests.customsessions.backend"
    from django.contrib.auth.models import User
    from django.test import Client

    user = User.objects.create_user("reader")
    browser = Client()
    browser.get("/page/")
    browser.post("/sign-in/", {"username": "reader"})
    row = CustomSession.objects.get(session_key=browser.cookies["sessionid"].value)
    assert row.account_id == user.pk
