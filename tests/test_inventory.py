"""The inventory of signed-in sessions, on every engine, through the test client."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.conf import settings as django_settings
from django.contrib.auth.models import User
from django.test import Client, RequestFactory
from freezegun import freeze_time

from sessionkit import inventory
from sessionkit.keys import public_id, stored_key
from sessionkit.models import SessionRecord
from sessionkit.signals import session_ip_changed, session_user_agent_changed
from sessionkit.templating import SessionView

COOKIE = django_settings.SESSION_COOKIE_NAME


@pytest.fixture
def reader(db: None) -> User:
    return User.objects.create_user("reader", password="pw")


def signed_in(agent: str, address: str = "127.0.0.1") -> Client:
    browser = Client(HTTP_USER_AGENT=agent, REMOTE_ADDR=address)
    browser.get("/page/")
    assert browser.post("/sign-in/", {"username": "reader"}).status_code == 200
    browser.get("/page/")
    return browser


def sid(browser: Client) -> str:
    return public_id(stored_key(browser.cookies[COOKIE].value))


def test_three_sessions_end_one_then_all_others(engine: Any, reader: User) -> None:
    browsers = [signed_in(f"Browser {n}", f"10.0.0.{n}") for n in range(3)]
    rows = inventory.sessions_for(reader)
    assert sorted(row.session_id for row in rows) == sorted(sid(b) for b in browsers)
    assert {row.user_agent for row in rows} == {"Browser 0", "Browser 1", "Browser 2"}
    assert {row.ip_address for row in rows} == {"10.0.0.0", "10.0.0.1", "10.0.0.2"}

    assert inventory.end(sid(browsers[1]))
    assert browsers[1].get("/whoami/").json()["authenticated"] is False
    assert browsers[0].get("/whoami/").json()["authenticated"] is True
    assert len(inventory.sessions_for(reader)) == 2

    listing = browsers[0].get("/sessionkit/sessions/")
    assert listing.status_code == 200
    assert "this browser" in listing.content.decode()
    assert browsers[0].post("/sessionkit/sessions/end/", {"others": "1"}).status_code == 302
    assert browsers[2].get("/whoami/").json()["authenticated"] is False
    assert browsers[0].get("/whoami/").json()["authenticated"] is True
    assert [row.session_id for row in inventory.sessions_for(reader)] == [sid(browsers[0])]


def test_ending_one_session_through_the_view(engine: Any, reader: User) -> None:
    first, second = signed_in("First"), signed_in("Second")
    response = first.post("/sessionkit/sessions/end/", {"session_id": sid(second)})
    assert response.status_code == 302
    assert second.get("/whoami/").json()["authenticated"] is False
    stranger = User.objects.create_user("stranger", password="pw")
    other = Client()
    other.force_login(stranger)
    refused = other.post("/sessionkit/sessions/end/", {"session_id": sid(first)})
    assert refused.status_code == 400, "only your own sessions"
    assert first.get("/whoami/").json()["authenticated"] is True


def test_the_inventory_follows_key_rotation(engine: Any, reader: User) -> None:
    anonymous = Client()
    anonymous.get("/page/")
    anonymous.get("/page/")
    key_before_login = anonymous.cookies[COOKIE].value
    anonymous.post("/sign-in/", {"username": "reader"})  # Django's login rotates the key
    assert anonymous.cookies[COOKIE].value != key_before_login
    assert [row.session_id for row in inventory.sessions_for(reader)] == [sid(anonymous)]

    browser = signed_in("Browser")
    before = sid(browser)
    created = SessionRecord.objects.get(pk=before).created
    browser.get("/rotate/")  # cycle_key while signed in
    assert browser.get("/whoami/").json()["authenticated"] is True
    after = sid(browser)
    assert after != before
    rows = [row for row in inventory.sessions_for(reader) if row.user_agent == "Browser"]
    assert [row.session_id for row in rows] == [after]
    assert rows[0].created == created


def test_logout_leaves_the_inventory(engine: Any, reader: User) -> None:
    browser = signed_in("Browser")
    browser.get("/logout/")
    assert inventory.sessions_for(reader) == []


def test_most_requests_cost_no_inventory_query(
    reader: User, settings: Any, django_assert_num_queries: Any
) -> None:
    settings.SESSION_ENGINE = "sessionkit.backends.db"
    browser = signed_in("Browser")
    with django_assert_num_queries(2):  # the session's read and write, nothing more
        browser.get("/page/")


def test_signals_on_ip_and_browser_change(engine: Any, reader: User, settings: Any) -> None:
    seen: list[tuple[str, Any, Any]] = []

    def ip(**kwargs: Any) -> None:
        seen.append(("ip", kwargs["old"], kwargs["new"]))

    def agent(**kwargs: Any) -> None:
        seen.append(("agent", kwargs["old"], kwargs["new"]))

    session_ip_changed.connect(ip)
    session_user_agent_changed.connect(agent)
    try:
        browser = signed_in("Browser", "10.0.0.1")
        browser.get("/page/", REMOTE_ADDR="10.0.0.2")
        browser.get("/page/", HTTP_USER_AGENT="Another browser", REMOTE_ADDR="10.0.0.2")
    finally:
        session_ip_changed.disconnect(ip)
        session_user_agent_changed.disconnect(agent)
    assert seen == [("ip", "10.0.0.1", "10.0.0.2"), ("agent", None, "Another browser")]
    row = SessionRecord.objects.get(pk=sid(browser))
    assert (row.ip_address, row.user_agent) == ("10.0.0.2", "Another browser")


@pytest.mark.django_db
def test_ip_storage_can_be_switched_off_and_proxies_trusted(reader: User, settings: Any) -> None:
    settings.SESSIONKIT_STORE_IP = False
    browser = signed_in("Private")
    assert SessionRecord.objects.get(pk=sid(browser)).ip_address is None
    settings.SESSIONKIT_STORE_IP = True
    settings.SESSIONKIT_IP_HEADER = "HTTP_X_FORWARDED_FOR"
    settings.SESSIONKIT_TRUSTED_PROXIES = 2  # the second appended 10.0.0.1, the first's address
    proxied = Client(HTTP_X_FORWARDED_FOR="198.51.100.9, 203.0.113.7, 10.0.0.1")
    proxied.get("/page/")
    proxied.post("/sign-in/", {"username": "reader"})
    assert SessionRecord.objects.get(pk=sid(proxied)).ip_address == "203.0.113.7"


def test_template_fields(rf: RequestFactory) -> None:
    from sessionkit.consent import TransientSession

    request = rf.get("/", HTTP_USER_AGENT="Firefox", REMOTE_ADDR="192.0.2.1")
    request.session = TransientSession()
    request.session["_auth_user_id"] = "7"
    view = SessionView(request)
    assert (view.user_agent, view.ip_address, view.user_id) == ("Firefox", "192.0.2.1", "7")
    assert view["user_id"] == "7"


def test_signed_out_everywhere_over_asgi_too(engine: Any, reader: User) -> None:
    from asgiref.sync import async_to_sync
    from django.test import AsyncClient

    first = signed_in("First")
    other = AsyncClient()
    other.cookies[COOKIE] = signed_in("Second").cookies[COOKIE].value

    async def whoami() -> Any:
        return (await other.get("/whoami/")).json()["authenticated"]

    assert async_to_sync(whoami)() is True
    assert first.post("/sessionkit/sessions/end/", {"others": "1"}).status_code == 302
    assert async_to_sync(whoami)() is False


def test_a_session_missing_from_the_inventory_is_ended_before_its_view_runs(
    engine: Any, reader: User
) -> None:
    hidden = signed_in("Hidden")
    SessionRecord.objects.filter(pk=sid(hidden)).delete()  # as if its write had failed
    visible = signed_in("Visible")
    visible.post("/sessionkit/sessions/end/", {"others": "1"})
    # Its note says the row is there, so the cutoff is checked at its next refresh.
    with freeze_time(timedelta(seconds=301), tick=True):
        assert hidden.get("/whoami/").json()["authenticated"] is False
    assert visible.get("/whoami/").json()["authenticated"] is True


@pytest.mark.parametrize("value", ["", "not-an-id", "a" * 32, "g" * 40])
def test_ending_refuses_what_is_not_a_public_id_of_yours(reader: User, value: str) -> None:
    browser = signed_in("Browser")
    assert browser.post("/sessionkit/sessions/end/", {"session_id": value}).status_code == 400
    key = browser.cookies[COOKIE].value
    refused = browser.post("/sessionkit/sessions/end/", {"session_id": key})
    assert refused.status_code == 400, "a cookie key is not a public id"
    assert browser.get("/whoami/").json()["authenticated"] is True


def test_a_session_signed_in_before_the_inventory_knew_it_is_signed_out_too(
    engine: Any, reader: User
) -> None:
    """Signed in without the middleware seeing it (force_login): its sign-in time is unknown,
    so a sign-out everywhere reaches it."""
    old = Client()
    old.force_login(reader)
    me = signed_in("Firefox")
    me.post("/sessionkit/sessions/end/", {"others": "1"})
    assert old.get("/whoami/").json()["authenticated"] is False
    assert me.get("/whoami/").json()["authenticated"] is True


def test_a_sign_in_lists_the_session_and_the_requests_after_it_cost_nothing(
    reader: User, settings: Any, django_assert_num_queries: Any
) -> None:
    """The row is written with the sign-in's own writes (here the test client's force_login,
    which knows no client address or agent: those come with the next refresh), so the
    requests after it need neither a row write nor a sign-out check of their own."""
    settings.SESSION_ENGINE = "sessionkit.backends.db"
    settings.SESSIONKIT_TRACK_EXCLUDE = [r""]  # tracking off: only the session's own read
    browser = Client(HTTP_USER_AGENT="Browser")
    browser.force_login(reader)
    assert [row.user_agent for row in inventory.sessions_for(reader)] == [""]
    for _ in range(2):
        with django_assert_num_queries(2):  # the session's read, the user's
            assert browser.get("/whoami/").json()["username"] == "reader"


def test_an_untracked_request_lists_a_session_the_inventory_missed(
    reader: User, settings: Any
) -> None:
    settings.SESSION_ENGINE = "sessionkit.backends.db"
    settings.SESSIONKIT_TRACK_EXCLUDE = [r""]
    browser = Client(HTTP_USER_AGENT="Browser")
    browser.force_login(reader)
    SessionRecord.objects.all().delete()  # as if its write had failed
    session = browser.session
    session[inventory.NOTE_KEY] = None
    session.save()
    assert browser.get("/whoami/").json()["username"] == "reader"
    assert [row.user_agent for row in inventory.sessions_for(reader)] == ["Browser"]


def test_an_unlisted_session_on_an_untracked_path_over_asgi(
    engine: Any, reader: User, settings: Any
) -> None:
    """The load's own sign-out check runs in a thread under ASGI (no sync query in the loop)."""
    from asgiref.sync import async_to_sync
    from django.test import AsyncClient

    settings.SESSIONKIT_TRACK_EXCLUDE = [r"^/whoami/"]
    first = signed_in("First")
    other = AsyncClient()
    sync_browser = Client(HTTP_USER_AGENT="Second")
    sync_browser.force_login(reader)  # no request yet: not in the inventory
    other.cookies[COOKIE] = sync_browser.cookies[COOKIE].value

    async def whoami() -> Any:
        response = await other.get("/whoami/")
        assert response.status_code == 200
        return response.json()["authenticated"]

    assert first.post("/sessionkit/sessions/end/", {"others": "1"}).status_code == 302
    assert async_to_sync(whoami)() is False
