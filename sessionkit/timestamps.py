"""Moments as sessionkit keeps them (POSIX seconds) and as Django shows them (datetimes)."""

from __future__ import annotations

from datetime import UTC, datetime

from django.conf import settings
from django.utils import timezone


def from_timestamp(value: float) -> datetime:
    """The datetime for a POSIX timestamp that Django expects: aware, or naive in the current
    time zone with ``USE_TZ = False`` (for the ORM, ``set_expiry`` and templates alike)."""
    moment = datetime.fromtimestamp(value, tz=UTC)
    return moment if settings.USE_TZ else timezone.make_naive(moment)


def to_timestamp(value: datetime) -> float:
    """A POSIX timestamp for an aware or (with ``USE_TZ = False``) naive datetime."""
    if timezone.is_naive(value):
        value = timezone.make_aware(value)
    return value.timestamp()
