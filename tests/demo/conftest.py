from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from demo_site import settings as demo_settings
from demo_site.catalog import sample_data


@pytest.fixture
def demo(settings: Any, db: None) -> None:
    """The demo site's URLs, templates and consent setting, with the sample catalogue."""
    settings.ROOT_URLCONF = "demo_site.urls"
    settings.TEMPLATES = demo_settings.TEMPLATES
    settings.SESSION_ENGINE = "sessionkit.backends.db"
    settings.SESSIONKIT_REQUIRE_CONSENT = True
    settings.DEBUG = False
    sample_data.load()


@pytest.fixture
def visitor(demo: None) -> Client:
    """A browser-like client that has allowed sessions."""
    client = Client(raise_request_exception=False)
    client.post("/sessionkit/consent/", {"action": "grant", "next": "/"})
    return client
