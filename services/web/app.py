"""The web pages, served by the API's own process: `install_web` is called by create_app.

It adds, outermost first: the security headers on every response (security_headers.py), the
signed session cookie (session.py), the static files (GOV.UK Frontend and Swagger UI from
node_modules, ours from static/), /docs, HTML error pages for people's requests (JSON stays
for the API's), and the pages' routers, each through csrf.include_pages.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from http import HTTPStatus
from pathlib import Path
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import PlainTextResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.middleware.sessions import SessionMiddleware
from starlette.types import Scope

from adapters.settings import Settings
from domain.errors import DomainError
from services.web import (
    agency,
    assets,
    bizunit,
    bizunit_actions,
    lists_pages,
    mail_stop,
    newsletters,
    pack,
    pages,
    scrutiny,
    search_page,
    secretary,
)
from services.web import meeting as meeting_pages
from services.web.csrf import CsrfRefused, include_pages
from services.web.docs import install_docs
from services.web.security_headers import SecurityHeaders
from services.web.session import COOKIE, MAX_AGE_SECONDS, NotAllowed, SignInRequired, session_secret, sign_in_url
from services.web.templating import render, render_bare

STATIC = Path(__file__).parent / "static"
API_PATHS = ("/v1/", "/openapi.json", "/health", "/ready", "/metrics")

Handler = Callable[[Request, Exception], Awaitable[Response]]


class Allowlisted(StaticFiles):
    """Static files from a package's folder, only the names listed (not its demo pages)."""

    def __init__(self, directory: Path, names: tuple[str, ...]) -> None:
        super().__init__(directory=directory, check_dir=False)
        self.names = frozenset(names)

    async def get_response(self, path: str, scope: Scope) -> Response:
        if path not in self.names:
            raise StarletteHTTPException(404)
        return await super().get_response(path, scope)


def install_web(app: FastAPI, settings: Settings) -> None:
    """Call after install_auth (the session's key derives from the token-signing key it reads)."""
    _install_page_errors(app)
    app.add_middleware(
        SessionMiddleware, secret_key=session_secret(app.state.signing_key), session_cookie=COOKIE,
        max_age=MAX_AGE_SECONDS, same_site="lax", https_only=settings.tls,
    )
    app.add_middleware(SecurityHeaders, tls=settings.tls, error_page=_server_error)
    modules = assets.modules_dir(settings)
    app.mount("/assets", StaticFiles(directory=modules / assets.GOVUK / "assets", check_dir=False), name="assets")
    app.mount("/static/govuk", Allowlisted(modules / assets.GOVUK, assets.GOVUK_FILES), name="govuk")
    app.mount("/static/swagger", Allowlisted(modules / assets.SWAGGER, assets.SWAGGER_FILES), name="swagger")
    app.mount("/static/lif", StaticFiles(directory=STATIC), name="lif")
    install_docs(app)
    include_pages(app, pages.router)
    include_pages(app, secretary.router)
    include_pages(app, pack.router)
    include_pages(app, meeting_pages.router)
    include_pages(app, bizunit.router)
    include_pages(app, newsletters.router)
    include_pages(app, scrutiny.router)
    include_pages(app, agency.router)
    include_pages(app, mail_stop.router)
    include_pages(app, lists_pages.router)
    include_pages(app, search_page.router)
    include_pages(app, bizunit_actions.router)


def wants_page(request: Request) -> bool:
    """A person's browser asking for a page (not the API, not a client that asked for JSON)."""
    if request.url.path.startswith(API_PATHS):
        return False
    return "text/html" in request.headers.get("accept", "")


def _error_page(request: Request, status: int, message: str, code: str | None = None,
                field: str | None = None) -> Response:
    title = "Page not found" if status == 404 else HTTPStatus(status).phrase
    if status == 404:
        message = "If you typed the web address, check it is correct. If you pasted it, check you copied all of it."
    return render(request, "error.html", status, title=title, message=message, code=code, field=field)


def _install_page_errors(app: FastAPI) -> None:
    """A person gets a page for an error; the API's callers keep the JSON error body."""
    handlers: dict[Any, Handler] = app.exception_handlers  # type: ignore[assignment]

    def as_page(kind: type[Exception], detail: Callable[[Exception], tuple[int, str, str | None, str | None]]) -> None:
        json_handler = handlers[kind]

        async def handler(request: Request, exc: Exception) -> Response:
            if wants_page(request):
                return _error_page(request, *detail(exc))
            return await json_handler(request, exc)

        app.add_exception_handler(kind, handler)

    def http(exc: Exception) -> tuple[int, str, str | None, str | None]:
        assert isinstance(exc, StarletteHTTPException)
        return exc.status_code, str(exc.detail), None, None

    def domain(exc: Exception) -> tuple[int, str, str | None, str | None]:
        assert isinstance(exc, DomainError)
        return exc.status, exc.message, exc.code, exc.field

    def validation(exc: Exception) -> tuple[int, str, str | None, str | None]:
        assert isinstance(exc, RequestValidationError)
        first = exc.errors()[0] if exc.errors() else {}
        where = ".".join(str(p) for p in first.get("loc", ())[1:]) or None
        return 400, f"The address is not valid: {first.get('msg', 'bad request')}.", "invalid_request", where

    as_page(StarletteHTTPException, http)
    as_page(DomainError, domain)
    as_page(RequestValidationError, validation)

    async def sign_in(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, SignInRequired)
        return RedirectResponse(sign_in_url(exc.next_url), status_code=303)

    async def not_allowed(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, NotAllowed)
        return render(request, "error.html", 403, title="You cannot see this page", message=exc.message,
                      code="role_not_allowed")

    async def csrf(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, CsrfRefused)
        return render(request, "error.html", 403, title="Your form could not be accepted", message=exc.message,
                      code="csrf_token_invalid", field="csrf_token")

    app.add_exception_handler(SignInRequired, sign_in)
    app.add_exception_handler(NotAllowed, not_allowed)
    app.add_exception_handler(CsrfRefused, csrf)


def _server_error(scope: Scope) -> Response:
    """What answers an error nothing handled: a page for a person, the usual text otherwise."""
    request = Request(scope)
    if not wants_page(request):
        return PlainTextResponse("Internal Server Error", status_code=500)
    return render_bare(
        "error.html", 500, title="Sorry, there is a problem with the service",
        message="Try again later. If it keeps happening, tell your partnership's business unit.",
    )
