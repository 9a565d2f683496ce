"""Every page of the demo, and its session flows, through the test client."""

from __future__ import annotations

import re
from io import StringIO
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.contrib.staticfiles import finders
from django.core.management import call_command
from django.test import Client

from demo_site.catalog.models import Author, Book
from sessionkit.models import Session

BANNER = "May we remember your visit?"


def text(response: Any) -> str:
    assert response.status_code == 200, response.status_code
    return str(response.content.decode())


def test_every_page_renders(visitor: Client) -> None:
    book = Book.objects.get(title="Emma")
    author = Author.objects.get(last_name="Austen")
    pages = {
        "/": "Local Library Home",
        "/books/": "Book list",
        "/books/?page=2": "Page 2 of 6",
        f"/books/{book.pk}/": "A clever, rich young woman",
        "/authors/": "Author list",
        "/authors/?page=3": "Page 3 of 3",
        f"/authors/{author.pk}/": "Pride and Prejudice",
        "/reading-list/": "Your reading list is empty",
        "/session/": "Page history",
    }
    for url, expected in pages.items():
        assert expected in text(visitor.get(url)), url
    assert visitor.get("/admin/").status_code == 302
    missing = visitor.get("/books/99999/")
    assert missing.status_code == 404
    assert "Not found" in missing.content.decode()


def test_home_counts(visitor: Client) -> None:
    page = text(visitor.get("/"))
    assert "<strong>Books:</strong> 52" in page
    assert "<strong>Authors:</strong> 24" in page


def test_visit_counter_singular_and_plural(visitor: Client) -> None:
    assert "You have visited this page 1 time." in text(visitor.get("/"))
    assert "You have visited this page 2 times." in text(visitor.get("/"))
    visitor.get("/books/")
    assert "You have visited this page 3 times." in text(visitor.get("/"))


def test_consent_banner_and_counter_before_grant(demo: None) -> None:
    anonymous = Client()
    for _ in range(2):
        page = text(anonymous.get("/"))
        assert BANNER in page
        assert "You have visited this page 1 time." in page
    assert "sessionid" not in anonymous.cookies
    assert Session.objects.count() == 0


def test_grant_then_revoke(demo: None) -> None:
    browser = Client()
    response = browser.post("/sessionkit/consent/", {"action": "grant", "next": "/books/"})
    assert response["Location"] == "/books/"
    assert BANNER not in text(browser.get("/books/"))
    browser.get("/")
    assert Session.objects.count() == 1
    browser.post("/sessionkit/consent/", {"action": "revoke", "next": "/"})
    assert Session.objects.count() == 0
    assert BANNER in text(browser.get("/"))


def test_reading_list_add_remove_and_flash(visitor: Client) -> None:
    emma = Book.objects.get(title="Emma")
    dracula = Book.objects.get(title="Dracula")
    response = visitor.post(f"/reading-list/add/{emma.pk}/")
    assert response.status_code == 302
    assert response["Location"] == f"/books/{emma.pk}/"
    page = text(visitor.get(response["Location"]))
    assert "Added “Emma” to your reading list." in page
    assert "Remove from reading list" in page
    assert "Added “Emma”" not in text(visitor.get("/books/")), "flash shows once"
    visitor.post(f"/reading-list/add/{dracula.pk}/")
    visitor.post(f"/reading-list/add/{dracula.pk}/")  # twice: listed once
    listing = text(visitor.get("/reading-list/"))
    assert listing.index("Emma") < listing.index("Dracula")
    assert listing.count(f'href="/books/{dracula.pk}/"') == 1
    response = visitor.post(f"/reading-list/remove/{emma.pk}/", {"next": "reading-list"})
    assert response["Location"] == "/reading-list/"
    listing = text(visitor.get("/reading-list/"))
    assert "Removed “Emma” from your reading list." in listing
    reading_list = listing.split('data-testid="reading-list"')[1].split("</ul>")[0]
    assert f'href="/books/{emma.pk}/"' not in reading_list
    assert f'href="/books/{dracula.pk}/"' in reading_list


def test_reading_list_needs_post(visitor: Client) -> None:
    book = Book.objects.first()
    assert book is not None
    assert visitor.get(f"/reading-list/add/{book.pk}/").status_code == 405
    assert visitor.post("/reading-list/add/99999/").status_code == 404


def test_session_panel_messages(visitor: Client) -> None:
    first = Client()
    first.post("/sessionkit/consent/", {"action": "grant"})
    assert "This is your first page this session." in text(first.get("/"))
    assert "This is your first page this session." not in text(first.get("/"))
    for book in Book.objects.all()[:9]:
        visitor.get(f"/books/{book.pk}/")
    assert "Need help finding" not in text(visitor.get("/"))  # 10 unique pages
    assert "Need help finding" in text(visitor.get("/authors/"))  # 11
    for _ in range(3):
        visitor.get("/no-such-page/")
    assert "having trouble" not in text(visitor.get("/"))
    visitor.get("/no-such-page/")
    assert "having trouble" in text(visitor.get("/"))


def test_panel_lists_custom_properties(visitor: Client) -> None:
    visitor.get("/")
    book = Book.objects.get(title="Emma")
    visitor.post(f"/reading-list/add/{book.pk}/")
    page = text(visitor.get("/"))
    assert "<code>num_visits</code> = 2" in page
    assert f"<code>reading_list</code> = [{book.pk}]" in page


def test_history_page_lists_views_with_times(visitor: Client) -> None:
    visitor.get("/")
    visitor.get("/books/")
    page = text(visitor.get("/session/"))
    history = page.split('data-testid="history"')[1].split("</ol>")[0]
    assert history.index("/session/") < history.index("/books/") < history.index('href="/"')
    assert "<time datetime=" in history


@pytest.mark.django_db
def test_demo_command_sets_up_once(settings: Any) -> None:
    out = StringIO()
    call_command("demo", "--setup-only", stdout=out)
    assert "Loaded 52 public-domain books" in out.getvalue()
    out = StringIO()
    call_command("demo", "--setup-only", stdout=out)
    assert out.getvalue() == ""
    assert Book.objects.count() == 52


def signed_in(client: Client) -> Client:
    """``client`` (which has allowed sessions) signed in as the staff user "librarian"."""
    if not User.objects.filter(username="librarian").exists():
        User.objects.create_superuser("librarian", "librarian@example.com", "pw")
    response = client.post("/admin/login/?next=/", {"username": "librarian", "password": "pw"})
    assert response.status_code == 302, response.status_code
    return client


def panel(page: str) -> str:
    return page.split('data-testid="session-panel"')[1].split("</aside>")[0]


def test_signed_in_sessions_page(visitor: Client) -> None:
    signed_in(visitor)
    page = text(visitor.get("/"))
    assert "Signed in as librarian" in page
    sessions = text(visitor.get("/sessionkit/sessions/"))
    assert "this browser" in sessions


def test_signed_in_sessions_page_in_the_demo_layout(visitor: Client, demo: None) -> None:
    """The demo's override of sessionkit/sessions.html: the site's masthead, stylesheet and
    panel around the app's table, whose rows, marker and end forms are all still there."""
    other = Client()
    other.post("/sessionkit/consent/", {"action": "grant"})
    signed_in(other)
    signed_in(visitor)
    page = text(visitor.get("/sessionkit/sessions/"))
    assert "<title>Your sessions · LocalLibrary</title>" in page
    assert 'class="masthead"' in page and "/static/catalog/site.css" in page
    assert 'data-testid="session-panel"' in page
    assert "<h1>Where you are signed in</h1>" in page
    rows = re.findall(r'<tr data-session="([^"]+)">(.*?)</tr>', page, re.S)
    assert len(rows) == 2
    mine = [sid for sid, row in rows if "this browser" in row]
    theirs = [sid for sid, row in rows if "this browser" not in row]
    assert len(mine) == 1 and len(theirs) == 1
    other_row = dict(rows)[theirs[0]]
    assert 'action="/sessionkit/sessions/end/"' in other_row
    assert f'name="session_id" value="{theirs[0]}"' in other_row
    assert "csrfmiddlewaretoken" in other_row and "Sign out there" in other_row
    assert 'name="others" value="1"' in page and "Sign out everywhere else" in page
    # The forms work from this page: end the other session, then only this browser is left.
    ended = visitor.post("/sessionkit/sessions/end/", {"session_id": theirs[0]})
    assert ended.status_code == 302
    page = text(visitor.get("/sessionkit/sessions/"))
    assert re.findall(r'<tr data-session="([^"]+)">', page) == mine
    assert "Sign out everywhere else" not in page


def test_no_thanks_dismisses_the_banner_and_stores_nothing(demo: None) -> None:
    browser = Client()
    page = text(browser.get("/books/"))
    assert BANNER in page
    banner = page.split('aria-label="Sessions"')[1].split("</aside>")[0]
    assert 'action="/consent/decline/"' in banner and "No thanks" in banner
    response = browser.post("/consent/decline/", {"next": "/books/"})
    assert response.status_code == 302
    assert response["Location"] == "/books/"
    for url in ("/books/", "/", "/authors/", "/books/"):
        page = text(browser.get(url))
        assert BANNER not in page, url
        assert "Nothing is stored." in panel(page)
    assert Session.objects.count() == 0
    assert not browser.cookies.get("sessionid", None) or not browser.cookies["sessionid"].value
    consent = browser.cookies.get("sessionkit_consent")
    assert consent is None or consent.value != "1"
    assert browser.cookies["demo_sessions_declined"].value == "1"
    # Nothing counts either: every page is still the first.
    assert "You have visited this page 1 time." in text(browser.get("/"))
    assert Session.objects.count() == 0


def test_no_thanks_can_be_changed_to_allow(demo: None) -> None:
    browser = Client()
    browser.post("/consent/decline/", {"next": "/"})
    page = text(browser.get("/"))
    assert 'name="action" value="grant"' in panel(page), "the panel still offers sessions"
    browser.post("/sessionkit/consent/", {"action": "grant", "next": "/"})
    browser.get("/")
    page = text(browser.get("/"))
    assert "You have visited this page 2 times." in page
    assert Session.objects.count() == 1


def test_no_thanks_only_redirects_on_site(demo: None) -> None:
    response = Client().post("/consent/decline/", {"next": "https://evil.example/"})
    assert response["Location"] == "/"
    assert Client().get("/consent/decline/").status_code == 405
    strict = Client(enforce_csrf_checks=True)
    assert strict.post("/consent/decline/").status_code == 403


def test_panel_before_consent_says_nothing_is_stored(demo: None, visitor: Client) -> None:
    before = panel(text(Client().get("/")))
    assert "Nothing is stored." in before
    assert "num_visits" not in before
    assert "Sessions allowed" not in before
    assert "first page this session" not in before
    after = panel(text(visitor.get("/")))
    assert "Nothing is stored." not in after
    assert "<code>num_visits</code> = 1" in after
    assert "<dt>Sessions allowed</dt><dd>yes</dd>" in after
    assert "Forget me" in after


def errors_section(page: str) -> str:
    return page.split("<h2>Errors</h2>")[1].split("</main>")[0]


def test_empty_error_list_is_a_sentence(visitor: Client) -> None:
    errors = errors_section(text(visitor.get("/session/")))
    assert "No errors so far." in errors
    assert "<ol" not in errors and "<li>" not in errors
    visitor.get("/no-such-page/")
    errors = errors_section(text(visitor.get("/session/")))
    assert "No errors so far." not in errors
    assert re.search(r"<li><time>[\d:]+</time> 404 /no-such-page/</li>", errors)


def test_branded_404(demo: None, settings: Any) -> None:
    settings.DEBUG = False
    response = Client().get("/no-such-page/")
    assert response.status_code == 404
    page = response.content.decode()
    assert "<title>Not found · LocalLibrary</title>" in page
    assert 'class="masthead"' in page and "/static/catalog/site.css" in page
    assert "<code>/no-such-page/</code>" in page
    assert 'href="/books/"' in page


def test_branded_500_without_request_context(demo: None, settings: Any) -> None:
    settings.DEBUG = False
    settings.ROOT_URLCONF = "tests.demo.boom_urls"
    response = Client(raise_request_exception=False).get("/boom/")
    assert response.status_code == 500
    page = response.content.decode()
    assert "<title>Something went wrong · LocalLibrary</title>" in page
    assert 'class="masthead"' in page and "/static/catalog/site.css" in page
    assert 'href="/"' in page


def test_favicon(demo: None) -> None:
    page = text(Client().get("/"))
    assert '<link rel="icon" href="/static/catalog/favicon.svg" type="image/svg+xml">' in page
    response = Client().get("/favicon.ico")
    assert response.status_code == 301
    assert response["Location"] == "/static/catalog/favicon.svg"
    found = finders.find("catalog/favicon.svg")
    assert found is not None
    with open(str(found)) as icon:
        assert icon.read().startswith("<svg ")


def num_pages(client: Client) -> int:
    match = re.search(r"<th>num_pages</th><td>(\d+)</td>", text(client.get("/session/")))
    assert match is not None
    return int(match.group(1))


def test_admin_jsi18n_is_not_a_page(visitor: Client) -> None:
    signed_in(visitor)
    before = num_pages(visitor)  # counts this /session/ view
    assert visitor.get("/admin/jsi18n/").status_code == 200
    assert num_pages(visitor) == before + 1  # only the second /session/ view
