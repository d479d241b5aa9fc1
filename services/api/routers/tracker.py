"""The action tracker: JSON and CSV, filtered, now or as it stood at an instant."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, Field

from adapters.store import EventStore
from domain.errors import NotFound
from domain.framework import SourceKind, Theme
from domain.partnership import partnership_uuid
from domain.values import Instant, IsoDate, Slug
from projections.tracker import COLUMNS, TrackerFilters, partnership_entity_ids, query_tracker
from projections.tracker import replay_tracker as replay
from services.api.auth import principal_of
from services.api.deps import PartnershipId
from services.api.projection_reads import Freshness, MinPosition, catch_up, get_projector, projection_read
from services.api.read_cache import read_cache, wants_fresh
from services.api.responses import PROJECTION_READ_RESPONSES
from services.api.schemas.lists import ListAnswer, ViewFreshness, list_body
from services.application.as_at import AsAt, events_as_at
from services.application.auth.principals import Role


class TrackerRow(BaseModel):
    action_id: str
    description: str
    owner_agency_id: str
    due_on: date
    days_overdue: int = Field(
        description="Calendar days (not working days) an open action is past due_on, counted to `today`; "
        "0 when it is not overdue and once it is completed.",
    )
    status: Literal["open", "completed", "assured"]
    rag: Literal["red", "amber", "green", "blue", "completed"]
    on_track: bool = Field(description="What the last progress note said (true before any).")
    source_kind: SourceKind
    activity_id: str
    activity_title: str
    recommendation_id: str
    forums: list[str] = Field(description="Points of dissemination of the activity's kind, per the routing.")
    themes: list[Theme] = Field(description="Themes of the findings behind the recommendation.")
    completed_on: date | None
    assured_on: date | None
    reopened: int
    version: int


class TrackerPage(ListAnswer, ViewFreshness):
    """Every action the filters select, with its RAG rating (one list: `next` is null)."""

    partnership_id: str
    today: date = Field(description="The day RAG was rated on.")
    as_of: datetime | None = Field(description="The instant the tracker was rebuilt at; null for now.")
    as_at_day: date | None = Field(
        None, description="The day whose records' own dates the tracker was rebuilt by; null unless asked."
    )
    items: list[TrackerRow]


router = APIRouter(prefix="/v1/partnerships/{partnership_id}", tags=["tracker"])

RESPONSES = PROJECTION_READ_RESPONSES

Agency = Annotated[Slug | None, Query(description="Owner agency id.")]
Forum = Annotated[Slug | None, Query(description="A forum the learning is disseminated to.")]
Kind = Annotated[SourceKind | None, Query(description="The kind of learning activity behind the action.")]
ThemeQ = Annotated[Theme | None, Query(description="A theme of the findings behind the recommendation.")]
Status = Annotated[Literal["open", "completed", "assured"] | None, Query()]
RagQ = Annotated[
    Literal["red", "amber", "green", "blue", "completed"] | None,
    Query(description="red: open and overdue; amber: open and due within 14 days or last reported off "
          "track; green: open on track; blue: completed and impact assured; completed: awaiting assurance."),
]
Today = Annotated[IsoDate | None, Query(description="Rate RAG as of this day (default: today, UTC; with as_of, "
                                                 "the day of as_of; with as_at_day, that day).")]
AsOfQ = Annotated[
    Instant | None,
    Query(description="Rebuild the tracker from the events lif had recorded by this instant (RFC 3339 with offset)."),
]
AsAtDayQ = Annotated[
    IsoDate | None,
    Query(description="Rebuild the tracker as the records' own dates say it stood at the end of this day "
                      "(YYYY-MM-DD): an action counts from the day its recommendation was accepted, its progress, "
                      "completion and assurance from their own days. Not with as_of."),
]


@dataclass(frozen=True)
class TrackerQuery:
    """The query both the JSON and the CSV tracker take."""

    filters: TrackerFilters
    today: date | None
    as_of: datetime | None
    min_position: int | None
    as_at_day: date | None = None
    as_at: AsAt | None = None
    """The reading as_of or as_at_day asks for (services/application/as_at.py)."""


def tracker_query(
    agency: Agency = None,
    forum: Forum = None,
    source_kind: Kind = None,
    theme: ThemeQ = None,
    status: Status = None,
    rag: RagQ = None,
    today: Today = None,
    as_of: AsOfQ = None,
    as_at_day: AsAtDayQ = None,
    min_position: MinPosition = None,
) -> TrackerQuery:
    filters = TrackerFilters(
        agency=agency, forum=forum, source_kind=source_kind.value if source_kind else None,
        theme=theme.value if theme else None, status=status, rag=rag,
    )
    return TrackerQuery(filters, today, as_of, min_position, as_at_day, AsAt.of(as_of, as_at_day))


TrackerQueryDep = Annotated[TrackerQuery, Depends(tracker_query)]


def _tracker(
    request: Request, partnership_id: str, q: TrackerQuery
) -> tuple[list[dict[str, Any]], Freshness, date]:
    store: EventStore = request.app.state.store
    filters = _scoped(request, q.filters)
    today, as_at, min_position = q.today, q.as_at, q.min_position
    if not any(True for _ in store.events.get(partnership_uuid(partnership_id), limit=1)):
        raise NotFound("unknown_partnership", f"No partnership {partnership_id!r} is registered.", "partnership_id")
    if as_at is None:
        day = today or datetime.now(UTC).date()
        with projection_read(request, "tracker", min_position) as (cur, freshness):
            key = ("tracker", partnership_id, filters, day, freshness.cache_token)
            rows = read_cache(request).get_or_build(
                key, lambda: query_tracker(cur, partnership_id, filters, day), fresh=wants_fresh(request)
            )
            assert isinstance(rows, list)
            return rows, freshness, day
    # The tables only say which aggregates belong to the partnership; their state
    # as at `as_at` comes from replaying their own events. So first catch up.
    projector = get_projector(request)
    catch_up(projector, max(min_position or 0, projector.head()))
    day = today or as_at.day
    with projection_read(request, "tracker", None) as (cur, freshness):
        ids = partnership_entity_ids(cur, partnership_id)
    stream = [event for aggregate_id in ids for event in store.events_of(aggregate_id)]
    return replay(events_as_at(stream, as_at), partnership_id, filters, day), freshness, day


def _scoped(request: Request, filters: TrackerFilters) -> TrackerFilters:
    """An agency sees only its own actions; a secretary those disseminated to its forum.

    (The policy already refused asking for another agency's or forum's; here the
    filter is applied when none was asked for.)"""
    principal = principal_of(request)
    if principal.role is Role.AGENCY:
        return replace(filters, agency=principal.agency_id)
    if principal.role is Role.SECRETARY:
        return replace(filters, forum=principal.forum_id)
    return filters


@router.get(
    "/tracker",
    response_model=TrackerPage,
    responses=RESPONSES,
    summary="Action tracker: every action with owner, due date and RAG",
)
def tracker(request: Request, partnership_id: PartnershipId, q: TrackerQueryDep) -> JSONResponse:
    rows, freshness, day = _tracker(request, partnership_id, q)
    as_of = q.as_of.isoformat() if q.as_of else None
    as_at_day = q.as_at_day.isoformat() if q.as_at_day else None
    body = list_body(
        rows, freshness, partnership_id=partnership_id, today=day.isoformat(), as_of=as_of, as_at_day=as_at_day
    )
    return JSONResponse(body, headers=freshness.headers())


@router.get(
    "/tracker.csv",
    responses={**RESPONSES, 200: {"content": {"text/csv": {}}, "description": "The tracker as CSV."}},
    summary="Action tracker as CSV (same filters)",
    response_class=Response,
)
def tracker_csv(request: Request, partnership_id: PartnershipId, q: TrackerQueryDep) -> Response:
    rows, freshness, _ = _tracker(request, partnership_id, q)
    return Response(
        to_csv(rows),
        media_type="text/csv; charset=utf-8",
        headers={**freshness.headers(), "Content-Disposition": f'attachment; filename="tracker-{partnership_id}.csv"'},
    )


def to_csv(rows: list[dict[str, Any]]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(COLUMNS)
    for row in rows:
        writer.writerow([_cell(row[column]) for column in COLUMNS])
    return out.getvalue()


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, list):
        return "; ".join(str(v) for v in value)
    if isinstance(value, bool):
        return "yes" if value else "no"
    text = str(value)
    # A cell starting like a formula would run in a spreadsheet: keep it text.
    return "'" + text if text[:1] in {"=", "+", "-", "@"} else text
