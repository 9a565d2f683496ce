"""sessionkit: Django session engines done properly, with per-session tracking."""

from __future__ import annotations

__version__ = "0.1.0"
