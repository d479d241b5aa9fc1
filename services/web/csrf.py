"""Cross-site request forgery: every form carries a token tied to the session, checked on every POST.

The token is random, kept in the (signed) session, put in each form as the hidden field
`csrf_token` (or sent as the `X-CSRF-Token` header), and compared in constant time. Every web
router is included through `include_pages`, whose dependency checks it on any method that
changes something; tests/unit/test_web_csrf.py proves no page route escapes it.
"""

from __future__ import annotations

import secrets

from fastapi import APIRouter, Depends, FastAPI, Request

FIELD = "csrf_token"
HEADER = "X-CSRF-Token"
_KEY = "csrf"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


class CsrfRefused(Exception):
    """The form's token is missing or is not this session's: 403, nothing done."""

    message = (
        "This form could not be accepted because it did not come from this page in this session "
        "(or you were signed out in between). Go back, reload the page and send it again."
    )


def csrf_token(request: Request) -> str:
    """This session's token, made on first use."""
    token = request.session.get(_KEY)
    if not isinstance(token, str) or not token:
        token = secrets.token_urlsafe(32)
        request.session[_KEY] = token
    return token


async def check_csrf(request: Request) -> None:
    """The dependency on every page route: a method that changes something needs the token."""
    if request.method in SAFE_METHODS:
        return
    expected = request.session.get(_KEY)
    sent = request.headers.get(HEADER)
    if sent is None and request.headers.get("content-type", "").split(";")[0].strip() in (
        "application/x-www-form-urlencoded", "multipart/form-data",
    ):
        value = (await request.form()).get(FIELD)  # parsed once: the route reads the same form
        sent = value if isinstance(value, str) else None
    if not isinstance(expected, str) or not expected or sent is None:
        raise CsrfRefused()
    if not secrets.compare_digest(expected.encode(), sent.encode()):
        raise CsrfRefused()


def include_pages(app: FastAPI, router: APIRouter) -> None:
    """Every web router is included this way: the token is checked before any route runs."""
    app.include_router(router, dependencies=[Depends(check_csrf)], include_in_schema=False)
