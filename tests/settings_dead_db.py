"""The test settings with the database pointed at a port where nothing listens."""

from tests.services import DEAD_PORT
from tests.settings import *  # noqa: F403

DATABASES = {
    "default": {
        "ENGINE": "django.db.backends.postgresql",
        "HOST": "127.0.0.1",
        "PORT": str(DEAD_PORT),
        "USER": "postgres",
        "NAME": "test",
        "OPTIONS": {"connect_timeout": 2},
    }
}
