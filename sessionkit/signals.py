"""Signals sent by the inventory (sessionkit.inventory).

Both are sent with ``sender=SessionRecord`` and keyword arguments ``request``,
``session_id`` (the public id), ``user_id``, ``old`` and ``new``.
"""

from __future__ import annotations

from django.dispatch import Signal

session_ip_changed = Signal()
"""A signed-in session was used from another IP address than before."""

session_user_agent_changed = Signal()
"""A signed-in session was used from another browser (user agent) than before."""
