"""Bodies over `LIF_MAX_BODY_BYTES` are refused with 413 before anything parses them.

Plain ASGI: a declared Content-Length is checked at once; a body sent without one
(chunked) is counted as it arrives, refused as soon as it passes the limit, and
otherwise handed on whole.
"""

from __future__ import annotations

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from services.api.errors import ErrorDetail, error_response

_WITH_BODY = frozenset({"POST", "PUT", "PATCH"})


class BodyLimit:
    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        length = next((v.decode("latin-1") for k, v in scope["headers"] if k == b"content-length"), None)
        if length is not None:
            if not length.isdigit() or int(length) > self.max_bytes:
                await self._refuse(scope, receive, send)
                return
        elif scope["method"] in _WITH_BODY:
            chunks: list[bytes] = []
            size = 0
            while True:
                message = await receive()
                if message["type"] != "http.request":
                    return  # the client went away
                chunk = message.get("body", b"")
                size += len(chunk)
                if size > self.max_bytes:
                    await self._refuse(scope, receive, send)
                    return
                chunks.append(chunk)
                if not message.get("more_body", False):
                    break
            receive = _replay(b"".join(chunks), receive)
        await self.app(scope, receive, send)

    async def _refuse(self, scope: Scope, receive: Receive, send: Send) -> None:
        message = f"Bodies are limited to {self.max_bytes} bytes."
        detail = ErrorDetail(code="body_too_large", field="body", message=message)
        await error_response(413, detail)(scope, receive, send)


def _replay(body: bytes, receive: Receive) -> Receive:
    """The body read already, as one message; then whatever the client sends next."""
    sent = False

    async def replay() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    return replay
