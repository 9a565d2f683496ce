"""The LocalLibrary catalogue: authors, books, genres, languages and book copies."""

from __future__ import annotations

import uuid

from django.db import models
from django.urls import reverse


class Genre(models.Model):
    name = models.CharField(max_length=200, unique=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Language(models.Model):
    name = models.CharField(max_length=200, unique=True, help_text="The book's original language")

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Author(models.Model):
    first_name = models.CharField(max_length=100)
    last_name = models.CharField(max_length=100)
    date_of_birth = models.DateField(null=True, blank=True)
    date_of_death = models.DateField("died", null=True, blank=True)

    class Meta:
        ordering = ["last_name", "first_name"]

    def __str__(self) -> str:
        return f"{self.last_name}, {self.first_name}"

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}"

    def get_absolute_url(self) -> str:
        return reverse("author-detail", args=[str(self.pk)])


class Book(models.Model):
    title = models.CharField(max_length=200)
    author = models.ForeignKey(Author, on_delete=models.RESTRICT, related_name="books")
    summary = models.TextField(max_length=1000)
    published = models.PositiveSmallIntegerField("first published", null=True, blank=True)
    genre = models.ManyToManyField(Genre, help_text="Select the genres of this book")
    language = models.ForeignKey(Language, on_delete=models.SET_NULL, null=True)

    class Meta:
        ordering = ["title"]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("book-detail", args=[str(self.pk)])


class BookInstance(models.Model):
    """A physical copy of a book that can be borrowed."""

    class Status(models.TextChoices):
        MAINTENANCE = "m", "Maintenance"
        ON_LOAN = "o", "On loan"
        AVAILABLE = "a", "Available"
        RESERVED = "r", "Reserved"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4)
    book = models.ForeignKey(Book, on_delete=models.RESTRICT, related_name="copies")
    imprint = models.CharField(max_length=200)
    due_back = models.DateField(null=True, blank=True)
    status = models.CharField(max_length=1, choices=Status.choices, default=Status.MAINTENANCE)

    class Meta:
        ordering = ["due_back"]

    def __str__(self) -> str:
        return f"{self.id} ({self.book.title})"
