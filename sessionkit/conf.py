"""Every ``SESSIONKIT_*`` setting and its default, read at access time.

Reading at access time (rather than once at import) keeps ``override_settings`` and
pytest-django's ``settings`` fixture working without rebuilding anything.
"""

from __future__ import annotations

from django.conf import settings


class Settings:
    @property
    def SESSIONKIT_FILE_PREFIX(self) -> str:
        """Prefix of session file names in ``SESSION_FILE_PATH``."""
        return str(getattr(settings, "SESSIONKIT_FILE_PREFIX", "sessionkit-"))

    @property
    def SESSIONKIT_CACHE_KEY_PREFIX(self) -> str:
        """Prefix of the keys the cache and cached_db engines write."""
        return str(getattr(settings, "SESSIONKIT_CACHE_KEY_PREFIX", "sessionkit:"))


conf = Settings()
