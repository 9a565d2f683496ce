"""An attacker's scenarios, end to end: takeover and resurrection holes that must stay closed.

Each test is one scenario of the identity issue ("One identity per session and one way to end
it"), named after it, driven through the public surface: the test client, the admin, the
management command, a real Redis of the test's own paused with SIGSTOP.
"""

from __future__ import annotations

import contextvars
import random
import re
import string
import threading
import time
from datetime import timedelta
from importlib import import_module
from io import StringIO
from typing import Any

import pytest
from django.conf import settings as django_settings
from django.contrib.auth.models import Permission, User
from django.core.cache import caches
from django.core.management import call_command
from django.db import connections
from django.test import Client
from django.utils.timezone import now as django_timezone_now
from freezegun import freeze_time

from sessionkit import inventory
from sessionkit.keys import stored_key
from sessionkit.visit import FIGURES_KEY
from tests import services, views
from tests.conftest import ENGINES, engines_of, transactional
from tests.routers import SESSION_DB
from tests.servers import Server

COOKIE = django_settings.SESSION_COOKIE_NAME
KEYLIKE = re.compile(r"(?<![A-Za-z0-9_])[a-z0-9_]{8,40}(?![A-Za-z0-9_])")


@pytest.fixture
def admin_user(db: None) -> User:
    return User.objects.create_superuser("admin", "admin@example.com", "pw")


@pytest.fixture
def reader(db: None) -> User:
    return User.objects.create_user("reader", password="pw")


def signed_in(username: str, agent: str = "Browser", **extra: str) -> Client:
    """A browser that signed in through a view, as a visitor does (Django's login())."""
    browser = Client(HTTP_USER_AGENT=agent, raise_request_exception=False, **extra)
    browser.get("/page/")
    assert browser.post("/sign-in/", {"username": username}).status_code == 200
    assert browser.get("/page/").status_code == 200
    return browser


def with_cookie(value: str) -> Client:
    thief = Client(raise_request_exception=False)
    thief.cookies[COOKIE] = value
    return thief


def whoami(browser: Client) -> str:
    response = browser.get("/whoami/")
    assert response.status_code == 200
    return str(response.json()["username"])


def public_id_on_sessions_page(browser: Client) -> str:
    """The public id that the signed-in sessions page shows for this browser."""
    page = browser.get("/sessionkit/sessions/").content.decode()
    rows = re.findall(r'<tr data-session="([^"]+)">(.*?)</tr>', page, re.S)
    mine = [public for public, row in rows if "this browser" in row]
    assert len(mine) == 1, page
    return mine[0]


# --- 1. a stored key or a public id sent as the session cookie ------------------------------


@pytest.mark.parametrize(
    "hashing, fallback",
    [(True, None), (True, True), (True, False), (False, None)],
    ids=["hashed", "hashed-fallback-on", "hashed-fallback-off", "plain"],
)
def test_1_neither_a_stored_key_nor_a_public_id_works_as_a_cookie(
    engine: Any, admin_user: User, settings: Any, hashing: bool, fallback: bool | None
) -> None:
    settings.SESSIONKIT_HASH_KEYS = hashing
    if fallback is not None:
        settings.SESSIONKIT_HASH_KEYS_FALLBACK = fallback
    victim = signed_in("admin")
    assert victim.get("/admin/").status_code == 200
    cookie = victim.cookies[COOKIE].value
    stolen = {"public id": public_id_on_sessions_page(victim)}
    if hashing:
        stolen["stored key"] = stored_key(cookie)
        if engine.name in ("db", "cached_db"):
            rows = engine.store_class.get_model_class().objects
            assert rows.filter(pk=stolen["stored key"]).exists(), "a real row name"
    for what, value in stolen.items():
        assert value != cookie
        thief = with_cookie(value)
        assert thief.get("/admin/").status_code == 302, f"the {what} opened the admin"
        assert whoami(thief) == "", f"the {what} signed the thief in"
    assert victim.get("/admin/").status_code == 200, "the real cookie still works"


# --- 2. cached_db: an ended session served again from the cache -----------------------------


@pytest.mark.django_db
def test_2a_an_ending_the_cache_did_not_hear_does_not_come_back(
    own_redis: Server, admin_user: User, settings: Any
) -> None:
    settings.SESSION_ENGINE = "sessionkit.backends.cached_db"
    settings.SESSION_CACHE_ALIAS = "own_redis"
    victim = signed_in("admin")
    elsewhere = signed_in("admin", agent="Other browser")
    assert victim.get("/admin/").status_code == 200  # in the cache now
    assert elsewhere.get("/admin/").status_code == 200
    logged_out = victim.cookies[COOKIE].value
    signed_out_elsewhere = elsewhere.cookies[COOKIE].value

    own_redis.pause()
    try:
        assert victim.get("/logout/").status_code == 200
        third = signed_in("admin", agent="Third browser")
        ended = third.post("/sessionkit/sessions/end/", {"others": "1"})
        assert ended.status_code == 302
    finally:
        own_redis.resume()

    for cookie in (logged_out, signed_out_elsewhere):
        replay = with_cookie(cookie)
        assert replay.get("/admin/").status_code == 302
        count = User.objects.count()
        replay.post("/admin/auth/user/add/", {"username": "intruder", "password1": "x" * 12})
        assert User.objects.count() == count, "a POST in the admin went through"


def test_2b_a_late_cache_fill_does_not_bring_back_a_logout(
    admin_user: User, settings: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    services.need("redis")
    settings.SESSION_ENGINE = "sessionkit.backends.cached_db"
    settings.SESSION_CACHE_ALIAS = "redis"
    from sessionkit.backends.cached_db import SessionStore
    from sessionkit.backends.db import SessionStore as DatabaseStore

    victim = signed_in("admin")
    cookie = victim.cookies[COOKIE].value
    caches["redis"].clear()  # request A will miss the cache
    original = DatabaseStore._read

    def read_then_a_logout_lands(self: Any, key: Any) -> Any:
        monkeypatch.setattr(DatabaseStore, "_read", original)
        record = original(self, key)  # A has read the row ...
        SessionStore(cookie).flush()  # ... a logout deletes it and the cache entry ...
        return record  # ... and A goes on to fill the cache with the old row

    monkeypatch.setattr(DatabaseStore, "_read", read_then_a_logout_lands)
    victim.get("/whoami/")
    assert whoami(with_cookie(cookie)) == ""


# --- 3. a NUL byte in the user agent, and inventory writes that fail ------------------------


def test_3_a_nul_in_the_user_agent_does_not_hide_the_session(engine: Any, reader: User) -> None:
    hidden = signed_in("reader", agent="Evil\x00Browser\x07")
    me = signed_in("reader", agent="Firefox")
    agents = sorted(row.user_agent for row in inventory.sessions_for(reader))
    assert agents == ["EvilBrowser", "Firefox"]
    assert me.post("/sessionkit/sessions/end/", {"others": "1"}).status_code == 302
    assert whoami(hidden) == ""
    assert whoami(me) == "reader"


@pytest.mark.django_db(databases=["default", "postgres"])
def test_3_a_failing_inventory_write_neither_500s_nor_hides_the_session(
    reader: User, settings: Any
) -> None:
    services.need("postgres")
    settings.SESSION_ENGINE = "sessionkit.backends.db"
    token = SESSION_DB.set("postgres")
    try:
        failing_inventory_writes(reader)
    finally:
        SESSION_DB.reset(token)


def failing_inventory_writes(reader: User) -> None:
    with connections["postgres"].cursor() as cursor:
        cursor.execute(
            "CREATE FUNCTION refuse() RETURNS trigger AS $$ BEGIN "
            "IF NEW.user_agent = 'Broken' THEN RAISE EXCEPTION 'refused'; END IF; "
            "RETURN NEW; END $$ LANGUAGE plpgsql"
        )
        cursor.execute(
            "CREATE TRIGGER refuse BEFORE INSERT OR UPDATE ON sessionkit_sessionrecord "
            "FOR EACH ROW EXECUTE FUNCTION refuse()"
        )
    broken = signed_in("reader", agent="Broken")  # every inventory write of it fails
    assert whoami(broken) == "reader"
    me = signed_in("reader", agent="Firefox")
    assert me.post("/sessionkit/sessions/end/", {"others": "1"}).status_code == 302
    assert whoami(broken) == "", "a session missing from the inventory is signed out too"
    assert whoami(me) == "reader"


# --- 4. forwarded client addresses ----------------------------------------------------------


@pytest.mark.parametrize(
    "forwarded, stored",
    [
        ("unknown", None),
        ("203.0.113.9:51234", "203.0.113.9"),
        ("[2001:db8::1]:443", "2001:db8::1"),
        ("not an address", None),
        ("", None),
        ("6.6.6.6, 198.51.100.23", "198.51.100.23"),
    ],
)
def test_4_forwarded_addresses_never_give_a_500_and_only_trusted_hops_count(
    reader: User, settings: Any, forwarded: str, stored: str | None
) -> None:
    settings.SESSIONKIT_IP_HEADER = "HTTP_X_FORWARDED_FOR"
    settings.SESSIONKIT_TRUSTED_PROXIES = 1
    browser = signed_in("reader", HTTP_X_FORWARDED_FOR=forwarded)
    for _ in range(3):
        assert browser.get("/page/").status_code == 200
    assert browser.get("/sessionkit/sessions/").status_code == 200
    assert [row.ip_address for row in inventory.sessions_for(reader)] == [stored]


# --- 5. the admin shows no credential ------------------------------------------------------


@pytest.mark.parametrize("hashing", [False, True], ids=["plain", "hashed"])
def test_5_a_view_only_staff_member_finds_no_credential_in_the_admin(
    admin_user: User, settings: Any, hashing: bool
) -> None:
    settings.SESSION_ENGINE = "sessionkit.backends.db"
    settings.SESSIONKIT_HASH_KEYS = hashing
    victim = signed_in("admin")
    cookie = victim.cookies[COOKIE].value
    viewer = User.objects.create_user("viewer", password="pw", is_staff=True)
    viewer.user_permissions.add(
        Permission.objects.get(codename="view_session", content_type__app_label="sessionkit")
    )
    staff = signed_in("viewer")
    changelist = staff.get("/admin/sessionkit/session/")
    assert changelist.status_code == 200
    pages = [changelist.content.decode()]
    links = set(re.findall(r'href="(/admin/sessionkit/session/[^"/]+/change/[^"]*)"', pages[0]))
    assert links, "the changelist links to each session"
    for link in links:
        page = staff.get(link)
        assert page.status_code == 200
        pages.append(page.content.decode())
    html = "\n".join(pages)
    assert cookie not in html
    assert stored_key(cookie) not in html
    public = public_id_on_sessions_page(victim)
    assert f">{public[:8]}…<" in html, "sessions are shown by a short prefix of their public id"
    for token in set(KEYLIKE.findall(html)):
        if re.search(r"\d", token) and re.search(r"[a-z]", token):
            assert whoami(with_cookie(token)) != "admin", f"{token} from the admin is a key"


# --- 6. the admin's "end" action ------------------------------------------------------------


@pytest.mark.parametrize(
    "hashing, fallback",
    [(False, False), (True, True), (True, False)],
    ids=["plain", "hashed-fallback-on", "hashed-fallback-off"],
)
def test_6_the_admin_action_ends_the_session_and_its_inventory_row(
    admin_user: User, reader: User, settings: Any, hashing: bool, fallback: bool
) -> None:
    settings.SESSION_ENGINE = "sessionkit.backends.db"
    settings.SESSIONKIT_HASH_KEYS = hashing
    settings.SESSIONKIT_HASH_KEYS_FALLBACK = fallback
    target = signed_in("reader")
    names = {stored_key(target.cookies[COOKIE].value), public_id_on_sessions_page(target)}
    staff = signed_in("admin")
    changelist = staff.get("/admin/sessionkit/session/").content.decode()
    values = re.findall(r'name="_selected_action" value="([^"]+)"', changelist)
    chosen = [value for value in values if value in names]
    assert len(chosen) == 1, (values, names)
    response = staff.post(
        "/admin/sessionkit/session/",
        {"action": "end_sessions", "_selected_action": chosen},
        follow=True,
    )
    assert "Ended 1 session." in response.content.decode()
    assert whoami(target) == ""
    assert inventory.sessions_for(reader) == []
    assert whoami(staff) == "admin"


# --- 7. cleanup and the inventory ------------------------------------------------------------


def test_7_cleanup_deletes_the_inventory_rows_of_expired_sessions(
    engine: Any, reader: User, settings: Any
) -> None:
    settings.SESSION_COOKIE_AGE = 600
    signed_in("reader")
    assert len(inventory.sessions_for(reader)) == 1
    from sessionkit.models import SessionRecord

    with freeze_time(timedelta(days=1), tick=True):
        out = StringIO()
        call_command("cleanup", stdout=out)
    assert SessionRecord.objects.count() == 0
    assert "1 inventory row" in out.getvalue()


# --- 8. a request in flight during "sign out everywhere" -------------------------------------


@pytest.mark.parametrize("engine", [transactional(p) for p in ENGINES], indirect=True)
def test_8_a_request_in_flight_leaves_no_ghost_in_the_inventory(
    engine: Any, settings: Any
) -> None:
    settings.SESSIONKIT_INVENTORY_INTERVAL = 0  # every request refreshes its row
    reader = User.objects.create_user("reader", password="pw")
    in_flight = signed_in("reader", agent="In flight")
    me = signed_in("reader", agent="Firefox")
    loaded, release = threading.Event(), threading.Event()
    views.HOLD[:] = [(loaded, release)]
    statuses: list[int] = []

    def request() -> None:
        try:
            statuses.append(in_flight.get("/hold/").status_code)
        finally:
            connections.close_all()

    thread = threading.Thread(target=contextvars.copy_context().run, args=(request,))
    try:
        thread.start()
        assert loaded.wait(timeout=30)
        assert me.post("/sessionkit/sessions/end/", {"others": "1"}).status_code == 302
        release.set()
        thread.join(timeout=60)
    finally:
        views.HOLD.clear()
        release.set()
    assert statuses and statuses[0] < 500
    assert [row.user_agent for row in inventory.sessions_for(reader)] == ["Firefox"]
    assert whoami(in_flight) == ""


# --- 9. session.id -----------------------------------------------------------------------------


def test_9_session_id_is_not_the_cookie(engine: Any, settings: Any) -> None:
    browser = Client()
    first = browser.get("/page/").json()["id"]
    second = browser.get("/page/").json()["id"]
    cookie = browser.cookies[COOKIE].value
    assert first == second, "a stable identifier"
    assert first not in (cookie, stored_key(cookie))
    settings.SESSIONKIT_HASH_KEYS = True
    assert browser.get("/page/").json()["id"] not in (cookie, stored_key(cookie))


# --- 10. the size of what tracking stores -----------------------------------------------------


def _noise(rng: random.Random, length: int) -> str:
    return "".join(rng.choices(string.ascii_letters + string.digits, k=length))


@pytest.mark.django_db
def test_10_tracking_alone_stays_within_16_kib_for_any_input(settings: Any) -> None:
    settings.SESSION_ENGINE = "sessionkit.backends.db"
    from sessionkit.backends.db import SessionStore

    rng = random.Random(10)
    browser = Client(raise_request_exception=False)
    for n in range(1_200):
        path = f"/page/{_noise(rng, 300)}" if n % 10 else f"/missing/{_noise(rng, 300)}"
        assert browser.get(path, {"q": _noise(rng, 2_000)}).status_code < 500
    store = SessionStore(browser.cookies[COOKIE].value)
    figures_alone = store.encode({FIGURES_KEY: store[FIGURES_KEY]})
    print(f"\n  tracking alone after 1,200 hostile requests: {len(figures_alone):,} bytes")
    assert len(figures_alone) <= 16 * 1024


@pytest.mark.django_db
def test_10_a_session_too_large_because_of_tracking_never_answers_500(settings: Any) -> None:
    settings.SESSION_ENGINE = "sessionkit.backends.db"
    settings.SESSIONKIT_MAX_SIZE = 4 * 1024
    rng = random.Random(11)
    browser = Client(raise_request_exception=False)
    browser.get("/set/", {"reading_list": "Emma"})
    for n in range(200):
        response = browser.get(f"/page/{_noise(rng, 150)}", {"q": _noise(rng, 150)})
        assert response.status_code == 200, n
    shown = browser.get("/page/").json()
    assert shown["num_requests"] == 202
    assert browser.get("/").json()["data"] == {"reading_list": "Emma"}


# --- 11. adopting Django's sessions: no way back in after a logout, no 500 ------------------


def _django_store(engine: Any) -> Any:
    from tests.test_adoption import DJANGO_ENGINE

    return import_module(DJANGO_ENGINE[engine.name]).SessionStore


@pytest.fixture
def adoption_lookups() -> Any:
    from tests.test_adoption import fresh_lookups

    yield from fresh_lookups()


def test_11_a_failure_after_taking_djangos_copy_signs_the_visitor_out(
    engine: Any, admin_user: User, adoption_lookups: None, monkeypatch: Any
) -> None:
    """Django's copy is taken before sessionkit's is written: a failure (or a crash) between
    the two leaves no copy anywhere, never two (a later logout would miss one)."""
    from tests.test_adoption import signed_in_by_django

    old = signed_in_by_django(engine, admin_user)
    write = engine.store_class._write

    def failing_create(self: Any, key: Any, record: Any, *, create: bool, **kw: Any) -> bool:
        if create:
            raise OSError("the store failed right after the take")
        return bool(write(self, key, record, create=create, **kw))

    monkeypatch.setattr(engine.store_class, "_write", failing_create)
    assert whoami(with_cookie(old.session_key)) == ""
    monkeypatch.undo()
    assert whoami(with_cookie(old.session_key)) == "", "nothing left to adopt"


def test_11_sign_out_everywhere_reaches_an_adopted_session_on_an_untracked_path(
    engine: Any, admin_user: User, settings: Any, adoption_lookups: None
) -> None:
    """An adopted session has no inventory row until a tracked request writes it; a request
    the middleware does not track checks the sign-out cutoff on load instead."""
    from tests.test_adoption import signed_in_by_django

    settings.SESSIONKIT_TRACK_EXCLUDE = [r"^/whoami/"]
    old = signed_in_by_django(engine, admin_user)
    me = signed_in("admin")
    assert whoami(with_cookie(old.session_key)) == "admin"  # adopted, on an untracked path
    assert me.post("/sessionkit/sessions/end/", {"others": "1"}).status_code == 302
    assert whoami(with_cookie(old.session_key)) == ""
    assert whoami(me) == "admin"


@pytest.mark.django_db
def test_11_adoption_with_use_tz_off(settings: Any, adoption_lookups: None) -> None:
    from django.contrib.sessions.backends.db import SessionStore as DjangoDB

    settings.USE_TZ = False
    settings.SESSION_ENGINE = "sessionkit.backends.db"
    old = DjangoDB()
    old["a"] = 1
    old.save()
    assert import_module(settings.SESSION_ENGINE).SessionStore(old.session_key).load() == {"a": 1}


@pytest.mark.parametrize("engine", engines_of("db", "cached_db"), indirect=True)
@pytest.mark.parametrize("payload", ["garbage", "", "x:y:z", "e30:1abc:badsig", "\xff"])
def test_11_corrupt_django_rows_give_a_new_session_not_a_500(
    engine: Any, payload: str, adoption_lookups: None
) -> None:
    from django.db import router
    from django.utils import timezone

    alias = router.db_for_write(engine.store_class.get_model_class())
    with connections[alias].cursor() as cursor:
        cursor.execute(
            "INSERT INTO django_session (session_key, session_data, expire_date) "
            "VALUES (%s, %s, %s)",
            ["a" * 32, payload, timezone.now() + timedelta(days=1)],
        )
    assert with_cookie("a" * 32).get("/page/").status_code == 200


@pytest.mark.parametrize("engine", engines_of("cache", "redis"), indirect=True)
def test_11_odd_django_cache_entries_give_a_new_session_not_a_500(
    engine: Any, adoption_lookups: None
) -> None:
    cache = caches[django_settings.SESSION_CACHE_ALIAS]
    entries: list[Any] = [
        ["x"],
        "str",
        {"_session_expiry": "nonsense"},
        {"_session_expiry": 10**12},
        {"k": {1, 2}},
        {"_auth_user_id": "999999"},
        {1: 2},
    ]
    for n, entry in enumerate(entries):
        key = f"{n}" * 32
        cache.set("django.contrib.sessions.cache" + key, entry)
        assert with_cookie(key).get("/page/").status_code == 200, entry
        assert with_cookie(key).get("/whoami/").status_code == 200, entry


@pytest.mark.django_db(transaction=True)
def test_11_a_rolled_back_adoption_leaves_no_cache_copy(
    settings: Any, adoption_lookups: None
) -> None:
    """cached_db under ATOMIC_REQUESTS, the session first loaded by a view that fails: the
    adoption rolls back with the view, and the cache holds no copy of a row that is not
    there (which would answer 400 until it expired)."""
    from types import SimpleNamespace

    from tests.test_adoption import signed_in_by_django

    settings.SESSION_ENGINE = "sessionkit.backends.cached_db"
    settings.SESSION_CACHE_ALIAS = "locmem"
    settings.SESSIONKIT_TRACK_EXCLUDE = [r"^/boom/"]
    admin = User.objects.create_superuser("admin", "admin@example.com", "pw")
    old = signed_in_by_django(SimpleNamespace(name="cached_db"), admin)
    connections["default"].settings_dict["ATOMIC_REQUESTS"] = True
    try:
        assert with_cookie(old.session_key).get("/boom/").status_code == 500
        for _ in range(2):
            assert whoami(with_cookie(old.session_key)) == "admin"
        browser = with_cookie(old.session_key)
        browser.get("/logout/")
        assert whoami(with_cookie(old.session_key)) == ""
    finally:
        connections["default"].settings_dict["ATOMIC_REQUESTS"] = False


# --- 12. the sign-in's own inventory write, untracked paths, deferred cache copies -----------


def untracked_whoami(browser: Client) -> str:
    response = browser.get("/media/whoami/")
    assert response.status_code == 200
    return str(response.json()["username"])


def test_12_remember_me_keeps_its_row_and_is_signed_out_everywhere(
    engine: Any, reader: User, settings: Any
) -> None:
    """A set_expiry() after login() ("keep me signed in"): the row follows the longer expiry,
    so cleanup keeps it, the sessions page lists it, and sign out everywhere ends it, on an
    untracked path too."""
    from sessionkit.models import SessionRecord

    settings.SESSION_COOKIE_AGE = 3600
    settings.MEDIA_URL = "/media/"
    thief = Client(HTTP_USER_AGENT="Thief", raise_request_exception=False)
    thief.get("/page/")
    assert thief.post("/sign-in/remembered/", {"username": "reader"}).status_code == 200
    row = SessionRecord.objects.get(user_agent="Thief")
    assert row.expire_date > django_timezone_now() + timedelta(days=29)
    with freeze_time(timedelta(hours=2), tick=True):
        assert inventory.delete_expired_rows() == 0
        me = signed_in("reader", agent="Victim")
        assert "Thief" in me.get("/sessionkit/sessions/").content.decode()
        assert me.post("/sessionkit/sessions/end/", {"others": "1"}).status_code == 302
        assert untracked_whoami(thief) == ""


def test_12_a_sign_in_whose_view_fails_leaves_no_row(
    engine: Any, reader: User, settings: Any
) -> None:
    from sessionkit.models import SessionRecord

    browser = Client(HTTP_USER_AGENT="Ghost", raise_request_exception=False)
    browser.get("/page/")
    assert browser.post("/sign-in/fail/", {"username": "reader"}).status_code == 500
    assert whoami(browser) == ""
    assert not SessionRecord.objects.filter(user_id=str(reader.pk)).exists()


@pytest.mark.parametrize("atomic", [False, True], ids=["", "in-a-transaction"])
@pytest.mark.parametrize("how", ["large", "circular"])
def test_12_a_sign_in_whose_session_cannot_be_saved_leaves_no_row(
    engine: Any,
    reader: User,
    settings: Any,
    how: str,
    atomic: bool,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The view succeeds but its session cannot be saved (too large even without tracking
    history, or a value JSON cannot hold): a 500, and the sign-in's inventory row goes with
    the sign-in (a row on the user's sessions page naming no session). With
    ``ATOMIC_REQUESTS`` the row is written by the middleware after the view (the view's
    transaction could roll it back); a save that then fails takes it too."""
    from django.db import connections

    from sessionkit.models import SessionRecord

    if atomic:
        monkeypatch.setitem(connections["default"].settings_dict, "ATOMIC_REQUESTS", True)
    settings.SESSIONKIT_MAX_SIZE = 16 * 1024
    browser = Client(HTTP_USER_AGENT="Ghost", raise_request_exception=False)
    browser.get("/page/")
    assert browser.post(f"/sign-in/unsaveable/{how}/", {"username": "reader"}).status_code == 500
    assert whoami(browser) == ""
    assert not SessionRecord.objects.filter(user_id=str(reader.pk)).exists()


@pytest.mark.parametrize("then", ["unsaveable", "view fails"])
def test_12_signing_in_again_keeps_the_row_of_the_session_that_stays_signed_in(
    engine: Any, reader: User, settings: Any, then: str
) -> None:
    """Signed in, the same user signs in again (Django keeps the key) and the request then
    fails — its session cannot be saved, or its view raises. The stored session is still
    signed in under its key: its row stays, so the sessions page lists it and signing out
    everywhere ends it."""
    from sessionkit.models import SessionRecord

    settings.SESSIONKIT_MAX_SIZE = 16 * 1024
    victim = signed_in("reader", agent="Victim")
    path = "/sign-in/unsaveable/circular/" if then == "unsaveable" else "/sign-in/fail/"
    assert victim.post(path, {"username": "reader"}).status_code == 500
    assert whoami(victim) == "reader"
    assert SessionRecord.objects.filter(user_agent="Victim").exists()
    other = signed_in("reader", agent="Other")
    assert other.post("/sessionkit/sessions/end/", {"others": "1"}).status_code == 302
    assert whoami(victim) == ""


def test_12_an_untracked_load_with_the_inventory_down_serves_the_page(
    engine: Any, reader: User, settings: Any, monkeypatch: Any
) -> None:
    from django.db import OperationalError

    settings.MEDIA_URL = "/media/"

    def down(*args: Any, **kwargs: Any) -> Any:
        raise OperationalError("the inventory's database is down")

    browser = Client(HTTP_USER_AGENT="Browser", raise_request_exception=False)
    browser.get("/page/")
    monkeypatch.setattr(inventory, "_upsert", down)
    monkeypatch.setattr(inventory, "signed_out", down)
    assert browser.post("/sign-in/", {"username": "reader"}).status_code == 200
    assert untracked_whoami(browser) == "reader"


def test_12_a_client_without_an_agent_still_updates_its_row(
    engine: Any, reader: User, settings: Any
) -> None:
    """Only a sign-in outside any request (force_login) waits for the refresh to fill in the
    client; a real client that sent no User-Agent gets its row updated when it changes."""
    from sessionkit.models import SessionRecord

    settings.SESSIONKIT_STORE_IP = False
    browser = Client(raise_request_exception=False)
    browser.get("/page/")
    browser.post("/sign-in/", {"username": "reader"})
    browser.defaults["HTTP_USER_AGENT"] = "Other/1.0"
    browser.get("/page/")
    assert SessionRecord.objects.get(user_id=str(reader.pk)).user_agent == "Other/1.0"


@pytest.mark.django_db(databases=["default", "postgres"], transaction=True)
def test_12_a_copy_made_inside_a_long_transaction_does_not_outlive_a_logout(
    settings: Any,
) -> None:
    """cached_db inside a transaction: no fill at all, and a put deferred to the commit is
    dropped past SESSIONKIT_CACHED_DB_MAX_AGE (a tombstone written meanwhile may be gone)."""
    from django.db import transaction

    services.need("postgres", "redis")
    settings.SESSION_ENGINE = "sessionkit.backends.cached_db"
    settings.SESSION_CACHE_ALIAS = "redis"
    settings.SESSIONKIT_CACHED_DB_MAX_AGE = 1
    token = SESSION_DB.set("postgres")
    try:
        from sessionkit.backends.cached_db import SessionStore

        store = SessionStore()
        store["_auth_user_id"] = "1"
        store.create()
        key = store.session_key
        caches["redis"].clear()  # its cache copy gone: the next read goes to the database
        with transaction.atomic(using="postgres"):  # a slow view under ATOMIC_REQUESTS
            assert SessionStore(key).load() == {"_auth_user_id": "1"}
            context = contextvars.copy_context()
            logout = threading.Thread(
                target=context.run, args=(lambda: SessionStore(key).delete(),)
            )
            logout.start()
            logout.join()
            time.sleep(1.5)  # the tombstone (1 s) is gone by the commit
        assert SessionStore(key).load() == {}, "the logout stays a logout"
    finally:
        SESSION_DB.reset(token)


def test_13_a_shared_page_cache_never_hands_one_visitors_key_to_another(
    engine: Any, settings: Any, reader: User
) -> None:
    """Django's per-site cache in front of a tracked page that does not use the session
    (CVE-2026-35192's scenario): the page's response sets the signed-in reader's session
    cookie. Without ``Vary: Cookie`` the cache keeps that response under the URL alone and
    hands it to the next visitor, whose own request only adds a marker: the reader's key
    reaches them, and with it the reader's account. Varied on Cookie, it is never shared."""
    settings.CACHES = {
        **settings.CACHES,
        "pages": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "13"},
    }
    settings.CACHE_MIDDLEWARE_ALIAS = "pages"
    settings.MIDDLEWARE = [
        "django.middleware.cache.UpdateCacheMiddleware",
        *settings.MIDDLEWARE,
        "django.middleware.cache.FetchFromCacheMiddleware",
    ]
    caches["pages"].clear()
    victim = Client()
    victim.get("/whoami/")
    victim.post("/sign-in/", {"username": reader.username})
    key = victim.cookies[COOKIE].value
    assert victim.get("/plain/").cookies[COOKIE].value == key  # the page, first asked for

    attacker = Client()
    response = attacker.get("/plain/")
    assert all(morsel.value != key for morsel in response.cookies.values())
    assert not attacker.get("/whoami/").json()["authenticated"]
