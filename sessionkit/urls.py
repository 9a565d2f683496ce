from __future__ import annotations

from django.urls import path

from sessionkit import views

app_name = "sessionkit"

urlpatterns = [
    path("consent/", views.consent, name="consent"),
    path("sessions/", views.sessions, name="sessions"),
    path("sessions/end/", views.end_session, name="end-session"),
]
