from __future__ import annotations

from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path("", include("demo_site.catalog.urls")),
    path("sessionkit/", include("sessionkit.urls")),
    path("admin/", admin.site.urls),
]
