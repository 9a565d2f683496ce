from __future__ import annotations

from django.urls import path

from demo_site.catalog import views

urlpatterns = [
    path("", views.index, name="index"),
    path("books/", views.BookListView.as_view(), name="books"),
    path("books/<int:pk>/", views.BookDetailView.as_view(), name="book-detail"),
    path("authors/", views.AuthorListView.as_view(), name="authors"),
    path("authors/<int:pk>/", views.AuthorDetailView.as_view(), name="author-detail"),
    path("reading-list/", views.reading_list_page, name="reading-list"),
    path("reading-list/add/<int:pk>/", views.reading_list_add, name="reading-list-add"),
    path("reading-list/remove/<int:pk>/", views.reading_list_remove, name="reading-list-remove"),
    path("session/", views.session_page, name="session"),
    path("consent/decline/", views.decline_sessions, name="decline-sessions"),
    path("favicon.ico", views.favicon, name="favicon"),
]
