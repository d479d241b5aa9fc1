"""Findings by theme, source kind and quarter; and which themes are rising."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field

from adapters.sql import Cursor
from domain.errors import InvalidInput, NotFound
from domain.values import IsoDate
from projections.themes import ThemeCell, ThemesView, ThemeTrend, parse_bound
from services.api.deps import PartnershipId
from services.api.projection_reads import MinPosition, projection_read
from services.api.responses import PROJECTION_READ_RESPONSES
from services.api.schemas.lists import ListAnswer, ViewFreshness, list_body

router = APIRouter(prefix="/v1/partnerships/{partnership_id}/themes", tags=["themes"])

BOUND = "A date (YYYY-MM-DD) or a quarter (YYYY-Qn) bounding recorded_on (inclusive); `from` not after `to`."
# What parse_bound reads, stated in the document (the refusal stays parse_bound's
# invalid_bound); a day past its month's end (2026-02-30) passes the pattern, not the read.
_YEAR = "([1-9][0-9]{3}|0[1-9][0-9]{2}|00[1-9][0-9]|000[1-9])"
BOUND_SCHEMA = {"pattern": f"^{_YEAR}-((0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])|Q[1-4])$"}
Bound = Annotated[str | None, Query(description=BOUND, json_schema_extra=BOUND_SCHEMA)]


class ThemeTotal(BaseModel):
    theme: str
    count: int


class ThemesResponse(ListAnswer, ViewFreshness):
    """Findings counted by theme, source kind and quarter (one list: `next` is null)."""

    model_config = ConfigDict(populate_by_name=True)

    partnership_id: str
    from_: date | None = Field(alias="from", description="The first day counted; null: from the start.")
    to: date | None = Field(description="The last day counted; null: to the end.")
    items: list[ThemeCell] = Field(description="One count per theme, source kind and quarter.")
    totals: list[ThemeTotal] = Field(description="Per theme across the items, highest first.")


class TrendsResponse(ListAnswer, ViewFreshness):
    """Each theme's counts in the two full quarters before `today`, rising first (one list)."""

    partnership_id: str
    items: list[ThemeTrend]


def _bound(value: str | None, field: str, *, end: bool) -> date | None:
    if value is None:
        return None
    try:
        return parse_bound(value, end=end)
    except ValueError:
        raise InvalidInput(
            "invalid_bound", f"{value!r} is neither a date (YYYY-MM-DD) nor a quarter (YYYY-Qn).",
            field,
        ) from None


def _require(view: ThemesView, cur: Cursor, partnership_id: str) -> None:
    if not view.exists(cur, partnership_id):
        raise NotFound(
            "unknown_partnership", f"No partnership {partnership_id!r} is registered.",
            "partnership_id",
        )


@router.get("", response_model=ThemesResponse, responses=PROJECTION_READ_RESPONSES)
def get_themes(
    request: Request, partnership_id: PartnershipId,
    from_: Annotated[str | None, Query(alias="from", description=BOUND, json_schema_extra=BOUND_SCHEMA)] = None,
    to: Bound = None, min_position: MinPosition = None,
) -> JSONResponse:
    start = _bound(from_, "from", end=False)
    end = _bound(to, "to", end=True)
    if start and end and start > end:
        raise InvalidInput("invalid_range", "'from' must not be after 'to'.", "from")
    view = ThemesView()
    with projection_read(request, view.name, min_position) as (cur, freshness):
        _require(view, cur, partnership_id)
        cells = view.cells(cur, partnership_id, start, end)
    totals: dict[str, int] = {}
    for cell in cells:
        totals[cell.theme] = totals.get(cell.theme, 0) + cell.count
    body = list_body(
        [c.model_dump(mode="json") for c in cells], freshness,
        partnership_id=partnership_id,
        **{"from": start.isoformat() if start else None},
        to=end.isoformat() if end else None,
    )
    body["totals"] = [
        {"theme": t, "count": n} for t, n in sorted(totals.items(), key=lambda kv: (-kv[1], kv[0]))
    ]
    return JSONResponse(body, headers=freshness.headers())


@router.get("/trends", response_model=TrendsResponse, responses=PROJECTION_READ_RESPONSES)
def get_trends(
    request: Request, partnership_id: PartnershipId,
    today: Annotated[
        IsoDate | None, Query(description="Compare the two full quarters before this day (default today).")
    ] = None,
    min_position: MinPosition = None,
) -> JSONResponse:
    view = ThemesView()
    with projection_read(request, view.name, min_position) as (cur, freshness):
        _require(view, cur, partnership_id)
        try:
            rows = view.trends(cur, partnership_id, today or date.today())
        except (ValueError, OverflowError):
            # The quarters before the first ones of the calendar do not exist.
            raise InvalidInput("invalid_today", "No full quarters come before this day.", "today") from None
    body = list_body([r.model_dump(mode="json") for r in rows], freshness, partnership_id=partnership_id)
    return JSONResponse(body, headers=freshness.headers())
