"""The security headers every response carries, the API's included; and a 500 that carries them.

Plain ASGI, outermost of the app's middleware, so nothing answers without them: not a 401 from
the authentication middleware, a 413 from the body limit, nor a 500. (Starlette's own error
middleware sits outside every user middleware and would answer a 500 bare, so an error that
escapes the app is answered here, then re-raised for it to log.)

The Content-Security-Policy allows no inline script and no inline style sheet: the pages'
JavaScript is a file (services/web/static/lif.js), Swagger UI's start-up too (docs.py).
"""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Callable, Iterable

from starlette.datastructures import MutableHeaders
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send


def content_security_policy(style_hashes: Iterable[str] = ()) -> str:
    """The policy; `style_hashes` admit named inline style sheets (`style_hash`), never scripts."""
    styles = " ".join(["'self'", *style_hashes])
    return "; ".join((
        "default-src 'self'",
        "script-src 'self'",
        f"style-src {styles}",
        "img-src 'self' data:",
        "font-src 'self'",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ))


def style_hash(css: str) -> str:
    """The CSP source admitting exactly this inline <style> element's text."""
    return "'sha256-" + base64.b64encode(hashlib.sha256(css.encode()).digest()).decode() + "'"


CONTENT_SECURITY_POLICY = content_security_policy()
"""Every response's, unless a route states its own (a printable page with its style sheet inline)."""

HSTS = "max-age=31536000; includeSubDomains"


def security_headers(tls: bool) -> dict[str, str]:
    headers = {
        "Content-Security-Policy": CONTENT_SECURITY_POLICY,
        "X-Content-Type-Options": "nosniff",
        # Paths carry ids of reviews and actions: they are not handed to other sites.
        "Referrer-Policy": "no-referrer",
        "X-Frame-Options": "DENY",
        "Cross-Origin-Opener-Policy": "same-origin",
    }
    if tls:
        headers["Strict-Transport-Security"] = HSTS
    return headers


class SecurityHeaders:
    """Adds the headers to every HTTP response; `error_page` answers an exception that escapes."""

    def __init__(self, app: ASGIApp, tls: bool, error_page: Callable[[Scope], Response]) -> None:
        self.app = app
        self.headers = list(security_headers(tls).items())
        self.error_page = error_page

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def send_with_headers(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
                headers = MutableHeaders(scope=message)
                for name, value in self.headers:
                    headers.setdefault(name, value)
            await send(message)

        try:
            await self.app(scope, receive, send_with_headers)
        except Exception:
            if not started:
                await self.error_page(scope)(scope, receive, send_with_headers)
            raise
