"""The LocalLibrary pages. Everything about the visitor's session goes through sessionkit's
public API: ``request.session``, ``sessionkit.flash`` and the ``session`` template object."""

from __future__ import annotations

from typing import Any

from django.db.models import Count, Q
from django.http import (
    HttpRequest,
    HttpResponse,
    HttpResponsePermanentRedirect,
    HttpResponseRedirect,
)
from django.shortcuts import get_object_or_404, render
from django.templatetags.static import static
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views import generic
from django.views.decorators.http import require_POST

from demo_site.catalog.models import Author, Book, BookInstance, Genre
from sessionkit import consent, flash

READING_LIST = "reading_list"
# Records only that the visitor said "No thanks" to sessions, so the banner stays away. It is
# not a session: no id, nothing stored on the server.
DECLINED_COOKIE = "demo_sessions_declined"
DECLINED_AGE = 365 * 24 * 3600


def index(request: HttpRequest) -> HttpResponse:
    """Home page: record counts and the tutorial's visit counter."""
    num_visits = request.session.get("num_visits", 0) + 1
    request.session["num_visits"] = num_visits
    copies = BookInstance.objects.aggregate(
        total=Count("id"), available=Count("id", filter=Q(status=BookInstance.Status.AVAILABLE))
    )
    context = {
        "num_books": Book.objects.count(),
        "num_instances": copies["total"],
        "num_instances_available": copies["available"],
        "num_authors": Author.objects.count(),
        "num_genres": Genre.objects.count(),
        "num_visits": num_visits,
    }
    return render(request, "catalog/index.html", context)


class BookListView(generic.ListView):  # type: ignore[type-arg]
    model = Book
    paginate_by = 10
    queryset = Book.objects.select_related("author", "language")


class BookDetailView(generic.DetailView):  # type: ignore[type-arg]
    model = Book
    queryset = Book.objects.select_related("author", "language").prefetch_related("genre")

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["on_reading_list"] = self.object.pk in reading_list(self.request)
        context["copies"] = self.object.copies.all()
        return context


class AuthorListView(generic.ListView):  # type: ignore[type-arg]
    model = Author
    paginate_by = 10
    queryset = Author.objects.annotate(num_books=Count("books")).order_by(
        "last_name", "first_name"
    )


class AuthorDetailView(generic.DetailView):  # type: ignore[type-arg]
    model = Author


def reading_list(request: HttpRequest) -> list[int]:
    value = request.session.get(READING_LIST, [])
    return [item for item in value if isinstance(item, int)] if isinstance(value, list) else []


def reading_list_page(request: HttpRequest) -> HttpResponse:
    ids = reading_list(request)
    books = Book.objects.filter(pk__in=ids).select_related("author")
    ordered = sorted(books, key=lambda book: ids.index(book.pk))
    return render(request, "catalog/reading_list.html", {"books": ordered})


@require_POST
def reading_list_add(request: HttpRequest, pk: int) -> HttpResponse:
    book = get_object_or_404(Book, pk=pk)
    ids = reading_list(request)
    if book.pk not in ids:
        request.session[READING_LIST] = [*ids, book.pk]
        flash.set(request, "message", f"Added “{book.title}” to your reading list.")
    return HttpResponseRedirect(_back(request, book))


@require_POST
def reading_list_remove(request: HttpRequest, pk: int) -> HttpResponse:
    book = get_object_or_404(Book, pk=pk)
    ids = reading_list(request)
    if book.pk in ids:
        request.session[READING_LIST] = [i for i in ids if i != book.pk]
        flash.set(request, "message", f"Removed “{book.title}” from your reading list.")
    return HttpResponseRedirect(_back(request, book))


def _back(request: HttpRequest, book: Book) -> str:
    if request.POST.get("next") == "reading-list":
        return reverse("reading-list")
    return book.get_absolute_url()


def session_page(request: HttpRequest) -> HttpResponse:
    """Everything the ``session`` object knows, with the page history and its times."""
    return render(request, "catalog/session.html")


@require_POST
def decline_sessions(request: HttpRequest) -> HttpResponse:
    """The banner's "No thanks": store nothing, and remember only the refusal (a cookie that
    says "declined") so the banner does not ask again on every page."""
    next_url = request.POST.get("next") or "/"
    if not url_has_allowed_host_and_scheme(
        next_url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        next_url = "/"
    response = HttpResponseRedirect(next_url)
    # Withdraws any permission and ends anything stored before (normally there is nothing).
    consent.revoke(request, response)
    response.set_cookie(DECLINED_COOKIE, "1", max_age=DECLINED_AGE, httponly=True, samesite="Lax")
    return response


def favicon(request: HttpRequest) -> HttpResponse:
    """``/favicon.ico``, which browsers ask for on their own: the catalogue's SVG icon."""
    return HttpResponsePermanentRedirect(static("catalog/favicon.svg"))
