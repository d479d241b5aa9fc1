"""Findings by theme, source kind and quarter; and which themes are rising."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field

from domain.errors import InvalidInput, NotFound
from domain.values import IsoDate
from projections.db import Cursor
from projections.themes import ThemeCell, ThemesView, ThemeTrend, parse_bound
from services.api.command_routes import ERROR_RESPONSES
from services.api.deps import PartnershipId
from services.api.projection_reads import Degraded, MinPosition, projection_read, with_freshness

router = APIRouter(prefix="/v1/partnerships/{partnership_id}/themes", tags=["themes"])

BOUND = "A date (YYYY-MM-DD) or a quarter (YYYY-Qn) bounding recorded_on (inclusive)."
Bound = Annotated[str | None, Query(description=BOUND)]


class ThemeTotal(BaseModel):
    theme: str
    count: int


class ThemesResponse(BaseModel):
    model_config = ConfigDict(populate_by_name=True)

    partnership_id: str
    from_: date | None = Field(alias="from")
    to: date | None
    cells: list[ThemeCell]
    totals: list[ThemeTotal]
    position: int
    head: int
    lag: int
    degraded: Degraded


class TrendsResponse(BaseModel):
    partnership_id: str
    trends: list[ThemeTrend]
    position: int
    head: int
    lag: int
    degraded: Degraded


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


@router.get("", response_model=ThemesResponse, responses=ERROR_RESPONSES)
def get_themes(
    request: Request, partnership_id: PartnershipId,
    from_: Annotated[str | None, Query(alias="from", description=BOUND)] = None,
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
    body = {
        "partnership_id": partnership_id,
        "from": start.isoformat() if start else None,
        "to": end.isoformat() if end else None,
        "cells": [c.model_dump(mode="json") for c in cells],
        "totals": [
            {"theme": t, "count": n}
            for t, n in sorted(totals.items(), key=lambda kv: (-kv[1], kv[0]))
        ],
    }
    return JSONResponse(with_freshness(body, freshness), headers=freshness.headers())


@router.get("/trends", response_model=TrendsResponse, responses=ERROR_RESPONSES)
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
    body = {"partnership_id": partnership_id, "trends": [r.model_dump(mode="json") for r in rows]}
    return JSONResponse(with_freshness(body, freshness), headers=freshness.headers())
