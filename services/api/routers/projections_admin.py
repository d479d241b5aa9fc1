"""Parked projection events (projections/parking.py): listed, and applied again after a fix.

An admin sees and retries only their own partnership's parked events (a token is for
one partnership); `lif projections parked|retry` on the server sees every partnership.
"""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Query, Request
from pydantic import BaseModel, ConfigDict, Field

from domain.errors import NotFound
from projections.parking import Parked
from services.api.auth import principal_of
from services.api.projection_reads import get_projector
from services.api.responses import ADMIN_RESPONSES, error_answer
from services.api.schemas.lists import ListAnswer

router = APIRouter(prefix="/v1/admin/projections", tags=["admin"])


class ParkedEvent(BaseModel):
    view: str
    position: int = Field(description="The event's position in the log.")
    partnership_id: str
    topic: str
    status: Literal["failed", "held"] = Field(
        description="failed: applying it raised; held: it waits behind a failed event of its partnership in the view."
    )
    error: str
    attempts: int = Field(description="Times applying it failed.")
    first_attempt_at: str
    last_attempt_at: str


class ParkedList(ListAnswer):
    """The partnership's parked events, by view and position (one list: `next` is null)."""

    partnership_id: str
    items: list[ParkedEvent]


class RetryRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    view: str | None = Field(default=None, pattern=r"^[a-z_]{1,64}$", description="Only this view's parked events.")
    position: int | None = Field(
        default=None, ge=1,
        description="Only the streams (view and partnership) that hold this position: each from its first "
        "parked event, through those held behind it.",
    )


class RetryAnswer(BaseModel):
    partnership_id: str
    applied: int = Field(description="Parked events applied and no longer parked.")
    still_parked: list[ParkedEvent] = Field(description="What still fails, and what waits behind it.")


def _items(rows: list[Parked]) -> list[ParkedEvent]:
    return [ParkedEvent(**row.as_dict()) for row in rows]


UNKNOWN_VIEW = error_answer("No projection has this name")

# A view name is a short identifier: a NUL or other stray character never reaches the database.
VIEW_PATTERN = r"^[a-z_]{1,64}$"
ViewQ = Annotated[str | None, Query(pattern=VIEW_PATTERN, description="Only this view's parked events.")]


@router.get("/parked", response_model=ParkedList, responses=ADMIN_RESPONSES,
            summary="Events the projections parked for this partnership")
def parked(request: Request, view: ViewQ = None) -> ParkedList:
    partnership = principal_of(request).partnership_id
    rows = get_projector(request).parked(view, partnership)
    return ParkedList(partnership_id=partnership, count=len(rows), items=_items(rows))


@router.post("/retry", response_model=RetryAnswer, responses={**ADMIN_RESPONSES, 404: UNKNOWN_VIEW},
             summary="Apply this partnership's parked events again (after a fix)")
def retry(request: Request, body: RetryRequest) -> RetryAnswer:
    partnership = principal_of(request).partnership_id
    projector = get_projector(request)
    if body.view is not None and body.view not in {v.name for v in projector.views}:
        # 404, not 422: a well-formed name that names no projection of this build.
        raise NotFound("unknown_view", f"No projection is named {body.view!r}.", "view")
    result = projector.retry(view=body.view, position=body.position, partnership_id=partnership)
    return RetryAnswer(partnership_id=partnership, applied=result.applied, still_parked=_items(result.still_parked))
