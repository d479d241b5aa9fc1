"""Lists of activities, recommendations, actions and decisions: filtered, sorted, paged.

Read from the views (projections/views/lists.py, and the tracker's tables for actions),
never by replaying aggregates; the application layer (services/application/lists.py)
holds each list to the reader's scope and cuts its pages. A bad filter value answers 422
naming its parameter.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import JSONResponse

from adapters.store import EventStore
from domain.activity import ActivityStatus
from domain.decision import DecisionSubject
from domain.errors import NotFound
from domain.framework import SourceKind, Theme
from domain.partnership import partnership_uuid
from domain.recommendation import DecisionOutcome, RecommendationStatus
from domain.values import IsoDate, Slug
from projections.views import list_queries as lq
from services.api.auth import principal_of
from services.api.deps import PartnershipId
from services.api.projection_reads import MinPosition, projection_read
from services.api.responses import PROJECTION_READ_RESPONSES
from services.api.schemas.list_pages import ActionPage, ActivityPage, DecisionPage, RecommendationPage
from services.api.schemas.lists import list_body
from services.application import lists
from services.application.lists import DEFAULT_LIMIT, MAX_LIMIT, ListPage, ListQuery

router = APIRouter(prefix="/v1/partnerships/{partnership_id}")

CURSOR_PATTERN = r"^[A-Za-z0-9_-]{1,600}$"

Cursor = Annotated[
    str | None,
    Query(description="`next` of the previous page (with the same sort and filters).", pattern=CURSOR_PATTERN),
]
Limit = Annotated[int, Query(ge=1, le=MAX_LIMIT, description=f"Items per page (1-{MAX_LIMIT}).")]
Text = Annotated[str | None, Query(min_length=1, max_length=200, description="Words the text contains (any case).")]
Agency = Annotated[Slug | None, Query(description="An agency id.")]
Forum = Annotated[Slug | None, Query(description="A forum id: learning routed to it.")]
Kind = Annotated[SourceKind | None, Query(description="The kind of learning activity.")]
ThemeQ = Annotated[Theme | None, Query(description="A theme of the findings behind it.")]


def after_day(what: str) -> Any:
    return Query(description=f"Only those {what} after this day (YYYY-MM-DD, that day not included).")


def before_day(what: str) -> Any:
    return Query(description=f"Only those {what} before this day (YYYY-MM-DD, that day not included).")


def _known(request: Request, partnership_id: str) -> None:
    store: EventStore = request.app.state.store
    if not any(True for _ in store.events.get(partnership_uuid(partnership_id), limit=1)):
        raise NotFound("unknown_partnership", f"No partnership {partnership_id!r} is registered.", "partnership_id")


def _answer(page: ListPage, freshness: Any, partnership_id: str, **facts: Any) -> JSONResponse:
    body = list_body(page.items, freshness, page.next, partnership_id=partnership_id, sort=page.sort, **facts)
    return JSONResponse(body, headers=freshness.headers())


# --- activities -------------------------------------------------------------------------------

ActivitySort = Literal["opened_on", "-opened_on", "title", "-title", "status", "-status", "kind", "-kind"]


def activity_query(
    status: ActivityStatus | None = None, kind: Kind = None, agency: Agency = None, forum: Forum = None,
    theme: ThemeQ = None, opened_after: Annotated[IsoDate | None, after_day("opened")] = None,
    opened_before: Annotated[IsoDate | None, before_day("opened")] = None, text: Text = None,
    sort: ActivitySort = "-opened_on", cursor: Cursor = None, limit: Limit = DEFAULT_LIMIT,
) -> ListQuery[lq.ActivityFilters]:
    filters = lq.ActivityFilters(
        status=status.value if status else None, kind=kind.value if kind else None, agency=agency, forum=forum,
        theme=theme.value if theme else None, opened_after=opened_after, opened_before=opened_before, text=text,
    )
    return ListQuery(filters, sort, cursor, limit)


@router.get("/activities", response_model=ActivityPage, responses=PROJECTION_READ_RESPONSES, tags=["activities"],
            summary="Learning activities: filtered, sorted, paged")
def list_activities(
    request: Request, partnership_id: PartnershipId,
    q: Annotated[ListQuery[lq.ActivityFilters], Depends(activity_query)], min_position: MinPosition = None,
) -> JSONResponse:
    _known(request, partnership_id)
    with projection_read(request, "lists", min_position) as (cur, freshness):
        page = lists.activities(cur, principal_of(request), q)
    return _answer(page, freshness, partnership_id)


# --- recommendations ----------------------------------------------------------------------------

RecommendationSort = Literal["made_on", "-made_on", "status", "-status"]


def recommendation_query(
    status: RecommendationStatus | None = None, kind: Kind = None,
    agency: Annotated[Slug | None, Query(description="An agency it is addressed to.")] = None,
    forum: Forum = None, theme: ThemeQ = None,
    activity_id: Annotated[str | None, Query(description="Made by this activity.", pattern=r"^[0-9a-f-]{36}$")] = None,
    made_after: Annotated[IsoDate | None, after_day("made")] = None,
    made_before: Annotated[IsoDate | None, before_day("made")] = None, text: Text = None,
    sort: RecommendationSort = "-made_on", cursor: Cursor = None, limit: Limit = DEFAULT_LIMIT,
) -> ListQuery[lq.RecommendationFilters]:
    filters = lq.RecommendationFilters(
        status=status.value if status else None, kind=kind.value if kind else None, agency=agency, forum=forum,
        theme=theme.value if theme else None, activity_id=activity_id, made_after=made_after,
        made_before=made_before, text=text,
    )
    return ListQuery(filters, sort, cursor, limit)


@router.get("/recommendations", response_model=RecommendationPage, responses=PROJECTION_READ_RESPONSES,
            tags=["recommendations"], summary="Recommendations: filtered, sorted, paged")
def list_recommendations(
    request: Request, partnership_id: PartnershipId,
    q: Annotated[ListQuery[lq.RecommendationFilters], Depends(recommendation_query)],
    min_position: MinPosition = None,
) -> JSONResponse:
    _known(request, partnership_id)
    with projection_read(request, "lists", min_position) as (cur, freshness):
        page = lists.recommendations(cur, principal_of(request), q)
    return _answer(page, freshness, partnership_id)


# --- actions -------------------------------------------------------------------------------------

ActionSort = Literal["due_on", "-due_on", "status", "-status", "owner_agency_id", "-owner_agency_id"]
RagQ = Literal["red", "amber", "green", "blue", "completed"]


def action_query(
    status: Literal["open", "completed", "assured"] | None = None, kind: Kind = None,
    agency: Annotated[Slug | None, Query(description="The owner agency.")] = None,
    forum: Annotated[Slug | None, Query(description="A forum the learning is disseminated to.")] = None,
    theme: ThemeQ = None, rag: Annotated[RagQ | None, Query(description="As the tracker rates it on `today`.")] = None,
    due_after: Annotated[IsoDate | None, after_day("due")] = None,
    due_before: Annotated[IsoDate | None, before_day("due")] = None, text: Text = None,
    sort: ActionSort = "due_on", cursor: Cursor = None, limit: Limit = DEFAULT_LIMIT,
) -> ListQuery[lq.ActionFilters]:
    filters = lq.ActionFilters(
        status=status, kind=kind.value if kind else None, agency=agency, forum=forum,
        theme=theme.value if theme else None, rag=rag, due_after=due_after, due_before=due_before, text=text,
    )
    return ListQuery(filters, sort, cursor, limit)


@router.get("/actions", response_model=ActionPage, responses=PROJECTION_READ_RESPONSES, tags=["actions"],
            summary="Actions with their RAG rating: filtered, sorted, paged")
def list_actions(
    request: Request, partnership_id: PartnershipId,
    q: Annotated[ListQuery[lq.ActionFilters], Depends(action_query)],
    today: Annotated[IsoDate | None, Query(description="Rate RAG as of this day (default: today, UTC).")] = None,
    min_position: MinPosition = None,
) -> JSONResponse:
    _known(request, partnership_id)
    day: date = today or datetime.now(UTC).date()
    with projection_read(request, "tracker", min_position) as (cur, freshness):
        page = lists.actions(cur, principal_of(request), q, day)
    return _answer(page, freshness, partnership_id, today=day.isoformat())


# --- decisions -----------------------------------------------------------------------------------

DecisionSort = Literal[
    "meeting_on", "-meeting_on", "outcome", "-outcome", "forum_id", "-forum_id", "recorded_at", "-recorded_at",
]


def decision_query(
    forum: Annotated[Slug | None, Query(description="The forum that decided.")] = None,
    outcome: DecisionOutcome | None = None, subject: DecisionSubject | None = None,
    subject_id: Annotated[str | None, Query(description="Decided on this.", pattern=r"^[0-9a-f-]{36}$")] = None,
    met_after: Annotated[IsoDate | None, after_day("taken at meetings")] = None,
    met_before: Annotated[IsoDate | None, before_day("taken at meetings")] = None, text: Text = None,
    sort: DecisionSort = "-meeting_on", cursor: Cursor = None, limit: Limit = DEFAULT_LIMIT,
) -> ListQuery[lq.DecisionFilters]:
    filters = lq.DecisionFilters(
        forum=forum, outcome=outcome.value if outcome else None, subject=subject.value if subject else None,
        subject_id=subject_id, met_after=met_after, met_before=met_before, text=text,
    )
    return ListQuery(filters, sort, cursor, limit)


@router.get("/decisions", response_model=DecisionPage, responses=PROJECTION_READ_RESPONSES, tags=["decisions"],
            summary="Forum decisions: filtered, sorted, paged")
def list_decisions(
    request: Request, partnership_id: PartnershipId,
    q: Annotated[ListQuery[lq.DecisionFilters], Depends(decision_query)], min_position: MinPosition = None,
) -> JSONResponse:
    _known(request, partnership_id)
    with projection_read(request, "lists", min_position) as (cur, freshness):
        page = lists.decisions(cur, principal_of(request), q)
    return _answer(page, freshness, partnership_id)
