"""sessionkit.context_processors: ``session`` in every template, read only when shown."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from sessionkit.templating import SessionView

pytestmark = pytest.mark.django_db


def test_a_template_that_does_not_show_the_session_leaves_it_alone(settings: Any) -> None:
    """On a page excluded from tracking, a template rendered with the context processor but
    without a ``session`` field gets no cookie and no Vary (a shared cache may keep it); one
    that shows a field varies on Cookie."""
    settings.SESSIONKIT_TRACK_EXCLUDE = [r"^/inline/"]
    browser = Client()
    browser.get("/page/")
    browser.get("/page/")
    response = browser.get("/inline/nothing/")
    assert response.content == b"the same for everyone"
    assert not response.cookies
    assert "Vary" not in response
    response = browser.get("/inline/count/")
    assert response.content == b"2 requests"
    assert "Cookie" in response["Vary"]


def test_the_object_in_the_context(rf: Any) -> None:
    from sessionkit.consent import TransientSession
    from sessionkit.context_processors import session

    request = rf.get("/")
    request.session = TransientSession()
    shown = session(request)["session"]
    assert isinstance(shown, SessionView)
    assert not request.session.accessed  # nothing read yet
    assert shown.num_requests == 0
    assert request.session.accessed
    assert repr(shown) == "<SessionView id=None requests=0>"


def test_printed_whole(settings: Any) -> None:
    browser = Client()
    browser.get("/page/")
    assert browser.get("/inline/repr/").content.startswith(b"&lt;SessionView id=")
