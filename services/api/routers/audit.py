"""The audit trail: every event, who did it and why; and one entity's history."""

from __future__ import annotations

import re
from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Query, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field

from domain.errors import InvalidInput, NotFound
from domain.values import Instant, Position
from projections.audit import AuditFilters, entity_history, query_audit
from services.api.deps import PRINCIPAL_PATTERN, PartnershipId
from services.api.projection_reads import MinPosition, projection_read
from services.api.responses import PROJECTION_READ_RESPONSES
from services.api.schemas.lists import ListAnswer, ViewFreshness, list_body


class AuditItem(BaseModel):
    position: int = Field(description="Position in the event log; pages are cut by it.")
    event_id: str
    partnership_id: str
    aggregate_id: str
    aggregate_type: str
    version: int
    topic: str
    occurred_at: str
    principal: str
    rationale: str | None
    summary: str = Field(description="One line a person can read.")
    payload: dict[str, Any]


class AuditPage(ListAnswer, ViewFreshness):
    """A page of the audit trail, oldest first; `next` leads to the following page."""

    partnership_id: str
    items: list[AuditItem]


class EntityHistory(ListAnswer, ViewFreshness):
    """Every event about one entity, oldest first (one list: `next` is null)."""

    partnership_id: str
    entity_id: str
    items: list[AuditItem]


# ASCII digits ([0-9], where \d and isdigit would take other scripts' digits), 18 at most: below 2**63.
CURSOR_PATTERN = r"^[0-9]{1,18}$"

router = APIRouter(prefix="/v1/partnerships/{partnership_id}", tags=["audit"])

RESPONSES = PROJECTION_READ_RESPONSES


@router.get(
    "/audit", response_model=AuditPage, responses=RESPONSES, summary="Audit trail: every event, paged by cursor"
)
def audit(
    request: Request,
    partnership_id: PartnershipId,
    entity_id: Annotated[UUID | None, Query(description="Only events about this entity.")] = None,
    principal: Annotated[str | None, Query(pattern=PRINCIPAL_PATTERN)] = None,
    topic: Annotated[str | None, Query(pattern=r"^[a-z0-9_.]{1,200}$", description="e.g. lif.action.agreed")] = None,
    since: Annotated[Instant | None, Query(description="Events at or after this instant (RFC 3339).")] = None,
    until: Annotated[Instant | None, Query(description="Events at or before this instant (RFC 3339).")] = None,
    limit: Annotated[Position, Query(ge=1, le=1000)] = 100,
    cursor: Annotated[
        str | None,
        # Stated, and checked below, so a bad cursor gets its own code rather than a pattern's.
        Query(description="`next` of the previous page.", json_schema_extra={"pattern": CURSOR_PATTERN}),
    ] = None,
    min_position: MinPosition = None,
) -> JSONResponse:
    after = 0
    if cursor is not None:
        if not re.fullmatch(CURSOR_PATTERN, cursor):
            raise InvalidInput("invalid_cursor", "The cursor is the `next` of a previous page.", "cursor")
        after = int(cursor)
    filters = AuditFilters(
        entity_id=str(entity_id) if entity_id else None, principal=principal, topic=topic, since=since, until=until
    )
    with projection_read(request, "audit", min_position) as (cur, freshness):
        items, next_position = query_audit(cur, partnership_id, filters, after=after, limit=limit)
    next_ = str(next_position) if next_position is not None else None
    body = list_body(items, freshness, next_, partnership_id=partnership_id)
    return JSONResponse(body, headers=freshness.headers())


@router.get(
    "/entities/{entity_id}/history",
    response_model=EntityHistory,
    responses=RESPONSES,
    summary="Every event about one entity",
)
def history(
    request: Request, partnership_id: PartnershipId, entity_id: UUID, min_position: MinPosition = None
) -> JSONResponse:
    with projection_read(request, "audit", min_position) as (cur, freshness):
        events = entity_history(cur, partnership_id, str(entity_id))
    if not events:
        raise NotFound("unknown_entity", f"No entity {entity_id} in partnership {partnership_id!r}.", "entity_id")
    body = list_body(events, freshness, partnership_id=partnership_id, entity_id=str(entity_id))
    return JSONResponse(body, headers=freshness.headers())
