"""The test settings with sessionkit's middleware and engine, but the app left out of
INSTALLED_APPS (the mistake sessionkit.E004 and the middleware's start-up error catch)."""

from tests.settings import *  # noqa: F403
from tests.settings import INSTALLED_APPS

INSTALLED_APPS = [
    app for app in INSTALLED_APPS if app not in ("sessionkit", "django.contrib.sessions")
]
