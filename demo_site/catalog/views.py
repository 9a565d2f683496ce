"""The LocalLibrary pages. Everything about the visitor's session goes through sessionkit's
public API: ``request.session``, ``sessionkit.flash`` and the ``session`` template object."""

from __future__ import annotations

from typing import Any

from django.db.models import Count, Q
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.views import generic
from django.views.decorators.http import require_POST

from demo_site.catalog.models import Author, Book, BookInstance, Genre
from sessionkit import flash

READING_LIST = "reading_list"


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
