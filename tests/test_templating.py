"""The `session` object as template authors use it, in Django templates and Jinja2."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client, RequestFactory

from sessionkit.templating import SessionView

FIRST = "This is your first pageload this session!"
HELP = "Need help finding what you're looking for?"
TROUBLE = "We appear to be having trouble…"


@pytest.mark.parametrize("engine_name", ["django", "jinja2"])
def test_recipes(engine: Any, browser: Client, engine_name: str) -> None:
    url = f"/{engine_name}/"
    first = browser.get(url).content.decode()
    assert FIRST in first
    second = browser.get(url).content.decode()
    assert FIRST not in second
    for n in range(9):
        browser.get(f"/page/{n}")
    assert HELP not in browser.get(url).content.decode()  # 10 distinct pages, this one included
    browser.get("/page/9")
    assert HELP in browser.get(url).content.decode()  # 11
    for _ in range(3):
        browser.get("/missing/")
    assert TROUBLE not in browser.get(url).content.decode()
    browser.get("/boom/")
    assert TROUBLE in browser.get(url).content.decode()


def test_custom_properties_django(engine: Any, browser: Client) -> None:
    browser.get("/set/", {"custom_property_name": "Milo", "colour": "blue"})
    page = browser.get("/django/").content.decode()
    assert "Custom: Milo" in page
    assert "[custom_property_name][colour]" in page
    assert "custom_property_name = Milo;colour = blue;" in page
    assert "_sessionkit" not in page


def test_custom_properties_jinja2(engine: Any, browser: Client) -> None:
    browser.get("/set/", {"custom_property_name": "Milo", "colour": "blue"})
    page = browser.get("/jinja2/").content.decode()
    assert "Custom: Milo" in page
    assert "custom_property_name = Milo;colour = blue;" in page
    assert "_sessionkit" not in page


def test_flash_in_templates(engine: Any, browser: Client) -> None:
    browser.get("/flash/", {"note": "Added to your reading list"})
    assert "Flash: Added to your reading list" in browser.get("/django/").content.decode()
    assert "Flash:" not in browser.get("/jinja2/").content.decode()
    browser.get("/flash/", {"note": "Removed"})
    assert "Flash: Removed" in browser.get("/jinja2/").content.decode()


def test_object_is_read_only_and_fields_win(rf: RequestFactory) -> None:
    from sessionkit.consent import TransientSession

    request = rf.get("/")
    request.session = TransientSession()
    request.session["history"] = "mine"
    request.session["_hidden"] = 1
    view = SessionView(request)
    assert view["history"] == []
    assert view.properties == ["history"]
    assert "_hidden" not in view
    with pytest.raises(KeyError):
        view["_hidden"]
    with pytest.raises(AttributeError):
        view.nothing_here  # noqa: B018
    with pytest.raises(AttributeError):
        view.num_pages = 3  # type: ignore[misc]


def test_without_the_middleware(rf: RequestFactory) -> None:
    from sessionkit.consent import TransientSession

    request = rf.get("/")
    request.session = TransientSession()
    view = SessionView(request)
    assert view.is_valid is False
    assert view.first_page is True
    assert view.num_requests == 0


def test_a_request_the_session_middleware_never_saw_shows_an_empty_session(
    rf: RequestFactory,
) -> None:
    """A page rendered above the session middleware (a maintenance page, a 404 raised
    earlier) or for a request built by hand: an empty session, not an error."""
    from django.template import engines

    template = engines["django"].from_string(
        "{{ session.num_requests }}|{{ session.first_page }}|{{ session.id }}|"
        "{{ session.tracker }}"
    )
    assert template.render({}, rf.get("/")) == "0|True|None|[]"


def test_a_field_that_fails_raises_its_error_once(rf: RequestFactory) -> None:
    """A field whose reading fails raises AttributeError, not a recursion through the
    custom-property lookup."""
    from sessionkit.consent import TransientSession

    class Broken(TransientSession):
        def get_expiry_date(self, **kwargs: Any) -> Any:
            raise AttributeError("no expiry here")

    request = rf.get("/")
    request.session = Broken()
    with pytest.raises(AttributeError):
        SessionView(request).end_date  # noqa: B018
