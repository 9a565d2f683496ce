"""The figures kept for each session: pure functions over plain data, no Django.

Tracking is a function of (figures, page view, status). ``begin`` gives the figures a view
sees (the current request counted, and assumed to be answered 200); ``finish`` gives the
figures to store once the status is known. ``finish(f, v, 200) == begin(f, v)``, so the view
is shown exactly what will be stored when it succeeds.

Everything is bounded by construction, so a session's stored size stays bounded however long
it lives: history is a ring of ``HISTORY_LENGTH`` views, the tracker ``TRACKER_LENGTH`` pages,
errors ``ERRORS_LENGTH`` entries, the paths they show are percent-encoded (so each character
is one byte of JSON, whatever a client sends) and cut at ``MAX_PATH_LENGTH`` characters, and
unique pages are a set of 30-bit path hashes (five characters each) that stops growing at
``UNIQUE_PAGES_CAP``. The figures alone therefore never take more than about 16 KiB of a stored
session.
"""

from __future__ import annotations

import base64
import hashlib
from typing import Any, NamedTuple
from urllib.parse import quote

HISTORY_LENGTH = 100
TRACKER_LENGTH = 5
ERRORS_LENGTH = 10
MAX_PATH_LENGTH = 80
UNIQUE_PAGES_CAP = 1000
TOKEN_LENGTH = 5
"""Characters of a unique page's token (see ``path_token``)."""
FORMAT = 3

OK = 200

_SAFE = "/:@!$&'()*+,;=-._~?%#[]"
"""Characters a shown path keeps as they are; anything else is percent-encoded."""


def shown_path(full_path: str) -> str:
    """``full_path`` as history, the tracker and errors keep it: percent-encoded, cut short."""
    return quote(full_path[: MAX_PATH_LENGTH * 12], safe=_SAFE)[:MAX_PATH_LENGTH]


class PageView(NamedTuple):
    """One request as tracking sees it."""

    path: str
    """The path without the query string (what makes a page unique; only its hash is kept)."""
    full_path: str
    """The path with the query string, as history and the tracker show it (see shown_path)."""
    time: int
    """POSIX seconds."""

    @classmethod
    def of(cls, path: str, full_path: str, time: float) -> PageView:
        return cls(path, shown_path(full_path), int(time))


class Figures(NamedTuple):
    start: int = 0
    requests: int = 0
    pages: int = 0
    errors: int = 0
    unique: str = ""
    """The tokens (``path_token``) of the distinct paths answered 200, one after the other.
    Kept as the text that is stored: a request checks and extends it as it is, with no
    decoding of a packed form and no encoding back (which cost a mature session more than
    the rest of its figures)."""
    log: str = ""
    """The last page views, oldest first, as one string of ``"<head> <path>"`` entries
    (shown paths are percent-encoded, so they hold no space). A head is the view's seconds
    after ``start``, and the path is whole; or, where the path begins as the next view's does,
    ``"<seconds>.<n>"``, and the path is what follows that view's first ``n`` characters
    (most paths of a site share their start with the next one viewed: the log is half as
    long, and so is the JSON, zlib and signing work it costs every request). The newest
    entry is always whole, so a view is added by rewriting only the one before it, and the
    oldest dropped as it is. One string is what keeps a request's cost from growing with its
    history: it is extended as a whole, never as a hundred small lists (``history`` parses
    it on demand)."""
    tracker: tuple[str, ...] = ()
    """The last distinct full paths viewed, newest first."""
    recent_errors: tuple[tuple[str, int, int], ...] = ()
    """(full path, status, time) of the last errors, oldest first."""

    @property
    def history(self) -> tuple[tuple[str, int], ...]:
        """(full path, time) of the last page views, oldest first."""
        parts = self.log.split(" ") if self.log else []
        views: list[tuple[str, int]] = []
        following = ""
        try:
            for i in range(len(parts) - len(parts) % 2 - 2, -1, -2):
                seconds, _, shared = parts[i].partition(".")
                path = following[: int(shared)] + parts[i + 1] if shared else parts[i + 1]
                views.append((path, self.start + int(seconds)))
                following = path
        except ValueError:
            return ()
        return tuple(reversed(views))

    @property
    def unique_pages(self) -> int:
        return len(self.unique) // TOKEN_LENGTH

    @property
    def first_page(self) -> bool:
        return self.requests <= 1

    def shrunk(self, steps: int = 1) -> Figures:
        """Smaller figures, for a session too large to save: each step drops the older half
        of the history; once it is gone, the error list and all but the newest tracker page;
        then the unique pages. The counts of requests, pages and errors are always kept."""
        figures = self
        for _ in range(steps):
            if figures.log:
                parts = figures.log.split(" ")
                half = len(parts) // 4
                figures = figures._replace(log=" ".join(parts[-2 * half :]) if half else "")
            elif figures.recent_errors or len(figures.tracker) > 1:
                figures = figures._replace(recent_errors=(), tracker=figures.tracker[:1])
            elif figures.unique:
                figures = figures._replace(unique="")
            else:
                break
        return figures

    def dump(self) -> list[Any]:
        """A compact, JSON-serialisable form to store in the session (tuples become arrays)."""
        return [
            FORMAT,
            self.start,
            self.requests,
            self.pages,
            self.errors,
            self.unique,
            self.log,
            self.tracker,
            self.recent_errors,
        ]

    @classmethod
    def load(cls, raw: Any) -> Figures:
        """Figures from ``dump()``'s output (or the formats before it); anything unreadable
        counts as a new session."""
        try:
            fmt, start, requests, pages, errors, unique, log, tracker, recent = raw
            if fmt == 1:  # history as [[path, time], ...]: kept, in today's form
                log = " ".join(f"{int(t) - int(start)} {path}" for path, t in log)
            elif fmt not in (2, FORMAT) or not isinstance(log, str):
                return cls()
            if fmt != FORMAT:  # unique pages as packed 32-bit hashes, in base64
                unique = _tokens(base64.b64decode(unique, validate=True))
            elif not isinstance(unique, str) or not unique.isascii():
                return cls()
            return cls(
                int(start),
                int(requests),
                int(pages),
                int(errors),
                unique[: len(unique) - len(unique) % TOKEN_LENGTH],
                log,
                tuple(tracker),
                tuple(tuple(error) for error in recent),
            )
        except (TypeError, ValueError, OverflowError):
            return cls()


NO_FIGURES = Figures()
"""A session's figures before its first request (immutable, so one instance serves all)."""


def _logged(log: str, start: int, view: PageView) -> str:
    """``log`` with ``view`` added, the oldest entry dropped past ``HISTORY_LENGTH``; the
    entry before it now shares its start with it (see ``Figures.log``)."""
    path = view.full_path
    entry = f"{view.time - start} {path}"
    if not log:
        return entry
    space = log.rfind(" ")
    before = log[space + 1 :]
    shared = _shared_length(before, path)
    if shared > 0 and space > 0:
        head_at = log.rfind(" ", 0, space) + 1
        head = log[head_at:space]
        if "." not in head:  # (the newest entry is whole: a head with a dot is not ours)
            log = f"{log[:head_at]}{head}.{shared} {before[shared:]}"
    log = f"{log} {entry}"
    if log.count(" ") >= 2 * HISTORY_LENGTH:
        log = log.split(" ", 2)[2]
    return log


def _shared_length(a: str, b: str) -> int:
    """How many characters ``a`` and ``b`` begin with in common (by halving: each comparison
    is one slice compared in C, not a character in Python)."""
    low, high = 0, min(len(a), len(b))
    while low < high:
        middle = (low + high + 1) // 2
        if a[:middle] == b[:middle]:
            low = middle
        else:
            high = middle - 1
    return low


def path_token(path: str) -> str:
    """Five characters naming ``path`` among a session's unique pages: the first 30 bits of its
    BLAKE2b hash, in URL-safe base64 (two paths of a thousand share one by chance once in
    two thousand sessions)."""
    digest = hashlib.blake2b(path.encode(), digest_size=4).digest()
    return _token(digest)


def _token(digest: bytes) -> str:
    return base64.urlsafe_b64encode(digest)[:TOKEN_LENGTH].decode("ascii")


def _tokens(packed: bytes) -> str:
    """Format 2's packed hashes as tokens: each was a path's digest as it is, so a page counted
    before stays the same page."""
    return "".join(_token(packed[i : i + 4]) for i in range(0, len(packed) - 3, 4))


def _add_unique(unique: str, path: str) -> str:
    if len(unique) >= UNIQUE_PAGES_CAP * TOKEN_LENGTH:
        return unique
    token = path_token(path)
    at = unique.find(token)
    while at != -1:  # (a match must start at a token's start)
        if at % TOKEN_LENGTH == 0:
            return unique
        at = unique.find(token, at + 1)
    return unique + token


def begin(figures: Figures, view: PageView) -> Figures:
    """The figures while the view runs: this request counted, as a page answered 200."""
    return finish(figures, view, OK)


def finish(figures: Figures, view: PageView, status: int) -> Figures:
    """The figures once ``view`` was answered with ``status``.

    200 is a page view; 400 and above (unhandled exceptions are 500) is an error; anything
    else (a redirect, say) is counted as a request only.
    """
    start = figures.start or view.time
    if status == OK:
        tracker = figures.tracker
        if not tracker or tracker[0] != view.full_path:
            rest = tuple(page for page in tracker if page != view.full_path)
            tracker = ((view.full_path, *rest))[:TRACKER_LENGTH]
        return Figures(
            start,
            figures.requests + 1,
            figures.pages + 1,
            figures.errors,
            _add_unique(figures.unique, view.path),
            _logged(figures.log, start, view),
            tracker,
            figures.recent_errors,
        )
    if status >= 400:
        entry = (view.full_path, status, view.time)
        return Figures(
            start,
            figures.requests + 1,
            figures.pages,
            figures.errors + 1,
            figures.unique,
            figures.log,
            figures.tracker,
            (*figures.recent_errors, entry)[-ERRORS_LENGTH:],
        )
    return figures._replace(start=start, requests=figures.requests + 1)
