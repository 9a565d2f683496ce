"""Sessions in the admin: changelist, detail, search, filter and the "end" action."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth.models import User
from django.test import Client

from sessionkit.backends.db import SessionStore
from sessionkit.models import Session

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff(client: Client) -> Client:
    user = User.objects.create_superuser("admin", "admin@example.com", "pw")
    client.force_login(user)
    return client


@pytest.fixture
def visited(settings: Any) -> str:
    """A session with tracking figures, made through the middleware."""
    settings.SESSION_ENGINE = "sessionkit.backends.db"
    visitor = Client()
    for path in ["/page/a", "/page/b", "/missing/", "/set/?reading_list=Emma"]:
        visitor.get(path)
    return str(visitor.cookies["sessionid"].value)


def test_changelist_and_detail(staff: Client, visited: str) -> None:
    response = staff.get("/admin/sessionkit/session/")
    assert response.status_code == 200
    page = response.content.decode()
    assert f"{visited[:8]}…" in page
    assert '<td class="field-requests">4</td>' in page
    assert '<td class="field-errors">1</td>' in page
    response = staff.get(f"/admin/sessionkit/session/{visited}/change/")
    assert response.status_code == 200
    detail = response.content.decode()
    assert "Emma" in detail
    assert "reading_list" in detail
    assert 'name="_save"' not in detail  # read-only


def test_search_and_filter(staff: Client, visited: str) -> None:
    found = staff.get("/admin/sessionkit/session/", {"q": visited[:10]}).content.decode()
    assert f"{visited[:8]}…" in found
    assert "0 sessions" in staff.get("/admin/sessionkit/session/", {"q": "zzzz"}).content.decode()
    active = staff.get("/admin/sessionkit/session/", {"state": "active"}).content.decode()
    assert f"{visited[:8]}…" in active
    expired = staff.get("/admin/sessionkit/session/", {"state": "expired"}).content.decode()
    assert f"{visited[:8]}…" not in expired


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
    assert not Session.objects.filter(pk=visited).exists()
    assert Session.objects.filter(pk=other.session_key).exists()


def test_no_add(staff: Client) -> None:
    assert staff.get("/admin/sessionkit/session/add/").status_code == 403
