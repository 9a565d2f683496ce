"""The request plan as plain functions: decided from values, no store, no middleware."""

from __future__ import annotations

import itertools
from types import SimpleNamespace
from typing import Any

import pytest
from django.http import HttpResponse

from sessionkit.plan import (
    NOT_LOADED,
    After,
    Conclusion,
    CookieWork,
    Plan,
    beginning,
    conclusion,
    cookie_work,
    untouched,
)
from sessionkit.tracking import Figures, PageView, begin
from sessionkit.visit import Visit

SESSION = "sessionid"
MARKER = "sessionkit_pending_token"
KEY = "k" * 32
FIGURES = begin(Figures(), PageView.of("/", "/", 1000))


def after(*, has_key: bool = True, empty: bool = False, modified: bool = False) -> After:
    return After(has_key=has_key, empty=empty, modified=modified, revoked=False)


# --- an untracked request (an excluded path): Django's rules --------------------------------


UNTRACKED = Visit(permitted=True, view=None, now=1000.0)


def test_an_untracked_visit_begins_as_it_opened() -> None:
    assert beginning(UNTRACKED, NOT_LOADED, None, adoptable=True) is UNTRACKED


@pytest.mark.parametrize(
    ("left", "status", "every_request", "plan"),
    [
        (after(), 200, False, Plan.NOTHING),
        (after(modified=True), 200, False, Plan.SAVE),
        (after(modified=True), 500, False, Plan.NOTHING),  # Django keeps no change of a 5xx
        (after(), 200, True, Plan.SAVE),
        (after(empty=True), 200, False, Plan.FORGET),
        (after(empty=True, modified=True), 500, False, Plan.FORGET),
    ],
)
def test_an_untracked_request_concludes_as_djangos_middleware(
    settings: Any, left: After, status: int, every_request: bool, plan: Plan
) -> None:
    settings.SESSION_SAVE_EVERY_REQUEST = every_request
    decided = conclusion(UNTRACKED, left, status)
    assert decided.plan is plan
    assert decided.figures is None


def test_a_visitor_without_permission_is_never_saved() -> None:
    visit = Visit(permitted=False, view=None)
    assert conclusion(visit, after(modified=True), 200).plan is Plan.NOTHING


def test_a_revoked_permission_wins_over_everything_else() -> None:
    revoked = After(has_key=True, empty=False, modified=True, revoked=True)
    decided = conclusion(UNTRACKED, revoked, 200)
    assert (decided.plan, decided.revoked) == (Plan.NOTHING, True)


# --- the shortcut for an untracked request whose view left the session alone ------------------


class Session(SimpleNamespace):
    """What the plan reads off a session, as plain values."""

    def is_empty(self) -> bool:
        return self.session_key is None and not self.modified


@pytest.mark.parametrize(
    ("tracked", "accessed", "modified", "has_key", "sent", "every_request", "revoked"),
    list(itertools.product([False, True], repeat=7)),
)
def test_untouched_is_only_said_where_the_full_plan_does_nothing(
    settings: Any,
    tracked: bool,
    accessed: bool,
    modified: bool,
    has_key: bool,
    sent: bool,
    every_request: bool,
    revoked: bool,
) -> None:
    """``untouched`` lets the middleware skip conclusion and cookie_work: wherever it says so,
    those two conclude that nothing is stored and no cookie changes (every combination of what
    they read; FORGET without a session cookie sent changes nothing either)."""
    settings.SESSION_SAVE_EVERY_REQUEST = every_request
    visit = Visit(True, PageView.of("/", "/", 1000) if tracked else None, 1000.0)
    session = Session(accessed=accessed, modified=modified, session_key=KEY if has_key else None)
    cookies = {SESSION: KEY} if sent else {}
    response = HttpResponse()
    if revoked:
        response.delete_cookie("sessionkit_consent")
    left = After(has_key, session.is_empty(), modified, revoked)
    shortcut = untouched(visit, session, cookies, response)
    if shortcut:
        decided = conclusion(visit, left, 200)
        assert decided in (Conclusion(Plan.NOTHING), Conclusion(Plan.FORGET))
        assert cookie_work(decided, cookies, accessed) == CookieWork()
    plain = not (tracked or accessed or modified or every_request or revoked)
    assert shortcut is (plain and (has_key or not sent))


# --- the cookies each conclusion calls for ---------------------------------------------------


@pytest.mark.parametrize(
    ("decided", "sent", "accessed", "work"),
    [
        (Conclusion(Plan.NOTHING), {}, False, CookieWork()),
        (Conclusion(Plan.NOTHING), {SESSION: KEY}, True, CookieWork(vary=True)),
        (Conclusion(Plan.SAVE), {}, False, CookieWork(set_session=True, vary=True)),
        (
            Conclusion(Plan.SAVE),
            {MARKER: "~j.x"},
            True,
            CookieWork(set_session=True, delete_marker=True, vary=True),
        ),
        (Conclusion(Plan.SAVE), {MARKER: ""}, False, CookieWork(set_session=True, vary=True)),
        (Conclusion(Plan.MARK, FIGURES), {}, False, CookieWork(marker=FIGURES, vary=True)),
        (
            Conclusion(Plan.MARK, FIGURES),
            {SESSION: "unknown"},
            False,
            CookieWork(delete_session=True, marker=FIGURES, vary=True),
        ),
        (Conclusion(Plan.FORGET), {}, False, CookieWork()),
        (
            Conclusion(Plan.FORGET),
            {SESSION: KEY},
            False,
            CookieWork(delete_session=True, vary=True),
        ),
        (
            Conclusion(Plan.NOTHING, revoked=True),
            {SESSION: KEY, MARKER: "~j.x"},
            False,
            CookieWork(delete_session=True, delete_marker=True, vary=True),
        ),
        (
            Conclusion(Plan.NOTHING, revoked=True),
            {MARKER: "~j.x"},
            False,
            CookieWork(delete_marker=True, vary=True),
        ),
        (Conclusion(Plan.NOTHING, revoked=True), {}, False, CookieWork()),
    ],
)
def test_cookie_work(
    decided: Conclusion, sent: dict[str, str], accessed: bool, work: CookieWork
) -> None:
    assert cookie_work(decided, sent, accessed) == work
