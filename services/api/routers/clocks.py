"""Statutory deadlines across a partnership: every open clock and every breach."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import JSONResponse
from pydantic import Field

from domain.clocks import DeadlineStatus
from domain.errors import NotFound
from domain.values import IsoDate
from projections.clocks_view import DEFAULT_STATUSES, ClocksView, DeadlineEntry, deadline_entries
from services.api.deps import PartnershipId
from services.api.projection_reads import MinPosition, projection_read
from services.api.responses import PROJECTION_READ_RESPONSES
from services.api.schemas.lists import ListAnswer, ViewFreshness, list_body

router = APIRouter(prefix="/v1/partnerships/{partnership_id}/deadlines", tags=["deadlines"])


class DeadlinesResponse(ListAnswer, ViewFreshness):
    """The partnership's statutory deadlines in the statuses asked for (one list: `next` is null)."""

    partnership_id: str
    today: date = Field(description="The day statuses were judged on.")
    statuses: list[DeadlineStatus] = Field(description="The statuses listed.")
    items: list[DeadlineEntry]


@router.get("", response_model=DeadlinesResponse, responses=PROJECTION_READ_RESPONSES)
def get_deadlines(
    request: Request, partnership_id: PartnershipId,
    status: Annotated[
        DeadlineStatus | None,
        Query(description="Only this status; default: open ones and every breach "
              "(breached, met_late)."),
    ] = None,
    today: Annotated[IsoDate | None, Query(description="Judge statuses on this day (default today).")] = None,
    min_position: MinPosition = None,
) -> JSONResponse:
    view = ClocksView()
    with projection_read(request, view.name, min_position) as (cur, freshness):
        starts_from = view.rapid_review_starts_from(cur, partnership_id)
        if starts_from is None:
            raise NotFound(
                "unknown_partnership", f"No partnership {partnership_id!r} is registered.",
                "partnership_id",
            )
        rows = view.activities(cur, partnership_id)
    day = today or date.today()
    statuses = frozenset({status}) if status else DEFAULT_STATUSES
    entries = deadline_entries(rows, starts_from, day, statuses)
    body = list_body(
        [e.model_dump(mode="json") for e in entries], freshness,
        partnership_id=partnership_id, today=day.isoformat(), statuses=sorted(statuses),
    )
    return JSONResponse(body, headers=freshness.headers())
