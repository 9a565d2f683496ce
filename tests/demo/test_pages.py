"""Every page of the demo, and its session flows, through the test client."""

from __future__ import annotations

from io import StringIO
from typing import Any

import pytest
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


def test_signed_in_sessions_page(visitor: Client) -> None:
    from django.contrib.auth.models import User

    User.objects.create_superuser("librarian", "librarian@example.com", "pw")
    visitor.post("/admin/login/?next=/", {"username": "librarian", "password": "pw"})
    page = text(visitor.get("/"))
    assert "Signed in as librarian" in page
    sessions = text(visitor.get("/sessionkit/sessions/"))
    assert "this browser" in sessions
