"""Which agencies have acknowledged each activity's learning, and which have not yet."""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Query, Request
from fastapi.responses import JSONResponse

from projections import acknowledgements as acks
from projections.acknowledgements import AcknowledgementStatus
from projections.agenda.view import AgendaView
from services.api.deps import PartnershipId
from services.api.projection_reads import MinPosition, projection_read
from services.api.responses import PROJECTION_READ_RESPONSES
from services.api.schemas.lists import ListAnswer, ViewFreshness, list_body

router = APIRouter(prefix="/v1/partnerships/{partnership_id}", tags=["tracker"])


class ActivityAcknowledgements(AcknowledgementStatus):
    title: str
    status: str


class AcknowledgementsResponse(ListAnswer, ViewFreshness):
    """Each activity whose learning is ready, with who acknowledged it (one list: `next` is null)."""

    partnership_id: str
    items: list[ActivityAcknowledgements]


@router.get(
    "/acknowledgements", response_model=AcknowledgementsResponse, responses=PROJECTION_READ_RESPONSES,
    summary="Agencies' acknowledgements of learning ready to disseminate (signed off, published or closed)",
)
def list_acknowledgements(
    request: Request, partnership_id: PartnershipId,
    activity_id: Annotated[UUID | None, Query(description="Only this activity.")] = None,
    min_position: MinPosition = None,
) -> JSONResponse:
    with projection_read(request, AgendaView.name, min_position) as (cur, freshness):
        ready = acks.learning_ready(cur, partnership_id, activity_id)
        found = acks.statuses(cur, partnership_id, (a for a, _, _ in ready))
    activities = [
        ActivityAcknowledgements(**found[a].model_dump(), title=title, status=status) for a, title, status in ready
    ]
    body = list_body([a.model_dump(mode="json") for a in activities], freshness, partnership_id=partnership_id)
    return JSONResponse(body, headers=freshness.headers())
