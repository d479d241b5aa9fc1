"""Signing people in to the web pages: through their organisation's OpenID Connect provider
(services/application/auth/oidc.py), or, under `lif serve --demo` only, as one of the demo's people.

GET /sign-in is the start page; GET /sign-in/start leaves for the provider; the provider
sends the browser back to GET /sign-in/callback; POST /sign-out ends the session and
GET /sign-out says so. The signed-in person is `request.session["person"]`:
{"role", "partnership_id", "subject", "agency_id", "forum_id", "name"}. The session is
Starlette's signed cookie (SessionMiddleware), installed here unless already installed.
"""

from __future__ import annotations

import hashlib
import hmac
from typing import Annotated, Any

from fastapi import APIRouter, FastAPI, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.concurrency import run_in_threadpool
from starlette.middleware.sessions import SessionMiddleware

from adapters.settings import Settings
from domain.errors import DomainError
from services.application.auth.oidc import OpenIdProvider, PendingSignIn, SignInFailed
from services.application.auth.sign_in import demo_people, partnership_for_sign_in, person_from_claims
from services.web.csrf import include_pages
from services.web.templating import render

PENDING = "lif_sign_in"
"""The session key of a sign-in in progress."""
SESSION_HOURS = 8

router = APIRouter(include_in_schema=False)
dev_router = APIRouter(include_in_schema=False)


def install_session(app: FastAPI, settings: Settings) -> None:
    """The signed session cookie, keyed by a key derived from the deployment's signing key; a
    no-op when the web pages' set-up installed it already."""
    if any(getattr(m, "cls", None) is SessionMiddleware for m in app.user_middleware):
        return
    key = hmac.new(app.state.signing_key, b"lif web session", hashlib.sha256).hexdigest()
    secure = (settings.oidc_redirect_url or "").startswith("https://")
    app.add_middleware(
        SessionMiddleware, secret_key=key, session_cookie="lif_session", max_age=SESSION_HOURS * 3600,
        same_site="lax",  # the provider's redirect back is a top-level GET from its site
        https_only=secure,
    )


def install_sign_in(app: FastAPI, settings: Settings) -> None:
    """The sign-in pages. Call after `install_auth` (it resolves the signing key)."""
    install_session(app, settings)
    app.state.oidc = OpenIdProvider.from_settings(settings)
    app.state.demo_sign_in = None
    include_pages(app, router)


def install_dev_sign_in(app: FastAPI, partnership_id: str) -> None:
    """The development sign-in: only `lif serve --demo` calls this; nothing else mounts it."""
    app.state.demo_sign_in = partnership_id
    include_pages(app, dev_router)


def _page(request: Request, template: str, title: str, status: int = 200, **context: Any) -> HTMLResponse:
    response = render(request, f"sign_in/{template}", status, title=title, **context)
    response.headers["Cache-Control"] = "no-store"
    return response


def _refused(request: Request, code: str, message: str, status: int, partnership: str | None = None) -> HTMLResponse:
    return _page(
        request, "refused.html", "You could not be signed in", status, code=code, message=message,
        partnership=partnership,
    )


def _partnership(request: Request, given: str | None) -> str | None:
    return given or request.app.state.settings.oidc_partnership


@router.get("/sign-in", response_class=HTMLResponse)
def sign_in_page(request: Request, partnership: str | None = None) -> HTMLResponse:
    return _page(
        request, "start.html", "Sign in", session_person=request.session.get("person"),
        configured=request.app.state.oidc is not None, partnership=_partnership(request, partnership),
        demo=request.app.state.demo_sign_in is not None,
    )


def _callback_url(request: Request) -> str:
    configured: str | None = request.app.state.settings.oidc_redirect_url
    return configured or str(request.url_for("sign_in_callback"))


@router.get("/sign-in/start")
async def sign_in_start(request: Request, partnership: str | None = None) -> Response:
    provider: OpenIdProvider | None = request.app.state.oidc
    chosen = _partnership(request, partnership)
    if provider is None or not chosen:
        return RedirectResponse("/sign-in", status_code=303)
    try:
        await run_in_threadpool(partnership_for_sign_in, request.app.state.store, chosen)
        url, pending = await provider.start(_callback_url(request), chosen)
    except DomainError as e:
        return _refused(request, e.code, e.message, e.status)
    except SignInFailed as e:
        return _refused(request, e.code, e.message, 502, chosen)
    request.session[PENDING] = pending.as_session()
    return RedirectResponse(url, status_code=303)


@router.get("/sign-in/callback", name="sign_in_callback")
async def sign_in_callback(request: Request) -> Response:
    provider: OpenIdProvider | None = request.app.state.oidc
    if provider is None:
        return _refused(request, "not_configured", "Sign-in through an organisation is not set up here.", 404)
    # Used once, whatever the outcome: an answer replayed finds nothing to finish.
    pending = PendingSignIn.from_session(request.session.pop(PENDING, None))
    partnership = pending.partnership_id if pending else None
    try:
        claims = await provider.finish(pending, dict(request.query_params))
        assert pending is not None
        person = await run_in_threadpool(person_from_claims, request.app.state.store, pending.partnership_id, claims)
    except SignInFailed as e:
        status = 502 if e.code in ("provider_unavailable", "token_refused") else 400
        return _refused(request, e.code, e.message, status, partnership)
    except DomainError as e:
        return _refused(request, e.code, e.message, e.status, partnership)
    _signed_in(request, person)
    return RedirectResponse("/", status_code=303)


def _signed_in(request: Request, person: dict[str, str | None]) -> None:
    # A new session for the signed-in person: nothing from before sign-in carries over.
    request.session.clear()
    request.session["person"] = person


@router.post("/sign-out")
def sign_out(request: Request) -> Response:
    request.session.clear()
    return RedirectResponse("/sign-out", status_code=303)


@router.get("/sign-out", response_class=HTMLResponse)
def signed_out_page(request: Request) -> HTMLResponse:
    person = request.session.get("person")
    return _page(request, "signed_out.html", "Sign out" if person else "You are signed out", session_person=person)


def _demo_people(request: Request) -> list[dict[str, str | None]]:
    p = partnership_for_sign_in(request.app.state.store, request.app.state.demo_sign_in)
    return demo_people(p)


@dev_router.get("/sign-in/dev", response_class=HTMLResponse)
def dev_sign_in_page(request: Request) -> HTMLResponse:
    return _page(request, "dev.html", "Development sign-in (demo only)", people=_demo_people(request))


@dev_router.post("/sign-in/dev")
def dev_sign_in(request: Request, person: Annotated[int, Form()]) -> Response:
    people = _demo_people(request)
    if not 0 <= person < len(people):
        return _refused(request, "unknown_person", "Choose one of the demo's people.", 422)
    _signed_in(request, people[person])
    return RedirectResponse("/", status_code=303)

