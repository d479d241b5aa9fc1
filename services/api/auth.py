"""The one dependency every router is included with: who is asking, and may they.

1. Authenticate: `Authorization: Bearer <token>` (tokens.py) or `X-API-Key` (apikeys.py);
   neither, or a token that is malformed, tampered with, expired or revoked (revocation.py): 401.
2. Rate-limit the principal: 429 with Retry-After.
3. Authorize against the policy table (policy.py) by the matched route's method and
   path template: 403 outside the role or its scope.
4. A scrutineer's read is recorded (scrutiny.py) before it is answered.
The principal is left on `request.state.principal` for the routes.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Mapping
from typing import Annotated, Any

from fastapi import Depends, FastAPI, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse
from fastapi.routing import APIRoute
from fastapi.security import APIKeyHeader, HTTPAuthorizationCredentials, HTTPBearer
from starlette.types import ASGIApp, Receive, Scope, Send

from adapters.settings import Settings
from adapters.store import EventStore
from domain.errors import DomainError
from services.api.errors import ErrorBody, ErrorDetail, error_response
from services.application.auth import policy
from services.application.auth.apikeys import authenticate_api_key
from services.application.auth.principals import Principal, Role
from services.application.auth.ratelimit import RateLimiter
from services.application.auth.revocation import is_revoked
from services.application.auth.scrutiny import record_read
from services.application.auth.tokens import InvalidToken, signing_key, verify_token

_bearer = HTTPBearer(auto_error=False, description="A token from `lif token create`.")
_api_key = APIKeyHeader(
    name="X-API-Key", auto_error=False, description="An emitting service's key from `lif apikey create`."
)

AUTH_RESPONSES: dict[int | str, dict[str, Any]] = {
    400: {"model": ErrorBody, "description": "A body that cannot even be parsed (e.g. not UTF-8)"},
    401: {"model": ErrorBody, "description": "No credentials, or a token malformed, tampered with, expired or revoked"},
    403: {"model": ErrorBody, "description": "The role or its scope does not allow this"},
    429: {"model": ErrorBody, "description": "Too many requests from this principal; see Retry-After"},
}


class AuthError(Exception):
    def __init__(
        self, status: int, code: str, message: str, headers: dict[str, str] | None = None, field: str | None = None
    ) -> None:
        super().__init__(message)
        self.status = status
        self.detail = ErrorDetail(code=code, field=field, message=message)
        self.headers = headers or {}


async def _auth_error(_: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, AuthError)
    response = error_response(exc.status, exc.detail)
    response.headers.update(exc.headers)
    return response


PROTECTED = "/v1/"
"""Every route under it needs credentials; outside it only /health and the API's documents."""


def install_auth(app: FastAPI, settings: Settings) -> None:
    """Resolves the signing key now (so a missing one stops start-up), adds the handler, and
    authenticates every request under /v1/ before anything else looks at it (install it
    after the other middleware: the one added last runs first)."""
    app.state.signing_key = signing_key(settings)
    app.state.rate_limiter = RateLimiter(settings.rate_limit_per_minute)
    app.add_exception_handler(AuthError, _auth_error)

    app.add_middleware(AuthenticateFirst)


class AuthenticateFirst:
    """Authenticates every request under /v1/ before routing and body parsing: a stranger
    learns nothing from a 422 or a 413, nor which paths exist, and no body of theirs is read.
    Plain ASGI (not BaseHTTPMiddleware, which cost 0.4 ms a request)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["path"].startswith(PROTECTED):
            request = Request(scope)
            try:
                principal = await run_in_threadpool(_authenticate, request, *_credentials(request))
            except AuthError as e:
                response = await _auth_error(request, e)
                await response(scope, receive, send)
                return
            scope.setdefault("state", {})["authenticated"] = principal
        await self.app(scope, receive, send)


def _credentials(request: Request) -> tuple[HTTPAuthorizationCredentials | None, str | None]:
    """The headers as FastAPI's HTTPBearer and APIKeyHeader read them."""
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not token:
        return None, request.headers.get("x-api-key")
    return HTTPAuthorizationCredentials(scheme=scheme, credentials=token), request.headers.get("x-api-key")


def _unauthenticated(message: str, code: str = "unauthenticated") -> AuthError:
    return AuthError(401, code, message, {"WWW-Authenticate": 'Bearer realm="lif"'})


def _authenticate(
    request: Request, bearer: HTTPAuthorizationCredentials | None, api_key: str | None
) -> Principal:
    if bearer is not None:
        try:
            principal, jti = verify_token(request.app.state.signing_key, bearer.credentials)
        except InvalidToken as e:
            raise _unauthenticated(f"The bearer token is not valid ({e.reason}).", f"token_{e.reason}") from None
        if jti is not None and is_revoked(request.app.state.store, jti):
            raise _unauthenticated("The bearer token was revoked.", "token_revoked")
        return principal
    if api_key:
        service = authenticate_api_key(request.app.state.store, api_key)
        if service is None:
            raise _unauthenticated("The API key is not valid (unknown or revoked).", "api_key_invalid")
        return service
    if request.headers.get("authorization"):
        raise _unauthenticated("Send `Authorization: Bearer <token>`.", "token_malformed")
    raise _unauthenticated("Send `Authorization: Bearer <token>` or `X-API-Key`.")


def _decide(request: Request, principal: Principal, route_path: str, body: Any) -> None:
    store: EventStore = request.app.state.store
    r = policy.Request(
        principal=principal, path_params=request.path_params, query=request.query_params, body=body, store=store
    )
    policy.authorize(request.method, route_path, r)
    if principal.role is Role.SCRUTINEER:
        record_read(store, principal, request.method, request.url.path, request.url.query)


async def authorize(
    request: Request,
    bearer: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
    api_key: Annotated[str | None, Depends(_api_key)],
) -> Principal:
    route = request.scope.get("route")
    route_path = route.path if isinstance(route, APIRoute) else ""
    # Authenticated already by the middleware; the parameters above document the schemes.
    principal: Principal | None = getattr(request.state, "authenticated", None)
    if principal is None:
        principal = await run_in_threadpool(_authenticate, request, bearer, api_key)
    limiter: RateLimiter = request.app.state.rate_limiter
    wait = limiter.take(f"{principal.partnership_id}/{principal.subject}")
    if wait is not None:
        raise AuthError(
            429, "rate_limited", f"Too many requests from {principal.subject}; retry after the Retry-After seconds.",
            {"Retry-After": str(max(1, math.ceil(wait)))},
        )
    body: Any = None
    if policy.needs_body(request.method, route_path):
        try:
            body = json.loads(await request.body())
        except ValueError:
            body = None  # not JSON: validation answers 422 and nothing is done
    try:
        await run_in_threadpool(_decide, request, principal, route_path, body)
    except DomainError as e:
        raise AuthError(403, e.code, e.message, field=e.field) from None
    request.state.principal = principal
    return principal


def principal_of(request: Request) -> Principal:
    """The authorized principal (set by `authorize`, which every router runs first)."""
    principal: Principal | None = getattr(request.state, "principal", None)
    if principal is None:
        raise _unauthenticated("This route is not guarded; refusing.")
    return principal


PrincipalDep = Annotated[Principal, Depends(principal_of)]


def ingest_guard(request: Request) -> Callable[[Mapping[str, Any]], None]:
    """Holds each ingested item to its command's rule and the principal's partnership."""
    principal = principal_of(request)

    def check(item: Mapping[str, Any]) -> None:
        policy.authorize_command(principal, str(item.get("command")), item)

    return check
