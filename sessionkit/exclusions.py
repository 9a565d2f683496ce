"""``SESSIONKIT_TRACK_EXCLUDE`` compiled: the fewest patterns that mean what its entries mean.

Every path of every tracked request is searched, so the entries are joined into one pattern
where that keeps each entry's own meaning: each becomes a group of its own (its leading flags,
``(?i)`` say, that group's: joined, they would no longer be at the expression's start). An
entry with groups of its own (whose numbers and names joining would change) stays a pattern of
its own, as do all of them if the joined pattern does not compile.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from django.core.exceptions import ImproperlyConfigured

_LEADING_FLAGS = re.compile(r"\(\?([aiLmsux]+)\)")


def compiled(entries: Iterable[object]) -> tuple[re.Pattern[str], ...]:
    """The patterns to search a path with; ``ImproperlyConfigured`` names an entry that is not
    a regular expression (each entry must compile on its own)."""
    alone = [_compiled(entry) for entry in entries]
    joinable = [pattern for pattern in alone if not pattern.groups]
    separate = [pattern for pattern in alone if pattern.groups]
    if len(joinable) > 1:
        try:
            joinable = [re.compile("|".join(_as_group(p.pattern) for p in joinable))]
        except re.error:
            return tuple(alone)
    return (*joinable, *separate)


def _compiled(entry: object) -> re.Pattern[str]:
    if not isinstance(entry, str):
        raise ImproperlyConfigured(
            f"SESSIONKIT_TRACK_EXCLUDE: {entry!r} is not a regular expression (a string)."
        )
    try:
        return re.compile(entry)
    except re.error as exc:
        raise ImproperlyConfigured(
            f"SESSIONKIT_TRACK_EXCLUDE: {entry!r} is not a regular expression ({exc})."
        ) from exc


def _as_group(entry: str) -> str:
    flags = _LEADING_FLAGS.match(entry)
    if flags is None:
        return f"(?:{entry})"
    # (Verbose: a comment on the entry's last line must not swallow the group's end.)
    end = "\n)" if "x" in flags[1] else ")"
    return f"(?{flags[1]}:{entry[flags.end() :]}{end}"
