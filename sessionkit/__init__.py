"""sessionkit: Django session engines done properly, with per-session tracking."""

from __future__ import annotations

from sessionkit.requestcache import request_cache

__all__ = ["request_cache"]
__version__ = "0.1.0"
