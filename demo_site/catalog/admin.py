from __future__ import annotations

from django.contrib import admin

from demo_site.catalog.models import Author, Book, BookInstance, Genre, Language

admin.site.register(Genre)
admin.site.register(Language)


class BookInstanceInline(admin.TabularInline):  # type: ignore[type-arg]
    model = BookInstance
    extra = 0


@admin.register(Book)
class BookAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ["title", "author", "published", "language"]
    list_filter = ["language", "genre"]
    search_fields = ["title", "author__last_name"]
    inlines = [BookInstanceInline]


@admin.register(Author)
class AuthorAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ["last_name", "first_name", "date_of_birth", "date_of_death"]
    search_fields = ["last_name", "first_name"]


@admin.register(BookInstance)
class BookInstanceAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ["book", "imprint", "status", "due_back"]
    list_filter = ["status", "due_back"]
