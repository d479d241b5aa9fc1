"""Every error answers the same shape: a code, the field at fault, a sentence."""

from __future__ import annotations

import re
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from starlette.exceptions import HTTPException as StarletteHTTPException

from adapters.bounded_writes import StoreBusy
from domain.errors import DomainError, VersionConflict


class ErrorDetail(BaseModel):
    code: str
    field: str | None = None
    message: str
    current_version: int | None = None


class ErrorBody(BaseModel):
    error: ErrorDetail
    errors: list[ErrorDetail] = []


def error_response(status: int, detail: ErrorDetail, more: list[ErrorDetail] | None = None) -> JSONResponse:
    body = ErrorBody(error=detail, errors=more or [detail])
    return JSONResponse(body.model_dump(mode="json", exclude_none=True), status_code=status)


def _field(loc: tuple[Any, ...] | list[Any]) -> str:
    parts = [str(p) for p in loc if p not in ("body", "query", "path", "header")]
    return ".".join(parts) or str(loc[0] if loc else "body")


async def _domain_error(_: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, DomainError)
    detail = ErrorDetail(code=exc.code, field=exc.field, message=exc.message)
    if isinstance(exc, VersionConflict):
        detail.current_version = exc.current
    return error_response(exc.status, detail)


def _malformed_json(err: dict[str, Any]) -> ErrorDetail:
    # The location of a JSON decode error is ("body", <character offset>), not a field.
    loc = err.get("loc", ())
    position = loc[1] if len(loc) > 1 else None
    reason = (err.get("ctx") or {}).get("error") or err.get("msg")
    where = f" at character {position}" if position is not None else ""
    return ErrorDetail(code="malformed_json", field="body", message=f"The body is not valid JSON{where}: {reason}.")


async def _validation_error(_: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    details = []
    for err in exc.errors():
        if err.get("type") == "json_invalid":
            details.append(_malformed_json(err))
            continue
        code = f"invalid_{err.get('type', 'value')}"
        details.append(ErrorDetail(code=code, field=_field(err.get("loc", ())), message=str(err.get("msg"))))
    if not details:
        details = [ErrorDetail(code="invalid_request", message="The request is not valid.")]
    return error_response(422, details[0], details)


def allowed_methods(request: Request) -> str | None:
    """Every method the OpenAPI document gives this path (FastAPI's 405 carries no Allow,
    and the routes are resolved lazily, so the document is the one list of them)."""
    templates: list[tuple[re.Pattern[str], list[str]]] | None = getattr(request.app.state, "allow_templates", None)
    if templates is None:
        templates = [
            (re.compile("^" + re.sub(r"\\\{[^/]+?\\\}", "[^/]+", re.escape(path)) + "$"), sorted(ops))
            for path, ops in request.app.openapi()["paths"].items()
        ]
        request.app.state.allow_templates = templates
    methods = {m.upper() for pattern, ops in templates if pattern.match(request.url.path) for m in ops}
    return ", ".join(sorted(methods)) or None


async def _http_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    codes = {
        400: "malformed_body",
        404: "not_found",
        405: "method_not_allowed",
        413: "body_too_large",
        415: "unsupported_media_type",
    }
    detail = ErrorDetail(code=codes.get(exc.status_code, "http_error"), message=str(exc.detail))
    response = error_response(exc.status_code, detail)
    response.headers.update(exc.headers or {})
    if exc.status_code == 405:
        # RFC 9110: a 405 says what is allowed.
        response.headers["Allow"] = allowed_methods(request) or (exc.headers or {}).get("Allow", "")
    return response


async def _store_busy(_: Request, exc: Exception) -> JSONResponse:
    # The write was rolled back (adapters/bounded_writes.py): the same request may simply be sent again.
    assert isinstance(exc, StoreBusy)
    response = error_response(503, ErrorDetail(code="store_busy", message=exc.message))
    response.headers["Retry-After"] = str(exc.retry_after)
    return response


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(DomainError, _domain_error)
    app.add_exception_handler(StoreBusy, _store_busy)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
