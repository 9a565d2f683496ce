from __future__ import annotations

from django.urls import path

from tests import views

urlpatterns = [
    path("", views.show, name="show"),
    path("set/", views.set_value, name="set"),
]
