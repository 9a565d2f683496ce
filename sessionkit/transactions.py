"""Whether a write now could still be rolled back."""

from __future__ import annotations

from django.db import connections


def may_roll_back(alias: str) -> bool:
    """Whether ``alias`` is inside a transaction that may roll back (``ATOMIC_REQUESTS``, a
    view's ``atomic()``). A test case's own transaction counts as committed, as Django's
    ``TestCase`` treats it for ``on_commit``."""
    connection = connections[alias]
    return connection.in_atomic_block and not all(
        getattr(block, "_from_testcase", False) for block in connection.atomic_blocks
    )
