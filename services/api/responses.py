"""The error answers each kind of route can give, as the OpenAPI document states them.

Every router is also included with services/api/auth.py `AUTH_RESPONSES` (400, 401,
403, 429), which any route under /v1/ can answer. Below, what each kind adds; every
body is services/api/errors.py `ErrorBody`.

- 413: BodyLimit refuses any request whose declared Content-Length is over the limit,
  a GET's too, before routing.
- 422: FastAPI's validation of the path, query and body, and the domain's InvalidInput.
- 404: an unknown partnership, entity, forum or agency.
- 409: only commands: a rule of the framework refuses it, the version is stale, or the
  Idempotency-Key was used for another request.
- 503: commands when the store stays locked past its timeout; projection reads when the
  views have not reached `min_position` within the wait (code `projection_behind`).
"""

from __future__ import annotations

from typing import Any

from services.api.errors import ErrorBody

Responses = dict[int | str, dict[str, Any]]


def error_answer(description: str) -> dict[str, Any]:
    """One documented error answer: the error body, and when it is given."""
    return {"model": ErrorBody, "description": description}


_error = error_answer


TOO_LARGE = _error("Body too large (a declared Content-Length over the limit, whatever the method)")
INVALID = _error("Invalid input, naming the field")
UNKNOWN = _error("Unknown partnership or entity")

COMMAND_RESPONSES: Responses = {
    404: UNKNOWN,
    409: _error("A rule of the framework refuses it, a stale expected_version, or an Idempotency-Key "
                "already used for a different request"),
    413: TOO_LARGE,
    422: INVALID,
    503: _error("The store stayed locked past its timeout (code store_busy): nothing was recorded; "
                "retry after the Retry-After seconds"),
}
"""A command: POST, recorded as events."""

READ_RESPONSES: Responses = {404: UNKNOWN, 413: TOO_LARGE, 422: INVALID}
"""A read of the event store itself (an aggregate, its history, a feed)."""

PROJECTION_READ_RESPONSES: Responses = {
    **READ_RESPONSES,
    503: _error("The projections have not reached min_position within the wait (code projection_behind); "
                "retry shortly"),
}
"""A read of the projected views (tracker, agendas, themes, deadlines, acknowledgements, audit)."""

ADMIN_RESPONSES: Responses = {413: TOO_LARGE, 422: INVALID}
"""An operator's route (verify; the projections' parked events and their retry)."""

INGEST_RESPONSES: Responses = {
    413: TOO_LARGE,
    422: _error("Not a batch, or more items than allowed; an invalid item is reported in the 200 answer"),
    503: COMMAND_RESPONSES[503],
}
"""The batch ingest: each item is a command, refused or recorded on its own."""
