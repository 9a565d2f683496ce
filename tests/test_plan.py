"""The request plan as plain functions: decided from values, no store, no middleware."""

from __future__ import annotations

from typing import Any

import pytest

from sessionkit.plan import (
    NOT_LOADED,
    After,
    Conclusion,
    CookieWork,
    Plan,
    beginning,
    conclusion,
    cookie_work,
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
        (Conclusion(Plan.NOTHING, revoked=True), {}, False, CookieWork()),
    ],
)
def test_cookie_work(
    decided: Conclusion, sent: dict[str, str], accessed: bool, work: CookieWork
) -> None:
    assert cookie_work(decided, sent, accessed) == work
