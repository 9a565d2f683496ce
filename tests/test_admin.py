"""Sessions in the admin: changelist, detail, search, filter and the "end" action.

Sessions are named by their public id everywhere in the admin (never by their key); the
attacker's side of that is in tests/test_attacks.py (scenarios 5 and 6).
"""

from __future__ import annotations

import subprocess
import sys
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.test import Client

from sessionkit.backends.db import SessionStore
from sessionkit.models import Session
from tests.conftest import public_id_of

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff(client: Client) -> Client:
    user = User.objects.create_superuser("admin", "admin@example.com", "pw")
    client.force_login(user)
    return client


@pytest.fixture
def visited(settings: Any) -> str:
    """The public id of a session with tracking figures, made through the middleware."""
    settings.SESSION_ENGINE = "sessionkit.backends.db"
    visitor = Client()
    for path in ["/page/a", "/page/b", "/missing/", "/set/?reading_list=Emma"]:
        visitor.get(path)
    return public_id_of(visitor.cookies["sessionid"].value)


def test_changelist_and_detail(staff: Client, visited: str) -> None:
    response = staff.get("/admin/sessionkit/session/")
    assert response.status_code == 200
    page = response.content.decode()
    assert f">{visited[:8]}…<" in page
    assert f"/admin/sessionkit/session/{visited}/change/" in page
    assert '<td class="field-requests">4</td>' in page
    assert '<td class="field-errors">1</td>' in page
    response = staff.get(f"/admin/sessionkit/session/{visited}/change/")
    assert response.status_code == 200
    detail = response.content.decode()
    assert "Emma" in detail
    assert "reading_list" in detail
    assert 'name="_save"' not in detail  # read-only
    assert "/history/" not in detail


def test_a_session_is_found_by_its_public_id_only(staff: Client, visited: str) -> None:
    row = Session.objects.get(public_id=visited)
    by_key = staff.get(f"/admin/sessionkit/session/{row.session_key}/change/", follow=True)
    assert by_key.redirect_chain, "a key names no session here"
    assert "doesn’t exist" in by_key.content.decode()
    assert "reading_list" not in by_key.content.decode()


def test_search_and_filter(staff: Client, visited: str) -> None:
    found = staff.get("/admin/sessionkit/session/", {"q": visited[:10]}).content.decode()
    assert f">{visited[:8]}…<" in found
    assert "0 sessions" in staff.get("/admin/sessionkit/session/", {"q": "zzzz"}).content.decode()
    key = Session.objects.get(public_id=visited).session_key
    by_key = staff.get("/admin/sessionkit/session/", {"q": key[:10]}).content.decode()
    assert f">{visited[:8]}…<" not in by_key, "no search by key prefix: it would leak keys"
    active = staff.get("/admin/sessionkit/session/", {"state": "active"}).content.decode()
    assert f">{visited[:8]}…<" in active
    expired = staff.get("/admin/sessionkit/session/", {"state": "expired"}).content.decode()
    assert f">{visited[:8]}…<" not in expired


def test_end_sessions_action(staff: Client, visited: str) -> None:
    other = SessionStore()
    other["a"] = 1
    other.save()
    response = staff.post(
        "/admin/sessionkit/session/",
        {"action": "end_sessions", "_selected_action": [visited]},
        follow=True,
    )
    assert response.status_code == 200
    assert "Ended 1 session." in response.content.decode()
    assert not Session.objects.filter(public_id=visited).exists()
    assert Session.objects.filter(pk=other.session_key).exists()


def test_no_add_and_no_bare_delete(staff: Client, visited: str) -> None:
    assert staff.get("/admin/sessionkit/session/add/").status_code == 403
    assert staff.get(f"/admin/sessionkit/session/{visited}/delete/").status_code == 403
    page = staff.get("/admin/sessionkit/session/").content.decode()
    assert "delete_selected" not in page, "rows are ended through the engine, not deleted"


def test_the_admin_can_be_left_out() -> None:
    """With SESSIONKIT_ADMIN = False, sessions are not registered (decided at start-up)."""
    code = (
        "import django; from django.conf import settings; "
        "settings.SESSIONKIT_ADMIN = False; django.setup(); "
        "from django.contrib import admin; from sessionkit.models import Session; "
        "admin.autodiscover(); print(admin.site.is_registered(Session))"
    )
    env = {"DJANGO_SETTINGS_MODULE": "tests.settings"}
    shown = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True
    )
    assert shown.stdout.strip() == "False"


def test_the_query_string_cannot_print_or_find_a_key(staff: Client, visited: str) -> None:
    """A popup prints each row's primary key, ``_to_field`` names rows by any field, and a
    field lookup in the query string is an oracle: none of them reaches a key."""
    key = Session.objects.get(public_id=visited).session_key
    popup = staff.get("/admin/sessionkit/session/", {"_popup": "1"})
    assert popup.status_code == 200
    assert key not in popup.content.decode()
    to_field = staff.get("/admin/sessionkit/session/", {"_popup": "1", "_to_field": "session_key"})
    assert to_field.status_code == 400
    assert key not in to_field.content.decode()
    for lookup in ["session_key__startswith", "session_data__contains", "public_id"]:
        oracle = staff.get("/admin/sessionkit/session/", {lookup: key[:1]})
        assert oracle.status_code == 400, lookup
    by_year = staff.get("/admin/sessionkit/session/", {"expire_date__year": "2099"})
    assert by_year.status_code == 200, "the date hierarchy still works"
